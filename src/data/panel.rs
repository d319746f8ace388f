//! Long-format panel data: one row per group and period, split into one validated [`Dataset`]
//! per group (groups may cover different date ranges), with every check run per group and
//! every problem naming its group.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use super::csv_reader::{RawColumn, RawTable, read_columns};
use super::dataset::Dataset;
use super::error::{ColumnRole, DataError};
use super::load::DataRequest;
use super::timeline::{bad_dates, build_timeline};
use super::validate::{check_varies, parse_numbers};
use crate::transform::Date;

/// Fewest rows a group needs: two dates tell its period.
const MIN_GROUP_ROWS: usize = 2;

/// One group of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelGroup {
    /// The group's label as written in the group column.
    pub name: String,
    /// Its population (1 when the model names no population column).
    pub population: f64,
    /// Index of its first period on the panel's common timeline (0 = the earliest date of any
    /// group).
    pub start: usize,
    /// Its rows: dates, target, channels and controls (in original units).
    pub data: Dataset,
}

/// A validated panel, groups in order of first appearance in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelData {
    /// The file as the user named it.
    pub source: String,
    /// The groups.
    pub groups: Vec<PanelGroup>,
    /// Days per period, the same in every group.
    pub period_days: u32,
    /// Periods on the common timeline, from the earliest to the latest date of any group.
    pub n_timeline: usize,
}

impl PanelData {
    /// Total number of rows (group × period).
    pub fn n_rows(&self) -> usize {
        self.groups.iter().map(|g| g.data.n_periods()).sum()
    }
}

/// Read and validate the long-format file at `path`: the columns of `req` plus the `group`
/// column and, when given, a `population` column (constant and positive within each group).
pub fn load_panel(
    path: &Path,
    req: &DataRequest,
    group: &str,
    population: Option<&str>,
) -> Result<PanelData, DataError> {
    let file = path.display().to_string();
    let reader = File::open(path).map_err(|source| DataError::Unreadable {
        file: file.clone(),
        source,
    })?;
    let mut wanted = vec![
        (req.date.as_str(), ColumnRole::Date),
        (req.target.as_str(), ColumnRole::Target),
    ];
    wanted.extend(
        req.channels
            .iter()
            .map(|c| (c.as_str(), ColumnRole::Channel)),
    );
    wanted.extend(
        req.controls
            .iter()
            .map(|c| (c.as_str(), ColumnRole::Control)),
    );
    wanted.push((group, ColumnRole::Group));
    wanted.extend(population.map(|p| (p, ColumnRole::Population)));
    let table = read_columns(reader, &file, &wanted)?;
    split(&file, req, &table, population.is_some())
}

/// Split the table by group and check each group; every bad cell of every group is reported.
fn split(
    file: &str,
    req: &DataRequest,
    table: &RawTable,
    has_population: bool,
) -> Result<PanelData, DataError> {
    let n_series = 2 + req.channels.len() + req.controls.len();
    let group_col = &table.columns[n_series];
    let mut order: Vec<String> = Vec::new();
    let mut rows_of: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut cells = Vec::new();
    for (row, (label, &line)) in group_col.cells.iter().zip(&table.lines).enumerate() {
        if label.is_empty() {
            let err = DataError::MissingValue {
                file: file.to_string(),
                line,
                column: group_col.name.clone(),
                role: ColumnRole::Group,
            };
            cells.push((line, group_col.index, err));
            continue;
        }
        let rows = rows_of.entry(label.as_str()).or_insert_with(|| {
            order.push(label.clone());
            Vec::new()
        });
        rows.push(row);
    }
    DataError::all(file, cells)?;
    // A column that never varies over the whole panel cannot be told from the intercepts; one
    // that is constant within a group is fine (the group borrows strength from the others).
    let mut constant = Vec::new();
    let mut cells = Vec::new();
    for column in &table.columns[1..n_series] {
        match parse_numbers(file, column, &table.lines) {
            Ok(values) => {
                if let Err(e) = check_varies(file, column, &values) {
                    constant.push((0, column.index, e));
                }
            }
            Err(bad) => cells.extend(bad.into_iter().map(|(l, e)| (l, column.index, e))),
        }
    }
    let population = if has_population {
        let column = &table.columns[n_series + 1];
        match parse_numbers(file, column, &table.lines) {
            Ok(values) => Some(values),
            Err(bad) => {
                cells.extend(bad.into_iter().map(|(l, e)| (l, column.index, e)));
                None
            }
        }
    } else {
        None
    };
    DataError::all(file, cells)?;
    DataError::all(file, constant)?;
    let mut groups = Vec::with_capacity(order.len());
    let mut problems = Vec::new();
    for name in &order {
        let rows = &rows_of[name.as_str()];
        let label = format!("{file} (group \"{name}\")");
        let pop = match &population {
            Some(values) => match group_population(file, table, n_series + 1, name, rows, values) {
                Ok(p) => p,
                Err(e) => {
                    problems.push((table.lines[rows[0]], 0, e));
                    continue;
                }
            },
            None => 1.0,
        };
        match group_dataset(&label, req, table, n_series, rows) {
            Ok(data) => groups.push(PanelGroup {
                name: name.clone(),
                population: pop,
                start: 0,
                data,
            }),
            Err(e) => problems.push((table.lines[rows[0]], 0, e)),
        }
    }
    DataError::all(file, problems)?;
    timeline(file, groups)
}

/// The group's population: one positive value on all its rows.
fn group_population(
    file: &str,
    table: &RawTable,
    column: usize,
    name: &str,
    rows: &[usize],
    values: &[f64],
) -> Result<f64, DataError> {
    let first = values[rows[0]];
    let bad = |row: usize, problem| DataError::Population {
        file: file.to_string(),
        line: table.lines[row],
        column: table.columns[column].name.clone(),
        group: name.to_string(),
        value: values[row],
        problem,
    };
    if first <= 0.0 {
        return Err(bad(rows[0], "is not positive"));
    }
    match rows
        .iter()
        .find(|&&r| values[r].to_bits() != first.to_bits())
    {
        Some(&r) => Err(bad(r, "differs from the group's first row")),
        None => Ok(first),
    }
}

/// One group's rows as a [`Dataset`], checked as a national file is except that a column may
/// be constant within the group.
fn group_dataset(
    label: &str,
    req: &DataRequest,
    table: &RawTable,
    n_series: usize,
    rows: &[usize],
) -> Result<Dataset, DataError> {
    let lines: Vec<u64> = rows.iter().map(|&r| table.lines[r]).collect();
    if rows.len() < MIN_GROUP_ROWS {
        return Err(DataError::TooFewRows {
            file: label.to_string(),
            rows: rows.len(),
            needed: MIN_GROUP_ROWS,
        });
    }
    let pick = |c: &RawColumn| RawColumn {
        name: c.name.clone(),
        role: c.role,
        index: c.index,
        cells: rows.iter().map(|&r| c.cells[r].clone()).collect(),
    };
    let columns: Vec<RawColumn> = table.columns[..n_series].iter().map(pick).collect();
    let date = &columns[0];
    let cells: Vec<(u64, usize, DataError)> = bad_dates(label, date, &lines)
        .into_iter()
        .map(|(l, e)| (l, date.index, e))
        .collect();
    DataError::all(label, cells)?;
    let timeline = build_timeline(label, date, &lines)?;
    let mut series = columns[1..].iter().map(|c| {
        // Already checked over the whole file: every cell parses.
        parse_numbers(label, c, &lines).unwrap_or_default()
    });
    let target = series.next().unwrap_or_default();
    let channels: Vec<Vec<f64>> = series.by_ref().take(req.channels.len()).collect();
    let controls: Vec<Vec<f64>> = series.collect();
    Ok(Dataset {
        source: label.to_string(),
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

/// Place every group on the common timeline; all groups must share one period.
fn timeline(file: &str, mut groups: Vec<PanelGroup>) -> Result<PanelData, DataError> {
    let days = |d: &str| Date::parse_iso(d).map_or(0, Date::days_since_epoch);
    let first = &groups[0];
    let period_days = first.data.period_days();
    for g in &groups[1..] {
        if g.data.period_days() != period_days {
            return Err(DataError::PanelPeriods {
                file: file.to_string(),
                first: first.name.clone(),
                first_days: period_days,
                group: g.name.clone(),
                days: g.data.period_days(),
            });
        }
    }
    let origin = groups
        .iter()
        .map(|g| days(&g.data.dates()[0]))
        .min()
        .unwrap_or(0);
    let step = i64::from(period_days.max(1));
    let mut n_timeline = 0;
    for g in &mut groups {
        let offset = (days(&g.data.dates()[0]) - origin) / step;
        g.start = usize::try_from(offset).unwrap_or(0);
        n_timeline = n_timeline.max(g.start + g.data.n_periods());
    }
    Ok(PanelData {
        source: file.to_string(),
        groups,
        period_days,
        n_timeline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn request() -> DataRequest {
        DataRequest {
            date: "week".into(),
            target: "y".into(),
            channels: vec!["tv".into()],
            controls: vec![],
            min_rows: 2,
        }
    }

    fn load(text: &str, population: Option<&str>) -> Result<PanelData, DataError> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        load_panel(f.path(), &request(), "geo", population)
    }

    #[test]
    fn an_unbalanced_panel_splits_into_groups_on_one_timeline() {
        let text = "week,geo,y,tv,pop\n\
                    2024-01-01,north,1,0,10\n2024-01-08,north,2,1,10\n2024-01-15,north,3,2,10\n\
                    2024-01-15,south,4,3,5\n2024-01-08,east,5,0,7\n2024-01-22,south,6,1,5\n\
                    2024-01-15,east,5,2,7\n";
        let panel = load(text, Some("pop")).unwrap();
        let names: Vec<&str> = panel.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["north", "south", "east"]);
        let starts: Vec<usize> = panel.groups.iter().map(|g| g.start).collect();
        assert_eq!(starts, [0, 2, 1]);
        assert_eq!(panel.n_timeline, 4);
        assert_eq!(panel.n_rows(), 7);
        assert_eq!(panel.groups[1].data.target(), [4.0, 6.0]);
        approx::assert_abs_diff_eq!(panel.groups[2].population, 7.0);
    }

    #[test]
    fn problems_name_their_group_and_line() {
        let text = "week,geo,y,tv\n2024-01-01,north,1,0\n2024-01-08,north,2,1\n\
                    2024-01-01,south,1,0\n2024-01-15,south,2,1\n";
        let err = load(text, None).unwrap_err().to_string();
        assert!(err.contains("group \"south\""), "{err}");
        let text = "week,geo,y,tv\n2024-01-01,north,1,0\n2024-01-08,north,2,-1\n";
        let err = load(text, None).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("negative"), "{err}");
        let text = "week,geo,y,tv,pop\n2024-01-01,north,1,0,3\n2024-01-08,north,2,1,4\n";
        let err = load(text, Some("pop")).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("\"north\""), "{err}");
        let text = "week,geo,y,tv\n2024-01-01,,1,0\n2024-01-08,north,2,1\n";
        let err = load(text, None).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("geo"), "{err}");
        let err = load("week,region,y,tv\n2024-01-01,a,1,0\n", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"geo\""), "{err}");
    }

    #[test]
    fn a_channel_constant_in_one_group_is_allowed_but_not_over_the_panel() {
        let text = "week,geo,y,tv\n2024-01-01,a,1,0\n2024-01-08,a,2,0\n\
                    2024-01-01,b,1,1\n2024-01-08,b,3,2\n";
        assert!(load(text, None).is_ok());
        let text = "week,geo,y,tv\n2024-01-01,a,1,0\n2024-01-08,a,2,0\n\
                    2024-01-01,b,1,0\n2024-01-08,b,3,0\n";
        let err = load(text, None).unwrap_err().to_string();
        assert!(err.contains("zero spend"), "{err}");
    }
}
