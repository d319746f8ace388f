//! The date column: parse it, check it is sorted, unique and regular, and infer the period.

use super::csv_reader::RawColumn;
use super::error::{DataError, DateStep, MAX_LISTED_DATES};
use crate::transform::Date;

/// The validated dates of a series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Timeline {
    /// The dates, ISO formatted.
    pub iso: Vec<String>,
    /// Day of year of each date (1 = January 1st).
    pub day_of_year: Vec<f64>,
    /// Days between consecutive periods (7 weekly, 1 daily).
    pub period_days: u32,
}

/// The lower median of the steps between consecutive dates, in days; 1 for a single date.
fn median_step(days: &[i64]) -> i64 {
    let mut steps: Vec<i64> = days.windows(2).map(|w| w[1] - w[0]).collect();
    steps.sort_unstable();
    steps
        .get(steps.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(1)
}

/// Where an error is: the file, the date column and the lines of the rows involved.
struct Place<'a> {
    file: &'a str,
    column: &'a RawColumn,
    lines: &'a [u64],
}

impl Place<'_> {
    fn parse(&self) -> Result<Vec<Date>, DataError> {
        self.column
            .cells
            .iter()
            .zip(self.lines)
            .map(|(text, &line)| {
                Date::parse_iso(text)
                    .ok()
                    .ok_or_else(|| DataError::BadDate {
                        file: self.file.to_string(),
                        line,
                        column: self.column.name.clone(),
                        value: text.clone(),
                    })
            })
            .collect()
    }

    /// Refuse repeated or decreasing dates (row `i` against row `i - 1`).
    fn check_order(&self, dates: &[Date]) -> Result<(), DataError> {
        for i in 1..dates.len() {
            let (file, column) = (self.file.to_string(), self.column.name.clone());
            let (line, date) = (self.lines[i], dates[i].to_string());
            if dates[i] == dates[i - 1] {
                let first_line = self.lines[i - 1];
                return Err(DataError::DuplicateDate {
                    file,
                    line,
                    column,
                    date,
                    first_line,
                });
            }
            if dates[i] < dates[i - 1] {
                let (previous, previous_line) = (dates[i - 1].to_string(), self.lines[i - 1]);
                return Err(DataError::UnsortedDates {
                    file,
                    line,
                    column,
                    date,
                    previous,
                    previous_line,
                });
            }
        }
        Ok(())
    }

    /// Refuse steps that are not one period: irregular ones and gaps of whole periods.
    fn check_regular(&self, dates: &[Date], days: &[i64], period: i64) -> Result<(), DataError> {
        for i in 1..days.len() {
            let step = days[i] - days[i - 1];
            if step == period {
                continue;
            }
            let (file, column) = (self.file.to_string(), self.column.name.clone());
            let rows = Box::new(DateStep {
                previous: dates[i - 1].to_string(),
                previous_line: self.lines[i - 1],
                date: dates[i].to_string(),
                line: self.lines[i],
            });
            if step % period != 0 {
                return Err(DataError::IrregularDates {
                    file,
                    column,
                    rows,
                    days: step,
                    period,
                });
            }
            let missing_count = usize::try_from(step / period - 1).unwrap_or(usize::MAX);
            let missing = (1..=MAX_LISTED_DATES.min(missing_count) as i64)
                .map(|k| Date::from_days_since_epoch(days[i - 1] + k * period).to_string())
                .collect();
            return Err(DataError::DateGap {
                file,
                column,
                rows,
                period,
                missing_count,
                missing,
            });
        }
        Ok(())
    }
}

/// Every cell of the date column that is not an ISO date, with its line.
pub(crate) fn bad_dates(file: &str, column: &RawColumn, lines: &[u64]) -> Vec<(u64, DataError)> {
    column
        .cells
        .iter()
        .zip(lines)
        .filter(|(text, _)| Date::parse_iso(text).is_err())
        .map(|(text, &line)| {
            let err = DataError::BadDate {
                file: file.to_string(),
                line,
                column: column.name.clone(),
                value: text.clone(),
            };
            (line, err)
        })
        .collect()
}

/// Parse and check the date column; `lines` holds the line of each row.
pub(crate) fn build_timeline(
    file: &str,
    column: &RawColumn,
    lines: &[u64],
) -> Result<Timeline, DataError> {
    let place = Place {
        file,
        column,
        lines,
    };
    let dates = place.parse()?;
    place.check_order(&dates)?;
    let days: Vec<i64> = dates.iter().map(|d| d.days_since_epoch()).collect();
    let period = median_step(&days);
    place.check_regular(&dates, &days, period)?;
    Ok(Timeline {
        iso: dates.iter().map(Date::to_string).collect(),
        day_of_year: dates.iter().map(|d| f64::from(d.day_of_year())).collect(),
        // Sorted, distinct four-digit-year dates are less than 10^7 days apart.
        period_days: u32::try_from(period).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::error::ColumnRole;
    use crate::data::load::tests::{load_str, request};

    fn weekly(dates: &[&str]) -> String {
        let mut text = String::from("date_week,y,x1,x2,event_1\n");
        for (i, d) in dates.iter().enumerate() {
            text += &format!(
                "{d},{},{},{},{}\n",
                10 + i,
                i % 3,
                i % 2,
                usize::from(i == 1)
            );
        }
        text
    }

    fn timeline(dates: &[&str]) -> Result<Timeline, DataError> {
        let column = RawColumn {
            index: 0,
            name: "date".to_string(),
            role: ColumnRole::Date,
            cells: dates.iter().map(|d| d.to_string()).collect(),
        };
        let lines: Vec<u64> = (2..2 + dates.len() as u64).collect();
        build_timeline("d.csv", &column, &lines)
    }

    #[test]
    fn daily_and_weekly_periods_are_detected() {
        let daily = timeline(&["2020-02-27", "2020-02-28", "2020-02-29", "2020-03-01"]);
        let daily = daily.expect("regular daily series");
        assert_eq!(daily.period_days, 1);
        assert_eq!(daily.day_of_year, vec![58.0, 59.0, 60.0, 61.0]);
        let weekly = timeline(&["2020-12-21", "2020-12-28", "2021-01-04"]).expect("weekly");
        assert_eq!(weekly.period_days, 7);
        assert_eq!(weekly.iso[2], "2021-01-04");
    }

    #[test]
    fn median_step_ignores_a_single_outlier() {
        assert_eq!(median_step(&[0, 7, 14, 28, 35]), 7);
        assert_eq!(median_step(&[0, 1, 2, 3, 10]), 1);
        assert_eq!(median_step(&[5]), 1);
    }

    #[test]
    fn bad_date_shows_the_iso_form() {
        let err = load_str(&weekly(&["2020-01-06", "13/01/2020"]), &request()).expect_err("bad");
        let msg = err.to_string();
        assert!(
            msg.contains("data.csv line 3, column \"date_week\": \"13/01/2020\" is not a date"),
            "{msg}"
        );
        assert!(msg.contains("write dates as YYYY-MM-DD"), "{msg}");
    }

    #[test]
    fn duplicate_date_names_both_lines() {
        let text = weekly(&["2020-01-06", "2020-01-13", "2020-01-13", "2020-01-20"]);
        let err = load_str(&text, &request()).expect_err("duplicate");
        let msg = err.to_string();
        assert!(
            msg.contains("line 4, column \"date_week\": date 2020-01-13 appears again"),
            "{msg}"
        );
        assert!(
            msg.contains("(first on line 3); keep one row per period"),
            "{msg}"
        );
    }

    #[test]
    fn unsorted_dates_ask_for_sorting() {
        let text = weekly(&["2020-01-06", "2020-01-20", "2020-01-13", "2020-01-27"]);
        let err = load_str(&text, &request()).expect_err("unsorted");
        let msg = err.to_string();
        assert!(msg.contains("data.csv line 4, column \"date_week\": date 2020-01-13 comes after 2020-01-20 (line 3)"), "{msg}");
        assert!(msg.contains("sort the rows by date, oldest first"), "{msg}");
    }

    #[test]
    fn gap_lists_the_missing_weeks() {
        let text = weekly(&[
            "2020-01-06",
            "2020-01-13",
            "2020-02-03",
            "2020-02-10",
            "2020-02-17",
        ]);
        let err = load_str(&text, &request()).expect_err("gap");
        assert!(matches!(
            err,
            DataError::DateGap {
                missing_count: 2,
                period: 7,
                ..
            }
        ));
        let msg = err.to_string();
        assert!(msg.contains(
            "data.csv line 4, column \"date_week\": 2 weeks missing between 2020-01-13 (line 3) \
             and 2020-02-03: 2020-01-20, 2020-01-27; add rows for the missing dates"
        ), "{msg}");
    }

    #[test]
    fn long_gap_counts_what_it_does_not_list() {
        let err =
            timeline(&["2020-01-01", "2020-01-02", "2020-03-01", "2020-03-02"]).expect_err("gap");
        let DataError::DateGap {
            missing_count,
            missing,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(*missing_count, 58);
        assert_eq!(missing.len(), MAX_LISTED_DATES);
        assert_eq!(missing[0], "2020-01-03");
        assert!(err.to_string().contains("58 days missing"));
        assert!(err.to_string().contains("2020-01-12 and 48 more"));
    }

    #[test]
    fn irregular_step_is_refused() {
        let text = weekly(&[
            "2020-01-06",
            "2020-01-13",
            "2020-01-20",
            "2020-01-30",
            "2020-02-06",
        ]);
        let err = load_str(&text, &request()).expect_err("irregular");
        let msg = err.to_string();
        assert!(msg.contains("line 5, column \"date_week\": date 2020-01-30 is 10 days after 2020-01-20 (line 4), but the series steps by 7 days"), "{msg}");
        assert!(msg.contains("provide a regular series"), "{msg}");
    }
}
