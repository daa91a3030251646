//! The per-step GPU kernels, one launch per time step: [`step_forward`] (the recurrent product,
//! the gate nonlinearities and the state update of one step) and [`step_backward`] (the gate
//! gradients of one step and the recurrent product that carries `dh` back to the step before).
//!
//! A cube covers `rows` batch rows and a tile of hidden units, each unit `cols` adjacent hidden
//! units: a unit computes its columns for all the cube's rows, so every weight it loads serves
//! `rows` products and every state value `cols` (per gate). Loads, not arithmetic, are what a
//! step costs on lavapipe (`docs/performance.md`). All buffers are flat and row-major:
//! - `[S, B, H]` for the per-step states, `[S, B, G*H]` for the gates (PyTorch's gate order);
//! - `w_t` `[H, G*H]` (`W_hh` transposed, so that adjacent units read adjacent words) in the
//!   forward pass, `w_hh` `[G*H, H]` as stored in the backward pass (adjacent in `j` too).
//!
//! The equations are those of `crate::cell::CellKind::step` and of the CPU kernel's
//! `cpu/host/cells.rs`, which has the backward pass of each written out; padding follows the
//! CPU kernel too: a padded step holds the state, outputs zero and passes `dh` and `dc` through.

use cubecl::prelude::*;

/// Which recurrence a kernel is compiled for (each is its own compiled kernel).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CubeCell {
    RnnTanh,
    RnnRelu,
    Lstm,
    Gru,
}

impl CubeCell {
    /// Gates per hidden unit (PyTorch's `G`).
    pub(crate) fn gates(self) -> usize {
        match self {
            CubeCell::RnnTanh | CubeCell::RnnRelu => 1,
            CubeCell::Lstm => 4,
            CubeCell::Gru => 3,
        }
    }
}

#[cube]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The offsets `start + b * width` of the cube's rows `b = b0 .. b0 + rows`; a row past the
/// batch repeats the last one, so that its loads stay in bounds (its results are not stored).
#[cube]
fn row_offsets(
    start: usize,
    b0: usize,
    batch: usize,
    width: usize,
    #[comptime] rows: usize,
) -> Array<usize> {
    let mut offsets = Array::<usize>::new(rows);
    #[unroll]
    for r in 0..rows {
        let b = if b0 + r < batch { b0 + r } else { batch - 1 };
        offsets[r] = start + b * width;
    }
    offsets
}

/// `acc[(r * cols + c) * gates + g] += Σ_{k < len} lhs[offsets[r] + k] · w[k * stride + g * hidden
/// + columns[c]]`: the unit's columns (of each gate) of a product for all the cube's rows at once.
#[cube]
#[allow(clippy::too_many_arguments)]
fn tile_product(
    lhs: &[f32],
    offsets: &Array<usize>,
    len: usize,
    w: &[f32],
    stride: usize,
    hidden: usize,
    columns: &Array<usize>,
    acc: &mut Array<f32>,
    #[comptime] rows: usize,
    #[comptime] cols: usize,
    #[comptime] gates: usize,
) {
    let mut values = Array::<f32>::new(rows);
    for k in 0..len {
        #[unroll]
        for r in 0..rows {
            values[r] = lhs[offsets[r] + k];
        }
        #[unroll]
        for c in 0..cols {
            #[unroll]
            for g in 0..gates {
                let wk = w[k * stride + g * hidden + columns[c]];
                #[unroll]
                for r in 0..rows {
                    acc[(r * cols + c) * gates + g] += values[r] * wk;
                }
            }
        }
    }
}

/// The gate gradients that flow back through `W_hh`: the GRU's recurrent-path ones, the others'
/// only ones.
#[cube]
fn recurrent_gate_grads<'a>(
    dgx: &'a [f32],
    dgh: &'a [f32],
    #[comptime] cell: CubeCell,
) -> &'a [f32] {
    if comptime!(cell == CubeCell::Gru) {
        dgh
    } else {
        dgx
    }
}

/// `len` zeros (the accumulators of [`tile_product`]).
#[cube]
fn zeroed(#[comptime] len: usize) -> Array<f32> {
    let mut acc = Array::<f32>::new(len);
    #[unroll]
    for i in 0..len {
        acc[i] = 0.0;
    }
    acc
}

/// The first of this unit's `cols` hidden units, and all of them clamped to the last one (so that
/// their loads stay in bounds; the ones past the end store nothing).
#[cube]
fn hidden_units(hidden: usize, #[comptime] cols: usize) -> (usize, Array<usize>) {
    let j0 = (CUBE_POS_X as usize * CUBE_DIM_X as usize + UNIT_POS_X as usize) * cols;
    let mut columns = Array::<usize>::new(cols);
    #[unroll]
    for c in 0..cols {
        columns[c] = if j0 + c < hidden { j0 + c } else { hidden - 1 };
    }
    (j0, columns)
}

/// One time step of the forward pass, for every `(b, j)`.
///
/// `xp` `[S*B, G*H]` is the input projection of every step (without biases); the step reads
/// `h_{t-1}` from `hist` (or `h0` on the first step) and writes `hist[t]` (the state, held
/// through padding), `out[t]` (the output, zero on padding), and on the last step `h_n` and
/// `c_n` into `out[S]`, `out[S+1]`. The LSTM keeps `c_t` in `chist`; with `save`, the gates
/// after their activations go to `gates` and the GRU's `W_hn h_{t-1} + b_hn` to `chist`.
// This kernel is long because each cell's state update is written out in the one kernel it
// compiles into (a `#[cube]` helper would take a dozen of the same buffers again).
#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn step_forward(
    xp: &[f32],
    w_t: &[f32],
    b_ih: &[f32],
    b_hh: &[f32],
    h0: &[f32],
    c0: &[f32],
    lengths: &[u32],
    hist: &mut [f32],
    chist: &mut [f32],
    gates: &mut [f32],
    out: &mut [f32],
    batch: u32,
    hidden: u32,
    gates_hidden: u32,
    seq: u32,
    t: u32,
    prev: u32,
    first: u32,
    last: u32,
    #[comptime] cell: CubeCell,
    #[comptime] save: bool,
    #[comptime] padded: bool,
    #[comptime] rows: usize,
    #[comptime] cols: usize,
) {
    let hh = hidden as usize;
    let bb = batch as usize;
    let gh = gates_hidden as usize;
    let g_count = comptime!(cell.gates());
    let (j0, columns) = hidden_units(hh, cols);
    let b0 = CUBE_POS_Y as usize * rows;

    // h_{t-1} · W_hh^T for the unit's columns of every gate and every row of the cube. (`downcast` to the
    // same type only turns a mutable slice into the read-only one `tile_product` takes.)
    let mut acc = zeroed(comptime!(rows * cols * g_count));
    if first == 1 {
        let offsets = row_offsets(0, b0, bb, hh, rows);
        tile_product(
            h0, &offsets, hh, w_t, gh, hh, &columns, &mut acc, rows, cols, g_count,
        );
    } else {
        let offsets = row_offsets(prev as usize * bb * hh, b0, bb, hh, rows);
        tile_product(
            hist.downcast::<f32>(),
            &offsets,
            hh,
            w_t,
            gh,
            hh,
            &columns,
            &mut acc,
            rows,
            cols,
            g_count,
        );
    }

    // No barrier in this kernel, so the units past the end may simply store nothing.
    #[unroll]
    for r in 0..rows {
        #[unroll]
        for c in 0..cols {
            let b = b0 + r;
            let j = j0 + c;
            if b < bb && j < hh {
                let a = comptime!((r * cols + c) * g_count);
                let mut valid = true;
                if comptime!(padded) {
                    valid = t < lengths[b];
                }
                let row = t as usize * bb + b;
                let o = row * hh + j;
                let x = row * gh + j;
                let p = (prev as usize * bb + b) * hh + j;
                let is_first = first == 1;
                let h_prev = if is_first { h0[b * hh + j] } else { hist[p] };
                let mut h_new = h_prev;
                if comptime!(cell == CubeCell::Lstm) {
                    let c_prev = if is_first { c0[b * hh + j] } else { chist[p] };
                    let mut c_new = c_prev;
                    if valid {
                        let i = sigmoid(xp[x] + b_ih[j] + b_hh[j] + acc[a]);
                        let f = sigmoid(xp[x + hh] + b_ih[j + hh] + b_hh[j + hh] + acc[a + 1]);
                        let g = (xp[x + 2 * hh] + b_ih[j + 2 * hh] + b_hh[j + 2 * hh] + acc[a + 2])
                            .tanh();
                        let og = sigmoid(
                            xp[x + 3 * hh] + b_ih[j + 3 * hh] + b_hh[j + 3 * hh] + acc[a + 3],
                        );
                        c_new = f * c_prev + i * g;
                        h_new = og * c_new.tanh();
                        if comptime!(save) {
                            gates[x] = i;
                            gates[x + hh] = f;
                            gates[x + 2 * hh] = g;
                            gates[x + 3 * hh] = og;
                        }
                    }
                    chist[o] = c_new;
                    if last == 1 {
                        out[((seq as usize + 1) * bb + b) * hh + j] = c_new;
                    }
                } else if comptime!(cell == CubeCell::Gru) {
                    if valid {
                        let r_gate = sigmoid(xp[x] + b_ih[j] + b_hh[j] + acc[a]);
                        let z = sigmoid(xp[x + hh] + b_ih[j + hh] + b_hh[j + hh] + acc[a + 1]);
                        let hn = acc[a + 2] + b_hh[j + 2 * hh];
                        let n = (xp[x + 2 * hh] + b_ih[j + 2 * hh] + r_gate * hn).tanh();
                        h_new = n + z * (h_prev - n);
                        if comptime!(save) {
                            gates[x] = r_gate;
                            gates[x + hh] = z;
                            gates[x + 2 * hh] = n;
                            chist[o] = hn;
                        }
                    }
                } else if valid {
                    let pre = xp[x] + b_ih[j] + b_hh[j] + acc[a];
                    if comptime!(cell == CubeCell::RnnTanh) {
                        h_new = pre.tanh();
                    } else {
                        // Not max(), which would turn a NaN into 0.
                        h_new = if pre < 0.0 { 0.0f32 } else { pre };
                    }
                }
                hist[o] = h_new;
                out[o] = if valid { h_new } else { 0.0f32 };
                if last == 1 {
                    out[(seq as usize * bb + b) * hh + j] = h_new;
                    if comptime!(cell != CubeCell::Lstm) {
                        out[((seq as usize + 1) * bb + b) * hh + j] = 0.0;
                    }
                }
            }
        }
    }
}

/// One time step of backpropagation through time, for every `(b, j)`, processing steps from
/// the last to the first, then once more with `finish` for the gradient of `h0`.
///
/// `dh` is the gradient of the state this step left: on the first launch (`last`) that of
/// `h_n`, else the recurrent path's gate gradients of the step after (`dgh` for the GRU, `dgx`
/// for the others, `[S, B, G*H]`) times `W_hh`, plus `carry` (what reaches `h_{t-1}` directly:
/// the GRU's `dh z`, or all of `dh` through a padded step). The step adds its output's
/// gradient, writes its gate gradients `dgx[t]` (and the GRU's recurrent-path ones `dgh[t]`)
/// and `prevh[t] = h_{t-1}`, and leaves its direct part in `carry`; the LSTM's `dc` is carried
/// in place. After `finish`, `carry` holds the gradient of `h0` and `dc` that of `c0`.
// This kernel is long because each cell's gate gradients are written out in the one kernel it
// compiles into (a `#[cube]` helper would take a dozen of the same buffers again).
#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn step_backward(
    grad_out: &[f32],
    w_hh: &[f32],
    h0: &[f32],
    c0: &[f32],
    lengths: &[u32],
    hist: &[f32],
    chist: &[f32],
    gates: &[f32],
    dgx: &mut [f32],
    dgh: &mut [f32],
    prevh: &mut [f32],
    carry: &mut [f32],
    dc: &mut [f32],
    batch: u32,
    hidden: u32,
    gates_hidden: u32,
    seq: u32,
    t: u32,
    prev: u32,
    next: u32,
    first: u32,
    last: u32,
    finish: u32,
    #[comptime] cell: CubeCell,
    #[comptime] padded: bool,
    #[comptime] rows: usize,
    #[comptime] cols: usize,
) {
    let hh = hidden as usize;
    let bb = batch as usize;
    let gh = gates_hidden as usize;
    let seq = seq as usize;
    let (j0, columns) = hidden_units(hh, cols);
    let b0 = CUBE_POS_Y as usize * rows;

    // The step after's gate gradients times W_hh, the unit's columns, for every row of the cube.
    let mut acc = zeroed(comptime!(rows * cols));
    if last == 0 {
        let offsets = row_offsets(next as usize * bb * gh, b0, bb, gh, rows);
        let grads = recurrent_gate_grads(dgx.downcast::<f32>(), dgh.downcast::<f32>(), cell);
        tile_product(
            grads, &offsets, gh, w_hh, hh, hh, &columns, &mut acc, rows, cols, 1usize,
        );
    }

    #[unroll]
    for r in 0..rows {
        #[unroll]
        for c in 0..cols {
            let b = b0 + r;
            let j = j0 + c;
            if b < bb && j < hh {
                let s = b * hh + j;
                let mut dh = acc[comptime!(r * cols + c)];
                if last == 1 {
                    dh = grad_out[(seq * bb + b) * hh + j];
                    if comptime!(cell == CubeCell::Lstm) {
                        dc[s] = grad_out[((seq + 1) * bb + b) * hh + j];
                    }
                } else {
                    dh += carry[s];
                }

                if finish == 1 {
                    carry[s] = dh;
                } else {
                    let tt = t as usize;
                    let o = (tt * bb + b) * hh + j;
                    let x = (tt * bb + b) * gh + j;
                    let p = (prev as usize * bb + b) * hh + j;
                    let is_first = first == 1;
                    let mut valid = true;
                    if comptime!(padded) {
                        valid = t < lengths[b];
                    }
                    let h_prev = if is_first { h0[s] } else { hist[p] };
                    prevh[o] = h_prev;
                    if valid {
                        dh += grad_out[o];
                        if comptime!(cell == CubeCell::Lstm) {
                            let i = gates[x];
                            let f = gates[x + hh];
                            let g = gates[x + 2 * hh];
                            let og = gates[x + 3 * hh];
                            let c = chist[o];
                            let c_prev = if is_first { c0[s] } else { chist[p] };
                            let tc = c.tanh();
                            let dcj = dc[s] + dh * og * (1.0 - tc * tc);
                            dgx[x] = dcj * g * i * (1.0 - i);
                            dgx[x + hh] = dcj * c_prev * f * (1.0 - f);
                            dgx[x + 2 * hh] = dcj * i * (1.0 - g * g);
                            dgx[x + 3 * hh] = dh * tc * og * (1.0 - og);
                            dc[s] = dcj * f;
                            carry[s] = 0.0;
                        } else if comptime!(cell == CubeCell::Gru) {
                            let r_gate = gates[x];
                            let z = gates[x + hh];
                            let n = gates[x + 2 * hh];
                            let hn = chist[o];
                            let dn = dh * (1.0 - z) * (1.0 - n * n);
                            let dr = dn * hn * r_gate * (1.0 - r_gate);
                            let dz = dh * (h_prev - n) * z * (1.0 - z);
                            dgx[x] = dr;
                            dgx[x + hh] = dz;
                            dgx[x + 2 * hh] = dn;
                            dgh[x] = dr;
                            dgh[x + hh] = dz;
                            dgh[x + 2 * hh] = dn * r_gate;
                            carry[s] = dh * z;
                        } else {
                            let y = hist[o];
                            if comptime!(cell == CubeCell::RnnTanh) {
                                dgx[x] = dh * (1.0 - y * y);
                            } else {
                                dgx[x] = if y > 0.0 { dh } else { 0.0f32 };
                            }
                            carry[s] = 0.0;
                        }
                    } else {
                        // A padded step: no gate gradients, and `dh` (and `dc`) pass through.
                        let mut g = 0usize;
                        while g < gh {
                            dgx[x + g] = 0.0;
                            if comptime!(cell == CubeCell::Gru) {
                                dgh[x + g] = 0.0;
                            }
                            g += hh;
                        }
                        carry[s] = dh;
                    }
                }
            }
        }
    }
}
