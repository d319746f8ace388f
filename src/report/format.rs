//! Stable number formatting: the same value always prints the same text (no locale, no
//! exponent for everyday magnitudes, no `-0`).

/// Significant digits of the numbers quoted in tables and readings.
pub const SIG_DIGITS: usize = 3;

/// `x` with [`SIG_DIGITS`] significant digits and grouped thousands: `5,052`, `0.0123`.
pub fn num(x: f64) -> String {
    sig(x, SIG_DIGITS)
}

/// `x` with `digits` significant digits (at least the units), grouped thousands.
pub fn sig(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "n/a".into()
        } else {
            x.to_string()
        };
    }
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..15).contains(&magnitude) {
        return no_negative_zero(format!("{:.*e}", digits.saturating_sub(1), x));
    }
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    fixed(x, decimals)
}

/// `x` with exactly `decimals` decimals and grouped thousands.
pub fn fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return sig(x, 1);
    }
    group(&no_negative_zero(format!("{x:.decimals$}")))
}

/// A share as a percentage with one decimal: `29.6%`.
pub fn pct(share: f64) -> String {
    if !share.is_finite() {
        return "n/a".into();
    }
    format!("{}%", no_negative_zero(format!("{:.1}", 100.0 * share)))
}

/// An SVG coordinate: one decimal, so output is stable and compact.
pub fn coord(x: f64) -> String {
    no_negative_zero(format!("{x:.1}"))
}

/// `mean [lo, hi]` with [`num`].
pub fn interval(mean: f64, lo: f64, hi: f64) -> String {
    format!("{} [{}, {}]", num(mean), num(lo), num(hi))
}

/// The label of an axis tick at `v` on a grid of `step`: enough decimals to tell ticks apart,
/// millions and billions shortened (`2.5M`).
pub fn tick(v: f64, step: f64) -> String {
    let (scale, suffix) = match v.abs().max(step.abs()) {
        m if m >= 1e9 => (1e9, "B"),
        m if m >= 1e6 => (1e6, "M"),
        _ => (1.0, ""),
    };
    let step = step.abs() / scale;
    let decimals = if step > 0.0 && step.is_finite() {
        (-(step.log10().floor()) as i32).max(0) as usize
    } else {
        0
    };
    // Steps like 2.5 need one more decimal than their magnitude says.
    let decimals = if step > 0.0 && ((step * 10f64.powi(decimals as i32)).fract()).abs() > 1e-6 {
        decimals + 1
    } else {
        decimals
    };
    format!("{}{suffix}", fixed(v / scale, decimals))
}

fn no_negative_zero(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| matches!(c, '0' | '.' | 'e')) => rest.to_string(),
        _ => s,
    }
}

fn group(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::from(sign);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits_with_grouped_thousands() {
        assert_eq!(num(5052.424), "5,052");
        assert_eq!(num(1_234_567.8), "1,234,568");
        assert_eq!(num(0.012345), "0.0123");
        assert_eq!(num(-2.5), "-2.50");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(1e-7), "1.00e-7");
        assert_eq!(num(f64::NAN), "n/a");
    }

    #[test]
    fn negative_zero_never_prints() {
        assert_eq!(coord(-0.04), "0.0");
        assert_eq!(fixed(-0.0004, 2), "0.00");
        assert_eq!(pct(-0.0001), "0.0%");
        assert_eq!(coord(-1.25), "-1.2");
    }

    #[test]
    fn ticks_show_enough_decimals_and_shorten_millions() {
        assert_eq!(tick(0.25, 0.05), "0.25");
        assert_eq!(tick(2.5, 2.5), "2.5");
        assert_eq!(tick(4000.0, 1000.0), "4,000");
        assert_eq!(tick(2_500_000.0, 500_000.0), "2.5M");
        assert_eq!(tick(0.0, 0.2), "0.0");
    }
}
