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
    /// A saved model's folder or its `model.bpk` does not exist.
    #[error(
        "model file not found: expected {path:?} (written by SequenceModel::save), found nothing there"
    )]
    FileNotFound {
        /// The folder or file that is missing.
        path: PathBuf,
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
    /// Writing a model's files failed; an earlier saved model at the path is left whole.
    #[error("could not save the model to {path:?}: {reason}")]
    SaveFailed {
        /// The folder or file that could not be written.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}
