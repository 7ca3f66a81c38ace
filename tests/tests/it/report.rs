//! The meeting report against a fixture whose answers were worked out by hand: a group in
//! Cleveland (America/New_York, five hours behind UTC in winter) with 28 needs over six weeks from Monday
//! 7 January 2030, reported on the four weeks from Monday 14 January (local midnight) to Monday
//! 11 February, so that needs posted, assigned and done on either side of the period cut it.

use std::collections::BTreeMap;

use aidmesh_tests::test_key;
use chrono::{DateTime, Duration, TimeZone, Utc};
use aidmesh_report::{document, Lang, Meeting};
use crdt_core::report::{AgeBands, AreaServed, Bucket, Logged, Period, Records, Report, Unmatched, Waits};
use crdt_core::*;

/// Local time in Cleveland, `day` days after Monday 7 January 2030, at `hour`:`minute`.
fn local(day: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    let cleveland = parse_time_zone("America/New_York").unwrap();
    (cleveland.with_ymd_and_hms(2030, 1, 7, hour, minute, 0).unwrap() + Duration::days(day)).with_timezone(&Utc)
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    period: Period,
    names: BTreeMap<Uuid, &'static str>,
}

/// Runs `f` on the store's record as Ana's device, at the times `f` gives.
fn on<T>(store: &mut Store, f: impl FnOnce(&mut GroupDoc) -> crdt_core::Result<T>) -> T {
    store.act(|doc, _, _| f(doc)).unwrap()
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(&dir.path().join("aidmesh.db"), &test_key(), "Cleveland SEWG", NewMember::new("Ana", Role::Organizer)).unwrap();
    let ana = store.me().unwrap();
    let s = &mut store;
    on(s, |doc| doc.set_time_zone(ana, "America/New_York", local(-1, 9, 0)));
    for area in ["North", "South", "East", "West"] {
        on(s, |doc| doc.add_area(ana, area, &[], local(-1, 9, 0)));
    }
    let add = |s: &mut Store, name: &str, day: i64| on(s, |doc| doc.add_member(ana, NewMember::new(name, Role::Volunteer), local(day, 9, 0))).id;
    let [bo, cy, dee, eve] = ["Bo", "Cy", "Dee", "Eve"].map(|name| add(s, name, -1));
    // Fay joins after the period: not counted as inactive in it.
    let fay = add(s, "Fay", 40);

    let need = |s: &mut Store, category: Category, area: &str, at: DateTime<Utc>| {
        on(s, |doc| doc.add_need(ana, NewNeed::new(&format!("{category} in {area}"), category, Urgency::Normal, area), at)).id
    };
    let helped = |s: &mut Store, need: Uuid, volunteer: Uuid, assigned: DateTime<Utc>, done: Option<DateTime<Utc>>| {
        let assignment = on(s, |doc| doc.assign(ana, need, volunteer, None, "", assigned)).id;
        on(s, |doc| doc.set_assignment_status(volunteer, assignment, AssignmentStatus::Accepted, assigned + Duration::minutes(10)));
        if let Some(done) = done {
            on(s, |doc| doc.set_assignment_status(volunteer, assignment, AssignmentStatus::Done, done));
        }
    };
    // Before the period: posted, assigned and done.
    let n1 = need(s, Category::Groceries, "North", local(0, 10, 0));
    helped(s, n1, bo, local(0, 16, 0), Some(local(1, 10, 0)));
    // Posted the Sunday before, assigned 48 h later and done 72 h after posting, in the period.
    let n2 = need(s, Category::Meals, "North", local(6, 9, 0));
    helped(s, n2, cy, local(8, 9, 0), Some(local(9, 9, 0)));
    // In the period.
    need(s, Category::Transport, "South", local(7, 12, 0));
    let n4 = need(s, Category::Groceries, "South", local(8, 8, 0));
    on(s, |doc| doc.set_need_status(ana, n4, NeedStatus::Cancelled, local(10, 8, 0)));
    let n5 = need(s, Category::Meals, "North", local(14, 10, 0));
    helped(s, n5, bo, local(14, 22, 0), Some(local(15, 10, 0)));
    let n6 = need(s, Category::Groceries, "East", local(15, 10, 0));
    helped(s, n6, dee, local(17, 10, 0), None);
    let n7 = need(s, Category::Childcare, "East", local(16, 10, 0));
    let declined = on(s, |doc| doc.assign(ana, n7, cy, None, "", local(16, 11, 0))).id;
    on(s, |doc| doc.set_assignment_status(cy, declined, AssignmentStatus::Declined, local(16, 12, 0)));
    // Sunday 3 February, 21:00 in Cleveland, is already Monday in UTC: it belongs to the week of
    // 28 January, and to February.
    let n8 = need(s, Category::Groceries, "North", local(27, 21, 0));
    helped(s, n8, bo, local(28, 21, 0), Some(local(32, 21, 0)));
    // A leaflet drop in West brings sixteen requests, Monday to Thursday of the week of 28
    // January, groceries and meals in turn; nobody has reached West yet.
    for i in 0..16 {
        let category = if i % 2 == 0 { Category::Groceries } else { Category::Meals };
        need(s, category, "West", local(21 + i / 4, 10, i as u32));
    }
    need(s, Category::Meals, "South", local(29, 10, 0));
    need(s, Category::Meals, "South", local(31, 9, 0));
    need(s, Category::Transport, "North", local(33, 20, 0));
    // After the period.
    let n11 = need(s, Category::Groceries, "East", local(36, 10, 0));
    helped(s, n11, dee, local(36, 12, 0), None);

    // Offers, and why four of them were never used.
    let offer = |s: &mut Store, member: Uuid, category: Category, day: i64| {
        on(s, |doc| doc.add_offer(member, NewOffer::new(member, &format!("{category}"), vec![category], OfferKind::Time, "North"), local(day, 8, 0))).id
    };
    offer(s, bo, Category::Groceries, -1); // used: Bo helped with groceries
    offer(s, eve, Category::Transport, 2); // two transport needs stood open, nobody chose Eve
    offer(s, cy, Category::Childcare, 2); // Cy declined the one childcare need
    offer(s, dee, Category::Housing, 2); // nobody asked for housing
    let paused = offer(s, eve, Category::Meals, 3);
    on(s, |doc| doc.set_offer_status(eve, paused, OfferStatus::Paused, local(4, 8, 0)));
    offer(s, fay, Category::Meals, 41); // after the period

    let hours = |s: &mut Store, from: Uuid, to: Party, amount: &str, category: Option<Category>, day: i64, confirmed: bool| {
        let input = NewHours { category, ..NewHours::new(from, to, amount.parse().unwrap()) };
        let entry = on(s, |doc| doc.log_hours(from, input, local(day, 12, 0))).id;
        if confirmed {
            on(s, |doc| doc.confirm_hours(ana, entry, local(day, 13, 0)));
        }
    };
    hours(s, bo, Party::Member(cy), "2", Some(Category::Groceries), 1, true);
    hours(s, bo, Party::Member(dee), "1.5", Some(Category::Groceries), 9, true);
    hours(s, cy, Party::Group, "3", Some(Category::Meals), 15, true);
    hours(s, dee, Party::Member(bo), "1", None, 22, true);
    hours(s, cy, Party::Member(bo), "4", Some(Category::Meals), 23, false);
    hours(s, bo, Party::Member(cy), "0.5", Some(Category::Transport), 30, true);

    let names = [(ana, "Ana"), (bo, "Bo"), (cy, "Cy"), (dee, "Dee"), (eve, "Eve"), (fay, "Fay")].into_iter().collect();
    Fixture { _dir: dir, store, period: Period { from: local(7, 0, 0), to: local(35, 0, 0) }, names }
}

/// The report worked out from the record itself; `the_store_reports_from_its_index_what_the_records_say`
/// checks the store's, read from its index, is the same.
fn report(fixture: &mut Fixture, bucket: Bucket) -> Report {
    let doc = fixture.store.doc().unwrap();
    let (needs, assignments, members, offers) = (doc.needs().records, doc.assignments().records, doc.members().records, doc.offers().records);
    let entries: Vec<Logged> = doc.ledger().entries.iter().map(Logged::from).collect();
    let records = Records { needs: &needs, assignments: &assignments, entries: &entries, members: &members, offers: &offers };
    Report::new(&records, fixture.period, bucket, doc.group().unwrap().settings.zone())
}

/// (first day of the week or month, category) → needs posted.
fn posted(report: &Report) -> BTreeMap<(String, &'static str), usize> {
    report.posted.iter().map(|p| ((p.starting.to_string(), p.category.as_str()), p.needs)).collect()
}

fn expected<const N: usize>(rows: [(&str, &'static str, usize); N]) -> BTreeMap<(String, &'static str), usize> {
    rows.into_iter().map(|(day, category, n)| ((day.to_string(), category), n)).collect()
}

#[test]
fn needs_posted_by_week_and_month_in_the_groups_time_zone() {
    let mut fixture = fixture();
    let weekly = report(&mut fixture, Bucket::Week);
    assert_eq!(
        posted(&weekly),
        expected([
            ("2030-01-14", "groceries", 1),
            ("2030-01-14", "transport", 1),
            ("2030-01-21", "groceries", 1),
            ("2030-01-21", "meals", 1),
            ("2030-01-21", "childcare", 1),
            ("2030-01-28", "groceries", 9),
            ("2030-01-28", "meals", 8),
            ("2030-02-04", "meals", 2),
            ("2030-02-04", "transport", 1),
        ])
    );
    let monthly = report(&mut fixture, Bucket::Month);
    assert_eq!(
        posted(&monthly),
        expected([
            ("2030-01-01", "groceries", 10),
            ("2030-01-01", "transport", 1),
            ("2030-01-01", "meals", 9),
            ("2030-01-01", "childcare", 1),
            ("2030-02-01", "groceries", 1),
            ("2030-02-01", "meals", 2),
            ("2030-02-01", "transport", 1),
        ])
    );
    let statuses: BTreeMap<NeedStatus, usize> =
        [(NeedStatus::Open, 21), (NeedStatus::InProgress, 1), (NeedStatus::Done, 2), (NeedStatus::Cancelled, 1)].into_iter().collect();
    assert_eq!(weekly.by_status, statuses);
}

#[test]
fn waits_count_what_ended_in_the_period_whenever_the_need_was_posted() {
    let report = report(&mut fixture(), Bucket::Week);
    // First assignments in the period: 48 h (posted the Sunday before), 12 h, 48 h, 1 h, 24 h.
    assert_eq!(report.to_first_assignment, Waits { count: 5, median_hours: Some(24.0), slowest_tenth_hours: Some(48.0) });
    // Done in the period: 72 h, 24 h, 120 h. The first need, done before it, is not counted.
    assert_eq!(report.to_done, Waits { count: 3, median_hours: Some(72.0), slowest_tenth_hours: Some(120.0) });
}

#[test]
fn open_needs_by_age_when_the_period_ends() {
    let report = report(&mut fixture(), Bucket::Week);
    // 1 day 4 h; 3 days 15 h; and 5 days 14 h or more (four needs, one of them in progress, and
    // West's sixteen, 10 to 14 days old).
    assert_eq!(report.open_by_age, AgeBands { under_3_days: 1, from_3_to_5_days: 1, over_5_days: 20 });
}

#[test]
fn the_needs_waiting_longest_are_named_by_title_and_area() {
    let report = report(&mut fixture(), Bucket::Week);
    let waiting: Vec<(String, String)> = report.waiting_longest.iter().map(|n| (n.title.clone(), n.area.clone())).collect();
    // Ten, oldest first: three from before the leaflet drop, then West's first seven.
    let west = ["groceries in West", "meals in West"];
    let expected = [
        ("transport in South", "South"),
        ("groceries in East", "East"),
        ("childcare in East", "East"),
        (west[0], "West"),
        (west[1], "West"),
        (west[0], "West"),
        (west[1], "West"),
        (west[0], "West"),
        (west[1], "West"),
        (west[0], "West"),
    ];
    assert_eq!(waiting, expected.map(|(title, area)| (title.to_string(), area.to_string())));
}

#[test]
fn offers_never_used_and_why() {
    let report = report(&mut fixture(), Bucket::Week);
    let why: BTreeMap<Unmatched, usize> =
        [(Unmatched::NotActive, 1), (Unmatched::NoNeedInItsCategories, 1), (Unmatched::Declined, 1), (Unmatched::NeverChosen, 1)].into_iter().collect();
    assert_eq!(report.unmatched_offers, why);
}

#[test]
fn areas_served_and_unserved() {
    let report = report(&mut fixture(), Bucket::Week);
    let area = |area: &str, posted, served, unserved| AreaServed { area: area.into(), posted, served, unserved };
    // East: one accepted, one declined. South: nobody helped yet, one cancelled.
    assert_eq!(report.areas, vec![area("East", 2, 1, 1), area("North", 3, 2, 1), area("South", 4, 0, 4), area("West", 16, 0, 16)]);
}

#[test]
fn confirmed_hours_by_member_and_category_and_who_went_quiet() {
    let mut fixture = fixture();
    let report = report(&mut fixture, Bucket::Week);
    let hours: Vec<(&str, String, String)> =
        report.hours.iter().map(|h| (fixture.names[&h.member], h.given.to_string(), h.received.to_string())).collect();
    // Pending hours and hours logged before the period are left out.
    assert_eq!(hours, [("Cy", "3", "0.5"), ("Bo", "2", "1"), ("Dee", "1", "1.5")].map(|(n, g, r)| (n, g.to_string(), r.to_string())));
    let by_category: Vec<(String, Option<Category>, String)> =
        report.hours_by_category.iter().map(|h| (h.starting.to_string(), h.category, h.hours.to_string())).collect();
    assert_eq!(
        by_category,
        vec![
            ("2030-01-14".to_string(), Some(Category::Groceries), "1.5".to_string()),
            ("2030-01-21".to_string(), Some(Category::Meals), "3".to_string()),
            ("2030-01-28".to_string(), None, "1".to_string()),
            ("2030-02-04".to_string(), Some(Category::Transport), "0.5".to_string()),
        ]
    );
    let inactive: Vec<&str> = report.inactive.iter().map(|id| fixture.names[id]).collect();
    assert_eq!(inactive, ["Eve"], "Fay joined after the period");
}

/// The store reads the same records from its index and gives the same report.
#[test]
fn the_store_reports_from_its_index_what_the_records_say() {
    let mut fixture = fixture();
    for bucket in [Bucket::Week, Bucket::Month] {
        let from_index = fixture.store.report(fixture.period, bucket).unwrap();
        assert_eq!(from_index, report(&mut fixture, bucket));
    }
}

/// A store from before schema 8 (the hours' index named parties by id) numbers its parties when
/// it opens, and reports the same hours as before; new entries get numbers as they come.
#[test]
fn a_store_from_schema_7_numbers_its_parties_and_reports_the_same() {
    let Fixture { _dir, mut store, period, .. } = fixture();
    let before = store.report(period, Bucket::Week).unwrap();
    let path = store.path().to_path_buf();
    drop(store);
    // Schema 7 as it was, with the same rows.
    let conn = Store::unlocked_connection(&path, &test_key()).unwrap();
    conn.execute_batch(
        "DROP INDEX hour_entries_by_time; ALTER TABLE hour_entries DROP COLUMN from_no; ALTER TABLE hour_entries DROP COLUMN to_no; DROP TABLE parties;
         CREATE INDEX hour_entries_by_time ON hour_entries (created_at, from_member, to_party, quarters, status, category);
         DROP TABLE archive_chunks; PRAGMA user_version = 7;",
    )
    .unwrap();
    drop(conn);
    let mut store = Store::open(&path, &test_key()).unwrap();
    assert_eq!(store.report(period, Bucket::Week).unwrap(), before);
    let (ana, bo) = (store.me().unwrap(), store.find_member("Bo").unwrap());
    let at = period.from + Duration::days(1);
    let entry = store.act(|doc, _, _| doc.log_hours(bo, NewHours::new(bo, Party::Member(ana), "1".parse().unwrap()), at)).unwrap().id;
    store.act(|doc, _, _| doc.confirm_hours(ana, entry, at)).unwrap();
    let after = store.report(period, Bucket::Week).unwrap();
    let given = |report: &Report| report.hours.iter().find(|h| h.member == bo).unwrap().given;
    assert_eq!(given(&after), given(&before) + "1".parse().unwrap());
    assert!(after.hours.iter().any(|h| h.member == ana && h.received == "1".parse().unwrap()));
}

/// The printed report, drawn by headless Chromium from the self-contained page in each language:
/// it fits on two A4 pages, and pictures of it on paper and on a phone land in
/// `screenshots/report/` for people to look at.
#[test]
fn the_printed_report_fits_on_two_pages_and_is_drawn_for_a_look() {
    let mut fixture = fixture();
    let report = fixture.store.report(fixture.period, Bucket::Week).unwrap();
    let names = Names::new(&fixture.store.members().unwrap());
    let conflicts = fixture.store.doc().unwrap().conflicts();
    let (first_day, last_day) = (chrono::NaiveDate::from_ymd_opt(2030, 1, 14).unwrap(), chrono::NaiveDate::from_ymd_opt(2030, 2, 10).unwrap());
    let meeting = Meeting { group: "Cleveland SEWG", first_day, last_day, report: &report, names: &names, conflicts: &conflicts };
    let pictures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../screenshots/report");
    std::fs::create_dir_all(&pictures).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for lang in [Lang::En, Lang::Es] {
        let code = lang.words().code;
        let page = dir.path().join(format!("report-{code}.html"));
        std::fs::write(&page, document(&meeting, lang)).unwrap();
        let pdf = dir.path().join(format!("report-{code}.pdf"));
        chromium(&[&format!("--print-to-pdf={}", pdf.display()), "--no-pdf-header-footer"], &page);
        let pdf = std::fs::read(&pdf).unwrap();
        let pages = count(&pdf, b"/Type /Page") - count(&pdf, b"/Type /Pages");
        assert!((1..=2).contains(&pages), "the {code} report prints on {pages} pages");
        chromium(&[&format!("--screenshot={}", pictures.join(format!("{code}-paper.png")).display()), "--window-size=794,1123"], &page);
        chromium(&[&format!("--screenshot={}", pictures.join(format!("{code}-phone.png")).display()), "--window-size=390,2000"], &page);
    }
}

pub(crate) fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

/// Headless Chromium on a local file, with everything that would reach for the network off.
pub(crate) fn chromium(args: &[&str], page: &std::path::Path) {
    let profile = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stderr(std::process::Stdio::null())
        .status()
        .expect("Chromium draws the printed report (apt-get install chromium; test.sh does this)");
    assert!(status.success(), "chromium {args:?} failed");
}

/// A group's totals travel as a small signed file with counts only; files from several groups
/// for the same days add up, and a file changed on the way, or that does not hold together, is
/// refused whole.
#[test]
fn network_totals_add_up_across_groups_and_a_changed_file_is_refused() {
    use crdt_core::totals::{GroupTotals, Network, TotalsError};
    let mut fixture = fixture();
    let (first, last) = (chrono::NaiveDate::from_ymd_opt(2030, 1, 14).unwrap(), chrono::NaiveDate::from_ymd_opt(2030, 2, 10).unwrap());
    let file = fixture.store.totals_file(first, last).unwrap();
    for name in fixture.names.values().chain(&["in North", "in South"]) {
        assert!(!crate::privacy::contains(&file, name), "the totals file names {name:?}");
    }
    let (cleveland, device) = GroupTotals::open(&file).unwrap();
    assert_eq!(device.len(), 8);
    let f = &cleveland.figures;
    assert_eq!((f.needs_posted, f.served, f.unserved, f.offers_unused), (25, 3, 22, 4));
    assert_eq!((f.hours_given.to_string(), f.active_members, f.quiet_members), ("6".to_string(), 4, 1));
    assert_eq!(f.open_by_age, AgeBands { under_3_days: 1, from_3_to_5_days: 1, over_5_days: 20 });

    // Another chapter, its own group and device.
    let dir = tempfile::tempdir().unwrap();
    let mut akron = Store::create(&dir.path().join("aidmesh.db"), &test_key(), "Akron Timebank", NewMember::new("Gus", Role::Organizer)).unwrap();
    let gus = akron.me().unwrap();
    on(&mut akron, |doc| doc.add_need(gus, NewNeed::new("Ride", Category::Transport, Urgency::Normal, "Downtown"), local(8, 9, 0)));
    on(&mut akron, |doc| doc.add_need(gus, NewNeed::new("Lunch", Category::Meals, Urgency::Normal, "Downtown"), local(9, 9, 0)));
    let (akron_totals, _) = GroupTotals::open(&akron.totals_file(first, last).unwrap()).unwrap();
    let network = Network::of(vec![cleveland.clone(), akron_totals.clone()]).unwrap();
    assert_eq!(network.groups.iter().map(|g| g.group_name.as_str()).collect::<Vec<_>>(), ["Akron Timebank", "Cleveland SEWG"]);
    assert_eq!((network.sum.needs_posted, network.sum.unserved, network.sum.by_category[&Category::Transport]), (27, 24, 3));

    // One byte changed after signing: 25 needs posted become 24.
    let text = String::from_utf8(file.clone()).unwrap();
    let tampered = text.replacen("\"needs_posted\": 25", "\"needs_posted\": 24", 1);
    assert_ne!(tampered, text);
    assert_eq!(GroupTotals::open(tampered.as_bytes()).unwrap_err(), TotalsError::BadSignature);
    assert!(matches!(GroupTotals::open(b"{\"format\": 1}"), Err(TotalsError::Malformed(_))));
    assert!(matches!(GroupTotals::open(&vec![b' '; 70_000]), Err(TotalsError::TooBig { .. })));
    // Honestly signed but not holding together: a modified app can sign anything.
    let mut lying = cleveland.clone();
    lying.figures.needs_posted = 90;
    let signed = lying.sign(&Signer::generate());
    assert!(matches!(GroupTotals::open(&signed), Err(TotalsError::Inconsistent { .. })));

    assert_eq!(Network::of(vec![cleveland.clone(), cleveland.clone()]).unwrap_err(), TotalsError::SameGroupTwice("Cleveland SEWG".into()));
    let other_days = GroupTotals { last_day: last + Duration::days(7), ..akron_totals };
    assert!(matches!(Network::of(vec![cleveland, other_days]), Err(TotalsError::DifferentPeriods { .. })));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

    /// A totals file from elsewhere, cut, with a byte flipped, or honestly signed by a modified
    /// app with any figures at all: reading it and adding it up never panics, and what is
    /// accepted holds together.
    #[test]
    fn no_totals_file_makes_reading_or_adding_up_panic(
        cut in proptest::prelude::any::<usize>(),
        flip in proptest::prelude::any::<usize>(),
        figures in proptest::collection::vec(proptest::prelude::any::<u64>(), 8),
        bands in proptest::collection::vec(proptest::prelude::any::<usize>(), 3),
        quarters in proptest::prelude::any::<i64>(),
    ) {
        use crdt_core::totals::{Figures, GroupTotals, Network};
        // Half the time the figures hold together, so that honest-looking files get read too.
        let (mut figures, mut bands, mut quarters) = (figures, bands, quarters);
        if figures[0] % 2 == 0 {
            let posted = figures[1] % 1000;
            figures[..5].copy_from_slice(&[posted, posted, posted, posted / 2, posted - posted / 2]);
            figures[5..].iter_mut().for_each(|n| *n %= 1000);
            bands.iter_mut().for_each(|n| *n %= 1000);
            quarters = quarters.rem_euclid(4000);
        }
        let figures = Figures {
            needs_posted: figures[0],
            by_status: [(NeedStatus::Open, figures[1])].into_iter().collect(),
            by_category: [(Category::Meals, figures[2])].into_iter().collect(),
            served: figures[3],
            unserved: figures[4],
            open_by_age: AgeBands { under_3_days: bands[0], from_3_to_5_days: bands[1], over_5_days: bands[2] },
            offers_unused: figures[5],
            hours_given: Hours::from_quarters(quarters),
            active_members: figures[6],
            quiet_members: figures[7],
        };
        let day = chrono::NaiveDate::from_ymd_opt(2030, 1, 14).unwrap();
        let totals = GroupTotals { group: Uuid::from_u128(1), group_name: "Akron".into(), first_day: day, last_day: day, figures, to_first_volunteer: Waits::default(), to_done: Waits::default() };
        let mut file = totals.sign(&Signer::generate());
        let mut variants = vec![file.clone(), file[..cut % (file.len() + 1)].to_vec()];
        let at = flip % file.len();
        file[at] ^= 1 << (flip % 8);
        variants.push(file);
        for bytes in variants {
            if let Ok((read, _)) = GroupTotals::open(&bytes) {
                let posted = read.figures.needs_posted;
                proptest::prop_assert_eq!(read.figures.served + read.figures.unserved, posted);
                let other = GroupTotals { group: Uuid::from_u128(2), ..read.clone() };
                let network = Network::of(vec![read, other]).unwrap();
                proptest::prop_assert_eq!(network.sum.needs_posted, 2 * posted);
            }
        }
    }
}
