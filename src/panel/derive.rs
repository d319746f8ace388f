//! Derived quantities of a panel fit, per posterior draw: group coefficients `beta[c,g]`,
//! contributions and ROAS per group and in total, marginal ROAS, and the % lift table of a
//! multiplicative (log-outcome) model.
//!
//! Contributions are in original units: for a normal or Student-t likelihood channel c's
//! contribution in group g at period t is `beta[c,g] · sat_c,g,t · s_y · pop_g`; for a
//! log-normal likelihood it is `s_y · pop_g · (exp(mu) − exp(mu − beta · sat))`, what the
//! fitted median loses without the channel. An interaction is its own component (not split
//! between its terms).

use serde::{Deserialize, Serialize};

use crate::density::Family;
use crate::diagnostics::summarize;
use crate::posterior::PosteriorDraws;
use crate::spec::{ModelSpec, TermRef};

use super::density::{PanelDensity, term};

/// A number written as `null` (JSON's spelling of NaN, e.g. the sd of one draw) reads back
/// as NaN.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// One channel's return in total (all groups) or in one group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PanelRoasRow {
    /// Channel name.
    pub channel: String,
    /// Spend in the data, original currency.
    pub spend: f64,
    /// Posterior mean of the contribution.
    pub contribution_mean: f64,
    /// Posterior mean of ROAS.
    pub roas_mean: f64,
    /// Posterior sd of ROAS (NaN for one draw, such as a simulation's truth).
    #[serde(deserialize_with = "nan_if_null")]
    pub roas_sd: f64,
    /// 5 % quantile of ROAS.
    pub roas_q5: f64,
    /// Median ROAS.
    pub roas_q50: f64,
    /// 95 % quantile of ROAS.
    pub roas_q95: f64,
    /// Posterior mean of the marginal ROAS (1 % more spend in every period).
    pub mroas_mean: f64,
    /// 5 % quantile of marginal ROAS.
    pub mroas_q5: f64,
    /// 95 % quantile of marginal ROAS.
    pub mroas_q95: f64,
    /// `total`, or the group.
    pub group: String,
}

/// One component's contribution in one group (or `total`) over the whole data.
#[derive(Debug, Clone, Serialize)]
pub struct PanelContributionRow {
    /// `total` or the group.
    pub group: String,
    /// Channel name, `interaction[a:b]`, or `baseline`.
    pub component: String,
    /// Posterior mean, original units.
    pub mean: f64,
    /// 5 % quantile.
    pub q5: f64,
    /// 95 % quantile.
    pub q95: f64,
}

/// One row of the % lift table (log-outcome models).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiftRow {
    /// A control, or `a:b` for the combined effect of two controls and their interaction.
    pub term: String,
    /// Posterior mean of exp(effect) − 1, as a percentage.
    pub lift_pct_mean: f64,
    /// 5 % quantile (percent).
    pub lift_pct_q5: f64,
    /// Median (percent).
    pub lift_pct_q50: f64,
    /// 95 % quantile (percent).
    pub lift_pct_q95: f64,
}

impl LiftRow {
    /// `+306 % [250, 370]`.
    pub fn display(&self) -> String {
        format!(
            "{:+.0} % [{:.0}, {:.0}]",
            self.lift_pct_q50, self.lift_pct_q5, self.lift_pct_q95
        )
    }
}

/// Everything derived from the draws.
#[derive(Debug, Clone)]
pub struct PanelDerived {
    /// Names of the derived per-draw columns (`beta[tv,north]`), written after the parameters.
    pub names: Vec<String>,
    /// Per draw, the derived columns.
    pub values: Vec<Vec<f64>>,
    /// ROAS in total, one row per channel.
    pub roas: Vec<PanelRoasRow>,
    /// ROAS per group and channel.
    pub roas_by_group: Vec<PanelRoasRow>,
    /// Contributions per group and in total.
    pub contributions: Vec<PanelContributionRow>,
    /// The % lift table (log-normal likelihood only).
    pub lifts: Vec<LiftRow>,
}

/// Relative spend step of the marginal ROAS.
const MARGINAL_STEP: f64 = 0.01;

/// Per-draw totals: `contrib[(c, g)]`, `marginal[(c, g)]`, interactions and baseline per group.
struct DrawTotals {
    contrib: Vec<f64>,
    marginal: Vec<f64>,
    other: Vec<f64>,
}

fn draw_totals(density: &mut PanelDensity, x: &[f64]) -> DrawTotals {
    let (n_c, n_g) = (density.layout.channels.len(), density.layout.n_groups);
    let n_i = density.interactions.len();
    density.forward(x, false);
    let base = density.mu.clone();
    // Marginal: every channel's spend 1 % higher, one at a time, through the whole model.
    let mut marginal = vec![0.0; n_c * n_g];
    let log = density.layout.family == Family::LogNormal;
    let unit = |d: &PanelDensity, g: usize, mu: f64| {
        let w = d.data.scales.target * d.data.population[g];
        if log { w * mu.exp() } else { w * mu }
    };
    for c in 0..n_c {
        let n = density.data.n_rows;
        let range = c * n..(c + 1) * n;
        let saved: Vec<f64> = density.data.spend[range.clone()].to_vec();
        density.data.spend[range.clone()]
            .iter_mut()
            .for_each(|v| *v *= 1.0 + MARGINAL_STEP);
        density.forward(x, false);
        density.data.spend[range].copy_from_slice(&saved);
        for g in 0..n_g {
            let mut s = 0.0;
            for r in density.data.rows(g) {
                s += unit(density, g, density.mu[r]) - unit(density, g, base[r]);
            }
            marginal[c * n_g + g] = s;
        }
    }
    density.forward(x, false);
    let n = density.data.n_rows;
    let mut contrib = vec![0.0; n_c * n_g];
    let mut other = vec![0.0; (n_i + 1) * n_g];
    for g in 0..n_g {
        for r in density.data.rows(g) {
            let fitted = unit(density, g, density.mu[r]);
            let mut explained = 0.0;
            for c in 0..n_c {
                let piece = density.beta[c * n_g + g] * density.sat[c * n + r];
                let v = fitted - unit(density, g, density.mu[r] - piece);
                contrib[c * n_g + g] += v;
                explained += v;
            }
            for (i, &[a, b]) in density.interactions.iter().enumerate() {
                let gamma = x[density.layout.interaction_idx[i]];
                let piece = gamma
                    * term(&density.sat, &density.data, a, r)
                    * term(&density.sat, &density.data, b, r);
                let v = fitted - unit(density, g, density.mu[r] - piece);
                other[i * n_g + g] += v;
                explained += v;
            }
            other[n_i * n_g + g] += fitted - explained;
        }
    }
    DrawTotals {
        contrib,
        marginal,
        other,
    }
}

fn quantiles(values: &[f64]) -> (f64, f64, f64, f64, f64) {
    let s = summarize(&[values]);
    (s.mean, s.sd, s.q5, s.q50, s.q95)
}

/// Derive every reported quantity from the constrained draws.
pub fn derive(spec: &ModelSpec, density: &PanelDensity, draws: &PosteriorDraws) -> PanelDerived {
    let mut d = density.clone();
    let (n_c, n_g) = (d.layout.channels.len(), d.layout.n_groups);
    let n_i = d.interactions.len();
    let mut names = Vec::with_capacity(n_c * n_g);
    for ch in &d.channel_names {
        for g in &d.groups {
            names.push(format!("beta[{ch},{g}]"));
        }
    }
    let spend: Vec<f64> = (0..n_c * n_g)
        .map(|i| {
            let (c, g) = (i / n_g, i % n_g);
            let n = d.data.n_rows;
            d.data
                .rows(g)
                .map(|r| d.data.spend_original[c * n + r])
                .sum()
        })
        .collect();
    let mut values = Vec::new();
    let mut contrib: Vec<Vec<f64>> = vec![Vec::new(); n_c * n_g];
    let mut marginal: Vec<Vec<f64>> = vec![Vec::new(); n_c * n_g];
    let mut other: Vec<Vec<f64>> = vec![Vec::new(); (n_i + 1) * n_g];
    for x in draws.iter() {
        let totals = draw_totals(&mut d, x);
        values.push(d.beta.clone());
        for (acc, v) in contrib.iter_mut().zip(&totals.contrib) {
            acc.push(*v);
        }
        for (acc, v) in marginal.iter_mut().zip(&totals.marginal) {
            acc.push(*v);
        }
        for (acc, v) in other.iter_mut().zip(&totals.other) {
            acc.push(*v);
        }
    }
    let n_draws = values.len();
    let row = |channel: &str, group: &str, sp: f64, con: &[f64], mar: &[f64]| {
        let roas: Vec<f64> = con.iter().map(|v| v / sp.max(f64::MIN_POSITIVE)).collect();
        let mroas: Vec<f64> = mar
            .iter()
            .map(|v| v / (sp * MARGINAL_STEP).max(f64::MIN_POSITIVE))
            .collect();
        let (mean, sd, q5, q50, q95) = quantiles(&roas);
        let (m_mean, _, m_q5, _, m_q95) = quantiles(&mroas);
        PanelRoasRow {
            channel: channel.to_string(),
            spend: sp,
            contribution_mean: con.iter().sum::<f64>() / con.len().max(1) as f64,
            roas_mean: mean,
            roas_sd: sd,
            roas_q5: q5,
            roas_q50: q50,
            roas_q95: q95,
            mroas_mean: m_mean,
            mroas_q5: m_q5,
            mroas_q95: m_q95,
            group: group.to_string(),
        }
    };
    let mut roas = Vec::new();
    let mut roas_by_group = Vec::new();
    let mut contributions = Vec::new();
    let contribution_row = |group: &str, component: String, v: &[f64]| {
        let (mean, _, q5, _, q95) = quantiles(v);
        PanelContributionRow {
            group: group.to_string(),
            component,
            mean,
            q5,
            q95,
        }
    };
    for c in 0..n_c {
        let ch = &d.channel_names[c];
        let mut con_total = vec![0.0; n_draws];
        let mut mar_total = vec![0.0; n_draws];
        let mut sp_total = 0.0;
        for g in 0..n_g {
            let i = c * n_g + g;
            roas_by_group.push(row(ch, &d.groups[g], spend[i], &contrib[i], &marginal[i]));
            sp_total += spend[i];
            for k in 0..n_draws {
                con_total[k] += contrib[i][k];
                mar_total[k] += marginal[i][k];
            }
        }
        roas.push(row(ch, "total", sp_total, &con_total, &mar_total));
        contributions.push(contribution_row("total", ch.clone(), &con_total));
        for g in 0..n_g {
            contributions.push(contribution_row(
                &d.groups[g],
                ch.clone(),
                &contrib[c * n_g + g],
            ));
        }
    }
    let mut other_names: Vec<String> = spec
        .interactions
        .iter()
        .map(|i| format!("interaction[{}]", i.label()))
        .collect();
    other_names.push("baseline".to_string());
    for (i, name) in other_names.iter().enumerate() {
        let mut total = vec![0.0; n_draws];
        for g in 0..n_g {
            for k in 0..n_draws {
                total[k] += other[i * n_g + g][k];
            }
        }
        contributions.push(contribution_row("total", name.clone(), &total));
        for g in 0..n_g {
            contributions.push(contribution_row(
                &d.groups[g],
                name.clone(),
                &other[i * n_g + g],
            ));
        }
    }
    let lifts = if d.layout.family == Family::LogNormal {
        lift_table(spec, &d, draws)
    } else {
        Vec::new()
    };
    PanelDerived {
        names,
        values,
        roas,
        roas_by_group,
        contributions,
        lifts,
    }
}

/// exp(effect) − 1 per draw, as a row: for a control, a one-unit step (0 → 1 for an
/// indicator); for an interaction of two controls, both steps together with the interaction.
fn lift_table(spec: &ModelSpec, d: &PanelDensity, draws: &PosteriorDraws) -> Vec<LiftRow> {
    let lay = &d.layout;
    let lift_row = |term: String, effect: &dyn Fn(&[f64]) -> f64| {
        let pct: Vec<f64> = draws.iter().map(|x| 100.0 * effect(x).exp_m1()).collect();
        let (mean, _, q5, q50, q95) = quantiles(&pct);
        LiftRow {
            term,
            lift_pct_mean: mean,
            lift_pct_q5: q5,
            lift_pct_q50: q50,
            lift_pct_q95: q95,
        }
    };
    let mut rows = Vec::new();
    for (k, ctl) in spec.controls.iter().enumerate() {
        let (idx, scale) = (lay.gamma_idx[k], d.data.scales.controls[k]);
        rows.push(lift_row(ctl.name.clone(), &|x| x[idx] / scale));
    }
    for (i, it) in spec.interactions.iter().enumerate() {
        if let [TermRef::Control(a), TermRef::Control(b)] = it.refs {
            let (ia, ib, ii) = (lay.gamma_idx[a], lay.gamma_idx[b], lay.interaction_idx[i]);
            let (sa, sb) = (d.data.scales.controls[a], d.data.scales.controls[b]);
            rows.push(lift_row(it.label(), &|x| {
                x[ia] / sa + x[ib] / sb + x[ii] / (sa * sb)
            }));
        }
    }
    rows
}
