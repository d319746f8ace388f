//! Random draws, means and quantiles of the prior families (prior predictive checks, SBC, reports).

use std::f64::consts::{FRAC_2_PI, PI, SQRT_2};

use rand::Rng;
use rand_distr::{Beta, Distribution, Exp1, Gamma, Open01, StandardNormal, StudentT};
use statrs::distribution::{
    Beta as StatBeta, ContinuousCDF, Gamma as StatGamma, StudentsT as StatStudentsT,
};
use statrs::function::erf::{erfc, erfc_inv};
use statrs::function::gamma::ln_gamma;

use super::prior::Prior;
use super::prior_density::log_normal_mass;

impl Prior {
    /// One draw from the prior.
    ///
    /// Returns NaN for a prior whose parameters fail [`Prior::validate`].
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if self.validate().is_err() {
            return f64::NAN;
        }
        match *self {
            Prior::Normal { mu, sigma } => sigma.mul_add(standard_normal(rng), mu),
            Prior::HalfNormal { sigma } => sigma * standard_normal(rng).abs(),
            Prior::LogNormal { mu, sigma } => sigma.mul_add(standard_normal(rng), mu).exp(),
            Prior::Gamma { shape, rate } => {
                Gamma::new(shape, 1.0 / rate).map_or(f64::NAN, |g| g.sample(rng))
            }
            Prior::Beta { alpha, beta } => {
                Beta::new(alpha, beta).map_or(f64::NAN, |b| b.sample(rng))
            }
            Prior::Exponential { rate } => {
                let e: f64 = Exp1.sample(rng);
                e / rate
            }
            Prior::TruncatedNormal { .. }
            | Prior::Uniform { .. }
            | Prior::Laplace { .. }
            | Prior::HalfCauchy { .. } => {
                let u: f64 = Open01.sample(rng);
                self.quantile(u)
            }
            Prior::StudentT { nu, mu, sigma } => {
                StudentT::new(nu).map_or(f64::NAN, |t| sigma.mul_add(t.sample(rng), mu))
            }
            Prior::HalfStudentT { nu, sigma } => {
                StudentT::new(nu).map_or(f64::NAN, |t| sigma * t.sample(rng).abs())
            }
        }
    }

    /// The mean, or `None` where it does not exist (Student-t with nu ≤ 1, half-Cauchy).
    pub fn mean(&self) -> Option<f64> {
        let mean = match *self {
            Prior::Normal { mu, .. } | Prior::Laplace { mu, .. } => mu,
            Prior::HalfNormal { sigma } => sigma * FRAC_2_PI.sqrt(),
            Prior::LogNormal { mu, sigma } => (0.5 * sigma).mul_add(sigma, mu).exp(),
            Prior::Gamma { shape, rate } => shape / rate,
            Prior::Beta { alpha, beta } => alpha / (alpha + beta),
            Prior::Exponential { rate } => 1.0 / rate,
            Prior::Uniform { lower, upper } => 0.5 * (lower + upper),
            Prior::StudentT { nu, mu, .. } if nu > 1.0 => mu,
            Prior::HalfStudentT { nu, sigma } if nu > 1.0 => {
                let ln_ratio = ln_gamma(0.5 * (nu + 1.0)) - ln_gamma(0.5 * nu);
                2.0 * sigma * (nu / PI).sqrt() * ln_ratio.exp() / (nu - 1.0)
            }
            Prior::TruncatedNormal {
                mu,
                sigma,
                lower,
                upper,
            } => {
                let ln_mass = log_normal_mass(mu, sigma, lower, upper);
                let ln_phi = |x: f64| {
                    let z = (x - mu) / sigma;
                    -0.5 * z * z - 0.5 * (2.0 * PI).ln() - ln_mass
                };
                sigma.mul_add(ln_phi(lower).exp() - ln_phi(upper).exp(), mu)
            }
            Prior::StudentT { .. } | Prior::HalfStudentT { .. } | Prior::HalfCauchy { .. } => {
                return None;
            }
        };
        Some(mean)
    }

    /// The `p`-quantile, for `p` in (0, 1); NaN outside, and NaN for a prior whose parameters
    /// fail [`Prior::validate`]. Takes bounded time for any parameters.
    pub fn quantile(&self, p: f64) -> f64 {
        if !(p > 0.0 && p < 1.0) || self.validate().is_err() {
            return f64::NAN;
        }
        match *self {
            Prior::Normal { mu, sigma } => sigma.mul_add(normal_quantile(p), mu),
            Prior::HalfNormal { sigma } => sigma * normal_quantile(0.5 * (1.0 + p)),
            Prior::LogNormal { mu, sigma } => sigma.mul_add(normal_quantile(p), mu).exp(),
            Prior::Gamma { shape, rate } => StatGamma::new(shape, rate).map_or(f64::NAN, |g| {
                bisect_quantile(&|x| g.cdf(x), p, 0.0, shape / rate)
            }),
            Prior::Beta { alpha, beta } => StatBeta::new(alpha, beta)
                .map_or(f64::NAN, |b| bisect_quantile(&|x| b.cdf(x), p, 0.0, 1.0)),
            Prior::Exponential { rate } => -(-p).ln_1p() / rate,
            Prior::Uniform { lower, upper } => p.mul_add(upper - lower, lower),
            Prior::Laplace { mu, b } if p < 0.5 => b.mul_add((2.0 * p).ln(), mu),
            Prior::Laplace { mu, b } => (-b).mul_add((2.0 * (1.0 - p)).ln(), mu),
            Prior::StudentT { nu, mu, sigma } => StatStudentsT::new(0.0, 1.0, nu)
                .map_or(f64::NAN, |t| {
                    sigma.mul_add(bisect_quantile(&|x| t.cdf(x), p, -1.0, 1.0), mu)
                }),
            Prior::HalfStudentT { nu, sigma } => StatStudentsT::new(0.0, 1.0, nu)
                .map_or(f64::NAN, |t| {
                    sigma * bisect_quantile(&|x| t.cdf(x), 0.5 * (1.0 + p), 0.0, 1.0)
                }),
            Prior::HalfCauchy { scale } => scale * (0.5 * PI * p).tan(),
            Prior::TruncatedNormal {
                mu,
                sigma,
                lower,
                upper,
            } => truncated_quantile(mu, sigma, lower, upper, p),
        }
    }
}

/// Doublings of the bracket allowed before giving up (2^1100 overflows any double).
const BRACKET_DOUBLINGS: usize = 1100;
/// Bisection steps: enough to pin any double in a bracket, and a bound on the time taken.
const BISECTION_STEPS: usize = 200;

/// The `p`-quantile of a continuous `cdf` by bisection, in bounded time whatever the
/// parameters (statrs' own inverses panic or loop for extreme ones). The bracket starts at
/// `[lo, hi]` and doubles its upper end (and, for a negative `lo`, its lower end) until it holds
/// the quantile.
fn bisect_quantile(cdf: &dyn Fn(f64) -> f64, p: f64, lo: f64, hi: f64) -> f64 {
    let (mut lo, mut hi) = (
        lo,
        if hi > lo && hi.is_finite() {
            hi
        } else {
            lo.abs() + 1.0
        },
    );
    for _ in 0..BRACKET_DOUBLINGS {
        let c = cdf(hi);
        if !hi.is_finite() || c.is_nan() || c >= p {
            break;
        }
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..BRACKET_DOUBLINGS {
        if lo >= 0.0 || !lo.is_finite() {
            break;
        }
        let c = cdf(lo);
        if c.is_nan() || c <= p {
            break;
        }
        hi = lo;
        lo *= 2.0;
    }
    for _ in 0..BISECTION_STEPS {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

/// Φ(z), accurate in the lower tail.
fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

/// Φ⁻¹(p), accurate for small p.
fn normal_quantile(p: f64) -> f64 {
    -SQRT_2 * erfc_inv(2.0 * p)
}

/// Quantile of Normal(mu, sigma) truncated to [lower, upper], computed in whichever
/// orientation keeps the interval out of the upper tail (where Φ loses digits).
fn truncated_quantile(mu: f64, sigma: f64, lower: f64, upper: f64, p: f64) -> f64 {
    let a = (lower - mu) / sigma;
    let b = (upper - mu) / sigma;
    let (lo, hi, q, flip) = if a > 0.0 {
        (-b, -a, 1.0 - p, true)
    } else {
        (a, b, p, false)
    };
    let (cdf_lo, cdf_hi) = (normal_cdf(lo), normal_cdf(hi));
    let z = normal_quantile(q.mul_add(cdf_hi - cdf_lo, cdf_lo)).clamp(lo, hi);
    let z = if flip { -z } else { z };
    sigma.mul_add(z, mu)
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use statrs::distribution::{Normal, Uniform};

    use super::*;

    /// Draws per family in the Monte Carlo tests.
    const DRAWS: usize = 40_000;
    /// Allowed distance between sample and analytic value, in Monte Carlo standard errors.
    const MC_Z: f64 = 4.5;
    /// Agreement of closed-form quantiles with statrs (relative).
    const QUANTILE_TOL: f64 = 1e-8;

    fn priors() -> Vec<Prior> {
        vec![
            Prior::Normal {
                mu: 0.3,
                sigma: 1.7,
            },
            Prior::HalfNormal { sigma: 2.0 },
            Prior::LogNormal {
                mu: -0.2,
                sigma: 0.6,
            },
            Prior::Gamma {
                shape: 3.0,
                rate: 4.0,
            },
            Prior::Beta {
                alpha: 1.0,
                beta: 3.0,
            },
            Prior::Exponential { rate: 0.7 },
            Prior::Uniform {
                lower: -1.0,
                upper: 3.0,
            },
            Prior::Laplace { mu: 0.2, b: 1.3 },
            Prior::StudentT {
                nu: 5.0,
                mu: 0.5,
                sigma: 1.2,
            },
            Prior::HalfStudentT {
                nu: 5.0,
                sigma: 1.5,
            },
            Prior::HalfCauchy { scale: 0.8 },
            Prior::TruncatedNormal {
                mu: 1.0,
                sigma: 2.0,
                lower: 0.0,
                upper: 4.0,
            },
            Prior::TruncatedNormal {
                mu: 0.0,
                sigma: 1.0,
                lower: 6.0,
                upper: f64::INFINITY,
            },
        ]
    }

    fn draws(prior: &Prior, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..DRAWS).map(|_| prior.sample(&mut rng)).collect()
    }

    #[test]
    fn sample_mean_matches_the_analytic_mean() {
        for (seed, prior) in priors().iter().enumerate() {
            let Some(mean) = prior.mean() else { continue };
            let x = draws(prior, seed as u64);
            let n = x.len() as f64;
            let m = x.iter().sum::<f64>() / n;
            let sd = (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            assert!(
                (m - mean).abs() < MC_Z * sd / n.sqrt(),
                "{prior}: sample mean {m} vs {mean}"
            );
        }
    }

    #[test]
    fn draws_fall_below_each_quantile_at_its_rate() {
        for (seed, prior) in priors().iter().enumerate() {
            let x = draws(prior, 100 + seed as u64);
            assert!(
                x.iter().all(|v| prior.support().contains(*v)),
                "{prior}: draw outside"
            );
            for p in [0.1, 0.5, 0.9] {
                let q = prior.quantile(p);
                let frac = x.iter().filter(|v| **v <= q).count() as f64 / DRAWS as f64;
                let se = (p * (1.0 - p) / DRAWS as f64).sqrt();
                assert!(
                    (frac - p).abs() < MC_Z * se,
                    "{prior}: {frac} below q({p}) = {q}"
                );
            }
        }
    }

    #[test]
    fn closed_form_quantiles_match_statrs() {
        let n = Normal::new(0.3, 1.7).unwrap();
        let u = Uniform::new(-1.0, 3.0).unwrap();
        for p in [0.01, 0.3, 0.77, 0.999] {
            let normal = Prior::Normal {
                mu: 0.3,
                sigma: 1.7,
            };
            assert_relative_eq!(
                normal.quantile(p),
                n.inverse_cdf(p),
                max_relative = QUANTILE_TOL
            );
            let uniform = Prior::Uniform {
                lower: -1.0,
                upper: 3.0,
            };
            assert_relative_eq!(
                uniform.quantile(p),
                u.inverse_cdf(p),
                max_relative = QUANTILE_TOL
            );
        }
    }

    #[test]
    fn truncated_quantile_inverts_the_truncated_cdf_in_the_far_tail() {
        let (mu, sigma, lower) = (0.0, 1.0, 6.0);
        let prior = Prior::TruncatedNormal {
            mu,
            sigma,
            lower,
            upper: f64::INFINITY,
        };
        let tail = 0.5 * erfc(lower / SQRT_2);
        for p in [0.05, 0.5, 0.95] {
            let x = prior.quantile(p);
            let cdf = (tail - 0.5 * erfc(x / SQRT_2)) / tail;
            assert_relative_eq!(cdf, p, max_relative = QUANTILE_TOL.sqrt());
        }
    }

    #[test]
    fn invalid_parameters_sample_nan_instead_of_panicking() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!(
            Prior::Gamma {
                shape: -1.0,
                rate: 1.0
            }
            .sample(&mut rng)
            .is_nan()
        );
        assert!(
            Prior::Normal {
                mu: 0.0,
                sigma: 1.0
            }
            .quantile(1.5)
            .is_nan()
        );
        assert_eq!(Prior::HalfCauchy { scale: 1.0 }.mean(), None);
    }

    /// Longest a quantile of any prior may take (release and debug builds alike).
    const QUANTILE_TIME_BOUND: std::time::Duration = std::time::Duration::from_secs(2);

    #[test]
    fn quantiles_of_extreme_priors_neither_panic_nor_hang() {
        let (lo, hi) = crate::spec::PRIOR_SCALE_RANGE;
        let mut priors = vec![
            // Issue 12: statrs panics on the first and loops forever on the next three.
            Prior::Beta {
                alpha: 1.0,
                beta: 5e-324,
            },
            Prior::Beta {
                alpha: 1.0,
                beta: 1e12,
            },
            Prior::Beta {
                alpha: 1e300,
                beta: 1.0,
            },
            Prior::Gamma {
                shape: 1e300,
                rate: 1.0,
            },
        ];
        for (a, b) in [(lo, lo), (lo, hi), (hi, lo), (hi, hi), (1.0, hi), (hi, 1.0)] {
            priors.push(Prior::Beta { alpha: a, beta: b });
            priors.push(Prior::Gamma { shape: a, rate: b });
            priors.push(Prior::StudentT {
                nu: a,
                mu: 0.0,
                sigma: b,
            });
            priors.push(Prior::HalfStudentT { nu: a, sigma: b });
        }
        for prior in priors {
            let started = std::time::Instant::now();
            let q = [
                prior.quantile(0.05),
                prior.quantile(0.5),
                prior.quantile(0.95),
            ];
            let _ = prior.sample(&mut ChaCha8Rng::seed_from_u64(1));
            assert!(
                started.elapsed() < QUANTILE_TIME_BOUND,
                "{prior:?} took {:?}",
                started.elapsed()
            );
            if prior.validate().is_ok() {
                assert!(q.iter().all(|x| !x.is_nan()), "{prior:?}: {q:?}");
                assert!(q[0] <= q[1] && q[1] <= q[2], "{prior:?}: {q:?}");
            } else {
                assert!(q.iter().all(|x| x.is_nan()), "{prior:?}: {q:?}");
            }
        }
    }
}
