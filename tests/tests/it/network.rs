//! Real sockets on loopback: the hub and `aidmesh` processes, a device outside the group, a
//! sync killed half way, and discovery inside a private network namespace.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aidmesh_net::{DiscoveryMode, HubOptions};
use aidmesh_tests::{aidmesh_bin, test_key, Cli, TEST_PASSPHRASE};
use crdt_core::*;

fn founder(dir: &std::path::Path, needs: usize) -> Store {
    let mut store = Store::create(&dir.join("aidmesh.db"), &test_key(), "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap();
    for i in 0..needs {
        store.act(|doc, me, now| doc.add_need(me, NewNeed::new(&format!("Need {i}"), Category::Meals, Urgency::Normal, "North"), now)).unwrap();
    }
    store
}

#[test]
fn a_device_with_the_wrong_secret_gets_nothing_but_the_handshake() {
    let dir = tempfile::tempdir().unwrap();
    let store = aidmesh_net::shared(founder(dir.path(), 20));
    let keys = store.lock().unwrap().keyring().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = events.clone();
    let options = HubOptions { discovery: DiscoveryMode::Off, max_connections: 4, run_for: Some(Duration::from_secs(20)) };
    runtime.spawn(aidmesh_net::serve(vec![store], listener, options, std::future::pending(), move |e| log.lock().unwrap().push(format!("{e:?}"))));

    // An outsider speaks first, as a client does: a nonce, a count, and per secret an epoch and a
    // keyed hash of the nonce. It cannot make the hash, so the hub says nothing at all.
    let mut hello = rand::random::<[u8; 16]>().to_vec();
    hello.push(1);
    hello.extend_from_slice(&0u32.to_be_bytes());
    hello.extend_from_slice(&rand::random::<[u8; 8]>());
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(&hello).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    assert!(answer.is_empty(), "the hub answered a hello it could not check with {} bytes", answer.len());

    // Then it replays a member's hello, overheard at a meetup: that gets it the hub's hello and
    // as far as the Noise handshake, where the pre-shared key stops it.
    let nonce: [u8; 16] = rand::random();
    let mut hello = nonce.to_vec();
    hello.push(1);
    hello.extend_from_slice(&0u32.to_be_bytes());
    hello.extend_from_slice(&keys.current.secret.proof(&nonce));
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(&hello).unwrap();
    let mut theirs = vec![0u8; 17];
    stream.read_exact(&mut theirs).unwrap();
    assert_eq!(theirs[16], 1, "one secret held");
    let mut offers = vec![0u8; 12];
    stream.read_exact(&mut offers).unwrap();
    theirs.extend_from_slice(&offers);
    let wrong = GroupSecret::generate().noise_psk();
    let key = DeviceKey::generate().private_bytes();
    let mut noise = snow::Builder::new("Noise_XXpsk3_25519_ChaChaPoly_BLAKE2s".parse().unwrap())
        .local_private_key(&key)
        .unwrap()
        // Both hellos (the initiator's, then the responder's) are the handshake's prologue.
        .prologue(&[hello, theirs].concat())
        .unwrap()
        .psk(3, &wrong)
        .unwrap()
        .build_initiator()
        .unwrap();
    let mut buffer = vec![0u8; 65535];
    let send = |stream: &mut TcpStream, message: &[u8]| {
        stream.write_all(&(message.len() as u16).to_be_bytes()).unwrap();
        stream.write_all(message).unwrap();
    };
    let len = noise.write_message(&[], &mut buffer).unwrap();
    send(&mut stream, &buffer[..len]);
    let mut length = [0u8; 2];
    stream.read_exact(&mut length).unwrap();
    let mut second = vec![0u8; u16::from_be_bytes(length) as usize];
    stream.read_exact(&mut second).unwrap();
    noise.read_message(&second, &mut buffer).unwrap();
    let len = noise.write_message(&[], &mut buffer).unwrap();
    send(&mut stream, &buffer[..len]);
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    // Everything the hub sent after its hello: its handshake message (ephemeral and encrypted
    // static key), then nothing.
    assert_eq!(2 + second.len(), 98);
    assert!(rest.is_empty(), "the hub sent {} bytes after a failed handshake", rest.len());
    std::thread::sleep(Duration::from_millis(200));
    let logged = events.lock().unwrap().clone();
    assert!(logged.iter().any(|e| e.contains("Refused") && e.contains("not in this group")), "{logged:?}");

    // The same through aidmesh's own client: a clear error, not a hang.
    let other = tempfile::tempdir().unwrap();
    let outsider = founder(other.path(), 0);
    let err = runtime.block_on(aidmesh_net::Channel::connect(&address.to_string(), &outsider.keyring().unwrap())).err().unwrap();
    assert_eq!(err.to_string(), "the other device is not in this group, or not an aidmesh device (handshake failed)");
}

/// A group whose record no longer fits in one frame (years of history) still takes a new member:
/// the hub sends its first message in parts over the real channel, and the newcomer ends with
/// the whole record.
#[test]
fn a_record_larger_than_one_frame_reaches_a_new_member_in_parts() {
    use rand::distr::{Alphanumeric, SampleString};
    let dir = tempfile::tempdir().unwrap();
    let mut hub = founder(dir.path(), 0);
    // Descriptions deflate cannot shrink: about 3 KB each on the wire, 5 MB in all.
    hub.act(|doc, me, now| {
        for i in 0..1800 {
            let mut need = NewNeed::new(&format!("Need {i}"), Category::Meals, Urgency::Normal, "North");
            need.description = Alphanumeric.sample_string(&mut rand::rng(), MAX_TEXT);
            doc.add_need(me, need, now)?;
        }
        Ok(())
    })
    .unwrap();
    let invite = hub.invite(None).unwrap();
    let heads = hub.doc().unwrap().heads();
    let newcomer = aidmesh_net::shared(Store::join(&dir.path().join("newcomer.db"), &test_key(), &invite, "Newcomer").unwrap());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let options = HubOptions { discovery: DiscoveryMode::Off, max_connections: 4, run_for: Some(Duration::from_secs(60)) };
    runtime.spawn(aidmesh_net::serve(vec![aidmesh_net::shared(hub)], listener, options, std::future::pending(), |_| {}));
    let mut received = Vec::new();
    runtime
        .block_on(async {
            let keys = newcomer.lock().unwrap().keyring()?;
            let mut channel = aidmesh_net::Channel::connect(&address, &keys).await?;
            aidmesh_net::sync_over(&mut channel, &newcomer, None, |progress| received.push(progress.bytes_received)).await
        })
        .unwrap();

    let frames: Vec<u64> = received.windows(2).map(|pair| pair[1] - pair[0]).chain(received.first().copied()).collect();
    assert!(*received.last().unwrap() > frame::PART as u64, "the record crossed: {received:?}");
    assert!(frames.iter().all(|&size| size <= frame::PART as u64 + 6), "no frame over a part: {frames:?}");
    let mut newcomer = newcomer.lock().unwrap();
    assert!(heads.iter().all(|head| newcomer.doc().unwrap().automerge().get_change_meta_by_hash(head).is_some()), "the hub's whole record");
    assert_eq!(newcomer.doc().unwrap().needs().records.len(), 1800);
}

/// A device may take minutes to apply what it was sent (a new member's first sync of a group
/// with years of history took 108 s), longer than a read may stall in the middle of a frame:
/// the other side waits for its answer instead of hanging up on it.
#[test]
fn a_peer_working_on_what_it_was_sent_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let hub = founder(dir.path(), 0);
    let member = Store::join(&dir.path().join("member.db"), &test_key(), &hub.invite(None).unwrap(), "Bo").unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let answered = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?.to_string();
        let keys = hub.keyring()?;
        let working = tokio::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let mut channel = aidmesh_net::Channel::accept(stream, &keys).await?;
            tokio::time::sleep(aidmesh_net::channel::IO_TIMEOUT + Duration::from_secs(1)).await;
            channel.send(b"done").await?;
            anyhow::Ok(channel)
        });
        let mut channel = aidmesh_net::Channel::connect(&address, &member.keyring()?).await?;
        let answer = channel.recv().await?;
        working.await??;
        anyhow::Ok(answer)
    });
    assert_eq!(answered.unwrap(), b"done");
}

#[test]
fn three_processes_converge_even_when_one_is_killed_mid_sync() {
    let (hub_dir, ana_dir, bo_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (hub, ana, bo) = (Cli::new(hub_dir.path()), Cli::new(ana_dir.path()), Cli::new(bo_dir.path()));
    hub.ok(&["init", "--group", "Eastside", "--name", "Hub"]).unwrap();
    let (mut hub_process, address) = hub.serve(&[]).unwrap();
    let link = hub.json(&["invite", "--address", &address]).unwrap()["link"].as_str().unwrap().to_string();
    ana.ok(&["join", &link, "--name", "Ana"]).unwrap();
    bo.ok(&["join", &link, "--name", "Bo"]).unwrap();

    // Ana posts a lot offline; her first sync is killed half way, then run again.
    let mut store = Store::open(&ana.data_dir.join("aidmesh.db"), &test_key()).unwrap();
    for i in 0..1500 {
        store.act(|doc, me, now| doc.add_need(me, NewNeed::new(&format!("Ana's need {i}"), Category::Meals, Urgency::Normal, "North"), now)).unwrap();
    }
    drop(store);
    let mut interrupted = ana.command().args(["sync", &address]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(150));
    interrupted.kill().unwrap(); // SIGKILL
    interrupted.wait().unwrap();
    bo.ok(&["need", "add", "--title", "Bo's need", "--category", "meals", "--area", "North"]).unwrap();
    ana.ok(&["sync", &address]).unwrap();
    bo.ok(&["sync", &address]).unwrap();
    ana.ok(&["sync", &address]).unwrap();

    let count = |cli: &Cli| cli.json(&["need", "list"]).unwrap().as_array().unwrap().len();
    assert_eq!((count(&hub), count(&ana), count(&bo)), (1501, 1501, 1501));
    let conflicts = hub.json(&["conflicts"]).unwrap();
    assert!(conflicts.as_array().unwrap().is_empty());
    let peers = hub.json(&["peers"]).unwrap();
    assert_eq!(peers.as_array().unwrap().len(), 2, "{peers}");
    hub_process.kill().unwrap();
    hub_process.wait().unwrap();
}

#[test]
fn the_hub_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(dir.path());
    cli.ok(&["init", "--group", "Eastside", "--name", "Hub"]).unwrap();
    let (child, _) = cli.serve(&[]).unwrap();
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait_with_output().unwrap().status;
    assert!(status.success(), "{status:?}");
}

/// Two hubs in a private network namespace (loopback is its only interface) find each other
/// over mDNS and sync with no address given.
#[test]
fn members_find_each_other_on_the_lan_and_sync() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (Cli::new(a_dir.path()), Cli::new(b_dir.path()));
    a.ok(&["init", "--group", "Eastside", "--name", "Ana"]).unwrap();
    a.ok(&["need", "add", "--title", "Found by discovery", "--category", "meals", "--area", "North"]).unwrap();
    let code = a.json(&["invite"]).unwrap()["code"].as_str().unwrap().to_string();
    b.ok(&["join", &code, "--name", "Bo"]).unwrap();
    let log = serve_in_private_namespace(&[(&a, 7411), (&b, 7412)]);
    assert!(log.contains("found a member's device at 127.0.0.1:"), "{log}");
    let titles = b.json(&["need", "list"]).unwrap();
    assert_eq!(titles[0]["title"], "Found by discovery", "{log}");
}

/// One `aidmesh serve` for the three groups of a city on one port: each member's device syncs
/// its own group and gets nothing of the others; a device of a group the hub is not in is
/// refused.
#[test]
fn one_hub_serves_three_groups_on_one_port_and_each_member_gets_only_their_own() {
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = Cli::new(hub_dir.path());
    let names = ["Cleveland SEWG", "Cleveland Timebank", "Cleveland Co-op"];
    for name in names {
        hub.ok(&["init", "--group", name, "--name", "Hub"]).unwrap();
        hub.ok(&["--group", name, "area", "add", "North"]).unwrap();
        hub.ok(&["--group", name, "need", "add", "--title", &format!("Only in {name}"), "--category", "meals", "--area", "North"]).unwrap();
    }
    let (mut process, address) = hub.serve(&[]).unwrap();
    for name in names {
        let dir = tempfile::tempdir().unwrap();
        let member = Cli::new(dir.path());
        let link = hub.json(&["--group", name, "invite", "--address", &address]).unwrap()["link"].as_str().unwrap().to_string();
        member.ok(&["join", &link, "--name", "Member"]).unwrap();
        member.ok(&["sync", &address]).unwrap();
        assert_eq!(member.json(&["group"]).unwrap()["group"]["name"], name);
        let needs = member.json(&["need", "list"]).unwrap();
        let titles: Vec<&str> = needs.as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
        assert_eq!(titles, [format!("Only in {name}")], "{name}");
        let store = Store::open(&dir.path().join("aidmesh.db"), &test_key()).unwrap();
        let members: Vec<String> = store.members().unwrap().into_iter().map(|m| m.display_name).collect();
        assert_eq!(members, ["Hub", "Member"], "{name}: only its own group's members");
    }
    let other = tempfile::tempdir().unwrap();
    let outsider = founder(other.path(), 0);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let err = runtime.block_on(aidmesh_net::Channel::connect(&address, &outsider.keyring().unwrap())).err().unwrap();
    assert!(matches!(err, aidmesh_net::NetError::Handshake), "{err}");
    process.kill().unwrap();
    process.wait().unwrap();
}

/// In a private network namespace, one hub announces each of its three groups, and each group's
/// member finds it and gets its own group's record, and only that.
#[test]
fn a_hub_announces_each_of_its_groups_and_their_members_find_it() {
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = Cli::new(hub_dir.path());
    let names = ["Cleveland SEWG", "Cleveland Timebank", "Cleveland Co-op"];
    let member_dirs: Vec<tempfile::TempDir> = names.iter().map(|_| tempfile::tempdir().unwrap()).collect();
    let members: Vec<Cli> = member_dirs.iter().map(|dir| Cli::new(dir.path())).collect();
    for (name, member) in names.iter().zip(&members) {
        hub.ok(&["init", "--group", name, "--name", "Hub"]).unwrap();
        hub.ok(&["--group", name, "area", "add", "North"]).unwrap();
        hub.ok(&["--group", name, "need", "add", "--title", &format!("Only in {name}"), "--category", "meals", "--area", "North"]).unwrap();
        let code = hub.json(&["--group", name, "invite"]).unwrap()["code"].as_str().unwrap().to_string();
        member.ok(&["join", &code, "--name", "Member"]).unwrap();
    }
    let log = serve_in_private_namespace(&[(&hub, 7431), (&members[0], 7432), (&members[1], 7433), (&members[2], 7434)]);
    for (name, member) in names.iter().zip(&members) {
        let needs = member.json(&["need", "list"]).unwrap();
        let titles: Vec<&str> = needs.as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
        assert_eq!(titles, [format!("Only in {name}")], "{name}: {log}");
    }
}

/// Runs `aidmesh serve` with loopback discovery for 12 s on each device at its port, all at once,
/// in a private network namespace (loopback is its only interface, so nothing multicasts beyond
/// it); returns what they logged.
fn serve_in_private_namespace(devices: &[(&Cli, u16)]) -> String {
    let bin = aidmesh_bin();
    let serve = |(cli, port): &(&Cli, u16)| {
        format!("{} --data-dir {} serve --listen 127.0.0.1:{port} --discovery loopback --for 12", bin.display(), cli.data_dir.display())
    };
    let all: Vec<String> = devices.iter().map(serve).collect();
    let script = format!("ip link set lo up && ip link set lo multicast on && ({}; wait)", all.join(" & "));
    let output = Command::new("unshare")
        .args(["--net", "--map-root-user", "sh", "-c", &script])
        .env("AIDMESH_PASSPHRASE", TEST_PASSPHRASE)
        .env_remove("AIDMESH_GROUP")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{log}\n{}", String::from_utf8_lossy(&output.stderr));
    log
}

/// On a hub shared by two groups, one group's devices hold at most half the places: with both of
/// them taken by idle devices of one group, its next device is turned away, and the other
/// group's device still syncs.
#[test]
fn one_group_cannot_take_every_place_on_a_shared_hub() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (founder(a_dir.path(), 1), founder(b_dir.path(), 1));
    let join = |hub: &Store, dir: &std::path::Path, name: &str| aidmesh_net::shared(Store::join(&dir.join(format!("{name}.db")), &test_key(), &hub.invite(None).unwrap(), name).unwrap());
    let crowd: Vec<_> = (0..3).map(|i| join(&a, a_dir.path(), &format!("a{i}"))).collect();
    let other = join(&b, b_dir.path(), "b");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let options = HubOptions { discovery: DiscoveryMode::Off, max_connections: 4, run_for: Some(Duration::from_secs(60)) };
    assert_eq!(options.per_group(2), 2);
    let refused = Arc::new(Mutex::new(Vec::new()));
    let log = refused.clone();
    let events = move |e: aidmesh_net::HubEvent| {
        if let aidmesh_net::HubEvent::Refused { reason, .. } = e {
            log.lock().unwrap().push(reason);
        }
    };
    runtime.spawn(aidmesh_net::serve(vec![aidmesh_net::shared(a), aidmesh_net::shared(b)], listener, options, std::future::pending(), events));
    runtime.block_on(async {
        // Two of group A's devices connect and say nothing more: they hold A's two places.
        let mut idle = Vec::new();
        for device in &crowd[..2] {
            let keys = device.lock().unwrap().keyring().unwrap();
            idle.push(aidmesh_net::Channel::connect(&address, &keys).await.unwrap());
        }
        let sync = |device: aidmesh_net::SharedStore| {
            let address = address.clone();
            async move {
                let keys = device.lock().unwrap().keyring()?;
                let mut channel = aidmesh_net::Channel::connect(&address, &keys).await?;
                aidmesh_net::sync_over(&mut channel, &device, None, |_| {}).await.map_err(anyhow::Error::from)
            }
        };
        assert!(sync(crowd[2].clone()).await.is_err(), "a third device of group A is turned away");
        let digest = sync(other.clone()).await.unwrap();
        assert_eq!(digest.needs.new, 1, "group B's device syncs all the same");
        drop(idle);
    });
    assert!(refused.lock().unwrap().iter().any(|reason| reason.contains("every place it may have")), "{:?}", refused.lock().unwrap());
}

/// A newcomer invited before the group's record was renewed joins through the hub over loopback:
/// one sync meets on the old record (which the hub keeps), moves the newcomer over, and meets
/// again on the new one. (An invite made after vouches for the new record: see `generations`.)
#[test]
fn a_newcomer_syncing_with_a_hub_on_a_renewed_record_moves_over_in_the_same_meeting() {
    let dir = tempfile::tempdir().unwrap();
    let mut hub = founder(dir.path(), 3);
    let invite = hub.invite(None).unwrap();
    hub.renew(vec![]).unwrap();
    hub.act(|doc, me, now| doc.add_need(me, NewNeed::new("After the renewal", Category::Meals, Urgency::Normal, "North"), now)).unwrap();
    let (heads, generation) = (hub.doc().unwrap().heads(), hub.generation().clone());
    let newcomer = aidmesh_net::shared(Store::join(&dir.path().join("newcomer.db"), &test_key(), &invite, "Newcomer").unwrap());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let options = HubOptions { discovery: DiscoveryMode::Off, max_connections: 4, run_for: Some(Duration::from_secs(30)) };
    let hub = aidmesh_net::shared(hub);
    runtime.spawn(aidmesh_net::serve(vec![hub.clone()], listener, options, std::future::pending(), |_| {}));
    let digest = runtime
        .block_on(async {
            let keys = newcomer.lock().unwrap().keyring()?;
            let mut channel = aidmesh_net::Channel::connect(&address, &keys).await?;
            aidmesh_net::sync_over(&mut channel, &newcomer, None, |_| {}).await
        })
        .unwrap();

    assert!(digest.renewed, "{digest:?}");
    let mut newcomer = newcomer.lock().unwrap();
    assert_eq!(newcomer.generation(), &generation);
    assert_eq!(newcomer.doc().unwrap().needs().records.len(), 4);
    let me = newcomer.me().unwrap();
    // The newcomer joined on the old record: that change was replayed, and the hub has it.
    let hub_heads = hub.lock().unwrap().doc().unwrap().heads();
    assert_ne!(hub_heads, heads, "the hub received the newcomer's replayed join");
    assert!(hub.lock().unwrap().doc().unwrap().member(me).is_ok());
}
