//! The real `aidmesh` binary, as an organizer would use it.

use aidmesh_tests::Cli;
use serde_json::Value;

fn group() -> (tempfile::TempDir, Cli) {
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(dir.path());
    cli.ok(&["init", "--group", "Eastside Mutual Aid", "--name", "Ana"]).unwrap();
    cli.ok(&["area", "add", "North"]).unwrap();
    cli.ok(&["area", "add", "River", "--next-to", "North"]).unwrap();
    (dir, cli)
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

#[test]
fn an_organizer_posts_matches_and_a_volunteer_finishes_a_need() {
    let (_dir, cli) = group();
    let bo = cli.json(&["member", "add", "--name", "Bo", "--language", "es,en"]).unwrap();
    let need = cli
        .json(&["need", "add", "--title", "Groceries for Mrs K", "--category", "groceries", "--urgency", "high", "--area", "North", "--needed-by", "2099-01-01", "--description", "Milk and rice"])
        .unwrap();
    cli.json(&["need", "add", "--title", "Ride to clinic", "--category", "transport", "--urgency", "critical", "--area", "River"]).unwrap();
    let offer = cli
        .json(&["offer", "add", "--what", "Shopping with my car", "--category", "groceries,transport", "--area", "North", "--member", &id(&bo)[..13], "--weekly", "mon 09:00-12:00"])
        .unwrap();
    assert_eq!(offer["availability"]["weekly"][0]["day"], "Mon");

    let needs = cli.json(&["need", "list"]).unwrap();
    let titles: Vec<_> = needs.as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Ride to clinic", "Groceries for Mrs K"]);
    assert_eq!(cli.json(&["need", "list", "--search", "rice"]).unwrap().as_array().unwrap().len(), 1);
    assert_eq!(cli.json(&["need", "list", "--area", "River", "--urgency", "critical"]).unwrap().as_array().unwrap().len(), 1);

    // Ids are typed back as prefixes.
    let assignment = cli.json(&["assign", &id(&need)[..13], "--to", &id(&bo), "--offer", &id(&offer)]).unwrap();
    assert_eq!(assignment["status"], "proposed");
    cli.ok(&["assignment", "status", &id(&assignment), "accepted"]).unwrap();
    cli.ok(&["assignment", "status", &id(&assignment), "done"]).unwrap();

    let shown = cli.json(&["need", "show", &id(&need)]).unwrap();
    assert_eq!(shown["need"]["status"], "done");
    let actions: Vec<_> = shown["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["need.add", "assign", "assignment.status", "assignment.status"]);
    let text = cli.ok(&["need", "show", &id(&need)]).unwrap();
    assert!(text.contains("status: in_progress → done"), "{text}");

    assert!(cli.ok(&["conflicts"]).unwrap().contains("No conflicts"));
    let export = cli.json(&["export"]).unwrap();
    assert_eq!(export["group"]["name"], "Eastside Mutual Aid");
    assert_eq!(export["needs"].as_array().unwrap().len(), 2);
    assert_eq!(export["members"].as_array().unwrap().len(), 2);
    let listing = cli.ok(&["need", "list"]).unwrap();
    assert!(listing.lines().nth(1).unwrap().contains("critical"), "{listing}");
}

#[test]
fn bad_input_gets_one_clear_line_a_failure_code_and_writes_nothing() {
    let (_dir, cli) = group();
    cli.ok(&["need", "add", "--title", "Meals", "--category", "meals", "--area", "North"]).unwrap();
    let before = cli.json(&["export"]).unwrap();
    let cases: [(&[&str], &str); 10] = [
        (&["need", "add", "--title", "x", "--category", "pizza", "--area", "North"], "unknown category 'pizza'"),
        (&["need", "add", "--title", "  ", "--category", "meals", "--area", "North"], "the title cannot be empty"),
        (&["need", "add", "--title", "x", "--category", "meals", "--area", "Atlantis"], "unknown area 'Atlantis' (expected one of: North, River)"),
        (&["need", "add", "--title", "x", "--category", "meals", "--area", "North", "--needed-by", "2001-01-01"], "is already in the past"),
        (&["need", "add", "--title", "x", "--category", "meals", "--area", "North", "--needed-by", "next tuesday"], "is not a date like"),
        (&["offer", "add", "--what", "x", "--category", "meals", "--area", "North", "--capacity", "0"], "capacity must be at least 1"),
        (&["offer", "add", "--what", "x", "--category", "meals", "--area", "North", "--weekly", "someday"], "is not a weekly slot"),
        (&["need", "status", "ffff", "done"], "no need matches 'ffff'"),
        (&["init", "--group", "eastside mutual aid", "--name", "Ana"], "already in the group 'Eastside Mutual Aid'"),
        (&["resolve", "abc", "--keep", "1"], "no open conflict matches 'abc'"),
    ];
    for (args, expected) in cases {
        let stderr = cli.fails(args).unwrap();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?} printed more than one line: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert_eq!(cli.json(&["export"]).unwrap(), before, "refused commands wrote something");
}

#[test]
fn without_a_group_the_cli_says_how_to_start_one() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["need", "list"][..], &["--group", "Eastside", "need", "list"]] {
        let stderr = Cli::new(dir.path()).fails(args).unwrap();
        assert!(stderr.contains("create a group with `aidmesh init` first"), "{stderr}");
    }
}

#[test]
fn an_organizer_sees_why_offers_rank_and_applies_batch_proposals() {
    let (_dir, cli) = group();
    let cai = cli.json(&["member", "add", "--name", "Cai", "--language", "es", "--skill", "shopping"]).unwrap();
    let dev = cli.json(&["member", "add", "--name", "Dev"]).unwrap();
    let groceries = cli
        .json(&["need", "add", "--title", "Weekly shopping for Mrs K", "--category", "groceries", "--urgency", "high", "--area", "North", "--language", "es"])
        .unwrap();
    cli.json(&["need", "add", "--title", "Ride to the clinic", "--category", "transport", "--urgency", "critical", "--area", "River"]).unwrap();
    let car = cli
        .json(&["offer", "add", "--member", &id(&cai), "--what", "Car rides", "--category", "transport,groceries", "--area", "North", "--capacity", "2", "--lat", "51.5", "--lon", "-0.12"])
        .unwrap();
    assert_eq!(car["coords"], serde_json::json!({"lat": 51.5, "lon": -0.12}));
    let paused = cli.json(&["offer", "add", "--member", &id(&dev), "--what", "Shopping", "--category", "groceries", "--area", "River"]).unwrap();
    cli.ok(&["offer", "status", &id(&paused), "paused"]).unwrap();

    let ranking = cli.json(&["match", &id(&groceries)[..13], "--excluded"]).unwrap();
    assert_eq!(ranking["candidates"][0]["offer"], car["id"]);
    let rules: Vec<&str> = ranking["candidates"][0]["reasons"].as_array().unwrap().iter().map(|r| r["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["category", "skill", "same_area", "shared_language", "load", "urgency"]);
    assert_eq!(ranking["excluded"][0]["why"]["text"], "the offer is paused");
    assert!(cli.json(&["match", &id(&groceries)]).unwrap()["excluded"].as_array().unwrap().is_empty(), "left-out offers only when asked");
    let text = cli.ok(&["match", &id(&groceries), "--excluded"]).unwrap();
    assert!(text.contains("1. Cai: Car rides") && text.contains("+30  in North, the need's area"), "{text}");
    assert!(text.contains("Dev: Shopping") && text.contains("the offer is paused"), "{text}");

    let before = cli.json(&["export"]).unwrap();
    let batch = cli.json(&["automatch"]).unwrap();
    assert_eq!(batch["proposals"].as_array().unwrap().len(), 2, "{batch:#}");
    assert!(cli.ok(&["automatch"]).unwrap().contains("Nothing was assigned. To propose these assignments, run: aidmesh automatch --apply"));
    assert_eq!(cli.json(&["export"]).unwrap(), before, "automatch without --apply writes nothing");

    let created = cli.json(&["automatch", "--apply"]).unwrap();
    let created = created.as_array().unwrap();
    assert_eq!(created.len(), 2);
    assert!(created.iter().all(|a| a["status"] == "proposed" && a["volunteer"] == cai["id"]));
    assert!(cli.ok(&["automatch"]).unwrap().contains("No proposals"));
    let stderr = cli.fails(&["match", "ffff"]).unwrap();
    assert!(stderr.contains("no need matches 'ffff'"), "{stderr}");
}

#[test]
fn hours_are_logged_confirmed_balanced_and_exported_from_the_command_line() {
    let (_dir, cli) = group();
    let cai = cli.json(&["member", "add", "--name", "Cai"]).unwrap();
    let need = cli.json(&["need", "add", "--title", "Groceries", "--category", "groceries", "--area", "North"]).unwrap();
    let assignment = cli.json(&["assign", &id(&need), "--to", &id(&cai)]).unwrap();
    cli.ok(&["assignment", "status", &id(&assignment), "accepted"]).unwrap();
    // Marking it done prints the command that logs its hours; run it as printed.
    let done = cli.ok(&["assignment", "status", &id(&assignment), "done"]).unwrap();
    let command = done.lines().map(str::trim).find(|l| l.starts_with("aidmesh hours log")).unwrap_or_else(|| panic!("{done}"));
    let args: Vec<&str> = command.split_whitespace().skip(1).map(|word| if word == "H" { "1.5" } else { word }).collect();
    let entry = cli.json(&args).unwrap();
    assert_eq!((&entry["from"], &entry["to"], &entry["hours"], &entry["category"]), (&cai["id"], &serde_json::json!("group"), &serde_json::json!(1.5), &serde_json::json!("groceries")));
    assert!(cli.ok(&["hours", "balance"]).unwrap().contains("No confirmed hours yet"));

    let confirmed = cli.ok(&["hours", "confirm", &id(&entry)]).unwrap();
    assert!(confirmed.contains("Confirmed 1.5 h from Cai to the group"), "{confirmed}");
    let balances = cli.json(&["hours", "balance"]).unwrap();
    assert_eq!(balances, serde_json::json!([
        {"party": cai["id"], "given": 1.5, "received": 0.0, "net": 1.5},
        {"party": "group", "given": 0.0, "received": 1.5, "net": -1.5},
    ]));

    let bike = cli.json(&["hours", "log", "--to", &id(&cai), "--hours", "2", "--note", "Fixed the bike, quickly"]).unwrap();
    let before = cli.json(&["export"]).unwrap();
    let cases: [(&[&str], &str, i32); 7] = [
        (&["hours", "confirm", &id(&entry)], "these hours are already confirmed", 1),
        (&["hours", "log", "--to", &id(&cai), "--hours", "0.3"], "'0.3' is not a number of hours in whole quarter hours", 2),
        (&["hours", "log", "--to", &id(&cai), "--hours", "0"], "an entry must be more than 0 and at most 24 hours (got 0)", 1),
        (&["hours", "log", "--to", &id(&cai), "--hours", "-2"], "an entry must be more than 0 and at most 24 hours (got -2)", 1),
        (&["hours", "log", "--to", &id(&cai), "--hours", "25"], "at most 24 hours (got 25)", 1),
        (&["hours", "void", &id(&bike), "--reason", " "], "the reason cannot be empty", 1),
        (&["hours", "void", &id(&bike)], "--reason", 2),
    ];
    for (args, expected, code) in cases {
        let out = cli.run(args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?} printed more than one line: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert_eq!(cli.json(&["export"]).unwrap(), before, "refused commands wrote something");
    cli.ok(&["hours", "void", &id(&bike), "--reason", "logged twice"]).unwrap();
    assert_eq!(cli.json(&["hours", "list", "--status", "voided"]).unwrap().as_array().unwrap().len(), 1);

    let statement = cli.ok(&["hours", "statement", &id(&cai)]).unwrap();
    assert!(statement.starts_with("Statement for Cai: balance +1.5 h"), "{statement}");
    let csv = cli.ok(&["hours", "statement", &id(&cai), "--csv"]).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "date,entry,with,hours,status,balance,category,assignment,note");
    assert!(rows[1].contains(",the group,1.5,confirmed,1.5,groceries,"), "{csv}");
    assert!(rows[2].contains(",Ana,-2,voided,1.5,,,\"Fixed the bike, quickly\""), "{csv}");
    let group_statement = cli.json(&["hours", "statement", "group"]).unwrap();
    assert_eq!(group_statement["balance"], -1.5);
}

#[test]
fn contact_details_are_sealed_forgotten_on_request_and_a_removed_member_is_shut_out() {
    let (_dir, ana) = group();
    assert!(ana.ok(&["retention"]).unwrap().contains("shredded 30 days after"));
    assert_eq!(ana.json(&["retention", "--expiry-days", "14"]).unwrap()["expiry_days"], 14);
    assert!(ana.fails(&["retention", "--grace-days", "0"]).unwrap().contains("grace days must be between 1 and 3650"));
    let need = id(&ana.json(&["need", "add", "--title", "Ride to dialysis", "--category", "transport", "--area", "North"]).unwrap());
    ana.ok(&["need", "set-contact", &need, "--contact-name", "Mrs K", "--phone", "555-0177", "--address", "4 Elm St"]).unwrap();
    let shown = ana.ok(&["need", "contact", &need]).unwrap();
    assert!(shown.contains("Phone: 555-0177") && shown.contains("Address: 4 Elm St"), "{shown}");
    assert!(ana.fails(&["need", "set-contact", &need]).unwrap().contains("contact details cannot be empty"));

    let bo_dir = tempfile::tempdir().unwrap();
    let bo = Cli::new(bo_dir.path());
    let code = ana.json(&["invite"]).unwrap()["code"].as_str().unwrap().to_string();
    bo.ok(&["join", &code, "--name", "Bo"]).unwrap();
    let (mut hub, address) = ana.serve(&[]).unwrap();
    bo.ok(&["sync", &address]).unwrap();
    let refused = bo.fails(&["need", "contact", &need]).unwrap();
    assert!(refused.contains("only organizers and the volunteers assigned"), "{refused}");

    // Forgetting asks for --yes, and without it changes nothing.
    let asked = ana.fails(&["forget", &need]).unwrap();
    assert!(asked.contains("cannot be undone") && asked.contains("--yes"), "{asked}");
    assert!(ana.ok(&["need", "contact", &need]).unwrap().contains("555-0177"));
    let forgot = ana.ok(&["forget", &need, "--yes"]).unwrap();
    assert!(forgot.contains("never syncs again cannot be recalled"), "{forgot}");
    assert!(ana.fails(&["need", "contact", &need]).unwrap().contains("forgotten"));

    let bo_id = bo.json(&["member", "list"]).unwrap().as_array().unwrap().iter().find(|m| m["display_name"] == "Bo").map(id).unwrap();
    let removed = ana.ok(&["member", "remove", &bo_id]).unwrap();
    assert!(removed.contains("cannot be taken back"), "{removed}");
    let shut_out = bo.fails(&["sync", &address]).unwrap();
    assert!(shut_out.contains("handshake failed"), "{shut_out}");
    hub.kill().unwrap();
    hub.wait().unwrap();
}

/// The meeting report from the command line: text, JSON and one CSV file per table, none of
/// which holds a byte of the contact details sealed to a need.
#[test]
fn the_meeting_report_prints_and_writes_csv_and_html_without_contact_details() {
    let (dir, ana) = group();
    let need = id(&ana.json(&["need", "add", "--title", "Ride to dialysis", "--category", "transport", "--area", "North"]).unwrap());
    ana.ok(&["need", "set-contact", &need, "--contact-name", "Mrs Kowalski", "--phone", "555-0177", "--address", "4 Elm St"]).unwrap();
    ana.json(&["need", "add", "--title", "<script>alert(1)</script> groceries", "--category", "groceries", "--area", "River"]).unwrap();
    let bo = id(&ana.json(&["member", "add", "--name", "Bo"]).unwrap());
    ana.ok(&["assign", &need, "--to", &bo]).unwrap();

    let (csv, html, totals) = (dir.path().join("report"), dir.path().join("report.html"), dir.path().join("totals.json"));
    let text = ana.ok(&["report", "--csv", csv.to_str().unwrap(), "--html", html.to_str().unwrap(), "--lang", "es", "--totals", totals.to_str().unwrap()]).unwrap();
    assert!(text.contains("Needs posted: 2 (now 1 open, 1 matched)"), "{text}");
    assert!(text.contains("Waits, posted to first volunteer: median 0 h"), "{text}");
    assert!(text.contains("Still open at the end: 2 under 3 days"), "{text}");
    let json = ana.json(&["report", "--by", "month"]).unwrap();
    assert_eq!(json["open_by_age"]["under_3_days"], 2);
    assert_eq!(json["areas"].as_array().unwrap().len(), 2);

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Informe para la reunión") && page.contains("Ride to dialysis"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; groceries") && !page.contains("<script"), "a title is text, never markup");
    assert!(!page.contains("http"), "the page needs nothing from elsewhere");

    let network = ana.ok(&["network", totals.to_str().unwrap()]).unwrap();
    assert!(network.contains("ALL GROUPS") && network.contains("Eastside Mutual Aid"), "{network}");
    let changed = std::fs::read_to_string(&totals).unwrap().replacen("\"needs_posted\": 2", "\"needs_posted\": 3", 1);
    std::fs::write(dir.path().join("changed.json"), changed).unwrap();
    assert!(ana.fails(&["network", dir.path().join("changed.json").to_str().unwrap()]).unwrap().contains("signature does not match"));

    let mut outputs = vec![("text", text.into_bytes()), ("json", json.to_string().into_bytes()), ("html", page.into_bytes()), ("totals", std::fs::read(&totals).unwrap())];
    let tables: Vec<_> = std::fs::read_dir(&csv).unwrap().map(|f| f.unwrap().path()).collect();
    assert_eq!(tables.len(), 11, "{tables:?}");
    for table in tables {
        let file = std::fs::read(&table).unwrap();
        assert!(!file.is_empty(), "{} has at least its header", table.display());
        outputs.push(("csv", file));
    }
    for secret in ["Mrs Kowalski", "555-0177", "4 Elm St"] {
        for (what, bytes) in &outputs {
            assert!(!crate::privacy::contains(bytes, secret), "{secret} is in the {what} report");
        }
    }
    assert!(ana.fails(&["report", "--from", "2030-02-01", "--to", "2030-01-01"]).unwrap().contains("is after its last"));
    assert!(ana.fails(&["report", "--lang", "fr"]).unwrap().contains("English (en) or Spanish (es)"));
}

#[test]
fn the_database_needs_its_passphrase_and_a_wrong_one_changes_nothing() {
    let (dir, cli) = group();
    let database = dir.path().join("aidmesh.db");
    let before = std::fs::read(&database).unwrap();
    let wrong = cli.command().args(["need", "list"]).env("AIDMESH_PASSPHRASE", "not it").output().unwrap();
    assert!(!wrong.status.success());
    let message = String::from_utf8_lossy(&wrong.stderr);
    assert!(message.contains("passphrase") && message.contains("wrong") && message.contains("left untouched"), "{message}");
    assert_eq!(message.lines().count(), 1, "one line, no SQLCipher log: {message}");
    assert_eq!(std::fs::read(&database).unwrap(), before);

    // With no passphrase given and no terminal to ask on, it says how to give one.
    let none = cli.command().args(["need", "list"]).env_remove("AIDMESH_PASSPHRASE").stdin(std::process::Stdio::null()).output().unwrap();
    assert!(!none.status.success());
    let message = String::from_utf8_lossy(&none.stderr);
    assert!(message.contains("AIDMESH_PASSPHRASE"), "{message}");
    assert_eq!(message.lines().count(), 1, "one line: {message}");
}

/// On a desktop with a keyring (here a real one: gnome-keyring's Secret Service on a private
/// D-Bus session) nobody types a passphrase: a new database gets a random one kept there.
#[test]
fn the_passphrase_is_kept_in_the_os_keyring_where_there_is_one() {
    for tool in ["dbus-run-session", "dbus-send", "gnome-keyring-daemon"] {
        let found = std::process::Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().unwrap().status.success();
        assert!(found, "{tool} is missing: test.sh installs it (packages dbus and gnome-keyring)");
    }
    let (dir, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let aidmesh = format!("{} --data-dir {}", aidmesh_tests::aidmesh_bin().display(), dir.path().display());
    let script = format!(
        "(echo -n unlock | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1) & keyring=$!
         for _ in $(seq 100); do
           dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
             string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' && break; sleep 0.1
         done
         {aidmesh} init --group Eastside --name Ana && {aidmesh} need add --title 'Kept by the keyring' --category meals --area North \
           && {aidmesh} --json need list; status=$?
         kill $keyring; exit $status"
    );
    let out = std::process::Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env_remove("AIDMESH_PASSPHRASE")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("Kept by the keyring"), "{stdout}");
    // The database is encrypted with the keyring's passphrase: not the test one, and not open to
    // anyone without the keyring.
    let cli = Cli::new(dir.path());
    assert!(cli.fails(&["need", "list"]).unwrap().contains("passphrase"));
    let bytes = std::fs::read(dir.path().join("aidmesh.db")).unwrap();
    assert!(!bytes.windows(19).any(|w| w == b"Kept by the keyring"));
}

/// Intake from the command line: the channel, the consent, the contact details in one command,
/// and a warning when the phone number is one the group has.
#[test]
fn intake_records_the_channel_and_consent_and_warns_of_a_known_phone_number() {
    let (_dir, ana) = group();
    let first = ana
        .json(&["need", "add", "--title", "Groceries", "--category", "groceries", "--area", "North", "--channel", "phone", "--consent", "no", "--contact-name", "Mrs K", "--phone", "216-555-0101"])
        .unwrap();
    assert_eq!((first["channel"].as_str(), first["contact_organizers_only"].as_bool()), (Some("phone"), Some(true)));
    assert!(ana.ok(&["need", "contact", &id(&first)]).unwrap().contains("216-555-0101"), "posted and sealed in one command");
    let shown = ana.ok(&["need", "show", &id(&first)]).unwrap();
    assert!(shown.contains("came in by: phone") && shown.contains("organizers only"), "{shown}");

    let out = ana.run(&["need", "add", "--title", "Ride", "--category", "transport", "--area", "North", "--channel", "text", "--phone", "(216) 555 0101"]);
    assert!(out.status.success());
    let warning = String::from_utf8(out.stderr).unwrap();
    assert!(warning.contains("same phone number") && warning.contains(&id(&first)[id(&first).len() - 8..]), "{warning}");

    // A detail that cannot be sealed posts nothing.
    let before = ana.json(&["need", "list"]).unwrap().as_array().unwrap().len();
    let refused = ana.fails(&["need", "add", "--title", "Meals", "--category", "meals", "--area", "North", "--phone", &"5".repeat(100)]).unwrap();
    assert!(refused.contains("phone is too long"), "{refused}");
    assert_eq!(ana.json(&["need", "list"]).unwrap().as_array().unwrap().len(), before);
}

/// One phone in two groups: each has its own database and device keys; with two, a command
/// names its group (any case, or the start of it), and a group is joined only once.
#[test]
fn a_phone_in_two_groups_names_the_one_it_means_and_each_keeps_its_own_keys() {
    let (phone_dir, hub_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (phone, hub) = (Cli::new(phone_dir.path()), Cli::new(hub_dir.path()));
    phone.ok(&["init", "--group", "Cleveland SEWG", "--name", "Ana"]).unwrap();
    // One group needs no name.
    phone.ok(&["member", "add", "--name", "Bo"]).unwrap();
    hub.ok(&["init", "--group", "Cleveland Timebank", "--name", "Gus"]).unwrap();
    let (mut hub_process, address) = hub.serve(&[]).unwrap();
    let link = hub.json(&["invite", "--address", &address]).unwrap()["link"].as_str().unwrap().to_string();
    phone.ok(&["join", &link, "--name", "Ana"]).unwrap();

    let which = phone.fails(&["member", "list"]).unwrap();
    assert!(which.contains("several groups ('Cleveland SEWG', 'Cleveland Timebank')") && which.contains("--group NAME"), "{which}");
    let names = |group: &str| -> Vec<String> {
        let members = phone.json(&["--group", group, "member", "list"]).unwrap();
        members.as_array().unwrap().iter().map(|m| m["display_name"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names("cleveland t"), ["Ana", "Gus"]);
    assert_eq!(names("Cleveland SEWG"), ["Ana", "Bo"]);
    assert!(phone.fails(&["--group", "Cleveland", "member", "list"]).unwrap().contains("'cleveland' matches 2 groups"));
    assert!(phone.fails(&["--group", "Akron", "member", "list"]).unwrap().contains("no group called 'akron'"));
    // AIDMESH_GROUP chooses a group too, but never names a new one.
    let chosen = phone.command().env("AIDMESH_GROUP", "cleveland t").args(["member", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&chosen.stdout).contains("Gus"));
    let init = phone.command().env("AIDMESH_GROUP", "cleveland t").args(["init", "--name", "Ana"]).output().unwrap();
    assert!(String::from_utf8_lossy(&init.stderr).contains("name the new group with --group NAME"));
    let again = phone.fails(&["join", &link, "--name", "Ana"]).unwrap();
    assert!(again.contains("already in the group 'Cleveland Timebank'"), "{again}");
    let listed = phone.json(&["groups"]).unwrap();
    let listed: Vec<&str> = listed.as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(listed, ["Cleveland SEWG", "Cleveland Timebank"]);

    // Nothing links the two: each database has its own device key.
    let stores: Vec<crdt_core::Store> =
        crdt_core::group_files(phone_dir.path()).unwrap().iter().map(|path| crdt_core::Store::open(path, &aidmesh_tests::test_key()).unwrap()).collect();
    assert_eq!(stores.len(), 2);
    assert_ne!(stores[0].device().id(), stores[1].device().id());
    hub_process.kill().unwrap();
    hub_process.wait().unwrap();
}

#[test]
fn an_organizer_refers_a_need_to_another_group_and_sees_it_returned_after_a_sync() {
    let (phone_dir, hub_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (phone, hub) = (Cli::new(phone_dir.path()), Cli::new(hub_dir.path()));
    phone.ok(&["init", "--group", "Eastside", "--name", "Ana"]).unwrap();
    hub.ok(&["init", "--group", "Cleveland SEWG", "--name", "Gus"]).unwrap();
    let (mut serving, address) = hub.serve(&[]).unwrap();
    let link = hub.json(&["invite", "--address", &address]).unwrap()["link"].as_str().unwrap().to_string();
    phone.ok(&["join", &link, "--name", "Ana"]).unwrap();
    let need = phone.json(&["--group", "east", "need", "add", "--title", "Rides to dialysis", "--category", "transport", "--area", "North"]).unwrap();
    let need = need["id"].as_str().unwrap().to_string();

    let sent = phone.ok(&["--group", "east", "need", "refer", &need, "--to", "cleveland", "--note", "They live on our border"]).unwrap();
    assert!(sent.contains("to 'Cleveland SEWG'") && sent.contains("No contact details went"), "{sent}");
    phone.ok(&["--group", "cleveland", "sync", &address]).unwrap();
    serving.kill().unwrap();
    serving.wait().unwrap();

    // Cleveland's organizer sees where it came from, and sends it back.
    let waiting = hub.ok(&["referrals"]).unwrap();
    assert!(waiting.contains("Rides to dialysis") && waiting.contains("referred from Eastside (\"They live on our border\"); waiting"), "{waiting}");
    let there = hub.json(&["need", "list"]).unwrap()[0]["id"].as_str().unwrap().to_string();
    let returned = hub.ok(&["need", "return", &there, "--reason", "No drivers on Tuesdays"]).unwrap();
    assert!(returned.contains("Returned need") && returned.contains("'Eastside'"), "{returned}");
    let (mut serving, address) = hub.serve(&[]).unwrap();
    phone.ok(&["--group", "cleveland", "sync", &address]).unwrap();
    serving.kill().unwrap();
    serving.wait().unwrap();

    // The sync carried it home: open again in Eastside, with Cleveland's reason.
    let home = phone.json(&["--group", "east", "need", "show", &need]).unwrap();
    assert_eq!(home["need"]["status"], "open");
    assert_eq!(home["need"]["referral"]["progress"], "returned");
    let listed = phone.ok(&["--group", "east", "referrals"]).unwrap();
    assert!(listed.contains("referred to Cleveland SEWG") && listed.contains("returned") && listed.contains("No drivers on Tuesdays"), "{listed}");
    let refused = phone.fails(&["--group", "cleveland", "need", "return", &there, "--reason", "x"]).unwrap();
    assert!(refused.contains("only organizers"), "{refused}");
}

#[test]
fn an_organizer_sees_what_renewing_does_then_renews_without_a_mistaken_title_and_deletes_the_archive() {
    let (dir, cli) = group();
    let secret = "Maria 12 Elm St no papers";
    let need = cli.json(&["need", "add", "--title", secret, "--category", "groceries", "--area", "North"]).unwrap();
    let cancelled = cli.json(&["need", "add", "--title", "Old request", "--category", "meals", "--area", "North"]).unwrap();
    cli.ok(&["need", "status", &id(&cancelled), "cancelled"]).unwrap();
    cli.ok(&["member", "add", "--name", "Bo"]).unwrap();
    let hours = cli.json(&["hours", "log", "--from", "Bo", "--to", "group", "--hours", "2"]).unwrap();
    cli.ok(&["hours", "confirm", &id(&hours)]).unwrap();
    let preview = cli.ok(&["renew", "--purge-title", &id(&need)[..13]]).unwrap();
    assert!(preview.contains("1 needs and 0 offers carry over. 1 closed needs") && preview.contains(secret) && preview.contains("--apply"), "{preview}");
    assert!(preview.contains("1 settled hour entries (each balance carries over)"), "{preview}");
    assert_eq!(cli.json(&["need", "show", &id(&need)]).unwrap()["need"]["title"], secret, "a preview changes nothing");

    let renewal = cli.json(&["renew", "--purge-title", &id(&need), "--apply"]).unwrap();
    assert_eq!(renewal["purged"][0]["field"], "title");
    assert_eq!(cli.json(&["need", "show", &id(&need)]).unwrap()["need"]["title"], "", "the new record has no title for it");
    assert_eq!(cli.json(&["need", "list", "--search", "Maria"]).unwrap().as_array().unwrap().len(), 0, "nor does the search index");
    assert!(cli.fails(&["need", "show", &id(&cancelled)]).unwrap().contains("no need matches"), "the cancelled need stays in the archive");
    assert!(cli.json(&["hours", "list"]).unwrap().as_array().unwrap().is_empty(), "so do the confirmed hours");
    let statement = cli.ok(&["hours", "statement", "Bo"]).unwrap();
    assert!(statement.contains("balance +2 h") && statement.contains("Opening balance +2 h, carried over when the record was renewed"), "{statement}");
    assert!(cli.ok(&["archive"]).unwrap().contains("keeps 1 older record"));
    assert!(cli.ok(&["archive", "--delete"]).unwrap().contains("Deleted 1"));
    assert!(cli.ok(&["archive"]).unwrap().contains("keeps no older record"));
    // The last weeks' report can no longer count what the archive held, and says so.
    let renewed_on = renewal["at"].as_str().unwrap()[..10].to_string();
    let report = cli.ok(&["report"]).unwrap();
    assert!(report.contains(&format!("Not counted: what happened before {renewed_on}")), "{report}");
    let html = dir.path().join("report.html");
    cli.ok(&["report", "--html", html.to_str().unwrap(), "--lang", "es"]).unwrap();
    assert!(std::fs::read_to_string(&html).unwrap().contains("Sin contar: lo que pasó antes del"));
    // Work goes on in the new record.
    cli.ok(&["need", "add", "--title", "Soup", "--category", "meals", "--area", "North"]).unwrap();
    assert_eq!(cli.json(&["need", "list"]).unwrap().as_array().unwrap().len(), 2);

    // On a schedule: a timer on a hub runs `renew --if-due --apply`, which renews only once due.
    assert!(cli.ok(&["renew", "--if-due", "--apply"]).unwrap().contains("renewed only when an organizer asks"));
    let schedule = cli.json(&["renew", "--every", "12"]).unwrap();
    let due: chrono::DateTime<chrono::Utc> = serde_json::from_value(schedule["due_at"].clone()).unwrap();
    let renewed_at: chrono::DateTime<chrono::Utc> = serde_json::from_value(renewal["at"].clone()).unwrap();
    assert_eq!(due, renewed_at.checked_add_months(chrono::Months::new(12)).unwrap(), "a year after the record was renewed");
    let not_due = cli.ok(&["renew", "--if-due", "--apply"]).unwrap();
    assert!(not_due.contains(&format!("Not due yet. The group's record is renewed every 12 months; it is next due on {}", due.format("%Y-%m-%d"))), "{not_due}");
    assert!(cli.fails(&["renew", "--every", "200"]).unwrap().contains("at most 120"));

    // Removing a member can renew the record with it.
    let cy = cli.json(&["member", "add", "--name", "Cy"]).unwrap();
    let removed = cli.ok(&["member", "remove", &id(&cy), "--renew"]).unwrap();
    assert!(removed.contains("Removed Cy") && removed.contains("record is renewed"), "{removed}");
    assert!(cli.ok(&["archive"]).unwrap().contains("keeps 1 older record"));
}
