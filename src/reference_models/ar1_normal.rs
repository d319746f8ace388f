//! A multivariate normal whose correlations follow an AR(1) pattern, corr(x_i, x_j) =
//! rho^|i-j|, with sds spread over orders of magnitude: neighbours correlate at rho (0.99), and
//! the precision matrix is tridiagonal, so the gradient costs O(n).

use super::data::ReferenceError;
use super::normals::{ExactMoments, check_sd};
use super::{ReferenceModel, indexed};
use crate::sampler::{LogDensity, LogpError};

/// `x ~ N(mean, S R S)` with `S = diag(sd)` and `R_ij = rho^|i-j|`. Parameters `x[1..n]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ar1Normal {
    mean: Vec<f64>,
    sd: Vec<f64>,
    rho: f64,
    /// Scratch: standardised coordinates.
    z: Vec<f64>,
}

impl Ar1Normal {
    /// Checks that the sds are finite and > 0, the means finite, the lengths equal (at least
    /// 2) and `|rho| < 1`.
    pub fn new(mean: Vec<f64>, sd: Vec<f64>, rho: f64) -> Result<Self, ReferenceError> {
        for s in &sd {
            check_sd(*s)?;
        }
        if mean.len() != sd.len() || sd.len() < 2 || mean.iter().any(|m| !m.is_finite()) {
            return Err(ReferenceError::InvalidSetting {
                what: "mean",
                value: mean.len() as f64,
                expected: "finite means, as many as sds (at least 2)",
            });
        }
        if rho.is_nan() || rho.abs() >= 1.0 {
            return Err(ReferenceError::InvalidSetting {
                what: "rho",
                value: rho,
                expected: "a correlation strictly between -1 and 1",
            });
        }
        let z = vec![0.0; sd.len()];
        Ok(Ar1Normal { mean, sd, rho, z })
    }

    /// `n` coordinates with means cycling through -1, 0, 1 and sds log-spaced from
    /// `10^-decades/2` to `10^decades/2`.
    pub fn spread(n: usize, decades: f64, rho: f64) -> Result<Self, ReferenceError> {
        let denom = n.saturating_sub(1).max(1) as f64;
        let sd = (0..n)
            .map(|i| 10f64.powf(decades * (i as f64 / denom - 0.5)))
            .collect();
        let mean = (0..n).map(|i| (i % 3) as f64 - 1.0).collect();
        Ar1Normal::new(mean, sd, rho)
    }
}

impl LogDensity for Ar1Normal {
    fn dim(&self) -> usize {
        self.sd.len()
    }

    /// With z = S^{-1}(x - mean): log p = -z^T R^{-1} z / 2 and ∇ = -S^{-1} R^{-1} z, where
    /// R^{-1} = (tridiag(-rho, 1 + rho^2, -rho) with 1 at both ends) / (1 - rho^2).
    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let n = self.sd.len();
        let r = self.rho;
        let k = 1.0 / (1.0 - r * r);
        for (((z, x), m), s) in self.z.iter_mut().zip(theta).zip(&self.mean).zip(&self.sd) {
            *z = (x - m) / s;
        }
        let z = &self.z;
        let mut lp = 0.0;
        for i in 0..n {
            let d = if i == 0 || i == n - 1 {
                1.0
            } else {
                1.0 + r * r
            };
            let mut rz = d * z[i];
            if i > 0 {
                rz -= r * z[i - 1];
            }
            if i + 1 < n {
                rz -= r * z[i + 1];
            }
            rz *= k;
            lp -= 0.5 * z[i] * rz;
            grad[i] = -rz / self.sd[i];
        }
        Ok(lp)
    }
}

impl ReferenceModel for Ar1Normal {
    fn name(&self) -> &'static str {
        "ar1_normal"
    }

    fn param_names(&self) -> Vec<String> {
        indexed("x", self.sd.len()).collect()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend_from_slice(theta);
    }
}

impl ExactMoments for Ar1Normal {
    fn exact_mean(&self) -> Vec<f64> {
        self.mean.clone()
    }

    fn exact_sd(&self) -> Vec<f64> {
        self.sd.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_models::test_support::assert_gradients_ok;

    #[test]
    fn gradient_matches_finite_differences() {
        let mut m = Ar1Normal::spread(5, 2.0, 0.9).unwrap();
        let center = m.exact_mean();
        let spread = m.exact_sd();
        assert_gradients_ok(&mut m, &center, &spread);
    }

    /// Against the dense form: log p(x) - log p(mean) = -(x-m)^T Σ^{-1} (x-m) / 2 with Σ
    /// inverted numerically.
    #[test]
    fn matches_the_dense_precision() {
        const REL_TOL: f64 = 1e-9;
        let mut m = Ar1Normal::spread(4, 2.0, 0.7).unwrap();
        let (mean, sd) = (m.exact_mean(), m.exact_sd());
        let sigma = nalgebra::DMatrix::from_fn(4, 4, |i, j| {
            sd[i] * sd[j] * 0.7f64.powi((i as i32 - j as i32).abs())
        });
        let prec = sigma.try_inverse().unwrap();
        let x = [0.3, -0.2, 1.5, 4.0];
        let d = nalgebra::DVector::from_fn(4, |i, _| x[i] - mean[i]);
        let want = -0.5 * (d.transpose() * &prec * &d)[(0, 0)];
        let mut g = [0.0; 4];
        let got = m.logp_grad(&x, &mut g).unwrap();
        assert!((got - want).abs() < REL_TOL * want.abs(), "{got} vs {want}");
    }
}
