//! The check-and-fit path never panics and never hangs: seeded mutations of the example model
//! file and data (extreme numbers in priors and cells, foreign delimiters, unknown keys, broken
//! bytes) and the corpus of inputs that once failed (`tests/data/fuzz/`), each within a time
//! bound (issue 12).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::data::{load_dataset_from_reader, outliers};
use crate::density::MmmDensity;
use crate::sampler::{LogDensity, NoProgress};
use crate::spec::ModelSpec;

use super::{Resources, data_request, fit};

/// Mutated (model, data) pairs tried.
const CASES: usize = 3000;
/// Longest one check may take (release build; debug builds are given ten times as long).
const CHECK_TIME_BOUND: Duration = Duration::from_secs(2);
/// Longest one tiny fit may take (release build).
const FIT_TIME_BOUND: Duration = Duration::from_secs(20);
/// Every this many cases that check, one is also fitted (one short chain).
const FIT_EVERY: usize = 150;
/// Most fits one run tries.
const MAX_FITS: usize = 8;
/// Memory the fuzz test pretends the machine has.
const PRETEND_MEMORY: u64 = 8 << 30;

/// Numbers that broke a reader or a library routine once, or could.
const EXTREME: [&str; 18] = [
    "5e-324",
    "1e300",
    "-1e300",
    "1e12",
    "1e-12",
    "0",
    "-0.0",
    "-1",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "9223372036854775807",
    "-9223372036854775808",
    "\"8\"",
    "1e-300",
    "0.5",
    "2",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bound(b: Duration) -> Duration {
    if cfg!(debug_assertions) { b * 10 } else { b }
}

/// What `mmm check` does, without printing: the model, its display (prior intervals), the
/// data, the outlier scan, the density and one gradient, the memory estimate.
fn check_path(model: &str, csv: &[u8]) -> Result<(ModelSpec, crate::Dataset), String> {
    let spec = ModelSpec::from_toml(model, None).map_err(|e| e.to_string())?;
    assert!(!spec.to_string().is_empty());
    let data = load_dataset_from_reader(csv, "fuzz.csv", &data_request(&spec))
        .map_err(|e| e.to_string())?;
    spec.check_against_rows(data.n_periods())
        .map_err(|e| e.to_string())?;
    let _ = outliers(&data);
    let mut density = MmmDensity::new(&spec, &data).map_err(|e| e.to_string())?;
    let theta = vec![0.1; density.dim()];
    let mut grad = vec![0.0; density.dim()];
    let _ = density.logp_grad(&theta, &mut grad);
    Resources::estimate(&spec, data.n_periods())
        .check_memory(Some(PRETEND_MEMORY))
        .map_err(|e| e.to_string())?;
    Ok((spec, data))
}

/// Run `f`, failing the test on a panic or on taking longer than `limit`.
fn guarded<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("panicked on {what}"));
    let took = started.elapsed();
    assert!(took < bound(limit), "{what} took {took:?}");
    out
}

/// Replace the `k`-th number-looking token of `text` with `with`.
fn replace_number(text: &str, rng: &mut ChaCha8Rng, with: &str) -> String {
    let bytes = text.as_bytes();
    let starts: Vec<usize> = (0..bytes.len())
        .filter(|&i| {
            bytes[i].is_ascii_digit()
                && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.'))
        })
        .collect();
    if starts.is_empty() {
        return text.to_string();
    }
    let at = starts[rng.random_range(0..starts.len())];
    let end = (at..bytes.len())
        .find(|&i| !(bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'.' | b'-' | b'+')))
        .unwrap_or(bytes.len());
    format!("{}{}{}", &text[..at], with, &text[end..])
}

fn mutate_model(model: &str, rng: &mut ChaCha8Rng) -> String {
    let extreme = EXTREME[rng.random_range(0..EXTREME.len())];
    match rng.random_range(0..5) {
        0 | 1 => replace_number(model, rng, extreme),
        2 => {
            let once = replace_number(model, rng, extreme);
            let second = EXTREME[rng.random_range(0..EXTREME.len())];
            replace_number(&once, rng, second)
        }
        3 => {
            let mut lines: Vec<&str> = model.lines().collect();
            let at = rng.random_range(0..=lines.len());
            lines.insert(at, "bogus_key = 1");
            lines.join("\n")
        }
        _ => {
            let mut b = model.as_bytes().to_vec();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..b.len());
                let pool: &[u8] = b"=[]{}\"',.-+0123456789eE\n#_";
                b[i] = pool[rng.random_range(0..pool.len())];
            }
            String::from_utf8_lossy(&b).into_owned()
        }
    }
}

fn mutate_csv(csv: &str, rng: &mut ChaCha8Rng) -> String {
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    match rng.random_range(0..6) {
        0..=2 => {
            for _ in 0..rng.random_range(1..4) {
                let row = rng.random_range(1..lines.len());
                let mut cells: Vec<String> = lines[row].split(',').map(String::from).collect();
                let c = rng.random_range(0..cells.len());
                cells[c] = match rng.random_range(0..3) {
                    0 => "abc".to_string(),
                    1 => String::new(),
                    _ => EXTREME[rng.random_range(0..EXTREME.len())].replace('"', ""),
                };
                lines[row] = cells.join(",");
            }
        }
        3 => {
            let d = if rng.random_range(0..2) == 0 {
                ";"
            } else {
                "\t"
            };
            for l in &mut lines {
                *l = l.replace(',', d).replace('.', ",");
            }
        }
        4 => {
            let row = rng.random_range(1..lines.len());
            lines.remove(row);
        }
        _ => {
            let row = rng.random_range(1..lines.len());
            let other = rng.random_range(1..lines.len());
            lines.swap(row, other);
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn mutated_models_and_data_never_panic_or_hang_in_check_or_fit() {
    let model = std::fs::read_to_string(root().join("models/pymc_marketing_example.toml"))
        .expect("the example model");
    let csv = std::fs::read_to_string(root().join("models/data/pymc_marketing_mmm_example.csv"))
        .expect("the example data");
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let (mut checked, mut refused, mut fits) = (0, 0, 0);
    for case in 0..CASES {
        let (m, d) = match case % 3 {
            0 => (mutate_model(&model, &mut rng), csv.clone()),
            1 => (model.clone(), mutate_csv(&csv, &mut rng)),
            _ => (mutate_model(&model, &mut rng), mutate_csv(&csv, &mut rng)),
        };
        let what = format!("case {case}:\n{m}\n---\n{}", &d[..d.len().min(400)]);
        match guarded(&what, CHECK_TIME_BOUND, || check_path(&m, d.as_bytes())) {
            Ok((mut spec, data)) => {
                checked += 1;
                if checked % FIT_EVERY == 0 && fits < MAX_FITS {
                    fits += 1;
                    spec.override_sampler(Some(1), Some(40), Some(20), None)
                        .unwrap();
                    let _ = guarded(&what, FIT_TIME_BOUND, || fit(&spec, &data, &NoProgress));
                }
            }
            Err(msg) => {
                refused += 1;
                assert!(
                    !msg.is_empty() && !msg.contains("panicked"),
                    "{what}: {msg}"
                );
            }
        }
    }
    assert!(
        checked > 0 && refused > 0,
        "checked {checked}, refused {refused}"
    );
    assert!(fits > 0, "no mutated input was fitted");
}

/// The inputs that once failed, kept as regression tests: `NAME.toml` is checked against the
/// example data, `NAME.csv` against the example model, and a pair `NAME.toml` + `NAME.csv`
/// together; each must give a clear error (or check) in bounded time.
#[test]
fn the_corpus_of_once_failing_inputs_is_handled() {
    let dir = root().join("tests/data/fuzz");
    let model = std::fs::read_to_string(root().join("models/pymc_marketing_example.toml"))
        .expect("the example model");
    let csv = std::fs::read(root().join("models/data/pymc_marketing_mmm_example.csv"))
        .expect("the example data");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/fuzz exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "csv"))
        .collect();
    files.sort();
    let mut tried = 0;
    for path in &files {
        let pair = |ext: &str| path.with_extension(ext);
        let is_toml = path.extension().is_some_and(|e| e == "toml");
        if !is_toml && pair("toml").exists() {
            continue;
        }
        let m = if is_toml {
            std::fs::read_to_string(path).unwrap()
        } else {
            model.clone()
        };
        let d = match (is_toml, pair("csv")) {
            (true, p) if p.exists() => std::fs::read(p).unwrap(),
            (true, _) => csv.clone(),
            (false, _) => std::fs::read(path).unwrap(),
        };
        let expect = expectation(path);
        let what = path.display().to_string();
        let got = guarded(&what, CHECK_TIME_BOUND, || check_path(&m, &d));
        match (&got, expect.as_deref()) {
            (Err(msg), Some(needle)) => assert!(msg.contains(needle), "{what}: {msg}"),
            (Ok(_), Some(needle)) => panic!("{what} checked; expected an error with {needle:?}"),
            (_, None) => {}
        }
        tried += 1;
    }
    assert!(
        tried >= 5,
        "only {tried} corpus inputs in {}",
        dir.display()
    );
}

/// The fragment a corpus file's error must contain: its first line `# expect: ...` (a TOML
/// comment; for CSVs a sibling `NAME.expect` file).
fn expectation(path: &Path) -> Option<String> {
    let text = if path.extension().is_some_and(|e| e == "csv") {
        std::fs::read_to_string(path.with_extension("expect")).ok()?
    } else {
        std::fs::read_to_string(path).ok()?
    };
    let first = text.lines().next()?;
    first
        .strip_prefix("# expect: ")
        .map(|s| s.trim().to_string())
}
