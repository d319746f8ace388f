//! The MMM log density: priors and Jacobians on θ, the forward pass (adstock, saturation,
//! baseline) to the mean of the scaled target, the likelihood, and the reverse pass of the
//! gradient through all of it.

use thiserror::Error;

use super::layout::ChannelLayout;
use crate::data::{Dataset, ScaleMethod, Scales};
use crate::sampler::{LogDensity, LogpError};
use crate::spec::{ModelSpec, Scaling, SeasonalitySpec};
use crate::transform::{
    ADSTOCK_MAX_PARAMS, AdstockKind, GEOMETRIC_RECURSION_MIN_LAG, LANES as GROUP_LANES, LaneParams,
    LaneSeries, Lanes, SaturationKind, Support, Vectorized, convolve, convolve_adjoint_weights,
    dot, fourier_features, geometric_adstock, geometric_alpha_adjoint, geometric_logistic_forward,
    geometric_logistic_sweep, geometric_scratch_len, hill_series, interleave, lane_scratch_len,
    linear_trend, logistic_series, pull_back_weights, vectorized,
};

use super::baseline::BaselineColumns;
use super::centre::{centre_adjoint, mean_without_intercept, shift_to_intercept};
use super::coordinate::CoordinateTerm;
use super::effect_prior::{EffectPriorError, EffectTerm};
use super::hill_group::{HillGroup, hill_groups};
use super::layout::{Layout, NuLayout};
use super::lift::{LiftError, LiftTerm};
use super::likelihood::{Family, log_lik};
use super::pair_group::{PairGroup, pair_groups};
use super::prior_term::PriorTerm;
use super::reparam::MediaReparam;

/// Why a model and a data set do not make a density.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DensityError {
    /// A log-normal likelihood needs a positive target.
    #[error(
        "{file} row {row}: target {value} is not positive; a log_normal likelihood needs y > 0 \
         (use family = \"normal\", or remove the row)"
    )]
    NonPositiveTarget {
        /// The data file.
        file: String,
        /// 1-based data row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// The likelihood's rows do not fit the data.
    #[error(
        "cannot fit on the first {n_fit} of {n} rows; the fitted rows must number at least 2 \
         and at most the data's rows"
    )]
    FitRows {
        /// Rows asked for.
        n_fit: usize,
        /// Rows in the data.
        n: usize,
    },
    /// A fixed target scale that cannot divide the target.
    #[error("target scale {value} must be a positive finite number")]
    TargetScale {
        /// The value given.
        value: f64,
    },
    /// A lift test that does not fit the data.
    #[error(transparent)]
    Lift(#[from] LiftError),
    /// An ROI, marginal-ROI or share prior that the data cannot define.
    #[error(transparent)]
    Effect(#[from] EffectPriorError),
}

/// How a density reads its data beyond what the model file says.
///
/// The default reads the data as `mmm fit` does: the likelihood covers every row and the scales
/// come from the data.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DensityOptions {
    /// The likelihood covers only the first `fit_rows` rows, and the scales and the trend's T
    /// come from those rows alone; the forward pass (adstock, decomposition, predictive draws)
    /// still covers every row, so later rows are predicted with the real spend history and
    /// nothing about them leaks into the fit. `None`: every row.
    pub fit_rows: Option<usize>,
    /// A fixed target scale s_y instead of one computed from the target, so the model's scaled
    /// space does not depend on the outcome (simulation and calibration draw the outcome from
    /// parameters stated on that space). `None`: from the data, per `[data] scale`.
    pub target_scale: Option<f64>,
    /// The prior alone: no likelihood and no lift-test term (the data still defines the
    /// scales and the spend that ROI, marginal-ROI and share priors are stated on).
    pub prior_only: bool,
    /// Sample each coefficient β as β itself instead of its contribution over the channel's
    /// spend (see `density/reparam.rs`); the same posterior, worse geometry. For
    /// comparisons and tests.
    pub natural_coordinates: bool,
}

/// The scaled data the density reads, fixed at construction.
#[derive(Debug, Clone)]
pub(crate) struct ModelData {
    pub n: usize,
    /// Rows the likelihood covers (the first `n_fit`).
    pub n_fit: usize,
    /// Scaled target (its log for a log-normal likelihood).
    pub obs: Vec<f64>,
    /// Constant −Σ log y of the log-normal likelihood, 0 otherwise.
    pub log_jacobian: f64,
    /// Scaled spend per channel.
    pub spend: Vec<Vec<f64>>,
    /// Controls per control (scaled where asked).
    pub controls: Vec<Vec<f64>>,
    /// Fourier features, column-major: feature j at `fourier[j * n..(j + 1) * n]`.
    pub fourier: Vec<f64>,
    /// Trend feature t / T.
    pub trend: Vec<f64>,
    /// Scales back to original units.
    pub scales: Scales,
}

/// The MMM posterior density on the unconstrained space. It owns all scratch space, so
/// [`LogDensity::logp_grad`] allocates nothing.
#[derive(Debug, Clone)]
pub struct MmmDensity {
    pub(crate) layout: Layout,
    pub(crate) data: ModelData,
    /// Each coordinate's prior with its constant folded.
    prior_terms: Vec<PriorTerm>,
    /// Each coordinate's bijector with its prior (none for a centred intercept).
    coordinates: Vec<CoordinateTerm>,
    // Scratch, per coordinate.
    x: Vec<f64>,
    gx: Vec<f64>,
    dx_du: Vec<f64>,
    dlogjac_du: Vec<f64>,
    // Scratch, per period.
    pub(crate) mu: Vec<f64>,
    d_mu: Vec<f64>,
    pub(crate) g_a: Vec<f64>,
    /// The spend adjoint of one channel (marginal ROAS).
    pub(crate) spend_adjoint: Vec<f64>,
    // Scratch, per channel and period, channel-major: `c * n + t`.
    /// Saturation value, d/da and d/dparams.
    pub(crate) sat: Vec<f64>,
    pub(crate) sat_da: Vec<f64>,
    sat_dp: [Vec<f64>; 2],
    /// Adstocked spend.
    pub(crate) adstocked: Vec<f64>,
    /// Geometric adstock's lag moment Σ_l l·w_l·x_{t−l} (for ∂/∂α).
    moment: Vec<f64>,
    // Scratch, per channel: lag weights and their Jacobian from the forward pass.
    channel_w: Vec<Vec<f64>>,
    channel_jac: Vec<Vec<f64>>,
    // Scratch, per lag.
    pub(crate) w: Vec<f64>,
    dw: Vec<f64>,
    /// The baseline's data columns: a column of ones (the intercept's), then trend, controls and
    /// Fourier features in the order the mean adds them.
    baseline: BaselineColumns,
    /// Each baseline column's coordinate (the intercept's first), its coefficient at the last θ
    /// and its part of the gradient (scratch).
    base_idx: Vec<usize>,
    base_coef: Vec<f64>,
    base_grad: Vec<f64>,
    /// The lift-test likelihood term (`[calibration]`), with its own scratch.
    pub(crate) lift: Option<LiftTerm>,
    /// ROI, marginal-ROI and share priors: β derived from the stated quantity.
    effect: Option<EffectTerm>,
    /// [`DensityOptions::prior_only`].
    prior_only: bool,
    geometric_scratch: Vec<f64>,
    /// The media block's sampled coordinates (coefficient as contribution over its spend).
    pub(crate) reparam: Option<MediaReparam>,
    /// θ′: the model's coordinates of the last θ (scratch).
    model_theta: Vec<f64>,
    /// The intercept's coordinate is the mean fitted level (see `density/centre.rs`).
    pub(crate) centre: bool,
    /// Groups of four consecutive channels with geometric adstock (the same max lag, from
    /// [`GEOMETRIC_RECURSION_MIN_LAG`] on) and logistic saturation: the gradient's forward and
    /// reverse passes take them four at a time, one per vector lane (`transform/lanes.rs`).
    groups: Vec<LaneGroup>,
    /// Per channel, its group and lane.
    group_of: Vec<Option<(usize, usize)>>,
    /// Groups of four Hill channels with geometric adstock, one per vector lane in the
    /// gradient's passes (`density/hill_group.rs`).
    pub(crate) hill_groups: Vec<HillGroup>,
    /// Per channel, its Hill group and lane.
    pub(crate) hill_group_of: Vec<Option<(usize, usize)>>,
    /// Pairs of consecutive channels outside the four-lane groups with geometric adstock and
    /// logistic saturation, interleaved in the gradient's passes (`density/pair_group.rs`).
    pub(crate) pairs: Vec<PairGroup>,
    /// Per channel, its pair and lane.
    pub(crate) pair_of: Vec<Option<(usize, usize)>>,
}

/// Per channel of `c`, the group (index into `groups`) and lane it runs in, if any.
fn lanes_of<'g>(
    c: usize,
    groups: impl Iterator<Item = &'g [usize]>,
) -> Vec<Option<(usize, usize)>> {
    let mut of = vec![None; c];
    for (g, channels) in groups.enumerate() {
        for (lane, &ch) in channels.iter().enumerate() {
            of[ch] = Some((g, lane));
        }
    }
    of
}

/// Up to [`GROUP_LANES`] channels whose geometric recursion and logistic curve run in the lanes of
/// one vector (see `transform/lanes.rs`), with their interleaved spend and series.
#[derive(Debug, Clone)]
struct LaneGroup {
    /// The channels, in lane order (consecutive channels).
    channels: Vec<usize>,
    lags: usize,
    /// Spend, interleaved by period.
    spend: Vec<Lanes>,
    series: LaneSeries,
    scratch: Vec<Lanes>,
    params: LaneParams,
}

/// Whether channel `ch` can run in a [`LaneGroup`].
fn lane_eligible(ch: &ChannelLayout) -> bool {
    ch.adstock == AdstockKind::Geometric
        && ch.saturation == SaturationKind::Logistic
        && ch.max_lag >= GEOMETRIC_RECURSION_MIN_LAG
}

/// Groups of [`GROUP_LANES`] consecutive lane-eligible channels with the same max lag. Fewer
/// channels keep the one-channel path: measured on the PyMC-Marketing example (two channels
/// in four lanes), a half-empty group was slower than two one-channel passes, whose
/// saturation loop is vectorised over periods.
fn lane_groups(channels: &[ChannelLayout], spend: &[Vec<f64>], n: usize) -> Vec<LaneGroup> {
    let mut groups = Vec::new();
    let mut c = 0;
    while c < channels.len() {
        let mut members = vec![c];
        while lane_eligible(&channels[c])
            && members.len() < GROUP_LANES
            && c + members.len() < channels.len()
        {
            let next = &channels[c + members.len()];
            if !lane_eligible(next) || next.max_lag != channels[c].max_lag {
                break;
            }
            members.push(c + members.len());
        }
        c += members.len();
        if members.len() < GROUP_LANES {
            continue;
        }
        let lags = channels[members[0]].max_lag;
        let series: Vec<&[f64]> = members.iter().map(|&m| spend[m].as_slice()).collect();
        groups.push(LaneGroup {
            channels: members,
            lags,
            spend: interleave(&series),
            series: LaneSeries::new(n),
            scratch: vec![[0.0; GROUP_LANES]; lane_scratch_len(lags)],
            params: LaneParams {
                alpha: [0.5; GROUP_LANES],
                w0: [0.0; GROUP_LANES],
                lam: [1.0; GROUP_LANES],
                beta: [0.0; GROUP_LANES],
            },
        });
    }
    groups
}

fn scale_method(s: Scaling) -> ScaleMethod {
    match s {
        Scaling::Max => ScaleMethod::Max,
        Scaling::Mean => ScaleMethod::Mean,
    }
}

impl ModelData {
    fn new(
        spec: &ModelSpec,
        data: &Dataset,
        family: Family,
        options: &DensityOptions,
    ) -> Result<ModelData, DensityError> {
        let n = data.n_periods();
        let n_fit = options.fit_rows.unwrap_or(n);
        if n_fit < 2 || n_fit > n {
            return Err(DensityError::FitRows { n_fit, n });
        }
        let method = scale_method(spec.data.scale);
        let target_scale = match options.target_scale {
            Some(v) if v > 0.0 && v.is_finite() => v,
            Some(value) => return Err(DensityError::TargetScale { value }),
            None => method.scale_of(&data.target()[..n_fit]),
        };
        let scale_of = |series: &[f64]| method.scale_of(&series[..n_fit]);
        let scales = Scales {
            method,
            target: target_scale,
            channels: data.channels().iter().map(|x| scale_of(x)).collect(),
            controls: data
                .controls()
                .iter()
                .zip(&spec.controls)
                .map(|(z, c)| if c.scale { scale_of(z) } else { 1.0 })
                .collect(),
        };
        let divided = |v: &[f64], s: f64| v.iter().map(|x| x / s).collect::<Vec<f64>>();
        let mut obs = divided(data.target(), target_scale);
        let mut log_jacobian = 0.0;
        if family == Family::LogNormal {
            for (row, y) in obs.iter_mut().enumerate() {
                if *y <= 0.0 && row < n_fit {
                    return Err(DensityError::NonPositiveTarget {
                        file: data.source().to_string(),
                        row: row + 1,
                        value: data.target()[row],
                    });
                }
                *y = y.ln();
                if row < n_fit {
                    log_jacobian -= *y;
                }
            }
        }
        let mut fourier = Vec::new();
        if let Some(SeasonalitySpec { order, period, .. }) = spec.seasonality {
            fourier = vec![0.0; 2 * order * n];
            fourier_features(data.day_of_year(), order, period, &mut fourier);
        }
        let mut trend = vec![0.0; n];
        linear_trend(0, n_fit, &mut trend);
        Ok(ModelData {
            n,
            n_fit,
            obs,
            log_jacobian,
            spend: data
                .channels()
                .iter()
                .zip(&scales.channels)
                .map(|(x, s)| divided(x, *s))
                .collect(),
            controls: data
                .controls()
                .iter()
                .zip(&scales.controls)
                .map(|(z, s)| divided(z, *s))
                .collect(),
            fourier,
            trend,
            scales,
        })
    }
}

impl MmmDensity {
    /// The density of `spec` on `data` (already validated against the spec's columns).
    pub fn new(spec: &ModelSpec, data: &Dataset) -> Result<MmmDensity, DensityError> {
        MmmDensity::with_options(spec, data, &DensityOptions::default())
    }

    /// The density whose likelihood covers only the first `n_fit` rows of `data`, with scales
    /// and the trend's T from those rows; decompositions and predictive draws cover every row
    /// (see [`DensityOptions::fit_rows`]).
    pub fn with_fit_rows(
        spec: &ModelSpec,
        data: &Dataset,
        n_fit: usize,
    ) -> Result<MmmDensity, DensityError> {
        let options = DensityOptions {
            fit_rows: Some(n_fit),
            ..DensityOptions::default()
        };
        MmmDensity::with_options(spec, data, &options)
    }

    /// The density of `spec` on `data`, read as `options` say.
    pub fn with_options(
        spec: &ModelSpec,
        data: &Dataset,
        options: &DensityOptions,
    ) -> Result<MmmDensity, DensityError> {
        let layout = Layout::new(spec);
        let model_data = ModelData::new(spec, data, layout.family, options)?;
        let lift = LiftTerm::new(spec, data, &layout, &model_data)?;
        let effect = EffectTerm::new(spec, &layout, &model_data)?;
        let reparam = if options.natural_coordinates {
            None
        } else {
            MediaReparam::new(spec, &layout, &model_data)
        };
        let centre = !options.natural_coordinates
            && !options.prior_only
            && layout.bijectors[layout.intercept_idx] == Support::Real;
        let data = model_data;
        let (n, c, d) = (data.n, layout.channels.len(), layout.dim());
        let mut base_cols = vec![1.0; n];
        let mut base_idx = vec![layout.intercept_idx];
        if let Some(i) = layout.trend_idx {
            base_cols.extend_from_slice(&data.trend);
            base_idx.push(i);
        }
        for (k, &i) in layout.gamma_idx.iter().enumerate() {
            base_cols.extend_from_slice(&data.controls[k]);
            base_idx.push(i);
        }
        for (j, &i) in layout.fourier_idx.iter().enumerate() {
            base_cols.extend_from_slice(&data.fourier[j * n..(j + 1) * n]);
            base_idx.push(i);
        }
        let groups = lane_groups(&layout.channels, &data.spend, n);
        let group_of = lanes_of(c, groups.iter().map(|g| &g.channels[..]));
        let hill_groups = hill_groups(&layout.channels, &data.spend, n);
        let hill_group_of = lanes_of(c, hill_groups.iter().map(|g| &g.channels[..]));
        let taken: Vec<bool> = (0..c)
            .map(|ch| group_of[ch].is_some() || hill_group_of[ch].is_some())
            .collect();
        let pairs = pair_groups(&layout.channels, &data.spend, n, &taken);
        let pair_of = lanes_of(c, pairs.iter().map(|p| &p.channels[..]));
        let max_lag = layout
            .channels
            .iter()
            .map(|ch| ch.max_lag)
            .max()
            .unwrap_or(1);
        let prior_terms: Vec<PriorTerm> =
            layout.priors.iter().map(|p| PriorTerm::new(*p)).collect();
        // A centred intercept's prior is taken at b after the forward pass (data_term).
        let coordinates = (layout.bijectors.iter().zip(&prior_terms).enumerate())
            .map(|(i, (support, prior))| {
                let elsewhere = centre && i == layout.intercept_idx;
                CoordinateTerm::new(*support, (!elsewhere).then_some(*prior))
            })
            .collect();
        Ok(MmmDensity {
            prior_terms,
            coordinates,
            x: vec![0.0; d],
            gx: vec![0.0; d],
            dx_du: vec![0.0; d],
            dlogjac_du: vec![0.0; d],
            mu: vec![0.0; n],
            d_mu: vec![0.0; n],
            g_a: vec![0.0; n],
            spend_adjoint: vec![0.0; n],
            sat: vec![0.0; c * n],
            sat_da: vec![0.0; c * n],
            sat_dp: [vec![0.0; c * n], vec![0.0; c * n]],
            adstocked: vec![0.0; c * n],
            moment: vec![0.0; c * n],
            channel_w: layout
                .channels
                .iter()
                .map(|ch| vec![0.0; ch.max_lag])
                .collect(),
            channel_jac: layout
                .channels
                .iter()
                .map(|ch| vec![0.0; ch.adstock.n_params() * ch.max_lag])
                .collect(),
            w: vec![0.0; max_lag],
            dw: vec![0.0; max_lag],
            base_coef: vec![0.0; base_idx.len()],
            base_grad: vec![0.0; base_idx.len()],
            baseline: BaselineColumns::new(&base_cols, n, base_idx.len()),
            base_idx,
            lift,
            effect,
            prior_only: options.prior_only,
            geometric_scratch: vec![0.0; geometric_scratch_len(max_lag)],
            reparam,
            model_theta: vec![0.0; d],
            centre,
            groups,
            group_of,
            hill_groups,
            hill_group_of,
            pairs,
            pair_of,
            layout,
            data,
        })
    }

    /// Parameter names in θ order (`beta[tv]`, ...).
    pub fn param_names(&self) -> Vec<String> {
        self.layout.names()
    }

    /// Number of periods.
    pub fn n_periods(&self) -> usize {
        self.data.n
    }

    /// Number of periods the likelihood covers (the first ones).
    pub fn n_fit_rows(&self) -> usize {
        self.data.n_fit
    }

    /// Scales between the model's space and original units.
    pub fn scales(&self) -> &Scales {
        &self.data.scales
    }

    /// Map θ to the constrained parameters, in θ order.
    pub fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        let mapped;
        let theta = match &self.reparam {
            Some(reparam) => {
                let mut model_theta = vec![0.0; theta.len()];
                reparam.to_model_plain(theta, &mut model_theta);
                mapped = model_theta;
                &mapped[..]
            }
            None => theta,
        };
        out.clear();
        out.extend(
            theta
                .iter()
                .zip(&self.layout.bijectors)
                .map(|(u, b)| b.constrain(*u)),
        );
        if let Some(effect) = &self.effect {
            // Not the hot path: a scratch copy keeps `constrain` a `&self` method.
            let result = effect
                .clone()
                .derive_into(out, None, &self.layout, &self.data);
            debug_assert!(result.is_ok(), "derive_into without gradient never fails");
        }
        if self.centre {
            // The coordinate is the mean fitted level L; the intercept is b = L − h.
            let h = mean_without_intercept(&self.layout, &self.data, out);
            out[self.layout.intercept_idx] -= h;
        }
    }

    /// Replaces, for each channel with an ROI, marginal-ROI or share prior, the stated quantity
    /// at its coordinate of constrained `x` by the coefficient β it implies (as
    /// [`MmmDensity::constrain`] does); channels where `keep(c)` holds are left as they are.
    /// A β that the parameters cannot give (no effect at all) becomes NaN.
    pub fn derive_betas(&self, x: &mut [f64], keep: impl Fn(usize) -> bool) {
        if let Some(effect) = &self.effect {
            let before = x.to_vec();
            let result = effect
                .clone()
                .derive_into(x, None, &self.layout, &self.data);
            debug_assert!(result.is_ok(), "derive_into without gradient never fails");
            for (c, ch) in self.layout.channels.iter().enumerate() {
                if keep(c) {
                    x[ch.beta_idx] = before[ch.beta_idx];
                }
            }
        }
    }

    /// The forward pass at constrained parameters `x`: fills `mu` (mean of the scaled
    /// target, or of its log) and each channel's adstocked spend and saturation values; with
    /// `derivs`, also the derivatives the reverse pass needs.
    #[inline(always)]
    pub(crate) fn forward(&mut self, x: &[f64], derivs: bool) {
        let n = self.data.n;
        let lay = &self.layout;
        let d = &self.data;
        for (c, &i) in self.base_coef.iter_mut().zip(&self.base_idx) {
            *c = x[i];
        }
        self.baseline.forward(&mut self.mu, &self.base_coef);
        for (c, ch) in lay.channels.iter().enumerate() {
            let np = ch.adstock.n_params();
            let ad = [x[ch.adstock_idx[0]], x[ch.adstock_idx[np - 1]]];
            let w = &mut self.channel_w[c];
            if derivs && let Some((g, lane)) = self.group_of[c] {
                // The group runs at its last channel, once every lane's parameters are in.
                ch.adstock.weights(&ad[..np], ch.normalize, w);
                let group = &mut self.groups[g];
                let p = &mut group.params;
                (p.alpha[lane], p.w0[lane]) = (ad[0], w[0]);
                (p.lam[lane], p.beta[lane]) = (x[ch.saturation_idx[0]], x[ch.beta_idx]);
                if lane + 1 == group.channels.len() {
                    geometric_logistic_forward(
                        &group.params,
                        group.lags,
                        &group.spend,
                        &mut group.series,
                        &mut self.mu,
                        &mut group.scratch,
                    );
                }
                continue;
            }
            if derivs && let Some((p, lane)) = self.pair_of[c] {
                ch.adstock.weights(&ad[..np], ch.normalize, w);
                self.pairs[p].forward_lane(lane, ch, x, w, &mut self.mu);
                continue;
            }
            if derivs && let Some((g, lane)) = self.hill_group_of[c] {
                ch.adstock.weights(&ad[..np], ch.normalize, w);
                self.hill_groups[g].forward_lane(lane, ch, x, w, &mut self.mu);
                continue;
            }
            let range = c * n..(c + 1) * n;
            let a = &mut self.adstocked[range.clone()];
            if ch.adstock == AdstockKind::Geometric {
                ch.adstock.weights(&ad[..np], ch.normalize, w);
                geometric_adstock(
                    ad[0],
                    w,
                    &d.spend[c],
                    a,
                    &mut self.moment[range.clone()],
                    &mut self.geometric_scratch,
                );
            } else {
                if derivs {
                    ch.adstock.weights_with_jacobian(
                        &ad[..np],
                        ch.normalize,
                        w,
                        &mut self.channel_jac[c],
                    );
                } else {
                    ch.adstock.weights(&ad[..np], ch.normalize, w);
                }
                convolve(w, &d.spend[c], a);
            }
            let beta = x[ch.beta_idx];
            let a = &self.adstocked[range.clone()];
            let sat = &mut self.sat[range.clone()];
            let sat_da = &mut self.sat_da[range.clone()];
            let [dp0, dp1] = &mut self.sat_dp;
            let (dp0, dp1) = (&mut dp0[range.clone()], &mut dp1[range]);
            match ch.saturation {
                SaturationKind::Logistic => {
                    logistic_series(x[ch.saturation_idx[0]], a, sat, sat_da, dp0);
                    axpy(&mut self.mu, beta, sat);
                }
                SaturationKind::Hill => {
                    let (k, s) = (x[ch.saturation_idx[0]], x[ch.saturation_idx[1]]);
                    hill_series(k, s, a, [sat, sat_da, dp0, dp1]);
                    axpy(&mut self.mu, beta, sat);
                }
            }
        }
    }

    /// Reverse pass: d log-lik / d mu is in `d_mu`; accumulate into `gx` (per constrained x).
    #[inline(always)]
    fn backward(&mut self, x: &[f64]) {
        let n = self.data.n;
        let lay = &self.layout;
        let d = &self.data;
        let d_mu = &self.d_mu;
        self.baseline.adjoint(d_mu, &mut self.base_grad);
        for (g, &i) in self.base_grad.iter().zip(&self.base_idx) {
            self.gx[i] += g;
        }
        for group in &self.groups {
            let sums = geometric_logistic_sweep(&group.params, d_mu, &group.series);
            for (lane, &c) in group.channels.iter().enumerate() {
                let ch = &lay.channels[c];
                let [s_beta, s_p0, s_ga, s_gm] = sums.map(|s| s[lane]);
                self.gx[ch.beta_idx] += s_beta;
                self.gx[ch.saturation_idx[0]] += group.params.beta[lane] * s_p0;
                let alpha = group.params.alpha[lane];
                self.gx[ch.adstock_idx[0]] +=
                    geometric_alpha_adjoint(alpha, &self.channel_w[c], ch.normalize, s_ga, s_gm);
            }
        }
        for group in &self.hill_groups {
            group.backward(d_mu, &lay.channels, x, &self.channel_w, &mut self.gx);
        }
        for pair in &self.pairs {
            pair.backward(d_mu, &lay.channels, &self.channel_w, &mut self.gx);
        }
        for (c, ch) in lay.channels.iter().enumerate() {
            if self.group_of[c].is_some()
                || self.hill_group_of[c].is_some()
                || self.pair_of[c].is_some()
            {
                continue;
            }
            let range = c * n..(c + 1) * n;
            let beta = x[ch.beta_idx];
            let sat = &self.sat[range.clone()];
            let sat_da = &self.sat_da[range.clone()];
            let dp0 = &self.sat_dp[0][range.clone()];
            let a = &self.adstocked[range.clone()];
            let moment = &self.moment[range.clone()];
            let geometric = ch.adstock == AdstockKind::Geometric;
            // One sweep over the periods: the saturation's reductions, the adjoint g_t of the
            // adstocked spend and, for geometric adstock, the two reductions of ∂/∂α.
            let [s_beta, s_p0, s_ga, s_gm] = if geometric {
                geometric_sweep(beta, d_mu, [sat, sat_da, dp0, a, moment])
            } else {
                let [s_beta, s_p0] =
                    convolution_sweep(beta, d_mu, [sat, sat_da, dp0], &mut self.g_a);
                [s_beta, s_p0, 0.0, 0.0]
            };
            self.gx[ch.beta_idx] += s_beta;
            self.gx[ch.saturation_idx[0]] += beta * s_p0;
            if ch.saturation.n_params() == 2 {
                self.gx[ch.saturation_idx[1]] += beta * dot(d_mu, &self.sat_dp[1][range.clone()]);
            }
            let w = &self.channel_w[c];
            if geometric {
                let alpha = x[ch.adstock_idx[0]];
                self.gx[ch.adstock_idx[0]] +=
                    geometric_alpha_adjoint(alpha, w, ch.normalize, s_ga, s_gm);
            } else {
                let (l, np) = (ch.max_lag, ch.adstock.n_params());
                convolve_adjoint_weights(&d.spend[c], &self.g_a, &mut self.dw[..l]);
                let mut dparams = [0.0; ADSTOCK_MAX_PARAMS];
                pull_back_weights(&self.channel_jac[c], &self.dw[..l], &mut dparams[..np]);
                for (idx, dp) in ch.adstock_idx.iter().zip(&dparams[..np]) {
                    self.gx[*idx] += dp;
                }
            }
        }
    }
}

#[inline(always)]
fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// Lanes of the backward sweep's partial sums: four independent sums per reduction, so the
/// sweep vectorises (one AVX2 register) instead of waiting on each add.
const LANES: usize = 4;

/// g_t = β·∂L/∂μ_t·∂f/∂a_t, the adjoint of the adstocked spend. An infinite slope at zero
/// adstock (Hill with s < 1) meets a zero spend there, and contributes nothing.
#[inline(always)]
fn adstock_adjoint(beta: f64, dm: f64, da: f64) -> f64 {
    if da == 0.0 || !da.is_finite() {
        0.0
    } else {
        beta * dm * da
    }
}

/// The lanes' partial sums added pairwise.
#[inline(always)]
fn lane_total(acc: [f64; LANES]) -> f64 {
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// One channel's backward sweep for geometric adstock, from `d_mu` and the forward pass's
/// `[saturation, ∂f/∂a, ∂f/∂p0, adstocked spend, lag moment]`: returns Σ ∂L/∂μ·f,
/// Σ ∂L/∂μ·∂f/∂p0, Σ g·a and Σ g·m (g from [`adstock_adjoint`]).
#[inline(always)]
fn geometric_sweep(beta: f64, d_mu: &[f64], series: [&[f64]; 5]) -> [f64; 4] {
    let n = d_mu.len();
    let [sat, sat_da, dp0, a, moment] = series.map(|s| &s[..n]);
    let mut acc = [[0.0; LANES]; 4];
    let full = n - n % LANES;
    for start in (0..full).step_by(LANES) {
        let chunk = |s: &[f64]| -> [f64; LANES] { s[start..start + LANES].try_into().unwrap() };
        let (dm, f, da, p0, at, mt) = (
            chunk(d_mu),
            chunk(sat),
            chunk(sat_da),
            chunk(dp0),
            chunk(a),
            chunk(moment),
        );
        for l in 0..LANES {
            let g = adstock_adjoint(beta, dm[l], da[l]);
            acc[0][l] += dm[l] * f[l];
            acc[1][l] += dm[l] * p0[l];
            acc[2][l] += g * at[l];
            acc[3][l] += g * mt[l];
        }
    }
    let mut out = acc.map(lane_total);
    for t in full..n {
        let g = adstock_adjoint(beta, d_mu[t], sat_da[t]);
        out[0] += d_mu[t] * sat[t];
        out[1] += d_mu[t] * dp0[t];
        out[2] += g * a[t];
        out[3] += g * moment[t];
    }
    out
}

/// One channel's backward sweep for adstock by convolution, from `d_mu` and the forward pass's
/// `[saturation, ∂f/∂a, ∂f/∂p0]`: writes g_t into `g_a` and returns Σ ∂L/∂μ·f and
/// Σ ∂L/∂μ·∂f/∂p0.
#[inline(always)]
fn convolution_sweep(beta: f64, d_mu: &[f64], series: [&[f64]; 3], g_a: &mut [f64]) -> [f64; 2] {
    let n = d_mu.len();
    let [sat, sat_da, dp0] = series.map(|s| &s[..n]);
    let g_a = &mut g_a[..n];
    let mut acc = [[0.0; LANES]; 2];
    let full = n - n % LANES;
    for start in (0..full).step_by(LANES) {
        let chunk = |s: &[f64]| -> [f64; LANES] { s[start..start + LANES].try_into().unwrap() };
        let (dm, f, da, p0) = (chunk(d_mu), chunk(sat), chunk(sat_da), chunk(dp0));
        for l in 0..LANES {
            g_a[start + l] = adstock_adjoint(beta, dm[l], da[l]);
            acc[0][l] += dm[l] * f[l];
            acc[1][l] += dm[l] * p0[l];
        }
    }
    let mut out = acc.map(lane_total);
    for t in full..n {
        g_a[t] = adstock_adjoint(beta, d_mu[t], sat_da[t]);
        out[0] += d_mu[t] * sat[t];
        out[1] += d_mu[t] * dp0[t];
    }
    out
}

impl LogDensity for MmmDensity {
    fn dim(&self) -> usize {
        self.layout.dim()
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let Some(mut reparam) = self.reparam.take() else {
            return self.logp_grad_model(theta, grad);
        };
        let mut model_theta = std::mem::take(&mut self.model_theta);
        let result = match reparam.map_to_model(theta, &mut model_theta) {
            Some(log_jac) => self.logp_grad_model(&model_theta, grad).map(|lp| {
                reparam.chain(grad);
                lp + log_jac
            }),
            None => Err(LogpError::OutOfSupport(
                "a channel's saturation at its reference spend (mean spend, or the spend range for Hill) left (0, 1], or its half-saturation overflowed",
            )),
        };
        self.model_theta = model_theta;
        self.reparam = Some(reparam);
        result
    }
}

impl MmmDensity {
    /// [`LogDensity::logp_grad`] on the model's coordinates θ′ (coefficients as β).
    fn logp_grad_model(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let mut lp = 0.0;
        let scratch = (self.x.iter_mut().zip(&mut self.gx))
            .zip(self.dx_du.iter_mut().zip(&mut self.dlogjac_du));
        for ((term, u), ((x, gx), (dx_du, dlogjac_du))) in
            self.coordinates.iter().zip(theta).zip(scratch)
        {
            let v = term.at(*u);
            lp += v.lp;
            *x = v.constrained.x;
            *gx = v.d_prior;
            *dx_du = v.constrained.dx_du;
            *dlogjac_du = v.constrained.dlog_jac_du;
        }
        if !lp.is_finite() {
            return Err(LogpError::OutOfSupport(
                "a parameter left its prior's support",
            ));
        }
        let mut x = std::mem::take(&mut self.x);
        if let Some(effect) = &mut self.effect
            && let Err(e) = effect.derive_into(&mut x, Some(&mut self.gx), &self.layout, &self.data)
        {
            self.x = x;
            return Err(e);
        }
        if !self.prior_only {
            lp += vectorized(DataTerm {
                density: self,
                x: &x,
            });
        }
        Ok(self.finish_gradient(x, lp, grad))
    }
}

/// [`MmmDensity::data_term`] as an operation [`vectorized`] compiles for the CPU's widest vectors.
struct DataTerm<'a> {
    density: &'a mut MmmDensity,
    x: &'a [f64],
}

impl Vectorized for DataTerm<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> f64 {
        self.density.data_term(self.x)
    }
}

impl MmmDensity {
    /// The last step of [`LogDensity::logp_grad`]: the effect priors' chain rule, then from the
    /// constrained gradient `gx` to θ through each bijector.
    fn finish_gradient(&mut self, x: Vec<f64>, lp: f64, grad: &mut [f64]) -> f64 {
        if let Some(effect) = &self.effect {
            effect.chain(&x, &mut self.gx, &self.layout);
        }
        self.x = x;
        for (i, g) in grad.iter_mut().enumerate() {
            *g = self.gx[i] * self.dx_du[i] + self.dlogjac_du[i];
        }
        lp
    }

    /// The forward pass, the likelihood (and lift tests) and the reverse pass at constrained
    /// `x`: returns their log density and adds their gradient into `gx`. Everything here is
    /// inlined, so [`vectorized`] compiles it for the CPU's widest vectors.
    #[inline(always)]
    fn data_term(&mut self, x: &[f64]) -> f64 {
        self.forward(x, true);
        let m = self.data.n_fit;
        let intercept = self.layout.intercept_idx;
        let mut lp = 0.0;
        let mut intercept_prior_grad = 0.0;
        if self.centre {
            let b = shift_to_intercept(&mut self.mu, m, x[intercept]);
            let (lp_b, g_b) = self.prior_terms[intercept].logpdf_grad(b);
            lp += lp_b;
            intercept_prior_grad = g_b;
        }
        let lay = &self.layout;
        let sigma = x[lay.sigma_idx];
        let nu = match lay.nu {
            NuLayout::None => 0.0,
            NuLayout::Fixed(v) => v,
            NuLayout::Param(i) => x[i],
        };
        let lik = log_lik(
            lay.family,
            &self.data.obs[..m],
            &self.mu[..m],
            sigma,
            nu,
            self.data.log_jacobian,
            &mut self.d_mu[..m],
        );
        // Rows past the fitted ones carry no likelihood.
        self.d_mu[m..].fill(0.0);
        lp += lik.value;
        self.gx[lay.sigma_idx] += lik.d_sigma;
        if let NuLayout::Param(i) = lay.nu {
            self.gx[i] += lik.d_nu;
        }
        if let Some(lift) = &mut self.lift {
            lp += lift.logp_grad(x, &self.layout, &mut self.gx);
        }
        if self.centre {
            let g_level = centre_adjoint(&mut self.d_mu, m, intercept_prior_grad);
            self.backward(x);
            self.gx[intercept] = g_level;
        } else {
            self.backward(x);
        }
        lp
    }
}

#[cfg(test)]
mod lane_tests {
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::MmmDensity;
    use crate::density::gradient_tests::synthetic_data;
    use crate::gradcheck::{GradCheckOptions, check_gradient};
    use crate::sampler::LogDensity;
    use crate::spec::ModelSpec;

    /// The lanes' mean against the one-channel forward pass: a few ulps per channel's term.
    const LANE_MEAN_REL: f64 = 1e-13;

    /// Five geometric + logistic channels of lag 6 (four in one lane group, one alone), a
    /// Hill channel between them and another lag, so the group sits among one-channel paths.
    fn spec() -> ModelSpec {
        let mut text = String::from(
            "[data]\npath = \"x.csv\"\ndate = \"date\"\ntarget = \"y\"\n\n\
             [likelihood]\nfamily = \"normal\"\n\n",
        );
        let channels = [
            ("hill", 6),
            ("logistic", 6),
            ("logistic", 6),
            ("logistic", 6),
            ("logistic", 6),
            ("logistic", 6),
            ("logistic", 9),
        ];
        for (i, (saturation, lag)) in channels.iter().enumerate() {
            text.push_str(&format!(
                "[[channel]]\nname = \"c{i}\"\nadstock = {{ type = \"geometric\", max_lag = {lag} }}\n\
                 saturation = {{ type = \"{saturation}\" }}\n\n"
            ));
        }
        text.push_str("[seasonality]\norder = 1\n");
        ModelSpec::from_toml(&text, None).expect("lane test model")
    }

    #[test]
    fn lane_group_gradient_matches_finite_differences_and_the_one_channel_mean() {
        let spec = spec();
        let data = synthetic_data(&spec, 90, 5);
        let mut density = MmmDensity::new(&spec, &data).unwrap();
        assert_eq!(density.groups.len(), 1, "one group of four channels");
        assert_eq!(density.groups[0].channels, [1, 2, 3, 4]);
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let mut checked = 0;
        for _ in 0..10 {
            let theta: Vec<f64> = (0..density.dim())
                .map(|_| rng.random_range(-1.5..1.5))
                .collect();
            let mut g = vec![0.0; density.dim()];
            if density.logp_grad(&theta, &mut g).is_err() {
                continue;
            }
            check_gradient(&mut density, &theta, &GradCheckOptions::default())
                .unwrap_or_else(|e| panic!("{e} ({:?})", density.param_names()));
            // The mean from the lanes equals the one-channel forward pass to a few ulps (the
            // same recursion; the curve from another form of the exponential).
            // The constrained parameters of that evaluation, and its mean again.
            let x = density.x.clone();
            density.forward(&x, true);
            let lanes = density.mu.clone();
            density.forward(&x, false);
            for (a, b) in lanes.iter().zip(&density.mu) {
                approx::assert_relative_eq!(
                    *a,
                    *b,
                    max_relative = LANE_MEAN_REL,
                    epsilon = LANE_MEAN_REL
                );
            }
            checked += 1;
        }
        assert!(checked >= 5, "too few finite points");
    }
}

#[cfg(test)]
mod baseline_reverse_tests {
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::{DensityOptions, MmmDensity};
    use crate::density::gradient_tests::{geometric_channels_spec, synthetic_data};
    use crate::sampler::LogDensity;
    use crate::transform::{Support, dot, sum};

    /// Issue 17: the fused reverse pass over the baseline's columns (`baseline.rs`) gives each
    /// baseline coordinate's gradient the bits of its prior's gradient plus its own `dot` with
    /// ∂L/∂μ (the intercept: plus `sum`), ∂L/∂μ taken straight from the forward pass's mean.
    #[test]
    fn fused_reverse_pass_gives_each_column_the_bits_of_its_own_dot() {
        let spec = geometric_channels_spec(
            &[("logistic", 8, true), ("logistic", 8, true)],
            "[[control]]\ncolumn = \"promo\"\n\n[[control]]\ncolumn = \"event\"\n\n\
             [seasonality]\norder = 2\n\n[trend]\ntype = \"linear\"\n",
        );
        let data = synthetic_data(&spec, 179, 7);
        let options = DensityOptions {
            natural_coordinates: true,
            ..DensityOptions::default()
        };
        let mut density = MmmDensity::with_options(&spec, &data, &options).unwrap();
        let lay = density.layout.clone();
        let n = density.data.n;
        let ones = vec![1.0; n];
        let mut columns: Vec<(usize, &[f64])> = vec![(lay.intercept_idx, &ones)];
        let d = density.data.clone();
        columns.extend(lay.trend_idx.map(|i| (i, &d.trend[..])));
        columns.extend(
            lay.gamma_idx
                .iter()
                .zip(&d.controls)
                .map(|(i, c)| (*i, &c[..])),
        );
        columns.extend(
            (lay.fourier_idx.iter().enumerate()).map(|(j, i)| (*i, &d.fourier[j * n..(j + 1) * n])),
        );
        assert_eq!(
            columns.len(),
            1 + 1 + 2 + 4,
            "intercept, trend, controls, Fourier"
        );
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let mut checked = 0;
        for _ in 0..10 {
            let theta: Vec<f64> = (0..density.dim())
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            let mut g = vec![0.0; density.dim()];
            if density.logp_grad(&theta, &mut g).is_err() {
                continue;
            }
            // The constrained parameters of that evaluation, and its mean again.
            let x = density.x.clone();
            density.forward(&x, true);
            let sigma = x[lay.sigma_idx];
            let inv_var = 1.0 / (sigma * sigma);
            let d_mu: Vec<f64> = (d.obs.iter().zip(&density.mu))
                .map(|(y, m)| (y - m) * inv_var)
                .collect();
            for &(i, col) in &columns {
                assert_eq!(lay.bijectors[i], Support::Real, "θ_i is x_i");
                let prior = density.prior_terms[i].logpdf_grad(x[i]).1;
                let want = if i == lay.intercept_idx {
                    prior + sum(&d_mu)
                } else {
                    prior + dot(&d_mu, col)
                };
                assert_eq!(g[i].to_bits(), want.to_bits(), "{}", lay.names()[i]);
            }
            checked += 1;
        }
        assert!(checked >= 5, "too few finite points");
    }
}
