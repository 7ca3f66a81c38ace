//! The commands the UI invokes. Each one reads the index or runs one core action through
//! `Store::act` (durable before it returns), and shapes the answer as a DTO. No rule lives here:
//! counts come from the store's read models, checks from the core's actions.
//!
//! Commands are generic over the Tauri runtime so tests can run them on the mock runtime.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use chrono::{NaiveDate, Utc};
use crdt_core::report::{Bucket, Period};
use crdt_core::totals::{GroupTotals, Network, TotalsError};
use crdt_core::{
    Answer, AssignmentStatus, Conflict, Contact, EntryStatus, Field, Hours, ImportProgress, Imported, Invite, LedgerFilter, Load, Member, Names, NeedFilter, NeedStatus,
    NewHours, NewMember, OfferFilter, OfferStatus, Party, Proposal, Purged, Role, Store, Uuid, ValidationError,
};
use aidmesh_sheets::{Answers, ImportError, Mapping, Preset, Presets, Summary, Table};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use crate::dto::*;
use crate::error::{AppError, AppResult};
use crate::service::{self, ChangeReason};
use crate::state::{lock, App};

type Digest = crdt_core::Digest;

/// Runs this device's own change on the store, then tells the UI the record changed.
fn write<R: Runtime, T>(app: &AppHandle<R>, state: &App, f: impl FnOnce(&mut Store) -> crdt_core::Result<T>) -> AppResult<T> {
    let value = service::change(app, state, f)?;
    service::data_changed(app, ChangeReason::Local);
    Ok(value)
}

/// Runs `f` on the store. Loading the document or walking its history can take a while on a big
/// group: the runtime moves its other tasks (syncs in progress) to other threads meanwhile.
fn read<T>(state: &App, f: impl FnOnce(&mut Store) -> AppResult<T>) -> AppResult<T> {
    let store = state.store()?;
    tokio::task::block_in_place(|| f(&mut lock(&store)))
}

fn names(store: &Store) -> AppResult<Names> {
    Ok(Names::new(&store.members()?))
}

#[tauri::command]
pub async fn status(state: State<'_, App>) -> AppResult<Status> {
    state.check_usable()?;
    let listening = reachable_address(&state).or_else(|| lock(&state.listening).map(|a| a.to_string()));
    let discovery = state.net.discovery.into();
    let asks_passphrase = state.asks_passphrase();
    let Some(store) = state.shared_store() else {
        let state = if state.is_locked() { DeviceState::Locked } else { DeviceState::New };
        return Ok(Status { state, group: None, me: None, device_id: None, listening, discovery, asks_passphrase, renewal_due_at: None });
    };
    let mut store = lock(&store);
    let device_id = Some(store.device().id());
    let Ok(me) = store.me() else {
        return Ok(Status { state: DeviceState::Waiting, group: None, me: None, device_id, listening, discovery, asks_passphrase, renewal_due_at: None });
    };
    let me = store.members()?.into_iter().find(|m| m.id == me);
    let renewal_due_at = store.renewal_due_at()?;
    Ok(Status { state: DeviceState::Ready, group: Some(store.group()?.into()), me, device_id, listening, discovery, asks_passphrase, renewal_due_at })
}

/// Opens this device's encrypted database with the passphrase typed.
#[tauri::command]
pub async fn unlock<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, passphrase: String) -> AppResult<Status> {
    tokio::task::block_in_place(|| state.unlock(&passphrase))?;
    service::start(&app);
    status(state).await
}

#[tauri::command]
pub async fn create_group<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, App>,
    group_name: String,
    your_name: String,
    role: Role,
    passphrase: Option<String>,
) -> AppResult<Status> {
    let name = group_name.trim();
    state.adopt(None, Some(name), passphrase.as_deref(), |path, key| Ok(Store::create(path, key, name, NewMember::new(your_name.trim(), role))?))?;
    service::start(&app);
    service::data_changed(&app, ChangeReason::Local);
    status(state).await
}

#[tauri::command]
pub async fn join_group<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, invite: String, your_name: String, passphrase: Option<String>) -> AppResult<Status> {
    let invite = Invite::parse(&invite)?;
    let store = state.adopt(Some(invite.group), None, passphrase.as_deref(), |path, key| Ok(Store::join(path, key, &invite, your_name.trim())?))?;
    service::start(&app);
    service::data_changed(&app, ChangeReason::Local);
    if let Some(address) = &invite.address {
        // The device has joined either way. A first sync that fails (the other phone asleep,
        // another Wi-Fi) is told by its progress event, and the waiting screen offers to retry.
        let _ = service::sync_with(&app, &store, address).await;
    }
    status(state).await
}

/// The groups this device is in, for the switcher: which is on screen, changes not yet seen,
/// conflicts waiting.
#[tauri::command]
pub async fn list_groups(state: State<'_, App>) -> AppResult<Vec<GroupSummary>> {
    state.check_usable()?;
    tokio::task::block_in_place(|| {
        state.group_entries().into_iter().map(|entry| {
            let mut store = lock(&entry.store);
            GroupSummary::of(&mut store, entry.current, entry.unread)
        }).collect()
    })
}

/// Puts another group on screen: lists, badges and syncs by address follow it.
#[tauri::command]
pub async fn switch_group<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid) -> AppResult<Status> {
    let store = state.switch_to(id)?;
    tokio::task::block_in_place(|| service::recount_conflicts(&state, &store))?;
    service::data_changed(&app, ChangeReason::Local);
    status(state).await
}

/// Sends a need of the group on screen to another group on this device (organizers).
#[tauri::command]
pub async fn refer_need<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, App>,
    id: Uuid,
    to: Uuid,
    area: Option<String>,
    note: String,
    with_contact: bool,
) -> AppResult<NeedSummary> {
    let current = state.store()?;
    let groups = state.all_stores();
    let target = groups.iter().find(|store| !std::sync::Arc::ptr_eq(store, &current) && lock(store).group_id() == to).ok_or(crdt_core::Error::NotFound { kind: "group", id: to.to_string() })?;
    let (need, warnings) = tokio::task::block_in_place(|| {
        state.with_two(&current, target, |from, to| {
            let need = from.refer(id, to, area.as_deref().filter(|a| !a.trim().is_empty()), &note, with_contact);
            let warnings: Vec<_> = from.take_warnings().into_iter().chain(to.take_warnings()).collect();
            (need.and_then(|need| Ok(NeedSummary::new(need, 0, 0, &Names::new(&from.members()?)))), warnings)
        })
    });
    service::warn(&app, warnings);
    service::data_changed(&app, ChangeReason::Local);
    Ok(need?)
}

/// Accepts a need another group referred here, or returns it with a reason (organizers). A
/// device in both groups carries the answer back at once.
#[tauri::command]
pub async fn answer_referral<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid, reason: Option<String>) -> AppResult<NeedSummary> {
    let answer = match reason {
        Some(reason) => Answer::Return { reason },
        None => Answer::Accept,
    };
    let need = write(&app, &state, |store| store.act(|doc, me, now| doc.answer_referral(me, id, answer, now)))?;
    service::carry_referrals(&app, &state.store()?);
    read(&state, |store| Ok(NeedSummary::new(need, store.load()?.filled(id), 0, &names(store)?)))
}

#[tauri::command]
pub async fn list_needs(state: State<'_, App>, filter: NeedFilterInput) -> AppResult<Vec<NeedSummary>> {
    let conflicts = lock(&state.conflicts_by_record).clone();
    read(&state, |store| {
        let needs = store.needs(&NeedFilter {
            status: filter.status,
            active_only: filter.active_only.unwrap_or(false),
            category: filter.category,
            urgency: filter.urgency,
            area: filter.area.filter(|a| !a.is_empty()),
            search: filter.search.filter(|s| !s.trim().is_empty()),
            limit: None,
        })?;
        let (load, names) = (store.load()?, names(store)?);
        Ok(needs
            .into_iter()
            .map(|need| {
                let (filled, conflicts) = (load.filled(need.id), conflicts.get(&need.id.to_string()).copied().unwrap_or(0));
                NeedSummary::new(need, filled, conflicts, &names)
            })
            .collect())
    })
}

#[tauri::command]
pub async fn get_need(state: State<'_, App>, id: Uuid) -> AppResult<NeedDetail> {
    read(&state, |store| {
        let need = store.need(id)?;
        let names = names(store)?;
        let logged = assignments_with_hours(store)?;
        let of_need = store.assignments(Some(id), None)?;
        let filled = Load::of(&of_need).filled(id);
        let assignments: Vec<_> = of_need
            .into_iter()
            .map(|a| {
                let hours_logged = logged.contains(&a.id);
                AssignmentView::new(a, &need, hours_logged, &names)
            })
            .collect();
        let records: HashSet<String> = assignments.iter().map(|a| a.id.to_string()).chain([id.to_string()]).collect();
        let conflicts = store.conflicts()?.into_iter().filter(|c| records.contains(&c.record)).collect();
        let history = store.doc()?.history(id);
        let contact = ContactState::of(store.contact(id));
        let need = crdt_core::Need { sealed_contact: None, ..need };
        Ok(NeedDetail { created_by_name: need.posted_by(&names), filled, history, need, assignments, conflicts, contact })
    })
}

/// The contact details of the person a need helps, for organizers and assigned volunteers.
#[tauri::command]
pub async fn need_contact(state: State<'_, App>, id: Uuid) -> AppResult<Contact> {
    read(&state, |store| Ok(store.contact(id)?))
}

#[tauri::command]
pub async fn set_need_contact<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid, contact: Contact) -> AppResult<()> {
    write(&app, &state, |store| store.set_contact(id, &contact))
}

/// "Forget this person": every device that syncs deletes the key to their contact details.
#[tauri::command]
pub async fn forget_need_contact<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid) -> AppResult<()> {
    write(&app, &state, |store| store.act(|doc, me, now| doc.forget_contact(me, id, now)).map(drop))
}

/// How long contact details are kept after a need closes, and how long an open need waits past
/// 'needed by' before it expires (organizers).
#[tauri::command]
pub async fn set_retention<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, expiry_days: u32, grace_days: u32) -> AppResult<GroupInfo> {
    let group = write(&app, &state, |store| store.act(|doc, me, now| doc.set_retention(me, expiry_days, grace_days, now)))?;
    Ok(group.into())
}

/// Where the group is: a date typed alone means the end of that day there (organizers).
#[tauri::command]
pub async fn set_time_zone<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, time_zone: String) -> AppResult<GroupInfo> {
    let group = write(&app, &state, |store| store.act(|doc, me, now| doc.set_time_zone(me, &time_zone, now)))?;
    Ok(group.into())
}

/// How many months the group's record runs before it is due for renewal; 0: only when an
/// organizer asks (organizers). Returns the status, which says when it is next due.
#[tauri::command]
pub async fn set_renewal_schedule<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, months: u32) -> AppResult<Status> {
    write(&app, &state, |store| store.act(|doc, me, now| doc.set_renewal_schedule(me, months, now)))?;
    status(state).await
}

/// What renewing the record would do now (organizers see it before renewing). It reads every
/// record, so the screen asks once; the text each purge leaves out is `purged_texts`.
#[tauri::command]
pub async fn renewal_preview(state: State<'_, App>) -> AppResult<RenewalPreviewView> {
    read(&state, |store| Ok(store.renewal_preview(&[])?.into()))
}

/// The text each of `purges` would leave out of the new record, as it reads now. A purge that
/// cannot be done is the error renewing would give.
#[tauri::command]
pub async fn purged_texts(state: State<'_, App>, purges: Vec<Purge>) -> AppResult<Vec<PurgedText>> {
    let purged: Vec<Purged> = purges.iter().cloned().map(Purged::from).collect();
    let texts = read(&state, |store| Ok(store.doc()?.purged_texts(&purged)?))?;
    Ok(purges.into_iter().zip(texts).map(|(purge, text)| PurgedText { purge, text }).collect())
}

/// Renews the group's record (organizers), leaving out the text of `purges`: this device moves
/// to the new record at once and keeps the old one as an archive; others move over when they sync.
#[tauri::command]
pub async fn renew<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, purges: Vec<Purge>) -> AppResult<()> {
    write(&app, &state, |store| store.renew(purges.into_iter().map(Purged::from).collect()).map(drop))
}

/// How many older records of the group this device keeps since a renewal.
#[tauri::command]
pub async fn archive_info(state: State<'_, App>) -> AppResult<ArchiveView> {
    read(&state, |store| Ok(ArchiveView { archived: store.held_generations()?.len() - 1 }))
}

/// Deletes the older records this device keeps; returns how many. It can then no longer sync
/// with devices still on them.
#[tauri::command]
pub async fn delete_archive<R: Runtime>(app: AppHandle<R>, state: State<'_, App>) -> AppResult<usize> {
    write(&app, &state, Store::delete_archive)
}

/// Removes a member; the group moves to a new secret their devices never get. With `renew`, the
/// record is renewed too, so the group goes on with a record that starts after the removal.
#[tauri::command]
pub async fn remove_member<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid, renew: bool) -> AppResult<()> {
    write(&app, &state, |store| if renew { store.remove_member_and_renew(id).map(drop) } else { store.remove_member(id) })
}

#[tauri::command]
pub async fn add_need<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, input: NewNeedInput) -> AppResult<NeedSummary> {
    let zone = read(&state, |store| Ok(store.group()?.settings.zone()))?;
    let (input, contact) = input.into_new_need(zone)?;
    let need = write(&app, &state, |store| store.post_need(input, &contact))?;
    read(&state, |store| Ok(NeedSummary::new(need, 0, 0, &names(store)?)))
}

/// The needs whose contact details (as far as this device can open them) have this phone
/// number: the intake form's warning that the person may have asked already.
#[tauri::command]
pub async fn needs_with_phone(state: State<'_, App>, phone: String) -> AppResult<Vec<NeedSummary>> {
    read(&state, |store| {
        let ids = aidmesh_sheets::needs::with_phone(store, &phone)?;
        let (load, names) = (store.load()?, names(store)?);
        ids.into_iter().map(|id| Ok(NeedSummary::new(store.need(id)?, load.filled(id), 0, &names))).collect()
    })
}

#[tauri::command]
pub async fn set_need_status<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid, status: NeedStatus) -> AppResult<NeedSummary> {
    let need = write(&app, &state, |store| store.act(|doc, me, now| doc.set_need_status(me, id, status, now)))?;
    read(&state, |store| Ok(NeedSummary::new(need, store.load()?.filled(id), 0, &names(store)?)))
}

#[tauri::command]
pub async fn list_offers(state: State<'_, App>, mine: bool) -> AppResult<Vec<OfferView>> {
    read(&state, |store| {
        let member = if mine { Some(store.me()?) } else { None };
        let offers = store.offers(&OfferFilter { member, ..OfferFilter::default() })?;
        let (load, names) = (store.load()?, names(store)?);
        Ok(offers
            .into_iter()
            .map(|o| {
                let open = load.open_through(o.id);
                OfferView::new(o, open, &names)
            })
            .collect())
    })
}

#[tauri::command]
pub async fn add_offer<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, input: NewOfferInput) -> AppResult<OfferView> {
    let me = read(&state, |store| Ok(store.me()?))?;
    let input = input.into_new_offer(me)?;
    let offer = write(&app, &state, |store| store.act(|doc, me, now| doc.add_offer(me, input, now)))?;
    read(&state, |store| Ok(OfferView::new(offer, 0, &names(store)?)))
}

#[tauri::command]
pub async fn set_offer_status<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid, status: OfferStatus) -> AppResult<OfferView> {
    let offer = write(&app, &state, |store| store.act(|doc, me, now| doc.set_offer_status(me, id, status, now)))?;
    read(&state, |store| Ok(OfferView::new(offer, store.load()?.open_through(id), &names(store)?)))
}

fn offers_by_id(store: &Store) -> AppResult<HashMap<Uuid, crdt_core::Offer>> {
    Ok(store.offers(&OfferFilter::default())?.into_iter().map(|o| (o.id, o)).collect())
}

#[tauri::command]
pub async fn rank_need(state: State<'_, App>, id: Uuid) -> AppResult<RankingView> {
    read(&state, |store| {
        let ranking = store.matcher()?.rank(&store.need(id)?, Utc::now())?;
        let (offers, names) = (offers_by_id(store)?, names(store)?);
        Ok(RankingView {
            need: ranking.need,
            places_left: ranking.places_left,
            candidates: ranking.candidates.into_iter().map(|c| CandidateView::new(c, &offers, &names)).collect(),
            excluded: ranking.excluded.into_iter().map(|e| ExcludedView::new(e, &offers, &names)).collect(),
        })
    })
}

#[tauri::command]
pub async fn assign<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, need: Uuid, member: Uuid, offer: Option<Uuid>) -> AppResult<AssignmentView> {
    let assignment = write(&app, &state, |store| store.act(|doc, me, now| doc.assign(me, need, member, offer, "", now)))?;
    read(&state, |store| Ok(AssignmentView::new(assignment, &store.need(need)?, false, &names(store)?)))
}

#[tauri::command]
pub async fn propose_batch(state: State<'_, App>) -> AppResult<BatchView> {
    read(&state, |store| {
        let needs = store.needs(&NeedFilter { active_only: true, ..NeedFilter::default() })?;
        let batch = store.matcher()?.propose(&needs, Utc::now());
        let needs: HashMap<Uuid, _> = needs.into_iter().map(|n| (n.id, n)).collect();
        let (offers, names) = (offers_by_id(store)?, names(store)?);
        let title = |id: &Uuid| needs.get(id).map(|n| n.title.clone()).unwrap_or_default();
        Ok(BatchView {
            proposals: batch
                .proposals
                .into_iter()
                .map(|p| ProposalView {
                    need_title: title(&p.need),
                    need_urgency: needs.get(&p.need).map_or(crdt_core::Urgency::Normal, |n| n.urgency),
                    need: p.need,
                    candidate: CandidateView::new(p.candidate, &offers, &names),
                })
                .collect(),
            total_score: batch.total_score,
            unfilled: batch.unfilled.into_iter().map(|u| UnfilledView { need_title: title(&u.need), need: u.need, places_left: u.places_left }).collect(),
        })
    })
}

/// Applies the proposals an organizer kept (`GroupDoc::apply_proposals`: organizers only, every
/// rule of `assign` checked again), all durable together or none.
#[tauri::command]
pub async fn apply_batch<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, picks: Vec<Pick>) -> AppResult<Vec<AssignmentView>> {
    let proposals: Vec<Proposal> = picks.into_iter().map(Proposal::from).collect();
    let made = write(&app, &state, |store| store.act(|doc, me, now| doc.apply_proposals(me, &proposals, now)))?;
    read(&state, |store| {
        let names = names(store)?;
        made.into_iter().map(|a| Ok(AssignmentView::new(a.clone(), &store.need(a.need)?, false, &names))).collect()
    })
}

#[tauri::command]
pub async fn list_conflicts(state: State<'_, App>) -> AppResult<Vec<Conflict>> {
    service::recount_conflicts(&state, &state.store()?)
}

/// The meeting report over whole days in the group's time zone, laid out for the dashboard and
/// for print: one HTML element in `lang` (English when the UI asks for a language it lacks).
#[tauri::command]
pub async fn meeting_report(state: State<'_, App>, first_day: NaiveDate, last_day: NaiveDate, by: Bucket, lang: String) -> AppResult<String> {
    let shared = state.store()?;
    let conflicts = service::recount_conflicts(&state, &shared)?;
    read(&state, |store| {
        let group = store.group()?;
        let report = store.report(Period::days(first_day, last_day, group.settings.zone())?, by)?;
        let names = names(store)?;
        let meeting = aidmesh_report::Meeting { group: &group.name, first_day, last_day, report: &report, names: &names, conflicts: &conflicts };
        Ok(aidmesh_report::fragment(&meeting, lang.parse().unwrap_or_default()))
    })
}

/// This group's totals for whole days (counts only, signed by this device), written to the
/// downloads folder for the network of chapters.
#[tauri::command]
pub async fn export_totals<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, first_day: NaiveDate, last_day: NaiveDate) -> AppResult<BundleWritten> {
    let bytes = read(&state, |store| Ok(store.totals_file(first_day, last_day)?))?;
    write_download(&app, &state, &format!("aidmesh-totals-{first_day}-{last_day}.json"), &bytes)
}

/// Totals files from other chapters, with this group's own for the same days (unless a file
/// already holds it), side by side and in sum: one HTML element in `lang`.
#[tauri::command]
pub async fn network_report(state: State<'_, App>, files: Vec<Vec<u8>>, lang: String) -> AppResult<String> {
    let mut groups = files.iter().map(|bytes| Ok(GroupTotals::open(bytes)?.0)).collect::<AppResult<Vec<_>>>()?;
    let (first_day, last_day) = groups.first().map(|t| (t.first_day, t.last_day)).ok_or(TotalsError::NoFiles)?;
    let own = read(&state, |store| Ok(store.totals(first_day, last_day)?))?;
    if groups.iter().all(|t| t.group != own.group) {
        groups.push(own);
    }
    Ok(aidmesh_report::network_fragment(&Network::of(groups)?, lang.parse().unwrap_or_default()))
}

/// Changes signed by a member of the group that have no effect: shown to organizers.
#[tauri::command]
pub async fn list_ignored(state: State<'_, App>) -> AppResult<Vec<IgnoredView>> {
    read(&state, |store| {
        let names = names(store)?;
        Ok(store.ignored()?.into_iter().map(|i| IgnoredView::new(i, &names)).collect())
    })
}

#[tauri::command]
pub async fn resolve_conflict<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid, keep: Vec<usize>) -> AppResult<()> {
    service::change(&app, &state, |store| store.act(|doc, me, now| doc.resolve(me, id, &keep, now)))?;
    // The badges must not show the settled conflict when the lists reload.
    service::recount_conflicts(&state, &state.store()?)?;
    service::data_changed(&app, ChangeReason::Local);
    Ok(())
}

/// Assignments that have hours logged (and not voided).
fn assignments_with_hours(store: &Store) -> AppResult<HashSet<Uuid>> {
    Ok(store.ledger(&LedgerFilter::default())?.entries.into_iter().filter(|e| e.status != EntryStatus::Voided).filter_map(|e| e.entry.assignment).collect())
}

#[tauri::command]
pub async fn my_assignments(state: State<'_, App>) -> AppResult<Vec<AssignmentView>> {
    read(&state, |store| {
        let me = store.me()?;
        let (names, logged) = (names(store)?, assignments_with_hours(store)?);
        let mut mine = store
            .assignments(None, Some(me))?
            .into_iter()
            .map(|a| {
                let hours_logged = logged.contains(&a.id);
                Ok(AssignmentView::new(a.clone(), &store.need(a.need)?, hours_logged, &names))
            })
            .collect::<AppResult<Vec<_>>>()?;
        // What still needs doing first, then the newest.
        mine.sort_by_key(|a| (!a.status.is_active(), std::cmp::Reverse(a.updated_at)));
        Ok(mine)
    })
}

#[tauri::command]
pub async fn set_assignment_status<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid, status: AssignmentStatus) -> AppResult<AssignmentView> {
    let a = write(&app, &state, |store| store.act(|doc, me, now| doc.set_assignment_status(me, id, status, now)))?;
    read(&state, |store| {
        let hours_logged = assignments_with_hours(store)?.contains(&a.id);
        Ok(AssignmentView::new(a.clone(), &store.need(a.need)?, hours_logged, &names(store)?))
    })
}

/// A member's id or `group`, as the hours form sends it.
fn parse_party(text: &str) -> AppResult<Party> {
    let unknown = || ValidationError::Unknown { what: Field::To, value: text.to_string(), allowed: "a member or the group".into() };
    Ok(text.parse().map_err(|_| unknown())?)
}

#[tauri::command]
pub async fn log_hours<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, input: NewHoursInput) -> AppResult<HourEntryView> {
    let hours = input.hours.trim().parse::<Hours>()?.check_entry()?;
    let to = parse_party(&input.to)?;
    let entry = write(&app, &state, |store| {
        store.act(|doc, me, now| {
            let new = NewHours { assignment: input.assignment, note: input.note.trim().to_string(), ..NewHours::new(me, to, hours) };
            doc.log_hours(me, new, now)
        })
    })?;
    read(&state, |store| Ok(HourEntryView::of(entry, EntryStatus::Pending, &names(store)?)))
}

/// Entries this member may confirm now (`Store::hours_to_confirm`).
#[tauri::command]
pub async fn hours_to_confirm(state: State<'_, App>) -> AppResult<Vec<HourEntryView>> {
    read(&state, |store| {
        let names = names(store)?;
        Ok(store.hours_to_confirm(store.me()?)?.into_iter().map(|e| HourEntryView::new(e, &names)).collect())
    })
}

fn entry_view(store: &Store, id: Uuid) -> AppResult<HourEntryView> {
    Ok(HourEntryView::new(store.hour_entry(id)?, &names(store)?))
}

#[tauri::command]
pub async fn confirm_hours<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid) -> AppResult<HourEntryView> {
    write(&app, &state, |store| store.act(|doc, me, now| doc.confirm_hours(me, id, now)))?;
    read(&state, |store| entry_view(store, id))
}

#[tauri::command]
pub async fn dispute_hours<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid, reason: String) -> AppResult<HourEntryView> {
    write(&app, &state, |store| store.act(|doc, me, now| doc.dispute_hours(me, id, &reason, now)))?;
    read(&state, |store| entry_view(store, id))
}

#[tauri::command]
pub async fn my_hours(state: State<'_, App>) -> AppResult<MyHours> {
    read(&state, |store| {
        let me = Party::Member(store.me()?);
        let names = names(store)?;
        let statement = store.ledger(&LedgerFilter { party: Some(me), status: None })?.statement(me);
        let balance = store.balances()?.into_iter().find(|b| b.party == me);
        Ok(MyHours {
            given: balance.as_ref().map_or(Hours::ZERO, |b| b.given),
            received: balance.as_ref().map_or(Hours::ZERO, |b| b.received),
            net: balance.as_ref().map_or(Hours::ZERO, |b| b.net),
            opening: statement.opening,
            csv: statement.to_csv(&names),
            lines: statement.lines.into_iter().map(|l| StatementLineView::new(l, &names)).collect(),
        })
    })
}

#[tauri::command]
pub async fn list_members(state: State<'_, App>) -> AppResult<Vec<Member>> {
    read(&state, |store| {
        let mut members = store.members()?;
        members.sort_by_key(|m| (m.removed_at.is_some(), m.display_name.to_lowercase()));
        Ok(members)
    })
}

#[tauri::command]
pub async fn set_member_role<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, id: Uuid, role: Role) -> AppResult<Member> {
    write(&app, &state, |store| store.set_role(id, role))
}

/// An invite carrying where this device listens, so a joining device can sync with it at once.
#[tauri::command]
pub async fn invite(state: State<'_, App>, address: Option<String>) -> AppResult<InviteView> {
    let address = address.filter(|a| !a.trim().is_empty()).or_else(|| reachable_address(&state));
    let invite = read(&state, |store| Ok(store.invite(address)?))?;
    Ok(InviteView { link: invite.to_link(), code: invite.to_code(), qr_svg: invite.qr_svg() })
}

/// Where others can reach this device: the listening address, or this device's first private
/// LAN address when it listens on every interface.
fn reachable_address(state: &App) -> Option<String> {
    let listening = (*lock(&state.listening))?;
    if !listening.ip().is_unspecified() {
        return Some(listening.to_string());
    }
    let lan = if_addrs::get_if_addrs().ok()?.into_iter().map(|i| i.ip()).find(|ip| matches!(ip, IpAddr::V4(v4) if v4.is_private()))?;
    Some(std::net::SocketAddr::new(lan, listening.port()).to_string())
}

#[tauri::command]
pub async fn peers(state: State<'_, App>) -> AppResult<Vec<crdt_core::store::Peer>> {
    read(&state, |store| Ok(store.peers()?))
}

#[tauri::command]
pub async fn nearby(state: State<'_, App>) -> AppResult<Vec<Nearby>> {
    Ok(lock(&state.nearby).iter().map(|(address, seen_at)| Nearby { address: address.clone(), seen_at: *seen_at }).collect())
}

#[tauri::command]
pub async fn sync_with<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, address: String) -> AppResult<Digest> {
    crdt_core::invite::check_address(address.trim()).map_err(AppError::SyncAddress)?;
    service::sync_with(&app, &state.store()?, address.trim()).await
}

/// Writes a sealed bundle of the whole record where the person can find it: the downloads
/// folder, or the app's data folder where there is none.
#[tauri::command]
pub async fn export_bundle<R: Runtime>(app: AppHandle<R>, state: State<'_, App>) -> AppResult<BundleWritten> {
    let bytes = read(&state, |store| Ok(store.export_bundle(None)?))?;
    write_download(&app, &state, &format!("aidmesh-{}.aidmesh", Utc::now().format("%Y%m%d-%H%M%S")), &bytes)
}

/// Writes the group's lists as CSV files (needs, offers, members, hours) into a new folder in
/// the downloads folder; the contact details of the people helped only when asked for, on an
/// organizer's device.
#[tauri::command]
pub async fn export_lists<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, with_contacts: bool) -> AppResult<ListsWritten> {
    let folder = app.path().download_dir().unwrap_or_else(|_| state.data_dir.clone()).join(format!("aidmesh-lists-{}", Utc::now().format("%Y%m%d-%H%M%S%.3f")));
    let written = read(&state, |store| Ok(aidmesh_sheets::write_lists(store, &folder, with_contacts)?))?;
    Ok(ListsWritten { folder: folder.display().to_string(), needs: written.needs, offers: written.offers, members: written.members, hours: written.hours, contacts: written.contacts })
}

/// A blank paper intake sheet (one A4 page, the intake form's fields in order) in `lang`, saved
/// to the downloads folder to open and print.
#[tauri::command]
pub async fn save_intake_sheet<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, lang: String) -> AppResult<BundleWritten> {
    let lang: aidmesh_report::Lang = lang.parse().unwrap_or_default();
    let html = read(&state, |store| {
        let group = store.group()?;
        Ok(aidmesh_report::intake_sheet(&group.name, &group.settings.categories, lang))
    })?;
    write_download(&app, &state, &format!("aidmesh-intake-sheet-{}.html", lang.words().code), html.as_bytes())
}

/// Writes a file for the person to carry or send: in the downloads folder, or the data folder
/// where there is none.
fn write_download<R: Runtime>(app: &AppHandle<R>, state: &App, name: &str, bytes: &[u8]) -> AppResult<BundleWritten> {
    let folder = app.path().download_dir().unwrap_or_else(|_| state.data_dir.clone());
    let path = folder.join(name);
    std::fs::create_dir_all(&folder)
        .and_then(|_| std::fs::write(&path, bytes))
        .map_err(|e| AppError::Io(format!("cannot write {}: {e}", path.display())))?;
    Ok(BundleWritten { path: path.display().to_string(), bytes: bytes.len() })
}

/// A sheet's dry run, by what its rows become.
enum SheetPlan {
    Needs(aidmesh_sheets::Plan),
    Members(aidmesh_sheets::members::MemberPlan),
    Hours(aidmesh_sheets::hours::HoursPlan),
}

/// A sheet as the wizard has mapped it so far: the table, the mapping, the answers, and the dry
/// run into this device's group.
struct SheetImport {
    table: Table,
    mapping: Mapping,
    answers: Answers,
    plan: SheetPlan,
}

impl SheetImport {
    fn summary(&self) -> Summary {
        match &self.plan {
            SheetPlan::Needs(plan) => plan.summary(),
            SheetPlan::Members(plan) => plan.summary(),
            SheetPlan::Hours(plan) => plan.summary(),
        }
    }
}

fn plan_import(state: &App, bytes: &[u8], choices: &ImportChoices) -> AppResult<SheetImport> {
    // TimeOverflow's transfers file has no header row; its columns are fixed.
    let table = Table::read(bytes, choices.kind != ImportKind::Hours)?;
    let preset = match (&choices.preset, choices.kind) {
        (Some(name), ImportKind::Needs) => Presets::in_data_dir(&state.data_dir).load(name)?,
        _ => Preset::default(),
    };
    let mut mapping = match choices.kind {
        ImportKind::Needs => preset.mapping(&table.headers),
        ImportKind::Members => Mapping::suggest_members(&table.headers),
        ImportKind::Hours => Mapping { columns: Vec::new() },
    };
    for (column, target) in &choices.columns {
        mapping.set_column(*column as usize, *target)?;
    }
    let answers = choices.answers(preset.values, preset.channel)?;
    let plan = read(state, |store| {
        Ok(match choices.kind {
            ImportKind::Needs => SheetPlan::Needs(aidmesh_sheets::needs::plan_into(store, &table, &mapping, &answers)?),
            ImportKind::Members => SheetPlan::Members(aidmesh_sheets::members::plan_into(store, &table, &mapping, &answers)?),
            ImportKind::Hours => SheetPlan::Hours(aidmesh_sheets::hours::plan_into(store, &table)?),
        })
    })?;
    Ok(SheetImport { table, mapping, answers, plan })
}

/// The dry run of importing a sheet (`bytes`: the file as it is) with the person's choices so
/// far. Nothing is written.
#[tauri::command]
pub async fn preview_import(state: State<'_, App>, bytes: Vec<u8>, choices: ImportChoices) -> AppResult<ImportPreview> {
    let import = plan_import(&state, &bytes, &choices)?;
    Ok(ImportPreview::new(&import.table, &import.mapping, import.summary()))
}

/// Imports the sheet in one durable write if its dry run is ready (no errors, no questions),
/// else writes nothing. Tells how far a sheet of requests has got with `import-progress` events.
#[tauri::command]
pub async fn apply_import<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, bytes: Vec<u8>, choices: ImportChoices) -> AppResult<Imported> {
    let import = plan_import(&state, &bytes, &choices)?;
    if !import.summary().is_ready() {
        return Err(ImportError::NotReady.into());
    }
    // A preset is kept for sheets of requests; its name is checked before anything is written.
    let save_as = choices.save_preset.as_deref().map(str::trim).filter(|n| choices.kind == ImportKind::Needs && !n.is_empty());
    if let Some(name) = save_as {
        Presets::check_name(name)?;
    }
    let progress = |p: ImportProgress| {
        if let ImportProgress::Sealing { done, of } = p {
            let _ = app.emit(service::IMPORT_PROGRESS, ImportProgressEvent { done, of });
        }
    };
    let imported = write(&app, &state, |store| match import.plan {
        SheetPlan::Needs(plan) => store.import_needs(plan.into_needs(), progress),
        SheetPlan::Members(plan) => plan.apply(store),
        SheetPlan::Hours(plan) => plan.apply(store),
    })?;
    if let Some(name) = save_as {
        let preset = Preset::saved(&import.mapping, &import.answers.values, import.answers.default_channel);
        // The rows are in either way: a preset that could not be saved is a warning, not a failure.
        if let Err(e) = Presets::in_data_dir(&state.data_dir).save(name, &preset) {
            let _ = app.emit(service::WARNING, AppError::from(e).body());
        }
    }
    Ok(imported)
}

/// The presets an import can start from: the built-in ones, then those saved on this device.
#[tauri::command]
pub async fn import_presets(state: State<'_, App>) -> AppResult<Vec<String>> {
    Ok(Presets::in_data_dir(&state.data_dir).names())
}

#[tauri::command]
pub async fn import_bundle<R: Runtime>(app: AppHandle<R>, state: State<'_, App>, bytes: Vec<u8>) -> AppResult<Digest> {
    let digest = service::change(&app, &state, |store| store.import_bundle(&bytes))?;
    service::report_digest(&app, &state.store()?, ChangeReason::Bundle, "bundle", None, &digest);
    Ok(digest)
}
