//! Lift tests: each experiment's measured lift (±1.645 standard errors, a 90 % interval)
//! beside the model's lift before calibration (prior) and after it (posterior), and the table
//! of the same numbers.

use std::fmt::Write as _;

use super::escape::escape_html;
use super::figure::{Figure, LegendKey, Mark};
use super::format::{interval, num};
use super::input::{LiftRow, ReportData};
use super::plot::{Margins, PAGE_WIDTH, Plot};
use super::svg::Anchor;

const HEIGHT: f64 = 260.0;
const MARGINS: Margins = Margins {
    top: 16.0,
    right: 20.0,
    bottom: 46.0,
    left: 78.0,
};
/// Horizontal offset of the prior and measured marks from the test's centre.
const OFFSET: f64 = 0.22;
/// Standard normal 95 % quantile: ±`Z90` standard errors is the measurement's 90 % interval.
pub const Z90: f64 = 1.644_853_626_951_472_2;
/// Colours of the three marks.
const PRIOR: &str = "#999999";
const POSTERIOR: &str = "#0072B2";
const MEASURED: &str = "#222222";

fn test_name(t: &LiftRow) -> String {
    format!("{} (row {})", t.channel, t.row)
}

/// The lift-test chart (`None` for a fit without lift tests).
pub fn lift_chart(report: &ReportData) -> Option<Figure> {
    let tests = &report.lift_tests;
    if tests.is_empty() {
        return None;
    }
    let values = tests
        .iter()
        .flat_map(|t| {
            [
                t.prior.1,
                t.prior.2,
                t.posterior.1,
                t.posterior.2,
                t.measured - Z90 * t.measured_sd,
                t.measured + Z90 * t.measured_sd,
            ]
        })
        .filter(|v| v.is_finite())
        .chain([0.0]);
    let (lo, hi) = super::axis::extent(values).unwrap_or((0.0, 1.0));
    let n = tests.len() as f64;
    let mut plot = Plot::new((PAGE_WIDTH, HEIGHT), MARGINS, (-0.5, n - 0.5), (lo, hi), 5);
    let target = &report.spec.data.target;
    plot.y_axis(&format!("incremental {target} over the test"));
    let labels: Vec<(f64, String)> = tests
        .iter()
        .enumerate()
        .map(|(i, t)| (i as f64, test_name(t)))
        .collect();
    plot.x_axis_labels(&labels, "lift test (channel, row of the lift-test file)");
    plot.hline(0.0, r#"class="axis""#);
    for (i, t) in tests.iter().enumerate() {
        let x = i as f64;
        // Prior: hollow grey ring.
        plot.whisker(x - OFFSET, t.prior.1, t.prior.2, PRIOR);
        let p = plot.at(x - OFFSET, t.prior.0);
        plot.svg.circle(
            p,
            4.5,
            &format!(r#"fill="white" stroke="{PRIOR}" stroke-width="2""#),
        );
        // Posterior: filled dot, with its mean written beside it.
        plot.whisker(x, t.posterior.1, t.posterior.2, POSTERIOR);
        let p = plot.at(x, t.posterior.0);
        plot.svg.circle(p, 5.0, &format!(r#"fill="{POSTERIOR}""#));
        plot.svg.text(
            (p.0 + 9.0, p.1 + 4.0),
            Anchor::Start,
            "value",
            &num(t.posterior.0),
        );
        // Measured: dark square, ±Z90 sd.
        let sd = Z90 * t.measured_sd;
        plot.whisker(x + OFFSET, t.measured - sd, t.measured + sd, MEASURED);
        let p = plot.at(x + OFFSET, t.measured);
        plot.svg.rect(
            p.0 - 4.5,
            p.1 - 4.5,
            9.0,
            9.0,
            &format!(r#"fill="{MEASURED}""#),
        );
    }
    let title = "Lift tests: measured against the model, before and after calibration".to_string();
    let label = report.interval().label();
    Some(Figure {
        svg: plot.finish(&title),
        title,
        legend: vec![
            LegendKey::new(
                PRIOR,
                format!("model before calibration (prior, {label} interval)"),
                Mark::Ring,
            ),
            LegendKey::new(
                POSTERIOR,
                format!("model after calibration (posterior, {label} interval)"),
                Mark::Dot,
            ),
            LegendKey::new(
                MEASURED,
                "measured lift ± 1.645 standard errors (90%)",
                Mark::Area,
            ),
        ],
        reading: reading(tests, target),
    })
}

/// How many measurements fall inside the posterior interval, and the worst miss.
fn reading(tests: &[LiftRow], target: &str) -> String {
    let inside = tests
        .iter()
        .filter(|t| (t.posterior.1..=t.posterior.2).contains(&t.measured))
        .count();
    let worst = tests
        .iter()
        .map(|t| (t, (t.posterior.0 - t.measured).abs() / t.measured_sd))
        .filter(|(_, z)| z.is_finite())
        .fold(None, |acc: Option<(&LiftRow, f64)>, (t, z)| match acc {
            Some((_, best)) if best >= z => acc,
            _ => Some((t, z)),
        });
    let mut out = format!(
        "{inside} of {} measured lifts fall inside the calibrated model's interval",
        tests.len()
    );
    if let Some((t, z)) = worst {
        let _ = write!(
            out,
            "; the farthest is {}, where the model's mean lift of {} {target} is {} standard \
             errors from the measured {}",
            test_name(t),
            num(t.posterior.0),
            num(z),
            num(t.measured)
        );
    }
    out.push('.');
    out
}

/// The lift-test table: window, spend change, measured lift and the model's before and after.
pub fn lift_table(report: &ReportData) -> String {
    let label = report.interval().label();
    let mut out = format!(
        r#"<table class="num"><thead><tr><th>test</th><th>window</th><th>spend change</th><th>measured lift ± sd</th><th>model before calibration ({label})</th><th>model after calibration ({label})</th></tr></thead><tbody>"#,
    );
    for t in &report.lift_tests {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td>{} to {}</td><td>{}</td><td>{} ± {}</td><td>{}</td><td>{}</td></tr>"#,
            escape_html(&test_name(t)),
            escape_html(&t.start),
            escape_html(&t.end),
            num(t.spend_change),
            num(t.measured),
            num(t.measured_sd),
            interval(t.prior.0, t.prior.1, t.prior.2),
            interval(t.posterior.0, t.posterior.1, t.posterior.2),
        );
    }
    out.push_str("</tbody></table>");
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_fixture::fixture;
    use super::*;

    fn row(channel: &str, row: usize, measured: f64, post: (f64, f64, f64)) -> LiftRow {
        LiftRow {
            channel: channel.into(),
            row,
            start: "2024-03-04".into(),
            end: "2024-03-31".into(),
            spend_change: 40000.0,
            measured,
            measured_sd: 1000.0,
            prior: (5000.0, 0.0, 30000.0),
            posterior: post,
        }
    }

    #[test]
    fn no_lift_tests_no_chart() {
        let report = fixture();
        assert!(report.lift_tests.is_empty());
        assert!(lift_chart(&report).is_none());
    }

    #[test]
    fn three_marks_per_test_and_the_reading_counts_hits() {
        let mut report = fixture();
        report.lift_tests = vec![
            row("tv", 1, 20000.0, (19500.0, 18000.0, 21000.0)),
            row("<b>x</b>", 2, 9000.0, (12000.0, 11000.0, 13000.0)),
        ];
        let fig = lift_chart(&report).unwrap();
        // Per test: prior ring + posterior dot; measured square.
        assert_eq!(fig.svg.matches("<circle").count(), 4);
        assert_eq!(fig.svg.matches(r#"fill="white""#).count(), 2);
        assert!(!fig.svg.contains("<b>x</b>"));
        // Only the first measurement is inside its posterior interval; the second misses by
        // |12000 - 9000| / 1000 = 3 standard errors.
        assert!(fig.reading.starts_with("1 of 2"), "{}", fig.reading);
        assert!(fig.reading.contains("<b>x</b> (row 2)"), "{}", fig.reading);
        assert!(
            fig.reading.contains(" 3.00 standard errors"),
            "{}",
            fig.reading
        );
        let table = lift_table(&report);
        assert!(!table.contains("<b>x</b>"));
        assert_eq!(table.matches("<tr><td>").count(), 2);
    }
}
