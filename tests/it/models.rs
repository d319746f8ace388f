//! Every model file shipped in `models/` is one a user can start from: `mmm check` accepts it,
//! on its own data when it names some, or on data simulated from its truth file when its data
//! come from `mmm simulate` (the truth file beside it, or the one its comment names).

use std::path::{Path, PathBuf};

use crate::support::mmm;

/// Model files whose data are simulated from a truth file that does not share their name.
const TRUTH_FOR: &[(&str, &str)] = &[
    ("sbc_small_mismatched.toml", "sbc_small_truth.toml"),
    (
        "panels/sbc_small_mismatched.toml",
        "panels/sbc_small_truth.toml",
    ),
    ("calibration/sbc_small_lift.toml", "sbc_small_truth.toml"),
    (
        "calibration/collinear_calibrated.toml",
        "collinear_truth.toml",
    ),
];

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// Every `*.toml` under `models/` that is a model file (not a truth or scenario file).
fn model_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "scenarios" && name != "data" {
                model_files(&path, out);
            }
        } else if name.ends_with(".toml") && !name.ends_with("_truth.toml") {
            out.push(path);
        }
    }
}

fn truth_for(model: &Path) -> PathBuf {
    let rel = model.strip_prefix(models_dir()).unwrap().to_string_lossy();
    if let Some((_, truth)) = TRUTH_FOR.iter().find(|(m, _)| *m == rel) {
        return models_dir().join(truth);
    }
    let stem = model.file_stem().unwrap().to_string_lossy();
    model.with_file_name(format!("{stem}_truth.toml"))
}

#[test]
fn every_shipped_model_file_passes_check() {
    let mut files = Vec::new();
    model_files(&models_dir(), &mut files);
    files.sort();
    assert!(files.len() >= 10, "found only {files:?}");
    let dir = tempfile::tempdir().unwrap();
    let mut simulated = 0;
    for (i, model) in files.iter().enumerate() {
        let m = model.to_str().unwrap();
        let out = mmm(&["check", m], dir.path());
        if out.status.success() {
            continue;
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("no data file") && err.contains("--data"),
            "{m}: mmm check failed:\n{err}"
        );
        let truth = truth_for(model);
        assert!(truth.is_file(), "{m} has no data and no truth file");
        let sim = format!("sim{i}");
        let out = mmm(
            &[
                "simulate",
                m,
                "--truth",
                truth.to_str().unwrap(),
                "--out",
                &sim,
            ],
            dir.path(),
        );
        assert!(
            out.status.success(),
            "{m}: simulate failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let data = format!("{sim}/data.csv");
        let out = mmm(&["check", m, "--data", &data], dir.path());
        assert!(
            out.status.success(),
            "{m}: mmm check on simulated data failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        simulated += 1;
    }
    assert!(
        simulated >= 4,
        "expected the simulated-data models to be checked"
    );
}
