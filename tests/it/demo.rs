//! `mmm demo` runs the whole path and leaves an editable, rerunnable folder.

use std::process::Command;

#[test]
fn demo_writes_inputs_fit_report_and_allocation_and_reruns_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_mmm"))
            .args(["demo", "--out"])
            .arg(&out)
            .output()
            .unwrap()
    };
    let first = run();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    for file in [
        "model.toml",
        "truth.toml",
        "scenario.toml",
        "simulation/data.csv",
        "simulation/truth.json",
        "fit/fit.json",
        "fit/report.html",
        "fit/recovery.csv",
        "fit/allocation.csv",
        "fit/allocation.json",
    ] {
        assert!(out.join(file).is_file(), "missing {file}");
    }
    assert!(
        stdout.contains("Covered:") && stdout.contains("report.html"),
        "{stdout}"
    );
    // The written model file is an ordinary model the user can check and refit.
    let check = Command::new(env!("CARGO_BIN_EXE_mmm"))
        .arg("check")
        .arg(out.join("model.toml"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let report = std::fs::read_to_string(out.join("fit/report.html")).unwrap();
    assert!(report.contains("Budget allocation"));
    // A rerun replaces the demo's own folder, but never a folder it did not write.
    assert!(run().status.success());
    let foreign = dir.path().join("mine");
    std::fs::create_dir(&foreign).unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_mmm"))
        .args(["demo", "--out"])
        .arg(&foreign)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
}
