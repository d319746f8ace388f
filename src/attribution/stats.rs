//! Journey statistics: how many journeys, how many converted, touches per journey, time from
//! first touch to conversion (median and a histogram), and the most common paths.

use super::fxhash::FxHashMap;
use super::journeys::Journey;
use super::timestamp::Millis;

/// Upper edges of the time-to-conversion histogram, in hours (the last bucket is open).
pub const TIME_BUCKET_HOURS: [f64; 6] = [1.0, 24.0, 72.0, 168.0, 336.0, 720.0];
/// Labels of the time-to-conversion buckets.
pub const TIME_BUCKET_LABELS: [&str; 7] = [
    "under 1 hour",
    "1 hour - 1 day",
    "1-3 days",
    "3-7 days",
    "7-14 days",
    "14-30 days",
    "30 days or more",
];
/// `paths.csv` lists at most this many distinct paths (the most common).
pub const MAX_PATHS_WRITTEN: usize = 10_000;

/// Journeys, conversions and value of one distinct path.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PathStat {
    /// Journeys with this path.
    pub journeys: u64,
    /// Of which converted.
    pub conversions: u64,
    /// Their conversion value.
    pub value: f64,
}

/// One row of `paths.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct PathRow {
    /// Channels joined by ` > `.
    pub path: String,
    /// Counts.
    pub stat: PathStat,
}

/// Running statistics over journeys.
#[derive(Debug, Clone, Default)]
pub struct StatsBuilder {
    journeys: u64,
    converting: u64,
    touches: u64,
    lengths: Vec<u64>,
    days_to_conversion: Vec<f64>,
    first: Option<Millis>,
    last: Option<Millis>,
    /// Scratch for the current journey's path.
    path: Vec<u16>,
    /// Distinct paths.
    pub paths: FxHashMap<Vec<u16>, PathStat>,
}

/// The statistics of all journeys.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneyStats {
    /// Journeys with at least one touch in the lookback window.
    pub journeys: u64,
    /// Of which converted.
    pub converting: u64,
    /// Mean touches per journey.
    pub mean_touches: f64,
    /// Median touches per journey.
    pub median_touches: u64,
    /// Median days from the first counted touch to the conversion.
    pub median_days_to_conversion: f64,
    /// Converting journeys per [`TIME_BUCKET_LABELS`] bucket.
    pub time_histogram: [u64; 7],
    /// Earliest touch and latest conversion or touch.
    pub span: Option<(Millis, Millis)>,
    /// Distinct paths.
    pub distinct_paths: usize,
}

impl StatsBuilder {
    /// Count one journey.
    pub fn add(&mut self, j: &Journey<'_>) {
        let n = j.touches.len();
        self.journeys += 1;
        self.touches += n as u64;
        if self.lengths.len() <= n {
            self.lengths.resize(n + 1, 0);
        }
        self.lengths[n] += 1;
        let start = j.touches[0].time;
        let end = j.conversion.map_or(j.touches[n - 1].time, |c| c.time);
        self.first = Some(self.first.map_or(start, |f| f.min(start)));
        self.last = Some(self.last.map_or(end, |l| l.max(end)));
        self.path.clear();
        self.path.extend(j.touches.iter().map(|t| t.channel));
        if !self.paths.contains_key(&self.path) {
            self.paths.insert(self.path.clone(), PathStat::default());
        }
        let Some(stat) = self.paths.get_mut(&self.path) else {
            return;
        };
        stat.journeys += 1;
        if let Some(c) = j.conversion {
            self.converting += 1;
            stat.conversions += 1;
            stat.value += c.value;
            self.days_to_conversion
                .push((c.time - start) as f64 / 86_400_000.0);
        }
    }

    /// The summary.
    pub fn finish(&mut self) -> JourneyStats {
        let mut time_histogram = [0u64; 7];
        for d in &self.days_to_conversion {
            let hours = d * 24.0;
            let bucket = TIME_BUCKET_HOURS.partition_point(|&edge| hours >= edge);
            time_histogram[bucket] += 1;
        }
        let half = self.journeys.div_ceil(2);
        let mut seen = 0;
        let median_touches = self
            .lengths
            .iter()
            .position(|&k| {
                seen += k;
                seen >= half
            })
            .unwrap_or(0) as u64;
        JourneyStats {
            journeys: self.journeys,
            converting: self.converting,
            mean_touches: self.touches as f64 / self.journeys.max(1) as f64,
            median_touches,
            median_days_to_conversion: median(&mut self.days_to_conversion),
            time_histogram,
            span: self.first.zip(self.last),
            distinct_paths: self.paths.len(),
        }
    }

    /// The most common paths first (ties by path text), at most `limit`.
    pub fn top_paths(&self, channels: &[String], limit: usize) -> Vec<PathRow> {
        let mut rows: Vec<PathRow> = self
            .paths
            .iter()
            .map(|(p, s)| PathRow {
                path: p
                    .iter()
                    .map(|&c| channels[c as usize].as_str())
                    .collect::<Vec<_>>()
                    .join(" > "),
                stat: *s,
            })
            .collect();
        rows.sort_by(|a, b| {
            b.stat
                .journeys
                .cmp(&a.stat.journeys)
                .then_with(|| a.path.cmp(&b.path))
        });
        rows.truncate(limit);
        rows
    }
}

/// The median (mean of the middle two for an even count); NaN when empty.
fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::journeys::{Conversion, Touch};
    use approx::assert_abs_diff_eq;

    const HOUR: Millis = 3_600_000;
    /// Exact arithmetic on small integers.
    const TOL: f64 = 1e-12;

    fn touch(channel: u16, hours: i64) -> Touch {
        Touch {
            channel,
            time: hours * HOUR,
        }
    }

    #[test]
    fn counts_median_histogram_and_paths() {
        let mut s = StatsBuilder::default();
        let a = [touch(0, 0), touch(1, 10)];
        let b = [touch(0, 0)];
        let c = [touch(1, 0), touch(0, 100), touch(0, 200)];
        let conv = |h: i64| {
            Some(Conversion {
                time: h * HOUR,
                value: 2.0,
            })
        };
        s.add(&Journey {
            touches: &a,
            conversion: conv(12),
        });
        s.add(&Journey {
            touches: &b,
            conversion: None,
        });
        s.add(&Journey {
            touches: &a,
            conversion: None,
        });
        s.add(&Journey {
            touches: &c,
            conversion: conv(200),
        });
        let st = s.finish();
        assert_eq!((st.journeys, st.converting), (4, 2));
        assert_abs_diff_eq!(st.mean_touches, 2.0, epsilon = TOL);
        assert_eq!(st.median_touches, 2);
        // 12 hours and 200 hours: median 106 hours.
        assert_abs_diff_eq!(st.median_days_to_conversion, 106.0 / 24.0, epsilon = TOL);
        assert_eq!(st.time_histogram, [0, 1, 0, 0, 1, 0, 0]);
        assert_eq!(st.span, Some((0, 200 * HOUR)));
        let names = vec!["search".to_string(), "tv".to_string()];
        let top = s.top_paths(&names, 2);
        assert_eq!(top[0].path, "search > tv");
        assert_eq!(top[0].stat.journeys, 2);
        assert_eq!(top[0].stat.conversions, 1);
        assert_eq!(top[1].path, "search");
    }
}
