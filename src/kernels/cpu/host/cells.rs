//! Each cell's step equations on f32 slices, the backward pass of each next to its forward
//! pass: the RNN over a whole step, the LSTM and GRU one batch row at a time (after the gate
//! activations, which the time loops apply). Every function here runs inside the time loops of
//! [`super::forward`] and [`super::backward`], and is `#[inline(always)]` so that it is compiled
//! with their target features.

use crate::cell::Nonlinearity;
use crate::kernels::cpu::activation::tanh;

/// Every batch row of the RNN's step: `h = tanh(x + r)` or `relu(x + r)`, from the input
/// projection `x` (biases folded in) and the recurrent product `r`.
#[inline(always)]
pub(super) fn rnn_forward(
    nonlinearity: Nonlinearity,
    x_gates: &[f32],
    recurrent: &[f32],
    h_next: &mut [f32],
) {
    for ((hn, x), r) in h_next.iter_mut().zip(x_gates).zip(recurrent) {
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
}

/// Every batch row of the RNN's backward step: the pre-activation's gradient from `dh` and the
/// step's output `y`, `dh (1 - y^2)` for tanh and `dh` where `y > 0` for relu.
#[inline(always)]
pub(super) fn rnn_backward(nonlinearity: Nonlinearity, dh: &[f32], h_t: &[f32], d_pre: &mut [f32]) {
    for ((g, d), y) in d_pre.iter_mut().zip(dh).zip(h_t) {
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
}

/// One batch row of the LSTM's step after the gate activations: `c = f c_prev + i g`,
/// `h = o tanh(c)`.
#[inline(always)]
pub(super) fn lstm_forward_row(
    [i, f, g, o]: [&[f32]; 4],
    c_prev: &[f32],
    c: &mut [f32],
    h: &mut [f32],
) {
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

/// One batch row of the LSTM's backward step: from `dh` and the incoming `dc`, the gradients
/// of the four pre-activation gates, and `dc` for the previous step (in place).
///
/// With `h = o tanh(c)` and `c = f c_prev + i g`: `dc += dh o (1 - tanh(c)^2)`, then
/// `di = dc g i (1 - i)`, `df = dc c_prev f (1 - f)`, `dg = dc i (1 - g^2)`,
/// `do = dh tanh(c) o (1 - o)`, `dc_prev = dc f`.
// Separate slices as arguments: the compiler may assume they do not overlap, which it needs
// to vectorise a loop with this many stores.
#[inline(always)]
pub(super) fn lstm_backward_row(
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

/// One batch row of the GRU's step after `r` and `z`: `hn = W_hn h_prev + b_hn`,
/// `n = tanh(W_in x + b_in + r hn)`, `h = n + z (h_prev - n)`.
#[inline(always)]
pub(super) fn gru_forward_row(
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

/// One batch row of the GRU's backward step: the gradients of the pre-activation gates on the
/// input path (`dx_*`) and the recurrent path (`dh_*`), and the direct part of `dh_prev`.
///
/// With `h = n + z (h_prev - n)` and `n = tanh(x_n + r hn)`: `dn = dh (1 - z) (1 - n^2)`,
/// `dr = dn hn r (1 - r)`, `dz = dh (h_prev - n) z (1 - z)`; the recurrent path's candidate
/// gradient is `dn r`, and `dh_prev = dh z` before the recurrent product is added.
#[inline(always)]
pub(super) fn gru_backward_row(
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
pub(super) fn gate_slices(row: &[f32], h: usize) -> [&[f32]; 4] {
    [
        &row[..h],
        &row[h..2 * h],
        &row[2 * h..3 * h],
        &row[3 * h..4 * h],
    ]
}
