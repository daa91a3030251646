//! The stack built from Burn's tensor ops, for any backend: what wgpu and float types other
//! than f32 run, and the reference the fused kernel is tested against.
//!
//! Per layer, the input projection of every time step and both directions is one batched matmul
//! before the time loop (`[D, seq * batch, input] x [D, input, G * H]`), with `b_ih + b_hh` folded
//! into it; each step is then one batched matmul for the hidden path
//! (`[D, batch, H] x [D, H, G * H]`) plus the gate arithmetic, and the outputs are stacked once at
//! the end. The reverse direction reads a time-flipped copy of the input, so both directions
//! advance together. Padded rows (sequences of different lengths) hold their state and output
//! zeros past their length, through a mask per step.

use burn::nn::Dropout;
use burn::tensor::{DType, Device, Tensor, TensorData};

use super::params::{DirectionWeights, LayerWeights};
use super::spec::StackSpec;
use super::state::RecurrentState;
use crate::cell::CellKind;

/// The whole stack over `x` `[seq, batch, input]` (time-major) from `initial` (zeros when
/// `None`): the output `[seq, batch, D * H]` and the final `[L * D, batch, H]` states.
/// `lengths`, one per batch row, marks the steps past each row's length as padding.
pub(super) fn forward(
    spec: &StackSpec,
    layers: &[LayerWeights],
    dropout: &Dropout,
    x: Tensor<3>,
    initial: Option<RecurrentState>,
    lengths: Option<&[usize]>,
) -> (Tensor<3>, RecurrentState) {
    let ops = TensorOps { spec };
    let [seq, batch, _] = x.dims();
    let device = x.device();
    let d = spec.directions();
    let zeros = |size| Tensor::<3>::zeros([d, batch, size], &device);
    let masks = lengths.map(|lengths| step_masks(lengths, seq, d, x.dtype(), &device));
    let (hidden0, cell0) = match initial {
        Some(state) => (Some(state.hidden), state.cell),
        None => (None, None),
    };
    let has_cell = spec.cell == CellKind::Lstm;
    let mut sequence = Sequence::of(x, device.is_autodiff());
    let mut hiddens = Vec::with_capacity(layers.len());
    let mut cells = Vec::with_capacity(layers.len());
    for (k, layer) in layers.iter().enumerate() {
        if k > 0 {
            // Between layers only, and only while training (Burn's Dropout checks both
            // autodiff and the module's train/valid flag), like PyTorch's `dropout`.
            sequence = sequence.map(|x| dropout.forward(x), |x| dropout.forward(x));
        }
        let layer_state = |state: &Option<Tensor<3>>, size| {
            state
                .as_ref()
                .map_or_else(|| zeros(size), |s| s.clone().narrow(0, k * d, d))
        };
        let h0 = layer_state(&hidden0, spec.output_size());
        let c0 = has_cell.then(|| layer_state(&cell0, spec.hidden_size));
        let (next, h, c) = ops.run_layer(&ops.prepare(layer), sequence, h0, c0, masks.as_deref());
        sequence = next;
        hiddens.push(h);
        cells.extend(c);
    }
    let state = RecurrentState {
        hidden: Tensor::cat(hiddens, 0),
        cell: has_cell.then(|| Tensor::cat(cells, 0)),
    };
    (sequence.into_whole(), state)
}

/// The per-layer time loops, for a stack's options.
struct TensorOps<'a> {
    spec: &'a StackSpec,
}

impl TensorOps<'_> {
    /// One layer over `sequence` from `h0`, `c0` (`[D, batch, H]`): its output sequence and final
    /// states, in the sequence's own form.
    fn run_layer(
        &self,
        layer: &PreparedLayer,
        sequence: Sequence,
        h0: Tensor<3>,
        c0: Option<Tensor<3>>,
        masks: Option<&[StepMask]>,
    ) -> (Sequence, Tensor<3>, Option<Tensor<3>>) {
        match sequence {
            Sequence::Whole(x) => {
                let (out, h, c) = self.run_whole(layer, x, h0, c0, masks);
                (Sequence::Whole(out), h, c)
            }
            Sequence::Steps(steps) => {
                let (out, h, c) = self.run_steps(layer, steps, h0, c0, masks);
                (Sequence::Steps(out), h, c)
            }
        }
    }

    /// A layer's weights as the time loops use them, directions stacked.
    fn prepare(&self, layer: &LayerWeights) -> PreparedLayer {
        let directions: Vec<&DirectionWeights> = layer.directions().collect();
        let (folded_bias, bias_hn) = self.biases(&directions);
        PreparedLayer {
            directions: directions.len(),
            weight_ih_t: stack_directions(&directions, |w| w.weight_ih.val().transpose()),
            weight_hh_t: stack_directions(&directions, |w| w.weight_hh.val().transpose()),
            weight_hr_t: (self.spec.proj_size > 0).then(|| {
                stack_directions(&directions, |w| {
                    let weight_hr = w.weight_hr.as_ref();
                    weight_hr
                        .expect("a projected LSTM has weight_hr in every direction")
                        .val()
                        .transpose()
                })
            }),
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
        let hidden_size = self.spec.output_size();
        let gate_width = self.spec.cell.gates() * self.spec.hidden_size;
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
        let hidden_size = self.spec.output_size();
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
        let (mut next_hidden, next_cell) = self.spec.cell.step(
            input_gates,
            hidden.clone(),
            cell.clone(),
            &layer.weight_hh_t,
            layer.bias_hn.as_ref(),
        );
        if let Some(weight_hr_t) = &layer.weight_hr_t {
            // PyTorch's LSTMP: h_t = W_hr (o_t * tanh(c_t)).
            next_hidden = next_hidden.matmul(weight_hr_t.clone());
        }
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

impl Sequence {
    /// `x` `[seq, batch, features]` as one tensor, or with autodiff as one tensor per step: the
    /// backward of slicing a step out of a whole-sequence tensor writes a zero tensor of the
    /// whole sequence's size, which makes the backward pass quadratic in the sequence length.
    fn of(x: Tensor<3>, autodiff: bool) -> Self {
        if !autodiff {
            return Sequence::Whole(x);
        }
        let seq = x.dims()[0];
        Sequence::Steps(
            x.chunk(seq, 0)
                .into_iter()
                .map(|step| step.squeeze_dim(0))
                .collect(),
        )
    }

    /// The sequence with `whole` applied to a whole-sequence tensor, or `step` to each step.
    fn map(
        self,
        whole: impl FnOnce(Tensor<3>) -> Tensor<3>,
        step: impl Fn(Tensor<2>) -> Tensor<2>,
    ) -> Self {
        match self {
            Sequence::Whole(x) => Sequence::Whole(whole(x)),
            Sequence::Steps(steps) => Sequence::Steps(steps.into_iter().map(step).collect()),
        }
    }

    /// The sequence as one `[seq, batch, features]` tensor.
    fn into_whole(self) -> Tensor<3> {
        match self {
            Sequence::Whole(x) => x,
            Sequence::Steps(steps) => Tensor::stack(steps, 0),
        }
    }
}

/// One layer's weights with the directions stacked: `weight_ih_t` `[D, input, G*H]`,
/// `weight_hh_t` `[D, H, G*H]` (`[D, P, 4H]` projected), `weight_hr_t` `[D, H, P]`, biases as
/// [`TensorOps::biases`] gives them.
struct PreparedLayer {
    directions: usize,
    weight_ih_t: Tensor<3>,
    weight_hh_t: Tensor<3>,
    weight_hr_t: Option<Tensor<3>>,
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
