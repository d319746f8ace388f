//! Observation models on the scaled target with their derivatives: normal, Student-t, and
//! log-normal (a normal on log y, the multiplicative model).

use statrs::function::gamma::{digamma, ln_gamma};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// The observation family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// y ~ Normal(mu, sigma).
    Normal,
    /// y ~ StudentT(nu, mu, sigma).
    StudentT,
    /// log y ~ Normal(mu, sigma): effects multiply the outcome.
    LogNormal,
}

/// Log-likelihood and derivatives of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LikGrad {
    /// Log-likelihood summed over observations (normalising constants included).
    pub value: f64,
    /// Derivative w.r.t. sigma.
    pub d_sigma: f64,
    /// Derivative w.r.t. nu (0 unless Student-t).
    pub d_nu: f64,
}

/// The log-likelihood of `obs` given location `mu`, writing d/d mu_t into `d_mu`.
///
/// For [`Family::LogNormal`], `obs` must already hold log y and `log_jacobian` the constant
/// -Σ log y; for the other families pass 0.
#[inline(always)]
pub fn log_lik(
    family: Family,
    obs: &[f64],
    mu: &[f64],
    sigma: f64,
    nu: f64,
    log_jacobian: f64,
    d_mu: &mut [f64],
) -> LikGrad {
    match family {
        Family::Normal | Family::LogNormal => {
            let mut out = normal(obs, mu, sigma, d_mu);
            out.value += log_jacobian;
            out
        }
        Family::StudentT => student_t(obs, mu, sigma, nu, d_mu),
    }
}

#[inline(always)]
fn normal(obs: &[f64], mu: &[f64], sigma: f64, d_mu: &mut [f64]) -> LikGrad {
    let inv_var = 1.0 / (sigma * sigma);
    let mut ss = 0.0;
    for ((d, y), m) in d_mu.iter_mut().zip(obs).zip(mu) {
        let r = y - m;
        ss += r * r;
        *d = r * inv_var;
    }
    let n = obs.len() as f64;
    LikGrad {
        value: -0.5 * n * LN_2PI - n * sigma.ln() - 0.5 * ss * inv_var,
        d_sigma: -n / sigma + ss * inv_var / sigma,
        d_nu: 0.0,
    }
}

#[inline(always)]
fn student_t(obs: &[f64], mu: &[f64], sigma: f64, nu: f64, d_mu: &mut [f64]) -> LikGrad {
    let n = obs.len() as f64;
    let s2 = sigma * sigma;
    let mut sum_log = 0.0;
    let mut sum_frac = 0.0; // Σ r² / (nu s² + r²)
    for ((d, y), m) in d_mu.iter_mut().zip(obs).zip(mu) {
        let r = y - m;
        let denom = nu * s2 + r * r;
        sum_log += (r * r / (nu * s2)).ln_1p();
        sum_frac += r * r / denom;
        *d = (nu + 1.0) * r / denom;
    }
    let half = 0.5 * (nu + 1.0);
    let constant =
        ln_gamma(half) - ln_gamma(0.5 * nu) - 0.5 * (nu * std::f64::consts::PI).ln() - sigma.ln();
    let d_const_nu = 0.5 * digamma(half) - 0.5 * digamma(0.5 * nu) - 0.5 / nu;
    LikGrad {
        value: n * constant - half * sum_log,
        d_sigma: -n / sigma + (nu + 1.0) * sum_frac / sigma,
        d_nu: n * d_const_nu - 0.5 * sum_log + half * sum_frac / nu,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{Continuous, Normal, StudentsT};

    const VALUE_TOL: f64 = 1e-9;
    const FD_STEP: f64 = 1e-6;
    const FD_TOL: f64 = 1e-5;

    const OBS: [f64; 4] = [0.3, -1.2, 2.5, 0.9];
    const MU: [f64; 4] = [0.1, -0.5, 1.5, 1.4];

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
    }

    #[test]
    fn values_match_statrs_densities() {
        let mut d = [0.0; 4];
        let got = log_lik(Family::Normal, &OBS, &MU, 0.7, 0.0, 0.0, &mut d).value;
        let want: f64 = OBS
            .iter()
            .zip(&MU)
            .map(|(y, m)| Normal::new(*m, 0.7).unwrap().ln_pdf(*y))
            .sum();
        assert!(close(got, want, VALUE_TOL));
        let got = log_lik(Family::StudentT, &OBS, &MU, 0.7, 3.5, 0.0, &mut d).value;
        let want: f64 = OBS
            .iter()
            .zip(&MU)
            .map(|(y, m)| StudentsT::new(*m, 0.7, 3.5).unwrap().ln_pdf(*y))
            .sum();
        assert!(close(got, want, VALUE_TOL));
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for family in [Family::Normal, Family::StudentT, Family::LogNormal] {
            let (sigma, nu) = (0.8, 4.0);
            let mut d = [0.0; 4];
            let g = log_lik(family, &OBS, &MU, sigma, nu, 0.0, &mut d);
            let f = |mu: &[f64], s: f64, n: f64| {
                let mut scratch = [0.0; 4];
                log_lik(family, &OBS, mu, s, n, 0.0, &mut scratch).value
            };
            let fd_s =
                (f(&MU, sigma + FD_STEP, nu) - f(&MU, sigma - FD_STEP, nu)) / (2.0 * FD_STEP);
            assert!(close(g.d_sigma, fd_s, FD_TOL), "{family:?} sigma");
            let fd_n =
                (f(&MU, sigma, nu + FD_STEP) - f(&MU, sigma, nu - FD_STEP)) / (2.0 * FD_STEP);
            assert!(close(g.d_nu, fd_n, FD_TOL), "{family:?} nu");
            for t in 0..4 {
                let (mut up, mut dn) = (MU, MU);
                up[t] += FD_STEP;
                dn[t] -= FD_STEP;
                let fd = (f(&up, sigma, nu) - f(&dn, sigma, nu)) / (2.0 * FD_STEP);
                assert!(close(d[t], fd, FD_TOL), "{family:?} mu[{t}]");
            }
        }
    }
}
