//! Calendar dates from ISO strings ("YYYY-MM-DD", proleptic Gregorian): day of year and days
//! since 1970-01-01, for seasonality features, without a date crate.

use std::fmt;

/// A calendar date, valid by construction (built only by [`Date::parse_iso`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

/// A string that is not a valid ISO date. The caller adds where it came from (file, row,
/// column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// Not of the form YYYY-MM-DD with ASCII digits.
    #[error("\"{value}\" is not a date of the form YYYY-MM-DD (for example 2024-03-31)")]
    Malformed {
        /// The text as given.
        value: String,
    },
    /// The month is not 01..12.
    #[error("\"{value}\": month {month} does not exist; months run from 01 to 12")]
    Month {
        /// The text as given.
        value: String,
        /// The month read.
        month: u32,
    },
    /// The day does not exist in that month (or is 00).
    #[error("\"{value}\": day {day} does not exist; that month has days 01 to {max}")]
    Day {
        /// The text as given.
        value: String,
        /// The day read.
        day: u32,
        /// The last day of that month in that year.
        max: u32,
    },
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` (1..=12) of `year`.
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    /// Parses exactly `YYYY-MM-DD` (four-digit year, two-digit month and day; surrounding
    /// whitespace is trimmed).
    ///
    /// # Errors
    /// [`DateError`] naming what is wrong with the text.
    pub fn parse_iso(text: &str) -> Result<Date, DateError> {
        let value = text.trim();
        let malformed = || DateError::Malformed {
            value: value.to_owned(),
        };
        let b = value.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(malformed());
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            b[range].iter().try_fold(0_u32, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10))
        else {
            return Err(malformed());
        };
        let year = i32::try_from(year).map_err(|_| malformed())?;
        if !(1..=12).contains(&month) {
            return Err(DateError::Month {
                value: value.to_owned(),
                month,
            });
        }
        let max = days_in_month(year, month);
        if !(1..=max).contains(&day) {
            return Err(DateError::Day {
                value: value.to_owned(),
                day,
                max,
            });
        }
        Ok(Date { year, month, day })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1..=12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// The day of the month, 1-based.
    pub fn day(self) -> u32 {
        self.day
    }

    /// The ordinal day in the year, 1-based: 1 January is 1, 31 December is 365 or 366.
    pub fn day_of_year(self) -> u32 {
        let before: u32 = (1..self.month).map(|m| days_in_month(self.year, m)).sum();
        before + self.day
    }

    /// Days since 1970-01-01 (negative before it). Consecutive dates differ by exactly 1, so
    /// this is a continuous clock for seasonality that does not jump at New Year.
    pub fn days_since_epoch(self) -> i64 {
        // Civil-to-days with March-based years (H. Hinnant, "chrono-compatible low-level date
        // algorithms").
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let year_of_era = y - era * 400;
        let m = i64::from(self.month);
        let day_of_year =
            (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }
}

impl Date {
    /// The date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`), the inverse of
    /// [`Date::days_since_epoch`].
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        // In range by construction of the algorithm (day 1..=31, month 1..=12); years are
        // clamped to what an i32 holds.
        Date {
            year: year.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
            month: month as u32,
            day: day as u32,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Day of year (1-based) of an ISO date string; see [`Date::day_of_year`].
///
/// # Errors
/// [`DateError`] when `text` is not a valid `YYYY-MM-DD` date.
pub fn day_of_year(text: &str) -> Result<u32, DateError> {
    Date::parse_iso(text).map(Date::day_of_year)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    #[test]
    fn day_of_year_matches_known_dates() {
        let cases = [
            ("2023-01-01", 1),
            ("2023-02-28", 59),
            ("2023-03-01", 60),
            ("2023-12-31", 365),
            ("2024-02-29", 60),
            ("2024-03-01", 61),
            ("2024-12-31", 366),
            ("2000-12-31", 366),
            ("1900-03-01", 60),
        ];
        for (text, want) in cases {
            assert_eq!(day_of_year(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn days_since_epoch_matches_known_dates() {
        let cases = [
            ("1970-01-01", 0),
            ("1969-12-31", -1),
            ("2000-03-01", 11_017),
            ("2024-02-29", 19_782),
            ("1600-01-01", -135_140),
        ];
        for (text, want) in cases {
            assert_eq!(date(text).days_since_epoch(), want, "{text}");
        }
    }

    #[test]
    fn consecutive_days_are_one_apart_across_years() {
        let pairs = [
            ("2023-12-31", "2024-01-01"),
            ("2024-02-28", "2024-02-29"),
            ("2024-02-29", "2024-03-01"),
            ("2100-02-28", "2100-03-01"),
        ];
        for (a, b) in pairs {
            assert_eq!(date(b).days_since_epoch() - date(a).days_since_epoch(), 1);
        }
    }

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(is_leap_year(2024) && is_leap_year(2000));
        assert!(!is_leap_year(1900) && !is_leap_year(2023) && !is_leap_year(2100));
    }

    #[test]
    fn bad_dates_are_rejected_with_the_reason() {
        assert!(matches!(
            Date::parse_iso("2023-13-01"),
            Err(DateError::Month { month: 13, .. })
        ));
        assert!(matches!(
            Date::parse_iso("2023-02-29"),
            Err(DateError::Day {
                day: 29,
                max: 28,
                ..
            })
        ));
        assert!(matches!(
            Date::parse_iso("2023-04-00"),
            Err(DateError::Day {
                day: 0,
                max: 30,
                ..
            })
        ));
        for text in [
            "2023/01/01",
            "23-01-01",
            "2023-1-01",
            "2023-01-0a",
            "",
            "2023-01-01T00",
        ] {
            assert!(
                matches!(Date::parse_iso(text), Err(DateError::Malformed { .. })),
                "{text}"
            );
        }
        let message = Date::parse_iso("2023-02-30").unwrap_err().to_string();
        assert!(
            message.contains("2023-02-30") && message.contains("28"),
            "{message}"
        );
    }

    #[test]
    fn display_round_trips() {
        assert_eq!(date(" 2024-02-09 ").to_string(), "2024-02-09");
    }

    #[test]
    fn day_counts_round_trip_over_four_centuries() {
        for days in (-146_097..2 * 146_097).step_by(13) {
            let d = Date::from_days_since_epoch(days);
            assert_eq!(d.days_since_epoch(), days);
            assert_eq!(Date::parse_iso(&d.to_string()), Ok(d));
        }
    }
}
