//! Return on ad spend per channel: the dot-and-interval chart of ROAS and marginal ROAS, and
//! the channel table of spend, contribution, share and returns.

use std::fmt::Write as _;

use crate::posterior::RoasRow;

use super::escape::escape_html;
use super::figure::{Figure, LegendKey, Mark};
use super::format::{interval, num, pct};
use super::input::ReportData;
use super::plot::{Margins, PAGE_WIDTH, Plot};
use super::svg::{Anchor, color};

const HEIGHT: f64 = 260.0;
const MARGINS: Margins = Margins {
    top: 16.0,
    right: 20.0,
    bottom: 46.0,
    left: 78.0,
};
/// Horizontal offset of the ROAS and marginal-ROAS marks from the channel's centre.
const OFFSET: f64 = 0.14;

/// The ROAS chart (`None` without channels).
pub fn roas_chart(report: &ReportData) -> Option<Figure> {
    let rows = &report.derived.roas;
    if rows.is_empty() {
        return None;
    }
    let values = rows
        .iter()
        .flat_map(|r| [r.roas_lower, r.roas_upper, r.mroas_lower, r.mroas_upper])
        .chain([0.0]);
    let (lo, hi) = super::axis::extent(values).unwrap_or((0.0, 1.0));
    let n = rows.len() as f64;
    let mut plot = Plot::new((PAGE_WIDTH, HEIGHT), MARGINS, (-0.5, n - 0.5), (lo, hi), 5);
    let target = &report.spec.data.target;
    plot.y_axis(&format!("{target} per unit of spend"));
    let labels: Vec<(f64, String)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (i as f64, r.channel.clone()))
        .collect();
    plot.x_axis_labels(&labels, "channel");
    plot.hline(0.0, r#"class="axis""#);
    for (i, r) in rows.iter().enumerate() {
        let c = color(i);
        let x = i as f64;
        plot.whisker(x - OFFSET, r.roas_lower, r.roas_upper, c);
        let p = plot.at(x - OFFSET, r.roas_mean);
        plot.svg.circle(p, 5.0, &format!(r#"fill="{c}""#));
        plot.svg.text(
            (p.0 - 9.0, p.1 + 4.0),
            Anchor::End,
            "value",
            &num(r.roas_mean),
        );
        plot.whisker(x + OFFSET, r.mroas_lower, r.mroas_upper, c);
        let p = plot.at(x + OFFSET, r.mroas_mean);
        plot.svg.circle(
            p,
            4.5,
            &format!(r#"fill="white" stroke="{c}" stroke-width="2""#),
        );
        plot.svg.text(
            (p.0 + 9.0, p.1 + 4.0),
            Anchor::Start,
            "value",
            &num(r.mroas_mean),
        );
    }
    let title = "Return on ad spend by channel".to_string();
    let label = report.interval().label();
    Some(Figure {
        svg: plot.finish(&title),
        title,
        legend: vec![
            LegendKey::new(
                "#555555",
                format!("ROAS: contribution ÷ spend ({label} interval)"),
                Mark::Dot,
            ),
            LegendKey::new(
                "#555555",
                "marginal ROAS: return on the next unit at current spend",
                Mark::Ring,
            ),
        ],
        reading: reading(rows, target, &label),
    })
}

fn best(rows: &[RoasRow], key: impl Fn(&RoasRow) -> f64) -> Option<&RoasRow> {
    rows.iter()
        .filter(|r| key(r).is_finite())
        .fold(None, |acc: Option<&RoasRow>, r| match acc {
            Some(a) if key(a) >= key(r) => Some(a),
            _ => Some(r),
        })
}

fn reading(rows: &[RoasRow], target: &str, label: &str) -> String {
    let (Some(top), Some(top_m)) = (best(rows, |r| r.roas_mean), best(rows, |r| r.mroas_mean))
    else {
        return "No channel has a finite ROAS.".into();
    };
    format!(
        "Each unit spent on {} returned {} {target} ({label} interval); the next unit returns \
         most on {} (marginal ROAS {}), which is where extra budget would go first.",
        top.channel,
        interval(top.roas_mean, top.roas_lower, top.roas_upper),
        top_m.channel,
        num(top_m.mroas_mean)
    )
}

/// The channel table: spend, contribution, share, ROAS and marginal ROAS with intervals.
pub fn roas_table(report: &ReportData) -> String {
    let label = report.interval().label();
    let mut out = format!(
        r#"<table class="num"><thead><tr><th>channel</th><th>total spend</th><th>contribution</th><th>share of outcome ({label})</th><th>ROAS ({label})</th><th>marginal ROAS ({label})</th></tr></thead><tbody>"#,
    );
    for (i, r) in report.derived.roas.iter().enumerate() {
        let _ = write!(
            out,
            r#"<tr><td><span class="key area" style="--c:{}"></span>{}</td><td>{}</td><td>{}</td><td>{} [{}, {}]</td><td>{}</td><td>{}</td></tr>"#,
            color(i),
            escape_html(&r.channel),
            num(r.spend),
            num(r.contribution_mean),
            pct(r.share_mean),
            pct(r.share_lower),
            pct(r.share_upper),
            interval(r.roas_mean, r.roas_lower, r.roas_upper),
            interval(r.mroas_mean, r.mroas_lower, r.mroas_upper),
        );
    }
    out.push_str("</tbody></table>");
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_fixture::{HOSTILE_NAME, fixture, fixture_named};
    use super::*;

    #[test]
    fn one_filled_and_one_hollow_mark_per_channel() {
        let report = fixture();
        let fig = roas_chart(&report).unwrap();
        let n = report.spec.channels.len();
        assert_eq!(fig.svg.matches("<circle").count(), 2 * n);
        assert_eq!(fig.svg.matches(r#"fill="white""#).count(), n);
    }

    #[test]
    fn the_reading_names_the_best_channel() {
        let report = fixture();
        let top = best(&report.derived.roas, |r| r.roas_mean).unwrap();
        assert!(
            report
                .derived
                .roas
                .iter()
                .all(|r| r.roas_mean <= top.roas_mean)
        );
        let fig = roas_chart(&report).unwrap();
        assert!(fig.reading.contains(&top.channel));
    }

    #[test]
    fn channel_names_are_escaped_in_the_table() {
        let table = roas_table(&fixture_named(true));
        assert!(!table.contains(HOSTILE_NAME));
        assert!(table.contains("&lt;script&gt;"));
    }
}
