//! From rows to journeys: each user's rows in time order, duplicate sessions merged, cut at
//! every conversion, and limited to the touches inside the lookback window.
//!
//! A journey is the touches of one user since their previous conversion (or their first row)
//! up to and including a converting session; touches after a user's last conversion form one
//! journey that did not convert. A converting session with a channel is itself the last touch;
//! one without a channel credits the touches before it. The conversion happens at the session
//! end when there is one, else at its start; touches more than the lookback before the
//! conversion do not count (for a journey that did not convert, before its last touch).

use super::cleanup::{Cleanup, CleanupRule};
use super::reader::{NO_CHANNEL, NO_END, Row, TouchTable};
use super::timestamp::Millis;

/// One touch of a journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Touch {
    /// Interned channel.
    pub channel: u16,
    /// Session start.
    pub time: Millis,
}

/// How a journey ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conversion {
    /// When.
    pub time: Millis,
    /// Its value.
    pub value: f64,
}

/// One journey: touches in time order (ties in file order), and its conversion if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Journey<'a> {
    /// Touches inside the lookback window, at least one.
    pub touches: &'a [Touch],
    /// The conversion that ended the journey.
    pub conversion: Option<Conversion>,
}

/// Counts made while cutting journeys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CutCounts {
    /// Conversions in the file (after merging duplicates).
    pub conversions: u64,
    /// Conversions with no touch in the lookback window (not attributed).
    pub conversions_without_touch: u64,
    /// Touches dropped for lying before the lookback window.
    pub touches_outside_lookback: u64,
    /// Rows kept after merging duplicates.
    pub rows_kept: u64,
}

/// Is `b` the same session as `a` (same user and start assumed)?
fn same_session(a: &Row, b: &Row) -> bool {
    a.channel == b.channel && a.campaign == b.campaign
}

/// One user's rows (sorted by start, then line) with duplicate sessions merged into `out`.
fn merge_duplicates(rows: &[Row], out: &mut Vec<Row>, cleanup: &mut Cleanup, user: &str) {
    out.clear();
    let mut run_start = 0;
    for row in rows {
        if out.last().is_some_and(|l| l.start != row.start) {
            run_start = out.len();
        }
        match out[run_start..].iter_mut().find(|k| same_session(k, row)) {
            Some(kept) => {
                cleanup.record(CleanupRule::DuplicateSession, row.line, user);
                kept.converted |= row.converted;
                kept.value = kept.value.max(row.value);
                if kept.end == NO_END {
                    kept.end = row.end;
                }
            }
            None => out.push(*row),
        }
    }
}

/// Cut the table into journeys, calling `visit` on each; repairs are added to its clean-up.
pub fn cut_journeys(
    table: &mut TouchTable,
    lookback_ms: Millis,
    mut visit: impl FnMut(Journey<'_>),
) -> CutCounts {
    let mut counts = CutCounts::default();
    let mut rows = std::mem::take(&mut table.rows);
    rows.sort_unstable_by_key(|r| (r.user, r.start, r.line));
    let mut merged = Vec::new();
    let mut pending: Vec<Touch> = Vec::new();
    for group in rows.chunk_by(|a, b| a.user == b.user) {
        let user = &table.users[group[0].user as usize];
        merge_duplicates(group, &mut merged, &mut table.cleanup, user);
        counts.rows_kept += merged.len() as u64;
        pending.clear();
        for row in &merged {
            if row.channel != NO_CHANNEL {
                pending.push(Touch {
                    channel: row.channel,
                    time: row.start,
                });
            }
            if !row.converted {
                continue;
            }
            counts.conversions += 1;
            let time = if row.end == NO_END {
                row.start
            } else {
                row.end
            };
            let first = pending.partition_point(|t| t.time < time - lookback_ms);
            counts.touches_outside_lookback += first as u64;
            if first == pending.len() {
                counts.conversions_without_touch += 1;
                table
                    .cleanup
                    .record(CleanupRule::ConversionWithoutTouch, row.line, user);
            } else {
                visit(Journey {
                    touches: &pending[first..],
                    conversion: Some(Conversion {
                        time,
                        value: row.value,
                    }),
                });
            }
            pending.clear();
        }
        if let Some(last) = pending.last() {
            let first = pending.partition_point(|t| t.time < last.time - lookback_ms);
            counts.touches_outside_lookback += first as u64;
            visit(Journey {
                touches: &pending[first..],
                conversion: None,
            });
        }
    }
    rows.sort_unstable_by_key(|r| r.line);
    table.rows = rows;
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::reader::read_touches;
    use crate::attribution::settings::Columns;

    const DAY: Millis = 86_400_000;

    fn journeys(text: &str, lookback_days: i64) -> (Vec<(Vec<u16>, bool)>, CutCounts, Cleanup) {
        let mut t = read_touches(text.as_bytes(), "t.csv", &Columns::default()).unwrap();
        let mut out = Vec::new();
        let counts = cut_journeys(&mut t, lookback_days * DAY, |j| {
            out.push((
                j.touches.iter().map(|t| t.channel).collect(),
                j.conversion.is_some(),
            ));
        });
        (out, counts, t.cleanup)
    }

    #[test]
    fn journeys_are_cut_at_conversions_and_sorted_in_time() {
        let text = "user_id,session_start,channel,converted\n\
                    u1,2024-03-03,b,true\n\
                    u1,2024-03-01,a,false\n\
                    u1,2024-03-04,c,false\n\
                    u2,2024-03-01,c,false\n";
        let (j, counts, cleanup) = journeys(text, 30);
        assert_eq!(
            j,
            vec![(vec![1, 0], true), (vec![2], false), (vec![2], false)]
        );
        assert_eq!(counts.conversions, 1);
        assert_eq!(cleanup.count(CleanupRule::OutOfOrder), 1);
    }

    #[test]
    fn duplicates_merge_and_the_lookback_drops_old_touches() {
        let text = "user_id,session_start,channel,converted\n\
                    u1,2024-01-01,a,false\n\
                    u1,2024-03-01,b,false\n\
                    u1,2024-03-01,b,true\n\
                    u2,2024-01-01,a,false\n\
                    u2,2024-03-01,,true\n";
        let (j, counts, cleanup) = journeys(text, 30);
        assert_eq!(j, vec![(vec![1], true)]);
        assert_eq!(cleanup.count(CleanupRule::DuplicateSession), 1);
        assert_eq!(counts.conversions, 2);
        assert_eq!(counts.conversions_without_touch, 1);
        assert_eq!(counts.touches_outside_lookback, 2);
        assert_eq!(cleanup.count(CleanupRule::ConversionWithoutTouch), 1);
    }

    #[test]
    fn a_touch_exactly_at_the_lookback_edge_counts() {
        let text = "user_id,session_start,channel,converted\n\
                    u1,2024-03-01,a,false\n\
                    u1,2024-03-31,b,true\n";
        let (j, _, _) = journeys(text, 30);
        assert_eq!(j, vec![(vec![0, 1], true)]);
        let (j, _, _) = journeys(text, 29);
        assert_eq!(j, vec![(vec![1], true)]);
    }
}
