//! The sampler core: NUTS with Stan's warm-up, run as parallel chains. It knows nothing about
//! marketing; it sees a [`LogDensity`] and returns draws with per-draw statistics.

mod settings;
mod target;

pub use settings::SamplerSettings;
pub use target::{LogDensity, LogpError};
pub(crate) use target::checked_logp_grad;
mod hamiltonian;
