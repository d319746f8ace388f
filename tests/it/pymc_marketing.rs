//! `mmm fit` on PyMC-Marketing's canonical example agrees with PyMC-Marketing's posterior
//! (`tests/data/pymc_marketing/posterior_logistic.json`), read back from the fit
//! directory the way a user's script would.

use std::path::{Path, PathBuf};
use std::process::Command;

use mmm::diagnostics::{ESS_MIN, RHAT_MAX, mcse_sd};

/// Means may differ by this many combined Monte Carlo standard errors...
const MEAN_MCSE_MULTIPLE: f64 = 4.0;
/// ...or by this share of the posterior sd, whichever is larger.
const MEAN_SD_SHARE: f64 = 0.05;
/// Posterior sds agree within this relative tolerance...
const SD_REL_TOL: f64 = 0.15;
/// ...or, for heavy-tailed parameters whose sd estimate is itself noisy at 4000 draws, within
/// this many combined Monte Carlo standard errors of the sd (ours, and the reference run's
/// scaled from ours).
const SD_MCSE_MULTIPLE: f64 = 4.0;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fit_example(out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_mmm"))
        .arg("fit")
        .arg(manifest().join("models/pymc_marketing_example.toml"))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "mmm fit failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// Rows of a CSV file as header-keyed maps.
fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(path)
        .unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .map(String::from)
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn num(row: &std::collections::HashMap<String, String>, key: &str) -> f64 {
    row[key].parse().unwrap()
}

/// Per parameter, its traces from the CmdStan chain files (one Vec per chain).
fn chain_traces(fit: &Path, cmdstan_name: &str) -> Vec<Vec<f64>> {
    (1..=4)
        .map(|c| {
            read_csv(&fit.join(format!("draws/chain-{c}.csv")))
                .iter()
                .map(|row| num(row, cmdstan_name))
                .collect()
        })
        .collect()
}

#[test]
fn posterior_and_roas_agree_with_pymc_marketing() {
    let dir = tempfile::tempdir().unwrap();
    let fit = dir.path().join("fit");
    fit_example(&fit);
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            manifest().join("tests/data/pymc_marketing/posterior_logistic.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let fit_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fit.join("fit.json")).unwrap()).unwrap();
    let names: Vec<String> = serde_json::from_value(fit_json["parameters"].clone()).unwrap();
    let cmdstan: Vec<String> = serde_json::from_value(fit_json["cmdstan_names"].clone()).unwrap();
    let summary = read_csv(&fit.join("summary.csv"));
    assert_eq!(summary.len(), names.len());
    let mut failures = Vec::new();
    for (row, cs) in summary.iter().zip(&cmdstan) {
        let name = &row["parameter"];
        let r = &reference["params"][name.as_str()];
        let (ref_mean, ref_sd, ref_ess) = (
            r["mean"].as_f64().unwrap(),
            r["sd"].as_f64().unwrap(),
            r["ess_bulk"].as_f64().unwrap(),
        );
        let (mean, sd) = (num(row, "mean"), num(row, "sd"));
        let mcse = num(row, "mcse_mean");
        let combined = (mcse * mcse + ref_sd * ref_sd / ref_ess).sqrt();
        let tol = (MEAN_MCSE_MULTIPLE * combined).max(MEAN_SD_SHARE * ref_sd);
        if (mean - ref_mean).abs() > tol {
            failures.push(format!("{name}: mean {mean} vs {ref_mean} (tol {tol})"));
        }
        let traces = chain_traces(&fit, cs);
        let views: Vec<&[f64]> = traces.iter().map(Vec::as_slice).collect();
        // The reference run's MCSE of its sd is not stored; for the same shape it scales as
        // sd², so it is ours × (ref_sd / sd)² (ours counted twice when the sds agree). A run
        // that visited a heavy tail less often has both a smaller sd and a smaller MCSE of it,
        // and must not be judged by its own MCSE alone (issue 17: beta[x2]'s sd ranges over
        // 0.065–0.14 across seeds, at the same quantiles).
        let ours = mcse_sd(&views);
        let theirs = ours * (ref_sd / sd).powi(2);
        let sd_tol = SD_MCSE_MULTIPLE * ours.hypot(theirs);
        if (sd / ref_sd - 1.0).abs() > SD_REL_TOL && (sd - ref_sd).abs() > sd_tol {
            failures.push(format!(
                "{name}: sd {sd} vs {ref_sd} (mcse-based tol {sd_tol})"
            ));
        }
        if num(row, "r_hat") >= RHAT_MAX || num(row, "ess_bulk") <= ESS_MIN {
            failures.push(format!(
                "{name}: R-hat {} ESS {}",
                row["r_hat"], row["ess_bulk"]
            ));
        }
    }
    for row in read_csv(&fit.join("roas.csv")) {
        let ch = &row["channel"];
        let r = &reference["derived"]["roas"][ch.as_str()];
        let (ref_mean, ref_sd) = (r["mean"].as_f64().unwrap(), r["sd"].as_f64().unwrap());
        let (mean, sd) = (num(&row, "roas_mean"), num(&row, "roas_sd"));
        // The ROAS of a draw is a smooth function of beta, lam and alpha, whose bulk ESS
        // exceeds 400: its MCSE is at most sd / 20, combined over both runs sd * sqrt(2) / 20.
        let tol = (MEAN_MCSE_MULTIPLE * ref_sd * 2f64.sqrt() / ESS_MIN.sqrt())
            .max(MEAN_SD_SHARE * ref_sd);
        if (mean - ref_mean).abs() > tol {
            failures.push(format!("ROAS {ch}: mean {mean} vs {ref_mean} (tol {tol})"));
        }
        if (sd / ref_sd - 1.0).abs() > SD_REL_TOL {
            failures.push(format!("ROAS {ch}: sd {sd} vs {ref_sd}"));
        }
    }
    let divergences: u64 = fit_json["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["divergences"].as_u64().unwrap())
        .sum();
    if divergences > 0 {
        failures.push(format!("{divergences} divergences"));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
