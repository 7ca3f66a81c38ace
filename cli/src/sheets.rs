//! `aidmesh import` (a group's sheets into the record, a dry run first) and `aidmesh export
//! --csv` (its lists out to a spreadsheet).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use aidmesh_sheets::{needs, Answers, DateOrder, Mapping, Preset, Presets, Question, Summary, Table, Target};
use clap::{Args, ValueEnum};
use crdt_core::{Channel, ImportProgress, Imported, Store};
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

#[derive(Args)]
pub(crate) struct MembersArgs {
    /// A CSV file of volunteers (name, languages, ways to help, area, availability…)
    file: PathBuf,
    /// What a column holds, over the suggestion: "Header=target" (targets: name, languages,
    /// skills, area, availability, key, phone, email, skip)
    #[arg(long = "map", value_name = "HEADER=TARGET")]
    maps: Vec<String>,
    /// The group's area a sheet's area means: "Crown Hts=North"
    #[arg(long = "area-of", value_name = "SHEET=GROUP")]
    areas: Vec<String>,
    /// The area of volunteers whose row names none
    #[arg(long, value_name = "AREA")]
    area: Option<String>,
    /// The file has no header row
    #[arg(long)]
    no_header: bool,
    /// Write the members; without it nothing is written (a dry run)
    #[arg(long)]
    apply: bool,
}

#[derive(Args)]
pub(crate) struct HoursArgs {
    /// A TimeOverflow transfers file: source id, source type, destination id, destination type,
    /// seconds, created at, reason, post id
    file: PathBuf,
    /// The file starts with a header row (TimeOverflow's importer format has none)
    #[arg(long)]
    header: bool,
    /// Write the entries; without it nothing is written (a dry run)
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
    /// What the rows become: needs, members or hour entries.
    what: &'static str,
    file: String,
    encoding: &'static str,
    delimiter: char,
    rows: usize,
    columns: Vec<(String, Target)>,
    #[serde(flatten)]
    found: Summary,
    applied: Option<Imported>,
}

impl Report {
    fn of(what: &'static str, file: &Path, table: &Table, columns: Vec<(String, Target)>, found: Summary) -> Report {
        let (encoding, delimiter, rows) = (table.encoding, table.delimiter, table.rows.len());
        Report { what, file: file.display().to_string(), encoding, delimiter, rows, columns, found, applied: None }
    }

    fn is_ready(&self) -> bool {
        self.found.is_ready()
    }

    /// Prints the report; with `apply`, writes through `write` if the plan is ready.
    fn finish(mut self, apply: bool, out: Output, write: impl FnOnce() -> Result<Imported>) -> Result<()> {
        if apply {
            if !self.is_ready() {
                out.print(&self, || shown(&self))?;
                bail!("nothing was imported: answer the questions and mend the rows above, then run again");
            }
            self.applied = Some(write()?);
        }
        out.print(&self, || shown(&self))
    }
}

/// The person's `--map "Header=target"` choices over the suggested mapping.
fn remap(mapping: &mut Mapping, maps: &[String]) -> Result<()> {
    for map in maps {
        let (header, target) = map.rsplit_once('=').with_context(|| format!("--map '{map}' is not like \"Header=target\""))?;
        mapping.set(header, Target::parse(target)?)?;
    }
    Ok(())
}

fn read_table(file: &Path, has_headers: bool) -> Result<Table> {
    let bytes = std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    Ok(Table::read(&bytes, has_headers).with_context(|| format!("{} was not imported", file.display()))?)
}

pub(crate) fn import_needs(store: &mut Store, data_dir: &Path, args: ImportArgs, out: Output) -> Result<()> {
    let table = read_table(&args.file, !args.no_header)?;
    let presets = Presets::in_data_dir(data_dir);
    let preset = match &args.preset {
        Some(name) => presets.load(name)?,
        None => Preset::default(),
    };
    let mut mapping = preset.mapping(&table.headers);
    remap(&mut mapping, &args.maps)?;
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
        presets.save(name, &Preset::saved(&mapping, &answers.values, answers.default_channel))?;
    }
    let plan = needs::plan_into(store, &table, &mapping, &answers)?;
    let report = Report::of("needs", &args.file, &table, mapping.columns.clone(), plan.summary());
    report.finish(args.apply, out, || Ok(store.import_needs(plan.into_needs(), show_progress)?))
}

pub(crate) fn import_members(store: &mut Store, args: MembersArgs, out: Output) -> Result<()> {
    let table = read_table(&args.file, !args.no_header)?;
    let mut mapping = Mapping::suggest_members(&table.headers);
    remap(&mut mapping, &args.maps)?;
    let mut answers = Answers { default_area: args.area, ..Answers::default() };
    for value in &args.areas {
        let (raw, area) = value.rsplit_once('=').with_context(|| format!("--area-of '{value}' is not like \"Sheet's area=group's area\""))?;
        answers.values.answer(Target::Area, raw, area)?;
    }
    let plan = aidmesh_sheets::members::plan_into(store, &table, &mapping, &answers)?;
    let report = Report::of("members", &args.file, &table, mapping.columns.clone(), plan.summary());
    report.finish(args.apply, out, || Ok(plan.apply(store)?))
}

pub(crate) fn import_hours(store: &mut Store, args: HoursArgs, out: Output) -> Result<()> {
    let table = read_table(&args.file, args.header)?;
    let plan = aidmesh_sheets::hours::plan_into(store, &table)?;
    let report = Report::of("hour entries", &args.file, &table, Vec::new(), plan.summary());
    report.finish(args.apply, out, || Ok(plan.apply(store)?))
}

/// Progress on the terminal for an import that takes a while (thousands of rows).
fn show_progress(progress: ImportProgress) {
    match progress {
        ImportProgress::Sealing { done, of } if of >= 2_000 => eprintln!("checked and sealed {done} of {of} rows…"),
        ImportProgress::Writing { needs } if needs >= 2_000 => eprintln!("writing {needs} needs in one go…"),
        _ => {}
    }
}

fn shown(report: &Report) -> String {
    let mut text = format!("{} ({}, '{}'-separated): {} rows\n", report.file, report.encoding, printable(report.delimiter), report.rows);
    text += "Columns:\n";
    for (header, target) in &report.columns {
        let sealed = if target.is_sealed() { " (sealed: organizers and assigned volunteers only)" } else { "" };
        text += &format!("  {header} → {}{sealed}\n", target.name());
    }
    text += &format!("New {}: {}   imported before: {}   left out: {}   with errors: {}\n", report.what, report.found.new, report.found.held_already, report.found.skipped.len(), report.found.errors.len());
    if !report.found.not_kept.is_empty() {
        text += &format!("  not kept: {} (aidmesh keeps no contact details of members)\n", report.found.not_kept.join(", "));
    }
    for note in &report.found.skipped {
        text += &format!("  left out line {}: {}\n", note.line, note.reason);
    }
    for note in &report.found.errors {
        text += &format!("  error on line {}: {}\n", note.line, note.reason);
    }
    if !report.found.questions.is_empty() {
        text += "To decide before importing:\n";
        for question in &report.found.questions {
            text += &format!("  - {}\n", asked(question));
        }
    }
    text += &match &report.applied {
        Some(done) if done.added == 0 => "Nothing new to import: every row was imported before or left out.".into(),
        Some(done) if report.what == "needs" => format!(
            "Imported {} needs: {} with contact details sealed, {} closed too long ago for the group to keep theirs.",
            done.added, done.contacts_sealed, done.contacts_not_kept
        ),
        Some(done) => format!("Imported {} {}.", done.added, report.what),
        None if report.is_ready() => "Nothing was written. Run again with --apply to import.".into(),
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
    let written = aidmesh_sheets::write_lists(store, dir, with_contacts)?;
    if written.contacts > 0 {
        eprintln!(
            "warning: {} holds the names, phone numbers and addresses of {} people in clear text. Anyone who gets \
             the file can read them: keep it off shared drives, chats and email, and delete it when you are done.",
            written.files[0].display(),
            written.contacts
        );
    }
    out.print(&written, || format!("Wrote {} needs, {} offers, {} members and {} hour entries into {}.", written.needs, written.offers, written.members, written.hours, dir.display()))
}
