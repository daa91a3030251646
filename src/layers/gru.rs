//! The gated recurrent unit, PyTorch's `nn.GRU`.

use burn::module::Module;

use super::cell::CellKind;
use super::stack::RecurrentStack;
use super::state::RnnState;
use super::{layer_config, recurrent_layer};

layer_config!(
    /// Options of a [`Gru`], PyTorch's `nn.GRU` arguments.
    GruConfig,
    |_config| CellKind::Gru,
    {}
);

/// A multi-layer GRU with PyTorch's `nn.GRU` semantics and weight layout.
///
/// For each layer and direction, with `σ` the logistic sigmoid and `⊙` the element-wise product:
///
/// ```text
/// r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
/// z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
/// n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
/// h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}
/// ```
///
/// `b_hn` sits inside the reset product, as in PyTorch (and cuDNN), not beside `b_in`.
///
/// | PyTorch | shape | here |
/// |---|---|---|
/// | `weight_ih_l{k}` | `[3H, input]`, rows `W_ir; W_iz; W_in` | `weights()[k].forward.weight_ih` |
/// | `weight_hh_l{k}` | `[3H, H]`, rows `W_hr; W_hz; W_hn` | `weights()[k].forward.weight_hh` |
/// | `bias_ih_l{k}`, `bias_hh_l{k}` | `[3H]` | `bias_ih`, `bias_hh` |
/// | `*_reverse` | same | `weights()[k].reverse` |
///
/// Shapes: input `[batch, seq, input_size]`, output `[batch, seq, D * hidden_size]`, state
/// `[num_layers * D, batch, hidden_size]` (`D` = 2 when bidirectional).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use recurrent::GruConfig;
///
/// let device = Device::flex();
/// let gru = GruConfig::new(3, 5).with_batch_first(false).with_seed(Some(3)).init(&device);
/// let input = Tensor::<3>::ones([7, 2, 3], &device); // [seq, batch, features]
/// let (output, state) = gru.forward(input.clone(), None);
/// assert_eq!(output.dims(), [7, 2, 5]);
/// // Stepping through the sequence gives the same final state.
/// let mut streamed = None;
/// for t in 0..7 {
///     let x_t = input.clone().narrow(0, t, 1).reshape([2, 3]);
///     streamed = Some(gru.step(x_t, streamed).1);
/// }
/// let diff: f32 = (streamed.unwrap().hidden - state.hidden).abs().max().into_scalar();
/// assert!(diff < 1e-6);
/// ```
///
/// The equations with real numbers: one unit, two steps, the layer's own weights (rows in
/// PyTorch's gate order r, z, n).
///
/// ```
/// use burn::tensor::{Device, Tensor, TensorData};
/// use recurrent::GruConfig;
///
/// let device = Device::flex();
/// let gru = GruConfig::new(1, 1).with_seed(Some(2)).init(&device);
/// let w = &gru.weights()[0].forward;
/// let values = |t: Tensor<2>| t.into_data().to_vec::<f32>().unwrap();
/// let (w_ih, w_hh) = (values(w.weight_ih.val()), values(w.weight_hh.val()));
/// let b_ih = w.bias_ih.as_ref().unwrap().val().into_data().to_vec::<f32>().unwrap();
/// let b_hh = w.bias_hh.as_ref().unwrap().val().into_data().to_vec::<f32>().unwrap();
/// let sigmoid = |v: f32| 1.0 / (1.0 + (-v).exp());
///
/// let mut h = 0.0f32;
/// let mut expected = Vec::new();
/// for x in [0.5f32, -1.0] {
///     let r = sigmoid(w_ih[0] * x + b_ih[0] + w_hh[0] * h + b_hh[0]);
///     let z = sigmoid(w_ih[1] * x + b_ih[1] + w_hh[1] * h + b_hh[1]);
///     let n = (w_ih[2] * x + b_ih[2] + r * (w_hh[2] * h + b_hh[2])).tanh();
///     h = (1.0 - z) * n + z * h;
///     expected.push(h);
/// }
/// let input = Tensor::<3>::from_data(TensorData::new(vec![0.5f32, -1.0], [1, 2, 1]), &device);
/// let (output, _) = gru.forward(input, None);
/// let output = output.into_data().to_vec::<f32>().unwrap();
/// assert!((output[0] - expected[0]).abs() < 1e-6);
/// assert!((output[1] - expected[1]).abs() < 1e-6);
/// ```
#[derive(Module, Debug)]
pub struct Gru {
    stack: RecurrentStack,
}

recurrent_layer!(Gru, GruConfig, RnnState, "nn.GRU");
