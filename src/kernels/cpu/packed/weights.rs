//! A weight matrix as the forward pass multiplies by it, `B = W^T` from the row-major weight
//! `W` (`n x k`, PyTorch's layout): packed once per call ([`PackedMatrix`]), or, when the whole
//! call multiplies only a few rows by it, read straight from `W`.
//!
//! Packing reads and writes all of `W` (1 MB for an LSTM of hidden size 256) before the first
//! product; a streaming step (batch 1, one step) then multiplies a single row by it, and the
//! packing took 60% of the step (`perf record` on `benches/streaming.rs`). Read in place, each
//! value of `W` is loaded once per call.

use super::PackedMatrix;

/// Rows of `A` per call (all steps together) up to which `W` is read in place. Packing costs
/// a read and a write of all of `W` and then runs the products at about twice the rate of the
/// in-place loop, so it pays off from a few rows on. A streaming step has one row; every
/// benchmarked workload (the seed workload's 320 rows and up) still packs. Not tuned between
/// 1 and 8.
pub(crate) const UNPACKED_ROWS: usize = 8;

/// `B = W^T` for the products of one call.
#[derive(Debug)]
pub(crate) enum TransposedWeights<'a> {
    /// Packed once, for calls of many rows.
    Packed(PackedMatrix),
    /// `W` itself, row-major `n x k`.
    InPlace { w: &'a [f32], n: usize, k: usize },
}

impl<'a> TransposedWeights<'a> {
    /// `B = w^T` (`k x n`) from the row-major `n x k` weight `w`, for a call that multiplies
    /// `rows` rows by it in all.
    ///
    /// # Panics
    /// Panics if `w` does not hold `n * k` values.
    pub(crate) fn new(w: &'a [f32], n: usize, k: usize, rows: usize) -> Self {
        assert_eq!(w.len(), n * k, "a {n}x{k} weight");
        if rows <= UNPACKED_ROWS {
            TransposedWeights::InPlace { w, n, k }
        } else {
            TransposedWeights::Packed(PackedMatrix::transposed(w, n, k))
        }
    }

    /// `out = a · B` (or `out += a · B` with `accumulate`): `a` row-major `m x k`, `out`
    /// row-major `m x n`.
    ///
    /// # Panics
    /// Panics if `a` does not hold `m * k` values or `out` `m * n`.
    #[inline(always)]
    pub(crate) fn matmul(&self, out: &mut [f32], a: &[f32], m: usize, accumulate: bool) {
        match *self {
            TransposedWeights::Packed(ref packed) => packed.matmul(out, a, m, accumulate),
            TransposedWeights::InPlace { w, n, k } => {
                assert_eq!(a.len(), m * k, "the left operand of a product");
                assert_eq!(out.len(), m * n, "the output of a product");
                in_place_product(w, n, k, out, a, accumulate);
            }
        }
    }
}

/// Lanes of each partial sum: two AVX2 registers, four AVX-512 half registers.
const LANES: usize = 16;
/// Rows of `W` per block: four dot products share each load of `a`, and their eight
/// AVX2 accumulators keep both FMA units busy.
const BLOCK: usize = 4;

/// `out (+)= a · w^T`, `w` row-major `n x k`: each value of `out` a dot product of a row of `a`
/// and a row of `w`, [`BLOCK`] rows of `w` at a time (they stay in L1 while every row of `a`
/// passes), with [`LANES`] partial sums each so that the loop vectorises (a single running sum
/// cannot be reordered). The sums are added in a fixed order: the same inputs give the same
/// bits.
#[inline(always)]
fn in_place_product(w: &[f32], n: usize, k: usize, out: &mut [f32], a: &[f32], accumulate: bool) {
    if k == 0 {
        if !accumulate {
            out.fill(0.0);
        }
        return;
    }
    let full = k / LANES * LANES;
    for j0 in (0..n).step_by(BLOCK) {
        let rows = (n - j0).min(BLOCK);
        for (a_row, out_row) in a.chunks_exact(k).zip(out.chunks_exact_mut(n)) {
            let mut sums = [[0.0f32; LANES]; BLOCK];
            for (r, sum) in sums.iter_mut().enumerate().take(rows) {
                let w_row = &w[(j0 + r) * k..][..full];
                for (x, y) in a_row[..full]
                    .chunks_exact(LANES)
                    .zip(w_row.chunks_exact(LANES))
                {
                    for lane in 0..LANES {
                        sum[lane] += x[lane] * y[lane];
                    }
                }
            }
            for (r, sum) in sums.iter().enumerate().take(rows) {
                let w_row = &w[(j0 + r) * k..][..k];
                let tail: f32 = (full..k).map(|kk| a_row[kk] * w_row[kk]).sum();
                let value = sum.iter().sum::<f32>() + tail;
                let o = &mut out_row[j0 + r];
                *o = if accumulate { *o + value } else { value };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{reference, values};
    use super::*;

    /// `a · w^T` by the packed module's plain loop, for `w` row-major `n x k`.
    fn expected(w: &[f32], n: usize, k: usize, a: &[f32], m: usize) -> Vec<f32> {
        let b: Vec<f32> = (0..k * n).map(|i| w[(i % n) * k + i / n]).collect();
        reference(a, &b, m, k, n)
    }

    #[test]
    fn in_place_and_packed_products_agree_with_the_plain_loop() {
        // Sizes off the lane and block widths, and the streaming step's shape.
        for (m, k, n) in [
            (1, 256, 1024),
            (3, 37, 13),
            (8, 16, 6),
            (1, 5, 3),
            (9, 33, 70),
        ] {
            let (w, a) = (values(n * k, 1), values(m * k, 2));
            let expected = expected(&w, n, k, &a, m);
            for weights in [
                TransposedWeights::InPlace { w: &w, n, k },
                TransposedWeights::Packed(PackedMatrix::transposed(&w, n, k)),
            ] {
                let mut out = vec![1.0; m * n];
                weights.matmul(&mut out, &a, m, false);
                for (o, e) in out.iter().zip(&expected) {
                    assert!(
                        (o - e).abs() <= 1e-4 * (1.0 + e.abs()),
                        "{m}x{k}x{n}: {o} vs {e}"
                    );
                }
                weights.matmul(&mut out, &a, m, true);
                for (o, e) in out.iter().zip(&expected) {
                    assert!(
                        (o - 2.0 * e).abs() <= 2e-4 * (1.0 + e.abs()),
                        "{m}x{k}x{n} +="
                    );
                }
            }
        }
    }

    #[test]
    fn few_rows_read_the_weight_in_place_and_many_pack_it() {
        let w = values(12, 3);
        assert!(matches!(
            TransposedWeights::new(&w, 4, 3, UNPACKED_ROWS),
            TransposedWeights::InPlace { .. }
        ));
        assert!(matches!(
            TransposedWeights::new(&w, 4, 3, UNPACKED_ROWS + 1),
            TransposedWeights::Packed(_)
        ));
    }
}
