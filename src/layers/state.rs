//! The recurrent states that layers take and return.

use burn::tensor::Tensor;

use super::stack::StackState;

/// The state of a [`SimpleRnn`](crate::SimpleRnn) or a [`Gru`](crate::Gru): PyTorch's `h_n`.
///
/// `hidden` is `[num_layers * num_directions, batch, hidden_size]`; row `k * num_directions + d`
/// holds layer `k`, direction `d` (0 forward, 1 reverse), exactly PyTorch's order.
#[derive(Debug, Clone)]
pub struct RnnState {
    /// `[num_layers * num_directions, batch, hidden_size]`.
    pub hidden: Tensor<3>,
}

/// The state of an [`Lstm`](crate::Lstm): PyTorch's `(h_n, c_n)`.
///
/// Both tensors are `[num_layers * num_directions, batch, hidden_size]`, rows ordered as in
/// [`RnnState`]. Both are required: an LSTM state without a cell cannot be built.
#[derive(Debug, Clone)]
pub struct LstmState {
    /// The hidden state `h`, `[num_layers * num_directions, batch, hidden_size]`.
    pub hidden: Tensor<3>,
    /// The cell state `c`, `[num_layers * num_directions, batch, hidden_size]`.
    pub cell: Tensor<3>,
}

impl From<RnnState> for StackState {
    fn from(state: RnnState) -> Self {
        StackState {
            hidden: state.hidden,
            cell: None,
        }
    }
}

impl From<StackState> for RnnState {
    fn from(state: StackState) -> Self {
        RnnState {
            hidden: state.hidden,
        }
    }
}

impl From<LstmState> for StackState {
    fn from(state: LstmState) -> Self {
        StackState {
            hidden: state.hidden,
            cell: Some(state.cell),
        }
    }
}

impl From<StackState> for LstmState {
    fn from(state: StackState) -> Self {
        LstmState {
            hidden: state.hidden,
            cell: state
                .cell
                .expect("an LSTM stack always returns a cell state"),
        }
    }
}
