//! Every diagnostics test vector in `tests/data/diagnostics/` (ArviZ 0.23.4 numbers).

use std::collections::BTreeMap;
use std::fs;

use serde_json::Value;

use super::draws::Draws;
use super::rhat::basic_rhat;
use super::{
    bfmi, ess_bulk, ess_mean, ess_quantile, ess_tail, mcse_mean, mcse_sd, rhat, rhat_bulk,
    rhat_tail, summarize,
};

/// Relative agreement with ArviZ: direct versus FFT autocovariances and summation order
/// differ by about 1e-13 (the reference README suggests 1e-9).
const REL_TOL: f64 = 1e-9;

/// Folder of the test vectors.
const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/diagnostics");

/// One test vector: its name, draws (one vector per chain) and expected JSON.
struct Case {
    name: String,
    chains: Vec<Vec<f64>>,
    expected: Value,
}

impl Case {
    fn chain_slices(&self) -> Vec<&[f64]> {
        self.chains.iter().map(Vec::as_slice).collect()
    }

    /// An expected number by key path inside the case file (`null` reads as NaN).
    fn number(&self, section: &str, key: &str) -> f64 {
        let value = &self.expected[section][key];
        assert!(
            value.is_null() || value.is_number(),
            "{}: {section}.{key} missing",
            self.name
        );
        value.as_f64().unwrap_or(f64::NAN)
    }
}

/// Reads `<name>.csv` (header `chain_0,...`, one row per draw) into one vector per chain.
fn read_chains(name: &str) -> Vec<Vec<f64>> {
    let path = format!("{DIR}/{name}.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let n_chains = reader.headers().map_or(0, csv::StringRecord::len);
    let mut chains = vec![Vec::new(); n_chains];
    for (row, record) in reader.records().enumerate() {
        let record = record.unwrap_or_else(|e| panic!("{path} row {row}: {e}"));
        for (chain, field) in chains.iter_mut().zip(record.iter()) {
            let value = field
                .parse()
                .unwrap_or_else(|e| panic!("{path} row {row}: {field:?}: {e}"));
            chain.push(value);
        }
    }
    chains
}

/// All cases listed in `index.json`, each with its draws and expected file.
fn cases() -> Vec<Case> {
    let read_json = |file: &str| -> Value {
        let path = format!("{DIR}/{file}");
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let index: BTreeMap<String, Value> =
        serde_json::from_value(read_json("index.json")["cases"].clone())
            .unwrap_or_else(|e| panic!("index.json cases: {e}"));
    assert_eq!(index.len(), 10, "expected ten diagnostics cases");
    index
        .into_keys()
        .map(|name| Case {
            chains: read_chains(&name),
            expected: read_json(&format!("{name}.expected.json")),
            name,
        })
        .collect()
}

/// Asserts `ours` equals `expected` to [`REL_TOL`] (both NaN also agree).
fn assert_matches(case: &str, what: &str, ours: f64, expected: f64) {
    if expected.is_nan() {
        assert!(ours.is_nan(), "{case} {what}: ours {ours}, ArviZ NaN");
        return;
    }
    let scale = ours.abs().max(expected.abs());
    assert!(
        (ours - expected).abs() <= REL_TOL * scale,
        "{case} {what}: ours {ours:e}, ArviZ {expected:e}, relative error {:e}",
        (ours - expected).abs() / scale
    );
}

/// Checks one diagnostic against one expected key over every case.
fn check_all(section: &str, key: &str, f: impl Fn(&[&[f64]]) -> f64) {
    for case in cases() {
        assert_matches(
            &case.name,
            key,
            f(&case.chain_slices()),
            case.number(section, key),
        );
    }
}

#[test]
fn rhat_matches_arviz() {
    check_all("expected", "rhat", rhat);
}

#[test]
fn rhat_bulk_and_tail_parts_match_arviz() {
    check_all("extras", "rhat_bulk_component", rhat_bulk);
    check_all("extras", "rhat_tail_component", rhat_tail);
}

#[test]
fn classic_split_rhat_matches_arviz() {
    check_all("extras", "rhat_split_classic", |chains| {
        Draws::new(chains, 2).map_or(f64::NAN, |d| basic_rhat(&d.split()))
    });
}

#[test]
fn ess_bulk_matches_arviz() {
    check_all("expected", "ess_bulk", ess_bulk);
}

#[test]
fn ess_tail_and_its_quantile_parts_match_arviz() {
    check_all("expected", "ess_tail", ess_tail);
    check_all("extras", "ess_q05", |chains| ess_quantile(chains, 0.05));
    check_all("extras", "ess_q95", |chains| ess_quantile(chains, 0.95));
}

#[test]
fn ess_mean_matches_arviz() {
    check_all("extras", "ess_mean", ess_mean);
}

#[test]
fn mcse_sd_matches_arviz() {
    check_all("extras", "mcse_sd", mcse_sd);
}

#[test]
fn mcse_mean_matches_arviz() {
    check_all("expected", "mcse_mean", mcse_mean);
}

#[test]
fn summary_mean_and_sd_match_arviz_and_reuse_the_diagnostics() {
    for case in cases() {
        let s = summarize(&case.chain_slices());
        assert_matches(&case.name, "mean", s.mean, case.number("extras", "mean"));
        assert_matches(&case.name, "sd", s.sd, case.number("extras", "sd"));
        assert_matches(
            &case.name,
            "r_hat",
            s.r_hat,
            case.number("expected", "rhat"),
        );
        assert_matches(
            &case.name,
            "ess_bulk",
            s.ess_bulk,
            case.number("expected", "ess_bulk"),
        );
        assert_matches(
            &case.name,
            "ess_tail",
            s.ess_tail,
            case.number("expected", "ess_tail"),
        );
        let mcse = case.number("expected", "mcse_mean");
        assert_matches(&case.name, "mcse_mean", s.mcse_mean, mcse);
    }
}

/// Constant chains are undefined for us (`None`); ArviZ gives NaN for exactly zero variance
/// and 0.0 for the stuck chain (round-off leaves it a tiny variance).
#[test]
fn bfmi_per_chain_matches_arviz_where_defined() {
    for case in cases() {
        let expected = case.expected["extras"]["bfmi_per_chain"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: bfmi_per_chain missing", case.name));
        assert_eq!(expected.len(), case.chains.len(), "{}", case.name);
        for (i, (chain, want)) in case.chains.iter().zip(expected).enumerate() {
            let what = format!("bfmi chain {i}");
            let (lo, hi) = chain
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            let constant = hi <= lo;
            match bfmi(chain) {
                None => assert!(
                    constant,
                    "{} {what}: undefined for a varying chain",
                    case.name
                ),
                Some(ours) => {
                    assert!(
                        !constant,
                        "{} {what}: defined for a constant chain",
                        case.name
                    );
                    assert_matches(&case.name, &what, ours, want.as_f64().unwrap_or(f64::NAN));
                }
            }
        }
    }
}

#[test]
fn degenerate_cases_are_where_the_readme_says() {
    let all = cases();
    let constant = all.iter().filter(|c| c.name == "constant").count();
    let stuck = all.iter().find(|c| c.name == "stuck_chain");
    assert_eq!(constant, 1);
    let Some(stuck) = stuck else {
        panic!("stuck_chain case missing");
    };
    assert_eq!(bfmi(&stuck.chains[0]), None);
    assert_eq!(
        stuck.expected["extras"]["bfmi_per_chain"][0].as_f64(),
        Some(0.0)
    );
}
