//! The loops that need no particular CPU: the panel kernel of CPUs without AVX2 and FMA, and
//! the products by a narrow matrix (kept as `B^T`), by dot products and `axpy`s.

use super::Part;

/// One panel's columns `first..first + cols` of `out`, by plain loops.
#[allow(clippy::too_many_arguments)]
pub(super) fn portable_panel(
    part: Part<'_>,
    m: usize,
    panel: &[f32],
    width: usize,
    out: &mut [f32],
    n: usize,
    first: usize,
    cols: usize,
    accumulate: bool,
) {
    let mut acc = vec![0.0f32; width];
    for i in 0..m {
        let (a, _, step_stride) = part.block(i, 1);
        acc.fill(0.0);
        for (kk, b_row) in panel.chunks_exact(width).enumerate() {
            let av = a[kk * step_stride];
            for (s, b) in acc.iter_mut().zip(b_row) {
                *s += av * b;
            }
        }
        let row = &mut out[i * n + first..][..cols];
        for (o, s) in row.iter_mut().zip(&acc) {
            *o = if accumulate { *o + s } else { *s };
        }
    }
}

/// `out (+)= a · B` for a narrow `B` stored as `bt` (`n x k`): one dot product per value of
/// `out`.
#[inline(always)]
pub(super) fn narrow_matmul(
    bt: &[f32],
    k: usize,
    n: usize,
    out: &mut [f32],
    a: &[f32],
    accumulate: bool,
) {
    for (i, out_row) in out.chunks_exact_mut(n.max(1)).enumerate() {
        let a_row = &a[i * k..][..k];
        for (j, o) in out_row.iter_mut().enumerate() {
            let value = dot(a_row, &bt[j * k..][..k]);
            *o = if accumulate { *o + value } else { value };
        }
    }
}

/// `out (+)= at^T · B` for a narrow `B` stored as `bt` (`n x k`), `at` row-major `k x m`.
#[inline(always)]
pub(super) fn narrow_matmul_transposed(
    bt: &[f32],
    k: usize,
    n: usize,
    out: &mut [f32],
    at: &[f32],
    m: usize,
    accumulate: bool,
) {
    // Column `j` of the output is `sum_kk at[kk] * B[kk, j]`: `axpy`s over `at`'s rows.
    let mut columns = vec![0.0f32; n * m];
    for (j, column) in columns.chunks_exact_mut(m.max(1)).enumerate() {
        for (kk, at_row) in at.chunks_exact(m.max(1)).enumerate() {
            let scale = bt[j * k + kk];
            for (c, x) in column.iter_mut().zip(at_row) {
                *c += scale * x;
            }
        }
    }
    for (i, out_row) in out.chunks_exact_mut(n.max(1)).enumerate() {
        for (j, o) in out_row.iter_mut().enumerate() {
            let value = columns[j * m + i];
            *o = if accumulate { *o + value } else { value };
        }
    }
}

/// `a · b` with eight partial sums, so that it vectorises (a single running sum cannot be
/// reordered).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let rest: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for lane in 0..8 {
            sums[lane] += x[lane] * y[lane];
        }
    }
    sums.iter().sum::<f32>() + rest
}
