//! Offers: what members can give.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::engine::{Action, Collection, GroupDoc};
use crate::error::Result;
use crate::model::{NewOffer, Offer, OfferStatus};

impl GroupDoc {
    pub fn add_offer(&mut self, by: Uuid, input: NewOffer, now: DateTime<Utc>) -> Result<Offer> {
        self.active_member(by)?;
        let giver = self.active_member(input.member)?;
        if giver.id != by {
            self.require_organizer(by, "post offers for someone else")?;
        }
        input.validate(&self.group()?.settings)?;
        let offer = Offer {
            id: Uuid::now_v7(),
            member: input.member,
            what: input.what.trim().to_string(),
            categories: input.categories,
            kind: input.kind,
            area: input.area.trim().to_string(),
            coords: input.coords,
            availability: input.availability,
            capacity: input.capacity,
            languages: input.languages,
            inexhaustible: input.inexhaustible,
            status: OfferStatus::Active,
            created_by: by,
            created_at: now,
            updated_at: now,
        };
        self.change(Action::OfferAdd, now, |w| w.put(Collection::Offers, offer.id, &offer, None))?;
        Ok(offer)
    }

    pub fn set_offer_status(&mut self, by: Uuid, id: Uuid, status: OfferStatus, now: DateTime<Utc>) -> Result<Offer> {
        self.active_member(by)?;
        let old = self.offer(id)?;
        if old.member != by {
            self.require_organizer(by, "change someone else's offer")?;
        }
        let new = Offer { status, updated_at: now, ..old.clone() };
        self.change(Action::OfferStatus, now, |w| w.put(Collection::Offers, id, &new, Some(&old)))?;
        Ok(new)
    }
}
