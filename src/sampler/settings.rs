//! Tunables of the sampler, with the defaults of Stan (Hoffman & Gelman 2014, Betancourt 2017).

use serde::{Deserialize, Serialize};

/// The shape of the mass matrix adapted during warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// One inverse mass per coordinate (Stan's `diag_e`): cheap, and enough unless parameters
    /// are strongly correlated.
    Diag,
    /// A full inverse mass matrix (Stan's `dense_e`): removes linear correlations, at O(n^2)
    /// cost per leapfrog step.
    Dense,
    /// The diagonal plus a correction along the few directions where it is more than
    /// [`LOW_RANK_CUTOFF`] times too wide or too narrow (nutpie's low-rank adaptation), at
    /// O(n k) cost per leapfrog step for k such directions.
    LowRank,
    /// The diagonal metric, corrected along a few directions (as `low_rank`) in a warm-up
    /// window only when the correction fits the window's draws and gradients almost as well as
    /// a metric can ([`AUTO_MAX_FISHER_CORRECTED`]) and removes nearly all of the diagonal
    /// metric's misfit ([`AUTO_MAX_RESIDUAL_SHARE`]); otherwise exactly the diagonal metric.
    #[default]
    Auto,
}

/// An eigenvalue of the covariance in the diagonal metric's scaled coordinates outside
/// `[1 / LOW_RANK_CUTOFF, LOW_RANK_CUTOFF]` becomes a direction of the low-rank correction.
pub const LOW_RANK_CUTOFF: f64 = 2.0;

/// `auto` applies a window's low-rank correction only when the corrected metric's Fisher
/// divergence on the window's draws and gradients (per dimension; 1 when the metric whitens a
/// Gaussian posterior) is at most this: the correction must leave a nearly Gaussian, nearly
/// whitened posterior, which a curved ridge (as the PyMC-Marketing example's) does not give.
pub const AUTO_MAX_FISHER_CORRECTED: f64 = 2.0;

/// `auto` applies a window's low-rank correction only when it leaves at most this share of the
/// diagonal metric's excess Fisher divergence (the divergence above the ideal 1): it must
/// remove at least 95 % of the diagonal's misfit, not merely most of it. (At 0.1 the Hill
/// variant of the PyMC-Marketing example, whose corrections leave 3-10 % of a curved ridge's
/// misfit, was corrected in its last window and diverged among its kept draws;
/// kilpisjarvi's and the 24-d Gaussian's corrections leave at most 1.5 % and 4.5 %.)
pub const AUTO_MAX_RESIDUAL_SHARE: f64 = 0.05;

/// `auto` applies no correction estimated from fewer warm-up draws than this (Stan's first
/// window has 25): an in-sample Fisher divergence from so few draws flatters the correction (on
/// the Hill example, 13 directions from 25 draws in 17 dimensions), and a misled first window
/// cost the collinear MMM test its R-hat.
pub const AUTO_MIN_WINDOW_DRAWS: usize = 50;

/// Above this many parameters `auto` is the diagonal metric: its covariance estimate keeps two
/// n × n matrices per chain, updates them at O(n²) per warm-up draw and decomposes them at
/// O(n³) per window, which at the size of a large panel (about 7000 parameters: 780 MB per
/// chain, minutes per decomposition) costs more than the sampling. `low_rank` and `dense`
/// still estimate the covariance when asked for by name.
pub const AUTO_MAX_CORRECTION_DIM: usize = 500;

impl Metric {
    /// The name used in model files: `"diag"`, `"dense"`, `"low_rank"` or `"auto"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Diag => "diag",
            Metric::Dense => "dense",
            Metric::LowRank => "low_rank",
            Metric::Auto => "auto",
        }
    }
}

/// Everything that controls one sampling run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SamplerSettings {
    /// Number of chains, run in parallel.
    pub chains: usize,
    /// Warm-up (adaptation) iterations per chain; these draws are discarded.
    pub warmup: usize,
    /// Kept draws per chain.
    pub draws: usize,
    /// Seed of the random streams; chain `i` uses stream `i` of this seed.
    pub seed: u64,
    /// Maximum tree depth: at most 2^max_depth leapfrog steps per draw.
    pub max_depth: u32,
    /// Target mean acceptance statistic of the step-size adaptation (Stan's `adapt_delta`).
    pub target_accept: f64,
    /// Energy error beyond which a trajectory is declared divergent.
    pub max_energy_error: f64,
    /// Initial points are drawn uniformly from (-init_radius, init_radius) on every coordinate.
    pub init_radius: f64,
    /// Attempts to find an initial point with a finite density and gradient.
    pub init_attempts: usize,
    /// The mass matrix adapted in warm-up (default [`Metric::Auto`]).
    pub metric: Metric,
    /// Initial points on the unconstrained space: empty for random starts, one point for every
    /// chain, or one point per chain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inits: Vec<Vec<f64>>,
    #[serde(skip_serializing)]
    /// How many times a chain whose warm-up got stuck (step size or metric at a floor) is
    /// restarted from a new random point, closer to zero, before it is reported.
    pub max_restarts: usize,
}

impl Default for SamplerSettings {
    fn default() -> Self {
        SamplerSettings {
            chains: 4,
            warmup: 1000,
            draws: 1000,
            seed: 42,
            max_depth: 10,
            target_accept: 0.8,
            max_energy_error: 1000.0,
            init_radius: 2.0,
            init_attempts: 100,
            metric: Metric::Auto,
            inits: Vec::new(),
            max_restarts: 2,
        }
    }
}
