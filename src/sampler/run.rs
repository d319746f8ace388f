//! Parallel chains: run every chain on its own clone of the density with rayon, and collect
//! draws with Stan's per-draw statistics.

use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use super::chain::run_chain;
use super::settings::SamplerSettings;
use super::target::{LogDensity, LogpError};
use super::warmup_stats::{Stuck, WarmupStats};

/// Stan's per-draw sampler statistics (`lp__`, `accept_stat__`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DrawStats {
    /// Log density at the draw.
    pub lp: f64,
    /// Mean acceptance probability over the trajectory.
    pub accept_stat: f64,
    /// Leapfrog step size.
    pub step_size: f64,
    /// Depth of the trajectory's tree.
    pub tree_depth: u32,
    /// Leapfrog steps (gradient evaluations) of the transition.
    pub n_leapfrog: u32,
    /// Whether the trajectory diverged.
    pub divergent: bool,
    /// Hamiltonian at the draw.
    pub energy: f64,
}

/// One chain's kept draws (unconstrained) and statistics.
#[derive(Debug, Clone)]
pub struct ChainOutput {
    /// Chain index.
    pub chain: usize,
    /// Dimension of the density.
    pub dim: usize,
    /// Draws, row-major: draw `i` is `draws[i * dim..(i + 1) * dim]`.
    pub draws: Vec<f64>,
    /// Statistics of every kept draw.
    pub stats: Vec<DrawStats>,
    /// Adapted step size.
    pub step_size: f64,
    /// Diagonal of the adapted inverse mass (the dense metric's variances when it is dense).
    pub inv_mass: Vec<f64>,
    /// The whole adapted inverse mass, `dim` x `dim` row-major, when the metric is dense.
    pub dense_inv_mass: Option<Vec<f64>>,
    /// Divergences during warm-up (not counted against the fit).
    pub warmup_divergences: usize,
    /// Wall time of warm-up, seconds.
    pub warmup_seconds: f64,
    /// Wall time of sampling, seconds.
    pub sampling_seconds: f64,
    /// Divergences and gradient evaluations of every warm-up phase, and restarts.
    pub warmup: WarmupStats,
    /// Why the chain's warm-up is judged stuck, when it still was after every restart.
    pub stuck: Option<Stuck>,
}

impl ChainOutput {
    /// Number of kept draws.
    pub fn n_draws(&self) -> usize {
        self.stats.len()
    }

    /// Draw `i`.
    pub fn draw(&self, i: usize) -> &[f64] {
        &self.draws[i * self.dim..(i + 1) * self.dim]
    }

    /// The trace of coordinate `j`.
    pub fn trace(&self, j: usize) -> Vec<f64> {
        self.draws
            .iter()
            .skip(j)
            .step_by(self.dim)
            .copied()
            .collect()
    }

    /// Divergent transitions among the kept draws.
    pub fn divergences(&self) -> usize {
        self.stats.iter().filter(|s| s.divergent).count()
    }

    /// Kept draws whose tree reached `max_depth`.
    pub fn max_depth_hits(&self, max_depth: u32) -> usize {
        self.stats
            .iter()
            .filter(|s| s.tree_depth >= max_depth)
            .count()
    }

    /// Energies of the kept draws, for E-BFMI.
    pub fn energies(&self) -> Vec<f64> {
        self.stats.iter().map(|s| s.energy).collect()
    }

    /// Total gradient evaluations over the kept draws.
    pub fn n_leapfrog_total(&self) -> u64 {
        self.stats.iter().map(|s| u64::from(s.n_leapfrog)).sum()
    }

    /// Gradient evaluations of the whole chain: warm-up (initialisation and restarts
    /// included) and kept draws.
    pub fn gradient_evals(&self) -> u64 {
        self.warmup.gradient_evals() + self.n_leapfrog_total()
    }
}

/// All chains of one run.
#[derive(Debug, Clone)]
pub struct Samples {
    /// The settings used.
    pub settings: SamplerSettings,
    /// Chains in index order.
    pub chains: Vec<ChainOutput>,
}

impl Samples {
    /// The traces of coordinate `j`, one per chain.
    pub fn traces(&self, j: usize) -> Vec<Vec<f64>> {
        self.chains.iter().map(|c| c.trace(j)).collect()
    }

    /// Divergent kept draws over all chains.
    pub fn divergences(&self) -> usize {
        self.chains.iter().map(ChainOutput::divergences).sum()
    }

    /// Chains whose warm-up was still stuck after every restart, with the reason.
    pub fn stuck_chains(&self) -> Vec<(usize, Stuck)> {
        self.chains
            .iter()
            .filter_map(|c| c.stuck.map(|s| (c.chain, s)))
            .collect()
    }

    /// Gradient evaluations of the whole run, warm-up included.
    pub fn gradient_evals(&self) -> u64 {
        self.chains.iter().map(ChainOutput::gradient_evals).sum()
    }

    /// Gradient evaluations of warm-up (initialisation and restarts included).
    pub fn warmup_gradient_evals(&self) -> u64 {
        self.chains.iter().map(|c| c.warmup.gradient_evals()).sum()
    }

    /// Kept draws at maximum tree depth over all chains.
    pub fn max_depth_hits(&self) -> usize {
        self.chains
            .iter()
            .map(|c| c.max_depth_hits(self.settings.max_depth))
            .sum()
    }
}

/// Receives progress from running chains; the library never prints, a front end draws bars.
pub trait Progress: Sync {
    /// Chain `chain` finished iteration `done` of `total` (warm-up included), with
    /// `divergences` so far.
    fn on_iteration(&self, chain: usize, done: usize, total: usize, divergences: usize) {
        let _ = (chain, done, total, divergences);
    }
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// Why sampling failed.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SampleError {
    /// No initial point with a finite density and gradient was found.
    #[error(
        "chain {chain}: no initial point with a finite log density in {attempts} attempts \
         (last: {last}); check the priors and the data scale, or narrow the initialisation radius"
    )]
    Initialisation {
        /// Chain index.
        chain: usize,
        /// Attempts made.
        attempts: usize,
        /// The last evaluation error.
        last: LogpError,
    },
    /// The density failed in a way it marked unrecoverable.
    #[error("chain {chain}: the log density failed: {source}")]
    Density {
        /// Chain index.
        chain: usize,
        /// The density's error.
        source: LogpError,
    },
    /// The settings cannot run.
    #[error("invalid sampler settings: {0}")]
    Settings(String),
}

fn check_settings(s: &SamplerSettings, dim: usize) -> Result<(), SampleError> {
    let bad = |m: &str| Err(SampleError::Settings(m.to_string()));
    if s.chains == 0 {
        return bad("chains must be at least 1");
    }
    if s.draws == 0 {
        return bad("draws must be at least 1");
    }
    if !(s.target_accept > 0.0 && s.target_accept < 1.0) {
        return bad(
            "target_accept must lie strictly between 0 and 1 (e.g. 0.8, or 0.95 for hard posteriors)",
        );
    }
    if s.max_depth == 0 || s.max_depth > 30 {
        return bad("max_depth must be between 1 and 30 (default 10)");
    }
    if s.max_energy_error.is_nan() || s.max_energy_error <= 0.0 {
        return bad("max_energy_error must be positive (default 1000)");
    }
    if !(s.init_radius >= 0.0 && s.init_radius.is_finite()) {
        return bad("init_radius must be a finite number >= 0 (default 2)");
    }
    if !(s.inits.len() <= 1 || s.inits.len() == s.chains) {
        return Err(SampleError::Settings(format!(
            "inits holds {} points for {} chains; give one point for every chain, or one per chain",
            s.inits.len(),
            s.chains
        )));
    }
    if let Some((i, p)) = s
        .inits
        .iter()
        .enumerate()
        .find(|(_, p)| p.len() != dim || p.iter().any(|x| !x.is_finite()))
    {
        return Err(SampleError::Settings(format!(
            "initial point {i} has {} values (finite: {}); the density has {dim} unconstrained \
             parameters, and every value must be finite",
            p.len(),
            p.iter().all(|x| x.is_finite())
        )));
    }
    Ok(())
}

/// Sample `density` with NUTS in `settings.chains` parallel chains. Chain `i` draws from the
/// random stream `(settings.seed, i)`, so results do not depend on the number of threads.
pub fn sample<D>(
    density: &D,
    settings: &SamplerSettings,
    progress: &dyn Progress,
) -> Result<Samples, SampleError>
where
    D: LogDensity + Clone + Send + Sync,
{
    check_settings(settings, density.dim())?;
    let chains = (0..settings.chains)
        .into_par_iter()
        .map(|c| run_chain(&mut density.clone(), settings, c, progress))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Samples {
        settings: settings.clone(),
        chains,
    })
}
