//! Shared test checks for the reference models: gradients at seeded random points, names
//! against the reference files, logp differences against an independent computation.

use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{PosteriordbModel, ReferenceError, ReferenceModel, ReferenceSummary};
use crate::gradcheck::{GradCheckOptions, check_gradient};
use crate::sampler::LogDensity;

/// Random points per gradient or logp-difference check.
const N_POINTS: usize = 8;
/// Seed of the random points.
const SEED: u64 = 20_240_611;
/// Allowed disagreement of `lp(a) - lp(b)` with the independent computation, relative to the
/// size of the log densities involved (round-off of sums of hundreds of terms).
const LOGP_DIFF_REL_TOL: f64 = 1e-11;
/// Allowed disagreement of `constrain` with the independent transform.
const CONSTRAIN_REL_TOL: f64 = 1e-13;

/// The posteriordb reference folder (tests/data/posteriordb).
pub(super) fn posteriordb_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/posteriordb")
}

/// Load model `M` from tests/data/posteriordb, panicking with the loader's message.
pub(super) fn load<M: PosteriordbModel>() -> M {
    M::load(&posteriordb_dir()).unwrap_or_else(|e| panic!("{e}"))
}

/// `N_POINTS` seeded points, uniform in `center +- spread` per coordinate.
pub(super) fn random_points(center: &[f64], spread: &[f64]) -> Vec<Vec<f64>> {
    assert_eq!(center.len(), spread.len(), "center and spread lengths");
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..N_POINTS)
        .map(|_| {
            center
                .iter()
                .zip(spread)
                .map(|(c, s)| c + s * rng.random_range(-1.0..1.0))
                .collect()
        })
        .collect()
}

/// The analytic gradient passes the finite-difference check at every random point.
pub(super) fn assert_gradients_ok<D: LogDensity>(density: &mut D, center: &[f64], spread: &[f64]) {
    assert_eq!(
        center.len(),
        density.dim(),
        "center has the wrong dimension"
    );
    for p in random_points(center, spread) {
        check_gradient(density, &p, &GradCheckOptions::default())
            .unwrap_or_else(|e| panic!("at {p:?}: {e}"));
    }
}

/// The model's names are the keys of its reference file, in order, and `constrain` gives one
/// value per name.
pub(super) fn assert_names_match_reference<M: PosteriordbModel>(model: &M) {
    let reference =
        ReferenceSummary::load(&posteriordb_dir(), M::NAME).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.name(), M::NAME);
    assert_eq!(model.param_names(), reference.names());
    let mut out = vec![f64::NAN; 3];
    model.constrain(&vec![0.1; model.dim()], &mut out);
    assert_eq!(out.len(), reference.params.len());
    assert!(out.iter().all(|v| v.is_finite()));
}

/// At random points, `constrain` agrees with `independent_constrain`, and differences of the
/// model's log density agree with those of `independent_logp` (the constrained density plus
/// log-Jacobian, computed another way).
pub(super) fn assert_matches_independent<M: ReferenceModel>(
    model: &mut M,
    center: &[f64],
    spread: &[f64],
    independent_constrain: impl Fn(&[f64]) -> Vec<f64>,
    independent_logp: impl Fn(&[f64]) -> f64,
) {
    let points = random_points(center, spread);
    let mut grad = vec![0.0; model.dim()];
    let mut out = Vec::new();
    let mut lps = Vec::new();
    for p in &points {
        model.constrain(p, &mut out);
        let expected = independent_constrain(p);
        assert_eq!(out.len(), expected.len());
        for (a, b) in out.iter().zip(&expected) {
            approx::assert_relative_eq!(*a, *b, max_relative = CONSTRAIN_REL_TOL);
        }
        let lp = model
            .logp_grad(p, &mut grad)
            .unwrap_or_else(|e| panic!("{e}"));
        lps.push((lp, independent_logp(p)));
    }
    for pair in lps.windows(2) {
        let ((a, ia), (b, ib)) = (pair[0], pair[1]);
        let scale = 1.0 + a.abs() + b.abs() + ia.abs() + ib.abs();
        let err = ((a - b) - (ia - ib)).abs();
        assert!(
            err <= LOGP_DIFF_REL_TOL * scale,
            "lp difference {} vs independent {} (error {err:e})",
            a - b,
            ia - ib
        );
    }
}

/// Loading from an empty folder fails with [`ReferenceError::MissingFile`] naming the file.
pub(super) fn assert_missing_file_reported<M: PosteriordbModel>() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let err = M::load(dir.path())
        .err()
        .unwrap_or_else(|| panic!("loaded from nothing"));
    let expected = format!("{}.data.json", M::NAME);
    assert!(
        matches!(&err, ReferenceError::MissingFile { path } if path.ends_with(&expected)),
        "{err}"
    );
    assert!(err.to_string().contains(&expected), "{err}");
}
