//! Two consecutive logistic channels with geometric adstock, interleaved by period
//! (`transform/pair_lanes.rs`): which channels pair up, and their part of the gradient's forward
//! and reverse passes.

use super::layout::ChannelLayout;
use crate::transform::{
    AdstockKind, GEOMETRIC_RECURSION_MIN_LAG, Pair, PairParams, PairSeries, SaturationKind,
    geometric_alpha_adjoint, geometric_logistic_pair_forward, geometric_logistic_pair_sweep,
    interleave_pair, pair_scratch_len,
};

/// Two channels whose recursion, curve and sweep run interleaved.
#[derive(Debug, Clone)]
pub(crate) struct PairGroup {
    /// The channels, `[c, c + 1]`.
    pub channels: [usize; 2],
    lags: usize,
    /// Spend, interleaved by period.
    spend: Vec<Pair>,
    series: PairSeries,
    scratch: Vec<Pair>,
    params: PairParams,
}

/// Whether channel `ch` can be in a [`PairGroup`] (the one-channel path takes the same
/// recursion from [`GEOMETRIC_RECURSION_MIN_LAG`] on, so the pair gives its bits).
fn eligible(ch: &ChannelLayout) -> bool {
    ch.adstock == AdstockKind::Geometric
        && ch.saturation == SaturationKind::Logistic
        && ch.max_lag >= GEOMETRIC_RECURSION_MIN_LAG
}

/// Pairs of consecutive eligible channels with the same max lag, among the channels not
/// `taken` by a four-lane group, from the first channel on. Consecutive, so the mean adds
/// the channels in the one-channel path's order.
pub(crate) fn pair_groups(
    channels: &[ChannelLayout],
    spend: &[Vec<f64>],
    n: usize,
    taken: &[bool],
) -> Vec<PairGroup> {
    let free = |c: usize| !taken[c] && eligible(&channels[c]);
    let mut pairs = Vec::new();
    let mut c = 0;
    while c + 1 < channels.len() {
        if free(c) && free(c + 1) && channels[c].max_lag == channels[c + 1].max_lag {
            let lags = channels[c].max_lag;
            pairs.push(PairGroup {
                channels: [c, c + 1],
                lags,
                spend: interleave_pair(&spend[c], &spend[c + 1]),
                series: PairSeries::new(n),
                scratch: vec![[0.0; 2]; pair_scratch_len(lags)],
                params: PairParams {
                    alpha: [0.5; 2],
                    w0: [0.0; 2],
                    lam: [1.0; 2],
                    beta: [0.0; 2],
                },
            });
            c += 2;
        } else {
            c += 1;
        }
    }
    pairs
}

impl PairGroup {
    /// Takes channel `lane`'s constrained parameters from `x` and its lag weights `w`; after the
    /// second, runs the pair's forward pass, adding both channels to `mu`.
    #[inline(always)]
    pub fn forward_lane(
        &mut self,
        lane: usize,
        ch: &ChannelLayout,
        x: &[f64],
        w: &[f64],
        mu: &mut [f64],
    ) {
        let p = &mut self.params;
        (p.alpha[lane], p.w0[lane]) = (x[ch.adstock_idx[0]], w[0]);
        (p.lam[lane], p.beta[lane]) = (x[ch.saturation_idx[0]], x[ch.beta_idx]);
        if lane == 1 {
            geometric_logistic_pair_forward(
                &self.params,
                self.lags,
                &self.spend,
                &mut self.series,
                mu,
                &mut self.scratch,
            );
        }
    }

    /// Adds the pair's gradient, from d log p / d μ (`d_mu`), into `gx` (per constrained
    /// parameter); `weights[c]` are channel c's lag weights from the forward pass.
    #[inline(always)]
    pub fn backward(
        &self,
        d_mu: &[f64],
        channels: &[ChannelLayout],
        weights: &[Vec<f64>],
        gx: &mut [f64],
    ) {
        let sums = geometric_logistic_pair_sweep(&self.params, d_mu, &self.series);
        for (lane, &c) in self.channels.iter().enumerate() {
            let ch = &channels[c];
            let [s_beta, s_p0, s_ga, s_gm] = sums.map(|s| s[lane]);
            gx[ch.beta_idx] += s_beta;
            gx[ch.saturation_idx[0]] += self.params.beta[lane] * s_p0;
            let alpha = self.params.alpha[lane];
            gx[ch.adstock_idx[0]] +=
                geometric_alpha_adjoint(alpha, &weights[c], ch.normalize, s_ga, s_gm);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::density::gradient_tests::{
        check_against_one_channel_path, geometric_channels_spec, synthetic_data_spending,
    };
    use crate::density::{DensityOptions, MmmDensity};
    use crate::spec::ModelSpec;

    /// Logistic channels of lags 8, 8 (a pair), 5 (alone: the next has another lag), 6, 6 (a
    /// pair, normalised and not), a Hill channel, then two of lag 8 around nothing else (a pair).
    fn spec() -> ModelSpec {
        // A normal seasonality prior: the default Laplace prior's kink at 0 would fail the
        // finite differences wherever a point lands next to it.
        geometric_channels_spec(
            &[
                ("logistic", 8, true),
                ("logistic", 8, true),
                ("logistic", 5, true),
                ("logistic", 6, false),
                ("logistic", 6, true),
                ("hill", 6, true),
                ("logistic", 8, false),
                ("logistic", 8, true),
            ],
            "[[control]]\ncolumn = \"promo\"\n\n[seasonality]\norder = 2\n\
             prior = { dist = \"normal\", mu = 0.0, sigma = 1.0 }\n\n[trend]\ntype = \"linear\"\n",
        )
    }

    fn one_channel_path(density: &MmmDensity) -> MmmDensity {
        let mut plain = density.clone();
        plain.pairs.clear();
        plain.pair_of.iter_mut().for_each(|p| *p = None);
        plain
    }

    /// The pairs give the one-channel path's log density and gradient bit for bit (the same
    /// arithmetic in the same order), and the gradient passes the finite-difference check, in
    /// both coordinate systems and at odd and even lengths.
    #[test]
    fn pairs_equal_the_one_channel_path_bit_for_bit_and_finite_differences() {
        let spec = spec();
        for (rows, natural_coordinates) in [(103, false), (104, true), (179, true)] {
            let data = synthetic_data_spending(&spec, rows, 9, 0.4);
            let options = DensityOptions {
                natural_coordinates,
                ..DensityOptions::default()
            };
            let mut density = MmmDensity::with_options(&spec, &data, &options).unwrap();
            let pairs: Vec<[usize; 2]> = density.pairs.iter().map(|p| p.channels).collect();
            assert_eq!(pairs, [[0, 1], [3, 4], [6, 7]]);
            let mut plain = one_channel_path(&density);
            check_against_one_channel_path(
                &mut density,
                &mut plain,
                rows as u64,
                |lp, lp_plain, g, g_plain, names| {
                    assert_eq!(lp.to_bits(), lp_plain.to_bits(), "{lp} vs {lp_plain}");
                    for (i, (a, b)) in g.iter().zip(g_plain).enumerate() {
                        assert_eq!(a.to_bits(), b.to_bits(), "{}: {a} vs {b}", names[i]);
                    }
                },
            );
        }
    }
}
