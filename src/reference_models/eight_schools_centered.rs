//! eight_schools-eight_schools_centered: the same posterior as the non-centered form, sampled
//! directly in `theta` (a funnel: expect divergences).

use std::path::Path;

use super::data::ReferenceError;
use super::eight_schools_noncentered::{MU_SD, Schools, TAU_SCALE};
use super::support::{half_cauchy_log_scale, normal_prior};
use super::{PosteriordbModel, ReferenceModel};
use crate::sampler::{LogDensity, LogpError};

/// Centered eight schools. Unconstrained coordinates: `theta[1..J]`, `mu`, `log tau`.
///
/// `mu ~ N(0, 5)`, `tau ~ half-Cauchy(0, 5)`, `theta_j ~ N(mu, tau)`, `y_j ~ N(theta_j,
/// sigma_j)`.
#[derive(Debug, Clone)]
pub struct EightSchoolsCentered {
    schools: Schools,
}

impl LogDensity for EightSchoolsCentered {
    fn dim(&self) -> usize {
        self.schools.y.len() + 2
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let j = self.schools.y.len();
        let (mu, u) = (theta[j], theta[j + 1]);
        let inv_tau2 = (-2.0 * u).exp();
        // `theta_j ~ N(mu, tau)` contributes -log tau = -u per school.
        let mut lp = -(j as f64) * u;
        let (mut d_mu, mut sum_z2) = (0.0, 0.0);
        for k in 0..j {
            let th = theta[k];
            let (y, s) = (self.schools.y[k], self.schools.sigma[k]);
            let dev = th - mu;
            let z2 = dev * dev * inv_tau2;
            let r = (y - th) / (s * s);
            lp -= 0.5 * (z2 + (y - th) * r);
            grad[k] = -dev * inv_tau2 + r;
            d_mu += dev * inv_tau2;
            sum_z2 += z2;
        }
        let (lp_mu, g_mu) = normal_prior(mu, 0.0, MU_SD);
        let (lp_tau, g_u) = half_cauchy_log_scale(u, TAU_SCALE);
        grad[j] = d_mu + g_mu;
        grad[j + 1] = sum_z2 - j as f64 + g_u;
        Ok(lp + lp_mu + lp_tau)
    }
}

impl ReferenceModel for EightSchoolsCentered {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn param_names(&self) -> Vec<String> {
        self.schools.param_names()
    }

    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        let j = self.schools.y.len();
        out.clear();
        out.extend_from_slice(&theta[..=j]);
        out.push(theta[j + 1].exp());
    }
}

impl PosteriordbModel for EightSchoolsCentered {
    const NAME: &'static str = "eight_schools-eight_schools_centered";

    fn load(dir: &Path) -> Result<Self, ReferenceError> {
        Ok(EightSchoolsCentered {
            schools: Schools::load(dir, Self::NAME)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_models::EightSchoolsNoncentered;
    use crate::reference_models::test_support::{
        assert_gradients_ok, assert_matches_independent, assert_names_match_reference, load,
        random_points,
    };
    use statrs::distribution::{Cauchy, Continuous, Normal};

    /// Agreement of the two parameterisations' log densities, relative to their size.
    const SAME_POSTERIOR_TOL: f64 = 1e-12;

    fn center() -> Vec<f64> {
        let mut c = vec![4.4; 10];
        c[9] = 3.6_f64.ln();
        c
    }

    const SPREAD: [f64; 10] = [8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 2.0];

    #[test]
    fn names_match_reference() {
        assert_names_match_reference(&load::<EightSchoolsCentered>());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        assert_gradients_ok(&mut load::<EightSchoolsCentered>(), &center(), &SPREAD);
    }

    #[test]
    fn matches_independent_density() {
        let m: EightSchoolsCentered = load();
        let data = m.schools.clone();
        let constrain = |t: &[f64]| {
            let mut c = t[..9].to_vec();
            c.push(t[9].exp());
            c
        };
        let logp = |t: &[f64]| {
            let (mu, tau) = (t[8], t[9].exp());
            let prior = Normal::new(mu, tau).unwrap();
            let mut lp = 0.0;
            for ((th, y), s) in t[..8].iter().zip(&data.y).zip(&data.sigma) {
                lp += prior.ln_pdf(*th);
                lp += Normal::new(*th, *s).unwrap().ln_pdf(*y);
            }
            lp += Normal::new(0.0, 5.0).unwrap().ln_pdf(mu);
            lp += Cauchy::new(0.0, 5.0).unwrap().ln_pdf(tau) + t[9];
            lp
        };
        assert_matches_independent(
            &mut load::<EightSchoolsCentered>(),
            &center(),
            &SPREAD,
            constrain,
            logp,
        );
    }

    /// Both forms are one posterior over (theta, mu, tau): the non-centered density carries the
    /// extra Jacobian tau^J of theta = mu + tau * theta_trans.
    #[test]
    fn same_posterior_as_noncentered() {
        let mut centered: EightSchoolsCentered = load();
        let mut noncentered: EightSchoolsNoncentered = load();
        let mut g = vec![0.0; 10];
        let mut diffs = Vec::new();
        for t in random_points(&center(), &SPREAD) {
            let tau = t[9].exp();
            let mut nc = t.clone();
            for k in 0..8 {
                nc[k] = (t[k] - t[8]) / tau;
            }
            let lc = centered.logp_grad(&t, &mut g).unwrap();
            let lnc = noncentered.logp_grad(&nc, &mut g).unwrap() - 8.0 * t[9];
            diffs.push((lc - lnc, lc.abs()));
        }
        for (d, scale) in &diffs {
            approx::assert_abs_diff_eq!(
                *d,
                diffs[0].0,
                epsilon = SAME_POSTERIOR_TOL * (1.0 + scale)
            );
        }
    }
}
