//! What a report is made of: one fit's model, data, draws, summaries, derived quantities and
//! sampler statistics, gathered the same way from a fresh fit and from a fit directory, so both
//! give the same page.

use serde_json::Value;

use crate::data::Dataset;
use crate::fit::{Fit, SavedFit};
use crate::fitdir::fit_json;
use crate::posterior::{Derived, PosteriorDraws, SummaryRow, Verdict, derive, summarize_params};
use crate::spec::ModelSpec;

/// One chain's sampler statistics, as `fit.json` records them.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainStats {
    /// Chain number (1-based).
    pub chain: usize,
    /// Adapted step size.
    pub step_size: f64,
    /// Divergent transitions among the kept draws.
    pub divergences: usize,
    /// Draws that hit the maximum tree depth.
    pub max_depth_hits: usize,
    /// E-BFMI (`None` when undefined).
    pub e_bfmi: Option<f64>,
    /// Leapfrog steps over the kept draws.
    pub n_leapfrog: u64,
}

/// One line of the fit review, as `fit.json` records it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewLine {
    /// What was checked.
    pub name: String,
    /// The outcome.
    pub verdict: Verdict,
    /// The measured figure, in words.
    pub detail: String,
    /// What to try (empty on a pass).
    pub advice: String,
}

/// One lift test as `fit.json` records it (`lift_tests`): the measured lift beside the
/// model's lift before calibration (prior) and after it (posterior), in the target's units.
#[derive(Debug, Clone, PartialEq)]
pub struct LiftRow {
    /// The channel cell as written (`tv` or `tv+radio`).
    pub channel: String,
    /// 1-based row in the lift-test file.
    pub row: usize,
    /// First day of the window.
    pub start: String,
    /// Last day of the window.
    pub end: String,
    /// Spend change over the window.
    pub spend_change: f64,
    /// Measured lift and its standard error.
    pub measured: f64,
    /// Standard error of the measured lift.
    pub measured_sd: f64,
    /// Prior mean, lower and upper end of the model's lift.
    pub prior: (f64, f64, f64),
    /// Posterior mean, lower and upper end of the model's lift.
    pub posterior: (f64, f64, f64),
}

/// Everything the report shows, for one fit.
#[derive(Debug, Clone)]
pub struct ReportData {
    /// The model file as the user named it (empty when unknown).
    pub model_file: String,
    /// The data file as the user named it (empty when unknown).
    pub data_file: String,
    /// The model.
    pub spec: ModelSpec,
    /// The data.
    pub data: Dataset,
    /// Constrained posterior draws.
    pub draws: PosteriorDraws,
    /// Parameter summaries, in model order.
    pub summary: Vec<SummaryRow>,
    /// Contributions, ROAS, response curves, fit quality.
    pub derived: Derived,
    /// Per-chain sampler statistics.
    pub chains: Vec<ChainStats>,
    /// The fit review.
    pub review: Vec<ReviewLine>,
    /// Engine version that made the fit.
    pub engine_version: String,
    /// The lift tests the fit was calibrated with (empty without `[calibration] lift_tests`).
    pub lift_tests: Vec<LiftRow>,
}

impl ReportData {
    /// The credible interval the model file asks for (`[report] interval`).
    pub fn interval(&self) -> crate::posterior::Interval {
        crate::posterior::Interval::new(self.spec.report.interval)
    }

    /// The report of a fit just made. Sampler statistics are read through the text of
    /// `fit.json`, exactly as [`ReportData::from_saved`] reads them, so `mmm fit` and
    /// `mmm report` write the same bytes.
    pub fn from_fit(fit: &Fit) -> ReportData {
        let meta = serde_json::to_string_pretty(&fit_json(fit))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(Value::Null);
        ReportData::from_parts(
            fit.spec.clone(),
            fit.data.clone(),
            fit.draws.clone(),
            fit.summary.clone(),
            fit.derived.clone(),
            &meta,
        )
    }

    /// The report of a fit read back from its directory: summaries and derived quantities are
    /// recomputed from the draws (with the fit's seed, so they match what `mmm fit` wrote).
    pub fn from_saved(saved: &SavedFit) -> ReportData {
        let summary = summarize_params(&saved.draws);
        let derived = derive(
            &saved.spec,
            &saved.density,
            &saved.data,
            &saved.draws,
            saved.spec.sampler.seed,
        );
        ReportData::from_parts(
            saved.spec.clone(),
            saved.data.clone(),
            saved.draws.clone(),
            summary,
            derived,
            &saved.meta,
        )
    }

    /// Assemble from parts; `meta` is the fit's `fit.json` (missing entries are left empty).
    pub fn from_parts(
        spec: ModelSpec,
        data: Dataset,
        draws: PosteriorDraws,
        summary: Vec<SummaryRow>,
        derived: Derived,
        meta: &Value,
    ) -> ReportData {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        ReportData {
            model_file: text(&meta["model_file"]),
            data_file: text(&meta["data"]["path"]),
            spec,
            data,
            draws,
            summary,
            derived,
            chains: chain_stats(&meta["chains"]),
            review: review_lines(&meta["review"]),
            engine_version: text(&meta["engine"]["version"]),
            lift_tests: lift_rows(&meta["lift_tests"]),
        }
    }

    /// The word for one period: `week`, `day` or `period`.
    pub fn period_word(&self) -> &'static str {
        match self.data.period_days() {
            7 => "week",
            1 => "day",
            _ => "period",
        }
    }

    /// Total divergent transitions over chains.
    pub fn divergences(&self) -> usize {
        self.chains.iter().map(|c| c.divergences).sum()
    }
}

fn chain_stats(chains: &Value) -> Vec<ChainStats> {
    let count = |v: &Value| v.as_u64().unwrap_or(0);
    chains
        .as_array()
        .map(|list| {
            list.iter()
                .map(|c| ChainStats {
                    chain: count(&c["chain"]) as usize,
                    step_size: c["step_size"].as_f64().unwrap_or(f64::NAN),
                    divergences: count(&c["divergences"]) as usize,
                    max_depth_hits: count(&c["max_depth_hits"]) as usize,
                    e_bfmi: c["e_bfmi"].as_f64(),
                    n_leapfrog: count(&c["n_leapfrog"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn lift_rows(tests: &Value) -> Vec<LiftRow> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let x = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    tests
        .as_array()
        .map(|list| {
            list.iter()
                .map(|t| LiftRow {
                    channel: text(&t["channel"]),
                    row: t["row"].as_u64().unwrap_or(0) as usize,
                    start: text(&t["start"]),
                    end: text(&t["end"]),
                    spend_change: x(&t["spend_change"]),
                    measured: x(&t["measured"]),
                    measured_sd: x(&t["measured_sd"]),
                    prior: (
                        x(&t["prior_mean"]),
                        x(&t["prior_lower"]),
                        x(&t["prior_upper"]),
                    ),
                    posterior: (x(&t["mean"]), x(&t["lower"]), x(&t["upper"])),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn review_lines(review: &Value) -> Vec<ReviewLine> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    review
        .as_array()
        .map(|list| {
            list.iter()
                .map(|c| ReviewLine {
                    name: text(&c["name"]),
                    verdict: match c["verdict"].as_str() {
                        Some("pass") => Verdict::Pass,
                        Some("fail") => Verdict::Fail,
                        _ => Verdict::Review,
                    },
                    detail: text(&c["detail"]),
                    advice: text(&c["advice"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn chain_statistics_and_review_are_read_from_fit_json() {
        let meta = json!({
            "chains": [
                {"chain": 1, "step_size": 0.25, "divergences": 2, "max_depth_hits": 1,
                 "e_bfmi": null, "n_leapfrog": 900},
            ],
            "review": [
                {"name": "R-hat", "verdict": "fail", "detail": "largest 1.2 (sigma)", "advice": "run longer"},
                {"name": "baseline", "verdict": "pass", "detail": "ok", "advice": ""},
            ],
        });
        let chains = chain_stats(&meta["chains"]);
        assert_eq!(
            chains,
            [ChainStats {
                chain: 1,
                step_size: 0.25,
                divergences: 2,
                max_depth_hits: 1,
                e_bfmi: None,
                n_leapfrog: 900
            }]
        );
        let review = review_lines(&meta["review"]);
        assert_eq!(review[0].verdict, Verdict::Fail);
        assert_eq!(review[1].verdict, Verdict::Pass);
        assert_eq!(review[0].advice, "run longer");
        assert!(chain_stats(&Value::Null).is_empty());
    }

    #[test]
    fn lift_tests_are_read_from_fit_json() {
        let meta = json!({"lift_tests": [
            {"channel": "tv", "row": 1, "start": "2024-03-04", "end": "2024-03-31",
             "spend_change": 40000.0, "measured": 22300.0, "measured_sd": 3100.0,
             "mean": 21000.0, "lower": 18000.0, "upper": 24000.0,
             "prior_mean": 9000.0, "prior_lower": 100.0, "prior_upper": 40000.0,
             "periods_after_data": 0}
        ]});
        let rows = lift_rows(&meta["lift_tests"]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].channel, "tv");
        assert_eq!(rows[0].row, 1);
        assert_eq!((rows[0].measured, rows[0].measured_sd), (22300.0, 3100.0));
        assert_eq!(rows[0].prior, (9000.0, 100.0, 40000.0));
        assert_eq!(rows[0].posterior, (21000.0, 18000.0, 24000.0));
        assert!(lift_rows(&Value::Null).is_empty());
    }
}
