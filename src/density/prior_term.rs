//! One coordinate's prior with its normalising constant folded once, at construction: the hot
//! path evaluates only the part that depends on the value (no `ln_gamma`, `ln_beta` or `ln σ`
//! per gradient).

use std::f64::consts::LN_2;

use statrs::function::beta::ln_beta;
use statrs::function::gamma::ln_gamma;

use crate::spec::Prior;

/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_7;
/// ln π.
const LN_PI: f64 = 1.144_729_885_849_400_2;

/// A prior whose log density is `constant + kernel(x)`, with the same value and derivative as
/// [`Prior::logpdf_grad`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct PriorTerm {
    prior: Prior,
    /// The part of the log density that does not depend on x (families with a kernel below).
    constant: f64,
    /// 1/σ of the normal families, 1/b of the Laplace (a multiply per use instead of a divide;
    /// the same bits where the scale is a power of two).
    inv_scale: f64,
}

impl PriorTerm {
    pub fn new(prior: Prior) -> PriorTerm {
        let constant = match prior {
            Prior::Normal { sigma, .. } => -sigma.ln() - LN_SQRT_2PI,
            Prior::HalfNormal { sigma } => LN_2 - sigma.ln() - LN_SQRT_2PI,
            Prior::LogNormal { sigma, .. } => -sigma.ln() - LN_SQRT_2PI,
            Prior::Gamma { shape, rate } => shape * rate.ln() - ln_gamma(shape),
            Prior::Beta { alpha, beta } => -ln_beta(alpha, beta),
            Prior::Exponential { rate } => rate.ln(),
            Prior::Laplace { b, .. } => -(2.0 * b).ln(),
            Prior::StudentT { nu, sigma, .. } => student_t_constant(nu, sigma),
            Prior::HalfStudentT { nu, sigma } => LN_2 + student_t_constant(nu, sigma),
            _ => 0.0,
        };
        let inv_scale = match prior {
            Prior::Normal { sigma, .. }
            | Prior::HalfNormal { sigma }
            | Prior::LogNormal { sigma, .. } => 1.0 / sigma,
            Prior::Laplace { b, .. } => 1.0 / b,
            _ => 1.0,
        };
        PriorTerm {
            prior,
            constant,
            inv_scale,
        }
    }

    /// Log density at `x` and its derivative, as [`Prior::logpdf_grad`] computes them.
    #[inline]
    pub fn logpdf_grad(&self, x: f64) -> (f64, f64) {
        self.logpdf_grad_given(x, Logs::NONE)
    }

    /// [`PriorTerm::logpdf_grad`] with the logarithms of x that the caller already holds (a
    /// bijector's by-products): the same density, without a `ln` or `ln_1p` call for them.
    #[inline(always)]
    pub fn logpdf_grad_given(&self, x: f64, logs: Logs) -> (f64, f64) {
        let ln_x = || logs.ln_x.unwrap_or_else(|| x.ln());
        let (kernel, d) = match self.prior {
            Prior::Normal { mu, .. } => normal_kernel(x, mu, self.inv_scale),
            Prior::HalfNormal { .. } if x >= 0.0 => normal_kernel(x, 0.0, self.inv_scale),
            Prior::LogNormal { mu, .. } if x > 0.0 => {
                let lx = ln_x();
                let (k, g) = normal_kernel(lx, mu, self.inv_scale);
                (k - lx, (g - 1.0) / x)
            }
            Prior::Gamma { shape, rate } if x > 0.0 => {
                ((shape - 1.0) * ln_x() - rate * x, (shape - 1.0) / x - rate)
            }
            Prior::Beta { alpha, beta } if x > 0.0 && x < 1.0 => (
                (alpha - 1.0) * ln_x()
                    + (beta - 1.0) * logs.ln_1m_x.unwrap_or_else(|| (-x).ln_1p()),
                (alpha - 1.0) / x - (beta - 1.0) / logs.one_m_x.unwrap_or(1.0 - x),
            ),
            Prior::Exponential { rate } if x >= 0.0 => (-rate * x, -rate),
            Prior::Laplace { mu, .. } => {
                let d = x - mu;
                let sign = if d > 0.0 {
                    1.0
                } else if d < 0.0 {
                    -1.0
                } else {
                    0.0
                };
                (-d.abs() * self.inv_scale, -sign * self.inv_scale)
            }
            Prior::StudentT { nu, mu, sigma } => student_t_kernel(x, nu, mu, sigma),
            Prior::HalfStudentT { nu, sigma } if x >= 0.0 => student_t_kernel(x, nu, 0.0, sigma),
            Prior::HalfNormal { .. }
            | Prior::LogNormal { .. }
            | Prior::Gamma { .. }
            | Prior::Beta { .. }
            | Prior::Exponential { .. }
            | Prior::HalfStudentT { .. } => return (f64::NEG_INFINITY, 0.0),
            _ => return self.prior.logpdf_grad(x),
        };
        (self.constant + kernel, d)
    }
}

/// Logarithms of a prior's argument x known beforehand; `None` where the prior computes its own.
/// Each must be the value at x to within the rounding of x itself.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Logs {
    /// ln x.
    pub ln_x: Option<f64>,
    /// ln(1 − x).
    pub ln_1m_x: Option<f64>,
    /// 1 − x.
    pub one_m_x: Option<f64>,
}

impl Logs {
    /// Nothing known.
    pub const NONE: Logs = Logs {
        ln_x: None,
        ln_1m_x: None,
        one_m_x: None,
    };
}

/// −z²/2 and its slope −z/σ, z = (x − μ)/σ, from 1/σ.
fn normal_kernel(x: f64, mu: f64, inv_sigma: f64) -> (f64, f64) {
    let z = (x - mu) * inv_sigma;
    (-0.5 * z * z, -z * inv_sigma)
}

fn student_t_constant(nu: f64, sigma: f64) -> f64 {
    ln_gamma(0.5 * (nu + 1.0)) - ln_gamma(0.5 * nu) - 0.5 * (nu.ln() + LN_PI) - sigma.ln()
}

fn student_t_kernel(x: f64, nu: f64, mu: f64, sigma: f64) -> (f64, f64) {
    let z = (x - mu) / sigma;
    (
        -0.5 * (nu + 1.0) * (z * z / nu).ln_1p(),
        -(nu + 1.0) * z / (sigma * z.mul_add(z, nu)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::every_prior_family;

    /// The folded constant adds the same terms in another order.
    const SAME_REL: f64 = 1e-12;

    #[test]
    fn folded_constants_give_the_priors_log_density_and_derivative() {
        for prior in every_prior_family() {
            let term = PriorTerm::new(prior);
            for x in [-2.5, -0.3, 0.0, 0.05, 0.2, 0.2001, 0.81, 1.0, 1.6, 2.9, 7.5] {
                let (want, want_d) = prior.logpdf_grad(x);
                let (got, got_d) = term.logpdf_grad(x);
                let what = format!("{prior:?} at {x}");
                if want == f64::NEG_INFINITY {
                    assert!(got == f64::NEG_INFINITY, "{what}: {got}");
                    continue;
                }
                let close = |a: f64, b: f64| (a - b).abs() <= SAME_REL * (1.0 + a.abs());
                assert!(close(got, want), "{what}: {got} vs {want}");
                assert!(close(got_d, want_d), "{what}: d {got_d} vs {want_d}");
            }
        }
    }
}
