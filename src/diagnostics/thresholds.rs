//! Convergence thresholds behind the warnings: R-hat, ESS and E-BFMI.

/// Largest acceptable rank-normalised split R-hat. Vehtari, Gelman, Simpson, Carpenter and
/// Bürkner (2021), "Rank-normalization, folding, and localization: an improved R-hat for
/// assessing convergence of MCMC", Bayesian Analysis 16(2), recommend using draws only when
/// R-hat < 1.01.
pub const RHAT_MAX: f64 = 1.01;

/// Smallest acceptable bulk and tail ESS. Vehtari et al. (2021) recommend at least 100 per
/// chain, 400 in total with their default of 4 chains, before trusting R-hat and the ESS
/// estimates themselves.
pub const ESS_MIN: f64 = 400.0;

/// Smallest acceptable E-BFMI per chain. Not from Vehtari et al. (2021): Betancourt (2016),
/// "Diagnosing suboptimal cotangent disintegrations in Hamiltonian Monte Carlo"
/// (arXiv:1604.00695) suggests values below 0.3 are problematic; Stan and ArviZ warn there.
pub const BFMI_MIN: f64 = 0.3;
