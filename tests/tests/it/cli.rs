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
        (&["need", "add", "--title", "x", "--category", "meals", "--area", "North", "--needed-by", "next tuesday"], "is not a time like"),
        (&["offer", "add", "--what", "x", "--category", "meals", "--area", "North", "--capacity", "0"], "capacity must be at least 1"),
        (&["offer", "add", "--what", "x", "--category", "meals", "--area", "North", "--weekly", "someday"], "is not a weekly slot"),
        (&["need", "status", "ffff", "done"], "no need matches 'ffff'"),
        (&["init", "--group", "Again", "--name", "Ana"], "already exists"),
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
    let stderr = Cli::new(dir.path()).fails(&["need", "list"]).unwrap();
    assert!(stderr.contains("create a group with `aidmesh init` first"), "{stderr}");
}
