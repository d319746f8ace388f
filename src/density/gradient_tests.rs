//! Finite-difference checks of the whole MMM density, for every model in `models/`, on a
//! synthetic data set with the columns each model names.

use std::path::PathBuf;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::data::{DataRequest, Dataset, load_dataset_from_reader};
use crate::gradcheck::{GradCheckOptions, check_gradient};
use crate::sampler::LogDensity;
use crate::spec::ModelSpec;
use crate::transform::Date;

use super::MmmDensity;

/// Random points per model.
const POINTS: usize = 12;
const ROWS: usize = 80;

fn models() -> Vec<PathBuf> {
    crate::test_support::model_files()
}

/// A weekly data set with positive target, bursty spend and ±1 controls.
pub(crate) fn synthetic_data(spec: &ModelSpec, rows: usize, seed: u64) -> Dataset {
    synthetic_data_spending(spec, rows, seed, 0.7)
}

/// A weekly model of geometric-adstock channels `(saturation, max_lag, normalize)`, named
/// `c0`, `c1`, ..., with default priors, then `tail` (controls, seasonality, trend): the
/// kernel tests' models.
pub(crate) fn geometric_channels_spec(channels: &[(&str, usize, bool)], tail: &str) -> ModelSpec {
    let mut text = String::from(
        "[data]\npath = \"x.csv\"\ndate = \"date\"\ntarget = \"y\"\n\n\
         [likelihood]\nfamily = \"normal\"\n\n",
    );
    for (i, (saturation, lag, normalize)) in channels.iter().enumerate() {
        text.push_str(&format!(
            "[[channel]]\nname = \"c{i}\"\nadstock = {{ type = \"geometric\", max_lag = {lag}, \
             normalize = {normalize} }}\nsaturation = {{ type = \"{saturation}\" }}\n\n"
        ));
    }
    text.push_str(tail);
    ModelSpec::from_toml(&text, None).expect("kernel test model")
}

/// A multi-channel kernel against the one-channel path (`plain`, the same density with the
/// kernel's groups cleared): at 20 points θ ~ uniform(−1.5, 1.5)^d from `seed`, `compare`
/// gets both log densities, both gradients and the parameter names, and the kernel's gradient
/// must pass the finite-difference check; at least 10 points must have a finite density.
pub(crate) fn check_against_one_channel_path(
    density: &mut MmmDensity,
    plain: &mut MmmDensity,
    seed: u64,
    compare: impl Fn(f64, f64, &[f64], &[f64], &[String]),
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let names = density.param_names();
    let mut checked = 0;
    for _ in 0..20 {
        let theta: Vec<f64> = (0..density.dim())
            .map(|_| rng.random_range(-1.5..1.5))
            .collect();
        let (mut g, mut g_plain) = (vec![0.0; density.dim()], vec![0.0; density.dim()]);
        let (Ok(lp), Ok(lp_plain)) = (
            density.logp_grad(&theta, &mut g),
            plain.logp_grad(&theta, &mut g_plain),
        ) else {
            continue;
        };
        compare(lp, lp_plain, &g, &g_plain, &names);
        check_gradient(density, &theta, &GradCheckOptions::default())
            .unwrap_or_else(|e| panic!("{e} ({names:?})"));
        checked += 1;
    }
    assert!(checked >= 10, "too few finite points: {checked}");
}

/// [`synthetic_data`] with each channel spending in a week with probability `p_on`.
pub(crate) fn synthetic_data_spending(
    spec: &ModelSpec,
    rows: usize,
    seed: u64,
    p_on: f64,
) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let channels: Vec<String> = spec.channels.iter().map(|c| c.column.clone()).collect();
    let controls: Vec<String> = spec.controls.iter().map(|c| c.column.clone()).collect();
    let mut csv = format!("{},{}", spec.data.date, spec.data.target);
    for c in channels.iter().chain(&controls) {
        csv.push(',');
        csv.push_str(c);
    }
    csv.push('\n');
    for t in 0..rows {
        // Weekly from Monday 2021-01-04 (day 18631 since 1970-01-01).
        let date = Date::from_days_since_epoch(18_631 + 7 * t as i64);
        csv.push_str(&format!("{date},{}", 100.0 + rng.random_range(0.0..50.0)));
        for _ in &channels {
            let on = rng.random_range(0.0..1.0) < p_on;
            let v = if on {
                rng.random_range(0.0..1000.0)
            } else {
                0.0
            };
            csv.push_str(&format!(",{v}"));
        }
        for _ in &controls {
            csv.push_str(&format!(",{}", rng.random_range(-1.0..1.0)));
        }
        csv.push('\n');
    }
    let req = DataRequest {
        date: spec.data.date.clone(),
        target: spec.data.target.clone(),
        channels,
        controls,
        min_rows: 2,
    };
    load_dataset_from_reader(csv.as_bytes(), "synthetic.csv", &req).unwrap()
}

#[test]
fn gradient_matches_finite_differences_for_every_model_file() {
    let opts = GradCheckOptions::default();
    let models = models();
    assert!(models.len() >= 4, "models/ should hold the example models");
    for path in models {
        let spec = ModelSpec::from_file(&path).unwrap();
        let data = synthetic_data(&spec, ROWS.min(400), 3);
        let mut density = MmmDensity::new(&spec, &data).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut checked = 0;
        for _ in 0..POINTS {
            let theta: Vec<f64> = (0..density.dim())
                .map(|_| rng.random_range(-1.5..1.5))
                .collect();
            let mut g = vec![0.0; density.dim()];
            if density.logp_grad(&theta, &mut g).is_err() {
                continue;
            }
            if let Err(e) = check_gradient(&mut density, &theta, &opts) {
                panic!(
                    "{}: {e} (parameter {:?})",
                    path.display(),
                    density.param_names()
                );
            }
            checked += 1;
        }
        assert!(
            checked >= POINTS / 2,
            "{}: too few finite points",
            path.display()
        );
    }
}

/// Rows of the longer data set in the restricted-likelihood tests, and rows fitted.
const ROWS_ALL: usize = 70;
const ROWS_FIT: usize = 50;
/// The restricted density and the density of the truncated data compute the same sums in a
/// different order of rows only where the forward pass runs past the fit: to round-off.
const SAME_DENSITY_REL: f64 = 1e-10;

#[test]
fn restricted_likelihood_gradient_matches_finite_differences() {
    let opts = GradCheckOptions::default();
    for path in models() {
        let spec = ModelSpec::from_file(&path).unwrap();
        let data = synthetic_data(&spec, ROWS_ALL, 3);
        let mut density = MmmDensity::with_fit_rows(&spec, &data, ROWS_FIT).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut checked = 0;
        for _ in 0..POINTS {
            let theta: Vec<f64> = (0..density.dim())
                .map(|_| rng.random_range(-1.5..1.5))
                .collect();
            let mut g = vec![0.0; density.dim()];
            if density.logp_grad(&theta, &mut g).is_err() {
                continue;
            }
            if let Err(e) = check_gradient(&mut density, &theta, &opts) {
                panic!("{}: {e}", path.display());
            }
            checked += 1;
        }
        assert!(
            checked >= POINTS / 2,
            "{}: too few finite points",
            path.display()
        );
    }
}

#[test]
fn restricted_likelihood_equals_the_density_of_the_first_rows_alone() {
    for path in models() {
        let spec = ModelSpec::from_file(&path).unwrap();
        // The synthetic rows are drawn in order, so the shorter set is the longer one's head.
        let long = synthetic_data(&spec, ROWS_ALL, 5);
        let short = synthetic_data(&spec, ROWS_FIT, 5);
        assert_eq!(long.dates()[..ROWS_FIT], short.dates()[..]);
        let mut restricted = MmmDensity::with_fit_rows(&spec, &long, ROWS_FIT).unwrap();
        let mut alone = MmmDensity::new(&spec, &short).unwrap();
        assert_eq!(restricted.scales(), alone.scales(), "{}", path.display());
        assert_eq!(restricted.n_fit_rows(), ROWS_FIT);
        assert_eq!(restricted.n_periods(), ROWS_ALL);
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        for _ in 0..POINTS {
            let theta: Vec<f64> = (0..alone.dim())
                .map(|_| rng.random_range(-1.5..1.5))
                .collect();
            let (mut g1, mut g2) = (vec![0.0; alone.dim()], vec![0.0; alone.dim()]);
            let (Ok(a), Ok(b)) = (
                restricted.logp_grad(&theta, &mut g1),
                alone.logp_grad(&theta, &mut g2),
            ) else {
                continue;
            };
            let close =
                |x: f64, y: f64| (x - y).abs() <= SAME_DENSITY_REL * (1.0 + x.abs().max(y.abs()));
            assert!(close(a, b), "{}: log density {a} vs {b}", path.display());
            for (i, (x, y)) in g1.iter().zip(&g2).enumerate() {
                assert!(
                    close(*x, *y),
                    "{}: gradient {i}: {x} vs {y}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn fit_rows_outside_the_data_are_refused() {
    let spec = ModelSpec::from_file(&models()[0]).unwrap();
    let data = synthetic_data(&spec, ROWS_FIT, 5);
    for bad in [0, 1, ROWS_FIT + 1] {
        let err = MmmDensity::with_fit_rows(&spec, &data, bad).unwrap_err();
        assert!(
            matches!(err, super::DensityError::FitRows { n_fit, n } if n_fit == bad && n == ROWS_FIT),
            "{err}"
        );
    }
}

/// The fast paths (blocked geometric recursion, vectorised saturation, folded prior constants)
/// and the textbook arithmetic sum the same terms in another order.
const FAST_VS_TEXTBOOK_REL: f64 = 1e-10;

/// The log density written the slow, obvious way: each prior's full log density, each
/// bijector's Jacobian, the direct convolution, the pointwise saturation curve, the likelihood.
fn textbook_log_density(density: &MmmDensity, theta: &[f64]) -> f64 {
    use crate::transform::{SaturationKind, convolve, hill, logistic};
    let lay = &density.layout;
    let d = &density.data;
    let n = d.n;
    let mut lp = 0.0;
    let mut x = vec![0.0; theta.len()];
    for (i, u) in theta.iter().enumerate() {
        let c = lay.bijectors[i].constrain_with_jacobian(*u);
        x[i] = c.x;
        lp += c.log_jac;
    }
    // A Hill channel with the shape coordinate samples m = h(S)·ln(K/x_hi), h(S) = √(S₀² + S²),
    // in place of ln K: K = x_hi·e^(m/h), and the change of variables m ↦ ln K ↦ K adds
    // ln K − ln h (in place of the bijector's ln K = m added above).
    for ([k_idx, s_idx], log_ref) in density.reparam.iter().flat_map(|r| r.shapes()) {
        let (m, s) = (theta[k_idx], x[s_idx]);
        lp -= m;
        let floor = super::reparam::SHAPE_FLOOR;
        let h = (floor * floor + s * s).sqrt();
        let log_k = log_ref + m / h;
        x[k_idx] = log_k.exp();
        lp += log_k - h.ln();
    }
    // A reparameterised coefficient's coordinate is its contribution between two spend levels
    // c = β·(f(x_hi) − (1 − w)·f(x_lo)): β = c / Δ, and the change of variables c ↦ β adds
    // ln(1 / Δ).
    for (beta_idx, [lo, hi]) in density.reparam.iter().flat_map(|r| r.coefficients()) {
        let ch = lay
            .channels
            .iter()
            .find(|ch| ch.beta_idx == beta_idx)
            .unwrap();
        let curve = |a: f64| match ch.saturation {
            SaturationKind::Hill => hill(a, x[ch.saturation_idx[0]], x[ch.saturation_idx[1]]).value,
            SaturationKind::Logistic => logistic(a, x[ch.saturation_idx[0]]).value,
        };
        let f = curve(hi) - (1.0 - super::reparam::LOWER_WEIGHT) * curve(lo);
        x[beta_idx] /= f;
        lp -= f.ln();
    }
    let mut mu = vec![0.0; n];
    for (t, m) in mu.iter_mut().enumerate() {
        if let Some(i) = lay.trend_idx {
            *m += x[i] * d.trend[t];
        }
        for (k, &i) in lay.gamma_idx.iter().enumerate() {
            *m += x[i] * d.controls[k][t];
        }
        for (j, &i) in lay.fourier_idx.iter().enumerate() {
            *m += x[i] * d.fourier[j * n + t];
        }
    }
    for (c, ch) in lay.channels.iter().enumerate() {
        let np = ch.adstock.n_params();
        let params: Vec<f64> = ch.adstock_idx[..np].iter().map(|i| x[*i]).collect();
        let mut w = vec![0.0; ch.max_lag];
        ch.adstock.weights(&params, ch.normalize, &mut w);
        let mut a = vec![0.0; n];
        convolve(&w, &d.spend[c], &mut a);
        for t in 0..n {
            let f = match ch.saturation {
                SaturationKind::Hill => {
                    hill(a[t], x[ch.saturation_idx[0]], x[ch.saturation_idx[1]]).value
                }
                SaturationKind::Logistic => logistic(a[t], x[ch.saturation_idx[0]]).value,
            };
            mu[t] += x[ch.beta_idx] * f;
        }
    }
    let m = d.n_fit;
    // A centred intercept's coordinate is the mean fitted level L: b = L − mean(rest).
    if density.centre {
        x[lay.intercept_idx] -= mu[..m].iter().sum::<f64>() / m as f64;
    }
    mu.iter_mut().for_each(|v| *v += x[lay.intercept_idx]);
    for (i, xi) in x.iter().enumerate() {
        lp += lay.priors[i].logpdf(*xi);
    }
    let nu = match lay.nu {
        super::layout::NuLayout::None => 0.0,
        super::layout::NuLayout::Fixed(v) => v,
        super::layout::NuLayout::Param(i) => x[i],
    };
    let mut scratch = vec![0.0; m];
    let lik = super::log_lik(
        lay.family,
        &d.obs[..m],
        &mu[..m],
        x[lay.sigma_idx],
        nu,
        d.log_jacobian,
        &mut scratch,
    );
    lp + lik.value
}

#[test]
fn fast_density_equals_the_textbook_density_for_every_model_file() {
    for path in models() {
        let spec = ModelSpec::from_file(&path).unwrap();
        let data = synthetic_data(&spec, ROWS, 4);
        let mut density = MmmDensity::new(&spec, &data).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let mut checked = 0;
        for _ in 0..POINTS {
            let theta: Vec<f64> = (0..density.dim())
                .map(|_| rng.random_range(-1.5..1.5))
                .collect();
            let mut g = vec![0.0; density.dim()];
            let Ok(fast) = density.logp_grad(&theta, &mut g) else {
                continue;
            };
            let slow = textbook_log_density(&density, &theta);
            assert!(
                (fast - slow).abs() <= FAST_VS_TEXTBOOK_REL * (1.0 + slow.abs()),
                "{}: {fast} vs {slow}",
                path.display()
            );
            checked += 1;
        }
        assert!(checked >= POINTS / 2, "{}", path.display());
    }
}
