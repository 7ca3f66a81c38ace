//! Dates as sheets write them. "3/4/2024" is the 3rd of April in Madrid and March 4th in
//! Cleveland: the order is read from the column (a 13 or more in either place settles it) or
//! asked, never guessed. Two-digit years are refused.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::problems::RowProblem;

/// Which number comes first in a date like 3/4/2024.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateOrder {
    DayFirst,
    MonthFirst,
}

impl DateOrder {
    /// The order a column's dates show, if they show one; `Err` if they show both.
    pub(crate) fn evident<'a>(cells: impl IntoIterator<Item = &'a str>) -> Result<Option<DateOrder>, ()> {
        let (mut day_first, mut month_first) = (false, false);
        for cell in cells {
            if let Some([a, b, _]) = numeric_parts(cell) {
                day_first |= a > 12;
                month_first |= b > 12;
            }
        }
        match (day_first, month_first) {
            (true, true) => Err(()),
            (true, false) => Ok(Some(DateOrder::DayFirst)),
            (false, true) => Ok(Some(DateOrder::MonthFirst)),
            (false, false) => Ok(None),
        }
    }
}

/// Whether a cell holds a date whose day and month could be either way round.
pub(crate) fn is_ambiguous(cell: &str) -> bool {
    numeric_parts(cell).is_some_and(|[a, b, _]| a <= 12 && b <= 12 && a != b)
}

/// The three numbers of a date written day/month/year or month/day/year, if it is one.
fn numeric_parts(cell: &str) -> Option<[u32; 3]> {
    let date = cell.trim().split([' ', 'T']).next()?;
    let parts: Vec<&str> = date.split(['/', '-', '.']).collect();
    let [a, b, y] = parts.as_slice() else { return None };
    if a.len() > 2 {
        return None;
    }
    Some([a.parse().ok()?, b.parse().ok()?, y.parse().ok()?])
}

/// The moment a cell names, read in `zone` unless it carries its own offset. `order` is needed
/// only for dates like 3/4/2024.
pub(crate) fn parse(cell: &str, order: Option<DateOrder>, zone: Tz) -> Result<DateTime<Utc>, RowProblem> {
    let cell = cell.trim();
    let value = || cell.to_string();
    if let Ok(moment) = DateTime::parse_from_rfc3339(cell) {
        return Ok(moment.with_timezone(&Utc));
    }
    let (date, time) = cell.split_once([' ', 'T']).map_or((cell, ""), |(d, t)| (d, t.trim()));
    let parts: Vec<&str> = date.split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else { return Err(RowProblem::NotADate { value: value() }) };
    let number = |part: &str| part.parse::<u32>().map_err(|_| RowProblem::NotADate { value: value() });
    let (year, month, day) = if a.len() == 4 {
        (a, number(b)?, number(c)?)
    } else {
        let (month, day) = match order {
            Some(DateOrder::DayFirst) => (number(b)?, number(a)?),
            Some(DateOrder::MonthFirst) => (number(a)?, number(b)?),
            None => return Err(RowProblem::DateOrderUnknown { value: value() }),
        };
        (c, month, day)
    };
    if year.len() != 4 {
        return Err(RowProblem::TwoDigitYear { value: value() });
    }
    let date = NaiveDate::from_ymd_opt(number(year)? as i32, month, day).ok_or_else(|| RowProblem::NoSuchDay { value: value() })?;
    let time = parse_time(time).ok_or_else(|| RowProblem::BadTime { value: value() })?;
    zone.from_local_datetime(&NaiveDateTime::new(date, time)).earliest().map(|t| t.with_timezone(&Utc)).ok_or_else(|| RowProblem::NotInTimeZone { value: value() })
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    if text.is_empty() {
        return NaiveTime::from_hms_opt(0, 0, 0);
    }
    let upper = text.to_uppercase();
    ["%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p"].iter().find_map(|format| NaiveTime::parse_from_str(&upper, format).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn dates_read_in_the_group_zone_and_the_order_given() {
        let madrid: Tz = "Europe/Madrid".parse().unwrap();
        assert_eq!(parse("3/4/2024 10:22:11", Some(DateOrder::DayFirst), madrid), Ok(utc("2024-04-03T08:22:11Z")));
        assert_eq!(parse("3/4/2024 2:05 pm", Some(DateOrder::MonthFirst), chrono_tz::UTC), Ok(utc("2024-03-04T14:05:00Z")));
        assert_eq!(parse("2024-03-04", None, chrono_tz::UTC), Ok(utc("2024-03-04T00:00:00Z")));
        assert_eq!(parse("2024-03-04T10:00:00+01:00", None, madrid), Ok(utc("2024-03-04T09:00:00Z")));
        assert!(parse("3/4/24", Some(DateOrder::DayFirst), madrid).unwrap_err().to_string().contains("two-digit year"));
        assert!(matches!(parse("3/4/2024", None, madrid), Err(RowProblem::DateOrderUnknown { .. })));
        assert!(parse("31/02/2024", Some(DateOrder::DayFirst), madrid).is_err());
    }

    #[test]
    fn a_column_shows_its_order_when_a_day_is_over_twelve() {
        assert_eq!(DateOrder::evident(["3/4/2024", "25/4/2024"]), Ok(Some(DateOrder::DayFirst)));
        assert_eq!(DateOrder::evident(["3/4/2024", "4/25/2024 10:00"]), Ok(Some(DateOrder::MonthFirst)));
        assert_eq!(DateOrder::evident(["3/4/2024", "2024-12-31"]), Ok(None));
        assert_eq!(DateOrder::evident(["13/4/2024", "4/25/2024"]), Err(()));
    }
}
