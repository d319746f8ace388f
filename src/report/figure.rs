//! The page's building blocks: a figure (title, chart, legend, one-line reading), a grid of
//! small panels, and a section of the page.

use std::fmt::Write as _;

use super::escape::escape_html;

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A filled square (areas, bars).
    Area,
    /// A pale square (wide credible bands).
    Band,
    /// A half-tone square (narrow credible bands).
    Shade,
    /// A solid line.
    Line,
    /// A dashed line (reference lines).
    Dashed,
    /// A dot (observations).
    Dot,
    /// A hollow dot.
    Ring,
}

impl Mark {
    fn class(self) -> &'static str {
        match self {
            Mark::Area => "area",
            Mark::Band => "band",
            Mark::Shade => "shade",
            Mark::Line => "line",
            Mark::Dashed => "dashed",
            Mark::Dot => "dot",
            Mark::Ring => "ring",
        }
    }
}

/// One legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendKey {
    /// A trusted CSS colour.
    pub color: String,
    /// The label (escaped when written).
    pub label: String,
    /// How it is drawn.
    pub mark: Mark,
}

impl LegendKey {
    /// A legend entry.
    pub fn new(color: &str, label: impl Into<String>, mark: Mark) -> LegendKey {
        LegendKey {
            color: color.to_string(),
            label: label.into(),
            mark,
        }
    }
}

/// A chart with its title, legend and one-line reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Title (plain text).
    pub title: String,
    /// The `<svg>` element.
    pub svg: String,
    /// Legend entries (none for a single series).
    pub legend: Vec<LegendKey>,
    /// What the chart shows, in one line (plain text).
    pub reading: String,
}

impl Figure {
    /// The figure as HTML.
    pub fn html(&self) -> String {
        let mut out = String::from(r#"<figure class="chart">"#);
        let _ = write!(out, "<h3>{}</h3>{}", escape_html(&self.title), self.svg);
        out.push_str(&legend_html(&self.legend));
        let _ = write!(
            out,
            "<figcaption>{}</figcaption></figure>",
            escape_html(&self.reading)
        );
        out
    }
}

/// A legend as an HTML list.
pub fn legend_html(keys: &[LegendKey]) -> String {
    if keys.is_empty() {
        return String::new();
    }
    let mut out = String::from(r#"<ul class="legend">"#);
    for k in keys {
        let _ = write!(
            out,
            r#"<li><span class="key {}" style="--c:{}"></span>{}</li>"#,
            k.mark.class(),
            escape_html(&k.color),
            escape_html(&k.label)
        );
    }
    out.push_str("</ul>");
    out
}

/// Small figures side by side, `columns` to a row (fewer on a narrow page).
pub fn grid(panels: &[Figure], columns: usize) -> String {
    let mut out = format!(r#"<div class="grid cols-{}">"#, columns.clamp(1, 3));
    for p in panels {
        out.push_str(&p.html());
    }
    out.push_str("</div>");
    out
}

/// A section of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Anchor id (trusted, ASCII).
    pub id: &'static str,
    /// Heading (plain text).
    pub title: String,
    /// What the section answers, in a sentence or two (plain text).
    pub intro: String,
    /// The content (HTML built by this module, every user text already escaped).
    pub body: String,
}

impl Section {
    /// The section as HTML.
    pub fn html(&self) -> String {
        format!(
            r#"<section id="{}"><h2>{}</h2><p class="intro">{}</p>{}</section>"#,
            self.id,
            escape_html(&self.title),
            escape_html(&self.intro),
            self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_escapes_title_legend_and_reading_but_not_its_svg() {
        let f = Figure {
            title: "<t>".into(),
            svg: "<svg></svg>".into(),
            legend: vec![LegendKey::new("#000", "a&b", Mark::Line)],
            reading: "x < y".into(),
        };
        let html = f.html();
        assert!(html.contains("<h3>&lt;t&gt;</h3><svg></svg>"));
        assert!(html.contains("a&amp;b") && html.contains("x &lt; y"));
        assert!(html.contains(r#"class="key line""#));
    }
}
