//! The prior families a model file may name, their parameters, validation and support.
//!
//! The density and its derivative live in `prior_density.rs`; draws, means and quantiles in
//! `prior_draw.rs`.

use std::fmt;

use serde::Serialize;
use thiserror::Error;

use super::support::Support;

/// A prior distribution on one scalar parameter.
///
/// In a model file a prior is an inline table naming its family in `dist`:
/// `{ dist = "half_normal", sigma = 2.0 }`. Parameter names follow PyMC, except for two
/// families where PyMC's names would read ambiguously: `gamma` takes `shape` and `rate`
/// (PyMC's `alpha` and `beta`; the rate is 1/scale) and `half_cauchy` takes `scale` (PyMC's
/// `beta`). `truncated_normal` may leave out `lower` or `upper` (then −∞ or +∞).
///
/// Build priors through the model file or check hand-built ones with [`Prior::validate`]:
/// methods on a prior with invalid parameters return NaN rather than panic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Prior {
    /// Normal(mu, sigma) on the real line.
    Normal {
        /// Mean.
        mu: f64,
        /// Standard deviation, > 0.
        sigma: f64,
    },
    /// |Normal(0, sigma)| on [0, ∞).
    HalfNormal {
        /// Scale, > 0.
        sigma: f64,
    },
    /// exp(Normal(mu, sigma)) on (0, ∞).
    LogNormal {
        /// Mean of the log.
        mu: f64,
        /// Standard deviation of the log, > 0.
        sigma: f64,
    },
    /// Gamma with density ∝ x^(shape−1) e^(−rate·x) on (0, ∞); mean shape/rate.
    Gamma {
        /// Shape, > 0.
        shape: f64,
        /// Rate (1/scale), > 0.
        rate: f64,
    },
    /// Beta(alpha, beta) on (0, 1).
    Beta {
        /// First shape, > 0.
        alpha: f64,
        /// Second shape, > 0.
        beta: f64,
    },
    /// Exponential with density rate·e^(−rate·x) on [0, ∞).
    Exponential {
        /// Rate, > 0.
        rate: f64,
    },
    /// Uniform on [lower, upper].
    Uniform {
        /// Lower bound, finite.
        lower: f64,
        /// Upper bound, finite, > lower.
        upper: f64,
    },
    /// Laplace (double exponential) with location mu and scale b.
    Laplace {
        /// Location.
        mu: f64,
        /// Scale, > 0.
        b: f64,
    },
    /// Student's t with nu degrees of freedom, location mu and scale sigma.
    StudentT {
        /// Degrees of freedom, > 0.
        nu: f64,
        /// Location.
        mu: f64,
        /// Scale, > 0.
        sigma: f64,
    },
    /// |Student-t(nu, 0, sigma)| on [0, ∞).
    HalfStudentT {
        /// Degrees of freedom, > 0.
        nu: f64,
        /// Scale, > 0.
        sigma: f64,
    },
    /// |Cauchy(0, scale)| on [0, ∞).
    HalfCauchy {
        /// Scale, > 0 (PyMC's `beta`).
        scale: f64,
    },
    /// Normal(mu, sigma) restricted to [lower, upper] and renormalised.
    TruncatedNormal {
        /// Location of the untruncated normal.
        mu: f64,
        /// Scale of the untruncated normal, > 0.
        sigma: f64,
        /// Lower bound, or −∞.
        #[serde(skip_serializing_if = "is_neg_infinite")]
        lower: f64,
        /// Upper bound, or +∞.
        #[serde(skip_serializing_if = "is_pos_infinite")]
        upper: f64,
    },
}

fn is_neg_infinite(x: &f64) -> bool {
    *x == f64::NEG_INFINITY
}

fn is_pos_infinite(x: &f64) -> bool {
    *x == f64::INFINITY
}

/// The family names accepted in `dist`, in the order the docs list them.
pub const PRIOR_FAMILIES: [&str; 12] = [
    "normal",
    "half_normal",
    "log_normal",
    "gamma",
    "beta",
    "exponential",
    "uniform",
    "laplace",
    "student_t",
    "half_student_t",
    "half_cauchy",
    "truncated_normal",
];

/// A prior parameter that breaks its family's constraint.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{family} needs {param} {requirement}, got {}", short_number(*.value))]
#[non_exhaustive]
pub struct PriorParamError {
    /// The family, as spelled in a model file.
    pub family: &'static str,
    /// The offending parameter.
    pub param: &'static str,
    /// Its value.
    pub value: f64,
    /// What it must satisfy.
    pub requirement: &'static str,
}

/// A number for a message: as written when short, in exponent form when huge or tiny (1e300,
/// not three hundred digits).
pub(crate) fn short_number(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && a.is_finite() && !(1e-4..1e15).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Below this log mass a truncated normal's interval is treated as empty.
const MIN_LOG_MASS: f64 = -700.0;
/// The range a prior's scale or shape parameter must lie in. Priors are stated on the scaled
/// data, where values near 1 are typical; outside this range a prior is a typo or a point mass,
/// and its quantiles and draws lose meaning (and some library routines their termination).
pub const PRIOR_SCALE_RANGE: (f64, f64) = (1e-6, 1e6);
/// The largest magnitude of a prior's location or bound (`mu`, `lower`, `upper`).
pub const PRIOR_LOCATION_MAX: f64 = 1e6;
/// The largest magnitude of a log-normal's `mu` (e^100 is already beyond any scaled value).
pub const LOG_NORMAL_MU_MAX: f64 = 100.0;

impl Prior {
    /// The family name, as spelled in a model file (`"half_normal"`).
    pub fn family(&self) -> &'static str {
        match self {
            Prior::Normal { .. } => "normal",
            Prior::HalfNormal { .. } => "half_normal",
            Prior::LogNormal { .. } => "log_normal",
            Prior::Gamma { .. } => "gamma",
            Prior::Beta { .. } => "beta",
            Prior::Exponential { .. } => "exponential",
            Prior::Uniform { .. } => "uniform",
            Prior::Laplace { .. } => "laplace",
            Prior::StudentT { .. } => "student_t",
            Prior::HalfStudentT { .. } => "half_student_t",
            Prior::HalfCauchy { .. } => "half_cauchy",
            Prior::TruncatedNormal { .. } => "truncated_normal",
        }
    }

    /// The parameters as (name, value) pairs, in model-file order; infinite truncation bounds
    /// are left out.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match *self {
            Prior::Normal { mu, sigma } | Prior::LogNormal { mu, sigma } => {
                vec![("mu", mu), ("sigma", sigma)]
            }
            Prior::HalfNormal { sigma } => vec![("sigma", sigma)],
            Prior::Gamma { shape, rate } => vec![("shape", shape), ("rate", rate)],
            Prior::Beta { alpha, beta } => vec![("alpha", alpha), ("beta", beta)],
            Prior::Exponential { rate } => vec![("rate", rate)],
            Prior::Uniform { lower, upper } => vec![("lower", lower), ("upper", upper)],
            Prior::Laplace { mu, b } => vec![("mu", mu), ("b", b)],
            Prior::StudentT { nu, mu, sigma } => vec![("nu", nu), ("mu", mu), ("sigma", sigma)],
            Prior::HalfStudentT { nu, sigma } => vec![("nu", nu), ("sigma", sigma)],
            Prior::HalfCauchy { scale } => vec![("scale", scale)],
            Prior::TruncatedNormal {
                mu,
                sigma,
                lower,
                upper,
            } => {
                let mut p = vec![("mu", mu), ("sigma", sigma)];
                if lower > f64::NEG_INFINITY {
                    p.push(("lower", lower));
                }
                if upper < f64::INFINITY {
                    p.push(("upper", upper));
                }
                p
            }
        }
    }

    /// Where the prior puts its mass.
    pub fn support(&self) -> Support {
        match *self {
            Prior::Normal { .. } | Prior::Laplace { .. } | Prior::StudentT { .. } => Support::Real,
            Prior::HalfNormal { .. }
            | Prior::LogNormal { .. }
            | Prior::Gamma { .. }
            | Prior::Exponential { .. }
            | Prior::HalfStudentT { .. }
            | Prior::HalfCauchy { .. } => Support::Positive,
            Prior::Beta { .. } => Support::UnitInterval,
            Prior::Uniform { lower, upper } | Prior::TruncatedNormal { lower, upper, .. } => {
                Support::from_bounds(lower, upper)
            }
        }
    }

    /// Checks every parameter against its family's constraint (scales > 0, all finite,
    /// bounds ordered, a truncation interval with mass).
    pub fn validate(&self) -> Result<(), PriorParamError> {
        let family = self.family();
        let fail = |param, value, requirement| {
            Err(PriorParamError {
                family,
                param,
                value,
                requirement,
            })
        };
        for (param, value) in self.params() {
            let positive = !matches!(param, "mu" | "lower" | "upper");
            if positive && !(value > 0.0 && value.is_finite()) {
                return fail(param, value, "> 0 and finite");
            }
            if !value.is_finite() {
                return fail(param, value, "finite");
            }
            let (lo, hi) = PRIOR_SCALE_RANGE;
            if positive && !(lo..=hi).contains(&value) {
                return fail(
                    param,
                    value,
                    "between 1e-6 and 1e6 (priors are on the scaled data, where values near 1 \
                     are typical)",
                );
            }
            if !positive && value.abs() > PRIOR_LOCATION_MAX {
                return fail(
                    param,
                    value,
                    "between -1e6 and 1e6 (priors are on the scaled data, where values near 1 \
                     are typical)",
                );
            }
        }
        if let Prior::LogNormal { mu, .. } = *self
            && mu.abs() > LOG_NORMAL_MU_MAX
        {
            return fail(
                "mu",
                mu,
                "between -100 and 100 (it is the log of the typical value)",
            );
        }
        match *self {
            Prior::Uniform { lower, upper } if lower >= upper => fail("upper", upper, "> lower"),
            Prior::TruncatedNormal { lower, upper, .. } if lower.is_nan() || upper.is_nan() => {
                fail("lower", lower, "a number")
            }
            Prior::TruncatedNormal { lower, upper, .. } if lower >= upper => {
                fail("upper", upper, "> lower")
            }
            Prior::TruncatedNormal {
                mu,
                sigma,
                lower,
                upper,
            } => {
                if super::prior_density::log_normal_mass(mu, sigma, lower, upper) < MIN_LOG_MASS {
                    return fail(
                        "lower",
                        lower,
                        "near enough to mu that [lower, upper] has mass",
                    );
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Prior {
    /// `half_normal(sigma = 2)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.family())?;
        for (i, (name, value)) in self.params().into_iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{name} = {}", short_number(value))?;
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_reads_like_the_model_file() {
        assert_eq!(
            Prior::HalfNormal { sigma: 2.0 }.to_string(),
            "half_normal(sigma = 2)"
        );
        let tn = Prior::TruncatedNormal {
            mu: 0.0,
            sigma: 1.0,
            lower: 0.0,
            upper: f64::INFINITY,
        };
        assert_eq!(
            tn.to_string(),
            "truncated_normal(mu = 0, sigma = 1, lower = 0)"
        );
    }

    #[test]
    fn validate_rejects_bad_parameters() {
        let bad = [
            Prior::HalfNormal { sigma: 0.0 },
            Prior::Normal {
                mu: f64::NAN,
                sigma: 1.0,
            },
            Prior::Gamma {
                shape: -1.0,
                rate: 1.0,
            },
            Prior::Uniform {
                lower: 1.0,
                upper: 1.0,
            },
            Prior::StudentT {
                nu: f64::INFINITY,
                mu: 0.0,
                sigma: 1.0,
            },
            Prior::TruncatedNormal {
                mu: 0.0,
                sigma: 1.0,
                lower: 2.0,
                upper: 1.0,
            },
            Prior::TruncatedNormal {
                mu: 0.0,
                sigma: 1.0,
                lower: 100.0,
                upper: f64::INFINITY,
            },
        ];
        for prior in bad {
            assert!(prior.validate().is_err(), "{prior:?} passed validation");
        }
        // Finite but absurd: refused with the range (issue 12).
        let absurd = [
            Prior::Beta {
                alpha: 1.0,
                beta: 5e-324,
            },
            Prior::Beta {
                alpha: 1.0,
                beta: 1e12,
            },
            Prior::Beta {
                alpha: 1e300,
                beta: 1.0,
            },
            Prior::Gamma {
                shape: 1e300,
                rate: 1.0,
            },
            Prior::Normal {
                mu: -1e300,
                sigma: 1.0,
            },
            Prior::LogNormal {
                mu: 1000.0,
                sigma: 1.0,
            },
        ];
        for prior in absurd {
            let err = prior.validate().expect_err("absurd parameter");
            assert!(err.to_string().contains("between"), "{err}");
        }
        let err = Prior::HalfNormal { sigma: -2.0 }.validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "half_normal needs sigma > 0 and finite, got -2"
        );
    }

    #[test]
    fn support_follows_the_family_and_bounds() {
        assert_eq!(
            Prior::Beta {
                alpha: 1.0,
                beta: 3.0
            }
            .support(),
            Support::UnitInterval
        );
        assert_eq!(Prior::Laplace { mu: 0.0, b: 1.0 }.support(), Support::Real);
        let tn = Prior::TruncatedNormal {
            mu: 0.0,
            sigma: 1.0,
            lower: 0.0,
            upper: f64::INFINITY,
        };
        assert_eq!(tn.support(), Support::Positive);
        let u = Prior::Uniform {
            lower: 0.0,
            upper: 7.0,
        };
        assert_eq!(
            u.support(),
            Support::Interval {
                lower: 0.0,
                upper: 7.0
            }
        );
    }
}
