//! Where a chain starts: its random stream, an initial point that backs off towards zero when
//! the density there is astronomically far from any typical set, and Stan's initial step size.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::hamiltonian::{MassMatrix, Point};
use super::target::{LogDensity, LogpError, checked_logp_grad};

/// Log of Stan's acceptance threshold in the initial step-size search.
const LOG_INIT_ACCEPT: f64 = -0.223_143_551_314_209_76; // ln(0.8)
/// Step sizes outside these bounds mean the posterior is improper or degenerate.
const STEP_SIZE_MAX: f64 = 1e7;
const STEP_SIZE_MIN: f64 = 1e-300;
/// Doublings or halvings tried by the initial step-size search.
const STEP_SEARCH_MAX: usize = 200;
/// A start is astronomically far from the typical set when its log density, or the change of
/// the log density that its gradient predicts across the initialisation box, exceeds this many
/// nats (log densities are dimensionless). There the curvature forces steps so small that
/// NUTS cannot walk back (an ARMA recursion outside stationarity: -1e45 and gradients of
/// 1e50); such a start is retried with the radius halved.
pub(crate) const ASTRONOMICAL_NATS: f64 = 1e12;
/// The radius is halved at most this many times.
const MAX_BACKOFFS: i32 = 10;

/// The random stream of attempt `attempt` of chain `chain` under `seed`: independent of thread
/// scheduling. Attempt 0 is stream `chain`; restarts take streams above 2^32.
pub(crate) fn chain_rng(seed: u64, chain: usize, attempt: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(chain as u64 + ((attempt as u64) << 32));
    rng
}

/// A density that counts its evaluations.
pub(crate) struct Counting<'a, D: ?Sized> {
    inner: &'a mut D,
    /// Evaluations so far.
    pub evals: u64,
}

impl<'a, D: LogDensity + ?Sized> Counting<'a, D> {
    /// Count the evaluations of `inner`.
    pub fn new(inner: &'a mut D) -> Self {
        Counting { inner, evals: 0 }
    }
}

impl<D: LogDensity + ?Sized> LogDensity for Counting<'_, D> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        self.evals += 1;
        self.inner.logp_grad(theta, grad)
    }
}

/// Why no initial point was found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum InitFailure {
    /// Every attempt failed recoverably; the last error.
    Exhausted(LogpError),
    /// The density failed unrecoverably.
    Fatal(LogpError),
}

/// Whether the start `z` is astronomically far from any typical set (see
/// [`ASTRONOMICAL_NATS`]).
fn astronomical(z: &Point, radius: f64) -> bool {
    let slope = z.grad.iter().fold(0.0f64, |a, g| a.max(g.abs()));
    z.lp.abs() > ASTRONOMICAL_NATS || slope * radius.max(1.0) > ASTRONOMICAL_NATS
}

/// Find a start for `z`: the given point `init` if any, else uniform draws in (-r, r)^n until
/// the density and gradient are finite. An astronomical start halves r and tries again; when
/// every finite start is astronomical, the one with the highest log density is kept.
/// Returns the number of points tried.
pub(crate) fn initialise<D: LogDensity + ?Sized>(
    density: &mut D,
    init: Option<&[f64]>,
    radius: f64,
    attempts: usize,
    rng: &mut ChaCha8Rng,
    z: &mut Point,
) -> Result<usize, InitFailure> {
    if let Some(q) = init {
        z.q.copy_from_slice(q);
        return match checked_logp_grad(density, &z.q, &mut z.grad) {
            Ok(lp) => {
                z.lp = lp;
                Ok(1)
            }
            Err(e) if e.is_recoverable() => Err(InitFailure::Exhausted(e)),
            Err(e) => Err(InitFailure::Fatal(e)),
        };
    }
    let mut r = radius;
    let mut last = LogpError::NonFinite;
    let mut best: Option<Point> = None;
    let mut backoffs = 0;
    let attempts = attempts.max(1);
    for tried in 1..=attempts {
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
                if !astronomical(z, r) {
                    return Ok(tried);
                }
                if best.as_ref().is_none_or(|b| lp > b.lp) {
                    best = Some(z.clone());
                }
                if backoffs < MAX_BACKOFFS {
                    r *= 0.5;
                    backoffs += 1;
                }
            }
            Err(e) if e.is_recoverable() => last = e,
            Err(e) => return Err(InitFailure::Fatal(e)),
        }
    }
    match best {
        Some(b) => {
            z.copy_from(&b);
            Ok(attempts)
        }
        None => Err(InitFailure::Exhausted(last)),
    }
}

/// Stan's heuristic: double or halve the step until a single leapfrog step's acceptance
/// probability crosses 0.8.
pub(crate) fn find_initial_step_size<D: LogDensity + ?Sized, M: MassMatrix>(
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

#[cfg(test)]
mod tests {
    use super::*;

    /// log p = -exp(10 x): finite everywhere, astronomical for x above about 2.8.
    struct Wall;
    impl LogDensity for Wall {
        fn dim(&self) -> usize {
            1
        }
        fn logp_grad(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, LogpError> {
            let e = (10.0 * x[0]).exp();
            g[0] = -10.0 * e;
            Ok(-e - 0.5 * x[0] * x[0])
        }
    }

    #[test]
    fn an_astronomical_start_backs_off_towards_zero() {
        for seed in 0..20 {
            let mut rng = chain_rng(seed, 0, 0);
            let mut z = Point::new(1);
            initialise(&mut Wall, None, 4.0, 100, &mut rng, &mut z).unwrap();
            assert!(
                !astronomical(&z, 1.0),
                "seed {seed}: start {} lp {}",
                z.q[0],
                z.lp
            );
        }
    }

    #[test]
    fn a_given_initial_point_is_used_as_is() {
        let mut rng = chain_rng(1, 0, 0);
        let mut z = Point::new(1);
        let tried = initialise(&mut Wall, Some(&[0.25]), 2.0, 100, &mut rng, &mut z).unwrap();
        assert_eq!(tried, 1);
        assert_eq!(z.q[0].to_bits(), 0.25f64.to_bits());
    }

    #[test]
    fn restarts_draw_from_streams_of_their_own() {
        let a: u64 = chain_rng(3, 1, 0).random();
        let b: u64 = chain_rng(3, 1, 1).random();
        let c: u64 = chain_rng(3, 2, 0).random();
        assert!(a != b && a != c && b != c);
    }
}
