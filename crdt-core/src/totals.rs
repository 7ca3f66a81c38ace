//! A group's totals over a period, for the network of chapters: counts only, never a name or a
//! record, in a small file signed by the device that made it. Files from several groups (each
//! checked whole on the way in: bytes from elsewhere are input, not truth) add up into one
//! network report, per group and in sum.

use std::collections::BTreeMap;

use automerge::ActorId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{Category, Hours, NeedStatus};
use crate::report::{AgeBands, Report, Waits};
use crate::signing::{short_device, verify_file, Signer};
use crate::validation::MAX_TITLE;

/// What a totals file says it is; a future layout gets a new one.
pub const FORMAT: &str = "aidmesh-totals/1";
/// A totals file is a few kilobytes; anything much bigger is not one.
pub const MAX_FILE_BYTES: usize = 64 * 1024;
/// No group has a billion needs or gives a billion hours: a file claiming more is refused, and
/// sums of what is accepted cannot overflow.
const MAX_FIGURE: u64 = 1_000_000_000;

/// What can be added up across groups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    pub needs_posted: u64,
    pub by_status: BTreeMap<NeedStatus, u64>,
    pub by_category: BTreeMap<Category, u64>,
    /// Needs posted in the period that a volunteer accepted or finished, and the rest.
    pub served: u64,
    pub unserved: u64,
    pub open_by_age: AgeBands,
    pub offers_unused: u64,
    pub hours_given: Hours,
    /// Members who did something in the period, and who did nothing. A person in two groups
    /// counts in each.
    pub active_members: u64,
    pub quiet_members: u64,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.needs_posted += other.needs_posted;
        for (status, n) in &other.by_status {
            *self.by_status.entry(*status).or_insert(0) += n;
        }
        for (category, n) in &other.by_category {
            *self.by_category.entry(*category).or_insert(0) += n;
        }
        self.served += other.served;
        self.unserved += other.unserved;
        self.open_by_age.under_3_days += other.open_by_age.under_3_days;
        self.open_by_age.from_3_to_5_days += other.open_by_age.from_3_to_5_days;
        self.open_by_age.over_5_days += other.open_by_age.over_5_days;
        self.offers_unused += other.offers_unused;
        self.hours_given += other.hours_given;
        self.active_members += other.active_members;
        self.quiet_members += other.quiet_members;
    }
}

/// One group's totals for whole days, first to last.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupTotals {
    pub group: Uuid,
    pub group_name: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub figures: Figures,
    /// Waits cannot be added across groups; each group's are shown beside it.
    pub to_first_volunteer: Waits,
    pub to_done: Waits,
}

impl GroupTotals {
    pub fn of(report: &Report, group: Uuid, group_name: &str, first_day: NaiveDate, last_day: NaiveDate) -> GroupTotals {
        let count = |n: usize| n as u64;
        let mut by_category = BTreeMap::new();
        for posted in &report.posted {
            *by_category.entry(posted.category).or_insert(0) += count(posted.needs);
        }
        let figures = Figures {
            needs_posted: count(report.by_status.values().sum()),
            by_status: report.by_status.iter().map(|(status, n)| (*status, count(*n))).collect(),
            by_category,
            served: count(report.areas.iter().map(|a| a.served).sum()),
            unserved: count(report.areas.iter().map(|a| a.unserved).sum()),
            open_by_age: report.open_by_age.clone(),
            offers_unused: count(report.unmatched_offers.values().sum()),
            hours_given: report.hours.iter().map(|h| h.given).fold(Hours::ZERO, |sum, h| sum + h),
            active_members: count(report.members - report.inactive.len()),
            quiet_members: count(report.inactive.len()),
        };
        GroupTotals {
            group,
            group_name: group_name.to_string(),
            first_day,
            last_day,
            figures,
            to_first_volunteer: report.to_first_assignment.clone(),
            to_done: report.to_done.clone(),
        }
    }

    /// The file to hand to another chapter, signed by this device.
    pub fn sign(&self, signer: &Signer) -> Vec<u8> {
        let body = serde_json::to_vec(self).expect("totals serialize");
        let file = File { format: FORMAT.to_string(), device: signer.actor().to_hex_string(), signature: hex(&signer.sign_file(FORMAT, &body)), totals: self.clone() };
        let mut bytes = serde_json::to_vec_pretty(&file).expect("a totals file serializes");
        bytes.push(b'\n');
        bytes
    }

    /// Reads a totals file: whole and signed by the device it names, or refused. Returns the
    /// totals and the signing device (the first 8 hex digits of its key, as errors name devices).
    pub fn open(bytes: &[u8]) -> Result<(GroupTotals, String), TotalsError> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(TotalsError::TooBig { bytes: bytes.len(), max: MAX_FILE_BYTES });
        }
        let file: File = serde_json::from_slice(bytes).map_err(|e| TotalsError::Malformed(e.to_string()))?;
        if file.format != FORMAT {
            return Err(TotalsError::Format(file.format));
        }
        let device = ActorId::try_from(file.device.as_str()).map_err(|_| TotalsError::Malformed("the device key is not hex".into()))?;
        let signature: [u8; 64] = decode_hex(&file.signature).and_then(|s| s.try_into().ok()).ok_or_else(|| TotalsError::Malformed("the signature is not 64 bytes of hex".into()))?;
        let body = serde_json::to_vec(&file.totals).expect("totals serialize");
        if !verify_file(FORMAT, &device, &body, &signature) {
            return Err(TotalsError::BadSignature);
        }
        file.totals.check()?;
        Ok((file.totals, short_device(&device)))
    }

    /// What a signature cannot vouch for: that the figures agree with each other.
    fn check(&self) -> Result<(), TotalsError> {
        let f = &self.figures;
        let inconsistent = |what: &str| Err(TotalsError::Inconsistent { group: self.group_name.clone(), what: what.to_string() });
        if self.group_name.trim().is_empty() || self.group_name.chars().count() > MAX_TITLE {
            return inconsistent("the group's name is empty or too long");
        }
        if self.first_day > self.last_day {
            return inconsistent("the period ends before it starts");
        }
        let bands = [f.open_by_age.under_3_days, f.open_by_age.from_3_to_5_days, f.open_by_age.over_5_days].map(|n| n as u64);
        let counts = [f.needs_posted, f.served, f.unserved, f.offers_unused, f.active_members, f.quiet_members].into_iter().chain(bands);
        if counts.chain(f.by_status.values().copied()).chain(f.by_category.values().copied()).any(|n| n > MAX_FIGURE) {
            return inconsistent("a figure is larger than any group's");
        }
        if f.by_status.values().sum::<u64>() != f.needs_posted || f.by_category.values().sum::<u64>() != f.needs_posted || f.served + f.unserved != f.needs_posted {
            return inconsistent("needs by status, by category, or served and not do not add up to the needs posted");
        }
        if f.hours_given < Hours::ZERO || f.hours_given > Hours::from_quarters(MAX_FIGURE as i64 * 4) {
            return inconsistent("hours given are negative or larger than any group's");
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    device: String,
    signature: String,
    totals: GroupTotals,
}

/// Several groups' totals for the same days: each, and their sum.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Network {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub groups: Vec<GroupTotals>,
    pub sum: Figures,
}

impl Network {
    pub fn of(mut groups: Vec<GroupTotals>) -> Result<Network, TotalsError> {
        let first = groups.first().ok_or(TotalsError::NoFiles)?;
        let (first_day, last_day) = (first.first_day, first.last_day);
        if let Some(other) = groups.iter().find(|t| (t.first_day, t.last_day) != (first_day, last_day)) {
            return Err(TotalsError::DifferentPeriods { a: format!("{first_day} to {last_day}"), b: format!("{} to {} ({})", other.first_day, other.last_day, other.group_name) });
        }
        groups.sort_by(|a, b| a.group_name.cmp(&b.group_name).then(a.group.cmp(&b.group)));
        if let Some(pair) = groups.windows(2).find(|pair| pair[0].group == pair[1].group) {
            return Err(TotalsError::SameGroupTwice(pair[0].group_name.clone()));
        }
        let mut sum = Figures::default();
        for group in &groups {
            sum.add(&group.figures);
        }
        Ok(Network { first_day, last_day, groups, sum })
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TotalsError {
    #[error("this is not a totals file: it is {bytes} bytes, and one is at most {max}")]
    TooBig { bytes: usize, max: usize },
    #[error("this is not a totals file, or it is damaged: {0}")]
    Malformed(String),
    #[error("this totals file is in a format this aidmesh does not know ({0}); update aidmesh to read it")]
    Format(String),
    #[error("this totals file's signature does not match: it was changed after the device signed it")]
    BadSignature,
    #[error("the totals of {group} do not hold together ({what}); nothing from the file was used")]
    Inconsistent { group: String, what: String },
    #[error("give at least one totals file")]
    NoFiles,
    #[error("these totals cover different days ({a}, and {b}); make them all for the same days")]
    DifferentPeriods { a: String, b: String },
    #[error("two files hold the totals of {0}; give each group once")]
    SameGroupTwice(String),
}

fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    data_encoding::HEXLOWER_PERMISSIVE.decode(text.as_bytes()).ok()
}
