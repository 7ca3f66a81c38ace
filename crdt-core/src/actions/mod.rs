//! The domain actions, one file per domain. Each is one change through `GroupDoc::change`, and
//! checks everything (who may, what status may follow which, places, capacity) before it
//! writes anything: a refused action leaves the document's heads where they were.

use uuid::Uuid;

use crate::engine::GroupDoc;
use crate::error::Result;
use crate::model::{Member, Role};
use crate::validation::ValidationError;

mod assignments;
mod hours;
mod members;
mod needs;
mod offers;
mod referrals;
mod resolutions;
mod settings;

pub use hours::ImportedHours;
pub use members::ImportedMember;
pub use needs::ImportedNeed;
pub use referrals::{referred_need_id, Answer, Destination};

impl GroupDoc {
    /// The member `by`, if they are an organizer: `action` says what only organizers may do.
    pub(crate) fn require_organizer(&self, by: Uuid, action: &'static str) -> Result<Member> {
        let member = self.member(by)?;
        if member.role != Role::Organizer {
            return Err(ValidationError::OrganizersOnly(action).into());
        }
        Ok(member)
    }
}
