//! The crate's one error type.

use std::path::PathBuf;

use thiserror::Error;

/// Everything a user of `recurrent` can get wrong, one variant per mistake.
///
/// Every message names what was expected and what was found. The checked entry points
/// (`try_init`, `try_forward`, `try_step`, `load_pytorch*`, `save_pytorch`) return these; the
/// unchecked ones (`init`, `forward`, `step`) panic with the same message.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum RecurrentError {
    // ---- layer configuration ----
    /// A layer config asked for zero layers.
    #[error("invalid layer config: num_layers must be at least 1, found 0")]
    ZeroLayers,
    /// A layer config asked for zero input features.
    #[error("invalid layer config: input_size must be at least 1, found 0")]
    ZeroInputSize,
    /// A layer config asked for zero hidden units.
    #[error("invalid layer config: hidden_size must be at least 1, found 0")]
    ZeroHiddenSize,
    /// Dropout probability outside `[0, 1)` (or not a number).
    #[error("invalid layer config: dropout must be in [0, 1), found {dropout}")]
    InvalidDropout {
        /// The probability that was given.
        dropout: f64,
    },

    // ---- forward inputs ----
    /// The input's feature dimension differs from the layer's `input_size`.
    #[error(
        "input feature size mismatch: expected {expected} features (the layer's input_size), found {found}"
    )]
    InputSizeMismatch {
        /// The layer's `input_size`.
        expected: usize,
        /// The size of the input's last dimension.
        found: usize,
    },
    /// The input holds no sequences.
    #[error("empty batch: expected at least one sequence, found an input of shape {shape:?}")]
    EmptyBatch {
        /// The input's shape.
        shape: [usize; 3],
    },
    /// The input's sequences have no time steps.
    #[error("empty sequence: expected at least one time step, found an input of shape {shape:?}")]
    EmptySequence {
        /// The input's shape.
        shape: [usize; 3],
    },
    /// An initial state tensor has the wrong shape.
    #[error(
        "{which} state shape mismatch: expected [num_layers * num_directions, batch, hidden_size] = {expected:?}, found {found:?}"
    )]
    StateShapeMismatch {
        /// `"hidden"` or `"cell"`.
        which: &'static str,
        /// The shape the layer needs for this input.
        expected: [usize; 3],
        /// The shape that was given.
        found: [usize; 3],
    },
    /// An initial state tensor lives on another device than the input.
    #[error("{which} state device mismatch: expected the input's device {expected}, found {found}")]
    StateDeviceMismatch {
        /// `"hidden"` or `"cell"`.
        which: &'static str,
        /// The input's device.
        expected: String,
        /// The state's device.
        found: String,
    },
    /// `step` was called on a bidirectional layer, whose reverse direction needs the whole sequence.
    #[error(
        "step needs a unidirectional layer: expected bidirectional = false, found a bidirectional layer (use forward over the whole sequence)"
    )]
    StepOnBidirectional,

    // ---- backends ----
    /// A backend name that is none of the crate's.
    #[error("unknown backend {name:?}: expected one of \"flex\", \"ndarray\", \"wgpu\"")]
    UnknownBackend {
        /// The name that was given.
        name: String,
    },
    /// A backend whose cargo feature this build does not have.
    #[error(
        "backend {backend:?} is not compiled in: expected one of [{available}], or rebuild with `--features {backend}`"
    )]
    BackendNotCompiled {
        /// The backend (and cargo feature) asked for.
        backend: &'static str,
        /// The backends this build has, comma-separated.
        available: String,
    },

    /// wgpu found no adapter to run on.
    #[error(
        "no GPU adapter: expected wgpu to find a Vulkan, Metal or DX12 device, found none (on a headless Linux machine, install Mesa's lavapipe: apt-get install mesa-vulkan-drivers)"
    )]
    NoGpuAdapter,

    // ---- weight files ----
    /// The weight file does not exist.
    #[error("weight file not found: expected a file at {path:?}")]
    WeightFileNotFound {
        /// The path that was given.
        path: PathBuf,
    },
    /// The weight file exists but could not be read or parsed.
    #[error(
        "unreadable weight file {path:?}: expected a PyTorch (.pt/.pth) or safetensors file, {reason}"
    )]
    UnreadableWeightFile {
        /// The path that was given.
        path: PathBuf,
        /// What the reader reported.
        reason: String,
    },
    /// A tensor the layer needs is not in the file.
    #[error(
        "missing weight in {path:?}: expected a tensor named {key:?}, found none (the file has: {found})"
    )]
    MissingWeight {
        /// The file.
        path: PathBuf,
        /// PyTorch's name for the tensor, prefix included.
        key: String,
        /// The names that were found under the prefix, comma-separated.
        found: String,
    },
    /// The file holds a tensor (under the requested prefix) that the layer has no place for.
    #[error(
        "unexpected weight in {path:?}: found a tensor named {key:?} that this layer does not have (expected only: {expected})"
    )]
    UnexpectedWeight {
        /// The file.
        path: PathBuf,
        /// The name of the surplus tensor.
        key: String,
        /// The names the layer expects, comma-separated.
        expected: String,
    },
    /// A tensor in the file has a different shape from the layer's parameter.
    #[error(
        "weight shape mismatch in {path:?} for {key:?}: expected {expected:?}, found {found:?}"
    )]
    WeightShapeMismatch {
        /// The file.
        path: PathBuf,
        /// PyTorch's name for the tensor, prefix included.
        key: String,
        /// The layer's shape for it.
        expected: Vec<usize>,
        /// The shape stored in the file.
        found: Vec<usize>,
    },
    /// A tensor in the file has a different element type from the layer's parameter.
    #[error("weight dtype mismatch in {path:?} for {key:?}: expected {expected}, found {found}")]
    WeightDTypeMismatch {
        /// The file.
        path: PathBuf,
        /// PyTorch's name for the tensor, prefix included.
        key: String,
        /// The layer's element type.
        expected: String,
        /// The element type stored in the file.
        found: String,
    },
    /// Saving to a format the crate cannot write.
    #[error(
        "unsupported weight format for saving {path:?}: expected a .safetensors path (torch loads it with safetensors.torch.load_file), found {found:?}"
    )]
    UnsupportedWeightFormat {
        /// The path that was given.
        path: PathBuf,
        /// The extension that was found.
        found: String,
    },
    /// Writing a weight file failed; any earlier file at the path is left intact.
    #[error("could not save weights to {path:?}: {reason}")]
    SaveFailed {
        /// The path that was given.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },

    // ---- data ----
    /// Inputs whose length does not match their declared shape, or a zero-sized shape.
    #[error("data shape mismatch for {what}: expected {expected}, found {found}")]
    DataShapeMismatch {
        /// What was being checked.
        what: &'static str,
        /// What the shape requires.
        expected: String,
        /// What was given.
        found: String,
    },
    /// A dataset with no sequences where at least one is needed.
    #[error("empty dataset: expected at least one sequence, found none")]
    EmptyDataset,
    /// Sequences (or steps) of different lengths where all must be equal.
    #[error(
        "ragged sequences: sequence {sequence} has {found} {what}, expected {expected} like the first"
    )]
    RaggedSequences {
        /// The first sequence that differs.
        sequence: usize,
        /// `"steps"` or `"features in a step"`.
        what: &'static str,
        /// The first sequence's count.
        expected: usize,
        /// This sequence's count.
        found: usize,
    },
    /// Targets whose count does not match the sequences.
    #[error("target count mismatch for {kind}: expected {expected}, found {found}")]
    TargetCountMismatch {
        /// The kind of targets.
        kind: &'static str,
        /// What the inputs require.
        expected: String,
        /// What was given.
        found: String,
    },
    /// A binary label that is neither 0 nor 1.
    #[error("invalid binary label for sequence {sequence}: expected 0.0 or 1.0, found {value}")]
    InvalidBinaryLabel {
        /// The sequence.
        sequence: usize,
        /// The label.
        value: f32,
    },
    /// A class label outside `0..num_classes`.
    #[error(
        "class out of range for sequence {sequence}: expected a label below {num_classes}, found {label}"
    )]
    ClassOutOfRange {
        /// The sequence.
        sequence: usize,
        /// The label.
        label: usize,
        /// The number of classes.
        num_classes: usize,
    },
    /// NaN or infinity in the inputs or targets.
    #[error(
        "non-finite {what} value in sequence {sequence}: expected a finite number, found {value}"
    )]
    NonFiniteValue {
        /// `"input"` or `"target"`.
        what: &'static str,
        /// The sequence.
        sequence: usize,
        /// The value.
        value: f32,
    },
    /// A split fraction that leaves one side empty.
    #[error(
        "invalid split fraction: expected 0 < fraction < 1 leaving both parts of {len} sequences non-empty, found {fraction}"
    )]
    InvalidSplitFraction {
        /// The fraction given.
        fraction: f64,
        /// The dataset's size.
        len: usize,
    },
    /// An index past the end of a dataset.
    #[error("index out of range: expected an index below {len}, found {index}")]
    IndexOutOfRange {
        /// The index.
        index: usize,
        /// The dataset's size.
        len: usize,
    },
    /// A data generator's options that cannot produce data.
    #[error("invalid {generator} config: {reason}")]
    InvalidGeneratorConfig {
        /// The generator.
        generator: &'static str,
        /// What is wrong, with the expected and found values.
        reason: String,
    },

    // ---- models ----
    /// A cell name that is not `rnn`, `lstm` or `gru` (`CellType::from_str`).
    #[error("unknown cell {name:?}: expected \"rnn\", \"lstm\" or \"gru\"")]
    UnknownCell {
        /// The name given.
        name: String,
    },
    /// A model config asked for zero outputs.
    #[error("invalid model config: output_size must be at least 1, found 0")]
    ZeroOutputSize,

    // ---- training ----
    /// A trainer config asked for zero epochs.
    #[error("invalid trainer config: epochs must be at least 1, found 0")]
    ZeroEpochs,
    /// A trainer config asked for batches of zero sequences.
    #[error("invalid trainer config: batch_size must be at least 1, found 0")]
    ZeroBatchSize,
    /// A learning rate that is not a positive finite number.
    #[error("invalid trainer config: learning_rate must be finite and > 0, found {learning_rate}")]
    InvalidLearningRate {
        /// The value given.
        learning_rate: f64,
    },
    /// A weight decay that is negative or not finite.
    #[error("invalid trainer config: weight_decay must be finite and >= 0, found {weight_decay}")]
    InvalidWeightDecay {
        /// The value given.
        weight_decay: f64,
    },
    /// A gradient-clipping norm that is not a positive finite number.
    #[error("invalid trainer config: grad_clip_norm must be finite and > 0, found {norm}")]
    InvalidGradientClip {
        /// The value given.
        norm: f64,
    },
    /// An SGD momentum outside `[0, 1)`.
    #[error("invalid trainer config: momentum must be in [0, 1), found {momentum}")]
    InvalidMomentum {
        /// The value given.
        momentum: f64,
    },
    /// A learning-rate schedule that cannot run.
    #[error("invalid trainer config: learning-rate schedule {schedule}: {reason}")]
    InvalidSchedule {
        /// The schedule.
        schedule: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Data whose features differ from the model's input size.
    #[error(
        "{which} data feature mismatch: expected {expected} features (the model's input_size), found {found}"
    )]
    FeatureMismatch {
        /// `"training"`, `"validation"` or `"evaluation"`.
        which: &'static str,
        /// The model's input size.
        expected: usize,
        /// The data's features.
        found: usize,
    },
    /// Targets of a kind the objective cannot use.
    #[error(
        "{which} targets do not fit the objective {objective}: expected {expected}, found {found}"
    )]
    ObjectiveMismatch {
        /// `"training"`, `"validation"` or `"evaluation"`.
        which: &'static str,
        /// The objective.
        objective: &'static str,
        /// The targets (or model outputs) the objective needs.
        expected: String,
        /// What the data (or model) has.
        found: String,
    },
    /// The loss became NaN or infinite; the model from before the step is kept.
    #[error(
        "training diverged: the loss became {loss} at epoch {epoch}, step {step} (expected a finite loss; try a lower learning rate or gradient clipping)"
    )]
    Diverged {
        /// The epoch (1-based).
        epoch: usize,
        /// The step within the epoch (1-based).
        step: usize,
        /// The loss value.
        loss: f32,
    },
    /// Writing a history file failed; any earlier file at the path is left intact.
    #[error("could not write {path:?}: {reason}")]
    WriteFailed {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A `.ts` file that does not follow the format or contradicts its own header.
    #[error("{file}: line {line}: {problem}")]
    TsFormat {
        /// The file (or `"<text>"` for parsed text).
        file: String,
        /// The 1-based line.
        line: usize,
        /// What was wrong.
        problem: crate::data::ts::TsProblem,
    },
    /// A data file (a `.ts` file, a saved normaliser) that could not be read or parsed.
    #[error("could not read {path:?}: {reason}")]
    DataFileUnreadable {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// Sequence lengths that do not match the batch.
    #[error(
        "sequence lengths mismatch: expected one length per sequence in the batch ({expected}), found {found}"
    )]
    LengthCountMismatch {
        /// The batch size.
        expected: usize,
        /// The number of lengths given.
        found: usize,
    },
    /// A sequence length of 0 or longer than the padded input.
    #[error(
        "invalid length for sequence {sequence}: expected 1 to {max} steps (the input's padded length), found {length}"
    )]
    InvalidSequenceLength {
        /// The sequence (batch row).
        sequence: usize,
        /// The length given.
        length: usize,
        /// The input's sequence dimension.
        max: usize,
    },
    /// Sequences of different lengths given to a model that cannot mask padding.
    #[error(
        "{which} data has sequences of different lengths (expected a model that supports them: Trainable::supports_lengths), found a model without length support"
    )]
    LengthsUnsupported {
        /// `"training"`, `"validation"` or `"evaluation"`.
        which: &'static str,
    },
    /// A checkpoint directory without a checkpoint to resume from.
    #[error(
        "no checkpoint in {dir:?}: expected a checkpoints.json written by Trainer::fit with checkpointing on"
    )]
    NoCheckpoint {
        /// The directory.
        dir: PathBuf,
    },
    /// A checkpoint file that could not be read: missing, truncated, corrupt or of another
    /// format.
    #[error("unreadable checkpoint {path:?}: {reason}")]
    CheckpointUnreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A checkpoint that does not fit the model or the trainer it is resumed with.
    #[error("checkpoint {path:?} does not match: {what}: expected {expected}, found {found}")]
    CheckpointMismatch {
        /// The checkpoint.
        path: PathBuf,
        /// What differs.
        what: String,
        /// What the model or trainer resuming it has.
        expected: String,
        /// What the checkpoint has.
        found: String,
    },
    /// Early stopping with a patience of 0 epochs.
    #[error("invalid trainer config: early-stopping patience must be at least 1 epoch, found 0")]
    ZeroPatience,
    /// A negative or non-finite early-stopping `min_delta`.
    #[error(
        "invalid trainer config: early-stopping min_delta must be finite and >= 0, found {min_delta}"
    )]
    InvalidMinDelta {
        /// The value given.
        min_delta: f64,
    },
    /// Checkpoints every 0 epochs.
    #[error("invalid trainer config: checkpoint every must be at least 1 epoch, found 0")]
    ZeroCheckpointInterval,
    /// Truncated BPTT in chunks of 0 steps.
    #[error("invalid trainer config: tbptt must be at least 1 step, found 0")]
    ZeroTbptt,
    /// Truncated BPTT asked of a model or data that cannot do it.
    #[error(
        "truncated BPTT (TrainerConfig::tbptt) needs a model that carries its state across chunks and sequences of equal length: {reason}"
    )]
    TbpttUnsupported {
        /// What is missing.
        reason: String,
    },
    /// Early stopping or best-model checkpoints need validation data.
    #[error("{what} needs validation data: expected Some(valid) in fit, found None")]
    MissingValidation {
        /// `"early stopping"` or `"keeping the best checkpoint"`.
        what: &'static str,
    },
    /// A saved model's folder or its `model.bpk` does not exist.
    #[error(
        "model file not found: expected {path:?} (written by SequenceModel::save), found nothing there"
    )]
    ModelFileNotFound {
        /// The folder or file that is missing.
        path: PathBuf,
    },
    /// A saved model's file that could not be read or parsed: a truncated or corrupt Burnpack
    /// file, or one without a model config (or with one that is not JSON or no model config).
    #[error("unreadable model file {path:?}: {reason}")]
    ModelFileUnreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong, with what was expected and what was found.
        reason: String,
    },
    /// A saved model's file of another format or version, or weights that do not fit the
    /// model its config describes.
    #[error("model file {path:?} does not match: {what}: expected {expected}, found {found}")]
    ModelFileMismatch {
        /// The file.
        path: PathBuf,
        /// What differs.
        what: String,
        /// What the loader (or the config's model) needs.
        expected: String,
        /// What the file has.
        found: String,
    },
}

impl RecurrentError {
    /// Panics with this error's message: the unchecked entry points follow Burn and panic.
    pub(crate) fn raise(self) -> ! {
        panic!("{self}")
    }
}
