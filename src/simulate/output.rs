//! The simulation folder: `data.csv`, `truth.json`, `model.toml` (the model, pointing at
//! `data.csv`) and, for a model with lift tests, `lift_tests.csv` (the lifts simulated), written
//! atomically; and reading the truth back.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::fit::data_csv;
use crate::fitdir::{OutputError, OutputKind, StagedDir};
use crate::spec::{CalibrationSpec, LIFT_COLUMNS, LiftLikelihood};

use super::error::SimulateError;
use super::record::TruthRecord;
use super::run::Simulation;

/// The simulated data.
pub const DATA_FILE: &str = "data.csv";
/// The truth.
pub const TRUTH_FILE: &str = "truth.json";
/// The model, reading `data.csv`.
pub const MODEL_FILE: &str = "model.toml";
/// The lift tests with simulated lifts, when the model has `[calibration]`.
pub const LIFT_FILE: &str = "lift_tests.csv";

/// Write `sim` into the folder `out` (replacing an existing one only if `replace`).
pub fn write_simulation(
    sim: &Simulation,
    out: &Path,
    replace: bool,
) -> Result<PathBuf, SimulateError> {
    let dir = StagedDir::new(out, OutputKind::Simulation, replace)?;
    dir.write(DATA_FILE, data_csv(&sim.spec, &sim.data).as_bytes())?;
    let json = serde_json::to_string_pretty(&sim.truth)
        .map_err(|e| OutputError::io(out.join(TRUTH_FILE), std::io::Error::other(e)))?;
    dir.write(TRUTH_FILE, json.as_bytes())?;
    let mut model = toml::to_string(&sim.spec)
        .map_err(|e| OutputError::io(out.join(MODEL_FILE), std::io::Error::other(e)))?;
    if let Some(cal) = &sim.spec.calibration {
        dir.write(LIFT_FILE, lift_csv(cal).as_bytes())?;
        model.push_str(&calibration_toml(cal));
    }
    let header = format!(
        "# Simulated by `mmm simulate` from {} with truth {} (seed {}, {} periods).\n\
         # True values are in {TRUTH_FILE}; fit and compare with `mmm validate`.\n\n",
        sim.truth.model, sim.truth.truth, sim.truth.seed, sim.truth.periods
    );
    dir.write(MODEL_FILE, (header + &model).as_bytes())?;
    Ok(dir.commit()?)
}

/// The lift tests as a lift-test CSV, each `lift` the simulated one.
fn lift_csv(cal: &CalibrationSpec) -> String {
    let mut s = LIFT_COLUMNS.join(",") + "\n";
    for t in &cal.tests {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{}",
            t.label, t.start, t.end, t.spend_change, t.lift, t.lift_sd
        );
    }
    s
}

/// `[calibration]` naming [`LIFT_FILE`], with the model's likelihood and reference periods.
fn calibration_toml(cal: &CalibrationSpec) -> String {
    let likelihood = match cal.likelihood {
        LiftLikelihood::Normal => "lift_likelihood = \"normal\"\n".to_string(),
        LiftLikelihood::StudentT { nu } => {
            format!("lift_likelihood = \"student_t\"\nlift_nu = {nu:?}\n")
        }
    };
    format!(
        "\n[calibration]\nlift_tests = \"{LIFT_FILE}\"\n{likelihood}reference_periods = {}\n",
        cal.reference_periods
    )
}

/// Read `truth.json` from a simulation folder.
pub fn read_truth(dir: &Path) -> Result<TruthRecord, SimulateError> {
    let path = dir.join(TRUTH_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| SimulateError::SimDir {
        path: dir.to_path_buf(),
        problem: format!(
            "cannot read {TRUTH_FILE} ({e}); is this a folder written by `mmm simulate`?"
        ),
    })?;
    serde_json::from_str(&text).map_err(|e| SimulateError::SimDir {
        path: dir.to_path_buf(),
        problem: format!("{TRUTH_FILE} is not a truth record ({e}); simulate again"),
    })
}
