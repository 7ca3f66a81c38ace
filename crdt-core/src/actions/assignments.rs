//! Assignments: a volunteer on a need, and how the need's status follows them.
//!
//! Places and capacity are checked against what this device knows; what others did meanwhile
//! shows up as a conflict after sync.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::engine::{Action, Collection, GroupDoc};
use crate::error::Result;
use crate::matching::Proposal;
use crate::model::{Assignment, AssignmentStatus, Member, Need, NeedStatus, OfferStatus};
use crate::validation::{check_length, Field, ValidationError, MAX_TEXT};

impl GroupDoc {
    /// Assigns a volunteer to a need (as *proposed*). Organizers assign anyone; a volunteer may
    /// take a need on themselves.
    pub fn assign(&mut self, by: Uuid, need_id: Uuid, volunteer: Uuid, offer_id: Option<Uuid>, note: &str, now: DateTime<Utc>) -> Result<Assignment> {
        self.active_member(by)?;
        if by != volunteer {
            self.require_organizer(by, "assign other members")?;
        }
        let volunteer = self.active_member(volunteer)?;
        check_length(Field::Note, note, MAX_TEXT)?;
        let assignment = Assignment {
            id: Uuid::now_v7(),
            need: need_id,
            volunteer: volunteer.id,
            offer: offer_id,
            assigned_by: by,
            status: AssignmentStatus::Proposed,
            note: note.trim().to_string(),
            created_at: now,
            updated_at: now,
        };
        let need = self.need(need_id)?;
        self.check_place(&need, &volunteer, assignment.id)?;
        self.check_offer(&assignment, &volunteer)?;
        self.write_assignment(Action::Assign, &assignment, None, &need, now)?;
        Ok(assignment)
    }

    /// Moves an assignment along (`AssignmentStatus::may_become`), and the need with it. An
    /// assignment that becomes active again takes a place and the offer's capacity again, so it
    /// passes the same checks as a new one.
    pub fn set_assignment_status(&mut self, by: Uuid, id: Uuid, status: AssignmentStatus, now: DateTime<Utc>) -> Result<Assignment> {
        self.active_member(by)?;
        let old = self.assignment(id)?;
        if old.volunteer != by {
            self.require_organizer(by, "change someone else's assignment")?;
        }
        if old.status == status {
            return Ok(old);
        }
        if !old.status.may_become(status) {
            return Err(ValidationError::NoSuchTransition { kind: "assignment", from: old.status.to_string(), to: status.to_string() }.into());
        }
        let new = Assignment { status, updated_at: now, ..old.clone() };
        let need = self.need(old.need)?;
        if status.fills_need() && !old.status.fills_need() {
            self.check_place(&need, &self.active_member(old.volunteer)?, id)?;
        }
        if status.is_active() && !old.status.is_active() {
            self.check_offer(&new, &self.active_member(old.volunteer)?)?;
        }
        self.write_assignment(Action::AssignmentStatus, &new, Some(&old), &need, now)?;
        Ok(new)
    }

    /// Turns an organizer's chosen proposals into *proposed* assignments, each through `assign`
    /// (so each is one change, with its own history, that its volunteer accepts or declines on
    /// its own). Stops at the first one refused; the store runs this as one action, so a
    /// refusal leaves none of them written.
    pub fn apply_proposals(&mut self, by: Uuid, proposals: &[Proposal], now: DateTime<Utc>) -> Result<Vec<Assignment>> {
        self.require_organizer(by, "apply match proposals")?;
        proposals.iter().map(|p| self.assign(by, p.need, p.candidate.member, Some(p.candidate.offer), "", now)).collect()
    }

    /// Whether `volunteer` may take one of the need's places (`assignment` aside): the need is not
    /// closed, has a place free, and does not have them already.
    fn check_place(&self, need: &Need, volunteer: &Member, assignment: Uuid) -> Result<()> {
        if !need.status.takes_assignments() {
            return Err(ValidationError::NeedClosed(need.status.to_string()).into());
        }
        let others = self.assignments_of_need(need.id);
        let filling: Vec<_> = others.iter().filter(|a| a.id != assignment && a.status.fills_need()).collect();
        if filling.iter().any(|a| a.volunteer == volunteer.id) {
            return Err(ValidationError::AlreadyAssigned(volunteer.display_name.clone()).into());
        }
        if filling.len() >= need.volunteers_needed as usize {
            return Err(ValidationError::NeedFull(need.volunteers_needed).into());
        }
        Ok(())
    }

    /// Whether the assignment's offer (if any) is the volunteer's, active, and has room for it.
    fn check_offer(&self, assignment: &Assignment, volunteer: &Member) -> Result<()> {
        let Some(offer_id) = assignment.offer else { return Ok(()) };
        let offer = self.offer(offer_id)?;
        if offer.status != OfferStatus::Active {
            return Err(ValidationError::OfferNotActive { what: offer.what, status: offer.status.to_string() }.into());
        }
        if offer.member != volunteer.id {
            return Err(ValidationError::OfferOfAnotherMember { what: offer.what }.into());
        }
        let open = self.assignments_of_offer(offer_id).iter().filter(|a| a.id != assignment.id && a.status.is_active()).count();
        if !offer.inexhaustible && open >= offer.capacity as usize {
            return Err(ValidationError::AtCapacity { what: offer.what, capacity: offer.capacity }.into());
        }
        Ok(())
    }

    /// Writes an assignment and, in the same change, the status its need now has.
    fn write_assignment(&mut self, action: Action, new: &Assignment, old: Option<&Assignment>, need: &Need, now: DateTime<Utc>) -> Result<()> {
        let need_after = self.need_status_with(need, new).map(|status| need.moved_to(status, now));
        self.change(action, now, |w| {
            w.put(Collection::Assignments, new.id, new, old)?;
            if let Some(after) = &need_after {
                w.put(Collection::Needs, need.id, after, Some(need))?;
            }
            Ok(())
        })
    }

    /// The status `need` takes once `changed` is written, if that is a change: a closed need
    /// stays as it is; any other follows its assignments.
    fn need_status_with(&self, need: &Need, changed: &Assignment) -> Option<NeedStatus> {
        if !need.status.takes_assignments() {
            return None;
        }
        let others = self.assignments_of_need(need.id).into_iter().filter(|a| a.id != changed.id);
        let status = NeedStatus::from_assignments(need.volunteers_needed, others.map(|a| a.status).chain([changed.status]));
        (status != need.status).then_some(status)
    }
}
