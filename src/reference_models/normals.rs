//! Analytic normal targets for sampler tests (standard, correlated 2-d, independently scaled),
//! whose exact means and sds are known.

use super::data::ReferenceError;
use super::{ReferenceModel, indexed};
use crate::sampler::{LogDensity, LogpError};

/// A target whose marginal means and sds are known exactly.
pub trait ExactMoments {
    /// Exact marginal means, in parameter order.
    fn exact_mean(&self) -> Vec<f64>;
    /// Exact marginal standard deviations, in parameter order.
    fn exact_sd(&self) -> Vec<f64>;
}

/// The standard normal in `dim` dimensions. Parameters `x[1..dim]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StdNormal {
    /// Dimension.
    pub dim: usize,
}

impl LogDensity for StdNormal {
    fn dim(&self) -> usize {
        self.dim
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let mut lp = 0.0;
        for (g, x) in grad.iter_mut().zip(theta) {
            lp -= 0.5 * x * x;
            *g = -x;
        }
        Ok(lp)
    }
}

impl ReferenceModel for StdNormal {
    fn name(&self) -> &'static str {
        "std_normal"
    }

    fn param_names(&self) -> Vec<String> {
        indexed("x", self.dim).collect()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend_from_slice(theta);
    }
}

impl ExactMoments for StdNormal {
    fn exact_mean(&self) -> Vec<f64> {
        vec![0.0; self.dim]
    }

    fn exact_sd(&self) -> Vec<f64> {
        vec![1.0; self.dim]
    }
}

/// A bivariate normal with means `mean`, sds `sd` and correlation `rho`. Parameters `x[1]`,
/// `x[2]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelatedNormal2 {
    mean: [f64; 2],
    sd: [f64; 2],
    rho: f64,
}

impl CorrelatedNormal2 {
    /// Checks that the sds are finite and > 0, the means finite and `|rho| < 1`.
    pub fn new(mean: [f64; 2], sd: [f64; 2], rho: f64) -> Result<Self, ReferenceError> {
        for s in sd {
            check_sd(s)?;
        }
        for m in mean {
            if !m.is_finite() {
                return Err(ReferenceError::InvalidSetting {
                    what: "mean",
                    value: m,
                    expected: "a finite number",
                });
            }
        }
        if rho.is_nan() || rho.abs() >= 1.0 {
            return Err(ReferenceError::InvalidSetting {
                what: "rho",
                value: rho,
                expected: "a correlation strictly between -1 and 1",
            });
        }
        Ok(CorrelatedNormal2 { mean, sd, rho })
    }

    /// The correlation.
    pub fn rho(&self) -> f64 {
        self.rho
    }
}

impl LogDensity for CorrelatedNormal2 {
    fn dim(&self) -> usize {
        2
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let z0 = (theta[0] - self.mean[0]) / self.sd[0];
        let z1 = (theta[1] - self.mean[1]) / self.sd[1];
        let k = 1.0 / (1.0 - self.rho * self.rho);
        grad[0] = -k * (z0 - self.rho * z1) / self.sd[0];
        grad[1] = -k * (z1 - self.rho * z0) / self.sd[1];
        Ok(-0.5 * k * (z0 * z0 - 2.0 * self.rho * z0 * z1 + z1 * z1))
    }
}

impl ReferenceModel for CorrelatedNormal2 {
    fn name(&self) -> &'static str {
        "correlated_normal_2"
    }

    fn param_names(&self) -> Vec<String> {
        indexed("x", 2).collect()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend_from_slice(theta);
    }
}

impl ExactMoments for CorrelatedNormal2 {
    fn exact_mean(&self) -> Vec<f64> {
        self.mean.to_vec()
    }

    fn exact_sd(&self) -> Vec<f64> {
        self.sd.to_vec()
    }
}

/// Independent zero-mean normals with sds `scales`. Parameters `x[1..n]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledNormal {
    scales: Vec<f64>,
}

impl ScaledNormal {
    /// Checks that every scale is finite and > 0.
    pub fn new(scales: Vec<f64>) -> Result<Self, ReferenceError> {
        for s in &scales {
            check_sd(*s)?;
        }
        Ok(ScaledNormal { scales })
    }

    /// The sds.
    pub fn scales(&self) -> &[f64] {
        &self.scales
    }
}

impl LogDensity for ScaledNormal {
    fn dim(&self) -> usize {
        self.scales.len()
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let mut lp = 0.0;
        for ((g, x), s) in grad.iter_mut().zip(theta).zip(&self.scales) {
            let z = x / s;
            lp -= 0.5 * z * z;
            *g = -z / s;
        }
        Ok(lp)
    }
}

impl ReferenceModel for ScaledNormal {
    fn name(&self) -> &'static str {
        "scaled_normal"
    }

    fn param_names(&self) -> Vec<String> {
        indexed("x", self.scales.len()).collect()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend_from_slice(theta);
    }
}

impl ExactMoments for ScaledNormal {
    fn exact_mean(&self) -> Vec<f64> {
        vec![0.0; self.scales.len()]
    }

    fn exact_sd(&self) -> Vec<f64> {
        self.scales.clone()
    }
}

pub(super) fn check_sd(sd: f64) -> Result<(), ReferenceError> {
    if sd.is_finite() && sd > 0.0 {
        Ok(())
    } else {
        Err(ReferenceError::InvalidSetting {
            what: "sd",
            value: sd,
            expected: "a finite standard deviation > 0",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_models::test_support::{assert_gradients_ok, random_points};
    use approx::assert_relative_eq;
    use nalgebra::{Matrix2, Vector2};

    const TOL: f64 = 1e-12;

    #[test]
    fn std_normal_gradient_and_moments() {
        let mut m = StdNormal { dim: 3 };
        assert_gradients_ok(&mut m, &[0.0; 3], &[3.0; 3]);
        assert_eq!(m.exact_sd(), [1.0; 3]);
        assert_eq!(m.param_names(), ["x[1]", "x[2]", "x[3]"]);
    }

    #[test]
    fn correlated_normal_matches_the_covariance_form() {
        let (mean, sd, rho) = ([1.0, -2.0], [0.5, 3.0], 0.9);
        let mut m = CorrelatedNormal2::new(mean, sd, rho).unwrap();
        assert_gradients_ok(&mut m, &mean, &[2.0, 10.0]);
        let cov = Matrix2::new(
            sd[0] * sd[0],
            rho * sd[0] * sd[1],
            rho * sd[0] * sd[1],
            sd[1] * sd[1],
        );
        let prec = cov.try_inverse().unwrap();
        let mut g = [0.0; 2];
        for p in random_points(&mean, &[2.0, 10.0]) {
            let d = Vector2::new(p[0] - mean[0], p[1] - mean[1]);
            let expected = -0.5 * (d.transpose() * prec * d)[0];
            assert_relative_eq!(
                m.logp_grad(&p, &mut g).unwrap(),
                expected,
                max_relative = TOL
            );
        }
        assert_eq!(m.exact_mean(), mean);
        assert_eq!(m.exact_sd(), sd);
    }

    #[test]
    fn scaled_normal_handles_very_different_scales() {
        let mut m = ScaledNormal::new(vec![1e-5, 1.0]).unwrap();
        assert_gradients_ok(&mut m, &[0.0, 0.0], &[3e-5, 3.0]);
        let mut g = [0.0; 2];
        let lp = m.logp_grad(&[2e-5, 1.0], &mut g).unwrap();
        assert_relative_eq!(lp, -0.5 * (4.0 + 1.0), max_relative = TOL);
        assert_relative_eq!(g[0], -2e5, max_relative = TOL);
    }

    #[test]
    fn invalid_settings_are_rejected() {
        assert!(CorrelatedNormal2::new([0.0; 2], [1.0; 2], 1.0).is_err());
        assert!(CorrelatedNormal2::new([0.0; 2], [1.0; 2], f64::NAN).is_err());
        assert!(CorrelatedNormal2::new([0.0; 2], [1.0, 0.0], 0.5).is_err());
        let err = ScaledNormal::new(vec![1.0, -1e-5]).unwrap_err();
        assert!(err.to_string().contains("-0.00001"), "{err}");
    }
}
