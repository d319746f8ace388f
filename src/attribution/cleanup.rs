//! The clean-up log: every rule applied to a messy export, how many rows it touched, and the
//! rows themselves, so the repair can be reviewed (`cleanup.csv`).

use std::fmt::Write as _;

/// One repair rule. Each row it applies to is counted and listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum CleanupRule {
    /// A row without a journey key: dropped.
    MissingUser,
    /// A non-converting row without a channel: dropped.
    MissingChannel,
    /// A converting row without a channel: kept as a conversion without a touch of its own.
    ConversionWithoutChannel,
    /// The same user, start, channel and campaign again: merged into the first (converted if
    /// either was, the larger value kept).
    DuplicateSession,
    /// A row earlier in time than the previous row of its user: put in time order.
    OutOfOrder,
    /// A session end before its start: the end is ignored.
    EndBeforeStart,
    /// An empty converted cell: read as false.
    EmptyConverted,
    /// A converting row with an empty value: value 0.
    MissingValue,
    /// A conversion with no touch in the lookback window: counted, not attributed.
    ConversionWithoutTouch,
}

impl CleanupRule {
    /// Every rule, in report order.
    pub const ALL: [CleanupRule; 9] = [
        CleanupRule::MissingUser,
        CleanupRule::MissingChannel,
        CleanupRule::ConversionWithoutChannel,
        CleanupRule::DuplicateSession,
        CleanupRule::OutOfOrder,
        CleanupRule::EndBeforeStart,
        CleanupRule::EmptyConverted,
        CleanupRule::MissingValue,
        CleanupRule::ConversionWithoutTouch,
    ];

    /// The rule's name in `cleanup.csv`.
    pub fn name(self) -> &'static str {
        match self {
            CleanupRule::MissingUser => "missing_user_id",
            CleanupRule::MissingChannel => "missing_channel",
            CleanupRule::ConversionWithoutChannel => "conversion_without_channel",
            CleanupRule::DuplicateSession => "duplicate_session",
            CleanupRule::OutOfOrder => "out_of_order",
            CleanupRule::EndBeforeStart => "end_before_start",
            CleanupRule::EmptyConverted => "empty_converted",
            CleanupRule::MissingValue => "missing_value",
            CleanupRule::ConversionWithoutTouch => "conversion_without_touch",
        }
    }

    /// What was done, in words.
    pub fn action(self) -> &'static str {
        match self {
            CleanupRule::MissingUser => "row dropped: no journey key",
            CleanupRule::MissingChannel => "row dropped: no channel and no conversion",
            CleanupRule::ConversionWithoutChannel => {
                "kept as a conversion; credited to the touches before it"
            }
            CleanupRule::DuplicateSession => "row merged into the earlier identical session",
            CleanupRule::OutOfOrder => "sorted into time order within its journey",
            CleanupRule::EndBeforeStart => "session end ignored (before the start)",
            CleanupRule::EmptyConverted => "empty converted cell read as false",
            CleanupRule::MissingValue => "converting row without a value: value 0",
            CleanupRule::ConversionWithoutTouch => {
                "conversion not attributed: no touch in the lookback window"
            }
        }
    }

    fn index(self) -> usize {
        CleanupRule::ALL
            .iter()
            .position(|r| *r == self)
            .unwrap_or_default()
    }
}

/// One repaired row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupEntry {
    /// The line of the row (header = 1).
    pub line: u64,
    /// The rule applied.
    pub rule: CleanupRule,
    /// The row's journey key (empty when missing).
    pub user: String,
}

/// Counts per rule and the rows they touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleanup {
    counts: [u64; CleanupRule::ALL.len()],
    entries: Vec<CleanupEntry>,
}

impl Cleanup {
    /// Record that `rule` applied to the row on `line`.
    pub fn record(&mut self, rule: CleanupRule, line: u64, user: &str) {
        self.counts[rule.index()] += 1;
        self.entries.push(CleanupEntry {
            line,
            rule,
            user: user.to_string(),
        });
    }

    /// Rows touched by `rule`.
    pub fn count(&self, rule: CleanupRule) -> u64 {
        self.counts[rule.index()]
    }

    /// Rules that applied at least once, with their counts, in report order.
    pub fn applied(&self) -> Vec<(CleanupRule, u64)> {
        CleanupRule::ALL
            .iter()
            .map(|&r| (r, self.count(r)))
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// Every repaired row, ordered by line then rule.
    pub fn entries(&self) -> Vec<CleanupEntry> {
        let mut e = self.entries.clone();
        e.sort_by_key(|x| (x.line, x.rule));
        e
    }

    /// `cleanup.csv`: `line,user_id,rule,action`.
    pub fn to_csv(&self) -> String {
        let mut s = String::from("line,user_id,rule,action\n");
        for e in self.entries() {
            let _ = writeln!(
                s,
                "{},{},{},{}",
                e.line,
                csv_cell(&e.user),
                e.rule.name(),
                csv_cell(e.rule.action())
            );
        }
        s
    }
}

/// A CSV cell, quoted when it holds a comma, quote or line break.
pub fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_entries_agree_and_the_csv_is_ordered_by_line() {
        let mut c = Cleanup::default();
        c.record(CleanupRule::OutOfOrder, 9, "u,1");
        c.record(CleanupRule::MissingUser, 3, "");
        c.record(CleanupRule::OutOfOrder, 4, "u2");
        assert_eq!(c.count(CleanupRule::OutOfOrder), 2);
        assert_eq!(
            c.applied(),
            vec![(CleanupRule::MissingUser, 1), (CleanupRule::OutOfOrder, 2)]
        );
        let csv = c.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "line,user_id,rule,action");
        assert!(lines[1].starts_with("3,,missing_user_id,"));
        assert!(lines[3].starts_with("9,\"u,1\",out_of_order,"));
    }
}
