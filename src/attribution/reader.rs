//! Streaming the touchpoint CSV into a compact table: users and channels interned, times in
//! milliseconds, every messy row counted by the clean-up rule that applied, every cell that
//! cannot be read named by file, line and column.

use std::io::BufRead;

use super::cleanup::{Cleanup, CleanupRule};
use super::csv_lines::{CsvLines, LineError, Record};
use super::error::{AttributionError, ColumnPart};
use super::fxhash::FxHashMap;
use super::settings::Columns;
use super::timestamp::{Millis, parse_timestamp};
use crate::data::nearest;

/// The most distinct channels a file may hold (the Markov chain solves one dense system per
/// channel; campaigns belong in the campaign column).
pub const MAX_CHANNELS: usize = 256;
/// `end` of a row without a usable session end.
pub const NO_END: Millis = Millis::MIN;
/// `channel` of a row without one (a conversion row without a touch of its own).
pub const NO_CHANNEL: u16 = u16::MAX;

/// One kept row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// Interned journey key.
    pub user: u32,
    /// Session start.
    pub start: Millis,
    /// Session end, or [`NO_END`].
    pub end: Millis,
    /// Interned channel, or [`NO_CHANNEL`].
    pub channel: u16,
    /// Interned campaign (0 = none).
    pub campaign: u32,
    /// The session converted.
    pub converted: bool,
    /// Conversion value (0 when not converting or not given).
    pub value: f64,
    /// Line in the file (header = 1).
    pub line: u64,
}

/// The file, read and interned.
#[derive(Debug, Clone)]
pub struct TouchTable {
    /// The file's name as the user gave it.
    pub file: String,
    /// Kept rows, in file order.
    pub rows: Vec<Row>,
    /// Journey keys by interned id.
    pub users: Vec<Box<str>>,
    /// Channel names by interned id, in order of first appearance.
    pub channels: Vec<String>,
    /// Data rows read.
    pub rows_read: u64,
    /// The file has a conversion value column.
    pub has_value: bool,
    /// The file has a session end column.
    pub has_end: bool,
    /// The converted column's name (for messages).
    pub converted_column: String,
    /// Repairs made while reading.
    pub cleanup: Cleanup,
}

/// Header positions of the columns.
struct Layout {
    user: usize,
    start: usize,
    end: Option<usize>,
    channel: usize,
    campaign: Option<usize>,
    converted: usize,
    value: Option<usize>,
}

fn locate(file: &str, header: &[String], columns: &Columns) -> Result<Layout, AttributionError> {
    for (i, h) in header.iter().enumerate() {
        if !h.is_empty() && header[..i].contains(h) {
            return Err(AttributionError::DuplicateColumn {
                file: file.into(),
                column: h.clone(),
            });
        }
    }
    let find = |name: &str| header.iter().position(|h| h == name);
    let required = |name: &str, part: ColumnPart| {
        find(name).ok_or_else(|| AttributionError::MissingColumn {
            file: file.into(),
            column: name.into(),
            part,
            hint: nearest(name, header)
                .map(|n| format!(" (did you mean \"{n}\"?)"))
                .unwrap_or_default(),
            available: header.join(", "),
        })
    };
    let optional = |name: &str, part| {
        if columns.explicit.iter().any(|e| e == name) {
            required(name, part).map(Some)
        } else {
            Ok(find(name))
        }
    };
    Ok(Layout {
        user: required(&columns.user_id, ColumnPart::UserId)?,
        start: required(&columns.session_start, ColumnPart::SessionStart)?,
        end: optional(&columns.session_end, ColumnPart::SessionEnd)?,
        channel: required(&columns.channel, ColumnPart::Channel)?,
        campaign: optional(&columns.campaign, ColumnPart::Campaign)?,
        converted: required(&columns.converted, ColumnPart::Converted)?,
        value: optional(&columns.conversion_value, ColumnPart::Value)?,
    })
}

/// A channel cell that means "no channel".
fn is_missing(cell: &str) -> bool {
    cell.is_empty()
        || ["null", "na", "n/a", "nan"]
            .iter()
            .any(|m| cell.eq_ignore_ascii_case(m))
}

fn parse_flag(cell: &str) -> Option<bool> {
    const TRUE: [&str; 5] = ["true", "1", "yes", "y", "t"];
    const FALSE: [&str; 5] = ["false", "0", "no", "n", "f"];
    if TRUE.iter().any(|t| cell.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if FALSE.iter().any(|f| cell.eq_ignore_ascii_case(f)) {
        Some(false)
    } else {
        None
    }
}

/// Interns strings to dense ids.
#[derive(Default)]
struct Interner {
    ids: FxHashMap<Box<str>, u32>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(name.into(), id);
        id
    }

    /// The names, indexed by id.
    fn into_names(self) -> Vec<Box<str>> {
        let mut names: Vec<(u32, Box<str>)> = self.ids.into_iter().map(|(k, v)| (v, k)).collect();
        names.sort_unstable_by_key(|(id, _)| *id);
        names.into_iter().map(|(_, name)| name).collect()
    }
}

/// Reads rows one at a time, knowing the line each starts on.
struct RowReader<'h, R> {
    file: &'h str,
    lines: CsvLines<R>,
    header: Vec<String>,
}

impl<R: BufRead> RowReader<'_, R> {
    fn error(&self, err: LineError) -> AttributionError {
        let malformed = |line, detail: &str| AttributionError::Malformed {
            file: self.file.into(),
            line,
            detail: detail.into(),
        };
        match err {
            LineError::Io(source) => AttributionError::Unreadable {
                file: self.file.into(),
                source,
            },
            LineError::Utf8(line) => malformed(line, "invalid UTF-8 text (save the file as UTF-8)"),
            LineError::OpenQuote(line) => malformed(line, "a quote opened here is never closed"),
        }
    }

    fn next(&mut self, record: &mut Record) -> Result<Option<u64>, AttributionError> {
        match self.lines.next_record(record) {
            Ok(Some(line)) => {
                if record.len() != self.header.len() {
                    return Err(AttributionError::Ragged {
                        file: self.file.into(),
                        line,
                        expected: self.header.len(),
                        found: record.len(),
                    });
                }
                Ok(Some(line))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }
}

/// State while reading: interners, per-user last start, the table being built.
struct Builder<'a> {
    file: &'a str,
    columns: &'a Columns,
    layout: Layout,
    users: Interner,
    channels: Interner,
    campaigns: Interner,
    last_start: Vec<Millis>,
    table: TouchTable,
}

impl Builder<'_> {
    fn bad(
        &self,
        line: u64,
        column: &str,
        value: &str,
        problem: &'static str,
        fix: &'static str,
    ) -> AttributionError {
        AttributionError::BadCell {
            file: self.file.into(),
            line,
            column: column.into(),
            value: value.into(),
            problem,
            fix,
        }
    }

    fn time(&self, line: u64, column: &str, cell: &str) -> Result<Millis, AttributionError> {
        parse_timestamp(cell).ok_or_else(|| {
            self.bad(
                line,
                column,
                cell,
                "is not an ISO date-time",
                "write it as 2024-03-01T09:30:00 (a zone such as Z or +02:00 may follow)",
            )
        })
    }

    fn row(&mut self, line: u64, r: &Record) -> Result<(), AttributionError> {
        let l = &self.layout;
        let cell = |i: usize| r.get(i);
        let (user_cell, start_cell, channel_cell) = (cell(l.user), cell(l.start), cell(l.channel));
        let converted_cell = cell(l.converted);
        let converted = if converted_cell.is_empty() {
            self.table
                .cleanup
                .record(CleanupRule::EmptyConverted, line, user_cell);
            false
        } else {
            parse_flag(converted_cell).ok_or_else(|| {
                self.bad(
                    line,
                    &self.columns.converted,
                    converted_cell,
                    "is not true or false",
                    "write true/false (1/0 and yes/no are read too)",
                )
            })?
        };
        if start_cell.is_empty() {
            return Err(self.bad(
                line,
                &self.columns.session_start,
                start_cell,
                "is empty",
                "every touch needs a start time; fill it in or remove the row",
            ));
        }
        let start = self.time(line, &self.columns.session_start, start_cell)?;
        let mut end = NO_END;
        if let Some(i) = l.end {
            let c = cell(i);
            if !c.is_empty() {
                end = self.time(line, &self.columns.session_end, c)?;
            }
        }
        let value = match l.value.map(cell) {
            Some(c) if !c.is_empty() => match c.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => v,
                _ => {
                    return Err(self.bad(
                        line,
                        &self.columns.conversion_value,
                        c,
                        "is not a non-negative number",
                        "write the value as a plain number such as 49.90, or leave it empty",
                    ));
                }
            },
            Some(_) if converted => {
                self.table
                    .cleanup
                    .record(CleanupRule::MissingValue, line, user_cell);
                0.0
            }
            _ => 0.0,
        };
        if user_cell.is_empty() {
            self.table
                .cleanup
                .record(CleanupRule::MissingUser, line, user_cell);
            return Ok(());
        }
        let channel = if is_missing(channel_cell) {
            let rule = if converted {
                CleanupRule::ConversionWithoutChannel
            } else {
                CleanupRule::MissingChannel
            };
            self.table.cleanup.record(rule, line, user_cell);
            if !converted {
                return Ok(());
            }
            NO_CHANNEL
        } else {
            let id = self.channels.id(channel_cell) as usize;
            if id >= MAX_CHANNELS {
                return Err(AttributionError::TooManyChannels {
                    file: self.file.into(),
                    line,
                    max: MAX_CHANNELS,
                });
            }
            id as u16
        };
        if end != NO_END && end < start {
            self.table
                .cleanup
                .record(CleanupRule::EndBeforeStart, line, user_cell);
            end = NO_END;
        }
        let user = self.users.id(user_cell);
        if user as usize == self.last_start.len() {
            self.last_start.push(start);
        } else if start < self.last_start[user as usize] {
            self.table
                .cleanup
                .record(CleanupRule::OutOfOrder, line, user_cell);
        } else {
            self.last_start[user as usize] = start;
        }
        let campaign = match l.campaign.map(cell) {
            Some(c) if !c.is_empty() => self.campaigns.id(c) + 1,
            _ => 0,
        };
        self.table.rows.push(Row {
            user,
            start,
            end,
            channel,
            campaign,
            converted,
            value: if converted { value } else { 0.0 },
            line,
        });
        Ok(())
    }
}

/// Read a touchpoint CSV from `reader` (named `file` in messages), one row at a time.
pub fn read_touches<R: BufRead>(
    reader: R,
    file: &str,
    columns: &Columns,
) -> Result<TouchTable, AttributionError> {
    let mut rows = RowReader {
        file,
        lines: CsvLines::new(reader),
        header: Vec::new(),
    };
    let mut record = Record::default();
    match rows.lines.next_record(&mut record) {
        Ok(Some(_)) => {}
        Ok(None) => return Err(AttributionError::Empty { file: file.into() }),
        Err(e) => return Err(rows.error(e)),
    }
    rows.header = record.iter().map(str::to_string).collect();
    let layout = locate(file, &rows.header, columns)?;
    let mut b = Builder {
        file,
        columns,
        table: TouchTable {
            file: file.into(),
            rows: Vec::new(),
            users: Vec::new(),
            channels: Vec::new(),
            rows_read: 0,
            has_value: layout.value.is_some(),
            has_end: layout.end.is_some(),
            converted_column: columns.converted.clone(),
            cleanup: Cleanup::default(),
        },
        layout,
        users: Interner::default(),
        channels: Interner::default(),
        campaigns: Interner::default(),
        last_start: Vec::new(),
    };
    while let Some(line) = rows.next(&mut record)? {
        b.table.rows_read += 1;
        b.row(line, &record)?;
    }
    if b.table.rows_read == 0 {
        return Err(AttributionError::NoRows { file: file.into() });
    }
    let mut table = b.table;
    table.users = b.users.into_names();
    table.channels = b
        .channels
        .into_names()
        .into_iter()
        .map(String::from)
        .collect();
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<TouchTable, AttributionError> {
        read_touches(text.as_bytes(), "t.csv", &Columns::default())
    }

    const HEADER: &str = "user_id,session_start,session_end,channel,converted,conversion_value\n";

    #[test]
    fn rows_are_interned_and_lines_count_blank_lines_and_crlf() {
        let text = format!(
            "{}\r\nu1,2024-03-01T10:00:00,,search,false,\r\n\r\nu2,2024-03-02,,tv,true,5\r\n\
             u1,2024-03-03T10:00:00Z,2024-03-03T10:05:00Z,search,1,2.5\n",
            HEADER.trim_end()
        );
        let t = read(&text).unwrap();
        assert_eq!(t.rows_read, 3);
        assert_eq!(t.channels, vec!["search", "tv"]);
        assert_eq!(t.users.len(), 2);
        let lines: Vec<u64> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 4, 5]);
        assert!(t.rows[2].converted && (t.rows[2].value - 2.5).abs() < f64::EPSILON);
        assert_eq!(t.rows[2].end - t.rows[2].start, 300_000);
    }

    #[test]
    fn messy_rows_are_counted_by_rule_and_never_stop_the_read() {
        let text = format!(
            "{HEADER}\
             ,2024-03-01,,search,false,\n\
             u1,2024-03-05,,,false,\n\
             u1,2024-03-04,,search,false,\n\
             u1,2024-03-06,2024-03-05,tv,,\n\
             u1,2024-03-07,,NULL,true,\n"
        );
        let t = read(&text).unwrap();
        let c = &t.cleanup;
        assert_eq!(c.count(CleanupRule::MissingUser), 1);
        assert_eq!(c.count(CleanupRule::MissingChannel), 1);
        assert_eq!(c.count(CleanupRule::EndBeforeStart), 1);
        assert_eq!(c.count(CleanupRule::EmptyConverted), 1);
        assert_eq!(c.count(CleanupRule::ConversionWithoutChannel), 1);
        assert_eq!(c.count(CleanupRule::MissingValue), 1);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[2].channel, NO_CHANNEL);
        assert_eq!(t.rows[1].end, NO_END);
    }

    #[test]
    fn bad_cells_name_file_line_and_column() {
        let err = read(&format!(
            "{HEADER}u1,2024-03-01,,a,false,\nu1,03/02/2024,,a,no,\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("t.csv line 3, column \"session_start\"") && err.contains("ISO"),
            "{err}"
        );
        let err = read(&format!("{HEADER}u1,2024-03-01,,a,maybe,\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2, column \"converted\""), "{err}");
        let err = read(&format!("{HEADER}u1,2024-03-01,,a,true,-3\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("column \"conversion_value\""), "{err}");
    }

    #[test]
    fn missing_columns_suggest_the_nearest_and_empty_files_are_named() {
        let err = read("user,session_start,channel,converted\nu,2024-01-01,a,true\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"user_id\"") && err.contains("did you mean \"user\""),
            "{err}"
        );
        assert!(err.contains("--user-id"), "{err}");
        assert!(matches!(read(""), Err(AttributionError::Empty { .. })));
        assert!(matches!(read(HEADER), Err(AttributionError::NoRows { .. })));
        let err = read(&format!("{HEADER}u1,2024-03-01,,a\n")).unwrap_err();
        assert!(
            matches!(err, AttributionError::Ragged { line: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn an_optional_column_named_explicitly_must_exist() {
        let columns = Columns {
            campaign: "utm_campaign".into(),
            explicit: vec!["utm_campaign".into()],
            ..Columns::default()
        };
        let err = read_touches(
            format!("{HEADER}u,2024-01-01,,a,true,1\n").as_bytes(),
            "t.csv",
            &columns,
        )
        .unwrap_err();
        assert!(err.to_string().contains("utm_campaign"));
    }
}
