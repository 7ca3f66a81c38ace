//! Importing a group's sheets (issue 13): the fixtures modelled on the sheets groups keep, through
//! the real CLI and the real store; bad rows and crafted files; questions asked, not guessed.

use std::path::{Path, PathBuf};

use aidmesh_sheets::{needs, Answers, DateOrder, Destination, Mapping, Preset, Question, Table, Target};
use aidmesh_tests::{founded_and_joined, sync_stores, Cli};
use anyhow::Result;
use chrono::Utc;
use crdt_core::*;
use serde_json::Value;

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import").join(name)
}

/// Plans `table` into `store` with `mapping` and `answers`, as the CLI does.
pub(crate) fn plan_into(store: &mut Store, table: &Table, mapping: &Mapping, answers: &Answers) -> needs::Plan {
    needs::plan_into(store, table, mapping, answers).unwrap()
}

/// Imports a fixture file with its built-in preset's mapping; the plan must be ready.
pub(crate) fn import_fixture(store: &mut Store, file: &str, preset: &str) -> Imported {
    let table = Table::read(&std::fs::read(fixture(file)).unwrap(), true).unwrap();
    let mapping = Preset::built_in(preset).unwrap().mapping(&table.headers);
    let answers = Answers { default_area: Some("Ward 3".into()), ..Answers::default() };
    let plan = plan_into(store, &table, &mapping, &answers);
    assert!(plan.is_ready(), "{file}: {:?} {:?}", plan.errors, plan.questions);
    store.import_needs(plan.into_needs(), |_| {}).unwrap()
}

fn needs_listed(cli: &Cli, args: &[&str]) -> Result<Vec<Value>> {
    let mut all = vec!["need", "list"];
    all.extend_from_slice(args);
    Ok(cli.json(&all)?.as_array().cloned().unwrap_or_default())
}

#[test]
fn each_sheet_imports_with_the_expected_counts_and_importing_it_again_adds_nothing() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let cli = Cli::new(dir.path());
    cli.ok(&["init", "--group", "Cleveland SEWG", "--name", "Kim"])?;
    // (file, extra arguments, new needs, rows left out by their status)
    let sheets: [(&str, &[&str], u64, usize); 3] = [
        ("google-form-requests.csv", &["--area", "Ward 3"], 6, 1),
        ("airtable-requests.csv", &["--preset", "airtable"], 5, 1),
        ("spanish-1252.csv", &[], 5, 0),
    ];
    let mut total = 0;
    for (file, extra, new, left_out) in sheets {
        let path = fixture(file);
        let mut args = vec!["import", "needs", path.to_str().unwrap()];
        args.extend_from_slice(extra);
        let dry = cli.json(&args)?;
        assert_eq!((dry["new"].as_u64(), dry["skipped"].as_array().map(Vec::len)), (Some(new), Some(left_out)), "{file}: {dry:#}");
        assert!(dry["errors"].as_array().unwrap().is_empty() && dry["questions"].as_array().unwrap().is_empty(), "{file}: {dry:#}");
        assert_eq!(needs_listed(&cli, &[])?.len() as u64, total, "a dry run writes nothing");
        args.push("--apply");
        assert_eq!(cli.json(&args)?["applied"]["added"].as_u64(), Some(new), "{file}");
        total += new;
        assert_eq!(needs_listed(&cli, &[])?.len() as u64, total, "{file}");
        let again = cli.json(&args)?;
        assert_eq!((again["applied"]["added"].as_u64(), again["held_already"].as_u64()), (Some(0), Some(new)), "{file} again");
    }
    assert_eq!(needs_listed(&cli, &[])?.len(), 16);
    assert_eq!(needs_listed(&cli, &["--status", "done"])?.len(), 2 + 2 + 1, "Done, Delivered, Entregado");
    assert_eq!(needs_listed(&cli, &["--status", "referred"])?.len(), 1, "Sent to Another Group");
    // Windows-1252 names came through whole, and only into the sealed details. A need closed
    // longer ago than the group keeps contact details comes without them.
    let hospital = needs_listed(&cli, &["--search", "hospital"])?;
    let id = hospital[0]["id"].as_str().unwrap();
    assert!(cli.ok(&["need", "contact", id])?.contains("José Ibáñez"));
    assert_eq!(hospital[0]["area"], "Lavapiés");
    let delivered = needs_listed(&cli, &["--search", "cuatro"])?;
    assert!(cli.fails(&["need", "contact", delivered[0]["id"].as_str().unwrap()])?.contains("no contact details"));
    // A message with line breaks stays one need, and is sealed, not public.
    assert!(needs_listed(&cli, &["--search", "dialysis"])?.is_empty(), "the Airtable message is in the sealed notes");
    Ok(())
}

#[test]
fn a_file_with_bad_rows_names_every_one_with_its_line_and_writes_nothing() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let cli = Cli::new(dir.path());
    cli.ok(&["init", "--group", "Cleveland SEWG", "--name", "Kim"])?;
    let path = fixture("bad-rows.csv");
    let args = ["import", "needs", path.to_str().unwrap(), "--area", "Ward 3", "--apply"];
    let out = cli.run(&args);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)?.contains("nothing was imported"));
    let report = String::from_utf8(out.stdout)?;
    for expected in ["line 3: '3/14/20 11:00' has a two-digit year", "line 4: household size 'four' is not a number", "line 5: the description is too long", "line 6: '3/32/2020 13:00' is not a day of the calendar"] {
        assert!(report.contains(&format!("error on {expected}")), "missing {expected:?} in:\n{report}");
    }
    assert!(!report.contains("line 2:"), "the good row is no error:\n{report}");
    assert!(needs_listed(&cli, &[])?.is_empty(), "not even the good row was written");
    // The same problems as codes, for the app to word in the person's language.
    let dry = cli.json(&args[..args.len() - 1])?;
    let codes: Vec<(u64, String)> = dry["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["problems"][0]["code"].as_str().unwrap().to_string() + e["problems"][0]["rule"].as_str().map_or("", |r| r)))
        .collect();
    let expected = [(3, "two_digit_year"), (4, "not_a_number"), (5, "invalidtoo_long"), (6, "no_such_day")];
    assert_eq!(codes, expected.map(|(l, c)| (l, c.to_string())), "{dry:#}");
    Ok(())
}

#[test]
fn crafted_files_get_a_clear_error_and_change_nothing() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let cli = Cli::new(dir.path());
    cli.ok(&["init", "--group", "Cleveland SEWG", "--name", "Kim"])?;
    let files: [(&str, Vec<u8>, &str); 4] = [
        ("sheet.xlsx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00".to_vec(), "save it as CSV"),
        ("wide.csv", format!("{}\n", ",".repeat(1_000_000)).into_bytes(), "line 1 has 1000001 columns"),
        ("huge.csv", format!("details\n\"{}\"\n", "a".repeat(1 << 20)).into_bytes(), "line 2 has a cell longer than"),
        ("utf16-odd.csv", b"\xFF\xFEa\x00,\x00\xD8".to_vec(), "not readable as UTF-16LE"),
    ];
    for (name, bytes, expected) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes)?;
        let error = cli.fails(&["import", "needs", path.to_str().unwrap(), "--area", "Ward 3", "--apply"])?;
        assert!(error.contains(expected) && !error.contains("panicked"), "{name}: {error}");
    }
    assert!(needs_listed(&cli, &[])?.is_empty());
    Ok(())
}

#[test]
fn what_a_sheet_does_not_say_is_asked_and_the_answers_make_it_ready() {
    let dirs: Vec<tempfile::TempDir> = (0..1).map(|_| tempfile::tempdir().unwrap()).collect();
    let (mut ana, _) = founded_and_joined(&[dirs[0].path()], &[]);
    for area in ["North", "Ward 3"] {
        ana.act(|doc, me, now| doc.add_area(me, area, &[], now)).unwrap();
    }
    import_fixture(&mut ana, "google-form-requests.csv", "google-form");
    let sheet = "Date,Need,Details,Phone,Zone\n\
                 3/4/2024,Pet food,Call 216 555 0199 after five,(216) 555-0103,North\n\
                 5/6/2024,Groceries,,216-555-0177,Northside\n";
    let table = Table::read(sheet.as_bytes(), true).unwrap();
    let mut mapping = Mapping::suggest(&table.headers);
    mapping.set("Need", Target::Category).unwrap();
    mapping.set("Zone", Target::Area).unwrap();
    let mut answers = Answers::default();
    let plan = plan_into(&mut ana, &table, &mapping, &answers);
    assert!(plan.new.is_empty() && plan.errors.is_empty());
    let asked: Vec<&str> = plan.questions.iter().map(|q| match q {
        Question::DateOrder { .. } => "date order",
        Question::LooksPrivate { .. } => "looks private",
        Question::UnknownValue { .. } => "unknown value",
        Question::UnknownArea { .. } => "unknown area",
        Question::NoArea { .. } => "no area",
        Question::LikelyDuplicates { .. } => "duplicates",
    }).collect();
    assert_eq!(asked, ["date order", "looks private", "unknown value", "unknown area"], "{:?}", plan.questions);

    answers.dates = Some(DateOrder::DayFirst);
    answers.keep_public.push("Details".into());
    answers.values.answer(Target::Category, "pet food", "other").unwrap();
    answers.values.answer(Target::Area, "Northside", "North").unwrap();
    let plan = plan_into(&mut ana, &table, &mapping, &answers);
    assert_eq!(plan.questions, [Question::LikelyDuplicates { lines: vec![2] }], "the first row has the number of Amina, whose need is open");
    answers.import_duplicates = Some(false);
    let plan = plan_into(&mut ana, &table, &mapping, &answers);
    assert!(plan.is_ready());
    assert_eq!((plan.new.len(), plan.skipped.len()), (1, 1));
    assert_eq!(plan.new[0].need.posted_at.format("%Y-%m-%d").to_string(), "2024-06-05", "day first");
    assert_eq!(ana.import_needs(plan.into_needs(), |_| {}).unwrap().added, 1);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// The fuzz target's claim in the test command: any bytes, and any table of short cells
    /// (where dates, numbers and the words of values are likely), are read and planned or
    /// refused, never a panic.
    #[test]
    fn no_file_makes_reading_or_planning_panic(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        cells in proptest::collection::vec(proptest::collection::vec("[0-9/:. a-zA-Z@ñ,\"-]{0,12}", 1..8), 1..8),
        headers in proptest::collection::vec(proptest::sample::select(vec!["Timestamp", "Status", "household size", "What do you need?", "Phone", "details", "Barrio", "recurring", "Urgencia", "x"]), 1..8),
    ) {
        let settings = Settings::default();
        let holds = |_| false;
        let into = Destination { group: Uuid::nil(), settings: &settings, now: Utc::now(), holds: &holds, phones: &[] };
        let sheet = std::iter::once(headers.join(",")).chain(cells.iter().map(|row| row.join(","))).collect::<Vec<_>>().join("\n");
        for (file, header) in [(bytes.as_slice(), true), (bytes.as_slice(), false), (sheet.as_bytes(), true)] {
            if let Ok(table) = Table::read(file, header) {
                let plan = needs::plan(&table, &Mapping::suggest(&table.headers), &Answers::default(), &into);
                proptest::prop_assert!(plan.new.len() + plan.skipped.len() <= table.rows.len());
                let members = aidmesh_sheets::members::plan(&table, &Mapping::suggest_members(&table.headers), &Answers::default(), &into);
                proptest::prop_assert!(members.new.len() <= table.rows.len());
                proptest::prop_assert!(aidmesh_sheets::hours::plan(&table, &into).new.len() <= table.rows.len());
            }
        }
    }
}

/// The fields of a listed need that a sheet carries, for comparing two groups' copies.
fn as_in_a_sheet(need: &Value) -> Value {
    let keep = ["title", "description", "category", "urgency", "area", "status", "languages", "household_size", "recurring", "created_at"];
    keep.iter().map(|k| (k.to_string(), need[*k].clone())).collect::<serde_json::Map<_, _>>().into()
}

#[test]
fn the_lists_export_as_csv_contact_details_only_when_an_organizer_asks_and_needs_import_back() -> Result<()> {
    let (a_dir, b_dir, bo_dir, out) = (tempfile::tempdir()?, tempfile::tempdir()?, tempfile::tempdir()?, tempfile::tempdir()?);
    let (a, b, bo) = (Cli::new(a_dir.path()), Cli::new(b_dir.path()), Cli::new(bo_dir.path()));
    a.ok(&["init", "--group", "Cleveland SEWG", "--name", "Kim"])?;
    for (file, extra) in [("google-form-requests.csv", "--area=Ward 3"), ("airtable-requests.csv", "--preset=airtable")] {
        a.ok(&["import", "needs", fixture(file).to_str().unwrap(), extra, "--apply"])?;
    }
    let plain = out.path().join("plain");
    a.ok(&["export", "--csv", plain.to_str().unwrap()])?;
    for name in ["needs", "offers", "members", "hours"] {
        let bytes = std::fs::read(plain.join(format!("{name}.csv")))?;
        for private in ["216-555-0106", "dorakim@example.net", "6105 Bridge Ave", "Dora Kim", "718-555-0205"] {
            assert!(!crate::privacy::contains(&bytes, private), "{name}.csv holds {private}");
        }
    }

    let full = out.path().join("full");
    let warned = a.command().args(["export", "--csv", full.to_str().unwrap(), "--with-contacts"]).output()?;
    assert!(warned.status.success());
    assert!(String::from_utf8(warned.stderr)?.contains("in clear text"), "the organizer is told what such a file is");
    let needs_csv = std::fs::read_to_string(full.join("needs.csv"))?;
    assert!(needs_csv.contains("Dora Kim") && needs_csv.contains("216-555-0106"));

    // A volunteer's device cannot write one.
    let code = a.json(&["invite"])?["code"].as_str().unwrap().to_string();
    bo.ok(&["join", &code, "--name", "Bo"])?;
    let (mut hub, address) = a.serve(&[])?;
    bo.ok(&["sync", &address])?;
    hub.kill()?;
    hub.wait()?;
    let bo_out = out.path().join("bo");
    assert!(bo.fails(&["export", "--csv", bo_out.to_str().unwrap(), "--with-contacts"])?.contains("only organizers"));
    assert!(!bo_out.exists(), "nothing was written");

    // The needs, with their contact details, import into another group as they were.
    b.ok(&["init", "--group", "Elsewhere", "--name", "Lee"])?;
    let imported = b.json(&["import", "needs", full.join("needs.csv").to_str().unwrap(), "--apply"])?;
    assert_eq!(imported["applied"]["added"], 11, "{imported:#}");
    let sheet = |cli: &Cli| -> Result<Vec<Value>> {
        let mut needs: Vec<Value> = needs_listed(cli, &[])?.iter().map(as_in_a_sheet).collect();
        needs.sort_by_key(|n| n.to_string());
        Ok(needs)
    };
    assert_eq!(sheet(&a)?, sheet(&b)?);
    let dora = needs_listed(&b, &["--search", "surgery"])?;
    assert!(b.ok(&["need", "contact", dora[0]["id"].as_str().unwrap()])?.contains("216-555-0106"));
    Ok(())
}

/// The paper intake sheet from the CLI, in each language: the group's categories, one A4 page,
/// drawn by headless Chromium into `screenshots/intake/` for people to look at.
#[test]
fn the_intake_sheet_prints_on_one_page_in_either_language() -> Result<()> {
    use crate::report::{chromium, count};
    let dir = tempfile::tempdir()?;
    let cli = Cli::new(dir.path());
    cli.ok(&["init", "--group", "Cleveland SEWG", "--name", "Kim"])?;
    let pictures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../screenshots/intake");
    std::fs::create_dir_all(&pictures)?;
    for (lang, phrase) in [("en", "May the volunteer who helps see these contact details?"), ("es", "¿Puede ver estos datos la persona voluntaria que ayude?")] {
        let page = dir.path().join(format!("intake-{lang}.html"));
        cli.ok(&["intake-sheet", "--lang", lang, "--html", page.to_str().unwrap()])?;
        let html = std::fs::read_to_string(&page)?;
        assert!(html.contains("Cleveland SEWG") && html.contains(phrase), "{lang}");
        let pdf = dir.path().join(format!("intake-{lang}.pdf"));
        chromium(&[&format!("--print-to-pdf={}", pdf.display()), "--no-pdf-header-footer"], &page);
        let pdf = std::fs::read(&pdf)?;
        assert_eq!(count(&pdf, b"/Type /Page") - count(&pdf, b"/Type /Pages"), 1, "the {lang} sheet is one page");
        chromium(&[&format!("--screenshot={}", pictures.join(format!("{lang}-paper.png")).display()), "--window-size=794,1123"], &page);
    }
    Ok(())
}

#[test]
fn only_organizers_import() {
    let dirs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let (mut ana, joined) = founded_and_joined(&[dirs[0].path(), dirs[1].path()], &["Bo"]);
    let [mut bo]: [Store; 1] = joined.try_into().ok().unwrap();
    let table = Table::read(&std::fs::read(fixture("google-form-requests.csv")).unwrap(), true).unwrap();
    let mapping = Preset::built_in("google-form").unwrap().mapping(&table.headers);
    let answers = Answers { default_area: Some("North".into()), ..Answers::default() };
    let plan = plan_into(&mut bo, &table, &mapping, &answers);
    let refused = bo.import_needs(plan.into_needs(), |_| {}).unwrap_err();
    assert_eq!(refused.to_string(), "only organizers can import records");
    sync_stores(&mut ana, &mut bo);
    assert!(ana.needs(&NeedFilter::default()).unwrap().is_empty());
}

/// A timebank moving in from TimeOverflow: its volunteers first (their old ids kept as keys),
/// then its transfers, which find them by those ids; balances come out as the old system had
/// them, and importing either file again adds nothing.
#[test]
fn a_timebank_brings_its_members_then_its_transfers_and_keeps_its_balances() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let cli = Cli::new(dir.path());
    cli.ok(&["init", "--group", "Cleveland Timebank", "--name", "Ana"])?;
    let (volunteers, transfers) = (fixture("volunteers.csv"), fixture("timeoverflow-transfers.csv"));
    let (volunteers, transfers) = (volunteers.to_str().unwrap(), transfers.to_str().unwrap());

    let early = cli.json(&["import", "hours", transfers])?;
    assert_eq!(early["errors"].as_array().unwrap().len(), 4, "every transfer names a member not imported yet: {early:#}");
    assert!(early["errors"][0]["reason"].as_str().unwrap().contains("import the volunteer sheet"));

    let dry = cli.json(&["import", "members", volunteers])?;
    assert_eq!((dry["new"].as_u64(), dry["not_kept"].clone()), (Some(5), serde_json::json!(["Email", "Phone"])), "{dry:#}");
    assert_eq!(cli.json(&["import", "members", volunteers, "--apply"])?["applied"]["added"], 5);
    assert_eq!(cli.json(&["import", "members", volunteers, "--apply"])?["applied"]["added"], 0, "again");
    let offers = cli.json(&["offer", "list"])?;
    assert_eq!(offers.as_array().unwrap().len(), 4, "Jo only listens, which is a skill, not a category of help");
    let gus = offers.as_array().unwrap().iter().find(|o| o["what"] == "Groceries, Meals").unwrap();
    assert_eq!(gus["availability"]["weekly"].as_array().unwrap().len(), 2, "weekly slots read as slots");
    let members = cli.json(&["member", "list"])?;
    let kim = members.as_array().unwrap().iter().find(|m| m["display_name"] == "Kim Lee").unwrap();
    assert_eq!(kim["skills"], serde_json::json!(["Driving"]));
    assert!(!members.to_string().contains("216-555-0401") && !offers.to_string().contains("kim.lee@example.org"), "members' phones and emails are not kept");

    let hours = cli.json(&["import", "hours", transfers, "--apply"])?;
    assert_eq!((hours["applied"]["added"].as_u64(), hours["skipped"].as_array().map(Vec::len)), (Some(4), Some(1)), "{hours:#}");
    assert_eq!(cli.json(&["import", "hours", transfers, "--apply"])?["applied"]["added"], 0, "again");
    let names: std::collections::HashMap<String, String> =
        members.as_array().unwrap().iter().map(|m| (m["id"].as_str().unwrap().to_string(), m["display_name"].as_str().unwrap().to_string())).collect();
    let balances: std::collections::BTreeMap<String, f64> = cli
        .json(&["hours", "balance"])?
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (names.get(b["party"].as_str().unwrap()).cloned().unwrap_or_else(|| b["party"].as_str().unwrap().to_string()), b["net"].as_f64().unwrap()))
        .collect();
    let expected = [("Jo Smith", 1.0), ("Kim Lee", 0.5), ("Lee Park", 0.5), ("Sam Ortiz", -1.0), ("group", -1.0)];
    assert_eq!(balances, expected.iter().map(|(k, v)| (k.to_string(), *v)).collect(), "confirmed, so counted");
    Ok(())
}

#[test]
fn a_transfer_that_is_not_whole_quarter_hours_or_not_a_date_is_named_by_its_line() {
    let settings = Settings::default();
    let holds = |_| true;
    let into = Destination { group: Uuid::nil(), settings: &settings, now: Utc::now(), holds: &holds, phones: &[] };
    let file = "1,member,2,member,3600,2024-01-10T15:00:00Z,ok,\n1,member,2,member,1000,2024-01-10T15:00:00Z,odd,\n1,member,2,member,3600,10/1/24,short year,\n1,member,2\n";
    let plan = aidmesh_sheets::hours::plan(&Table::read(file.as_bytes(), false).unwrap(), &into);
    assert_eq!(plan.new.len(), 0, "all held, as `holds` says");
    let lines: Vec<u64> = plan.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 3, 4], "{:?}", plan.errors);
    assert!(plan.errors[0].reason.contains("quarter hours") && plan.errors[1].reason.contains("10/1/24") && plan.errors[2].reason.contains("at least 6"));
}
