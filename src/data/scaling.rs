//! Scaling: each channel's spend divided by its own scale, the target by its scale, controls
//! optionally; and the conversions back to original units.

use serde::{Deserialize, Serialize};

use super::dataset::Dataset;

/// How a column's scale is computed from its values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScaleMethod {
    /// The largest absolute value (PyMC-Marketing's `MaxAbsScaler`): scaled data lie in [-1, 1].
    #[default]
    Max,
    /// The mean absolute value: scaled data have mean absolute value 1.
    Mean,
}

impl ScaleMethod {
    /// The scale of `values`; 1 if it would be zero or not finite (so dividing is harmless).
    pub fn scale_of(self, values: &[f64]) -> f64 {
        let scale = match self {
            ScaleMethod::Max => values.iter().fold(0.0_f64, |m, v| m.max(v.abs())),
            ScaleMethod::Mean => {
                values.iter().map(|v| v.abs()).sum::<f64>() / values.len().max(1) as f64
            }
        };
        if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        }
    }
}

/// The scales that map original units to the model's scaled space (`scaled = original / scale`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scales {
    /// How the scales were computed.
    pub method: ScaleMethod,
    /// Scale of the target, s_y.
    pub target: f64,
    /// Scale of each channel's spend, s_c.
    pub channels: Vec<f64>,
    /// Scale of each control; exactly 1 for a control entered as given.
    pub controls: Vec<f64>,
}

impl Scales {
    /// A target value (or a contribution to it) from scaled to original units.
    pub fn target_to_original(&self, scaled: f64) -> f64 {
        scaled * self.target
    }

    /// A target value from original to scaled units.
    pub fn target_to_scaled(&self, original: f64) -> f64 {
        original / self.target
    }

    /// Target values (or contributions) converted in place from scaled to original units.
    pub fn targets_to_original(&self, values: &mut [f64]) {
        values.iter_mut().for_each(|v| *v *= self.target);
    }

    /// Spend of channel `c` from scaled to original units.
    ///
    /// # Panics
    /// If `c` is not a channel index.
    pub fn spend_to_original(&self, c: usize, scaled: f64) -> f64 {
        scaled * self.channels[c]
    }

    /// Spend of channel `c` from original to scaled units.
    ///
    /// # Panics
    /// If `c` is not a channel index.
    pub fn spend_to_scaled(&self, c: usize, original: f64) -> f64 {
        original / self.channels[c]
    }

    /// Control `k` from original to scaled units (unchanged for a control entered as given).
    ///
    /// # Panics
    /// If `k` is not a control index.
    pub fn control_to_scaled(&self, k: usize, original: f64) -> f64 {
        original / self.controls[k]
    }

    /// Control `k` from scaled to original units.
    ///
    /// # Panics
    /// If `k` is not a control index.
    pub fn control_to_original(&self, k: usize, scaled: f64) -> f64 {
        scaled * self.controls[k]
    }
}

/// The data on the model's scale: what the log density sees.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledData {
    scales: Scales,
    target: Vec<f64>,
    channels: Vec<Vec<f64>>,
    controls: Vec<Vec<f64>>,
}

impl ScaledData {
    /// The scales used, to convert results back to original units.
    pub fn scales(&self) -> &Scales {
        &self.scales
    }

    /// The target divided by s_y.
    pub fn target(&self) -> &[f64] {
        &self.target
    }

    /// Every channel's spend divided by its s_c, one series per channel.
    pub fn channels(&self) -> &[Vec<f64>] {
        &self.channels
    }

    /// Every control, divided by its scale where scaling was asked for.
    pub fn controls(&self) -> &[Vec<f64>] {
        &self.controls
    }
}

fn divided(values: &[f64], scale: f64) -> Vec<f64> {
    values.iter().map(|v| v / scale).collect()
}

impl Dataset {
    /// Scale the target and every channel with `method`; scale control `k` too when
    /// `scale_controls[k]` is true (controls without a flag are entered as given).
    pub fn scaled(&self, method: ScaleMethod, scale_controls: &[bool]) -> ScaledData {
        let target = method.scale_of(self.target());
        let channels: Vec<f64> = self.channels().iter().map(|x| method.scale_of(x)).collect();
        let controls: Vec<f64> = self
            .controls()
            .iter()
            .enumerate()
            .map(|(k, z)| match scale_controls.get(k) {
                Some(true) => method.scale_of(z),
                _ => 1.0,
            })
            .collect();
        ScaledData {
            target: divided(self.target(), target),
            channels: self
                .channels()
                .iter()
                .zip(&channels)
                .map(|(x, &s)| divided(x, s))
                .collect(),
            controls: self
                .controls()
                .iter()
                .zip(&controls)
                .map(|(z, &s)| divided(z, s))
                .collect(),
            scales: Scales {
                method,
                target,
                channels,
                controls,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::load::tests::{load_str, request};
    use approx::assert_relative_eq;

    /// Scaling is one division; a round trip is exact to a few ulps.
    const ROUND_TRIP_TOL: f64 = 1e-14;

    const CSV: &str = "date_week,y,x1,x2,event_1\n\
                       2020-01-06,-10,1,0,0\n2020-01-13,30,2,6,-2\n2020-01-20,20,0,3,4\n";

    #[test]
    fn max_and_mean_scales_match_hand_computed_values() {
        assert_relative_eq!(ScaleMethod::Max.scale_of(&[-10.0, 30.0, 20.0]), 30.0);
        assert_relative_eq!(ScaleMethod::Mean.scale_of(&[-10.0, 30.0, 20.0]), 20.0);
        assert_relative_eq!(ScaleMethod::Max.scale_of(&[0.0, 0.0]), 1.0);
        assert_relative_eq!(ScaleMethod::Mean.scale_of(&[]), 1.0);
    }

    #[test]
    fn scaled_data_divides_by_each_columns_scale() {
        let data = load_str(CSV, &request()).expect("valid");
        let max = data.scaled(ScaleMethod::Max, &[]);
        assert_relative_eq!(max.scales().target, 30.0);
        assert_relative_eq!(max.scales().channels[0], 2.0);
        assert_relative_eq!(max.scales().channels[1], 6.0);
        assert_relative_eq!(max.scales().controls[0], 1.0);
        assert_relative_eq!(max.target()[0], -1.0 / 3.0, max_relative = ROUND_TRIP_TOL);
        assert_relative_eq!(max.channels()[1][2], 0.5, max_relative = ROUND_TRIP_TOL);
        assert_relative_eq!(max.controls()[0][2], 4.0);

        let mean = data.scaled(ScaleMethod::Mean, &[true]);
        assert_relative_eq!(mean.scales().target, 20.0, max_relative = ROUND_TRIP_TOL);
        assert_relative_eq!(
            mean.scales().channels[1],
            3.0,
            max_relative = ROUND_TRIP_TOL
        );
        assert_relative_eq!(
            mean.scales().controls[0],
            2.0,
            max_relative = ROUND_TRIP_TOL
        );
        assert_relative_eq!(mean.controls()[0][1], -1.0, max_relative = ROUND_TRIP_TOL);
    }

    #[test]
    fn conversions_round_trip_to_original_units() {
        let data = load_str(CSV, &request()).expect("valid");
        let scaled = data.scaled(ScaleMethod::Max, &[true]);
        let s = scaled.scales();
        for t in 0..data.n_periods() {
            assert_relative_eq!(
                s.target_to_original(scaled.target()[t]),
                data.target()[t],
                max_relative = ROUND_TRIP_TOL
            );
            assert_relative_eq!(
                s.target_to_scaled(data.target()[t]),
                scaled.target()[t],
                max_relative = ROUND_TRIP_TOL
            );
            for c in 0..data.n_channels() {
                let x = data.channel(c)[t];
                assert_relative_eq!(
                    s.spend_to_original(c, s.spend_to_scaled(c, x)),
                    x,
                    max_relative = ROUND_TRIP_TOL
                );
            }
            let z = data.controls()[0][t];
            assert_relative_eq!(
                s.control_to_scaled(0, z),
                scaled.controls()[0][t],
                max_relative = ROUND_TRIP_TOL
            );
            assert_relative_eq!(
                s.control_to_original(0, scaled.controls()[0][t]),
                z,
                max_relative = ROUND_TRIP_TOL
            );
        }
        let mut back = scaled.target().to_vec();
        s.targets_to_original(&mut back);
        for (b, y) in back.iter().zip(data.target()) {
            assert_relative_eq!(b, y, max_relative = ROUND_TRIP_TOL);
        }
    }

    #[test]
    fn scale_method_reads_lowercase_names() {
        #[derive(Deserialize)]
        struct Wrapper {
            scale: ScaleMethod,
        }
        let max: Wrapper = toml::from_str("scale = \"max\"").expect("max parses");
        let mean: Wrapper = toml::from_str("scale = \"mean\"").expect("mean parses");
        assert_eq!(
            (max.scale, mean.scale),
            (ScaleMethod::Max, ScaleMethod::Mean)
        );
        assert!(toml::from_str::<Wrapper>("scale = \"Max\"").is_err());
        assert_eq!(
            serde_json::to_string(&ScaleMethod::Mean).ok().as_deref(),
            Some("\"mean\"")
        );
    }
}
