//! Checks of the ROI, marginal-ROI and share priors: the gradient against finite differences
//! for every adstock and saturation kind (with and without the likelihood), the derived β
//! against the ROI, marginal ROI and share the decomposition reports, and prior-only sampling
//! against the stated distribution by a Kolmogorov–Smirnov test.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{Beta, ContinuousCDF, Gamma, LogNormal};

use crate::data::{DataRequest, load_dataset_from_reader};
use crate::gradcheck::{GradCheckOptions, check_gradient};
use crate::sampler::{LogDensity, NoProgress, SamplerSettings, sample};
use crate::spec::ModelSpec;
use crate::transform::Date;

use super::gradient_tests::synthetic_data;
use super::{Decomposition, DensityError, DensityOptions, EffectPriorError, MmmDensity};

/// Random points per model.
const POINTS: usize = 10;
/// Weekly rows of the synthetic data.
const ROWS: usize = 60;
/// The decomposition's ROI and the sampled q agree to round-off.
const SAME_REL: f64 = 1e-9;
/// A KS test at this level rejects a correct sampler once in a thousand runs.
const KS_ALPHA: f64 = 0.001;
/// Keep every this-many draws for the KS test (prior-only NUTS draws are near independent;
/// thinning makes them more so).
const THIN: usize = 4;

/// Every effect kind on every saturation, over the three adstock kinds.
const MODEL_A: &str = r#"
[data]
date = "week"
target = "y"

[[channel]]
name = "tv"
adstock = { type = "geometric", max_lag = 6 }
saturation = { type = "hill" }
roi = { dist = "log_normal", mu = 0.2, sigma = 0.9 }

[[channel]]
name = "radio"
adstock = { type = "delayed", max_lag = 5 }
saturation = { type = "logistic" }
mroi = { dist = "gamma", shape = 3.0, rate = 4.0 }

[[channel]]
name = "search"
adstock = { type = "weibull", max_lag = 4, normalize = false }
saturation = { type = "hill" }
share = { dist = "beta", alpha = 2.0, beta = 8.0 }

[[channel]]
name = "social"
adstock = { type = "geometric", max_lag = 3 }
saturation = { type = "hill" }
beta = { dist = "half_normal", sigma = 1.0 }
"#;

/// The other saturation for each kind.
const MODEL_B: &str = r#"
[data]
date = "week"
target = "y"

[likelihood]
family = "student_t"

[[channel]]
name = "tv"
adstock = { type = "weibull", max_lag = 5 }
saturation = { type = "logistic" }
roi = { dist = "log_normal", mu = 0.2, sigma = 0.9 }

[[channel]]
name = "radio"
adstock = { type = "geometric", max_lag = 4, normalize = false }
saturation = { type = "hill" }
mroi = { dist = "gamma", shape = 3.0, rate = 4.0 }

[[channel]]
name = "search"
adstock = { type = "delayed", max_lag = 4 }
saturation = { type = "logistic" }
share = { dist = "beta", alpha = 2.0, beta = 8.0 }
"#;

fn load(text: &str) -> ModelSpec {
    ModelSpec::from_toml(text, None).unwrap_or_else(|e| panic!("{e}"))
}

fn check_points(density: &mut MmmDensity, seed: u64) {
    let opts = GradCheckOptions::default();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut checked = 0;
    for _ in 0..POINTS {
        let theta: Vec<f64> = (0..density.dim())
            .map(|_| rng.random_range(-1.5..1.5))
            .collect();
        let mut g = vec![0.0; density.dim()];
        if density.logp_grad(&theta, &mut g).is_err() {
            continue;
        }
        if let Err(e) = check_gradient(density, &theta, &opts) {
            panic!("{e} (parameters {:?})", density.param_names());
        }
        checked += 1;
    }
    assert!(checked >= POINTS / 2, "too few finite points");
}

#[test]
fn effect_prior_gradient_matches_finite_differences_for_every_transform() {
    for text in [MODEL_A, MODEL_B] {
        let spec = load(text);
        let data = synthetic_data(&spec, ROWS, 5);
        for prior_only in [false, true] {
            let options = DensityOptions {
                prior_only,
                ..DensityOptions::default()
            };
            let mut density = MmmDensity::with_options(&spec, &data, &options).unwrap();
            check_points(&mut density, 23);
        }
    }
}

/// The stated quantity of each effect channel, from the decomposition at constrained `x`.
fn implied_quantities(
    density: &mut MmmDensity,
    data: &crate::data::Dataset,
    x: &[f64],
) -> Vec<f64> {
    let mut dec = Decomposition::default();
    density.decompose(x, &mut dec);
    let y_total: f64 = data.target().iter().sum();
    let mut out = Vec::new();
    for c in 0..3 {
        let total: f64 = dec.channels[c].iter().sum();
        let spend: f64 = data.channel(c).iter().sum();
        out.push(match c {
            0 => total / spend,
            1 => dec.mroas[c],
            _ => total / y_total,
        });
    }
    out
}

#[test]
fn derived_beta_gives_the_stated_roi_mroi_and_share() {
    for text in [MODEL_A, MODEL_B] {
        let spec = load(text);
        let data = synthetic_data(&spec, ROWS, 5);
        let mut density = MmmDensity::new(&spec, &data).unwrap();
        let names = density.param_names();
        let beta_idx: Vec<usize> = ["tv", "radio", "search"]
            .iter()
            .map(|c| {
                names
                    .iter()
                    .position(|n| n == &format!("beta[{c}]"))
                    .unwrap()
            })
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for _ in 0..5 {
            let theta: Vec<f64> = (0..density.dim())
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            let mut x = Vec::new();
            density.constrain(&theta, &mut x);
            let got = implied_quantities(&mut density, &data, &x);
            for (c, &i) in beta_idx.iter().enumerate() {
                // The coordinate is q on a log bijector (or logit for the share's beta prior).
                let want = match c {
                    2 => 1.0 / (1.0 + (-theta[i]).exp()),
                    _ => theta[i].exp(),
                };
                assert!(
                    (got[c] - want).abs() <= SAME_REL * want,
                    "{text}\nchannel {c}: implied {} vs stated {want}",
                    got[c]
                );
            }
        }
    }
}

/// The Kolmogorov–Smirnov statistic of `xs` against `cdf`.
pub(crate) fn ks_statistic(xs: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    xs.iter()
        .enumerate()
        .map(|(i, x)| {
            let f = cdf(*x);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max)
}

/// The asymptotic p-value of a KS statistic `d` from `n` draws (Kolmogorov's series).
pub(crate) fn ks_p_value(d: f64, n: usize) -> f64 {
    let sn = (n as f64).sqrt();
    let lambda = (sn + 0.12 + 0.11 / sn) * d;
    let mut p = 0.0;
    for j in 1..=100_i32 {
        let k = f64::from(j);
        let sign = if j % 2 == 1 { 1.0 } else { -1.0 };
        p += 2.0 * sign * (-2.0 * k * k * lambda * lambda).exp();
    }
    p.clamp(0.0, 1.0)
}

#[test]
fn ks_p_value_is_uniform_under_the_null_and_small_off_it() {
    // Independent uniform draws: the p-value is rarely tiny; shifted draws: it is.
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut xs: Vec<f64> = (0..2000).map(|_| rng.random_range(0.0..1.0)).collect();
    let d = ks_statistic(&mut xs, |x| x.clamp(0.0, 1.0));
    assert!(ks_p_value(d, xs.len()) > KS_ALPHA);
    let mut shifted: Vec<f64> = xs.iter().map(|x| (x * 1.1).min(1.0)).collect();
    let d = ks_statistic(&mut shifted, |x| x.clamp(0.0, 1.0));
    assert!(ks_p_value(d, shifted.len()) < KS_ALPHA);
}

#[test]
fn prior_only_sampling_gives_the_stated_roi_mroi_and_share_distributions() {
    let spec = load(MODEL_A);
    let data = synthetic_data(&spec, ROWS, 5);
    let options = DensityOptions {
        prior_only: true,
        ..DensityOptions::default()
    };
    let mut density = MmmDensity::with_options(&spec, &data, &options).unwrap();
    let settings = SamplerSettings {
        chains: 2,
        warmup: 500,
        draws: 2000,
        seed: 11,
        ..SamplerSettings::default()
    };
    let samples = sample(&density, &settings, &NoProgress).unwrap();
    let mut draws: [Vec<f64>; 3] = Default::default();
    let mut x = Vec::new();
    for chain in &samples.chains {
        for i in (0..chain.n_draws()).step_by(THIN) {
            density.constrain(chain.draw(i), &mut x);
            for (d, v) in draws
                .iter_mut()
                .zip(implied_quantities(&mut density, &data, &x))
            {
                d.push(v);
            }
        }
    }
    let roi = LogNormal::new(0.2, 0.9).unwrap();
    let mroi = Gamma::new(3.0, 4.0).unwrap();
    let share = Beta::new(2.0, 8.0).unwrap();
    let cdfs: [&dyn Fn(f64) -> f64; 3] = [&|v| roi.cdf(v), &|v| mroi.cdf(v), &|v| share.cdf(v)];
    for ((name, xs), cdf) in ["roi", "mroi", "share"].iter().zip(&mut draws).zip(cdfs) {
        let n = xs.len();
        let d = ks_statistic(xs, cdf);
        let p = ks_p_value(d, n);
        // Shown with `cargo nextest run --release prior_only_sampling --no-capture`.
        eprintln!("{name}: KS D = {d:.4} over {n} draws, p = {p:.3}");
        assert!(
            p > KS_ALPHA,
            "{name}: KS D = {d:.4} over {n} draws, p = {p:.2e}"
        );
    }
}

#[test]
fn share_prior_on_an_outcome_that_sums_to_zero_is_a_named_error() {
    let spec = load(MODEL_A);
    let mut csv = String::from("week,y,tv,radio,search,social\n");
    for t in 0..20 {
        let date = Date::from_days_since_epoch(18_631 + 7 * t);
        let y = if t % 2 == 0 { -1.0 } else { 1.0 };
        let s = 10.0 + t as f64;
        csv.push_str(&format!("{date},{y},{s},{s},{s},{s}\n"));
    }
    let req = DataRequest {
        date: "week".into(),
        target: "y".into(),
        channels: ["tv", "radio", "search", "social"]
            .map(String::from)
            .to_vec(),
        controls: Vec::new(),
        min_rows: 2,
    };
    let data = load_dataset_from_reader(csv.as_bytes(), "zero.csv", &req).unwrap();
    let err = MmmDensity::new(&spec, &data).unwrap_err();
    assert!(
        matches!(
            err,
            DensityError::Effect(EffectPriorError::NoOutcome { .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("\"search\""), "{err}");
}
