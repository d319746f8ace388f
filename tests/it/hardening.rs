//! Issue 12: `mmm fit` never loses a user's files, checks what it can before sampling, lets the
//! review decide the exit status, and reports every problem of an input in one pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Longest `mmm check` or a refused `mmm fit` may take on any input (release build).
const REFUSAL_TIME_BOUND: Duration = Duration::from_secs(10);
/// Short sampler settings for tests about folders, not posteriors.
const QUICK: [&str; 6] = ["--chains", "1", "--warmup", "30", "--draws", "20"];

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A folder holding the example model (`model.toml`) and its data (`data/...csv`).
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            repo("models/pymc_marketing_example.toml"),
            dir.path().join("model.toml"),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::copy(
            repo("models/data/pymc_marketing_mmm_example.csv"),
            dir.path().join("data/pymc_marketing_mmm_example.csv"),
        )
        .unwrap();
        Case { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn run_in(&self, cwd: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mmm"))
            .args(args)
            .current_dir(cwd)
            .output()
            .unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in(self.dir.path(), args)
    }

    fn fit(&self, out: &str, extra: &[&str]) -> Output {
        let mut args = vec!["fit", "model.toml", "--out", out];
        args.extend(extra);
        self.run(&args)
    }
}

/// Every file under `dir` (hidden ones too) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn force_refuses_a_folder_of_notes_and_keeps_every_file() {
    let case = Case::new();
    std::fs::create_dir_all(case.path("notes/deep")).unwrap();
    std::fs::write(case.path("notes/todo.txt"), "call the agency").unwrap();
    std::fs::write(case.path("notes/deep/plan.csv"), "a,b\n1,2\n").unwrap();
    let before = snapshot(case.dir.path());
    let out = case.fit("notes", &[&["--force"][..], &QUICK].concat());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not an mmm fit directory"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(case.dir.path()), before, "a user file changed");
}

#[test]
fn force_refuses_the_folder_holding_the_model_and_data() {
    let case = Case::new();
    let before = snapshot(case.dir.path());
    // The current folder, the data's folder, and (from a subfolder) the parent.
    for (cwd, out) in [(".", "."), (".", "data"), ("data", "..")] {
        let o = case.run_in(
            &case.path(cwd),
            &[
                "fit",
                &case.path("model.toml").display().to_string(),
                "--out",
                out,
                "--force",
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{cwd} {out}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("current folder") || err.contains("input of this run"),
            "{err}"
        );
        assert!(
            !err.contains("Sampling"),
            "refused only after sampling: {err}"
        );
    }
    assert_eq!(snapshot(case.dir.path()), before);
}

#[test]
fn force_refuses_a_file_and_leaves_no_hidden_copy() {
    let case = Case::new();
    std::fs::write(case.path("results.txt"), "keep me").unwrap();
    let before = snapshot(case.dir.path());
    let out = case.fit("results.txt", &[&["--force"][..], &QUICK].concat());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is a file"), "{}", stderr(&out));
    assert_eq!(snapshot(case.dir.path()), before);
}

#[test]
fn force_replaces_an_earlier_fit_and_leaves_nothing_behind() {
    let case = Case::new();
    let first = case.fit("fit", &QUICK);
    assert!(
        matches!(first.status.code(), Some(0 | 3)),
        "{}",
        stderr(&first)
    );
    let old = std::fs::read(case.path("fit/fit.json")).unwrap();
    // A dead run's staging folder, and the user's own hidden folder of a similar name.
    std::fs::create_dir(case.path(".fit.partial-4000000000")).unwrap();
    std::fs::create_dir(case.path(".fit.partial-mine")).unwrap();
    let mut args = vec!["--force", "--seed", "7"];
    args.extend(QUICK);
    let second = case.fit("fit", &args);
    assert!(
        matches!(second.status.code(), Some(0 | 3)),
        "{}",
        stderr(&second)
    );
    assert_ne!(std::fs::read(case.path("fit/fit.json")).unwrap(), old);
    let mut names: Vec<String> = std::fs::read_dir(case.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".fit.partial-mine", "data", "fit", "model.toml"]);
}

#[test]
fn a_failed_review_exits_3_after_writing_the_fit_and_shows_fail_before_roas() {
    let case = Case::new();
    let out = case.fit("fit", &["--warmup", "0", "--draws", "100", "--chains", "2"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(case.path("fit/fit.json").is_file() && case.path("fit/report.html").is_file());
    let text = stdout(&out);
    let fail = text.find("FAIL").expect("the review says FAIL");
    let roas = text.find("ROAS").expect("the ROAS table");
    assert!(fail < roas, "{text}");
    assert!(stderr(&out).contains("exit status 3"), "{}", stderr(&out));
}

#[test]
fn an_impossible_number_of_draws_is_refused_before_sampling() {
    let case = Case::new();
    let started = Instant::now();
    let out = case.fit("fit", &["--draws", "100000000000"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("in memory") && err.contains("--draws"),
        "{err}"
    );
    assert!(!err.contains("Sampling"), "{err}");
    assert!(started.elapsed() < REFUSAL_TIME_BOUND);
    assert!(!case.path("fit").exists());
}

#[test]
fn negative_counts_get_a_plain_message() {
    let case = Case::new();
    let out = case.fit("fit", &["--chains", "-1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("at least 1") && !err.contains("-- -1"),
        "{err}"
    );
}

#[test]
fn check_reports_every_bad_cell_first_first_and_names_foreign_delimiters() {
    let case = Case::new();
    let data = repo("tests/data/fuzz/three_bad_cells.csv");
    let out = case.run(&["check", "model.toml", "--data", &data.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let at = |s: &str| err.find(s).unwrap_or_else(|| panic!("no {s:?} in {err}"));
    assert!(at("3 problems") < at("line 6, column \"y\""));
    assert!(at("line 6, column \"y\"") < at("line 11, column \"x2\""));
    assert!(at("line 11, column \"x2\"") < at("line 91, column \"x1\""));

    let data = repo("tests/data/fuzz/semicolons_decimal_commas.csv");
    let out = case.run(&["check", "model.toml", "--data", &data.display().to_string()]);
    let err = stderr(&out);
    assert!(
        err.contains("semicolons") && err.contains("decimal commas"),
        "{err}"
    );
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn a_sentinel_of_1e300_is_flagged_by_check_with_its_row() {
    let case = Case::new();
    let data = repo("tests/data/fuzz/target_1e300.csv");
    let out = case.run(&["check", "model.toml", "--data", &data.display().to_string()]);
    let err = stderr(&out);
    assert!(err.contains("warning:") && err.contains("1e300"), "{err}");
    assert!(
        err.contains("data row 40") && err.contains("column \"y\""),
        "{err}"
    );
}

#[test]
fn extreme_priors_are_refused_quickly_by_check_and_fit() {
    let case = Case::new();
    for name in [
        "beta_beta_5e-324",
        "beta_beta_1e12",
        "beta_alpha_1e300",
        "gamma_shape_1e300",
    ] {
        let text = std::fs::read_to_string(repo(&format!("tests/data/fuzz/{name}.toml"))).unwrap();
        std::fs::write(case.path("extreme.toml"), text).unwrap();
        for command in ["check", "fit"] {
            let args: &[&str] = if command == "check" {
                &["check", "extreme.toml"]
            } else {
                &["fit", "extreme.toml", "--out", "fit"]
            };
            let started = Instant::now();
            let out = case.run(args);
            assert!(started.elapsed() < REFUSAL_TIME_BOUND, "{name} {command}");
            assert_eq!(
                out.status.code(),
                Some(1),
                "{name} {command}: {}",
                stderr(&out)
            );
            let err = stderr(&out);
            assert!(err.contains("between 1e-6 and 1e6"), "{err}");
            assert!(!err.contains("panicked") && err.len() < 1000, "{err}");
        }
    }
}

#[test]
fn a_model_file_with_an_unknown_key_and_other_errors_reports_them_all() {
    let case = Case::new();
    let text =
        std::fs::read_to_string(repo("tests/data/fuzz/unknown_key_and_two_errors.toml")).unwrap();
    std::fs::write(case.path("bad.toml"), text).unwrap();
    let out = case.run(&["check", "bad.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let at = |s: &str| err.find(s).unwrap_or_else(|| panic!("no {s:?} in {err}"));
    assert!(at("3 problems") < at("colour"));
    assert!(at("colour") < at("likelihood.sigma"));
    assert!(at("likelihood.sigma") < at("sampler.draws"));

    let text = std::fs::read_to_string(repo("models/pymc_marketing_example.toml"))
        .unwrap()
        .replacen("max_lag = 8", "max_lag = \"8\"", 1);
    std::fs::write(case.path("lag.toml"), text).unwrap();
    let err = stderr(&case.run(&["check", "lag.toml"]));
    assert!(
        err.contains("expected an integer") && !err.contains("i64"),
        "{err}"
    );
}
