//! sblrc-blr: Bayesian linear regression without intercept on a 100 x 5 design.

use std::path::Path;

use serde::Deserialize;

use super::data::{ReferenceError, read_data};
use super::regression::GaussianRegression;
use super::support::{half_normal_log_scale, normal_prior};
use super::{PosteriordbModel, ReferenceModel, indexed};
use crate::sampler::{LogDensity, LogpError};

/// Prior sd of every `beta_d` (normal, mean 0).
const BETA_SD: f64 = 10.0;
/// Scale of the half-normal prior on `sigma`.
const SIGMA_SCALE: f64 = 10.0;

/// `y ~ N(X beta, sigma)`, `beta_d ~ N(0, 10)`, `sigma ~ half-N(0, 10)`.
/// Unconstrained coordinates: `beta[1..D]`, `log sigma`.
#[derive(Debug, Clone)]
pub struct Sblrc {
    reg: GaussianRegression,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "N")]
    n: usize,
    #[serde(rename = "D")]
    d: usize,
    #[serde(rename = "X")]
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
}

impl LogDensity for Sblrc {
    fn dim(&self) -> usize {
        self.reg.p() + 1
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let d = self.reg.p();
        let (mut lp, d_u) = self.reg.loglik_grad(&theta[..d], theta[d], &mut grad[..d]);
        for (g, b) in grad[..d].iter_mut().zip(&theta[..d]) {
            let (lp_b, g_b) = normal_prior(*b, 0.0, BETA_SD);
            lp += lp_b;
            *g += g_b;
        }
        let (lp_s, g_u) = half_normal_log_scale(theta[d], SIGMA_SCALE);
        grad[d] = d_u + g_u;
        Ok(lp + lp_s)
    }
}

impl ReferenceModel for Sblrc {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn param_names(&self) -> Vec<String> {
        indexed("beta", self.reg.p())
            .chain(["sigma".to_string()])
            .collect()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        let d = self.reg.p();
        out.clear();
        out.extend_from_slice(&theta[..d]);
        out.push(theta[d].exp());
    }
}

impl PosteriordbModel for Sblrc {
    const NAME: &'static str = "sblrc-blr";

    fn load(dir: &Path) -> Result<Self, ReferenceError> {
        let (raw, file): (Raw, _) = read_data(dir, Self::NAME)?;
        file.check_len("y", &raw.y, "N", raw.n)?;
        file.check_len("X", &raw.x, "N", raw.n)?;
        file.check_finite("y", &raw.y)?;
        for (i, row) in raw.x.iter().enumerate() {
            let key = format!("X[{}]", i + 1);
            file.check_len(&key, row, "D", raw.d)?;
            file.check_finite(&key, row)?;
        }
        let x = raw.x.concat();
        Ok(Sblrc {
            reg: GaussianRegression::new(x, raw.y, raw.d),
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
    use statrs::distribution::{Continuous, Normal};

    const CENTER: [f64; 6] = [1.0, 1.0, 1.0, 1.0, 1.0, 0.04];
    const SPREAD: [f64; 6] = [0.01, 0.01, 0.01, 0.01, 0.01, 0.5];

    #[test]
    fn names_match_reference() {
        assert_names_match_reference(&load::<Sblrc>());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        assert_gradients_ok(&mut load::<Sblrc>(), &CENTER, &SPREAD);
    }

    #[test]
    fn matches_independent_density() {
        let (raw, _): (Raw, _) = read_data(&posteriordb_dir(), Sblrc::NAME).unwrap();
        let constrain = |t: &[f64]| {
            let mut c = t[..5].to_vec();
            c.push(t[5].exp());
            c
        };
        let logp = |t: &[f64]| {
            let sigma = t[5].exp();
            let prior = Normal::new(0.0, BETA_SD).unwrap();
            let mut lp = t[..5].iter().map(|b| prior.ln_pdf(*b)).sum::<f64>();
            lp += Normal::new(0.0, SIGMA_SCALE).unwrap().ln_pdf(sigma) + t[5];
            for (row, y) in raw.x.iter().zip(&raw.y) {
                let mean: f64 = row.iter().zip(&t[..5]).map(|(x, b)| x * b).sum();
                lp += Normal::new(mean, sigma).unwrap().ln_pdf(*y);
            }
            lp
        };
        assert_matches_independent(&mut load::<Sblrc>(), &CENTER, &SPREAD, constrain, logp);
    }

    #[test]
    fn ragged_design_row_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"{"N": 2, "D": 2, "X": [[1, 2], [3]], "y": [1, 2]}"#;
        std::fs::write(dir.path().join("sblrc-blr.data.json"), text).unwrap();
        let msg = Sblrc::load(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("`X[2]`") && msg.contains("`D` is 2"), "{msg}");
    }
}
