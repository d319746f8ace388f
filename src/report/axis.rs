//! Linear scales and "nice" axis ticks (steps of 1, 2, 2.5 or 5 times a power of ten).

/// A linear map from a data interval onto a pixel interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Data interval.
    pub domain: (f64, f64),
    /// Pixel interval (may run backwards, as the y axis does).
    pub range: (f64, f64),
}

impl Scale {
    /// The pixel position of data value `v`.
    pub fn map(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        let span = d1 - d0;
        if span.abs() < f64::MIN_POSITIVE || !span.is_finite() {
            return 0.5 * (r0 + r1);
        }
        r0 + (v - d0) / span * (r1 - r0)
    }

    /// The pixel position of `v` after clamping it into the domain.
    pub fn map_clamped(&self, v: f64) -> f64 {
        let (lo, hi) = (
            self.domain.0.min(self.domain.1),
            self.domain.0.max(self.domain.1),
        );
        if v.is_nan() {
            return v;
        }
        self.map(v.clamp(lo, hi))
    }
}

/// Ticks on an axis: the extended domain and the tick values inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    /// Domain widened to whole steps.
    pub domain: (f64, f64),
    /// Tick spacing.
    pub step: f64,
    /// Tick values, ascending.
    pub values: Vec<f64>,
}

/// The nicest step of 1, 2, 2.5 or 5 x 10^k giving about `target` intervals over `span`.
pub fn nice_step(span: f64, target: usize) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / target.max(1) as f64;
    let power = 10f64.powf(raw.log10().floor());
    let fraction = raw / power;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| fraction <= *m * (1.0 + 1e-9))
        .unwrap_or(10.0);
    nice * power
}

/// About `target` nice ticks covering `[lo, hi]`; a degenerate or non-finite interval is
/// widened around its value.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Ticks {
    let (lo, hi) = sane_interval(lo, hi);
    let step = nice_step(hi - lo, target);
    let start = (lo / step + 1e-9).floor();
    let end = (hi / step - 1e-9).ceil();
    let count = (end - start).max(1.0) as usize;
    let values = (0..=count)
        .map(|i| (start + i as f64) * step)
        .collect::<Vec<_>>();
    Ticks {
        domain: (start * step, end * step),
        step,
        values,
    }
}

/// `[lo, hi]` made finite and of positive width.
pub fn sane_interval(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => (lo.min(hi), lo.max(hi)),
        (true, false) => (lo, lo),
        (false, true) => (hi, hi),
        (false, false) => (0.0, 1.0),
    };
    if hi - lo > 1e-12 * lo.abs().max(hi.abs()) && hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        let pad = 0.5 * lo.abs();
        (lo - pad, hi + pad)
    }
}

/// Smallest and largest finite values of `values` (`None` when there is none).
pub fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

#[cfg(test)]
mod tests {
    use approx::assert_abs_diff_eq;

    use super::*;

    /// Pixel positions are exact up to round-off.
    const PIXEL_TOL: f64 = 1e-9;

    #[test]
    fn steps_are_one_two_two_and_a_half_or_five_times_a_power_of_ten() {
        assert_abs_diff_eq!(nice_step(10.0, 5), 2.0, epsilon = PIXEL_TOL);
        assert_abs_diff_eq!(nice_step(1.0, 4), 0.25, epsilon = PIXEL_TOL);
        assert_abs_diff_eq!(nice_step(7300.0, 5), 2000.0, epsilon = PIXEL_TOL);
        assert_abs_diff_eq!(nice_step(0.03, 6), 0.005, epsilon = PIXEL_TOL);
    }

    #[test]
    fn ticks_cover_the_interval_on_whole_steps() {
        let t = nice_ticks(0.13, 0.92, 5);
        assert_abs_diff_eq!(t.step, 0.2, epsilon = PIXEL_TOL);
        assert_eq!(t.values.len(), 6);
        assert_abs_diff_eq!(t.domain.0, 0.0, epsilon = PIXEL_TOL);
        assert_abs_diff_eq!(t.domain.1, 1.0, epsilon = PIXEL_TOL);
        assert_abs_diff_eq!(t.values[3], 0.6, epsilon = PIXEL_TOL);
    }

    #[test]
    fn a_degenerate_interval_is_widened() {
        let t = nice_ticks(5.0, 5.0, 4);
        assert!(t.domain.0 < 5.0 && t.domain.1 > 5.0);
        let t = nice_ticks(f64::NAN, f64::NAN, 4);
        assert_eq!(t.domain, (0.0, 1.0));
    }

    #[test]
    fn scales_map_linearly_and_clamp() {
        let s = Scale {
            domain: (0.0, 10.0),
            range: (300.0, 100.0),
        };
        assert_abs_diff_eq!(s.map(5.0), 200.0, epsilon = PIXEL_TOL);
        assert_abs_diff_eq!(s.map_clamped(20.0), 100.0, epsilon = PIXEL_TOL);
        assert_eq!(extent([3.0, f64::NAN, -1.0]), Some((-1.0, 3.0)));
    }
}
