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
/// | `weight_hr` | `[P, H]` | `weight_hr_l{k}` (an LSTM with `proj_size = P > 0` only) |
///
/// `input` is the layer's `input_size` for `k = 0` and `num_directions * H` above it. With a
/// projection, `h` has `P` units: `weight_hh` is `[4 * H, P]` and `input` above layer 0 is
/// `num_directions * P`.
#[derive(Module, Debug)]
pub struct DirectionWeights {
    /// Input-to-hidden weights, `[G * H, input]`.
    pub weight_ih: Param<Tensor<2>>,
    /// Hidden-to-hidden weights, `[G * H, H]` (`[4 * H, P]` with a projection).
    pub weight_hh: Param<Tensor<2>>,
    /// Input-to-hidden bias, `[G * H]`.
    pub bias_ih: Option<Param<Tensor<1>>>,
    /// Hidden-to-hidden bias, `[G * H]`.
    pub bias_hh: Option<Param<Tensor<1>>>,
    /// The LSTM's projection `h_t = W_hr (o_t ⊙ tanh(c_t))`, `[P, H]`; `None` without
    /// `proj_size`.
    pub weight_hr: Option<Param<Tensor<2>>>,
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
    /// One direction's weights drawn from `init`, in PyTorch's parameter order (`weight_hr`
    /// last, when `proj > 0`).
    pub(crate) fn init(
        init: &mut UniformInit,
        [gate_rows, input, hidden, proj]: [usize; 4],
        bias: bool,
        device: &Device,
    ) -> Self {
        let recurrent = if proj > 0 { proj } else { hidden };
        let weight_ih = Param::from_tensor(init.tensor([gate_rows, input], device));
        let weight_hh = Param::from_tensor(init.tensor([gate_rows, recurrent], device));
        let (bias_ih, bias_hh) = if bias {
            (
                Some(Param::from_tensor(init.tensor([gate_rows], device))),
                Some(Param::from_tensor(init.tensor([gate_rows], device))),
            )
        } else {
            (None, None)
        };
        let weight_hr = (proj > 0).then(|| Param::from_tensor(init.tensor([proj, hidden], device)));
        DirectionWeights {
            weight_ih,
            weight_hh,
            bias_ih,
            bias_hh,
            weight_hr,
        }
    }
}
