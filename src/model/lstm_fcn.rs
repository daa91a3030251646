//! [`LstmFcn`]: LSTM-FCN (Karim et al. 2017), an LSTM beside a fully convolutional network,
//! their features concatenated before a linear classifier.

use std::path::Path;

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, PaddingConfig1d};
use burn::tensor::{Device, Tensor};

use super::conv_block::{ConvBlock, ConvBlockSpec, forward_blocks};
use super::error::ModelError;
use super::file::{LSTM_FCN_FORMAT, load_model_as, save_model_as};
use super::front_end::block_seed;
use super::sequence_model::seeded_linear;
use super::trainable::{ModelOutput, Trainable};
use crate::layers::{Lstm, LstmConfig, Recurrent, check_batch_first};

/// Options of an [`LstmFcn`]. The defaults are the paper's: an LSTM of 8 cells with dropout
/// 0.8 on its final state, and three blocks of `Conv1d` ("same" padding), batch norm and ReLU
/// with 128, 256 and 128 filters of widths 8, 5 and 3, averaged over time.
///
/// With [`dimension_shuffle`](Self::dimension_shuffle) `Some(length)`, the paper's main
/// variant, the LSTM reads the series transposed: one step per feature, with the series'
/// `length` steps as its features (a univariate series is one step of `length` values). The
/// model then reads series of that one length. Without it, the LSTM reads the series step by
/// step, of any length.
///
/// Train it in large batches (the whole training set of a small dataset, up to about 128, as
/// the paper does): its batch norms use the batch's statistics while training and running
/// averages of them at test time, and on ArrowHead batches of 16 and 4 left running averages
/// that made the trained model predict one class (docs/training.md, "Models for long series").
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use recurrent::model::{LstmFcn, LstmFcnConfig};
///
/// let device = Device::flex();
/// // ArrowHead: univariate series of 251 steps, 3 classes.
/// let config = LstmFcnConfig::new(1, 3).with_dimension_shuffle(Some(251)).with_seed(Some(1));
/// let model: LstmFcn = config.try_init(&device)?;
/// let logits = model.forward(Tensor::zeros([4, 251, 1], &device));
/// assert_eq!(logits.dims(), [4, 3]);
/// // LSTM 4 * 8 * (251 + 8 + 2), convolutions 128 * 8 + 256 * 128 * 5 + 128 * 256 * 3 (and
/// // biases), batch norms 4 * (128 + 256 + 128) (gain, bias and the running mean and
/// // variance, which `num_params` counts too), head (8 + 128) * 3 + 3.
/// use burn::module::Module;
/// let lstm = 4 * 8 * (251 + 8 + 2);
/// let convs = (128 * 8 + 128) + (256 * 128 * 5 + 256) + (128 * 256 * 3 + 128);
/// assert_eq!(model.num_params(), lstm + convs + 4 * 512 + (8 + 128) * 3 + 3);
/// # Ok::<(), recurrent::model::ModelError>(())
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct LstmFcnConfig {
    /// Features per step.
    pub input_size: usize,
    /// Outputs of the classifier: the class count (1 for binary classification).
    pub output_size: usize,
    /// The LSTM's hidden units (the paper tries 8, 64 and 128).
    #[config(default = 8)]
    pub lstm_hidden: usize,
    /// Filters of each convolution, in order.
    #[config(default = "vec![128, 256, 128]")]
    pub filters: Vec<usize>,
    /// Width of each convolution, one per entry of `filters`.
    #[config(default = "vec![8, 5, 3]")]
    pub kernel_sizes: Vec<usize>,
    /// Dropout on the LSTM's final state while training.
    #[config(default = 0.8)]
    pub dropout: f64,
    /// `Some(series length)`: the LSTM reads the series transposed (the paper's dimension
    /// shuffle); `None`: step by step.
    pub dimension_shuffle: Option<usize>,
    /// Seed for the initial weights; `None` uses the device's generator.
    pub seed: Option<u64>,
}

impl LstmFcnConfig {
    /// Checks the options, before any tensor is made.
    ///
    /// # Errors
    /// [`ZeroOutputSize`](ModelError::ZeroOutputSize); [`ZeroSize`](ModelError::ZeroSize) for
    /// an input size, hidden size, filter count, kernel width or shuffle length of 0;
    /// [`ConvolutionCountMismatch`](ModelError::ConvolutionCountMismatch) when `filters` and
    /// `kernel_sizes` differ in length or are empty; [`InvalidDropout`](ModelError::InvalidDropout)
    /// outside `[0, 1)`.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.output_size == 0 {
            return Err(ModelError::ZeroOutputSize);
        }
        if self.filters.len() != self.kernel_sizes.len() || self.filters.is_empty() {
            return Err(ModelError::ConvolutionCountMismatch {
                filters: self.filters.len(),
                kernel_sizes: self.kernel_sizes.len(),
            });
        }
        let zero = [
            ("input_size", self.input_size),
            ("lstm_hidden", self.lstm_hidden),
            ("dimension_shuffle", self.dimension_shuffle.unwrap_or(1)),
        ]
        .into_iter()
        .chain(self.filters.iter().map(|&f| ("filters", f)))
        .chain(self.kernel_sizes.iter().map(|&k| ("kernel_sizes", k)))
        .find(|(_, size)| *size == 0);
        if let Some((field, _)) = zero {
            return Err(ModelError::ZeroSize { field });
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(ModelError::InvalidDropout {
                found: self.dropout,
            });
        }
        Ok(())
    }

    /// Builds the model on `device`, after [`validate`](Self::validate). Every weight is drawn
    /// from its PyTorch module's default distribution, from `seed`'s streams when given.
    ///
    /// # Errors
    /// As [`validate`](Self::validate).
    pub fn try_init(&self, device: &Device) -> Result<LstmFcn, ModelError> {
        self.validate()?;
        let lstm_input = self.dimension_shuffle.unwrap_or(self.input_size);
        let lstm = LstmConfig::new(lstm_input, self.lstm_hidden)
            .with_seed(self.seed)
            .try_init(device)?;
        let channels_in = std::iter::once(self.input_size).chain(self.filters.iter().copied());
        let blocks = channels_in
            .zip(self.filters.iter().zip(&self.kernel_sizes))
            .enumerate()
            .map(|(i, (channels_in, (&channels_out, &kernel_size)))| {
                ConvBlockSpec {
                    channels_in,
                    channels_out,
                    kernel_size,
                    stride: 1,
                    padding: PaddingConfig1d::Same,
                    batch_norm: true,
                }
                .init(self.seed.map(|s| block_seed(s, i)), device)
            })
            .collect();
        let features = self.lstm_hidden + self.filters[self.filters.len() - 1];
        Ok(LstmFcn {
            lstm,
            blocks,
            dropout: DropoutConfig::new(self.dropout).init(),
            head: seeded_linear(features, self.output_size, self.seed, device),
            config: self.clone(),
        })
    }
}

/// LSTM-FCN (Karim, Majumdar, Darabi and Chen 2017, "LSTM Fully Convolutional Networks for
/// Time Series Classification"), built from an [`LstmFcnConfig`]:
///
/// ```text
/// x [batch, seq, features] ─┬─ LSTM (x, or x transposed) ─ final state ─ dropout ──┐
///                           └─ 3 x (Conv1d, BatchNorm, ReLU) ─ mean over time ─────┴─ concat ─ Linear
/// ```
///
/// Outputs are logits `[batch, output_size]`; train it with the [`Trainer`](crate::train::Trainer)
/// like any [`Trainable`], save it with [`save`](Self::save) and read it back with
/// [`load`](Self::load).
#[derive(Module, Debug)]
pub struct LstmFcn {
    /// The LSTM branch.
    pub lstm: Lstm,
    blocks: Vec<ConvBlock>,
    dropout: Dropout,
    /// The classifier, `lstm_hidden + last filters -> output_size`.
    pub head: Linear,
    #[module(skip)]
    config: LstmFcnConfig,
}

impl LstmFcn {
    /// The config the model was built from or loaded with.
    pub fn config(&self) -> &LstmFcnConfig {
        &self.config
    }

    /// Logits `[batch, output_size]` for `inputs` `[batch, seq, input_size]`.
    ///
    /// # Panics
    /// If the input's feature size is not `input_size`, the batch or sequence is empty, or
    /// (with the dimension shuffle) `seq` is not the configured length; the message is that of
    /// the error [`try_forward`](Self::try_forward) returns.
    pub fn forward(&self, inputs: Tensor<3>) -> Tensor<2> {
        self.try_forward(inputs).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`forward`](Self::forward), with the input checked first.
    ///
    /// # Errors
    /// [`InputSizeMismatch`](crate::layers::LayerError::InputSizeMismatch),
    /// [`EmptyBatch`](crate::layers::LayerError::EmptyBatch) and
    /// [`EmptySequence`](crate::layers::LayerError::EmptySequence) as [`ModelError::Layer`];
    /// [`SequenceLengthMismatch`](ModelError::SequenceLengthMismatch) with the dimension
    /// shuffle.
    pub fn try_forward(&self, inputs: Tensor<3>) -> Result<Tensor<2>, ModelError> {
        let dims = inputs.dims();
        check_batch_first(dims, self.config.input_size, None)?;
        let lstm_input = match self.config.dimension_shuffle {
            Some(expected) if dims[1] != expected => {
                return Err(ModelError::SequenceLengthMismatch {
                    expected,
                    found: dims[1],
                });
            }
            Some(_) => inputs.clone().swap_dims(1, 2),
            None => inputs.clone(),
        };
        let (_, state) = self.lstm.forward(lstm_input, None);
        let recurrent = self.dropout.forward(state.hidden.squeeze_dim::<2>(0));
        let convolutional = forward_blocks(&self.blocks, inputs.swap_dims(1, 2))
            .mean_dim(2)
            .squeeze_dim::<2>(2);
        Ok(self
            .head
            .forward(Tensor::cat(vec![recurrent, convolutional], 1)))
    }

    /// Saves the model to the folder `dir` (created if needed), with its config, atomically:
    /// as [`SequenceModel::save`](crate::model::SequenceModel::save), with the format marker
    /// `"recurrent-lstm-fcn"`. The batch norms' running statistics are saved with the weights.
    ///
    /// # Errors
    /// [`SaveFailed`](ModelError::SaveFailed), naming the folder or file that could not be
    /// written.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<(), ModelError> {
        save_model_as(self, dir.as_ref(), LSTM_FCN_FORMAT, &self.config)
    }

    /// Loads a model [`save`](Self::save)d to `dir` onto `device`: built from its saved config,
    /// its weights checked (names, shapes, element types, checksum) before any is taken.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor, TensorData};
    /// use recurrent::model::{LstmFcn, LstmFcnConfig};
    ///
    /// let device = Device::flex();
    /// let model = LstmFcnConfig::new(2, 4)
    ///     .with_filters(vec![8, 8])
    ///     .with_kernel_sizes(vec![3, 3])
    ///     .with_seed(Some(5))
    ///     .try_init(&device)?;
    /// let dir = std::env::temp_dir().join(format!("recurrent-doctest-fcn-{}", std::process::id()));
    /// model.save(&dir)?;
    /// let loaded = LstmFcn::load(&dir, &device)?;
    /// assert_eq!(loaded.config(), model.config());
    ///
    /// let values: Vec<f32> = (0..3 * 7 * 2).map(|i| (i as f32 * 0.21).sin()).collect();
    /// let x = Tensor::<3>::from_data(TensorData::new(values, [3, 7, 2]), &device);
    /// assert_eq!(model.forward(x.clone()).into_data(), loaded.forward(x).into_data());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), recurrent::RecurrentError>(())
    /// ```
    ///
    /// # Errors
    /// As [`SequenceModel::load`](crate::model::SequenceModel::load), with an
    /// `LstmFcnConfig` and its [`try_init`](LstmFcnConfig::try_init) errors.
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<LstmFcn, ModelError> {
        load_model_as(dir.as_ref(), LSTM_FCN_FORMAT, |config: LstmFcnConfig| {
            config.try_init(device)
        })
    }
}

impl Trainable for LstmFcn {
    fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput {
        ModelOutput::PerSequence(self.forward(inputs))
    }

    fn input_size(&self) -> usize {
        self.config.input_size
    }

    fn output_size(&self) -> usize {
        self.config.output_size
    }

    fn sequence_length(&self) -> Option<usize> {
        self.config.dimension_shuffle
    }
}
