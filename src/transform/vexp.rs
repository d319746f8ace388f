//! A branch-free `expm1` for non-positive arguments that the compiler vectorises over a
//! series, so a saturation curve costs a few vector instructions per period instead of one
//! libm call.
//!
//! Cody–Waite range reduction x = k·ln 2 + r with |r| ≤ ln 2 / 2, then e^r − 1 by its Taylor
//! polynomial to degree 13 (truncation error below 2·10⁻¹⁷ relative), and
//! e^x − 1 = 2^k·(e^r − 1) + (2^k − 1), with 2^k built from its bits. k is rounded with the
//! 1.5·2⁵² trick, so no float-to-integer conversion is needed. Accurate to a few ulps
//! relative over the whole range, like libm's `expm1`.

/// Arguments below this give e^x − 1 = −1 to double precision; clamping keeps 2^k normal.
const FLOOR: f64 = -708.0;
/// 1.5·2⁵²: adding it rounds a number of magnitude < 2⁵¹ to an integer held in the low bits.
const ROUND: f64 = 6_755_399_441_055_744.0;
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split so that k·LN2_HI is exact for |k| < 2¹¹ (fdlibm's constants).
const LN2_HI: f64 = 6.931_471_803_691_238_2e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// e^x − 1 for x ≤ 0 (NaN stays NaN). Positive x is outside the contract.
#[inline(always)]
pub(crate) fn expm1_nonpositive(x: f64) -> f64 {
    let xc = x.max(FLOOR);
    let shifted = xc * LOG2_E + ROUND;
    let k = shifted - ROUND;
    let r = xc - k * LN2_HI - k * LN2_LO;
    // e^r − 1 = r + r²/2! + … + r¹³/13!, Horner in r.
    let mut p = 1.0 / 6_227_020_800.0;
    for d in [
        479_001_600.0,
        39_916_800.0,
        3_628_800.0,
        362_880.0,
        40_320.0,
        5_040.0,
        720.0,
        120.0,
        24.0,
        6.0,
        2.0,
        1.0,
    ] {
        p = p * r + 1.0 / d;
    }
    let em1_r = p * r;
    // 2^k from its exponent bits: k is the integer held in the low bits of `shifted`.
    let k_int = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    let two_k = f64::from_bits(k_int.wrapping_add(1023) << 52);
    let result = two_k * em1_r + (two_k - 1.0);
    if x.is_nan() { x } else { result }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Agreement with libm's `expm1`, relative: a few ulps.
    const ULPS_REL: f64 = 1e-15;

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
        assert!(expm1_nonpositive(f64::NEG_INFINITY) == -1.0);
        assert!(expm1_nonpositive(f64::NAN).is_nan());
    }
}
