//! One coordinate's bijector and prior taken together, so that the logarithms the bijector
//! computes anyway serve the prior: ln x = u under the exponential map, and ln x, ln(1−x) as
//! the two softplus terms of the logistic map's log-Jacobian (a beta prior on a unit-interval
//! parameter then costs no `ln` or `ln_1p` of its own).

use super::prior_term::{Logs, PriorTerm};
use crate::transform::{Constrained, Support, unit_logistic};

/// A coordinate's support and prior, fixed at construction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CoordinateTerm {
    support: Support,
    /// `None`: the prior is taken elsewhere (a centred intercept's, at b after the forward pass).
    prior: Option<PriorTerm>,
}

/// A coordinate at one u: the constrained value with its Jacobian terms, the prior's log
/// density plus the log-Jacobian, and the prior's derivative in x.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CoordinateValue {
    pub constrained: Constrained,
    /// ln p(x) + ln |dx/du|.
    pub lp: f64,
    /// ∂ ln p(x)/∂x.
    pub d_prior: f64,
}

impl CoordinateTerm {
    pub fn new(support: Support, prior: Option<PriorTerm>) -> CoordinateTerm {
        CoordinateTerm { support, prior }
    }

    /// The coordinate at u: [`Support::constrain_with_jacobian`] and
    /// [`PriorTerm::logpdf_grad`] at its x, with the bijector's logarithms passed on.
    #[inline(always)]
    pub fn at(&self, u: f64) -> CoordinateValue {
        // Each arm takes the prior itself, so that the logarithms it passes are known to be
        // there when the prior's code is inlined (a runtime `Option` lets the compiler compute
        // the `ln` it would replace speculatively).
        match self.support {
            Support::Positive => {
                let c = Support::Positive.constrain_with_jacobian(u);
                // x overflows to +∞ past u ≈ 709, whose log `ln` gives as +∞, not u.
                let ln_x = if c.x < f64::INFINITY { u } else { c.x };
                let logs = Logs {
                    ln_x: Some(ln_x),
                    ..Logs::NONE
                };
                self.with_prior(c, logs)
            }
            Support::UnitInterval => {
                let m = unit_logistic(u);
                let logs = Logs {
                    ln_x: Some(m.ln_x),
                    ln_1m_x: Some(m.ln_1m_x),
                    one_m_x: Some(m.one_m_x),
                };
                self.with_prior(m.constrained, logs)
            }
            support => self.with_prior(support.constrain_with_jacobian(u), Logs::NONE),
        }
    }

    #[inline(always)]
    fn with_prior(&self, constrained: Constrained, logs: Logs) -> CoordinateValue {
        let (lp_prior, d_prior) = match &self.prior {
            Some(prior) => prior.logpdf_grad_given(constrained.x, logs),
            None => (0.0, 0.0),
        };
        CoordinateValue {
            constrained,
            lp: lp_prior + constrained.log_jac,
            d_prior,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{SUPPORTS, every_prior_family};
    use crate::transform::finite_diff::{assert_matches_fd, central_diff};

    /// The bijector's logarithms against `ln` of the rounded x, summed into the log density:
    /// a few ulps of the larger terms.
    const SAME_REL: f64 = 1e-13;

    const POINTS: [f64; 16] = [
        -745.5, -700.0, -40.0, -6.0, -2.3, -0.4, -0.0, 1e-9, 0.3, 1.1, 2.5, 6.0, 37.0, 40.0, 700.0,
        710.0,
    ];

    /// [`CoordinateTerm::at`] is the bijector and then the prior at its x, for every support and
    /// prior family: the same verdict on the support everywhere (x overflowing to ∞, rounding
    /// to 1 or underflowing to 0 included) and the same values to round-off elsewhere.
    #[test]
    fn coordinate_is_the_bijector_then_the_prior() {
        for support in SUPPORTS {
            for prior in every_prior_family() {
                let term = PriorTerm::new(prior);
                let coordinate = CoordinateTerm::new(support, Some(term));
                for u in POINTS {
                    let c = support.constrain_with_jacobian(u);
                    let (lp, d) = term.logpdf_grad(c.x);
                    let want = lp + c.log_jac;
                    let got = coordinate.at(u);
                    let what = format!("{support} {prior:?} at u = {u}");
                    assert_eq!(got.constrained, c, "{what}");
                    if !want.is_finite() || !got.lp.is_finite() {
                        assert!(!want.is_finite() && !got.lp.is_finite(), "{what}");
                        continue;
                    }
                    // Far out the logistic's x has rounded (to 1 − 2⁻⁵³ at u = 37), and `ln` of
                    // it is off by the rounding, where the bijector's logarithms are not: only
                    // the verdict is compared there.
                    if u.abs() < 30.0 {
                        let close = |a: f64, b: f64| (a - b).abs() <= SAME_REL * (1.0 + a.abs());
                        assert!(close(got.lp, want), "{what}: {} vs {want}", got.lp);
                        assert!(close(got.d_prior, d), "{what}: d {} vs {d}", got.d_prior);
                    }
                }
                let flat = CoordinateTerm::new(support, None).at(0.7);
                assert_eq!(flat.lp.to_bits(), flat.constrained.log_jac.to_bits());
                assert_eq!(flat.d_prior.to_bits(), 0.0f64.to_bits());
            }
        }
    }

    /// d/du of the coordinate's log density is ∂ln p/∂x · dx/du + d ln|dx/du|/du.
    #[test]
    fn coordinate_gradient_matches_finite_differences() {
        for support in SUPPORTS {
            for prior in every_prior_family() {
                let coordinate = CoordinateTerm::new(support, Some(PriorTerm::new(prior)));
                for u in [-3.1, -0.8, 0.45, 1.3, 2.2] {
                    let v = coordinate.at(u);
                    let f = |w: f64| coordinate.at(w).lp;
                    if !(f(u - 1e-5).is_finite() && f(u + 1e-5).is_finite()) {
                        continue;
                    }
                    let c = v.constrained;
                    let analytic = v.d_prior * c.dx_du + c.dlog_jac_du;
                    let what = format!("{support} {prior:?} at u = {u}");
                    assert_matches_fd(analytic, central_diff(f, u), &what);
                }
            }
        }
    }
}
