//! garch-garch11: a GARCH(1,1) volatility model; the gradient runs an adjoint backwards through
//! the variance recursion.

use std::path::Path;

use serde::Deserialize;

use super::data::{ReferenceError, read_data};
use super::support::{log_logistic, logistic};
use super::{PosteriordbModel, ReferenceModel};
use crate::sampler::{LogDensity, LogpError};

/// `y_t ~ N(mu, sigma_t)` for `t = 1..T`, `sigma_1 = sigma1` (data) and
/// `sigma_t^2 = alpha0 + alpha1 (y_{t-1} - mu)^2 + beta1 sigma_{t-1}^2`; flat priors on
/// `mu`, `alpha0 > 0`, `alpha1 in (0, 1)`, `beta1 in (0, 1 - alpha1)`.
///
/// Unconstrained coordinates: `mu`, `log alpha0`, `logit alpha1`, and `v` with
/// `beta1 = (1 - alpha1) logistic(v)`.
#[derive(Debug, Clone)]
pub struct Garch11 {
    y: Vec<f64>,
    /// Variance at t = 1 (`sigma1^2`).
    h1: f64,
    /// Scratch: the variances `h_t = sigma_t^2` of the forward pass.
    h: Vec<f64>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "T")]
    t: usize,
    y: Vec<f64>,
    sigma1: f64,
}

/// The constrained parameters and the pieces of the transform the gradient needs.
struct Params {
    mu: f64,
    alpha0: f64,
    alpha1: f64,
    /// `1 - alpha1`, computed without cancellation.
    alpha1_c: f64,
    beta1: f64,
    /// `logistic(v)` and `1 - logistic(v)`.
    l: f64,
    l_c: f64,
}

impl Params {
    fn new(theta: &[f64]) -> Self {
        let (alpha1, alpha1_c) = (logistic(theta[2]), logistic(-theta[2]));
        let (l, l_c) = (logistic(theta[3]), logistic(-theta[3]));
        Params {
            mu: theta[0],
            alpha0: theta[1].exp(),
            alpha1,
            alpha1_c,
            beta1: alpha1_c * l,
            l,
            l_c,
        }
    }
}

impl LogDensity for Garch11 {
    fn dim(&self) -> usize {
        4
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let p = Params::new(theta);
        let (y, h) = (&self.y, &mut self.h);

        // Forward: h_t and the log likelihood sum_t -log(h_t)/2 - e_t^2 / (2 h_t).
        h[0] = self.h1;
        for t in 1..y.len() {
            let e = y[t - 1] - p.mu;
            h[t] = p.alpha0 + p.alpha1 * e * e + p.beta1 * h[t - 1];
        }
        let mut lp = 0.0;
        let mut d_mu = 0.0;
        for (yt, ht) in y.iter().zip(h.iter()) {
            let e = yt - p.mu;
            lp -= 0.5 * (ht.ln() + e * e / ht);
            d_mu += e / ht;
        }

        // Backward: lambda_t = dL/dh_t in total = direct part + beta1 * lambda_{t+1}.
        // h_1 is data, so only t >= 2 feeds the parameters.
        let (mut d_a0, mut d_a1, mut d_b1) = (0.0, 0.0, 0.0);
        let mut lambda = 0.0;
        for t in (1..y.len()).rev() {
            let e = y[t] - p.mu;
            lambda = 0.5 * (e * e / h[t] - 1.0) / h[t] + p.beta1 * lambda;
            let e_prev = y[t - 1] - p.mu;
            d_a0 += lambda;
            d_a1 += lambda * e_prev * e_prev;
            d_b1 += lambda * h[t - 1];
            d_mu -= 2.0 * p.alpha1 * lambda * e_prev;
        }

        // Chain rule through the transforms, plus the log-Jacobian
        // u + log alpha1 + 2 log(1 - alpha1) + log l + log(1 - l).
        let da1_dw = p.alpha1 * p.alpha1_c;
        grad[0] = d_mu;
        grad[1] = d_a0 * p.alpha0 + 1.0;
        grad[2] = (d_a1 - d_b1 * p.l) * da1_dw + p.alpha1_c - 2.0 * p.alpha1;
        grad[3] = d_b1 * p.alpha1_c * p.l * p.l_c + p.l_c - p.l;
        lp += theta[1]
            + log_logistic(theta[2])
            + 2.0 * log_logistic(-theta[2])
            + log_logistic(theta[3])
            + log_logistic(-theta[3]);
        Ok(lp)
    }
}

impl ReferenceModel for Garch11 {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn param_names(&self) -> Vec<String> {
        ["mu", "alpha0", "alpha1", "beta1"]
            .map(String::from)
            .to_vec()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        let p = Params::new(theta);
        out.clear();
        out.extend([p.mu, p.alpha0, p.alpha1, p.beta1]);
    }
}

impl PosteriordbModel for Garch11 {
    const NAME: &'static str = "garch-garch11";

    fn load(dir: &Path) -> Result<Self, ReferenceError> {
        let (raw, file): (Raw, _) = read_data(dir, Self::NAME)?;
        file.check_len("y", &raw.y, "T", raw.t)?;
        file.check_finite("y", &raw.y)?;
        file.check_positive("sigma1", &[raw.sigma1])?;
        if raw.t < 2 {
            return Err(file.invalid("T", format!("{} observations; need at least 2", raw.t)));
        }
        Ok(Garch11 {
            h: vec![0.0; raw.t],
            h1: raw.sigma1 * raw.sigma1,
            y: raw.y,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_models::test_support::{
        assert_gradients_ok, assert_matches_independent, assert_names_match_reference, load,
    };
    use statrs::distribution::{Continuous, Normal};

    /// Around the posterior: mu 5.05, alpha0 1.47, alpha1 0.57, beta1 0.29 (l = 0.68).
    const CENTER: [f64; 4] = [5.05, 0.39, 0.27, 0.75];
    const SPREAD: [f64; 4] = [0.5, 1.0, 1.5, 1.5];

    #[test]
    fn names_match_reference() {
        assert_names_match_reference(&load::<Garch11>());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        assert_gradients_ok(&mut load::<Garch11>(), &CENTER, &SPREAD);
    }

    #[test]
    fn matches_independent_density() {
        let m: Garch11 = load();
        let (y, sigma1) = (m.y.clone(), m.h1.sqrt());
        let constrain = |t: &[f64]| {
            let alpha1 = 1.0 / (1.0 + (-t[2]).exp());
            let beta1 = (1.0 - alpha1) / (1.0 + (-t[3]).exp());
            vec![t[0], t[1].exp(), alpha1, beta1]
        };
        let logp = |t: &[f64]| {
            let c = constrain(t);
            let (mu, a0, a1, b1) = (c[0], c[1], c[2], c[3]);
            let l = b1 / (1.0 - a1);
            let mut lp = t[1] + (a1 * (1.0 - a1)).ln() + (1.0 - a1).ln() + (l * (1.0 - l)).ln();
            let mut sigma = sigma1;
            for (i, yt) in y.iter().enumerate() {
                if i > 0 {
                    let e = y[i - 1] - mu;
                    sigma = (a0 + a1 * e * e + b1 * sigma * sigma).sqrt();
                }
                lp += Normal::new(mu, sigma).unwrap().ln_pdf(*yt);
            }
            lp
        };
        assert_matches_independent(&mut load::<Garch11>(), &CENTER, &SPREAD, constrain, logp);
    }

    /// Near the corner alpha1 + beta1 -> 1 the transforms saturate; value and gradient must
    /// stay finite.
    #[test]
    fn extreme_transforms_stay_finite() {
        let mut m: Garch11 = load();
        let mut g = [0.0; 4];
        for t in [[5.0, -8.0, 12.0, 12.0], [5.0, 6.0, -12.0, -12.0]] {
            let lp = m.logp_grad(&t, &mut g).unwrap();
            assert!(
                lp.is_finite() && g.iter().all(|v| v.is_finite()),
                "{t:?}: {lp} {g:?}"
            );
        }
    }
}
