//! ISO calendar dates (`YYYY-MM-DD`, proleptic Gregorian): parsing, day counts, day of year.

use std::fmt;

/// A calendar date, valid by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    year: i64,
    month: u32,
    day: u32,
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The value of a run of ASCII digits, or `None` if any byte is not a digit.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

impl Date {
    /// Parse exactly `YYYY-MM-DD` (four-digit year, two-digit month and day) into a real date.
    pub(crate) fn parse_iso(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let year = i64::from(digits(&bytes[0..4])?);
        let month = digits(&bytes[5..7])?;
        let day = digits(&bytes[8..10])?;
        let valid = (1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day);
        valid.then_some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
    pub(crate) fn days_since_epoch(self) -> i64 {
        let month = i64::from(self.month);
        let year = if month <= 2 { self.year - 1 } else { self.year };
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let shifted_month = if month > 2 { month - 3 } else { month + 9 };
        let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
    pub(crate) fn from_days_since_epoch(days: i64) -> Date {
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
        // Both values are in range by construction of the algorithm (day 1..=31, month 1..=12).
        Date {
            year,
            month: month as u32,
            day: day as u32,
        }
    }

    /// Day of the year, 1 for January 1st.
    pub(crate) fn day_of_year(self) -> u32 {
        let january_first = Date {
            year: self.year,
            month: 1,
            day: 1,
        };
        // At most 365, so the cast is exact.
        (self.days_since_epoch() - january_first.days_since_epoch() + 1) as u32
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse_iso(text).unwrap_or_else(|| panic!("test date {text} should parse"))
    }

    #[test]
    fn parses_iso_dates_and_rejects_everything_else() {
        assert_eq!(
            date("2018-04-02"),
            Date {
                year: 2018,
                month: 4,
                day: 2
            }
        );
        for bad in [
            "2018-4-02",
            "02/04/2018",
            "2018-13-01",
            "2018-00-10",
            "2018-02-29",
            "2018-04-31",
            "2018-04-02T00:00:00",
            "2018/04/02",
            "",
            "２018-04-02",
            "+018-04-02",
            "2018-04-0a",
        ] {
            assert_eq!(Date::parse_iso(bad), None, "{bad:?} should be rejected");
        }
        assert_eq!(date("2020-02-29").day_of_year(), 60);
    }

    #[test]
    fn epoch_day_counts_match_known_values() {
        assert_eq!(date("1970-01-01").days_since_epoch(), 0);
        assert_eq!(date("2000-03-01").days_since_epoch(), 11_017);
        assert_eq!(date("1969-12-31").days_since_epoch(), -1);
        assert_eq!(
            date("2021-08-30").days_since_epoch() - date("2018-04-02").days_since_epoch(),
            178 * 7
        );
    }

    #[test]
    fn day_counts_round_trip_over_four_centuries() {
        let start = date("1900-01-01").days_since_epoch();
        let mut previous = Date::from_days_since_epoch(start - 1);
        for days in start..start + 146_097 {
            let d = Date::from_days_since_epoch(days);
            assert_eq!(d.days_since_epoch(), days);
            assert!(d > previous);
            assert_eq!(Date::parse_iso(&d.to_string()), Some(d));
            previous = d;
        }
    }

    #[test]
    fn day_of_year_counts_from_january_first() {
        assert_eq!(date("2018-01-01").day_of_year(), 1);
        assert_eq!(date("2018-04-02").day_of_year(), 92);
        assert_eq!(date("2018-12-31").day_of_year(), 365);
        assert_eq!(date("2020-12-31").day_of_year(), 366);
        assert_eq!(date("2000-03-01").day_of_year(), 61);
        assert_eq!(date("1900-03-01").day_of_year(), 60);
    }
}
