//! Finite-difference checks of the panel density's gradient, every parameter block included
//! (every adstock and saturation family, the hierarchy, per-group intercept and trend,
//! controls, Fourier terms, the three kinds of interaction, each likelihood), on an
//! unbalanced panel.

use std::io::Write;
use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::PanelDensity;
use crate::data::{DataRequest, PanelData, load_panel};
use crate::spec::ModelSpec;
use crate::{GradCheckOptions, LogDensity, check_gradient};

/// Random points per model.
const POINTS: usize = 4;

/// An unbalanced weekly panel: three groups with different date ranges.
pub(crate) fn panel_csv() -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut s = String::from("week,geo,y,tv,search,social,price,promo,pop\n");
    for (g, (start, len, pop)) in [(0, 30, 10.0), (4, 22, 3.0), (10, 26, 7.0)]
        .into_iter()
        .enumerate()
    {
        for t in start..start + len {
            let date = crate::transform::Date::from_days_since_epoch(19_000 + 7 * t);
            let tv = if rng.random::<f64>() < 0.3 {
                0.0
            } else {
                rng.random::<f64>() * 50.0
            };
            let search = rng.random::<f64>() * 20.0;
            let social = rng.random::<f64>() * 10.0;
            let price = 1.0 + 0.1 * rng.random::<f64>();
            let promo = f64::from(u8::from(rng.random::<f64>() < 0.3));
            let y = 100.0 + 10.0 * rng.random::<f64>() + tv * 0.5;
            s += &format!("{date},g{g},{y},{tv},{search},{social},{price},{promo},{pop}\n");
        }
    }
    s
}

pub(crate) fn load(model: &str, csv: &str) -> (ModelSpec, PanelData) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("panel.csv");
    std::fs::File::create(&data)
        .unwrap()
        .write_all(csv.as_bytes())
        .unwrap();
    let spec = ModelSpec::from_toml(model, None).unwrap_or_else(|e| panic!("{e}"));
    let req = DataRequest {
        date: spec.data.date.clone(),
        target: spec.data.target.clone(),
        channels: spec.channels.iter().map(|c| c.column.clone()).collect(),
        controls: spec.controls.iter().map(|c| c.column.clone()).collect(),
        min_rows: 2,
    };
    let panel = spec.panel.as_ref().unwrap();
    let data = load_panel(
        Path::new(&data),
        &req,
        &panel.group,
        panel.population.as_deref(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    (spec, data)
}

fn check(model: &str) {
    let (spec, data) = load(model, &panel_csv());
    let mut density = PanelDensity::new(&spec, &data).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let opts = GradCheckOptions {
        rel_tol: 1e-5,
        abs_tol: 1e-5,
        ..GradCheckOptions::default()
    };
    for _ in 0..POINTS {
        let theta: Vec<f64> = (0..density.dim())
            .map(|_| rng.random::<f64>() * 2.0 - 1.0)
            .collect();
        check_gradient(&mut density, &theta, &opts).unwrap_or_else(|e| {
            let names = density.param_names();
            panic!("{e}\n{names:?}")
        });
    }
}

const HEAD: &str = "[data]\ndate = \"week\"\ntarget = \"y\"\ngroup = \"geo\"\n";

/// Every kind of block after `[data]`: a Hill channel, a geometric-logistic one, a delayed one,
/// two controls, seasonality, a trend and two interactions (channel × channel and channel ×
/// control).
const EVERY_BLOCK: &str = "[[channel]]\nname = \"tv\"\nsaturation = { type = \"hill\" }\n\
     [[channel]]\nname = \"search\"\n\
     [[channel]]\nname = \"social\"\nadstock = { type = \"delayed\", max_lag = 4 }\n\
     [[control]]\ncolumn = \"price\"\n[[control]]\ncolumn = \"promo\"\n\
     [seasonality]\norder = 2\n[trend]\ntype = \"linear\"\n\
     [[interaction]]\nterms = [\"search\", \"social\"]\n\
     [[interaction]]\nterms = [\"tv\", \"promo\"]\n";

#[test]
fn gradient_of_a_geometric_hill_panel_with_every_block_matches_finite_differences() {
    let model = format!(
        "{HEAD}population = \"pop\"\n{EVERY_BLOCK}\
         [[interaction]]\nterms = [\"price\", \"promo\"]\n"
    );
    check(&model);
}

#[test]
fn gradient_of_a_weibull_student_t_panel_matches_finite_differences() {
    let model = format!(
        "{HEAD}[likelihood]\nfamily = \"student_t\"\nnu = {{ dist = \"gamma\", shape = 2.0, rate = 0.1 }}\n\
         [[channel]]\nname = \"tv\"\nadstock = {{ type = \"weibull\", max_lag = 5 }}\n\
         [[channel]]\nname = \"social\"\n[panel]\nbeta_sigma = {{ dist = \"half_normal\", sigma = 1.0 }}\n"
    );
    check(&model);
}

#[test]
fn gradient_of_a_log_outcome_panel_with_interactions_matches_finite_differences() {
    let model = format!(
        "{HEAD}[likelihood]\nfamily = \"log_normal\"\n\
         [[channel]]\nname = \"search\"\n[[control]]\ncolumn = \"promo\"\n\
         [[interaction]]\nterms = [\"search\", \"promo\"]\n"
    );
    check(&model);
}

#[test]
fn group_coefficients_follow_the_non_centred_hierarchy() {
    let model = format!("{HEAD}[[channel]]\nname = \"tv\"\n");
    let (spec, data) = load(&model, &panel_csv());
    let mut density = PanelDensity::new(&spec, &data).unwrap();
    let names = density.param_names();
    let idx = |n: &str| names.iter().position(|p| p == n).unwrap();
    let mut x = vec![0.5; density.dim()];
    x[idx("beta_mu[tv]")] = -1.0;
    x[idx("beta_sigma[tv]")] = 0.3;
    x[idx("beta_z[tv,g1]")] = 2.0;
    density.forward(&x);
    let want = (-1.0_f64 + 0.3 * 2.0).exp();
    approx::assert_relative_eq!(density.beta[1], want, max_relative = 1e-12);
    assert_eq!(density.groups(), ["g0", "g1", "g2"]);
}

/// The sampled coordinates (`beta_mu` as log contribution at mean spend, `coords.rs`; each
/// group's intercept as its mean level, `density.rs`) are an exact change of variables with
/// unit Jacobian: at any θ, the density equals the model's density (no map, no centring) at
/// the model coordinates of [`PanelDensity::constrain`]'s output, and the map moves nothing
/// but `beta_mu` and the intercepts. The gradient through the map is checked by the finite
/// differences above.
#[test]
fn sampled_coordinates_give_the_model_density_at_mapped_points() {
    let model = format!(
        "{HEAD}[[channel]]\nname = \"tv\"\nsaturation = {{ type = \"hill\" }}\n\
         [[channel]]\nname = \"search\"\n[[control]]\ncolumn = \"promo\"\n\
         [trend]\ntype = \"linear\"\n"
    );
    let (spec, data) = load(&model, &panel_csv());
    let mut density = PanelDensity::new(&spec, &data).unwrap();
    assert!(density.coords.is_some() && density.centre);
    let mut plain = density.clone();
    plain.coords = None;
    plain.centre = false;
    let names = density.param_names();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let dim = density.dim();
    for _ in 0..POINTS {
        let theta: Vec<f64> = (0..dim).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect();
        let mut x = Vec::new();
        density.constrain(&theta, &mut x);
        let model_theta: Vec<f64> = x
            .iter()
            .zip(density.params())
            .map(|(v, p)| p.support.unconstrain(*v).unwrap())
            .collect();
        let mut grad = vec![0.0; dim];
        let sampled = density.logp_grad(&theta, &mut grad).unwrap();
        let direct = plain.logp_grad(&model_theta, &mut grad).unwrap();
        approx::assert_relative_eq!(sampled, direct, max_relative = 1e-11);
        let mut same = 0;
        for ((a, b), name) in theta.iter().zip(&model_theta).zip(&names) {
            if name.starts_with("beta_mu") || name.starts_with("intercept") {
                assert!((a - b).abs() > 1e-9, "{name} not mapped");
            } else {
                approx::assert_relative_eq!(*a, *b, max_relative = 1e-12, epsilon = 1e-12);
                same += 1;
            }
        }
        assert_eq!(same, dim - 2 - 3);
    }
}

/// Geometric adstock runs by the O(T) recursion per group; the same model with the weights
/// given by a delayed adstock at θ = 0 (peak at lag 0 is not geometric) is not comparable, so
/// this checks the recursion against the direct convolution on the density's own rows.
#[test]
fn geometric_adstock_per_group_matches_the_direct_convolution() {
    let model = format!(
        "{HEAD}[[channel]]\nname = \"tv\"\nadstock = {{ type = \"geometric\", max_lag = 6 }}\n"
    );
    let (spec, data) = load(&model, &panel_csv());
    let mut density = PanelDensity::new(&spec, &data).unwrap();
    let mut x = Vec::new();
    let theta: Vec<f64> = (0..density.dim())
        .map(|i| 0.1 * (i % 7) as f64 - 0.3)
        .collect();
    density.constrain(&theta, &mut x);
    density.forward(&x);
    let ch = &density.layout.channels[0];
    let mut w = vec![0.0; ch.max_lag];
    ch.adstock
        .weights(&[x[ch.adstock_idx[0]]], ch.normalize, &mut w);
    for g in 0..density.groups().len() {
        let rows = density.data.rows(g);
        let mut want = vec![0.0; rows.len()];
        crate::transform::convolve(&w, &density.data.spend[rows.clone()], &mut want);
        for (a, b) in density.adstocked[rows].iter().zip(&want) {
            approx::assert_relative_eq!(*a, *b, max_relative = 1e-12, epsilon = 1e-300);
        }
    }
}

/// The gradient's group-by-group pass gives the same log density as the whole-panel forward
/// pass (`forward`, which the outputs use) with the likelihood and the priors summed apart,
/// on a model with every kind of block.
#[test]
fn the_group_by_group_density_equals_the_whole_panel_forward_pass() {
    let model =
        format!("{HEAD}population = \"pop\"\n[likelihood]\nfamily = \"student_t\"\n{EVERY_BLOCK}");
    let (spec, data) = load(&model, &panel_csv());
    let mut density = PanelDensity::new(&spec, &data).unwrap();
    density.coords = None;
    density.centre = false;
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let dim = density.dim();
    for _ in 0..POINTS {
        let theta: Vec<f64> = (0..dim).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect();
        let mut grad = vec![0.0; dim];
        let got = density.logp_grad(&theta, &mut grad).unwrap();
        let mut want = 0.0;
        let mut x = Vec::with_capacity(dim);
        for (u, p) in theta.iter().zip(density.params()) {
            let c = p.support.constrain_with_jacobian(*u);
            want += crate::density::PriorTerm::new(p.prior).logpdf_grad(c.x).0 + c.log_jac;
            x.push(c.x);
        }
        density.forward(&x);
        let lay = &density.layout;
        let mut d_mu = vec![0.0; density.data.n_rows];
        want += crate::density::log_lik(
            lay.family,
            &density.data.obs,
            &density.mu,
            x[lay.sigma_idx],
            lay.nu.map_or(lay.fixed_nu, |i| x[i]),
            density.data.log_jacobian,
            &mut d_mu,
        )
        .value;
        approx::assert_relative_eq!(got, want, max_relative = 1e-11);
    }
}
