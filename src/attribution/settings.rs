//! The settings of an attribution run: column names, lookback, half-life, position weights and
//! direct channels, read from an `[attribution]` TOML table (unknown keys refused) and checked
//! once.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::error::AttributionError;

/// Touches older than this many days before the conversion do not count (a common default of
/// analytics tools, e.g. Google Analytics' 30-day acquisition lookback).
pub const DEFAULT_LOOKBACK_DAYS: f64 = 30.0;
/// Time-decay half-life in days (Google Analytics' historical default of 7 days).
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 7.0;
/// Position-based weights of the first, middle and last touches (the "U-shaped" 40/20/40).
pub const DEFAULT_POSITION_WEIGHTS: [f64; 3] = [0.4, 0.2, 0.4];
/// Position weights must sum to one within this tolerance.
const WEIGHT_SUM_TOL: f64 = 1e-9;

/// Which header column plays which part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// The journey key.
    pub user_id: String,
    /// Session start (ISO date-time).
    pub session_start: String,
    /// Optional session end.
    pub session_end: String,
    /// Marketing channel.
    pub channel: String,
    /// Optional campaign.
    pub campaign: String,
    /// Converted (true/false).
    pub converted: String,
    /// Optional conversion value.
    pub conversion_value: String,
    /// Which of the optional columns were named explicitly (and so must exist).
    pub explicit: Vec<String>,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            user_id: "user_id".into(),
            session_start: "session_start".into(),
            session_end: "session_end".into(),
            channel: "channel".into(),
            campaign: "campaign".into(),
            converted: "converted".into(),
            conversion_value: "conversion_value".into(),
            explicit: Vec::new(),
        }
    }
}

/// Everything an attribution run needs besides the file.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributionSettings {
    /// Column names.
    pub columns: Columns,
    /// Lookback window in days.
    pub lookback_days: f64,
    /// Time-decay half-life in days.
    pub half_life_days: f64,
    /// First / middle / last weights of the position-based rule.
    pub position_weights: [f64; 3],
    /// Channels that count as direct (compared without case) for last non-direct touch.
    pub direct_channels: Vec<String>,
    /// Journey channel → MMM channel names, for `--fit` (unlisted channels match by name).
    pub mmm_channels: BTreeMap<String, String>,
}

impl Default for AttributionSettings {
    fn default() -> Self {
        AttributionSettings {
            columns: Columns::default(),
            lookback_days: DEFAULT_LOOKBACK_DAYS,
            half_life_days: DEFAULT_HALF_LIFE_DAYS,
            position_weights: DEFAULT_POSITION_WEIGHTS,
            direct_channels: vec!["direct".into(), "(direct)".into()],
            mmm_channels: BTreeMap::new(),
        }
    }
}

/// The `[attribution]` table as written, before checking.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    /// Journey key column.
    pub user_id: Option<String>,
    /// Session start column.
    pub session_start: Option<String>,
    /// Session end column.
    pub session_end: Option<String>,
    /// Channel column.
    pub channel: Option<String>,
    /// Campaign column.
    pub campaign: Option<String>,
    /// Converted column.
    pub converted: Option<String>,
    /// Conversion value column.
    pub conversion_value: Option<String>,
    /// Lookback window, days.
    pub lookback_days: Option<f64>,
    /// Time-decay half-life, days.
    pub half_life_days: Option<f64>,
    /// First, middle, last weights.
    pub position_weights: Option<Vec<f64>>,
    /// Direct channel names.
    pub direct_channels: Option<Vec<String>>,
    /// Journey channel → MMM channel.
    pub mmm_channels: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct SettingsFile {
    attribution: Option<RawSettings>,
}

impl RawSettings {
    /// The `[attribution]` table of a TOML file; other tables (a model file's) are ignored.
    pub fn from_file(path: &Path) -> Result<RawSettings, AttributionError> {
        let text = std::fs::read_to_string(path).map_err(|e| AttributionError::SettingsFile {
            file: path.to_path_buf(),
            detail: format!("cannot read it: {e}"),
        })?;
        let file: SettingsFile =
            toml::from_str(&text).map_err(|e| AttributionError::SettingsFile {
                file: path.to_path_buf(),
                detail: format!("{}; see docs/attribution.md for the keys", e.message()),
            })?;
        file.attribution
            .ok_or_else(|| AttributionError::SettingsFile {
                file: path.to_path_buf(),
                detail: "no [attribution] table; add one (see docs/attribution.md)".into(),
            })
    }

    /// Keys set in `other` replace those here (command-line flags over the file).
    pub fn overlay(self, other: RawSettings) -> RawSettings {
        RawSettings {
            user_id: other.user_id.or(self.user_id),
            session_start: other.session_start.or(self.session_start),
            session_end: other.session_end.or(self.session_end),
            channel: other.channel.or(self.channel),
            campaign: other.campaign.or(self.campaign),
            converted: other.converted.or(self.converted),
            conversion_value: other.conversion_value.or(self.conversion_value),
            lookback_days: other.lookback_days.or(self.lookback_days),
            half_life_days: other.half_life_days.or(self.half_life_days),
            position_weights: other.position_weights.or(self.position_weights),
            direct_channels: other.direct_channels.or(self.direct_channels),
            mmm_channels: other.mmm_channels.or(self.mmm_channels),
        }
    }

    /// Check every value once and fill in the defaults.
    pub fn check(self) -> Result<AttributionSettings, AttributionError> {
        let d = AttributionSettings::default();
        let mut columns = Columns::default();
        let mut explicit = Vec::new();
        for (slot, given, optional) in [
            (&mut columns.user_id, self.user_id, false),
            (&mut columns.session_start, self.session_start, false),
            (&mut columns.session_end, self.session_end, true),
            (&mut columns.channel, self.channel, false),
            (&mut columns.campaign, self.campaign, true),
            (&mut columns.converted, self.converted, false),
            (&mut columns.conversion_value, self.conversion_value, true),
        ] {
            if let Some(name) = given {
                if optional {
                    explicit.push(name.clone());
                }
                *slot = name;
            }
        }
        columns.explicit = explicit;
        let lookback_days =
            positive("attribution.lookback_days", self.lookback_days)?.unwrap_or(d.lookback_days);
        let half_life_days = positive("attribution.half_life_days", self.half_life_days)?
            .unwrap_or(d.half_life_days);
        let position_weights = match self.position_weights {
            None => d.position_weights,
            Some(w) => position_weights(&w)?,
        };
        Ok(AttributionSettings {
            columns,
            lookback_days,
            half_life_days,
            position_weights,
            direct_channels: self.direct_channels.unwrap_or(d.direct_channels),
            mmm_channels: self.mmm_channels.unwrap_or_default(),
        })
    }
}

fn positive(key: &str, value: Option<f64>) -> Result<Option<f64>, AttributionError> {
    match value {
        Some(v) if !(v.is_finite() && v > 0.0) => Err(AttributionError::Setting {
            key: key.into(),
            value: v.to_string(),
            problem: "must be a positive number of days".into(),
        }),
        other => Ok(other),
    }
}

fn position_weights(w: &[f64]) -> Result<[f64; 3], AttributionError> {
    let fail = |problem: &str| AttributionError::Setting {
        key: "attribution.position_weights".into(),
        value: format!("{w:?}"),
        problem: problem.into(),
    };
    let [first, middle, last] = w else {
        return Err(fail(
            "needs three weights: first, middle, last (e.g. [0.4, 0.2, 0.4])",
        ));
    };
    if w.iter().any(|x| !x.is_finite() || *x < 0.0) {
        return Err(fail("weights must be non-negative numbers"));
    }
    if ((first + middle + last) - 1.0).abs() > WEIGHT_SUM_TOL {
        return Err(fail("the three weights must sum to 1"));
    }
    Ok([*first, *middle, *last])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_table_gives_the_documented_defaults() {
        let s = RawSettings::default().check().unwrap();
        assert_eq!(s, AttributionSettings::default());
        assert!((s.lookback_days - 30.0).abs() < f64::EPSILON);
        assert!((s.half_life_days - 7.0).abs() < f64::EPSILON);
    }

    #[test]
    fn flags_override_the_file_and_bad_values_name_the_key() {
        let file = RawSettings {
            channel: Some("source".into()),
            half_life_days: Some(3.0),
            ..RawSettings::default()
        };
        let flags = RawSettings {
            half_life_days: Some(2.0),
            session_end: Some("ended".into()),
            ..RawSettings::default()
        };
        let s = file.overlay(flags).check().unwrap();
        assert_eq!(s.columns.channel, "source");
        assert_eq!(s.columns.explicit, vec!["ended".to_string()]);
        assert!((s.half_life_days - 2.0).abs() < f64::EPSILON);

        let bad = RawSettings {
            position_weights: Some(vec![0.5, 0.5, 0.5]),
            ..RawSettings::default()
        };
        let msg = bad.check().unwrap_err().to_string();
        assert!(msg.contains("attribution.position_weights") && msg.contains("sum to 1"));
        let bad = RawSettings {
            lookback_days: Some(-1.0),
            ..RawSettings::default()
        };
        assert!(
            bad.check()
                .unwrap_err()
                .to_string()
                .contains("lookback_days")
        );
    }

    #[test]
    fn a_toml_file_is_read_from_its_attribution_table_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(
            &path,
            "[data]\npath = \"x.csv\"\n[attribution]\nuser_id = \"visitor\"\n\
             [attribution.mmm_channels]\nsearch = \"search_spend\"\n",
        )
        .unwrap();
        let s = RawSettings::from_file(&path).unwrap().check().unwrap();
        assert_eq!(s.columns.user_id, "visitor");
        assert_eq!(s.mmm_channels["search"], "search_spend");
        std::fs::write(&path, "[attribution]\nhalf_life = 3\n").unwrap();
        let msg = RawSettings::from_file(&path).unwrap_err().to_string();
        assert!(msg.contains("half_life"), "{msg}");
    }
}
