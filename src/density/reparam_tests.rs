//! Checks of the media block's sampled coordinates (`reparam.rs`): the whole density's gradient
//! against finite differences, the same density as on the model's coordinates, `constrain`
//! back to β, and prior-only sampling against the stated priors on β and the saturation
//! parameters by a Kolmogorov–Smirnov test.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, Gamma, Normal};

use crate::gradcheck::{GradCheckOptions, check_gradient};
use crate::sampler::{LogDensity, NoProgress, SamplerSettings, sample};
use crate::spec::ModelSpec;

use super::effect_prior_tests::{ks_p_value, ks_statistic};
use super::gradient_tests::synthetic_data_spending;
use super::{DensityOptions, MmmDensity};

/// Random points per check.
const POINTS: usize = 12;
/// Weekly rows of the synthetic data.
const ROWS: usize = 60;
/// The two coordinate systems compute the same sums in the same order: to round-off.
const SAME_REL: f64 = 1e-12;
/// A test of several KS checks rejects a correct sampler once in a thousand runs: each check
/// runs at this level divided by the number of checks (Bonferroni).
const KS_ALPHA: f64 = 0.001;
/// Keep every this-many draws for the KS test.
const THIN: usize = 4;

/// Both saturation kinds over the three adstock kinds, a channel with an ROI prior (keeps its
/// coordinate) and one with a truncated prior on β (keeps its coordinate too).
const MODEL: &str = r#"
[data]
date = "week"
target = "y"

[[channel]]
name = "tv"
adstock = { type = "geometric", max_lag = 6 }
saturation = { type = "hill", k = { dist = "gamma", shape = 2.0, rate = 2.0 }, s = { dist = "gamma", shape = 3.0, rate = 2.0 } }
beta = { dist = "half_normal", sigma = 2.0 }

[[channel]]
name = "radio"
adstock = { type = "delayed", max_lag = 5 }
saturation = { type = "logistic", lam = { dist = "gamma", shape = 3.0, rate = 1.0 } }
beta = { dist = "gamma", shape = 2.0, rate = 1.0 }

[[channel]]
name = "search"
adstock = { type = "weibull", max_lag = 4, normalize = false }
saturation = { type = "hill" }
roi = { dist = "log_normal", mu = 0.2, sigma = 0.9 }

[[channel]]
name = "social"
adstock = { type = "geometric", max_lag = 3 }
saturation = { type = "hill" }
beta = { dist = "truncated_normal", mu = 1.0, sigma = 1.0, lower = 0.0, upper = 5.0 }

[[control]]
column = "promo"

[seasonality]
order = 1
"#;

fn spec() -> ModelSpec {
    ModelSpec::from_toml(MODEL, None).unwrap()
}

/// Every channel spends in most weeks, so a Hill channel's lower anchor x_lo (the lower
/// quartile of its spend) is positive and its coordinate is a difference of the curve.
const P_ON: f64 = 0.9;

fn densities(spec: &ModelSpec) -> (MmmDensity, MmmDensity) {
    let data = synthetic_data_spending(spec, ROWS, 7, P_ON);
    let natural = DensityOptions {
        natural_coordinates: true,
        ..DensityOptions::default()
    };
    (
        MmmDensity::new(spec, &data).unwrap(),
        MmmDensity::with_options(spec, &data, &natural).unwrap(),
    )
}

fn random_theta(rng: &mut ChaCha8Rng, dim: usize) -> Vec<f64> {
    (0..dim).map(|_| rng.random_range(-1.5..1.5)).collect()
}

#[test]
fn reparameterised_density_gradient_matches_finite_differences() {
    let (mut density, _) = densities(&spec());
    let coefficients = density.reparam.as_ref().unwrap().coefficients();
    assert_eq!(
        density.reparam.as_ref().unwrap().shapes().len(),
        1,
        "tv (Hill, K and S on (0, ∞)) takes the shape coordinate"
    );
    assert_eq!(
        coefficients.len(),
        2,
        "tv and radio take the contribution coordinate; search (ROI) and social (truncated) do not"
    );
    let [lo, hi] = coefficients[0].1;
    assert!(0.0 < lo && lo < hi, "tv (Hill): anchors {lo}, {hi}");
    assert!(coefficients[1].1[0] <= 0.0, "radio (logistic): x_lo = 0");
    let opts = GradCheckOptions::default();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut checked = 0;
    for _ in 0..POINTS {
        let theta = random_theta(&mut rng, density.dim());
        let mut g = vec![0.0; density.dim()];
        if density.logp_grad(&theta, &mut g).is_err() {
            continue;
        }
        if let Err(e) = check_gradient(&mut density, &theta, &opts) {
            panic!("{e} (parameters {:?})", density.param_names());
        }
        checked += 1;
    }
    assert!(checked >= POINTS / 2, "too few finite points");
}

#[test]
fn sampled_coordinates_give_the_natural_density_at_the_mapped_point() {
    let (mut density, mut natural) = densities(&spec());
    let reparam = density.reparam.clone().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (mut x, mut x_nat) = (Vec::new(), Vec::new());
    for _ in 0..POINTS {
        let theta = random_theta(&mut rng, density.dim());
        let mut model_theta = vec![0.0; theta.len()];
        reparam.to_model_plain(&theta, &mut model_theta);
        // The centred intercept's coordinate is the level; the natural one is b itself.
        density.constrain(&theta, &mut x);
        let intercept = density.layout.intercept_idx;
        model_theta[intercept] = x[intercept];
        let mut g = vec![0.0; theta.len()];
        let (Ok(a), Ok(b)) = (
            density.logp_grad(&theta, &mut g),
            natural.logp_grad(&model_theta, &mut g),
        ) else {
            continue;
        };
        // The coefficient's and the intercept's maps are shifts (ln β by ln Δf, b by the mean
        // of the rest): unit Jacobian. The shape coordinate m = S·ln(K/x_hi) ↦ ln K has
        // log-Jacobian −ln S per Hill channel that takes it.
        let log_jac: f64 = reparam
            .shapes()
            .iter()
            .map(|([_, s], _)| -super::reparam::shape_scale(theta[*s]).0)
            .sum();
        let b = b + log_jac;
        assert!((a - b).abs() <= SAME_REL * (1.0 + b.abs()), "{a} vs {b}");
        natural.constrain(&model_theta, &mut x_nat);
        for (i, (p, q)) in x.iter().zip(&x_nat).enumerate() {
            assert!((p - q).abs() <= SAME_REL * q.abs(), "{i}: {p} vs {q}");
        }
    }
}

/// A prior's CDF.
type Cdf = Box<dyn Fn(f64) -> f64>;

/// The CDF of half_normal(σ).
fn half_normal_cdf(sigma: f64) -> impl Fn(f64) -> f64 {
    let n = Normal::new(0.0, sigma).unwrap();
    move |x| (2.0 * n.cdf(x) - 1.0).max(0.0)
}

#[test]
fn prior_only_sampling_on_the_contribution_coordinates_gives_the_priors_on_beta() {
    let spec = spec();
    let data = synthetic_data_spending(&spec, ROWS, 5, P_ON);
    let options = DensityOptions {
        prior_only: true,
        ..DensityOptions::default()
    };
    let density = MmmDensity::with_options(&spec, &data, &options).unwrap();
    assert!(density.reparam.is_some());
    let settings = SamplerSettings {
        chains: 2,
        warmup: 500,
        draws: 2000,
        seed: 13,
        ..SamplerSettings::default()
    };
    let samples = sample(&density, &settings, &NoProgress).unwrap();
    let names = density.param_names();
    let idx = |name: &str| names.iter().position(|n| n == name).unwrap();
    let checks: [(&str, Cdf); 5] = [
        ("beta[tv]", Box::new(half_normal_cdf(2.0))),
        ("k[tv]", gamma_cdf(2.0, 2.0)),
        ("s[tv]", gamma_cdf(3.0, 2.0)),
        ("beta[radio]", gamma_cdf(2.0, 1.0)),
        ("lam[radio]", gamma_cdf(3.0, 1.0)),
    ];
    let mut x = Vec::new();
    let mut draws: Vec<Vec<f64>> = vec![Vec::new(); checks.len()];
    for chain in &samples.chains {
        for i in (0..chain.n_draws()).step_by(THIN) {
            density.constrain(chain.draw(i), &mut x);
            for ((name, _), d) in checks.iter().zip(&mut draws) {
                d.push(x[idx(name)]);
            }
        }
    }
    // Five checks at 0.001 each would reject a correct sampler in 0.5 % of runs; over seeds
    // 1-60 the smallest p of a check was below 0.01 in 4 of 300 checks (docs/performance.md,
    // "Warm-up gradients against nuts-rs: γ = 0.1 in the windows").
    let alpha = KS_ALPHA / checks.len() as f64;
    for ((name, cdf), xs) in checks.iter().zip(&mut draws) {
        let n = xs.len();
        let d = ks_statistic(xs, cdf);
        let p = ks_p_value(d, n);
        // Shown with `cargo nextest run --release prior_only_sampling_on --no-capture`.
        eprintln!("{name}: KS D = {d:.4} over {n} draws, p = {p:.3}");
        assert!(
            p > alpha,
            "{name}: KS D = {d:.4} over {n} draws, p = {p:.2e}"
        );
    }
}

fn gamma_cdf(shape: f64, rate: f64) -> Cdf {
    let g = Gamma::new(shape, rate).unwrap();
    Box::new(move |x| g.cdf(x))
}
