//! Recurrent layers with PyTorch's semantics and weight layout.
//!
//! [`SimpleRnn`], [`Lstm`] and [`Gru`] are thin over one shared driver (`stack`), which runs
//! layers, directions and time steps; `cell` holds the three cell equations.

pub(crate) mod cell;
mod gru;
mod lstm;
pub(crate) mod params;
mod simple_rnn;
pub(crate) mod stack;
mod state;

pub use cell::Nonlinearity;
pub use gru::{Gru, GruConfig};
pub use lstm::{Lstm, LstmConfig};
pub use params::{DirectionWeights, LayerWeights};
pub use simple_rnn::{SimpleRnn, SimpleRnnConfig};
pub use state::{LstmState, RnnState};

/// Declares a layer's config: the options all three layers share, then `$extra` fields, and
/// `spec()`, which turns them into the stack's options with `$cell` computed from `$this`.
macro_rules! layer_config {
    ($(#[$meta:meta])* $config:ident, |$this:ident| $cell:expr, { $($extra:tt)* }) => {
        $(#[$meta])*
        ///
        /// `input_size` and `hidden_size` are required; the rest have PyTorch's defaults except
        /// `batch_first`, which is `true` here. Set them with the `with_*` methods.
        #[derive(burn::config::Config, Debug)]
        pub struct $config {
            /// Features per time step.
            pub input_size: usize,
            /// Hidden units per direction.
            pub hidden_size: usize,
            /// Stacked layers; layer `k > 0` reads layer `k - 1`'s output.
            #[config(default = 1)]
            pub num_layers: usize,
            /// Whether the layer has `bias_ih` and `bias_hh`.
            #[config(default = true)]
            pub bias: bool,
            /// Inputs and outputs as `[batch, seq, features]` (else `[seq, batch, features]`).
            #[config(default = true)]
            pub batch_first: bool,
            /// Dropout on each layer's output except the last, while training, in `[0, 1)`.
            #[config(default = 0.0)]
            pub dropout: f64,
            /// Runs a second, reverse direction and concatenates its output.
            #[config(default = false)]
            pub bidirectional: bool,
            /// Seed for the initial weights; `None` uses the device's generator.
            pub seed: Option<u64>,
            $($extra)*
        }

        impl $config {
            fn spec(&self) -> crate::layers::stack::StackSpec {
                let $this = self;
                crate::layers::stack::StackSpec {
                    cell: $cell,
                    input_size: self.input_size,
                    hidden_size: self.hidden_size,
                    num_layers: self.num_layers,
                    bidirectional: self.bidirectional,
                    bias: self.bias,
                    dropout: self.dropout,
                    batch_first: self.batch_first,
                    seed: self.seed,
                }
            }
        }
    };
}
pub(crate) use layer_config;

/// The parts every layer shares: `try_init`/`init` on the config, and on the module the
/// accessors, `forward`/`try_forward`/`step`/`try_step` and the PyTorch weight files.
/// `$state` is the layer's state type; the config provides `fn spec(&self) -> StackSpec`.
macro_rules! recurrent_layer {
    ($layer:ident, $config:ident, $state:ident, $pytorch:literal) => {
        impl $config {
            #[doc = concat!("Builds the [`", stringify!($layer), "`] on `device`, after checking the options.")]
            ///
            /// Weights are drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) like PyTorch: from
            /// `rand`'s `StdRng` when `seed` is set (the same weights on every backend), otherwise
            /// from the device's generator (`Device::seed`).
            ///
            /// # Errors
            /// [`ZeroLayers`](crate::RecurrentError::ZeroLayers),
            /// [`ZeroInputSize`](crate::RecurrentError::ZeroInputSize),
            /// [`ZeroHiddenSize`](crate::RecurrentError::ZeroHiddenSize) or
            /// [`InvalidDropout`](crate::RecurrentError::InvalidDropout) (dropout outside `[0, 1)`).
            pub fn try_init(
                &self,
                device: &burn::tensor::Device,
            ) -> Result<$layer, crate::RecurrentError> {
                $layer::from_spec(self.spec(), device)
            }

            #[doc = concat!("Builds the [`", stringify!($layer), "`] on `device`.")]
            ///
            /// # Panics
            /// On an invalid option, with the message of the error
            /// [`try_init`](Self::try_init) would return.
            pub fn init(&self, device: &burn::tensor::Device) -> $layer {
                self.try_init(device)
                    .unwrap_or_else(|e| crate::RecurrentError::raise(e))
            }
        }

        impl $layer {
            /// Builds the layer from validated-on-the-way options (the model configs use this).
            pub(crate) fn from_spec(
                spec: crate::layers::stack::StackSpec,
                device: &burn::tensor::Device,
            ) -> Result<Self, crate::RecurrentError> {
                Ok($layer {
                    stack: spec.try_init(device)?,
                })
            }

            /// Features per time step the layer reads (PyTorch's `input_size`).
            pub fn input_size(&self) -> usize {
                self.stack.spec.input_size
            }

            /// Hidden units per direction (PyTorch's `hidden_size`).
            pub fn hidden_size(&self) -> usize {
                self.stack.spec.hidden_size
            }

            /// Stacked layers (PyTorch's `num_layers`).
            pub fn num_layers(&self) -> usize {
                self.stack.spec.num_layers
            }

            /// 2 when bidirectional, else 1.
            pub fn num_directions(&self) -> usize {
                self.stack.spec.directions()
            }

            /// Whether the layer has `bias_ih`/`bias_hh`.
            pub fn has_bias(&self) -> bool {
                self.stack.spec.bias
            }

            /// Whether inputs and outputs are `[batch, seq, features]` (else `[seq, batch, features]`).
            pub fn batch_first(&self) -> bool {
                self.stack.spec.batch_first
            }

            /// Dropout probability between layers while training.
            pub fn dropout(&self) -> f64 {
                self.stack.spec.dropout
            }

            /// The parameters, one entry per layer, in PyTorch's layout.
            pub fn weights(&self) -> &[crate::layers::LayerWeights] {
                &self.stack.layers
            }

            /// Runs the layer over whole sequences.
            ///
            /// - `input`: `[batch, seq, input_size]` when `batch_first` (the default), else
            ///   `[seq, batch, input_size]`.
            #[doc = concat!("- `state`: the initial state, each tensor `[num_layers * num_directions, batch, hidden_size]`; `None` starts from zeros.")]
            ///
            /// Returns the last layer's output for every step, `[batch, seq, num_directions *
            /// hidden_size]` (`[seq, batch, ..]` when not `batch_first`), with the forward
            /// direction in the first `hidden_size` features, and the final state of every layer
            /// and direction, exactly PyTorch's `output, h_n` (`(h_n, c_n)` for the LSTM).
            ///
            /// # Panics
            /// If the input's feature size is not `input_size`, the batch or the sequence is
            /// empty, or a state tensor has the wrong shape or device; the message is that of the
            /// error [`try_forward`](Self::try_forward) returns.
            pub fn forward(
                &self,
                input: burn::tensor::Tensor<3>,
                state: Option<$state>,
            ) -> (burn::tensor::Tensor<3>, $state) {
                self.try_forward(input, state)
                    .unwrap_or_else(|e| crate::RecurrentError::raise(e))
            }

            #[doc = concat!("[`forward`](Self::forward) with every argument checked first.")]
            ///
            /// # Errors
            /// [`InputSizeMismatch`](crate::RecurrentError::InputSizeMismatch),
            /// [`EmptyBatch`](crate::RecurrentError::EmptyBatch),
            /// [`EmptySequence`](crate::RecurrentError::EmptySequence),
            /// [`StateShapeMismatch`](crate::RecurrentError::StateShapeMismatch) or
            /// [`StateDeviceMismatch`](crate::RecurrentError::StateDeviceMismatch).
            pub fn try_forward(
                &self,
                input: burn::tensor::Tensor<3>,
                state: Option<$state>,
            ) -> Result<(burn::tensor::Tensor<3>, $state), crate::RecurrentError> {
                let (output, state) = self.stack.try_forward(input, state.map(Into::into), None)?;
                Ok((output, state.into()))
            }

            /// Runs the layer over padded sequences of different lengths, with the semantics of
            /// PyTorch's packed sequences (`pack_padded_sequence` in, `pad_packed_sequence` out).
            ///
            /// - `input`, `state`: as in [`forward`](Self::forward), each sequence padded at the
            ///   end to the input's `seq` steps (the padding's values are never read).
            /// - `lengths`: the steps of each sequence, `[batch]` values in `1..=seq`, in any
            ///   order (PyTorch's `enforce_sorted=False`).
            ///
            /// Returns, like [`forward`](Self::forward), the output `[batch, seq, num_directions *
            /// hidden_size]`, zero past each sequence's length, and the final state of every layer
            /// and direction: the forward direction's at the sequence's last valid step; the
            /// reverse direction starts at that step and ends at the first.
            ///
            /// # Panics
            /// As [`forward`](Self::forward), and when `lengths` does not have one length in
            /// `1..=seq` per sequence; the message is that of the error
            /// [`try_forward_with_lengths`](Self::try_forward_with_lengths) returns.
            pub fn forward_with_lengths(
                &self,
                input: burn::tensor::Tensor<3>,
                lengths: &[usize],
                state: Option<$state>,
            ) -> (burn::tensor::Tensor<3>, $state) {
                self.try_forward_with_lengths(input, lengths, state)
                    .unwrap_or_else(|e| crate::RecurrentError::raise(e))
            }

            #[doc = concat!("[`forward_with_lengths`](Self::forward_with_lengths) with every argument checked first.")]
            ///
            /// # Errors
            /// As [`try_forward`](Self::try_forward), plus
            /// [`LengthCountMismatch`](crate::RecurrentError::LengthCountMismatch) and
            /// [`InvalidSequenceLength`](crate::RecurrentError::InvalidSequenceLength).
            pub fn try_forward_with_lengths(
                &self,
                input: burn::tensor::Tensor<3>,
                lengths: &[usize],
                state: Option<$state>,
            ) -> Result<(burn::tensor::Tensor<3>, $state), crate::RecurrentError> {
                let (output, state) =
                    self.stack
                        .try_forward(input, state.map(Into::into), Some(lengths))?;
                Ok((output, state.into()))
            }

            /// Advances one time step, for streaming inference.
            ///
            /// - `input`: `[batch, input_size]`, the step's features.
            /// - `state`: as in [`forward`](Self::forward); `None` starts from zeros.
            ///
            /// Returns the last layer's output `[batch, hidden_size]` and the new state. Feeding a
            /// sequence step by step gives the numbers [`forward`](Self::forward) gives over the
            /// whole sequence.
            ///
            /// # Panics
            /// As [`forward`](Self::forward), and on a bidirectional layer; the message is that
            /// of the error [`try_step`](Self::try_step) returns.
            pub fn step(
                &self,
                input: burn::tensor::Tensor<2>,
                state: Option<$state>,
            ) -> (burn::tensor::Tensor<2>, $state) {
                self.try_step(input, state)
                    .unwrap_or_else(|e| crate::RecurrentError::raise(e))
            }

            /// [`step`](Self::step) with every argument checked first.
            ///
            /// # Errors
            /// [`StepOnBidirectional`](crate::RecurrentError::StepOnBidirectional) for a
            /// bidirectional layer (its reverse direction needs the whole sequence), otherwise as
            /// [`try_forward`](Self::try_forward).
            pub fn try_step(
                &self,
                input: burn::tensor::Tensor<2>,
                state: Option<$state>,
            ) -> Result<(burn::tensor::Tensor<2>, $state), crate::RecurrentError> {
                if self.stack.spec.bidirectional {
                    return Err(crate::RecurrentError::StepOnBidirectional);
                }
                let [batch, _] = input.dims();
                let sequence = if self.batch_first() {
                    input.unsqueeze_dim(1)
                } else {
                    input.unsqueeze_dim(0)
                };
                let (output, state) = self.try_forward(sequence, state)?;
                Ok((output.reshape([batch, self.hidden_size()]), state))
            }

            #[doc = concat!("Loads weights saved from PyTorch's `", $pytorch, "` with the same options.")]
            ///
            /// `path` is a `torch.save(layer.state_dict(), ...)` file (`.pt`/`.pth`) or a
            /// safetensors file; the keys are PyTorch's (`weight_ih_l0`, `bias_hh_l1_reverse`, ...)
            /// and must match this layer exactly. Read through burn-store.
            ///
            /// # Errors
            /// [`WeightFileNotFound`](crate::RecurrentError::WeightFileNotFound),
            /// [`UnreadableWeightFile`](crate::RecurrentError::UnreadableWeightFile),
            /// [`MissingWeight`](crate::RecurrentError::MissingWeight),
            /// [`UnexpectedWeight`](crate::RecurrentError::UnexpectedWeight),
            /// [`WeightShapeMismatch`](crate::RecurrentError::WeightShapeMismatch) or
            /// [`WeightDTypeMismatch`](crate::RecurrentError::WeightDTypeMismatch).
            pub fn load_pytorch(
                self,
                path: impl AsRef<std::path::Path>,
            ) -> Result<Self, crate::RecurrentError> {
                self.load_pytorch_prefixed(path, "")
            }

            /// Loads this layer from the keys under `prefix` in a bigger model's `state_dict`
            /// (for example `"rnn."` for `model.rnn`); keys outside the prefix are ignored.
            ///
            /// # Errors
            /// As [`load_pytorch`](Self::load_pytorch).
            pub fn load_pytorch_prefixed(
                mut self,
                path: impl AsRef<std::path::Path>,
                prefix: &str,
            ) -> Result<Self, crate::RecurrentError> {
                let params = self.stack.pytorch_parameters();
                let dtype = self.stack.float_dtype();
                crate::io::pytorch::load(&mut self, &params, "stack.", path.as_ref(), prefix, dtype)?;
                Ok(self)
            }

            #[doc = concat!("Saves the weights as a `.safetensors` file that PyTorch's `", $pytorch, "` loads with `load_state_dict(safetensors.torch.load_file(path), strict=True)`.")]
            ///
            /// The write is atomic: a failure leaves any earlier file at `path` intact.
            ///
            /// # Errors
            /// [`UnsupportedWeightFormat`](crate::RecurrentError::UnsupportedWeightFormat) for a
            /// path not ending in `.safetensors`, [`SaveFailed`](crate::RecurrentError::SaveFailed)
            /// when writing fails.
            pub fn save_pytorch(
                &self,
                path: impl AsRef<std::path::Path>,
            ) -> Result<(), crate::RecurrentError> {
                let params = self.stack.pytorch_parameters();
                crate::io::pytorch::save(self, &params, "stack.", path.as_ref(), "")
            }
        }
    };
}
pub(crate) use recurrent_layer;
