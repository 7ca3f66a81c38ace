//! What every benchmark prints and how it times (one JSON object per line, milliseconds to
//! two decimals, medians and percentiles of repeated runs), and how it builds its group: on a
//! second device through the public API, delivered to the store in one go.
//!
//! `cargo bench` runs a benchmark in full. Run any other way (`cargo test --benches`, as CI
//! does, or with `AIDMESH_BENCH_SHORT=1`) it is short: small sizes, same cases and JSON lines,
//! no targets checked. It only proves the benchmark still runs.

// Each benchmark uses part of what is here.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crdt_core::{Category, DbKey, GroupDoc, NeedFilter, NewMember, NewNeed, Role, Signer, Store, Urgency, Uuid};

/// The areas every benchmark group is spread over.
pub const AREAS: [&str; 12] = ["North", "River", "Old Town", "Harbour", "Hillside", "Market", "Station", "Park", "Mill", "Docks", "Chapel", "Orchard"];

/// Where a benchmark keeps its group: the file `AIDMESH_BENCH_DB` names (kept, and reused on the
/// next run, as large groups take minutes to build), or `name` in `dir`.
pub fn group_file(dir: &Path, name: &str) -> PathBuf {
    std::env::var_os("AIDMESH_BENCH_DB").map_or_else(|| dir.join(name), PathBuf::from)
}

/// Whether to run small: not started by `cargo bench` (which passes `--bench`), or asked to.
pub fn short() -> bool {
    std::env::var_os("AIDMESH_BENCH_SHORT").is_some_and(|v| v != "0") || !std::env::args().any(|a| a == "--bench")
}

pub fn emit(value: serde_json::Value) {
    println!("{value}");
}

pub fn ms(since: Instant) -> f64 {
    round(since.elapsed().as_secs_f64() * 1000.0)
}

pub fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn median(runs: usize, mut f: impl FnMut() -> f64) -> f64 {
    let samples: Vec<f64> = (0..runs).map(|_| f()).collect();
    percentile(&samples, 50)
}

pub fn percentile(samples: &[f64], p: usize) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) * p) / 100]
}

/// Benchmark databases are encrypted like any other, with a fixed passphrase.
pub fn test_key() -> DbKey {
    DbKey::passphrase("benchmark").expect("not empty")
}

/// A new group in a store, and a second device that builds the data through the public API.
/// The phone signs its changes as `Signer`.
pub fn phone(path: &Path) -> anyhow::Result<(Store, (GroupDoc, Signer), Uuid)> {
    let mut store = Store::create(path, &test_key(), "Benchmark Mutual Aid", NewMember::new("Ana", Role::Organizer))?;
    let me = store.me()?;
    let signer = Signer::generate();
    store.act(|doc, me, now| doc.bind_device(me, &signer.actor(), me, now))?;
    let doc = GroupDoc::load(&store.doc()?.save(), signer.actor())?;
    Ok((store, (doc, signer), me))
}

/// The store receives everything the second device made, in one go, as a first sync would.
pub fn deliver(mut store: Store, (doc, signer): &(GroupDoc, Signer)) -> anyhow::Result<()> {
    let base = store.doc()?.heads();
    store.apply_remote(&doc.changes_since(&base), &doc.sign_since(signer, store.group_id(), &base))?;
    store.compact()?;
    Ok(())
}

const RSS_CHILD: &str = "AIDMESH_BENCH_RSS_DB";

/// The peak resident memory, in MB, of a fresh process doing what the app does at start on the
/// store at `path` (`working_set`), so that building the group does not count.
pub fn peak_rss(path: &Path) -> anyhow::Result<f64> {
    let rss = Command::new(std::env::current_exe()?).env(RSS_CHILD, path).output()?;
    anyhow::ensure!(rss.status.success(), "the RSS child failed: {}", String::from_utf8_lossy(&rss.stderr));
    Ok(String::from_utf8(rss.stdout)?.trim().parse()?)
}

/// In the child `peak_rss` starts (a benchmark's `main` calls this first): what it measured.
pub fn rss_child() -> Option<anyhow::Result<()>> {
    std::env::var_os(RSS_CHILD).map(|path| working_set(Path::new(&path)))
}

/// What the app does when it starts: open, show the first screen, load the record, add a few.
/// Prints the process's peak resident memory in MB.
fn working_set(path: &Path) -> anyhow::Result<()> {
    let mut store = Store::open(path, &test_key())?;
    store.needs(&NeedFilter { limit: Some(50), ..Default::default() })?;
    store.doc()?;
    for i in 0..20 {
        store.act(|doc, me, now| doc.add_need(me, NewNeed::new(&format!("RSS need {i}"), Category::Meals, Urgency::Low, "North"), now))?;
    }
    println!("{}", peak_mb()?);
    Ok(())
}

/// This process's peak resident memory so far, in MB.
pub fn peak_mb() -> anyhow::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmHWM in /proc/self/status"))?;
    Ok(round(kb / 1024.0))
}

