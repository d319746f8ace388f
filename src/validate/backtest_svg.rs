//! The backtest as one deterministic SVG: every held-out period's actual value against the
//! forecast and its 90 % predictive interval, fold by fold.

use std::fmt::Write as _;

use super::backtest::{Backtest, Prediction};

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 46.0;
const BOTTOM: f64 = 40.0;
const BAND: &str = "#bbccee";
const FORECAST: &str = "#4477aa";
const INSIDE: &str = "#222222";
const OUTSIDE: &str = "#cc3311";

/// The held-out predictions of `backtest`, titled with `title`.
pub fn backtest_svg(backtest: &Backtest, title: &str) -> String {
    let p = &backtest.predictions;
    let (lo, hi) = p
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), q| {
            (lo.min(q.q5).min(q.actual), hi.max(q.q95).max(q.actual))
        });
    let pad = 0.05 * (hi - lo).max(f64::MIN_POSITIVE);
    let (lo, hi) = (lo - pad, hi + pad);
    let (pw, ph) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let step = pw / p.len().max(1) as f64;
    let x_of = |i: usize| LEFT + (i as f64 + 0.5) * step;
    let y_of = |v: f64| TOP + ph * (hi - v) / (hi - lo);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"sans-serif\">\n<rect width=\"100%\" \
         height=\"100%\" fill=\"white\"/>"
    );
    let m = &backtest.overall;
    let _ = writeln!(
        s,
        "<text x=\"{LEFT}\" y=\"20\" font-size=\"15\">{}</text>\n<text x=\"{LEFT}\" y=\"36\" \
         font-size=\"11\" fill=\"#555\">{} folds, {} held-out periods: RMSE {:.4}, MAPE {:.1}%, \
         R² {:.3}, 90% interval covers {:.0}% (band: 90% predictive interval; line: forecast; \
         dots: actual, red outside)</text>",
        escape(title),
        backtest.folds.len(),
        m.n,
        m.rmse,
        100.0 * m.mape,
        m.r2,
        100.0 * m.coverage
    );
    for fold in fold_ranges(p) {
        let pts = &p[fold.clone()];
        let mut band = String::new();
        for (i, q) in pts.iter().enumerate() {
            let _ = write!(band, "{:.1},{:.1} ", x_of(fold.start + i), y_of(q.q95));
        }
        for (i, q) in pts.iter().enumerate().rev() {
            let _ = write!(band, "{:.1},{:.1} ", x_of(fold.start + i), y_of(q.q5));
        }
        let line: String = pts
            .iter()
            .enumerate()
            .map(|(i, q)| format!("{:.1},{:.1} ", x_of(fold.start + i), y_of(q.mean)))
            .collect();
        let _ = writeln!(
            s,
            "<polygon points=\"{}\" fill=\"{BAND}\"/>\n<polyline points=\"{}\" fill=\"none\" \
             stroke=\"{FORECAST}\" stroke-width=\"1.5\"/>",
            band.trim_end(),
            line.trim_end()
        );
        let x_sep = LEFT + fold.start as f64 * step;
        let _ = writeln!(
            s,
            "<line x1=\"{x_sep:.1}\" y1=\"{TOP}\" x2=\"{x_sep:.1}\" y2=\"{:.1}\" stroke=\"#ccc\"/>",
            TOP + ph
        );
        for (i, q) in pts.iter().enumerate() {
            let inside = q.actual >= q.q5 && q.actual <= q.q95;
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{}\"/>",
                x_of(fold.start + i),
                y_of(q.actual),
                if inside { INSIDE } else { OUTSIDE }
            );
        }
    }
    let _ = writeln!(
        s,
        "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" \
         stroke=\"#333\"/>"
    );
    for v in [lo + pad, hi - pad] {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{v:.4e}</text>",
            LEFT - 4.0,
            y_of(v) + 3.0
        );
    }
    if let (Some(first), Some(last)) = (p.first(), p.last()) {
        let y = TOP + ph + 16.0;
        let _ = writeln!(
            s,
            "<text x=\"{LEFT}\" y=\"{y}\" font-size=\"10\">{}</text>\n<text x=\"{:.1}\" \
             y=\"{y}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            first.date,
            LEFT + pw,
            last.date
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Index ranges of consecutive predictions of the same fold.
fn fold_ranges(p: &[Prediction]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=p.len() {
        if i == p.len() || p[i].fold != p[start].fold {
            out.push(start..i);
            start = i;
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::metrics::metrics;

    fn prediction(fold: usize, t: usize, actual: f64) -> Prediction {
        Prediction {
            fold,
            date: format!("2024-01-{:02}", t + 1),
            actual,
            mean: 10.0,
            q5: 8.0,
            q95: 12.0,
        }
    }

    #[test]
    fn a_band_and_line_per_fold_and_a_dot_per_period_red_when_outside() {
        let predictions = vec![
            prediction(1, 0, 9.0),
            prediction(1, 1, 13.0),
            prediction(2, 2, 11.0),
        ];
        let m = metrics(&[9.0, 13.0, 11.0], &[10.0; 3], &[8.0; 3], &[12.0; 3]);
        let b = Backtest {
            folds: Vec::new(),
            overall: m,
            predictions,
        };
        let svg = backtest_svg(&b, "demo & co");
        assert_eq!(svg.matches("<polygon").count(), 2);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches(OUTSIDE).count(), 1);
        assert!(svg.contains("demo &amp; co") && svg.contains("covers 67%"));
        assert_eq!(svg, backtest_svg(&b, "demo & co"));
    }
}
