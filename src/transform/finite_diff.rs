//! Test support: central finite differences and the tolerance every derivative check uses.

/// Step of a central difference, relative to the point (absolute below 1).
const FD_REL_STEP: f64 = 1e-6;
/// An analytic derivative passes when it is within this of the finite difference, relative to
/// max(1, |derivative|).
pub(crate) const FD_TOL: f64 = 1e-6;

/// Central difference (f(x+h) − f(x−h)) / 2h with h = FD_REL_STEP · max(|x|, 1).
pub(crate) fn central_diff(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = FD_REL_STEP * x.abs().max(1.0);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Central difference with a step that stays inside (0, ∞): h = FD_REL_STEP · x, for
/// parameters close to 0 where an absolute step would leave the support.
pub(crate) fn central_diff_rel(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = FD_REL_STEP * x.abs();
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Asserts that an analytic derivative matches its finite difference within [`FD_TOL`].
#[track_caller]
pub(crate) fn assert_matches_fd(analytic: f64, fd: f64, what: &str) {
    let scale = analytic.abs().max(1.0);
    assert!(
        (analytic - fd).abs() <= FD_TOL * scale,
        "{what}: analytic {analytic:e} vs finite difference {fd:e}"
    );
}

/// A spend series of `n` periods for the kernel tests: 60 % of periods spend uniformly in
/// (0, 3), the rest nothing (flighted spend, so the zero-spend limits are exercised).
pub(crate) fn sparse_spend(n: usize, rng: &mut rand_chacha::ChaCha8Rng) -> Vec<f64> {
    use rand::RngExt;
    (0..n)
        .map(|_| {
            if rng.random_bool(0.6) {
                rng.random_range(0.0..3.0)
            } else {
                0.0
            }
        })
        .collect()
}
