//! Checks of the lift-test term: its value against a brute-force counterfactual over the whole
//! timeline, its gradient against finite differences for every adstock and saturation kind,
//! and the errors of windows that do not fit the data.

use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::gradcheck::{GradCheckOptions, check_gradient};
use crate::sampler::LogDensity;
use crate::spec::ModelSpec;
use crate::transform::{convolve, hill};

use super::gradient_tests::synthetic_data;
use super::{DensityError, LiftError, MmmDensity};

/// Random points per model.
const POINTS: usize = 10;
/// Weekly rows of the synthetic data (2021-01-04 to 2022-07-11).
const ROWS: usize = 80;
/// The lift computed two ways agrees to round-off.
const SAME_LIFT_REL: f64 = 1e-10;

const MODEL: &str = r#"
[data]
date = "week"
target = "y"

[[channel]]
name = "tv"
adstock = { type = "geometric", max_lag = 6 }
saturation = { type = "hill" }

[[channel]]
name = "radio"
adstock = { type = "delayed", max_lag = 5 }
saturation = { type = "logistic" }

[[channel]]
name = "search"
adstock = { type = "weibull", max_lag = 4, normalize = false }
saturation = { type = "hill" }

[[control]]
column = "promo"

[calibration]
lift_tests = "lift.csv"
"#;

/// Inside the data, multi-channel, at the data's end (tail past it), wholly after it, and a
/// holdout after the data.
const LIFTS: &str = "channel,start,end,spend_change,lift,lift_sd
tv,2021-03-01,2021-03-28,4000,0.4,0.1
radio+search,2021-09-06,2021-09-19,300,0.1,0.05
search,2022-06-27,2022-07-11,900,0.3,0.2
tv,2022-08-01,2022-08-14,1500,0.2,0.1
radio,2022-09-05,2022-09-11,-150,-0.05,0.03
";

/// Writes the model (with `extra` appended) and `lifts` into `dir`, and loads it.
fn model_with(dir: &Path, extra: &str, lifts: &str) -> ModelSpec {
    std::fs::write(dir.join("lift.csv"), lifts).unwrap();
    let path = dir.join("model.toml");
    std::fs::write(&path, format!("{MODEL}{extra}")).unwrap();
    ModelSpec::from_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn check_points(density: &mut MmmDensity, seed: u64) {
    let opts = GradCheckOptions::default();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut checked = 0;
    for _ in 0..POINTS {
        let theta: Vec<f64> = (0..density.dim())
            .map(|_| rng.random_range(-1.5..1.5))
            .collect();
        let mut g = vec![0.0; density.dim()];
        if density.logp_grad(&theta, &mut g).is_err() {
            continue;
        }
        if let Err(e) = check_gradient(density, &theta, &opts) {
            panic!("{e} (parameters {:?})", density.param_names());
        }
        checked += 1;
    }
    assert!(checked >= POINTS / 2, "too few finite points");
}

#[test]
fn lift_term_gradient_matches_finite_differences_for_every_transform() {
    let dir = tempfile::tempdir().unwrap();
    for extra in ["", "lift_likelihood = \"student_t\"\nlift_nu = 5.0\n"] {
        let spec = model_with(dir.path(), extra, LIFTS);
        let data = synthetic_data(&spec, ROWS, 3);
        let mut density = MmmDensity::new(&spec, &data).unwrap();
        assert_eq!(density.lift_windows().len(), 5);
        check_points(&mut density, 17);
    }
}

#[test]
fn lift_term_changes_the_density_by_its_log_likelihood() {
    let dir = tempfile::tempdir().unwrap();
    let with = model_with(dir.path(), "", LIFTS);
    let mut without = with.clone();
    without.calibration = None;
    let data = synthetic_data(&with, ROWS, 3);
    let mut a = MmmDensity::new(&with, &data).unwrap();
    let mut b = MmmDensity::new(&without, &data).unwrap();
    let theta = vec![0.3; a.dim()];
    let mut g = vec![0.0; a.dim()];
    let diff = a.logp_grad(&theta, &mut g).unwrap() - b.logp_grad(&theta, &mut g).unwrap();
    let mut x = Vec::new();
    a.constrain(&theta, &mut x);
    let lifts = a.model_lifts(&x);
    let want: f64 = a
        .lift_windows()
        .iter()
        .zip(&lifts)
        .map(|(w, m)| {
            let z = (w.test.lift - m) / w.test.lift_sd;
            -0.5 * (2.0 * std::f64::consts::PI).ln() - w.test.lift_sd.ln() - 0.5 * z * z
        })
        .sum();
    assert!((diff - want).abs() <= SAME_LIFT_REL * (1.0 + want.abs()));
}

#[test]
fn lift_equals_the_counterfactual_over_the_whole_timeline() {
    // tv: geometric adstock over 6 lags, Hill saturation; test over rows 8..=11.
    let dir = tempfile::tempdir().unwrap();
    let spec = model_with(dir.path(), "", LIFTS);
    let data = synthetic_data(&spec, ROWS, 3);
    let mut density = MmmDensity::new(&spec, &data).unwrap();
    let window = &density.lift_windows()[0];
    assert_eq!((window.start, window.end, window.tail), (8, 11, 5));
    assert_eq!(window.periods_after_data, 0);
    let theta: Vec<f64> = (0..density.dim()).map(|i| 0.1 * i as f64 - 0.4).collect();
    let mut x = Vec::new();
    density.constrain(&theta, &mut x);
    let names = density.param_names();
    let at = |name: &str| x[names.iter().position(|n| n == name).unwrap()];
    let (alpha, k, s, beta) = (at("alpha[tv]"), at("k[tv]"), at("s[tv]"), at("beta[tv]"));
    let raw: Vec<f64> = (0..6).map(|l| alpha.powi(l)).collect();
    let w: Vec<f64> = raw.iter().map(|v| v / raw.iter().sum::<f64>()).collect();
    let scale = density.scales().channels[0];
    let base: Vec<f64> = data.channel(0).iter().map(|v| v / scale).collect();
    let mut bumped = base.clone();
    bumped[8..=11]
        .iter_mut()
        .for_each(|v| *v += 4000.0 / 4.0 / scale);
    let (mut a0, mut a1) = (vec![0.0; ROWS], vec![0.0; ROWS]);
    convolve(&w, &base, &mut a0);
    convolve(&w, &bumped, &mut a1);
    let brute: f64 = (0..ROWS)
        .map(|t| beta * (hill(a1[t], k, s).value - hill(a0[t], k, s).value))
        .sum::<f64>()
        * density.scales().target;
    let got = density.model_lifts(&x)[0];
    assert!(
        (got - brute).abs() <= SAME_LIFT_REL * brute.abs(),
        "{got} vs {brute}"
    );
    assert!(got > 0.0);
}

#[test]
fn lift_window_after_the_data_uses_the_reference_periods() {
    let dir = tempfile::tempdir().unwrap();
    let spec = model_with(dir.path(), "reference_periods = 4\n", LIFTS);
    let data = synthetic_data(&spec, ROWS, 3);
    let density = MmmDensity::new(&spec, &data).unwrap();
    let w = &density.lift_windows()[3];
    assert_eq!((w.start, w.end), (ROWS + 2, ROWS + 3));
    assert_eq!(w.periods_after_data, 9);
    assert_eq!(density.lift_windows()[2].periods_after_data, 3);
}

fn density_error(lifts: &str) -> DensityError {
    let dir = tempfile::tempdir().unwrap();
    let spec = model_with(dir.path(), "", lifts);
    let data = synthetic_data(&spec, ROWS, 3);
    MmmDensity::new(&spec, &data).unwrap_err()
}

#[test]
fn lift_window_outside_the_data_is_a_named_error() {
    let header = "channel,start,end,spend_change,lift,lift_sd\n";
    let before = density_error(&format!("{header}tv,2020-12-01,2021-01-31,10,1,1\n"));
    assert!(
        matches!(
            before,
            DensityError::Lift(LiftError::BeforeData { row: 1, .. })
        ),
        "{before}"
    );
    let text = before.to_string();
    assert!(text.contains("lift.csv row 1, column \"start\""), "{text}");
    assert!(text.contains("2021-01-04"), "{text}");
    let late = density_error(&format!("{header}tv,2024-01-01,2024-01-31,10,1,1\n"));
    assert!(
        matches!(late, DensityError::Lift(LiftError::TooFarAfterData { .. })),
        "{late}"
    );
    let holdout = density_error(&format!("{header}tv,2021-03-01,2021-03-28,-1e9,-1,1\n"));
    assert!(
        matches!(holdout, DensityError::Lift(LiftError::NegativeSpend { .. })),
        "{holdout}"
    );
}

#[test]
fn lift_tests_are_refused_with_a_log_normal_likelihood() {
    let err = density_error_with("[likelihood]\nfamily = \"log_normal\"\n");
    assert!(
        matches!(err, DensityError::Lift(LiftError::LogNormal { .. })),
        "{err}"
    );
}

fn density_error_with(prefix: &str) -> DensityError {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lift.csv"), LIFTS).unwrap();
    let path = dir.path().join("model.toml");
    std::fs::write(&path, format!("{prefix}{MODEL}")).unwrap();
    let spec = ModelSpec::from_file(&path).unwrap();
    let data = synthetic_data(&spec, ROWS, 3);
    MmmDensity::new(&spec, &data).unwrap_err()
}
