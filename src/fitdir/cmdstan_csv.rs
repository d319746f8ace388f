//! Draws in CmdStan's CSV layout (`lp__, accept_stat__, ..., energy__`, then parameters), so
//! ArviZ (`from_cmdstan`) and cmdstanpy read a chain file as it is.

use std::fmt::Write as _;

use crate::sampler::{ChainOutput, SamplerSettings};

/// CmdStan names of labelled parameters: `beta[tv]`, `beta[radio]` become `beta.1`, `beta.2`
/// (1-based, in order of appearance); an unlabelled `sigma` stays `sigma`. A label of two
/// parts (a panel's `beta[tv,north]`) numbers each part on its own: `beta.1.1`, `beta.1.2`.
pub fn cmdstan_names(names: &[String]) -> Vec<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    // Per base name and label position, the labels in order of appearance.
    let mut parts_seen: Vec<((String, usize), Vec<String>)> = Vec::new();
    names
        .iter()
        .map(|name| match name.split_once('[') {
            Some((base, rest)) if rest.contains(',') => {
                let label = rest.trim_end_matches(']');
                let mut out = base.to_string();
                for (dim, part) in label.split(',').enumerate() {
                    let key = (base.to_string(), dim);
                    let i = match parts_seen.iter().position(|(k, _)| *k == key) {
                        Some(i) => i,
                        None => {
                            parts_seen.push((key, Vec::new()));
                            parts_seen.len() - 1
                        }
                    };
                    let seen = &mut parts_seen[i].1;
                    let idx = match seen.iter().position(|p| p == part) {
                        Some(j) => j + 1,
                        None => {
                            seen.push(part.to_string());
                            seen.len()
                        }
                    };
                    out.push_str(&format!(".{idx}"));
                }
                out
            }
            Some((base, _)) => {
                let idx = match counts.iter_mut().find(|(b, _)| b == base) {
                    Some((_, n)) => {
                        *n += 1;
                        *n
                    }
                    None => {
                        counts.push((base.to_string(), 1));
                        1
                    }
                };
                format!("{base}.{idx}")
            }
            None => name.clone(),
        })
        .collect()
}

/// Everything a chain file records besides the draws.
#[derive(Debug, Clone, Copy)]
pub struct ChainHeader<'a> {
    /// The model's name (a file stem).
    pub model: &'a str,
    /// The sampler settings of the run.
    pub settings: &'a SamplerSettings,
    /// Engine version.
    pub version: &'a str,
}

/// Render one chain: `constrained[i]` holds draw `i`'s parameters in the order of `names`.
pub fn write_chain_csv(
    header: &ChainHeader<'_>,
    chain: &ChainOutput,
    names: &[String],
    constrained: &[Vec<f64>],
) -> String {
    let s = header.settings;
    let mut out = String::with_capacity(64 * (constrained.len() + 40) * (names.len() + 7));
    let _ = writeln!(out, "# model = {}", header.model);
    let _ = writeln!(out, "# engine = mmm {}", header.version);
    let _ = writeln!(out, "# method = sample (Default)");
    let _ = writeln!(out, "#   sample");
    let _ = writeln!(out, "#     num_samples = {}", s.draws);
    let _ = writeln!(out, "#     num_warmup = {}", s.warmup);
    let _ = writeln!(out, "#     save_warmup = 0");
    let _ = writeln!(out, "#     thin = 1");
    let _ = writeln!(out, "#     adapt");
    let _ = writeln!(out, "#       engaged = 1");
    let _ = writeln!(out, "#       delta = {}", s.target_accept);
    let _ = writeln!(out, "#     algorithm = hmc (Default)");
    let _ = writeln!(out, "#       hmc");
    let _ = writeln!(out, "#         engine = nuts (Default)");
    let _ = writeln!(out, "#           nuts");
    let _ = writeln!(out, "#             max_depth = {}", s.max_depth);
    let _ = match chain.dense_inv_mass {
        Some(_) => writeln!(out, "#         metric = dense_e"),
        None => writeln!(out, "#         metric = diag_e (Default)"),
    };
    let _ = writeln!(out, "# id = {}", chain.chain + 1);
    let _ = writeln!(out, "# random");
    let _ = writeln!(out, "#   seed = {}", s.seed);
    out.push_str("lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__");
    for n in cmdstan_names(names) {
        out.push(',');
        out.push_str(&n);
    }
    out.push('\n');
    let _ = writeln!(out, "# Adaptation terminated");
    let _ = writeln!(out, "# Step size = {}", chain.step_size);
    match &chain.dense_inv_mass {
        Some(matrix) => {
            let _ = writeln!(out, "# Elements of inverse mass matrix:");
            for row in matrix.chunks(chain.dim.max(1)) {
                let row: Vec<String> = row.iter().map(|m| m.to_string()).collect();
                let _ = writeln!(out, "# {}", row.join(", "));
            }
        }
        None => {
            let _ = writeln!(out, "# Diagonal elements of inverse mass matrix:");
            let masses: Vec<String> = chain.inv_mass.iter().map(|m| m.to_string()).collect();
            let _ = writeln!(out, "# {}", masses.join(", "));
        }
    }
    for (st, row) in chain.stats.iter().zip(constrained) {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{}",
            st.lp,
            st.accept_stat,
            st.step_size,
            st.tree_depth,
            st.n_leapfrog,
            u8::from(st.divergent),
            st.energy
        );
        for v in row {
            let _ = write!(out, ",{v}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "# ");
    let _ = writeln!(
        out,
        "#  Elapsed Time: {:.3} seconds (Warm-up)",
        chain.warmup_seconds
    );
    let _ = writeln!(
        out,
        "#                {:.3} seconds (Sampling)",
        chain.sampling_seconds
    );
    let _ = writeln!(
        out,
        "#                {:.3} seconds (Total)",
        chain.warmup_seconds + chain.sampling_seconds
    );
    let _ = writeln!(out, "# ");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampler::DrawStats;

    #[test]
    fn labelled_parameters_become_dotted_indices() {
        let names: Vec<String> = ["beta[tv]", "beta[search]", "alpha[tv]", "sigma", "beta[x]"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            cmdstan_names(&names),
            ["beta.1", "beta.2", "alpha.1", "sigma", "beta.3"]
        );
    }

    #[test]
    fn two_part_labels_number_each_part() {
        let names: Vec<String> = ["beta[tv,n]", "beta[tv,s]", "beta[radio,n]", "beta_mu[tv]"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            cmdstan_names(&names),
            ["beta.1.1", "beta.1.2", "beta.2.1", "beta_mu.1"]
        );
    }

    #[test]
    fn chain_file_has_stan_columns_then_parameters_and_one_row_per_draw() {
        let stats = DrawStats {
            lp: -1.5,
            accept_stat: 0.9,
            step_size: 0.5,
            tree_depth: 2,
            n_leapfrog: 3,
            divergent: true,
            energy: 2.0,
        };
        let chain = ChainOutput {
            chain: 0,
            dim: 1,
            draws: vec![0.1, 0.2],
            stats: vec![stats, stats],
            step_size: 0.5,
            inv_mass: vec![1.0],
            dense_inv_mass: None,
            warmup_divergences: 0,
            warmup: Default::default(),
            stuck: None,
            warmup_seconds: 0.1,
            sampling_seconds: 0.2,
        };
        let settings = SamplerSettings::default();
        let header = ChainHeader {
            model: "m",
            settings: &settings,
            version: "0",
        };
        let csv = write_chain_csv(
            &header,
            &chain,
            &["sigma".to_string()],
            &[vec![1.0], vec![2.0]],
        );
        let data: Vec<&str> = csv.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            data[0],
            "lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,sigma"
        );
        assert_eq!(data[1], "-1.5,0.9,0.5,2,3,1,2,1");
        assert_eq!(data.len(), 3);
    }

    #[test]
    fn dense_metric_is_written_as_stan_dense_e_rows() {
        let chain = ChainOutput {
            chain: 0,
            dim: 2,
            draws: Vec::new(),
            stats: Vec::new(),
            step_size: 0.5,
            inv_mass: vec![1.0, 4.0],
            dense_inv_mass: Some(vec![1.0, -1.5, -1.5, 4.0]),
            warmup_divergences: 0,
            warmup: Default::default(),
            stuck: None,
            warmup_seconds: 0.1,
            sampling_seconds: 0.2,
        };
        let settings = SamplerSettings::default();
        let header = ChainHeader {
            model: "m",
            settings: &settings,
            version: "0",
        };
        let names = ["a".to_string(), "b".to_string()];
        let csv = write_chain_csv(&header, &chain, &names, &[]);
        assert!(csv.contains("#         metric = dense_e\n"));
        assert!(csv.contains("# Elements of inverse mass matrix:\n# 1, -1.5\n# -1.5, 4\n"));
    }
}
