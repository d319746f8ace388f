//! A fit directory reads back into the same model, data and draws.

use std::process::Command;

use mmm::fit::load_fit_dir;

/// Means recomputed from the chain files agree with `summary.csv` to round-off.
const ROUND_TRIP_REL: f64 = 1e-12;

#[test]
fn fit_directory_round_trips_model_data_and_draws() {
    let dir = tempfile::tempdir().unwrap();
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/pymc_marketing_example.toml"
    );
    let out = dir.path().join("fit");
    let status = Command::new(env!("CARGO_BIN_EXE_mmm"))
        .args([
            "fit", model, "--warmup", "150", "--draws", "100", "--chains", "2", "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    // A fit this short may fail its review (exit status 3); the directory is written either way.
    assert!(
        matches!(status.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for file in [
        "fit.json",
        "data.csv",
        "summary.csv",
        "contributions.csv",
        "roas.csv",
        "response_curves.csv",
        "draws/chain-1.csv",
        "draws/chain-2.csv",
    ] {
        assert!(out.join(file).is_file(), "missing {file}");
    }
    let saved = load_fit_dir(&out).unwrap();
    assert_eq!(saved.draws.n_chains, 2);
    assert_eq!(saved.draws.n_draws, 100);
    assert_eq!(saved.data.n_periods(), 179);
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    for (p, line) in summary.lines().skip(1).enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[0], saved.draws.names[p]);
        let want: f64 = fields[1].parse().unwrap();
        let got = saved.draws.iter().map(|d| d[p]).sum::<f64>() / saved.draws.len() as f64;
        assert!(
            (got - want).abs() <= ROUND_TRIP_REL * want.abs().max(1e-300),
            "{line}: {got}"
        );
    }
}

#[test]
fn a_folder_that_is_not_a_fit_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_fit_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("fit.json") && err.contains("mmm fit"), "{err}");
}
