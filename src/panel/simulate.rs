//! Simulated panel data from a truth file: spend and controls per group, group coefficients
//! drawn from the hierarchy, the outcome drawn through the panel density's own forward pass;
//! the truth (every parameter, `beta[c,g]`, ROAS, % lifts) is returned beside the data.
//!
//! A panel truth file (TOML) states the parameters on the model's scaled space:
//!
//! ```toml
//! groups = 20             # number of groups
//! periods = 104           # weeks per group
//! target_scale = 1000.0   # s_y: the outcome is (scaled outcome) × s_y × population
//! sigma = 0.05
//! intercept = { mean = 0.3, sd = 0.1 }   # per-group intercepts ~ normal(mean, sd)
//! trend = 0.0             # every group's trend (linear-trend models)
//! [channel.tv]            # shared transforms, and the hierarchy of the coefficients
//! alpha = 0.5
//! lam = 2.0               # or k = 0.5, s = 1.0 for Hill; theta / shape / scale for others
//! beta_mu = -1.5
//! beta_sigma = 0.3
//! spend = 100.0           # mean spend per period and unit of population
//! [control]
//! promo = 0.1             # gamma of each control (controls are drawn as 0/1 indicators)
//! [interaction]
//! "search:social" = 0.2   # gamma of each [[interaction]], by label
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal, StudentT};
use serde::{Deserialize, Serialize};

use crate::posterior::PosteriorDraws;
use crate::spec::ModelSpec;
use crate::transform::Date;

use super::density::PanelDensity;
use super::derive::{LiftRow, PanelRoasRow, derive};
use super::error::PanelError;
use super::layout::PanelLayout;
use super::run::load_panel_data;

/// A channel's truth.
#[derive(Debug, Clone, Deserialize)]
pub struct ChannelTruth {
    /// Shared transform parameters by name (`alpha`, `theta`, `shape`, `scale`, `k`, `s`,
    /// `lam`), then `beta_mu`, `beta_sigma`.
    #[serde(flatten)]
    pub params: BTreeMap<String, f64>,
}

/// Per-group intercepts ~ normal(mean, sd).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterceptTruth {
    /// Mean.
    pub mean: f64,
    /// Spread across groups.
    pub sd: f64,
}

/// The truth file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelTruth {
    /// Number of groups.
    pub groups: usize,
    /// Periods per group.
    pub periods: usize,
    /// s_y.
    #[serde(default = "one")]
    pub target_scale: f64,
    /// Observation scale on the scaled space.
    pub sigma: f64,
    /// Per-group intercepts.
    pub intercept: InterceptTruth,
    /// Every group's trend coefficient.
    #[serde(default)]
    pub trend: f64,
    /// Degrees of freedom of Student-t noise when the model samples ν (default 10).
    #[serde(default = "ten")]
    pub nu: f64,
    /// Channels by name.
    pub channel: BTreeMap<String, ChannelTruth>,
    /// Control coefficients by name.
    #[serde(default)]
    pub control: BTreeMap<String, f64>,
    /// Interaction coefficients by label `a:b`.
    #[serde(default)]
    pub interaction: BTreeMap<String, f64>,
}

/// 2022-01-03, a Monday: the first simulated week.
const FIRST_MONDAY: i64 = 18_995;

fn one() -> f64 {
    1.0
}

fn ten() -> f64 {
    10.0
}

/// A simulated panel and its truth.
#[derive(Debug, Clone)]
pub struct SimulatedPanel {
    /// The long-format CSV.
    pub csv: String,
    /// True constrained parameters by name, the derived `beta[c,g]` included.
    pub truth: BTreeMap<String, f64>,
    /// The target scale the truth is stated on.
    pub target_scale: f64,
    /// True ROAS per channel in total.
    pub roas: Vec<PanelRoasRow>,
    /// True ROAS per group and channel.
    pub roas_by_group: Vec<PanelRoasRow>,
    /// True % lifts (log-outcome models).
    pub lifts: Vec<LiftRow>,
}

/// `truth.json` of a panel simulation: what `mmm validate` compares a fit with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PanelTruthRecord {
    /// The target scale the parameters are stated on.
    pub target_scale: f64,
    /// True constrained parameters by name, the derived `beta[c,g]` included.
    pub parameters: BTreeMap<String, f64>,
    /// True ROAS per channel over all groups (`roas_mean` is the value).
    pub roas: Vec<PanelRoasRow>,
    /// True ROAS per channel and group.
    pub roas_by_group: Vec<PanelRoasRow>,
    /// True % lifts (log-outcome models; `lift_pct_mean` is the value).
    #[serde(default)]
    pub lift: Vec<LiftRow>,
}

/// The name of a panel simulation's truth file.
pub const PANEL_TRUTH_FILE: &str = "truth.json";

/// Read `SIM_DIR/truth.json` written by `mmm simulate` on a panel model.
pub fn read_panel_truth(sim_dir: &std::path::Path) -> Result<PanelTruthRecord, PanelError> {
    let path = sim_dir.join(PANEL_TRUTH_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        PanelError::Invalid(format!(
            "{}: cannot read it ({e}); give a folder written by `mmm simulate` on a panel model",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        PanelError::Invalid(format!(
            "{}: not a panel truth file ({e}); rerun `mmm simulate` on the panel model",
            path.display()
        ))
    })
}

impl SimulatedPanel {
    /// The truth as `truth.json` holds it.
    pub fn record(&self) -> PanelTruthRecord {
        PanelTruthRecord {
            target_scale: self.target_scale,
            parameters: self.truth.clone(),
            roas: self.roas.clone(),
            roas_by_group: self.roas_by_group.clone(),
            lift: self.lifts.clone(),
        }
    }
}

impl PanelTruth {
    /// Parse a truth file's text.
    pub fn from_toml(text: &str) -> Result<PanelTruth, PanelError> {
        toml::from_str(text).map_err(|e| PanelError::Invalid(format!("truth file: {e}")))
    }
}

/// Simulate `spec` (a panel model) from `truth` with `seed`.
pub fn simulate_panel(
    spec: &ModelSpec,
    truth: &PanelTruth,
    seed: u64,
) -> Result<SimulatedPanel, PanelError> {
    simulate_panel_with(spec, truth, seed, &mut |density, rng| {
        true_point(density, truth, rng)
    })
}

/// Draws the constrained parameter vector a panel simulation runs at.
pub type PanelPointFn<'a> =
    dyn FnMut(&PanelDensity, &mut ChaCha8Rng) -> Result<Vec<f64>, PanelError> + 'a;

/// Simulate `spec` with the data design of `truth` (groups, periods, target scale, spend),
/// at the constrained parameter vector `point` returns (θ order of the density it is given;
/// SBC draws it from the prior). The noise scale and ν are the point's.
pub fn simulate_panel_with(
    spec: &ModelSpec,
    truth: &PanelTruth,
    seed: u64,
    point: &mut PanelPointFn<'_>,
) -> Result<SimulatedPanel, PanelError> {
    let p = spec.panel.as_ref().ok_or(PanelError::NotAPanel)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (n_g, n_t) = (truth.groups, truth.periods);
    let mut populations = Vec::with_capacity(n_g);
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for _ in 0..n_g {
        let pop = if p.population.is_some() {
            (rng.random::<f64>() * 1.5 + 0.5) * 1000.0
        } else {
            1.0
        };
        populations.push(pop);
        let levels: Vec<f64> = spec
            .channels
            .iter()
            .map(|ch| {
                let mean = channel_value(truth, &ch.name, "spend").unwrap_or(100.0);
                mean * pop * (0.5 + rng.random::<f64>())
            })
            .collect();
        for _ in 0..n_t {
            let mut row = Vec::new();
            for level in &levels {
                let z: f64 = StandardNormal.sample(&mut rng);
                let on = rng.random::<f64>() > 0.1;
                row.push(if on { level * (0.6 * z).exp() } else { 0.0 });
            }
            for _ in &spec.controls {
                row.push(f64::from(u8::from(rng.random::<f64>() < 0.4)));
            }
            rows.push(row);
        }
    }
    let write = |ys: &[f64]| -> String {
        let mut s = format!("{},{},{}", spec.data.date, p.group, spec.data.target);
        for ch in &spec.channels {
            let _ = write!(s, ",{}", ch.column);
        }
        for ctl in &spec.controls {
            let _ = write!(s, ",{}", ctl.column);
        }
        if let Some(pop) = &p.population {
            let _ = write!(s, ",{pop}");
        }
        s.push('\n');
        for (g, population) in populations.iter().enumerate() {
            for t in 0..n_t {
                let r = g * n_t + t;
                let date = Date::from_days_since_epoch(FIRST_MONDAY + 7 * t as i64);
                let _ = write!(s, "{date},{},{}", group_label(g), ys[r]);
                for v in &rows[r] {
                    let _ = write!(s, ",{v}");
                }
                if p.population.is_some() {
                    let _ = write!(s, ",{population}");
                }
                s.push('\n');
            }
        }
        s
    };
    // A placeholder outcome to lay the panel out; the density's scales then come from the
    // truth, not from it.
    let placeholder: Vec<f64> = (0..n_g * n_t).map(|r| 1.0 + (r % 7) as f64).collect();
    let panel = read_panel_csv(spec, &write(&placeholder))?;
    let mut density = PanelDensity::with_target_scale(spec, &panel, Some(truth.target_scale))?;
    let x = point(&density, &mut rng)?;
    if x.len() != density.param_names().len() {
        return Err(PanelError::Invalid("truth of the wrong width".into()));
    }
    density.forward(&x);
    let log = spec.likelihood.family == crate::spec::Likelihood::LogNormal;
    let lay = &density.layout;
    let sigma = x[lay.sigma_idx];
    // Student-t noise for a Student-t likelihood (ν the point's, or the model's fixed ν).
    let student = (lay.family == crate::density::Family::StudentT)
        .then(|| StudentT::new(lay.nu.map_or(lay.fixed_nu, |i| x[i])))
        .transpose()
        .map_err(|e| PanelError::Invalid(format!("Student-t noise: {e}")))?;
    let ys: Vec<f64> = (0..n_g * n_t)
        .map(|r| {
            let e: f64 = match &student {
                Some(t) => t.sample(&mut rng),
                None => StandardNormal.sample(&mut rng),
            };
            let m = density.mu[r] + sigma * e;
            let unit = truth.target_scale * populations[r / n_t];
            if log { m.exp() * unit } else { m * unit }
        })
        .collect();
    let csv = write(&ys);
    let names = density.param_names();
    let one = PosteriorDraws::from_constrained(names.clone(), &[vec![x.clone()]])
        .ok_or_else(|| PanelError::Invalid("truth of the wrong width".into()))?;
    let derived = derive(spec, &density, &one);
    let mut map: BTreeMap<String, f64> = names.into_iter().zip(x).collect();
    for (name, v) in derived.names.iter().zip(&derived.values[0]) {
        map.insert(name.clone(), *v);
    }
    Ok(SimulatedPanel {
        csv,
        truth: map,
        target_scale: truth.target_scale,
        roas: derived.roas,
        roas_by_group: derived.roas_by_group,
        lifts: derived.lifts,
    })
}

fn channel_value(truth: &PanelTruth, channel: &str, key: &str) -> Option<f64> {
    truth.channel.get(channel)?.params.get(key).copied()
}

/// The label of simulated group `g` (0-based): `g01`, `g02`, ...
fn group_label(g: usize) -> String {
    format!("g{:02}", g + 1)
}

/// Parameter names (θ order) of `spec` on a simulated panel of `groups` groups.
pub fn panel_param_names(spec: &ModelSpec, groups: usize) -> Vec<String> {
    let labels: Vec<String> = (0..groups).map(group_label).collect();
    PanelLayout::new(spec, &labels)
        .params
        .into_iter()
        .map(|p| p.name)
        .collect()
}

/// Read the long-format CSV text `csv` (a simulated panel) as the data of `spec`.
pub fn read_panel_csv(spec: &ModelSpec, csv: &str) -> Result<crate::data::PanelData, PanelError> {
    let dir = std::env::temp_dir().join(format!(
        "mmm-panel-sim-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).map_err(|e| PanelError::Invalid(e.to_string()))?;
    let path = dir.join("panel.csv");
    let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(csv.as_bytes()));
    let out = written
        .map_err(|e| PanelError::Invalid(e.to_string()))
        .and_then(|()| load_panel_data(spec, &path));
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// The true constrained parameter vector: named values from the truth, group offsets
/// `beta_z` and intercepts drawn.
fn true_point(
    density: &PanelDensity,
    truth: &PanelTruth,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<f64>, PanelError> {
    let mut x = Vec::with_capacity(density.param_names().len());
    for name in density.param_names() {
        let (head, label) = match name.split_once('[') {
            Some((h, rest)) => (h, rest.trim_end_matches(']')),
            None => (name.as_str(), ""),
        };
        let missing = || PanelError::Invalid(format!("truth file: no value for {name}"));
        let v = match head {
            "beta_z" => StandardNormal.sample(rng),
            "intercept" => {
                let z: f64 = StandardNormal.sample(rng);
                truth.intercept.mean + truth.intercept.sd * z
            }
            "trend" => truth.trend,
            "sigma" => truth.sigma,
            "nu" => truth.nu,
            "fourier" => 0.0,
            "gamma" => *truth.control.get(label).ok_or_else(missing)?,
            "interaction" => *truth.interaction.get(label).ok_or_else(missing)?,
            _ => channel_value(truth, label, head).ok_or_else(missing)?,
        };
        x.push(v);
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model whose mean is the intercept alone (channel effects ~ e^-30), so the scaled
    /// outcome minus the intercept is the noise itself.
    fn noise(likelihood: &str) -> Vec<f64> {
        let model = format!(
            "[data]\ndate = \"week\"\ntarget = \"y\"\ngroup = \"geo\"\n{likelihood}\
             [[channel]]\nname = \"tv\"\n"
        );
        let spec = ModelSpec::from_toml(&model, None).unwrap();
        let truth = PanelTruth::from_toml(
            "groups = 10\nperiods = 400\nsigma = 0.1\nnu = 3.0\n\
             intercept = { mean = 5.0, sd = 0.0 }\n\
             [channel.tv]\nalpha = 0.5\nlam = 1.0\nbeta_mu = -30.0\nbeta_sigma = 0.01\n",
        )
        .unwrap();
        let sim = simulate_panel(&spec, &truth, 3).unwrap();
        sim.csv
            .lines()
            .skip(1)
            .map(|l| (l.split(',').nth(2).unwrap().parse::<f64>().unwrap() - 5.0) / 0.1)
            .collect()
    }

    fn tail_share(e: &[f64], beyond: f64) -> f64 {
        e.iter().filter(|v| v.abs() > beyond).count() as f64 / e.len() as f64
    }

    #[test]
    fn student_t_noise_has_student_t_tails() {
        // P(|t_3| > 4) = 0.0280 and P(|t_3| > 2) = 0.1393; a normal gives 6e-5 and 0.0455.
        let t = noise(
            "[likelihood]\nfamily = \"student_t\"\nnu = { dist = \"gamma\", shape = 2.0, rate = 0.1 }\n",
        );
        assert_eq!(t.len(), 4000);
        let (p4, p2) = (tail_share(&t, 4.0), tail_share(&t, 2.0));
        assert!((0.018..0.040).contains(&p4), "P(|e| > 4) = {p4}");
        assert!((0.12..0.16).contains(&p2), "P(|e| > 2) = {p2}");
        // A fixed ν is used as given.
        let t = noise("[likelihood]\nfamily = \"student_t\"\nnu = 3.0\n");
        assert!((0.018..0.040).contains(&tail_share(&t, 4.0)));
    }

    #[test]
    fn normal_noise_stays_normal() {
        let e = noise("");
        let p2 = tail_share(&e, 2.0);
        assert!((0.035..0.057).contains(&p2), "P(|e| > 2) = {p2}");
        assert!(tail_share(&e, 4.0) < 0.002);
    }
}
