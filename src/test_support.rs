//! Helpers shared by unit tests across modules.

use std::path::PathBuf;

/// The model files in `models/`: every `*.toml` except truth files (`*_truth.toml`, for
/// `mmm simulate`) and scenario files (`*.scenario.toml`, for `mmm optimize`), sorted.
pub(crate) fn model_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models"));
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("models/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".toml")
                && !name.ends_with("_truth.toml")
                && !name.ends_with(".scenario.toml")
        })
        .collect();
    out.sort();
    out
}
