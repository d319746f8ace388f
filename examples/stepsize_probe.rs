//! The sampler bench's counts for mmm alone, in seconds instead of minutes: 4 chains x (1000 +
//! 1000) at default settings on the 100-d normal (n), kidiq (k), the 24-d Gaussian with
//! neighbour correlations 0.99 (g) and the PyMC-Marketing example (p), seeds 1-5 (or 6-10 with
//! `hi`). Per density: min bulk ESS per 1000 gradients (whole run), warm-up gradients per run,
//! leapfrog steps and step size of the kept draws, their mean acceptance, warm-up divergences
//! per run, kept divergences, chains divergent at warm-up iteration 851 (the second of the
//! terminal buffer) and in 850-859, and warm-up divergences per chain in iterations 250-999
//! outside 850-859 (docs/performance.md, "The terminal buffer").
//!
//! `cargo run --release --example stepsize_probe -- [lo|hi] [nkgp]`
use mmm::diagnostics::ess_bulk;
use mmm::fit::data_request;
use mmm::reference_models::{Ar1Normal, Kidiq, PosteriordbModel, StdNormal};
use mmm::{LogDensity, MmmDensity, ModelSpec, NoProgress, SamplerSettings, load_dataset};

fn min_bulk(s: &mmm::Samples, dim: usize) -> f64 {
    (0..dim)
        .map(|j| {
            let t = s.traces(j);
            let r: Vec<&[f64]> = t.iter().map(Vec::as_slice).collect();
            ess_bulk(&r)
        })
        .fold(f64::INFINITY, f64::min)
}

fn run<D: LogDensity + Clone + Send + Sync>(name: &str, d: &D, seeds: &[u64]) {
    let (mut ess, mut grads, mut wgrads, mut lf, mut draws) = (0.0, 0u64, 0u64, 0u64, 0usize);
    let (mut eps, mut acc, mut wdiv, mut kdiv, mut d851, mut dterm10) = (0.0, 0.0, 0, 0, 0, 0);
    let mut nch = 0;
    let mut late_div = 0;
    for &seed in seeds {
        let st = SamplerSettings {
            chains: 4,
            warmup: 1000,
            draws: 1000,
            seed,
            ..SamplerSettings::default()
        };
        let s = mmm::sample(d, &st, &NoProgress).unwrap();
        ess += min_bulk(&s, d.dim());
        grads += s.gradient_evals();
        wgrads += s.warmup_gradient_evals();
        kdiv += s.divergences();
        for c in &s.chains {
            nch += 1;
            lf += c.n_leapfrog_total();
            draws += c.n_draws();
            eps += c.step_size;
            acc += c.stats.iter().map(|x| x.accept_stat).sum::<f64>();
            wdiv += c.warmup_divergences;
            let di = &c.warmup.divergent_iterations;
            d851 += di.iter().filter(|&&i| i == 851).count();
            dterm10 += di.iter().filter(|&&i| (850..860).contains(&i)).count();
            late_div += di
                .iter()
                .filter(|&&i| (250..1000).contains(&i) && !(850..860).contains(&i))
                .count();
        }
    }
    let ns = seeds.len() as f64;
    println!(
        "{name:10} ess/1k {:6.2} | warm {:6.1}k | lf/draw {:4.1} | eps {:.3} | acc {:.3} | wdiv/run {:5.1} | kept div {} | div@851 {}/{} | div 850-859 {} | late div/chain {:.2}",
        1000.0 * ess / grads as f64,
        wgrads as f64 / ns / 1000.0,
        lf as f64 / draws as f64,
        eps / nch as f64,
        acc / draws as f64,
        wdiv as f64 / ns,
        kdiv,
        d851,
        nch,
        dterm10,
        late_div as f64 / nch as f64
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seeds: Vec<u64> = if args.len() > 1 && args[1] == "hi" {
        (6..=10).collect()
    } else {
        (1..=5).collect()
    };
    let which = args.get(2).cloned().unwrap_or_else(|| "nkgp".into());
    if which.contains('n') {
        run("normal", &StdNormal { dim: 100 }, &seeds);
    }
    if which.contains('k') {
        let k = Kidiq::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/posteriordb"
        )))
        .unwrap();
        run("kidiq", &k, &seeds);
    }
    if which.contains('g') {
        run(
            "gauss24",
            &Ar1Normal::spread(24, 4.0, 0.99).unwrap(),
            &seeds,
        );
    }
    if which.contains('p') {
        let spec = ModelSpec::from_file(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/models/pymc_marketing_example.toml"
        )))
        .unwrap();
        let data = load_dataset(spec.data.path.as_ref().unwrap(), &data_request(&spec)).unwrap();
        let m = MmmDensity::new(&spec, &data).unwrap();
        run("pymc", &m, &seeds);
    }
}
