//! Panel (geo / market / customer) models: long-format data with a group column, channel
//! coefficients partially pooled across groups by a non-centred log-normal hierarchy, shared
//! adstock and saturation, per-group intercept and trend, interaction terms, and every output
//! per group and in total.
//!
//! `panel_data.rs` stacks and scales the groups; `layout.rs` places the parameters in θ;
//! `density.rs` is the log density with its exact gradient (the national density is not
//! touched); `derive.rs` turns draws into contributions, ROAS and % lifts; `curves.rs` into response
//! curves; `run.rs` is the fit
//! pipeline and its fit directory; `simulate.rs` draws panel data from a truth file.

mod coords;
mod curves;
mod density;
mod derive;
mod error;
mod layout;
mod panel_data;
mod response;
mod run;
mod saved;
mod simulate;

pub use curves::{MAX_CURVE_DRAWS, PANEL_CURVE_POINTS, PanelCurveRow, TOTAL, panel_curves};
pub use density::PanelDensity;
pub use derive::{LiftRow, PanelContributionRow, PanelDerived, PanelRoasRow, derive};
pub use error::PanelError;
pub use layout::PanelParam;
pub use panel_data::PanelScales;
pub(crate) use run::constrained_draws;
pub use run::{
    PanelFit, SampledPanel, derive_panel_fit, fit_panel, load_panel_data, load_panel_model,
    panel_summary_csv, sample_panel, write_panel_fit,
};
pub use saved::{SavedPanelFit, load_panel_fit};
pub use simulate::{
    PANEL_TRUTH_FILE, PanelTruth, PanelTruthRecord, SimulatedPanel, panel_param_names,
    read_panel_csv, read_panel_truth, simulate_panel, simulate_panel_with,
};

#[cfg(test)]
pub(crate) mod gradient_tests;
#[cfg(test)]
mod recovery_tests;
