//! Bijectors from an unconstrained real u to a parameter's support, with the log-Jacobian and its
//! derivative, numerically stable for any finite u.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The set of values a model parameter may take, and with it the map from the sampler's
/// unconstrained coordinate u to the parameter x.
///
/// | support | x(u) | log abs(dx/du) |
/// |---|---|---|
/// | `Real` | u | 0 |
/// | `Positive` | exp(u) | u |
/// | `UnitInterval` | σ(u) = 1/(1+e^(−u)) | ln σ(u) + ln(1−σ(u)) |
/// | `Interval { lo, hi }` | lo + (hi−lo)·σ(u) | ln(hi−lo) + ln σ(u) + ln(1−σ(u)) |
/// | `LowerBounded { lo }` | lo + exp(u) | u |
/// | `UpperBounded { hi }` | hi − exp(u) | u |
///
/// Bounded supports are open: the endpoints are reached only in the limit u → ±∞. `Interval`
/// requires finite `lo < hi`; that is the constructor's job (the model-spec check), not this
/// type's. Serialised as `{ "kind": "interval", "lo": 0.0, "hi": 7.0 }`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Support {
    /// The whole real line.
    Real,
    /// (0, ∞).
    Positive,
    /// (0, 1).
    UnitInterval,
    /// (lo, hi), finite, lo < hi.
    Interval {
        /// Lower end (excluded).
        lo: f64,
        /// Upper end (excluded).
        hi: f64,
    },
    /// (lo, ∞).
    LowerBounded {
        /// Lower end (excluded).
        lo: f64,
    },
    /// (−∞, hi).
    UpperBounded {
        /// Upper end (excluded).
        hi: f64,
    },
}

/// A constrained value with the pieces the log density needs from its bijector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constrained {
    /// x = x(u), the parameter on its support.
    pub x: f64,
    /// log abs(dx/du), the term added to the log density for the change of variables.
    pub log_jac: f64,
    /// dx/du, to chain ∂(log p)/∂x into ∂(log p)/∂u.
    pub dx_du: f64,
    /// d(log abs(dx/du))/du, the log-Jacobian's own contribution to the gradient in u.
    pub dlog_jac_du: f64,
}

/// A value that lies outside the support it was meant for.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SupportError {
    /// `unconstrain` got a value that is not strictly inside the support.
    #[error(
        "value {value} is outside the support {support}; give a value strictly inside {support}"
    )]
    Outside {
        /// The offending value.
        value: f64,
        /// The support it should lie in.
        support: Support,
    },
}

impl Support {
    /// Whether `x` lies strictly inside the support (NaN never does).
    pub fn contains(self, x: f64) -> bool {
        match self {
            Support::Real => x.is_finite(),
            Support::Positive => x > 0.0 && x < f64::INFINITY,
            Support::UnitInterval => x > 0.0 && x < 1.0,
            Support::Interval { lo, hi } => x > lo && x < hi,
            Support::LowerBounded { lo } => x > lo && x < f64::INFINITY,
            Support::UpperBounded { hi } => x < hi && x > f64::NEG_INFINITY,
        }
    }

    /// x(u) alone, for simulation and for turning draws into parameter values.
    pub fn constrain(self, u: f64) -> f64 {
        match self {
            Support::Real => u,
            Support::Positive => u.exp(),
            Support::UnitInterval => sigmoid(u),
            Support::Interval { lo, hi } => interval_point(lo, hi, u),
            Support::LowerBounded { lo } => lo + u.exp(),
            Support::UpperBounded { hi } => hi - u.exp(),
        }
    }

    /// x(u) with log abs(dx/du), dx/du and d(log abs(dx/du))/du, all computed together.
    ///
    /// Stable for any finite u: the logistic pieces never form e^(|u|), so large |u| gives
    /// x at (or next to) an endpoint, a finite log-Jacobian ≈ −|u| and dx/du → 0, never NaN.
    /// `Positive` and `LowerBounded` overflow to x = +∞ past u ≈ 709, which the density should
    /// treat as leaving the support.
    #[inline]
    pub fn constrain_with_jacobian(self, u: f64) -> Constrained {
        match self {
            Support::Real => Constrained {
                x: u,
                log_jac: 0.0,
                dx_du: 1.0,
                dlog_jac_du: 0.0,
            },
            Support::Positive => exp_map(0.0, u),
            Support::LowerBounded { lo } => exp_map(lo, u),
            Support::UpperBounded { hi } => {
                let m = exp_map(0.0, u);
                Constrained {
                    x: hi - m.x,
                    dx_du: -m.dx_du,
                    ..m
                }
            }
            Support::UnitInterval => unit_logistic(u).constrained,
            Support::Interval { lo, hi } => logistic_map(lo, hi, u),
        }
    }

    /// The inverse map u(x), for initial values and for truths given on the constrained scale.
    ///
    /// # Errors
    /// [`SupportError::Outside`] when `x` is not strictly inside the support (an endpoint of a
    /// bounded support has no finite u).
    pub fn unconstrain(self, x: f64) -> Result<f64, SupportError> {
        if !self.contains(x) {
            return Err(SupportError::Outside {
                value: x,
                support: self,
            });
        }
        Ok(match self {
            Support::Real => x,
            Support::Positive => x.ln(),
            Support::UnitInterval => x.ln() - (-x).ln_1p(),
            Support::Interval { lo, hi } => (x - lo).ln() - (hi - x).ln(),
            Support::LowerBounded { lo } => (x - lo).ln(),
            Support::UpperBounded { hi } => (hi - x).ln(),
        })
    }
}

impl fmt::Display for Support {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Support::Real => write!(f, "(-inf, inf)"),
            Support::Positive => write!(f, "(0, inf)"),
            Support::UnitInterval => write!(f, "(0, 1)"),
            Support::Interval { lo, hi } => write!(f, "({lo}, {hi})"),
            Support::LowerBounded { lo } => write!(f, "({lo}, inf)"),
            Support::UpperBounded { hi } => write!(f, "(-inf, {hi})"),
        }
    }
}

/// The logistic function σ(u) = 1/(1+e^(−u)), without overflow for either sign of u.
pub(crate) fn sigmoid(u: f64) -> f64 {
    if u >= 0.0 {
        1.0 / (1.0 + (-u).exp())
    } else {
        let e = u.exp();
        e / (1.0 + e)
    }
}

/// lo + (hi−lo)·σ(u), computed from the nearer endpoint so that x keeps its precision there.
fn interval_point(lo: f64, hi: f64, u: f64) -> f64 {
    let width = hi - lo;
    if u >= 0.0 {
        hi - width * sigmoid(-u)
    } else {
        lo + width * sigmoid(u)
    }
}

/// x = lo + e^u: log-Jacobian u, slope e^u, log-Jacobian slope 1.
fn exp_map(lo: f64, u: f64) -> Constrained {
    let e = u.exp();
    Constrained {
        x: lo + e,
        log_jac: u,
        dx_du: e,
        dlog_jac_du: 1.0,
    }
}

/// The logistic map's pieces that depend on u alone, from e = e^(−|u|) ∈ (0, 1] with one
/// `exp` and one `ln_1p`: σ(−|u|) = e/(1+e), σ(|u|) = 1/(1+e) and ln(1+e).
#[derive(Debug, Clone, Copy)]
struct LogisticParts {
    e: f64,
    one_plus: f64,
    /// σ(−|u|), the unit-interval distance from σ(u) to its nearer end.
    near: f64,
    /// ln(1+e) = softplus(−|u|).
    ln_one_plus: f64,
}

impl LogisticParts {
    #[inline(always)]
    fn of(u: f64) -> LogisticParts {
        let e = (-u.abs()).exp();
        let one_plus = 1.0 + e;
        LogisticParts {
            e,
            one_plus,
            near: e / one_plus,
            ln_one_plus: e.ln_1p(),
        }
    }

    /// σ(u), as [`sigmoid`] computes it.
    #[inline(always)]
    fn sigmoid(self, u: f64) -> f64 {
        if u >= 0.0 {
            1.0 / self.one_plus
        } else {
            self.near
        }
    }

    /// The map to (lo, hi) with its Jacobian terms, as `interval_point` and [`sigmoid`] compute
    /// them: σ(1−σ) = e/(1+e)², ln σ + ln(1−σ) = −|u| − 2·ln(1+e), d/du of that = 1 − 2σ(u).
    #[inline(always)]
    fn map(self, lo: f64, hi: f64, log_width: f64, u: f64) -> Constrained {
        let width = hi - lo;
        let x = if u >= 0.0 {
            hi - width * self.near
        } else {
            lo + width * self.near
        };
        Constrained {
            x,
            log_jac: log_width - u.abs() - 2.0 * self.ln_one_plus,
            dx_du: width * self.e / (self.one_plus * self.one_plus),
            dlog_jac_du: 1.0 - 2.0 * self.sigmoid(u),
        }
    }
}

/// x = lo + (hi−lo)·σ(u) with its Jacobian terms (see [`LogisticParts::map`]).
fn logistic_map(lo: f64, hi: f64, u: f64) -> Constrained {
    LogisticParts::of(u).map(lo, hi, (hi - lo).ln(), u)
}

/// x = σ(u) on the unit interval with its Jacobian terms, and the logarithms a prior on x may
/// need, all from the one `exp` and one `ln_1p` of the map: ln x = min(u, 0) − ln(1+e^(−|u|))
/// and ln(1−x) = −max(u, 0) − ln(1+e^(−|u|)) (the two softplus terms of the log-Jacobian,
/// accurate where x rounds to 1 or underflows), and 1 − x = σ(−u) without the cancellation of
/// `1.0 - x` near 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct UnitLogistic {
    /// x, its log-Jacobian and their slopes, the bits of
    /// [`Support::constrain_with_jacobian`] on [`Support::UnitInterval`].
    pub constrained: Constrained,
    /// ln x.
    pub ln_x: f64,
    /// ln(1 − x).
    pub ln_1m_x: f64,
    /// 1 − x.
    pub one_m_x: f64,
}

/// [`UnitLogistic`] at u.
#[inline(always)]
pub(crate) fn unit_logistic(u: f64) -> UnitLogistic {
    let parts = LogisticParts::of(u);
    let (ln_x, ln_1m_x) = (
        u.min(0.0) - parts.ln_one_plus,
        -u.max(0.0) - parts.ln_one_plus,
    );
    let one_m_x = if u >= 0.0 {
        parts.near
    } else {
        1.0 / parts.one_plus
    };
    UnitLogistic {
        // ln(hi − lo) = ln 1 = 0, without a `ln` call.
        constrained: parts.map(0.0, 1.0, 0.0, u),
        ln_x,
        ln_1m_x,
        one_m_x,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::SUPPORTS;
    use crate::transform::finite_diff::{assert_matches_fd, central_diff};
    use approx::assert_relative_eq;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Relative tolerance of a round trip x → u → x.
    const ROUND_TRIP_REL: f64 = 1e-12;
    /// Absolute tolerance for values that should be exactly representable limits.
    const LIMIT_ABS: f64 = 1e-12;
    /// The logistic map's logarithms against `ln`/`ln_1p` of the rounded x: a few ulps.
    const LOGS_REL: f64 = 1e-14;
    /// The same, absolute, where a log is near 0 (x near 1).
    const LOGS_ABS: f64 = 1e-15;

    fn random_points(n: usize) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut u: Vec<f64> = (0..n).map(|_| rng.random_range(-6.0..6.0)).collect();
        u.extend([0.0, -0.3, 1e-9, 15.0, -15.0]);
        u
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for support in SUPPORTS {
            for u in random_points(40) {
                let c = support.constrain_with_jacobian(u);
                let fd_x = central_diff(|v| support.constrain(v), u);
                assert_matches_fd(c.dx_du, fd_x, "dx/du");
                let fd_lj = central_diff(|v| support.constrain_with_jacobian(v).log_jac, u);
                assert_matches_fd(c.dlog_jac_du, fd_lj, "dlogjac/du");
                // The log-Jacobian is the log of the slope.
                assert_relative_eq!(c.log_jac, c.dx_du.abs().ln(), epsilon = LIMIT_ABS);
            }
        }
    }

    /// The unit interval's map with its own `ln(hi − lo) = 0` gives the bits of the interval
    /// (0, 1), and its logarithms are those of x: to the rounding of x in the bulk (where
    /// `x.ln()` is itself accurate) and, far out, the exact asymptotes ln x → u (u → −∞) and
    /// ln(1−x) → −u (u → ∞), where x has rounded to 1 or underflowed.
    #[test]
    fn unit_logistic_gives_the_interval_bits_and_the_logs_of_x() {
        let interval = Support::Interval { lo: 0.0, hi: 1.0 };
        let mut points = random_points(60);
        points.extend([
            -0.0, 1e-300, -1e-300, 0.5, -36.0, 37.0, 40.0, -700.0, 700.0, 750.0,
        ]);
        for u in points {
            let m = unit_logistic(u);
            let c = interval.constrain_with_jacobian(u);
            let bits = |c: Constrained| [c.x, c.log_jac, c.dx_du, c.dlog_jac_du].map(f64::to_bits);
            assert_eq!(bits(m.constrained), bits(c), "u = {u}");
            assert_eq!(
                m.constrained,
                Support::UnitInterval.constrain_with_jacobian(u)
            );
            let x = m.constrained.x;
            // The log-Jacobian is the sum of the two logs, to round-off.
            assert_relative_eq!(
                m.ln_x + m.ln_1m_x,
                m.constrained.log_jac,
                max_relative = LOGS_REL
            );
            if x > 0.0 && x < 1.0 && u.abs() < 30.0 {
                // x itself is good to half an ulp, so `x.ln()` is; 1 − x is exact only for
                // x ≤ 1/2, and past that the mirror σ(−u) = 1 − σ(u) is the reference.
                assert_relative_eq!(m.ln_x, x.ln(), max_relative = LOGS_REL, epsilon = LOGS_ABS);
                let mirror = unit_logistic(-u);
                if u <= 0.0 {
                    assert_relative_eq!(m.ln_1m_x, (-x).ln_1p(), max_relative = LOGS_REL);
                    assert_relative_eq!(m.one_m_x, 1.0 - x, max_relative = LOGS_REL);
                } else {
                    assert_eq!(m.ln_1m_x.to_bits(), mirror.ln_x.to_bits(), "u = {u}");
                    assert_eq!(m.one_m_x.to_bits(), mirror.constrained.x.to_bits());
                }
                // d ln x/du = 1 − x and d ln(1−x)/du = −x.
                assert_matches_fd(
                    m.one_m_x,
                    central_diff(|v| unit_logistic(v).ln_x, u),
                    "dlnx/du",
                );
                assert_matches_fd(
                    -x,
                    central_diff(|v| unit_logistic(v).ln_1m_x, u),
                    "dln(1-x)/du",
                );
            }
            if u <= -40.0 {
                assert_relative_eq!(m.ln_x, u, max_relative = LOGS_REL);
                assert_eq!(m.one_m_x.to_bits(), 1.0f64.to_bits());
            }
            if u >= 40.0 {
                assert_relative_eq!(m.ln_1m_x, -u, max_relative = LOGS_REL);
                assert!(m.ln_x <= 0.0 && m.ln_x > -1e-17, "u = {u}: ln x {}", m.ln_x);
                // 1 − x = e^(−u)/(1 + e^(−u)), until e^(−u) underflows past u ≈ 745.
                let positive = m.one_m_x > 0.0 || u > 745.0;
                assert!(positive && m.one_m_x < 1e-17, "u = {u}: {}", m.one_m_x);
            }
        }
    }

    #[test]
    fn constrain_with_jacobian_agrees_with_constrain() {
        for support in SUPPORTS {
            for u in random_points(20) {
                let c = support.constrain_with_jacobian(u);
                assert_relative_eq!(c.x, support.constrain(u), max_relative = ROUND_TRIP_REL);
            }
        }
    }

    #[test]
    fn unconstrain_inverts_constrain() {
        for support in SUPPORTS {
            for u in random_points(40) {
                let x = support.constrain(u);
                let back = support.constrain(support.unconstrain(x).unwrap());
                assert_relative_eq!(back, x, max_relative = ROUND_TRIP_REL);
            }
        }
    }

    #[test]
    fn large_u_stays_finite_and_inside_closed_bounds() {
        for support in [
            Support::UnitInterval,
            Support::Interval { lo: -1.5, hi: 7.0 },
        ] {
            for u in [-800.0, -50.0, 50.0, 800.0] {
                let c = support.constrain_with_jacobian(u);
                assert!(
                    c.x.is_finite() && c.log_jac.is_finite(),
                    "{support} u = {u}"
                );
                assert!(c.dx_du >= 0.0 && c.dlog_jac_du.abs() <= 1.0);
            }
            // Far out, the log-Jacobian is ln(width) − |u| to all digits.
            let width = match support {
                Support::Interval { lo, hi } => hi - lo,
                _ => 1.0,
            };
            let c = support.constrain_with_jacobian(-100.0);
            assert_relative_eq!(c.log_jac, width.ln() - 100.0, epsilon = LIMIT_ABS);
        }
        let near_one = Support::UnitInterval.constrain(40.0);
        assert!(near_one <= 1.0 && near_one > 0.5);
    }

    #[test]
    fn unconstrain_rejects_values_outside_or_on_the_boundary() {
        let cases = [
            (Support::Positive, 0.0),
            (Support::Positive, -1.0),
            (Support::UnitInterval, 1.0),
            (Support::UnitInterval, 0.0),
            (Support::Interval { lo: 0.0, hi: 3.0 }, 3.0),
            (Support::LowerBounded { lo: 2.0 }, 1.0),
            (Support::UpperBounded { hi: -3.0 }, -3.0),
            (Support::Real, f64::NAN),
        ];
        for (support, x) in cases {
            assert!(
                matches!(support.unconstrain(x), Err(SupportError::Outside { .. })),
                "{support} accepted {x}"
            );
        }
    }

    #[test]
    fn support_serialises_with_a_kind_tag() {
        let json = serde_json::to_string(&Support::Interval { lo: 0.0, hi: 7.0 });
        assert_eq!(
            json.ok().as_deref(),
            Some(r#"{"kind":"interval","lo":0.0,"hi":7.0}"#)
        );
        let back: Result<Support, _> = serde_json::from_str(r#"{"kind":"positive"}"#);
        assert_eq!(back.ok(), Some(Support::Positive));
    }
}
