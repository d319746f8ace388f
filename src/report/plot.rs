//! A chart frame: plot area, scales, grid, ticks and axis titles, and series drawn in data
//! coordinates (lines, bands, points, bars, reference lines).

use super::axis::{Scale, Ticks, nice_ticks};
use super::format::tick;
use super::svg::{Anchor, Svg};

/// About this many intervals between ticks on a full-width axis.
pub const TICKS_WIDE: usize = 8;
/// About this many intervals between ticks on a small panel's axis.
pub const TICKS_SMALL: usize = 4;

/// Width of the page's content, in SVG user units (a full-width chart's viewBox width).
pub const PAGE_WIDTH: f64 = 940.0;
/// Height of a full-width chart.
pub const WIDE_HEIGHT: f64 = 320.0;
/// Gap between panels of a grid, in user units.
pub const GRID_GAP: f64 = 20.0;

/// The viewBox of one panel in a grid of `columns` (1 to 3), so text keeps its size.
pub fn panel_size(columns: usize) -> (f64, f64) {
    let columns = columns.clamp(1, 3) as f64;
    let width = (PAGE_WIDTH - GRID_GAP * (columns - 1.0)) / columns;
    (width, (0.62 * width).clamp(200.0, WIDE_HEIGHT))
}

/// About `n` x ticks on a period axis, labelled with the periods' dates.
pub fn date_ticks(dates: &[String], n: usize) -> Vec<(f64, String)> {
    let len = dates.len();
    if len == 0 {
        return Vec::new();
    }
    let step = len.div_ceil(n.max(1)).max(1);
    (0..len)
        .step_by(step)
        .map(|i| (i as f64, dates[i].clone()))
        .collect()
}

/// Estimated width of one character of an 11-unit label, for placing labels.
const LABEL_CHAR_WIDTH: f64 = 6.5;
/// Space left of the y tick labels for the vertical axis title and gaps.
const Y_TITLE_ROOM: f64 = 32.0;

/// Space around the plot area, in user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    /// Above (room for a legend line or headroom).
    pub top: f64,
    /// Right.
    pub right: f64,
    /// Below (tick labels and the x title).
    pub bottom: f64,
    /// Left (tick labels and the y title).
    pub left: f64,
}

/// Margins of a full-width chart.
pub const WIDE: Margins = Margins {
    top: 12.0,
    right: 20.0,
    bottom: 46.0,
    left: 78.0,
};

/// Margins of a small panel.
pub const SMALL: Margins = Margins {
    top: 10.0,
    right: 14.0,
    bottom: 42.0,
    left: 62.0,
};

/// A chart being drawn: an SVG with a plot area and its two scales.
#[derive(Debug, Clone)]
pub struct Plot {
    /// The drawing.
    pub svg: Svg,
    /// Data x to pixels.
    pub x: Scale,
    /// Data y to pixels.
    pub y: Scale,
    y_ticks: Ticks,
}

impl Plot {
    /// A `width` x `height` chart whose x axis spans `x` exactly and whose y axis spans `y`
    /// widened to nice ticks (about `y_ticks` of them).
    pub fn new(
        (width, height): (f64, f64),
        margins: Margins,
        x: (f64, f64),
        y: (f64, f64),
        y_ticks: usize,
    ) -> Plot {
        let y_ticks = nice_ticks(y.0, y.1, y_ticks);
        let x = super::axis::sane_interval(x.0, x.1);
        // Room on the left for the widest tick label and the vertical title.
        let widest = y_ticks
            .values
            .iter()
            .map(|v| tick(*v, y_ticks.step).chars().count())
            .max()
            .unwrap_or(1);
        let left = margins
            .left
            .max(Y_TITLE_ROOM + LABEL_CHAR_WIDTH * widest as f64);
        Plot {
            svg: Svg::new(width, height),
            x: Scale {
                domain: x,
                range: (left, width - margins.right),
            },
            y: Scale {
                domain: y_ticks.domain,
                range: (height - margins.bottom, margins.top),
            },
            y_ticks,
        }
    }

    /// Pixel position of a data point.
    pub fn at(&self, x: f64, y: f64) -> (f64, f64) {
        (self.x.map(x), self.y.map_clamped(y))
    }

    fn left(&self) -> f64 {
        self.x.range.0
    }

    fn right(&self) -> f64 {
        self.x.range.1
    }

    fn bottom(&self) -> f64 {
        self.y.range.0
    }

    fn top(&self) -> f64 {
        self.y.range.1
    }

    /// Horizontal grid lines with y tick labels, and the y title along the left edge.
    pub fn y_axis(&mut self, title: &str) {
        let (left, right) = (self.left(), self.right());
        for v in self.y_ticks.values.clone() {
            let py = self.y.map(v);
            self.svg
                .line((left, py), (right, py), r#"class="gridline""#);
            self.svg.text(
                (left - 6.0, py + 4.0),
                Anchor::End,
                "tick",
                &tick(v, self.y_ticks.step),
            );
        }
        let mid = 0.5 * (self.top() + self.bottom());
        self.svg.text_vertical((14.0, mid), "axis-title", title);
    }

    /// Numeric x ticks (about `n` of them) inside the x domain, and the x title.
    pub fn x_axis(&mut self, title: &str, n: usize) {
        let (lo, hi) = self.x.domain;
        let ticks = nice_ticks(lo, hi, n);
        let labels: Vec<(f64, String)> = ticks
            .values
            .iter()
            .filter(|v| **v >= lo - 1e-9 * ticks.step && **v <= hi + 1e-9 * ticks.step)
            .map(|v| (*v, tick(*v, ticks.step)))
            .collect();
        self.x_axis_labels(&labels, title);
    }

    /// X ticks at the given data positions with the given labels, and the x title.
    pub fn x_axis_labels(&mut self, labels: &[(f64, String)], title: &str) {
        let bottom = self.bottom();
        self.svg.line(
            (self.left(), bottom),
            (self.right(), bottom),
            r#"class="axis""#,
        );
        for (v, label) in labels {
            let px = self.x.map(*v);
            self.svg
                .line((px, bottom), (px, bottom + 4.0), r#"class="axis""#);
            self.svg
                .text((px, bottom + 17.0), Anchor::Middle, "tick", label);
        }
        let mid = 0.5 * (self.left() + self.right());
        let y = self.svg.height() - 8.0;
        self.svg.text((mid, y), Anchor::Middle, "axis-title", title);
    }

    /// A line through `(x, y)` points (broken at non-finite values).
    pub fn line(&mut self, points: &[(f64, f64)], color: &str, width: f64, dash: bool) {
        let px: Vec<(f64, f64)> = points.iter().map(|(x, y)| self.at(*x, *y)).collect();
        let dash = if dash {
            r#" stroke-dasharray="5 4""#
        } else {
            ""
        };
        self.svg.polyline(
            &px,
            &format!(r#"stroke="{color}" stroke-width="{width}" stroke-linejoin="round"{dash}"#),
        );
    }

    /// A band between `lo` and `hi` over `xs`, drawn in pieces between non-finite values.
    pub fn band(&mut self, xs: &[f64], lo: &[f64], hi: &[f64], color: &str, opacity: f64) {
        let style = format!(r#"fill="{color}" fill-opacity="{opacity}" stroke="none""#);
        let finite = |i: usize| xs[i].is_finite() && lo[i].is_finite() && hi[i].is_finite();
        let n = xs.len().min(lo.len()).min(hi.len());
        let mut start = 0;
        while start < n {
            while start < n && !finite(start) {
                start += 1;
            }
            let mut end = start;
            while end < n && finite(end) {
                end += 1;
            }
            if end > start + 1 {
                let mut pts: Vec<(f64, f64)> =
                    (start..end).map(|i| self.at(xs[i], hi[i])).collect();
                pts.extend((start..end).rev().map(|i| self.at(xs[i], lo[i])));
                self.svg.polygon(&pts, &style);
            }
            start = end;
        }
    }

    /// Dots at data points.
    pub fn points(&mut self, points: &[(f64, f64)], color: &str, radius: f64) {
        let style = format!(r#"fill="{color}""#);
        for (x, y) in points {
            let p = self.at(*x, *y);
            self.svg.circle(p, radius, &style);
        }
    }

    /// A vertical reference line at data x, labelled at the top (on text row `row`), on its
    /// right when the label fits there, else on its left.
    pub fn vline(&mut self, x: f64, color: &str, label: &str, row: usize) {
        let px = self.x.map(x);
        if !(px.is_finite() && px >= self.left() - 0.5 && px <= self.right() + 0.5) {
            return;
        }
        let (top, bottom) = (self.top(), self.bottom());
        self.svg.line(
            (px, top),
            (px, bottom),
            &format!(r#"stroke="{color}" stroke-width="1.5" stroke-dasharray="4 3""#),
        );
        let fits_right = px + 4.0 + LABEL_CHAR_WIDTH * label.chars().count() as f64 <= self.right();
        let (dx, anchor) = if fits_right {
            (4.0, Anchor::Start)
        } else {
            (-4.0, Anchor::End)
        };
        let y = top + 12.0 + 13.0 * row as f64;
        self.svg.text((px + dx, y), anchor, "note", label);
    }

    /// A horizontal reference line at data y.
    pub fn hline(&mut self, y: f64, style: &str) {
        let py = self.y.map(y);
        if py.is_finite() && py <= self.bottom() + 0.5 && py >= self.top() - 0.5 {
            self.svg.line((self.left(), py), (self.right(), py), style);
        }
    }

    /// A bar from data y = `base` to `value`, centred on data x with pixel width `width`.
    pub fn bar(&mut self, x: f64, base: f64, value: f64, width: f64, color: &str) {
        let px = self.x.map(x);
        let (y0, y1) = (self.y.map_clamped(base), self.y.map_clamped(value));
        self.svg.rect(
            px - 0.5 * width,
            y1.min(y0),
            width,
            (y0 - y1).abs(),
            &format!(r#"fill="{color}""#),
        );
    }

    /// A vertical interval (whisker) from `lo` to `hi` at data x.
    pub fn whisker(&mut self, x: f64, lo: f64, hi: f64, color: &str) {
        let px = self.x.map(x);
        let style = format!(r#"stroke="{color}" stroke-width="1.5""#);
        let (a, b) = (self.y.map_clamped(lo), self.y.map_clamped(hi));
        self.svg.line((px, a), (px, b), &style);
        self.svg.line((px - 3.0, a), (px + 3.0, a), &style);
        self.svg.line((px - 3.0, b), (px + 3.0, b), &style);
    }

    /// The finished SVG element.
    pub fn finish(self, title: &str) -> String {
        self.svg.finish(title)
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_abs_diff_eq;

    use super::*;

    /// Pixel positions are exact up to round-off.
    const PIXEL_TOL: f64 = 1e-9;

    #[test]
    fn data_corners_land_on_the_plot_area_corners() {
        let plot = Plot::new((400.0, 200.0), SMALL, (0.0, 10.0), (0.0, 1.0), 4);
        let (x, y) = plot.at(0.0, 0.0);
        assert_abs_diff_eq!(x, SMALL.left, epsilon = PIXEL_TOL);
        assert_abs_diff_eq!(y, 200.0 - SMALL.bottom, epsilon = PIXEL_TOL);
        let (x, y) = plot.at(10.0, 1.0);
        assert_abs_diff_eq!(x, 400.0 - SMALL.right, epsilon = PIXEL_TOL);
        assert_abs_diff_eq!(y, SMALL.top, epsilon = PIXEL_TOL);
    }

    #[test]
    fn date_ticks_are_evenly_spaced_periods() {
        let dates: Vec<String> = (0..10).map(|i| format!("d{i}")).collect();
        let ticks = date_ticks(&dates, 4);
        assert_eq!(
            ticks,
            [
                (0.0, "d0".into()),
                (3.0, "d3".into()),
                (6.0, "d6".into()),
                (9.0, "d9".into())
            ]
        );
        assert_abs_diff_eq!(panel_size(3).0, 300.0, epsilon = PIXEL_TOL);
    }

    #[test]
    fn wide_tick_labels_widen_the_left_margin() {
        let narrow = Plot::new((400.0, 200.0), SMALL, (0.0, 1.0), (0.0, 1.0), 4);
        assert_abs_diff_eq!(narrow.x.range.0, SMALL.left, epsilon = PIXEL_TOL);
        let wide = Plot::new((400.0, 200.0), SMALL, (0.0, 1.0), (90_000.0, 115_000.0), 4);
        assert!(wide.x.range.0 >= Y_TITLE_ROOM + LABEL_CHAR_WIDTH * 7.0);
    }

    #[test]
    fn a_band_with_a_gap_is_drawn_in_two_pieces() {
        let mut plot = Plot::new((400.0, 200.0), SMALL, (0.0, 5.0), (0.0, 2.0), 4);
        let xs = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
        let lo = [0.0, 0.1, f64::NAN, 0.2, 0.1, 0.0];
        let hi = [1.0, 1.1, 1.2, 1.3, 1.1, 1.0];
        plot.band(&xs, &lo, &hi, "#000", 0.2);
        let out = plot.finish("t");
        assert_eq!(out.matches("<path").count(), 2);
    }
}
