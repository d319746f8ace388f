//! Posterior draws on the constrained scale, by chain, in the model's parameter order.

use rayon::prelude::*;

use crate::density::MmmDensity;
use crate::sampler::Samples;

/// Constrained draws: `values[(chain * n_draws + i) * n_params + p]`.
#[derive(Debug, Clone)]
pub struct PosteriorDraws {
    /// Parameter names (`beta[tv]`, ...).
    pub names: Vec<String>,
    /// Number of chains.
    pub n_chains: usize,
    /// Draws per chain.
    pub n_draws: usize,
    values: Vec<f64>,
}

impl PosteriorDraws {
    /// Map every sampled θ through the density's bijectors.
    pub fn from_samples(density: &MmmDensity, samples: &Samples) -> PosteriorDraws {
        let names = density.param_names();
        let n_draws = samples.chains.first().map_or(0, |c| c.n_draws());
        let k = names.len();
        let mut values = Vec::with_capacity(samples.chains.len() * n_draws * k);
        // Draws are independent and `constrain` may run a forward pass (a centred intercept):
        // map them in parallel, each into its own row.
        for chain in &samples.chains {
            let start = values.len();
            values.resize(start + chain.n_draws() * k, 0.0);
            values[start..]
                .par_chunks_mut(k.max(1))
                .enumerate()
                .for_each_init(
                    || Vec::with_capacity(k),
                    |buf, (i, row)| {
                        density.constrain(chain.draw(i), buf);
                        row.copy_from_slice(buf);
                    },
                );
        }
        PosteriorDraws {
            names,
            n_chains: samples.chains.len(),
            n_draws,
            values,
        }
    }

    /// Draws already on the constrained scale: `chains[c][i]` is draw `i` of chain `c`, in the
    /// order of `names`. `None` when chains differ in length or a draw has the wrong width.
    pub fn from_constrained(
        names: Vec<String>,
        chains: &[Vec<Vec<f64>>],
    ) -> Option<PosteriorDraws> {
        let n_draws = chains.first().map_or(0, Vec::len);
        let mut values = Vec::with_capacity(chains.len() * n_draws * names.len());
        for chain in chains {
            if chain.len() != n_draws {
                return None;
            }
            for row in chain {
                if row.len() != names.len() {
                    return None;
                }
                values.extend_from_slice(row);
            }
        }
        Some(PosteriorDraws {
            names,
            n_chains: chains.len(),
            n_draws,
            values,
        })
    }

    /// Number of parameters.
    pub fn n_params(&self) -> usize {
        self.names.len()
    }

    /// Draw `i` of chain `chain`.
    pub fn draw(&self, chain: usize, i: usize) -> &[f64] {
        let k = self.n_params();
        let start = (chain * self.n_draws + i) * k;
        &self.values[start..start + k]
    }

    /// Every draw, chains in order.
    pub fn iter(&self) -> impl Iterator<Item = &[f64]> {
        self.values.chunks_exact(self.n_params().max(1))
    }

    /// Total number of draws over chains.
    pub fn len(&self) -> usize {
        self.n_chains * self.n_draws
    }

    /// Whether there are no draws.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The traces of parameter `p`, one per chain.
    pub fn traces(&self, p: usize) -> Vec<Vec<f64>> {
        (0..self.n_chains)
            .map(|c| (0..self.n_draws).map(|i| self.draw(c, i)[p]).collect())
            .collect()
    }

    /// Draws of chain `chain` as rows.
    pub fn chain_rows(&self, chain: usize) -> Vec<Vec<f64>> {
        (0..self.n_draws)
            .map(|i| self.draw(chain, i).to_vec())
            .collect()
    }
}
