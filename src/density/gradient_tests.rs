//! Finite-difference checks of the whole MMM density, for every model in `models/`, on a
//! synthetic data set with the columns each model names.

use std::path::PathBuf;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::data::{DataRequest, Dataset, load_dataset_from_reader};
use crate::gradcheck::{GradCheckOptions, check_gradient};
use crate::sampler::LogDensity;
use crate::spec::ModelSpec;
use crate::transform::Date;

use super::MmmDensity;

/// Random points per model.
const POINTS: usize = 12;
const ROWS: usize = 80;

fn models() -> Vec<PathBuf> {
    crate::test_support::model_files()
}

/// A weekly data set with positive target, bursty spend and ±1 controls.
pub(crate) fn synthetic_data(spec: &ModelSpec, rows: usize, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let channels: Vec<String> = spec.channels.iter().map(|c| c.column.clone()).collect();
    let controls: Vec<String> = spec.controls.iter().map(|c| c.column.clone()).collect();
    let mut csv = format!("{},{}", spec.data.date, spec.data.target);
    for c in channels.iter().chain(&controls) {
        csv.push(',');
        csv.push_str(c);
    }
    csv.push('\n');
    for t in 0..rows {
        // Weekly from Monday 2021-01-04 (day 18631 since 1970-01-01).
        let date = Date::from_days_since_epoch(18_631 + 7 * t as i64);
        csv.push_str(&format!("{date},{}", 100.0 + rng.random_range(0.0..50.0)));
        for _ in &channels {
            let on = rng.random_range(0.0..1.0) < 0.7;
            let v = if on {
                rng.random_range(0.0..1000.0)
            } else {
                0.0
            };
            csv.push_str(&format!(",{v}"));
        }
        for _ in &controls {
            csv.push_str(&format!(",{}", rng.random_range(-1.0..1.0)));
        }
        csv.push('\n');
    }
    let req = DataRequest {
        date: spec.data.date.clone(),
        target: spec.data.target.clone(),
        channels,
        controls,
        min_rows: 2,
    };
    load_dataset_from_reader(csv.as_bytes(), "synthetic.csv", &req).unwrap()
}

#[test]
fn gradient_matches_finite_differences_for_every_model_file() {
    let opts = GradCheckOptions::default();
    let models = models();
    assert!(models.len() >= 4, "models/ should hold the example models");
    for path in models {
        let spec = ModelSpec::from_file(&path).unwrap();
        let data = synthetic_data(&spec, ROWS.min(400), 3);
        let mut density = MmmDensity::new(&spec, &data).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut checked = 0;
        for _ in 0..POINTS {
            let theta: Vec<f64> = (0..density.dim())
                .map(|_| rng.random_range(-1.5..1.5))
                .collect();
            let mut g = vec![0.0; density.dim()];
            if density.logp_grad(&theta, &mut g).is_err() {
                continue;
            }
            if let Err(e) = check_gradient(&mut density, &theta, &opts) {
                panic!(
                    "{}: {e} (parameter {:?})",
                    path.display(),
                    density.param_names()
                );
            }
            checked += 1;
        }
        assert!(
            checked >= POINTS / 2,
            "{}: too few finite points",
            path.display()
        );
    }
}

/// Rows of the longer data set in the restricted-likelihood tests, and rows fitted.
const ROWS_ALL: usize = 70;
const ROWS_FIT: usize = 50;
/// The restricted density and the density of the truncated data compute the same sums in a
/// different order of rows only where the forward pass runs past the fit: to round-off.
const SAME_DENSITY_REL: f64 = 1e-10;

#[test]
fn restricted_likelihood_gradient_matches_finite_differences() {
    let opts = GradCheckOptions::default();
    for path in models() {
        let spec = ModelSpec::from_file(&path).unwrap();
        let data = synthetic_data(&spec, ROWS_ALL, 3);
        let mut density = MmmDensity::with_fit_rows(&spec, &data, ROWS_FIT).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut checked = 0;
        for _ in 0..POINTS {
            let theta: Vec<f64> = (0..density.dim())
                .map(|_| rng.random_range(-1.5..1.5))
                .collect();
            let mut g = vec![0.0; density.dim()];
            if density.logp_grad(&theta, &mut g).is_err() {
                continue;
            }
            if let Err(e) = check_gradient(&mut density, &theta, &opts) {
                panic!("{}: {e}", path.display());
            }
            checked += 1;
        }
        assert!(
            checked >= POINTS / 2,
            "{}: too few finite points",
            path.display()
        );
    }
}

#[test]
fn restricted_likelihood_equals_the_density_of_the_first_rows_alone() {
    for path in models() {
        let spec = ModelSpec::from_file(&path).unwrap();
        // The synthetic rows are drawn in order, so the shorter set is the longer one's head.
        let long = synthetic_data(&spec, ROWS_ALL, 5);
        let short = synthetic_data(&spec, ROWS_FIT, 5);
        assert_eq!(long.dates()[..ROWS_FIT], short.dates()[..]);
        let mut restricted = MmmDensity::with_fit_rows(&spec, &long, ROWS_FIT).unwrap();
        let mut alone = MmmDensity::new(&spec, &short).unwrap();
        assert_eq!(restricted.scales(), alone.scales(), "{}", path.display());
        assert_eq!(restricted.n_fit_rows(), ROWS_FIT);
        assert_eq!(restricted.n_periods(), ROWS_ALL);
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        for _ in 0..POINTS {
            let theta: Vec<f64> = (0..alone.dim())
                .map(|_| rng.random_range(-1.5..1.5))
                .collect();
            let (mut g1, mut g2) = (vec![0.0; alone.dim()], vec![0.0; alone.dim()]);
            let (Ok(a), Ok(b)) = (
                restricted.logp_grad(&theta, &mut g1),
                alone.logp_grad(&theta, &mut g2),
            ) else {
                continue;
            };
            let close =
                |x: f64, y: f64| (x - y).abs() <= SAME_DENSITY_REL * (1.0 + x.abs().max(y.abs()));
            assert!(close(a, b), "{}: log density {a} vs {b}", path.display());
            for (i, (x, y)) in g1.iter().zip(&g2).enumerate() {
                assert!(
                    close(*x, *y),
                    "{}: gradient {i}: {x} vs {y}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn fit_rows_outside_the_data_are_refused() {
    let spec = ModelSpec::from_file(&models()[0]).unwrap();
    let data = synthetic_data(&spec, ROWS_FIT, 5);
    for bad in [0, 1, ROWS_FIT + 1] {
        let err = MmmDensity::with_fit_rows(&spec, &data, bad).unwrap_err();
        assert!(
            matches!(err, super::DensityError::FitRows { n_fit, n } if n_fit == bad && n == ROWS_FIT),
            "{err}"
        );
    }
}
