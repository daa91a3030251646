//! # recurrent
//!
//! Recurrent neural networks for [Burn](https://burn.dev) 0.22: [`SimpleRnn`], [`Lstm`] and
//! [`Gru`] layers that give PyTorch's numbers (to float rounding), load and save PyTorch weights,
//! and run on any Burn device: `flex` (the default CPU backend), `ndarray` and `wgpu`, chosen at
//! run time by a [`burn::tensor::Device`].
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use recurrent::{LayerError, LstmConfig, Recurrent};
//!
//! let device = Device::flex();
//! let lstm = LstmConfig::new(1, 32).with_seed(Some(42)).init(&device);
//! let input = Tensor::<3>::ones([8, 10, 1], &device); // [batch, seq, features]
//! let (output, state) = lstm.forward(input, None);
//! assert_eq!(output.dims(), [8, 10, 32]);
//! assert_eq!(state.cell.map(|c| c.dims()), Some([1, 8, 32]));
//!
//! // The checked path returns an error instead of panicking.
//! let wrong = Tensor::<3>::ones([8, 10, 3], &device);
//! let err = lstm.try_forward(wrong, None).unwrap_err();
//! assert_eq!(err, LayerError::InputSizeMismatch { expected: 1, found: 3 });
//! ```
//!
//! A model trained end to end: [`SequenceModel`] (a recurrent layer, a readout and a linear
//! head) fitted by [`Trainer`] on one of the [`data`] generators.
//!
//! ```
//! use burn::tensor::Device;
//! use recurrent::data::SumSignConfig;
//! use recurrent::train::ProgressMode;
//! use recurrent::{CellType, Objective, SequenceModelConfig, Trainer, TrainerConfig};
//!
//! let device = Device::flex();
//! let train = SumSignConfig::new().generate(512, 1)?; // label: does the sequence sum to > 0?
//! let test = SumSignConfig::new().generate(500, 2)?;
//! let model = SequenceModelConfig::new(CellType::Gru, 1, 16, 1).with_seed(Some(1)).init(&device);
//! let config = TrainerConfig::new(Objective::BinaryClassification)
//!     .with_epochs(5)
//!     .with_progress(ProgressMode::Quiet);
//! let fitted = Trainer::new(config).fit(model, &train, None)?;
//! let accuracy = fitted.evaluate(&test)?.metric;
//! assert!(accuracy > 0.8, "{accuracy}"); // guessing scores 0.5
//! # Ok::<(), recurrent::RecurrentError>(())
//! ```
//!
//! ## Where things are
//! | module | what |
//! |---|---|
//! | [`layers`] | the layers, their configs and states, PyTorch weight files |
//! | [`model`] | [`SequenceModel`], its config and readouts, saving and loading; the [`model::Trainable`] trait for models of your own |
//! | [`train`] | [`Trainer`], its options, [`train::History`], checkpoints, early stopping, the confusion matrix |
//! | [`data`] | [`data::SequenceDataset`], batching, generators, `.ts` files, [`data::Normalizer`] |
//! | [`device`] | a Burn device by name (`"flex"`, `"ndarray"`, `"wgpu"`) |
//!
//! The repository's `docs/` folder is the guide (getting started, layers, training, data,
//! backends, performance, coming from PyTorch) and `examples/` a numbered progression, from the
//! original PyTorch script (`01_seed`) to your own data (`06_own_data`) and PyTorch weights.
//!
//! ## Cargo features
//! | feature | default | what |
//! |---|---|---|
//! | `flex` | yes | Burn's pure-Rust CPU backend |
//! | `plot` | yes | `History::plot`: loss and metric curves as SVG (plotters, no system libraries) |
//! | `ndarray` | no | Burn's ndarray CPU backend (deprecated upstream, still tested here) |
//! | `wgpu` | no | Burn's GPU backend (Vulkan, Metal, DX12) |
#![warn(missing_docs)]

mod cell;
pub mod data;
pub mod device;
mod error;
pub mod forecast;
mod init;
mod io;
mod kernels;
pub mod layers;
pub mod model;
mod plural;
pub mod train;

pub use error::RecurrentError;

/// Internals for the crate's own benchmarks and tests; not part of the API and not covered by
/// semver.
#[doc(hidden)]
pub mod __bench {
    #[cfg(feature = "wgpu")]
    pub use crate::kernels::bench::Launches;
    pub use crate::kernels::bench::{PackedProduct, set_fused};
}

/// The README's code, compiled with the doctests so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub use data::DataError;
pub use device::DeviceError;
pub use forecast::ForecastError;
pub use layers::{
    CellType, Gru, GruConfig, LayerError, Lstm, LstmConfig, Nonlinearity, Recurrent,
    RecurrentLayer, RecurrentState, SimpleRnn, SimpleRnnConfig, WeightFileError,
};
pub use model::{ModelError, Readout, SequenceModel, SequenceModelConfig};
pub use train::{Objective, TrainError, Trainer, TrainerConfig};
