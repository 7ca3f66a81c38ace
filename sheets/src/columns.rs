//! What each column of a sheet holds: suggested from its header (English or Spanish), set by a
//! preset, or by the person importing. Contact columns only ever reach the sealed details.

use serde::{Deserialize, Serialize};

use crate::ImportError;

/// Where a column's cells go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Title,
    Description,
    /// One or several categories (a multi-select cell).
    Category,
    Urgency,
    Area,
    Status,
    /// When the request came in.
    PostedAt,
    Languages,
    HouseholdSize,
    Recurring,
    /// How the request came in (phone, text, paper, walk-in, web form).
    Channel,
    /// Sealed: only organizers and the assigned volunteers read it.
    ContactName,
    /// Sealed.
    Phone,
    /// Sealed.
    Email,
    /// Sealed; several columns (cross streets) are joined.
    Address,
    /// Sealed, as "header: value" lines: messages, health, intake notes.
    Notes,
    /// Sealed like notes, but written by organizers later, so a changed comment does not make
    /// the row look new.
    OrganizerNotes,
    /// The row's own id in the old system: importing the row again finds it by this.
    Key,
    /// A member's name (volunteer sheets).
    Name,
    /// The ways a member helps (volunteer sheets): categories become their offer, other words
    /// their skills.
    Skills,
    /// When a member can help (volunteer sheets): weekly slots like "sat 10:00-14:00", or words.
    Availability,
    /// Not imported.
    Skip,
}

impl Target {
    pub const ALL: [Target; 22] = [
        Target::Title,
        Target::Description,
        Target::Category,
        Target::Urgency,
        Target::Area,
        Target::Status,
        Target::PostedAt,
        Target::Languages,
        Target::HouseholdSize,
        Target::Recurring,
        Target::Channel,
        Target::ContactName,
        Target::Phone,
        Target::Email,
        Target::Address,
        Target::Notes,
        Target::OrganizerNotes,
        Target::Key,
        Target::Name,
        Target::Skills,
        Target::Availability,
        Target::Skip,
    ];

    /// What a column of a sheet of requests can hold: all but the volunteer sheets' own.
    pub fn for_needs() -> impl Iterator<Item = Target> {
        Target::ALL.into_iter().filter(|t| !matches!(t, Target::Name | Target::Skills | Target::Availability))
    }

    /// What a column of a volunteer sheet can hold (phone and email are read, to tell people
    /// apart, but not kept).
    pub const FOR_MEMBERS: [Target; 9] =
        [Target::Name, Target::Languages, Target::Skills, Target::Area, Target::Availability, Target::Key, Target::Phone, Target::Email, Target::Skip];

    pub fn name(self) -> &'static str {
        match self {
            Target::Title => "title",
            Target::Description => "description",
            Target::Category => "category",
            Target::Urgency => "urgency",
            Target::Area => "area",
            Target::Status => "status",
            Target::PostedAt => "posted_at",
            Target::Languages => "languages",
            Target::HouseholdSize => "household_size",
            Target::Recurring => "recurring",
            Target::Channel => "channel",
            Target::ContactName => "contact_name",
            Target::Phone => "phone",
            Target::Email => "email",
            Target::Address => "address",
            Target::Notes => "notes",
            Target::OrganizerNotes => "organizer_notes",
            Target::Key => "key",
            Target::Name => "name",
            Target::Skills => "skills",
            Target::Availability => "availability",
            Target::Skip => "skip",
        }
    }

    pub fn parse(text: &str) -> Result<Target, ImportError> {
        let wanted = text.trim().to_lowercase().replace(['-', ' '], "_");
        Target::ALL.into_iter().find(|t| t.name() == wanted).ok_or_else(|| ImportError::UnknownTarget(text.to_string()))
    }

    /// Whether the column goes only into the sealed contact details.
    pub fn is_sealed(self) -> bool {
        matches!(self, Target::ContactName | Target::Phone | Target::Email | Target::Address | Target::Notes | Target::OrganizerNotes)
    }

    /// Whether the cells were given by the person asking (not edited by organizers since), so
    /// they identify the row when it is imported again.
    pub(crate) fn identifies_row(self) -> bool {
        !matches!(self, Target::Status | Target::OrganizerNotes | Target::Skip)
    }
}

/// Header names, normalised, and what they usually hold. A header that starts with one of the
/// long form questions counts too ("What do you need? Check all that apply").
const HEADERS: &[(&str, Target)] = &[
    ("title", Target::Title),
    ("titulo", Target::Title),
    ("summary", Target::Title),
    ("resumen", Target::Title),
    ("details", Target::Description),
    ("detalles", Target::Description),
    ("description", Target::Description),
    ("descripcion", Target::Description),
    ("what do you need", Target::Category),
    ("que necesitas", Target::Category),
    ("support types", Target::Category),
    ("support type", Target::Category),
    ("category", Target::Category),
    ("categories", Target::Category),
    ("categoria", Target::Category),
    ("tipo de ayuda", Target::Category),
    ("urgency", Target::Urgency),
    ("urgencia", Target::Urgency),
    ("time sensitivity", Target::Urgency),
    ("how urgent", Target::Urgency),
    ("how soon", Target::Urgency),
    ("area", Target::Area),
    ("neighborhood", Target::Area),
    ("neighborhood area", Target::Area),
    ("neighbourhood", Target::Area),
    ("barrio", Target::Area),
    ("zona", Target::Area),
    ("status", Target::Status),
    ("estado", Target::Status),
    ("timestamp", Target::PostedAt),
    ("posted at", Target::PostedAt),
    ("time", Target::PostedAt),
    ("marca temporal", Target::PostedAt),
    ("fecha", Target::PostedAt),
    ("date", Target::PostedAt),
    ("languages", Target::Languages),
    ("language", Target::Languages),
    ("idiomas", Target::Languages),
    ("idioma", Target::Languages),
    ("household size", Target::HouseholdSize),
    ("personas en el hogar", Target::HouseholdSize),
    ("tamano del hogar", Target::HouseholdSize),
    ("recurring", Target::Recurring),
    ("recurrente", Target::Recurring),
    ("name", Target::ContactName),
    ("nombre", Target::ContactName),
    ("full name", Target::ContactName),
    ("contact name", Target::ContactName),
    ("phone", Target::Phone),
    ("telephone", Target::Phone),
    ("phone number", Target::Phone),
    ("telefono", Target::Phone),
    ("celular", Target::Phone),
    ("email", Target::Email),
    ("e mail", Target::Email),
    ("email address", Target::Email),
    ("correo", Target::Email),
    ("correo electronico", Target::Email),
    ("address", Target::Address),
    ("direccion", Target::Address),
    ("cross street 1", Target::Address),
    ("cross street 2", Target::Address),
    ("message", Target::Notes),
    ("mensaje", Target::Notes),
    ("notes", Target::Notes),
    ("notas", Target::Notes),
    ("intake notes", Target::Notes),
    ("at risk", Target::Notes),
    ("anonymous", Target::Notes),
    ("anonimo", Target::Notes),
    ("text or voice", Target::Channel),
    ("channel", Target::Channel),
    ("canal", Target::Channel),
    ("organizer results and comments", Target::OrganizerNotes),
    ("organizer", Target::OrganizerNotes),
    ("intake volunteer", Target::OrganizerNotes),
    ("delivery volunteer", Target::OrganizerNotes),
    ("comments", Target::OrganizerNotes),
    ("comentarios", Target::OrganizerNotes),
    ("external id", Target::Key),
    ("id", Target::Key),
    ("record id", Target::Key),
];

/// A volunteer sheet's headers. Phone and email are recognised so they can be left out by name.
const MEMBER_HEADERS: &[(&str, Target)] = &[
    ("name", Target::Name),
    ("nombre", Target::Name),
    ("full name", Target::Name),
    ("volunteer", Target::Name),
    ("languages", Target::Languages),
    ("language", Target::Languages),
    ("idiomas", Target::Languages),
    ("ways to help", Target::Skills),
    ("how can you help", Target::Skills),
    ("skills", Target::Skills),
    ("como puedes ayudar", Target::Skills),
    ("habilidades", Target::Skills),
    ("area", Target::Area),
    ("neighborhood", Target::Area),
    ("barrio", Target::Area),
    ("zona", Target::Area),
    ("availability", Target::Availability),
    ("when are you available", Target::Availability),
    ("disponibilidad", Target::Availability),
    ("phone", Target::Phone),
    ("telephone", Target::Phone),
    ("telefono", Target::Phone),
    ("email", Target::Email),
    ("correo", Target::Email),
    ("id", Target::Key),
    ("member id", Target::Key),
    ("external id", Target::Key),
];

/// Which column holds what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    /// One per column, in the file's order.
    pub columns: Vec<(String, Target)>,
}

impl Mapping {
    /// What each header most likely holds; a header nobody recognises is skipped.
    pub fn suggest(headers: &[String]) -> Mapping {
        let columns = headers.iter().map(|h| (h.clone(), suggestion(HEADERS, h))).collect();
        Mapping { columns }
    }

    /// The same for a volunteer sheet.
    pub fn suggest_members(headers: &[String]) -> Mapping {
        let columns = headers.iter().map(|h| (h.clone(), suggestion(MEMBER_HEADERS, h))).collect();
        Mapping { columns }
    }

    /// Sets `header`'s column to `target` (the person's choice over the suggestion).
    pub fn set(&mut self, header: &str, target: Target) -> Result<(), ImportError> {
        let wanted = normalise(header);
        let column = self.columns.iter_mut().find(|(h, _)| normalise(h) == wanted).ok_or_else(|| ImportError::NoSuchColumn(header.to_string()))?;
        column.1 = target;
        Ok(())
    }

    /// Sets the column at `index` (from 0, in the file's order) to `target`: the way to name a
    /// column when headers repeat or are blank.
    pub fn set_column(&mut self, index: usize, target: Target) -> Result<(), ImportError> {
        let column = self.columns.get_mut(index).ok_or_else(|| ImportError::NoSuchColumn(format!("column {}", index + 1)))?;
        column.1 = target;
        Ok(())
    }

    /// The columns that hold `target`.
    pub(crate) fn columns_of(&self, target: Target) -> Vec<usize> {
        self.columns.iter().enumerate().filter(|(_, (_, t))| *t == target).map(|(i, _)| i).collect()
    }
}

fn suggestion(known: &[(&str, Target)], header: &str) -> Target {
    let header = normalise(header);
    let exact = known.iter().find(|(name, _)| *name == header);
    let question = || known.iter().filter(|(name, _)| name.contains(' ')).find(|(name, _)| header.starts_with(&format!("{name} ")));
    exact.or_else(question).map_or(Target::Skip, |(_, target)| *target)
}

/// Lower case, without accents or punctuation, single spaces: how headers and values are compared.
pub fn normalise(text: &str) -> String {
    let plain: String = text
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_and_airtable_headers_are_recognised_in_english_and_spanish() {
        let headers: Vec<String> = ["Timestamp", "What do you need? Check all that apply", "Cross Street #2", "Teléfono", "at-risk?", "Dirección", "Favourite colour"].map(String::from).to_vec();
        let targets: Vec<Target> = Mapping::suggest(&headers).columns.into_iter().map(|(_, t)| t).collect();
        assert_eq!(targets, [Target::PostedAt, Target::Category, Target::Address, Target::Phone, Target::Notes, Target::Address, Target::Skip]);
    }

    #[test]
    fn a_person_overrides_a_suggestion_by_header() {
        let mut mapping = Mapping::suggest(&["details".to_string()]);
        mapping.set("Details", Target::parse("notes").unwrap()).unwrap();
        assert_eq!(mapping.columns[0].1, Target::Notes);
        assert!(matches!(mapping.set("nope", Target::Notes), Err(ImportError::NoSuchColumn(_))));
        assert!(matches!(Target::parse("phone number"), Err(ImportError::UnknownTarget(_))));
    }
}
