//! One direction of one recurrent layer over a whole sequence, on f32 slices: the forward pass,
//! and its backward pass through time written out by hand.
//!
//! Layout: `x` `[seq, batch, input]`, states `[batch, H]`, weights in PyTorch's layout
//! (`w_ih` `[G*H, input]`, `w_hh` `[G*H, H]`, gates in PyTorch's order). The step equations
//! are those of [`CellKind::step`](crate::kernels::CellKind); the backward pass of each is
//! written next to its forward pass below.

use super::activation::{sigmoid_in_place, tanh, tanh_in_place};
use super::packed::PackedMatrix;
use crate::kernels::{CellKind, Nonlinearity};

/// The sizes of one direction's problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dims {
    pub seq: usize,
    pub batch: usize,
    pub input: usize,
    pub hidden: usize,
}

/// The inputs of one direction, all row-major f32 (and, as [`Grads`], their gradients).
#[derive(Debug, Clone)]
pub(crate) struct Inputs {
    /// `[seq, batch, input]`.
    pub x: Vec<f32>,
    /// `[batch, H]`.
    pub h0: Vec<f32>,
    /// `[batch, H]`, read by the LSTM only.
    pub c0: Vec<f32>,
    /// `[G*H, input]`.
    pub w_ih: Vec<f32>,
    /// `[G*H, H]`.
    pub w_hh: Vec<f32>,
    /// `[G*H]`.
    pub b_ih: Vec<f32>,
    /// `[G*H]`.
    pub b_hh: Vec<f32>,
}

/// What the backward pass reads: the inputs and the activations of every step.
#[derive(Debug, Clone)]
pub(crate) struct Saved {
    cell: CellKind,
    reverse: bool,
    dims: Dims,
    inputs: Inputs,
    /// `h_t` of every step, `[seq, batch, H]` in time order.
    hidden: Vec<f32>,
    /// LSTM: `i, f, g, o` after their activations; GRU: `r, z, n`; `[seq, batch, G*H]`.
    gates: Vec<f32>,
    /// LSTM: `c_t`; GRU: `W_hn h_{t-1} + b_hn`; `[seq, batch, H]`.
    extra: Vec<f32>,
    /// Steps of each batch row, when rows are padded (see [`forward`]).
    lengths: Option<Vec<usize>>,
}

/// The gradients of one direction's inputs, in the layouts of [`Inputs`]; `x` is empty when it
/// was not asked for.
pub(crate) type Grads = Inputs;

/// The time index of processing step `s`: the reverse direction starts at the last step.
fn time_index(reverse: bool, seq: usize, s: usize) -> usize {
    if reverse { seq - 1 - s } else { s }
}

/// Whether batch row `b` has a step `t` (padding past a row's length does not count).
#[inline(always)]
fn is_valid(lengths: Option<&[usize]>, b: usize, t: usize) -> bool {
    lengths.is_none_or(|l| t < l[b])
}

/// A state as processing step `s` found it: `initial` for the first step, else the value the
/// previous step left in `per_step` (`[seq, ..]` in time order, `step_len` values a step).
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

/// Defines `$name` as `$body` compiled twice, for the baseline CPU and for AVX2, and picks one
/// at run time: the gate loops are the kernel's hot spot, and AVX2 doubles their width.
/// (An AVX-512 version measured 25% slower on the seed workload, so there is none.)
macro_rules! multiversioned {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $body:ident) => {
        $(#[$doc])*
        $vis fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) -> $ret {
                    $body($($arg),*)
                }
                // SAFETY: the CPU has AVX2, checked just above.
                return unsafe { avx2($($arg),*) };
            }
            $body($($arg),*)
        }
    };
}

multiversioned! {
    /// Runs the direction over the sequence.
    ///
    /// Returns `[seq + 2, batch, H]`: `h_t` for every step in time order, then the final hidden
    /// state, then the final cell state (zeros for the RNN and GRU), and, with `save`, what
    /// [`backward`] needs.
    ///
    /// With `lengths` (one per batch row, each in `1..=seq`), PyTorch's packed-sequence
    /// semantics: a row's steps from its length on are padding, where its state holds still
    /// and its output is zero. The final state is thus the state at the row's last valid step,
    /// and the reverse direction, which meets the padding first, starts from `h0` at that step.
    pub(crate) fn forward(
        cell: CellKind,
        reverse: bool,
        dims: Dims,
        inputs: Inputs,
        lengths: Option<&[usize]>,
        save: bool
    ) -> (Vec<f32>, Option<Saved>) = forward_impl
}

multiversioned! {
    /// The gradients of [`forward`]'s inputs, given the gradient of its output `[seq + 2, batch, H]`.
    /// `x`'s gradient (the costliest product) is computed only with `need_x`.
    pub(crate) fn backward(saved: &Saved, grad_out: &[f32], need_x: bool) -> Grads = backward_impl
}

#[inline(always)]
fn forward_impl(
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
        input,
        hidden: h,
    } = dims;
    let gh = cell.gates() * h;
    let step_len = batch * h;

    // The input projection of every step at once, with every bias that sits outside the
    // recurrence folded in (all but the GRU's b_hn).
    let mut projected = vec![0.0; seq * batch * gh];
    PackedMatrix::transposed(&inputs.w_ih, gh, input).matmul(
        &mut projected,
        &inputs.x,
        seq * batch,
        false,
    );
    let mut bias = inputs.b_ih.clone();
    let folded = if cell == CellKind::Gru { 2 * h } else { gh };
    for (b, hh) in bias[..folded].iter_mut().zip(&inputs.b_hh) {
        *b += hh;
    }
    for row in projected.chunks_exact_mut(gh) {
        for (p, b) in row.iter_mut().zip(&bias) {
            *p += b;
        }
    }

    let mut out = vec![0.0; (seq + 2) * step_len];
    // The backward pass needs every step's gates; inference only the current step's, so it
    // reuses one step's buffers instead of touching `seq` times as much fresh memory.
    let kept_steps = if save { seq } else { 1 };
    let slot = |t: usize| if save { t } else { 0 };
    let mut gates = if matches!(cell, CellKind::Rnn(_)) {
        Vec::new()
    } else {
        vec![0.0; kept_steps * batch * gh]
    };
    let mut extra = if matches!(cell, CellKind::Rnn(_)) {
        Vec::new()
    } else {
        vec![0.0; kept_steps * step_len]
    };
    // `W_hh^T` packed once for the per-step products.
    let w_hh_t = PackedMatrix::transposed(&inputs.w_hh, gh, h);
    let mut h_prev = inputs.h0.clone();
    let mut c_prev = inputs.c0.clone();
    let mut recurrent = vec![0.0; batch * gh];
    for s in 0..seq {
        let t = time_index(reverse, seq, s);
        w_hh_t.matmul(&mut recurrent, &h_prev, batch, false);
        let x_gates = &projected[t * batch * gh..(t + 1) * batch * gh];
        let h_next = &mut out[t * step_len..(t + 1) * step_len];
        match cell {
            CellKind::Rnn(nonlinearity) => {
                for ((hn, x), r) in h_next.iter_mut().zip(x_gates).zip(&recurrent) {
                    let pre = x + r;
                    *hn = match nonlinearity {
                        Nonlinearity::Tanh => tanh(pre),
                        // Not `max`, which would turn a NaN into 0.
                        Nonlinearity::Relu => {
                            if pre < 0.0 {
                                0.0
                            } else {
                                pre
                            }
                        }
                    };
                }
                for b in (0..batch).filter(|&b| !is_valid(lengths, b, t)) {
                    h_next[b * h..][..h].copy_from_slice(&h_prev[b * h..][..h]);
                }
            }
            CellKind::Lstm => {
                let step_gates = &mut gates[slot(t) * batch * gh..][..batch * gh];
                let c_next = &mut extra[slot(t) * step_len..][..step_len];
                for b in 0..batch {
                    if !is_valid(lengths, b, t) {
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
            CellKind::Gru => {
                let step_gates = &mut gates[slot(t) * batch * gh..][..batch * gh];
                let hn_step = &mut extra[slot(t) * step_len..][..step_len];
                let b_hn = &inputs.b_hh[2 * h..];
                for b in 0..batch {
                    if !is_valid(lengths, b, t) {
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
        }
        h_prev.copy_from_slice(h_next);
    }
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
        gates,
        extra,
        inputs,
        lengths: lengths.map(<[usize]>::to_vec),
    });
    if let Some(lengths) = lengths {
        for (t, step) in out[..seq * step_len].chunks_exact_mut(step_len).enumerate() {
            for (b, row) in step.chunks_exact_mut(h).enumerate() {
                if t >= lengths[b] {
                    row.fill(0.0);
                }
            }
        }
    }
    (out, saved)
}

#[inline(always)]
fn backward_impl(saved: &Saved, grad_out: &[f32], need_x: bool) -> Grads {
    let Saved {
        cell,
        reverse,
        dims,
        inputs,
        hidden,
        gates,
        extra,
        lengths,
    } = saved;
    let (cell, reverse, lengths) = (*cell, *reverse, lengths.as_deref());
    let Dims {
        seq,
        batch,
        input,
        hidden: h,
    } = *dims;
    let gh = cell.gates() * h;
    let step_len = batch * h;
    assert_eq!(
        grad_out.len(),
        (seq + 2) * step_len,
        "output gradient length"
    );

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
    // `W_hh` packed once for the per-step products.
    let w_hh = PackedMatrix::new(&inputs.w_hh, gh, h);
    // h_{t-1} of every step in time order, for the recurrent weights' gradient.
    let mut previous_hidden = vec![0.0; seq * step_len];

    for s in (0..seq).rev() {
        let t = time_index(reverse, seq, s);
        let h_prev = before_step(reverse, s, step_len, &inputs.h0, hidden);
        previous_hidden[t * step_len..(t + 1) * step_len].copy_from_slice(h_prev);
        // A padded step's output is a constant zero: its gradient goes nowhere.
        let grad_step = &grad_out[t * step_len..(t + 1) * step_len];
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
        let dgx = &mut d_x_gates[t * batch * gh..(t + 1) * batch * gh];
        match cell {
            CellKind::Rnn(nonlinearity) => {
                let h_t = &hidden[t * step_len..(t + 1) * step_len];
                for ((g, d), y) in dgx.iter_mut().zip(&dh).zip(h_t) {
                    *g = match nonlinearity {
                        Nonlinearity::Tanh => d * (1.0 - y * y),
                        Nonlinearity::Relu => {
                            if *y > 0.0 {
                                *d
                            } else {
                                0.0
                            }
                        }
                    };
                }
                for b in (0..batch).filter(|&b| !is_valid(lengths, b, t)) {
                    dgx[b * gh..][..gh].fill(0.0);
                }
            }
            CellKind::Lstm => {
                let c_prev = before_step(reverse, s, step_len, &inputs.c0, extra);
                let c_t = &extra[t * step_len..(t + 1) * step_len];
                let step_gates = &gates[t * batch * gh..(t + 1) * batch * gh];
                // A padded row's gate gradients stay zero and its `dc` passes through.
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
            CellKind::Gru => {
                let dgh = &mut d_h_gates[t * batch * gh..(t + 1) * batch * gh];
                let step_gates = &gates[t * batch * gh..(t + 1) * batch * gh];
                let hn_step = &extra[t * step_len..(t + 1) * step_len];
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
        }
        let dgh_step = if cell == CellKind::Gru {
            &d_h_gates[t * batch * gh..(t + 1) * batch * gh]
        } else {
            &d_x_gates[t * batch * gh..(t + 1) * batch * gh]
        };
        w_hh.matmul(&mut dh_prev, dgh_step, batch, cell == CellKind::Gru);
        // Through a padded step the state passed unchanged, and so does its gradient.
        for b in (0..batch).filter(|&b| !is_valid(lengths, b, t)) {
            dh_prev[b * h..][..h].copy_from_slice(&dh[b * h..][..h]);
        }
        std::mem::swap(&mut dh, &mut dh_prev);
    }

    let d_h_gates = if cell == CellKind::Gru {
        &d_h_gates
    } else {
        &d_x_gates
    };
    let rows = seq * batch;
    // The weight gradients `dgates^T · h_{t-1}` and `dgates^T · x` over every step at once.
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

/// One batch row of the LSTM's step after the gate activations: `c = f c_prev + i g`,
/// `h = o tanh(c)`.
#[inline(always)]
fn lstm_forward_row([i, f, g, o]: [&[f32]; 4], c_prev: &[f32], c: &mut [f32], h: &mut [f32]) {
    let len = c.len();
    let (i, f, g, o, c_prev, h) = (
        &i[..len],
        &f[..len],
        &g[..len],
        &o[..len],
        &c_prev[..len],
        &mut h[..len],
    );
    for j in 0..len {
        c[j] = f[j] * c_prev[j] + i[j] * g[j];
        h[j] = o[j] * tanh(c[j]);
    }
}

/// One batch row of the GRU's step after `r` and `z`: `hn = W_hn h_prev + b_hn`,
/// `n = tanh(W_in x + b_in + r hn)`, `h = n + z (h_prev - n)`.
#[inline(always)]
fn gru_forward_row(
    [r, z]: [&[f32]; 2],
    [x_n, recurrent_n, b_hn]: [&[f32]; 3],
    h_prev: &[f32],
    n: &mut [f32],
    hn: &mut [f32],
    h: &mut [f32],
) {
    let len = h.len();
    let (r, z, x_n, recurrent_n, b_hn) = (
        &r[..len],
        &z[..len],
        &x_n[..len],
        &recurrent_n[..len],
        &b_hn[..len],
    );
    let (h_prev, n, hn) = (&h_prev[..len], &mut n[..len], &mut hn[..len]);
    for j in 0..len {
        hn[j] = recurrent_n[j] + b_hn[j];
        n[j] = tanh(x_n[j] + r[j] * hn[j]);
        h[j] = n[j] + z[j] * (h_prev[j] - n[j]);
    }
}

/// One batch row of the LSTM's backward step: from `dh` and the incoming `dc`, the gradients
/// of the four pre-activation gates, and `dc` for the previous step (in place).
///
/// With `h = o tanh(c)` and `c = f c_prev + i g`: `dc += dh o (1 - tanh(c)^2)`, then
/// `di = dc g i (1 - i)`, `df = dc c_prev f (1 - f)`, `dg = dc i (1 - g^2)`,
/// `do = dh tanh(c) o (1 - o)`, `dc_prev = dc f`.
// Separate slices as arguments: the compiler may assume they do not overlap, which it needs
// to vectorise a loop with this many stores.
#[inline(always)]
fn lstm_backward_row(
    [i, f, g, o]: [&[f32]; 4],
    c: &[f32],
    c_prev: &[f32],
    dh: &[f32],
    dc: &mut [f32],
    [di, df, dg, d_o]: [&mut [f32]; 4],
) {
    let h = dc.len();
    let (i, f, g, o, c, c_prev, dh) = (
        &i[..h],
        &f[..h],
        &g[..h],
        &o[..h],
        &c[..h],
        &c_prev[..h],
        &dh[..h],
    );
    let (di, df, dg, d_o) = (&mut di[..h], &mut df[..h], &mut dg[..h], &mut d_o[..h]);
    for j in 0..h {
        let tc = tanh(c[j]);
        let dcj = dc[j] + dh[j] * o[j] * (1.0 - tc * tc);
        di[j] = dcj * g[j] * i[j] * (1.0 - i[j]);
        df[j] = dcj * c_prev[j] * f[j] * (1.0 - f[j]);
        dg[j] = dcj * i[j] * (1.0 - g[j] * g[j]);
        d_o[j] = dh[j] * tc * o[j] * (1.0 - o[j]);
        dc[j] = dcj * f[j];
    }
}

/// One batch row of the GRU's backward step: the gradients of the pre-activation gates on the
/// input path (`dx_*`) and the recurrent path (`dh_*`), and the direct part of `dh_prev`.
///
/// With `h = n + z (h_prev - n)` and `n = tanh(x_n + r hn)`: `dn = dh (1 - z) (1 - n^2)`,
/// `dr = dn hn r (1 - r)`, `dz = dh (h_prev - n) z (1 - z)`; the recurrent path's candidate
/// gradient is `dn r`, and `dh_prev = dh z` before the recurrent product is added.
#[inline(always)]
fn gru_backward_row(
    [r, z, n]: [&[f32]; 3],
    hn: &[f32],
    h_prev: &[f32],
    dh: &[f32],
    [dx_r, dx_z, dx_n]: [&mut [f32]; 3],
    [dh_r, dh_z, dh_n]: [&mut [f32]; 3],
    dh_prev: &mut [f32],
) {
    let h = dh_prev.len();
    let (r, z, n, hn, h_prev, dh) = (&r[..h], &z[..h], &n[..h], &hn[..h], &h_prev[..h], &dh[..h]);
    let (dx_r, dx_z, dx_n) = (&mut dx_r[..h], &mut dx_z[..h], &mut dx_n[..h]);
    let (dh_r, dh_z, dh_n) = (&mut dh_r[..h], &mut dh_z[..h], &mut dh_n[..h]);
    for j in 0..h {
        let dn = dh[j] * (1.0 - z[j]) * (1.0 - n[j] * n[j]);
        let dr = dn * hn[j] * r[j] * (1.0 - r[j]);
        let dz = dh[j] * (h_prev[j] - n[j]) * z[j] * (1.0 - z[j]);
        dx_r[j] = dr;
        dx_z[j] = dz;
        dx_n[j] = dn;
        dh_r[j] = dr;
        dh_z[j] = dz;
        dh_n[j] = dn * r[j];
        dh_prev[j] = dh[j] * z[j];
    }
}

/// An LSTM gate row `[i | f | g | o]` as four slices of exactly `h` values (exact lengths let
/// the compiler drop the bounds checks that would keep the loops over them scalar).
#[inline(always)]
fn gate_slices(row: &[f32], h: usize) -> [&[f32]; 4] {
    [
        &row[..h],
        &row[h..2 * h],
        &row[2 * h..3 * h],
        &row[3 * h..4 * h],
    ]
}

/// Sums the rows of a row-major matrix with `cols` columns.
fn column_sums(values: &[f32], cols: usize) -> Vec<f32> {
    let mut sums = vec![0.0; cols];
    for row in values.chunks_exact(cols) {
        for (s, v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
    sums
}
