//! A scenario checked against the fit: channels resolved to the fit's order, the budget
//! against the bounds, the current mix from the reference periods — every problem named with
//! its numbers before any search.

use crate::data::Dataset;
use crate::data::suggest::nearest;

use super::error::{Issue, OptimizeError, Problem};
use super::scenario::{DEFAULT_REFERENCE_PERIODS, Objective, Scenario, Split};
use super::split::BoundedSplit;

/// Each decision variable's bounds on its total spend.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Minimum total spend.
    pub min: Vec<f64>,
    /// Maximum total spend (`None`: no cap).
    pub max: Vec<Option<f64>>,
}

/// A budget question the fit can answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The scenario as written.
    pub scenario: Scenario,
    /// Channel names in the fit's order.
    pub channels: Vec<String>,
    /// Minimum total spend per channel.
    pub min: Vec<f64>,
    /// Maximum total spend per channel (`None`: no cap).
    pub max: Vec<Option<f64>>,
    /// Periods whose spend defines the current mix.
    pub reference_periods: usize,
    /// Each channel's share of the spend over the reference periods.
    pub shares: Vec<f64>,
    /// Mean total spend per period over the reference periods (all channels).
    pub reference_rate: f64,
}

impl Request {
    /// Check `scenario` against a fit's channel names (model order) and data.
    pub fn new(
        scenario: &Scenario,
        channels: &[String],
        data: &Dataset,
    ) -> Result<Request, OptimizeError> {
        let mut issues = Vec::new();
        if scenario.split != Split::Channel {
            issues.push(Issue {
                line: scenario.lines.split,
                problem: Problem::PanelOnly { key: "split" },
            });
        }
        if let Some(b) = scenario.bounds.first() {
            issues.push(Issue {
                line: b.line,
                problem: Problem::PanelOnly { key: "[[bounds]]" },
            });
        }
        let mut min = vec![0.0; channels.len()];
        let mut max = vec![None; channels.len()];
        for (name, bounds, line) in &scenario.channels {
            match channels.iter().position(|c| c == name) {
                Some(c) => {
                    min[c] = bounds.min;
                    max[c] = bounds.max;
                }
                None => issues.push(Issue {
                    line: *line,
                    problem: Problem::UnknownChannel {
                        name: name.clone(),
                        suggestion: nearest(name, channels).map(str::to_string),
                        known: channels.to_vec(),
                    },
                }),
            }
        }
        let n = data.n_periods();
        let reference_periods = match scenario.reference_periods {
            Some(r) if r > n => {
                issues.push(Issue {
                    line: scenario.lines.reference_periods,
                    problem: Problem::ReferencePeriods {
                        value: i64::try_from(r).unwrap_or(i64::MAX),
                        available: n,
                    },
                });
                n
            }
            Some(r) => r,
            None => DEFAULT_REFERENCE_PERIODS.min(n),
        };
        let totals: Vec<f64> = (0..channels.len())
            .map(|c| data.channel(c)[n - reference_periods.min(n)..].iter().sum())
            .collect();
        Request::from_parts(
            scenario,
            channels.to_vec(),
            Limits { min, max },
            reference_periods,
            &totals,
            issues,
        )
    }

    /// A request over explicit decision variables (named `names`), with their bounds and their
    /// spend over the reference periods; `issues` found so far are reported with the budget's.
    pub fn from_parts(
        scenario: &Scenario,
        names: Vec<String>,
        limits: Limits,
        reference_periods: usize,
        totals: &[f64],
        mut issues: Vec<Issue>,
    ) -> Result<Request, OptimizeError> {
        let Limits { min, max } = limits;
        let all: f64 = totals.iter().sum();
        if issues.is_empty() && all <= 0.0 {
            issues.push(Issue {
                line: scenario.lines.reference_periods,
                problem: Problem::NoReferenceSpend {
                    periods: reference_periods,
                },
            });
        }
        let named = |values: Vec<f64>| -> Vec<(String, f64)> {
            names.iter().cloned().zip(values).collect()
        };
        if let (Some(budget), true) = (scenario.budget, issues.is_empty()) {
            let total_min: f64 = min.iter().sum();
            if total_min > budget {
                issues.push(Issue {
                    line: scenario.lines.budget,
                    problem: Problem::MinimumsExceedBudget {
                        total: total_min,
                        budget,
                        minimums: named(min.clone()),
                    },
                });
            }
            let caps: Option<Vec<f64>> = max.iter().copied().collect();
            if let Some(caps) = caps
                && scenario.objective == Objective::Outcome
                && caps.iter().sum::<f64>() < budget
            {
                issues.push(Issue {
                    line: scenario.lines.budget,
                    problem: Problem::MaximumsBelowBudget {
                        total: caps.iter().sum(),
                        budget,
                        maximums: named(caps),
                    },
                });
            }
        }
        if !issues.is_empty() {
            return Err(OptimizeError::Invalid {
                origin: scenario.origin.clone(),
                issues,
            });
        }
        Ok(Request {
            scenario: scenario.clone(),
            channels: names,
            min,
            max,
            reference_periods,
            shares: totals.iter().map(|t| t / all).collect(),
            reference_rate: all / reference_periods as f64,
        })
    }

    /// Number of channels.
    pub fn n_channels(&self) -> usize {
        self.channels.len()
    }

    /// Whether unspent budget is a choice (objective `profit`): the split then has one more
    /// coordinate, the unspent amount, after the channels.
    pub fn has_slack(&self) -> bool {
        self.scenario.objective == Objective::Profit
    }

    /// Each channel's effective maximum at `budget`: its cap, or what the budget leaves after
    /// the other channels' minimums.
    pub fn effective_max(&self, budget: f64) -> Vec<f64> {
        let total_min: f64 = self.min.iter().sum();
        self.max
            .iter()
            .zip(&self.min)
            .map(|(m, lo)| {
                let room = budget - (total_min - lo);
                m.map_or(room, |m| m.min(room)).max(*lo)
            })
            .collect()
    }

    /// The feasible set at `budget` (with the unspent amount as a last coordinate for
    /// `profit`); `None` when the bounds cannot meet the budget.
    pub fn split(&self, budget: f64) -> Option<BoundedSplit> {
        let mut lo = self.min.clone();
        let mut hi = self.effective_max(budget);
        if self.has_slack() {
            lo.push(0.0);
            hi.push((budget - self.min.iter().sum::<f64>()).max(0.0));
        }
        BoundedSplit::new(&lo, &hi, budget)
    }

    /// The current mix scaled to `budget` (zero unspent for `profit`).
    pub fn current(&self, budget: f64) -> Vec<f64> {
        let mut s: Vec<f64> = self.shares.iter().map(|w| w * budget).collect();
        if self.has_slack() {
            s.push(0.0);
        }
        s
    }

    /// Whether the current mix at `budget` lies within every channel's bounds.
    pub fn current_within_bounds(&self, budget: f64) -> bool {
        self.current(budget)
            .iter()
            .zip(&self.min)
            .zip(&self.max)
            .all(|((s, lo), hi)| *s >= *lo && hi.is_none_or(|h| *s <= h))
    }
}
