//! The logistic curve f = tanh(z/2) = (1 − e^(−z))/(1 + e^(−z)) and q = 1 − f² from one
//! exponential's range reduction and one division, for the four-lane kernel's hot loop.
//!
//! With x = −|z| = k·ln 2 + r, |r| ≤ ln 2 / 2 (Cody–Waite, `vexp.rs`), e^r = (R + r)/(R − r)
//! where R = r·coth(r/2) = 2 + r²/6 − r⁴/360 + … is even in r (fdlibm's `exp` uses the same
//! form). So E = e^x = 2^k·(R + r)/(R − r) and, multiplying through by R − r,
//!
//! f = (1 − E)/(1 + E) = (R·(1 − 2^k) − r·(1 + 2^k)) / (R·(1 + 2^k) − r·(1 − 2^k)),
//! q = 4E/(1 + E)² = 4·2^k·(R² − r²) / (R·(1 + 2^k) − r·(1 − 2^k))².
//!
//! Nothing cancels: at k = 0 the numerator is −2r exactly (f ≈ z/2 keeps its relative accuracy
//! as z → 0), for k ≤ −1 its first term is at least 1 and the second at most 0.52, and the
//! denominator is at least 2. 1 ± 2^k are exact. q keeps its relative accuracy for large z,
//! where 1 − f² would cancel. The expm1-based form (`saturation.rs`) takes a division for
//! e^r − 1 in effect through a polynomial of degree 11 and then a division for f; here the
//! polynomial is of degree 4 in r² (the even R), and the one division gives both f and q.
//!
//! (R − 2)/r² is interpolated at the 5 Chebyshev nodes of r² ∈ [0, (ln 2 / 2)²]: its truncation
//! error moves E by under 1.1·10⁻¹⁸ relative (an error δ in R moves E by about δ·r/2). Against a
//! 80-digit evaluation of f and q at 60 000 arguments z ∈ [10⁻⁸, 630], this evaluation in
//! doubles is within 4.7·10⁻¹⁶ relative for f and 8.1·10⁻¹⁶ for q.

use super::vexp::reduce_nonpositive;

/// (R(s) − 2)/s, s = r², R = r·coth(r/2): degree 4 in s, interpolated at the Chebyshev nodes.
const COTH: [f64; 5] = [
    f64::from_bits(0x3fc5_5555_5555_5553),
    f64::from_bits(0xbf66_c16c_16c0_ac0d),
    f64::from_bits(0x3f11_566a_b5c1_c1c8),
    f64::from_bits(0xbebb_bd53_2403_d54a),
    f64::from_bits(0x3e66_3f28_5ba0_06ec),
];

/// f = tanh(z/2) (the logistic curve 2/(1 + e^(−z)) − 1) and q = 1 − f², branch-free so that
/// it vectorises; f takes the sign of z, NaN gives NaN. Beyond |z| = 708, f = ±1 and q is
/// taken at |z| = 708 (below 10⁻³⁰⁷, where the true value is smaller still).
#[inline(always)]
pub(crate) fn tanh_half_and_slope(z: f64) -> (f64, f64) {
    let (r, two_k) = reduce_nonpositive(-z.abs());
    let (s, c) = (r * r, &COTH);
    let s2 = s * s;
    let poly = (c[0] + c[1] * s) + (c[2] + c[3] * s) * s2 + c[4] * (s2 * s2);
    let big_r = 2.0 + s * poly;
    let (minus, plus) = (1.0 - two_k, 1.0 + two_k);
    let num = big_r * minus - r * plus;
    let inv = 1.0 / (big_r * plus - r * minus);
    let q = (4.0 * two_k) * ((big_r * big_r - s) * (inv * inv));
    ((num * inv).copysign(z), q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Agreement with the curve from libm's `expm1` and `exp`, relative: a few ulps.
    const CURVE_REL: f64 = 2e-15;

    /// f from libm's `expm1` (no cancellation near 0), q = 4e/(1 + e)² from libm's `exp`
    /// (no cancellation for large z).
    fn reference(z: f64) -> (f64, f64) {
        let m = (-z.abs()).exp_m1();
        let e = (-z.abs()).exp();
        (
            (-m / (2.0 + m)).copysign(z),
            4.0 * e / ((1.0 + e) * (1.0 + e)),
        )
    }

    fn assert_close(got: f64, want: f64, what: &str) {
        let rel = (got - want).abs() / want.abs().max(f64::MIN_POSITIVE);
        assert!(rel <= CURVE_REL, "{what}: {got} vs {want} (rel {rel:e})");
    }

    #[test]
    fn tanh_half_and_slope_agree_with_libm_over_the_range() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let mut zs: Vec<f64> = (0..20_000)
            .map(|_| 10f64.powf(rng.random_range(-12.0..2.8)))
            .collect();
        zs.extend((0..20_000).map(|_| rng.random_range(0.0..3.0)));
        // Both sides of every k's boundary, and the far tail.
        zs.extend((1..60).flat_map(|k| {
            let b = (k as f64 - 0.5) * std::f64::consts::LN_2;
            [b * (1.0 - 1e-15), b, b * (1.0 + 1e-15)]
        }));
        zs.extend([1e-300, 1e-20, 1e-8, 0.5, 1.0, 30.0, 700.0]);
        for z in zs {
            for z in [z, -z] {
                let (f, q) = tanh_half_and_slope(z);
                let (fr, qr) = reference(z);
                assert_close(f, fr, &format!("f at z = {z}"));
                assert_close(q, qr, &format!("q at z = {z}"));
            }
        }
    }

    #[test]
    fn tanh_half_and_slope_at_the_edges() {
        assert_eq!(tanh_half_and_slope(0.0), (0.0, 1.0));
        let (f, q) = tanh_half_and_slope(-0.0);
        assert!(f == 0.0 && f.is_sign_negative() && q.total_cmp(&1.0).is_eq());
        let (f, q) = tanh_half_and_slope(f64::NAN);
        assert!(f.is_nan() && q.is_nan());
        for z in [800.0, 1e300, f64::INFINITY] {
            let (f, q) = tanh_half_and_slope(z);
            assert!(
                f.total_cmp(&1.0).is_eq() && (0.0..1e-300).contains(&q),
                "z = {z}: {f}, {q}"
            );
            let (f, _) = tanh_half_and_slope(-z);
            assert!(f.total_cmp(&-1.0).is_eq());
        }
    }

    /// q is the derivative of f in z, times 2: central differences of f.
    #[test]
    fn q_is_twice_the_slope_of_f() {
        for z in [0.01_f64, 0.3, 0.7, 1.5, 4.0, 9.0] {
            let h = 1e-5 * z.max(1.0);
            let slope = (tanh_half_and_slope(z + h).0 - tanh_half_and_slope(z - h).0) / (2.0 * h);
            let q = tanh_half_and_slope(z).1;
            assert!(
                (2.0 * slope - q).abs() <= 1e-8 * q.max(1e-3),
                "z = {z}: {slope} vs {q}"
            );
        }
    }
}
