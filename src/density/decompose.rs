//! The model's forward pass read as a decomposition: each component's contribution per period
//! in original units, for one draw of the constrained parameters.

use crate::transform::{convolve_adjoint_spend, steady_state_factor};

use super::layout::NuLayout;

use super::likelihood::Family;
use super::model::MmmDensity;

/// Contributions of one draw, each a series over periods in the target's original units.
///
/// For additive models (normal, Student-t) the pieces sum to `fitted`. For the multiplicative
/// log-normal model a channel's contribution is what removing it would lose
/// (`fitted − fitted without the channel`), and `baseline` is the fit with every channel
/// removed; the pieces then do not sum exactly to `fitted`.
#[derive(Debug, Clone, Default)]
pub struct Decomposition {
    /// Per channel, in model order.
    pub channels: Vec<Vec<f64>>,
    /// Intercept.
    pub intercept: Vec<f64>,
    /// Linear trend (zeros without one).
    pub trend: Vec<f64>,
    /// Fourier seasonality (zeros without it).
    pub seasonality: Vec<f64>,
    /// Per control, in model order.
    pub controls: Vec<Vec<f64>>,
    /// Everything but the channels.
    pub baseline: Vec<f64>,
    /// The fitted mean (its median exp(mu) for log-normal).
    pub fitted: Vec<f64>,
    /// Marginal ROAS of each channel at its historical spend: the outcome gained per extra unit
    /// of spend when every period's spend grows in proportion.
    pub mroas: Vec<f64>,
}

impl MmmDensity {
    /// Decompose the fit at constrained parameters `x` (in θ order) into `out`.
    pub fn decompose(&mut self, x: &[f64], out: &mut Decomposition) {
        let n = self.data.n;
        let c_count = self.layout.channels.len();
        let k_count = self.layout.gamma_idx.len();
        resize(&mut out.channels, c_count, n);
        resize(&mut out.controls, k_count, n);
        for v in [
            &mut out.intercept,
            &mut out.trend,
            &mut out.seasonality,
            &mut out.baseline,
            &mut out.fitted,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
        out.mroas.clear();
        out.mroas.resize(c_count, 0.0);
        self.forward(x, false);
        let lay = &self.layout;
        let d = &self.data;
        let sy = d.scales.target;
        // Linear predictor pieces on the model scale.
        out.intercept.fill(x[lay.intercept_idx]);
        if let Some(i) = lay.trend_idx {
            for (o, t) in out.trend.iter_mut().zip(&d.trend) {
                *o = x[i] * t;
            }
        }
        for (j, &i) in lay.fourier_idx.iter().enumerate() {
            for (o, f) in out
                .seasonality
                .iter_mut()
                .zip(&d.fourier[j * n..(j + 1) * n])
            {
                *o += x[i] * f;
            }
        }
        for (k, &i) in lay.gamma_idx.iter().enumerate() {
            for (o, z) in out.controls[k].iter_mut().zip(&d.controls[k]) {
                *o = x[i] * z;
            }
        }
        for t in 0..n {
            out.baseline[t] = out.intercept[t]
                + out.trend[t]
                + out.seasonality[t]
                + out.controls.iter().map(|c| c[t]).sum::<f64>();
        }
        let multiplicative = lay.family == Family::LogNormal;
        for (c, ch) in lay.channels.iter().enumerate() {
            let beta = x[ch.beta_idx];
            let sat = &self.sat[c * n..(c + 1) * n];
            for ((o, s), mu) in out.channels[c].iter_mut().zip(sat).zip(&self.mu) {
                let eta = beta * s;
                *o = if multiplicative {
                    sy * (mu.exp() - (mu - eta).exp())
                } else {
                    sy * eta
                };
            }
        }
        for t in 0..n {
            out.fitted[t] = if multiplicative {
                sy * self.mu[t].exp()
            } else {
                sy * self.mu[t]
            };
        }
        if multiplicative {
            for b in out.baseline.iter_mut() {
                *b = sy * b.exp();
            }
            for v in [&mut out.intercept, &mut out.trend, &mut out.seasonality] {
                v.iter_mut().for_each(|e| *e *= sy);
            }
            for v in out.controls.iter_mut() {
                v.iter_mut().for_each(|e| *e *= sy);
            }
        } else {
            for v in [
                &mut out.intercept,
                &mut out.trend,
                &mut out.seasonality,
                &mut out.baseline,
            ] {
                v.iter_mut().for_each(|e| *e *= sy);
            }
            for v in out.controls.iter_mut() {
                v.iter_mut().for_each(|e| *e *= sy);
            }
        }
        self.marginal_roas(x, &mut out.mroas);
    }

    /// d(total outcome)/d(total spend) when each period's spend of a channel grows in
    /// proportion, from the exact adjoint of the adstock: Σ_t (∂outcome/∂x_t) x_t / Σ_t x_t.
    fn marginal_roas(&mut self, x: &[f64], out: &mut [f64]) {
        let n = self.data.n;
        let sy = self.data.scales.target;
        let multiplicative = self.layout.family == Family::LogNormal;
        for (c, ch) in self.layout.channels.iter().enumerate() {
            let beta = x[ch.beta_idx];
            let range = c * n..(c + 1) * n;
            // ∂ outcome_t / ∂ a_t on the model scale, then to original target units.
            for ((g, da), mu) in self.g_a.iter_mut().zip(&self.sat_da[range]).zip(&self.mu) {
                let slope = if da.is_finite() { beta * da } else { 0.0 };
                *g = sy * slope * if multiplicative { mu.exp() } else { 1.0 };
            }
            let np = ch.adstock.n_params();
            let l = ch.max_lag;
            let ad = [x[ch.adstock_idx[0]], x[ch.adstock_idx[np - 1]]];
            ch.adstock
                .weights(&ad[..np], ch.normalize, &mut self.w[..l]);
            convolve_adjoint_spend(&self.w[..l], &self.g_a, &mut self.spend_adjoint);
            // spend_adjoint now holds ∂outcome/∂(scaled spend_t); the scaled spend is spend / s_c,
            // so Σ_t ∂/∂x_t · x_t is the same in both units and the ratio needs s_c once.
            let spend = &self.data.spend[c];
            let num: f64 = self
                .spend_adjoint
                .iter()
                .zip(spend)
                .map(|(g, s)| g * s)
                .sum();
            let total: f64 = spend.iter().sum();
            out[c] = if total > 0.0 {
                num / (total * self.data.scales.channels[c])
            } else {
                0.0
            };
        }
    }
}

impl MmmDensity {
    /// Outcome per period (original units) that channel `c` earns at a flat spend of
    /// `spend` per period (original units), once adstock has reached its steady state, at
    /// constrained parameters `x`. `level` is the multiplicative model's baseline level on the
    /// model scale (log); additive models ignore it.
    pub fn steady_state_response(&mut self, x: &[f64], c: usize, spend: f64, level: f64) -> f64 {
        let ch = &self.layout.channels[c];
        let np = ch.adstock.n_params();
        let l = ch.max_lag;
        let ad = [x[ch.adstock_idx[0]], x[ch.adstock_idx[np - 1]]];
        ch.adstock
            .weights(&ad[..np], ch.normalize, &mut self.w[..l]);
        let a = steady_state_factor(&self.w[..l]) * spend / self.data.scales.channels[c];
        let ns = ch.saturation.n_params();
        let sp = [x[ch.saturation_idx[0]], x[ch.saturation_idx[ns - 1]]];
        let eta = x[ch.beta_idx] * ch.saturation.value(&sp[..ns], a);
        let sy = self.data.scales.target;
        if self.layout.family == Family::LogNormal {
            sy * level.exp() * eta.exp_m1()
        } else {
            sy * eta
        }
    }

    /// Posterior predictive draw of the target (original units) for the current forward pass
    /// (call after [`MmmDensity::decompose`]) at constrained parameters `x`, into `out`.
    pub fn predictive_draw<R: rand::Rng + ?Sized>(&self, x: &[f64], rng: &mut R, out: &mut [f64]) {
        use rand_distr::{Distribution, StandardNormal, StudentT};
        let lay = &self.layout;
        let sigma = x[lay.sigma_idx];
        let nu = match lay.nu {
            NuLayout::Fixed(v) => v,
            NuLayout::Param(i) => x[i],
            NuLayout::None => 0.0,
        };
        let t_dist = (nu > 0.0).then(|| StudentT::new(nu).ok()).flatten();
        let sy = self.data.scales.target;
        for (o, mu) in out.iter_mut().zip(&self.mu) {
            let e: f64 = match (lay.family, &t_dist) {
                (Family::StudentT, Some(t)) => t.sample(rng),
                _ => StandardNormal.sample(rng),
            };
            let z = mu + sigma * e;
            *o = sy
                * if lay.family == Family::LogNormal {
                    z.exp()
                } else {
                    z
                };
        }
    }
}

fn resize(v: &mut Vec<Vec<f64>>, count: usize, n: usize) {
    v.resize_with(count, Vec::new);
    for s in v.iter_mut() {
        s.clear();
        s.resize(n, 0.0);
    }
}

#[cfg(test)]
mod tests {
    use crate::density::MmmDensity;
    use crate::density::gradient_tests::synthetic_data;
    use crate::sampler::LogDensity;
    use crate::spec::ModelSpec;

    use super::Decomposition;

    const SUM_TOL: f64 = 1e-9;
    const FD_REL: f64 = 1e-5;
    const SPEND_STEP: f64 = 1e-6;

    fn model(path: &str) -> (MmmDensity, Vec<f64>) {
        let spec =
            ModelSpec::from_file(format!("{}/models/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let data = synthetic_data(&spec, 80, 5);
        let density = MmmDensity::new(&spec, &data).unwrap();
        let theta: Vec<f64> = (0..density.dim()).map(|i| 0.3 - 0.05 * i as f64).collect();
        let mut x = Vec::new();
        density.constrain(&theta, &mut x);
        (density, x)
    }

    fn total(d: &Decomposition, c: usize) -> f64 {
        d.channels[c].iter().sum()
    }

    #[test]
    fn additive_pieces_sum_to_the_fit() {
        let (mut density, x) = model("pymc_marketing_example.toml");
        let mut d = Decomposition::default();
        density.decompose(&x, &mut d);
        for t in 0..density.n_periods() {
            let sum: f64 = d.baseline[t] + d.channels.iter().map(|c| c[t]).sum::<f64>();
            assert!((sum - d.fitted[t]).abs() <= SUM_TOL * d.fitted[t].abs().max(1.0));
        }
    }

    #[test]
    fn marginal_roas_matches_a_proportional_spend_increase() {
        for file in ["pymc_marketing_example.toml", "full.toml"] {
            let (mut density, x) = model(file);
            let mut base = Decomposition::default();
            density.decompose(&x, &mut base);
            for c in 0..base.channels.len() {
                let mut bumped = density.clone();
                for s in bumped.data.spend[c].iter_mut() {
                    *s *= 1.0 + SPEND_STEP;
                }
                let mut up = Decomposition::default();
                bumped.decompose(&x, &mut up);
                let spend: f64 =
                    density.data.spend[c].iter().sum::<f64>() * density.data.scales.channels[c];
                let fd_outcome: f64 =
                    up.fitted.iter().sum::<f64>() - base.fitted.iter().sum::<f64>();
                let fd = fd_outcome / (SPEND_STEP * spend);
                let got = base.mroas[c];
                assert!(
                    (got - fd).abs() <= FD_REL * fd.abs().max(1.0),
                    "{file} channel {c}: mroas {got} vs finite difference {fd} (total {})",
                    total(&base, c)
                );
            }
        }
    }
}
