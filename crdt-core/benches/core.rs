//! `cargo bench -p crdt-core --bench core`: the store on a group with 10,000 needs, 5,000 offers
//! and 5,000 assignments. Prints one JSON line per case. Peak RSS is measured in a fresh child
//! process doing what the app does at start (open, first list, full load, a few adds), so the
//! dataset generation does not count. Short mode (see `common`) uses a group of 200 needs.

mod common;

use std::path::Path;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use crdt_core::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use common::{AREAS, deliver, emit, median, ms, percentile, phone, round, test_key};

/// The group's size, and how many times each case repeats.
struct Sizes {
    needs: usize,
    offers: usize,
    assignments: usize,
    volunteers: usize,
    /// Timed adds, and needs given contact details.
    adds: usize,
    contacts: usize,
}

const FULL: Sizes = Sizes { needs: 10_000, offers: 5_000, assignments: 5_000, volunteers: 500, adds: 200, contacts: 1_000 };
const SHORT: Sizes = Sizes { needs: 200, offers: 100, assignments: 100, volunteers: 20, adds: 20, contacts: 20 };
const WORDS: [&str; 12] = ["groceries", "ride", "clinic", "meals", "pharmacy", "school", "rent", "forms", "laptop", "repair", "visit", "childcare"];

fn main() -> anyhow::Result<()> {
    if let Some(done) = common::rss_child() {
        return done;
    }
    let sizes = if common::short() { SHORT } else { FULL };
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("aidmesh.db");
    let started = Instant::now();
    build_group(&path, &sizes)?;
    emit(json!({"case": "dataset", "needs": sizes.needs, "offers": sizes.offers, "assignments": sizes.assignments, "build_ms": ms(started)}));

    let first_list = median(20, || {
        let t = Instant::now();
        let store = Store::open(&path, &test_key()).unwrap();
        let page = store.needs(&NeedFilter { limit: Some(50), ..Default::default() }).unwrap();
        assert_eq!(page.len(), 50);
        ms(t)
    });
    emit(json!({"case": "open_to_first_list", "ms": first_list, "target_ms": 50}));

    let full_load = median(5, || {
        let t = Instant::now();
        let mut store = Store::open(&path, &test_key()).unwrap();
        store.doc().unwrap();
        ms(t)
    });
    emit(json!({"case": "full_document_load", "ms": full_load}));

    let mut store = Store::open(&path, &test_key())?;
    let filter = NeedFilter { status: Some(NeedStatus::Open), category: Some(Category::Groceries), area: Some("Harbour".into()), ..Default::default() };
    let search = NeedFilter { status: Some(NeedStatus::Open), search: Some("pharm clinic".into()), ..Default::default() };
    let (mut filtered_rows, mut searched_rows) = (0, 0);
    let filtered = median(50, || {
        let t = Instant::now();
        filtered_rows = store.needs(&filter).unwrap().len();
        ms(t)
    });
    let searched = median(50, || {
        let t = Instant::now();
        searched_rows = store.needs(&search).unwrap().len();
        ms(t)
    });
    emit(json!({"case": "filtered_list", "ms": filtered, "rows": filtered_rows, "target_ms": 10}));
    emit(json!({"case": "search_list", "ms": searched, "rows": searched_rows, "target_ms": 10}));

    let some_need = store.needs(&NeedFilter { limit: Some(1), ..Default::default() })?[0].id;
    let doc = store.doc()?;
    let read = median(200, || {
        let t = Instant::now();
        doc.need(some_need).unwrap();
        ms(t)
    });
    emit(json!({"case": "read_one_need", "ms": read}));
    let mut durable = Vec::new();
    let mut last = None;
    for i in 0..sizes.adds {
        let input = NewNeed::new(&format!("Bench need {i}"), Category::Meals, Urgency::Normal, "North");
        let t = Instant::now();
        last = Some(store.act(|doc, me, now| doc.add_need(me, input, now))?);
        durable.push(ms(t));
    }
    let row = serde_json::to_string(&last.expect("added"))?;
    let plain = plain_inserts(rusqlite::Connection::open(dir.path().join("plain.db"))?, &row, sizes.adds)?;
    // The same plain insert into an SQLCipher file with the same kind of key: what encryption
    // alone costs every write.
    let keyed = dir.path().join("keyed.db");
    drop(Store::create(&keyed, &test_key(), "Keyed", NewMember::new("Ana", Role::Organizer))?);
    let encrypted = plain_inserts(Store::unlocked_connection(&keyed, &test_key())?, &row, sizes.adds)?;
    let (add_p50, add_p99, plain_p50, plain_p99) = (percentile(&durable, 50), percentile(&durable, 99), percentile(&plain, 50), percentile(&plain, 99));
    let encrypted_p50 = percentile(&encrypted, 50);
    emit(json!({
        "case": "add_need_durable",
        "p50_ms": add_p50, "p99_ms": add_p99,
        "plain_insert_p50_ms": plain_p50, "plain_insert_p99_ms": plain_p99,
        "encrypted_plain_insert_p50_ms": encrypted_p50,
        "ratio_p50": round(add_p50 / plain_p50), "ratio_to_encrypted_p50": round(add_p50 / encrypted_p50), "target_ratio": 3,
    }));

    privacy(&mut store, &path, sizes.contacts)?;

    emit(json!({"case": "peak_rss", "mb": common::peak_rss(&path)?, "target_mb": 80}));

    store.compact()?;
    let size: u64 = ["", "-wal"].iter().filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok()).map(|m| m.len()).sum();
    emit(json!({"case": "database_size", "mb": round(size as f64 / 1e6)}));

    // The same group after an organizer renews its record (issue 16): every need here is open,
    // so the new record carries them all; only the history is left behind.
    let renewed = dir.path().join("renewed.db");
    drop(store);
    std::fs::copy(&path, &renewed)?;
    let mut renewing = Store::open(&renewed, &test_key())?;
    let t = Instant::now();
    renewing.renew(Vec::new())?;
    let renew_ms = ms(t);
    renewing.delete_archive()?;
    let record_mb = round(renewing.doc()?.save().len() as f64 / 1e6);
    drop(renewing);
    emit(json!({"case": "peak_rss_after_renewal", "mb": common::peak_rss(&renewed)?, "renew_ms": renew_ms, "record_mb": record_mb, "target_mb": 80}));
    Ok(())
}

/// The privacy layer on the same group: unlocking the encrypted file, sealing contact details on
/// `contacts` needs (1,000 in full), opening them, and a full `upkeep` pass over them.
fn privacy(store: &mut Store, path: &Path, contacts: usize) -> anyhow::Result<()> {
    let unlock = median(10, || {
        let t = Instant::now();
        Store::open(path, &test_key()).unwrap();
        ms(t)
    });
    emit(json!({"case": "unlock_database", "ms": unlock}));
    let needs: Vec<Uuid> = store.needs(&NeedFilter { limit: Some(contacts), ..Default::default() })?.iter().map(|n| n.id).collect();
    let contact = Contact { name: "Rosa".into(), phone: "555-0100".into(), address: "4 Elm St".into(), notes: "Ring twice".into(), ..Contact::default() };
    let mut sealing = Vec::new();
    for &need in &needs {
        let t = Instant::now();
        store.set_contact(need, &contact)?;
        sealing.push(ms(t));
    }
    let mut reading = Vec::new();
    for &need in needs.iter().take(200) {
        let t = Instant::now();
        store.contact(need)?;
        reading.push(ms(t));
    }
    let upkeep = median(5, || {
        let t = Instant::now();
        store.upkeep(Utc::now()).unwrap();
        ms(t)
    });
    emit(json!({
        "case": "contact_details", "needs": needs.len(),
        "seal_p50_ms": percentile(&sealing, 50), "seal_p99_ms": percentile(&sealing, 99),
        "open_p50_ms": percentile(&reading, 50), "full_upkeep_ms": upkeep,
    }));
    Ok(())
}

/// The group, built on a second "device" through the public API and received by the store in
/// one go, as a first sync would deliver it.
fn build_group(path: &Path, sizes: &Sizes) -> anyhow::Result<()> {
    let (store, mut phone, me) = phone(path)?;
    let (doc, _) = &mut phone;
    let now = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    for (i, area) in AREAS.iter().enumerate() {
        let next: Vec<String> = AREAS[..i].iter().rev().take(2).map(|a| a.to_string()).collect();
        doc.add_area(me, area, &next, now)?;
    }
    let volunteers: Vec<_> = (0..sizes.volunteers).map(|i| doc.add_member(me, NewMember::new(&format!("Volunteer {i}"), Role::Volunteer), now)).collect::<Result<_>>()?;
    let pick = |rng: &mut StdRng, items: &[&'static str]| items[rng.random_range(0..items.len())];
    let mut needs = Vec::new();
    for i in 0..sizes.needs {
        let title = format!("{} {} #{i}", pick(&mut rng, &WORDS), pick(&mut rng, &WORDS));
        let category = Category::ALL[rng.random_range(0..Category::ALL.len())];
        let urgency = Urgency::ALL[rng.random_range(0..Urgency::ALL.len())];
        let input = NewNeed {
            description: format!("Please help with {} and {}", pick(&mut rng, &WORDS), pick(&mut rng, &WORDS)),
            needed_by: Some(now + Duration::hours(rng.random_range(1..24 * 30))),
            ..NewNeed::new(&title, category, urgency, pick(&mut rng, &AREAS))
        };
        needs.push(doc.add_need(me, input, now)?.id);
    }
    let mut offers = Vec::new();
    for i in 0..sizes.offers {
        let volunteer = volunteers[i % volunteers.len()].id;
        let category = Category::ALL[rng.random_range(0..Category::ALL.len())];
        let input = NewOffer { capacity: 3, ..NewOffer::new(volunteer, &format!("Help with {}", pick(&mut rng, &WORDS)), vec![category], OfferKind::Time, pick(&mut rng, &AREAS)) };
        offers.push((volunteer, doc.add_offer(me, input, now)?.id));
    }
    for i in 0..sizes.assignments {
        let (volunteer, offer) = offers[i];
        doc.assign(me, needs[i], volunteer, Some(offer), "", now)?;
    }
    deliver(store, &phone)
}

fn plain_inserts(conn: rusqlite::Connection, row: &str, count: usize) -> anyhow::Result<Vec<f64>> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute("CREATE TABLE plain_needs (id TEXT PRIMARY KEY, json TEXT NOT NULL)", [])?;
    (0..count)
        .map(|i| {
            let t = Instant::now();
            conn.execute("INSERT INTO plain_needs (id, json) VALUES (?1, ?2)", (i.to_string(), row))?;
            Ok(ms(t))
        })
        .collect()
}
