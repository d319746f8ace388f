//! The intercept's sampled coordinate: the mean fitted level L = b + h(θ), where b is the
//! intercept and h the mean over the fitted rows of everything else in the mean (trend,
//! controls, seasonality, media). An exact change of variables with unit Jacobian.
//!
//! With the coefficients sampled as contributions at mean spend (`reparam.rs`), the intercept
//! and the contributions trade off one for one along the data's mean level; sampling the level
//! itself takes that ridge out. The map b = L − h(θ_rest) is a shift of b by a function of the
//! other coordinates: triangular with unit diagonal, log-Jacobian 0. The gradient: with
//! μ_t = L − h + rest_t, the intercept's prior at b and G = Σ_{t<m} ∂ℓ/∂μ_t + ∂log p(b)/∂b,
//! ∂/∂L = G, and every other coordinate sees the reverse pass with ∂ℓ/∂μ_t − G/m on the fitted
//! rows (m of them) in place of ∂ℓ/∂μ_t.
//!
//! Only a real-valued intercept is centred (its prior on the real line: the bijector is the
//! identity); prior-only densities (no forward pass) keep the intercept as it is.

use crate::transform::{AdstockKind, SaturationKind, convolve};

use super::layout::Layout;
use super::model::ModelData;

/// Mean over the fitted rows of the mean μ without the intercept, at constrained `x` (the
/// direct computation, for reporting: allocates, and costs one forward pass).
pub(crate) fn mean_without_intercept(layout: &Layout, data: &ModelData, x: &[f64]) -> f64 {
    let (n, m) = (data.n, data.n_fit);
    let mean = |v: &[f64]| v[..m].iter().sum::<f64>() / m as f64;
    let mut h = 0.0;
    if let Some(i) = layout.trend_idx {
        h += x[i] * mean(&data.trend);
    }
    for (k, &i) in layout.gamma_idx.iter().enumerate() {
        h += x[i] * mean(&data.controls[k]);
    }
    for (j, &i) in layout.fourier_idx.iter().enumerate() {
        h += x[i] * mean(&data.fourier[j * n..(j + 1) * n]);
    }
    let mut a = vec![0.0; n];
    for (c, ch) in layout.channels.iter().enumerate() {
        let np = ch.adstock.n_params();
        let params: Vec<f64> = ch.adstock_idx[..np].iter().map(|i| x[*i]).collect();
        let mut w = vec![0.0; ch.max_lag];
        let kind: AdstockKind = ch.adstock;
        kind.weights(&params, ch.normalize, &mut w);
        convolve(&w, &data.spend[c], &mut a);
        let sat: Vec<f64> = ch.saturation_idx[..ch.saturation.n_params()]
            .iter()
            .map(|i| x[*i])
            .collect();
        let kind: SaturationKind = ch.saturation;
        let total: f64 = a[..m].iter().map(|at| kind.value(&sat, *at)).sum();
        h += x[ch.beta_idx] * total / m as f64;
    }
    h
}

/// Shift μ by the level: on entry μ = L + rest (the forward pass run with the level in the
/// intercept's place); on exit μ = b + rest with b = L − h. Returns b.
pub(crate) fn shift_to_intercept(mu: &mut [f64], m: usize, level: f64) -> f64 {
    let h = mu[..m].iter().sum::<f64>() / m as f64 - level;
    mu.iter_mut().for_each(|v| *v -= h);
    level - h
}

/// From the likelihood's ∂ℓ/∂μ and the intercept prior's gradient at b: the level's gradient
/// G, with ∂ℓ/∂μ_t replaced by ∂ℓ/∂μ_t − G/m on the fitted rows for the reverse pass.
pub(crate) fn centre_adjoint(d_mu: &mut [f64], m: usize, prior_grad: f64) -> f64 {
    let g = d_mu[..m].iter().sum::<f64>() + prior_grad;
    let per_row = g / m as f64;
    d_mu[..m].iter_mut().for_each(|v| *v -= per_row);
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_keeps_the_rest_and_centres_the_level() {
        // rest = [1, 2, 3, 10] with the level 5 in the intercept's place; fitted rows 3.
        let mut mu = vec![6.0, 7.0, 8.0, 15.0];
        let b = shift_to_intercept(&mut mu, 3, 5.0);
        // h = mean(rest[..3]) = 2, so b = 3 and the fitted mean is the level.
        assert!((b - 3.0).abs() < 1e-15);
        assert!((mu[..3].iter().sum::<f64>() / 3.0 - 5.0).abs() < 1e-14);
        assert!((mu[3] - 13.0).abs() < 1e-14);
    }

    #[test]
    fn adjoint_removes_the_level_gradient_from_the_fitted_rows() {
        let mut d_mu = vec![1.0, -2.0, 4.0, 7.0];
        let g = centre_adjoint(&mut d_mu, 3, 0.5);
        assert!((g - 3.5).abs() < 1e-15);
        let fitted: f64 = d_mu[..3].iter().sum();
        assert!((fitted + 0.5).abs() < 1e-14, "{fitted}");
        assert!((d_mu[3] - 7.0).abs() < 1e-15);
    }
}
