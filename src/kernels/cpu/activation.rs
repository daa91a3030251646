//! `exp`, `sigmoid` and `tanh` on f32 slices, written so the compiler vectorises them.
//!
//! libm's `expf` and `tanhf` are scalar calls; in the gate loops they cost more than the
//! arithmetic around them. `exp` here is Cephes' `expf`: `x = n ln 2 + r` with `|r| <= ln 2 / 2`,
//! `exp(r)` by a degree-5 polynomial, `2^n` built in the exponent bits. Its relative error is
//! below 2e-7 on the whole clamped range, and `sigmoid`/`tanh` built on it stay within 3e-7 of
//! libm (see the tests).

const LOG2_E: f32 = std::f32::consts::LOG2_E;
// ln 2 split in two so that `n * LN2_HI` is exact for the `n` that occur.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
// Adding then subtracting 1.5 * 2^23 rounds to the nearest integer with plain SSE2 arithmetic.
const ROUND_MAGIC: f32 = 12_582_912.0;
// Beyond these, `exp` over- or underflows f32.
const EXP_MAX: f32 = 88.37;
const EXP_MIN: f32 = -87.33;

/// `e^x`, relative error below 2e-7; saturates instead of returning infinity or subnormals.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    // `clamp` keeps a NaN a NaN (a diverged model must not look finite). The exponent is taken
    // from the rounding's bits rather than by a float-to-int cast, which would keep the loop
    // from vectorising.
    let x = x.clamp(EXP_MIN, EXP_MAX);
    let shifted = x * LOG2_E + ROUND_MAGIC;
    let n = shifted - ROUND_MAGIC;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 5e-1;
    let p = p * r * r + r + 1.0;
    // `shifted`'s low mantissa bits hold `n` (the exponent of 1.5 * 2^23 never changes for
    // |n| < 2^22), so `n + 127` shifted into the exponent field is `2^n`.
    let biased = shifted
        .to_bits()
        .wrapping_sub(ROUND_MAGIC.to_bits())
        .wrapping_add(127);
    p * f32::from_bits(biased << 23)
}

/// `1 / (1 + e^-x)`.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `tanh(x) = 1 - 2 / (e^2x + 1)`; absolute error below 3e-7.
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x) + 1.0)
}

/// Applies `sigmoid` to every element.
#[inline(always)]
pub(crate) fn sigmoid_in_place(values: &mut [f32]) {
    for v in values {
        *v = sigmoid(*v);
    }
}

/// Applies `tanh` to every element.
#[inline(always)]
pub(crate) fn tanh_in_place(values: &mut [f32]) {
    for v in values {
        *v = tanh(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> impl Iterator<Item = f32> {
        (-200_000..=200_000).map(|i| i as f32 * 5e-4)
    }

    #[test]
    fn exp_matches_libm_to_2e7_relative_inside_its_range() {
        let inside = grid().filter(|x| (EXP_MIN..=EXP_MAX).contains(x));
        for x in inside.chain([EXP_MIN, EXP_MAX]) {
            let (ours, libm) = (exp(x), x.exp());
            assert!(
                ((ours - libm) / libm).abs() < 2e-7,
                "exp({x}) = {ours}, libm {libm}"
            );
        }
    }

    #[test]
    fn exp_saturates_instead_of_overflowing() {
        assert!(exp(1e4).is_finite());
        assert!(exp(-1e4) >= 0.0);
        assert_eq!(sigmoid(1e4), 1.0);
        assert!(sigmoid(-1e4) < 1e-37);
        assert_eq!(tanh(1e4), 1.0);
        assert_eq!(tanh(-1e4), -1.0);
    }

    #[test]
    fn nan_stays_nan() {
        assert!(exp(f32::NAN).is_nan());
        assert!(sigmoid(f32::NAN).is_nan());
        assert!(tanh(f32::NAN).is_nan());
    }

    #[test]
    fn sigmoid_and_tanh_match_libm_to_3e7() {
        for x in grid() {
            let sig = 1.0 / (1.0 + (-x).exp());
            assert!((sigmoid(x) - sig).abs() < 3e-7, "sigmoid({x})");
            assert!((tanh(x) - x.tanh()).abs() < 3e-7, "tanh({x})");
        }
    }
}
