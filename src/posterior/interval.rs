//! The credible interval a model file asks for (`[report] interval`): its quantile
//! probabilities and the label a person reads ("90%").

use serde::Serialize;

/// Quantile probabilities are rounded to multiples of 1 / PROB_GRID.
const PROB_GRID: f64 = 1e12;

/// A central credible interval of probability mass `mass` in (0, 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    mass: f64,
}

impl Interval {
    /// The central interval holding `mass` of the posterior. `mass` comes from a checked
    /// model file (`[report] interval`, strictly between 0 and 1).
    pub fn new(mass: f64) -> Interval {
        Interval { mass }
    }

    /// Probability mass inside the interval.
    pub fn mass(self) -> f64 {
        self.mass
    }

    /// Lower and upper quantile probabilities: (1 − mass)/2 and (1 + mass)/2, rounded to 12
    /// decimals so that 90 % gives exactly the 0.05 and 0.95 of the fixed `q5`/`q95` columns.
    pub fn probs(self) -> [f64; 2] {
        let snap = |p: f64| (p * PROB_GRID).round() / PROB_GRID;
        [snap((1.0 - self.mass) / 2.0), snap((1.0 + self.mass) / 2.0)]
    }

    /// "90%", "80%", "95%", or "89.5%" when the mass is not a whole percentage.
    pub fn label(self) -> String {
        let pct = self.mass * 100.0;
        if (pct - pct.round()).abs() < 1e-9 {
            format!("{}%", pct.round())
        } else {
            format!("{}%", (pct * 10.0).round() / 10.0)
        }
    }
}

impl Default for Interval {
    /// The 90 % interval (`[report] interval` default).
    fn default() -> Interval {
        Interval::new(crate::spec::DEFAULT_INTERVAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn ninety_percent_is_the_five_and_ninety_five_percent_quantiles() {
        assert_eq!(
            Interval::default().probs().map(f64::to_bits),
            [0.05_f64.to_bits(), 0.95_f64.to_bits()]
        );
        assert_eq!(Interval::default().label(), "90%");
    }

    #[test]
    fn labels_read_as_percentages() {
        assert_eq!(Interval::new(0.8).label(), "80%");
        assert_eq!(Interval::new(0.95).label(), "95%");
        assert_eq!(Interval::new(0.5).label(), "50%");
        assert_eq!(Interval::new(0.895).label(), "89.5%");
        let [lo, hi] = Interval::new(0.8).probs();
        assert_relative_eq!(lo, 0.1, epsilon = 1e-15);
        assert_relative_eq!(hi, 0.9, epsilon = 1e-15);
    }
}
