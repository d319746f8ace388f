//! The answer to a scenario: per-channel allocation rows (`allocation.csv`) and the whole
//! report with outcome intervals (`allocation.json`), computed draw by draw.

use serde::Serialize;

use crate::diagnostics::quantiles;

/// Quantiles of every [`Summary`]: the 90 % and 50 % intervals and the median.
pub const SUMMARY_PROBS: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// Posterior summary of a quantity computed per draw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Mean over draws.
    pub mean: f64,
    /// Standard deviation over draws.
    pub sd: f64,
    /// 5 % quantile (lower end of the 90 % interval).
    pub q5: f64,
    /// 25 % quantile (lower end of the 50 % interval).
    pub q25: f64,
    /// Median.
    pub q50: f64,
    /// 75 % quantile.
    pub q75: f64,
    /// 95 % quantile.
    pub q95: f64,
}

impl Summary {
    /// Summarise per-draw values.
    pub fn of(values: &[f64]) -> Summary {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>()
            / (values.len().max(2) - 1) as f64;
        let q = quantiles(values, &SUMMARY_PROBS);
        Summary {
            mean,
            sd: var.sqrt(),
            q5: q[0],
            q25: q[1],
            q50: q[2],
            q75: q[3],
            q95: q[4],
        }
    }
}

/// One row of `allocation.csv`. Spends are totals over the horizon, in the data's currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelRow {
    /// Channel name.
    pub channel: String,
    /// The current mix scaled to the budget.
    pub current: f64,
    /// The optimal spend.
    pub optimal: f64,
    /// Minimum allowed.
    pub min: f64,
    /// Maximum allowed (empty: no cap).
    pub max: Option<f64>,
    /// Posterior mean marginal ROAS at the optimal plan (outcome per extra unit of spend).
    pub mroas_mean: f64,
    /// optimal − current.
    pub change: f64,
    /// Change as a percentage of current (empty when current is 0).
    pub change_pct: Option<f64>,
    /// 5 % quantile of the marginal ROAS at the optimum.
    pub mroas_q5: f64,
    /// 95 % quantile of the marginal ROAS at the optimum.
    pub mroas_q95: f64,
    /// 5 % quantile of the optimal spend across re-optimised draws (empty if not computed).
    pub optimal_q5: Option<f64>,
    /// Median of the per-draw optimal spend.
    pub optimal_q50: Option<f64>,
    /// 95 % quantile of the per-draw optimal spend.
    pub optimal_q95: Option<f64>,
    /// `min` or `max` when the optimum sits at that bound, empty inside.
    pub at_bound: &'static str,
    /// current / horizon.
    pub current_per_period: f64,
    /// optimal / horizon.
    pub optimal_per_period: f64,
}

/// A quantity for the current and the optimal plan, and their difference, per draw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// The current mix.
    pub current: Summary,
    /// The optimal plan.
    pub optimal: Summary,
    /// optimal − current, draw by draw.
    pub gain: Summary,
    /// Share of draws in which the optimal plan does better.
    pub p_optimal_better: f64,
}

impl Comparison {
    /// Compare per-draw values of the two plans.
    pub fn of(current: &[f64], optimal: &[f64]) -> Comparison {
        let gain: Vec<f64> = optimal.iter().zip(current).map(|(o, c)| o - c).collect();
        Comparison {
            current: Summary::of(current),
            optimal: Summary::of(optimal),
            gain: Summary::of(&gain),
            p_optimal_better: gain.iter().filter(|g| **g > 0.0).count() as f64
                / gain.len().max(1) as f64,
        }
    }
}

/// The optimality check: channels strictly inside their bounds share one marginal return.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Optimality {
    /// Channels strictly inside their bounds.
    pub interior: Vec<String>,
    /// Their common marginal objective per unit of spend (mean of theirs).
    pub marginal: f64,
    /// Largest relative gap between an interior channel's marginal return and `marginal`.
    pub max_relative_gap: f64,
}

/// How the answer was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchStats {
    /// Starting plans of the main search.
    pub starts: usize,
    /// Whether several starts were needed (an S-shaped curve, a quantile risk or a
    /// multiplicative model makes the problem non-concave).
    pub multi_start: bool,
    /// Objective evaluations, all searches.
    pub evaluations: usize,
    /// Posterior draws re-optimised one by one (0: skipped).
    pub allocation_draws: usize,
    /// Budgets tried (`min_spend`).
    pub budgets_tried: usize,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// The scenario as it was understood.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioEcho {
    /// `outcome`, `profit` or `min_spend`.
    pub objective: String,
    /// `mean` or `quantile q`.
    pub risk: String,
    /// Budget given (the ceiling for `min_spend`).
    pub budget: Option<f64>,
    /// Periods.
    pub horizon: usize,
    /// Periods defining the current mix.
    pub reference_periods: usize,
    /// Target (`min_spend`).
    pub target: Option<f64>,
    /// Currency per unit of outcome (`profit`).
    pub outcome_value: f64,
}

/// Everything `mmm optimize` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Allocation {
    /// The scenario.
    pub scenario: ScenarioEcho,
    /// The budget allocated: the scenario's, or the smallest found for `min_spend`.
    pub budget: f64,
    /// What the optimal plan spends (below the budget only for `profit`).
    pub spent: f64,
    /// Posterior draws behind every interval.
    pub draws: usize,
    /// Per channel.
    pub channels: Vec<ChannelRow>,
    /// Outcome over the horizon (the media channels' contribution) of the two plans.
    pub outcome: Comparison,
    /// Profit (outcome_value × outcome − spend), for the profit objective.
    pub profit: Option<Comparison>,
    /// Whether the current mix respects the bounds (it is a reference, not a candidate).
    pub current_within_bounds: bool,
    /// Equal marginal returns inside the bounds.
    pub optimality: Optimality,
    /// How the answer was found.
    pub search: SearchStats,
}

impl Allocation {
    /// `allocation.csv`.
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in &self.channels {
            w.serialize(row)?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    /// `allocation.json`.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXACT: f64 = 1e-12;

    #[test]
    fn comparison_counts_draws_where_the_optimum_wins() {
        let c = Comparison::of(&[1.0, 2.0, 3.0, 4.0], &[2.0, 1.0, 4.0, 5.0]);
        assert!((c.p_optimal_better - 0.75).abs() <= EXACT);
        assert!((c.gain.mean - 0.5).abs() <= EXACT);
        assert!((c.current.q50 - 2.5).abs() <= EXACT);
    }

    #[test]
    fn csv_starts_with_the_documented_columns_and_leaves_no_cap_empty() {
        let row = ChannelRow {
            channel: "tv".into(),
            current: 1.0,
            optimal: 2.0,
            min: 0.0,
            max: None,
            mroas_mean: 3.0,
            change: 1.0,
            change_pct: Some(100.0),
            mroas_q5: 2.0,
            mroas_q95: 4.0,
            optimal_q5: None,
            optimal_q50: None,
            optimal_q95: None,
            at_bound: "",
            current_per_period: 0.5,
            optimal_per_period: 1.0,
        };
        let summary = Summary::of(&[1.0]);
        let a = Allocation {
            scenario: ScenarioEcho {
                objective: "outcome".into(),
                risk: "mean".into(),
                budget: Some(2.0),
                horizon: 2,
                reference_periods: 13,
                target: None,
                outcome_value: 1.0,
            },
            budget: 2.0,
            spent: 2.0,
            draws: 1,
            channels: vec![row],
            outcome: Comparison {
                current: summary,
                optimal: summary,
                gain: summary,
                p_optimal_better: 0.0,
            },
            profit: None,
            current_within_bounds: true,
            optimality: Optimality {
                interior: vec![],
                marginal: 0.0,
                max_relative_gap: 0.0,
            },
            search: SearchStats {
                starts: 1,
                multi_start: false,
                evaluations: 1,
                allocation_draws: 0,
                budgets_tried: 0,
                seconds: 0.0,
            },
        };
        let csv = String::from_utf8(a.to_csv().unwrap()).unwrap();
        let mut lines = csv.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("channel,current,optimal,min,max,mroas_mean,")
        );
        assert!(lines.next().unwrap().starts_with("tv,1.0,2.0,0.0,,3.0,"));
        assert!(a.to_json().is_ok());
    }
}
