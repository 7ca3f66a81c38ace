//! Records brought over from a group's spreadsheets and forms: needs whose contact details are
//! sealed on the way in, all in one write.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::privacy::contact_outlived;
use super::{NeedFilter, Store};
use crate::actions::ImportedNeed;
use crate::error::{Error, Result};
use crate::model::{NeedStatus, NewNeed};
use crate::seal::{Contact, Key32};

/// One need to import, with the contact details (plaintext, on this device only) to seal.
#[derive(Clone, Debug)]
pub struct NeedToImport {
    /// Derived from the source row, so importing the row again finds it.
    pub id: Uuid,
    pub need: NewNeed,
    pub status: NeedStatus,
    pub posted_at: DateTime<Utc>,
    pub contact: Contact,
}

/// What an import wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Imported {
    pub added: usize,
    /// Rows imported before (on this device or another): nothing was written for them.
    pub held_already: usize,
    pub contacts_sealed: usize,
    /// Contact details left out because the need closed longer ago than the group keeps them.
    pub contacts_not_kept: usize,
}

/// How far an import has got, for a person watching a large one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportProgress {
    /// Rows checked and their contact details sealed, of all rows.
    Sealing { done: usize, of: usize },
    /// Everything is sealed; the needs are being written in one transaction.
    Writing { needs: usize },
}

impl Store {
    /// Adds the needs not held yet in one durable write, or nothing at all. Contact details are
    /// sealed to this device and the organizer key, like `set_contact`; a closed need whose
    /// details the group would have shredded by now gets none.
    pub fn import_needs(&mut self, rows: Vec<NeedToImport>, mut progress: impl FnMut(ImportProgress)) -> Result<Imported> {
        // Refused before anything is sealed, so a volunteer's attempt leaves no envelopes behind.
        let me = self.me()?;
        self.doc()?.require_organizer(me, "import records")?;
        let (group, now, of) = (self.group()?, Utc::now(), rows.len());
        let mut outcome = Imported::default();
        let (mut needs, mut envelopes) = (Vec::with_capacity(rows.len()), Vec::new());
        for (done, row) in rows.into_iter().enumerate() {
            if done % 500 == 0 {
                progress(ImportProgress::Sealing { done, of });
            }
            if self.need(row.id).is_ok() {
                outcome.held_already += 1;
                continue;
            }
            let mut sealed_contact = None;
            if !row.contact.is_empty() {
                row.contact.validate()?;
                if contact_outlived(row.status, row.posted_at, group.settings.expiry_days, now) {
                    outcome.contacts_not_kept += 1;
                } else {
                    let organizer = group.organizer_key.as_deref().ok_or(Error::NoOrganizerKey)?;
                    let (sealed, keys) = self.seal_contact(row.id, &row.contact, &Key32::generate(), organizer);
                    envelopes.extend(keys);
                    sealed_contact = Some(sealed);
                    outcome.contacts_sealed += 1;
                }
            }
            needs.push(ImportedNeed { id: row.id, need: row.need, status: row.status, posted_at: row.posted_at, sealed_contact });
        }
        progress(ImportProgress::Writing { needs: needs.len() });
        // Keys first: a failed write leaves spare envelopes, never details nobody can open.
        self.insert_envelopes(&envelopes)?;
        outcome.added = self.act(|doc, me, now| doc.import_needs(me, needs, now))?.len();
        Ok(outcome)
    }

    /// Every need's contact details this device can open: what an import compares phone
    /// numbers with to flag likely duplicates.
    pub fn readable_contacts(&mut self) -> Result<Vec<(Uuid, Contact)>> {
        let needs = self.needs(&NeedFilter::default())?;
        Ok(needs.into_iter().filter(|need| need.sealed_contact.is_some()).filter_map(|need| self.contact(need.id).ok().map(|c| (need.id, c))).collect())
    }
}
