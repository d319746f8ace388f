//! Validation against ground truth, through the binary: the demo model recovers its true ROAS
//! and converges; SBC passes on a small model and fails with a planted prior bug; backtest
//! intervals cover about 90 % of held-out periods; truth-file errors are located.

use std::path::Path;
use std::process::Output;

use crate::support::{mmm, model};

/// Fewest of the demo's 4 channels whose true ROAS the 90 % interval must cover.
const DEMO_ROAS_COVERED_MIN: u64 = 3;
/// Convergence the demo fit must reach (DESIGN.md's threshold).
const RHAT_MAX: f64 = mmm::diagnostics::RHAT_MAX;
/// Divergences allowed in the demo's recovery fit (4 × 1000 draws, sampler seed 42). Measured
/// over sampler seeds 0-52 of the same fit (2026-11-27, `mmm fit sim/model.toml --data
/// sim/data.csv --seed s`): at most one divergence in 47 of 53 seeds, both before and after the
/// scalar-gradient change that moved seed 42 from 0 to 1 by round-off (the log density and
/// gradient agree to the last printed digit); a chain with ~20 divergences turns up at about
/// one seed in 50 in either build.
const DEMO_DIVERGENCES_MAX: u64 = 1;
/// Acceptable share of held-out periods inside the 90 % predictive intervals.
const BACKTEST_COVERAGE: std::ops::RangeInclusive<f64> = 0.80..=0.97;

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn demo_model_recovers_its_true_roas_and_converges() {
    let dir = tempfile::tempdir().unwrap();
    let (demo, truth) = (model("demo.toml"), model("demo_truth.toml"));
    let args = [
        "simulate",
        path_str(&demo),
        "--truth",
        path_str(&truth),
        "--out",
        "sim",
    ];
    ok(&mmm(&args, dir.path()));
    let sim = dir.path().join("sim");
    for file in ["data.csv", "truth.json", "model.toml"] {
        assert!(sim.join(file).is_file(), "missing {file}");
    }
    let truth = json(&sim.join("truth.json"));
    assert_eq!(truth["periods"], 156);
    assert_eq!(truth["channels"].as_array().unwrap().len(), 4);

    // The model's own sampler settings: 4 chains x (1000 warm-up + 1000 draws).
    let out = mmm(&["validate", "sim"], dir.path());
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("roas[tv]") && text.contains("90% interval"),
        "{text}"
    );
    let rec = json(&sim.join("recovery.json"));
    let covered = rec["roas_covered"][0].as_u64().unwrap();
    assert!(covered >= DEMO_ROAS_COVERED_MIN, "{text}");
    let conv = &rec["convergence"];
    assert!(conv["max_rhat"].as_f64().unwrap() < RHAT_MAX, "{text}");
    let divergences = conv["divergences"].as_u64().unwrap();
    assert!(divergences <= DEMO_DIVERGENCES_MAX, "{text}");
    let csv = std::fs::read_to_string(sim.join("recovery.csv")).unwrap();
    assert!(csv.starts_with("name,quantity,truth,mean,q5,q95,covered,rel_error\n"));
    assert!(sim.join("fit/summary.csv").is_file());
    // A second run does not silently replace the fit.
    let again = mmm(&["validate", "sim"], dir.path());
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

fn sbc(dir: &Path, out: &str, fit_model: Option<&Path>) -> (Output, serde_json::Value) {
    let small = model("sbc_small.toml");
    let mut args = vec![
        "sbc",
        path_str(&small),
        "--periods",
        "60",
        "--replicates",
        "100",
        "--warmup",
        "200",
        "--draws",
        "100",
        "--out",
        out,
    ];
    if let Some(f) = fit_model {
        args.extend(["--fit-model", path_str(f)]);
    }
    let output = mmm(&args, dir);
    let result = json(&dir.join(out).join("sbc.json"));
    (output, result)
}

#[test]
fn sbc_passes_on_a_small_model_and_fails_with_a_planted_prior_bug() {
    let dir = tempfile::tempdir().unwrap();
    let (out, result) = sbc(dir.path(), "right", None);
    ok(&out);
    assert_eq!(result["pass"], true);
    assert_eq!(result["replicates"].as_array().unwrap().len(), 100);
    assert!(dir.path().join("right/rank_histograms.svg").is_file());
    let ranks = std::fs::read_to_string(dir.path().join("right/ranks.csv")).unwrap();
    assert_eq!(ranks.lines().count(), 1 + 100 * 8);

    let mismatched = model("sbc_small_mismatched.toml");
    let (out, result) = sbc(dir.path(), "bug", Some(&mismatched));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SBC failed"));
    assert_eq!(result["pass"], false);
    let tests = result["tests"].as_array().unwrap();
    let beta_tv = tests.iter().find(|t| t["name"] == "beta[tv]").unwrap();
    assert_eq!(beta_tv["pass"], false);
}

/// SBC of a model with one lift test: each replicate's measured lift is simulated from its
/// drawn parameters, so the ranks are uniform (the fit sees the lift through its likelihood).
#[test]
fn sbc_passes_on_a_small_model_with_a_lift_test() {
    let dir = tempfile::tempdir().unwrap();
    let lift = model("calibration/sbc_small_lift.toml");
    let args = [
        "sbc",
        path_str(&lift),
        "--periods",
        "40",
        "--replicates",
        "60",
        "--warmup",
        "200",
        "--draws",
        "100",
        "--out",
        "lift",
    ];
    let out = mmm(&args, dir.path());
    ok(&out);
    let result = json(&dir.path().join("lift/sbc.json"));
    assert_eq!(result["pass"], true);
    assert_eq!(result["replicates"].as_array().unwrap().len(), 60);
    assert_eq!(result["tests"].as_array().unwrap().len(), 8);
}

#[test]
fn backtest_intervals_cover_about_ninety_percent_of_held_out_periods() {
    let dir = tempfile::tempdir().unwrap();
    let (small, truth) = (model("sbc_small.toml"), model("sbc_small_truth.toml"));
    let args = [
        "simulate",
        path_str(&small),
        "--truth",
        path_str(&truth),
        "--out",
        "sim",
    ];
    ok(&mmm(&args, dir.path()));
    let args = [
        "backtest",
        "sim/model.toml",
        "--folds",
        "6",
        "--horizon",
        "8",
        "--chains",
        "2",
        "--warmup",
        "300",
        "--draws",
        "300",
        "--out",
        "bt",
    ];
    let out = mmm(&args, dir.path());
    ok(&out);
    let result = json(&dir.path().join("bt/backtest.json"));
    let coverage = result["overall"]["coverage"].as_f64().unwrap();
    assert!(
        BACKTEST_COVERAGE.contains(&coverage),
        "{coverage}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(result["overall"]["n"], 48);
    assert_eq!(result["folds"].as_array().unwrap().len(), 6);
    assert!(dir.path().join("bt/backtest.svg").is_file());
    let predictions = std::fs::read_to_string(dir.path().join("bt/predictions.csv")).unwrap();
    assert_eq!(predictions.lines().count(), 1 + 48);
}

#[test]
fn truth_file_errors_name_the_line_the_key_and_the_nearest_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let truth = "periods = 60\n[parameters]\n\"beta[TV]\" = 0.3\n\"alpha[search]\" = 1.5\n";
    std::fs::write(dir.path().join("truth.toml"), truth).unwrap();
    let small = model("sbc_small.toml");
    let args = [
        "simulate",
        path_str(&small),
        "--truth",
        "truth.toml",
        "--out",
        "sim",
    ];
    let out = mmm(&args, dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("truth.toml: 2 problems"), "{err}");
    assert!(err.contains("line 3, parameters.\"beta[TV]\": the model has no parameter beta[TV]; did you mean \"beta[tv]\"?"), "{err}");
    assert!(
        err.contains("line 4, parameters.\"alpha[search]\" = 1.5: lies outside the support"),
        "{err}"
    );
    assert!(!dir.path().join("sim").exists());

    std::fs::write(dir.path().join("truth.toml"), "periods = 60\nnoise = 1\n").unwrap();
    let err = String::from_utf8_lossy(&mmm(&args, dir.path()).stderr).to_string();
    assert!(
        err.contains("truth.toml, line 2: unknown field `noise`"),
        "{err}"
    );

    let out = mmm(&["validate", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mmm simulate"));

    // An SBC with no replicates is refused before any work, and nothing is written.
    let small = concat!(env!("CARGO_MANIFEST_DIR"), "/models/sbc_small.toml");
    let out = mmm(
        &["sbc", small, "--replicates", "0", "--out", "sbc"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: --replicates 0: SBC needs at least 1 replicate"),
        "{err}"
    );
    assert!(!dir.path().join("sbc").exists());
}
