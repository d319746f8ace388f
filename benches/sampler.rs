//! Sampler benchmarks: mmm's NUTS at its default settings (the `auto` metric) against nuts-rs
//! with its default diagonal adaptation and with its low-rank adaptation (nutpie's best), on a
//! 100-d standard normal, posteriordb's kidiq, a 24-d Gaussian with neighbour correlations 0.99
//! and the PyMC-Marketing example's MMM density.
//!
//! Criterion times one chain of 1000 warm-up + 1000 draws and one bare gradient (normal and
//! kidiq). Before that, a report on stderr gives, over 4 chains x (1000 + 1000) and several
//! seeds: gradient evaluations of the whole run and of warm-up, leapfrog steps per draw, min
//! bulk ESS per second and per gradient evaluation, and the time per leapfrog step beyond the
//! gradient. The report's chains run one after another on one thread and its times are that
//! thread's CPU time (the fastest of a few repetitions), so other processes on a shared
//! machine distort them little. The counts (gradients, steps, ESS) do not depend on timing.
//!
//! Run: `cargo bench --bench sampler` (figures in docs/performance.md); `cargo bench --bench
//! sampler -- nomatch` prints the report alone.

mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use mmm::{
    DataRequest, LogDensity, MmmDensity, ModelSpec, NoProgress, SamplerSettings, load_dataset,
};
use nuts_rs::{Chain, CpuMath, DiagNutsSettings, LowRankNutsSettings, Settings};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use mmm::diagnostics::ess_bulk;
use mmm::reference_models::{Ar1Normal, Kidiq, PosteriordbModel, StdNormal};
use support::{Counted, NutsRsModel};

const CHAINS: usize = 4;
const WARMUP: usize = 1000;
const DRAWS: usize = 1000;
/// Seeds of the report's runs; ESS of one run varies by about 10 %, so the report averages.
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];
/// Every timing in the report is the fastest of this many repetitions (the runs are
/// deterministic, so only the time differs), to shed interference from other processes.
const REPEATS: usize = 3;
/// Repetitions for the densities whose runs take seconds (the MMM example).
const SLOW_REPEATS: usize = 1;
/// Seed of the criterion runs.
const BENCH_SEED: u64 = 1;
const NORMAL_DIM: usize = 100;
/// The correlated Gaussian of issue 13's test (`correlated_24d_normal_mixes_with_default_settings_in_every_seed`):
/// 24 coordinates, neighbour correlation 0.99, sds over 4 decades.
const CORRELATED_DIM: usize = 24;
const CORRELATED_DECADES: f64 = 4.0;
const CORRELATED_RHO: f64 = 0.99;
/// PyMC-Marketing's example model file (it names its data file).
const PYMC_EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/pymc_marketing_example.toml"
);
/// posteriordb's data files (kidiq), next to the repository.
const POSTERIORDB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/posteriordb");
/// Initial points of nuts-rs chains: uniform in (-r, r), as mmm's default.
const INIT_RADIUS: f64 = 2.0;
/// Seconds spent timing the bare gradient in every repetition.
const GRADIENT_TIMING: f64 = 0.2;

/// CPU time of the calling thread, from Linux's `/proc/thread-self/schedstat` (nanoseconds on
/// the CPU), so other processes on a shared machine do not inflate the figures. The kernel
/// updates it at scheduler ticks and context switches, so it is exact only to a few
/// milliseconds: every interval timed with it lasts 0.1 s or more.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

/// Whether the thread CPU clock advances (some kernels report zeros).
fn cpu_clock_works() -> bool {
    let clock = Stopwatch::start();
    let wall = Instant::now();
    while wall.elapsed() < Duration::from_millis(50) {
        black_box(0);
    }
    clock.cpu.is_some() && clock.seconds() < 1.0 && thread_cpu_seconds() > clock.cpu
}

/// Thread CPU time where the system reports it, wall time otherwise.
struct Stopwatch {
    cpu: Option<f64>,
    wall: Instant,
}

impl Stopwatch {
    fn start() -> Self {
        Stopwatch {
            cpu: thread_cpu_seconds(),
            wall: Instant::now(),
        }
    }

    fn seconds(&self) -> f64 {
        match (self.cpu, thread_cpu_seconds()) {
            (Some(start), Some(now)) if now > start => now - start,
            _ => self.wall.elapsed().as_secs_f64(),
        }
    }
}

/// What one run of `CHAINS` chains cost and gave.
struct Run {
    /// Every gradient evaluation, warm-up and initialisation included.
    gradients: u64,
    /// Gradient evaluations before the first kept draw (initialisation and warm-up): every
    /// evaluation that is not a leapfrog step of a kept draw.
    warmup_gradients: u64,
    /// Leapfrog steps of the kept draws.
    sampling_leapfrogs: u64,
    divergences: usize,
    /// Mean step size over the kept draws of all chains.
    step_size: f64,
    /// Kept draws of every chain, row-major.
    draws: Vec<Vec<f64>>,
}

fn mmm_settings(chains: usize, seed: u64) -> SamplerSettings {
    SamplerSettings {
        chains,
        warmup: WARMUP,
        draws: DRAWS,
        seed,
        ..SamplerSettings::default()
    }
}

/// mmm's chains, run one after another on `pool`, a one-thread pool made of the calling
/// thread, so that both samplers run on the same thread as the stopwatch.
fn run_mmm<D: LogDensity + Clone + Send + Sync>(
    pool: &rayon::ThreadPool,
    density: &D,
    seed: u64,
) -> Run {
    let total = Arc::new(AtomicU64::new(0));
    let counted = Counted::new(density.clone(), Arc::clone(&total));
    let samples = pool
        .install(|| mmm::sample(&counted, &mmm_settings(CHAINS, seed), &NoProgress))
        .expect("mmm sampling failed");
    drop(counted);
    let gradients = total.load(Ordering::Relaxed);
    let sampling_leapfrogs = samples.chains.iter().map(|c| c.n_leapfrog_total()).sum();
    Run {
        gradients,
        warmup_gradients: gradients - sampling_leapfrogs,
        sampling_leapfrogs,
        divergences: samples.divergences(),
        step_size: samples.chains.iter().map(|c| c.step_size).sum::<f64>() / CHAINS as f64,
        draws: samples.chains.into_iter().map(|c| c.draws).collect(),
    }
}

/// What one nuts-rs chain gave: kept draws (row-major), their leapfrog steps, divergences and
/// mean step size (nuts-rs jitters the step size of every draw by up to 10 %).
type NutsRsChain = (Vec<f64>, u64, usize, f64);

/// nuts-rs's adaptations compared.
#[derive(Clone, Copy)]
enum NutsRs {
    /// `DiagNutsSettings::default()`: gradient-based diagonal mass matrix.
    Diag,
    /// `LowRankNutsSettings::default()`: nutpie's low-rank-plus-diagonal mass matrix.
    LowRank,
}

impl NutsRs {
    fn label(self) -> &'static str {
        match self {
            NutsRs::Diag => "nuts-rs 0.19.1 diag",
            NutsRs::LowRank => "nuts-rs 0.19.1 low-rank",
        }
    }
}

/// One nuts-rs chain with its default settings of `kind`, the number of tuning draws raised to
/// mmm's.
fn nutsrs_chain<D: LogDensity>(kind: NutsRs, density: D, seed: u64, chain: usize) -> NutsRsChain {
    match kind {
        NutsRs::Diag => nutsrs_chain_with(
            DiagNutsSettings {
                num_tune: WARMUP as u64,
                num_draws: DRAWS as u64,
                num_chains: CHAINS,
                seed,
                ..DiagNutsSettings::default()
            },
            density,
            seed,
            chain,
        ),
        NutsRs::LowRank => nutsrs_chain_with(
            LowRankNutsSettings {
                num_tune: WARMUP as u64,
                num_draws: DRAWS as u64,
                num_chains: CHAINS,
                seed,
                ..LowRankNutsSettings::default()
            },
            density,
            seed,
            chain,
        ),
    }
}

fn nutsrs_chain_with<S: Settings, D: LogDensity>(
    settings: S,
    density: D,
    seed: u64,
    chain: usize,
) -> NutsRsChain {
    let dim = density.dim();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(chain as u64);
    let init: Vec<f64> = (0..dim)
        .map(|_| rng.random_range(-INIT_RADIUS..INIT_RADIUS))
        .collect();
    let math = CpuMath::new(NutsRsModel(density));
    let mut sampler = settings
        .new_chain(chain as u64, math, &mut rng)
        .expect("valid nuts-rs settings");
    sampler.set_position(&init).expect("nuts-rs initialisation");
    let mut draws = Vec::with_capacity(DRAWS * dim);
    let (mut leapfrogs, mut divergences, mut step_size) = (0, 0, 0.0);
    for i in 0..WARMUP + DRAWS {
        let (q, progress) = sampler.draw().expect("nuts-rs draw failed");
        if i >= WARMUP {
            draws.extend_from_slice(&q);
            leapfrogs += progress.num_steps;
            divergences += usize::from(progress.diverging);
            step_size += progress.step_size / DRAWS as f64;
        }
    }
    (draws, leapfrogs, divergences, step_size)
}

fn run_nutsrs<D: LogDensity + Clone>(kind: NutsRs, density: &D, seed: u64) -> Run {
    let total = Arc::new(AtomicU64::new(0));
    let counted = Counted::new(density.clone(), Arc::clone(&total));
    let chains: Vec<_> = (0..CHAINS)
        .map(|c| nutsrs_chain(kind, counted.clone(), seed, c))
        .collect();
    drop(counted);
    let gradients = total.load(Ordering::Relaxed);
    let sampling_leapfrogs = chains.iter().map(|c| c.1).sum();
    Run {
        gradients,
        warmup_gradients: gradients - sampling_leapfrogs,
        sampling_leapfrogs,
        divergences: chains.iter().map(|c| c.2).sum(),
        step_size: chains.iter().map(|c| c.3).sum::<f64>() / CHAINS as f64,
        draws: chains.into_iter().map(|c| c.0).collect(),
    }
}

/// Smallest bulk ESS over the coordinates of a run.
fn min_bulk_ess(draws: &[Vec<f64>], dim: usize) -> f64 {
    (0..dim)
        .map(|j| {
            let traces: Vec<Vec<f64>> = draws
                .iter()
                .map(|c| c.iter().skip(j).step_by(dim).copied().collect())
                .collect();
            let refs: Vec<&[f64]> = traces.iter().map(Vec::as_slice).collect();
            ess_bulk(&refs)
        })
        .fold(f64::INFINITY, f64::min)
}

/// Seconds per evaluation of the bare density, at the posterior draws `points`.
fn seconds_per_gradient<D: LogDensity + Clone>(density: &D, points: &[Vec<f64>]) -> f64 {
    let mut d = density.clone();
    let dim = d.dim();
    let mut grad = vec![0.0; dim];
    let mut calls = 0_u32;
    let clock = Stopwatch::start();
    while clock.seconds() < GRADIENT_TIMING {
        for q in points.iter().flat_map(|c| c.chunks_exact(dim)) {
            let _ = black_box(d.logp_grad(black_box(q), black_box(&mut grad)));
            calls += 1;
        }
    }
    clock.seconds() / f64::from(calls)
}

/// The runs of every seed, and the seconds they took together.
fn all_seeds(run: impl Fn(u64) -> Run) -> (Vec<Run>, f64) {
    let clock = Stopwatch::start();
    let runs = SEEDS.iter().map(|&seed| run(seed)).collect();
    (runs, clock.seconds())
}

/// One line of the report, summed over the seeds; `seconds` is the time of all runs and
/// `t_grad` the bare gradient's.
fn report_line(name: &str, sampler: &str, dim: usize, runs: &[Run], seconds: f64, t_grad: f64) {
    let ess: Vec<f64> = runs.iter().map(|r| min_bulk_ess(&r.draws, dim)).collect();
    let grads = runs.iter().map(|r| r.gradients).sum::<u64>() as f64;
    let warmup = runs.iter().map(|r| r.warmup_gradients).sum::<u64>() as f64;
    let sampling = runs.iter().map(|r| r.sampling_leapfrogs).sum::<u64>() as f64;
    let ess_sum: f64 = ess.iter().sum();
    let n = runs.len() as f64;
    let lo = ess.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ess.iter().copied().fold(0.0, f64::max);
    eprintln!(
        "| {name} | {sampler} | {:.2} | {:.0} | {:.0} | {:.1} | {:.3} | {:.0} ({:.0}-{:.0}) | {} | {:.0} | {:.0} | {:.0} | {:.1} |",
        1000.0 * ess_sum / grads,
        warmup / n,
        grads / n,
        sampling / (n * (CHAINS * DRAWS) as f64),
        runs.iter().map(|r| r.step_size).sum::<f64>() / n,
        ess_sum / n,
        lo,
        hi,
        runs.iter().map(|r| r.divergences).sum::<usize>(),
        t_grad * 1e9,
        ess_sum / seconds,
        (seconds - grads * t_grad) / grads * 1e9,
        seconds / n * 1e3,
    );
}

/// The samplers on `density`: `repeats` times all seeds of each, alternating with each other
/// and with a timing of the bare gradient, so all see the same machine; each keeps the draws
/// and counts of its first repetition (the runs are deterministic) and its smallest time.
fn report_density<D: LogDensity + Clone + Send + Sync>(
    pool: &rayon::ThreadPool,
    name: &str,
    density: &D,
    repeats: usize,
) {
    let kinds = [NutsRs::Diag, NutsRs::LowRank];
    let (ours, mut t_ours) = all_seeds(|seed| run_mmm(pool, density, seed));
    let mut theirs: Vec<(Vec<Run>, f64)> = kinds
        .iter()
        .map(|&k| all_seeds(|seed| run_nutsrs(k, density, seed)))
        .collect();
    let mut t_grad = seconds_per_gradient(density, &ours[0].draws);
    for _ in 1..repeats {
        t_ours = t_ours.min(all_seeds(|seed| run_mmm(pool, density, seed)).1);
        for (&k, (_, t)) in kinds.iter().zip(theirs.iter_mut()) {
            *t = t.min(all_seeds(|seed| run_nutsrs(k, density, seed)).1);
        }
        t_grad = t_grad.min(seconds_per_gradient(density, &ours[0].draws));
    }
    let dim = density.dim();
    report_line(name, "mmm (default: auto)", dim, &ours, t_ours, t_grad);
    for (&k, (runs, t)) in kinds.iter().zip(&theirs) {
        report_line(name, k.label(), dim, runs, *t, t_grad);
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}

/// The report's densities.
struct Densities {
    normal: StdNormal,
    kidiq: Option<Kidiq>,
    correlated: Ar1Normal,
    pymc_example: Option<MmmDensity>,
}

fn report(d: &Densities) {
    eprintln!(
        "\nSampler core: {CHAINS} chains x ({WARMUP} warm-up + {DRAWS} draws), seeds {SEEDS:?}, \
         chains run one after another on one thread; times are {} (fastest of {REPEATS}, \
         {SLOW_REPEATS} for the MMM example); {}",
        if cpu_clock_works() {
            "thread CPU time"
        } else {
            "wall time"
        },
        machine()
    );
    eprintln!(
        "| density | sampler | min bulk ESS per 1000 gradients (whole run) | warm-up gradients \
         per run | gradients per run | leapfrog per draw | step size | min bulk ESS, mean (range) | \
         divergences (kept draws, all seeds) | ns per gradient | min ESS per s | \
         ns per leapfrog beyond gradient | ms per run |"
    );
    eprintln!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build()
        .expect("a one-thread pool");
    report_density(&pool, &format!("normal {NORMAL_DIM}-d"), &d.normal, REPEATS);
    if let Some(k) = &d.kidiq {
        report_density(&pool, "kidiq", k, REPEATS);
    }
    let correlated = format!("Gaussian {CORRELATED_DIM}-d, rho {CORRELATED_RHO}");
    report_density(&pool, &correlated, &d.correlated, REPEATS);
    if let Some(m) = &d.pymc_example {
        report_density(&pool, "PyMC-Marketing example", m, SLOW_REPEATS);
    }
    eprintln!();
}

/// The MMM density of PyMC-Marketing's example on its data.
fn pymc_example() -> Result<MmmDensity, String> {
    let spec =
        ModelSpec::from_file(std::path::Path::new(PYMC_EXAMPLE)).map_err(|e| e.to_string())?;
    let data_path = spec
        .data
        .path
        .clone()
        .ok_or("the example names no data file")?;
    let request = DataRequest {
        date: spec.data.date.clone(),
        target: spec.data.target.clone(),
        channels: spec.channels.iter().map(|c| c.column.clone()).collect(),
        controls: spec.controls.iter().map(|c| c.column.clone()).collect(),
        min_rows: 2,
    };
    let data = load_dataset(&data_path, &request).map_err(|e| e.to_string())?;
    MmmDensity::new(&spec, &data).map_err(|e| e.to_string())
}

fn bench_density<D: LogDensity + Clone + Send + Sync>(c: &mut Criterion, name: &str, density: &D) {
    let mut group = c.benchmark_group(name);
    // A whole chain takes 10-100 ms: flat sampling (the same number of runs per sample) keeps
    // 10 samples within the measurement time.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let dim = density.dim();
    let mut d = density.clone();
    let (x, mut g) = (vec![0.5; dim], vec![0.0; dim]);
    group.bench_function("gradient", |b| {
        b.iter(|| d.logp_grad(black_box(&x), black_box(&mut g)))
    });
    let one_chain = mmm_settings(1, BENCH_SEED);
    group.bench_function("mmm one chain", |b| {
        b.iter(|| mmm::sample(density, &one_chain, &NoProgress).expect("mmm sampling failed"))
    });
    group.bench_function("nuts-rs one chain", |b| {
        b.iter(|| nutsrs_chain(NutsRs::Diag, density.clone(), BENCH_SEED, 0))
    });
    group.finish();
}

fn main() {
    let kidiq = match Kidiq::load(std::path::Path::new(POSTERIORDB)) {
        Ok(k) => Some(k),
        Err(e) => {
            eprintln!("kidiq skipped: {e}");
            None
        }
    };
    let pymc_example = match pymc_example() {
        Ok(m) => Some(m),
        Err(e) => {
            eprintln!("PyMC-Marketing example skipped: {e}");
            None
        }
    };
    let densities = Densities {
        normal: StdNormal { dim: NORMAL_DIM },
        kidiq,
        correlated: Ar1Normal::spread(CORRELATED_DIM, CORRELATED_DECADES, CORRELATED_RHO)
            .expect("a valid correlated Gaussian"),
        pymc_example,
    };
    // Criterion runs each benchmark once without `--bench` (`cargo test --benches`); the report
    // is for real benchmark runs only, not for `--profile-time` (profiling one benchmark).
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--profile-time") {
        report(&densities);
    }
    let mut c = Criterion::default().configure_from_args();
    bench_density(&mut c, "normal100", &densities.normal);
    if let Some(k) = &densities.kidiq {
        bench_density(&mut c, "kidiq", k);
    }
    c.final_summary();
}
