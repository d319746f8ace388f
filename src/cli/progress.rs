//! Progress bars for sampling: one bar per chain, drawn on stderr only when it is a terminal.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One bar per chain.
pub struct ChainBars {
    bars: Vec<ProgressBar>,
    warmup: usize,
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
            "chain {prefix} [{bar:30}] {pos}/{len} {msg} {elapsed_precise}",
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
        ChainBars { bars, warmup }
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
        if let Some(bar) = self.bars.get(chain) {
            bar.set_position(done as u64);
            if done == self.warmup + 1 || (divergences > 0 && done.is_multiple_of(50)) {
                let phase = if done > self.warmup {
                    "sampling"
                } else {
                    "warm-up"
                };
                if divergences > 0 {
                    bar.set_message(format!("{phase}, {divergences} divergent"));
                } else {
                    bar.set_message(phase);
                }
            }
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
