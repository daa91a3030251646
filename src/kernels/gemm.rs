//! Matrix products on f32 slices through the `gemm` crate (the one Burn's Flex backend uses).

/// A read-only matrix view: `rows x cols` elements of `data` at `row_stride`/`col_stride`.
#[derive(Clone, Copy)]
pub(crate) struct Mat<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: isize,
    col_stride: isize,
}

impl<'a> Mat<'a> {
    /// A row-major `rows x cols` matrix.
    ///
    /// # Panics
    /// Panics if `data` is shorter than `rows * cols`.
    pub(crate) fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert!(
            data.len() >= rows * cols,
            "a {rows}x{cols} matrix needs {} values, found {}",
            rows * cols,
            data.len()
        );
        Self {
            data,
            rows,
            cols,
            row_stride: cols as isize,
            col_stride: 1,
        }
    }

    /// The transpose, as a view (no copy).
    pub(crate) fn t(self) -> Self {
        Self {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }
}

/// Products smaller than this (`m * n * k`) run on one thread: splitting them costs more than it
/// saves. The same threshold as Burn's Flex matmul.
const PARALLEL_THRESHOLD: usize = 192 * 192 * 192;

/// `out = a b` (or `out += a b` with `accumulate`), `out` row-major `a.rows x b.cols`.
///
/// # Panics
/// Panics if the inner dimensions differ or `out` has the wrong length.
pub(crate) fn matmul(out: &mut [f32], a: Mat<'_>, b: Mat<'_>, accumulate: bool) {
    assert_eq!(a.cols, b.rows, "matmul inner dimensions");
    let (m, n, k) = (a.rows, b.cols, a.cols);
    assert_eq!(out.len(), m * n, "matmul output length");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            out.fill(0.0);
        }
        return;
    }
    let parallelism = if m * n * k >= PARALLEL_THRESHOLD {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the views were checked to hold `rows x cols` elements at their strides (row-major
    // or its transpose), `out` holds `m * n`, and `out` cannot alias the shared borrows.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride,
            a.row_stride,
            b.data.as_ptr(),
            b.col_stride,
            b.row_stride,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        out
    }

    fn values(len: usize, seed: f32) -> Vec<f32> {
        (0..len).map(|i| ((i as f32 + seed) * 0.37).sin()).collect()
    }

    #[test]
    fn products_and_transposed_views_match_a_naive_loop() {
        let (m, k, n) = (5, 7, 3);
        let a = values(m * k, 1.0);
        let b = values(k * n, 2.0);
        let mut out = vec![0.0; m * n];
        matmul(
            &mut out,
            Mat::row_major(&a, m, k),
            Mat::row_major(&b, k, n),
            false,
        );
        let expected = naive(&a, &b, m, k, n);
        for (x, y) in out.iter().zip(&expected) {
            assert!((x - y).abs() < 1e-5);
        }

        // (b^T a^T)^T = a b: the transposed views read the same buffers.
        let mut out_t = vec![0.0; n * m];
        matmul(
            &mut out_t,
            Mat::row_major(&b, k, n).t(),
            Mat::row_major(&a, m, k).t(),
            false,
        );
        for i in 0..m {
            for j in 0..n {
                assert!((out_t[j * m + i] - expected[i * n + j]).abs() < 1e-5);
            }
        }

        // Accumulating adds the product again.
        matmul(
            &mut out,
            Mat::row_major(&a, m, k),
            Mat::row_major(&b, k, n),
            true,
        );
        for (x, y) in out.iter().zip(&expected) {
            assert!((x - 2.0 * y).abs() < 1e-5);
        }
    }

    #[test]
    #[should_panic(expected = "a 3x4 matrix needs 12 values, found 11")]
    fn a_short_buffer_is_refused() {
        Mat::row_major(&[0.0; 11], 3, 4);
    }
}
