//! The MMM log density on the unconstrained space, with its exact hand-written gradient, and
//! the decomposition of a draw into contributions.

mod baseline;
mod centre;
mod coordinate;
mod decompose;
mod effect_prior;
mod hill_group;
mod layout;
mod lift;
mod likelihood;
mod model;
mod pair_group;
mod prior_term;
mod reparam;
mod response;

pub use decompose::Decomposition;
pub use effect_prior::EffectPriorError;
pub use lift::{LiftError, LiftWindow};
pub use likelihood::{Family, LikGrad, log_lik};
pub use model::{DensityError, DensityOptions, MmmDensity};
pub(crate) use prior_term::PriorTerm;
pub(crate) use reparam::log_saturation_at;
pub use response::{ResponseLink, SteadyStateCurve};

#[cfg(test)]
mod effect_prior_tests;
#[cfg(test)]
pub(crate) mod gradient_tests;
#[cfg(test)]
mod lift_tests;
#[cfg(test)]
mod reparam_tests;
