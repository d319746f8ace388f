//! The sampler against posteriordb reference posteriors (`tests/data/posteriordb/`),
//! 4 chains x (1000 warm-up + 1000 draws), with the pass rule of that folder's README: means
//! within 4 combined MCSE, sds within 10 %, R-hat < 1.01, bulk and tail ESS > 400, no divergences.

use std::path::{Path, PathBuf};

use mmm::diagnostics::summarize;
use mmm::reference_models::{
    self as rm, PassRule, PosteriordbModel, ReferenceModel, ReferenceMoments, constrained_traces,
};
use mmm::{Metric, NoProgress, SamplerSettings, Samples, sample};

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

/// Failures of the library's pass rule (`PassRule::default()`) against the reference in `dir`.
fn failures_in<M: ReferenceModel>(dir: &Path, model: &M, samples: &Samples) -> Vec<String> {
    let reference = ReferenceMoments::load(dir, model.name()).unwrap();
    PassRule::default().failures(model, samples, &reference)
}

fn assert_matches_reference<M: ReferenceModel>(model: M, target_accept: f64) {
    assert_matches_reference_with(model, settings(target_accept, 1));
}

fn assert_matches_reference_with<M: ReferenceModel>(model: M, settings: SamplerSettings) {
    let samples = sample(&model, &settings, &NoProgress).unwrap();
    let failures = failures_in(&reference_dir(), &model, &samples);
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

/// Issue 13: kilpisjarvi (correlation -1.000 between alpha and beta) passes the whole rule with
/// the default settings (the `auto` metric finds the ridge by itself), in every seed.
#[test]
fn kilpisjarvi_matches_reference_with_default_settings_in_every_seed() {
    let model = rm::Kilpisjarvi::load(&reference_dir()).unwrap();
    assert_eq!(SamplerSettings::default().metric, Metric::Auto);
    let mut failures = Vec::new();
    for seed in 1..=4 {
        let samples = sample(&model, &settings(0.8, seed), &NoProgress).unwrap();
        for f in failures_in(&reference_dir(), &model, &samples) {
            failures.push(format!("seed {seed}: {f}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// R-hat of the diagonal metric on kilpisjarvi: 1.005-1.022 over seeds 1-4 (docs/sampler.md).
const KILPISJARVI_DIAG_RHAT_MAX: f64 = 1.03;
/// Bulk ESS of the diagonal metric on kilpisjarvi: about 250-500 (docs/sampler.md).
const KILPISJARVI_DIAG_ESS_MIN: f64 = 150.0;

/// The diagonal metric cannot follow kilpisjarvi's ridge efficiently (230-280 leapfrog steps
/// per draw, bulk ESS about 250-500), but it must stay correct: means and sds pass the rule, no
/// divergence, and the chains agree (R-hat below [`KILPISJARVI_DIAG_RHAT_MAX`], ESS above
/// [`KILPISJARVI_DIAG_ESS_MIN`]: the rule's 1.01 and 400 are out of reach at this ESS).
#[test]
fn kilpisjarvi_is_unbiased_with_the_diagonal_metric() {
    let model = rm::Kilpisjarvi::load(&reference_dir()).unwrap();
    let settings = SamplerSettings {
        metric: Metric::Diag,
        ..settings(0.8, 1)
    };
    let samples = sample(&model, &settings, &NoProgress).unwrap();
    let reference = ReferenceMoments::load(&reference_dir(), model.name()).unwrap();
    let rule = PassRule {
        r_hat_max: KILPISJARVI_DIAG_RHAT_MAX,
        ess_min: KILPISJARVI_DIAG_ESS_MIN,
        ..PassRule::default()
    };
    let failures = rule.failures(&model, &samples, &reference);
    assert!(failures.is_empty(), "{failures:#?}");
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

fn arma_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/arma11"))
}

/// Issue 13: ARMA(1,1) started in uniform(-2, 2), where |theta| > 1 makes the error recursion
/// explode (log density down to -1e100, gradients above 1e50). Every one of 7 seeds must pass
/// the reference rule with the default settings, no chain reported stuck.
#[test]
fn arma11_from_explosive_starts_matches_reference_in_every_seed() {
    let model = rm::Arma11::load(&arma_dir()).unwrap();
    let mut failures = Vec::new();
    for seed in 1..=7 {
        let samples = sample(&model, &settings(0.8, seed), &NoProgress).unwrap();
        for f in failures_in(&arma_dir(), &model, &samples) {
            failures.push(format!("seed {seed}: {f}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Writes the ARMA(1,1) reference (tests/data/arma11/README.md): 10 chains x (2000 + 10000)
/// started at the data-generating values, dense metric, target acceptance 0.95, thinned by
/// 10 for the sd. Run with
/// `cargo nextest run --release --run-ignored only -E 'test(regenerate_arma11_reference)'`.
#[test]
#[ignore = "regenerates a reference file"]
fn regenerate_arma11_reference() {
    let model = rm::Arma11::load(&arma_dir()).unwrap();
    let settings = SamplerSettings {
        chains: 10,
        warmup: 2000,
        draws: 10_000,
        seed: 4711,
        metric: Metric::Dense,
        target_accept: 0.95,
        inits: vec![vec![1.0, 0.6, 0.3, 0.8f64.ln()]],
        ..SamplerSettings::default()
    };
    let samples = sample(&model, &settings, &NoProgress).unwrap();
    assert!(
        samples.divergences() <= 2,
        "{} divergences",
        samples.divergences()
    );
    let traces = constrained_traces(&model, &samples);
    let mut params = serde_json::Map::new();
    for (name, chains) in model.param_names().iter().zip(&traces) {
        let views: Vec<&[f64]> = chains.iter().map(Vec::as_slice).collect();
        let s = summarize(&views);
        assert!(s.r_hat < 1.005 && s.ess_bulk > 10_000.0, "{name}: {s:?}");
        let thinned: Vec<f64> = chains
            .iter()
            .flat_map(|c| c.iter().step_by(10))
            .copied()
            .collect();
        let n = thinned.len() as f64;
        let mean = thinned.iter().sum::<f64>() / n;
        let sd = (thinned.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        params.insert(name.clone(), serde_json::json!({ "mean": mean, "sd": sd }));
    }
    let out = serde_json::json!({
        "posterior": model.name(),
        "n_draws": 10_000,
        "n_chains": 10,
        "sd_definition": "sample sd, ddof=1, all chains pooled",
        "reference_inference": {
            "method": "mmm NUTS, dense metric, adapt_delta 0.95, started at the data-generating values",
            "chains": 10, "warmup": 2000, "draws": 10_000, "thin": 10, "seed": 4711
        },
        "params": params,
    });
    let path = arma_dir().join(format!("{}.reference.json", model.name()));
    std::fs::write(path, serde_json::to_string_pretty(&out).unwrap() + "\n").unwrap();
}
