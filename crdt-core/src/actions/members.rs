//! Members and their devices: who is in the group, with what role.

use std::collections::HashSet;

use automerge::ActorId;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::engine::{Action, Collection, GroupDoc};
use crate::error::Result;
use crate::model::{Member, NewMember, NewOffer, Role};
use crate::validation::ValidationError;

/// A member from a group's volunteer sheet, with an id from the sheet's row so that importing
/// it again, and hours that name the same person, find this member.
#[derive(Clone, Debug)]
pub struct ImportedMember {
    pub id: Uuid,
    pub member: NewMember,
    /// What they said they can do, as an offer (its `member` is set to this member).
    pub offer: Option<NewOffer>,
}

impl GroupDoc {
    /// Records that the device writing as `actor` writes on behalf of `member`. Organizers only
    /// (a device that joins by invite binds itself in `join_as`); a device already bound stays
    /// bound to its member.
    pub fn bind_device(&mut self, by: Uuid, actor: &ActorId, member: Uuid, now: DateTime<Utc>) -> Result<()> {
        self.require_organizer(by, "add devices")?;
        self.active_member(member)?;
        let actor = actor.to_hex_string();
        self.change(Action::DeviceRegister, now, |w| {
            w.mention(member);
            w.put_actor(&actor, member)
        })
    }

    /// Records one of `member`'s devices (its public key), and that this document's actor writes
    /// for them.
    pub fn add_device(&mut self, member: Uuid, device: &str, now: DateTime<Utc>) -> Result<Member> {
        let old = self.member(member)?;
        let mut new = old.clone();
        if !new.device_ids.iter().any(|d| d == device) {
            new.device_ids.push(device.to_string());
        }
        let actor = self.actor().to_hex_string();
        self.change(Action::DeviceAdd, now, |w| {
            w.put(Collection::Members, member, &new, Some(&old))?;
            w.put_actor(&actor, member)
        })?;
        Ok(new)
    }

    /// A device that joined by invite adds its person as a volunteer. Holding the group secret
    /// is what lets it in; organizers can change the role later.
    pub fn join_as(&mut self, name: &str, device: &str, now: DateTime<Utc>) -> Result<Member> {
        let input = NewMember::new(name, Role::Volunteer);
        input.validate(&self.group()?.settings)?;
        let member = Member { device_ids: vec![device.to_string()], ..new_member(input, now) };
        let actor = self.actor().to_hex_string();
        self.change(Action::MemberJoin, now, |w| {
            w.put(Collection::Members, member.id, &member, None)?;
            w.put_actor(&actor, member.id)
        })?;
        Ok(member)
    }

    pub fn add_member(&mut self, by: Uuid, input: NewMember, now: DateTime<Utc>) -> Result<Member> {
        self.require_organizer(by, "add members")?;
        input.validate(&self.group()?.settings)?;
        let member = new_member(input, now);
        self.change(Action::MemberAdd, now, |w| w.put(Collection::Members, member.id, &member, None))?;
        Ok(member)
    }

    /// Adds members from a group's volunteer sheet (organizers), skipping those held already,
    /// each with the offer their row makes. Every one is checked before any is written. Returns
    /// the ids added.
    pub fn import_members(&mut self, by: Uuid, members: Vec<ImportedMember>, now: DateTime<Utc>) -> Result<Vec<Uuid>> {
        self.require_organizer(by, "import records")?;
        let settings = self.group()?.settings;
        let (mut new, mut seen) = (Vec::new(), HashSet::new());
        for imported in members {
            if self.member(imported.id).is_ok() || !seen.insert(imported.id) {
                continue;
            }
            imported.member.validate(&settings)?;
            if let Some(offer) = &imported.offer {
                offer.validate(&settings)?;
            }
            new.push(imported);
        }
        let ids = new.iter().map(|m| m.id).collect();
        for imported in new {
            let member = Member { id: imported.id, ..new_member(imported.member, now) };
            self.change(Action::MemberAdd, now, |w| w.put(Collection::Members, member.id, &member, None))?;
            if let Some(offer) = imported.offer {
                self.add_offer(by, NewOffer { member: member.id, ..offer }, now)?;
            }
        }
        Ok(ids)
    }

    pub fn remove_member(&mut self, by: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<Member> {
        self.require_organizer(by, "remove members")?;
        if by == id {
            return Err(ValidationError::RemoveSelf.into());
        }
        let old = self.active_member(id)?;
        let removed = Member { removed_at: Some(now), ..old.clone() };
        self.change(Action::MemberRemove, now, |w| w.put(Collection::Members, id, &removed, Some(&old)))?;
        Ok(removed)
    }

    /// Makes a member an organizer or a volunteer again. Organizers only; nobody changes their
    /// own role, so a group always keeps the organizer who made the change.
    pub fn set_role(&mut self, by: Uuid, id: Uuid, role: Role, now: DateTime<Utc>) -> Result<Member> {
        self.require_organizer(by, "change roles")?;
        if by == id {
            return Err(ValidationError::OwnRole.into());
        }
        let old = self.active_member(id)?;
        let new = Member { role, ..old.clone() };
        self.change(Action::MemberRole, now, |w| w.put(Collection::Members, id, &new, Some(&old)))?;
        Ok(new)
    }
}

/// A new member record from what was typed.
pub(crate) fn new_member(input: NewMember, now: DateTime<Utc>) -> Member {
    Member {
        id: Uuid::now_v7(),
        display_name: input.display_name.trim().to_string(),
        role: input.role,
        languages: input.languages,
        skills: input.skills,
        home_area: input.home_area,
        device_ids: Vec::new(),
        removed_at: None,
        created_at: now,
    }
}
