//! The standard normal quantile function Phi^-1 (Wichura 1988, algorithm AS 241, PPND16).
#![expect(
    clippy::excessive_precision,
    reason = "AS 241 coefficients and the 50-digit test values are kept digit for digit as published"
)]

/// Coefficients of the central region |p - 0.5| <= 0.425, numerator in powers of r.
const CENTRAL_NUM: [f64; 8] = [
    3.387_132_872_796_366_608,
    1.331_416_678_917_843_774_5e2,
    1.971_590_950_306_551_442_7e3,
    1.373_169_376_550_946_112_5e4,
    4.592_195_393_154_987_145_7e4,
    6.726_577_092_700_870_085_3e4,
    3.343_057_558_358_812_810_5e4,
    2.509_080_928_730_122_672_7e3,
];
/// Central region, denominator.
const CENTRAL_DEN: [f64; 8] = [
    1.0,
    4.231_333_070_160_091_125_2e1,
    6.871_870_074_920_579_083e2,
    5.394_196_021_424_751_107_7e3,
    2.121_379_430_158_659_586_7e4,
    3.930_789_580_009_271_061e4,
    2.872_908_573_572_194_267_4e4,
    5.226_495_278_852_854_561e3,
];
/// Intermediate tail region r = sqrt(-ln(min(p, 1 - p))) <= 5, numerator in powers of r - 1.6.
const MID_NUM: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_9,
    5.769_497_221_460_691_405_5,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    2.417_807_251_774_506_117_7e-1,
    2.272_384_498_926_918_458_33e-2,
    7.745_450_142_783_414_076_4e-4,
];
/// Intermediate tail region, denominator.
const MID_DEN: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_4,
    6.897_673_349_851_000_045_5e-1,
    1.481_039_764_274_800_745_9e-1,
    1.519_866_656_361_645_719_66e-2,
    5.475_938_084_995_344_946e-4,
    1.050_750_071_644_416_843_24e-9,
];
/// Far tail region r > 5, numerator in powers of r - 5.
const FAR_NUM: [f64; 8] = [
    6.657_904_643_501_103_777_2,
    5.463_784_911_164_114_369_9,
    1.784_826_539_917_291_335_8,
    2.965_605_718_285_048_912_3e-1,
    2.653_218_952_657_612_309_3e-2,
    1.242_660_947_388_078_438_6e-3,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
/// Far tail region, denominator.
const FAR_DEN: [f64; 8] = [
    1.0,
    5.998_322_065_558_879_376_9e-1,
    1.369_298_809_227_358_053_1e-1,
    1.487_536_129_085_061_485_25e-2,
    7.868_691_311_456_132_591e-4,
    1.846_318_317_510_054_681_8e-5,
    1.421_511_758_316_445_888_7e-7,
    2.044_263_103_389_939_785_64e-15,
];

/// Boundary |p - 0.5| of the central region.
const CENTRAL_HALF_WIDTH: f64 = 0.425;
/// 0.425^2: the central polynomial is in r = 0.180625 - q^2.
const CENTRAL_SHIFT: f64 = 0.180_625;
/// Boundary in r = sqrt(-ln p) between the intermediate and the far tail.
const FAR_TAIL_START: f64 = 5.0;
/// Shift of the intermediate tail polynomial.
const MID_SHIFT: f64 = 1.6;

/// Evaluates the polynomial with coefficients `c` (constant first) at `x` by Horner's rule.
fn horner(c: &[f64; 8], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ci| acc * x + ci)
}

/// The quantile function of the standard normal distribution, Phi^-1(p).
///
/// Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988), relative error about
/// 1e-16 over (0, 1); checked against 50-digit values in the tests. Returns -inf at 0, +inf at 1
/// and NaN for p outside [0, 1] or NaN.
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let q = p - 0.5;
    if q.abs() <= CENTRAL_HALF_WIDTH {
        let r = CENTRAL_SHIFT - q * q;
        return q * horner(&CENTRAL_NUM, r) / horner(&CENTRAL_DEN, r);
    }
    // For p > 0.5, 1 - p is exact (Sterbenz), so the upper tail loses nothing.
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail <= 0.0 {
        return if q < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let r = (-tail.ln()).sqrt();
    let magnitude = if r <= FAR_TAIL_START {
        let x = r - MID_SHIFT;
        horner(&MID_NUM, x) / horner(&MID_DEN, x)
    } else {
        let x = r - FAR_TAIL_START;
        horner(&FAR_NUM, x) / horner(&FAR_DEN, x)
    };
    if q < 0.0 { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use super::normal_quantile;
    use approx::assert_relative_eq;

    /// Largest relative error accepted against the 50-digit values (a few ulps).
    const REL_TOL: f64 = 1e-15;

    /// (p, Phi^-1(p)) computed with mpmath 1.3.0 at 50 digits from the f64 nearest p (root of
    /// ln Phi(z) = ln p in the far tail).
    const MPMATH_VALUES: [(f64, f64); 26] = [
        (1e-300, -37.047_096_299_361_199_237),
        (1e-100, -21.273_453_560_965_324_294),
        (1e-20, -9.262_340_089_798_407_579_6),
        (1e-10, -6.361_340_902_404_056_199_1),
        (1e-5, -4.264_890_793_922_824_610_2),
        (0.001, -3.090_232_306_167_813_535_4),
        (0.01, -2.326_347_874_040_841_093_1),
        (0.02425, -1.972_961_051_311_884_837_6),
        (0.05, -1.644_853_626_951_472_688),
        (0.1, -1.281_551_565_544_600_435_3),
        (0.2, -0.841_621_233_572_914_165_52),
        (0.3, -0.524_400_512_708_040_815_97),
        (0.4, -0.253_347_103_135_799_741_32),
        (0.49, -0.025_068_908_258_711_058_033),
        (0.51, 0.025_068_908_258_711_058_033),
        (0.6, 0.253_347_103_135_799_741_32),
        (0.7, 0.524_400_512_708_040_656_31),
        (0.75, 0.674_489_750_196_081_743_2),
        (0.8, 0.841_621_233_572_914_363_8),
        (0.9, 1.281_551_565_544_600_593_5),
        (0.925, 1.439_531_470_938_456_229_1),
        (0.95, 1.644_853_626_951_472_284_3),
        (0.975, 1.959_963_984_540_053_855_6),
        (0.99, 2.326_347_874_040_840_767_6),
        (0.999, 3.090_232_306_167_813_277_8),
        (0.999_999_9, 5.199_337_582_290_661_093_7),
    ];

    #[test]
    fn matches_fifty_digit_values_in_all_three_regions() {
        for (p, expected) in MPMATH_VALUES {
            assert_relative_eq!(normal_quantile(p), expected, max_relative = REL_TOL);
        }
    }

    #[test]
    fn median_is_zero_and_ends_are_infinite() {
        assert_relative_eq!(normal_quantile(0.5), 0.0);
        let (low, high) = (normal_quantile(0.0), normal_quantile(1.0));
        assert!(low.is_infinite() && low < 0.0);
        assert!(high.is_infinite() && high > 0.0);
    }

    #[test]
    fn outside_unit_interval_is_nan() {
        for p in [-0.1, 1.1, f64::NAN] {
            assert!(normal_quantile(p).is_nan());
        }
    }

    #[test]
    fn is_odd_about_one_half() {
        for p in [0.01, 0.2, 0.4, 0.45] {
            assert_relative_eq!(
                normal_quantile(p),
                -normal_quantile(1.0 - p),
                max_relative = REL_TOL
            );
        }
    }
}
