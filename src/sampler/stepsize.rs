//! Nesterov dual-averaging adaptation of the leapfrog step size toward a target acceptance
//! statistic (Hoffman & Gelman 2014, section 3.2; Stan's `stepsize_adaptation`).

/// Tunables of dual averaging, with Stan's defaults (Hoffman & Gelman 2014).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DualAveragingOptions {
    /// Target mean acceptance statistic (Stan's `delta`).
    pub target_accept: f64,
    /// Regularisation scale γ.
    pub gamma: f64,
    /// Iteration offset t0, damping early iterations.
    pub t0: f64,
    /// Decay exponent κ of the averaging weights.
    pub kappa: f64,
}

impl Default for DualAveragingOptions {
    fn default() -> Self {
        DualAveragingOptions {
            target_accept: 0.8,
            gamma: 0.05,
            t0: 10.0,
            kappa: 0.75,
        }
    }
}

/// See [`DualAveraging::restart`]: the restart after the first metric window, from Stan's
/// search. A factor of 2 halved warm-up divergences on the posteriordb set but, with a longer
/// terminal buffer and Stan's search at every window end, gave divergences in the demo MMM's
/// kept draws (docs/performance.md); Stan's 10 stays there.
pub(crate) const RESTART_MU_FACTOR: f64 = 10.0;

/// The cautious restart of the terminal buffer (a chain that diverged in its last metric
/// window) is centred on the averaged step itself: centred on 10 times it, the buffer's second
/// iteration diverged in every chain of every MMM fit (docs/performance.md, "The terminal
/// buffer").
pub(crate) const TERMINAL_RESTART_MU_FACTOR: f64 = 1.0;

/// γ of the sequence that runs through the metric windows (from the restart after the first
/// window to the terminal buffer); the terminal buffer, whose average is the final step size,
/// runs with Stan's γ ([`DualAveraging::set_gamma`] keeps the iterate). 0.1 instead of Stan's
/// 0.05: a smaller gain on the acceptance error, a calmer step, fewer trees one level deeper
/// than needed. Warm-up gradients below nuts-rs' on all four bench densities, seeds 1-10
/// (100-d normal 34.9 k -> 31.3 k, PyMC-Marketing example 39.7 k -> 35.9 k; nuts-rs 34.1 k and
/// 38.1 k) with ESS per gradient still ahead, and ARMA(1,1) no worse over 101 seeds
/// (docs/performance.md, "Warm-up gradients against nuts-rs: γ = 0.1 in the windows").
pub(crate) const WINDOW_GAMMA: f64 = 0.1;

/// State of the dual-averaging iteration on log step size.
#[derive(Debug, Clone)]
pub(crate) struct DualAveraging {
    opts: DualAveragingOptions,
    mu: f64,
    counter: f64,
    /// Iterations since the average `x_bar` was last restarted.
    avg_counter: f64,
    s_bar: f64,
    x_bar: f64,
}

impl DualAveraging {
    /// Start averaging around ten times `eps` (Stan's μ = log(10 ε0)).
    pub fn new(opts: DualAveragingOptions, eps: f64) -> Self {
        DualAveraging {
            opts,
            mu: (10.0 * eps).ln(),
            counter: 0.0,
            avg_counter: 0.0,
            s_bar: 0.0,
            x_bar: 0.0,
        }
    }

    /// Restart around a new initial step size (after a metric update), centred on
    /// `mu_factor` times it (Stan's 10, [`RESTART_MU_FACTOR`]).
    pub fn restart(&mut self, eps: f64, mu_factor: f64) {
        *self = DualAveraging::new(self.opts, eps);
        self.mu = (mu_factor * eps).ln();
    }

    /// Keep the running sequence (its iterate and its memory of past acceptance) and restart
    /// only the average: from the next update on, [`Self::final_step_size`] averages the
    /// iterates from here alone.
    pub fn restart_average(&mut self) {
        self.avg_counter = 0.0;
    }

    /// Change γ from the next update on, keeping the current iterate log ε = μ − √t · h̄ / γ
    /// (μ shifts by √t · h̄ · (1/γ' − 1/γ)) and the memory h̄ of past acceptance errors.
    pub fn set_gamma(&mut self, gamma: f64) {
        let drift = self.counter.sqrt() * self.s_bar;
        self.mu += drift * (1.0 / gamma - 1.0 / self.opts.gamma);
        self.opts.gamma = gamma;
    }

    /// The current iterate (the step size of the next transition).
    #[cfg(test)]
    fn iterate(&self) -> f64 {
        (self.mu - self.s_bar * self.counter.sqrt() / self.opts.gamma).exp()
    }

    /// Feed one acceptance statistic; returns the step size for the next iteration.
    pub fn update(&mut self, accept_stat: f64) -> f64 {
        let a = if accept_stat.is_finite() {
            accept_stat.min(1.0)
        } else {
            0.0
        };
        self.counter += 1.0;
        let eta = 1.0 / (self.counter + self.opts.t0);
        self.s_bar = (1.0 - eta) * self.s_bar + eta * (self.opts.target_accept - a);
        let x = self.mu - self.s_bar * self.counter.sqrt() / self.opts.gamma;
        self.avg_counter += 1.0;
        let x_eta = self.avg_counter.powf(-self.opts.kappa);
        self.x_bar = x_eta * x + (1.0 - x_eta) * self.x_bar;
        x.exp()
    }

    /// The averaged step size, used after warm-up.
    pub fn final_step_size(&self) -> f64 {
        self.x_bar.exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    const REL_TOL: f64 = 0.05;

    /// A toy acceptance model: acceptance falls as exp(-eps); dual averaging must find the
    /// step size where it equals the target.
    #[test]
    fn converges_to_the_step_size_with_target_acceptance() {
        let opts = DualAveragingOptions::default();
        let mut da = DualAveraging::new(opts, 1.0);
        let mut eps: f64 = 1.0;
        for _ in 0..2000 {
            eps = da.update((-eps).exp());
        }
        let want = -(opts.target_accept.ln());
        let got = da.final_step_size();
        assert!(
            (got - want).abs() / want < REL_TOL,
            "got {got}, want {want}"
        );
        assert!(eps > 0.0);
    }

    /// Changing γ keeps the iterate; afterwards the same acceptance error moves the log step
    /// by the new gain, and the sequence still converges to the target acceptance.
    #[test]
    fn changing_gamma_keeps_the_iterate_and_scales_the_gain() {
        let opts = DualAveragingOptions::default();
        let mut da = DualAveraging::new(opts, 1.0);
        let mut eps: f64 = 1.0;
        for _ in 0..300 {
            eps = da.update((-eps).exp());
        }
        let before = da.iterate();
        let mut calm = da.clone();
        calm.set_gamma(2.0 * opts.gamma);
        assert_relative_eq!(calm.iterate(), before, max_relative = 1e-12);
        // Both sequences see the same acceptance far below the target: the one with twice γ
        // moves its log step half as far.
        let fast = da.update(0.0).ln() - before.ln();
        let slow = calm.update(0.0).ln() - before.ln();
        assert!(fast < 0.0, "{fast}");
        assert_relative_eq!(slow, 0.5 * fast, max_relative = 1e-9);
        let mut eps = calm.iterate();
        for _ in 0..2000 {
            eps = calm.update((-eps).exp());
        }
        let want = -(opts.target_accept.ln());
        let got = calm.final_step_size();
        assert!(
            (got - want).abs() / want < REL_TOL,
            "got {got}, want {want}"
        );
    }

    /// Restarting the average keeps the iterate: the next step continues the sequence (no
    /// jump to ten times the step, as a full restart gives), and the final step size forgets
    /// the iterates before the restart.
    #[test]
    fn restarting_the_average_keeps_the_iterate_and_forgets_earlier_steps() {
        let opts = DualAveragingOptions::default();
        let mut da = DualAveraging::new(opts, 1.0);
        let mut eps: f64 = 1.0;
        for _ in 0..500 {
            eps = da.update((-eps).exp());
        }
        let mut full = da.clone();
        full.restart(eps, RESTART_MU_FACTOR);
        let jumped = full.update((-eps).exp());
        da.restart_average();
        let next = da.update((-eps).exp());
        assert!((next / eps - 1.0).abs() < 0.05, "{eps} -> {next}");
        assert!(
            jumped > 5.0 * eps,
            "a full restart jumps: {eps} -> {jumped}"
        );
        // After the restart the average is the iterate itself.
        assert!((da.final_step_size() / next - 1.0).abs() < 1e-12);
        // Fed a new regime (acceptance falling as exp(-4 eps)), the average follows it alone.
        for _ in 0..1000 {
            eps = da.update((-4.0 * eps).exp());
        }
        let want = -(opts.target_accept.ln()) / 4.0;
        let got = da.final_step_size();
        assert!(
            (got - want).abs() / want < REL_TOL,
            "got {got}, want {want}"
        );
    }
}
