//! Panel models through the binary: `mmm simulate` and `mmm fit` take a model with
//! `[data] group`; the commands that do not handle panels yet refuse them by name (exit 1, the
//! file named, what to do instead) and write nothing, never running the national path on them.

use crate::support::{mmm, model};

#[test]
fn commands_without_panel_support_refuse_a_panel_model_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (geo, truth) = (model("panels/geo.toml"), model("panels/geo_truth.toml"));
    let out = mmm(
        &[
            "simulate",
            geo.to_str().unwrap(),
            "--truth",
            truth.to_str().unwrap(),
            "--out",
            "sim",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fit = mmm(
        &[
            "fit",
            "sim/model.toml",
            "--out",
            "fit",
            "--chains",
            "1",
            "--warmup",
            "60",
            "--draws",
            "40",
        ],
        dir.path(),
    );
    // A short fit may fail its review (exit 3); its directory is written either way.
    assert!(
        matches!(fit.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&fit.stderr)
    );
    for file in [
        "fit.json",
        "roas.csv",
        "roas_by_group.csv",
        "contributions_by_group.csv",
    ] {
        assert!(dir.path().join("fit").join(file).is_file(), "no {file}");
    }
    let scenario = model("scenarios/geo_panel.toml");
    let opt = mmm(
        &[
            "optimize",
            "fit",
            scenario.to_str().unwrap(),
            "--out",
            "plan",
        ],
        dir.path(),
    );
    assert!(
        opt.status.success(),
        "{}",
        String::from_utf8_lossy(&opt.stderr)
    );
    let by_group =
        std::fs::read_to_string(dir.path().join("plan/allocation_by_group.csv")).unwrap();
    assert!(by_group.starts_with("channel,group,current,optimal,change,min,max,mroas_mean"));
    assert_eq!(by_group.lines().count(), 1 + 4 * 20);
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("plan/allocation.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["split"], "channel_group");
    assert_eq!(json["channels"].as_array().unwrap().len(), 4);
    let cases: [(&str, Vec<&str>, &str); 3] = [
        ("report", vec!["report", "fit"], "fit"),
        ("validate", vec!["validate", "sim"], "sim"),
        (
            "backtest",
            vec!["backtest", "sim/model.toml"],
            "sim/model.toml",
        ),
    ];
    for (verb, args, named) in cases {
        let before = std::fs::read_dir(dir.path()).unwrap().count();
        let out = mmm(&args, dir.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{verb}: {err}");
        assert!(
            err.contains(&format!("`mmm {verb}` does not handle panel models"))
                && err.contains(named)
                && err.contains("docs/panels.md"),
            "{verb}: {err}"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            before,
            "{verb} wrote"
        );
    }
}

/// `mmm sbc` on a small panel model: ranks of every parameter (hyper-parameters, group
/// intercepts, offsets) uniform when the fit's priors are the simulation's, and a planted
/// hyper-prior bug (beta_mu simulated under normal(-1, 0.5), fitted under normal(0, 0.5))
/// caught, with beta_mu among the failing parameters. About 20 s in release on 2 cores.
#[test]
fn panel_sbc_passes_on_the_small_model_and_fails_on_a_planted_hyper_prior_bug() {
    let dir = tempfile::tempdir().unwrap();
    let (small, truth) = (
        model("panels/sbc_small.toml"),
        model("panels/sbc_small_truth.toml"),
    );
    let run = |fit: &str, replicates: &str, out: &str| {
        let fit = model(fit);
        mmm(
            &[
                "sbc",
                small.to_str().unwrap(),
                "--fit-model",
                fit.to_str().unwrap(),
                "--truth",
                truth.to_str().unwrap(),
                "--replicates",
                replicates,
                "--periods",
                "30",
                "--warmup",
                "200",
                "--draws",
                "100",
                "--seed",
                "3",
                "--out",
                out,
            ],
            dir.path(),
        )
    };
    let good = run("panels/sbc_small.toml", "60", "good");
    let text = String::from_utf8_lossy(&good.stdout);
    assert!(
        good.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(
        text.contains("Verdict: PASS") && text.contains("(0 failed)"),
        "{text}"
    );
    let sbc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("good/sbc.json")).unwrap()).unwrap();
    let names: Vec<&str> = sbc["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    for name in [
        "beta_mu[tv]",
        "beta_sigma[search]",
        "intercept[g04]",
        "beta_z[tv,g01]",
    ] {
        assert!(names.contains(&name), "{name} not ranked: {names:?}");
    }
    assert_eq!(sbc["replicates"].as_array().unwrap().len(), 60);

    let bad = run("panels/sbc_small_mismatched.toml", "20", "bad");
    let text = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{text}");
    assert!(text.contains("Verdict: FAIL"), "{text}");
    for name in ["beta_mu[tv]", "beta_mu[search]"] {
        let line = text.lines().find(|l| l.starts_with(name)).unwrap();
        assert!(line.ends_with("FAIL"), "{line}");
    }
}

/// A panel model's SBC needs the data design of a truth file, and says so.
#[test]
fn panel_sbc_without_a_truth_file_says_what_to_give() {
    let dir = tempfile::tempdir().unwrap();
    let small = model("panels/sbc_small.toml");
    let out = mmm(
        &["sbc", small.to_str().unwrap(), "--replicates", "2"],
        dir.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("needs --truth TRUTH.toml") && err.contains("sbc_small.toml"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
