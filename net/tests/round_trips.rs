//! A meeting between devices that met before takes two round trips (ARCHITECTURE.md), over real
//! loopback sockets: each side waits for exactly two frames, the peer's hello (carrying its first
//! sync message) and its answer. Key envelopes one side received from the other are not sent back
//! to it, which used to cost every resumed meeting a third frame.

use aidmesh_net::{sync_over, Channel, SharedStore};
use crdt_core::*;

fn key() -> DbKey {
    DbKey::passphrase("round trips").expect("not empty")
}

fn keys(store: &SharedStore) -> Keyring {
    store.lock().expect("not poisoned").keyring().expect("keys readable")
}

/// One sync, `a` connecting to `b`: the digests of both sides.
async fn meet(a: &SharedStore, b: &SharedStore) -> (Digest, Digest) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("loopback");
    let address = listener.local_addr().expect("bound").to_string();
    let (b, b_keys) = (b.clone(), keys(b));
    let responder = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("one connection");
        let mut channel = Channel::accept(stream, &b_keys).await.expect("handshake");
        sync_over(&mut channel, &b, None, |_| {}).await.expect("responder syncs")
    });
    let mut channel = Channel::connect(&address, &keys(a)).await.expect("handshake");
    let initiator = sync_over(&mut channel, a, None, |_| {}).await.expect("initiator syncs");
    (initiator, responder.await.expect("responder task"))
}

fn add_need(store: &SharedStore, title: &str) {
    let input = NewNeed::new(title, Category::Meals, Urgency::Normal, "North");
    store.lock().expect("not poisoned").act(|doc, me, now| doc.add_need(me, input, now)).expect("need added");
}

#[tokio::test]
async fn a_resumed_meeting_takes_two_round_trips() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = Store::create(&dir.path().join("a.db"), &key(), "Eastside", NewMember::new("Ana", Role::Organizer)).expect("group");
    let b = Store::join(&dir.path().join("b.db"), &key(), &a.invite(None).expect("invite"), "Bo").expect("joined");
    let (a, b) = (aidmesh_net::shared(a), aidmesh_net::shared(b));
    // The first meeting brings Bo the record and the founder's key envelopes.
    meet(&a, &b).await;

    // Then each side starts a meeting once.
    for round in 0..2 {
        add_need(&a, &format!("Ana's need {round}"));
        add_need(&b, &format!("Bo's need {round}"));
        let (initiator, responder) = if round == 0 { meet(&a, &b).await } else { meet(&b, &a).await };
        assert_eq!((initiator.needs.new, responder.needs.new), (1, 1));
        // The hellos (which generation of the record each holds) carry the first messages: a
        // hello once cost every meeting a third frame.
        assert_eq!(initiator.progress.frames_received, 2, "the initiator waited for more than two frames");
        assert_eq!(responder.progress.frames_received, 2, "the responder waited for more than two frames");
    }
}
