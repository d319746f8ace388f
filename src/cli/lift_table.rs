//! The lift tests on the terminal: `mmm check` lists each test on the data's periods, `mmm fit`
//! sets the model's posterior lift beside the measured one.

use std::fmt::Write as _;

use mmm::data::Dataset;
use mmm::fit::Fit;
use mmm::posterior::{Interval, summarize_lifts};
use mmm::{MmmDensity, ModelSpec};

use super::table::{Table, num, with_interval};

/// What `mmm check` prints about the lift tests (empty without `[calibration]`, or when the
/// density cannot be built, an error `mmm check` has reported before).
pub fn planned(spec: &ModelSpec, data: &Dataset) -> String {
    let Ok(density) = MmmDensity::new(spec, data) else {
        return String::new();
    };
    let windows = density.lift_windows();
    if windows.is_empty() {
        return String::new();
    }
    let mut table = Table::new([
        "Lift test",
        "row",
        "window",
        "periods",
        "spend change",
        "lift",
        "lift_sd",
    ]);
    let mut notes = Vec::new();
    for w in windows {
        let t = &w.test;
        table.row(vec![
            t.label.clone(),
            t.row.to_string(),
            format!("{} to {}", t.start, t.end),
            format!("{} + {} tail", w.end - w.start + 1, w.tail),
            num(t.spend_change),
            num(t.lift),
            num(t.lift_sd),
        ]);
        if w.periods_after_data > 0 {
            notes.push(format!(
                "  row {}: {} of its periods fall after the data's last row ({}); their \
                 baseline spend is the mean of the last reference_periods rows ([calibration], \
                 default 13)",
                t.row,
                w.periods_after_data,
                data.dates().last().map_or("", String::as_str)
            ));
        }
    }
    let mut s = format!(
        "Lift tests ({} in all; lift in units of {:?}, each spend change spread evenly over its window):\n",
        windows.len(),
        data.target_name()
    );
    s.push_str(&table.render());
    for note in notes {
        let _ = writeln!(s, "{note}");
    }
    s
}

/// What `mmm fit` prints about the lift tests (empty without `[calibration]`).
pub fn fitted(fit: &Fit) -> String {
    let interval = Interval::new(fit.spec.report.interval);
    let rows = summarize_lifts(&fit.density, &fit.draws, interval);
    if rows.is_empty() {
        return String::new();
    }
    let label = interval.label();
    let mut table = Table::new([
        "Lift test".to_string(),
        "window".to_string(),
        "measured (± sd)".to_string(),
        format!("prior lift ({label} interval)"),
        format!("model lift ({label} interval)"),
    ]);
    for r in &rows {
        table.row(vec![
            r.channel.clone(),
            format!("{} to {}", r.start, r.end),
            format!("{} ± {}", num(r.measured), num(r.measured_sd)),
            with_interval(r.prior_mean, r.prior_lower, r.prior_upper),
            with_interval(r.mean, r.lower, r.upper),
        ]);
    }
    format!("\n{}", table.render())
}
