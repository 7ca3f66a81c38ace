//! The commands for meeting other devices: invites, joining, the hub, one-off syncs, peers and
//! bundles. The network work is `aidmesh-net`'s; this file parses, runs and reports.

use std::path::Path;
use std::time::Duration;

use aidmesh_net::{Channel, DiscoveryMode, HubEvent, HubOptions, SharedStore};
use anyhow::{Context, Result};
use crdt_core::sync::Counts;
use crdt_core::{DbKey, Digest, GroupOnDevice, Invite, Store};
use serde_json::json;

use crate::Output;

pub fn invite(store: &Store, address: Option<String>, qr: bool, out: Output) -> Result<()> {
    let invite = store.invite(address)?;
    let (link, code) = (invite.to_link(), invite.to_code());
    out.print(&json!({ "link": link, "code": code, "qr_svg": invite.qr_svg() }), || {
        let mut text = format!("Invite link (keep it among members: it lets a device into the group):\n  {link}\n\nShort code:\n  {code}");
        if qr {
            text.push_str(&format!("\n\n{}", invite.qr_text()));
        }
        text
    })
}

pub fn join(path: &Path, key: &DbKey, invite: &Invite, name: &str, out: Output) -> Result<()> {
    let store = Store::join(path, key, invite, name)?;
    let Some(address) = invite.address.clone() else {
        return out.print(&json!({ "joined": invite.group, "synced": false }), || {
            "Joined. This device gets the group's record at its first sync: `aidmesh sync ADDRESS` or `aidmesh bundle import FILE`.".into()
        });
    };
    sync(store, &address, out)
}

/// How often a hub looks at whether the group's record is due for renewal.
const RENEWAL_CHECK_EVERY: Duration = Duration::from_secs(3600);

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the network runtime")
}

pub fn sync(store: Store, address: &str, out: Output) -> Result<()> {
    let store = aidmesh_net::shared(store);
    let keys = store.lock().expect("not yet shared").keyring()?;
    let digest = runtime()?.block_on(async {
        let mut channel = Channel::connect(address, &keys).await?;
        aidmesh_net::sync_over(&mut channel, &store, Some(address), |progress| {
            if !out.json && progress.changes_in_last_message > 0 {
                eprintln!("received {} changes ({} KB so far)", progress.changes_received, progress.bytes_received / 1024);
            }
        })
        .await
    })?;
    crate::print_warnings(&mut store.lock().expect("the sync has ended"));
    out.print(&digest, || format!("Synced with {address}: {}", describe(&digest)))
}

pub fn serve(groups: Vec<Store>, listen: &str, discovery: DiscoveryMode, run_for: Option<u64>, out: Output) -> Result<()> {
    let groups: Vec<SharedStore> = groups.into_iter().map(aidmesh_net::shared).collect();
    let options = HubOptions { discovery, max_connections: 64, run_for: run_for.map(Duration::from_secs) };
    runtime()?.block_on(async {
        // Handlers first: a signal that arrives once "listening" is printed must stop us cleanly.
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        let shutdown = async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        };
        let names: Vec<String> = groups.iter().map(|store| GroupOnDevice::of(&store.lock().expect("not yet shared")).map(|g| g.label())).collect::<Result<_, _>>()?;
        // A hub runs for months: it looks at the renewal schedule hourly, not only when it starts.
        let scheduled = groups.clone();
        tokio::spawn(async move {
            let mut hours = tokio::time::interval(RENEWAL_CHECK_EVERY);
            hours.tick().await;
            loop {
                hours.tick().await;
                for store in &scheduled {
                    tokio::task::block_in_place(|| store.lock().map(|mut store| crate::renew_on_schedule(&mut store)).ok());
                }
            }
        });
        let bridges = groups.clone();
        aidmesh_net::serve(groups, listener, options, shutdown, move |event| {
            log(&event, &names, out);
            // A hub in several groups carries referrals between them after each sync.
            if let HubEvent::Synced { group, .. } = &event {
                match aidmesh_net::carry_referrals_from(&bridges, *group) {
                    Ok(0) => {}
                    Ok(carried) if !out.json => println!("carried {carried} referral update(s) from '{}' to the other groups here", names[*group]),
                    Ok(_) => {}
                    Err(e) => eprintln!("could not carry referrals after a sync of '{}': {e}", names[*group]),
                }
            }
        })
        .await?;
        Ok::<_, anyhow::Error>(())
    })?;
    if !out.json {
        eprintln!("stopped");
    }
    Ok(())
}

/// One line per event: JSON on standard output with `--json`, text otherwise.
fn log(event: &HubEvent, names: &[String], out: Output) {
    let (kind, detail, text) = match event {
        HubEvent::Listening(address) => ("listening", json!({ "address": address }), format!("listening on {address}")),
        HubEvent::Refused { from, reason } => ("refused", json!({ "from": from, "reason": reason }), format!("refused a connection from {from}: {reason}")),
        HubEvent::Synced { group, peer, digest } => {
            let name = &names[*group];
            ("synced", json!({ "group": name, "peer": peer, "digest": digest }), format!("synced '{name}' with device {}: {}", &peer[..12], describe(digest)))
        }
        HubEvent::Failed { peer, reason } => ("failed", json!({ "peer": peer, "reason": reason }), format!("sync with {peer} failed: {reason}")),
        HubEvent::Discovered(address) => ("discovered", json!({ "address": address }), format!("found a member's device at {address}")),
    };
    if out.json {
        println!("{}", json!({ "event": kind, "detail": detail }));
    } else {
        println!("{text}");
    }
}

/// "2 new needs, 1 updated offer, 1 conflict to decide", or "nothing new".
fn describe(digest: &Digest) -> String {
    let mut parts = Vec::new();
    if digest.renewed {
        parts.push("the group's record was renewed and this device moved to it".to_string());
    }
    let kinds = [
        (("need", "needs"), &digest.needs),
        (("offer", "offers"), &digest.offers),
        (("assignment", "assignments"), &digest.assignments),
        (("member", "members"), &digest.members),
        (("hour entry", "hour entries"), &digest.hours),
    ];
    for ((one, many), counts) in kinds {
        let Counts { new, updated } = counts;
        let noun = |n: usize| if n == 1 { one } else { many };
        if *new > 0 {
            parts.push(format!("{new} new {}", noun(*new)));
        }
        if *updated > 0 {
            parts.push(format!("{updated} updated {}", noun(*updated)));
        }
    }
    if !digest.conflicts.is_empty() {
        parts.push(format!("{} conflict(s) to decide (see `aidmesh conflicts`)", digest.conflicts.len()));
    }
    if parts.is_empty() {
        "nothing new".into()
    } else {
        parts.join(", ")
    }
}

pub fn peers(store: &Store, out: Output) -> Result<()> {
    let peers = store.peers()?;
    out.print(&peers, || {
        if peers.is_empty() {
            return "No devices yet. Sync with one: `aidmesh sync ADDRESS`.".into();
        }
        let mut text = format!("{:<14}  {:<16}  {:<22}  LAST SYNCED", "DEVICE", "MEMBER", "ADDRESS");
        for peer in &peers {
            let when = peer.last_synced_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
            text.push_str(&format!(
                "\n{:<14}  {:<16}  {:<22}  {when}",
                &peer.device[..12],
                peer.member.as_deref().unwrap_or("?"),
                peer.address.as_deref().unwrap_or("-")
            ));
        }
        text
    })
}

pub fn export_bundle(store: &mut Store, file: &Path, peer: Option<&str>, out: Output) -> Result<()> {
    let peer = peer.map(|p| full_peer_id(store, p)).transpose()?;
    let bundle = store.export_bundle(peer.as_deref())?;
    std::fs::write(file, &bundle).with_context(|| format!("cannot write {}", file.display()))?;
    out.print(&json!({ "file": file, "bytes": bundle.len() }), || format!("Wrote {} ({} KB). It is sealed: only group members can read it.", file.display(), bundle.len().div_ceil(1024)))
}

pub fn import_bundle(store: &mut Store, file: &Path, out: Output) -> Result<()> {
    let size = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
    if size > crdt_core::bundle::MAX_BUNDLE {
        anyhow::bail!("{} is too large to be a bundle ({size} bytes)", file.display());
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let digest = store.import_bundle(&bytes)?;
    out.print(&digest, || format!("Imported {}: {}", file.display(), describe(&digest)))
}

/// A device id typed as a prefix, as `aidmesh peers` shows it.
fn full_peer_id(store: &Store, prefix: &str) -> Result<String> {
    let matching: Vec<String> = store.peers()?.into_iter().map(|p| p.device).filter(|d| d.starts_with(&prefix.to_lowercase())).collect();
    match matching.as_slice() {
        [one] => Ok(one.clone()),
        [] => anyhow::bail!("no device this one has synced with matches '{prefix}' (see `aidmesh peers`)"),
        many => anyhow::bail!("'{prefix}' matches {} devices; type more of it", many.len()),
    }
}
