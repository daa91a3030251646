//! Recurrent layers with PyTorch's semantics and weight layout.
//!
//! [`SimpleRnn`], [`Lstm`] and [`Gru`] (and [`RecurrentLayer`], one of the three chosen at run
//! time) implement one trait, [`Recurrent`]: whole sequences (`forward`), padded sequences of
//! different lengths (`forward_with_lengths`), one step at a time (`step`), and PyTorch weight
//! files in and out. Each takes and returns one state type, [`RecurrentState`]; each mistake
//! has its own [`LayerError`] (or [`WeightFileError`] for a weight file).
//!
//! Inside, every layer is one `RecurrentStack` (layers x directions x time), which checks the
//! arguments and runs the fused CPU kernel or Burn's tensor ops.

mod error;
mod fused;
mod gru;
mod lstm;
mod params;
mod recurrent_layer;
mod simple_rnn;
mod spec;
mod stack;
mod state;
mod tensor_ops;

use std::path::Path;

use burn::module::Module;
use burn::tensor::{Device, Tensor};

pub use crate::cell::Nonlinearity;
pub use crate::io::WeightFileError;
pub use error::LayerError;
pub use gru::{Gru, GruConfig};
pub use lstm::{Lstm, LstmConfig};
pub use params::{DirectionWeights, LayerWeights};
pub use recurrent_layer::{CellType, RecurrentLayer};
pub use simple_rnn::{SimpleRnn, SimpleRnnConfig};
pub use state::RecurrentState;

pub(crate) use stack::check_batch_first;

use stack::RecurrentStack;

/// What every recurrent layer does: PyTorch's `nn.RNN`/`nn.LSTM`/`nn.GRU` calls, checked and
/// unchecked, and their weight files.
///
/// Implemented by [`SimpleRnn`], [`Lstm`], [`Gru`] and [`RecurrentLayer`]; bring it into scope
/// with `use recurrent::Recurrent`. Every method is provided; the trait is sealed, because each
/// layer is the same checked driver inside.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use recurrent::{GruConfig, LstmConfig, Recurrent};
///
/// /// The last output step of any recurrent layer, `[batch, D * hidden]`.
/// fn last_step(layer: &impl Recurrent, input: Tensor<3>) -> Tensor<2> {
///     let [batch, seq, _] = input.dims();
///     let (output, _) = layer.forward(input, None);
///     let features = layer.num_directions() * layer.output_size();
///     output.narrow(1, seq - 1, 1).reshape([batch, features])
/// }
///
/// let device = Device::flex();
/// let input = Tensor::<3>::ones([2, 5, 3], &device);
/// let gru = GruConfig::new(3, 4).init(&device);
/// let lstm = LstmConfig::new(3, 6).with_bidirectional(true).init(&device);
/// assert_eq!(last_step(&gru, input.clone()).dims(), [2, 4]);
/// assert_eq!(last_step(&lstm, input).dims(), [2, 12]);
/// ```
pub trait Recurrent: Module + sealed::Stacked {
    /// Features per time step the layer reads (PyTorch's `input_size`).
    fn input_size(&self) -> usize {
        self.stack().spec.input_size
    }

    /// Hidden units per direction (PyTorch's `hidden_size`).
    fn hidden_size(&self) -> usize {
        self.stack().spec.hidden_size
    }

    /// The LSTM's projection size (PyTorch's `proj_size`), 0 for none; always 0 for the other
    /// cells.
    fn proj_size(&self) -> usize {
        self.stack().spec.proj_size
    }

    /// Features of each direction's output and of each row of the hidden state: `proj_size`
    /// for an LSTM with a projection, else `hidden_size`. The output has `num_directions *
    /// output_size` features.
    fn output_size(&self) -> usize {
        self.stack().spec.output_size()
    }

    /// Stacked layers (PyTorch's `num_layers`).
    fn num_layers(&self) -> usize {
        self.stack().spec.num_layers
    }

    /// 2 when bidirectional, else 1.
    fn num_directions(&self) -> usize {
        self.stack().spec.directions()
    }

    /// Whether the layer has `bias_ih`/`bias_hh`.
    fn has_bias(&self) -> bool {
        self.stack().spec.bias
    }

    /// Whether inputs and outputs are `[batch, seq, features]` (else `[seq, batch, features]`).
    fn batch_first(&self) -> bool {
        self.stack().spec.batch_first
    }

    /// Dropout probability between layers while training.
    fn dropout(&self) -> f64 {
        self.stack().spec.dropout
    }

    /// Whether the state has a cell state (an LSTM).
    fn has_cell_state(&self) -> bool {
        self.stack().spec.cell == crate::cell::CellKind::Lstm
    }

    /// The parameters, one entry per layer, in PyTorch's layout.
    fn weights(&self) -> &[LayerWeights] {
        &self.stack().layers
    }

    /// The zero state for `batch` sequences on `device`: what `forward` starts from given
    /// `None`. Each tensor `[num_layers * num_directions, batch, hidden_size]`, but the hidden
    /// state of a projected LSTM, `[.., proj_size]`.
    fn zero_state(&self, batch: usize, device: &Device) -> RecurrentState {
        let rows = self.num_layers() * self.num_directions();
        RecurrentState {
            hidden: Tensor::zeros([rows, batch, self.output_size()], device),
            cell: self
                .has_cell_state()
                .then(|| Tensor::zeros([rows, batch, self.hidden_size()], device)),
        }
    }

    /// Runs the layer over whole sequences.
    ///
    /// - `input`: `[batch, seq, input_size]` when `batch_first` (the default), else
    ///   `[seq, batch, input_size]`.
    /// - `state`: the initial state, each tensor `[num_layers * num_directions, batch,
    ///   hidden_size]`, with a cell state for an LSTM only; `None` starts from zeros. The
    ///   hidden state of an LSTM with a projection is `[.., batch, proj_size]`.
    ///
    /// Returns the last layer's output for every step, `[batch, seq, num_directions *
    /// output_size]` (`[seq, batch, ..]` when not `batch_first`; `output_size` is
    /// `hidden_size`, or `proj_size` with a projection), with the forward direction in the
    /// first `output_size` features, and the final state of every layer and direction,
    /// exactly PyTorch's `output, h_n` (`(h_n, c_n)` for the LSTM).
    ///
    /// # Panics
    /// If the input's feature size is not `input_size`, the batch or the sequence is empty, or
    /// the state has the wrong shape, device or kind; the message is that of the error
    /// [`try_forward`](Self::try_forward) returns.
    fn forward(
        &self,
        input: Tensor<3>,
        state: Option<RecurrentState>,
    ) -> (Tensor<3>, RecurrentState) {
        self.try_forward(input, state)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`forward`](Self::forward) with every argument checked first.
    ///
    /// # Errors
    /// [`InputSizeMismatch`](LayerError::InputSizeMismatch),
    /// [`EmptyBatch`](LayerError::EmptyBatch), [`EmptySequence`](LayerError::EmptySequence),
    /// [`StateShapeMismatch`](LayerError::StateShapeMismatch),
    /// [`StateDeviceMismatch`](LayerError::StateDeviceMismatch),
    /// [`MissingCellState`](LayerError::MissingCellState) or
    /// [`UnexpectedCellState`](LayerError::UnexpectedCellState).
    fn try_forward(
        &self,
        input: Tensor<3>,
        state: Option<RecurrentState>,
    ) -> Result<(Tensor<3>, RecurrentState), LayerError> {
        self.stack().try_forward(input, state, None)
    }

    /// Runs the layer over padded sequences of different lengths, with the semantics of
    /// PyTorch's packed sequences (`pack_padded_sequence` in, `pad_packed_sequence` out).
    ///
    /// - `input`, `state`: as in [`forward`](Self::forward), each sequence padded at the end to
    ///   the input's `seq` steps (the padding's values are never read).
    /// - `lengths`: the steps of each sequence, `[batch]` values in `1..=seq`, in any order
    ///   (PyTorch's `enforce_sorted=False`).
    ///
    /// Returns, like [`forward`](Self::forward), the output `[batch, seq, num_directions *
    /// output_size]`, zero past each sequence's length, and the final state of every layer and
    /// direction: the forward direction's at the sequence's last valid step; the reverse
    /// direction starts at that step and ends at the first.
    ///
    /// # Panics
    /// As [`forward`](Self::forward), and when `lengths` does not have one length in `1..=seq`
    /// per sequence; the message is that of the error
    /// [`try_forward_with_lengths`](Self::try_forward_with_lengths) returns.
    fn forward_with_lengths(
        &self,
        input: Tensor<3>,
        lengths: &[usize],
        state: Option<RecurrentState>,
    ) -> (Tensor<3>, RecurrentState) {
        self.try_forward_with_lengths(input, lengths, state)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`forward_with_lengths`](Self::forward_with_lengths) with every argument checked first.
    ///
    /// # Errors
    /// As [`try_forward`](Self::try_forward), plus
    /// [`LengthCountMismatch`](LayerError::LengthCountMismatch) and
    /// [`InvalidSequenceLength`](LayerError::InvalidSequenceLength).
    fn try_forward_with_lengths(
        &self,
        input: Tensor<3>,
        lengths: &[usize],
        state: Option<RecurrentState>,
    ) -> Result<(Tensor<3>, RecurrentState), LayerError> {
        self.stack().try_forward(input, state, Some(lengths))
    }

    /// Advances one time step, for streaming inference.
    ///
    /// - `input`: `[batch, input_size]`, the step's features.
    /// - `state`: as in [`forward`](Self::forward); `None` starts from zeros.
    ///
    /// Returns the last layer's output `[batch, output_size]` and the new state. Feeding a
    /// sequence step by step gives the numbers [`forward`](Self::forward) gives over the whole
    /// sequence.
    ///
    /// # Panics
    /// As [`forward`](Self::forward), and on a bidirectional layer; the message is that of the
    /// error [`try_step`](Self::try_step) returns.
    fn step(&self, input: Tensor<2>, state: Option<RecurrentState>) -> (Tensor<2>, RecurrentState) {
        self.try_step(input, state)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`step`](Self::step) with every argument checked first.
    ///
    /// # Errors
    /// [`StepOnBidirectional`](LayerError::StepOnBidirectional) for a bidirectional layer (its
    /// reverse direction needs the whole sequence), otherwise as
    /// [`try_forward`](Self::try_forward).
    fn try_step(
        &self,
        input: Tensor<2>,
        state: Option<RecurrentState>,
    ) -> Result<(Tensor<2>, RecurrentState), LayerError> {
        if self.num_directions() == 2 {
            return Err(LayerError::StepOnBidirectional);
        }
        let [batch, _] = input.dims();
        let sequence = if self.batch_first() {
            input.unsqueeze_dim(1)
        } else {
            input.unsqueeze_dim(0)
        };
        let (output, state) = self.try_forward(sequence, state)?;
        Ok((output.reshape([batch, self.output_size()]), state))
    }

    /// Loads weights saved from PyTorch's layer of the same options (`nn.RNN`, `nn.LSTM` or
    /// `nn.GRU`) or, for a one-layer unidirectional layer, from PyTorch's cell (`nn.RNNCell`,
    /// `nn.LSTMCell` or `nn.GRUCell`, whose [`step`](Self::step) this layer then computes).
    ///
    /// `path` is a `torch.save(module.state_dict(), ...)` file (`.pt`/`.pth`) or a safetensors
    /// file; the keys are PyTorch's and must match this layer exactly: the layer's
    /// (`weight_ih_l0`, `bias_hh_l1_reverse`, ...) or the cell's (`weight_ih`, `weight_hh`,
    /// `bias_ih`, `bias_hh`). Read through burn-store.
    ///
    /// ```
    /// use burn::tensor::Device;
    /// use recurrent::{LstmConfig, Recurrent, WeightFileError};
    ///
    /// // The state_dict of a whole PyTorch model, whose LSTM is its `rnn` attribute.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pytorch/prefixed_model/model.pt");
    /// let lstm = || LstmConfig::new(3, 4).with_num_layers(2).with_bidirectional(true).init(&Device::flex());
    /// let err = lstm().load_pytorch(path).unwrap_err();
    /// assert!(matches!(&err, WeightFileError::WeightsUnderPrefix { prefixes, .. } if prefixes == &["rnn."]));
    /// assert!(err.to_string().ends_with(r#"load them with load_pytorch_prefixed(path, "rnn.")"#));
    /// let _lstm = lstm().load_pytorch_prefixed(path, "rnn.")?;
    /// # Ok::<(), WeightFileError>(())
    /// ```
    ///
    /// # Errors
    /// [`NotFound`](WeightFileError::NotFound), [`Unreadable`](WeightFileError::Unreadable),
    /// [`BurnpackFile`](WeightFileError::BurnpackFile) (a file burn-store's `BurnpackStore`
    /// or `SequenceModel::save` wrote),
    /// [`WeightsUnderPrefix`](WeightFileError::WeightsUnderPrefix) (all of the layer's keys
    /// are there, under a prefix: use [`load_pytorch_prefixed`](Self::load_pytorch_prefixed)),
    /// [`MissingLayerOrCellWeight`](WeightFileError::MissingLayerOrCellWeight) (a one-layer
    /// unidirectional layer that finds neither form),
    /// [`MissingWeight`](WeightFileError::MissingWeight),
    /// [`UnexpectedWeight`](WeightFileError::UnexpectedWeight),
    /// [`ShapeMismatch`](WeightFileError::ShapeMismatch) or
    /// [`DTypeMismatch`](WeightFileError::DTypeMismatch).
    fn load_pytorch(self, path: impl AsRef<Path>) -> Result<Self, WeightFileError> {
        self.load_pytorch_prefixed(path, "")
    }

    /// Loads this layer from the keys under `prefix` in a bigger model's `state_dict` (for
    /// example `"rnn."` for `model.rnn`); keys outside the prefix are ignored.
    ///
    /// # Errors
    /// As [`load_pytorch`](Self::load_pytorch).
    fn load_pytorch_prefixed(
        mut self,
        path: impl AsRef<Path>,
        prefix: &str,
    ) -> Result<Self, WeightFileError> {
        let stack = self.stack_mut();
        let params = stack.pytorch_parameters();
        let dtype = stack.float_dtype();
        crate::io::pytorch::load(stack, &params, path.as_ref(), prefix, dtype)?;
        Ok(self)
    }

    /// Saves the weights as a `.safetensors` file that PyTorch's layer of the same options
    /// loads with `load_state_dict(safetensors.torch.load_file(path), strict=True)`.
    ///
    /// The keys are always the layer's (`weight_ih_l0`, as `nn.LSTM` names them), also for a
    /// layer loaded from a cell's `state_dict`: for `nn.LSTMCell`, drop the `_l0` suffix from
    /// each key before `load_state_dict`.
    ///
    /// The write is atomic: a failure leaves any earlier file at `path` intact.
    ///
    /// # Errors
    /// [`UnsupportedFormat`](WeightFileError::UnsupportedFormat) for a path not ending in
    /// `.safetensors`, [`SaveFailed`](WeightFileError::SaveFailed) when writing fails.
    fn save_pytorch(&self, path: impl AsRef<Path>) -> Result<(), WeightFileError> {
        let stack = self.stack();
        crate::io::pytorch::save(stack, &stack.pytorch_parameters(), path.as_ref(), "")
    }
}

/// The seal: only this crate's layers implement [`Recurrent`], each a `RecurrentStack` inside.
mod sealed {
    /// Access to the stack a layer is built on.
    pub trait Stacked {
        /// The stack.
        fn stack(&self) -> &super::RecurrentStack;
        /// The stack, to load weights into.
        fn stack_mut(&mut self) -> &mut super::RecurrentStack;
    }
}
