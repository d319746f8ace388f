//! The recovery table of a panel fit of simulated data: every parameter (the group
//! coefficients `beta[c,g]` included), each channel's ROAS and contribution in total and per
//! group, and the % lifts of a log-outcome model, the truth against the posterior mean and
//! 90 % interval.

use serde::Serialize;

use crate::panel::{PanelFit, PanelRoasRow, PanelTruthRecord};
use crate::simulate::rescale;
use crate::spec::{Likelihood, ParamKind};

use super::recovery::{Convergence, Quantity, Recovery, RecoveryRow, row};

/// `recovery.json` of a panel: the national table's rows and tallies, plus the tallies a
/// panel adds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanelRecovery {
    /// Rows, parameter and ROAS tallies, convergence (the national layout).
    #[serde(flatten)]
    pub table: Recovery,
    /// Group coefficients `beta[c,g]` whose interval holds the truth, of all of them.
    pub group_coefficients_covered: [usize; 2],
    /// Channel × group ROAS whose interval holds the truth, of all of them.
    pub group_roas_covered: [usize; 2],
    /// % lifts whose interval holds the truth, of all of them (log-outcome models).
    pub lifts_covered: [usize; 2],
}

/// The kind a panel parameter rescales as, or `None` for the hierarchy's location (handled
/// apart) and scale-free parameters.
fn kind(head: &str) -> Option<ParamKind> {
    Some(match head {
        "beta" => ParamKind::Beta,
        // An interaction multiplies two scale-free terms: it scales as a control's coefficient.
        "gamma" | "interaction" => ParamKind::Gamma,
        "fourier" => ParamKind::Fourier,
        "intercept" => ParamKind::Intercept,
        "trend" => ParamKind::Trend,
        "sigma" => ParamKind::Sigma,
        _ => return None,
    })
}

/// The true value of panel parameter `name` when the target is divided by `to` instead of
/// `from` (the national [`rescale`], and `beta_mu`, the log of a coefficient, shifted by
/// the log of the ratio in an additive model).
pub fn panel_rescale(name: &str, family: &Likelihood, value: f64, from: f64, to: f64) -> f64 {
    let head = name.split('[').next().unwrap_or(name);
    match (head, kind(head)) {
        ("beta_mu", _) if !matches!(family, Likelihood::LogNormal) => value + (from / to).ln(),
        (_, Some(k)) => rescale(k, family, value, from, to),
        _ => value,
    }
}

fn tally(rows: &[RecoveryRow]) -> [usize; 2] {
    [rows.iter().filter(|r| r.covered).count(), rows.len()]
}

fn roas_rows(truth: &[PanelRoasRow], fit: &[PanelRoasRow]) -> (Vec<RecoveryRow>, Vec<RecoveryRow>) {
    let (mut roas, mut contribution) = (Vec::new(), Vec::new());
    for f in fit {
        let Some(t) = truth
            .iter()
            .find(|t| t.channel == f.channel && t.group == f.group)
        else {
            continue;
        };
        let label = if f.group == "total" {
            f.channel.clone()
        } else {
            format!("{},{}", f.channel, f.group)
        };
        let q = [f.roas_q5, f.roas_q95];
        roas.push(row(
            format!("roas[{label}]"),
            Quantity::Roas,
            t.roas_mean,
            f.roas_mean,
            q,
        ));
        // Spend is fixed, so the contribution's quantiles are the ROAS quantiles times spend.
        let qc = [f.roas_q5 * f.spend, f.roas_q95 * f.spend];
        contribution.push(row(
            format!("contribution[{label}]"),
            Quantity::Contribution,
            t.contribution_mean,
            f.contribution_mean,
            qc,
        ));
    }
    (roas, contribution)
}

/// Compare the panel `fit` (of the simulated data) with `truth`.
///
/// Parameters are compared by name on the fit's scaled space (the truth moved from its
/// target scale to the fit's with [`panel_rescale`]); ROAS, contributions and lifts are in
/// original units and matched by channel, group and term.
pub fn panel_recovery(truth: &PanelTruthRecord, fit: &PanelFit) -> PanelRecovery {
    let to = fit.density.scales().target;
    let family = &fit.spec.likelihood.family;
    let mut params = Vec::new();
    for s in &fit.summary {
        let Some(&value) = truth.parameters.get(&s.parameter) else {
            continue;
        };
        let value = panel_rescale(&s.parameter, family, value, truth.target_scale, to);
        let q = [s.stats.q5, s.stats.q95];
        params.push(row(
            s.parameter.clone(),
            Quantity::Parameter,
            value,
            s.stats.mean,
            q,
        ));
    }
    let groups: Vec<RecoveryRow> = params
        .iter()
        .filter(|r| r.name.starts_with("beta[") && r.name.contains(','))
        .cloned()
        .collect();
    let (roas, contribution) = roas_rows(&truth.roas, &fit.derived.roas);
    let (group_roas, group_contribution) =
        roas_rows(&truth.roas_by_group, &fit.derived.roas_by_group);
    let mut lifts = Vec::new();
    for f in &fit.derived.lifts {
        if let Some(t) = truth.lift.iter().find(|t| t.term == f.term) {
            let q = [f.lift_pct_q5, f.lift_pct_q95];
            let name = format!("lift_pct[{}]", f.term);
            lifts.push(row(
                name,
                Quantity::Lift,
                t.lift_pct_mean,
                f.lift_pct_mean,
                q,
            ));
        }
    }
    let summary = PanelRecovery {
        table: Recovery {
            rows: Vec::new(),
            parameters_covered: tally(&params),
            roas_covered: tally(&roas),
            convergence: Convergence {
                max_rhat: fit.max_rhat(),
                min_ess_bulk: fit.min_ess_bulk(),
                divergences: fit.divergences(),
            },
        },
        group_coefficients_covered: tally(&groups),
        group_roas_covered: tally(&group_roas),
        lifts_covered: tally(&lifts),
    };
    let rows = [
        params,
        roas,
        group_roas,
        contribution,
        group_contribution,
        lifts,
    ]
    .concat();
    PanelRecovery {
        table: Recovery {
            rows,
            ..summary.table
        },
        ..summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rescaled values are exact to a few ulps.
    const TOL: f64 = 1e-12;

    #[test]
    fn hierarchy_location_shifts_by_the_log_of_the_scale_ratio_in_additive_models() {
        let n = Likelihood::Normal;
        // beta = exp(beta_mu + ...) scales by from/to, so beta_mu moves by ln(from/to).
        let mu = panel_rescale("beta_mu[tv]", &n, -1.0, 2.0, 1.0);
        assert!((mu - (-1.0 + 2f64.ln())).abs() < TOL);
        let beta = panel_rescale("beta[tv,g01]", &n, 0.5, 2.0, 1.0);
        assert!((beta - 1.0).abs() < TOL);
        assert!((panel_rescale("interaction[a:b]", &n, 0.3, 2.0, 1.0) - 0.6).abs() < TOL);
        for same in ["beta_sigma[tv]", "beta_z[tv,g01]", "alpha[tv]", "lam[tv]"] {
            assert!(
                (panel_rescale(same, &n, 0.7, 2.0, 1.0) - 0.7).abs() < TOL,
                "{same}"
            );
        }
        // In the log-normal model only the intercepts move, by ln(from/to).
        let l = Likelihood::LogNormal;
        assert!((panel_rescale("beta_mu[tv]", &l, -1.0, 2.0, 1.0) + 1.0).abs() < TOL);
        let icpt = panel_rescale("intercept[g01]", &l, 0.5, 2.0, 1.0);
        assert!((icpt - (0.5 + 2f64.ln())).abs() < TOL);
    }
}
