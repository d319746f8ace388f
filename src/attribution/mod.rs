//! Multi-touch attribution from user-level journeys: which touches drove each conversion, by
//! six heuristic rules and two data-driven ones, side by side with the MMM's contribution
//! shares.
//!
//! The flow: [`read_touches`] streams the CSV into a compact table, counting every repair in a
//! [`Cleanup`] → [`cut_journeys`] sorts each user's rows, merges duplicates and cuts journeys at
//! conversions inside the lookback window → the heuristic rules split each conversion touch by
//! touch ([`heuristic_weights`]) while [`StatsBuilder`] collects the distinct paths → the
//! Markov [`Chain`] and the Shapley [`SetWorth`] work on those paths → [`Attribution`], and
//! with a fit directory [`mmm_shares`]. [`attribute`] runs it all. Reads CSV files only; nothing
//! of the sampler.

mod cleanup;
mod csv_lines;
mod error;
mod fxhash;
mod heuristics;
mod journeys;
mod markov;
mod mmm;
mod output;
mod reader;
mod rule;
mod run;
mod settings;
mod shapley;
mod simulate;
mod stats;
mod timestamp;

pub use cleanup::{Cleanup, CleanupEntry, CleanupRule};
pub use error::{AttributionError, ColumnPart};
pub use heuristics::{HeuristicParams, heuristic_weights};
pub use journeys::{Conversion, CutCounts, Journey, Touch, cut_journeys};
pub use markov::{Chain, PathCount, markov_shares};
pub use mmm::{MmmShares, mmm_shares};
pub use output::{attribution_csv, comparison_csv, journeys_json, paths_csv};
pub use reader::{MAX_CHANNELS, TouchTable, read_touches};
pub use rule::Rule;
pub use run::{Attribution, RuleCredit, attribute, attribute_reader};
pub use settings::{
    AttributionSettings, Columns, DEFAULT_HALF_LIFE_DAYS, DEFAULT_LOOKBACK_DAYS,
    DEFAULT_POSITION_WEIGHTS, RawSettings,
};
pub use shapley::SetWorth;
pub use simulate::{JourneySimOptions, SimChannel, SimulatedJourneys, simulate_journeys};
pub use stats::{JourneyStats, PathRow, PathStat, StatsBuilder, TIME_BUCKET_LABELS};
pub use timestamp::{Millis, iso_date, parse_timestamp};
