//! Simulation-based calibration of panel models: every parameter — shared transforms,
//! hyper-parameters, group intercepts, noise, the offsets `beta_z[c,g]` — drawn from the
//! simulated model's prior, a panel simulated at that draw with the truth file's data design,
//! fitted with the fitted model, and each truth ranked among the draws (the replicate loop and
//! the uniformity verdict are national SBC's).

use crate::panel::{
    PanelDensity, PanelTruth, panel_param_names, read_panel_csv, simulate_panel_with,
};
use crate::posterior::PosteriorDraws;
use crate::sampler::{NoProgress, sample};
use crate::spec::ModelSpec;

use super::sbc::{Replicate, SbcError, SbcResult, SbcSettings, run_replicates};

/// Run SBC on a panel model: simulate from `simulated` with `design`'s groups, periods
/// (`settings.periods` overrides), target scale and spend levels — its parameter values are
/// not used, every parameter is drawn from the prior — and fit `fitted` (the same model, or
/// one differing only in priors). `progress` is called with the number of finished replicates.
pub fn run_panel_sbc(
    simulated: &ModelSpec,
    fitted: &ModelSpec,
    design: &PanelTruth,
    settings: &SbcSettings,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<SbcResult, SbcError> {
    let mut design = design.clone();
    if let Some(p) = settings.periods {
        design.periods = p;
    }
    let names = panel_param_names(simulated, design.groups);
    let fit_names = panel_param_names(fitted, design.groups);
    if names != fit_names {
        return Err(SbcError::Mismatch {
            simulated: names.join(", "),
            fit: fit_names.join(", "),
        });
    }
    if fitted.panel.is_none() || simulated.panel.is_none() {
        return Err(SbcError::Settings(
            "panel SBC needs two panel models ([data] group in both)".into(),
        ));
    }
    settings.check()?;
    Ok(run_replicates(names, settings, progress, &|i, seed| {
        replicate(simulated, fitted, &design, settings, i, seed)
    }))
}

/// One replicate: a prior draw, its panel, a fit on the simulation's target scale, ranks.
fn replicate(
    simulated: &ModelSpec,
    fitted: &ModelSpec,
    design: &PanelTruth,
    settings: &SbcSettings,
    index: usize,
    seed: u64,
) -> Replicate {
    let mut out = Replicate::new(index);
    let mut truth = Vec::new();
    let result = simulate_panel_with(simulated, design, seed, &mut |density, rng| {
        truth = density
            .params()
            .iter()
            .map(|p| p.prior.sample(rng))
            .collect();
        Ok(truth.clone())
    })
    .and_then(|sim| read_panel_csv(fitted, &sim.csv))
    .map_err(|e| e.to_string())
    .and_then(|data| {
        let density = PanelDensity::with_target_scale(fitted, &data, Some(design.target_scale))
            .map_err(|e| e.to_string())?;
        let mut s = fitted.sampler.clone();
        (s.chains, s.warmup, s.draws, s.seed) =
            (settings.chains, settings.warmup, settings.draws, seed);
        let samples = sample(&density, &s, &NoProgress).map_err(|e| e.to_string())?;
        out.divergences = samples.divergences();
        let chains = crate::panel::constrained_draws(&density, &samples);
        PosteriorDraws::from_constrained(density.param_names(), &chains)
            .ok_or_else(|| "chains returned draws of unequal length".to_string())
    });
    out.truth = truth;
    out.finish(result);
    out
}
