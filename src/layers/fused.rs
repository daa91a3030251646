//! The stack through the fused kernel ([`crate::kernels`]): one Burn operation per layer and
//! direction, with a hand-written backward pass, where [`kernels::applies`] holds (the CPU
//! backends and wgpu, in f32). Gives the numbers of the tensor-op path (`tensor_ops`), which the tests
//! check.

use std::sync::Arc;

use burn::module::Param;
use burn::nn::Dropout;
use burn::tensor::{Device, Tensor};

use super::params::{DirectionWeights, LayerWeights};
use super::spec::StackSpec;
use super::state::RecurrentState;
use crate::cell::CellKind;
use crate::kernels;

/// The whole stack over `x` `[seq, batch, input]` (time-major) from `initial` (zeros when
/// `None`): the output `[seq, batch, D * H]` and the final `[L * D, batch, H]` states.
/// `lengths`, one per batch row, marks the steps past each row's length as padding.
pub(super) fn forward(
    spec: &StackSpec,
    layers: &[LayerWeights],
    dropout: &Dropout,
    mut x: Tensor<3>,
    initial: Option<RecurrentState>,
    lengths: Option<Arc<[usize]>>,
) -> (Tensor<3>, RecurrentState) {
    let d = spec.directions();
    let (hidden0, cell0) = match initial {
        Some(state) => (Some(state.hidden), state.cell),
        None => (None, None),
    };
    let mut hiddens = Vec::with_capacity(layers.len() * d);
    let mut cells = Vec::with_capacity(layers.len() * d);
    for (k, layer) in layers.iter().enumerate() {
        if k > 0 {
            // Between layers only, and only while training, like PyTorch's `dropout`.
            x = dropout.forward(x);
        }
        let mut outputs = Vec::with_capacity(d);
        for (direction, weights) in layer.directions().enumerate() {
            let initial = |state: &Option<Tensor<3>>| row_state(state, k * d + direction, &x, spec);
            let [out, h, c] = run_direction(
                spec,
                weights,
                x.clone(),
                [initial(&hidden0), initial(&cell0)],
                direction == 1,
                lengths.clone(),
            );
            outputs.push(out);
            hiddens.push(h);
            cells.push(c);
        }
        x = if d == 1 {
            outputs.pop().expect("one direction")
        } else {
            Tensor::cat(outputs, 2)
        };
    }
    let cell = (spec.cell == CellKind::Lstm).then(|| Tensor::cat(cells, 0));
    (
        x,
        RecurrentState {
            hidden: Tensor::cat(hiddens, 0),
            cell,
        },
    )
}

/// Row `index` of a `[L * D, batch, H]` state as `[batch, H]`, or zeros without a state.
fn row_state(
    state: &Option<Tensor<3>>,
    index: usize,
    x: &Tensor<3>,
    spec: &StackSpec,
) -> Tensor<2> {
    let batch = x.dims()[1];
    match state {
        Some(state) => state
            .clone()
            .narrow(0, index, 1)
            .reshape([batch, spec.hidden_size]),
        None => Tensor::zeros([batch, spec.hidden_size], &x.device()),
    }
}

/// One direction through the kernel: its output `[seq, batch, H]` and final `h`, `c`
/// `[1, batch, H]` (`c` zeros but for the LSTM).
fn run_direction(
    spec: &StackSpec,
    weights: &DirectionWeights,
    x: Tensor<3>,
    [h0, c0]: [Tensor<2>; 2],
    reverse: bool,
    lengths: Option<Arc<[usize]>>,
) -> [Tensor<3>; 3] {
    let seq = x.dims()[0];
    let device: Device = x.device();
    let gate_rows = spec.cell.gates() * spec.hidden_size;
    let bias = |param: &Option<Param<Tensor<1>>>| match param {
        Some(bias) => bias.val(),
        None => Tensor::zeros([gate_rows], &device),
    };
    let out = kernels::direction(
        x,
        h0,
        c0,
        weights.weight_ih.val(),
        weights.weight_hh.val(),
        bias(&weights.bias_ih),
        bias(&weights.bias_hh),
        spec.cell,
        reverse,
        lengths,
    );
    [
        out.clone().narrow(0, 0, seq),
        out.clone().narrow(0, seq, 1),
        out.narrow(0, seq + 1, 1),
    ]
}
