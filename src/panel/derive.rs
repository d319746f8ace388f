//! Derived quantities of a panel fit, per posterior draw: group coefficients `beta[c,g]`,
//! contributions and ROAS per group and in total, marginal ROAS, and the % lift table of a
//! multiplicative (log-outcome) model.
//!
//! Contributions are in original units: for a normal or Student-t likelihood channel c's
//! contribution in group g at period t is `beta[c,g] · sat_c,g,t · s_y · pop_g`; for a
//! log-normal likelihood it is `s_y · pop_g · (exp(mu) − exp(mu − beta · sat))`, what the
//! fitted median loses without the channel. An interaction is its own component (not split
//! between its terms).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::density::Family;
use crate::diagnostics::summarize;
use crate::posterior::PosteriorDraws;
use crate::spec::{ModelSpec, TermRef};
use crate::transform::{SaturationKind, hill_series, logistic_series};

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
#[derive(Debug, Clone, PartialEq)]
struct DrawTotals {
    contrib: Vec<f64>,
    marginal: Vec<f64>,
    other: Vec<f64>,
}

/// Buffers one worker reuses across draws: one channel's adstocked spend 1 % higher, its
/// saturation, and the derivative outputs the series kernels fill (unused here).
#[derive(Debug, Clone, Default)]
struct Scratch {
    a: Vec<f64>,
    sat: Vec<f64>,
    d: [Vec<f64>; 3],
}

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch {
            a: vec![0.0; n],
            sat: vec![0.0; n],
            d: [vec![0.0; n], vec![0.0; n], vec![0.0; n]],
        }
    }
}

/// A row's fitted value in original units: `s_y · pop_g · μ` (additive) or `s_y · pop_g · e^μ`
/// (log outcome).
fn unit(d: &PanelDensity, g: usize, mu: f64) -> f64 {
    let w = d.data.scales.target * d.data.population[g];
    if d.layout.family == Family::LogNormal {
        w * mu.exp()
    } else {
        w * mu
    }
}

/// One draw's totals from one forward pass. The marginal ROAS raises one channel's spend by
/// 1 % in every period; adstock is linear in spend, so the channel's adstocked series is the
/// stored one times 1.01 and only its saturation, its own term of μ and the interactions it
/// is in change: μ′ = μ + β·(f′ − f) + Σ γ·(f′_a·f′_b − f_a·f_b). The same numbers as a full
/// forward pass with the spend raised (tested), at the cost of one saturation per channel.
fn draw_totals(density: &mut PanelDensity, x: &[f64], scratch: &mut Scratch) -> DrawTotals {
    let (n_c, n_g) = (density.layout.channels.len(), density.layout.n_groups);
    let n_i = density.interactions.len();
    let n = density.data.n_rows;
    density.forward(x);
    let d = &*density;
    let mut marginal = vec![0.0; n_c * n_g];
    for c in 0..n_c {
        let ch = &d.layout.channels[c];
        let block = c * n..(c + 1) * n;
        for (a, v) in scratch.a.iter_mut().zip(&d.adstocked[block.clone()]) {
            *a = v * (1.0 + MARGINAL_STEP);
        }
        let [d0, d1, d2] = &mut scratch.d;
        match ch.saturation {
            SaturationKind::Logistic => {
                logistic_series(
                    x[ch.saturation_idx[0]],
                    &scratch.a,
                    &mut scratch.sat,
                    d0,
                    d1,
                );
            }
            SaturationKind::Hill => {
                let (k, s) = (x[ch.saturation_idx[0]], x[ch.saturation_idx[1]]);
                hill_series(k, s, &scratch.a, [&mut scratch.sat, d0, d1, d2]);
            }
        }
        let stepped = |t: TermRef, r: usize| match t {
            TermRef::Channel(j) if j == c => scratch.sat[r],
            _ => term(&d.sat, &d.data, t, r),
        };
        let touched: Vec<(f64, [TermRef; 2])> = d
            .interactions
            .iter()
            .enumerate()
            .filter(|(_, pair)| pair.contains(&TermRef::Channel(c)))
            .map(|(i, pair)| (x[d.layout.interaction_idx[i]], *pair))
            .collect();
        for g in 0..n_g {
            let beta = d.beta[c * n_g + g];
            let mut s = 0.0;
            for r in d.data.rows(g) {
                let mut delta = beta * (scratch.sat[r] - d.sat[c * n + r]);
                for &(gamma, [a, b]) in &touched {
                    delta += gamma
                        * (stepped(a, r) * stepped(b, r)
                            - term(&d.sat, &d.data, a, r) * term(&d.sat, &d.data, b, r));
                }
                s += unit(d, g, d.mu[r] + delta) - unit(d, g, d.mu[r]);
            }
            marginal[c * n_g + g] = s;
        }
    }
    let mut contrib = vec![0.0; n_c * n_g];
    let mut other = vec![0.0; (n_i + 1) * n_g];
    for g in 0..n_g {
        for r in d.data.rows(g) {
            let fitted = unit(d, g, d.mu[r]);
            let mut explained = 0.0;
            for c in 0..n_c {
                let piece = d.beta[c * n_g + g] * d.sat[c * n + r];
                let v = fitted - unit(d, g, d.mu[r] - piece);
                contrib[c * n_g + g] += v;
                explained += v;
            }
            for (i, &[a, b]) in d.interactions.iter().enumerate() {
                let gamma = x[d.layout.interaction_idx[i]];
                let piece = gamma * term(&d.sat, &d.data, a, r) * term(&d.sat, &d.data, b, r);
                let v = fitted - unit(d, g, d.mu[r] - piece);
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

/// Every draw's totals and group coefficients, in draw order, over the rayon pool: each
/// worker takes a contiguous block of draws with its own copy of the density.
fn all_draw_totals(density: &PanelDensity, draws: &PosteriorDraws) -> Vec<(DrawTotals, Vec<f64>)> {
    let rows: Vec<&[f64]> = draws.iter().collect();
    let workers = rayon::current_num_threads().max(1);
    let block = rows.len().div_ceil(4 * workers).max(1);
    rows.par_chunks(block)
        .map(|chunk| {
            let mut d = density.clone();
            let mut scratch = Scratch::new(d.data.n_rows);
            chunk
                .iter()
                .map(|x| {
                    let totals = draw_totals(&mut d, x, &mut scratch);
                    (totals, d.beta.clone())
                })
                .collect::<Vec<_>>()
        })
        .flatten_iter()
        .collect()
}

fn quantiles(values: &[f64]) -> (f64, f64, f64, f64, f64) {
    let s = summarize(&[values]);
    (s.mean, s.sd, s.q5, s.q50, s.q95)
}

/// Derive every reported quantity from the constrained draws.
pub fn derive(spec: &ModelSpec, density: &PanelDensity, draws: &PosteriorDraws) -> PanelDerived {
    let d = density;
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
    let mut values = Vec::with_capacity(draws.len());
    let mut contrib: Vec<Vec<f64>> = vec![Vec::new(); n_c * n_g];
    let mut marginal: Vec<Vec<f64>> = vec![Vec::new(); n_c * n_g];
    let mut other: Vec<Vec<f64>> = vec![Vec::new(); (n_i + 1) * n_g];
    for (totals, beta) in all_draw_totals(density, draws) {
        values.push(beta);
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
        lift_table(spec, d, draws)
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

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::panel::gradient_tests::{load, panel_csv};

    /// The marginal totals the slow way: every channel's spend 1 % higher, one at a time,
    /// through a whole forward pass of the model.
    fn marginal_by_full_forward(d: &mut PanelDensity, x: &[f64]) -> Vec<f64> {
        let (n_c, n_g, n) = (d.layout.channels.len(), d.layout.n_groups, d.data.n_rows);
        d.forward(x);
        let base = d.mu.clone();
        let mut out = vec![0.0; n_c * n_g];
        for c in 0..n_c {
            let saved = d.data.spend[c * n..(c + 1) * n].to_vec();
            d.data.spend[c * n..(c + 1) * n]
                .iter_mut()
                .for_each(|v| *v *= 1.0 + MARGINAL_STEP);
            d.forward(x);
            d.data.spend[c * n..(c + 1) * n].copy_from_slice(&saved);
            for g in 0..n_g {
                out[c * n_g + g] = d
                    .data
                    .rows(g)
                    .map(|r| unit(d, g, d.mu[r]) - unit(d, g, base[r]))
                    .sum();
            }
        }
        out
    }

    const MODEL: &str = "[data]\ndate = \"week\"\ntarget = \"y\"\ngroup = \"geo\"\n\
        population = \"pop\"\n\
        [[channel]]\nname = \"tv\"\nsaturation = { type = \"hill\" }\n\
        [[channel]]\nname = \"search\"\n\
        [[channel]]\nname = \"social\"\nadstock = { type = \"weibull\", max_lag = 5 }\n\
        [[control]]\ncolumn = \"price\"\n[[control]]\ncolumn = \"promo\"\n\
        [trend]\ntype = \"linear\"\n\
        [[interaction]]\nterms = [\"search\", \"social\"]\n\
        [[interaction]]\nterms = [\"tv\", \"promo\"]\n\
        [[interaction]]\nterms = [\"price\", \"promo\"]\n";

    #[test]
    fn marginal_totals_from_the_stepped_saturation_equal_a_full_forward_pass() {
        for likelihood in ["", "[likelihood]\nfamily = \"log_normal\"\n"] {
            let (spec, data) = load(&format!("{MODEL}{likelihood}"), &panel_csv());
            let density = PanelDensity::new(&spec, &data).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            let mut reference = density.clone();
            let mut fast = density.clone();
            let mut scratch = Scratch::new(density.data.n_rows);
            for _ in 0..4 {
                let theta: Vec<f64> = (0..density.layout.dim())
                    .map(|_| rng.random::<f64>() - 0.5)
                    .collect();
                let mut x = Vec::new();
                density.constrain(&theta, &mut x);
                let want = marginal_by_full_forward(&mut reference, &x);
                let got = draw_totals(&mut fast, &x, &mut scratch).marginal;
                assert!(want.iter().any(|v| v.abs() > 1e-6), "{want:?}");
                for (w, g) in want.iter().zip(&got) {
                    assert!(
                        (w - g).abs() <= 1e-9 * w.abs().max(1.0),
                        "{likelihood}: {w} vs {g}"
                    );
                }
            }
        }
    }

    #[test]
    fn totals_over_the_pool_keep_draw_order_and_match_one_draw_at_a_time() {
        let (spec, data) = load(MODEL, &panel_csv());
        let density = PanelDensity::new(&spec, &data).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let chains: Vec<Vec<Vec<f64>>> = (0..2)
            .map(|_| {
                (0..37)
                    .map(|_| {
                        let theta: Vec<f64> = (0..density.layout.dim())
                            .map(|_| rng.random::<f64>() - 0.5)
                            .collect();
                        let mut x = Vec::new();
                        density.constrain(&theta, &mut x);
                        x
                    })
                    .collect()
            })
            .collect();
        let draws = PosteriorDraws::from_constrained(density.param_names(), &chains).unwrap();
        let pooled = all_draw_totals(&density, &draws);
        assert_eq!(pooled.len(), 74);
        let mut one = density.clone();
        let mut scratch = Scratch::new(density.data.n_rows);
        for (x, (totals, beta)) in draws.iter().zip(&pooled) {
            let want = draw_totals(&mut one, x, &mut scratch);
            assert_eq!(&want, totals);
            assert_eq!(&one.beta, beta);
        }
    }
}
