//! Early stopping: what decides the best epoch ([`Monitor`]), when to stop
//! ([`EarlyStoppingConfig`]), and the tracker the training loop updates after every epoch.

use burn::config::Config;
use serde::{Deserialize, Serialize};

use super::history::EpochRecord;
use super::objective::Objective;

/// What decides the best epoch, for early stopping and the best checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Monitor {
    /// The validation loss; lower is better.
    ValidLoss,
    /// The validation metric: accuracy (higher is better) or MAE (lower is better).
    ValidMetric,
}

/// Stop training when the monitored validation score has not improved for `patience` epochs.
///
/// ```
/// use recurrent::train::{EarlyStoppingConfig, Objective, TrainerConfig};
///
/// let config = TrainerConfig::new(Objective::Regression)
///     .with_epochs(200)
///     .with_early_stopping(Some(EarlyStoppingConfig::new(10).with_min_delta(1e-4)));
/// assert!(config.validate().is_ok());
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct EarlyStoppingConfig {
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// The least change that counts as an improvement.
    #[config(default = 0.0)]
    pub min_delta: f64,
    /// Hand back the best epoch's model instead of the last one.
    #[config(default = true)]
    pub restore_best: bool,
}

impl Monitor {
    /// The monitored value of an epoch, as a number where lower is better; `None` without
    /// validation.
    pub(crate) fn score(self, objective: Objective, record: &EpochRecord) -> Option<f64> {
        match self {
            Monitor::ValidLoss => record.valid_loss,
            Monitor::ValidMetric => record
                .valid_metric
                .map(|m| if objective.higher_is_better() { -m } else { m }),
        }
    }
}

/// The best monitored value so far with its epoch, and the epochs since it last improved: the
/// tracker's state, saved in checkpoints (`state.json`'s `"best"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Best {
    /// The best monitored value so far (lower is better) and its epoch.
    pub value: Option<(f64, usize)>,
    /// Epochs since the last improvement.
    pub stale_epochs: usize,
}

/// Follows the monitored score epoch by epoch: which epoch is the best, and whether training
/// should stop. Without an [`EarlyStoppingConfig`] it still tracks the best epoch (for
/// [`Fitted::best_epoch`](crate::train::Fitted::best_epoch) and the best checkpoint) and
/// never stops.
#[derive(Debug, Clone)]
pub(crate) struct EarlyStopping {
    patience: Option<usize>,
    min_delta: f64,
    best: Best,
}

impl EarlyStopping {
    /// A tracker for `config`, from `best` (the default for a fresh run, a checkpoint's on
    /// resume).
    pub(crate) fn new(config: Option<&EarlyStoppingConfig>, best: Best) -> Self {
        Self {
            patience: config.map(|c| c.patience),
            min_delta: config.map_or(0.0, |c| c.min_delta),
            best,
        }
    }

    /// Records `epoch`'s score (lower is better; `None` without validation data) and says
    /// whether it improved on the best by more than `min_delta`.
    pub(crate) fn update(&mut self, epoch: usize, score: Option<f64>) -> bool {
        let Some(score) = score else {
            return false;
        };
        let improved = match self.best.value {
            Some((best, _)) => score < best - self.min_delta,
            None => true,
        };
        if improved {
            self.best = Best {
                value: Some((score, epoch)),
                stale_epochs: 0,
            };
        } else {
            self.best.stale_epochs += 1;
        }
        improved
    }

    /// Whether the score has not improved for `patience` epochs.
    pub(crate) fn should_stop(&self) -> bool {
        self.patience
            .is_some_and(|patience| self.best.stale_epochs >= patience)
    }

    /// The tracker's state, for a checkpoint.
    pub(crate) fn best(&self) -> Best {
        self.best
    }

    /// The best epoch so far.
    pub(crate) fn best_epoch(&self) -> Option<usize> {
        self.best.value.map(|(_, epoch)| epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker(patience: usize, min_delta: f64) -> EarlyStopping {
        let config = EarlyStoppingConfig::new(patience).with_min_delta(min_delta);
        EarlyStopping::new(Some(&config), Best::default())
    }

    #[test]
    fn stops_after_patience_epochs_without_improvement() {
        let mut stopping = tracker(2, 0.0);
        assert!(stopping.update(1, Some(1.0)));
        assert!(stopping.update(2, Some(0.5)));
        assert!(!stopping.update(3, Some(0.7)));
        assert!(!stopping.should_stop());
        assert!(!stopping.update(4, Some(0.5)), "equal is no improvement");
        assert!(stopping.should_stop());
        assert_eq!(stopping.best_epoch(), Some(2));
    }

    #[test]
    fn an_improvement_within_min_delta_does_not_count() {
        let mut stopping = tracker(1, 0.1);
        assert!(stopping.update(1, Some(1.0)));
        assert!(!stopping.update(2, Some(0.95)));
        assert!(stopping.should_stop());
        assert_eq!(
            stopping.best(),
            Best {
                value: Some((1.0, 1)),
                stale_epochs: 1
            }
        );
    }

    #[test]
    fn without_a_score_or_a_config_nothing_stops() {
        let mut stopping = tracker(1, 0.0);
        assert!(!stopping.update(1, None));
        assert!(!stopping.should_stop());
        assert_eq!(stopping.best_epoch(), None);
        let mut tracking = EarlyStopping::new(None, Best::default());
        assert!(tracking.update(1, Some(2.0)));
        assert!(!tracking.update(2, Some(3.0)));
        assert!(!tracking.update(3, Some(3.0)));
        assert!(!tracking.should_stop());
        assert_eq!(tracking.best_epoch(), Some(1));
    }

    #[test]
    fn a_resumed_tracker_continues_from_its_state() {
        let config = EarlyStoppingConfig::new(3);
        let saved = Best {
            value: Some((0.2, 4)),
            stale_epochs: 2,
        };
        let mut stopping = EarlyStopping::new(Some(&config), saved);
        assert!(!stopping.update(7, Some(0.3)));
        assert!(stopping.should_stop());
    }
}
