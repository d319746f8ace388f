//! Sampler diagnostics as tables: the fit review, per-chain statistics (step size,
//! divergences, tree depth, E-BFMI) and per-parameter R-hat, ESS and MCSE, flagged against
//! the thresholds.

use std::fmt::Write as _;

use crate::diagnostics::{BFMI_MIN, ESS_MIN, RHAT_MAX};
use crate::posterior::{ESS_FAIL, RHAT_FAIL, TREE_DEPTH_REVIEW_SHARE, Verdict};

use super::escape::escape_html;
use super::format::{fixed, num};
use super::input::{ChainStats, ReportData};
use crate::posterior::SummaryRow;

/// Decimals of R-hat (its thresholds are 1.01 and 1.05).
const RHAT_DECIMALS: usize = 3;

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Review => "review",
        Verdict::Fail => "fail",
    }
}

/// The class flagging an R-hat value.
pub fn rhat_class(r: f64) -> &'static str {
    if r.is_nan() || r < RHAT_MAX {
        ""
    } else if r < RHAT_FAIL {
        "review"
    } else {
        "fail"
    }
}

/// The class flagging an effective sample size.
pub fn ess_class(ess: f64) -> &'static str {
    if ess >= ESS_MIN {
        ""
    } else if ess >= ESS_FAIL {
        "review"
    } else {
        "fail"
    }
}

/// The review as a table: verdict, check, measured figure, what to try.
pub fn review_table(report: &ReportData) -> String {
    if report.review.is_empty() {
        return r#"<p class="note">This fit directory records no review.</p>"#.into();
    }
    let mut out = String::from(
        r#"<table class="review"><thead><tr><th>verdict</th><th>check</th><th>finding</th><th>what to try</th></tr></thead><tbody>"#,
    );
    for line in &report.review {
        let _ = write!(
            out,
            r#"<tr><td><span class="badge {}">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            verdict_class(line.verdict),
            escape_html(&line.verdict.to_string()),
            escape_html(&line.name),
            escape_html(&line.detail),
            escape_html(&line.advice)
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// Per-chain statistics.
pub fn chain_table(report: &ReportData) -> String {
    chain_table_of(
        &report.chains,
        report.spec.sampler.max_depth,
        report.draws.n_draws,
    )
}

/// Per-chain statistics of `chains` (`n_draws` kept draws each).
pub fn chain_table_of(chains: &[ChainStats], max_depth: u32, n_draws: usize) -> String {
    let mut out = format!(
        r#"<table class="num"><thead><tr><th>chain</th><th>step size</th><th>divergences</th><th>draws at max depth ({max_depth})</th><th>E-BFMI</th><th>leapfrog steps</th></tr></thead><tbody>"#
    );
    for c in chains {
        let div_class = if c.divergences > 0 { "fail" } else { "" };
        let draws = n_draws as f64;
        let depth_class = if c.max_depth_hits as f64 > TREE_DEPTH_REVIEW_SHARE * draws {
            "review"
        } else {
            ""
        };
        let (bfmi, bfmi_class) = match c.e_bfmi {
            Some(b) => (fixed(b, 2), if b < BFMI_MIN { "review" } else { "" }),
            None => ("undefined".to_string(), "review"),
        };
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td>{}</td><td class="{div_class}">{}</td><td class="{depth_class}">{}</td><td class="{bfmi_class}">{bfmi}</td><td>{}</td></tr>"#,
            c.chain,
            num(c.step_size),
            c.divergences,
            c.max_depth_hits,
            c.n_leapfrog
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// Per-parameter posterior summary and convergence diagnostics.
pub fn parameter_table(report: &ReportData) -> String {
    parameter_table_of(&report.summary)
}

/// The summary table of `summary`, cells flagged against the thresholds.
pub fn parameter_table_of(summary: &[SummaryRow]) -> String {
    let mut out = String::from(
        r#"<table class="num params"><thead><tr><th>parameter</th><th>mean</th><th>sd</th><th>5%</th><th>95%</th><th>MCSE of mean</th><th>bulk ESS</th><th>tail ESS</th><th>R-hat</th></tr></thead><tbody>"#,
    );
    for row in summary {
        let s = &row.stats;
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="{}">{}</td><td class="{}">{}</td><td class="{}">{}</td></tr>"#,
            escape_html(&row.parameter),
            num(s.mean),
            num(s.sd),
            num(s.q5),
            num(s.q95),
            num(s.mcse_mean),
            ess_class(s.ess_bulk),
            fixed(s.ess_bulk, 0),
            ess_class(s.ess_tail),
            fixed(s.ess_tail, 0),
            rhat_class(s.r_hat),
            fixed(s.r_hat, RHAT_DECIMALS),
        );
    }
    out.push_str("</tbody></table>");
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_fixture::fixture;
    use super::*;

    #[test]
    fn thresholds_flag_cells() {
        assert_eq!(rhat_class(1.004), "");
        assert_eq!(rhat_class(1.02), "review");
        assert_eq!(rhat_class(1.2), "fail");
        assert_eq!(rhat_class(f64::NAN), "");
        assert_eq!(ess_class(1000.0), "");
        assert_eq!(ess_class(150.0), "review");
        assert_eq!(ess_class(20.0), "fail");
    }

    #[test]
    fn tables_list_every_parameter_chain_and_check() {
        let report = fixture();
        let params = parameter_table(&report);
        assert_eq!(params.matches("<tr>").count(), 1 + report.summary.len());
        let chains = chain_table(&report);
        // Chain 2 has 3 divergences and a low E-BFMI.
        assert!(chains.contains(r#"<td class="fail">3</td>"#));
        assert!(chains.contains(r#"<td class="review">0.20</td>"#));
        let review = review_table(&report);
        assert!(review.contains(r#"<span class="badge fail">FAIL</span>"#));
    }
}
