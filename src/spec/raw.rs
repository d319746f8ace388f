//! The model file exactly as written: serde structs that reject unknown keys and keep spans.
//!
//! Nothing here is validated beyond TOML types; `check.rs` turns a [`RawModel`] into a
//! [`ModelSpec`](super::ModelSpec). Priors stay TOML tables here so that `check.rs` can say
//! precisely which family parameter is wrong.

use serde::Deserialize;
use toml::{Spanned, Table, Value};

/// A prior as written: an inline table with `dist` and the family's parameters.
pub(super) type RawPrior = Spanned<Table>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawModel {
    pub data: Option<Spanned<RawData>>,
    pub likelihood: Option<Spanned<RawLikelihood>>,
    #[serde(default)]
    pub channel: Vec<Spanned<RawChannel>>,
    #[serde(default)]
    pub control: Vec<Spanned<RawControl>>,
    pub intercept: Option<Spanned<RawIntercept>>,
    pub seasonality: Option<Spanned<RawSeasonality>>,
    pub trend: Option<Spanned<RawTrend>>,
    pub sampler: Option<Spanned<RawSampler>>,
    pub report: Option<Spanned<RawReport>>,
    pub calibration: Option<Spanned<super::calibration::RawCalibration>>,
    /// `[[interaction]]` (panel models).
    #[serde(default)]
    pub interaction: Vec<Spanned<super::panel_spec::RawInteraction>>,
    /// `[panel]`: hyper-priors of a panel model.
    pub panel: Option<Spanned<super::panel_spec::RawPanel>>,
}

/// `[data]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawData {
    pub path: Option<Spanned<String>>,
    pub date: Option<Spanned<String>>,
    pub target: Option<Spanned<String>>,
    pub scale: Option<Spanned<String>>,
    pub scale_controls: Option<Spanned<bool>>,
    /// Column naming each row's group (a panel model).
    pub group: Option<Spanned<String>>,
    /// Column holding each group's population (per-capita modelling).
    pub population: Option<Spanned<String>>,
}

/// `[likelihood]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLikelihood {
    pub family: Option<Spanned<String>>,
    pub sigma: Option<RawPrior>,
    /// A fixed number or a prior table.
    pub nu: Option<Spanned<Value>>,
}

/// One `[[channel]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChannel {
    pub name: Option<Spanned<String>>,
    pub column: Option<Spanned<String>>,
    pub adstock: Option<Spanned<RawAdstock>>,
    pub saturation: Option<Spanned<RawSaturation>>,
    pub beta: Option<RawPrior>,
    pub roi: Option<RawPrior>,
    pub mroi: Option<RawPrior>,
    pub share: Option<RawPrior>,
}

/// A channel's `adstock`; which priors apply depends on `type`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAdstock {
    #[serde(rename = "type")]
    pub kind: Option<Spanned<String>>,
    pub max_lag: Option<Spanned<i64>>,
    pub normalize: Option<Spanned<bool>>,
    pub alpha: Option<RawPrior>,
    pub theta: Option<RawPrior>,
    pub shape: Option<RawPrior>,
    pub scale: Option<RawPrior>,
}

/// A channel's `saturation`; which priors apply depends on `type`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSaturation {
    #[serde(rename = "type")]
    pub kind: Option<Spanned<String>>,
    pub k: Option<RawPrior>,
    pub s: Option<RawPrior>,
    pub lam: Option<RawPrior>,
}

/// One `[[control]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawControl {
    pub column: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub coef: Option<RawPrior>,
    pub scale: Option<Spanned<bool>>,
}

/// `[intercept]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIntercept {
    pub prior: Option<RawPrior>,
}

/// `[seasonality]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSeasonality {
    pub order: Option<Spanned<i64>>,
    pub period: Option<Spanned<f64>>,
    pub prior: Option<RawPrior>,
}

/// `[trend]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTrend {
    #[serde(rename = "type")]
    pub kind: Option<Spanned<String>>,
    pub prior: Option<RawPrior>,
}

/// `[sampler]`: the fields of [`SamplerSettings`](crate::SamplerSettings).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSampler {
    pub chains: Option<Spanned<i64>>,
    pub warmup: Option<Spanned<i64>>,
    pub draws: Option<Spanned<i64>>,
    pub seed: Option<Spanned<i64>>,
    pub target_accept: Option<Spanned<f64>>,
    pub max_depth: Option<Spanned<i64>>,
    pub max_energy_error: Option<Spanned<f64>>,
    pub init_radius: Option<Spanned<f64>>,
    pub init_attempts: Option<Spanned<i64>>,
    pub metric: Option<Spanned<String>>,
}

/// `[report]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReport {
    pub interval: Option<Spanned<f64>>,
}
