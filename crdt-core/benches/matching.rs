//! `cargo bench -p crdt-core --bench matching`: matching on 1,000 open needs and 1,000 offers,
//! and timebank balances over 100,000 ledger entries. Prints one JSON line per case.
//!
//! Both groups are built through the public API on a second device and received by a store in
//! one go, as a first sync would deliver them; the reads then go through the store and the
//! loaded document the way the CLI and the app use them. Short mode (see `common`) uses 50
//! needs, 50 offers, 30 volunteers and 300 ledger entries.

mod common;

use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crdt_core::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use uuid::Uuid;

use common::{AREAS, deliver, emit, median, ms, phone, test_key};

/// How big the two groups are.
struct Sizes {
    needs: usize,
    offers: usize,
    volunteers: usize,
    ledger_entries: usize,
}

const FULL: Sizes = Sizes { needs: 1_000, offers: 1_000, volunteers: 600, ledger_entries: 100_000 };
const SHORT: Sizes = Sizes { needs: 50, offers: 50, volunteers: 30, ledger_entries: 300 };
const SKILLS: [&str; 10] = ["driving", "cooking", "shopping", "first aid", "childcare", "forms", "repairs", "translation", "tech help", "cleaning"];
const LANGUAGES: [&str; 5] = ["en", "es", "ar", "pl", "uk"];
const SLOTS: [&str; 6] = ["mon 09:00-12:00", "tue 17:00-20:00", "wed 10:00-14:00", "thu 18:00-21:00", "sat 09:00-13:00", "sun 14:00-18:00"];

fn main() -> anyhow::Result<()> {
    let sizes = if common::short() { SHORT } else { FULL };
    let dir = tempfile::tempdir()?;
    let start = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    // Needs are posted over ten days; matching happens at the end of them.
    let now = start + Duration::days(10);

    let path = dir.path().join("matching.db");
    let t = Instant::now();
    build_matching_group(&path, start, &sizes)?;
    emit(json!({"case": "matching_dataset", "open_needs": sizes.needs, "offers": sizes.offers, "volunteers": sizes.volunteers, "build_ms": ms(t)}));

    let store = Store::open(&path, &test_key())?;
    let open = store.needs(&NeedFilter { status: Some(NeedStatus::Open), ..Default::default() })?;
    let matcher = store.matcher()?;
    let mut candidates = 0;
    let mut sample = open.iter().step_by((open.len() / 100).max(1)).cycle();
    let rank = median(200, || {
        let need = sample.next().expect("cycles");
        let t = Instant::now();
        candidates = matcher.rank(need, now).unwrap().candidates.len();
        ms(t)
    });
    emit(json!({"case": "rank_one_need", "ms": rank, "offers": sizes.offers, "candidates_last": candidates, "target_ms": 5}));

    // What `aidmesh match NEED` does after parsing: open, read the index, rank.
    let some_need = open[open.len() / 2].id;
    let from_store = median(20, || {
        let t = Instant::now();
        let store = Store::open(&path, &test_key()).unwrap();
        store.matcher().unwrap().rank(&store.need(some_need).unwrap(), now).unwrap();
        ms(t)
    });
    emit(json!({"case": "rank_one_need_from_store", "ms": from_store}));

    let mut batch = Batch::default();
    let propose = median(5, || {
        let t = Instant::now();
        batch = matcher.propose(&open, now);
        ms(t)
    });
    let places: u32 = open.iter().map(|n| matcher.places_left(n)).sum();
    emit(json!({
        "case": "batch_proposals", "ms": propose, "open_needs": open.len(), "places": places,
        "proposals": batch.proposals.len(), "total_score": batch.total_score, "target_ms": 1000,
    }));

    let path = dir.path().join("ledger.db");
    let t = Instant::now();
    let members = build_ledger(&path, start, &sizes)?;
    emit(json!({"case": "ledger_dataset", "entries": sizes.ledger_entries, "members": members.len(), "build_ms": ms(t)}));

    let mut store = Store::open(&path, &test_key())?;
    let mut parties = 0;
    let from_index = median(20, || {
        let t = Instant::now();
        parties = store.balances().unwrap().len();
        ms(t)
    });
    emit(json!({"case": "balances_from_index", "ms": from_index, "entries": sizes.ledger_entries, "parties": parties, "target_ms": 50}));

    let t = Instant::now();
    let doc = store.doc()?;
    let (entries, verdicts) = (doc.hour_entries().records, doc.hour_verdicts().records);
    emit(json!({"case": "ledger_records_from_document", "ms": ms(t), "entries": entries.len(), "verdicts": verdicts.len()}));
    let in_memory = median(10, || {
        let entries = entries.clone();
        let t = Instant::now();
        let balances = Ledger::new(entries, &verdicts).balances();
        assert_eq!(balances.len(), parties);
        ms(t)
    });
    emit(json!({"case": "balances_in_memory", "ms": in_memory, "entries": sizes.ledger_entries, "target_ms": 50}));

    let member = Party::Member(members[0]);
    let mut lines = 0;
    let statement = median(20, || {
        let t = Instant::now();
        lines = store.ledger(&LedgerFilter { party: Some(member), status: None }).unwrap().statement(member).lines.len();
        ms(t)
    });
    emit(json!({"case": "statement_from_index", "ms": statement, "lines": lines}));
    Ok(())
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn volunteers(doc: &mut GroupDoc, me: Uuid, rng: &mut StdRng, start: DateTime<Utc>, count: usize) -> anyhow::Result<Vec<Uuid>> {
    (0..count)
        .map(|i| {
            let input = NewMember {
                skills: (0..rng.random_range(0..3)).map(|_| pick(rng, &SKILLS).to_string()).collect(),
                languages: (0..rng.random_range(1..3)).map(|_| pick(rng, &LANGUAGES).to_string()).collect(),
                ..NewMember::new(&format!("Volunteer {i}"), Role::Volunteer)
            };
            Ok(doc.add_member(me, input, start)?.id)
        })
        .collect()
}

/// Areas next to the two before them; volunteers with skills and languages; offers in one to
/// three categories with weekly slots, some with coordinates, a few inexhaustible; open needs of
/// every category and urgency; some capacity already taken by earlier assignments.
fn build_matching_group(path: &Path, start: DateTime<Utc>, sizes: &Sizes) -> anyhow::Result<()> {
    let (store, mut phone, me) = phone(path)?;
    let (doc, _) = &mut phone;
    let mut rng = StdRng::seed_from_u64(11);
    for (i, area) in AREAS.iter().enumerate() {
        let next: Vec<String> = AREAS[..i].iter().rev().take(2).map(|a| a.to_string()).collect();
        doc.add_area(me, area, &next, start)?;
    }
    let volunteers = volunteers(doc, me, &mut rng, start, sizes.volunteers)?;
    let coords = |rng: &mut StdRng| (rng.random_bool(0.3)).then(|| Coords::coarse(51.45 + rng.random_range(0.0..0.1), -0.2 + rng.random_range(0.0..0.15)).unwrap());
    let mut offers = Vec::new();
    for i in 0..sizes.offers {
        let volunteer = volunteers[i % volunteers.len()];
        let categories: Vec<Category> = (0..rng.random_range(1..=3)).map(|_| Category::ALL[rng.random_range(0..Category::ALL.len())]).collect();
        let input = NewOffer {
            coords: coords(&mut rng),
            availability: Availability { weekly: (0..rng.random_range(0..3)).map(|_| pick(&mut rng, &SLOTS).parse().unwrap()).collect(), dates: Vec::new() },
            capacity: rng.random_range(1..=3),
            languages: (0..rng.random_range(0..2)).map(|_| pick(&mut rng, &LANGUAGES).to_string()).collect(),
            inexhaustible: rng.random_bool(0.03),
            ..NewOffer::new(volunteer, &format!("Help #{i}"), categories, OfferKind::Time, pick(&mut rng, &AREAS))
        };
        offers.push(doc.add_offer(me, input, start)?);
    }
    for i in 0..sizes.needs {
        let posted = start + Duration::minutes(rng.random_range(0..10 * 24 * 60));
        let input = NewNeed {
            description: format!("Please help with {}", pick(&mut rng, &SKILLS)),
            coords: coords(&mut rng),
            needed_by: Some(posted + Duration::hours(rng.random_range(2..24 * 20))),
            languages: if rng.random_bool(0.2) { vec![pick(&mut rng, &LANGUAGES).to_string()] } else { Vec::new() },
            volunteers_needed: [1, 1, 1, 1, 1, 1, 1, 1, 2, 3][rng.random_range(0..10)],
            ..NewNeed::new(
                &format!("Need #{i}"),
                Category::ALL[rng.random_range(0..Category::ALL.len())],
                Urgency::ALL[rng.random_range(0..Urgency::ALL.len())],
                pick(&mut rng, &AREAS),
            )
        };
        doc.add_need(me, input, posted)?;
    }
    // Work under way: every fourth offer already carries an accepted assignment.
    for offer in offers.iter().step_by(4) {
        let earlier = doc.add_need(me, NewNeed::new("Earlier need", offer.categories[0], Urgency::Normal, &offer.area), start)?;
        let assignment = doc.assign(me, earlier.id, offer.member, Some(offer.id), "", start)?;
        doc.set_assignment_status(me, assignment.id, AssignmentStatus::Accepted, start)?;
    }
    deliver(store, &phone)
}

/// 100,000 entries among the volunteers and the group: most confirmed by the receiver (or an
/// organizer, for the group's), some disputed (a few of those settled), some voided, the rest
/// pending. Returns the volunteers.
fn build_ledger(path: &Path, start: DateTime<Utc>, sizes: &Sizes) -> anyhow::Result<Vec<Uuid>> {
    let (store, mut phone, me) = phone(path)?;
    let (doc, _) = &mut phone;
    let mut rng = StdRng::seed_from_u64(12);
    let volunteers = volunteers(doc, me, &mut rng, start, sizes.volunteers)?;
    for i in 0..sizes.ledger_entries {
        let now = start + Duration::minutes(i as i64);
        let from = volunteers[rng.random_range(0..volunteers.len())];
        let to = match rng.random_range(0..volunteers.len() + 100) {
            n if n >= volunteers.len() || volunteers[n] == from => Party::Group,
            n => Party::Member(volunteers[n]),
        };
        let input = NewHours { note: format!("Help #{i}"), ..NewHours::new(from, to, Hours::from_quarters(rng.random_range(1..=16))) };
        let entry = doc.log_hours(from, input, now)?;
        let receiver = match to {
            Party::Member(id) => id,
            Party::Group => me,
        };
        match rng.random_range(0..100) {
            0..85 => {
                doc.confirm_hours(receiver, entry.id, now)?;
            }
            85..90 => {
                doc.dispute_hours(receiver, entry.id, "not what we agreed", now)?;
                if rng.random_bool(0.4) {
                    doc.confirm_hours(me, entry.id, now)?;
                }
            }
            90..93 => {
                doc.void_hours(me, entry.id, "logged twice", now)?;
            }
            _ => {}
        }
    }
    deliver(store, &phone)?;
    Ok(volunteers)
}
