//! Plain-text views for people at a terminal: short ids, names instead of uuids, waiting times.

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use crdt_core::*;
use serde::Serialize;
use serde_json::Value as Json;
use uuid::Uuid;

/// How records are shown to people: members by name, ids by their shortest unique end.
pub struct Labels {
    pub names: Names,
    short: HashMap<Uuid, String>,
}

impl Labels {
    pub fn of(store: &Store) -> crdt_core::Result<Self> {
        let names = Names::new(&store.members()?);
        let mut short = HashMap::new();
        for collection in [Collection::Members, Collection::Needs, Collection::Offers, Collection::Assignments, Collection::HourEntries] {
            abbreviate(&store.ids(collection)?, &mut short);
        }
        Ok(Labels { names, short })
    }

    pub fn short(&self, id: Uuid) -> String {
        self.short.get(&id).cloned().unwrap_or_else(|| short_id(id))
    }

    fn name(&self, id: Uuid) -> String {
        self.names.of(id)
    }

    pub fn party(&self, party: Party) -> String {
        self.names.party(party)
    }
}

/// The shortest end of each id, at least the 8 hex digits of `short_id`, that no other id in the
/// collection ends with. Those digits are random, so 8 almost always do; any end of an id finds it.
fn abbreviate(ids: &[Uuid], out: &mut HashMap<Uuid, String>) {
    let mut reversed: Vec<(String, Uuid)> = ids.iter().map(|id| (id.simple().to_string().chars().rev().collect(), *id)).collect();
    reversed.sort();
    let common = |a: &str, b: &str| a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    for (i, (text, id)) in reversed.iter().enumerate() {
        let before = i.checked_sub(1).map_or(0, |j| common(text, &reversed[j].0));
        let after = reversed.get(i + 1).map_or(0, |next| common(text, &next.0));
        let len = (before.max(after) + 1).clamp(8, text.len());
        out.insert(*id, text[..len].chars().rev().collect());
    }
}

fn conflict_short(id: Uuid) -> String {
    id.to_string()[..8].to_string()
}

#[derive(Serialize)]
pub struct Counts {
    members: usize,
    open_needs: usize,
    needs: usize,
    active_offers: usize,
    invalid_records: usize,
}

impl Counts {
    pub fn of(store: &Store) -> crdt_core::Result<Self> {
        let needs = store.needs(&NeedFilter::default())?;
        Ok(Counts {
            members: store.members()?.len(),
            open_needs: needs.iter().filter(|n| n.status == NeedStatus::Open).count(),
            needs: needs.len(),
            active_offers: store.offers(&OfferFilter { status: Some(OfferStatus::Active), ..Default::default() })?.len(),
            invalid_records: store.invalid_records()?.len(),
        })
    }
}

pub fn groups(groups: &[GroupOnDevice]) -> String {
    if groups.is_empty() {
        return "This device is in no group yet: start one with `aidmesh init` or join one with `aidmesh join`.".into();
    }
    let mut text = format!("This device is in {} group{}:", groups.len(), if groups.len() == 1 { "" } else { "s" });
    for group in groups {
        text.push_str(&format!("\n  {}", group.label()));
    }
    text
}

pub fn group(group: &Group, counts: &Counts) -> String {
    let mut text = format!(
        "{}\n  members: {}\n  needs: {} ({} open)\n  active offers: {}\n  areas: {}",
        group.name,
        counts.members,
        counts.needs,
        counts.open_needs,
        counts.active_offers,
        if group.settings.areas.is_empty() { "none yet (any area name is accepted)".into() } else { group.settings.areas.keys().cloned().collect::<Vec<_>>().join(", ") },
    );
    if counts.invalid_records > 0 {
        let _ = write!(text, "\n  {} record(s) received from other devices could not be read", counts.invalid_records);
    }
    text
}

pub fn areas(group: &Group) -> String {
    if group.settings.areas.is_empty() {
        return "No areas yet. Add one with `aidmesh area add NAME --next-to OTHER`.".into();
    }
    adjacency(group)
        .into_iter()
        .map(|(name, next)| if next.is_empty() { name } else { format!("{name} (next to {})", next.join(", ")) })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each area with the areas next to it (in either direction).
pub fn adjacency(group: &Group) -> std::collections::BTreeMap<String, Vec<String>> {
    group.settings.areas.keys().map(|name| (name.clone(), group.settings.neighbours(name))).collect()
}

/// "3d", "5h", "12m": how long someone has been waiting.
fn waited(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - since).num_minutes().max(0);
    match minutes {
        m if m >= 2 * 24 * 60 => format!("{}d", m / (24 * 60)),
        m if m >= 60 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

pub fn needs(needs: &[Need], labels: &Labels, now: DateTime<Utc>) -> String {
    if needs.is_empty() {
        return "No needs match. Post one with `aidmesh need add`.".into();
    }
    let mut text = format!("{:<13}  {:<8}  {:<11}  {:<11}  {:<12}  {:<16}  {:>6}  TITLE", "ID", "URGENCY", "STATUS", "CATEGORY", "AREA", "NEEDED BY", "WAITED");
    for need in needs {
        let needed_by = need.needed_by.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "-".into());
        let _ = write!(
            text,
            "\n{:<13}  {:<8}  {:<11}  {:<11}  {:<12}  {:<16}  {:>6}  {}",
            labels.short(need.id),
            need.urgency,
            need.status,
            need.category,
            need.area,
            needed_by,
            waited(need.created_at, now),
            need.title
        );
    }
    text
}

/// Where a need was sent and how far it has come there, or where it came from.
fn referral_line(need: &Need) -> Option<String> {
    let day = |t: DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    if let Some(r) = &need.referral {
        let reason = if r.reason.is_empty() { String::new() } else { format!(": {}", r.reason) };
        return Some(format!("referred to {} on {}: {} ({}){reason}", r.group_name, day(r.at), r.progress, day(r.progress_at)));
    }
    let from = need.referred_from.as_ref()?;
    let answer = match (from.accepted_at, from.returned_at) {
        (_, Some(at)) => format!("returned on {}: {}", day(at), from.reason),
        (Some(at), None) => format!("accepted on {}", day(at)),
        (None, None) => "waiting for an organizer to accept or return it".into(),
    };
    let note = if from.note.is_empty() { String::new() } else { format!(" (\"{}\")", from.note) };
    Some(format!("referred from {}{note}; {answer}", from.group_name))
}

/// Needs this group sent elsewhere, and needs other groups sent here.
pub fn referrals(sent: &[&Need], received: &[&Need], labels: &Labels) -> String {
    let mut text = String::from("Sent to other groups:");
    for (list, heading) in [(sent, None), (received, Some("\nSent here by other groups:"))] {
        text.extend(heading);
        if list.is_empty() {
            text.push_str("\n  none");
        }
        for need in list {
            let _ = write!(text, "\n  {}  {}  {}", labels.short(need.id), need.title, referral_line(need).unwrap_or_default());
        }
    }
    text
}

pub fn need(need: &Need, assignments: &[Assignment], history: &[HistoryEntry], labels: &Labels, now: DateTime<Utc>) -> String {
    let mut text = format!("{}  [{} · {} · {}]\n", need.title, need.urgency, need.status, need.category);
    let _ = writeln!(text, "  id: {}", need.id);
    let _ = writeln!(text, "  area: {}", need.area);
    if let Some(t) = need.needed_by {
        let _ = writeln!(text, "  needed by: {}", t.format("%Y-%m-%d %H:%M UTC"));
    }
    if !need.description.is_empty() {
        let _ = writeln!(text, "  {}", need.description);
    }
    let _ = writeln!(text, "  posted by {} {} ago; volunteers needed: {}", need.posted_by(&labels.names), waited(need.created_at, now), need.volunteers_needed);
    if !need.languages.is_empty() {
        let _ = writeln!(text, "  languages: {}", need.languages.join(", "));
    }
    if let Some(channel) = need.channel {
        let _ = writeln!(text, "  came in by: {}", channel.as_str().replace('_', " "));
    }
    if need.contact_organizers_only {
        let _ = writeln!(text, "  contact details: organizers only (the person did not agree to share them with volunteers)");
    }
    if let Some(line) = referral_line(need) {
        let _ = writeln!(text, "  {line}");
    }
    let _ = writeln!(text, "\nAssignments:");
    if assignments.is_empty() {
        let _ = writeln!(text, "  none yet (assign with `aidmesh assign {} --to MEMBER`)", labels.short(need.id));
    }
    for a in assignments {
        let _ = writeln!(text, "  {}  {}  {}", labels.short(a.id), labels.name(a.volunteer), a.status);
    }
    let _ = write!(text, "\nHistory:");
    for entry in history {
        let at = entry.at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
        let who = entry.by_name.clone().unwrap_or_else(|| "unknown device".into());
        let _ = write!(text, "\n  {at}  {who}  {}", entry.action);
        for field in entry.fields.iter().filter(|f| entry.action != "need.add" || f.field == "status") {
            let _ = write!(text, "\n      {}: {} → {}", field.field, value(&field.old), value(&field.new));
        }
    }
    text
}

fn value(json: &Json) -> String {
    match json {
        Json::Null => "(none)".into(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn offers(offers: &[Offer], labels: &Labels) -> String {
    if offers.is_empty() {
        return "No offers match. Post one with `aidmesh offer add`.".into();
    }
    let mut text = format!("{:<13}  {:<9}  {:<16}  {:<12}  {:<20}  WHAT", "ID", "STATUS", "MEMBER", "AREA", "CATEGORIES");
    for offer in offers {
        let categories = offer.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",");
        let _ = write!(text, "\n{:<13}  {:<9}  {:<16}  {:<12}  {:<20}  {}", labels.short(offer.id), offer.status, labels.name(offer.member), offer.area, categories, offer.what);
    }
    text
}

pub fn assignments(assignments: &[Assignment], labels: &Labels) -> String {
    if assignments.is_empty() {
        return "No assignments.".into();
    }
    let mut text = format!("{:<13}  {:<13}  {:<16}  {:<9}  NOTE", "ID", "NEED", "VOLUNTEER", "STATUS");
    for a in assignments {
        let _ = write!(text, "\n{:<13}  {:<13}  {:<16}  {:<9}  {}", labels.short(a.id), labels.short(a.need), labels.name(a.volunteer), a.status, a.note);
    }
    text
}

pub fn members(members: &[Member], labels: &Labels) -> String {
    let mut text = format!("{:<13}  {:<10}  NAME", "ID", "ROLE");
    for m in members {
        let removed = if m.removed_at.is_some() { "  (removed)" } else { "" };
        let _ = write!(text, "\n{:<13}  {:<10}  {}{removed}", labels.short(m.id), m.role, m.display_name);
    }
    text
}

pub fn conflicts(conflicts: &[Conflict]) -> String {
    if conflicts.is_empty() {
        return "No conflicts. Everyone's changes fit together.".into();
    }
    let mut text = String::new();
    for c in conflicts {
        let what = match &c.kind {
            ConflictKind::ConcurrentEdit => format!("changed differently on two devices ({})", c.field.as_deref().unwrap_or("")),
            ConflictKind::DoneVersusCancelled => "marked done on one device and cancelled on another".into(),
            ConflictKind::OverAssigned { volunteers_needed } => format!("has {} volunteers but asked for {volunteers_needed}", c.sides.len()),
            ConflictKind::OverCapacity { capacity } => format!("has {} open assignments but capacity {capacity}", c.sides.len()),
            ConflictKind::HoursLoggedTwice => format!("has its hours logged {} times", c.sides.len()),
        };
        let _ = writeln!(text, "{}  {} '{}' {what}", conflict_short(c.id), c.collection.noun(), c.label);
        for (i, side) in c.sides.iter().enumerate() {
            let shown = match &side.value {
                Json::Object(fields) if side.entry.is_some() => format!("{} h ({})", value(&fields["hours"]), value(&fields["status"])),
                Json::Object(fields) => format!("{} ({})", value(&fields["volunteer_name"]), value(&fields["status"])),
                other => value(other),
            };
            let who = side.by_name.clone().unwrap_or_else(|| "unknown device".into());
            let at = side.at.map(|t| t.format(", %Y-%m-%d %H:%M").to_string()).unwrap_or_default();
            let _ = writeln!(text, "   {}) {shown}  by {who}{at}", i + 1);
        }
        let _ = writeln!(text, "   decide with: aidmesh resolve {} --keep N", conflict_short(c.id));
    }
    text.trim_end().to_string()
}

pub fn ignored(ignored: &[Ignored], labels: &Labels) -> String {
    if ignored.is_empty() {
        return "No ignored changes: every change came from someone with the right to make it.".into();
    }
    let mut text = String::from("These changes are kept and passed on, but have no effect: their author had no right to them.");
    for i in ignored {
        let who = match i.member {
            Some(member) => labels.names.of(member),
            None => format!("an unknown device ({})", &i.device[..i.device.len().min(8)]),
        };
        let target = i.record.as_deref().and_then(|r| r.parse::<Uuid>().ok());
        let whose = match target {
            Some(t) if Some(t) == i.member => "their own".to_string(),
            Some(t) => format!("{}'s", labels.names.of(t)),
            None => "a".to_string(),
        };
        let what = match i.attempt {
            Attempt::Role => format!("tried to change {whose} role"),
            Attempt::Removal => format!("tried to remove or bring back {}", target.map_or("a member".into(), |t| labels.names.of(t))),
            Attempt::Device => format!("tried to add a device to {whose} record, or to write for them"),
            Attempt::Member => format!("tried to add or edit {whose} member record"),
            Attempt::Settings => "tried to change the group's settings".into(),
            Attempt::Resolution => "tried to decide a conflict".into(),
            Attempt::Hours => "tried to confirm, dispute or void hours".into(),
            Attempt::ArchivedHours => "confirmed, disputed or voided hours settled before the record was renewed (the balances still count them as settled)".into(),
            Attempt::Equivocation => "had a device sign two different changes with one number (a modified app, or a copied phone)".into(),
        };
        let _ = write!(text, "\n{}  {who} {what}", i.at.format("%Y-%m-%d %H:%M"));
    }
    text
}

/// What an assignment's new status means, and after finished work, how to log its hours.
pub fn assignment_moved(assignment: &Assignment, labels: &Labels, me: Uuid) -> String {
    let short = labels.short(assignment.id);
    let mut text = format!("Assignment {short} is now {}.", assignment.status);
    if assignment.status == AssignmentStatus::Done {
        let from = if assignment.volunteer == me { String::new() } else { format!(" --from {}", labels.short(assignment.volunteer)) };
        let _ = write!(
            text,
            "\nLog the hours it took with:\n  aidmesh hours log --assignment {short}{from} --to group --hours H\n\
             (H in quarter hours, like 1.5; --to MEMBER instead if a member of the group received the help)"
        );
    }
    text
}

fn offer_label(offer: Option<&Offer>, labels: &Labels, id: Uuid) -> String {
    match offer {
        Some(offer) => format!("{}: {} ({})", labels.name(offer.member), offer.what, labels.short(id)),
        None => labels.short(id),
    }
}

fn need_label(needs: &HashMap<Uuid, Need>, labels: &Labels, id: Uuid) -> String {
    match needs.get(&id) {
        Some(need) => format!("{} ({})", need.title, labels.short(id)),
        None => labels.short(id),
    }
}

pub fn ranking(need: &Need, ranking: &Ranking, labels: &Labels, offers: &HashMap<Uuid, Offer>) -> String {
    let places = match ranking.places_left {
        0 => "it already has the volunteers it asked for".to_string(),
        n => format!("{n} place(s) left"),
    };
    let mut text = format!("Suggestions for '{}' ({} · {} · {}), {places}:", need.title, need.urgency, need.category, need.area);
    if ranking.candidates.is_empty() {
        text.push_str("\n  No active offer fits this need.");
    }
    for (i, c) in ranking.candidates.iter().enumerate() {
        let _ = write!(text, "\n\n{}. {}  score {}", i + 1, offer_label(offers.get(&c.offer), labels, c.offer), c.score);
        for reason in &c.reasons {
            let _ = write!(text, "\n     {:>3}  {reason}", format!("+{}", reason.points()));
        }
    }
    if !ranking.excluded.is_empty() {
        text.push_str("\n\nLeft out:");
        for e in &ranking.excluded {
            let _ = write!(text, "\n  {}: {}", offer_label(offers.get(&e.offer), labels, e.offer), e.why);
        }
    }
    text
}

pub fn batch(batch: &Batch, labels: &Labels, offers: &HashMap<Uuid, Offer>, needs: &HashMap<Uuid, Need>) -> String {
    if batch.proposals.is_empty() {
        return "No proposals: no open need has an available offer that fits.".into();
    }
    let mut text = format!("{} proposal(s), total score {}:", batch.proposals.len(), batch.total_score);
    for p in &batch.proposals {
        let _ = write!(
            text,
            "\n  {}  ←  {}  score {}",
            need_label(needs, labels, p.need),
            offer_label(offers.get(&p.candidate.offer), labels, p.candidate.offer),
            p.candidate.score
        );
    }
    for u in &batch.unfilled {
        let _ = write!(text, "\nStill short of volunteers: {} needs {} more.", need_label(needs, labels, u.need), u.places_left);
    }
    text.push_str("\nNothing was assigned. To propose these assignments, run: aidmesh automatch --apply");
    text
}

pub fn applied(batch: &Batch, assignments: &[Assignment], labels: &Labels, offers: &HashMap<Uuid, Offer>, needs: &HashMap<Uuid, Need>) -> String {
    if assignments.is_empty() {
        return "Nothing to propose: no open need has an available offer that fits.".into();
    }
    let mut text = format!("Proposed {} assignment(s), total score {}:", assignments.len(), batch.total_score);
    for a in assignments {
        let offer = a.offer.map(|o| offer_label(offers.get(&o), labels, o)).unwrap_or_else(|| labels.name(a.volunteer));
        let _ = write!(text, "\n  {}  {}  ←  {offer}", labels.short(a.id), need_label(needs, labels, a.need));
    }
    text.push_str("\nEach volunteer accepts or declines theirs with `aidmesh assignment status ID accepted|declined`.");
    text
}

/// Hours with a sign: what a line adds to or takes from a balance.
fn signed(hours: Hours) -> String {
    if hours > Hours::ZERO {
        format!("+{hours}")
    } else {
        hours.to_string()
    }
}

pub fn logged(entry: &HourEntry, labels: &Labels) -> String {
    let confirmer = match entry.to {
        Party::Member(id) => format!("{} (or an organizer)", labels.name(id)),
        Party::Group => "an organizer".into(),
    };
    let short = labels.short(entry.id);
    format!(
        "Logged {} h from {} to {} as entry {short}.\nIt counts once {confirmer} confirms it: aidmesh hours confirm {short}",
        entry.hours,
        labels.name(entry.from),
        labels.party(entry.to),
    )
}

pub fn verdict(verdict: &HourVerdict, entry: &LedgerEntry, labels: &Labels) -> String {
    let what = format!("{} h from {} to {} (entry {})", entry.entry.hours, labels.name(entry.entry.from), labels.party(entry.entry.to), labels.short(entry.entry.id));
    match verdict.kind {
        VerdictKind::Confirm => format!("Confirmed {what}; it is now {}.", entry.status),
        VerdictKind::Dispute => format!("Disputed {what}: {}. An organizer confirms or voids it.", verdict.reason),
        VerdictKind::Void => format!("Voided {what}: {}.", verdict.reason),
    }
}

pub fn entries(entries: &[LedgerEntry], labels: &Labels) -> String {
    if entries.is_empty() {
        return "No hours logged. Log some with `aidmesh hours log`.".into();
    }
    let mut text = format!("{:<13}  {:<16}  {:<16}  {:<16}  {:>5}  {:<9}  NOTE", "ID", "DATE", "FROM", "TO", "HOURS", "STATUS");
    for LedgerEntry { entry, status } in entries {
        let _ = write!(
            text,
            "\n{:<13}  {:<16}  {:<16}  {:<16}  {:>5}  {:<9}  {}",
            labels.short(entry.id),
            entry.created_at.format("%Y-%m-%d %H:%M"),
            labels.name(entry.from),
            labels.party(entry.to),
            entry.hours,
            status,
            entry.note
        );
    }
    text
}

/// Verdicts given after a renewal on hours it archived: the balances still count those hours.
pub fn verdicts_on_archived_hours(verdicts: &[HourVerdict], labels: &Labels) -> String {
    let mut text = format!(
        "{} decision(s) about hours from before the record was renewed came in after it. The balances still count those hours; an organizer can correct a balance with an entry (`aidmesh hours log`):",
        verdicts.len()
    );
    for v in verdicts {
        let _ = write!(text, "\n  {} {} of entry {} by {}: {}", v.at.format("%Y-%m-%d"), v.kind, labels.short(v.entry), labels.party(Party::Member(v.by)), v.reason);
    }
    text
}

pub fn balances(balances: &[Balance], labels: &Labels) -> String {
    if balances.is_empty() {
        return "No confirmed hours yet. Log some with `aidmesh hours log`.".into();
    }
    let mut rows: Vec<(String, &Balance)> = balances.iter().map(|b| (labels.party(b.party), b)).collect();
    // People by name, the group's own account last.
    rows.sort_by_key(|(name, b)| (b.party == Party::Group, name.to_lowercase()));
    let mut text = format!("{:<20}  {:>7}  {:>8}  {:>7}", "WHO", "GIVEN", "RECEIVED", "NET");
    for (name, b) in rows {
        let _ = write!(text, "\n{name:<20}  {:>7}  {:>8}  {:>7}", b.given, b.received, signed(b.net));
    }
    text
}

pub fn statement(statement: &Statement, labels: &Labels) -> String {
    let mut text = format!("Statement for {}: balance {} h (confirmed hours only)", labels.party(statement.party), signed(statement.balance));
    if statement.opening != Hours::ZERO {
        let _ = write!(text, "\nOpening balance {} h, carried over when the record was renewed", signed(statement.opening));
    }
    if statement.lines.is_empty() {
        text.push_str("\nNo hours given or received yet.");
        return text;
    }
    let _ = write!(text, "\n{:<16}  {:<13}  {:<16}  {:>6}  {:<9}  {:>7}  NOTE", "DATE", "ENTRY", "WITH", "HOURS", "STATUS", "BALANCE");
    for line in &statement.lines {
        let _ = write!(
            text,
            "\n{:<16}  {:<13}  {:<16}  {:>6}  {:<9}  {:>7}  {}",
            line.at.format("%Y-%m-%d %H:%M"),
            labels.short(line.entry),
            labels.party(line.with),
            signed(line.hours),
            line.status,
            signed(line.balance),
            line.note
        );
    }
    text
}

/// Contact details, one labelled line per field given.
pub fn contact(contact: &Contact) -> String {
    [("Name", &contact.name), ("Phone", &contact.phone), ("Email", &contact.email), ("Address", &contact.address), ("Notes", &contact.notes)]
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(label, value)| format!("{label}: {value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn report(report: &report::Report, labels: &Labels, from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
    let by = match report.bucket {
        report::Bucket::Week => "week of",
        report::Bucket::Month => "month of",
    };
    let posted: usize = report.by_status.values().sum();
    let statuses: Vec<String> = report.by_status.iter().map(|(status, n)| format!("{n} {}", status.as_str().replace('_', " "))).collect();
    let mut text = format!("Report for {from} to {to}\n");
    if let Some(at) = report.not_held_before {
        let _ = write!(text, "\nNot counted: what happened before {}. The group's record was renewed then, and this device no longer keeps the old one.\n", at.format("%Y-%m-%d"));
    }
    let _ = write!(text, "\nNeeds posted: {posted}");
    if !statuses.is_empty() {
        let _ = write!(text, " (now {})", statuses.join(", "));
    }
    let mut starting = None;
    for row in &report.posted {
        let separator = if starting == Some(row.starting) { "," } else { "" };
        if starting != Some(row.starting) {
            let _ = write!(text, "\n  {by} {}:", row.starting);
            starting = Some(row.starting);
        }
        let _ = write!(text, "{separator} {} {}", row.category, row.needs);
    }
    let waits = |waits: &report::Waits| match (waits.median_hours, waits.slowest_tenth_hours) {
        (Some(median), Some(slowest)) => format!("median {median:.0} h, the slowest tenth {slowest:.0} h or more ({} needs)", waits.count),
        _ => "none in this period".to_string(),
    };
    let _ = write!(text, "\n\nWaits, posted to first volunteer: {}", waits(&report.to_first_assignment));
    let _ = write!(text, "\nWaits, posted to done: {}", waits(&report.to_done));
    let bands = &report.open_by_age;
    let _ = write!(
        text,
        "\n\nStill open at the end: {} under 3 days, {} from 3 to 5 days, {} over 5 days",
        bands.under_3_days, bands.from_3_to_5_days, bands.over_5_days
    );
    if !report.waiting_longest.is_empty() {
        text.push_str("\nWaiting longest:");
    }
    for need in &report.waiting_longest {
        let days = (report.period.to - need.posted).num_days();
        let _ = write!(text, "\n  {days:>3} days  {} ({})", need.title, need.area);
    }
    if !report.areas.is_empty() {
        text.push_str("\n\nAreas (needs posted: served, not yet served)");
        for area in &report.areas {
            let _ = write!(text, "\n  {:<20} {:>4}: {} served, {} not yet", area.area, area.posted, area.served, area.unserved);
        }
    }
    if !report.unmatched_offers.is_empty() {
        text.push_str("\n\nOffers never used, and why");
        for (why, n) in &report.unmatched_offers {
            let _ = write!(text, "\n  {n:>4}  {}", aidmesh_report::Lang::En.unmatched(*why));
        }
    }
    if report.hours.is_empty() {
        text.push_str("\n\nNo confirmed hours in this period.");
    } else {
        let _ = write!(text, "\n\n{:<20}  {:>7}  {:>8}", "HOURS (CONFIRMED)", "GIVEN", "RECEIVED");
        for row in &report.hours {
            let _ = write!(text, "\n{:<20}  {:>7}  {:>8}", labels.names.of(row.member), row.given, row.received);
        }
        for row in &report.hours_by_category {
            let category = row.category.map_or("no category", Category::as_str);
            let _ = write!(text, "\n  {by} {}: {category} {} h", row.starting, row.hours);
        }
    }
    let quiet: Vec<String> = report.inactive.iter().map(|&id| labels.names.of(id)).collect();
    let _ = write!(text, "\n\nQuiet in this period: {}", if quiet.is_empty() { "nobody".to_string() } else { quiet.join(", ") });
    text
}

/// Several groups' totals for the same days, each and in sum.
pub fn network(network: &crdt_core::totals::Network) -> String {
    let mut text = format!("Network report for {} to {}\n", network.first_day, network.last_day);
    let _ = write!(text, "\n{:<24} {:>6} {:>6} {:>7} {:>7} {:>8} {:>7}", "GROUP", "POSTED", "DONE", "SERVED", "OPEN>5D", "HOURS", "ACTIVE");
    let row = |text: &mut String, name: &str, f: &crdt_core::totals::Figures| {
        let done = f.by_status.get(&NeedStatus::Done).copied().unwrap_or(0);
        let _ = write!(text, "\n{name:<24} {:>6} {done:>6} {:>7} {:>7} {:>8} {:>7}", f.needs_posted, f.served, f.open_by_age.over_5_days, f.hours_given, f.active_members);
    };
    for group in &network.groups {
        row(&mut text, &group.group_name, &group.figures);
    }
    row(&mut text, "ALL GROUPS", &network.sum);
    text.push_str("\n\nWaits to a first volunteer (median, slowest tenth), by group:");
    for group in &network.groups {
        let wait = &group.to_first_volunteer;
        let figures = match (wait.median_hours, wait.slowest_tenth_hours) {
            (Some(median), Some(slowest)) => format!("{median:.0} h, {slowest:.0} h ({} needs)", wait.count),
            _ => "none in this period".to_string(),
        };
        let _ = write!(text, "\n  {}: {figures}", group.group_name);
    }
    text.push_str("\n\nA person in two groups counts as a member of each.");
    text
}

/// Said once the record is renewed.
pub fn renewed() -> String {
    "The group's record is renewed; the old one is kept as an archive on this device (`aidmesh archive --delete` deletes it). Other devices move over when they sync.".to_string()
}

/// When the record is renewed: every `months` months, next on `due_at`.
pub fn renewal_schedule(months: u32, due_at: Option<DateTime<Utc>>) -> String {
    match due_at {
        Some(at) => format!("The group's record is renewed every {months} months; it is next due on {} (UTC).", at.format("%Y-%m-%d")),
        None => "The group's record is renewed only when an organizer asks (`aidmesh renew --every 12` renews it yearly).".to_string(),
    }
}

/// What renewing would do, before it is done.
pub fn renewal_preview(preview: &RenewalPreview) -> String {
    let mut lines = vec![format!(
        "Renewing starts a new record from the state now: {} members, {} needs and {} offers carry over. {} closed needs (with their assignments), {} withdrawn offers, {} settled hour entries (each balance carries over) and the {} changes of history stay in the archive on this device.",
        preview.members, preview.needs, preview.offers, preview.needs_archived, preview.offers_archived, preview.hours_archived, preview.history_changes
    )];
    for (purged, text) in &preview.purged {
        lines.push(format!("Left out: the {} of {} {}: \"{text}\"", purged.field, purged.collection.noun(), &purged.record[purged.record.len().saturating_sub(8)..]));
    }
    lines.push(match preview.conflicts_open {
        0 => "Run again with --apply to renew.".to_string(),
        n => format!("{n} conflict(s) must be decided first (`aidmesh conflicts`)."),
    });
    lines.join("\n")
}
