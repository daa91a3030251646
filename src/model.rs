//! Ready sequence models (a recurrent layer, a readout and a linear head) and the small trait
//! through which the trainer drives any model.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use crate::RecurrentError;
use crate::layers::cell::CellKind;
use crate::layers::params::UniformInit;
use crate::layers::stack::StackSpec;
use crate::{Gru, Lstm, Nonlinearity, SimpleRnn};

/// What a model gives for a batch of sequences.
#[derive(Debug, Clone)]
pub enum ModelOutput {
    /// One prediction per sequence, `[batch, outputs]`.
    PerSequence(Tensor<2>),
    /// One prediction per step, `[batch, seq, outputs]`.
    PerStep(Tensor<3>),
}

/// A model the [`Trainer`](crate::train::Trainer) can fit: any Burn module that maps a batch of
/// sequences to predictions.
///
/// Outputs are raw scores: logits for classification (the trainer applies the sigmoid or the
/// softmax inside the loss), values for regression.
///
/// ```
/// use burn::module::Module;
/// use burn::nn::{Linear, LinearConfig};
/// use burn::tensor::{Device, Tensor};
/// use recurrent::model::{ModelOutput, Trainable};
/// use recurrent::{Gru, GruConfig};
///
/// /// A GRU whose mean-pooled output feeds two linear layers.
/// #[derive(Module, Debug)]
/// struct MyModel {
///     gru: Gru,
///     hidden: Linear,
///     out: Linear,
/// }
///
/// impl Trainable for MyModel {
///     fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput {
///         let (output, _) = self.gru.forward(inputs, None);
///         let pooled = output.mean_dim(1).squeeze_dim::<2>(1); // [batch, hidden]
///         let hidden = burn::tensor::activation::relu(self.hidden.forward(pooled));
///         ModelOutput::PerSequence(self.out.forward(hidden))
///     }
///     fn input_size(&self) -> usize { self.gru.input_size() }
///     fn output_size(&self) -> usize { 3 }
/// }
///
/// let device = Device::flex();
/// let model = MyModel {
///     gru: GruConfig::new(2, 16).init(&device),
///     hidden: LinearConfig::new(16, 8).init(&device),
///     out: LinearConfig::new(8, 3).init(&device),
/// };
/// let ModelOutput::PerSequence(logits) = model.forward_sequences(Tensor::zeros([4, 5, 2], &device))
/// else { unreachable!() };
/// assert_eq!(logits.dims(), [4, 3]);
/// ```
pub trait Trainable: Module + core::fmt::Debug + Send + 'static {
    /// Predictions for `inputs` of shape `[batch, seq, input_size]`.
    fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput;
    /// Features per step the model reads.
    fn input_size(&self) -> usize;
    /// Outputs per prediction: 1 for binary classification, the number of classes for
    /// multi-class, the number of values for regression.
    fn output_size(&self) -> usize;
    /// Whether the model predicts every step ([`ModelOutput::PerStep`]).
    fn per_step(&self) -> bool {
        false
    }
    /// Predictions for padded sequences of different lengths: `inputs` `[batch, seq,
    /// input_size]`, sequence `b` valid for its first `lengths[b]` steps.
    ///
    /// The trainer calls it for batches with padding, and only when
    /// [`supports_lengths`](Self::supports_lengths) is true. The default ignores `lengths`;
    /// models that mask padding (with the layers' `forward_with_lengths`) override both.
    fn forward_with_lengths(&self, inputs: Tensor<3>, lengths: &[usize]) -> ModelOutput {
        let _ = lengths;
        self.forward_sequences(inputs)
    }
    /// Whether [`forward_with_lengths`](Self::forward_with_lengths) masks padding, so that
    /// the model can train on sequences of different lengths.
    fn supports_lengths(&self) -> bool {
        false
    }
}

/// Which recurrent layer a [`SequenceModel`] uses.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum CellType {
    /// [`SimpleRnn`].
    Rnn,
    /// [`Lstm`].
    Lstm,
    /// [`Gru`].
    Gru,
}

impl std::str::FromStr for CellType {
    type Err = RecurrentError;

    /// `"rnn"`, `"lstm"` or `"gru"` (for command lines and config files).
    fn from_str(name: &str) -> Result<Self, RecurrentError> {
        match name {
            "rnn" => Ok(CellType::Rnn),
            "lstm" => Ok(CellType::Lstm),
            "gru" => Ok(CellType::Gru),
            _ => Err(RecurrentError::UnknownCell { name: name.into() }),
        }
    }
}

/// How a [`SequenceModel`] turns the layer's outputs into the head's input.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum Readout {
    /// The final state: the last (valid) step's output of the forward direction, and for a
    /// bidirectional layer also the reverse direction's output at the first step (the state
    /// it ends in). `[batch, D * hidden]`.
    Last,
    /// The mean of the outputs over all (valid) steps. `[batch, D * hidden]`.
    Mean,
    /// [`Last`](Self::Last) and [`Mean`](Self::Mean) side by side (ULMFiT's "concat
    /// pooling" without the max): the final state for order and recency, the mean for what
    /// holds over the whole sequence. `[batch, 2 * D * hidden]`.
    LastAndMean,
    /// Every step's output: the head predicts each step (many-to-many). `[batch, seq, D * hidden]`;
    /// zero past a sequence's length before the head.
    All,
}

/// Options of a [`SequenceModel`].
///
/// ```
/// use burn::module::Module;
/// use recurrent::model::{CellType, SequenceModelConfig};
///
/// // The original PyTorch example's model: nn.RNN(1, 32) and nn.Linear(32, 1) on the last step.
/// let config = SequenceModelConfig::new(CellType::Rnn, 1, 32, 1);
/// let model = config.init(&burn::tensor::Device::flex());
/// assert_eq!(model.num_params(), 32 * (1 + 32 + 2) + 32 + 1);
/// ```
#[derive(Config, Debug)]
pub struct SequenceModelConfig {
    /// The recurrent layer.
    pub cell: CellType,
    /// Features per step.
    pub input_size: usize,
    /// Hidden units per direction.
    pub hidden_size: usize,
    /// Outputs of the linear head (1 for binary classification, the class count for
    /// multi-class, the value count for regression).
    pub output_size: usize,
    /// Stacked recurrent layers.
    #[config(default = 1)]
    pub num_layers: usize,
    /// Whether the recurrent layer is bidirectional.
    #[config(default = false)]
    pub bidirectional: bool,
    /// Dropout between recurrent layers while training.
    #[config(default = 0.0)]
    pub dropout: f64,
    /// The [`SimpleRnn`]'s activation (ignored by the LSTM and GRU).
    #[config(default = "Nonlinearity::Tanh")]
    pub nonlinearity: Nonlinearity,
    /// How the head reads the layer's outputs.
    #[config(default = "Readout::Last")]
    pub readout: Readout,
    /// Seed for the initial weights (layer and head); `None` uses the device's generator.
    pub seed: Option<u64>,
}

impl SequenceModelConfig {
    /// Builds the model on `device`, after checking the options.
    ///
    /// # Errors
    /// [`ZeroOutputSize`](RecurrentError::ZeroOutputSize) and the layer config's errors.
    pub fn try_init(&self, device: &Device) -> Result<SequenceModel, RecurrentError> {
        if self.output_size == 0 {
            return Err(RecurrentError::ZeroOutputSize);
        }
        let spec = StackSpec {
            cell: match self.cell {
                CellType::Rnn => CellKind::Rnn(self.nonlinearity),
                CellType::Lstm => CellKind::Lstm,
                CellType::Gru => CellKind::Gru,
            },
            input_size: self.input_size,
            hidden_size: self.hidden_size,
            num_layers: self.num_layers,
            bidirectional: self.bidirectional,
            bias: true,
            dropout: self.dropout,
            batch_first: true,
            seed: self.seed,
        };
        let recurrent = match self.cell {
            CellType::Rnn => RecurrentLayer::Rnn(SimpleRnn::from_spec(spec, device)?),
            CellType::Lstm => RecurrentLayer::Lstm(Lstm::from_spec(spec, device)?),
            CellType::Gru => RecurrentLayer::Gru(Gru::from_spec(spec, device)?),
        };
        let readouts = if self.readout == Readout::LastAndMean {
            2
        } else {
            1
        };
        let features = readouts * if self.bidirectional { 2 } else { 1 } * self.hidden_size;
        let head = match self.seed {
            // PyTorch's nn.Linear default, U(-1/sqrt(in), 1/sqrt(in)), from its own stream.
            Some(seed) => {
                let mut init = UniformInit::new(features, Some(seed ^ 0x9e37_79b9_7f4a_7c15));
                Linear {
                    weight: Param::from_tensor(init.tensor([features, self.output_size], device)),
                    bias: Some(Param::from_tensor(init.tensor([self.output_size], device))),
                }
            }
            None => LinearConfig::new(features, self.output_size).init(device),
        };
        Ok(SequenceModel {
            recurrent,
            head,
            readout: self.readout,
            output_size: self.output_size,
        })
    }

    /// Builds the model on `device`.
    ///
    /// # Panics
    /// On an invalid option, with the message [`try_init`](Self::try_init) would return.
    pub fn init(&self, device: &Device) -> SequenceModel {
        self.try_init(device).unwrap_or_else(|e| e.raise())
    }
}

/// The recurrent layer inside a [`SequenceModel`].
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum RecurrentLayer {
    /// An Elman RNN.
    Rnn(SimpleRnn),
    /// An LSTM.
    Lstm(Lstm),
    /// A GRU.
    Gru(Gru),
}

impl RecurrentLayer {
    /// The output `[batch, seq, D * H]` and the final hidden state `[layers * D, batch, H]`,
    /// from zero states.
    ///
    /// # Panics
    /// As the layer's `forward`.
    pub fn forward(&self, inputs: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
        self.try_forward(inputs, None).unwrap_or_else(|e| e.raise())
    }

    /// The output `[batch, seq, D * H]` and the final hidden state `[layers * D, batch, H]`,
    /// from zero states; with `lengths`, of padded sequences (the layers'
    /// `try_forward_with_lengths`).
    ///
    /// # Errors
    /// As the layer's `try_forward` and `try_forward_with_lengths`.
    pub fn try_forward(
        &self,
        inputs: Tensor<3>,
        lengths: Option<&[usize]>,
    ) -> Result<(Tensor<3>, Tensor<3>), RecurrentError> {
        macro_rules! run {
            ($layer:expr) => {{
                let (out, state) = match lengths {
                    Some(lengths) => $layer.try_forward_with_lengths(inputs, lengths, None)?,
                    None => $layer.try_forward(inputs, None)?,
                };
                (out, state.hidden)
            }};
        }
        Ok(match self {
            RecurrentLayer::Rnn(l) => run!(l),
            RecurrentLayer::Lstm(l) => run!(l),
            RecurrentLayer::Gru(l) => run!(l),
        })
    }

    /// Features per step the layer reads.
    pub fn input_size(&self) -> usize {
        match self {
            RecurrentLayer::Rnn(l) => l.input_size(),
            RecurrentLayer::Lstm(l) => l.input_size(),
            RecurrentLayer::Gru(l) => l.input_size(),
        }
    }

    fn directions(&self) -> usize {
        match self {
            RecurrentLayer::Rnn(l) => l.num_directions(),
            RecurrentLayer::Lstm(l) => l.num_directions(),
            RecurrentLayer::Gru(l) => l.num_directions(),
        }
    }
}

/// A recurrent layer, a readout and a linear head: the model of the original PyTorch example
/// and its variants, in one line of config ([`SequenceModelConfig`]).
#[derive(Module, Debug)]
pub struct SequenceModel {
    /// The recurrent layer.
    pub recurrent: RecurrentLayer,
    /// The linear head, `D * hidden_size -> output_size`.
    pub head: Linear,
    #[module(skip)]
    readout: Readout,
    #[module(skip)]
    output_size: usize,
}

impl SequenceModel {
    /// The readout.
    pub fn readout(&self) -> Readout {
        self.readout
    }

    /// Predictions for `inputs` `[batch, seq, input_size]`: `[batch, output_size]`, or
    /// `[batch, seq, output_size]` with [`Readout::All`].
    ///
    /// # Panics
    /// If the input's feature size is not the model's `input_size`, or the batch or sequence is
    /// empty; the message is that of the error [`try_forward`](Self::try_forward) returns.
    pub fn forward(&self, inputs: Tensor<3>) -> ModelOutput {
        self.try_forward(inputs, None).unwrap_or_else(|e| e.raise())
    }

    /// Predictions for padded sequences of different lengths: `inputs` `[batch, seq,
    /// input_size]`, sequence `b` valid for its first `lengths[b]` steps (PyTorch's packed
    /// sequences). [`Readout::Last`] reads each sequence's last valid step, [`Readout::Mean`]
    /// averages its valid steps.
    ///
    /// # Panics
    /// As [`forward`](Self::forward), and when `lengths` does not hold one length in
    /// `1..=seq` per sequence; the message is that of the error
    /// [`try_forward`](Self::try_forward) returns.
    pub fn forward_with_lengths(&self, inputs: Tensor<3>, lengths: &[usize]) -> ModelOutput {
        self.try_forward(inputs, Some(lengths))
            .unwrap_or_else(|e| e.raise())
    }

    /// [`forward`](Self::forward) (`lengths` `None`) or
    /// [`forward_with_lengths`](Self::forward_with_lengths), with every argument checked first.
    ///
    /// # Errors
    /// The layer's [`InputSizeMismatch`](RecurrentError::InputSizeMismatch),
    /// [`EmptyBatch`](RecurrentError::EmptyBatch),
    /// [`EmptySequence`](RecurrentError::EmptySequence),
    /// [`LengthCountMismatch`](RecurrentError::LengthCountMismatch) and
    /// [`InvalidSequenceLength`](RecurrentError::InvalidSequenceLength).
    pub fn try_forward(
        &self,
        inputs: Tensor<3>,
        lengths: Option<&[usize]>,
    ) -> Result<ModelOutput, RecurrentError> {
        let device = inputs.device();
        let (output, hidden) = self.recurrent.try_forward(inputs, lengths)?;
        let mean = |output: Tensor<3>| -> Tensor<2> {
            match lengths {
                // Padded steps output zeros: their sum over the valid steps' count.
                Some(lengths) => {
                    let counts: Vec<f32> = lengths.iter().map(|&l| l as f32).collect();
                    let counts = Tensor::<2>::from_data(
                        burn::tensor::TensorData::new(counts, [lengths.len(), 1]),
                        &device,
                    )
                    .cast(output.dtype());
                    output.sum_dim(1).squeeze_dim::<2>(1) / counts
                }
                None => output.mean_dim(1).squeeze_dim(1),
            }
        };
        let last = |hidden: Tensor<3>| -> Tensor<2> {
            let d = self.recurrent.directions();
            let [rows, batch, h] = hidden.dims();
            // The last layer's final states, forward then reverse: [batch, D * H].
            hidden
                .narrow(0, rows - d, d)
                .swap_dims(0, 1)
                .reshape([batch, d * h])
        };
        Ok(match self.readout {
            Readout::All => ModelOutput::PerStep(self.head.forward(output)),
            Readout::Mean => ModelOutput::PerSequence(self.head.forward(mean(output))),
            Readout::Last => ModelOutput::PerSequence(self.head.forward(last(hidden))),
            Readout::LastAndMean => {
                let both = Tensor::cat(vec![last(hidden), mean(output)], 1);
                ModelOutput::PerSequence(self.head.forward(both))
            }
        })
    }
}

impl Trainable for SequenceModel {
    fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput {
        self.forward(inputs)
    }

    fn input_size(&self) -> usize {
        self.recurrent.input_size()
    }

    fn output_size(&self) -> usize {
        self.output_size
    }

    fn per_step(&self) -> bool {
        self.readout == Readout::All
    }

    fn forward_with_lengths(&self, inputs: Tensor<3>, lengths: &[usize]) -> ModelOutput {
        SequenceModel::forward_with_lengths(self, inputs, lengths)
    }

    fn supports_lengths(&self) -> bool {
        true
    }
}
