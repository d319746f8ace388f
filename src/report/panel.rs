//! The report of a panel fit (`[data] group`): ROAS and contributions in total and per group,
//! each channel's group coefficients against the pooled mean (what partial pooling did), the
//! % lift table of a log-outcome model, and the sampler diagnostics — the national page's
//! frame, figures and tables.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::data::PanelData;
use crate::diagnostics::{ESS_MIN, RHAT_MAX};
use crate::fitdir::ENGINE_VERSION;
use crate::fitdir::{OutputError, write_file_atomic};
use crate::panel::{
    LiftRow, PanelContributionRow, PanelCurveRow, PanelFit, PanelRoasRow, SavedPanelFit,
};
use crate::posterior::SummaryRow;
use crate::spec::{Likelihood, ModelSpec};

use super::diagnostics::{chain_table_of, parameter_table_of};
use super::escape::escape_html;
use super::figure::{Figure, LegendKey, Mark, Section, grid, legend_html};
use super::format::{fixed, interval, num};
use super::input::ChainStats;
use super::page::{REPORT_FILE, page_html};
use super::panel_response::{group_legend, group_panels, shown_groups, total_legend, total_panels};
use super::plot::{Plot, SMALL, TICKS_SMALL, panel_size};
use super::svg::color;

/// What the panel report shows, read from a panel fit.
#[derive(Debug, Clone)]
pub struct PanelReport {
    /// The model.
    pub spec: ModelSpec,
    /// The model file's path as given.
    pub model_file: String,
    /// The data file's path.
    pub data_file: String,
    /// The engine version that fitted.
    pub engine_version: String,
    /// Group names in data order.
    pub groups: Vec<String>,
    /// Rows of data over all groups.
    pub rows: usize,
    /// Kept draws per chain.
    pub n_draws: usize,
    /// Every parameter's summary, the derived `beta[c,g]` included.
    pub summary: Vec<SummaryRow>,
    /// ROAS per channel over all groups.
    pub roas: Vec<PanelRoasRow>,
    /// ROAS per channel and group.
    pub roas_by_group: Vec<PanelRoasRow>,
    /// Contributions per group and in total.
    pub contributions: Vec<PanelContributionRow>,
    /// The % lift table (log outcome only).
    pub lifts: Vec<LiftRow>,
    /// Per-chain sampler statistics.
    pub chains: Vec<ChainStats>,
    /// Response curves per group and in total (`response_curves.csv`).
    pub curves: Vec<PanelCurveRow>,
    /// Periods on the common timeline (all groups).
    pub periods: usize,
    /// Periods (rows) of each group, in data order.
    pub group_rows: Vec<usize>,
    /// Days per period.
    pub period_days: u32,
}

/// Most groups labelled on a coefficient chart's axis; more are labelled every k-th.
const MAX_GROUP_LABELS: usize = 10;

impl PanelReport {
    /// The report of a fit just made.
    pub fn from_fit(fit: &PanelFit) -> PanelReport {
        let max_depth = fit.samples.settings.max_depth;
        let chains = fit
            .samples
            .chains
            .iter()
            .map(|c| ChainStats {
                chain: c.chain + 1,
                step_size: c.step_size,
                divergences: c.divergences(),
                max_depth_hits: c.max_depth_hits(max_depth),
                e_bfmi: crate::diagnostics::bfmi(&c.energies()),
                n_leapfrog: c.n_leapfrog_total(),
            })
            .collect();
        let path = |p: Option<&Path>| p.map_or_else(String::new, |p| p.display().to_string());
        PanelReport {
            spec: fit.spec.clone(),
            model_file: path(fit.spec.source.as_deref()),
            data_file: path(fit.spec.data.path.as_deref()),
            engine_version: ENGINE_VERSION.to_string(),
            groups: fit.data.groups.iter().map(|g| g.name.clone()).collect(),
            rows: fit.data.n_rows(),
            n_draws: fit.draws.n_draws,
            summary: fit.summary.clone(),
            roas: fit.derived.roas.clone(),
            roas_by_group: fit.derived.roas_by_group.clone(),
            contributions: fit.derived.contributions.clone(),
            lifts: fit.derived.lifts.clone(),
            chains,
            curves: fit.curves.clone(),
            periods: fit.data.n_timeline,
            group_rows: group_rows(&fit.data),
            period_days: fit.data.period_days,
        }
    }

    /// The report of a fit read back from its folder (the same page `mmm fit` wrote).
    pub fn from_saved(saved: &SavedPanelFit) -> PanelReport {
        let (derived, summary) = saved.outputs();
        let meta = &saved.meta;
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        let chains = meta["chains"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .enumerate()
                    .map(|(i, c)| ChainStats {
                        chain: c["chain"].as_u64().map_or(i + 1, |v| v as usize),
                        step_size: c["step_size"].as_f64().unwrap_or(f64::NAN),
                        divergences: c["divergences"].as_u64().unwrap_or(0) as usize,
                        max_depth_hits: c["max_depth_hits"].as_u64().unwrap_or(0) as usize,
                        e_bfmi: c["e_bfmi"].as_f64(),
                        n_leapfrog: c["n_leapfrog"].as_u64().unwrap_or(0),
                    })
                    .collect()
            })
            .unwrap_or_default();
        PanelReport {
            spec: saved.spec.clone(),
            model_file: text(&meta["model_file"]),
            data_file: text(&meta["data"]["path"]),
            engine_version: text(&meta["engine"]["version"]),
            groups: saved.data.groups.iter().map(|g| g.name.clone()).collect(),
            rows: saved.data.n_rows(),
            n_draws: saved.draws.n_draws,
            summary,
            roas: derived.roas,
            roas_by_group: derived.roas_by_group,
            contributions: derived.contributions,
            lifts: derived.lifts,
            chains,
            curves: saved.curves(),
            periods: saved.data.n_timeline,
            group_rows: group_rows(&saved.data),
            period_days: saved.data.period_days,
        }
    }

    /// The word for one period: `week`, `day` or `period`.
    pub fn period_word(&self) -> &'static str {
        match self.period_days {
            7 => "week",
            1 => "day",
            _ => "period",
        }
    }

    fn row(&self, name: &str) -> Option<&SummaryRow> {
        self.summary.iter().find(|r| r.parameter == name)
    }

    fn max_rhat(&self) -> f64 {
        let r = self.summary.iter().map(|r| r.stats.r_hat);
        r.filter(|v| v.is_finite()).fold(1.0, f64::max)
    }

    fn min_ess(&self) -> f64 {
        let e = self.summary.iter().map(|r| r.stats.ess_bulk);
        e.filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min)
    }

    fn divergences(&self) -> usize {
        self.chains.iter().map(|c| c.divergences).sum()
    }
}

fn group_rows(data: &PanelData) -> Vec<usize> {
    data.groups.iter().map(|g| g.data.n_periods()).collect()
}

fn table(html: String) -> String {
    format!(r#"<div class="table-wrap">{html}</div>"#)
}

fn banner(r: &PanelReport) -> String {
    let (rhat, ess, div) = (r.max_rhat(), r.min_ess(), r.divergences());
    let (class, text) = if rhat <= RHAT_MAX && ess >= ESS_MIN && div == 0 {
        (
            "pass",
            "The chains agree (R-hat within 1.01), every effective sample size is large enough \
             and no transition diverged."
                .to_string(),
        )
    } else {
        (
            "review",
            format!(
                "Check Diagnostics before trusting these numbers: max R-hat {}, min bulk ESS {}, \
                 {div} divergent transitions.",
                fixed(rhat, 3),
                fixed(ess, 0)
            ),
        )
    };
    format!(r#"<p class="banner {class}">{}</p>"#, escape_html(&text))
}

fn header(r: &PanelReport) -> String {
    let spec = &r.spec;
    let family = match spec.likelihood.family {
        Likelihood::Normal => "normal",
        Likelihood::StudentT { .. } => "Student-t",
        Likelihood::LogNormal => "log-normal (multiplicative)",
    };
    let channels: Vec<&str> = spec.channels.iter().map(|c| c.name.as_str()).collect();
    let s = &spec.sampler;
    let mut out = String::from("<header><h1>Marketing-mix model report: panel</h1>");
    let _ = write!(
        out,
        r#"<p class="meta">Model <code>{}</code>, {} groups, {} rows of <b>{}</b> from <code>{}</code>.</p>"#,
        escape_html(&r.model_file),
        r.groups.len(),
        r.rows,
        escape_html(&spec.data.target),
        escape_html(&r.data_file),
    );
    let _ = write!(
        out,
        r#"<p class="meta">Channels: {}. Controls: {}. Interactions: {}. Likelihood: {family}. {} chains × {} draws after {} warm-up, seed {}; mmm {}.</p></header>"#,
        escape_html(&channels.join(", ")),
        spec.controls.len(),
        spec.interactions.len(),
        s.chains,
        s.draws,
        s.warmup,
        s.seed,
        escape_html(&r.engine_version),
    );
    out
}

/// ROAS rows as a table; `by_group` adds the group column.
fn roas_table(rows: &[PanelRoasRow], by_group: bool) -> String {
    let group = if by_group { "<th>group</th>" } else { "" };
    let mut out = format!(
        r#"<table class="num"><thead><tr><th>channel</th>{group}<th>total spend</th><th>contribution</th><th>ROAS (90%)</th><th>marginal ROAS (90%)</th></tr></thead><tbody>"#
    );
    for r in rows {
        let g = if by_group {
            format!("<td>{}</td>", escape_html(&r.group))
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<tr><td>{}</td>{g}<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_html(&r.channel),
            num(r.spend),
            num(r.contribution_mean),
            interval(r.roas_mean, r.roas_q5, r.roas_q95),
            interval(r.mroas_mean, r.mroas_q5, r.mroas_q95),
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// Contributions: one row per group (`total` first), one column per component.
fn contribution_table(rows: &[PanelContributionRow]) -> String {
    let mut components: Vec<&str> = Vec::new();
    let mut groups: Vec<&str> = Vec::new();
    for r in rows {
        if !components.contains(&r.component.as_str()) {
            components.push(&r.component);
        }
        if !groups.contains(&r.group.as_str()) {
            groups.push(&r.group);
        }
    }
    let mut out = String::from(r#"<table class="num"><thead><tr><th>group</th>"#);
    for c in &components {
        let _ = write!(out, "<th>{} (90%)</th>", escape_html(c));
    }
    out.push_str("</tr></thead><tbody>");
    for g in &groups {
        let _ = write!(out, "<tr><td>{}</td>", escape_html(g));
        for c in &components {
            let cell = rows
                .iter()
                .find(|r| r.group == *g && r.component == *c)
                .map_or_else(String::new, |r| interval(r.mean, r.q5, r.q95));
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

fn lift_table(rows: &[LiftRow]) -> String {
    let mut out = String::from(
        r#"<table class="num"><thead><tr><th>term</th><th>lift, median [90%]</th><th>mean</th></tr></thead><tbody>"#,
    );
    for r in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{} %</td></tr>",
            escape_html(&r.term),
            escape_html(&r.display()),
            fixed(r.lift_pct_mean, 0)
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// One channel's group coefficients (posterior median and 90 % interval) against the pooled
/// typical coefficient exp(beta_mu) (median, and its 90 % band).
fn coefficient_panel(r: &PanelReport, c: usize, columns: usize) -> Option<Figure> {
    let ch = &r.spec.channels[c].name;
    let rows: Vec<&SummaryRow> = r
        .groups
        .iter()
        .map(|g| r.row(&format!("beta[{ch},{g}]")))
        .collect::<Option<_>>()?;
    let mu = r.row(&format!("beta_mu[{ch}]"))?;
    let pooled = [mu.stats.q5.exp(), mu.stats.q50.exp(), mu.stats.q95.exp()];
    let values = rows
        .iter()
        .flat_map(|s| [s.stats.q5, s.stats.q95])
        .chain(pooled)
        .chain([0.0]);
    let (lo, hi) = super::axis::extent(values)?;
    let n = rows.len() as f64;
    let size = panel_size(columns);
    let mut plot = Plot::new(size, SMALL, (-0.5, n - 0.5), (lo, hi), TICKS_SMALL);
    plot.y_axis("coefficient (scaled)");
    let every = r.groups.len().div_ceil(MAX_GROUP_LABELS).max(1);
    let labels: Vec<(f64, String)> = r
        .groups
        .iter()
        .enumerate()
        .step_by(every)
        .map(|(i, g)| (i as f64, g.clone()))
        .collect();
    plot.x_axis_labels(&labels, "group");
    let col = color(c);
    plot.band(
        &[-0.5, n - 0.5],
        &[pooled[0], pooled[0]],
        &[pooled[2], pooled[2]],
        "#888888",
        0.18,
    );
    plot.line(
        &[(-0.5, pooled[1]), (n - 0.5, pooled[1])],
        "#555555",
        1.5,
        true,
    );
    for (i, s) in rows.iter().enumerate() {
        plot.whisker(i as f64, s.stats.q5, s.stats.q95, col);
        let p = plot.at(i as f64, s.stats.q50);
        plot.svg.circle(p, 3.5, &format!(r#"fill="{col}""#));
    }
    let spread = r.row(&format!("beta_sigma[{ch}]"))?;
    let title = format!("{ch}: coefficient by group");
    Some(Figure {
        svg: plot.finish(&title),
        title,
        legend: Vec::new(),
        reading: format!(
            "The groups' {ch} coefficients spread around the pooled {} with log-scale spread \
             beta_sigma {}; a group with little data sits near the pooled line.",
            num(pooled[1]),
            interval(spread.stats.mean, spread.stats.q5, spread.stats.q95)
        ),
    })
}

fn coefficient_legend() -> Vec<LegendKey> {
    vec![
        LegendKey::new(
            "#555555",
            "group coefficient: median, 90% interval",
            Mark::Dot,
        ),
        LegendKey::new("#555555", "pooled: exp(beta_mu), median", Mark::Dashed),
        LegendKey::new("#888888", "pooled: 90% interval", Mark::Band),
    ]
}

/// Each channel's `total` curve, then the curves of the groups that spend the most.
fn response_section(r: &PanelReport, cols: usize) -> Section {
    let target = &r.spec.data.target;
    let period = r.period_word();
    let totals = total_panels(r, cols);
    let groups = group_panels(r, cols);
    let mut body = if totals.is_empty() {
        r#"<p class="note">This fit has no response curves (response_curves.csv).</p>"#.into()
    } else {
        legend_html(&total_legend()) + &grid(&totals, cols)
    };
    if !groups.is_empty() {
        let shown = shown_groups(r).len();
        body += &(format!(
            "<h3>The {shown} groups with the most spend</h3><p>{}</p>",
            escape_html(&format!(
                "Each group's {target} per {period} at a steady spend per {period} in that \
                     group, from zero to twice its largest spend; every group's curve is in \
                     response_curves.csv."
            ))
        ) + &legend_html(&group_legend(r))
            + &grid(&groups, cols));
    }
    Section {
        id: "response",
        title: "Response to spend".into(),
        intro: format!(
            "The {target} per {period} that a steady total spend per {period} buys over all \
             groups, from zero to twice the largest total spend of one {period}. The total is \
             split over the groups in proportion to each group's share of the channel's \
             historical spend, and the groups' responses are added up."
        ),
        body,
    }
}

fn sections(r: &PanelReport) -> Vec<Section> {
    let target = r.spec.data.target.clone();
    let cols = r.spec.channels.len().clamp(1, 3);
    let panels: Vec<Figure> = (0..r.spec.channels.len())
        .filter_map(|c| coefficient_panel(r, c, cols))
        .collect();
    let mut out = vec![
        Section {
            id: "summary",
            title: "At a glance".into(),
            intro: format!(
                "How much {target} each channel earned over all {} groups, with 90% credible \
                 intervals.",
                r.groups.len()
            ),
            body: banner(r) + &table(roas_table(&r.roas, false)),
        },
        Section {
            id: "groups",
            title: "Return on ad spend by group".into(),
            intro: "Each channel's spend, contribution and returns in each group.".into(),
            body: table(roas_table(&r.roas_by_group, true)),
        },
        Section {
            id: "contributions",
            title: format!("What drove {target}"),
            intro: format!(
                "Each component's contribution to {target} over the whole data, in total and per \
                 group: every channel, every interaction (its own component), and the baseline \
                 (everything else)."
            ),
            body: table(contribution_table(&r.contributions)),
        },
        response_section(r, cols),
        Section {
            id: "pooling",
            title: "Partial pooling".into(),
            intro: "Each group's channel coefficient against the pooled typical coefficient the \
                    groups are drawn from: groups with much data keep their own, groups with \
                    little borrow from the others."
                .into(),
            body: legend_html(&coefficient_legend()) + &grid(&panels, cols),
        },
    ];
    if !r.lifts.is_empty() {
        out.push(Section {
            id: "lift",
            title: "Effects as % lift".into(),
            intro: format!(
                "The multiplicative model's effects on {target}: exp(effect) − 1 per control, and \
                 for an interaction of two controls both together."
            ),
            body: table(lift_table(&r.lifts)),
        });
    }
    out.push(Section {
        id: "diagnostics",
        title: "Diagnostics".into(),
        intro: format!(
            "Whether the sampler explored the posterior: each chain's statistics ({} divergent \
             transitions in all) and every parameter's summary.",
            r.divergences()
        ),
        body: table(chain_table_of(
            &r.chains,
            r.spec.sampler.max_depth,
            r.n_draws,
        )) + &table(parameter_table_of(&r.summary)),
    });
    out
}

/// The panel report as one self-contained HTML page; the same inputs give the same bytes.
pub fn render_panel_html(r: &PanelReport) -> String {
    page_html(
        &format!("mmm report: {}", r.model_file),
        &header(r),
        &sections(r),
        "Written by mmm. Every interval is a 90% posterior credible interval. The numbers \
         behind this page are in the fit directory: summary.csv, roas.csv, roas_by_group.csv, \
         contributions_by_group.csv, response_curves.csv.",
    )
}

/// Write `report.html` of a panel fit into `dir` atomically; returns its path.
pub fn write_panel_report(dir: &Path, r: &PanelReport) -> Result<PathBuf, OutputError> {
    let path = dir.join(REPORT_FILE);
    write_file_atomic(&path, render_panel_html(r).as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::{PANEL_CURVE_POINTS, TOTAL};

    const HOSTILE: &str = "<b>north</b> & 'x'";

    fn roas(group: &str) -> PanelRoasRow {
        PanelRoasRow {
            channel: "tv".into(),
            spend: 100.0,
            contribution_mean: 20.0,
            roas_mean: 0.2,
            roas_sd: 0.05,
            roas_q5: 0.1,
            roas_q50: 0.2,
            roas_q95: 0.3,
            mroas_mean: 0.1,
            mroas_q5: 0.05,
            mroas_q95: 0.15,
            group: group.into(),
        }
    }

    fn report() -> PanelReport {
        let spec = ModelSpec::from_toml(
            "[data]\ndate = \"week\"\ntarget = \"sales\"\ngroup = \"geo\"\n\
             [likelihood]\nfamily = \"log_normal\"\n[[channel]]\nname = \"tv\"\n\
             [[control]]\ncolumn = \"promo\"\n",
            None,
        )
        .unwrap();
        let stats = |name: &str, q50: f64| SummaryRow {
            parameter: name.into(),
            stats: crate::diagnostics::summarize(&[&[q50 - 0.1, q50, q50 + 0.1]]),
        };
        PanelReport {
            spec,
            model_file: "m.toml".into(),
            data_file: "d.csv".into(),
            engine_version: "0".into(),
            groups: vec![HOSTILE.into(), "south".into()],
            rows: 20,
            n_draws: 3,
            summary: vec![
                stats("beta_mu[tv]", -1.0),
                stats("beta_sigma[tv]", 0.3),
                stats(&format!("beta[tv,{HOSTILE}]"), 0.4),
                stats("beta[tv,south]", 0.3),
            ],
            roas: vec![roas("total")],
            roas_by_group: vec![roas(HOSTILE), roas("south")],
            contributions: vec![PanelContributionRow {
                group: HOSTILE.into(),
                component: "tv".into(),
                mean: 1.0,
                q5: 0.5,
                q95: 1.5,
            }],
            lifts: vec![LiftRow {
                term: "promo".into(),
                lift_pct_mean: 306.0,
                lift_pct_q5: 250.0,
                lift_pct_q50: 300.0,
                lift_pct_q95: 370.0,
            }],
            chains: Vec::new(),
            curves: [TOTAL, HOSTILE, "south"]
                .iter()
                .flat_map(|g| curve(g))
                .collect(),
            periods: 10,
            group_rows: vec![10, 10],
            period_days: 7,
        }
    }

    /// A concave curve on the panel grid: 0 to 200 per period.
    fn curve(group: &str) -> Vec<PanelCurveRow> {
        (0..PANEL_CURVE_POINTS)
            .map(|i| {
                let spend = 10.0 * i as f64;
                let mean = 50.0 * (1.0 - (-spend / 80.0).exp());
                PanelCurveRow {
                    channel: "tv".into(),
                    spend,
                    mean,
                    q5: 0.8 * mean,
                    q95: 1.2 * mean,
                    lower: 0.8 * mean,
                    upper: 1.2 * mean,
                    group: group.into(),
                }
            })
            .collect()
    }

    #[test]
    fn a_log_outcome_panel_shows_its_lift_table_and_escapes_group_names() {
        let html = render_panel_html(&report());
        assert!(html.contains(r#"<section id="lift">"#));
        assert!(html.contains("+300 % [250, 370]"));
        assert!(!html.contains(HOSTILE));
        assert!(html.contains("&lt;b&gt;north&lt;/b&gt; &amp; &#39;x&#39;"));
        assert_eq!(html.matches("<svg").count(), 3);
        assert_eq!(html, render_panel_html(&report()));
    }

    #[test]
    fn the_response_section_draws_the_total_curve_and_the_groups_that_spend_most() {
        let html = render_panel_html(&report());
        assert!(html.contains(r#"<section id="response">"#));
        assert!(html.contains("tv: response to spend, all groups"));
        assert!(html.contains("tv: response to spend by group"));
        // Current total spend per period: roas.csv's 100 over 10 periods, on the curve at 10.
        let at_10 = 50.0 * (1.0 - (-10.0_f64 / 80.0).exp());
        assert!(
            html.contains(&format!(
                "At the current {} per week over all groups: {}",
                num(10.0),
                interval(at_10, 0.8 * at_10, 1.2 * at_10)
            )),
            "{html}"
        );
        // Without curves the section says so and draws none.
        let mut r = report();
        r.curves.clear();
        let html = render_panel_html(&r);
        assert!(html.contains("This fit has no response curves"));
        assert_eq!(html.matches("<svg").count(), 1);
    }
}
