//! The baseline's block of data columns (intercept, trend, controls, Fourier features) in the
//! mean: its forward pass over all columns at once, and its reverse pass, every column's dot
//! with ∂L/∂μ in one sweep over the periods.

/// Periods per block of the columns' layout: one AVX-512 register of each column.
const BLOCK: usize = 8;

/// Lanes of each column's dot in the reverse pass: period t adds into lane t mod 4, as
/// [`crate::transform::dot`] does, so every column's sum has its bits.
const LANES: usize = 4;

/// Most columns one reverse sweep carries: their partial sums stay in registers while the
/// sweep reads ∂L/∂μ once.
const MAX_SWEEP: usize = 8;

/// The baseline's data columns X_j (j < p, the first the intercept's column of ones) over n
/// periods, blocked by periods so that both passes read them in order, with no bounds check
/// per column: `blocks[i * p + j]` holds column j at periods 8i..8i + 8 (zero past the last
/// period).
#[derive(Debug, Clone)]
pub(crate) struct BaselineColumns {
    n: usize,
    p: usize,
    blocks: Vec<[f64; BLOCK]>,
}

impl BaselineColumns {
    /// From `p` columns of `n` periods, column-major in `cols` (column j at
    /// `cols[j * n..(j + 1) * n]`).
    pub(crate) fn new(cols: &[f64], n: usize, p: usize) -> BaselineColumns {
        assert_eq!(cols.len(), n * p, "p columns of n periods");
        let mut blocks = vec![[0.0; BLOCK]; n.div_ceil(BLOCK) * p];
        for j in 0..p {
            for (t, x) in cols[j * n..(j + 1) * n].iter().enumerate() {
                blocks[(t / BLOCK) * p + j][t % BLOCK] = *x;
            }
        }
        BaselineColumns { n, p, blocks }
    }

    /// μ_t = Σ_j c_j·X_jt into `mu` (n periods) for the coefficients `coefs` (p of them), the
    /// intercept's first: [`BLOCK`] periods at a time, their sums held in registers over the
    /// columns and stored once. Each μ_t starts at the intercept and adds its other terms in
    /// column order, as one `axpy` per column would (the same bits).
    #[inline(always)]
    pub(crate) fn forward(&self, mu: &mut [f64], coefs: &[f64]) {
        let p = self.p;
        let mu = &mut mu[..self.n];
        if p == 0 {
            return;
        }
        let coefs = &coefs[..p];
        let block = |cols: &[[f64; BLOCK]]| {
            let mut acc = [coefs[0]; BLOCK];
            for (c, x) in coefs[1..].iter().zip(&cols[1..]) {
                for l in 0..BLOCK {
                    acc[l] += c * x[l];
                }
            }
            acc
        };
        let mut blocks = self.blocks.chunks_exact(p);
        let mut periods = mu.chunks_exact_mut(BLOCK);
        for (out, cols) in (&mut periods).zip(&mut blocks) {
            out.copy_from_slice(&block(cols));
        }
        let rest = periods.into_remainder();
        if let Some(cols) = blocks.next() {
            for (m, v) in rest.iter_mut().zip(block(cols)) {
                *m = v;
            }
        }
    }

    /// Σ_t ∂L/∂μ_t·X_jt for every column into `out` (p of them), each with the bits of
    /// [`crate::transform::dot`] (the column of ones: of [`crate::transform::sum`]): up to
    /// [`MAX_SWEEP`] columns per sweep over the periods, each column with its own partial sums,
    /// so the sweep is bound by the multiply-adds' throughput instead of one column's chain of
    /// dependent adds.
    #[inline(always)]
    pub(crate) fn adjoint(&self, d_mu: &[f64], out: &mut [f64]) {
        let d_mu = &d_mu[..self.n];
        let p = self.p;
        let out = &mut out[..p];
        let mut j = 0;
        while j < p {
            // The columns left, split evenly over the sweeps they need.
            let left = p - j;
            let k = left.div_ceil(left.div_ceil(MAX_SWEEP));
            let sums = &mut out[j..j + k];
            match k {
                1 => self.dots::<1>(d_mu, j, sums),
                2 => self.dots::<2>(d_mu, j, sums),
                3 => self.dots::<3>(d_mu, j, sums),
                4 => self.dots::<4>(d_mu, j, sums),
                5 => self.dots::<5>(d_mu, j, sums),
                6 => self.dots::<6>(d_mu, j, sums),
                7 => self.dots::<7>(d_mu, j, sums),
                _ => self.dots::<MAX_SWEEP>(d_mu, j, sums),
            }
            j += k;
        }
    }

    /// [`BaselineColumns::adjoint`] for the `K` columns from `first` on, in one sweep.
    #[inline(always)]
    fn dots<const K: usize>(&self, d_mu: &[f64], first: usize, out: &mut [f64]) {
        let (n, p) = (self.n, self.p);
        let mut acc = [[0.0; LANES]; K];
        let full = n / BLOCK;
        for (i, dm) in d_mu.chunks_exact(BLOCK).enumerate() {
            let cols = &self.blocks[i * p + first..][..K];
            // Periods 8i..8i + 4, then 8i + 4..8i + 8: each lane in period order.
            for half in [0, LANES] {
                let dm: [f64; LANES] = dm[half..half + LANES].try_into().expect("four periods");
                for (a, x) in acc.iter_mut().zip(cols) {
                    let x: [f64; LANES] = x[half..half + LANES].try_into().expect("four periods");
                    for l in 0..LANES {
                        a[l] += dm[l] * x[l];
                    }
                }
            }
        }
        // The last periods: a whole four into the lanes, the rest in order, as `dot`.
        let rest = &d_mu[full * BLOCK..];
        let mut tail_from = 0;
        if rest.len() >= LANES {
            let cols = &self.blocks[full * p + first..][..K];
            for (a, x) in acc.iter_mut().zip(cols) {
                for l in 0..LANES {
                    a[l] += rest[l] * x[l];
                }
            }
            tail_from = LANES;
        }
        for (k, (o, a)) in out.iter_mut().zip(&acc).enumerate() {
            let x: &[f64] = self
                .blocks
                .get(full * p + first + k)
                .map_or(&[], |x| &x[tail_from..]);
            let tail: f64 = rest[tail_from..].iter().zip(x).map(|(d, x)| d * x).sum();
            *o = (a[0] + a[1]) + (a[2] + a[3]) + tail;
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::transform::{dot, sum};

    fn same_bits(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    }

    /// The fused baseline gives the bits of one `axpy` per column, at every length.
    #[test]
    fn fused_baseline_equals_one_pass_per_column_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for n in 0..30 {
            for p in 0..6 {
                let cols: Vec<f64> = (0..n * p).map(|_| rng.random_range(-3.0..3.0)).collect();
                let coefs: Vec<f64> = (0..p).map(|_| rng.random_range(-2.0..2.0)).collect();
                let b = rng.random_range(-1.0..1.0);
                let mut want = vec![b; n];
                for (j, c) in coefs.iter().enumerate() {
                    for (w, x) in want.iter_mut().zip(&cols[j * n..(j + 1) * n]) {
                        *w += c * x;
                    }
                }
                let mut all = vec![1.0; n];
                all.extend_from_slice(&cols);
                let coefs: Vec<f64> = std::iter::once(b).chain(coefs).collect();
                let mut got = vec![f64::NAN; n];
                BaselineColumns::new(&all, n, p + 1).forward(&mut got, &coefs);
                assert!(same_bits(&got, &want), "n {n}, {p} columns");
            }
        }
    }

    /// The fused reverse pass gives each column the bits of its own `dot` (and a column of
    /// ones those of `sum`), at every length and for every number of columns, so blocks of
    /// every size and the split into several sweeps are covered.
    #[test]
    fn fused_reverse_equals_one_dot_per_column_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        for n in 0..30 {
            for p in 0..=2 * MAX_SWEEP + 3 {
                let d_mu: Vec<f64> = (0..n).map(|_| rng.random_range(-5.0..5.0)).collect();
                let mut cols: Vec<f64> = vec![1.0; n];
                cols.extend((0..n * p.saturating_sub(1)).map(|_| rng.random_range(-3.0..3.0)));
                cols.truncate(n * p);
                let want: Vec<f64> = (0..p)
                    .map(|j| dot(&d_mu, &cols[j * n..(j + 1) * n]))
                    .collect();
                let mut got = vec![f64::NAN; p];
                BaselineColumns::new(&cols, n, p).adjoint(&d_mu, &mut got);
                assert!(same_bits(&got, &want), "n {n}, {p} columns");
                if p > 0 {
                    assert_eq!(got[0].to_bits(), sum(&d_mu).to_bits(), "n {n}: the sum");
                }
            }
        }
    }
}
