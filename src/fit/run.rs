//! One fit: density, sampling, summaries, derived quantities and the review.

use std::time::Instant;

use crate::data::Dataset;
use crate::density::MmmDensity;
use crate::posterior::{
    Check, Derived, PosteriorDraws, SummaryRow, derive, review, summarize_params,
};
use crate::sampler::{Progress, Samples, sample};
use crate::spec::ModelSpec;

use super::error::FitError;
use super::resources::{Resources, available_memory};

/// A finished fit, everything `mmm fit` writes.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The model.
    pub spec: ModelSpec,
    /// The data.
    pub data: Dataset,
    /// The density that was sampled.
    pub density: MmmDensity,
    /// Raw sampler output (unconstrained draws and statistics).
    pub samples: Samples,
    /// Constrained draws.
    pub draws: PosteriorDraws,
    /// Parameter summaries.
    pub summary: Vec<SummaryRow>,
    /// Contributions, ROAS, curves, fit quality.
    pub derived: Derived,
    /// The review of convergence and adequacy.
    pub checks: Vec<Check>,
    /// Wall time of sampling, seconds.
    pub sampling_seconds: f64,
    /// Wall time of the derived quantities, seconds.
    pub derive_seconds: f64,
}

/// Sample `spec` on `data` and compute everything reported.
///
/// A run whose draws cannot be held in the memory available is refused before sampling.
pub fn fit(spec: &ModelSpec, data: &Dataset, progress: &dyn Progress) -> Result<Fit, FitError> {
    Resources::estimate(spec, data.n_periods()).check_memory(available_memory())?;
    let density = MmmDensity::new(spec, data)?;
    let started = Instant::now();
    let samples = sample(&density, &spec.sampler, progress)?;
    let sampling_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let draws = PosteriorDraws::from_samples(&density, &samples);
    let summary = summarize_params(&draws);
    let derived = derive(spec, &density, data, &draws, spec.sampler.seed);
    let checks = review(&samples, &summary, &derived.quality);
    Ok(Fit {
        spec: spec.clone(),
        data: data.clone(),
        density,
        samples,
        draws,
        summary,
        derived,
        checks,
        sampling_seconds,
        derive_seconds: started.elapsed().as_secs_f64(),
    })
}
