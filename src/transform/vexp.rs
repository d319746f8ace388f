//! A branch-free `expm1` for non-positive arguments and `ln` for non-negative ones that the
//! compiler vectorises over a series, so a saturation curve costs a few vector instructions per
//! period instead of libm calls.
//!
//! Cody–Waite range reduction x = k·ln 2 + r with |r| ≤ ln 2 / 2, then e^r − 1 by a polynomial
//! (the Taylor polynomial to degree 13 for `exp`; for `expm1`, used by the logistic curve, the
//! polynomial of degree 11 through the Chebyshev nodes: truncation error below 3·10⁻¹⁷
//! relative either way, evaluated by Estrin's scheme), and
//! e^x − 1 = 2^k·(e^r − 1) + (2^k − 1), with 2^k built from its bits. k is rounded with the
//! 1.5·2⁵² trick, so no float-to-integer conversion is needed. Accurate to a few ulps
//! relative over the whole range, like libm's `expm1`.

/// Arguments below this give e^x − 1 = −1 to double precision; clamping keeps 2^k normal.
const FLOOR: f64 = -708.0;
/// 1.5·2⁵²: adding it rounds a number of magnitude < 2⁵¹ to an integer held in the low bits.
const ROUND: f64 = 6_755_399_441_055_744.0;
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split so that k·LN2_HI is exact for |k| < 2¹¹ (fdlibm's constants).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// 1/(i+1)! for i = 0..=12: the Taylor coefficients of (e^r − 1)/r.
const TAYLOR: [f64; 13] = [
    1.0,
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// (e^r − 1)/r to degree 10 on |r| ≤ ln 2 / 2, interpolated at the 11 Chebyshev nodes (close
/// to the minimax polynomial; truncation below 3·10⁻¹⁷ relative): two terms fewer than the
/// Taylor series of [`TAYLOR`] for the same accuracy.
const SHORT: [f64; 11] = [
    f64::from_bits(0x3ff0_0000_0000_0000),
    f64::from_bits(0x3fe0_0000_0000_0005),
    f64::from_bits(0x3fc5_5555_5555_5557),
    f64::from_bits(0x3fa5_5555_5555_20c4),
    f64::from_bits(0x3f81_1111_1111_00cb),
    f64::from_bits(0x3f56_c16c_17f3_db46),
    f64::from_bits(0x3f2a_01a0_1abf_83d5),
    f64::from_bits(0x3efa_019a_67c7_4c57),
    f64::from_bits(0x3ec7_1de0_1fff_e6e8),
    f64::from_bits(0x3e92_8a2a_f2b6_2749),
    f64::from_bits(0x3e5a_f4e4_399a_d008),
];

/// e^x − 1 for x ≤ 0 (NaN stays NaN; positive x is outside the contract), for the logistic
/// curve's hot loops. The reduction of [`exp_nonpositive`], but the polynomial of [`SHORT`]
/// (two terms shorter than [`TAYLOR`]) and the floor taken by a comparison that lets a NaN
/// through (NaN in, NaN out) instead of `max` and a separate NaN test. A few ulps from libm.
#[inline(always)]
pub(crate) fn expm1_nonpositive(x: f64) -> f64 {
    let (r, two_k) = reduce_nonpositive(x);
    let (r2, a) = (r * r, &SHORT);
    let (r4, q0, q1, q2) = (r2 * r2, a[0] + a[1] * r, a[2] + a[3] * r, a[4] + a[5] * r);
    let (q3, q4) = (a[6] + a[7] * r, a[8] + a[9] * r);
    let (s0, s1, s2) = (q0 + q1 * r2, q2 + q3 * r2, q4 + a[10] * r2);
    let p = (s0 + s1 * r4) + s2 * (r4 * r4);
    two_k * (p * r) + (two_k - 1.0)
}

/// The Cody–Waite reduction of x ≤ 0 alone: r and 2^k with x = k·ln 2 + r, |r| ≤ ln 2 / 2,
/// x floored at −708 by a comparison that lets a NaN through (then r is NaN): the reduction of
/// [`expm1_nonpositive`], and of curves that take e^r in a form of their own
/// (`logistic_curve.rs`).
#[inline(always)]
pub(super) fn reduce_nonpositive(x: f64) -> (f64, f64) {
    let xc = if x < FLOOR { FLOOR } else { x };
    let shifted = xc * LOG2_E + ROUND;
    let k = shifted - ROUND;
    let r = xc - k * LN2_HI - k * LN2_LO;
    let k_int = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    (r, f64::from_bits(k_int.wrapping_add(1023) << 52))
}

/// e^x for x ≤ 0, relative accuracy kept down to e^−708 (below, 0; NaN stays NaN).
#[inline(always)]
pub(crate) fn exp_nonpositive(x: f64) -> f64 {
    let (two_k, em1_r) = reduce(x);
    let result = two_k * (1.0 + em1_r);
    // Below the floor the true value is subnormal or 0: 0 is within 10⁻³⁰⁷ of it.
    if x.is_nan() {
        x
    } else if x < FLOOR {
        0.0
    } else {
        result
    }
}

/// e^x = 2^k·e^r: returns 2^k and e^r − 1.
#[inline(always)]
fn reduce(x: f64) -> (f64, f64) {
    let xc = x.max(FLOOR);
    let shifted = xc * LOG2_E + ROUND;
    let k = shifted - ROUND;
    let r = xc - k * LN2_HI - k * LN2_LO;
    // e^r − 1 = r·P(r), P(r) = Σ_{i=0}^{12} r^i/(i+1)!, by Estrin's scheme: pairs, then pairs
    // of pairs, so the chain of dependent operations is 8 deep instead of Horner's 24.
    let (r2, a) = (r * r, &TAYLOR);
    let (r4, q0, q1, q2) = (r2 * r2, a[0] + a[1] * r, a[2] + a[3] * r, a[4] + a[5] * r);
    let (q3, q4, q5) = (a[6] + a[7] * r, a[8] + a[9] * r, a[10] + a[11] * r);
    let (s0, s1, s2) = (q0 + q1 * r2, q2 + q3 * r2, q4 + q5 * r2);
    let p = (s0 + s1 * r4) + (s2 + a[12] * r4) * (r4 * r4);
    // 2^k from its exponent bits: k is the integer held in the low bits of `shifted`.
    let k_int = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    let two_k = f64::from_bits(k_int.wrapping_add(1023) << 52);
    (two_k, p * r)
}

/// 2⁶⁴, to lift subnormal arguments of [`ln_nonnegative`] into the normal range.
const TWO_64: f64 = 18_446_744_073_709_551_616.0;
/// 2⁵² as the bits of a float: or-ing an integer below 2⁵² into its mantissa and subtracting
/// 2⁵² converts the integer to a float without a conversion instruction.
const TWO_52: f64 = 4_503_599_627_370_496.0;
/// 1/(2i+1) for i = 0..=9: ln m = 2s·Σ_i s^(2i)/(2i+1), s = (m−1)/(m+1).
const ATANH: [f64; 10] = [
    1.0,
    1.0 / 3.0,
    1.0 / 5.0,
    1.0 / 7.0,
    1.0 / 9.0,
    1.0 / 11.0,
    1.0 / 13.0,
    1.0 / 15.0,
    1.0 / 17.0,
    1.0 / 19.0,
];

/// ln x for x ≥ 0 (ln 0 = −∞, ln ∞ = ∞, NaN or negative x gives NaN), branch-free so that it
/// vectorises: x = 2^e·m with m ∈ [√½, √2) read from the bits, ln m = 2 atanh((m−1)/(m+1)) by
/// its series to s¹⁹ (truncation below 3·10⁻¹⁷ relative), ln x = e·ln 2 + ln m. A few ulps
/// from libm's `ln`.
#[inline(always)]
pub(crate) fn ln_nonnegative(x: f64) -> f64 {
    let small = x < f64::MIN_POSITIVE;
    let xs = if small { x * TWO_64 } else { x };
    let bits = xs.to_bits();
    let exp_field = f64::from_bits(TWO_52.to_bits() | (bits >> 52)) - TWO_52;
    let mant = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 1.0_f64.to_bits());
    let big = mant > std::f64::consts::SQRT_2;
    let m = if big { 0.5 * mant } else { mant };
    let e = exp_field - 1023.0 + if big { 1.0 } else { 0.0 } - if small { 64.0 } else { 0.0 };
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let (s4, c) = (s2 * s2, &ATANH);
    let (q0, q1, q2) = (c[0] + c[1] * s2, c[2] + c[3] * s2, c[4] + c[5] * s2);
    let (q3, q4) = (c[6] + c[7] * s2, c[8] + c[9] * s2);
    let s8 = s4 * s4;
    let series = (q0 + q1 * s4) + (q2 + q3 * s4) * s8 + q4 * (s8 * s8);
    let ln_m = 2.0 * s * series;
    let result = e * LN2_HI + (e * LN2_LO + ln_m);
    // The special cases as selects, not a libm call: the compiler evaluates both sides of a
    // select in the vectorised loop, so `x.ln()` here cost one scalar libm call per period
    // (16 % of the weekly Hill model's gradient, docs/performance.md).
    if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        x
    } else if x.is_nan() || x < 0.0 {
        f64::NAN
    } else {
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_agrees_with_libm_over_the_whole_range() {
        let mut x = 1e-315_f64;
        let mut checked = 0;
        while x < 1e308 {
            for v in [
                x,
                x * 1.000_000_7,
                x * 1.414,
                x * 1.415,
                1.0 + 1.0 / x.max(1.0),
            ] {
                let (got, want) = (ln_nonnegative(v), v.ln());
                let tol = LN_ULPS_REL * want.abs().max(f64::EPSILON);
                assert!((got - want).abs() <= tol, "x = {v}: {got} vs {want}");
                checked += 1;
            }
            x *= 1.37;
        }
        assert!(checked > 5000);
        for v in [0.5_f64, 1.0, 2.0, 0.999_999_999, 1.000_000_001] {
            let tol = LN_ULPS_REL * v.ln().abs().max(f64::EPSILON);
            assert!((ln_nonnegative(v) - v.ln()).abs() <= tol, "x = {v}");
        }
        assert!(ln_nonnegative(0.0) == f64::NEG_INFINITY);
        assert!(ln_nonnegative(f64::INFINITY) == f64::INFINITY);
        assert!(ln_nonnegative(-1.0).is_nan() && ln_nonnegative(f64::NAN).is_nan());
    }

    /// Agreement with libm's `expm1`, relative: a few ulps.
    const ULPS_REL: f64 = 1e-15;
    /// Agreement with libm's `ln`, relative (absolute near x = 1, where ln x is below ε).
    const LN_ULPS_REL: f64 = 1e-15;

    #[test]
    fn agrees_with_libm_over_the_whole_range() {
        let mut x = -800.0_f64;
        let mut checked = 0;
        while x < 0.0 {
            for v in [x, x * 0.999_37, x * 1e-9, x * 1e-300] {
                let (got, want) = (expm1_nonpositive(v), v.exp_m1());
                let rel = (got - want).abs() / want.abs().max(f64::MIN_POSITIVE);
                assert!(rel <= ULPS_REL, "x = {v}: {got} vs {want} (rel {rel:e})");
                checked += 1;
            }
            x = if x < -1.0 { x * 0.97 + 0.01 } else { x * 0.9 };
            if x > -1e-12 {
                break;
            }
        }
        assert!(checked > 500);
        assert!(expm1_nonpositive(0.0) == 0.0);
        assert!(expm1_nonpositive(-0.0) == 0.0);
        assert!(
            expm1_nonpositive(f64::NEG_INFINITY)
                .total_cmp(&-1.0)
                .is_eq()
        );
        assert!(expm1_nonpositive(f64::NAN).is_nan());
        for v in [-700.0_f64, -213.3, -40.0, -1.0, -1e-3, -1e-300, 0.0] {
            let (got, want) = (exp_nonpositive(v), v.exp());
            assert!(
                (got - want).abs() <= ULPS_REL * want,
                "exp({v}): {got} vs {want}"
            );
        }
    }
}
