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

/// See [`DualAveraging::restart`]. A factor of 2 halved warm-up divergences on the posteriordb
/// set but, with a longer terminal buffer and Stan's search at every window end, gave
/// divergences in the demo MMM's kept draws (docs/performance.md); Stan's 10 stays.
pub(crate) const RESTART_MU_FACTOR: f64 = 10.0;

/// State of the dual-averaging iteration on log step size.
#[derive(Debug, Clone)]
pub(crate) struct DualAveraging {
    opts: DualAveragingOptions,
    mu: f64,
    counter: f64,
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
            s_bar: 0.0,
            x_bar: 0.0,
        }
    }

    /// Restart around a new initial step size (after a metric update), centred on
    /// [`RESTART_MU_FACTOR`] times it (Stan's 10).
    pub fn restart(&mut self, eps: f64) {
        *self = DualAveraging::new(self.opts, eps);
        self.mu = (RESTART_MU_FACTOR * eps).ln();
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
        let x_eta = self.counter.powf(-self.opts.kappa);
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
}
