//! The set of values a prior or a model parameter can take, and the containment test between them.

use std::fmt;

use serde::Serialize;

/// Where a prior puts its mass, or where a model parameter lives.
///
/// The sampler's bijector for a parameter follows its prior's support: `log` for
/// [`Support::Positive`], `logit` for [`Support::UnitInterval`], a scaled logit for a finite
/// [`Support::Interval`], a shifted `log` for a half-bounded one, the identity for
/// [`Support::Real`]. Use [`Support::from_bounds`] to build one from two bounds: it returns the
/// canonical variant, so `from_bounds(0, ∞)` is `Positive`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// The whole real line.
    Real,
    /// `(0, ∞)`.
    Positive,
    /// `(0, 1)`.
    UnitInterval,
    /// `(lower, upper)`; one bound (never both) may be infinite, and it is never one of the
    /// three variants above.
    Interval {
        /// Lower bound, or `-∞`.
        lower: f64,
        /// Upper bound, or `+∞`.
        upper: f64,
    },
}

impl Support {
    /// The canonical support with these bounds (`lower < upper` is the caller's promise).
    #[expect(
        clippy::float_cmp,
        reason = "bounds are written by the user, not computed: 1.0 means exactly 1"
    )]
    pub fn from_bounds(lower: f64, upper: f64) -> Support {
        let lower_inf = lower == f64::NEG_INFINITY;
        let upper_inf = upper == f64::INFINITY;
        if lower_inf && upper_inf {
            Support::Real
        } else if lower == 0.0 && upper_inf {
            Support::Positive
        } else if lower == 0.0 && upper == 1.0 {
            Support::UnitInterval
        } else {
            Support::Interval { lower, upper }
        }
    }

    /// The lower and upper bounds (possibly infinite).
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Support::Real => (f64::NEG_INFINITY, f64::INFINITY),
            Support::Positive => (0.0, f64::INFINITY),
            Support::UnitInterval => (0.0, 1.0),
            Support::Interval { lower, upper } => (lower, upper),
        }
    }

    /// Whether `x` lies in the closed hull `[lower, upper]` (densities decide about the ends).
    pub fn contains(&self, x: f64) -> bool {
        let (lower, upper) = self.bounds();
        x >= lower && x <= upper
    }

    /// Whether every point of `self` lies in `other`.
    pub fn is_within(&self, other: &Support) -> bool {
        let (lo, hi) = self.bounds();
        let (other_lo, other_hi) = other.bounds();
        lo >= other_lo && hi <= other_hi
    }

    /// Whether both bounds are finite.
    pub fn is_bounded(&self) -> bool {
        let (lower, upper) = self.bounds();
        lower.is_finite() && upper.is_finite()
    }
}

impl fmt::Display for Support {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Support::Real => write!(f, "(-inf, inf)"),
            Support::Positive => write!(f, "(0, inf)"),
            Support::UnitInterval => write!(f, "(0, 1)"),
            Support::Interval { lower, upper } => write!(f, "({lower}, {upper})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_bounds_returns_the_canonical_variant() {
        assert_eq!(
            Support::from_bounds(f64::NEG_INFINITY, f64::INFINITY),
            Support::Real
        );
        assert_eq!(Support::from_bounds(0.0, f64::INFINITY), Support::Positive);
        assert_eq!(Support::from_bounds(0.0, 1.0), Support::UnitInterval);
        assert_eq!(
            Support::from_bounds(0.0, 7.0),
            Support::Interval {
                lower: 0.0,
                upper: 7.0
            }
        );
    }

    #[test]
    fn containment_between_supports() {
        assert!(Support::UnitInterval.is_within(&Support::Positive));
        assert!(Support::Positive.is_within(&Support::Real));
        assert!(!Support::Real.is_within(&Support::Positive));
        assert!(Support::from_bounds(2.0, f64::INFINITY).is_within(&Support::Positive));
        assert!(!Support::from_bounds(-1.0, 1.0).is_within(&Support::Positive));
        assert!(Support::from_bounds(0.0, 7.0).is_bounded());
        assert!(!Support::Positive.is_bounded());
        assert!(Support::Positive.contains(0.0) && !Support::Positive.contains(-1e-12));
    }
}
