//! [`ConvFrontEnd`]: convolutions with a stride, and a max-pool, that shorten a long series
//! before the recurrent layer reads it.

use burn::config::Config;
use burn::module::Module;
use burn::nn::PaddingConfig1d;
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig};
use burn::tensor::{Device, Tensor};

use super::conv_block::{ConvBlock, ConvBlockSpec, forward_blocks};
use super::error::ModelError;

/// Options of a [`ConvFrontEnd`]: `num_layers` blocks of `Conv1d(kernel_size, stride)`, batch
/// norm and ReLU, then a max-pool of `pool` steps (window and stride; 1 for none).
///
/// Each convolution has no padding ("valid"), so every output step reads only steps of its own
/// sequence, also in a padded batch. A series of length `L` leaves
///
/// ```text
/// L' = floor((L - kernel_size) / stride) + 1   per convolution,
/// L' = floor(L / pool)                         for the pool.
/// ```
///
/// ```
/// use recurrent::model::ConvFrontEndConfig;
///
/// // ArrowHead's 251 steps: (251 - 5) / 2 + 1 = 124, then (124 - 5) / 2 + 1 = 60, then 30.
/// let front = ConvFrontEndConfig::new(32).with_num_layers(2).with_pool(2);
/// assert_eq!(front.output_length(251), 30);
/// // A pool of 2 needs 2 steps, from (2 - 1) * 2 + 5 = 7, from (7 - 1) * 2 + 5 = 17.
/// assert_eq!(front.min_sequence_length(), 17);
/// assert_eq!(front.output_length(17), 1);
/// assert_eq!(front.output_length(16), 0);
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct ConvFrontEndConfig {
    /// Channels every convolution outputs: the features per step the recurrent layer reads.
    pub channels: usize,
    /// Steps each convolution reads.
    #[config(default = 5)]
    pub kernel_size: usize,
    /// Steps between two outputs of a convolution.
    #[config(default = 2)]
    pub stride: usize,
    /// Convolution blocks, one after the other.
    #[config(default = 1)]
    pub num_layers: usize,
    /// Window and stride of the max-pool after the convolutions; 1: no pool.
    #[config(default = 1)]
    pub pool: usize,
    /// Whether each convolution is followed by a batch norm (over the batch's steps, padded
    /// ones included, while training; its running statistics in inference).
    #[config(default = true)]
    pub batch_norm: bool,
}

impl ConvFrontEndConfig {
    /// The length a series of `length` steps has after the front end (0: too short).
    pub fn output_length(&self, length: usize) -> usize {
        let mut length = length;
        for _ in 0..self.num_layers {
            length = match length.checked_sub(self.kernel_size) {
                Some(rest) => rest / self.stride.max(1) + 1,
                None => 0,
            };
        }
        length / self.pool.max(1)
    }

    /// The shortest series the front end leaves at least one step of.
    pub fn min_sequence_length(&self) -> usize {
        (0..self.num_layers).fold(self.pool.max(1), |needed, _| {
            (needed - 1) * self.stride + self.kernel_size
        })
    }

    /// Checks the options: every size at least 1.
    ///
    /// # Errors
    /// [`ZeroSize`](ModelError::ZeroSize), naming the first size that is 0.
    pub fn validate(&self) -> Result<(), ModelError> {
        let sizes = [
            ("channels", self.channels),
            ("kernel_size", self.kernel_size),
            ("stride", self.stride),
            ("num_layers", self.num_layers),
            ("pool", self.pool),
        ];
        match sizes.iter().find(|(_, size)| *size == 0) {
            Some((field, _)) => Err(ModelError::ZeroSize { field }),
            None => Ok(()),
        }
    }

    /// Builds the front end for series of `input_size` features on `device`, after
    /// [`validate`](Self::validate); weights from `seed`'s stream when given (PyTorch's
    /// `nn.Conv1d` default distribution either way).
    ///
    /// # Errors
    /// As [`validate`](Self::validate).
    pub fn try_init(
        &self,
        input_size: usize,
        seed: Option<u64>,
        device: &Device,
    ) -> Result<ConvFrontEnd, ModelError> {
        self.validate()?;
        let blocks = (0..self.num_layers)
            .map(|i| {
                ConvBlockSpec {
                    channels_in: if i == 0 { input_size } else { self.channels },
                    channels_out: self.channels,
                    kernel_size: self.kernel_size,
                    stride: self.stride,
                    padding: PaddingConfig1d::Valid,
                    batch_norm: self.batch_norm,
                }
                .init(seed.map(|s| block_seed(s, i)), device)
            })
            .collect();
        Ok(ConvFrontEnd {
            blocks,
            pool: (self.pool > 1).then(|| MaxPool1dConfig::new(self.pool).init()),
            config: self.clone(),
        })
    }
}

/// Block `index`'s own stream of a model seeded with `seed`.
pub(crate) fn block_seed(seed: u64, index: usize) -> u64 {
    seed ^ 0xc2b2_ae3d_27d4_eb4f_u64.wrapping_mul(index as u64 + 1)
}

/// Convolutions with a stride and a max-pool over time, built from a [`ConvFrontEndConfig`]:
/// `[batch, seq, features]` to `[batch, seq', channels]`, with `seq'` its
/// [`output_length`](ConvFrontEndConfig::output_length).
#[derive(Module, Debug)]
pub struct ConvFrontEnd {
    blocks: Vec<ConvBlock>,
    pool: Option<MaxPool1d>,
    #[module(skip)]
    config: ConvFrontEndConfig,
}

impl ConvFrontEnd {
    /// Its options.
    pub fn config(&self) -> &ConvFrontEndConfig {
        &self.config
    }

    /// `inputs` `[batch, seq, features]` to `[batch, seq', channels]`.
    ///
    /// # Panics
    /// If `seq` is shorter than [`min_sequence_length`](ConvFrontEndConfig::min_sequence_length)
    /// (the models check it first and return
    /// [`SequenceTooShort`](ModelError::SequenceTooShort)).
    pub fn forward(&self, inputs: Tensor<3>) -> Tensor<3> {
        let mut x = forward_blocks(&self.blocks, inputs.swap_dims(1, 2));
        if let Some(pool) = &self.pool {
            x = pool.forward(x);
        }
        x.swap_dims(1, 2)
    }

    /// Checks that the shortest of the series, `shortest` steps, leaves a step.
    ///
    /// # Errors
    /// [`SequenceTooShort`](ModelError::SequenceTooShort).
    pub fn check_length(&self, shortest: usize) -> Result<(), ModelError> {
        let min_length = self.config.min_sequence_length();
        if shortest < min_length {
            return Err(ModelError::SequenceTooShort {
                min_length,
                found: shortest,
            });
        }
        Ok(())
    }
}
