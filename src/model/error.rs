//! What can go wrong building a model, or saving and loading it.

use std::path::PathBuf;

use thiserror::Error;

use crate::layers::LayerError;

/// A mistake in a model's config or in a saved model's files, one variant per mistake.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModelError {
    /// The config's recurrent layer cannot be built.
    #[error(transparent)]
    Layer(#[from] LayerError),
    /// A model config asked for zero outputs.
    #[error("invalid model config: output_size must be at least 1, found 0")]
    ZeroOutputSize,
    /// A size in a model's config (a front end's or LSTM-FCN's channels, kernel size, stride,
    /// layer count or pool) that is 0.
    #[error("invalid model config: {field} must be at least 1, found 0")]
    ZeroSize {
        /// The option: `"channels"`, `"kernel_size"`, `"stride"`, ...
        field: &'static str,
    },
    /// A dropout probability outside `[0, 1)`.
    #[error("invalid model config: dropout must be in [0, 1), found {found}")]
    InvalidDropout {
        /// The probability given.
        found: f64,
    },
    /// LSTM-FCN's lists of filters and kernel sizes, one per convolution, of different lengths
    /// (or empty).
    #[error(
        "invalid model config: expected one kernel size per convolution ({filters} filter counts), found {kernel_sizes} kernel sizes"
    )]
    ConvolutionCountMismatch {
        /// Filter counts given.
        filters: usize,
        /// Kernel sizes given.
        kernel_sizes: usize,
    },
    /// A batch whose shortest sequence the model's convolutions shorten to nothing.
    #[error(
        "sequence too short for the model's convolutions: expected at least {min_length} steps, found {found}"
    )]
    SequenceTooShort {
        /// The shortest sequence the model takes.
        min_length: usize,
        /// The batch's shortest.
        found: usize,
    },
    /// A batch of another length than the one a model reads (LSTM-FCN with its dimension
    /// shuffle reads series of one length: its LSTM's features are their steps).
    #[error(
        "sequence length mismatch: expected {expected} steps (the model's series length), found {found}"
    )]
    SequenceLengthMismatch {
        /// The model's series length.
        expected: usize,
        /// The batch's.
        found: usize,
    },
    /// A saved model's folder or its `model.bpk` does not exist.
    #[error(
        "model file not found: expected {path:?} (written by SequenceModel::save), found nothing there"
    )]
    FileNotFound {
        /// The folder or file that is missing.
        path: PathBuf,
    },
    /// A file given where a saved model's folder was expected (as `model.bpk` itself, instead
    /// of the folder holding it).
    #[error(
        "not a model folder: expected the folder that SequenceModel::save or recurrent::model::save wrote (holding model.bpk), found a file at {path:?}{}",
        folder_hint(.folder)
    )]
    NotAFolder {
        /// The file that was given.
        path: PathBuf,
        /// The folder to give instead: the file's own, when the file is a `model.bpk`.
        folder: Option<PathBuf>,
    },
    /// A saved model's file that could not be read or parsed: a truncated or corrupt Burnpack
    /// file, or one without a model config (or with one that is not JSON or no model config).
    #[error("unreadable model file {path:?}: {reason}")]
    FileUnreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong, with what was expected and what was found.
        reason: String,
    },
    /// A saved model's weights that are not those that were saved: the CRC-32 of the tensors
    /// read differs from the one recorded when the file was written (a damaged file).
    #[error(
        "damaged model file {path:?}: expected its tensors' CRC-32 {expected:08x} (as saved), found {found:08x}"
    )]
    ChecksumMismatch {
        /// The file.
        path: PathBuf,
        /// The checksum recorded when it was written.
        expected: u32,
        /// The checksum of the tensors read now.
        found: u32,
    },
    /// A saved model's file of another format or version, or weights that do not fit the
    /// model its config describes.
    #[error("model file {path:?} does not match: {what}: expected {expected}, found {found}")]
    FileMismatch {
        /// The file.
        path: PathBuf,
        /// What differs.
        what: String,
        /// What the loader (or the config's model) needs.
        expected: String,
        /// What the file has.
        found: String,
    },
    /// A model saved without a config (`recurrent::model::save`, or a `model.bpk` whose entry
    /// has no `"config"`) asked for one.
    #[error(
        "no config in model file {path:?}: expected a config saved with the model (SequenceModel::save, recurrent::model::save_with_config), found none (it was saved with recurrent::model::save): build the model yourself and give it to ModelFile::load"
    )]
    NoConfig {
        /// The file.
        path: PathBuf,
    },
    /// A saved config that is not of the type asked for.
    #[error("config mismatch in model file {path:?}: expected a {expected}, found: {reason}")]
    ConfigMismatch {
        /// The file.
        path: PathBuf,
        /// The type asked for: `SequenceModelConfig`, `MyConfig`.
        expected: String,
        /// Why the saved config is not one (serde's message).
        reason: String,
    },
    /// `step` on a model whose readout needs the whole sequence.
    #[error(
        "step needs a readout that streams: expected Readout::Last or Readout::All, found Readout::{readout} (its prediction needs the whole sequence: use forward)"
    )]
    ReadoutCannotStep {
        /// The model's readout: `"Mean"` or `"LastAndMean"`.
        readout: &'static str,
    },
    /// `step` on a model with a convolutional front end.
    #[error(
        "step needs a model without a front end: expected SequenceModelConfig::front_end None, found a ConvFrontEnd (its convolutions read several steps at once: use forward)"
    )]
    FrontEndCannotStep,
    /// Writing a model's files failed; an earlier saved model at the path is left whole.
    #[error("could not save the model to {path:?}: {reason}")]
    SaveFailed {
        /// The folder or file that could not be written.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// "; give its folder ..." when there is one to suggest.
fn folder_hint(folder: &Option<PathBuf>) -> String {
    match folder {
        Some(folder) => format!(" (give its folder {folder:?})"),
        None => String::new(),
    }
}
