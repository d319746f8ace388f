//! The first-order Markov chain removal effect (Anderl et al. 2016): how much the probability
//! of reaching a conversion from the start falls when a channel is removed from the chain.
//!
//! States: start, one per channel, and two absorbing ends, conversion and null. Every journey,
//! converting or not, adds its transitions: start → first channel → ... → last channel → end.
//! With `A = I − Q` over the channel states (Q: channel-to-channel probabilities), `r` the
//! one-step conversion probabilities and `s` the start's, the conversion probability from each
//! channel is `x = A⁻¹ r`, and from the start `P = sᵀx`. Removing channel c sends every
//! transition into c to null. By the strong Markov property `P = P₋c + h_c x_c`, where
//! `h_c = (sᵀA⁻¹)_c / (A⁻¹)_cc` is the probability of ever visiting c; so one inverse gives
//! every removal effect `RE_c = 1 − P₋c / P = h_c x_c / P`.

use nalgebra::{DMatrix, DVector};

/// One distinct path: channel sequence, how many journeys took it and how many converted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathCount<'a> {
    /// Channels in order.
    pub channels: &'a [u16],
    /// Journeys with this path.
    pub journeys: f64,
    /// Of which converted.
    pub conversions: f64,
}

/// The chain's transition counts, channels numbered `0..n`.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// Start → channel.
    start: DVector<f64>,
    /// Channel → channel.
    between: DMatrix<f64>,
    /// Channel → conversion.
    to_conversion: DVector<f64>,
    /// Channel → null.
    to_null: DVector<f64>,
}

impl Chain {
    /// Count the transitions of `paths` over `n` channels.
    pub fn from_paths<'a>(n: usize, paths: impl IntoIterator<Item = PathCount<'a>>) -> Chain {
        let mut chain = Chain {
            start: DVector::zeros(n),
            between: DMatrix::zeros(n, n),
            to_conversion: DVector::zeros(n),
            to_null: DVector::zeros(n),
        };
        for p in paths {
            let (Some(&first), Some(&last)) = (p.channels.first(), p.channels.last()) else {
                continue;
            };
            chain.start[first as usize] += p.journeys;
            for w in p.channels.windows(2) {
                chain.between[(w[0] as usize, w[1] as usize)] += p.journeys;
            }
            chain.to_conversion[last as usize] += p.conversions;
            chain.to_null[last as usize] += p.journeys - p.conversions;
        }
        chain
    }

    /// `(A, r, s)`: `I − Q`, one-step conversion probabilities, start probabilities.
    fn system(&self) -> (DMatrix<f64>, DVector<f64>, DVector<f64>) {
        let n = self.start.len();
        let mut a = DMatrix::identity(n, n);
        let mut r = DVector::zeros(n);
        for i in 0..n {
            let out = self.between.row(i).sum() + self.to_conversion[i] + self.to_null[i];
            if out > 0.0 {
                for j in 0..n {
                    a[(i, j)] -= self.between[(i, j)] / out;
                }
                r[i] = self.to_conversion[i] / out;
            }
        }
        let total = self.start.sum();
        let s = if total > 0.0 {
            &self.start / total
        } else {
            self.start.clone()
        };
        (a, r, s)
    }

    /// Probability of conversion from the start.
    pub fn conversion_probability(&self) -> f64 {
        let (a, r, s) = self.system();
        a.lu().solve(&r).map_or(0.0, |x| s.dot(&x))
    }

    /// Removal effect of every channel, `1 − P₋c / P` (all zero when nothing converts).
    pub fn removal_effects(&self) -> Vec<f64> {
        let n = self.start.len();
        let (a, r, s) = self.system();
        let Some(inverse) = a.try_inverse() else {
            return vec![0.0; n];
        };
        let x = &inverse * &r;
        let p = s.dot(&x);
        if p <= 0.0 {
            return vec![0.0; n];
        }
        let visits = inverse.transpose() * &s;
        (0..n)
            .map(|c| {
                let hit = visits[c] / inverse[(c, c)];
                (hit * x[c] / p).clamp(0.0, 1.0)
            })
            .collect()
    }

    /// The chain with channel `c` removed: transitions into it go to null instead.
    pub fn without(&self, c: usize) -> Chain {
        let mut out = self.clone();
        out.to_null[c] = 0.0;
        out.to_conversion[c] = 0.0;
        for i in 0..self.start.len() {
            out.to_null[i] += out.between[(i, c)];
            out.between[(i, c)] = 0.0;
            out.between[(c, i)] = 0.0;
        }
        out
    }
}

/// Each channel's share of the conversions: removal effects normalised to sum to one.
pub fn markov_shares(chain: &Chain) -> Vec<f64> {
    let effects = chain.removal_effects();
    let total: f64 = effects.iter().sum();
    effects
        .iter()
        .map(|e| if total > 0.0 { e / total } else { 0.0 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    /// Closed-form and hand-computed probabilities agree to round-off.
    const TOL: f64 = 1e-12;

    fn chain(n: usize, paths: &[(&[u16], f64, f64)]) -> Chain {
        Chain::from_paths(
            n,
            paths
                .iter()
                .map(|&(channels, journeys, conversions)| PathCount {
                    channels,
                    journeys,
                    conversions,
                }),
        )
    }

    /// Removal effects by re-solving the chain without each channel.
    fn brute_force(c: &Chain) -> Vec<f64> {
        let p = c.conversion_probability();
        (0..c.start.len())
            .map(|i| 1.0 - c.without(i).conversion_probability() / p)
            .collect()
    }

    #[test]
    fn three_channels_match_the_hand_computed_removal_effects() {
        // A→B→conv, A→C→null, B→conv. P(start→A) = 2/3, x_B = 1, x_C = 0, x_A = 1/2, so
        // P = 2/3·1/2 + 1/3·1 = 2/3. Without A: P = 1/3 (RE 1/2); without B: 0 (RE 1);
        // without C: 2/3 (RE 0). Shares 1/3, 2/3, 0.
        let (a, b, c) = (0u16, 1u16, 2u16);
        let ch = chain(
            3,
            &[(&[a, b], 1.0, 1.0), (&[a, c], 1.0, 0.0), (&[b], 1.0, 1.0)],
        );
        assert_abs_diff_eq!(ch.conversion_probability(), 2.0 / 3.0, epsilon = TOL);
        let re = ch.removal_effects();
        for (got, want) in re.iter().zip([0.5, 1.0, 0.0]) {
            assert_abs_diff_eq!(*got, want, epsilon = TOL);
        }
        let shares = markov_shares(&ch);
        for (got, want) in shares.iter().zip([1.0 / 3.0, 2.0 / 3.0, 0.0]) {
            assert_abs_diff_eq!(*got, want, epsilon = TOL);
        }
    }

    #[test]
    fn a_loop_between_two_channels_matches_the_hand_computed_values() {
        // A→B→A→conv and B→null: x_A = 1/2 + x_B/2, x_B = x_A/2, so x_A = 2/3, x_B = 1/3 and
        // P = 1/2. Without A nothing converts (RE 1); without B, x_A = 1/2 and P = 1/4 (RE 1/2).
        let ch = chain(2, &[(&[0, 1, 0], 1.0, 1.0), (&[1], 1.0, 0.0)]);
        assert_abs_diff_eq!(ch.conversion_probability(), 0.5, epsilon = TOL);
        let re = ch.removal_effects();
        assert_abs_diff_eq!(re[0], 1.0, epsilon = TOL);
        assert_abs_diff_eq!(re[1], 0.5, epsilon = TOL);
    }

    #[test]
    fn the_one_inverse_formula_equals_re_solving_without_each_channel() {
        // A tangle of paths with repeats, loops and an unused channel (4).
        let ch = chain(
            5,
            &[
                (&[0, 1, 2], 30.0, 9.0),
                (&[2, 2, 1, 0], 12.0, 5.0),
                (&[1, 3], 40.0, 4.0),
                (&[3, 0, 3, 1], 7.0, 3.0),
                (&[2], 50.0, 2.0),
                (&[0], 25.0, 0.0),
            ],
        );
        let fast = ch.removal_effects();
        let slow = brute_force(&ch);
        for (f, s) in fast.iter().zip(&slow) {
            assert_abs_diff_eq!(*f, *s, epsilon = 1e-10);
        }
        assert_abs_diff_eq!(fast[4], 0.0, epsilon = TOL);
    }

    #[test]
    fn nothing_converting_gives_zero_shares() {
        let ch = chain(2, &[(&[0, 1], 3.0, 0.0)]);
        assert_eq!(markov_shares(&ch), vec![0.0, 0.0]);
    }
}
