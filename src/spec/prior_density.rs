//! Normalised log density of every prior family and its derivative with respect to the value.

use std::f64::consts::{FRAC_1_SQRT_2, LN_2};

use statrs::function::beta::ln_beta;
use statrs::function::erf::erfc;
use statrs::function::gamma::ln_gamma;

use super::prior::Prior;

/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_7;
/// ln π.
const LN_PI: f64 = 1.144_729_885_849_400_2;

/// Value and derivative outside the support.
const OUTSIDE: (f64, f64) = (f64::NEG_INFINITY, 0.0);

impl Prior {
    /// The log density at `x`, with every normalising constant, and its derivative d/dx.
    ///
    /// Outside the support the value is −∞ and the derivative 0. The constants matter: prior
    /// predictive checks, SBC and reported log densities compare across families. Allocation
    /// free; cheap enough to call once per parameter per gradient.
    pub fn logpdf_grad(&self, x: f64) -> (f64, f64) {
        match *self {
            Prior::Normal { mu, sigma } => normal(x, mu, sigma),
            Prior::HalfNormal { sigma } if x >= 0.0 => {
                let (lp, g) = normal(x, 0.0, sigma);
                (lp + LN_2, g)
            }
            Prior::LogNormal { mu, sigma } if x > 0.0 => {
                let lx = x.ln();
                let (lp, g) = normal(lx, mu, sigma);
                (lp - lx, (g - 1.0) / x)
            }
            Prior::Gamma { shape, rate } if x > 0.0 => (
                shape * rate.ln() - ln_gamma(shape) + (shape - 1.0) * x.ln() - rate * x,
                (shape - 1.0) / x - rate,
            ),
            Prior::Beta { alpha, beta } if x > 0.0 && x < 1.0 => (
                (alpha - 1.0) * x.ln() + (beta - 1.0) * (-x).ln_1p() - ln_beta(alpha, beta),
                (alpha - 1.0) / x - (beta - 1.0) / (1.0 - x),
            ),
            Prior::Exponential { rate } if x >= 0.0 => (rate.ln() - rate * x, -rate),
            Prior::Uniform { lower, upper } if x >= lower && x <= upper => {
                (-(upper - lower).ln(), 0.0)
            }
            Prior::Laplace { mu, b } => {
                let d = x - mu;
                (-(2.0 * b).ln() - d.abs() / b, -sign(d) / b)
            }
            Prior::StudentT { nu, mu, sigma } => student_t(x, nu, mu, sigma),
            Prior::HalfStudentT { nu, sigma } if x >= 0.0 => {
                let (lp, g) = student_t(x, nu, 0.0, sigma);
                (lp + LN_2, g)
            }
            Prior::HalfCauchy { scale } if x >= 0.0 => {
                let z = x / scale;
                (
                    LN_2 - LN_PI - scale.ln() - z.mul_add(z, 1.0).ln(),
                    -2.0 * x / x.mul_add(x, scale * scale),
                )
            }
            Prior::TruncatedNormal {
                mu,
                sigma,
                lower,
                upper,
            } if x >= lower && x <= upper => {
                let (lp, g) = normal(x, mu, sigma);
                (lp - log_normal_mass(mu, sigma, lower, upper), g)
            }
            _ => OUTSIDE,
        }
    }

    /// The log density at `x` (see [`Prior::logpdf_grad`]).
    pub fn logpdf(&self, x: f64) -> f64 {
        self.logpdf_grad(x).0
    }
}

/// Normal(mu, sigma) log density and derivative.
fn normal(x: f64, mu: f64, sigma: f64) -> (f64, f64) {
    let z = (x - mu) / sigma;
    (-0.5 * z * z - sigma.ln() - LN_SQRT_2PI, -z / sigma)
}

/// Student-t(nu, mu, sigma) log density and derivative.
fn student_t(x: f64, nu: f64, mu: f64, sigma: f64) -> (f64, f64) {
    let z = (x - mu) / sigma;
    let lp = ln_gamma(0.5 * (nu + 1.0))
        - ln_gamma(0.5 * nu)
        - 0.5 * (nu.ln() + LN_PI)
        - sigma.ln()
        - 0.5 * (nu + 1.0) * (z * z / nu).ln_1p();
    (lp, -(nu + 1.0) * z / (sigma * z.mul_add(z, nu)))
}

/// The sign of `d`, 0 at 0 (the subgradient Laplace uses at its kink).
fn sign(d: f64) -> f64 {
    if d > 0.0 {
        1.0
    } else if d < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// ln P(lower ≤ X ≤ upper) for X ~ Normal(mu, sigma), accurate in either tail.
pub(super) fn log_normal_mass(mu: f64, sigma: f64, lower: f64, upper: f64) -> f64 {
    let a = (lower - mu) / sigma * FRAC_1_SQRT_2;
    let b = (upper - mu) / sigma * FRAC_1_SQRT_2;
    let mass = if a > 0.0 {
        0.5 * (erfc(a) - erfc(b))
    } else if b < 0.0 {
        0.5 * (erfc(-b) - erfc(-a))
    } else {
        1.0 - 0.5 * (erfc(-a) + erfc(b))
    };
    mass.ln()
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use statrs::distribution::{
        Beta, Cauchy, Continuous, ContinuousCDF, Exp, Gamma, Laplace, LogNormal, Normal, StudentsT,
        Uniform,
    };

    use super::*;
    use crate::test_support::every_prior_family;

    /// Agreement with statrs' densities (relative).
    const DENSITY_TOL: f64 = 1e-10;
    /// Step of the central finite difference.
    const FD_STEP: f64 = 1e-6;
    /// Agreement of the derivative with the finite difference (relative).
    const FD_TOL: f64 = 1e-6;

    /// Points inside every support above (all in (0, 1) ∪ (1, 3)), away from kinks.
    const POINTS: [f64; 5] = [0.05, 0.37, 0.81, 1.6, 2.9];

    fn statrs_pdf(prior: &Prior, x: f64) -> f64 {
        match *prior {
            Prior::Normal { mu, sigma } => Normal::new(mu, sigma).unwrap().pdf(x),
            Prior::HalfNormal { sigma } => 2.0 * Normal::new(0.0, sigma).unwrap().pdf(x),
            Prior::LogNormal { mu, sigma } => LogNormal::new(mu, sigma).unwrap().pdf(x),
            Prior::Gamma { shape, rate } => Gamma::new(shape, rate).unwrap().pdf(x),
            Prior::Beta { alpha, beta } => Beta::new(alpha, beta).unwrap().pdf(x),
            Prior::Exponential { rate } => Exp::new(rate).unwrap().pdf(x),
            Prior::Uniform { lower, upper } => Uniform::new(lower, upper).unwrap().pdf(x),
            Prior::Laplace { mu, b } => Laplace::new(mu, b).unwrap().pdf(x),
            Prior::StudentT { nu, mu, sigma } => StudentsT::new(mu, sigma, nu).unwrap().pdf(x),
            Prior::HalfStudentT { nu, sigma } => {
                2.0 * StudentsT::new(0.0, sigma, nu).unwrap().pdf(x)
            }
            Prior::HalfCauchy { scale } => 2.0 * Cauchy::new(0.0, scale).unwrap().pdf(x),
            Prior::TruncatedNormal {
                mu,
                sigma,
                lower,
                upper,
            } => {
                let n = Normal::new(mu, sigma).unwrap();
                n.pdf(x) / (n.cdf(upper) - n.cdf(lower))
            }
        }
    }

    #[test]
    fn log_density_matches_statrs_for_every_family() {
        for prior in every_prior_family() {
            for x in POINTS.into_iter().filter(|x| prior.support().contains(*x)) {
                let expected = statrs_pdf(&prior, x).ln();
                assert_relative_eq!(prior.logpdf(x), expected, max_relative = DENSITY_TOL);
            }
        }
    }

    #[test]
    fn derivative_matches_finite_differences_for_every_family() {
        for prior in every_prior_family() {
            for x in POINTS.into_iter().filter(|x| prior.support().contains(*x)) {
                let fd = (prior.logpdf(x + FD_STEP) - prior.logpdf(x - FD_STEP)) / (2.0 * FD_STEP);
                let (_, g) = prior.logpdf_grad(x);
                assert_relative_eq!(g, fd, max_relative = FD_TOL, epsilon = FD_TOL);
            }
        }
    }

    #[test]
    fn outside_the_support_is_minus_infinity_with_zero_gradient() {
        for prior in every_prior_family() {
            if let Some(x) = [-0.5, 1.5, 10.0]
                .into_iter()
                .find(|x| !prior.support().contains(*x))
            {
                assert_eq!(prior.logpdf_grad(x), (f64::NEG_INFINITY, 0.0), "{prior}");
            }
        }
    }

    #[test]
    fn truncation_mass_is_accurate_in_the_far_tail() {
        // P(X > 30) for a standard normal is about 4.9e-198: ln = -453.8.
        let expected = (0.5 * erfc(30.0 * FRAC_1_SQRT_2)).ln();
        assert_relative_eq!(
            log_normal_mass(0.0, 1.0, 30.0, f64::INFINITY),
            expected,
            max_relative = DENSITY_TOL
        );
        assert_relative_eq!(
            log_normal_mass(0.0, 1.0, f64::NEG_INFINITY, -30.0),
            expected,
            max_relative = DENSITY_TOL
        );
        assert_relative_eq!(
            log_normal_mass(0.0, 1.0, 0.0, f64::INFINITY),
            0.5f64.ln(),
            max_relative = DENSITY_TOL
        );
    }
}
