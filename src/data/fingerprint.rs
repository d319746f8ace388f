//! FNV-1a, 64 bit: a small stable hash for fingerprinting a data set (same bytes, same hash, on
//! every platform and release; not for security).

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// An FNV-1a hasher that frames every item, so `["ab", "c"]` and `["a", "bc"]` differ.
#[derive(Debug, Clone)]
pub(crate) struct Fnv1a(u64);

impl Fnv1a {
    pub(crate) fn new() -> Self {
        Fnv1a(OFFSET_BASIS)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(PRIME);
        }
    }

    /// Hash a count (a length, a number of items).
    pub(crate) fn count(&mut self, n: usize) {
        self.bytes(&(n as u64).to_le_bytes());
    }

    /// Hash a string, prefixed by its length.
    pub(crate) fn str(&mut self, text: &str) {
        self.count(text.len());
        self.bytes(text.as_bytes());
    }

    /// Hash numbers by their exact bit patterns, prefixed by their count.
    pub(crate) fn f64s(&mut self, values: &[f64]) {
        self.count(values.len());
        for v in values {
            self.bytes(&v.to_bits().to_le_bytes());
        }
    }

    /// The hash as 16 lowercase hex digits.
    pub(crate) fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_published_fnv1a_64_vectors() {
        let hash = |s: &str| {
            let mut h = Fnv1a::new();
            h.bytes(s.as_bytes());
            h.hex()
        };
        assert_eq!(hash(""), "cbf29ce484222325");
        assert_eq!(hash("a"), "af63dc4c8601ec8c");
        assert_eq!(hash("foobar"), "85944171f73967e8");
    }

    #[test]
    fn framing_separates_item_boundaries() {
        let mut a = Fnv1a::new();
        a.str("ab");
        a.str("c");
        let mut b = Fnv1a::new();
        b.str("a");
        b.str("bc");
        assert_ne!(a.hex(), b.hex());
    }
}
