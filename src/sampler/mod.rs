//! The sampler core: NUTS with Stan's warm-up, run as parallel chains. It knows nothing about
//! marketing; it sees a [`LogDensity`] and returns draws with per-draw statistics.

mod adaptation;
mod auto_metric;
mod chain;
mod dense_estimate;
mod dense_metric;
mod diag_metric;
mod hamiltonian;
mod init;
mod low_rank_metric;
mod metric;
mod nuts;
mod run;
mod settings;
mod stepsize;
mod target;
mod warmup;
mod warmup_stats;

pub use run::{ChainOutput, DrawStats, NoProgress, Progress, SampleError, Samples, sample};
pub use settings::{
    AUTO_MAX_FISHER_CORRECTED, AUTO_MAX_RESIDUAL_SHARE, AUTO_MIN_WINDOW_DRAWS, LOW_RANK_CUTOFF,
    Metric, SamplerSettings,
};
pub use target::{LogDensity, LogpError};
pub use warmup_stats::{PhaseStats, Stuck, WarmupStats};
