//! What can be wrong with a scenario, or with a budget question the posterior cannot answer:
//! each error names the key, the line and the numbers, and says what to do.

use crate::spec::error_text::{issues_message, toml_message};
use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

/// One rule a scenario breaks, with the numbers involved.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Problem {
    /// `horizon = 0` (or negative).
    #[error("horizon = {value}: the plan needs at least 1 period")]
    Horizon {
        /// The value written.
        value: i64,
    },
    /// A number that must be positive and finite is not.
    #[error("{key} = {value}: must be a positive, finite number")]
    NotPositive {
        /// The key.
        key: &'static str,
        /// The value written.
        value: f64,
    },
    /// A count below 1.
    #[error("{key} = {value}: must be at least 1")]
    TooSmall {
        /// The key.
        key: &'static str,
        /// The value written.
        value: i64,
    },
    /// `reference_periods` beyond the data.
    #[error(
        "reference_periods = {value}: must be between 1 and the {available} periods the fit \
         was made on"
    )]
    ReferencePeriods {
        /// The value written.
        value: i64,
        /// Periods in the fit's data.
        available: usize,
    },
    /// `objective` is not one of the known names.
    #[error("objective = \"{value}\": unknown; use \"outcome\", \"profit\" or \"min_spend\"")]
    UnknownObjective {
        /// The value written.
        value: String,
    },
    /// `risk` is neither `"mean"` nor `{ quantile = q }` with 0 < q < 1.
    #[error(
        "risk = {value}: use \"mean\", or {{ quantile = q }} with 0 < q < 1 (0.1 optimises the \
         lower end of a 80 % credible interval)"
    )]
    Risk {
        /// The value written.
        value: String,
    },
    /// `objective = "min_spend"` without `target`.
    #[error(
        "objective = \"min_spend\" needs target = the outcome to reach over the horizon \
         (original units of the model's target)"
    )]
    MissingTarget,
    /// `target` given for another objective.
    #[error("target is read only with objective = \"min_spend\"; remove it or set that objective")]
    TargetUnused,
    /// No `budget` for an objective that needs one.
    #[error("objective = \"{objective}\" needs budget = the total to spend over the horizon")]
    MissingBudget {
        /// The objective.
        objective: &'static str,
    },
    /// A `[channel.NAME]` table the fit has no channel for.
    #[error(
        "[channel.{name}]: the fit has no channel \"{name}\"{}; its channels are {}",
        suggestion.as_ref().map_or_else(String::new, |s| format!(" (did you mean \"{s}\"?)")),
        known.join(", ")
    )]
    UnknownChannel {
        /// The name written.
        name: String,
        /// The nearest known name, when one is close.
        suggestion: Option<String>,
        /// The fit's channels.
        known: Vec<String>,
    },
    /// A bound that is negative or not finite.
    #[error("channel.{channel}.{key} = {value}: a bound must be a finite amount >= 0")]
    BadBound {
        /// The channel.
        channel: String,
        /// `min` or `max`.
        key: &'static str,
        /// The value written.
        value: f64,
    },
    /// `min > max` for a channel.
    #[error("channel.{channel}: min {min} is above max {max}; swap them or widen the range")]
    CrossedBounds {
        /// The channel.
        channel: String,
        /// Its minimum.
        min: f64,
        /// Its maximum.
        max: f64,
    },
    /// The minimums alone need more than the budget.
    #[error(
        "the channel minimums add up to {total} ({}), more than the budget {budget}; lower a \
         minimum or raise the budget",
        list(minimums)
    )]
    MinimumsExceedBudget {
        /// Σ min.
        total: f64,
        /// The budget.
        budget: f64,
        /// Each channel's minimum.
        minimums: Vec<(String, f64)>,
    },
    /// The maximums cannot absorb the budget (objective `outcome` spends all of it).
    #[error(
        "the channel maximums add up to {total} ({}), less than the budget {budget}, so the \
         budget cannot be spent; raise or remove a maximum, lower the budget, or use objective \
         = \"profit\" (which may leave budget unspent)",
        list(maximums)
    )]
    MaximumsBelowBudget {
        /// Σ max.
        total: f64,
        /// The budget.
        budget: f64,
        /// Each channel's maximum.
        maximums: Vec<(String, f64)>,
    },
    /// `split = "..."` other than `channel` or `channel_group`.
    #[error(
        "split = \"{value}\": use \"channel\" (one spend per channel over all groups) or \
         \"channel_group\" (one spend per channel and group)"
    )]
    UnknownSplit {
        /// The value written.
        value: String,
    },
    /// A `[[bounds]]` table without `channel`.
    #[error(
        "[[bounds]]{}: no channel; every [[bounds]] table names a channel (and, for one group \
         only, a group): channel = \"tv\", group = \"north\"",
        group.as_ref().map_or_else(String::new, |g| format!(" with group = \"{g}\""))
    )]
    BoundWithoutChannel {
        /// The group written, if any.
        group: Option<String>,
    },
    /// `split` or `[[bounds]]` on a national fit.
    #[error(
        "{key} is for panel fits (a model with [data] group); this fit is national: bound \
         channels with [channel.NAME] min = ..., max = ... and remove {key}"
    )]
    PanelOnly {
        /// `split` or `[[bounds]]`.
        key: &'static str,
    },
    /// A group the panel fit does not have.
    #[error(
        "group \"{name}\" is not in the fit{}; its groups are {}",
        suggestion.as_ref().map_or_else(String::new, |s| format!(" (did you mean \"{s}\"?)")),
        known.join(", ")
    )]
    UnknownGroup {
        /// The name written.
        name: String,
        /// The nearest known name, when one is close.
        suggestion: Option<String>,
        /// The fit's groups.
        known: Vec<String>,
    },
    /// A per-group bound while the budget is split over channels in total.
    #[error(
        "[[bounds]] {label}: a bound for one group needs split = \"channel_group\" (with the \
         default split = \"channel\" each channel's spend is spread over the groups by their \
         current shares); add split = \"channel_group\" or remove group"
    )]
    GroupBoundNeedsSplit {
        /// `tv (group north)`.
        label: String,
    },
    /// A bound on a channel's total while the budget is split over channels × groups.
    #[error(
        "{label}: with split = \"channel_group\" every bound is for one channel in one group; \
         write [[bounds]] channel = \"{channel}\", group = \"...\" per group, or use split = \
         \"channel\" to bound the channel's total"
    )]
    TotalBoundInGroupSplit {
        /// How the bound was written.
        label: String,
        /// The channel.
        channel: String,
    },
    /// Two bounds for the same channel (and group).
    #[error("{label} is bounded twice; keep one of the two tables")]
    DuplicateBound {
        /// `tv` or `tv (group north)`.
        label: String,
    },
    /// A panel model with an interaction that involves a channel.
    #[error(
        "the model has interactions involving a channel ({}); their effect depends on two \
         spends at once, which the optimizer's per-channel curves do not model; refit without \
         them to plan a budget",
        names.join(", ")
    )]
    ChannelInteraction {
        /// `a:b` per interaction.
        names: Vec<String>,
    },
    /// The reference periods hold no spend, so there is no current mix.
    #[error(
        "the last {periods} periods have no spend on any channel, so there is no current mix \
         to compare with; raise reference_periods"
    )]
    NoReferenceSpend {
        /// `reference_periods`.
        periods: usize,
    },
}

fn list(items: &[(String, f64)]) -> String {
    items
        .iter()
        .map(|(name, v)| format!("{name} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A [`Problem`] and the line of the scenario file it concerns, when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// 1-based line in the scenario file.
    pub line: Option<usize>,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "{}", self.problem)
    }
}

/// Why a scenario cannot be answered, or not as asked.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OptimizeError {
    /// The scenario file could not be read.
    #[error("cannot read scenario file {}: {source}; check the path", path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, an unknown key or a value of the wrong type.
    #[error("{}", toml_message(origin, *line, None, message, text.as_deref()))]
    Toml {
        /// The scenario file.
        origin: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// The parser's message.
        message: String,
        /// The text of the line.
        text: Option<String>,
    },
    /// The scenario breaks one or more rules; every problem found is listed.
    #[error("{}", issues_message(origin, issues))]
    Invalid {
        /// The scenario file.
        origin: String,
        /// The problems.
        issues: Vec<Issue>,
    },
    /// `objective = "min_spend"`: no plan within the bounds reaches the target.
    #[error(
        "no plan within the bounds reaches target = {target}: the most any plan reaches is \
         {best:.6} (spending {budget:.6}{}); lower the target, or raise or remove channel \
         maximums",
        if *saturated { ", where the response curves have flattened out" } else { "" }
    )]
    Unreachable {
        /// The target asked for.
        target: f64,
        /// The best objective value found.
        best: f64,
        /// The budget at which it was found.
        budget: f64,
        /// Whether the curves saturate (more budget would not help).
        saturated: bool,
    },
    /// The numerical search failed (a bug, or a posterior with non-finite responses).
    #[error("the budget search failed: {0}")]
    Search(String),
}

impl OptimizeError {
    /// The problems found, for [`OptimizeError::Invalid`]; empty otherwise.
    pub fn issues(&self) -> &[Issue] {
        match self {
            OptimizeError::Invalid { issues, .. } => issues,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_the_numbers_and_the_fix() {
        let err = OptimizeError::Invalid {
            origin: "s.toml".into(),
            issues: vec![Issue {
                line: None,
                problem: Problem::MinimumsExceedBudget {
                    total: 1500.0,
                    budget: 1000.0,
                    minimums: vec![("tv".into(), 900.0), ("radio".into(), 600.0)],
                },
            }],
        };
        assert_eq!(
            err.to_string(),
            "s.toml: the channel minimums add up to 1500 (tv 900, radio 600), more than the \
             budget 1000; lower a minimum or raise the budget"
        );
        let unknown = Issue {
            line: Some(7),
            problem: Problem::UnknownChannel {
                name: "tvv".into(),
                suggestion: Some("tv".into()),
                known: vec!["tv".into(), "radio".into()],
            },
        };
        assert_eq!(
            unknown.to_string(),
            "line 7: [channel.tvv]: the fit has no channel \"tvv\" (did you mean \"tv\"?); its \
             channels are tv, radio"
        );
    }
}
