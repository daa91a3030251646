//! The gated recurrent unit, PyTorch's `nn.GRU`.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::Device;

use super::Recurrent;
use super::error::LayerError;
use super::sealed::Stacked;
use super::spec::StackSpec;
use super::stack::RecurrentStack;
use crate::cell::CellKind;

/// Options of a [`Gru`], PyTorch's `nn.GRU` arguments.
///
/// `input_size` and `hidden_size` are required; the rest have PyTorch's defaults except
/// `batch_first`, which is `true` here. Set them with the `with_*` methods.
#[derive(Config, Debug)]
pub struct GruConfig {
    /// Features per time step.
    pub input_size: usize,
    /// Hidden units per direction.
    pub hidden_size: usize,
    /// Stacked layers; layer `k > 0` reads layer `k - 1`'s output.
    #[config(default = 1)]
    pub num_layers: usize,
    /// Whether the layer has `bias_ih` and `bias_hh`.
    #[config(default = true)]
    pub bias: bool,
    /// Inputs and outputs as `[batch, seq, features]` (else `[seq, batch, features]`).
    #[config(default = true)]
    pub batch_first: bool,
    /// Dropout on each layer's output except the last, while training, in `[0, 1)`.
    #[config(default = 0.0)]
    pub dropout: f64,
    /// Runs a second, reverse direction and concatenates its output.
    #[config(default = false)]
    pub bidirectional: bool,
    /// Seed for the initial weights; `None` uses the device's generator.
    pub seed: Option<u64>,
}

impl GruConfig {
    /// Builds the [`Gru`] on `device`, after checking the options.
    ///
    /// Weights are drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) like PyTorch: from
    /// `rand`'s `StdRng` when `seed` is set (the same weights on every backend), otherwise from
    /// the device's generator (`Device::seed`).
    ///
    /// # Errors
    /// [`ZeroLayers`](LayerError::ZeroLayers), [`ZeroInputSize`](LayerError::ZeroInputSize),
    /// [`ZeroHiddenSize`](LayerError::ZeroHiddenSize) or
    /// [`InvalidDropout`](LayerError::InvalidDropout) (dropout outside `[0, 1)`).
    pub fn try_init(&self, device: &Device) -> Result<Gru, LayerError> {
        let spec = StackSpec {
            cell: CellKind::Gru,
            input_size: self.input_size,
            hidden_size: self.hidden_size,
            proj_size: 0,
            num_layers: self.num_layers,
            bidirectional: self.bidirectional,
            bias: self.bias,
            dropout: self.dropout,
            batch_first: self.batch_first,
            seed: self.seed,
        };
        Ok(Gru {
            stack: RecurrentStack::new(spec, device)?,
        })
    }

    /// Builds the [`Gru`] on `device`.
    ///
    /// # Panics
    /// On an invalid option, with the message of the error [`try_init`](Self::try_init) would
    /// return.
    pub fn init(&self, device: &Device) -> Gru {
        self.try_init(device).unwrap_or_else(|e| panic!("{e}"))
    }
}

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
/// use recurrent::{GruConfig, Recurrent};
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
/// use recurrent::{GruConfig, Recurrent};
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

impl Stacked for Gru {
    fn stack(&self) -> &RecurrentStack {
        &self.stack
    }

    fn stack_mut(&mut self) -> &mut RecurrentStack {
        &mut self.stack
    }
}

impl Recurrent for Gru {}
