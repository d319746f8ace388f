//! SBC rank histograms as one deterministic SVG: a panel per parameter, bars of replicates
//! per rank bin, the expected count and the band a uniform histogram's bars stay in.

use std::fmt::Write as _;

use super::sbc::SbcResult;
use super::uniformity::{BAND_MASS, uniform_band};

const PANEL_W: f64 = 230.0;
const PANEL_H: f64 = 150.0;
const COLUMNS: usize = 4;
const MARGIN: f64 = 24.0;
const TITLE_H: f64 = 40.0;
const PASS_COLOUR: &str = "#4477aa";
const FAIL_COLOUR: &str = "#cc3311";

/// Escape text for SVG.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The rank histograms of `result`, titled with `title`.
pub fn rank_histograms_svg(result: &SbcResult, title: &str) -> String {
    let n_panels = result.tests.len().max(1);
    let rows = n_panels.div_ceil(COLUMNS);
    let width = COLUMNS as f64 * PANEL_W + 2.0 * MARGIN;
    let height = rows as f64 * PANEL_H + TITLE_H + MARGIN;
    let replicates: usize = result.tests.first().map_or(0, |t| t.counts.iter().sum());
    let bins = result.bins.max(1);
    let [band_lo, band_hi] = uniform_band(replicates, bins);
    let expected = replicates as f64 / bins as f64;
    let top = result
        .tests
        .iter()
        .flat_map(|t| t.counts.iter().copied())
        .max()
        .unwrap_or(0)
        .max(band_hi as usize) as f64
        * 1.1;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\">"
    );
    let _ = writeln!(
        s,
        "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{MARGIN}\" y=\"22\" \
         font-size=\"15\">{}</text>\n<text x=\"{MARGIN}\" y=\"36\" font-size=\"11\" \
         fill=\"#555\">{} replicates, ranks among {} draws in {bins} bins; grey: {:.0}% band of a \
         uniform bin; line: expected count. Verdict at combined alpha {}: {}</text>",
        escape(title),
        replicates,
        result.max_rank,
        100.0 * BAND_MASS,
        result.alpha,
        if result.pass { "PASS" } else { "FAIL" }
    );
    for (i, test) in result.tests.iter().enumerate() {
        let x0 = MARGIN + (i % COLUMNS) as f64 * PANEL_W;
        let y0 = TITLE_H + (i / COLUMNS) as f64 * PANEL_H;
        let (pw, ph) = (PANEL_W - 14.0, PANEL_H - 38.0);
        let (px, py) = (x0 + 4.0, y0 + 24.0);
        let y_of = |c: f64| py + ph - ph * c / top;
        let colour = if test.pass { PASS_COLOUR } else { FAIL_COLOUR };
        let _ = writeln!(
            s,
            "<text x=\"{px:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"{colour}\">{} (p = {:.3})</text>",
            y0 + 16.0,
            escape(&test.name),
            test.p_value
        );
        let _ = writeln!(
            s,
            "<rect x=\"{px:.1}\" y=\"{:.1}\" width=\"{pw:.1}\" height=\"{:.1}\" fill=\"#ddd\"/>",
            y_of(band_hi as f64),
            y_of(band_lo as f64) - y_of(band_hi as f64)
        );
        let bar_w = pw / test.counts.len().max(1) as f64;
        for (b, c) in test.counts.iter().enumerate() {
            let y = y_of(*c as f64);
            let _ = writeln!(
                s,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\" \
                 fill-opacity=\"0.8\"/>",
                px + b as f64 * bar_w + 0.5,
                (bar_w - 1.0).max(0.5),
                py + ph - y
            );
        }
        let ye = y_of(expected);
        let _ = writeln!(
            s,
            "<line x1=\"{px:.1}\" y1=\"{ye:.1}\" x2=\"{:.1}\" y2=\"{ye:.1}\" stroke=\"#333\" \
             stroke-dasharray=\"3,2\"/>\n<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" \
             y2=\"{:.1}\" stroke=\"#333\"/>",
            px + pw,
            py + ph,
            px + pw,
            py + ph
        );
        let _ = writeln!(
            s,
            "<text x=\"{px:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"#555\">0</text><text \
             x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"#555\" text-anchor=\"end\">{}</text>",
            py + ph + 10.0,
            px + pw,
            py + ph + 10.0,
            result.max_rank
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::uniformity::test_ranks;

    fn result(pass: bool) -> SbcResult {
        let names = vec!["beta[tv]".to_string(), "a<b".to_string()];
        let ranks: Vec<Vec<usize>> = (0..100)
            .map(|i| vec![i, if pass { i } else { 0 }])
            .collect();
        let tests = test_ranks(&names, &ranks, 99, 0.01);
        SbcResult {
            names,
            replicates: Vec::new(),
            max_rank: 99,
            bins: 10,
            pass: tests.iter().all(|t| t.pass),
            tests,
            alpha: 0.01,
            threshold: 0.005,
            seconds: 0.0,
        }
    }

    #[test]
    fn one_panel_per_parameter_with_escaped_names_and_a_bar_per_bin() {
        let svg = rank_histograms_svg(&result(false), "SBC of m.toml");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("beta[tv] (p = 1.000)") && svg.contains("a&lt;b (p = 0.000)"));
        assert_eq!(svg.matches("fill-opacity").count(), 20);
        assert!(svg.contains(FAIL_COLOUR) && svg.contains("FAIL"));
        assert!(rank_histograms_svg(&result(true), "t").contains("PASS"));
    }

    #[test]
    fn the_svg_is_deterministic() {
        assert_eq!(
            rank_histograms_svg(&result(true), "t"),
            rank_histograms_svg(&result(true), "t")
        );
    }
}
