//! A panel draw's steady-state response per channel and group — the curves and links the
//! budget optimizer evaluates (`crate::optimize::PlanResponse`), read off the panel density.

use crate::density::{Family, ResponseLink, SteadyStateCurve};
use crate::spec::TermRef;
use crate::transform::steady_state_factor;

use super::density::PanelDensity;

impl PanelDensity {
    /// Channel `c`'s steady-state curve in group `g` at constrained `x`: η per unit of spend
    /// per period in original currency (the group's own population divides it).
    pub fn steady_state_curve(&self, x: &[f64], c: usize, g: usize) -> SteadyStateCurve {
        self.steady_state_curve_with(x, c, g, self.adstock_gain(x, c))
    }

    /// Channel `c`'s steady-state adstock gain at constrained `x` (the sum of its weights,
    /// shared by every group): compute it once per draw and pass it to
    /// [`PanelDensity::steady_state_curve_with`] when evaluating many groups.
    pub fn adstock_gain(&self, x: &[f64], c: usize) -> f64 {
        let ch = &self.layout.channels[c];
        let np = ch.adstock.n_params();
        let mut w = vec![0.0; ch.max_lag];
        ch.adstock.weights(
            &[x[ch.adstock_idx[0]], x[ch.adstock_idx[np - 1]]][..np],
            ch.normalize,
            &mut w,
        );
        steady_state_factor(&w)
    }

    /// [`PanelDensity::steady_state_curve`] with the channel's adstock gain given.
    pub fn steady_state_curve_with(
        &self,
        x: &[f64],
        c: usize,
        g: usize,
        adstock_gain: f64,
    ) -> SteadyStateCurve {
        let ch = &self.layout.channels[c];
        let mut params = [0.0; 2];
        let ns = ch.saturation.n_params();
        for (p, idx) in params.iter_mut().zip(&ch.saturation_idx[..ns]) {
            *p = x[*idx];
        }
        SteadyStateCurve {
            beta: (x[ch.mu_idx] + x[ch.sigma_idx] * x[ch.z0 + g]).exp(),
            gain: adstock_gain / (self.data.scales.channels[c] * self.data.population[g]),
            saturation: ch.saturation,
            params,
        }
    }

    /// How the channels' responses combine in each group at constrained `x`: additive models
    /// scale by `s_y · pop_g`; a log-normal model multiplies the group's baseline level, the
    /// mean of its log baseline (the fitted mean without the channels) over its last
    /// `reference_periods` rows.
    pub fn response_links(&mut self, x: &[f64], reference_periods: usize) -> Vec<ResponseLink> {
        let sy = self.data.scales.target;
        let n_groups = self.layout.n_groups;
        if self.layout.family != Family::LogNormal {
            return (0..n_groups)
                .map(|g| ResponseLink::Additive {
                    scale: sy * self.data.population[g],
                })
                .collect();
        }
        self.forward(x);
        let n = self.data.n_rows;
        (0..n_groups)
            .map(|g| {
                let rows = self.data.rows(g);
                let start = rows.end - reference_periods.min(rows.len());
                let level = (start..rows.end)
                    .map(|r| {
                        let channels: f64 = (0..self.layout.channels.len())
                            .map(|c| self.beta[c * n_groups + g] * self.sat[c * n + r])
                            .sum();
                        self.mu[r] - channels
                    })
                    .sum::<f64>()
                    / (rows.end - start).max(1) as f64;
                ResponseLink::Multiplicative {
                    scale: sy * self.data.population[g] * level.exp(),
                }
            })
            .collect()
    }

    /// Each channel's spend in each group over the group's last `reference_periods` rows,
    /// original currency, channel-major (`c * groups + g`).
    pub fn reference_spend(&self, reference_periods: usize) -> Vec<f64> {
        let n = self.data.n_rows;
        let n_groups = self.layout.n_groups;
        let mut out = Vec::with_capacity(self.layout.channels.len() * n_groups);
        for c in 0..self.layout.channels.len() {
            for g in 0..n_groups {
                let rows = self.data.rows(g);
                let start = rows.end - reference_periods.min(rows.len());
                out.push(
                    self.data.spend_original[c * n + start..c * n + rows.end]
                        .iter()
                        .sum(),
                );
            }
        }
        out
    }

    /// Rows of the shortest group.
    pub fn min_group_rows(&self) -> usize {
        (0..self.layout.n_groups)
            .map(|g| self.data.rows(g).len())
            .min()
            .unwrap_or(0)
    }

    /// The channel names in model order.
    pub fn channel_names(&self) -> &[String] {
        &self.channel_names
    }

    /// Names (`a:b`) of the interactions that involve a channel: their effect depends on two
    /// spends at once, which a plan's per-channel curves cannot express.
    pub fn channel_interactions(&self) -> Vec<String> {
        let name = |t: TermRef| match t {
            TermRef::Channel(c) => self.channel_names[c].clone(),
            TermRef::Control(k) => format!("control {k}"),
        };
        self.interactions
            .iter()
            .filter(|[a, b]| matches!(a, TermRef::Channel(_)) || matches!(b, TermRef::Channel(_)))
            .map(|&[a, b]| format!("{}:{}", name(a), name(b)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::gradient_tests::load;

    /// Curve against the density's own forward pass.
    const SAME_REL: f64 = 1e-9;

    /// Three groups, 40 weeks each, every channel's spend flat within a group.
    fn flat_csv() -> String {
        let mut s = String::from("week,geo,y,tv,search,pop\n");
        for (g, (tv, search, pop)) in [(30.0, 5.0, 10.0), (12.0, 9.0, 3.0), (0.5, 2.0, 7.0)]
            .into_iter()
            .enumerate()
        {
            for t in 0..40 {
                let date = crate::transform::Date::from_days_since_epoch(19_000 + 7 * t);
                let y = 100.0 + ((t * 7 + 3 * g as i64) % 11) as f64;
                s += &format!("{date},g{g},{y},{tv},{search},{pop}\n");
            }
        }
        s
    }

    #[test]
    fn curves_match_the_density_at_the_end_of_a_long_flat_spend() {
        let model = "[data]\ndate = \"week\"\ntarget = \"y\"\ngroup = \"geo\"\n\
                     population = \"pop\"\n\
                     [[channel]]\nname = \"tv\"\nsaturation = { type = \"hill\" }\n\
                     [[channel]]\nname = \"search\"\n\
                     adstock = { type = \"delayed\", max_lag = 6 }\n";
        let (spec, panel) = load(model, &flat_csv());
        let mut density = PanelDensity::new(&spec, &panel).unwrap();
        let x: Vec<f64> = density
            .params()
            .iter()
            .enumerate()
            .map(|(i, p)| p.support.constrain(0.3 * ((i % 5) as f64) - 0.6))
            .collect();
        density.forward(&x);
        let n = density.data.n_rows;
        let n_groups = density.layout.n_groups;
        assert_eq!(n_groups, 3);
        for g in 0..n_groups {
            let last = density.data.rows(g).end - 1;
            for c in 0..2 {
                let spend = density.data.spend_original[c * n + last];
                let (eta, _) = density.steady_state_curve(&x, c, g).eta_with_slope(spend);
                let want = density.beta[c * n_groups + g] * density.sat[c * n + last];
                assert!(
                    (eta - want).abs() <= SAME_REL * want.abs(),
                    "channel {c} group {g}: {eta} vs {want}"
                );
            }
        }
        let links = density.response_links(&x, 13);
        let sy = density.scales().target;
        for (g, link) in links.iter().enumerate() {
            let want = sy * density.data.population[g];
            assert!((link.slope(0.0) - want).abs() <= SAME_REL * want);
        }
    }
}
