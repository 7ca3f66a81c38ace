//! Figures for the organizers' weekly meeting, over a chosen period. Each is a pure function of
//! the records, so every device shows the same; the store reads the records from its index
//! (`Store::report`). Days, weeks and months are the group's, in its time zone: a week starts on
//! Monday. A period runs from `from` up to, not including, `to`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::matching::{excluded, offer_excluded, standings};
use crate::model::{in_zone, Assignment, AssignmentStatus, Category, EntryStatus, Hours, LedgerEntry, Member, Need, NeedStatus, Offer, Party};
use crate::validation::ValidationError;
use crate::Exclusion;

/// How many of the needs waiting longest a report names.
pub const LONGEST_WAITING: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    /// Whole days in `zone`, from the start of `first` to the end of `last`.
    pub fn days(first: NaiveDate, last: NaiveDate, zone: Tz) -> Result<Period, ValidationError> {
        if first > last {
            return Err(ValidationError::PeriodBackwards { first, last });
        }
        let midnight = |day: NaiveDate| in_zone(day.and_time(NaiveTime::MIN), zone);
        Ok(Period { from: midnight(first), to: midnight(last + Duration::days(1)) })
    }

    pub fn holds(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }

    /// The period cut into `count` slices of equal length, in order, with no gap.
    pub fn slices(self, count: usize) -> Vec<Period> {
        let count = count.max(1);
        let at = |i: usize| if i == count { self.to } else { self.from + (self.to - self.from) / count as i32 * i as i32 };
        (0..count).map(|i| Period { from: at(i), to: at(i + 1) }).collect()
    }
}

/// How figures over time are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Hours logged in the period (others are skipped).
    pub entries: &'a [Logged],
    pub members: &'a [Member],
    pub offers: &'a [Offer],
}

/// Hours logged, as a report reads them (the store reads just these columns from its index).
#[derive(Clone, Debug, PartialEq)]
pub struct Logged {
    pub from: Uuid,
    pub to: Party,
    pub hours: Hours,
    pub category: Option<Category>,
    pub confirmed: bool,
    pub at: DateTime<Utc>,
}

impl From<&LedgerEntry> for Logged {
    fn from(LedgerEntry { entry, status }: &LedgerEntry) -> Logged {
        Logged { from: entry.from, to: entry.to, hours: entry.hours, category: entry.category, confirmed: *status == EntryStatus::Confirmed, at: entry.created_at }
    }
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
    /// The needs open longest when the period ends, longest first (at most `LONGEST_WAITING`).
    pub waiting_longest: Vec<WaitingNeed>,
    /// Needs posted in the period, by area: served once a volunteer accepted or finished.
    pub areas: Vec<AreaServed>,
    /// Offers made before the period ended that no assignment has used, by why not.
    pub unmatched_offers: BTreeMap<Unmatched, usize>,
    /// Confirmed hours of entries made in the period, by member: most given first.
    pub hours: Vec<MemberHours>,
    /// The same hours by week or month and category (`None`: no category given).
    pub hours_by_category: Vec<CategoryHours>,
    /// Members in the period: not removed, joined before it ended.
    pub members: usize,
    /// Those of them who posted, offered, were assigned, assigned someone, gave or received
    /// nothing in it.
    pub inactive: Vec<Uuid>,
    /// Set when the period starts before the records this device keeps: a renewal left the
    /// group's earlier records in an archive this device deleted, so nothing before this time
    /// is counted.
    pub not_held_before: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Posted {
    pub starting: NaiveDate,
    pub category: Category,
    pub needs: usize,
}

/// How long people waited, in hours. The median is the middle wait (the mean of the two middle
/// ones for an even count); the slowest tenth starts at the wait ranked 90 % from the shortest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgeBands {
    pub under_3_days: usize,
    pub from_3_to_5_days: usize,
    pub over_5_days: usize,
}

/// A need still open when the period ends: what the meeting reads out (never contact details).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WaitingNeed {
    pub id: Uuid,
    pub title: String,
    pub area: String,
    pub category: Category,
    pub status: NeedStatus,
    pub posted: DateTime<Utc>,
}

/// Why an offer was never used, from the matcher's exclusions over the needs it could have
/// served: the one that came closest to a match counts, in this order (furthest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unmatched {
    /// Paused or withdrawn.
    NotActive,
    VolunteerRemoved,
    /// No need asked for what it offers.
    NoNeedInItsCategories,
    AtCapacity,
    /// Its volunteer declined every need it could serve.
    Declined,
    /// The matcher would have suggested it, but no organizer chose it.
    NeverChosen,
}

impl From<Exclusion> for Unmatched {
    fn from(why: Exclusion) -> Unmatched {
        match why {
            Exclusion::OfferNotActive { .. } => Unmatched::NotActive,
            Exclusion::MemberRemoved => Unmatched::VolunteerRemoved,
            Exclusion::CategoryNotOffered { .. } => Unmatched::NoNeedInItsCategories,
            Exclusion::AtCapacity { .. } => Unmatched::AtCapacity,
            // Its volunteer already holds a place on the need through another offer.
            Exclusion::Declined | Exclusion::AlreadyAssigned { .. } => Unmatched::Declined,
        }
    }
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
        // A half year can hold 100,000 hour entries: their figures are summed beside the others.
        std::thread::scope(|scope| {
            let logged = scope.spawn(|| HourFigures::of(records.entries, period, bucket, zone));
            let posted_in: Vec<&Need> = records.needs.iter().filter(|n| period.holds(n.created_at)).collect();
            let posted = posted(&posted_in, bucket, zone);
            let by_status = posted_in.iter().fold(BTreeMap::new(), |mut counts, need| {
                *counts.entry(need.status).or_insert(0) += 1;
                counts
            });
            let to_first_assignment = Waits::of(first_assignment_waits(records, period));
            let to_done = Waits::of(
                records
                    .needs
                    .iter()
                    .filter(|n| n.status == NeedStatus::Done)
                    .filter_map(|n| Some((n, closed_at(n)?)))
                    .filter(|(_, done)| period.holds(*done))
                    .map(|(n, done)| done - n.created_at)
                    .collect(),
            );
            let areas = areas(&posted_in, records.assignments);
            let unmatched_offers = unmatched_offers(records, period.to);
            let mut active = active_in_records(records, period);
            let logged = logged.join().expect("summing hours does not panic");
            active.extend(logged.active);
            Report {
                period,
                bucket,
                posted,
                by_status,
                to_first_assignment,
                to_done,
                open_by_age: open_by_age(records.needs, period.to),
                waiting_longest: waiting_longest(records.needs, period.to),
                areas,
                unmatched_offers,
                hours: logged.hours,
                hours_by_category: logged.by_category,
                members: in_period(records.members, period).count(),
                inactive: inactive(records.members, period, &active),
                not_held_before: None,
            }
        })
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

/// The needs posted before `end` and not closed by then.
fn open_at(needs: &[Need], end: DateTime<Utc>) -> impl Iterator<Item = &Need> {
    needs.iter().filter(move |n| n.created_at < end && closed_at(n).is_none_or(|closed| closed >= end))
}

fn open_by_age(needs: &[Need], end: DateTime<Utc>) -> AgeBands {
    let mut bands = AgeBands::default();
    for need in open_at(needs, end) {
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

fn waiting_longest(needs: &[Need], end: DateTime<Utc>) -> Vec<WaitingNeed> {
    let mut open: Vec<&Need> = open_at(needs, end).collect();
    open.sort_by_key(|n| (n.created_at, n.id));
    open.into_iter()
        .take(LONGEST_WAITING)
        .map(|n| WaitingNeed { id: n.id, title: n.title.clone(), area: n.area.clone(), category: n.category, status: n.status, posted: n.created_at })
        .collect()
}

/// Each offer made before `end` that no assignment made by then used (through the offer, or
/// its volunteer on a need of its categories), with why: the closest the matcher came to using
/// it for a need open while the offer stood. Capacity counts nothing, as nothing went through it.
fn unmatched_offers(records: &Records<'_>, end: DateTime<Utc>) -> BTreeMap<Unmatched, usize> {
    let category: BTreeMap<Uuid, Category> = records.needs.iter().map(|n| (n.id, n.category)).collect();
    let members: BTreeMap<Uuid, &Member> = records.members.iter().map(|m| (m.id, m)).collect();
    let assignments: Vec<&Assignment> = records.assignments.iter().filter(|a| a.created_at < end).collect();
    let mut on_need: HashMap<Uuid, Vec<(Uuid, AssignmentStatus)>> = HashMap::new();
    let mut used_offers = BTreeSet::new();
    let mut helped_in = BTreeSet::new();
    for a in &assignments {
        on_need.entry(a.need).or_default().push((a.volunteer, a.status));
        used_offers.extend(a.offer);
        if a.status != AssignmentStatus::Declined {
            helped_in.extend(category.get(&a.need).map(|c| (a.volunteer, *c)));
        }
    }
    let standing: HashMap<(Uuid, Uuid), AssignmentStatus> =
        on_need.into_iter().flat_map(|(need, on)| standings(on).into_iter().map(move |(volunteer, status)| ((need, volunteer), status))).collect();
    let mut by_category: BTreeMap<Category, Vec<&Need>> = BTreeMap::new();
    for need in records.needs.iter().filter(|n| n.created_at < end) {
        by_category.entry(need.category).or_default().push(need);
    }
    let mut why = BTreeMap::new();
    for offer in records.offers.iter().filter(|o| o.created_at < end && !used_offers.contains(&o.id)) {
        if offer.categories.iter().any(|c| helped_in.contains(&(offer.member, *c))) {
            continue;
        }
        let member = members.get(&offer.member).copied();
        let closest = match offer_excluded(offer, member) {
            Err(exclusion) => exclusion.into(),
            Ok(_) => {
                let mut closest = Unmatched::NoNeedInItsCategories;
                let stood = offer.categories.iter().flat_map(|c| by_category.get(c).into_iter().flatten()).filter(|n| closed_at(n).is_none_or(|closed| closed > offer.created_at));
                for need in stood {
                    let why = excluded(offer, member, need, standing.get(&(need.id, offer.member)).copied(), 0).map_or_else(Unmatched::from, |_| Unmatched::NeverChosen);
                    closest = closest.max(why);
                    if closest == Unmatched::NeverChosen {
                        break;
                    }
                }
                closest
            }
        };
        *why.entry(closest).or_insert(0) += 1;
    }
    why
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

/// The figures of the hours logged in a period, summed in one pass.
struct HourFigures {
    /// Confirmed hours by member: most given first.
    hours: Vec<MemberHours>,
    /// The same hours by week or month and category.
    by_category: Vec<CategoryHours>,
    /// Everyone who gave or was given hours, confirmed or not.
    active: HashSet<Uuid>,
}

impl HourFigures {
    fn of(entries: &[Logged], period: Period, bucket: Bucket, zone: Tz) -> HourFigures {
        // (given, received, any of them confirmed)
        let mut members: HashMap<Uuid, (Hours, Hours, bool)> = HashMap::new();
        let mut by_category: BTreeMap<(NaiveDate, Option<Category>), Hours> = BTreeMap::new();
        let mut buckets = Buckets::new(bucket, zone);
        for entry in entries.iter().filter(|e| period.holds(e.at)) {
            let mut tally = |member: Uuid, given: Hours, received: Hours| {
                let sums = members.entry(member).or_default();
                if entry.confirmed {
                    *sums = (sums.0 + given, sums.1 + received, true);
                }
            };
            tally(entry.from, entry.hours, Hours::ZERO);
            if let Party::Member(to) = entry.to {
                tally(to, Hours::ZERO, entry.hours);
            }
            if entry.confirmed {
                *by_category.entry((buckets.start(entry.at), entry.category)).or_insert(Hours::ZERO) += entry.hours;
            }
        }
        let active = members.keys().copied().collect();
        let mut hours: Vec<MemberHours> =
            members.into_iter().filter(|(_, sums)| sums.2).map(|(member, (given, received, _))| MemberHours { member, given, received }).collect();
        hours.sort_by(|a, b| b.given.cmp(&a.given).then(a.member.cmp(&b.member)));
        let by_category = by_category.into_iter().map(|((starting, category), hours)| CategoryHours { starting, category, hours }).collect();
        HourFigures { hours, by_category, active }
    }
}

/// `Bucket::start` for instants that come mostly in order, looking the time zone up once a
/// week or month rather than once an instant.
struct Buckets {
    bucket: Bucket,
    zone: Tz,
    /// The instants known to be in the last bucket found, and its first day.
    current: Option<(DateTime<Utc>, DateTime<Utc>, NaiveDate)>,
}

impl Buckets {
    fn new(bucket: Bucket, zone: Tz) -> Buckets {
        Buckets { bucket, zone, current: None }
    }

    fn start(&mut self, at: DateTime<Utc>) -> NaiveDate {
        if let Some((_, _, day)) = self.current.filter(|(from, to, _)| *from <= at && at < *to) {
            return day;
        }
        let day = self.bucket.start(at, self.zone);
        let next = match self.bucket {
            Bucket::Week => day.checked_add_days(Days::new(7)),
            Bucket::Month => day.checked_add_months(Months::new(1)),
        };
        // Only the instants surely in it: from the last time the clocks read its first midnight
        // to the first time they read the next bucket's (clocks that go back repeat an hour).
        let midnight = |day: NaiveDate| self.zone.from_local_datetime(&day.and_time(NaiveTime::MIN));
        let from = midnight(day).latest();
        let to = next.and_then(|next| midnight(next).earliest());
        self.current = from.zip(to).map(|(from, to)| (from.with_timezone(&Utc), to.with_timezone(&Utc), day));
        day
    }
}

/// Members who posted, offered, were assigned or assigned someone in the period.
fn active_in_records(records: &Records<'_>, period: Period) -> HashSet<Uuid> {
    let mut active = HashSet::new();
    active.extend(records.needs.iter().filter(|n| period.holds(n.created_at)).map(|n| n.created_by));
    active.extend(records.offers.iter().filter(|o| period.holds(o.created_at)).map(|o| o.member));
    for assignment in records.assignments.iter().filter(|a| period.holds(a.created_at)) {
        active.extend([assignment.volunteer, assignment.assigned_by]);
    }
    active
}

/// The members in the period who did nothing in it, by name (as lists show them), whatever order
/// the records came in.
fn inactive(members: &[Member], period: Period, active: &HashSet<Uuid>) -> Vec<Uuid> {
    let mut quiet: Vec<&Member> = in_period(members, period).filter(|m| !active.contains(&m.id)).collect();
    quiet.sort_by_cached_key(|m| (m.display_name.to_lowercase(), m.id));
    quiet.into_iter().map(|m| m.id).collect()
}

fn in_period(members: &[Member], period: Period) -> impl Iterator<Item = &Member> {
    members.iter().filter(move |m| m.removed_at.is_none() && m.created_at < period.to)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every quarter hour of three years, in order and out of it, lands in the bucket
    /// `Bucket::start` gives, in zones whose clocks change at midnight (Havana, São Paulo until
    /// 2019) or by half an hour (Lord Howe).
    #[test]
    fn buckets_agree_with_bucket_start_across_clock_changes() {
        let zones = [chrono_tz::America::Havana, chrono_tz::America::Sao_Paulo, chrono_tz::Australia::Lord_Howe, chrono_tz::Europe::Madrid];
        let first = DateTime::parse_from_rfc3339("2018-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let instants: Vec<DateTime<Utc>> = (0..3 * 366 * 24 * 4).map(|i| first + Duration::minutes(15 * i)).collect();
        let shuffled: Vec<DateTime<Utc>> = instants.iter().step_by(7).rev().copied().collect();
        for zone in zones {
            for bucket in [Bucket::Week, Bucket::Month] {
                let mut buckets = Buckets::new(bucket, zone);
                for at in instants.iter().chain(&shuffled) {
                    assert_eq!(buckets.start(*at), bucket.start(*at, zone), "{zone} {bucket:?} {at}");
                }
            }
        }
    }
}
