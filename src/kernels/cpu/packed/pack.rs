//! Packing the operands into the layouts the microkernels read: `B` into panels of their
//! width (or, when narrow, as `B^T`), and a pass of a transposed `A` into blocks of their rows.

use super::pool::zeroed;

/// The narrow `B` (`k x n`, or given as `bt` `n x k` with `transposed`) as `B^T`, row-major
/// `n x k`: the layout of the dot products and `axpy`s over it.
pub(super) fn narrow(b: &[f32], k: usize, n: usize, transposed: bool) -> Vec<f32> {
    if transposed {
        b.to_vec()
    } else {
        let mut bt = vec![0.0; n * k];
        for (kk, row) in b.chunks_exact(n.max(1)).enumerate() {
            for (j, value) in row.iter().enumerate() {
                bt[j * k + kk] = *value;
            }
        }
        bt
    }
}

/// `B` (`k x n`, or given as `bt` `n x k` with `transposed`) in panels of `width` columns,
/// each panel `k` rows of `width` contiguous values, zero-padded past the last column.
pub(super) fn panels(b: &[f32], k: usize, n: usize, transposed: bool, width: usize) -> Vec<f32> {
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
    data
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
pub(super) fn pack_rows<const MR: usize>(
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
