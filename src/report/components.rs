//! The contributions table read by position: which row of each period holds which component
//! (so a channel named `fitted` cannot be mistaken for the fit).

use crate::posterior::ContributionRow;
use crate::spec::TrendSpec;

use super::input::ReportData;

/// One component of the decomposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// Channel `c`.
    Channel(usize),
    /// The intercept.
    Intercept,
    /// The linear trend.
    Trend,
    /// Fourier seasonality.
    Seasonality,
    /// Control `k`.
    Control(usize),
    /// The posterior of the mean.
    Fitted,
    /// The posterior predictive interval.
    Predictive,
    /// The data.
    Actual,
}

/// A component over the periods: mean, 90 % interval and the `[report] interval`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Posterior mean per period.
    pub mean: Vec<f64>,
    /// 5 % quantile per period.
    pub q5: Vec<f64>,
    /// 95 % quantile per period.
    pub q95: Vec<f64>,
    /// Lower bound of the `[report] interval` per period.
    pub lower: Vec<f64>,
    /// Upper bound of the `[report] interval` per period.
    pub upper: Vec<f64>,
}

/// Positions of the components in each period's block of `contributions.csv` rows.
#[derive(Debug, Clone)]
pub struct Components<'a> {
    rows: &'a [ContributionRow],
    periods: usize,
    channels: usize,
    controls: usize,
    trend: bool,
    seasonality: bool,
}

impl<'a> Components<'a> {
    /// The layout `posterior::derive` writes for this report's model.
    pub fn new(report: &'a ReportData) -> Components<'a> {
        Components {
            rows: &report.derived.contributions,
            periods: report.data.n_periods(),
            channels: report.spec.channels.len(),
            controls: report.spec.controls.len(),
            trend: !matches!(report.spec.trend, TrendSpec::None),
            seasonality: report.spec.seasonality.is_some(),
        }
    }

    fn per_period(&self) -> usize {
        self.channels
            + 1
            + usize::from(self.trend)
            + usize::from(self.seasonality)
            + self.controls
            + 4
    }

    fn offset(&self, component: Component) -> Option<usize> {
        let after_intercept = self.channels + 1;
        let after_trend = after_intercept + usize::from(self.trend);
        let after_season = after_trend + usize::from(self.seasonality);
        let after_controls = after_season + self.controls;
        match component {
            Component::Channel(c) if c < self.channels => Some(c),
            Component::Intercept => Some(self.channels),
            Component::Trend if self.trend => Some(after_intercept),
            Component::Seasonality if self.seasonality => Some(after_trend),
            Component::Control(k) if k < self.controls => Some(after_season + k),
            // `baseline` (everything but media) sits at `after_controls`.
            Component::Fitted => Some(after_controls + 1),
            Component::Predictive => Some(after_controls + 2),
            Component::Actual => Some(after_controls + 3),
            _ => None,
        }
    }

    /// The component's series, or `None` when the model has no such component (or the table
    /// does not have the expected shape).
    pub fn series(&self, component: Component) -> Option<Series> {
        let per = self.per_period();
        if self.rows.len() != per * self.periods {
            return None;
        }
        let at = self.offset(component)?;
        let rows = || self.rows.iter().skip(at).step_by(per);
        Some(Series {
            mean: rows().map(|r| r.mean).collect(),
            q5: rows().map(|r| r.q5).collect(),
            q95: rows().map(|r| r.q95).collect(),
            lower: rows().map(|r| r.lower).collect(),
            upper: rows().map(|r| r.upper).collect(),
        })
    }

    /// The baseline pieces the model has, in stacking order: intercept, trend, seasonality,
    /// then each control.
    pub fn baseline_pieces(&self) -> Vec<Component> {
        let mut out = vec![Component::Intercept];
        if self.trend {
            out.push(Component::Trend);
        }
        if self.seasonality {
            out.push(Component::Seasonality);
        }
        out.extend((0..self.controls).map(Component::Control));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_fixture::fixture;
    use super::*;

    #[test]
    fn components_are_found_by_position_whatever_their_names() {
        let report = fixture();
        let comps = Components::new(&report);
        let actual = comps.series(Component::Actual).unwrap();
        assert_eq!(actual.mean, report.data.target());
        let tv = comps.series(Component::Channel(0)).unwrap();
        let rows: Vec<f64> = report
            .derived
            .contributions
            .iter()
            .filter(|r| r.component == report.spec.channels[0].name)
            .map(|r| r.mean)
            .collect();
        assert_eq!(tv.mean, rows);
        assert!(comps.series(Component::Trend).is_none());
        assert_eq!(
            comps.baseline_pieces(),
            [
                Component::Intercept,
                Component::Seasonality,
                Component::Control(0)
            ]
        );
    }
}
