//! Organizers' decisions on conflicts.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::conflict::{ConflictKind, Side};
use crate::engine::{Action, Collection, GroupDoc};
use crate::error::{Error, Result};
use crate::model::{Assignment, AssignmentStatus, HourVerdict, Resolution, VerdictKind};

impl GroupDoc {
    /// Records an organizer's decision. `keep` lists the sides (0-based) that stand: exactly one
    /// value for an edit conflict; for too many assignments, the ones to keep (the rest are
    /// cancelled); for hours logged twice, the entry that stands (the rest are voided).
    pub fn resolve(&mut self, by: Uuid, conflict_id: Uuid, keep: &[usize], now: DateTime<Utc>) -> Result<Resolution> {
        self.active_member(by)?;
        self.require_organizer(by, "resolve conflicts")?;
        let conflict = self.conflicts().into_iter().find(|c| c.id == conflict_id).ok_or(Error::ConflictGone)?;
        let (min, max) = conflict.kind.keep_range();
        let mut keep = keep.to_vec();
        keep.sort_unstable();
        keep.dedup();
        if keep.len() < min || keep.len() > max {
            let wanted = if min == max { format!("exactly {min}") } else { format!("between {min} and {max}") };
            return Err(Error::BadResolution(format!("keep {wanted} of the {} sides", conflict.sides.len())));
        }
        if let Some(bad) = keep.iter().find(|i| **i >= conflict.sides.len()) {
            return Err(Error::BadResolution(format!("there is no side {} (sides are 1 to {})", bad + 1, conflict.sides.len())));
        }
        let not_kept: Vec<&Side> = conflict.sides.iter().enumerate().filter(|(i, _)| !keep.contains(i)).map(|(_, side)| side).collect();
        let dropped: Vec<Assignment> = not_kept.iter().filter_map(|side| side.assignment).map(|id| self.assignment(id)).collect::<Result<_>>()?;
        let summary = match (&conflict.field, &conflict.kind) {
            (Some(field), _) => format!("kept {} for {field} of '{}'", conflict.sides[keep[0]].value, conflict.label),
            (None, ConflictKind::HoursLoggedTwice) => format!("kept 1 of {} hour entries for '{}'", conflict.sides.len(), conflict.label),
            (None, _) => format!("kept {} of {} assignments for '{}'", keep.len(), conflict.sides.len(), conflict.label),
        };
        let voids: Vec<HourVerdict> = not_kept
            .iter()
            .filter_map(|side| side.entry)
            .map(|entry| HourVerdict::new(entry, VerdictKind::Void, "logged twice for one assignment", by, now))
            .collect();
        let resolution = Resolution {
            id: Uuid::now_v7(),
            conflict: conflict.id,
            record: conflict.record.parse().unwrap_or_default(),
            summary,
            decided_by: by,
            decided_at: now,
        };
        let record_id = conflict.record.clone();
        self.change(Action::Resolve, now, |w| {
            w.mention(conflict.id);
            if let Ok(record) = record_id.parse() {
                w.mention(record);
            }
            if let Some(field) = &conflict.field {
                // A write made now has every side as its predecessor, so it supersedes them all.
                w.put_field(conflict.collection, &record_id, field, &conflict.sides[keep[0]].value)?;
            }
            for void in &voids {
                w.mention(void.entry);
                w.put(Collection::HourVerdicts, void.id, void, None)?;
            }
            for old in &dropped {
                let new = Assignment { status: AssignmentStatus::Cancelled, updated_at: now, ..old.clone() };
                w.put(Collection::Assignments, old.id, &new, Some(old))?;
            }
            w.put(Collection::Resolutions, resolution.id, &resolution, None)
        })?;
        Ok(resolution)
    }
}
