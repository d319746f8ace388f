//! The objective of a plan over the posterior — mean or Harrell–Davis quantile of the outcome
//! (or profit) across draws — with its exact gradient in the channel spends.

use super::harrell_davis::QuantileWeights;
use super::plan::PlanResponse;
use super::scenario::Risk;

/// What a draw scores for a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Score {
    /// The outcome over the horizon.
    Outcome,
    /// `value` × outcome − total spend.
    Profit {
        /// Currency per unit of outcome.
        value: f64,
    },
}

/// The objective: a functional of the per-draw scores of a plan.
#[derive(Debug, Clone)]
pub struct Objective<'a> {
    plan: &'a PlanResponse,
    score: Score,
    quantile: Option<QuantileWeights>,
}

/// Buffers an evaluation writes into, so repeated evaluations allocate nothing.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    values: Vec<f64>,
    slopes: Vec<f64>,
    order: Vec<usize>,
}

impl<'a> Objective<'a> {
    /// The objective over `plan`'s draws.
    pub fn new(plan: &'a PlanResponse, score: Score, risk: Risk) -> Objective<'a> {
        let quantile = match risk {
            Risk::Mean => None,
            Risk::Quantile(q) => Some(QuantileWeights::new(plan.n_draws(), q)),
        };
        Objective {
            plan,
            score,
            quantile,
        }
    }

    /// The posterior view the objective reads.
    pub fn plan(&self) -> &'a PlanResponse {
        self.plan
    }

    /// What each draw scores.
    pub fn score(&self) -> Score {
        self.score
    }

    /// Currency per unit of outcome and per unit of spend in the score.
    fn weights(&self) -> (f64, f64) {
        match self.score {
            Score::Outcome => (1.0, 0.0),
            Score::Profit { value } => (value, 1.0),
        }
    }

    /// Draw `d`'s score for `spend`.
    pub fn draw_score(&self, d: usize, spend: &[f64]) -> f64 {
        let spend = &spend[..self.plan.n_channels()];
        let (value, cost) = self.weights();
        value * self.plan.outcome(d, spend) - cost * spend.iter().sum::<f64>()
    }

    /// The objective at `spend`. Entries past the plan's channels (the unspent amount of a
    /// profit problem) are ignored.
    pub fn value(&self, spend: &[f64], scratch: &mut Scratch) -> f64 {
        let spend = &spend[..self.plan.n_channels()];
        let (value, cost) = self.weights();
        value * self.outcome_functional(spend, scratch) - cost * spend.iter().sum::<f64>()
    }

    /// The objective at `spend`, with its gradient in each channel's spend written to `grad`
    /// (0 for entries past the plan's channels).
    pub fn value_and_gradient(
        &self,
        spend: &[f64],
        grad: &mut [f64],
        scratch: &mut Scratch,
    ) -> f64 {
        let channels = self.plan.n_channels();
        let n = self.plan.n_draws();
        let spend = &spend[..channels];
        let (grad, rest) = grad.split_at_mut(channels);
        rest.fill(0.0);
        let (value, cost) = self.weights();
        scratch.values.resize(n, 0.0);
        scratch.slopes.resize(n * channels, 0.0);
        self.plan
            .outcomes(spend, &mut scratch.values, Some(&mut scratch.slopes));
        let functional = match &self.quantile {
            None => {
                for (g, col) in grad.iter_mut().zip(scratch.slopes.chunks_exact(n)) {
                    *g = col.iter().sum::<f64>() / n as f64;
                }
                scratch.values.iter().sum::<f64>() / n as f64
            }
            Some(w) => {
                reset_order(&mut scratch.order, n);
                let q = w.apply(&scratch.values, &mut scratch.order);
                let ranks = &scratch.order[w.start..w.end()];
                for (g, col) in grad.iter_mut().zip(scratch.slopes.chunks_exact(n)) {
                    *g = ranks.iter().zip(&w.weights).map(|(d, x)| x * col[*d]).sum();
                }
                q
            }
        };
        grad.iter_mut().for_each(|g| *g = value * *g - cost);
        value * functional - cost * spend.iter().sum::<f64>()
    }

    /// Mean or Harrell–Davis quantile of the outcome over draws (the score is monotone in the
    /// outcome, so its quantile is the outcome's, rescored).
    fn outcome_functional(&self, spend: &[f64], scratch: &mut Scratch) -> f64 {
        let n = self.plan.n_draws();
        scratch.values.resize(n, 0.0);
        self.plan.outcomes(spend, &mut scratch.values, None);
        match &self.quantile {
            None => scratch.values.iter().sum::<f64>() / n as f64,
            Some(w) => {
                reset_order(&mut scratch.order, n);
                w.apply(&scratch.values, &mut scratch.order)
            }
        }
    }
}

fn reset_order(order: &mut Vec<usize>, n: usize) {
    order.clear();
    order.extend(0..n);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::ResponseLink;
    use crate::optimize::plan::tests::{hill, logistic};

    const FD_REL: f64 = 1e-5;
    const FD_STEP: f64 = 1e-6;
    const SAME: f64 = 1e-12;

    fn posterior(draws: usize) -> PlanResponse {
        let mut curves = Vec::new();
        let mut links = Vec::new();
        for d in 0..draws {
            let u = (d as f64 + 0.5) / draws as f64;
            curves.push(hill(1.0 + u, 0.01, 1.0 + 0.5 * u, 1.5 + u));
            curves.push(logistic(0.8 + 0.4 * (1.0 - u) * u, 0.02, 1.0 + u * u));
            links.push(ResponseLink::Additive {
                scale: 100.0 * (1.0 + 0.3 * (7.0 * u).sin()),
            });
        }
        PlanResponse::from_curves(curves, links, 2, 4)
    }

    #[test]
    fn gradients_match_central_differences_for_every_risk_and_score() {
        let plan = posterior(301);
        let spend = [430.0, 270.0];
        for score in [Score::Outcome, Score::Profit { value: 3.0 }] {
            for risk in [Risk::Mean, Risk::Quantile(0.1), Risk::Quantile(0.5)] {
                let obj = Objective::new(&plan, score, risk);
                let mut scratch = Scratch::default();
                let mut g = [0.0; 2];
                let v = obj.value_and_gradient(&spend, &mut g, &mut scratch);
                assert!((v - obj.value(&spend, &mut scratch)).abs() <= SAME * v.abs());
                for c in 0..2 {
                    let h = FD_STEP * spend[c];
                    let mut up = spend;
                    up[c] += h;
                    let mut down = spend;
                    down[c] -= h;
                    let fd =
                        (obj.value(&up, &mut scratch) - obj.value(&down, &mut scratch)) / (2.0 * h);
                    assert!(
                        (g[c] - fd).abs() <= FD_REL * fd.abs().max(1.0),
                        "{score:?} {risk:?} channel {c}: {} vs {fd}",
                        g[c]
                    );
                }
            }
        }
    }

    #[test]
    fn mean_is_the_average_of_draw_scores_and_profit_subtracts_spend() {
        let plan = posterior(11);
        let spend = [100.0, 50.0];
        let outcome = Objective::new(&plan, Score::Outcome, Risk::Mean);
        let mut scratch = Scratch::default();
        let mean: f64 = (0..11).map(|d| plan.outcome(d, &spend)).sum::<f64>() / 11.0;
        assert!((outcome.value(&spend, &mut scratch) - mean).abs() <= SAME * mean);
        let profit = Objective::new(&plan, Score::Profit { value: 2.0 }, Risk::Mean);
        let want = 2.0 * mean - 150.0;
        assert!((profit.value(&spend, &mut scratch) - want).abs() <= SAME * mean);
    }
}
