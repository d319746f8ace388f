//! Steady-state response of a channel to a flat spend per period, with its exact slope in the
//! spend: the per-draw curves the budget optimizer evaluates.

use crate::transform::{SaturationKind, hill, logistic, steady_state_factor};

use super::likelihood::Family;
use super::model::MmmDensity;

/// One channel's steady-state curve at one posterior draw, on the model's linear predictor:
/// η(spend) = β · f(gain · spend), with `spend` per period in original units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SteadyStateCurve {
    /// The channel coefficient β.
    pub beta: f64,
    /// Steady-state adstocked scaled spend per unit of original spend per period:
    /// Σ_l w_l / s_c.
    pub gain: f64,
    /// The saturation curve.
    pub saturation: SaturationKind,
    /// Its parameters in [`SaturationKind::param_names`] order (unused entries 0).
    pub params: [f64; 2],
}

impl SteadyStateCurve {
    /// η at `spend` per period and dη/d(spend). The slope is +∞ only for a Hill curve with
    /// slope S < 1 at zero spend.
    pub fn eta_with_slope(&self, spend: f64) -> (f64, f64) {
        let a = self.gain * spend;
        let e = match self.saturation {
            SaturationKind::Hill => hill(a, self.params[0], self.params[1]),
            SaturationKind::Logistic => logistic(a, self.params[0]),
        };
        (self.beta * e.value, self.beta * e.d_a * self.gain)
    }

    /// Whether η is concave in the spend (logistic always; Hill when S ≤ 1). An S-shaped curve
    /// makes the budget problem non-concave.
    pub fn is_concave(&self) -> bool {
        match self.saturation {
            SaturationKind::Hill => self.params[1] <= 1.0,
            SaturationKind::Logistic => true,
        }
    }
}

/// How the channels' η combine into an outcome per period in original units, for one draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResponseLink {
    /// Additive models: outcome = scale · Ση (scale = the target's scale s_y).
    Additive {
        /// s_y.
        scale: f64,
    },
    /// The log-normal model: outcome = scale · (exp(Ση) − 1), what the channels add on top of
    /// a baseline whose level gives scale = s_y · e^level.
    Multiplicative {
        /// s_y · e^level.
        scale: f64,
    },
}

impl ResponseLink {
    /// Outcome per period for a total η over channels.
    pub fn outcome(&self, eta: f64) -> f64 {
        match *self {
            ResponseLink::Additive { scale } => scale * eta,
            ResponseLink::Multiplicative { scale } => scale * eta.exp_m1(),
        }
    }

    /// d outcome / dη.
    pub fn slope(&self, eta: f64) -> f64 {
        match *self {
            ResponseLink::Additive { scale } => scale,
            ResponseLink::Multiplicative { scale } => scale * eta.exp(),
        }
    }

    /// Whether the outcome is linear in η (so a sum of concave curves stays concave).
    pub fn is_additive(&self) -> bool {
        matches!(self, ResponseLink::Additive { .. })
    }
}

impl MmmDensity {
    /// Number of media channels.
    pub fn n_channels(&self) -> usize {
        self.layout.channels.len()
    }

    /// Channel `c`'s steady-state curve at constrained parameters `x` (θ order).
    pub fn steady_state_curve(&mut self, x: &[f64], c: usize) -> SteadyStateCurve {
        let ch = &self.layout.channels[c];
        let np = ch.adstock.n_params();
        let l = ch.max_lag;
        let ad = [x[ch.adstock_idx[0]], x[ch.adstock_idx[np - 1]]];
        ch.adstock
            .weights(&ad[..np], ch.normalize, &mut self.w[..l]);
        let ns = ch.saturation.n_params();
        let mut params = [0.0; 2];
        for (p, idx) in params.iter_mut().zip(&ch.saturation_idx[..ns]) {
            *p = x[*idx];
        }
        SteadyStateCurve {
            beta: x[ch.beta_idx],
            gain: steady_state_factor(&self.w[..l]) / self.data.scales.channels[c],
            saturation: ch.saturation,
            params,
        }
    }

    /// How channel responses combine; `level` is the multiplicative model's baseline level on
    /// the model scale (log), ignored by additive models.
    pub fn response_link(&self, level: f64) -> ResponseLink {
        let sy = self.data.scales.target;
        if self.layout.family == Family::LogNormal {
            ResponseLink::Multiplicative {
                scale: sy * level.exp(),
            }
        } else {
            ResponseLink::Additive { scale: sy }
        }
    }

    /// [`MmmDensity::steady_state_response`] with its exact derivative in the spend per
    /// period: (outcome per period, d outcome / d spend), both in original units.
    pub fn steady_state_response_with_slope(
        &mut self,
        x: &[f64],
        c: usize,
        spend: f64,
        level: f64,
    ) -> (f64, f64) {
        let (eta, d_eta) = self.steady_state_curve(x, c).eta_with_slope(spend);
        let link = self.response_link(level);
        (link.outcome(eta), link.slope(eta) * d_eta)
    }
}

#[cfg(test)]
mod tests {
    use crate::density::MmmDensity;
    use crate::density::gradient_tests::synthetic_data;
    use crate::sampler::LogDensity;
    use crate::spec::ModelSpec;

    /// Two evaluations of the same closed form.
    const SAME_REL: f64 = 1e-12;
    /// Central differences in the spend agree with the exact slope to this relative error.
    const FD_REL: f64 = 1e-6;
    /// Relative step of the central difference.
    const FD_STEP: f64 = 1e-5;

    #[test]
    fn response_and_slope_match_the_value_and_central_differences_on_every_model() {
        let mut models = 0;
        for path in crate::test_support::model_files() {
            let spec = ModelSpec::from_file(&path).unwrap();
            let data = synthetic_data(&spec, 30, 2);
            let mut density = MmmDensity::new(&spec, &data).unwrap();
            let theta: Vec<f64> = (0..density.dim()).map(|i| 0.1 * i as f64 - 0.4).collect();
            let mut x = Vec::new();
            density.constrain(&theta, &mut x);
            let level = 0.3;
            for c in 0..density.n_channels() {
                let top = data.channel(c).iter().fold(0.0_f64, |m, v| m.max(*v));
                for frac in [0.01, 0.3, 1.0, 2.5] {
                    let spend = frac * top;
                    let (value, slope) =
                        density.steady_state_response_with_slope(&x, c, spend, level);
                    let direct = density.steady_state_response(&x, c, spend, level);
                    assert!((value - direct).abs() <= SAME_REL * direct.abs().max(1e-300));
                    let h = FD_STEP * spend;
                    let up = density.steady_state_response(&x, c, spend + h, level);
                    let down = density.steady_state_response(&x, c, spend - h, level);
                    let fd = (up - down) / (2.0 * h);
                    assert!(
                        (slope - fd).abs() <= FD_REL * fd.abs().max(1e-12 * value.abs()),
                        "{} channel {c} spend {spend}: slope {slope} vs fd {fd}",
                        path.display()
                    );
                }
            }
            models += 1;
        }
        assert!(models >= 4);
    }
}
