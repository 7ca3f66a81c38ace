//! End-to-end: the real app (Rust core, SQLite, the WebKitGTK webview) driven over WebDriver,
//! with the real `aidmesh` CLI as the other device. No part is mocked. Each test starts its own
//! app with its own data folder; they run one at a time.
//!
//! The screenshots of every main screen, in English and Spanish, land in `screenshots/`.

mod harness;

use aidmesh_tests::Cli;
use anyhow::{ensure, Context, Result};
use harness::{one_at_a_time, App};

async fn start_group(app: &App, lang: Option<&str>) -> Result<()> {
    app.fill("create-group-name", "Eastside Mutual Aid").await?;
    app.fill("create-your-name", "Ana").await?;
    app.choose("create-role", "organizer").await?;
    if let Some(lang) = lang {
        app.screenshot(lang, "01-first-run").await?;
    }
    app.click("create-submit").await?;
    app.wait("nav-needs").await?;
    Ok(())
}

async fn post_need(app: &App, title: &str, category: &str, urgency: &str) -> Result<()> {
    app.click("nav-needs").await?;
    app.click("need-add").await?;
    app.fill("need-title", title).await?;
    app.choose("need-category", category).await?;
    app.choose("need-urgency", urgency).await?;
    app.fill("need-area", "Riverside").await?;
    app.click("need-submit").await?;
    app.wait_text("need-detail-title", title).await?;
    Ok(())
}

async fn post_offer(app: &App, what: &str, category: &str) -> Result<()> {
    app.click("nav-offers").await?;
    app.click("offer-add").await?;
    app.fill("offer-what", what).await?;
    app.click(&format!("offer-category-{category}")).await?;
    app.fill("offer-area", "Riverside").await?;
    app.click("offer-submit").await?;
    app.item_with_text("offer-item", what).await?;
    Ok(())
}

/// A second device, run by the CLI, that joins the app's group with the invite the app shows
/// and gets the record by syncing with the app's background service.
fn join_with_cli(app_address: &str, invite_code: &str, name: &str) -> Result<(tempfile::TempDir, Cli)> {
    let dir = tempfile::tempdir()?;
    let cli = Cli::new(dir.path());
    cli.ok(&["join", invite_code, "--name", name])?;
    cli.ok(&["sync", app_address])?;
    Ok((dir, cli))
}

/// Opens the invite on the Members screen (it stays open once shown).
async fn open_invite(app: &App) -> Result<()> {
    app.click("nav-members").await?;
    app.wait("member-item").await?;
    if app.count("invite-show").await? > 0 {
        app.click("invite-show").await?;
    }
    app.wait("invite-qr").await?;
    Ok(())
}

async fn invite_code(app: &App) -> Result<String> {
    open_invite(app).await?;
    Ok(app.text("invite-code").await?.trim().to_string())
}

/// The app with Ana's new group, and Bea's device (the CLI) in it.
async fn group_with_bea() -> Result<(App, tempfile::TempDir, Cli)> {
    let app = App::launch().await?;
    start_group(&app, None).await?;
    let code = invite_code(&app).await?;
    let (dir, bea) = join_with_cli(&app.address, &code, "Bea")?;
    Ok((app, dir, bea))
}

fn cli_member_id(cli: &Cli, name: &str) -> Result<String> {
    let members = cli.json(&["member", "list"])?;
    members.as_array().context("members")?.iter().find(|m| m["display_name"] == name).and_then(|m| m["id"].as_str()).map(String::from).context("member not found")
}

fn cli_need_id(cli: &Cli, title: &str) -> Result<String> {
    let needs = cli.json(&["need", "list"])?;
    needs.as_array().context("needs")?.iter().find(|n| n["title"] == title).and_then(|n| n["id"].as_str()).map(String::from).context("need not found")
}

#[tokio::test]
async fn an_organizer_posts_matches_and_assigns_and_the_volunteer_finishes() -> Result<()> {
    let _one = one_at_a_time().await;
    let app = App::launch().await?;
    start_group(&app, Some("en")).await?;
    post_need(&app, "Groceries for Mrs. Alvarez", "groceries", "high").await?;
    post_offer(&app, "Car and two free afternoons", "groceries").await?;

    app.click("nav-needs").await?;
    app.click_in("need-item", "Groceries for Mrs. Alvarez", "need-item-title").await?;
    app.wait_text("need-detail-title", "Groceries for Mrs. Alvarez").await?;
    app.click("need-find-volunteers").await?;
    app.item_with_text("candidate", "Car and two free afternoons").await?;
    app.click_in("candidate", "Car and two free afternoons", "candidate-assign").await?;

    app.click("nav-mine").await?;
    app.click_in("my-assignment", "Groceries for Mrs. Alvarez", "assignment-accept").await?;
    app.click_in("my-assignment", "Groceries for Mrs. Alvarez", "assignment-done").await?;
    app.click("nav-needs").await?;
    app.click("needs-status-done").await?;
    app.click_in("need-item", "Groceries for Mrs. Alvarez", "need-item-title").await?;
    app.wait_text("need-status", "Done").await?;
    ensure!(app.count("history-item").await? >= 3, "the history shows the need being posted, assigned and done");
    app.close().await
}

#[tokio::test]
async fn a_wrong_form_shows_the_error_and_keeps_what_was_typed() -> Result<()> {
    let _one = one_at_a_time().await;
    let app = App::launch().await?;
    start_group(&app, None).await?;
    app.click("need-add").await?;
    app.fill("need-description", "Two bags, no pork, ring twice").await?;
    app.fill("need-area", "Riverside").await?;
    app.fill("need-volunteers", "0").await?;
    app.click("need-submit").await?;
    app.wait("error-title").await?;
    app.wait("error-volunteers_needed").await?;
    app.screenshot("en", "04-need-form-errors").await?;
    ensure!(app.value("need-description").await? == "Two bags, no pork, ring twice", "the description was kept");
    ensure!(app.value("need-area").await? == "Riverside", "the area was kept");
    // Fixing the fields is enough: nothing else has to be typed again.
    app.fill("need-title", "Groceries").await?;
    app.choose("need-category", "groceries").await?;
    app.fill("need-volunteers", "1").await?;
    app.click("need-submit").await?;
    app.wait_text("need-detail-title", "Groceries").await?;
    app.close().await
}

#[tokio::test]
async fn hours_a_volunteer_logs_are_confirmed_by_the_organizer() -> Result<()> {
    let _one = one_at_a_time().await;
    let (app, _dir, bea) = group_with_bea().await?;
    app.click("nav-members").await?;
    app.item_with_text("member-item", "Bea").await?;

    // Bea helped the group for an hour and a half; she logs it on her device and syncs.
    bea.ok(&["hours", "log", "--to", "group", "--hours", "1.5", "--note", "Sorted the pantry"])?;
    bea.ok(&["sync", &app.address])?;

    // Ana, the organizer, sees it waiting for her and confirms it.
    app.click("nav-mine").await?;
    app.item_with_text("hours-pending-item", "Sorted the pantry").await?;
    app.click_in("hours-pending-item", "Sorted the pantry", "hours-confirm").await?;
    app.wait("hours-pending-empty").await?;

    bea.ok(&["sync", &app.address])?;
    let entries = bea.json(&["hours", "list"])?;
    ensure!(entries[0]["status"] == "confirmed", "Bea's device sees the hours confirmed: {entries}");
    let balance = bea.ok(&["hours", "balance"])?;
    ensure!(balance.contains("1.5"), "Bea's balance counts them: {balance}");

    // And the app logs hours too: Ana's own, for Bea to confirm.
    app.click("nav-mine").await?;
    app.click("hours-log").await?;
    app.fill("hours-amount", "2").await?;
    app.choose("hours-to", &cli_member_id(&bea, "Bea")?).await?;
    app.fill("hours-note", "Drove Bea to the clinic").await?;
    app.click("hours-submit").await?;
    // The form closes once the entry is saved.
    app.wait("hours-log").await?;
    bea.ok(&["sync", &app.address])?;
    let pending = bea.json(&["hours", "list", "--status", "pending"])?;
    ensure!(pending.to_string().contains("Drove Bea to the clinic"), "the app's entry reached Bea: {pending}");
    app.close().await
}

#[tokio::test]
async fn a_sync_with_a_serving_peer_updates_the_lists_live_with_progress_and_a_digest() -> Result<()> {
    let _one = one_at_a_time().await;
    let (app, _dir, bea) = group_with_bea().await?;

    // Bea syncs into the app while its needs list is on screen: the list updates by itself.
    app.click("nav-needs").await?;
    bea.ok(&["need", "add", "--title", "Ride to the pharmacy", "--category", "transport", "--area", "Hillside"])?;
    bea.ok(&["sync", &app.address])?;
    app.item_with_text("need-item", "Ride to the pharmacy").await?;

    // Bea's laptop serves; the app connects by address and shows progress and what changed.
    bea.ok(&["need", "add", "--title", "Hot meals for a family of five", "--category", "meals", "--urgency", "critical", "--area", "Hillside"])?;
    bea.ok(&["offer", "add", "--what", "Cooking on weekends", "--category", "meals", "--area", "Hillside"])?;
    let (mut serving, address) = bea.serve(&[])?;
    app.click("nav-sync").await?;
    app.fill("sync-address", &address).await?;
    app.click("sync-connect").await?;
    app.wait("sync-progress").await?;
    // The digest of Bea's earlier sync is on screen too: wait for the one that names the offer.
    let digest = app.wait_text("sync-digest", "offer").await?;
    ensure!(digest.contains("1 new need"), "the digest names what came: {digest}");
    app.screenshot("en", "30-sync-digest").await?;
    app.item_with_text("synced-peer", "Bea").await?;
    serving.kill()?;
    serving.wait()?;

    app.click("nav-needs").await?;
    app.item_with_text("need-item", "Hot meals for a family of five").await?;
    app.close().await
}

#[tokio::test]
async fn two_organizers_assign_one_place_apart_and_resolving_clears_it_on_both() -> Result<()> {
    let _one = one_at_a_time().await;
    let (app, _dir, bea) = group_with_bea().await?;

    // Ana makes Bea an organizer; both offer help; Ana posts a need with one place.
    app.click("nav-members").await?;
    app.click_in("member-item", "Bea", "member-make-organizer").await?;
    post_offer(&app, "Groceries by bike", "groceries").await?;
    post_need(&app, "Weekly shop for Mr. Okafor", "groceries", "normal").await?;
    bea.ok(&["offer", "add", "--what", "Groceries by car", "--category", "groceries", "--area", "Riverside"])?;
    bea.ok(&["sync", &app.address])?;

    // Apart: Ana assigns herself in the app, Bea assigns herself on her device.
    app.click("nav-needs").await?;
    app.click_in("need-item", "Weekly shop for Mr. Okafor", "need-item-title").await?;
    app.click("need-find-volunteers").await?;
    app.click_in("candidate", "Groceries by bike", "candidate-assign").await?;
    // Saved: Ana's offer leaves the candidates, as it is now assigned to this need.
    app.wait_gone("candidate", "Groceries by bike").await?;
    let need = cli_need_id(&bea, "Weekly shop for Mr. Okafor")?;
    let bea_id = cli_member_id(&bea, "Bea")?;
    bea.ok(&["assign", &need, "--to", &bea_id])?;

    // They meet: the double booking is a decision in Ana's inbox, with both sides.
    bea.ok(&["sync", &app.address])?;
    app.click("nav-organize").await?;
    app.click("conflicts-open").await?;
    let conflict = app.item_with_text("conflict-item", "Weekly shop for Mr. Okafor").await?;
    let text = conflict.text().await?;
    ensure!(text.contains("Ana") && text.contains("Bea"), "both sides are shown with who made them: {text}");
    app.screenshot("en", "22-conflicts").await?;
    // Renewing the record waits until it is decided: the renew screen says so and leads here.
    app.click("nav-settings").await?;
    app.click("renew-open").await?;
    app.wait_text("renew-conflicts", "1 conflict").await?;
    ensure!(app.wait("renew-submit").await?.attr("disabled").await?.is_some(), "renewing waits for the conflict");
    app.dismiss_toasts().await?;
    app.screenshot("en", "65-renew-conflicts").await?;
    app.click("renew-conflicts-open").await?;
    app.item_with_text("conflict-item", "Weekly shop for Mr. Okafor").await?;
    // The side is chosen by tapping its card (the label); the radio inside is only its state.
    app.click("[data-testid=conflict-keep-0] + label").await?;
    app.click("conflict-resolve").await?;
    app.wait("conflicts-empty").await?;

    // Resolved on Ana's phone; after the next sync, on Bea's too.
    bea.ok(&["sync", &app.address])?;
    let left = bea.json(&["conflicts"])?;
    ensure!(left.as_array().is_some_and(|c| c.is_empty()), "Bea's device has no conflict left: {left}");
    app.close().await
}

/// Contact details are sealed on Ana's phone: Bea's device cannot read them until she is
/// assigned; forgetting the person takes them from both; removing Bea shuts her device out.
#[tokio::test]
async fn contact_details_reach_only_the_assigned_and_forgetting_and_removal_take_effect() -> Result<()> {
    let _one = one_at_a_time().await;
    let (app, _dir, bea) = group_with_bea().await?;
    post_need(&app, "Prescription pickup", "medical", "high").await?;
    app.click("contact-add").await?;
    app.fill("contact-name", "Mr. Okafor").await?;
    app.fill("contact-phone", "555-0142").await?;
    app.fill("contact-address", "Corner of Elm and 3rd, blue door").await?;
    app.fill("contact-notes", "Diabetic; ring twice").await?;
    app.click("contact-save").await?;
    // What was saved is shown at once; "Hide" and "Show" toggle it.
    app.wait("[data-contact-state=readable]").await?;
    app.wait_text("contact-line-phone", "555-0142").await?;
    app.screenshot("en", "05-need-contact").await?;
    app.click("contact-show").await?;
    app.wait_gone("contact-details", "555-0142").await?;
    app.click("contact-show").await?;
    app.wait_text("contact-line-address", "blue door").await?;

    bea.ok(&["offer", "add", "--what", "Pharmacy runs by bike", "--category", "medical", "--area", "Riverside"])?;
    bea.ok(&["sync", &app.address])?;
    let need = cli_need_id(&bea, "Prescription pickup")?;
    let refused = bea.fails(&["need", "contact", &need])?;
    ensure!(refused.contains("only organizers and the volunteers assigned"), "Bea, not assigned: {refused}");

    app.click("need-find-volunteers").await?;
    app.click_in("candidate", "Pharmacy runs by bike", "candidate-assign").await?;
    app.wait_gone("candidate", "Pharmacy runs by bike").await?;
    bea.ok(&["sync", &app.address])?;
    let shown = bea.ok(&["need", "contact", &need])?;
    ensure!(shown.contains("555-0142") && shown.contains("blue door"), "Bea, assigned, reads them: {shown}");

    // Forgetting cannot be undone, so it asks first.
    app.click("nav-needs").await?;
    app.click_in("need-item", "Prescription pickup", "need-item-title").await?;
    app.click("contact-forget").await?;
    app.wait("forget-dialog").await?;
    app.screenshot("en", "06-forget-dialog").await?;
    app.click("forget-dialog-confirm").await?;
    app.wait("[data-contact-state=forgotten]").await?;
    bea.ok(&["sync", &app.address])?;
    let gone = bea.fails(&["need", "contact", &need])?;
    ensure!(gone.contains("forgotten"), "after one sync Bea's device cannot read them either: {gone}");

    // The organizer shortens how long details are kept; Bea's device follows after a sync.
    app.click("nav-settings").await?;
    app.fill("retention-expiry-days", "14").await?;
    app.click("retention-save").await?;
    app.wait_text("retention-expiry", "14").await?;
    app.screenshot("en", "61-settings-retention").await?;
    bea.ok(&["sync", &app.address])?;
    ensure!(bea.json(&["retention"])?["expiry_days"] == 14, "the group's setting reached Bea's device");

    app.click("nav-members").await?;
    // Removing her renews the record too: the group goes on with a record that starts after.
    app.click_in("member-item", "Bea", "member-remove").await?;
    app.click("remove-renew").await?;
    app.screenshot("en", "52-remove-and-renew").await?;
    app.click("remove-dialog-confirm").await?;
    app.item_with_text("member-item", "Removed").await?;
    let ana = Cli::new(app.database().parent().context("data dir")?);
    ensure!(ana.json(&["archive"])?["archived"] == 1, "the removal renewed the record");
    let shut_out = bea.fails(&["sync", &app.address])?;
    ensure!(shut_out.contains("handshake failed"), "Bea's device can no longer sync: {shut_out}");
    app.close().await
}

/// The organizer sets where the group is; a date picked alone then means the end of that day
/// there, in the app as in the CLI (and as the core reads it).
#[tokio::test]
async fn the_groups_time_zone_decides_what_a_date_means_in_the_app_and_the_cli() -> Result<()> {
    let _one = one_at_a_time().await;
    let (app, _dir, bea) = group_with_bea().await?;
    app.click("nav-settings").await?;
    app.fill("time-zone-input", "Mars/Olympus").await?;
    app.click("time-zone-save").await?;
    app.wait_text("error-time-zone", "Europe/Madrid").await?;
    app.fill("time-zone-input", "Europe/Madrid").await?;
    app.click("time-zone-save").await?;
    app.wait_text("group-time-zone", "Europe/Madrid").await?;
    app.screenshot("en", "62-settings-time-zone").await?;

    app.click("nav-needs").await?;
    app.click("need-add").await?;
    app.fill("need-title", "Coats before winter").await?;
    app.choose("need-category", "other").await?;
    app.fill("need-area", "Riverside").await?;
    app.set_date("need-needed-by", "2030-12-01").await?;
    app.click("need-submit").await?;
    app.wait_text("need-detail-title", "Coats before winter").await?;
    bea.ok(&["sync", &app.address])?;
    ensure!(bea.ok(&["time-zone"])?.contains("Europe/Madrid"), "the zone reached Bea's device");
    bea.ok(&["need", "add", "--title", "Blankets before winter", "--category", "other", "--area", "Riverside", "--needed-by", "2030-12-01"])?;
    let needs = bea.json(&["need", "list"])?;
    for title in ["Coats before winter", "Blankets before winter"] {
        let need = needs.as_array().context("needs")?.iter().find(|n| n["title"] == title).context("need")?;
        let by = chrono::DateTime::parse_from_rfc3339(need["needed_by"].as_str().context("needed_by")?)?;
        ensure!(by.with_timezone(&chrono::Utc).to_rfc3339() == "2030-12-01T22:59:59+00:00", "{title}: the end of 1 December in Madrid, not {by}");
    }

    app.click("nav-settings").await?;
    app.choose("lang-select", "es").await?;
    app.wait("[lang=es]:root").await?;
    app.fill("time-zone-input", "Marte/Olimpo").await?;
    app.click("time-zone-save").await?;
    app.wait("error-time-zone").await?;
    app.screenshot("es", "62-settings-time-zone-error").await?;
    app.close().await
}

/// Something fails after a change is saved (here: sealing the contact details to the volunteer's
/// device, as the disk refuses the write): the change stands, and the app says so as a warning,
/// not as a failed action.
#[tokio::test]
async fn a_failure_after_a_saved_change_is_a_warning_not_a_failed_action() -> Result<()> {
    let _one = one_at_a_time().await;
    let (app, _dir, bea) = group_with_bea().await?;
    for (need, offer, category) in [("Prescription pickup", "Pharmacy runs by bike", "medical"), ("Soup for the Nguyens", "Cooking on weekends", "meals")] {
        post_need(&app, need, category, "high").await?;
        app.click("contact-add").await?;
        app.fill("contact-name", "Mr. Okafor").await?;
        app.fill("contact-phone", "555-0142").await?;
        app.click("contact-save").await?;
        app.wait("[data-contact-state=readable]").await?;
        bea.ok(&["offer", "add", "--what", offer, "--category", category, "--area", "Riverside"])?;
    }
    bea.ok(&["sync", &app.address])?;

    let database = crdt_core::Store::unlocked_connection(&app.database(), &aidmesh_tests::test_key())?;
    database.execute_batch("CREATE TRIGGER no_envelopes BEFORE INSERT ON envelopes BEGIN SELECT RAISE(ABORT, 'the disk is full'); END;")?;
    for (lang, need, offer) in [("en", "Prescription pickup", "Pharmacy runs by bike"), ("es", "Soup for the Nguyens", "Cooking on weekends")] {
        app.click("nav-settings").await?;
        app.choose("lang-select", lang).await?;
        app.wait(&format!("[lang={lang}]:root")).await?;
        app.click("nav-needs").await?;
        app.click_in("need-item", need, "need-item-title").await?;
        app.click("need-find-volunteers").await?;
        app.click_in("candidate", offer, "candidate-assign").await?;
        // Saved: the offer leaves the candidates, and no error banner shows.
        app.wait_gone("candidate", offer).await?;
        app.wait("toast-warning").await?;
        ensure!(app.count("error-banner").await? == 0, "no error is shown for a saved change");
        app.screenshot(lang, "64-warning-after-save").await?;
        if lang == "en" {
            // The Spanish warning must be its own, not this one still on screen.
            app.click_in("toast", "saved", "toast-close").await?;
            app.wait_gone("toast-warning", "").await?;
        }
    }

    // The assignments stand: Bea's device gets them at the next sync.
    database.execute_batch("DROP TRIGGER no_envelopes;")?;
    bea.ok(&["sync", &app.address])?;
    let needs = bea.json(&["need", "list"])?;
    let matched = needs.as_array().context("needs")?.iter().filter(|n| n["status"] == "matched").count();
    ensure!(matched == 2, "both needs have their volunteer on Bea's device: {needs}");
    app.close().await
}

/// Without a passphrase from the environment the person chooses one when starting the group,
/// and types it to unlock the phone next time; a wrong one is refused and changes nothing.
#[tokio::test]
async fn a_phone_without_a_keyring_asks_for_its_passphrase() -> Result<()> {
    let _one = one_at_a_time().await;
    let app = App::launch_with(tempfile::tempdir()?, "off", None).await?;
    app.fill("create-group-name", "Eastside Mutual Aid").await?;
    app.fill("create-your-name", "Ana").await?;
    app.choose("create-role", "organizer").await?;
    app.fill("create-passphrase", "kitchen table 42").await?;
    app.fill("create-passphrase-confirm", "kitchen table 24").await?;
    app.click("create-submit").await?;
    app.wait("error-create-passphrase-confirm").await?;
    app.fill("create-passphrase-confirm", "kitchen table 42").await?;
    app.click("create-submit").await?;
    app.wait("nav-needs").await?;
    post_need(&app, "Soup for the Nguyens", "meals", "normal").await?;
    let dir = app.close_keeping_data().await?;
    let database = dir.path().join("aidmesh.db");
    let before = std::fs::read(&database)?;

    let app = App::launch_with(dir, "off", None).await?;
    app.fill("unlock-passphrase", "kitchen table 24").await?;
    app.click("unlock-submit").await?;
    app.wait_text("error-passphrase", "passphrase").await?;
    app.screenshot("en", "00-unlock-wrong").await?;
    ensure!(app.value("unlock-passphrase").await? == "kitchen table 24", "what was typed stays, to fix");
    ensure!(std::fs::read(&database)? == before, "a wrong passphrase changes nothing");
    app.fill("unlock-passphrase", "kitchen table 42").await?;
    app.click("unlock-submit").await?;
    app.item_with_text("need-item", "Soup for the Nguyens").await?;
    app.close().await
}

#[tokio::test]
async fn a_damaged_database_is_reported_in_words_and_left_untouched() -> Result<()> {
    let _one = one_at_a_time().await;
    let dir = tempfile::tempdir()?;
    let database = dir.path().join("aidmesh.db");
    let garbage = b"not a database: somebody's shopping list\n".repeat(200);
    std::fs::write(&database, &garbage)?;
    let app = App::launch_in(dir, "off").await?;
    app.wait_text("[role=alert]", "damaged").await?;
    app.screenshot("en", "99-damaged-database").await?;
    ensure!(std::fs::read(&database)? == garbage, "the damaged file was left as it was");
    app.close().await
}

/// At the meetup nobody types an address: the app finds Bea's laptop on the network by itself,
/// syncs, and Bea's new need appears. Real mDNS, in a private network namespace of its own.
#[tokio::test]
async fn the_app_finds_a_member_nearby_and_syncs_by_itself() -> Result<()> {
    let _one = one_at_a_time().await;
    if !harness::inside_private_network("the_app_finds_a_member_nearby_and_syncs_by_itself")? {
        return Ok(());
    }
    let app = App::launch_in(tempfile::tempdir()?, "loopback").await?;
    start_group(&app, None).await?;
    let code = invite_code(&app).await?;
    let (_dir, bea) = join_with_cli(&app.address, &code, "Bea")?;
    bea.ok(&["need", "add", "--title", "Soup for the Nguyen family", "--category", "meals", "--area", "Hillside"])?;
    let (mut serving, _) = bea.serve(&["--discovery", "loopback"])?;
    app.click("nav-needs").await?;
    let found = app.item_with_text("need-item", "Soup for the Nguyen family").await;
    app.click("nav-sync").await?;
    app.wait("peer-item").await?;
    app.screenshot("en", "32-sync-nearby").await?;
    serving.kill()?;
    serving.wait()?;
    found?;
    app.close().await
}

/// Every main screen at phone size, in English and in Spanish, with a group that has some life in it.
#[tokio::test]
async fn every_main_screen_in_both_languages() -> Result<()> {
    let _one = one_at_a_time().await;
    let (app, _dir, bea) = group_with_bea().await?;
    post_need(&app, "Groceries for Mrs. Alvarez", "groceries", "high").await?;
    post_need(&app, "Translate a letter from the council", "translation", "normal").await?;
    post_offer(&app, "Car and two free afternoons", "groceries").await?;
    bea.ok(&["need", "add", "--title", "Ride to the clinic on Friday", "--category", "transport", "--urgency", "critical", "--area", "Hillside"])?;
    bea.ok(&["offer", "add", "--what", "Spanish and English translation", "--category", "translation", "--area", "Riverside"])?;
    bea.ok(&["hours", "log", "--to", "group", "--hours", "2", "--note", "Pantry shift"])?;
    bea.ok(&["sync", &app.address])?;

    for lang in ["en", "es"] {
        app.click("nav-settings").await?;
        app.choose("lang-select", lang).await?;
        app.wait(&format!("[lang={lang}]:root")).await?;
        app.screenshot(lang, "90-settings").await?;
        app.click("nav-needs").await?;
        app.item_with_text("need-item", "Ride to the clinic on Friday").await?;
        app.screenshot(lang, "02-needs").await?;
        app.click("need-add").await?;
        app.screenshot(lang, "03-need-form").await?;
        app.click("nav-needs").await?;
        app.click_in("need-item", "Groceries for Mrs. Alvarez", "need-item-title").await?;
        app.wait("need-detail-title").await?;
        app.screenshot(lang, "05-need-detail").await?;
        app.click("need-find-volunteers").await?;
        app.wait("candidate").await?;
        app.screenshot(lang, "20-match").await?;
        app.click("nav-offers").await?;
        app.wait("offer-item").await?;
        app.screenshot(lang, "10-offers").await?;
        app.click("offer-add").await?;
        app.screenshot(lang, "11-offer-form").await?;
        app.click("nav-organize").await?;
        app.screenshot(lang, "21-organize").await?;
        app.click("batch-open").await?;
        app.wait("batch-item").await?;
        app.screenshot(lang, "23-batch").await?;
        app.click("nav-mine").await?;
        app.wait("hours-pending-item").await?;
        app.screenshot(lang, "40-mine").await?;
        app.click("nav-sync").await?;
        app.screenshot(lang, "30-sync").await?;
        app.click("nav-members").await?;
        app.wait("member-item").await?;
        app.screenshot(lang, "50-members").await?;
        open_invite(&app).await?;
        app.scroll_to(&app.wait("invite-qr").await?).await?;
        app.screenshot(lang, "51-invite").await?;
    }
    app.close().await
}

/// The meeting report in the app: the group's figures for the last four weeks, then for days an
/// organizer picks, by month, in both languages, and never a contact detail on it.
#[tokio::test]
async fn an_organizer_reads_the_meeting_report_for_a_period_in_both_languages() -> Result<()> {
    let _one = one_at_a_time().await;
    let (app, _dir, bea) = group_with_bea().await?;
    post_need(&app, "Groceries for Mrs. Alvarez", "groceries", "high").await?;
    post_offer(&app, "Car and two free afternoons", "groceries").await?;
    let ride = bea.json(&["need", "add", "--title", "Ride to the clinic on Friday", "--category", "transport", "--urgency", "critical", "--area", "Hillside"])?;
    let ride = ride["id"].as_str().context("need id")?;
    bea.ok(&["need", "set-contact", ride, "--contact-name", "Mr Okafor", "--phone", "555-0142"])?;
    bea.ok(&["need", "add", "--title", "Move a sofa upstairs", "--category", "household", "--area", "Hillside"])?;
    bea.ok(&["offer", "add", "--what", "Spanish and English translation", "--category", "translation", "--area", "Riverside"])?;
    bea.ok(&["hours", "log", "--to", "group", "--hours", "2", "--note", "Pantry shift"])?;
    bea.ok(&["sync", &app.address])?;
    app.click("nav-mine").await?;
    app.click_in("hours-pending-item", "Pantry shift", "hours-confirm").await?;
    app.wait("hours-pending-empty").await?;

    app.click("nav-organize").await?;
    app.click("report-open").await?;
    let page = app.wait_text("report-page", "Eastside Mutual Aid: Meeting report").await?;
    for shown in ["Ride to the clinic on Friday", "Hillside", "nobody asked for what it offers: 1", "Bea"] {
        ensure!(page.contains(shown), "the report shows {shown:?}: {page}");
    }
    ensure!(!page.contains("555-0142") && !page.contains("Okafor"), "no contact detail is in the report: {page}");
    app.dismiss_toasts().await?;
    app.screenshot("en", "24-report").await?;
    app.scroll_to(&app.wait("[data-testid=report-page] section:nth-of-type(6)").await?).await?;
    app.screenshot("en", "25-report-areas-hours").await?;

    // The network of chapters: this group's totals saved, and another group's added to them.
    app.click("totals-export").await?;
    app.wait_text("totals-saved", "aidmesh-totals-").await?;
    let (today, other) = (chrono::Local::now().date_naive(), tempfile::tempdir()?);
    let akron = Cli::new(other.path());
    akron.ok(&["init", "--group", "Akron Timebank", "--name", "Gus"])?;
    akron.ok(&["need", "add", "--title", "Snow shovelling", "--category", "household", "--area", "Downtown"])?;
    let totals = other.path().join("akron.json");
    let (first, last) = ((today - chrono::Duration::days(27)).to_string(), today.to_string());
    akron.ok(&["report", "--from", &first, "--to", &last, "--totals", totals.to_str().context("path")?])?;
    app.upload("totals-add", &totals).await?;
    let network = app.wait_text("network-page", "All groups").await?;
    ensure!(network.contains("Akron Timebank") && network.contains("Eastside Mutual Aid"), "{network}");
    app.scroll_to(&app.wait("network-page").await?).await?;
    app.screenshot("en", "26-report-network").await?;

    app.click("report-by-month").await?;
    app.choose("report-period", "custom").await?;
    let first = (chrono::Local::now().date_naive() - chrono::Duration::days(60)).to_string();
    app.set_date("report-first", &first).await?;
    app.wait_text("report-page", "Month of").await?;

    app.click("nav-settings").await?;
    app.choose("lang-select", "es").await?;
    app.wait("[lang=es]:root").await?;
    app.click("nav-organize").await?;
    app.click("report-open").await?;
    let page = app.wait_text("report-page", "Informe para la reunión").await?;
    ensure!(page.contains("necesidades publicadas") && page.contains("Semana del"), "{page}");
    app.screenshot("es", "24-report").await?;
    app.scroll_to(&app.wait("[data-testid=report-page] section:nth-of-type(6)").await?).await?;
    app.screenshot("es", "25-report-areas-hours").await?;
    app.close().await
}

/// Bea's second phone runs a modified app and tries to make her an organizer; Ana's phone
/// ignores it and shows her who tried what, under Conflicts.
#[tokio::test]
async fn an_organizer_sees_a_modified_apps_self_promotion_ignored() -> Result<()> {
    let _one = one_at_a_time().await;
    let (app, _dir, bea) = group_with_bea().await?;
    let bea_id: uuid::Uuid = cli_member_id(&bea, "Bea")?.parse()?;
    // Ana's device binds Bea's second phone (written by this test into Ana's database, as a
    // second process would); Bea's phone fetches that, then receives the modified app's change.
    let mut ana = crdt_core::Store::open(&app.database(), &aidmesh_tests::test_key())?;
    let mut rogue = aidmesh_tests::Rogue::of(&mut ana, bea_id);
    drop(ana);
    rogue.write(&["members", &bea_id.to_string(), "role"], serde_json::json!("organizer"));
    bea.ok(&["sync", &app.address])?;
    rogue.deliver(&mut crdt_core::Store::open(&bea.data_dir.join("aidmesh.db"), &aidmesh_tests::test_key())?)?;
    bea.ok(&["sync", &app.address])?;
    let ignored = Cli::new(app.database().parent().context("data dir")?).json(&["ignored"])?;
    let bea_sees = bea.json(&["ignored"])?;
    ensure!(ignored.as_array().is_some_and(|i| i.len() == 1), "Ana's database holds the ignored change: {ignored}; Bea's: {bea_sees}");

    app.click("nav-members").await?;
    let member = app.item_with_text("member-item", "Bea").await?;
    ensure!(member.find(fantoccini::Locator::Css("[data-testid=member-make-organizer]")).await.is_ok(), "Bea is still a volunteer");
    app.click("nav-organize").await?;
    app.click("conflicts-open").await?;
    app.item_with_text("ignored-item", "Bea tried to change their own role").await?;
    // The sync's toasts would cover the list in the picture.
    app.dismiss_toasts().await?;
    app.screenshot("en", "23-ignored-changes").await?;
    app.click("nav-settings").await?;
    app.choose("lang-select", "es").await?;
    app.wait("[lang=es]:root").await?;
    app.click("nav-organize").await?;
    app.click("conflicts-open").await?;
    app.item_with_text("ignored-item", "Bea intentó cambiar su propio rol").await?;
    app.screenshot("es", "23-ignored-changes").await?;
    app.close().await
}

/// The import wizard in the real app: a Google Form sheet is mapped (contact columns marked
/// private), its dry run asks for the area its rows lack, and once answered it is imported; the
/// same file again would add nothing. Both languages, with the mapping and dry-run screens.
#[tokio::test]
async fn an_organizer_imports_a_google_form_sheet_in_both_languages() -> Result<()> {
    let _one = one_at_a_time().await;
    let app = App::launch().await?;
    start_group(&app, None).await?;
    let sheet = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import/google-form-requests.csv");
    for lang in ["en", "es"] {
        app.click("nav-settings").await?;
        app.choose("lang-select", lang).await?;
        app.wait(&format!("[lang={lang}]:root")).await?;
        app.click("nav-organize").await?;
        app.click("import-open").await?;
        app.wait("[data-testid=import-preset] option[value=google-form]").await?;
        app.choose("import-preset", "google-form").await?;
        app.upload("import-file", &sheet).await?;
        let phone = app.item_with_text("import-column", "telephone").await?;
        ensure!(phone.find(fantoccini::Locator::Css("[data-testid=import-column-private]")).await.is_ok(), "the phone column is marked private");
        app.screenshot(lang, "27-import-columns").await?;
        app.click("import-to-check").await?;
        app.wait("import-question").await?;
        ensure!(app.text("import-errors").await? == "0", "the fixture has no bad rows");
        app.screenshot(lang, "28-import-check").await?;
    }
    app.fill("import-answer", "Ward 3").await?;
    app.wait_gone("import-question", "").await?;
    app.wait_text("import-new", "6").await?;
    app.click("import-apply").await?;
    app.wait_text("import-done", "6").await?;
    app.screenshot("es", "29-import-done").await?;

    app.click("nav-organize").await?;
    app.click("import-open").await?;
    app.wait("[data-testid=import-preset] option[value=google-form]").await?;
    app.choose("import-preset", "google-form").await?;
    app.upload("import-file", &sheet).await?;
    app.click("import-to-check").await?;
    if app.count("import-question").await? > 0 {
        app.fill("import-answer", "Ward 3").await?;
    }
    app.wait_text("import-new", "0").await?;

    // Exported back out: the phone numbers only when asked for, after the warning.
    app.click("nav-settings").await?;
    app.click("export-lists").await?;
    app.wait_text("export-written", "6").await?;
    app.click("export-with-contacts").await?;
    app.click("export-lists").await?;
    app.click("export-contacts-dialog-confirm").await?;
    app.wait_text("export-written", "3").await?;
    let data_dir = app.database().parent().context("data dir")?.to_path_buf();
    let mut exports: Vec<_> = std::fs::read_dir(&data_dir)?.flatten().map(|e| e.path()).filter(|p| p.to_string_lossy().contains("aidmesh-lists-")).collect();
    exports.sort();
    ensure!(exports.len() == 2, "two exports in {}: {exports:?}", data_dir.display());
    let needs_csv = |dir: &std::path::Path| std::fs::read_to_string(dir.join("needs.csv"));
    ensure!(!needs_csv(&exports[0])?.contains("216-555-0106"), "the plain export holds no phone number");
    ensure!(needs_csv(&exports[1])?.contains("216-555-0106"), "the export asked for holds them");
    app.close().await
}

/// The hotline's intake in the real app: a request taken by phone, with the caller's details
/// sealed in the same change and their answer about sharing them; a second call from the same
/// number is flagged before it is posted twice.
#[tokio::test]
async fn a_hotline_volunteer_takes_a_request_by_phone_and_a_repeat_caller_is_flagged() -> Result<()> {
    let _one = one_at_a_time().await;
    let app = App::launch().await?;
    start_group(&app, None).await?;
    let intake = |title: &'static str, phone: &'static str| {
        let app = &app;
        async move {
            app.click("nav-needs").await?;
            app.click("need-add").await?;
            app.fill("need-title", title).await?;
            app.choose("need-category", "groceries").await?;
            app.fill("need-area", "Riverside").await?;
            app.click("need-intake").await?;
            app.choose("need-channel", "phone").await?;
            app.fill("contact-name", "Rosa Delgado").await?;
            app.fill("contact-phone", phone).await?;
            anyhow::Ok(())
        }
    };
    intake("Groceries for a family of three", "216-555-0101").await?;
    app.click("need-submit").await?;
    app.wait("error-consent").await?;
    app.click("need-consent-no").await?;
    app.click("need-submit").await?;
    app.wait_text("need-detail-title", "Groceries for a family of three").await?;
    app.wait_text("need-channel-shown", "Phone call").await?;
    app.wait("need-organizers-only").await?;

    intake("Weekly groceries", "(216) 555-0101").await?;
    app.item_with_text("need-same-phone", "Groceries for a family of three").await?;
    app.click("need-consent-yes").await?;
    // The paper sheet for calls taken away from the phone: the same fields, to print.
    app.click("intake-sheet-save").await?;
    app.wait_text("intake-sheet-saved", "aidmesh-intake-sheet-en.html").await?;
    let sheet = std::fs::read_to_string(app.database().parent().context("data dir")?.join("aidmesh-intake-sheet-en.html"))?;
    ensure!(sheet.contains("Request for help") && sheet.contains("Eastside Mutual Aid"), "{sheet}");
    app.scroll_to(&app.wait("need-same-phone").await?).await?;
    app.dismiss_toasts().await?;
    app.screenshot("en", "07-need-intake").await?;
    app.click("nav-settings").await?;
    app.choose("lang-select", "es").await?;
    app.wait("[lang=es]:root").await?;
    intake("Compra semanal", "216 555 0101").await?;
    app.item_with_text("need-same-phone", "Groceries for a family of three").await?;
    app.scroll_to(&app.wait("need-same-phone").await?).await?;
    app.dismiss_toasts().await?;
    app.screenshot("es", "07-need-intake").await?;
    app.close().await
}

/// A timebank moving in through the wizard: its volunteers (phone and email read but not kept),
/// then its TimeOverflow transfers, which skip the column step and find the members just made.
#[tokio::test]
async fn a_timebank_imports_its_volunteers_then_its_hours_in_the_wizard() -> Result<()> {
    let _one = one_at_a_time().await;
    let app = App::launch().await?;
    start_group(&app, None).await?;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import");
    app.click("nav-organize").await?;
    app.click("import-open").await?;
    app.click("import-kind-members").await?;
    app.upload("import-file", &fixtures.join("volunteers.csv")).await?;
    app.item_with_text("import-column", "Phone").await?;
    app.screenshot("en", "27-import-volunteers").await?;
    app.click("import-to-check").await?;
    app.wait_text("import-not-kept", "Phone").await?;
    app.wait_text("import-new", "5").await?;
    app.click("import-apply").await?;
    app.wait_text("import-done", "Imported 5 volunteers").await?;

    app.click("nav-organize").await?;
    app.click("import-open").await?;
    app.click("import-kind-hours").await?;
    app.upload("import-file", &fixtures.join("timeoverflow-transfers.csv")).await?;
    app.wait_text("import-new", "4").await?;
    ensure!(app.count("import-column").await? == 0, "a transfers file has no columns to map");
    app.click("import-apply").await?;
    app.wait_text("import-done", "Imported 4 hour entries").await?;
    app.click("nav-members").await?;
    app.item_with_text("member-item", "Kim Lee").await?;
    app.close().await
}

/// One phone in two groups: it starts a second group from the switcher, the lists follow each
/// switch, and a need referred from one group to the other is answered there and comes back with
/// the answer, in both languages.
#[tokio::test]
async fn a_phone_in_two_groups_refers_a_need_and_sees_the_answer_come_back() -> Result<()> {
    let _one = one_at_a_time().await;
    let (app, _bea_dir, bea) = group_with_bea().await?;
    post_need(&app, "Wheelchair ramp repair", "household", "normal").await?;

    // A second group, started from the switcher, has lists of its own.
    app.click("nav-groups").await?;
    app.item_with_text("group-item", "Eastside Mutual Aid").await?;
    app.fill("create-group-name", "Cleveland SEWG").await?;
    app.fill("create-your-name", "Ana").await?;
    app.click("create-submit").await?;
    app.wait_text("needs-count", "No needs").await?;
    const CURRENT: &str = "[data-testid=\"group-open\"][aria-current=\"true\"]";
    let switch_to = |group: &'static str| {
        let app = &app;
        async move {
            app.click("nav-groups").await?;
            app.click_in("group-item", group, "group-open").await?;
            app.wait("needs-count").await?;
            app.click("nav-groups").await?;
            app.wait_text(CURRENT, group).await?;
            app.click("nav-needs").await?;
            anyhow::Ok(())
        }
    };
    // The phone still serves its first group: news from there shows on the switcher.
    bea.ok(&["need", "add", "--title", "Soup for the Garcias", "--category", "meals", "--area", "Riverside"])?;
    bea.ok(&["sync", &app.address])?;
    app.wait("other-groups-badge").await?;
    app.click("nav-groups").await?;
    app.item_with_text("group-item", "1 new change").await?;
    app.dismiss_toasts().await?;
    app.screenshot("en", "70-groups").await?;
    switch_to("Eastside Mutual Aid").await?;
    app.item_with_text("need-item", "Soup for the Garcias").await?;
    ensure!(app.count("other-groups-badge").await? == 0, "nothing waits in Cleveland");
    app.click_in("need-item", "Wheelchair ramp repair", "need-item-title").await?;

    // Refer it: it shows as sent, and appears in the other group waiting for an answer.
    app.click("refer-open").await?;
    app.fill("refer-note", "They live just across the river from us").await?;
    app.dismiss_toasts().await?;
    app.screenshot("en", "71-refer").await?;
    app.click("refer-submit").await?;
    app.wait_text("need-status", "Referred").await?;
    app.wait_text("referral-progress", "Sent").await?;
    switch_to("Cleveland SEWG").await?;
    app.item_with_text("need-item-referred-from", "From Eastside Mutual Aid").await?;
    app.click_in("need-item", "Wheelchair ramp repair", "need-item-title").await?;
    app.wait_text("referred-from-state", "Waiting for an organizer").await?;
    app.screenshot("en", "72-referral-incoming").await?;

    // Sent back with a reason: the first group sees it open again, with that reason.
    app.click("referral-return").await?;
    app.click("referral-return-submit").await?;
    app.wait("error-referral-reason").await?;
    app.fill("referral-reason", "No carpenter free this month").await?;
    app.click("referral-return-submit").await?;
    app.wait_text("referred-from-state", "Sent back on").await?;
    switch_to("Eastside Mutual Aid").await?;
    app.item_with_text("need-item-referral", "Cleveland SEWG: Sent back").await?;
    app.click_in("need-item", "Wheelchair ramp repair", "need-item-title").await?;
    app.wait_text("need-status", "Open").await?;
    app.wait_text("referral-reason-shown", "No carpenter free this month").await?;
    app.dismiss_toasts().await?;
    app.screenshot("en", "73-referral-returned").await?;

    app.click("nav-settings").await?;
    app.choose("lang-select", "es").await?;
    app.wait("[lang=es]:root").await?;
    app.click("nav-needs").await?;
    app.click_in("need-item", "Wheelchair ramp repair", "need-item-title").await?;
    app.wait_text("referral-progress", "Devuelta").await?;
    app.screenshot("es", "73-referral-returned").await?;
    app.click("refer-open").await?;
    app.wait("refer-form").await?;
    app.screenshot("es", "71-refer").await?;
    app.click("nav-groups").await?;
    app.wait_text(CURRENT, "Eastside Mutual Aid").await?;
    app.screenshot("es", "70-groups").await?;
    app.close().await
}

/// Issue 16 in the app: an organizer opens "Renew the record", sees what the new record starts
/// with and what stays in the archive, leaves out a need's title (a phone number typed there),
/// renews, and then deletes the old record from the phone. In both languages, with screenshots.
#[tokio::test]
async fn an_organizer_renews_the_record_leaving_a_title_out_then_deletes_the_archive() -> Result<()> {
    let _one = one_at_a_time().await;
    let app = App::launch().await?;
    start_group(&app, None).await?;
    post_need(&app, "Ride for Rosa, 216-555-0142", "transport", "high").await?;
    post_need(&app, "Coats before winter", "other", "normal").await?;
    app.click("need-action-cancel").await?;
    app.wait_text("need-status", "Cancelled").await?;
    post_need(&app, "Soup for the Nguyens", "meals", "normal").await?;
    // Bo, added from the CLI, drove Ana for two hours, which she confirmed: settled hours, which
    // the renewal leaves in the archive and carries as her opening balance.
    let cli = Cli::new(app.database().parent().context("data dir")?);
    cli.ok(&["member", "add", "--name", "Bo"])?;
    let entry = cli.json(&["hours", "log", "--from", "Bo", "--to", "Ana", "--hours", "2"])?;
    cli.ok(&["hours", "confirm", entry["id"].as_str().context("entry id")?])?;
    // Settings in `lang`, from the top, as a person comes to it.
    let settings_in = |lang: &'static str| {
        let app = &app;
        async move {
            app.click("nav-needs").await?;
            app.click("nav-settings").await?;
            app.choose("lang-select", lang).await?;
            app.wait(&format!("[lang={lang}]:root")).await?;
            anyhow::Ok(())
        }
    };
    let up_to_confirming = |lang: &'static str| {
        let app = &app;
        async move {
            settings_in(lang).await?;
            ensure!(app.count("archive-section").await? == 0, "no old record is kept before renewing");
            app.click("renew-open").await?;
            app.wait_text("renew-needs", "2").await?;
            app.wait_text("renew-needs-archived", "1").await?;
            app.dismiss_toasts().await?;
            app.screenshot(lang, "65-renew").await?;
            app.fill("renew-find", "555").await?;
            app.click_in("renew-record", "216-555-0142", "renew-purge-title").await?;
            app.wait_text("renew-purged-text", "Ride for Rosa, 216-555-0142").await?;
            app.screenshot(lang, "66-renew-left-out").await?;
            app.click("renew-submit").await?;
            app.wait("renew-dialog").await?;
            app.screenshot(lang, "67-renew-confirm").await?;
            anyhow::Ok(())
        }
    };
    let archive_shown = |lang: &'static str| {
        let app = &app;
        async move {
            app.scroll_to(&app.wait("archive-section").await?).await?;
            app.dismiss_toasts().await?;
            app.screenshot(lang, "68-archive").await?;
            app.click("archive-delete").await?;
            app.wait("archive-dialog").await?;
            app.screenshot(lang, "69-archive-delete").await?;
            anyhow::Ok(())
        }
    };
    up_to_confirming("en").await?;
    app.click("renew-dialog-cancel").await?;
    up_to_confirming("es").await?;
    app.click("renew-dialog-confirm").await?;

    // Renewed: Settings shows the old record kept on this phone, until it is deleted.
    app.wait("archive-section").await?;
    archive_shown("es").await?;
    app.click("archive-dialog-cancel").await?;
    settings_in("en").await?;
    archive_shown("en").await?;
    app.click("archive-dialog-confirm").await?;
    app.wait_gone("archive-section", "").await?;
    ensure!(app.count("renew-open").await? == 1, "the organizer can renew again later");

    // Ana's hours open with what she received before the renewal.
    app.click("nav-mine").await?;
    app.wait_text("hours-opening", "-2").await?;
    app.scroll_to(&app.wait("hours-opening").await?).await?;
    app.dismiss_toasts().await?;
    app.screenshot("en", "41-hours-opening").await?;

    // The list shows the need without its title, saying so; the record holds the open needs only (the
    // cancelled one was in the archive, now deleted).
    app.click("nav-needs").await?;
    app.item_with_text("need-item", "Soup for the Nguyens").await?;
    app.wait_gone("need-item", "555-0142").await?;
    app.item_with_text("need-item", "title left out when the record was renewed").await?;
    let needs = cli.json(&["need", "list"])?;
    let mut titles: Vec<&str> = needs.as_array().context("needs")?.iter().filter_map(|n| n["title"].as_str()).collect();
    titles.sort();
    ensure!(titles == ["", "Soup for the Nguyens"], "the record holds: {needs}");
    ensure!(cli.json(&["archive"])?["archived"] == 0, "no old record is left on the phone");

    // The meeting report over the last weeks reaches back before the renewal: the phone no
    // longer keeps that record, and the report says so.
    app.click("nav-organize").await?;
    app.click("report-open").await?;
    app.wait_text("report-not-held", "Not counted: what happened before").await?;
    app.screenshot("en", "24-report-not-held").await?;

    // A yearly schedule: Settings says when the record is next due; once due, Organize says so.
    settings_in("en").await?;
    app.scroll_to(&app.wait("renew-every").await?).await?;
    app.choose("renew-every", "12").await?;
    app.wait_text("renew-due", "Next due on").await?;
    ensure!(cli.json(&["group"])?.to_string().contains("\"renew_every_months\":12"), "the schedule is the group's");
    app.dismiss_toasts().await?;
    app.screenshot("en", "63-renew-schedule").await?;
    app.move_clock_on(366).await?;
    for lang in ["en", "es"] {
        settings_in(lang).await?;
        app.click("nav-organize").await?;
        app.click("renew-due-tile").await?;
        app.wait("renew-preview").await?;
        app.click("nav-organize").await?;
        app.wait("renew-due-tile").await?;
        app.screenshot(lang, "21-renew-due").await?;
    }
    app.close().await
}
