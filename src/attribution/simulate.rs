//! Synthetic journeys with a known truth: channels with fixed positions (some only open
//! journeys, some only close them) and a noisy-OR conversion model, so what each channel truly
//! caused is known exactly.
//!
//! A journey of `L = max(min_touches, 1 + Poisson(extra_touches))` touches draws its first
//! touch among the channels that open, its last among those that close and the ones between
//! among those that sit in the middle, each by weight. It converts with probability
//! `1 − Π (1 − lift_c)` over its touches. A channel's true effect is the expected number of
//! conversions lost if its touches were removed from every journey; the truth share is that
//! effect over the sum of all channels' effects.

use std::fmt::Write as _;

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Poisson};

use super::timestamp::{DAY_SECONDS, Millis, civil_from_days};

/// One simulated channel.
#[derive(Debug, Clone, PartialEq)]
pub struct SimChannel {
    /// Name.
    pub name: String,
    /// Relative frequency among the channels allowed at a position.
    pub weight: f64,
    /// Probability that one touch alone converts.
    pub lift: f64,
    /// May open a journey.
    pub opens: bool,
    /// May sit between the first and the last touch.
    pub middle: bool,
    /// May close a journey.
    pub closes: bool,
}

impl SimChannel {
    fn new(name: &str, weight: f64, lift: f64, [opens, middle, closes]: [bool; 3]) -> Self {
        SimChannel {
            name: name.into(),
            weight,
            lift,
            opens,
            middle,
            closes,
        }
    }
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneySimOptions {
    /// Number of users (one journey each).
    pub users: usize,
    /// Random seed.
    pub seed: u64,
    /// The channels.
    pub channels: Vec<SimChannel>,
    /// Mean touches beyond the first (Poisson).
    pub extra_touches: f64,
    /// Fewest touches per journey.
    pub min_touches: usize,
    /// Mean days between touches (exponential).
    pub mean_gap_days: f64,
    /// Journeys start uniformly over this many days from 2024-01-01.
    pub span_days: f64,
    /// Share of rows given a defect (duplicate, missing key or channel, end before start,
    /// swapped order), for demonstrating the clean-up.
    pub messy: f64,
}

impl Default for JourneySimOptions {
    /// Seven channels: display only opens, brand search and direct only close.
    fn default() -> Self {
        let any = [true, true, true];
        JourneySimOptions {
            users: 2000,
            seed: 7,
            channels: vec![
                SimChannel::new("display", 3.0, 0.04, [true, false, false]),
                SimChannel::new("social", 2.0, 0.05, [true, true, false]),
                SimChannel::new("video", 1.0, 0.08, [true, true, false]),
                SimChannel::new("email", 2.0, 0.06, [false, true, false]),
                SimChannel::new("search", 3.0, 0.10, any),
                SimChannel::new("brand_search", 2.0, 0.25, [false, false, true]),
                SimChannel::new("direct", 1.0, 0.02, [false, false, true]),
            ],
            extra_touches: 2.0,
            min_touches: 1,
            mean_gap_days: 2.0,
            span_days: 90.0,
            messy: 0.0,
        }
    }
}

/// The simulated file and what is true about it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedJourneys {
    /// The touchpoint CSV.
    pub csv: String,
    /// Rows in the CSV.
    pub rows: usize,
    /// Per channel: the expected conversions lost without it.
    pub effect: Vec<f64>,
}

impl SimulatedJourneys {
    /// `truth.csv`: `channel,lift,opens,middle,closes,effect,truth_share`.
    pub fn truth_csv(&self, options: &JourneySimOptions) -> String {
        let total: f64 = self.effect.iter().sum();
        let mut s = String::from("channel,lift,opens,middle,closes,effect,truth_share\n");
        for (c, e) in options.channels.iter().zip(&self.effect) {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{e},{}",
                c.name,
                c.lift,
                c.opens,
                c.middle,
                c.closes,
                e / total
            );
        }
        s
    }
}

fn pick(
    rng: &mut impl Rng,
    channels: &[SimChannel],
    allowed: impl Fn(&SimChannel) -> bool,
) -> usize {
    let total: f64 = channels
        .iter()
        .filter(|c| allowed(c))
        .map(|c| c.weight)
        .sum();
    let mut u = rng.random::<f64>() * total;
    let mut last = 0;
    for (i, c) in channels.iter().enumerate().filter(|(_, c)| allowed(c)) {
        last = i;
        u -= c.weight;
        if u < 0.0 {
            return i;
        }
    }
    last
}

fn timestamp(t: Millis) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400_000));
    let secs = t.rem_euclid(86_400_000) / 1000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Conversion probability of touches `path`, optionally without channel `skip`.
fn convert_probability(path: &[usize], channels: &[SimChannel], skip: Option<usize>) -> f64 {
    1.0 - path
        .iter()
        .filter(|&&c| Some(c) != skip)
        .map(|&c| 1.0 - channels[c].lift)
        .product::<f64>()
}

/// Draw the channels of one journey.
fn draw_path(rng: &mut impl Rng, o: &JourneySimOptions, poisson: &Poisson<f64>) -> Vec<usize> {
    let len = (1 + poisson.sample(rng) as usize).max(o.min_touches);
    (0..len)
        .map(|i| match i {
            0 => pick(rng, &o.channels, |c| c.opens),
            i if i + 1 == len => pick(rng, &o.channels, |c| c.closes),
            _ => pick(rng, &o.channels, |c| c.middle),
        })
        .collect()
}

/// Simulate journeys.
///
/// # Panics
/// If a position has no channel allowed at it, or a rate is not positive.
pub fn simulate_journeys(o: &JourneySimOptions) -> SimulatedJourneys {
    let mut rng = ChaCha8Rng::seed_from_u64(o.seed);
    let poisson = Poisson::new(o.extra_touches.max(1e-9)).expect("extra_touches > 0");
    let gap = Exp::new(1.0 / o.mean_gap_days).expect("mean_gap_days > 0");
    let value = LogNormal::new(60f64.ln(), 0.5).expect("valid log-normal");
    let origin: Millis = 19_723 * 86_400_000; // 2024-01-01
    let mut effect = vec![0.0; o.channels.len()];
    let mut rows: Vec<String> = Vec::new();
    let mut csv =
        String::from("user_id,session_start,session_end,channel,converted,conversion_value\n");
    for user in 0..o.users {
        let path = draw_path(&mut rng, o, &poisson);
        let p = convert_probability(&path, &o.channels, None);
        for (c, e) in effect.iter_mut().enumerate() {
            if path.contains(&c) {
                *e += p - convert_probability(&path, &o.channels, Some(c));
            }
        }
        let converted = rng.random_bool(p.clamp(0.0, 1.0));
        let mut t = origin + (rng.random::<f64>() * o.span_days * DAY_SECONDS * 1000.0) as Millis;
        for (i, &c) in path.iter().enumerate() {
            if i > 0 {
                t += (gap.sample(&mut rng) * DAY_SECONDS * 1000.0) as Millis;
            }
            let end = t + rng.random_range(60_000..1_800_000);
            let last = i + 1 == path.len();
            let (flag, v) = if last && converted {
                ("true", format!("{:.2}", value.sample(&mut rng)))
            } else {
                ("false", String::new())
            };
            rows.push(format!(
                "u{user:06},{},{},{},{flag},{v}\n",
                timestamp(t),
                timestamp(end),
                o.channels[c].name
            ));
        }
        if o.messy > 0.0 && rows.len() >= 2 && rng.random_bool(o.messy.min(1.0)) {
            rows.swap(0, 1);
        }
        for row in rows.drain(..) {
            messy_row(&mut rng, o.messy, row, &mut csv);
        }
    }
    let rows = csv.lines().count() - 1;
    SimulatedJourneys { csv, rows, effect }
}

/// Write `row`, giving it a defect with probability `messy`.
fn messy_row(rng: &mut impl Rng, messy: f64, row: String, csv: &mut String) {
    if messy <= 0.0 || !rng.random_bool(messy.min(1.0)) {
        csv.push_str(&row);
        return;
    }
    let cells: Vec<&str> = row.trim_end().split(',').collect();
    let mut out: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
    match rng.random_range(0..4) {
        0 => {
            csv.push_str(&row);
        }
        1 => out[0].clear(),
        2 if out[4] == "false" => out[3].clear(),
        _ => out.swap(1, 2),
    }
    csv.push_str(&out.join(","));
    csv.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_seed_gives_one_file_and_positions_are_respected() {
        let o = JourneySimOptions {
            users: 300,
            ..JourneySimOptions::default()
        };
        let a = simulate_journeys(&o);
        assert_eq!(a, simulate_journeys(&o));
        // brand_search (closes only) is never followed by another touch of the same user.
        let lines: Vec<Vec<&str>> = a
            .csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        for w in lines.windows(2) {
            if w[0][3] == "brand_search" {
                assert_ne!(w[0][0], w[1][0]);
            }
        }
        assert!(a.effect.iter().all(|e| *e > 0.0));
        assert!(a.truth_csv(&o).starts_with("channel,lift"));
    }
}
