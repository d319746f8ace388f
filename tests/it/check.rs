//! `mmm check` and `mmm fit` on bad input: exit status 1, and a message naming the file, the
//! line or key, the column, what is wrong and what to do.

use std::path::PathBuf;
use std::process::{Command, Output};

const MODEL: &str = r#"[data]
path = "data.csv"
date = "date"
target = "sales"

[[channel]]
name = "tv"
column = "tv_spend"

[[channel]]
name = "search"
column = "search"
"#;

/// A weekly data set of `rows` rows from Monday 2022-01-03, with varying values.
fn data_csv(rows: usize) -> String {
    let mut s = String::from("date,sales,tv_spend,search\n");
    for i in 0..rows {
        let day = mmm::transform::Date::from_days_since_epoch(18_995 + 7 * i as i64);
        let v = i as f64;
        s.push_str(&format!(
            "{day},{},{},{}\n",
            100.0 + (v * 0.7).sin() * 10.0,
            20.0 + (v * 1.3).cos() * 15.0,
            10.0 + (v * 0.4).sin() * 5.0
        ));
    }
    s
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(model: &str, data: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("model.toml"), model).unwrap();
        std::fs::write(dir.path().join("data.csv"), data).unwrap();
        Case { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mmm"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    /// Run `mmm check model.toml`; assert exit 1 and that stderr holds every fragment.
    fn check_fails_with(&self, fragments: &[&str]) {
        let out = self.run(&["check", "model.toml"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "stderr: {err}");
        for f in fragments {
            assert!(err.contains(f), "missing {f:?} in: {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
    }
}

fn edit_line(text: &str, line: usize, f: impl Fn(&str) -> String) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == line { f(l) } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn a_valid_model_checks_and_prints_its_priors() {
    let case = Case::new(MODEL, &data_csv(40));
    let out = case.run(&["check", "model.toml"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("beta[tv]")
            && text.contains("half_normal")
            && text.contains("No problems found")
    );
}

#[test]
fn unknown_key_names_its_line_and_the_allowed_keys() {
    let model = MODEL.replace(
        "column = \"tv_spend\"",
        "column = \"tv_spend\"\ncolour = \"red\"",
    );
    Case::new(&model, &data_csv(40)).check_fails_with(&[
        "model.toml",
        "line 9",
        "channel.tv",
        "colour",
        "expected one of",
    ]);
}

#[test]
fn prior_with_the_wrong_support_names_the_key_and_the_fix() {
    let model = MODEL.replace(
        "column = \"tv_spend\"",
        "column = \"tv_spend\"\nbeta = { dist = \"normal\", mu = 0.0, sigma = 1.0 }",
    );
    Case::new(&model, &data_csv(40)).check_fails_with(&[
        "line 9",
        "channel.tv.beta",
        "(0, inf)",
        "half_normal",
    ]);
}

#[test]
fn wrong_type_is_reported_with_its_line() {
    let model = MODEL.replace("target = \"sales\"", "target = 5");
    Case::new(&model, &data_csv(40)).check_fails_with(&["line 4", "target"]);
}

#[test]
fn adstock_longer_than_the_data_is_refused() {
    let model = MODEL.replace(
        "column = \"tv_spend\"",
        "column = \"tv_spend\"\nadstock = { type = \"geometric\", max_lag = 30 }",
    );
    Case::new(&model, &data_csv(20))
        .check_fails_with(&["channel.tv.adstock.max_lag", "longer than the data"]);
}

#[test]
fn missing_column_suggests_the_nearest_name() {
    let model = MODEL.replace("column = \"search\"", "column = \"serch\"");
    Case::new(&model, &data_csv(40)).check_fails_with(&[
        "data.csv",
        "\"serch\"",
        "did you mean \"search\"",
    ]);
}

#[test]
fn negative_spend_names_line_and_column() {
    let data = edit_line(&data_csv(40), 5, |l| {
        let mut f: Vec<&str> = l.split(',').collect();
        f[2] = "-5.0";
        f.join(",")
    });
    Case::new(MODEL, &data).check_fails_with(&[
        "data.csv line 5",
        "column \"tv_spend\"",
        "negative spend -5",
        ">= 0",
    ]);
}

#[test]
fn non_numeric_and_missing_values_name_line_and_column() {
    let data = edit_line(&data_csv(40), 7, |l| {
        let mut f: Vec<&str> = l.split(',').collect();
        f[1] = "abc";
        f.join(",")
    });
    Case::new(MODEL, &data).check_fails_with(&["line 7", "column \"sales\"", "not a number"]);
    let data = edit_line(&data_csv(40), 9, |l| {
        let mut f: Vec<&str> = l.split(',').collect();
        f[3] = "";
        f.join(",")
    });
    Case::new(MODEL, &data).check_fails_with(&["line 9", "column \"search\""]);
}

#[test]
fn gaps_duplicates_and_unsorted_dates_are_named() {
    let full = data_csv(40);
    let lines: Vec<&str> = full.lines().collect();
    let gap: String = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 7)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    Case::new(MODEL, &gap).check_fails_with(&["line 8", "missing", "add rows"]);
    let mut dup = lines.clone();
    dup[6] = lines[5];
    Case::new(MODEL, &(dup.join("\n") + "\n")).check_fails_with(&["line 7", "date"]);
    let mut swapped = lines.clone();
    swapped.swap(4, 5);
    Case::new(MODEL, &(swapped.join("\n") + "\n")).check_fails_with(&["line", "date"]);
}

#[test]
fn constant_channel_and_too_few_rows_say_what_to_do() {
    let data: String = data_csv(40)
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                let mut f: Vec<&str> = l.split(',').collect();
                f[3] = "0";
                format!("{}\n", f.join(","))
            }
        })
        .collect();
    Case::new(MODEL, &data).check_fails_with(&["column \"search\"", "zero"]);
    Case::new(MODEL, &data_csv(6)).check_fails_with(&["data.csv", "rows", "provide at least"]);
}

#[test]
fn missing_data_file_names_the_path() {
    let case = Case::new(MODEL, &data_csv(40));
    let out = case.run(&["check", "model.toml", "--data", "nope.csv"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("nope.csv") && err.contains("--data"), "{err}");
}

#[test]
fn fit_refuses_to_replace_an_existing_folder_and_keeps_it() {
    let case = Case::new(MODEL, &data_csv(40));
    let existing = case.path("fit");
    std::fs::create_dir(&existing).unwrap();
    std::fs::write(existing.join("keep.txt"), "mine").unwrap();
    let out = case.run(&[
        "fit",
        "model.toml",
        "--out",
        "fit",
        "--draws",
        "10",
        "--warmup",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(existing.join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn an_invalid_sampler_override_fails_before_writing_anything() {
    let case = Case::new(MODEL, &data_csv(40));
    let out = case.run(&["fit", "model.toml", "--out", "fit", "--chains", "0"]);
    // A usage error since issue 12 (the argument parser says "at least 1").
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 1"));
    assert!(!case.path("fit").exists());
    let leftovers = std::fs::read_dir(case.dir.path()).unwrap().count();
    assert_eq!(leftovers, 2, "only model.toml and data.csv remain");
}
