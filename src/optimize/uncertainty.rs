//! The uncertainty of the allocation itself: the plan re-optimised for single posterior draws
//! (an evenly thinned subsample), giving each channel an interval of optimal spend.

use rayon::prelude::*;

use crate::diagnostics::quantiles;

use super::error::OptimizeError;
use super::objective::{Objective, Score};
use super::plan::PlanResponse;
use super::scenario::Risk;
use super::solver::{SolverOptions, solve, starting_points};
use super::split::BoundedSplit;

/// Quantiles of the per-draw optimal spend reported per channel.
pub const SPEND_PROBS: [f64; 3] = [0.05, 0.5, 0.95];

/// Each channel's optimal spend across draws: `quantiles[c]` at [`SPEND_PROBS`].
#[derive(Debug, Clone, PartialEq)]
pub struct SpendIntervals {
    /// Draws re-optimised.
    pub draws: usize,
    /// Per channel (and the unspent amount, last, for profit): 5 %, 50 %, 95 % quantiles.
    pub quantiles: Vec<[f64; 3]>,
    /// Objective evaluations used.
    pub evaluations: usize,
}

/// Indices of `k` draws evenly spread over `n` (all of them when `k >= n`).
pub fn thinned(n: usize, k: usize) -> Vec<usize> {
    if k >= n {
        return (0..n).collect();
    }
    (0..k).map(|i| i * n / k).collect()
}

/// Optimise each of `k` thinned draws on its own (posterior mean of one draw = that draw),
/// starting from the posterior optimum and the current mix; `on_draw` after each draw.
pub fn allocation_uncertainty(
    plan: &PlanResponse,
    score: Score,
    split: &BoundedSplit,
    starts: &[Vec<f64>],
    k: usize,
    options: &SolverOptions,
    on_draw: &(dyn Fn() + Sync),
) -> Result<SpendIntervals, OptimizeError> {
    let picks = thinned(plan.n_draws(), k);
    let solved: Vec<Result<(Vec<f64>, usize), OptimizeError>> = picks
        .par_iter()
        .map(|&d| {
            let one = plan.single(d);
            let objective = Objective::new(&one, score, Risk::Mean);
            let points =
                starting_points(split, starts, &one.non_concave_channels(), 0, options.seed);
            let sol = solve(&objective, split, &points, options, &|| {})?;
            on_draw();
            Ok((sol.spend, sol.evaluations))
        })
        .collect();
    let mut per_channel = vec![Vec::with_capacity(picks.len()); split.dim()];
    let mut evaluations = 0;
    for r in solved {
        let (spend, evals) = r?;
        evaluations += evals;
        for (col, s) in per_channel.iter_mut().zip(spend) {
            col.push(s);
        }
    }
    Ok(SpendIntervals {
        draws: picks.len(),
        quantiles: per_channel
            .iter()
            .map(|v| {
                let q = quantiles(v, &SPEND_PROBS);
                [q[0], q[1], q[2]]
            })
            .collect(),
        evaluations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::ResponseLink;
    use crate::optimize::plan::tests::logistic;

    const SPEND_REL: f64 = 1e-6;

    #[test]
    fn thinning_spreads_evenly() {
        assert_eq!(thinned(10, 4), [0, 2, 5, 7]);
        assert_eq!(thinned(3, 5), [0, 1, 2]);
    }

    #[test]
    fn identical_draws_give_a_point_interval_at_the_common_optimum() {
        let curves = vec![logistic(2.0, 0.01, 1.0), logistic(1.0, 0.03, 2.0)];
        let link = ResponseLink::Additive { scale: 100.0 };
        let many: Vec<_> = (0..20).flat_map(|_| curves.clone()).collect();
        let plan = PlanResponse::from_curves(many, vec![link; 20], 2, 4);
        let split = BoundedSplit::new(&[0.0, 0.0], &[500.0, 500.0], 500.0).unwrap();
        let options = SolverOptions::default();
        let objective = Objective::new(&plan, Score::Outcome, Risk::Mean);
        let best = solve(&objective, &split, &[vec![250.0, 250.0]], &options, &|| {}).unwrap();
        let u = allocation_uncertainty(
            &plan,
            Score::Outcome,
            &split,
            &[vec![250.0, 250.0]],
            5,
            &options,
            &|| {},
        )
        .unwrap();
        assert_eq!(u.draws, 5);
        for (c, q) in u.quantiles.iter().enumerate() {
            for v in q {
                assert!(
                    (v - best.spend[c]).abs() <= SPEND_REL * 500.0,
                    "{q:?} vs {best:?}"
                );
            }
        }
    }
}
