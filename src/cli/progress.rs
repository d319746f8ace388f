//! Progress bars for sampling: one bar per chain, drawn on stderr only when it is a terminal,
//! each with the time elapsed and the expected remaining time (indicatif's estimate from the
//! recent iteration rate; early warm-up iterations are the slowest, so it shrinks as warm-up
//! settles).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One bar per chain. During sampling a bar counts only the sampling divergences (the ones
/// the summary reports); warm-up divergences are shown as such while warm-up runs.
pub struct ChainBars {
    bars: Vec<ProgressBar>,
    warmup: usize,
    /// Per chain, the divergences counted by the end of warm-up.
    warmup_divergences: Vec<AtomicUsize>,
}

impl ChainBars {
    /// Bars for `chains` chains of `warmup + draws` iterations.
    pub fn new(chains: usize, warmup: usize, draws: usize) -> ChainBars {
        let multi = MultiProgress::with_draw_target(if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let style = ProgressStyle::with_template(
            "chain {prefix} [{bar:30}] {pos}/{len} {msg} {elapsed_precise} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bars = (0..chains)
            .map(|c| {
                let bar = multi.add(ProgressBar::new((warmup + draws) as u64));
                bar.set_style(style.clone());
                bar.set_prefix(format!("{}", c + 1));
                bar.set_message("warm-up");
                bar
            })
            .collect();
        ChainBars {
            warmup_divergences: (0..chains).map(|_| AtomicUsize::new(0)).collect(),
            bars,
            warmup,
        }
    }

    /// Clear the bars.
    pub fn finish(&self) {
        for b in &self.bars {
            b.finish_and_clear();
        }
    }
}

impl mmm::Progress for ChainBars {
    fn on_iteration(&self, chain: usize, done: usize, _total: usize, divergences: usize) {
        let (Some(bar), Some(at_warmup)) =
            (self.bars.get(chain), self.warmup_divergences.get(chain))
        else {
            return;
        };
        bar.set_position(done as u64);
        if done <= self.warmup {
            at_warmup.store(divergences, Ordering::Relaxed);
        }
        let sampling = done > self.warmup;
        let shown = if sampling {
            divergences.saturating_sub(at_warmup.load(Ordering::Relaxed))
        } else {
            divergences
        };
        if done == self.warmup + 1 || (shown > 0 && done.is_multiple_of(50)) {
            bar.set_message(match (sampling, shown) {
                (true, 0) => "sampling".to_string(),
                (true, n) => format!("sampling, {n} divergent"),
                (false, 0) => "warm-up".to_string(),
                (false, n) => format!("warm-up, {n} warm-up divergences"),
            });
        }
    }
}

/// One bar counting finished items (SBC replicates, backtest folds).
pub struct CountBar {
    bar: ProgressBar,
}

impl CountBar {
    /// A bar for `total` items called `what`.
    pub fn new(total: usize, what: &str) -> CountBar {
        let bar = ProgressBar::with_draw_target(
            Some(total as u64),
            if std::io::stderr().is_terminal() {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        let style = ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} {elapsed_precise} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(what.to_string());
        CountBar { bar }
    }

    /// `done` items are finished.
    pub fn set(&self, done: usize) {
        self.bar.set_position(done as u64);
    }

    /// Clear the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mmm::Progress;

    #[test]
    fn sampling_shows_only_sampling_divergences() {
        let bars = ChainBars::new(1, 100, 100);
        for it in 1..=100 {
            bars.on_iteration(0, it, 200, 7);
        }
        assert_eq!(bars.bars[0].message(), "warm-up, 7 warm-up divergences");
        bars.on_iteration(0, 101, 200, 7);
        assert_eq!(bars.bars[0].message(), "sampling");
        for it in 102..=150 {
            bars.on_iteration(0, it, 200, 9);
        }
        assert_eq!(bars.bars[0].message(), "sampling, 2 divergent");
    }
}
