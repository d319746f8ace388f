//! The truth of a simulation as `truth.json` records it (parameters, designs, per-period
//! contributions, each channel's ROAS), and how a parameter's value moves when the target's
//! scale changes.

use serde::{Deserialize, Serialize};

use crate::spec::{Likelihood, ParamKind};

use super::controls::ControlDesign;
use super::spend::ChannelDesign;

/// `truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthRecord {
    /// The engine that simulated.
    pub engine_version: String,
    /// The model file simulated from.
    pub model: String,
    /// The truth file, or "prior draw".
    pub truth: String,
    /// Random seed.
    pub seed: u64,
    /// Number of periods.
    pub periods: usize,
    /// The simulation's target scale: `value_simulated` of each parameter is stated on the
    /// target divided by this.
    pub target_scale: f64,
    /// The target scale `mmm fit` computes from `data.csv` (per `[data] scale`): `value` of
    /// each parameter is stated on the target divided by this, as a fit of `data.csv` reports.
    pub fit_target_scale: f64,
    /// Every parameter, in model order.
    pub parameters: Vec<ParamTruth>,
    /// Every channel, in model order.
    pub channels: Vec<ChannelTruth>,
    /// Every control's design, in model order.
    pub controls: Vec<ControlTruth>,
    /// The period dates.
    pub dates: Vec<String>,
    /// Per-period contributions in original units: every channel, `intercept`, `trend`,
    /// `seasonality`, every control, `baseline`, `fitted` (the noiseless outcome) and
    /// `observed` (the simulated target).
    pub contributions: Vec<ComponentTruth>,
}

/// A parameter's true value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamTruth {
    /// Its name (`beta[tv]`).
    pub name: String,
    /// The value on the scale a fit of `data.csv` uses (target over `fit_target_scale`).
    pub value: f64,
    /// The value the simulation used (target over `target_scale`), as the truth file gives it.
    pub value_simulated: f64,
    /// Whether it was drawn from its prior rather than given.
    pub from_prior: bool,
}

/// A channel's truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelTruth {
    /// Channel name.
    pub name: String,
    /// Spend column.
    pub column: String,
    /// Its spend design.
    pub design: ChannelDesign,
    /// Total spend (currency).
    pub spend: f64,
    /// Total contribution (target units).
    pub contribution: f64,
    /// contribution / spend.
    pub roas: f64,
    /// Marginal ROAS at the simulated spend.
    pub mroas: f64,
    /// Share of the noiseless outcome.
    pub share: f64,
}

/// A control's design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlTruth {
    /// Control name.
    pub name: String,
    /// Its column.
    pub column: String,
    /// How it was drawn.
    pub design: ControlDesign,
}

/// One component's contribution per period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentTruth {
    /// Component name.
    pub component: String,
    /// Values per period (original units).
    pub values: Vec<f64>,
}

impl TruthRecord {
    /// The true value of parameter `name` on the scale of a fit whose target scale is
    /// `fit_scale` with likelihood `family`; `None` if the simulation had no such parameter.
    pub fn parameter_at_scale(
        &self,
        name: &str,
        kind: ParamKind,
        family: &Likelihood,
        fit_scale: f64,
    ) -> Option<f64> {
        let p = self.parameters.iter().find(|p| p.name == name)?;
        Some(rescale(
            kind,
            family,
            p.value_simulated,
            self.target_scale,
            fit_scale,
        ))
    }

    /// A channel's truth by name.
    pub fn channel(&self, name: &str) -> Option<&ChannelTruth> {
        self.channels.iter().find(|c| c.name == name)
    }
}

/// The value a parameter of kind `kind` takes when the target is divided by `to` instead of
/// `from`, so that the model's outcome in original units is unchanged.
///
/// Additive models (normal, Student-t) are linear in the channel, control, Fourier, intercept
/// and trend coefficients and in sigma: these scale by `from / to`. In the log-normal model the
/// scale is a shift of log y: only the intercept moves, by `ln(from / to)`. Adstock and
/// saturation parameters live on the spend's scale and never move.
pub fn rescale(kind: ParamKind, family: &Likelihood, value: f64, from: f64, to: f64) -> f64 {
    let ratio = from / to;
    match (family, kind) {
        (Likelihood::LogNormal, ParamKind::Intercept) => value + ratio.ln(),
        (Likelihood::LogNormal, _) => value,
        (
            _,
            ParamKind::Beta
            | ParamKind::Gamma
            | ParamKind::Fourier
            | ParamKind::Intercept
            | ParamKind::Trend
            | ParamKind::Sigma,
        ) => value * ratio,
        _ => value,
    }
}
