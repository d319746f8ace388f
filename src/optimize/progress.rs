//! How a long search reports progress without printing: callbacks with empty defaults, which
//! the command line turns into a progress bar.

/// Progress of the multi-start search, the per-draw allocations and the budget search of
/// `min_spend`. Called from worker threads, hence `Sync`.
pub trait SearchProgress: Sync {
    /// A stage of `total` steps begins (`"search"`, `"per-draw allocation"`, `"min_spend"`).
    fn start(&self, _stage: &str, _total: usize) {}
    /// One step of the current stage is done.
    fn step(&self) {}
    /// The current stage is over.
    fn finish(&self) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSearchProgress;

impl SearchProgress for NoSearchProgress {}
