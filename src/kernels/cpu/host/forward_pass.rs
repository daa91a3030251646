//! The body of [`super::forward`]: the input projection of every step at once, then the time
//! loop (per step, the recurrent product and each cell's update of every batch row), then the
//! final states, what the backward pass reads (with `save`), and the padded outputs zeroed.

use super::cells::{gate_slices, gru_forward_row, lstm_forward_row, rnn_forward};
use super::{Dims, Inputs, Saved, is_valid, time_index};
use crate::cell::{CellKind, Nonlinearity};
use crate::kernels::cpu::activation::{sigmoid_in_place, tanh_in_place};
use crate::kernels::cpu::packed::TransposedWeights;

/// What every step of the time loop reads: the problem, and the input projection.
#[derive(Clone, Copy)]
struct Sequence<'a> {
    cell: CellKind,
    reverse: bool,
    dims: Dims,
    lengths: Option<&'a [usize]>,
    /// `x W_ih^T` with the biases folded in, `[seq, batch, G*H]`.
    projected: &'a [f32],
}

/// One step of the time loop as a cell's update reads and writes it (all `[batch, ..]`).
struct Step<'a> {
    /// The step's time index.
    t: usize,
    /// The step's input projection, `[batch, G*H]`.
    x_gates: &'a [f32],
    /// `h_{t-1} W_hh^T`, `[batch, G*H]`.
    recurrent: &'a [f32],
    /// `h_{t-1}`, `[batch, H]`.
    h_prev: &'a [f32],
    /// `h_t`, written, `[batch, H]`.
    h_next: &'a mut [f32],
}

/// The gate activations the time loop keeps: the backward pass needs every step's, inference
/// only the current step's, so it reuses one step's buffers instead of touching `seq` times as
/// much fresh memory. Empty for the RNN, which keeps none.
struct Kept {
    /// LSTM: `i, f, g, o` after their activations; GRU: `r, z, n`; `[kept, batch, G*H]`.
    gates: Vec<f32>,
    /// LSTM: `c_t`; GRU: `W_hn h_{t-1} + b_hn`; `[kept, batch, H]`.
    extra: Vec<f32>,
    /// Every step is kept (else one).
    save: bool,
}

impl Kept {
    #[inline(always)]
    fn new(cell: CellKind, dims: Dims, save: bool) -> Self {
        let (gh, step_len) = (cell.gates() * dims.hidden, dims.batch * dims.hidden);
        let kept_steps = if save { dims.seq } else { 1 };
        let gates = if matches!(cell, CellKind::Rnn(_)) {
            Vec::new()
        } else {
            vec![0.0; kept_steps * dims.batch * gh]
        };
        let extra = if matches!(cell, CellKind::Rnn(_)) {
            Vec::new()
        } else {
            vec![0.0; kept_steps * step_len]
        };
        Self { gates, extra, save }
    }

    /// Step `t`'s gates `[batch, gh]` and extra values `[batch, h]` (LSTM and GRU only).
    #[inline(always)]
    fn step(&mut self, t: usize, batch: usize, gh: usize, h: usize) -> (&mut [f32], &mut [f32]) {
        let slot = if self.save { t } else { 0 };
        (
            &mut self.gates[slot * batch * gh..][..batch * gh],
            &mut self.extra[slot * batch * h..][..batch * h],
        )
    }
}

#[inline(always)]
pub(super) fn forward_impl(
    cell: CellKind,
    reverse: bool,
    dims: Dims,
    inputs: Inputs,
    lengths: Option<&[usize]>,
    save: bool,
) -> (Vec<f32>, Option<Saved>) {
    let Dims {
        seq,
        batch,
        hidden: h,
        ..
    } = dims;
    let step_len = batch * h;
    let projected = input_projection(cell, dims, &inputs);
    let mut out = vec![0.0; (seq + 2) * step_len];
    let mut kept = Kept::new(cell, dims, save);
    // `W_hh^T` packed once for the per-step products (unless there are only a few).
    let w_hh_t = TransposedWeights::new(&inputs.w_hh, cell.gates() * h, h, seq * batch);
    let sequence = Sequence {
        cell,
        reverse,
        dims,
        lengths,
        projected: &projected,
    };
    let (h_prev, c_prev) = time_loop(sequence, &w_hh_t, &inputs, &mut out, &mut kept);
    out[seq * step_len..(seq + 1) * step_len].copy_from_slice(&h_prev);
    if cell == CellKind::Lstm {
        out[(seq + 1) * step_len..].copy_from_slice(&c_prev);
    }
    // The backward pass reads the held states; the output of a padded step is zero.
    let saved = save.then(|| Saved {
        cell,
        reverse,
        dims,
        hidden: out[..seq * step_len].to_vec(),
        gates: kept.gates,
        extra: kept.extra,
        inputs,
        lengths: lengths.map(<[usize]>::to_vec),
    });
    if let Some(lengths) = lengths {
        zero_padded_outputs(&mut out[..seq * step_len], step_len, h, lengths);
    }
    (out, saved)
}

/// The input projection of every step at once, `x W_ih^T` (`[seq * batch, G*H]`), with every
/// bias that sits outside the recurrence folded in (all but the GRU's `b_hn`).
#[inline(always)]
fn input_projection(cell: CellKind, dims: Dims, inputs: &Inputs) -> Vec<f32> {
    let Dims {
        seq,
        batch,
        input,
        hidden: h,
    } = dims;
    let gh = cell.gates() * h;
    let mut projected = vec![0.0; seq * batch * gh];
    TransposedWeights::new(&inputs.w_ih, gh, input, seq * batch).matmul(
        &mut projected,
        &inputs.x,
        seq * batch,
        false,
    );
    let mut bias = inputs.b_ih.to_vec();
    let folded = if cell == CellKind::Gru { 2 * h } else { gh };
    for (b, hh) in bias[..folded].iter_mut().zip(inputs.b_hh.iter()) {
        *b += hh;
    }
    for row in projected.chunks_exact_mut(gh) {
        for (p, b) in row.iter_mut().zip(&bias) {
            *p += b;
        }
    }
    projected
}

/// The time loop: per step, the recurrent product `h_{t-1} W_hh^T` and the cell's update of
/// every batch row, `h_t` written to `out` in time order. Returns the final hidden and cell
/// states.
#[inline(always)]
fn time_loop(
    sequence: Sequence<'_>,
    w_hh_t: &TransposedWeights<'_>,
    inputs: &Inputs,
    out: &mut [f32],
    kept: &mut Kept,
) -> (Vec<f32>, Vec<f32>) {
    let Sequence {
        cell,
        reverse,
        dims,
        projected,
        ..
    } = sequence;
    let Dims {
        seq,
        batch,
        hidden: h,
        ..
    } = dims;
    let gh = cell.gates() * h;
    let step_len = batch * h;
    let mut h_prev = inputs.h0.to_vec();
    let mut c_prev = inputs.c0.to_vec();
    let mut recurrent = vec![0.0; batch * gh];
    for s in 0..seq {
        let t = time_index(reverse, seq, s);
        w_hh_t.matmul(&mut recurrent, &h_prev, batch, false);
        let h_next = &mut out[t * step_len..(t + 1) * step_len];
        let step = Step {
            t,
            x_gates: &projected[t * batch * gh..(t + 1) * batch * gh],
            recurrent: &recurrent,
            h_prev: &h_prev,
            h_next: &mut *h_next,
        };
        match cell {
            CellKind::Rnn(nonlinearity) => rnn_step(sequence, nonlinearity, step),
            CellKind::Lstm => {
                let (step_gates, c_next) = kept.step(t, batch, gh, h);
                lstm_step(sequence, step, step_gates, &mut c_prev, c_next);
            }
            CellKind::Gru => {
                let (step_gates, hn_step) = kept.step(t, batch, gh, h);
                gru_step(sequence, step, step_gates, hn_step, &inputs.b_hh[2 * h..]);
            }
        }
        h_prev.copy_from_slice(h_next);
    }
    (h_prev, c_prev)
}

/// The RNN's step: `h_t` of every row ([`rnn_forward`]); a padded row's state holds still.
#[inline(always)]
fn rnn_step(sequence: Sequence<'_>, nonlinearity: Nonlinearity, step: Step<'_>) {
    let Step {
        t,
        x_gates,
        recurrent,
        h_prev,
        h_next,
    } = step;
    let (batch, h) = (sequence.dims.batch, sequence.dims.hidden);
    rnn_forward(nonlinearity, x_gates, recurrent, h_next);
    for b in (0..batch).filter(|&b| !is_valid(sequence.lengths, b, t)) {
        h_next[b * h..][..h].copy_from_slice(&h_prev[b * h..][..h]);
    }
}

/// The LSTM's step, row by row: the gates' pre-activations and activations (kept in
/// `step_gates`), then `c_t` into `c_next` and `h_t` ([`lstm_forward_row`]); a padded row's
/// state holds still. Leaves `c_t` in `c_prev` for the next step.
#[inline(always)]
fn lstm_step(
    sequence: Sequence<'_>,
    step: Step<'_>,
    step_gates: &mut [f32],
    c_prev: &mut [f32],
    c_next: &mut [f32],
) {
    let Step {
        t,
        x_gates,
        recurrent,
        h_prev,
        h_next,
    } = step;
    let (batch, h) = (sequence.dims.batch, sequence.dims.hidden);
    let gh = sequence.cell.gates() * h;
    for b in 0..batch {
        if !is_valid(sequence.lengths, b, t) {
            // Padding: the state holds still.
            h_next[b * h..][..h].copy_from_slice(&h_prev[b * h..][..h]);
            c_next[b * h..][..h].copy_from_slice(&c_prev[b * h..][..h]);
            continue;
        }
        let row = &mut step_gates[b * gh..][..gh];
        for ((g, x), r) in row
            .iter_mut()
            .zip(&x_gates[b * gh..])
            .zip(&recurrent[b * gh..])
        {
            *g = x + r;
        }
        sigmoid_in_place(&mut row[..2 * h]);
        tanh_in_place(&mut row[2 * h..3 * h]);
        sigmoid_in_place(&mut row[3 * h..]);
        lstm_forward_row(
            gate_slices(row, h),
            &c_prev[b * h..][..h],
            &mut c_next[b * h..][..h],
            &mut h_next[b * h..][..h],
        );
    }
    c_prev.copy_from_slice(c_next);
}

/// The GRU's step, row by row: `r` and `z` (kept in `step_gates`), then the candidate `n`,
/// `W_hn h_{t-1} + b_hn` (kept in `hn_step`) and `h_t` ([`gru_forward_row`]); a padded row's
/// state holds still.
#[inline(always)]
fn gru_step(
    sequence: Sequence<'_>,
    step: Step<'_>,
    step_gates: &mut [f32],
    hn_step: &mut [f32],
    b_hn: &[f32],
) {
    let Step {
        t,
        x_gates,
        recurrent,
        h_prev,
        h_next,
    } = step;
    let (batch, h) = (sequence.dims.batch, sequence.dims.hidden);
    let gh = sequence.cell.gates() * h;
    for b in 0..batch {
        if !is_valid(sequence.lengths, b, t) {
            h_next[b * h..][..h].copy_from_slice(&h_prev[b * h..][..h]);
            continue;
        }
        let row = &mut step_gates[b * gh..][..gh];
        let x_row = &x_gates[b * gh..][..gh];
        let r_row = &recurrent[b * gh..][..gh];
        for j in 0..2 * h {
            row[j] = x_row[j] + r_row[j];
        }
        sigmoid_in_place(&mut row[..2 * h]);
        let (rz, n) = row.split_at_mut(2 * h);
        let (r, z) = rz.split_at(h);
        let n = &mut n[..h];
        gru_forward_row(
            [r, z],
            [&x_row[2 * h..], &r_row[2 * h..], b_hn],
            &h_prev[b * h..][..h],
            n,
            &mut hn_step[b * h..][..h],
            &mut h_next[b * h..][..h],
        );
    }
}

/// Zeroes the outputs (`[seq, batch, H]`, `step_len` values a step) of every row's padded
/// steps.
#[inline(always)]
fn zero_padded_outputs(outputs: &mut [f32], step_len: usize, h: usize, lengths: &[usize]) {
    for (t, step) in outputs.chunks_exact_mut(step_len).enumerate() {
        for (b, row) in step.chunks_exact_mut(h).enumerate() {
            if t >= lengths[b] {
                row.fill(0.0);
            }
        }
    }
}
