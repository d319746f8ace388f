//! `report.html`: written by `mmm fit`, rewritten byte for byte by `mmm report`, and safe with
//! hostile names in the model file.

use std::path::Path;
use std::process::{Command, Output};

fn mmm(args: &[&str], out: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mmm"));
    cmd.args(args);
    if let Some(out) = out {
        cmd.arg(out);
    }
    cmd.output().unwrap()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const QUICK: [&str; 6] = ["--warmup", "150", "--draws", "100", "--chains", "2"];

fn fit(model: &str, out: &Path) {
    let mut args = vec!["fit", model];
    args.extend(QUICK);
    args.push("--out");
    let o = mmm(&args, Some(out));
    // A fit this short may fail its review (exit status 3); the directory is written either way.
    assert!(
        matches!(o.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn mmm_report_rewrites_the_report_of_mmm_fit_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fit");
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/pymc_marketing_example.toml"
    );
    fit(model, &out);
    let report = out.join("report.html");
    let from_fit = std::fs::read(&report).unwrap();
    std::fs::write(&report, "stale").unwrap();
    let rewritten = mmm(&["report"], Some(&out));
    assert_ok(&rewritten);
    assert!(String::from_utf8_lossy(&rewritten.stdout).contains("report.html"));
    let from_report = std::fs::read(&report).unwrap();
    assert!(
        from_fit == from_report,
        "mmm report wrote different bytes from mmm fit"
    );
    let html = String::from_utf8(from_report).unwrap();
    assert!(html.contains("pymc_marketing_example.toml"));
    // Nothing but the report changed in the folder, and no temporary file is left.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "contributions.csv",
            "data.csv",
            "draws",
            "fit.json",
            "report.html",
            "response_curves.csv",
            "roas.csv",
            "summary.csv"
        ]
    );
}

#[test]
fn hostile_channel_and_control_names_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/data/pymc_marketing_mmm_example.csv"
    );
    let model = format!(
        r#"
[data]
path = '{data}'
date = "date_week"
target = "y"
[[channel]]
name = "<script>alert(1)</script>"
column = "x1"
[[channel]]
name = "x2 & 'quoted' <u>"
column = "x2"
[[control]]
name = "</table><img src=x onerror=alert(2)>"
column = "event_1"
"#
    );
    let model_path = dir.path().join("hostile.toml");
    std::fs::write(&model_path, model).unwrap();
    let out = dir.path().join("fit");
    fit(model_path.to_str().unwrap(), &out);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for raw in ["<script", "<img", "<u>", "</table><img"] {
        assert!(!html.contains(raw), "unescaped {raw}");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("x2 &amp; &#39;quoted&#39; &lt;u&gt;"));
    assert!(html.contains("&lt;/table&gt;&lt;img src=x onerror=alert(2)&gt;"));
}

#[test]
fn report_on_a_folder_that_is_not_a_fit_fails_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = mmm(&["report"], Some(dir.path()));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fit.json") && err.contains("mmm fit"), "{err}");
    assert!(!dir.path().join("report.html").exists());
}

/// `[report] interval = 0.8` reaches what a person reads: the terminal summary, the CSV's
/// `lower`/`upper` columns and the report (issue 10: the setting was accepted and ignored).
#[test]
fn the_report_interval_of_the_model_file_is_honoured_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/models/full.toml");
    let out = dir.path().join("fit");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_mmm"))
        .args(["fit", model, "--warmup", "150", "--draws", "100", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(out.join("roas.csv").is_file(), "{stdout}");
    assert!(stdout.contains("ROAS (80% interval)"), "{stdout}");
    assert!(stdout.contains("marginal ROAS (80%)"), "{stdout}");
    assert!(!stdout.contains("ROAS (90%"), "{stdout}");
    let roas = std::fs::read_to_string(out.join("roas.csv")).unwrap();
    assert!(
        roas.lines().next().unwrap().ends_with(
            "share_q95,roas_lower,roas_upper,mroas_lower,mroas_upper,share_lower,share_upper"
        ),
        "{roas}"
    );
    let curves = std::fs::read_to_string(out.join("response_curves.csv")).unwrap();
    assert!(curves.starts_with("channel,spend,mean,q5,q95,lower,upper\n"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("with 80% credible intervals"));
    assert!(html.contains("80% credible band"));
    assert!(!html.contains("ROAS (90%)"));
}

/// A fit calibrated with lift tests shows each test in a "Lift tests" section (chart and
/// table, from `fit.json`'s `lift_tests`); the same model without tests has no such section.
#[test]
fn the_report_shows_each_lift_test_and_only_for_a_calibrated_fit() {
    let dir = tempfile::tempdir().unwrap();
    let models = concat!(env!("CARGO_MANIFEST_DIR"), "/models");
    let sim = dir.path().join("sim");
    let o = mmm(
        &[
            "simulate",
            &format!("{models}/collinear.toml"),
            "--truth",
            &format!("{models}/collinear_truth.toml"),
            "--out",
        ],
        Some(&sim),
    );
    assert_ok(&o);
    let data = sim.join("data.csv");
    let report_of = |model: &str, name: &str| {
        let out = dir.path().join(name);
        let mut args = vec!["fit", model, "--data", data.to_str().unwrap()];
        args.extend(QUICK);
        args.push("--out");
        let o = mmm(&args, Some(&out));
        assert!(
            matches!(o.status.code(), Some(0 | 3)),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("fit.json")).unwrap()).unwrap();
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        (meta, html)
    };
    let (meta, html) = report_of(
        &format!("{models}/calibration/collinear_calibrated.toml"),
        "calibrated",
    );
    let tests = meta["lift_tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2);
    let section = &html[html.find(r#"<section id="lift">"#).expect("lift section")..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(html.contains(r##"<a href="#lift">Lift tests</a>"##));
    assert_eq!(section.matches("<svg").count(), 1);
    for t in tests {
        let name = format!("{} (row {})", t["channel"].as_str().unwrap(), t["row"]);
        // Named on the chart's axis and in the table.
        assert!(section.matches(&name).count() >= 2, "{name}");
    }
    for channel in ["tv (row 1)", "radio (row 2)"] {
        assert!(section.contains(channel), "{channel}");
    }
    // Each single-channel test is also marked on its channel's response curve, with a reading.
    let response = &html[html
        .find(r#"<section id="response">"#)
        .expect("response section")..];
    let response = &response[..response.find("</section>").unwrap()];
    for row in [1, 2] {
        assert_eq!(
            response
                .matches(&format!("Lift test (row {row}): at "))
                .count(),
            1,
            "row {row}"
        );
    }
    assert!(response.contains("lift test: window spend + its change"));
    let (meta, html) = report_of(&format!("{models}/collinear.toml"), "plain");
    assert!(meta["lift_tests"].as_array().is_none_or(Vec::is_empty));
    assert!(!html.contains(r#"<section id="lift">"#));
    assert!(!html.contains("Lift tests"));
    assert!(!html.contains("Lift test (row"));
}
