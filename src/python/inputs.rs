//! What Python hands the engine, read the way the command line reads it: a model as a file,
//! TOML text or a dict (sent as JSON), data as a file or CSV text made from a DataFrame.

use std::path::{Path, PathBuf};

use crate::data::{Dataset, load_dataset, load_dataset_from_reader};
use crate::fit::{FitError, data_request};
use crate::spec::ModelSpec;

use super::errors::message;

/// The name messages give data that came from a pandas DataFrame.
pub const DATAFRAME: &str = "DataFrame";

/// A model file, or model text, as the Python layer classified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelInput {
    /// A model file on disk.
    Path(PathBuf),
    /// TOML text.
    Toml(String),
    /// A dict, serialised as JSON by the Python layer.
    Json(String),
}

impl ModelInput {
    /// Build from the Python layer's `(kind, value)` pair.
    pub fn new(kind: &str, value: String) -> Result<ModelInput, String> {
        match kind {
            "path" => Ok(ModelInput::Path(PathBuf::from(value))),
            "toml" => Ok(ModelInput::Toml(value)),
            "json" => Ok(ModelInput::Json(value)),
            other => Err(format!(
                "unknown model kind {other:?}; expected path, toml or json"
            )),
        }
    }

    /// TOML text and the file it came from, if any.
    pub fn text(&self, what: &str) -> Result<(String, Option<PathBuf>), String> {
        match self {
            ModelInput::Path(p) => std::fs::read_to_string(p)
                .map(|t| (t, Some(p.clone())))
                .map_err(|e| format!("cannot read {}: {e}", p.display())),
            ModelInput::Toml(t) => Ok((t.clone(), None)),
            ModelInput::Json(j) => json_to_toml(j, what).map(|t| (t, None)),
        }
    }
}

/// A dict (as JSON) written as TOML, so the model-file checks (unknown keys, priors, ...) apply.
pub fn json_to_toml(json: &str, what: &str) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("{what} dict: {e}"))?;
    if !value.is_object() {
        return Err(format!(
            "{what} dict: expected a dict of tables, got {value}"
        ));
    }
    let table: toml::Value = toml::Value::try_from(value)
        .map_err(|e| format!("{what} dict cannot be written as TOML: {e}"))?;
    toml::to_string(&table).map_err(|e| format!("{what} dict cannot be written as TOML: {e}"))
}

/// Read and check a model.
pub fn load_spec(model: &ModelInput) -> Result<ModelSpec, String> {
    let spec = match model {
        ModelInput::Path(p) => ModelSpec::from_file(p),
        ModelInput::Toml(t) => ModelSpec::from_toml(t, None),
        ModelInput::Json(j) => ModelSpec::from_toml(&json_to_toml(j, "model")?, None),
    };
    spec.map_err(|e| message(&e))
}

/// Data as the Python layer hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataInput {
    /// The model file's own `[data] path`.
    FromModel,
    /// A CSV file.
    Path(PathBuf),
    /// CSV text made from a DataFrame.
    Csv(String),
}

impl DataInput {
    /// Build from the Python layer's `(kind, value)` pair.
    pub fn new(kind: &str, value: Option<String>) -> Result<DataInput, String> {
        match (kind, value) {
            ("none", _) => Ok(DataInput::FromModel),
            ("path", Some(v)) => Ok(DataInput::Path(PathBuf::from(v))),
            ("csv", Some(v)) => Ok(DataInput::Csv(v)),
            (other, _) => Err(format!(
                "unknown data kind {other:?}; expected none, path or csv"
            )),
        }
    }
}

/// The model and its data, checked together, as `mmm check` and `mmm fit` do.
pub fn load_model(model: &ModelInput, data: &DataInput) -> Result<(ModelSpec, Dataset), String> {
    let mut spec = load_spec(model)?;
    load_data(&mut spec, data)
        .map(|d| (spec, d))
        .map_err(|e| message(&e))
}

fn load_data(spec: &mut ModelSpec, data: &DataInput) -> Result<Dataset, FitError> {
    let request = data_request(spec);
    let dataset = match data {
        DataInput::Csv(text) => load_dataset_from_reader(text.as_bytes(), DATAFRAME, &request)?,
        DataInput::Path(p) => {
            spec.data.path = Some(p.clone());
            load_dataset(p, &request)?
        }
        DataInput::FromModel => {
            let path = spec.data.path.clone().ok_or_else(|| FitError::NoData {
                model: spec.origin(),
            })?;
            load_dataset(Path::new(&path), &request)?
        }
    };
    spec.check_against_rows(dataset.n_periods())?;
    Ok(dataset)
}
