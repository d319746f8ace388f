//! Derived quantities over the posterior: contributions per period and component, ROAS,
//! marginal ROAS and shares per channel, spend-response curves, fit quality and the posterior
//! predictive check — each as a mean with a credible interval, in original units.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::data::Dataset;
use crate::density::{Decomposition, MmmDensity};
use crate::diagnostics::quantiles;
use crate::spec::{ModelSpec, TrendSpec};

use super::draws::PosteriorDraws;
use super::interval::Interval;
use super::p_square::PSquare;
use super::tail_quantiles::TailQuantiles;

/// The 5 % and 95 % quantiles: the fixed `q5`/`q95` columns of the CSV files, the 90 %
/// predictive check and the validation protocols. What a person reads (`lower`/`upper`, the
/// terminal and the report) follows `[report] interval` instead ([`Interval`]).
pub const INTERVAL_PROBS: [f64; 2] = [0.05, 0.95];
/// Points on each response curve, from 0 to `CURVE_SPAN` x the largest historical spend.
pub const CURVE_POINTS: usize = 41;
/// Draws decomposed in parallel before their values enter the streams.
const DRAW_BATCH: usize = 64;
/// The response curve reaches this multiple of the largest historical spend per period.
pub const CURVE_SPAN: f64 = 2.0;

/// A row of `contributions.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContributionRow {
    /// Period date (ISO).
    pub date: String,
    /// Component: a channel, `intercept`, `trend`, `seasonality`, a control, `baseline`,
    /// `fitted`, `predictive` or `actual`.
    pub component: String,
    /// Posterior mean.
    pub mean: f64,
    /// 5 % quantile.
    pub q5: f64,
    /// 95 % quantile.
    pub q95: f64,
    /// Lower bound of the `[report] interval` (equal to `q5` at the default 90 %).
    pub lower: f64,
    /// Upper bound of the `[report] interval` (equal to `q95` at the default 90 %).
    pub upper: f64,
}

/// A row of `roas.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoasRow {
    /// Channel name.
    pub channel: String,
    /// Total historical spend (original units).
    pub spend: f64,
    /// Posterior mean of the total contribution.
    pub contribution_mean: f64,
    /// ROAS = contribution / spend: mean, sd, quantiles.
    pub roas_mean: f64,
    /// Posterior sd of ROAS.
    pub roas_sd: f64,
    /// 5 % quantile of ROAS.
    pub roas_q5: f64,
    /// Median ROAS.
    pub roas_q50: f64,
    /// 95 % quantile of ROAS.
    pub roas_q95: f64,
    /// Marginal ROAS at historical spend: mean and interval.
    pub mroas_mean: f64,
    /// 5 % quantile of marginal ROAS.
    pub mroas_q5: f64,
    /// 95 % quantile of marginal ROAS.
    pub mroas_q95: f64,
    /// Share of the fitted outcome: mean and interval.
    pub share_mean: f64,
    /// 5 % quantile of the share.
    pub share_q5: f64,
    /// 95 % quantile of the share.
    pub share_q95: f64,
    /// ROAS at the bounds of the `[report] interval`.
    pub roas_lower: f64,
    /// Upper bound of ROAS at the `[report] interval`.
    pub roas_upper: f64,
    /// Marginal ROAS at the lower bound of the `[report] interval`.
    pub mroas_lower: f64,
    /// Marginal ROAS at the upper bound of the `[report] interval`.
    pub mroas_upper: f64,
    /// Share at the lower bound of the `[report] interval`.
    pub share_lower: f64,
    /// Share at the upper bound of the `[report] interval`.
    pub share_upper: f64,
}

/// A row of `response_curves.csv`: outcome per period at a flat spend per period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurveRow {
    /// Channel name.
    pub channel: String,
    /// Spend per period (original units).
    pub spend: f64,
    /// Posterior mean response per period.
    pub mean: f64,
    /// 5 % quantile.
    pub q5: f64,
    /// 95 % quantile.
    pub q95: f64,
    /// Lower bound of the `[report] interval`.
    pub lower: f64,
    /// Upper bound of the `[report] interval`.
    pub upper: f64,
}

/// How well the model fits the data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FitQuality {
    /// R² of the posterior-mean fit.
    pub r2: f64,
    /// Mean absolute percentage error of the posterior-mean fit (periods with y = 0 skipped).
    pub mape: f64,
    /// Share of periods whose actual value lies in the 90 % posterior predictive interval.
    pub ppc_coverage: f64,
    /// Periods whose posterior-mean baseline is negative.
    pub negative_baseline_periods: usize,
    /// Number of periods.
    pub n_periods: usize,
}

/// Everything derived from the draws.
#[derive(Debug, Clone)]
pub struct Derived {
    /// `contributions.csv` rows.
    pub contributions: Vec<ContributionRow>,
    /// `roas.csv` rows.
    pub roas: Vec<RoasRow>,
    /// `response_curves.csv` rows.
    pub curves: Vec<CurveRow>,
    /// Fit quality and predictive check.
    pub quality: FitQuality,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn sd(v: &[f64]) -> f64 {
    let m = mean(v);
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len().max(2) - 1) as f64).sqrt()
}

/// Running mean and intervals of one component in one period, over draws seen so far: the
/// fixed 5 % / 95 % quantiles and, unless it is the same, the `[report] interval`.
#[derive(Debug, Clone)]
struct Stream {
    sum: f64,
    count: usize,
    quantiles: StreamQuantiles,
}

/// How a stream finds its quantiles: exactly from the tails of its draws where every stream's
/// tails fit [`EXACT_QUANTILE_BYTES`], by P² in constant memory beyond.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "P² state inline: the large models that stream push into it without a pointer chase"
)]
enum StreamQuantiles {
    /// The fixed and the report probabilities in one structure.
    Exact(TailQuantiles),
    /// The fixed pair, and the report pair unless it is the same.
    Streaming {
        fixed: [PSquare; 2],
        report: Option<[PSquare; 2]>,
    },
}

/// The tails kept for exact quantiles may use this much memory over all streams; above it
/// (periods × components × draws too large: about 5 years of daily data with 30 channels at
/// 4000 draws), streams estimate their quantiles by P² in constant memory. At the default
/// 90 % interval a stream holds 2 × 10 % of its draws: 32 MiB is 1 700 streams of 12 000
/// draws, or 10 000 streams of 2 000 draws.
pub const EXACT_QUANTILE_BYTES: usize = 32 << 20;

impl Stream {
    /// A stream of `draws` values; exact quantiles when `exact`.
    fn new(interval: Interval, draws: usize, exact: bool) -> Stream {
        let probs = interval.probs();
        let quantiles = if exact {
            StreamQuantiles::Exact(TailQuantiles::new(
                &[INTERVAL_PROBS[0], INTERVAL_PROBS[1], probs[0], probs[1]],
                draws,
            ))
        } else {
            let same = probs
                .iter()
                .zip(INTERVAL_PROBS)
                .all(|(a, b)| (a - b).abs() < SAME_PROB);
            StreamQuantiles::Streaming {
                fixed: INTERVAL_PROBS.map(PSquare::new),
                report: (!same).then(|| probs.map(PSquare::new)),
            }
        };
        Stream {
            sum: 0.0,
            count: 0,
            quantiles,
        }
    }

    /// Memory the exact quantiles of one stream of `draws` values may hold, in bytes.
    fn exact_bytes(interval: Interval, draws: usize) -> usize {
        let probs = interval.probs();
        let probs = [INTERVAL_PROBS[0], INTERVAL_PROBS[1], probs[0], probs[1]];
        TailQuantiles::capacity(&probs, draws) * std::mem::size_of::<f64>()
    }

    #[inline]
    fn push(&mut self, v: f64) {
        self.sum += v;
        self.count += 1;
        match &mut self.quantiles {
            StreamQuantiles::Exact(tails) => tails.push(v),
            StreamQuantiles::Streaming { fixed, report } => {
                fixed.iter_mut().for_each(|b| b.push(v));
                if let Some(report) = report {
                    report.iter_mut().for_each(|b| b.push(v));
                }
            }
        }
    }

    fn mean(&self) -> f64 {
        self.sum / self.count.max(1) as f64
    }

    /// The 5 % and 95 % quantiles, and the bounds of the `[report] interval`.
    fn intervals(&self, interval: Interval) -> ([f64; 2], [f64; 2]) {
        match &self.quantiles {
            StreamQuantiles::Exact(tails) => {
                let probs = interval.probs();
                let [a, b, c, d] =
                    tails.estimates([INTERVAL_PROBS[0], INTERVAL_PROBS[1], probs[0], probs[1]]);
                ([a, b], [c, d])
            }
            StreamQuantiles::Streaming { fixed, report } => {
                let fixed = [fixed[0].estimate(), fixed[1].estimate()];
                let report = report
                    .as_ref()
                    .map_or(fixed, |r| [r[0].estimate(), r[1].estimate()]);
                (fixed, report)
            }
        }
    }
}

/// A stream's mean, its 5 % and 95 % quantiles, and the bounds of the `[report] interval`.
type StreamSummary = (f64, [f64; 2], [f64; 2]);

/// Two quantile probabilities closer than this are the same quantile.
const SAME_PROB: f64 = 1e-12;

/// One component's streams, one per period.
struct Series {
    name: String,
    periods: Vec<Stream>,
}

impl Series {
    fn new(name: &str, n: usize, stream: &Stream) -> Series {
        Series {
            name: name.to_string(),
            periods: vec![stream.clone(); n],
        }
    }
}

/// Compute every derived quantity. `seed` drives the posterior predictive noise; the model's
/// `[report] interval` sets the `lower`/`upper` bounds.
///
/// Streams over the draws: per-period components are summarised on the fly (running mean and
/// quantiles), so memory grows with periods × components and with draws × channels (ROAS,
/// marginal ROAS and shares are kept per draw for exact quantiles), never with draws ×
/// periods. The quantiles of a period's component are exact (from the tails of its draws,
/// [`TailQuantiles`]) while every stream's tails fit [`EXACT_QUANTILE_BYTES`], and P²
/// estimates ([`PSquare`]) in constant memory beyond.
pub fn derive(
    spec: &ModelSpec,
    density: &MmmDensity,
    data: &Dataset,
    draws: &PosteriorDraws,
    seed: u64,
) -> Derived {
    derive_within(spec, density, data, draws, seed, EXACT_QUANTILE_BYTES)
}

/// [`derive`] with exact per-period quantiles only if their tails fit in `exact_bytes`.
fn derive_within(
    spec: &ModelSpec,
    density: &MmmDensity,
    data: &Dataset,
    draws: &PosteriorDraws,
    seed: u64,
    exact_bytes: usize,
) -> Derived {
    let interval = Interval::new(spec.report.interval);
    let n = data.n_periods();
    let nd = draws.len();
    let channels: Vec<&str> = spec.channels.iter().map(|c| c.name.as_str()).collect();
    let controls: Vec<&str> = spec.controls.iter().map(|c| c.name.as_str()).collect();
    let mut names = vec!["intercept"];
    if !matches!(spec.trend, TrendSpec::None) {
        names.push("trend");
    }
    if spec.seasonality.is_some() {
        names.push("seasonality");
    }
    names.extend(&controls);
    names.extend(["baseline", "fitted", "predictive"]);
    let n_streams = (channels.len() + names.len()) * n;
    let exact = n_streams.saturating_mul(Stream::exact_bytes(interval, nd)) <= exact_bytes;
    let stream = Stream::new(interval, nd, exact);
    let mut series: Vec<Series> = channels
        .iter()
        .chain(&names)
        .map(|c| Series::new(c, n, &stream))
        .collect();

    let mut roas = vec![vec![0.0; nd]; channels.len()];
    let mut mroas = vec![vec![0.0; nd]; channels.len()];
    let mut share = vec![vec![0.0; nd]; channels.len()];
    let spend_totals: Vec<f64> = data.channels().iter().map(|s| s.iter().sum()).collect();
    let has_trend = !matches!(spec.trend, TrendSpec::None);
    let has_season = spec.seasonality.is_some();
    // Draws go through in batches: each batch's decompositions and predictive draws run in
    // parallel (one density copy per worker), then its values enter the streams in draw
    // order, one component per task. Draw d's predictive noise comes from its own ChaCha8
    // stream, so the result does not depend on the number of threads.
    let workers = rayon::current_num_threads().max(1);
    let mut copies: Vec<MmmDensity> = (0..workers).map(|_| density.clone()).collect();
    let rows: Vec<&[f64]> = draws.iter().collect();
    // One batch's decompositions and predictive draws, reused from batch to batch.
    let mut buffers: Vec<(Decomposition, Vec<f64>)> = (0..DRAW_BATCH.min(rows.len()))
        .map(|_| (Decomposition::default(), vec![0.0; n]))
        .collect();
    for (b, batch) in rows.chunks(DRAW_BATCH).enumerate() {
        let per = batch.len().div_ceil(workers);
        let outs = &mut buffers[..batch.len()];
        copies
            .par_iter_mut()
            .zip(batch.par_chunks(per))
            .zip(outs.par_chunks_mut(per))
            .enumerate()
            .for_each(|(w, ((dens, chunk), out))| {
                for (i, (x, (dec, rep))) in chunk.iter().zip(out.iter_mut()).enumerate() {
                    let d = b * DRAW_BATCH + w * per + i;
                    dens.decompose(x, dec);
                    let mut rng = ChaCha8Rng::seed_from_u64(seed);
                    rng.set_stream(d as u64);
                    dens.predictive_draw(x, &mut rng, rep);
                }
            });
        let outs = &buffers[..batch.len()];
        for (i, (dec, _)) in outs.iter().enumerate() {
            let d = b * DRAW_BATCH + i;
            let fitted_total: f64 = dec.fitted.iter().sum();
            for c in 0..channels.len() {
                let total: f64 = dec.channels[c].iter().sum();
                roas[c][d] = if spend_totals[c] > 0.0 {
                    total / spend_totals[c]
                } else {
                    0.0
                };
                mroas[c][d] = dec.mroas[c];
                share[c][d] = if fitted_total != 0.0 {
                    total / fitted_total
                } else {
                    0.0
                };
            }
        }
        let pieces: Vec<Vec<&[f64]>> = outs
            .iter()
            .map(|(dec, rep)| {
                let mut p: Vec<&[f64]> = dec.channels.iter().map(Vec::as_slice).collect();
                p.push(&dec.intercept);
                if has_trend {
                    p.push(&dec.trend);
                }
                if has_season {
                    p.push(&dec.seasonality);
                }
                p.extend(dec.controls.iter().map(Vec::as_slice));
                p.extend([
                    dec.baseline.as_slice(),
                    dec.fitted.as_slice(),
                    rep.as_slice(),
                ]);
                p
            })
            .collect();
        series.par_iter_mut().enumerate().for_each(|(k, s)| {
            for p in &pieces {
                for (stream, v) in s.periods.iter_mut().zip(p[k]) {
                    stream.push(*v);
                }
            }
        });
    }

    // Each stream's mean and intervals (the exact path selects in its tails), in parallel.
    let summaries: Vec<Vec<StreamSummary>> = series
        .par_iter()
        .map(|s| {
            s.periods
                .iter()
                .map(|st| {
                    let (q, r) = st.intervals(interval);
                    (st.mean(), q, r)
                })
                .collect()
        })
        .collect();
    let mut contributions = Vec::with_capacity(series.len() * n + n);
    let mut fitted_mean = vec![0.0; n];
    let mut baseline_mean = vec![0.0; n];
    let mut covered = 0;
    let (baseline_at, fitted_at, predictive_at) =
        (series.len() - 3, series.len() - 2, series.len() - 1);
    for (t, date) in data.dates().iter().enumerate() {
        for (k, s) in series.iter().enumerate() {
            let (m, q, r) = summaries[k][t];
            if k == fitted_at {
                fitted_mean[t] = m;
            }
            if k == baseline_at {
                baseline_mean[t] = m;
            }
            if k == predictive_at {
                let y = data.target()[t];
                covered += usize::from(y >= q[0] && y <= q[1]);
            }
            contributions.push(ContributionRow {
                date: date.clone(),
                component: s.name.clone(),
                mean: m,
                q5: q[0],
                q95: q[1],
                lower: r[0],
                upper: r[1],
            });
        }
        let y = data.target()[t];
        contributions.push(ContributionRow {
            date: date.clone(),
            component: "actual".into(),
            mean: y,
            q5: y,
            q95: y,
            lower: y,
            upper: y,
        });
    }

    // The streams (tails or P² state) are done with: free them before the curves.
    drop(series);
    let roas_rows = channels
        .iter()
        .enumerate()
        .map(|(c, name)| {
            // One sort per quantity: the fixed columns and the `[report] interval` together.
            let probs = interval.probs();
            let q = quantiles(&roas[c], &[0.05, 0.5, 0.95, probs[0], probs[1]]);
            let mq = quantiles(
                &mroas[c],
                &[INTERVAL_PROBS[0], INTERVAL_PROBS[1], probs[0], probs[1]],
            );
            let sq = quantiles(
                &share[c],
                &[INTERVAL_PROBS[0], INTERVAL_PROBS[1], probs[0], probs[1]],
            );
            let (rq, rmq, rsq) = (&q[3..], &mq[2..], &sq[2..]);
            RoasRow {
                channel: name.to_string(),
                spend: spend_totals[c],
                contribution_mean: mean(&roas[c]) * spend_totals[c],
                roas_mean: mean(&roas[c]),
                roas_sd: sd(&roas[c]),
                roas_q5: q[0],
                roas_q50: q[1],
                roas_q95: q[2],
                mroas_mean: mean(&mroas[c]),
                mroas_q5: mq[0],
                mroas_q95: mq[1],
                share_mean: mean(&share[c]),
                share_q5: sq[0],
                share_q95: sq[1],
                roas_lower: rq[0],
                roas_upper: rq[1],
                mroas_lower: rmq[0],
                mroas_upper: rmq[1],
                share_lower: rsq[0],
                share_upper: rsq[1],
            }
        })
        .collect();

    let curves = response_curves(
        &mut copies,
        data,
        draws,
        &channels,
        &baseline_mean,
        interval,
    );
    let quality = fit_quality(data.target(), &fitted_mean, &baseline_mean, covered);
    Derived {
        contributions,
        roas: roas_rows,
        curves,
        quality,
    }
}

fn response_curves(
    copies: &mut [MmmDensity],
    data: &Dataset,
    draws: &PosteriorDraws,
    channels: &[&str],
    baseline_mean: &[f64],
    interval: Interval,
) -> Vec<CurveRow> {
    // The multiplicative model's response depends on the baseline level: use the mean
    // baseline on the log scale.
    let sy = copies[0].scales().target;
    let level = mean(
        &baseline_mean
            .iter()
            .map(|b| (b / sy).max(f64::MIN_POSITIVE).ln())
            .collect::<Vec<_>>(),
    );
    let probs = interval.probs();
    let probs = [INTERVAL_PROBS[0], INTERVAL_PROBS[1], probs[0], probs[1]];
    // The (channel, point) pairs in one contiguous share per density copy, in parallel.
    let points: Vec<(usize, usize)> = (0..channels.len())
        .flat_map(|c| (0..CURVE_POINTS).map(move |i| (c, i)))
        .collect();
    let per = points.len().div_ceil(copies.len().max(1)).max(1);
    let mut rows: Vec<Vec<CurveRow>> = Vec::new();
    copies
        .par_iter_mut()
        .zip(points.par_chunks(per))
        .map(|(density, share)| {
            let mut values = vec![0.0; draws.len()];
            share
                .iter()
                .map(|&(c, i)| {
                    let top = data.channel(c).iter().fold(0.0_f64, |m, v| m.max(*v)) * CURVE_SPAN;
                    let spend = top * i as f64 / (CURVE_POINTS - 1) as f64;
                    for (v, x) in values.iter_mut().zip(draws.iter()) {
                        *v = density.steady_state_response(x, c, spend, level);
                    }
                    let [q5, q95, lower, upper] = quantiles(&values, &probs)[..] else {
                        unreachable!("four probabilities give four quantiles")
                    };
                    CurveRow {
                        channel: channels[c].to_string(),
                        spend,
                        mean: mean(&values),
                        q5,
                        q95,
                        lower,
                        upper,
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect_into_vec(&mut rows);
    rows.into_iter().flatten().collect()
}

fn fit_quality(y: &[f64], fitted: &[f64], baseline: &[f64], covered: usize) -> FitQuality {
    let ym = mean(y);
    let ss_tot: f64 = y.iter().map(|v| (v - ym) * (v - ym)).sum();
    let ss_res: f64 = y.iter().zip(fitted).map(|(a, f)| (a - f) * (a - f)).sum();
    let ape: Vec<f64> = y
        .iter()
        .zip(fitted)
        .filter(|(a, _)| **a != 0.0)
        .map(|(a, f)| ((a - f) / a).abs())
        .collect();
    FitQuality {
        r2: 1.0 - ss_res / ss_tot,
        mape: mean(&ape),
        ppc_coverage: covered as f64 / y.len().max(1) as f64,
        negative_baseline_periods: baseline.iter().filter(|b| **b < 0.0).count(),
        n_periods: y.len(),
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    use super::*;
    use crate::density::gradient_tests::synthetic_data;
    use crate::sampler::LogDensity;

    /// Streamed means are sums in the same order as a direct computation's.
    const MEAN_REL: f64 = 1e-9;
    /// A streamed interval bound must sit within this distance in probability (its position
    /// in the direct sample's empirical CDF) of the requested level; the Monte Carlo sd of a
    /// 5 % quantile's rank at 2000 draws is 0.005.
    const RANK_TOL: f64 = 0.01;
    /// Exact quantities (ROAS, curves) agree with the direct computation to round-off.
    const EXACT_REL: f64 = 1e-12;

    /// A spread of constrained draws around a point (not a posterior; the arithmetic is the
    /// same).
    fn draws_for(density: &MmmDensity, chains: usize, per_chain: usize) -> PosteriorDraws {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let dim = density.dim();
        let mut x = Vec::new();
        let all: Vec<Vec<Vec<f64>>> = (0..chains)
            .map(|_| {
                (0..per_chain)
                    .map(|_| {
                        let theta: Vec<f64> = (0..dim)
                            .map(|i| {
                                let e: f64 = StandardNormal.sample(&mut rng);
                                0.2 - 0.04 * i as f64 + 0.4 * e
                            })
                            .collect();
                        density.constrain(&theta, &mut x);
                        x.clone()
                    })
                    .collect()
            })
            .collect();
        PosteriorDraws::from_constrained(density.param_names(), &all).unwrap()
    }

    fn rank_of(values: &[f64], v: f64) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        // Mid-rank of v among the values: ties count half.
        let below = sorted.partition_point(|x| *x < v);
        let upto = sorted.partition_point(|x| *x <= v);
        (below + upto) as f64 / 2.0 / sorted.len() as f64
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
    }

    /// The PyMC-Marketing example's model on 40 synthetic periods, and its density.
    fn example_on_synthetic_data() -> (ModelSpec, Dataset, MmmDensity) {
        let spec = ModelSpec::from_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/models/pymc_marketing_example.toml"
        ))
        .unwrap();
        let data = synthetic_data(&spec, 40, 3);
        let density = MmmDensity::new(&spec, &data).unwrap();
        (spec, data, density)
    }

    #[test]
    fn derived_quantities_do_not_depend_on_the_number_of_threads() {
        let (spec, data, density) = example_on_synthetic_data();
        // More draws than one batch, and a batch that does not divide evenly.
        let draws = draws_for(&density, 3, 101);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| derive(&spec, &density, &data, &draws, 7))
        };
        let (one, three) = (run(1), run(3));
        assert_eq!(one.contributions, three.contributions);
        assert_eq!(one.roas, three.roas);
        assert_eq!(one.curves, three.curves);
        assert_eq!(one.quality, three.quality);
        assert!(
            one.contributions
                .iter()
                .any(|r| r.component == "predictive")
        );
    }

    #[test]
    fn streamed_contributions_agree_with_direct_computation_from_the_draws() {
        // Exact quantiles from the tails (within the budget), and P² (a budget of nothing).
        contributions_agree_with_direct_computation(EXACT_QUANTILE_BYTES);
        contributions_agree_with_direct_computation(0);
    }

    /// `derive_within(.., exact_bytes)` against every draw's decomposition kept and sorted:
    /// the same bits on the exact path, within Monte Carlo error of the rank with P².
    fn contributions_agree_with_direct_computation(exact_bytes: usize) {
        let (spec, data, density) = example_on_synthetic_data();
        let draws = draws_for(&density, 4, 500);
        let derived = derive_within(&spec, &density, &data, &draws, 1, exact_bytes);
        let exact = exact_bytes > 0;

        // Direct: every draw's decomposition kept, quantiles by sorting.
        let mut dens = density.clone();
        let mut dec = Decomposition::default();
        let n = data.n_periods();
        let mut by_channel = vec![vec![Vec::new(); n]; spec.channels.len()];
        let mut fitted = vec![Vec::new(); n];
        let mut roas = vec![Vec::new(); spec.channels.len()];
        for x in draws.iter() {
            dens.decompose(x, &mut dec);
            for (c, per) in by_channel.iter_mut().enumerate() {
                for (t, v) in per.iter_mut().enumerate() {
                    v.push(dec.channels[c][t]);
                }
                let spend: f64 = data.channel(c).iter().sum();
                roas[c].push(dec.channels[c].iter().sum::<f64>() / spend);
            }
            for (t, v) in fitted.iter_mut().enumerate() {
                v.push(dec.fitted[t]);
            }
        }
        let row = |t: usize, component: &str| {
            derived
                .contributions
                .iter()
                .rfind(|r| r.date == data.dates()[t] && r.component == component)
                .unwrap()
                .clone()
        };
        let mut checked = 0;
        for t in 0..n {
            let mut cases: Vec<(&str, &Vec<f64>)> = spec
                .channels
                .iter()
                .zip(&by_channel)
                .map(|(ch, per)| (ch.name.as_str(), &per[t]))
                .collect();
            cases.push(("fitted", &fitted[t]));
            for (name, values) in cases {
                let r = row(t, name);
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                assert!(
                    close(r.mean, mean, MEAN_REL),
                    "{name} t={t}: {r:?} vs {mean}"
                );
                let top = values.iter().fold(f64::MIN, |m, v| m.max(*v));
                let bottom = values.iter().fold(f64::MAX, |m, v| m.min(*v));
                if top - bottom <= 0.0 {
                    continue; // zero spend so far: a point mass
                }
                let sorted = quantiles(values, &INTERVAL_PROBS);
                for ((got, p), want) in [(r.q5, INTERVAL_PROBS[0]), (r.q95, INTERVAL_PROBS[1])]
                    .into_iter()
                    .zip(sorted)
                {
                    if exact {
                        assert_eq!(
                            got.to_bits(),
                            want.to_bits(),
                            "{name} t={t}: {got} vs {want}"
                        );
                        checked += 1;
                        continue;
                    }
                    let rank = rank_of(values, got);
                    assert!(
                        (rank - p).abs() <= RANK_TOL,
                        "{name} t={t}: bound {got} sits at rank {rank}, wanted {p}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 100, "only {checked} intervals checked");
        for (c, r) in derived.roas.iter().enumerate() {
            let q = quantiles(&roas[c], &[0.05, 0.5, 0.95]);
            assert!(close(r.roas_q5, q[0], EXACT_REL), "{r:?} vs {q:?}");
            assert!(close(r.roas_q50, q[1], EXACT_REL), "{r:?} vs {q:?}");
            assert!(close(r.roas_q95, q[2], EXACT_REL), "{r:?} vs {q:?}");
            assert!(close(r.roas_mean, mean(&roas[c]), MEAN_REL));
            // The default `[report] interval` (90 %) is the same as the fixed columns.
            let bits = |v: [f64; 4]| v.map(f64::to_bits);
            assert_eq!(
                bits([r.roas_lower, r.roas_upper, r.mroas_lower, r.mroas_upper]),
                bits([r.roas_q5, r.roas_q95, r.mroas_q5, r.mroas_q95])
            );
        }
        for r in &derived.contributions {
            assert_eq!(
                [r.lower.to_bits(), r.upper.to_bits()],
                [r.q5.to_bits(), r.q95.to_bits()],
                "{r:?}"
            );
        }
    }

    #[test]
    fn exact_report_interval_bounds_are_the_quantiles_of_the_draws() {
        let (mut spec, data, density) = example_on_synthetic_data();
        spec.report.interval = 0.8;
        let draws = draws_for(&density, 3, 300);
        let derived = derive(&spec, &density, &data, &draws, 2);
        let mut dens = density.clone();
        let mut dec = Decomposition::default();
        let n = data.n_periods();
        let mut fitted = vec![Vec::new(); n];
        for x in draws.iter() {
            dens.decompose(x, &mut dec);
            for (t, v) in fitted.iter_mut().enumerate() {
                v.push(dec.fitted[t]);
            }
        }
        let rows = derived
            .contributions
            .iter()
            .filter(|r| r.component == "fitted");
        for (t, r) in rows.enumerate() {
            let q = quantiles(&fitted[t], &[0.05, 0.95, 0.1, 0.9]);
            let got = [r.q5, r.q95, r.lower, r.upper];
            assert_eq!(
                got.map(f64::to_bits).to_vec(),
                q.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                "t={t}"
            );
        }
    }

    #[test]
    fn response_curves_agree_with_direct_computation_from_the_draws() {
        let spec =
            ModelSpec::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/models/full.toml")).unwrap();
        let data = synthetic_data(&spec, 40, 4);
        let density = MmmDensity::new(&spec, &data).unwrap();
        let draws = draws_for(&density, 2, 150);
        let derived = derive(&spec, &density, &data, &draws, 1);
        let mut dens = density.clone();
        let baseline: Vec<f64> = derived
            .contributions
            .iter()
            .filter(|r| r.component == "baseline")
            .map(|r| r.mean)
            .collect();
        let sy = density.scales().target;
        let level = mean(
            &baseline
                .iter()
                .map(|b| (b / sy).max(f64::MIN_POSITIVE).ln())
                .collect::<Vec<_>>(),
        );
        assert_eq!(derived.curves.len(), spec.channels.len() * CURVE_POINTS);
        for (i, r) in derived.curves.iter().enumerate() {
            let c = i / CURVE_POINTS;
            let top = data.channel(c).iter().fold(0.0_f64, |m, v| m.max(*v));
            let want_spend =
                CURVE_SPAN * top * (i % CURVE_POINTS) as f64 / (CURVE_POINTS - 1) as f64;
            assert!(close(r.spend, want_spend, EXACT_REL));
            let values: Vec<f64> = draws
                .iter()
                .map(|x| dens.steady_state_response(x, c, r.spend, level))
                .collect();
            let q = quantiles(&values, &INTERVAL_PROBS);
            assert!(close(r.mean, mean(&values), MEAN_REL), "{r:?}");
            assert!(
                close(r.q5, q[0], EXACT_REL) && close(r.q95, q[1], EXACT_REL),
                "{r:?}"
            );
            // full.toml asks for an 80 % interval: lower/upper are the 10 % and 90 % quantiles.
            let q = quantiles(&values, &[0.1, 0.9]);
            assert!(
                close(r.lower, q[0], EXACT_REL) && close(r.upper, q[1], EXACT_REL),
                "{r:?}"
            );
        }
        assert!((spec.report.interval - 0.8).abs() < 1e-15);
        let shares_and_roas_follow_the_interval = derived.roas.iter().all(|r| {
            r.roas_q5 < r.roas_lower
                && r.roas_lower <= r.roas_upper
                && r.roas_upper < r.roas_q95
                && r.share_q5 < r.share_lower
                && r.share_upper < r.share_q95
        });
        assert!(shares_and_roas_follow_the_interval, "{:?}", derived.roas);
        let channel_rows = derived
            .contributions
            .iter()
            .filter(|r| spec.channels.iter().any(|c| c.name == r.component) && r.q95 > r.q5);
        for r in channel_rows {
            assert!(r.q5 <= r.lower && r.upper <= r.q95, "{r:?}");
        }
    }
}
