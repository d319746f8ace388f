//! Cost of one MMM log density + gradient evaluation: PyMC-Marketing's example and a larger model.
//!
//! `cargo bench --bench density`. Two cases:
//! - `example`: `models/pymc_marketing_example.toml` on its real data (179 weeks, 2 channels,
//!   max_lag 8, 3 controls, yearly Fourier order 2; 15 parameters);
//! - `large`: 3 years weekly (156 rows), 10 channels, max_lag 12, 5 controls, Fourier order 2,
//!   built here as a model-file string and a synthetic CSV;
//! - `daily`: 5 years daily (1826 rows), 30 channels, max_lag 30, 5 controls, Fourier order 2:
//!   the scale of issue 17, where the cost per period·channel is the figure to watch;
//! - `daily_lag120`: the same with max_lag 120 (geometric adstock costs O(T), whatever L);
//! - `weekly_hill`: issue 17's weekly Hill model (`models/weekly_hill.toml`: 156 weeks, 4 Hill
//!   channels with geometric adstock, max lags 12/8/8/8, a control, Fourier order 2, trend),
//!   simulated from `models/weekly_hill_truth.toml`;
//! - `panel_geo`: the geo panel of issue 18 (`models/panels/geo.toml`, 20 groups × 104 weeks ×
//!   4 channels, simulated from `geo_truth.toml`);
//! - `panel_meridian_G`: Meridian's failing shape (`models/panels/meridian_size.toml`, 66 weeks ×
//!   36 channels) at G = 20, 50, 100 and 183 groups: the cost against groups.
//!
//! `DENSITY_BENCH=panel` runs the panel cases alone, `DENSITY_BENCH=national` the others,
//! `DENSITY_BENCH=weekly_hill` (any case's name) that case alone.
//!
//! `example` and `large` are timed at 50 draws of a short single-chain run of the sampler (300
//! warm-up), taken in turn; `daily` at 50 points drawn uniformly in (−1, 1) on θ (Stan's
//! initialisation box; a sampler run at this size would dominate the bench), which costs the
//! same arithmetic. Before criterion's wall-clock figures, each case prints its time per evaluation in
//! thread CPU time (fastest of 5 repetitions), which other jobs on a shared machine do not
//! inflate.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use mmm::data::load_dataset_from_reader;
use mmm::panel::{PanelDensity, PanelTruth, read_panel_csv, simulate_panel};
use mmm::simulate::{SimulateOptions, Truth, simulate};
use mmm::transform::Date;
use mmm::{
    DataRequest, Dataset, LogDensity, MmmDensity, ModelSpec, NoProgress, SamplerSettings,
    load_dataset,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Warm-up and kept draws of the short run that gives the points to time at.
const POINT_WARMUP: usize = 300;
const POINTS: usize = 50;
/// Seconds of calls per CPU-time repetition, and repetitions (the fastest is reported).
const CPU_TIMING: f64 = 0.3;
const CPU_REPEATS: usize = 5;
/// Size of the large case.
const LARGE: Size = Size {
    rows: 156,
    channels: 10,
    max_lag: 12,
    controls: 5,
    days_per_row: 7,
};
/// Size of the daily case.
const DAILY: Size = Size {
    rows: 1826,
    channels: 30,
    max_lag: 30,
    controls: 5,
    days_per_row: 1,
};

/// The daily case with four times the max lag: geometric adstock costs the same per period.
const DAILY_LONG_LAG: Size = Size {
    max_lag: 120,
    ..DAILY
};

/// Seed of the simulated panels.
const PANEL_SEED: u64 = 21;
/// Half-width of the box the panel points are drawn from (the panel models' `init_radius`).
const PANEL_BOX: f64 = 0.5;
/// Group counts of the Meridian-shaped panel (66 weeks × 36 channels): the cost against groups.
const PANEL_GROUPS: [usize; 4] = [20, 50, 100, 183];

/// A synthetic case's shape.
#[derive(Clone, Copy)]
struct Size {
    rows: usize,
    channels: usize,
    max_lag: usize,
    controls: usize,
    days_per_row: i64,
}
/// Share of weeks with spend in the synthetic channels (flighted campaigns).
const SPEND_PROBABILITY: f64 = 0.7;
/// Monday 2021-01-04, in days since 1970-01-01.
const FIRST_MONDAY: i64 = 18_631;

fn request(spec: &ModelSpec) -> DataRequest {
    DataRequest {
        date: spec.data.date.clone(),
        target: spec.data.target.clone(),
        channels: spec.channels.iter().map(|c| c.column.clone()).collect(),
        controls: spec.controls.iter().map(|c| c.column.clone()).collect(),
        min_rows: 2,
    }
}

fn example() -> (ModelSpec, Dataset) {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/pymc_marketing_example.toml"
    ));
    let spec = ModelSpec::from_file(&path).expect("example model file");
    let data_path = spec.data.path.clone().expect("example names its data");
    let data = load_dataset(&data_path, &request(&spec)).expect("example data");
    (spec, data)
}

/// A synthetic model file: the example's structure with more channels, lags and controls.
fn synthetic_model(size: Size) -> String {
    let max_lag = size.max_lag;
    let mut toml = String::from(
        "[data]\ndate = \"date\"\ntarget = \"y\"\nscale = \"max\"\n\n\
         [likelihood]\nfamily = \"normal\"\nsigma = { dist = \"half_normal\", sigma = 2.0 }\n\n",
    );
    for c in 0..size.channels {
        toml.push_str(&format!(
            "[[channel]]\nname = \"ch{c}\"\n\
             adstock = {{ type = \"geometric\", max_lag = {max_lag}, normalize = true, \
             alpha = {{ dist = \"beta\", alpha = 1.0, beta = 3.0 }} }}\n\
             saturation = {{ type = \"logistic\", lam = {{ dist = \"gamma\", shape = 3.0, rate = 1.0 }} }}\n\
             beta = {{ dist = \"half_normal\", sigma = 2.0 }}\n\n"
        ));
    }
    for k in 0..size.controls {
        toml.push_str(&format!(
            "[[control]]\ncolumn = \"z{k}\"\ncoef = {{ dist = \"normal\", mu = 0.0, sigma = 2.0 }}\n\n"
        ));
    }
    toml.push_str(
        "[intercept]\nprior = { dist = \"normal\", mu = 0.0, sigma = 2.0 }\n\n\
         [seasonality]\norder = 2\nperiod = 365.25\nprior = { dist = \"laplace\", mu = 0.0, b = 1.0 }\n\n\
         [trend]\ntype = \"none\"\n",
    );
    toml
}

/// Synthetic data for a synthetic model: positive target, flighted spend, ±1 controls.
fn synthetic_csv(size: Size) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut csv = String::from("date,y");
    for c in 0..size.channels {
        csv.push_str(&format!(",ch{c}"));
    }
    for k in 0..size.controls {
        csv.push_str(&format!(",z{k}"));
    }
    csv.push('\n');
    for t in 0..size.rows {
        let date = Date::from_days_since_epoch(FIRST_MONDAY + size.days_per_row * t as i64);
        csv.push_str(&format!("{date},{}", 1000.0 + rng.random_range(0.0..500.0)));
        for _ in 0..size.channels {
            let on = rng.random_range(0.0..1.0) < SPEND_PROBABILITY;
            let v = if on {
                rng.random_range(0.0..1000.0)
            } else {
                0.0
            };
            csv.push_str(&format!(",{v}"));
        }
        for _ in 0..size.controls {
            csv.push_str(&format!(",{}", rng.random_range(-1.0..1.0)));
        }
        csv.push('\n');
    }
    csv
}

/// Issue 17's weekly Hill model on data simulated from its truth file.
fn weekly_hill() -> (ModelSpec, Dataset) {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models"));
    let spec = ModelSpec::from_file(dir.join("weekly_hill.toml")).expect("weekly Hill model");
    let truth = Truth::from_file(&dir.join("weekly_hill_truth.toml"), &spec).expect("its truth");
    let sim = simulate(&spec, &truth, &SimulateOptions::default()).expect("simulation");
    (sim.spec, sim.data)
}

fn synthetic(size: Size) -> (ModelSpec, Dataset) {
    let spec = ModelSpec::from_toml(&synthetic_model(size), None).expect("synthetic model file");
    let csv = synthetic_csv(size);
    let data = load_dataset_from_reader(csv.as_bytes(), "synthetic.csv", &request(&spec))
        .expect("synthetic data");
    (spec, data)
}

/// Points drawn uniformly in (−1, 1) on θ.
fn box_points(density: &MmmDensity) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    (0..POINTS)
        .map(|_| {
            (0..density.dim())
                .map(|_| rng.random_range(-1.0..1.0))
                .collect()
        })
        .collect()
}

/// A short single-chain run, for points the sampler actually visits.
fn posterior_points(density: &MmmDensity) -> Vec<Vec<f64>> {
    let settings = SamplerSettings {
        chains: 1,
        warmup: POINT_WARMUP,
        draws: POINTS,
        seed: 1,
        ..SamplerSettings::default()
    };
    let samples = mmm::sample(density, &settings, &NoProgress).expect("short posterior run");
    let dim = density.dim();
    samples.chains[0]
        .draws
        .chunks_exact(dim)
        .map(<[f64]>::to_vec)
        .collect()
}

/// CPU time of the calling thread (Linux `/proc/thread-self/schedstat`, nanoseconds on the
/// CPU), so that other jobs on a shared machine do not inflate the figure; `None` elsewhere.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

/// Seconds per evaluation over `CPU_TIMING` seconds of calls cycling through `points`: thread
/// CPU time where Linux reports it (the clock ticks coarsely, hence the long interval), wall
/// time otherwise. The fastest of `CPU_REPEATS` repetitions.
fn seconds_per_eval<D: LogDensity>(density: &mut D, points: &[Vec<f64>]) -> (f64, &'static str) {
    let mut grad = vec![0.0; density.dim()];
    let cpu_start = thread_cpu_seconds();
    let clock_name = if cpu_start.is_some() {
        "thread CPU"
    } else {
        "wall"
    };
    let elapsed = |cpu0: Option<f64>, wall0: Instant| match (cpu0, thread_cpu_seconds()) {
        (Some(a), Some(b)) => b - a,
        _ => wall0.elapsed().as_secs_f64(),
    };
    let best = (0..CPU_REPEATS)
        .map(|_| {
            let (cpu0, wall0) = (thread_cpu_seconds(), Instant::now());
            let mut calls = 0_u32;
            while elapsed(cpu0, wall0) < CPU_TIMING {
                for q in points {
                    let _ = black_box(density.logp_grad(black_box(q), black_box(&mut grad)));
                    calls += 1;
                }
            }
            elapsed(cpu0, wall0) / f64::from(calls)
        })
        .fold(f64::INFINITY, f64::min);
    (best, clock_name)
}

fn bench_case(
    c: &mut Criterion,
    name: &str,
    (spec, data): (ModelSpec, Dataset),
    points_of: fn(&MmmDensity) -> Vec<Vec<f64>>,
) {
    let mut density = MmmDensity::new(&spec, &data).expect("density");
    let dim = density.dim();
    let points = points_of(&density);
    let label = format!(
        "logp_grad/{name} (T={}, channels={}, dim={dim})",
        data.n_periods(),
        spec.channels.len()
    );
    let (t, clock) = seconds_per_eval(&mut density, &points);
    let per_cell = t * 1e9 / (data.n_periods() * spec.channels.len()) as f64;
    eprintln!(
        "{label}: {:.2} µs per evaluation, {per_cell:.2} ns per period·channel ({clock} time, \
         fastest of {CPU_REPEATS} x {CPU_TIMING} s, {} points)",
        t * 1e6,
        points.len()
    );
    let mut grad = vec![0.0; dim];
    let mut k = 0;
    c.bench_function(&label, |b| {
        b.iter(|| {
            k = (k + 1) % points.len();
            density.logp_grad(black_box(&points[k]), black_box(&mut grad))
        })
    });
}

/// A simulated panel: `model` and `truth` under `models/panels/`, the truth's group count
/// replaced by `groups` when given.
fn panel(model: &str, truth: &str, groups: Option<usize>) -> (PanelDensity, usize, usize) {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models/panels"));
    let spec = ModelSpec::from_file(dir.join(model)).expect("panel model file");
    let text = std::fs::read_to_string(dir.join(truth)).expect("panel truth file");
    let mut truth = PanelTruth::from_toml(&text).expect("panel truth");
    if let Some(g) = groups {
        truth.groups = g;
    }
    let sim = simulate_panel(&spec, &truth, PANEL_SEED).expect("panel simulation");
    let data = read_panel_csv(&spec, &sim.csv).expect("simulated panel data");
    let density = PanelDensity::new(&spec, &data).expect("panel density");
    (density, truth.groups * truth.periods, spec.channels.len())
}

/// Points drawn uniformly in (−`PANEL_BOX`, `PANEL_BOX`) on θ (the panel models' init radius).
fn panel_points(density: &PanelDensity) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    (0..POINTS)
        .map(|_| {
            (0..density.dim())
                .map(|_| rng.random_range(-PANEL_BOX..PANEL_BOX))
                .collect()
        })
        .collect()
}

fn bench_panel(
    c: &mut Criterion,
    name: &str,
    (mut density, rows, channels): (PanelDensity, usize, usize),
) {
    let dim = density.dim();
    let points = panel_points(&density);
    let label = format!("logp_grad/{name} (rows={rows}, channels={channels}, dim={dim})");
    let (t, clock) = seconds_per_eval(&mut density, &points);
    let per_cell = t * 1e9 / (rows * channels) as f64;
    eprintln!(
        "{label}: {:.2} µs per evaluation, {per_cell:.2} ns per group·period·channel ({clock} \
         time, fastest of {CPU_REPEATS} x {CPU_TIMING} s, {} points)",
        t * 1e6,
        points.len()
    );
    let mut grad = vec![0.0; dim];
    let mut k = 0;
    c.bench_function(&label, |b| {
        b.iter(|| {
            k = (k + 1) % points.len();
            density.logp_grad(black_box(&points[k]), black_box(&mut grad))
        })
    });
}

fn bench(c: &mut Criterion) {
    // `DENSITY_BENCH=panel` runs the panel cases alone, `national` the others, a case's name
    // (`weekly_hill`) that case alone.
    let only = std::env::var("DENSITY_BENCH").unwrap_or_default();
    let national = |name: &str| only.is_empty() || only == "national" || only == name;
    if national("example") {
        bench_case(c, "example", example(), posterior_points);
    }
    if national("large") {
        bench_case(c, "large", synthetic(LARGE), posterior_points);
    }
    if national("weekly_hill") {
        bench_case(c, "weekly_hill", weekly_hill(), posterior_points);
    }
    if national("daily") {
        bench_case(c, "daily", synthetic(DAILY), box_points);
    }
    if national("daily_lag120") {
        bench_case(c, "daily_lag120", synthetic(DAILY_LONG_LAG), box_points);
    }
    if only.is_empty() || only == "panel" {
        bench_panel(c, "panel_geo", panel("geo.toml", "geo_truth.toml", None));
        for groups in PANEL_GROUPS {
            bench_panel(
                c,
                &format!("panel_meridian_{groups}"),
                panel(
                    "meridian_size.toml",
                    "meridian_size_truth.toml",
                    Some(groups),
                ),
            );
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
