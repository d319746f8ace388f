//! low_dim_gauss_mix-low_dim_gauss_mix: a two-component normal mixture with ordered means.

use std::path::Path;

use serde::Deserialize;

use super::data::{ReferenceError, read_data};
use super::support::{half_normal_log_scale, log_logistic, logistic, normal_prior};
use super::{PosteriordbModel, ReferenceModel};
use crate::sampler::{LogDensity, LogpError};

/// Prior sd of both means (normal, mean 0).
const MU_SD: f64 = 2.0;
/// Scale of the half-normal priors on both sds.
const SIGMA_SCALE: f64 = 2.0;
/// Beta(a, b) prior on the mixing weight.
const THETA_A: f64 = 5.0;
const THETA_B: f64 = 5.0;

/// `y_n ~ theta N(mu1, sigma1) + (1 - theta) N(mu2, sigma2)`, `mu1 < mu2 ~ N(0, 2)`,
/// `sigma_k ~ half-N(0, 2)`, `theta ~ Beta(5, 5)`.
///
/// Unconstrained coordinates: `mu1`, `log(mu2 - mu1)`, `log sigma1`, `log sigma2`,
/// `logit theta`. Each point's log-likelihood is a log-sum-exp of the two components.
#[derive(Debug, Clone)]
pub struct LowDimGaussMix {
    y: Vec<f64>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "N")]
    n: usize,
    y: Vec<f64>,
}

/// Sums over the data of the log-likelihood and its partial derivatives.
#[derive(Default)]
struct Sums {
    lp: f64,
    mu: [f64; 2],
    log_sigma: [f64; 2],
    weight1: f64,
}

impl LowDimGaussMix {
    /// Likelihood terms at means `mu`, log-sds `s`, log weights `log_w`.
    fn likelihood(&self, mu: [f64; 2], s: [f64; 2], log_w: [f64; 2]) -> Sums {
        let inv = [(-s[0]).exp(), (-s[1]).exp()];
        let c = [log_w[0] - s[0], log_w[1] - s[1]];
        let mut sums = Sums::default();
        for y in &self.y {
            let z = [(y - mu[0]) * inv[0], (y - mu[1]) * inv[1]];
            let a = c[0] - 0.5 * z[0] * z[0];
            let b = c[1] - 0.5 * z[1] * z[1];
            // log(e^a + e^b) = max + log1p(e^-|a-b|); responsibilities from the same exp.
            let e = (-(a - b).abs()).exp();
            let (w1, w2) = if a >= b {
                (1.0 / (1.0 + e), e / (1.0 + e))
            } else {
                (e / (1.0 + e), 1.0 / (1.0 + e))
            };
            sums.lp += a.max(b) + e.ln_1p();
            sums.mu[0] += w1 * z[0] * inv[0];
            sums.mu[1] += w2 * z[1] * inv[1];
            sums.log_sigma[0] += w1 * (z[0] * z[0] - 1.0);
            sums.log_sigma[1] += w2 * (z[1] * z[1] - 1.0);
            sums.weight1 += w1;
        }
        sums
    }
}

impl LogDensity for LowDimGaussMix {
    fn dim(&self) -> usize {
        5
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let gap = theta[1].exp();
        let mu = [theta[0], theta[0] + gap];
        let s = [theta[2], theta[3]];
        let v = theta[4];
        let (w, w_c) = (logistic(v), logistic(-v));
        let sums = self.likelihood(mu, s, [log_logistic(v), log_logistic(-v)]);

        let mut lp = sums.lp;
        let mut g_mu = sums.mu;
        for k in 0..2 {
            let (lp_mu, d_mu) = normal_prior(mu[k], 0.0, MU_SD);
            let (lp_s, d_s) = half_normal_log_scale(s[k], SIGMA_SCALE);
            lp += lp_mu + lp_s;
            g_mu[k] += d_mu;
            grad[2 + k] = sums.log_sigma[k] + d_s;
        }
        // mu2 = mu1 + exp(u2): Jacobian u2.
        lp += theta[1];
        grad[0] = g_mu[0] + g_mu[1];
        grad[1] = g_mu[1] * gap + 1.0;
        // Beta(a, b) prior plus the logit Jacobian: a log theta + b log(1 - theta).
        lp += THETA_A * log_logistic(v) + THETA_B * log_logistic(-v);
        let n = self.y.len() as f64;
        grad[4] = (sums.weight1 - n * w) + THETA_A * w_c - THETA_B * w;
        Ok(lp)
    }
}

impl ReferenceModel for LowDimGaussMix {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn param_names(&self) -> Vec<String> {
        ["mu[1]", "mu[2]", "sigma[1]", "sigma[2]", "theta"]
            .map(String::from)
            .to_vec()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend([
            theta[0],
            theta[0] + theta[1].exp(),
            theta[2].exp(),
            theta[3].exp(),
            logistic(theta[4]),
        ]);
    }
}

impl PosteriordbModel for LowDimGaussMix {
    const NAME: &'static str = "low_dim_gauss_mix-low_dim_gauss_mix";

    fn load(dir: &Path) -> Result<Self, ReferenceError> {
        let (raw, file): (Raw, _) = read_data(dir, Self::NAME)?;
        file.check_len("y", &raw.y, "N", raw.n)?;
        file.check_finite("y", &raw.y)?;
        Ok(LowDimGaussMix { y: raw.y })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_models::test_support::{
        assert_gradients_ok, assert_matches_independent, assert_names_match_reference, load,
    };
    use statrs::distribution::{Beta, Continuous, Normal};

    const CENTER: [f64; 5] = [-2.73, 1.72, 0.03, 0.02, 0.5];
    const SPREAD: [f64; 5] = [0.5, 0.3, 0.4, 0.4, 0.8];

    #[test]
    fn names_match_reference() {
        assert_names_match_reference(&load::<LowDimGaussMix>());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        assert_gradients_ok(&mut load::<LowDimGaussMix>(), &CENTER, &SPREAD);
    }

    #[test]
    fn matches_independent_density() {
        let m: LowDimGaussMix = load();
        let y = m.y.clone();
        let constrain = |t: &[f64]| {
            let theta = 1.0 / (1.0 + (-t[4]).exp());
            vec![t[0], t[0] + t[1].exp(), t[2].exp(), t[3].exp(), theta]
        };
        let logp = |t: &[f64]| {
            let c = constrain(t);
            let (n1, n2) = (
                Normal::new(c[0], c[2]).unwrap(),
                Normal::new(c[1], c[3]).unwrap(),
            );
            let prior = Normal::new(0.0, 2.0).unwrap();
            let th = c[4];
            let mut lp =
                prior.ln_pdf(c[0]) + prior.ln_pdf(c[1]) + prior.ln_pdf(c[2]) + prior.ln_pdf(c[3]);
            lp += Beta::new(THETA_A, THETA_B).unwrap().ln_pdf(th);
            // Jacobians: ordered gap, two log-sds, logit.
            lp += t[1] + t[2] + t[3] + (th * (1.0 - th)).ln();
            lp += y
                .iter()
                .map(|y| (th * n1.pdf(*y) + (1.0 - th) * n2.pdf(*y)).ln())
                .sum::<f64>();
            lp
        };
        assert_matches_independent(
            &mut load::<LowDimGaussMix>(),
            &CENTER,
            &SPREAD,
            constrain,
            logp,
        );
    }

    /// With tiny sds almost every point is far from both means; a naive log of the mixture
    /// density would underflow to -inf there.
    #[test]
    fn log_sum_exp_keeps_far_tails_finite() {
        let mut m: LowDimGaussMix = load();
        let mut g = [0.0; 5];
        let lp = m.logp_grad(&[-2.7, 1.7, -6.0, -6.0, 3.0], &mut g).unwrap();
        assert!(
            lp.is_finite() && g.iter().all(|v| v.is_finite()),
            "{lp} {g:?}"
        );
        assert_gradients_ok(
            &mut m,
            &[-2.7, 1.7, -4.0, -4.0, 3.0],
            &[0.1, 0.1, 0.1, 0.1, 0.1],
        );
    }
}
