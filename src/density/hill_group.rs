//! Hill channels with geometric adstock, four at a time in the lanes of one vector
//! (`transform/hill_lanes.rs`): which channels form a group, and their part of the gradient's
//! forward and reverse passes.

use super::layout::ChannelLayout;
use crate::transform::{
    AdstockKind, HillLaneParams, HillLaneSeries, LANES, Lanes, SaturationKind,
    geometric_alpha_adjoint, geometric_hill_forward, geometric_hill_sweep, interleave_padded,
};

/// The longest max lag a Hill group takes: every period costs the group's longest lag in
/// multiply-adds (a direct convolution), where the one-channel path's recursion costs the
/// same whatever the lag. Only the weekly Hill model (lags 12 and 8) was measured
/// (docs/performance.md); a longer lag keeps the one-channel path.
pub(crate) const HILL_GROUP_MAX_LAG: usize = 16;

/// Up to [`LANES`] Hill channels whose adstock and curve run in the lanes of one vector.
#[derive(Debug, Clone)]
pub(crate) struct HillGroup {
    /// The channels, in lane order (increasing).
    pub channels: Vec<usize>,
    /// Spend, interleaved by period after `lags − 1` zero rows.
    spend: Vec<Lanes>,
    series: HillLaneSeries,
    params: HillLaneParams,
}

/// Whether channel `ch` can run in a [`HillGroup`].
fn eligible(ch: &ChannelLayout) -> bool {
    ch.adstock == AdstockKind::Geometric
        && ch.saturation == SaturationKind::Hill
        && ch.max_lag <= HILL_GROUP_MAX_LAG
}

/// The eligible channels in order, in groups of [`LANES`]; a last group of fewer keeps the
/// one-channel path (a group with empty lanes was not measured).
pub(crate) fn hill_groups(
    channels: &[ChannelLayout],
    spend: &[Vec<f64>],
    n: usize,
) -> Vec<HillGroup> {
    let members: Vec<usize> = (0..channels.len())
        .filter(|&c| eligible(&channels[c]))
        .collect();
    members
        .chunks_exact(LANES)
        .map(|group| {
            let lags = group
                .iter()
                .map(|&c| channels[c].max_lag)
                .max()
                .unwrap_or(1);
            let series: Vec<&[f64]> = group.iter().map(|&c| spend[c].as_slice()).collect();
            HillGroup {
                channels: group.to_vec(),
                spend: interleave_padded(&series, lags),
                series: HillLaneSeries::new(n),
                params: HillLaneParams::new(lags),
            }
        })
        .collect()
}

impl HillGroup {
    /// Takes lane `lane`'s constrained parameters from `x` and its lag weights `w`; after the
    /// last lane, runs the group's forward pass, adding its channels to `mu`.
    #[inline(always)]
    pub fn forward_lane(
        &mut self,
        lane: usize,
        ch: &ChannelLayout,
        x: &[f64],
        w: &[f64],
        mu: &mut [f64],
    ) {
        let (k, s) = (x[ch.saturation_idx[0]], x[ch.saturation_idx[1]]);
        self.params.set_lane(lane, w, k, s, x[ch.beta_idx]);
        if lane + 1 == self.channels.len() {
            geometric_hill_forward(&self.params, &self.spend, &mut self.series, mu);
        }
    }

    /// Adds the group's gradient, from d log p / d μ (`d_mu`), into `gx` (per constrained
    /// parameter); `weights[c]` are channel c's lag weights from the forward pass.
    #[inline(always)]
    pub fn backward(
        &self,
        d_mu: &[f64],
        channels: &[ChannelLayout],
        x: &[f64],
        weights: &[Vec<f64>],
        gx: &mut [f64],
    ) {
        let sums = geometric_hill_sweep(d_mu, &self.series);
        for (lane, &c) in self.channels.iter().enumerate() {
            let ch = &channels[c];
            let [s_f, s_q, s_q_log_ratio, s_q_mean_lag] = sums.map(|v| v[lane]);
            let (beta, k, s) = (
                x[ch.beta_idx],
                x[ch.saturation_idx[0]],
                x[ch.saturation_idx[1]],
            );
            gx[ch.beta_idx] += s_f;
            gx[ch.saturation_idx[0]] -= beta * s / k * s_q;
            gx[ch.saturation_idx[1]] += beta * s_q_log_ratio;
            let (g_dot_a, g_dot_moment) = (beta * s * s_q, beta * s * s_q_mean_lag);
            gx[ch.adstock_idx[0]] += geometric_alpha_adjoint(
                x[ch.adstock_idx[0]],
                &weights[c],
                ch.normalize,
                g_dot_a,
                g_dot_moment,
            );
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

    /// The Hill group against the one-channel path: the same curve, the adstock by direct
    /// convolution instead of the recursion (a few ulps), and reassociated sums.
    const ONE_CHANNEL_REL: f64 = 1e-12;

    /// Issue 17's weekly Hill shape (lags 12, 8, 8, 8), with a logistic channel among them and
    /// a fifth Hill channel left on the one-channel path.
    fn spec() -> ModelSpec {
        geometric_channels_spec(
            &[
                ("hill", 12, false),
                ("hill", 8, true),
                ("logistic", 8, false),
                ("hill", 8, false),
                ("hill", 3, false),
                ("hill", 8, false),
            ],
            "[[control]]\ncolumn = \"promo\"\n\n[seasonality]\norder = 2\n\n[trend]\ntype = \"linear\"\n",
        )
    }

    fn one_channel_path(density: &MmmDensity) -> MmmDensity {
        let mut plain = density.clone();
        plain.hill_groups.clear();
        plain.hill_group_of.iter_mut().for_each(|g| *g = None);
        plain
    }

    #[test]
    fn hill_group_matches_the_one_channel_path_and_finite_differences() {
        let spec = spec();
        // Sparse spend, so that many windows hold no spend at all (a = 0).
        let data = synthetic_data_spending(&spec, 104, 9, 0.3);
        for natural_coordinates in [false, true] {
            let options = DensityOptions {
                natural_coordinates,
                ..DensityOptions::default()
            };
            let mut density = MmmDensity::with_options(&spec, &data, &options).unwrap();
            assert_eq!(density.hill_groups.len(), 1, "one group of four");
            assert_eq!(density.hill_groups[0].channels, [0, 1, 3, 4]);
            let mut plain = one_channel_path(&density);
            check_against_one_channel_path(
                &mut density,
                &mut plain,
                31,
                |lp, lp_plain, g, g_plain, names| {
                    assert!(
                        (lp - lp_plain).abs() <= ONE_CHANNEL_REL * lp_plain.abs(),
                        "log density {lp} vs {lp_plain}"
                    );
                    let scale = g_plain.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
                    for (i, (a, b)) in g.iter().zip(g_plain).enumerate() {
                        assert!(
                            (a - b).abs() <= ONE_CHANNEL_REL * b.abs().max(1e-3 * scale),
                            "{}: {a} vs {b}",
                            names[i]
                        );
                    }
                },
            );
        }
    }
}
