//! What training, evaluation and prediction share around Burn's data loaders: the device a model
//! is on, a loader over a dataset, and a loaded batch or the loader's error.

use std::sync::Arc;

use burn::data::dataloader::DataLoader;
use burn::module::Module;
use burn::tensor::Device;

use super::error::TrainError;
use crate::data::{DataError, SequenceBatch, SequenceDataset, data_loader};

/// The device a module's parameters are on (the default device for a module without any).
pub(crate) fn model_device<M: Module>(model: &M) -> Device {
    model.devices().into_iter().next().unwrap_or_default()
}

/// [`data_loader`] over `data` in batches of `batch_size`, unshuffled, for evaluation and
/// prediction; a zero batch size is the trainer's [`TrainError::ZeroBatchSize`] (the callers
/// pass a validated config's size or a constant, so it is there for completeness).
pub(crate) fn in_order(
    data: &SequenceDataset,
    batch_size: usize,
    device: &Device,
) -> Result<Arc<dyn DataLoader<SequenceBatch>>, TrainError> {
    data_loader(data, batch_size, None, device).map_err(|e| match e {
        DataError::ZeroBatchSize => TrainError::ZeroBatchSize,
        other => TrainError::BatchFailed {
            which: "an evaluation or a prediction",
            reason: other.to_string(),
        },
    })
}

/// A batch from a data loader, or the loader's error; `which` names the batch in messages
/// (`"a training"`, `"an evaluation"`, `"a prediction"`).
pub(crate) fn loaded(
    batch: Result<SequenceBatch, impl std::fmt::Display>,
    which: &'static str,
) -> Result<SequenceBatch, TrainError> {
    batch.map_err(|e| TrainError::BatchFailed {
        which,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Targets;

    #[test]
    fn a_zero_batch_size_is_the_trainers_own_error() {
        let data =
            SequenceDataset::new(vec![0.0; 4], [2, 2, 1], Targets::Binary(vec![0.0, 1.0])).unwrap();
        let device = Device::default();
        assert_eq!(
            in_order(&data, 0, &device).err(),
            Some(TrainError::ZeroBatchSize)
        );
        assert_eq!(in_order(&data, 1, &device).unwrap().num_items(), 2);
    }

    #[test]
    fn a_loader_error_names_the_batch_and_the_reason() {
        let err = loaded(Err::<SequenceBatch, _>("disk gone"), "a training").unwrap_err();
        assert_eq!(
            err,
            TrainError::BatchFailed {
                which: "a training",
                reason: "disk gone".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "could not load a training batch: expected a batch from the data loader, found: disk gone"
        );
    }
}
