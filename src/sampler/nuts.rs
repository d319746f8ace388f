//! One NUTS transition: multinomial sampling over a doubling trajectory with the generalised
//! no-U-turn criterion (Hoffman & Gelman 2014; Betancourt 2017), as Stan's `base_nuts`.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use super::hamiltonian::{MassMatrix, Point};
use super::target::{LogDensity, LogpError};

/// What one transition reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// Mean Metropolis acceptance probability over the trajectory's new points.
    pub accept_stat: f64,
    /// Depth of the final tree.
    pub depth: u32,
    /// Leapfrog steps taken (gradient evaluations).
    pub n_leapfrog: u32,
    /// Whether the trajectory diverged (energy error above the limit, or a failed evaluation).
    pub divergent: bool,
    /// Hamiltonian at the selected point.
    pub energy: f64,
}

/// Buffers of one level of the recursion, allocated once per chain.
#[derive(Debug, Clone)]
struct Level {
    propose_right: Point,
    rho_left: Vec<f64>,
    rho_right: Vec<f64>,
    rho_ext: Vec<f64>,
    p_left_end: Vec<f64>,
    v_left_end: Vec<f64>,
    p_right_beg: Vec<f64>,
    v_right_beg: Vec<f64>,
}

impl Level {
    fn new(n: usize) -> Self {
        Level {
            propose_right: Point::new(n),
            rho_left: vec![0.0; n],
            rho_right: vec![0.0; n],
            rho_ext: vec![0.0; n],
            p_left_end: vec![0.0; n],
            v_left_end: vec![0.0; n],
            p_right_beg: vec![0.0; n],
            v_right_beg: vec![0.0; n],
        }
    }
}

/// Per-transition scratch and the fixed settings of the integrator, allocated once per chain.
#[derive(Debug, Clone)]
pub(crate) struct Nuts {
    max_depth: u32,
    max_energy_error: f64,
    levels: Vec<Level>,
    /// Outermost points of the trajectory, forward and backward in time.
    fwd: Point,
    bwd: Point,
    /// Velocities at the two outermost points.
    v_fwd: Vec<f64>,
    v_bwd: Vec<f64>,
    /// Momentum and velocity of the old tree's end on the side being extended.
    p_old_end: Vec<f64>,
    v_old_end: Vec<f64>,
    /// First point of the new subtree (next to the old tree).
    p_sub_beg: Vec<f64>,
    v_sub_beg: Vec<f64>,
    /// Momentum at the new subtree's outer end (the velocity goes to `v_fwd`/`v_bwd`).
    p_sub_end: Vec<f64>,
    proposal: Point,
    rho: Vec<f64>,
    rho_sub: Vec<f64>,
    rho_ext: Vec<f64>,
}

/// Totals threaded through the recursion.
struct Tally {
    h0: f64,
    eps: f64,
    max_energy_error: f64,
    n_leapfrog: u32,
    sum_metro: f64,
    divergent: bool,
    fatal: Option<LogpError>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn sum_into(out: &mut [f64], a: &[f64], b: &[f64]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x + y;
    }
}

fn add_assign(out: &mut [f64], a: &[f64]) {
    for (o, x) in out.iter_mut().zip(a) {
        *o += x;
    }
}

/// log(e^a + e^b), exact when either is -inf.
pub(crate) fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// The generalised no-U-turn criterion: the summed momentum `rho` still points along the
/// velocities at both ends (the criterion is symmetric in the two ends).
fn no_u_turn(v_a: &[f64], v_b: &[f64], rho: &[f64]) -> bool {
    dot(v_a, rho) > 0.0 && dot(v_b, rho) > 0.0
}

/// Whether to move the proposal to a new subtree of log weight `lsw_new`, given the combined
/// log weight `lsw_total` (or the old tree's, for biased progressive sampling).
fn take_new<R: Rng + ?Sized>(lsw_new: f64, lsw_ref: f64, rng: &mut R) -> bool {
    lsw_new > lsw_ref || rng.random::<f64>() < (lsw_new - lsw_ref).exp()
}

/// The three U-turn checks over a merge of `left` (first built) and `right` subtrees:
/// the whole, left plus right's first point, right plus left's last point.
#[expect(
    clippy::too_many_arguments,
    reason = "the merge needs both ends of both halves"
)]
fn merged_persists(
    scratch: &mut [f64],
    v_beg: &[f64],
    v_end: &[f64],
    rho_left: &[f64],
    rho_right: &[f64],
    p_left_end: &[f64],
    v_left_end: &[f64],
    p_right_beg: &[f64],
    v_right_beg: &[f64],
) -> bool {
    sum_into(scratch, rho_left, rho_right);
    if !no_u_turn(v_beg, v_end, scratch) {
        return false;
    }
    sum_into(scratch, rho_left, p_right_beg);
    if !no_u_turn(v_beg, v_right_beg, scratch) {
        return false;
    }
    sum_into(scratch, rho_right, p_left_end);
    no_u_turn(v_left_end, v_end, scratch)
}

/// Output slots of a subtree: momentum and velocity at its first and last points, its summed
/// momentum (added to `rho`) and its log weight (log-added to `lsw`).
struct Ends<'a> {
    p_beg: &'a mut [f64],
    v_beg: &'a mut [f64],
    p_end: &'a mut [f64],
    v_end: &'a mut [f64],
    rho: &'a mut [f64],
    lsw: &'a mut f64,
}

/// Build a subtree of 2^depth leapfrog steps from `z` (advanced in place to its outer end),
/// selecting a proposal by multinomial sampling. Returns false on a U-turn or divergence.
#[expect(
    clippy::too_many_arguments,
    reason = "the recursion threads the integrator, the ends and the tallies"
)]
fn build_tree<D: LogDensity + ?Sized, M: MassMatrix, R: Rng + ?Sized>(
    levels: &mut [Level],
    depth: usize,
    density: &mut D,
    metric: &M,
    z: &mut Point,
    propose: &mut Point,
    out: Ends<'_>,
    tally: &mut Tally,
    rng: &mut R,
) -> bool {
    if depth == 0 {
        tally.n_leapfrog += 1;
        if let Err(err) = metric.leapfrog(density, z, tally.eps) {
            tally.divergent = true;
            if !err.is_recoverable() {
                tally.fatal = Some(err);
            }
            return false;
        }
        // The velocity goes to its slot before the divergence check; a divergent subtree is
        // discarded whole, so the slot is only read when the leaf is valid.
        let mut h = -z.lp + metric.kinetic_and_velocity(&z.p, out.v_beg);
        if !h.is_finite() {
            h = f64::INFINITY;
        }
        let log_w = tally.h0 - h;
        if -log_w > tally.max_energy_error {
            tally.divergent = true;
        }
        *out.lsw = log_add_exp(*out.lsw, log_w);
        tally.sum_metro += if log_w > 0.0 { 1.0 } else { log_w.exp() };
        propose.copy_from(z);
        out.p_beg.copy_from_slice(&z.p);
        out.p_end.copy_from_slice(&z.p);
        out.v_end.copy_from_slice(out.v_beg);
        add_assign(out.rho, &z.p);
        return !tally.divergent;
    }
    // A subtree of depth d keeps its locals in levels[d - 1]; its children use levels[..d - 1].
    let (lower, upper) = levels.split_at_mut(depth - 1);
    let lv = &mut upper[0];

    lv.rho_left.iter_mut().for_each(|r| *r = 0.0);
    let mut lsw_left = f64::NEG_INFINITY;
    let left = Ends {
        p_beg: out.p_beg,
        v_beg: out.v_beg,
        p_end: &mut lv.p_left_end,
        v_end: &mut lv.v_left_end,
        rho: &mut lv.rho_left,
        lsw: &mut lsw_left,
    };
    if !build_tree(
        lower,
        depth - 1,
        density,
        metric,
        z,
        propose,
        left,
        tally,
        rng,
    ) {
        return false;
    }

    lv.rho_right.iter_mut().for_each(|r| *r = 0.0);
    let mut lsw_right = f64::NEG_INFINITY;
    let right = Ends {
        p_beg: &mut lv.p_right_beg,
        v_beg: &mut lv.v_right_beg,
        p_end: out.p_end,
        v_end: out.v_end,
        rho: &mut lv.rho_right,
        lsw: &mut lsw_right,
    };
    let propose_right = &mut lv.propose_right;
    if !build_tree(
        lower,
        depth - 1,
        density,
        metric,
        z,
        propose_right,
        right,
        tally,
        rng,
    ) {
        return false;
    }

    let lsw_subtree = log_add_exp(lsw_left, lsw_right);
    *out.lsw = log_add_exp(*out.lsw, lsw_subtree);
    if take_new(lsw_right, lsw_subtree, rng) {
        propose.copy_from(&lv.propose_right);
    }
    add_assign(out.rho, &lv.rho_left);
    add_assign(out.rho, &lv.rho_right);
    merged_persists(
        &mut lv.rho_ext,
        out.v_beg,
        out.v_end,
        &lv.rho_left,
        &lv.rho_right,
        &lv.p_left_end,
        &lv.v_left_end,
        &lv.p_right_beg,
        &lv.v_right_beg,
    )
}

impl Nuts {
    /// Scratch for dimension `n`.
    pub fn new(n: usize, max_depth: u32, max_energy_error: f64) -> Self {
        let v = || vec![0.0; n];
        Nuts {
            max_depth,
            max_energy_error,
            levels: (0..max_depth.max(1)).map(|_| Level::new(n)).collect(),
            fwd: Point::new(n),
            bwd: Point::new(n),
            v_fwd: v(),
            v_bwd: v(),
            p_old_end: v(),
            v_old_end: v(),
            p_sub_beg: v(),
            v_sub_beg: v(),
            p_sub_end: v(),
            proposal: Point::new(n),
            rho: v(),
            rho_sub: v(),
            rho_ext: v(),
        }
    }

    /// One transition from `z` (position, gradient and lp set; momentum is resampled). On return
    /// `z` holds the selected point. A non-recoverable density error is returned as `Err`.
    pub fn transition<D: LogDensity + ?Sized, M: MassMatrix, R: Rng + ?Sized>(
        &mut self,
        density: &mut D,
        metric: &M,
        eps: f64,
        z: &mut Point,
        rng: &mut R,
    ) -> Result<Transition, LogpError> {
        for p in z.p.iter_mut() {
            *p = rng.sample(StandardNormal);
        }
        metric.momentum_from_std(&mut z.p);
        let h0 = metric.energy(z);
        self.fwd.copy_from(z);
        self.bwd.copy_from(z);
        metric.velocity(&z.p, &mut self.v_fwd);
        self.v_bwd.copy_from_slice(&self.v_fwd);
        self.rho.copy_from_slice(&z.p);
        let mut lsw_tree = 0.0;
        let mut tally = Tally {
            h0,
            eps,
            max_energy_error: self.max_energy_error,
            n_leapfrog: 0,
            sum_metro: 0.0,
            divergent: false,
            fatal: None,
        };
        let mut depth = 0;
        while depth < self.max_depth {
            let forward = rng.random::<bool>();
            tally.eps = if forward { eps } else { -eps };
            let (end, v_end, v_other) = if forward {
                (&mut self.fwd, &mut self.v_fwd, &self.v_bwd)
            } else {
                (&mut self.bwd, &mut self.v_bwd, &self.v_fwd)
            };
            self.p_old_end.copy_from_slice(&end.p);
            self.v_old_end.copy_from_slice(v_end);
            self.rho_sub.iter_mut().for_each(|r| *r = 0.0);
            let mut lsw_sub = f64::NEG_INFINITY;
            let ends = Ends {
                p_beg: &mut self.p_sub_beg,
                v_beg: &mut self.v_sub_beg,
                p_end: &mut self.p_sub_end,
                v_end,
                rho: &mut self.rho_sub,
                lsw: &mut lsw_sub,
            };
            let levels = &mut self.levels[..depth as usize];
            let valid = build_tree(
                levels,
                depth as usize,
                density,
                metric,
                end,
                &mut self.proposal,
                ends,
                &mut tally,
                rng,
            );
            if let Some(err) = tally.fatal.take() {
                return Err(err);
            }
            if !valid {
                break;
            }
            depth += 1;
            if take_new(lsw_sub, lsw_tree, rng) {
                z.copy_from(&self.proposal);
            }
            lsw_tree = log_add_exp(lsw_tree, lsw_sub);
            // Old tree = left half, new subtree = right half, seen from the growing side.
            let persist = merged_persists(
                &mut self.rho_ext,
                v_other,
                if forward { &self.v_fwd } else { &self.v_bwd },
                &self.rho,
                &self.rho_sub,
                &self.p_old_end,
                &self.v_old_end,
                &self.p_sub_beg,
                &self.v_sub_beg,
            );
            add_assign(&mut self.rho, &self.rho_sub);
            if !persist {
                break;
            }
        }
        let accept_stat = if tally.n_leapfrog > 0 {
            tally.sum_metro / f64::from(tally.n_leapfrog)
        } else {
            0.0
        };
        Ok(Transition {
            accept_stat,
            depth,
            n_leapfrog: tally.n_leapfrog,
            divergent: tally.divergent,
            energy: metric.energy(z),
        })
    }
}
