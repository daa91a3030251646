//! `History`: what happened in every epoch, written as JSON or CSV.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::RecurrentError;
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
    /// [`DataShapeMismatch`](RecurrentError::DataShapeMismatch) when `json` is not a history.
    pub fn from_json(json: &str) -> Result<Self, RecurrentError> {
        serde_json::from_str(json).map_err(|e| RecurrentError::DataShapeMismatch {
            what: "history JSON",
            expected: "a History as written by History::to_json".into(),
            found: e.to_string(),
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
    /// [`WriteFailed`](RecurrentError::WriteFailed); an earlier file at `path` is left intact.
    pub fn write_json(&self, path: impl AsRef<Path>) -> Result<(), RecurrentError> {
        write(path.as_ref(), &self.to_json())
    }

    /// Writes [`to_csv`](Self::to_csv) to `path`, atomically.
    ///
    /// # Errors
    /// [`WriteFailed`](RecurrentError::WriteFailed); an earlier file at `path` is left intact.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<(), RecurrentError> {
        write(path.as_ref(), &self.to_csv())
    }

    /// Draws the loss and metric curves to `path` as SVG, atomically.
    ///
    /// Two panels side by side under one title: on the left the loss, on the right the metric
    /// ([`metric`](Self::metric): accuracy or MAE), each with a `train` curve and, when the
    /// history has validation values, a `valid` curve, against the epoch, with axis labels and a
    /// legend (`train loss`, `valid loss`, `train <metric>`, `valid <metric>`). Epochs without
    /// validation values are left out of the validation curves, and NaN or infinite values
    /// (a diverged run) are left out of every curve. Only with the `plot` feature (on by
    /// default); the image is drawn in memory with plotters' SVG backend, which needs no fonts.
    ///
    /// # Errors
    /// [`WriteFailed`](RecurrentError::WriteFailed) when `path` does not end in `.svg`, when the
    /// history has no epochs, or when writing fails; an earlier file at `path` is left intact.
    ///
    /// # Examples
    /// ```
    /// use recurrent::train::History;
    ///
    /// let history = History::from_json(
    ///     r#"{"metric": "accuracy", "epochs": [
    ///         {"epoch": 1, "train_loss": 1.3, "train_metric": 0.35, "valid_loss": 1.2,
    ///          "valid_metric": 0.4, "learning_rate": 0.001, "seconds": 2.0,
    ///          "sequences_per_second": 1000.0},
    ///         {"epoch": 2, "train_loss": 0.9, "train_metric": 0.6, "valid_loss": 0.95,
    ///          "valid_metric": 0.55, "learning_rate": 0.001, "seconds": 2.0,
    ///          "sequences_per_second": 1000.0}
    ///     ]}"#,
    /// )?;
    /// let path = std::env::temp_dir().join(format!("history-{}.svg", std::process::id()));
    /// history.plot(&path)?;
    /// let svg = std::fs::read_to_string(&path)?;
    /// assert!(svg.starts_with("<svg"));
    /// assert!(svg.contains("accuracy"));
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "plot")]
    pub fn plot(&self, path: impl AsRef<Path>) -> Result<(), RecurrentError> {
        let path = path.as_ref();
        let failed = |reason: String| RecurrentError::WriteFailed {
            path: path.to_path_buf(),
            reason,
        };
        match path.extension().map(|e| e.to_string_lossy()) {
            Some(e) if e.eq_ignore_ascii_case("svg") => {}
            found => {
                let found = match found {
                    Some(e) => format!("the extension .{e}"),
                    None => "no extension".into(),
                };
                return Err(failed(format!(
                    "expected a path ending in .svg (the plot is SVG), found {found}"
                )));
            }
        }
        if self.epochs.is_empty() {
            return Err(failed(
                "there are no epochs to plot: the history is empty".into(),
            ));
        }
        let svg = super::plot::render_svg(self)
            .map_err(|e| failed(format!("could not draw the plot: {e}")))?;
        write(path, &svg)
    }
}

fn write(path: &Path, text: &str) -> Result<(), RecurrentError> {
    write_atomically(path, text.as_bytes()).map_err(|e| RecurrentError::WriteFailed {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}
