//! The running sums of an epoch: what each step adds, what the epoch's record is made of, and
//! what a checkpoint taken between steps saves.

use serde::{Deserialize, Serialize};

use super::history::EpochRecord;

/// The running sums of an epoch: its loss and metric so far, the sequences seen and the
/// seconds spent (saved in a checkpoint taken between steps, as `"partial"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct EpochSums {
    pub loss_sum: f64,
    pub loss_count: usize,
    pub metric_sum: f64,
    pub metric_count: usize,
    pub sequences: usize,
    pub seconds: f64,
}

impl EpochSums {
    /// Adds a step's mean `loss` and its `metric` sum over `count` items.
    pub(crate) fn add(&mut self, loss: f32, metric: f32, count: usize) {
        self.loss_sum += loss as f64 * count as f64;
        self.loss_count += count;
        self.metric_sum += metric as f64;
        self.metric_count += count;
    }

    /// The epoch's mean loss so far.
    pub(crate) fn mean_loss(&self) -> f64 {
        self.loss_sum / self.loss_count as f64
    }

    /// The record of the finished epoch `epoch` over `sequences` training sequences, with the
    /// validation loss and metric when there was validation data.
    pub(crate) fn record(
        &self,
        epoch: usize,
        learning_rate: f64,
        validation: Option<(f64, f64)>,
        sequences: usize,
    ) -> EpochRecord {
        EpochRecord {
            epoch,
            train_loss: self.mean_loss(),
            train_metric: self.metric_sum / self.metric_count as f64,
            valid_loss: validation.map(|(loss, _)| loss),
            valid_metric: validation.map(|(_, metric)| metric),
            learning_rate,
            seconds: self.seconds,
            sequences_per_second: sequences as f64 / self.seconds,
        }
    }
}
