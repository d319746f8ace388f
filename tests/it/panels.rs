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
    let cases: [(&str, Vec<&str>, &str); 4] = [
        ("report", vec!["report", "fit"], "fit"),
        ("validate", vec!["validate", "sim"], "sim"),
        (
            "backtest",
            vec!["backtest", "sim/model.toml"],
            "sim/model.toml",
        ),
        (
            "sbc",
            vec!["sbc", "sim/model.toml", "--replicates", "2", "--out", "sbc"],
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
