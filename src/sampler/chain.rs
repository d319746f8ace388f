//! One chain: initialisation, warm-up (step size and metric, with a restart when it gets
//! stuck), then the kept draws.

use rand_chacha::ChaCha8Rng;

use super::adaptation::{
    AdaptiveMetric, AutoAdaptation, DenseAdaptation, DiagAdaptation, LowRankAdaptation,
};
use super::hamiltonian::Point;
use super::init::{Counting, InitFailure, chain_rng, find_initial_step_size, initialise};
use super::nuts::Nuts;
use super::run::{ChainOutput, DrawStats, Progress, SampleError};
use super::settings::{Metric, SamplerSettings};
use super::stepsize::{
    DualAveraging, DualAveragingOptions, RESTART_MU_FACTOR, TERMINAL_RESTART_MU_FACTOR,
    WINDOW_GAMMA,
};
use super::target::LogDensity;
use super::warmup::{WarmupWindows, metric_windows};
use super::warmup_stats::{PhaseStats, Stuck, WarmupStats};

/// In the metric's scaled coordinates a step size is dimensionless; a well-fitted metric
/// gives steps of order d^(-1/4). Below this the chain barely moves (collapsed chains reach
/// 1e-12 to 1e-43).
pub(crate) const STUCK_STEP_SIZE: f64 = 1e-6;
/// A chain whose terminal warm-up buffer runs to the maximum tree depth this often is stuck:
/// a fitted metric puts under 1 % of transitions there (issue 13), and a chain of ARMA(1,1)
/// caught in a non-stationary region with a metric fitted there sat at the maximum depth in
/// 69 % of its draws (0.9 let it through).
pub(crate) const STUCK_MAX_DEPTH_SHARE: f64 = 0.5;
/// A chain with at least this many divergences in its last metric window starts its terminal
/// buffer with a fresh, cautious dual-averaging sequence (around the averaged step so far);
/// every other chain keeps its running sequence and restarts only the average. The continued
/// sequence ends at the target acceptance (0.81-0.82 in the kept draws, where the restart gave
/// 0.83-0.88): more ESS per gradient, but on the weekly Hill model, whose chains diverge 5-19
/// times in their last window, 46 % more kept divergences over data seeds 17-26. Chains of the
/// bench densities diverge 0-0.6 times there (docs/performance.md, "The terminal buffer").
pub(crate) const CAUTIOUS_TERMINAL_DIVERGENCES: usize = 2;

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
        Metric::LowRank => {
            run_chain_with::<D, LowRankAdaptation>(density, settings, chain, progress)
        }
        Metric::Auto => run_chain_with::<D, AutoAdaptation>(density, settings, chain, progress),
    }
}

/// The state a finished warm-up hands to sampling.
struct Warm<A> {
    z: Point,
    adapt: A,
    eps: f64,
    rng: ChaCha8Rng,
    nuts: Nuts,
    stats: WarmupStats,
    stuck: Option<Stuck>,
    seconds: f64,
}

/// [`run_chain`] with the metric `A`, monomorphised so the trajectory dispatches nothing. A
/// warm-up that gets stuck is restarted (up to `max_restarts` times) from a new random point
/// closer to zero; if the last attempt is stuck too, the chain is kept and reported.
fn run_chain_with<D: LogDensity + ?Sized, A: AdaptiveMetric>(
    density: &mut D,
    settings: &SamplerSettings,
    chain: usize,
    progress: &dyn Progress,
) -> Result<ChainOutput, SampleError> {
    let mut discarded = 0;
    let mut attempt = 0;
    let mut warm = loop {
        let mut counted = Counting::new(density);
        let warm = warm_up::<_, A>(&mut counted, settings, chain, attempt, progress)?;
        if warm.stuck.is_none() || attempt >= settings.max_restarts {
            break warm;
        }
        discarded += counted.evals;
        attempt += 1;
    };
    warm.stats.restarts = attempt;
    warm.stats.discarded_gradient_evals = discarded;
    sample_draws(density, settings, chain, warm, progress)
}

/// Index of the chain's initial point in `settings.inits`, if any.
fn given_init(settings: &SamplerSettings, chain: usize) -> Option<&[f64]> {
    match settings.inits.len() {
        0 => None,
        1 => Some(&settings.inits[0]),
        _ => settings.inits.get(chain).map(Vec::as_slice),
    }
}

/// Initialise and run warm-up; stop early when the chain is seen to be stuck.
fn warm_up<D: LogDensity + ?Sized, A: AdaptiveMetric>(
    density: &mut Counting<'_, D>,
    settings: &SamplerSettings,
    chain: usize,
    attempt: usize,
    progress: &dyn Progress,
) -> Result<Warm<A>, SampleError> {
    let n = density.dim();
    let mut rng = chain_rng(settings.seed, chain, attempt);
    let mut z = Point::new(n);
    let mut scratch = Point::new(n);
    let init = if attempt == 0 {
        given_init(settings, chain)
    } else {
        None
    };
    let radius = settings.init_radius * 0.5f64.powi(attempt as i32);
    let init_attempts = initialise(
        density,
        init,
        radius,
        settings.init_attempts,
        &mut rng,
        &mut z,
    )
    .map_err(|e| match e {
        InitFailure::Exhausted(last) => SampleError::Initialisation {
            chain,
            attempts: settings.init_attempts.max(1),
            last,
        },
        InitFailure::Fatal(source) => SampleError::Density { chain, source },
    })?;

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
    let last_window_end = windows.last().map_or(0, |w| w.1);
    let mut phases = phases(settings.warmup, &windows);
    let mut stats = WarmupStats {
        init_gradient_evals: density.evals,
        init_attempts,
        ..WarmupStats::default()
    };
    let mut nuts = Nuts::new(n, settings.max_depth, settings.max_energy_error);
    let total = settings.warmup + settings.draws;
    let started = std::time::Instant::now();
    let mut stuck = None;
    let mut phase = 0;
    let mut phase_evals = density.evals;
    let mut max_depth_hits = 0;
    let mut metric_rank = 0;
    let mut first_window_ended = false;

    for it in 0..settings.warmup {
        let t = nuts
            .transition(density, adapt.metric(), eps, &mut z, &mut rng)
            .map_err(|source| SampleError::Density { chain, source })?;
        if t.divergent {
            stats.divergent_iterations.push(it);
            phases[phase].divergences += 1;
        }
        max_depth_hits += usize::from(t.depth >= settings.max_depth);
        eps = dual.update(t.accept_stat);
        let in_window = windows.iter().any(|(s, e)| (*s..*e).contains(&it));
        if in_window {
            adapt.add(&z.q, &z.grad);
        }
        if it + 1 == phases[phase].end {
            if in_window {
                let end = adapt.end_window();
                metric_rank = end.rank;
                phases[phase].fisher_divergence = end.fisher;
                phases[phase].fisher_divergence_diag = end.fisher_diag;
                let averaged = dual.final_step_size();
                // After the first window (the initial metric can be far off) Stan's
                // doubling/halving search starts a new dual-averaging sequence. The early and
                // slow windows then continue that sequence: a restart at every window end
                // overshot and cost gradients and divergences. At the terminal buffer the
                // average restarts, so that the final step size is the average over the
                // buffer alone; the sequence itself restarts (around the averaged step, not
                // ten times it) only in a chain that diverged in its last window
                // (docs/performance.md, "The terminal buffer"). Through the windows the sequence
                // runs with `WINDOW_GAMMA` (0.1), the terminal buffer with Stan's.
                if !first_window_ended {
                    eps = find_initial_step_size(
                        density,
                        adapt.metric(),
                        &z,
                        eps,
                        &mut rng,
                        &mut scratch,
                    );
                    dual.restart(eps, RESTART_MU_FACTOR);
                    if it + 1 != last_window_end {
                        dual.set_gamma(WINDOW_GAMMA);
                    }
                    first_window_ended = true;
                } else if it + 1 == last_window_end {
                    if phases[phase].divergences >= CAUTIOUS_TERMINAL_DIVERGENCES {
                        eps = averaged;
                        dual.restart(eps, TERMINAL_RESTART_MU_FACTOR);
                    } else {
                        dual.restart_average();
                    }
                    dual.set_gamma(da_opts.gamma);
                }
                if let Some(coordinate) = end.floored {
                    stuck = Some(Stuck::MetricFloor { coordinate });
                } else if averaged < STUCK_STEP_SIZE && eps < STUCK_STEP_SIZE {
                    stuck = Some(Stuck::StepSize { step_size: eps });
                }
            } else if phase + 1 == phases.len() {
                let share = max_depth_hits as f64 / phases[phase].len() as f64;
                let final_eps = dual.final_step_size();
                if final_eps < STUCK_STEP_SIZE {
                    stuck = Some(Stuck::StepSize {
                        step_size: final_eps,
                    });
                } else if share >= STUCK_MAX_DEPTH_SHARE {
                    stuck = Some(Stuck::TreeDepth { share });
                }
            }
            phases[phase].gradient_evals = density.evals - phase_evals;
            phases[phase].step_size = eps;
            phases[phase].metric_rank = metric_rank;
            phase_evals = density.evals;
            max_depth_hits = 0;
            phase += 1;
            if stuck.is_some() && attempt < settings.max_restarts {
                break;
            }
        }
        progress.on_iteration(chain, it + 1, total, stats.divergent_iterations.len());
    }
    phases.truncate(phase);
    if settings.warmup > 0 {
        eps = dual.final_step_size();
    }
    stats.phases = phases;
    Ok(Warm {
        z,
        adapt,
        eps,
        rng,
        nuts,
        stats,
        stuck,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The phases of a warm-up of `warmup` iterations with metric `windows`.
fn phases(warmup: usize, windows: &[(usize, usize)]) -> Vec<PhaseStats> {
    let phase = |name: String, start, end| PhaseStats {
        name,
        start,
        end,
        divergences: 0,
        gradient_evals: 0,
        step_size: f64::NAN,
        metric_rank: 0,
        fisher_divergence: None,
        fisher_divergence_diag: None,
    };
    let mut out = Vec::new();
    let first = windows.first().map_or(warmup, |w| w.0);
    if first > 0 {
        out.push(phase("init_buffer".into(), 0, first));
    }
    for (k, (s, e)) in windows.iter().enumerate() {
        out.push(phase(format!("window_{}", k + 1), *s, *e));
    }
    let last = windows.last().map_or(first, |w| w.1);
    if last < warmup {
        out.push(phase("term_buffer".into(), last, warmup));
    }
    out
}

impl PhaseStats {
    /// Iterations in the phase.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the phase has no iterations.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// The kept draws, from a finished warm-up.
fn sample_draws<D: LogDensity + ?Sized, A: AdaptiveMetric>(
    density: &mut D,
    settings: &SamplerSettings,
    chain: usize,
    warm: Warm<A>,
    progress: &dyn Progress,
) -> Result<ChainOutput, SampleError> {
    let Warm {
        mut z,
        adapt,
        eps,
        mut rng,
        mut nuts,
        stats: warmup,
        stuck,
        seconds: warmup_seconds,
    } = warm;
    let n = z.q.len();
    let started = std::time::Instant::now();
    let total = settings.warmup + settings.draws;
    let warmup_divergences = warmup.divergent_iterations.len();
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
        sampling_seconds: started.elapsed().as_secs_f64(),
        warmup,
        stuck,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_cover_the_warmup_in_order() {
        let windows = metric_windows(1000, WarmupWindows::default());
        let p = phases(1000, &windows);
        // The initial buffer is cut into early metric windows.
        assert_eq!(p.first().unwrap().name, "window_1");
        let stan = WarmupWindows {
            early_window: 0,
            ..WarmupWindows::default()
        };
        assert_eq!(
            phases(1000, &metric_windows(1000, stan))[0].name,
            "init_buffer"
        );
        assert_eq!(p.last().unwrap().name, "term_buffer");
        assert_eq!(p.first().unwrap().start, 0);
        assert_eq!(p.last().unwrap().end, 1000);
        for w in p.windows(2) {
            assert_eq!(w[0].end, w[1].start);
        }
        assert_eq!(phases(10, &[]).len(), 1);
        assert!(phases(0, &[]).is_empty());
    }
}
