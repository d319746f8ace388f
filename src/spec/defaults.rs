//! The default prior of every model parameter, used wherever a model file names none.
//!
//! Priors are stated on the scaled space (target and spend divided by their maximum), so the
//! same defaults fit any currency or volume. Where PyMC-Marketing has a default we take it, so
//! its canonical example and ours are the same model.
//!
//! | parameter | default | source |
//! |---|---|---|
//! | `alpha` (geometric, delayed) | beta(alpha = 1, beta = 3) | PyMC-Marketing |
//! | `theta` (delayed) | uniform(lower = 0, upper = max_lag − 1) | the whole allowed range (PyMC: half_normal(1), unbounded) |
//! | `shape` (weibull) | gamma(shape = 2, rate = 1) | mean 2, kept away from 0 where the pdf's first lag blows up |
//! | `scale` (weibull) | gamma(shape = 2, rate = 0.5) | mean 4 periods |
//! | `lam` (logistic) | gamma(shape = 3, rate = 1) | PyMC-Marketing |
//! | `k` (hill) | gamma(shape = 3, rate = 4) | ours: 90% in (0.20, 1.57), see below |
//! | `s` (hill) | gamma(shape = 50, rate = 50) | ours: 90% in (0.78, 1.24), near Meridian's fixed slope 1, see below |
//! | `beta` (channel) | half_normal(sigma = 2) | PyMC-Marketing |
//! | `gamma` (control) | normal(mu = 0, sigma = 2) | PyMC-Marketing |
//! | `fourier` | laplace(mu = 0, b = 1) | PyMC-Marketing |
//! | `intercept` | normal(mu = 0, sigma = 2) | PyMC-Marketing |
//! | `trend` (linear) | normal(mu = 0, sigma = 1) | ours: δ is the change over the whole data in units of max(y) |
//! | `sigma` | half_normal(sigma = 2) | PyMC-Marketing |
//! | `nu` (student_t) | gamma(shape = 2, rate = 0.1) | Juárez & Steel (2010), Stan's recommendation |
//!
//! **Why not PyMC-Marketing's Hill defaults.** PyMC gives slope, kappa and beta each a
//! half_normal(1.5). On its own canonical data that model does not converge (nutpie: 2,413
//! divergences of 4,000, R-hat 1.14; here: 12–40 divergences, R-hat 1.016–1.044). The data
//! cannot tell the slope: x1 is never near zero, so whether its curve is a steep S that is still
//! flat at the lowest observed spend (s ≈ 2.4, intercept 0.41) or a concave curve that already
//! contributes there (s ≈ 0.75, intercept 0.27) is a trade-off against the intercept, a long
//! curved ridge (corr(log s, log beta) = −0.98) that a diagonal metric cannot follow. Priors on
//! `k` or `beta` do not shorten it; a slope prior concentrated near 1 (Michaelis–Menten; Meridian
//! fixes its media slope at 1) does, and is the only change needed: with it even PyMC's `k` and
//! `beta` priors converge. `k` keeps gamma(3, 4), which has zero density at 0 and most of its
//! mass inside the adstocked spend's range on scaled data. Measurements: docs/model-file.md,
//! "Hill defaults".

use super::prior::Prior;

/// Geometric and delayed adstock decay `alpha`.
pub const ALPHA: Prior = Prior::Beta {
    alpha: 1.0,
    beta: 3.0,
};
/// Weibull adstock `shape`.
pub const WEIBULL_SHAPE: Prior = Prior::Gamma {
    shape: 2.0,
    rate: 1.0,
};
/// Weibull adstock `scale`, in periods.
pub const WEIBULL_SCALE: Prior = Prior::Gamma {
    shape: 2.0,
    rate: 0.5,
};
/// Logistic saturation `lam`.
pub const LAM: Prior = Prior::Gamma {
    shape: 3.0,
    rate: 1.0,
};
/// Hill half-saturation `k` (on spend scaled to max 1).
pub const HILL_K: Prior = Prior::Gamma {
    shape: 3.0,
    rate: 4.0,
};
/// Hill slope `s`: near 1 (concave), the only Hill default this data can sample well.
pub const HILL_S: Prior = Prior::Gamma {
    shape: 50.0,
    rate: 50.0,
};
/// Channel coefficient `beta`.
pub const BETA: Prior = Prior::HalfNormal { sigma: 2.0 };
/// Control coefficient `gamma`.
pub const CONTROL: Prior = Prior::Normal {
    mu: 0.0,
    sigma: 2.0,
};
/// Fourier coefficients.
pub const FOURIER: Prior = Prior::Laplace { mu: 0.0, b: 1.0 };
/// Intercept.
pub const INTERCEPT: Prior = Prior::Normal {
    mu: 0.0,
    sigma: 2.0,
};
/// Linear trend coefficient.
pub const TREND: Prior = Prior::Normal {
    mu: 0.0,
    sigma: 1.0,
};
/// Likelihood scale `sigma`.
pub const SIGMA: Prior = Prior::HalfNormal { sigma: 2.0 };
/// Student-t degrees of freedom `nu`.
pub const NU: Prior = Prior::Gamma {
    shape: 2.0,
    rate: 0.1,
};

/// Delayed adstock peak lag `theta`: uniform over every lag in the window.
pub fn theta(max_lag: usize) -> Prior {
    Prior::Uniform {
        lower: 0.0,
        upper: max_lag.saturating_sub(1) as f64,
    }
}

/// Adstock window when a channel does not set `max_lag` (PyMC-Marketing's example, Meridian).
pub const MAX_LAG: usize = 8;
/// Fourier period in days when `[seasonality]` does not set `period`.
pub const PERIOD: f64 = 365.25;
/// Credible interval of reported quantities.
pub const INTERVAL: f64 = 0.9;

/// `[sampler] target_accept` when the file leaves it out and the model, national or panel, has
/// at least one Hill channel; 0.8 (Stan's) otherwise. A Hill curve's curvature in its
/// half-saturation point grows with its slope, and at 0.8 the weekly Hill models of
/// docs/performance.md diverged in 6 of 8 data sets (0 of 8 at 0.95, in about 1.5 s); a
/// 20-geo Hill panel diverged 3, 12 and 7 times on three data sets (0 at 0.95).
pub const HILL_TARGET_ACCEPT: f64 = 0.95;

#[cfg(test)]
mod tests {
    use approx::assert_abs_diff_eq;

    use super::*;

    /// Agreement of quoted quantiles (two decimals in the docs).
    const QUOTE_TOL: f64 = 0.005;

    #[test]
    fn every_default_is_a_valid_prior() {
        let all = [
            ALPHA,
            WEIBULL_SHAPE,
            WEIBULL_SCALE,
            LAM,
            HILL_K,
            HILL_S,
            BETA,
            CONTROL,
            FOURIER,
            INTERCEPT,
            TREND,
            SIGMA,
            NU,
            theta(8),
        ];
        for prior in all {
            assert_eq!(prior.validate(), Ok(()), "{prior}");
        }
    }

    #[test]
    fn hill_defaults_keep_the_quoted_intervals() {
        assert_abs_diff_eq!(HILL_K.quantile(0.05), 0.20, epsilon = QUOTE_TOL);
        assert_abs_diff_eq!(HILL_K.quantile(0.95), 1.57, epsilon = QUOTE_TOL);
        assert_abs_diff_eq!(HILL_S.quantile(0.05), 0.78, epsilon = QUOTE_TOL);
        assert_abs_diff_eq!(HILL_S.quantile(0.95), 1.24, epsilon = QUOTE_TOL);
    }
}
