//! The real commands, invoked through Tauri's IPC on its mock runtime, over a device's real store.

use crdt_core::{Category, DbKey, NewMember, NewNeed, NewOffer, OfferKind, Role, Store, Urgency, Uuid};
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
fn a_volunteers_app_cannot_apply_batch_proposals() {
    let (ana_dir, bea_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut ana = organizer(ana_dir.path());
    let (invite, bundle) = (ana.store.invite(None).unwrap(), ana.store.export_bundle(None).unwrap());

    // Bea joins as a volunteer and gets the record from Ana's bundle.
    let net = NetConfig { listen: "127.0.0.1:0".into(), discovery: aidmesh_net::DiscoveryMode::Off };
    let bea = App::with_passphrase(bea_dir.path().to_path_buf(), net, Some(PASSPHRASE.into()));
    let key = bea.key(None).unwrap();
    bea.adopt(|path| {
        let mut store = Store::join(path, &key, &invite, "Bea")?;
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
}
