//! Geometric adstock and logistic saturation of two channels at once, interleaved by period:
//! the media block of small models (PyMC-Marketing's example has two such channels).
//!
//! Four channels fill a vector register (`lanes.rs`); two in those four lanes were measured
//! slower than one channel at a time, because the empty lanes pay the logistic curve too. Here
//! the two channels' spend is interleaved once (`x[t] = [x₀ₜ, x₁ₜ]`) and every series is kept
//! interleaved, so:
//!
//! - the blocked recursion advances both channels with one two-lane instruction;
//! - the logistic curve and the reverse sweep, elementwise, run over the interleaved series as
//!   one flat array (two periods of both channels per four-lane vector), with λ, β in the
//!   pattern `[λ₀, λ₁, λ₀, λ₁]`: no lane is empty.
//!
//! Every value is computed by the arithmetic of [`geometric_recursion`](super::geometric_recursion)
//! followed by [`logistic_series`](super::logistic_series), and the sweep sums each channel's
//! terms by period modulo 4 as the density's one-channel sweep does, so the results are
//! bit-for-bit those of the one-channel path.

use super::saturation::logistic_value_and_slope;

/// One value per channel of a pair.
pub type Pair = [f64; 2];

/// Values of the flat interleaved series per four-lane vector: two periods of both channels.
const FLAT: usize = 4;

/// The forward pass takes the logistic curve once the recursion has written this many periods
/// since the last time (and after the last block): loops long enough to overlap the curve's
/// long chains of dependent operations, over series still in L1 (a block of a short max lag
/// alone gave loops of four vectors).
const CURVE_PERIODS: usize = 64;

/// The forward pass's outputs per period, for the reverse sweep (as `LaneSeries`): adstocked
/// spend, the lag moment, the saturation f and q = 1 − f².
#[derive(Debug, Clone, Default)]
pub struct PairSeries {
    /// Adstocked spend a_t.
    pub a: Vec<Pair>,
    /// Lag moment Σ_l l·w_l·x_{t−l}.
    pub moment: Vec<Pair>,
    /// Saturation value f(a_t).
    pub f: Vec<Pair>,
    /// 1 − f(a_t)².
    pub q: Vec<Pair>,
}

impl PairSeries {
    /// Buffers for `n` periods.
    pub fn new(n: usize) -> PairSeries {
        PairSeries {
            a: vec![[0.0; 2]; n],
            moment: vec![[0.0; 2]; n],
            f: vec![[0.0; 2]; n],
            q: vec![[0.0; 2]; n],
        }
    }
}

/// Per-channel parameters of a pair: geometric α, the first weight w₀ (1 unnormalised,
/// (1 − α)/(1 − α^L) normalised), the logistic λ and the coefficient β.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairParams {
    /// Geometric decay α per channel.
    pub alpha: Pair,
    /// First lag weight w₀ per channel.
    pub w0: Pair,
    /// Logistic λ per channel.
    pub lam: Pair,
    /// Coefficient β per channel.
    pub beta: Pair,
}

/// Two spend series of equal length interleaved: `out[t] = [x0[t], x1[t]]`.
///
/// # Panics
/// If the lengths differ.
pub fn interleave_pair(x0: &[f64], x1: &[f64]) -> Vec<Pair> {
    assert_eq!(x0.len(), x1.len(), "series lengths differ");
    x0.iter().zip(x1).map(|(a, b)| [*a, *b]).collect()
}

/// Length of the scratch [`geometric_logistic_pair_forward`] needs for a max lag of `lags`.
pub fn pair_scratch_len(lags: usize) -> usize {
    3 * (lags + 1)
}

/// `[v₀, v₁, v₀, v₁]`: a pair's values in the pattern of the flat interleaved series.
#[inline(always)]
fn flat(v: Pair) -> [f64; FLAT] {
    [v[0], v[1], v[0], v[1]]
}

/// The logistic curve over a flat interleaved slice `a` (even length): f and q = 1 − f², term
/// for term as `logistic_series`.
#[inline(always)]
fn logistic_flat(lam: [f64; FLAT], a: &[f64], f: &mut [f64], q: &mut [f64]) {
    let curve = |lam: f64, a: f64| logistic_value_and_slope(lam * a);
    let n = a.len();
    let (f, q) = (&mut f[..n], &mut q[..n]);
    let (ac, fc, qc) = (
        a.chunks_exact(FLAT),
        f.chunks_exact_mut(FLAT),
        q.chunks_exact_mut(FLAT),
    );
    let (ar, full) = (ac.remainder(), n - n % FLAT);
    for ((av, fv), qv) in ac.zip(fc).zip(qc) {
        for k in 0..FLAT {
            (fv[k], qv[k]) = curve(lam[k], av[k]);
        }
    }
    for (k, ak) in ar.iter().enumerate() {
        (f[full + k], q[full + k]) = curve(lam[k], *ak);
    }
}

/// The blocked geometric recursion (module docs of `geometric.rs`) with weights w₀·α^l,
/// l < `lags`, and the logistic curve, for both channels of `x`; fills `out` and adds
/// β₀·f₀(t) then β₁·f₁(t) to `mu[t]`.
///
/// # Panics
/// If `lags` is 0, the buffers are shorter than `x`, or `scratch` is shorter than
/// [`pair_scratch_len`]`(lags)`.
#[inline(always)]
pub fn geometric_logistic_pair_forward(
    p: &PairParams,
    lags: usize,
    x: &[Pair],
    out: &mut PairSeries,
    mu: &mut [f64],
    scratch: &mut [Pair],
) {
    let n = x.len();
    assert!(lags > 0, "geometric adstock needs a lag");
    let (a_out, m_out) = (&mut out.a[..n], &mut out.moment[..n]);
    let (f_out, q_out) = (&mut out.f[..n], &mut out.q[..n]);
    let mu = &mut mu[..n];
    let (pw, rest) = scratch.split_at_mut(lags + 1);
    let (r, rm) = rest.split_at_mut(lags + 1);
    let rm = &mut rm[..lags + 1];
    let PairParams {
        alpha,
        w0,
        lam,
        beta,
    } = *p;
    pw[0] = [1.0; 2];
    for e in 1..=lags {
        for k in 0..2 {
            pw[e][k] = pw[e - 1][k] * alpha[k];
        }
    }
    r[lags] = [0.0; 2];
    rm[lags] = [0.0; 2];
    let lam_flat = flat(lam);
    let blocks = n.div_ceil(lags);
    let mut curve_from = 0;
    for block in 0..blocks {
        let start = block * lags;
        // Suffix sums over the previous block (always full), 0 before the first row.
        let (mut acc, mut acc_m) = ([0.0; 2], [0.0; 2]);
        if block == 0 {
            r[..lags].fill([0.0; 2]);
            rm[..lags].fill([0.0; 2]);
        } else {
            let prev = &x[start - lags..start];
            for i in (0..lags).rev() {
                let e = lags - 1 - i;
                let ef = e as f64;
                for k in 0..2 {
                    let v = pw[e][k] * prev[i][k];
                    acc[k] += v;
                    acc_m[k] += ef * v;
                }
                r[i] = acc;
                rm[i] = acc_m;
            }
        }
        let len = lags.min(n - start);
        let (mut ps, mut ms) = ([0.0; 2], [0.0; 2]);
        for d in 1..=len {
            let t = start + d - 1;
            let (scale, rd, rmd, xt) = (pw[d], r[d], rm[d], x[t]);
            let df = d as f64;
            let (mut at, mut mt) = ([0.0; 2], [0.0; 2]);
            for k in 0..2 {
                ms[k] = alpha[k] * (ms[k] + ps[k]);
                ps[k] = alpha[k] * ps[k] + xt[k];
                at[k] = w0[k] * (ps[k] + scale[k] * rd[k]);
                mt[k] = w0[k] * (ms[k] + scale[k] * (df * rd[k] + rmd[k]));
            }
            a_out[t] = at;
            m_out[t] = mt;
        }
        // The curve over the periods written since the last time (still in L1), out of the
        // recursion's loop (as in `lanes.rs`). A period starts at an even flat index, so λ's
        // pattern holds.
        let end = start + len;
        if end - curve_from < CURVE_PERIODS && end < n {
            continue;
        }
        let span = curve_from..end;
        curve_from = end;
        logistic_flat(
            lam_flat,
            a_out[span.clone()].as_flattened(),
            f_out[span.clone()].as_flattened_mut(),
            q_out[span].as_flattened_mut(),
        );
    }
    // β₀·f₀ then β₁·f₁ added to the mean (the one-channel path's order).
    for (v, ft) in mu.iter_mut().zip(f_out.iter()) {
        *v = (*v + beta[0] * ft[0]) + beta[1] * ft[1];
    }
}

/// The reverse sweep of a pair, from d log p / d μ (`d_mu`) and the forward pass's series:
/// per channel, Σ ∂L/∂μ·f, Σ ∂L/∂μ·∂f/∂λ, Σ g·a and Σ g·m with g = β·∂L/∂μ·∂f/∂a, summed in the
/// order of the density's one-channel sweep (four partial sums by period modulo 4, added
/// pairwise, then the last periods in order).
#[inline(always)]
pub fn geometric_logistic_pair_sweep<'s>(
    p: &PairParams,
    d_mu: &[f64],
    s: &'s PairSeries,
) -> [Pair; 4] {
    let n = d_mu.len();
    let flat_of = |v: &'s [Pair]| -> &'s [f64] { v[..n].as_flattened() };
    let (a, m, f, q) = (
        flat_of(&s.a),
        flat_of(&s.moment),
        flat_of(&s.f),
        flat_of(&s.q),
    );
    let half_lam = flat(p.lam.map(|l| 0.5 * l));
    let beta = flat(p.beta);
    // Periods t, t + 1 of both channels in one vector (phases 0, 1 of t modulo 4), t + 2, t + 3
    // in the other (phases 2, 3).
    const PERIODS: usize = 4;
    let full = n - n % PERIODS;
    let mut phase_sums = [[[0.0; FLAT]; 4]; 2];
    let chunks = |v: &'s [f64]| v[..2 * full].chunks_exact(2 * FLAT);
    let series = chunks(a).zip(chunks(m)).zip(chunks(f)).zip(chunks(q));
    for (dm4, (((a8, m8), f8), q8)) in d_mu[..full].chunks_exact(PERIODS).zip(series) {
        for (half, acc) in phase_sums.iter_mut().enumerate() {
            let (t, i) = (2 * half, FLAT * half);
            let dm = [dm4[t], dm4[t], dm4[t + 1], dm4[t + 1]];
            for k in 0..FLAT {
                let (at, mt, ft, qt) = (a8[i + k], m8[i + k], f8[i + k], q8[i + k]);
                // ∂f/∂a = λq/2 is finite (see `lanes.rs`): no guard against 0·∞.
                let da = half_lam[k] * qt;
                let g = beta[k] * dm[k] * da;
                acc[0][k] += dm[k] * ft;
                acc[1][k] += dm[k] * (at * qt);
                acc[2][k] += g * at;
                acc[3][k] += g * mt;
            }
        }
    }
    for acc in &mut phase_sums {
        acc[1] = acc[1].map(|v| 0.5 * v);
    }
    let mut out = [[0.0; 2]; 4];
    for (j, o) in out.iter_mut().enumerate() {
        for (k, ok) in o.iter_mut().enumerate() {
            let [lo, hi] = [phase_sums[0][j], phase_sums[1][j]];
            *ok = (lo[k] + lo[2 + k]) + (hi[k] + hi[2 + k]);
        }
    }
    for (t, &dm) in d_mu.iter().enumerate().skip(full) {
        for k in 0..2 {
            let i = 2 * t + k;
            let da = half_lam[k] * q[i];
            let dp0 = 0.5 * a[i] * q[i];
            let g = if da == 0.0 || !da.is_finite() {
                0.0
            } else {
                beta[k] * dm * da
            };
            out[0][k] += dm * f[i];
            out[1][k] += dm * dp0;
            out[2][k] += g * a[i];
            out[3][k] += g * m[i];
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

    /// The pair kernels give the one-channel path's bits: adstock, moment, saturation, the
    /// mean and every reduction of the sweep, at odd and even lengths and lags.
    #[test]
    fn pair_equals_the_one_channel_path_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(43);
        for case in 0..80 {
            let lags = rng.random_range(1..40);
            let n = rng.random_range(1..300);
            let xs: Vec<Vec<f64>> = (0..2)
                .map(|_| crate::transform::finite_diff::sparse_spend(n, &mut rng))
                .collect();
            let x = interleave_pair(&xs[0], &xs[1]);
            let mut p = PairParams {
                alpha: [0.5; 2],
                w0: [0.0; 2],
                lam: [1.0; 2],
                beta: [0.0; 2],
            };
            let normalize = case % 2 == 0;
            let mut ws = Vec::new();
            for k in 0..2 {
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
            let mut series = PairSeries::new(n);
            let mut mu = mu0.clone();
            let mut scratch = vec![[f64::NAN; 2]; pair_scratch_len(lags)];
            geometric_logistic_pair_forward(&p, lags, &x, &mut series, &mut mu, &mut scratch);
            let sums = geometric_logistic_pair_sweep(&p, &d_mu, &series);
            let mut mu_ref = mu0.clone();
            for k in 0..2 {
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
                    let q = 1.0 - f[t] * f[t];
                    // q is kept as 4e/(1 + e)², not 1 − f²: compare to round-off only.
                    assert!((series.q[t][k] - q).abs() <= 1e-14, "q, case {case}");
                }
                // The density's one-channel sweep, written out.
                let mut acc = [[0.0; 4]; 4];
                let full = n - n % 4;
                let g = |t: usize| {
                    if da[t] == 0.0 || !da[t].is_finite() {
                        0.0
                    } else {
                        p.beta[k] * d_mu[t] * da[t]
                    }
                };
                for t in 0..full {
                    let l = t % 4;
                    acc[0][l] += d_mu[t] * f[t];
                    acc[1][l] += d_mu[t] * dl[t];
                    acc[2][l] += g(t) * a[t];
                    acc[3][l] += g(t) * m[t];
                }
                let mut want = acc.map(|v| (v[0] + v[1]) + (v[2] + v[3]));
                for t in full..n {
                    want[0] += d_mu[t] * f[t];
                    want[1] += d_mu[t] * dl[t];
                    want[2] += g(t) * a[t];
                    want[3] += g(t) * m[t];
                }
                for j in 0..4 {
                    assert_eq!(
                        sums[j][k].to_bits(),
                        want[j].to_bits(),
                        "sum {j}, channel {k}, case {case}"
                    );
                }
            }
            for t in 0..n {
                assert_eq!(mu[t].to_bits(), mu_ref[t].to_bits(), "mu, case {case}");
            }
        }
    }
}
