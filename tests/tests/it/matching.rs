//! Matching: every scoring rule and exclusion on real documents, deterministic ties, and batch
//! proposals that respect every capacity and equal a brute-force optimum.

use aidmesh_tests::at;
use chrono::{Duration, NaiveDate};
use crdt_core::*;
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// A group with three areas (River next to North; Docks apart) and an organizer, Ana.
struct Town {
    doc: GroupDoc,
    ana: Uuid,
}

impl Town {
    fn new() -> Town {
        let (mut doc, ana) = GroupDoc::create(ActorId::random(), "Eastside", NewMember::new("Ana", Role::Organizer), at(0)).unwrap();
        for (area, next) in [("North", vec![]), ("River", vec!["North".to_string()]), ("Docks", vec![])] {
            doc.add_area(ana.id, area, &next, at(0)).unwrap();
        }
        Town { doc, ana: ana.id }
    }

    fn volunteer(&mut self, name: &str, skills: &[&str], languages: &[&str]) -> Uuid {
        let input = NewMember {
            skills: skills.iter().map(|s| s.to_string()).collect(),
            languages: languages.iter().map(|s| s.to_string()).collect(),
            ..NewMember::new(name, Role::Volunteer)
        };
        self.doc.add_member(self.ana, input, at(1)).unwrap().id
    }

    /// A groceries offer in `area`, adjusted by `change`.
    fn offer(&mut self, member: Uuid, area: &str, change: impl FnOnce(&mut NewOffer)) -> Uuid {
        let mut input = NewOffer::new(member, "Errands", vec![Category::Groceries], OfferKind::Time, area);
        change(&mut input);
        self.doc.add_offer(self.ana, input, at(2)).unwrap().id
    }

    /// A normal-urgency groceries need in `area`, posted at minute 10, adjusted by `change`.
    fn need(&mut self, title: &str, area: &str, change: impl FnOnce(&mut NewNeed)) -> Uuid {
        let mut input = NewNeed::new(title, Category::Groceries, Urgency::Normal, area);
        change(&mut input);
        self.doc.add_need(self.ana, input, at(10)).unwrap().id
    }

    fn rank(&self, need: Uuid, minutes: i64) -> Ranking {
        self.doc.matcher().unwrap().rank(&self.doc.need(need).unwrap(), at(minutes)).unwrap()
    }

    fn candidate(&self, need: Uuid, offer: Uuid, minutes: i64) -> Candidate {
        let ranking = self.rank(need, minutes);
        ranking.candidates.into_iter().find(|c| c.offer == offer).unwrap_or_else(|| panic!("offer {offer} is not a candidate"))
    }

    fn why_excluded(&self, need: Uuid, offer: Uuid) -> Exclusion {
        self.rank(need, 20).excluded.into_iter().find(|e| e.offer == offer).expect("excluded").why
    }

    fn assign(&mut self, need: Uuid, member: Uuid, offer: Option<Uuid>) -> Assignment {
        self.doc.assign(self.ana, need, member, offer, "", at(15)).unwrap()
    }
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn slot(text: &str) -> WeeklySlot {
    text.parse().unwrap()
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2030, 1, day).unwrap()
}

/// The reason a candidate got for where it is.
fn location_of(candidate: &Candidate) -> Reason {
    candidate
        .reasons
        .iter()
        .find(|r| matches!(r, Reason::SameArea { .. } | Reason::NeighbouringArea { .. } | Reason::OtherArea { .. } | Reason::Distance { .. }))
        .cloned()
        .expect("every candidate has a location")
}

fn availability_of(candidate: &Candidate) -> Option<Reason> {
    candidate.reasons.iter().find(|r| matches!(r, Reason::FreeWeekly { .. } | Reason::FreeOn { .. } | Reason::NotFreeInTime)).cloned()
}

#[test]
fn every_rule_adds_its_points_and_the_score_is_their_sum() {
    let mut town = Town::new();
    let cai = town.volunteer("Cai", &["shopping"], &[]);
    let offer = town.offer(cai, "North", |o| {
        o.capacity = 2;
        o.languages = vec!["ES".into()];
        o.availability.weekly = vec![slot("wed 10:00-12:00")];
    });
    // 2030-01-01 is a Tuesday: the need runs until Friday morning.
    let need = town.need("Weekly shopping for Mrs K", "North", |n| {
        n.urgency = Urgency::High;
        n.languages = vec!["es".into()];
        n.needed_by = Some(at(10) + days(3));
    });
    let candidate = town.candidate(need, offer, 20);
    assert_eq!(
        candidate.reasons,
        vec![
            Reason::Category { category: Category::Groceries },
            Reason::Skill { skill: "shopping".into() },
            Reason::SameArea { area: "North".into() },
            Reason::FreeWeekly { slot: slot("wed 10:00-12:00"), on: date(2) },
            Reason::SharedLanguage { language: "es".into() },
            Reason::Load { open: 0, capacity: 2 },
            Reason::Urgency { urgency: Urgency::High },
        ]
    );
    let points: Vec<u32> = candidate.reasons.iter().map(Reason::points).collect();
    assert_eq!(points, [40, 10, 30, 20, 15, 10, 25]);
    assert_eq!(candidate.score, 150);
    // As the app and `--json` get it: each reason with its rule, its points and a sentence.
    let json = serde_json::to_value(&candidate).unwrap();
    assert_eq!(
        json["reasons"][3],
        json!({"rule": "free_weekly", "slot": {"day": "Wed", "start": "10:00:00", "end": "12:00:00"}, "on": "2030-01-02", "points": 20, "text": "free Wed 10:00-12:00 (2030-01-02)"})
    );
    assert_eq!(json["reasons"][2]["text"], "in North, the need's area");
}

#[test]
fn same_area_beats_a_neighbouring_one_and_coordinates_count_when_closer() {
    let mut town = Town::new();
    let cai = town.volunteer("Cai", &[], &[]);
    let coarse = |lat, lon| Some(Coords::coarse(lat, lon).unwrap());
    let need = town.need("Groceries", "North", |n| n.coords = coarse(51.50, -0.12));
    let north = town.offer(cai, "North", |_| {});
    let river = town.offer(cai, "River", |_| {});
    let docks = town.offer(cai, "Docks", |_| {});
    let docks_near = town.offer(cai, "Docks", |o| o.coords = coarse(51.51, -0.12));
    let river_far = town.offer(cai, "River", |o| o.coords = coarse(51.60, -0.12));
    let north_here = town.offer(cai, "North", |o| o.coords = coarse(51.50, -0.12));
    let location = |offer| location_of(&town.candidate(need, offer, 20));
    assert_eq!(location(north), Reason::SameArea { area: "North".into() });
    assert_eq!(location(river), Reason::NeighbouringArea { area: "River".into() });
    assert_eq!(location(docks), Reason::OtherArea { area: "Docks".into() });
    // A hundredth of a degree of latitude is 1.1 km: 30 points less 3 per km.
    assert_eq!(location(docks_near), Reason::Distance { km: 1.1 });
    assert_eq!(Reason::Distance { km: 1.1 }.points(), 27);
    // 11 km away earns nothing by distance, so being next to North counts instead.
    assert_eq!(location(river_far), Reason::NeighbouringArea { area: "River".into() });
    // On a tie the area is named: people know it.
    assert_eq!(location(north_here), Reason::SameArea { area: "North".into() });
    let order: Vec<Uuid> = town.rank(need, 20).candidates.iter().map(|c| c.offer).collect();
    assert_eq!(order, [north, north_here, docks_near, river, river_far, docks]);
}

#[test]
fn distances_match_the_great_circle_at_any_latitude_and_across_the_date_line() {
    fn great_circle(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (lat1, lon1, lat2, lon2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
        let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
        2.0 * 6371.0 * h.sqrt().asin()
    }
    let mut town = Town::new();
    let cai = town.volunteer("Cai", &[], &[]);
    for (from, to) in [((60.0, 10.0), (60.05, 10.1)), ((-33.87, 151.21), (-33.9, 151.18)), ((0.0, 179.99), (0.0, -179.99)), ((78.22, 15.65), (78.2, 15.7))] {
        let need = town.need("Groceries", "North", |n| n.coords = Some(Coords::coarse(from.0, from.1).unwrap()));
        // In Docks, away from North, so the distance is what places it.
        let offer = town.offer(cai, "Docks", |o| o.coords = Some(Coords::coarse(to.0, to.1).unwrap()));
        let Reason::Distance { km } = location_of(&town.candidate(need, offer, 20)) else { panic!("{from:?} → {to:?} did not score by distance") };
        assert!((km - great_circle(from, to)).abs() <= 0.1, "{from:?} → {to:?}: {km} km, great circle {}", great_circle(from, to));
    }
}

#[test]
fn availability_counts_when_it_falls_in_the_needs_window() {
    let mut town = Town::new();
    let cai = town.volunteer("Cai", &[], &[]);
    let mut offer_free = |weekly: &[&str], dates: &[NaiveDate]| {
        let (weekly, dates) = (weekly.iter().map(|s| slot(s)).collect(), dates.to_vec());
        town.offer(cai, "North", |o| o.availability = Availability { weekly, dates })
    };
    let saturday = offer_free(&["sat 10:00-12:00"], &[]);
    let friday_morning = offer_free(&["fri 08:00-10:00"], &[]);
    let tuesday_early = offer_free(&["tue 08:00-09:00"], &[]);
    let thursday = offer_free(&[], &[date(3)]);
    let both = offer_free(&["sat 10:00-12:00", "thu 18:00-20:00"], &[date(3)]);
    let unsaid = offer_free(&[], &[]);
    // Until Friday 09:10; ranked on Tuesday at 09:20.
    let by_friday = town.need("Groceries", "North", |n| n.needed_by = Some(at(10) + days(3)));
    let free = |town: &Town, need, offer, minutes| availability_of(&town.candidate(need, offer, minutes));
    assert_eq!(free(&town, by_friday, saturday, 20), Some(Reason::NotFreeInTime));
    assert_eq!(Reason::NotFreeInTime.points(), 0);
    assert_eq!(free(&town, by_friday, friday_morning, 20), Some(Reason::FreeWeekly { slot: slot("fri 08:00-10:00"), on: date(4) }));
    // This Tuesday's slot is over; next Tuesday is too late.
    assert_eq!(free(&town, by_friday, tuesday_early, 20), Some(Reason::NotFreeInTime));
    assert_eq!(free(&town, by_friday, thursday, 20), Some(Reason::FreeOn { date: date(3) }));
    assert_eq!(free(&town, by_friday, both, 20), Some(Reason::FreeOn { date: date(3) }), "the earliest time free is named");
    assert_eq!(free(&town, by_friday, unsaid, 20), None, "an offer that says nothing about time is neither");

    // No limit: the coming week.
    let whenever = town.need("Groceries", "North", |_| {});
    assert_eq!(free(&town, whenever, saturday, 20), Some(Reason::FreeWeekly { slot: slot("sat 10:00-12:00"), on: date(5) }));
    // A limit already past: as soon as possible, so the coming week too.
    let overdue = town.need("Groceries", "North", |n| n.needed_by = Some(at(70)));
    assert_eq!(free(&town, overdue, saturday, 60 * 24 * 2), Some(Reason::FreeWeekly { slot: slot("sat 10:00-12:00"), on: date(5) }));
    // A window that opens on Thursday: the Wednesday slot is before it, Saturday's within.
    let later = town.need("Groceries", "North", |n| {
        n.window_start = Some(at(10) + days(2));
        n.needed_by = Some(at(10) + days(5));
    });
    let wednesday = town.offer(cai, "North", |o| o.availability.weekly = vec![slot("wed 10:00-12:00")]);
    assert_eq!(free(&town, later, wednesday, 20), Some(Reason::NotFreeInTime));
    assert_eq!(free(&town, later, saturday, 20), Some(Reason::FreeWeekly { slot: slot("sat 10:00-12:00"), on: date(5) }));
}

#[test]
fn a_shared_language_is_found_in_the_offer_or_the_member_whatever_the_case() {
    let mut town = Town::new();
    let cai = town.volunteer("Cai", &[], &["AR"]);
    let dev = town.volunteer("Dev", &[], &["en"]);
    let cais = town.offer(cai, "North", |_| {});
    let devs = town.offer(dev, "North", |_| {});
    let devs_spanish = town.offer(dev, "North", |o| o.languages = vec!["es".into()]);
    let need = town.need("Groceries", "North", |n| n.languages = vec!["es".into(), "ar".into()]);
    let language = |offer| town.candidate(need, offer, 20).reasons.into_iter().find(|r| r.to_string().starts_with("speaks"));
    assert_eq!(language(cais), Some(Reason::SharedLanguage { language: "ar".into() }));
    assert_eq!(language(devs_spanish), Some(Reason::SharedLanguage { language: "es".into() }));
    let none = Reason::NoSharedLanguage { needed: vec!["es".into(), "ar".into()] };
    assert_eq!(language(devs), Some(none.clone()));
    assert_eq!((none.points(), none.to_string()), (0, "speaks none of es, ar".to_string()));
    let any = town.need("Groceries", "North", |_| {});
    assert!(town.candidate(any, devs, 20).reasons.iter().all(|r| !r.to_string().starts_with("speaks")));
}

#[test]
fn skills_named_in_the_need_or_its_category_fit() {
    let mut town = Town::new();
    let medic = town.volunteer("Cai", &["First Aid", "driving"], &[]);
    let sitter = town.volunteer("Dev", &["childcare"], &[]);
    let medics = town.offer(medic, "North", |o| o.categories = vec![Category::Groceries, Category::Childcare]);
    let sitters = town.offer(sitter, "North", |o| o.categories = vec![Category::Childcare]);
    let skill = |town: &Town, need, offer| town.candidate(need, offer, 20).reasons.into_iter().find(|r| matches!(r, Reason::Skill { .. }));
    let kit = town.need("Shopping and a first-aid kit", "North", |_| {});
    assert_eq!(skill(&town, kit, medics), Some(Reason::Skill { skill: "First Aid".into() }));
    let aid = town.need("Food aid parcel", "North", |_| {});
    assert_eq!(skill(&town, aid, medics), None, "every word of a skill must appear");
    let afternoon = town.need("Saturday afternoon", "North", |n| n.category = Category::Childcare);
    assert_eq!(skill(&town, afternoon, sitters), Some(Reason::Skill { skill: "childcare".into() }), "the category's name counts");
    assert_eq!(skill(&town, afternoon, medics), None);
}

#[test]
fn open_assignments_lower_the_load_points_and_inexhaustible_offers_never_fill() {
    let mut town = Town::new();
    let cai = town.volunteer("Cai", &[], &[]);
    let pantry_keeper = town.volunteer("Dev", &[], &[]);
    let rides = town.offer(cai, "North", |o| o.capacity = 3);
    let pantry = town.offer(pantry_keeper, "North", |o| {
        o.capacity = 1;
        o.inexhaustible = true;
    });
    let earlier: Vec<Uuid> = (0..4).map(|i| town.need(&format!("Earlier {i}"), "North", |n| n.volunteers_needed = 2)).collect();
    let accepted = town.assign(earlier[0], cai, Some(rides));
    town.doc.set_assignment_status(town.ana, accepted.id, AssignmentStatus::Accepted, at(16)).unwrap();
    let done = town.assign(earlier[1], cai, Some(rides));
    town.doc.set_assignment_status(town.ana, done.id, AssignmentStatus::Done, at(16)).unwrap();
    let declined = town.assign(earlier[2], cai, Some(rides));
    town.doc.set_assignment_status(town.ana, declined.id, AssignmentStatus::Declined, at(16)).unwrap();
    for need in &earlier {
        town.assign(*need, pantry_keeper, Some(pantry));
    }
    let need = town.need("Groceries", "North", |_| {});
    let load = |offer| town.candidate(need, offer, 20).reasons.into_iter().find(|r| matches!(r, Reason::Load { .. } | Reason::Inexhaustible)).unwrap();
    // Only the accepted assignment is still open: 2 of 3 places free, 10 × 2/3 points.
    assert_eq!(load(rides), Reason::Load { open: 1, capacity: 3 });
    assert_eq!(Reason::Load { open: 1, capacity: 3 }.points(), 6);
    assert_eq!(load(pantry), Reason::Inexhaustible);
    assert_eq!(Reason::Inexhaustible.points(), 10);
}

#[test]
fn urgency_and_waiting_time_raise_a_needs_scores() {
    let mut town = Town::new();
    let cai = town.volunteer("Cai", &[], &[]);
    let offer = town.offer(cai, "North", |_| {});
    let critical = town.need("Insulin", "North", |n| n.urgency = Urgency::Critical);
    let low = town.need("Dog walk", "North", |n| n.urgency = Urgency::Low);
    let priority = |need, minutes| {
        town.candidate(need, offer, minutes).reasons.into_iter().filter(|r| matches!(r, Reason::Urgency { .. } | Reason::Waiting { .. })).collect::<Vec<_>>()
    };
    assert_eq!(priority(critical, 20), [Reason::Urgency { urgency: Urgency::Critical }]);
    assert_eq!(Reason::Urgency { urgency: Urgency::Critical }.points(), 40);
    assert_eq!(priority(low, 20), [Reason::Urgency { urgency: Urgency::Low }]);
    assert_eq!(Reason::Urgency { urgency: Urgency::Low }.points(), 0);
    let day = 60 * 24;
    assert_eq!(priority(low, 10 + 3 * day), [Reason::Urgency { urgency: Urgency::Low }, Reason::Waiting { days: 3 }]);
    assert_eq!(Reason::Waiting { days: 3 }.points(), 6);
    assert_eq!(Reason::Waiting { days: 30 }.points(), 20, "waiting counts for ten days at most");
}

#[test]
fn offers_that_cannot_take_the_need_are_left_out_with_the_reason() {
    let mut town = Town::new();
    let (cai, dev, eli, fay, gus) =
        (town.volunteer("Cai", &[], &[]), town.volunteer("Dev", &[], &[]), town.volunteer("Eli", &[], &[]), town.volunteer("Fay", &[], &[]), town.volunteer("Gus", &[], &[]));
    let need = town.need("Groceries", "North", |n| n.volunteers_needed = 3);
    let good = town.offer(cai, "North", |_| {});
    let paused = town.offer(cai, "North", |_| {});
    town.doc.set_offer_status(town.ana, paused, OfferStatus::Paused, at(3)).unwrap();
    let withdrawn = town.offer(cai, "North", |_| {});
    town.doc.set_offer_status(town.ana, withdrawn, OfferStatus::Withdrawn, at(3)).unwrap();
    let rides_only = town.offer(dev, "North", |o| o.categories = vec![Category::Transport, Category::Medical]);
    let removed = town.offer(eli, "North", |_| {});
    town.doc.remove_member(town.ana, eli, at(4)).unwrap();
    let assigned = town.offer(fay, "North", |o| o.capacity = 2);
    town.assign(need, fay, None);
    let declined = town.offer(gus, "North", |o| o.capacity = 2);
    let declining = town.assign(need, gus, Some(declined));
    town.doc.set_assignment_status(gus, declining.id, AssignmentStatus::Declined, at(16)).unwrap();
    let busy = town.offer(dev, "North", |o| o.capacity = 1);
    let other = town.need("Other groceries", "North", |_| {});
    town.assign(other, dev, Some(busy));

    let ranking = town.rank(need, 20);
    assert_eq!(ranking.candidates.iter().map(|c| c.offer).collect::<Vec<_>>(), [good]);
    assert_eq!(ranking.places_left, 2);
    let cases = [
        (paused, Exclusion::OfferNotActive { status: OfferStatus::Paused }, "the offer is paused"),
        (withdrawn, Exclusion::OfferNotActive { status: OfferStatus::Withdrawn }, "the offer is withdrawn"),
        (rides_only, Exclusion::CategoryNotOffered { offered: vec![Category::Transport, Category::Medical] }, "offers only transport, medical"),
        (removed, Exclusion::MemberRemoved, "the volunteer is no longer in the group"),
        (assigned, Exclusion::AlreadyAssigned { status: AssignmentStatus::Proposed }, "already assigned to this need (proposed)"),
        (declined, Exclusion::Declined, "declined this need"),
        (busy, Exclusion::AtCapacity { open: 1, capacity: 1 }, "at capacity (1 of 1 open assignment(s))"),
    ];
    for (offer, why, text) in cases.clone() {
        assert_eq!(town.why_excluded(need, offer), why);
        assert_eq!(why.to_string(), text);
    }
    assert_eq!(ranking.excluded.len(), cases.len());
    let json = serde_json::to_value(&ranking.excluded[0]).unwrap();
    assert_eq!(json["why"], json!({"type": "offer_not_active", "status": "paused", "text": "the offer is paused"}));
}

#[test]
fn a_closed_need_is_not_ranked_and_a_full_one_says_so() {
    let mut town = Town::new();
    let cai = town.volunteer("Cai", &[], &[]);
    let offer = town.offer(cai, "North", |_| {});
    let need = town.need("Groceries", "North", |_| {});
    town.assign(need, cai, Some(offer));
    assert_eq!(town.rank(need, 20).places_left, 0);
    town.doc.set_need_status(town.ana, need, NeedStatus::Done, at(30)).unwrap();
    let err = town.doc.matcher().unwrap().rank(&town.doc.need(need).unwrap(), at(40)).unwrap_err();
    assert_eq!(err, ValidationError::NeedClosed("done".into()));
}

#[test]
fn ties_go_to_the_older_offer_and_every_replica_ranks_alike() {
    let mut town = Town::new();
    let (cai, dev) = (town.volunteer("Cai", &[], &[]), town.volunteer("Dev", &[], &[]));
    let older = town.offer(dev, "River", |_| {});
    let newer = town.offer(cai, "River", |_| {});
    let need = town.need("Groceries", "North", |_| {});
    let ranking = town.rank(need, 20);
    assert_eq!(ranking.candidates[0].score, ranking.candidates[1].score);
    assert_eq!(ranking.candidates.iter().map(|c| c.offer).collect::<Vec<_>>(), [older, newer]);
    let elsewhere = GroupDoc::load(&town.doc.save(), ActorId::random()).unwrap();
    assert_eq!(elsewhere.matcher().unwrap().rank(&elsewhere.need(need).unwrap(), at(20)).unwrap(), ranking);
}

#[test]
fn when_volunteers_are_scarce_the_batch_serves_the_more_urgent_need() {
    let mut town = Town::new();
    let cai = town.volunteer("Cai", &[], &[]);
    let offer = town.offer(cai, "North", |_| {});
    let dog_walk = town.need("Dog walk", "North", |n| n.urgency = Urgency::Low);
    let insulin = town.need("Insulin", "River", |n| n.urgency = Urgency::Critical);
    let batch = town.doc.matcher().unwrap().propose(&town.doc.needs().records, at(20));
    assert_eq!(batch.proposals.len(), 1);
    assert_eq!((batch.proposals[0].need, batch.proposals[0].candidate.offer), (insulin, offer));
    assert_eq!(batch.total_score, u64::from(batch.proposals[0].candidate.score));
    assert_eq!(batch.unfilled, [Unfilled { need: dog_walk, places_left: 1 }]);
}

#[test]
fn a_volunteer_takes_one_place_of_a_need_whichever_offer_it_comes_through() {
    let mut town = Town::new();
    let (cai, dev) = (town.volunteer("Cai", &["shopping"], &[]), town.volunteer("Dev", &[], &[]));
    let cai_first = town.offer(cai, "North", |o| o.capacity = 2);
    let cai_second = town.offer(cai, "North", |o| o.capacity = 2);
    let devs = town.offer(dev, "Docks", |_| {});
    let need = town.need("Big shopping", "North", |n| n.volunteers_needed = 3);
    let batch = town.doc.matcher().unwrap().propose(&town.doc.needs().records, at(20));
    let chosen: Vec<(Uuid, Uuid)> = batch.proposals.iter().map(|p| (p.candidate.member, p.candidate.offer)).collect();
    assert_eq!(chosen.len(), 2, "{chosen:?}");
    assert!(chosen.contains(&(dev, devs)));
    assert!(chosen.contains(&(cai, cai_first)) ^ chosen.contains(&(cai, cai_second)));
    assert_eq!(batch.unfilled, [Unfilled { need, places_left: 1 }]);
}

#[test]
fn proposing_writes_nothing_and_applying_makes_one_proposed_assignment_per_change() {
    let mut town = Town::new();
    let (cai, dev) = (town.volunteer("Cai", &[], &[]), town.volunteer("Dev", &[], &[]));
    town.offer(cai, "North", |o| o.capacity = 2);
    town.offer(dev, "River", |_| {});
    for title in ["Groceries", "Pharmacy run", "Heavy shopping"] {
        town.need(title, "North", |_| {});
    }
    let heads = town.doc.heads();
    let changes_before = town.doc.automerge().get_changes(&[]).len();
    let batch = town.doc.matcher().unwrap().propose(&town.doc.needs().records, at(20));
    assert_eq!(batch.proposals.len(), 3);
    assert_eq!(town.doc.heads(), heads, "proposing writes nothing");

    // A volunteer cannot apply them.
    let err = town.doc.apply_proposals(cai, &batch.proposals, at(21)).unwrap_err();
    assert!(matches!(err, Error::Invalid(ValidationError::OrganizersOnly(_))), "{err}");
    assert_eq!(town.doc.heads(), heads);

    let assignments = town.doc.apply_proposals(town.ana, &batch.proposals, at(21)).unwrap();
    assert_eq!(town.doc.automerge().get_changes(&[]).len(), changes_before + 3);
    for (assignment, proposal) in assignments.iter().zip(&batch.proposals) {
        assert_eq!(assignment.status, AssignmentStatus::Proposed);
        assert_eq!((assignment.need, assignment.volunteer, assignment.offer), (proposal.need, proposal.candidate.member, Some(proposal.candidate.offer)));
        let history = town.doc.history(assignment.id);
        assert_eq!(history.iter().map(|h| h.action.as_str()).collect::<Vec<_>>(), ["assign"]);
    }
    assert!(town.doc.conflicts().is_empty());
    // Everything is taken now: a second run proposes nothing.
    assert!(town.doc.matcher().unwrap().propose(&town.doc.needs().records, at(22)).proposals.is_empty());
}

/// A small random group: a few needs and offers in two categories and three areas, some
/// capacity already taken.
#[derive(Clone, Debug)]
struct Instance {
    needs: Vec<(usize, usize, u32, usize)>,
    offers: Vec<(usize, usize, usize, u32, bool)>,
    taken: Vec<(usize, usize)>,
}

fn instance() -> impl Strategy<Value = Instance> {
    let need = (0..2usize, 0..3usize, 1..3u32, 0..Urgency::ALL.len());
    let offer = (0..3usize, 0..3usize, 0..3usize, 1..3u32, prop::bool::weighted(0.15));
    (prop::collection::vec(need, 1..4), prop::collection::vec(offer, 1..5), prop::collection::vec((0..4usize, 0..5usize), 0..3))
        .prop_map(|(needs, offers, taken)| Instance { needs, offers, taken })
}

const CATEGORIES: [Category; 2] = [Category::Groceries, Category::Transport];
const AREAS: [&str; 3] = ["North", "River", "Docks"];

/// The instance as a real document: needs, offers (one or both categories) and assignments.
fn build(instance: &Instance) -> Town {
    let mut town = Town::new();
    let volunteers: Vec<Uuid> = ["Cai", "Dev", "Eli"].iter().map(|name| town.volunteer(name, &[], &[])).collect();
    let offers: Vec<Uuid> = instance
        .offers
        .iter()
        .map(|&(member, categories, area, capacity, inexhaustible)| {
            let categories = match categories {
                0 | 1 => vec![CATEGORIES[categories]],
                _ => CATEGORIES.to_vec(),
            };
            town.offer(volunteers[member], AREAS[area], |o| {
                o.categories = categories;
                o.capacity = capacity;
                o.inexhaustible = inexhaustible;
            })
        })
        .collect();
    let needs: Vec<Uuid> = instance
        .needs
        .iter()
        .map(|&(category, area, volunteers, urgency)| {
            town.need("Help", AREAS[area], |n| {
                n.category = CATEGORIES[category];
                n.volunteers_needed = volunteers;
                n.urgency = Urgency::ALL[urgency];
            })
        })
        .collect();
    for &(need, offer) in &instance.taken {
        let (need, offer) = (needs[need % needs.len()], offers[offer % offers.len()]);
        let member = town.doc.offer(offer).unwrap().member;
        // Some of these are refused (wrong category is fine for assign, capacity is not): that is part of the instance.
        let _ = town.doc.assign(town.ana, need, member, Some(offer), "", at(15));
    }
    town
}

/// The best total score over every set of candidate pairs that fits, by trying them all.
fn brute_force(town: &Town, at_minute: i64) -> u64 {
    let matcher = town.doc.matcher().unwrap();
    let offers: Vec<Offer> = town.doc.offers().records;
    let assignments = town.doc.assignments().records;
    let mut pairs = Vec::new();
    let mut places = Vec::new();
    for (n, need) in town.doc.needs().records.iter().filter(|n| n.status == NeedStatus::Open).enumerate() {
        places.push(matcher.places_left(need));
        for candidate in matcher.rank(need, at(at_minute)).unwrap().candidates {
            pairs.push((n, candidate));
        }
    }
    let spare = |offer: Uuid| {
        let offer = offers.iter().find(|o| o.id == offer).unwrap();
        let open = assignments.iter().filter(|a| a.offer == Some(offer.id) && a.status.is_active()).count() as u32;
        if offer.inexhaustible {
            u32::MAX
        } else {
            offer.capacity - open
        }
    };
    let mut best = 0;
    for chosen in 0u32..(1 << pairs.len()) {
        let picked: Vec<&(usize, Candidate)> = pairs.iter().enumerate().filter(|(i, _)| chosen & (1 << i) != 0).map(|(_, p)| p).collect();
        let fits = places.iter().enumerate().all(|(n, &p)| picked.iter().filter(|(m, _)| *m == n).count() as u32 <= p)
            && offers.iter().all(|o| picked.iter().filter(|(_, c)| c.offer == o.id).count() as u32 <= spare(o.id))
            && picked.iter().enumerate().all(|(i, (n, c))| picked[..i].iter().all(|(m, d)| !(m == n && d.member == c.member)));
        if fits {
            best = best.max(picked.iter().map(|(_, c)| u64::from(c.score)).sum());
        }
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn batch_proposals_fit_every_capacity_and_equal_the_brute_force_optimum(instance in instance()) {
        let mut town = build(&instance);
        let batch = town.doc.matcher().unwrap().propose(&town.doc.needs().records, at(20));
        prop_assert_eq!(batch.total_score, brute_force(&town, 20));
        prop_assert_eq!(batch.total_score, batch.proposals.iter().map(|p| u64::from(p.candidate.score)).sum::<u64>());
        // Every proposal is a candidate the ranking would show, with the same score and reasons.
        let matcher = town.doc.matcher().unwrap();
        for proposal in &batch.proposals {
            let ranking = matcher.rank(&town.doc.need(proposal.need).unwrap(), at(20)).unwrap();
            prop_assert!(ranking.candidates.contains(&proposal.candidate));
        }
        // `assign` checks places, capacity and double assignment itself: every proposal passes.
        let heads = town.doc.heads();
        let assignments = town.doc.apply_proposals(town.ana, &batch.proposals, at(21));
        prop_assert!(assignments.is_ok(), "{:?}", assignments.err());
        prop_assert!(town.doc.conflicts().is_empty(), "{:#?}", town.doc.conflicts());
        prop_assert_eq!(batch.proposals.is_empty(), town.doc.heads() == heads);
    }
}
