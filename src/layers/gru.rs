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
#[derive(Module, Debug)]
pub struct Gru {
    stack: RecurrentStack,
}

recurrent_layer!(Gru, GruConfig, RnnState, "nn.GRU");
