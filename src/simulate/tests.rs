//! Simulation end to end: the truth's scale change leaves the outcome unchanged, given values
//! are kept, the noise is the likelihood's, and the folder reads back as a model with data.

use std::path::Path;

use crate::density::{Decomposition, MmmDensity};
use crate::spec::ModelSpec;

use super::*;

/// Round-off allowed when the same outcome is computed on two target scales.
const SCALE_INVARIANCE_REL: f64 = 1e-9;
/// Observation noise used where the outcome should equal its mean.
const TINY_SIGMA: f64 = 1e-9;
/// Standard deviations of that noise allowed between outcome and mean.
const NOISE_SDS: f64 = 10.0;

fn model(name: &str) -> ModelSpec {
    ModelSpec::from_file(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(name),
    )
    .unwrap()
}

fn log_normal_model() -> ModelSpec {
    let text = "[data]\ndate = \"week\"\ntarget = \"sales\"\n[likelihood]\nfamily = \"log_normal\"\n\
                [[channel]]\nname = \"tv\"\nsaturation = { type = \"hill\" }\n\
                [[control]]\ncolumn = \"promo\"\n[seasonality]\norder = 1\n[trend]\ntype = \"linear\"\n";
    ModelSpec::from_toml(text, None).unwrap()
}

/// Bit-for-bit equality.
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= SCALE_INVARIANCE_REL * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn truth_on_the_fit_scale_gives_the_same_outcome_as_the_simulation() {
    for spec in [
        model("full.toml"),
        model("pymc_marketing_example.toml"),
        log_normal_model(),
    ] {
        let mut truth = Truth::prior_draw(&spec);
        truth.target_scale = 3.0e5;
        let sim = simulate(&spec, &truth, &SimulateOptions::default()).unwrap();
        assert!(sim.truth.fit_target_scale > 0.0);
        assert!(!close(sim.truth.fit_target_scale, sim.truth.target_scale));
        let mut density = MmmDensity::new(&spec, &sim.data).unwrap();
        assert!(close(density.scales().target, sim.truth.fit_target_scale));
        let x: Vec<f64> = sim.truth.parameters.iter().map(|p| p.value).collect();
        let mut dec = Decomposition::default();
        density.decompose(&x, &mut dec);
        let want = |name: &str| {
            let c = sim.truth.contributions.iter().find(|c| c.component == name);
            c.map(|c| c.values.clone()).unwrap()
        };
        for (t, f) in want("fitted").iter().enumerate() {
            assert!(close(dec.fitted[t], *f), "{}: fitted {t}", spec.origin());
        }
        for (c, ch) in spec.channels.iter().enumerate() {
            for (t, v) in want(&ch.name).iter().enumerate() {
                assert!(
                    close(dec.channels[c][t], *v),
                    "{}: {} {t}",
                    spec.origin(),
                    ch.name
                );
            }
            assert!(close(dec.mroas[c], sim.truth.channels[c].mroas));
        }
    }
}

#[test]
fn given_values_are_kept_and_the_others_drawn_as_without_them() {
    let spec = model("pymc_marketing_example.toml");
    let free = simulate(
        &spec,
        &Truth::prior_draw(&spec),
        &SimulateOptions::default(),
    )
    .unwrap();
    let text = "[parameters]\n\"beta[x1]\" = 0.7\nsigma = 0.05\n";
    let truth = Truth::from_toml(text, "t.toml", &spec).unwrap();
    let fixed = simulate(&spec, &truth, &SimulateOptions::default()).unwrap();
    for (a, b) in free.truth.parameters.iter().zip(&fixed.truth.parameters) {
        match a.name.as_str() {
            "beta[x1]" => assert!(same(b.value_simulated, 0.7) && !b.from_prior),
            "sigma" => assert!(same(b.value_simulated, 0.05) && !b.from_prior),
            _ => assert!(
                same(a.value_simulated, b.value_simulated) && b.from_prior,
                "{}",
                a.name
            ),
        }
    }
    // Same seed, same spend.
    assert_eq!(free.data.channels(), fixed.data.channels());
    let other = SimulateOptions {
        seed: Some(7),
        periods: Some(60),
    };
    let reseeded = simulate(&spec, &truth, &other).unwrap();
    assert_eq!(reseeded.data.n_periods(), 60);
    assert_ne!(reseeded.data.channel(0)[..60], free.data.channel(0)[..60]);
}

#[test]
fn with_negligible_noise_the_outcome_is_the_sum_of_its_contributions() {
    let spec = model("full.toml");
    let mut truth = Truth::prior_draw(&spec);
    let sigma_at = spec
        .parameters()
        .iter()
        .position(|p| p.name == "sigma")
        .unwrap();
    truth.parameters[sigma_at] = Some(TINY_SIGMA);
    let sim = simulate(&spec, &truth, &SimulateOptions::default()).unwrap();
    let series = |name: &str| {
        let c = sim.truth.contributions.iter().find(|c| c.component == name);
        c.map(|c| c.values.clone()).unwrap()
    };
    let (fitted, observed, baseline) = (series("fitted"), series("observed"), series("baseline"));
    let tol = NOISE_SDS * TINY_SIGMA * truth.target_scale;
    for t in 0..fitted.len() {
        assert!((fitted[t] - observed[t]).abs() <= tol);
        let channels: f64 = spec.channels.iter().map(|c| series(&c.name)[t]).sum();
        assert!(close(baseline[t] + channels, fitted[t]));
    }
    for (c, ch) in sim.truth.channels.iter().enumerate() {
        let spend: f64 = sim.data.channel(c).iter().sum();
        assert!(close(ch.roas, series(&ch.name).iter().sum::<f64>() / spend));
    }
}

#[test]
fn too_few_periods_say_how_many_the_model_needs() {
    let spec = model("pymc_marketing_example.toml");
    let options = SimulateOptions {
        periods: Some(10),
        seed: None,
    };
    let err = simulate(&spec, &Truth::prior_draw(&spec), &options).unwrap_err();
    assert!(
        matches!(
            err,
            SimulateError::TooFewPeriods {
                periods: 10,
                needed: 16,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn the_simulation_folder_reads_back_as_a_model_with_its_data_and_truth() {
    let spec = model("pymc_marketing_example_hill.toml");
    let sim = simulate(
        &spec,
        &Truth::prior_draw(&spec),
        &SimulateOptions::default(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    write_simulation(&sim, &out, false).unwrap();
    assert!(write_simulation(&sim, &out, false).is_err());
    let (spec2, data2) = crate::fit::load_model(&out.join(MODEL_FILE), None).unwrap();
    assert_eq!(data2.fingerprint(), sim.data.fingerprint());
    assert_eq!(spec2.parameters(), spec.parameters());
    // serde_json reads floats to within an ulp or so, not always bit for bit.
    let back = read_truth(&out).unwrap();
    assert_eq!(back.dates, sim.truth.dates);
    assert_eq!(back.channels.len(), sim.truth.channels.len());
    for (a, b) in back.parameters.iter().zip(&sim.truth.parameters) {
        assert_eq!(a.name, b.name);
        assert!(close(a.value, b.value) && close(a.value_simulated, b.value_simulated));
    }
    for (a, b) in back.channels.iter().zip(&sim.truth.channels) {
        assert!(a.design == b.design && close(a.roas, b.roas), "{}", a.name);
    }
    let err = read_truth(dir.path()).unwrap_err().to_string();
    assert!(err.contains("mmm simulate"), "{err}");
}

#[test]
fn roi_and_mroi_priors_draw_the_channels_true_roi_and_mroi() {
    // The same stream draws the same number for beta[tv] under `beta = P` and `roi = P`: under
    // the second it must be the simulated channel's ROI (or marginal ROI), not its beta.
    let base = "[data]\ndate = \"week\"\ntarget = \"sales\"\n\
                [[channel]]\nname = \"tv\"\nsaturation = { type = \"hill\" }\n";
    let prior = "{ dist = \"log_normal\", mu = 0.2, sigma = 0.9 }";
    let as_beta = ModelSpec::from_toml(&format!("{base}beta = {prior}\n"), None).unwrap();
    let truth = Truth::prior_draw(&as_beta);
    let plain = simulate(&as_beta, &truth, &SimulateOptions::default()).unwrap();
    let drawn = plain.truth.parameters[3].value_simulated;
    assert_eq!(plain.truth.parameters[3].name, "beta[tv]");
    for key in ["roi", "mroi"] {
        let spec = ModelSpec::from_toml(&format!("{base}{key} = {prior}\n"), None).unwrap();
        let sim = simulate(&spec, &truth, &SimulateOptions::default()).unwrap();
        let got = if key == "roi" {
            sim.truth.channels[0].roas
        } else {
            sim.truth.channels[0].mroas
        };
        assert!(close(got, drawn), "{key}: {got} vs drawn {drawn}");
        assert!(!close(sim.truth.parameters[3].value_simulated, drawn));
    }
    let share = ModelSpec::from_toml(
        &format!("{base}share = {{ dist = \"beta\", alpha = 2, beta = 8 }}\n"),
        None,
    )
    .unwrap();
    let err = simulate(
        &share,
        &Truth::prior_draw(&share),
        &SimulateOptions::default(),
    );
    assert!(
        matches!(err, Err(SimulateError::SharePrior { .. })),
        "{err:?}"
    );
}

/// Replicates of the lift-noise check (z-scores of simulated lifts around the true lift).
const LIFT_REPLICATES: u64 = 400;
/// Allowed |mean z|: four standard errors of the mean of 400 standard normals.
const LIFT_MEAN_TOL: f64 = 0.2;
/// Allowed variance of z: 1 ± 0.25 (about four standard errors at 400 draws).
const LIFT_VAR_TOL: f64 = 0.25;

#[test]
fn lift_tests_are_simulated_around_the_true_parameters_lift() {
    let spec = model("calibration/sbc_small_lift.toml");
    let truth = Truth::prior_draw(&spec);
    let opts = crate::density::DensityOptions {
        target_scale: Some(truth.target_scale),
        ..crate::density::DensityOptions::default()
    };
    let csv = &spec.calibration.as_ref().unwrap().tests[0];
    let z: Vec<f64> = (0..LIFT_REPLICATES)
        .map(|seed| {
            let options = SimulateOptions {
                periods: Some(40),
                seed: Some(seed),
            };
            let sim = simulate(&spec, &truth, &options).unwrap();
            let test = &sim.spec.calibration.as_ref().unwrap().tests[0];
            assert_eq!(
                (test.start, test.end, test.spend_change, test.lift_sd),
                (csv.start, csv.end, csv.spend_change, csv.lift_sd)
            );
            let mut density = MmmDensity::with_options(&spec, &sim.data, &opts).unwrap();
            let model = density.model_lifts(&sim.params)[0];
            (test.lift - model) / test.lift_sd
        })
        .collect();
    let n = z.len() as f64;
    let mean = z.iter().sum::<f64>() / n;
    let var = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    assert!(mean.abs() < LIFT_MEAN_TOL, "mean z {mean}");
    assert!((var - 1.0).abs() < LIFT_VAR_TOL, "variance of z {var}");
}

#[test]
fn a_simulation_with_lift_tests_writes_them_and_reads_back_with_the_simulated_lifts() {
    let spec = model("calibration/sbc_small_lift.toml");
    let truth = Truth::prior_draw(&spec);
    let options = SimulateOptions {
        periods: Some(40),
        seed: Some(3),
    };
    let sim = simulate(&spec, &truth, &options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    write_simulation(&sim, &out, false).unwrap();
    let (back, _) = crate::fit::load_model(&out.join(MODEL_FILE), None).unwrap();
    let (a, b) = (
        back.calibration.as_ref().unwrap(),
        sim.spec.calibration.as_ref().unwrap(),
    );
    assert_eq!(a.path, out.join(LIFT_FILE));
    assert_eq!(
        (a.likelihood, a.reference_periods),
        (b.likelihood, b.reference_periods)
    );
    assert_eq!(a.tests.len(), b.tests.len());
    for (x, y) in a.tests.iter().zip(&b.tests) {
        assert_eq!(
            (x.label.as_str(), x.start, x.end),
            (y.label.as_str(), y.start, y.end)
        );
        assert!(close(x.lift, y.lift) && close(x.spend_change, y.spend_change));
        assert!(close(x.lift_sd, y.lift_sd));
    }
    // The file's own lift is not the simulated one.
    assert!(!close(
        b.tests[0].lift,
        spec.calibration.as_ref().unwrap().tests[0].lift
    ));
}
