//! The MMM log density on the unconstrained space, with its exact hand-written gradient, and
//! the decomposition of a draw into contributions.

mod decompose;
mod layout;
mod likelihood;
mod model;

pub use decompose::Decomposition;
pub use likelihood::{Family, LikGrad, log_lik};
pub use model::{DensityError, MmmDensity};

#[cfg(test)]
mod gradient_tests;
