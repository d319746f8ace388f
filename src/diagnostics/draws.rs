//! A rectangle of MCMC draws (equal-length chains stored one after another) and its split halves.

use std::slice::ChunksExact;

/// Fewest draws per chain ArviZ accepts for R-hat and ESS (below it they are NaN).
pub(super) const MIN_DRAWS: usize = 4;

/// Draws of one scalar quantity: `n_chains` chains of `n_draws` each, chain after chain.
#[derive(Debug, Clone)]
pub(super) struct Draws {
    values: Vec<f64>,
    n_draws: usize,
}

impl Draws {
    /// Copies `chains`, or `None` when ArviZ would return NaN for them: fewer than
    /// `min_chains` chains, chains of unequal length, fewer than [`MIN_DRAWS`] draws per chain,
    /// or any NaN draw.
    pub(super) fn new(chains: &[&[f64]], min_chains: usize) -> Option<Self> {
        let n_draws = chains.first()?.len();
        let valid = chains.len() >= min_chains
            && n_draws >= MIN_DRAWS
            && chains.iter().all(|c| c.len() == n_draws)
            && !chains.iter().flat_map(|c| c.iter()).any(|v| v.is_nan());
        valid.then(|| Self {
            values: chains.concat(),
            n_draws,
        })
    }

    /// Splits every chain into its first floor(n/2) and last floor(n/2) draws (an odd middle
    /// draw is dropped): the first halves of all chains come first, then the second halves.
    pub(super) fn split(&self) -> Self {
        let half = self.n_draws / 2;
        let mut values = Vec::with_capacity(2 * half * self.n_chains());
        for chain in self.chains() {
            values.extend_from_slice(&chain[..half]);
        }
        for chain in self.chains() {
            values.extend_from_slice(&chain[chain.len() - half..]);
        }
        Self {
            values,
            n_draws: half,
        }
    }

    /// The same shape with `f` applied to every draw.
    pub(super) fn map(&self, f: impl Fn(f64) -> f64) -> Self {
        self.with_values(self.values.iter().map(|&v| f(v)).collect())
    }

    /// The same shape holding `values` (same length, same chain-after-chain order).
    pub(super) fn with_values(&self, values: Vec<f64>) -> Self {
        debug_assert_eq!(values.len(), self.values.len());
        Self {
            values,
            n_draws: self.n_draws,
        }
    }

    /// All draws pooled, chain after chain.
    pub(super) fn values(&self) -> &[f64] {
        &self.values
    }

    /// Draws per chain.
    pub(super) fn n_draws(&self) -> usize {
        self.n_draws
    }

    /// Number of chains.
    pub(super) fn n_chains(&self) -> usize {
        self.values.len() / self.n_draws
    }

    /// The chains, each a slice of `n_draws` draws.
    pub(super) fn chains(&self) -> ChunksExact<'_, f64> {
        self.values.chunks_exact(self.n_draws)
    }
}

#[cfg(test)]
mod tests {
    use super::Draws;

    #[test]
    fn split_drops_the_middle_of_odd_chains_and_stacks_halves() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [6.0, 7.0, 8.0, 9.0, 10.0];
        let Some(draws) = Draws::new(&[&a, &b], 1) else {
            panic!("valid draws rejected");
        };
        let split = draws.split();
        assert_eq!(split.n_chains(), 4);
        assert_eq!(split.n_draws(), 2);
        assert_eq!(split.values(), &[1.0, 2.0, 6.0, 7.0, 4.0, 5.0, 9.0, 10.0]);
    }

    #[test]
    fn invalid_shapes_and_nan_are_rejected() {
        let four = [0.0, 1.0, 2.0, 3.0];
        let three = [0.0, 1.0, 2.0];
        let with_nan = [0.0, f64::NAN, 2.0, 3.0];
        assert!(Draws::new(&[], 1).is_none());
        assert!(Draws::new(&[&four], 2).is_none());
        assert!(Draws::new(&[&three, &three], 1).is_none());
        assert!(Draws::new(&[&four, &three], 1).is_none());
        assert!(Draws::new(&[&four, &with_nan], 1).is_none());
        assert!(Draws::new(&[&four, &four], 2).is_some());
    }
}
