//! The posteriordb pass rule (`tests/data/README.md`) and the constrained traces it is applied
//! to: a run of a [`ReferenceModel`] passes when every constrained parameter's mean lies within
//! a few combined Monte Carlo standard errors of the reference mean, its sd within 10 % of the
//! reference sd, its R-hat below [`RHAT_MAX`], its bulk and tail ESS above [`ESS_MIN`], and no
//! kept draw diverged and no chain was reported stuck.
//!
//! ```no_run
//! use mmm::reference_models::{Kidiq, PassRule, PosteriordbModel, ReferenceMoments};
//! use mmm::{NoProgress, SamplerSettings, sample};
//! use std::path::Path;
//!
//! let dir = Path::new("tests/data/posteriordb");
//! let model = Kidiq::load(dir)?;
//! let reference = ReferenceMoments::load(dir, "kidiq-kidscore_momhsiq")?;
//! let samples = sample(&model, &SamplerSettings::default(), &NoProgress).unwrap();
//! let failures = PassRule::default().failures(&model, &samples, &reference);
//! assert!(failures.is_empty(), "{failures:#?}");
//! # Ok::<(), mmm::reference_models::ReferenceError>(())
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::ReferenceModel;
use super::data::{ReferenceError, read_json};
use crate::diagnostics::{ESS_MIN, RHAT_MAX, summarize};
use crate::sampler::Samples;

/// Reference mean and sd of one parameter.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Moments {
    /// Posterior mean.
    pub mean: f64,
    /// Posterior sd (ddof = 1).
    pub sd: f64,
}

/// The means and sds of a `<posterior>.reference.json` (posteriordb's summaries, or the
/// `tests/data/arma11` reference, which has no quantiles), by parameter name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReferenceMoments {
    /// Per parameter, its reference mean and sd.
    pub params: BTreeMap<String, Moments>,
}

impl ReferenceMoments {
    /// Read `dir/<posterior>.reference.json`.
    pub fn load(dir: &Path, posterior: &str) -> Result<Self, ReferenceError> {
        let (moments, _) = read_json(dir, &format!("{posterior}.reference.json"))?;
        Ok(moments)
    }
}

/// The tolerances of the pass rule; the default is the rule of `tests/data/README.md` for
/// 4 chains × 1000 kept draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PassRule {
    /// A mean may differ from the reference by this many combined MCSEs: ours, and the
    /// reference's taken as sd / 100 (10 000 reference draws).
    pub mean_mcse_multiple: f64,
    /// Relative tolerance on the sd.
    pub sd_rel_tol: f64,
    /// R-hat must be below this.
    pub r_hat_max: f64,
    /// Bulk and tail ESS must exceed this.
    pub ess_min: f64,
}

impl Default for PassRule {
    fn default() -> Self {
        PassRule {
            mean_mcse_multiple: 4.0,
            sd_rel_tol: 0.10,
            r_hat_max: RHAT_MAX,
            ess_min: ESS_MIN,
        }
    }
}

/// Constrained draws of a run: `out[param][chain]` is the trace of parameter `param` (in the
/// order of [`ReferenceModel::param_names`]) in chain `chain`.
pub fn constrained_traces<M: ReferenceModel>(model: &M, samples: &Samples) -> Vec<Vec<Vec<f64>>> {
    let k = model.param_names().len();
    let mut out = vec![vec![Vec::new(); samples.chains.len()]; k];
    let mut buf = Vec::new();
    for (c, chain) in samples.chains.iter().enumerate() {
        for i in 0..chain.n_draws() {
            model.constrain(chain.draw(i), &mut buf);
            for (p, v) in buf.iter().enumerate() {
                out[p][c].push(*v);
            }
        }
    }
    out
}

impl PassRule {
    /// Every way the run `samples` of `model` fails the rule against `reference`, one line
    /// each (empty when it passes). A parameter missing from the reference is a failure.
    pub fn failures<M: ReferenceModel>(
        &self,
        model: &M,
        samples: &Samples,
        reference: &ReferenceMoments,
    ) -> Vec<String> {
        let traces = constrained_traces(model, samples);
        let mut failures = Vec::new();
        for (name, chains) in model.param_names().iter().zip(&traces) {
            let Some(r) = reference.params.get(name) else {
                failures.push(format!("{name}: not in the reference"));
                continue;
            };
            let views: Vec<&[f64]> = chains.iter().map(Vec::as_slice).collect();
            let s = summarize(&views);
            // Comparisons with NaN are false, so a NaN statistic fails every check.
            let within = |x: f64, lim: f64| x <= lim;
            let below = |x: f64, lim: f64| x < lim;
            let tol = self.mean_mcse_multiple * s.mcse_mean.hypot(r.sd / 100.0);
            if !within((s.mean - r.mean).abs(), tol) {
                failures.push(format!("{name}: mean {} vs {} (tol {tol})", s.mean, r.mean));
            }
            if !within((s.sd / r.sd - 1.0).abs(), self.sd_rel_tol) {
                failures.push(format!("{name}: sd {} vs {}", s.sd, r.sd));
            }
            if !below(s.r_hat, self.r_hat_max) {
                failures.push(format!("{name}: R-hat {}", s.r_hat));
            }
            if !below(self.ess_min, s.ess_bulk.min(s.ess_tail)) {
                failures.push(format!(
                    "{name}: ESS bulk {} tail {}",
                    s.ess_bulk, s.ess_tail
                ));
            }
        }
        if samples.divergences() > 0 {
            failures.push(format!("{} divergences", samples.divergences()));
        }
        for (chain, why) in samples.stuck_chains() {
            failures.push(format!("chain {chain} stuck: {why}"));
        }
        failures
    }
}
