//! `mmm attribute TOUCHES.csv [--fit FIT_DIR] --out DIR`: attribute conversions to channels by
//! every rule, write the output folder atomically (never over an existing one unless
//! `--force`), and print the journeys, the clean-up and the side-by-side shares.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::Context;

use mmm::attribution::{
    Attribution, MmmShares, RawSettings, Rule, TIME_BUCKET_LABELS, attribute, attribution_csv,
    comparison_csv, journeys_json, mmm_shares, paths_csv,
};
use mmm::fitdir::{OutputKind, StagedDir};
use mmm::report::{ShareSeries, attribution_chart};

use super::args::AttributeArgs;

/// Paths shown in the terminal.
const TOP_PATHS: usize = 8;
/// Width of the histogram bars in the terminal.
const BAR_WIDTH: usize = 30;
/// The files written, in the order listed.
const FILES: [&str; 6] = [
    "attribution.csv",
    "comparison.csv",
    "paths.csv",
    "cleanup.csv",
    "journeys.json",
    "attribution.svg",
];

/// The settings file overlaid with the flags.
fn settings(args: &AttributeArgs) -> anyhow::Result<mmm::attribution::AttributionSettings> {
    let file = match &args.config {
        Some(path) => RawSettings::from_file(path)?,
        None => RawSettings::default(),
    };
    let flags = RawSettings {
        user_id: args.user_id.clone(),
        session_start: args.session_start.clone(),
        session_end: args.session_end.clone(),
        channel: args.channel.clone(),
        campaign: args.campaign.clone(),
        converted: args.converted.clone(),
        conversion_value: args.value.clone(),
        lookback_days: args.lookback_days,
        half_life_days: args.half_life_days,
        position_weights: args.position_weights.clone(),
        direct_channels: args.direct.clone(),
        mmm_channels: None,
    };
    Ok(file.overlay(flags).check()?)
}

/// `mmm attribute`.
pub fn run(args: &AttributeArgs) -> anyhow::Result<()> {
    let settings = settings(args)?;
    // Refuse an existing folder before the (possibly long) read.
    let staged = StagedDir::protecting(
        &args.out,
        OutputKind::Attribution,
        args.force,
        &[&args.touches],
    )?;
    let a = attribute(&args.touches, &settings)?;
    let mmm = match &args.fit {
        Some(dir) => Some(mmm_shares(
            dir,
            &a.channels,
            a.stats.span,
            &settings.mmm_channels,
        )?),
        None => None,
    };
    staged.write(FILES[0], attribution_csv(&a).as_bytes())?;
    staged.write(FILES[1], comparison_csv(&a, mmm.as_ref()).as_bytes())?;
    staged.write(FILES[2], paths_csv(&a).as_bytes())?;
    staged.write(FILES[3], a.cleanup.to_csv().as_bytes())?;
    staged.write(FILES[4], journeys_json(&a, mmm.as_ref()).as_bytes())?;
    staged.write(FILES[5], chart(&a, mmm.as_ref()).as_bytes())?;
    let dest = staged
        .commit()
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{}", render(&a, mmm.as_ref()))?;
    writeln!(stdout, "Wrote {} in {}.", FILES.join(", "), dest.display())?;
    Ok(())
}

fn chart(a: &Attribution, mmm: Option<&MmmShares>) -> String {
    let order = a.channel_order();
    let names: Vec<String> = order.iter().map(|&c| a.channels[c].clone()).collect();
    let mut series: Vec<ShareSeries> = Rule::ALL
        .iter()
        .map(|&r| {
            let shares = a.shares(r);
            ShareSeries {
                label: r.name().into(),
                shares: order.iter().map(|&c| Some(shares[c])).collect(),
            }
        })
        .collect();
    if let Some(m) = mmm {
        series.push(ShareSeries {
            label: "mmm".into(),
            shares: order.iter().map(|&c| m.shares[c]).collect(),
        });
    }
    attribution_chart(&names, &series)
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", 100.0 * x)
    } else {
        "-".into()
    }
}

fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `1 touch`, `2 touches`.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// What the terminal shows.
fn render(a: &Attribution, mmm: Option<&MmmShares>) -> String {
    let mut s = String::new();
    let st = &a.stats;
    let c = &a.counts;
    let _ = writeln!(
        s,
        "Attribution of {}: {} rows, {} journeys, {} converted ({}).",
        a.file,
        count(a.rows_read),
        count(st.journeys),
        count(st.converting),
        pct(st.converting as f64 / st.journeys.max(1) as f64)
    );
    let _ = writeln!(
        s,
        "{} attributed; {} without a touch in the {}-day lookback; {} older than the \
         lookback ignored.",
        plural(a.attributed_conversions as u64, "conversion", "conversions"),
        count(c.conversions_without_touch),
        a.settings.lookback_days,
        plural(c.touches_outside_lookback, "touch", "touches")
    );
    render_cleanup(&mut s, a);
    let _ = writeln!(
        s,
        "\nJourneys: {:.2} touches on average (median {}); median {:.1} days from first touch \
         to conversion; {} distinct paths.",
        st.mean_touches,
        st.median_touches,
        st.median_days_to_conversion,
        count(st.distinct_paths as u64)
    );
    let most = st.time_histogram.iter().copied().max().unwrap_or(0).max(1);
    for (label, n) in TIME_BUCKET_LABELS.iter().zip(st.time_histogram) {
        let bar = "#".repeat((n as usize * BAR_WIDTH).div_ceil(most as usize));
        let _ = writeln!(s, "  {label:<16} {:>9}  {bar}", count(n));
    }
    let _ = writeln!(s, "\nMost common paths (journeys, conversion rate):");
    for p in a.paths.iter().take(TOP_PATHS) {
        let rate = p.stat.conversions as f64 / p.stat.journeys as f64;
        let _ = writeln!(
            s,
            "  {:>9}  {:>6}  {}",
            count(p.stat.journeys),
            pct(rate),
            p.path
        );
    }
    render_shares(&mut s, a, mmm);
    s
}

fn render_cleanup(s: &mut String, a: &Attribution) {
    let applied = a.cleanup.applied();
    if applied.is_empty() {
        let _ = writeln!(s, "Clean-up: nothing to repair.");
        return;
    }
    let _ = writeln!(s, "Clean-up (every row listed in cleanup.csv):");
    for (rule, n) in applied {
        let _ = writeln!(
            s,
            "  {:<27} {:>9} rows  {}",
            rule.name(),
            count(n),
            rule.action()
        );
    }
}

fn render_shares(s: &mut String, a: &Attribution, mmm: Option<&MmmShares>) {
    let _ = writeln!(s, "\nShare of conversions by rule:");
    let width = a.channels.iter().map(String::len).max().unwrap_or(7).max(7);
    let _ = write!(s, "  {:<width$}", "channel");
    for r in Rule::ALL {
        let _ = write!(s, " {:>8}", r.heading());
    }
    if mmm.is_some() {
        let _ = write!(s, " {:>8}", "mmm");
    }
    s.push('\n');
    let shares: Vec<Vec<f64>> = Rule::ALL.iter().map(|&r| a.shares(r)).collect();
    for ch in a.channel_order() {
        let _ = write!(s, "  {:<width$}", a.channels[ch]);
        for rule in &shares {
            let _ = write!(s, " {:>8}", pct(rule[ch]));
        }
        if let Some(m) = mmm {
            let _ = write!(s, " {:>8}", m.shares[ch].map_or("-".into(), pct));
        }
        s.push('\n');
    }
    if let Some(m) = mmm {
        let when = if m.whole_fit {
            format!(
                "the journeys do not overlap the fit, so all {} periods ({} to {})",
                m.period_count, m.periods.0, m.periods.1
            )
        } else {
            format!(
                "the {} periods {} to {} the journeys cover",
                m.period_count, m.periods.0, m.periods.1
            )
        };
        let _ = writeln!(
            s,
            "mmm: each channel's share of the matched channels' contribution in {}, over {}.",
            m.fit_dir.display(),
            when
        );
        if !m.unmatched.is_empty() {
            let _ = writeln!(
                s,
                "mmm channels without journeys: {} (map them with [attribution.mmm_channels]).",
                m.unmatched.join(", ")
            );
        }
    }
}
