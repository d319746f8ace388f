//! The numerical building blocks of the MMM density: adstock, saturation, seasonality, trend
//! and bijectors, each with its exact derivatives beside its value.
//!
//! Everything here takes plain numbers and slices and writes into caller-provided buffers, so
//! the density's hot path allocates nothing. Nothing here chains derivatives across blocks: the
//! density does, using the pieces below.
//!
//! ```
//! use mmm::transform::{AdstockKind, SaturationKind, Support, convolve, convolve_adjoint_weights};
//!
//! // θ on the unconstrained scale → α ∈ (0, 1), with the log-Jacobian for the density.
//! let alpha = Support::UnitInterval.constrain_with_jacobian(0.4);
//! let mut w = [0.0; 4];
//! let mut jac = [0.0; 4]; // ∂w_l/∂α
//! AdstockKind::Geometric.weights_with_jacobian(&[alpha.x], true, &mut w, &mut jac);
//!
//! let spend = [1.0, 0.0, 0.0, 2.0, 0.5];
//! let mut adstocked = [0.0; 5];
//! convolve(&w, &spend, &mut adstocked);
//!
//! // Response and its slope in the adstocked spend, per period.
//! let hill = SaturationKind::Hill;
//! let slope: Vec<f64> = adstocked.iter().map(|a| hill.eval(&[0.5, 1.2], *a).d_a).collect();
//!
//! // Reverse mode: ∂(Σ_t response_t)/∂w_l, then ∂/∂α = Σ_l (∂/∂w_l)·(∂w_l/∂α).
//! let mut d_w = [0.0; 4];
//! convolve_adjoint_weights(&spend, &slope, &mut d_w);
//! let d_alpha: f64 = d_w.iter().zip(&jac).map(|(g, j)| g * j).sum();
//! assert!(d_alpha.is_finite());
//! ```

mod adstock;
mod bijector;
mod calendar;
#[cfg(test)]
pub(crate) mod finite_diff;
mod fourier;
mod geometric;
mod hill_lanes;
mod lanes;
mod logistic_curve;
mod pair_lanes;
mod reduce;
mod saturation;
mod simd;
mod trend;
mod vexp;

pub use adstock::{
    ADSTOCK_MAX_PARAMS, AdstockKind, convolve, convolve_adjoint_spend, convolve_adjoint_weights,
    pull_back_weights, steady_state_factor,
};
pub(crate) use bijector::unit_logistic;
pub use bijector::{Constrained, Support, SupportError};
pub use calendar::{Date, DateError, day_of_year, is_leap_year};
pub use fourier::{DAYS_PER_YEAR, fourier_features, fourier_names};
pub use geometric::{
    GEOMETRIC_RECURSION_MIN_LAG, convolve_with_moment, geometric_adstock, geometric_alpha_adjoint,
    geometric_recursion, geometric_reductions, geometric_scratch_len,
};
pub use hill_lanes::{
    HillLaneParams, HillLaneSeries, geometric_hill_forward, geometric_hill_sweep, interleave_padded,
};
pub use lanes::{
    LANES, LaneParams, LaneSeries, Lanes, geometric_logistic_forward, geometric_logistic_sweep,
    interleave, lane_scratch_len,
};
pub use pair_lanes::{
    Pair, PairParams, PairSeries, geometric_logistic_pair_forward, geometric_logistic_pair_sweep,
    interleave_pair, pair_scratch_len,
};
pub use reduce::{dot, dot_where_nonzero, sum};
pub use saturation::{
    SATURATION_MAX_PARAMS, SaturationEval, SaturationKind, hill, hill_series, logistic,
    logistic_series,
};
pub(crate) use simd::{Vectorized, vectorized};
pub use trend::linear_trend;
