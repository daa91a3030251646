//! `TrainerConfig`: every training option, validated before training starts.

use burn::config::Config;
use burn::grad_clipping::GradientClippingConfig;
use burn::lr_scheduler::constant::ConstantLr;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::lr_scheduler::exponential::ExponentialLrSchedulerConfig;
use burn::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::step::StepLrSchedulerConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer, SgdConfig};
use serde::{Deserialize, Serialize};

use crate::RecurrentError;

/// What the model learns, which fixes the loss and the metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Objective {
    /// One logit per sequence, sigmoid + binary cross-entropy; metric: accuracy.
    /// Targets: [`Targets::Binary`](crate::data::Targets::Binary).
    BinaryClassification,
    /// One logit per class, softmax + cross-entropy; metric: accuracy.
    /// Targets: [`Targets::Class`](crate::data::Targets::Class).
    MultiClass,
    /// Values, mean squared error; metric: mean absolute error.
    /// Targets: [`Targets::Real`](crate::data::Targets::Real) or
    /// [`Targets::PerStep`](crate::data::Targets::PerStep).
    Regression,
}

impl Objective {
    /// The objective's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Objective::BinaryClassification => "binary classification",
            Objective::MultiClass => "multi-class classification",
            Objective::Regression => "regression",
        }
    }

    /// The name of the metric [`History`](crate::train::History) records.
    pub fn metric_name(self) -> &'static str {
        match self {
            Objective::Regression => "mae",
            _ => "accuracy",
        }
    }

    /// Whether a larger metric is better (accuracy) or a smaller one (MAE).
    pub fn higher_is_better(self) -> bool {
        self != Objective::Regression
    }
}

impl Monitor {
    /// The monitored value of an epoch, as a number where lower is better; `None` without
    /// validation.
    pub(crate) fn score(
        self,
        objective: Objective,
        record: &crate::train::EpochRecord,
    ) -> Option<f64> {
        match self {
            Monitor::ValidLoss => record.valid_loss,
            Monitor::ValidMetric => record
                .valid_metric
                .map(|m| if objective.higher_is_better() { -m } else { m }),
        }
    }
}

/// The optimizer, from burn-optim.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Optimizer {
    /// Adam with PyTorch's defaults (betas 0.9, 0.999; epsilon 1e-8); weight decay is L2.
    Adam,
    /// AdamW (decoupled weight decay).
    AdamW,
    /// Stochastic gradient descent with momentum (PyTorch's form, no dampening).
    Sgd {
        /// Momentum in `[0, 1)`; 0 is plain SGD.
        momentum: f64,
        /// Nesterov momentum.
        nesterov: bool,
    },
}

/// How the learning rate changes over training. Burn's schedulers, stepped once per batch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum LrSchedule {
    /// The learning rate throughout.
    Constant,
    /// Cosine annealing from the learning rate to `min_lr` over all of training.
    Cosine {
        /// The final learning rate.
        min_lr: f64,
    },
    /// Linear from the learning rate to `final_lr` over all of training.
    Linear {
        /// The final learning rate.
        final_lr: f64,
    },
    /// Multiplied by `gamma` every `epochs` epochs.
    Step {
        /// Epochs between reductions.
        epochs: usize,
        /// The factor, in `(0, 1]`.
        gamma: f64,
    },
    /// Multiplied by `gamma` every epoch, smoothly (by `gamma^(1/batches)` each batch).
    Exponential {
        /// The factor per epoch, in `(0, 1]`.
        gamma: f64,
    },
}

impl LrSchedule {
    fn name(self) -> &'static str {
        match self {
            LrSchedule::Constant => "Constant",
            LrSchedule::Cosine { .. } => "Cosine",
            LrSchedule::Linear { .. } => "Linear",
            LrSchedule::Step { .. } => "Step",
            LrSchedule::Exponential { .. } => "Exponential",
        }
    }
}

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

/// How the trainer reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProgressMode {
    /// A progress bar with loss and throughput on a terminal, plus a line per epoch; a plain
    /// line per epoch when stderr is not a terminal.
    Auto,
    /// The progress bar on a terminal, nothing otherwise (for callers that print their own lines).
    BarOnly,
    /// A plain line per epoch, always.
    Lines,
    /// Nothing.
    Quiet,
}

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
    /// Seed for the order of the training data, redrawn every epoch.
    #[config(default = 42)]
    pub seed: u64,
    /// Whether to reshuffle the training data every epoch.
    #[config(default = true)]
    pub shuffle: bool,
    /// How progress is reported.
    #[config(default = "ProgressMode::Auto")]
    pub progress: ProgressMode,
    /// What decides the best epoch (early stopping, the best checkpoint).
    #[config(default = "Monitor::ValidLoss")]
    pub monitor: Monitor,
    /// Stop when the monitored score stops improving (needs validation data).
    pub early_stopping: Option<EarlyStoppingConfig>,
    /// Save checkpoints to resume from ([`Trainer::resume`](crate::train::Trainer::resume)).
    pub checkpoint: Option<crate::train::CheckpointConfig>,
    /// Truncated backpropagation through time: each batch's sequences are cut into chunks of
    /// this many steps; the state is carried from chunk to chunk and detached in between, so
    /// gradients reach back at most this far. `None`: whole sequences.
    pub tbptt: Option<usize>,
}

impl TrainerConfig {
    /// Checks every option.
    ///
    /// # Errors
    /// One variant per mistake: [`ZeroEpochs`](RecurrentError::ZeroEpochs),
    /// [`ZeroBatchSize`](RecurrentError::ZeroBatchSize),
    /// [`InvalidLearningRate`](RecurrentError::InvalidLearningRate),
    /// [`InvalidWeightDecay`](RecurrentError::InvalidWeightDecay),
    /// [`InvalidGradientClip`](RecurrentError::InvalidGradientClip),
    /// [`InvalidMomentum`](RecurrentError::InvalidMomentum),
    /// [`InvalidSchedule`](RecurrentError::InvalidSchedule),
    /// [`ZeroPatience`](RecurrentError::ZeroPatience),
    /// [`InvalidMinDelta`](RecurrentError::InvalidMinDelta),
    /// [`ZeroCheckpointInterval`](RecurrentError::ZeroCheckpointInterval),
    /// [`ZeroTbptt`](RecurrentError::ZeroTbptt).
    pub fn validate(&self) -> Result<(), RecurrentError> {
        if let Some(stopping) = &self.early_stopping {
            if stopping.patience == 0 {
                return Err(RecurrentError::ZeroPatience);
            }
            if !(stopping.min_delta.is_finite() && stopping.min_delta >= 0.0) {
                return Err(RecurrentError::InvalidMinDelta {
                    min_delta: stopping.min_delta,
                });
            }
        }
        if self.checkpoint.as_ref().is_some_and(|c| c.every == 0) {
            return Err(RecurrentError::ZeroCheckpointInterval);
        }
        if self.tbptt == Some(0) {
            return Err(RecurrentError::ZeroTbptt);
        }
        if self.epochs == 0 {
            return Err(RecurrentError::ZeroEpochs);
        }
        if self.batch_size == 0 {
            return Err(RecurrentError::ZeroBatchSize);
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(RecurrentError::InvalidLearningRate {
                learning_rate: self.learning_rate,
            });
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(RecurrentError::InvalidWeightDecay {
                weight_decay: self.weight_decay,
            });
        }
        if let Some(norm) = self.grad_clip_norm
            && !(norm.is_finite() && norm > 0.0)
        {
            return Err(RecurrentError::InvalidGradientClip { norm });
        }
        if let Optimizer::Sgd { momentum, .. } = self.optimizer
            && !(0.0..1.0).contains(&momentum)
        {
            return Err(RecurrentError::InvalidMomentum { momentum });
        }
        let schedule = self.lr_schedule.name();
        let bad = |reason: String| Err(RecurrentError::InvalidSchedule { schedule, reason });
        match self.lr_schedule {
            LrSchedule::Constant => {}
            LrSchedule::Cosine { min_lr } if !(min_lr >= 0.0 && min_lr <= self.learning_rate) => {
                return bad(format!(
                    "min_lr must be in [0, learning_rate = {}], found {min_lr}",
                    self.learning_rate
                ));
            }
            LrSchedule::Linear { final_lr } if !(final_lr >= 0.0 && final_lr.is_finite()) => {
                return bad(format!(
                    "final_lr must be finite and >= 0, found {final_lr}"
                ));
            }
            LrSchedule::Step { epochs: 0, .. } => {
                return bad("epochs between reductions must be at least 1, found 0".into());
            }
            LrSchedule::Step { gamma, .. } | LrSchedule::Exponential { gamma }
                if !(gamma > 0.0 && gamma <= 1.0) =>
            {
                return bad(format!("gamma must be in (0, 1], found {gamma}"));
            }
            _ => {}
        }
        Ok(())
    }

    /// The optimizer as burn-optim builds it.
    pub(crate) fn build_optimizer(&self) -> ModuleOptimizer {
        let clip = self
            .grad_clip_norm
            .map(|n| GradientClippingConfig::Norm(n as f32));
        let decay =
            (self.weight_decay > 0.0).then(|| WeightDecayConfig::new(self.weight_decay as f32));
        match self.optimizer {
            Optimizer::Adam => AdamConfig::new()
                .with_epsilon(1e-8)
                .with_weight_decay(decay)
                .with_grad_clipping(clip)
                .init(),
            Optimizer::AdamW => AdamWConfig::new()
                .with_epsilon(1e-8)
                .with_weight_decay(self.weight_decay as f32)
                .with_grad_clipping(clip)
                .init(),
            Optimizer::Sgd { momentum, nesterov } => SgdConfig::new()
                .with_momentum((momentum > 0.0).then(|| {
                    MomentumConfig::new()
                        .with_momentum(momentum)
                        .with_dampening(0.0)
                        .with_nesterov(nesterov)
                }))
                .with_weight_decay(decay)
                .with_gradient_clipping(clip)
                .init(),
        }
    }

    /// The schedule as a Burn scheduler, for `batches` optimizer steps per epoch.
    pub(crate) fn build_scheduler(&self, batches: usize) -> ModuleLrScheduler {
        let lr = self.learning_rate;
        let total = self.epochs * batches;
        let built = match self.lr_schedule {
            LrSchedule::Constant => Ok(ModuleLrScheduler::new(ConstantLr::from(lr))),
            LrSchedule::Cosine { min_lr } => CosineAnnealingLrSchedulerConfig::new(lr, total)
                .with_min_lr(min_lr)
                .init(),
            LrSchedule::Linear { final_lr } => {
                LinearLrSchedulerConfig::new(lr, final_lr, total).init()
            }
            LrSchedule::Step { epochs, gamma } => StepLrSchedulerConfig::new(lr, epochs * batches)
                .with_gamma(gamma)
                .init(),
            LrSchedule::Exponential { gamma } => {
                ExponentialLrSchedulerConfig::new(lr, gamma.powf(1.0 / batches as f64)).init()
            }
        };
        // Options were validated; Burn only refuses what `validate` refuses first.
        built.unwrap_or_else(|reason| panic!("learning-rate schedule: {reason}"))
    }
}
