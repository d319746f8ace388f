//! The search: L-BFGS (argmin, Moré–Thuente line search) on the bounded split from several
//! starts, then an active-set polish that pins channels at their bounds and re-solves the rest
//! until the Karush–Kuhn–Tucker conditions hold (equal marginal returns inside the bounds).

use argmin::core::{Executor, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;

use super::error::OptimizeError;
use super::objective::{Objective, Scratch};
use super::problem::BudgetProblem;
use super::split::BoundedSplit;

/// A channel within this fraction of its range from a bound is pinned to it by the polish.
pub const ACTIVE_FRACTION: f64 = 1e-6;
/// Marginal returns that agree to this relative error meet the optimality conditions.
pub const KKT_REL: f64 = 1e-6;
/// |z| of a corner start: the channel gets σ(8) ≈ 99.97 % of the room it can take.
const CORNER_Z: f64 = 8.0;
/// Spread of random starts in z.
const RANDOM_Z_SD: f64 = 2.0;

/// Settings of the search (defaults: Nocedal & Wright's L-BFGS memory of 7, tolerances on the
/// objective normalised by its size at the start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverOptions {
    /// L-BFGS iterations per start.
    pub max_iters: u64,
    /// Stop when the normalised gradient norm falls below this.
    pub tol_grad: f64,
    /// Stop when the normalised objective changes by less than this.
    pub tol_cost: f64,
    /// `tol_grad` while exploring from many starts (the best is then polished to `tol_grad`).
    pub explore_tol_grad: f64,
    /// `tol_cost` while exploring.
    pub explore_tol_cost: f64,
    /// L-BFGS memory.
    pub memory: usize,
    /// Random starts added to the deterministic ones when the problem is not concave.
    pub random_starts: usize,
    /// Seed of the random starts.
    pub seed: u64,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            max_iters: 300,
            tol_grad: 1e-10,
            tol_cost: 1e-15,
            explore_tol_grad: 1e-6,
            explore_tol_cost: 1e-10,
            memory: 7,
            random_starts: 4,
            seed: 1,
        }
    }
}

/// The best plan found.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Spend per channel (totals over the horizon).
    pub spend: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// Objective evaluations used.
    pub evaluations: usize,
    /// Starts tried.
    pub starts: usize,
}

/// Starting plans: the given ones (e.g. the current mix), an even spread of every range, the
/// corner of each channel in `corners` (as much as its bounds allow), and `random` random
/// points.
pub fn starting_points(
    split: &BoundedSplit,
    given: &[Vec<f64>],
    corners: &[usize],
    random: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    let c = split.dim();
    let mut zs: Vec<Vec<f64>> = given.iter().map(|s| split.unconstrain(s)).collect();
    zs.push(vec![0.0; c]);
    for &k in corners.iter().filter(|k| **k < c) {
        zs.push(
            (0..c)
                .map(|j| if j == k { CORNER_Z } else { -CORNER_Z })
                .collect(),
        );
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0, RANDOM_Z_SD).unwrap_or_else(|_| unreachable!());
    for _ in 0..random {
        zs.push((0..c).map(|_| normal.sample(&mut rng)).collect());
    }
    zs.iter()
        .map(|z| {
            let mut s = vec![0.0; c];
            split.spend(z, &mut s);
            s
        })
        .collect()
}

/// Maximise `objective` over `split` from each start (in parallel, to the exploring
/// tolerances), polish the best to the final ones, and return it. `on_start` is called as each
/// start finishes.
pub fn solve(
    objective: &Objective<'_>,
    split: &BoundedSplit,
    starts: &[Vec<f64>],
    options: &SolverOptions,
    on_start: &(dyn Fn() + Sync),
) -> Result<Solution, OptimizeError> {
    let explore = SolverOptions {
        tol_grad: options.explore_tol_grad,
        tol_cost: options.explore_tol_cost,
        ..*options
    };
    let climbs: Vec<Result<Solution, OptimizeError>> = starts
        .par_iter()
        .map(|s| {
            let r = climb(objective, split, s, &explore);
            on_start();
            r
        })
        .collect();
    let mut evaluations = 0;
    let mut best: Option<Solution> = None;
    for r in climbs {
        let s = r?;
        evaluations += s.evaluations;
        if best.as_ref().is_none_or(|b| s.value > b.value) {
            best = Some(s);
        }
    }
    let best = best.ok_or_else(|| OptimizeError::Search("no starting plan".into()))?;
    let mut polished = polish(objective, split, best.clone(), options)?;
    polished.evaluations += evaluations;
    polished.starts = starts.len();
    Ok(polished)
}

/// One L-BFGS run from `start`.
pub fn climb(
    objective: &Objective<'_>,
    split: &BoundedSplit,
    start: &[f64],
    options: &SolverOptions,
) -> Result<Solution, OptimizeError> {
    let mut scratch = Scratch::default();
    let z0 = split.unconstrain(start);
    let mut s0 = vec![0.0; split.dim()];
    split.spend(&z0, &mut s0);
    let mut g0 = vec![0.0; split.dim()];
    let v0 = objective.value_and_gradient(&s0, &mut g0, &mut scratch);
    if !v0.is_finite() {
        return Err(OptimizeError::Search(format!(
            "the objective is {v0} at the plan {s0:?}; the posterior's response is not finite"
        )));
    }
    let magnitude = g0
        .iter()
        .zip(&s0)
        .filter(|(g, _)| g.is_finite())
        .map(|(g, s)| (g * s).abs())
        .sum::<f64>();
    let scale = (v0.abs() + magnitude).max(f64::MIN_POSITIVE);
    let problem = BudgetProblem::new(objective, split, scale);
    let search = |e: argmin::core::Error| OptimizeError::Search(e.to_string());
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), options.memory)
        .with_tolerance_grad(options.tol_grad)
        .and_then(|s| s.with_tolerance_cost(options.tol_cost))
        .map_err(search)?;
    let mut result = Executor::new(problem, solver)
        .configure(|state| state.param(z0.clone()).max_iters(options.max_iters))
        .timer(false)
        .run()
        .map_err(search)?;
    let evaluations = result.problem.take_problem().map_or(0, |p| p.evaluations());
    let z = result.state.get_best_param().cloned().unwrap_or(z0);
    let mut spend = vec![0.0; split.dim()];
    split.spend(&z, &mut spend);
    let value = objective.value(&spend, &mut scratch);
    Ok(Solution {
        spend,
        value,
        evaluations,
        starts: 1,
    })
}

/// Where each channel sits: pinned at a bound, or free.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pin {
    Free,
    Lower,
    Upper,
}

/// Active-set polish: pin channels that reached a bound, re-solve the free ones exactly, and
/// release a pinned channel whose marginal return says it should move; stop when the
/// optimality conditions hold. Returns the better of the polished and the given plan.
fn polish(
    objective: &Objective<'_>,
    split: &BoundedSplit,
    start: Solution,
    options: &SolverOptions,
) -> Result<Solution, OptimizeError> {
    let c = split.dim();
    let mut pins = vec![Pin::Free; c];
    let mut current = start.clone();
    let mut scratch = Scratch::default();
    let mut grad = vec![0.0; c];
    let mut evaluations = 0;
    pin_at_bounds(split, &mut pins, &start.spend);
    let mut must_solve = true;
    for _ in 0..2 * c + 2 {
        if !must_solve {
            break;
        }
        let Some(reduced) = pinned_split(split, &pins) else {
            break;
        };
        let start_spend: Vec<f64> = current
            .spend
            .iter()
            .enumerate()
            .map(|(k, s)| s.clamp(reduced.lo(k), reduced.hi(k)))
            .collect();
        current = climb(objective, &reduced, &start_spend, options)?;
        evaluations += current.evaluations;
        must_solve = pin_at_bounds(split, &mut pins, &current.spend);
        if !must_solve {
            objective.value_and_gradient(&current.spend, &mut grad, &mut scratch);
            if let Some(k) = most_violating(split, &pins, &grad) {
                pins[k] = Pin::Free;
                must_solve = true;
            }
        }
    }
    current.evaluations = evaluations;
    Ok(if current.value >= start.value {
        current
    } else {
        Solution {
            evaluations: current.evaluations,
            ..start
        }
    })
}

/// Pin free channels within [`ACTIVE_FRACTION`] of a bound; whether any was pinned.
fn pin_at_bounds(split: &BoundedSplit, pins: &mut [Pin], spend: &[f64]) -> bool {
    let mut any = false;
    for (k, pin) in pins.iter_mut().enumerate() {
        if *pin != Pin::Free || split.hi(k) <= split.lo(k) {
            continue;
        }
        let f = split.fraction(k, spend[k]);
        if f <= ACTIVE_FRACTION {
            *pin = Pin::Lower;
            any = true;
        } else if f >= 1.0 - ACTIVE_FRACTION {
            *pin = Pin::Upper;
            any = true;
        }
    }
    any
}

/// The feasible set with pinned channels fixed at their bound.
fn pinned_split(split: &BoundedSplit, pins: &[Pin]) -> Option<BoundedSplit> {
    let (lo, hi): (Vec<f64>, Vec<f64>) = pins
        .iter()
        .enumerate()
        .map(|(k, p)| match p {
            Pin::Free => (split.lo(k), split.hi(k)),
            Pin::Lower => (split.lo(k), split.lo(k)),
            Pin::Upper => (split.hi(k), split.hi(k)),
        })
        .unzip();
    BoundedSplit::new(&lo, &hi, split.total())
}

/// The pinned channel that most breaks the optimality conditions — at its minimum with a
/// marginal return above the free channels' common value λ, or at its maximum below it.
fn most_violating(split: &BoundedSplit, pins: &[Pin], grad: &[f64]) -> Option<usize> {
    let free: Vec<f64> = (0..pins.len())
        .filter(|&k| pins[k] == Pin::Free && split.hi(k) > split.lo(k))
        .map(|k| grad[k])
        .collect();
    let (low_ref, high_ref) = if free.is_empty() {
        // No free channel: λ can be anything between the two pinned groups.
        let top_upper = (0..pins.len())
            .filter(|&k| pins[k] == Pin::Upper)
            .map(|k| grad[k])
            .fold(f64::INFINITY, f64::min);
        let top_lower = (0..pins.len())
            .filter(|&k| pins[k] == Pin::Lower)
            .map(|k| grad[k])
            .fold(f64::NEG_INFINITY, f64::max);
        (top_upper, top_lower)
    } else {
        let lambda = free.iter().sum::<f64>() / free.len() as f64;
        (lambda, lambda)
    };
    let tol = |x: f64| KKT_REL * x.abs().max(f64::MIN_POSITIVE);
    (0..pins.len())
        .filter_map(|k| match pins[k] {
            Pin::Lower if grad[k] > low_ref + tol(low_ref) => Some((k, grad[k] - low_ref)),
            Pin::Upper if grad[k] < high_ref - tol(high_ref) => Some((k, high_ref - grad[k])),
            _ => None,
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::ResponseLink;
    use crate::optimize::objective::Score;
    use crate::optimize::plan::PlanResponse;
    use crate::optimize::plan::tests::logistic;
    use crate::optimize::scenario::Risk;

    /// Budget sums hold to this relative error.
    const SUM_REL: f64 = 1e-9;
    /// Marginal returns of channels inside their bounds agree to this relative error.
    const MROAS_REL: f64 = 0.01;

    #[test]
    fn concave_problem_meets_equal_marginal_returns_inside_the_bounds() {
        let plan = PlanResponse::from_curves(
            vec![
                logistic(2.0, 0.01, 1.0),
                logistic(1.0, 0.03, 2.0),
                logistic(0.5, 0.02, 1.0),
            ],
            vec![ResponseLink::Additive { scale: 1000.0 }],
            3,
            4,
        );
        let objective = Objective::new(&plan, Score::Outcome, Risk::Mean);
        let split = BoundedSplit::new(&[0.0, 0.0, 0.0], &[1000.0, 1000.0, 1000.0], 600.0).unwrap();
        let starts = starting_points(&split, &[vec![200.0, 200.0, 200.0]], &[], 0, 1);
        let sol = solve(
            &objective,
            &split,
            &starts,
            &SolverOptions::default(),
            &|| {},
        )
        .unwrap();
        let sum: f64 = sol.spend.iter().sum();
        assert!((sum - 600.0).abs() <= SUM_REL * 600.0);
        let mut g = vec![0.0; 3];
        objective.value_and_gradient(&sol.spend, &mut g, &mut Scratch::default());
        let inside: Vec<f64> = (0..3)
            .filter(|&k| sol.spend[k] > 1e-6 && sol.spend[k] < 1000.0 - 1e-6)
            .map(|k| g[k])
            .collect();
        assert!(inside.len() >= 2, "{sol:?}");
        let top = inside.iter().fold(f64::MIN, |m, v| m.max(*v));
        let low = inside.iter().fold(f64::MAX, |m, v| m.min(*v));
        assert!((top - low) <= MROAS_REL * top, "{g:?} at {sol:?}");
    }
}
