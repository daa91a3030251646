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
    /// A Burnpack file (burn-store's own format, as `SequenceModel::save` and
    /// `recurrent::model::save` write it) given as PyTorch weights.
    #[error(
        "Burnpack file given as PyTorch weights: expected a PyTorch (.pt/.pth) or safetensors file at {path:?}, found a Burnpack file (burn-store's format; its first bytes are \"NRUB\"): a model folder saved by SequenceModel::save loads with SequenceModel::load(folder), one saved by recurrent::model::save with ModelFile::open(folder), any other Burnpack file with burn-store's BurnpackStore"
    )]
    BurnpackFile {
        /// The path that was given.
        path: PathBuf,
    },
    /// None of the layer's tensors are under the prefix asked for, but all of them are under
    /// another one: the `state_dict` of a whole model (`rnn.weight_ih_l0`), read without its
    /// prefix, or with the wrong one.
    #[error(
        "weights under another prefix in {path:?}: expected a tensor named {expected:?}, found this layer's weights under {}: load them with {}",
        quoted(.prefixes),
        suggestion(.prefixes)
    )]
    WeightsUnderPrefix {
        /// The file.
        path: PathBuf,
        /// The first tensor the layer needs, with the prefix that was given.
        expected: String,
        /// Every prefix under which the file holds all of the layer's tensors (`"rnn."`), in
        /// the file's order of names; `""` for no prefix.
        prefixes: Vec<String>,
    },
    /// A one-layer unidirectional layer finds its first tensor neither under PyTorch's layer
    /// name (`weight_ih_l0`, from `nn.LSTM`) nor under its cell's (`weight_ih`, from
    /// `nn.LSTMCell`).
    #[error(
        "missing weight in {path:?}: expected a tensor named {key:?} (as nn.RNN, nn.LSTM and nn.GRU name it) or {cell_key:?} (as nn.RNNCell, nn.LSTMCell and nn.GRUCell do), found neither (the file has: {found})"
    )]
    MissingLayerOrCellWeight {
        /// The file.
        path: PathBuf,
        /// The layer's name for the tensor, prefix included: `weight_ih_l0`.
        key: String,
        /// The cell's name for it, prefix included: `weight_ih`.
        cell_key: String,
        /// The names that were found under the prefix, comma-separated.
        found: String,
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
    /// The layer is an LSTM with `proj_size`, the file's LSTM has no projection.
    #[error(
        "missing projection in {path:?}: expected {key:?} (the layer has proj_size = {proj_size}), found no weight_hr tensor: the file is of an LSTM without proj_size"
    )]
    MissingProjection {
        /// The file.
        path: PathBuf,
        /// The first projection tensor the layer needs, prefix included: `weight_hr_l0`.
        key: String,
        /// The layer's `proj_size`.
        proj_size: usize,
    },
    /// The file's LSTM has a projection (`weight_hr_l*`), the layer has none.
    #[error(
        "unexpected projection in {path:?}: expected an LSTM without proj_size, found {key:?} of shape {shape:?} (build the layer with with_proj_size({}))",
        shape.first().copied().unwrap_or(0)
    )]
    UnexpectedProjection {
        /// The file.
        path: PathBuf,
        /// The projection tensor found, prefix included.
        key: String,
        /// Its shape, `[proj_size, hidden_size]`.
        shape: Vec<usize>,
    },
    /// The file's LSTM projects to another size than the layer's `proj_size`.
    #[error(
        "proj_size mismatch in {path:?}: expected proj_size = {expected} (the layer's), found {key:?} with {found} rows"
    )]
    ProjSizeMismatch {
        /// The file.
        path: PathBuf,
        /// The file's projection tensor, prefix included.
        key: String,
        /// The layer's `proj_size`.
        expected: usize,
        /// The file's, the rows of its `weight_hr`.
        found: usize,
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

/// `"rnn."`, or `"enc." and "dec."`, for a message.
fn quoted(prefixes: &[String]) -> String {
    let names: Vec<String> = prefixes.iter().map(|p| format!("{p:?}")).collect();
    match names.as_slice() {
        [one] => format!("the prefix {one}"),
        [rest @ .., last] => format!("the prefixes {} and {last}", rest.join(", ")),
        [] => "no prefix".to_string(),
    }
}

/// The call that loads the weights under the first prefix.
fn suggestion(prefixes: &[String]) -> String {
    match prefixes.first().map(String::as_str) {
        Some("") | None => "load_pytorch(path)".to_string(),
        Some(prefix) => format!("load_pytorch_prefixed(path, {prefix:?})"),
    }
}
