//! Sampler benchmarks: mmm's NUTS against nuts-rs (its default diagonal adaptation) on a 100-d
//! standard normal and posteriordb's kidiq.
//!
//! Criterion times one chain of 1000 warm-up + 1000 draws and one bare gradient. Before that, a
//! report on stderr gives, over 4 chains x (1000 + 1000) and several seeds: gradient
//! evaluations per second, leapfrog steps per draw, min bulk ESS per second and per gradient
//! evaluation, and the time per leapfrog step beyond the gradient. The report's chains run one
//! after another on one thread and its times are that thread's CPU time (the fastest of a few
//! repetitions), so other processes on a shared machine distort them little.
//!
//! Run: `cargo bench --bench sampler` (figures in docs/performance.md); `cargo bench --bench
//! sampler -- nomatch` prints the report alone.

mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use mmm::{LogDensity, NoProgress, SamplerSettings};
use nuts_rs::{Chain, CpuMath, DiagNutsSettings, Settings};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use mmm::diagnostics::ess_bulk;
use mmm::reference_models::{Kidiq, PosteriordbModel, StdNormal};
use support::{Counted, NutsRsModel};

const CHAINS: usize = 4;
const WARMUP: usize = 1000;
const DRAWS: usize = 1000;
/// Seeds of the report's runs; ESS of one run varies by about 10 %, so the report averages.
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];
/// Every timing in the report is the fastest of this many repetitions (the runs are
/// deterministic, so only the time differs), to shed interference from other processes.
const REPEATS: usize = 5;
/// Seed of the criterion runs.
const BENCH_SEED: u64 = 1;
const NORMAL_DIM: usize = 100;
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
    Run {
        gradients: total.load(Ordering::Relaxed),
        sampling_leapfrogs: samples.chains.iter().map(|c| c.n_leapfrog_total()).sum(),
        divergences: samples.divergences(),
        step_size: samples.chains.iter().map(|c| c.step_size).sum::<f64>() / CHAINS as f64,
        draws: samples.chains.into_iter().map(|c| c.draws).collect(),
    }
}

/// What one nuts-rs chain gave: kept draws (row-major), their leapfrog steps, divergences and
/// mean step size (nuts-rs jitters the step size of every draw by up to 10 %).
type NutsRsChain = (Vec<f64>, u64, usize, f64);

/// One nuts-rs chain with its default diagonal adaptation.
fn nutsrs_chain<D: LogDensity>(density: D, seed: u64, chain: usize) -> NutsRsChain {
    let dim = density.dim();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(chain as u64);
    let init: Vec<f64> = (0..dim)
        .map(|_| rng.random_range(-INIT_RADIUS..INIT_RADIUS))
        .collect();
    let settings = DiagNutsSettings {
        num_tune: WARMUP as u64,
        num_draws: DRAWS as u64,
        num_chains: CHAINS,
        seed,
        ..DiagNutsSettings::default()
    };
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

fn run_nutsrs<D: LogDensity + Clone>(density: &D, seed: u64) -> Run {
    let total = Arc::new(AtomicU64::new(0));
    let counted = Counted::new(density.clone(), Arc::clone(&total));
    let chains: Vec<_> = (0..CHAINS)
        .map(|c| nutsrs_chain(counted.clone(), seed, c))
        .collect();
    drop(counted);
    Run {
        gradients: total.load(Ordering::Relaxed),
        sampling_leapfrogs: chains.iter().map(|c| c.1).sum(),
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
    let sampling = runs.iter().map(|r| r.sampling_leapfrogs).sum::<u64>() as f64;
    let ess_sum: f64 = ess.iter().sum();
    let n = runs.len() as f64;
    let lo = ess.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ess.iter().copied().fold(0.0, f64::max);
    eprintln!(
        "| {name} | {sampler} | {:.0} | {:.2} | {:.3} | {:.1} | {:.0} ({:.0}-{:.0}) | {:.0} | {:.2} | {:.2} | {:.0} | {:.1} | {} |",
        t_grad * 1e9,
        grads / seconds / 1e6,
        runs.iter().map(|r| r.step_size).sum::<f64>() / n,
        sampling / (n * (CHAINS * DRAWS) as f64),
        ess_sum / n,
        lo,
        hi,
        ess_sum / seconds,
        1000.0 * ess_sum / grads,
        1000.0 * ess_sum / sampling,
        (seconds - grads * t_grad) / grads * 1e9,
        seconds / n * 1e3,
        runs.iter().map(|r| r.divergences).sum::<usize>(),
    );
}

/// Both samplers on `density`: `REPEATS` times all seeds of each, alternating with each other
/// and with a timing of the bare gradient, so all three see the same machine; each keeps the
/// draws and counts of its first repetition (the runs are deterministic) and its smallest time.
fn report_density<D: LogDensity + Clone + Send + Sync>(
    pool: &rayon::ThreadPool,
    name: &str,
    density: &D,
) {
    let (ours, mut t_ours) = all_seeds(|seed| run_mmm(pool, density, seed));
    let (theirs, mut t_theirs) = all_seeds(|seed| run_nutsrs(density, seed));
    let mut t_grad = seconds_per_gradient(density, &ours[0].draws);
    for _ in 1..REPEATS {
        t_ours = t_ours.min(all_seeds(|seed| run_mmm(pool, density, seed)).1);
        t_theirs = t_theirs.min(all_seeds(|seed| run_nutsrs(density, seed)).1);
        t_grad = t_grad.min(seconds_per_gradient(density, &ours[0].draws));
    }
    let dim = density.dim();
    report_line(name, "mmm", dim, &ours, t_ours, t_grad);
    report_line(name, "nuts-rs 0.19.1", dim, &theirs, t_theirs, t_grad);
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

fn report(normal: &StdNormal, kidiq: Option<&Kidiq>) {
    eprintln!(
        "\nSampler core: {CHAINS} chains x ({WARMUP} warm-up + {DRAWS} draws), seeds {SEEDS:?}, \
         chains run one after another on one thread; times are {} (fastest of {REPEATS}); {}",
        if cpu_clock_works() {
            "thread CPU time"
        } else {
            "wall time"
        },
        machine()
    );
    eprintln!(
        "| density | sampler | ns per gradient | gradients per s (M) | step size | leapfrog per draw | \
         min bulk ESS, mean (range) | min ESS per s | min ESS per 1000 gradients | \
         min ESS per 1000 sampling leapfrogs | ns per leapfrog beyond gradient | ms per run | \
         divergences |"
    );
    eprintln!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build()
        .expect("a one-thread pool");
    report_density(&pool, &format!("normal {NORMAL_DIM}-d"), normal);
    if let Some(k) = kidiq {
        report_density(&pool, "kidiq", k);
    }
    eprintln!();
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
        b.iter(|| nutsrs_chain(density.clone(), BENCH_SEED, 0))
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
    let normal = StdNormal { dim: NORMAL_DIM };
    // Criterion runs each benchmark once without `--bench` (`cargo test --benches`); the report
    // is for real benchmark runs only, not for `--profile-time` (profiling one benchmark).
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--profile-time") {
        report(&normal, kidiq.as_ref());
    }
    let mut c = Criterion::default().configure_from_args();
    bench_density(&mut c, "normal100", &normal);
    if let Some(k) = &kidiq {
        bench_density(&mut c, "kidiq", k);
    }
    c.final_summary();
}
