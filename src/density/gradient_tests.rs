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
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models"));
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    out.sort();
    out
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
