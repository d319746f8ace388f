//! Budget decisions over the posterior: a scenario file (budget, horizon, bounds, objective,
//! risk) answered by maximising the posterior's response to a flat per-period plan, draw by
//! draw, so every number comes with the posterior's interval.
//!
//! The flow: [`Scenario`] (the file, checked alone) → [`Request`] (checked against the fit:
//! channels, budget against bounds, the current mix) → [`PlanResponse`] (every draw's
//! steady-state curves) → [`Objective`] (mean or quantile of outcome or profit, exact gradient)
//! → [`BoundedSplit`] (spends that sum to the budget inside the bounds, by construction) →
//! [`BudgetProblem`] (argmin's view) → [`solve`] (L-BFGS multi-start + active-set polish) →
//! [`Allocation`] (the report, with the per-draw re-optimisation of [`allocation_uncertainty`]).

mod error;
mod harrell_davis;
mod kernel;
mod min_spend;
mod objective;
mod panel;
mod plan;
mod problem;
mod progress;
mod report;
mod request;
mod run;
mod scenario;
mod solver;
mod split;
mod uncertainty;

pub use error::{Issue, OptimizeError, Problem};
pub use harrell_davis::QuantileWeights;
pub use kernel::Kernel;
pub use min_spend::{BUDGET_REL_TOL, MinSpend, min_spend};
pub use objective::{Objective, Score, Scratch};
pub use panel::{
    GroupRow, PanelAllocation, PanelRequest, by_group, optimize_panel, panel_plan, panel_request,
};
pub use plan::{PlanResponse, PlanUnit};
pub use problem::BudgetProblem;
pub use progress::{NoSearchProgress, SearchProgress};
pub use report::{
    Allocation, ChannelRow, Comparison, Optimality, SUMMARY_PROBS, ScenarioEcho, SearchStats,
    Summary,
};
pub use request::{Limits, Request};
pub use run::{Posterior, answer, optimize};
pub use scenario::{
    Bounds, CellBounds, DEFAULT_REFERENCE_PERIODS, DEFAULT_SEED, DEFAULT_UNCERTAINTY_DRAWS,
    Objective as Goal, Risk, Scenario, Split,
};
pub use solver::{
    ACTIVE_FRACTION, KKT_REL, Solution, SolverOptions, climb, solve, starting_points,
};
pub use split::BoundedSplit;
pub use uncertainty::{SPEND_PROBS, SpendIntervals, allocation_uncertainty, thinned};
