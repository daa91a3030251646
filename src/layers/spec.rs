//! `StackSpec`: every option of a recurrent layer, validated once before any tensor is made,
//! and the weights it draws.

use burn::tensor::Device;

use super::error::LayerError;
use super::params::{DirectionWeights, LayerWeights};
use crate::cell::CellKind;
use crate::init::UniformInit;

/// Every option of a recurrent layer; the three layer configs each build one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StackSpec {
    pub cell: CellKind,
    pub input_size: usize,
    pub hidden_size: usize,
    /// The LSTM's projection size (PyTorch's `proj_size`); 0 for none.
    pub proj_size: usize,
    pub num_layers: usize,
    pub bidirectional: bool,
    pub bias: bool,
    pub dropout: f64,
    pub batch_first: bool,
    pub seed: Option<u64>,
}

impl StackSpec {
    /// Checks the options once, before any tensor is made.
    pub(crate) fn validate(&self) -> Result<(), LayerError> {
        if self.num_layers == 0 {
            return Err(LayerError::ZeroLayers);
        }
        if self.input_size == 0 {
            return Err(LayerError::ZeroInputSize);
        }
        if self.hidden_size == 0 {
            return Err(LayerError::ZeroHiddenSize);
        }
        if self.proj_size > 0 {
            if self.cell != CellKind::Lstm {
                return Err(LayerError::ProjSizeOnNonLstm {
                    cell: self.cell.name(),
                    proj_size: self.proj_size,
                });
            }
            if self.proj_size >= self.hidden_size {
                return Err(LayerError::ProjSizeTooLarge {
                    proj_size: self.proj_size,
                    hidden_size: self.hidden_size,
                });
            }
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(LayerError::InvalidDropout {
                dropout: self.dropout,
            });
        }
        Ok(())
    }

    /// 2 when bidirectional, else 1.
    pub(crate) fn directions(&self) -> usize {
        if self.bidirectional { 2 } else { 1 }
    }

    /// The rows of the state tensors: `num_layers * num_directions`.
    pub(crate) fn state_rows(&self) -> usize {
        self.num_layers * self.directions()
    }

    /// The size of `h`, of each direction's output and of the hidden state's rows: `proj_size`
    /// for a projected LSTM, else `hidden_size` (the size of `c` and of the gates).
    pub(crate) fn output_size(&self) -> usize {
        if self.proj_size > 0 {
            self.proj_size
        } else {
            self.hidden_size
        }
    }

    /// The input features of layer `k`: the layer's input for `k = 0`, the layer below's
    /// output (`D * output_size`) above it.
    pub(crate) fn layer_input(&self, k: usize) -> usize {
        if k == 0 {
            self.input_size
        } else {
            self.directions() * self.output_size()
        }
    }

    /// Every layer's weights, drawn in PyTorch's order from U(-1/sqrt(H), 1/sqrt(H)).
    pub(crate) fn init_weights(&self, device: &Device) -> Vec<LayerWeights> {
        let mut init = UniformInit::new(self.hidden_size, self.seed);
        let gate_rows = self.cell.gates() * self.hidden_size;
        (0..self.num_layers)
            .map(|k| {
                let input = self.layer_input(k);
                let mut direction = || {
                    DirectionWeights::init(
                        &mut init,
                        [gate_rows, input, self.hidden_size, self.proj_size],
                        self.bias,
                        device,
                    )
                };
                let forward = direction();
                let reverse = self.bidirectional.then(direction);
                LayerWeights { forward, reverse }
            })
            .collect()
    }
}
