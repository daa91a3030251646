//! Every matrix product of the fused kernel, `out (+)= A · B`, with `B` packed once:
//! - the recurrence's per-step product, where `B` (`W_hh^T` forward, `W_hh` backward) is the
//!   same at every step of a call ([`PackedMatrix::matmul`]);
//! - the one-off products of a call: the input projection of every step (`x · W_ih^T`), the
//!   input gradient (`dgates · W_ih`) and the weight gradients `dgates^T · h` and
//!   `dgates^T · x`, whose left operand is stored transposed
//!   ([`PackedMatrix::matmul_transposed`]).
//!
//! `B` is packed into panels of `NR` columns, each panel `k` rows of `NR` contiguous values
//! (zero-padded past the last column), and a register-blocked microkernel computes `MR x NR`
//! blocks of `out` from a panel. A transposed `A` is copied, `KC` steps at a time, into blocks
//! of `MR` rows whose steps are contiguous. The `gemm` crate (which Burn's Flex backend uses)
//! repacks `B` at every call and its kernels ran at about 80 GFLOP/s per core on these shapes
//! on the project's machine; this AVX-512 microkernel (8 x 32) runs at about 160-170 on the
//! per-step shapes and 130 on the weight gradients (`docs/performance.md`). AVX2 with FMA gets
//! a 6 x 16 microkernel, other CPUs a plain loop over the same layout.
//!
//! Its parts: [`pool`] keeps each thread's spare buffers, [`pack`] lays the operands out,
//! [`portable`] has the loops for any CPU (and the narrow products), and `x86` the AVX-512
//! and AVX2 microkernels; this file has the packed matrix and the driver that runs a product
//! pass by pass and panel by panel.

mod pack;
mod pool;
mod portable;
mod weights;
#[cfg(target_arch = "x86_64")]
mod x86;

pub(crate) use weights::TransposedWeights;

use pack::pack_rows;
use pool::{recycle, zeroed};
use portable::portable_panel;

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

    /// Rows of `A` per microkernel call.
    fn rows(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => 8,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => 6,
            Kernel::Portable => 1,
        }
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
    /// Panels of `kernel.width()` columns, or `B^T` (row-major `n x k`) when `narrow`.
    data: Vec<f32>,
    k: usize,
    n: usize,
    kernel: Kernel,
    /// At most [`NARROW`] columns: products by dot products and `axpy`s over `B^T`.
    narrow: bool,
}

impl Drop for PackedMatrix {
    fn drop(&mut self) {
        recycle(std::mem::take(&mut self.data));
    }
}

/// Matrices of at most this many columns (the input size of a one-feature sequence, the
/// weight gradient `dgates^T · x` of such an input) are kept as `B^T`: a panel of 32 columns
/// would spend 31 of every 32 multiply-adds on padding for one column.
const NARROW: usize = 4;

/// How the left operand `A` (`m x k`) lies in its slice: the block of rows from `row` (a
/// multiple of the microkernel's rows) starts at `row * block_stride`, and its element
/// `(i, kk)` lies `i * row_stride + kk * step_stride` further.
#[derive(Clone, Copy)]
struct Layout {
    block_stride: usize,
    row_stride: usize,
    step_stride: usize,
}

/// Rows of `B` (and columns of `A`) per pass over the output for a transposed `A`: a pass's
/// part of `at` (`KC x m`, 1 MB for the large LSTM's `m = 1024`) stays in L2 while every
/// block of the output is computed from it, instead of `at` (`k` is the batch times the
/// sequence, thousands) streaming from memory once per panel. A row-major `A` (the per-step
/// products, `k` = the hidden size) is read in one pass.
const KC: usize = 256;

impl PackedMatrix {
    /// Packs the row-major `k x n` matrix `b`.
    ///
    /// # Panics
    /// Panics if `b` does not hold `k * n` values.
    pub(crate) fn new(b: &[f32], k: usize, n: usize) -> Self {
        Self::with_kernel(b, k, n, false, Kernel::detect())
    }

    /// Packs `B = bt^T` (`k x n`) from the row-major `n x k` matrix `bt`, with no intermediate
    /// copy of the transpose (`W_hh^T` and `W_ih^T` from the weights as stored).
    ///
    /// # Panics
    /// Panics if `bt` does not hold `n * k` values.
    pub(crate) fn transposed(bt: &[f32], n: usize, k: usize) -> Self {
        Self::with_kernel(bt, k, n, true, Kernel::detect())
    }

    fn with_kernel(b: &[f32], k: usize, n: usize, transposed: bool, kernel: Kernel) -> Self {
        assert_eq!(b.len(), k * n, "a {k}x{n} matrix to pack");
        let narrow = n <= NARROW;
        let data = if narrow {
            pack::narrow(b, k, n, transposed)
        } else {
            pack::panels(b, k, n, transposed, kernel.width())
        };
        Self {
            data,
            k,
            n,
            kernel,
            narrow,
        }
    }

    /// `out = a · B` (or `out += a · B` with `accumulate`): `a` row-major `m x k`, `out`
    /// row-major `m x n`.
    ///
    /// # Panics
    /// Panics if `a` does not hold `m * k` values or `out` `m * n`.
    pub(crate) fn matmul(&self, out: &mut [f32], a: &[f32], m: usize, accumulate: bool) {
        assert_eq!(a.len(), m * self.k, "the left operand of a packed product");
        if self.narrow {
            assert_eq!(out.len(), m * self.n, "the output of a packed product");
            portable::narrow_matmul(&self.data, self.k, self.n, out, a, accumulate);
            return;
        }
        let layout = Layout {
            block_stride: self.k,
            row_stride: self.k,
            step_stride: 1,
        };
        self.product(out, a, m, layout, self.k, accumulate);
    }

    /// `out = at^T · B` (or `+=`): `at` row-major `k x m`, so `A = at^T` is `m x k`; `out`
    /// row-major `m x n`. The weight gradients `dgates^T · h` and `dgates^T · x`, with
    /// `dgates` as the backward pass stores it.
    ///
    /// # Panics
    /// Panics if `at` does not hold `k * m` values or `out` `m * n`.
    pub(crate) fn matmul_transposed(
        &self,
        out: &mut [f32],
        at: &[f32],
        m: usize,
        accumulate: bool,
    ) {
        assert_eq!(at.len(), self.k * m, "the left operand of a packed product");
        if self.narrow {
            assert_eq!(out.len(), m * self.n, "the output of a packed product");
            portable::narrow_matmul_transposed(&self.data, self.k, self.n, out, at, m, accumulate);
            return;
        }
        let layout = Layout {
            block_stride: 1,
            row_stride: 1,
            step_stride: m,
        };
        self.product(out, at, m, layout, KC, accumulate);
    }

    /// `out (+)= A · B` with `A` laid out as `layout` says, `pass` rows of `B` at a time.
    fn product(
        &self,
        out: &mut [f32],
        a: &[f32],
        m: usize,
        layout: Layout,
        pass: usize,
        accumulate: bool,
    ) {
        let (k, n) = (self.k, self.n);
        assert_eq!(out.len(), m * n, "the output of a packed product");
        if m == 0 || n == 0 {
            return;
        }
        if k == 0 {
            if !accumulate {
                out.fill(0.0);
            }
            return;
        }
        let mr = self.kernel.rows();
        // A transposed `A` is read a block of rows at a time, `m` values apart from one step
        // to the next (4 KB for `m = 1024`: every read in the same L1 set). Each pass copies
        // its part into blocks of `mr` rows whose steps are contiguous.
        // Below 256 rows (1 KB apart) the strided reads are cheap and copying is not.
        let pack_a = layout.row_stride == 1 && mr > 1 && m >= 256;
        let pass = pass.clamp(1, k);
        let mut packed_a = if pack_a {
            zeroed(m.div_ceil(mr) * mr * pass)
        } else {
            Vec::new()
        };
        let mut k0 = 0;
        while k0 < k {
            let steps = (k - k0).min(pass);
            // Later passes add to what the earlier ones wrote.
            let accumulate = accumulate || k0 > 0;
            let part = if pack_a {
                Part::packed(&mut packed_a, a, m, mr, layout.step_stride, k0, steps)
            } else {
                Part {
                    a,
                    layout,
                    k0,
                    steps,
                }
            };
            self.run_pass(out, part, m, k0, accumulate);
            k0 += steps;
        }
        recycle(packed_a);
    }

    /// One pass over the output: every panel's columns of `out` (`m x n`) from `part`, with
    /// rows `k0..k0 + part.steps` of `B`.
    #[inline(always)]
    fn run_pass(&self, out: &mut [f32], part: Part<'_>, m: usize, k0: usize, accumulate: bool) {
        let (k, n, width, steps) = (self.k, self.n, self.kernel.width(), part.steps);
        for p in 0..n.div_ceil(width) {
            let first = p * width;
            let cols = (n - first).min(width);
            let panel = &self.data[(p * k + k0) * width..(p * k + k0 + steps) * width];
            match self.kernel {
                #[cfg(target_arch = "x86_64")]
                Kernel::Avx512 => {
                    // SAFETY: `detect` found AVX-512F; `rows` checks every block's bounds.
                    rows::<8>(m, |row, count| unsafe {
                        x86::block_avx512(count, part, row, panel, out, n, first, cols, accumulate)
                    })
                }
                #[cfg(target_arch = "x86_64")]
                Kernel::Avx2 => {
                    // SAFETY: `detect` found AVX2 and FMA; `rows` checks every block's bounds.
                    rows::<6>(m, |row, count| unsafe {
                        x86::block_avx2(count, part, row, panel, out, n, first, cols, accumulate)
                    })
                }
                Kernel::Portable => {
                    portable_panel(part, m, panel, width, out, n, first, cols, accumulate)
                }
            }
        }
    }
}

/// The columns `k0..k0 + steps` of the left operand, as one pass reads them.
#[derive(Clone, Copy)]
struct Part<'a> {
    a: &'a [f32],
    layout: Layout,
    k0: usize,
    steps: usize,
}

impl<'a> Part<'a> {
    /// Steps `k0..k0 + steps` of the transposed `at` (`k x m`, element `(i, kk)` at
    /// `kk * step_stride + i`) copied into `packed` in blocks of `mr` rows
    /// ([`pack::pack_rows`]), as the microkernels then read them.
    #[inline(always)]
    fn packed(
        packed: &'a mut [f32],
        at: &[f32],
        m: usize,
        mr: usize,
        step_stride: usize,
        k0: usize,
        steps: usize,
    ) -> Self {
        match mr {
            8 => pack_rows::<8>(packed, at, m, step_stride, k0, steps),
            _ => pack_rows::<6>(packed, at, m, step_stride, k0, steps),
        }
        Part {
            a: packed,
            layout: Layout {
                block_stride: steps,
                row_stride: 1,
                step_stride: mr,
            },
            k0: 0,
            steps,
        }
    }

    /// The part of `a` holding rows `row..row + rows` (`row` a multiple of the microkernel's
    /// rows) of this pass, from its first element, with the strides to read element
    /// `(i, kk)` (relative to both) at `i * row_stride + kk * step_stride`.
    ///
    /// # Panics
    /// Panics if `a` is too short for those rows (never for the operands `matmul` checked).
    #[inline(always)]
    fn block(self, row: usize, rows: usize) -> (&'a [f32], usize, usize) {
        let Layout {
            block_stride,
            row_stride,
            step_stride,
        } = self.layout;
        let start = row * block_stride + self.k0 * step_stride;
        let end = start + (rows - 1) * row_stride + (self.steps - 1) * step_stride + 1;
        (&self.a[start..end], row_stride, step_stride)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `a · b` in f64, row-major.
    pub(super) fn reference(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
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

    pub(super) fn values(len: usize, seed: usize) -> Vec<f32> {
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
            (9, 17, 3),
            (5, 0, 2),
            (40, 33, 1),
        ];
        for kernel in kernels() {
            for &(m, k, n) in &shapes {
                let (a, b) = (values(m * k, 1), values(k * n, 2));
                let packed = PackedMatrix::with_kernel(&b, k, n, false, kernel);
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
            let packed = PackedMatrix::with_kernel(&values(k * n, 5), k, n, false, kernel);
            let mut out = vec![0.0; m * n];
            packed.matmul(&mut out, &a, m, false);
            assert!(out[5 * n..6 * n].iter().all(|v| v.is_nan()), "{kernel:?}");
            assert!(out[..5 * n].iter().all(|v| v.is_finite()), "{kernel:?}");
        }
    }

    fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
        let mut out = vec![0.0; values.len()];
        for r in 0..rows {
            for c in 0..cols {
                out[c * rows + r] = values[r * cols + c];
            }
        }
        out
    }

    /// `B` packed from its transpose, and `A` given as its transpose, in every combination,
    /// over several passes of `KC` rows (k = 600) and on edge shapes.
    #[test]
    fn transposed_operands_match_the_reference_on_every_kernel() {
        let shapes = [
            (1, 1, 1),
            (9, 17, 33),
            (8, 600, 32),
            (13, 600, 20),
            (20, 257, 70),
            (300, 600, 40),
            (9, 17, 3),
            (257, 300, 1),
        ];
        for kernel in kernels() {
            for &(m, k, n) in &shapes {
                let (a, b) = (values(m * k, 6), values(k * n, 7));
                let expected = reference(&a, &b, m, k, n);
                let (at, bt) = (transpose(&a, m, k), transpose(&b, k, n));
                let plain = PackedMatrix::with_kernel(&b, k, n, false, kernel);
                let from_bt = PackedMatrix::with_kernel(&bt, k, n, true, kernel);
                assert_eq!(plain.data, from_bt.data, "{kernel:?} {m}x{k}x{n}: packing");
                let start = values(m * n, 8);
                for accumulate in [false, true] {
                    let mut out = if accumulate {
                        start.clone()
                    } else {
                        vec![f32::NAN; m * n]
                    };
                    from_bt.matmul_transposed(&mut out, &at, m, accumulate);
                    for (j, (o, e)) in out.iter().zip(&expected).enumerate() {
                        let e = if accumulate { e + start[j] } else { *e };
                        assert!(
                            (o - e).abs() <= 1e-4 * (1.0 + e.abs()),
                            "{kernel:?} {m}x{k}x{n} accumulate {accumulate}: {o} vs {e}"
                        );
                    }
                }
            }
        }
    }
}
