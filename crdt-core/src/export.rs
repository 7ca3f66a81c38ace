//! Everything the group holds, as one serializable value: `aidmesh export`, backups.

use serde::Serialize;

use crate::conflict::Conflict;
use crate::engine::{GroupDoc, InvalidRecord};
use crate::error::Result;
use crate::model::{Assignment, Group, HourEntry, HourVerdict, Member, Need, Offer, Resolution};

/// Everything the group holds, for `aidmesh export` and backups.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Export {
    pub group: Group,
    pub members: Vec<Member>,
    pub needs: Vec<Need>,
    pub offers: Vec<Offer>,
    pub assignments: Vec<Assignment>,
    pub resolutions: Vec<Resolution>,
    pub hour_entries: Vec<HourEntry>,
    pub hour_verdicts: Vec<HourVerdict>,
    pub conflicts: Vec<Conflict>,
    pub invalid_records: Vec<InvalidRecord>,
}

impl GroupDoc {
    pub fn export(&self) -> Result<Export> {
        let (members, needs, offers, assignments, resolutions) =
            (self.members(), self.needs(), self.offers(), self.assignments(), self.resolutions());
        let (hour_entries, hour_verdicts) = (self.hour_entries(), self.hour_verdicts());
        let invalid_records = [
            &members.invalid,
            &needs.invalid,
            &offers.invalid,
            &assignments.invalid,
            &resolutions.invalid,
            &hour_entries.invalid,
            &hour_verdicts.invalid,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        Ok(Export {
            group: self.group()?,
            members: members.records,
            needs: needs.records,
            offers: offers.records,
            assignments: assignments.records,
            resolutions: resolutions.records,
            hour_entries: hour_entries.records,
            hour_verdicts: hour_verdicts.records,
            conflicts: self.conflicts(),
            invalid_records,
        })
    }
}
