//! Finite-difference check of an analytic log-density gradient (Richardson-extrapolated central
//! differences).
//!
//! Each coordinate's derivative is estimated with the 4-point stencil
//! `(8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h`, which is one Richardson step on top of the
//! central difference and has truncation error O(h^4). The step is scaled to the coordinate,
//! `h = step * max(1, |x|)`, and the tolerance allows for the round-off of the log density
//! itself (about `eps * |f| / h`), so a density whose value is large still checks cleanly.

use thiserror::Error;

use crate::sampler::{LogDensity, LogpError};

/// Round-off allowance, in units of `f64::EPSILON * |f| / h`, added to the tolerance: it covers
/// the error of summing many terms into the log density and the 1.5 gain of the stencil.
const ROUNDOFF_ULPS: f64 = 64.0;

/// Tunables of [`check_gradient`].
///
/// A coordinate passes when `|analytic - numeric| <= abs_tol + rel_tol * max(|analytic|,
/// |numeric|) + round-off allowance`.
#[derive(Debug, Clone, PartialEq)]
pub struct GradCheckOptions {
    /// Base finite-difference step; coordinate `i` uses `h = step * max(1, |theta_i|)`.
    /// About `eps^(1/5)` balances truncation and round-off for the 4-point stencil.
    pub step: f64,
    /// Relative tolerance on each gradient component.
    pub rel_tol: f64,
    /// Absolute tolerance, which matters for components near zero.
    pub abs_tol: f64,
}

impl Default for GradCheckOptions {
    fn default() -> Self {
        GradCheckOptions {
            step: 1e-3,
            rel_tol: 1e-6,
            abs_tol: 1e-6,
        }
    }
}

/// Why a gradient check failed.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum GradientMismatch {
    /// The analytic gradient disagrees with the finite-difference estimate. The coordinate
    /// reported is the worst one (largest error relative to its tolerance).
    #[error(
        "gradient coordinate {coordinate}: analytic {analytic:e}, finite difference {numeric:e}, \
         relative error {rel_error:.3e} (allowed {allowed:.3e}); {failing} coordinate(s) fail; \
         the analytic gradient does not match the log density there"
    )]
    Mismatch {
        /// Index of the worst coordinate.
        coordinate: usize,
        /// Analytic gradient component there.
        analytic: f64,
        /// Finite-difference estimate there.
        numeric: f64,
        /// `|analytic - numeric| / max(|analytic|, |numeric|)` at the worst coordinate.
        rel_error: f64,
        /// Absolute error that would have been accepted at that coordinate.
        allowed: f64,
        /// How many coordinates fail.
        failing: usize,
    },
    /// The log density could not be evaluated at the point or at a perturbed point.
    #[error("log density failed at theta{}: {source}", perturbation(*.coordinate, *.offset))]
    Evaluation {
        /// The perturbed coordinate, or `None` at the point itself.
        coordinate: Option<usize>,
        /// The perturbation added to that coordinate.
        offset: f64,
        /// The density's error.
        source: LogpError,
    },
    /// `theta` does not have the density's dimension.
    #[error("theta has {theta_len} values but the density has dimension {dim}")]
    Dimension {
        /// The density's dimension.
        dim: usize,
        /// Length of the `theta` passed in.
        theta_len: usize,
    },
}

fn perturbation(coordinate: Option<usize>, offset: f64) -> String {
    match coordinate {
        Some(i) => format!(" + {offset:e} in coordinate {i}"),
        None => String::new(),
    }
}

/// Check the analytic gradient of `density` at `theta` against finite differences.
///
/// Returns `Ok(())` when every component agrees within the tolerances of `opts`, and otherwise
/// the worst coordinate. This is a test tool: it allocates, and costs `4 * dim + 1` evaluations.
pub fn check_gradient<D: LogDensity + ?Sized>(
    density: &mut D,
    theta: &[f64],
    opts: &GradCheckOptions,
) -> Result<(), GradientMismatch> {
    let dim = density.dim();
    if theta.len() != dim {
        return Err(GradientMismatch::Dimension {
            dim,
            theta_len: theta.len(),
        });
    }
    let mut analytic = vec![0.0; dim];
    let f0 =
        density
            .logp_grad(theta, &mut analytic)
            .map_err(|source| GradientMismatch::Evaluation {
                coordinate: None,
                offset: 0.0,
                source,
            })?;

    let mut x = theta.to_vec();
    let mut scratch = vec![0.0; dim];
    let mut worst: Option<(f64, GradientMismatch)> = None;
    let mut failing = 0;
    for (i, &a) in analytic.iter().enumerate() {
        let (numeric, f_max, h) = stencil(density, &mut x, i, opts.step, &mut scratch)?;
        let scale = a.abs().max(numeric.abs());
        let roundoff = ROUNDOFF_ULPS * f64::EPSILON * f_max.max(f0.abs()) / h;
        let allowed = opts.abs_tol + opts.rel_tol * scale + roundoff;
        let err = (a - numeric).abs();
        let ratio = if err.is_nan() {
            f64::INFINITY
        } else {
            err / allowed
        };
        if ratio <= 1.0 {
            continue;
        }
        failing += 1;
        if worst.as_ref().is_none_or(|(r, _)| ratio > *r) {
            let rel_error = if scale > 0.0 { err / scale } else { err };
            let mismatch = GradientMismatch::Mismatch {
                coordinate: i,
                analytic: a,
                numeric,
                rel_error,
                allowed,
                failing: 0,
            };
            worst = Some((ratio, mismatch));
        }
    }
    match worst {
        None => Ok(()),
        Some((_, mut mismatch)) => {
            if let GradientMismatch::Mismatch { failing: f, .. } = &mut mismatch {
                *f = failing;
            }
            Err(mismatch)
        }
    }
}

/// The 4-point estimate of the derivative along coordinate `i`, the largest |f| seen, and the
/// step. Leaves `x[i]` as it found it.
fn stencil<D: LogDensity + ?Sized>(
    density: &mut D,
    x: &mut [f64],
    i: usize,
    step: f64,
    scratch: &mut [f64],
) -> Result<(f64, f64, f64), GradientMismatch> {
    let xi = x[i];
    // Use the step that is actually representable at x, so x + h - x == h exactly.
    let h = (xi + step * xi.abs().max(1.0)) - xi;
    let mut eval = |offset: f64| -> Result<f64, GradientMismatch> {
        x[i] = xi + offset;
        let f = density.logp_grad(x, scratch);
        x[i] = xi;
        f.map_err(|source| GradientMismatch::Evaluation {
            coordinate: Some(i),
            offset,
            source,
        })
    };
    let f1p = eval(h)?;
    let f1m = eval(-h)?;
    let f2p = eval(2.0 * h)?;
    let f2m = eval(-2.0 * h)?;
    let numeric = (8.0 * (f1p - f1m) - (f2p - f2m)) / (12.0 * h);
    let f_max = f1p.abs().max(f1m.abs()).max(f2p.abs()).max(f2m.abs());
    Ok((numeric, f_max, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Agreement expected between two computations of the same relative error.
    const REL_ERROR_TOL: f64 = 1e-6;

    /// A smooth non-quadratic density whose gradient can be broken on purpose:
    /// log p = -sum_i (x_i^2 / 2 + cosh(x_i) * c_i) - x_0 x_1 + sin(x_2).
    struct Wavy {
        coef: [f64; 3],
        /// Multiplies gradient component `broken.0` by `broken.1`.
        broken: (usize, f64),
    }

    impl Wavy {
        fn correct() -> Self {
            Wavy {
                coef: [0.5, 1.5, 0.25],
                broken: (0, 1.0),
            }
        }
    }

    impl LogDensity for Wavy {
        fn dim(&self) -> usize {
            3
        }
        fn logp_grad(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, LogpError> {
            let mut lp = -x[0] * x[1] + x[2].sin();
            for i in 0..3 {
                lp -= 0.5 * x[i] * x[i] + self.coef[i] * x[i].cosh();
                g[i] = -x[i] - self.coef[i] * x[i].sinh();
            }
            g[0] -= x[1];
            g[1] -= x[0];
            g[2] += x[2].cos();
            g[self.broken.0] *= self.broken.1;
            Ok(lp)
        }
    }

    /// Fails outside |x| < 1.
    struct Bounded;
    impl LogDensity for Bounded {
        fn dim(&self) -> usize {
            1
        }
        fn logp_grad(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, LogpError> {
            if x[0].abs() >= 1.0 {
                return Err(LogpError::OutOfSupport("|x| >= 1"));
            }
            g[0] = -2.0 * x[0] / (1.0 - x[0] * x[0]);
            Ok((1.0 - x[0] * x[0]).ln())
        }
    }

    const POINTS: [[f64; 3]; 4] = [
        [0.3, -1.2, 2.0],
        [-2.5, 0.7, -0.1],
        [10.0, -3.0, 20.0],
        [0.0, 0.0, 0.0],
    ];

    #[test]
    fn correct_gradient_passes() {
        for p in POINTS {
            check_gradient(&mut Wavy::correct(), &p, &GradCheckOptions::default())
                .unwrap_or_else(|e| panic!("at {p:?}: {e}"));
        }
    }

    #[test]
    fn one_percent_error_in_one_component_fails_and_names_it() {
        for bad in 0..3 {
            let mut d = Wavy {
                broken: (bad, 1.01),
                ..Wavy::correct()
            };
            let p = POINTS[0];
            let err = check_gradient(&mut d, &p, &GradCheckOptions::default()).unwrap_err();
            match err {
                GradientMismatch::Mismatch {
                    coordinate,
                    rel_error,
                    failing,
                    ..
                } => {
                    assert_eq!(coordinate, bad);
                    assert_eq!(failing, 1);
                    // (1.01 a - a) / (1.01 |a|) for a non-zero component a.
                    approx::assert_relative_eq!(
                        rel_error,
                        0.01 / 1.01,
                        max_relative = REL_ERROR_TOL
                    );
                }
                other => panic!("expected a mismatch, got {other}"),
            }
        }
    }

    #[test]
    fn sign_error_fails() {
        let mut d = Wavy {
            broken: (1, -1.0),
            ..Wavy::correct()
        };
        let err = check_gradient(&mut d, &POINTS[1], &GradCheckOptions::default()).unwrap_err();
        assert!(matches!(
            err,
            GradientMismatch::Mismatch { coordinate: 1, .. }
        ));
        assert!(err.to_string().contains("coordinate 1"), "{err}");
    }

    #[test]
    fn tiny_relative_error_is_caught_with_tight_tolerance_only() {
        let mut d = Wavy {
            broken: (2, 1.0 + 1e-4),
            ..Wavy::correct()
        };
        let p = POINTS[1];
        assert!(check_gradient(&mut d, &p, &GradCheckOptions::default()).is_err());
        let loose = GradCheckOptions {
            rel_tol: 1e-3,
            ..GradCheckOptions::default()
        };
        assert!(check_gradient(&mut d, &p, &loose).is_ok());
    }

    #[test]
    fn failing_evaluation_is_reported_with_its_coordinate() {
        let opts = GradCheckOptions::default();
        assert!(check_gradient(&mut Bounded, &[0.5], &opts).is_ok());
        let err = check_gradient(&mut Bounded, &[1.0 - 1e-3], &opts).unwrap_err();
        assert!(matches!(
            err,
            GradientMismatch::Evaluation {
                coordinate: Some(0),
                source: LogpError::OutOfSupport(_),
                ..
            }
        ));
        let err = check_gradient(&mut Bounded, &[2.0], &opts).unwrap_err();
        assert!(matches!(
            err,
            GradientMismatch::Evaluation {
                coordinate: None,
                ..
            }
        ));
    }

    #[test]
    fn wrong_dimension_is_an_error() {
        let err = check_gradient(&mut Bounded, &[0.1, 0.2], &GradCheckOptions::default());
        assert_eq!(
            err,
            Err(GradientMismatch::Dimension {
                dim: 1,
                theta_len: 2
            })
        );
    }
}
