//! The group's lists as CSV files for a spreadsheet: needs, offers, members and hours. The needs'
//! headers are the names `aidmesh import needs` reads, so an exported list imports back as it was.
//! Contact columns are written only when the caller passes the details it could open.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use crdt_core::{Contact, LedgerEntry, LedgerFilter, Member, Names, Need, NeedFilter, Offer, OfferFilter, Role, Store, Uuid, ValidationError};
use serde::Serialize;

/// What `write_lists` wrote.
#[derive(Debug, Serialize)]
pub struct Written {
    pub files: Vec<PathBuf>,
    pub needs: usize,
    pub offers: usize,
    pub members: usize,
    pub hours: usize,
    /// Contact details written in clear text (0 unless asked for).
    pub contacts: usize,
}

/// Writes the lists of the group `store` holds into `dir`. Contact details only when asked for,
/// and only on an organizer's device (as far as it can open them).
pub fn write_lists(store: &mut Store, dir: &Path, with_contacts: bool) -> crdt_core::Result<Written> {
    let members = store.members()?;
    let contacts = match with_contacts {
        false => None,
        true => {
            let me = store.me()?;
            if !members.iter().any(|m| m.id == me && m.role == Role::Organizer) {
                return Err(ValidationError::OrganizersOnly("export the contact details of the people helped").into());
            }
            Some(store.readable_contacts()?.into_iter().collect::<HashMap<_, _>>())
        }
    };
    let (needs, offers) = (store.needs(&NeedFilter::default())?, store.offers(&OfferFilter::default())?);
    let hours = store.ledger(&LedgerFilter::default())?.entries;
    let lists = Lists { needs: &needs, offers: &offers, members: &members, hours: &hours, contacts: contacts.as_ref() };
    let files = lists.write(dir).map_err(|e| crdt_core::Error::Io { context: format!("could not write the lists into {}", dir.display()), source: std::io::Error::other(e) })?;
    let contacts = contacts.as_ref().map_or(0, HashMap::len);
    Ok(Written { files, needs: needs.len(), offers: offers.len(), members: members.len(), hours: hours.len(), contacts })
}

/// What to write.
pub struct Lists<'a> {
    pub needs: &'a [Need],
    pub offers: &'a [Offer],
    pub members: &'a [Member],
    pub hours: &'a [LedgerEntry],
    /// Each need's contact details, when the person asked for them on a device that can open
    /// them; `None` writes no contact column at all.
    pub contacts: Option<&'a HashMap<Uuid, Contact>>,
}

const NEED_COLUMNS: [&str; 13] =
    ["id", "posted at", "title", "description", "category", "urgency", "area", "status", "languages", "household size", "recurring", "volunteers needed", "closed at"];
const CONTACT_COLUMNS: [&str; 5] = ["contact name", "phone", "email", "address", "notes"];

impl Lists<'_> {
    /// Writes needs.csv, offers.csv, members.csv and hours.csv into `dir`; returns the files.
    pub fn write(&self, dir: &Path) -> csv::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let names = Names::new(self.members);
        let tables = [("needs", self.needs_table()), ("offers", self.offers_table(&names)), ("members", self.members_table()), ("hours", self.hours_table(&names))];
        let mut files = Vec::new();
        for (name, (header, rows)) in tables {
            let path = dir.join(format!("{name}.csv"));
            let mut file = csv::Writer::from_path(&path)?;
            file.write_record(&header)?;
            for row in rows {
                file.write_record(&row)?;
            }
            file.flush()?;
            files.push(path);
        }
        Ok(files)
    }

    fn needs_table(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let mut header = NEED_COLUMNS.to_vec();
        header.extend(self.contacts.map(|_| CONTACT_COLUMNS).into_iter().flatten());
        let rows = self
            .needs
            .iter()
            .map(|need| {
                let mut row = vec![
                    need.id.to_string(),
                    moment(need.created_at),
                    need.title.clone(),
                    need.description.clone(),
                    need.category.to_string(),
                    need.urgency.to_string(),
                    need.area.clone(),
                    need.status.to_string(),
                    need.languages.join(", "),
                    need.household_size.map(|n| n.to_string()).unwrap_or_default(),
                    yes_no(need.recurring),
                    need.volunteers_needed.to_string(),
                    need.closed_at.map(moment).unwrap_or_default(),
                ];
                if let Some(contacts) = self.contacts {
                    let contact = contacts.get(&need.id).cloned().unwrap_or_default();
                    row.extend([contact.name, contact.phone, contact.email, contact.address, contact.notes]);
                }
                row
            })
            .collect();
        (header, rows)
    }

    fn offers_table(&self, names: &Names) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let header = vec!["id", "member", "what", "categories", "kind", "area", "capacity", "status", "languages", "availability", "posted at"];
        let rows = self
            .offers
            .iter()
            .map(|offer| {
                let availability = offer.availability.weekly.iter().map(ToString::to_string).chain(offer.availability.dates.iter().map(ToString::to_string));
                vec![
                    offer.id.to_string(),
                    names.of(offer.member),
                    offer.what.clone(),
                    offer.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
                    offer.kind.to_string(),
                    offer.area.clone(),
                    if offer.inexhaustible { "unlimited".into() } else { offer.capacity.to_string() },
                    offer.status.to_string(),
                    offer.languages.join(", "),
                    availability.collect::<Vec<_>>().join(", "),
                    moment(offer.created_at),
                ]
            })
            .collect();
        (header, rows)
    }

    fn members_table(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let header = vec!["id", "name", "role", "languages", "skills", "home area", "joined", "removed"];
        let rows = self
            .members
            .iter()
            .map(|m| {
                vec![
                    m.id.to_string(),
                    m.display_name.clone(),
                    m.role.to_string(),
                    m.languages.join(", "),
                    m.skills.join(", "),
                    m.home_area.clone().unwrap_or_default(),
                    moment(m.created_at),
                    m.removed_at.map(moment).unwrap_or_default(),
                ]
            })
            .collect();
        (header, rows)
    }

    fn hours_table(&self, names: &Names) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let header = vec!["id", "logged at", "given by", "received by", "hours", "category", "status", "note"];
        let rows = self
            .hours
            .iter()
            .map(|e| {
                let entry = &e.entry;
                vec![
                    entry.id.to_string(),
                    moment(entry.created_at),
                    names.of(entry.from),
                    names.party(entry.to),
                    entry.hours.to_string(),
                    entry.category.map(|c| c.to_string()).unwrap_or_default(),
                    e.status.to_string(),
                    entry.note.clone(),
                ]
            })
            .collect();
        (header, rows)
    }
}

fn moment(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.into()
}
