//! The sampler against posteriordb reference posteriors (`tests/data/posteriordb/`),
//! 4 chains x (1000 warm-up + 1000 draws), with the pass rule of that folder's README: means
//! within 4 combined MCSE, sds within 10 %, R-hat < 1.01, bulk and tail ESS > 400, no divergences.

use std::path::PathBuf;

use mmm::diagnostics::{ESS_MIN, RHAT_MAX, summarize};
use mmm::reference_models::{self as rm, PosteriordbModel, ReferenceModel};
use mmm::{Metric, NoProgress, SamplerSettings, Samples, sample};

/// Means may differ by this many combined Monte Carlo standard errors.
const MEAN_MCSE_MULTIPLE: f64 = 4.0;
/// Relative tolerance on posterior sds with about 4000 draws.
const SD_REL_TOL: f64 = 0.10;

fn reference_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/posteriordb"
    ))
}

fn settings(target_accept: f64, seed: u64) -> SamplerSettings {
    SamplerSettings {
        chains: 4,
        warmup: 1000,
        draws: 1000,
        seed,
        target_accept,
        ..SamplerSettings::default()
    }
}

/// Constrained draws: `out[param][chain]` is the trace of one reference parameter.
fn constrained_traces<M: ReferenceModel>(model: &M, samples: &Samples) -> Vec<Vec<Vec<f64>>> {
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

/// Per-parameter failures of the reference rule (empty when the sampler passes).
fn compare_to_reference<M: ReferenceModel>(model: &M, samples: &Samples) -> Vec<String> {
    let path = reference_dir().join(format!("{}.reference.json", model.name()));
    let text = std::fs::read_to_string(&path).unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let traces = constrained_traces(model, samples);
    let mut failures = Vec::new();
    for (name, chains) in model.param_names().iter().zip(&traces) {
        let refp = &reference["params"][name.as_str()];
        let (ref_mean, ref_sd) = (refp["mean"].as_f64().unwrap(), refp["sd"].as_f64().unwrap());
        let views: Vec<&[f64]> = chains.iter().map(Vec::as_slice).collect();
        let s = summarize(&views);
        let tol = MEAN_MCSE_MULTIPLE * (s.mcse_mean.powi(2) + (ref_sd / 100.0).powi(2)).sqrt();
        if (s.mean - ref_mean).abs() > tol {
            failures.push(format!("{name}: mean {} vs {ref_mean} (tol {tol})", s.mean));
        }
        if (s.sd / ref_sd - 1.0).abs() > SD_REL_TOL {
            failures.push(format!("{name}: sd {} vs {ref_sd}", s.sd));
        }
        if s.r_hat.is_nan() || s.r_hat >= RHAT_MAX {
            failures.push(format!("{name}: R-hat {}", s.r_hat));
        }
        if s.ess_bulk.min(s.ess_tail) <= ESS_MIN {
            failures.push(format!(
                "{name}: ESS bulk {} tail {}",
                s.ess_bulk, s.ess_tail
            ));
        }
    }
    failures
}

fn assert_matches_reference<M: ReferenceModel>(model: M, target_accept: f64) {
    assert_matches_reference_with(model, settings(target_accept, 1));
}

fn assert_matches_reference_with<M: ReferenceModel>(model: M, settings: SamplerSettings) {
    let samples = sample(&model, &settings, &NoProgress).unwrap();
    let mut failures = compare_to_reference(&model, &samples);
    if samples.divergences() > 0 {
        failures.push(format!("{} divergences", samples.divergences()));
    }
    assert!(failures.is_empty(), "{}: {failures:#?}", model.name());
}

#[test]
fn eight_schools_noncentered_matches_reference() {
    assert_matches_reference(
        rm::EightSchoolsNoncentered::load(&reference_dir()).unwrap(),
        0.95,
    );
}

#[test]
fn eight_schools_centered_reports_divergences() {
    let model = rm::EightSchoolsCentered::load(&reference_dir()).unwrap();
    let samples = sample(&model, &settings(0.95, 1), &NoProgress).unwrap();
    assert!(
        samples.divergences() > 0,
        "the centred funnel must produce divergences that the sampler reports"
    );
}

#[test]
fn kidiq_matches_reference() {
    assert_matches_reference(rm::Kidiq::load(&reference_dir()).unwrap(), 0.8);
}

#[test]
fn earnings_matches_reference() {
    assert_matches_reference(rm::Earnings::load(&reference_dir()).unwrap(), 0.8);
}

#[test]
fn ark_matches_reference() {
    assert_matches_reference(rm::ArK::load(&reference_dir()).unwrap(), 0.8);
}

#[test]
fn sblrc_matches_reference() {
    assert_matches_reference(rm::Sblrc::load(&reference_dir()).unwrap(), 0.8);
}

#[test]
fn low_dim_gauss_mix_matches_reference() {
    assert_matches_reference(rm::LowDimGaussMix::load(&reference_dir()).unwrap(), 0.8);
}

#[test]
fn garch11_matches_reference() {
    assert_matches_reference(rm::Garch11::load(&reference_dir()).unwrap(), 0.8);
}

/// Correlation -1.000 between alpha and beta defeats a diagonal metric's efficiency (not its
/// correctness): means, sds and R-hat must pass; bulk ESS falls short of 400 (about 280, see
/// docs/sampler.md), so ESS is the one rule not asserted here. The dense metric passes the
/// whole rule (next test).
#[test]
fn kilpisjarvi_is_unbiased_despite_correlation_minus_one() {
    let model = rm::Kilpisjarvi::load(&reference_dir()).unwrap();
    let samples = sample(&model, &settings(0.8, 1), &NoProgress).unwrap();
    let failures: Vec<String> = compare_to_reference(&model, &samples)
        .into_iter()
        .filter(|f| !f.contains("ESS"))
        .collect();
    assert!(
        failures.is_empty() && samples.divergences() == 0,
        "{failures:#?}"
    );
}

/// The dense metric removes kilpisjarvi's ridge: the full reference rule, ESS included.
#[test]
fn kilpisjarvi_matches_reference_with_the_dense_metric() {
    let model = rm::Kilpisjarvi::load(&reference_dir()).unwrap();
    let settings = SamplerSettings {
        metric: Metric::Dense,
        ..settings(0.8, 1)
    };
    assert_matches_reference_with(model, settings);
}
