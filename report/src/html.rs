//! The report as one HTML page: no script, no file or font from elsewhere, so it opens on any
//! phone or laptop offline and prints on one or two pages. Charts are plain bars drawn with CSS
//! for the eye (hidden from screen readers); every chart has its numbers as a table beside it.
//! Every text from the record (titles, areas, names) is escaped: a peer wrote it.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::NaiveDate;
use crdt_core::totals::{Figures, Network};
use crdt_core::Hours;

use crate::{Lang, Meeting, Table, Words};

/// The colours groups already use for how long a need has waited.
const GREEN: &str = "mr-green";
const ORANGE: &str = "mr-orange";
const RED: &str = "mr-red";
const BLUE: &str = "mr-blue";
const GREY: &str = "mr-grey";
const PURPLE: &str = "mr-purple";

const STYLE: &str = r#"
.meeting-report { font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; max-width: 46rem; margin: 0 auto; padding: 0.75rem; }
.meeting-report h1 { font-size: 1.3rem; margin: 0; }
.meeting-report h2 { font-size: 1.05rem; margin: 1.1rem 0 0.4rem; }
.meeting-report .mr-period { margin: 0.2rem 0 0.6rem; color: #444; }
.meeting-report .mr-tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0.5rem; }
.meeting-report .mr-tile { border: 1px solid #ccc; border-radius: 0.5rem; padding: 0.5rem; }
.meeting-report .mr-tile b { display: block; font-size: 1.6rem; line-height: 1.1; }
.meeting-report .mr-tile.mr-alert { border-color: #c62828; }
.meeting-report .mr-tile.mr-alert b { color: #b71c1c; }
.meeting-report .mr-bars { display: grid; grid-template-columns: minmax(6rem, max-content) 1fr 3.2rem; gap: 0.25rem 0.5rem; align-items: center; }
.meeting-report .mr-bar { display: flex; height: 1.1rem; background: #f1f1f1; border-radius: 0.2rem; overflow: hidden; }
.meeting-report .mr-bar i { display: block; height: 100%; }
.meeting-report .mr-n { text-align: right; font-variant-numeric: tabular-nums; }
.meeting-report .mr-green { background: #2e7d32; } .meeting-report .mr-orange { background: #ef6c00; } .meeting-report .mr-red { background: #c62828; }
.meeting-report .mr-blue { background: #1565c0; } .meeting-report .mr-grey { background: #9e9e9e; } .meeting-report .mr-purple { background: #6a1b9a; }
.meeting-report .mr-legend { display: flex; gap: 1rem; font-size: 0.85rem; margin: 0.2rem 0; }
.meeting-report .mr-legend i { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: -0.1rem; border-radius: 0.15rem; }
.meeting-report details { margin: 0.3rem 0; }
.meeting-report summary { cursor: pointer; color: #0d47a1; min-height: 1.5rem; }
.meeting-report table { border-collapse: collapse; margin: 0.3rem 0; font-size: 0.9rem; }
.meeting-report th, .meeting-report td { border-bottom: 1px solid #ddd; padding: 0.15rem 0.5rem 0.15rem 0; text-align: left; vertical-align: top; }
.meeting-report td.mr-num, .meeting-report th.mr-num { text-align: right; }
.meeting-report ol, .meeting-report ul { margin: 0.2rem 0; padding-left: 1.3rem; }
.meeting-report .mr-muted { color: #555; }
.meeting-report .mr-note { margin: 0 0 0.8rem; padding: 0.5rem 0.7rem; border-left: 4px solid #8a5a00; background: #fff7e6; color: #4a3000; }
.meeting-report .mr-scroll { overflow-x: auto; }
.meeting-report footer { margin-top: 1rem; font-size: 0.8rem; color: #555; }
.meeting-report .mr-columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 0 1.5rem; }
@media print {
  .meeting-report { font-size: 10.5pt; max-width: none; padding: 0; }
  .meeting-report * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .meeting-report details > summary { display: none; }
  .meeting-report section { break-inside: avoid; }
  @page { size: A4; margin: 14mm; }
}
"#;

/// The whole page, for a file or a browser.
pub fn document(meeting: &Meeting<'_>, lang: Lang) -> String {
    let w = lang.words();
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}: {}</title></head><body style=\"margin:0\">{}</body></html>\n",
        w.code,
        escape(meeting.group),
        w.title,
        fragment(meeting, lang)
    )
}

/// The report as one element with its own style, for the app to show inside its screen.
pub fn fragment(meeting: &Meeting<'_>, lang: Lang) -> String {
    let w = lang.words();
    let report = meeting.report;
    let mut page = format!("<article class=\"meeting-report\" lang=\"{}\"><style>{STYLE}</style>", w.code);
    let _ = write!(
        page,
        "<header><h1>{}: {}</h1><p class=\"mr-period\">{} – {}</p></header>",
        escape(meeting.group),
        w.title,
        lang.day(meeting.first_day),
        lang.day(meeting.last_day)
    );
    if let Some(at) = report.not_held_before {
        let _ = write!(page, "<p class=\"mr-note\" data-testid=\"report-not-held\">{}</p>", w.not_held_before.replace("{day}", &lang.day(at.date_naive())));
    }

    let posted: usize = report.by_status.values().sum();
    let done = report.by_status.get(&crdt_core::NeedStatus::Done).copied().unwrap_or(0);
    let median = report.to_first_assignment.median_hours.map_or("–".to_string(), |h| format!("{h:.0} h"));
    page.push_str("<div class=\"mr-tiles\">");
    for (figure, what, alert) in [
        (posted.to_string(), w.posted, false),
        (done.to_string(), w.done, false),
        (median, w.median_to_volunteer, false),
        (report.open_by_age.over_5_days.to_string(), w.open_over_5, report.open_by_age.over_5_days > 0),
    ] {
        let class = if alert { "mr-tile mr-alert" } else { "mr-tile" };
        let _ = write!(page, "<div class=\"{class}\"><b>{figure}</b>{what}</div>");
    }
    page.push_str("</div><div class=\"mr-columns\">");

    let mut per_bucket: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for p in &report.posted {
        *per_bucket.entry(p.starting).or_insert(0) += p.needs;
    }
    let rows = per_bucket.iter().map(|(day, n)| Row::one(lang.starting(report.bucket, *day), *n as f64, BLUE, n.to_string()));
    section(&mut page, w, w.needs_posted, &bars(rows.collect(), &[]), Some(&meeting.posted(lang)));

    let rows = report.by_status.iter().map(|(status, n)| Row::one(lang.status(*status).to_string(), *n as f64, BLUE, n.to_string()));
    section(&mut page, w, w.by_status, &bars(rows.collect(), &[]), Some(&meeting.by_status(lang)));

    let mut waits = String::from("<ul>");
    for (what, wait) in [(w.to_volunteer, &report.to_first_assignment), (w.to_done, &report.to_done)] {
        let figures = match (wait.median_hours, wait.slowest_tenth_hours) {
            (Some(median), Some(slowest)) => format!("{} {median:.0} h · {} {slowest:.0} h ({} {})", w.median, w.slowest_tenth, wait.count, w.needs.to_lowercase()),
            _ => w.none_yet.to_string(),
        };
        let _ = write!(waits, "<li>{what}: <b>{figures}</b></li>");
    }
    waits.push_str("</ul>");
    section(&mut page, w, w.waits, &waits, None);

    let bands = &report.open_by_age;
    let rows = [(w.under_3, bands.under_3_days, GREEN), (w.from_3_to_5, bands.from_3_to_5_days, ORANGE), (w.over_5, bands.over_5_days, RED)]
        .into_iter()
        .map(|(band, n, colour)| Row::one(band.to_string(), n as f64, colour, n.to_string()));
    section(&mut page, w, w.open_by_age, &bars(rows.collect(), &[]), Some(&meeting.open_by_age(lang)));

    let mut longest = String::new();
    if report.waiting_longest.is_empty() {
        let _ = write!(longest, "<p class=\"mr-muted\">{}</p>", w.nothing);
    } else {
        longest.push_str("<ol>");
        for need in &report.waiting_longest {
            let waited = match (report.period.to - need.posted).num_days() {
                0 => w.under_a_day.to_string(),
                days => format!("{days} {}", w.days_waiting),
            };
            let _ = write!(longest, "<li>{} <span class=\"mr-muted\">· {} · {waited}</span></li>", escape(&need.title), escape(&need.area));
        }
        longest.push_str("</ol>");
    }
    section(&mut page, w, w.waiting_longest, &longest, None);

    let rows = report.areas.iter().map(|a| Row {
        label: a.area.clone(),
        parts: vec![(a.served as f64, GREEN), (a.unserved as f64, GREY)],
        shown: a.posted.to_string(),
    });
    section(&mut page, w, w.areas, &bars(rows.collect(), &[(w.served, GREEN), (w.unserved, GREY)]), Some(&meeting.areas(lang)));

    section(&mut page, w, w.offers_unused, &list(&meeting.offers_unused(lang), w.nothing), None);

    let mut hours: BTreeMap<NaiveDate, Hours> = BTreeMap::new();
    for h in &report.hours_by_category {
        *hours.entry(h.starting).or_insert(Hours::ZERO) += h.hours;
    }
    let rows = hours.iter().map(|(day, h)| Row::one(lang.starting(report.bucket, *day), h.quarters() as f64, PURPLE, h.to_string()));
    section(&mut page, w, w.hours, &bars(rows.collect(), &[]), Some(&meeting.hours_by_category(lang)));
    section(&mut page, w, w.hours_by_member, &table(&meeting.hours_by_member(lang)), None);

    let quiet: Vec<String> = report.inactive.iter().map(|&id| escape(&meeting.names.of(id))).collect();
    let quiet = if quiet.is_empty() { w.nobody.to_string() } else { quiet.join(", ") };
    section(&mut page, w, w.quiet, &format!("<p>{quiet}</p>"), None);
    section(&mut page, w, w.conflicts, &list(&meeting.conflicts(lang), w.nothing), None);

    let _ = write!(page, "</div><footer>{}</footer></article>", w.no_contact);
    page
}

/// Several chapters' totals for the same days, side by side and in sum, as one element for the
/// app's screen (the same style as the report).
pub fn network_fragment(network: &Network, lang: Lang) -> String {
    let w = lang.words();
    let mut page = format!("<article class=\"meeting-report\" lang=\"{}\"><style>{STYLE}</style>", w.code);
    let _ = write!(page, "<header><h1>{}</h1><p class=\"mr-period\">{} – {}</p></header>", w.network, lang.day(network.first_day), lang.day(network.last_day));
    let rows = network.groups.iter().map(|g| Row {
        label: g.group_name.clone(),
        parts: vec![(g.figures.served as f64, GREEN), (g.figures.unserved as f64, GREY)],
        shown: g.figures.needs_posted.to_string(),
    });
    let mut table_rows: Vec<Vec<String>> = network.groups.iter().map(|g| network_row(&g.group_name, &g.figures)).collect();
    table_rows.push(network_row(w.all_groups, &network.sum));
    let columns = &w.network_columns;
    let numbers = Table { name: "network", header: [w.group].into_iter().chain(columns.iter().copied()).collect(), rows: table_rows };
    section(&mut page, w, w.needs_posted, &bars(rows.collect(), &[(w.served, GREEN), (w.unserved, GREY)]), None);
    section(&mut page, w, w.network_totals, &format!("<div class=\"mr-scroll\">{}</div>", table(&numbers)), None);
    let _ = write!(page, "<footer>{}</footer></article>", w.counted_twice);
    page
}

fn network_row(name: &str, f: &Figures) -> Vec<String> {
    let done = f.by_status.get(&crdt_core::NeedStatus::Done).copied().unwrap_or(0);
    let figures = [f.needs_posted.to_string(), done.to_string(), f.served.to_string(), f.open_by_age.over_5_days.to_string(), f.hours_given.to_string(), f.active_members.to_string()];
    std::iter::once(name.to_string()).chain(figures).collect()
}

/// One row of a bar chart: its parts side by side, and the figure shown at its end.
struct Row {
    label: String,
    parts: Vec<(f64, &'static str)>,
    shown: String,
}

impl Row {
    fn one(label: String, value: f64, colour: &'static str, shown: String) -> Row {
        Row { label, parts: vec![(value, colour)], shown }
    }
}

fn section(page: &mut String, w: &Words, title: &str, body: &str, numbers: Option<&Table>) {
    let _ = write!(page, "<section><h2>{title}</h2>{body}");
    if let Some(numbers) = numbers {
        let _ = write!(page, "<details><summary>{}</summary>{}</details>", w.numbers, table(numbers));
    }
    page.push_str("</section>");
}

/// Bars scaled to the longest row, for the eye only: the table beside the chart holds the
/// numbers for screen readers.
fn bars(rows: Vec<Row>, legend: &[(&str, &str)]) -> String {
    if rows.is_empty() {
        return "<p class=\"mr-muted\">–</p>".to_string();
    }
    let longest = rows.iter().map(|r| r.parts.iter().map(|(v, _)| v).sum::<f64>()).fold(0.0, f64::max);
    let mut chart = String::new();
    if !legend.is_empty() {
        chart.push_str("<div class=\"mr-legend\" aria-hidden=\"true\">");
        for (what, colour) in legend {
            let _ = write!(chart, "<span><i class=\"{colour}\"></i>{what}</span>");
        }
        chart.push_str("</div>");
    }
    chart.push_str("<div class=\"mr-bars\" aria-hidden=\"true\">");
    for row in rows {
        let _ = write!(chart, "<span>{}</span><span class=\"mr-bar\">", escape(&row.label));
        for (value, colour) in row.parts {
            let width = if longest > 0.0 { value / longest * 100.0 } else { 0.0 };
            let _ = write!(chart, "<i class=\"{colour}\" style=\"width:{width:.1}%\"></i>");
        }
        let _ = write!(chart, "</span><span class=\"mr-n\">{}</span>", escape(&row.shown));
    }
    chart.push_str("</div>");
    chart
}

fn table(table: &Table) -> String {
    let numeric = |cell: &str| !cell.is_empty() && cell.parse::<f64>().is_ok();
    let mut html = String::from("<table><thead><tr>");
    for (i, heading) in table.header.iter().enumerate() {
        let class = if table.rows.first().is_some_and(|r| numeric(&r[i])) { " class=\"mr-num\"" } else { "" };
        let _ = write!(html, "<th scope=\"col\"{class}>{}</th>", escape(heading));
    }
    html.push_str("</tr></thead><tbody>");
    for row in &table.rows {
        html.push_str("<tr>");
        for cell in row {
            let class = if numeric(cell) { " class=\"mr-num\"" } else { "" };
            let _ = write!(html, "<td{class}>{}</td>", escape(cell));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    html
}

/// A two-column table as a list: "what: figure".
fn list(table: &Table, empty: &str) -> String {
    if table.rows.is_empty() {
        return format!("<p class=\"mr-muted\">{empty}</p>");
    }
    let items: String = table.rows.iter().map(|row| format!("<li>{}: <b>{}</b></li>", escape(&row[0]), escape(&row[1]))).collect();
    format!("<ul>{items}</ul>")
}

pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn text_from_the_record_cannot_become_markup() {
        assert_eq!(escape("<img src=x onerror=alert(1)> & \"'"), "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;&#39;");
    }
}
