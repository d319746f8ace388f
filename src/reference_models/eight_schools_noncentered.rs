//! eight_schools-eight_schools_noncentered: the hierarchical eight-schools model with
//! `theta = mu + tau * theta_trans`.

use std::path::Path;

use serde::Deserialize;

use super::data::{ReferenceError, read_data};
use super::support::{half_cauchy_log_scale, normal_prior};
use super::{PosteriordbModel, ReferenceModel, indexed};
use crate::sampler::{LogDensity, LogpError};

/// Prior sd of `mu` (normal, mean 0).
pub(super) const MU_SD: f64 = 5.0;
/// Scale of the half-Cauchy prior on `tau`.
pub(super) const TAU_SCALE: f64 = 5.0;

/// The schools' estimates and standard errors, shared by both parameterisations.
#[derive(Debug, Clone)]
pub(super) struct Schools {
    pub y: Vec<f64>,
    pub sigma: Vec<f64>,
}

#[derive(Deserialize)]
struct RawSchools {
    #[serde(rename = "J")]
    j: usize,
    y: Vec<f64>,
    sigma: Vec<f64>,
}

impl Schools {
    /// Read and check `<name>.data.json`.
    pub fn load(dir: &Path, name: &str) -> Result<Self, ReferenceError> {
        let (raw, file): (RawSchools, _) = read_data(dir, name)?;
        file.check_len("y", &raw.y, "J", raw.j)?;
        file.check_len("sigma", &raw.sigma, "J", raw.j)?;
        file.check_finite("y", &raw.y)?;
        file.check_positive("sigma", &raw.sigma)?;
        Ok(Schools {
            y: raw.y,
            sigma: raw.sigma,
        })
    }

    /// Names `theta[1..J]`, `mu`, `tau`.
    pub fn param_names(&self) -> Vec<String> {
        let mut names: Vec<String> = indexed("theta", self.y.len()).collect();
        names.extend(["mu".to_string(), "tau".to_string()]);
        names
    }
}

/// Non-centered eight schools. Unconstrained coordinates: `theta_trans[1..J]`, `mu`,
/// `log tau`.
///
/// `theta_trans ~ N(0, 1)`, `mu ~ N(0, 5)`, `tau ~ half-Cauchy(0, 5)`,
/// `y_j ~ N(mu + tau * theta_trans_j, sigma_j)`.
#[derive(Debug, Clone)]
pub struct EightSchoolsNoncentered {
    schools: Schools,
}

impl LogDensity for EightSchoolsNoncentered {
    fn dim(&self) -> usize {
        self.schools.y.len() + 2
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let j = self.schools.y.len();
        let (mu, u) = (theta[j], theta[j + 1]);
        let tau = u.exp();
        let mut lp = 0.0;
        let (mut d_mu, mut d_tau) = (0.0, 0.0);
        for k in 0..j {
            let tt = theta[k];
            let (y, s) = (self.schools.y[k], self.schools.sigma[k]);
            let resid = y - (mu + tau * tt);
            let r = resid / (s * s);
            lp -= 0.5 * (tt * tt + resid * r);
            grad[k] = -tt + tau * r;
            d_mu += r;
            d_tau += r * tt;
        }
        let (lp_mu, g_mu) = normal_prior(mu, 0.0, MU_SD);
        let (lp_tau, g_u) = half_cauchy_log_scale(u, TAU_SCALE);
        grad[j] = d_mu + g_mu;
        grad[j + 1] = tau * d_tau + g_u;
        Ok(lp + lp_mu + lp_tau)
    }
}

impl ReferenceModel for EightSchoolsNoncentered {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn param_names(&self) -> Vec<String> {
        self.schools.param_names()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        let j = self.schools.y.len();
        let (mu, tau) = (theta[j], theta[j + 1].exp());
        out.clear();
        out.extend(theta[..j].iter().map(|tt| mu + tau * tt));
        out.extend([mu, tau]);
    }
}

impl PosteriordbModel for EightSchoolsNoncentered {
    const NAME: &'static str = "eight_schools-eight_schools_noncentered";

    fn load(dir: &Path) -> Result<Self, ReferenceError> {
        Ok(EightSchoolsNoncentered {
            schools: Schools::load(dir, Self::NAME)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_models::test_support::{
        assert_gradients_ok, assert_matches_independent, assert_names_match_reference, load,
    };
    use statrs::distribution::{Cauchy, Continuous, Normal};

    fn center() -> Vec<f64> {
        let mut c = vec![0.0; 10];
        c[8] = 4.4;
        c[9] = 3.6_f64.ln();
        c
    }

    const SPREAD: [f64; 10] = [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 8.0, 2.0];

    #[test]
    fn names_match_reference() {
        let m: EightSchoolsNoncentered = load();
        assert_eq!(m.dim(), 10);
        assert_names_match_reference(&m);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        assert_gradients_ok(&mut load::<EightSchoolsNoncentered>(), &center(), &SPREAD);
    }

    #[test]
    fn matches_independent_density() {
        let m: EightSchoolsNoncentered = load();
        let data = m.schools.clone();
        let constrain = |t: &[f64]| {
            let tau = t[9].exp();
            let mut c: Vec<f64> = (0..8).map(|k| t[8] + tau * t[k]).collect();
            c.extend([t[8], tau]);
            c
        };
        let logp = |t: &[f64]| {
            let c = constrain(t);
            let std = Normal::new(0.0, 1.0).unwrap();
            let mut lp = 0.0;
            for k in 0..8 {
                lp += std.ln_pdf(t[k]);
                lp += Normal::new(c[k], data.sigma[k]).unwrap().ln_pdf(data.y[k]);
            }
            lp += Normal::new(0.0, 5.0).unwrap().ln_pdf(c[8]);
            lp += Cauchy::new(0.0, 5.0).unwrap().ln_pdf(c[9]) + t[9];
            lp
        };
        assert_matches_independent(
            &mut load::<EightSchoolsNoncentered>(),
            &center(),
            &SPREAD,
            constrain,
            logp,
        );
    }
}
