//! The recurrent state every layer takes and returns.

use burn::tensor::Tensor;

/// The state of a recurrent layer: PyTorch's `h_n`, and for an LSTM `(h_n, c_n)`.
///
/// Each tensor is `[num_layers * num_directions, batch, hidden_size]`; row
/// `k * num_directions + d` holds layer `k`, direction `d` (0 forward, 1 reverse), exactly
/// PyTorch's order. `cell` is `Some` for an [`Lstm`](crate::Lstm) and `None` for a
/// [`SimpleRnn`](crate::SimpleRnn) or a [`Gru`](crate::Gru); a layer given the other kind
/// returns [`MissingCellState`](crate::LayerError::MissingCellState) or
/// [`UnexpectedCellState`](crate::LayerError::UnexpectedCellState).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use recurrent::{LstmConfig, Recurrent, RecurrentState};
///
/// let device = Device::flex();
/// let lstm = LstmConfig::new(2, 3).with_num_layers(2).init(&device);
/// let start = RecurrentState::lstm(Tensor::zeros([2, 4, 3], &device), Tensor::zeros([2, 4, 3], &device));
/// let (_, state) = lstm.forward(Tensor::ones([4, 5, 2], &device), Some(start));
/// assert_eq!(state.hidden.dims(), [2, 4, 3]);
/// assert_eq!(state.cell.map(|c| c.dims()), Some([2, 4, 3]));
/// ```
#[derive(Debug, Clone)]
pub struct RecurrentState {
    /// The hidden state `h`, `[num_layers * num_directions, batch, hidden_size]`.
    pub hidden: Tensor<3>,
    /// The LSTM's cell state `c`, shaped like `hidden`; `None` for the other cells.
    pub cell: Option<Tensor<3>>,
}

impl RecurrentState {
    /// The state of a simple RNN or a GRU: a hidden state only.
    pub fn new(hidden: Tensor<3>) -> Self {
        Self { hidden, cell: None }
    }

    /// The state of an LSTM: its hidden and cell states.
    pub fn lstm(hidden: Tensor<3>, cell: Tensor<3>) -> Self {
        Self {
            hidden,
            cell: Some(cell),
        }
    }

    /// The same state cut from the autodiff graph: gradients stop here (truncated BPTT).
    pub fn detach(self) -> Self {
        Self {
            hidden: self.hidden.detach(),
            cell: self.cell.map(Tensor::detach),
        }
    }
}
