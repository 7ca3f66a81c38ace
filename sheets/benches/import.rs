//! `cargo bench -p aidmesh-sheets --bench import`: a group moving in from its request form.
//! 10,000 rows of a Google Form sheet (contact columns, several categories per cell, statuses,
//! organizers' comments): the dry run (read, map, plan), the apply (seal every contact, one
//! write), and the app's first screen afterwards. Prints one JSON line per case.
//! Short mode (see `common`): 200 rows.

#[path = "../../crdt-core/benches/common/mod.rs"]
mod common;

use std::time::Instant;

use aidmesh_sheets::{needs, Answers, Destination, Preset, Table};
use chrono::Utc;
use crdt_core::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use common::{emit, median, ms, test_key};

const HEADER: &str = "Timestamp,Name,Address,email,telephone,anonymous?,household size,at-risk?,What do you need? Check all that apply,How urgent is it?,details,recurring?,Status,Organizer,Organizer Results and Comments";
const NEEDS: [&str; 6] = ["Groceries", "Medicine", "Rides", "Groceries, Medicine", "Household supplies", "Meals"];
const URGENCY: [&str; 4] = ["Within 24 hours", "This week", "Not urgent", ""];
const STATUS: [&str; 5] = ["Done", "", "In progress", "Cancelled", "New"];

fn main() -> anyhow::Result<()> {
    let rows = if common::short() { 200 } else { 10_000 };
    let sheet = sheet(rows);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("aidmesh.db");
    let mut store = Store::create(&path, &test_key(), "Bench", NewMember::new("Kim", Role::Organizer))?;
    let answers = Answers { default_area: Some("Ward 3".into()), ..Answers::default() };
    let group = store.group()?;

    let mut plan = None;
    let dry_run = median(3, || {
        let t = Instant::now();
        let table = Table::read(sheet.as_bytes(), true).unwrap();
        let mapping = Preset::built_in("google-form").unwrap().mapping(&table.headers);
        let phones: Vec<(Uuid, String)> = store.readable_contacts().unwrap().into_iter().map(|(id, c)| (id, c.phone)).collect();
        let holds = |id| store.need(id).is_ok();
        let into = Destination { group: store.group_id(), settings: &group.settings, now: Utc::now(), holds: &holds, phones: &phones };
        plan = Some(needs::plan(&table, &mapping, &answers, &into));
        ms(t)
    });
    let plan = plan.expect("planned");
    assert!(plan.is_ready(), "{:?} {:?}", plan.errors.first(), plan.questions.first());
    let new = plan.new.len();
    emit(json!({"case": "import_dry_run", "rows": rows, "new": new, "ms": dry_run}));

    let t = Instant::now();
    let imported = store.import_needs(plan.into_needs(), |_| {})?;
    let apply = ms(t);
    emit(json!({"case": "import_apply", "rows": rows, "added": imported.added, "contacts_sealed": imported.contacts_sealed, "ms": apply, "target_ms": 10_000}));
    drop(store);

    let first_screen = median(20, || {
        let t = Instant::now();
        let store = Store::open(&path, &test_key()).unwrap();
        store.needs(&NeedFilter { limit: Some(50), active_only: true, ..Default::default() }).unwrap();
        ms(t)
    });
    emit(json!({"case": "import_then_first_screen", "needs": imported.added, "ms": first_screen, "target_ms": 50}));
    Ok(())
}

/// `rows` requests over the last year, as a form sheet with organizers' columns filled in.
fn sheet(rows: usize) -> String {
    let mut rng = StdRng::seed_from_u64(13);
    let mut text = String::from(HEADER);
    let start = Utc::now() - chrono::Duration::days(365);
    for i in 0..rows {
        let at = start + chrono::Duration::minutes(rng.random_range(0..365 * 24 * 60));
        let status = STATUS[rng.random_range(0..STATUS.len())];
        text += &format!(
            "\n{},Person {i},{} Elm St,person{i}@example.org,216-{:03}-{:04},no,{},{},\"{}\",{},\"Details of request {i}\",no,{status},Kim,\"{}\"",
            at.format("%-m/%-d/%Y %H:%M:%S"),
            rng.random_range(1..9999),
            i / 10_000,
            i % 10_000,
            rng.random_range(1..7),
            if rng.random_bool(0.3) { "yes" } else { "no" },
            NEEDS[rng.random_range(0..NEEDS.len())],
            URGENCY[rng.random_range(0..URGENCY.len())],
            if status == "Done" { "Delivered, thanks" } else { "" },
        );
    }
    text
}
