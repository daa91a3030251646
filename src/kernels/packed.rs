//! The recurrence's per-step product, `out (+)= a · B`, where `B` (`W_hh^T` forward, `W_hh`
//! backward) is the same at every step of a call.
//!
//! `B` is packed once per call into panels of `NR` columns, each panel `k` rows of `NR`
//! contiguous values (zero-padded past the last column), and a register-blocked microkernel
//! computes `MR x NR` blocks of `out` from a panel. The `gemm` crate repacks `B` at every call
//! and its kernels ran at about 80 GFLOP/s per core on these shapes on the project's machine;
//! this AVX-512 microkernel (8 x 32) runs at about 170 (`docs/performance.md`). AVX2 with FMA
//! gets a 6 x 16 microkernel, other CPUs a plain loop over the same layout.

/// Which microkernel a packed matrix was laid out for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kernel {
    /// 8 rows x 32 columns in two 512-bit registers per row.
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// 6 rows x 16 columns in two 256-bit registers per row.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// Scalar loops over panels of 16 columns.
    Portable,
}

impl Kernel {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Kernel::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Kernel::Avx2;
            }
        }
        Kernel::Portable
    }

    /// Columns per panel.
    fn width(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => 32,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => 16,
            Kernel::Portable => 16,
        }
    }
}

/// A `k x n` matrix packed for [`PackedMatrix::matmul`].
#[derive(Debug)]
pub(crate) struct PackedMatrix {
    data: Vec<f32>,
    k: usize,
    n: usize,
    kernel: Kernel,
}

impl PackedMatrix {
    /// Packs the row-major `k x n` matrix `b`.
    ///
    /// # Panics
    /// Panics if `b` does not hold `k * n` values.
    pub(crate) fn new(b: &[f32], k: usize, n: usize) -> Self {
        Self::with_kernel(b, k, n, Kernel::detect())
    }

    fn with_kernel(b: &[f32], k: usize, n: usize, kernel: Kernel) -> Self {
        assert_eq!(b.len(), k * n, "a {k}x{n} matrix to pack");
        let width = kernel.width();
        let panels = n.div_ceil(width);
        let mut data = vec![0.0; panels * k * width];
        for (p, panel) in data.chunks_exact_mut((k * width).max(1)).enumerate() {
            let first = p * width;
            let cols = (n - first).min(width);
            for (row, packed) in panel.chunks_exact_mut(width).enumerate() {
                packed[..cols].copy_from_slice(&b[row * n + first..][..cols]);
            }
        }
        Self { data, k, n, kernel }
    }

    /// `out = a · B` (or `out += a · B` with `accumulate`): `a` row-major `m x k`, `out`
    /// row-major `m x n`.
    ///
    /// # Panics
    /// Panics if `a` does not hold `m * k` values or `out` `m * n`.
    pub(crate) fn matmul(&self, out: &mut [f32], a: &[f32], m: usize, accumulate: bool) {
        let (k, n) = (self.k, self.n);
        assert_eq!(a.len(), m * k, "the left operand of a packed product");
        assert_eq!(out.len(), m * n, "the output of a packed product");
        if m == 0 || n == 0 {
            return;
        }
        let width = self.kernel.width();
        for p in 0..n.div_ceil(width) {
            let first = p * width;
            let cols = (n - first).min(width);
            let panel = &self.data[p * k * width..(p + 1) * k * width];
            match self.kernel {
                #[cfg(target_arch = "x86_64")]
                Kernel::Avx512 => {
                    // SAFETY: `detect` found AVX-512F; `rows` checks every block's bounds.
                    rows::<8>(m, |row, count| unsafe {
                        x86::block_avx512(count, k, a, row, panel, out, n, first, cols, accumulate)
                    })
                }
                #[cfg(target_arch = "x86_64")]
                Kernel::Avx2 => {
                    // SAFETY: `detect` found AVX2 and FMA; `rows` checks every block's bounds.
                    rows::<6>(m, |row, count| unsafe {
                        x86::block_avx2(count, k, a, row, panel, out, n, first, cols, accumulate)
                    })
                }
                Kernel::Portable => {
                    portable_panel(k, a, m, panel, width, out, n, first, cols, accumulate)
                }
            }
        }
    }
}

/// Calls `block(row, rows)` for blocks of `MR` rows of `0..m`, then one block of the rest.
#[inline(always)]
fn rows<const MR: usize>(m: usize, mut block: impl FnMut(usize, usize)) {
    let mut row = 0;
    while row < m {
        let rows = (m - row).min(MR);
        block(row, rows);
        row += rows;
    }
}

/// One panel's columns `first..first + cols` of `out`, by plain loops.
#[allow(clippy::too_many_arguments)]
fn portable_panel(
    k: usize,
    a: &[f32],
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
        acc.fill(0.0);
        for (kk, b_row) in panel.chunks_exact(width).enumerate() {
            let av = a[i * k + kk];
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

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

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
        k: usize,
        a: &[f32],
        row: usize,
        panel: &[f32],
        out: &mut [f32],
        n: usize,
        first: usize,
        cols: usize,
        accumulate: bool,
    ) {
        match rows {
            8 => micro_avx512::<8>(k, a, row, panel, out, n, first, cols, accumulate),
            7 => micro_avx512::<7>(k, a, row, panel, out, n, first, cols, accumulate),
            6 => micro_avx512::<6>(k, a, row, panel, out, n, first, cols, accumulate),
            5 => micro_avx512::<5>(k, a, row, panel, out, n, first, cols, accumulate),
            4 => micro_avx512::<4>(k, a, row, panel, out, n, first, cols, accumulate),
            3 => micro_avx512::<3>(k, a, row, panel, out, n, first, cols, accumulate),
            2 => micro_avx512::<2>(k, a, row, panel, out, n, first, cols, accumulate),
            _ => micro_avx512::<1>(k, a, row, panel, out, n, first, cols, accumulate),
        }
    }

    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    fn micro_avx512<const MR: usize>(
        k: usize,
        a: &[f32],
        row: usize,
        panel: &[f32],
        out: &mut [f32],
        n: usize,
        first: usize,
        cols: usize,
        accumulate: bool,
    ) {
        // Bounds checked once here, so that the loop reads through pointers.
        let a = a[row * k..(row + MR) * k].as_ptr();
        let panel = panel[..k * 32].as_ptr();
        let mut acc = [[_mm512_setzero_ps(); 2]; MR];
        for kk in 0..k {
            // SAFETY: `kk < k`, so the panel's row `kk` (32 values) and `a[i * k + kk]` for
            // `i < MR` are inside the slices checked above.
            unsafe {
                let b0 = _mm512_loadu_ps(panel.add(kk * 32));
                let b1 = _mm512_loadu_ps(panel.add(kk * 32 + 16));
                for (i, acc) in acc.iter_mut().enumerate() {
                    let av = _mm512_set1_ps(*a.add(i * k + kk));
                    acc[0] = _mm512_fmadd_ps(av, b0, acc[0]);
                    acc[1] = _mm512_fmadd_ps(av, b1, acc[1]);
                }
            }
        }
        if cols == 32 && !accumulate {
            for (i, acc) in acc.iter().enumerate() {
                let dest = &mut out[(row + i) * n + first..][..32];
                // SAFETY: `dest` holds 32 values.
                unsafe {
                    _mm512_storeu_ps(dest.as_mut_ptr(), acc[0]);
                    _mm512_storeu_ps(dest.as_mut_ptr().add(16), acc[1]);
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
        k: usize,
        a: &[f32],
        row: usize,
        panel: &[f32],
        out: &mut [f32],
        n: usize,
        first: usize,
        cols: usize,
        accumulate: bool,
    ) {
        match rows {
            6 => micro_avx2::<6>(k, a, row, panel, out, n, first, cols, accumulate),
            5 => micro_avx2::<5>(k, a, row, panel, out, n, first, cols, accumulate),
            4 => micro_avx2::<4>(k, a, row, panel, out, n, first, cols, accumulate),
            3 => micro_avx2::<3>(k, a, row, panel, out, n, first, cols, accumulate),
            2 => micro_avx2::<2>(k, a, row, panel, out, n, first, cols, accumulate),
            _ => micro_avx2::<1>(k, a, row, panel, out, n, first, cols, accumulate),
        }
    }

    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    fn micro_avx2<const MR: usize>(
        k: usize,
        a: &[f32],
        row: usize,
        panel: &[f32],
        out: &mut [f32],
        n: usize,
        first: usize,
        cols: usize,
        accumulate: bool,
    ) {
        // Bounds checked once here, so that the loop reads through pointers.
        let a = a[row * k..(row + MR) * k].as_ptr();
        let panel = panel[..k * 16].as_ptr();
        let mut acc = [[_mm256_setzero_ps(); 2]; MR];
        for kk in 0..k {
            // SAFETY: `kk < k`, so the panel's row `kk` (16 values) and `a[i * k + kk]` for
            // `i < MR` are inside the slices checked above.
            unsafe {
                let b0 = _mm256_loadu_ps(panel.add(kk * 16));
                let b1 = _mm256_loadu_ps(panel.add(kk * 16 + 8));
                for (i, acc) in acc.iter_mut().enumerate() {
                    let av = _mm256_set1_ps(*a.add(i * k + kk));
                    acc[0] = _mm256_fmadd_ps(av, b0, acc[0]);
                    acc[1] = _mm256_fmadd_ps(av, b1, acc[1]);
                }
            }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a · b` in f64, row-major.
    fn reference(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                let s: f64 = (0..k)
                    .map(|kk| a[i * k + kk] as f64 * b[kk * n + j] as f64)
                    .sum();
                out[i * n + j] = s as f32;
            }
        }
        out
    }

    fn values(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| ((i * 7919 + seed * 104_729) % 2001) as f32 / 1000.0 - 1.0)
            .collect()
    }

    fn kernels() -> Vec<Kernel> {
        let mut kernels = vec![Kernel::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                kernels.push(Kernel::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                kernels.push(Kernel::Avx512);
            }
        }
        kernels
    }

    #[test]
    fn every_kernel_matches_the_reference_on_edge_shapes_and_accumulates() {
        // Rows and columns below, at and past each block size, and k of 0, 1 and more.
        let shapes = [
            (1, 1, 1),
            (7, 5, 20),
            (8, 3, 32),
            (9, 17, 33),
            (6, 16, 16),
            (13, 0, 40),
            (32, 32, 128),
            (17, 64, 100),
        ];
        for kernel in kernels() {
            for &(m, k, n) in &shapes {
                let (a, b) = (values(m * k, 1), values(k * n, 2));
                let packed = PackedMatrix::with_kernel(&b, k, n, kernel);
                let expected = reference(&a, &b, m, k, n);
                let mut out = vec![f32::NAN; m * n];
                packed.matmul(&mut out, &a, m, false);
                for (o, e) in out.iter().zip(&expected) {
                    assert!(
                        (o - e).abs() <= 1e-4 * (1.0 + e.abs()),
                        "{kernel:?} {m}x{k}x{n}: {o} vs {e}"
                    );
                }
                let start = values(m * n, 3);
                let mut out = start.clone();
                packed.matmul(&mut out, &a, m, true);
                for ((o, e), s) in out.iter().zip(&expected).zip(&start) {
                    assert!(
                        (o - (e + s)).abs() <= 1e-4 * (1.0 + e.abs()),
                        "{kernel:?} {m}x{k}x{n} +="
                    );
                }
            }
        }
    }

    #[test]
    fn a_nan_in_the_input_reaches_the_output() {
        for kernel in kernels() {
            let (m, k, n) = (9, 4, 33);
            let mut a = values(m * k, 4);
            a[5 * k + 2] = f32::NAN;
            let packed = PackedMatrix::with_kernel(&values(k * n, 5), k, n, kernel);
            let mut out = vec![0.0; m * n];
            packed.matmul(&mut out, &a, m, false);
            assert!(out[5 * n..6 * n].iter().all(|v| v.is_nan()), "{kernel:?}");
            assert!(out[..5 * n].iter().all(|v| v.is_finite()), "{kernel:?}");
        }
    }
}
