//! The fit report: one self-contained, deterministic HTML page (inline CSS and SVG, no scripts)
//! with the fit, the decomposition, ROAS, response curves, carryover, priors against
//! posteriors and the sampler diagnostics — each chart titled, labelled in the data's units,
//! and read in one line.
//!
//! `page.rs` assembles the sections; each chart kind has its own file; `svg.rs`, `axis.rs` and
//! `plot.rs` draw; `escape.rs` and `format.rs` keep user text safe and numbers stable. An
//! answered budget scenario adds a section through [`AllocationSummary`].

mod adstock;
mod allocation;
mod attribution;
mod axis;
mod components;
mod decomposition;
mod diagnostics;
mod escape;
mod figure;
mod fit_chart;
mod format;
mod input;
mod lift;
mod page;
mod panel;
mod panel_response;
mod plot;
mod priors;
mod response;
mod roas;
mod style;
mod svg;
#[cfg(test)]
mod test_fixture;
mod trace;

pub use allocation::{AllocationSummary, ChannelAllocation, OutcomeInterval};
pub use attribution::{ShareSeries, attribution_chart};
pub use escape::escape_html;
pub use input::{ChainStats, LiftRow, ReportData, ReviewLine};
pub use page::{REPORT_FILE, render_html, write_report};
pub use panel::{PanelReport, render_panel_html, write_panel_report};
