//! The group itself: its creation, areas, retention, time zone, organizer key, secret epoch and
//! renewals of its record.

use automerge::ActorId;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::members::new_member;
use crate::engine::{Action, Collection, GroupDoc, Purged, Renewal};
use crate::error::{Error, Result};
use crate::model::{parse_time_zone, AreaInfo, Group, Member, NewMember, Settings};
use crate::validation::{check_text, Field, ValidationError, MAX_RENEW_EVERY_MONTHS, MAX_RETENTION_DAYS, MAX_TITLE};

impl GroupDoc {
    /// Starts a new group with its first member (an organizer, normally), mapped to `actor`.
    pub fn create(actor: ActorId, name: &str, founder: NewMember, now: DateTime<Utc>) -> Result<(Self, Member)> {
        check_text(Field::GroupName, name, MAX_TITLE)?;
        let settings = Settings::default();
        founder.validate(&settings)?;
        let group = Group { id: Uuid::now_v7(), name: name.trim().to_string(), created_at: now, settings, organizer_key: None, retired_organizer_keys: Vec::new(), epoch: 0, epoch_secret: String::new() };
        let mut doc = GroupDoc::empty(actor.clone());
        let member = new_member(founder, now);
        doc.change(Action::GroupCreate, now, |w| {
            w.put_group(&group, None)?;
            w.create_collections()?;
            w.put_actor(&actor.to_hex_string(), member.id)?;
            w.put(Collection::Members, member.id, &member, None)
        })?;
        Ok((doc, member))
    }

    /// Renews the group's record at this device's heads: a new generation starts from all it
    /// holds (`engine/generation.rs`), without the text in `purged`. Organizers only, once (a
    /// renewal already here is the one to move to), and only with no conflict open, since the
    /// new record starts with one value per field: decide them first, so none is dropped unseen.
    pub fn renew(&mut self, by: Uuid, purged: Vec<Purged>, now: DateTime<Utc>) -> Result<Renewal> {
        self.active_member(by)?;
        self.require_organizer(by, "renew the group's record")?;
        if !self.renewals().is_empty() {
            return Err(ValidationError::AlreadyRenewed.into());
        }
        let open = self.conflicts().len();
        if open > 0 {
            return Err(ValidationError::ConflictsOpen(open).into());
        }
        self.purged_texts(&purged)?;
        let renewal = Renewal::new(&self.heads(), now, by, purged);
        self.record_renewal(&renewal)?;
        Ok(renewal)
    }

    /// The text each purge would leave out, as it reads now: only free text of a record that is
    /// here can be purged.
    pub fn purged_texts(&self, purged: &[Purged]) -> Result<Vec<String>> {
        purged
            .iter()
            .map(|Purged { collection, record, field }| {
                if !Purged::FIELDS.contains(&(*collection, field.as_str())) {
                    return Err(ValidationError::NotPurgeable(field.clone()).into());
                }
                let json = self.written_json(*collection, record)?.ok_or_else(|| Error::NotFound { kind: collection.noun(), id: record.clone() })?;
                Ok(json.get(field).and_then(|text| text.as_str()).unwrap_or_default().to_string())
            })
            .collect()
    }

    /// Moves the group to the secret `secret_id` of epoch `epoch`, which the caller has sealed
    /// to every remaining device (see `Store::remove_member`). The secret never moves back.
    pub fn move_to_epoch(&mut self, by: Uuid, epoch: u32, secret_id: u64, now: DateTime<Utc>) -> Result<()> {
        self.require_organizer(by, "change the group secret")?;
        let old = self.group()?;
        let moved = Group { epoch, epoch_secret: format!("{secret_id:016x}"), ..old.clone() };
        let new = if moved.epoch_rank() > old.epoch_rank() { moved } else { old.clone() };
        self.change(Action::GroupEpoch, now, |w| w.put_group(&new, Some(&old)))
    }

    pub fn add_area(&mut self, by: Uuid, name: &str, neighbours: &[String], now: DateTime<Utc>) -> Result<()> {
        self.require_organizer(by, "add areas")?;
        check_text(Field::AreaName, name, MAX_TITLE)?;
        let old = self.group()?;
        if old.settings.areas.contains_key(name.trim()) {
            return Err(ValidationError::AreaExists(name.trim().to_string()).into());
        }
        if let Some(unknown) = neighbours.iter().find(|n| !old.settings.areas.contains_key(n.as_str())) {
            return Err(ValidationError::Unknown {
                what: Field::Area,
                value: unknown.clone(),
                allowed: old.settings.areas.keys().cloned().collect::<Vec<_>>().join(", "),
            }
            .into());
        }
        // Only the new area's own entry is written: adjacency is read both ways (see
        // `Settings::neighbours`), so organizers adding areas apart never touch the same list.
        let mut new = old.clone();
        new.settings.areas.insert(name.trim().to_string(), AreaInfo { neighbours: neighbours.to_vec() });
        self.change(Action::AreaAdd, now, |w| w.put_group(&new, Some(&old)))
    }

    /// How long contact details are kept after a need closes, and how long past 'needed by' an
    /// unanswered need waits before it counts as expired. Organizers only.
    pub fn set_retention(&mut self, by: Uuid, expiry_days: u32, grace_days: u32, now: DateTime<Utc>) -> Result<Group> {
        self.require_organizer(by, "change how long details are kept")?;
        for (field, days) in [(Field::ExpiryDays, expiry_days), (Field::GraceDays, grace_days)] {
            if !(1..=MAX_RETENTION_DAYS).contains(&days) {
                return Err(ValidationError::DaysOutOfRange { field, days, max: MAX_RETENTION_DAYS }.into());
            }
        }
        let old = self.group()?;
        let mut new = old.clone();
        (new.settings.expiry_days, new.settings.grace_days) = (expiry_days, grace_days);
        self.change(Action::GroupRetention, now, |w| w.put_group(&new, Some(&old)))?;
        Ok(new)
    }

    /// The group's time zone (an IANA name such as `Europe/Madrid`): a date typed alone means
    /// the end of that day there, and weekly slots are read there. Organizers only.
    pub fn set_time_zone(&mut self, by: Uuid, zone: &str, now: DateTime<Utc>) -> Result<Group> {
        self.require_organizer(by, "change the group's time zone")?;
        let zone = parse_time_zone(zone)?;
        let old = self.group()?;
        let mut new = old.clone();
        new.settings.time_zone = zone.name().to_string();
        self.change(Action::GroupTimeZone, now, |w| w.put_group(&new, Some(&old)))?;
        Ok(new)
    }

    /// How many months the group's record runs before it is due for renewal; 0 renews it only
    /// when an organizer asks. Organizers only.
    pub fn set_renewal_schedule(&mut self, by: Uuid, months: u32, now: DateTime<Utc>) -> Result<Group> {
        self.require_organizer(by, "change when the group's record is renewed")?;
        if months > MAX_RENEW_EVERY_MONTHS {
            return Err(ValidationError::TooBig { field: Field::RenewEveryMonths, max: MAX_RENEW_EVERY_MONTHS }.into());
        }
        let old = self.group()?;
        let mut new = old.clone();
        new.settings.renew_every_months = months;
        self.change(Action::GroupSchedule, now, |w| w.put_group(&new, Some(&old)))?;
        Ok(new)
    }

    /// Records the organizer key's public half: when the group is made, and again when an
    /// organizer leaves (the key it replaces is retired, so devices delete what was sealed to it).
    pub fn set_organizer_key(&mut self, by: Uuid, public_hex: &str, now: DateTime<Utc>) -> Result<()> {
        self.require_organizer(by, "set the organizer key")?;
        let old = self.group()?;
        let mut retired = old.retired_organizer_keys.clone();
        retired.extend(old.organizer_key.clone().filter(|key| key != public_hex));
        let new = Group { organizer_key: Some(public_hex.to_string()), retired_organizer_keys: retired, ..old.clone() };
        self.change(Action::GroupOrganizerKey, now, |w| w.put_group(&new, Some(&old)))
    }
}
