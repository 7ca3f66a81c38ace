//! A need whose `add` returned is on disk: a writer killed with SIGKILL at random moments, over
//! and over on one database (through compactions too), never loses an acknowledged need, and
//! the file always passes SQLite's integrity check.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use aidmesh_tests::test_key;
use crdt_core::*;
use rand::Rng;
use uuid::Uuid;

#[test]
fn needs_acknowledged_before_sigkill_are_all_there_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aidmesh.db");
    Store::create(&path, &test_key(), "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap();
    let mut rng = rand::rng();
    let mut acknowledged: Vec<Uuid> = Vec::new();
    // At least 24 kills, and on until 200 needs were acknowledged: a loaded machine (CI runs
    // the tests in parallel) spends more of each window opening the encrypted file.
    for round in 0..240 {
        if round >= 24 && acknowledged.len() > 200 {
            break;
        }
        let mut writer = Command::new(env!("CARGO_BIN_EXE_durability_writer")).arg(&path).stdout(Stdio::piped()).spawn().unwrap();
        let stdout = writer.stdout.take().unwrap();
        let reader = std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<_>>());
        std::thread::sleep(Duration::from_millis(rng.random_range(30..400)));
        writer.kill().unwrap(); // SIGKILL
        writer.wait().unwrap();
        acknowledged.extend(reader.join().unwrap().iter().map(|line| line.parse::<Uuid>().unwrap()));

        let check: String = Store::unlocked_connection(&path, &test_key()).unwrap().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        let mut store = Store::open(&path, &test_key()).unwrap();
        let listed: HashSet<Uuid> = store.needs(&NeedFilter::default()).unwrap().iter().map(|n| n.id).collect();
        let doc = store.doc().unwrap();
        for id in &acknowledged {
            assert!(listed.contains(id), "acknowledged need {id} is missing from the list");
            doc.need(*id).unwrap();
        }
    }
    assert!(acknowledged.len() > 200, "the writer should have made real progress, made {}", acknowledged.len());
}
