//! The MMM log density on the unconstrained space, with its exact hand-written gradient.

mod likelihood;

pub use likelihood::{Family, LikGrad, log_lik};
