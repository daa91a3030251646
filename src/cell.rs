//! The cells: which recurrence a layer runs ([`CellKind`], what both the layers and the kernels
//! need) and its step equations on Burn tensors (the tensor-op path, and the reference the fused
//! kernels are tested against).
//!
//! Every tensor in [`CellKind::step`] carries the directions of one layer in its first
//! dimension, `[D, batch, ..]` with `D` = 1 or 2, so both directions of a bidirectional layer
//! advance in one set of ops.

use burn::config::Config;
use burn::tensor::Tensor;
use burn::tensor::activation::{relu, sigmoid, tanh};

/// The activation of a [`SimpleRnn`](crate::SimpleRnn), as PyTorch's `nonlinearity` argument.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum Nonlinearity {
    /// `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)` (the default, PyTorch's `"tanh"`).
    Tanh,
    /// `h' = relu(W_ih x + b_ih + W_hh h + b_hh)` (PyTorch's `"relu"`).
    Relu,
}

/// Which recurrence a stack runs; the weight layout follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellKind {
    Rnn(Nonlinearity),
    Lstm,
    Gru,
}

impl CellKind {
    /// Every cell, for tests that cover them all.
    #[cfg(test)]
    pub(crate) const ALL: [CellKind; 4] = [
        CellKind::Rnn(Nonlinearity::Tanh),
        CellKind::Rnn(Nonlinearity::Relu),
        CellKind::Lstm,
        CellKind::Gru,
    ];

    /// The cell's name in messages: `"RNN"`, `"LSTM"` or `"GRU"`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            CellKind::Rnn(_) => "RNN",
            CellKind::Lstm => "LSTM",
            CellKind::Gru => "GRU",
        }
    }

    /// Gates stacked in `weight_ih`/`weight_hh`: PyTorch's `G` in `[G * hidden, ..]`.
    pub(crate) fn gates(self) -> usize {
        match self {
            CellKind::Rnn(_) => 1,
            CellKind::Lstm => 4,
            CellKind::Gru => 3,
        }
    }

    /// Advances one time step.
    ///
    /// - `input_gates`: `[D, batch, G * hidden]`, the input projection of this step with every
    ///   bias folded in except GRU's `b_hn`.
    /// - `hidden`, `cell`: `[D, batch, hidden]`; `cell` only for the LSTM.
    /// - `weight_hh_t`: `[D, hidden, G * hidden]`, the transposed recurrent weights.
    /// - `bias_hn`: GRU only, `[D, 1, hidden]`, the bias inside `r * (W_hn h + b_hn)`.
    pub(crate) fn step(
        self,
        input_gates: Tensor<3>,
        hidden: Tensor<3>,
        cell: Option<Tensor<3>>,
        weight_hh_t: &Tensor<3>,
        bias_hn: Option<&Tensor<3>>,
    ) -> (Tensor<3>, Option<Tensor<3>>) {
        let hidden_gates = hidden.clone().matmul(weight_hh_t.clone());
        match self {
            CellKind::Rnn(nonlinearity) => {
                let pre = input_gates + hidden_gates;
                let next = match nonlinearity {
                    Nonlinearity::Tanh => tanh(pre),
                    Nonlinearity::Relu => relu(pre),
                };
                (next, None)
            }
            CellKind::Lstm => {
                // i, f, g, o: PyTorch's gate order.
                let [d, b, g4] = input_gates.dims();
                let h = g4 / 4;
                let gates = input_gates + hidden_gates;
                let input_forget = sigmoid(gates.clone().slice([0..d, 0..b, 0..2 * h]));
                let candidate = tanh(gates.clone().slice([0..d, 0..b, 2 * h..3 * h]));
                let output_gate = sigmoid(gates.slice([0..d, 0..b, 3 * h..4 * h]));
                let input_gate = input_forget.clone().slice([0..d, 0..b, 0..h]);
                let forget_gate = input_forget.slice([0..d, 0..b, h..2 * h]);
                let cell = cell.expect("the LSTM stack always carries a cell state");
                let next_cell = forget_gate * cell + input_gate * candidate;
                let next_hidden = output_gate * tanh(next_cell.clone());
                (next_hidden, Some(next_cell))
            }
            CellKind::Gru => {
                // r, z, n: PyTorch's gate order; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
                let [d, b, g3] = input_gates.dims();
                let h = g3 / 3;
                let reset_update = sigmoid(
                    input_gates.clone().slice([0..d, 0..b, 0..2 * h])
                        + hidden_gates.clone().slice([0..d, 0..b, 0..2 * h]),
                );
                let reset = reset_update.clone().slice([0..d, 0..b, 0..h]);
                let update = reset_update.slice([0..d, 0..b, h..2 * h]);
                let mut hidden_new = hidden_gates.slice([0..d, 0..b, 2 * h..3 * h]);
                if let Some(bias_hn) = bias_hn {
                    hidden_new = hidden_new + bias_hn.clone();
                }
                let candidate =
                    tanh(input_gates.slice([0..d, 0..b, 2 * h..3 * h]) + reset * hidden_new);
                // (1 - z) * n + z * h, with one multiply fewer.
                let next = candidate.clone() + update * (hidden - candidate);
                (next, None)
            }
        }
    }
}
