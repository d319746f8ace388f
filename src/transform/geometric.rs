//! Geometric adstock in O(T) whatever the max lag: the truncated convolution with
//! w_l = w_0·α^l and its lag moment by a blocked recursion, and the adjoint to α.
//!
//! The textbook recursion a_t = α·a_{t−1} + w_0·(x_t − α^L·x_{t−L}) is exact in real numbers but
//! subtracts: after a large spend leaves the window, what remains is a difference of nearly
//! equal numbers, and a window of zero spend comes out as round-off instead of exactly 0 (which
//! the Hill slope at zero adstock needs). The same O(T) cost without a subtraction: cut the
//! periods into blocks of L. The window of period t (the L periods up to t) covers the start of
//! t's block up to t — a running sum P_t = α·P_{t−1} + x_t restarted at every block — and the
//! tail of the previous block, a suffix sum R of that block scaled by α^(t − block start + 1).
//! Every term is non-negative, so the result agrees with the direct convolution to a few ulps
//! times L, and is exactly 0 where the window holds no spend.
//!
//! The lag moment m_t = Σ_l l·w_l·x_{t−l} gives ∂a_t/∂α = (m_t − m̄·a_t)/α with m̄ = Σ_l l·w_l
//! for normalised weights (m̄ = 0 unnormalised), so the gradient needs no weight adjoint:
//! ∂L/∂α = (Σ_t g_t m_t − m̄ Σ_t g_t a_t)/α.

use super::reduce::dot;

/// From this max lag on, the blocked recursion beats the direct convolution (measured with
/// `cargo bench --bench density`; see docs/performance.md). Both are exact.
pub const GEOMETRIC_RECURSION_MIN_LAG: usize = 4;

/// Blocks of one series the recursion runs in lockstep: each block's running sums are an
/// independent chain of dependent multiply-adds, so four of them keep the CPU busy where one
/// would wait on every add. The arithmetic per block is unchanged.
const LOCKSTEP_BLOCKS: usize = 4;

/// Length of the scratch slice [`geometric_adstock`] needs for a max lag of `lags`.
pub fn geometric_scratch_len(lags: usize) -> usize {
    (lags + 1) * (1 + 2 * LOCKSTEP_BLOCKS)
}

/// The adstocked series a_t = Σ_{l<L} w_l x_{t−l} and its lag moment
/// m_t = Σ_{l<L} l·w_l·x_{t−l} (spend before the first row is 0), for geometric weights
/// `w` (w_l = w_0·α^l, normalised or not; L = `w.len()`).
///
/// Picks the blocked O(T) recursion ([`geometric_recursion`]) from
/// [`GEOMETRIC_RECURSION_MIN_LAG`] lags on, the direct O(T·L) convolution below.
///
/// # Panics
/// If the slices' lengths differ from `x.len()`, or `scratch` is shorter than
/// [`geometric_scratch_len`].
#[inline(always)]
pub fn geometric_adstock(
    alpha: f64,
    w: &[f64],
    x: &[f64],
    a: &mut [f64],
    moment: &mut [f64],
    scratch: &mut [f64],
) {
    if w.len() >= GEOMETRIC_RECURSION_MIN_LAG {
        geometric_recursion(alpha, w[0], w.len(), x, a, moment, scratch);
    } else {
        convolve_with_moment(w, x, a, moment);
    }
}

/// The direct convolution a_t = Σ_{l<L} w_l x_{t−l} with the lag moment
/// m_t = Σ_{l<L} l·w_l·x_{t−l}. O(T·L), in registers: four periods at a time, their sums held
/// over all lags and stored once (each sum adds its terms in lag order, as term by term).
///
/// # Panics
/// If `a` or `moment` is not as long as `x`.
#[inline(always)]
pub fn convolve_with_moment(w: &[f64], x: &[f64], a: &mut [f64], moment: &mut [f64]) {
    const V: usize = 4;
    let n = x.len();
    assert!(a.len() == n && moment.len() == n, "adstock output length");
    // Periods whose window reaches before the first row, then whole windows V at a time.
    let head = w.len().saturating_sub(1).min(n);
    let window = |t: usize| -> (f64, f64) {
        let (mut s, mut m) = (0.0, 0.0);
        for (l, wl) in w.iter().enumerate().take(t + 1) {
            s += wl * x[t - l];
            m += l as f64 * wl * x[t - l];
        }
        (s, m)
    };
    for t in 0..head {
        (a[t], moment[t]) = window(t);
    }
    let mut t = head;
    while t + V <= n {
        let (mut s, mut m) = ([0.0; V], [0.0; V]);
        for (l, wl) in w.iter().enumerate() {
            let lw = l as f64 * wl;
            let xs: [f64; V] = x[t - l..t - l + V].try_into().expect("V periods");
            for k in 0..V {
                s[k] += wl * xs[k];
                m[k] += lw * xs[k];
            }
        }
        a[t..t + V].copy_from_slice(&s);
        moment[t..t + V].copy_from_slice(&m);
        t += V;
    }
    for t in t..n {
        (a[t], moment[t]) = window(t);
    }
}

/// The blocked O(T) recursion of the geometric convolution (see the module docs), with
/// w_l = `w0`·α^l for l < `lags`. Writes a_t into `a` and the lag moment into `moment`.
///
/// # Panics
/// If `a` or `moment` is not as long as `x`, or `scratch` is shorter than
/// [`geometric_scratch_len`]`(lags)`.
#[inline(always)]
pub fn geometric_recursion(
    alpha: f64,
    w0: f64,
    lags: usize,
    x: &[f64],
    a: &mut [f64],
    moment: &mut [f64],
    scratch: &mut [f64],
) {
    let n = x.len();
    assert!(a.len() == n && moment.len() == n, "adstock output length");
    assert!(
        scratch.len() >= geometric_scratch_len(lags),
        "geometric adstock scratch"
    );
    if lags == 0 {
        a.fill(0.0);
        moment.fill(0.0);
        return;
    }
    const B: usize = LOCKSTEP_BLOCKS;
    // pw[e] = α^e (e ≤ L). For block k of a group of B: r[i·B + k], rm[i·B + k] are the suffix
    // sums Σ_{u ≥ i} α^e x_u and Σ_{u ≥ i} e·α^e x_u over the previous block, e = L − 1 − u;
    // zero before the first row, and at i = L (a window that is the block itself).
    let (pw, rest) = scratch.split_at_mut(lags + 1);
    let (r, rm) = rest.split_at_mut((lags + 1) * B);
    let rm = &mut rm[..(lags + 1) * B];
    pw[0] = 1.0;
    for e in 1..=lags {
        pw[e] = pw[e - 1] * alpha;
    }
    r[lags * B..].fill(0.0);
    rm[lags * B..].fill(0.0);
    let blocks = n.div_ceil(lags);
    for group in (0..blocks).step_by(B) {
        // The suffix sums of the group's blocks, from the blocks before them (always full).
        let (mut acc, mut acc_m) = ([0.0; B], [0.0; B]);
        for i in (0..lags).rev() {
            let e = lags - 1 - i;
            for k in 0..B {
                let block = group + k;
                let v = if block > 0 && block < blocks {
                    pw[e] * x[(block - 1) * lags + i]
                } else {
                    0.0
                };
                acc[k] += v;
                acc_m[k] += e as f64 * v;
                r[i * B + k] = acc[k];
                rm[i * B + k] = acc_m[k];
            }
        }
        // Over [block start, t]: p = Σ α^(t−s) x_s, m = Σ (t−s)·α^(t−s) x_s, per block.
        let (mut p, mut m) = ([0.0; B], [0.0; B]);
        for d in 1..=lags {
            let scale = pw[d];
            for k in 0..B {
                let t = (group + k) * lags + d - 1;
                if t >= n {
                    continue;
                }
                m[k] = alpha * (m[k] + p[k]);
                p[k] = alpha * p[k] + x[t];
                // The tail of the previous block: periods start − L + d .. start − 1.
                let (rd, rmd) = (r[d * B + k], rm[d * B + k]);
                a[t] = w0 * (p[k] + scale * rd);
                moment[t] = w0 * (m[k] + scale * (d as f64 * rd + rmd));
            }
        }
    }
}

/// ∂L/∂α of geometric adstock from Σ_t g_t a_t (`g_dot_a`) and Σ_t g_t m_t (`g_dot_moment`),
/// g_t = ∂L/∂a_t, for the weights `w` (normalised or not as `normalize` says).
pub fn geometric_alpha_adjoint(
    alpha: f64,
    w: &[f64],
    normalize: bool,
    g_dot_a: f64,
    g_dot_moment: f64,
) -> f64 {
    let mean_lag = if normalize {
        w.iter().enumerate().map(|(l, wl)| l as f64 * wl).sum()
    } else {
        0.0
    };
    (g_dot_moment - mean_lag * g_dot_a) / alpha
}

/// Σ_t g_t a_t and Σ_t g_t m_t, the two reductions [`geometric_alpha_adjoint`] needs.
pub fn geometric_reductions(g: &[f64], a: &[f64], moment: &[f64]) -> (f64, f64) {
    (dot(g, a), dot(g, moment))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::AdstockKind;
    use crate::transform::adstock::convolve;
    use crate::transform::finite_diff::{assert_matches_fd, central_diff_rel};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The fast paths and the direct convolution sum the same non-negative terms in another
    /// order, with α^l from repeated products instead of exp(l·ln α).
    const FAST_VS_DIRECT_REL: f64 = 1e-12;

    fn spend(n: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
        crate::transform::finite_diff::sparse_spend(n, rng)
    }

    fn weights(alpha: f64, lags: usize, normalize: bool) -> Vec<f64> {
        let mut w = vec![0.0; lags];
        AdstockKind::Geometric.weights(&[alpha], normalize, &mut w);
        w
    }

    /// The direct lag moment, term by term.
    fn direct_moment(w: &[f64], x: &[f64]) -> Vec<f64> {
        (0..x.len())
            .map(|t| {
                (0..w.len().min(t + 1))
                    .map(|l| l as f64 * w[l] * x[t - l])
                    .sum()
            })
            .collect()
    }

    fn assert_close(got: &[f64], want: &[f64], what: &str) {
        for (t, (g, w)) in got.iter().zip(want).enumerate() {
            if *w == 0.0 {
                assert!(
                    *g == 0.0,
                    "{what} t={t}: {g} where the window holds no spend"
                );
            } else {
                let rel = (g - w).abs() / w.abs();
                assert!(
                    rel <= FAST_VS_DIRECT_REL,
                    "{what} t={t}: {g} vs {w} (rel {rel:e})"
                );
            }
        }
    }

    #[test]
    fn fast_paths_match_the_direct_convolution_on_random_inputs() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        for case in 0..300 {
            let lags = match case % 3 {
                0 => rng.random_range(1..8),
                1 => rng.random_range(8..40),
                _ => rng.random_range(40..130),
            };
            let n = rng.random_range(1..400);
            let alpha = rng.random_range(0.05..0.99);
            let normalize = rng.random_bool(0.5);
            let x = spend(n, &mut rng);
            let w = weights(alpha, lags, normalize);
            let mut direct = vec![0.0; n];
            convolve(&w, &x, &mut direct);
            let moment = direct_moment(&w, &x);
            let what = format!("alpha={alpha} L={lags} T={n} normalize={normalize}");
            let (mut a, mut m) = (vec![f64::NAN; n], vec![f64::NAN; n]);
            let mut scratch = vec![f64::NAN; geometric_scratch_len(lags)];
            geometric_recursion(alpha, w[0], lags, &x, &mut a, &mut m, &mut scratch);
            assert_close(&a, &direct, &format!("recursion a, {what}"));
            assert_close(&m, &moment, &format!("recursion moment, {what}"));
            convolve_with_moment(&w, &x, &mut a, &mut m);
            assert_close(&a, &direct, &format!("direct a, {what}"));
            assert_close(&m, &moment, &format!("direct moment, {what}"));
            geometric_adstock(alpha, &w, &x, &mut a, &mut m, &mut scratch);
            assert_close(&a, &direct, &format!("dispatch a, {what}"));
        }
    }

    #[test]
    fn a_large_spend_leaving_the_window_leaves_an_exact_result() {
        // Direct: only the tiny spend at t = 9 is in the window of t = 16 (L = 8).
        let mut x = vec![0.0; 30];
        x[8] = 1e9;
        x[9] = 1e-9;
        let w = weights(0.9, 8, true);
        let (mut a, mut m) = (vec![0.0; 30], vec![0.0; 30]);
        let mut scratch = vec![0.0; geometric_scratch_len(8)];
        geometric_recursion(0.9, w[0], 8, &x, &mut a, &mut m, &mut scratch);
        let mut direct = vec![0.0; 30];
        convolve(&w, &x, &mut direct);
        assert_close(&a, &direct, "after a spike");
        assert!(a[17..].iter().all(|v| *v == 0.0));
    }

    /// L(α) = Σ_t c_t a_t(α)², g_t = 2 c_t a_t.
    fn loss(alpha: f64, lags: usize, normalize: bool, x: &[f64], c: &[f64]) -> f64 {
        let w = weights(alpha, lags, normalize);
        let mut a = vec![0.0; x.len()];
        convolve(&w, x, &mut a);
        a.iter().zip(c).map(|(at, ct)| ct * at * at).sum()
    }

    #[test]
    fn alpha_adjoint_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for case in 0..40 {
            let lags = [3, 8, 20, 60][case % 4];
            let n = rng.random_range(10..200);
            let alpha = rng.random_range(0.05..0.95);
            let normalize = case % 2 == 0;
            let x = spend(n, &mut rng);
            let c = spend(n, &mut rng);
            let w = weights(alpha, lags, normalize);
            let (mut a, mut m) = (vec![0.0; n], vec![0.0; n]);
            let mut scratch = vec![0.0; geometric_scratch_len(lags)];
            geometric_adstock(alpha, &w, &x, &mut a, &mut m, &mut scratch);
            let g: Vec<f64> = a.iter().zip(&c).map(|(at, ct)| 2.0 * ct * at).collect();
            let (ga, gm) = geometric_reductions(&g, &a, &m);
            let d_alpha = geometric_alpha_adjoint(alpha, &w, normalize, ga, gm);
            let fd = central_diff_rel(|v| loss(v, lags, normalize, &x, &c), alpha);
            let what = format!("alpha={alpha} L={lags} normalize={normalize}");
            assert_matches_fd(d_alpha, fd, &what);
        }
    }
}
