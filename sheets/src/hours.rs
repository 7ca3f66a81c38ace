//! Hours from a TimeOverflow transfers export (its importer's format, no header row): source id,
//! source type (member or organization), destination id, destination type, amount in seconds,
//! created at, reason, post id. Members are found by the id their volunteer sheet gave them
//! (`members::member_id`), so the volunteers are imported first.

use std::collections::HashSet;

use chrono::Utc;
use crdt_core::{Hours, ImportedHours, Imported, LedgerFilter, NewHours, Party, Store, Uuid};

use crate::members::member_id;
use crate::needs::{Destination, LineNote, Summary};
use crate::problems::RowProblem;
use crate::table::{Row, Table};

/// The dry run of a transfers file.
#[derive(Clone, Debug, Default)]
pub struct HoursPlan {
    pub rows: usize,
    pub new: Vec<(u64, ImportedHours)>,
    pub held_already: usize,
    /// Transfers aidmesh has no place for (hours an organization gave), with why.
    pub skipped: Vec<LineNote>,
    pub errors: Vec<LineNote>,
}

impl HoursPlan {
    pub fn summary(&self) -> Summary {
        let (skipped, errors) = (self.skipped.clone(), self.errors.clone());
        Summary { new: self.new.len(), held_already: self.held_already, skipped, errors, questions: Vec::new(), not_kept: Vec::new() }
    }

    /// Writes the new entries in one change, confirmed as settled (organizers).
    pub fn apply(self, store: &mut Store) -> crdt_core::Result<Imported> {
        let entries = self.new.into_iter().map(|(_, e)| e).collect();
        let added = store.act(|doc, me, now| doc.import_hours(me, entries, now))?.len();
        Ok(Imported { added, held_already: self.held_already, ..Imported::default() })
    }
}

/// `plan` into the group `store` holds, with the members and entries it has.
pub fn plan_into(store: &mut Store, table: &Table) -> crdt_core::Result<HoursPlan> {
    let group = store.group()?;
    let entries = store.ledger(&LedgerFilter::default())?.entries.into_iter().map(|e| e.entry.id);
    let held: HashSet<Uuid> = store.members()?.into_iter().map(|m| m.id).chain(entries).collect();
    let holds = |id| held.contains(&id);
    let destination = Destination { group: store.group_id(), settings: &group.settings, now: Utc::now(), holds: &holds, phones: &[] };
    Ok(plan(table, &destination))
}

/// Plans the transfers in `table`; `holds` says whether the group has a member or an entry.
pub fn plan(table: &Table, into: &Destination) -> HoursPlan {
    let mut plan = HoursPlan { rows: table.rows.len(), ..HoursPlan::default() };
    for row in &table.rows {
        match transfer(row, into) {
            Ok(Transfer::Entry(entry)) if (into.holds)(entry.id) => plan.held_already += 1,
            Ok(Transfer::Entry(entry)) => plan.new.push((row.line, entry)),
            Ok(Transfer::Skip(problem)) => plan.skipped.push(LineNote::new(row.line, vec![problem])),
            Err(problem) => plan.errors.push(LineNote::new(row.line, vec![problem])),
        }
    }
    plan
}

enum Transfer {
    Entry(ImportedHours),
    Skip(RowProblem),
}

fn transfer(row: &Row, into: &Destination) -> Result<Transfer, RowProblem> {
    if row.cells.len() < 6 {
        return Err(RowProblem::TooFewColumns { columns: row.cells.len() });
    }
    let party = |id: usize, kind: usize| -> Result<Party, RowProblem> {
        match row.cell(kind).to_lowercase().as_str() {
            "member" => {
                let member = member_id(into.group, row.cell(id));
                match (into.holds)(member) {
                    true => Ok(Party::Member(member)),
                    false => Err(RowProblem::UnknownMember { id: row.cell(id).to_string() }),
                }
            }
            "organization" => Ok(Party::Group),
            other => Err(RowProblem::NotAParty { value: other.to_string() }),
        }
    };
    let Party::Member(from) = party(0, 1)? else {
        return Ok(Transfer::Skip(RowProblem::OrganizationHours));
    };
    let to = party(2, 3)?;
    let seconds: i64 = row.cell(4).parse().map_err(|_| RowProblem::NotSeconds { value: row.cell(4).to_string() })?;
    if seconds % 900 != 0 {
        return Err(RowProblem::NotQuarterHours { seconds });
    }
    let at = crate::dates::parse(row.cell(5), None, into.settings.zone())?;
    let hours = NewHours { note: row.cell(6).to_string(), ..NewHours::new(from, to, Hours::from_quarters(seconds / 900)) };
    hours.hours.check_entry()?;
    let id = crate::derived_id(into.group, "hours", &row.cells.join("\u{1f}"));
    Ok(Transfer::Entry(ImportedHours { id, hours, at }))
}
