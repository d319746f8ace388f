//! Terminal tables whose columns line up whatever the numbers' widths, and the number format a
//! planner reads (about five significant digits, thousands separated, no exponent).

/// A table of text cells: the first column left-aligned, the others right-aligned.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// Spaces between columns.
const GAP: usize = 3;

impl Table {
    /// A table with these column titles.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Table {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Append a row (as many cells as the header).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table, one line per row, each ending in a newline.
    pub fn render(&self) -> String {
        let width = |i: usize| {
            std::iter::once(&self.header)
                .chain(&self.rows)
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.header.len()).map(width).collect();
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                let pad = widths[i].saturating_sub(cell.chars().count());
                if i == 0 {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                } else {
                    line.push_str(&" ".repeat(GAP + pad));
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A number with about five significant digits, thousands separated, no exponent.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (4 - magnitude).clamp(0, 6) as usize;
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// `mean [lower, upper]` with [`num`].
pub fn with_interval(mean: f64, lower: f64, upper: f64) -> String {
    format!("{} [{}, {}]", num(mean), num(lower), num(upper))
}

/// A share as a percentage with one decimal: `12.8% [11.7%, 14.0%]`.
pub fn share_with_interval(mean: f64, lower: f64, upper: f64) -> String {
    format!(
        "{:.1}% [{:.1}%, {:.1}%]",
        100.0 * mean,
        100.0 * lower,
        100.0 * upper
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_whatever_the_widths() {
        let mut t = Table::new(["channel", "ROAS"]);
        t.row(vec!["tv".into(), "5,041.2 [4,500, 5,600]".into()]);
        t.row(vec!["a_long_channel_name".into(), "0.8 [0.5, 1.2]".into()]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        let ends: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert!(ends.iter().all(|e| *e == ends[0]), "{text}");
        assert!(lines[2].starts_with("a_long_channel_name"));
    }

    #[test]
    fn numbers_read_like_a_planner_writes_them() {
        assert_eq!(num(1_234_567.8), "1,234,568");
        assert_eq!(num(0.123456), "0.12346");
        assert_eq!(num(-2500.0), "-2,500.0");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(1_234_567.0), "1,234,567");
        assert_eq!(num(3.76721), "3.7672");
        assert_eq!(num(-0.0122), "-0.012200");
        assert_eq!(num(18_687.4), "18,687");
    }
}
