//! The `auto` metric's mass matrix: the diagonal metric, or the diagonal corrected along a few
//! directions, whichever the last warm-up window chose; uncorrected it runs the diagonal
//! metric's own arithmetic, so that `auto` without a correction is bit-identical to `diag`.

use super::diag_metric::DiagMetric;
use super::hamiltonian::MassMatrix;
use super::low_rank_metric::LowRankMetric;

/// `low_rank` is used when it has at least one direction, `diag` otherwise.
#[derive(Debug, Clone)]
pub(crate) struct AutoMetric {
    diag: DiagMetric,
    low_rank: LowRankMetric,
}

impl AutoMetric {
    /// The unit metric in `n` dimensions.
    pub fn unit(n: usize) -> Self {
        AutoMetric {
            diag: DiagMetric::unit(n),
            low_rank: LowRankMetric::unit(n),
        }
    }

    /// Install the diagonal `diag` (> 0), corrected along `vecs` with eigenvalues `vals` (as
    /// [`LowRankMetric::set`]); with no direction this is exactly [`DiagMetric::set`].
    pub fn set(&mut self, diag: &[f64], vecs: &[f64], vals: &[f64]) {
        self.diag.set(diag);
        self.low_rank.set(diag, vecs, vals);
    }

    /// Number of corrected directions (0: the diagonal metric).
    pub fn rank(&self) -> usize {
        self.low_rank.rank()
    }

    /// The corrected metric, if any direction is corrected.
    pub fn low_rank(&self) -> &LowRankMetric {
        &self.low_rank
    }
}

impl MassMatrix for AutoMetric {
    fn momentum_from_std(&self, z: &mut [f64]) {
        if self.rank() > 0 {
            self.low_rank.momentum_from_std(z)
        } else {
            self.diag.momentum_from_std(z)
        }
    }

    fn kinetic(&self, p: &[f64]) -> f64 {
        if self.rank() > 0 {
            self.low_rank.kinetic(p)
        } else {
            self.diag.kinetic(p)
        }
    }

    fn velocity(&self, p: &[f64], out: &mut [f64]) {
        if self.rank() > 0 {
            self.low_rank.velocity(p, out)
        } else {
            self.diag.velocity(p, out)
        }
    }

    fn drift(&self, q: &mut [f64], p: &[f64], eps: f64) {
        if self.rank() > 0 {
            self.low_rank.drift(q, p, eps)
        } else {
            self.diag.drift(q, p, eps)
        }
    }

    fn kinetic_and_velocity(&self, p: &[f64], out: &mut [f64]) -> f64 {
        if self.rank() > 0 {
            self.low_rank.kinetic_and_velocity(p, out)
        } else {
            self.diag.kinetic_and_velocity(p, out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uncorrected, every product is the diagonal metric's, to the bit.
    #[test]
    fn without_correction_products_are_the_diagonal_metrics_bit_for_bit() {
        let d = [4.0, 0.3, 1e-7];
        let mut auto = AutoMetric::unit(3);
        auto.set(&d, &[], &[]);
        let mut diag = DiagMetric::unit(3);
        diag.set(&d);
        let p = [0.7, -1.3, 2e3];
        assert_eq!(auto.kinetic(&p).to_bits(), diag.kinetic(&p).to_bits());
        let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
        auto.velocity(&p, &mut a);
        diag.velocity(&p, &mut b);
        assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        let (mut za, mut zb) = ([0.1, 0.2, -0.3], [0.1, 0.2, -0.3]);
        auto.momentum_from_std(&mut za);
        diag.momentum_from_std(&mut zb);
        assert_eq!(za.map(f64::to_bits), zb.map(f64::to_bits));
        let (mut qa, mut qb) = ([1.0; 3], [1.0; 3]);
        auto.drift(&mut qa, &p, 0.1);
        diag.drift(&mut qb, &p, 0.1);
        assert_eq!(qa.map(f64::to_bits), qb.map(f64::to_bits));
    }

    /// Corrected, the products are the low-rank metric's.
    #[test]
    fn with_correction_products_are_the_low_rank_metrics() {
        let r = 0.5f64.sqrt();
        let (d, u, l) = ([4.0, 0.25, 1.0], [r, -r, 0.0], [9.0]);
        let mut auto = AutoMetric::unit(3);
        auto.set(&d, &u, &l);
        let mut lr = LowRankMetric::unit(3);
        lr.set(&d, &u, &l);
        let p = [0.3, -2.0, 5.0];
        assert_eq!(auto.rank(), 1);
        assert_eq!(auto.kinetic(&p).to_bits(), lr.kinetic(&p).to_bits());
    }
}
