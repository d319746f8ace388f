//! The validated data set: dates, target, channel spend and controls in original units.

use super::fingerprint::Fnv1a;

/// A validated data set, one value per period for the target, each channel and each control.
///
/// Valid by construction (see [`load_dataset`](crate::load_dataset)): at least two rows, dates
/// sorted, unique and regular, every value finite, spend non-negative, and no constant target,
/// channel or control. Series are column-major: `channel(c)[t]` is channel `c` in period `t`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub(super) source: String,
    pub(super) date_column: String,
    pub(super) dates: Vec<String>,
    pub(super) day_of_year: Vec<f64>,
    pub(super) period_index: Vec<f64>,
    pub(super) period_days: u32,
    pub(super) target_name: String,
    pub(super) target: Vec<f64>,
    pub(super) channel_names: Vec<String>,
    pub(super) channels: Vec<Vec<f64>>,
    pub(super) control_names: Vec<String>,
    pub(super) controls: Vec<Vec<f64>>,
}

impl Dataset {
    /// The file the data came from, as the user named it.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Number of periods (rows).
    pub fn n_periods(&self) -> usize {
        self.dates.len()
    }

    /// Number of channels.
    pub fn n_channels(&self) -> usize {
        self.channels.len()
    }

    /// Number of controls.
    pub fn n_controls(&self) -> usize {
        self.controls.len()
    }

    /// Name of the date column.
    pub fn date_column(&self) -> &str {
        &self.date_column
    }

    /// The period dates, ISO formatted (`YYYY-MM-DD`), oldest first.
    pub fn dates(&self) -> &[String] {
        &self.dates
    }

    /// Day of the year of each date (1 = January 1st), for Fourier seasonality.
    pub fn day_of_year(&self) -> &[f64] {
        &self.day_of_year
    }

    /// Index of each period, 0, 1, ..., T-1 (the series is regular, so this is also the number
    /// of periods since the first date).
    pub fn period_index(&self) -> &[f64] {
        &self.period_index
    }

    /// Days between consecutive periods: 7 for weekly data, 1 for daily data.
    pub fn period_days(&self) -> u32 {
        self.period_days
    }

    /// Name of the target column.
    pub fn target_name(&self) -> &str {
        &self.target_name
    }

    /// The target in original units.
    pub fn target(&self) -> &[f64] {
        &self.target
    }

    /// Column names of the channels, in model order.
    pub fn channel_names(&self) -> &[String] {
        &self.channel_names
    }

    /// Spend of every channel in original units, one series per channel.
    pub fn channels(&self) -> &[Vec<f64>] {
        &self.channels
    }

    /// Spend of channel `c` in original units.
    ///
    /// # Panics
    /// If `c >= self.n_channels()`.
    pub fn channel(&self, c: usize) -> &[f64] {
        &self.channels[c]
    }

    /// Column names of the controls, in model order.
    pub fn control_names(&self) -> &[String] {
        &self.control_names
    }

    /// Every control as given in the file, one series per control.
    pub fn controls(&self) -> &[Vec<f64>] {
        &self.controls
    }

    /// A stable hash of the column names, dates and values (not the file name), as 16 hex
    /// digits: FNV-1a over a framed encoding, identical on every platform and release.
    pub fn fingerprint(&self) -> String {
        let mut h = Fnv1a::new();
        h.str("mmm-dataset-v1");
        h.str(&self.date_column);
        for date in &self.dates {
            h.str(date);
        }
        h.str(&self.target_name);
        h.f64s(&self.target);
        for (tag, names, series) in [
            ("channels", &self.channel_names, &self.channels),
            ("controls", &self.control_names, &self.controls),
        ] {
            h.str(tag);
            h.count(names.len());
            for (name, values) in names.iter().zip(series) {
                h.str(name);
                h.f64s(values);
            }
        }
        h.hex()
    }
}

#[cfg(test)]
mod tests {
    use crate::data::load::tests::{load_str, request};

    const CSV: &str = "date_week,y,x1,x2,event_1\n\
                       2020-01-06,10,1,0,0\n2020-01-13,12,2,5,1\n2020-01-20,11,0,1,0\n";

    #[test]
    fn fingerprint_is_stable_and_ignores_the_file_name_and_number_spelling() {
        let a = load_str(CSV, &request()).expect("valid");
        let respelt = CSV.replace(",12,", ",12.000,").replace(",5,", ",5e0,");
        let b = crate::data::load_dataset_from_reader(respelt.as_bytes(), "other.csv", &request())
            .expect("valid");
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 16);
        // Pinned: a change here breaks the link between old fit directories and their data.
        assert_eq!(a.fingerprint(), FINGERPRINT_OF_CSV);
    }

    /// The fingerprint of [`CSV`] under [`request`], pinned.
    const FINGERPRINT_OF_CSV: &str = "67074a64a2eff360";

    #[test]
    fn fingerprint_changes_with_any_value_name_or_date() {
        let base = load_str(CSV, &request()).expect("valid").fingerprint();
        for changed in [
            CSV.replace(",11,", ",11.5,"),
            CSV.replace("2020-", "2021-"),
            CSV.replace(",0,1,0\n", ",0,2,0\n"),
            CSV.replace("x2", "x3"),
            CSV.replace("06,10", "06,10.000000001"),
        ] {
            let mut req = request();
            if changed.contains("x3") {
                req.channels[1] = "x3".to_string();
            }
            let other = load_str(&changed, &req).expect("valid").fingerprint();
            assert_ne!(other, base, "{changed}");
        }
        let mut shifted = request();
        shifted.controls.clear();
        let without_control = load_str(CSV, &shifted).expect("valid").fingerprint();
        assert_ne!(without_control, base);
    }

    #[test]
    fn accessors_expose_the_columns() {
        let data = load_str(CSV, &request()).expect("valid");
        assert_eq!(data.n_periods(), 3);
        assert_eq!(data.n_channels(), 2);
        assert_eq!(data.n_controls(), 1);
        assert_eq!(data.channel_names(), ["x1", "x2"]);
        assert_eq!(data.control_names(), ["event_1"]);
        assert_eq!(data.target_name(), "y");
        assert_eq!(data.date_column(), "date_week");
        assert_eq!(data.source(), "data.csv");
        assert_eq!(data.channel(1).len(), 3);
    }
}
