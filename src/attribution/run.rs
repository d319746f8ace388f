//! The attribution pipeline: read the touches, cut journeys, split every conversion by each
//! heuristic rule, then the Markov and Shapley rules over the distinct paths.

use std::io::BufRead;
use std::path::Path;

use super::cleanup::Cleanup;
use super::error::AttributionError;
use super::heuristics::{HeuristicParams, heuristic_weights};
use super::journeys::{CutCounts, Journey, cut_journeys};
use super::markov::{Chain, PathCount, markov_shares};
use super::reader::{TouchTable, read_touches};
use super::rule::Rule;
use super::settings::AttributionSettings;
use super::shapley::SetWorth;
use super::stats::{JourneyStats, MAX_PATHS_WRITTEN, PathRow, StatsBuilder};
use super::timestamp::DAY_SECONDS;

/// One rule's credit per channel.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleCredit {
    /// The rule.
    pub rule: Rule,
    /// Conversions credited to each channel.
    pub conversions: Vec<f64>,
    /// Conversion value credited to each channel.
    pub value: Vec<f64>,
}

/// Everything an attribution run found.
#[derive(Debug, Clone)]
pub struct Attribution {
    /// The file's name.
    pub file: String,
    /// The settings used.
    pub settings: AttributionSettings,
    /// Channel names (indices of the credit vectors).
    pub channels: Vec<String>,
    /// Credit per rule, in [`Rule::ALL`] order.
    pub credits: Vec<RuleCredit>,
    /// Conversions attributed (those with a touch in the lookback window).
    pub attributed_conversions: f64,
    /// Their value.
    pub attributed_value: f64,
    /// The file has a value column.
    pub has_value: bool,
    /// Data rows read.
    pub rows_read: u64,
    /// Counts from cutting journeys.
    pub counts: CutCounts,
    /// Repairs made.
    pub cleanup: Cleanup,
    /// Journey statistics.
    pub stats: JourneyStats,
    /// The most common paths.
    pub paths: Vec<PathRow>,
}

impl Attribution {
    /// Channel indices sorted by name.
    pub fn channel_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.channels.len()).collect();
        order.sort_by(|&a, &b| self.channels[a].cmp(&self.channels[b]));
        order
    }

    /// `rule`'s share of the attributed conversions for each channel.
    pub fn shares(&self, rule: Rule) -> Vec<f64> {
        let credit = self.credits.iter().find(|c| c.rule == rule);
        let total = self.attributed_conversions;
        (0..self.channels.len())
            .map(|c| credit.map_or(0.0, |r| r.conversions[c]) / total)
            .collect()
    }
}

/// Accumulates the heuristic rules' credit journey by journey.
struct Heuristics {
    params: HeuristicParams,
    credits: Vec<RuleCredit>,
    weights: Vec<f64>,
}

impl Heuristics {
    fn add(&mut self, j: &Journey<'_>) {
        let Some(conversion) = j.conversion else {
            return;
        };
        self.weights.resize(j.touches.len(), 0.0);
        for credit in &mut self.credits {
            heuristic_weights(
                credit.rule,
                j.touches,
                conversion.time,
                &self.params,
                &mut self.weights,
            );
            for (t, w) in j.touches.iter().zip(&self.weights) {
                credit.conversions[t.channel as usize] += w;
                credit.value[t.channel as usize] += w * conversion.value;
            }
        }
    }
}

/// Attribute the conversions of the touchpoint file at `path`.
pub fn attribute(
    path: &Path,
    settings: &AttributionSettings,
) -> Result<Attribution, AttributionError> {
    let file = path.display().to_string();
    let reader = std::fs::File::open(path).map_err(|source| AttributionError::Unreadable {
        file: file.clone(),
        source,
    })?;
    attribute_reader(
        std::io::BufReader::with_capacity(1 << 16, reader),
        &file,
        settings,
    )
}

/// Attribute the conversions of a touchpoint CSV read from `reader` (named `file`).
pub fn attribute_reader<R: BufRead>(
    reader: R,
    file: &str,
    settings: &AttributionSettings,
) -> Result<Attribution, AttributionError> {
    let mut table = read_touches(reader, file, &settings.columns)?;
    let n = table.channels.len();
    let is_direct = table
        .channels
        .iter()
        .map(|c| {
            settings
                .direct_channels
                .iter()
                .any(|d| d.eq_ignore_ascii_case(c))
        })
        .collect();
    let mut heuristics = Heuristics {
        params: HeuristicParams {
            half_life_ms: settings.half_life_days * DAY_SECONDS * 1000.0,
            position_weights: settings.position_weights,
            is_direct,
        },
        credits: Rule::HEURISTIC
            .iter()
            .map(|&rule| RuleCredit {
                rule,
                conversions: vec![0.0; n],
                value: vec![0.0; n],
            })
            .collect(),
        weights: Vec::new(),
    };
    let mut stats = StatsBuilder::default();
    let lookback_ms = (settings.lookback_days * DAY_SECONDS * 1000.0).round() as i64;
    let counts = cut_journeys(&mut table, lookback_ms, |j| {
        heuristics.add(&j);
        stats.add(&j);
    });
    let attributed = (counts.conversions - counts.conversions_without_touch) as f64;
    if attributed == 0.0 {
        return Err(no_conversions(&table, &counts));
    }
    let attributed_value: f64 = stats.paths.values().map(|s| s.value).sum();
    let mut credits = heuristics.credits;
    credits.extend(data_driven(&stats, n, attributed, attributed_value));
    let paths = stats.top_paths(&table.channels, MAX_PATHS_WRITTEN);
    Ok(Attribution {
        file: file.to_string(),
        settings: settings.clone(),
        channels: table.channels,
        credits,
        attributed_conversions: attributed,
        attributed_value,
        has_value: table.has_value,
        rows_read: table.rows_read,
        counts,
        cleanup: table.cleanup,
        stats: stats.finish(),
        paths,
    })
}

fn no_conversions(table: &TouchTable, counts: &CutCounts) -> AttributionError {
    AttributionError::NoConversions {
        file: table.file.clone(),
        rows: table.rows_read,
        kept: counts.rows_kept,
        column: table.converted_column.clone(),
    }
}

/// The Markov and Shapley credits over the distinct paths.
fn data_driven(stats: &StatsBuilder, n: usize, conversions: f64, value: f64) -> [RuleCredit; 2] {
    let chain = Chain::from_paths(
        n,
        stats.paths.iter().map(|(p, s)| PathCount {
            channels: p,
            journeys: s.journeys as f64,
            conversions: s.conversions as f64,
        }),
    );
    let markov = markov_shares(&chain);
    let mut sets = SetWorth::default();
    for (p, s) in &stats.paths {
        if s.conversions > 0 {
            sets.add(p, s.conversions as f64, s.value);
        }
    }
    let (shapley_conversions, shapley_value) = sets.shapley(n);
    [
        RuleCredit {
            rule: Rule::Markov,
            conversions: markov.iter().map(|s| s * conversions).collect(),
            value: markov.iter().map(|s| s * value).collect(),
        },
        RuleCredit {
            rule: Rule::Shapley,
            conversions: shapley_conversions,
            value: shapley_value,
        },
    ]
}
