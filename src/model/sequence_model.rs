//! [`SequenceModel`]: a recurrent layer, a readout and a linear head, built from one
//! [`SequenceModelConfig`].

use std::borrow::Cow;

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData};

use super::error::ModelError;
use super::front_end::{ConvFrontEnd, ConvFrontEndConfig};
use super::trainable::{ModelOutput, Trainable};
use crate::init::UniformInit;
use crate::layers::{
    CellType, GruConfig, LayerError, LstmConfig, Nonlinearity, Recurrent, RecurrentLayer,
    RecurrentState, SimpleRnnConfig, check_batch_first,
};

/// A batch after the front end and its lengths (borrowed when unchanged).
type FrontEndOutput<'a> = (Tensor<3>, Option<Cow<'a, [usize]>>);

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
#[derive(Config, Debug, PartialEq)]
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
    /// The [`SimpleRnn`](crate::SimpleRnn)'s activation (ignored by the LSTM and GRU).
    #[config(default = "Nonlinearity::Tanh")]
    pub nonlinearity: Nonlinearity,
    /// How the head reads the layer's outputs.
    #[config(default = "Readout::Last")]
    pub readout: Readout,
    /// Seed for the initial weights (front end, layer and head); `None` uses the device's
    /// generator.
    pub seed: Option<u64>,
    /// Convolutions that shorten long series before the recurrent layer
    /// ([`ConvFrontEnd`]); `None`: the layer reads the series itself.
    pub front_end: Option<ConvFrontEndConfig>,
    /// The LSTM's projection size ([`LstmConfig::proj_size`]): `h` and the head's input get
    /// this many features per direction. LSTM only; `None` (or 0) for none. (An `Option`, so
    /// that models saved before it existed load as `None`.)
    pub proj_size: Option<usize>,
}

impl SequenceModelConfig {
    /// Builds the model on `device`, after checking the options.
    ///
    /// # Errors
    /// [`ZeroOutputSize`](ModelError::ZeroOutputSize), the front end's
    /// [`ZeroSize`](ModelError::ZeroSize), and the layer config's errors as
    /// [`ModelError::Layer`].
    pub fn try_init(&self, device: &Device) -> Result<SequenceModel, ModelError> {
        if self.output_size == 0 {
            return Err(ModelError::ZeroOutputSize);
        }
        let front_end = match &self.front_end {
            Some(front) => Some(front.try_init(
                self.input_size,
                self.seed.map(|s| s ^ 0x5851_f42d_4c95_7f2d),
                device,
            )?),
            None => None,
        };
        let recurrent = self.layer(device)?;
        let readouts = if self.readout == Readout::LastAndMean {
            2
        } else {
            1
        };
        let features = readouts * recurrent.num_directions() * recurrent.output_size();
        Ok(SequenceModel {
            front_end,
            recurrent,
            head: seeded_linear(features, self.output_size, self.seed, device),
            readout: self.readout,
            output_size: self.output_size,
            config: self.clone(),
        })
    }

    /// Builds the model on `device`.
    ///
    /// # Panics
    /// On an invalid option, with the message [`try_init`](Self::try_init) would return.
    pub fn init(&self, device: &Device) -> SequenceModel {
        self.try_init(device).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The recurrent layer, through its own public config.
    fn layer(&self, device: &Device) -> Result<RecurrentLayer, LayerError> {
        let input = match &self.front_end {
            Some(front) => front.channels,
            None => self.input_size,
        };
        let hidden = self.hidden_size;
        let proj_size = self.proj_size.unwrap_or(0);
        if proj_size > 0 && self.cell != CellType::Lstm {
            let cell = if self.cell == CellType::Rnn {
                "RNN"
            } else {
                "GRU"
            };
            return Err(LayerError::ProjSizeOnNonLstm { cell, proj_size });
        }
        Ok(match self.cell {
            CellType::Rnn => SimpleRnnConfig::new(input, hidden)
                .with_nonlinearity(self.nonlinearity)
                .with_num_layers(self.num_layers)
                .with_bidirectional(self.bidirectional)
                .with_dropout(self.dropout)
                .with_seed(self.seed)
                .try_init(device)?
                .into(),
            CellType::Lstm => LstmConfig::new(input, hidden)
                .with_proj_size(proj_size)
                .with_num_layers(self.num_layers)
                .with_bidirectional(self.bidirectional)
                .with_dropout(self.dropout)
                .with_seed(self.seed)
                .try_init(device)?
                .into(),
            CellType::Gru => GruConfig::new(input, hidden)
                .with_num_layers(self.num_layers)
                .with_bidirectional(self.bidirectional)
                .with_dropout(self.dropout)
                .with_seed(self.seed)
                .try_init(device)?
                .into(),
        })
    }
}

/// A linear layer `features -> outputs` with PyTorch's `nn.Linear` default,
/// U(-1/sqrt(in), 1/sqrt(in)), from its own stream of `seed` when given (the head of every
/// model here).
pub(crate) fn seeded_linear(
    features: usize,
    outputs: usize,
    seed: Option<u64>,
    device: &Device,
) -> Linear {
    match seed {
        Some(seed) => {
            let mut init = UniformInit::new(features, Some(seed ^ 0x9e37_79b9_7f4a_7c15));
            Linear {
                weight: Param::from_tensor(init.tensor([features, outputs], device)),
                bias: Some(Param::from_tensor(init.tensor([outputs], device))),
            }
        }
        None => LinearConfig::new(features, outputs).init(device),
    }
}

/// A recurrent layer, a readout and a linear head: the model of the original PyTorch example
/// and its variants, in one line of config ([`SequenceModelConfig`]).
#[derive(Module, Debug)]
pub struct SequenceModel {
    /// The convolutions before the recurrent layer, when the config has them.
    pub front_end: Option<ConvFrontEnd>,
    /// The recurrent layer.
    pub recurrent: RecurrentLayer,
    /// The linear head, `D * hidden_size -> output_size` (`D * proj_size` with a projection,
    /// twice that with [`Readout::LastAndMean`]).
    pub head: Linear,
    #[module(skip)]
    readout: Readout,
    #[module(skip)]
    output_size: usize,
    #[module(skip)]
    config: SequenceModelConfig,
}

impl SequenceModel {
    /// The readout.
    pub fn readout(&self) -> Readout {
        self.readout
    }

    /// The config the model was built from ([`SequenceModelConfig::try_init`]) or loaded with
    /// ([`load`](Self::load)).
    pub fn config(&self) -> &SequenceModelConfig {
        &self.config
    }

    /// The last layer's final states, forward then reverse, from all states
    /// `[layers * D, batch, H]`: `[batch, D * H]`.
    fn last_states(&self, hidden: Tensor<3>) -> Tensor<2> {
        let d = self.recurrent.num_directions();
        let [rows, batch, h] = hidden.dims();
        hidden
            .narrow(0, rows - d, d)
            .swap_dims(0, 1)
            .reshape([batch, d * h])
    }

    /// Predictions for `inputs` `[batch, seq, input_size]`: `[batch, output_size]`, or
    /// `[batch, seq, output_size]` with [`Readout::All`].
    ///
    /// # Panics
    /// If the input's feature size is not the model's `input_size`, or the batch or sequence is
    /// empty; the message is that of the error [`try_forward`](Self::try_forward) returns.
    pub fn forward(&self, inputs: Tensor<3>) -> ModelOutput {
        self.try_forward(inputs, None)
            .unwrap_or_else(|e| panic!("{e}"))
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
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`forward`](Self::forward) (`lengths` `None`) or
    /// [`forward_with_lengths`](Self::forward_with_lengths), with every argument checked first.
    ///
    /// # Errors
    /// The layer's [`InputSizeMismatch`](LayerError::InputSizeMismatch),
    /// [`EmptyBatch`](LayerError::EmptyBatch), [`EmptySequence`](LayerError::EmptySequence),
    /// [`LengthCountMismatch`](LayerError::LengthCountMismatch) and
    /// [`InvalidSequenceLength`](LayerError::InvalidSequenceLength) as [`ModelError::Layer`];
    /// with a front end, [`SequenceTooShort`](ModelError::SequenceTooShort) when its
    /// convolutions leave nothing of the shortest sequence.
    pub fn try_forward(
        &self,
        inputs: Tensor<3>,
        lengths: Option<&[usize]>,
    ) -> Result<ModelOutput, ModelError> {
        let device = inputs.device();
        let (inputs, lengths) = self.through_front_end(inputs, lengths)?;
        let lengths = lengths.as_deref();
        let (output, state) = match lengths {
            Some(lengths) => self
                .recurrent
                .try_forward_with_lengths(inputs, lengths, None)?,
            None => self.recurrent.try_forward(inputs, None)?,
        };
        let hidden = state.hidden;
        let mean = |output: Tensor<3>| -> Tensor<2> {
            match lengths {
                // Padded steps output zeros: their sum over the valid steps' count.
                Some(lengths) => {
                    let counts: Vec<f32> = lengths.iter().map(|&l| l as f32).collect();
                    let counts = Tensor::<2>::from_data(
                        TensorData::new(counts, [lengths.len(), 1]),
                        &device,
                    )
                    .cast(output.dtype());
                    output.sum_dim(1).squeeze_dim::<2>(1) / counts
                }
                None => output.mean_dim(1).squeeze_dim(1),
            }
        };
        let last = |hidden: Tensor<3>| self.last_states(hidden);
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

    /// `inputs` and `lengths` after the front end (checked first, in the input's terms), or
    /// as they are without one.
    fn through_front_end<'a>(
        &self,
        inputs: Tensor<3>,
        lengths: Option<&'a [usize]>,
    ) -> Result<FrontEndOutput<'a>, ModelError> {
        // Borrowed without a front end: no copy of the lengths on every call.
        let Some(front) = &self.front_end else {
            return Ok((inputs, lengths.map(Cow::Borrowed)));
        };
        let dims = inputs.dims();
        check_batch_first(dims, self.config.input_size, lengths)?;
        let shortest = lengths.and_then(|l| l.iter().min().copied());
        front.check_length(shortest.unwrap_or(dims[1]))?;
        let shortened = lengths.map(|lengths| {
            let config = front.config();
            Cow::Owned(lengths.iter().map(|&l| config.output_length(l)).collect())
        });
        Ok((front.forward(inputs), shortened))
    }

    /// Advances one time step, for streaming inference: the layer's
    /// [`step`](Recurrent::step), then the head on the last layer's output at that step.
    ///
    /// - `x_t`: `[batch, input_size]`, the step's features.
    /// - `state`: the layer's state after the steps so far (each tensor `[num_layers, batch,
    ///   hidden_size]`, with a cell state for an LSTM only); `None` starts from zeros.
    ///
    /// Returns the prediction `[batch, output_size]` and the new state. With
    /// [`Readout::Last`] it is the prediction for the sequence so far: after the last step,
    /// exactly what [`forward`](Self::forward) predicts for the whole sequence. With
    /// [`Readout::All`] it is this step's prediction, [`forward`](Self::forward)'s output at
    /// this step.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor, TensorData};
    /// use recurrent::model::{CellType, ModelOutput, SequenceModelConfig};
    ///
    /// let device = Device::flex();
    /// let model = SequenceModelConfig::new(CellType::Lstm, 2, 8, 1).init(&device);
    /// let values: Vec<f32> = (0..5 * 2).map(|i| (i as f32 * 0.3).cos()).collect();
    /// let sequence = Tensor::<3>::from_data(TensorData::new(values, [1, 5, 2]), &device);
    ///
    /// let mut state = None;
    /// let mut prediction = None;
    /// for t in 0..5 {
    ///     let x_t = sequence.clone().narrow(1, t, 1).reshape([1, 2]);
    ///     let (y, next) = model.step(x_t, state);
    ///     (prediction, state) = (Some(y), Some(next));
    /// }
    /// let ModelOutput::PerSequence(whole) = model.forward(sequence) else { unreachable!() };
    /// let streamed: Vec<f32> = prediction.unwrap().into_data().try_to_vec().unwrap();
    /// let whole: Vec<f32> = whole.into_data().try_to_vec().unwrap();
    /// assert!((streamed[0] - whole[0]).abs() < 1e-6);
    /// ```
    ///
    /// # Panics
    /// If the readout is [`Readout::Mean`] or [`Readout::LastAndMean`] (whose prediction needs
    /// the whole sequence), the model has a front end (whose strides read several steps), the
    /// layer is bidirectional, the input's feature size is not
    /// `input_size`, the batch is empty, or the state has the wrong shape, device or kind; the
    /// message is that of the error [`try_step`](Self::try_step) returns.
    pub fn step(
        &self,
        x_t: Tensor<2>,
        state: Option<RecurrentState>,
    ) -> (Tensor<2>, RecurrentState) {
        self.try_step(x_t, state).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`step`](Self::step) with every argument checked first.
    ///
    /// # Errors
    /// [`ReadoutCannotStep`](ModelError::ReadoutCannotStep) for [`Readout::Mean`] and
    /// [`Readout::LastAndMean`], [`FrontEndCannotStep`](ModelError::FrontEndCannotStep) for a
    /// model with a front end; the layer's [`try_step`](Recurrent::try_step) errors as
    /// [`ModelError::Layer`] ([`StepOnBidirectional`](LayerError::StepOnBidirectional),
    /// [`InputSizeMismatch`](LayerError::InputSizeMismatch), the state's).
    pub fn try_step(
        &self,
        x_t: Tensor<2>,
        state: Option<RecurrentState>,
    ) -> Result<(Tensor<2>, RecurrentState), ModelError> {
        let readout = match self.readout {
            Readout::Last | Readout::All => None,
            Readout::Mean => Some("Mean"),
            Readout::LastAndMean => Some("LastAndMean"),
        };
        if let Some(readout) = readout {
            return Err(ModelError::ReadoutCannotStep { readout });
        }
        if self.front_end.is_some() {
            return Err(ModelError::FrontEndCannotStep);
        }
        let (output, state) = self.recurrent.try_step(x_t, state)?;
        Ok((self.head.forward(output), state))
    }
}

impl Trainable for SequenceModel {
    fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput {
        self.forward(inputs)
    }

    fn input_size(&self) -> usize {
        self.config.input_size
    }

    fn min_sequence_length(&self) -> usize {
        self.config
            .front_end
            .as_ref()
            .map_or(1, ConvFrontEndConfig::min_sequence_length)
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

    fn forward_chunk(
        &self,
        inputs: Tensor<3>,
        state: Option<RecurrentState>,
    ) -> Option<(ModelOutput, RecurrentState)> {
        if !self.supports_tbptt() {
            return None;
        }
        let (output, state) = self.recurrent.forward(inputs, state);
        let prediction = match self.readout {
            Readout::All => ModelOutput::PerStep(self.head.forward(output)),
            _ => {
                ModelOutput::PerSequence(self.head.forward(self.last_states(state.hidden.clone())))
            }
        };
        Some((prediction, state))
    }

    fn supports_tbptt(&self) -> bool {
        matches!(self.readout, Readout::Last | Readout::All) && self.front_end.is_none()
    }
}
