//! Measurements behind docs/sampler.md ("Choosing the metric"), ignored in the normal run:
//! `cargo nextest run --release --run-ignored only -E 'test(survey_)' --no-capture`.
//! Each line: worst R-hat, min bulk and tail ESS, leapfrog steps per kept draw, divergences
//! (kept and warm-up), max-depth hits, gradient evaluations (whole run and warm-up), min
//! bulk ESS per 1000 gradient evaluations, chain 0's step size.

use mmm::diagnostics::summarize;
use mmm::reference_models::{self as rm, PosteriordbModel, ReferenceModel};
use mmm::{LogDensity, Metric, NoProgress, SamplerSettings, sample};

fn report<M: ReferenceModel>(model: &M, metric: Metric, seeds: std::ops::RangeInclusive<u64>) {
    for seed in seeds {
        let settings = SamplerSettings {
            seed,
            metric,
            ..SamplerSettings::default()
        };
        let s = sample(model, &settings, &NoProgress).unwrap();
        let (mut rhat, mut ess, mut tail) = (0.0f64, f64::INFINITY, f64::INFINITY);
        for j in 0..model.dim() {
            let t = s.traces(j);
            let v: Vec<&[f64]> = t.iter().map(Vec::as_slice).collect();
            let x = summarize(&v);
            rhat = rhat.max(x.r_hat);
            ess = ess.min(x.ess_bulk);
            tail = tail.min(x.ess_tail);
        }
        let draws: usize = s.chains.iter().map(|c| c.n_draws()).sum();
        let lf: u64 = s.chains.iter().map(|c| c.n_leapfrog_total()).sum();
        let wdiv: usize = s.chains.iter().map(|c| c.warmup_divergences).sum();
        eprintln!(
            "{} {:?} seed {seed}: rhat {rhat:.4} ess {ess:.0} tail {tail:.0} lf/draw {:.1} div {} wdiv {wdiv} maxdepth {} grads {} warm {} ess/kgrad {:.2} eps {:.3}",
            model.name(),
            metric,
            lf as f64 / draws as f64,
            s.divergences(),
            s.max_depth_hits(),
            s.gradient_evals(),
            s.warmup_gradient_evals(),
            1000.0 * ess / s.gradient_evals() as f64,
            s.chains[0].step_size
        );
    }
}

fn dir() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/posteriordb"
    ))
}

#[test]
#[ignore = "measurement"]
fn survey_kilpisjarvi_diag() {
    let m = rm::Kilpisjarvi::load(&dir()).unwrap();
    report(&m, Metric::Diag, 1..=4);
}

#[test]
#[ignore = "measurement"]
fn survey_posteriordb_diag_and_auto() {
    for metric in [Metric::Diag, Metric::Auto] {
        survey(metric);
    }
}

fn survey(metric: Metric) {
    let seeds = 1..=3;
    report(&rm::Kidiq::load(&dir()).unwrap(), metric, seeds.clone());
    report(&rm::Earnings::load(&dir()).unwrap(), metric, seeds.clone());
    report(&rm::ArK::load(&dir()).unwrap(), metric, seeds.clone());
    report(&rm::Sblrc::load(&dir()).unwrap(), metric, seeds.clone());
    report(&rm::Garch11::load(&dir()).unwrap(), metric, seeds.clone());
    report(
        &rm::LowDimGaussMix::load(&dir()).unwrap(),
        metric,
        seeds.clone(),
    );
    report(&rm::StdNormal { dim: 100 }, metric, seeds.clone());
}

/// Per chain of ARMA(1,1) from explosive starts (issue 13): step size, leapfrog steps per
/// draw, max-depth hits, restarts, per-phase step sizes and the chain's mean of each parameter.
#[test]
#[ignore = "measurement"]
fn survey_arma11_chains() {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/arma11"));
    let m = rm::Arma11::load(&dir).unwrap();
    for metric in [Metric::Diag, Metric::Auto] {
        for seed in 1..=7 {
            let settings = SamplerSettings {
                seed,
                metric,
                ..SamplerSettings::default()
            };
            let s = sample(&m, &settings, &NoProgress).unwrap();
            for c in &s.chains {
                let means: Vec<String> = (0..m.dim())
                    .map(|j| {
                        let t = c.trace(j);
                        format!("{:.3}", t.iter().sum::<f64>() / t.len() as f64)
                    })
                    .collect();
                let phases: Vec<String> = c
                    .warmup
                    .phases
                    .iter()
                    .map(|p| format!("{:.2e}/{}", p.step_size, p.divergences))
                    .collect();
                eprintln!(
                    "{metric:?} seed {seed} chain {}: eps {:.3e} lf/draw {:.1} maxdepth {} restarts {} stuck {:?} means {means:?} phases {phases:?}",
                    c.chain,
                    c.step_size,
                    c.n_leapfrog_total() as f64 / c.n_draws() as f64,
                    c.stats
                        .iter()
                        .filter(|d| d.tree_depth >= settings.max_depth)
                        .count(),
                    c.warmup.restarts,
                    c.stuck,
                );
            }
        }
    }
}

/// Warm-up divergences and cost with the default settings on two linear regressions
/// (docs/performance.md, "Warm-up step size").
#[test]
#[ignore = "measurement"]
fn survey_default_regressions() {
    report(&rm::Kidiq::load(&dir()).unwrap(), Metric::Auto, 1..=3);
    report(&rm::Earnings::load(&dir()).unwrap(), Metric::Auto, 1..=3);
}
