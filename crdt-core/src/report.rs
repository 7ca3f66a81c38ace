//! Figures for the organizers' weekly meeting, over a chosen period. Each is a pure function of
//! the records, so every device shows the same; the store reads the records from its index
//! (`Store::report`). Days, weeks and months are the group's, in its time zone: a week starts on
//! Monday. A period runs from `from` up to, not including, `to`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use uuid::Uuid;

use crate::model::{Assignment, AssignmentStatus, Category, EntryStatus, Hours, LedgerEntry, Member, Need, NeedStatus, Offer, Party};

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    fn holds(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }
}

/// How figures over time are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Week,
    Month,
}

impl Bucket {
    /// The day the week (Monday) or month holding `at` starts, in `zone`.
    pub fn start(self, at: DateTime<Utc>, zone: Tz) -> NaiveDate {
        let day = at.with_timezone(&zone).date_naive();
        match self {
            Bucket::Week => day - Duration::days(day.weekday().num_days_from_monday().into()),
            Bucket::Month => day.with_day(1).expect("every month has a first day"),
        }
    }
}

/// The records a report reads.
pub struct Records<'a> {
    pub needs: &'a [Need],
    pub assignments: &'a [Assignment],
    pub entries: &'a [LedgerEntry],
    pub members: &'a [Member],
    pub offers: &'a [Offer],
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub period: Period,
    pub bucket: Bucket,
    /// Needs posted in the period, by week or month and category.
    pub posted: Vec<Posted>,
    /// Needs posted in the period, by the status they have now.
    pub by_status: BTreeMap<NeedStatus, usize>,
    /// From posted to first assignment, for needs first assigned in the period.
    pub to_first_assignment: Waits,
    /// From posted to done, for needs done in the period.
    pub to_done: Waits,
    /// Needs still open when the period ends, by how long they had waited then.
    pub open_by_age: AgeBands,
    /// Needs posted in the period, by area: served once a volunteer accepted or finished.
    pub areas: Vec<AreaServed>,
    /// Confirmed hours of entries made in the period, by member: most given first.
    pub hours: Vec<MemberHours>,
    /// The same hours by week or month and category (`None`: no category given).
    pub hours_by_category: Vec<CategoryHours>,
    /// Members (not removed, joined before the period ended) who posted, offered, were
    /// assigned, assigned someone, gave or received nothing in it.
    pub inactive: Vec<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Posted {
    pub starting: NaiveDate,
    pub category: Category,
    pub needs: usize,
}

/// How long people waited, in hours. The median is the middle wait (the mean of the two middle
/// ones for an even count); the slowest tenth starts at the wait ranked 90 % from the shortest.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Waits {
    pub count: usize,
    pub median_hours: Option<f64>,
    pub slowest_tenth_hours: Option<f64>,
}

impl Waits {
    fn of(mut waits: Vec<Duration>) -> Waits {
        waits.sort_unstable();
        let hours = |d: Duration| d.num_seconds() as f64 / 3600.0;
        let n = waits.len();
        if n == 0 {
            return Waits::default();
        }
        let median = if n % 2 == 1 { hours(waits[n / 2]) } else { (hours(waits[n / 2 - 1]) + hours(waits[n / 2])) / 2.0 };
        // Nearest rank: the smallest wait with at least 90 % of them at or below it.
        let slowest = hours(waits[(n * 9).div_ceil(10) - 1]);
        Waits { count: n, median_hours: Some(median), slowest_tenth_hours: Some(slowest) }
    }
}

/// The bands groups colour green, orange and red.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AgeBands {
    pub under_3_days: usize,
    pub from_3_to_5_days: usize,
    pub over_5_days: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AreaServed {
    pub area: String,
    pub posted: usize,
    pub served: usize,
    pub unserved: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberHours {
    pub member: Uuid,
    pub given: Hours,
    pub received: Hours,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryHours {
    pub starting: NaiveDate,
    pub category: Option<Category>,
    pub hours: Hours,
}

impl Report {
    pub fn new(records: &Records<'_>, period: Period, bucket: Bucket, zone: Tz) -> Report {
        let posted_in: Vec<&Need> = records.needs.iter().filter(|n| period.holds(n.created_at)).collect();
        let confirmed: Vec<&LedgerEntry> = records.entries.iter().filter(|e| e.status == EntryStatus::Confirmed && period.holds(e.entry.created_at)).collect();
        Report {
            period,
            bucket,
            posted: posted(&posted_in, bucket, zone),
            by_status: posted_in.iter().fold(BTreeMap::new(), |mut counts, need| {
                *counts.entry(need.status).or_insert(0) += 1;
                counts
            }),
            to_first_assignment: Waits::of(first_assignment_waits(records, period)),
            to_done: Waits::of(
                records
                    .needs
                    .iter()
                    .filter(|n| n.status == NeedStatus::Done)
                    .filter_map(|n| Some((n, closed_at(n)?)))
                    .filter(|(_, done)| period.holds(*done))
                    .map(|(n, done)| done - n.created_at)
                    .collect(),
            ),
            open_by_age: open_by_age(records.needs, period.to),
            areas: areas(&posted_in, records.assignments),
            hours: member_hours(&confirmed),
            hours_by_category: category_hours(&confirmed, bucket, zone),
            inactive: inactive(records, period),
        }
    }
}

/// When a need was closed, if it is: older records have no `closed_at`, and were last changed
/// when they closed.
fn closed_at(need: &Need) -> Option<DateTime<Utc>> {
    (!need.status.takes_assignments()).then(|| need.closed_at.unwrap_or(need.updated_at))
}

fn posted(needs: &[&Need], bucket: Bucket, zone: Tz) -> Vec<Posted> {
    let mut counts: BTreeMap<(NaiveDate, Category), usize> = BTreeMap::new();
    for need in needs {
        *counts.entry((bucket.start(need.created_at, zone), need.category)).or_insert(0) += 1;
    }
    counts.into_iter().map(|((starting, category), needs)| Posted { starting, category, needs }).collect()
}

fn first_assignment_waits(records: &Records<'_>, period: Period) -> Vec<Duration> {
    let mut first: BTreeMap<Uuid, DateTime<Utc>> = BTreeMap::new();
    for assignment in records.assignments {
        first.entry(assignment.need).and_modify(|at| *at = (*at).min(assignment.created_at)).or_insert(assignment.created_at);
    }
    records.needs.iter().filter_map(|need| Some((*first.get(&need.id)?, need))).filter(|(at, _)| period.holds(*at)).map(|(at, need)| at - need.created_at).collect()
}

fn open_by_age(needs: &[Need], end: DateTime<Utc>) -> AgeBands {
    let mut bands = AgeBands::default();
    for need in needs.iter().filter(|n| n.created_at < end && closed_at(n).is_none_or(|closed| closed >= end)) {
        let age = end - need.created_at;
        if age < Duration::days(3) {
            bands.under_3_days += 1;
        } else if age <= Duration::days(5) {
            bands.from_3_to_5_days += 1;
        } else {
            bands.over_5_days += 1;
        }
    }
    bands
}

fn areas(needs: &[&Need], assignments: &[Assignment]) -> Vec<AreaServed> {
    let helped: BTreeSet<Uuid> =
        assignments.iter().filter(|a| matches!(a.status, AssignmentStatus::Accepted | AssignmentStatus::Done)).map(|a| a.need).collect();
    let mut areas: BTreeMap<&str, AreaServed> = BTreeMap::new();
    for need in needs {
        let area = areas.entry(&need.area).or_insert_with(|| AreaServed { area: need.area.clone(), posted: 0, served: 0, unserved: 0 });
        area.posted += 1;
        if need.status == NeedStatus::Done || helped.contains(&need.id) {
            area.served += 1;
        } else {
            area.unserved += 1;
        }
    }
    areas.into_values().collect()
}

fn member_hours(entries: &[&LedgerEntry]) -> Vec<MemberHours> {
    let mut members: BTreeMap<Uuid, MemberHours> = BTreeMap::new();
    for LedgerEntry { entry, .. } in entries {
        let mut add = |member: Uuid, given: Hours, received: Hours| {
            let hours = members.entry(member).or_insert(MemberHours { member, given: Hours::ZERO, received: Hours::ZERO });
            (hours.given, hours.received) = (hours.given + given, hours.received + received);
        };
        add(entry.from, entry.hours, Hours::ZERO);
        if let Party::Member(to) = entry.to {
            add(to, Hours::ZERO, entry.hours);
        }
    }
    let mut hours: Vec<MemberHours> = members.into_values().collect();
    hours.sort_by(|a, b| b.given.cmp(&a.given).then(a.member.cmp(&b.member)));
    hours
}

fn category_hours(entries: &[&LedgerEntry], bucket: Bucket, zone: Tz) -> Vec<CategoryHours> {
    let mut sums: BTreeMap<(NaiveDate, Option<Category>), Hours> = BTreeMap::new();
    for LedgerEntry { entry, .. } in entries {
        *sums.entry((bucket.start(entry.created_at, zone), entry.category)).or_insert(Hours::ZERO) += entry.hours;
    }
    sums.into_iter().map(|((starting, category), hours)| CategoryHours { starting, category, hours }).collect()
}

fn inactive(records: &Records<'_>, period: Period) -> Vec<Uuid> {
    let mut active: BTreeSet<Uuid> = BTreeSet::new();
    active.extend(records.needs.iter().filter(|n| period.holds(n.created_at)).map(|n| n.created_by));
    active.extend(records.offers.iter().filter(|o| period.holds(o.created_at)).map(|o| o.member));
    for assignment in records.assignments.iter().filter(|a| period.holds(a.created_at)) {
        active.extend([assignment.volunteer, assignment.assigned_by]);
    }
    for LedgerEntry { entry, .. } in records.entries.iter().filter(|e| period.holds(e.entry.created_at)) {
        active.insert(entry.from);
        if let Party::Member(to) = entry.to {
            active.insert(to);
        }
    }
    records
        .members
        .iter()
        .filter(|m| m.removed_at.is_none() && m.created_at < period.to && !active.contains(&m.id))
        .map(|m| m.id)
        .collect()
}
