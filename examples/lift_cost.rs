//! The cost of the lift-test term per gradient: `cargo run --release --example lift_cost`.
//!
//! Times `logp_grad` of `models/calibration/collinear_calibrated.toml` (two channels, 104
//! weekly rows, two 4-week lift tests) with and without its `[calibration]` table, on a
//! deterministic synthetic data set.

use std::time::Instant;

use mmm::fit::data_request;
use mmm::transform::Date;
use mmm::{LogDensity, MmmDensity, ModelSpec};

const ROWS: i64 = 104;
const CALLS: usize = 200_000;

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/calibration/collinear_calibrated.toml"
    );
    let spec = ModelSpec::from_file(path).expect("example model");
    let mut csv = String::from("week,sales,tv,radio\n");
    for t in 0..ROWS {
        let date = Date::from_days_since_epoch(19_359 + 7 * t); // 2023-01-02
        let swing = 1.0 + 0.7 * (t as f64 * 0.12).cos();
        let tv = 20_000.0 * swing * (1.0 + 0.05 * (t as f64 * 1.7).sin());
        let radio = 10_000.0 * swing * (1.0 + 0.05 * (t as f64 * 2.3).cos());
        csv.push_str(&format!(
            "{date},{},{tv},{radio}\n",
            60_000.0 + 0.5 * tv + 0.4 * radio
        ));
    }
    let data =
        mmm::data::load_dataset_from_reader(csv.as_bytes(), "synthetic.csv", &data_request(&spec))
            .expect("valid data");
    let mut without = spec.clone();
    without.calibration = None;
    let per_call = |spec: &ModelSpec| {
        let mut density = MmmDensity::new(spec, &data).expect("density");
        let theta = vec![0.1; density.dim()];
        let mut grad = vec![0.0; density.dim()];
        let mut sink = 0.0;
        let started = Instant::now();
        for _ in 0..CALLS {
            sink += density.logp_grad(&theta, &mut grad).expect("finite");
        }
        (started.elapsed().as_secs_f64() / CALLS as f64 * 1e9, sink)
    };
    let (base, _) = per_call(&without);
    let (with, _) = per_call(&spec);
    println!(
        "logp_grad: {base:.0} ns without lift tests, {with:.0} ns with 2 ({:+.0} ns, {:+.1} %)",
        with - base,
        100.0 * (with - base) / base
    );
}
