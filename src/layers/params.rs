//! The parameters of one layer and direction, laid out exactly as PyTorch stores them.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use crate::init::UniformInit;

/// The weights of one direction of one layer, in PyTorch's layout.
///
/// With `G` gates (1 for the RNN, 4 for the LSTM in order i, f, g, o, 3 for the GRU in order
/// r, z, n) and `H` hidden units:
///
/// | field | shape | PyTorch name |
/// |---|---|---|
/// | `weight_ih` | `[G * H, input]` | `weight_ih_l{k}` (`_reverse` for the backward direction) |
/// | `weight_hh` | `[G * H, H]` | `weight_hh_l{k}` |
/// | `bias_ih` | `[G * H]` | `bias_ih_l{k}` (absent when `bias = false`) |
/// | `bias_hh` | `[G * H]` | `bias_hh_l{k}` |
///
/// `input` is the layer's `input_size` for `k = 0` and `num_directions * H` above it.
#[derive(Module, Debug)]
pub struct DirectionWeights {
    /// Input-to-hidden weights, `[G * H, input]`.
    pub weight_ih: Param<Tensor<2>>,
    /// Hidden-to-hidden weights, `[G * H, H]`.
    pub weight_hh: Param<Tensor<2>>,
    /// Input-to-hidden bias, `[G * H]`.
    pub bias_ih: Option<Param<Tensor<1>>>,
    /// Hidden-to-hidden bias, `[G * H]`.
    pub bias_hh: Option<Param<Tensor<1>>>,
}

/// The weights of one layer: the forward direction and, when bidirectional, the reverse one.
#[derive(Module, Debug)]
pub struct LayerWeights {
    /// The direction that reads the sequence from first to last step.
    pub forward: DirectionWeights,
    /// The direction that reads it from last to first (`*_reverse` in PyTorch).
    pub reverse: Option<DirectionWeights>,
}

impl LayerWeights {
    /// The directions in PyTorch's order: forward, then reverse.
    pub fn directions(&self) -> impl Iterator<Item = &DirectionWeights> {
        std::iter::once(&self.forward).chain(self.reverse.as_ref())
    }
}

impl DirectionWeights {
    /// One direction's weights drawn from `init`, in PyTorch's parameter order.
    pub(crate) fn init(
        init: &mut UniformInit,
        gate_rows: usize,
        input: usize,
        hidden: usize,
        bias: bool,
        device: &Device,
    ) -> Self {
        let weight_ih = Param::from_tensor(init.tensor([gate_rows, input], device));
        let weight_hh = Param::from_tensor(init.tensor([gate_rows, hidden], device));
        let (bias_ih, bias_hh) = if bias {
            (
                Some(Param::from_tensor(init.tensor([gate_rows], device))),
                Some(Param::from_tensor(init.tensor([gate_rows], device))),
            )
        } else {
            (None, None)
        };
        DirectionWeights {
            weight_ih,
            weight_hh,
            bias_ih,
            bias_hh,
        }
    }
}
