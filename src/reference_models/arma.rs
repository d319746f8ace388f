//! arma11-simulated: the ARMA(1,1) model of the Stan manual (and posteriordb's `arma11`) on
//! simulated data. Started outside stationarity (|theta| > 1) its error recursion explodes like
//! theta^T, so the log density reaches -1e30 and worse with gradients above 1e50: the test of a
//! warm-up that must not collapse.

use std::path::Path;

use serde::Deserialize;

use super::data::{ReferenceError, read_data};
use super::support::{half_cauchy_log_scale, normal_prior};
use super::{PosteriordbModel, ReferenceModel};
use crate::sampler::{LogDensity, LogpError};

/// `err_1 = y_1 - mu (1 + phi)`, `err_t = y_t - mu - phi y_{t-1} - theta err_{t-1}`,
/// `err_t ~ N(0, sigma)`; priors `mu ~ N(0, 10)`, `phi, theta ~ N(0, 2)`,
/// `sigma ~ half-Cauchy(0, 5)`. Unconstrained coordinates: `mu`, `phi`, `theta`, `log sigma`.
#[derive(Debug, Clone)]
pub struct Arma11 {
    y: Vec<f64>,
    /// Scratch: the errors of the forward pass.
    err: Vec<f64>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "T")]
    t: usize,
    y: Vec<f64>,
}

impl LogDensity for Arma11 {
    fn dim(&self) -> usize {
        4
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let (mu, phi, th, u) = (theta[0], theta[1], theta[2], theta[3]);
        let (y, err) = (&self.y, &mut self.err);
        let inv_var = (-2.0 * u).exp();

        err[0] = y[0] - mu * (1.0 + phi);
        for t in 1..y.len() {
            err[t] = y[t] - mu - phi * y[t - 1] - th * err[t - 1];
        }
        let sum_sq: f64 = err.iter().map(|e| e * e).sum();
        let n = y.len() as f64;
        let mut lp = -n * u - 0.5 * inv_var * sum_sq;

        // Adjoint: lambda_t = dL/d err_t in total = -err_t / sigma^2 - theta lambda_{t+1}.
        let (mut d_mu, mut d_phi, mut d_th) = (0.0, 0.0, 0.0);
        let mut lambda = 0.0;
        for t in (1..y.len()).rev() {
            lambda = -err[t] * inv_var - th * lambda;
            d_mu -= lambda;
            d_phi -= lambda * y[t - 1];
            d_th -= lambda * err[t - 1];
        }
        lambda = -err[0] * inv_var - th * lambda;
        d_mu -= lambda * (1.0 + phi);
        d_phi -= lambda * mu;

        let priors = [
            normal_prior(mu, 0.0, 10.0),
            normal_prior(phi, 0.0, 2.0),
            normal_prior(th, 0.0, 2.0),
        ];
        let (lp_sigma, d_sigma) = half_cauchy_log_scale(u, 5.0);
        lp += priors.iter().map(|p| p.0).sum::<f64>() + lp_sigma;
        grad[0] = d_mu + priors[0].1;
        grad[1] = d_phi + priors[1].1;
        grad[2] = d_th + priors[2].1;
        grad[3] = -n + inv_var * sum_sq + d_sigma;
        Ok(lp)
    }
}

impl ReferenceModel for Arma11 {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn param_names(&self) -> Vec<String> {
        ["mu", "phi", "theta", "sigma"].map(String::from).to_vec()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend([theta[0], theta[1], theta[2], theta[3].exp()]);
    }
}

impl PosteriordbModel for Arma11 {
    const NAME: &'static str = "arma11-simulated";

    fn load(dir: &Path) -> Result<Self, ReferenceError> {
        let (raw, file): (Raw, _) = read_data(dir, Self::NAME)?;
        file.check_len("y", &raw.y, "T", raw.t)?;
        file.check_finite("y", &raw.y)?;
        if raw.t < 2 {
            return Err(file.invalid("T", format!("{} observations; need at least 2", raw.t)));
        }
        Ok(Arma11 {
            err: vec![0.0; raw.t],
            y: raw.y,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::reference_models::test_support::assert_gradients_ok;

    /// Inside stationarity, around the posterior (mu 1, phi 0.6, theta 0.3, sigma 0.8).
    const CENTER: [f64; 4] = [1.0, 0.5, 0.2, -0.2];
    const SPREAD: [f64; 4] = [0.5, 0.4, 0.4, 0.5];
    /// The start that stuck chains meet: |theta| = 1.9 after 120 periods.
    const EXPLOSIVE: [f64; 4] = [1.5, -1.0, 1.9, -1.0];
    /// The gradient there is at least this large.
    const EXPLOSIVE_GRAD_MIN: f64 = 1e50;

    fn arma() -> Arma11 {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/arma11");
        Arma11::load(&dir).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn gradient_matches_finite_differences() {
        assert_gradients_ok(&mut arma(), &CENTER, &SPREAD);
    }

    #[test]
    fn outside_stationarity_the_gradient_is_astronomical() {
        let mut m = arma();
        let mut g = [0.0; 4];
        let lp = m.logp_grad(&EXPLOSIVE, &mut g).unwrap();
        let norm = g.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!(
            lp.is_finite() && norm.is_finite() && norm > EXPLOSIVE_GRAD_MIN,
            "{lp} {norm}"
        );
    }
}
