//! `TrainerConfig`: every training option, validated before training starts, and the options a
//! resumed run must share with the run that saved its checkpoint.

use std::path::Path;

use burn::config::Config;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::optim::ModuleOptimizer;

use super::checkpoint::CheckpointConfig;
use super::early_stopping::{EarlyStoppingConfig, Monitor};
use super::error::{CheckpointError, TrainError};
use super::objective::Objective;
use super::optimizer::Optimizer;
use super::progress::ProgressMode;
use super::schedule::LrSchedule;

/// Options of a [`Trainer`](crate::train::Trainer).
///
/// Defaults are the original PyTorch example's recipe: Adam, learning rate 0.01, batch 32,
/// 10 epochs, reshuffled every epoch.
///
/// ```
/// use recurrent::train::{LrSchedule, Objective, Optimizer, TrainerConfig};
///
/// let config = TrainerConfig::new(Objective::MultiClass)
///     .with_epochs(30)
///     .with_optimizer(Optimizer::AdamW)
///     .with_weight_decay(1e-4)
///     .with_grad_clip_norm(Some(1.0))
///     .with_lr_schedule(LrSchedule::Cosine { min_lr: 1e-4 });
/// assert!(config.validate().is_ok());
/// assert!(config.with_batch_size(0).validate().is_err());
/// ```
#[derive(Config, Debug)]
pub struct TrainerConfig {
    /// What the model learns.
    pub objective: Objective,
    /// Passes over the training data.
    #[config(default = 10)]
    pub epochs: usize,
    /// Sequences per batch (the last batch of an epoch may be smaller).
    #[config(default = 32)]
    pub batch_size: usize,
    /// The (initial) learning rate.
    #[config(default = 0.01)]
    pub learning_rate: f64,
    /// The optimizer.
    #[config(default = "Optimizer::Adam")]
    pub optimizer: Optimizer,
    /// Weight decay (L2 for Adam and SGD, decoupled for AdamW).
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Clip the gradient's norm to this value before each step.
    pub grad_clip_norm: Option<f64>,
    /// The learning-rate schedule.
    #[config(default = "LrSchedule::Constant")]
    pub lr_schedule: LrSchedule,
    /// Linear warm-up: over the first `warmup_steps` optimizer steps the schedule's rate is
    /// multiplied by `step / warmup_steps` (from `1 / warmup_steps` at the first step to 1);
    /// 0 for none.
    #[config(default = 0)]
    pub warmup_steps: usize,
    /// Seed for the order of the training data, redrawn every epoch.
    #[config(default = 42)]
    pub seed: u64,
    /// Whether to reshuffle the training data every epoch.
    #[config(default = true)]
    pub shuffle: bool,
    /// Whether an epoch leaves out its last batch when it is smaller than `batch_size`
    /// (PyTorch's `DataLoader(drop_last=True)`): every step then sees a full batch, which
    /// batch normalisation wants; with shuffling, each epoch leaves out other sequences.
    #[config(default = false)]
    pub drop_last: bool,
    /// How progress is reported.
    #[config(default = "ProgressMode::Auto")]
    pub progress: ProgressMode,
    /// What decides the best epoch (early stopping, the best checkpoint).
    #[config(default = "Monitor::ValidLoss")]
    pub monitor: Monitor,
    /// Stop when the monitored score stops improving (needs validation data).
    pub early_stopping: Option<EarlyStoppingConfig>,
    /// Save checkpoints to resume from ([`Trainer::resume`](crate::train::Trainer::resume)).
    pub checkpoint: Option<CheckpointConfig>,
    /// Truncated backpropagation through time: each batch's sequences are cut into chunks of
    /// this many steps; the state is carried from chunk to chunk and detached in between, so
    /// gradients reach back at most this far. `None`: whole sequences.
    pub tbptt: Option<usize>,
    /// Training steps between two reads of their losses and metrics from the device (and at
    /// the end of every epoch, and before a stop). Reading makes the host wait for the device,
    /// which on a GPU costs more than a small step; between reads the steps queue up. A NaN or
    /// infinite loss still stops training with the model from before its step (the steps
    /// since the last read are replayed from the model and optimizer kept then), and the loss
    /// history is the same for every value. The progress bar moves at each read.
    #[config(default = 16)]
    pub sync_every: usize,
    /// Split this fraction of the training data off as validation data (stratified by class,
    /// drawn from [`seed`](Self::seed); see
    /// [`SequenceDataset::split_validation`](crate::data::SequenceDataset::split_validation)),
    /// for early stopping and the best checkpoint when there is no validation file. `fit` and
    /// `resume` are then given no validation data.
    pub validation_fraction: Option<f64>,
}

impl TrainerConfig {
    /// Checks every option.
    ///
    /// # Errors
    /// One variant per mistake: [`ZeroEpochs`](TrainError::ZeroEpochs),
    /// [`ZeroBatchSize`](TrainError::ZeroBatchSize),
    /// [`InvalidLearningRate`](TrainError::InvalidLearningRate),
    /// [`InvalidWeightDecay`](TrainError::InvalidWeightDecay),
    /// [`InvalidGradientClip`](TrainError::InvalidGradientClip),
    /// [`InvalidMomentum`](TrainError::InvalidMomentum),
    /// [`InvalidSchedule`](TrainError::InvalidSchedule),
    /// [`ZeroPatience`](TrainError::ZeroPatience),
    /// [`InvalidMinDelta`](TrainError::InvalidMinDelta),
    /// [`ZeroCheckpointInterval`](TrainError::ZeroCheckpointInterval),
    /// [`ZeroCheckpointsKept`](TrainError::ZeroCheckpointsKept),
    /// [`ZeroTbptt`](TrainError::ZeroTbptt),
    /// [`ZeroSyncInterval`](TrainError::ZeroSyncInterval),
    /// [`InvalidValidationFraction`](TrainError::InvalidValidationFraction).
    pub fn validate(&self) -> Result<(), TrainError> {
        if let Some(stopping) = &self.early_stopping {
            if stopping.patience == 0 {
                return Err(TrainError::ZeroPatience);
            }
            if !(stopping.min_delta.is_finite() && stopping.min_delta >= 0.0) {
                return Err(TrainError::InvalidMinDelta {
                    min_delta: stopping.min_delta,
                });
            }
        }
        if self.checkpoint.as_ref().is_some_and(|c| c.every == 0) {
            return Err(TrainError::ZeroCheckpointInterval);
        }
        if self.checkpoint.as_ref().is_some_and(|c| c.keep == 0) {
            return Err(TrainError::ZeroCheckpointsKept);
        }
        if self.tbptt == Some(0) {
            return Err(TrainError::ZeroTbptt);
        }
        if self.sync_every == 0 {
            return Err(TrainError::ZeroSyncInterval);
        }
        if let Some(fraction) = self.validation_fraction
            && !(fraction > 0.0 && fraction < 1.0)
        {
            return Err(TrainError::InvalidValidationFraction { fraction });
        }
        if self.epochs == 0 {
            return Err(TrainError::ZeroEpochs);
        }
        if self.batch_size == 0 {
            return Err(TrainError::ZeroBatchSize);
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(TrainError::InvalidLearningRate {
                learning_rate: self.learning_rate,
            });
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(TrainError::InvalidWeightDecay {
                weight_decay: self.weight_decay,
            });
        }
        if let Some(norm) = self.grad_clip_norm
            && !(norm.is_finite() && norm > 0.0)
        {
            return Err(TrainError::InvalidGradientClip { norm });
        }
        if let Optimizer::Sgd { momentum, .. } = self.optimizer
            && !(0.0..1.0).contains(&momentum)
        {
            return Err(TrainError::InvalidMomentum { momentum });
        }
        self.lr_schedule.validate(self.learning_rate)
    }

    /// The optimizer as burn-optim builds it.
    pub(crate) fn build_optimizer(&self) -> ModuleOptimizer {
        self.optimizer.build(self.weight_decay, self.grad_clip_norm)
    }

    /// Optimizer steps per epoch over `sequences` training sequences: every batch, or only
    /// the full ones with [`drop_last`](Self::drop_last).
    pub fn batches_per_epoch(&self, sequences: usize) -> usize {
        if self.drop_last {
            sequences / self.batch_size.max(1)
        } else {
            sequences.div_ceil(self.batch_size.max(1))
        }
    }

    /// The schedule as a Burn scheduler, for `batches` optimizer steps per epoch.
    pub(crate) fn build_scheduler(&self, batches: usize) -> ModuleLrScheduler {
        self.lr_schedule
            .build(self.learning_rate, self.epochs, batches)
    }

    /// Checks that the options that decide what a resumed run computes ([`RESUME_KEYS`]) are
    /// those of the run that saved the checkpoint at `checkpoint` (`saved`: its trainer config
    /// as JSON). The number of epochs may grow when the learning rate is constant (a schedule
    /// spans all epochs); progress, checkpointing and early stopping may change.
    ///
    /// # Errors
    /// [`CheckpointError::Mismatch`], naming the first option that differs.
    pub(crate) fn check_resumable(
        &self,
        checkpoint: &Path,
        saved: &serde_json::Value,
    ) -> Result<(), CheckpointError> {
        let current = serde_json::to_value(self).expect("a trainer config always serialises");
        // An option added after the checkpoint was written has its default there.
        let defaults = serde_json::to_value(TrainerConfig::new(self.objective))
            .expect("a trainer config always serialises");
        let spans_epochs = self.lr_schedule.spans_training();
        let keys = RESUME_KEYS
            .into_iter()
            .chain(spans_epochs.then_some("epochs"));
        for key in keys {
            let (expected, found) = (current.get(key), saved.get(key).or(defaults.get(key)));
            if expected != found {
                let show =
                    |v: Option<&serde_json::Value>| v.map_or("nothing".into(), |v| v.to_string());
                let why = if key == "epochs" {
                    " (a learning-rate schedule spans them)"
                } else {
                    ""
                };
                return Err(CheckpointError::Mismatch {
                    path: checkpoint.to_path_buf(),
                    what: format!("the trainer option {key}{why}"),
                    expected: show(expected),
                    found: show(found),
                });
            }
        }
        Ok(())
    }
}

/// The trainer options a resumed run must share with the run that saved its checkpoint: every
/// option that changes what a run computes. A new such option belongs here.
pub(crate) const RESUME_KEYS: [&str; 14] = [
    "objective",
    "batch_size",
    "learning_rate",
    "optimizer",
    "weight_decay",
    "grad_clip_norm",
    "lr_schedule",
    "warmup_steps",
    "seed",
    "shuffle",
    "drop_last",
    "tbptt",
    "monitor",
    "validation_fraction",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// A checkpoint written before `drop_last` existed has no such key: it resumes as the
    /// default (false), and only as that.
    #[test]
    fn an_option_missing_from_an_older_checkpoint_counts_as_its_default() {
        let config = TrainerConfig::new(Objective::Regression);
        let mut saved = serde_json::to_value(&config).unwrap();
        saved.as_object_mut().unwrap().remove("drop_last");
        let path = Path::new("checkpoint");
        assert!(config.check_resumable(path, &saved).is_ok());
        let dropping = config.with_drop_last(true);
        assert!(matches!(
            dropping.check_resumable(path, &saved),
            Err(CheckpointError::Mismatch { .. })
        ));
    }
}
