//! What the `auto` metric chooses, window by window, on a few densities: the metric rank it
//! installed and the Fisher divergence (per dimension, 1 at best) of the diagonal metric and of
//! the installed one, with the run's cost and mixing.
//!
//! `cargo run --release --example metric_survey -- [--seed N] [--metric diag|auto|low_rank|dense]
//! [MODEL.toml ...]`: without model files, kilpisjarvi (posteriordb), the 24-d Gaussian of the
//! tests (neighbour correlations 0.99, sds over four decades) and the PyMC-Marketing example;
//! 4 chains x (1000 + 1000), the model file's settings (or the defaults) but for the seed and
//! the metric when given.

use std::path::{Path, PathBuf};

use mmm::diagnostics::summarize;
use mmm::fit::data_request;
use mmm::reference_models::{Ar1Normal, Kilpisjarvi, PosteriordbModel};
use mmm::{LogDensity, Metric, MmmDensity, ModelSpec, NoProgress, SamplerSettings, load_dataset};

fn survey<D: LogDensity + Clone + Send + Sync>(
    name: &str,
    density: &D,
    settings: &SamplerSettings,
) {
    let samples = mmm::sample(density, settings, &NoProgress).unwrap();
    println!(
        "{name} ({} dimensions, metric {})",
        density.dim(),
        settings.metric.as_str()
    );
    for c in &samples.chains {
        let windows: Vec<String> = c
            .warmup
            .phases
            .iter()
            .filter(|p| p.fisher_divergence_diag.is_some())
            .map(|p| {
                format!(
                    "k={} F {:.2}/{:.2}",
                    p.metric_rank,
                    p.fisher_divergence_diag.unwrap_or(f64::NAN),
                    p.fisher_divergence.unwrap_or(f64::NAN)
                )
            })
            .collect();
        println!("  chain {}: {}", c.chain, windows.join(" | "));
    }
    let (mut min_ess, mut max_rhat) = (f64::INFINITY, 0.0f64);
    for j in 0..density.dim() {
        let traces = samples.traces(j);
        let views: Vec<&[f64]> = traces.iter().map(Vec::as_slice).collect();
        let s = summarize(&views);
        min_ess = min_ess.min(s.ess_bulk);
        max_rhat = max_rhat.max(s.r_hat);
    }
    let draws: usize = samples.chains.iter().map(|c| c.n_draws()).sum();
    let leapfrog: u64 = samples.chains.iter().map(|c| c.n_leapfrog_total()).sum();
    println!(
        "  leapfrog/draw {:.1}, min bulk ESS {:.0} (unconstrained), max R-hat {:.3}, \
         divergences {} (warm-up {}), max-depth draws {}, gradients {} (warm-up {})",
        leapfrog as f64 / draws as f64,
        min_ess,
        max_rhat,
        samples.divergences(),
        samples
            .chains
            .iter()
            .map(|c| c.warmup_divergences)
            .sum::<usize>(),
        samples.max_depth_hits(),
        samples.gradient_evals(),
        samples.warmup_gradient_evals(),
    );
}

fn mmm_density(path: &Path) -> (ModelSpec, MmmDensity) {
    let spec = ModelSpec::from_file(path).unwrap();
    let data = load_dataset(spec.data.path.as_ref().unwrap(), &data_request(&spec)).unwrap();
    let density = MmmDensity::new(&spec, &data).unwrap();
    (spec, density)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seed = 1;
    let mut metric = None;
    let mut models: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).expect("--seed N"),
            "--metric" => {
                metric = Some(match args.next().as_deref() {
                    Some("diag") => Metric::Diag,
                    Some("dense") => Metric::Dense,
                    Some("low_rank") => Metric::LowRank,
                    Some("auto") => Metric::Auto,
                    _ => panic!("--metric diag|dense|low_rank|auto"),
                })
            }
            path => models.push(PathBuf::from(path)),
        }
    }
    let defaults = SamplerSettings::default();
    let settings = SamplerSettings {
        seed,
        metric: metric.unwrap_or(defaults.metric),
        ..defaults
    };
    if models.is_empty() {
        let pdb = root.join("tests/data/posteriordb");
        survey("kilpisjarvi", &Kilpisjarvi::load(&pdb).unwrap(), &settings);
        let gauss = Ar1Normal::spread(24, 4.0, 0.99).unwrap();
        survey("24-d Gaussian, rho 0.99", &gauss, &settings);
        models.push(root.join("models/pymc_marketing_example.toml"));
    }
    for path in &models {
        let (spec, density) = mmm_density(path);
        let settings = SamplerSettings {
            seed,
            metric: metric.unwrap_or(spec.sampler.metric),
            ..spec.sampler.clone()
        };
        survey(&path.display().to_string(), &density, &settings);
    }
}
