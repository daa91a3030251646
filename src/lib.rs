//! # recurrent
//!
//! Recurrent neural networks for [Burn](https://burn.dev) 0.22: [`SimpleRnn`], [`Lstm`] and
//! [`Gru`] layers that give PyTorch's numbers (to float rounding), load and save PyTorch weights,
//! and run on any Burn device: `flex` (the default CPU backend), `ndarray` and `wgpu`, chosen at
//! run time by a [`burn::tensor::Device`].
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use recurrent::{LstmConfig, RecurrentError};
//!
//! let device = Device::flex();
//! let lstm = LstmConfig::new(1, 32).with_seed(Some(42)).init(&device);
//! let input = Tensor::<3>::ones([8, 10, 1], &device); // [batch, seq, features]
//! let (output, state) = lstm.forward(input, None);
//! assert_eq!(output.dims(), [8, 10, 32]);
//! assert_eq!(state.cell.dims(), [1, 8, 32]);
//!
//! // The checked path returns an error instead of panicking.
//! let wrong = Tensor::<3>::ones([8, 10, 3], &device);
//! let err = lstm.try_forward(wrong, None).unwrap_err();
//! assert_eq!(err, RecurrentError::InputSizeMismatch { expected: 1, found: 3 });
//! ```
//!
//! ## Cargo features
//! | feature | default | what |
//! |---|---|---|
//! | `flex` | yes | Burn's pure-Rust CPU backend |
//! | `ndarray` | no | Burn's ndarray CPU backend (deprecated upstream, still tested here) |
//! | `wgpu` | no | Burn's GPU backend (Vulkan, Metal, DX12) |
#![warn(missing_docs)]

pub mod data;
pub mod device;
mod error;
mod io;
mod kernels;
pub mod layers;
pub mod model;
pub mod train;

pub use error::RecurrentError;

/// The README's code, compiled with the doctests so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub use layers::{
    Gru, GruConfig, Lstm, LstmConfig, LstmState, Nonlinearity, RnnState, SimpleRnn, SimpleRnnConfig,
};
pub use model::{CellType, Readout, SequenceModel, SequenceModelConfig};
pub use train::{Objective, Trainer, TrainerConfig};
