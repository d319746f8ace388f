//! Reading the CSV: find the columns the model names in the header, collect their cells and the
//! line each row starts on.

use std::io::Read;

use csv::{ReaderBuilder, StringRecord, Trim};

use super::error::{ColumnRole, DataError};
use super::suggest::nearest;

/// A column the model asked for, as text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawColumn {
    /// Header name.
    pub name: String,
    /// Role in the model.
    pub role: ColumnRole,
    /// Position in the header (0-based), for reporting problems in file order.
    pub index: usize,
    /// One cell per data row, trimmed.
    pub cells: Vec<String>,
}

/// The requested columns of a CSV file, in the order they were asked for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawTable {
    /// The line each data row starts on (header = line 1).
    pub lines: Vec<u64>,
    /// The requested columns.
    pub columns: Vec<RawColumn>,
}

/// Line numbers of records, counted from the bytes: the csv crate's own line count is off after
/// blank lines and with CRLF endings. A record's reported byte offset lies in the line breaks
/// before it, so its first line is the first one after those breaks.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the record reported at byte `from` (offsets only grow).
    fn line_of(&mut self, from: Option<&csv::Position>) -> u64 {
        let from = from.map_or(self.offset, |p| {
            usize::try_from(p.byte()).unwrap_or(usize::MAX)
        });
        let breaks = self.bytes.get(from..).unwrap_or_default();
        let start = from
            + breaks
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
        if let Some(skipped) = self.bytes.get(self.offset..start) {
            self.line += skipped.iter().filter(|&&b| b == b'\n').count() as u64;
            self.offset = start;
        }
        self.line
    }
}

/// Turn a CSV parser error into a [`DataError`] that names the file and line.
fn csv_error(file: &str, err: csv::Error, lines: &mut LineCounter<'_>) -> DataError {
    let line = lines.line_of(err.position());
    match err.into_kind() {
        csv::ErrorKind::Io(source) => DataError::Unreadable {
            file: file.to_string(),
            source,
        },
        csv::ErrorKind::Utf8 { .. } => DataError::Malformed {
            file: file.to_string(),
            line,
            detail: "invalid UTF-8 text".to_string(),
        },
        other => DataError::Malformed {
            file: file.to_string(),
            line,
            detail: format!("{other:?}"),
        },
    }
}

/// Refuse a model that gives one column two roles.
fn check_roles(wanted: &[(&str, ColumnRole)]) -> Result<(), DataError> {
    for (i, &(name, second)) in wanted.iter().enumerate() {
        if let Some(&(_, first)) = wanted[..i].iter().find(|(n, _)| *n == name) {
            return Err(DataError::ColumnRoleConflict {
                column: name.to_string(),
                first,
                second,
            });
        }
    }
    Ok(())
}

/// The header position of every wanted column.
fn locate(
    file: &str,
    header: &[String],
    wanted: &[(&str, ColumnRole)],
) -> Result<Vec<usize>, DataError> {
    wanted
        .iter()
        .map(|&(name, role)| {
            let mut hits = header
                .iter()
                .enumerate()
                .filter(|(_, h)| *h == name)
                .map(|(i, _)| i);
            match (hits.next(), hits.next()) {
                (Some(index), None) => Ok(index),
                (Some(_), Some(_)) => Err(DataError::DuplicateColumn {
                    file: file.to_string(),
                    column: name.into(),
                }),
                (None, _) => Err(DataError::MissingColumn {
                    file: file.to_string(),
                    column: name.to_string(),
                    role,
                    suggestion: nearest(name, header).map(str::to_string),
                    available: header.to_vec(),
                }),
            }
        })
        .collect()
}

/// A header separated by semicolons or tabs rather than commas: the delimiter, and whether the
/// rows below write decimal commas.
fn foreign_delimiter(file: &str, bytes: &[u8]) -> Option<DataError> {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next()?;
    let count = |c: char| header.matches(c).count();
    let (commas, semicolons, tabs) = (count(','), count(';'), count('\t'));
    let delimiter = if semicolons > commas && semicolons >= tabs {
        "semicolons"
    } else if tabs > commas {
        "tabs"
    } else {
        return None;
    };
    let decimal_comma = lines.take(20).any(|l| {
        let b = l.as_bytes();
        (1..b.len().saturating_sub(1))
            .any(|i| b[i] == b',' && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit())
    });
    Some(DataError::Delimiter {
        file: file.to_string(),
        delimiter,
        decimal_comma,
    })
}

/// Read the header and every data row of `reader`, keeping only the `wanted` columns.
pub(crate) fn read_columns<R: Read>(
    mut reader: R,
    file: &str,
    wanted: &[(&str, ColumnRole)],
) -> Result<RawTable, DataError> {
    check_roles(wanted)?;
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|source| DataError::Unreadable {
            file: file.to_string(),
            source,
        })?;
    let mut lines = LineCounter::new(&bytes);
    let mut csv = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(Trim::All)
        .from_reader(&bytes[..]);
    let mut record = StringRecord::new();
    let next =
        |csv: &mut csv::Reader<&[u8]>, record: &mut StringRecord, lines: &mut LineCounter<'_>| {
            match csv.read_record(record) {
                Ok(true) => Ok(Some(lines.line_of(record.position()))),
                Ok(false) => Ok(None),
                Err(e) => Err(csv_error(file, e, lines)),
            }
        };
    if next(&mut csv, &mut record, &mut lines)?.is_none() {
        return Err(DataError::Empty {
            file: file.to_string(),
        });
    }
    let header: Vec<String> = record.iter().map(str::to_string).collect();
    if let Some(err) = foreign_delimiter(file, &bytes) {
        return Err(err);
    }
    let indices = locate(file, &header, wanted)?;
    let mut table = RawTable {
        lines: Vec::new(),
        columns: wanted
            .iter()
            .zip(&indices)
            .map(|(&(name, role), &index)| RawColumn {
                name: name.to_string(),
                role,
                index,
                cells: Vec::new(),
            })
            .collect(),
    };
    let mut ragged = Vec::new();
    while let Some(line) = next(&mut csv, &mut record, &mut lines)? {
        if record.len() != header.len() {
            ragged.push((
                line,
                0,
                DataError::RaggedRow {
                    file: file.to_string(),
                    line,
                    expected: header.len(),
                    found: record.len(),
                },
            ));
            continue;
        }
        table.lines.push(line);
        for (column, &index) in table.columns.iter_mut().zip(&indices) {
            column
                .cells
                .push(record.get(index).unwrap_or_default().to_string());
        }
    }
    DataError::all(file, ragged)?;
    if table.lines.is_empty() {
        return Err(DataError::NoRows {
            file: file.to_string(),
        });
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::load::tests::{load_str, request};

    const WANTED: [(&str, ColumnRole); 3] = [
        ("date", ColumnRole::Date),
        ("y", ColumnRole::Target),
        ("tv", ColumnRole::Channel),
    ];

    #[test]
    fn reads_wanted_columns_with_their_lines() {
        let text =
            "date,other,y,tv\n2020-01-06,a,1,2\n\n2020-01-13,\"b\nc\",3,4\n2020-01-20,d,5,6\n";
        let table = read_columns(text.as_bytes(), "d.csv", &WANTED).expect("valid table");
        assert_eq!(table.lines, vec![2, 4, 6]);
        assert_eq!(table.columns[2].cells, vec!["2", "4", "6"]);
        assert_eq!(table.columns[0].name, "date");
    }

    #[test]
    fn counts_lines_across_blank_lines_and_crlf_endings() {
        let text =
            "\r\ndate,y,tv\r\n2020-01-06,1,2\r\n\r\n\r\n2020-01-13,\"3\r\n\",4\r\n2020-01-20,5,6";
        let table = read_columns(text.as_bytes(), "d.csv", &WANTED).expect("valid table");
        assert_eq!(table.lines, vec![3, 6, 8]);
    }

    #[test]
    fn strips_a_utf8_bom_and_trims_cells() {
        let text = "\u{feff}date , y,tv\n 2020-01-06 , 1 ,2\n";
        let table = read_columns(text.as_bytes(), "d.csv", &WANTED).expect("valid table");
        assert_eq!(table.columns[0].cells, vec!["2020-01-06"]);
        assert_eq!(table.columns[1].cells, vec!["1"]);
    }

    #[test]
    fn empty_file_says_what_a_file_should_hold() {
        let err = load_str("", &request()).expect_err("empty file");
        assert!(matches!(err, DataError::Empty { .. }));
        let msg = err.to_string();
        assert!(msg.starts_with("data.csv is empty"), "{msg}");
        assert!(msg.contains("header line"), "{msg}");
    }

    #[test]
    fn header_without_rows_asks_for_rows() {
        let err = load_str("date_week,y,x1,x2,event_1\n", &request()).expect_err("no rows");
        assert!(matches!(err, DataError::NoRows { .. }));
        assert!(
            err.to_string()
                .contains("data.csv has a header but no data rows; add one row")
        );
    }

    #[test]
    fn ragged_row_names_its_line_and_the_field_counts() {
        let text = "date_week,y,x1,x2,event_1\n2020-01-06,1,2,3,0\n2020-01-13,1,2,3\n";
        let err = load_str(text, &request()).expect_err("ragged");
        assert!(matches!(
            err,
            DataError::RaggedRow {
                line: 3,
                expected: 5,
                found: 4,
                ..
            }
        ));
        let msg = err.to_string();
        assert!(
            msg.contains("data.csv line 3: 4 fields, but the header has 5"),
            "{msg}"
        );
        assert!(msg.contains("missing or extra comma"), "{msg}");
    }

    #[test]
    fn every_ragged_row_is_reported_first_first() {
        let text = "date_week,y,x1,x2,event_1\n2020-01-06,1,2,3\n2020-01-13,1,2,3,0\n\
                    2020-01-20,1,2,3,0,9\n";
        let err = load_str(text, &request()).expect_err("ragged");
        let lines: Vec<u64> = err
            .problems()
            .iter()
            .map(|p| match p {
                DataError::RaggedRow { line, .. } => *line,
                other => panic!("{other}"),
            })
            .collect();
        assert_eq!(lines, [2, 4]);
        assert!(err.to_string().contains("2 problems"), "{err}");
    }

    #[test]
    fn semicolons_tabs_and_decimal_commas_are_named() {
        let text = "date_week;y;x1;x2;event_1\n2020-01-06;1,5;2;3;0\n2020-01-13;1,25;2;3;1\n";
        let msg = load_str(text, &request())
            .expect_err("semicolons")
            .to_string();
        assert!(msg.contains("separated by semicolons"), "{msg}");
        assert!(msg.contains("decimal commas"), "{msg}");
        let text = "date_week\ty\tx1\tx2\tevent_1\n2020-01-06\t1.5\t2\t3\t0\n";
        let msg = load_str(text, &request()).expect_err("tabs").to_string();
        assert!(msg.contains("separated by tabs"), "{msg}");
        assert!(!msg.contains("decimal commas"), "{msg}");
    }

    #[test]
    fn invalid_utf8_is_malformed_with_its_line() {
        let mut bytes = b"date_week,y,x1,x2,event_1\n2020-01-06,1,2,3,0\n2020-01-13,".to_vec();
        bytes.extend_from_slice(b"\xff\xfe,2,3,0\n");
        let err = crate::data::load::load_dataset_from_reader(&bytes[..], "data.csv", &request())
            .expect_err("bad utf-8");
        assert!(
            matches!(err, DataError::Malformed { line: 3, .. }),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("data.csv line 3: not readable as CSV")
        );
        assert!(err.to_string().contains("save the file as UTF-8"));
    }

    #[test]
    fn missing_column_suggests_the_nearest_header() {
        let mut req = request();
        req.channels[0] = "X_1".to_string();
        let err = load_str("date_week,y,x1,x2,event_1\n2020-01-06,1,2,3,0\n", &req)
            .expect_err("missing column");
        assert!(matches!(
            err,
            DataError::MissingColumn {
                role: ColumnRole::Channel,
                ..
            }
        ));
        let msg = err.to_string();
        assert!(
            msg.contains("data.csv: no column \"X_1\" (the model's channel column)"),
            "{msg}"
        );
        assert!(
            msg.ends_with(
                "the file's columns are: date_week, y, x1, x2, event_1; did you mean \"x1\"?"
            ),
            "{msg}"
        );
    }

    #[test]
    fn missing_column_without_a_near_name_lists_the_columns() {
        let mut req = request();
        req.target = "revenue_total".to_string();
        let err = load_str("date_week,y,x1,x2,event_1\n2020-01-06,1,2,3,0\n", &req)
            .expect_err("missing column");
        let msg = err.to_string();
        assert!(!msg.contains("did you mean"), "{msg}");
        assert!(
            msg.ends_with("fix the column name in the model file or in the header"),
            "{msg}"
        );
        assert!(
            msg.contains("no column \"revenue_total\" (the model's target column)"),
            "{msg}"
        );
    }

    #[test]
    fn a_wanted_column_twice_in_the_header_is_ambiguous() {
        let err = load_str(
            "date_week,y,x1,x1,x2,event_1\n2020-01-06,1,2,2,3,0\n",
            &request(),
        )
        .expect_err("duplicate header");
        assert!(matches!(err, DataError::DuplicateColumn { .. }));
        let msg = err.to_string();
        assert!(
            msg.contains("data.csv line 1: column \"x1\" appears twice"),
            "{msg}"
        );
        assert!(msg.contains("rename one of them"), "{msg}");
    }

    #[test]
    fn one_column_in_two_roles_is_refused() {
        let mut req = request();
        req.controls.push("x1".to_string());
        let err = load_str("date_week,y,x1,x2,event_1\n2020-01-06,1,2,3,0\n", &req)
            .expect_err("role conflict");
        let msg = err.to_string();
        assert!(
            msg.contains("column \"x1\" both as channel and as control"),
            "{msg}"
        );
        assert!(msg.contains("give each column one role"), "{msg}");
    }
}
