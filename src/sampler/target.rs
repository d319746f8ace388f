//! The one trait the sampler sees: a log density with its gradient on an unconstrained space.

use thiserror::Error;

/// Why a log density could not be evaluated at a point.
///
/// A recoverable error (a non-finite value, a point outside the support) ends the current
/// trajectory and is counted as a divergence; any other error aborts the run.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum LogpError {
    /// The density or its gradient is NaN or infinite at this point.
    #[error("log density or gradient is not finite")]
    NonFinite,
    /// The point lies outside the support of the density.
    #[error("point outside the support: {0}")]
    OutOfSupport(&'static str),
    /// An unrecoverable failure: the run stops with this message.
    #[error("{0}")]
    Fatal(String),
}

impl LogpError {
    /// Whether the sampler may treat this error as a divergence and carry on.
    pub fn is_recoverable(&self) -> bool {
        matches!(self, LogpError::NonFinite | LogpError::OutOfSupport(_))
    }
}

/// A differentiable log density on R^n, up to an additive constant.
///
/// `logp_grad` writes the gradient into `grad` (length [`LogDensity::dim`]) and returns the log
/// density. It takes `&mut self` so an implementation can own scratch buffers and allocate
/// nothing per call. The sampler clones the density once per chain.
pub trait LogDensity {
    /// Number of unconstrained parameters.
    fn dim(&self) -> usize;

    /// Log density at `theta`, with its gradient written into `grad`.
    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError>;
}

/// Evaluate `density`, turning a finite-looking result with a non-finite value or gradient into
/// [`LogpError::NonFinite`], so the sampler never propagates NaN.
pub(crate) fn checked_logp_grad<D: LogDensity + ?Sized>(
    density: &mut D,
    theta: &[f64],
    grad: &mut [f64],
) -> Result<f64, LogpError> {
    let lp = density.logp_grad(theta, grad)?;
    if lp.is_finite() && grad.iter().all(|g| g.is_finite()) {
        Ok(lp)
    } else {
        Err(LogpError::NonFinite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken;
    impl LogDensity for Broken {
        fn dim(&self) -> usize {
            1
        }
        fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
            grad[0] = f64::NAN;
            Ok(-theta[0] * theta[0])
        }
    }

    #[test]
    fn non_finite_gradient_is_a_recoverable_error() {
        let mut g = [0.0];
        let err = checked_logp_grad(&mut Broken, &[1.0], &mut g).unwrap_err();
        assert_eq!(err, LogpError::NonFinite);
        assert!(err.is_recoverable());
        assert!(!LogpError::Fatal("x".into()).is_recoverable());
    }
}
