//! Helpers of the sampler benchmarks: the densities, the nuts-rs adapter and bulk ESS.

pub mod ess;
pub mod targets;
