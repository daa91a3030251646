//! Ready sequence models (a recurrent layer, a readout and a linear head) and the small trait
//! through which the trainer drives any model.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use std::path::Path;

use burn::store::{BurnpackStore, ModuleSnapshot};

use crate::RecurrentError;
use crate::io::burnpack::{LoadProblem, load_exact, read_metadata};
use crate::io::{replace_atomically, write_atomically};
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
    /// For truncated backpropagation through time
    /// ([`TrainerConfig::tbptt`](crate::train::TrainerConfig::tbptt)): predictions for
    /// `inputs`, a chunk of steps `[batch, chunk, input_size]`, run from `state` (`None`: the
    /// initial state), and the state after the chunk. The default, `None`, means unsupported.
    fn forward_chunk(
        &self,
        inputs: Tensor<3>,
        state: Option<RecurrentState>,
    ) -> Option<(ModelOutput, RecurrentState)> {
        let _ = (inputs, state);
        None
    }
    /// Whether [`forward_chunk`](Self::forward_chunk) carries the state, so that the model can
    /// train with truncated BPTT.
    fn supports_tbptt(&self) -> bool {
        false
    }
}

/// The state a model carries from one chunk of a sequence to the next (truncated BPTT): its
/// recurrent layer's states, `[num_layers * D, batch, hidden]` each.
#[derive(Debug, Clone)]
pub struct RecurrentState {
    /// The hidden state.
    pub hidden: Tensor<3>,
    /// The LSTM's cell state.
    pub cell: Option<Tensor<3>>,
}

impl RecurrentState {
    /// The same state cut from the autodiff graph: gradients stop here.
    pub fn detach(self) -> Self {
        Self {
            hidden: self.hidden.detach(),
            cell: self.cell.map(Tensor::detach),
        }
    }
}

/// A saved model's file: its weights and, in its metadata, its config.
const WEIGHTS_FILE: &str = "model.bpk";
/// The copy of the config beside it, for people and tools.
const CONFIG_FILE: &str = "model.json";
/// The key of the config in `model.bpk`'s metadata.
const CONFIG_KEY: &str = "recurrent.model";
/// The config's `"format"` marker.
const FILE_FORMAT: &str = "recurrent-sequence-model";
/// The config's `"version"`.
const FILE_VERSION: u64 = 1;

/// The config as saved: `{"format", "version", "config"}`.
fn model_config_json(config: &SequenceModelConfig) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&serde_json::json!({
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "config": config,
    }))
}

/// A problem reading the saved model's file `path` as the error `load` returns.
fn model_file_error(path: &Path, problem: LoadProblem) -> RecurrentError {
    match problem {
        LoadProblem::Unreadable(reason) => RecurrentError::ModelFileUnreadable {
            path: path.to_path_buf(),
            reason,
        },
        LoadProblem::Mismatch {
            what,
            expected,
            found,
        } => RecurrentError::ModelFileMismatch {
            path: path.to_path_buf(),
            what,
            expected,
            found,
        },
    }
}

/// Reads the config saved in the metadata of `path` (a `model.bpk`), checking its marker and
/// version.
fn read_model_config(path: &Path) -> Result<SequenceModelConfig, RecurrentError> {
    let unreadable = |reason: String| RecurrentError::ModelFileUnreadable {
        path: path.to_path_buf(),
        reason,
    };
    let mismatch =
        |what: &str, expected: String, found: String| RecurrentError::ModelFileMismatch {
            path: path.to_path_buf(),
            what: what.to_string(),
            expected,
            found,
        };
    let text = read_metadata(path, CONFIG_KEY)
        .map_err(|problem| model_file_error(path, problem))?
        .ok_or_else(|| {
            unreadable(format!(
                "expected the model's config in its metadata under {CONFIG_KEY:?} (as SequenceModel::save writes it), found none"
            ))
        })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        unreadable(format!(
            "expected JSON under {CONFIG_KEY:?} in its metadata, found a syntax error: {e}"
        ))
    })?;
    let field = |name: &str| match value.get(name) {
        Some(v) => v.to_string(),
        None => format!("no {name:?} field"),
    };
    if value.get("format").and_then(serde_json::Value::as_str) != Some(FILE_FORMAT) {
        return Err(mismatch(
            "format",
            format!("{FILE_FORMAT:?}"),
            field("format"),
        ));
    }
    if value.get("version").and_then(serde_json::Value::as_u64) != Some(FILE_VERSION) {
        return Err(mismatch(
            "version",
            FILE_VERSION.to_string(),
            field("version"),
        ));
    }
    let config = value.get("config").ok_or_else(|| {
        unreadable("expected a \"config\" field with the model's options, found none".into())
    })?;
    serde_json::from_value(config.clone())
        .map_err(|e| unreadable(format!("expected a SequenceModelConfig, found: {e}")))
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
            config: self.clone(),
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
    /// The output `[batch, seq, D * H]` and the final states, from `state` (`None`: zeros).
    ///
    /// # Panics
    /// As the layer's `forward`.
    pub fn forward_from(
        &self,
        inputs: Tensor<3>,
        state: Option<RecurrentState>,
    ) -> (Tensor<3>, RecurrentState) {
        let rnn_state = |s: Option<RecurrentState>| s.map(|s| crate::RnnState { hidden: s.hidden });
        match self {
            RecurrentLayer::Rnn(l) => {
                let (out, s) = l.forward(inputs, rnn_state(state));
                (
                    out,
                    RecurrentState {
                        hidden: s.hidden,
                        cell: None,
                    },
                )
            }
            RecurrentLayer::Gru(l) => {
                let (out, s) = l.forward(inputs, rnn_state(state));
                (
                    out,
                    RecurrentState {
                        hidden: s.hidden,
                        cell: None,
                    },
                )
            }
            RecurrentLayer::Lstm(l) => {
                let state = state.map(|s| {
                    let cell = s.cell.unwrap_or_else(|| s.hidden.zeros_like());
                    crate::LstmState {
                        hidden: s.hidden,
                        cell,
                    }
                });
                let (out, s) = l.forward(inputs, state);
                (
                    out,
                    RecurrentState {
                        hidden: s.hidden,
                        cell: Some(s.cell),
                    },
                )
            }
        }
    }

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
    #[module(skip)]
    config: SequenceModelConfig,
}

impl SequenceModel {
    /// The readout.
    pub fn readout(&self) -> Readout {
        self.readout
    }

    /// The last layer's final states, forward then reverse, from all states
    /// `[layers * D, batch, H]`: `[batch, D * H]`.
    fn last_states(&self, hidden: Tensor<3>) -> Tensor<2> {
        let d = self.recurrent.directions();
        let [rows, batch, h] = hidden.dims();
        hidden
            .narrow(0, rows - d, d)
            .swap_dims(0, 1)
            .reshape([batch, d * h])
    }

    /// The config the model was built from ([`SequenceModelConfig::try_init`]) or loaded with
    /// ([`load`](Self::load)).
    pub fn config(&self) -> &SequenceModelConfig {
        &self.config
    }

    /// Saves the model to the folder `dir` (created if needed) for [`load`](Self::load):
    /// `dir/model.bpk` (Burnpack) holds the weights and, in its metadata, the config;
    /// `dir/model.json` is a copy of the config to read (`load` does not need it).
    ///
    /// The model is one file, written to a temporary file beside it, synced and renamed over
    /// the old one: a save that fails or is cut short leaves the earlier model whole, and a
    /// model that loads always has its own config. `model.json` is replaced the same way
    /// afterwards.
    ///
    /// # Errors
    /// [`WriteFailed`](RecurrentError::WriteFailed), naming the folder or the file that could
    /// not be written (when only `model.json` fails, the model itself is saved).
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<(), RecurrentError> {
        let dir = dir.as_ref();
        let failed = |path: &Path, reason: String| RecurrentError::WriteFailed {
            path: path.to_path_buf(),
            reason,
        };
        std::fs::create_dir_all(dir).map_err(|e| failed(dir, e.to_string()))?;
        let config_path = dir.join(CONFIG_FILE);
        let json =
            model_config_json(&self.config).map_err(|e| failed(&config_path, e.to_string()))?;

        let weights = dir.join(WEIGHTS_FILE);
        replace_atomically(&weights, |temp| {
            let mut store = BurnpackStore::from_file(temp)
                .auto_extension(false)
                .overwrite(true)
                .metadata(CONFIG_KEY, json.as_str());
            self.save_into(&mut store)
                .map_err(|e| std::io::Error::other(e.to_string()))
        })
        .map_err(|e| failed(&weights, e.to_string()))?;

        write_atomically(&config_path, json.as_bytes())
            .map_err(|e| failed(&config_path, e.to_string()))
    }

    /// Loads a model [`save`](Self::save)d to the folder `dir`, onto `device`: builds it from
    /// the config in `dir/model.bpk`'s metadata and reads its weights from the same file
    /// (`model.json`, the readable copy, is not read). Any backend loads what any other saved.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor, TensorData};
    /// use recurrent::model::{CellType, ModelOutput, SequenceModel, SequenceModelConfig};
    ///
    /// let device = Device::flex();
    /// let model = SequenceModelConfig::new(CellType::Gru, 2, 8, 3)
    ///     .with_seed(Some(7))
    ///     .init(&device);
    /// let dir = std::env::temp_dir().join(format!("recurrent-doctest-{}", std::process::id()));
    /// model.save(&dir)?;
    ///
    /// let loaded = SequenceModel::load(&dir, &device)?;
    /// assert_eq!(loaded.config(), model.config());
    /// let input = || {
    ///     let values: Vec<f32> = (0..2 * 5 * 2).map(|i| (i as f32 * 0.37).sin()).collect();
    ///     Tensor::<3>::from_data(TensorData::new(values, [2, 5, 2]), &device)
    /// };
    /// let (ModelOutput::PerSequence(a), ModelOutput::PerSequence(b)) =
    ///     (model.forward(input()), loaded.forward(input()))
    /// else { unreachable!() };
    /// let a: Vec<f32> = a.into_data().try_to_vec().unwrap();
    /// let b: Vec<f32> = b.into_data().try_to_vec().unwrap();
    /// assert_eq!(a.len(), 2 * 3);
    /// assert_eq!(a, b);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), recurrent::RecurrentError>(())
    /// ```
    ///
    /// # Errors
    /// - [`ModelFileNotFound`](RecurrentError::ModelFileNotFound): no `dir` or `model.bpk`.
    /// - [`ModelFileUnreadable`](RecurrentError::ModelFileUnreadable): a `model.bpk` that
    ///   cannot be read, is truncated or not Burnpack, or holds no model config (or one that
    ///   is not JSON, or not a `SequenceModelConfig`) in its metadata.
    /// - [`ModelFileMismatch`](RecurrentError::ModelFileMismatch): a config of another format
    ///   or version, tensors (names, shapes, element types) that are not those of the
    ///   config's model.
    /// - The errors of [`SequenceModelConfig::try_init`], for a config no model can be built
    ///   from.
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<SequenceModel, RecurrentError> {
        let dir = dir.as_ref();
        if std::fs::metadata(dir).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            return Err(RecurrentError::ModelFileNotFound {
                path: dir.to_path_buf(),
            });
        }
        let weights = dir.join(WEIGHTS_FILE);
        if std::fs::metadata(&weights).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            return Err(RecurrentError::ModelFileNotFound { path: weights });
        }
        let config = read_model_config(&weights)?;
        let model = config.try_init(device)?;
        load_exact(model, &weights, "the model of its config")
            .map_err(|problem| model_file_error(&weights, problem))
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

    fn forward_chunk(
        &self,
        inputs: Tensor<3>,
        state: Option<RecurrentState>,
    ) -> Option<(ModelOutput, RecurrentState)> {
        if !self.supports_tbptt() {
            return None;
        }
        let (output, state) = self.recurrent.forward_from(inputs, state);
        let prediction = match self.readout {
            Readout::All => ModelOutput::PerStep(self.head.forward(output)),
            _ => {
                ModelOutput::PerSequence(self.head.forward(self.last_states(state.hidden.clone())))
            }
        };
        Some((prediction, state))
    }

    fn supports_tbptt(&self) -> bool {
        matches!(self.readout, Readout::Last | Readout::All)
    }
}
