//! What can go wrong building or running a recurrent layer.

use thiserror::Error;

use crate::plural::count;

/// A mistake in a layer's options or in the arguments of a forward pass, one variant per
/// mistake.
///
/// The checked entry points (`try_init`, `try_forward`, `try_forward_with_lengths`,
/// `try_step`) return these; the unchecked ones (`init`, `forward`, `step`) panic with the same
/// message.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum LayerError {
    /// A layer config asked for zero layers.
    #[error("invalid layer config: num_layers must be at least 1, found 0")]
    ZeroLayers,
    /// A layer config asked for zero input features.
    #[error("invalid layer config: input_size must be at least 1, found 0")]
    ZeroInputSize,
    /// A layer config asked for zero hidden units.
    #[error("invalid layer config: hidden_size must be at least 1, found 0")]
    ZeroHiddenSize,
    /// `proj_size` on a cell other than the LSTM, which alone has PyTorch's projection.
    #[error(
        "invalid layer config: proj_size applies to the LSTM only, found proj_size = {proj_size} on a {cell} layer"
    )]
    ProjSizeOnNonLstm {
        /// The layer's cell: `"RNN"` or `"GRU"`.
        cell: &'static str,
        /// The `proj_size` given.
        proj_size: usize,
    },
    /// `proj_size` not smaller than `hidden_size` (PyTorch's rule: the projection must shrink `h`).
    #[error(
        "invalid layer config: proj_size must be smaller than hidden_size ({hidden_size}), found {proj_size}"
    )]
    ProjSizeTooLarge {
        /// The `proj_size` given.
        proj_size: usize,
        /// The layer's `hidden_size`.
        hidden_size: usize,
    },
    /// Dropout probability outside `[0, 1)` (or not a number).
    #[error("invalid layer config: dropout must be in [0, 1), found {dropout}")]
    InvalidDropout {
        /// The probability that was given.
        dropout: f64,
    },
    /// A cell name that is not `rnn`, `lstm` or `gru` (`CellType::from_str`).
    #[error("unknown cell {name:?}: expected \"rnn\", \"lstm\" or \"gru\"")]
    UnknownCell {
        /// The name given.
        name: String,
    },
    /// The input's feature dimension differs from the layer's `input_size`.
    #[error(
        "input feature size mismatch: expected {} (the layer's input_size), found {found}",
        count(*.expected, "feature")
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
        "{which} state shape mismatch: expected [num_layers * num_directions, batch, {size}] = {expected:?}, found {found:?}"
    )]
    StateShapeMismatch {
        /// `"hidden"` or `"cell"`.
        which: &'static str,
        /// What the last dimension is: `"hidden_size"`, or `"proj_size"` for the hidden state
        /// of a projected LSTM.
        size: &'static str,
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
    /// An LSTM was given a state without a cell state.
    #[error(
        "missing cell state: expected an LSTM state with both hidden and cell (RecurrentState::lstm), found a hidden state only"
    )]
    MissingCellState,
    /// A simple RNN or GRU was given a state with a cell state, which only an LSTM has.
    #[error(
        "unexpected cell state: expected a hidden state only (RecurrentState::new) for this {cell} layer, found a cell state too"
    )]
    UnexpectedCellState {
        /// The layer's cell: `"RNN"` or `"GRU"`.
        cell: &'static str,
    },
    /// `step` was called on a bidirectional layer, whose reverse direction needs the whole sequence.
    #[error(
        "step needs a unidirectional layer: expected bidirectional = false, found a bidirectional layer (use forward over the whole sequence)"
    )]
    StepOnBidirectional,
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
        "invalid length for sequence {sequence}: expected 1 to {} (the input's padded length), found {length}",
        count(*.max, "step")
    )]
    InvalidSequenceLength {
        /// The sequence (batch row).
        sequence: usize,
        /// The length given.
        length: usize,
        /// The input's sequence dimension.
        max: usize,
    },
}
