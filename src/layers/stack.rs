//! Layers x directions x time: the one driver that `SimpleRnn`, `Lstm` and `Gru` share.
//!
//! On the CPU backends in f32 every layer and direction is one fused operation
//! ([`crate::kernels`]), with or without autodiff. Elsewhere (wgpu, other float types) the
//! stack is built from Burn's tensor ops, as follows.
//!
//! Per layer, the input projection of every time step and both directions is one batched matmul
//! before the time loop (`[D, seq * batch, input] x [D, input, G * H]`), with `b_ih + b_hh` folded
//! into it; each step is then one batched matmul for the hidden path
//! (`[D, batch, H] x [D, H, G * H]`) plus the gate arithmetic, and the outputs are stacked once at
//! the end. The reverse direction reads a time-flipped copy of the input, so both directions
//! advance together.
//!
//! Sequences of different lengths (padded at the end, with their lengths) follow PyTorch's
//! packed sequences on both paths: past a row's length its state holds still and its output is
//! zero, so the final state is that of its last valid step, and the reverse direction, which
//! meets the padding first, starts from the initial state at that step.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig};
use std::sync::Arc;

use burn::tensor::{DType, Device, Tensor, TensorData};

use super::cell::CellKind;
use super::params::{DirectionWeights, LayerWeights, UniformInit};
use crate::RecurrentError;
use crate::io::pytorch::ParamName;
use crate::kernels;

/// Every option of a recurrent layer, shared by the three layer configs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StackSpec {
    pub cell: CellKind,
    pub input_size: usize,
    pub hidden_size: usize,
    pub num_layers: usize,
    pub bidirectional: bool,
    pub bias: bool,
    pub dropout: f64,
    pub batch_first: bool,
    pub seed: Option<u64>,
}

impl StackSpec {
    /// Checks the options once, before any tensor is made.
    pub(crate) fn validate(&self) -> Result<(), RecurrentError> {
        if self.num_layers == 0 {
            return Err(RecurrentError::ZeroLayers);
        }
        if self.input_size == 0 {
            return Err(RecurrentError::ZeroInputSize);
        }
        if self.hidden_size == 0 {
            return Err(RecurrentError::ZeroHiddenSize);
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(RecurrentError::InvalidDropout {
                dropout: self.dropout,
            });
        }
        Ok(())
    }

    pub(crate) fn directions(&self) -> usize {
        if self.bidirectional { 2 } else { 1 }
    }

    /// Builds the stack after [`validate`](Self::validate).
    pub(crate) fn try_init(self, device: &Device) -> Result<RecurrentStack, RecurrentError> {
        self.validate()?;
        let mut init = UniformInit::new(self.hidden_size, self.seed);
        let gate_rows = self.cell.gates() * self.hidden_size;
        let layers = (0..self.num_layers)
            .map(|k| {
                let input = if k == 0 {
                    self.input_size
                } else {
                    self.directions() * self.hidden_size
                };
                let mut direction =
                    || init.direction(gate_rows, input, self.hidden_size, self.bias, device);
                let forward = direction();
                let reverse = self.bidirectional.then(direction);
                LayerWeights { forward, reverse }
            })
            .collect();
        Ok(RecurrentStack {
            layers,
            dropout: DropoutConfig::new(self.dropout).init(),
            spec: self,
        })
    }
}

/// The state a stack carries between calls: `[num_layers * num_directions, batch, hidden]` each.
#[derive(Debug, Clone)]
pub(crate) struct StackState {
    pub hidden: Tensor<3>,
    pub cell: Option<Tensor<3>>,
}

/// The shared module inside every recurrent layer.
#[derive(Module, Debug)]
pub(crate) struct RecurrentStack {
    pub(crate) layers: Vec<LayerWeights>,
    dropout: Dropout,
    #[module(skip)]
    pub(crate) spec: StackSpec,
}

impl RecurrentStack {
    /// The `[batch, seq]` of an input, after checking it against the layer.
    fn check_input(&self, dims: [usize; 3]) -> Result<(usize, usize), RecurrentError> {
        let (batch, seq) = if self.spec.batch_first {
            (dims[0], dims[1])
        } else {
            (dims[1], dims[0])
        };
        if dims[2] != self.spec.input_size {
            return Err(RecurrentError::InputSizeMismatch {
                expected: self.spec.input_size,
                found: dims[2],
            });
        }
        if batch == 0 {
            return Err(RecurrentError::EmptyBatch { shape: dims });
        }
        if seq == 0 {
            return Err(RecurrentError::EmptySequence { shape: dims });
        }
        Ok((batch, seq))
    }

    fn check_state_tensor(
        &self,
        which: &'static str,
        tensor: &Tensor<3>,
        batch: usize,
        device: &Device,
    ) -> Result<(), RecurrentError> {
        let expected = [
            self.spec.num_layers * self.spec.directions(),
            batch,
            self.spec.hidden_size,
        ];
        let found = tensor.dims();
        if found != expected {
            return Err(RecurrentError::StateShapeMismatch {
                which,
                expected,
                found,
            });
        }
        let state_device = tensor.device();
        if &state_device != device {
            return Err(RecurrentError::StateDeviceMismatch {
                which,
                expected: format!("{device:?}"),
                found: format!("{state_device:?}"),
            });
        }
        Ok(())
    }

    /// Runs the whole stack over a sequence, checking every argument first.
    ///
    /// `input` is `[batch, seq, input]` (batch first) or `[seq, batch, input]`; the output has the
    /// same layout with `D * H` features. `lengths`, one per batch row in `1..=seq`, marks the
    /// steps past each row's length as padding.
    pub(crate) fn try_forward(
        &self,
        input: Tensor<3>,
        state: Option<StackState>,
        lengths: Option<&[usize]>,
    ) -> Result<(Tensor<3>, StackState), RecurrentError> {
        let (batch, seq) = self.check_input(input.dims())?;
        let device = input.device();
        if let Some(state) = &state {
            self.check_state_tensor("hidden", &state.hidden, batch, &device)?;
            if let Some(cell) = &state.cell {
                self.check_state_tensor("cell", cell, batch, &device)?;
            }
        }
        let lengths = match lengths {
            Some(lengths) => check_lengths(lengths, batch, seq)?,
            None => None,
        };
        Ok(self.forward_checked(input, state, lengths, batch, &device))
    }

    fn forward_checked(
        &self,
        input: Tensor<3>,
        state: Option<StackState>,
        lengths: Option<Arc<[usize]>>,
        batch: usize,
        device: &Device,
    ) -> (Tensor<3>, StackState) {
        let (hidden0, cell0) = match state {
            Some(StackState { hidden, cell }) => (Some(hidden), cell),
            None => (None, None),
        };
        // Time-major inside: each step is a slice of the leading dimension.
        let x = if self.spec.batch_first {
            input.swap_dims(0, 1)
        } else {
            input
        };
        let fused = x.dtype() == self.float_dtype() && kernels::applies(device, x.dtype());
        let (x, hidden, cell) = if fused {
            self.forward_fused(x, hidden0, cell0, lengths, batch, device)
        } else {
            self.forward_tensor_ops(x, hidden0, cell0, lengths.as_deref(), batch, device)
        };
        let output = if self.spec.batch_first {
            x.swap_dims(0, 1)
        } else {
            x
        };
        (output, StackState { hidden, cell })
    }

    /// The stack built from Burn's tensor ops, for any backend. `x` is `[seq, batch, input]`;
    /// returns the output `[seq, batch, D * H]` and the final `[L * D, batch, H]` states.
    fn forward_tensor_ops(
        &self,
        x: Tensor<3>,
        hidden0: Option<Tensor<3>>,
        cell0: Option<Tensor<3>>,
        lengths: Option<&[usize]>,
        batch: usize,
        device: &Device,
    ) -> (Tensor<3>, Tensor<3>, Option<Tensor<3>>) {
        let spec = &self.spec;
        let d = spec.directions();
        let has_cell = spec.cell == CellKind::Lstm;
        let zeros = || Tensor::<3>::zeros([d, batch, spec.hidden_size], device);
        let masks = lengths.map(|lengths| step_masks(lengths, x.dims()[0], d, x.dtype(), device));
        let masks = masks.as_deref();
        // With autodiff, sequences travel between layers as one tensor per step: the backward
        // of slicing a step out of a whole-sequence tensor writes a zero tensor of the whole
        // sequence's size, which makes the backward pass quadratic in the sequence length.
        let mut sequence = if device.is_autodiff() {
            let seq = x.dims()[0];
            Sequence::Steps(
                x.chunk(seq, 0)
                    .into_iter()
                    .map(|step| step.squeeze_dim(0))
                    .collect(),
            )
        } else {
            Sequence::Whole(x)
        };
        let mut hiddens = Vec::with_capacity(self.layers.len());
        let mut cells = Vec::with_capacity(self.layers.len());
        for (k, layer) in self.layers.iter().enumerate() {
            if k > 0 {
                // Between layers only, and only while training (Burn's Dropout checks both
                // autodiff and the module's train/valid flag), like PyTorch's `dropout`.
                sequence = match sequence {
                    Sequence::Whole(x) => Sequence::Whole(self.dropout.forward(x)),
                    Sequence::Steps(steps) => Sequence::Steps(
                        steps.into_iter().map(|x| self.dropout.forward(x)).collect(),
                    ),
                };
            }
            let h0 = hidden0
                .as_ref()
                .map_or_else(zeros, |h| h.clone().narrow(0, k * d, d));
            let c0 = has_cell.then(|| {
                cell0
                    .as_ref()
                    .map_or_else(zeros, |c| c.clone().narrow(0, k * d, d))
            });
            let prepared = self.prepare(layer);
            let (out, h, c) = match sequence {
                Sequence::Whole(x) => {
                    let (out, h, c) = self.run_whole(&prepared, x, h0, c0, masks);
                    (Sequence::Whole(out), h, c)
                }
                Sequence::Steps(steps) => {
                    let (out, h, c) = self.run_steps(&prepared, steps, h0, c0, masks);
                    (Sequence::Steps(out), h, c)
                }
            };
            sequence = out;
            hiddens.push(h);
            cells.extend(c);
        }
        let x = match sequence {
            Sequence::Whole(x) => x,
            Sequence::Steps(steps) => Tensor::stack(steps, 0),
        };
        (
            x,
            Tensor::cat(hiddens, 0),
            has_cell.then(|| Tensor::cat(cells, 0)),
        )
    }

    /// The stack through the fused kernel ([`crate::kernels`]): one operation per layer and
    /// direction. `x` is `[seq, batch, input]`; returns the output `[seq, batch, D * H]` and the
    /// final `[L * D, batch, H]` states.
    fn forward_fused(
        &self,
        mut x: Tensor<3>,
        hidden0: Option<Tensor<3>>,
        cell0: Option<Tensor<3>>,
        lengths: Option<Arc<[usize]>>,
        batch: usize,
        device: &Device,
    ) -> (Tensor<3>, Tensor<3>, Option<Tensor<3>>) {
        let spec = &self.spec;
        let (h, d) = (spec.hidden_size, spec.directions());
        let seq = x.dims()[0];
        let gate_rows = spec.cell.gates() * h;
        let initial = |state: &Option<Tensor<3>>, index: usize| match state {
            Some(state) => state.clone().narrow(0, index, 1).reshape([batch, h]),
            None => Tensor::zeros([batch, h], device),
        };
        let mut hiddens = Vec::with_capacity(self.layers.len() * d);
        let mut cells = Vec::with_capacity(self.layers.len() * d);
        for (k, layer) in self.layers.iter().enumerate() {
            if k > 0 {
                x = self.dropout.forward(x);
            }
            let mut outputs = Vec::with_capacity(d);
            for (direction, weights) in layer.directions().enumerate() {
                let index = k * d + direction;
                let bias = |param: &Option<burn::module::Param<Tensor<1>>>| match param {
                    Some(bias) => bias.val(),
                    None => Tensor::zeros([gate_rows], device),
                };
                let out = kernels::direction(
                    x.clone(),
                    initial(&hidden0, index),
                    initial(&cell0, index),
                    weights.weight_ih.val(),
                    weights.weight_hh.val(),
                    bias(&weights.bias_ih),
                    bias(&weights.bias_hh),
                    spec.cell,
                    direction == 1,
                    lengths.clone(),
                );
                outputs.push(out.clone().narrow(0, 0, seq));
                hiddens.push(out.clone().narrow(0, seq, 1));
                cells.push(out.narrow(0, seq + 1, 1));
            }
            x = if d == 1 {
                outputs.pop().expect("one direction")
            } else {
                Tensor::cat(outputs, 2)
            };
        }
        let cell = (spec.cell == CellKind::Lstm).then(|| Tensor::cat(cells, 0));
        (x, Tensor::cat(hiddens, 0), cell)
    }

    /// A layer's weights as the time loops use them, directions stacked.
    fn prepare(&self, layer: &LayerWeights) -> PreparedLayer {
        let directions: Vec<&DirectionWeights> = layer.directions().collect();
        let (folded_bias, bias_hn) = self.biases(&directions);
        PreparedLayer {
            directions: directions.len(),
            weight_ih_t: stack_directions(&directions, |w| w.weight_ih.val().transpose()),
            weight_hh_t: stack_directions(&directions, |w| w.weight_hh.val().transpose()),
            folded_bias,
            bias_hn,
        }
    }

    /// One layer over a whole-sequence tensor (inference): the input projection of every step
    /// and both directions is one batched matmul before the time loop.
    ///
    /// `x`: `[seq, batch, input]`; `h0`, `c0`: `[D, batch, H]`. Returns the output
    /// `[seq, batch, D * H]` and the final `[D, batch, H]` states.
    fn run_whole(
        &self,
        layer: &PreparedLayer,
        x: Tensor<3>,
        h0: Tensor<3>,
        c0: Option<Tensor<3>>,
        masks: Option<&[StepMask]>,
    ) -> (Tensor<3>, Tensor<3>, Option<Tensor<3>>) {
        let [seq, batch, input] = x.dims();
        let hidden_size = self.spec.hidden_size;
        let gate_width = self.spec.cell.gates() * hidden_size;
        let d = layer.directions;

        let inputs = if d == 1 {
            x.reshape([1, seq * batch, input])
        } else {
            Tensor::stack::<4>(vec![x.clone(), x.flip([0])], 0).reshape([2, seq * batch, input])
        };
        let mut projected = inputs.matmul(layer.weight_ih_t.clone());
        if let Some(bias) = &layer.folded_bias {
            projected = projected + bias.clone();
        }
        // [D, seq, batch, G*H] -> [seq, D, batch, G*H]: one slice per step.
        let projected = projected
            .reshape([d, seq, batch, gate_width])
            .swap_dims(0, 1);

        let mut hidden = h0;
        let mut cell = c0;
        let mut outputs = Vec::with_capacity(seq);
        for (s, step_gates) in projected.chunk(seq, 0).into_iter().enumerate() {
            let output;
            (output, hidden, cell) = self.step(
                layer,
                step_gates.reshape([d, batch, gate_width]),
                hidden,
                cell,
                masks.map(|m| &m[s]),
            );
            outputs.push(output);
        }

        let outputs = Tensor::stack::<4>(outputs, 0); // [seq, D, batch, H]
        let output = if d == 1 {
            outputs.reshape([seq, batch, hidden_size])
        } else {
            let forward = outputs
                .clone()
                .narrow(1, 0, 1)
                .reshape([seq, batch, hidden_size]);
            // The reverse direction ran over flipped time: flip its outputs back.
            let reverse = outputs
                .narrow(1, 1, 1)
                .reshape([seq, batch, hidden_size])
                .flip([0]);
            Tensor::cat(vec![forward, reverse], 2)
        };
        (output, hidden, cell)
    }

    /// One layer over one tensor per step (training): each step projects its own input, so
    /// the backward pass stays linear in the sequence length.
    ///
    /// `steps`: `seq` tensors `[batch, input]`; `h0`, `c0`: `[D, batch, H]`. Returns one output
    /// `[batch, D * H]` per step and the final `[D, batch, H]` states.
    fn run_steps(
        &self,
        layer: &PreparedLayer,
        steps: Vec<Tensor<2>>,
        h0: Tensor<3>,
        c0: Option<Tensor<3>>,
        masks: Option<&[StepMask]>,
    ) -> (Vec<Tensor<2>>, Tensor<3>, Option<Tensor<3>>) {
        let seq = steps.len();
        let [batch, _] = steps[0].dims();
        let hidden_size = self.spec.hidden_size;
        let d = layer.directions;

        let mut hidden = h0;
        let mut cell = c0;
        let mut forward = Vec::with_capacity(seq);
        let mut reverse = Vec::with_capacity(if d == 2 { seq } else { 0 });
        for s in 0..seq {
            let inputs: Tensor<3> = if d == 1 {
                steps[s].clone().unsqueeze_dim(0)
            } else {
                // The reverse direction reads the sequence from its end.
                Tensor::stack(vec![steps[s].clone(), steps[seq - 1 - s].clone()], 0)
            };
            let mut gates = inputs.matmul(layer.weight_ih_t.clone());
            if let Some(bias) = &layer.folded_bias {
                gates = gates + bias.clone();
            }
            let output;
            (output, hidden, cell) = self.step(layer, gates, hidden, cell, masks.map(|m| &m[s]));
            if d == 1 {
                forward.push(output.reshape([batch, hidden_size]));
            } else {
                forward.push(output.clone().narrow(0, 0, 1).reshape([batch, hidden_size]));
                reverse.push(output.narrow(0, 1, 1).reshape([batch, hidden_size]));
            }
        }
        let outputs = if d == 1 {
            forward
        } else {
            // reverse[s] belongs to step seq - 1 - s.
            forward
                .into_iter()
                .zip(reverse.into_iter().rev())
                .map(|(f, r)| Tensor::cat(vec![f, r], 1))
                .collect()
        };
        (outputs, hidden, cell)
    }

    /// One step of every direction: the output `[D, batch, H]` and the new states. With a
    /// mask, padded rows keep their states and output zeros.
    fn step(
        &self,
        layer: &PreparedLayer,
        input_gates: Tensor<3>,
        hidden: Tensor<3>,
        cell: Option<Tensor<3>>,
        mask: Option<&StepMask>,
    ) -> (Tensor<3>, Tensor<3>, Option<Tensor<3>>) {
        let (next_hidden, next_cell) = self.spec.cell.step(
            input_gates,
            hidden.clone(),
            cell.clone(),
            &layer.weight_hh_t,
            layer.bias_hn.as_ref(),
        );
        match mask {
            None => (next_hidden.clone(), next_hidden, next_cell),
            Some(StepMask { valid, padded }) => {
                let hold = |next: Tensor<3>, previous: Tensor<3>| {
                    next * valid.clone() + previous * padded.clone()
                };
                let output = next_hidden.clone() * valid.clone();
                let hidden = hold(next_hidden, hidden);
                let cell = next_cell
                    .zip(cell)
                    .map(|(next, previous)| hold(next, previous));
                (output, hidden, cell)
            }
        }
    }

    /// The biases as the time loop uses them: `[D, 1, G*H]` added to the input projection, and
    /// for the GRU `b_hn` `[D, 1, H]`, which must stay inside `r * (W_hn h + b_hn)`.
    fn biases(&self, directions: &[&DirectionWeights]) -> (Option<Tensor<3>>, Option<Tensor<3>>) {
        if !self.spec.bias {
            return (None, None);
        }
        let bias = |w: &DirectionWeights, hidden: bool| {
            let param = if hidden { &w.bias_hh } else { &w.bias_ih };
            param
                .as_ref()
                .expect("a layer built with bias has every bias")
                .val()
        };
        let h = self.spec.hidden_size;
        let gate_width = self.spec.cell.gates() * h;
        let d = directions.len();
        match self.spec.cell {
            CellKind::Gru => {
                let folded: Tensor<2> = stack_directions(directions, |w| {
                    let bias_hh = bias(w, true);
                    let device = bias_hh.device();
                    let bias_hh_rz = Tensor::cat(
                        vec![bias_hh.narrow(0, 0, 2 * h), Tensor::zeros([h], &device)],
                        0,
                    );
                    bias(w, false) + bias_hh_rz
                });
                let bias_hn: Tensor<2> =
                    stack_directions(directions, |w| bias(w, true).narrow(0, 2 * h, h));
                (
                    Some(folded.reshape([d, 1, gate_width])),
                    Some(bias_hn.reshape([d, 1, h])),
                )
            }
            _ => {
                let folded: Tensor<2> =
                    stack_directions(directions, |w| bias(w, false) + bias(w, true));
                (Some(folded.reshape([d, 1, gate_width])), None)
            }
        }
    }

    /// The element type the parameters hold (the device's float type).
    pub(crate) fn float_dtype(&self) -> DType {
        self.layers[0].forward.weight_ih.val().dtype()
    }

    /// PyTorch's name, the path below the stack and the shape of every parameter, in PyTorch's
    /// `state_dict` order.
    pub(crate) fn pytorch_parameters(&self) -> Vec<ParamName> {
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
            }
        }
        params
    }
}

/// Checks `lengths` against a `[batch, seq]` input; `None` when no row is padded.
fn check_lengths(
    lengths: &[usize],
    batch: usize,
    seq: usize,
) -> Result<Option<Arc<[usize]>>, RecurrentError> {
    if lengths.len() != batch {
        return Err(RecurrentError::LengthCountMismatch {
            expected: batch,
            found: lengths.len(),
        });
    }
    if let Some((sequence, &length)) = lengths
        .iter()
        .enumerate()
        .find(|(_, l)| **l == 0 || **l > seq)
    {
        return Err(RecurrentError::InvalidSequenceLength {
            sequence,
            length,
            max: seq,
        });
    }
    Ok(lengths.iter().any(|&l| l < seq).then(|| lengths.into()))
}

/// Which rows a processing step updates, for every direction: `valid` is 1 where the step
/// is within the row's length, `padded` is `1 - valid`; both `[D, batch, 1]`.
struct StepMask {
    valid: Tensor<3>,
    padded: Tensor<3>,
}

/// One [`StepMask`] per processing step. Direction 0 processes time `s` at step `s`, the
/// reverse direction time `seq - 1 - s`.
fn step_masks(
    lengths: &[usize],
    seq: usize,
    directions: usize,
    dtype: DType,
    device: &Device,
) -> Vec<StepMask> {
    let batch = lengths.len();
    (0..seq)
        .map(|s| {
            let valid: Vec<f32> = (0..directions)
                .flat_map(|d| {
                    let t = if d == 0 { s } else { seq - 1 - s };
                    lengths.iter().map(move |&l| if t < l { 1.0 } else { 0.0 })
                })
                .collect();
            let valid =
                Tensor::<3>::from_data(TensorData::new(valid, [directions, batch, 1]), device)
                    .cast(dtype);
            StepMask {
                padded: valid.clone().neg() + 1.0,
                valid,
            }
        })
        .collect()
}

/// A sequence between layers: one time-major tensor, or one tensor per step.
// One value per layer and forward pass: boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Sequence {
    /// `[seq, batch, features]`.
    Whole(Tensor<3>),
    /// `seq` tensors `[batch, features]`.
    Steps(Vec<Tensor<2>>),
}

/// One layer's weights with the directions stacked: `weight_ih_t` `[D, input, G*H]`,
/// `weight_hh_t` `[D, H, G*H]`, biases as [`RecurrentStack::biases`] gives them.
struct PreparedLayer {
    directions: usize,
    weight_ih_t: Tensor<3>,
    weight_hh_t: Tensor<3>,
    folded_bias: Option<Tensor<3>>,
    bias_hn: Option<Tensor<3>>,
}

/// Stacks one tensor per direction along a new leading dimension.
fn stack_directions<const N: usize, const M: usize>(
    directions: &[&DirectionWeights],
    f: impl Fn(&DirectionWeights) -> Tensor<N>,
) -> Tensor<M> {
    Tensor::stack(directions.iter().map(|w| f(w)).collect(), 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    /// The fused kernel and the tensor-op path (which wgpu runs, and which the wgpu tests pin to
    /// PyTorch) give the same outputs, final states and gradients on every option.
    #[test]
    fn fused_and_tensor_op_paths_agree() {
        let cpu = crate::device::available()
            .into_iter()
            .filter(|name| *name != "wgpu");
        for name in cpu {
            let device = crate::device::from_name(name).expect("a compiled-in backend");
            paths_agree(&device.autodiff());
        }
    }

    fn paths_agree(device: &Device) {
        let device = device.clone();
        assert!(kernels::applies(&device, DType::F32));
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
                    num_layers,
                    bidirectional,
                    bias,
                    dropout: 0.0,
                    batch_first: false,
                    seed: Some(7),
                };
                let stack = spec.try_init(&device).expect("a valid spec");
                let states = num_layers * spec.directions();
                let x = Tensor::<3>::random([6, 4, 3], Distribution::Normal(0.0, 1.0), &device)
                    .require_grad();
                let h0 =
                    Tensor::<3>::random([states, 4, 5], Distribution::Normal(0.0, 1.0), &device)
                        .require_grad();
                let c0 = (cell == CellKind::Lstm).then(|| {
                    Tensor::<3>::random([states, 4, 5], Distribution::Normal(0.0, 1.0), &device)
                        .require_grad()
                });
                let weights =
                    Tensor::<3>::random([6, 4, 2 * 5], Distribution::Normal(0.0, 1.0), &device);
                // Every case both without padding and with rows of 6, 2, 1 and 5 steps.
                for lengths in [None, Some(Arc::<[usize]>::from([6, 2, 1, 5]))] {
                    let run = |fused: bool| {
                        let (h_init, c_init) = (Some(h0.clone()), c0.clone());
                        let (out, h, c) = if fused {
                            let lengths = lengths.clone();
                            stack.forward_fused(x.clone(), h_init, c_init, lengths, 4, &device)
                        } else {
                            let lengths = lengths.as_deref();
                            stack.forward_tensor_ops(x.clone(), h_init, c_init, lengths, 4, &device)
                        };
                        let out_weights = weights.clone().narrow(2, 0, spec.directions() * 5);
                        let mut loss = (out.clone() * out_weights).sum() + h.clone().sum() * 0.5;
                        if let Some(c) = &c {
                            loss = loss + c.clone().sum() * 0.25;
                        }
                        let grads = loss.backward();
                        let mut values = vec![out.into_data(), h.into_data()];
                        values.extend(c.map(|c| c.into_data()));
                        values.push(x.grad(&grads).expect("x has a gradient").into_data());
                        values.push(h0.grad(&grads).expect("h0 has a gradient").into_data());
                        if let Some(c0) = &c0 {
                            values.push(c0.grad(&grads).expect("c0 has a gradient").into_data());
                        }
                        for layer in &stack.layers {
                            for w in layer.directions() {
                                values.push(w.weight_ih.grad(&grads).expect("w_ih").into_data());
                                values.push(w.weight_hh.grad(&grads).expect("w_hh").into_data());
                                for b in [&w.bias_ih, &w.bias_hh].into_iter().flatten() {
                                    values.push(b.grad(&grads).expect("bias").into_data());
                                }
                            }
                        }
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
                                (x - y).abs() <= 1e-5 + 1e-5 * y.abs(),
                                "{cell:?} layers {num_layers} bidirectional {bidirectional} bias {bias} lengths {lengths:?}: value {i}: fused {x} vs tensor ops {y}"
                            );
                        }
                    }
                }
            }
        }
    }
}
