//! What one chain's warm-up did: divergences and gradient evaluations per phase, restarts, and
//! the reason a chain is reported stuck.

use serde::Serialize;

/// One phase of warm-up: the initial buffer (only when it is not cut into early metric
/// windows), a metric window, or the terminal buffer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseStats {
    /// `"init_buffer"`, `"window_1"`, `"window_2"`, ..., or `"term_buffer"`. With the default
    /// schedule windows 1 to 15 are the early windows of the first 75 iterations.
    pub name: String,
    /// First iteration of the phase (0-based, within warm-up).
    pub start: usize,
    /// One past its last iteration.
    pub end: usize,
    /// Divergent transitions in the phase.
    pub divergences: usize,
    /// Evaluations of the log density and gradient in the phase (trajectories and step-size
    /// searches).
    pub gradient_evals: u64,
    /// The step size at the end of the phase.
    pub step_size: f64,
    /// Directions in which the metric in use at the end of the phase corrects the diagonal:
    /// 0 for a diagonal metric (always so for `diag`, and for `auto` when it keeps the
    /// diagonal), k for a low-rank correction, n for a dense metric.
    pub metric_rank: usize,
    /// For a metric window: the Fisher divergence per dimension (1 when the metric whitens a
    /// Gaussian posterior, larger the worse it fits) of the metric installed at its end, on
    /// the window's draws and gradients; null for buffers and for a dense metric.
    pub fisher_divergence: Option<f64>,
    /// The same for the window's diagonal metric: what `auto` compares a correction against.
    pub fisher_divergence_diag: Option<f64>,
}

/// A chain's warm-up, over its last attempt (restarts discard earlier attempts).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WarmupStats {
    /// Phases in order.
    pub phases: Vec<PhaseStats>,
    /// Warm-up iterations whose transition diverged (0-based).
    pub divergent_iterations: Vec<usize>,
    /// Evaluations spent finding the initial point and the first step size.
    pub init_gradient_evals: u64,
    /// Evaluations spent by earlier attempts that got stuck and were restarted.
    pub discarded_gradient_evals: u64,
    /// Times the chain was restarted because its warm-up got stuck.
    pub restarts: usize,
    /// Initial points tried before one was accepted.
    pub init_attempts: usize,
}

impl WarmupStats {
    /// Divergences over the whole warm-up.
    pub fn divergences(&self) -> usize {
        self.phases.iter().map(|p| p.divergences).sum()
    }

    /// Gradient evaluations over the whole warm-up, initialisation and restarts included.
    pub fn gradient_evals(&self) -> u64 {
        self.init_gradient_evals
            + self.discarded_gradient_evals
            + self.phases.iter().map(|p| p.gradient_evals).sum::<u64>()
    }
}

/// Why a chain's warm-up is judged stuck.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Stuck {
    /// The adapted step size, which is dimensionless in the metric's scaled coordinates, is
    /// so small that the chain barely moves.
    StepSize {
        /// The adapted step size.
        step_size: f64,
    },
    /// Most terminal warm-up transitions ran to the maximum tree depth.
    TreeDepth {
        /// Their share.
        share: f64,
    },
    /// The metric of a coordinate sits at its floor: the chain did not move in it.
    MetricFloor {
        /// The coordinate (0-based, unconstrained).
        coordinate: usize,
    },
}

impl std::fmt::Display for Stuck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stuck::StepSize { step_size } => {
                write!(f, "its step size fell to {step_size:.3e}")
            }
            Stuck::TreeDepth { share } => write!(
                f,
                "{:.0} % of its last warm-up transitions hit the maximum tree depth",
                100.0 * share
            ),
            Stuck::MetricFloor { coordinate } => write!(
                f,
                "its metric for unconstrained coordinate {coordinate} sits at the floor"
            ),
        }
    }
}
