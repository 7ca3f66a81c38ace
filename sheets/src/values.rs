//! What a cell's words mean: categories, urgency, status and yes/no, from the words groups use
//! in English and Spanish, or as the person importing answered. An unknown value is a question,
//! never a guess.

use std::collections::BTreeMap;
use std::str::FromStr;

use crdt_core::{Category, Channel, NeedStatus, Urgency};
use serde::{Deserialize, Serialize};

use crate::columns::{normalise, Target};
use crate::ImportError;

/// What a status cell can mean: a status, or "leave this row out" (a duplicate, spam).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStatus {
    Import(NeedStatus),
    Skip,
}

const CATEGORIES: &[(&str, Category)] = &[
    ("food", Category::Groceries),
    ("groceries", Category::Groceries),
    ("grocery delivery", Category::Groceries),
    ("food delivery", Category::Groceries),
    ("comida", Category::Groceries),
    ("alimentos", Category::Groceries),
    ("despensa", Category::Groceries),
    ("mandado", Category::Groceries),
    ("meals", Category::Meals),
    ("hot meals", Category::Meals),
    ("prepared meals", Category::Meals),
    ("comidas", Category::Meals),
    ("medicine", Category::Medical),
    ("medication", Category::Medical),
    ("prescriptions", Category::Medical),
    ("prescription pickup", Category::Medical),
    ("pharmacy", Category::Medical),
    ("medical", Category::Medical),
    ("medicina", Category::Medical),
    ("medicinas", Category::Medical),
    ("medicamentos", Category::Medical),
    ("rides", Category::Transport),
    ("transportation", Category::Transport),
    ("transport", Category::Transport),
    ("transporte", Category::Transport),
    ("childcare", Category::Childcare),
    ("child care", Category::Childcare),
    ("cuidado de ninos", Category::Childcare),
    ("eldercare", Category::Eldercare),
    ("elder care", Category::Eldercare),
    ("cuidado de mayores", Category::Eldercare),
    ("housing", Category::Housing),
    ("vivienda", Category::Housing),
    ("money", Category::Money),
    ("cash", Category::Money),
    ("financial support", Category::Money),
    ("financial assistance", Category::Money),
    ("rent", Category::Money),
    ("dinero", Category::Money),
    ("translation", Category::Translation),
    ("interpretation", Category::Translation),
    ("traduccion", Category::Translation),
    ("paperwork", Category::Paperwork),
    ("forms", Category::Paperwork),
    ("tramites", Category::Paperwork),
    ("tech help", Category::TechHelp),
    ("tech support", Category::TechHelp),
    ("internet", Category::TechHelp),
    ("household", Category::Household),
    ("household supplies", Category::Household),
    ("cleaning supplies", Category::Household),
    ("hygiene", Category::Household),
    ("limpieza", Category::Household),
    ("other", Category::Other),
    ("otro", Category::Other),
    ("otros", Category::Other),
];

const URGENCIES: &[(&str, Urgency)] = &[
    ("critical", Urgency::Critical),
    ("emergency", Urgency::Critical),
    ("today", Urgency::Critical),
    ("emergencia", Urgency::Critical),
    ("hoy", Urgency::Critical),
    ("high", Urgency::High),
    ("urgent", Urgency::High),
    ("asap", Urgency::High),
    ("within 24 hours", Urgency::High),
    ("in the next 24 hours", Urgency::High),
    ("within 48 hours", Urgency::High),
    ("alta", Urgency::High),
    ("urgente", Urgency::High),
    ("en 24 horas", Urgency::High),
    ("normal", Urgency::Normal),
    ("medium", Urgency::Normal),
    ("this week", Urgency::Normal),
    ("within a week", Urgency::Normal),
    ("in the next few days", Urgency::Normal),
    ("media", Urgency::Normal),
    ("esta semana", Urgency::Normal),
    ("low", Urgency::Low),
    ("not urgent", Urgency::Low),
    ("no rush", Urgency::Low),
    ("flexible", Urgency::Low),
    ("baja", Urgency::Low),
    ("sin prisa", Urgency::Low),
];

const STATUSES: &[(&str, RowStatus)] = &[
    ("new", RowStatus::Import(NeedStatus::Open)),
    ("open", RowStatus::Import(NeedStatus::Open)),
    ("pending", RowStatus::Import(NeedStatus::Open)),
    ("to do", RowStatus::Import(NeedStatus::Open)),
    ("no answer call back", RowStatus::Import(NeedStatus::Open)),
    ("needs follow up", RowStatus::Import(NeedStatus::Open)),
    ("in progress", RowStatus::Import(NeedStatus::Open)),
    ("matched", RowStatus::Import(NeedStatus::Open)),
    ("assigned", RowStatus::Import(NeedStatus::Open)),
    ("nuevo", RowStatus::Import(NeedStatus::Open)),
    ("pendiente", RowStatus::Import(NeedStatus::Open)),
    ("en proceso", RowStatus::Import(NeedStatus::Open)),
    ("done", RowStatus::Import(NeedStatus::Done)),
    ("complete", RowStatus::Import(NeedStatus::Done)),
    ("completed", RowStatus::Import(NeedStatus::Done)),
    ("delivered", RowStatus::Import(NeedStatus::Done)),
    ("hecho", RowStatus::Import(NeedStatus::Done)),
    ("completado", RowStatus::Import(NeedStatus::Done)),
    ("entregado", RowStatus::Import(NeedStatus::Done)),
    ("cancelled", RowStatus::Import(NeedStatus::Cancelled)),
    ("canceled", RowStatus::Import(NeedStatus::Cancelled)),
    ("no longer needed", RowStatus::Import(NeedStatus::Cancelled)),
    ("cancelado", RowStatus::Import(NeedStatus::Cancelled)),
    ("expired", RowStatus::Import(NeedStatus::Expired)),
    ("referred", RowStatus::Import(NeedStatus::Referred)),
    ("sent to another group", RowStatus::Import(NeedStatus::Referred)),
    ("derivado", RowStatus::Import(NeedStatus::Referred)),
    ("duplicate", RowStatus::Skip),
    ("duplicado", RowStatus::Skip),
    ("spam", RowStatus::Skip),
];

const CHANNELS: &[(&str, Channel)] = &[
    ("voice", Channel::Phone),
    ("phone", Channel::Phone),
    ("call", Channel::Phone),
    ("hotline", Channel::Phone),
    ("llamada", Channel::Phone),
    ("telefono", Channel::Phone),
    ("text", Channel::Text),
    ("sms", Channel::Text),
    ("texto", Channel::Text),
    ("mensaje", Channel::Text),
    ("whatsapp", Channel::Text),
    ("paper", Channel::Paper),
    ("papel", Channel::Paper),
    ("walk in", Channel::WalkIn),
    ("in person", Channel::WalkIn),
    ("en persona", Channel::WalkIn),
    ("web", Channel::WebForm),
    ("web form", Channel::WebForm),
    ("form", Channel::WebForm),
    ("formulario", Channel::WebForm),
    ("app", Channel::App),
];

const YES: &[&str] = &["yes", "y", "true", "1", "x", "si", "s"];
const NO: &[&str] = &["no", "n", "false", "0"];

/// The person's answers: (target, value as normalised) → what it means, as they typed it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Values {
    pub answers: BTreeMap<String, String>,
}

impl Values {
    /// Records that `value` in a `target` column means `meaning`, after checking the meaning
    /// is one the target takes ("skip" leaves a category out, or a row for a status).
    pub fn answer(&mut self, target: Target, value: &str, meaning: &str) -> Result<(), ImportError> {
        let bad = |allowed: String| ImportError::BadMeaning { target: target.name(), meaning: meaning.to_string(), allowed };
        match target {
            Target::Category if meaning != "skip" => Category::from_str(meaning).map(drop).map_err(|_| bad(Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ") + ", skip"))?,
            Target::Channel => Channel::from_str(meaning).map(drop).map_err(|_| bad(Channel::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")))?,
            Target::Urgency => Urgency::from_str(meaning).map(drop).map_err(|_| bad(Urgency::ALL.iter().map(|u| u.as_str()).collect::<Vec<_>>().join(", ")))?,
            Target::Status if meaning != "skip" => NeedStatus::from_str(meaning)
                .ok()
                .filter(|s| NeedStatus::Open.may_become(*s))
                .map(drop)
                .ok_or_else(|| bad("open, done, cancelled, expired, referred, skip".into()))?,
            Target::Recurring if !YES.contains(&meaning) && !NO.contains(&meaning) => return Err(bad("yes, no".into())),
            Target::Category | Target::Status | Target::Recurring | Target::Area => {}
            _ => return Err(ImportError::NoValuesFor(target.name())),
        }
        self.answers.insert(key(target, value), meaning.trim().to_string());
        Ok(())
    }

    fn answered(&self, target: Target, value: &str) -> Option<&str> {
        self.answers.get(&key(target, value)).map(String::as_str)
    }

    /// A category cell's categories, in order, or the value nobody has said the meaning of.
    /// "skip" answers leave a value out.
    pub(crate) fn categories(&self, value: &str) -> Result<Option<Category>, String> {
        if self.answered(Target::Category, value) == Some("skip") {
            return Ok(None);
        }
        let known = self.answered(Target::Category, value).and_then(|m| Category::from_str(m).ok()).or_else(|| lookup(CATEGORIES, value)).or_else(|| Category::from_str(&normalise(value)).ok());
        known.map(Some).ok_or_else(|| value.to_string())
    }

    pub(crate) fn urgency(&self, value: &str) -> Result<Urgency, String> {
        let known = self.answered(Target::Urgency, value).and_then(|m| Urgency::from_str(m).ok()).or_else(|| lookup(URGENCIES, value));
        known.ok_or_else(|| value.to_string())
    }

    pub(crate) fn channel(&self, value: &str) -> Result<Channel, String> {
        let known = self.answered(Target::Channel, value).and_then(|m| Channel::from_str(m).ok()).or_else(|| lookup(CHANNELS, value));
        known.ok_or_else(|| value.to_string())
    }

    pub(crate) fn status(&self, value: &str) -> Result<RowStatus, String> {
        let answered = self.answered(Target::Status, value).map(|m| match m {
            "skip" => Some(RowStatus::Skip),
            m => NeedStatus::from_str(m).ok().map(RowStatus::Import),
        });
        answered.flatten().or_else(|| lookup(STATUSES, value)).ok_or_else(|| value.to_string())
    }

    pub(crate) fn yes(&self, value: &str) -> Result<bool, String> {
        let word = self.answered(Target::Recurring, value).map(str::to_string).unwrap_or_else(|| normalise(value));
        match word.as_str() {
            w if YES.contains(&w) => Ok(true),
            w if NO.contains(&w) => Ok(false),
            _ => Err(value.to_string()),
        }
    }

    /// The group area a cell names (as answered, else as written).
    pub(crate) fn area(&self, value: &str) -> String {
        self.answered(Target::Area, value).unwrap_or(value).to_string()
    }
}

fn key(target: Target, value: &str) -> String {
    format!("{}:{}", target.name(), normalise(value))
}

fn lookup<T: Copy>(table: &[(&str, T)], value: &str) -> Option<T> {
    let value = normalise(value);
    table.iter().find(|(words, _)| *words == value).map(|(_, meaning)| *meaning)
}

/// The items of a multi-select cell (Google Forms and Airtable join them with commas).
pub(crate) fn items(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([',', ';', '\n']).map(str::trim).filter(|item| !item.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_words_are_understood_and_others_are_asked_about() {
        let mut values = Values::default();
        assert_eq!(values.categories("Medicamentos"), Ok(Some(Category::Medical)));
        assert_eq!(values.categories("Pet food"), Err("Pet food".to_string()));
        values.answer(Target::Category, "pet food", "other").unwrap();
        assert_eq!(values.categories("Pet Food"), Ok(Some(Category::Other)));
        assert_eq!(values.status("No Answer (call back)"), Ok(RowStatus::Import(NeedStatus::Open)));
        assert_eq!(values.status("Duplicate"), Ok(RowStatus::Skip));
        assert_eq!(values.urgency("Within 24 hours"), Ok(Urgency::High));
        assert_eq!(values.yes("Sí"), Ok(true));
        assert!(values.answer(Target::Status, "Assigned", "matched").is_err(), "only assignments match a need");
        assert!(values.answer(Target::Phone, "x", "y").is_err());
    }
}
