//! The report page: header, table of contents, sections in reading order, and the atomic
//! write of `report.html`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::fitdir::{OutputError, write_file_atomic};
use crate::posterior::Verdict;
use crate::spec::Likelihood;

use super::adstock::adstock_panels;
use super::allocation::{AllocationSummary, allocation_section};
use super::decomposition::decomposition;
use super::diagnostics::{chain_table, parameter_table, review_table};
use super::escape::escape_html;
use super::figure::{Figure, Section, grid, legend_html};
use super::fit_chart::actual_vs_fitted;
use super::format::{num, pct};
use super::input::ReportData;
use super::lift::{lift_chart, lift_table};
use super::priors::{prior_legend, prior_panels};
use super::response::{response_legend, response_panels};
use super::roas::{roas_chart, roas_table};
use super::style::CSS;
use super::trace::{trace_legend, trace_panels};

/// The report's file name inside a fit directory.
pub const REPORT_FILE: &str = "report.html";

/// Columns of a grid of per-channel panels.
fn channel_columns(channels: usize) -> usize {
    channels.clamp(1, 3)
}

fn figure_or_note(fig: Option<Figure>) -> String {
    fig.map_or_else(
        || r#"<p class="note">Not available for this fit.</p>"#.to_string(),
        |f| f.html(),
    )
}

fn table(html: String) -> String {
    format!(r#"<div class="table-wrap">{html}</div>"#)
}

fn worst_verdict(report: &ReportData) -> Option<Verdict> {
    report
        .review
        .iter()
        .map(|r| r.verdict)
        .fold(None, |acc, v| {
            Some(match (acc, v) {
                (Some(Verdict::Fail), _) | (_, Verdict::Fail) => Verdict::Fail,
                (Some(Verdict::Review), _) | (_, Verdict::Review) => Verdict::Review,
                _ => Verdict::Pass,
            })
        })
}

fn banner(report: &ReportData) -> String {
    let count = |v: Verdict| report.review.iter().filter(|r| r.verdict == v).count();
    let (class, text) = match worst_verdict(report) {
        None => (
            "review",
            "This fit directory records no review of the sampler.".to_string(),
        ),
        Some(Verdict::Pass) => (
            "pass",
            "Every check passes: the chains agree, the effective sample sizes are large enough, \
             and the model reproduces the data."
                .to_string(),
        ),
        Some(Verdict::Review) => (
            "review",
            format!(
                "{} of {} checks need a look before the numbers are trusted (see Diagnostics).",
                count(Verdict::Review),
                report.review.len()
            ),
        ),
        Some(Verdict::Fail) => (
            "fail",
            format!(
                "{} of {} checks fail: do not use these numbers as they are (see Diagnostics for \
                 what to try).",
                count(Verdict::Fail),
                report.review.len()
            ),
        ),
    };
    format!(r#"<p class="banner {class}">{}</p>"#, escape_html(&text))
}

fn header(report: &ReportData) -> String {
    let spec = &report.spec;
    let dates = report.data.dates();
    let family = match spec.likelihood.family {
        Likelihood::Normal => "normal",
        Likelihood::StudentT { .. } => "Student-t",
        Likelihood::LogNormal => "log-normal (multiplicative)",
    };
    let channels: Vec<&str> = spec.channels.iter().map(|c| c.name.as_str()).collect();
    let s = &spec.sampler;
    let mut out = String::from("<header><h1>Marketing-mix model report</h1>");
    let source = if report.model_file.is_empty() {
        String::new()
    } else {
        format!("Model <code>{}</code>, ", escape_html(&report.model_file))
    };
    let data = if report.data_file.is_empty() {
        String::new()
    } else {
        format!(" from <code>{}</code>", escape_html(&report.data_file))
    };
    let _ = write!(
        out,
        r#"<p class="meta">{source}{} {}s of <b>{}</b>{data}, {} to {}.</p>"#,
        report.data.n_periods(),
        report.period_word(),
        escape_html(&spec.data.target),
        escape_html(dates.first().map_or("", String::as_str)),
        escape_html(dates.last().map_or("", String::as_str)),
    );
    let _ = write!(
        out,
        r#"<p class="meta">Channels: {}. Controls: {}. Likelihood: {family}. {} chains × {} draws after {} warm-up, seed {}; mmm {}.</p>"#,
        escape_html(&channels.join(", ")),
        spec.controls.len(),
        s.chains,
        s.draws,
        s.warmup,
        s.seed,
        escape_html(&report.engine_version),
    );
    out.push_str("</header>");
    out
}

fn sections(report: &ReportData, allocation: Option<&AllocationSummary>) -> Vec<Section> {
    let target = report.spec.data.target.clone();
    let cols = channel_columns(report.spec.channels.len());
    let q = &report.derived.quality;
    let mut out = vec![
        Section {
            id: "summary",
            title: "At a glance".into(),
            intro: format!(
                "How much each channel earned, with {} credible intervals. The model explains \
                 R² {} of the variation in {target}, with a mean absolute error of {}.",
                report.interval().label(),
                num(q.r2),
                pct(q.mape)
            ),
            body: banner(report) + &table(roas_table(report)),
        },
        Section {
            id: "fit",
            title: "Does the model fit?".into(),
            intro: format!(
                "The fitted {target} against the data, with the range the model expects a new \
                 observation to fall in."
            ),
            body: figure_or_note(actual_vs_fitted(report)),
        },
        Section {
            id: "decomposition",
            title: format!("What drove {target}"),
            intro: "The fitted outcome split into the baseline and each channel's contribution \
                    (posterior means)."
                .into(),
            body: figure_or_note(decomposition(report)),
        },
        Section {
            id: "roas",
            title: "Return on ad spend".into(),
            intro: format!(
                "How much {target} each unit of spend earned, over the whole history (ROAS) and \
                 for the next unit at the current level (marginal ROAS)."
            ),
            body: figure_or_note(roas_chart(report)),
        },
        Section {
            id: "response",
            title: "Response to spend".into(),
            intro: format!(
                "The {target} per {} that a steady spend per {} buys, from zero to twice the \
                 largest historical spend: where a curve flattens, more spend buys little.",
                report.period_word(),
                report.period_word()
            ),
            body: legend_html(&response_legend(report))
                + &grid(&response_panels(report, cols), cols),
        },
    ];
    if let Some(fig) = lift_chart(report) {
        out.push(Section {
            id: "lift",
            title: "Lift tests".into(),
            intro: format!(
                "The experiments the model was calibrated with ([calibration] lift_tests): each \
                 test's measured incremental {target} beside the model's lift for the same spend \
                 change on the real timeline, window plus carryover, before calibration \
                 (parameters from their priors alone) and after it (the posterior)."
            ),
            body: fig.html() + &table(lift_table(report)),
        });
    }
    if let Some(a) = allocation {
        out.push(allocation_section(report, a));
    }
    out.push(Section {
        id: "carryover",
        title: "Carryover".into(),
        intro: format!(
            "How a {}'s spend keeps working in later {}s: the posterior mean adstock weight of \
             each lag, with {} intervals.",
            report.period_word(),
            report.period_word(),
            report.interval().label()
        ),
        body: grid(&adstock_panels(report, cols), cols),
    });
    out.push(Section {
        id: "priors",
        title: "Priors and posteriors".into(),
        intro: "What the data taught the model: each parameter's prior against its posterior, \
                on the scale the model file states priors in (target and spend divided by their \
                scales). A posterior as wide as its prior means the data barely inform it."
            .into(),
        body: legend_html(&prior_legend()) + &grid(&prior_panels(report, 3), 3),
    });
    let divergences = report.divergences();
    out.push(Section {
        id: "diagnostics",
        title: "Diagnostics".into(),
        intro: format!(
            "Whether the sampler explored the posterior: the review, each chain's statistics \
             ({divergences} divergent transitions in all), traces of the parameters with the \
             worst R-hat or effective sample size, and every parameter's summary."
        ),
        body: [
            table(review_table(report)),
            table(chain_table(report)),
            legend_html(&trace_legend(report.draws.n_chains)),
            grid(&trace_panels(report, 2), 2),
            table(parameter_table(report)),
        ]
        .concat(),
    });
    out
}

/// The whole report as one self-contained HTML page (inline CSS and SVG; no scripts, no
/// network). The same inputs always give the same bytes. `allocation`, when given, adds the
/// budget-allocation section.
pub fn render_html(report: &ReportData, allocation: Option<&AllocationSummary>) -> String {
    let sections = sections(report, allocation);
    let title = if report.model_file.is_empty() {
        "mmm report".to_string()
    } else {
        format!("mmm report: {}", report.model_file)
    };
    let footer = format!(
        "Written by mmm. Every interval is a {} posterior credible interval \
         (<code>[report] interval</code> in the model file), except the 90% predictive band and \
         the budget section's stated 50% and 90% intervals. The numbers behind these charts are \
         in the fit directory: summary.csv, contributions.csv, roas.csv, \
         response_curves.csv.",
        report.interval().label()
    );
    page_html(&title, &header(report), &sections, &footer)
}

/// One self-contained page: the title, the header's HTML, a table of contents, the sections
/// and the footer's HTML (the national and the panel report share it).
pub(super) fn page_html(title: &str, header: &str, sections: &[Section], footer: &str) -> String {
    let mut out = String::with_capacity(1 << 18);
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title><style>{CSS}</style></head><body><main>"#,
        escape_html(title)
    );
    out.push_str(header);
    out.push_str(r#"<nav class="toc">"#);
    for s in sections {
        let _ = write!(
            out,
            r##"<a href="#{}">{}</a>"##,
            s.id,
            escape_html(&s.title)
        );
    }
    out.push_str("</nav>");
    for s in sections {
        out.push('\n');
        out.push_str(&s.html());
    }
    let _ = write!(out, "\n<footer>{footer}</footer></main></body></html>\n");
    out
}

/// Write `report.html` into `dir` atomically (a temporary file renamed over the old one).
/// Returns the report's path.
pub fn write_report(
    dir: &Path,
    report: &ReportData,
    allocation: Option<&AllocationSummary>,
) -> Result<PathBuf, OutputError> {
    let path = dir.join(REPORT_FILE);
    write_file_atomic(&path, render_html(report, allocation).as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::super::allocation::tests::made_up;
    use super::super::test_fixture::{HOSTILE_NAME, fixture, fixture_named};
    use super::*;

    #[test]
    fn the_same_fit_gives_the_same_bytes() {
        let a = render_html(&fixture(), None);
        let b = render_html(&fixture(), None);
        assert_eq!(a, b);
        assert!(a.starts_with("<!DOCTYPE html>") && a.ends_with("</html>\n"));
    }

    #[test]
    fn names_from_user_files_are_escaped_everywhere() {
        let html = render_html(&fixture_named(true), Some(&made_up()));
        assert!(!html.contains(HOSTILE_NAME));
        assert!(!html.contains("<script"));
        assert!(!html.contains("<b>weird"));
        assert!(
            html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;")
        );
    }

    #[test]
    fn the_page_is_self_contained() {
        let html = render_html(&fixture(), None);
        for needle in ["<script", "src=", "http://", "https://", "@import", "url("] {
            let hits: Vec<_> = html
                .match_indices(needle)
                .map(|(i, _)| &html[i.saturating_sub(20)..(i + 40).min(html.len())])
                .filter(|ctx| !ctx.contains("http://www.w3.org/2000/svg"))
                .collect();
            assert!(hits.is_empty(), "{needle}: {hits:?}");
        }
    }

    #[test]
    fn every_section_is_present_and_allocation_only_when_given() {
        let report = fixture();
        let html = render_html(&report, None);
        for id in [
            "summary",
            "fit",
            "decomposition",
            "roas",
            "response",
            "carryover",
            "priors",
            "diagnostics",
        ] {
            assert!(html.contains(&format!(r#"<section id="{id}">"#)), "{id}");
        }
        assert!(!html.contains(r#"<section id="allocation">"#));
        let with = render_html(&report, Some(&made_up()));
        assert!(with.contains(r#"<section id="allocation">"#));
        // Every chart has a title and a reading.
        let figures = with.matches(r#"<figure class="chart"><h3>"#).count();
        assert_eq!(figures, with.matches("<svg").count());
        assert_eq!(figures, with.matches("<figcaption>").count());
    }

    #[test]
    fn write_report_replaces_the_file_atomically() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(REPORT_FILE), "old").unwrap();
        let path = write_report(dir.path(), &fixture(), None).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("<!DOCTYPE html>"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
