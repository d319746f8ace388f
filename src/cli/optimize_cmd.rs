//! `mmm optimize FIT_DIR SCENARIO [--out DIR]`: split a budget over the posterior, print the
//! answer, and write `allocation.csv` and `allocation.json` (each atomically, replacing only
//! earlier allocation files).

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use mmm::fit::load_fit_dir;
use mmm::fitdir::write_file_atomic;
use mmm::optimize::{
    Allocation, Comparison, Posterior, Scenario, SearchProgress, optimize, optimize_panel,
};
use mmm::panel::load_panel_fit;

use super::table::num;

/// The files `mmm optimize` writes.
const CSV_FILE: &str = "allocation.csv";
const JSON_FILE: &str = "allocation.json";
const BY_GROUP_FILE: &str = "allocation_by_group.csv";

/// `mmm optimize FIT_DIR SCENARIO [--out DIR]`.
pub fn run(fit_dir: &Path, scenario: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    // The scenario's own mistakes are reported before the fit is read.
    let scenario = Scenario::from_file(scenario)?;
    let saved = load_fit_dir(fit_dir)?;
    let posterior = Posterior {
        spec: &saved.spec,
        data: &saved.data,
        density: &saved.density,
        draws: &saved.draws,
    };
    let bar = SearchBar::new();
    let allocation = optimize(posterior, &scenario, &bar)?;
    bar.clear();
    // Files first: a closed stdout (`| head`) must not lose the answer.
    let dest = out.unwrap_or(fit_dir);
    std::fs::create_dir_all(dest)
        .with_context(|| format!("cannot create the output folder {}", dest.display()))?;
    let csv = allocation
        .to_csv()
        .context("cannot format allocation.csv")?;
    let json = allocation
        .to_json()
        .context("cannot format allocation.json")?;
    write_file_atomic(&dest.join(CSV_FILE), &csv)?;
    write_file_atomic(&dest.join(JSON_FILE), &json)?;
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{}", render(&allocation))?;
    writeln!(
        stdout,
        "Wrote {} and {}.",
        dest.join(CSV_FILE).display(),
        dest.join(JSON_FILE).display()
    )?;
    Ok(())
}

/// `mmm optimize` on a panel fit: also writes `allocation_by_group.csv`.
pub fn run_panel(fit_dir: &Path, scenario: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let scenario = Scenario::from_file(scenario)?;
    let saved = load_panel_fit(fit_dir)?;
    let bar = SearchBar::new();
    let answer = optimize_panel(&saved.density, &saved.draws, &scenario, &bar)?;
    bar.clear();
    let dest = out.unwrap_or(fit_dir);
    std::fs::create_dir_all(dest)
        .with_context(|| format!("cannot create the output folder {}", dest.display()))?;
    let csv = answer.to_csv().context("cannot format allocation.csv")?;
    let by_group = answer
        .by_group_csv()
        .context("cannot format allocation_by_group.csv")?;
    let json = answer.to_json().context("cannot format allocation.json")?;
    write_file_atomic(&dest.join(CSV_FILE), &csv)?;
    write_file_atomic(&dest.join(BY_GROUP_FILE), &by_group)?;
    write_file_atomic(&dest.join(JSON_FILE), &json)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "Split over: {}.", answer.split.replace('_', " × "))?;
    write!(stdout, "{}", render(&answer.allocation))?;
    writeln!(
        stdout,
        "Wrote {}, {} and {}.",
        dest.join(CSV_FILE).display(),
        dest.join(BY_GROUP_FILE).display(),
        dest.join(JSON_FILE).display()
    )?;
    Ok(())
}

/// One progress bar on stderr for the current search stage, hidden when stderr is not a
/// terminal.
struct SearchBar {
    bar: ProgressBar,
}

impl SearchBar {
    fn new() -> SearchBar {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        SearchBar {
            bar: ProgressBar::with_draw_target(None, target),
        }
    }

    fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

impl SearchProgress for SearchBar {
    fn start(&self, stage: &str, total: usize) {
        let template = if total > 0 {
            "{msg:>20} [{bar:30}] {pos}/{len} {elapsed_precise}"
        } else {
            "{msg:>20} {spinner} {pos} budgets tried {elapsed_precise}"
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        self.bar.set_style(style);
        self.bar.set_length(total as u64);
        self.bar.set_position(0);
        self.bar.set_message(stage.to_string());
    }

    fn step(&self) {
        self.bar.inc(1);
    }

    fn finish(&self) {
        self.bar.set_message("");
    }
}

fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{}", num(x))
    } else {
        num(x)
    }
}

/// The answer as the terminal shows it.
pub(super) fn render(a: &Allocation) -> String {
    let mut s = String::new();
    let sc = &a.scenario;
    let risk = if sc.risk == "mean" {
        "posterior mean".to_string()
    } else {
        format!("posterior {}", sc.risk)
    };
    if let Some(target) = sc.target {
        let _ = writeln!(
            s,
            "Smallest budget whose outcome ({risk}) reaches {} over {} periods: {} ({} budgets \
             tried).",
            num(target),
            sc.horizon,
            num(a.budget),
            a.search.budgets_tried
        );
    } else {
        let _ = writeln!(
            s,
            "Budget {} over {} periods, objective {} ({risk}).",
            num(a.budget),
            sc.horizon,
            sc.objective
        );
    }
    let _ = writeln!(
        s,
        "Current mix: each channel's share of spend over the last {} periods, scaled to the \
         budget. {} posterior draws.\n",
        sc.reference_periods, a.draws
    );
    let _ = writeln!(
        s,
        "{:<14} {:>12} {:>20} {:>22} {:>10} {:>10} {:>28} {:>26}",
        "channel",
        "current",
        "optimal",
        "change",
        "min",
        "max",
        "mROAS at optimum [90%]",
        "optimal over draws [90%]"
    );
    for r in &a.channels {
        let change = match r.change_pct {
            Some(p) => format!("{} ({p:+.1}%)", signed(r.change)),
            None => signed(r.change),
        };
        let spread = match (r.optimal_q5, r.optimal_q95) {
            (Some(lo), Some(hi)) => format!("[{}, {}]", num(lo), num(hi)),
            _ => "-".to_string(),
        };
        let bound = if r.at_bound.is_empty() {
            String::new()
        } else {
            format!(" ({})", r.at_bound)
        };
        let _ = writeln!(
            s,
            "{:<14} {:>12} {:>20} {:>22} {:>10} {:>10} {:>28} {:>26}",
            r.channel,
            num(r.current),
            format!("{}{bound}", num(r.optimal)),
            change,
            num(r.min),
            r.max.map_or_else(|| "none".to_string(), num),
            format!(
                "{} [{}, {}]",
                num(r.mroas_mean),
                num(r.mroas_q5),
                num(r.mroas_q95)
            ),
            spread
        );
    }
    if !a.current_within_bounds {
        let _ = writeln!(
            s,
            "Note: the current mix breaks some channel bounds; it is shown for comparison only."
        );
    }
    if a.spent < a.budget * (1.0 - 1e-9) {
        let _ = writeln!(
            s,
            "The optimal plan spends {} of the budget {}: more spend would not pay for itself.",
            num(a.spent),
            num(a.budget)
        );
    }
    let _ = writeln!(
        s,
        "\nOutcome over the {} periods (media contribution):",
        sc.horizon
    );
    comparison(&mut s, &a.outcome);
    if let Some(p) = &a.profit {
        let _ = writeln!(s, "\nProfit ({} x outcome - spend):", num(sc.outcome_value));
        comparison(&mut s, p);
    }
    let o = &a.optimality;
    if o.interior.len() >= 2 {
        let _ = writeln!(
            s,
            "\nOptimality: {} sit inside their bounds with equal marginal returns ({}, largest \
             gap {:.2e}).",
            o.interior.join(", "),
            num(o.marginal),
            o.max_relative_gap
        );
    }
    let _ = writeln!(
        s,
        "Search: {} start{}{}, {} evaluations, {} draws re-optimised, {:.2} s.",
        a.search.starts,
        if a.search.starts == 1 { "" } else { "s" },
        if a.search.multi_start {
            " (multi-start: the problem is not concave)"
        } else {
            ""
        },
        a.search.evaluations,
        a.search.allocation_draws,
        a.search.seconds
    );
    s
}

fn comparison(s: &mut String, c: &Comparison) {
    let _ = writeln!(
        s,
        "{:<10} {:>12} {:>28} {:>28}",
        "", "mean", "50% interval", "90% interval"
    );
    for (name, x) in [
        ("current", &c.current),
        ("optimal", &c.optimal),
        ("gain", &c.gain),
    ] {
        let _ = writeln!(
            s,
            "{:<10} {:>12} {:>28} {:>28}",
            name,
            num(x.mean),
            format!("[{}, {}]", num(x.q25), num(x.q75)),
            format!("[{}, {}]", num(x.q5), num(x.q95))
        );
    }
    let _ = writeln!(
        s,
        "The optimal plan beats the current mix in {:.1}% of posterior draws.",
        100.0 * c.p_optimal_better
    );
}
