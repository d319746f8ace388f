//! Calibration with lift tests, through the binary, on `models/collinear.toml` simulated from
//! `models/collinear_truth.toml`: two channels whose spends move together (correlation 0.99).
//! Alone, the fit cannot split their effects (wide, off-centre ROAS intervals); one lift test
//! per channel makes the 90 % intervals cover both true ROAS and at least halves them, narrows
//! the slow channel's adstock, and a single test converges. Bad lift files fail with a located
//! message.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{mmm, model};

use mmm::fit::load_model;

/// Calibration must at least halve each channel's ROAS interval.
const SHRINK_MIN: f64 = 2.0;
/// The slow channel's adstock posterior sd must shrink by at least this factor.
const ADSTOCK_SD_SHRINK_MIN: f64 = 1.5;
/// Convergence a fit with one lift test must reach (DESIGN.md's threshold).
const RHAT_MAX: f64 = mmm::diagnostics::RHAT_MAX;
/// The committed measurements: within one sd of the truth, sd 10-20 % of the true lift.
const SD_SHARE: std::ops::RangeInclusive<f64> = 0.10..=0.20;
/// Divergences allowed in the one-lift-test fit (4 × 1000 draws). Measured over sampler seeds
/// 1-24 (2026-11-27, `mmm fit ... --seed s`): 3 of 24 fits had one divergence and none had
/// more, both before and after the scalar-gradient change that moved this test's seed 7 from
/// 0 to 1 by round-off; which seeds diverge moved, the rate did not.
const LIFT_ALONE_DIVERGENCES_MAX: u64 = 1;

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Rows of a CSV keyed by their first column, each a map column → value.
fn csv_rows(path: &Path) -> HashMap<String, HashMap<String, f64>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let values = header[1..]
                .iter()
                .zip(&cells[1..])
                .filter_map(|(h, c)| Some((h.to_string(), c.parse().ok()?)))
                .collect();
            (cells[0].to_string(), values)
        })
        .collect()
}

fn simulate(dir: &Path) -> PathBuf {
    let (m, t) = (model("collinear.toml"), model("collinear_truth.toml"));
    ok(&mmm(
        &["simulate", s(&m), "--truth", s(&t), "--out", "sim"],
        dir,
    ));
    dir.join("sim")
}

fn truth(sim: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(sim.join("truth.json")).unwrap()).unwrap()
}

fn true_roas(truth: &serde_json::Value, channel: &str) -> f64 {
    truth["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == channel)
        .unwrap()["roas"]
        .as_f64()
        .unwrap()
}

#[test]
fn lift_measurements_of_the_example_sit_within_their_sd_of_the_true_lift() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(dir.path());
    let truth = truth(&sim);
    let calibrated = model("calibration/collinear_calibrated.toml");
    let (spec, data) = load_model(&calibrated, Some(&sim.join("data.csv"))).unwrap();
    let mut density = mmm::MmmDensity::new(&spec, &data).unwrap();
    let values: HashMap<String, f64> = truth["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap().to_string();
            (name, p["value"].as_f64().unwrap())
        })
        .collect();
    let x: Vec<f64> = density.param_names().iter().map(|n| values[n]).collect();
    let lifts = density.model_lifts(&x);
    for (w, true_lift) in density.lift_windows().iter().zip(lifts) {
        let t = &w.test;
        assert!(
            (t.lift - true_lift).abs() <= t.lift_sd,
            "{} vs {true_lift}",
            t.lift
        );
        assert!(SD_SHARE.contains(&(t.lift_sd / true_lift)), "{}", t.lift_sd);
    }
}

#[test]
fn lift_tests_separate_collinear_channels_and_narrow_the_slow_adstock() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(dir.path());
    let truth = truth(&sim);
    // Alone, the two effects are not identified: the fit may fail its review (exit 3, chains
    // that disagree along the ridge); its directory is written either way.
    let alone = mmm(&["fit", "sim/model.toml", "--out", "alone"], dir.path());
    assert!(
        matches!(alone.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&alone.stderr)
    );
    let calibrated = model("calibration/collinear_calibrated.toml");
    let check = ok(&mmm(
        &["check", s(&calibrated), "--data", "sim/data.csv"],
        dir.path(),
    ));
    assert!(
        check.contains("Lift tests (2 in all") && check.contains("2024-03-04 to 2024-03-31"),
        "{check}"
    );
    let text = ok(&mmm(
        &[
            "fit",
            s(&calibrated),
            "--data",
            "sim/data.csv",
            "--out",
            "cal",
        ],
        dir.path(),
    ));
    assert!(
        text.contains("model lift (90% interval)") && text.contains("22,300 ± 3,100"),
        "{text}"
    );
    // fit.json: each test's lift before calibration (prior draws) is far wider than after it,
    // and the calibrated lift agrees with the measured one.
    let fit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("cal/fit.json")).unwrap())
            .unwrap();
    let tests = fit["lift_tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2);
    for t in tests {
        let f = |k: &str| t[k].as_f64().unwrap_or_else(|| panic!("{k} in {t}"));
        let prior_width = f("prior_upper") - f("prior_lower");
        let width = f("upper") - f("lower");
        assert!(prior_width >= SHRINK_MIN * width, "{t}");
        assert!(
            (f("mean") - f("measured")).abs() <= 2.0 * f("measured_sd"),
            "{t}"
        );
    }
    assert!(text.contains("prior lift (90% interval)"), "{text}");
    let alone = csv_rows(&dir.path().join("alone/roas.csv"));
    let cal = csv_rows(&dir.path().join("cal/roas.csv"));
    for channel in ["tv", "radio"] {
        let roas = true_roas(&truth, channel);
        let width = |r: &HashMap<String, f64>| r["roas_q95"] - r["roas_q5"];
        let (a, c) = (&alone[channel], &cal[channel]);
        // Alone: the interval is wider than the true ROAS itself.
        assert!(width(a) > roas, "{channel}: alone {a:?}");
        assert!(
            c["roas_q5"] <= roas && roas <= c["roas_q95"],
            "{channel}: calibrated {c:?} misses {roas}"
        );
        assert!(
            width(a) >= SHRINK_MIN * width(c),
            "{channel}: {} vs {}",
            width(a),
            width(c)
        );
    }
    // The slow channel's carryover: the lift test narrows it around the truth.
    let (sa, sc) = (
        csv_rows(&dir.path().join("alone/summary.csv")),
        csv_rows(&dir.path().join("cal/summary.csv")),
    );
    let (a, c) = (&sa["alpha[tv]"], &sc["alpha[tv]"]);
    assert!(a["sd"] >= ADSTOCK_SD_SHRINK_MIN * c["sd"], "{a:?} vs {c:?}");
    assert!(c["q5"] <= 0.7 && 0.7 <= c["q95"], "{c:?}");
}

#[test]
fn one_lift_test_alone_converges() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(dir.path());
    let text = std::fs::read_to_string(model("collinear.toml")).unwrap();
    std::fs::write(
        dir.path().join("model.toml"),
        format!("{text}\n[calibration]\nlift_tests = \"one.csv\"\n",),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("one.csv"),
        "channel,start,end,spend_change,lift,lift_sd\ntv,2024-03-04,2024-03-31,40000,22300,3100\n",
    )
    .unwrap();
    let data = sim.join("data.csv");
    ok(&mmm(
        &[
            "fit",
            "model.toml",
            "--data",
            s(&data),
            "--out",
            "fit",
            "--warmup",
            "1000",
            "--draws",
            "1000",
        ],
        dir.path(),
    ));
    let summary = csv_rows(&dir.path().join("fit/summary.csv"));
    for (name, row) in &summary {
        assert!(row["r_hat"] < RHAT_MAX, "{name}: {row:?}");
    }
    let fit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("fit/fit.json")).unwrap())
            .unwrap();
    let divergences: u64 = fit["chains"].as_array().map_or(0, |c| {
        c.iter().filter_map(|c| c["divergences"].as_u64()).sum()
    });
    assert!(
        divergences <= LIFT_ALONE_DIVERGENCES_MAX,
        "{divergences} divergences"
    );
}

#[test]
fn bad_lift_files_fail_with_file_row_column_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(model("collinear.toml")).unwrap();
    std::fs::write(
        dir.path().join("model.toml"),
        format!("{text}\n[calibration]\nlift_tests = \"lift.csv\"\n"),
    )
    .unwrap();
    let header = "channel,start,end,spend_change,lift,lift_sd\n";
    for (row, wanted) in [
        (
            "tvv,2024-03-04,2024-03-31,1,1,1",
            "lift.csv row 1, column \"channel\": unknown channel \"tvv\" (did you mean \"tv\"?)",
        ),
        (
            "tv,2024-03-04,2024-03-31,1,1,0",
            "lift.csv row 1, column \"lift_sd\": 0 is not positive",
        ),
        (
            "tv,2024-02-30,2024-03-31,1,1,1",
            "lift.csv row 1, column \"start\"",
        ),
    ] {
        std::fs::write(dir.path().join("lift.csv"), format!("{header}{row}\n")).unwrap();
        let out = mmm(&["check", "model.toml"], dir.path());
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(wanted), "{err}");
    }
}
