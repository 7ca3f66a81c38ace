//! What crosses the IPC edge. Records are flattened with the names a screen shows (members by
//! name, a need's title beside its assignment), so the UI never joins records itself. Every type
//! here derives `TS`: the UI's types are generated from them (`contract.rs`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use crdt_core::{
    parse_deadline, Assignment, Attempt, Channel, AssignmentStatus, Availability, Candidate, Category, Collection, Conflict, Contact, EntryStatus, Excluded,
    Exclusion, Group, HistoryEntry, HourEntry, Hours, Ignored, LedgerEntry, Member, Names, Need, NeedStatus, NewNeed, NewOffer, Offer, OfferKind, OfferStatus,
    Party, Proposal, Purged, Reason, Referral, RenewalPreview, Role, StatementLine, Store, Urgency, Uuid, WeeklySlot,
};
use aidmesh_sheets::{Answers, DateOrder, ImportError, Mapping, Summary, Table, Target, Values};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::AppError;

#[derive(Serialize, TS)]
pub struct GroupInfo {
    pub id: Uuid,
    pub name: String,
    /// Area names the group uses, sorted; empty means any name is accepted.
    pub areas: Vec<String>,
    pub categories: Vec<Category>,
    /// Days after a need closes that its contact details are deleted.
    pub expiry_days: u32,
    /// Days past 'needed by' that an open need waits before it expires.
    pub grace_days: u32,
    /// Where the group is (an IANA name such as `Europe/Madrid`): a date typed alone means the
    /// end of that day there.
    pub time_zone: String,
    /// Months between renewals of the group's record; 0: only when an organizer asks.
    pub renew_every_months: u32,
}

impl From<Group> for GroupInfo {
    fn from(group: Group) -> Self {
        GroupInfo {
            id: group.id,
            name: group.name,
            areas: group.settings.areas.into_keys().collect(),
            categories: group.settings.categories,
            expiry_days: group.settings.expiry_days,
            grace_days: group.settings.grace_days,
            time_zone: group.settings.time_zone,
            renew_every_months: group.settings.renew_every_months,
        }
    }
}

/// `new`: no group on this device yet (first run). `locked`: the device's encrypted database
/// exists and needs its passphrase (`unlock`). `waiting`: joined by invite, no record yet (needs
/// a first sync or bundle). `ready`: normal use.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    New,
    Locked,
    Waiting,
    Ready,
}

/// Whether this device looks for members nearby (`AIDMESH_DISCOVERY`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "DiscoveryMode")]
pub enum Discovery {
    Off,
    Loopback,
    Lan,
}

impl From<aidmesh_net::DiscoveryMode> for Discovery {
    fn from(mode: aidmesh_net::DiscoveryMode) -> Self {
        match mode {
            aidmesh_net::DiscoveryMode::Off => Discovery::Off,
            aidmesh_net::DiscoveryMode::Loopback => Discovery::Loopback,
            aidmesh_net::DiscoveryMode::Lan => Discovery::Lan,
        }
    }
}

#[derive(Serialize, TS)]
pub struct Status {
    pub state: DeviceState,
    /// Whether creating, joining or unlocking needs a passphrase typed (none is when the
    /// environment gives it).
    pub asks_passphrase: bool,
    pub group: Option<GroupInfo>,
    pub me: Option<Member>,
    pub device_id: Option<String>,
    /// Where this device accepts syncs, e.g. "192.168.1.20:7370"; null while not listening.
    pub listening: Option<String>,
    pub discovery: Discovery,
    /// When the group's record is next due for renewal, by its schedule; null with none.
    pub renewal_due_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, TS)]
pub struct NeedSummary {
    pub id: Uuid,
    pub title: String,
    pub category: Category,
    pub urgency: Urgency,
    pub area: String,
    pub status: NeedStatus,
    pub volunteers_needed: u32,
    /// Places held or filled (`AssignmentStatus::fills_need`).
    pub filled: u32,
    pub created_at: DateTime<Utc>,
    pub needed_by: Option<DateTime<Utc>>,
    pub created_by_name: String,
    /// Open conflicts about this need.
    pub conflicts: usize,
    /// Where it was sent, and how far it has come there.
    pub referral: Option<Referral>,
    /// The group that sent it here.
    pub referred_from: Option<String>,
}

impl NeedSummary {
    pub fn new(need: Need, filled: u32, conflicts: usize, names: &Names) -> Self {
        NeedSummary {
            created_by_name: need.posted_by(names),
            id: need.id,
            title: need.title,
            category: need.category,
            urgency: need.urgency,
            area: need.area,
            status: need.status,
            volunteers_needed: need.volunteers_needed,
            filled,
            created_at: need.created_at,
            needed_by: need.needed_by,
            conflicts,
            referral: need.referral,
            referred_from: need.referred_from.map(|from| from.group_name),
        }
    }
}

/// A group on this device, as the group switcher shows it.
#[derive(Serialize, TS)]
pub struct GroupSummary {
    pub id: Uuid,
    /// `None` for a group joined but not synced yet.
    pub name: Option<String>,
    /// The group on screen.
    pub current: bool,
    /// Records other devices brought since it was last on screen.
    pub unread: usize,
    /// Conflicts waiting for an organizer (counted for organizers only).
    pub conflicts: usize,
    /// Its areas, for where a need referred to it goes.
    pub areas: Vec<String>,
}

impl GroupSummary {
    pub fn of(store: &mut Store, current: bool, unread: usize) -> crate::error::AppResult<GroupSummary> {
        let id = store.group_id();
        let Ok(group) = store.group() else {
            return Ok(GroupSummary { id, name: None, current, unread, conflicts: 0, areas: Vec::new() });
        };
        let me = store.me().ok();
        let organizer = store.members()?.iter().any(|m| Some(m.id) == me && m.role == Role::Organizer);
        let conflicts = if organizer { store.conflicts()?.len() } else { 0 };
        Ok(GroupSummary { id, name: Some(group.name), current, unread, conflicts, areas: group.settings.areas.into_keys().collect() })
    }
}

#[derive(Serialize, TS)]
pub struct NeedDetail {
    /// With its sealed contact details left out: who may open them is the privacy layer's call.
    pub need: Need,
    pub created_by_name: String,
    /// Places held or filled, as the needs list counts them.
    pub filled: u32,
    pub assignments: Vec<AssignmentView>,
    pub history: Vec<HistoryEntry>,
    pub conflicts: Vec<Conflict>,
    pub contact: ContactState,
}

/// Whether this device can show the need's contact details, and if not, why; the details
/// themselves come only when asked for (`need_contact`).
#[derive(Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ContactState {
    None,
    Readable,
    NotYours,
    Forgotten,
    Expired,
}

impl ContactState {
    pub fn of(result: crdt_core::Result<crdt_core::Contact>) -> ContactState {
        use crdt_core::Error;
        match result {
            Ok(_) => ContactState::Readable,
            Err(Error::ContactGone(_)) => ContactState::Forgotten,
            Err(Error::ContactExpired { .. }) => ContactState::Expired,
            Err(Error::NoContact) => ContactState::None,
            Err(_) => ContactState::NotYours,
        }
    }
}

#[derive(Serialize, TS)]
pub struct AssignmentView {
    pub id: Uuid,
    pub need: Uuid,
    pub need_title: String,
    pub need_area: String,
    pub need_urgency: Urgency,
    pub volunteer: Uuid,
    pub volunteer_name: String,
    pub offer: Option<Uuid>,
    pub assigned_by_name: String,
    pub status: AssignmentStatus,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Hours already logged for it (any status but voided).
    pub hours_logged: bool,
}

impl AssignmentView {
    pub fn new(a: Assignment, need: &Need, hours_logged: bool, names: &Names) -> Self {
        AssignmentView {
            id: a.id,
            need: a.need,
            need_title: need.title.clone(),
            need_area: need.area.clone(),
            need_urgency: need.urgency,
            volunteer: a.volunteer,
            volunteer_name: names.of(a.volunteer),
            offer: a.offer,
            assigned_by_name: names.of(a.assigned_by),
            status: a.status,
            note: a.note,
            created_at: a.created_at,
            updated_at: a.updated_at,
            hours_logged,
        }
    }
}

#[derive(Serialize, TS)]
pub struct AvailabilityView {
    /// Weekly slots like "mon 09:00-12:00".
    pub weekly: Vec<String>,
    pub dates: Vec<NaiveDate>,
}

#[derive(Serialize, TS)]
pub struct OfferView {
    pub id: Uuid,
    pub member: Uuid,
    pub member_name: String,
    pub what: String,
    pub categories: Vec<Category>,
    pub kind: OfferKind,
    pub area: String,
    pub availability: AvailabilityView,
    pub capacity: u32,
    pub languages: Vec<String>,
    pub inexhaustible: bool,
    pub status: OfferStatus,
    /// Open (proposed or accepted) assignments through this offer.
    pub open_assignments: u32,
    pub created_at: DateTime<Utc>,
}

impl OfferView {
    pub fn new(o: Offer, open_assignments: u32, names: &Names) -> Self {
        OfferView {
            member_name: names.of(o.member),
            id: o.id,
            member: o.member,
            what: o.what,
            categories: o.categories,
            kind: o.kind,
            area: o.area,
            availability: AvailabilityView { weekly: o.availability.weekly.iter().map(ToString::to_string).collect(), dates: o.availability.dates },
            capacity: o.capacity,
            languages: o.languages,
            inexhaustible: o.inexhaustible,
            status: o.status,
            open_assignments,
            created_at: o.created_at,
        }
    }
}

/// One fact behind a score: `rule` picks the sentence, the other keys fill it in; `text` is the
/// core's English sentence.
#[derive(Serialize, TS)]
pub struct ReasonView {
    #[serde(flatten)]
    pub reason: Reason,
    pub points: u32,
    pub text: String,
}

impl From<Reason> for ReasonView {
    fn from(reason: Reason) -> Self {
        ReasonView { points: reason.points(), text: reason.to_string(), reason }
    }
}

/// Why an offer is left out: `type` picks the sentence; `text` is the core's English sentence.
#[derive(Serialize, TS)]
pub struct ExclusionView {
    #[serde(flatten)]
    pub why: Exclusion,
    pub text: String,
}

/// A candidate with who and what it is.
#[derive(Serialize, TS)]
pub struct CandidateView {
    pub offer: Uuid,
    pub member: Uuid,
    pub member_name: String,
    pub offer_what: String,
    pub score: u32,
    pub reasons: Vec<ReasonView>,
}

impl CandidateView {
    pub fn new(c: Candidate, offers: &HashMap<Uuid, Offer>, names: &Names) -> Self {
        CandidateView {
            member_name: names.of(c.member),
            offer_what: offers.get(&c.offer).map(|o| o.what.clone()).unwrap_or_default(),
            offer: c.offer,
            member: c.member,
            score: c.score,
            reasons: c.reasons.into_iter().map(ReasonView::from).collect(),
        }
    }
}

#[derive(Serialize, TS)]
pub struct ExcludedView {
    pub offer: Uuid,
    pub member: Uuid,
    pub member_name: String,
    pub offer_what: String,
    pub why: ExclusionView,
}

impl ExcludedView {
    pub fn new(e: Excluded, offers: &HashMap<Uuid, Offer>, names: &Names) -> Self {
        ExcludedView {
            member_name: names.of(e.member),
            offer_what: offers.get(&e.offer).map(|o| o.what.clone()).unwrap_or_default(),
            offer: e.offer,
            member: e.member,
            why: ExclusionView { text: e.why.to_string(), why: e.why },
        }
    }
}

#[derive(Serialize, TS)]
pub struct RankingView {
    pub need: Uuid,
    pub places_left: u32,
    pub candidates: Vec<CandidateView>,
    pub excluded: Vec<ExcludedView>,
}

#[derive(Serialize, TS)]
pub struct ProposalView {
    pub need: Uuid,
    pub need_title: String,
    pub need_urgency: Urgency,
    #[serde(flatten)]
    pub candidate: CandidateView,
}

#[derive(Serialize, TS)]
pub struct UnfilledView {
    pub need: Uuid,
    pub need_title: String,
    pub places_left: u32,
}

#[derive(Serialize, TS)]
pub struct BatchView {
    pub proposals: Vec<ProposalView>,
    pub total_score: u64,
    pub unfilled: Vec<UnfilledView>,
}

/// One proposal an organizer kept.
#[derive(Deserialize, TS)]
pub struct Pick {
    pub need: Uuid,
    pub member: Uuid,
    pub offer: Uuid,
}

impl From<Pick> for Proposal {
    /// A kept proposal, to apply: applying checks every rule again, so its score and reasons
    /// (which only explained it) are not needed.
    fn from(pick: Pick) -> Self {
        Proposal { need: pick.need, candidate: Candidate { offer: pick.offer, member: pick.member, score: 0, reasons: Vec::new() } }
    }
}

#[derive(Serialize, TS)]
pub struct HourEntryView {
    pub id: Uuid,
    pub from: Uuid,
    pub from_name: String,
    /// A member id, or "group".
    pub to: Party,
    pub to_name: String,
    pub hours: Hours,
    pub assignment: Option<Uuid>,
    pub category: Option<Category>,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub status: EntryStatus,
}

impl HourEntryView {
    pub fn new(LedgerEntry { entry, status }: LedgerEntry, names: &Names) -> Self {
        Self::of(entry, status, names)
    }

    pub fn of(entry: HourEntry, status: EntryStatus, names: &Names) -> Self {
        HourEntryView {
            from_name: names.of(entry.from),
            to_name: names.party(entry.to),
            id: entry.id,
            from: entry.from,
            to: entry.to,
            hours: entry.hours,
            assignment: entry.assignment,
            category: entry.category,
            note: entry.note,
            created_at: entry.created_at,
            status,
        }
    }
}

#[derive(Serialize, TS)]
pub struct StatementLineView {
    pub entry: Uuid,
    pub at: DateTime<Utc>,
    pub with: Party,
    pub with_name: String,
    /// Positive: hours earned (given help); negative: hours spent (received help).
    pub hours: Hours,
    pub status: EntryStatus,
    pub balance: Hours,
    pub category: Option<Category>,
    pub note: String,
}

impl StatementLineView {
    pub fn new(line: StatementLine, names: &Names) -> Self {
        StatementLineView {
            with_name: names.party(line.with),
            entry: line.entry,
            at: line.at,
            with: line.with,
            hours: line.hours,
            status: line.status,
            balance: line.balance,
            category: line.category,
            note: line.note,
        }
    }
}

#[derive(Serialize, TS)]
pub struct MyHours {
    pub given: Hours,
    pub received: Hours,
    pub net: Hours,
    /// The balance carried over when the group's record was last renewed (before the first line).
    pub opening: Hours,
    pub lines: Vec<StatementLineView>,
    /// The statement as the CLI writes it (`Statement::to_csv`).
    pub csv: String,
}

#[derive(Serialize, TS)]
pub struct InviteView {
    pub link: String,
    pub code: String,
    pub qr_svg: String,
}

#[derive(Serialize, Clone, TS)]
pub struct Nearby {
    pub address: String,
    pub seen_at: DateTime<Utc>,
}

/// One free-text field of one need or offer to leave out of the renewed record. Which fields
/// can be is `PURGEABLE_FIELDS` in the contract (`Purged::FIELDS`); renewing checks it.
#[derive(Clone, Serialize, Deserialize, TS)]
pub struct Purge {
    pub collection: Collection,
    pub record: Uuid,
    pub field: String,
}

impl From<Purge> for Purged {
    fn from(purge: Purge) -> Self {
        Purged { collection: purge.collection, record: purge.record.to_string(), field: purge.field }
    }
}

/// A purge with the text it leaves out, as it reads now.
#[derive(Serialize, TS)]
pub struct PurgedText {
    pub purge: Purge,
    pub text: String,
}

/// What renewing the record now would do (`Store::renewal_preview`), for the organizer to see
/// before renewing.
#[derive(Serialize, TS)]
pub struct RenewalPreviewView {
    /// The members, needs and offers the new record starts with.
    pub members: usize,
    pub needs: usize,
    pub offers: usize,
    /// What stays in the archive on this device: closed needs (with their assignments),
    /// withdrawn offers, and the changes of the record's history.
    pub needs_archived: usize,
    pub offers_archived: usize,
    /// Settled hour entries; each member's balance carries over.
    pub hours_archived: usize,
    pub history_changes: usize,
    /// Renewing waits until these are decided.
    pub conflicts_open: usize,
}

impl From<RenewalPreview> for RenewalPreviewView {
    fn from(preview: RenewalPreview) -> Self {
        RenewalPreviewView {
            members: preview.members,
            needs: preview.needs,
            offers: preview.offers,
            needs_archived: preview.needs_archived,
            offers_archived: preview.offers_archived,
            hours_archived: preview.hours_archived,
            history_changes: preview.history_changes,
            conflicts_open: preview.conflicts_open,
        }
    }
}

/// The older records of the group this device keeps since a renewal, for devices that have not
/// moved over yet.
#[derive(Serialize, TS)]
pub struct ArchiveView {
    pub archived: usize,
}

/// What the rows of a sheet become.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Requests (needs), with the contact details sealed.
    #[default]
    Needs,
    /// Volunteers: members, and offers of the ways they help.
    Members,
    /// A TimeOverflow transfers file (no header row): hour entries between members imported
    /// from its volunteer sheet.
    Hours,
}

/// What the person importing a sheet has chosen so far, beyond the file itself.
#[derive(Deserialize, TS, Default)]
#[serde(default)]
pub struct ImportChoices {
    pub kind: ImportKind,
    /// A built-in or saved preset to start from (sheets of requests).
    pub preset: Option<String>,
    /// Columns set by the person, over the preset and the suggestion: the column's place in the
    /// file (from 0; headers may repeat or be blank) → what it holds.
    pub columns: Vec<(u32, Target)>,
    /// What the values the import asked about mean.
    pub values: Vec<ValueMeaning>,
    /// Whether dates like 3/4/2024 read day first (the import asks when the file does not show).
    pub day_first: Option<bool>,
    /// The area of rows that name none.
    pub default_area: Option<String>,
    /// How the rows that do not say came in.
    pub default_channel: Option<Channel>,
    /// Title or description columns kept public although they look like they hold contacts.
    pub keep_public: Vec<String>,
    /// Rows with a phone number the group has: import them anyway, or leave them out.
    pub import_duplicates: Option<bool>,
    /// Save the mapping and the meanings under this name once the import is applied.
    pub save_preset: Option<String>,
}

impl ImportChoices {
    pub fn answers(&self, preset_values: Values, preset_channel: Option<Channel>) -> Result<Answers, ImportError> {
        let mut answers = Answers {
            values: preset_values,
            dates: self.day_first.map(|day_first| if day_first { DateOrder::DayFirst } else { DateOrder::MonthFirst }),
            default_area: self.default_area.clone().filter(|a| !a.trim().is_empty()),
            default_channel: self.default_channel.or(preset_channel),
            keep_public: self.keep_public.clone(),
            import_duplicates: self.import_duplicates,
        };
        for v in &self.values {
            answers.values.answer(v.target, &v.value, &v.meaning)?;
        }
        Ok(answers)
    }
}

/// "`value` in a `target` column means `meaning`" (a category, urgency, status, channel, yes or
/// no, or one of the group's areas; "skip" leaves a category, or a row for a status, out).
#[derive(Deserialize, TS)]
pub struct ValueMeaning {
    pub target: Target,
    pub value: String,
    pub meaning: String,
}

#[derive(Serialize, TS)]
pub struct ImportColumn {
    pub header: String,
    pub target: Target,
    /// Whether its cells go only into the sealed contact details.
    pub sealed: bool,
    /// The first few cells with something in them, to recognise the column by.
    pub samples: Vec<String>,
}

/// The dry run of a sheet: what importing it would do. Nothing has been written.
#[derive(Serialize, TS)]
pub struct ImportPreview {
    pub encoding: String,
    /// `,`, `;` or `tab`.
    pub delimiter: String,
    pub rows: usize,
    pub columns: Vec<ImportColumn>,
    #[serde(flatten)]
    #[ts(flatten)]
    pub found: Summary,
    /// Whether applying would write exactly this: no errors and no questions left.
    pub ready: bool,
}

impl ImportPreview {
    pub fn new(table: &Table, mapping: &Mapping, found: Summary) -> ImportPreview {
        const SAMPLES: usize = 3;
        let columns = mapping
            .columns
            .iter()
            .enumerate()
            .map(|(i, (header, target))| {
                let cells = table.rows.iter().map(|row| row.cell(i).trim()).filter(|cell| !cell.is_empty());
                let samples = cells.take(SAMPLES).map(|cell| cell.chars().take(60).collect()).collect();
                ImportColumn { header: header.clone(), target: *target, sealed: target.is_sealed(), samples }
            })
            .collect();
        let delimiter = if table.delimiter == '\t' { "tab".to_string() } else { table.delimiter.to_string() };
        let (encoding, rows, ready) = (table.encoding.to_string(), table.rows.len(), found.is_ready());
        ImportPreview { encoding, delimiter, rows, columns, found, ready }
    }
}

/// How far an import being applied has got (rows checked and sealed, of all).
#[derive(Serialize, Clone, TS)]
pub struct ImportProgressEvent {
    pub done: usize,
    pub of: usize,
}

/// Where the lists were written as CSV, and how many of each.
#[derive(Serialize, TS)]
pub struct ListsWritten {
    pub folder: String,
    pub needs: usize,
    pub offers: usize,
    pub members: usize,
    pub hours: usize,
    /// People whose contact details are in the files in clear text.
    pub contacts: usize,
}

#[derive(Serialize, TS)]
pub struct BundleWritten {
    pub path: String,
    pub bytes: usize,
}

#[derive(Deserialize, TS)]
pub struct NewNeedInput {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub urgency: Urgency,
    pub area: String,
    /// A date as a date input writes it (`2026-12-01`: by the end of that day in the group's time
    /// zone), or an RFC 3339 time.
    pub needed_by: Option<String>,
    pub volunteers_needed: u32,
    pub household_size: Option<u32>,
    pub languages: Vec<String>,
    pub recurring: bool,
    /// How the request came in (an intake by phone, text, paper…); none when posted in the app
    /// by the person who needs it.
    pub channel: Option<Channel>,
    /// The person did not consent to the assigned volunteers seeing their contact details.
    pub contact_organizers_only: bool,
    /// The contact details of the person asking, sealed with the need (empty: none).
    pub contact: Contact,
}

impl NewNeedInput {
    /// The need to add and the contact details to seal with it; a date alone is read in the
    /// group's time zone `zone`.
    pub fn into_new_need(self, zone: Tz) -> Result<(NewNeed, Contact), AppError> {
        let needed_by = self.needed_by.as_deref().filter(|s| !s.trim().is_empty()).map(|text| parse_deadline(text, zone)).transpose()?;
        let contact = Contact {
            name: self.contact.name.trim().to_string(),
            phone: self.contact.phone.trim().to_string(),
            email: self.contact.email.trim().to_string(),
            address: self.contact.address.trim().to_string(),
            notes: self.contact.notes.trim().to_string(),
        };
        let need = NewNeed {
            description: self.description.trim().to_string(),
            coords: None,
            needed_by,
            window_start: None,
            languages: clean_list(self.languages),
            household_size: self.household_size,
            recurring: self.recurring,
            volunteers_needed: self.volunteers_needed,
            channel: self.channel,
            contact_organizers_only: self.contact_organizers_only,
            ..NewNeed::new(self.title.trim(), self.category, self.urgency, self.area.trim())
        };
        Ok((need, contact))
    }
}

#[derive(Deserialize, TS)]
pub struct NewOfferInput {
    pub what: String,
    pub categories: Vec<Category>,
    pub kind: OfferKind,
    pub area: String,
    pub capacity: u32,
    pub languages: Vec<String>,
    /// Weekly slots like "mon 09:00-12:00".
    pub weekly: Vec<String>,
    pub inexhaustible: bool,
}

impl NewOfferInput {
    pub fn into_new_offer(self, member: Uuid) -> Result<NewOffer, AppError> {
        let weekly = self.weekly.iter().filter(|s| !s.trim().is_empty()).map(|s| s.parse::<WeeklySlot>()).collect::<Result<Vec<_>, _>>()?;
        Ok(NewOffer {
            availability: Availability { weekly, dates: Vec::new() },
            capacity: self.capacity,
            languages: clean_list(self.languages),
            inexhaustible: self.inexhaustible,
            ..NewOffer::new(member, self.what.trim(), self.categories, self.kind, self.area.trim())
        })
    }
}

/// Filters for the needs list; a missing one means any.
#[derive(Deserialize, TS)]
#[ts(optional_fields = nullable)]
pub struct NeedFilterInput {
    pub status: Option<NeedStatus>,
    /// Only needs still taking volunteers (`NeedStatus::takes_assignments`).
    pub active_only: Option<bool>,
    pub category: Option<Category>,
    pub urgency: Option<Urgency>,
    pub area: Option<String>,
    pub search: Option<String>,
}

#[derive(Deserialize, TS)]
pub struct NewHoursInput {
    pub assignment: Option<Uuid>,
    /// A member id, or "group".
    pub to: String,
    /// As typed: "1.5", "0.25".
    pub hours: String,
    pub note: String,
}

/// "Spanish, , english " → ["Spanish", "english"].
fn clean_list(items: Vec<String>) -> Vec<String> {
    items.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need_by(date: &str) -> NewNeedInput {
        NewNeedInput {
            title: "Groceries".into(),
            description: String::new(),
            category: Category::Groceries,
            urgency: Urgency::Normal,
            area: "Riverside".into(),
            needed_by: Some(date.into()),
            volunteers_needed: 1,
            household_size: None,
            languages: Vec::new(),
            recurring: false,
            channel: None,
            contact_organizers_only: false,
            contact: Contact::default(),
        }
    }

    /// The app reads a date as the CLI and the core do: the end of that day where the group is.
    #[test]
    fn a_date_means_the_end_of_that_day_in_the_groups_time_zone() {
        let madrid = crdt_core::parse_time_zone("Europe/Madrid").unwrap();
        let (need, _) = need_by("2026-12-01").into_new_need(madrid).unwrap();
        assert_eq!(need.needed_by.unwrap().to_rfc3339(), "2026-12-01T22:59:59+00:00");
        assert_eq!(need.needed_by, Some(parse_deadline("2026-12-01", madrid).unwrap()));
        let (utc, _) = need_by("2026-12-01").into_new_need(chrono_tz::UTC).unwrap();
        assert_eq!(utc.needed_by.unwrap().to_rfc3339(), "2026-12-01T23:59:59+00:00");
        let error = serde_json::to_value(need_by("1 Dec").into_new_need(madrid).unwrap_err()).unwrap();
        assert_eq!((error["code"].as_str(), error["field"].as_str()), (Some("bad_date"), Some("needed_by")));
    }
}

/// A change that has no effect because its author had no right to it, as organizers read it.
#[derive(Serialize, TS)]
pub struct IgnoredView {
    pub change: String,
    pub attempt: Attempt,
    /// Who tried it; `None` for a device that writes for nobody in the group.
    pub by_name: Option<String>,
    /// The member whose record it concerned, if any.
    pub target_name: Option<String>,
    /// The record was the author's own (their own role, their own devices).
    pub own: bool,
    pub at: DateTime<Utc>,
}

impl IgnoredView {
    pub fn new(ignored: Ignored, names: &Names) -> Self {
        let target = ignored.record.as_deref().and_then(|r| r.parse::<Uuid>().ok()).filter(|_| !matches!(ignored.attempt, Attempt::Hours | Attempt::Resolution));
        IgnoredView {
            change: ignored.change,
            attempt: ignored.attempt,
            by_name: ignored.member.map(|m| names.of(m)),
            target_name: target.map(|t| names.of(t)),
            own: target.is_some() && target == ignored.member,
            at: ignored.at,
        }
    }
}
