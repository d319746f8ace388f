//! Stan's warm-up schedule: an initial fast buffer, slow metric windows doubling in length, and
//! a terminal fast buffer (75 / 25, 50, 100, ... / 50 by default).

/// The terminal buffer, Stan's 50. A buffer of 150 gave larger final steps and fewer warm-up
/// divergences on the posteriordb set, but divergences in the demo MMM's kept draws
/// (docs/performance.md), so it is not the default.
pub const TERM_BUFFER: usize = 50;

/// Buffer and first-window lengths, Stan's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmupWindows {
    /// Iterations before the first metric window (step size only).
    pub init_buffer: usize,
    /// Length of the first metric window; each next one doubles.
    pub base_window: usize,
    /// Iterations after the last metric window (step size only).
    pub term_buffer: usize,
}

impl Default for WarmupWindows {
    fn default() -> Self {
        WarmupWindows {
            init_buffer: 75,
            base_window: 25,
            term_buffer: TERM_BUFFER,
        }
    }
}

/// Below this many warm-up iterations the metric is not adapted (as Stan).
const MIN_WARMUP_FOR_METRIC: usize = 20;

/// The metric windows as half-open iteration ranges `[start, end)`; the metric is updated at
/// the end of each. When the defaults do not fit in `warmup`, the buffers shrink to 15 % and
/// 10 % of it and the single window takes the rest, as Stan does.
pub fn metric_windows(warmup: usize, w: WarmupWindows) -> Vec<(usize, usize)> {
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

    #[test]
    fn default_schedule_matches_stan() {
        let w = metric_windows(1000, WarmupWindows::default());
        assert_eq!(
            w,
            vec![(75, 100), (100, 150), (150, 250), (250, 450), (450, 950)]
        );
    }

    #[test]
    fn short_warmup_shrinks_buffers_and_tiny_warmup_skips_metric() {
        assert_eq!(
            metric_windows(100, WarmupWindows::default()),
            vec![(15, 90)]
        );
        assert!(metric_windows(10, WarmupWindows::default()).is_empty());
        assert_eq!(
            metric_windows(200, WarmupWindows::default()),
            vec![(75, 100), (100, 150)]
        );
    }
}
