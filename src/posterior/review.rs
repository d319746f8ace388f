//! The fit review: pass / review / fail for each diagnostic, with what to try when it fails.

use serde::Serialize;

use crate::diagnostics::{BFMI_MIN, ESS_MIN, RHAT_MAX, bfmi};
use crate::sampler::Samples;

use super::derived::FitQuality;
use super::summary::SummaryRow;

/// R-hat above this fails outright (between [`RHAT_MAX`] and this: review).
pub const RHAT_FAIL: f64 = 1.05;
/// Bulk or tail ESS below this fails outright (between this and [`ESS_MIN`]: review).
pub const ESS_FAIL: f64 = 100.0;
/// A share of divergent draws above this fails outright (any divergence: review).
pub const DIVERGENCE_FAIL_SHARE: f64 = 0.01;
/// A share of draws at maximum tree depth above this needs review.
pub const TREE_DEPTH_REVIEW_SHARE: f64 = 0.01;
/// The 90 % predictive interval should cover between these shares of the periods.
pub const PPC_COVERAGE_RANGE: (f64, f64) = (0.80, 0.99);

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing to do.
    Pass,
    /// Look before trusting the numbers.
    Review,
    /// Do not use the fit as it is.
    Fail,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Pass => "pass",
            Verdict::Review => "review",
            Verdict::Fail => "FAIL",
        })
    }
}

/// One line of the review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// The outcome.
    pub verdict: Verdict,
    /// The measured figure, in words.
    pub detail: String,
    /// What to try when the verdict is not a pass (empty on a pass).
    pub advice: String,
}

fn check(name: &'static str, verdict: Verdict, detail: String, advice: &str) -> Check {
    Check {
        name,
        verdict,
        detail,
        advice: if verdict == Verdict::Pass {
            String::new()
        } else {
            advice.to_string()
        },
    }
}

/// Whether any check says FAIL: the fit must not be used as it is (`mmm fit` exits 3).
pub fn review_failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.verdict == Verdict::Fail)
}

/// Review a fit's convergence and adequacy.
pub fn review(samples: &Samples, summary: &[SummaryRow], quality: &FitQuality) -> Vec<Check> {
    let mut out = Vec::new();
    let worst_rhat = summary
        .iter()
        .map(|r| (r.stats.r_hat, r.parameter.as_str()))
        .filter(|(v, _)| v.is_finite())
        .fold((f64::NAN, ""), |acc, x| {
            if acc.0.is_nan() || x.0 > acc.0 {
                x
            } else {
                acc
            }
        });
    let v = if worst_rhat.0.is_nan() || worst_rhat.0 < RHAT_MAX {
        Verdict::Pass
    } else if worst_rhat.0 < RHAT_FAIL {
        Verdict::Review
    } else {
        Verdict::Fail
    };
    out.push(check(
        "R-hat",
        v,
        format!("largest {:.3} ({})", worst_rhat.0, worst_rhat.1),
        "chains disagree: run longer (--warmup 2000 --draws 2000), tighten weakly identified priors, or check for multimodality",
    ));
    let worst_ess = summary
        .iter()
        .map(|r| (r.stats.ess_bulk.min(r.stats.ess_tail), r.parameter.as_str()))
        .fold(
            (f64::INFINITY, ""),
            |acc, x| if x.0 < acc.0 { x } else { acc },
        );
    let v = if worst_ess.0 >= ESS_MIN {
        Verdict::Pass
    } else if worst_ess.0 >= ESS_FAIL {
        Verdict::Review
    } else {
        Verdict::Fail
    };
    out.push(check(
        "effective sample size",
        v,
        format!("smallest {:.0} ({})", worst_ess.0, worst_ess.1),
        "too few effective draws: increase --draws, or tighten priors on parameters that trade off (beta and saturation)",
    ));
    let draws: usize = samples.chains.iter().map(|c| c.n_draws()).sum();
    let div = samples.divergences();
    let share = div as f64 / draws.max(1) as f64;
    let v = if div == 0 {
        Verdict::Pass
    } else if share <= DIVERGENCE_FAIL_SHARE {
        Verdict::Review
    } else {
        Verdict::Fail
    };
    out.push(check(
        "divergences",
        v,
        format!("{div} of {draws} draws"),
        "the sampler met curvature it could not follow: raise [sampler] target_accept (to 0.95, or 0.99 where it already is 0.95), or use priors that keep parameters away from regions where the curve is flat (see docs/model-file.md)",
    ));
    let low: Vec<String> = samples
        .chains
        .iter()
        .filter_map(|c| match bfmi(&c.energies()) {
            Some(b) if b < BFMI_MIN => Some(format!("chain {}: {b:.2}", c.chain + 1)),
            None => Some(format!(
                "chain {}: undefined (constant energy)",
                c.chain + 1
            )),
            _ => None,
        })
        .collect();
    let v = if low.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Review
    };
    out.push(check(
        "E-BFMI",
        v,
        if low.is_empty() { "every chain above 0.3".into() } else { low.join(", ") },
        "momentum resampling explores energy poorly: reparameterise heavy-tailed parameters or use longer warm-up",
    ));
    let hits = samples.max_depth_hits();
    let v = if (hits as f64) <= TREE_DEPTH_REVIEW_SHARE * draws as f64 {
        Verdict::Pass
    } else {
        Verdict::Review
    };
    out.push(check(
        "tree depth",
        v,
        format!("{hits} of {draws} draws at the maximum depth {}", samples.settings.max_depth),
        "trajectories are cut short (an efficiency, not a validity, issue): strongly correlated parameters; raise [sampler] max_depth or simplify the model",
    ));
    let (lo, hi) = PPC_COVERAGE_RANGE;
    let v = if (lo..=hi).contains(&quality.ppc_coverage) {
        Verdict::Pass
    } else {
        Verdict::Review
    };
    out.push(check(
        "posterior predictive",
        v,
        format!("90% interval covers {:.0}% of periods", 100.0 * quality.ppc_coverage),
        "the model's noise does not match the data: too low means missed structure (controls, seasonality, outliers: try student_t), too high means an over-wide sigma prior",
    ));
    let neg = quality.negative_baseline_periods;
    let v = if neg == 0 {
        Verdict::Pass
    } else if neg * 10 <= quality.n_periods {
        Verdict::Review
    } else {
        Verdict::Fail
    };
    out.push(check(
        "baseline",
        v,
        format!("negative in {neg} of {} periods", quality.n_periods),
        "media is credited with more than the outcome: tighten the beta priors, or add the controls that drive sales",
    ));
    // Shown only when it fails, so that existing reviews keep their lines.
    let stuck = samples.stuck_chains();
    if !stuck.is_empty() {
        let detail: Vec<String> = stuck
            .iter()
            .map(|(chain, why)| format!("chain {}: {why}", chain + 1))
            .collect();
        out.push(check(
            "stuck chains",
            Verdict::Fail,
            detail.join("; "),
            "the warm-up of these chains got stuck and stayed stuck after every restart: \
             narrow init_radius, give initial values, or check the priors and the data scale",
        ));
    }
    out
}
