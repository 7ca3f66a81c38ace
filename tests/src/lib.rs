//! Boundary helpers for aidmesh's integration tests: a group with a few people on several
//! devices, message passing between them, and the real `aidmesh` binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Once;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, TimeZone, Utc};
use automerge::ChangeHash;
use crdt_core::{ActorId, DbKey, DeviceKey, Digest, GroupDoc, NewMember, Role, Signatures, Signer, Store, Touched};
use uuid::Uuid;

/// A fixed moment for deterministic tests: 2030-01-01 plus `minutes`.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

/// The passphrase every test database is encrypted with; the CLI reads it from
/// `AIDMESH_PASSPHRASE` (see `Cli`).
pub const TEST_PASSPHRASE: &str = "correct horse battery staple";

pub fn test_key() -> DbKey {
    DbKey::passphrase(TEST_PASSPHRASE).expect("not empty")
}

/// Another device of a store's group, outside any store, as a phone that was offline would be:
/// it writes as its own signed actor and hands its changes over with their signatures.
pub struct Phone {
    pub doc: GroupDoc,
    pub signer: Signer,
    group: Uuid,
}

impl Phone {
    /// A copy of everything `store` holds, acting for `member`: the store's member, an
    /// organizer, binds the phone to them first.
    pub fn of(store: &mut Store, member: Uuid) -> Phone {
        let signer = Signer::generate();
        store.act(|doc, me, now| doc.bind_device(me, &signer.actor(), member, now)).unwrap();
        Phone::copying(store, signer)
    }

    /// A new member's phone: a copy of everything `store` holds, joined by its own change, as
    /// an invite does.
    pub fn joining(store: &mut Store, name: &str) -> Phone {
        let mut phone = Phone::copying(store, Signer::generate());
        phone.doc.join_as(name, &DeviceKey::generate().id(), Utc::now()).unwrap();
        phone
    }

    /// Everything `store` holds, on a phone that signs with `signer`.
    fn copying(store: &mut Store, signer: Signer) -> Phone {
        let doc = GroupDoc::load(&store.doc().unwrap().save(), signer.actor()).unwrap();
        Phone { doc, signer, group: store.group_id() }
    }

    /// The same phone copied, key and all (as a cloned backup would be).
    pub fn copied(&self) -> Phone {
        Phone { doc: self.doc.fork_as(self.signer.actor()), signer: self.signer.clone(), group: self.group }
    }

    /// The changes this phone made since `heads`, with their signatures.
    pub fn signatures_since(&self, heads: &[ChangeHash]) -> Signatures {
        self.doc.sign_since(&self.signer, self.group, heads)
    }

    /// `store` receives what this phone has that it lacks since `heads`.
    pub fn deliver(&self, store: &mut Store, heads: &[ChangeHash]) -> crdt_core::Result<Touched> {
        store.apply_remote(&self.doc.changes_since(heads), &self.signatures_since(heads))
    }
}

/// A modified client: it writes raw automerge changes as its own actor and signs them validly,
/// bypassing every check in the core's actions. An organizer bound it to `member`, as they
/// would any second device.
pub struct Rogue {
    doc: automerge::Automerge,
    signer: Signer,
    group: Uuid,
    sent: Vec<ChangeHash>,
}

impl Rogue {
    pub fn of(store: &mut Store, member: Uuid) -> Rogue {
        let phone = Phone::of(store, member);
        let doc = automerge::Automerge::load(&phone.doc.save()).unwrap().with_actor(phone.signer.actor());
        let sent = doc.get_heads();
        Rogue { doc, signer: phone.signer, group: phone.group, sent }
    }

    /// One change that writes `value` at a path of map keys from the root (`members`, an id,
    /// `role`), or makes a record map at it from a JSON object of scalars, or a list of strings.
    pub fn write(&mut self, path: &[&str], value: serde_json::Value) -> ChangeHash {
        use automerge::transaction::{CommitOptions, Transactable};
        use automerge::{ObjType, ReadDoc, ScalarValue, ROOT};
        let scalar = |v: &serde_json::Value| match v {
            serde_json::Value::Number(n) => ScalarValue::Uint(n.as_u64().unwrap()),
            serde_json::Value::String(s) => ScalarValue::Str(s.as_str().into()),
            other => panic!("not a scalar: {other}"),
        };
        let mut tx = self.doc.transaction();
        let (last, parents) = path.split_last().unwrap();
        let mut obj = ROOT;
        for key in parents {
            obj = tx.get(&obj, *key).unwrap().unwrap().1;
        }
        match &value {
            serde_json::Value::Object(fields) => {
                let record = tx.put_object(&obj, *last, ObjType::Map).unwrap();
                for (key, v) in fields {
                    tx.put(&record, key, scalar(v)).unwrap();
                }
            }
            serde_json::Value::Array(items) => {
                let list = tx.put_object(&obj, *last, ObjType::List).unwrap();
                for (i, v) in items.iter().enumerate() {
                    tx.insert(&list, i, scalar(v)).unwrap();
                }
            }
            v => tx.put(&obj, *last, scalar(v)).unwrap(),
        }
        tx.commit_with(CommitOptions::default().with_time(at(60).timestamp())).0.unwrap()
    }

    /// `store` receives what this client wrote since its last delivery, validly signed.
    pub fn deliver(&mut self, store: &mut Store) -> crdt_core::Result<Touched> {
        let changes = self.doc.get_changes(&self.sent);
        let signatures: Signatures = changes.iter().map(|c| (c.hash(), self.signer.sign(self.group, &c.hash()))).collect();
        let touched = store.apply_remote(&self.doc.save_after(&self.sent), &signatures)?;
        self.sent = self.doc.get_heads();
        Ok(touched)
    }
}

/// One person's device: their own copy of the document, writing as their own actor.
pub struct Device {
    pub doc: GroupDoc,
    pub member: Uuid,
}

/// A group with two organizers and two volunteers, each on their own device, all in step.
pub struct Group {
    pub devices: Vec<Device>,
}

impl Group {
    pub const ORGANIZER_A: usize = 0;
    pub const ORGANIZER_B: usize = 1;
    pub const VOLUNTEER_A: usize = 2;
    pub const VOLUNTEER_B: usize = 3;

    pub fn new() -> Group {
        let (mut first, founder) =
            GroupDoc::create(ActorId::random(), "Eastside Mutual Aid", NewMember::new("Ana", Role::Organizer), at(0)).unwrap();
        let mut members = vec![founder.id];
        for (name, role) in [("Bea", Role::Organizer), ("Cai", Role::Volunteer), ("Dev", Role::Volunteer)] {
            members.push(first.add_member(founder.id, NewMember::new(name, role), at(1)).unwrap().id);
        }
        let actors: Vec<ActorId> = members[1..].iter().map(|_| ActorId::random()).collect();
        for (actor, &member) in actors.iter().zip(&members[1..]) {
            first.bind_device(founder.id, actor, member, at(2)).unwrap();
        }
        let mut devices: Vec<Device> = actors.into_iter().zip(&members[1..]).map(|(actor, &member)| Device { doc: first.fork_as(actor), member }).collect();
        devices.insert(0, Device { doc: first, member: founder.id });
        let mut group = Group { devices };
        group.sync_all();
        group
    }

    pub fn member(&self, device: usize) -> Uuid {
        self.devices[device].member
    }

    /// Everyone meets: every device ends with every change.
    pub fn sync_all(&mut self) {
        for _ in 0..2 {
            for i in 0..self.devices.len() {
                for j in 0..self.devices.len() {
                    if i != j {
                        self.sync(i, j);
                    }
                }
            }
        }
    }

    /// `to` receives everything `from` has.
    pub fn sync(&mut self, from: usize, to: usize) {
        let bytes = self.devices[from].doc.changes_since(&[]);
        self.devices[to].doc.apply_bytes(&bytes).unwrap();
    }
}

impl Default for Group {
    fn default() -> Self {
        Self::new()
    }
}

/// Partial, disordered, repeated delivery, as phones meeting by chance give it: `to` receives
/// the changes of `from` it lacks that `subset`'s bits pick, backwards if `reverse`, twice if
/// `duplicate`, one change at a time.
pub fn deliver_some(devices: &mut [Device], from: usize, to: usize, subset: u64, reverse: bool, duplicate: bool) {
    if from == to {
        return;
    }
    let mut changes = devices[from].doc.automerge().get_changes(&devices[to].doc.heads());
    let mut i = 0;
    changes.retain(|_| {
        i += 1;
        subset & (1 << (i % 64)) != 0
    });
    if reverse {
        changes.reverse();
    }
    if duplicate {
        changes.extend(changes.clone());
    }
    for change in changes {
        devices[to].doc.apply_bytes(change.raw_bytes()).unwrap();
    }
}

/// Ana's new group "Eastside" in `dirs[0]` (she is its organizer), and one device in each further
/// dir that joined by her invite as `names` and synced with her.
pub fn founded_and_joined(dirs: &[&Path], names: &[&str]) -> (Store, Vec<Store>) {
    let mut ana = Store::create(&dirs[0].join("aidmesh.db"), &test_key(), "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap();
    let invite = ana.invite(None).unwrap();
    let joined = dirs[1..]
        .iter()
        .zip(names)
        .map(|(dir, name)| {
            let mut store = Store::join(&dir.join("aidmesh.db"), &test_key(), &invite, name).unwrap();
            sync_stores(&mut ana, &mut store);
            store
        })
        .collect();
    (ana, joined)
}

/// Syncs two stores directly, with no network, until both hold the same record and know it.
/// Returns the bytes that crossed and what the sync changed on `a` and on `b`.
pub fn sync_stores(a: &mut Store, b: &mut Store) -> (usize, Digest, Digest) {
    let (frames, digest_a, digest_b) = sync_stores_capturing(a, b);
    (frames.iter().map(Vec::len).sum(), digest_a, digest_b)
}

/// `sync_stores`, keeping every frame that crossed, in order. Like a meeting over the network,
/// two stores on different generations of the record meet again once the one behind moved over.
pub fn sync_stores_capturing(a: &mut Store, b: &mut Store) -> (Vec<Vec<u8>>, Digest, Digest) {
    let (id_a, id_b) = (a.device().id(), b.device().id());
    let mut frames = Vec::new();
    let mut renewed = (false, false);
    for _ in 0..3 {
        let (mut session_a, mut session_b) = (a.begin_sync(&id_b).unwrap(), b.begin_sync(&id_a).unwrap());
        let mut finished = false;
        for _ in 0..50 {
            while let Some(frame) = a.next_sync_frame(&mut session_a).unwrap() {
                b.receive_sync_frame(&mut session_b, &frame).unwrap();
                frames.push(frame);
            }
            while let Some(frame) = b.next_sync_frame(&mut session_b).unwrap() {
                a.receive_sync_frame(&mut session_a, &frame).unwrap();
                frames.push(frame);
            }
            if a.sync_finished(&session_a).unwrap() && b.sync_finished(&session_b).unwrap() {
                finished = true;
                break;
            }
        }
        assert!(finished, "two stores on a perfect link did not finish syncing");
        let (mut digest_a, mut digest_b) = (a.end_sync(&session_a, &id_b, None).unwrap(), b.end_sync(&session_b, &id_a, None).unwrap());
        renewed = (renewed.0 || digest_a.renewed, renewed.1 || digest_b.renewed);
        assert_eq!(session_a.again(), session_b.again(), "both sides agree whether to meet again");
        if !session_a.again() {
            (digest_a.renewed, digest_b.renewed) = renewed;
            return (frames, digest_a, digest_b);
        }
    }
    panic!("two stores did not end on one generation of the record");
}

/// The `aidmesh` binary of this workspace, built on first use if `cargo build` has not yet.
pub fn aidmesh_bin() -> PathBuf {
    static BUILD: Once = Once::new();
    workspace_bin("aidmesh", "aidmesh", &BUILD)
}

/// A binary of this workspace (`target/<profile>/<bin>`), built once if it is missing.
pub fn workspace_bin(package: &str, bin: &str, build: &Once) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> → target/<profile>/<bin>
    let path = exe.parent().and_then(Path::parent).expect("target dir").join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    build.call_once(|| {
        if !path.exists() {
            let status = Command::new(env!("CARGO")).args(["build", "-p", package, "--bin", bin]).status().expect("run cargo");
            assert!(status.success(), "building the {bin} binary failed");
        }
    });
    path
}

/// Runs the real CLI against its own data directory.
pub struct Cli {
    pub data_dir: PathBuf,
}

impl Cli {
    pub fn new(data_dir: &Path) -> Cli {
        Cli { data_dir: data_dir.to_path_buf() }
    }

    /// `aidmesh --data-dir DIR`, unlocking the database with the test passphrase.
    pub fn command(&self) -> Command {
        let mut command = Command::new(aidmesh_bin());
        command.arg("--data-dir").arg(&self.data_dir).env_remove("AIDMESH_DATA_DIR").env_remove("AIDMESH_GROUP").env("AIDMESH_PASSPHRASE", TEST_PASSPHRASE);
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run aidmesh")
    }

    /// Runs a command that must succeed; returns its standard output.
    pub fn ok(&self, args: &[&str]) -> Result<String> {
        let out = self.run(args);
        if !out.status.success() {
            bail!("aidmesh {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8(out.stdout)?)
    }

    pub fn json(&self, args: &[&str]) -> Result<serde_json::Value> {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all)?;
        serde_json::from_str(&text).with_context(|| format!("aidmesh {args:?} printed no JSON: {text}"))
    }

    /// Starts `aidmesh serve` on a free loopback port for at most a minute; returns the process
    /// and the address it listens on.
    pub fn serve(&self, extra: &[&str]) -> Result<(Child, String)> {
        let mut child = self
            .command()
            .args(["serve", "--listen", "127.0.0.1:0", "--for", "60"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().context("no stdout")?).read_line(&mut first)?;
        let address = first.trim().strip_prefix("listening on ").with_context(|| format!("unexpected first line: {first}"))?.to_string();
        Ok((child, address))
    }

    /// Runs a command that must fail; returns its standard error.
    pub fn fails(&self, args: &[&str]) -> Result<String> {
        let out = self.run(args);
        if out.status.success() {
            bail!("aidmesh {args:?} should have failed but printed {}", String::from_utf8_lossy(&out.stdout));
        }
        Ok(String::from_utf8(out.stderr)?)
    }
}
