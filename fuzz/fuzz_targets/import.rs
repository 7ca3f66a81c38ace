//! Spreadsheet files handed over for import: read by `Table::read`, then planned as needs, as
//! members and as TimeOverflow transfers. A file is planned or refused with a reason; nothing in
//! it panics, and a plan never holds more records than the file has rows.

#![no_main]

use aidmesh_sheets::{hours, members, needs, Answers, Destination, Mapping, Table};
use crdt_core::{Settings, Uuid};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte says whether the file has a header row, as `--no-header` does.
    let Some((mode, file)) = data.split_first() else { return };
    let Ok(table) = Table::read(file, mode % 2 == 0) else { return };
    let settings = Settings::default();
    let holds = |_| false;
    let into = Destination { group: Uuid::nil(), settings: &settings, now: chrono::DateTime::UNIX_EPOCH, holds: &holds, phones: &[] };
    let answers = Answers { default_area: Some("North".into()), ..Answers::default() };
    let plan = needs::plan(&table, &Mapping::suggest(&table.headers), &answers, &into);
    assert!(plan.new.len() + plan.skipped.len() <= table.rows.len());
    assert!(members::plan(&table, &Mapping::suggest_members(&table.headers), &answers, &into).new.len() <= table.rows.len());
    assert!(hours::plan(&table, &into).new.len() <= table.rows.len());
});
