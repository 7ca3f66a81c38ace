//! Volunteers from a sheet (name, email, phone, languages, ways to help, area, availability):
//! a member each, with an offer of the ways they help that are categories. Phone and email stay
//! out: aidmesh keeps no contact details of members, and says so in the plan.

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use chrono::Utc;
use crdt_core::{Availability, ImportedMember, Imported, NewMember, NewOffer, OfferKind, Role, Store, Uuid, WeeklySlot};

use crate::columns::{Mapping, Target};
use crate::needs::{joined, Answers, Destination, LineNote, Question, Summary};
use crate::problems::RowProblem;
use crate::table::{Row, Table};
use crate::values::items;

/// The dry run of a volunteer sheet.
#[derive(Clone, Debug, Default)]
pub struct MemberPlan {
    pub rows: usize,
    pub new: Vec<(u64, ImportedMember)>,
    pub held_already: usize,
    pub errors: Vec<LineNote>,
    pub questions: Vec<Question>,
    /// Columns left out because aidmesh keeps no contact details of members (phone, email).
    pub not_kept: Vec<String>,
}

impl MemberPlan {
    pub fn summary(&self) -> Summary {
        let (errors, questions, not_kept) = (self.errors.clone(), self.questions.clone(), self.not_kept.clone());
        Summary { new: self.new.len(), held_already: self.held_already, skipped: Vec::new(), errors, questions, not_kept }
    }

    /// Writes the new members (and their offers) in one change (organizers).
    pub fn apply(self, store: &mut Store) -> crdt_core::Result<Imported> {
        let members = self.new.into_iter().map(|(_, m)| m).collect();
        let added = store.act(|doc, me, now| doc.import_members(me, members, now))?.len();
        Ok(Imported { added, held_already: self.held_already, ..Imported::default() })
    }
}

/// The id a member imported with `key` (their id in the old system) gets in `group`; hours that
/// name the same key find them.
pub fn member_id(group: Uuid, key: &str) -> Uuid {
    crate::derived_id(group, "member", key)
}

/// `plan` into the group `store` holds, with the members it has.
pub fn plan_into(store: &mut Store, table: &Table, mapping: &Mapping, answers: &Answers) -> crdt_core::Result<MemberPlan> {
    let group = store.group()?;
    let members: HashSet<Uuid> = store.members()?.into_iter().map(|m| m.id).collect();
    let holds = |id| members.contains(&id);
    let destination = Destination { group: store.group_id(), settings: &group.settings, now: Utc::now(), holds: &holds, phones: &[] };
    Ok(plan(table, mapping, answers, &destination))
}

/// Plans a volunteer sheet: a member per row, and an offer where their ways to help name
/// categories. `holds` says whether the group has a member already.
pub fn plan(table: &Table, mapping: &Mapping, answers: &Answers, into: &Destination) -> MemberPlan {
    let mut plan = MemberPlan { rows: table.rows.len(), ..MemberPlan::default() };
    plan.not_kept = mapping.columns.iter().filter(|(_, t)| t.is_sealed()).map(|(h, _)| h.clone()).collect();
    let (mut unknown_areas, mut without_area): (BTreeMap<String, Vec<u64>>, Vec<u64>) = (BTreeMap::new(), Vec::new());
    for row in &table.rows {
        let text = |target| joined(row, &mapping.columns_of(target), ", ");
        let name = text(Target::Name);
        if name.is_empty() {
            plan.errors.push(LineNote::new(row.line, vec![RowProblem::NoName]));
            continue;
        }
        let area = match text(Target::Area) {
            empty if empty.is_empty() => answers.default_area.clone(),
            value => Some(answers.values.area(&value)),
        };
        if let Some(area) = area.as_ref().filter(|a| !into.settings.areas.is_empty() && !into.settings.areas.contains_key(*a)) {
            unknown_areas.entry(area.clone()).or_default().push(row.line);
            continue;
        }
        let ways: Vec<&str> = mapping.columns_of(Target::Skills).into_iter().flat_map(|c| items(row.cell(c))).collect();
        let categories: Vec<_> = ways.iter().filter_map(|way| answers.values.categories(way).ok().flatten()).collect();
        let skills: Vec<&str> = ways.iter().copied().filter(|way| answers.values.categories(way).is_err()).collect();
        let languages: Vec<String> = mapping.columns_of(Target::Languages).into_iter().flat_map(|c| items(row.cell(c)).map(str::to_string)).collect();
        let member = NewMember { languages: languages.clone(), skills: skills.iter().map(|s| s.to_string()).collect(), home_area: area.clone(), ..NewMember::new(&name, Role::Volunteer) };
        let offer = match (categories.is_empty(), &area) {
            (true, _) => None,
            (false, None) => {
                without_area.push(row.line);
                continue;
            }
            (false, Some(area)) => Some(offer(row, mapping, &ways, categories, area, languages)),
        };
        let checked = member.validate(into.settings).and_then(|_| offer.as_ref().map_or(Ok(()), |o| o.validate(into.settings)));
        if let Err(e) = checked {
            plan.errors.push(LineNote::new(row.line, vec![e.into()]));
            continue;
        }
        let id = member_id(into.group, &key(row, mapping));
        match (into.holds)(id) {
            true => plan.held_already += 1,
            false => plan.new.push((row.line, ImportedMember { id, member, offer })),
        }
    }
    plan.questions.extend(unknown_areas.into_iter().map(|(value, lines)| Question::UnknownArea { value, lines }));
    if !without_area.is_empty() {
        plan.questions.push(Question::NoArea { lines: without_area });
    }
    plan
}

/// The offer a volunteer's ways to help make: the categories among them, available when the
/// sheet says if it says so in weekly slots, else with its words in the offer's text.
fn offer(row: &Row, mapping: &Mapping, ways: &[&str], categories: Vec<crdt_core::Category>, area: &str, languages: Vec<String>) -> NewOffer {
    let when = joined(row, &mapping.columns_of(Target::Availability), ", ");
    let slots: Result<Vec<WeeklySlot>, _> = items(&when).map(WeeklySlot::from_str).collect();
    let (weekly, words) = match slots {
        Ok(slots) => (slots, String::new()),
        Err(_) => (Vec::new(), format!(" ({when})")),
    };
    NewOffer {
        availability: Availability { weekly, dates: Vec::new() },
        languages,
        // The member is set when the member is written (`GroupDoc::import_members`).
        ..NewOffer::new(Uuid::nil(), &format!("{}{words}", ways.join(", ")), categories, OfferKind::Skill, area)
    }
}

/// What identifies a volunteer's row: their id in the old system, else their name with the
/// phone and email given (which are not kept, but tell two people of one name apart).
fn key(row: &Row, mapping: &Mapping) -> String {
    let key = joined(row, &mapping.columns_of(Target::Key), "\u{1f}");
    if !key.is_empty() {
        return key;
    }
    [Target::Name, Target::Phone, Target::Email].map(|t| joined(row, &mapping.columns_of(t), "\u{1f}")).join("\u{1e}")
}
