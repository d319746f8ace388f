//! arK-arK: an autoregressive AR(K) time series, conditioned on its first K values.

use std::path::Path;

use serde::Deserialize;

use super::data::{ReferenceError, read_data};
use super::regression::GaussianRegression;
use super::support::{half_cauchy_log_scale, normal_prior};
use super::{PosteriordbModel, ReferenceModel, indexed};
use crate::sampler::{LogDensity, LogpError};

/// Prior sd of `alpha` and of every `beta_k` (normal, mean 0).
const COEF_SD: f64 = 10.0;
/// Scale of the half-Cauchy prior on `sigma`.
const SIGMA_SCALE: f64 = 2.5;

/// `y_t ~ N(alpha + sum_k beta_k y_{t-k}, sigma)` for `t = K+1..T`; `alpha, beta_k ~ N(0, 10)`,
/// `sigma ~ half-Cauchy(0, 2.5)`. Unconstrained coordinates: `alpha`, `beta[1..K]`,
/// `log sigma`.
#[derive(Debug, Clone)]
pub struct ArK {
    /// Rows `[1, y_{t-1}, ..., y_{t-K}]`, response `y_t`.
    reg: GaussianRegression,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "K")]
    k: usize,
    #[serde(rename = "T")]
    t: usize,
    y: Vec<f64>,
}

impl ArK {
    fn order(&self) -> usize {
        self.reg.p() - 1
    }
}

impl LogDensity for ArK {
    fn dim(&self) -> usize {
        self.reg.p() + 1
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let p = self.reg.p();
        let (mut lp, d_u) = self.reg.loglik_grad(&theta[..p], theta[p], &mut grad[..p]);
        for (g, c) in grad[..p].iter_mut().zip(&theta[..p]) {
            let (lp_c, g_c) = normal_prior(*c, 0.0, COEF_SD);
            lp += lp_c;
            *g += g_c;
        }
        let (lp_s, g_u) = half_cauchy_log_scale(theta[p], SIGMA_SCALE);
        grad[p] = d_u + g_u;
        Ok(lp + lp_s)
    }
}

impl ReferenceModel for ArK {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn param_names(&self) -> Vec<String> {
        let mut names = vec!["alpha".to_string()];
        names.extend(indexed("beta", self.order()));
        names.push("sigma".to_string());
        names
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        let p = self.reg.p();
        out.clear();
        out.extend_from_slice(&theta[..p]);
        out.push(theta[p].exp());
    }
}

impl PosteriordbModel for ArK {
    const NAME: &'static str = "arK-arK";

    fn load(dir: &Path) -> Result<Self, ReferenceError> {
        let (raw, file): (Raw, _) = read_data(dir, Self::NAME)?;
        file.check_len("y", &raw.y, "T", raw.t)?;
        file.check_finite("y", &raw.y)?;
        if raw.k == 0 || raw.k >= raw.t {
            return Err(file.invalid(
                "K",
                format!("order {} must be at least 1 and below T = {}", raw.k, raw.t),
            ));
        }
        let k = raw.k;
        let mut x = Vec::with_capacity((raw.t - k) * (k + 1));
        for t in k..raw.t {
            x.push(1.0);
            x.extend((1..=k).map(|lag| raw.y[t - lag]));
        }
        Ok(ArK {
            reg: GaussianRegression::new(x, raw.y[k..].to_vec(), k + 1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_models::test_support::{
        assert_gradients_ok, assert_matches_independent, assert_names_match_reference, load,
        posteriordb_dir,
    };
    use statrs::distribution::{Cauchy, Continuous, Normal};

    const CENTER: [f64; 7] = [0.0, 0.69, 0.44, 0.11, -0.035, -0.30, -1.9];
    const SPREAD: [f64; 7] = [0.05, 0.3, 0.3, 0.3, 0.3, 0.3, 0.5];

    #[test]
    fn names_match_reference() {
        let m: ArK = load();
        assert_eq!(m.dim(), 7);
        assert_names_match_reference(&m);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        assert_gradients_ok(&mut load::<ArK>(), &CENTER, &SPREAD);
    }

    #[test]
    fn matches_independent_density() {
        let (raw, _): (Raw, _) = read_data(&posteriordb_dir(), ArK::NAME).unwrap();
        let constrain = |t: &[f64]| {
            let mut c = t[..6].to_vec();
            c.push(t[6].exp());
            c
        };
        let logp = |t: &[f64]| {
            let (alpha, beta, sigma) = (t[0], &t[1..6], t[6].exp());
            let coef = Normal::new(0.0, COEF_SD).unwrap();
            let mut lp = t[..6].iter().map(|c| coef.ln_pdf(*c)).sum::<f64>();
            lp += Cauchy::new(0.0, SIGMA_SCALE).unwrap().ln_pdf(sigma) + t[6];
            for s in raw.k..raw.t {
                let mean = alpha + (0..raw.k).map(|k| beta[k] * raw.y[s - k - 1]).sum::<f64>();
                lp += Normal::new(mean, sigma).unwrap().ln_pdf(raw.y[s]);
            }
            lp
        };
        assert_matches_independent(&mut load::<ArK>(), &CENTER, &SPREAD, constrain, logp);
    }
}
