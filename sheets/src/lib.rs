//! A group's spreadsheets, in and out. In: the records it kept before, from sheets and form
//! exports:
//! - `table` reads the file as it comes (encoding, delimiter, quoting);
//! - `columns` says which column holds what, `values` what the words in a cell mean, `dates`
//!   how its dates read;
//! - `needs` plans the import: the dry run, with every bad row's line and every question;
//! - `Store::import_needs` (crdt-core) writes a ready plan in one transaction.
//!
//! Presets name a known sheet's columns and words so a group maps them once.
//!
//! Out: `export` writes the group's lists as CSV files, in the columns an import reads.

use crdt_core::Uuid;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

pub mod columns;
pub mod dates;
pub mod export;
pub mod hours;
pub mod members;
pub mod needs;
pub mod presets;
pub mod problems;
pub mod table;
pub mod values;

pub use columns::{Mapping, Target};
pub use dates::DateOrder;
pub use export::{write_lists, Lists, Written};
pub use needs::{plan, Answers, Destination, LineNote, Plan, Question, Summary};
pub use presets::Presets;
pub use problems::RowProblem;
pub use table::Table;
pub use values::Values;

/// Why a file, a mapping or an answer cannot be used. Nothing has been written.
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("the file is {bytes} bytes; an import takes at most {max} (split it)")]
    TooLarge { bytes: usize, max: usize },
    #[error("this is not a text file (a spreadsheet saved as .xlsx or .ods?): save it as CSV and import that")]
    Binary,
    #[error("the file is not readable as {0} text")]
    Undecodable(&'static str),
    #[error("the file has no rows to import")]
    Empty,
    #[error("line {line} has {columns} columns; an import takes at most {max}")]
    TooManyColumns { line: u64, columns: usize, max: usize },
    #[error("line {line} has a cell longer than {max} characters")]
    CellTooLong { line: u64, max: usize },
    #[error("the file has more than {max} rows; split it")]
    TooManyRows { max: usize },
    #[error("the file cannot be read as CSV: {0}")]
    Unreadable(String),
    #[error("'{0}' is not something to import into; use one of: title, description, category, urgency, area, status, posted_at, languages, household_size, recurring, channel, contact_name, phone, email, address, notes, organizer_notes, key, name, skills, availability, skip")]
    UnknownTarget(String),
    #[error("the file has no column called '{0}'")]
    NoSuchColumn(String),
    #[error("'{meaning}' is not a {target}; use one of: {allowed}")]
    BadMeaning { target: &'static str, meaning: String, allowed: String },
    #[error("the {0} column takes its cells as they are; there are no values to give a meaning")]
    NoValuesFor(&'static str),
    #[error("no preset called '{0}' (built in: {1})")]
    UnknownPreset(String, String),
    #[error("the preset cannot be read: {0}")]
    BadPreset(String),
    #[error("the import has questions to answer or rows to mend; nothing was imported")]
    NotReady,
    #[error("a preset's name is letters, digits, - and _ (got '{0}')")]
    PresetName(String),
    #[error("the preset was not saved: {0}")]
    PresetNotSaved(String),
}

/// A known sheet's columns and words: built in for the sheets groups commonly have, or saved
/// by an organizer after mapping their own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Preset {
    /// Header → what it holds; headers not named are suggested as usual.
    pub columns: Vec<(String, Target)>,
    #[serde(default)]
    pub values: Values,
    /// How the rows came in, where no column says.
    #[serde(default)]
    pub channel: Option<crdt_core::Channel>,
}

/// The presets every device has.
pub const BUILT_IN: [&str; 2] = ["google-form", "airtable"];

impl Preset {
    pub fn built_in(name: &str) -> Result<Preset, ImportError> {
        let columns: &[(&str, Target)] = match name {
            // A Google Form of requests and the sheet it fills, with the organizers' columns.
            "google-form" => &[
                ("Timestamp", Target::PostedAt),
                ("Name", Target::ContactName),
                ("Address", Target::Address),
                ("email", Target::Email),
                ("telephone", Target::Phone),
                ("anonymous?", Target::Notes),
                ("household size", Target::HouseholdSize),
                ("at-risk?", Target::Notes),
                ("What do you need? Check all that apply", Target::Category),
                ("How urgent is it?", Target::Urgency),
                ("details", Target::Description),
                ("recurring?", Target::Recurring),
                ("Status", Target::Status),
                ("Organizer", Target::OrganizerNotes),
                ("Organizer Results and Comments", Target::OrganizerNotes),
            ],
            // A city group's Airtable base of hotline requests.
            "airtable" => &[
                ("Phone", Target::Phone),
                ("Time", Target::PostedAt),
                ("Text or Voice?", Target::Channel),
                ("Message", Target::Notes),
                ("Cross Street #1", Target::Address),
                ("Cross Street #2", Target::Address),
                ("Email", Target::Email),
                ("Neighborhood Area", Target::Area),
                ("Languages", Target::Languages),
                ("Support types", Target::Category),
                ("Intake volunteer", Target::OrganizerNotes),
                ("Delivery volunteer", Target::OrganizerNotes),
                ("Time Sensitivity", Target::Urgency),
                ("Intake Notes", Target::Notes),
                ("External Id", Target::Key),
                ("Household Size", Target::HouseholdSize),
                ("Status", Target::Status),
            ],
            other => return Err(ImportError::UnknownPreset(other.to_string(), BUILT_IN.join(", "))),
        };
        let channel = (name == "google-form").then_some(crdt_core::Channel::WebForm);
        Ok(Preset { columns: columns.iter().map(|(h, t)| (h.to_string(), *t)).collect(), values: Values::default(), channel })
    }

    /// The mapping for a file with `headers`: the preset's columns, suggestions for the rest.
    pub fn mapping(&self, headers: &[String]) -> Mapping {
        let mut mapping = Mapping::suggest(headers);
        for (header, target) in &self.columns {
            // A preset column missing from this file is no error: sheets grow and lose columns.
            let _ = mapping.set(header, *target);
        }
        mapping
    }

    /// What an organizer saved: the mapping and the answers about values.
    pub fn saved(mapping: &Mapping, values: &Values, channel: Option<crdt_core::Channel>) -> Preset {
        Preset { columns: mapping.columns.clone(), values: values.clone(), channel }
    }
}

/// The id a record imported from a row gets in `group`: the same for the same row on every
/// device, so importing again adds nothing. `kind` keeps a need's id from a member's. The key is
/// hashed first, so the id does not let a member who cannot open contact details read them
/// back out of it.
pub(crate) fn derived_id(group: Uuid, kind: &str, key: &str) -> Uuid {
    let digest = Sha256::digest(format!("{kind}\u{1e}{key}").as_bytes());
    Uuid::new_v5(&group, &digest)
}
