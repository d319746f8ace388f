//! kilpisjarvi_mod-kilpisjarvi: summer temperature trend with informative priors, whose
//! intercept and slope are almost perfectly correlated.

use std::path::Path;

use serde::Deserialize;

use super::data::{ReferenceError, read_data};
use super::regression::GaussianRegression;
use super::support::normal_prior;
use super::{PosteriordbModel, ReferenceModel};
use crate::sampler::{LogDensity, LogpError};

/// `y_i ~ N(alpha + beta x_i, sigma)`, `alpha ~ N(pmualpha, psalpha)`,
/// `beta ~ N(pmubeta, psbeta)` (all four from the data file), flat `sigma > 0`.
/// Unconstrained coordinates: `alpha`, `beta`, `log sigma`.
#[derive(Debug, Clone)]
pub struct Kilpisjarvi {
    reg: GaussianRegression,
    /// Prior (mean, sd) of alpha and of beta.
    priors: [(f64, f64); 2],
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "N")]
    n: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    pmualpha: f64,
    psalpha: f64,
    pmubeta: f64,
    psbeta: f64,
}

impl LogDensity for Kilpisjarvi {
    fn dim(&self) -> usize {
        3
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let (mut lp, d_u) = self.reg.loglik_grad(&theta[..2], theta[2], &mut grad[..2]);
        for i in 0..2 {
            let (mean, sd) = self.priors[i];
            let (lp_c, g_c) = normal_prior(theta[i], mean, sd);
            lp += lp_c;
            grad[i] += g_c;
        }
        // Flat prior on sigma: only the Jacobian u of sigma = exp(u).
        grad[2] = d_u + 1.0;
        Ok(lp + theta[2])
    }
}

impl ReferenceModel for Kilpisjarvi {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn param_names(&self) -> Vec<String> {
        ["alpha", "beta", "sigma"].map(String::from).to_vec()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend([theta[0], theta[1], theta[2].exp()]);
    }
}

impl PosteriordbModel for Kilpisjarvi {
    const NAME: &'static str = "kilpisjarvi_mod-kilpisjarvi";

    fn load(dir: &Path) -> Result<Self, ReferenceError> {
        let (raw, file): (Raw, _) = read_data(dir, Self::NAME)?;
        file.check_len("x", &raw.x, "N", raw.n)?;
        file.check_len("y", &raw.y, "N", raw.n)?;
        file.check_finite("x", &raw.x)?;
        file.check_finite("y", &raw.y)?;
        file.check_finite("pmualpha", &[raw.pmualpha])?;
        file.check_finite("pmubeta", &[raw.pmubeta])?;
        file.check_positive("psalpha", &[raw.psalpha])?;
        file.check_positive("psbeta", &[raw.psbeta])?;
        let x = raw.x.iter().flat_map(|x| [1.0, *x]).collect();
        Ok(Kilpisjarvi {
            reg: GaussianRegression::new(x, raw.y, 2),
            priors: [(raw.pmualpha, raw.psalpha), (raw.pmubeta, raw.psbeta)],
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

    /// Independent spreads put most points far off the alpha-beta ridge, where the density is
    /// steep: the gradient must hold there too.
    const CENTER: [f64; 3] = [-60.7, 0.0176, 0.12];
    const SPREAD: [f64; 3] = [30.0, 0.0075, 0.5];

    #[test]
    fn names_match_reference() {
        assert_names_match_reference(&load::<Kilpisjarvi>());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        assert_gradients_ok(&mut load::<Kilpisjarvi>(), &CENTER, &SPREAD);
    }

    #[test]
    fn matches_independent_density() {
        let (raw, _): (Raw, _) = read_data(&posteriordb_dir(), Kilpisjarvi::NAME).unwrap();
        let constrain = |t: &[f64]| vec![t[0], t[1], t[2].exp()];
        let logp = |t: &[f64]| {
            let sigma = t[2].exp();
            let mut lp = t[2];
            lp += Normal::new(raw.pmualpha, raw.psalpha).unwrap().ln_pdf(t[0]);
            lp += Normal::new(raw.pmubeta, raw.psbeta).unwrap().ln_pdf(t[1]);
            for (x, y) in raw.x.iter().zip(&raw.y) {
                lp += Normal::new(t[0] + t[1] * x, sigma).unwrap().ln_pdf(*y);
            }
            lp
        };
        assert_matches_independent(
            &mut load::<Kilpisjarvi>(),
            &CENTER,
            &SPREAD,
            constrain,
            logp,
        );
    }
}
