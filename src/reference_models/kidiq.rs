//! kidiq-kidscore_momhsiq: child test score regressed on the mother's high-school degree and IQ.

use std::path::Path;

use serde::Deserialize;

use super::data::{ReferenceError, read_data};
use super::regression::GaussianRegression;
use super::support::half_cauchy_log_scale;
use super::{PosteriordbModel, ReferenceModel, indexed};
use crate::sampler::{LogDensity, LogpError};

/// Scale of the half-Cauchy prior on `sigma`.
const SIGMA_SCALE: f64 = 2.5;

/// `kid_score_i ~ N(b1 + b2 mom_hs_i + b3 mom_iq_i, sigma)`, flat `b`,
/// `sigma ~ half-Cauchy(0, 2.5)`. Unconstrained coordinates: `beta[1..3]`, `log sigma`.
#[derive(Debug, Clone)]
pub struct Kidiq {
    reg: GaussianRegression,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "N")]
    n: usize,
    kid_score: Vec<f64>,
    mom_hs: Vec<f64>,
    mom_iq: Vec<f64>,
}

impl LogDensity for Kidiq {
    fn dim(&self) -> usize {
        4
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let (lik, d_u) = self.reg.loglik_grad(&theta[..3], theta[3], &mut grad[..3]);
        let (prior, g_u) = half_cauchy_log_scale(theta[3], SIGMA_SCALE);
        grad[3] = d_u + g_u;
        Ok(lik + prior)
    }
}

impl ReferenceModel for Kidiq {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn param_names(&self) -> Vec<String> {
        indexed("beta", 3).chain(["sigma".to_string()]).collect()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend_from_slice(&theta[..3]);
        out.push(theta[3].exp());
    }
}

impl PosteriordbModel for Kidiq {
    const NAME: &'static str = "kidiq-kidscore_momhsiq";

    fn load(dir: &Path) -> Result<Self, ReferenceError> {
        let (raw, file): (Raw, _) = read_data(dir, Self::NAME)?;
        for (key, v) in [
            ("kid_score", &raw.kid_score),
            ("mom_hs", &raw.mom_hs),
            ("mom_iq", &raw.mom_iq),
        ] {
            file.check_len(key, v, "N", raw.n)?;
            file.check_finite(key, v)?;
        }
        let x = raw
            .mom_hs
            .iter()
            .zip(&raw.mom_iq)
            .flat_map(|(hs, iq)| [1.0, *hs, *iq])
            .collect();
        Ok(Kidiq {
            reg: GaussianRegression::new(x, raw.kid_score, 3),
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

    const CENTER: [f64; 4] = [26.0, 6.0, 0.56, 2.9];
    const SPREAD: [f64; 4] = [15.0, 6.0, 0.15, 0.5];

    #[test]
    fn names_match_reference() {
        assert_names_match_reference(&load::<Kidiq>());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        assert_gradients_ok(&mut load::<Kidiq>(), &CENTER, &SPREAD);
    }

    #[test]
    fn matches_independent_density() {
        let (raw, _): (Raw, _) = read_data(&posteriordb_dir(), Kidiq::NAME).unwrap();
        let constrain = |t: &[f64]| vec![t[0], t[1], t[2], t[3].exp()];
        let logp = |t: &[f64]| {
            let sigma = t[3].exp();
            let mut lp = Cauchy::new(0.0, SIGMA_SCALE).unwrap().ln_pdf(sigma) + t[3];
            for i in 0..raw.n {
                let mean = t[0] + t[1] * raw.mom_hs[i] + t[2] * raw.mom_iq[i];
                lp += Normal::new(mean, sigma).unwrap().ln_pdf(raw.kid_score[i]);
            }
            lp
        };
        assert_matches_independent(&mut load::<Kidiq>(), &CENTER, &SPREAD, constrain, logp);
    }

    #[test]
    fn inconsistent_lengths_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let text =
            r#"{"N": 3, "kid_score": [1, 2, 3], "mom_hs": [0, 1], "mom_iq": [90, 100, 110]}"#;
        std::fs::write(dir.path().join("kidiq-kidscore_momhsiq.data.json"), text).unwrap();
        let err = Kidiq::load(dir.path()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("`mom_hs`") && msg.contains("2 values"),
            "{msg}"
        );
    }
}
