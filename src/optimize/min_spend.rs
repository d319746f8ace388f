//! The inverse question: the smallest budget whose best plan reaches a target outcome,
//! by bisection on the budget (the best outcome never falls as the budget grows, since every
//! response curve rises with spend).

use super::error::OptimizeError;
use super::objective::{Objective, Scratch};
use super::request::Request;
use super::solver::{Solution, SolverOptions, solve, starting_points};

/// Bisection stops when the bracket is this narrow relative to the budget.
pub const BUDGET_REL_TOL: f64 = 1e-6;
/// Doublings tried when some channel has no cap and the file gives no budget ceiling.
const MAX_DOUBLINGS: usize = 60;
/// A doubling of the budget that adds less than this share to the best outcome means the
/// curves have flattened out: no budget reaches the target.
const SATURATION_REL: f64 = 1e-9;

/// The smallest budget found and its plan.
#[derive(Debug, Clone, PartialEq)]
pub struct MinSpend {
    /// The budget.
    pub budget: f64,
    /// The best plan at that budget.
    pub solution: Solution,
    /// Budgets tried.
    pub budgets_tried: usize,
}

/// Search budgets for the smallest whose best plan scores at least `target`.
/// `on_budget` is called after each budget tried.
pub fn min_spend(
    request: &Request,
    objective: &Objective<'_>,
    target: f64,
    options: &SolverOptions,
    on_budget: &(dyn Fn() + Sync),
) -> Result<MinSpend, OptimizeError> {
    let mut tried = 0;
    let mut previous: Option<Vec<f64>> = None;
    let mut best_at = |budget: f64, previous: &mut Option<Vec<f64>>| {
        tried += 1;
        let r = best_plan(request, objective, budget, previous.as_deref(), options);
        on_budget();
        if let Ok(s) = &r {
            *previous = Some(s.spend.clone());
        }
        r
    };
    let floor: f64 = request.min.iter().sum();
    if floor > 0.0 {
        let at_floor = best_at(floor, &mut previous)?;
        if at_floor.value >= target {
            return Ok(MinSpend {
                budget: floor,
                solution: at_floor,
                budgets_tried: 1,
            });
        }
    }
    let caps: Option<f64> = request.max.iter().copied().sum();
    let ceiling = match (caps, request.scenario.budget) {
        (Some(c), Some(b)) => Some(c.min(b)),
        (c, b) => c.or(b),
    };
    let (mut high, mut at_high) = match ceiling {
        Some(top) => {
            let s = best_at(top, &mut previous)?;
            if s.value < target {
                return Err(OptimizeError::Unreachable {
                    target,
                    best: s.value,
                    budget: top,
                    saturated: false,
                });
            }
            (top, s)
        }
        None => {
            let mut budget = (request.reference_rate * request.scenario.horizon as f64).max(floor);
            let mut last = f64::NEG_INFINITY;
            let mut found = None;
            for _ in 0..MAX_DOUBLINGS {
                let s = best_at(budget, &mut previous)?;
                if s.value >= target {
                    found = Some((budget, s));
                    break;
                }
                if s.value - last <= SATURATION_REL * s.value.abs() {
                    return Err(OptimizeError::Unreachable {
                        target,
                        best: s.value,
                        budget,
                        saturated: true,
                    });
                }
                last = s.value;
                budget *= 2.0;
            }
            found.ok_or(OptimizeError::Unreachable {
                target,
                best: last,
                budget,
                saturated: true,
            })?
        }
    };
    let mut low = floor;
    previous = Some(at_high.spend.clone());
    while high - low > BUDGET_REL_TOL * high {
        let mid = 0.5 * (low + high);
        let s = best_at(mid, &mut previous)?;
        if s.value >= target {
            high = mid;
            at_high = s;
        } else {
            low = mid;
        }
    }
    Ok(MinSpend {
        budget: high,
        solution: at_high,
        budgets_tried: tried,
    })
}

/// The best plan at `budget`, starting also from the previous budget's plan rescaled.
fn best_plan(
    request: &Request,
    objective: &Objective<'_>,
    budget: f64,
    previous: Option<&[f64]>,
    options: &SolverOptions,
) -> Result<Solution, OptimizeError> {
    let split = request.split(budget).ok_or_else(|| {
        OptimizeError::Search(format!("budget {budget} does not fit the channel bounds"))
    })?;
    let mut given = vec![request.current(budget)];
    if let Some(p) = previous {
        let total: f64 = p.iter().sum();
        if total > 0.0 {
            given.push(p.iter().map(|s| s * budget / total).collect());
        }
    }
    let corners: Vec<usize> = if objective.plan().is_concave() {
        Vec::new()
    } else {
        (0..split.dim()).collect()
    };
    let starts = starting_points(&split, &given, &corners, 0, options.seed);
    if split.dim() == 0 {
        let value = objective.value(&[], &mut Scratch::default());
        return Ok(Solution {
            spend: Vec::new(),
            value,
            evaluations: 1,
            starts: 0,
        });
    }
    solve(objective, &split, &starts, options, &|| {})
}
