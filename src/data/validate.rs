//! Turning the text cells of the target, channel and control columns into checked numbers.

use super::csv_reader::RawColumn;
use super::error::{ColumnRole, DataError};

/// Cell texts read as "no value", compared ignoring case (pandas, R and spreadsheet exports).
const MISSING_MARKERS: [&str; 8] = ["", "na", "n/a", "nan", "null", "none", "#n/a", "-"];

/// What one cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Number(f64),
    Missing,
    NotANumber,
    Infinite,
}

fn classify(text: &str) -> Cell {
    if MISSING_MARKERS.iter().any(|m| text.eq_ignore_ascii_case(m)) {
        return Cell::Missing;
    }
    match text.parse::<f64>() {
        // Adding zero turns -0.0 into 0.0, so the fingerprint does not tell them apart.
        Ok(v) if v.is_finite() => Cell::Number(v + 0.0),
        Ok(v) if v.is_nan() => Cell::Missing,
        Ok(_) => Cell::Infinite,
        Err(_) => Cell::NotANumber,
    }
}

/// Parse every cell of a numeric column; channel spend must also be non-negative. Every bad
/// cell is returned, with its line.
pub(crate) fn parse_numbers(
    file: &str,
    column: &RawColumn,
    lines: &[u64],
) -> Result<Vec<f64>, Vec<(u64, DataError)>> {
    let mut values = Vec::with_capacity(lines.len());
    let mut problems = Vec::new();
    for (text, &line) in column.cells.iter().zip(lines) {
        let (file, col) = (file.to_string(), column.name.clone());
        let problem = match classify(text) {
            Cell::Number(value) if value < 0.0 && column.role == ColumnRole::Channel => {
                DataError::NegativeSpend {
                    file,
                    line,
                    column: col,
                    value,
                }
            }
            Cell::Number(value) => {
                values.push(value);
                continue;
            }
            Cell::Missing => DataError::MissingValue {
                file,
                line,
                column: col,
                role: column.role,
            },
            Cell::NotANumber => DataError::NotANumber {
                file,
                line,
                column: col,
                value: text.clone(),
            },
            Cell::Infinite => DataError::NonFinite {
                file,
                line,
                column: col,
                value: text.clone(),
            },
        };
        problems.push((line, problem));
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

/// Refuse a column whose values are all equal: it cannot be told apart from the intercept.
pub(crate) fn check_varies(
    file: &str,
    column: &RawColumn,
    values: &[f64],
) -> Result<(), DataError> {
    let Some(&first) = values.first() else {
        return Ok(());
    };
    if values.iter().any(|&v| v.to_bits() != first.to_bits()) {
        return Ok(());
    }
    let (file, name) = (file.to_string(), column.name.clone());
    Err(match column.role {
        ColumnRole::Channel if first == 0.0 => DataError::ZeroChannel { file, column: name },
        ColumnRole::Channel => DataError::ConstantChannel {
            file,
            column: name,
            value: first,
        },
        ColumnRole::Target => DataError::ConstantTarget {
            file,
            column: name,
            value: first,
        },
        _ => DataError::ConstantControl {
            file,
            column: name,
            value: first,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::load::tests::{load_str, request};
    use approx::assert_abs_diff_eq;

    /// Decimal text parses to the nearest double; small integers are exact.
    const PARSE_TOL: f64 = 1e-12;

    /// Five weekly rows of `date_week,y,x1,x2,event_1` with one cell replaced.
    fn csv_with(line: usize, column: usize, value: &str) -> String {
        let mut rows = [
            "date_week,y,x1,x2,event_1".to_string(),
            "2020-01-06,10,1,0,0".to_string(),
            "2020-01-13,12,2,5,1".to_string(),
            "2020-01-20,11,0,0,0".to_string(),
            "2020-01-27,15,3,2,0".to_string(),
            "2020-02-03,13,1,0,0".to_string(),
        ];
        let mut cells: Vec<&str> = rows[line - 1].split(',').collect();
        cells[column] = value;
        rows[line - 1] = cells.join(",");
        rows.join("\n") + "\n"
    }

    #[test]
    fn cells_are_classified_like_spreadsheet_exports() {
        assert_eq!(classify("1e3"), Cell::Number(1000.0));
        assert_eq!(classify("-0"), Cell::Number(0.0));
        for missing in ["", "NA", "n/a", "NaN", "NULL", "None", "#N/A", "-"] {
            assert_eq!(classify(missing), Cell::Missing, "{missing:?}");
        }
        for bad in ["1,5", "$100", "1 000", "abc", "0x10"] {
            assert_eq!(classify(bad), Cell::NotANumber, "{bad:?}");
        }
        for infinite in ["inf", "-Infinity", "1e400"] {
            assert_eq!(classify(infinite), Cell::Infinite, "{infinite:?}");
        }
    }

    #[test]
    fn negative_zero_is_stored_as_zero() {
        let Cell::Number(v) = classify("-0.0") else {
            panic!("-0.0 is a number")
        };
        assert!(v.is_sign_positive());
    }

    #[test]
    fn negative_spend_names_line_column_and_the_rule() {
        let err = load_str(&csv_with(4, 2, "-120"), &request()).expect_err("negative spend");
        assert_eq!(
            err.to_string(),
            "data.csv line 4, column \"x1\": negative spend -120.0; spend must be >= 0 \
             (record refunds or credits elsewhere)"
        );
    }

    #[test]
    fn negative_target_and_controls_are_allowed() {
        let text = csv_with(3, 1, "-4").replace("2020-01-20,11,0,0,0", "2020-01-20,11,0,0,-1");
        let data = load_str(&text, &request()).expect("negative target and control are fine");
        assert_abs_diff_eq!(data.target()[1], -4.0, epsilon = PARSE_TOL);
        assert_abs_diff_eq!(data.controls()[0][2], -1.0, epsilon = PARSE_TOL);
    }

    #[test]
    fn missing_spend_suggests_zero() {
        let err = load_str(&csv_with(5, 3, "NA"), &request()).expect_err("missing");
        assert!(matches!(err, DataError::MissingValue { line: 5, .. }));
        let msg = err.to_string();
        assert!(
            msg.contains("data.csv line 5, column \"x2\": missing value"),
            "{msg}"
        );
        assert!(msg.contains("0 for a period without spend"), "{msg}");
    }

    #[test]
    fn missing_target_asks_for_an_observation() {
        let err = load_str(&csv_with(2, 1, ""), &request()).expect_err("missing");
        let msg = err.to_string();
        assert!(
            msg.contains("data.csv line 2, column \"y\": missing value"),
            "{msg}"
        );
        assert!(msg.contains("observed target"), "{msg}");
    }

    #[test]
    fn missing_control_suggests_zero() {
        let err = load_str(&csv_with(6, 4, "null"), &request()).expect_err("missing");
        let msg = err.to_string();
        assert!(
            msg.contains("line 6, column \"event_1\": missing value"),
            "{msg}"
        );
        assert!(msg.contains("0 if the control was absent"), "{msg}");
    }

    #[test]
    fn non_numeric_cell_quotes_the_text_and_the_expected_form() {
        let err = load_str(&csv_with(3, 2, "\"1,200\""), &request()).expect_err("not a number");
        let msg = err.to_string();
        assert!(
            msg.contains("data.csv line 3, column \"x1\": \"1,200\" is not a number"),
            "{msg}"
        );
        assert!(
            msg.contains("no currency symbols, thousands separators"),
            "{msg}"
        );
    }

    #[test]
    fn infinite_cell_is_refused() {
        let err = load_str(&csv_with(2, 1, "1e999"), &request()).expect_err("infinite");
        assert!(matches!(err, DataError::NonFinite { line: 2, .. }));
        let msg = err.to_string();
        assert!(
            msg.contains("line 2, column \"y\": \"1e999\" is not a finite number"),
            "{msg}"
        );
        assert!(msg.contains("replace it with a finite value"), "{msg}");
    }

    #[test]
    fn three_bad_cells_are_all_reported_first_first() {
        // Issue 12: one bad cell was reported, and not the first.
        let text = csv_with(5, 1, "abc")
            .replace("2020-01-13,12,2,5,1", "2020-01-13,12,-2,5,1")
            .replace("2020-01-20,11,0,0,0", "2020-01-20,11,0,NA,0");
        let err = load_str(&text, &request()).expect_err("three bad cells");
        let msg = err.to_string();
        assert!(
            msg.starts_with("data.csv: 3 problems, in file order:"),
            "{msg}"
        );
        let at = |needle: &str| {
            msg.find(needle)
                .unwrap_or_else(|| panic!("{needle}: {msg}"))
        };
        assert!(
            at("line 3, column \"x1\"") < at("line 4, column \"x2\""),
            "{msg}"
        );
        assert!(
            at("line 4, column \"x2\"") < at("line 5, column \"y\""),
            "{msg}"
        );
    }

    #[test]
    fn a_long_list_of_problems_is_capped_and_counted() {
        let mut text = String::from("date_week,y,x1,x2,event_1\n");
        for i in 0..30 {
            let day = crate::transform::Date::from_days_since_epoch(18_000 + 7 * i);
            text.push_str(&format!("{day},x,1,2,0\n"));
        }
        let err = load_str(&text, &request()).expect_err("thirty bad cells");
        let msg = err.to_string();
        assert!(msg.contains("30 problems"), "{msg}");
        assert!(msg.ends_with("and 10 more"), "{msg}");
        assert_eq!(err.problems().len(), crate::data::MAX_LISTED_PROBLEMS);
    }

    #[test]
    fn all_zero_channel_asks_to_remove_it() {
        let text = csv_with(3, 3, "0").replace(",2,0\n", ",0,0\n");
        let err = load_str(&text, &request()).expect_err("zero channel");
        let msg = err.to_string();
        assert!(
            msg.contains("data.csv, column \"x2\": the channel has zero spend"),
            "{msg}"
        );
        assert!(msg.contains("remove it from the model"), "{msg}");
    }

    #[test]
    fn constant_channel_is_refused() {
        let text = "date_week,y,x1,x2,event_1\n2020-01-06,1,5,1,0\n2020-01-13,2,5,0,1\n";
        let err = load_str(text, &request()).expect_err("constant channel");
        let msg = err.to_string();
        assert!(
            msg.contains("column \"x1\": the channel spends 5.0 in every period"),
            "{msg}"
        );
        assert!(msg.contains("provide data with varying spend"), "{msg}");
    }

    #[test]
    fn constant_target_is_refused() {
        let text = "date_week,y,x1,x2,event_1\n2020-01-06,7,5,1,0\n2020-01-13,7,4,0,1\n";
        let err = load_str(text, &request()).expect_err("constant target");
        let msg = err.to_string();
        assert!(
            msg.contains("data.csv, column \"y\": the target is 7.0 in every period"),
            "{msg}"
        );
        assert!(
            msg.contains("check that the model names the right target column"),
            "{msg}"
        );
    }

    #[test]
    fn constant_control_is_refused() {
        let text = "date_week,y,x1,x2,event_1\n2020-01-06,7,5,1,0\n2020-01-13,8,4,0,0\n";
        let err = load_str(text, &request()).expect_err("constant control");
        let msg = err.to_string();
        assert!(
            msg.contains("column \"event_1\": the control is 0.0 in every period"),
            "{msg}"
        );
        assert!(msg.contains("remove it from the model"), "{msg}");
    }
}
