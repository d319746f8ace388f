//! Scalar building blocks of the reference densities: stable logistic/softplus, and priors on a
//! log-transformed scale parameter with their Jacobian, each returning value and derivative.

/// `log(1 + exp(x))` without overflow or loss of precision.
pub(super) fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `1 / (1 + exp(-x))` without overflow.
pub(super) fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `log logistic(x)` = `-softplus(-x)`.
pub(super) fn log_logistic(x: f64) -> f64 {
    -softplus(-x)
}

/// Normal(mean, sd) log density of `x` up to a constant, and its derivative in `x`.
pub(super) fn normal_prior(x: f64, mean: f64, sd: f64) -> (f64, f64) {
    let z = (x - mean) / sd;
    (-0.5 * z * z, -z / sd)
}

/// Half-Cauchy(0, scale) prior on `sigma = exp(u)` plus the Jacobian `u`, up to a constant, and
/// its derivative in `u`: `u - log(1 + (sigma/scale)^2)`, written as a softplus so that no
/// intermediate overflows.
pub(super) fn half_cauchy_log_scale(u: f64, scale: f64) -> (f64, f64) {
    let a = 2.0 * (u - scale.ln());
    (u - softplus(a), 1.0 - 2.0 * logistic(a))
}

/// Half-normal(0, scale) prior on `sigma = exp(u)` plus the Jacobian `u`, up to a constant, and
/// its derivative in `u`.
pub(super) fn half_normal_log_scale(u: f64, scale: f64) -> (f64, f64) {
    let r = (u.exp() / scale).powi(2);
    (u - 0.5 * r, 1.0 - r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    const TOL: f64 = 1e-12;
    /// Central-difference step and the accuracy it gives on these smooth functions.
    const FD_STEP: f64 = 1e-5;
    const FD_TOL: f64 = 1e-8;

    fn central(f: impl Fn(f64) -> f64, x: f64) -> f64 {
        (f(x + FD_STEP) - f(x - FD_STEP)) / (2.0 * FD_STEP)
    }

    #[test]
    fn softplus_and_logistic_match_naive_forms_and_stay_finite() {
        for x in [-30.0, -2.0, 0.0, 0.5, 3.0, 30.0] {
            assert_relative_eq!(softplus(x), (1.0 + f64::exp(x)).ln(), max_relative = TOL);
            assert_relative_eq!(logistic(x), 1.0 / (1.0 + f64::exp(-x)), max_relative = TOL);
            assert_relative_eq!(log_logistic(x), logistic(x).ln(), max_relative = TOL);
        }
        assert_relative_eq!(softplus(800.0), 800.0, max_relative = TOL);
        assert_relative_eq!(logistic(-800.0), 0.0);
        assert_relative_eq!(log_logistic(-800.0), -800.0, max_relative = TOL);
    }

    #[test]
    fn priors_match_their_closed_forms_and_derivatives() {
        for u in [-3.0, -0.4, 0.0, 1.1, 4.0] {
            let sigma = f64::exp(u);
            let (v, d) = half_cauchy_log_scale(u, 2.5);
            assert_relative_eq!(v, u - (1.0 + (sigma / 2.5).powi(2)).ln(), epsilon = TOL);
            assert_relative_eq!(
                d,
                central(|x| half_cauchy_log_scale(x, 2.5).0, u),
                epsilon = FD_TOL
            );
            let (v, d) = half_normal_log_scale(u, 10.0);
            assert_relative_eq!(v, u - 0.5 * (sigma / 10.0).powi(2), epsilon = TOL);
            assert_relative_eq!(
                d,
                central(|x| half_normal_log_scale(x, 10.0).0, u),
                epsilon = FD_TOL
            );
            let (v, d) = normal_prior(u, 0.5, 3.0);
            assert_relative_eq!(v, -0.5 * ((u - 0.5) / 3.0).powi(2), epsilon = TOL);
            assert_relative_eq!(
                d,
                central(|x| normal_prior(x, 0.5, 3.0).0, u),
                epsilon = FD_TOL
            );
        }
        let (v, d) = half_cauchy_log_scale(400.0, 2.5);
        assert!(v.is_finite() && d.is_finite());
    }
}
