//! Dot products and sums with four independent partial sums, so a reduction is limited by the
//! throughput of the floating-point adds instead of their latency.
//!
//! Rust keeps the order of floating-point additions, so `iter().sum()` is one strictly ordered
//! chain: every add waits for the previous one (about 4 cycles each). Four chains interleaved
//! run about four times faster and let the compiler use vector registers; the result differs
//! from the ordered sum by round-off only.

/// Σ a_i b_i over the common length.
#[inline(always)]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; 4];
    let (ac, bc) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for ((s, xi), yi) in acc.iter_mut().zip(x).zip(y) {
            *s += xi * yi;
        }
    }
    let tail: f64 = ar.iter().zip(br).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Σ g_i x_i over the common length, with the terms where x_i = 0 taken as exactly 0 (never
/// 0 · ∞ = NaN): the adjoint of a convolution with spend x, where g may be infinite at periods
/// that no spend reaches.
#[inline(always)]
pub fn dot_where_nonzero(g: &[f64], x: &[f64]) -> f64 {
    let n = g.len().min(x.len());
    let (g, x) = (&g[..n], &x[..n]);
    let term = |gi: f64, xi: f64| if xi == 0.0 { 0.0 } else { gi * xi };
    let mut acc = [0.0; 4];
    let (gc, xc) = (g.chunks_exact(4), x.chunks_exact(4));
    let (gr, xr) = (gc.remainder(), xc.remainder());
    for (a, b) in gc.zip(xc) {
        for ((s, gi), xi) in acc.iter_mut().zip(a).zip(b) {
            *s += term(*gi, *xi);
        }
    }
    let tail: f64 = gr.iter().zip(xr).map(|(a, b)| term(*a, *b)).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Σ a_i.
#[inline(always)]
pub fn sum(a: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let chunks = a.chunks_exact(4);
    let tail: f64 = chunks.remainder().iter().sum();
    for x in chunks {
        for (s, xi) in acc.iter_mut().zip(x) {
            *s += xi;
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Reordered sums of positive terms agree to round-off.
    const REORDER_REL: f64 = 1e-13;

    #[test]
    fn reductions_agree_with_ordered_sums_at_every_length() {
        for n in 0..23 {
            let a: Vec<f64> = (0..n)
                .map(|i| 1.0 + (i as f64 * 0.37).sin().abs())
                .collect();
            let b: Vec<f64> = (0..n).map(|i| 0.5 + (i as f64 * 1.3).cos().abs()).collect();
            let want: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert_relative_eq!(dot(&a, &b), want, max_relative = REORDER_REL);
            assert_relative_eq!(dot_where_nonzero(&a, &b), want, max_relative = REORDER_REL);
            let want: f64 = a.iter().sum();
            assert_relative_eq!(sum(&a), want, max_relative = REORDER_REL);
        }
    }

    #[test]
    fn zero_spend_masks_an_infinite_adjoint() {
        let g = [f64::INFINITY, 1.0, 2.0, f64::INFINITY, 3.0];
        let x = [0.0, 1.0, 1.0, 0.0, 1.0];
        assert_relative_eq!(dot_where_nonzero(&g, &x), 6.0);
    }
}
