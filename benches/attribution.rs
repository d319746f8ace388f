//! Attribution benchmarks: every rule over 10^5 and 10^6 synthetic touches read from memory
//! (parsing, clean-up, journeys, heuristics, Markov and Shapley). Figures:
//! docs/performance.md, "Attribution".
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

use mmm::attribution::{
    AttributionSettings, JourneySimOptions, attribute_reader, simulate_journeys,
};

/// Users simulated: about three touches each.
const USERS: [usize; 2] = [34_000, 340_000];

fn touches(users: usize) -> String {
    simulate_journeys(&JourneySimOptions {
        users,
        seed: 1,
        ..JourneySimOptions::default()
    })
    .csv
}

fn bench_attribute(c: &mut Criterion) {
    let settings = AttributionSettings::default();
    let mut group = c.benchmark_group("attribute");
    group.sample_size(10);
    for users in USERS {
        let csv = touches(users);
        let rows = csv.lines().count() - 1;
        group.bench_function(format!("{rows}_touches"), |b| {
            b.iter(|| {
                let a = attribute_reader(black_box(csv.as_bytes()), "bench.csv", &settings);
                black_box(a.map(|a| a.attributed_conversions).unwrap_or_default())
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_attribute);
criterion_main!(benches);
