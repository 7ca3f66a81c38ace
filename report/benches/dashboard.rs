//! `cargo bench -p aidmesh-report --bench dashboard`: the organizers' dashboard from a cold
//! start, over the 10,000-need benchmark group with six months of life in it (assignments
//! accepted and done, needs cancelled, offers) and 100,000 hour entries. Prints one JSON line
//! per case. Short mode (see `common`): 200 needs and 1,000 hour entries.
//!
//! "Cold" is what the app's `meeting_report` command does on a store just opened: read the
//! figures, the members' names and the open conflicts from the index, and lay the page out.
//! Finding the conflicts in the document, as a device does once, is timed apart.

#[path = "../../crdt-core/benches/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::Instant;

use aidmesh_report::{fragment, Lang, Meeting};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use crdt_core::report::{Bucket, Period};
use crdt_core::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use common::{AREAS, deliver, emit, median, ms, phone, test_key};

struct Sizes {
    needs: usize,
    offers: usize,
    volunteers: usize,
    hour_entries: usize,
}

const FULL: Sizes = Sizes { needs: 10_000, offers: 5_000, volunteers: 500, hour_entries: 100_000 };
const SHORT: Sizes = Sizes { needs: 200, offers: 100, volunteers: 20, hour_entries: 1_000 };
/// The group's life: 26 weeks from Monday 7 January 2030.
const WEEKS: i64 = 26;

fn main() -> anyhow::Result<()> {
    let sizes = if common::short() { SHORT } else { FULL };
    let dir = tempfile::tempdir()?;
    let path = common::group_file(dir.path(), "dashboard.db");
    if !path.exists() {
        let t = Instant::now();
        build_group(&path, &sizes)?;
        emit(json!({"case": "dashboard_dataset", "needs": sizes.needs, "offers": sizes.offers, "hour_entries": sizes.hour_entries, "build_ms": ms(t)}));
    }

    // The open conflicts come from the store's index. The first time (or after a change of who
    // is who) they are found in the document: load it, then scan it.
    let mut store = Store::open(&path, &test_key())?;
    let t = Instant::now();
    let doc = store.doc()?;
    let load = ms(t);
    // The first scan after a load is much slower than the next (13 s against 4 s in full).
    let scans: Vec<f64> = (0..2)
        .map(|_| {
            let t = Instant::now();
            doc.conflicts();
            ms(t)
        })
        .collect();
    store.conflicts()?;
    drop(store);
    emit(json!({"case": "dashboard_conflicts_from_document", "document_load_ms": load, "first_scan_ms": scans[0], "second_scan_ms": scans[1]}));

    // The meeting's usual question: the last four weeks, by week; and the whole half year by month.
    let (first, last) = (NaiveDate::from_ymd_opt(2030, 6, 10).unwrap(), NaiveDate::from_ymd_opt(2030, 7, 7).unwrap());
    for (name, first, bucket) in [("four_weeks", first, Bucket::Week), ("half_year", NaiveDate::from_ymd_opt(2030, 1, 7).unwrap(), Bucket::Month)] {
        let mut figures_ms = Vec::new();
        let mut page_bytes = 0;
        let whole = median(5, || {
            let t = Instant::now();
            let mut store = Store::open(&path, &test_key()).unwrap();
            let group = store.group().unwrap();
            let report = store.report(Period::days(first, last, group.settings.zone()).unwrap(), bucket).unwrap();
            figures_ms.push(ms(t));
            let names = Names::new(&store.members().unwrap());
            let conflicts = store.conflicts().unwrap();
            let meeting = Meeting { group: &group.name, first_day: first, last_day: last, report: &report, names: &names, conflicts: &conflicts };
            page_bytes = fragment(&meeting, Lang::En).len();
            ms(t)
        });
        emit(json!({
            "case": format!("dashboard_cold_{name}"), "ms": whole, "figures_ms": common::percentile(&figures_ms, 50),
            "needs": sizes.needs, "hour_entries": sizes.hour_entries, "page_kb": page_bytes / 1000, "target_ms": 200,
        }));
    }

    // A member added (at a meeting, most weeks) leaves the stored conflicts as they read. On a
    // copy, so a kept group stays as built.
    let copy = dir.path().join("member-added.db");
    std::fs::copy(&path, &copy)?;
    let mut store = Store::open(&copy, &test_key())?;
    store.act(|doc, me, now| doc.add_member(me, NewMember::new("Newcomer", Role::Volunteer), now))?;
    drop(store);
    let t = Instant::now();
    let mut store = Store::open(&copy, &test_key())?;
    let open = store.conflicts()?.len();
    emit(json!({"case": "dashboard_conflicts_after_a_member_is_added", "ms": ms(t), "open_conflicts": open}));
    Ok(())
}

/// Built on a second device through the public API and delivered in one go, as a first sync
/// would: needs posted over the half year, most assigned within days and done or cancelled
/// later; offers, a fifth of them never used; hour entries, most confirmed.
fn build_group(path: &Path, sizes: &Sizes) -> anyhow::Result<()> {
    let (store, mut phone, me) = phone(path)?;
    let (doc, _) = &mut phone;
    let start = Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap();
    let minutes = WEEKS * 7 * 24 * 60;
    let mut rng = StdRng::seed_from_u64(15);
    for area in AREAS {
        doc.add_area(me, area, &[], start)?;
    }
    let volunteers: Vec<Uuid> =
        (0..sizes.volunteers).map(|i| Ok(doc.add_member(me, NewMember::new(&format!("Volunteer {i}"), Role::Volunteer), start)?.id)).collect::<Result<_>>()?;
    let mut offers = Vec::new();
    for i in 0..sizes.offers {
        let volunteer = volunteers[i % volunteers.len()];
        let category = Category::ALL[rng.random_range(0..Category::ALL.len())];
        let input = NewOffer { capacity: 50, ..NewOffer::new(volunteer, &format!("Help #{i}"), vec![category], OfferKind::Time, AREAS[i % AREAS.len()]) };
        offers.push(doc.add_offer(me, input, start)?);
    }
    for i in 0..sizes.needs {
        let posted = start + Duration::minutes(rng.random_range(0..minutes));
        let category = Category::ALL[rng.random_range(0..Category::ALL.len())];
        let need = doc.add_need(me, NewNeed::new(&format!("Need #{i}"), category, Urgency::Normal, AREAS[rng.random_range(0..AREAS.len())]), posted)?;
        let roll = rng.random_range(0..100);
        if roll < 70 {
            // Four offers in five get used; the fifth of them at the end of the list never is.
            let offer = &offers[rng.random_range(0..offers.len() * 4 / 5)];
            let assigned = posted + Duration::hours(rng.random_range(1..24 * 6));
            let assignment = doc.assign(me, need.id, offer.member, Some(offer.id), "", assigned)?;
            doc.set_assignment_status(offer.member, assignment.id, AssignmentStatus::Accepted, assigned + Duration::hours(1))?;
            if roll < 55 {
                doc.set_assignment_status(offer.member, assignment.id, AssignmentStatus::Done, assigned + Duration::hours(rng.random_range(2..24 * 4)))?;
            }
        } else if roll < 80 {
            doc.set_need_status(me, need.id, NeedStatus::Cancelled, posted + Duration::days(rng.random_range(1..10)))?;
        }
    }
    for i in 0..sizes.hour_entries {
        let at = start + Duration::minutes(i as i64 * minutes / sizes.hour_entries as i64);
        let from = volunteers[rng.random_range(0..volunteers.len())];
        let to = if rng.random_bool(0.3) { Party::Group } else { Party::Member(volunteers[rng.random_range(0..volunteers.len())]) };
        let to = if to == Party::Member(from) { Party::Group } else { to };
        let category = rng.random_bool(0.8).then(|| Category::ALL[rng.random_range(0..Category::ALL.len())]);
        let input = NewHours { category, ..NewHours::new(from, to, Hours::from_quarters(rng.random_range(1..=16))) };
        let entry = doc.log_hours(from, input, at)?;
        if rng.random_range(0..100) < 85 {
            let receiver = match to {
                Party::Member(id) => id,
                Party::Group => me,
            };
            doc.confirm_hours(receiver, entry.id, at)?;
        }
    }
    deliver(store, &phone)
}
