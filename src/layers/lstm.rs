//! The long short-term memory layer, PyTorch's `nn.LSTM`.

use burn::module::Module;

use super::cell::CellKind;
use super::stack::RecurrentStack;
use super::state::LstmState;
use super::{layer_config, recurrent_layer};

layer_config!(
    /// Options of an [`Lstm`], PyTorch's `nn.LSTM` arguments (without `proj_size`).
    LstmConfig,
    |_config| CellKind::Lstm,
    {}
);

/// A multi-layer LSTM with PyTorch's `nn.LSTM` semantics and weight layout.
///
/// For each layer and direction, with `x_t` the step's input, `σ` the logistic sigmoid and `⊙`
/// the element-wise product:
///
/// ```text
/// i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
/// f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
/// g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
/// o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
/// c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
/// h_t = o_t ⊙ tanh(c_t)
/// ```
///
/// | PyTorch | shape | here |
/// |---|---|---|
/// | `weight_ih_l{k}` | `[4H, input]`, rows `W_ii; W_if; W_ig; W_io` | `weights()[k].forward.weight_ih` |
/// | `weight_hh_l{k}` | `[4H, H]`, rows in the same order | `weights()[k].forward.weight_hh` |
/// | `bias_ih_l{k}`, `bias_hh_l{k}` | `[4H]` | `bias_ih`, `bias_hh` |
/// | `*_reverse` | same | `weights()[k].reverse` |
///
/// Shapes: input `[batch, seq, input_size]`, output `[batch, seq, D * hidden_size]`, `hidden`
/// and `cell` states `[num_layers * D, batch, hidden_size]` (`D` = 2 when bidirectional).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use recurrent::{LstmConfig, LstmState};
///
/// let device = Device::flex();
/// let lstm = LstmConfig::new(2, 3).with_seed(Some(1)).init(&device);
/// let input = Tensor::<3>::zeros([4, 6, 2], &device);
/// let state = LstmState {
///     hidden: Tensor::zeros([1, 4, 3], &device),
///     cell: Tensor::zeros([1, 4, 3], &device),
/// };
/// let (output, state) = lstm.forward(input, Some(state));
/// assert_eq!(output.dims(), [4, 6, 3]);
/// // The last output step is the final hidden state.
/// let last = output.clone().narrow(1, 5, 1).reshape([4, 3]);
/// let diff: f32 = (last - state.hidden.reshape([4, 3])).abs().max().into_scalar();
/// assert_eq!(diff, 0.0);
/// // |h| < 1 always: h = o * tanh(c) with 0 < o < 1.
/// let max: f32 = output.abs().max().into_scalar();
/// assert!(max < 1.0);
/// ```
#[derive(Module, Debug)]
pub struct Lstm {
    stack: RecurrentStack,
}

recurrent_layer!(Lstm, LstmConfig, LstmState, "nn.LSTM");
