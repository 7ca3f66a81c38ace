//! Every record's history says who changed which field, when, from what to what.

use aidmesh_tests::{at, Group};
use crdt_core::*;
use serde_json::json;

#[test]
fn a_needs_history_names_people_fields_and_old_and_new_values() {
    let mut group = Group::new();
    let (a, cai) = (group.member(Group::ORGANIZER_A), group.member(Group::VOLUNTEER_A));
    let need = group.devices[0].doc.add_need(a, NewNeed::new("Ride to clinic", Category::Transport, Urgency::Critical, "River"), at(10)).unwrap();
    group.sync_all();
    let assignment = group.devices[0].doc.assign(a, need.id, cai, None, "", at(20)).unwrap();
    group.sync_all();
    group.devices[2].doc.set_assignment_status(cai, assignment.id, AssignmentStatus::Accepted, at(30)).unwrap();
    group.sync_all();

    let history = group.devices[1].doc.history(need.id);
    let actions: Vec<_> = history.iter().map(|e| (e.action.as_str(), e.by_name.as_deref().unwrap(), e.at.unwrap())).collect();
    assert_eq!(actions, [("need.add", "Ana", at(10)), ("assign", "Ana", at(20)), ("assignment.status", "Cai", at(30))]);

    let created = &history[0];
    let title = created.fields.iter().find(|f| f.field == "title").unwrap();
    assert_eq!((&title.old, &title.new), (&json!(null), &json!("Ride to clinic")));
    let status_changes: Vec<_> = history[1..]
        .iter()
        .flat_map(|e| e.fields.iter().filter(|f| f.field == "status").map(|f| (f.old.clone(), f.new.clone())))
        .collect();
    assert_eq!(status_changes, [(json!("open"), json!("matched")), (json!("matched"), json!("in_progress"))]);
    assert!(history[1].fields.iter().all(|f| f.field == "status" || f.field == "updated_at"), "only changed fields are written: {:?}", history[1].fields);
}

/// Regression (found by the convergence property): a resolution that cancels an assignment
/// must show in that assignment's history, not only in the need's.
#[test]
fn assignments_cancelled_by_a_resolution_show_it_in_their_history() {
    let mut group = Group::new();
    let (a, b) = (group.member(Group::ORGANIZER_A), group.member(Group::ORGANIZER_B));
    let (cai, dev) = (group.member(Group::VOLUNTEER_A), group.member(Group::VOLUNTEER_B));
    let need = group.devices[0].doc.add_need(a, NewNeed::new("Meals", Category::Meals, Urgency::Normal, "North"), at(10)).unwrap();
    group.sync_all();
    let first = group.devices[0].doc.assign(a, need.id, cai, None, "", at(20)).unwrap();
    group.devices[1].doc.assign(b, need.id, dev, None, "", at(21)).unwrap();
    group.sync_all();
    let conflict = group.devices[0].doc.conflicts().remove(0);
    let keep_dev = conflict.sides.iter().position(|s| s.assignment != Some(first.id)).unwrap();
    group.devices[0].doc.resolve(a, conflict.id, &[keep_dev], at(30)).unwrap();

    let history = group.devices[0].doc.history(first.id);
    let last = history.last().unwrap();
    assert_eq!(last.action, "resolve");
    assert!(last.fields.iter().any(|f| f.field == "status" && f.old == json!("proposed") && f.new == json!("cancelled")), "{last:?}");
}
