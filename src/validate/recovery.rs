//! The recovery table of a fit of simulated data: for every parameter and every channel's ROAS
//! and total contribution, the truth against the posterior mean and 90 % interval.

use serde::Serialize;

use crate::fit::Fit;
use crate::simulate::TruthRecord;

/// What a row of the recovery table is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// A model parameter, on the fit's scaled space.
    Parameter,
    /// A channel's ROAS (original units).
    Roas,
    /// A channel's total contribution over the data (original units).
    Contribution,
    /// A % lift of a log-outcome panel model (percent).
    Lift,
}

/// One row of `recovery.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryRow {
    /// `beta[tv]`, `roas[tv]`, `contribution[tv]`.
    pub name: String,
    /// What it is.
    pub quantity: Quantity,
    /// The true value.
    pub truth: f64,
    /// Posterior mean.
    pub mean: f64,
    /// 5 % posterior quantile.
    pub q5: f64,
    /// 95 % posterior quantile.
    pub q95: f64,
    /// Whether the 90 % interval holds the truth.
    pub covered: bool,
    /// (mean − truth) / |truth|.
    pub rel_error: f64,
}

/// Whether the fit behind a recovery table can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Convergence {
    /// Largest rank-normalised split R-hat over parameters.
    pub max_rhat: f64,
    /// Smallest bulk ESS over parameters.
    pub min_ess_bulk: f64,
    /// Divergent transitions after warm-up.
    pub divergences: usize,
}

/// `recovery.json`: the rows, the tallies and the fit's convergence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recovery {
    /// Every row: parameters in model order, then ROAS and contribution per channel.
    pub rows: Vec<RecoveryRow>,
    /// Parameters whose interval holds the truth, of those compared.
    pub parameters_covered: [usize; 2],
    /// Channels whose ROAS interval holds the truth, of all channels.
    pub roas_covered: [usize; 2],
    /// Convergence of the fit.
    pub convergence: Convergence,
}

pub(crate) fn row(
    name: String,
    quantity: Quantity,
    truth: f64,
    mean: f64,
    q: [f64; 2],
) -> RecoveryRow {
    RecoveryRow {
        name,
        quantity,
        truth,
        mean,
        q5: q[0],
        q95: q[1],
        covered: truth >= q[0] && truth <= q[1],
        rel_error: (mean - truth) / truth.abs(),
    }
}

/// Compare `fit` (of the simulated data) with `truth`.
///
/// Parameters are compared by name, on the fit's scaled space: the simulated values are moved
/// to the fit's target scale with [`crate::simulate::rescale`] (so a fit with another `[data]
/// scale` compares correctly); parameters the simulation did not have are left out. ROAS and
/// contributions are in original units and compared per channel name.
pub fn recovery(truth: &TruthRecord, fit: &Fit) -> Recovery {
    let fit_scale = fit.density.scales().target;
    let mut rows = Vec::new();
    for (info, s) in fit.spec.parameters().iter().zip(&fit.summary) {
        let Some(value) = truth.parameter_at_scale(
            &info.name,
            info.kind,
            &fit.spec.likelihood.family,
            fit_scale,
        ) else {
            continue;
        };
        let q = [s.stats.q5, s.stats.q95];
        rows.push(row(
            info.name.clone(),
            Quantity::Parameter,
            value,
            s.stats.mean,
            q,
        ));
    }
    let n_params = rows.len();
    let params_covered = rows.iter().filter(|r| r.covered).count();
    let mut roas_rows = Vec::new();
    let mut contribution_rows = Vec::new();
    for r in &fit.derived.roas {
        let Some(t) = truth.channel(&r.channel) else {
            continue;
        };
        let q = [r.roas_q5, r.roas_q95];
        roas_rows.push(row(
            format!("roas[{}]", r.channel),
            Quantity::Roas,
            t.roas,
            r.roas_mean,
            q,
        ));
        // Spend is fixed, so the contribution's quantiles are the ROAS quantiles times spend.
        let qc = [r.roas_q5 * r.spend, r.roas_q95 * r.spend];
        let name = format!("contribution[{}]", r.channel);
        contribution_rows.push(row(
            name,
            Quantity::Contribution,
            t.contribution,
            r.contribution_mean,
            qc,
        ));
    }
    let roas_covered = [
        roas_rows.iter().filter(|r| r.covered).count(),
        roas_rows.len(),
    ];
    rows.extend(roas_rows);
    rows.extend(contribution_rows);
    Recovery {
        rows,
        parameters_covered: [params_covered, n_params],
        roas_covered,
        convergence: convergence(fit),
    }
}

/// Convergence summary of a fit.
pub fn convergence(fit: &Fit) -> Convergence {
    let rhats = fit
        .summary
        .iter()
        .map(|s| s.stats.r_hat)
        .filter(|v| v.is_finite());
    let ess = fit
        .summary
        .iter()
        .map(|s| s.stats.ess_bulk)
        .filter(|v| v.is_finite());
    Convergence {
        max_rhat: rhats.fold(f64::NAN, f64::max),
        min_ess_bulk: ess.fold(f64::NAN, f64::min),
        divergences: fit.samples.divergences(),
    }
}

/// `recovery.csv`: `name,quantity,truth,mean,q5,q95,covered,rel_error`.
pub fn recovery_csv(recovery: &Recovery) -> String {
    let mut out = String::from("name,quantity,truth,mean,q5,q95,covered,rel_error\n");
    for r in &recovery.rows {
        let quantity = match r.quantity {
            Quantity::Parameter => "parameter",
            Quantity::Roas => "roas",
            Quantity::Contribution => "contribution",
            Quantity::Lift => "lift",
        };
        out.push_str(&format!(
            "{},{quantity},{},{},{},{},{},{}\n",
            r.name, r.truth, r.mean, r.q5, r.q95, r.covered, r.rel_error
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative errors of small ratios are exact to an ulp.
    const RATIO_TOL: f64 = 4.0 * f64::EPSILON;

    #[test]
    fn a_row_is_covered_when_its_interval_holds_the_truth() {
        let inside = row("a".into(), Quantity::Parameter, 2.0, 2.5, [1.0, 3.0]);
        assert!(inside.covered);
        assert!((inside.rel_error - 0.25).abs() < RATIO_TOL);
        let outside = row("b".into(), Quantity::Roas, -4.0, -3.0, [-3.5, -2.0]);
        assert!(!outside.covered);
        assert!((outside.rel_error - 0.25).abs() < RATIO_TOL);
    }
}
