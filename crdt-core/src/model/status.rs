//! Which status may follow which, for needs and assignments, and the status a need's
//! assignments give it. Every action that moves a status asks here; nothing else decides.

use chrono::{DateTime, Utc};

use super::{AssignmentStatus, Need, NeedStatus};

impl Need {
    /// The need once moved to `status` at `now`: closing it notes when; reopening it forgets
    /// that; moving between closed statuses keeps the first closing.
    pub(crate) fn moved_to(&self, status: NeedStatus, now: DateTime<Utc>) -> Need {
        let closed_at = if status.takes_assignments() { None } else { self.closed_at.or(Some(now)) };
        Need { status, updated_at: now, closed_at, ..self.clone() }
    }
}

impl NeedStatus {
    /// Whether volunteers can still be assigned (places permitting): the need is not closed.
    pub fn takes_assignments(self) -> bool {
        matches!(self, Self::Open | Self::Matched | Self::InProgress)
    }

    /// Whether a person may move a need from this status to `to`. Open, matched and in
    /// progress follow the need's assignments, so nobody moves a need between them by hand;
    /// a person closes a need (done, cancelled, expired, referred) or reopens a closed one, which
    /// then takes the status its assignments give it (`NeedStatus::from_assignments`).
    pub fn may_become(self, to: NeedStatus) -> bool {
        self == to || self.takes_assignments() != to.takes_assignments()
    }

    /// The status of a need that is not closed, from its assignments: open while places are
    /// free; once they are filled, matched, then in progress when someone has accepted or
    /// finished, and done when every place is filled by finished work.
    pub fn from_assignments(places: u32, assignments: impl IntoIterator<Item = AssignmentStatus>) -> NeedStatus {
        let (mut filling, mut active, mut started) = (0, 0, false);
        for status in assignments {
            filling += u32::from(status.fills_need());
            active += u32::from(status.is_active());
            started |= matches!(status, AssignmentStatus::Accepted | AssignmentStatus::Done);
        }
        match (filling >= places, active, started) {
            (false, _, _) => NeedStatus::Open,
            (true, 0, _) => NeedStatus::Done,
            (true, _, true) => NeedStatus::InProgress,
            (true, _, false) => NeedStatus::Matched,
        }
    }
}

impl AssignmentStatus {
    /// Whether the assignment still takes up one of the need's places and the volunteer's time.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Proposed | Self::Accepted)
    }

    /// Whether the assignment fills one of the need's places (finished work fills it too).
    pub fn fills_need(self) -> bool {
        self.is_active() || self == Self::Done
    }

    /// Whether an assignment may move from this status to `to`. A declined, cancelled or
    /// finished one may become active again (an undo, a mistake put right), but only through
    /// the same place and capacity checks as a new assignment.
    pub fn may_become(self, to: AssignmentStatus) -> bool {
        use AssignmentStatus::*;
        self == to
            || matches!(
                (self, to),
                (Proposed, Accepted | Declined | Cancelled | Done)
                    | (Accepted, Declined | Cancelled | Done)
                    | (Declined | Cancelled, Proposed | Accepted)
                    | (Done, Accepted)
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssignmentStatus::*;

    #[test]
    fn a_need_follows_its_assignments() {
        assert_eq!(NeedStatus::from_assignments(2, [Proposed]), NeedStatus::Open);
        assert_eq!(NeedStatus::from_assignments(2, [Proposed, Declined, Proposed]), NeedStatus::Matched);
        assert_eq!(NeedStatus::from_assignments(2, [Proposed, Accepted]), NeedStatus::InProgress);
        assert_eq!(NeedStatus::from_assignments(2, [Done, Accepted]), NeedStatus::InProgress);
        assert_eq!(NeedStatus::from_assignments(2, [Done, Done, Cancelled]), NeedStatus::Done);
        assert_eq!(NeedStatus::from_assignments(1, []), NeedStatus::Open);
    }

    #[test]
    fn nobody_moves_a_need_between_the_statuses_its_assignments_set() {
        assert!(NeedStatus::Open.may_become(NeedStatus::Cancelled));
        assert!(NeedStatus::Cancelled.may_become(NeedStatus::Open));
        assert!(!NeedStatus::Open.may_become(NeedStatus::InProgress));
        assert!(!NeedStatus::Cancelled.may_become(NeedStatus::Done));
    }

    #[test]
    fn finished_work_is_not_proposed_again() {
        assert!(Declined.may_become(Accepted));
        assert!(!Done.may_become(Proposed));
        assert!(!Cancelled.may_become(Done));
    }
}
