//! The body of [`super::backward`]: backpropagation through time, last step first (per step,
//! the output's gradient added to `dh`, the cell's gate gradients of every batch row, and
//! `dh_{t-1}` through the recurrent product), then the products over the whole sequence: the
//! weight and input gradients, and the biases' as column sums.

use super::cells::{gate_slices, gru_backward_row, lstm_backward_row, rnn_backward};
use super::{Dims, Grads, Saved, is_valid, time_index};
use crate::cell::{CellKind, Nonlinearity};
use crate::kernels::cpu::packed::PackedMatrix;

/// What the time loop leaves for the products over the whole sequence.
struct StepGradients {
    /// The gradient of each step's pre-activation gates on the input path, `[seq, batch, G*H]`.
    d_x_gates: Vec<f32>,
    /// The same on the recurrent path, for the GRU (whose candidate `r` multiplies there);
    /// empty for the others, where the two are equal.
    d_h_gates: Vec<f32>,
    /// `h_{t-1}` of every step in time order, for the recurrent weights' gradient.
    previous_hidden: Vec<f32>,
    /// The gradient of `h0`.
    dh: Vec<f32>,
    /// The gradient of `c0` (the LSTM's; empty for the others).
    dc: Vec<f32>,
}

#[inline(always)]
pub(super) fn backward_impl(saved: &Saved, grad_out: &[f32], need_x: bool) -> Grads {
    let Dims {
        seq,
        batch,
        hidden: h,
        ..
    } = saved.dims;
    assert_eq!(
        grad_out.len(),
        (seq + 2) * batch * h,
        "output gradient length"
    );
    // `W_hh` packed once for the per-step products.
    let w_hh = PackedMatrix::new(&saved.inputs.w_hh, saved.cell.gates() * h, h);
    let steps = time_loop(saved, grad_out, &w_hh);
    whole_sequence_gradients(saved, steps, need_x)
}

/// Backpropagation through time, from the last processing step to the first: per step,
/// `dh += ` the step's output gradient, the cell's gate gradients, and `dh_{t-1}`.
#[inline(always)]
fn time_loop(saved: &Saved, grad_out: &[f32], w_hh: &PackedMatrix) -> StepGradients {
    let Saved {
        cell,
        reverse,
        dims,
        inputs,
        hidden,
        ..
    } = saved;
    let (cell, reverse, lengths) = (*cell, *reverse, saved.lengths.as_deref());
    let Dims {
        seq,
        batch,
        hidden: h,
        ..
    } = *dims;
    let gh = cell.gates() * h;
    let step_len = batch * h;
    // The gradient of each step's pre-activation gates, on the input path and on the
    // recurrent path; they differ only for the GRU's candidate, where `r` multiplies the latter.
    let mut d_x_gates = vec![0.0; seq * batch * gh];
    let mut d_h_gates = if cell == CellKind::Gru {
        vec![0.0; seq * batch * gh]
    } else {
        Vec::new()
    };
    let mut dh = grad_out[seq * step_len..(seq + 1) * step_len].to_vec();
    let mut dc = if cell == CellKind::Lstm {
        grad_out[(seq + 1) * step_len..].to_vec()
    } else {
        Vec::new()
    };
    let mut dh_prev = vec![0.0; step_len];
    let mut previous_hidden = vec![0.0; seq * step_len];
    for s in (0..seq).rev() {
        let t = time_index(reverse, seq, s);
        let h_prev = before_step(reverse, s, step_len, &inputs.h0, hidden);
        previous_hidden[t * step_len..(t + 1) * step_len].copy_from_slice(h_prev);
        let grad_step = &grad_out[t * step_len..(t + 1) * step_len];
        add_output_gradient(&mut dh, grad_step, lengths, t, h);
        let dgx = &mut d_x_gates[t * batch * gh..(t + 1) * batch * gh];
        match cell {
            CellKind::Rnn(nonlinearity) => rnn_gate_gradients(saved, nonlinearity, t, &dh, dgx),
            CellKind::Lstm => lstm_gate_gradients(saved, s, t, &dh, &mut dc, dgx),
            CellKind::Gru => {
                let dgh = &mut d_h_gates[t * batch * gh..(t + 1) * batch * gh];
                gru_gate_gradients(saved, t, h_prev, &dh, &mut dh_prev, dgx, dgh);
            }
        }
        let dgh_step = if cell == CellKind::Gru {
            &d_h_gates[t * batch * gh..(t + 1) * batch * gh]
        } else {
            &d_x_gates[t * batch * gh..(t + 1) * batch * gh]
        };
        previous_hidden_gradient(saved, w_hh, t, dgh_step, &dh, &mut dh_prev);
        std::mem::swap(&mut dh, &mut dh_prev);
    }
    StepGradients {
        d_x_gates,
        d_h_gates,
        previous_hidden,
        dh,
        dc,
    }
}

/// A state as processing step `s` found it: `initial` for the first step, else the value the
/// previous step left in `per_step` (`[seq, ..]` in time order, `step_len` values a step).
#[inline(always)]
fn before_step<'a>(
    reverse: bool,
    s: usize,
    step_len: usize,
    initial: &'a [f32],
    per_step: &'a [f32],
) -> &'a [f32] {
    if s == 0 {
        return initial;
    }
    let seq = per_step.len() / step_len;
    let p = time_index(reverse, seq, s - 1);
    &per_step[p * step_len..(p + 1) * step_len]
}

/// Adds step `t`'s output gradient `grad_step` to `dh`, in the rows that have the step: a
/// padded step's output is a constant zero, its gradient goes nowhere.
#[inline(always)]
fn add_output_gradient(
    dh: &mut [f32],
    grad_step: &[f32],
    lengths: Option<&[usize]>,
    t: usize,
    h: usize,
) {
    for (b, (dh_row, g_row)) in dh
        .chunks_exact_mut(h)
        .zip(grad_step.chunks_exact(h))
        .enumerate()
    {
        if is_valid(lengths, b, t) {
            for (d, g) in dh_row.iter_mut().zip(g_row) {
                *d += g;
            }
        }
    }
}

/// The RNN's pre-activation gradients of step `t` into `dgx` ([`rnn_backward`]); a padded
/// row's are zero.
#[inline(always)]
fn rnn_gate_gradients(
    saved: &Saved,
    nonlinearity: Nonlinearity,
    t: usize,
    dh: &[f32],
    dgx: &mut [f32],
) {
    let (batch, h) = (saved.dims.batch, saved.dims.hidden);
    let (gh, step_len) = (saved.cell.gates() * h, batch * h);
    let lengths = saved.lengths.as_deref();
    let h_t = &saved.hidden[t * step_len..(t + 1) * step_len];
    rnn_backward(nonlinearity, dh, h_t, dgx);
    for b in (0..batch).filter(|&b| !is_valid(lengths, b, t)) {
        dgx[b * gh..][..gh].fill(0.0);
    }
}

/// The LSTM's gate gradients of step `t` (processing step `s`) into `dgx`, row by row
/// ([`lstm_backward_row`]), with `dc` taken back one step in place. A padded row's gate
/// gradients stay zero and its `dc` passes through.
#[inline(always)]
fn lstm_gate_gradients(
    saved: &Saved,
    s: usize,
    t: usize,
    dh: &[f32],
    dc: &mut [f32],
    dgx: &mut [f32],
) {
    let (batch, h) = (saved.dims.batch, saved.dims.hidden);
    let (gh, step_len) = (saved.cell.gates() * h, batch * h);
    let lengths = saved.lengths.as_deref();
    let c_prev = before_step(saved.reverse, s, step_len, &saved.inputs.c0, &saved.extra);
    let c_t = &saved.extra[t * step_len..(t + 1) * step_len];
    let step_gates = &saved.gates[t * batch * gh..(t + 1) * batch * gh];
    for b in (0..batch).filter(|&b| is_valid(lengths, b, t)) {
        let [i, f, g, o] = gate_slices(&step_gates[b * gh..][..gh], h);
        let d_row = &mut dgx[b * gh..][..gh];
        let (di, rest) = d_row.split_at_mut(h);
        let (df, rest) = rest.split_at_mut(h);
        let (dg, d_o) = rest.split_at_mut(h);
        let d_o = &mut d_o[..h];
        let (dh_row, dc_row) = (&dh[b * h..][..h], &mut dc[b * h..][..h]);
        let (c_row, cp_row) = (&c_t[b * h..][..h], &c_prev[b * h..][..h]);
        lstm_backward_row(
            [i, f, g, o],
            c_row,
            cp_row,
            dh_row,
            dc_row,
            [di, df, dg, d_o],
        );
    }
}

/// The GRU's gate gradients of step `t`, row by row ([`gru_backward_row`]): on the input path
/// into `dgx`, on the recurrent path into `dgh`, and the direct part of `dh_{t-1}` into
/// `dh_prev`. A padded row's stay zero.
#[inline(always)]
fn gru_gate_gradients(
    saved: &Saved,
    t: usize,
    h_prev: &[f32],
    dh: &[f32],
    dh_prev: &mut [f32],
    dgx: &mut [f32],
    dgh: &mut [f32],
) {
    let (batch, h) = (saved.dims.batch, saved.dims.hidden);
    let (gh, step_len) = (saved.cell.gates() * h, batch * h);
    let lengths = saved.lengths.as_deref();
    let step_gates = &saved.gates[t * batch * gh..(t + 1) * batch * gh];
    let hn_step = &saved.extra[t * step_len..(t + 1) * step_len];
    for b in (0..batch).filter(|&b| is_valid(lengths, b, t)) {
        let row = &step_gates[b * gh..][..gh];
        let (r, rest) = row.split_at(h);
        let (z, n) = rest.split_at(h);
        let n = &n[..h];
        let (dh_row, hp) = (&dh[b * h..][..h], &h_prev[b * h..][..h]);
        let (hn, dhp_row) = (&hn_step[b * h..][..h], &mut dh_prev[b * h..][..h]);
        let (dx_r, rest) = dgx[b * gh..][..gh].split_at_mut(h);
        let (dx_z, dx_n) = rest.split_at_mut(h);
        let (dh_r, rest) = dgh[b * gh..][..gh].split_at_mut(h);
        let (dh_z, dh_n) = rest.split_at_mut(h);
        let (dx_n, dh_n) = (&mut dx_n[..h], &mut dh_n[..h]);
        gru_backward_row(
            [r, z, n],
            hn,
            hp,
            dh_row,
            [dx_r, dx_z, dx_n],
            [dh_r, dh_z, dh_n],
            dhp_row,
        );
    }
}

/// `dh_{t-1}` of step `t` into `dh_prev`: the recurrent path's gate gradients `dgh_step`
/// times `W_hh` (added to the direct part `dh z` the GRU left there). Through a padded row
/// the state passed unchanged, and so does its gradient (`dh`).
#[inline(always)]
fn previous_hidden_gradient(
    saved: &Saved,
    w_hh: &PackedMatrix,
    t: usize,
    dgh_step: &[f32],
    dh: &[f32],
    dh_prev: &mut [f32],
) {
    let (batch, h) = (saved.dims.batch, saved.dims.hidden);
    let lengths = saved.lengths.as_deref();
    w_hh.matmul(dh_prev, dgh_step, batch, saved.cell == CellKind::Gru);
    for b in (0..batch).filter(|&b| !is_valid(lengths, b, t)) {
        dh_prev[b * h..][..h].copy_from_slice(&dh[b * h..][..h]);
    }
}

/// The products over every step at once: the weight gradients `dgates^T · h_{t-1}` and
/// `dgates^T · x`, the input gradient `dgates · W_ih` (only with `need_x`), and the biases'
/// gradients as column sums of `dgates`.
#[inline(always)]
fn whole_sequence_gradients(saved: &Saved, steps: StepGradients, need_x: bool) -> Grads {
    let StepGradients {
        d_x_gates,
        d_h_gates,
        previous_hidden,
        dh,
        dc,
    } = steps;
    let (cell, inputs) = (saved.cell, &saved.inputs);
    let Dims {
        seq,
        batch,
        input,
        hidden: h,
    } = saved.dims;
    let gh = cell.gates() * h;
    let d_h_gates = if cell == CellKind::Gru {
        &d_h_gates
    } else {
        &d_x_gates
    };
    let rows = seq * batch;
    let mut w_hh_grad = vec![0.0; gh * h];
    PackedMatrix::new(&previous_hidden, rows, h).matmul_transposed(
        &mut w_hh_grad,
        d_h_gates,
        gh,
        false,
    );
    let mut w_ih = vec![0.0; gh * input];
    PackedMatrix::new(&inputs.x, rows, input).matmul_transposed(&mut w_ih, &d_x_gates, gh, false);
    let x = if need_x {
        let mut x = vec![0.0; rows * input];
        PackedMatrix::new(&inputs.w_ih, gh, input).matmul(&mut x, &d_x_gates, rows, false);
        x
    } else {
        Vec::new()
    };
    Grads {
        x,
        h0: dh,
        c0: dc,
        w_ih,
        w_hh: w_hh_grad,
        b_ih: column_sums(&d_x_gates, gh),
        b_hh: column_sums(d_h_gates, gh),
    }
}

/// Sums the rows of a row-major matrix with `cols` columns.
#[inline(always)]
fn column_sums(values: &[f32], cols: usize) -> Vec<f32> {
    let mut sums = vec![0.0; cols];
    for row in values.chunks_exact(cols) {
        for (s, v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
    sums
}
