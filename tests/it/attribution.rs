//! `mmm attribute`: every rule against hand-computed credit on small journeys, the sums, the
//! opener/closer simulation, the MMM column from a fit directory, the clean-up of a messy
//! file, and the named errors of bad input — through the real binary where a user would be.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use approx::assert_abs_diff_eq;
use mmm::attribution::{
    AttributionSettings, JourneySimOptions, Rule, SimChannel, attribute_reader, simulate_journeys,
};

/// Credits of hand-computed journeys are exact up to round-off in the CSV text.
const CREDIT_TOL: f64 = 1e-9;

fn mmm(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mmm"))
        .args(args)
        .output()
        .unwrap()
}

fn attribute(dir: &Path, touches: &str, extra: &[&str]) -> (Output, PathBuf) {
    let file = dir.join("touches.csv");
    std::fs::write(&file, touches).unwrap();
    let out = dir.join("out");
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "attribute".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    (mmm(&args), out)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `attribution.csv` as `(channel, rule) → (conversions, value, share)`.
fn credits(out: &Path) -> HashMap<(String, String), (f64, Option<f64>, f64)> {
    let csv = std::fs::read_to_string(out.join("attribution.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("channel,rule,conversions,value,share"));
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                (c[0].to_string(), c[1].to_string()),
                (
                    c[2].parse().unwrap(),
                    c[3].parse().ok(),
                    c[4].parse().unwrap(),
                ),
            )
        })
        .collect()
}

/// Five users: a three-touch journey, a single touch, two touches tied in time, a touch
/// outside the 30-day lookback, and a journey that never converts.
const HAND: &str = "\
user_id,session_start,channel,converted,conversion_value
a,2024-03-01T00:00:00Z,search,false,
a,2024-03-08T00:00:00Z,display,false,
a,2024-03-15T00:00:00Z,direct,true,100
b,2024-03-10T00:00:00Z,email,true,50
c,2024-03-01T12:00:00Z,search,false,
c,2024-03-01T12:00:00Z,display,true,20
d,2024-01-01T00:00:00Z,video,false,
d,2024-03-15T00:00:00Z,search,true,10
e,2024-03-02T00:00:00Z,display,false,
";

#[test]
fn every_rule_matches_hand_computed_credit_on_small_journeys() {
    let dir = tempfile::tempdir().unwrap();
    let (out, folder) = attribute(dir.path(), HAND, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = credits(&folder);
    // (rule, [search, display, direct, email, video]) in conversions. User a: ages 14, 7 and
    // 0 days are 2, 1 and 0 half-lives, so time decay gives 1/7, 2/7, 4/7; position based
    // 0.4/0.2/0.4. User c's tied touches split every rule half and half. User d's video touch
    // is 74 days old and does not count.
    let third = 1.0 / 3.0;
    let expected: [(&str, [f64; 5]); 8] = [
        ("first_touch", [2.5, 0.5, 0.0, 1.0, 0.0]),
        ("last_touch", [1.5, 0.5, 1.0, 1.0, 0.0]),
        ("last_non_direct", [1.5, 1.5, 0.0, 1.0, 0.0]),
        ("linear", [third + 1.5, third + 0.5, third, 1.0, 0.0]),
        (
            "time_decay",
            [1.0 / 7.0 + 1.5, 2.0 / 7.0 + 0.5, 4.0 / 7.0, 1.0, 0.0],
        ),
        ("position_based", [1.9, 0.7, 0.4, 1.0, 0.0]),
        // Sets {search, display, direct}, {email}, {search, display}, {search}: split equally.
        ("shapley", [third + 1.5, third + 0.5, third, 1.0, 0.0]),
        ("markov", [f64::NAN; 5]),
    ];
    let channels = ["search", "display", "direct", "email", "video"];
    for (rule, want) in expected {
        let mut sum = 0.0;
        for (ch, w) in channels.iter().zip(want) {
            let (conversions, _, share) = got[&(ch.to_string(), rule.to_string())];
            sum += conversions;
            assert_abs_diff_eq!(share, conversions / 4.0, epsilon = CREDIT_TOL);
            if !w.is_nan() {
                assert_abs_diff_eq!(conversions, w, epsilon = CREDIT_TOL);
            }
        }
        // Four conversions with a touch in the lookback, whatever the rule.
        assert_abs_diff_eq!(sum, 4.0, epsilon = CREDIT_TOL);
    }
    // Values follow the credit: first touch gives search a's 100 and d's 10 plus half of 20.
    let (_, value, _) = got[&("search".to_string(), "first_touch".to_string())];
    assert_abs_diff_eq!(value.unwrap(), 120.0, epsilon = CREDIT_TOL);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("5 journeys, 4 converted"), "{stdout}");
    assert!(
        stdout.contains("1 touch older than the lookback"),
        "{stdout}"
    );
    let json = std::fs::read_to_string(folder.join("journeys.json")).unwrap();
    assert!(json.contains("\"touches_outside_lookback\": 1"), "{json}");
}

#[test]
fn lookback_and_half_life_flags_change_the_credit() {
    let dir = tempfile::tempdir().unwrap();
    let (out, folder) = attribute(
        dir.path(),
        HAND,
        &["--lookback-days", "100", "--half-life-days", "14"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = credits(&folder);
    // With 100 days, d's video touch opens its journey.
    let video = got[&("video".to_string(), "first_touch".to_string())].0;
    assert_abs_diff_eq!(video, 1.0, epsilon = CREDIT_TOL);
    // Half-life 14 days: a's ages are 1, 0.5 and 0 half-lives.
    let w = [0.5, 0.5f64.sqrt(), 1.0];
    let total: f64 = w.iter().sum();
    let direct = got[&("direct".to_string(), "time_decay".to_string())].0;
    assert_abs_diff_eq!(direct, 1.0 / total, epsilon = CREDIT_TOL);
}

#[test]
fn markov_and_shapley_match_the_three_channel_hand_example() {
    // Journeys A→B→conversion, A→C→null, B→conversion. Markov: P(conversion) = 2/3; removing
    // A leaves 1/3 (effect 1/2), removing B leaves 0 (effect 1), removing C changes nothing:
    // shares 1/3, 2/3, 0 of 2 conversions. Shapley: {A,B} splits one conversion, {B} takes one.
    let touches = "user_id,session_start,channel,converted\n\
                   u1,2024-05-01T10:00,A,false\nu1,2024-05-02T10:00,B,true\n\
                   u2,2024-05-01T10:00,A,false\nu2,2024-05-02T10:00,C,false\n\
                   u3,2024-05-01T10:00,B,true\n";
    let dir = tempfile::tempdir().unwrap();
    let (out, folder) = attribute(dir.path(), touches, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = credits(&folder);
    let get = |ch: &str, rule: &str| got[&(ch.to_string(), rule.to_string())].0;
    assert_abs_diff_eq!(get("A", "markov"), 2.0 / 3.0, epsilon = CREDIT_TOL);
    assert_abs_diff_eq!(get("B", "markov"), 4.0 / 3.0, epsilon = CREDIT_TOL);
    assert_abs_diff_eq!(get("C", "markov"), 0.0, epsilon = CREDIT_TOL);
    assert_abs_diff_eq!(get("A", "shapley"), 0.5, epsilon = CREDIT_TOL);
    assert_abs_diff_eq!(get("B", "shapley"), 1.5, epsilon = CREDIT_TOL);
    // Without a value column the value cells are empty.
    assert_eq!(got[&("A".to_string(), "markov".to_string())].1, None);
}

#[test]
fn an_opening_and_a_closing_channel_are_credited_as_each_rule_designs() {
    let sim = JourneySimOptions {
        users: 3000,
        seed: 3,
        channels: vec![
            SimChannel {
                name: "opener".into(),
                weight: 1.0,
                lift: 0.1,
                opens: true,
                middle: false,
                closes: false,
            },
            SimChannel {
                name: "middle".into(),
                weight: 1.0,
                lift: 0.1,
                opens: false,
                middle: true,
                closes: false,
            },
            SimChannel {
                name: "closer".into(),
                weight: 1.0,
                lift: 0.1,
                opens: false,
                middle: false,
                closes: true,
            },
        ],
        min_touches: 2,
        ..JourneySimOptions::default()
    };
    let journeys = simulate_journeys(&sim);
    let a = attribute_reader(
        journeys.csv.as_bytes(),
        "sim.csv",
        &AttributionSettings::default(),
    )
    .unwrap();
    let index = |name: &str| a.channels.iter().position(|c| c == name).unwrap();
    let (opener, closer) = (index("opener"), index("closer"));
    let first = a.shares(Rule::FirstTouch);
    let last = a.shares(Rule::LastTouch);
    assert_abs_diff_eq!(first[opener], 1.0, epsilon = CREDIT_TOL);
    assert_abs_diff_eq!(last[closer], 1.0, epsilon = CREDIT_TOL);
    // Every journey holds both: removing either stops every conversion, and each set holds
    // both, so the data-driven rules give them equal, substantial credit.
    for rule in [Rule::Markov, Rule::Shapley] {
        let s = a.shares(rule);
        assert!(s[opener] > 0.3 && s[closer] > 0.3, "{rule}: {s:?}");
        assert_abs_diff_eq!(s[opener], s[closer], epsilon = 1e-9);
    }
    for credit in &a.credits {
        let total: f64 = credit.conversions.iter().sum();
        assert_abs_diff_eq!(total, a.attributed_conversions, epsilon = 1e-6);
    }
}

#[test]
fn the_mmm_column_comes_from_the_fit_directory_over_the_journey_weeks() {
    let dir = tempfile::tempdir().unwrap();
    let fit = dir.path().join("fit");
    std::fs::create_dir(&fit).unwrap();
    std::fs::write(
        fit.join("roas.csv"),
        "channel,spend,contribution_mean\nsearch_spend,1,1\ndisplay,1,1\ntv,1,1\n",
    )
    .unwrap();
    let mut rows = String::from("date,component,mean,q5,q95\n");
    for (date, search, display) in [("2024-02-26", 1.0, 1.0), ("2024-03-04", 3.0, 1.0)] {
        rows += &format!("{date},search_spend,{search},0,0\n{date},display,{display},0,0\n");
        rows += &format!("{date},tv,5,0,0\n");
    }
    rows += "2024-06-03,search_spend,100,0,0\n2024-06-03,display,0,0,0\n";
    std::fs::write(fit.join("contributions.csv"), rows).unwrap();
    let touches = "user_id,session_start,channel,converted\n\
                   u1,2024-03-01,display,false\nu1,2024-03-05,search,true\n";
    let (out, folder) = attribute(dir.path(), touches, &["--fit", fit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let comparison = std::fs::read_to_string(folder.join("comparison.csv")).unwrap();
    let lines: Vec<&str> = comparison.lines().collect();
    assert!(
        lines[0].ends_with(",shapley,mmm_channel,mmm_share"),
        "{comparison}"
    );
    // Weeks of Feb 26 and Mar 4: search 4, display 2 (June is outside the journeys).
    assert!(
        lines[1].starts_with("display,1,0,") && lines[1].ends_with(",display,0.3333333333333333")
    );
    assert!(
        lines[2].ends_with(",search_spend,0.6666666666666666"),
        "{comparison}"
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("mmm channels without journeys: tv"),
        "{stdout}"
    );
    assert!(folder.join("attribution.svg").exists());
}

#[test]
fn a_messy_export_is_repaired_counted_and_listed() {
    let touches = "user_id,session_start,session_end,channel,campaign,converted,conversion_value\n\
                   ,2024-03-01T10:00,,search,,false,\n\
                   u1,2024-03-03T10:00,,search,brand,true,30\n\
                   u1,2024-03-01T10:00,2024-03-01T09:00,display,,false,\n\
                   u1,2024-03-01T10:00,,display,,false,\n\
                   u1,2024-03-02T10:00,,,,false,\n\
                   u2,2024-03-02T10:00,,,,true,12\n\
                   u3,2024-03-02T10:00,,email,,,\n";
    let dir = tempfile::tempdir().unwrap();
    let (out, folder) = attribute(dir.path(), touches, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cleanup = std::fs::read_to_string(folder.join("cleanup.csv")).unwrap();
    let rules: Vec<(&str, &str)> = cleanup
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0], c[2])
        })
        .collect();
    assert_eq!(
        rules,
        vec![
            ("2", "missing_user_id"),
            ("4", "out_of_order"),
            ("4", "end_before_start"),
            ("5", "duplicate_session"),
            ("5", "out_of_order"),
            ("6", "missing_channel"),
            ("7", "conversion_without_channel"),
            ("7", "conversion_without_touch"),
            ("8", "empty_converted"),
        ]
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("duplicate_session") && stdout.contains("cleanup.csv"));
    // One conversion attributed (u1's), one without a touch (u2's).
    let got = credits(&folder);
    let display = got[&("display".to_string(), "first_touch".to_string())].0;
    assert_abs_diff_eq!(display, 1.0, epsilon = CREDIT_TOL);
}

#[test]
fn bad_input_is_named_by_file_line_and_column_and_exits_1() {
    let cases: [(&str, &[&str]); 5] = [
        (
            "user,session_start,channel,converted\nu1,2024-01-01,a,true\n",
            &[
                "no column \"user_id\"",
                "did you mean \"user\"",
                "--user-id",
            ],
        ),
        (
            "user_id,session_start,channel,converted\nu1,2024-01-01,a,false\nu1,1/2/2024,a,true\n",
            &["line 3, column \"session_start\"", "\"1/2/2024\"", "ISO"],
        ),
        ("", &["is empty"]),
        (
            "user_id,session_start,channel,converted\nu1,2024-01-01,a,false\n",
            &["no conversions", "\"converted\" true"],
        ),
        (
            "user_id,session_start,channel,converted\nu1,2024-01-01,a,sure\n",
            &["line 2, column \"converted\"", "true/false"],
        ),
    ];
    for (touches, needles) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (out, folder) = attribute(dir.path(), touches, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("touches.csv"), "{stderr}");
        for n in needles {
            assert!(stderr.contains(n), "{n:?} not in {stderr}");
        }
        // A failed run leaves no output folder and no staging folder behind.
        assert!(!folder.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

#[test]
fn an_existing_output_folder_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/mine.txt"), "keep").unwrap();
    let (out, folder) = attribute(dir.path(), HAND, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("already exists"));
    assert!(folder.join("mine.txt").exists());
    // A folder mmm did not write is never replaced, even with --force (issue 12).
    let (out, folder) = attribute(dir.path(), HAND, &["--force"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not an mmm attribution folder"));
    assert_eq!(
        std::fs::read_to_string(folder.join("mine.txt")).unwrap(),
        "keep"
    );
    // An earlier attribution is replaced with --force, and only with it.
    std::fs::remove_dir_all(&folder).unwrap();
    let (out, folder) = attribute(dir.path(), HAND, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (out, _) = attribute(dir.path(), HAND, &[]);
    assert_eq!(out.status.code(), Some(1));
    let (out, _) = attribute(dir.path(), HAND, &["--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(folder.join("attribution.csv").exists());
}

#[test]
fn columns_named_in_a_settings_file_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("attribution.toml");
    std::fs::write(
        &config,
        "[attribution]\nuser_id = \"visitor\"\nchannel = \"source\"\n\
         position_weights = [0.3, 0.4, 0.3]\n",
    )
    .unwrap();
    let touches = "visitor,session_start,source,converted\n\
                   v,2024-01-01,a,false\nv,2024-01-02,b,false\nv,2024-01-03,c,true\n";
    let (out, folder) = attribute(dir.path(), touches, &["--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = credits(&folder);
    let b = got[&("b".to_string(), "position_based".to_string())].0;
    assert_abs_diff_eq!(b, 0.4, epsilon = CREDIT_TOL);
}

#[test]
fn the_shipped_synthetic_journeys_attribute_every_conversion() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/attribution");
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("out");
    let out = mmm(&[
        "attribute".as_ref(),
        data.join("journeys.csv").as_os_str(),
        "--out".as_ref(),
        folder.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = credits(&folder);
    // brand_search only closes journeys and display only opens them (or is alone).
    let get = |ch: &str, rule: &str| got[&(ch.to_string(), rule.to_string())].2;
    assert_abs_diff_eq!(
        get("brand_search", "first_touch"),
        0.0,
        epsilon = CREDIT_TOL
    );
    assert!(get("brand_search", "last_touch") > 0.3);
    assert!(get("brand_search", "markov") > 0.1 && get("display", "markov") > 0.05);
    for rule in Rule::ALL {
        let total: f64 = got
            .iter()
            .filter(|((_, r), _)| r == rule.name())
            .map(|(_, v)| v.2)
            .sum();
        assert_abs_diff_eq!(total, 1.0, epsilon = 1e-9);
    }
}
