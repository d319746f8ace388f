//! MCMC convergence diagnostics (Vehtari et al. 2021), matching ArviZ 0.23 to round-off.
//!
//! Every function takes the draws of one scalar quantity as one slice per chain
//! (`&[&[f64]]`, equal lengths) and returns `f64`, NaN where the quantity is undefined
//! (too few chains or draws, unequal lengths, a NaN draw; R-hat of constant draws), following
//! ArviZ's conventions rather than raising errors: a summary table can then show every
//! parameter. Chains are split in halves (the first and last floor(n/2) draws; an odd middle
//! draw is dropped); R-hat and bulk ESS rank-normalise with average ranks pooled over all
//! split draws. Constant draws give R-hat NaN, ESS = S (the total draw count) and MCSE 0, as
//! ArviZ (R's `posterior` package returns NA for all three instead).
//!
//! ```
//! use mmm::diagnostics::{ess_bulk, rhat, RHAT_MAX};
//!
//! let a: Vec<f64> = (0..100).map(|i| (f64::from(i) * 0.7).sin()).collect();
//! let b: Vec<f64> = (0..100).map(|i| (f64::from(i) * 1.3).cos()).collect();
//! let chains: [&[f64]; 2] = [&a, &b];
//! assert!(rhat(&chains) < RHAT_MAX + 0.1);
//! assert!(ess_bulk(&chains) > 0.0);
//! ```

mod bfmi;
mod draws;
mod ess;
mod mcse;
mod moments;
mod normal_quantile;
mod quantile;
mod rank;
mod rhat;
mod summary;
mod thresholds;

#[cfg(test)]
mod reference_tests;

pub use bfmi::bfmi;
pub use ess::{ess_bulk, ess_mean, ess_quantile, ess_tail};
pub use mcse::{mcse_mean, mcse_sd};
pub use normal_quantile::normal_quantile;
pub use quantile::{quantile_of_ranks, quantile_sorted, quantiles};
pub use rhat::{rhat, rhat_bulk, rhat_tail};
pub use summary::{ParamSummary, summarize};
pub use thresholds::{BFMI_MIN, ESS_MIN, RHAT_MAX};
