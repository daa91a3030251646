//! The Elman RNN, PyTorch's `nn.RNN`.

use burn::module::Module;

use super::cell::{CellKind, Nonlinearity};
use super::stack::RecurrentStack;
use super::state::RnnState;
use super::{layer_config, recurrent_layer};

layer_config!(
    /// Options of a [`SimpleRnn`], PyTorch's `nn.RNN` arguments.
    SimpleRnnConfig,
    |config| CellKind::Rnn(config.nonlinearity),
    {
        /// `tanh` (the default) or `relu`.
        #[config(default = "Nonlinearity::Tanh")]
        pub nonlinearity: Nonlinearity,
    }
);

/// A multi-layer Elman RNN with PyTorch's `nn.RNN` semantics and weight layout.
///
/// For each layer and direction, with `x_t` the step's input and `h_{t-1}` the previous state:
///
/// ```text
/// h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)      act = tanh (default) or relu
/// ```
///
/// | PyTorch | shape | here |
/// |---|---|---|
/// | `weight_ih_l{k}` | `[H, input]` (`input = D * H` for `k > 0`) | `weights()[k].forward.weight_ih` |
/// | `weight_hh_l{k}` | `[H, H]` | `weights()[k].forward.weight_hh` |
/// | `bias_ih_l{k}`, `bias_hh_l{k}` | `[H]` | `bias_ih`, `bias_hh` |
/// | `*_reverse` | same | `weights()[k].reverse` |
///
/// Shapes: input `[batch, seq, input_size]`, output `[batch, seq, D * hidden_size]`, state
/// `[num_layers * D, batch, hidden_size]` (`D` = 2 when bidirectional, else 1).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use recurrent::{Nonlinearity, SimpleRnnConfig};
///
/// let device = Device::flex();
/// let rnn = SimpleRnnConfig::new(1, 4)
///     .with_num_layers(2)
///     .with_bidirectional(true)
///     .with_nonlinearity(Nonlinearity::Relu)
///     .with_seed(Some(7))
///     .init(&device);
/// let input = Tensor::<3>::ones([3, 10, 1], &device); // [batch, seq, features]
/// let (output, state) = rnn.forward(input, None);
/// assert_eq!(output.dims(), [3, 10, 8]);            // [batch, seq, 2 * hidden]
/// assert_eq!(state.hidden.dims(), [4, 3, 4]);       // [layers * directions, batch, hidden]
/// // ReLU outputs are never negative.
/// let min: f32 = output.min().into_scalar();
/// assert!(min >= 0.0);
/// ```
#[derive(Module, Debug)]
pub struct SimpleRnn {
    stack: RecurrentStack,
}

recurrent_layer!(SimpleRnn, SimpleRnnConfig, RnnState, "nn.RNN");
