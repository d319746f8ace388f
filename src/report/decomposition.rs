//! The decomposition over time: baseline pieces and channels as stacked areas (positive parts
//! stacked up from zero, negative parts down), with the fitted outcome on top.

use super::components::{Component, Components};
use super::figure::{Figure, LegendKey, Mark};
use super::format::pct;
use super::input::ReportData;
use super::plot::{PAGE_WIDTH, Plot, TICKS_WIDE, WIDE, WIDE_HEIGHT, date_ticks};
use super::svg::color;

/// Muted colours of the baseline pieces, so the channels stand out.
const BASELINE_COLORS: [&str; 6] = [
    "#BDBDBD", "#9E9E9E", "#A8C3A0", "#D8C59A", "#C4AACB", "#A9C1D6",
];
const FITTED_COLOR: &str = "#222222";

fn piece_name(report: &ReportData, c: Component) -> String {
    match c {
        Component::Channel(i) => report.spec.channels[i].name.clone(),
        Component::Intercept => "intercept".into(),
        Component::Trend => "trend".into(),
        Component::Seasonality => "seasonality".into(),
        Component::Control(k) => report.spec.controls[k].name.clone(),
        Component::Fitted => "fitted".into(),
        Component::Predictive => "predictive".into(),
        Component::Actual => "actual".into(),
    }
}

/// One stacked layer: its name, colour and mean contribution per period.
struct Layer {
    name: String,
    color: &'static str,
    values: Vec<f64>,
}

fn layers(report: &ReportData, comps: &Components) -> Vec<Layer> {
    let baseline = comps
        .baseline_pieces()
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c, BASELINE_COLORS[i % BASELINE_COLORS.len()]));
    let channels = (0..report.spec.channels.len()).map(|c| (Component::Channel(c), color(c)));
    baseline
        .chain(channels)
        .filter_map(|(c, color)| {
            comps.series(c).map(|s| Layer {
                name: piece_name(report, c),
                color,
                values: s.mean,
            })
        })
        .collect()
}

/// Lower and upper edges of every layer, positive parts stacked up, negative parts down.
fn stack(layers: &[Layer], periods: usize) -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut up = vec![0.0; periods];
    let mut down = vec![0.0; periods];
    let mut out = Vec::with_capacity(2 * layers.len());
    for layer in layers {
        let mut pos = (up.clone(), up.clone());
        let mut neg = (down.clone(), down.clone());
        for (t, v) in layer.values.iter().enumerate().take(periods) {
            if *v >= 0.0 {
                up[t] += v;
                pos.1[t] = up[t];
            } else {
                down[t] += v;
                neg.0[t] = down[t];
            }
        }
        out.push(pos);
        out.push(neg);
    }
    out
}

/// The decomposition chart (`None` when the contributions table lacks the series).
pub fn decomposition(report: &ReportData) -> Option<Figure> {
    let comps = Components::new(report);
    let fitted = comps.series(Component::Fitted)?;
    let layers = layers(report, &comps);
    let n = fitted.mean.len();
    let edges = stack(&layers, n);
    let xs: Vec<f64> = (0..n).map(|t| t as f64).collect();
    let all = edges
        .iter()
        .flat_map(|(lo, hi)| lo.iter().chain(hi))
        .chain(&fitted.mean)
        .copied();
    let (lo, hi) = super::axis::extent(all.chain([0.0])).unwrap_or((0.0, 1.0));
    let mut plot = Plot::new(
        (PAGE_WIDTH, WIDE_HEIGHT),
        WIDE,
        (0.0, n.saturating_sub(1) as f64),
        (lo, hi),
        6,
    );
    let target = &report.spec.data.target;
    let period = report.period_word();
    plot.y_axis(&format!("contribution to {target} per {period}"));
    plot.x_axis_labels(&date_ticks(report.data.dates(), TICKS_WIDE), period);
    for (layer, pair) in layers.iter().zip(edges.chunks_exact(2)) {
        for (lo, hi) in pair {
            if lo.iter().zip(hi).any(|(a, b)| (b - a).abs() > 0.0) {
                plot.band(&xs, lo, hi, layer.color, 0.9);
            }
        }
    }
    plot.hline(0.0, r#"class="axis""#);
    let line: Vec<(f64, f64)> = xs
        .iter()
        .copied()
        .zip(fitted.mean.iter().copied())
        .collect();
    plot.line(&line, FITTED_COLOR, 1.5, false);

    let mut legend: Vec<LegendKey> = layers
        .iter()
        .map(|l| LegendKey::new(l.color, l.name.clone(), Mark::Area))
        .collect();
    legend.push(LegendKey::new(
        FITTED_COLOR,
        format!("fitted {target}"),
        Mark::Line,
    ));
    let title = format!("What made {target}: contributions over time");
    Some(Figure {
        svg: plot.finish(&title),
        title,
        legend,
        reading: reading(report),
    })
}

fn reading(report: &ReportData) -> String {
    let roas = &report.derived.roas;
    let media: f64 = roas.iter().map(|r| r.share_mean).sum();
    let parts: Vec<String> = roas
        .iter()
        .map(|r| format!("{} {}", r.channel, pct(r.share_mean)))
        .collect();
    format!(
        "Media explains {} of the fitted {} over the {} {}s ({}); the rest is the baseline \
         (grey and muted areas). Negative parts hang below zero, so the fitted line sits that \
         much below the top of the stack.",
        pct(media),
        report.spec.data.target,
        report.data.n_periods(),
        report.period_word(),
        parts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use approx::assert_abs_diff_eq;

    use super::super::test_fixture::fixture;
    use super::*;

    /// Stacked edges are sums of a handful of numbers.
    const STACK_TOL: f64 = 1e-12;

    #[test]
    fn positive_parts_stack_up_and_negative_parts_down() {
        let layers = vec![
            Layer {
                name: "a".into(),
                color: "#000",
                values: vec![1.0, -1.0],
            },
            Layer {
                name: "b".into(),
                color: "#111",
                values: vec![2.0, -0.5],
            },
        ];
        let edges = stack(&layers, 2);
        // Layer b's positive part sits on a's: from 1 to 3 in period 0.
        assert_abs_diff_eq!(edges[2].0[0], 1.0, epsilon = STACK_TOL);
        assert_abs_diff_eq!(edges[2].1[0], 3.0, epsilon = STACK_TOL);
        // Its negative part hangs below a's: from -1.5 to -1 in period 1.
        assert_abs_diff_eq!(edges[3].0[1], -1.5, epsilon = STACK_TOL);
        assert_abs_diff_eq!(edges[3].1[1], -1.0, epsilon = STACK_TOL);
    }

    #[test]
    fn every_component_has_a_legend_entry() {
        let report = fixture();
        let fig = decomposition(&report).unwrap();
        let names: Vec<&str> = fig.legend.iter().map(|k| k.label.as_str()).collect();
        assert_eq!(
            names,
            [
                "intercept",
                "seasonality",
                "promo",
                "tv",
                "search",
                "fitted sales"
            ]
        );
        assert!(fig.reading.starts_with("Media explains"));
    }
}
