//! Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari and Gelman 2018): draw
//! parameters from the prior, simulate data, fit, and rank each true value among thinned
//! posterior draws; replicates run in parallel.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use crate::density::{DensityOptions, MmmDensity};
use crate::diagnostics::rhat;
use crate::posterior::PosteriorDraws;
use crate::sampler::{NoProgress, sample};
use crate::simulate::{SimulateOptions, Truth, simulate};
use crate::spec::ModelSpec;

use super::uniformity::{RankTest, bins_for, test_ranks};

/// Posterior draws each true value is ranked among (after thinning): ranks run 0..=99, so
/// 5, 10 or 20 bins hold equally many rank values.
pub const SBC_DRAWS: usize = 99;
/// Combined false-alarm rate of the uniformity verdict over all parameters.
pub const SBC_ALPHA: f64 = 0.01;
/// Short chains are enough for calibration: these are the defaults per replicate.
pub const SBC_CHAINS: usize = 2;
/// Warm-up iterations per chain in a replicate.
pub const SBC_WARMUP: usize = 300;
/// Kept draws per chain in a replicate (thinned to [`SBC_DRAWS`] overall).
pub const SBC_DRAWS_PER_CHAIN: usize = 150;

/// How an SBC run is set up.
#[derive(Debug, Clone, PartialEq)]
pub struct SbcSettings {
    /// Number of replicates.
    pub replicates: usize,
    /// Seed; replicate `i` simulates and samples with a seed derived from (seed, i).
    pub seed: u64,
    /// Chains per fit.
    pub chains: usize,
    /// Warm-up iterations per chain.
    pub warmup: usize,
    /// Kept draws per chain.
    pub draws: usize,
    /// Periods per simulated data set (default: the design's, else the simulation default).
    pub periods: Option<usize>,
    /// Combined false-alarm rate of the verdict.
    pub alpha: f64,
}

impl Default for SbcSettings {
    fn default() -> Self {
        SbcSettings {
            replicates: 100,
            seed: 1,
            chains: SBC_CHAINS,
            warmup: SBC_WARMUP,
            draws: SBC_DRAWS_PER_CHAIN,
            periods: None,
            alpha: SBC_ALPHA,
        }
    }
}

impl SbcSettings {
    /// Refuse settings SBC cannot run with: no replicates, or fewer kept draws than the ranks
    /// need. Called before any work, so the error comes first.
    pub fn check(&self) -> Result<(), SbcError> {
        if self.replicates == 0 {
            return Err(SbcError::Settings(
                "--replicates 0: SBC needs at least 1 replicate, and about 100 or more to test \
                 uniformity (e.g. --replicates 200)"
                    .into(),
            ));
        }
        if self.chains * self.draws < SBC_DRAWS {
            return Err(SbcError::Settings(format!(
                "SBC ranks each truth among {SBC_DRAWS} draws: chains x draws must be at least \
                 {SBC_DRAWS} (got {} x {}); raise --draws or --chains",
                self.chains, self.draws
            )));
        }
        Ok(())
    }
}

/// Why SBC could not run.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SbcError {
    /// The fitted model's parameters differ from the simulated model's.
    #[error(
        "the fitted model's parameters ({fit}) differ from the simulated model's ({simulated}); \
         give a model with the same channels, controls and terms, only other priors"
    )]
    Mismatch {
        /// Parameters of the simulated model.
        simulated: String,
        /// Parameters of the fitted model.
        fit: String,
    },
    /// The design fixes parameter values, which SBC must draw from the prior.
    #[error(
        "{origin} fixes parameter values, but SBC draws every parameter from its prior; remove \
         its [parameters] table (keep periods, spend patterns and controls)"
    )]
    FixedParameters {
        /// The design file.
        origin: String,
    },
    /// The fitted model's lift tests are not the simulated model's.
    #[error(
        "the fitted model has {fit} lift tests but the simulated model has {simulated}; SBC \
         simulates each replicate's measured lifts from the drawn parameters, so the fitted \
         model's [calibration] must name a lift-test file with the same rows as the simulated \
         model's (or be removed)"
    )]
    LiftTests {
        /// Lift tests of the simulated model.
        simulated: usize,
        /// Lift tests of the fitted model.
        fit: usize,
    },
    /// The settings cannot give the ranks.
    #[error("{0}")]
    Settings(String),
}

/// One replicate's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replicate {
    /// Replicate index.
    pub index: usize,
    /// Rank of each true value among the thinned draws (parameter order); empty on failure.
    pub ranks: Vec<usize>,
    /// The true values (constrained, model order).
    pub truth: Vec<f64>,
    /// Divergent transitions after warm-up.
    pub divergences: usize,
    /// Largest split R-hat of the replicate's fit.
    pub max_rhat: f64,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// The outcome of an SBC run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SbcResult {
    /// Parameter names.
    pub names: Vec<String>,
    /// Every replicate, in index order.
    pub replicates: Vec<Replicate>,
    /// Highest possible rank ([`SBC_DRAWS`]).
    pub max_rank: usize,
    /// Histogram bins.
    pub bins: usize,
    /// The uniformity test of every parameter.
    pub tests: Vec<RankTest>,
    /// Combined false-alarm rate.
    pub alpha: f64,
    /// Per-parameter p-value threshold, alpha / parameters.
    pub threshold: f64,
    /// Whether every parameter passed and no replicate failed.
    pub pass: bool,
    /// Wall time of the run, seconds.
    pub seconds: f64,
}

impl SbcResult {
    /// Replicates that failed to simulate or fit.
    pub fn failures(&self) -> usize {
        self.replicates.iter().filter(|r| r.error.is_some()).count()
    }

    /// Divergences over all replicates.
    pub fn divergences(&self) -> usize {
        self.replicates.iter().map(|r| r.divergences).sum()
    }
}

/// A seed for replicate `i` from the run's seed (SplitMix64 of the pair).
fn replicate_seed(seed: u64, i: usize) -> u64 {
    let mut z = seed
        ^ (i as u64)
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Run SBC: simulate from `simulated` (every parameter from its prior, data shaped by
/// `design`), fit `fitted` (the same model, or one differing only in priors), rank, test.
/// `progress` is called with the number of finished replicates.
pub fn run_sbc(
    simulated: &ModelSpec,
    fitted: &ModelSpec,
    design: &Truth,
    settings: &SbcSettings,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<SbcResult, SbcError> {
    let names: Vec<String> = simulated.parameters().into_iter().map(|p| p.name).collect();
    let fit_names: Vec<String> = fitted.parameters().into_iter().map(|p| p.name).collect();
    if names != fit_names {
        return Err(SbcError::Mismatch {
            simulated: names.join(", "),
            fit: fit_names.join(", "),
        });
    }
    if design.fixes_parameters() {
        return Err(SbcError::FixedParameters {
            origin: design.origin.clone(),
        });
    }
    let lift_rows = |s: &ModelSpec| s.calibration.as_ref().map(|c| c.tests.len());
    if let Some(fit_rows) = lift_rows(fitted)
        && lift_rows(simulated) != Some(fit_rows)
    {
        return Err(SbcError::LiftTests {
            simulated: lift_rows(simulated).unwrap_or(0),
            fit: fit_rows,
        });
    }
    settings.check()?;
    Ok(run_replicates(names, settings, progress, &|i, seed| {
        replicate(simulated, fitted, design, settings, i, seed)
    }))
}

/// The replicate loop shared by national and panel SBC: run `one(index, seed)` for every
/// replicate in parallel (seeds from [`replicate_seed`]), then test the ranks of the
/// replicates that succeeded.
pub(super) fn run_replicates(
    names: Vec<String>,
    settings: &SbcSettings,
    progress: &(dyn Fn(usize) + Sync),
    one: &(dyn Fn(usize, u64) -> Replicate + Sync),
) -> SbcResult {
    let started = Instant::now();
    let done = AtomicUsize::new(0);
    let replicates: Vec<Replicate> = (0..settings.replicates)
        .into_par_iter()
        .map(|i| {
            let r = one(i, replicate_seed(settings.seed, i));
            progress(done.fetch_add(1, Ordering::Relaxed) + 1);
            r
        })
        .collect();
    let ok: Vec<Vec<usize>> = replicates
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.ranks.clone())
        .collect();
    let tests = test_ranks(&names, &ok, SBC_DRAWS, settings.alpha);
    let pass = !ok.is_empty() && ok.len() == replicates.len() && tests.iter().all(|t| t.pass);
    SbcResult {
        threshold: settings.alpha / names.len().max(1) as f64,
        names,
        bins: bins_for(ok.len()),
        replicates,
        max_rank: SBC_DRAWS,
        tests,
        alpha: settings.alpha,
        pass,
        seconds: started.elapsed().as_secs_f64(),
    }
}

impl Replicate {
    /// A replicate not yet run.
    pub(super) fn new(index: usize) -> Replicate {
        Replicate {
            index,
            ranks: Vec::new(),
            truth: Vec::new(),
            divergences: 0,
            max_rhat: f64::NAN,
            error: None,
        }
    }

    /// Record the outcome of the fit: ranks of the truth among `draws` and the largest R-hat,
    /// or the error.
    pub(super) fn finish(&mut self, result: Result<PosteriorDraws, String>) {
        match result {
            Ok(draws) => {
                self.ranks = ranks(&draws, &self.truth);
                self.max_rhat = (0..draws.n_params())
                    .map(|p| {
                        let traces = draws.traces(p);
                        let views: Vec<&[f64]> = traces.iter().map(Vec::as_slice).collect();
                        rhat(&views)
                    })
                    .filter(|v| v.is_finite())
                    .fold(f64::NAN, f64::max);
            }
            Err(e) => self.error = Some(e),
        }
    }
}

/// One replicate: simulate, fit with the simulation's fixed target scale (so the priors'
/// scaled space is the simulation's), thin, rank.
fn replicate(
    simulated: &ModelSpec,
    fitted: &ModelSpec,
    design: &Truth,
    settings: &SbcSettings,
    index: usize,
    seed: u64,
) -> Replicate {
    let mut out = Replicate::new(index);
    let options = SimulateOptions {
        periods: settings.periods,
        seed: Some(seed),
    };
    let result = simulate(simulated, design, &options)
        .map_err(|e| e.to_string())
        .and_then(|sim| {
            out.truth.clone_from(&sim.params);
            let opts = DensityOptions {
                target_scale: Some(design.target_scale),
                ..DensityOptions::default()
            };
            // The fit sees the replicate's simulated lifts, not the lift-test file's.
            let mut fitted = fitted.clone();
            if let (Some(fit), Some(sim)) = (&mut fitted.calibration, &sim.spec.calibration) {
                for (f, s) in fit.tests.iter_mut().zip(&sim.tests) {
                    f.lift = s.lift;
                }
            }
            let density =
                MmmDensity::with_options(&fitted, &sim.data, &opts).map_err(|e| e.to_string())?;
            let mut s = fitted.sampler.clone();
            (s.chains, s.warmup, s.draws, s.seed) =
                (settings.chains, settings.warmup, settings.draws, seed);
            let samples = sample(&density, &s, &NoProgress).map_err(|e| e.to_string())?;
            out.divergences = samples.divergences();
            Ok(PosteriorDraws::from_samples(&density, &samples))
        });
    out.finish(result);
    out
}

/// Rank of each true value among [`SBC_DRAWS`] draws spread evenly over all chains.
fn ranks(draws: &PosteriorDraws, truth: &[f64]) -> Vec<usize> {
    let all: Vec<&[f64]> = draws.iter().collect();
    let thinned: Vec<&[f64]> = (0..SBC_DRAWS)
        .map(|i| all[i * all.len() / SBC_DRAWS])
        .collect();
    truth
        .iter()
        .enumerate()
        .map(|(p, t)| thinned.iter().filter(|d| d[p] < *t).count())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicate_seeds_differ_and_repeat() {
        let seeds: Vec<u64> = (0..1000).map(|i| replicate_seed(7, i)).collect();
        let mut unique = seeds.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), seeds.len());
        assert_eq!(replicate_seed(7, 3), seeds[3]);
        assert_ne!(replicate_seed(8, 3), seeds[3]);
    }

    #[test]
    fn a_truth_is_ranked_among_evenly_spaced_draws() {
        let chain: Vec<Vec<f64>> = (0..198)
            .map(|i| vec![f64::from(i), -f64::from(i)])
            .collect();
        let draws =
            PosteriorDraws::from_constrained(vec!["a".into(), "b".into()], &[chain]).unwrap();
        // Thinned draws are 0, 2, 4, ..., 196.
        assert_eq!(ranks(&draws, &[-1.0, 1.0]), vec![0, SBC_DRAWS]);
        assert_eq!(ranks(&draws, &[10.5, -10.5]), vec![6, 93]);
    }
}
