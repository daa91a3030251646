//! The x86_64 microkernels: an `MR x NR` block of `out` from one panel, its sums held in
//! vector registers over the pass, AVX-512F (8 x 32, two 512-bit registers per row) and AVX2
//! with FMA (6 x 16, two 256-bit registers per row); the last block of rows may have fewer.
//! Chosen at run time (`Kernel::detect`); each checks its block's bounds once, then reads
//! through pointers.

use std::arch::x86_64::*;

use super::Part;

/// Writes or adds an `MR x W` block held in `acc` (spilled to `tmp`) to `out`.
#[inline(always)]
fn store<const W: usize>(
    tmp: &[[f32; W]],
    out: &mut [f32],
    n: usize,
    row: usize,
    first: usize,
    cols: usize,
    accumulate: bool,
) {
    for (i, values) in tmp.iter().enumerate() {
        let dest = &mut out[(row + i) * n + first..][..cols];
        if accumulate {
            for (o, v) in dest.iter_mut().zip(values) {
                *o += v;
            }
        } else {
            dest.copy_from_slice(&values[..cols]);
        }
    }
}

/// Rows `row..row + rows` (`rows <= 8`) of one 32-column panel.
///
/// # Safety
/// The CPU must have AVX-512F.
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn block_avx512(
    rows: usize,
    part: Part<'_>,
    row: usize,
    panel: &[f32],
    out: &mut [f32],
    n: usize,
    first: usize,
    cols: usize,
    accumulate: bool,
) {
    match rows {
        8 => micro_avx512::<8>(part, row, panel, out, n, first, cols, accumulate),
        7 => micro_avx512::<7>(part, row, panel, out, n, first, cols, accumulate),
        6 => micro_avx512::<6>(part, row, panel, out, n, first, cols, accumulate),
        5 => micro_avx512::<5>(part, row, panel, out, n, first, cols, accumulate),
        4 => micro_avx512::<4>(part, row, panel, out, n, first, cols, accumulate),
        3 => micro_avx512::<3>(part, row, panel, out, n, first, cols, accumulate),
        2 => micro_avx512::<2>(part, row, panel, out, n, first, cols, accumulate),
        _ => micro_avx512::<1>(part, row, panel, out, n, first, cols, accumulate),
    }
}

#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
fn micro_avx512<const MR: usize>(
    part: Part<'_>,
    row: usize,
    panel: &[f32],
    out: &mut [f32],
    n: usize,
    first: usize,
    cols: usize,
    accumulate: bool,
) {
    // Bounds checked once here, so that the loop reads through pointers.
    let k = part.steps;
    let (a, row_stride, step_stride) = part.block(row, MR);
    let a = a.as_ptr();
    let panel = panel[..k * 32].as_ptr();
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    for kk in 0..k {
        // SAFETY: `kk < k`, so the panel's row `kk` (32 values) and element `(i, kk)` of
        // `a` for `i < MR` are inside the slices checked above.
        unsafe {
            let b0 = _mm512_loadu_ps(panel.add(kk * 32));
            let b1 = _mm512_loadu_ps(panel.add(kk * 32 + 16));
            let a_kk = a.add(kk * step_stride);
            for (i, acc) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_ps(*a_kk.add(i * row_stride));
                acc[0] = _mm512_fmadd_ps(av, b0, acc[0]);
                acc[1] = _mm512_fmadd_ps(av, b1, acc[1]);
            }
        }
    }
    if cols == 32 {
        for (i, acc) in acc.iter().enumerate() {
            let dest = out[(row + i) * n + first..][..32].as_mut_ptr();
            // SAFETY: `dest` points at 32 values.
            unsafe {
                let (mut lo, mut hi) = (acc[0], acc[1]);
                if accumulate {
                    lo = _mm512_add_ps(lo, _mm512_loadu_ps(dest));
                    hi = _mm512_add_ps(hi, _mm512_loadu_ps(dest.add(16)));
                }
                _mm512_storeu_ps(dest, lo);
                _mm512_storeu_ps(dest.add(16), hi);
            }
        }
        return;
    }
    let mut tmp = [[0.0f32; 32]; MR];
    for (values, acc) in tmp.iter_mut().zip(&acc) {
        // SAFETY: `values` holds 32 values.
        unsafe {
            _mm512_storeu_ps(values.as_mut_ptr(), acc[0]);
            _mm512_storeu_ps(values.as_mut_ptr().add(16), acc[1]);
        }
    }
    store(&tmp, out, n, row, first, cols, accumulate);
}

/// Rows `row..row + rows` (`rows <= 6`) of one 16-column panel.
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn block_avx2(
    rows: usize,
    part: Part<'_>,
    row: usize,
    panel: &[f32],
    out: &mut [f32],
    n: usize,
    first: usize,
    cols: usize,
    accumulate: bool,
) {
    match rows {
        6 => micro_avx2::<6>(part, row, panel, out, n, first, cols, accumulate),
        5 => micro_avx2::<5>(part, row, panel, out, n, first, cols, accumulate),
        4 => micro_avx2::<4>(part, row, panel, out, n, first, cols, accumulate),
        3 => micro_avx2::<3>(part, row, panel, out, n, first, cols, accumulate),
        2 => micro_avx2::<2>(part, row, panel, out, n, first, cols, accumulate),
        _ => micro_avx2::<1>(part, row, panel, out, n, first, cols, accumulate),
    }
}

#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
fn micro_avx2<const MR: usize>(
    part: Part<'_>,
    row: usize,
    panel: &[f32],
    out: &mut [f32],
    n: usize,
    first: usize,
    cols: usize,
    accumulate: bool,
) {
    // Bounds checked once here, so that the loop reads through pointers.
    let k = part.steps;
    let (a, row_stride, step_stride) = part.block(row, MR);
    let a = a.as_ptr();
    let panel = panel[..k * 16].as_ptr();
    let mut acc = [[_mm256_setzero_ps(); 2]; MR];
    for kk in 0..k {
        // SAFETY: `kk < k`, so the panel's row `kk` (16 values) and element `(i, kk)` of
        // `a` for `i < MR` are inside the slices checked above.
        unsafe {
            let b0 = _mm256_loadu_ps(panel.add(kk * 16));
            let b1 = _mm256_loadu_ps(panel.add(kk * 16 + 8));
            let a_kk = a.add(kk * step_stride);
            for (i, acc) in acc.iter_mut().enumerate() {
                let av = _mm256_set1_ps(*a_kk.add(i * row_stride));
                acc[0] = _mm256_fmadd_ps(av, b0, acc[0]);
                acc[1] = _mm256_fmadd_ps(av, b1, acc[1]);
            }
        }
    }
    if cols == 16 {
        for (i, acc) in acc.iter().enumerate() {
            let dest = out[(row + i) * n + first..][..16].as_mut_ptr();
            // SAFETY: `dest` points at 16 values.
            unsafe {
                let (mut lo, mut hi) = (acc[0], acc[1]);
                if accumulate {
                    lo = _mm256_add_ps(lo, _mm256_loadu_ps(dest));
                    hi = _mm256_add_ps(hi, _mm256_loadu_ps(dest.add(8)));
                }
                _mm256_storeu_ps(dest, lo);
                _mm256_storeu_ps(dest.add(8), hi);
            }
        }
        return;
    }
    let mut tmp = [[0.0f32; 16]; MR];
    for (values, acc) in tmp.iter_mut().zip(&acc) {
        // SAFETY: `values` holds 16 values.
        unsafe {
            _mm256_storeu_ps(values.as_mut_ptr(), acc[0]);
            _mm256_storeu_ps(values.as_mut_ptr().add(8), acc[1]);
        }
    }
    store(&tmp, out, n, row, first, cols, accumulate);
}
