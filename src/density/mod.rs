//! The MMM log density on the unconstrained space, with its exact hand-written gradient.

mod layout;
mod likelihood;
mod model;

pub use likelihood::{Family, LikGrad, log_lik};
pub use model::{DensityError, MmmDensity};

#[cfg(test)]
mod gradient_tests;
