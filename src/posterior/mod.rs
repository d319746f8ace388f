//! From draws to answers: parameter summaries, contributions, ROAS, response curves, fit
//! quality, and the review of a fit.

mod derived;
mod draws;
mod review;
mod summary;

pub use derived::{
    CURVE_POINTS, CURVE_SPAN, ContributionRow, CurveRow, Derived, FitQuality, INTERVAL_PROBS,
    RoasRow, derive,
};
pub use draws::PosteriorDraws;
pub use review::{Check, Verdict, review};
pub use summary::{SummaryRow, summarize_params};
