//! The files an attribution run writes: `attribution.csv` (long), `comparison.csv` (one column
//! per rule, and the MMM's), `paths.csv`, `cleanup.csv` and `journeys.json`.

use std::fmt::Write as _;

use serde_json::json;

use super::cleanup::{CleanupRule, csv_cell};
use super::mmm::MmmShares;
use super::rule::Rule;
use super::run::Attribution;
use super::stats::TIME_BUCKET_LABELS;
use super::timestamp::iso_date;

/// `attribution.csv`: `channel,rule,conversions,value,share`, channels by name within each
/// rule; `value` is empty when the file has no value column.
pub fn attribution_csv(a: &Attribution) -> String {
    let mut s = String::from("channel,rule,conversions,value,share\n");
    for credit in &a.credits {
        for c in a.channel_order() {
            let value = if a.has_value {
                credit.value[c].to_string()
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "{},{},{},{},{}",
                csv_cell(&a.channels[c]),
                credit.rule,
                credit.conversions[c],
                value,
                credit.conversions[c] / a.attributed_conversions
            );
        }
    }
    s
}

/// `comparison.csv`: one row per channel, each rule's share, then `mmm_share` with `--fit`.
pub fn comparison_csv(a: &Attribution, mmm: Option<&MmmShares>) -> String {
    let mut s = String::from("channel");
    for rule in Rule::ALL {
        let _ = write!(s, ",{rule}");
    }
    if mmm.is_some() {
        s.push_str(",mmm_channel,mmm_share");
    }
    s.push('\n');
    let shares: Vec<Vec<f64>> = Rule::ALL.iter().map(|&r| a.shares(r)).collect();
    for c in a.channel_order() {
        s.push_str(&csv_cell(&a.channels[c]));
        for rule in &shares {
            let _ = write!(s, ",{}", rule[c]);
        }
        if let Some(m) = mmm {
            let name = m.matched[c].as_deref().unwrap_or_default();
            let share = m.shares[c].map(|x| x.to_string()).unwrap_or_default();
            let _ = write!(s, ",{},{share}", csv_cell(name));
        }
        s.push('\n');
    }
    s
}

/// `paths.csv`: the most common paths.
pub fn paths_csv(a: &Attribution) -> String {
    let mut s = String::from("path,journeys,conversions,conversion_rate,value\n");
    for p in &a.paths {
        let _ = writeln!(
            s,
            "{},{},{},{},{}",
            csv_cell(&p.path),
            p.stat.journeys,
            p.stat.conversions,
            p.stat.conversions as f64 / p.stat.journeys as f64,
            p.stat.value
        );
    }
    s
}

/// `journeys.json`: settings, counts, clean-up per rule and journey statistics.
pub fn journeys_json(a: &Attribution, mmm: Option<&MmmShares>) -> String {
    let st = &a.stats;
    let cleanup: serde_json::Map<String, serde_json::Value> = CleanupRule::ALL
        .iter()
        .map(|r| (r.name().to_string(), json!(a.cleanup.count(*r))))
        .collect();
    let histogram: Vec<_> = TIME_BUCKET_LABELS
        .iter()
        .zip(st.time_histogram)
        .map(|(label, n)| json!({"bucket": label, "journeys": n}))
        .collect();
    let s = &a.settings;
    let value = json!({
        "file": a.file,
        "settings": {
            "lookback_days": s.lookback_days,
            "half_life_days": s.half_life_days,
            "position_weights": s.position_weights,
            "direct_channels": s.direct_channels,
        },
        "rows_read": a.rows_read,
        "rows_kept": a.counts.rows_kept,
        "conversions": a.counts.conversions,
        "conversions_attributed": a.attributed_conversions,
        "conversions_without_touch": a.counts.conversions_without_touch,
        "value_attributed": if a.has_value { json!(a.attributed_value) } else { json!(null) },
        "touches_outside_lookback": a.counts.touches_outside_lookback,
        "cleanup": cleanup,
        "journeys": st.journeys,
        "converting_journeys": st.converting,
        "converting_share": st.converting as f64 / st.journeys.max(1) as f64,
        "mean_touches_per_journey": st.mean_touches,
        "median_touches_per_journey": st.median_touches,
        "median_days_to_conversion": st.median_days_to_conversion,
        "time_to_conversion": histogram,
        "distinct_paths": st.distinct_paths,
        "first_touch": st.span.map(|s| iso_date(s.0)),
        "last_event": st.span.map(|s| iso_date(s.1)),
        "mmm": mmm.map(|m| json!({
            "fit_dir": m.fit_dir.display().to_string(),
            "periods_from": m.periods.0,
            "periods_to": m.periods.1,
            "periods": m.period_count,
            "whole_fit": m.whole_fit,
            "unmatched_mmm_channels": m.unmatched,
        })),
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
