//! The simulation folder: `data.csv`, `truth.json` and `model.toml` (the model, pointing at
//! `data.csv`), written atomically; and reading the truth back.

use std::path::{Path, PathBuf};

use crate::fit::data_csv;
use crate::fitdir::{OutputError, OutputKind, StagedDir};

use super::error::SimulateError;
use super::record::TruthRecord;
use super::run::Simulation;

/// The simulated data.
pub const DATA_FILE: &str = "data.csv";
/// The truth.
pub const TRUTH_FILE: &str = "truth.json";
/// The model, reading `data.csv`.
pub const MODEL_FILE: &str = "model.toml";

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
    let model = toml::to_string(&sim.spec)
        .map_err(|e| OutputError::io(out.join(MODEL_FILE), std::io::Error::other(e)))?;
    let header = format!(
        "# Simulated by `mmm simulate` from {} with truth {} (seed {}, {} periods).\n\
         # True values are in {TRUTH_FILE}; fit and compare with `mmm validate`.\n\n",
        sim.truth.model, sim.truth.truth, sim.truth.seed, sim.truth.periods
    );
    dir.write(MODEL_FILE, (header + &model).as_bytes())?;
    Ok(dir.commit()?)
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
