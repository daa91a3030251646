//! `RecurrentStack`: layers x directions x time, the one module inside `SimpleRnn`, `Lstm` and
//! `Gru`. It checks every argument, then runs one of two paths that give the same numbers:
//!
//! - the fused kernel (`fused`, [`crate::kernels`]): on the CPU backends and wgpu in f32, every
//!   layer and direction is one operation, with or without autodiff;
//! - Burn's tensor ops (`tensor_ops`): everywhere else (other float types, wgpu under Burn's
//!   `fusion`).
//!
//! Sequences of different lengths (padded at the end, with their lengths) follow PyTorch's
//! packed sequences on both paths: past a row's length its state holds still and its output is
//! zero, so the final state is that of its last valid step, and the reverse direction, which
//! meets the padding first, starts from the initial state at that step.

use std::sync::Arc;

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig};
use burn::tensor::{DType, Device, Tensor};

use super::error::LayerError;
use super::params::LayerWeights;
use super::spec::StackSpec;
use super::state::RecurrentState;
use super::{fused, tensor_ops};
use crate::cell::CellKind;
use crate::io::ParamName;
use crate::kernels;

/// The module inside every recurrent layer: its weights, the dropout between layers, and its
/// options.
#[derive(Module, Debug)]
pub struct RecurrentStack {
    pub(crate) layers: Vec<LayerWeights>,
    dropout: Dropout,
    #[module(skip)]
    pub(crate) spec: StackSpec,
}

impl RecurrentStack {
    /// Builds the stack after checking `spec`.
    pub(crate) fn new(spec: StackSpec, device: &Device) -> Result<Self, LayerError> {
        spec.validate()?;
        Ok(Self {
            layers: spec.init_weights(device),
            dropout: DropoutConfig::new(spec.dropout).init(),
            spec,
        })
    }

    /// Runs the whole stack over a sequence, checking every argument first.
    ///
    /// `input` is `[batch, seq, input]` (batch first) or `[seq, batch, input]`; the output has the
    /// same layout with `D * H` features. `lengths`, one per batch row in `1..=seq`, marks the
    /// steps past each row's length as padding.
    pub(crate) fn try_forward(
        &self,
        input: Tensor<3>,
        state: Option<RecurrentState>,
        lengths: Option<&[usize]>,
    ) -> Result<(Tensor<3>, RecurrentState), LayerError> {
        let (batch, seq) = self.check_input(input.dims())?;
        if let Some(state) = &state {
            self.check_state(state, batch, &input.device())?;
        }
        let lengths = match lengths {
            Some(lengths) => check_lengths(lengths, batch, seq)?,
            None => None,
        };
        // Time-major inside: each step is a slice of the leading dimension.
        let x = if self.spec.batch_first {
            input.swap_dims(0, 1)
        } else {
            input
        };
        // The kernels have no projection yet: a projected LSTM runs the tensor ops.
        let fused = x.dtype() == self.float_dtype()
            && self.spec.proj_size == 0
            && kernels::applies(&x.device(), x.dtype(), batch, self.spec.hidden_size);
        let (output, state) = if fused {
            fused::forward(&self.spec, &self.layers, &self.dropout, x, state, lengths)
        } else {
            let lengths = lengths.as_deref();
            tensor_ops::forward(&self.spec, &self.layers, &self.dropout, x, state, lengths)
        };
        let output = if self.spec.batch_first {
            output.swap_dims(0, 1)
        } else {
            output
        };
        Ok((output, state))
    }

    /// The `[batch, seq]` of an input, after checking it against the layer.
    fn check_input(&self, dims: [usize; 3]) -> Result<(usize, usize), LayerError> {
        let (batch, seq) = if self.spec.batch_first {
            (dims[0], dims[1])
        } else {
            (dims[1], dims[0])
        };
        check_dims(dims, batch, seq, self.spec.input_size)?;
        Ok((batch, seq))
    }

    /// Checks an initial state against the cell, the batch and the input's device.
    fn check_state(
        &self,
        state: &RecurrentState,
        batch: usize,
        device: &Device,
    ) -> Result<(), LayerError> {
        match (self.spec.cell, &state.cell) {
            (CellKind::Lstm, None) => return Err(LayerError::MissingCellState),
            (cell, Some(_)) if cell != CellKind::Lstm => {
                return Err(LayerError::UnexpectedCellState { cell: cell.name() });
            }
            _ => {}
        }
        let rows = self.spec.state_rows();
        // The name of the hidden state's last dimension, for the error message.
        let hidden_dim = if self.spec.proj_size > 0 {
            "proj_size"
        } else {
            "hidden_size"
        };
        let hidden = ([rows, batch, self.spec.output_size()], hidden_dim);
        self.check_state_tensor("hidden", &state.hidden, hidden, device)?;
        if let Some(cell) = &state.cell {
            let cell_shape = ([rows, batch, self.spec.hidden_size], "hidden_size");
            self.check_state_tensor("cell", cell, cell_shape, device)?;
        }
        Ok(())
    }

    fn check_state_tensor(
        &self,
        which: &'static str,
        tensor: &Tensor<3>,
        (expected, size): ([usize; 3], &'static str),
        device: &Device,
    ) -> Result<(), LayerError> {
        let found = tensor.dims();
        if found != expected {
            return Err(LayerError::StateShapeMismatch {
                which,
                size,
                expected,
                found,
            });
        }
        let state_device = tensor.device();
        if &state_device != device {
            return Err(LayerError::StateDeviceMismatch {
                which,
                expected: format!("{device:?}"),
                found: format!("{state_device:?}"),
            });
        }
        Ok(())
    }

    /// The element type the parameters hold (the device's float type).
    pub(crate) fn float_dtype(&self) -> DType {
        self.layers[0].forward.weight_ih.val().dtype()
    }

    /// PyTorch's name, the path below the stack and the shape of every parameter, in PyTorch's
    /// `state_dict` order; for a one-layer unidirectional stack, also the name PyTorch's cell
    /// (`nn.LSTMCell`, ...) gives it, the layer's name without `_l0`.
    pub(crate) fn pytorch_parameters(&self) -> Vec<ParamName> {
        // PyTorch's cells have no projection.
        let one_cell =
            self.layers.len() == 1 && self.spec.directions() == 1 && self.spec.proj_size == 0;
        let mut params = Vec::new();
        for (k, layer) in self.layers.iter().enumerate() {
            for (direction, weights) in layer.directions().enumerate() {
                let (suffix, field) = if direction == 0 {
                    ("", "forward")
                } else {
                    ("_reverse", "reverse")
                };
                let mut push = |name: &str, shape: Vec<usize>| {
                    params.push(ParamName {
                        pytorch: format!("{name}_l{k}{suffix}"),
                        cell: one_cell.then(|| name.to_string()),
                        module: format!("layers.{k}.{field}.{name}"),
                        shape,
                    });
                };
                push("weight_ih", weights.weight_ih.lazy_shape().to_vec());
                push("weight_hh", weights.weight_hh.lazy_shape().to_vec());
                if let Some(b) = &weights.bias_ih {
                    push("bias_ih", b.lazy_shape().to_vec());
                }
                if let Some(b) = &weights.bias_hh {
                    push("bias_hh", b.lazy_shape().to_vec());
                }
                if let Some(w) = &weights.weight_hr {
                    push("weight_hr", w.lazy_shape().to_vec());
                }
            }
        }
        params
    }
}

/// Checks an input of shape `dims`, holding `batch` sequences of `seq` steps, against a
/// layer reading `input_size` features.
fn check_dims(
    dims: [usize; 3],
    batch: usize,
    seq: usize,
    input_size: usize,
) -> Result<(), LayerError> {
    if dims[2] != input_size {
        return Err(LayerError::InputSizeMismatch {
            expected: input_size,
            found: dims[2],
        });
    }
    if batch == 0 {
        return Err(LayerError::EmptyBatch { shape: dims });
    }
    if seq == 0 {
        return Err(LayerError::EmptySequence { shape: dims });
    }
    Ok(())
}

/// Checks a batch-first input of shape `dims` (`[batch, seq, features]`) and its `lengths`
/// as a layer reading `input_size` features would: for models that transform the input
/// (convolutions) before a layer sees it, so that mistakes are named in the user's terms.
pub(crate) fn check_batch_first(
    dims: [usize; 3],
    input_size: usize,
    lengths: Option<&[usize]>,
) -> Result<(), LayerError> {
    check_dims(dims, dims[0], dims[1], input_size)?;
    match lengths {
        Some(lengths) => check_lengths(lengths, dims[0], dims[1]).map(|_| ()),
        None => Ok(()),
    }
}

/// Checks `lengths` against a `[batch, seq]` input; `None` when no row is padded.
fn check_lengths(
    lengths: &[usize],
    batch: usize,
    seq: usize,
) -> Result<Option<Arc<[usize]>>, LayerError> {
    if lengths.len() != batch {
        return Err(LayerError::LengthCountMismatch {
            expected: batch,
            found: lengths.len(),
        });
    }
    if let Some((sequence, &length)) = lengths
        .iter()
        .enumerate()
        .find(|(_, l)| **l == 0 || **l > seq)
    {
        return Err(LayerError::InvalidSequenceLength {
            sequence,
            length,
            max: seq,
        });
    }
    Ok(lengths.iter().any(|&l| l < seq).then(|| lengths.into()))
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Distribution, TensorData};

    use super::*;

    /// The fused kernel and the tensor-op path (which other float types take) give the same
    /// outputs, final states and gradients on every option.
    #[test]
    fn fused_and_tensor_op_paths_agree() {
        let cpu = crate::device::available()
            .into_iter()
            .filter(|name| *name != "wgpu");
        for name in cpu {
            let device = crate::device::from_name(name).expect("a compiled-in backend");
            let device = device.autodiff();
            assert!(kernels::applies(&device, DType::F32, 1, 1));
            for cell in CellKind::ALL {
                for (num_layers, bidirectional, bias) in [
                    (1, false, true),
                    (2, true, true),
                    (2, false, false),
                    (1, true, false),
                ] {
                    let spec = StackSpec {
                        cell,
                        input_size: 3,
                        hidden_size: 5,
                        proj_size: 0,
                        num_layers,
                        bidirectional,
                        bias,
                        dropout: 0.0,
                        batch_first: false,
                        seed: Some(7),
                    };
                    // Every case both without padding and with rows of 6, 2, 1 and 5 steps.
                    for lengths in [None, Some(Arc::<[usize]>::from([6, 2, 1, 5]))] {
                        paths_agree(spec, [6, 4], lengths, &device, 1e-5);
                    }
                }
            }
        }
    }

    /// On wgpu too, through its fused GPU kernel, on sizes that cross the kernels' tiles and
    /// cubes (64 units of 4 columns; 4 batch rows a cube on a GPU, 16 on lavapipe): hidden 1,
    /// 31, 33, 129 and 257, batch 1, odd and 17, one step; with both tiles.
    #[cfg(feature = "wgpu")]
    #[test]
    fn fused_and_tensor_op_paths_agree_on_wgpu() {
        let device = crate::device::from_name("wgpu")
            .unwrap_or_else(|e| panic!("{e}"))
            .autodiff();
        assert!(kernels::applies(&device, DType::F32, 1, 1));
        for cell in CellKind::ALL {
            for (hidden, seq, batch) in
                [(1, 1, 1), (31, 5, 3), (33, 4, 17), (129, 3, 5), (257, 2, 1)]
            {
                for (num_layers, bidirectional, bias) in [(2, true, true), (1, false, false)] {
                    let spec = StackSpec {
                        cell,
                        input_size: 3,
                        hidden_size: hidden,
                        proj_size: 0,
                        num_layers,
                        bidirectional,
                        bias,
                        dropout: 0.0,
                        batch_first: false,
                        seed: Some(7),
                    };
                    let both = || {
                        paths_agree(spec, [seq, batch], None, &device, 1e-4);
                        if batch > 1 {
                            // Rows of every length down to one step.
                            let lengths: Arc<[usize]> = (0..batch).map(|b| seq - b % seq).collect();
                            paths_agree(spec, [seq, batch], Some(lengths), &device, 1e-4);
                        }
                    };
                    both();
                    kernels::with_card_tile(both);
                }
            }
        }
    }

    /// Runs `spec` over a random `[seq, batch, 3]` input on both paths and compares every
    /// output, final state and gradient to `tolerance` (absolute and relative).
    fn paths_agree(
        spec: StackSpec,
        [seq, batch]: [usize; 2],
        lengths: Option<Arc<[usize]>>,
        device: &Device,
        tolerance: f32,
    ) {
        let stack = RecurrentStack::new(spec, device).expect("a valid spec");
        let normal = |shape: [usize; 3]| {
            Tensor::<3>::random(shape, Distribution::Normal(0.0, 1.0), device).require_grad()
        };
        let hidden = spec.hidden_size;
        let x = normal([seq, batch, spec.input_size]);
        let states = [spec.state_rows(), batch, hidden];
        let h0 = normal(states);
        let c0 = (spec.cell == CellKind::Lstm).then(|| normal(states));
        let weights = normal([seq, batch, spec.directions() * hidden]).detach();
        let run = |fused: bool| {
            let initial = Some(RecurrentState {
                hidden: h0.clone(),
                cell: c0.clone(),
            });
            let (out, state) = if fused {
                fused::forward(
                    &spec,
                    &stack.layers,
                    &stack.dropout,
                    x.clone(),
                    initial,
                    lengths.clone(),
                )
            } else {
                let lengths = lengths.as_deref();
                tensor_ops::forward(
                    &spec,
                    &stack.layers,
                    &stack.dropout,
                    x.clone(),
                    initial,
                    lengths,
                )
            };
            let mut loss = (out.clone() * weights.clone()).sum() + state.hidden.clone().sum() * 0.5;
            if let Some(c) = &state.cell {
                loss = loss + c.clone().sum() * 0.25;
            }
            let grads = loss.backward();
            let mut values = vec![out.into_data(), state.hidden.into_data()];
            values.extend(state.cell.map(|c| c.into_data()));
            let inputs = [Some(&x), Some(&h0), c0.as_ref()];
            for input in inputs.into_iter().flatten() {
                values.push(input.grad(&grads).expect("an input's gradient").into_data());
            }
            values.extend(parameter_gradients(&stack, &grads));
            values
        };
        let (fused, tensor_ops) = (run(true), run(false));
        assert_eq!(fused.len(), tensor_ops.len());
        for (i, (a, b)) in fused.iter().zip(&tensor_ops).enumerate() {
            let (a, b) = (
                a.try_to_vec::<f32>().unwrap(),
                b.try_to_vec::<f32>().unwrap(),
            );
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                assert!(
                    (x - y).abs() <= tolerance + tolerance * y.abs(),
                    "{spec:?} lengths {lengths:?}: value {i}: fused {x} vs tensor ops {y}"
                );
            }
        }
    }

    /// Every parameter's gradient, in PyTorch's order.
    fn parameter_gradients(
        stack: &RecurrentStack,
        grads: &burn::tensor::Gradients,
    ) -> Vec<TensorData> {
        let mut values = Vec::new();
        for w in stack.layers.iter().flat_map(LayerWeights::directions) {
            values.push(w.weight_ih.grad(grads).expect("w_ih").into_data());
            values.push(w.weight_hh.grad(grads).expect("w_hh").into_data());
            for b in [&w.bias_ih, &w.bias_hh].into_iter().flatten() {
                values.push(b.grad(grads).expect("bias").into_data());
            }
        }
        values
    }
}
