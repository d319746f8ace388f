//! The MMM's side of the comparison: each channel's share of the media contribution from a fit
//! directory's `roas.csv` (the channels) and `contributions.csv` (per period), over the
//! periods the journeys cover.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::error::AttributionError;
use super::timestamp::{Millis, iso_date, parse_timestamp};

/// Suffixes an MMM's spend columns often carry (`search_spend` matches journeys' `search`).
const SPEND_SUFFIXES: [&str; 4] = ["_spend", "_cost", "_impressions", "_media"];

/// The MMM's contribution shares, aligned with the journey channels.
#[derive(Debug, Clone, PartialEq)]
pub struct MmmShares {
    /// The fit directory.
    pub fit_dir: PathBuf,
    /// For each journey channel: the MMM channel it matched.
    pub matched: Vec<Option<String>>,
    /// For each journey channel: its share of the matched channels' contribution.
    pub shares: Vec<Option<f64>>,
    /// MMM channels no journey channel matched.
    pub unmatched: Vec<String>,
    /// First and last period used (ISO dates).
    pub periods: (String, String),
    /// Number of periods used.
    pub period_count: usize,
    /// The journeys do not overlap the fit: shares are over every period of the fit.
    pub whole_fit: bool,
}

fn fit_error(file: &Path, detail: impl Into<String>) -> AttributionError {
    AttributionError::FitDir {
        file: file.to_path_buf(),
        detail: detail.into(),
    }
}

/// The rows of a CSV as maps from header to cell.
fn read_csv(path: &Path) -> Result<Vec<HashMap<String, String>>, AttributionError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| {
        fit_error(
            path,
            format!("cannot read it ({e}); is this a fit directory written by `mmm fit`?"),
        )
    })?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| fit_error(path, e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.map_err(|e| fit_error(path, e.to_string()))?;
            Ok(header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect())
        })
        .collect()
}

fn cell<'a>(
    row: &'a HashMap<String, String>,
    path: &Path,
    column: &str,
) -> Result<&'a str, AttributionError> {
    row.get(column).map(String::as_str).ok_or_else(|| {
        fit_error(
            path,
            format!("no column \"{column}\"; rewrite the fit with this version of mmm"),
        )
    })
}

/// The MMM channel a journey channel stands for.
fn match_channel<'a>(
    journey: &str,
    mmm: &'a [String],
    map: &BTreeMap<String, String>,
) -> Option<&'a String> {
    if let Some(target) = map.get(journey) {
        return mmm.iter().find(|m| *m == target);
    }
    let bare = |m: &str| {
        let lower = m.to_lowercase();
        SPEND_SUFFIXES
            .iter()
            .find_map(|s| lower.strip_suffix(s).map(str::to_string))
            .unwrap_or(lower)
    };
    mmm.iter()
        .find(|m| m.eq_ignore_ascii_case(journey))
        .or_else(|| mmm.iter().find(|m| bare(m) == journey.to_lowercase()))
}

/// Per-period contributions of `channels`: `(period start, channel, mean)`.
fn contributions(
    fit_dir: &Path,
    channels: &[String],
) -> Result<Vec<(Millis, String, f64)>, AttributionError> {
    let path = fit_dir.join("contributions.csv");
    let mut out = Vec::new();
    for row in read_csv(&path)? {
        let component = cell(&row, &path, "component")?;
        if !channels.iter().any(|c| c == component) {
            continue;
        }
        let date = cell(&row, &path, "date")?;
        let t = parse_timestamp(date)
            .ok_or_else(|| fit_error(&path, format!("date {date:?} is not an ISO date")))?;
        let mean: f64 = cell(&row, &path, "mean")?
            .parse()
            .map_err(|_| fit_error(&path, format!("a non-numeric mean for {component}")))?;
        out.push((t, component.to_string(), mean));
    }
    Ok(out)
}

/// Periods whose span `[start, start + period)` meets `[from, to]`.
fn overlapping(dates: &[Millis], (from, to): (Millis, Millis)) -> Vec<Millis> {
    let period = dates
        .windows(2)
        .map(|w| w[1] - w[0])
        .min()
        .unwrap_or(86_400_000);
    dates
        .iter()
        .copied()
        .filter(|&d| d + period > from && d <= to)
        .collect()
}

/// Read the MMM's shares for `journey_channels` from `fit_dir`, over the periods meeting
/// `span` (all periods when none do).
pub fn mmm_shares(
    fit_dir: &Path,
    journey_channels: &[String],
    span: Option<(Millis, Millis)>,
    map: &BTreeMap<String, String>,
) -> Result<MmmShares, AttributionError> {
    let roas_path = fit_dir.join("roas.csv");
    let channels: Vec<String> = read_csv(&roas_path)?
        .iter()
        .map(|r| cell(r, &roas_path, "channel").map(str::to_string))
        .collect::<Result<_, _>>()?;
    let rows = contributions(fit_dir, &channels)?;
    let mut dates: Vec<Millis> = rows.iter().map(|r| r.0).collect();
    dates.sort_unstable();
    dates.dedup();
    if dates.is_empty() {
        return Err(fit_error(
            &fit_dir.join("contributions.csv"),
            "no rows for the channels of roas.csv; rewrite the fit with this version of mmm",
        ));
    }
    let mut used = span.map(|s| overlapping(&dates, s)).unwrap_or_default();
    let whole_fit = used.is_empty();
    if whole_fit {
        used = dates.clone();
    }
    let mut total: HashMap<&str, f64> = HashMap::new();
    for (t, c, mean) in &rows {
        if used.binary_search(t).is_ok() {
            *total.entry(c.as_str()).or_default() += mean;
        }
    }
    let matched: Vec<Option<String>> = journey_channels
        .iter()
        .map(|j| match_channel(j, &channels, map).cloned())
        .collect();
    let sum: f64 = matched
        .iter()
        .flatten()
        .collect::<std::collections::BTreeSet<_>>()
        .iter()
        .map(|m| total.get(m.as_str()).copied().unwrap_or(0.0))
        .sum();
    // Without a matched channel carrying contribution there is no share to compare.
    let shares = matched
        .iter()
        .map(|m| {
            m.as_ref()
                .filter(|_| sum > 0.0)
                .map(|m| total.get(m.as_str()).copied().unwrap_or(0.0) / sum)
        })
        .collect();
    let unmatched = channels
        .iter()
        .filter(|c| !matched.iter().flatten().any(|m| m == *c))
        .cloned()
        .collect();
    Ok(MmmShares {
        fit_dir: fit_dir.to_path_buf(),
        matched,
        shares,
        unmatched,
        periods: (iso_date(used[0]), iso_date(used[used.len() - 1])),
        period_count: used.len(),
        whole_fit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    /// Shares of small integers are exact to round-off.
    const TOL: f64 = 1e-12;
    const DAY: Millis = 86_400_000;

    fn fit_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("roas.csv"),
            "channel,spend,contribution_mean\ntv_spend,1,1\nsearch,1,1\nradio,1,1\n",
        )
        .unwrap();
        let mut c = String::from("date,component,mean,q5,q95\n");
        for (date, tv, search, radio) in [
            ("2024-01-01", 10.0, 30.0, 5.0),
            ("2024-01-08", 20.0, 20.0, 5.0),
            ("2024-01-15", 50.0, 50.0, 5.0),
        ] {
            c += &format!("{date},tv_spend,{tv},0,0\n{date},search,{search},0,0\n");
            c += &format!("{date},radio,{radio},0,0\n{date},intercept,99,0,0\n");
        }
        std::fs::write(dir.path().join("contributions.csv"), c).unwrap();
        dir
    }

    #[test]
    fn shares_cover_the_overlapping_weeks_of_the_matched_channels() {
        let dir = fit_dir();
        let journeys = vec!["Search".to_string(), "tv".into(), "direct".into()];
        let jan3 = parse_timestamp("2024-01-03").unwrap();
        let jan10 = parse_timestamp("2024-01-10").unwrap();
        let s = mmm_shares(dir.path(), &journeys, Some((jan3, jan10)), &BTreeMap::new()).unwrap();
        // Weeks of Jan 1 and Jan 8: tv 30, search 50 of 80.
        assert_eq!(
            s.matched,
            vec![Some("search".into()), Some("tv_spend".into()), None]
        );
        assert_abs_diff_eq!(s.shares[0].unwrap(), 50.0 / 80.0, epsilon = TOL);
        assert_abs_diff_eq!(s.shares[1].unwrap(), 30.0 / 80.0, epsilon = TOL);
        assert_eq!(s.shares[2], None);
        assert_eq!(s.unmatched, vec!["radio".to_string()]);
        assert_eq!(s.periods, ("2024-01-01".into(), "2024-01-08".into()));
        assert!(!s.whole_fit);
    }

    #[test]
    fn no_overlap_falls_back_to_the_whole_fit_and_a_map_overrides_names() {
        let dir = fit_dir();
        let map = BTreeMap::from([("paid".to_string(), "radio".to_string())]);
        let far = 100_000 * DAY;
        let s = mmm_shares(
            dir.path(),
            &["paid".into(), "tv".into()],
            Some((far, far)),
            &map,
        )
        .unwrap();
        assert!(s.whole_fit && s.period_count == 3);
        assert_abs_diff_eq!(s.shares[0].unwrap(), 15.0 / 95.0, epsilon = TOL);
        let err = mmm_shares(Path::new("/nonexistent"), &[], None, &map).unwrap_err();
        assert!(err.to_string().contains("roas.csv"));
    }
}
