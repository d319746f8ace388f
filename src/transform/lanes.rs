//! Geometric adstock and logistic saturation of up to four channels at once, one channel in
//! each lane of a vector register: the hot path of the most common media block.
//!
//! One channel's geometric recursion is a chain of dependent scalar operations per period
//! (see `geometric.rs`); four channels with the same max lag run the same chain side by side,
//! so one AVX2 instruction advances all four. Their spend is interleaved once at construction
//! (`x[t] = [x₀ₜ, x₁ₜ, x₂ₜ, x₃ₜ]`), so every load is contiguous. The logistic curve is taken
//! block by block right after the recursion has written the block (still in L1), in a loop of
//! its own: its chain of dependent operations (expm1, then a division) would otherwise hold up
//! the recursion's loop, and on its own every period is independent. The coefficients' share
//! β·f is added to the mean in a last pass.
//!
//! Every lane does exactly the arithmetic of [`geometric_recursion`](super::geometric_recursion)
//! followed by [`logistic_series`](super::logistic_series), and the reverse sweep sums in the
//! same order as the density's one-channel sweep, so the results are bit-for-bit those of the
//! one-channel path (a seeded fit follows the same trajectory). A lane with no channel holds
//! zero spend and a zero coefficient: it adds exactly 0 to the mean.

use super::vexp::expm1_nonpositive;

/// Channels per group: the lanes of one AVX2 register of doubles.
pub const LANES: usize = 4;

/// One value per lane (per channel of a group).
pub type Lanes = [f64; LANES];

/// The forward pass's outputs per period, for the reverse sweep: adstocked spend, the lag
/// moment, the saturation f and q = 1 − f² (∂f/∂a = λq/2, ∂f/∂λ = aq/2).
#[derive(Debug, Clone, Default)]
pub struct LaneSeries {
    /// Adstocked spend a_t.
    pub a: Vec<Lanes>,
    /// Lag moment Σ_l l·w_l·x_{t−l}.
    pub moment: Vec<Lanes>,
    /// Saturation value f(a_t).
    pub f: Vec<Lanes>,
    /// 1 − f(a_t)².
    pub q: Vec<Lanes>,
}

impl LaneSeries {
    /// Buffers for `n` periods.
    pub fn new(n: usize) -> LaneSeries {
        LaneSeries {
            a: vec![[0.0; LANES]; n],
            moment: vec![[0.0; LANES]; n],
            f: vec![[0.0; LANES]; n],
            q: vec![[0.0; LANES]; n],
        }
    }
}

/// Up to [`LANES`] spend series of equal length interleaved: `out[t][k] = series[k][t]`, 0 in
/// lanes past the last series.
///
/// # Panics
/// If more than [`LANES`] series are given or their lengths differ.
pub fn interleave(series: &[&[f64]]) -> Vec<Lanes> {
    assert!(series.len() <= LANES, "at most {LANES} series per group");
    let n = series.first().map_or(0, |s| s.len());
    assert!(series.iter().all(|s| s.len() == n), "series lengths differ");
    (0..n)
        .map(|t| {
            let mut v = [0.0; LANES];
            for (k, s) in series.iter().enumerate() {
                v[k] = s[t];
            }
            v
        })
        .collect()
}

/// Length of the scratch [`geometric_logistic_forward`] needs for a max lag of `lags`.
pub fn lane_scratch_len(lags: usize) -> usize {
    3 * (lags + 1)
}

/// Per-lane parameters of a group: geometric α, the first weight w₀ (1 unnormalised,
/// (1 − α)/(1 − α^L) normalised), the logistic λ and the coefficient β.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LaneParams {
    /// Geometric decay α per lane.
    pub alpha: Lanes,
    /// First lag weight w₀ per lane.
    pub w0: Lanes,
    /// Logistic λ per lane.
    pub lam: Lanes,
    /// Coefficient β per lane.
    pub beta: Lanes,
}

/// The blocked geometric recursion (module docs of `geometric.rs`) with weights w₀·α^l,
/// l < `lags`, and the logistic curve, for the four lanes of `x`; fills `out` and adds
/// β_k·f_k(t) to `mu[t]` lane by lane, in lane order.
///
/// # Panics
/// If `lags` is 0, the buffers are shorter than `x`, or `scratch` is shorter than
/// [`lane_scratch_len`]`(lags)`.
#[inline(always)]
pub fn geometric_logistic_forward(
    p: &LaneParams,
    lags: usize,
    x: &[Lanes],
    out: &mut LaneSeries,
    mu: &mut [f64],
    scratch: &mut [Lanes],
) {
    let n = x.len();
    assert!(lags > 0, "geometric adstock needs a lag");
    let (a_out, m_out) = (&mut out.a[..n], &mut out.moment[..n]);
    let (f_out, q_out) = (&mut out.f[..n], &mut out.q[..n]);
    let mu = &mut mu[..n];
    let (pw, rest) = scratch.split_at_mut(lags + 1);
    let (r, rm) = rest.split_at_mut(lags + 1);
    let rm = &mut rm[..lags + 1];
    let LaneParams {
        alpha,
        w0,
        lam,
        beta,
    } = *p;
    pw[0] = [1.0; LANES];
    for e in 1..=lags {
        for k in 0..LANES {
            pw[e][k] = pw[e - 1][k] * alpha[k];
        }
    }
    r[lags] = [0.0; LANES];
    rm[lags] = [0.0; LANES];
    let blocks = n.div_ceil(lags);
    for block in 0..blocks {
        let start = block * lags;
        // Suffix sums over the previous block (always full), 0 before the first row.
        let (mut acc, mut acc_m) = ([0.0; LANES], [0.0; LANES]);
        if block == 0 {
            r[..lags].fill([0.0; LANES]);
            rm[..lags].fill([0.0; LANES]);
        } else {
            let prev = &x[start - lags..start];
            for i in (0..lags).rev() {
                let e = lags - 1 - i;
                let ef = e as f64;
                for k in 0..LANES {
                    let v = pw[e][k] * prev[i][k];
                    acc[k] += v;
                    acc_m[k] += ef * v;
                }
                r[i] = acc;
                rm[i] = acc_m;
            }
        }
        let len = lags.min(n - start);
        let (mut ps, mut ms) = ([0.0; LANES], [0.0; LANES]);
        for d in 1..=len {
            let t = start + d - 1;
            let (scale, rd, rmd, xt) = (pw[d], r[d], rm[d], x[t]);
            let df = d as f64;
            let (mut at, mut mt) = ([0.0; LANES], [0.0; LANES]);
            for k in 0..LANES {
                ms[k] = alpha[k] * (ms[k] + ps[k]);
                ps[k] = alpha[k] * ps[k] + xt[k];
                at[k] = w0[k] * (ps[k] + scale[k] * rd[k]);
                mt[k] = w0[k] * (ms[k] + scale[k] * (df * rd[k] + rmd[k]));
            }
            a_out[t] = at;
            m_out[t] = mt;
        }
        // The logistic curve over the block just written (still in L1), term for term as
        // `logistic_series`. Out of the recursion's loop, its long chain of dependent
        // operations (expm1, then the division) no longer holds up the recursion: every
        // period's curve is independent, so the CPU overlaps them.
        for t in start..start + len {
            let at = a_out[t];
            let (mut ft, mut qt) = ([0.0; LANES], [0.0; LANES]);
            for k in 0..LANES {
                let z = lam[k] * at[k];
                let em1 = expm1_nonpositive(-z.abs());
                let inv = 1.0 / (2.0 + em1);
                qt[k] = 4.0 * (1.0 + em1) * inv * inv;
                ft[k] = (-em1 * inv).copysign(z);
            }
            f_out[t] = ft;
            q_out[t] = qt;
        }
    }
    // β_k·f_k added to the mean lane by lane, in lane order (the one-channel path's order).
    for (v, ft) in mu.iter_mut().zip(f_out.iter()) {
        let mut acc = *v;
        for k in 0..LANES {
            acc += beta[k] * ft[k];
        }
        *v = acc;
    }
}

/// The reverse sweep of a group, from d log p / d μ (`d_mu`) and the forward pass's series:
/// per lane, Σ ∂L/∂μ·f, Σ ∂L/∂μ·∂f/∂λ, Σ g·a and Σ g·m with g = β·∂L/∂μ·∂f/∂a, summed in the
/// order of the density's one-channel sweep (four partial sums by period modulo 4, added
/// pairwise, then the last periods in order).
#[inline(always)]
pub fn geometric_logistic_sweep(p: &LaneParams, d_mu: &[f64], s: &LaneSeries) -> [Lanes; 4] {
    let n = d_mu.len();
    let (a, m, f, q) = (&s.a[..n], &s.moment[..n], &s.f[..n], &s.q[..n]);
    let half_lam: Lanes = p.lam.map(|l| 0.5 * l);
    let beta = p.beta;
    const PHASES: usize = 4;
    let full = n - n % PHASES;
    let mut phase_sums = [[[0.0; LANES]; 4]; PHASES];
    for (phase, sums) in phase_sums.iter_mut().enumerate() {
        let mut acc = [[0.0; LANES]; 4];
        let mut t = phase;
        while t < full {
            let dm = d_mu[t];
            let (at, mt, ft, qt) = (a[t], m[t], f[t], q[t]);
            for k in 0..LANES {
                // ∂f/∂a = λq/2 is finite, and where it is 0 the term below is ±0, which adds
                // nothing: the one-channel sweep's guard against 0·∞ is not needed here.
                let da = half_lam[k] * qt[k];
                let g = beta[k] * dm * da;
                acc[0][k] += dm * ft[k];
                // ∂f/∂λ = a·q/2: the factor ½ is taken out of the sum (exact in binary).
                acc[1][k] += dm * (at[k] * qt[k]);
                acc[2][k] += g * at[k];
                acc[3][k] += g * mt[k];
            }
            t += PHASES;
        }
        acc[1] = acc[1].map(|v| 0.5 * v);
        *sums = acc;
    }
    let mut out = [[0.0; LANES]; 4];
    for (j, o) in out.iter_mut().enumerate() {
        for k in 0..LANES {
            let s = |ph: usize| phase_sums[ph][j][k];
            o[k] = (s(0) + s(1)) + (s(2) + s(3));
        }
    }
    for t in full..n {
        let dm = d_mu[t];
        for k in 0..LANES {
            let da = half_lam[k] * q[t][k];
            let dp0 = 0.5 * a[t][k] * q[t][k];
            let g = if da == 0.0 || !da.is_finite() {
                0.0
            } else {
                beta[k] * dm * da
            };
            out[0][k] += dm * f[t][k];
            out[1][k] += dm * dp0;
            out[2][k] += g * a[t][k];
            out[3][k] += g * m[t][k];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::{
        AdstockKind, geometric_recursion, geometric_scratch_len, logistic_series,
    };
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn spend(n: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
        crate::transform::finite_diff::sparse_spend(n, rng)
    }

    /// The group kernels give the one-channel path's bits: adstock, moment, saturation, the
    /// mean and every reduction of the sweep.
    #[test]
    fn lanes_equal_the_one_channel_path_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(41);
        for case in 0..60 {
            let lags = rng.random_range(4..40);
            let n = rng.random_range(1..300);
            let width = 1 + case % LANES;
            let xs: Vec<Vec<f64>> = (0..width).map(|_| spend(n, &mut rng)).collect();
            let refs: Vec<&[f64]> = xs.iter().map(|v| v.as_slice()).collect();
            let x = interleave(&refs);
            let mut p = LaneParams {
                alpha: [0.5; LANES],
                w0: [0.0; LANES],
                lam: [1.0; LANES],
                beta: [0.0; LANES],
            };
            let normalize = case % 2 == 0;
            let mut ws = Vec::new();
            for k in 0..width {
                p.alpha[k] = rng.random_range(0.05..0.97);
                p.lam[k] = rng.random_range(0.1..8.0);
                p.beta[k] = rng.random_range(0.0..3.0);
                let mut w = vec![0.0; lags];
                AdstockKind::Geometric.weights(&[p.alpha[k]], normalize, &mut w);
                p.w0[k] = w[0];
                ws.push(w);
            }
            let mu0: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let d_mu: Vec<f64> = (0..n).map(|_| rng.random_range(-2.0..2.0)).collect();
            let mut series = LaneSeries::new(n);
            let mut mu = mu0.clone();
            let mut scratch = vec![[f64::NAN; LANES]; lane_scratch_len(lags)];
            geometric_logistic_forward(&p, lags, &x, &mut series, &mut mu, &mut scratch);
            let sums = geometric_logistic_sweep(&p, &d_mu, &series);
            // The one-channel path.
            let mut mu_ref = mu0.clone();
            for k in 0..width {
                let (mut a, mut m) = (vec![0.0; n], vec![0.0; n]);
                let mut sc = vec![0.0; geometric_scratch_len(lags)];
                geometric_recursion(p.alpha[k], ws[k][0], lags, &xs[k], &mut a, &mut m, &mut sc);
                let (mut f, mut da, mut dl) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
                logistic_series(p.lam[k], &a, &mut f, &mut da, &mut dl);
                for t in 0..n {
                    mu_ref[t] += p.beta[k] * f[t];
                    assert_eq!(series.a[t][k].to_bits(), a[t].to_bits(), "a, case {case}");
                    assert_eq!(series.moment[t][k].to_bits(), m[t].to_bits(), "moment");
                    assert_eq!(series.f[t][k].to_bits(), f[t].to_bits(), "f");
                }
                // The density's one-channel sweep, written out.
                let mut acc = [[0.0; 4]; 4];
                let full = n - n % 4;
                for t in 0..full {
                    let g = if da[t] == 0.0 || !da[t].is_finite() {
                        0.0
                    } else {
                        p.beta[k] * d_mu[t] * da[t]
                    };
                    let l = t % 4;
                    acc[0][l] += d_mu[t] * f[t];
                    acc[1][l] += d_mu[t] * dl[t];
                    acc[2][l] += g * a[t];
                    acc[3][l] += g * m[t];
                }
                let mut want = acc.map(|v| (v[0] + v[1]) + (v[2] + v[3]));
                for t in full..n {
                    let g = if da[t] == 0.0 || !da[t].is_finite() {
                        0.0
                    } else {
                        p.beta[k] * d_mu[t] * da[t]
                    };
                    want[0] += d_mu[t] * f[t];
                    want[1] += d_mu[t] * dl[t];
                    want[2] += g * a[t];
                    want[3] += g * m[t];
                }
                for j in 0..4 {
                    assert_eq!(
                        sums[j][k].to_bits(),
                        want[j].to_bits(),
                        "sum {j}, case {case}"
                    );
                }
            }
            for t in 0..n {
                assert_eq!(mu[t].to_bits(), mu_ref[t].to_bits(), "mu, case {case}");
            }
        }
    }
}
