//! `RecurrentError`: the umbrella over every area's own error, so that `?` works across areas.

use thiserror::Error;

use crate::data::DataError;
use crate::device::DeviceError;
use crate::forecast::ForecastError;
use crate::io::WeightFileError;
use crate::layers::LayerError;
use crate::model::ModelError;
use crate::train::{FitError, HistoryError, TrainError};

/// Any error of `recurrent`: one variant per area, each holding that area's own error.
///
/// Every function returns its own area's error ([`LayerError`] from a layer, [`DataError`]
/// from the data, [`TrainError`] from the trainer, ...); each converts into this one with `?`,
/// and its message is shown unchanged.
///
/// ```
/// use burn::tensor::Device;
/// use recurrent::{LayerError, LstmConfig, RecurrentError};
///
/// fn build() -> Result<(), RecurrentError> {
///     LstmConfig::new(3, 0).try_init(&Device::flex())?;
///     Ok(())
/// }
/// let err = build().unwrap_err();
/// assert_eq!(err, RecurrentError::Layer(LayerError::ZeroHiddenSize));
/// assert_eq!(err.to_string(), "invalid layer config: hidden_size must be at least 1, found 0");
/// ```
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum RecurrentError {
    /// A layer's options or forward arguments.
    #[error(transparent)]
    Layer(#[from] LayerError),
    /// A PyTorch weight file.
    #[error(transparent)]
    WeightFile(#[from] WeightFileError),
    /// Sequence data, a data file or a data option.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A model's config or a saved model's files.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The trainer's options, its data, or a failure while training.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// A training history to read, write or draw.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// A backend by name.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// A forecast to score or a baseline to compute.
    #[error(transparent)]
    Forecast(#[from] ForecastError),
}

impl<M> From<FitError<M>> for RecurrentError {
    fn from(e: FitError<M>) -> Self {
        RecurrentError::Train(e.error)
    }
}
