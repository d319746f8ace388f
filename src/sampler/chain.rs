//! One chain: initialisation, Stan's warm-up (step size and metric), then the kept draws.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::adaptation::{AdaptiveMetric, DenseAdaptation, DiagAdaptation};
use super::hamiltonian::{MassMatrix, Point};
use super::nuts::Nuts;
use super::run::{ChainOutput, DrawStats, Progress, SampleError};
use super::settings::{Metric, SamplerSettings};
use super::stepsize::{DualAveraging, DualAveragingOptions};
use super::target::{LogDensity, LogpError, checked_logp_grad};
use super::warmup::{WarmupWindows, metric_windows};

/// Log of Stan's acceptance threshold in the initial step-size search.
const LOG_INIT_ACCEPT: f64 = -0.223_143_551_314_209_76; // ln(0.8)
/// Step sizes outside these bounds mean the posterior is improper or degenerate.
const STEP_SIZE_MAX: f64 = 1e7;
const STEP_SIZE_MIN: f64 = 1e-300;
/// Doublings or halvings tried by the initial step-size search.
const STEP_SEARCH_MAX: usize = 200;

/// The random stream of chain `chain` under `seed`: independent of thread scheduling.
pub(crate) fn chain_rng(seed: u64, chain: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(chain as u64);
    rng
}

/// Draw initial points uniformly in (-r, r)^n until the density and gradient are finite.
fn initialise<D: LogDensity + ?Sized>(
    density: &mut D,
    settings: &SamplerSettings,
    chain: usize,
    rng: &mut ChaCha8Rng,
    z: &mut Point,
) -> Result<(), SampleError> {
    let r = settings.init_radius;
    let mut last = LogpError::NonFinite;
    for _ in 0..settings.init_attempts.max(1) {
        for q in z.q.iter_mut() {
            *q = if r > 0.0 {
                rng.random_range(-r..r)
            } else {
                0.0
            };
        }
        match checked_logp_grad(density, &z.q, &mut z.grad) {
            Ok(lp) => {
                z.lp = lp;
                return Ok(());
            }
            Err(e) if e.is_recoverable() => last = e,
            Err(e) => return Err(SampleError::Density { chain, source: e }),
        }
    }
    Err(SampleError::Initialisation {
        chain,
        attempts: settings.init_attempts.max(1),
        last,
    })
}

/// Stan's heuristic: double or halve the step until a single leapfrog step's acceptance
/// probability crosses 0.8.
fn find_initial_step_size<D: LogDensity + ?Sized, M: MassMatrix>(
    density: &mut D,
    metric: &M,
    z: &Point,
    mut eps: f64,
    rng: &mut ChaCha8Rng,
    scratch: &mut Point,
) -> f64 {
    let mut direction = 0.0;
    for _ in 0..STEP_SEARCH_MAX {
        scratch.copy_from(z);
        for p in scratch.p.iter_mut() {
            *p = rng.sample(StandardNormal);
        }
        metric.momentum_from_std(&mut scratch.p);
        let h0 = metric.energy(scratch);
        let delta = match metric.leapfrog(density, scratch, eps) {
            Ok(()) => {
                let h = metric.energy(scratch);
                if h.is_finite() {
                    h0 - h
                } else {
                    f64::NEG_INFINITY
                }
            }
            Err(_) => f64::NEG_INFINITY,
        };
        let up = delta > LOG_INIT_ACCEPT;
        if direction == 0.0 {
            direction = if up { 1.0 } else { -1.0 };
        } else if (direction > 0.0) != up {
            break;
        }
        let next = if direction > 0.0 {
            2.0 * eps
        } else {
            0.5 * eps
        };
        if !(STEP_SIZE_MIN..=STEP_SIZE_MAX).contains(&next) {
            break;
        }
        eps = next;
    }
    eps
}

/// Run chain `chain` of `settings` on `density`.
pub(crate) fn run_chain<D: LogDensity + ?Sized>(
    density: &mut D,
    settings: &SamplerSettings,
    chain: usize,
    progress: &dyn Progress,
) -> Result<ChainOutput, SampleError> {
    match settings.metric {
        Metric::Diag => run_chain_with::<D, DiagAdaptation>(density, settings, chain, progress),
        Metric::Dense => run_chain_with::<D, DenseAdaptation>(density, settings, chain, progress),
    }
}

/// [`run_chain`] with the metric `A`, monomorphised so the trajectory dispatches nothing.
fn run_chain_with<D: LogDensity + ?Sized, A: AdaptiveMetric>(
    density: &mut D,
    settings: &SamplerSettings,
    chain: usize,
    progress: &dyn Progress,
) -> Result<ChainOutput, SampleError> {
    let n = density.dim();
    let mut rng = chain_rng(settings.seed, chain);
    let mut z = Point::new(n);
    let mut scratch = Point::new(n);
    initialise(density, settings, chain, &mut rng, &mut z)?;

    let mut adapt = A::new(n);
    if settings.warmup >= 1 {
        adapt.start(&z.grad);
    }
    let mut eps = find_initial_step_size(density, adapt.metric(), &z, 1.0, &mut rng, &mut scratch);
    let da_opts = DualAveragingOptions {
        target_accept: settings.target_accept,
        ..DualAveragingOptions::default()
    };
    let mut dual = DualAveraging::new(da_opts, eps);
    let windows = metric_windows(settings.warmup, WarmupWindows::default());
    let mut nuts = Nuts::new(n, settings.max_depth, settings.max_energy_error);
    let total = settings.warmup + settings.draws;
    let started = std::time::Instant::now();
    let mut warmup_divergences = 0;

    for it in 0..settings.warmup {
        let t = nuts
            .transition(density, adapt.metric(), eps, &mut z, &mut rng)
            .map_err(|source| SampleError::Density { chain, source })?;
        warmup_divergences += usize::from(t.divergent);
        eps = dual.update(t.accept_stat);
        if let Some(&(_, end)) = windows.iter().find(|(s, e)| (*s..*e).contains(&it)) {
            adapt.add(&z.q, &z.grad);
            if it + 1 == end {
                adapt.end_window();
                eps = find_initial_step_size(
                    density,
                    adapt.metric(),
                    &z,
                    eps,
                    &mut rng,
                    &mut scratch,
                );
                dual.restart(eps);
            }
        }
        progress.on_iteration(chain, it + 1, total, warmup_divergences);
    }
    if settings.warmup > 0 {
        eps = dual.final_step_size();
    }
    let warmup_seconds = started.elapsed().as_secs_f64();

    let mut draws = Vec::with_capacity(settings.draws * n);
    let mut stats = Vec::with_capacity(settings.draws);
    let mut divergences = 0;
    for it in 0..settings.draws {
        let t = nuts
            .transition(density, adapt.metric(), eps, &mut z, &mut rng)
            .map_err(|source| SampleError::Density { chain, source })?;
        divergences += usize::from(t.divergent);
        draws.extend_from_slice(&z.q);
        stats.push(DrawStats {
            lp: z.lp,
            accept_stat: t.accept_stat,
            step_size: eps,
            tree_depth: t.depth,
            n_leapfrog: t.n_leapfrog,
            divergent: t.divergent,
            energy: t.energy,
        });
        progress.on_iteration(
            chain,
            settings.warmup + it + 1,
            total,
            warmup_divergences + divergences,
        );
    }
    Ok(ChainOutput {
        chain,
        dim: n,
        draws,
        stats,
        step_size: eps,
        inv_mass: adapt.inv_mass_diag(),
        dense_inv_mass: adapt.inv_mass_dense(),
        warmup_divergences,
        warmup_seconds,
        sampling_seconds: started.elapsed().as_secs_f64() - warmup_seconds,
    })
}
