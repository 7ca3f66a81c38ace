//! `aidmesh import` (a group's sheets into the record, a dry run first) and `aidmesh export
//! --csv` (its lists out to a spreadsheet).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use aidmesh_sheets::{needs, Answers, DateOrder, Destination, ImportError, Lists, Preset, Question, Table, Target, BUILT_IN};
use chrono::Utc;
use clap::{Args, ValueEnum};
use crdt_core::{Channel, ImportProgress, Imported, LedgerFilter, NeedFilter, OfferFilter, Role, Store};
use serde::Serialize;

use crate::Output;

#[derive(Args)]
pub(crate) struct ImportArgs {
    /// A CSV file (any encoding; comma, semicolon or tab)
    file: PathBuf,
    /// Start from a built-in preset (google-form, airtable) or one saved with --save-preset
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
    /// What a column holds, over the suggestion: "Header=target" (targets: title, description,
    /// category, urgency, area, status, posted_at, languages, household_size, recurring,
    /// channel, contact_name, phone, email, address, notes, organizer_notes, key, skip)
    #[arg(long = "map", value_name = "HEADER=TARGET")]
    maps: Vec<String>,
    /// What a value means: "category:Pet food=other", "status:Waiting=open", "area:CH=North",
    /// "channel:Voicemail=phone";
    /// "skip" leaves a category out, or a whole row for a status
    #[arg(long = "value", value_name = "TARGET:VALUE=MEANING")]
    values: Vec<String>,
    /// How dates like 3/4/2024 read
    #[arg(long, value_enum)]
    dates: Option<Dates>,
    /// The area of rows that name none
    #[arg(long, value_name = "AREA")]
    area: Option<String>,
    /// How the rows that do not say came in (app, phone, text, paper, walk_in, web_form)
    #[arg(long)]
    channel: Option<Channel>,
    /// Keep a title or description column public although it seems to hold phone numbers or emails
    #[arg(long, value_name = "HEADER")]
    keep_public: Vec<String>,
    /// What to do with rows whose phone number the group (or an earlier row) has
    #[arg(long, value_enum)]
    duplicates: Option<Duplicates>,
    /// The file has no header row (columns are "column 1", "column 2"…)
    #[arg(long)]
    no_header: bool,
    /// Save the mapping and the value meanings under this name for next time
    #[arg(long, value_name = "NAME")]
    save_preset: Option<String>,
    /// Write the needs; without it nothing is written (a dry run)
    #[arg(long)]
    apply: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Dates {
    DayFirst,
    MonthFirst,
}

#[derive(Clone, Copy, ValueEnum)]
enum Duplicates {
    Import,
    Skip,
}

/// What the dry run found, and what was written if it was applied.
#[derive(Serialize)]
struct Report {
    file: String,
    encoding: &'static str,
    delimiter: char,
    rows: usize,
    columns: Vec<(String, Target)>,
    new: usize,
    held_already: usize,
    skipped: Vec<aidmesh_sheets::LineNote>,
    errors: Vec<aidmesh_sheets::LineNote>,
    questions: Vec<Question>,
    applied: Option<Imported>,
}

pub(crate) fn import_needs(store: &mut Store, data_dir: &Path, args: ImportArgs, out: Output) -> Result<()> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("could not read {}", args.file.display()))?;
    let table = Table::read(&bytes, !args.no_header).with_context(|| format!("{} was not imported", args.file.display()))?;
    let preset = match &args.preset {
        Some(name) => load_preset(data_dir, name)?,
        None => Preset::default(),
    };
    let mut mapping = preset.mapping(&table.headers);
    for map in &args.maps {
        let (header, target) = map.rsplit_once('=').with_context(|| format!("--map '{map}' is not like \"Header=target\""))?;
        mapping.set(header, Target::parse(target)?)?;
    }
    let mut answers = Answers {
        values: preset.values,
        dates: args.dates.map(|d| match d {
            Dates::DayFirst => DateOrder::DayFirst,
            Dates::MonthFirst => DateOrder::MonthFirst,
        }),
        default_area: args.area,
        default_channel: args.channel.or(preset.channel),
        keep_public: args.keep_public,
        import_duplicates: args.duplicates.map(|d| matches!(d, Duplicates::Import)),
    };
    for value in &args.values {
        let (target, rest) = value.split_once(':').with_context(|| format!("--value '{value}' is not like \"category:Pet food=other\""))?;
        let (raw, meaning) = rest.rsplit_once('=').with_context(|| format!("--value '{value}' is not like \"category:Pet food=other\""))?;
        answers.values.answer(Target::parse(target)?, raw, meaning)?;
    }
    if let Some(name) = &args.save_preset {
        save_preset(data_dir, name, &Preset::saved(&mapping, &answers.values, answers.default_channel))?;
    }
    let group = store.group()?;
    let phones: Vec<_> = store.readable_contacts()?.into_iter().map(|(id, contact)| (id, contact.phone)).collect();
    let holds = |id| store.need(id).is_ok();
    let destination = Destination { group: store.group_id(), settings: &group.settings, now: Utc::now(), holds: &holds, phones: &phones };
    let plan = needs::plan(&table, &mapping, &answers, &destination);
    let mut report = Report {
        file: args.file.display().to_string(),
        encoding: table.encoding,
        delimiter: table.delimiter,
        rows: plan.rows,
        columns: mapping.columns.clone(),
        new: plan.new.len(),
        held_already: plan.held_already,
        skipped: plan.skipped.clone(),
        errors: plan.errors.clone(),
        questions: plan.questions.clone(),
        applied: None,
    };
    if args.apply {
        if !plan.is_ready() {
            out.print(&report, || shown(&report))?;
            bail!("nothing was imported: answer the questions and mend the rows above, then run again");
        }
        report.applied = Some(store.import_needs(plan.into_needs(), show_progress)?);
    }
    out.print(&report, || shown(&report))
}

/// Progress on the terminal for an import that takes a while (thousands of rows).
fn show_progress(progress: ImportProgress) {
    match progress {
        ImportProgress::Sealing { done, of } if of >= 2_000 => eprintln!("checked and sealed {done} of {of} rows…"),
        ImportProgress::Writing { needs } if needs >= 2_000 => eprintln!("writing {needs} needs in one go…"),
        _ => {}
    }
}

fn presets_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("import-presets")
}

fn load_preset(data_dir: &Path, name: &str) -> Result<Preset> {
    let file = presets_dir(data_dir).join(format!("{name}.json"));
    match std::fs::read(&file) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).map_err(|e| ImportError::BadPreset(e.to_string())).with_context(|| format!("{} was not used", file.display()))?),
        Err(_) if BUILT_IN.contains(&name) => Ok(Preset::built_in(name)?),
        Err(_) => Err(ImportError::UnknownPreset(name.to_string(), BUILT_IN.join(", ")).into()),
    }
}

fn save_preset(data_dir: &Path, name: &str, preset: &Preset) -> Result<()> {
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        bail!("a preset's name is letters, digits, - and _ (got '{name}')");
    }
    let dir = presets_dir(data_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, serde_json::to_vec_pretty(preset)?).with_context(|| format!("could not save the preset to {}", file.display()))
}

fn shown(report: &Report) -> String {
    let mut text = format!("{} ({}, '{}'-separated): {} rows\n", report.file, report.encoding, printable(report.delimiter), report.rows);
    text += "Columns:\n";
    for (header, target) in &report.columns {
        let sealed = if target.is_sealed() { " (sealed: organizers and assigned volunteers only)" } else { "" };
        text += &format!("  {header} → {}{sealed}\n", target.name());
    }
    text += &format!("New needs: {}   imported before: {}   left out: {}   with errors: {}\n", report.new, report.held_already, report.skipped.len(), report.errors.len());
    for note in &report.skipped {
        text += &format!("  left out line {}: {}\n", note.line, note.reason);
    }
    for note in &report.errors {
        text += &format!("  error on line {}: {}\n", note.line, note.reason);
    }
    if !report.questions.is_empty() {
        text += "To decide before importing:\n";
        for question in &report.questions {
            text += &format!("  - {}\n", asked(question));
        }
    }
    text += &match &report.applied {
        Some(done) if done.added == 0 => "Nothing new to import: every row was imported before or left out.".into(),
        Some(done) => format!(
            "Imported {} needs: {} with contact details sealed, {} closed too long ago for the group to keep theirs.",
            done.added, done.contacts_sealed, done.contacts_not_kept
        ),
        None if report.errors.is_empty() && report.questions.is_empty() => "Nothing was written. Run again with --apply to import.".into(),
        None => "Nothing was written.".into(),
    };
    text
}

fn printable(delimiter: char) -> String {
    if delimiter == '\t' { "tab".into() } else { delimiter.to_string() }
}

/// A question, with how to answer it on the command line.
fn asked(question: &Question) -> String {
    match question {
        Question::UnknownValue { target, value, lines } => {
            format!("what does {target} '{value}' mean? ({}) Answer with --value \"{target}:{value}=MEANING\"", on(lines))
        }
        Question::UnknownArea { value, lines } => format!(
            "'{value}' is not one of the group's areas ({}). Answer with --value \"area:{value}=AREA\", or add the area first (aidmesh area add)",
            on(lines)
        ),
        Question::NoArea { lines } => format!("which area are the rows without one in? ({}) Answer with --area AREA", on(lines)),
        Question::DateOrder { column, lines } => {
            format!("dates in '{column}' could be day/month or month/day ({}). Answer with --dates day-first or --dates month-first", on(lines))
        }
        Question::LooksPrivate { column, lines } => format!(
            "'{column}' seems to hold phone numbers or emails ({}), and would be readable by every member. Seal it with --map \"{column}=notes\", or keep it public with --keep-public \"{column}\"",
            on(lines)
        ),
        Question::LikelyDuplicates { lines } => format!(
            "{} the phone number of a need the group has or of an earlier row. Answer with --duplicates skip or --duplicates import",
            if lines.len() == 1 { format!("line {} has", lines[0]) } else { format!("{} have", on(lines)) }
        ),
    }
}

/// "lines 3, 8 and 12", the first ten of them.
fn on(lines: &[u64]) -> String {
    let shown: Vec<String> = lines.iter().take(10).map(u64::to_string).collect();
    let more = if lines.len() > 10 { format!(" and {} more", lines.len() - 10) } else { String::new() };
    format!("line{} {}{more}", if lines.len() == 1 { "" } else { "s" }, shown.join(", "))
}

/// `aidmesh export --csv DIR`: the lists for a spreadsheet; contact details only when asked for,
/// on an organizer's device, with a warning about what such a file is.
pub(crate) fn export_lists(store: &mut Store, dir: &Path, with_contacts: bool, out: Output) -> Result<()> {
    let members = store.members()?;
    let contacts = match with_contacts {
        false => None,
        true => {
            let me = store.me()?;
            if !members.iter().any(|m| m.id == me && m.role == Role::Organizer) {
                bail!("only organizers can export the contact details of the people helped; nothing was written");
            }
            Some(store.readable_contacts()?.into_iter().collect::<HashMap<_, _>>())
        }
    };
    let (needs, offers) = (store.needs(&NeedFilter::default())?, store.offers(&OfferFilter::default())?);
    let hours = store.ledger(&LedgerFilter::default())?.entries;
    let lists = Lists { needs: &needs, offers: &offers, members: &members, hours: &hours, contacts: contacts.as_ref() };
    let files = lists.write(dir).with_context(|| format!("could not write the lists into {}", dir.display()))?;
    if let Some(contacts) = &contacts {
        eprintln!(
            "warning: {} holds the names, phone numbers and addresses of {} people in clear text. Anyone who gets \
             the file can read them: keep it off shared drives, chats and email, and delete it when you are done.",
            files[0].display(),
            contacts.len()
        );
    }
    let summary = serde_json::json!({ "files": files, "needs": needs.len(), "offers": offers.len(), "members": members.len(), "hours": hours.len(), "contacts": contacts.as_ref().map_or(0, HashMap::len) });
    out.print(&summary, || format!("Wrote {} needs, {} offers, {} members and {} hour entries into {}.", needs.len(), offers.len(), members.len(), hours.len(), dir.display()))
}

/// The needs whose contact details (as far as this device can open them) have `phone`: the
/// intake's duplicate warning.
pub(crate) fn needs_with_phone(store: &mut Store, phone: &str) -> Result<Vec<crdt_core::Uuid>> {
    let Some(wanted) = needs::phone_key(phone) else { return Ok(Vec::new()) };
    let contacts = store.readable_contacts()?;
    Ok(contacts.into_iter().filter(|(_, c)| needs::phone_key(&c.phone).as_ref() == Some(&wanted)).map(|(id, _)| id).collect())
}
