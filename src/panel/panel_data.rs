//! The panel's data on the model's scale: every group's rows stacked group after group, per
//! capita when the model names a population, divided by panel-wide scales.

use serde::Serialize;

use crate::data::{PanelData, ScaleMethod};
use crate::spec::{ModelSpec, Scaling};
use crate::transform::fourier_features;

use super::error::PanelError;

/// Panel-wide scales between the model's space and original (per-capita) units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanelScales {
    /// Scale s_y of the per-capita target.
    pub target: f64,
    /// Scale s_c of each channel's per-capita spend.
    pub channels: Vec<f64>,
    /// Scale of each control (1 for a control entered as given).
    pub controls: Vec<f64>,
}

/// The stacked, scaled data: row r of group g is `offsets[g] + t`.
#[derive(Debug, Clone)]
pub(crate) struct StackedData {
    pub n_rows: usize,
    pub offsets: Vec<usize>,
    /// Scaled target per row (its log for a log-normal likelihood).
    pub obs: Vec<f64>,
    /// −Σ log(scaled y) of the log-normal likelihood, 0 otherwise.
    pub log_jacobian: f64,
    /// Scaled spend, channel-major: channel c row r at `c * n_rows + r`.
    pub spend: Vec<f64>,
    /// Controls, control-major.
    pub controls: Vec<f64>,
    /// Fourier features, feature-major.
    pub fourier: Vec<f64>,
    /// Trend feature: the row's period on the common timeline over the timeline's length.
    pub trend: Vec<f64>,
    /// Population per group (1 without a population column).
    pub population: Vec<f64>,
    /// Spend in original units, channel-major (for ROAS).
    pub spend_original: Vec<f64>,
    pub scales: PanelScales,
}

impl StackedData {
    /// Stack and scale `panel` as `spec` asks.
    pub fn new(
        spec: &ModelSpec,
        panel: &PanelData,
        target_scale: Option<f64>,
    ) -> Result<StackedData, PanelError> {
        let method = match spec.data.scale {
            Scaling::Max => ScaleMethod::Max,
            Scaling::Mean => ScaleMethod::Mean,
        };
        let mut offsets = Vec::with_capacity(panel.groups.len() + 1);
        let mut n = 0;
        for g in &panel.groups {
            offsets.push(n);
            n += g.data.n_periods();
        }
        offsets.push(n);
        let per_capita = |f: &dyn Fn(&crate::Dataset) -> &[f64]| -> Vec<f64> {
            panel
                .groups
                .iter()
                .flat_map(|g| f(&g.data).iter().map(move |v| v / g.population))
                .collect()
        };
        let y = per_capita(&|d| d.target());
        let s_y = target_scale.unwrap_or_else(|| method.scale_of(&y));
        let n_ch = spec.channels.len();
        let mut spend = Vec::with_capacity(n_ch * n);
        let mut spend_original = Vec::with_capacity(n_ch * n);
        let mut channel_scales = Vec::with_capacity(n_ch);
        for c in 0..n_ch {
            let x = per_capita(&|d| d.channel(c));
            let s = method.scale_of(&x);
            channel_scales.push(s);
            spend.extend(x.iter().map(|v| v / s));
            spend_original.extend(panel.groups.iter().flat_map(|g| g.data.channel(c).to_vec()));
        }
        let mut controls = Vec::with_capacity(spec.controls.len() * n);
        let mut control_scales = Vec::new();
        for (k, ctl) in spec.controls.iter().enumerate() {
            let z: Vec<f64> = panel
                .groups
                .iter()
                .flat_map(|g| g.data.controls()[k].clone())
                .collect();
            let s = if ctl.scale { method.scale_of(&z) } else { 1.0 };
            control_scales.push(s);
            controls.extend(z.iter().map(|v| v / s));
        }
        let mut obs: Vec<f64> = y.iter().map(|v| v / s_y).collect();
        let mut log_jacobian = 0.0;
        if spec.likelihood.family == crate::spec::Likelihood::LogNormal {
            for (g, group) in panel.groups.iter().enumerate() {
                for t in 0..group.data.n_periods() {
                    let r = offsets[g] + t;
                    if obs[r] <= 0.0 {
                        return Err(PanelError::NonPositiveTarget {
                            file: group.data.source().to_string(),
                            date: group.data.dates()[t].clone(),
                            value: group.data.target()[t],
                        });
                    }
                    obs[r] = obs[r].ln();
                    log_jacobian -= obs[r];
                }
            }
        }
        let mut fourier = Vec::new();
        if let Some(season) = &spec.seasonality {
            let days: Vec<f64> = panel
                .groups
                .iter()
                .flat_map(|g| g.data.day_of_year().to_vec())
                .collect();
            fourier = vec![0.0; 2 * season.order * n];
            fourier_features(&days, season.order, season.period, &mut fourier);
        }
        let span = panel.n_timeline.max(1) as f64;
        let trend = panel
            .groups
            .iter()
            .flat_map(|g| (0..g.data.n_periods()).map(move |t| (g.start + t) as f64 / span))
            .collect();
        Ok(StackedData {
            n_rows: n,
            offsets,
            obs,
            log_jacobian,
            spend,
            controls,
            fourier,
            trend,
            population: panel.groups.iter().map(|g| g.population).collect(),
            spend_original,
            scales: PanelScales {
                target: s_y,
                channels: channel_scales,
                controls: control_scales,
            },
        })
    }

    /// Rows of group `g`.
    pub fn rows(&self, g: usize) -> std::ops::Range<usize> {
        self.offsets[g]..self.offsets[g + 1]
    }
}
