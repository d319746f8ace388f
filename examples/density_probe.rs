//! Our side of `benches/jax_compare.py`: one MMM density's inputs, its log density and gradient
//! at seeded points, and the cost of one `logp_grad`, as JSON on stdout.
//!
//! `cargo run --release --example density_probe -- MODEL.toml [DATA.csv]` (the model file's own
//! data unless DATA.csv is given; lift tests of `[calibration]` included), or
//! `-- --synthetic ROWS CHANNELS MAX_LAG` (daily synthetic data: geometric adstock, logistic
//! saturation, 5 controls, yearly Fourier order 2, like `benches/density.rs`'s `daily` case).
//!
//! The JSON holds what another implementation needs to build the same density: the parameters
//! in θ order with their priors and supports, the scaled target, spend and controls, the days
//! of year, the model file's text; then 20 points θ drawn uniformly in (−1, 1), the log density
//! and gradient there, and the seconds per `logp_grad` (thread CPU time, fastest of 5
//! repetitions of 0.3 s cycling through the points). The clock is read once per batch of calls
//! lasting about a millisecond: reading thread CPU time costs a few microseconds, as much as
//! one evaluation of a small model, and would be counted in the evaluation's cost otherwise.

use std::time::Instant;

use mmm::data::load_dataset_from_reader;
use mmm::density::DensityOptions;
use mmm::fit::data_request;
use mmm::transform::Date;
use mmm::{LogDensity, MmmDensity, ModelSpec, load_dataset};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

const POINTS: usize = 20;
const TIMING_SECONDS: f64 = 0.3;
const REPEATS: usize = 5;
/// Calls between two readings of the clock aim at this many seconds (about 1 000 calls of the
/// PyMC-Marketing example, 6 of the daily model).
const BATCH_SECONDS: f64 = 1e-3;
const CONTROLS: usize = 5;
/// Monday 2021-01-04, in days since 1970-01-01.
const FIRST_DAY: i64 = 18_631;

fn synthetic(rows: usize, channels: usize, max_lag: usize) -> (String, String) {
    let mut toml = String::from(
        "[data]\ndate = \"date\"\ntarget = \"y\"\nscale = \"max\"\n\n\
         [likelihood]\nfamily = \"normal\"\nsigma = { dist = \"half_normal\", sigma = 2.0 }\n\n",
    );
    for c in 0..channels {
        toml.push_str(&format!(
            "[[channel]]\nname = \"ch{c}\"\n\
             adstock = {{ type = \"geometric\", max_lag = {max_lag}, normalize = true, \
             alpha = {{ dist = \"beta\", alpha = 1.0, beta = 3.0 }} }}\n\
             saturation = {{ type = \"logistic\", lam = {{ dist = \"gamma\", shape = 3.0, rate = 1.0 }} }}\n\
             beta = {{ dist = \"half_normal\", sigma = 2.0 }}\n\n"
        ));
    }
    for k in 0..CONTROLS {
        toml.push_str(&format!(
            "[[control]]\ncolumn = \"z{k}\"\ncoef = {{ dist = \"normal\", mu = 0.0, sigma = 2.0 }}\n\n"
        ));
    }
    toml.push_str(
        "[intercept]\nprior = { dist = \"normal\", mu = 0.0, sigma = 2.0 }\n\n\
         [seasonality]\norder = 2\nperiod = 365.25\nprior = { dist = \"laplace\", mu = 0.0, b = 1.0 }\n\n\
         [trend]\ntype = \"none\"\n",
    );
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut csv = String::from("date,y");
    (0..channels).for_each(|c| csv.push_str(&format!(",ch{c}")));
    (0..CONTROLS).for_each(|k| csv.push_str(&format!(",z{k}")));
    csv.push('\n');
    for t in 0..rows {
        let date = Date::from_days_since_epoch(FIRST_DAY + t as i64);
        csv.push_str(&format!("{date},{}", 1000.0 + rng.random_range(0.0..500.0)));
        for _ in 0..channels {
            let on = rng.random_range(0.0..1.0) < 0.7;
            let v = if on {
                rng.random_range(0.0..1000.0)
            } else {
                0.0
            };
            csv.push_str(&format!(",{v}"));
        }
        for _ in 0..CONTROLS {
            csv.push_str(&format!(",{}", rng.random_range(-1.0..1.0)));
        }
        csv.push('\n');
    }
    (toml, csv)
}

fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (toml, spec, data) = match args.as_slice() {
        [flag, rows, channels, lag] if flag == "--synthetic" => {
            let parse = |s: &String| s.parse::<usize>().expect("a positive integer");
            let (toml, csv) = synthetic(parse(rows), parse(channels), parse(lag));
            let spec = ModelSpec::from_toml(&toml, None).expect("synthetic model file");
            let data =
                load_dataset_from_reader(csv.as_bytes(), "synthetic.csv", &data_request(&spec))
                    .expect("synthetic data");
            (toml, spec, data)
        }
        [path] | [path, _] => {
            let toml = std::fs::read_to_string(path).expect("readable model file");
            let spec = ModelSpec::from_file(path).expect("model file");
            let data_path = match args.get(1) {
                Some(data) => data.into(),
                None => spec
                    .data
                    .path
                    .clone()
                    .expect("the model file names its data (or give DATA.csv)"),
            };
            let data = load_dataset(&data_path, &data_request(&spec)).expect("data");
            (toml, spec, data)
        }
        _ => {
            eprintln!(
                "usage: density_probe MODEL.toml [DATA.csv] | --synthetic ROWS CHANNELS MAX_LAG"
            );
            std::process::exit(2);
        }
    };
    // The function JAX builds: the model's parameters through their bijectors. The sampler
    // moves in other coordinates (contributions, centred intercept; docs/math.md), timed
    // below as well.
    let natural = DensityOptions {
        natural_coordinates: true,
        ..DensityOptions::default()
    };
    let mut density = MmmDensity::with_options(&spec, &data, &natural).expect("density");
    let mut sampled = MmmDensity::new(&spec, &data).expect("density");
    let dim = density.dim();
    let scales = density.scales().clone();
    let divided = |v: &[f64], s: f64| v.iter().map(|x| x / s).collect::<Vec<f64>>();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let points: Vec<Vec<f64>> = (0..POINTS)
        .map(|_| (0..dim).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect();
    let mut grads = Vec::new();
    let mut logps = Vec::new();
    for q in &points {
        let mut g = vec![0.0; dim];
        logps.push(density.logp_grad(q, &mut g).expect("finite density"));
        grads.push(g);
    }
    let mut g = vec![0.0; dim];
    let elapsed = |cpu0: Option<f64>, wall0: Instant| match (cpu0, thread_cpu_seconds()) {
        (Some(a), Some(b)) => b - a,
        _ => wall0.elapsed().as_secs_f64(),
    };
    let mut time = |d: &mut MmmDensity| {
        // Passes over the points per clock reading, from one timed pass.
        let wall0 = Instant::now();
        for q in &points {
            let _ = std::hint::black_box(d.logp_grad(q, &mut g));
        }
        let pass = wall0.elapsed().as_secs_f64().max(1e-9);
        let passes_per_batch = (BATCH_SECONDS / pass).ceil().clamp(1.0, 1e6) as u32;
        (0..REPEATS)
            .map(|_| {
                let (cpu0, wall0) = (thread_cpu_seconds(), Instant::now());
                let mut calls = 0_u64;
                while elapsed(cpu0, wall0) < TIMING_SECONDS {
                    for _ in 0..passes_per_batch {
                        for q in &points {
                            let _ = std::hint::black_box(d.logp_grad(q, &mut g));
                            calls += 1;
                        }
                    }
                }
                elapsed(cpu0, wall0) / calls as f64
            })
            .fold(f64::INFINITY, f64::min)
    };
    let seconds = time(&mut density);
    let seconds_sampled = time(&mut sampled);
    let out = json!({
        "model_toml": toml,
        "parameters": spec.parameters(),
        "n_periods": data.n_periods(),
        "obs": divided(data.target(), scales.target),
        "spend": data.channels().iter().zip(&scales.channels).map(|(x, s)| divided(x, *s)).collect::<Vec<_>>(),
        "controls": data.controls().iter().zip(&scales.controls).map(|(z, s)| divided(z, *s)).collect::<Vec<_>>(),
        "day_of_year": data.day_of_year(),
        "points": points,
        "logp": logps,
        "grad": grads,
        "seconds_per_logp_grad": seconds,
        "seconds_per_logp_grad_sampled_coordinates": seconds_sampled,
        "clock": if thread_cpu_seconds().is_some() { "thread CPU" } else { "wall" },
    });
    println!("{out}");
}
