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
///
/// The equations with real numbers: one unit, two steps, the layer's own weights (rows in
/// PyTorch's gate order i, f, g, o).
///
/// ```
/// use burn::tensor::{Device, Tensor, TensorData};
/// use recurrent::LstmConfig;
///
/// let device = Device::flex();
/// let lstm = LstmConfig::new(1, 1).with_seed(Some(2)).init(&device);
/// let w = &lstm.weights()[0].forward;
/// let values = |t: Tensor<2>| t.into_data().to_vec::<f32>().unwrap();
/// let (w_ih, w_hh) = (values(w.weight_ih.val()), values(w.weight_hh.val()));
/// let b_ih = w.bias_ih.as_ref().unwrap().val().into_data().to_vec::<f32>().unwrap();
/// let b_hh = w.bias_hh.as_ref().unwrap().val().into_data().to_vec::<f32>().unwrap();
/// let sigmoid = |v: f32| 1.0 / (1.0 + (-v).exp());
///
/// let (mut h, mut c) = (0.0f32, 0.0f32);
/// let mut expected = Vec::new();
/// for x in [0.5f32, -1.0] {
///     let gate = |k: usize| w_ih[k] * x + b_ih[k] + w_hh[k] * h + b_hh[k];
///     let (i, f, g, o) = (sigmoid(gate(0)), sigmoid(gate(1)), gate(2).tanh(), sigmoid(gate(3)));
///     c = f * c + i * g;
///     h = o * c.tanh();
///     expected.push(h);
/// }
/// let input = Tensor::<3>::from_data(TensorData::new(vec![0.5f32, -1.0], [1, 2, 1]), &device);
/// let (output, state) = lstm.forward(input, None);
/// let output = output.into_data().to_vec::<f32>().unwrap();
/// assert!((output[0] - expected[0]).abs() < 1e-6);
/// assert!((output[1] - expected[1]).abs() < 1e-6);
/// let c_n: f32 = state.cell.into_scalar();
/// assert!((c_n - c).abs() < 1e-6);
/// ```
#[derive(Module, Debug)]
pub struct Lstm {
    stack: RecurrentStack,
}

recurrent_layer!(Lstm, LstmConfig, LstmState, "nn.LSTM");
