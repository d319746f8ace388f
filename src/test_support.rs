//! Helpers shared by unit tests across modules.

use std::path::PathBuf;

use crate::spec::Prior;
use crate::transform::Support;

/// The model files in `models/`: every `*.toml` except truth files (`*_truth.toml`, for
/// `mmm simulate`) and scenario files (`*.scenario.toml`, for `mmm optimize`), sorted.
pub(crate) fn model_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models"));
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("models/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".toml")
                && !name.ends_with("_truth.toml")
                && !name.ends_with(".scenario.toml")
        })
        .collect();
    out.sort();
    out
}

/// One prior of every family, with parameters away from edge cases (shared by the density,
/// folded-constant and derivative tests).
pub(crate) fn every_prior_family() -> Vec<Prior> {
    vec![
        Prior::Normal {
            mu: 0.3,
            sigma: 1.7,
        },
        Prior::HalfNormal { sigma: 2.0 },
        Prior::LogNormal {
            mu: -0.2,
            sigma: 0.6,
        },
        Prior::Gamma {
            shape: 3.0,
            rate: 4.0,
        },
        Prior::Beta {
            alpha: 1.5,
            beta: 3.0,
        },
        Prior::Exponential { rate: 0.7 },
        Prior::Uniform {
            lower: -1.0,
            upper: 3.0,
        },
        Prior::Laplace { mu: 0.2, b: 1.3 },
        Prior::StudentT {
            nu: 4.0,
            mu: 0.5,
            sigma: 1.2,
        },
        Prior::HalfStudentT {
            nu: 3.0,
            sigma: 1.5,
        },
        Prior::HalfCauchy { scale: 0.8 },
        Prior::TruncatedNormal {
            mu: 1.0,
            sigma: 2.0,
            lower: 0.0,
            upper: 4.0,
        },
    ]
}

/// One support of every kind, with bounds away from 0 and 1, for the bijector tests.
pub(crate) const SUPPORTS: [Support; 6] = [
    Support::Real,
    Support::Positive,
    Support::UnitInterval,
    Support::Interval { lo: -1.5, hi: 7.0 },
    Support::LowerBounded { lo: 2.0 },
    Support::UpperBounded { hi: -3.0 },
];
