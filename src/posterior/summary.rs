//! `summary.csv`: per parameter mean, sd, quantiles, MCSE, bulk and tail ESS, R-hat.

use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostics::{ParamSummary, summarize};

use super::draws::PosteriorDraws;

/// One row of `summary.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    /// Parameter name.
    pub parameter: String,
    /// Its summary.
    #[serde(flatten)]
    pub stats: ParamSummary,
}

/// Summaries of every parameter in model order.
pub fn summarize_params(draws: &PosteriorDraws) -> Vec<SummaryRow> {
    (0..draws.n_params())
        .into_par_iter()
        .map(|p| {
            let traces = draws.traces(p);
            let views: Vec<&[f64]> = traces.iter().map(Vec::as_slice).collect();
            SummaryRow {
                parameter: draws.names[p].clone(),
                stats: summarize(&views),
            }
        })
        .collect()
}
