//! Energy Bayesian fraction of missing information (E-BFMI) of one HMC chain.

use super::moments::variance;

/// E-BFMI of one chain's Hamiltonian energies: the mean squared successive difference divided
/// by the variance (ddof = 1), as ArviZ `az.bfmi` (Betancourt 2016). Values below
/// [`BFMI_MIN`](super::BFMI_MIN) mean the momentum resampling explores the energy
/// distribution poorly; iid energies give about 2.
///
/// `None` when it is undefined: fewer than 2 energies, a non-finite energy, or all energies
/// equal (zero variance). ArviZ instead returns NaN for exactly zero variance and 0.0 when
/// round-off leaves a tiny variance for a constant chain; the caller should warn either way.
pub fn bfmi(energy: &[f64]) -> Option<f64> {
    if energy.len() < 2 || energy.iter().any(|e| !e.is_finite()) {
        return None;
    }
    let (lo, hi) = energy
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &e| {
            (lo.min(e), hi.max(e))
        });
    if hi <= lo {
        return None;
    }
    let squared_steps: f64 = energy.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    let mean_squared_step = squared_steps / (energy.len() - 1) as f64;
    Some(mean_squared_step / variance(energy, 1))
}

#[cfg(test)]
mod tests {
    use super::bfmi;
    use approx::assert_relative_eq;

    /// Small-integer arithmetic with one or two roundings.
    const REL_TOL: f64 = 1e-15;

    #[test]
    fn matches_hand_computation() {
        // Steps 2, -1, 3: mean square 14/3; variance of (1, 3, 2, 5) with ddof 1 is 35/12.
        let Some(value) = bfmi(&[1.0, 3.0, 2.0, 5.0]) else {
            panic!("defined E-BFMI reported undefined");
        };
        assert_relative_eq!(value, (14.0 / 3.0) / (35.0 / 12.0), max_relative = REL_TOL);
    }

    #[test]
    fn undefined_cases_are_none() {
        assert_eq!(bfmi(&[]), None);
        assert_eq!(bfmi(&[1.0]), None);
        assert_eq!(bfmi(&[0.3; 1000]), None);
        assert_eq!(bfmi(&[1.0, f64::NAN, 2.0]), None);
        assert_eq!(bfmi(&[1.0, f64::INFINITY, 2.0]), None);
    }

    #[test]
    fn slow_energy_drift_gives_small_value() {
        let energy: Vec<f64> = (0..100).map(f64::from).collect();
        let Some(value) = bfmi(&energy) else {
            panic!("defined E-BFMI reported undefined");
        };
        // Unit steps against a variance of 100 * 101 / 12.
        assert_relative_eq!(value, 12.0 / 10100.0, max_relative = REL_TOL);
    }
}
