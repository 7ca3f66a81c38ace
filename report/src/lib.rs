//! The organizers' meeting report as people read it: one self-contained HTML page for the
//! screen and for paper (`html`), and its tables as CSV files for a spreadsheet. The figures
//! come from `crdt_core::report`; this crate only lays them out, in English or Spanish.
//!
//! `intake_sheet` is the blank paper form for requests taken by phone or in person.
//!
//! Invariant: no contact detail reaches a report. It is built from the report's figures,
//! members' display names, needs' titles and areas, and conflicts' labels, never from a sealed
//! field.

mod html;
mod intake;
mod words;

use std::path::Path;

use chrono::NaiveDate;
use crdt_core::report::{Period, Report};
use crdt_core::{Conflict, Names};

pub use html::{document, fragment, network_fragment};
pub use intake::intake_sheet;
pub use words::{Lang, Words};

/// Everything one meeting report shows.
pub struct Meeting<'a> {
    pub group: &'a str,
    /// The period's first and last days, in the group's time zone.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub report: &'a Report,
    pub names: &'a Names,
    pub conflicts: &'a [Conflict],
}

/// One table of figures: the numbers behind a chart, and one CSV file.
pub struct Table {
    /// The CSV file's name, without `.csv`.
    pub name: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Meeting<'_> {
    fn period(&self) -> Period {
        self.report.period
    }

    pub fn posted(&self, lang: Lang) -> Table {
        let w = lang.words();
        let rows = self.report.posted.iter().map(|p| vec![p.starting.to_string(), lang.category(p.category).to_string(), p.needs.to_string()]).collect();
        Table { name: "posted", header: vec![starting(self, w), w.category, w.needs], rows }
    }

    pub fn by_status(&self, lang: Lang) -> Table {
        let w = lang.words();
        let rows = self.report.by_status.iter().map(|(status, n)| vec![lang.status(*status).to_string(), n.to_string()]).collect();
        Table { name: "status", header: vec![w.by_status, w.needs], rows }
    }

    pub fn waits(&self, lang: Lang) -> Table {
        let w = lang.words();
        let hours = |h: Option<f64>| h.map_or(String::new(), |h| format!("{h:.1}"));
        let row = |wait: &str, waits: &crdt_core::report::Waits| vec![wait.to_string(), waits.count.to_string(), hours(waits.median_hours), hours(waits.slowest_tenth_hours)];
        let rows = vec![row(w.to_volunteer, &self.report.to_first_assignment), row(w.to_done, &self.report.to_done)];
        Table { name: "waits", header: vec![w.waits, w.needs, w.median, w.slowest_tenth], rows }
    }

    pub fn open_by_age(&self, lang: Lang) -> Table {
        let w = lang.words();
        let bands = &self.report.open_by_age;
        let rows = [(w.under_3, bands.under_3_days), (w.from_3_to_5, bands.from_3_to_5_days), (w.over_5, bands.over_5_days)];
        Table { name: "open_by_age", header: vec![w.age, w.needs], rows: rows.iter().map(|(band, n)| vec![band.to_string(), n.to_string()]).collect() }
    }

    pub fn waiting_longest(&self, lang: Lang) -> Table {
        let w = lang.words();
        let end = self.period().to;
        let rows = self
            .report
            .waiting_longest
            .iter()
            .map(|n| vec![n.title.clone(), n.area.clone(), lang.category(n.category).to_string(), lang.status(n.status).to_string(), (end - n.posted).num_days().to_string()])
            .collect();
        Table { name: "waiting_longest", header: vec![w.waiting_longest, w.area, w.category, w.by_status, w.days_waiting], rows }
    }

    pub fn areas(&self, lang: Lang) -> Table {
        let w = lang.words();
        let rows = self.report.areas.iter().map(|a| vec![a.area.clone(), a.posted.to_string(), a.served.to_string(), a.unserved.to_string()]).collect();
        Table { name: "areas", header: vec![w.area, w.needs, w.served, w.unserved], rows }
    }

    pub fn offers_unused(&self, lang: Lang) -> Table {
        let w = lang.words();
        let rows = self.report.unmatched_offers.iter().map(|(why, n)| vec![lang.unmatched(*why).to_string(), n.to_string()]).collect();
        Table { name: "offers_unused", header: vec![w.why, w.offers], rows }
    }

    pub fn hours_by_member(&self, lang: Lang) -> Table {
        let w = lang.words();
        let rows = self.report.hours.iter().map(|h| vec![self.names.of(h.member), h.given.to_string(), h.received.to_string()]).collect();
        Table { name: "hours", header: vec![w.member, w.given, w.received], rows }
    }

    pub fn hours_by_category(&self, lang: Lang) -> Table {
        let w = lang.words();
        let category = |c: Option<crdt_core::Category>| c.map_or(w.no_category, |c| lang.category(c)).to_string();
        let rows = self.report.hours_by_category.iter().map(|h| vec![h.starting.to_string(), category(h.category), h.hours.to_string()]).collect();
        Table { name: "hours_by_category", header: vec![starting(self, w), w.category, w.hours], rows }
    }

    pub fn quiet(&self, lang: Lang) -> Table {
        Table { name: "quiet", header: vec![lang.words().member], rows: self.report.inactive.iter().map(|&id| vec![self.names.of(id)]).collect() }
    }

    pub fn conflicts(&self, lang: Lang) -> Table {
        let w = lang.words();
        let rows = self.conflicts.iter().map(|c| vec![c.label.clone(), lang.conflict(&c.kind).to_string()]).collect();
        Table { name: "conflicts", header: vec![w.conflicts, w.why], rows }
    }

    /// Every table, in the order the page shows them.
    pub fn tables(&self, lang: Lang) -> Vec<Table> {
        vec![
            self.posted(lang),
            self.by_status(lang),
            self.waits(lang),
            self.open_by_age(lang),
            self.waiting_longest(lang),
            self.areas(lang),
            self.offers_unused(lang),
            self.hours_by_member(lang),
            self.hours_by_category(lang),
            self.quiet(lang),
            self.conflicts(lang),
        ]
    }

    /// Each table as a CSV file in `dir`, for a spreadsheet.
    pub fn write_csv(&self, lang: Lang, dir: &Path) -> csv::Result<()> {
        std::fs::create_dir_all(dir)?;
        for table in self.tables(lang) {
            let mut file = csv::Writer::from_path(dir.join(format!("{}.csv", table.name)))?;
            file.write_record(&table.header)?;
            for row in &table.rows {
                file.write_record(row)?;
            }
            file.flush()?;
        }
        Ok(())
    }
}

/// The first column of figures over time: the day each week or month starts.
fn starting(meeting: &Meeting<'_>, words: &Words) -> &'static str {
    match meeting.report.bucket {
        crdt_core::report::Bucket::Week => words.week_of,
        crdt_core::report::Bucket::Month => words.month_of,
    }
}
