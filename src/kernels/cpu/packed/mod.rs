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

std::thread_local! {
    /// Buffers of this thread's dropped packed matrices and packing passes, for its next
    /// call. Allocated fresh at every call, buffers of this size went back to the system when
    /// freed and were faulted in again (13% of the medium LSTM's training step in page
    /// faults, `perf`).
    static SPARE: std::cell::RefCell<Vec<Vec<f32>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Buffers kept per thread, and the largest kept (in values: 16 MB; at most 64 MB per thread
/// stays allocated after training). The large benchmark's largest is 3.3 MB.
const SPARE_BUFFERS: usize = 4;
const SPARE_MAX_LEN: usize = 4 << 20;

/// `len` zeros, in the smallest of this thread's spare buffers that is large enough (so a
/// small request does not take the buffer a large one would need), if one is.
fn zeroed(len: usize) -> Vec<f32> {
    let spare = SPARE.with(|spare| {
        let mut spare = spare.borrow_mut();
        let fit = (0..spare.len())
            .filter(|&i| spare[i].capacity() >= len)
            .min_by_key(|&i| spare[i].capacity());
        fit.map(|i| spare.swap_remove(i))
    });
    match spare {
        Some(mut buffer) => {
            buffer.clear();
            buffer.resize(len, 0.0);
            buffer
        }
        None => vec![0.0; len],
    }
}

/// Keeps `buffer` for [`zeroed`] on this thread (the largest few).
fn recycle(buffer: Vec<f32>) {
    if buffer.capacity() == 0 || buffer.capacity() > SPARE_MAX_LEN {
        return;
    }
    SPARE.with(|spare| {
        let mut spare = spare.borrow_mut();
        spare.push(buffer);
        if spare.len() > SPARE_BUFFERS {
            // Drop the smallest.
            let smallest = (0..spare.len())
                .min_by_key(|&i| spare[i].capacity())
                .expect("not empty");
            spare.swap_remove(smallest);
        }
    });
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
        if n <= NARROW {
            let data = if transposed {
                b.to_vec()
            } else {
                let mut bt = vec![0.0; n * k];
                for (kk, row) in b.chunks_exact(n.max(1)).enumerate() {
                    for (j, value) in row.iter().enumerate() {
                        bt[j * k + kk] = *value;
                    }
                }
                bt
            };
            return Self {
                data,
                k,
                n,
                kernel,
                narrow: true,
            };
        }
        let width = kernel.width();
        let panels = n.div_ceil(width);
        let mut data = zeroed(panels * k * width);
        for (p, panel) in data.chunks_exact_mut((k * width).max(1)).enumerate() {
            let first = p * width;
            let cols = (n - first).min(width);
            if transposed {
                // Column `first + j` of B is row `first + j` of `bt`.
                for j in 0..cols {
                    let column = &b[(first + j) * k..][..k];
                    for (row, value) in column.iter().enumerate() {
                        panel[row * width + j] = *value;
                    }
                }
            } else {
                match width {
                    32 => pack_columns::<32>(panel, b, n, first, cols),
                    _ => pack_columns::<16>(panel, b, n, first, cols),
                }
            }
        }
        Self {
            data,
            k,
            n,
            kernel,
            narrow: false,
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
            let k = self.k;
            for (i, out_row) in out.chunks_exact_mut(self.n.max(1)).enumerate() {
                let a_row = &a[i * k..][..k];
                for (j, o) in out_row.iter_mut().enumerate() {
                    let value = dot(a_row, &self.data[j * k..][..k]);
                    *o = if accumulate { *o + value } else { value };
                }
            }
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
            // Column `j` of the output is `sum_kk at[kk] * B[kk, j]`: `axpy`s over `at`'s rows.
            let (k, n) = (self.k, self.n);
            let mut columns = vec![0.0f32; n * m];
            for (j, column) in columns.chunks_exact_mut(m.max(1)).enumerate() {
                for (kk, at_row) in at.chunks_exact(m.max(1)).enumerate() {
                    let scale = self.data[j * k + kk];
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
        let (width, mr) = (self.kernel.width(), self.kernel.rows());
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
                match mr {
                    8 => pack_rows::<8>(&mut packed_a, a, m, layout.step_stride, k0, steps),
                    _ => pack_rows::<6>(&mut packed_a, a, m, layout.step_stride, k0, steps),
                }
                Part {
                    a: &packed_a,
                    layout: Layout {
                        block_stride: steps,
                        row_stride: 1,
                        step_stride: mr,
                    },
                    k0: 0,
                    steps,
                }
            } else {
                Part {
                    a,
                    layout,
                    k0,
                    steps,
                }
            };
            for p in 0..n.div_ceil(width) {
                let first = p * width;
                let cols = (n - first).min(width);
                let panel = &self.data[(p * k + k0) * width..(p * k + k0 + steps) * width];
                match self.kernel {
                    #[cfg(target_arch = "x86_64")]
                    Kernel::Avx512 => {
                        // SAFETY: `detect` found AVX-512F; `rows` checks every block's bounds.
                        rows::<8>(m, |row, count| unsafe {
                            x86::block_avx512(
                                count, part, row, panel, out, n, first, cols, accumulate,
                            )
                        })
                    }
                    #[cfg(target_arch = "x86_64")]
                    Kernel::Avx2 => {
                        // SAFETY: `detect` found AVX2 and FMA; `rows` checks every block's bounds.
                        rows::<6>(m, |row, count| unsafe {
                            x86::block_avx2(
                                count, part, row, panel, out, n, first, cols, accumulate,
                            )
                        })
                    }
                    Kernel::Portable => {
                        portable_panel(part, m, panel, width, out, n, first, cols, accumulate)
                    }
                }
            }
            k0 += steps;
        }
        recycle(packed_a);
    }
}

/// Copies columns `first..first + cols` of the row-major `b` (`n` columns) into `panel`,
/// `W` values per row.
///
/// Its own function for each width, so that a full row is a copy of a size known at compile
/// time (a few vector moves), not a call to `memcpy` for 16 or 32 values.
#[inline(never)]
fn pack_columns<const W: usize>(panel: &mut [f32], b: &[f32], n: usize, first: usize, cols: usize) {
    for (row, packed) in panel.chunks_exact_mut(W).enumerate() {
        let source = &b[row * n + first..][..cols];
        match <&[f32; W]>::try_from(source) {
            Ok(full) => *<&mut [f32; W]>::try_from(packed).expect("W values") = *full,
            Err(_) => packed[..cols].copy_from_slice(source),
        }
    }
}

/// Copies steps `k0..k0 + steps` of the transposed `at` (element `(i, kk)` at
/// `kk * step_stride + i`) into `packed`, in blocks of `MR` rows: block `b`'s element `(i, kk)`
/// at `b * MR * steps + kk * MR + i`.
///
/// Its own function for each `MR`, for the reason [`pack_columns`] is.
#[inline(never)]
fn pack_rows<const MR: usize>(
    packed: &mut [f32],
    at: &[f32],
    m: usize,
    step_stride: usize,
    k0: usize,
    steps: usize,
) {
    // In tiles of `TILE` steps: a block's writes are then runs of `TILE * MR` values, and the
    // reads `TILE` short runs of rows `m` apart. Whole rows at a time would scatter the
    // writes `MR * steps` apart, the same cache set each time when that is a multiple of 4 KB.
    const TILE: usize = 16;
    let full = m / MR;
    for tile in (0..steps).step_by(TILE) {
        let tile_steps = (steps - tile).min(TILE);
        for block in 0..m.div_ceil(MR) {
            let rows = if block < full { MR } else { m - full * MR };
            for kk in tile..tile + tile_steps {
                let source = &at[(k0 + kk) * step_stride + block * MR..][..rows];
                let dest = &mut packed[block * MR * steps + kk * MR..][..MR];
                match <&[f32; MR]>::try_from(source) {
                    Ok(values) => *<&mut [f32; MR]>::try_from(dest).expect("MR places") = *values,
                    Err(_) => dest[..rows].copy_from_slice(source),
                }
            }
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

/// The columns `k0..k0 + steps` of the left operand, as one pass reads them.
#[derive(Clone, Copy)]
struct Part<'a> {
    a: &'a [f32],
    layout: Layout,
    k0: usize,
    steps: usize,
}

impl<'a> Part<'a> {
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

/// One panel's columns `first..first + cols` of `out`, by plain loops.
#[allow(clippy::too_many_arguments)]
fn portable_panel(
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

#[cfg(target_arch = "x86_64")]
mod x86 {
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

    /// A buffer handed back by a dropped matrix comes back all zeros, so the padding of a
    /// partial panel packed into it is zero.
    #[test]
    fn recycled_buffers_come_back_zeroed() {
        let (k, n) = (5, 40);
        let ones = PackedMatrix::new(&vec![1.0; k * n], k, n);
        let len = ones.data.len();
        drop(ones);
        let reused = zeroed(len);
        assert_eq!(reused.len(), len);
        assert!(reused.iter().all(|&v| v == 0.0));
        recycle(reused);
        let b = values(k * n, 9);
        let packed = PackedMatrix::new(&b, k, n);
        let a = values(3 * k, 10);
        let mut out = vec![0.0; 3 * n];
        packed.matmul(&mut out, &a, 3, false);
        for (o, e) in out.iter().zip(reference(&a, &b, 3, k, n)) {
            assert!((o - e).abs() <= 1e-4 * (1.0 + e.abs()));
        }
    }
}
