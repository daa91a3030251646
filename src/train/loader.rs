//! What training, evaluation and prediction share around Burn's data loaders: the device a model
//! is on, and a loaded batch or the loader's error.

use burn::module::Module;
use burn::tensor::Device;

use super::error::TrainError;
use crate::data::SequenceBatch;

/// The device a module's parameters are on (the default device for a module without any).
pub(crate) fn model_device<M: Module>(model: &M) -> Device {
    model.devices().into_iter().next().unwrap_or_default()
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
