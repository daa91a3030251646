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
///
/// The equation with real numbers: one unit, two steps, the layer's own weights.
///
/// ```
/// use burn::tensor::{Device, Tensor, TensorData};
/// use recurrent::SimpleRnnConfig;
///
/// let device = Device::flex();
/// let rnn = SimpleRnnConfig::new(1, 1).with_seed(Some(2)).init(&device);
/// let w = &rnn.weights()[0].forward;
/// let (w_ih, w_hh): (f32, f32) = (w.weight_ih.val().into_scalar(), w.weight_hh.val().into_scalar());
/// let b_ih: f32 = w.bias_ih.as_ref().unwrap().val().into_scalar();
/// let b_hh: f32 = w.bias_hh.as_ref().unwrap().val().into_scalar();
///
/// let input = Tensor::<3>::from_data(TensorData::new(vec![0.5f32, -1.0], [1, 2, 1]), &device);
/// let (output, _) = rnn.forward(input, None);
/// let output = output.into_data().to_vec::<f32>().unwrap();
/// let h1 = (w_ih * 0.5 + b_ih + b_hh).tanh(); // h_0 = 0
/// let h2 = (w_ih * -1.0 + b_ih + w_hh * h1 + b_hh).tanh();
/// assert!((output[0] - h1).abs() < 1e-6);
/// assert!((output[1] - h2).abs() < 1e-6);
/// ```
#[derive(Module, Debug)]
pub struct SimpleRnn {
    stack: RecurrentStack,
}

recurrent_layer!(SimpleRnn, SimpleRnnConfig, RnnState, "nn.RNN");
