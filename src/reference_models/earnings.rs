//! earnings-logearn_height: log earnings regressed on height, flat priors.

use std::path::Path;

use serde::Deserialize;

use super::data::{ReferenceError, read_data};
use super::regression::GaussianRegression;
use super::{PosteriordbModel, ReferenceModel, indexed};
use crate::sampler::{LogDensity, LogpError};

/// `log(earn_i) ~ N(b1 + b2 height_i, sigma)`, flat `b` and flat `sigma > 0`.
/// Unconstrained coordinates: `beta[1..2]`, `log sigma`.
#[derive(Debug, Clone)]
pub struct Earnings {
    reg: GaussianRegression,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "N")]
    n: usize,
    earn: Vec<f64>,
    height: Vec<f64>,
}

impl LogDensity for Earnings {
    fn dim(&self) -> usize {
        3
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let (lik, d_u) = self.reg.loglik_grad(&theta[..2], theta[2], &mut grad[..2]);
        // Flat prior on sigma: only the Jacobian u of sigma = exp(u).
        grad[2] = d_u + 1.0;
        Ok(lik + theta[2])
    }
}

impl ReferenceModel for Earnings {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn param_names(&self) -> Vec<String> {
        indexed("beta", 2).chain(["sigma".to_string()]).collect()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend_from_slice(&theta[..2]);
        out.push(theta[2].exp());
    }
}

impl PosteriordbModel for Earnings {
    const NAME: &'static str = "earnings-logearn_height";

    fn load(dir: &Path) -> Result<Self, ReferenceError> {
        let (raw, file): (Raw, _) = read_data(dir, Self::NAME)?;
        file.check_len("earn", &raw.earn, "N", raw.n)?;
        file.check_len("height", &raw.height, "N", raw.n)?;
        file.check_positive("earn", &raw.earn)?;
        file.check_finite("height", &raw.height)?;
        let x = raw.height.iter().flat_map(|h| [1.0, *h]).collect();
        let log_earn = raw.earn.iter().map(|e| e.ln()).collect();
        Ok(Earnings {
            reg: GaussianRegression::new(x, log_earn, 2),
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

    const CENTER: [f64; 3] = [5.8, 0.059, -0.11];
    const SPREAD: [f64; 3] = [2.0, 0.03, 0.5];

    #[test]
    fn names_match_reference() {
        assert_names_match_reference(&load::<Earnings>());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        assert_gradients_ok(&mut load::<Earnings>(), &CENTER, &SPREAD);
    }

    #[test]
    fn matches_independent_density() {
        let (raw, _): (Raw, _) = read_data(&posteriordb_dir(), Earnings::NAME).unwrap();
        let constrain = |t: &[f64]| vec![t[0], t[1], t[2].exp()];
        let logp = |t: &[f64]| {
            let sigma = t[2].exp();
            let mut lp = t[2];
            for i in 0..raw.n {
                let d = Normal::new(t[0] + t[1] * raw.height[i], sigma).unwrap();
                lp += d.ln_pdf(raw.earn[i].ln());
            }
            lp
        };
        assert_matches_independent(&mut load::<Earnings>(), &CENTER, &SPREAD, constrain, logp);
    }

    #[test]
    fn non_positive_earnings_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"{"N": 2, "earn": [100, 0], "height": [60, 70]}"#;
        std::fs::write(dir.path().join("earnings-logearn_height.data.json"), text).unwrap();
        let msg = Earnings::load(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("`earn[2]`"), "{msg}");
    }
}
