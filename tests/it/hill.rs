//! The Hill variant of PyMC-Marketing's canonical example converges with this engine's default
//! priors (PyMC-Marketing's own Hill defaults do not: docs/model-file.md, "Hill defaults").

use std::path::Path;

use mmm::diagnostics::{ESS_MIN, RHAT_MAX, summarize};
use mmm::{DataRequest, MmmDensity, ModelSpec, NoProgress, Samples, load_dataset, sample};

/// The run the claim is about: 4 chains x (1000 warm-up + 1000 draws).
const CHAINS: usize = 4;
const WARMUP: usize = 1000;
const DRAWS: usize = 1000;

fn hill_example() -> (ModelSpec, MmmDensity) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/pymc_marketing_example_hill.toml");
    let spec = ModelSpec::from_file(&path).unwrap();
    let req = DataRequest {
        date: spec.data.date.clone(),
        target: spec.data.target.clone(),
        channels: spec.channels.iter().map(|c| c.column.clone()).collect(),
        controls: spec.controls.iter().map(|c| c.column.clone()).collect(),
        min_rows: 2,
    };
    let data_path = spec.data.path.clone().unwrap();
    let data = load_dataset(&data_path, &req).unwrap();
    let density = MmmDensity::new(&spec, &data).unwrap();
    (spec, density)
}

/// Constrained traces of parameter `j`, one per chain (what a user reads).
fn constrained_traces(density: &MmmDensity, samples: &Samples, j: usize) -> Vec<Vec<f64>> {
    let mut x = Vec::new();
    samples
        .chains
        .iter()
        .map(|c| {
            (0..c.n_draws())
                .map(|i| {
                    density.constrain(c.draw(i), &mut x);
                    x[j]
                })
                .collect()
        })
        .collect()
}

#[test]
fn hill_example_converges_with_default_priors() {
    let (spec, density) = hill_example();
    let settings = &spec.sampler;
    assert_eq!(
        (settings.chains, settings.warmup, settings.draws),
        (CHAINS, WARMUP, DRAWS)
    );
    let samples = sample(&density, settings, &NoProgress).unwrap();

    let mut failures = Vec::new();
    for (j, name) in density.param_names().iter().enumerate() {
        let traces = constrained_traces(&density, &samples, j);
        let views: Vec<&[f64]> = traces.iter().map(Vec::as_slice).collect();
        let s = summarize(&views);
        if s.r_hat.is_nan() || s.r_hat >= RHAT_MAX || s.ess_bulk <= ESS_MIN {
            failures.push(format!(
                "{name}: R-hat {:.4}, bulk ESS {:.0}",
                s.r_hat, s.ess_bulk
            ));
        }
    }
    if samples.divergences() > 0 {
        failures.push(format!("{} divergences", samples.divergences()));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
