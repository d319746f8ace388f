//! The heuristic rules: how one converting journey's credit is split among its touches.
//!
//! Touches arrive in time order. Touches at the same instant are tied: the first-touch rule
//! splits its credit equally among the touches at the earliest time, last touch and last
//! non-direct among those at the latest, and position based treats each tied end as one
//! position shared equally. Every rule's weights sum to one.

use super::journeys::Touch;
use super::rule::Rule;
use super::timestamp::Millis;

/// Parameters of the time-decay, position-based and last-non-direct rules.
#[derive(Debug, Clone, PartialEq)]
pub struct HeuristicParams {
    /// Time-decay half-life, milliseconds.
    pub half_life_ms: f64,
    /// First, middle and last weights.
    pub position_weights: [f64; 3],
    /// `is_direct[channel]`: the channel counts as direct.
    pub is_direct: Vec<bool>,
}

/// Equal weights for `touches[range]`, zero elsewhere.
fn share(weights: &mut [f64], range: std::ops::Range<usize>, total: f64) {
    let n = range.len() as f64;
    for w in &mut weights[range] {
        *w += total / n;
    }
}

/// Index one past the run of touches tied with the first.
fn first_run_end(touches: &[Touch]) -> usize {
    touches.partition_point(|t| t.time == touches[0].time)
}

/// Index where the run of touches tied with the last begins.
fn last_run_start(touches: &[Touch]) -> usize {
    let last = touches[touches.len() - 1].time;
    touches
        .iter()
        .rposition(|t| t.time != last)
        .map_or(0, |i| i + 1)
}

fn last_non_direct(touches: &[Touch], weights: &mut [f64], is_direct: &[bool]) {
    let non_direct = |t: &Touch| !is_direct.get(t.channel as usize).copied().unwrap_or(false);
    let Some(last) = touches.iter().rposition(non_direct) else {
        let start = last_run_start(touches);
        share(weights, start..touches.len(), 1.0);
        return;
    };
    let time = touches[last].time;
    let tied: Vec<usize> = (0..=last)
        .filter(|&i| touches[i].time == time && non_direct(&touches[i]))
        .collect();
    for i in &tied {
        weights[*i] = 1.0 / tied.len() as f64;
    }
}

fn time_decay(touches: &[Touch], weights: &mut [f64], conversion: Millis, half_life_ms: f64) {
    // Relative to the latest touch, so weights never underflow to zero together.
    let latest = touches[touches.len() - 1].time;
    let lag = (conversion - latest).max(0) as f64;
    let mut total = 0.0;
    for (w, t) in weights.iter_mut().zip(touches) {
        let age = (conversion - t.time) as f64 - lag;
        *w = (-age / half_life_ms).exp2();
        total += *w;
    }
    for w in weights.iter_mut() {
        *w /= total;
    }
}

fn position_based(touches: &[Touch], weights: &mut [f64], [first, middle, last]: [f64; 3]) {
    let n = touches.len();
    let head = first_run_end(touches);
    let tail = last_run_start(touches);
    if head == n || (head == tail && first + last <= 0.0) {
        share(weights, 0..n, 1.0);
    } else if head == tail {
        share(weights, 0..head, first / (first + last));
        share(weights, tail..n, last / (first + last));
    } else {
        share(weights, 0..head, first);
        share(weights, head..tail, middle);
        share(weights, tail..n, last);
    }
}

/// Fill `weights` (one per touch, same length) with `rule`'s split of one conversion at time
/// `conversion`. `rule` must be one of [`Rule::HEURISTIC`].
pub fn heuristic_weights(
    rule: Rule,
    touches: &[Touch],
    conversion: Millis,
    params: &HeuristicParams,
    weights: &mut [f64],
) {
    debug_assert_eq!(touches.len(), weights.len());
    weights.fill(0.0);
    if touches.is_empty() {
        return;
    }
    let n = touches.len();
    match rule {
        Rule::FirstTouch => share(weights, 0..first_run_end(touches), 1.0),
        Rule::LastTouch => share(weights, last_run_start(touches)..n, 1.0),
        Rule::LastNonDirect => last_non_direct(touches, weights, &params.is_direct),
        Rule::Linear => share(weights, 0..n, 1.0),
        Rule::TimeDecay => time_decay(touches, weights, conversion, params.half_life_ms),
        Rule::PositionBased => position_based(touches, weights, params.position_weights),
        Rule::Markov | Rule::Shapley => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    /// Hand-computed weights agree to round-off.
    const TOL: f64 = 1e-12;
    const DAY: Millis = 86_400_000;

    fn params() -> HeuristicParams {
        HeuristicParams {
            half_life_ms: 7.0 * DAY as f64,
            position_weights: [0.4, 0.2, 0.4],
            // Channel 3 is "direct".
            is_direct: vec![false, false, false, true],
        }
    }

    fn touches(spec: &[(u16, i64)]) -> Vec<Touch> {
        spec.iter()
            .map(|&(channel, day)| Touch {
                channel,
                time: day * DAY,
            })
            .collect()
    }

    fn weights(rule: Rule, t: &[Touch], conversion_day: i64) -> Vec<f64> {
        let mut w = vec![f64::NAN; t.len()];
        heuristic_weights(rule, t, conversion_day * DAY, &params(), &mut w);
        w
    }

    fn check(rule: Rule, t: &[Touch], day: i64, expected: &[f64]) {
        let w = weights(rule, t, day);
        for (a, b) in w.iter().zip(expected) {
            assert_abs_diff_eq!(*a, *b, epsilon = TOL);
        }
        assert_abs_diff_eq!(w.iter().sum::<f64>(), 1.0, epsilon = TOL);
    }

    #[test]
    fn four_distinct_touches_match_the_hand_computed_splits() {
        let t = touches(&[(0, 0), (1, 7), (2, 14), (3, 21)]);
        check(Rule::FirstTouch, &t, 21, &[1.0, 0.0, 0.0, 0.0]);
        check(Rule::LastTouch, &t, 21, &[0.0, 0.0, 0.0, 1.0]);
        check(Rule::LastNonDirect, &t, 21, &[0.0, 0.0, 1.0, 0.0]);
        check(Rule::Linear, &t, 21, &[0.25; 4]);
        // Ages 21, 14, 7, 0 days = 3, 2, 1, 0 half-lives: weights 1/8, 1/4, 1/2, 1 over 15/8.
        check(
            Rule::TimeDecay,
            &t,
            21,
            &[1.0 / 15.0, 2.0 / 15.0, 4.0 / 15.0, 8.0 / 15.0],
        );
        check(Rule::PositionBased, &t, 21, &[0.4, 0.1, 0.1, 0.4]);
    }

    #[test]
    fn a_single_touch_takes_everything_under_every_rule() {
        let t = touches(&[(3, 5)]);
        for rule in Rule::HEURISTIC {
            check(rule, &t, 9, &[1.0]);
        }
    }

    #[test]
    fn two_touches_split_position_based_half_and_half() {
        let t = touches(&[(0, 0), (1, 1)]);
        check(Rule::PositionBased, &t, 1, &[0.5, 0.5]);
        // One half-life apart: 1/3 and 2/3.
        let t = touches(&[(0, 0), (1, 7)]);
        check(Rule::TimeDecay, &t, 7, &[1.0 / 3.0, 2.0 / 3.0]);
    }

    #[test]
    fn ties_in_time_share_the_tied_position() {
        // Two touches tied first, one between, two tied last.
        let t = touches(&[(0, 0), (1, 0), (2, 3), (3, 5), (1, 5)]);
        check(Rule::FirstTouch, &t, 5, &[0.5, 0.5, 0.0, 0.0, 0.0]);
        check(Rule::LastTouch, &t, 5, &[0.0, 0.0, 0.0, 0.5, 0.5]);
        // The direct touch is tied last with a non-direct one: the non-direct one wins.
        check(Rule::LastNonDirect, &t, 5, &[0.0, 0.0, 0.0, 0.0, 1.0]);
        check(Rule::PositionBased, &t, 5, &[0.2, 0.2, 0.2, 0.2, 0.2]);
        // All tied: every rule is linear.
        let t = touches(&[(0, 2), (1, 2), (2, 2)]);
        for rule in Rule::HEURISTIC {
            check(rule, &t, 4, &[1.0 / 3.0; 3]);
        }
    }

    #[test]
    fn an_all_direct_journey_credits_its_last_direct_touch() {
        let t = touches(&[(3, 0), (3, 2)]);
        check(Rule::LastNonDirect, &t, 2, &[0.0, 1.0]);
    }

    #[test]
    fn time_decay_survives_touches_hundreds_of_half_lives_old() {
        let t = touches(&[(0, 0), (1, 20_000)]);
        let w = weights(Rule::TimeDecay, &t, 20_000);
        assert!(w.iter().all(|x| x.is_finite()));
        assert_abs_diff_eq!(w[1], 1.0, epsilon = TOL);
    }
}
