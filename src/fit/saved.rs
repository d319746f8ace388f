//! A fit directory read back: the model, a copy of its data, and the constrained draws, so
//! `mmm report` and `mmm optimize` work on a fit alone.

use std::path::{Path, PathBuf};

use crate::data::Dataset;
use crate::density::MmmDensity;
use crate::posterior::PosteriorDraws;
use crate::spec::ModelSpec;

use super::error::FitError;
use super::load::data_request;

/// The copy of the data a fit directory keeps.
pub const DATA_FILE: &str = "data.csv";

/// A fit as read from its directory.
#[derive(Debug, Clone)]
pub struct SavedFit {
    /// The fit directory.
    pub dir: PathBuf,
    /// The model, as checked when fitted.
    pub spec: ModelSpec,
    /// The data it was fitted on (from the directory's own copy).
    pub data: Dataset,
    /// The density, for derived quantities.
    pub density: MmmDensity,
    /// Constrained draws from the chain files.
    pub draws: PosteriorDraws,
    /// `fit.json` as written.
    pub meta: serde_json::Value,
}

fn bad(dir: &Path, problem: impl Into<String>) -> FitError {
    FitError::FitDir {
        path: dir.to_path_buf(),
        problem: problem.into(),
    }
}

/// The data set as CSV with the model's column names, for the fit directory's own copy.
pub fn data_csv(spec: &ModelSpec, data: &Dataset) -> String {
    let mut out = format!("{},{}", spec.data.date, spec.data.target);
    for c in spec
        .channels
        .iter()
        .map(|c| &c.column)
        .chain(spec.controls.iter().map(|c| &c.column))
    {
        out.push(',');
        out.push_str(c);
    }
    out.push('\n');
    for t in 0..data.n_periods() {
        out.push_str(&format!("{},{}", data.dates()[t], data.target()[t]));
        for series in data.channels().iter().chain(data.controls()) {
            out.push_str(&format!(",{}", series[t]));
        }
        out.push('\n');
    }
    out
}

/// Read the fit in `dir`.
pub fn load_fit_dir(dir: &Path) -> Result<SavedFit, FitError> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).map_err(|e| {
            bad(
                dir,
                format!("cannot read {name} ({e}); is this a folder written by `mmm fit`?"),
            )
        })
    };
    let meta: serde_json::Value = serde_json::from_str(&read("fit.json")?).map_err(|e| {
        bad(
            dir,
            format!("fit.json is not valid JSON ({e}); refit with `mmm fit`"),
        )
    })?;
    let toml = meta["model_toml"]
        .as_str()
        .ok_or_else(|| bad(dir, "fit.json has no model_toml; refit with `mmm fit`"))?;
    let mut spec = ModelSpec::from_toml(toml, None)?;
    let data_path = dir.join(DATA_FILE);
    spec.data.path = Some(data_path.clone());
    let data = crate::data::load_dataset(&data_path, &data_request(&spec))?;
    if meta["data"]["fingerprint"].as_str() != Some(data.fingerprint().as_str()) {
        return Err(bad(
            dir,
            "data.csv does not match the data the fit was made on (fingerprint differs); refit with `mmm fit`",
        ));
    }
    let density = MmmDensity::new(&spec, &data)?;
    let names = density.param_names();
    let chains = meta["chains"].as_array().map_or(0, Vec::len);
    let mut all = Vec::with_capacity(chains);
    for c in 1..=chains {
        let file = format!("draws/chain-{c}.csv");
        let text = read(&file)?;
        let n = names.len();
        all.push(parse_chain(&text, n, n).map_err(|p| bad(dir, format!("{file}: {p}")))?);
    }
    let draws = PosteriorDraws::from_constrained(names, &all)
        .ok_or_else(|| bad(dir, "chains differ in length; refit with `mmm fit`"))?;
    Ok(SavedFit {
        dir: dir.to_path_buf(),
        spec,
        data,
        density,
        draws,
        meta,
    })
}

/// The first `n_read` parameter columns (after the 7 sampler columns) of a CmdStan chain file
/// whose rows hold `n_columns` parameter columns (a panel fit writes its derived `beta[c,g]`
/// after the parameters).
pub(crate) fn parse_chain(
    text: &str,
    n_read: usize,
    n_columns: usize,
) -> Result<Vec<Vec<f64>>, String> {
    let mut rows = Vec::new();
    let mut header_seen = false;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !header_seen {
            header_seen = true;
            continue;
        }
        let fields = line.split(',').skip(7);
        let values: Result<Vec<f64>, _> = fields.clone().take(n_read).map(str::parse).collect();
        let values = values.map_err(|e| format!("line {}: {e}", i + 1))?;
        let found = fields.count();
        if found != n_columns {
            return Err(format!(
                "line {}: {found} parameter values, the model has {n_columns}",
                i + 1
            ));
        }
        rows.push(values);
    }
    Ok(rows)
}
