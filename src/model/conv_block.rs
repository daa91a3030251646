//! One convolution over time, its batch normalisation and a ReLU: the unit both the
//! convolutional front end and LSTM-FCN's fully convolutional branch are made of.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig1d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use crate::init::UniformInit;

/// `relu(batch_norm(conv1d(x)))` on `[batch, channels, time]`; without the batch norm when
/// built so.
#[derive(Module, Debug)]
pub(crate) struct ConvBlock {
    conv: Conv1d,
    norm: Option<BatchNorm>,
}

/// What a [`ConvBlock`] is built from.
pub(crate) struct ConvBlockSpec {
    pub(crate) channels_in: usize,
    pub(crate) channels_out: usize,
    pub(crate) kernel_size: usize,
    pub(crate) stride: usize,
    /// `Same` (LSTM-FCN) or `Valid` (the front end: no output step reads a padded step).
    pub(crate) padding: PaddingConfig1d,
    pub(crate) batch_norm: bool,
}

impl ConvBlockSpec {
    /// The block on `device`. Weights and bias are drawn from PyTorch's `nn.Conv1d` default,
    /// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with `fan_in = channels_in * kernel_size`: from
    /// `seed`'s own stream when given (the same on every backend), else from the device.
    pub(crate) fn init(&self, seed: Option<u64>, device: &Device) -> ConvBlock {
        let mut conv = Conv1dConfig::new(self.channels_in, self.channels_out, self.kernel_size)
            .with_stride(self.stride)
            .with_padding(self.padding.clone())
            .init(device);
        if seed.is_some() {
            let mut init = UniformInit::new(self.channels_in * self.kernel_size, seed);
            conv.weight = Param::from_tensor(init.tensor(
                [self.channels_out, self.channels_in, self.kernel_size],
                device,
            ));
            conv.bias = Some(Param::from_tensor(init.tensor([self.channels_out], device)));
        }
        ConvBlock {
            conv,
            norm: self
                .batch_norm
                .then(|| BatchNormConfig::new(self.channels_out).init(device)),
        }
    }
}

impl ConvBlock {
    /// `[batch, channels_in, time]` to `[batch, channels_out, time']`.
    pub(crate) fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let x = self.conv.forward(x);
        relu(match &self.norm {
            Some(norm) => norm.forward(x),
            None => x,
        })
    }
}

/// `blocks` one after the other on `x`, `[batch, channels, time]`.
pub(crate) fn forward_blocks(blocks: &[ConvBlock], x: Tensor<3>) -> Tensor<3> {
    blocks.iter().fold(x, |x, block| block.forward(x))
}
