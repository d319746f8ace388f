//! Geometric adstock and logistic saturation of up to four channels at once, one channel in
//! each lane of a vector register: the hot path of the most common media block.
//!
//! One channel's geometric recursion is a chain of dependent scalar operations per period
//! (see `geometric.rs`); four channels with the same max lag run the same chain side by side,
//! so one AVX2 instruction advances all four. Their spend is interleaved once at construction
//! (`x[t] = [x₀ₜ, x₁ₜ, x₂ₜ, x₃ₜ]`), so every load is contiguous. The recursion writes a block of
//! L periods of adstocked spend a and lag moment m into scratch (L1); the logistic curve is then
//! taken over that block in a loop of its own (its chain of dependent operations would otherwise
//! hold up the recursion's loop; on its own every period is independent), by
//! [`tanh_half_and_slope`]: f and q = 1 − f² from one range reduction and one division. The
//! coefficients' share β·f is added to the mean in a last pass.
//!
//! The reverse sweep needs, per lane, Σ ∂L/∂μ·f (∂/∂β), Σ ∂L/∂μ·∂f/∂λ with ∂f/∂λ = a·q/2, and
//! the adstock adjoint g = β·∂L/∂μ·∂f/∂a = β·(λ/2)·∂L/∂μ·q only through Σ g·a and Σ g·m. So
//! the forward pass stores three series, f, a·q and m·q, and the sweep takes three sums in one
//! pass: Σ g·a = β·(λ/2)·Σ ∂L/∂μ·a·q is the same sum as the one for λ.
//!
//! The recursion is the one-channel path's arithmetic lane by lane (the same a and m, bit for
//! bit); the curve and the sweep's reassociated sums agree with the one-channel path to a few
//! ulps (tests below). A lane with no channel holds zero spend and a zero coefficient: it adds
//! exactly 0 to the mean.

use super::logistic_curve::tanh_half_and_slope;

/// Channels per group: the lanes of one AVX2 register of doubles.
pub const LANES: usize = 4;

/// One value per lane (per channel of a group).
pub type Lanes = [f64; LANES];

/// The forward pass's outputs per period, for the reverse sweep: the saturation f and, with
/// q = 1 − f² (∂f/∂a = λq/2, ∂f/∂λ = aq/2), a·q and m·q for the adstocked spend a and the lag
/// moment m.
#[derive(Debug, Clone, Default)]
pub struct LaneSeries {
    /// Saturation value f(a_t).
    pub f: Vec<Lanes>,
    /// a_t·(1 − f(a_t)²).
    pub aq: Vec<Lanes>,
    /// m_t·(1 − f(a_t)²), m_t = Σ_l l·w_l·x_{t−l}.
    pub mq: Vec<Lanes>,
}

impl LaneSeries {
    /// Buffers for `n` periods.
    pub fn new(n: usize) -> LaneSeries {
        LaneSeries {
            f: vec![[0.0; LANES]; n],
            aq: vec![[0.0; LANES]; n],
            mq: vec![[0.0; LANES]; n],
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
    11 * (lags + 1)
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

/// The suffix sums of block `prev` (a full block of `lags` periods) that the next block's
/// recursion starts from: r_i = Σ_{j≥i} α^(L−1−j)·x_j and rm_i with the weights L−1−j
/// (`geometric.rs`); `r[lags]` and `rm[lags]` stay 0.
#[inline(always)]
fn suffix_sums(pw: &[Lanes], prev: &[Lanes], r: &mut [Lanes], rm: &mut [Lanes]) {
    let lags = prev.len();
    let (mut acc, mut acc_m) = ([0.0; LANES], [0.0; LANES]);
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

/// One period of a block's recursion: advances the running sums `ps`, `ms` by spend `xt` and
/// returns a_t and m_t at offset `d` ≥ 1 in the block, from the suffix sums `r`, `rm` of the
/// block before.
#[inline(always)]
fn recursion_step(
    p: &LaneParams,
    (ps, ms): (&mut Lanes, &mut Lanes),
    xt: Lanes,
    (scale, rd, rmd, df): (Lanes, Lanes, Lanes, f64),
) -> (Lanes, Lanes) {
    let (mut at, mut mt) = ([0.0; LANES], [0.0; LANES]);
    for k in 0..LANES {
        ms[k] = p.alpha[k] * (ms[k] + ps[k]);
        ps[k] = p.alpha[k] * ps[k] + xt[k];
        at[k] = p.w0[k] * (ps[k] + scale[k] * rd[k]);
        mt[k] = p.w0[k] * (ms[k] + scale[k] * (df * rd[k] + rmd[k]));
    }
    (at, mt)
}

/// The blocked geometric recursion (module docs of `geometric.rs`) with weights w₀·α^l,
/// l < `lags`, and the logistic curve, for the four lanes of `x`; fills `out` and adds
/// β_k·f_k(t) to `mu[t]` lane by lane, in lane order.
///
/// Two blocks run in one loop where both are full: each block's running sums are a chain of
/// dependent multiply-adds, one period long (about 7 cycles), and the two chains are
/// independent given their suffix sums, so the CPU overlaps them. Each block's arithmetic is
/// the one-block recursion's (the same bits).
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
    let (f_out, aq_out, mq_out) = (&mut out.f[..n], &mut out.aq[..n], &mut out.mq[..n]);
    let mu = &mut mu[..n];
    let (pw, rest) = scratch.split_at_mut(lags + 1);
    let (r0, rest) = rest.split_at_mut(lags + 1);
    let (rm0, rest) = rest.split_at_mut(lags + 1);
    let (r1, rest) = rest.split_at_mut(lags + 1);
    let (rm1, rest) = rest.split_at_mut(lags + 1);
    let (a_blk, rest) = rest.split_at_mut(2 * lags);
    let (m_blk, rest) = rest.split_at_mut(2 * lags);
    let q_blk = &mut rest[..2 * lags];
    let LaneParams { alpha, lam, .. } = *p;
    pw[0] = [1.0; LANES];
    for e in 1..=lags {
        for k in 0..LANES {
            pw[e][k] = pw[e - 1][k] * alpha[k];
        }
    }
    for r in [&mut *r0, &mut *rm0, &mut *r1, &mut *rm1] {
        r.fill([0.0; LANES]);
    }
    let blocks = n.div_ceil(lags);
    let mut block = 0;
    while block < blocks {
        let start = block * lags;
        // Two blocks at once when both are full, else one.
        let pair = block + 1 < blocks && start + 2 * lags <= n;
        if block > 0 {
            suffix_sums(pw, &x[start - lags..start], r0, rm0);
        }
        let len = if pair {
            suffix_sums(pw, &x[start..start + lags], r1, rm1);
            let (mut ps0, mut ms0) = ([0.0; LANES], [0.0; LANES]);
            let (mut ps1, mut ms1) = ([0.0; LANES], [0.0; LANES]);
            for d in 1..=lags {
                let df = d as f64;
                let (x0, x1) = (x[start + d - 1], x[start + lags + d - 1]);
                let c0 = (pw[d], r0[d], rm0[d], df);
                let c1 = (pw[d], r1[d], rm1[d], df);
                (a_blk[d - 1], m_blk[d - 1]) = recursion_step(p, (&mut ps0, &mut ms0), x0, c0);
                (a_blk[lags + d - 1], m_blk[lags + d - 1]) =
                    recursion_step(p, (&mut ps1, &mut ms1), x1, c1);
            }
            2 * lags
        } else {
            let len = lags.min(n - start);
            let (mut ps, mut ms) = ([0.0; LANES], [0.0; LANES]);
            for d in 1..=len {
                let c = (pw[d], r0[d], rm0[d], d as f64);
                (a_blk[d - 1], m_blk[d - 1]) =
                    recursion_step(p, (&mut ps, &mut ms), x[start + d - 1], c);
            }
            len
        };
        // The logistic curve over the blocks just written (in L1). Out of the recursion's
        // loop, its chain of dependent operations no longer holds up the recursion: every
        // period's curve is independent, so the CPU overlaps them. f goes to the series and q
        // to scratch, and the products with a and m follow in a loop of their own: with them
        // in the curve's loop, the compiler vectorised across four periods instead (transposes
        // and spilled registers: slower than the pass before this kernel).
        for d in 0..len {
            let at = a_blk[d];
            let (mut ft, mut qt) = ([0.0; LANES], [0.0; LANES]);
            for k in 0..LANES {
                (ft[k], qt[k]) = tanh_half_and_slope(lam[k] * at[k]);
            }
            f_out[start + d] = ft;
            q_blk[d] = qt;
        }
        for d in 0..len {
            let (at, mt, qt) = (a_blk[d], m_blk[d], q_blk[d]);
            let (mut aqt, mut mqt) = ([0.0; LANES], [0.0; LANES]);
            for k in 0..LANES {
                aqt[k] = at[k] * qt[k];
                mqt[k] = mt[k] * qt[k];
            }
            aq_out[start + d] = aqt;
            mq_out[start + d] = mqt;
        }
        block += if pair { 2 } else { 1 };
    }
    // β_k·f_k added to the mean lane by lane, in lane order (the one-channel path's order).
    let beta = p.beta;
    for (v, ft) in mu.iter_mut().zip(f_out.iter()) {
        let mut acc = *v;
        for k in 0..LANES {
            acc += beta[k] * ft[k];
        }
        *v = acc;
    }
}

/// Partial sums of the reverse sweep: period t adds into partial t mod 4.
const PARTIALS: usize = 4;

/// The reverse sweep of a group, from d log p / d μ (`d_mu`) and the forward pass's series:
/// per lane `[Σ ∂L/∂μ·f, Σ ∂L/∂μ·∂f/∂λ, Σ g·a, Σ g·m]` with g = β·∂L/∂μ·∂f/∂a (module docs),
/// from three sums taken in one pass over the periods, each in four partial sums.
#[inline(always)]
pub fn geometric_logistic_sweep(p: &LaneParams, d_mu: &[f64], s: &LaneSeries) -> [Lanes; 4] {
    let n = d_mu.len();
    let (f, aq, mq) = (&s.f[..n], &s.aq[..n], &s.mq[..n]);
    let full = n - n % PARTIALS;
    let mut acc = [[[0.0; LANES]; PARTIALS]; 3];
    let chunks = d_mu[..full]
        .chunks_exact(PARTIALS)
        .zip(f[..full].chunks_exact(PARTIALS))
        .zip(
            aq[..full]
                .chunks_exact(PARTIALS)
                .zip(mq[..full].chunks_exact(PARTIALS)),
        );
    for ((dm, ft), (aqt, mqt)) in chunks {
        for j in 0..PARTIALS {
            for k in 0..LANES {
                acc[0][j][k] += dm[j] * ft[j][k];
                acc[1][j][k] += dm[j] * aqt[j][k];
                acc[2][j][k] += dm[j] * mqt[j][k];
            }
        }
    }
    let mut sums = acc.map(|a| {
        let mut out = [0.0; LANES];
        for k in 0..LANES {
            out[k] = (a[0][k] + a[1][k]) + (a[2][k] + a[3][k]);
        }
        out
    });
    for t in full..n {
        for k in 0..LANES {
            sums[0][k] += d_mu[t] * f[t][k];
            sums[1][k] += d_mu[t] * aq[t][k];
            sums[2][k] += d_mu[t] * mq[t][k];
        }
    }
    let [s_f, s_aq, s_mq] = sums;
    let mut out = [[0.0; LANES]; 4];
    for k in 0..LANES {
        // ∂f/∂a = λq/2, ∂f/∂λ = aq/2.
        let g_scale = p.beta[k] * (0.5 * p.lam[k]);
        out[0][k] = s_f[k];
        out[1][k] = 0.5 * s_aq[k];
        out[2][k] = g_scale * s_aq[k];
        out[3][k] = g_scale * s_mq[k];
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

    /// The stored series against the one-channel recursion and libm's curve: a few ulps.
    const SERIES_REL: f64 = 1e-14;
    /// Sums and the mean against the one-channel path, relative to the sum of the terms'
    /// magnitudes (the sums are reassociated, and may cancel).
    const SUM_REL: f64 = 1e-12;

    fn spend(n: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
        crate::transform::finite_diff::sparse_spend(n, rng)
    }

    fn assert_close(got: f64, want: f64, scale: f64, rel: f64, what: &str) {
        let tol = rel * scale.max(f64::MIN_POSITIVE);
        assert!(
            (got - want).abs() <= tol,
            "{what}: {got} vs {want} (scale {scale:e})"
        );
    }

    /// The group kernels against the one-channel path: the recursion's a and m (through a·q
    /// and m·q), the curve against libm's, the mean and every reduction of the sweep against
    /// the one-channel sweep's terms (with q from libm's `exp`).
    #[test]
    fn lanes_agree_with_the_one_channel_path() {
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
            let mut mu_scale: Vec<f64> = mu0.iter().map(|v| v.abs()).collect();
            let mut mu_ref = mu0.clone();
            for k in 0..width {
                let (mut a, mut m) = (vec![0.0; n], vec![0.0; n]);
                let mut sc = vec![0.0; geometric_scratch_len(lags)];
                geometric_recursion(p.alpha[k], ws[k][0], lags, &xs[k], &mut a, &mut m, &mut sc);
                // The one-channel curve's f (its derivatives are taken from libm's q below).
                let (mut f, mut d_a, mut d_lam) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
                logistic_series(p.lam[k], &a, &mut f, &mut d_a, &mut d_lam);
                let mut want = [0.0; 4];
                let mut scale = [0.0; 4];
                for t in 0..n {
                    let what = format!("case {case}, lane {k}, t {t}");
                    // q from libm's exp: 4e/(1 + e)², no cancellation for large λa.
                    let e = (-p.lam[k] * a[t]).exp();
                    let q = 4.0 * e / ((1.0 + e) * (1.0 + e));
                    assert_close(series.f[t][k], f[t], f[t].abs(), SERIES_REL, &what);
                    assert_close(series.aq[t][k], a[t] * q, a[t] * q, SERIES_REL, &what);
                    assert_close(series.mq[t][k], m[t] * q, m[t] * q, SERIES_REL, &what);
                    mu_ref[t] += p.beta[k] * f[t];
                    mu_scale[t] += (p.beta[k] * f[t]).abs();
                    // The derivatives from that q: the one-channel path's q = 4(1 + m)/(2 + m)²
                    // loses its relative accuracy where e^(−λa) is below ε (1 + m cancels).
                    let (da, dl) = (0.5 * p.lam[k] * q, 0.5 * a[t] * q);
                    let g = p.beta[k] * d_mu[t] * da;
                    let terms = [d_mu[t] * f[t], d_mu[t] * dl, g * a[t], g * m[t]];
                    for j in 0..4 {
                        want[j] += terms[j];
                        scale[j] += terms[j].abs();
                    }
                }
                for j in 0..4 {
                    let what = format!("sum {j}, case {case}, lane {k}");
                    assert_close(sums[j][k], want[j], scale[j], SUM_REL, &what);
                }
            }
            for t in 0..n {
                let what = format!("mu, case {case}, t {t}");
                assert_close(mu[t], mu_ref[t], mu_scale[t], SUM_REL, &what);
            }
            // Empty lanes add nothing.
            for k in width..LANES {
                assert!(sums.iter().all(|s| s[k] == 0.0));
            }
        }
    }
}
