//! The scenario file: TOML parsed into a raw struct that denies unknown keys, then checked
//! into a [`Scenario`] (every rule that needs no fit), each problem with its line.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::error::{Issue, OptimizeError, Problem};

/// `reference_periods` when the file does not say: a quarter of weekly data.
pub const DEFAULT_REFERENCE_PERIODS: usize = 13;
/// `uncertainty_draws` when the file does not say: posterior draws re-optimised one by one
/// for the interval of each channel's optimal spend.
pub const DEFAULT_UNCERTAINTY_DRAWS: usize = 200;
/// `seed` when the file does not say (random starts of the multi-start search).
pub const DEFAULT_SEED: u64 = 1;

/// What the plan maximises.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Objective {
    /// The outcome over the horizon; the whole budget is spent.
    Outcome,
    /// `outcome_value` × outcome − spend; the budget is a ceiling, and may be left unspent.
    Profit,
    /// The smallest budget whose outcome reaches `target`.
    MinSpend,
}

impl Objective {
    /// The name as written in a scenario file.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Outcome => "outcome",
            Objective::Profit => "profit",
            Objective::MinSpend => "min_spend",
        }
    }
}

/// How the posterior's spread enters the objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Risk {
    /// The posterior mean.
    Mean,
    /// A posterior quantile (0.1: a lower credible bound), Harrell–Davis estimated.
    Quantile(f64),
}

impl std::fmt::Display for Risk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Risk::Mean => write!(f, "mean"),
            Risk::Quantile(q) => write!(f, "quantile {q}"),
        }
    }
}

/// One channel's bounds on its total spend over the horizon (original currency).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Minimum total spend (default 0).
    pub min: f64,
    /// Maximum total spend; `None` for no cap.
    pub max: Option<f64>,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            min: 0.0,
            max: None,
        }
    }
}

/// What a panel fit's budget is split over (`split = ...`; national fits have channels only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    /// One spend per channel over all groups, spread over the groups in proportion to each
    /// group's spend on the channel over the reference periods.
    #[default]
    Channel,
    /// One spend per channel and group.
    ChannelGroup,
}

impl Split {
    /// The name as written in a scenario file.
    pub fn name(self) -> &'static str {
        match self {
            Split::Channel => "channel",
            Split::ChannelGroup => "channel_group",
        }
    }
}

/// One `[[bounds]]` table: bounds on a channel's total, or on one channel in one group.
#[derive(Debug, Clone, PartialEq)]
pub struct CellBounds {
    /// The channel (always given once checked).
    pub channel: String,
    /// The group; `None` bounds the channel's total over all groups.
    pub group: Option<String>,
    /// The bounds.
    pub bounds: Bounds,
    /// Line of the table.
    pub line: Option<usize>,
}

impl CellBounds {
    /// `tv` or `tv (group north)`, for messages.
    pub fn label(&self) -> String {
        match &self.group {
            Some(g) => format!("{} (group {g})", self.channel),
            None => self.channel.clone(),
        }
    }
}

/// A checked scenario. Rules that need the fit (channel names, the budget against the bounds,
/// the reference periods) are checked by [`super::Request::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// What to call the file in messages.
    pub origin: String,
    /// Total budget over the horizon (a ceiling for `min_spend`).
    pub budget: Option<f64>,
    /// Periods the plan covers.
    pub horizon: usize,
    /// What to maximise.
    pub objective: Objective,
    /// Mean or a quantile.
    pub risk: Risk,
    /// The current mix is the channel shares over this many last periods; `None` = default.
    pub reference_periods: Option<usize>,
    /// Outcome to reach (`min_spend`).
    pub target: Option<f64>,
    /// Currency per unit of outcome (`profit`), default 1.
    pub outcome_value: f64,
    /// Seed of the random starts.
    pub seed: u64,
    /// Posterior draws re-optimised one by one (0 skips the allocation's own interval).
    pub uncertainty_draws: usize,
    /// Bounds per named channel, in file order, with the line of each table.
    pub channels: Vec<(String, Bounds, Option<usize>)>,
    /// Panel fits: what the budget is split over.
    pub split: Split,
    /// Panel fits: the `[[bounds]]` tables in file order.
    pub bounds: Vec<CellBounds>,
    /// Line of `reference_periods` and of `budget`, for messages that need the fit.
    pub(crate) lines: KeyLines,
}

/// Lines of the keys whose problems are found only against the fit.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct KeyLines {
    pub reference_periods: Option<usize>,
    pub split: Option<usize>,
    pub budget: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    budget: Option<Spanned<f64>>,
    horizon: Spanned<i64>,
    objective: Option<Spanned<String>>,
    risk: Option<Spanned<toml::Value>>,
    reference_periods: Option<Spanned<i64>>,
    target: Option<Spanned<f64>>,
    outcome_value: Option<Spanned<f64>>,
    seed: Option<u64>,
    uncertainty_draws: Option<usize>,
    #[serde(default)]
    channel: BTreeMap<String, Spanned<RawBounds>>,
    split: Option<Spanned<String>>,
    #[serde(default)]
    bounds: Vec<Spanned<RawCellBounds>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCellBounds {
    channel: Option<String>,
    group: Option<String>,
    min: Option<Spanned<f64>>,
    max: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBounds {
    min: Option<Spanned<f64>>,
    max: Option<Spanned<f64>>,
}

/// Byte offsets to lines.
struct Lines<'a>(&'a str);

impl Lines<'_> {
    fn at(&self, offset: usize) -> usize {
        let end = offset.min(self.0.len());
        self.0.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn of<T>(&self, s: &Spanned<T>) -> Option<usize> {
        Some(self.at(s.span().start))
    }
}

impl Scenario {
    /// Read and check a scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, OptimizeError> {
        let text = std::fs::read_to_string(path).map_err(|source| OptimizeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Scenario::from_toml(&text, &path.display().to_string())
    }

    /// Parse and check scenario text; `origin` names it in messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, OptimizeError> {
        let lines = Lines(text);
        let raw: RawScenario = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| lines.at(s.start));
            OptimizeError::Toml {
                origin: origin.to_string(),
                line,
                message: e.message().trim().to_string(),
                text: line
                    .and_then(|l| text.lines().nth(l - 1))
                    .map(|t| t.trim_end().to_string()),
            }
        })?;
        let mut issues = Vec::new();
        let mut issue =
            |line: Option<usize>, problem: Problem| issues.push(Issue { line, problem });

        let horizon = *raw.horizon.get_ref();
        if horizon < 1 {
            issue(lines.of(&raw.horizon), Problem::Horizon { value: horizon });
        }
        let objective = match raw.objective.as_ref().map(|o| o.get_ref().as_str()) {
            None | Some("outcome") => Objective::Outcome,
            Some("profit") => Objective::Profit,
            Some("min_spend") => Objective::MinSpend,
            Some(other) => {
                issue(
                    raw.objective.as_ref().and_then(|o| lines.of(o)),
                    Problem::UnknownObjective {
                        value: other.to_string(),
                    },
                );
                Objective::Outcome
            }
        };
        let risk = match &raw.risk {
            None => Risk::Mean,
            Some(r) => parse_risk(r.get_ref()).unwrap_or_else(|| {
                issue(
                    lines.of(r),
                    Problem::Risk {
                        value: r.get_ref().to_string(),
                    },
                );
                Risk::Mean
            }),
        };
        let mut positive = |key: &'static str, v: &Option<Spanned<f64>>| {
            if let Some(v) = v
                && !(v.get_ref().is_finite() && *v.get_ref() > 0.0)
            {
                issue(
                    lines.of(v),
                    Problem::NotPositive {
                        key,
                        value: *v.get_ref(),
                    },
                );
            }
        };
        positive("budget", &raw.budget);
        positive("target", &raw.target);
        positive("outcome_value", &raw.outcome_value);
        match (objective, &raw.budget, &raw.target) {
            (Objective::MinSpend, _, None) => issue(None, Problem::MissingTarget),
            (Objective::Outcome | Objective::Profit, None, _) => issue(
                None,
                Problem::MissingBudget {
                    objective: objective.name(),
                },
            ),
            (Objective::Outcome | Objective::Profit, _, Some(t)) => {
                issue(lines.of(t), Problem::TargetUnused);
            }
            _ => {}
        }
        let reference_periods = match &raw.reference_periods {
            Some(r) if *r.get_ref() < 1 => {
                issue(
                    lines.of(r),
                    Problem::TooSmall {
                        key: "reference_periods",
                        value: *r.get_ref(),
                    },
                );
                None
            }
            Some(r) => usize::try_from(*r.get_ref()).ok(),
            None => None,
        };
        let mut check_bounds = |label: String,
                                min: &Option<Spanned<f64>>,
                                max: &Option<Spanned<f64>>,
                                line: Option<usize>| {
            let mut bound = |key: &'static str, v: &Option<Spanned<f64>>| {
                let value = v.as_ref().map(|s| *s.get_ref());
                if let Some(x) = value
                    && !(x.is_finite() && x >= 0.0)
                {
                    issue(
                        v.as_ref().and_then(|s| lines.of(s)),
                        Problem::BadBound {
                            channel: label.clone(),
                            key,
                            value: x,
                        },
                    );
                }
                value
            };
            let min = bound("min", min).unwrap_or(0.0);
            let max = bound("max", max);
            if let Some(max) = max
                && min > max
            {
                issue(
                    line,
                    Problem::CrossedBounds {
                        channel: label,
                        min,
                        max,
                    },
                );
            }
            Bounds { min, max }
        };
        let mut channels = Vec::new();
        for (name, table) in &raw.channel {
            let b = table.get_ref();
            let line = lines.of(table);
            let bounds = check_bounds(name.clone(), &b.min, &b.max, line);
            channels.push((name.clone(), bounds, line));
        }
        let mut bounds = Vec::new();
        let mut missing_channel = Vec::new();
        for table in &raw.bounds {
            let b = table.get_ref();
            let line = lines.of(table);
            let Some(channel) = b.channel.clone() else {
                missing_channel.push((line, b.group.clone()));
                continue;
            };
            let mut cell = CellBounds {
                channel,
                group: b.group.clone(),
                bounds: Bounds::default(),
                line,
            };
            cell.bounds = check_bounds(cell.label(), &b.min, &b.max, line);
            bounds.push(cell);
        }
        for (line, group) in missing_channel {
            issue(line, Problem::BoundWithoutChannel { group });
        }
        let split = match raw.split.as_ref().map(|s| s.get_ref().as_str()) {
            None | Some("channel") => Split::Channel,
            Some("channel_group") => Split::ChannelGroup,
            Some(other) => {
                issue(
                    raw.split.as_ref().and_then(|s| lines.of(s)),
                    Problem::UnknownSplit {
                        value: other.to_string(),
                    },
                );
                Split::Channel
            }
        };
        channels.sort_by_key(|(_, _, line)| *line);
        if !issues.is_empty() {
            issues.sort_by_key(|i| i.line.unwrap_or(usize::MAX));
            return Err(OptimizeError::Invalid {
                origin: origin.to_string(),
                issues,
            });
        }
        Ok(Scenario {
            origin: origin.to_string(),
            budget: raw.budget.as_ref().map(|b| *b.get_ref()),
            horizon: usize::try_from(horizon).unwrap_or(1),
            objective,
            risk,
            reference_periods,
            target: raw.target.as_ref().map(|t| *t.get_ref()),
            outcome_value: raw.outcome_value.map_or(1.0, |v| *v.get_ref()),
            seed: raw.seed.unwrap_or(DEFAULT_SEED),
            uncertainty_draws: raw.uncertainty_draws.unwrap_or(DEFAULT_UNCERTAINTY_DRAWS),
            channels,
            split,
            bounds,
            lines: KeyLines {
                reference_periods: raw.reference_periods.as_ref().and_then(|r| lines.of(r)),
                split: raw.split.as_ref().and_then(|s| lines.of(s)),
                budget: raw.budget.as_ref().and_then(|b| lines.of(b)),
            },
        })
    }
}

/// `"mean"` or `{ quantile = q }` with 0 < q < 1.
fn parse_risk(value: &toml::Value) -> Option<Risk> {
    match value {
        toml::Value::String(s) if s == "mean" => Some(Risk::Mean),
        toml::Value::Table(t) if t.len() == 1 => {
            let q = match t.get("quantile")? {
                toml::Value::Float(q) => *q,
                _ => return None,
            };
            (q > 0.0 && q < 1.0).then_some(Risk::Quantile(q))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, OptimizeError> {
        Scenario::from_toml(text, "s.toml")
    }

    #[test]
    fn the_design_example_parses_with_defaults_filled_in() {
        let s = parse(
            "budget = 1_000_000.0\nhorizon = 8\nobjective = \"outcome\"\nrisk = \"mean\"\n\
             reference_periods = 13\n[channel.tv]\nmin = 0.0\nmax = 600_000.0\n",
        )
        .unwrap();
        assert_eq!(s.budget, Some(1e6));
        assert_eq!(s.horizon, 8);
        assert_eq!(s.objective, Objective::Outcome);
        assert_eq!(s.risk, Risk::Mean);
        assert_eq!(s.reference_periods, Some(13));
        approx::assert_relative_eq!(s.outcome_value, 1.0);
        assert_eq!(s.uncertainty_draws, DEFAULT_UNCERTAINTY_DRAWS);
        assert_eq!(
            s.channels,
            vec![(
                "tv".to_string(),
                Bounds {
                    min: 0.0,
                    max: Some(6e5)
                },
                Some(6)
            )]
        );
        let q = parse("budget = 10\nhorizon = 2\nrisk = { quantile = 0.1 }\n").unwrap();
        assert_eq!(q.risk, Risk::Quantile(0.1));
        assert_eq!(q.budget, Some(10.0));
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let err = parse("budget = 10\nhorizon = 2\nbudjet = 3\n").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("s.toml, line 3: unknown field `budjet`"),
            "{msg}"
        );
        assert!(msg.contains("3 | budjet = 3"), "{msg}");
        let err = parse("budget = 10\nhorizon = 2\n[channel.tv]\nmax = 3\nmaximum = 4\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 5") && err.contains("maximum"), "{err}");
    }

    #[test]
    fn every_rule_broken_is_listed_with_its_line() {
        let err = parse(
            "budget = -5\nhorizon = 0\nobjective = \"revenue\"\nrisk = { quantile = 1.5 }\n\
             [channel.tv]\nmin = 10.0\nmax = 2.0\n",
        )
        .unwrap_err();
        let lines: Vec<Option<usize>> = err.issues().iter().map(|i| i.line).collect();
        assert_eq!(lines, [Some(1), Some(2), Some(3), Some(4), Some(5)]);
        let msg = err.to_string();
        for want in [
            "budget = -5",
            "horizon = 0: the plan needs at least 1 period",
            "objective = \"revenue\"",
            "risk = { quantile = 1.5 }",
            "channel.tv: min 10 is above max 2",
        ] {
            assert!(msg.contains(want), "{want} missing in {msg}");
        }
    }

    #[test]
    fn objectives_need_their_keys() {
        let err = parse("horizon = 4\nobjective = \"min_spend\"\n").unwrap_err();
        assert_eq!(err.issues()[0].problem, Problem::MissingTarget);
        let err = parse("horizon = 4\n").unwrap_err();
        assert!(matches!(
            err.issues()[0].problem,
            Problem::MissingBudget { .. }
        ));
        let s = parse("horizon = 4\nobjective = \"min_spend\"\ntarget = 5e3\n").unwrap();
        assert_eq!(
            (s.objective, s.target, s.budget),
            (Objective::MinSpend, Some(5e3), None)
        );
        let err = parse("budget = 3\nhorizon = 4\ntarget = 5e3\n").unwrap_err();
        assert_eq!(err.issues()[0].problem, Problem::TargetUnused);
    }
}
