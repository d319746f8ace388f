//! Budget optimizer benchmarks: one scenario over 4 channels and 4000 posterior draws (the
//! multi-start search, and the whole answer with 200 re-optimised draws), and the per-draw
//! allocation uncertainty alone. Figures: docs/performance.md, "Budget optimizer".
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

use mmm::data::{DataRequest, load_dataset_from_reader};
use mmm::density::{ResponseLink, SteadyStateCurve};
use mmm::optimize::{
    NoSearchProgress, Objective, PlanResponse, Request, Risk, Scenario, Score, SolverOptions,
    allocation_uncertainty, answer, solve, starting_points,
};
use mmm::transform::{Date, SaturationKind};

const DRAWS: usize = 4000;
const CHANNELS: [&str; 4] = ["tv", "search", "social", "radio"];
const BUDGET: f64 = 400_000.0;
const HORIZON: usize = 8;

/// 4000 draws of four channels in weekly spend units of tens of thousands: two logistic, one
/// concave Hill, one S-shaped Hill (so the search is multi-start), parameters spread ±20 %.
fn plan() -> PlanResponse {
    let base = [
        (SaturationKind::Logistic, 1.0, 4e-5, [1.2, 0.0]),
        (SaturationKind::Logistic, 0.6, 8e-5, [0.9, 0.0]),
        (SaturationKind::Hill, 0.8, 5e-5, [0.8, 0.9]),
        (SaturationKind::Hill, 1.1, 3e-5, [1.0, 2.2]),
    ];
    let mut curves = Vec::with_capacity(DRAWS * base.len());
    for d in 0..DRAWS {
        for (c, (kind, beta, gain, params)) in base.iter().enumerate() {
            let u = ((d * 7919 + c * 104_729) % DRAWS) as f64 / DRAWS as f64 - 0.5;
            curves.push(SteadyStateCurve {
                beta: beta * (1.0 + 0.4 * u),
                gain: *gain,
                saturation: *kind,
                params: [params[0] * (1.0 - 0.4 * u), params[1]],
            });
        }
    }
    let links = vec![ResponseLink::Additive { scale: 50_000.0 }; DRAWS];
    PlanResponse::from_curves(curves, links, base.len(), HORIZON)
}

/// A checked request over a 20-week history with a fixed mix.
fn request() -> Request {
    let mut csv = String::from("date,y,tv,search,social,radio\n");
    for t in 0..20 {
        // Weekly from Monday 2021-01-04 (day 18631 since 1970-01-01).
        let date = Date::from_days_since_epoch(18_631 + 7 * t);
        csv.push_str(&format!(
            "{date},{},{},{},{},{}\n",
            100 + t,
            20_000 + 10 * t,
            15_000 + 20 * t,
            10_000 - 30 * t,
            5_000 + 5 * t
        ));
    }
    let req = DataRequest {
        date: "date".into(),
        target: "y".into(),
        channels: CHANNELS.iter().map(|c| c.to_string()).collect(),
        controls: vec![],
        min_rows: 2,
    };
    let data = load_dataset_from_reader(csv.as_bytes(), "bench.csv", &req).unwrap();
    let scenario = Scenario::from_toml(
        &format!("budget = {BUDGET}\nhorizon = {HORIZON}\n[channel.tv]\nmax = 200000.0\n"),
        "bench.toml",
    )
    .unwrap();
    let names: Vec<String> = CHANNELS.iter().map(|c| c.to_string()).collect();
    Request::new(&scenario, &names, &data).unwrap()
}

fn bench(c: &mut Criterion) {
    let plan = plan();
    let request = request();
    let split = request.split(BUDGET).unwrap();
    let options = SolverOptions::default();
    let objective = Objective::new(&plan, Score::Outcome, Risk::Mean);
    let current = request.current(BUDGET);
    let mut group = c.benchmark_group("optimize");
    group.sample_size(10);
    group.bench_function("search_4ch_4000draws_multistart", |b| {
        b.iter(|| {
            let starts =
                starting_points(&split, std::slice::from_ref(&current), &[0, 1, 2, 3], 4, 1);
            black_box(solve(&objective, &split, &starts, &options, &|| {}).unwrap())
        })
    });
    let cautious = Objective::new(&plan, Score::Outcome, Risk::Quantile(0.1));
    group.bench_function("search_4ch_4000draws_quantile", |b| {
        b.iter(|| {
            let starts =
                starting_points(&split, std::slice::from_ref(&current), &[0, 1, 2, 3], 4, 1);
            black_box(solve(&cautious, &split, &starts, &options, &|| {}).unwrap())
        })
    });
    let optimum = solve(
        &objective,
        &split,
        &starting_points(&split, std::slice::from_ref(&current), &[0, 1, 2, 3], 4, 1),
        &options,
        &|| {},
    )
    .unwrap()
    .spend;
    group.bench_function("per_draw_allocation_200", |b| {
        b.iter(|| {
            let starts = [optimum.clone(), current.clone()];
            black_box(
                allocation_uncertainty(
                    &plan,
                    Score::Outcome,
                    &split,
                    &starts,
                    200,
                    &options,
                    &|| {},
                )
                .unwrap(),
            )
        })
    });
    group.bench_function("scenario_4ch_4000draws_end_to_end", |b| {
        b.iter(|| black_box(answer(&request, &plan, &NoSearchProgress).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
