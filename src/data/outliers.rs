//! Gross outliers in the target and spend columns, by a robust z-score (distance from the
//! median in units of the scaled median absolute deviation), for warnings before a fit.

use std::fmt;

use super::dataset::Dataset;

/// A value this many robust standard deviations from its column's median is a gross outlier
/// (a typo such as three extra zeros, or a sentinel like 1e300), not a large week: bursty
/// spend reaches 10 or so, and a warning should mean something.
pub const OUTLIER_Z: f64 = 25.0;
/// Outliers named per column before the rest are counted.
pub const MAX_OUTLIERS_PER_COLUMN: usize = 5;
/// MAD × this estimates the standard deviation of normal data.
const MAD_TO_SD: f64 = 1.4826;
/// Mean absolute deviation × this estimates the standard deviation of normal data (used when
/// more than half the values equal the median, as in sparse spend).
const MEAN_AD_TO_SD: f64 = 1.2533;

/// One value far from the rest of its column.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlier {
    /// The data file.
    pub file: String,
    /// The column.
    pub column: String,
    /// The 1-based data row.
    pub row: usize,
    /// The row's date.
    pub date: String,
    /// The value.
    pub value: f64,
    /// Robust standard deviations from the column's median.
    pub z: f64,
    /// Further outliers in the same column not listed.
    pub more: usize,
}

impl fmt::Display for Outlier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, column \"{}\", data row {} ({}): {} is {} robust standard deviations from \
             the column's median; check it (a typo or a placeholder?) before trusting the fit",
            self.file,
            self.column,
            self.row,
            self.date,
            number(self.value),
            z_words(self.z)
        )?;
        if self.more > 0 {
            write!(f, " (and {} more in this column)", self.more)?;
        }
        Ok(())
    }
}

/// A number as written in a data file: plain when short, in exponent form when huge or tiny.
fn number(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e9).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// A z-score in a few digits.
fn z_words(z: f64) -> String {
    if z < 1e6 {
        format!("{z:.0}")
    } else {
        format!("{z:.1e}")
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        0.5 * sorted[n / 2 - 1] + 0.5 * sorted[n / 2]
    }
}

/// Robust z-scores of `values`: |x − median| / scale, the scale from the MAD (or the mean
/// absolute deviation when the MAD is 0); `None` when every value is the same.
pub fn robust_z(values: &[f64]) -> Option<Vec<f64>> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let m = median(&sorted);
    let mut dev: Vec<f64> = values.iter().map(|x| (x - m).abs()).collect();
    let mean_ad = dev.iter().map(|d| d / values.len() as f64).sum::<f64>();
    dev.sort_by(f64::total_cmp);
    let mad = median(&dev);
    let scale = if mad > 0.0 {
        MAD_TO_SD * mad
    } else {
        MEAN_AD_TO_SD * mean_ad
    };
    (scale > 0.0 && scale.is_finite())
        .then(|| values.iter().map(|x| (x - m).abs() / scale).collect())
}

/// Gross outliers of the target and every channel, at most [`MAX_OUTLIERS_PER_COLUMN`] named
/// per column (the largest first), columns in file order of the model.
pub fn outliers(data: &Dataset) -> Vec<Outlier> {
    let mut columns = vec![(data.target_name(), data.target())];
    columns.extend(
        data.channel_names()
            .iter()
            .map(String::as_str)
            .zip(data.channels().iter().map(Vec::as_slice)),
    );
    let mut out = Vec::new();
    for (name, values) in columns {
        let Some(z) = robust_z(values) else {
            continue;
        };
        let mut far: Vec<usize> = (0..values.len()).filter(|&t| z[t] > OUTLIER_Z).collect();
        far.sort_by(|&a, &b| z[b].total_cmp(&z[a]));
        let more = far.len().saturating_sub(MAX_OUTLIERS_PER_COLUMN);
        far.truncate(MAX_OUTLIERS_PER_COLUMN);
        far.sort_unstable();
        let last = far.len().saturating_sub(1);
        for (i, &t) in far.iter().enumerate() {
            out.push(Outlier {
                file: data.source().to_string(),
                column: name.to_string(),
                row: t + 1,
                date: data.dates()[t].clone(),
                value: values[t],
                z: z[t],
                more: if i == last { more } else { 0 },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::load::tests::{load_str, request};
    use crate::data::{DataRequest, load_dataset};

    fn example(name: &str, req: &DataRequest) -> Dataset {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
        load_dataset(&path, req).unwrap()
    }

    #[test]
    fn the_shipped_data_sets_have_no_gross_outliers() {
        let req = request();
        let data = example("models/data/pymc_marketing_mmm_example.csv", &req);
        assert_eq!(outliers(&data), Vec::new());
    }

    #[test]
    fn a_sentinel_value_is_flagged_with_its_row_and_date() {
        let mut text = String::from("date_week,y,x1,x2,event_1\n");
        for i in 0..30 {
            let day = crate::transform::Date::from_days_since_epoch(18_000 + 7 * i);
            let y = if i == 12 {
                "1e300".to_string()
            } else {
                format!("{}", 100 + i % 7)
            };
            let x1 = if i == 20 {
                45_000.0
            } else {
                40.0 + f64::from(i as i32 % 5)
            };
            text.push_str(&format!("{day},{y},{x1},{},{}\n", i % 3, i % 2));
        }
        let data = load_str(&text, &request()).unwrap();
        let found = outliers(&data);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].column.as_str(), found[0].row), ("y", 13));
        assert_eq!((found[1].column.as_str(), found[1].row), ("x1", 21));
        let msg = found[0].to_string();
        assert!(
            msg.contains("data row 13") && msg.contains("1e300"),
            "{msg}"
        );
    }

    #[test]
    fn sparse_spend_and_bursts_are_not_outliers() {
        let mut values = vec![0.0; 40];
        for (i, v) in values.iter_mut().enumerate().step_by(5) {
            *v = 100.0 + i as f64 * 10.0;
        }
        let z = robust_z(&values).unwrap();
        assert!(z.iter().all(|&z| z < OUTLIER_Z), "{z:?}");
        assert!(robust_z(&[3.0, 3.0, 3.0]).is_none());
    }
}
