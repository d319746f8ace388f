//! The hierarchical panel log density on θ with its exact gradient: shared adstock and
//! saturation run per group, group coefficients `exp(beta_mu + beta_sigma · z)`, per-group
//! intercept and trend, shared controls, seasonality and interactions, one likelihood over all
//! rows. Cost per evaluation is linear in groups × periods × channels.

use crate::data::PanelData;
use crate::density::{Family, log_lik};
use crate::sampler::{LogDensity, LogpError};
use crate::spec::{ModelSpec, TermRef};
use crate::transform::{
    ADSTOCK_MAX_PARAMS, SaturationKind, convolve, convolve_adjoint_weights, dot, hill_series,
    logistic_series, pull_back_weights, sum,
};

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
    d_mu: Vec<f64>,
    // Channel-major, `c * n_rows + r`.
    pub(crate) sat: Vec<f64>,
    sat_da: Vec<f64>,
    sat_dp: [Vec<f64>; 2],
    adstocked: Vec<f64>,
    /// Adjoint of each channel's saturated effect.
    q: Vec<f64>,
    /// Group coefficients, channel-major `c * G + g`.
    pub(crate) beta: Vec<f64>,
    w: Vec<Vec<f64>>,
    jac: Vec<Vec<f64>>,
    dw: Vec<f64>,
    dw_group: Vec<f64>,
    g_a: Vec<f64>,
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
            d_mu: vec![0.0; n],
            sat: vec![0.0; c * n],
            sat_da: vec![0.0; c * n],
            sat_dp: [vec![0.0; c * n], vec![0.0; c * n]],
            adstocked: vec![0.0; c * n],
            q: vec![0.0; c * n],
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
            dw: vec![0.0; max_lag],
            dw_group: vec![0.0; max_lag],
            g_a: vec![0.0; n],
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
        out.clear();
        out.extend(
            theta
                .iter()
                .zip(&self.layout.params)
                .map(|(u, p)| p.support.constrain(*u)),
        );
    }

    /// Forward pass at constrained `x`: `mu`, `beta`, and each channel's saturation with (if
    /// `derivs`) the derivatives the reverse pass needs.
    pub(crate) fn forward(&mut self, x: &[f64], derivs: bool) {
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
            if derivs {
                ch.adstock.weights_with_jacobian(
                    &params[..np],
                    ch.normalize,
                    &mut self.w[c],
                    &mut self.jac[c],
                );
            } else {
                ch.adstock
                    .weights(&params[..np], ch.normalize, &mut self.w[c]);
            }
            let (m, s) = (x[ch.mu_idx], x[ch.sigma_idx]);
            for g in 0..n_groups {
                let rows = d.rows(g);
                let range = c * n + rows.start..c * n + rows.end;
                convolve(
                    &self.w[c],
                    &d.spend[range.clone()],
                    &mut self.adstocked[range.clone()],
                );
                let a = &self.adstocked[range.clone()];
                let sat = &mut self.sat[range.clone()];
                let sat_da = &mut self.sat_da[range.clone()];
                let [dp0, dp1] = &mut self.sat_dp;
                let (dp0, dp1) = (&mut dp0[range.clone()], &mut dp1[range.clone()]);
                match ch.saturation {
                    SaturationKind::Logistic => {
                        logistic_series(x[ch.saturation_idx[0]], a, sat, sat_da, dp0);
                    }
                    SaturationKind::Hill => {
                        let (k, sl) = (x[ch.saturation_idx[0]], x[ch.saturation_idx[1]]);
                        hill_series(k, sl, a, [sat, sat_da, dp0, dp1]);
                    }
                }
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

    /// Reverse pass from `d_mu` into `gx` (per constrained coordinate).
    fn backward(&mut self, x: &[f64]) {
        let n = self.data.n_rows;
        let n_groups = self.layout.n_groups;
        let d_mu = &self.d_mu;
        for g in 0..n_groups {
            let rows = self.data.rows(g);
            self.gx[self.layout.intercept0 + g] += sum(&d_mu[rows.clone()]);
            if let Some(t0) = self.layout.trend0 {
                self.gx[t0 + g] += dot(&d_mu[rows.clone()], &self.data.trend[rows]);
            }
        }
        for (k, &i) in self.layout.gamma_idx.iter().enumerate() {
            self.gx[i] += dot(d_mu, &self.data.controls[k * n..(k + 1) * n]);
        }
        for (j, &i) in self.layout.fourier_idx.iter().enumerate() {
            self.gx[i] += dot(d_mu, &self.data.fourier[j * n..(j + 1) * n]);
        }
        // q_c = ∂ log p / ∂ sat_c per row: the coefficient, plus each interaction it is in.
        for c in 0..self.layout.channels.len() {
            for g in 0..n_groups {
                let beta = self.beta[c * n_groups + g];
                for r in self.data.rows(g) {
                    self.q[c * n + r] = beta * d_mu[r];
                }
            }
        }
        for (i, &idx) in self.layout.interaction_idx.iter().enumerate() {
            let [a, b] = self.interactions[i];
            let gamma = x[idx];
            let mut s = 0.0;
            for r in 0..n {
                let (fa, fb) = (
                    term(&self.sat, &self.data, a, r),
                    term(&self.sat, &self.data, b, r),
                );
                let dm = self.d_mu[r];
                s += dm * fa * fb;
                if let TermRef::Channel(c) = a {
                    self.q[c * n + r] += gamma * dm * fb;
                }
                if let TermRef::Channel(c) = b {
                    self.q[c * n + r] += gamma * dm * fa;
                }
            }
            self.gx[idx] += s;
        }
        for c in 0..self.layout.channels.len() {
            let ch = &self.layout.channels[c];
            let (m, s) = (x[ch.mu_idx], x[ch.sigma_idx]);
            let l = ch.max_lag;
            self.dw[..l].fill(0.0);
            let (mut s_p0, mut s_p1) = (0.0, 0.0);
            for g in 0..n_groups {
                let rows = self.data.rows(g);
                let range = c * n + rows.start..c * n + rows.end;
                let gb = dot(&self.d_mu[rows.clone()], &self.sat[range.clone()]);
                let z = x[ch.z0 + g];
                let beta = (m + s * z).exp();
                // beta = exp(m + s·z): ∂/∂m = beta, ∂/∂s = beta·z, ∂/∂z = beta·s.
                self.gx[ch.mu_idx] += gb * beta;
                self.gx[ch.sigma_idx] += gb * beta * z;
                self.gx[ch.z0 + g] += gb * beta * s;
                let q = &self.q[range.clone()];
                s_p0 += dot(q, &self.sat_dp[0][range.clone()]);
                if ch.saturation.n_params() == 2 {
                    s_p1 += dot(q, &self.sat_dp[1][range.clone()]);
                }
                let g_a = &mut self.g_a[rows.clone()];
                for ((ga, qi), da) in g_a.iter_mut().zip(q).zip(&self.sat_da[range.clone()]) {
                    // An infinite slope at zero adstock (Hill with s < 1) meets zero spend.
                    *ga = if *da == 0.0 || !da.is_finite() {
                        0.0
                    } else {
                        qi * da
                    };
                }
                convolve_adjoint_weights(
                    &self.data.spend[range],
                    &self.g_a[rows],
                    &mut self.dw_group[..l],
                );
                for (acc, v) in self.dw[..l].iter_mut().zip(&self.dw_group[..l]) {
                    *acc += v;
                }
            }
            self.gx[ch.saturation_idx[0]] += s_p0;
            if ch.saturation.n_params() == 2 {
                self.gx[ch.saturation_idx[1]] += s_p1;
            }
            let np = ch.adstock.n_params();
            let mut dparams = [0.0; ADSTOCK_MAX_PARAMS];
            pull_back_weights(&self.jac[c], &self.dw[..l], &mut dparams[..np]);
            if np == 1 {
                self.gx[ch.adstock_idx[0]] += dparams[0];
            } else {
                for (idx, dp) in ch.adstock_idx.iter().zip(&dparams[..np]) {
                    self.gx[*idx] += dp;
                }
            }
        }
    }
}

/// A term's value at row r: a channel's saturated effect or a control's value.
pub(crate) fn term(sat: &[f64], d: &StackedData, t: TermRef, r: usize) -> f64 {
    match t {
        TermRef::Channel(c) => sat[c * d.n_rows + r],
        TermRef::Control(k) => d.controls[k * d.n_rows + r],
    }
}

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
        let mut lp = 0.0;
        for (i, u) in theta.iter().enumerate() {
            let p = &self.layout.params[i];
            let c = p.support.constrain_with_jacobian(*u);
            let (lp_prior, d_prior) = p.prior.logpdf_grad(c.x);
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
        self.forward(&x, true);
        let lay = &self.layout;
        let sigma = x[lay.sigma_idx];
        let nu = lay.nu.map_or(lay.fixed_nu, |i| x[i]);
        let lik = log_lik(
            lay.family,
            &self.data.obs,
            &self.mu,
            sigma,
            nu,
            self.data.log_jacobian,
            &mut self.d_mu,
        );
        lp += lik.value;
        self.gx[lay.sigma_idx] += lik.d_sigma;
        if let Some(i) = lay.nu {
            self.gx[i] += lik.d_nu;
        }
        self.backward(&x);
        self.x = x;
        for (i, g) in grad.iter_mut().enumerate() {
            *g = self.gx[i] * self.dx_du[i] + self.dlogjac_du[i];
        }
        Ok(lp)
    }
}
