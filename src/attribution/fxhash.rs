//! A fast, non-cryptographic hasher (rustc's FxHash, with a finaliser) for interning users and counting paths:
//! the keys come from the user's own file, so flooding resistance buys nothing here.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The multiplier of FxHash (from rustc-hash).
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// FxHash state.
#[derive(Debug, Clone, Copy, Default)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// The state through MurmurHash3's 64-bit finaliser: a bare FxHash leaves the low bits,
    /// which pick the bucket, depending only on the keys' first bytes (`u000001`, `u000002`).
    fn finish(&self) -> u64 {
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_hash_equally_and_a_map_works() {
        let mut m: FxHashMap<Vec<u16>, u32> = FxHashMap::default();
        m.insert(vec![1, 2, 3], 7);
        assert_eq!(m.get(&[1u16, 2, 3][..]), Some(&7));
        assert_eq!(m.get(&[1u16, 2][..]), None);
        let mut a = FxHasher::default();
        a.write(b"user-000123456");
        let mut b = FxHasher::default();
        b.write(b"user-000123457");
        assert_ne!(a.finish(), b.finish());
    }

    #[test]
    fn keys_differing_in_their_last_bytes_spread_over_the_low_bits() {
        let buckets: std::collections::HashSet<u64> = (0..1024)
            .map(|i| {
                let mut h = FxHasher::default();
                h.write(format!("u{i:06}").as_bytes());
                h.finish() & 1023
            })
            .collect();
        // A uniform hash fills about 1 - 1/e = 63 % of 1024 buckets with 1024 keys.
        assert!(buckets.len() > 550, "{}", buckets.len());
    }
}
