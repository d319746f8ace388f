//! One simulation: true parameters (given or drawn from the prior), spend and controls from
//! their designs, and the outcome from the model's own forward pass and observation noise.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::data::{Dataset, load_dataset_from_reader};
use crate::density::{Decomposition, DensityOptions, MmmDensity};
use crate::fit::data_request;
use crate::fitdir::ENGINE_VERSION;
use crate::spec::{EffectKind, LiftLikelihood, ModelSpec, ParamKind, TrendSpec};
use crate::transform::Date;

use super::error::SimulateError;
use super::record::{ChannelTruth, ComponentTruth, ControlTruth, ParamTruth, TruthRecord, rescale};
use super::truth::{DEFAULT_PERIODS, DEFAULT_SEED, Truth};

/// The name simulated data carry in messages before they are written.
const SOURCE: &str = "simulated data";

/// Command-line overrides of the truth file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimulateOptions {
    /// Number of periods (overrides `periods`).
    pub periods: Option<usize>,
    /// Random seed (overrides `seed`).
    pub seed: Option<u64>,
}

/// A simulated data set with its truth.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The model, its `[data] path` pointing at `data.csv`, and each of its lift tests'
    /// `lift` simulated from the true parameters (same rows, windows, spend changes and
    /// `lift_sd`).
    pub spec: ModelSpec,
    /// The simulated data.
    pub data: Dataset,
    /// The true constrained parameters in model order, on the simulation's target scale.
    pub params: Vec<f64>,
    /// Everything `truth.json` records.
    pub truth: TruthRecord,
}

/// Simulate a data set from `spec` with the true values and designs of `truth`.
///
/// Parameters are drawn from their priors first (all of them, so that fixing one value does
/// not change the draws of the others), given values replace their draws; then spend, then
/// controls, then the observation noise, all from one stream seeded by the seed. The outcome
/// comes from [`MmmDensity::decompose`] and [`MmmDensity::predictive_draw`] on a density whose
/// target scale is `truth.target_scale`, so simulation and fit share one forward pass.
pub fn simulate(
    spec: &ModelSpec,
    truth: &Truth,
    options: &SimulateOptions,
) -> Result<Simulation, SimulateError> {
    let n = options.periods.or(truth.periods).unwrap_or(DEFAULT_PERIODS);
    let seed = options.seed.or(truth.seed).unwrap_or(DEFAULT_SEED);
    let infos = spec.parameters();
    let longest = spec
        .channels
        .iter()
        .map(|c| c.adstock.max_lag)
        .max()
        .unwrap_or(1);
    let needed = (infos.len() + 1).max(longest);
    if n < needed {
        return Err(SimulateError::TooFewPeriods {
            origin: truth.origin.clone(),
            periods: n,
            needed,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let drawn: Vec<f64> = infos.iter().map(|p| p.prior.sample(&mut rng)).collect();
    let params: Vec<f64> = drawn
        .iter()
        .zip(&truth.parameters)
        .map(|(d, given)| given.unwrap_or(*d))
        .collect();

    let first = truth.start.days_since_epoch();
    let dates: Vec<Date> = (0..n)
        .map(|t| Date::from_days_since_epoch(first + t as i64 * i64::from(truth.period_days)))
        .collect();
    let day_of_year: Vec<f64> = dates.iter().map(|d| f64::from(d.day_of_year())).collect();
    let mut spend = vec![vec![0.0; n]; spec.channels.len()];
    for (design, series) in truth.channels.iter().zip(spend.iter_mut()) {
        design.generate(&day_of_year, &mut rng, series);
    }
    let mut controls = vec![vec![0.0; n]; spec.controls.len()];
    for (design, series) in truth.controls.iter().zip(controls.iter_mut()) {
        design.generate(&mut rng, series);
    }

    // Any varying positive target will do before the outcome exists: the target scale is fixed.
    let placeholder: Vec<f64> = (1..=n).map(|t| t as f64).collect();
    let data = dataset(spec, &dates, &placeholder, &spend, &controls)?;
    let options = DensityOptions {
        target_scale: Some(truth.target_scale),
        ..DensityOptions::default()
    };
    let mut density = MmmDensity::with_options(spec, &data, &options)?;
    // A coefficient drawn from an ROI or marginal-ROI prior is that quantity: derive β from it
    // on this spend (a coefficient the truth file gives is β itself).
    let mut params = params;
    let beta_given: Vec<bool> = spec
        .channels
        .iter()
        .enumerate()
        .map(|(c, _)| {
            infos
                .iter()
                .zip(&truth.parameters)
                .any(|(p, given)| p.kind == ParamKind::Beta && p.index == c && given.is_some())
        })
        .collect();
    if let Some((_, ch)) =
        spec.channels.iter().enumerate().find(|(c, ch)| {
            !beta_given[*c] && ch.effect.is_some_and(|e| e.kind == EffectKind::Share)
        })
    {
        return Err(SimulateError::SharePrior {
            channel: ch.name.clone(),
        });
    }
    density.derive_betas(&mut params, |c| beta_given[c]);
    let mut dec = Decomposition::default();
    density.decompose(&params, &mut dec);
    let mut y = vec![0.0; n];
    density.predictive_draw(&params, &mut rng, &mut y);
    if let Some((t, v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(SimulateError::NotFinite {
            period: t + 1,
            value: *v,
        });
    }
    // Each lift test's measured lift, drawn around the true parameters' lift as the lift
    // likelihood has it (after the outcome, so models without lift tests draw as before).
    let lifts = density.model_lifts(&params);
    let mut out_spec = spec.clone();
    if let Some(cal) = &mut out_spec.calibration {
        for (test, model) in cal.tests.iter_mut().zip(lifts) {
            test.lift = model + test.lift_sd * lift_noise(cal.likelihood, &mut rng);
        }
    }
    let data = dataset(spec, &dates, &y, &spend, &controls)?;
    let fit_target_scale = MmmDensity::new(spec, &data)?.scales().target;

    let parameters = infos
        .iter()
        .zip(&params)
        .zip(&truth.parameters)
        .map(|((p, v), given)| ParamTruth {
            name: p.name.clone(),
            value: rescale(
                p.kind,
                &spec.likelihood.family,
                *v,
                truth.target_scale,
                fit_target_scale,
            ),
            value_simulated: *v,
            from_prior: given.is_none(),
        })
        .collect();
    let fitted_total: f64 = dec.fitted.iter().sum();
    let channels = spec
        .channels
        .iter()
        .enumerate()
        .map(|(c, ch)| {
            let total_spend: f64 = data.channel(c).iter().sum();
            let contribution: f64 = dec.channels[c].iter().sum();
            ChannelTruth {
                name: ch.name.clone(),
                column: ch.column.clone(),
                design: truth.channels[c],
                spend: total_spend,
                contribution,
                roas: contribution / total_spend,
                mroas: dec.mroas[c],
                share: contribution / fitted_total,
            }
        })
        .collect();
    let controls_truth = spec
        .controls
        .iter()
        .zip(&truth.controls)
        .map(|(ctl, design)| ControlTruth {
            name: ctl.name.clone(),
            column: ctl.column.clone(),
            design: *design,
        })
        .collect();
    let record = TruthRecord {
        engine_version: ENGINE_VERSION.to_string(),
        model: spec.origin(),
        truth: truth.origin.clone(),
        seed,
        periods: n,
        target_scale: truth.target_scale,
        fit_target_scale,
        parameters,
        channels,
        controls: controls_truth,
        dates: data.dates().to_vec(),
        contributions: components(spec, dec, y),
    };
    out_spec.data.path = Some(super::output::DATA_FILE.into());
    Ok(Simulation {
        spec: out_spec,
        data,
        params,
        truth: record,
    })
}

/// A standard draw of the lift likelihood's noise: Normal(0, 1) or Student-t(ν).
fn lift_noise<R: rand::Rng + ?Sized>(likelihood: LiftLikelihood, rng: &mut R) -> f64 {
    use rand_distr::{Distribution, StandardNormal, StudentT};
    match likelihood {
        LiftLikelihood::Normal => StandardNormal.sample(rng),
        LiftLikelihood::StudentT { nu } => StudentT::new(nu).map_or(f64::NAN, |t| t.sample(rng)),
    }
}

/// The decomposition as named per-period series.
fn components(spec: &ModelSpec, dec: Decomposition, observed: Vec<f64>) -> Vec<ComponentTruth> {
    let piece = |name: &str, values: Vec<f64>| ComponentTruth {
        component: name.to_string(),
        values,
    };
    let mut out: Vec<ComponentTruth> = spec
        .channels
        .iter()
        .zip(dec.channels)
        .map(|(ch, v)| piece(&ch.name, v))
        .collect();
    out.push(piece("intercept", dec.intercept));
    if !matches!(spec.trend, TrendSpec::None) {
        out.push(piece("trend", dec.trend));
    }
    if spec.seasonality.is_some() {
        out.push(piece("seasonality", dec.seasonality));
    }
    out.extend(
        spec.controls
            .iter()
            .zip(dec.controls)
            .map(|(ctl, v)| piece(&ctl.name, v)),
    );
    out.push(piece("baseline", dec.baseline));
    out.push(piece("fitted", dec.fitted));
    out.push(piece("observed", observed));
    out
}

/// A data set with the model's columns, through the same checks as a data file.
fn dataset(
    spec: &ModelSpec,
    dates: &[Date],
    target: &[f64],
    spend: &[Vec<f64>],
    controls: &[Vec<f64>],
) -> Result<Dataset, SimulateError> {
    let req = data_request(spec);
    let mut csv = format!("{},{}", req.date, req.target);
    for name in req.channels.iter().chain(&req.controls) {
        csv.push(',');
        csv.push_str(name);
    }
    csv.push('\n');
    for (t, date) in dates.iter().enumerate() {
        csv.push_str(&format!("{date},{}", target[t]));
        for series in spend.iter().chain(controls) {
            csv.push_str(&format!(",{}", series[t]));
        }
        csv.push('\n');
    }
    Ok(load_dataset_from_reader(csv.as_bytes(), SOURCE, &req)?)
}
