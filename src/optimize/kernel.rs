//! A steady-state curve compiled for the optimizer's inner loop: constants folded so that one
//! evaluation costs one `exp` (Hill, sharing ln(spend) across draws) or one `expm1`
//! (logistic), value and slope together.

use crate::density::SteadyStateCurve;
use crate::transform::SaturationKind;

/// η(x) = β · f(gain · x) for spend x per period, with f's constants folded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kernel {
    /// β · σ(S · (ln x + offset)), offset = ln(gain) − ln(K).
    Hill {
        /// β.
        beta: f64,
        /// Slope S.
        s: f64,
        /// ln(gain / K).
        offset: f64,
    },
    /// β · tanh(c·x / 2), c = λ · gain.
    Logistic {
        /// β.
        beta: f64,
        /// λ · gain.
        c: f64,
    },
}

impl Kernel {
    /// Compile a curve.
    pub fn new(curve: &SteadyStateCurve) -> Kernel {
        match curve.saturation {
            SaturationKind::Hill => Kernel::Hill {
                beta: curve.beta,
                s: curve.params[1],
                offset: curve.gain.ln() - curve.params[0].ln(),
            },
            SaturationKind::Logistic => Kernel::Logistic {
                beta: curve.beta,
                c: curve.params[0] * curve.gain,
            },
        }
    }

    /// (η, dη/dx) at spend `x` ≥ 0 per period, given `ln_x` = ln(x). The slope at x = 0 is the
    /// one-sided limit (+∞ for a Hill slope S < 1).
    #[inline]
    pub fn eval(&self, x: f64, ln_x: f64) -> (f64, f64) {
        match *self {
            Kernel::Hill { beta, s, offset } => {
                if x <= 0.0 {
                    let slope = if s < 1.0 {
                        f64::INFINITY
                    } else if s > 1.0 {
                        0.0
                    } else {
                        beta * offset.exp()
                    };
                    return (0.0, slope);
                }
                let r = s * (ln_x + offset);
                let e = (-r.abs()).exp();
                let inv = 1.0 / (1.0 + e);
                let value = if r >= 0.0 { inv } else { e * inv };
                let q = e * inv * inv;
                (beta * value, beta * q * s / x)
            }
            Kernel::Logistic { beta, c } => {
                let m = (-(c * x).abs()).exp_m1();
                let r = 1.0 / (2.0 + m);
                let q = 4.0 * (1.0 + m) * r * r;
                (beta * (-m * r), beta * 0.5 * c * q)
            }
        }
    }

    /// Whether η is concave in x.
    pub fn is_concave(&self) -> bool {
        match *self {
            Kernel::Hill { s, .. } => s <= 1.0,
            Kernel::Logistic { .. } => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The folded forms agree with the reference curves to round-off.
    const SAME_REL: f64 = 1e-12;

    fn close(a: f64, b: f64) -> bool {
        if a.is_infinite() || b.is_infinite() {
            return a.is_infinite() && b.is_infinite() && (a > 0.0) == (b > 0.0);
        }
        (a - b).abs() <= SAME_REL * a.abs().max(b.abs()).max(1e-300)
    }

    #[test]
    fn folded_curves_match_the_reference_curves() {
        let curves = [
            (SaturationKind::Hill, [0.7, 0.6]),
            (SaturationKind::Hill, [1.3, 1.0]),
            (SaturationKind::Hill, [0.4, 3.5]),
            (SaturationKind::Logistic, [1.7, 0.0]),
        ];
        for (saturation, params) in curves {
            let curve = SteadyStateCurve {
                beta: 1.3,
                gain: 0.02,
                saturation,
                params,
            };
            let k = Kernel::new(&curve);
            for x in [0.0, 1e-6, 3.0, 35.0, 60.0, 1e4] {
                let (v, d) = k.eval(x, x.ln());
                let (want_v, want_d) = curve.eta_with_slope(x);
                assert!(close(v, want_v), "{curve:?} at {x}: {v} vs {want_v}");
                assert!(close(d, want_d), "{curve:?} at {x}: slope {d} vs {want_d}");
            }
            assert_eq!(k.is_concave(), curve.is_concave());
        }
    }
}
