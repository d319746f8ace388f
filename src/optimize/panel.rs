//! A scenario answered on a panel fit: the budget split over channels in total (each channel
//! spread over the groups by their current shares) or over channels × groups, with every
//! channel-and-group response evaluated by the shared [`PlanResponse`] and the search,
//! intervals and report of the national optimizer ([`answer`]).

use serde::Serialize;

use crate::data::suggest::nearest;
use crate::panel::PanelDensity;
use crate::posterior::PosteriorDraws;

use super::error::{Issue, OptimizeError, Problem};
use super::plan::{PlanResponse, PlanUnit};
use super::progress::SearchProgress;
use super::report::{Allocation, ChannelRow, Summary};
use super::request::{Limits, Request};
use super::run::answer;
use super::scenario::{Bounds, CellBounds, DEFAULT_REFERENCE_PERIODS, Scenario, Split};

/// One row of `allocation_by_group.csv`: a channel in one group. Spends are totals over the
/// horizon in the data's currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    /// Channel name.
    pub channel: String,
    /// Group name.
    pub group: String,
    /// The current mix scaled to the budget.
    pub current: f64,
    /// The optimal spend.
    pub optimal: f64,
    /// optimal − current.
    pub change: f64,
    /// Minimum allowed (`channel_group` split; empty otherwise).
    pub min: Option<f64>,
    /// Maximum allowed (`channel_group` split with a cap; empty otherwise).
    pub max: Option<f64>,
    /// Posterior mean marginal ROAS of this channel in this group at the optimum.
    pub mroas_mean: f64,
    /// 5 % quantile of that marginal ROAS.
    pub mroas_q5: f64,
    /// 95 % quantile of that marginal ROAS.
    pub mroas_q95: f64,
    /// 5 % quantile of the per-draw optimal spend (`channel_group` split; empty otherwise).
    pub optimal_q5: Option<f64>,
    /// 95 % quantile of the per-draw optimal spend.
    pub optimal_q95: Option<f64>,
}

/// The answer on a panel fit: the per-channel [`Allocation`] and the rows per group.
#[derive(Debug, Clone, Serialize)]
pub struct PanelAllocation {
    /// `channel` or `channel_group`.
    pub split: &'static str,
    /// Per channel over all groups (as a national fit reports it).
    #[serde(flatten)]
    pub allocation: Allocation,
    /// Per channel and group.
    pub by_group: Vec<GroupRow>,
}

impl PanelAllocation {
    /// `allocation.csv` (per channel).
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        self.allocation.to_csv()
    }

    /// `allocation_by_group.csv`.
    pub fn by_group_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in &self.by_group {
            w.serialize(row)?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    /// `allocation.json`: the national fields, `split` and `by_group`.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// The decision variables of a panel scenario, checked against the fit.
#[derive(Debug, Clone)]
pub struct PanelRequest {
    /// The request over the decision variables.
    pub request: Request,
    /// What the budget is split over.
    pub split: Split,
    /// Channel and group of each unit, `c * groups + g`.
    pub units: Vec<PlanUnit>,
    /// Channel names.
    pub channels: Vec<String>,
    /// Group names.
    pub groups: Vec<String>,
}

/// Check `scenario` against a panel fit.
pub fn panel_request(
    density: &PanelDensity,
    scenario: &Scenario,
) -> Result<PanelRequest, OptimizeError> {
    let channels = density.channel_names().to_vec();
    let groups = density.groups().to_vec();
    let (n_c, n_g) = (channels.len(), groups.len());
    let mut issues = Vec::new();
    let interactions = density.channel_interactions();
    if !interactions.is_empty() {
        issues.push(Issue {
            line: None,
            problem: Problem::ChannelInteraction {
                names: interactions,
            },
        });
    }
    let shortest = density.min_group_rows();
    let reference_periods = match scenario.reference_periods {
        Some(r) if r > shortest => {
            issues.push(Issue {
                line: scenario.lines.reference_periods,
                problem: Problem::ReferencePeriods {
                    value: i64::try_from(r).unwrap_or(i64::MAX),
                    available: shortest,
                },
            });
            shortest
        }
        Some(r) => r,
        None => DEFAULT_REFERENCE_PERIODS.min(shortest),
    };
    // Every bound as a `CellBounds`: `[channel.X]` tables are channel totals.
    let mut all: Vec<CellBounds> = scenario
        .channels
        .iter()
        .map(|(name, bounds, line)| CellBounds {
            channel: name.clone(),
            group: None,
            bounds: *bounds,
            line: *line,
        })
        .collect();
    all.extend(scenario.bounds.iter().cloned());
    let split = scenario.split;
    let vars = match split {
        Split::Channel => n_c,
        Split::ChannelGroup => n_c * n_g,
    };
    let mut set: Vec<Option<Bounds>> = vec![None; vars];
    for b in &all {
        let mut problem = |problem| {
            issues.push(Issue {
                line: b.line,
                problem,
            });
        };
        let Some(c) = channels.iter().position(|n| *n == b.channel) else {
            problem(Problem::UnknownChannel {
                name: b.channel.clone(),
                suggestion: nearest(&b.channel, &channels).map(str::to_string),
                known: channels.clone(),
            });
            continue;
        };
        let g = match &b.group {
            None => None,
            Some(name) => match groups.iter().position(|n| n == name) {
                Some(g) => Some(g),
                None => {
                    problem(Problem::UnknownGroup {
                        name: name.clone(),
                        suggestion: nearest(name, &groups).map(str::to_string),
                        known: groups.clone(),
                    });
                    continue;
                }
            },
        };
        let var = match (split, g) {
            (Split::Channel, None) => c,
            (Split::ChannelGroup, Some(g)) => c * n_g + g,
            (Split::Channel, Some(_)) => {
                problem(Problem::GroupBoundNeedsSplit { label: b.label() });
                continue;
            }
            (Split::ChannelGroup, None) => {
                problem(Problem::TotalBoundInGroupSplit {
                    label: b.label(),
                    channel: b.channel.clone(),
                });
                continue;
            }
        };
        if set[var].replace(b.bounds).is_some() {
            problem(Problem::DuplicateBound { label: b.label() });
        }
    }
    let reference = density.reference_spend(reference_periods);
    let channel_total = |c: usize| reference[c * n_g..(c + 1) * n_g].iter().sum::<f64>();
    let mut units = Vec::with_capacity(n_c * n_g);
    for c in 0..n_c {
        let total = channel_total(c);
        for g in 0..n_g {
            units.push(match split {
                Split::Channel => PlanUnit {
                    variable: c,
                    // A channel with no recent spend anywhere is spread evenly.
                    weight: if total > 0.0 {
                        reference[c * n_g + g] / total
                    } else {
                        1.0 / n_g as f64
                    },
                    block: g,
                },
                Split::ChannelGroup => PlanUnit {
                    variable: c * n_g + g,
                    weight: 1.0,
                    block: g,
                },
            });
        }
    }
    let (names, totals): (Vec<String>, Vec<f64>) = match split {
        Split::Channel => (channels.clone(), (0..n_c).map(channel_total).collect()),
        Split::ChannelGroup => (
            (0..n_c * n_g)
                .map(|v| format!("{}/{}", channels[v / n_g], groups[v % n_g]))
                .collect(),
            reference.clone(),
        ),
    };
    let limits = Limits {
        min: set.iter().map(|b| b.map_or(0.0, |b| b.min)).collect(),
        max: set.iter().map(|b| b.and_then(|b| b.max)).collect(),
    };
    let request = Request::from_parts(scenario, names, limits, reference_periods, &totals, issues)?;
    Ok(PanelRequest {
        request,
        split,
        units,
        channels,
        groups,
    })
}

/// Every draw's curve of every channel in every group, and every group's link.
pub fn panel_plan(
    density: &PanelDensity,
    draws: &PosteriorDraws,
    pr: &PanelRequest,
) -> PlanResponse {
    let mut density = density.clone();
    let (n_c, n_g) = (pr.channels.len(), pr.groups.len());
    let mut curves = Vec::with_capacity(draws.len() * n_c * n_g);
    let mut links = Vec::with_capacity(draws.len() * n_g);
    for x in draws.iter() {
        for c in 0..n_c {
            curves.extend((0..n_g).map(|g| density.steady_state_curve(x, c, g)));
        }
        links.extend(density.response_links(x, pr.request.reference_periods));
    }
    PlanResponse::from_units(
        curves,
        pr.units.clone(),
        links,
        pr.request.n_channels(),
        pr.request.scenario.horizon,
    )
}

/// Answer `scenario` on a panel fit (`draws`: constrained draws, the parameters first).
pub fn optimize_panel(
    density: &PanelDensity,
    draws: &PosteriorDraws,
    scenario: &Scenario,
    progress: &dyn SearchProgress,
) -> Result<PanelAllocation, OptimizeError> {
    let pr = panel_request(density, scenario)?;
    let plan = panel_plan(density, draws, &pr);
    let allocation = answer(&pr.request, &plan, progress)?;
    Ok(by_group(&pr, &plan, allocation))
}

/// The group rows of an answer, and (split over channels × groups) its rows summed per channel.
pub fn by_group(
    pr: &PanelRequest,
    plan: &PlanResponse,
    mut allocation: Allocation,
) -> PanelAllocation {
    let (n_c, n_g) = (pr.channels.len(), pr.groups.len());
    let optimal: Vec<f64> = allocation.channels.iter().map(|r| r.optimal).collect();
    let mut current = pr.request.current(allocation.budget);
    current.truncate(optimal.len());
    let unit_optimal = plan.unit_spend(&optimal);
    let unit_current = plan.unit_spend(&current);
    let n = plan.n_draws();
    let mut slopes = vec![vec![0.0; n]; n_c * n_g];
    let mut g = vec![0.0; n_c * n_g];
    for d in 0..n {
        plan.outcome_with_unit_gradient(d, &optimal, &mut g);
        for (s, v) in slopes.iter_mut().zip(&g) {
            s[d] = *v;
        }
    }
    let cells = pr.split == Split::ChannelGroup;
    let rows: Vec<GroupRow> = (0..n_c * n_g)
        .map(|u| {
            let m = Summary::of(&slopes[u]);
            let cell = cells.then(|| &allocation.channels[u]);
            GroupRow {
                channel: pr.channels[u / n_g].clone(),
                group: pr.groups[u % n_g].clone(),
                current: unit_current[u],
                optimal: unit_optimal[u],
                change: unit_optimal[u] - unit_current[u],
                min: cell.map(|r| r.min),
                max: cell.and_then(|r| r.max),
                mroas_mean: m.mean,
                mroas_q5: m.q5,
                mroas_q95: m.q95,
                optimal_q5: cell.and_then(|r| r.optimal_q5),
                optimal_q95: cell.and_then(|r| r.optimal_q95),
            }
        })
        .collect();
    if cells {
        let horizon = pr.request.scenario.horizon as f64;
        allocation.channels = (0..n_c)
            .map(|c| {
                let part = &allocation.channels[c * n_g..(c + 1) * n_g];
                let cur: f64 = part.iter().map(|r| r.current).sum();
                let opt: f64 = part.iter().map(|r| r.optimal).sum();
                // d outcome / d (the channel's spend, kept in its optimal group proportions).
                let per_draw: Vec<f64> = (0..n)
                    .map(|d| {
                        (0..n_g)
                            .map(|k| {
                                part[k].optimal / opt.max(f64::MIN_POSITIVE)
                                    * slopes[c * n_g + k][d]
                            })
                            .sum()
                    })
                    .collect();
                let m = Summary::of(&per_draw);
                ChannelRow {
                    channel: pr.channels[c].clone(),
                    current: cur,
                    optimal: opt,
                    min: part.iter().map(|r| r.min).sum(),
                    max: part.iter().map(|r| r.max).sum(),
                    mroas_mean: m.mean,
                    change: opt - cur,
                    change_pct: (cur > 0.0).then(|| 100.0 * (opt - cur) / cur),
                    mroas_q5: m.q5,
                    mroas_q95: m.q95,
                    optimal_q5: None,
                    optimal_q50: None,
                    optimal_q95: None,
                    at_bound: "",
                    current_per_period: cur / horizon,
                    optimal_per_period: opt / horizon,
                }
            })
            .collect();
    }
    PanelAllocation {
        split: pr.split.name(),
        allocation,
        by_group: rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimize::objective::{Objective, Score, Scratch};
    use crate::optimize::progress::NoSearchProgress;
    use crate::optimize::scenario::Risk;
    use crate::panel::gradient_tests::load;

    /// The optimum's objective may fall short of the grid's best by this (relative).
    const GRID_REL: f64 = 1e-6;
    /// Exact gradient against central differences.
    const FD_REL: f64 = 1e-6;
    const FD_STEP: f64 = 1e-5;
    /// Spend agreement between the optimizer and the grid, in grid steps.
    const GRID_STEPS: f64 = 1.5;

    /// Two groups × two channels, 30 weeks each, spend varying.
    fn tiny(family: &str) -> (PanelDensity, PosteriorDraws) {
        let mut s = String::from("week,geo,y,tv,search\n");
        for (g, scale) in [("north", 1.0), ("south", 2.5)] {
            for t in 0..30_i64 {
                let date = crate::transform::Date::from_days_since_epoch(19_000 + 7 * t);
                let tv = scale * (10.0 + ((t * 7) % 13) as f64);
                let search = 5.0 + ((t * 5 + 3) % 11) as f64 / scale;
                let y = 50.0 + ((t * 3) % 7) as f64;
                s += &format!("{date},{g},{y},{tv},{search}\n");
            }
        }
        let model = format!(
            "[data]\ndate = \"week\"\ntarget = \"y\"\ngroup = \"geo\"\n\
             [likelihood]\nfamily = \"{family}\"\n\
             [[channel]]\nname = \"tv\"\n\
             [[channel]]\nname = \"search\"\nsaturation = {{ type = \"hill\" }}\n"
        );
        let (spec, panel) = load(&model, &s);
        let density = PanelDensity::new(&spec, &panel).unwrap();
        let chain: Vec<Vec<f64>> = (0..5)
            .map(|d| {
                let mut x = Vec::new();
                let theta: Vec<f64> = (0..density.params().len())
                    .map(|i| 0.5 * (((i * 7 + d * 3) % 9) as f64 / 4.0 - 1.0))
                    .collect();
                density.constrain(&theta, &mut x);
                x
            })
            .collect();
        let draws = PosteriorDraws::from_constrained(density.param_names(), &[chain]).unwrap();
        (density, draws)
    }

    fn scenario(text: &str) -> Scenario {
        Scenario::from_toml(text, "s.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    fn mean_outcome(plan: &PlanResponse, spend: &[f64]) -> f64 {
        (0..plan.n_draws())
            .map(|d| plan.outcome(d, spend))
            .sum::<f64>()
            / plan.n_draws() as f64
    }

    #[test]
    fn channel_group_optimum_matches_a_brute_force_grid() {
        let (density, draws) = tiny("normal");
        let sc = scenario(
            "budget = 400.0\nhorizon = 4\nsplit = \"channel_group\"\nuncertainty_draws = 0\n\
             [[bounds]]\nchannel = \"tv\"\ngroup = \"south\"\nmax = 150.0\n",
        );
        let pr = panel_request(&density, &sc).unwrap();
        let plan = panel_plan(&density, &draws, &pr);
        let answer = optimize_panel(&density, &draws, &sc, &NoSearchProgress).unwrap();
        let cells: Vec<f64> = answer.by_group.iter().map(|r| r.optimal).collect();
        let found = mean_outcome(&plan, &cells);
        // Variables are tv/north, tv/south, search/north, search/south.
        let steps = 40;
        let h = 400.0 / steps as f64;
        let (mut best, mut arg) = (f64::NEG_INFINITY, vec![0.0; 4]);
        for a in 0..=steps {
            for b in 0..=steps - a {
                for c in 0..=steps - a - b {
                    let s = [a as f64 * h, b as f64 * h, c as f64 * h, 0.0];
                    let s = [s[0], s[1], s[2], 400.0 - s[0] - s[1] - s[2]];
                    if s[1] > 150.0 {
                        continue;
                    }
                    let v = mean_outcome(&plan, &s);
                    if v > best {
                        (best, arg) = (v, s.to_vec());
                    }
                }
            }
        }
        assert!(
            found >= best * (1.0 - GRID_REL),
            "optimizer {found} < grid {best}"
        );
        for (x, y) in cells.iter().zip(&arg) {
            assert!((x - y).abs() <= GRID_STEPS * h, "{cells:?} vs grid {arg:?}");
        }
        assert!(cells[1] <= 150.0 * (1.0 + 1e-9));
        let total: f64 = cells.iter().sum();
        assert!((total - 400.0).abs() <= 1e-6 * 400.0);
        // The per-channel rows are the sums of the cells.
        assert!(
            (answer.allocation.channels[0].optimal - cells[0] - cells[1]).abs() <= 1e-9 * 400.0
        );
    }

    #[test]
    fn channel_split_optimum_matches_a_brute_force_grid() {
        let (density, draws) = tiny("normal");
        let sc = scenario("budget = 300.0\nhorizon = 3\nuncertainty_draws = 0\n");
        let pr = panel_request(&density, &sc).unwrap();
        let plan = panel_plan(&density, &draws, &pr);
        let answer = optimize_panel(&density, &draws, &sc, &NoSearchProgress).unwrap();
        let spend: Vec<f64> = answer
            .allocation
            .channels
            .iter()
            .map(|r| r.optimal)
            .collect();
        let found = mean_outcome(&plan, &spend);
        let steps = 3000;
        let h = 300.0 / steps as f64;
        let (best, arg) = (0..=steps)
            .map(|i| {
                let s = [i as f64 * h, 300.0 - i as f64 * h];
                (mean_outcome(&plan, &s), s[0])
            })
            .fold(
                (f64::NEG_INFINITY, 0.0),
                |a, b| if b.0 > a.0 { b } else { a },
            );
        assert!(
            found >= best * (1.0 - GRID_REL),
            "optimizer {found} < grid {best}"
        );
        assert!(
            (spend[0] - arg).abs() <= GRID_STEPS * h,
            "{spend:?} vs grid {arg}"
        );
        // Each channel is spread over the groups by their current shares.
        let tv: f64 = answer.by_group[..2].iter().map(|r| r.optimal).sum();
        assert!((tv - spend[0]).abs() <= 1e-9 * 300.0);
        let share =
            answer.by_group[0].current / (answer.by_group[0].current + answer.by_group[1].current);
        assert!((answer.by_group[0].optimal / spend[0] - share).abs() <= 1e-9);
    }

    #[test]
    fn objective_gradient_matches_central_differences_on_panels() {
        for family in ["normal", "log_normal"] {
            let (density, draws) = tiny(family);
            for split in ["channel", "channel_group"] {
                let sc = scenario(&format!(
                    "budget = 400.0\nhorizon = 4\nsplit = \"{split}\"\n"
                ));
                let pr = panel_request(&density, &sc).unwrap();
                let plan = panel_plan(&density, &draws, &pr);
                for risk in [Risk::Mean, Risk::Quantile(0.2)] {
                    let obj = Objective::new(&plan, Score::Profit { value: 2.0 }, risk);
                    let mut scratch = Scratch::default();
                    let spend: Vec<f64> = (0..plan.n_channels())
                        .map(|v| 60.0 + 25.0 * v as f64)
                        .collect();
                    let mut g = vec![0.0; spend.len()];
                    obj.value_and_gradient(&spend, &mut g, &mut scratch);
                    for v in 0..spend.len() {
                        let h = FD_STEP * spend[v];
                        let (mut up, mut down) = (spend.clone(), spend.clone());
                        up[v] += h;
                        down[v] -= h;
                        let fd = (obj.value(&up, &mut scratch) - obj.value(&down, &mut scratch))
                            / (2.0 * h);
                        assert!(
                            (g[v] - fd).abs() <= FD_REL * fd.abs().max(1.0),
                            "{family} {split} {risk:?} variable {v}: {} vs {fd}",
                            g[v]
                        );
                    }
                }
            }
        }
    }

    fn problems(text: &str) -> Vec<Problem> {
        let (density, _) = tiny("normal");
        match panel_request(&density, &scenario(text)) {
            Err(OptimizeError::Invalid { issues, .. }) => {
                issues.into_iter().map(|i| i.problem).collect()
            }
            other => panic!("expected an invalid scenario, got {other:?}"),
        }
    }

    #[test]
    fn bad_bounds_are_named_with_what_to_do() {
        let p = problems(
            "budget = 100.0\nhorizon = 4\nsplit = \"channel_group\"\n\
             [[bounds]]\nchannel = \"tv\"\ngroup = \"nort\"\nmin = 1.0\n\
             [[bounds]]\nchannel = \"serch\"\ngroup = \"north\"\n\
             [[bounds]]\nchannel = \"tv\"\nmax = 5.0\n",
        );
        assert!(
            matches!(&p[0], Problem::UnknownGroup { name, suggestion: Some(s), .. }
            if name == "nort" && s == "north"),
            "{p:?}"
        );
        assert!(
            matches!(&p[1], Problem::UnknownChannel { suggestion: Some(s), .. } if s == "search")
        );
        assert!(
            matches!(&p[2], Problem::TotalBoundInGroupSplit { channel, .. } if channel == "tv")
        );
        let p = problems(
            "budget = 100.0\nhorizon = 4\n[[bounds]]\nchannel = \"tv\"\ngroup = \"north\"\nmax = 5.0\n",
        );
        assert!(
            matches!(&p[0], Problem::GroupBoundNeedsSplit { .. }),
            "{p:?}"
        );
        assert!(p[0].to_string().contains("split = \"channel_group\""));
        let p = problems(
            "budget = 100.0\nhorizon = 4\nsplit = \"channel_group\"\n\
             [[bounds]]\nchannel = \"tv\"\ngroup = \"north\"\nmin = 60.0\n\
             [[bounds]]\nchannel = \"search\"\ngroup = \"south\"\nmin = 50.0\n",
        );
        assert!(
            matches!(&p[0], Problem::MinimumsExceedBudget { total, minimums, .. }
            if (*total - 110.0).abs() < 1e-9 && minimums[0].0 == "tv/north"),
            "{p:?}"
        );
        let p = problems(
            "budget = 100.0\nhorizon = 4\n[channel.tv]\nmax = 10.0\n[channel.search]\nmax = 20.0\n",
        );
        assert!(
            matches!(&p[0], Problem::MaximumsBelowBudget { .. }),
            "{p:?}"
        );
        let p = problems(
            "budget = 100.0\nhorizon = 4\n[channel.tv]\nmax = 10.0\n[[bounds]]\nchannel = \"tv\"\nmax = 20.0\n",
        );
        assert!(matches!(&p[0], Problem::DuplicateBound { .. }), "{p:?}");
        let p = problems("budget = 100.0\nhorizon = 4\nreference_periods = 31\n");
        assert!(
            matches!(&p[0], Problem::ReferencePeriods { available: 30, .. }),
            "{p:?}"
        );
    }
}
