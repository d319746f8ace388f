//! The lift-test likelihood term: each experiment's counterfactual on the real timeline (the
//! channel's spend raised by the test's change over its window, through adstock and
//! saturation, minus the outcome without it, over the window and the adstock tail), with its
//! own forward pass and exact adjoint.

use statrs::function::gamma::ln_gamma;
use thiserror::Error;

use crate::data::Dataset;
use crate::spec::{LiftLikelihood, LiftTest, ModelSpec};
use crate::transform::{ADSTOCK_MAX_PARAMS, Date, pull_back_weights};

use super::layout::{ChannelLayout, Layout};
use super::likelihood::Family;
use super::model::{MmmDensity, ModelData};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Spend below zero by less than this fraction of the channel's scale counts as zero (the
/// round-off of a holdout that switched spend off exactly).
const NEGATIVE_SPEND_TOL: f64 = 1e-9;

/// Why a lift test does not fit the data.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum LiftError {
    /// The window starts before the first row.
    #[error(
        "{file} row {row}, column \"start\": {start} is before the data's first period \
         ({first}); a lift test must fall within or after the data (drop the row, or give the \
         data that covers it)"
    )]
    BeforeData {
        /// The lift-test file.
        file: String,
        /// 1-based row.
        row: usize,
        /// The start date.
        start: String,
        /// The data's first date.
        first: String,
    },
    /// The window ends further after the data than the data is long.
    #[error(
        "{file} row {row}, column \"end\": {end} is {after} periods after the data's last \
         period ({last}); a window may end at most {max} periods after the data (as many as \
         the data holds), because its baseline spend is the data's last periods"
    )]
    TooFarAfterData {
        /// The lift-test file.
        file: String,
        /// 1-based row.
        row: usize,
        /// The end date.
        end: String,
        /// Periods after the last row.
        after: usize,
        /// The data's last date.
        last: String,
        /// The largest allowed.
        max: usize,
    },
    /// A holdout removes more spend than the channel had.
    #[error(
        "{file} row {row}: spend_change {spend_change} takes {per_period:.2} a period off \
         channel \"{channel}\", which spent only {spend:.2} in the period of {date}; a holdout \
         cannot remove more than was spent (check the sign and size of spend_change, or the \
         window)"
    )]
    NegativeSpend {
        /// The lift-test file.
        file: String,
        /// 1-based row.
        row: usize,
        /// The test's spend change.
        spend_change: f64,
        /// The channel.
        channel: String,
        /// The change per period of this channel.
        per_period: f64,
        /// The baseline spend of the period.
        spend: f64,
        /// The period's date.
        date: String,
    },
    /// The multiplicative model has no baseline after the data to scale a lift by.
    #[error(
        "{file}: lift tests need an additive model; with family = \"log_normal\" a channel's \
         lift scales the whole baseline, which is unknown after the data (use family = \
         \"normal\" or \"student_t\", or remove [calibration])"
    )]
    LogNormal {
        /// The lift-test file.
        file: String,
    },
}

/// A lift test resolved onto the data's periods, for reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LiftWindow {
    /// The test as read.
    pub test: LiftTest,
    /// First period of the window (0-based; may be past the data).
    pub start: usize,
    /// Last period of the window.
    pub end: usize,
    /// Periods of the window and its tail past the data's last row, whose baseline spend is
    /// the mean of the last `reference_periods` rows (0 when all inside the data).
    pub periods_after_data: usize,
    /// Periods after the window the lift is summed over (the longest max_lag − 1).
    pub tail: usize,
}

/// One channel's part of one test: its baseline and changed spend from L − 1 periods before
/// the window to the end of its tail, on the scaled space.
#[derive(Debug, Clone)]
struct Part {
    channel: usize,
    /// L − 1: leading periods that only feed the adstock.
    lead: usize,
    base: Vec<f64>,
    bumped: Vec<f64>,
}

/// d lift_part / d (beta, saturation parameters, adstock parameters), per unit of s_y.
#[derive(Debug, Clone, Copy, Default)]
struct PartGrad {
    beta: f64,
    sat: [f64; 2],
    adstock: [f64; ADSTOCK_MAX_PARAMS],
}

#[derive(Debug, Clone)]
struct Plan {
    parts: Vec<Part>,
    grads: Vec<PartGrad>,
}

/// Every lift test of a model, ready to evaluate; owns its scratch.
#[derive(Debug, Clone)]
pub(crate) struct LiftTerm {
    windows: Vec<LiftWindow>,
    plans: Vec<Plan>,
    likelihood: LiftLikelihood,
    target_scale: f64,
    w: Vec<f64>,
    jac: Vec<f64>,
    dw: Vec<f64>,
}

impl LiftTerm {
    /// The tests of `spec` placed on `data`'s periods; `None` without `[calibration]`.
    pub(crate) fn new(
        spec: &ModelSpec,
        data: &Dataset,
        layout: &Layout,
        md: &ModelData,
    ) -> Result<Option<LiftTerm>, LiftError> {
        let Some(cal) = &spec.calibration else {
            return Ok(None);
        };
        let file = cal.path.display().to_string();
        if layout.family == Family::LogNormal {
            return Err(LiftError::LogNormal { file });
        }
        let n = data.n_periods();
        let timeline = Timeline::of(data);
        let max_lag = layout.channels.iter().map(|c| c.max_lag).max().unwrap_or(1);
        let reference = cal.reference_periods.min(n);
        let level: Vec<f64> = md
            .spend
            .iter()
            .map(|x| x[n - reference..].iter().sum::<f64>() / reference as f64)
            .collect();
        let mut windows = Vec::new();
        let mut plans = Vec::new();
        for test in &cal.tests {
            let (start, end) = timeline.window(test, &file, n)?;
            let spend_at = |c: usize, t: i64| -> f64 {
                match usize::try_from(t) {
                    Ok(t) if t < n => md.spend[c][t],
                    Ok(_) => level[c],
                    Err(_) => 0.0,
                }
            };
            // Split the change over the test's channels by their spend in the window.
            let spent: Vec<f64> = test
                .channels
                .iter()
                .map(|&c| {
                    (start..=end)
                        .map(|t| spend_at(c, t as i64) * md.scales.channels[c])
                        .sum()
                })
                .collect();
            let total: f64 = spent.iter().sum();
            let k = test.channels.len() as f64;
            let periods = (end - start + 1) as f64;
            let mut parts = Vec::new();
            for (&c, spent_c) in test.channels.iter().zip(&spent) {
                let share = if total > 0.0 {
                    spent_c / total
                } else {
                    1.0 / k
                };
                let scale = md.scales.channels[c];
                let delta = test.spend_change * share / periods / scale;
                let lag = layout.channels[c].max_lag;
                let lead = lag - 1;
                let first = start as i64 - lead as i64;
                let last = (end + lag - 1) as i64;
                let base: Vec<f64> = (first..=last).map(|t| spend_at(c, t)).collect();
                let mut bumped = base.clone();
                for (j, b) in bumped
                    .iter_mut()
                    .enumerate()
                    .skip(lead)
                    .take(end - start + 1)
                {
                    *b += delta;
                    if *b < -NEGATIVE_SPEND_TOL {
                        return Err(LiftError::NegativeSpend {
                            file: file.clone(),
                            row: test.row,
                            spend_change: test.spend_change,
                            channel: spec.channels[c].name.clone(),
                            per_period: -delta * scale,
                            spend: base[j] * scale,
                            date: timeline.date(start + j - lead),
                        });
                    }
                    *b = b.max(0.0);
                }
                parts.push(Part {
                    channel: c,
                    lead,
                    base,
                    bumped,
                });
            }
            let tail = test
                .channels
                .iter()
                .map(|&c| layout.channels[c].max_lag - 1)
                .max()
                .unwrap_or(0);
            windows.push(LiftWindow {
                test: test.clone(),
                start,
                end,
                periods_after_data: (end + tail + 1).saturating_sub(n),
                tail,
            });
            plans.push(Plan {
                grads: vec![PartGrad::default(); parts.len()],
                parts,
            });
        }
        Ok(Some(LiftTerm {
            windows,
            plans,
            likelihood: cal.likelihood,
            target_scale: md.scales.target,
            w: vec![0.0; max_lag],
            jac: vec![0.0; ADSTOCK_MAX_PARAMS * max_lag],
            dw: vec![0.0; max_lag],
        }))
    }

    /// The tests on the data's periods.
    pub(crate) fn windows(&self) -> &[LiftWindow] {
        &self.windows
    }

    /// Each test's model lift (original units) at constrained parameters `x`, into `out`.
    pub(crate) fn model_lifts(&mut self, x: &[f64], layout: &Layout, out: &mut Vec<f64>) {
        out.clear();
        for i in 0..self.plans.len() {
            out.push(self.target_scale * self.eval_plan(i, x, layout));
        }
    }

    /// Adds d(lift log-likelihood)/dx into `gx` and returns the log-likelihood of every test.
    pub(crate) fn logp_grad(&mut self, x: &[f64], layout: &Layout, gx: &mut [f64]) -> f64 {
        let mut lp = 0.0;
        for i in 0..self.plans.len() {
            let model = self.target_scale * self.eval_plan(i, x, layout);
            let test = &self.windows[i].test;
            let (value, d_model) = lift_log_lik(self.likelihood, test.lift, test.lift_sd, model);
            lp += value;
            let g = d_model * self.target_scale;
            let plan = &self.plans[i];
            for (part, pg) in plan.parts.iter().zip(&plan.grads) {
                let ch = &layout.channels[part.channel];
                gx[ch.beta_idx] += g * pg.beta;
                let ns = ch.saturation.n_params();
                for (idx, d) in ch.saturation_idx.iter().zip(&pg.sat).take(ns) {
                    gx[*idx] += g * d;
                }
                let np = ch.adstock.n_params();
                for (idx, d) in ch.adstock_idx.iter().zip(&pg.adstock).take(np) {
                    gx[*idx] += g * d;
                }
            }
        }
        lp
    }

    /// The scaled lift of test `i` (summed over its channels), leaving each part's gradient in
    /// its plan.
    fn eval_plan(&mut self, i: usize, x: &[f64], layout: &Layout) -> f64 {
        let plan = &mut self.plans[i];
        let mut lift = 0.0;
        for (part, grad) in plan.parts.iter().zip(plan.grads.iter_mut()) {
            let ch = &layout.channels[part.channel];
            let (value, g) = eval_part(part, ch, x, &mut self.w, &mut self.jac, &mut self.dw);
            lift += value;
            *grad = g;
        }
        lift
    }
}

/// One channel's scaled lift Σ_t β [f(a¹_t) − f(a⁰_t)] over the window and tail, with its
/// derivatives in the channel's parameters.
fn eval_part(
    part: &Part,
    ch: &ChannelLayout,
    x: &[f64],
    w: &mut [f64],
    jac: &mut [f64],
    dw: &mut [f64],
) -> (f64, PartGrad) {
    let l = ch.max_lag;
    let np = ch.adstock.n_params();
    let ns = ch.saturation.n_params();
    let ad = [x[ch.adstock_idx[0]], x[ch.adstock_idx[np - 1]]];
    let sp = [x[ch.saturation_idx[0]], x[ch.saturation_idx[ns - 1]]];
    let beta = x[ch.beta_idx];
    let (w, jac, dw) = (&mut w[..l], &mut jac[..np * l], &mut dw[..l]);
    ch.adstock
        .weights_with_jacobian(&ad[..np], ch.normalize, w, jac);
    dw.fill(0.0);
    let mut sum_df = 0.0;
    let mut d_sat = [0.0; 2];
    for t in part.lead..part.base.len() {
        let window = t + 1 - l..=t;
        let lagged = |s: &[f64]| -> f64 {
            w.iter()
                .zip(s[window.clone()].iter().rev())
                .map(|(a, b)| a * b)
                .sum()
        };
        let a0 = lagged(&part.base);
        let a1 = lagged(&part.bumped);
        let e0 = ch.saturation.eval(&sp[..ns], a0);
        let e1 = ch.saturation.eval(&sp[..ns], a1);
        sum_df += e1.value - e0.value;
        for ((d, p1), p0) in d_sat.iter_mut().zip(e1.d_params).zip(e0.d_params) {
            *d += p1 - p0;
        }
        // A zero adstock (every lagged spend 0) has no path to the weights; its slope may be
        // infinite (Hill with s < 1), so it is dropped, as in the density.
        let slope = |d: f64| {
            if d == 0.0 || !d.is_finite() {
                0.0
            } else {
                beta * d
            }
        };
        let (g0, g1) = (slope(e0.d_a), slope(e1.d_a));
        for (lag, dwl) in dw.iter_mut().enumerate() {
            *dwl += g1 * part.bumped[t - lag] - g0 * part.base[t - lag];
        }
    }
    let mut grad = PartGrad {
        beta: sum_df,
        sat: [beta * d_sat[0], beta * d_sat[1]],
        adstock: [0.0; ADSTOCK_MAX_PARAMS],
    };
    pull_back_weights(jac, dw, &mut grad.adstock[..np]);
    (beta * sum_df, grad)
}

/// log p(lift | model) and its derivative in `model`.
fn lift_log_lik(likelihood: LiftLikelihood, lift: f64, sd: f64, model: f64) -> (f64, f64) {
    let r = lift - model;
    match likelihood {
        LiftLikelihood::Normal => {
            let z = r / sd;
            (-0.5 * LN_2PI - sd.ln() - 0.5 * z * z, r / (sd * sd))
        }
        LiftLikelihood::StudentT { nu } => {
            let half = 0.5 * (nu + 1.0);
            let value = ln_gamma(half)
                - ln_gamma(0.5 * nu)
                - 0.5 * (nu * std::f64::consts::PI).ln()
                - sd.ln()
                - half * (r * r / (nu * sd * sd)).ln_1p();
            (value, (nu + 1.0) * r / (nu * sd * sd + r * r))
        }
    }
}

/// Dates of the data's periods, extended past its end at the same step.
struct Timeline<'a> {
    data: &'a Dataset,
    first: i64,
    step: i64,
}

impl<'a> Timeline<'a> {
    fn of(data: &'a Dataset) -> Timeline<'a> {
        // The data set validated its dates; a failure here would be a bug upstream.
        let first = Date::parse_iso(&data.dates()[0]).map_or(0, Date::days_since_epoch);
        Timeline {
            data,
            first,
            step: i64::from(data.period_days().max(1)),
        }
    }

    /// The period holding `date` (negative before the data).
    fn period(&self, date: Date) -> i64 {
        (date.days_since_epoch() - self.first).div_euclid(self.step)
    }

    fn date(&self, t: usize) -> String {
        self.data.dates().get(t).cloned().unwrap_or_else(|| {
            Date::from_days_since_epoch(self.first + self.step * t as i64).to_string()
        })
    }

    /// First and last period of a test's window.
    fn window(&self, test: &LiftTest, file: &str, n: usize) -> Result<(usize, usize), LiftError> {
        let start = self.period(test.start);
        let end = self.period(test.end);
        if start < 0 {
            return Err(LiftError::BeforeData {
                file: file.to_string(),
                row: test.row,
                start: test.start.to_string(),
                first: self.date(0),
            });
        }
        let last = n as i64 - 1;
        if end - last > n as i64 {
            return Err(LiftError::TooFarAfterData {
                file: file.to_string(),
                row: test.row,
                end: test.end.to_string(),
                after: (end - last) as usize,
                last: self.date(n - 1),
                max: n,
            });
        }
        Ok((start as usize, end as usize))
    }
}

impl MmmDensity {
    /// The model's lift tests on the data's periods (empty without `[calibration]`).
    pub fn lift_windows(&self) -> &[LiftWindow] {
        self.lift.as_ref().map_or(&[], LiftTerm::windows)
    }

    /// Each lift test's model lift, in the target's original units, at the constrained
    /// parameters `x` (θ order, as in a posterior draw).
    pub fn model_lifts(&mut self, x: &[f64]) -> Vec<f64> {
        let mut out = Vec::new();
        if let Some(lift) = &mut self.lift {
            lift.model_lifts(x, &self.layout, &mut out);
        }
        out
    }
}
