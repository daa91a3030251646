//! The Elman RNN, PyTorch's `nn.RNN`.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::Device;

use super::Recurrent;
use super::error::LayerError;
use super::sealed::Stacked;
use super::spec::StackSpec;
use super::stack::RecurrentStack;
use crate::cell::{CellKind, Nonlinearity};

/// Options of a [`SimpleRnn`], PyTorch's `nn.RNN` arguments.
///
/// `input_size` and `hidden_size` are required; the rest have PyTorch's defaults except
/// `batch_first`, which is `true` here. Set them with the `with_*` methods.
#[derive(Config, Debug)]
pub struct SimpleRnnConfig {
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
    /// `tanh` (the default) or `relu`.
    #[config(default = "Nonlinearity::Tanh")]
    pub nonlinearity: Nonlinearity,
}

impl SimpleRnnConfig {
    /// Builds the [`SimpleRnn`] on `device`, after checking the options.
    ///
    /// Weights are drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) like PyTorch: from
    /// `rand`'s `StdRng` when `seed` is set (the same weights on every backend), otherwise from
    /// the device's generator (`Device::seed`).
    ///
    /// # Errors
    /// [`ZeroLayers`](LayerError::ZeroLayers), [`ZeroInputSize`](LayerError::ZeroInputSize),
    /// [`ZeroHiddenSize`](LayerError::ZeroHiddenSize) or
    /// [`InvalidDropout`](LayerError::InvalidDropout) (dropout outside `[0, 1)`).
    pub fn try_init(&self, device: &Device) -> Result<SimpleRnn, LayerError> {
        let spec = StackSpec {
            cell: CellKind::Rnn(self.nonlinearity),
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
        Ok(SimpleRnn {
            stack: RecurrentStack::new(spec, device)?,
        })
    }

    /// Builds the [`SimpleRnn`] on `device`.
    ///
    /// # Panics
    /// On an invalid option, with the message of the error [`try_init`](Self::try_init) would
    /// return.
    pub fn init(&self, device: &Device) -> SimpleRnn {
        self.try_init(device).unwrap_or_else(|e| panic!("{e}"))
    }
}

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
/// use recurrent::{Nonlinearity, Recurrent, SimpleRnnConfig};
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
/// use recurrent::{Recurrent, SimpleRnnConfig};
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

impl Stacked for SimpleRnn {
    fn stack(&self) -> &RecurrentStack {
        &self.stack
    }

    fn stack_mut(&mut self) -> &mut RecurrentStack {
        &mut self.stack
    }
}

impl Recurrent for SimpleRnn {}
