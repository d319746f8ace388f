//! The hierarchical panel log density on θ with its exact gradient: shared adstock and
//! saturation run per group, group coefficients `exp(beta_mu + beta_sigma · z)`, per-group
//! intercept and trend, shared controls, seasonality and interactions, one likelihood over all
//! rows. Cost per evaluation is linear in groups × periods × channels.
//!
//! The national density's kernels run per group: geometric adstock by the O(T) recursion with
//! its lag moment (so ∂/∂α needs two reductions, not the weights' adjoint), the saturation
//! over a channel's whole block of rows at once, one fused reverse sweep per group and
//! channel, the priors with their constants folded once, and the data term compiled for AVX2
//! when the CPU has it. The sampler's coordinates are the model's after the map in
//! `coords.rs`.

use crate::data::PanelData;
use crate::density::{Family, PriorTerm, log_lik};
use crate::sampler::{LogDensity, LogpError};
use crate::spec::{ModelSpec, TermRef};
use crate::transform::{
    ADSTOCK_MAX_PARAMS, AdstockKind, SaturationKind, Vectorized, convolve,
    convolve_adjoint_weights, dot, geometric_adstock, geometric_alpha_adjoint,
    geometric_scratch_len, hill_series, logistic_series, pull_back_weights, sum, vectorized,
};

use super::coords::PanelCoords;
use super::error::PanelError;
use super::layout::PanelLayout;
use super::panel_data::{PanelScales, StackedData};

/// The panel posterior on the unconstrained space; owns its scratch, so
/// [`LogDensity::logp_grad`] allocates nothing.
#[derive(Debug, Clone)]
pub struct PanelDensity {
    pub(crate) layout: PanelLayout,
    pub(crate) data: StackedData,
    pub(crate) groups: Vec<String>,
    pub(crate) channel_names: Vec<String>,
    pub(crate) interactions: Vec<[TermRef; 2]>,
    x: Vec<f64>,
    gx: Vec<f64>,
    dx_du: Vec<f64>,
    dlogjac_du: Vec<f64>,
    /// Mean of the scaled target (or its log) per row.
    pub(crate) mu: Vec<f64>,
    // Channel-major, `c * n_rows + r`.
    pub(crate) sat: Vec<f64>,
    /// The saturation's derivatives of one channel's rows, scratch that the value-only
    /// forward pass overwrites channel by channel (the gradient keeps its own per group).
    sat_da: Vec<f64>,
    sat_dp: [Vec<f64>; 2],
    pub(crate) adstocked: Vec<f64>,
    /// Group coefficients, channel-major `c * G + g`.
    pub(crate) beta: Vec<f64>,
    w: Vec<Vec<f64>>,
    jac: Vec<Vec<f64>>,
    dw_group: Vec<f64>,
    /// Geometric adstock's lag moment of one channel's rows (scratch of the forward pass).
    moment: Vec<f64>,
    geometric_scratch: Vec<f64>,
    prior_terms: Vec<PriorTerm>,
    /// Whether each channel is a term of some interaction (its saturated effect then has an
    /// adjoint beyond its coefficient, kept in `q`).
    in_interaction: Vec<bool>,
    /// The sampler's coordinates → the model's (`None`: the same).
    pub(crate) coords: Option<PanelCoords>,
    model_theta: Vec<f64>,
    /// Whether each group's intercept is sampled as the group's mean fitted level
    /// (`intercept[g]` on the real line; see [`PanelDensity::data_term`]).
    pub(crate) centre: bool,
    /// Rows per group, as f64.
    group_rows: Vec<f64>,
    /// Each group's intercept b_g at the last evaluation (centred intercepts).
    intercept_b: Vec<f64>,
    /// One group's series while the gradient runs group by group.
    local: GroupScratch,
    /// Per channel, the sums over groups of the reverse sweep's reductions: Σ q·∂f/∂p0,
    /// Σ q·∂f/∂p1, Σ g·a and Σ g·m.
    channel_sums: Vec<[f64; 4]>,
    /// Per channel, the adjoint of the adstock weights summed over groups (non-geometric).
    channel_dw: Vec<Vec<f64>>,
}

/// The series of one group that the gradient keeps between its forward and reverse passes:
/// channel-major `c * T + t` for the group's T rows. About 100 KB at 36 channels × 66 weeks,
/// so a group's passes stay in the CPU's cache where the whole panel's series (35 MB at
/// Meridian's size) do not.
#[derive(Debug, Clone)]
struct GroupScratch {
    mu: Vec<f64>,
    d_mu: Vec<f64>,
    g_a: Vec<f64>,
    a: Vec<f64>,
    moment: Vec<f64>,
    sat: Vec<f64>,
    sat_da: Vec<f64>,
    dp0: Vec<f64>,
    dp1: Vec<f64>,
    q: Vec<f64>,
}

impl GroupScratch {
    fn new(channels: usize, max_rows: usize) -> GroupScratch {
        let series = || vec![0.0; channels * max_rows];
        GroupScratch {
            mu: vec![0.0; max_rows],
            d_mu: vec![0.0; max_rows],
            g_a: vec![0.0; max_rows],
            a: series(),
            moment: series(),
            sat: series(),
            sat_da: series(),
            dp0: series(),
            dp1: series(),
            q: series(),
        }
    }
}

impl PanelDensity {
    /// The density of the panel model `spec` on `panel`.
    pub fn new(spec: &ModelSpec, panel: &PanelData) -> Result<PanelDensity, PanelError> {
        PanelDensity::with_target_scale(spec, panel, None)
    }

    /// As [`PanelDensity::new`] with a fixed target scale s_y (simulation states its truth on
    /// the model's scale before any outcome exists); `None` computes it from the data.
    pub fn with_target_scale(
        spec: &ModelSpec,
        panel: &PanelData,
        target_scale: Option<f64>,
    ) -> Result<PanelDensity, PanelError> {
        let groups: Vec<String> = panel.groups.iter().map(|g| g.name.clone()).collect();
        let layout = PanelLayout::new(spec, &groups);
        let data = StackedData::new(spec, panel, target_scale)?;
        if data.n_rows <= layout.dim() {
            return Err(PanelError::TooFewRows {
                rows: data.n_rows,
                params: layout.dim(),
            });
        }
        let (n, c, d) = (data.n_rows, spec.channels.len(), layout.dim());
        let max_lag = layout
            .channels
            .iter()
            .map(|ch| ch.max_lag)
            .max()
            .unwrap_or(1);
        Ok(PanelDensity {
            x: vec![0.0; d],
            gx: vec![0.0; d],
            dx_du: vec![0.0; d],
            dlogjac_du: vec![0.0; d],
            mu: vec![0.0; n],
            sat: vec![0.0; c * n],
            sat_da: vec![0.0; n],
            sat_dp: [vec![0.0; n], vec![0.0; n]],
            adstocked: vec![0.0; c * n],
            beta: vec![0.0; c * groups.len()],
            w: layout
                .channels
                .iter()
                .map(|ch| vec![0.0; ch.max_lag])
                .collect(),
            jac: layout
                .channels
                .iter()
                .map(|ch| vec![0.0; ch.adstock.n_params() * ch.max_lag])
                .collect(),
            dw_group: vec![0.0; max_lag],
            moment: vec![0.0; n],
            geometric_scratch: vec![0.0; geometric_scratch_len(max_lag)],
            prior_terms: layout
                .params
                .iter()
                .map(|p| PriorTerm::new(p.prior))
                .collect(),
            in_interaction: (0..c)
                .map(|k| {
                    spec.interactions
                        .iter()
                        .any(|i| i.refs.contains(&TermRef::Channel(k)))
                })
                .collect(),
            coords: PanelCoords::new(&layout, &data),
            model_theta: vec![0.0; d],
            centre: layout.params[layout.intercept0].support == crate::transform::Support::Real,
            intercept_b: vec![0.0; groups.len()],
            local: GroupScratch::new(
                c,
                (0..groups.len())
                    .map(|g| data.rows(g).len())
                    .max()
                    .unwrap_or(0),
            ),
            channel_sums: vec![[0.0; 4]; c],
            channel_dw: vec![vec![0.0; max_lag]; c],
            group_rows: (0..groups.len())
                .map(|g| data.rows(g).len() as f64)
                .collect(),
            channel_names: spec.channels.iter().map(|c| c.name.clone()).collect(),
            interactions: spec.interactions.iter().map(|i| i.refs).collect(),
            groups,
            layout,
            data,
        })
    }

    /// Parameter names in θ order.
    pub fn param_names(&self) -> Vec<String> {
        self.layout.params.iter().map(|p| p.name.clone()).collect()
    }

    /// The parameters with their priors and bijectors, in θ order.
    pub fn params(&self) -> &[super::layout::PanelParam] {
        &self.layout.params
    }

    /// Group labels in model order.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// Scales between the model's space and original units.
    pub fn scales(&self) -> &PanelScales {
        &self.data.scales
    }

    /// The likelihood family.
    pub fn family(&self) -> Family {
        self.layout.family
    }

    /// Map θ to constrained parameters.
    pub fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        if self.centre {
            self.clone().constrain_reusing(theta, out);
        } else {
            self.constrain_plain(theta, out);
        }
    }

    /// [`constrain`](Self::constrain) that runs the centred intercepts' forward pass in this
    /// density's own buffers (only its scratch changes): for mapping many draws without
    /// copying the density, which at 183 groups × 36 channels holds about 35 MB.
    pub fn constrain_reusing(&mut self, theta: &[f64], out: &mut Vec<f64>) {
        self.constrain_plain(theta, out);
        if self.centre {
            // θ holds each group's level L_g where the model has intercept[g]: b_g = L_g − h_g,
            // h_g the group's mean of everything else in μ (one forward pass).
            self.forward(out);
            for g in 0..self.layout.n_groups {
                let rows = self.data.rows(g);
                let mean = sum(&self.mu[rows]) / self.group_rows[g];
                let i = self.layout.intercept0 + g;
                out[i] -= mean - out[i];
            }
        }
    }

    /// The model's parameters from θ, with the intercepts still at the groups' levels.
    fn constrain_plain(&self, theta: &[f64], out: &mut Vec<f64>) {
        let mut model = theta.to_vec();
        if let Some(coords) = &self.coords {
            coords.to_model_plain(theta, &mut model);
        }
        out.clear();
        out.extend(
            model
                .iter()
                .zip(&self.layout.params)
                .map(|(u, p)| p.support.constrain(*u)),
        );
    }

    /// Forward pass at constrained `x`: `mu`, `beta`, each channel's adstocked spend and
    /// saturation, for the outputs (derived quantities, curves, simulation). The gradient runs
    /// group by group with its own scratch and does not use it.
    #[inline(always)]
    pub(crate) fn forward(&mut self, x: &[f64]) {
        let n = self.data.n_rows;
        let n_groups = self.layout.n_groups;
        let lay = &self.layout;
        let d = &self.data;
        for g in 0..n_groups {
            let rows = d.rows(g);
            let icpt = x[lay.intercept0 + g];
            self.mu[rows.clone()].iter_mut().for_each(|m| *m = icpt);
            if let Some(t0) = lay.trend0 {
                axpy(&mut self.mu[rows.clone()], x[t0 + g], &d.trend[rows]);
            }
        }
        for (k, &i) in lay.gamma_idx.iter().enumerate() {
            axpy(&mut self.mu, x[i], &d.controls[k * n..(k + 1) * n]);
        }
        for (j, &i) in lay.fourier_idx.iter().enumerate() {
            axpy(&mut self.mu, x[i], &d.fourier[j * n..(j + 1) * n]);
        }
        for (c, ch) in lay.channels.iter().enumerate() {
            let np = ch.adstock.n_params();
            let params = [x[ch.adstock_idx[0]], x[ch.adstock_idx[np - 1]]];
            let block = c * n..(c + 1) * n;
            if ch.adstock == AdstockKind::Geometric {
                ch.adstock
                    .weights(&params[..np], ch.normalize, &mut self.w[c]);
                for g in 0..n_groups {
                    let rows = d.rows(g);
                    let range = c * n + rows.start..c * n + rows.end;
                    geometric_adstock(
                        params[0],
                        &self.w[c],
                        &d.spend[range.clone()],
                        &mut self.adstocked[range.clone()],
                        &mut self.moment[rows],
                        &mut self.geometric_scratch,
                    );
                }
            } else {
                ch.adstock
                    .weights(&params[..np], ch.normalize, &mut self.w[c]);
                for g in 0..n_groups {
                    let rows = d.rows(g);
                    let range = c * n + rows.start..c * n + rows.end;
                    convolve(
                        &self.w[c],
                        &d.spend[range.clone()],
                        &mut self.adstocked[range],
                    );
                }
            }
            // Saturation is elementwise: one call over the channel's rows of every group.
            let a = &self.adstocked[block.clone()];
            let sat = &mut self.sat[block.clone()];
            let sat_da = &mut self.sat_da[..];
            let [dp0, dp1] = &mut self.sat_dp;
            match ch.saturation {
                SaturationKind::Logistic => {
                    logistic_series(x[ch.saturation_idx[0]], a, sat, sat_da, dp0);
                }
                SaturationKind::Hill => {
                    let (k, sl) = (x[ch.saturation_idx[0]], x[ch.saturation_idx[1]]);
                    hill_series(k, sl, a, [sat, sat_da, dp0, dp1]);
                }
            }
            let (m, s) = (x[ch.mu_idx], x[ch.sigma_idx]);
            for g in 0..n_groups {
                let rows = d.rows(g);
                let range = c * n + rows.start..c * n + rows.end;
                let beta = (m + s * x[ch.z0 + g]).exp();
                self.beta[c * n_groups + g] = beta;
                axpy(&mut self.mu[rows], beta, &self.sat[range]);
            }
        }
        for (i, &idx) in lay.interaction_idx.iter().enumerate() {
            let [a, b] = self.interactions[i];
            let gamma = x[idx];
            for r in 0..n {
                let (fa, fb) = (term(&self.sat, d, a, r), term(&self.sat, d, b, r));
                self.mu[r] += gamma * fa * fb;
            }
        }
    }
}

/// One group's rows of one channel, as the reverse sweep reads them.
struct Series<'a> {
    d_mu: &'a [f64],
    /// The saturated effect's adjoint from interactions (read when the channel is in one).
    q: &'a [f64],
    sat: &'a [f64],
    sat_da: &'a [f64],
    dp0: &'a [f64],
    dp1: &'a [f64],
    a: &'a [f64],
    moment: &'a [f64],
}

/// Lanes of the reverse sweep's partial sums (one AVX2 register of doubles).
const LANES: usize = 4;

/// One group's reverse sweep for one channel with coefficient `beta`: with
/// q_t = β·∂L/∂μ_t (+ the interactions' adjoint when `EXTRA`) and g_t = q_t·∂f/∂a_t, returns
/// Σ ∂L/∂μ·f, Σ q·∂f/∂p0, Σ q·∂f/∂p1 (when `HILL`), and for geometric adstock (`GEO`) the two
/// reductions Σ g·a and Σ g·m of ∂/∂α; otherwise writes g into `g_a` for the convolution's
/// adjoint. Four partial sums per reduction (reassociation only), so the loop vectorises.
#[inline(always)]
fn sweep<const GEO: bool, const EXTRA: bool, const HILL: bool>(
    beta: f64,
    s: &Series<'_>,
    g_a: &mut [f64],
) -> [f64; 5] {
    let n = s.d_mu.len();
    let (d_mu, q, sat, sat_da, dp0, dp1, a, moment) = (
        &s.d_mu[..n],
        &s.q[..n],
        &s.sat[..n],
        &s.sat_da[..n],
        &s.dp0[..n],
        &s.dp1[..n],
        &s.a[..n],
        &s.moment[..n],
    );
    let g_a = &mut g_a[..n];
    let mut acc = [[0.0; LANES]; 5];
    let full = n - n % LANES;
    for start in (0..full).step_by(LANES) {
        let chunk = |v: &[f64]| -> [f64; LANES] { v[start..start + LANES].try_into().unwrap() };
        let (dm, f, da, p0) = (chunk(d_mu), chunk(sat), chunk(sat_da), chunk(dp0));
        let qe = if EXTRA { chunk(q) } else { [0.0; LANES] };
        let p1 = if HILL { chunk(dp1) } else { [0.0; LANES] };
        let (at, mt) = if GEO {
            (chunk(a), chunk(moment))
        } else {
            ([0.0; LANES], [0.0; LANES])
        };
        let mut g = [0.0; LANES];
        for l in 0..LANES {
            let qt = if EXTRA {
                beta * dm[l] + qe[l]
            } else {
                beta * dm[l]
            };
            g[l] = sat_adjoint(qt, da[l]);
            acc[0][l] += dm[l] * f[l];
            acc[1][l] += qt * p0[l];
            if HILL {
                acc[2][l] += qt * p1[l];
            }
            if GEO {
                acc[3][l] += g[l] * at[l];
                acc[4][l] += g[l] * mt[l];
            }
        }
        if !GEO {
            g_a[start..start + LANES].copy_from_slice(&g);
        }
    }
    let mut out = acc.map(|v| (v[0] + v[1]) + (v[2] + v[3]));
    for t in full..n {
        let dm = d_mu[t];
        let qt = if EXTRA { beta * dm + q[t] } else { beta * dm };
        let g = sat_adjoint(qt, sat_da[t]);
        out[0] += dm * sat[t];
        out[1] += qt * dp0[t];
        if HILL {
            out[2] += qt * dp1[t];
        }
        if GEO {
            out[3] += g * a[t];
            out[4] += g * moment[t];
        } else {
            g_a[t] = g;
        }
    }
    out
}

/// g = q·∂f/∂a, the adjoint of the adstocked spend. An infinite slope at zero adstock (Hill
/// with s < 1) meets a zero spend there, and contributes nothing.
#[inline(always)]
fn sat_adjoint(q: f64, da: f64) -> f64 {
    if da == 0.0 || !da.is_finite() {
        0.0
    } else {
        q * da
    }
}

/// A term's value at row r: a channel's saturated effect or a control's value.
pub(crate) fn term(sat: &[f64], d: &StackedData, t: TermRef, r: usize) -> f64 {
    match t {
        TermRef::Channel(c) => sat[c * d.n_rows + r],
        TermRef::Control(k) => d.controls[k * d.n_rows + r],
    }
}

#[inline(always)]
fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

impl LogDensity for PanelDensity {
    fn dim(&self) -> usize {
        self.layout.dim()
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let Some(mut coords) = self.coords.take() else {
            return self.logp_grad_model(theta, grad);
        };
        let mut model = std::mem::take(&mut self.model_theta);
        let result = if coords.map_to_model(theta, &mut model) {
            self.logp_grad_model(&model, grad)
                .inspect(|_| coords.chain(grad))
        } else {
            Err(LogpError::OutOfSupport(
                "a channel's saturation at its mean spend left (0, 1]",
            ))
        };
        self.model_theta = model;
        self.coords = Some(coords);
        result
    }
}

impl PanelDensity {
    /// [`LogDensity::logp_grad`] on the model's coordinates θ′.
    pub(crate) fn logp_grad_model(
        &mut self,
        theta: &[f64],
        grad: &mut [f64],
    ) -> Result<f64, LogpError> {
        let mut lp = 0.0;
        for (i, u) in theta.iter().enumerate() {
            let c = self.layout.params[i].support.constrain_with_jacobian(*u);
            // A centred intercept's prior is taken at b_g in the data term.
            let centred = self.centre
                && (self.layout.intercept0..self.layout.intercept0 + self.layout.n_groups)
                    .contains(&i);
            let (lp_prior, d_prior) = if centred {
                (0.0, 0.0)
            } else {
                self.prior_terms[i].logpdf_grad(c.x)
            };
            lp += lp_prior + c.log_jac;
            self.x[i] = c.x;
            self.gx[i] = d_prior;
            self.dx_du[i] = c.dx_du;
            self.dlogjac_du[i] = c.dlog_jac_du;
        }
        if !lp.is_finite() {
            return Err(LogpError::OutOfSupport(
                "a parameter left its prior's support",
            ));
        }
        let x = std::mem::take(&mut self.x);
        lp += vectorized(DataTerm {
            density: self,
            x: &x,
        });
        self.x = x;
        for (i, g) in grad.iter_mut().enumerate() {
            *g = self.gx[i] * self.dx_du[i] + self.dlogjac_du[i];
        }
        Ok(lp)
    }

    /// The forward pass, the likelihood and the reverse pass at constrained `x`, one group at
    /// a time: returns the log likelihood and adds its gradient into `gx`. Every term of μ and
    /// of the likelihood is a group's own (the shared parameters only sum their adjoints over
    /// groups), so a group's series live in [`GroupScratch`] from its forward pass to its
    /// reverse pass, in cache. Inlined whole, so [`vectorized`] compiles it for the CPU's
    /// widest vectors.
    #[inline(always)]
    fn data_term(&mut self, x: &[f64]) -> f64 {
        let PanelDensity {
            layout: lay,
            data: d,
            interactions,
            w,
            jac,
            dw_group,
            geometric_scratch,
            prior_terms,
            in_interaction,
            centre,
            group_rows,
            intercept_b,
            beta: betas,
            gx,
            local: l,
            channel_sums,
            channel_dw,
            ..
        } = self;
        let n = d.n_rows;
        let n_groups = lay.n_groups;
        // The shared adstock weights, once per evaluation.
        for (c, ch) in lay.channels.iter().enumerate() {
            let np = ch.adstock.n_params();
            let params = [x[ch.adstock_idx[0]], x[ch.adstock_idx[np - 1]]];
            if ch.adstock == AdstockKind::Geometric {
                ch.adstock.weights(&params[..np], ch.normalize, &mut w[c]);
            } else {
                ch.adstock.weights_with_jacobian(
                    &params[..np],
                    ch.normalize,
                    &mut w[c],
                    &mut jac[c],
                );
            }
            channel_sums[c] = [0.0; 4];
            channel_dw[c].fill(0.0);
        }
        let sigma = x[lay.sigma_idx];
        let nu = lay.nu.map_or(lay.fixed_nu, |i| x[i]);
        let (mut lp, mut d_sigma, mut d_nu) = (d.log_jacobian, 0.0, 0.0);
        let any_interaction = !lay.interaction_idx.is_empty();
        for g in 0..n_groups {
            let rows = d.rows(g);
            let len = rows.len();
            let at = |k: usize| k * n + rows.start..k * n + rows.end;
            let local = |c: usize| c * len..(c + 1) * len;
            // Forward: μ on the group's rows.
            let mu = &mut l.mu[..len];
            mu.fill(x[lay.intercept0 + g]);
            if let Some(t0) = lay.trend0 {
                axpy(mu, x[t0 + g], &d.trend[rows.clone()]);
            }
            for (k, &i) in lay.gamma_idx.iter().enumerate() {
                axpy(mu, x[i], &d.controls[at(k)]);
            }
            for (j, &i) in lay.fourier_idx.iter().enumerate() {
                axpy(mu, x[i], &d.fourier[at(j)]);
            }
            for (c, ch) in lay.channels.iter().enumerate() {
                let spend = &d.spend[at(c)];
                let a = &mut l.a[local(c)];
                if ch.adstock == AdstockKind::Geometric {
                    geometric_adstock(
                        x[ch.adstock_idx[0]],
                        &w[c],
                        spend,
                        a,
                        &mut l.moment[local(c)],
                        geometric_scratch,
                    );
                } else {
                    convolve(&w[c], spend, a);
                }
                let (a, sat) = (&l.a[local(c)], &mut l.sat[local(c)]);
                let (sat_da, dp0) = (&mut l.sat_da[local(c)], &mut l.dp0[local(c)]);
                match ch.saturation {
                    SaturationKind::Logistic => {
                        logistic_series(x[ch.saturation_idx[0]], a, sat, sat_da, dp0);
                    }
                    SaturationKind::Hill => {
                        let (k, sl) = (x[ch.saturation_idx[0]], x[ch.saturation_idx[1]]);
                        let dp1 = &mut l.dp1[local(c)];
                        hill_series(k, sl, a, [sat, sat_da, dp0, dp1]);
                    }
                }
                let beta = (x[ch.mu_idx] + x[ch.sigma_idx] * x[ch.z0 + g]).exp();
                betas[c * n_groups + g] = beta;
                axpy(mu, beta, &l.sat[local(c)]);
            }
            let term_at = |sat: &[f64], t: TermRef, r: usize| match t {
                TermRef::Channel(c) => sat[c * len + r],
                TermRef::Control(k) => d.controls[k * n + rows.start + r],
            };
            for (i, &idx) in lay.interaction_idx.iter().enumerate() {
                let [ta, tb] = interactions[i];
                let gamma = x[idx];
                for (r, m) in mu.iter_mut().enumerate() {
                    *m += gamma * term_at(&l.sat, ta, r) * term_at(&l.sat, tb, r);
                }
            }
            // The centred intercept: x holds the group's level L_g in the intercept's place,
            // so μ = L_g + rest; b_g = L_g − h_g with h_g = mean(rest) centres the group's
            // mean at its level (a shift of b_g by the other coordinates: unit Jacobian).
            let i_icpt = lay.intercept0 + g;
            if *centre {
                let h = sum(mu) / group_rows[g] - x[i_icpt];
                mu.iter_mut().for_each(|m| *m -= h);
                intercept_b[g] = x[i_icpt] - h;
                lp += prior_terms[i_icpt].logpdf_grad(intercept_b[g]).0;
            }
            let d_mu = &mut l.d_mu[..len];
            let lik = log_lik(lay.family, &d.obs[rows.clone()], mu, sigma, nu, 0.0, d_mu);
            lp += lik.value;
            d_sigma += lik.d_sigma;
            d_nu += lik.d_nu;
            if *centre {
                // ∂/∂L_g = G_g = Σ_rows ∂ℓ/∂μ + ∂log p(b_g)/∂b; every other coordinate sees
                // ∂ℓ/∂μ − G_g/m_g on the group's rows (the chain rule of the shift).
                let (_, prior_grad) = prior_terms[i_icpt].logpdf_grad(intercept_b[g]);
                let total = sum(d_mu) + prior_grad;
                let per_row = total / group_rows[g];
                d_mu.iter_mut().for_each(|v| *v -= per_row);
                // The intercept's sum below adds Σ_rows of the shifted adjoint, −prior_grad.
                gx[i_icpt] += total + prior_grad;
            }
            // Reverse: the group's adjoints.
            let d_mu = &l.d_mu[..len];
            gx[i_icpt] += sum(d_mu);
            if let Some(t0) = lay.trend0 {
                gx[t0 + g] += dot(d_mu, &d.trend[rows.clone()]);
            }
            for (k, &i) in lay.gamma_idx.iter().enumerate() {
                gx[i] += dot(d_mu, &d.controls[at(k)]);
            }
            for (j, &i) in lay.fourier_idx.iter().enumerate() {
                gx[i] += dot(d_mu, &d.fourier[at(j)]);
            }
            // q_c = ∂ log p / ∂ sat_c per row beyond the coefficient's β·∂log p/∂μ: each
            // interaction the channel is in.
            if any_interaction {
                l.q[..lay.channels.len() * len].fill(0.0);
            }
            for (i, &idx) in lay.interaction_idx.iter().enumerate() {
                let [ta, tb] = interactions[i];
                let gamma = x[idx];
                let mut s = 0.0;
                for (r, &dm) in d_mu.iter().enumerate() {
                    let (fa, fb) = (term_at(&l.sat, ta, r), term_at(&l.sat, tb, r));
                    s += dm * fa * fb;
                    if let TermRef::Channel(c) = ta {
                        l.q[c * len + r] += gamma * dm * fb;
                    }
                    if let TermRef::Channel(c) = tb {
                        l.q[c * len + r] += gamma * dm * fa;
                    }
                }
                gx[idx] += s;
            }
            for (c, ch) in lay.channels.iter().enumerate() {
                let geometric = ch.adstock == AdstockKind::Geometric;
                let hill = ch.saturation.n_params() == 2;
                let extra = in_interaction[c];
                let beta = betas[c * n_groups + g];
                let series = Series {
                    d_mu,
                    q: &l.q[local(c)],
                    sat: &l.sat[local(c)],
                    sat_da: &l.sat_da[local(c)],
                    dp0: &l.dp0[local(c)],
                    dp1: &l.dp1[local(c)],
                    a: &l.a[local(c)],
                    moment: &l.moment[local(c)],
                };
                let g_a = &mut l.g_a[..len];
                let r = match (geometric, extra, hill) {
                    (true, false, false) => sweep::<true, false, false>(beta, &series, g_a),
                    (true, false, true) => sweep::<true, false, true>(beta, &series, g_a),
                    (true, true, false) => sweep::<true, true, false>(beta, &series, g_a),
                    (true, true, true) => sweep::<true, true, true>(beta, &series, g_a),
                    (false, false, false) => sweep::<false, false, false>(beta, &series, g_a),
                    (false, false, true) => sweep::<false, false, true>(beta, &series, g_a),
                    (false, true, false) => sweep::<false, true, false>(beta, &series, g_a),
                    (false, true, true) => sweep::<false, true, true>(beta, &series, g_a),
                };
                let gb = r[0] * beta;
                // beta = exp(m + s·z): ∂/∂m = beta, ∂/∂s = beta·z, ∂/∂z = beta·s.
                gx[ch.mu_idx] += gb;
                gx[ch.sigma_idx] += gb * x[ch.z0 + g];
                gx[ch.z0 + g] += gb * x[ch.sigma_idx];
                let sums = &mut channel_sums[c];
                for (acc, v) in sums.iter_mut().zip(&r[1..]) {
                    *acc += v;
                }
                if !geometric {
                    let lags = ch.max_lag;
                    convolve_adjoint_weights(&d.spend[at(c)], g_a, &mut dw_group[..lags]);
                    for (acc, v) in channel_dw[c].iter_mut().zip(&dw_group[..lags]) {
                        *acc += v;
                    }
                }
            }
        }
        gx[lay.sigma_idx] += d_sigma;
        if let Some(i) = lay.nu {
            gx[i] += d_nu;
        }
        // The shared transforms' adjoints, from their sums over groups.
        for (c, ch) in lay.channels.iter().enumerate() {
            let [s_p0, s_p1, s_ga, s_gm] = channel_sums[c];
            gx[ch.saturation_idx[0]] += s_p0;
            if ch.saturation.n_params() == 2 {
                gx[ch.saturation_idx[1]] += s_p1;
            }
            if ch.adstock == AdstockKind::Geometric {
                let alpha = x[ch.adstock_idx[0]];
                gx[ch.adstock_idx[0]] +=
                    geometric_alpha_adjoint(alpha, &w[c], ch.normalize, s_ga, s_gm);
                continue;
            }
            let np = ch.adstock.n_params();
            let mut dparams = [0.0; ADSTOCK_MAX_PARAMS];
            pull_back_weights(&jac[c], &channel_dw[c][..ch.max_lag], &mut dparams[..np]);
            for (idx, dp) in ch.adstock_idx[..np].iter().zip(&dparams[..np]) {
                gx[*idx] += dp;
            }
        }
        lp
    }
}

/// [`PanelDensity::data_term`] as an operation [`vectorized`] compiles for the CPU's widest
/// vectors.
struct DataTerm<'a> {
    density: &'a mut PanelDensity,
    x: &'a [f64],
}

impl Vectorized for DataTerm<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> f64 {
        self.density.data_term(self.x)
    }
}
