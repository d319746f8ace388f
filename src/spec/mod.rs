//! The model file: TOML → a checked [`ModelSpec`], and the prior families.
//!
//! `raw.rs` mirrors the file (unknown keys are errors, spans kept for line numbers);
//! `check.rs` turns it into a [`ModelSpec`] valid by construction, with every problem reported
//! by key path, value and line; `defaults.rs` holds the default prior of every parameter;
//! `parameters.rs` lists the parameters in their fixed output order.

mod calibration;
mod check;
mod check_media;
mod check_tables;
mod defaults;
mod display;
mod error;
/// Message layout shared by the crate's TOML readers.
pub(crate) mod error_text {
    pub(crate) use super::error::{issues_message, toml_message};
}
#[cfg(test)]
mod fuzz_tests;
mod lenient;
mod load;
mod location;
mod model_spec;
mod panel_spec;
mod parameters;
mod prior;
mod prior_density;
mod prior_draw;
mod prior_parse;
mod raw;
mod support;

pub use calibration::{
    CalibrationError, CalibrationSpec, DEFAULT_LIFT_NU, DEFAULT_REFERENCE_PERIODS, LIFT_COLUMNS,
    LiftLikelihood, LiftTest,
};
pub use defaults::INTERVAL as DEFAULT_INTERVAL;
pub use error::{Issue, SpecError};
pub use model_spec::{
    AdstockKind, AdstockSpec, ChannelSpec, ControlSpec, DataSpec, EffectKind, EffectPrior,
    Likelihood, LikelihoodSpec, ModelSpec, Nu, ReportSpec, SaturationSpec, Scaling,
    SeasonalitySpec, TrendSpec,
};
pub use panel_spec::{
    BETA_MU as PANEL_BETA_MU, BETA_SIGMA as PANEL_BETA_SIGMA, INTERACTION as PANEL_INTERACTION,
    InteractionSpec, PanelSpec, TermRef,
};
pub use parameters::{ParamInfo, ParamKind};
pub use prior::{
    LOG_NORMAL_MU_MAX, PRIOR_FAMILIES, PRIOR_LOCATION_MAX, PRIOR_SCALE_RANGE, Prior,
    PriorParamError,
};
pub use support::Support;
