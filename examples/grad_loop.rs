//! Profiling aid: `cargo run --release --example grad_loop -- MODEL.toml [CALLS] [sampled]` runs
//! CALLS (default 1000) `logp_grad` evaluations of the model file on its data, cycling through
//! 20 points θ ~ uniform(−1, 1) (seed 3, as `density_probe`), in the natural coordinates (the
//! function `benches/jax_compare.py` builds) or, with `sampled`, the sampler's. Nothing else
//! runs, so `valgrind --tool=callgrind` or `perf record` of it sees the density alone (subtract
//! a run with CALLS = 0 for the setup); `/usr/bin/time` of a million calls gives µs per call.

use mmm::density::DensityOptions;
use mmm::fit::data_request;
use mmm::{LogDensity, MmmDensity, ModelSpec, load_dataset};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const POINTS: usize = 20;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: grad_loop MODEL.toml [CALLS] [sampled]");
        std::process::exit(2);
    };
    let calls: usize = args
        .get(1)
        .map_or(1000, |s| s.parse().expect("CALLS: an integer"));
    let sampled = args.get(2).is_some_and(|s| s == "sampled");
    let spec = ModelSpec::from_file(path).expect("model file");
    let data_path = spec
        .data
        .path
        .clone()
        .expect("the model file names its data");
    let data = load_dataset(&data_path, &data_request(&spec)).expect("data");
    let options = DensityOptions {
        natural_coordinates: !sampled,
        ..DensityOptions::default()
    };
    let mut density = MmmDensity::with_options(&spec, &data, &options).expect("density");
    let dim = density.dim();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let points: Vec<Vec<f64>> = (0..POINTS)
        .map(|_| (0..dim).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect();
    let mut g = vec![0.0; dim];
    let mut total = 0.0;
    for i in 0..calls {
        total += density
            .logp_grad(&points[i % POINTS], &mut g)
            .unwrap_or(0.0);
    }
    // Printed, so the calls cannot be optimised away.
    println!("{total}");
}
