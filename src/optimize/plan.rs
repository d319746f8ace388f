//! The response of a budget plan per posterior draw: every draw's steady-state curve of every
//! response unit (a channel, or a channel in one group of a panel), so a plan's outcome (and its
//! exact gradient) is evaluated draw by draw and every interval reported is the posterior's.
//!
//! The decision variables (what the solver splits the budget over) map linearly onto the
//! units: unit `u` spends `weight_u · spend[variable_u]`. A national model has one unit per
//! channel with weight 1; a panel split over channels in total spreads each channel over its
//! groups by fixed weights; a panel split over channels × groups has one variable per unit.
//! Units are gathered in blocks that share a link (a panel group: its population, and for a
//! log-normal model its baseline level), so draw `d`'s outcome over the horizon is
//! `horizon · Σ_b link_bd(Σ_{u in b} η_ud(weight_u · spend[variable_u] / horizon))`.

use crate::density::{Decomposition, MmmDensity, ResponseLink, SteadyStateCurve};
use crate::posterior::PosteriorDraws;

use super::kernel::Kernel;

/// Where a response unit's spend comes from and which link it feeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanUnit {
    /// The decision variable whose spend it takes a share of.
    pub variable: usize,
    /// The share: the unit spends `weight · spend[variable]`.
    pub weight: f64,
    /// The block (link) its response feeds.
    pub block: usize,
}

/// Each draw's compiled curves and links, unit-major: unit `u` of draw `d` at `u * draws + d`,
/// so the inner loop runs over draws of one unit.
///
/// A plan spends `spend[v]` on variable `v` in total over `horizon` periods, flat: `spend[v] /
/// horizon` per period. With adstock at its steady state, draw `d`'s outcome over the horizon
/// is `horizon · Σ_b link_bd(Σ_{u in b} η_ud(weight_u · spend[v_u] / horizon))`.
#[derive(Debug, Clone)]
pub struct PlanResponse {
    variables: usize,
    horizon: f64,
    units: Vec<PlanUnit>,
    /// Units of each block.
    blocks: Vec<Vec<usize>>,
    kernels: Vec<Kernel>,
    /// Block-major: block `b` of draw `d` at `b * draws + d`.
    links: Vec<ResponseLink>,
    draws: usize,
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

    /// From explicit curves, draw-major (`curves[d * channels + c]`), and one link per draw:
    /// one unit per channel, all feeding one link.
    ///
    /// # Panics
    /// If `curves.len() != links.len() * channels`.
    pub fn from_curves(
        curves: Vec<SteadyStateCurve>,
        links: Vec<ResponseLink>,
        channels: usize,
        horizon: usize,
    ) -> PlanResponse {
        let units = (0..channels)
            .map(|c| PlanUnit {
                variable: c,
                weight: 1.0,
                block: 0,
            })
            .collect();
        PlanResponse::from_units(curves, units, links, channels, horizon)
    }

    /// From explicit units: `curves[d * units.len() + u]` (draw-major) and one link per draw
    /// and block, `links[d * blocks + b]`; `variables` decision variables.
    ///
    /// # Panics
    /// If the lengths disagree, or a unit names a variable or block out of range.
    pub fn from_units(
        curves: Vec<SteadyStateCurve>,
        units: Vec<PlanUnit>,
        links: Vec<ResponseLink>,
        variables: usize,
        horizon: usize,
    ) -> PlanResponse {
        let n_units = units.len();
        let n_blocks = units.iter().map(|u| u.block + 1).max().unwrap_or(1);
        assert!(
            n_units > 0 && curves.len().is_multiple_of(n_units),
            "curves per draw"
        );
        let draws = curves.len() / n_units;
        assert_eq!(links.len(), draws * n_blocks, "links per draw and block");
        assert!(
            units.iter().all(|u| u.variable < variables),
            "unit variable"
        );
        let kernels = (0..n_units)
            .flat_map(|u| (0..draws).map(move |d| d * n_units + u))
            .map(|i| Kernel::new(&curves[i]))
            .collect();
        let links = (0..n_blocks)
            .flat_map(|b| (0..draws).map(move |d| d * n_blocks + b))
            .map(|i| links[i])
            .collect();
        let mut blocks = vec![Vec::new(); n_blocks];
        for (i, u) in units.iter().enumerate() {
            blocks[u.block].push(i);
        }
        PlanResponse {
            variables,
            horizon: horizon as f64,
            units,
            blocks,
            kernels,
            links,
            draws,
        }
    }

    /// The same plan seen by draw `d` alone.
    pub fn single(&self, d: usize) -> PlanResponse {
        let n = self.draws;
        PlanResponse {
            variables: self.variables,
            horizon: self.horizon,
            units: self.units.clone(),
            blocks: self.blocks.clone(),
            kernels: (0..self.units.len())
                .map(|u| self.kernels[u * n + d])
                .collect(),
            links: (0..self.blocks.len())
                .map(|b| self.links[b * n + d])
                .collect(),
            draws: 1,
        }
    }

    /// Number of draws.
    pub fn n_draws(&self) -> usize {
        self.draws
    }

    /// Number of decision variables (the channels of a national plan).
    pub fn n_channels(&self) -> usize {
        self.variables
    }

    /// The response units.
    pub fn units(&self) -> &[PlanUnit] {
        &self.units
    }

    /// Periods in the plan.
    pub fn horizon(&self) -> f64 {
        self.horizon
    }

    /// Whether every draw's outcome is concave in the spend (additive links, concave curves),
    /// so one start finds the optimum of the mean.
    pub fn is_concave(&self) -> bool {
        self.links.iter().all(ResponseLink::is_additive)
            && self.kernels.iter().all(Kernel::is_concave)
    }

    /// Variables with a unit whose curve is S-shaped in some draw (they get a corner start of
    /// their own).
    pub fn non_concave_channels(&self) -> Vec<usize> {
        let n = self.draws;
        let mut out: Vec<usize> = (0..self.units.len())
            .filter(|&u| {
                !self.kernels[u * n..(u + 1) * n]
                    .iter()
                    .all(Kernel::is_concave)
            })
            .map(|u| self.units[u].variable)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn kernel(&self, d: usize, u: usize) -> &Kernel {
        &self.kernels[u * self.draws + d]
    }

    fn link(&self, d: usize, b: usize) -> ResponseLink {
        self.links[b * self.draws + d]
    }

    /// Unit `u`'s spend per period under `spend`, and its log.
    fn unit_rate(&self, u: usize, spend: &[f64]) -> (f64, f64) {
        let unit = self.units[u];
        let x = unit.weight * spend[unit.variable] / self.horizon;
        (x, x.ln())
    }

    /// Each unit's total spend over the horizon under `spend`.
    pub fn unit_spend(&self, spend: &[f64]) -> Vec<f64> {
        self.units
            .iter()
            .map(|u| u.weight * spend[u.variable])
            .collect()
    }

    /// Draw `d`'s outcome over the horizon for total spends `spend` (one per variable).
    pub fn outcome(&self, d: usize, spend: &[f64]) -> f64 {
        self.blocks
            .iter()
            .enumerate()
            .map(|(b, units)| {
                let eta: f64 = units
                    .iter()
                    .map(|&u| {
                        let (x, ln_x) = self.unit_rate(u, spend);
                        self.kernel(d, u).eval(x, ln_x).0
                    })
                    .sum();
                self.horizon * self.link(d, b).outcome(eta)
            })
            .sum()
    }

    /// Draw `d`'s outcome over the horizon, with d outcome / d (unit `u`'s spend) written into
    /// `unit_grad[u]` (each unit's marginal ROAS).
    pub fn outcome_with_unit_gradient(
        &self,
        d: usize,
        spend: &[f64],
        unit_grad: &mut [f64],
    ) -> f64 {
        let mut total = 0.0;
        for (b, units) in self.blocks.iter().enumerate() {
            let mut eta = 0.0;
            for &u in units {
                let (x, ln_x) = self.unit_rate(u, spend);
                let (e, slope) = self.kernel(d, u).eval(x, ln_x);
                eta += e;
                unit_grad[u] = slope;
            }
            let link = self.link(d, b);
            // Per period: d/d(spend/H) · (1/H), times H periods: the horizon cancels.
            let outer = link.slope(eta);
            units.iter().for_each(|&u| unit_grad[u] *= outer);
            total += self.horizon * link.outcome(eta);
        }
        total
    }

    /// Draw `d`'s outcome over the horizon, with d outcome / d `spend[v]` (the marginal ROAS of
    /// each variable) written into `grad`. A Hill curve with slope below 1 has an infinite
    /// marginal ROAS at zero spend.
    pub fn outcome_with_gradient(&self, d: usize, spend: &[f64], grad: &mut [f64]) -> f64 {
        let mut unit_grad = vec![0.0; self.units.len()];
        let total = self.outcome_with_unit_gradient(d, spend, &mut unit_grad);
        grad.fill(0.0);
        for (u, g) in self.units.iter().zip(&unit_grad) {
            grad[u.variable] += u.weight * g;
        }
        total
    }

    /// Every draw's outcome into `values` (one per draw); with `slopes`, also every draw's
    /// marginal ROAS per variable, variable-major (`slopes[v * draws + d]`). The hot path of
    /// the search: unit by unit over the draws, one transcendental per draw and unit.
    pub fn outcomes(&self, spend: &[f64], values: &mut [f64], mut slopes: Option<&mut [f64]>) {
        let n = self.draws;
        values.fill(0.0);
        if let Some(sl) = slopes.as_deref_mut() {
            sl.fill(0.0);
        }
        let largest = self.blocks.iter().map(Vec::len).max().unwrap_or(0);
        let mut eta = vec![0.0; n];
        let with_slopes = if slopes.is_some() { n } else { 0 };
        let mut raw = vec![0.0; largest * with_slopes];
        let mut outer = vec![0.0; with_slopes];
        for (b, units) in self.blocks.iter().enumerate() {
            eta.fill(0.0);
            for (j, &u) in units.iter().enumerate() {
                let (x, ln_x) = self.unit_rate(u, spend);
                let kernels = &self.kernels[u * n..(u + 1) * n];
                if slopes.is_some() {
                    let r = &mut raw[j * n..(j + 1) * n];
                    for ((k, e), g) in kernels.iter().zip(eta.iter_mut()).zip(r) {
                        let (v, slope) = k.eval(x, ln_x);
                        *e += v;
                        *g = slope;
                    }
                } else {
                    for (k, e) in kernels.iter().zip(eta.iter_mut()) {
                        *e += k.eval(x, ln_x).0;
                    }
                }
            }
            let links = &self.links[b * n..(b + 1) * n];
            if let Some(sl) = slopes.as_deref_mut() {
                for ((o, link), e) in outer.iter_mut().zip(links).zip(&eta) {
                    *o = link.slope(*e);
                }
                for (j, &u) in units.iter().enumerate() {
                    let PlanUnit {
                        variable, weight, ..
                    } = self.units[u];
                    let out = &mut sl[variable * n..(variable + 1) * n];
                    let r = &raw[j * n..(j + 1) * n];
                    for ((o, g), k) in out.iter_mut().zip(r).zip(&outer) {
                        *o += weight * g * k;
                    }
                }
            }
            for ((v, link), e) in values.iter_mut().zip(links).zip(&eta) {
                *v += self.horizon * link.outcome(*e);
            }
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
