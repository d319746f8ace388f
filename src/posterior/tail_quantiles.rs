//! Exact quantiles of a stream of known length from its tails: a 5 % quantile of 4000 values
//! needs only the 201 smallest, so a stream keeps the smallest values its lower probabilities
//! reach and the largest its upper ones reach, and nothing else.
//!
//! Derived quantities see each (period, component) value once per draw. Where the tails of
//! every stream fit a fixed memory budget (`derived.rs` decides), they replace the P²
//! estimator ([`super::PSquare`]): the quantiles are then the exact type-7 quantiles of the
//! draws, bit for bit what [`crate::diagnostics::quantiles`] returns, and the common push is
//! two comparisons (the value is neither among the smallest nor the largest seen so far).
//!
//! Each tail is a buffer of twice the values it must keep, with a threshold: a value enters
//! only below the threshold (above, for the upper tail); a full buffer is cut back to the
//! values to keep by one selection, and the threshold becomes the largest kept. Memory per
//! stream is 2 × (kept smallest + kept largest) values, about 0.2 × the stream's length for a
//! central 90 % interval.

use crate::diagnostics::quantile_of_ranks;

/// The `keep` smallest values seen, in a buffer of `2 * keep`.
#[derive(Debug, Clone)]
struct Tail {
    keep: usize,
    /// Values that may be among the `keep` smallest (all of them while fewer than `keep`).
    values: Vec<f64>,
    /// Values at or above it are not among the `keep` smallest; NaN (everything enters)
    /// until the buffer is first cut.
    threshold: f64,
}

impl Tail {
    fn new(keep: usize) -> Tail {
        Tail {
            keep,
            values: Vec::with_capacity(2 * keep),
            threshold: if keep == 0 {
                f64::NEG_INFINITY
            } else {
                f64::NAN
            },
        }
    }

    #[inline]
    #[expect(
        clippy::neg_cmp_op_on_partial_ord,
        reason = "a NaN threshold must let every value in"
    )]
    fn push(&mut self, x: f64) {
        // Written so that a NaN threshold lets every value in.
        if !(x >= self.threshold) {
            self.insert(x);
        }
    }

    #[cold]
    fn insert(&mut self, x: f64) {
        if self.keep == 0 || x.is_nan() {
            return; // a NaN is flagged by the caller and makes every quantile NaN
        }
        if self.values.capacity() < 2 * self.keep {
            // A cloned tail starts without its buffer: take all of it at once.
            self.values.reserve_exact(2 * self.keep - self.values.len());
        }
        self.values.push(x);
        if self.values.len() == self.keep && self.threshold.is_nan() {
            // The first `keep` values: nothing at or above their largest can be among the
            // `keep` smallest.
            self.threshold = self
                .values
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
        } else if self.values.len() == 2 * self.keep {
            self.cut();
        }
    }

    /// Keep the `keep` smallest; the threshold becomes the largest of them. Values equal to
    /// it that come later change no order statistic among the kept, so they may be dropped.
    fn cut(&mut self) {
        let k = self.keep;
        self.values.select_nth_unstable_by(k - 1, f64::total_cmp);
        self.values.truncate(k);
        self.threshold = self.values[k - 1];
    }

    /// The kept values (the `keep` smallest seen, or all while fewer), in no order.
    fn kept(&self) -> Vec<f64> {
        let mut v = self.values.clone();
        if v.len() > self.keep {
            v.select_nth_unstable_by(self.keep - 1, f64::total_cmp);
            v.truncate(self.keep);
        }
        v
    }
}

/// The value of rank `i` (ascending) among `values`, which it partially reorders.
fn rank(values: &mut [f64], i: usize) -> f64 {
    *values.select_nth_unstable_by(i, f64::total_cmp).1
}

/// Exact type-7 quantiles at fixed probabilities of at most `total` values pushed one by one.
#[derive(Debug, Clone)]
pub struct TailQuantiles {
    total: usize,
    count: usize,
    nan: bool,
    /// The smallest values.
    low: Tail,
    /// The largest values, negated (so that they are the smallest of the negated stream).
    high: Tail,
}

impl TailQuantiles {
    /// Quantiles at `probs` (each in [0, 1]) of a stream of at most `total` values.
    pub fn new(probs: &[f64], total: usize) -> TailQuantiles {
        let (low, high) = Self::tail_sizes(probs, total);
        TailQuantiles {
            total,
            count: 0,
            nan: false,
            low: Tail::new(low),
            high: Tail::new(high),
        }
    }

    /// How many of the smallest and of the largest values the quantiles at `probs` of
    /// `total` values read: the order statistics at ranks ⌊(total − 1)·p⌋ and the one above.
    /// Probabilities up to one half read the lower tail, the others the upper.
    pub fn tail_sizes(probs: &[f64], total: usize) -> (usize, usize) {
        let rank = |p: f64| ((total.max(1) - 1) as f64 * p).floor() as usize;
        let low = probs
            .iter()
            .filter(|p| **p <= 0.5)
            .map(|p| (rank(*p) + 2).min(total))
            .max()
            .unwrap_or(0);
        let high = probs
            .iter()
            .filter(|p| **p > 0.5)
            .map(|p| total - rank(*p))
            .max()
            .unwrap_or(0);
        (low, high)
    }

    /// Values held at most (both buffers full), for a memory budget.
    pub fn capacity(probs: &[f64], total: usize) -> usize {
        let (low, high) = Self::tail_sizes(probs, total);
        2 * (low + high)
    }

    /// Add one value (at most `total` of them).
    #[inline]
    pub fn push(&mut self, x: f64) {
        debug_assert!(self.count < self.total, "more values than announced");
        self.count += 1;
        self.nan |= x.is_nan();
        self.low.push(x);
        self.high.push(-x);
    }

    /// The quantiles at `probs` (probabilities given to [`TailQuantiles::new`]; another
    /// probability whose ranks fall outside the tails kept gives NaN), NaN when no value was
    /// seen or a value was NaN.
    pub fn estimates<const K: usize>(&self, probs: [f64; K]) -> [f64; K] {
        let n = self.count;
        if self.nan || n == 0 || n > self.total {
            return [f64::NAN; K];
        }
        let mut low = self.low.kept();
        let mut high = self.high.kept();
        let mut at = |i: usize| {
            if i < low.len() {
                rank(&mut low, i)
            } else if n - 1 - i < high.len() {
                -rank(&mut high, n - 1 - i)
            } else {
                f64::NAN
            }
        };
        probs.map(|p| quantile_of_ranks(n, p, &mut at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::quantiles;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, LogNormal, StandardNormal};

    const PROBS: [f64; 4] = [0.05, 0.1, 0.9, 0.95];

    /// Tail quantiles must equal sorting's to the bit: the same order statistics go through
    /// the same arithmetic.
    fn assert_exact(values: &[f64], what: &str) {
        let mut t = TailQuantiles::new(&PROBS, values.len());
        values.iter().for_each(|x| t.push(*x));
        let want = quantiles(values, &PROBS);
        let got = t.estimates(PROBS);
        assert_eq!(bits(&got), bits(&want), "{what}: {got:?} vs {want:?}");
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn equal_sorting_on_random_autocorrelated_sorted_and_tied_streams() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for n in [1, 2, 3, 7, 20, 21, 22, 199, 1000, 4000, 4001] {
            let normal: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
            assert_exact(&normal, &format!("normal n={n}"));
            let skewed: Vec<f64> = (0..n)
                .map(|_| LogNormal::new(0.0, 1.5).unwrap().sample(&mut rng))
                .collect();
            assert_exact(&skewed, &format!("log-normal n={n}"));
            let mut v = 0.0_f64;
            let ar: Vec<f64> = (0..n)
                .map(|_| {
                    let e: f64 = StandardNormal.sample(&mut rng);
                    v = 0.95 * v + e;
                    v
                })
                .collect();
            assert_exact(&ar, &format!("AR(1) n={n}"));
            let ascending: Vec<f64> = (0..n).map(|i| i as f64).collect();
            assert_exact(&ascending, &format!("ascending n={n}"));
            let descending: Vec<f64> = ascending.iter().rev().copied().collect();
            assert_exact(&descending, &format!("descending n={n}"));
            // Heavy ties: a point mass with a few other values (zero spend so far).
            let tied: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i % 17 == 0))).collect();
            assert_exact(&tied, &format!("tied n={n}"));
        }
    }

    #[test]
    fn fewer_values_than_announced_are_still_exact() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let values: Vec<f64> = (0..700).map(|_| StandardNormal.sample(&mut rng)).collect();
        let mut t = TailQuantiles::new(&PROBS, 4000);
        values.iter().for_each(|x| t.push(*x));
        let want = quantiles(&values, &PROBS);
        assert_eq!(bits(&t.estimates(PROBS)), bits(&want));
    }

    #[test]
    fn keeps_only_the_tails() {
        // 90 % interval of 4000 values: ranks 199..200 and 3799..3800.
        assert_eq!(TailQuantiles::tail_sizes(&[0.05, 0.95], 4000), (201, 201));
        assert_eq!(TailQuantiles::capacity(&[0.05, 0.95], 4000), 804);
        assert_eq!(TailQuantiles::tail_sizes(&[0.95], 10), (0, 2));
        assert_eq!(TailQuantiles::tail_sizes(&[0.05], 1), (1, 0));
        let mut t = TailQuantiles::new(&[0.05, 0.95], 4000);
        (0..4000).for_each(|i| t.push(f64::from(i)));
        assert!(t.low.values.len() < 2 * 201 && t.high.values.len() < 2 * 201);
    }

    #[test]
    fn nan_and_empty_streams_give_nan_and_infinities_are_kept() {
        let t = TailQuantiles::new(&PROBS, 10);
        assert!(t.estimates(PROBS).iter().all(|v| v.is_nan()));
        let mut t = TailQuantiles::new(&PROBS, 10);
        [1.0, f64::NAN, 2.0].iter().for_each(|x| t.push(*x));
        assert!(t.estimates(PROBS).iter().all(|v| v.is_nan()));
        let values = [
            1.0,
            f64::INFINITY,
            3.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            2.0,
        ];
        let mut t = TailQuantiles::new(&PROBS, values.len());
        values.iter().for_each(|x| t.push(*x));
        assert_eq!(bits(&t.estimates(PROBS)), bits(&quantiles(&values, &PROBS)));
        let all_infinite = [f64::INFINITY; 50];
        let mut t = TailQuantiles::new(&PROBS, 50);
        all_infinite.iter().for_each(|x| t.push(*x));
        let want = quantiles(&all_infinite, &PROBS);
        assert_eq!(bits(&t.estimates(PROBS)), bits(&want));
    }
}
