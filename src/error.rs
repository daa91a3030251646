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
}

impl RecurrentError {
    /// Panics with this error's message: the unchecked entry points follow Burn and panic.
    pub(crate) fn raise(self) -> ! {
        panic!("{self}")
    }
}
