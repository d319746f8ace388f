//! A panel's response curves on its report: each channel's `total` curve (spend split over the
//! groups by their historical shares) with its band and the current spend marked, and small
//! multiples overlaying the curves of the few groups that spend the most.

use crate::panel::{PANEL_CURVE_POINTS, PanelCurveRow, TOTAL};
use crate::posterior::CURVE_SPAN;

use super::figure::{Figure, LegendKey, Mark};
use super::format::{interval, num};
use super::panel::PanelReport;
use super::plot::{Plot, SMALL, TICKS_SMALL, panel_size};
use super::svg::color;

/// Groups whose curves the small multiples overlay (those with the largest total spend).
pub const SHOWN_GROUPS: usize = 4;
const CURRENT_COLOR: &str = "#222222";
const HISTORY_COLOR: &str = "#777777";
/// Opacity of a group's band where several overlap.
const GROUP_BAND_OPACITY: f64 = 0.12;

/// The curve of `channel` in `group` (grid order), if the report has all its points.
fn curve<'a>(r: &'a PanelReport, channel: &str, group: &str) -> Option<&'a [PanelCurveRow]> {
    let start = r
        .curves
        .iter()
        .position(|row| row.channel == channel && row.group == group)?;
    let rows = r.curves.get(start..start + PANEL_CURVE_POINTS)?;
    rows.iter()
        .all(|row| row.channel == channel && row.group == group)
        .then_some(rows)
}

/// Linear interpolation of the curve's (mean, q5, q95) at `spend`.
fn at_spend(rows: &[PanelCurveRow], spend: f64) -> (f64, f64, f64) {
    super::response::interpolate(rows, spend, |r| r.spend, |r| (r.mean, r.q5, r.q95))
}

fn columns(rows: &[PanelCurveRow]) -> [Vec<f64>; 4] {
    [
        rows.iter().map(|r| r.spend).collect(),
        rows.iter().map(|r| r.mean).collect(),
        rows.iter().map(|r| r.q5).collect(),
        rows.iter().map(|r| r.q95).collect(),
    ]
}

/// Spend per period now: the data's spend over the periods it covers.
fn current(r: &PanelReport, channel: &str, group: &str, periods: usize) -> f64 {
    let rows = if group == TOTAL {
        &r.roas
    } else {
        &r.roas_by_group
    };
    rows.iter()
        .find(|row| row.channel == channel && (group == TOTAL || row.group == group))
        .map_or(f64::NAN, |row| row.spend / periods.max(1) as f64)
}

fn total_panel(r: &PanelReport, c: usize, cols: usize) -> Option<Figure> {
    let name = &r.spec.channels[c].name;
    let rows = curve(r, name, TOTAL)?;
    let [xs, mean, lower, upper] = columns(rows);
    let (x_lo, x_hi) = super::axis::extent(xs.iter().copied())?;
    let (y_lo, y_hi) = super::axis::extent(lower.iter().chain(&upper).copied().chain([0.0]))?;
    let mut plot = Plot::new(panel_size(cols), SMALL, (x_lo, x_hi), (y_lo, y_hi), 4);
    let (target, period) = (&r.spec.data.target, r.period_word());
    let col = color(c);
    plot.y_axis(&format!("{target} per {period}"));
    plot.x_axis(&format!("total spend per {period}"), TICKS_SMALL);
    plot.band(&xs, &lower, &upper, col, 0.2);
    let line: Vec<(f64, f64)> = xs.iter().copied().zip(mean.iter().copied()).collect();
    plot.line(&line, col, 2.0, false);
    let now = current(r, name, TOTAL, r.periods);
    plot.vline(now, CURRENT_COLOR, "current", 0);
    plot.vline(x_hi / CURVE_SPAN, HISTORY_COLOR, "max", 1);
    let (m, lo, hi) = at_spend(rows, now);
    let title = format!("{name}: response to spend, all groups");
    Some(Figure {
        svg: plot.finish(&title),
        title,
        legend: Vec::new(),
        reading: format!(
            "At the current {} per {period} over all groups: {} {target} per {period}.",
            num(now),
            interval(m, lo, hi)
        ),
    })
}

/// The groups with the largest spend over all channels, at most [`SHOWN_GROUPS`], in
/// decreasing spend (ties in data order).
pub fn shown_groups(r: &PanelReport) -> Vec<usize> {
    let spend = |g: &str| -> f64 {
        r.roas_by_group
            .iter()
            .filter(|row| row.group == g)
            .map(|row| row.spend)
            .sum()
    };
    let mut order: Vec<(usize, f64)> = r
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (i, spend(g)))
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    order
        .into_iter()
        .take(SHOWN_GROUPS)
        .map(|(i, _)| i)
        .collect()
}

fn group_panel(r: &PanelReport, c: usize, shown: &[usize], cols: usize) -> Option<Figure> {
    let name = &r.spec.channels[c].name;
    let curves: Vec<(usize, &[PanelCurveRow])> = shown
        .iter()
        .map(|&g| curve(r, name, &r.groups[g]).map(|rows| (g, rows)))
        .collect::<Option<_>>()?;
    let all = curves.iter().flat_map(|(_, rows)| rows.iter());
    let (x_lo, x_hi) = super::axis::extent(all.clone().map(|row| row.spend))?;
    let (y_lo, y_hi) = super::axis::extent(all.flat_map(|row| [row.q5, row.q95]).chain([0.0]))?;
    let mut plot = Plot::new(panel_size(cols), SMALL, (x_lo, x_hi), (y_lo, y_hi), 4);
    let (target, period) = (&r.spec.data.target, r.period_word());
    plot.y_axis(&format!("{target} per {period}"));
    plot.x_axis(&format!("spend per {period} in the group"), TICKS_SMALL);
    let mut readings = Vec::with_capacity(curves.len());
    for (k, (g, rows)) in curves.iter().enumerate() {
        let col = color(k);
        let [xs, mean, lower, upper] = columns(rows);
        plot.band(&xs, &lower, &upper, col, GROUP_BAND_OPACITY);
        let line: Vec<(f64, f64)> = xs.iter().copied().zip(mean.iter().copied()).collect();
        plot.line(&line, col, 2.0, false);
        let now = current(r, name, &r.groups[*g], r.group_rows[*g]);
        let (m, lo, hi) = at_spend(rows, now);
        plot.points(&[(now, m)], col, 3.5);
        readings.push(format!(
            "{} at {}: {}",
            r.groups[*g],
            num(now),
            interval(m, lo, hi)
        ));
    }
    let title = format!("{name}: response to spend by group");
    Some(Figure {
        svg: plot.finish(&title),
        title,
        legend: Vec::new(),
        reading: format!(
            "{target} per {period} at each group's current spend per {period}: {}.",
            readings.join("; ")
        ),
    })
}

/// One `total` panel per channel.
pub fn total_panels(r: &PanelReport, cols: usize) -> Vec<Figure> {
    (0..r.spec.channels.len())
        .filter_map(|c| total_panel(r, c, cols))
        .collect()
}

/// One panel per channel overlaying the [`shown_groups`].
pub fn group_panels(r: &PanelReport, cols: usize) -> Vec<Figure> {
    let shown = shown_groups(r);
    (0..r.spec.channels.len())
        .filter_map(|c| group_panel(r, c, &shown, cols))
        .collect()
}

/// The legend of the `total` panels.
pub fn total_legend() -> Vec<LegendKey> {
    vec![
        LegendKey::new("#555555", "posterior mean response", Mark::Line),
        LegendKey::new("#555555", "90% credible band", Mark::Band),
        LegendKey::new(
            CURRENT_COLOR,
            "current spend (mean per period, all groups)",
            Mark::Dashed,
        ),
        LegendKey::new(
            HISTORY_COLOR,
            "largest total spend of one period",
            Mark::Dashed,
        ),
    ]
}

/// The legend of the group panels: one colour per shown group.
pub fn group_legend(r: &PanelReport) -> Vec<LegendKey> {
    let mut keys: Vec<LegendKey> = shown_groups(r)
        .into_iter()
        .enumerate()
        .map(|(k, g)| LegendKey::new(color(k), r.groups[g].clone(), Mark::Line))
        .collect();
    keys.push(LegendKey::new("#555555", "90% credible band", Mark::Band));
    keys.push(LegendKey::new(
        "#555555",
        "the group's current spend (mean per period)",
        Mark::Dot,
    ));
    keys
}
