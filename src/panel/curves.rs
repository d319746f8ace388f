//! Response curves of a panel fit (`response_curves.csv`), per group and in total: outcome per
//! period at a flat spend per period, per posterior draw, so the bands are credible intervals.
//!
//! A group's curve is its steady-state curve ([`PanelDensity::steady_state_curve`]) through
//! its link ([`PanelDensity::response_links`], the baseline level over all its rows), on
//! [`PANEL_CURVE_POINTS`] spends from 0 to [`CURVE_SPAN`] × the group's largest spend per
//! period — the national curve's rule, per group. The `total` curve answers "what does a
//! total spend S per period buy over all groups": S is split over the groups in proportion to
//! their historical spend on the channel (share of its total spend over the whole data), and
//! the groups' responses are summed, draw by draw. Its grid runs from 0 to [`CURVE_SPAN`] × the
//! largest total spend of any one period (summed over the groups that have that period).
//!
//! At most [`MAX_CURVE_DRAWS`] draws, evenly spaced over the chains, enter the curves (a
//! 183-group × 36-channel fit has 4 000); channels run in parallel, and each channel's sums
//! run in a fixed order, so the file is the same for any number of threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::PanelData;
use crate::density::ResponseLink;
use crate::posterior::{CURVE_SPAN, INTERVAL_PROBS, Interval, PosteriorDraws};

use super::density::PanelDensity;

/// Points on each panel response curve, from 0 to [`CURVE_SPAN`] × the largest spend: steps
/// of 10 % of the largest spend. Half the national curve's 41, to keep `response_curves.csv`
/// of a 183-group × 36-channel panel near 140 000 rows.
pub const PANEL_CURVE_POINTS: usize = 21;

/// Most posterior draws a panel's curves use; more are thinned evenly. 1 000 draws put the
/// Monte Carlo sd of a 5 % quantile's rank near 0.007.
pub const MAX_CURVE_DRAWS: usize = 1000;

/// The group label of the curves over all groups.
pub const TOTAL: &str = "total";

/// A row of a panel's `response_curves.csv`: the national columns, then the group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelCurveRow {
    /// Channel name.
    pub channel: String,
    /// Spend per period (original currency): the group's, or for `total` the sum over groups.
    pub spend: f64,
    /// Posterior mean outcome per period.
    pub mean: f64,
    /// 5 % quantile.
    pub q5: f64,
    /// 95 % quantile.
    pub q95: f64,
    /// Lower bound of the `[report] interval`.
    pub lower: f64,
    /// Upper bound of the `[report] interval`.
    pub upper: f64,
    /// `total`, or the group.
    pub group: String,
}

/// Where each curve's grid ends, and how `total` splits its spend.
struct Grid {
    /// Last grid spend of channel c in group g, at `c * groups + g`.
    group_top: Vec<f64>,
    /// Last grid spend of channel c's `total` curve.
    total_top: Vec<f64>,
    /// Group g's share of channel c's historical spend, at `c * groups + g`.
    share: Vec<f64>,
}

impl Grid {
    fn new(data: &PanelData, n_channels: usize) -> Grid {
        let n_g = data.groups.len();
        let mut grid = Grid {
            group_top: Vec::with_capacity(n_channels * n_g),
            total_top: Vec::with_capacity(n_channels),
            share: Vec::with_capacity(n_channels * n_g),
        };
        for c in 0..n_channels {
            let mut per_period = vec![0.0; data.n_timeline];
            let mut sums = Vec::with_capacity(n_g);
            for g in &data.groups {
                let spend = g.data.channel(c);
                grid.group_top
                    .push(spend.iter().fold(0.0_f64, |m, v| m.max(*v)) * CURVE_SPAN);
                sums.push(spend.iter().sum::<f64>());
                for (t, v) in spend.iter().enumerate() {
                    if let Some(slot) = per_period.get_mut(g.start + t) {
                        *slot += v;
                    }
                }
            }
            let all: f64 = sums.iter().sum();
            // A channel without spend anywhere splits evenly (its curve is flat at 0).
            grid.share.extend(sums.iter().map(
                |s| {
                    if all > 0.0 { s / all } else { 1.0 / n_g as f64 }
                },
            ));
            grid.total_top
                .push(per_period.iter().fold(0.0_f64, |m, v| m.max(*v)) * CURVE_SPAN);
        }
        grid
    }
}

/// The `i`-th of [`PANEL_CURVE_POINTS`] spends from 0 to `top`.
fn grid_spend(top: f64, i: usize) -> f64 {
    top * i as f64 / (PANEL_CURVE_POINTS - 1) as f64
}

/// Every [`MAX_CURVE_DRAWS`]-th share of the draws, evenly spaced over the chains.
fn thinned(draws: &PosteriorDraws) -> Vec<&[f64]> {
    let all: Vec<&[f64]> = draws.iter().collect();
    let m = all.len().min(MAX_CURVE_DRAWS);
    (0..m).map(|i| all[i * all.len() / m]).collect()
}

/// Each draw's links, draw-major (`d * groups + g`), one density copy per chunk of draws.
fn links(density: &PanelDensity, draws: &[&[f64]]) -> Vec<ResponseLink> {
    const CHUNK: usize = 64;
    draws
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut d = density.clone();
            chunk
                .iter()
                .flat_map(|x| d.response_links(x, usize::MAX))
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .concat()
}

/// Type-7 quantile (as [`crate::diagnostics::quantile_sorted`]) by selection: O(n), reorders
/// `values`.
fn quantile_select(values: &mut [f64], prob: f64) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let position = (n - 1) as f64 * prob;
    let i = (position.floor() as usize).min(n - 1);
    let (_, a, above) = values.select_nth_unstable_by(i, f64::total_cmp);
    let a = *a;
    let Some(b) = above.iter().copied().min_by(f64::total_cmp) else {
        return a;
    };
    let fraction = position - i as f64;
    let diff = b - a;
    if fraction >= 0.5 {
        b - diff * (1.0 - fraction)
    } else {
        a + diff * fraction
    }
}

/// One curve point's row from its per-draw values (reordered).
fn row(
    channel: &str,
    group: &str,
    spend: f64,
    values: &mut [f64],
    interval: Interval,
) -> PanelCurveRow {
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    let nan = values.iter().any(|v| v.is_nan());
    let mut q = |p: f64| {
        if nan {
            f64::NAN
        } else {
            quantile_select(values, p)
        }
    };
    let [lo, hi] = interval.probs();
    PanelCurveRow {
        channel: channel.to_string(),
        spend,
        mean,
        q5: q(INTERVAL_PROBS[0]),
        q95: q(INTERVAL_PROBS[1]),
        lower: q(lo),
        upper: q(hi),
        group: group.to_string(),
    }
}

/// Channel c's rows: `total` first, then each group.
fn channel_rows(
    density: &PanelDensity,
    draws: &[&[f64]],
    links: &[ResponseLink],
    grid: &Grid,
    c: usize,
    interval: Interval,
) -> (Vec<PanelCurveRow>, Vec<PanelCurveRow>) {
    let (m, p) = (draws.len(), PANEL_CURVE_POINTS);
    let n_g = density.layout.n_groups;
    let name = &density.channel_names()[c];
    let mut total = vec![0.0; p * m];
    let mut group = vec![0.0; p * m];
    let mut group_rows = Vec::with_capacity(n_g * p);
    let gains: Vec<f64> = draws.iter().map(|x| density.adstock_gain(x, c)).collect();
    for g in 0..n_g {
        let top = grid.group_top[c * n_g + g];
        let split = grid.share[c * n_g + g] * grid.total_top[c];
        for (d, x) in draws.iter().enumerate() {
            let curve = density.steady_state_curve_with(x, c, g, gains[d]);
            let link = links[d * n_g + g];
            for i in 0..p {
                group[i * m + d] = link.outcome(curve.eta_with_slope(grid_spend(top, i)).0);
                total[i * m + d] += link.outcome(curve.eta_with_slope(grid_spend(split, i)).0);
            }
        }
        let label = &density.groups[g];
        for (i, values) in group.chunks_mut(m).enumerate() {
            group_rows.push(row(name, label, grid_spend(top, i), values, interval));
        }
    }
    let total_rows = total
        .chunks_mut(m)
        .enumerate()
        .map(|(i, values)| {
            row(
                name,
                TOTAL,
                grid_spend(grid.total_top[c], i),
                values,
                interval,
            )
        })
        .collect();
    (total_rows, group_rows)
}

/// The rows of a panel's `response_curves.csv` from the parameter draws (columns in the
/// density's order; derived columns after them are ignored): every channel's `total` curve,
/// then each group's, channels in model order within each.
pub fn panel_curves(
    density: &PanelDensity,
    data: &PanelData,
    draws: &PosteriorDraws,
    interval: Interval,
) -> Vec<PanelCurveRow> {
    let n_c = density.layout.channels.len();
    let grid = Grid::new(data, n_c);
    let draws = thinned(draws);
    if draws.is_empty() {
        return Vec::new();
    }
    let links = links(density, &draws);
    let per_channel: Vec<_> = (0..n_c)
        .into_par_iter()
        .map(|c| channel_rows(density, &draws, &links, &grid, c, interval))
        .collect();
    let mut out = Vec::with_capacity(n_c * (data.groups.len() + 1) * PANEL_CURVE_POINTS);
    for (total, _) in &per_channel {
        out.extend_from_slice(total);
    }
    for g in 0..data.groups.len() {
        for (_, groups) in &per_channel {
            out.extend_from_slice(&groups[g * PANEL_CURVE_POINTS..(g + 1) * PANEL_CURVE_POINTS]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::diagnostics::quantiles;
    use crate::panel::gradient_tests::load;

    /// Two evaluations of the same closed form, summed in different orders.
    const SAME_REL: f64 = 1e-9;
    /// Grid index of the largest historical spend (spend = top / CURVE_SPAN).
    const AT_MAX: usize = (PANEL_CURVE_POINTS - 1) / 2;

    /// Three groups, 40 weeks each (the last group 30, starting 10 weeks later), every
    /// channel's spend flat within a group.
    fn flat_csv() -> String {
        let mut s = String::from("week,geo,y,tv,search,pop\n");
        for (g, (tv, search, pop)) in [(30.0, 5.0, 10.0), (12.0, 9.0, 3.0), (0.5, 2.0, 7.0)]
            .into_iter()
            .enumerate()
        {
            let first = if g == 2 { 10 } else { 0 };
            for t in first..40 {
                let date = crate::transform::Date::from_days_since_epoch(19_000 + 7 * t);
                let y = 100.0 + ((t * 7 + 3 * g as i64) % 11) as f64;
                s += &format!("{date},g{g},{y},{tv},{search},{pop}\n");
            }
        }
        s
    }

    const MODEL: &str = "[data]\ndate = \"week\"\ntarget = \"y\"\ngroup = \"geo\"\n\
                         population = \"pop\"\n\
                         [[channel]]\nname = \"tv\"\nsaturation = { type = \"hill\" }\n\
                         [[channel]]\nname = \"search\"\n\
                         adstock = { type = \"delayed\", max_lag = 6 }\n";

    /// `n` constrained draws spread around a point of the support.
    fn draws(density: &PanelDensity, n: usize, seed: u64) -> PosteriorDraws {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let params = density.params();
        let chain: Vec<Vec<f64>> = (0..n)
            .map(|_| {
                params
                    .iter()
                    .map(|p| p.support.constrain(rng.random::<f64>() - 0.5))
                    .collect()
            })
            .collect();
        PosteriorDraws::from_constrained(density.param_names(), &[chain]).unwrap()
    }

    fn setup(model: &str) -> (PanelDensity, crate::data::PanelData) {
        let (spec, panel) = load(model, &flat_csv());
        (PanelDensity::new(&spec, &panel).unwrap(), panel)
    }

    fn find<'a>(rows: &'a [PanelCurveRow], ch: &str, g: &str) -> &'a [PanelCurveRow] {
        let start = rows
            .iter()
            .position(|r| r.channel == ch && r.group == g)
            .unwrap();
        &rows[start..start + PANEL_CURVE_POINTS]
    }

    #[test]
    fn quantiles_by_selection_equal_the_sorted_type_7_quantiles() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for n in [1, 2, 3, 10, 999, 1000] {
            let values: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 10.0 - 3.0).collect();
            for p in [0.0, 0.05, 0.1, 0.5, 0.9, 0.95, 0.975, 1.0] {
                let want = quantiles(&values, &[p])[0];
                let got = quantile_select(&mut values.clone(), p);
                assert!(
                    (got - want).abs() <= 1e-15 * want.abs().max(1.0),
                    "n {n} p {p}"
                );
            }
        }
    }

    #[test]
    fn a_group_curve_at_its_flat_spend_is_its_contribution_per_period() {
        let (mut density, panel) = setup(MODEL);
        let one = draws(&density, 1, 7);
        let x = one.draw(0, 0).to_vec();
        let rows = panel_curves(&density, &panel, &one, Interval::default());
        assert_eq!(rows.len(), 2 * 4 * PANEL_CURVE_POINTS);
        density.forward(&x);
        let (n, n_g) = (density.data.n_rows, density.layout.n_groups);
        let sy = density.scales().target;
        for (c, ch) in ["tv", "search"].iter().enumerate() {
            for g in 0..n_g {
                let curve = find(&rows, ch, &format!("g{g}"));
                let last = density.data.rows(g).end - 1;
                let flat = density.data.spend_original[c * n + last];
                assert!((curve[AT_MAX].spend - flat).abs() <= SAME_REL * flat);
                // The last row has seen a flat spend for longer than the adstock's lag.
                let want = density.beta[c * n_g + g]
                    * density.sat[c * n + last]
                    * sy
                    * density.data.population[g];
                let got = curve[AT_MAX].mean;
                assert!(
                    (got - want).abs() <= SAME_REL * want,
                    "{ch} g{g}: {got} vs {want}"
                );
                assert!(curve[0].mean.abs() <= f64::MIN_POSITIVE);
            }
        }
    }

    #[test]
    fn the_total_curve_at_historical_spend_is_the_sum_of_the_groups_and_every_curve_rises() {
        for model in [
            MODEL.to_string(),
            MODEL.replace("[data]", "[likelihood]\nfamily = \"log_normal\"\n[data]"),
        ] {
            let (density, panel) = setup(&model);
            let rows = panel_curves(
                &density,
                &panel,
                &draws(&density, 50, 3),
                Interval::default(),
            );
            for ch in ["tv", "search"] {
                let total = find(&rows, ch, TOTAL);
                // Flat spend: the largest total spend of a period is every group's spend at
                // once, the total grid's midpoint.
                let groups: Vec<&[PanelCurveRow]> =
                    (0..3).map(|g| find(&rows, ch, &format!("g{g}"))).collect();
                let weekly: f64 = groups.iter().map(|c| c[AT_MAX].spend).sum();
                assert!((total[AT_MAX].spend - weekly).abs() <= SAME_REL * weekly);
                for r in [total].into_iter().chain(groups.iter().copied()) {
                    for w in r.windows(2) {
                        assert!(w[1].spend > w[0].spend, "{model}");
                        assert!(w[1].mean >= w[0].mean, "{ch} {}: not rising", w[0].group);
                        assert!(w[1].q5 >= w[0].q5 && w[1].q95 >= w[0].q95);
                        assert!(w[0].q5 <= w[0].mean && w[0].mean <= w[0].q95);
                    }
                }
            }
        }
    }

    #[test]
    fn the_total_splits_by_spend_share_and_sums_the_groups_draw_by_draw() {
        let (mut density, panel) = setup(MODEL);
        let all = draws(&density, 20, 9);
        let rows = panel_curves(&density, &panel, &all, Interval::default());
        // Shares of the whole data's spend: tv 30·40, 12·40, 0.5·30.
        let tv = [1200.0, 480.0, 15.0];
        let sum: f64 = tv.iter().sum();
        let total = find(&rows, "tv", TOTAL);
        assert!((total.last().unwrap().spend - 2.0 * 42.5).abs() <= SAME_REL * 85.0);
        for i in [3, AT_MAX, PANEL_CURVE_POINTS - 1] {
            let s = total[i].spend;
            let mut mean = 0.0;
            for x in all.iter() {
                let links = density.response_links(x, usize::MAX);
                for (g, share) in tv.iter().enumerate() {
                    let eta = density
                        .steady_state_curve(x, 0, g)
                        .eta_with_slope(s * share / sum)
                        .0;
                    mean += links[g].outcome(eta) / all.len() as f64;
                }
            }
            assert!((total[i].mean - mean).abs() <= SAME_REL * mean, "point {i}");
        }
    }

    #[test]
    fn curves_thin_to_the_draw_cap_and_do_not_depend_on_the_thread_count() {
        let (density, panel) = setup(MODEL);
        let many = draws(&density, MAX_CURVE_DRAWS + 500, 11);
        let kept = thinned(&many);
        assert_eq!(kept.len(), MAX_CURVE_DRAWS);
        assert_eq!(kept[0], many.draw(0, 0));
        assert_eq!(kept[2], many.draw(0, 3));
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| panel_curves(&density, &panel, &many, Interval::new(0.8)))
        };
        let one = run(1);
        assert_eq!(one, run(3));
        // The 80 % bounds sit inside the fixed 5 % and 95 % columns.
        assert!(one.iter().all(|r| r.q5 <= r.lower && r.upper <= r.q95));
    }

    /// The cost at Meridian's failing size (docs/performance.md): 183 groups × 36 channels,
    /// 4 000 draws. Ignored by default (a minute to simulate and build on a loaded machine):
    /// `cargo nextest run --release --run-ignored only meridian_size_curves --no-capture`.
    #[test]
    #[ignore = "timing at Meridian's size; run by hand"]
    fn meridian_size_curves_row_count_and_cost() {
        use crate::panel::{PanelTruth, read_panel_csv, simulate_panel};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/panels");
        let spec = crate::spec::ModelSpec::from_file(root.join("meridian_size.toml")).unwrap();
        let truth = std::fs::read_to_string(root.join("meridian_size_truth.toml")).unwrap();
        let sim = simulate_panel(&spec, &PanelTruth::from_toml(&truth).unwrap(), 1).unwrap();
        let data = read_panel_csv(&spec, &sim.csv).unwrap();
        let density = PanelDensity::new(&spec, &data).unwrap();
        let all = draws(&density, 4000, 1);
        let started = std::time::Instant::now();
        let rows = panel_curves(&density, &data, &all, Interval::default());
        let seconds = started.elapsed().as_secs_f64();
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in &rows {
            w.serialize(r).unwrap();
        }
        let bytes = w.into_inner().unwrap().len();
        eprintln!("{} rows, {bytes} bytes, {seconds:.2} s wall", rows.len());
        assert_eq!(rows.len(), 36 * (183 + 1) * PANEL_CURVE_POINTS);
    }
}
