//! `mmm report FIT_DIR`: read a fit (national or panel) back and rewrite its `report.html`.

use std::path::Path;

use anyhow::Context;

use mmm::fit::load_fit_dir;
use mmm::panel::load_panel_fit;
use mmm::report::{PanelReport, ReportData, write_panel_report, write_report};

/// `mmm report FIT_DIR`.
pub fn run(fit_dir: &Path) -> anyhow::Result<()> {
    let saved = load_fit_dir(fit_dir)?;
    let report = ReportData::from_saved(&saved);
    let path = write_report(fit_dir, &report, None)
        .with_context(|| format!("writing the report into {}", fit_dir.display()))?;
    println!("Report written to {}", path.display());
    Ok(())
}

/// `mmm report FIT_DIR` on a panel fit.
pub fn run_panel(fit_dir: &Path) -> anyhow::Result<()> {
    let saved = load_panel_fit(fit_dir)?;
    let path = write_panel_report(fit_dir, &PanelReport::from_saved(&saved))
        .with_context(|| format!("writing the report into {}", fit_dir.display()))?;
    println!("Report written to {}", path.display());
    Ok(())
}
