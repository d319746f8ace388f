//! Checking a parsed truth file against the model: serde structs that reject unknown keys and
//! keep spans, and the checker that turns them into a [`Truth`] or located issues.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::{Spanned, Value};

use crate::spec::{Issue, ModelSpec};
use crate::transform::Date;

use super::controls::ControlDesign;
use super::spend::{ChannelDesign, SpendPattern};
use super::truth::{DEFAULT_PERIOD_DAYS, DEFAULT_START, DEFAULT_TARGET_SCALE, Truth};

/// Default log-scale spend noise of every pattern.
pub(super) const NOISE: f64 = 0.3;
/// Default mean flight and gap lengths of a flighted channel.
const FLIGHT: usize = 4;
/// Default chance a sporadic channel is active.
const SPORADIC_PROBABILITY: f64 = 0.2;
/// Default last-over-first level of a trending channel.
const GROWTH: f64 = 3.0;
/// Defaults of the price control.
const PRICE_NOISE: f64 = 0.02;
const PRICE_DISCOUNT: f64 = 0.15;
const PRICE_PROBABILITY: f64 = 0.1;

/// The truth file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTruth {
    seed: Option<Spanned<Value>>,
    periods: Option<Spanned<Value>>,
    start: Option<Spanned<String>>,
    period_days: Option<Spanned<Value>>,
    target_scale: Option<Spanned<Value>>,
    #[serde(default)]
    parameters: BTreeMap<String, Spanned<Value>>,
    #[serde(default)]
    channel: BTreeMap<String, Spanned<RawChannel>>,
    #[serde(default)]
    control: BTreeMap<String, Spanned<RawControl>>,
}

/// `[channel.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    pattern: Option<Spanned<String>>,
    spend_scale: Option<Spanned<Value>>,
    seasonal: Option<Spanned<Value>>,
    noise: Option<Spanned<Value>>,
    on: Option<Spanned<Value>>,
    off: Option<Spanned<Value>>,
    probability: Option<Spanned<Value>>,
    growth: Option<Spanned<Value>>,
}

/// `[control.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    pattern: Option<Spanned<String>>,
    probability: Option<Spanned<Value>>,
    length: Option<Spanned<Value>>,
    level: Option<Spanned<Value>>,
    noise: Option<Spanned<Value>>,
    discount: Option<Spanned<Value>>,
    sd: Option<Spanned<Value>>,
}

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

type Field<'a> = Option<&'a Spanned<Value>>;

/// Collects the issues of one truth file.
pub(super) struct Checker<'a> {
    text: &'a str,
    issues: Vec<Issue>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(text: &'a str) -> Checker<'a> {
        Checker {
            text,
            issues: Vec::new(),
        }
    }

    /// The issues found, in line order.
    pub(super) fn into_issues(mut self) -> Vec<Issue> {
        self.issues.sort_by_key(|i| i.line);
        self.issues
    }

    fn line<T>(&self, v: &Spanned<T>) -> Option<usize> {
        Some(line_of(self.text, v.span().start))
    }

    fn fail<T>(&mut self, key: &str, v: &Spanned<T>, shown: impl std::fmt::Display, msg: &str) {
        let issue = Issue::new(key, msg).value(shown).line(self.line(v));
        self.issues.push(issue);
    }

    fn fail_here<T>(&mut self, key: &str, v: &Spanned<T>, msg: &str) {
        let issue = Issue::new(key, msg).line(self.line(v));
        self.issues.push(issue);
    }

    /// A number (integer or float) meeting `ok`, or `default` when absent.
    fn number(&mut self, key: &str, v: Field<'_>, ok: fn(f64) -> bool, req: &str, d: f64) -> f64 {
        let Some(v) = v else { return d };
        let x = match v.get_ref() {
            Value::Integer(i) => *i as f64,
            Value::Float(f) => *f,
            other => {
                self.fail(key, v, other, "must be a number");
                return d;
            }
        };
        if x.is_finite() && ok(x) {
            x
        } else {
            self.fail(key, v, x, req);
            d
        }
    }

    /// A whole number ≥ `min`, or `default` when absent.
    fn whole(&mut self, key: &str, v: Field<'_>, min: i64, req: &str, d: usize) -> usize {
        let Some(v) = v else { return d };
        match v.get_ref() {
            Value::Integer(i) if *i >= min => usize::try_from(*i).unwrap_or(d),
            other => {
                self.fail(key, v, other, req);
                d
            }
        }
    }

    pub(super) fn truth(&mut self, raw: &RawTruth, origin: &str, spec: &ModelSpec) -> Truth {
        let seed = raw
            .seed
            .as_ref()
            .map(|v| self.whole("seed", Some(v), 0, "must be a whole number >= 0", 0) as u64);
        let periods = raw
            .periods
            .as_ref()
            .map(|v| self.whole("periods", Some(v), 2, "must be a whole number >= 2", 0));
        let start = match &raw.start {
            None => Date::parse_iso(DEFAULT_START).ok(),
            Some(s) => match Date::parse_iso(s.get_ref()) {
                Ok(d) => Some(d),
                Err(e) => {
                    self.fail("start", s, format!("\"{}\"", s.get_ref()), &e.to_string());
                    None
                }
            },
        };
        let period_days = self.whole(
            "period_days",
            raw.period_days.as_ref(),
            1,
            "must be a whole number of days >= 1 (7 for weekly data, 1 for daily)",
            DEFAULT_PERIOD_DAYS as usize,
        );
        let target_scale = self.number(
            "target_scale",
            raw.target_scale.as_ref(),
            |x| x > 0.0,
            "must be > 0: the outcome's typical size in currency (the scaled outcome times this)",
            DEFAULT_TARGET_SCALE,
        );
        Truth {
            origin: origin.to_string(),
            seed,
            periods,
            start: start.unwrap_or(Date::from_days_since_epoch(0)),
            period_days: u32::try_from(period_days).unwrap_or(DEFAULT_PERIOD_DAYS),
            target_scale,
            parameters: self.parameters(&raw.parameters, spec),
            channels: self.channels(&raw.channel, spec),
            controls: self.controls(&raw.control, spec),
        }
    }

    fn parameters(
        &mut self,
        given: &BTreeMap<String, Spanned<Value>>,
        spec: &ModelSpec,
    ) -> Vec<Option<f64>> {
        let params = spec.parameters();
        let names: Vec<String> = params.iter().map(|p| p.name.clone()).collect();
        let mut out = vec![None; params.len()];
        for (name, v) in given {
            let key = format!("parameters.\"{name}\"");
            let Some(i) = names.iter().position(|n| n == name) else {
                let hint = crate::data::nearest(name, &names)
                    .map_or_else(String::new, |n| format!("did you mean \"{n}\"? "));
                let msg = format!(
                    "the model has no parameter {name}; {hint}its parameters are {}",
                    names.join(", ")
                );
                self.fail_here(&key, v, &msg);
                continue;
            };
            let support = params[i].support;
            let (lo, hi) = support.bounds();
            let msg = format!(
                "lies outside the support of {name}, {support} (its prior is {}); give a value \
                 strictly inside",
                params[i].prior
            );
            let x = self.number(&key, Some(v), |_| true, "must be a finite number", f64::NAN);
            if x.is_nan() {
                continue;
            }
            if x > lo && x < hi {
                out[i] = Some(x);
            } else {
                self.fail(&key, v, x, &msg);
            }
        }
        out
    }

    fn channels(
        &mut self,
        given: &BTreeMap<String, Spanned<RawChannel>>,
        spec: &ModelSpec,
    ) -> Vec<ChannelDesign> {
        let names: Vec<String> = spec.channels.iter().map(|c| c.name.clone()).collect();
        self.unknown_names("channel", given, &names);
        names
            .iter()
            .map(|name| match given.get(name) {
                None => ChannelDesign::default(),
                Some(raw) => self.channel(name, raw),
            })
            .collect()
    }

    fn channel(&mut self, name: &str, raw: &Spanned<RawChannel>) -> ChannelDesign {
        let r = raw.get_ref();
        let key = |k: &str| format!("channel.{name}.{k}");
        let noise = self.number(
            &key("noise"),
            r.noise.as_ref(),
            |x| x >= 0.0,
            "must be >= 0 (log-scale spread of spend; 0.3 is about ±30 %)",
            NOISE,
        );
        let pattern_name = r.pattern.as_ref().map_or("always_on", |p| p.get_ref());
        let pattern = match pattern_name {
            "always_on" => SpendPattern::AlwaysOn { noise },
            "flighted" => SpendPattern::Flighted {
                on: self.whole(
                    &key("on"),
                    r.on.as_ref(),
                    1,
                    "must be a whole number >= 1",
                    FLIGHT,
                ),
                off: self.whole(
                    &key("off"),
                    r.off.as_ref(),
                    1,
                    "must be a whole number >= 1",
                    FLIGHT,
                ),
                noise,
            },
            "sporadic" => SpendPattern::Sporadic {
                probability: self.number(
                    &key("probability"),
                    r.probability.as_ref(),
                    |x| x > 0.0 && x < 1.0,
                    "must lie strictly between 0 and 1",
                    SPORADIC_PROBABILITY,
                ),
                noise,
            },
            "trending" => SpendPattern::Trending {
                growth: self.number(
                    &key("growth"),
                    r.growth.as_ref(),
                    |x| x > 0.0,
                    "must be > 0 (the last period's level over the first's; 3 triples it)",
                    GROWTH,
                ),
                noise,
            },
            other => {
                if let Some(p) = &r.pattern {
                    self.fail(
                        &key("pattern"),
                        p,
                        format!("\"{other}\""),
                        "unknown spend pattern; use always_on, flighted, sporadic or trending",
                    );
                }
                SpendPattern::AlwaysOn { noise }
            }
        };
        if noise <= 0.0
            && pattern_name == "always_on"
            && let Some(v) = &r.noise
        {
            self.fail(
                &key("noise"),
                v,
                0,
                "an always_on channel needs noise > 0, or its spend would be constant",
            );
        }
        let allowed: &[&str] = match pattern {
            SpendPattern::AlwaysOn { .. } => &[],
            SpendPattern::Flighted { .. } => &["on", "off"],
            SpendPattern::Sporadic { .. } => &["probability"],
            SpendPattern::Trending { .. } => &["growth"],
        };
        let extras = [
            ("on", &r.on),
            ("off", &r.off),
            ("probability", &r.probability),
            ("growth", &r.growth),
        ];
        for (k, v) in extras {
            if let Some(v) = v
                && !allowed.contains(&k)
            {
                let msg = format!("a {pattern_name} channel takes no {k}; remove it");
                self.fail(&key(k), v, v.get_ref(), &msg);
            }
        }
        ChannelDesign {
            pattern,
            spend_scale: self.number(
                &key("spend_scale"),
                r.spend_scale.as_ref(),
                |x| x > 0.0,
                "must be > 0: an active period's typical spend, in currency",
                ChannelDesign::default().spend_scale,
            ),
            seasonal: self.number(
                &key("seasonal"),
                r.seasonal.as_ref(),
                |x| (0.0..1.0).contains(&x),
                "must lie in [0, 1): the relative yearly swing of spend",
                0.0,
            ),
        }
    }

    fn controls(
        &mut self,
        given: &BTreeMap<String, Spanned<RawControl>>,
        spec: &ModelSpec,
    ) -> Vec<ControlDesign> {
        let names: Vec<String> = spec.controls.iter().map(|c| c.name.clone()).collect();
        self.unknown_names("control", given, &names);
        names
            .iter()
            .map(|name| match given.get(name) {
                None => ControlDesign::default(),
                Some(raw) => self.control(name, raw),
            })
            .collect()
    }

    fn control(&mut self, name: &str, raw: &Spanned<RawControl>) -> ControlDesign {
        let r = raw.get_ref();
        let key = |k: &str| format!("control.{name}.{k}");
        let unit = |x: f64| x > 0.0 && x < 1.0;
        let unit_msg = "must lie strictly between 0 and 1";
        let pattern_name = r.pattern.as_ref().map_or("events", |p| p.get_ref());
        let (design, allowed): (ControlDesign, &[&str]) = match pattern_name {
            "price" => (
                ControlDesign::Price {
                    level: self.number(
                        &key("level"),
                        r.level.as_ref(),
                        |x| x > 0.0,
                        "must be > 0",
                        1.0,
                    ),
                    noise: self.number(
                        &key("noise"),
                        r.noise.as_ref(),
                        |x| x >= 0.0,
                        "must be >= 0",
                        PRICE_NOISE,
                    ),
                    discount: self.number(
                        &key("discount"),
                        r.discount.as_ref(),
                        |x| (0.0..1.0).contains(&x),
                        "must lie in [0, 1): the fractional price cut",
                        PRICE_DISCOUNT,
                    ),
                    probability: self.number(
                        &key("probability"),
                        r.probability.as_ref(),
                        unit,
                        unit_msg,
                        PRICE_PROBABILITY,
                    ),
                },
                &["level", "noise", "discount", "probability"],
            ),
            "normal" => (
                ControlDesign::Normal {
                    sd: self.number(&key("sd"), r.sd.as_ref(), |x| x > 0.0, "must be > 0", 1.0),
                },
                &["sd"],
            ),
            other => {
                if other != "events"
                    && let Some(p) = &r.pattern
                {
                    self.fail(
                        &key("pattern"),
                        p,
                        format!("\"{other}\""),
                        "unknown control pattern; use events, price or normal",
                    );
                }
                let d = ControlDesign::default();
                let ControlDesign::Events {
                    probability,
                    length,
                } = d
                else {
                    return d;
                };
                (
                    ControlDesign::Events {
                        probability: self.number(
                            &key("probability"),
                            r.probability.as_ref(),
                            unit,
                            unit_msg,
                            probability,
                        ),
                        length: self.whole(
                            &key("length"),
                            r.length.as_ref(),
                            1,
                            "must be a whole number >= 1",
                            length,
                        ),
                    },
                    &["probability", "length"],
                )
            }
        };
        let fields = [
            ("probability", &r.probability),
            ("length", &r.length),
            ("level", &r.level),
            ("noise", &r.noise),
            ("discount", &r.discount),
            ("sd", &r.sd),
        ];
        for (k, v) in fields {
            if let Some(v) = v
                && !allowed.contains(&k)
            {
                let msg = format!("a {} control takes no {k}; remove it", design.name());
                self.fail(&key(k), v, v.get_ref(), &msg);
            }
        }
        design
    }

    fn unknown_names<T>(
        &mut self,
        table: &str,
        given: &BTreeMap<String, Spanned<T>>,
        names: &[String],
    ) {
        for (name, v) in given {
            if !names.contains(name) {
                let hint = crate::data::nearest(name, names)
                    .map_or_else(String::new, |n| format!("did you mean \"{n}\"? "));
                let msg = format!(
                    "the model has no {table} named {name}; {hint}its {table}s are {}",
                    names.join(", ")
                );
                self.fail_here(&format!("{table}.{name}"), v, &msg);
            }
        }
    }
}
