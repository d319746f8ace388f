//! The optional budget-allocation section: per channel the current and the optimal spend, and
//! the outcome of both plans with their credible intervals (filled in when a scenario was
//! answered by `mmm optimize`).

use std::fmt::Write as _;

use super::escape::escape_html;
use super::figure::{Figure, LegendKey, Mark, Section, grid, legend_html};
use super::format::{interval, num, pct};
use super::input::ReportData;
use super::plot::{Plot, SMALL, panel_size};
use super::svg::{Anchor, color};

const CURRENT_COLOR: &str = "#9E9E9E";
const OPTIMAL_COLOR: &str = "#0072B2";
/// Horizontal offset of the two bars of a channel from its centre.
const BAR_OFFSET: f64 = 0.2;

/// An outcome with its credible interval, in the target's units over the plan's horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutcomeInterval {
    /// Posterior mean.
    pub mean: f64,
    /// Lower credible bound (5 % quantile).
    pub lower: f64,
    /// Upper credible bound (95 % quantile).
    pub upper: f64,
}

/// One channel's spend under the current mix and under the optimal plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelAllocation {
    /// Channel name.
    pub channel: String,
    /// Spend over the horizon under the current mix.
    pub current: f64,
    /// Spend over the horizon under the optimal plan.
    pub optimal: f64,
}

/// What the report shows of an answered budget scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationSummary {
    /// Periods the plan covers.
    pub horizon: usize,
    /// Per channel, in model order.
    pub channels: Vec<ChannelAllocation>,
    /// Outcome of the current mix over the horizon.
    pub current_outcome: OutcomeInterval,
    /// Outcome of the optimal plan over the horizon.
    pub optimal_outcome: OutcomeInterval,
}

fn change(from: f64, to: f64) -> String {
    if from > 0.0 {
        let c = to / from - 1.0;
        format!("{}{}", if c > 0.0 { "+" } else { "" }, pct(c))
    } else if to > 0.0 {
        "new".into()
    } else {
        "0".into()
    }
}

fn spend_chart(report: &ReportData, a: &AllocationSummary) -> Figure {
    let n = a.channels.len() as f64;
    let top = a
        .channels
        .iter()
        .flat_map(|c| [c.current, c.optimal])
        .fold(0.0_f64, f64::max);
    let size = panel_size(2);
    let mut plot = Plot::new(size, SMALL, (-0.5, n - 0.5), (0.0, top * 1.1), 4);
    plot.y_axis(&format!(
        "spend over {} {}s",
        a.horizon,
        report.period_word()
    ));
    let labels: Vec<(f64, String)> = a
        .channels
        .iter()
        .enumerate()
        .map(|(i, c)| (i as f64, c.channel.clone()))
        .collect();
    plot.x_axis_labels(&labels, "channel");
    let width = 0.35 * (size.0 - SMALL.left - SMALL.right) / n.max(1.0);
    for (i, c) in a.channels.iter().enumerate() {
        let x = i as f64;
        plot.bar(x - BAR_OFFSET, 0.0, c.current, width, CURRENT_COLOR);
        plot.bar(x + BAR_OFFSET, 0.0, c.optimal, width, color(i));
        let p = plot.at(x + BAR_OFFSET, c.optimal);
        plot.svg.text(
            (p.0, p.1 - 4.0),
            Anchor::Middle,
            "value",
            &change(c.current, c.optimal),
        );
    }
    let moves: Vec<String> = a
        .channels
        .iter()
        .map(|c| format!("{} {}", c.channel, change(c.current, c.optimal)))
        .collect();
    let title = "Spend: current mix and optimal plan".to_string();
    Figure {
        svg: plot.finish(&title),
        title,
        legend: vec![
            LegendKey::new(CURRENT_COLOR, "current mix", Mark::Area),
            LegendKey::new(OPTIMAL_COLOR, "optimal plan (channel colour)", Mark::Area),
        ],
        reading: format!("The optimal plan changes spend by: {}.", moves.join(", ")),
    }
}

fn outcome_chart(report: &ReportData, a: &AllocationSummary) -> Figure {
    let plans = [
        ("current mix", a.current_outcome, CURRENT_COLOR),
        ("optimal plan", a.optimal_outcome, OPTIMAL_COLOR),
    ];
    let values = plans.iter().flat_map(|(_, o, _)| [o.lower, o.upper]);
    let (lo, hi) = super::axis::extent(values).unwrap_or((0.0, 1.0));
    let pad = 0.1 * (hi - lo);
    let mut plot = Plot::new(panel_size(2), SMALL, (-0.5, 1.5), (lo - pad, hi + pad), 4);
    let target = &report.spec.data.target;
    plot.y_axis(&format!(
        "{target} over {} {}s",
        a.horizon,
        report.period_word()
    ));
    let labels: Vec<(f64, String)> = plans
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| (i as f64, (*name).to_string()))
        .collect();
    plot.x_axis_labels(&labels, "plan");
    for (i, (_, o, c)) in plans.iter().enumerate() {
        let x = i as f64;
        plot.whisker(x, o.lower, o.upper, c);
        let p = plot.at(x, o.mean);
        plot.svg.circle(p, 5.0, &format!(r#"fill="{c}""#));
        plot.svg.text(
            (p.0 + 10.0, p.1 + 4.0),
            Anchor::Start,
            "value",
            &num(o.mean),
        );
    }
    let (cur, opt) = (a.current_outcome, a.optimal_outcome);
    let title = format!("Expected {target}: current mix and optimal plan");
    Figure {
        svg: plot.finish(&title),
        title,
        legend: Vec::new(),
        reading: format!(
            "Current mix {} → optimal plan {} ({}), 90% intervals.",
            interval(cur.mean, cur.lower, cur.upper),
            interval(opt.mean, opt.lower, opt.upper),
            change(cur.mean, opt.mean)
        ),
    }
}

fn table(a: &AllocationSummary) -> String {
    let mut out = String::from(
        r#"<table class="num"><thead><tr><th>channel</th><th>current</th><th>optimal</th><th>change</th></tr></thead><tbody>"#,
    );
    for c in &a.channels {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_html(&c.channel),
            num(c.current),
            num(c.optimal),
            change(c.current, c.optimal)
        );
    }
    let (cur, opt): (f64, f64) = a
        .channels
        .iter()
        .fold((0.0, 0.0), |(x, y), c| (x + c.current, y + c.optimal));
    let _ = write!(
        out,
        r#"<tr class="total"><td>total</td><td>{}</td><td>{}</td><td>{}</td></tr></tbody></table>"#,
        num(cur),
        num(opt),
        change(cur, opt)
    );
    out
}

/// The allocation section.
pub fn allocation_section(report: &ReportData, a: &AllocationSummary) -> Section {
    let spend = spend_chart(report, a);
    let outcome = outcome_chart(report, a);
    let mut body = legend_html(&spend.legend);
    let spend = Figure {
        legend: Vec::new(),
        ..spend
    };
    body.push_str(&grid(&[spend, outcome], 2));
    body.push_str(&table(a));
    Section {
        id: "allocation",
        title: "Budget allocation".into(),
        intro: format!(
            "How the budget of the scenario would best be split over the next {} {}s, against \
             the current channel mix; outcomes are taken per posterior draw, so their intervals \
             are the posterior's.",
            a.horizon,
            report.period_word()
        ),
        body,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::test_fixture::fixture;
    use super::*;

    /// A made-up answered scenario for the fixture's two channels.
    pub fn made_up() -> AllocationSummary {
        AllocationSummary {
            horizon: 8,
            channels: vec![
                ChannelAllocation {
                    channel: "tv".into(),
                    current: 6000.0,
                    optimal: 4500.0,
                },
                ChannelAllocation {
                    channel: "search".into(),
                    current: 2000.0,
                    optimal: 3500.0,
                },
            ],
            current_outcome: OutcomeInterval {
                mean: 100_000.0,
                lower: 95_000.0,
                upper: 104_000.0,
            },
            optimal_outcome: OutcomeInterval {
                mean: 106_000.0,
                lower: 100_500.0,
                upper: 110_000.0,
            },
        }
    }

    #[test]
    fn changes_are_signed_percentages() {
        assert_eq!(change(100.0, 150.0), "+50.0%");
        assert_eq!(change(100.0, 75.0), "-25.0%");
        assert_eq!(change(0.0, 5.0), "new");
    }

    #[test]
    fn the_section_shows_both_plans_and_totals() {
        let report = fixture();
        let s = allocation_section(&report, &made_up());
        assert_eq!(s.body.matches("<svg").count(), 2);
        assert!(s.body.contains("tv -25.0%") && s.body.contains("search +75.0%"));
        assert!(s.body.contains(
            r#"<tr class="total"><td>total</td><td>8,000</td><td>8,000</td><td>0.0%</td>"#
        ));
        assert!(s.body.contains("(+6.0%)"));
    }
}
