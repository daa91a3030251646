//! The small trait through which the trainer drives any model, and what a model returns.

use burn::module::Module;
use burn::tensor::Tensor;

use crate::layers::RecurrentState;

/// What a model gives for a batch of sequences.
#[derive(Debug, Clone)]
pub enum ModelOutput {
    /// One prediction per sequence, `[batch, outputs]`.
    PerSequence(Tensor<2>),
    /// One prediction per step, `[batch, seq, outputs]`.
    PerStep(Tensor<3>),
}

/// A model the [`Trainer`](crate::train::Trainer) can fit: any Burn module that maps a batch of
/// sequences to predictions.
///
/// Outputs are raw scores: logits for classification (the trainer applies the sigmoid or the
/// softmax inside the loss), values for regression.
///
/// ```
/// use burn::module::Module;
/// use burn::nn::{Linear, LinearConfig};
/// use burn::tensor::{Device, Tensor};
/// use recurrent::model::{ModelOutput, Trainable};
/// use recurrent::{Gru, GruConfig, Recurrent};
///
/// /// A GRU whose mean-pooled output feeds two linear layers.
/// #[derive(Module, Debug)]
/// struct MyModel {
///     gru: Gru,
///     hidden: Linear,
///     out: Linear,
/// }
///
/// impl Trainable for MyModel {
///     fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput {
///         let (output, _) = self.gru.forward(inputs, None);
///         let pooled = output.mean_dim(1).squeeze_dim::<2>(1); // [batch, hidden]
///         let hidden = burn::tensor::activation::relu(self.hidden.forward(pooled));
///         ModelOutput::PerSequence(self.out.forward(hidden))
///     }
///     fn input_size(&self) -> usize { self.gru.input_size() }
///     fn output_size(&self) -> usize { 3 }
/// }
///
/// let device = Device::flex();
/// let model = MyModel {
///     gru: GruConfig::new(2, 16).init(&device),
///     hidden: LinearConfig::new(16, 8).init(&device),
///     out: LinearConfig::new(8, 3).init(&device),
/// };
/// let ModelOutput::PerSequence(logits) = model.forward_sequences(Tensor::zeros([4, 5, 2], &device))
/// else { unreachable!() };
/// assert_eq!(logits.dims(), [4, 3]);
/// ```
pub trait Trainable: Module + core::fmt::Debug + Send + 'static {
    /// Predictions for `inputs` of shape `[batch, seq, input_size]`.
    fn forward_sequences(&self, inputs: Tensor<3>) -> ModelOutput;
    /// Features per step the model reads.
    fn input_size(&self) -> usize;
    /// Outputs per prediction: 1 for binary classification, the number of classes for
    /// multi-class, the number of values for regression.
    fn output_size(&self) -> usize;
    /// The shortest sequence the model reads (a convolution's kernel, say); the trainer checks
    /// the data against it before any work. Default 1.
    fn min_sequence_length(&self) -> usize {
        1
    }
    /// The one length the model reads, for a model that reads only one (LSTM-FCN with its
    /// dimension shuffle); the trainer checks the data against it before any work. Default
    /// `None`: any length.
    fn sequence_length(&self) -> Option<usize> {
        None
    }
    /// Whether the model predicts every step ([`ModelOutput::PerStep`]).
    fn per_step(&self) -> bool {
        false
    }
    /// Predictions for padded sequences of different lengths: `inputs` `[batch, seq,
    /// input_size]`, sequence `b` valid for its first `lengths[b]` steps.
    ///
    /// The trainer calls it for batches with padding, and only when
    /// [`supports_lengths`](Self::supports_lengths) is true. The default ignores `lengths`;
    /// models that mask padding (with the layers' `forward_with_lengths`) override both.
    fn forward_with_lengths(&self, inputs: Tensor<3>, lengths: &[usize]) -> ModelOutput {
        let _ = lengths;
        self.forward_sequences(inputs)
    }
    /// Whether [`forward_with_lengths`](Self::forward_with_lengths) masks padding, so that
    /// the model can train on sequences of different lengths.
    fn supports_lengths(&self) -> bool {
        false
    }
    /// For truncated backpropagation through time
    /// ([`TrainerConfig::tbptt`](crate::train::TrainerConfig::tbptt)): predictions for
    /// `inputs`, a chunk of steps `[batch, chunk, input_size]`, run from `state` (`None`: the
    /// initial state), and the state after the chunk. The default, `None`, means unsupported.
    fn forward_chunk(
        &self,
        inputs: Tensor<3>,
        state: Option<RecurrentState>,
    ) -> Option<(ModelOutput, RecurrentState)> {
        let _ = (inputs, state);
        None
    }
    /// Whether [`forward_chunk`](Self::forward_chunk) carries the state, so that the model can
    /// train with truncated BPTT.
    fn supports_tbptt(&self) -> bool {
        false
    }
}
