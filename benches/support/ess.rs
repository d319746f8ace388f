//! Bulk effective sample size as ArviZ computes it (Vehtari et al. 2021): rank-normalised split
//! chains, Geyer's initial positive and monotone sequences. A stand-in until the crate's
//! diagnostics module lands on main.

use statrs::distribution::{ContinuousCDF, Normal};

/// Bulk ESS of one quantity; `chains[c]` is chain `c`'s trace (all of the same length).
pub fn ess_bulk(chains: &[&[f64]]) -> f64 {
    let split = split_chains(chains);
    ess(&z_scale(&split))
}

/// First and last `n / 2` draws of every chain as separate chains.
fn split_chains(chains: &[&[f64]]) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(2 * chains.len());
    for c in chains {
        let half = c.len() / 2;
        out.push(c[..half].to_vec());
        out.push(c[c.len() - half..].to_vec());
    }
    out
}

/// Pooled average ranks r, mapped to Phi^-1((r - 3/8) / (S + 1/4)).
fn z_scale(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut all: Vec<(f64, usize)> = chains.iter().flatten().copied().zip(0..).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let s = all.len();
    let mut rank = vec![0.0; s];
    let mut i = 0;
    while i < s {
        let mut j = i;
        while j + 1 < s && all[j + 1].0.total_cmp(&all[i].0).is_eq() {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for item in &all[i..=j] {
            rank[item.1] = avg;
        }
        i = j + 1;
    }
    let normal = Normal::standard();
    let z: Vec<f64> = rank
        .iter()
        .map(|r| normal.inverse_cdf((r - 0.375) / (s as f64 + 0.25)))
        .collect();
    let n = chains.first().map_or(0, Vec::len);
    z.chunks(n.max(1)).map(<[f64]>::to_vec).collect()
}

/// Biased autocovariance at `lag` of a centred chain, as ArviZ's FFT computes it.
fn autocov(x: &[f64], lag: usize) -> f64 {
    let dot: f64 = x.iter().zip(&x[lag..]).map(|(a, b)| a * b).sum();
    dot / x.len() as f64
}

/// ESS of chains of equal length (ArviZ `_ess`).
fn ess(chains: &[Vec<f64>]) -> f64 {
    let m = chains.len() as f64;
    let n = chains[0].len();
    let nf = n as f64;
    let means: Vec<f64> = chains.iter().map(|c| c.iter().sum::<f64>() / nf).collect();
    let centred: Vec<Vec<f64>> = chains
        .iter()
        .zip(&means)
        .map(|(c, mu)| c.iter().map(|x| x - mu).collect())
        .collect();
    let mean_acov = |lag: usize| centred.iter().map(|c| autocov(c, lag)).sum::<f64>() / m;
    let grand = means.iter().sum::<f64>() / m;
    let var_means = means.iter().map(|x| (x - grand).powi(2)).sum::<f64>() / (m - 1.0);
    let mean_var = mean_acov(0) * nf / (nf - 1.0);
    let var_plus = mean_var * (nf - 1.0) / nf + var_means;
    let rho = |lag: usize| 1.0 - (mean_var - mean_acov(lag)) / var_plus;

    let mut rho_t = vec![0.0; n];
    rho_t[0] = 1.0;
    let mut even = 1.0;
    let mut odd = rho(1);
    rho_t[1] = odd;
    let mut t = 1;
    while t + 3 < n && even + odd > 0.0 {
        even = rho(t + 1);
        odd = rho(t + 2);
        if even + odd >= 0.0 {
            rho_t[t + 1] = even;
            rho_t[t + 2] = odd;
        }
        t += 2;
    }
    let total = m * nf;
    if t < 2 {
        // Anti-correlated beyond Geyer's first pair: ArviZ's tau is 0, floored below.
        return total * total.log10();
    }
    let max_t = t - 2;
    if even > 0.0 {
        rho_t[max_t + 1] = even;
    }
    let mut t = 1;
    while t + 2 <= max_t {
        if rho_t[t + 1] + rho_t[t + 2] > rho_t[t - 1] + rho_t[t] {
            rho_t[t + 1] = (rho_t[t - 1] + rho_t[t]) / 2.0;
            rho_t[t + 2] = rho_t[t + 1];
        }
        t += 2;
    }
    let tau = -1.0 + 2.0 * rho_t[..=max_t].iter().sum::<f64>() + rho_t[max_t + 1];
    total / tau.max(1.0 / total.log10())
}

/// ArviZ's bulk ESS of these cases in `../shared/reference/diagnostics/` must be matched.
const REFERENCE_CASES: [&str; 6] = [
    "ar1_phi09",
    "ar1_odd_draws",
    "antithetic",
    "poisson_ties",
    "iid_normal",
    "drift",
];
/// Largest accepted relative difference from ArviZ.
const ARVIZ_REL_TOL: f64 = 1e-9;

/// Check [`ess_bulk`] against ArviZ's numbers in `dir`; the bench refuses to report ESS
/// otherwise.
pub fn check_against_arviz(dir: &str) -> Result<(), String> {
    for case in REFERENCE_CASES {
        let csv =
            std::fs::read_to_string(format!("{dir}/{case}.csv")).map_err(|e| e.to_string())?;
        let json = std::fs::read_to_string(format!("{dir}/{case}.expected.json"))
            .map_err(|e| e.to_string())?;
        let expected: serde_json::Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        let want = expected["expected"]["ess_bulk"]
            .as_f64()
            .ok_or(format!("{case}: no expected.ess_bulk"))?;
        let mut chains: Vec<Vec<f64>> = Vec::new();
        for line in csv.lines().skip(1) {
            for (c, field) in line.split(',').enumerate() {
                let x: f64 = field.trim().parse().map_err(|e| format!("{case}: {e}"))?;
                if chains.len() <= c {
                    chains.push(Vec::new());
                }
                chains[c].push(x);
            }
        }
        let refs: Vec<&[f64]> = chains.iter().map(Vec::as_slice).collect();
        let got = ess_bulk(&refs);
        if ((got - want) / want).abs() > ARVIZ_REL_TOL {
            return Err(format!("{case}: bulk ESS {got}, ArviZ {want}"));
        }
    }
    Ok(())
}
