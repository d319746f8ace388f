//! `mmm optimize`: the solver against brute-force grids and the optimality conditions, the
//! multi-start against an S-shaped trap, and the command line's answers and errors on a real
//! fit directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mmm::density::{ResponseLink, SteadyStateCurve};
use mmm::optimize::{
    BoundedSplit, Objective, PlanResponse, Risk, Score, Scratch, SolverOptions, solve,
    starting_points,
};
use mmm::transform::SaturationKind;

/// The optimizer may not lose to the best grid point by more than round-off.
const GRID_VALUE_REL: f64 = 1e-12;
/// Channels strictly inside their bounds share one marginal return to this relative error.
const MROAS_REL: f64 = 0.01;
/// The budget is spent to this relative error.
const BUDGET_REL: f64 = 1e-9;

fn hill(beta: f64, gain: f64, k: f64, s: f64) -> SteadyStateCurve {
    SteadyStateCurve {
        beta,
        gain,
        saturation: SaturationKind::Hill,
        params: [k, s],
    }
}

fn logistic(beta: f64, gain: f64, lam: f64) -> SteadyStateCurve {
    SteadyStateCurve {
        beta,
        gain,
        saturation: SaturationKind::Logistic,
        params: [lam, 0.0],
    }
}

/// `draws` draws of the given channel curves, each parameter jittered deterministically by up
/// to ±`spread` (relative), so the posterior has width.
fn posterior(
    base: &[SteadyStateCurve],
    draws: usize,
    spread: f64,
    link: ResponseLink,
    horizon: usize,
) -> PlanResponse {
    let mut curves = Vec::with_capacity(draws * base.len());
    for d in 0..draws {
        for (c, k) in base.iter().enumerate() {
            let u = ((d * 7 + c * 3) % draws) as f64 / draws as f64 - 0.5;
            let v = ((d * 13 + c * 5) % draws) as f64 / draws as f64 - 0.5;
            curves.push(SteadyStateCurve {
                beta: k.beta * (1.0 + spread * u),
                params: [k.params[0] * (1.0 + spread * v), k.params[1]],
                ..*k
            });
        }
    }
    PlanResponse::from_curves(curves, vec![link; draws], base.len(), horizon)
}

/// The best point of a grid with spacing `step` over the feasible set (the last coordinate
/// takes what the others leave).
fn grid_best(
    objective: &Objective<'_>,
    lo: &[f64],
    hi: &[f64],
    total: f64,
    step: f64,
) -> (Vec<f64>, f64) {
    let dim = lo.len();
    let steps = (total / step).round() as usize;
    let mut best = (Vec::new(), f64::NEG_INFINITY);
    let mut scratch = Scratch::default();
    let mut idx = vec![0usize; dim - 1];
    loop {
        let mut s: Vec<f64> = idx.iter().map(|i| *i as f64 * step).collect();
        let used: f64 = s.iter().sum();
        s.push(total - used);
        let inside = s
            .iter()
            .zip(lo.iter().zip(hi))
            .all(|(v, (l, h))| *v >= *l - 1e-12 && *v <= *h + 1e-12);
        if inside {
            let v = objective.value(&s, &mut scratch);
            if v > best.1 {
                best = (s, v);
            }
        }
        // Next grid index (odometer), staying within the budget.
        let mut k = 0;
        loop {
            if k == dim - 1 {
                return best;
            }
            idx[k] += 1;
            if idx.iter().sum::<usize>() <= steps {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
    }
}

/// Solve with the default starts and check the answer against the grid and the optimality
/// conditions.
#[expect(
    clippy::too_many_arguments,
    reason = "a test harness spelling out each problem"
)]
fn check_against_grid(
    what: &str,
    plan: &PlanResponse,
    score: Score,
    risk: Risk,
    lo: &[f64],
    hi: &[f64],
    total: f64,
    step: f64,
) -> Vec<f64> {
    let objective = Objective::new(plan, score, risk);
    let split = BoundedSplit::new(lo, hi, total).unwrap();
    let current: Vec<f64> = lo.iter().map(|_| total / lo.len() as f64).collect();
    let multi = !plan.is_concave() || matches!(risk, Risk::Quantile(_));
    let (corners, random) = if multi {
        ((0..lo.len()).collect(), 4)
    } else {
        (Vec::new(), 0)
    };
    let starts = starting_points(&split, &[current], &corners, random, 1);
    let sol = solve(
        &objective,
        &split,
        &starts,
        &SolverOptions::default(),
        &|| {},
    )
    .unwrap();
    let (grid, grid_value) = grid_best(&objective, lo, hi, total, step);
    assert!(
        sol.value >= grid_value - GRID_VALUE_REL * grid_value.abs(),
        "{what}: optimizer {} at {:?} loses to grid {grid_value} at {grid:?}",
        sol.value,
        sol.spend
    );
    for (c, (s, g)) in sol.spend.iter().zip(&grid).enumerate() {
        assert!(
            (s - g).abs() <= step * (1.0 + 1e-9),
            "{what}: channel {c} at {s}, grid best {g} (step {step}); {:?} vs {grid:?}",
            sol.spend
        );
    }
    let sum: f64 = sol.spend.iter().sum();
    assert!(
        (sum - total).abs() <= BUDGET_REL * total,
        "{what}: sum {sum}"
    );
    for (c, s) in sol.spend.iter().enumerate() {
        assert!(
            *s >= lo[c] && *s <= hi[c],
            "{what}: channel {c} = {s} outside bounds"
        );
    }
    assert_equal_marginals(what, &objective, &sol.spend, lo, hi);
    sol.spend
}

fn assert_equal_marginals(
    what: &str,
    objective: &Objective<'_>,
    spend: &[f64],
    lo: &[f64],
    hi: &[f64],
) {
    let mut g = vec![0.0; spend.len()];
    objective.value_and_gradient(spend, &mut g, &mut Scratch::default());
    let inside: Vec<f64> = (0..spend.len())
        .filter(|&c| spend[c] > lo[c] && spend[c] < hi[c])
        .map(|c| g[c])
        .collect();
    if inside.len() >= 2 {
        let top = inside.iter().fold(f64::MIN, |m, v| m.max(*v));
        let low = inside.iter().fold(f64::MAX, |m, v| m.min(*v));
        // Profit's marginal returns are value × mROAS − 1, zero at an interior optimum: measure
        // them against the unit cost of spend.
        let cost = match objective.score() {
            Score::Profit { .. } => 1.0,
            _ => 0.0,
        };
        let scale = top.abs().max(low.abs()).max(cost);
        assert!(
            top - low <= MROAS_REL * scale,
            "{what}: marginal returns inside the bounds differ: {g:?} at {spend:?}"
        );
    }
}

const ADDITIVE: ResponseLink = ResponseLink::Additive { scale: 1000.0 };

#[test]
fn two_channels_match_the_grid_for_every_objective_and_risk() {
    let concave = [logistic(1.0, 0.002, 1.5), hill(0.7, 0.004, 0.9, 0.8)];
    let s_shaped = [logistic(1.0, 0.002, 1.5), hill(1.5, 0.003, 1.2, 3.0)];
    let step = 1000.0 / 400.0;
    for (name, base) in [("concave", &concave), ("S-shaped", &s_shaped)] {
        let plan = posterior(base, 200, 0.4, ADDITIVE, 4);
        for risk in [Risk::Mean, Risk::Quantile(0.1)] {
            let what = format!("{name}, {risk}");
            let (lo, hi) = ([0.0, 0.0], [1000.0, 1000.0]);
            check_against_grid(&what, &plan, Score::Outcome, risk, &lo, &hi, 1000.0, step);
            // An upper bound that binds, and a minimum that binds.
            let capped = format!("{what}, capped");
            check_against_grid(
                &capped,
                &plan,
                Score::Outcome,
                risk,
                &lo,
                &[1000.0, 150.0],
                1000.0,
                step,
            );
            let floor = format!("{what}, floor");
            check_against_grid(
                &floor,
                &plan,
                Score::Outcome,
                risk,
                &[0.0, 700.0],
                &hi,
                1000.0,
                step,
            );
        }
    }
}

#[test]
fn three_channels_match_the_grid_including_profit_and_a_multiplicative_link() {
    let base = [
        logistic(1.0, 0.002, 1.5),
        hill(0.7, 0.004, 0.9, 0.8),
        hill(1.2, 0.003, 1.0, 2.5),
    ];
    let step = 1200.0 / 60.0;
    let (lo, hi) = ([0.0, 50.0, 0.0], [1200.0, 1200.0, 800.0]);
    let additive = posterior(&base, 100, 0.4, ADDITIVE, 4);
    for risk in [Risk::Mean, Risk::Quantile(0.25)] {
        let what = format!("3 channels, {risk}");
        check_against_grid(
            &what,
            &additive,
            Score::Outcome,
            risk,
            &lo,
            &hi,
            1200.0,
            step,
        );
    }
    let multiplicative = posterior(
        &base,
        100,
        0.4,
        ResponseLink::Multiplicative { scale: 600.0 },
        4,
    );
    check_against_grid(
        "3 channels, multiplicative",
        &multiplicative,
        Score::Outcome,
        Risk::Mean,
        &lo,
        &hi,
        1200.0,
        step,
    );
    // Profit: the budget is a ceiling; the unspent amount is a fourth coordinate with no
    // response. At 0.5 currency per unit of outcome part of the budget should stay unspent.
    let step = 1200.0 / 40.0;
    let spend = check_against_grid(
        "3 channels, profit",
        &additive,
        Score::Profit { value: 0.5 },
        Risk::Mean,
        &[0.0, 0.0, 0.0, 0.0],
        &[1200.0, 1200.0, 800.0, 1200.0],
        1200.0,
        step,
    );
    assert!(spend[3] > step, "profit left nothing unspent: {spend:?}");
}

#[test]
fn multi_start_finds_the_s_shaped_optimum_a_start_from_the_current_mix_misses() {
    // Channel 0 is concave and pays at once; channel 1 is S-shaped (Hill slope 6): worthless
    // at the 10 % it gets today, but far better than channel 0 once past its threshold.
    let base = [logistic(1.0, 0.05, 1.0), hill(3.0, 0.01, 0.6, 6.0)];
    let plan = posterior(&base, 100, 0.1, ResponseLink::Additive { scale: 100.0 }, 1);
    let objective = Objective::new(&plan, Score::Outcome, Risk::Mean);
    let (lo, hi, total) = ([0.0, 0.0], [100.0, 100.0], 100.0);
    let split = BoundedSplit::new(&lo, &hi, total).unwrap();
    let current = vec![90.0, 10.0];
    let options = SolverOptions::default();
    let single = solve(
        &objective,
        &split,
        std::slice::from_ref(&current),
        &options,
        &|| {},
    )
    .unwrap();
    let starts = starting_points(&split, &[current], &plan.non_concave_channels(), 4, 1);
    let multi = solve(&objective, &split, &starts, &options, &|| {}).unwrap();
    assert!(
        single.spend[1] < 1e-6,
        "the trap: from the current mix the S-shaped channel is dropped, {single:?}"
    );
    assert!(
        multi.value > 2.0 * single.value && multi.spend[1] > 50.0,
        "multi-start {multi:?} vs single start {single:?}"
    );
    let step = 100.0 / 400.0;
    let (grid, grid_value) = grid_best(&objective, &lo, &hi, total, step);
    assert!(multi.value >= grid_value - GRID_VALUE_REL * grid_value);
    assert!(
        (multi.spend[1] - grid[1]).abs() <= step,
        "{multi:?} vs {grid:?}"
    );
}

// ---------------------------------------------------------------- the real binary

fn mmm(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mmm"))
        .args(args)
        .output()
        .unwrap()
}

/// A small fit of the example model in `dir/fit` (about a second).
fn small_fit(dir: &Path) -> PathBuf {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/pymc_marketing_example.toml");
    let out = dir.join("fit");
    let o = Command::new(env!("CARGO_BIN_EXE_mmm"))
        .arg("fit")
        .arg(&model)
        .args([
            "--chains", "2", "--warmup", "300", "--draws", "150", "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    // A fit this short may fail its review (exit status 3); the directory is written either way.
    assert!(
        matches!(o.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn scenario(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn optimize(fit: &Path, scenario: &Path, out: Option<&Path>) -> Output {
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["optimize".as_ref(), fit.as_os_str(), scenario.as_os_str()];
    if let Some(o) = out {
        args.push("--out".as_ref());
        args.push(o.as_os_str());
    }
    mmm(&args)
}

fn failure(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(1),
        "stdout: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn planner_errors_are_named_with_their_numbers_before_any_search() {
    let dir = tempfile::tempdir().unwrap();
    let fit = small_fit(dir.path());
    let cases = [
        (
            "budget = 10.0\nhorizon = 4\n[channel.x1]\nmin = 6.0\n[channel.x2]\nmin = 5.0\n",
            vec![
                "minimums add up to 11",
                "x1 6, x2 5",
                "more than the budget 10",
            ],
        ),
        (
            "budget = 10.0\nhorizon = 4\n[channel.x1]\nmax = 3.0\n[channel.x2]\nmax = 4.0\n",
            vec![
                "maximums add up to 7",
                "x1 3, x2 4",
                "less than the budget 10",
            ],
        ),
        (
            "budget = 10.0\nhorizon = 4\n[channel.x3]\nmax = 3.0\n",
            vec![
                "line 3",
                "no channel \"x3\"",
                "did you mean \"x1\"",
                "x1, x2",
            ],
        ),
        (
            "budget = 10.0\nhorizon = 0\n",
            vec!["line 2", "horizon = 0", "at least 1 period"],
        ),
        (
            "budget = 10.0\nhorizon = 4\nhorizn = 4\n",
            vec!["line 3", "unknown field `horizn`", "3 | horizn = 4"],
        ),
        (
            "budget = 10.0\nhorizon = 4\n[channel.x1]\nmaximum = 4.0\n",
            vec!["line 4", "unknown field `maximum`"],
        ),
        (
            "horizon = 4\nobjective = \"min_spend\"\ntarget = 1e9\n[channel.x1]\nmax = 3.0\n\
             [channel.x2]\nmax = 3.0\n",
            vec![
                "no plan within the bounds reaches target = 1000000000",
                "spending 6",
            ],
        ),
    ];
    for (i, (text, wants)) in cases.iter().enumerate() {
        let path = scenario(dir.path(), &format!("s{i}.toml"), text);
        let out = dir.path().join(format!("out{i}"));
        let o = optimize(&fit, &path, Some(&out));
        let err = failure(&o);
        for want in wants {
            assert!(err.contains(want), "case {i}: {want:?} missing from {err}");
        }
        assert!(!out.exists(), "case {i}: an error wrote {}", out.display());
    }
    assert!(!fit.join("allocation.csv").exists());
}

#[test]
fn answer_is_written_beside_the_fit_without_touching_its_files_and_replaced_on_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let fit = small_fit(dir.path());
    let before: Vec<(PathBuf, Vec<u8>)> = files(&fit)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    let s = scenario(
        dir.path(),
        "s.toml",
        "budget = 3.7672\nhorizon = 8\nreference_periods = 179\nuncertainty_draws = 40\n\
         [channel.x1]\nmax = 3.0\n",
    );
    for _ in 0..2 {
        let o = Command::new(env!("CARGO_BIN_EXE_mmm"))
            .arg("optimize")
            .arg(&fit)
            .arg(&s)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // Not a terminal: no progress bar.
        assert!(
            o.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains("beats the current mix in"), "{stdout}");
    }
    for (p, bytes) in &before {
        assert_eq!(&std::fs::read(p).unwrap(), bytes, "{} changed", p.display());
    }
    let csv = std::fs::read_to_string(fit.join("allocation.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("channel,current,optimal,min,max,mroas_mean")
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| {
            l.split(',')
                .skip(1)
                .take(5)
                .map(|v| v.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 2);
    let total: f64 = rows.iter().map(|r| r[1]).sum();
    assert!((total - 3.7672).abs() <= BUDGET_REL * 3.7672, "{csv}");
    assert!(rows[0][1] <= 3.0 + 1e-12, "x1 above its cap: {csv}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fit.join("allocation.json")).unwrap())
            .unwrap();
    for plan in ["current", "optimal"] {
        let o = &json["outcome"][plan];
        let q: Vec<f64> = ["q5", "q25", "q50", "q75", "q95"]
            .iter()
            .map(|k| o[k].as_f64().unwrap())
            .collect();
        assert!(q.windows(2).all(|w| w[0] <= w[1]), "{plan}: {q:?}");
    }
    let p = json["outcome"]["p_optimal_better"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert_eq!(json["search"]["allocation_draws"].as_u64(), Some(40));
    // Interior channels share their marginal ROAS.
    let gap = json["optimality"]["max_relative_gap"].as_f64().unwrap();
    assert!(gap <= MROAS_REL, "{gap}");
}

#[test]
fn out_folder_is_created_and_min_spend_reaches_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let fit = small_fit(dir.path());
    let s = scenario(
        dir.path(),
        "m.toml",
        "horizon = 8\nobjective = \"min_spend\"\ntarget = 15000\nreference_periods = 179\n\
         uncertainty_draws = 0\n",
    );
    let out = dir.path().join("plans/min");
    let o = optimize(&fit, &s, Some(&out));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("allocation.json")).unwrap())
            .unwrap();
    let reached = json["outcome"]["optimal"]["mean"].as_f64().unwrap();
    assert!(
        (reached - 15000.0).abs() <= 1e-3 * 15000.0 && reached >= 15000.0 - 1e-6,
        "{reached}"
    );
    let budget = json["budget"].as_f64().unwrap();
    let spent: f64 = json["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["optimal"].as_f64().unwrap())
        .sum();
    assert!((spent - budget).abs() <= BUDGET_REL * budget);
    assert!(
        !fit.join("allocation.json").exists(),
        "--out elsewhere wrote into the fit"
    );
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

// ---------------------------------------------------------------- the peer's budget answer

/// PyMC-Marketing's answer on its example (`tests/data/pymc_marketing/README.md`):
/// per-week spend of its optimal plan and of the historical mix, and the expected media
/// contribution (mean, sd) of each over the 8-week window plus the 8 weeks of carryover after.
const PEER_OPTIMAL: [f64; 2] = [0.4587, 0.0122];
const PEER_HISTORICAL: [f64; 2] = [0.3091, 0.1618];
const PEER_OPTIMAL_OUTCOME: (f64, f64) = (18_687.0, 1_068.0);
const PEER_HISTORICAL_OUTCOME: (f64, f64) = (17_861.0, 1_169.0);
/// Our posterior's expected contribution of the peer's plans, computed the peer's way, agrees
/// with the peer's within this share of its posterior sd (the two posteriors agree to Monte
/// Carlo error: ROAS 5033 vs 5041, see tests/it/pymc_marketing.rs).
const PEER_SD_SHARE: f64 = 0.5;
const WEEKS: usize = 8;
const L_MAX: usize = 8;

/// Media contribution of a flat weekly plan over the window and the `L_MAX` weeks of carryover
/// after it, starting from no adstock — PyMC-Marketing's `optimize_budget` response.
fn window_outcome(saved: &mmm::fit::SavedFit, draw: &[f64], weekly: &[f64]) -> f64 {
    use mmm::transform::{AdstockKind, convolve, logistic};
    let names = &saved.draws.names;
    let at = |n: String| draw[names.iter().position(|p| *p == n).unwrap()];
    let scales = saved.density.scales();
    let mut total = 0.0;
    for (c, ch) in ["x1", "x2"].iter().enumerate() {
        let mut w = [0.0; L_MAX];
        AdstockKind::Geometric.weights(&[at(format!("alpha[{ch}]"))], true, &mut w);
        let mut x = [0.0; WEEKS + L_MAX];
        x[..WEEKS].fill(weekly[c] / scales.channels[c]);
        let mut a = [0.0; WEEKS + L_MAX];
        convolve(&w, &x, &mut a);
        let (lam, beta) = (at(format!("lam[{ch}]")), at(format!("beta[{ch}]")));
        total += a
            .iter()
            .map(|v| beta * logistic(*v, lam).value)
            .sum::<f64>();
    }
    total * scales.target
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64;
    (m, var.sqrt())
}

#[test]
fn peer_budget_answer_is_reproduced_and_ours_is_as_good_by_the_peers_measure() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fit = dir.path().join("fit");
    let o = Command::new(env!("CARGO_BIN_EXE_mmm"))
        .arg("fit")
        .arg(manifest.join("models/pymc_marketing_example.toml"))
        .arg("--out")
        .arg(&fit)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let scenario = manifest.join("models/scenarios/pymc_marketing_example.toml");
    let o = optimize(&fit, &scenario, None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    println!("{}", String::from_utf8_lossy(&o.stdout));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fit.join("allocation.json")).unwrap())
            .unwrap();
    let ours: Vec<f64> = json["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["optimal_per_period"].as_f64().unwrap())
        .collect();
    let current: Vec<f64> = json["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["current_per_period"].as_f64().unwrap())
        .collect();
    // Same historical mix as the peer.
    for (c, p) in current.iter().zip(PEER_HISTORICAL) {
        assert!((c - p).abs() <= 5e-5, "historical mix {current:?}");
    }
    let saved = mmm::fit::load_fit_dir(&fit).unwrap();
    let by_plan = |weekly: &[f64]| -> Vec<f64> {
        saved
            .draws
            .iter()
            .map(|d| window_outcome(&saved, d, weekly))
            .collect()
    };
    let peer_opt = mean_sd(&by_plan(&PEER_OPTIMAL));
    let peer_hist = mean_sd(&by_plan(&PEER_HISTORICAL));
    let ours_window = by_plan(&ours);
    let ours_opt = mean_sd(&ours_window);
    let peer_draws = by_plan(&PEER_OPTIMAL);
    let beats = ours_window
        .iter()
        .zip(&peer_draws)
        .filter(|(a, b)| a > b)
        .count();
    println!(
        "window response (mean, sd): peer optimal {peer_opt:?}, historical {peer_hist:?}, ours \
         {ours_opt:?} at {ours:?}; ours beats the peer's plan in {beats} of {} draws",
        peer_draws.len()
    );
    for ((got, _), (want, sd)) in [
        (peer_opt, PEER_OPTIMAL_OUTCOME),
        (peer_hist, PEER_HISTORICAL_OUTCOME),
    ] {
        assert!(
            (got - want).abs() <= PEER_SD_SHARE * sd,
            "our posterior gives {got} for a plan the peer puts at {want} ± {sd}"
        );
    }
    // Our steady-state optimum, judged by the peer's window measure, loses at most a sliver.
    assert!(
        ours_opt.0 >= peer_opt.0 - 0.01 * peer_opt.0,
        "{ours_opt:?} vs {peer_opt:?}"
    );
}
