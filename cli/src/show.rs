//! Plain-text views for people at a terminal: short ids, names instead of uuids, waiting times.

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use crdt_core::*;
use serde::Serialize;
use serde_json::Value as Json;
use uuid::Uuid;

/// How records are shown to people: members by name, ids by their shortest unique prefix.
pub struct Labels {
    names: HashMap<Uuid, String>,
    short: HashMap<Uuid, String>,
}

impl Labels {
    pub fn of(store: &Store) -> crdt_core::Result<Self> {
        let names = store.members()?.into_iter().map(|m| (m.id, m.display_name)).collect();
        let mut short = HashMap::new();
        for collection in [Collection::Members, Collection::Needs, Collection::Offers, Collection::Assignments] {
            abbreviate(&store.ids(collection)?, &mut short);
        }
        Ok(Labels { names, short })
    }

    pub fn short(&self, id: Uuid) -> String {
        self.short.get(&id).cloned().unwrap_or_else(|| id.to_string())
    }

    fn name(&self, id: Uuid) -> String {
        self.names.get(&id).cloned().unwrap_or_else(|| self.short(id))
    }
}

/// Git-style abbreviation: the shortest prefix, at least 8 characters, that no other id in the
/// collection shares. (uuid v7 ids begin with their creation time, so 8 alone rarely suffices.)
fn abbreviate(sorted: &[Uuid], out: &mut HashMap<Uuid, String>) {
    let texts: Vec<String> = sorted.iter().map(Uuid::to_string).collect();
    let common = |a: &str, b: &str| a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    for (i, text) in texts.iter().enumerate() {
        let before = i.checked_sub(1).map_or(0, |j| common(text, &texts[j]));
        let after = texts.get(i + 1).map_or(0, |next| common(text, next));
        let mut len = (before.max(after) + 1).clamp(8, text.len());
        if text.as_bytes()[len - 1] == b'-' {
            len += 1;
        }
        out.insert(sorted[i], text[..len].to_string());
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
    let _ = writeln!(text, "  posted by {} {} ago; volunteers needed: {}", labels.name(need.created_by), waited(need.created_at, now), need.volunteers_needed);
    if !need.languages.is_empty() {
        let _ = writeln!(text, "  languages: {}", need.languages.join(", "));
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
        };
        let _ = writeln!(text, "{}  {} '{}' {what}", conflict_short(c.id), c.collection.noun(), c.label);
        for (i, side) in c.sides.iter().enumerate() {
            let shown = match &side.value {
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
