//! A smooth map from unconstrained coordinates onto the budget's feasible set — spends that
//! sum exactly to the budget and stay inside their bounds — and its gradient pull-back.
//!
//! `s_c = lo_c + (hi_c − lo_c) · σ(z_c + τ(z))`, with the shift τ solved (monotone, safeguarded
//! Newton) so that Σ s_c = budget. The bounds hold by construction and the sum to round-off,
//! after which the residual is spread over the channels with room. By the implicit function
//! theorem ∂τ/∂z_j = −w_j / Σw with w_c = (hi_c − lo_c)·σ'(z_c + τ), so a gradient g in the
//! spends pulls back to ∂/∂z_j = w_j · (g_j − Σ_c w_c g_c / Σ_c w_c).

/// Iterations of the shift's root search (each halves the bracket at worst).
const SHIFT_ITERATIONS: usize = 200;
/// A fraction of a channel's range this close to 0 or 1 counts as sitting at the bound when
/// the map is inverted.
const INVERSE_CLAMP: f64 = 1e-9;

/// The feasible set of one budget problem.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundedSplit {
    lo: Vec<f64>,
    range: Vec<f64>,
    total: f64,
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

impl BoundedSplit {
    /// Spends in `[lo_c, hi_c]` summing to `total`. `None` unless Σlo ≤ total ≤ Σhi and every
    /// `lo_c ≤ hi_c` (all finite).
    pub fn new(lo: &[f64], hi: &[f64], total: f64) -> Option<BoundedSplit> {
        let finite = lo.iter().chain(hi).all(|v| v.is_finite()) && total.is_finite();
        let ordered = lo.iter().zip(hi).all(|(l, h)| l <= h);
        let (sum_lo, sum_hi) = (lo.iter().sum::<f64>(), hi.iter().sum::<f64>());
        let tol = 1e-12 * total.abs().max(sum_hi.abs());
        (finite && ordered && sum_lo <= total + tol && total <= sum_hi + tol).then(|| {
            BoundedSplit {
                lo: lo.to_vec(),
                range: lo.iter().zip(hi).map(|(l, h)| h - l).collect(),
                total,
            }
        })
    }

    /// Number of channels.
    pub fn dim(&self) -> usize {
        self.lo.len()
    }

    /// The total every point sums to.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// Lower bound of channel `c`.
    pub fn lo(&self, c: usize) -> f64 {
        self.lo[c]
    }

    /// Upper bound of channel `c`.
    pub fn hi(&self, c: usize) -> f64 {
        self.lo[c] + self.range[c]
    }

    fn excess(&self, z: &[f64], tau: f64) -> (f64, f64) {
        let mut sum = -self.total;
        let mut slope = 0.0;
        for ((l, r), zc) in self.lo.iter().zip(&self.range).zip(z) {
            let p = sigmoid(zc + tau);
            sum += l + r * p;
            slope += r * p * (1.0 - p);
        }
        (sum, slope)
    }

    /// Solve Σ s_c(τ) = total for τ: Newton's method inside a bracket that bisection keeps.
    #[expect(
        clippy::float_cmp,
        reason = "an iterate equal to the last one means no further progress is possible"
    )]
    fn shift(&self, z: &[f64]) -> f64 {
        let (mut a, mut b) = (-1.0, 1.0);
        while self.excess(z, a).0 > 0.0 && a > -1e300 {
            a *= 2.0;
        }
        while self.excess(z, b).0 < 0.0 && b < 1e300 {
            b *= 2.0;
        }
        let mut tau = 0.5 * (a + b);
        for _ in 0..SHIFT_ITERATIONS {
            let (f, slope) = self.excess(z, tau);
            if f == 0.0 {
                break;
            }
            if f > 0.0 {
                b = tau;
            } else {
                a = tau;
            }
            let newton = tau - f / slope;
            let next = if slope > 0.0 && newton > a && newton < b {
                newton
            } else {
                0.5 * (a + b)
            };
            if next == tau || b - a <= f64::EPSILON * tau.abs().max(1.0) {
                break;
            }
            tau = next;
        }
        tau
    }

    /// The spends for `z`, written to `spend`; returns the shift τ.
    pub fn spend(&self, z: &[f64], spend: &mut [f64]) -> f64 {
        let tau = self.shift(z);
        let mut slack = 0.0;
        for (((s, l), r), zc) in spend.iter_mut().zip(&self.lo).zip(&self.range).zip(z) {
            let p = sigmoid(zc + tau);
            *s = l + r * p;
            slack += r * p * (1.0 - p);
        }
        self.spread_residual(spend, slack, z, tau);
        tau
    }

    /// Spread the round-off residual of Σ s = total over the channels in proportion to their
    /// room to move, keeping every bound.
    fn spread_residual(&self, spend: &mut [f64], slack: f64, z: &[f64], tau: f64) {
        let residual = self.total - spend.iter().sum::<f64>();
        if residual == 0.0 || slack <= 0.0 {
            return;
        }
        for (((s, l), r), zc) in spend.iter_mut().zip(&self.lo).zip(&self.range).zip(z) {
            let p = sigmoid(zc + tau);
            *s = (*s + residual * r * p * (1.0 - p) / slack).clamp(*l, l + r);
        }
    }

    /// Pull a gradient in the spends back to z, given the shift τ from [`BoundedSplit::spend`].
    /// A channel with no room to move (σ' = 0) contributes nothing, even with an infinite
    /// gradient.
    pub fn pull_back(&self, z: &[f64], tau: f64, grad_spend: &[f64], grad_z: &mut [f64]) {
        let mut weights_sum = 0.0;
        let mut weighted = 0.0;
        for ((r, zc), g) in self.range.iter().zip(z).zip(grad_spend) {
            let p = sigmoid(zc + tau);
            let w = r * p * (1.0 - p);
            if w > 0.0 {
                weights_sum += w;
                weighted += w * g;
            }
        }
        let mean = if weights_sum > 0.0 {
            weighted / weights_sum
        } else {
            0.0
        };
        for (((r, zc), g), out) in self.range.iter().zip(z).zip(grad_spend).zip(grad_z) {
            let p = sigmoid(zc + tau);
            let w = r * p * (1.0 - p);
            *out = if w > 0.0 { w * (g - mean) } else { 0.0 };
        }
    }

    /// A z mapping (close) to the feasible `spend`: fractions of each range through the logit,
    /// clamped away from 0 and 1.
    pub fn unconstrain(&self, spend: &[f64]) -> Vec<f64> {
        spend
            .iter()
            .zip(&self.lo)
            .zip(&self.range)
            .map(|((s, l), r)| {
                let f = if *r > 0.0 { (s - l) / r } else { 0.5 };
                let f = f.clamp(INVERSE_CLAMP, 1.0 - INVERSE_CLAMP);
                (f / (1.0 - f)).ln()
            })
            .collect()
    }

    /// Where channel `c` sits in its range, 0 at the minimum and 1 at the maximum (0 for a
    /// channel whose bounds coincide).
    pub fn fraction(&self, c: usize, spend: f64) -> f64 {
        if self.range[c] > 0.0 {
            (spend - self.lo[c]) / self.range[c]
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sum matches the budget to this relative error.
    const SUM_REL: f64 = 1e-14;
    const FD_REL: f64 = 1e-6;
    const FD_STEP: f64 = 1e-6;

    #[test]
    fn spends_sum_to_the_budget_and_respect_bounds_everywhere() {
        let split = BoundedSplit::new(&[0.0, 10.0, 5.0], &[100.0, 50.0, 5.0], 90.0).unwrap();
        let mut s = [0.0; 3];
        for z in [
            [0.0, 0.0, 0.0],
            [40.0, -40.0, 3.0],
            [-800.0, 800.0, 0.0],
            [1e-3, 2.0, -7.0],
            [700.0, 700.0, 700.0],
        ] {
            split.spend(&z, &mut s);
            let sum: f64 = s.iter().sum();
            assert!(
                (sum - 90.0).abs() <= SUM_REL * 90.0,
                "{z:?}: {s:?} sums to {sum}"
            );
            assert!((0.0..=100.0).contains(&s[0]) && (10.0..=50.0).contains(&s[1]));
            assert!((s[2] - 5.0).abs() <= 0.0, "a fixed channel stays fixed");
        }
        // A budget equal to the minimums (or maximums) pins every channel.
        let tight = BoundedSplit::new(&[1.0, 2.0], &[5.0, 6.0], 3.0).unwrap();
        tight.spend(&[0.3, -0.2], &mut s[..2]);
        assert!(
            (s[0] - 1.0).abs() <= 1e-12 && (s[1] - 2.0).abs() <= 1e-12,
            "{s:?}"
        );
        assert!(BoundedSplit::new(&[1.0, 2.0], &[5.0, 6.0], 12.0).is_none());
        assert!(BoundedSplit::new(&[1.0, 2.0], &[5.0, 6.0], 2.0).is_none());
    }

    #[test]
    fn pull_back_matches_central_differences_of_a_composite() {
        let split = BoundedSplit::new(&[0.0, 1.0, 0.0, 2.0], &[10.0, 8.0, 4.0, 9.0], 15.0).unwrap();
        // f(s) = Σ a_c s_c² + b_c s_c.
        let (a, b) = ([0.3, -0.1, 0.7, 0.05], [1.0, 2.0, -1.0, 0.5]);
        let f = |z: &[f64]| {
            let mut s = [0.0; 4];
            split.spend(z, &mut s);
            (0..4)
                .map(|c| a[c] * s[c] * s[c] + b[c] * s[c])
                .sum::<f64>()
        };
        let z = [0.4, -1.2, 0.9, 0.1];
        let mut s = [0.0; 4];
        let tau = split.spend(&z, &mut s);
        let g_s: Vec<f64> = (0..4).map(|c| 2.0 * a[c] * s[c] + b[c]).collect();
        let mut g_z = [0.0; 4];
        split.pull_back(&z, tau, &g_s, &mut g_z);
        for j in 0..4 {
            let mut up = z;
            up[j] += FD_STEP;
            let mut down = z;
            down[j] -= FD_STEP;
            let fd = (f(&up) - f(&down)) / (2.0 * FD_STEP);
            assert!(
                (g_z[j] - fd).abs() <= FD_REL * fd.abs().max(1e-3),
                "{j}: {} vs {fd}",
                g_z[j]
            );
        }
    }

    #[test]
    fn unconstrain_inverts_spend_inside_the_bounds() {
        let split = BoundedSplit::new(&[0.0, 1.0, 0.0], &[10.0, 8.0, 40.0], 20.0).unwrap();
        let want = [6.0, 3.0, 11.0];
        let mut s = [0.0; 3];
        split.spend(&split.unconstrain(&want), &mut s);
        for (got, w) in s.iter().zip(want) {
            assert!((got - w).abs() <= 1e-9 * w, "{s:?}");
        }
    }
}
