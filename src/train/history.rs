//! `History`: what happened in every epoch, written as JSON or CSV.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::HistoryError;
use crate::io::write_atomically;

/// One epoch of training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches, weighted by batch size.
    pub train_loss: f64,
    /// The training metric over the epoch (accuracy or MAE), measured while training.
    pub train_metric: f64,
    /// Validation loss after the epoch, when validation data was given.
    pub valid_loss: Option<f64>,
    /// Validation metric after the epoch, when validation data was given.
    pub valid_metric: Option<f64>,
    /// The learning rate of the epoch's last step.
    pub learning_rate: f64,
    /// Wall-clock seconds the epoch took, validation included.
    pub seconds: f64,
    /// Training sequences processed per second.
    pub sequences_per_second: f64,
}

/// Every epoch of a training run, with the metric's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// `"accuracy"` for classification, `"mae"` for regression.
    pub metric: String,
    /// One record per finished epoch.
    pub epochs: Vec<EpochRecord>,
}

impl History {
    pub(crate) fn new(metric: &str) -> Self {
        Self {
            metric: metric.to_string(),
            epochs: Vec::new(),
        }
    }

    /// The training losses, one per epoch.
    pub fn train_losses(&self) -> Vec<f64> {
        self.epochs.iter().map(|e| e.train_loss).collect()
    }

    /// The last epoch, if any finished.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }

    /// As JSON: `{"metric": "accuracy", "epochs": [{"epoch": 1, "train_loss": ...}, ...]}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a history always serialises")
    }

    /// Reads what [`to_json`](Self::to_json) wrote.
    ///
    /// # Errors
    /// [`Unreadable`](HistoryError::Unreadable) when `json` is not a history.
    pub fn from_json(json: &str) -> Result<Self, HistoryError> {
        serde_json::from_str(json).map_err(|e| HistoryError::Unreadable {
            reason: e.to_string(),
        })
    }

    /// As CSV with a header:
    /// `epoch,train_loss,train_<metric>,valid_loss,valid_<metric>,learning_rate,seconds,sequences_per_second`;
    /// missing validation values are empty.
    pub fn to_csv(&self) -> String {
        let m = &self.metric;
        let mut csv = format!(
            "epoch,train_loss,train_{m},valid_loss,valid_{m},learning_rate,seconds,sequences_per_second\n"
        );
        let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        for e in &self.epochs {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{},{},{}",
                e.epoch,
                e.train_loss,
                e.train_metric,
                opt(e.valid_loss),
                opt(e.valid_metric),
                e.learning_rate,
                e.seconds,
                e.sequences_per_second
            );
        }
        csv
    }

    /// Writes [`to_json`](Self::to_json) to `path`, atomically.
    ///
    /// # Errors
    /// [`WriteFailed`](HistoryError::WriteFailed); an earlier file at `path` is left intact.
    pub fn write_json(&self, path: impl AsRef<Path>) -> Result<(), HistoryError> {
        write(path.as_ref(), &self.to_json())
    }

    /// Writes [`to_csv`](Self::to_csv) to `path`, atomically.
    ///
    /// # Errors
    /// [`WriteFailed`](HistoryError::WriteFailed); an earlier file at `path` is left intact.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<(), HistoryError> {
        write(path.as_ref(), &self.to_csv())
    }
}

pub(crate) fn write(path: &Path, text: &str) -> Result<(), HistoryError> {
    write_atomically(path, text.as_bytes()).map_err(|e| HistoryError::WriteFailed {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}
