//! Requests from a sheet, planned before anything is written: which rows are new, which were
//! imported before, which are left out and why, which are wrong (with their line), and what
//! must be asked of the person importing. Only a plan with no errors and no questions is applied.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use crdt_core::{Category, Channel, Contact, NeedStatus, NeedToImport, NewNeed, Settings, Store, Urgency, Uuid};
use serde::Serialize;

use crate::columns::{Mapping, Target};
use crate::dates::{self, DateOrder};
use crate::problems::RowProblem;
use crate::table::{Row, Table};
use crate::values::{items, RowStatus, Values};

/// What the person importing has decided beyond the column mapping.
#[derive(Clone, Debug, Default)]
pub struct Answers {
    pub values: Values,
    pub dates: Option<DateOrder>,
    /// The area of rows that name none.
    pub default_area: Option<String>,
    /// How the rows that do not say came in (a web form's sheet: all of them by web form).
    pub default_channel: Option<Channel>,
    /// Title or description columns the person chose to keep public although they look like
    /// they hold phone numbers or emails.
    pub keep_public: Vec<String>,
    /// For rows whose phone number the group already has: import them anyway (`Some(true)`)
    /// or leave them out (`Some(false)`).
    pub import_duplicates: Option<bool>,
}

/// The group the rows go into, as this device sees it.
pub struct Destination<'a> {
    pub group: Uuid,
    pub settings: &'a Settings,
    pub now: DateTime<Utc>,
    /// Whether the group holds a need already (imported before, here or on another device).
    pub holds: &'a dyn Fn(Uuid) -> bool,
    /// The phone numbers of needs whose contact details this device can open.
    pub phones: &'a [(Uuid, String)],
}

/// A row's line and what about it: in English (`reason`), and as codes to word in any language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LineNote {
    pub line: u64,
    pub reason: String,
    pub problems: Vec<RowProblem>,
}

impl LineNote {
    pub fn new(line: u64, problems: Vec<RowProblem>) -> LineNote {
        let reason = problems.iter().map(RowProblem::to_string).collect::<Vec<_>>().join("; ");
        LineNote { line, reason, problems }
    }
}

/// Something only the person importing can decide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Question {
    /// A value nobody has said the meaning of.
    UnknownValue {
        #[cfg_attr(feature = "ts", ts(type = "Target"))]
        target: &'static str,
        value: String,
        lines: Vec<u64>,
    },
    /// Rows that name no area, and no area was given for them.
    NoArea { lines: Vec<u64> },
    /// A row's area is not one of the group's.
    UnknownArea { value: String, lines: Vec<u64> },
    /// Dates like 3/4/2024 in a column that does not show its order.
    DateOrder { column: String, lines: Vec<u64> },
    /// A public column whose cells look like phone numbers or emails.
    LooksPrivate { column: String, lines: Vec<u64> },
    /// Rows with the phone number of another row or of a need the group has.
    LikelyDuplicates { lines: Vec<u64> },
}

/// What a dry run found, whatever the rows become (needs, members, hour entries).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Summary {
    pub new: usize,
    /// Rows imported before, here or on another device.
    pub held_already: usize,
    pub skipped: Vec<LineNote>,
    pub errors: Vec<LineNote>,
    pub questions: Vec<Question>,
    /// Columns read but not kept (members' phone numbers and emails).
    pub not_kept: Vec<String>,
}

impl Summary {
    /// Whether applying would write exactly what the dry run says.
    pub fn is_ready(&self) -> bool {
        self.errors.is_empty() && self.questions.is_empty()
    }
}

/// A row ready to import.
#[derive(Clone, Debug)]
pub struct Planned {
    pub line: u64,
    pub need: NeedToImport,
}

/// The dry run: what applying would do.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub rows: usize,
    pub new: Vec<Planned>,
    pub held_already: usize,
    pub skipped: Vec<LineNote>,
    pub errors: Vec<LineNote>,
    pub questions: Vec<Question>,
}

impl Plan {
    /// Whether applying would write exactly what the plan says.
    pub fn is_ready(&self) -> bool {
        self.errors.is_empty() && self.questions.is_empty()
    }

    pub fn summary(&self) -> Summary {
        let (skipped, errors, questions) = (self.skipped.clone(), self.errors.clone(), self.questions.clone());
        Summary { new: self.new.len(), held_already: self.held_already, skipped, errors, questions, not_kept: Vec::new() }
    }

    /// The rows to write.
    pub fn into_needs(self) -> Vec<NeedToImport> {
        self.new.into_iter().map(|p| p.need).collect()
    }
}

/// Plans the import of `table` as needs, with `mapping` and `answers`, into `into`.
pub fn plan(table: &Table, mapping: &Mapping, answers: &Answers, into: &Destination) -> Plan {
    let mut planner = Planner { mapping, answers, into, order: None, unknown: BTreeMap::new(), areas: BTreeMap::new(), without_area: Vec::new() };
    let mut plan = Plan { rows: table.rows.len(), ..Plan::default() };
    plan.questions.extend(planner.date_order(table));
    plan.questions.extend(looks_private(table, mapping, answers));
    for row in &table.rows {
        match planner.row(row) {
            Ok(None) => plan.skipped.push(LineNote::new(row.line, vec![RowProblem::StatusLeavesOut])),
            Ok(Some(need)) if (into.holds)(need.id) => plan.held_already += 1,
            Ok(Some(need)) => plan.new.push(Planned { line: row.line, need }),
            Err(problems) if problems.is_empty() => {}
            Err(problems) => plan.errors.push(LineNote::new(row.line, problems)),
        }
    }
    plan.questions.extend(planner.unknown.into_iter().map(|((target, value), lines)| Question::UnknownValue { target, value, lines }));
    plan.questions.extend(planner.areas.into_iter().map(|(value, lines)| Question::UnknownArea { value, lines }));
    if !planner.without_area.is_empty() {
        plan.questions.push(Question::NoArea { lines: planner.without_area });
    }
    duplicates(&mut plan, into.phones, answers.import_duplicates);
    plan
}

/// `plan` into the group `store` holds, as this device sees it: the needs it holds, and the
/// phone numbers of those whose contact details it can open.
pub fn plan_into(store: &mut Store, table: &Table, mapping: &Mapping, answers: &Answers) -> crdt_core::Result<Plan> {
    let group = store.group()?;
    let phones: Vec<_> = store.readable_contacts()?.into_iter().map(|(id, contact)| (id, contact.phone)).collect();
    let holds = |id| store.need(id).is_ok();
    let destination = Destination { group: store.group_id(), settings: &group.settings, now: Utc::now(), holds: &holds, phones: &phones };
    Ok(plan(table, mapping, answers, &destination))
}

/// The needs whose contact details (as far as this device can open them) have `phone`: the
/// intake's duplicate warning.
pub fn with_phone(store: &mut Store, phone: &str) -> crdt_core::Result<Vec<Uuid>> {
    let Some(wanted) = phone_key(phone) else { return Ok(Vec::new()) };
    let contacts = store.readable_contacts()?;
    Ok(contacts.into_iter().filter(|(_, c)| phone_key(&c.phone).as_ref() == Some(&wanted)).map(|(id, _)| id).collect())
}

struct Planner<'a> {
    mapping: &'a Mapping,
    answers: &'a Answers,
    into: &'a Destination<'a>,
    order: Option<DateOrder>,
    /// Values nobody has given a meaning, with the lines they are on.
    unknown: BTreeMap<(&'static str, String), Vec<u64>>,
    areas: BTreeMap<String, Vec<u64>>,
    without_area: Vec<u64>,
}

impl Planner<'_> {
    /// The date order to read with, or the question to ask about it.
    fn date_order(&mut self, table: &Table) -> Vec<Question> {
        let mut questions = Vec::new();
        for column in self.mapping.columns_of(Target::PostedAt) {
            let cells = || table.rows.iter().map(move |r| r.cell(column));
            self.order = self.answers.dates.or(DateOrder::evident(cells()).ok().flatten());
            if self.order.is_none() {
                let lines: Vec<u64> = table.rows.iter().filter(|r| dates::is_ambiguous(r.cell(column))).map(|r| r.line).collect();
                if !lines.is_empty() {
                    questions.push(Question::DateOrder { column: self.mapping.columns[column].0.clone(), lines });
                }
            }
        }
        questions
    }

    /// The need a row makes; `Ok(None)` for a row its status leaves out; `Err` with every
    /// reason the row is wrong (empty when it only waits for an answer to a question).
    fn row(&mut self, row: &Row) -> Result<Option<NeedToImport>, Vec<RowProblem>> {
        let (mut errors, mut waits) = (Vec::new(), false);
        let text = |target| joined(row, &self.mapping.columns_of(target), "\n");
        let status = self.read(row, Target::Status, RowStatus::Import(NeedStatus::Open), Values::status, &mut waits);
        let RowStatus::Import(status) = status else { return Ok(None) };
        let mut categories = Vec::new();
        for value in self.mapping.columns_of(Target::Category).into_iter().flat_map(|c| items(row.cell(c))) {
            match self.answers.values.categories(value) {
                Ok(Some(category)) if !categories.contains(&category) => categories.push(category),
                Ok(_) => {}
                Err(value) => waits |= self.ask(Target::Category, value, row.line),
            }
        }
        let urgency = self.read(row, Target::Urgency, Urgency::Normal, Values::urgency, &mut waits);
        let recurring = self.read(row, Target::Recurring, false, Values::yes, &mut waits);
        let channel = self.read(row, Target::Channel, self.answers.default_channel, |values, cell| values.channel(cell).map(Some), &mut waits);
        let area = match text(Target::Area) {
            empty if empty.is_empty() => self.answers.default_area.clone().unwrap_or_default(),
            value => self.answers.values.area(&value),
        };
        if area.is_empty() {
            self.without_area.push(row.line);
            waits = true;
        } else if !self.into.settings.areas.is_empty() && !self.into.settings.areas.contains_key(&area) {
            self.areas.entry(area.clone()).or_default().push(row.line);
            waits = true;
        }
        let household_size = match text(Target::HouseholdSize) {
            empty if empty.is_empty() => None,
            value => value.parse().map(Some).unwrap_or_else(|_| {
                errors.push(RowProblem::NotANumber { value });
                None
            }),
        };
        let posted_at = match text(Target::PostedAt) {
            empty if empty.is_empty() => self.into.now,
            value => dates::parse(&value, self.order, self.into.settings.zone()).unwrap_or_else(|e| {
                // An unanswered date order is asked once for the column, not blamed on each row.
                if !(self.order.is_none() && dates::is_ambiguous(&value)) {
                    errors.push(e);
                }
                waits = true;
                self.into.now
            }),
        };
        let title = match text(Target::Title) {
            empty if empty.is_empty() => title_from(&categories),
            title => title,
        };
        let mut description = text(Target::Description);
        if let Some(first) = categories.first().filter(|_| !self.mapping.columns_of(Target::Title).is_empty()) {
            let others: Vec<&str> = categories.iter().filter(|c| *c != first).map(|c| c.as_str()).collect();
            if !others.is_empty() {
                description = [description, format!("Also asked for: {}", others.join(", "))].join("\n").trim().to_string();
            }
        }
        let need = NewNeed {
            description,
            languages: self.mapping.columns_of(Target::Languages).into_iter().flat_map(|c| items(row.cell(c)).map(str::to_string)).collect(),
            household_size,
            recurring,
            channel,
            ..NewNeed::new(&title, categories.first().copied().unwrap_or(Category::Other), urgency, &area)
        };
        let contact = self.contact(row);
        if errors.is_empty() && !waits {
            let contact_checked = if contact.is_empty() { Ok(()) } else { contact.validate() };
            let checked = need.validate(self.into.settings, posted_at).and(contact_checked);
            errors.extend(checked.err().map(RowProblem::from));
        }
        if !errors.is_empty() || waits {
            return Err(errors);
        }
        Ok(Some(NeedToImport { id: self.id_of(row), need, status, posted_at, contact }))
    }

    /// The meaning of the row's `target` cells by `parse`, or `empty` when they are blank. A
    /// value nobody gave a meaning is asked about, the row waits, and it reads as `empty`.
    fn read<T>(&mut self, row: &Row, target: Target, empty: T, parse: impl Fn(&Values, &str) -> Result<T, String>, waits: &mut bool) -> T {
        let cell = joined(row, &self.mapping.columns_of(target), "\n");
        if cell.is_empty() {
            return empty;
        }
        parse(&self.answers.values, &cell).unwrap_or_else(|unknown| {
            *waits |= self.ask(target, unknown, row.line);
            empty
        })
    }

    /// Notes that `value` in a `target` column needs a meaning; returns true (the row waits).
    fn ask(&mut self, target: Target, value: String, line: u64) -> bool {
        let lines = self.unknown.entry((target.name(), value)).or_default();
        if lines.last() != Some(&line) {
            lines.push(line);
        }
        true
    }

    fn contact(&self, row: &Row) -> Contact {
        let columns = |target| self.mapping.columns_of(target);
        let labelled = |targets: [Target; 2]| {
            let lines = targets.into_iter().flat_map(columns).filter(|&c| !row.cell(c).is_empty());
            lines.map(|c| format!("{}: {}", self.mapping.columns[c].0, row.cell(c))).collect::<Vec<_>>().join("\n")
        };
        Contact {
            name: joined(row, &columns(Target::ContactName), " "),
            phone: joined(row, &columns(Target::Phone), ", "),
            email: joined(row, &columns(Target::Email), ", "),
            address: joined(row, &columns(Target::Address), " & "),
            notes: labelled([Target::Notes, Target::OrganizerNotes]),
        }
    }

    /// The id the row's need gets in this group: from the old system's id where the sheet has
    /// one, else from the cells the person asking gave (not those organizers edit later).
    fn id_of(&self, row: &Row) -> Uuid {
        let key = joined(row, &self.mapping.columns_of(Target::Key), "\u{1f}");
        let source = if key.is_empty() {
            let given = self.mapping.columns.iter().enumerate().filter(|(_, (_, t))| t.identifies_row());
            given.map(|(c, (header, _))| format!("{header}\u{1f}{}", row.cell(c))).collect::<Vec<_>>().join("\u{1e}")
        } else {
            format!("key\u{1e}{key}")
        };
        crate::derived_id(self.into.group, "need", &source)
    }
}

/// The non-empty cells of `columns`, joined.
pub(crate) fn joined(row: &Row, columns: &[usize], separator: &str) -> String {
    columns.iter().map(|&c| row.cell(c)).filter(|c| !c.is_empty()).collect::<Vec<_>>().join(separator)
}

/// "Groceries, medical" for a row that asks for both and has no title of its own.
fn title_from(categories: &[Category]) -> String {
    let words: Vec<String> = categories.iter().map(|c| c.as_str().replace('_', " ")).collect();
    let mut title = if words.is_empty() { "Request".to_string() } else { words.join(", ") };
    if let Some(first) = title.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    title
}

/// Title and description columns whose cells look like they hold phone numbers or emails,
/// unless the person chose to keep them public.
fn looks_private(table: &Table, mapping: &Mapping, answers: &Answers) -> Vec<Question> {
    let public = [Target::Title, Target::Description].into_iter().flat_map(|t| mapping.columns_of(t));
    let unanswered = public.filter(|&c| !answers.keep_public.iter().any(|h| crate::columns::normalise(h) == crate::columns::normalise(&mapping.columns[c].0)));
    unanswered
        .filter_map(|column| {
            let lines: Vec<u64> = table.rows.iter().filter(|r| has_phone_or_email(r.cell(column))).map(|r| r.line).collect();
            (!lines.is_empty()).then(|| Question::LooksPrivate { column: mapping.columns[column].0.clone(), lines })
        })
        .collect()
}

/// Seven or more digits in a run (spaces, dashes, dots and brackets allowed between), or
/// something shaped like name@host.tld.
fn has_phone_or_email(text: &str) -> bool {
    let email = text.split_whitespace().any(|word| word.split_once('@').is_some_and(|(name, host)| !name.is_empty() && host.contains('.')));
    let mut digits = 0;
    for c in text.chars() {
        match c {
            '0'..='9' => digits += 1,
            ' ' | '-' | '.' | '(' | ')' | '+' => {}
            _ => digits = 0,
        }
        if digits >= 7 {
            return true;
        }
    }
    email
}

/// A phone number as compared: its last ten digits (country codes and punctuation vary).
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 7).then(|| digits[digits.len().saturating_sub(10)..].to_string())
}

/// Flags new rows whose phone number the group or an earlier row has; with the person's
/// answer, keeps or leaves them out.
fn duplicates(plan: &mut Plan, phones: &[(Uuid, String)], import_anyway: Option<bool>) {
    let mut seen: HashSet<String> = phones.iter().filter_map(|(_, phone)| phone_key(phone)).collect();
    let mut lines = Vec::new();
    for planned in &plan.new {
        let keys: Vec<String> = planned.need.contact.phone.split(',').filter_map(phone_key).collect();
        if keys.iter().any(|k| seen.contains(k)) {
            lines.push(planned.line);
        }
        seen.extend(keys);
    }
    match import_anyway {
        _ if lines.is_empty() => {}
        None => plan.questions.push(Question::LikelyDuplicates { lines }),
        Some(true) => {}
        Some(false) => {
            plan.new.retain(|p| !lines.contains(&p.line));
            plan.skipped.extend(lines.into_iter().map(|line| LineNote::new(line, vec![RowProblem::PhoneKnown])));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_and_emails_are_spotted_in_free_text() {
        assert!(has_phone_or_email("call Maria on (216) 555-0199 after 5"));
        assert!(has_phone_or_email("write to maria@example.org"));
        assert!(!has_phone_or_email("2 adults, 3 kids, 4th floor, 10am"));
        assert_eq!(phone_key("+1 (216) 555-0199"), phone_key("216.555.0199"));
        assert_eq!(phone_key("911"), None);
    }
}
