//! Simulated control series: promotion events, a price index with discounts, white noise.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Period-to-period persistence of the price index's log deviation (AR(1) coefficient).
const PRICE_PERSISTENCE: f64 = 0.9;

/// How a control series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "pattern", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ControlDesign {
    /// 0/1 flags: an event (a promotion, a holiday) starts in a period with `probability` and
    /// lasts `length` periods.
    Events {
        /// Chance an event starts in a period.
        probability: f64,
        /// Periods each event lasts.
        length: usize,
    },
    /// A price index around `level`: a persistent log-scale wander of size `noise`, cut by
    /// `discount` (a fraction) in periods on discount, which start with `probability`.
    Price {
        /// Long-run level.
        level: f64,
        /// Innovation standard deviation of the log deviation.
        noise: f64,
        /// Fractional price cut while on discount.
        discount: f64,
        /// Chance a period is on discount.
        probability: f64,
    },
    /// Independent normal values with mean 0 and standard deviation `sd` (a standardised
    /// covariate such as a competitor index or weather).
    Normal {
        /// Standard deviation.
        sd: f64,
    },
}

impl Default for ControlDesign {
    /// Promotion events starting in 10 % of periods, one period each.
    fn default() -> Self {
        ControlDesign::Events {
            probability: 0.1,
            length: 1,
        }
    }
}

impl ControlDesign {
    /// The pattern's name as written in a truth file.
    pub fn name(&self) -> &'static str {
        match self {
            ControlDesign::Events { .. } => "events",
            ControlDesign::Price { .. } => "price",
            ControlDesign::Normal { .. } => "normal",
        }
    }

    /// The series into `out`. Event series always hold at least one event and one period
    /// without, so the column is never constant.
    pub fn generate<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        let n = out.len();
        match *self {
            ControlDesign::Events {
                probability,
                length,
            } => {
                out.fill(0.0);
                let mut t = 0;
                while t < n {
                    if rng.random_bool(probability) {
                        let end = (t + length).min(n);
                        out[t..end].fill(1.0);
                        t = end;
                    } else {
                        t += 1;
                    }
                }
                if n >= 2 && out.iter().all(|v| *v == 0.0) {
                    out[rng.random_range(0..n)] = 1.0;
                }
                if n >= 2 && out.iter().all(|v| *v > 0.0) {
                    out[rng.random_range(0..n)] = 0.0;
                }
            }
            ControlDesign::Price {
                level,
                noise,
                discount,
                probability,
            } => {
                let mut u = 0.0;
                for v in out.iter_mut() {
                    let z: f64 = StandardNormal.sample(rng);
                    u = PRICE_PERSISTENCE * u + noise * z;
                    let cut = if rng.random_bool(probability) {
                        1.0 - discount
                    } else {
                        1.0
                    };
                    *v = level * u.exp() * cut;
                }
            }
            ControlDesign::Normal { sd } => {
                for v in out.iter_mut() {
                    let z: f64 = StandardNormal.sample(rng);
                    *v = sd * z;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    const N: usize = 5000;
    /// Sampling error allowed on a share or mean over N periods.
    const SHARE_TOL: f64 = 0.03;

    fn run(design: ControlDesign, n: usize) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut out = vec![f64::NAN; n];
        design.generate(&mut rng, &mut out);
        out
    }

    #[test]
    fn events_start_with_their_probability_and_last_their_length() {
        let x = run(
            ControlDesign::Events {
                probability: 0.1,
                length: 2,
            },
            N,
        );
        let one = |v: f64| v.to_bits() == 1.0_f64.to_bits();
        assert!(x.iter().all(|v| *v == 0.0 || one(*v)));
        let starts = x.windows(2).filter(|w| w[0] == 0.0 && one(w[1])).count();
        let on = x.iter().filter(|v| one(**v)).count();
        // Each start is followed by a run of 2 (runs may touch and merge).
        assert!(on >= 2 * starts);
        // Expected share on: 2p / (1 + p) for runs of 2 started with probability p per free
        // period.
        let share = on as f64 / N as f64;
        assert!((share - 0.2 / 1.1).abs() < SHARE_TOL, "{share}");
    }

    #[test]
    fn event_series_are_never_constant() {
        for p in [1e-12, 1.0 - 1e-12] {
            let x = run(
                ControlDesign::Events {
                    probability: p,
                    length: 1,
                },
                6,
            );
            assert!(x.contains(&0.0) && x.contains(&1.0), "{x:?}");
        }
    }

    #[test]
    fn price_stays_near_its_level_with_discount_periods_below_it() {
        let x = run(
            ControlDesign::Price {
                level: 2.0,
                noise: 0.01,
                discount: 0.2,
                probability: 0.1,
            },
            N,
        );
        let low = x.iter().filter(|v| **v < 1.8).count() as f64 / N as f64;
        assert!((low - 0.1).abs() < SHARE_TOL, "{low}");
        assert!(x.iter().all(|v| *v > 1.4 && *v < 2.3));
    }

    #[test]
    fn normal_control_has_its_standard_deviation() {
        let x = run(ControlDesign::Normal { sd: 3.0 }, N);
        let m = x.iter().sum::<f64>() / N as f64;
        let sd = (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / N as f64).sqrt();
        // The mean's standard error is 3 / sqrt(N) ≈ 0.04.
        assert!(m.abs() < 3.0 * SHARE_TOL && (sd / 3.0 - 1.0).abs() < SHARE_TOL);
    }
}
