//! One scenario answered: check it against the fit, build the per-draw plan response, search,
//! re-optimise thinned draws, and summarise both plans draw by draw.

use std::time::Instant;

use crate::data::Dataset;
use crate::density::MmmDensity;
use crate::posterior::PosteriorDraws;
use crate::spec::ModelSpec;

use super::error::OptimizeError;
use super::min_spend::min_spend;
use super::objective::{Objective, Score, Scratch};
use super::plan::PlanResponse;
use super::progress::SearchProgress;
use super::report::{Allocation, ChannelRow, Comparison, Optimality, ScenarioEcho, SearchStats};
use super::request::Request;
use super::scenario::{Objective as Goal, Risk, Scenario};
use super::solver::{ACTIVE_FRACTION, Solution, SolverOptions, solve, starting_points};
use super::split::BoundedSplit;
use super::uncertainty::{SpendIntervals, allocation_uncertainty};

/// The parts of a fit the optimizer reads.
#[derive(Debug, Clone, Copy)]
pub struct Posterior<'a> {
    /// The model (channel names).
    pub spec: &'a ModelSpec,
    /// The data (the current mix, the spend scale).
    pub data: &'a Dataset,
    /// The density (each draw's curves).
    pub density: &'a MmmDensity,
    /// Constrained posterior draws.
    pub draws: &'a PosteriorDraws,
}

/// Answer `scenario` over the posterior.
pub fn optimize(
    posterior: Posterior<'_>,
    scenario: &Scenario,
    progress: &dyn SearchProgress,
) -> Result<Allocation, OptimizeError> {
    let started = Instant::now();
    let names: Vec<String> = posterior
        .spec
        .channels
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let request = Request::new(scenario, &names, posterior.data)?;
    let plan = PlanResponse::from_posterior(
        posterior.density,
        posterior.draws,
        scenario.horizon,
        request.reference_periods,
    );
    let mut allocation = answer(&request, &plan, progress)?;
    allocation.search.seconds = started.elapsed().as_secs_f64();
    Ok(allocation)
}

/// Answer a checked request over an explicit per-draw plan response.
pub fn answer(
    request: &Request,
    plan: &PlanResponse,
    progress: &dyn SearchProgress,
) -> Result<Allocation, OptimizeError> {
    let started = Instant::now();
    let scenario = &request.scenario;
    let options = SolverOptions {
        seed: scenario.seed,
        ..SolverOptions::default()
    };
    let score = match scenario.objective {
        Goal::Profit => Score::Profit {
            value: scenario.outcome_value,
        },
        Goal::Outcome | Goal::MinSpend => Score::Outcome,
    };
    let objective = Objective::new(plan, score, scenario.risk);
    let multi = !plan.is_concave() || matches!(scenario.risk, Risk::Quantile(_));
    let step = || progress.step();
    let (budget, solution, budgets_tried) = match (scenario.objective, scenario.target) {
        (Goal::MinSpend, Some(target)) => {
            progress.start("min_spend", 0);
            let m = min_spend(request, &objective, target, &options, &step)?;
            progress.finish();
            (m.budget, m.solution, m.budgets_tried)
        }
        _ => {
            let budget = scenario.budget.unwrap_or(0.0);
            let split = feasible(request, budget)?;
            let (corners, random): (Vec<usize>, usize) = if multi {
                ((0..split.dim()).collect(), options.random_starts)
            } else {
                (Vec::new(), 0)
            };
            let starts = starting_points(
                &split,
                &[request.current(budget)],
                &corners,
                random,
                options.seed,
            );
            progress.start("search", starts.len());
            let solution = solve(&objective, &split, &starts, &options, &step)?;
            progress.finish();
            (budget, solution, 0)
        }
    };
    let split = feasible(request, budget)?;
    let intervals = if scenario.uncertainty_draws > 0 {
        let k = scenario.uncertainty_draws.min(plan.n_draws());
        progress.start("per-draw allocation", k);
        let starts = [solution.spend.clone(), request.current(budget)];
        let u = allocation_uncertainty(plan, score, &split, &starts, k, &options, &step)?;
        progress.finish();
        Some(u)
    } else {
        None
    };
    let mut allocation = report(
        request,
        plan,
        &objective,
        &split,
        budget,
        &solution,
        intervals.as_ref(),
    );
    allocation.search = SearchStats {
        starts: solution.starts,
        multi_start: multi,
        evaluations: solution.evaluations + intervals.as_ref().map_or(0, |u| u.evaluations),
        allocation_draws: intervals.as_ref().map_or(0, |u| u.draws),
        budgets_tried,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok(allocation)
}

fn feasible(request: &Request, budget: f64) -> Result<BoundedSplit, OptimizeError> {
    request.split(budget).ok_or_else(|| {
        OptimizeError::Search(format!(
            "budget {budget} does not fit the channel bounds (a bug: the scenario check passed)"
        ))
    })
}

/// Summarise the optimal plan against the current mix, draw by draw.
fn report(
    request: &Request,
    plan: &PlanResponse,
    objective: &Objective<'_>,
    split: &BoundedSplit,
    budget: f64,
    solution: &Solution,
    intervals: Option<&SpendIntervals>,
) -> Allocation {
    let scenario = &request.scenario;
    let c = request.n_channels();
    let optimal = &solution.spend[..c];
    let current_all = request.current(budget);
    let current = &current_all[..c];
    let n = plan.n_draws();
    let mut out_current = vec![0.0; n];
    let mut out_optimal = vec![0.0; n];
    let mut mroas = vec![vec![0.0; n]; c];
    let mut g = vec![0.0; c];
    for d in 0..n {
        out_current[d] = plan.outcome(d, current);
        out_optimal[d] = plan.outcome_with_gradient(d, optimal, &mut g);
        for (m, gc) in mroas.iter_mut().zip(&g) {
            m[d] = *gc;
        }
    }
    let profit = match objective.score() {
        Score::Profit { value } => {
            let per_draw = |outcomes: &[f64], spend: &[f64]| -> Vec<f64> {
                let s: f64 = spend.iter().sum();
                outcomes.iter().map(|o| value * o - s).collect()
            };
            Some(Comparison::of(
                &per_draw(&out_current, current),
                &per_draw(&out_optimal, optimal),
            ))
        }
        Score::Outcome => None,
    };
    let horizon = scenario.horizon as f64;
    let channels = (0..c)
        .map(|k| {
            let m = super::report::Summary::of(&mroas[k]);
            let q = intervals.map(|u| u.quantiles[k]);
            ChannelRow {
                channel: request.channels[k].clone(),
                current: current[k],
                optimal: optimal[k],
                min: request.min[k],
                max: request.max[k],
                mroas_mean: m.mean,
                change: optimal[k] - current[k],
                change_pct: (current[k] > 0.0)
                    .then(|| 100.0 * (optimal[k] - current[k]) / current[k]),
                mroas_q5: m.q5,
                mroas_q95: m.q95,
                optimal_q5: q.map(|q| q[0]),
                optimal_q50: q.map(|q| q[1]),
                optimal_q95: q.map(|q| q[2]),
                at_bound: at_bound(split, k, optimal[k]),
                current_per_period: current[k] / horizon,
                optimal_per_period: optimal[k] / horizon,
            }
        })
        .collect();
    Allocation {
        scenario: ScenarioEcho {
            objective: scenario.objective.name().to_string(),
            risk: scenario.risk.to_string(),
            budget: scenario.budget,
            horizon: scenario.horizon,
            reference_periods: request.reference_periods,
            target: scenario.target,
            outcome_value: scenario.outcome_value,
        },
        budget,
        spent: optimal.iter().sum(),
        draws: n,
        channels,
        outcome: Comparison::of(&out_current, &out_optimal),
        profit,
        current_within_bounds: request.current_within_bounds(budget),
        optimality: optimality(request, objective, split, &solution.spend),
        search: SearchStats {
            starts: 0,
            multi_start: false,
            evaluations: 0,
            allocation_draws: 0,
            budgets_tried: 0,
            seconds: 0.0,
        },
    }
}

fn at_bound(split: &BoundedSplit, k: usize, spend: f64) -> &'static str {
    if split.hi(k) <= split.lo(k) {
        "fixed"
    } else if split.fraction(k, spend) <= ACTIVE_FRACTION {
        "min"
    } else if split.fraction(k, spend) >= 1.0 - ACTIVE_FRACTION {
        "max"
    } else {
        ""
    }
}

/// The marginal objective of the coordinates strictly inside their bounds, and how far apart.
fn optimality(
    request: &Request,
    objective: &Objective<'_>,
    split: &BoundedSplit,
    spend: &[f64],
) -> Optimality {
    let mut g = vec![0.0; split.dim()];
    objective.value_and_gradient(spend, &mut g, &mut Scratch::default());
    let inside: Vec<usize> = (0..split.dim())
        .filter(|&k| at_bound(split, k, spend[k]).is_empty())
        .collect();
    let marginal = inside.iter().map(|&k| g[k]).sum::<f64>() / inside.len().max(1) as f64;
    let cost = match objective.score() {
        Score::Profit { .. } => 1.0,
        Score::Outcome => 0.0,
    };
    let scale = (marginal.abs() + cost).max(f64::MIN_POSITIVE);
    let max_relative_gap = inside
        .iter()
        .map(|&k| (g[k] - marginal).abs() / scale)
        .fold(0.0, f64::max);
    Optimality {
        interior: inside
            .iter()
            .map(|&k| {
                request
                    .channels
                    .get(k)
                    .cloned()
                    .unwrap_or_else(|| "(unspent)".to_string())
            })
            .collect(),
        marginal,
        max_relative_gap,
    }
}
