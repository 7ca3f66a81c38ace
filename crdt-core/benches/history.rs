//! `cargo bench -p crdt-core --bench history`: what years of history cost a phone (issue 16's
//! first step). A group three years old: 1,000 members, 30,000 needs through their whole life
//! (posted, assigned, accepted, done or cancelled), offers paused and withdrawn, and 150,000 hour
//! entries with their verdicts; built on a second device through the public API and delivered in
//! one go. Prints one JSON line per case: the first screen after opening, the first write after a
//! cold start, the full load, the app's peak working set, and what a new member's first sync
//! sends against the compressed live state (what a fresh start would hold).
//!
//! `AIDMESH_BENCH_DB=FILE` keeps the group in FILE and reuses it (it takes minutes to build).
//! Short mode (see `common`): 300 needs, 40 members, 1,500 hour entries.

mod common;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use crdt_core::report::{Bucket, Period};
use crdt_core::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use common::{AREAS, deliver, emit, median, ms, phone, round, test_key};

struct Sizes {
    members: usize,
    needs: usize,
    offers: usize,
    hour_entries: usize,
}

const FULL: Sizes = Sizes { members: 1_000, needs: 30_000, offers: 3_000, hour_entries: 150_000 };
const SHORT: Sizes = Sizes { members: 40, needs: 300, offers: 60, hour_entries: 1_500 };
/// Three years, from Monday 2 January 2034.
const WEEKS: i64 = 156;

fn main() -> anyhow::Result<()> {
    if let Some(done) = common::rss_child() {
        return done;
    }
    let sizes = if common::short() { SHORT } else { FULL };
    let dir = tempfile::tempdir()?;
    let path = common::group_file(dir.path(), "history.db");
    if !path.exists() {
        let t = Instant::now();
        build_group(&path, &sizes)?;
        emit(json!({"case": "history_dataset", "members": sizes.members, "needs": sizes.needs, "offers": sizes.offers, "hour_entries": sizes.hour_entries, "build_ms": ms(t)}));
    }

    // Measuring writes (a first write, a newcomer joining): on a copy, so a kept dataset stays
    // as it was built.
    let work = dir.path().join("work.db");
    std::fs::copy(&path, &work)?;
    measure(&work, dir.path(), "")?;
    let renewed = dir.path().join("renewed.db");
    std::fs::copy(&path, &renewed)?;
    renew(&renewed)?;
    measure(&renewed, dir.path(), "_after_renewal")
}

/// The phone's figures on the group in `path`, each case's name ending in `suffix`.
fn measure(path: &Path, dir: &Path, suffix: &str) -> anyhow::Result<()> {
    let case = |name: &str| format!("history_{name}{suffix}");
    let first_screen = median(20, || {
        let t = Instant::now();
        let store = Store::open(path, &test_key()).unwrap();
        store.needs(&NeedFilter { limit: Some(50), active_only: true, ..Default::default() }).unwrap();
        ms(t)
    });
    emit(json!({"case": case("open_to_first_screen"), "ms": first_screen, "target_ms": 50}));

    let mut changes = 0;
    let full_load = median(3, || {
        let t = Instant::now();
        let mut store = Store::open(path, &test_key()).unwrap();
        changes = store.doc().unwrap().automerge().get_changes(&[]).len();
        ms(t)
    });
    emit(json!({"case": case("full_load"), "ms": full_load, "changes": changes}));

    // The app opens on the first screen; the first thing a person does then loads the record.
    let first_write = median(3, || {
        let t = Instant::now();
        let mut store = Store::open(path, &test_key()).unwrap();
        store.act(|doc, me, now| doc.add_need(me, NewNeed::new("Ride to the clinic", Category::Transport, Urgency::High, "North"), now)).unwrap();
        ms(t)
    });
    emit(json!({"case": case("first_write_after_cold_start"), "ms": first_write, "target_ms": 300}));

    emit(json!({"case": case("peak_rss"), "mb": common::peak_rss(path)?, "target_mb": 80}));
    first_sync(path, dir, &case("new_member_first_sync"))
}

/// An organizer renews the record through the store, as `aidmesh renew --apply` does: the time
/// it takes (the seed, and moving this device over), and the record's size before and after.
fn renew(path: &Path) -> anyhow::Result<()> {
    let all_of_it = |store: &mut Store| -> anyhow::Result<(f64, usize)> {
        let t = Instant::now();
        let report = store.report(Period { from: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(), to: Utc.with_ymd_and_hms(2040, 1, 1, 0, 0, 0).unwrap() }, Bucket::Month)?;
        Ok((ms(t), report.by_status.values().sum()))
    };
    let (report_ms, posted) = all_of_it(&mut Store::open(path, &test_key())?)?;
    let mut store = Store::open(path, &test_key())?;
    let history_bytes = store.doc()?.save().len();
    let t = Instant::now();
    let preview = store.renewal_preview(&[])?;
    let preview_ms = ms(t);
    let t = Instant::now();
    store.renew(Vec::new())?;
    let renew_ms = ms(t);
    // What the new record holds, collection by collection: records, and bytes as JSON.
    let serde_json::Value::Object(live) = serde_json::to_value(store.doc()?.export()?)? else { anyhow::bail!("an export is an object") };
    let carried: serde_json::Map<String, serde_json::Value> = live
        .iter()
        .map(|(collection, records)| (collection.clone(), json!([records.as_array().map_or(1, Vec::len), records.to_string().len()])))
        .collect();
    emit(json!({
        "case": "history_renewal", "preview_ms": preview_ms, "renew_ms": renew_ms, "history_bytes": history_bytes, "renewed_bytes": store.doc()?.save().len(),
        "needs_carried": preview.needs, "needs_archived": preview.needs_archived, "offers_carried": preview.offers, "offers_archived": preview.offers_archived,
        "carried_records_and_json_bytes": carried,
    }));
    // A report over all three years now reads the archive this device keeps (from a cold start).
    drop(store);
    let (archive_report_ms, archive_posted) = all_of_it(&mut Store::open(path, &test_key())?)?;
    emit(json!({"case": "history_report_of_every_year", "before_renewal_ms": report_ms, "after_renewal_ms": archive_report_ms, "needs_posted": [posted, archive_posted]}));
    Ok(())
}

/// A new member joins by invite and receives the group from zero, in-process (the sync protocol
/// without sockets), against the live state: the records as they stand, compressed.
fn first_sync(path: &Path, dir: &Path, case: &str) -> anyhow::Result<()> {
    let mut hub = Store::open(path, &test_key())?;
    let invite = hub.invite(None)?;
    let newcomer_path = dir.join("newcomer.db");
    let _ = std::fs::remove_file(&newcomer_path);
    let mut newcomer = Store::join(&newcomer_path, &test_key(), &invite, "Newcomer")?;
    let t = Instant::now();
    let sent = sync(&mut hub, &mut newcomer);
    let elapsed = ms(t);
    let live = serde_json::to_vec(&hub.doc()?.export()?)?;
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    zlib.write_all(&live)?;
    let live_zlib = zlib.finish()?.len();
    let saved = hub.doc()?.save().len();
    let sizes = json!({"saved_document_bytes": saved, "live_state_json_bytes": live.len(), "live_state_zlib9_bytes": live_zlib, "target_over_live_state": 1.5});
    match sent {
        Ok(crossed) => emit(json!({
            "case": case,
            "ms": elapsed,
            "bytes": crossed.bytes,
            "over_live_state": round(crossed.bytes as f64 / live_zlib as f64),
            "longest_send_ms": crossed.longest_send_ms,
            "longest_receive_ms": crossed.longest_receive_ms,
            "sizes": sizes
        })),
        // What a long history does to a first sync is the finding, so it is printed, not fatal.
        Err(e) => emit(json!({"case": case, "failed": e.to_string(), "ms": elapsed, "sizes": sizes})),
    }
    Ok(())
}

/// What crossed in a sync, and the longest either side spent on one frame (making or taking
/// it): over the network the other side waits that long for the next frame, at most
/// `aidmesh_net::channel::ANSWER_TIMEOUT` (240 s), within a sync's `SYNC_DEADLINE` (300 s).
struct Crossed {
    bytes: usize,
    longest_send_ms: f64,
    longest_receive_ms: f64,
}

/// Syncs two stores until both are done, meeting again (as `aidmesh_net::sync_over` does, at
/// most 3 times) while one moves to a renewed record.
fn sync(a: &mut Store, b: &mut Store) -> anyhow::Result<Crossed> {
    let (id_a, id_b) = (a.device().id(), b.device().id());
    let mut crossed = Crossed { bytes: 0, longest_send_ms: 0.0, longest_receive_ms: 0.0 };
    for _ in 0..3 {
        let (mut session_a, mut session_b) = (a.begin_sync(&id_b)?, b.begin_sync(&id_a)?);
        for round in 0.. {
            anyhow::ensure!(round < 50, "the first sync did not finish in 50 rounds");
            send_all(a, &mut session_a, b, &mut session_b, &mut crossed)?;
            send_all(b, &mut session_b, a, &mut session_a, &mut crossed)?;
            if a.sync_finished(&session_a)? && b.sync_finished(&session_b)? {
                break;
            }
        }
        a.end_sync(&session_a, &id_b, None)?;
        b.end_sync(&session_b, &id_a, None)?;
        if !session_a.again() {
            return Ok(crossed);
        }
    }
    anyhow::bail!("the two devices did not reach one record in 3 meetings")
}

/// Sends what `from` has to say, as a driver does, and has `to` take each frame.
fn send_all(from: &mut Store, session_from: &mut SyncSession, to: &mut Store, session_to: &mut SyncSession, crossed: &mut Crossed) -> anyhow::Result<()> {
    loop {
        let t = Instant::now();
        let Some(frame) = from.next_sync_frame(session_from)? else { return Ok(()) };
        crossed.longest_send_ms = crossed.longest_send_ms.max(ms(t));
        crossed.bytes += frame.len();
        let t = Instant::now();
        to.receive_sync_frame(session_to, &frame)?;
        crossed.longest_receive_ms = crossed.longest_receive_ms.max(ms(t));
    }
}

/// Three years of a group's life, in the order it happened: members join, offers come and go,
/// needs are posted, assigned, accepted and done or cancelled within weeks, and hours are logged
/// and confirmed (a few disputed). Only the last month's needs are still open.
fn build_group(path: &Path, sizes: &Sizes) -> anyhow::Result<()> {
    let (store, mut phone, me) = phone(path)?;
    let (doc, _) = &mut phone;
    let start = Utc.with_ymd_and_hms(2034, 1, 2, 9, 0, 0).unwrap();
    let minutes = WEEKS * 7 * 24 * 60;
    let mut rng = StdRng::seed_from_u64(16);
    for area in AREAS {
        doc.add_area(me, area, &[], start)?;
    }
    let members: Vec<Uuid> = (0..sizes.members)
        .map(|i| {
            let joined = start + Duration::minutes(i as i64 * minutes / sizes.members as i64 / 2);
            Ok(doc.add_member(me, NewMember::new(&format!("Member {i}"), Role::Volunteer), joined)?.id)
        })
        .collect::<Result<_>>()?;
    let mut offers = Vec::new();
    for i in 0..sizes.offers {
        let member = members[i % members.len()];
        let category = Category::ALL[rng.random_range(0..Category::ALL.len())];
        let input = NewOffer { capacity: 100, ..NewOffer::new(member, &format!("Help #{i}"), vec![category], OfferKind::Time, AREAS[i % AREAS.len()]) };
        let offer = doc.add_offer(me, input, start)?;
        // A fifth are paused or withdrawn along the way.
        if rng.random_range(0..5) == 0 {
            let status = if rng.random_bool(0.5) { OfferStatus::Paused } else { OfferStatus::Withdrawn };
            doc.set_offer_status(me, offer.id, status, start + Duration::minutes(rng.random_range(0..minutes)))?;
        } else {
            offers.push(offer);
        }
    }
    let last_month = start + Duration::minutes(minutes) - Duration::days(30);
    let mut posted: Vec<chrono::DateTime<Utc>> = (0..sizes.needs).map(|_| start + Duration::minutes(rng.random_range(0..minutes))).collect();
    posted.sort();
    let mut logged = 0;
    for (i, at) in posted.into_iter().enumerate() {
        let category = Category::ALL[rng.random_range(0..Category::ALL.len())];
        let need = doc.add_need(me, NewNeed::new(&format!("Need #{i}"), category, Urgency::Normal, AREAS[rng.random_range(0..AREAS.len())]), at)?;
        let still_open = at > last_month;
        let roll = rng.random_range(0..100);
        if roll < 80 {
            let offer = &offers[rng.random_range(0..offers.len())];
            let assigned = at + Duration::hours(rng.random_range(1..24 * 6));
            let assignment = doc.assign(me, need.id, offer.member, Some(offer.id), "", assigned)?;
            doc.set_assignment_status(offer.member, assignment.id, AssignmentStatus::Accepted, assigned + Duration::hours(1))?;
            if !still_open || roll < 40 {
                let done = assigned + Duration::hours(rng.random_range(2..24 * 4));
                doc.set_assignment_status(offer.member, assignment.id, AssignmentStatus::Done, done)?;
                let input = NewHours { assignment: Some(assignment.id), ..NewHours::new(offer.member, Party::Group, Hours::from_quarters(rng.random_range(1..=16))) };
                let entry = doc.log_hours(offer.member, input, done)?;
                judge(doc, &mut rng, me, entry.id, done)?;
                logged += 1;
            }
        } else if !still_open {
            doc.set_need_status(me, need.id, NeedStatus::Cancelled, at + Duration::days(rng.random_range(1..10)))?;
        }
    }
    // The other hours, between members and to the group, spread over the three years.
    let others = sizes.hour_entries.saturating_sub(logged);
    for i in 0..others {
        let at = start + Duration::minutes(i as i64 * minutes / others as i64);
        let from = members[rng.random_range(0..members.len())];
        let to = members[rng.random_range(0..members.len())];
        let to = if to == from || rng.random_bool(0.3) { Party::Group } else { Party::Member(to) };
        let entry = doc.log_hours(from, NewHours::new(from, to, Hours::from_quarters(rng.random_range(1..=16))), at)?;
        judge(doc, &mut rng, me, entry.id, at)?;
    }
    deliver(store, &phone)
}

/// Most hours are confirmed, a few disputed, the rest left pending: by the organizer, since the
/// whole group is written on one device, and authority counts no verdict a device writes as
/// another member (before 2026-12-02 the receivers' verdicts were written so, and most hours
/// stayed pending).
fn judge(doc: &mut GroupDoc, rng: &mut StdRng, organizer: Uuid, entry: Uuid, logged: chrono::DateTime<Utc>) -> Result<()> {
    let at = logged + Duration::hours(2);
    match rng.random_range(0..100) {
        0..85 => drop(doc.confirm_hours(organizer, entry, at)?),
        85..88 => drop(doc.dispute_hours(organizer, entry, "Not what we agreed", at)?),
        _ => {}
    }
    Ok(())
}
