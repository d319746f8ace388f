//! Everything that can stop an attribution run, each message naming the file, the line, the
//! column and what to do.
//!
//! Lines count as an editor shows them: the header is line 1, the first data row line 2.

use std::path::PathBuf;

use thiserror::Error;

/// Why a touchpoint file, a settings table or a fit directory cannot be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AttributionError {
    /// The file cannot be opened or read.
    #[error("cannot read {file}: {source}")]
    Unreadable {
        /// The file.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file has no header line.
    #[error("{file} is empty; it needs a header line and one row per touch")]
    Empty {
        /// The file.
        file: String,
    },
    /// The file has a header but no data rows.
    #[error("{file} has a header but no rows; add one row per touch below the header")]
    NoRows {
        /// The file.
        file: String,
    },
    /// The CSV itself is broken (bad quoting, invalid UTF-8).
    #[error("{file} line {line}: {detail}; fix the CSV syntax on that line")]
    Malformed {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// What the parser saw.
        detail: String,
    },
    /// A row has a different number of cells than the header.
    #[error(
        "{file} line {line}: {found} cells where the header has {expected}; \
         every row needs one cell per header column (quote cells that contain commas)"
    )]
    Ragged {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// Cells in the header.
        expected: usize,
        /// Cells in the row.
        found: usize,
    },
    /// A required column is not in the header.
    #[error(
        "{file}: no column \"{column}\" for the {}{hint}; the header has: {available}. \
         Name the column with --{} or `{} = \"...\"` in the [attribution] table",
        part.role(), part.flag(), part.key()
    )]
    MissingColumn {
        /// The file.
        file: String,
        /// The column asked for.
        column: String,
        /// What the column is for.
        part: ColumnPart,
        /// ` (did you mean "x"?)` or empty.
        hint: String,
        /// The header, comma separated.
        available: String,
    },
    /// A header names the same column twice.
    #[error("{file}: the header has the column \"{column}\" twice; rename one of them")]
    DuplicateColumn {
        /// The file.
        file: String,
        /// The column.
        column: String,
    },
    /// A cell that must parse does not.
    #[error("{file} line {line}, column \"{column}\": {value:?} {problem}; {fix}")]
    BadCell {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// The column.
        column: String,
        /// The cell.
        value: String,
        /// What is wrong.
        problem: &'static str,
        /// What to do.
        fix: &'static str,
    },
    /// Nothing converted: there is nothing to attribute.
    #[error(
        "{file}: no conversions after clean-up ({rows} rows read, {kept} kept); attribution \
         needs at least one row with \"{column}\" true (true/1/yes) and a touch before it"
    )]
    NoConversions {
        /// The file.
        file: String,
        /// Data rows read.
        rows: u64,
        /// Rows kept after clean-up.
        kept: u64,
        /// The converted column.
        column: String,
    },
    /// More distinct channels than the engine handles.
    #[error(
        "{file} line {line}: more than {max} distinct channels; map campaigns or sources to \
         channels before attributing"
    )]
    TooManyChannels {
        /// The file.
        file: String,
        /// The line of the first channel over the limit.
        line: u64,
        /// The limit.
        max: usize,
    },
    /// A setting is out of range.
    #[error("{key} = {value}: {problem}")]
    Setting {
        /// The key path (`attribution.half_life_days`).
        key: String,
        /// The value given.
        value: String,
        /// What is wrong and the allowed range.
        problem: String,
    },
    /// The settings TOML file is unreadable or invalid.
    #[error("{file}: {detail}")]
    SettingsFile {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The fit directory lacks a file or has a malformed one.
    #[error("{file}: {detail}")]
    FitDir {
        /// The file inside the fit directory.
        file: PathBuf,
        /// What is wrong and what to do.
        detail: String,
    },
}

/// The part a column plays in a touchpoint file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnPart {
    /// The journey key.
    UserId,
    /// Session start.
    SessionStart,
    /// Session end.
    SessionEnd,
    /// Channel.
    Channel,
    /// Campaign.
    Campaign,
    /// Converted flag.
    Converted,
    /// Conversion value.
    Value,
}

impl ColumnPart {
    /// In words.
    pub fn role(self) -> &'static str {
        match self {
            ColumnPart::UserId => "journey key",
            ColumnPart::SessionStart => "session start time",
            ColumnPart::SessionEnd => "session end time",
            ColumnPart::Channel => "channel",
            ColumnPart::Campaign => "campaign",
            ColumnPart::Converted => "conversion flag",
            ColumnPart::Value => "conversion value",
        }
    }

    /// The command-line flag naming the column.
    pub fn flag(self) -> &'static str {
        match self {
            ColumnPart::UserId => "user-id",
            ColumnPart::SessionStart => "session-start",
            ColumnPart::SessionEnd => "session-end",
            ColumnPart::Channel => "channel",
            ColumnPart::Campaign => "campaign",
            ColumnPart::Converted => "converted",
            ColumnPart::Value => "value",
        }
    }

    /// The `[attribution]` key naming the column.
    pub fn key(self) -> &'static str {
        match self {
            ColumnPart::UserId => "user_id",
            ColumnPart::SessionStart => "session_start",
            ColumnPart::SessionEnd => "session_end",
            ColumnPart::Channel => "channel",
            ColumnPart::Campaign => "campaign",
            ColumnPart::Converted => "converted",
            ColumnPart::Value => "conversion_value",
        }
    }
}
