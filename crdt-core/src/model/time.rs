//! Dates as people type them, read in the group's time zone: the one rule the CLI, the app and
//! matching's weekly slots share.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::validation::ValidationError;

/// A time zone a group may set: an IANA name such as `Europe/Madrid`, or `UTC`.
pub fn parse_time_zone(name: &str) -> Result<Tz, ValidationError> {
    name.trim().parse().map_err(|_| ValidationError::BadTimeZone(name.to_string()))
}

/// A deadline as typed: a date alone (`2026-12-01`) means the end of that day (23:59:59) in
/// the group's time zone; anything else must be an RFC 3339 time.
pub fn parse_deadline(text: &str, zone: Tz) -> Result<DateTime<Utc>, ValidationError> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(end_of_day(date, zone));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ValidationError::BadDate(text.to_string()))
}

/// The last second of `date` in `zone`.
pub fn end_of_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let last = date.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time"));
    in_zone(last, zone)
}

/// A wall-clock time in `zone` as an instant. In a repeated hour (clocks go back) it is the
/// later one; in a skipped hour (clocks go forward) the wall clock is read an hour on.
pub fn in_zone(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    let instant = zone.from_local_datetime(&local).latest().or_else(|| zone.from_local_datetime(&(local + chrono::Duration::hours(1))).latest());
    instant.map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_the_end_of_that_day_in_the_groups_zone() {
        let madrid = parse_time_zone("Europe/Madrid").unwrap();
        assert_eq!(parse_deadline("2026-12-01", chrono_tz::UTC).unwrap().to_rfc3339(), "2026-12-01T23:59:59+00:00");
        assert_eq!(parse_deadline("2026-12-01", madrid).unwrap().to_rfc3339(), "2026-12-01T22:59:59+00:00");
        assert_eq!(parse_deadline("2026-07-01", madrid).unwrap().to_rfc3339(), "2026-07-01T21:59:59+00:00");
        assert_eq!(parse_deadline("2026-12-01T10:00:00-05:00", madrid).unwrap().to_rfc3339(), "2026-12-01T15:00:00+00:00");
        assert_eq!(parse_deadline("01/12/2026", madrid), Err(ValidationError::BadDate("01/12/2026".into())));
        assert_eq!(parse_time_zone("Mars/Olympus"), Err(ValidationError::BadTimeZone("Mars/Olympus".into())));
    }
}
