//! What can go wrong reading or writing a PyTorch weight file.

use std::path::PathBuf;

use thiserror::Error;

/// A mistake in a PyTorch weight file, or a failure writing one, one variant per mistake.
///
/// [`Recurrent::load_pytorch`](crate::Recurrent::load_pytorch) and
/// [`Recurrent::save_pytorch`](crate::Recurrent::save_pytorch) return these.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum WeightFileError {
    /// The weight file does not exist.
    #[error("weight file not found: expected a file at {path:?}")]
    NotFound {
        /// The path that was given.
        path: PathBuf,
    },
    /// The weight file exists but could not be read or parsed.
    #[error(
        "unreadable weight file {path:?}: expected a PyTorch (.pt/.pth) or safetensors file, {reason}"
    )]
    Unreadable {
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
    ShapeMismatch {
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
    DTypeMismatch {
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
    UnsupportedFormat {
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
}
