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
