//! From draws to answers: parameter summaries, contributions, ROAS, response curves, fit
//! quality, and the review of a fit.

mod derived;
mod draws;
mod interval;
mod lift;
mod p_square;
mod review;
mod summary;
mod tail_quantiles;

pub use derived::{
    CURVE_POINTS, CURVE_SPAN, ContributionRow, CurveRow, Derived, EXACT_QUANTILE_BYTES, FitQuality,
    INTERVAL_PROBS, RoasRow, derive,
};
pub use draws::PosteriorDraws;
pub use interval::Interval;
pub use lift::{LiftSummary, summarize_lifts};
pub use p_square::PSquare;
pub use review::{
    Check, DIVERGENCE_FAIL_SHARE, ESS_FAIL, PPC_COVERAGE_RANGE, RHAT_FAIL, TREE_DEPTH_REVIEW_SHARE,
    Verdict, review, review_failed,
};
pub use summary::{SummaryRow, summarize_params};
pub use tail_quantiles::TailQuantiles;
