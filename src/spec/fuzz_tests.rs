//! The model-file reader never panics: random bytes, truncations and byte mutations of every
//! model in `models/` give a model or an error, nothing else.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::ModelSpec;

/// Mutated variants per model file.
const CASES_PER_MODEL: usize = 3000;

fn model_texts() -> Vec<String> {
    crate::test_support::model_files()
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[test]
fn random_truncated_and_mutated_model_files_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let mut parsed = 0;
    let mut rejected = 0;
    let interesting: &[u8] = b"=[]{}\"',.-+0123456789eE\n#_ainf";
    for text in model_texts() {
        let bytes = text.as_bytes();
        for case in 0..CASES_PER_MODEL {
            let mutated: Vec<u8> = match case % 3 {
                0 => bytes[..rng.random_range(0..=bytes.len())].to_vec(),
                1 => {
                    let mut b = bytes.to_vec();
                    for _ in 0..rng.random_range(1..6) {
                        let i = rng.random_range(0..b.len());
                        b[i] = interesting[rng.random_range(0..interesting.len())];
                    }
                    b
                }
                _ => (0..rng.random_range(0..200))
                    .map(|_| interesting[rng.random_range(0..interesting.len())])
                    .collect(),
            };
            let s = String::from_utf8_lossy(&mutated);
            match ModelSpec::from_toml(&s, None) {
                Ok(spec) => {
                    parsed += 1;
                    // A model that checks must also list its parameters and print.
                    assert!(!spec.parameters().is_empty());
                    assert!(!spec.to_string().is_empty());
                }
                Err(e) => {
                    rejected += 1;
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }
    assert!(
        parsed > 0 && rejected > 0,
        "parsed {parsed}, rejected {rejected}"
    );
}
