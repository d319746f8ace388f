//! Tunables of the sampler, with the defaults of Stan (Hoffman & Gelman 2014, Betancourt 2017).

use serde::{Deserialize, Serialize};

/// The shape of the mass matrix adapted during warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// One inverse mass per coordinate (Stan's `diag_e`): cheap, and enough unless parameters
    /// are strongly correlated.
    #[default]
    Diag,
    /// A full inverse mass matrix (Stan's `dense_e`): removes linear correlations, at O(n^2)
    /// cost per leapfrog step.
    Dense,
}

impl Metric {
    /// The name used in model files: `"diag"` or `"dense"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Diag => "diag",
            Metric::Dense => "dense",
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
    /// Diagonal or dense mass matrix.
    pub metric: Metric,
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
            metric: Metric::Diag,
        }
    }
}
