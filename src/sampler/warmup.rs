//! The warm-up schedule: Stan's initial buffer, cut into short early metric windows, then
//! Stan's slow metric windows doubling in length, and a terminal step-size-only buffer
//! (5 × 15 early / 25, 50, 100, ... / 150 by default).

/// The terminal buffer, three times Stan's 50: the final step size is the dual-averaging
/// average over this buffer, and over 50 iterations the restart's transient pulls it down
/// (acceptance 0.85-0.93 for a target of 0.8; docs/performance.md, "Sampler core").
pub const TERM_BUFFER: usize = 150;

/// Length of the early metric windows that cut up the initial buffer. The first metric is
/// 1/|gradient| at the starting point, which can be far off (a coordinate that starts near its
/// mode gets a huge inverse mass and forces tiny steps); Stan keeps it for 100 iterations,
/// nuts-rs updates it every draw and switches estimators every 10 draws. Here the metric is
/// re-estimated every 5 iterations until the first slow window (measured with the step-size
/// sequence continued through the windows and γ = 0.1: 5 took 4-7 % fewer warm-up gradients
/// than 10 on the PyMC-Marketing example and the 100-d normal; docs/performance.md, "The
/// warm-up schedule").
pub const EARLY_WINDOW: usize = 5;

/// Buffer and first-window lengths, Stan's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmupWindows {
    /// Iterations before the first slow metric window, cut into early windows.
    pub init_buffer: usize,
    /// Length of the early metric windows within the initial buffer (0: none, Stan's
    /// step-size-only buffer).
    pub early_window: usize,
    /// Length of the first metric window; each next one doubles.
    pub base_window: usize,
    /// Iterations after the last metric window (step size only).
    pub term_buffer: usize,
}

impl Default for WarmupWindows {
    fn default() -> Self {
        WarmupWindows {
            init_buffer: 75,
            early_window: EARLY_WINDOW,
            base_window: 25,
            term_buffer: TERM_BUFFER,
        }
    }
}

/// Below this many warm-up iterations the metric is not adapted (as Stan).
const MIN_WARMUP_FOR_METRIC: usize = 20;

/// The metric windows as half-open iteration ranges `[start, end)`; the metric is updated at
/// the end of each. When the defaults do not fit in `warmup`, the buffers shrink to 15 % and
/// 10 % of it and the single slow window takes the rest, as Stan does. The initial buffer is
/// cut into early windows of `early_window` iterations, the last one taking the remainder.
pub fn metric_windows(warmup: usize, w: WarmupWindows) -> Vec<(usize, usize)> {
    let slow = slow_windows(warmup, w);
    let first = slow.first().map_or(0, |s| s.0);
    let mut windows = Vec::new();
    let mut start = 0;
    while w.early_window > 0 && start + w.early_window <= first {
        let end = if start + 2 * w.early_window > first {
            first
        } else {
            start + w.early_window
        };
        windows.push((start, end));
        start = end;
    }
    windows.extend(slow);
    windows
}

/// Stan's windows: an initial buffer, windows doubling in length, a terminal buffer.
fn slow_windows(warmup: usize, w: WarmupWindows) -> Vec<(usize, usize)> {
    if warmup < MIN_WARMUP_FOR_METRIC {
        return Vec::new();
    }
    let (init, mut size, term) = if w.init_buffer + w.base_window + w.term_buffer > warmup {
        let init = warmup * 15 / 100;
        let term = warmup / 10;
        (init, warmup - init - term, term)
    } else {
        (w.init_buffer, w.base_window, w.term_buffer)
    };
    let last_end = warmup - term;
    let mut windows = Vec::new();
    let mut start = init;
    while start < last_end {
        let mut end = (start + size).min(last_end);
        // Stan stretches a window to the terminal buffer when the next one would not fit; the
        // first window is kept as it is.
        if start != init && end + 2 * size >= last_end {
            end = last_end;
        }
        windows.push((start, end));
        start = end;
        size *= 2;
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAN: WarmupWindows = WarmupWindows {
        init_buffer: 75,
        early_window: 0,
        base_window: 25,
        term_buffer: 50,
    };

    #[test]
    fn stan_schedule_is_reproduced_without_early_windows() {
        let w = metric_windows(1000, STAN);
        assert_eq!(
            w,
            vec![(75, 100), (100, 150), (150, 250), (250, 450), (450, 950)]
        );
        assert_eq!(metric_windows(100, STAN), vec![(15, 90)]);
        assert!(metric_windows(10, STAN).is_empty());
        assert_eq!(metric_windows(200, STAN), vec![(75, 100), (100, 150)]);
    }

    #[test]
    fn default_schedule_cuts_the_initial_buffer_and_keeps_150_for_the_step_size() {
        let w = metric_windows(1000, WarmupWindows::default());
        assert_eq!(
            w,
            (0..15)
                .map(|k| (5 * k, 5 * k + 5))
                .chain([(75, 100), (100, 150), (150, 250), (250, 850)])
                .collect::<Vec<_>>()
        );
        let ten = WarmupWindows {
            early_window: 10,
            ..WarmupWindows::default()
        };
        assert_eq!(
            metric_windows(1000, ten),
            vec![
                (0, 10),
                (10, 20),
                (20, 30),
                (30, 40),
                (40, 50),
                (50, 60),
                (60, 75),
                (75, 100),
                (100, 150),
                (150, 250),
                (250, 850)
            ]
        );
    }

    #[test]
    fn short_warmup_shrinks_buffers_and_tiny_warmup_skips_metric() {
        let d = WarmupWindows::default();
        assert_eq!(
            metric_windows(100, d),
            vec![(0, 5), (5, 10), (10, 15), (15, 90)]
        );
        assert!(metric_windows(10, d).is_empty());
        assert_eq!(
            metric_windows(200, d),
            vec![
                (0, 5),
                (5, 10),
                (10, 15),
                (15, 20),
                (20, 25),
                (25, 30),
                (30, 180)
            ]
        );
    }
}
