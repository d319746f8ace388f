//! A panel fit read back from its folder: the model from `fit.json`, the data from the path
//! the fit was made on, and the parameter columns of `draws/chain-N.csv`.

use std::path::{Path, PathBuf};

use crate::data::PanelData;
use crate::posterior::{Interval, PosteriorDraws, SummaryRow, summarize_params};
use crate::spec::ModelSpec;

use super::curves::{PanelCurveRow, panel_curves};
use super::density::PanelDensity;
use super::derive::{PanelDerived, derive};
use super::error::PanelError;
use super::run::{load_panel_data, with_derived};
use crate::fit::parse_chain;

/// The fit directory's copy of the long-format data.
pub const PANEL_DATA_FILE: &str = "data.csv";

/// A stable hash of the panel's data: FNV-1a over each group's name, population and dataset
/// fingerprint (column names, dates and values), as 16 hex digits.
pub fn panel_fingerprint(data: &PanelData) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |s: &str| {
        for b in s.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat("mmm-panel-v1");
    for g in &data.groups {
        eat(&g.name);
        eat(&format!("{:e}", g.population));
        eat(&g.data.fingerprint());
    }
    format!("{h:016x}")
}

/// A panel fit as later commands read it.
#[derive(Debug, Clone)]
pub struct SavedPanelFit {
    /// The fit folder.
    pub dir: PathBuf,
    /// The model.
    pub spec: ModelSpec,
    /// The data.
    pub data: PanelData,
    /// The density.
    pub density: PanelDensity,
    /// Constrained draws of the parameters (without the derived `beta[c,g]`).
    pub draws: PosteriorDraws,
    /// `fit.json` as written.
    pub meta: serde_json::Value,
}

impl SavedPanelFit {
    /// Contributions, ROAS and lifts recomputed from the draws, and the summary of every
    /// parameter and derived `beta[c,g]` — what `mmm fit` computed.
    pub fn outputs(&self) -> (PanelDerived, Vec<SummaryRow>) {
        let derived = derive(&self.spec, &self.density, &self.draws);
        let summary = with_derived(&self.density, &self.draws, &derived)
            .map(|d| summarize_params(&d))
            .unwrap_or_default();
        (derived, summary)
    }

    /// Response curves per group and in total recomputed from the draws — what `mmm fit`
    /// wrote to `response_curves.csv`.
    pub fn curves(&self) -> Vec<PanelCurveRow> {
        let interval = Interval::new(self.spec.report.interval);
        panel_curves(&self.density, &self.data, &self.draws, interval)
    }
}

fn bad(dir: &Path, what: impl std::fmt::Display) -> PanelError {
    PanelError::Invalid(format!("{}: {what}", dir.display()))
}

/// Read the panel fit in `dir`.
pub fn load_panel_fit(dir: &Path) -> Result<SavedPanelFit, PanelError> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).map_err(|e| {
            bad(
                dir,
                format!("cannot read {name} ({e}); is this a folder written by `mmm fit`?"),
            )
        })
    };
    let meta: serde_json::Value = serde_json::from_str(&read("fit.json")?)
        .map_err(|e| bad(dir, format!("fit.json is not valid JSON ({e}); refit")))?;
    let toml = meta["model_toml"]
        .as_str()
        .ok_or_else(|| bad(dir, "fit.json has no model_toml; refit with `mmm fit`"))?;
    let spec = ModelSpec::from_toml(toml, None).map_err(|e| bad(dir, e))?;
    // The fit's own copy of the data; a fit written before copies were kept names its file.
    let copy = dir.join(PANEL_DATA_FILE);
    let path = if copy.is_file() {
        copy
    } else {
        meta["data"]["path"]
            .as_str()
            .map(PathBuf::from)
            .ok_or_else(|| bad(dir, "fit.json names no data file; refit with `mmm fit`"))?
    };
    let data = load_panel_data(&spec, &path)?;
    if let Some(expected) = meta["data"]["fingerprint"].as_str()
        && expected != panel_fingerprint(&data)
    {
        return Err(bad(
            dir,
            format!(
                "{} does not match the data the fit was made on (fingerprint differs); refit with `mmm fit`",
                path.display()
            ),
        ));
    }
    let density = PanelDensity::new(&spec, &data)?;
    let names = density.param_names();
    let chains = meta["chains"].as_array().map_or(0, Vec::len);
    let mut all = Vec::with_capacity(chains);
    for c in 1..=chains {
        let file = format!("draws/chain-{c}.csv");
        let text = read(&file)?;
        let n_columns = names.len() + spec.channels.len() * data.groups.len();
        all.push(
            parse_chain(&text, names.len(), n_columns)
                .map_err(|p| bad(dir, format!("{file}: {p}")))?,
        );
    }
    let draws = PosteriorDraws::from_constrained(names, &all)
        .ok_or_else(|| bad(dir, "chains differ in length; refit with `mmm fit`"))?;
    Ok(SavedPanelFit {
        dir: dir.to_path_buf(),
        spec,
        data,
        density,
        draws,
        meta,
    })
}
