//! `[calibration]`: the lift-test table named by the model file, read and checked against the
//! model's channels (unknown channels, bad dates, bad numbers, a non-positive `lift_sd`).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

use super::check::Checker;
use super::model_spec::ChannelSpec;
use crate::transform::{Date, DateError};

/// Degrees of freedom of the Student-t lift likelihood when `lift_nu` is not given: heavy
/// tails that forgive one test far from the others, as in robust regression (Lange, Little &
/// Taylor 1989 use ν = 4; 3 is the smallest with a finite variance).
pub const DEFAULT_LIFT_NU: f64 = 3.0;

/// Periods whose mean spend is the baseline of a window after the data (the scenario file's
/// default: one quarter of weeks).
pub const DEFAULT_REFERENCE_PERIODS: usize = 13;

/// The columns of a lift-test file, in the order the docs list them.
pub const LIFT_COLUMNS: [&str; 6] = ["channel", "start", "end", "spend_change", "lift", "lift_sd"];

/// `[calibration]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCalibration {
    pub lift_tests: Option<Spanned<String>>,
    pub lift_likelihood: Option<Spanned<String>>,
    pub lift_nu: Option<Spanned<f64>>,
    pub reference_periods: Option<Spanned<i64>>,
}

/// `[calibration]`, checked, with its lift tests read.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CalibrationSpec {
    /// The lift-test CSV, resolved against the model file's folder.
    pub path: PathBuf,
    /// One entry per CSV row.
    pub tests: Vec<LiftTest>,
    /// How a measured lift scatters around the model's.
    pub likelihood: LiftLikelihood,
    /// Periods at the end of the data whose mean spend stands in for spend after the data.
    pub reference_periods: usize,
}

/// The observation model of a measured lift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LiftLikelihood {
    /// lift ~ Normal(model_lift, lift_sd).
    Normal,
    /// lift ~ Student-t(nu, model_lift, lift_sd).
    StudentT {
        /// Degrees of freedom (> 0).
        nu: f64,
    },
}

/// One experiment: a spend change on some channels over a window, and the lift it measured.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LiftTest {
    /// 1-based data row in the CSV (the header is row 0).
    pub row: usize,
    /// The `channel` cell as written (`tv` or `tv+radio`).
    pub label: String,
    /// Indices into the model's channels.
    pub channels: Vec<usize>,
    /// First day of the window.
    pub start: Date,
    /// Last day of the window (inclusive).
    pub end: Date,
    /// Total change of spend over the window, original currency (negative: a holdout).
    pub spend_change: f64,
    /// Measured incremental outcome over the window and its carryover, original units.
    pub lift: f64,
    /// Standard error of `lift` (> 0).
    pub lift_sd: f64,
}

/// A lift-test file that cannot be read or does not fit the model.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CalibrationError {
    /// The file could not be opened.
    #[error(
        "cannot read lift-test file {}: {source}; [calibration] lift_tests is taken relative \
         to the model file",
        path.display()
    )]
    Read {
        /// The path tried.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Not readable as CSV.
    #[error("{file}: {message}; the file must be CSV with a header row")]
    Csv {
        /// The file.
        file: String,
        /// The reader's message.
        message: String,
    },
    /// A required column is absent.
    #[error(
        "{file}: no column \"{column}\" in the header ({header}); a lift-test file needs the \
         columns channel,start,end,spend_change,lift,lift_sd"
    )]
    MissingColumn {
        /// The file.
        file: String,
        /// The column missing.
        column: String,
        /// The header as read.
        header: String,
    },
    /// No test in the file.
    #[error("{file}: no lift tests; add one row per experiment, or remove [calibration]")]
    Empty {
        /// The file.
        file: String,
    },
    /// A channel the model does not have.
    #[error(
        "{file} row {row}, column \"channel\": unknown channel \"{value}\"{hint}; the model's \
         channels are {known} (several channels of one test are joined with +)"
    )]
    UnknownChannel {
        /// The file.
        file: String,
        /// 1-based data row.
        row: usize,
        /// The name not found.
        value: String,
        /// ` (did you mean "tv"?)` or empty.
        hint: String,
        /// The model's channel names.
        known: String,
    },
    /// A channel named twice in one test.
    #[error(
        "{file} row {row}, column \"channel\": channel \"{value}\" appears twice; name each \
         channel of a test once"
    )]
    RepeatedChannel {
        /// The file.
        file: String,
        /// 1-based data row.
        row: usize,
        /// The repeated name.
        value: String,
    },
    /// A cell that is not a date.
    #[error("{file} row {row}, column \"{column}\": {source}")]
    BadDate {
        /// The file.
        file: String,
        /// 1-based data row.
        row: usize,
        /// `start` or `end`.
        column: &'static str,
        /// What is wrong with it.
        #[source]
        source: DateError,
    },
    /// A window that ends before it starts.
    #[error(
        "{file} row {row}: end {end} is before start {start}; the window runs from start to \
         end inclusive"
    )]
    EndBeforeStart {
        /// The file.
        file: String,
        /// 1-based data row.
        row: usize,
        /// The start as written.
        start: String,
        /// The end as written.
        end: String,
    },
    /// A cell that is not a finite number.
    #[error("{file} row {row}, column \"{column}\": \"{value}\" is not a finite number; {fix}")]
    BadNumber {
        /// The file.
        file: String,
        /// 1-based data row.
        row: usize,
        /// The column.
        column: &'static str,
        /// The cell.
        value: String,
        /// What to write instead.
        fix: &'static str,
    },
    /// A spend change of zero measures nothing.
    #[error(
        "{file} row {row}, column \"spend_change\": 0 moves no spend, so the test says \
         nothing about the channel; give the total change of spend over the window \
         (negative for a holdout)"
    )]
    ZeroSpendChange {
        /// The file.
        file: String,
        /// 1-based data row.
        row: usize,
    },
    /// A standard error that is zero or negative.
    #[error(
        "{file} row {row}, column \"lift_sd\": {value} is not positive; give the lift's \
         standard error (> 0), e.g. half the width of its 68% interval"
    )]
    NonPositiveSd {
        /// The file.
        file: String,
        /// 1-based data row.
        row: usize,
        /// The value.
        value: f64,
    },
}

impl Checker<'_> {
    /// `[calibration]`'s keys; the tests themselves are read by [`read_lift_tests`] once the
    /// rest of the file is valid.
    pub(super) fn calibration(
        &mut self,
        raw: &Spanned<RawCalibration>,
        base: Option<&Path>,
    ) -> (Option<PathBuf>, LiftLikelihood, usize) {
        let r = raw.get_ref();
        let path = match &r.lift_tests {
            Some(p) if !p.get_ref().trim().is_empty() => {
                let path = PathBuf::from(p.get_ref());
                Some(match base {
                    Some(base) if path.is_relative() => base.join(path),
                    _ => path,
                })
            }
            Some(p) => {
                let message = "is empty; name the lift-test CSV, relative to this model file";
                self.push(
                    "calibration.lift_tests",
                    Some("\"\"".into()),
                    &p.span(),
                    message.into(),
                );
                None
            }
            None => {
                let message = "missing; name the lift-test CSV (columns channel,start,end,\
                               spend_change,lift,lift_sd), or remove [calibration]";
                self.push("calibration.lift_tests", None, &raw.span(), message.into());
                None
            }
        };
        let family = self.choice(
            "calibration.lift_likelihood",
            r.lift_likelihood.as_ref(),
            &[("normal", false), ("student_t", true)],
            false,
        );
        let nu = self.float(
            "calibration.lift_nu",
            r.lift_nu.as_ref(),
            |v| v > 0.0 && v.is_finite(),
            "must be a positive number (degrees of freedom of the Student-t lift likelihood)",
            DEFAULT_LIFT_NU,
        );
        if r.lift_nu.is_some() && !family {
            let span = r.lift_nu.as_ref().map(Spanned::span).unwrap_or_default();
            let message = "applies only with lift_likelihood = \"student_t\"; remove it or \
                           set lift_likelihood";
            self.push("calibration.lift_nu", None, &span, message.into());
        }
        let reference = self.count(
            "calibration.reference_periods",
            r.reference_periods.as_ref(),
            1,
            " (periods whose mean spend is the baseline of a window after the data)",
            DEFAULT_REFERENCE_PERIODS,
        );
        let likelihood = if family {
            LiftLikelihood::StudentT { nu }
        } else {
            LiftLikelihood::Normal
        };
        (path, likelihood, reference)
    }
}

/// Reads the lift tests of `path` and resolves their channels among `channels`.
pub(super) fn read_lift_tests(
    path: &Path,
    channels: &[ChannelSpec],
) -> Result<Vec<LiftTest>, CalibrationError> {
    let file = std::fs::File::open(path).map_err(|source| CalibrationError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_lift_tests(file, &path.display().to_string(), channels)
}

/// Reads lift tests from CSV text; `file` names it in messages.
pub(super) fn parse_lift_tests(
    reader: impl std::io::Read,
    file: &str,
    channels: &[ChannelSpec],
) -> Result<Vec<LiftTest>, CalibrationError> {
    let csv_error = |e: csv::Error| CalibrationError::Csv {
        file: file.to_string(),
        message: e.to_string(),
    };
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header: Vec<String> = csv
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(str::to_string)
        .collect();
    let mut index = [0; 6];
    for (slot, column) in index.iter_mut().zip(LIFT_COLUMNS) {
        *slot = header.iter().position(|h| h == column).ok_or_else(|| {
            CalibrationError::MissingColumn {
                file: file.to_string(),
                column: column.to_string(),
                header: header.join(","),
            }
        })?;
    }
    let names: Vec<String> = channels.iter().map(|c| c.name.clone()).collect();
    let mut tests = Vec::new();
    for (i, record) in csv.records().enumerate() {
        let record = record.map_err(csv_error)?;
        let cell = |k: usize| record.get(index[k]).unwrap_or("");
        let row = RowReader { file, row: i + 1 };
        let label = cell(0).to_string();
        let channels = row.channels(&label, &names)?;
        let start = row.date("start", cell(1))?;
        let end = row.date("end", cell(2))?;
        if end < start {
            return Err(CalibrationError::EndBeforeStart {
                file: file.to_string(),
                row: row.row,
                start: cell(1).to_string(),
                end: cell(2).to_string(),
            });
        }
        let spend_change = row.number(
            "spend_change",
            cell(3),
            "give the total change of spend over the window in currency (negative for a holdout)",
        )?;
        if spend_change == 0.0 {
            return Err(CalibrationError::ZeroSpendChange {
                file: file.to_string(),
                row: row.row,
            });
        }
        let lift = row.number(
            "lift",
            cell(4),
            "give the measured incremental outcome in the target's units",
        )?;
        let lift_sd = row.number("lift_sd", cell(5), "give the lift's standard error (> 0)")?;
        if lift_sd <= 0.0 {
            return Err(CalibrationError::NonPositiveSd {
                file: file.to_string(),
                row: row.row,
                value: lift_sd,
            });
        }
        tests.push(LiftTest {
            row: row.row,
            label,
            channels,
            start,
            end,
            spend_change,
            lift,
            lift_sd,
        });
    }
    if tests.is_empty() {
        return Err(CalibrationError::Empty {
            file: file.to_string(),
        });
    }
    Ok(tests)
}

/// Cell parsers that know their file and row.
struct RowReader<'a> {
    file: &'a str,
    row: usize,
}

impl RowReader<'_> {
    fn channels(&self, label: &str, names: &[String]) -> Result<Vec<usize>, CalibrationError> {
        let mut out = Vec::new();
        for name in label.split('+').map(str::trim) {
            let Some(c) = names.iter().position(|n| n == name) else {
                let hint = crate::data::nearest(name, names)
                    .map(|n| format!(" (did you mean \"{n}\"?)"))
                    .unwrap_or_default();
                return Err(CalibrationError::UnknownChannel {
                    file: self.file.to_string(),
                    row: self.row,
                    value: name.to_string(),
                    hint,
                    known: names.join(", "),
                });
            };
            if out.contains(&c) {
                return Err(CalibrationError::RepeatedChannel {
                    file: self.file.to_string(),
                    row: self.row,
                    value: name.to_string(),
                });
            }
            out.push(c);
        }
        Ok(out)
    }

    fn date(&self, column: &'static str, text: &str) -> Result<Date, CalibrationError> {
        Date::parse_iso(text).map_err(|source| CalibrationError::BadDate {
            file: self.file.to_string(),
            row: self.row,
            column,
            source,
        })
    }

    fn number(
        &self,
        column: &'static str,
        text: &str,
        fix: &'static str,
    ) -> Result<f64, CalibrationError> {
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(CalibrationError::BadNumber {
                file: self.file.to_string(),
                row: self.row,
                column,
                value: text.to_string(),
                fix,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ModelSpec;

    const MODEL: &str = "[data]\ndate = \"w\"\ntarget = \"y\"\n\
                         [[channel]]\nname = \"tv\"\n[[channel]]\nname = \"radio\"\n";

    fn parse(csv: &str) -> Result<Vec<LiftTest>, CalibrationError> {
        let spec = ModelSpec::from_toml(MODEL, None).unwrap();
        parse_lift_tests(csv.as_bytes(), "lift.csv", &spec.channels)
    }

    const HEADER: &str = "channel,start,end,spend_change,lift,lift_sd\n";

    #[test]
    fn lift_file_reads_single_and_multi_channel_tests() {
        let tests = parse(&format!(
            "{HEADER}tv,2024-01-01,2024-01-28,40000,52000,9000\n\
             radio + tv,2024-03-04,2024-03-10,-5000,-3000,1500\n"
        ))
        .unwrap();
        assert_eq!(tests.len(), 2);
        assert_eq!(tests[0].channels, vec![0]);
        assert_eq!(tests[1].channels, vec![1, 0]);
        assert_eq!((tests[1].row, tests[1].spend_change), (2, -5000.0));
    }

    #[test]
    fn lift_file_unknown_channel_names_row_column_and_suggests() {
        let err = parse(&format!("{HEADER}tvv,2024-01-01,2024-01-28,1,1,1\n")).unwrap_err();
        let text = err.to_string();
        assert!(matches!(
            err,
            CalibrationError::UnknownChannel { row: 1, .. }
        ));
        assert!(
            text.contains("lift.csv row 1, column \"channel\""),
            "{text}"
        );
        assert!(text.contains("did you mean \"tv\""), "{text}");
    }

    #[test]
    fn lift_file_rejects_bad_dates_numbers_and_sd() {
        let bad_date = parse(&format!("{HEADER}tv,2024-13-01,2024-01-28,1,1,1\n")).unwrap_err();
        assert!(
            bad_date
                .to_string()
                .starts_with("lift.csv row 1, column \"start\":"),
            "{bad_date}"
        );
        let reversed = parse(&format!("{HEADER}tv,2024-02-01,2024-01-28,1,1,1\n")).unwrap_err();
        assert!(matches!(reversed, CalibrationError::EndBeforeStart { .. }));
        for sd in ["0", "-2"] {
            let err = parse(&format!("{HEADER}tv,2024-01-01,2024-01-28,1,1,{sd}\n")).unwrap_err();
            assert!(
                matches!(err, CalibrationError::NonPositiveSd { row: 1, .. }),
                "{err}"
            );
            assert!(err.to_string().contains("column \"lift_sd\""));
        }
        let nan = parse(&format!("{HEADER}tv,2024-01-01,2024-01-28,1,abc,1\n")).unwrap_err();
        assert!(
            nan.to_string().contains("column \"lift\": \"abc\""),
            "{nan}"
        );
        let zero = parse(&format!("{HEADER}tv,2024-01-01,2024-01-28,0,1,1\n")).unwrap_err();
        assert!(matches!(zero, CalibrationError::ZeroSpendChange { .. }));
        let twice = parse(&format!("{HEADER}tv+tv,2024-01-01,2024-01-28,1,1,1\n")).unwrap_err();
        assert!(matches!(twice, CalibrationError::RepeatedChannel { .. }));
    }

    #[test]
    fn lift_file_missing_column_and_empty_file_are_named() {
        let err = parse("channel,start,end,spend_change,lift\n").unwrap_err();
        assert!(err.to_string().contains("no column \"lift_sd\""), "{err}");
        let err = parse(HEADER).unwrap_err();
        assert!(matches!(err, CalibrationError::Empty { .. }));
    }

    #[test]
    fn lift_calibration_table_keys_are_checked() {
        let text = format!(
            "{MODEL}[calibration]\nlift_tests = \"lift.csv\"\nlift_likelihood = \"cauchy\"\n"
        );
        let err = ModelSpec::from_toml(&text, None).unwrap_err();
        assert!(
            err.to_string().contains("calibration.lift_likelihood"),
            "{err}"
        );
        let text = format!("{MODEL}[calibration]\nlift_nu = 4.0\n");
        let err = ModelSpec::from_toml(&text, None).unwrap_err();
        let keys: Vec<&str> = err.issues().iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["calibration.lift_tests", "calibration.lift_nu"]);
    }
}
