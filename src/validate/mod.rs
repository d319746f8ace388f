//! Validation against ground truth: the recovery table of a fit of simulated data,
//! simulation-based calibration, and rolling-origin backtests.

mod backtest;
mod backtest_svg;
mod metrics;
mod panel_recovery;
mod panel_sbc;
mod rank_svg;
mod recovery;
mod sbc;
mod uniformity;

pub use backtest::{
    Backtest, BacktestError, BacktestSettings, Fold, PREDICTION_DRAWS, Prediction, backtest,
};
pub use backtest_svg::backtest_svg;
pub use metrics::{Metrics, metrics};
pub use panel_recovery::{PanelRecovery, panel_recovery, panel_rescale};
pub use panel_sbc::run_panel_sbc;
pub use rank_svg::rank_histograms_svg;
pub use recovery::{
    Convergence, Quantity, Recovery, RecoveryRow, convergence, recovery, recovery_csv,
};
pub use sbc::{
    Replicate, SBC_ALPHA, SBC_CHAINS, SBC_DRAWS, SBC_DRAWS_PER_CHAIN, SBC_WARMUP, SbcError,
    SbcResult, SbcSettings, run_sbc,
};
pub use uniformity::{
    BAND_MASS, BIN_CHOICES, MIN_EXPECTED_PER_BIN, RankTest, bins_for, chi_square_uniform,
    rank_counts, test_ranks, uniform_band,
};
