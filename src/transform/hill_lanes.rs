//! Geometric adstock and Hill saturation of up to four channels at once, one channel in each
//! lane of a vector register, with max lags that may differ between the lanes.
//!
//! The adstock is the direct convolution a_t = Σ_{l<L} w_l·x_{t−l} with its lag moment
//! m_t = Σ_{l<L} l·w_l·x_{t−l}, over the group's longest max lag L: a lane with a shorter lag
//! has zero weights past it, and the spend has L − 1 zero rows in front, so every period takes
//! the same L terms. A zero weight or a zero row adds exactly +0 to a sum of non-negative
//! terms, so each lane gives the bits of [`convolve_with_moment`](super::convolve_with_moment)
//! with its own weights (the one-channel path's recursion agrees with it to a few ulps times L).
//!
//! The Hill curve f = σ(r), r = S·(ln a − ln K), is then taken along each lane's periods (four
//! periods per vector: the curve's selects keep the compiler from vectorising it across the
//! lanes of one period), with the arithmetic of [`hill_series`](super::hill_series). It keeps
//! what the reverse sweep needs without a division by a or K per period: with q = f·(1 − f),
//! ∂f/∂K = −S·q/K, ∂f/∂S = q·ln(a/K), and the adstock adjoint
//! g = β·∂L/∂μ·∂f/∂a = β·∂L/∂μ·S·q/a enters the gradient only through Σ g·a = β·S·Σ ∂L/∂μ·q and
//! Σ g·m = β·S·Σ ∂L/∂μ·q·(m/a). So it stores f, q, ln(a/K) and the mean lag ρ = m/a ∈ [0, L).
//! At a = 0 all four are 0: f and its parameter derivatives take their limits (0), and g·a and
//! g·m are 0 whatever the slope there (infinite for S < 1), as in the one-channel path.

use super::lanes::{LANES, Lanes};
use super::vexp::{exp_nonpositive, ln_nonnegative};

/// The forward pass's outputs for the reverse sweep (see the module docs), lane-major: lane
/// k's series at `k * n..(k + 1) * n`.
#[derive(Debug, Clone, Default)]
pub struct HillLaneSeries {
    n: usize,
    /// Adstocked spend a_t (scratch of the forward pass).
    a: Vec<f64>,
    /// Lag moment m_t (scratch of the forward pass).
    moment: Vec<f64>,
    /// Saturation f(a_t).
    pub f: Vec<f64>,
    /// q = f·(1 − f) (0 at a = 0).
    pub q: Vec<f64>,
    /// ln(a_t/K) (0 at a = 0).
    pub log_ratio: Vec<f64>,
    /// Mean lag m_t/a_t (0 at a = 0).
    pub mean_lag: Vec<f64>,
}

impl HillLaneSeries {
    /// Buffers for `n` periods.
    pub fn new(n: usize) -> HillLaneSeries {
        let buf = || vec![0.0; LANES * n];
        HillLaneSeries {
            n,
            a: buf(),
            moment: buf(),
            f: buf(),
            q: buf(),
            log_ratio: buf(),
            mean_lag: buf(),
        }
    }

    /// Lane `k`'s part of `series` (one of the public fields).
    pub fn lane<'a>(&self, series: &'a [f64], k: usize) -> &'a [f64] {
        &series[k * self.n..(k + 1) * self.n]
    }
}

/// Per-lane parameters of a Hill group, the weights padded with zeros to the group's max lag.
#[derive(Debug, Clone, PartialEq)]
pub struct HillLaneParams {
    /// w_l per lane, l < the group's max lag (0 past a lane's own).
    pub w: Vec<Lanes>,
    /// l·w_l per lane.
    pub lw: Vec<Lanes>,
    /// ln K per lane.
    pub ln_k: Lanes,
    /// Slope S per lane.
    pub s: Lanes,
    /// Coefficient β per lane.
    pub beta: Lanes,
}

impl HillLaneParams {
    /// Parameters for a group whose longest max lag is `lags` (all zero: empty lanes add 0).
    pub fn new(lags: usize) -> HillLaneParams {
        HillLaneParams {
            w: vec![[0.0; LANES]; lags],
            lw: vec![[0.0; LANES]; lags],
            ln_k: [0.0; LANES],
            s: [1.0; LANES],
            beta: [0.0; LANES],
        }
    }

    /// Sets lane `lane`'s weights (`w.len()` ≤ the group's max lag), half-saturation, slope and
    /// coefficient.
    ///
    /// # Panics
    /// If `w` is longer than the group's max lag or `lane` ≥ [`LANES`].
    pub fn set_lane(&mut self, lane: usize, w: &[f64], k: f64, s: f64, beta: f64) {
        assert!(
            w.len() <= self.w.len(),
            "lane lag beyond the group's max lag"
        );
        for l in 0..self.w.len() {
            let wl = w.get(l).copied().unwrap_or(0.0);
            self.w[l][lane] = wl;
            self.lw[l][lane] = l as f64 * wl;
        }
        self.ln_k[lane] = k.ln();
        self.s[lane] = s;
        self.beta[lane] = beta;
    }
}

/// Up to [`LANES`] spend series of equal length interleaved by period, after `lags − 1` zero
/// rows: the input of [`geometric_hill_forward`] for a group of max lag `lags` (≥ 1).
///
/// # Panics
/// If `lags` is 0, more than [`LANES`] series are given, or their lengths differ.
pub fn interleave_padded(series: &[&[f64]], lags: usize) -> Vec<Lanes> {
    assert!(lags > 0, "a group needs a lag");
    let mut x = vec![[0.0; LANES]; lags - 1];
    x.extend(super::lanes::interleave(series));
    x
}

/// The adstock and Hill curve of the four lanes of `x` (from [`interleave_padded`]): fills
/// `out` and adds β_k·f_k(t) to `mu[t]` lane by lane, in lane order.
///
/// The convolution runs across the lanes (one vector of four channels per lag), the curve
/// along the periods of each lane (four periods per vector), so both vectorise.
///
/// # Panics
/// If `p` has no lag, `x` has fewer than `lags − 1` rows, or `out` or `mu` is shorter than the
/// periods.
#[inline(always)]
pub fn geometric_hill_forward(
    p: &HillLaneParams,
    x: &[Lanes],
    out: &mut HillLaneSeries,
    mu: &mut [f64],
) {
    let lags = p.w.len();
    assert!(lags > 0 && x.len() + 1 >= lags, "padded spend");
    let n = x.len() + 1 - lags;
    assert!(out.n == n && mu.len() >= n, "series length");
    let (w, lw) = (&p.w[..lags], &p.lw[..lags]);
    {
        let (a_out, m_out) = (&mut out.a[..LANES * n], &mut out.moment[..LANES * n]);
        for t in 0..n {
            // Row t + lags − 1 of x is period t; lag l is row t + lags − 1 − l.
            let window = &x[t..t + lags];
            let (mut a, mut m) = ([0.0; LANES], [0.0; LANES]);
            for l in 0..lags {
                let xs = window[lags - 1 - l];
                for k in 0..LANES {
                    a[k] += w[l][k] * xs[k];
                    m[k] += lw[l][k] * xs[k];
                }
            }
            for k in 0..LANES {
                a_out[k * n + t] = a[k];
                m_out[k * n + t] = m[k];
            }
        }
    }
    for k in 0..LANES {
        let lane = k * n..(k + 1) * n;
        hill_lane(
            p.ln_k[k],
            p.s[k],
            [&out.a[lane.clone()], &out.moment[lane.clone()]],
            [
                &mut out.f[lane.clone()],
                &mut out.q[lane.clone()],
                &mut out.log_ratio[lane.clone()],
                &mut out.mean_lag[lane],
            ],
        );
    }
    let mu = &mut mu[..n];
    let f = &out.f[..LANES * n];
    for t in 0..n {
        let mut v = mu[t];
        for k in 0..LANES {
            v += p.beta[k] * f[k * n + t];
        }
        mu[t] = v;
    }
}

/// One lane's Hill curve over its periods, from `[a, m]`: f, q, ln(a/K) and m/a into `out`
/// (all 0 where a = 0), with the arithmetic of `hill_series`.
#[inline(always)]
fn hill_lane(ln_k: f64, s: f64, input: [&[f64]; 2], out: [&mut [f64]; 4]) {
    let [a, m] = input;
    let n = a.len();
    let m = &m[..n];
    let [f, q, lr, rho] = out;
    let (f, q, lr, rho) = (&mut f[..n], &mut q[..n], &mut lr[..n], &mut rho[..n]);
    for t in 0..n {
        let at = a[t];
        let zero = at == 0.0;
        let log_ratio = ln_nonnegative(at) - ln_k;
        let r = s * log_ratio;
        let e = exp_nonpositive(-r.abs());
        let inv = 1.0 / (1.0 + e);
        let qt = e * inv * inv;
        f[t] = if zero {
            0.0
        } else if r >= 0.0 {
            inv
        } else {
            e * inv
        };
        q[t] = if zero { 0.0 } else { qt };
        lr[t] = if zero { 0.0 } else { log_ratio };
        rho[t] = if zero { 0.0 } else { m[t] / at };
    }
}

/// Partial sums per reduction in [`geometric_hill_sweep`]: one AVX2 register.
const PARTIALS: usize = 4;

/// The reverse sweep of a Hill group from d log p / d μ (`d_mu`): per lane
/// `[Σ ∂L/∂μ·f, Σ ∂L/∂μ·q, Σ ∂L/∂μ·q·ln(a/K), Σ ∂L/∂μ·q·m/a]`. With them, for a lane with
/// coefficient β, slope S and half-saturation K: ∂L/∂β is the first, ∂L/∂K = −β·S/K times the
/// second, ∂L/∂S = β times the third, and the adstock adjoint's Σ g·a and Σ g·m are β·S times
/// the second and the fourth.
#[inline(always)]
pub fn geometric_hill_sweep(d_mu: &[f64], s: &HillLaneSeries) -> [Lanes; 4] {
    let n = s.n;
    let d_mu = &d_mu[..n];
    let mut out = [[0.0; LANES]; 4];
    let full = n - n % PARTIALS;
    for k in 0..LANES {
        let (f, q) = (s.lane(&s.f, k), s.lane(&s.q, k));
        let (lr, rho) = (s.lane(&s.log_ratio, k), s.lane(&s.mean_lag, k));
        let mut acc = [[0.0; PARTIALS]; 4];
        for start in (0..full).step_by(PARTIALS) {
            let chunk =
                |v: &[f64]| -> [f64; PARTIALS] { v[start..start + PARTIALS].try_into().unwrap() };
            let (dm, ft, qt) = (chunk(d_mu), chunk(f), chunk(q));
            let (lrt, rhot) = (chunk(lr), chunk(rho));
            for j in 0..PARTIALS {
                let dq = dm[j] * qt[j];
                acc[0][j] += dm[j] * ft[j];
                acc[1][j] += dq;
                acc[2][j] += dq * lrt[j];
                acc[3][j] += dq * rhot[j];
            }
        }
        let mut sums = acc.map(|v| (v[0] + v[1]) + (v[2] + v[3]));
        for t in full..n {
            let (dm, dq) = (d_mu[t], d_mu[t] * q[t]);
            sums[0] += dm * f[t];
            sums[1] += dq;
            sums[2] += dq * lr[t];
            sums[3] += dq * rho[t];
        }
        for (o, v) in out.iter_mut().zip(sums) {
            o[k] = v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::{AdstockKind, convolve_with_moment, hill_series};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The lanes against the one-channel kernels: the same Hill arithmetic on the same
    /// adstock, the sweep's sums reassociated.
    const SWEEP_REL: f64 = 1e-12;

    fn spend(n: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
        crate::transform::finite_diff::sparse_spend(n, rng)
    }

    /// Lanes of different max lags give each channel's direct convolution and Hill series bit
    /// for bit, and the sweep's sums agree with the one-channel derivatives summed term by term.
    #[test]
    fn hill_lanes_match_the_one_channel_kernels() {
        let mut rng = ChaCha8Rng::seed_from_u64(52);
        for case in 0..60 {
            let n = rng.random_range(1..200);
            let width = 1 + case % LANES;
            let lag_of: Vec<usize> = (0..width).map(|_| rng.random_range(1..16)).collect();
            let lags = *lag_of.iter().max().unwrap();
            let xs: Vec<Vec<f64>> = (0..width).map(|_| spend(n, &mut rng)).collect();
            let refs: Vec<&[f64]> = xs.iter().map(|v| v.as_slice()).collect();
            let x = interleave_padded(&refs, lags);
            let mut p = HillLaneParams::new(lags);
            let mut lane = Vec::new();
            for (k, &lag) in lag_of.iter().enumerate() {
                let alpha = rng.random_range(0.05..0.97);
                let mut w = vec![0.0; lag];
                AdstockKind::Geometric.weights(&[alpha], case % 2 == 0, &mut w);
                let (kk, s) = (rng.random_range(0.05..3.0), rng.random_range(0.2..5.0));
                let beta = rng.random_range(0.0..3.0);
                p.set_lane(k, &w, kk, s, beta);
                lane.push((w, kk, s, beta));
            }
            let mu0: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let d_mu: Vec<f64> = (0..n).map(|_| rng.random_range(-2.0..2.0)).collect();
            let mut series = HillLaneSeries::new(n);
            let mut mu = mu0.clone();
            geometric_hill_forward(&p, &x, &mut series, &mut mu);
            let sums = geometric_hill_sweep(&d_mu, &series);
            let mut mu_ref = mu0;
            for (k, (w, kk, s, beta)) in lane.iter().enumerate() {
                let (mut a, mut m) = (vec![0.0; n], vec![0.0; n]);
                convolve_with_moment(w, &xs[k], &mut a, &mut m);
                let mut out = [vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]];
                let [f, da, dk, ds] = &mut out;
                hill_series(*kk, *s, &a, [f, da, dk, ds]);
                let [f, da, dk, ds] = &out;
                // The one-channel sums, term by term, and the sums of their magnitudes.
                let (mut want, mut size) = ([0.0; 4], [0.0; 4]);
                for t in 0..n {
                    mu_ref[t] += beta * f[t];
                    assert_eq!(
                        series.lane(&series.f, k)[t].to_bits(),
                        f[t].to_bits(),
                        "f, case {case}"
                    );
                    let g = if da[t] == 0.0 || !da[t].is_finite() {
                        0.0
                    } else {
                        d_mu[t] * da[t]
                    };
                    let terms = [d_mu[t] * f[t], d_mu[t] * dk[t], d_mu[t] * ds[t], g * m[t]];
                    for j in 0..4 {
                        want[j] += terms[j];
                        size[j] += terms[j].abs();
                    }
                }
                // The lanes' sums mapped to the same four quantities.
                let got = [sums[0][k], -s / kk * sums[1][k], sums[2][k], s * sums[3][k]];
                for j in 0..4 {
                    assert!(
                        (got[j] - want[j]).abs() <= SWEEP_REL * size[j].max(f64::MIN_POSITIVE),
                        "sum {j}, lane {k}, case {case}: {} vs {}",
                        got[j],
                        want[j]
                    );
                }
            }
            for t in 0..n {
                assert_eq!(mu[t].to_bits(), mu_ref[t].to_bits(), "mu, case {case}");
            }
        }
    }
}
