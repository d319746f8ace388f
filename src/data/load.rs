//! Loading a data file: the columns a model asks for, read, validated and gathered into a
//! [`Dataset`].

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::csv_reader::{RawTable, read_columns};
use super::dataset::Dataset;
use super::error::{ColumnRole, DataError};
use super::timeline::{bad_dates, build_timeline};
use super::validate::{check_varies, parse_numbers};

/// Fewest rows any series needs: two dates to tell the period.
const MIN_ROWS_FOR_PERIOD: usize = 2;

/// The columns a model needs from the data file, by header name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataRequest {
    /// Column holding the ISO dates.
    pub date: String,
    /// Column holding the target.
    pub target: String,
    /// One column of spend per channel, in model order.
    pub channels: Vec<String>,
    /// One column per control, in model order.
    pub controls: Vec<String>,
    /// Fewest data rows the model can be identified from (at least 2 are always required).
    pub min_rows: usize,
}

impl DataRequest {
    /// Every requested column with its role: date, target, channels, controls.
    fn columns(&self) -> Vec<(&str, ColumnRole)> {
        let mut columns = vec![(self.date.as_str(), ColumnRole::Date)];
        columns.push((self.target.as_str(), ColumnRole::Target));
        columns.extend(
            self.channels
                .iter()
                .map(|c| (c.as_str(), ColumnRole::Channel)),
        );
        columns.extend(
            self.controls
                .iter()
                .map(|c| (c.as_str(), ColumnRole::Control)),
        );
        columns
    }
}

/// Read and validate the data file at `path` for the columns of `req`.
///
/// Errors name the file as `path` displays, the line (header = line 1), the column, what is
/// wrong and what to do.
pub fn load_dataset(path: &Path, req: &DataRequest) -> Result<Dataset, DataError> {
    let file = path.display().to_string();
    let reader = File::open(path).map_err(|source| DataError::Unreadable {
        file: file.clone(),
        source,
    })?;
    load_dataset_from_reader(reader, &file, req)
}

/// Read and validate CSV text from `reader`; `file` is the name errors give it.
pub fn load_dataset_from_reader<R: Read>(
    reader: R,
    file: &str,
    req: &DataRequest,
) -> Result<Dataset, DataError> {
    let table = read_columns(reader, file, &req.columns())?;
    let needed = req.min_rows.max(MIN_ROWS_FOR_PERIOD);
    let rows = table.lines.len();
    if rows < needed {
        return Err(DataError::TooFewRows {
            file: file.to_string(),
            rows,
            needed,
        });
    }
    assemble(file, req, &table)
}

/// Check every column of a table already known to hold enough rows.
fn assemble(file: &str, req: &DataRequest, table: &RawTable) -> Result<Dataset, DataError> {
    let RawTable { lines, columns } = table;
    let (date, numeric) = columns.split_first().ok_or_else(|| DataError::NoRows {
        file: file.to_string(),
    })?;
    // Every bad cell first, in file order; then the dates' order and spacing; then columns
    // that do not vary.
    let mut cells: Vec<(u64, usize, DataError)> = bad_dates(file, date, lines)
        .into_iter()
        .map(|(line, e)| (line, date.index, e))
        .collect();
    let mut series = Vec::with_capacity(numeric.len());
    for column in numeric {
        match parse_numbers(file, column, lines) {
            Ok(values) => series.push(values),
            Err(bad) => cells.extend(bad.into_iter().map(|(line, e)| (line, column.index, e))),
        }
    }
    DataError::all(file, cells)?;
    let timeline = build_timeline(file, date, lines)?;
    let constant = numeric
        .iter()
        .zip(&series)
        .filter_map(|(column, values)| {
            check_varies(file, column, values)
                .err()
                .map(|e| (0, column.index, e))
        })
        .collect();
    DataError::all(file, constant)?;
    let mut series = series.into_iter();
    let target = series.next().unwrap_or_default();
    let channels: Vec<Vec<f64>> = series.by_ref().take(req.channels.len()).collect();
    let controls: Vec<Vec<f64>> = series.collect();
    Ok(Dataset {
        source: file.to_string(),
        date_column: req.date.clone(),
        period_index: (0..lines.len()).map(|t| t as f64).collect(),
        dates: timeline.iso,
        day_of_year: timeline.day_of_year,
        period_days: timeline.period_days,
        target_name: req.target.clone(),
        target,
        channel_names: req.channels.clone(),
        channels,
        control_names: req.controls.clone(),
        controls,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use crate::data::scaling::ScaleMethod;

    /// The example data set (PyMC-Marketing's `mmm_example.csv`).
    const EXAMPLE: &str = "models/data/pymc_marketing_mmm_example.csv";
    /// Scales are read from the file's decimal text; they match to the last digit.
    const SCALE_TOL: f64 = 1e-15;
    /// Random inputs the fuzz test tries.
    const FUZZ_CASES: usize = 3000;

    /// The model columns of the example data, as most tests use them.
    pub(crate) fn request() -> DataRequest {
        DataRequest {
            date: "date_week".to_string(),
            target: "y".to_string(),
            channels: vec!["x1".to_string(), "x2".to_string()],
            controls: vec!["event_1".to_string()],
            min_rows: 2,
        }
    }

    /// Load CSV text under the name `data.csv`.
    pub(crate) fn load_str(text: &str, req: &DataRequest) -> Result<Dataset, DataError> {
        load_dataset_from_reader(text.as_bytes(), "data.csv", req)
    }

    fn example_path() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE)
    }

    fn example_request() -> DataRequest {
        let mut req = request();
        req.controls.push("event_2".to_string());
        req.min_rows = 30;
        req
    }

    #[test]
    fn example_data_loads_with_weekly_period_and_max_scales() {
        let data = load_dataset(&example_path(), &example_request()).expect("example is valid");
        assert_eq!(data.n_periods(), 179);
        assert_eq!(data.period_days(), 7);
        assert_eq!(data.dates()[0], "2018-04-02");
        assert_eq!(data.dates()[178], "2021-08-30");
        // The file's own `dayofyear` and `t` columns are the reference.
        let mut reference = example_request();
        reference.controls = vec!["dayofyear".to_string(), "t".to_string()];
        let check = load_dataset(&example_path(), &reference).expect("example is valid");
        assert_eq!(data.day_of_year(), check.controls()[0].as_slice());
        assert_eq!(data.period_index(), check.controls()[1].as_slice());
        assert_relative_eq!(data.day_of_year()[0], 92.0);

        let scaled = data.scaled(ScaleMethod::Max, &[false, false]);
        let max = |v: &[f64]| v.iter().fold(f64::MIN, |m, &x| m.max(x));
        assert_relative_eq!(
            scaled.scales().target,
            max(data.target()),
            max_relative = SCALE_TOL
        );
        assert_relative_eq!(
            scaled.scales().target,
            8312.407544391639,
            max_relative = SCALE_TOL
        );
        assert_relative_eq!(
            scaled.scales().channels[0],
            max(data.channel(0)),
            max_relative = SCALE_TOL
        );
        assert_relative_eq!(
            scaled.scales().channels[1],
            max(data.channel(1)),
            max_relative = SCALE_TOL
        );
        assert_relative_eq!(max(scaled.target()), 1.0, max_relative = SCALE_TOL);
    }

    #[test]
    fn missing_file_names_the_path_and_the_fix() {
        let err = load_dataset(Path::new("no/such/data.csv"), &request()).expect_err("missing");
        assert!(matches!(err, DataError::Unreadable { .. }));
        let msg = err.to_string();
        assert!(msg.starts_with("cannot read no/such/data.csv: "), "{msg}");
        assert!(
            msg.ends_with("check the path given by --data or [data] path"),
            "{msg}"
        );
    }

    #[test]
    fn too_few_rows_says_how_many_the_model_needs() {
        let text = "date_week,y,x1,x2,event_1\n2020-01-06,1,2,3,0\n2020-01-13,2,1,0,1\n";
        let mut req = request();
        req.min_rows = 25;
        let err = load_str(text, &req).expect_err("too few rows");
        assert!(matches!(
            err,
            DataError::TooFewRows {
                rows: 2,
                needed: 25,
                ..
            }
        ));
        let msg = err.to_string();
        assert!(
            msg.contains("data.csv: 2 data rows, but the model needs at least 25"),
            "{msg}"
        );
        assert!(msg.contains("provide at least 25 rows"), "{msg}");
    }

    #[test]
    fn a_single_row_is_too_few_whatever_the_model() {
        let mut req = request();
        req.min_rows = 0;
        let err =
            load_str("date_week,y,x1,x2,event_1\n2020-01-06,1,2,3,0\n", &req).expect_err("one row");
        assert!(matches!(
            err,
            DataError::TooFewRows {
                rows: 1,
                needed: 2,
                ..
            }
        ));
    }

    #[test]
    fn daily_data_gets_period_one() {
        let text = "day,sales,search\n2021-12-30,5,1\n2021-12-31,6,0\n2022-01-01,4,2\n";
        let req = DataRequest {
            date: "day".into(),
            target: "sales".into(),
            channels: vec!["search".into()],
            ..DataRequest::default()
        };
        let data = load_str(text, &req).expect("valid daily data");
        assert_eq!(data.period_days(), 1);
        assert_eq!(data.day_of_year(), [364.0, 365.0, 1.0]);
        assert_eq!(data.period_index(), [0.0, 1.0, 2.0]);
    }

    #[test]
    fn random_bytes_and_truncated_files_never_panic() {
        let Ok(example) = std::fs::read(example_path()) else {
            panic!("the example data set models/data/pymc_marketing_mmm_example.csv is missing");
        };
        let req = example_request();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut loaded = 0;
        for case in 0..FUZZ_CASES {
            let bytes: Vec<u8> = match case % 3 {
                0 => {
                    let n = rng.random_range(0..200);
                    (0..n).map(|_| rng.random::<u8>()).collect()
                }
                1 => example[..rng.random_range(0..=example.len())].to_vec(),
                _ => {
                    let mut mutated = example.clone();
                    for _ in 0..rng.random_range(1..4) {
                        let at = rng.random_range(0..mutated.len());
                        mutated[at] = *b",\n-.0e\"x \r"
                            .get(rng.random_range(0..10))
                            .unwrap_or(&b'0');
                    }
                    mutated
                }
            };
            if load_dataset_from_reader(&bytes[..], "fuzz.csv", &req).is_ok() {
                loaded += 1;
            }
        }
        // Some inputs (long truncations, harmless mutations) load; most are refused.
        assert!(
            loaded > 0 && loaded < FUZZ_CASES,
            "{loaded} of {FUZZ_CASES} inputs loaded"
        );
    }
}
