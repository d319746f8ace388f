//! The human-readable summary of a checked model that `mmm check` prints.

use std::fmt;

use super::model_spec::{
    AdstockKind, EffectKind, Likelihood, ModelSpec, Nu, SaturationSpec, Scaling, TrendSpec,
};
use super::parameters::ParamKind;

/// Quantiles shown beside each prior: the central 90% interval.
const PRIOR_INTERVAL: (f64, f64) = (0.05, 0.95);

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "model: {}", self.origin())?;
        let d = &self.data;
        let scale = match d.scale {
            Scaling::Max => "max",
            Scaling::Mean => "mean",
        };
        let path = d.path.as_ref().map_or_else(
            || "(given with --data)".to_string(),
            |p| p.display().to_string(),
        );
        writeln!(
            f,
            "data: {path}; date {:?}, target {:?}; target and spend scaled by their {scale}",
            d.date, d.target
        )?;
        let family = match self.likelihood.family {
            Likelihood::Normal => "normal".to_string(),
            Likelihood::LogNormal => "log_normal (multiplicative)".to_string(),
            Likelihood::StudentT { nu: Nu::Fixed(nu) } => format!("student_t, nu fixed at {nu}"),
            Likelihood::StudentT { nu: Nu::Prior(_) } => "student_t".to_string(),
        };
        writeln!(f, "likelihood: {family}")?;
        writeln!(f, "channels:")?;
        for ch in &self.channels {
            let adstock = match ch.adstock.kind {
                AdstockKind::Geometric { .. } => "geometric",
                AdstockKind::Delayed { .. } => "delayed",
                AdstockKind::Weibull { .. } => "weibull",
            };
            let saturation = match ch.saturation {
                SaturationSpec::Hill { .. } => "hill",
                SaturationSpec::Logistic { .. } => "logistic",
            };
            let norm = if ch.adstock.normalize {
                "normalised"
            } else {
                "unnormalised"
            };
            writeln!(
                f,
                "  {} (column {:?}): {adstock} adstock over {} lags ({norm}), {saturation} saturation",
                ch.name, ch.column, ch.adstock.max_lag
            )?;
        }
        if !self.controls.is_empty() {
            writeln!(f, "controls:")?;
            for ctl in &self.controls {
                let scaled = if ctl.scale { "scaled" } else { "unscaled" };
                writeln!(f, "  {} (column {:?}, {scaled})", ctl.name, ctl.column)?;
            }
        }
        match &self.seasonality {
            Some(s) => writeln!(
                f,
                "seasonality: Fourier order {}, period {} days",
                s.order, s.period
            )?,
            None => writeln!(f, "seasonality: none")?,
        }
        let trend = match self.trend {
            TrendSpec::None => "none",
            TrendSpec::Linear { .. } => "linear",
        };
        writeln!(f, "trend: {trend}")?;
        let s = &self.sampler;
        writeln!(
            f,
            "sampler: {} chains x ({} warm-up + {} draws), seed {}, target_accept {}, max_depth {}, \
             {} metric",
            s.chains,
            s.warmup,
            s.draws,
            s.seed,
            s.target_accept,
            s.max_depth,
            s.metric.as_str()
        )?;
        let params = self.parameters();
        let width = params.iter().map(|p| p.name.len()).max().unwrap_or(0);
        let prior_width = params
            .iter()
            .map(|p| p.prior.to_string().len())
            .max()
            .unwrap_or(0);
        writeln!(
            f,
            "parameters ({}), priors on the scaled data, with their 90% interval:",
            params.len()
        )?;
        let mut effects = Vec::new();
        for p in &params {
            let (lo, hi) = (
                p.prior.quantile(PRIOR_INTERVAL.0),
                p.prior.quantile(PRIOR_INTERVAL.1),
            );
            let effect = (p.kind == ParamKind::Beta)
                .then(|| self.channels[p.index].effect)
                .flatten();
            let name = match effect {
                Some(e) => {
                    effects.push((p.index, e, lo, hi));
                    format!("{}[{}]", e.kind.key(), self.channels[p.index].name)
                }
                None => p.name.clone(),
            };
            writeln!(
                f,
                "  {name:width$}  {:prior_width$}  [{}, {}]",
                p.prior.to_string(),
                significant(lo),
                significant(hi)
            )?;
        }
        for (c, e, lo, hi) in effects {
            let median = significant(e.prior.quantile(0.5));
            let (lo, hi) = (significant(lo), significant(hi));
            let target = &self.data.target;
            let name = &self.channels[c].name;
            let meaning = match e.kind {
                EffectKind::Roi => format!(
                    "each unit of {name} spend returns {median} units of {target:?} (90%: {lo} \
                     to {hi}) over the fitted rows"
                ),
                EffectKind::Mroi => format!(
                    "one more unit of {name} spend, spread in proportion, returns {median} units \
                     of {target:?} (90%: {lo} to {hi})"
                ),
                EffectKind::Share => format!(
                    "{name} earns a share {median} of the observed {target:?} (90%: {lo} to \
                     {hi}) over the fitted rows"
                ),
            };
            writeln!(
                f,
                "  {}[{name}] is in the data's units, beta[{name}] derived from it: {meaning}",
                e.kind.key()
            )?;
        }
        Ok(())
    }
}

/// Three significant digits, without trailing noise.
fn significant(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_summary_lists_structure_and_every_prior() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/pymc_marketing_example.toml");
        let shown = ModelSpec::from_file(path).unwrap().to_string();
        for needle in [
            "likelihood: normal",
            "x1 (column \"x1\"): geometric adstock over 8 lags (normalised), logistic saturation",
            "t (column \"t\", unscaled)",
            "seasonality: Fourier order 2, period 365.25 days",
            "sampler: 4 chains x (1000 warm-up + 1000 draws), seed 42",
            "parameters (15)",
        ] {
            assert!(shown.contains(needle), "missing {needle:?} in\n{shown}");
        }
        let alpha = shown
            .lines()
            .find(|l| l.trim_start().starts_with("alpha[x1]"))
            .unwrap();
        assert!(
            alpha.contains("beta(alpha = 1, beta = 3)") && alpha.contains("[0.0170, 0.632]"),
            "{alpha}"
        );
    }

    #[test]
    fn significant_keeps_three_digits() {
        assert_eq!(significant(0.016952), "0.0170");
        assert_eq!(significant(3.2898), "3.29");
        assert_eq!(significant(1234.5), "1234");
    }

    #[test]
    fn an_roi_prior_is_shown_in_the_datas_units() {
        let text = "[data]\ndate = \"week\"\ntarget = \"sales\"\n[[channel]]\nname = \"tv\"\n\
                    roi = { dist = \"log_normal\", mu = 0.2, sigma = 0.9 }\n";
        let shown = ModelSpec::from_toml(text, None).unwrap().to_string();
        let line = shown
            .lines()
            .find(|l| l.trim_start().starts_with("roi[tv]"))
            .unwrap_or_else(|| panic!("{shown}"));
        // log_normal(0.2, 0.9): 90% interval exp(0.2 ± 1.645·0.9).
        assert!(line.contains("[0.278, 5.37]"), "{line}");
        assert!(
            shown.contains("each unit of tv spend returns 1.22 units of \"sales\""),
            "{shown}"
        );
        assert!(!shown.contains("  beta[tv]"), "{shown}");
    }
}
