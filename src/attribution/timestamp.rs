//! ISO 8601 date-times as seconds since 1970-01-01 UTC: the forms analytics exports write.
//!
//! Accepted: `2024-03-01`, `2024-03-01T09:30`, `2024-03-01 09:30:15`, fractional seconds
//! (`09:30:15.250`, kept to the millisecond), and a zone `Z`, `+02:00`, `+0200` or `-05`.
//! A date-time without a zone is read as UTC.

/// Seconds in a day.
pub const DAY_SECONDS: f64 = 86_400.0;

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day count from 1970-01-01 (inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD` of a time.
pub fn iso_date(t: Millis) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |acc, &b| {
        acc.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DD` to days since 1970-01-01.
fn parse_date(s: &[u8]) -> Option<i64> {
    if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let year = i64::from(digits(&s[..4])?);
    let month = digits(&s[5..7])?;
    let day = digits(&s[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// A zone suffix (`Z`, `+02:00`, `+0200`, `-05`) to its offset in minutes east of UTC.
fn parse_zone(s: &[u8]) -> Option<i64> {
    match s {
        [] | [b'Z'] | [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [a, b] => (digits(&[*a, *b])?, 0),
                [a, b, b':', c, d] | [a, b, c, d] => (digits(&[*a, *b])?, digits(&[*c, *d])?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = i64::from(h * 60 + m);
            Some(if *sign == b'-' { -minutes } else { minutes })
        }
        _ => None,
    }
}

/// `HH:MM[:SS[.fff]]` followed by an optional zone, to milliseconds into the day and the
/// zone offset in minutes.
fn parse_time(s: &[u8]) -> Option<(i64, i64)> {
    let zone_at = s
        .iter()
        .position(|&b| matches!(b, b'Z' | b'z' | b'+' | b'-'))
        .unwrap_or(s.len());
    let (clock, zone) = s.split_at(zone_at);
    let offset = parse_zone(zone)?;
    let (hms, fraction) = match clock.iter().position(|&b| b == b'.' || b == b',') {
        Some(i) => (&clock[..i], Some(&clock[i + 1..])),
        None => (clock, None),
    };
    let (h, m, sec) = match hms {
        [a, b, b':', c, d] => (digits(&[*a, *b])?, digits(&[*c, *d])?, 0),
        [a, b, b':', c, d, b':', e, f] => {
            (digits(&[*a, *b])?, digits(&[*c, *d])?, digits(&[*e, *f])?)
        }
        _ => return None,
    };
    if h > 24 || m > 59 || sec > 60 || (h == 24 && (m > 0 || sec > 0)) {
        return None;
    }
    let millis = match fraction {
        None => 0,
        Some(f) => {
            digits(f)?;
            let first3: Vec<u8> = f.iter().copied().chain(*b"000").take(3).collect();
            i64::from(digits(&first3)?)
        }
    };
    let ms = (i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(sec)) * 1000 + millis;
    Some((ms, offset))
}

/// Parse an ISO 8601 date or date-time to milliseconds since the epoch, UTC.
pub fn parse_timestamp(text: &str) -> Option<Millis> {
    let s = text.trim().as_bytes();
    if s.len() < 10 {
        return None;
    }
    let day = parse_date(&s[..10])?;
    let midnight = day * 86_400_000;
    match &s[10..] {
        [] => Some(midnight),
        [b'T' | b't' | b' ', rest @ ..] => {
            let (ms, offset) = parse_time(rest)?;
            Some(midnight + ms - offset * 60_000)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_round_trip_and_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for d in (-800_000..800_000).step_by(997) {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn every_accepted_form_parses_to_the_same_instant() {
        let t = parse_timestamp("2024-03-01T09:30:00Z").unwrap();
        assert_eq!(t, 1_709_285_400_000);
        for form in [
            "2024-03-01T09:30",
            "2024-03-01 09:30:00",
            "2024-03-01t09:30:00.000z",
            "2024-03-01T11:30:00+02:00",
            "2024-03-01T11:30:00+0200",
            "2024-03-01T04:30:00-05",
            " 2024-03-01T09:30:00 ",
        ] {
            assert_eq!(parse_timestamp(form), Some(t), "{form}");
        }
        assert_eq!(parse_timestamp("2024-03-01T09:30:00.25"), Some(t + 250));
        assert_eq!(parse_timestamp("2024-03-01"), Some(t - 34_200_000));
        assert_eq!(iso_date(t), "2024-03-01");
    }

    #[test]
    fn impossible_dates_and_other_text_are_refused() {
        for bad in [
            "",
            "yesterday",
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "01/03/2024",
            "2024-03-01T25:00",
            "2024-03-01T09:60",
            "2024-03-01T09:30:00+2",
            "2024-03-01T09:30:00.x",
            "2024-03-01X09:30",
            "1710000000",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert!(parse_timestamp("2024-02-29").is_some());
    }
}
