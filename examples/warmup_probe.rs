//! Where warm-up spends its gradients: mmm at its default settings against nuts-rs' default
//! diagonal adaptation, on the sampler bench's densities and setup (4 chains x (1000 + 1000),
//! uniform(-2, 2) starts). Per density and sampler: gradient evaluations per warm-up
//! iteration in the ranges 0-75 (mmm's early windows), 75-250, 250-850 and 850-1000 (mmm's
//! terminal buffer), warm-up gradients per run, leapfrog steps per kept draw, min bulk ESS per
//! 1000 gradients of the whole run, warm-up divergences per run, kept divergences (all seeds)
//! and the initialisation's evaluations per chain; mean over seeds. The counts equal the
//! sampler bench's (`cargo bench --bench sampler -- nomatch`) to the digit, in seconds.
//!
//! `cargo run --release --example warmup_probe -- [first_seed] [last_seed] [nkgpa] [nuts]`:
//! densities n(ormal 100-d), k(idiq), g(aussian 24-d), p(yMC-Marketing example), a (ARMA(1,1)
//! of issue 13's test); `nuts` adds nuts-rs' rows (docs/performance.md, "Warm-up gradients
//! against nuts-rs"). With `PROBE_WARM=1` each row is followed by its warm-up gradients (k) and
//! ESS per 1000 gradients seed by seed; with `PROBE_SEEDS=1` mmm prints one line per seed: its
//! kept divergences and, per chain, the step size, leapfrog steps per kept draw, kept
//! divergences, divergences in the last metric window and the terminal buffer, and restarts
//! (`PROBE_SEEDS=1 ... 1 101 a` lists the ARMA(1,1) seeds with a kept divergence).
#[path = "../benches/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mmm::diagnostics::ess_bulk;
use mmm::fit::data_request;
use mmm::reference_models::{Ar1Normal, Arma11, Kidiq, PosteriordbModel, StdNormal};
use mmm::{LogDensity, MmmDensity, ModelSpec, NoProgress, SamplerSettings, load_dataset};
use nuts_rs::{Chain, CpuMath, DiagNutsSettings, Settings};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::{Counted, NutsRsModel};

const CHAINS: usize = 4;
const WARMUP: usize = 1000;
const DRAWS: usize = 1000;
/// Ends of the reported warm-up ranges.
const BUCKETS: [usize; 4] = [75, 250, 850, 1000];

/// One run's counts: gradients per bucket, initialisation gradients, all warm-up gradients,
/// all gradients, min bulk ESS, leapfrog steps of the kept draws, divergences in warm-up.
#[derive(Default)]
struct Counts {
    buckets: [u64; 4],
    init: u64,
    warmup: u64,
    total: u64,
    ess: f64,
    kept_leapfrog: u64,
    warmup_divergences: usize,
    kept_divergences: usize,
}

fn bucket(it: usize) -> usize {
    BUCKETS.iter().position(|&e| it < e).unwrap_or(3)
}

fn min_bulk(chains: &[Vec<f64>], dim: usize) -> f64 {
    (0..dim)
        .map(|j| {
            let t: Vec<Vec<f64>> = chains
                .iter()
                .map(|d| d.chunks(dim).map(|r| r[j]).collect())
                .collect();
            let r: Vec<&[f64]> = t.iter().map(Vec::as_slice).collect();
            ess_bulk(&r)
        })
        .fold(f64::INFINITY, f64::min)
}

fn run_mmm<D: LogDensity + Clone + Send + Sync>(d: &D, seed: u64) -> Counts {
    let st = SamplerSettings {
        chains: CHAINS,
        warmup: WARMUP,
        draws: DRAWS,
        seed,
        ..SamplerSettings::default()
    };
    let s = mmm::sample(d, &st, &NoProgress).unwrap();
    let mut c = Counts::default();
    for ch in &s.chains {
        c.init += ch.warmup.init_gradient_evals + ch.warmup.discarded_gradient_evals;
        for p in &ch.warmup.phases {
            c.buckets[bucket(p.start)] += p.gradient_evals;
        }
        c.kept_leapfrog += ch.n_leapfrog_total();
        c.warmup_divergences += ch.warmup_divergences;
    }
    c.kept_divergences = s.divergences();
    if std::env::var("PROBE_SEEDS").is_ok() {
        let mut line = format!("seed {seed:3} kept div {:3} |", s.divergences());
        for ch in &s.chains {
            let kd = ch.stats.iter().filter(|d| d.divergent).count();
            let ph = &ch.warmup.phases;
            let n = ph.len();
            let (lw, tb) = if n >= 2 {
                (ph[n - 2].divergences, ph[n - 1].divergences)
            } else {
                (0, 0)
            };
            let lf = ch.n_leapfrog_total() as f64 / ch.stats.len() as f64;
            line += &format!(
                " c{}: eps {:.3} lf {:.1} kd {kd} lw {lw} tb {tb} r {}{} |",
                ch.chain,
                ch.step_size,
                lf,
                ch.warmup.restarts,
                if ch.stuck.is_some() { " STUCK" } else { "" }
            );
        }
        println!("{line}");
    }
    c.warmup = s.warmup_gradient_evals();
    c.total = s.gradient_evals();
    let draws: Vec<Vec<f64>> = s.chains.iter().map(|c| c.draws.clone()).collect();
    c.ess = min_bulk(&draws, d.dim());
    c
}

fn run_nuts<D: LogDensity + Clone>(d: &D, seed: u64) -> Counts {
    let mut c = Counts::default();
    let mut draws_all = Vec::new();
    for chain in 0..CHAINS {
        let total = Arc::new(AtomicU64::new(0));
        let counted = Counted::new(d.clone(), Arc::clone(&total));
        let dim = d.dim();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(chain as u64);
        let init: Vec<f64> = (0..dim).map(|_| rng.random_range(-2.0..2.0)).collect();
        let settings = DiagNutsSettings {
            num_tune: WARMUP as u64,
            num_draws: DRAWS as u64,
            num_chains: CHAINS,
            seed,
            ..DiagNutsSettings::default()
        };
        let mut sampler = settings
            .new_chain(chain as u64, CpuMath::new(NutsRsModel(counted)), &mut rng)
            .unwrap();
        sampler.set_position(&init).unwrap();
        let mut draws = Vec::with_capacity(DRAWS * dim);
        let (mut steps, mut kept) = (0, 0);
        for i in 0..WARMUP + DRAWS {
            let (q, p) = sampler.draw().unwrap();
            if i < WARMUP {
                c.buckets[bucket(i)] += p.num_steps;
                steps += p.num_steps;
                c.warmup_divergences += usize::from(p.diverging);
            } else {
                draws.extend_from_slice(&q);
                kept += p.num_steps;
                c.kept_divergences += usize::from(p.diverging);
            }
        }
        drop(sampler);
        let all = total.load(Ordering::Relaxed);
        c.total += all;
        c.init += all - steps - kept;
        c.kept_leapfrog += kept;
        draws_all.push(draws);
    }
    c.warmup = c.total - c.kept_leapfrog;
    c.ess = min_bulk(&draws_all, d.dim());
    c
}

fn report(name: &str, sampler: &str, runs: &[Counts]) {
    let n = runs.len() as f64;
    let lens = [75.0, 175.0, 600.0, 150.0];
    let per_it: Vec<String> = (0..4)
        .map(|b| {
            let g: u64 = runs.iter().map(|r| r.buckets[b]).sum();
            format!("{:5.2}", g as f64 / n / CHAINS as f64 / lens[b])
        })
        .collect();
    let ess: f64 = runs.iter().map(|r| r.ess).sum();
    let total: u64 = runs.iter().map(|r| r.total).sum();
    let warm: u64 = runs.iter().map(|r| r.warmup).sum();
    let kept: u64 = runs.iter().map(|r| r.kept_leapfrog).sum();
    let wdiv: usize = runs.iter().map(|r| r.warmup_divergences).sum();
    let kdiv: usize = runs.iter().map(|r| r.kept_divergences).sum();
    let init: u64 = runs.iter().map(|r| r.init).sum();
    if std::env::var("PROBE_WARM").is_ok() {
        let w: Vec<String> = runs
            .iter()
            .map(|r| format!("{:.2}", r.warmup as f64 / 1000.0))
            .collect();
        let e: Vec<String> = runs
            .iter()
            .map(|r| format!("{:.1}", 1000.0 * r.ess / r.total as f64))
            .collect();
        println!("{name} {sampler} warm k per seed: {}", w.join(" "));
        println!("{name} {sampler} ess/1k per seed: {}", e.join(" "));
    }
    println!(
        "{name:8} {sampler:8} grad/it [0,75) [75,250) [250,850) [850,1000): {} | warm {:6.2}k | kept lf/draw {:5.2} | ess/1k {:6.2} | wdiv/run {:5.1} | kept div {kdiv} | init/chain {:.0}",
        per_it.join(" "),
        warm as f64 / n / 1000.0,
        kept as f64 / n / (CHAINS * DRAWS) as f64,
        1000.0 * ess / total as f64,
        wdiv as f64 / n,
        init as f64 / n / CHAINS as f64,
    );
}

fn compare<D: LogDensity + Clone + Send + Sync>(name: &str, d: &D, seeds: &[u64], nuts: bool) {
    let ours: Vec<Counts> = seeds.iter().map(|&s| run_mmm(d, s)).collect();
    report(name, "mmm", &ours);
    if nuts {
        let theirs: Vec<Counts> = seeds.iter().map(|&s| run_nuts(d, s)).collect();
        report(name, "nuts-rs", &theirs);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let lo: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    let hi: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let which = args.get(3).cloned().unwrap_or_else(|| "nkgp".into());
    let nuts = args.get(4).is_some_and(|a| a == "nuts");
    let seeds: Vec<u64> = (lo..=hi).collect();
    if which.contains('n') {
        compare("normal", &StdNormal { dim: 100 }, &seeds, nuts);
    }
    if which.contains('k') {
        let k = Kidiq::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/posteriordb"
        )))
        .unwrap();
        compare("kidiq", &k, &seeds, nuts);
    }
    if which.contains('g') {
        let g = Ar1Normal::spread(24, 4.0, 0.99).unwrap();
        compare("gauss24", &g, &seeds, nuts);
    }
    if which.contains('a') {
        let a = Arma11::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/arma11"
        )))
        .unwrap();
        compare("arma11", &a, &seeds, nuts);
    }
    if which.contains('p') {
        let spec = ModelSpec::from_file(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/models/pymc_marketing_example.toml"
        )))
        .unwrap();
        let data = load_dataset(spec.data.path.as_ref().unwrap(), &data_request(&spec)).unwrap();
        let m = MmmDensity::new(&spec, &data).unwrap();
        compare("pymc", &m, &seeds, nuts);
    }
}
