//! The attribution chart: each channel's share of conversions under every rule (and the MMM's
//! contribution share), as grouped bars in one standalone, deterministic SVG.

use super::plot::{Margins, PAGE_WIDTH, Plot};
use super::svg::{Anchor, color};

const HEIGHT: f64 = 340.0;
const MARGINS: Margins = Margins {
    top: 44.0,
    right: 20.0,
    bottom: 46.0,
    left: 60.0,
};
/// Share of a channel's slot the bars fill.
const GROUP_FILL: f64 = 0.84;
/// Legend entry width in pixels.
const LEGEND_STEP: f64 = 104.0;
/// The few style rules the chart needs outside the report page.
const STYLE: &str = "<style>.tick{font:11px sans-serif;fill:#5b6068}\
.axis-title,.legend{font:12px sans-serif;fill:#33363b}\
.gridline{stroke:#e8e9ed;stroke-width:1}.axis{stroke:#8a8d93;stroke-width:1}</style>";

/// One bar series: a rule (or the MMM) and a share per channel (`None`: no bar).
#[derive(Debug, Clone, PartialEq)]
pub struct ShareSeries {
    /// Legend label.
    pub label: String,
    /// Share per channel, in the order of the chart's channels.
    pub shares: Vec<Option<f64>>,
}

/// A standalone SVG of grouped bars: channels along x, one bar per series.
pub fn attribution_chart(channels: &[String], series: &[ShareSeries]) -> String {
    let top = series
        .iter()
        .flat_map(|s| s.shares.iter().flatten().copied())
        .fold(0.0_f64, f64::max)
        .max(0.05);
    let n = channels.len().max(1) as f64;
    let mut plot = Plot::new(
        (PAGE_WIDTH, HEIGHT),
        MARGINS,
        (-0.5, n - 0.5),
        (0.0, top),
        5,
    );
    plot.y_axis("share of conversions");
    let labels: Vec<(f64, String)> = channels
        .iter()
        .enumerate()
        .map(|(i, c)| (i as f64, c.clone()))
        .collect();
    plot.x_axis_labels(&labels, "channel");
    let slot = plot.x.map(1.0) - plot.x.map(0.0);
    let k = series.len().max(1) as f64;
    let width = slot * GROUP_FILL / k;
    for (j, s) in series.iter().enumerate() {
        let offset = (j as f64 - 0.5 * (k - 1.0)) * width / slot;
        for (i, share) in s.shares.iter().enumerate() {
            if let Some(v) = share {
                plot.bar(i as f64 + offset, 0.0, *v, width * 0.9, color(j));
            }
        }
    }
    for (j, s) in series.iter().enumerate() {
        let x = MARGINS.left + j as f64 * LEGEND_STEP;
        plot.svg
            .rect(x, 12.0, 10.0, 10.0, &format!(r#"fill="{}""#, color(j)));
        plot.svg
            .text((x + 14.0, 21.0), Anchor::Start, "legend", &s.label);
    }
    let svg = plot.finish("Share of conversions by channel and rule");
    match svg.find('>') {
        Some(i) => format!("{}{STYLE}{}\n", &svg[..=i], &svg[i + 1..]),
        None => svg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_is_deterministic_and_draws_one_bar_per_share() {
        let channels = vec!["search".to_string(), "tv".to_string()];
        let series = vec![
            ShareSeries {
                label: "last_touch".into(),
                shares: vec![Some(0.8), Some(0.2)],
            },
            ShareSeries {
                label: "mmm".into(),
                shares: vec![Some(0.3), None],
            },
        ];
        let a = attribution_chart(&channels, &series);
        assert_eq!(a, attribution_chart(&channels, &series));
        assert!(a.starts_with("<svg") && a.contains("<style>"));
        // 3 bars and 2 legend keys.
        assert_eq!(a.matches("<rect").count(), 5);
        assert!(a.contains("last_touch") && a.contains(">tv<"));
    }
}
