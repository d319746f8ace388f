//! Simulation from a model: spend patterns, control series, the truth file, and data drawn with
//! the model's own forward pass, written with their truth for `mmm validate`.

mod controls;
mod error;
mod output;
mod record;
mod run;
mod spend;
mod truth;
mod truth_check;

#[cfg(test)]
mod tests;

pub use controls::ControlDesign;
pub use error::SimulateError;
pub use output::{DATA_FILE, LIFT_FILE, MODEL_FILE, TRUTH_FILE, read_truth, write_simulation};
pub use record::{ChannelTruth, ComponentTruth, ControlTruth, ParamTruth, TruthRecord, rescale};
pub use run::{SimulateOptions, Simulation, simulate};
pub use spend::{ChannelDesign, SPEND_PEAK_DAY, SpendPattern};
pub use truth::{
    DEFAULT_PERIOD_DAYS, DEFAULT_PERIODS, DEFAULT_SEED, DEFAULT_START, DEFAULT_TARGET_SCALE, Truth,
};
