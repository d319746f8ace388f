//! The response of a budget plan per posterior draw: every draw's steady-state curve of every
//! channel, so a plan's outcome (and its exact gradient) is evaluated draw by draw and every
//! interval reported is the posterior's.

use crate::density::{Decomposition, MmmDensity, ResponseLink, SteadyStateCurve};
use crate::posterior::PosteriorDraws;

use super::kernel::Kernel;

/// Each draw's compiled curves and link, channel-major: channel `c` of draw `d` at
/// `c * draws + d`, so the inner loop runs over draws of one channel.
///
/// A plan spends `spend[c]` on channel `c` in total over `horizon` periods, flat: `spend[c] /
/// horizon` per period. With adstock at its steady state, draw `d`'s outcome over the horizon
/// is `horizon · link_d(Σ_c η_dc(spend[c] / horizon))`.
#[derive(Debug, Clone)]
pub struct PlanResponse {
    channels: usize,
    horizon: f64,
    kernels: Vec<Kernel>,
    links: Vec<ResponseLink>,
}

impl PlanResponse {
    /// Curves of every posterior draw. A multiplicative (log-normal) model needs the baseline
    /// level of each draw: its mean log baseline over the last `reference_periods` periods.
    pub fn from_posterior(
        density: &MmmDensity,
        draws: &PosteriorDraws,
        horizon: usize,
        reference_periods: usize,
    ) -> PlanResponse {
        let mut density = density.clone();
        let channels = density.n_channels();
        let mut curves = Vec::with_capacity(draws.len() * channels);
        let mut links = Vec::with_capacity(draws.len());
        let multiplicative = !density.response_link(0.0).is_additive();
        let mut dec = Decomposition::default();
        let sy = density.scales().target;
        for x in draws.iter() {
            curves.extend((0..channels).map(|c| density.steady_state_curve(x, c)));
            let level = if multiplicative {
                density.decompose(x, &mut dec);
                let recent = &dec.baseline[dec.baseline.len().saturating_sub(reference_periods)..];
                recent
                    .iter()
                    .map(|b| (b / sy).max(f64::MIN_POSITIVE).ln())
                    .sum::<f64>()
                    / recent.len().max(1) as f64
            } else {
                0.0
            };
            links.push(density.response_link(level));
        }
        PlanResponse::from_curves(curves, links, channels, horizon)
    }

    /// From explicit curves, draw-major (`curves[d * channels + c]`), and one link per draw.
    ///
    /// # Panics
    /// If `curves.len() != links.len() * channels`.
    pub fn from_curves(
        curves: Vec<SteadyStateCurve>,
        links: Vec<ResponseLink>,
        channels: usize,
        horizon: usize,
    ) -> PlanResponse {
        assert_eq!(curves.len(), links.len() * channels, "curves per draw");
        let draws = links.len();
        let kernels = (0..channels)
            .flat_map(|c| (0..draws).map(move |d| d * channels + c))
            .map(|i| Kernel::new(&curves[i]))
            .collect();
        PlanResponse {
            channels,
            horizon: horizon as f64,
            kernels,
            links,
        }
    }

    /// The same plan seen by draw `d` alone.
    pub fn single(&self, d: usize) -> PlanResponse {
        let n = self.n_draws();
        PlanResponse {
            channels: self.channels,
            horizon: self.horizon,
            kernels: (0..self.channels)
                .map(|c| self.kernels[c * n + d])
                .collect(),
            links: vec![self.links[d]],
        }
    }

    /// Number of draws.
    pub fn n_draws(&self) -> usize {
        self.links.len()
    }

    /// Number of channels.
    pub fn n_channels(&self) -> usize {
        self.channels
    }

    /// Periods in the plan.
    pub fn horizon(&self) -> f64 {
        self.horizon
    }

    /// Whether every draw's outcome is concave in the spend (additive link, concave curves), so
    /// one start finds the optimum of the mean.
    pub fn is_concave(&self) -> bool {
        self.links.iter().all(ResponseLink::is_additive)
            && self.kernels.iter().all(Kernel::is_concave)
    }

    /// Channels whose curve is S-shaped in some draw (they get a corner start of their own).
    pub fn non_concave_channels(&self) -> Vec<usize> {
        let n = self.n_draws();
        (0..self.channels)
            .filter(|&c| {
                !self.kernels[c * n..(c + 1) * n]
                    .iter()
                    .all(Kernel::is_concave)
            })
            .collect()
    }

    fn kernel(&self, d: usize, c: usize) -> &Kernel {
        &self.kernels[c * self.n_draws() + d]
    }

    /// Draw `d`'s outcome over the horizon for total spends `spend` (one per channel).
    pub fn outcome(&self, d: usize, spend: &[f64]) -> f64 {
        let eta: f64 = spend
            .iter()
            .enumerate()
            .map(|(c, s)| {
                let x = s / self.horizon;
                self.kernel(d, c).eval(x, x.ln()).0
            })
            .sum();
        self.horizon * self.links[d].outcome(eta)
    }

    /// Draw `d`'s outcome over the horizon, with d outcome / d `spend[c]` (the marginal ROAS of
    /// each channel) written into `grad`. A Hill curve with slope below 1 has an infinite
    /// marginal ROAS at zero spend.
    pub fn outcome_with_gradient(&self, d: usize, spend: &[f64], grad: &mut [f64]) -> f64 {
        let mut eta = 0.0;
        for (c, (s, g)) in spend.iter().zip(grad.iter_mut()).enumerate() {
            let x = s / self.horizon;
            let (e, slope) = self.kernel(d, c).eval(x, x.ln());
            eta += e;
            *g = slope;
        }
        let link = self.links[d];
        let outer = link.slope(eta);
        // Per period: d/d(spend/H) · (1/H), times H periods: the horizon cancels.
        grad.iter_mut().for_each(|g| *g *= outer);
        self.horizon * link.outcome(eta)
    }

    /// Every draw's outcome into `values` (one per draw); with `slopes`, also every draw's
    /// marginal ROAS per channel, channel-major (`slopes[c * draws + d]`). The hot path of the
    /// search: channel by channel over the draws, one transcendental per draw and channel.
    pub fn outcomes(&self, spend: &[f64], values: &mut [f64], mut slopes: Option<&mut [f64]>) {
        let n = self.n_draws();
        values.fill(0.0);
        for (c, s) in spend.iter().enumerate() {
            let x = s / self.horizon;
            let ln_x = x.ln();
            let kernels = &self.kernels[c * n..(c + 1) * n];
            match slopes.as_deref_mut() {
                Some(sl) => {
                    let sl = &mut sl[c * n..(c + 1) * n];
                    for ((k, v), g) in kernels.iter().zip(values.iter_mut()).zip(sl) {
                        let (e, slope) = k.eval(x, ln_x);
                        *v += e;
                        *g = slope;
                    }
                }
                None => {
                    for (k, v) in kernels.iter().zip(values.iter_mut()) {
                        *v += k.eval(x, ln_x).0;
                    }
                }
            }
        }
        for (d, (v, link)) in values.iter_mut().zip(&self.links).enumerate() {
            if let Some(sl) = slopes.as_deref_mut() {
                let outer = link.slope(*v);
                for c in 0..self.channels {
                    sl[c * n + d] *= outer;
                }
            }
            *v = self.horizon * link.outcome(*v);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::transform::SaturationKind;

    /// Exact slope against central differences.
    const FD_REL: f64 = 1e-6;
    const FD_STEP: f64 = 1e-5;

    pub(crate) fn hill(beta: f64, gain: f64, k: f64, s: f64) -> SteadyStateCurve {
        SteadyStateCurve {
            beta,
            gain,
            saturation: SaturationKind::Hill,
            params: [k, s],
        }
    }

    pub(crate) fn logistic(beta: f64, gain: f64, lam: f64) -> SteadyStateCurve {
        SteadyStateCurve {
            beta,
            gain,
            saturation: SaturationKind::Logistic,
            params: [lam, 0.0],
        }
    }

    #[test]
    fn outcome_gradient_matches_central_differences_for_both_links() {
        let curves = vec![
            hill(2.0, 0.01, 1.5, 2.5),
            logistic(1.0, 0.02, 1.2),
            hill(0.5, 0.005, 0.8, 0.7),
        ];
        for link in [
            ResponseLink::Additive { scale: 1000.0 },
            ResponseLink::Multiplicative { scale: 800.0 },
        ] {
            let plan = PlanResponse::from_curves(curves.clone(), vec![link], 3, 4);
            let spend = [500.0, 120.0, 900.0];
            let mut g = [0.0; 3];
            let value = plan.outcome_with_gradient(0, &spend, &mut g);
            assert!((value - plan.outcome(0, &spend)).abs() <= 1e-12 * value.abs());
            let (mut all, mut slopes) = ([0.0], [0.0; 3]);
            plan.outcomes(&spend, &mut all, Some(&mut slopes));
            assert!((all[0] - value).abs() <= 1e-12 * value.abs());
            for (a, b) in slopes.iter().zip(&g) {
                assert!((a - b).abs() <= 1e-12 * b.abs());
            }
            for c in 0..3 {
                let h = FD_STEP * spend[c];
                let mut up = spend;
                up[c] += h;
                let mut down = spend;
                down[c] -= h;
                let fd = (plan.outcome(0, &up) - plan.outcome(0, &down)) / (2.0 * h);
                assert!(
                    (g[c] - fd).abs() <= FD_REL * fd.abs(),
                    "{link:?} {c}: {} vs {fd}",
                    g[c]
                );
            }
        }
    }

    #[test]
    fn a_flat_plan_over_the_horizon_is_horizon_times_the_per_period_response() {
        let k = logistic(1.5, 0.1, 2.0);
        let plan =
            PlanResponse::from_curves(vec![k], vec![ResponseLink::Additive { scale: 10.0 }], 1, 5);
        let per_period = 10.0 * k.eta_with_slope(3.0).0;
        let mut all = [0.0];
        plan.outcomes(&[15.0], &mut all, None);
        assert!((all[0] - 5.0 * per_period).abs() <= 1e-12 * per_period);
        assert!((plan.outcome(0, &[15.0]) - 5.0 * per_period).abs() <= 1e-12 * per_period);
        assert!(plan.is_concave());
        let s_shaped =
            PlanResponse::from_curves(vec![hill(1.0, 1.0, 1.0, 3.0)], vec![plan.links[0]], 1, 1);
        assert!(!s_shaped.is_concave());
    }
}
