//! A small report for unit tests, built without sampling: a synthetic weekly data set, draws
//! near each prior's median, and a hand-written `fit.json`.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Uniform};
use serde_json::json;

use crate::data::load_dataset_from_reader;
use crate::density::MmmDensity;
use crate::fit::data_request;
use crate::posterior::{PosteriorDraws, derive, summarize_params};
use crate::spec::ModelSpec;
use crate::transform::Date;

use super::input::ReportData;

/// A channel name built to break naive HTML.
pub const HOSTILE_NAME: &str = "<script>alert(\"x\")</script> & 'q'";

const MODEL: &str = r#"
[data]
date = "week"
target = "sales"
[likelihood]
family = "normal"
sigma = { dist = "half_normal", sigma = 1.0 }
[[channel]]
name = "tv"
column = "tv_spend"
adstock = { type = "geometric", max_lag = 4, alpha = { dist = "beta", alpha = 2.0, beta = 2.0 } }
saturation = { type = "hill", k = { dist = "gamma", shape = 4.0, rate = 8.0 }, s = { dist = "gamma", shape = 4.0, rate = 3.0 } }
beta = { dist = "half_normal", sigma = 0.5 }
[[channel]]
name = "search"
column = "search_spend"
adstock = { type = "delayed", max_lag = 5, alpha = { dist = "beta", alpha = 2.0, beta = 2.0 }, theta = { dist = "uniform", lower = 0.0, upper = 4.0 } }
saturation = { type = "logistic", lam = { dist = "gamma", shape = 3.0, rate = 1.0 } }
beta = { dist = "half_normal", sigma = 0.5 }
[[control]]
column = "promo"
coef = { dist = "normal", mu = 0.0, sigma = 0.5 }
[intercept]
prior = { dist = "normal", mu = 0.5, sigma = 0.2 }
[seasonality]
order = 1
[sampler]
chains = 2
draws = 40
seed = 7
"#;

const PERIODS: i64 = 60;
const CHAINS: usize = 2;
const DRAWS: usize = 40;

fn data_csv() -> String {
    let start = Date::parse_iso("2023-01-02").map_or(0, Date::days_since_epoch);
    let mut out = String::from("week,sales,tv_spend,search_spend,promo\n");
    for t in 0..PERIODS {
        let date = Date::from_days_since_epoch(start + 7 * t);
        let f = t as f64;
        let tv = 500.0 + 400.0 * (f / 5.0).sin().abs() + if t % 9 == 0 { 0.0 } else { 50.0 };
        let search = 200.0 + 150.0 * (f / 3.0).cos().abs();
        let promo = f64::from(u8::from(t % 13 == 0));
        let sales = 10_000.0 + 3.0 * tv + 5.0 * search + 800.0 * promo + 500.0 * (f / 8.0).sin();
        out.push_str(&format!("{date},{sales},{tv},{search},{promo}\n"));
    }
    out
}

/// The fixture report; `hostile` renames the first channel to [`HOSTILE_NAME`].
pub fn fixture_named(hostile: bool) -> ReportData {
    let mut spec = ModelSpec::from_toml(MODEL, None).unwrap();
    if hostile {
        spec.channels[0].name = HOSTILE_NAME.to_string();
    }
    let data =
        load_dataset_from_reader(data_csv().as_bytes(), "synthetic.csv", &data_request(&spec))
            .unwrap();
    let density = MmmDensity::new(&spec, &data).unwrap();
    let params = spec.parameters();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let near_median = Uniform::new(0.35, 0.65).unwrap();
    let chains: Vec<Vec<Vec<f64>>> = (0..CHAINS)
        .map(|_| {
            (0..DRAWS)
                .map(|_| {
                    params
                        .iter()
                        .map(|p| p.prior.quantile(near_median.sample(&mut rng)))
                        .collect()
                })
                .collect()
        })
        .collect();
    let draws = PosteriorDraws::from_constrained(density.param_names(), &chains).unwrap();
    let summary = summarize_params(&draws);
    let derived = derive(&spec, &density, &data, &draws, spec.sampler.seed);
    let meta = json!({
        "engine": {"name": "mmm", "version": "0.0.0-test"},
        "model_file": "models/<b>weird</b>.toml",
        "data": {"path": "synthetic.csv"},
        "chains": [
            {"chain": 1, "step_size": 0.31, "divergences": 0, "max_depth_hits": 0, "e_bfmi": 0.9, "n_leapfrog": 600},
            {"chain": 2, "step_size": 0.29, "divergences": 3, "max_depth_hits": 1, "e_bfmi": 0.2, "n_leapfrog": 640},
        ],
        "review": [
            {"name": "R-hat", "verdict": "pass", "detail": "largest 1.004 (sigma)", "advice": ""},
            {"name": "divergences", "verdict": "fail", "detail": "3 of 80 draws", "advice": "raise target_accept"},
        ],
    });
    ReportData::from_parts(spec, data, draws, summary, derived, &meta)
}

/// The fixture report with ordinary names.
pub fn fixture() -> ReportData {
    fixture_named(false)
}
