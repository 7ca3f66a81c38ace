//! `cargo bench -p aidmesh-net --bench sync`: what a meeting costs. One JSON line per case.
//!
//! Two devices share 10,000 needs and each has 100 new ones since they last met. Side by side:
//! (a) aidmesh sync resuming from saved state, (b) aidmesh sync with no saved state, (c) raw
//! automerge sync messages, uncompressed and with fresh state (what automerge-repo puts on the
//! wire), (d) each side sending its whole saved document, (e) the floor: each side's new changes
//! compressed with zlib level 9. (a) and (b) run over real loopback sockets with Noise.
//! Then a new member receives the whole group from zero, with the time spent checking the
//! changes' signatures, and a meetup: 20 devices converge through one hub on loopback; then the
//! same meetup for three groups at once (60 devices) through one hub in a process of its own,
//! with that process's peak memory.
//!
//! `cargo bench` runs it in full. Run any other way (`cargo test --benches`, as CI does, or with
//! `AIDMESH_BENCH_SHORT=1`) it is short: 200 shared needs, 10 new each, meetups of 4 devices;
//! the same cases and JSON lines, no targets checked. It only proves the benchmark still runs.

#[path = "../../crdt-core/benches/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aidmesh_net::{sync_over, Channel, SharedStore};
use automerge::sync::{State, SyncDoc};
use chrono::Utc;
use crdt_core::*;
use serde_json::json;

use common::{emit, round, short, test_key};

/// Shared needs, new needs on each side, and the meetup's devices and shared needs.
struct Sizes {
    shared: usize,
    new_each: usize,
    meetup_devices: usize,
    meetup_shared: usize,
}

const FULL: Sizes = Sizes { shared: 10_000, new_each: 100, meetup_devices: 20, meetup_shared: 1_000 };
const SHORT: Sizes = Sizes { shared: 200, new_each: 10, meetup_devices: 4, meetup_shared: 50 };

/// In the hub's own process: the group files it serves, one per line.
const HUB_CHILD: &str = "AIDMESH_BENCH_HUB";

fn main() -> anyhow::Result<()> {
    if let Some(paths) = std::env::var_os(HUB_CHILD) {
        return hub_process(&std::env::split_paths(&paths).collect::<Vec<_>>());
    }
    let sizes = if short() { SHORT } else { FULL };
    let runtime = tokio::runtime::Runtime::new()?;
    let dir = tempfile::tempdir()?;
    let (a_path, b_path) = (dir.path().join("a.db"), dir.path().join("b.db"));
    let (mut a, mut b) = two_devices(&a_path, &b_path, sizes.shared)?;
    let shared_heads = a.doc()?.heads();
    for (store, who) in [(&mut a, "A"), (&mut b, "B")] {
        for i in 0..sizes.new_each {
            let input = NewNeed::new(&format!("{who} new {i}"), Category::Meals, Urgency::Normal, "North");
            store.act(|doc, me, now| doc.add_need(me, input, now))?;
        }
    }
    // The other cases start from the same two files as (a).
    drop((a, b));
    let (a_copy, b_copy) = (dir.path().join("a-copy.db"), dir.path().join("b-copy.db"));
    std::fs::copy(&a_path, &a_copy)?;
    std::fs::copy(&b_path, &b_copy)?;

    let resumed = runtime.block_on(sync_pair(Store::open(&a_path, &test_key())?, Store::open(&b_path, &test_key())?, sizes.new_each))?;
    emit(json!({"case": "a_aidmesh_resumed", "bytes": resumed.bytes, "round_trips": resumed.round_trips, "ms": resumed.ms}));

    let a = Store::open(&a_path, &test_key())?;
    let newcomer = Store::join(&dir.path().join("newcomer.db"), &test_key(), &a.invite(None)?, "Newcomer")?;
    let everything = sizes.shared + 2 * sizes.new_each;
    let first = runtime.block_on(sync_pair(newcomer, a, everything))?;
    let (changes, parse_ms, verify_ms) = checking_cost(&a_path)?;
    emit(json!({
        "case": "new_member_from_zero", "needs": everything, "changes": changes, "bytes": first.bytes, "ms": first.ms,
        "parse_ms": parse_ms, "verify_signatures_ms": verify_ms, "target_ms": 2000,
    }));

    let (mut a, mut b) = (Store::open(&a_copy, &test_key())?, Store::open(&b_copy, &test_key())?);
    let (a_doc, b_doc) = (a.doc()?.save(), b.doc()?.save());
    // Forget the last meeting below the store (the file is encrypted: open it with its key).
    for path in [&a_copy, &b_copy] {
        Store::unlocked_connection(path, &test_key())?.execute("DELETE FROM peers", [])?;
    }
    let fresh = runtime.block_on(sync_pair(Store::open(&a_copy, &test_key())?, Store::open(&b_copy, &test_key())?, sizes.new_each))?;
    emit(json!({"case": "b_aidmesh_no_saved_state", "bytes": fresh.bytes, "round_trips": fresh.round_trips, "ms": fresh.ms}));

    let (raw_bytes, raw_messages) = raw_automerge(&a_doc, &b_doc)?;
    emit(json!({"case": "c_raw_automerge_messages", "bytes": raw_bytes, "messages": raw_messages}));
    emit(json!({"case": "d_whole_documents", "bytes": a_doc.len() + b_doc.len()}));

    let floor: usize = [&mut a, &mut b]
        .into_iter()
        .map(|store| zlib9(&store.doc().expect("loaded").changes_since(&shared_heads)).len())
        .sum();
    emit(json!({"case": "e_floor_new_changes_zlib9", "bytes": floor}));
    emit(json!({
        "case": "sync_ratios",
        "a_over_e": round(resumed.bytes as f64 / floor as f64), "target_a_over_e": 1.5,
        "c_over_a": round(raw_bytes as f64 / resumed.bytes as f64), "target_c_over_a": 4,
    }));

    let (ms, hub_peak_mb) = runtime.block_on(meetup_of_groups(&dir.path().join("one"), &sizes, 1))?;
    emit(json!({
        "case": "meetup_20_devices_one_hub", "devices": sizes.meetup_devices, "shared_records": sizes.meetup_shared, "new_each": 10,
        "ms": ms, "target_ms": 5000, "hub_peak_mb": hub_peak_mb,
    }));
    let (ms, hub_peak_mb) = runtime.block_on(meetup_of_groups(&dir.path().join("three"), &sizes, 3))?;
    emit(json!({
        "case": "meetup_3_groups_one_hub", "groups": 3, "devices": 3 * sizes.meetup_devices, "shared_records": sizes.meetup_shared, "new_each": 10,
        "ms": ms, "target_ms": 5000, "hub_peak_mb": hub_peak_mb,
    }));
    Ok(())
}

/// Two devices with `shared` needs in common, their sync state saved.
fn two_devices(a_path: &Path, b_path: &Path, shared: usize) -> anyhow::Result<(Store, Store)> {
    let mut a = Store::create(a_path, &test_key(), "Benchmark Mutual Aid", NewMember::new("Ana", Role::Organizer))?;
    let me = a.me()?;
    let signer = Signer::generate();
    a.act(|doc, me, now| doc.bind_device(me, &signer.actor(), me, now))?;
    let base = a.doc()?.heads();
    let mut writer = GroupDoc::load(&a.doc()?.save(), signer.actor())?;
    let now = Utc::now();
    for i in 0..shared {
        writer.add_need(me, NewNeed::new(&format!("Shared need {i}"), Category::Groceries, Urgency::Normal, "North"), now)?;
    }
    a.apply_remote(&writer.changes_since(&base), &writer.sign_since(&signer, a.group_id(), &base))?;
    a.compact()?;
    let mut b = Store::join(b_path, &test_key(), &a.invite(None)?, "Bo")?;
    let (id_a, id_b) = (a.device().id(), b.device().id());
    let (mut sa, mut sb) = (a.begin_sync(&id_b)?, b.begin_sync(&id_a)?);
    // A few rounds suffice on a perfect link; the bound only stops a bug from hanging the run.
    for round in 0.. {
        anyhow::ensure!(round < 20, "two devices did not finish syncing");
        if a.sync_finished(&sa)? && b.sync_finished(&sb)? {
            break;
        }
        while let Some(frame) = a.next_sync_frame(&mut sa)? {
            b.receive_sync_frame(&mut sb, &frame)?;
        }
        while let Some(frame) = b.next_sync_frame(&mut sb)? {
            a.receive_sync_frame(&mut sa, &frame)?;
        }
    }
    a.end_sync(&sa, &id_b, None)?;
    b.end_sync(&sb, &id_a, None)?;
    Ok((a, b))
}

struct Measured {
    bytes: u64,
    round_trips: u64,
    ms: f64,
}

/// What checking every change of the group in `path` costs a device that receives them all:
/// parsing them out of the bytes, then checking each one's signature (on every core, as a
/// receiving device does). Returns the number of changes and both times.
fn checking_cost(path: &Path) -> anyhow::Result<(usize, f64, f64)> {
    let mut store = Store::open(path, &test_key())?;
    let sealed = store.export_bundle(None)?;
    let contents = bundle::open(store.secret(), store.group_id(), &sealed)?;
    let signatures = signing::decode(&contents.signatures)?;
    let started = Instant::now();
    let changes = engine::parse_changes(&contents.changes)?;
    let parse_ms = round(started.elapsed().as_secs_f64() * 1000.0);
    let started = Instant::now();
    let checks: Vec<_> = changes.iter().map(|c| (c.actor_id().clone(), c.hash(), signatures.get(&c.hash()))).collect();
    signing::verify_all(store.group_id(), &checks)?;
    Ok((changes.len(), parse_ms, round(started.elapsed().as_secs_f64() * 1000.0)))
}

/// One sync between two stores over loopback TCP with Noise, handshake included. The documents
/// are loaded first, as in a running app or hub. `new_each` needs must reach the first store.
async fn sync_pair(mut a: Store, mut b: Store, new_each: usize) -> anyhow::Result<Measured> {
    a.doc()?;
    b.doc()?;
    let (a, b) = (aidmesh_net::shared(a), aidmesh_net::shared(b));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    let (b_keys, a_keys) = (keys(&b), keys(&a));
    let started = Instant::now();
    let responder = tokio::spawn(async move {
        let (stream, _) = listener.accept().await?;
        let mut channel = Channel::accept(stream, &b_keys).await?;
        let digest = sync_over(&mut channel, &b, None, |_| {}).await?;
        Ok::<_, anyhow::Error>((channel.bytes_written, digest))
    });
    let mut channel = Channel::connect(&address, &a_keys).await?;
    let digest = sync_over(&mut channel, &a, None, |_| {}).await?;
    let (b_written, _) = responder.await??;
    let ms = round(started.elapsed().as_secs_f64() * 1000.0);
    anyhow::ensure!(digest.needs.new == new_each, "the sync did not bring the other side's needs: {digest:?}");
    // Each frame the initiator waited for is one trip across and back.
    Ok(Measured { bytes: channel.bytes_written + b_written, round_trips: digest.progress.frames_received, ms })
}

fn keys(store: &SharedStore) -> Keyring {
    store.lock().expect("not poisoned").keyring().expect("keys readable")
}

/// Plain automerge sync between the two documents, fresh state, messages as encoded.
fn raw_automerge(a: &[u8], b: &[u8]) -> anyhow::Result<(usize, usize)> {
    let (mut a, mut b) = (automerge::Automerge::load(a)?, automerge::Automerge::load(b)?);
    let (mut sa, mut sb) = (State::new(), State::new());
    let (mut bytes, mut messages) = (0, 0);
    loop {
        let mut moved = false;
        if let Some(message) = a.generate_sync_message(&mut sa) {
            let encoded = message.encode();
            (bytes, messages, moved) = (bytes + encoded.len(), messages + 1, true);
            b.receive_sync_message(&mut sb, automerge::sync::Message::decode(&encoded)?)?;
        }
        if let Some(message) = b.generate_sync_message(&mut sb) {
            let encoded = message.encode();
            (bytes, messages, moved) = (bytes + encoded.len(), messages + 1, true);
            a.receive_sync_message(&mut sa, automerge::sync::Message::decode(&encoded)?)?;
        }
        if !moved {
            anyhow::ensure!(a.get_heads() == b.get_heads(), "raw automerge sync did not converge");
            return Ok((bytes, messages));
        }
    }
}

fn zlib9(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(9));
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// Every device syncs with the hub at once.
async fn sync_all(devices: &[SharedStore], address: &str) -> anyhow::Result<()> {
    let mut tasks = Vec::new();
    for device in devices {
        let (device, address) = (device.clone(), address.to_string());
        tasks.push(tokio::spawn(async move {
            let mut channel = Channel::connect(&address, &keys(&device)).await?;
            sync_over(&mut channel, &device, Some(&address), |_| {}).await?;
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// `groups` meetups at once through one hub (its own process, serving every group on one port):
/// each group's devices synced with it once, then posted 10 needs each apart. Time from everyone
/// connecting at once until every device holds its group's every need (two rounds through the
/// hub), and the hub's peak memory.
async fn meetup_of_groups(dir: &Path, sizes: &Sizes, groups: usize) -> anyhow::Result<(f64, f64)> {
    let mut hub_paths = Vec::new();
    let mut devices: Vec<(usize, SharedStore)> = Vec::new();
    for group in 0..groups {
        let dir = dir.join(format!("group-{group}"));
        std::fs::create_dir_all(&dir)?;
        let (hub, first) = two_devices(&dir.join("hub.db"), &dir.join("device-0.db"), sizes.meetup_shared)?;
        let invite = hub.invite(None)?;
        devices.push((group, aidmesh_net::shared(first)));
        for i in 1..sizes.meetup_devices {
            let store = Store::join(&dir.join(format!("device-{i}.db")), &test_key(), &invite, &format!("Member {i}"))?;
            devices.push((group, aidmesh_net::shared(store)));
        }
        hub_paths.push(dir.join("hub.db"));
    }
    let mut hub = Command::new(std::env::current_exe()?)
        .env(HUB_CHILD, std::env::join_paths(&hub_paths)?)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut output = BufReader::new(hub.stdout.take().expect("piped"));
    let mut address = String::new();
    output.read_line(&mut address)?;
    let address = address.trim().to_string();
    let stores: Vec<SharedStore> = devices.iter().map(|(_, store)| store.clone()).collect();
    sync_all(&stores, &address).await?;
    for (i, (_, device)) in devices.iter().enumerate() {
        let mut store = device.lock().expect("not poisoned");
        for n in 0..10 {
            let input = NewNeed::new(&format!("Device {i} need {n}"), Category::Meals, Urgency::Normal, "North");
            store.act(|doc, me, now| doc.add_need(me, input, now))?;
        }
    }
    let started = Instant::now();
    sync_all(&stores, &address).await?;
    sync_all(&stores, &address).await?;
    let elapsed = round(started.elapsed().as_secs_f64() * 1000.0);
    // Closing its input stops the hub, which prints its peak memory.
    drop(hub.stdin.take());
    let mut peak = String::new();
    output.read_to_string(&mut peak)?;
    anyhow::ensure!(hub.wait()?.success(), "the hub process failed");
    for (group, path) in hub_paths.iter().enumerate() {
        let expected = Store::open(path, &test_key())?.doc()?.heads();
        for (_, device) in devices.iter().filter(|(g, _)| *g == group) {
            anyhow::ensure!(device.lock().expect("not poisoned").doc()?.heads() == expected, "a device of group {group} did not converge");
        }
    }
    Ok((elapsed, peak.trim().parse()?))
}

/// The hub's process: serves `paths` on a loopback port it prints, until its input closes; then
/// prints its peak memory in MB.
fn hub_process(paths: &[PathBuf]) -> anyhow::Result<()> {
    let groups = paths.iter().map(|path| Ok(aidmesh_net::shared(Store::open(path, &test_key())?))).collect::<anyhow::Result<Vec<_>>>()?;
    tokio::runtime::Runtime::new()?.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{}", listener.local_addr()?);
        std::io::stdout().flush()?;
        let input_closed = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new()));
        let options = aidmesh_net::HubOptions { discovery: aidmesh_net::DiscoveryMode::Off, max_connections: 64, run_for: Some(Duration::from_secs(300)) };
        aidmesh_net::serve(groups, listener, options, async { let _ = input_closed.await; }, |_| {}).await?;
        anyhow::Ok(())
    })?;
    println!("{}", common::peak_mb()?);
    Ok(())
}
