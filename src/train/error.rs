//! What can go wrong configuring, running or recording training: one enum for the trainer,
//! one for its checkpoints, one for its history files.

use std::path::PathBuf;

use thiserror::Error;

use crate::data::DataError;
use crate::plural::count;

/// A mistake in the trainer's options, in the data given to it, or a failure while training,
/// one variant per mistake.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum TrainError {
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
    /// Checkpoints kept: 0.
    #[error("invalid trainer config: checkpoint keep must be at least 1 checkpoint, found 0")]
    ZeroCheckpointsKept,
    /// Truncated BPTT in chunks of 0 steps.
    #[error("invalid trainer config: tbptt must be at least 1 step, found 0")]
    ZeroTbptt,
    /// Losses read back every 0 steps.
    #[error("invalid trainer config: sync_every must be at least 1 step, found 0")]
    ZeroSyncInterval,
    /// Truncated BPTT asked of a model or data that cannot do it.
    #[error(
        "truncated BPTT (TrainerConfig::tbptt) needs a model that carries its state across chunks and sequences of equal length: {reason}"
    )]
    TbpttUnsupported {
        /// What is missing.
        reason: String,
    },
    /// Early stopping or best-model checkpoints need validation data.
    #[error(
        "{what} needs validation data: expected Some(valid) in fit or a validation_fraction, found neither"
    )]
    MissingValidation {
        /// `"early stopping"` or `"keeping the best checkpoint"`.
        what: &'static str,
    },
    /// A dataset with no sequences given to train, validate, evaluate or predict.
    #[error("empty {which} data: expected at least one sequence, found none")]
    EmptyData {
        /// `"training"`, `"validation"`, `"evaluation"` or `"prediction"`.
        which: &'static str,
    },
    /// Fewer training sequences than one batch with `drop_last`: no step would run.
    #[error(
        "no full training batch: expected at least batch_size {batch_size} sequences with drop_last, found {found}"
    )]
    NoFullBatch {
        /// The batch size.
        batch_size: usize,
        /// The training sequences.
        found: usize,
    },
    /// A sequence of no steps given to predict.
    #[error("empty {which} sequence: expected at least one step, found none")]
    EmptySequence {
        /// `"prediction"`.
        which: &'static str,
    },
    /// Data whose features differ from the model's input size.
    #[error(
        "{which} data feature mismatch: expected {} (the model's input_size), found {found}",
        count(*.expected, "feature")
    )]
    FeatureMismatch {
        /// `"training"`, `"validation"`, `"evaluation"` or `"prediction"`.
        which: &'static str,
        /// The model's input size.
        expected: usize,
        /// The data's features.
        found: usize,
    },
    /// NaN or infinity in the inputs given to predict (datasets refuse them when built).
    #[error(
        "non-finite {which} input at sequence {sequence}, step {step}, feature {feature}: expected a finite number, found {value}"
    )]
    NonFiniteInput {
        /// `"prediction"`.
        which: &'static str,
        /// The sequence (the batch row, 0 for a single sequence).
        sequence: usize,
        /// The step.
        step: usize,
        /// The feature.
        feature: usize,
        /// The value.
        value: f32,
    },
    /// Targets (or model outputs) of a kind the objective cannot use.
    #[error(
        "{which} targets do not fit the objective {objective}: expected {expected}, found {found}"
    )]
    ObjectiveMismatch {
        /// `"training"`, `"validation"`, `"evaluation"`, `"prediction"` or `"model output"`.
        which: &'static str,
        /// The objective.
        objective: &'static str,
        /// The targets (or model outputs) the objective needs.
        expected: String,
        /// What the data (or model) has.
        found: String,
    },
    /// Sequences of different lengths given to a model that cannot mask padding.
    #[error(
        "{which} data has sequences of different lengths (expected a model that supports them: Trainable::supports_lengths), found a model without length support"
    )]
    LengthsUnsupported {
        /// `"training"`, `"validation"`, `"evaluation"` or `"prediction"`.
        which: &'static str,
    },
    /// Sequences shorter than the model reads (its convolutions would leave nothing of them:
    /// [`Trainable::min_sequence_length`](crate::model::Trainable::min_sequence_length)).
    #[error(
        "{which} data has sequences too short for the model: expected at least {min_length} steps, found a sequence of {found}"
    )]
    SequenceTooShort {
        /// `"training"`, `"validation"`, `"evaluation"` or `"prediction"`.
        which: &'static str,
        /// The shortest sequence the model reads.
        min_length: usize,
        /// The data's shortest.
        found: usize,
    },
    /// Sequences of another length than the one the model reads
    /// ([`Trainable::sequence_length`](crate::model::Trainable::sequence_length)).
    #[error(
        "{which} data does not have the model's sequence length: expected {expected} steps, found a sequence of {found}"
    )]
    SequenceLengthMismatch {
        /// `"training"`, `"validation"`, `"evaluation"` or `"prediction"`.
        which: &'static str,
        /// The one length the model reads.
        expected: usize,
        /// A length in the data that differs.
        found: usize,
    },
    /// The data loader could not make a batch.
    #[error("could not load {which} batch: expected a batch from the data loader, found: {reason}")]
    BatchFailed {
        /// `"a training"`, `"an evaluation"` or `"a prediction"`.
        which: &'static str,
        /// What the loader reported.
        reason: String,
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
    /// Predictions and labels of different counts for a confusion matrix.
    #[error(
        "prediction count mismatch: expected one prediction per label ({expected}), found {}",
        count(*.found, "prediction")
    )]
    PredictionCountMismatch {
        /// The number of labels.
        expected: usize,
        /// The number of predictions.
        found: usize,
    },
    /// A class (label or prediction) outside `0..num_classes` for a confusion matrix.
    #[error(
        "class out of range for sequence {sequence}: expected a class below {num_classes}, found {label}"
    )]
    ClassOutOfRange {
        /// The sequence.
        sequence: usize,
        /// The class.
        label: usize,
        /// The number of classes.
        num_classes: usize,
    },
    /// Class names whose count is not the confusion matrix's number of classes.
    #[error(
        "class name count mismatch: expected one name per class ({expected}), found {}",
        count(*.found, "name")
    )]
    ClassNameCountMismatch {
        /// The number of classes.
        expected: usize,
        /// The number of names.
        found: usize,
    },
    /// A checkpoint could not be written, read or resumed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// A validation fraction outside `(0, 1)`.
    #[error("invalid trainer config: validation_fraction must be in (0, 1), found {fraction}")]
    InvalidValidationFraction {
        /// The fraction given.
        fraction: f64,
    },
    /// Validation data given to `fit` or `resume` while the config also splits it off the
    /// training data.
    #[error(
        "validation data given twice: expected either Some(valid) or a validation_fraction, found both"
    )]
    ValidationGivenTwice,
    /// Learning-rate finder bounds that are not positive and increasing.
    #[error(
        "invalid learning-rate finder range: expected 0 < start_lr < end_lr (finite), found start_lr {start} and end_lr {end}"
    )]
    InvalidLrRange {
        /// The first rate.
        start: f64,
        /// The last rate.
        end: f64,
    },
    /// A learning-rate finder of fewer than 2 steps.
    #[error("invalid learning-rate finder: steps must be at least 2, found {steps}")]
    TooFewLrSteps {
        /// The steps given.
        steps: usize,
    },
    /// A learning-rate finder smoothing outside `[0, 1)`.
    #[error("invalid learning-rate finder: smoothing must be in [0, 1), found {smoothing}")]
    InvalidLrSmoothing {
        /// The smoothing given.
        smoothing: f64,
    },
    /// A learning-rate finder divergence factor of at most 1.
    #[error(
        "invalid learning-rate finder: divergence_factor must be greater than 1, found {factor}"
    )]
    InvalidDivergenceFactor {
        /// The factor given.
        factor: f64,
    },
    /// The data cannot be split as asked (the validation split's errors).
    #[error(transparent)]
    Data(#[from] DataError),
    /// Quantile levels given as an empty list.
    #[error("invalid quantiles: expected at least one level, found none")]
    NoQuantiles,
    /// More quantile levels than a [`Quantiles`](crate::train::Quantiles) holds.
    #[error(
        "invalid quantiles: expected at most {} levels, found {found}",
        crate::train::Quantiles::MAX
    )]
    TooManyQuantiles {
        /// How many levels were given.
        found: usize,
    },
    /// A quantile level that is not a finite number strictly between 0 and 1.
    #[error(
        "invalid quantile level at index {index}: expected a number strictly between 0 and 1, found {level}"
    )]
    QuantileOutOfRange {
        /// Its place in the list.
        index: usize,
        /// The level given.
        level: f64,
    },
    /// A quantile level that is not a multiple of 0.0001.
    #[error(
        "invalid quantile level at index {index}: expected a multiple of 0.0001, found {level}"
    )]
    QuantileTooFine {
        /// Its place in the list.
        index: usize,
        /// The level given.
        level: f64,
    },
    /// A quantile level not above the one before it (levels out of order, or repeated).
    #[error(
        "invalid quantile level at index {index}: expected levels in strictly increasing order, found {level} after {previous}"
    )]
    QuantilesNotIncreasing {
        /// The place of the level that is out of order.
        index: usize,
        /// The level before it.
        previous: f64,
        /// The level.
        level: f64,
    },
    /// Quantile levels without the median, which is the point prediction.
    #[error(
        "invalid quantiles: expected 0.5 among the levels (the median is the point prediction), found {levels:?}"
    )]
    MissingMedianQuantile {
        /// The levels given.
        levels: Vec<f64>,
    },
}

/// A checkpoint that cannot be written, read or resumed from, one variant per mistake.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum CheckpointError {
    /// A checkpoint directory without a checkpoint to resume from.
    #[error(
        "no checkpoint in {dir:?}: expected a checkpoints.json written by Trainer::fit with checkpointing on"
    )]
    NotFound {
        /// The directory.
        dir: PathBuf,
    },
    /// A checkpoint file that could not be read: missing, truncated, corrupt or of another
    /// format.
    #[error("unreadable checkpoint {path:?}: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A checkpoint that does not fit the model or the trainer it is resumed with.
    #[error("checkpoint {path:?} does not match: {what}: expected {expected}, found {found}")]
    Mismatch {
        /// The checkpoint.
        path: PathBuf,
        /// What differs.
        what: String,
        /// What the model or trainer resuming it has.
        expected: String,
        /// What the checkpoint has.
        found: String,
    },
    /// A checkpoint file whose bytes are not those that were written (its CRC-32 differs from
    /// the one the index recorded).
    #[error(
        "damaged checkpoint file {path:?}: expected CRC-32 {expected:08x} (as written), found {found:08x}"
    )]
    ChecksumMismatch {
        /// The file.
        path: PathBuf,
        /// The checksum recorded when it was written.
        expected: u32,
        /// The checksum of the file now.
        found: u32,
    },
    /// Writing a checkpoint failed; the index still names the last complete one.
    #[error("could not write checkpoint {path:?}: {reason}")]
    WriteFailed {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// A training history that cannot be read, written or drawn, one variant per mistake.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum HistoryError {
    /// Text that is not a history as [`History::to_json`](crate::train::History::to_json)
    /// writes it.
    #[error(
        "unreadable history: expected a History as written by History::to_json, found: {reason}"
    )]
    Unreadable {
        /// What the JSON parser reported.
        reason: String,
    },
    /// A plot path that does not end in `.svg`.
    #[error(
        "unsupported plot format for {path:?}: expected a path ending in .svg (the plot is SVG), found {found}"
    )]
    NotSvg {
        /// The path given.
        path: PathBuf,
        /// The extension found (or "no extension").
        found: String,
    },
    /// A plot of a history without epochs.
    #[error("nothing to plot: expected a history with at least one epoch, found none")]
    Empty,
    /// The plotting library failed to draw.
    #[error("could not draw the plot: {reason}")]
    DrawFailed {
        /// What plotters reported.
        reason: String,
    },
    /// Writing a history file failed; any earlier file at the path is left intact.
    #[error("could not write {path:?}: {reason}")]
    WriteFailed {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}
