//! A minimal SVG writer: shapes in pixel coordinates with fixed-precision numbers, every text
//! escaped, so the same chart always gives the same bytes.

use std::fmt::Write as _;

use super::escape::escape_html;
use super::format::coord;

/// Colour-blind-safe categorical colours (Okabe & Ito 2008), in the order channels take them.
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F", "#332288",
];

/// The colour of series `i` (cycling through [`PALETTE`]).
pub fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Where text sits relative to its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Text starts at the point.
    Start,
    /// Text is centred on the point.
    Middle,
    /// Text ends at the point.
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// An SVG document being written.
#[derive(Debug, Clone)]
pub struct Svg {
    width: f64,
    height: f64,
    body: String,
}

impl Svg {
    /// An empty drawing of `width` x `height` user units.
    pub fn new(width: f64, height: f64) -> Svg {
        Svg {
            width,
            height,
            body: String::new(),
        }
    }

    /// Height in user units.
    pub fn height(&self) -> f64 {
        self.height
    }

    /// A straight line; `style` holds trusted presentation attributes.
    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), style: &str) {
        let _ = write!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {style}/>"#,
            coord(x1),
            coord(y1),
            coord(x2),
            coord(y2)
        );
    }

    /// A polyline through `points`, broken wherever a point is not finite.
    pub fn polyline(&mut self, points: &[(f64, f64)], style: &str) {
        let d = path_data(points);
        if !d.is_empty() {
            let _ = write!(self.body, r#"<path d="{d}" fill="none" {style}/>"#);
        }
    }

    /// A closed polygon (skipped when any point is not finite).
    pub fn polygon(&mut self, points: &[(f64, f64)], style: &str) {
        if points.len() < 3 || points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
            return;
        }
        let mut d = path_data(points);
        d.push('Z');
        let _ = write!(self.body, r#"<path d="{d}" {style}/>"#);
    }

    /// A rectangle from its top-left corner (negative sizes are flipped).
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, style: &str) {
        let (x, w) = if w < 0.0 { (x + w, -w) } else { (x, w) };
        let (y, h) = if h < 0.0 { (y + h, -h) } else { (y, h) };
        if [x, y, w, h].iter().all(|v| v.is_finite()) {
            let _ = write!(
                self.body,
                r#"<rect x="{}" y="{}" width="{}" height="{}" {style}/>"#,
                coord(x),
                coord(y),
                coord(w),
                coord(h)
            );
        }
    }

    /// A circle.
    pub fn circle(&mut self, (cx, cy): (f64, f64), r: f64, style: &str) {
        if cx.is_finite() && cy.is_finite() {
            let _ = write!(
                self.body,
                r#"<circle cx="{}" cy="{}" r="{}" {style}/>"#,
                coord(cx),
                coord(cy),
                coord(r)
            );
        }
    }

    /// Text at a point (escaped); `class` is one of the page's SVG text classes.
    pub fn text(&mut self, (x, y): (f64, f64), anchor: Anchor, class: &str, text: &str) {
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{}" class="{class}">{}</text>"#,
            coord(x),
            coord(y),
            anchor.as_str(),
            escape_html(text)
        );
    }

    /// Text turned 90° counter-clockwise about its point (for vertical axis titles).
    pub fn text_vertical(&mut self, (x, y): (f64, f64), class: &str, text: &str) {
        let _ = write!(
            self.body,
            r#"<text transform="translate({},{}) rotate(-90)" text-anchor="middle" class="{class}">{}</text>"#,
            coord(x),
            coord(y),
            escape_html(text)
        );
    }

    /// The finished `<svg>` element, labelled `title` for screen readers.
    pub fn finish(self, title: &str) -> String {
        let title = escape_html(title);
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{title}"><title>{title}</title>{}</svg>"#,
            self.body,
            w = coord(self.width),
            h = coord(self.height),
        )
    }
}

/// `M x y L x y ...` through the points, starting a new subpath after every gap.
fn path_data(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for &(x, y) in points {
        if !(x.is_finite() && y.is_finite()) {
            pen_down = false;
            continue;
        }
        let _ = write!(
            d,
            "{}{} {}",
            if pen_down { 'L' } else { 'M' },
            coord(x),
            coord(y)
        );
        pen_down = true;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polylines_break_at_gaps_and_coordinates_have_one_decimal() {
        let mut svg = Svg::new(100.0, 50.0);
        svg.polyline(
            &[
                (0.0, 1.0),
                (1.04, 2.0),
                (f64::NAN, 0.0),
                (3.0, 4.0),
                (5.0, 6.0),
            ],
            r#"stroke="black""#,
        );
        let out = svg.finish("t");
        assert!(
            out.contains(r#"d="M0.0 1.0L1.0 2.0M3.0 4.0L5.0 6.0""#),
            "{out}"
        );
    }

    #[test]
    fn text_and_title_are_escaped() {
        let mut svg = Svg::new(10.0, 10.0);
        svg.text((1.0, 2.0), Anchor::Start, "tick", "<b>&\"'");
        let out = svg.finish("<script>");
        assert!(out.contains("&lt;b&gt;&amp;&quot;&#39;"));
        assert!(out.contains("aria-label=\"&lt;script&gt;\""));
        assert!(!out.contains("<script>") && !out.contains("<b>"));
    }

    #[test]
    fn a_polygon_with_a_missing_point_is_not_drawn() {
        let mut svg = Svg::new(10.0, 10.0);
        svg.polygon(&[(0.0, 0.0), (1.0, f64::INFINITY), (2.0, 0.0)], "");
        assert!(!svg.finish("t").contains("<path"));
    }
}
