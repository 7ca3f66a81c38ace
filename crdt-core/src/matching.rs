//! Matching offers to needs, for organizers.
//!
//! For one need, `Matcher::rank` scores every active offer and says why (each `Reason` carries
//! its points, and the score is their sum); offers left out come with their `Exclusion`. For all
//! open needs at once, `Matcher::propose` finds the proposals with the highest total score that
//! fit every offer's capacity and every need's places (see `flow.rs`).
//!
//! Scores are whole points computed only from the records and the time given, so every device
//! with the same records ranks alike; ties go to the older offer (the smaller uuid v7).
//! Nothing here writes: proposals become assignments only through `GroupDoc::assign`, when an
//! organizer applies them (`GroupDoc::apply_proposals`).

mod flow;

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};
use uuid::Uuid;

use crate::engine::GroupDoc;
use crate::error::Result;
use crate::validation::ValidationError;
use crate::model::{in_zone, Load, Assignment, AssignmentStatus, Availability, Category, Coords, Member, Need, NeedStatus, Offer, OfferStatus, Settings, Urgency, WeeklySlot};

const CATEGORY_POINTS: u32 = 40;
const SKILL_POINTS: u32 = 10;
const SAME_AREA_POINTS: u32 = 30;
const NEIGHBOURING_AREA_POINTS: u32 = 15;
/// Distance earns the same-area points at 0 km, three fewer per km, none from 10 km.
const POINTS_LOST_PER_KM: u32 = 3;
const FREE_POINTS: u32 = 20;
const LANGUAGE_POINTS: u32 = 15;
/// Earned in full by a volunteer with nothing on through the offer, in proportion to what is left.
const LOAD_POINTS: u32 = 10;
const POINTS_PER_DAY_WAITED: u32 = 2;
const MAX_WAITING_POINTS: u32 = 20;
/// A need with no time limit (or one already past) is matched against the coming week.
const OPEN_WINDOW_DAYS: i64 = 7;

/// One fact behind a candidate's score. `points()` is what it adds; `Display` says it in words.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Reason {
    /// The offer covers the need's category.
    Category { category: Category },
    /// One of the volunteer's skills is named in the need.
    Skill { skill: String },
    SameArea { area: String },
    NeighbouringArea { area: String },
    /// Between the need's and the offer's coarse coordinates.
    Distance { km: f64 },
    /// Neither the need's area nor next to it.
    OtherArea { area: String },
    /// The first time a weekly slot falls in the need's window.
    FreeWeekly { slot: WeeklySlot, on: NaiveDate },
    FreeOn { date: NaiveDate },
    /// The offer lists when the volunteer is free, and none of it falls in the need's window.
    NotFreeInTime,
    SharedLanguage { language: String },
    NoSharedLanguage { needed: Vec<String> },
    Load { open: u32, capacity: u32 },
    Inexhaustible,
    Urgency { urgency: Urgency },
    Waiting { days: u32 },
}

impl Reason {
    pub fn points(&self) -> u32 {
        match self {
            Reason::Category { .. } => CATEGORY_POINTS,
            Reason::Skill { .. } => SKILL_POINTS,
            Reason::SameArea { .. } => SAME_AREA_POINTS,
            Reason::NeighbouringArea { .. } => NEIGHBOURING_AREA_POINTS,
            Reason::Distance { km } => SAME_AREA_POINTS.saturating_sub((km * 10.0).round() as u32 * POINTS_LOST_PER_KM / 10),
            Reason::FreeWeekly { .. } | Reason::FreeOn { .. } => FREE_POINTS,
            Reason::SharedLanguage { .. } => LANGUAGE_POINTS,
            Reason::Load { open, capacity } => LOAD_POINTS * capacity.saturating_sub(*open) / (*capacity).max(1),
            Reason::Inexhaustible => LOAD_POINTS,
            Reason::Urgency { urgency } => match urgency {
                Urgency::Critical => 40,
                Urgency::High => 25,
                Urgency::Normal => 10,
                Urgency::Low => 0,
            },
            Reason::Waiting { days } => (days * POINTS_PER_DAY_WAITED).min(MAX_WAITING_POINTS),
            Reason::OtherArea { .. } | Reason::NotFreeInTime | Reason::NoSharedLanguage { .. } => 0,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Category { category } => write!(f, "offers {category}"),
            Reason::Skill { skill } => write!(f, "has the skill '{skill}'"),
            Reason::SameArea { area } => write!(f, "in {area}, the need's area"),
            Reason::NeighbouringArea { area } => write!(f, "in {area}, next to the need's area"),
            Reason::Distance { km } => write!(f, "about {km:.1} km away"),
            Reason::OtherArea { area } => write!(f, "in {area}, not next to the need's area"),
            Reason::FreeWeekly { slot, on } => write!(f, "free {slot} ({on})"),
            Reason::FreeOn { date } => write!(f, "free on {date}"),
            Reason::NotFreeInTime => write!(f, "not free in the need's time window"),
            Reason::SharedLanguage { language } => write!(f, "speaks {language}"),
            Reason::NoSharedLanguage { needed } => write!(f, "speaks none of {}", needed.join(", ")),
            Reason::Load { open, capacity } => write!(f, "has {open} of {capacity} open assignment(s)"),
            Reason::Inexhaustible => write!(f, "never runs out"),
            Reason::Urgency { urgency } => write!(f, "{urgency} urgency"),
            Reason::Waiting { days } => write!(f, "waiting {days} day(s)"),
        }
    }
}

/// Why an offer is not suggested for a need.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Exclusion {
    OfferNotActive { status: OfferStatus },
    MemberRemoved,
    CategoryNotOffered { offered: Vec<Category> },
    AlreadyAssigned { status: AssignmentStatus },
    Declined,
    AtCapacity { open: u32, capacity: u32 },
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exclusion::OfferNotActive { status } => write!(f, "the offer is {status}"),
            Exclusion::MemberRemoved => write!(f, "the volunteer is no longer in the group"),
            Exclusion::CategoryNotOffered { offered } => {
                write!(f, "offers only {}", offered.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "))
            }
            Exclusion::AlreadyAssigned { status } => write!(f, "already assigned to this need ({status})"),
            Exclusion::Declined => write!(f, "declined this need"),
            Exclusion::AtCapacity { open, capacity } => write!(f, "at capacity ({open} of {capacity} open assignment(s))"),
        }
    }
}

/// An offer suggested for a need: its score is the sum of its reasons' points.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    pub offer: Uuid,
    pub member: Uuid,
    pub score: u32,
    #[serde(serialize_with = "explained")]
    pub reasons: Vec<Reason>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Excluded {
    pub offer: Uuid,
    pub member: Uuid,
    #[serde(serialize_with = "with_text")]
    pub why: Exclusion,
}

/// Every active offer for one need: the candidates best first, and the offers left out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ranking {
    pub need: Uuid,
    pub places_left: u32,
    pub candidates: Vec<Candidate>,
    pub excluded: Vec<Excluded>,
}

/// One suggested assignment of a batch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Proposal {
    pub need: Uuid,
    #[serde(flatten)]
    pub candidate: Candidate,
}

/// An open need that keeps places no proposal fills.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unfilled {
    pub need: Uuid,
    pub places_left: u32,
}

/// Proposals for every open need, with the highest total score the capacities allow.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Batch {
    pub proposals: Vec<Proposal>,
    pub total_score: u64,
    pub unfilled: Vec<Unfilled>,
}

/// What matching looks at, gathered once: the group's areas, its members, the offers, and
/// who is already assigned where. Built from the document or from the store's index.
pub struct Matcher {
    settings: Settings,
    members: HashMap<Uuid, Member>,
    /// Sorted by id, so that ranking and batches come out the same on every device.
    offers: Vec<Offer>,
    /// Positions in `offers` of the offers covering each category.
    by_category: HashMap<Category, Vec<usize>>,
    /// Places filled and capacity used.
    load: Load,
    /// The volunteers on each need, with the status of their assignment.
    by_need: HashMap<Uuid, Vec<(Uuid, AssignmentStatus)>>,
}

/// A need with what every offer is compared against, worked out once.
struct NeedView<'a> {
    need: &'a Need,
    neighbours: Vec<String>,
    words: HashSet<String>,
    window: (DateTime<Utc>, DateTime<Utc>),
    /// Each volunteer's standing on this need: a place they hold, or a decline.
    standing: HashMap<Uuid, AssignmentStatus>,
    /// Urgency and waiting: the same for every offer, but they weigh needs against each other.
    priority: Vec<Reason>,
}

impl Matcher {
    pub fn new(settings: Settings, members: Vec<Member>, mut offers: Vec<Offer>, assignments: &[Assignment]) -> Matcher {
        offers.sort_by_key(|o| o.id);
        let mut by_category: HashMap<Category, Vec<usize>> = HashMap::new();
        for (i, offer) in offers.iter().enumerate() {
            for category in &offer.categories {
                by_category.entry(*category).or_default().push(i);
            }
        }
        let mut by_need: HashMap<Uuid, Vec<(Uuid, AssignmentStatus)>> = HashMap::new();
        for a in assignments {
            by_need.entry(a.need).or_default().push((a.volunteer, a.status));
        }
        let members = members.into_iter().map(|m| (m.id, m)).collect();
        Matcher { settings, members, offers, by_category, load: Load::of(assignments), by_need }
    }

    /// How many more volunteers the need asked for than it has.
    pub fn places_left(&self, need: &Need) -> u32 {
        need.volunteers_needed.saturating_sub(self.load.filled(need.id))
    }

    /// Every active offer for `need`, best first, and every offer left out with the reason.
    pub fn rank(&self, need: &Need, now: DateTime<Utc>) -> Result<Ranking, ValidationError> {
        if !need.status.takes_assignments() {
            return Err(ValidationError::NeedClosed(need.status.to_string()));
        }
        let view = self.view(need, now);
        let (mut candidates, mut excluded) = (Vec::new(), Vec::new());
        for offer in &self.offers {
            match self.evaluate(&view, offer) {
                Ok(candidate) => candidates.push(candidate),
                Err(why) => excluded.push(Excluded { offer: offer.id, member: offer.member, why }),
            }
        }
        candidates.sort_by(|a, b| b.score.cmp(&a.score).then(a.offer.cmp(&b.offer)));
        Ok(Ranking { need: need.id, places_left: self.places_left(need), candidates, excluded })
    }

    /// Proposals for the open needs among `needs`: the assignment of offers to needs with the
    /// highest total score, within every offer's spare capacity and every need's free places,
    /// and never one volunteer twice on one need. Best-scoring proposals first.
    pub fn propose(&self, needs: &[Need], now: DateTime<Utc>) -> Batch {
        let mut open: Vec<&Need> = needs.iter().filter(|n| n.status == NeedStatus::Open && self.places_left(n) > 0).collect();
        open.sort_by_key(|n| n.id);
        let mut candidates = Vec::new();
        let mut edges = Vec::new();
        let mut bundles: HashMap<(Uuid, usize), usize> = HashMap::new();
        for (n, need) in open.iter().enumerate() {
            let view = self.view(need, now);
            for &o in self.by_category.get(&need.category).into_iter().flatten() {
                if let Ok(candidate) = self.evaluate(&view, &self.offers[o]) {
                    let next = bundles.len();
                    let bundle = *bundles.entry((candidate.member, n)).or_insert(next);
                    edges.push(flow::Edge { left: o, right: n, bundle, weight: candidate.score });
                    candidates.push(candidate);
                }
            }
        }
        let demand: Vec<u32> = open.iter().map(|n| self.places_left(n)).collect();
        let all_places = demand.iter().sum::<u32>();
        let supply: Vec<u32> = self
            .offers
            .iter()
            .map(|o| if o.inexhaustible { all_places } else { o.capacity.saturating_sub(self.open_through(o)) })
            .collect();
        let chosen = flow::best(&supply, &demand, &edges);
        let mut filled = vec![0u32; open.len()];
        let mut proposals = Vec::new();
        for ((edge, candidate), _) in edges.iter().zip(candidates).zip(chosen).filter(|(_, chosen)| *chosen) {
            filled[edge.right] += 1;
            proposals.push(Proposal { need: open[edge.right].id, candidate });
        }
        proposals.sort_by(|a, b| b.candidate.score.cmp(&a.candidate.score).then(a.need.cmp(&b.need)).then(a.candidate.offer.cmp(&b.candidate.offer)));
        let unfilled = open
            .iter()
            .zip(demand.iter().zip(filled))
            .filter(|(_, (wanted, got))| got < wanted)
            .map(|(need, (wanted, got))| Unfilled { need: need.id, places_left: wanted - got })
            .collect();
        let total_score = proposals.iter().map(|p| u64::from(p.candidate.score)).sum();
        Batch { proposals, total_score, unfilled }
    }

    fn open_through(&self, offer: &Offer) -> u32 {
        self.load.open_through(offer.id)
    }

    fn view<'a>(&self, need: &'a Need, now: DateTime<Utc>) -> NeedView<'a> {
        let standing = standings(self.by_need.get(&need.id).into_iter().flatten().copied());
        let mut priority = vec![Reason::Urgency { urgency: need.urgency }];
        let days = (now - need.created_at).num_days();
        if days >= 1 {
            priority.push(Reason::Waiting { days: days.min(i64::from(u32::MAX)) as u32 });
        }
        let text = format!("{} {} {}", need.title, need.description, need.category.as_str().replace('_', " "));
        NeedView {
            need,
            neighbours: self.settings.neighbours(&need.area),
            words: words(&text).collect(),
            window: window(need, now),
            standing,
            priority,
        }
    }

    /// The candidate `offer` makes for the need, or why it is left out.
    fn evaluate(&self, view: &NeedView<'_>, offer: &Offer) -> Result<Candidate, Exclusion> {
        let need = view.need;
        let open = self.open_through(offer);
        let member = self.members.get(&offer.member);
        let member = excluded(offer, member, need, member.and_then(|m| view.standing.get(&m.id).copied()), open)?;
        let mut reasons = vec![Reason::Category { category: need.category }];
        reasons.extend(member.skills.iter().find(|skill| fits(skill, &view.words)).map(|skill| Reason::Skill { skill: skill.clone() }));
        reasons.push(self.location(view, offer));
        reasons.extend(availability(&offer.availability, view.window, self.settings.zone()));
        reasons.extend(language(need, offer, member));
        reasons.push(if offer.inexhaustible { Reason::Inexhaustible } else { Reason::Load { open, capacity: offer.capacity } });
        reasons.extend(view.priority.iter().cloned());
        let score = reasons.iter().map(Reason::points).sum();
        Ok(Candidate { offer: offer.id, member: member.id, score, reasons })
    }

    /// Same area, a neighbouring one, or distance when both sides gave coordinates: whichever
    /// scores higher (on a tie, the area, which people know by name).
    fn location(&self, view: &NeedView<'_>, offer: &Offer) -> Reason {
        let area = offer.area.clone();
        let by_area = if offer.area == view.need.area {
            Reason::SameArea { area }
        } else if view.neighbours.contains(&offer.area) {
            Reason::NeighbouringArea { area }
        } else {
            Reason::OtherArea { area }
        };
        match (view.need.coords, offer.coords) {
            (Some(a), Some(b)) => {
                let by_distance = Reason::Distance { km: km_between(a, b) };
                if by_distance.points() > by_area.points() {
                    by_distance
                } else {
                    by_area
                }
            }
            _ => by_area,
        }
    }
}

impl GroupDoc {
    /// A matcher over this document's records.
    pub fn matcher(&self) -> Result<Matcher> {
        Ok(Matcher::new(self.group()?.settings, self.members().records, self.offers().records, &self.assignments().records))
    }
}

/// Each volunteer's standing on one need, from their assignments to it: a place they hold, or
/// a decline. A place held outweighs an earlier decline; cancelled assignments leave no mark.
pub(crate) fn standings(assignments: impl IntoIterator<Item = (Uuid, AssignmentStatus)>) -> HashMap<Uuid, AssignmentStatus> {
    let mut standing = HashMap::new();
    for (volunteer, status) in assignments {
        if status.fills_need() || (status == AssignmentStatus::Declined && !standing.contains_key(&volunteer)) {
            standing.insert(volunteer, status);
        }
    }
    standing
}

/// Why `offer` can serve no need at all, or its volunteer.
pub(crate) fn offer_excluded<'m>(offer: &Offer, member: Option<&'m Member>) -> Result<&'m Member, Exclusion> {
    if offer.status != OfferStatus::Active {
        return Err(Exclusion::OfferNotActive { status: offer.status });
    }
    member.filter(|m| m.removed_at.is_none()).ok_or(Exclusion::MemberRemoved)
}

/// Why `offer` cannot serve `need`, before anything is scored, given its volunteer's `standing`
/// on the need and the assignments `open` through the offer; or its volunteer.
pub(crate) fn excluded<'m>(offer: &Offer, member: Option<&'m Member>, need: &Need, standing: Option<AssignmentStatus>, open: u32) -> Result<&'m Member, Exclusion> {
    let member = offer_excluded(offer, member)?;
    if !offer.categories.contains(&need.category) {
        return Err(Exclusion::CategoryNotOffered { offered: offer.categories.clone() });
    }
    match standing {
        Some(AssignmentStatus::Declined) => return Err(Exclusion::Declined),
        Some(status) => return Err(Exclusion::AlreadyAssigned { status }),
        None => {}
    }
    if !offer.inexhaustible && open >= offer.capacity {
        return Err(Exclusion::AtCapacity { open, capacity: offer.capacity });
    }
    Ok(member)
}

/// When help is useful: from the window's start (not before now) until `needed_by`, or for the
/// coming week when there is no limit or it has passed.
fn window(need: &Need, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = need.window_start.map_or(now, |s| s.max(now));
    let end = need.needed_by.filter(|by| *by > start).unwrap_or(start + Duration::days(OPEN_WINDOW_DAYS));
    (start, end)
}

/// The first time the volunteer is free within the window; `None` if the offer says nothing
/// about when. Weekly slots and dates are read in the group's time zone.
fn availability(availability: &Availability, (start, end): (DateTime<Utc>, DateTime<Utc>), zone: Tz) -> Option<Reason> {
    if availability.weekly.is_empty() && availability.dates.is_empty() {
        return None;
    }
    let overlaps = |from: DateTime<Utc>, to: DateTime<Utc>| from < end && to > start;
    let at = |day: NaiveDate, time: NaiveTime| in_zone(day.and_time(time), zone);
    // Eight days cover every weekday once, whatever time the window starts.
    let weekly = start
        .with_timezone(&zone)
        .date_naive()
        .iter_days()
        .take(8)
        .take_while(|day| at(*day, NaiveTime::MIN) < end)
        .flat_map(|day| availability.weekly.iter().filter(move |slot| slot.day == day.weekday()).map(move |slot| (day, slot)))
        .map(|(day, slot)| (at(day, slot.start), at(day, slot.end), Reason::FreeWeekly { slot: *slot, on: day }))
        .filter(|(from, to, _)| overlaps(*from, *to));
    let dates = availability.dates.iter().map(|date| {
        (at(*date, NaiveTime::MIN), at(*date + Duration::days(1), NaiveTime::MIN), Reason::FreeOn { date: *date })
    });
    let earliest = weekly.chain(dates.filter(|(from, to, _)| overlaps(*from, *to))).min_by_key(|(from, _, _)| *from);
    Some(earliest.map_or(Reason::NotFreeInTime, |(_, _, reason)| reason))
}

/// Whether the volunteer speaks one of the need's languages (the offer's or their own).
fn language(need: &Need, offer: &Offer, member: &Member) -> Option<Reason> {
    if need.languages.is_empty() {
        return None;
    }
    let spoken = |wanted: &String| offer.languages.iter().chain(&member.languages).any(|l| l.trim().eq_ignore_ascii_case(wanted.trim()));
    Some(match need.languages.iter().find(|l| spoken(l)) {
        Some(language) => Reason::SharedLanguage { language: language.clone() },
        None => Reason::NoSharedLanguage { needed: need.languages.clone() },
    })
}

/// Lower-case words of a text.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// A skill fits a need when each of its words appears in the need's title, description or category.
fn fits(skill: &str, need_words: &HashSet<String>) -> bool {
    let mut skill_words = words(skill).peekable();
    skill_words.peek().is_some() && skill_words.all(|w| need_words.contains(&w))
}

/// Kilometres between two coarse points, to 0.1 km, by the equirectangular approximation
/// (well within rounding at neighbourhood scale). Only + − × ÷ and √ are used, which IEEE 754
/// rounds exactly alike everywhere, so every device computes the same figure (`f64::cos` comes
/// from the platform's maths library and may differ in the last bit).
fn km_between(a: Coords, b: Coords) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let radians = |degrees: f64| degrees * (std::f64::consts::PI / 180.0);
    let mut dlon = (a.lon - b.lon).abs();
    if dlon > 180.0 {
        dlon = 360.0 - dlon;
    }
    let x = radians(dlon) * cos(radians((a.lat + b.lat) / 2.0));
    let y = radians(a.lat - b.lat);
    ((x * x + y * y).sqrt() * EARTH_RADIUS_KM * 10.0).round() / 10.0
}

/// cos for |x| ≤ π/2 by its Taylor series to x⁸ (error below 3e-5).
fn cos(x: f64) -> f64 {
    let x2 = x * x;
    1.0 - x2 / 2.0 * (1.0 - x2 / 12.0 * (1.0 - x2 / 30.0 * (1.0 - x2 / 56.0)))
}

/// Reasons as JSON: each with its points and its sentence.
fn explained<S: Serializer>(reasons: &[Reason], serializer: S) -> std::result::Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Explained<'a> {
        #[serde(flatten)]
        reason: &'a Reason,
        points: u32,
        text: String,
    }
    serializer.collect_seq(reasons.iter().map(|reason| Explained { reason, points: reason.points(), text: reason.to_string() }))
}

fn with_text<S: Serializer>(why: &Exclusion, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Texted<'a> {
        #[serde(flatten)]
        why: &'a Exclusion,
        text: String,
    }
    Texted { why, text: why.to_string() }.serialize(serializer)
}
