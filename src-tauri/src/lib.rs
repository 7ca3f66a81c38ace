//! The aidmesh app: a Tauri 2 shell over `crdt-core`. This crate is the edge: it turns the
//! core's records into DTOs (`dto.rs`), its errors into one serializable error (`error.rs`), runs
//! the sync service in the background (`service.rs`) and tells the UI what happened through events.
//!
//! Architecture invariant: no domain rule lives here. Commands read the index or run one core
//! action; everything they check, the core checks.

mod commands;
#[cfg(test)]
mod contract;
mod dto;
mod error;
mod service;
mod state;
#[cfg(test)]
mod tests;

use tauri::{Manager, Runtime};

use crate::state::{App, NetConfig};

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    with_commands(tauri::Builder::default())
        .setup(|app| {
            let net = NetConfig::from_env()?;
            // AIDMESH_DATA_DIR lets the app share a folder with the CLI, and tests use their own.
            let data_dir = match std::env::var_os("AIDMESH_DATA_DIR") {
                Some(dir) => dir.into(),
                None => app.path().app_data_dir()?,
            };
            let state = App::new(data_dir, net);
            let in_a_group = state.shared_store().is_some();
            app.manage(state);
            if in_a_group {
                service::start(app.handle());
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("aidmesh could not start its window");
}

/// Every command the UI may invoke, on any runtime (tests use the mock one).
fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::status,
        commands::create_group,
        commands::join_group,
        commands::unlock,
        commands::list_groups,
        commands::switch_group,
        commands::refer_need,
        commands::answer_referral,
        commands::list_needs,
        commands::get_need,
        commands::add_need,
        commands::set_need_status,
        commands::need_contact,
        commands::set_need_contact,
        commands::forget_need_contact,
        commands::remove_member,
        commands::set_retention,
        commands::set_time_zone,
        commands::set_renewal_schedule,
        commands::renewal_preview,
        commands::purged_texts,
        commands::renew,
        commands::archive_info,
        commands::delete_archive,
        commands::list_offers,
        commands::add_offer,
        commands::set_offer_status,
        commands::rank_need,
        commands::assign,
        commands::propose_batch,
        commands::apply_batch,
        commands::list_conflicts,
        commands::meeting_report,
        commands::export_totals,
        commands::network_report,
        commands::list_ignored,
        commands::resolve_conflict,
        commands::my_assignments,
        commands::set_assignment_status,
        commands::log_hours,
        commands::hours_to_confirm,
        commands::confirm_hours,
        commands::dispute_hours,
        commands::my_hours,
        commands::list_members,
        commands::set_member_role,
        commands::invite,
        commands::peers,
        commands::nearby,
        commands::sync_with,
        commands::export_bundle,
        commands::import_bundle,
        commands::preview_import,
        commands::apply_import,
        commands::import_presets,
        commands::needs_with_phone,
        commands::export_lists,
        commands::save_intake_sheet,
    ])
}
