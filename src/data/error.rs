//! Everything that can be wrong with a data file, each message saying where and what to do.
//!
//! Locations are given as `line N`: the physical line of the file on which the row starts, the
//! header being line 1 (so the first data row is line 2). This is the number an editor shows.

use std::fmt;

use thiserror::Error;

/// The role a column plays in the model; it shapes the advice in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnRole {
    /// The column holding the period dates.
    Date,
    /// The outcome the model explains.
    Target,
    /// A media channel's spend.
    Channel,
    /// A control variable (events, price, competitor activity...).
    Control,
    /// The group of a panel row (geo, market, customer).
    Group,
    /// A panel group's population.
    Population,
}

impl ColumnRole {
    /// Advice for a missing value in a column of this role.
    fn missing_hint(self) -> &'static str {
        match self {
            ColumnRole::Channel => "fill it in (0 for a period without spend)",
            ColumnRole::Control => "fill it in (0 if the control was absent)",
            ColumnRole::Group => "fill it in; every row of a panel belongs to one group",
            ColumnRole::Population => "fill it in with the group's population",
            ColumnRole::Target | ColumnRole::Date => {
                "fill it in; every period needs a date and an observed target"
            }
        }
    }
}

impl fmt::Display for ColumnRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnRole::Date => "date",
            ColumnRole::Target => "target",
            ColumnRole::Channel => "channel",
            ColumnRole::Control => "control",
            ColumnRole::Group => "group",
            ColumnRole::Population => "population",
        })
    }
}

/// Two consecutive rows of the date column, for errors about the step between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateStep {
    /// The earlier date, ISO formatted.
    pub previous: String,
    /// Line of the earlier row (header = line 1).
    pub previous_line: u64,
    /// The later date, ISO formatted.
    pub date: String,
    /// Line of the later row (header = line 1).
    pub line: u64,
}

/// Why a data file could not be turned into a [`Dataset`](crate::Dataset).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("cannot read {file}: {source}; check the path given by --data or [data] path")]
    Unreadable {
        /// The file as named by the user.
        file: String,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file holds no header line.
    #[error(
        "{file} is empty; expected a header line (date, target, one column per channel and \
         control) followed by one row per period"
    )]
    Empty {
        /// The file as named by the user.
        file: String,
    },
    /// The file has a header but no data rows.
    #[error("{file} has a header but no data rows; add one row per period")]
    NoRows {
        /// The file as named by the user.
        file: String,
    },
    /// A row has a different number of fields than the header.
    #[error(
        "{file} line {line}: {found} fields, but the header has {expected}; check for a missing \
         or extra comma (quote any field that contains a comma)"
    )]
    RaggedRow {
        /// The file as named by the user.
        file: String,
        /// Line of the row (header = line 1).
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// The CSV could not be parsed at all (bad UTF-8, broken quoting...).
    #[error("{file} line {line}: not readable as CSV ({detail}); save the file as UTF-8 CSV")]
    Malformed {
        /// The file as named by the user.
        file: String,
        /// Line where parsing failed (header = line 1).
        line: u64,
        /// What the CSV parser reported.
        detail: String,
    },
    /// The header names the same column twice.
    #[error("{file} line 1: column \"{column}\" appears twice in the header; rename one of them")]
    DuplicateColumn {
        /// The file as named by the user.
        file: String,
        /// The repeated header name.
        column: String,
    },
    /// The model names one column in two roles.
    #[error(
        "the model uses column \"{column}\" both as {first} and as {second}; give each column \
         one role"
    )]
    ColumnRoleConflict {
        /// The column named twice.
        column: String,
        /// Its first role in the model.
        first: ColumnRole,
        /// Its second role in the model.
        second: ColumnRole,
    },
    /// The model names a column the file does not have.
    #[error(
        "{file}: no column \"{column}\" (the model's {role} column); the file's columns are: \
         {}; {}",
        .available.join(", "),
        .suggestion.as_ref().map_or_else(
            || "fix the column name in the model file or in the header".to_string(),
            |s| format!("did you mean \"{s}\"?")
        )
    )]
    MissingColumn {
        /// The file as named by the user.
        file: String,
        /// The column the model asked for.
        column: String,
        /// The role the model gives it.
        role: ColumnRole,
        /// The nearest header name, if one is close.
        suggestion: Option<String>,
        /// All header names, in file order.
        available: Vec<String>,
    },
    /// A cell is empty or holds a missing-value marker such as `NA`.
    #[error("{file} line {line}, column \"{column}\": missing value; {}", .role.missing_hint())]
    MissingValue {
        /// The file as named by the user.
        file: String,
        /// Line of the row (header = line 1).
        line: u64,
        /// The column.
        column: String,
        /// The role the model gives the column.
        role: ColumnRole,
    },
    /// A cell is not a number.
    #[error(
        "{file} line {line}, column \"{column}\": \"{value}\" is not a number; write plain \
         decimal numbers such as 1234.5 (no currency symbols, thousands separators or decimal \
         commas)"
    )]
    NotANumber {
        /// The file as named by the user.
        file: String,
        /// Line of the row (header = line 1).
        line: u64,
        /// The column.
        column: String,
        /// The cell as written.
        value: String,
    },
    /// A cell parses to an infinite number.
    #[error(
        "{file} line {line}, column \"{column}\": \"{value}\" is not a finite number; replace it \
         with a finite value"
    )]
    NonFinite {
        /// The file as named by the user.
        file: String,
        /// Line of the row (header = line 1).
        line: u64,
        /// The column.
        column: String,
        /// The cell as written.
        value: String,
    },
    /// A channel's spend is below zero.
    #[error(
        "{file} line {line}, column \"{column}\": negative spend {value:?}; spend must be >= 0 \
         (record refunds or credits elsewhere)"
    )]
    NegativeSpend {
        /// The file as named by the user.
        file: String,
        /// Line of the row (header = line 1).
        line: u64,
        /// The channel column.
        column: String,
        /// The negative value.
        value: f64,
    },
    /// A date is not an ISO `YYYY-MM-DD` calendar date.
    #[error(
        "{file} line {line}, column \"{column}\": \"{value}\" is not a date in ISO form; write \
         dates as YYYY-MM-DD, e.g. 2021-08-30 (no time part)"
    )]
    BadDate {
        /// The file as named by the user.
        file: String,
        /// Line of the row (header = line 1).
        line: u64,
        /// The date column.
        column: String,
        /// The cell as written.
        value: String,
    },
    /// Two rows carry the same date.
    #[error(
        "{file} line {line}, column \"{column}\": date {date} appears again (first on line \
         {first_line}); keep one row per period (sum the duplicates)"
    )]
    DuplicateDate {
        /// The file as named by the user.
        file: String,
        /// Line of the repeated row (header = line 1).
        line: u64,
        /// The date column.
        column: String,
        /// The repeated date.
        date: String,
        /// Line of its first occurrence.
        first_line: u64,
    },
    /// A date is earlier than the row before it.
    #[error(
        "{file} line {line}, column \"{column}\": date {date} comes after {previous} (line \
         {previous_line}); sort the rows by date, oldest first"
    )]
    UnsortedDates {
        /// The file as named by the user.
        file: String,
        /// Line of the out-of-order row (header = line 1).
        line: u64,
        /// The date column.
        column: String,
        /// The out-of-order date.
        date: String,
        /// The date on the row before.
        previous: String,
        /// Line of the row before.
        previous_line: u64,
    },
    /// The step between two dates is not a multiple of the series' period.
    #[error(
        "{file} line {}, column \"{column}\": date {} is {days} days after {} (line {}), but the \
         series steps by {period} days; provide a regular series (one row per day or per week)",
        .rows.line, .rows.date, .rows.previous, .rows.previous_line
    )]
    IrregularDates {
        /// The file as named by the user.
        file: String,
        /// The date column.
        column: String,
        /// The two rows around the irregular step.
        rows: Box<DateStep>,
        /// Days between the two dates.
        days: i64,
        /// The inferred period in days (median step).
        period: i64,
    },
    /// Periods are missing from a regular series.
    #[error(
        "{file} line {}, column \"{column}\": {} missing between {} (line {}) and {}: {}; add \
         rows for the missing dates (spend 0 if there was none)",
        .rows.line,
        period_count(*.period, *.missing_count),
        .rows.previous,
        .rows.previous_line,
        .rows.date,
        list_dates(.missing, *.missing_count)
    )]
    DateGap {
        /// The file as named by the user.
        file: String,
        /// The date column.
        column: String,
        /// The two rows around the gap.
        rows: Box<DateStep>,
        /// The inferred period in days.
        period: i64,
        /// How many periods are missing.
        missing_count: usize,
        /// The first missing dates (at most ten), ISO formatted.
        missing: Vec<String>,
    },
    /// A channel has zero spend in every period.
    #[error(
        "{file}, column \"{column}\": the channel has zero spend in every period, so its effect \
         cannot be estimated; remove it from the model"
    )]
    ZeroChannel {
        /// The file as named by the user.
        file: String,
        /// The channel column.
        column: String,
    },
    /// A channel spends the same amount in every period.
    #[error(
        "{file}, column \"{column}\": the channel spends {value:?} in every period, so its \
         effect cannot be told apart from the intercept; remove it or provide data with varying \
         spend"
    )]
    ConstantChannel {
        /// The file as named by the user.
        file: String,
        /// The channel column.
        column: String,
        /// The constant spend.
        value: f64,
    },
    /// The target takes the same value in every period.
    #[error(
        "{file}, column \"{column}\": the target is {value:?} in every period, so there is \
         nothing to explain; check that the model names the right target column"
    )]
    ConstantTarget {
        /// The file as named by the user.
        file: String,
        /// The target column.
        column: String,
        /// The constant value.
        value: f64,
    },
    /// A control takes the same value in every period.
    #[error(
        "{file}, column \"{column}\": the control is {value:?} in every period, so its effect \
         cannot be told apart from the intercept; remove it from the model"
    )]
    ConstantControl {
        /// The file as named by the user.
        file: String,
        /// The control column.
        column: String,
        /// The constant value.
        value: f64,
    },
    /// The file is separated by semicolons or tabs (a spreadsheet export in a locale that
    /// writes decimal commas), not commas.
    #[error(
        "{file} line 1: the header is separated by {delimiter}, not commas{}; mmm reads \
         comma-separated files with a decimal point: export again as CSV with ',' between \
         fields and '.' for decimals (e.g. 1234.5)",
        if *.decimal_comma { ", and numbers use decimal commas (1234,5)" } else { "" }
    )]
    Delimiter {
        /// The file as named by the user.
        file: String,
        /// `semicolons` or `tabs`.
        delimiter: &'static str,
        /// Whether the rows hold numbers with a decimal comma.
        decimal_comma: bool,
    },
    /// Several problems, every one found, in file order (the list capped).
    #[error("{file}: {} problems, in file order:{}", .problems.len() + .more, list_problems(.problems, *.more))]
    Several {
        /// The file as named by the user.
        file: String,
        /// The first problems, in file order.
        problems: Vec<DataError>,
        /// How many more were found and not listed.
        more: usize,
    },
    /// A panel group's population is not one positive number.
    #[error(
        "{file} line {line}, column \"{column}\": population {value:?} of group \"{group}\" \
         {problem}; give each group one positive population on every row"
    )]
    Population {
        /// The file as named by the user.
        file: String,
        /// Line of the row.
        line: u64,
        /// The population column.
        column: String,
        /// The group.
        group: String,
        /// The value on that row.
        value: f64,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Panel groups observed at different frequencies.
    #[error(
        "{file}: group \"{group}\" has a period of {days} days but group \"{first}\" has \
         {first_days}; every group of a panel needs the same frequency (aggregate to one)"
    )]
    PanelPeriods {
        /// The file as named by the user.
        file: String,
        /// The first group.
        first: String,
        /// Its period in days.
        first_days: u32,
        /// The group that differs.
        group: String,
        /// Its period in days.
        days: u32,
    },
    /// The file has fewer rows than the model needs.
    #[error(
        "{file}: {rows} data rows, but the model needs at least {needed} to identify its \
         parameters; provide at least {needed} rows, or simplify the model (fewer channels, \
         controls or Fourier terms)"
    )]
    TooFewRows {
        /// The file as named by the user.
        file: String,
        /// Data rows in the file.
        rows: usize,
        /// Rows the model needs.
        needed: usize,
    },
}

/// Most missing dates an error carries and lists before counting the rest.
pub(crate) const MAX_LISTED_DATES: usize = 10;
/// Most problems one error lists before counting the rest.
pub const MAX_LISTED_PROBLEMS: usize = 20;

impl DataError {
    /// One error for every problem found: `Ok` for none, the problem itself for one, else
    /// [`DataError::Several`]. `found` holds (line, column position, error); they are put in
    /// file order, and at most [`MAX_LISTED_PROBLEMS`] are kept.
    pub(crate) fn all(
        file: &str,
        mut found: Vec<(u64, usize, DataError)>,
    ) -> Result<(), DataError> {
        found.sort_by_key(|(line, column, _)| (*line, *column));
        let more = found.len().saturating_sub(MAX_LISTED_PROBLEMS);
        let mut problems: Vec<DataError> = found
            .into_iter()
            .take(MAX_LISTED_PROBLEMS)
            .map(|(_, _, e)| e)
            .collect();
        match problems.len() {
            0 => Ok(()),
            1 if more == 0 => Err(problems.remove(0)),
            _ => Err(DataError::Several {
                file: file.to_string(),
                problems,
                more,
            }),
        }
    }

    /// The problems this error stands for: itself, or the list of [`DataError::Several`].
    pub fn problems(&self) -> &[DataError] {
        match self {
            DataError::Several { problems, .. } => problems,
            one => std::slice::from_ref(one),
        }
    }
}

fn list_problems(problems: &[DataError], more: usize) -> String {
    let mut out = String::new();
    for p in problems {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    if more > 0 {
        out.push_str(&format!("\n  and {more} more"));
    }
    out
}

fn period_count(period: i64, n: usize) -> String {
    let unit = match period {
        1 => "day",
        7 => "week",
        _ => "period",
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {unit}{plural}")
}

fn list_dates(shown: &[String], total: usize) -> String {
    let listed = shown.join(", ");
    match total.saturating_sub(shown.len()) {
        0 => listed,
        more => format!("{listed} and {more} more"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_gap_lists_ten_dates_then_counts_the_rest() {
        let missing: Vec<String> = (1..=10).map(|d| format!("2020-01-{d:02}")).collect();
        let listed = list_dates(&missing, 12);
        assert!(listed.ends_with("2020-01-10 and 2 more"), "{listed}");
        assert_eq!(list_dates(&missing[..2], 2), "2020-01-01, 2020-01-02");
    }

    #[test]
    fn period_count_names_days_and_weeks() {
        assert_eq!(period_count(7, 1), "1 week");
        assert_eq!(period_count(1, 3), "3 days");
        assert_eq!(period_count(14, 2), "2 periods");
    }
}
