//! Spend patterns of simulated channels: always-on with noise, flighted bursts, sporadic
//! insertions and trending budgets, in currency per period.

use std::f64::consts::TAU;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::transform::DAYS_PER_YEAR;

/// Day of the year on which seasonal spend peaks (1 December: the run-up to Christmas).
pub const SPEND_PEAK_DAY: f64 = 335.0;

/// How a channel's spend moves over time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "pattern", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SpendPattern {
    /// Spend every period around `spend_scale` (search, programmatic display).
    AlwaysOn {
        /// Log-scale standard deviation of the period-to-period noise.
        noise: f64,
    },
    /// Bursts of about `on` periods at `spend_scale` separated by about `off` silent periods
    /// (TV, cinema); each flight's and gap's length is drawn within ±50 % of its mean.
    Flighted {
        /// Mean flight length in periods.
        on: usize,
        /// Mean gap length in periods.
        off: usize,
        /// Log-scale noise within a flight.
        noise: f64,
    },
    /// Independent insertions: each period is active with `probability` (print, out-of-home).
    Sporadic {
        /// Chance a period is active.
        probability: f64,
        /// Log-scale noise of an active period's spend.
        noise: f64,
    },
    /// Always on, with a budget growing (or shrinking) geometrically from `spend_scale` in the
    /// first period to `growth` × `spend_scale` in the last (a channel being scaled up).
    Trending {
        /// Last period's level over the first's.
        growth: f64,
        /// Log-scale noise.
        noise: f64,
    },
}

impl SpendPattern {
    /// The pattern's name as written in a truth file.
    pub fn name(&self) -> &'static str {
        match self {
            SpendPattern::AlwaysOn { .. } => "always_on",
            SpendPattern::Flighted { .. } => "flighted",
            SpendPattern::Sporadic { .. } => "sporadic",
            SpendPattern::Trending { .. } => "trending",
        }
    }
}

/// One simulated channel: its pattern, level and seasonal swing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChannelDesign {
    /// How spend moves.
    #[serde(flatten)]
    pub pattern: SpendPattern,
    /// Typical spend of an active period, in currency.
    pub spend_scale: f64,
    /// Relative amplitude of a yearly swing in spend peaking on [`SPEND_PEAK_DAY`], in [0, 1).
    pub seasonal: f64,
}

impl Default for ChannelDesign {
    /// Always on around 1000 per period with 30 % noise, no seasonal swing.
    fn default() -> Self {
        ChannelDesign {
            pattern: SpendPattern::AlwaysOn { noise: 0.3 },
            spend_scale: 1000.0,
            seasonal: 0.0,
        }
    }
}

/// A mean-one log-normal factor exp(noise·z − noise²/2).
fn jitter<R: Rng + ?Sized>(rng: &mut R, noise: f64) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    (noise * z - 0.5 * noise * noise).exp()
}

/// A length within ±50 % of `mean` (at least 1).
fn length<R: Rng + ?Sized>(rng: &mut R, mean: usize) -> usize {
    let lo = (mean - mean / 2).max(1);
    let hi = (mean + mean / 2).max(lo);
    rng.random_range(lo..=hi)
}

impl ChannelDesign {
    /// Spend per period for periods with day of year `day_of_year`, into `out` (same length).
    /// Sporadic and flighted channels always get at least one active period.
    pub fn generate<R: Rng + ?Sized>(&self, day_of_year: &[f64], rng: &mut R, out: &mut [f64]) {
        let n = out.len();
        match self.pattern {
            SpendPattern::AlwaysOn { noise } => {
                out.iter_mut().for_each(|x| *x = jitter(rng, noise));
            }
            SpendPattern::Trending { growth, noise } => {
                let denom = n.saturating_sub(1).max(1) as f64;
                for (t, x) in out.iter_mut().enumerate() {
                    *x = growth.powf(t as f64 / denom) * jitter(rng, noise);
                }
            }
            SpendPattern::Sporadic { probability, noise } => {
                for x in out.iter_mut() {
                    *x = if rng.random_bool(probability) {
                        jitter(rng, noise)
                    } else {
                        0.0
                    };
                }
            }
            SpendPattern::Flighted { on, off, noise } => {
                // Start at a random point of a flight-gap cycle.
                let mut active = rng.random_bool(on as f64 / (on + off).max(1) as f64);
                let first = length(rng, if active { on } else { off });
                let mut left = rng.random_range(1..=first);
                for x in out.iter_mut() {
                    if left == 0 {
                        active = !active;
                        left = length(rng, if active { on } else { off });
                    }
                    *x = if active { jitter(rng, noise) } else { 0.0 };
                    left -= 1;
                }
            }
        }
        if n > 0 && out.iter().all(|x| *x == 0.0) {
            let t = rng.random_range(0..n);
            out[t] = jitter(rng, self.noise());
        }
        for (x, d) in out.iter_mut().zip(day_of_year) {
            let season = 1.0 + self.seasonal * (TAU * (d - SPEND_PEAK_DAY) / DAYS_PER_YEAR).cos();
            *x *= self.spend_scale * season;
        }
    }

    fn noise(&self) -> f64 {
        match self.pattern {
            SpendPattern::AlwaysOn { noise }
            | SpendPattern::Flighted { noise, .. }
            | SpendPattern::Sporadic { noise, .. }
            | SpendPattern::Trending { noise, .. } => noise,
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    const N: usize = 5200;
    /// Sampling error allowed on means of N mean-one factors (several standard errors).
    const MEAN_TOL: f64 = 0.05;
    /// The test's periods are a week apart: the peak is found to within one.
    const PEAK_TOL_DAYS: f64 = 7.0;

    fn run(design: ChannelDesign) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let days: Vec<f64> = (0..N).map(|t| ((t * 7) % 365 + 1) as f64).collect();
        let mut out = vec![0.0; N];
        design.generate(&days, &mut rng, &mut out);
        out
    }

    fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len() as f64
    }

    #[test]
    fn always_on_spends_every_period_around_its_scale() {
        let x = run(ChannelDesign {
            pattern: SpendPattern::AlwaysOn { noise: 0.3 },
            spend_scale: 500.0,
            seasonal: 0.0,
        });
        assert!(x.iter().all(|v| *v > 0.0));
        assert!((mean(&x) / 500.0 - 1.0).abs() < MEAN_TOL, "{}", mean(&x));
    }

    #[test]
    fn flighted_alternates_flights_and_gaps_of_the_asked_lengths() {
        let x = run(ChannelDesign {
            pattern: SpendPattern::Flighted {
                on: 6,
                off: 10,
                noise: 0.1,
            },
            spend_scale: 100.0,
            seasonal: 0.0,
        });
        let active = x.iter().filter(|v| **v > 0.0).count() as f64 / N as f64;
        assert!((active - 6.0 / 16.0).abs() < MEAN_TOL, "{active}");
        let flights = x.windows(2).filter(|w| w[0] == 0.0 && w[1] > 0.0).count();
        let mean_flight = active * N as f64 / flights as f64;
        assert!(
            (mean_flight / 6.0 - 1.0).abs() < 2.0 * MEAN_TOL,
            "{mean_flight}"
        );
    }

    #[test]
    fn sporadic_is_active_with_its_probability() {
        let x = run(ChannelDesign {
            pattern: SpendPattern::Sporadic {
                probability: 0.2,
                noise: 0.2,
            },
            spend_scale: 10.0,
            seasonal: 0.0,
        });
        let active = x.iter().filter(|v| **v > 0.0).count() as f64 / N as f64;
        assert!((active - 0.2).abs() < MEAN_TOL, "{active}");
    }

    #[test]
    fn trending_grows_by_its_factor_and_seasonal_spend_peaks_in_december() {
        let x = run(ChannelDesign {
            pattern: SpendPattern::Trending {
                growth: 4.0,
                noise: 0.0,
            },
            spend_scale: 1.0,
            seasonal: 0.0,
        });
        assert!((x[0] - 1.0).abs() < MEAN_TOL && (x[N - 1] - 4.0).abs() < MEAN_TOL);
        let y = run(ChannelDesign {
            pattern: SpendPattern::AlwaysOn { noise: 0.0 },
            spend_scale: 1.0,
            seasonal: 0.5,
        });
        let peak = (0..N).max_by(|a, b| y[*a].total_cmp(&y[*b])).unwrap_or(0);
        let day = ((peak * 7) % 365 + 1) as f64;
        assert!(
            (day - SPEND_PEAK_DAY).abs() <= PEAK_TOL_DAYS,
            "peak on day {day}"
        );
    }

    #[test]
    fn a_rare_channel_still_spends_once() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let design = ChannelDesign {
            pattern: SpendPattern::Sporadic {
                probability: 1e-9,
                noise: 0.1,
            },
            ..ChannelDesign::default()
        };
        let mut out = vec![0.0; 10];
        design.generate(&[1.0; 10], &mut rng, &mut out);
        assert_eq!(out.iter().filter(|v| **v > 0.0).count(), 1);
    }
}
