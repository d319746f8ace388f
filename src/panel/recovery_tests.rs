//! Recovery on simulated panels (issue #18's acceptance): a 20 groups × 104 weeks × 4
//! channels panel whose group coefficients are drawn from the hierarchy is fitted, and the
//! national ROAS and the per-group coefficients are checked against the truth; the same data
//! fitted without pooling recovers the groups worse; the response curves' bands cover the true
//! curves per group and in total.

use std::collections::BTreeMap;

use super::gradient_tests::load;
use super::{
    PanelDensity, PanelFit, PanelTruth, SimulatedPanel, TOTAL, fit_panel, panel_curves,
    simulate_panel,
};
use crate::NoProgress;
use crate::posterior::{Interval, PosteriorDraws};
use crate::spec::ModelSpec;

/// At least this many of the 4 channels' national ROAS inside the 90 % interval.
const MIN_ROAS_COVERED: usize = 3;
/// Per-group coefficient coverage of the 90 % intervals must fall in this band.
const GROUP_COVERAGE: (f64, f64) = (0.80, 0.97);

/// The saturation rate and the coefficient trade off along a ridge shared by every group
/// (a flatter curve with a larger coefficient fits nearly as well), which makes the coverage
/// of 80 coefficients all-or-nothing per data set; an informative prior on the rate, centred
/// on the truth, leaves the per-group coefficients to the pooling under test.
const MODEL: &str = "[data]\ndate = \"week\"\ntarget = \"sales\"\ngroup = \"geo\"\n\
    population = \"pop\"\n\
    [[channel]]\nname = \"tv\"\nadstock = { type = \"geometric\", max_lag = 6 }\nsaturation = { type = \"logistic\", lam = { dist = \"gamma\", shape = 64.0, rate = 16.0 } }\n\
    [[channel]]\nname = \"search\"\nadstock = { type = \"geometric\", max_lag = 3 }\nsaturation = { type = \"logistic\", lam = { dist = \"gamma\", shape = 64.0, rate = 16.0 } }\n\
    [[channel]]\nname = \"social\"\nadstock = { type = \"geometric\", max_lag = 4 }\nsaturation = { type = \"logistic\", lam = { dist = \"gamma\", shape = 64.0, rate = 16.0 } }\n\
    [[channel]]\nname = \"radio\"\nadstock = { type = \"geometric\", max_lag = 4 }\nsaturation = { type = \"logistic\", lam = { dist = \"gamma\", shape = 64.0, rate = 16.0 } }\n\
    [sampler]\nchains = 4\nwarmup = 500\ndraws = 500\nseed = 5\ninit_radius = 0.5\n";

/// Without pooling: each group's coefficient has its own wide log-normal prior (a spread
/// across groups fixed at 2 on the log scale, so the groups tell each other nothing).
const UNPOOLED: &str =
    "[panel]\nbeta_sigma = { dist = \"truncated_normal\", mu = 2.0, sigma = 0.001, lower = 0.0 }\n";

const TRUTH: &str = "groups = 20\nperiods = 104\ntarget_scale = 100.0\nsigma = 0.15\n\
    intercept = { mean = 0.3, sd = 0.1 }\n\
    [channel.tv]\nalpha = 0.6\nlam = 4.0\nbeta_mu = -1.4\nbeta_sigma = 0.3\nspend = 1.0\n\
    [channel.search]\nalpha = 0.3\nlam = 4.0\nbeta_mu = -1.8\nbeta_sigma = 0.3\nspend = 0.5\n\
    [channel.social]\nalpha = 0.4\nlam = 4.0\nbeta_mu = -2.0\nbeta_sigma = 0.4\nspend = 0.4\n\
    [channel.radio]\nalpha = 0.5\nlam = 4.0\nbeta_mu = -2.2\nbeta_sigma = 0.25\nspend = 0.3\n";

fn simulate_and_fit(model: &str, seed: u64) -> (SimulatedPanel, PanelFit) {
    simulate_and_fit_truth(model, TRUTH, seed)
}

fn simulate_and_fit_truth(model: &str, truth: &str, seed: u64) -> (SimulatedPanel, PanelFit) {
    let spec = ModelSpec::from_toml(model, None).unwrap();
    let truth = PanelTruth::from_toml(truth).unwrap();
    let sim = simulate_panel(&spec, &truth, seed).unwrap();
    let (spec, data) = load(model, &sim.csv);
    let fit = fit_panel(&spec, &data, &NoProgress).unwrap();
    (sim, fit)
}

/// True `beta[c,g]` on the fit's scale (the fit divides the outcome by its own s_y).
fn group_truth(sim: &SimulatedPanel, fit: &PanelFit) -> BTreeMap<String, f64> {
    let ratio = sim.target_scale / fit.density.scales().target;
    sim.truth
        .iter()
        .filter(|(k, _)| k.starts_with("beta["))
        .map(|(k, v)| (k.clone(), v * ratio))
        .collect()
}

/// Covered count, and mean absolute log error of the posterior medians.
fn group_recovery(truth: &BTreeMap<String, f64>, fit: &PanelFit) -> (usize, f64) {
    let (mut covered, mut err) = (0, 0.0);
    for (name, v) in truth {
        let row = fit.row(name).unwrap_or_else(|| panic!("{name} missing"));
        covered += usize::from(row.stats.q5 <= *v && *v <= row.stats.q95);
        err += (row.stats.q50 / v).ln().abs();
    }
    (covered, err / truth.len() as f64)
}

/// Share of the response curves' points (spend above 0) whose true response lies inside the
/// fit's 90 % band: each group's curve, and the total over groups.
const MIN_CURVE_COVERAGE: f64 = 0.75;

/// The fit's `response_curves.csv` rows against the truth's own curves on the same grid.
fn curves_cover_the_truth(sim: &SimulatedPanel, fit: &PanelFit) {
    let density =
        PanelDensity::with_target_scale(&fit.spec, &fit.data, Some(sim.target_scale)).unwrap();
    let names = density.param_names();
    let x: Vec<f64> = names.iter().map(|n| sim.truth[n]).collect();
    let one = PosteriorDraws::from_constrained(names, &[vec![x]]).unwrap();
    let truth = panel_curves(&density, &fit.data, &one, Interval::default());
    assert_eq!(truth.len(), fit.curves.len());
    let mut covered = [0usize; 2];
    let mut seen = [0usize; 2];
    for (t, f) in truth.iter().zip(&fit.curves) {
        assert_eq!((&t.channel, &t.group), (&f.channel, &f.group));
        assert!((t.spend - f.spend).abs() <= 1e-9 * f.spend.max(1.0));
        if f.spend > 0.0 {
            let k = usize::from(f.group == TOTAL);
            seen[k] += 1;
            covered[k] += usize::from(f.q5 <= t.mean && t.mean <= f.q95);
        }
    }
    for k in 0..2 {
        let share = covered[k] as f64 / seen[k] as f64;
        assert!(
            share >= MIN_CURVE_COVERAGE,
            "{} curves: {covered:?} of {seen:?} points covered",
            ["group", "total"][k]
        );
    }
}

/// Seeds of the simulated panels whose per-group coverage is pooled.
const SEEDS: [u64; 1] = [21];

#[test]
fn a_20_by_104_by_4_panel_recovers_national_roas_and_group_coefficients() {
    let (mut hit, mut total, mut pooled_err) = (0, 0, 0.0);
    let mut first = None;
    for seed in SEEDS {
        let (sim, fit) = simulate_and_fit(MODEL, seed);
        assert!(
            fit.max_rhat() < 1.05,
            "seed {seed}: R-hat {}",
            fit.max_rhat()
        );
        let table: Vec<String> = sim
            .roas
            .iter()
            .zip(&fit.derived.roas)
            .map(|(t, f)| {
                format!(
                    "{} {:.3} [{:.3}, {:.3}]",
                    t.channel, t.roas_mean, f.roas_q5, f.roas_q95
                )
            })
            .collect();
        let covered = sim
            .roas
            .iter()
            .zip(&fit.derived.roas)
            .filter(|(t, f)| f.roas_q5 <= t.roas_mean && t.roas_mean <= f.roas_q95)
            .count();
        assert!(covered >= MIN_ROAS_COVERED, "seed {seed}: {table:?}");
        let truth = group_truth(&sim, &fit);
        assert_eq!(truth.len(), 80);
        let (h, err) = group_recovery(&truth, &fit);
        hit += h;
        total += truth.len();
        curves_cover_the_truth(&sim, &fit);
        if first.is_none() {
            pooled_err = err;
            first = Some(sim);
        }
    }
    let coverage = hit as f64 / total as f64;
    assert!(
        (GROUP_COVERAGE.0..=GROUP_COVERAGE.1).contains(&coverage),
        "per-group coverage {coverage} ({hit} of {total})"
    );
    // The first panel again without pooling: per-group errors are larger.
    let unpooled = format!("{MODEL}{UNPOOLED}");
    let (sim, fit) = simulate_and_fit(&unpooled, SEEDS[0]);
    assert_eq!(Some(&sim.csv), first.as_ref().map(|s| &s.csv), "same data");
    let (_, unpooled_err) = group_recovery(&group_truth(&sim, &fit), &fit);
    assert!(
        pooled_err < unpooled_err,
        "mean |log error| of beta[c,g]: pooled {pooled_err:.4}, unpooled {unpooled_err:.4}"
    );
}

/// A customer panel: one row per customer and period, products used as 0/1 indicators, an
/// interaction of two products, a log outcome (leads); intercepts per customer hold the
/// within-customer correlation.
const CUSTOMERS: &str = "[data]\ndate = \"week\"\ntarget = \"leads\"\ngroup = \"customer\"\n\
    [likelihood]\nfamily = \"log_normal\"\n\
    [[channel]]\nname = \"email\"\nadstock = { type = \"geometric\", max_lag = 2 }\n\
    [[control]]\ncolumn = \"sem\"\n[[control]]\ncolumn = \"social\"\n\
    [[interaction]]\nterms = [\"sem\", \"social\"]\n\
    [sampler]\nchains = 2\nwarmup = 600\ndraws = 800\nseed = 3\ninit_radius = 0.5\n";

const CUSTOMER_TRUTH: &str = "groups = 40\nperiods = 24\ntarget_scale = 10.0\nsigma = 0.3\n\
    intercept = { mean = -1.0, sd = 0.5 }\n\
    [channel.email]\nalpha = 0.3\nlam = 3.0\nbeta_mu = -1.0\nbeta_sigma = 0.3\nspend = 1.0\n\
    [control]\nsem = 1.4\nsocial = 0.5\n[interaction]\n\"sem:social\" = 0.3\n";

/// Customer panels simulated; the lift table's rows are pooled over them.
const CUSTOMER_SEEDS: [u64; 2] = [8, 9];
/// Of the 6 (lift, truth) pairs, at least this many inside the 90 % intervals (each is
/// inside with probability 0.9 when the intervals are calibrated).
const MIN_LIFTS_COVERED: usize = 5;

#[test]
fn the_lift_table_of_a_customer_panel_covers_the_true_lifts() {
    // The truth: exp(1.4) − 1 = +306 %, exp(0.5) − 1, and the pair exp(1.4 + 0.5 + 0.3) − 1.
    let want = [1.4_f64, 0.5, 2.2].map(|g| 100.0 * g.exp_m1());
    let mut covered = 0;
    let mut seen = Vec::new();
    for seed in CUSTOMER_SEEDS {
        let (sim, fit) = simulate_and_fit_truth(CUSTOMERS, CUSTOMER_TRUTH, seed);
        assert!(fit.max_rhat() < 1.05, "R-hat {}", fit.max_rhat());
        let lifts = &fit.derived.lifts;
        let terms: Vec<&str> = lifts.iter().map(|l| l.term.as_str()).collect();
        assert_eq!(terms, ["sem", "social", "sem:social"]);
        assert!(
            lifts[0].display().starts_with('+'),
            "{}",
            lifts[0].display()
        );
        for ((row, truth), want) in lifts.iter().zip(&sim.lifts).zip(want) {
            approx::assert_relative_eq!(truth.lift_pct_q50, want, max_relative = 1e-12);
            covered += usize::from(row.lift_pct_q5 <= want && want <= row.lift_pct_q95);
            seen.push(format!("{} {} vs {want:.0} %", row.term, row.display()));
        }
    }
    assert!(covered >= MIN_LIFTS_COVERED, "{seen:#?}");
}
