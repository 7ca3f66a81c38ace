//! The real commands, invoked through Tauri's IPC on its mock runtime, over a device's real store.

use crdt_core::{Category, DbKey, NeedStatus, NewMember, NewNeed, NewOffer, OfferKind, Role, Store, Urgency, Uuid};
use serde_json::{json, Value as Json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

use crate::state::{lock, App, NetConfig};

const PASSPHRASE: &str = "test passphrase";

/// Ana's group with a need and an offer of hers: the pick an organizer would apply.
struct Organizer {
    store: Store,
    need: Uuid,
    ana: Uuid,
    offer: Uuid,
}

fn organizer(dir: &std::path::Path) -> Organizer {
    let key = DbKey::passphrase(PASSPHRASE).unwrap();
    let mut store = Store::create(&dir.join("aidmesh.db"), &key, "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap();
    let need = store.act(|doc, me, now| doc.add_need(me, NewNeed::new("Groceries", Category::Groceries, Urgency::High, "Riverside"), now)).unwrap();
    let offer = store
        .act(|doc, me, now| doc.add_offer(me, NewOffer::new(me, "Car on Saturdays", vec![Category::Groceries], OfferKind::Transport, "Riverside"), now))
        .unwrap();
    Organizer { ana: store.me().unwrap(), store, need: need.id, offer: offer.id }
}

/// The app on the mock runtime over the device whose data folder is `dir`.
fn app_in(dir: &std::path::Path) -> (tauri::App<tauri::test::MockRuntime>, WebviewWindow<tauri::test::MockRuntime>) {
    let net = NetConfig { listen: "127.0.0.1:0".into(), discovery: aidmesh_net::DiscoveryMode::Off };
    app_with(App::with_passphrase(dir.to_path_buf(), net, Some(PASSPHRASE.into())))
}

/// The app on the mock runtime with `state`, and its window.
fn app_with(state: App) -> (tauri::App<tauri::test::MockRuntime>, WebviewWindow<tauri::test::MockRuntime>) {
    let app = crate::with_commands(mock_builder()).manage(state).build(mock_context(noop_assets())).expect("the mock app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("a window");
    (app, window)
}

fn invoke(window: &WebviewWindow<tauri::test::MockRuntime>, cmd: &str, args: Json) -> Result<Json, Json> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Json>().unwrap())
}

#[test]
fn a_volunteers_app_cannot_apply_batch_proposals_nor_renew_the_record() {
    let (ana_dir, bea_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut ana = organizer(ana_dir.path());
    let (invite, bundle) = (ana.store.invite(None).unwrap(), ana.store.export_bundle(None).unwrap());

    // Bea joins as a volunteer and gets the record from Ana's bundle.
    let net = NetConfig { listen: "127.0.0.1:0".into(), discovery: aidmesh_net::DiscoveryMode::Off };
    let bea = App::with_passphrase(bea_dir.path().to_path_buf(), net, Some(PASSPHRASE.into()));
    bea.adopt(Some(invite.group), None, None, |path, key| {
        let mut store = Store::join(path, key, &invite, "Bea")?;
        store.import_bundle(&bundle)?;
        Ok(store)
    })
    .unwrap();
    let (app, window) = app_with(bea);

    let pick = json!({ "picks": [{ "need": ana.need, "member": ana.ana, "offer": ana.offer }] });
    let refused = invoke(&window, "apply_batch", pick).expect_err("a volunteer's batch is refused");
    assert_eq!((refused["code"].as_str(), refused["kind"].as_str()), (Some("organizers_only"), Some("validation")), "{refused}");
    let store = app.state::<App>().store().unwrap();
    assert!(lock(&store).assignments(None, None).unwrap().is_empty(), "nothing was assigned");
    let renewing = invoke(&window, "renew", json!({ "purges": [] })).expect_err("a volunteer cannot renew the record");
    assert_eq!(renewing["code"], "organizers_only", "{renewing}");
}

/// The import wizard's two commands over a real fixture: the dry run asks what it cannot know,
/// applying before it is answered writes nothing, and once answered the sheet comes in once.
#[test]
fn an_import_is_previewed_refused_until_answered_then_applied_once() {
    let dir = tempfile::tempdir().unwrap();
    let ana = organizer(dir.path());
    drop(ana.store);
    let (app, window) = app_in(dir.path());
    let file = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/import/google-form-requests.csv")).unwrap();
    let needs = || lock(&app.state::<App>().store().unwrap()).needs(&Default::default()).unwrap().len();

    let unanswered = json!({ "bytes": file, "choices": { "preset": "google-form", "columns": [], "values": [], "day_first": null, "default_area": null,
        "default_channel": null, "keep_public": [], "import_duplicates": null, "save_preset": "our-form" } });
    let preview = invoke(&window, "preview_import", unanswered.clone()).unwrap();
    assert_eq!(preview["ready"].as_bool(), Some(false), "{preview}");
    assert_eq!(preview["questions"][0]["kind"], "no_area");
    assert!(preview["columns"].as_array().unwrap().iter().any(|c| c["header"] == "telephone" && c["sealed"] == true));
    let refused = invoke(&window, "apply_import", unanswered.clone()).unwrap_err();
    assert_eq!(refused["code"], "import_not_ready");
    assert_eq!(needs(), 1, "nothing was written");

    let mut answered = unanswered;
    answered["choices"]["default_area"] = json!("Ward 3");
    let imported = invoke(&window, "apply_import", answered.clone()).unwrap();
    assert_eq!(imported["added"], 6);
    assert_eq!(needs(), 7);
    let again = invoke(&window, "preview_import", answered).unwrap();
    assert_eq!((again["new"].as_u64(), again["held_already"].as_u64()), (Some(0), Some(6)));
    assert_eq!(invoke(&window, "import_presets", json!({})).unwrap(), json!(["google-form", "airtable", "our-form"]));

    let binary = invoke(&window, "preview_import", json!({ "bytes": [0, 159, 146, 150, 0, 1], "choices": {} })).unwrap_err();
    assert_eq!(binary["code"], "import_invalid", "{binary}");
}

/// A device in two groups: the switcher lists both, lists follow the switch, and a need referred
/// from one to the other comes back returned, with the reason, without a sync.
#[test]
fn a_need_referred_to_the_devices_other_group_comes_back_returned() {
    let dir = tempfile::tempdir().unwrap();
    let ana = organizer(dir.path());
    let need = ana.need;
    drop(ana.store);
    let (_app, window) = app_in(dir.path());
    let status = invoke(&window, "create_group", json!({ "groupName": "Cleveland SEWG", "yourName": "Ana", "role": "organizer", "passphrase": null })).unwrap();
    assert_eq!(status["group"]["name"], "Cleveland SEWG", "the new group is on screen");
    let again = invoke(&window, "create_group", json!({ "groupName": "cleveland sewg", "yourName": "Ana", "role": "organizer", "passphrase": null })).unwrap_err();
    assert_eq!(again["code"], "in_group_already");
    let groups = invoke(&window, "list_groups", json!({})).unwrap();
    let names: Vec<&str> = groups.as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Eastside", "Cleveland SEWG"]);
    let (eastside, cleveland) = (groups[0]["id"].clone(), groups[1]["id"].clone());
    assert_eq!(invoke(&window, "list_needs", json!({ "filter": {} })).unwrap().as_array().unwrap().len(), 0, "Cleveland has no needs yet");

    invoke(&window, "switch_group", json!({ "id": eastside })).unwrap();
    let referred = invoke(&window, "refer_need", json!({ "id": need, "to": cleveland, "area": null, "note": "Across the river", "withContact": false })).unwrap();
    assert_eq!((referred["status"].as_str(), referred["referral"]["group_name"].as_str()), (Some("referred"), Some("Cleveland SEWG")));

    invoke(&window, "switch_group", json!({ "id": cleveland })).unwrap();
    let there = invoke(&window, "list_needs", json!({ "filter": {} })).unwrap()[0].clone();
    assert_eq!(there["referred_from"], "Eastside");
    let returned = invoke(&window, "answer_referral", json!({ "id": there["id"], "reason": "No drivers this week" })).unwrap();
    assert_eq!(returned["status"], "referred");

    invoke(&window, "switch_group", json!({ "id": eastside })).unwrap();
    let home = invoke(&window, "get_need", json!({ "id": need })).unwrap();
    assert_eq!((home["need"]["status"].as_str(), home["need"]["referral"]["progress"].as_str()), (Some("open"), Some("returned")));
    assert_eq!(home["need"]["referral"]["reason"], "No drivers this week");
}

/// Renewing from the app: the preview says what the new record keeps, what stays in the archive,
/// and the text a purge leaves out; renewing does just that, and the phone keeps the old record
/// as an archive until it deletes it.
#[test]
fn an_organizer_previews_renews_with_a_title_left_out_and_deletes_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let Organizer { store: mut ana, need, .. } = organizer(dir.path());
    let done = ana.act(|doc, me, now| doc.add_need(me, NewNeed::new("Coats", Category::Other, Urgency::Low, "Riverside"), now)).unwrap().id;
    ana.act(|doc, me, now| doc.set_need_status(me, done, NeedStatus::Done, now)).unwrap();
    drop(ana);
    let (_app, window) = app_in(dir.path());
    let title = json!({ "purges": [{ "collection": "needs", "record": need, "field": "title" }] });

    let preview = invoke(&window, "renewal_preview", json!({})).unwrap();
    let counts = ["members", "needs", "offers", "needs_archived", "offers_archived", "conflicts_open"].map(|k| preview[k].as_u64().unwrap());
    assert_eq!(counts, [1, 1, 1, 1, 0, 0], "the done need stays in the archive: {preview}");
    assert!(preview["history_changes"].as_u64().unwrap() >= 3, "{preview}");
    let texts = invoke(&window, "purged_texts", title.clone()).unwrap();
    assert_eq!(texts, json!([{ "purge": title["purges"][0], "text": "Groceries" }]));
    let area = json!({ "purges": [{ "collection": "needs", "record": need, "field": "area" }] });
    assert_eq!(invoke(&window, "purged_texts", area.clone()).unwrap_err()["code"], "not_purgeable");
    assert_eq!(invoke(&window, "renew", area).unwrap_err()["code"], "not_purgeable", "nothing is renewed");
    assert_eq!(invoke(&window, "archive_info", json!({})).unwrap()["archived"], 0);

    invoke(&window, "renew", title).unwrap();
    let needs = invoke(&window, "list_needs", json!({ "filter": {} })).unwrap();
    let needs: Vec<(&str, &str)> = needs.as_array().unwrap().iter().map(|n| (n["id"].as_str().unwrap(), n["title"].as_str().unwrap())).collect();
    assert_eq!(needs, [(need.to_string().as_str(), "")], "the open need without its title, the done one archived");
    assert_eq!(invoke(&window, "archive_info", json!({})).unwrap()["archived"], 1);

    assert_eq!(invoke(&window, "delete_archive", json!({})).unwrap(), 1);
    assert_eq!(invoke(&window, "archive_info", json!({})).unwrap()["archived"], 0);
}

/// The new record starts with one value per field, so renewing waits until the conflicts are
/// decided: the preview counts them, and renewing is refused with their number.
#[test]
fn renewing_waits_until_open_conflicts_are_decided() {
    let (ana_dir, bea_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let Organizer { store: mut ana, need, .. } = organizer(ana_dir.path());
    let key = DbKey::passphrase(PASSPHRASE).unwrap();
    let mut bea = Store::join(&bea_dir.path().join("aidmesh.db"), &key, &ana.invite(None).unwrap(), "Bea").unwrap();
    bea.import_bundle(&ana.export_bundle(None).unwrap()).unwrap();
    ana.import_bundle(&bea.export_bundle(None).unwrap()).unwrap();
    ana.set_role(bea.me().unwrap(), Role::Organizer).unwrap();
    bea.import_bundle(&ana.export_bundle(None).unwrap()).unwrap();
    // Apart, Ana cancels the need and Bea marks it done; then Ana's phone gets Bea's change.
    ana.act(|doc, me, now| doc.set_need_status(me, need, NeedStatus::Cancelled, now)).unwrap();
    bea.act(|doc, me, now| doc.set_need_status(me, need, NeedStatus::Done, now)).unwrap();
    ana.import_bundle(&bea.export_bundle(None).unwrap()).unwrap();
    drop(ana);
    let (_app, window) = app_in(ana_dir.path());

    assert_eq!(invoke(&window, "renewal_preview", json!({ "purges": [] })).unwrap()["conflicts_open"], 1);
    let refused = invoke(&window, "renew", json!({ "purges": [] })).unwrap_err();
    assert_eq!((refused["code"].as_str(), &refused["params"]["count"]), (Some("conflicts_open"), &json!(1)), "{refused}");
    assert_eq!(invoke(&window, "archive_info", json!({})).unwrap()["archived"], 0, "nothing was renewed");
}
