//! Helpers shared by the integration tests: the example models and running the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `models/NAME` in this repository.
pub fn model(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(name)
}

/// Run `mmm ARGS` in `dir` and return what it printed and its status.
pub fn mmm(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mmm"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}
