//! The long short-term memory layer, PyTorch's `nn.LSTM`.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::Device;

use super::Recurrent;
use super::error::LayerError;
use super::sealed::Stacked;
use super::spec::StackSpec;
use super::stack::RecurrentStack;
use crate::cell::CellKind;

/// Options of a [`Lstm`], PyTorch's `nn.LSTM` arguments.
///
/// `input_size` and `hidden_size` are required; the rest have PyTorch's defaults except
/// `batch_first`, which is `true` here. Set them with the `with_*` methods.
#[derive(Config, Debug)]
pub struct LstmConfig {
    /// Features per time step.
    pub input_size: usize,
    /// Hidden units per direction: the size of the cell state `c` and of each gate.
    pub hidden_size: usize,
    /// With `proj_size = P > 0`, `h_t = W_hr (o_t ⊙ tanh(c_t))` has `P` features (PyTorch's
    /// LSTM with projections); must be below `hidden_size`. 0 (the default) for none.
    #[config(default = 0)]
    pub proj_size: usize,
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

impl LstmConfig {
    /// Builds the [`Lstm`] on `device`, after checking the options.
    ///
    /// Weights are drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) like PyTorch: from
    /// `rand`'s `StdRng` when `seed` is set (the same weights on every backend), otherwise from
    /// the device's generator (`Device::seed`).
    ///
    /// # Errors
    /// [`ZeroLayers`](LayerError::ZeroLayers), [`ZeroInputSize`](LayerError::ZeroInputSize),
    /// [`ZeroHiddenSize`](LayerError::ZeroHiddenSize),
    /// [`ProjSizeTooLarge`](LayerError::ProjSizeTooLarge) (`proj_size >= hidden_size`) or
    /// [`InvalidDropout`](LayerError::InvalidDropout) (dropout outside `[0, 1)`).
    pub fn try_init(&self, device: &Device) -> Result<Lstm, LayerError> {
        let spec = StackSpec {
            cell: CellKind::Lstm,
            input_size: self.input_size,
            hidden_size: self.hidden_size,
            proj_size: self.proj_size,
            num_layers: self.num_layers,
            bidirectional: self.bidirectional,
            bias: self.bias,
            dropout: self.dropout,
            batch_first: self.batch_first,
            seed: self.seed,
        };
        Ok(Lstm {
            stack: RecurrentStack::new(spec, device)?,
        })
    }

    /// Builds the [`Lstm`] on `device`.
    ///
    /// # Panics
    /// On an invalid option, with the message of the error [`try_init`](Self::try_init) would
    /// return.
    pub fn init(&self, device: &Device) -> Lstm {
        self.try_init(device).unwrap_or_else(|e| panic!("{e}"))
    }
}

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
/// With `proj_size = P > 0` (PyTorch's LSTM with projections, Sak et al. 2014), the last line
/// becomes `h_t = W_hr (o_t ⊙ tanh(c_t))`: `h` has `P` features, `W_h*` are `[H, P]`, and
/// `c` keeps `H`.
///
/// | PyTorch | shape | here |
/// |---|---|---|
/// | `weight_ih_l{k}` | `[4H, input]`, rows `W_ii; W_if; W_ig; W_io` | `weights()[k].forward.weight_ih` |
/// | `weight_hh_l{k}` | `[4H, H]`, rows in the same order | `weights()[k].forward.weight_hh` |
/// | `bias_ih_l{k}`, `bias_hh_l{k}` | `[4H]` | `bias_ih`, `bias_hh` |
/// | `weight_hr_l{k}` | `[P, H]` (with `proj_size = P` only) | `weight_hr` |
/// | `*_reverse` | same | `weights()[k].reverse` |
///
/// Shapes: input `[batch, seq, input_size]`, output `[batch, seq, D * hidden_size]`, `hidden`
/// and `cell` states `[num_layers * D, batch, hidden_size]` (`D` = 2 when bidirectional).
/// With a projection, the output is `[batch, seq, D * P]`, `hidden` `[num_layers * D, batch, P]`
/// and `weight_hh` `[4H, P]`, as in PyTorch.
///
/// A projected LSTM runs Burn's tensor ops on every backend: the fused kernels have no
/// projection yet.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use recurrent::{LstmConfig, Recurrent, RecurrentState};
///
/// let device = Device::flex();
/// let lstm = LstmConfig::new(2, 3).with_seed(Some(1)).init(&device);
/// let input = Tensor::<3>::zeros([4, 6, 2], &device);
/// let state = RecurrentState::lstm(Tensor::zeros([1, 4, 3], &device), Tensor::zeros([1, 4, 3], &device));
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
/// use recurrent::{LstmConfig, Recurrent};
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
/// let c_n: f32 = state.cell.expect("an LSTM state has a cell").into_scalar();
/// assert!((c_n - c).abs() < 1e-6);
/// ```
#[derive(Module, Debug)]
pub struct Lstm {
    stack: RecurrentStack,
}

impl Stacked for Lstm {
    fn stack(&self) -> &RecurrentStack {
        &self.stack
    }

    fn stack_mut(&mut self) -> &mut RecurrentStack {
        &mut self.stack
    }
}

impl Recurrent for Lstm {}
