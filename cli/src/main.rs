//! `aidmesh`: the group's record from a terminal. Every read takes `--json`; bad input gives
//! one clear line on stderr, a non-zero exit, and writes nothing.

mod sheets;
mod meet;
mod show;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use chrono::{NaiveDate, Utc};
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use crdt_core::*;
use serde::Serialize;
use uuid::Uuid;

#[derive(Parser)]
#[command(name = "aidmesh", version, about = "Offline-first mutual aid: needs, offers, volunteers and their matches")]
struct Cli {
    /// Where this device keeps its groups' databases [default: the platform's data directory]
    #[arg(long, global = true, env = "AIDMESH_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The group to work in, when this device is in several: its name, or the start of it (for
    /// `init`, the new group's name)
    #[arg(long, global = true, env = "AIDMESH_GROUP", value_name = "NAME")]
    group: Option<String>,
    /// Whether `group` came from AIDMESH_GROUP rather than --group.
    #[arg(skip)]
    group_from_env: bool,
    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    json: bool,
    /// The passphrase that unlocks this device's encrypted database [default: kept in the OS
    /// keyring, else asked for]
    #[arg(long, global = true, env = "AIDMESH_PASSPHRASE", hide_env_values = true, value_name = "PASSPHRASE")]
    passphrase: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a new group on this device (named with --group), with you as its first member
    Init {
        #[arg(long, value_name = "ME")]
        name: String,
        #[arg(long, default_value = "organizer")]
        role: Role,
    },
    /// The group: name, areas, counts
    Group,
    /// The groups this device is in
    Groups,
    /// Renew the group's record (organizers): a new record starts from the state now, so phones
    /// stop carrying every change ever made; the history stays in the archive. Shows what it
    /// would do unless --apply
    Renew {
        /// Leave this need's title out of the new record (text typed there by mistake)
        #[arg(long, value_name = "NEED")]
        purge_title: Vec<String>,
        /// Leave this need's description out of the new record
        #[arg(long, value_name = "NEED")]
        purge_description: Vec<String>,
        /// Leave this offer's text out of the new record
        #[arg(long, value_name = "OFFER")]
        purge_offer: Vec<String>,
        #[arg(long)]
        apply: bool,
        /// With --apply: renew only if the group's schedule says the record is due (for a
        /// timer on a hub or an organizer's laptop)
        #[arg(long, requires = "apply")]
        if_due: bool,
        /// Renew the record every MONTHS months (0: only when an organizer asks); a hub renews
        /// it once it is due. Organizers set it
        #[arg(long, value_name = "MONTHS", conflicts_with = "apply")]
        every: Option<u32>,
    },
    /// The older records of the group this device keeps since a renewal; --delete deletes them
    /// (a phone needs only the current one; keep them on a hub or laptop for devices still on them)
    Archive {
        #[arg(long)]
        delete: bool,
    },
    /// How long contact details are kept after a need closes, and how long an unanswered need
    /// waits past 'needed by' before it expires; with no option, shows them (organizers set them)
    Retention {
        #[arg(long, value_name = "DAYS")]
        expiry_days: Option<u32>,
        #[arg(long, value_name = "DAYS")]
        grace_days: Option<u32>,
    },
    /// The group's time zone (an IANA name like Europe/Madrid; default UTC): a date alone means
    /// the end of that day there, and weekly slots are read there. With no zone, shows it
    /// (organizers set it)
    TimeZone { zone: Option<String> },
    /// Neighbourhood areas of the group
    #[command(subcommand)]
    Area(AreaCommand),
    /// Requests for help
    #[command(subcommand)]
    Need(NeedCommand),
    /// The printable intake sheet for requests taken by phone or in person: one page with the
    /// intake form's fields, to type in with `need add`
    IntakeSheet {
        /// Write the page (HTML, print it or save it as PDF) to this file
        #[arg(long, value_name = "FILE")]
        html: PathBuf,
        /// en or es
        #[arg(long, default_value = "en")]
        lang: aidmesh_report::Lang,
    },
    /// Bring in the group's records from a spreadsheet or form export (organizers); a dry run
    /// unless --apply
    #[command(subcommand)]
    Import(ImportCommand),
    /// Help members can give
    #[command(subcommand)]
    Offer(OfferCommand),
    /// Assign a volunteer to a need (as proposed)
    Assign {
        need: String,
        #[arg(long, value_name = "MEMBER")]
        to: String,
        #[arg(long)]
        offer: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Volunteers' assignments
    #[command(subcommand)]
    Assignment(AssignmentCommand),
    /// Offers ranked for one need, with the reasons behind each score
    Match {
        need: String,
        /// How many candidates to show
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Also list the offers left out, and why
        #[arg(long)]
        excluded: bool,
    },
    /// Proposals for every open need at once, with the best total score (organizers)
    Automatch {
        /// Create the proposals as proposed assignments; without it nothing is written
        #[arg(long)]
        apply: bool,
    },
    /// The timebank: hours of help given and received
    #[command(subcommand)]
    Hours(HoursCommand),
    /// People in the group
    #[command(subcommand)]
    Member(MemberCommand),
    /// Decisions waiting for an organizer: double assignments, edits made while apart
    Conflicts,
    /// Figures for the group's meeting: needs posted and where they stand, how long people
    /// waited, needs still waiting by age, areas served, hours given, and who went quiet
    Report {
        /// The first day (YYYY-MM-DD, in the group's time zone) [default: four weeks before --to]
        #[arg(long)]
        from: Option<NaiveDate>,
        /// The last day, included [default: today]
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Count over time by week (from Monday) or by month
        #[arg(long, default_value = "week", value_parser = ["week", "month"])]
        by: String,
        /// Also write each table as a CSV file into this folder (for a spreadsheet)
        #[arg(long, value_name = "DIR")]
        csv: Option<PathBuf>,
        /// Also write the report as one page to print or share (self-contained HTML)
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// The language of the HTML page and the CSV headers: en or es
        #[arg(long, default_value = "en")]
        lang: aidmesh_report::Lang,
        /// Also write the group's totals (counts only, no names), signed by this device, for the
        /// network of chapters: see `aidmesh network`
        #[arg(long, value_name = "FILE")]
        totals: Option<PathBuf>,
    },
    /// One report for a network of chapters, from the totals files each group made with
    /// `aidmesh report --totals` for the same days: per group and in sum
    Network {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Changes that have no effect because their author had no right to them (a volunteer's
    /// device that tried to make them an organizer, to confirm its own hours…)
    Ignored,
    /// Decide a conflict: keep side(s) by number, as listed by `aidmesh conflicts`
    Resolve {
        conflict: String,
        #[arg(long, value_delimiter = ',', required = true, value_name = "N")]
        keep: Vec<usize>,
    },
    /// Show an invite to this group (a link, a short code, and a QR code)
    Invite {
        /// Where this device can be reached (HOST:PORT), to put in the link
        #[arg(long)]
        address: Option<String>,
        /// Also print the link as a QR code
        #[arg(long)]
        qr: bool,
    },
    /// Join a group with an invite (the link or the short code)
    Join {
        invite: String,
        #[arg(long, value_name = "ME")]
        name: String,
    },
    /// Keep this device available for members' devices to sync with, for every group it is in
    /// (or the one named with --group) on one port, until stopped
    Serve {
        #[arg(long, default_value = "0.0.0.0:7370", value_name = "ADDR:PORT")]
        listen: String,
        /// Find members on the network: off, loopback (only inside a private network namespace) or lan
        #[arg(long, default_value = "off")]
        discovery: aidmesh_net::DiscoveryMode,
        /// Stop by itself after this many seconds
        #[arg(long = "for", value_name = "SECONDS")]
        run_for: Option<u64>,
    },
    /// Sync once with a member's device and say what changed
    Sync {
        #[arg(value_name = "ADDR:PORT")]
        address: String,
    },
    /// Needs sent to other groups and needs other groups sent here, after carrying what is new
    /// between this group and the device's other groups (`sync` carries it too)
    Referrals,
    /// Devices this one has synced with
    Peers,
    /// Changes in a file, for carrying by hand (a USB stick)
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Forget the person a need helps: every device that syncs deletes the key to their contact
    /// details, so nobody can read them again. A device that never syncs again keeps its copy.
    Forget {
        need: String,
        /// Confirm: this cannot be undone
        #[arg(long)]
        yes: bool,
    },
    /// Everything the group holds, as JSON; or its lists as CSV files for a spreadsheet
    Export {
        /// Write to this file instead of standard output
        #[arg(long, conflicts_with = "csv")]
        output: Option<PathBuf>,
        /// Write needs.csv, offers.csv, members.csv and hours.csv into this folder
        #[arg(long, value_name = "DIR")]
        csv: Option<PathBuf>,
        /// Add the contact details of the people helped to needs.csv, in clear (organizers)
        #[arg(long, requires = "csv")]
        with_contacts: bool,
    },
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Write this device's changes to a sealed file
    Export {
        file: PathBuf,
        /// Only what this device (as listed by `aidmesh peers`) has not had yet
        #[arg(long = "for", value_name = "PEER")]
        peer: Option<String>,
    },
    /// Apply a bundle; importing the same one twice is harmless
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum AreaCommand {
    /// Add an area, optionally next to existing ones
    Add {
        name: String,
        #[arg(long = "next-to", value_delimiter = ',', value_name = "AREA")]
        next_to: Vec<String>,
    },
    /// List areas and their neighbours
    List,
}

#[derive(Subcommand)]
enum NeedCommand {
    /// Post a need
    Add(NeedArgs),
    /// List needs, most urgent first
    List {
        #[arg(long)]
        status: Option<NeedStatus>,
        /// Only needs still taking volunteers (open, matched, in progress)
        #[arg(long, conflicts_with = "status")]
        active: bool,
        #[arg(long)]
        category: Option<Category>,
        #[arg(long)]
        urgency: Option<Urgency>,
        #[arg(long)]
        area: Option<String>,
        /// Words to find in the title, description or area
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// One need with its assignments and history
    Show { id: String },
    /// Change a need's status
    Status { id: String, status: NeedStatus },
    /// The contact details of the person helped (organizers and assigned volunteers only)
    Contact { id: String },
    /// Add or replace the contact details of the person helped; they are sealed so that only
    /// organizers and the volunteers assigned can read them
    SetContact {
        id: String,
        #[command(flatten)]
        contact: ContactArgs,
    },
    /// Send a need to another group this device is in (organizers). It becomes 'referred' here and
    /// appears there; the person's contact details go only if they agreed to share them
    Refer {
        id: String,
        /// The group to send it to
        #[arg(long, value_name = "GROUP")]
        to: String,
        /// The area it goes to there (by default its area here)
        #[arg(long)]
        area: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// Send the person's contact details too, sealed to that group's organizers (only if the
        /// person agreed to share them with whoever helps)
        #[arg(long)]
        with_contact: bool,
    },
    /// Accept a need another group referred here (organizers)
    Accept { id: String },
    /// Send a need another group referred here back to it, saying why (organizers); it opens
    /// again there
    Return {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Requests: one need per row, contact columns sealed
    Needs(sheets::ImportArgs),
    /// Volunteers: one member per row, with an offer of the ways they help
    Members(sheets::MembersArgs),
    /// Hours from a TimeOverflow transfers file (import its members first), confirmed as settled
    Hours(sheets::HoursArgs),
}

#[derive(Args)]
struct ContactArgs {
    /// The name of the person helped
    #[arg(long = "contact-name", default_value = "")]
    name: String,
    #[arg(long, default_value = "")]
    phone: String,
    #[arg(long, default_value = "")]
    email: String,
    /// An exact address or cross streets
    #[arg(long, default_value = "")]
    address: String,
    /// Private notes, such as health details
    #[arg(long, default_value = "")]
    notes: String,
}

#[derive(Args)]
struct NeedArgs {
    #[arg(long)]
    title: String,
    #[arg(long)]
    category: Category,
    #[arg(long, default_value = "normal")]
    urgency: Urgency,
    #[arg(long)]
    area: String,
    /// A date (2026-12-01: the end of that day in the group's time zone) or an RFC 3339 time
    /// (2026-12-01T18:00:00Z)
    #[arg(long, value_name = "TIME")]
    needed_by: Option<String>,
    /// Earliest time help is useful (as --needed-by)
    #[arg(long, value_name = "TIME")]
    window_start: Option<String>,
    #[arg(long, default_value = "")]
    description: String,
    #[arg(long = "language", value_delimiter = ',')]
    languages: Vec<String>,
    #[arg(long)]
    household_size: Option<u32>,
    #[arg(long)]
    recurring: bool,
    #[arg(long, default_value_t = 1)]
    volunteers: u32,
    /// Rough location; stored rounded to about 1 km
    #[arg(long, requires = "lon", allow_hyphen_values = true)]
    lat: Option<f64>,
    #[arg(long, requires = "lat", allow_hyphen_values = true)]
    lon: Option<f64>,
    /// How the request reached the group (intake): app, phone, text, paper, walk_in, web_form
    #[arg(long)]
    channel: Option<Channel>,
    /// Whether the person agreed that the volunteers assigned may read their contact details;
    /// with "no", only organizers can
    #[arg(long, value_enum, default_value = "yes")]
    consent: Consent,
    #[command(flatten)]
    contact: ContactArgs,
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Consent {
    Yes,
    No,
}

#[derive(Subcommand)]
enum OfferCommand {
    /// Post an offer of help
    Add(OfferArgs),
    /// List offers
    List {
        #[arg(long)]
        status: Option<OfferStatus>,
        #[arg(long)]
        category: Option<Category>,
        #[arg(long)]
        area: Option<String>,
    },
    /// Pause, withdraw or reactivate an offer
    Status { id: String, status: OfferStatus },
}

#[derive(Args)]
struct OfferArgs {
    /// What you can do or give
    #[arg(long)]
    what: String,
    #[arg(long = "category", value_delimiter = ',', required = true)]
    categories: Vec<Category>,
    #[arg(long, default_value = "skill")]
    kind: OfferKind,
    #[arg(long)]
    area: String,
    /// Post on behalf of another member (organizers)
    #[arg(long)]
    member: Option<String>,
    /// Most open assignments at once
    #[arg(long, default_value_t = 1)]
    capacity: u32,
    /// A weekly slot like "mon 09:00-12:00" (repeatable)
    #[arg(long)]
    weekly: Vec<WeeklySlot>,
    /// A date you are free, YYYY-MM-DD (repeatable)
    #[arg(long)]
    date: Vec<NaiveDate>,
    #[arg(long = "language", value_delimiter = ',')]
    languages: Vec<String>,
    /// Never runs out (a food pantry): capacity is not checked
    #[arg(long)]
    inexhaustible: bool,
    /// Rough location you help from; stored rounded to about 1 km
    #[arg(long, requires = "lon", allow_hyphen_values = true)]
    lat: Option<f64>,
    #[arg(long, requires = "lat", allow_hyphen_values = true)]
    lon: Option<f64>,
}

#[derive(Subcommand)]
enum AssignmentCommand {
    /// List assignments, of one need or one volunteer
    List {
        #[arg(long)]
        need: Option<String>,
        #[arg(long)]
        volunteer: Option<String>,
    },
    /// Accept, decline, mark done or cancel an assignment
    Status { id: String, status: AssignmentStatus },
}

#[derive(Subcommand)]
enum HoursCommand {
    /// Log hours of help you gave (organizers: --from someone else)
    Log {
        /// Who received the help: a member, or `group`
        #[arg(long, value_name = "MEMBER|group")]
        to: String,
        /// In quarter hours, more than 0 and at most 24: 1.5, 0.25, 2
        #[arg(long, allow_hyphen_values = true)]
        hours: Hours,
        /// Who gave the help [default: you]
        #[arg(long, value_name = "MEMBER")]
        from: Option<String>,
        /// The finished assignment the hours were for
        #[arg(long)]
        assignment: Option<String>,
        /// [default: the assignment's need's category]
        #[arg(long)]
        category: Option<Category>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Confirm hours you received (organizers: any, including hours given to the group)
    Confirm { id: String },
    /// Dispute hours that are not right; an organizer then confirms or voids them
    Dispute {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Void hours for good
    Void {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// List entries, oldest first
    List {
        /// Entries a member (or `group`) gave or received
        #[arg(long, value_name = "MEMBER|group")]
        member: Option<String>,
        #[arg(long)]
        status: Option<EntryStatus>,
    },
    /// Confirmed hours given, received and net, for everyone with any
    Balance,
    /// A member's (or the group's) entries with a running balance
    Statement {
        #[arg(value_name = "MEMBER|group")]
        member: String,
        /// As CSV, for a spreadsheet
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Subcommand)]
enum MemberCommand {
    /// Add a member (organizers)
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "volunteer")]
        role: Role,
        #[arg(long = "language", value_delimiter = ',')]
        languages: Vec<String>,
        #[arg(long = "skill", value_delimiter = ',')]
        skills: Vec<String>,
        #[arg(long)]
        area: Option<String>,
    },
    /// List members
    List,
    /// Make a member an organizer, or a volunteer again (organizers)
    Role { id: String, role: Role },
    /// Remove a member: their devices can no longer sync with the group or read what it shares
    /// from now on (organizers)
    Remove {
        id: String,
        /// Renew the group's record too, so the record the group goes on with starts after the
        /// removal (refused while conflicts are open)
        #[arg(long)]
        renew: bool,
    },
}

fn main() -> ExitCode {
    let parsed = Cli::command().try_get_matches().and_then(|matches| {
        let mut cli = Cli::from_arg_matches(&matches)?;
        cli.group_from_env = matches.value_source("group") == Some(ValueSource::EnvVariable);
        Ok(cli)
    });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{}", one_line(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// Clap's errors span several lines; organizers get the substance on one.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn data_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(dir) => Ok(dir),
        None => Ok(directories::ProjectDirs::from("org", "aidmesh", "aidmesh")
            .context("cannot find a data directory for this user; pass --data-dir")?
            .data_dir()
            .to_path_buf()),
    }
}

/// Makes the folder a new group's database goes in before its key is made: the OS keyring names
/// the key by the file's full path, which cannot be worked out in a folder that is not there.
fn make_folder(path: &Path) -> Result<()> {
    let folder = path.parent().context("the database has no folder")?;
    std::fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))
}

/// Every group on this device, each opened with its own key to read its name.
fn groups_on_device(dir: &Path, passphrase: &Option<String>) -> Result<Vec<GroupOnDevice>> {
    let open = |path: PathBuf| -> Result<GroupOnDevice> { Ok(GroupOnDevice::of(&Store::open(&path, &db_key(passphrase.clone(), &path, false)?)?)?) };
    group_files(dir)?.into_iter().map(open).collect()
}

/// The database of the group `wanted` names; with one group on the device, no name is needed.
fn chosen_database(dir: &Path, wanted: Option<&str>, passphrase: &Option<String>) -> Result<PathBuf> {
    let files = group_files(dir)?;
    // No group yet: opening the first one says how to start one.
    if let (_, []) | (None, [_]) = (wanted, files.as_slice()) {
        return Ok(files.into_iter().next().unwrap_or_else(|| dir.join(FIRST_GROUP_FILE)));
    }
    let groups = groups_on_device(dir, passphrase)?;
    match choose_group(&groups, wanted) {
        Ok(group) => Ok(group.path.clone()),
        Err(e @ (crdt_core::Error::WhichGroup { .. } | crdt_core::Error::Ambiguous { .. })) => bail!("{e} (--group NAME)"),
        Err(e) => Err(e.into()),
    }
}

/// The database key: from `--passphrase` or `AIDMESH_PASSPHRASE`, else from the OS keyring
/// (a new database gets a random one kept there), else asked for on the terminal (twice when it
/// is being chosen).
fn db_key(given: Option<String>, path: &std::path::Path, choosing: bool) -> Result<DbKey> {
    let kept = || if choosing { aidmesh_keychain::create(path) } else { aidmesh_keychain::stored(path) };
    if let Some(passphrase) = given.or_else(kept) {
        return Ok(DbKey::passphrase(&passphrase)?);
    }
    let passphrase = rpassword::prompt_password(format!("Passphrase for the aidmesh database {}: ", path.display()))
        .map_err(|_| anyhow::anyhow!("no passphrase, no keyring, and no terminal to ask on: give one with --passphrase or AIDMESH_PASSPHRASE"))?;
    if choosing && rpassword::prompt_password("The same passphrase again: ")? != passphrase {
        bail!("the two passphrases differ; nothing was created");
    }
    Ok(DbKey::passphrase(&passphrase)?)
}

/// A totals file, checked whole: signed by the device it names and holding together.
fn read_totals(file: &std::path::Path) -> Result<crdt_core::totals::GroupTotals> {
    let bytes = std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let (totals, _device) = crdt_core::totals::GroupTotals::open(&bytes).with_context(|| format!("{} was not used", file.display()))?;
    Ok(totals)
}

fn run(cli: Cli) -> Result<()> {
    let out = Output { json: cli.json };
    // Reads only the files it is given: no database, no passphrase.
    if let Command::Network { files } = &cli.command {
        let network = crdt_core::totals::Network::of(files.iter().map(|file| read_totals(file)).collect::<Result<_>>()?)?;
        return out.print(&network, || show::network(&network));
    }
    let dir = data_dir(cli.data_dir)?;
    // The two commands that make a group's database; every other one opens one.
    let command = match cli.command {
        Command::Init { name, role } => {
            // Not AIDMESH_GROUP: that names the group to work in, not a new one.
            let group = cli.group.filter(|_| !cli.group_from_env).context("name the new group with --group NAME")?;
            check_new_group(&groups_on_device(&dir, &cli.passphrase)?, None, Some(&group))?;
            let path = new_group_file(&dir);
            make_folder(&path)?;
            let store = Store::create(&path, &db_key(cli.passphrase, &path, true)?, &group, NewMember::new(&name, role))?;
            let group = store.group()?;
            return out.print(&group, || format!("Created group '{}' in {}. You are {name} ({role}).", group.name, path.display()));
        }
        Command::Join { invite, name } => {
            let invite = Invite::parse(&invite)?;
            check_new_group(&groups_on_device(&dir, &cli.passphrase)?, Some(invite.group), None)?;
            let path = new_group_file(&dir);
            make_folder(&path)?;
            return meet::join(&path, &db_key(cli.passphrase, &path, true)?, &invite, &name, out);
        }
        Command::Groups => {
            let groups = groups_on_device(&dir, &cli.passphrase)?;
            return out.print(&groups, || show::groups(&groups));
        }
        // One hub for every group on the device (or the one named), on one port.
        Command::Serve { listen, discovery, run_for } => {
            let paths = match group_files(&dir)? {
                all if cli.group.is_none() && !all.is_empty() => all,
                _ => vec![chosen_database(&dir, cli.group.as_deref(), &cli.passphrase)?],
            };
            let open = |path: &PathBuf| -> Result<Store> {
                let mut store = Store::open(path, &db_key(cli.passphrase.clone(), path, false)?)?;
                store.upkeep(Utc::now())?;
                renew_on_schedule(&mut store);
                Ok(store)
            };
            return meet::serve(paths.iter().map(open).collect::<Result<_>>()?, &listen, discovery, run_for, out);
        }
        other => other,
    };
    let path = chosen_database(&dir, cli.group.as_deref(), &cli.passphrase)?;
    let key = db_key(cli.passphrase.clone(), &path, false)?;
    let other_group = |path: &Path| -> Result<Store> { Ok(Store::open(path, &db_key(cli.passphrase.clone(), path, false)?)?) };
    let mut store = Store::open(&path, &key)?;
    // Expiry runs on this device's clock whenever aidmesh is used, synced or not.
    store.upkeep(Utc::now())?;
    let result = match command {
        Command::Init { .. } | Command::Join { .. } | Command::Groups | Command::Serve { .. } | Command::Network { .. } => unreachable!("handled above"),
        Command::Sync { address } => {
            meet::sync(store, &address, out)?;
            let carried = carry_referrals_on_device(&dir, &mut Store::open(&path, &key)?, other_group)?;
            if carried > 0 && !out.json {
                eprintln!("carried {carried} referral update(s) between this device's groups");
            }
            return Ok(());
        }
        Command::Referrals => {
            carry_referrals_on_device(&dir, &mut store, other_group)?;
            let needs = store.needs(&NeedFilter::default())?;
            let (sent, received): (Vec<&Need>, Vec<&Need>) = needs.iter().filter(|n| n.referral.is_some() || n.referred_from.is_some()).partition(|n| n.referral.is_some());
            let labels = show::Labels::of(&store)?;
            out.print(&serde_json::json!({ "sent": sent, "received": received }), || show::referrals(&sent, &received, &labels))
        }
        Command::Need(NeedCommand::Refer { id, to, area, note, with_contact }) => {
            let mut target = other_group(&chosen_database(&dir, Some(&to), &cli.passphrase)?)?;
            let id = store.find(Collection::Needs, &id)?;
            let need = store.refer(id, &mut target, area.as_deref(), &note, with_contact)?;
            print_warnings(&mut target);
            let referral = need.referral.clone().context("a referred need names where it went")?;
            let contact = if referral.with_contact { "The person's contact details went with it, for that group's organizers." } else { "No contact details went with it." };
            out.print(&need, || format!("Referred need {} to '{}' (area {}). {contact}", short(&store, id), referral.group_name, referral.area))
        }
        Command::Invite { address, qr } => meet::invite(&store, address, qr, out),
        Command::Peers => meet::peers(&store, out),
        Command::Bundle(BundleCommand::Export { file, peer }) => meet::export_bundle(&mut store, &file, peer.as_deref(), out),
        Command::Bundle(BundleCommand::Import { file }) => meet::import_bundle(&mut store, &file, out),
        Command::Import(ImportCommand::Members(args)) => sheets::import_members(&mut store, args, out),
        Command::Import(ImportCommand::Hours(args)) => sheets::import_hours(&mut store, args, out),
        Command::Import(ImportCommand::Needs(args)) => sheets::import_needs(&mut store, &dir, args, out),
        Command::IntakeSheet { html, lang } => {
            let group = store.group()?;
            std::fs::write(&html, aidmesh_report::intake_sheet(&group.name, &group.settings.categories, lang)).with_context(|| format!("could not write {}", html.display()))?;
            out.print(&serde_json::json!({ "file": html }), || format!("Wrote the intake sheet to {}: print it, or save it as PDF.", html.display()))
        }
        Command::Group => {
            let group = store.group()?;
            let counts = show::Counts::of(&store)?;
            out.print(&serde_json::json!({ "group": group, "counts": counts }), || show::group(&group, &counts))
        }
        Command::Renew { every: Some(months), .. } => {
            store.act(|doc, me, now| doc.set_renewal_schedule(me, months, now))?;
            let due_at = store.renewal_due_at()?;
            out.print(&serde_json::json!({ "renew_every_months": months, "due_at": due_at }), || show::renewal_schedule(months, due_at))
        }
        Command::Renew { if_due: true, .. } => match store.renew_if_due(Utc::now())? {
            Some(renewal) => out.print(&renewal, show::renewed),
            None => {
                let due_at = store.renewal_due_at()?;
                let months = store.group()?.settings.renew_every_months;
                out.print(&serde_json::json!({ "renewed": false, "due_at": due_at }), || format!("Not due yet. {}", show::renewal_schedule(months, due_at)))
            }
        },
        Command::Renew { purge_title, purge_description, purge_offer, apply, .. } => {
            let mut purged = Vec::new();
            for (collection, field, ids) in [(Collection::Needs, "title", purge_title), (Collection::Needs, "description", purge_description), (Collection::Offers, "what", purge_offer)] {
                for id in ids {
                    purged.push(Purged { collection, record: store.find(collection, &id)?.to_string(), field: field.into() });
                }
            }
            let preview = store.renewal_preview(&purged)?;
            if !apply {
                return out.print(&preview, || show::renewal_preview(&preview));
            }
            let renewal = store.renew(purged)?;
            out.print(&renewal, show::renewed)
        }
        Command::Archive { delete } => {
            let held = store.held_generations()?;
            let deleted = if delete { store.delete_archive()? } else { 0 };
            let archived = held.len() - 1;
            out.print(&serde_json::json!({ "generation": held[0], "archived": archived, "deleted": deleted }), || match (archived, delete) {
                (0, _) => "This device keeps no older record of the group.".to_string(),
                (n, true) => format!("Deleted {n} older record(s) of the group from this device."),
                (n, false) => format!("This device keeps {n} older record(s) of the group, for devices that have not moved over yet. `aidmesh archive --delete` deletes them."),
            })
        }
        Command::Retention { expiry_days, grace_days } => {
            let mut settings = store.group()?.settings;
            if expiry_days.is_some() || grace_days.is_some() {
                let (expiry, grace) = (expiry_days.unwrap_or(settings.expiry_days), grace_days.unwrap_or(settings.grace_days));
                settings = store.act(|doc, me, now| doc.set_retention(me, expiry, grace, now))?.settings;
            }
            let retention = serde_json::json!({ "expiry_days": settings.expiry_days, "grace_days": settings.grace_days });
            out.print(&retention, || {
                format!(
                    "Contact details are shredded {} days after a need closes. Open needs expire {} days after 'needed by'.",
                    settings.expiry_days, settings.grace_days
                )
            })
        }
        Command::TimeZone { zone } => {
            let mut settings = store.group()?.settings;
            if let Some(zone) = zone {
                settings = store.act(|doc, me, now| doc.set_time_zone(me, &zone, now))?.settings;
            }
            let time_zone = serde_json::json!({ "time_zone": settings.time_zone });
            out.print(&time_zone, || format!("The group's time zone is {}: a date alone means the end of that day there.", settings.time_zone))
        }
        Command::Area(AreaCommand::Add { name, next_to }) => {
            store.act(|doc, me, now| doc.add_area(me, &name, &next_to, now))?;
            let group = store.group()?;
            out.print(&show::adjacency(&group), || format!("Added area '{}'.", name.trim()))
        }
        Command::Area(AreaCommand::List) => {
            let group = store.group()?;
            out.print(&show::adjacency(&group), || show::areas(&group))
        }
        Command::Need(command) => need(&mut store, out, command),
        Command::Offer(command) => offer(&mut store, out, command),
        Command::Assign { need, to, offer, note } => {
            let need = store.find(Collection::Needs, &need)?;
            let volunteer = store.find_member(&to)?;
            let offer = offer.map(|o| store.find(Collection::Offers, &o)).transpose()?;
            let assignment = store.act(|doc, me, now| doc.assign(me, need, volunteer, offer, &note, now))?;
            out.print(&assignment, || format!("Proposed assignment {}.", short(&store, assignment.id)))
        }
        Command::Assignment(AssignmentCommand::List { need, volunteer }) => {
            let need = need.map(|n| store.find(Collection::Needs, &n)).transpose()?;
            let volunteer = volunteer.map(|v| store.find_member(&v)).transpose()?;
            let assignments = store.assignments(need, volunteer)?;
            let labels = show::Labels::of(&store)?;
            out.print(&assignments, || show::assignments(&assignments, &labels))
        }
        Command::Assignment(AssignmentCommand::Status { id, status }) => {
            let id = store.find(Collection::Assignments, &id)?;
            let assignment = store.act(|doc, me, now| doc.set_assignment_status(me, id, status, now))?;
            let labels = show::Labels::of(&store)?;
            let me = store.me()?;
            out.print(&assignment, || show::assignment_moved(&assignment, &labels, me))
        }
        Command::Match { need, limit, excluded } => {
            let need = store.need(store.find(Collection::Needs, &need)?)?;
            let mut ranking = store.matcher()?.rank(&need, Utc::now())?;
            ranking.candidates.truncate(limit);
            if !excluded {
                ranking.excluded.clear();
            }
            let (labels, offers) = (show::Labels::of(&store)?, offers_by_id(&store)?);
            out.print(&ranking, || show::ranking(&need, &ranking, &labels, &offers))
        }
        Command::Automatch { apply } => {
            if apply {
                let (batch, assignments) = store.act(|doc, me, now| {
                    let batch = doc.matcher()?.propose(&doc.needs().records, now);
                    let assignments = doc.apply_proposals(me, &batch.proposals, now)?;
                    Ok((batch, assignments))
                })?;
                let (labels, offers, needs) = (show::Labels::of(&store)?, offers_by_id(&store)?, needs_by_id(&store)?);
                out.print(&assignments, || show::applied(&batch, &assignments, &labels, &offers, &needs))
            } else {
                let open = store.needs(&NeedFilter { status: Some(NeedStatus::Open), ..Default::default() })?;
                let batch = store.matcher()?.propose(&open, Utc::now());
                let (labels, offers, needs) = (show::Labels::of(&store)?, offers_by_id(&store)?, needs_by_id(&store)?);
                out.print(&batch, || show::batch(&batch, &labels, &offers, &needs))
            }
        }
        Command::Hours(command) => hours(&mut store, out, command),
        Command::Member(MemberCommand::Add { name, role, languages, skills, area }) => {
            let input = NewMember { languages, skills, home_area: area, ..NewMember::new(&name, role) };
            let member = store.act(|doc, me, now| doc.add_member(me, input, now))?;
            out.print(&member, || format!("Added {} ({}) as {}.", member.display_name, member.role, short(&store, member.id)))
        }
        Command::Member(MemberCommand::Role { id, role }) => {
            let id = store.find_member(&id)?;
            let member = store.set_role(id, role)?;
            out.print(&member, || format!("{} is now {}.", member.display_name, article(member.role)))
        }
        Command::Member(MemberCommand::Remove { id, renew }) => {
            let id = store.find_member(&id)?;
            if renew {
                store.remove_member_and_renew(id)?;
            } else {
                store.remove_member(id)?;
            }
            let member = store.doc()?.member(id)?;
            out.print(&member, || {
                let removed = format!(
                    "Removed {}. Their devices can no longer sync with the group or read what it shares from now on; \
                     what they already hold cannot be taken back.",
                    member.display_name
                );
                if renew { format!("{removed}\n{}", show::renewed()) } else { removed }
            })
        }
        Command::Member(MemberCommand::List) => {
            let members = store.members()?;
            let labels = show::Labels::of(&store)?;
            out.print(&members, || show::members(&members, &labels))
        }
        Command::Conflicts => {
            let conflicts = store.conflicts()?;
            out.print(&conflicts, || show::conflicts(&conflicts))
        }
        Command::Report { from, to, by, csv, html, lang, totals } => {
            let zone = store.group()?.settings.zone();
            let to = to.unwrap_or_else(|| Utc::now().with_timezone(&zone).date_naive());
            let from = from.unwrap_or(to - chrono::Duration::days(27));
            let period = report::Period::days(from, to, zone)?;
            let bucket = if by == "month" { report::Bucket::Month } else { report::Bucket::Week };
            let report = store.report(period, bucket)?;
            let labels = show::Labels::of(&store)?;
            if csv.is_some() || html.is_some() {
                let (group, conflicts) = (store.group()?.name, store.conflicts()?);
                let meeting = aidmesh_report::Meeting { group: &group, first_day: from, last_day: to, report: &report, names: &labels.names, conflicts: &conflicts };
                if let Some(dir) = csv {
                    meeting.write_csv(lang, &dir).with_context(|| format!("could not write the report's CSV files into {}", dir.display()))?;
                }
                if let Some(file) = html {
                    std::fs::write(&file, aidmesh_report::document(&meeting, lang)).with_context(|| format!("could not write the report to {}", file.display()))?;
                }
            }
            if let Some(file) = totals {
                std::fs::write(&file, store.totals_file(from, to)?).with_context(|| format!("could not write the totals to {}", file.display()))?;
            }
            out.print(&report, || show::report(&report, &labels, from, to))
        }
        Command::Ignored => {
            let ignored = store.ignored()?;
            let labels = show::Labels::of(&store)?;
            out.print(&ignored, || show::ignored(&ignored, &labels))
        }
        Command::Resolve { conflict, keep } => {
            let id = find_conflict(&store.conflicts()?, &conflict)?;
            if keep.contains(&0) {
                bail!("sides are numbered from 1");
            }
            let keep: Vec<usize> = keep.iter().map(|k| k - 1).collect();
            let resolution = store.act(|doc, me, now| doc.resolve(me, id, &keep, now))?;
            out.print(&resolution, || format!("Resolved: {}.", resolution.summary))
        }
        Command::Forget { need, yes } => {
            let id = store.find(Collection::Needs, &need)?;
            if !yes {
                bail!(
                    "forgetting need {}'s person deletes the key to their contact details on every device that syncs, \
                     and cannot be undone; run again with --yes to do it",
                    short(&store, id)
                );
            }
            store.act(|doc, me, now| doc.forget_contact(me, id, now))?;
            out.print(&serde_json::json!({ "need": id, "forgotten": true }), || {
                format!(
                    "Forgot the person of need {}. This device deleted the key to their contact details; every device \
                     that syncs will too. A copy on a device that never syncs again cannot be recalled.",
                    short(&store, id)
                )
            })
        }
        Command::Export { csv: Some(dir), with_contacts, .. } => sheets::export_lists(&mut store, &dir, with_contacts, out),
        Command::Export { output, .. } => {
            let export = store.doc()?.export()?;
            let json = serde_json::to_string_pretty(&export)?;
            match output {
                Some(file) => std::fs::write(&file, json).with_context(|| format!("cannot write {}", file.display())),
                None => {
                    println!("{json}");
                    Ok(())
                }
            }
        }
    };
    print_warnings(&mut store);
    result
}

/// What failed after a change was saved: the change stands, but the person should know.
/// Carries referrals between `store`'s group and every other group on the device (each opened
/// by `open`). Returns how many records it wrote.
fn carry_referrals_on_device(dir: &Path, store: &mut Store, open: impl Fn(&Path) -> Result<Store>) -> Result<usize> {
    let (mut carried, own) = (0, store.path().to_path_buf());
    for path in group_files(dir)?.into_iter().filter(|p| *p != own) {
        let mut other = open(&path)?;
        carried += crdt_core::carry_referrals(store, &mut other)?;
        print_warnings(&mut other);
    }
    print_warnings(store);
    Ok(carried)
}

/// A hub run by an organizer renews the group's record once the group's schedule says it is due
/// (when it starts, then hourly). It says why when it cannot (conflicts still open), and serves
/// on regardless.
fn renew_on_schedule(store: &mut Store) {
    let me = store.me().ok();
    let organizer = store.members().is_ok_and(|members| members.iter().any(|m| Some(m.id) == me && m.role == Role::Organizer));
    if !organizer {
        return;
    }
    let label = GroupOnDevice::of(store).map(|g| g.label()).unwrap_or_default();
    match store.renew_if_due(Utc::now()) {
        Ok(Some(_)) => eprintln!("renewed the record of '{label}', as the group's schedule says; devices move over when they sync"),
        Ok(None) => {}
        Err(e) => eprintln!("the record of '{label}' is due for renewal, but it was not renewed: {e}"),
    }
}

fn print_warnings(store: &mut Store) {
    for warning in store.take_warnings() {
        eprintln!("warning: {warning}");
    }
}

fn need(store: &mut Store, out: Output, command: NeedCommand) -> Result<()> {
    match command {
        NeedCommand::Add(args) => {
            let zone = store.group()?.settings.zone();
            let deadline = |text: Option<String>| text.map(|t| parse_deadline(&t, zone)).transpose();
            let input = NewNeed {
                description: args.description,
                coords: coords(args.lat, args.lon)?,
                needed_by: deadline(args.needed_by)?,
                window_start: deadline(args.window_start)?,
                languages: args.languages,
                household_size: args.household_size,
                recurring: args.recurring,
                volunteers_needed: args.volunteers,
                channel: args.channel,
                contact_organizers_only: args.consent == Consent::No,
                ..NewNeed::new(&args.title, args.category, args.urgency, &args.area)
            };
            let ContactArgs { name, phone, email, address, notes } = args.contact;
            let contact = Contact { name, phone, email, address, notes };
            let same_phone = aidmesh_sheets::needs::with_phone(store, &contact.phone)?;
            let need = store.post_need(input, &contact)?;
            for other in &same_phone {
                eprintln!("warning: need {} has the same phone number; if it is the same person, the two may be one request", short(store, *other));
            }
            out.print(&need, || format!("Posted need {}: {}", short(store, need.id), need.title))
        }
        NeedCommand::List { status, active, category, urgency, area, search, limit } => {
            let needs = store.needs(&NeedFilter { status, active_only: active, category, urgency, area, search, limit })?;
            let labels = show::Labels::of(store)?;
            out.print(&needs, || show::needs(&needs, &labels, Utc::now()))
        }
        NeedCommand::Show { id } => {
            let id = store.find(Collection::Needs, &id)?;
            let labels = show::Labels::of(store)?;
            let assignments = store.assignments(Some(id), None)?;
            let doc = store.doc()?;
            let need = doc.need(id)?;
            let history = doc.history(id);
            out.print(&serde_json::json!({ "need": need, "assignments": assignments, "history": history }), || {
                show::need(&need, &assignments, &history, &labels, Utc::now())
            })
        }
        NeedCommand::Status { id, status } => {
            let id = store.find(Collection::Needs, &id)?;
            let need = store.act(|doc, me, now| doc.set_need_status(me, id, status, now))?;
            out.print(&need, || format!("Need {} is now {status}.", short(store, id)))
        }
        NeedCommand::Contact { id } => {
            let id = store.find(Collection::Needs, &id)?;
            let contact = store.contact(id)?;
            out.print(&contact, || show::contact(&contact))
        }
        NeedCommand::Accept { id } => {
            let id = store.find(Collection::Needs, &id)?;
            let need = store.act(|doc, me, now| doc.answer_referral(me, id, Answer::Accept, now))?;
            let from = need.referred_from.as_ref().map_or_else(String::new, |f| f.group_name.clone());
            out.print(&need, || format!("Accepted need {} from '{from}'; they see it accepted once a device in both groups carries it.", short(store, id)))
        }
        NeedCommand::Return { id, reason } => {
            let id = store.find(Collection::Needs, &id)?;
            let need = store.act(|doc, me, now| doc.answer_referral(me, id, Answer::Return { reason }, now))?;
            let from = need.referred_from.as_ref().map_or_else(String::new, |f| f.group_name.clone());
            out.print(&need, || format!("Returned need {} to '{from}': it opens again there once a device in both groups carries it.", short(store, id)))
        }
        NeedCommand::Refer { .. } => unreachable!("handled in run: it opens a second group"),
        NeedCommand::SetContact { id, contact } => {
            let id = store.find(Collection::Needs, &id)?;
            let ContactArgs { name, phone, email, address, notes } = contact;
            store.set_contact(id, &Contact { name, phone, email, address, notes })?;
            out.print(&serde_json::json!({ "need": id, "sealed": true }), || {
                format!("Sealed the contact details of need {}: only organizers and the volunteers assigned can read them.", short(store, id))
            })
        }
    }
}

fn offer(store: &mut Store, out: Output, command: OfferCommand) -> Result<()> {
    match command {
        OfferCommand::Add(args) => {
            let member = match &args.member {
                Some(m) => store.find_member(m)?,
                None => store.me()?,
            };
            let input = NewOffer {
                coords: coords(args.lat, args.lon)?,
                availability: Availability { weekly: args.weekly, dates: args.date },
                capacity: args.capacity,
                languages: args.languages,
                inexhaustible: args.inexhaustible,
                ..NewOffer::new(member, &args.what, args.categories, args.kind, &args.area)
            };
            let offer = store.act(|doc, me, now| doc.add_offer(me, input, now))?;
            out.print(&offer, || format!("Posted offer {}: {}", short(store, offer.id), offer.what))
        }
        OfferCommand::List { status, category, area } => {
            let offers = store.offers(&OfferFilter { status, category, area, member: None })?;
            let labels = show::Labels::of(store)?;
            out.print(&offers, || show::offers(&offers, &labels))
        }
        OfferCommand::Status { id, status } => {
            let id = store.find(Collection::Offers, &id)?;
            let offer = store.act(|doc, me, now| doc.set_offer_status(me, id, status, now))?;
            out.print(&offer, || format!("Offer {} is now {status}.", short(store, id)))
        }
    }
}

fn hours(store: &mut Store, out: Output, command: HoursCommand) -> Result<()> {
    match command {
        HoursCommand::Log { to, hours, from, assignment, category, note } => {
            let to = party(store, &to)?;
            let from = match from {
                Some(member) => store.find_member(&member)?,
                None => store.me()?,
            };
            let assignment = assignment.map(|a| store.find(Collection::Assignments, &a)).transpose()?;
            let input = NewHours { assignment, category, note, ..NewHours::new(from, to, hours) };
            let entry = store.act(|doc, me, now| doc.log_hours(me, input, now))?;
            let labels = show::Labels::of(store)?;
            out.print(&entry, || show::logged(&entry, &labels))
        }
        HoursCommand::Confirm { id } => {
            let id = store.find(Collection::HourEntries, &id)?;
            let verdict = store.act(|doc, me, now| doc.confirm_hours(me, id, now))?;
            verdict_done(store, out, &verdict)
        }
        HoursCommand::Dispute { id, reason } => {
            let id = store.find(Collection::HourEntries, &id)?;
            let verdict = store.act(|doc, me, now| doc.dispute_hours(me, id, &reason, now))?;
            verdict_done(store, out, &verdict)
        }
        HoursCommand::Void { id, reason } => {
            let id = store.find(Collection::HourEntries, &id)?;
            let verdict = store.act(|doc, me, now| doc.void_hours(me, id, &reason, now))?;
            verdict_done(store, out, &verdict)
        }
        HoursCommand::List { member, status } => {
            let party = member.map(|m| party(store, &m)).transpose()?;
            let ledger = store.ledger(&LedgerFilter { party, status })?;
            let labels = show::Labels::of(store)?;
            out.print(&ledger.entries, || show::entries(&ledger.entries, &labels))
        }
        HoursCommand::Balance => {
            let (balances, late) = (store.balances()?, store.verdicts_on_archived_hours()?);
            let labels = show::Labels::of(store)?;
            out.print(&balances, || {
                let text = show::balances(&balances, &labels);
                if late.is_empty() { text } else { format!("{text}\n\n{}", show::verdicts_on_archived_hours(&late, &labels)) }
            })
        }
        HoursCommand::Statement { member, csv } => {
            let party = party(store, &member)?;
            let statement = store.ledger(&LedgerFilter { party: Some(party), status: None })?.statement(party);
            let labels = show::Labels::of(store)?;
            if csv {
                print!("{}", statement.to_csv(&labels.names));
                return Ok(());
            }
            out.print(&statement, || show::statement(&statement, &labels))
        }
    }
}

fn verdict_done(store: &Store, out: Output, verdict: &HourVerdict) -> Result<()> {
    let entry = store.hour_entry(verdict.entry)?;
    let labels = show::Labels::of(store)?;
    out.print(verdict, || show::verdict(verdict, &entry, &labels))
}

/// `group`, or a member by id or name.
fn party(store: &Store, text: &str) -> Result<Party> {
    if text.trim().eq_ignore_ascii_case("group") {
        return Ok(Party::Group);
    }
    Ok(Party::Member(store.find_member(text)?))
}

fn offers_by_id(store: &Store) -> Result<std::collections::HashMap<Uuid, Offer>> {
    Ok(store.offers(&OfferFilter::default())?.into_iter().map(|o| (o.id, o)).collect())
}

fn needs_by_id(store: &Store) -> Result<std::collections::HashMap<Uuid, Need>> {
    Ok(store.needs(&NeedFilter::default())?.into_iter().map(|n| (n.id, n)).collect())
}

fn coords(lat: Option<f64>, lon: Option<f64>) -> Result<Option<Coords>> {
    Ok(match (lat, lon) {
        (Some(lat), Some(lon)) => Some(Coords::coarse(lat, lon)?),
        _ => None,
    })
}

fn find_conflict(conflicts: &[Conflict], prefix: &str) -> Result<Uuid> {
    let prefix = prefix.trim().to_lowercase();
    let matching: Vec<Uuid> = conflicts.iter().map(|c| c.id).filter(|id| id.to_string().starts_with(&prefix)).collect();
    match matching.as_slice() {
        [one] => Ok(*one),
        [] => bail!("no open conflict matches '{prefix}' (see `aidmesh conflicts`)"),
        many => bail!("'{prefix}' matches {} conflicts; type more of the id", many.len()),
    }
}

/// An id as people type it back: its shortest unique prefix.
fn short(store: &Store, id: Uuid) -> String {
    show::Labels::of(store).map_or_else(|_| id.to_string(), |labels| labels.short(id))
}

#[derive(Clone, Copy)]
pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) fn print<T: Serialize>(self, value: &T, text: impl FnOnce() -> String) -> Result<()> {
        let shown = if self.json { serde_json::to_string_pretty(value)? } else { text() };
        match writeln!(std::io::stdout().lock(), "{shown}") {
            // Piped into `head`, which has read all it wanted: not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            written => Ok(written?),
        }
    }
}

fn article(role: Role) -> &'static str {
    match role {
        Role::Organizer => "an organizer",
        Role::Volunteer => "a volunteer",
    }
}
