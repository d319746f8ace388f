//! Shapley values over channel sets (Zhao et al. 2018, "Shapley value methods for attribution
//! modeling in online advertising"): the worth of a coalition S of channels is the
//! conversions (or value) of the journeys whose channels all belong to S,
//! `v(S) = Σ_{T ⊆ S} R(T)`, with `R(T)` the conversions of journeys whose channel set is
//! exactly T.
//!
//! For this game the Shapley value has a closed form, `φ_c = Σ_{T ∋ c} R(T) / |T|`: every
//! channel set's conversions are shared equally among its distinct channels. It is exact for
//! any number of channels and costs one pass over the distinct sets, so no sampling is needed;
//! the tests check it against the definition (every subset, every permutation).

use super::fxhash::FxHashMap;

/// The channel sets of converting journeys with their conversions and value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetWorth {
    sets: FxHashMap<Vec<u16>, [f64; 2]>,
}

impl SetWorth {
    /// Add a converting journey's channels (any order, repeats allowed).
    pub fn add(&mut self, channels: &[u16], conversions: f64, value: f64) {
        let mut set = channels.to_vec();
        set.sort_unstable();
        set.dedup();
        let w = self.sets.entry(set).or_insert([0.0; 2]);
        w[0] += conversions;
        w[1] += value;
    }

    /// Distinct channel sets seen.
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    /// No sets.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// Shapley values of conversions and of value for channels `0..n`.
    pub fn shapley(&self, n: usize) -> (Vec<f64>, Vec<f64>) {
        let mut conversions = vec![0.0; n];
        let mut value = vec![0.0; n];
        for (set, [k, v]) in &self.sets {
            let size = set.len() as f64;
            for &c in set {
                conversions[c as usize] += k / size;
                value[c as usize] += v / size;
            }
        }
        (conversions, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    /// The closed form and the definition agree to round-off.
    const TOL: f64 = 1e-9;

    /// `v(mask)`: conversions of sets contained in `mask`.
    fn worth(sets: &[(&[u16], f64)], mask: u32) -> f64 {
        sets.iter()
            .filter(|(s, _)| s.iter().all(|&c| mask & (1 << c) != 0))
            .map(|(_, k)| k)
            .sum()
    }

    /// The definition: `Σ_{S ∌ i} |S|!(n−|S|−1)!/n! (v(S ∪ i) − v(S))` over every subset.
    fn by_subsets(sets: &[(&[u16], f64)], n: usize) -> Vec<f64> {
        let factorial = |k: usize| (1..=k).map(|x| x as f64).product::<f64>();
        (0..n)
            .map(|i| {
                (0u32..1 << n)
                    .filter(|s| s & (1 << i) == 0)
                    .map(|s| {
                        let size = s.count_ones() as usize;
                        let weight = factorial(size) * factorial(n - size - 1) / factorial(n);
                        weight * (worth(sets, s | 1 << i) - worth(sets, s))
                    })
                    .sum()
            })
            .collect()
    }

    /// The average marginal contribution over every ordering of the channels.
    fn by_permutations(sets: &[(&[u16], f64)], n: usize) -> Vec<f64> {
        fn permute(k: usize, order: &mut Vec<u16>, out: &mut Vec<Vec<u16>>) {
            if k == order.len() {
                out.push(order.clone());
                return;
            }
            for i in k..order.len() {
                order.swap(k, i);
                permute(k + 1, order, out);
                order.swap(k, i);
            }
        }
        let mut all = Vec::new();
        permute(0, &mut (0..n as u16).collect(), &mut all);
        let mut phi = vec![0.0; n];
        for order in &all {
            let mut mask = 0u32;
            for &c in order {
                let before = worth(sets, mask);
                mask |= 1 << c;
                phi[c as usize] += (worth(sets, mask) - before) / all.len() as f64;
            }
        }
        phi
    }

    fn closed_form(sets: &[(&[u16], f64)], n: usize) -> Vec<f64> {
        let mut w = SetWorth::default();
        for (s, k) in sets {
            w.add(s, *k, 2.0 * k);
        }
        let (phi, value) = w.shapley(n);
        for (p, v) in phi.iter().zip(&value) {
            assert_abs_diff_eq!(2.0 * p, *v, epsilon = TOL);
        }
        phi
    }

    #[test]
    fn three_channels_match_the_hand_computed_values() {
        // {A}: 10, {A,B}: 6, {B,C}: 4, {A,B,C}: 3 conversions.
        // φ_A = 10 + 6/2 + 3/3 = 14; φ_B = 6/2 + 4/2 + 3/3 = 6; φ_C = 4/2 + 3/3 = 3.
        let sets: [(&[u16], f64); 4] = [
            (&[0], 10.0),
            (&[0, 1], 6.0),
            (&[1, 2], 4.0),
            (&[0, 1, 2], 3.0),
        ];
        let phi = closed_form(&sets, 3);
        for (got, want) in phi.iter().zip([14.0, 6.0, 3.0]) {
            assert_abs_diff_eq!(*got, want, epsilon = TOL);
        }
        for (a, b) in phi.iter().zip(by_subsets(&sets, 3)) {
            assert_abs_diff_eq!(*a, b, epsilon = TOL);
        }
        for (a, b) in phi.iter().zip(by_permutations(&sets, 3)) {
            assert_abs_diff_eq!(*a, b, epsilon = TOL);
        }
        // Efficiency: the values sum to v(all channels), every conversion.
        assert_abs_diff_eq!(phi.iter().sum::<f64>(), 23.0, epsilon = TOL);
    }

    #[test]
    fn the_closed_form_equals_the_definition_on_six_channels() {
        let sets: [(&[u16], f64); 7] = [
            (&[0], 5.0),
            (&[1, 4], 2.0),
            (&[0, 2, 3], 7.0),
            (&[5], 1.0),
            (&[0, 1, 2, 3, 4, 5], 3.0),
            (&[3, 4], 11.0),
            (&[1, 2, 5], 4.0),
        ];
        let phi = closed_form(&sets, 7);
        let exact = by_subsets(&sets, 7);
        let perms = by_permutations(&sets, 7);
        for ((a, b), c) in phi.iter().zip(&exact).zip(&perms) {
            assert_abs_diff_eq!(*a, *b, epsilon = TOL);
            assert_abs_diff_eq!(*a, *c, epsilon = TOL);
        }
        // Channel 6 takes part in no converting journey: a null player.
        assert_abs_diff_eq!(phi[6], 0.0, epsilon = TOL);
        assert_abs_diff_eq!(phi.iter().sum::<f64>(), 33.0, epsilon = TOL);
    }

    #[test]
    fn repeats_and_order_do_not_change_a_set() {
        let mut w = SetWorth::default();
        w.add(&[2, 0, 2, 0], 1.0, 0.0);
        w.add(&[0, 2], 1.0, 0.0);
        assert_eq!(w.len(), 1);
        let (phi, _) = w.shapley(3);
        assert_eq!(phi, vec![1.0, 0.0, 1.0]);
    }
}
