//! The MMM log density: priors and Jacobians on θ, the forward pass (adstock, saturation,
//! baseline) to the mean of the scaled target, the likelihood, and the reverse pass of the
//! gradient through all of it.

use thiserror::Error;

use crate::data::{Dataset, ScaleMethod, Scales};
use crate::sampler::{LogDensity, LogpError};
use crate::spec::{ModelSpec, Scaling, SeasonalitySpec};
use crate::transform::{
    ADSTOCK_MAX_PARAMS, convolve, convolve_adjoint_weights, fourier_features, linear_trend,
    pull_back_weights,
};

use super::layout::{Layout, NuLayout};
use super::likelihood::{Family, log_lik};

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
}

/// The scaled data the density reads, fixed at construction.
#[derive(Debug, Clone)]
pub(crate) struct ModelData {
    pub n: usize,
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
    // Scratch, per coordinate.
    x: Vec<f64>,
    gx: Vec<f64>,
    dx_du: Vec<f64>,
    dlogjac_du: Vec<f64>,
    // Scratch, per period and channel.
    pub(crate) mu: Vec<f64>,
    d_mu: Vec<f64>,
    /// Per channel: saturation value, d/da and d/dparams, flat `c * n + t`.
    pub(crate) sat: Vec<f64>,
    pub(crate) sat_da: Vec<f64>,
    sat_dp: [Vec<f64>; 2],
    pub(crate) adstocked: Vec<f64>,
    pub(crate) g_a: Vec<f64>,
    pub(crate) w: Vec<f64>,
    jac: Vec<f64>,
    dw: Vec<f64>,
}

fn scale_method(s: Scaling) -> ScaleMethod {
    match s {
        Scaling::Max => ScaleMethod::Max,
        Scaling::Mean => ScaleMethod::Mean,
    }
}

impl ModelData {
    fn new(spec: &ModelSpec, data: &Dataset, family: Family) -> Result<ModelData, DensityError> {
        let scale_controls: Vec<bool> = spec.controls.iter().map(|c| c.scale).collect();
        let scaled = data.scaled(scale_method(spec.data.scale), &scale_controls);
        let n = data.n_periods();
        let mut obs = scaled.target().to_vec();
        let mut log_jacobian = 0.0;
        if family == Family::LogNormal {
            for (row, y) in obs.iter_mut().enumerate() {
                if *y <= 0.0 {
                    return Err(DensityError::NonPositiveTarget {
                        file: data.source().to_string(),
                        row: row + 1,
                        value: data.target()[row],
                    });
                }
                *y = y.ln();
                log_jacobian -= *y;
            }
        }
        let mut fourier = Vec::new();
        if let Some(SeasonalitySpec { order, period, .. }) = spec.seasonality {
            fourier = vec![0.0; 2 * order * n];
            fourier_features(data.day_of_year(), order, period, &mut fourier);
        }
        let mut trend = vec![0.0; n];
        linear_trend(0, n, &mut trend);
        Ok(ModelData {
            n,
            obs,
            log_jacobian,
            spend: scaled.channels().to_vec(),
            controls: scaled.controls().to_vec(),
            fourier,
            trend,
            scales: scaled.scales().clone(),
        })
    }
}

impl MmmDensity {
    /// The density of `spec` on `data` (already validated against the spec's columns).
    pub fn new(spec: &ModelSpec, data: &Dataset) -> Result<MmmDensity, DensityError> {
        let layout = Layout::new(spec);
        let data = ModelData::new(spec, data, layout.family)?;
        let (n, c, d) = (data.n, layout.channels.len(), layout.dim());
        let max_lag = layout
            .channels
            .iter()
            .map(|ch| ch.max_lag)
            .max()
            .unwrap_or(1);
        Ok(MmmDensity {
            x: vec![0.0; d],
            gx: vec![0.0; d],
            dx_du: vec![0.0; d],
            dlogjac_du: vec![0.0; d],
            mu: vec![0.0; n],
            d_mu: vec![0.0; n],
            sat: vec![0.0; c * n],
            sat_da: vec![0.0; c * n],
            sat_dp: [vec![0.0; c * n], vec![0.0; c * n]],
            adstocked: vec![0.0; n],
            g_a: vec![0.0; n],
            w: vec![0.0; max_lag],
            jac: vec![0.0; ADSTOCK_MAX_PARAMS * max_lag],
            dw: vec![0.0; max_lag],
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

    /// Scales between the model's space and original units.
    pub fn scales(&self) -> &Scales {
        &self.data.scales
    }

    /// Map θ to the constrained parameters, in θ order.
    pub fn constrain(&self, theta: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend(
            theta
                .iter()
                .zip(&self.layout.bijectors)
                .map(|(u, b)| b.constrain(*u)),
        );
    }

    /// The forward pass at constrained parameters `x`: fills `mu` (mean of the scaled
    /// target, or of its log) and each channel's saturation values; with `derivs`, also the
    /// derivatives the reverse pass needs.
    pub(crate) fn forward(&mut self, x: &[f64], derivs: bool) {
        let n = self.data.n;
        let lay = &self.layout;
        let d = &self.data;
        let intercept = x[lay.intercept_idx];
        self.mu.iter_mut().for_each(|m| *m = intercept);
        if let Some(i) = lay.trend_idx {
            axpy(&mut self.mu, x[i], &d.trend);
        }
        for (k, &i) in lay.gamma_idx.iter().enumerate() {
            axpy(&mut self.mu, x[i], &d.controls[k]);
        }
        for (j, &i) in lay.fourier_idx.iter().enumerate() {
            axpy(&mut self.mu, x[i], &d.fourier[j * n..(j + 1) * n]);
        }
        for (c, ch) in lay.channels.iter().enumerate() {
            let l = ch.max_lag;
            let np = ch.adstock.n_params();
            let ad = [x[ch.adstock_idx[0]], x[ch.adstock_idx[np - 1]]];
            if derivs {
                ch.adstock.weights_with_jacobian(
                    &ad[..np],
                    ch.normalize,
                    &mut self.w[..l],
                    &mut self.jac[..np * l],
                );
            } else {
                ch.adstock
                    .weights(&ad[..np], ch.normalize, &mut self.w[..l]);
            }
            convolve(&self.w[..l], &d.spend[c], &mut self.adstocked);
            let ns = ch.saturation.n_params();
            let sp = [x[ch.saturation_idx[0]], x[ch.saturation_idx[ns - 1]]];
            let beta = x[ch.beta_idx];
            let range = c * n..(c + 1) * n;
            for (t, a) in self.adstocked.iter().enumerate() {
                let e = ch.saturation.eval(&sp[..ns], *a);
                let idx = range.start + t;
                self.sat[idx] = e.value;
                self.sat_da[idx] = e.d_a;
                self.sat_dp[0][idx] = e.d_params[0];
                self.sat_dp[1][idx] = e.d_params[1];
                self.mu[t] += beta * e.value;
            }
        }
    }

    /// Reverse pass: d log-lik / d mu is in `d_mu`; accumulate into `gx` (per constrained x).
    fn backward(&mut self, x: &[f64]) {
        let n = self.data.n;
        let lay = &self.layout;
        let d = &self.data;
        self.gx[lay.intercept_idx] += self.d_mu.iter().sum::<f64>();
        if let Some(i) = lay.trend_idx {
            self.gx[i] += dot(&self.d_mu, &d.trend);
        }
        for (k, &i) in lay.gamma_idx.iter().enumerate() {
            self.gx[i] += dot(&self.d_mu, &d.controls[k]);
        }
        for (j, &i) in lay.fourier_idx.iter().enumerate() {
            self.gx[i] += dot(&self.d_mu, &d.fourier[j * n..(j + 1) * n]);
        }
        for (c, ch) in lay.channels.iter().enumerate() {
            let range = c * n..(c + 1) * n;
            let beta = x[ch.beta_idx];
            self.gx[ch.beta_idx] += dot(&self.d_mu, &self.sat[range.clone()]);
            let ns = ch.saturation.n_params();
            for p in 0..ns {
                self.gx[ch.saturation_idx[p]] +=
                    beta * dot(&self.d_mu, &self.sat_dp[p][range.clone()]);
            }
            for ((g, dm), da) in self.g_a.iter_mut().zip(&self.d_mu).zip(&self.sat_da[range]) {
                // An infinite slope at zero adstock (Hill with s < 1) meets a zero spend there.
                *g = if *da == 0.0 || !da.is_finite() {
                    0.0
                } else {
                    beta * dm * da
                };
            }
            // Recompute the weights' Jacobian for this channel (the forward pass overwrote it).
            let l = ch.max_lag;
            let np = ch.adstock.n_params();
            let ad = [x[ch.adstock_idx[0]], x[ch.adstock_idx[np - 1]]];
            ch.adstock.weights_with_jacobian(
                &ad[..np],
                ch.normalize,
                &mut self.w[..l],
                &mut self.jac[..np * l],
            );
            convolve_adjoint_weights(&d.spend[c], &self.g_a, &mut self.dw[..l]);
            let mut dparams = [0.0; ADSTOCK_MAX_PARAMS];
            pull_back_weights(&self.jac[..np * l], &self.dw[..l], &mut dparams[..np]);
            for (idx, dp) in ch.adstock_idx.iter().zip(&dparams[..np]) {
                self.gx[*idx] += dp;
            }
        }
    }
}

fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl LogDensity for MmmDensity {
    fn dim(&self) -> usize {
        self.layout.dim()
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let mut lp = 0.0;
        for (i, u) in theta.iter().enumerate() {
            let c = self.layout.bijectors[i].constrain_with_jacobian(*u);
            let (lp_prior, d_prior) = self.layout.priors[i].logpdf_grad(c.x);
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
        let nu = match lay.nu {
            NuLayout::None => 0.0,
            NuLayout::Fixed(v) => v,
            NuLayout::Param(i) => x[i],
        };
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
        if let NuLayout::Param(i) = lay.nu {
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
