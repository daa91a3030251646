//! Learning-rate schedules: Burn's schedulers, stepped once per batch.

use burn::lr_scheduler::constant::ConstantLr;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::lr_scheduler::exponential::ExponentialLrSchedulerConfig;
use burn::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::step::StepLrSchedulerConfig;
use serde::{Deserialize, Serialize};

use super::error::TrainError;

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
    /// The schedule's name in messages.
    fn name(self) -> &'static str {
        match self {
            LrSchedule::Constant => "Constant",
            LrSchedule::Cosine { .. } => "Cosine",
            LrSchedule::Linear { .. } => "Linear",
            LrSchedule::Step { .. } => "Step",
            LrSchedule::Exponential { .. } => "Exponential",
        }
    }

    /// Checks the schedule's own options against the initial `learning_rate`.
    ///
    /// # Errors
    /// [`InvalidSchedule`](TrainError::InvalidSchedule), saying which option is wrong.
    pub(crate) fn validate(self, learning_rate: f64) -> Result<(), TrainError> {
        let schedule = self.name();
        let bad = |reason: String| Err(TrainError::InvalidSchedule { schedule, reason });
        match self {
            LrSchedule::Constant => {}
            LrSchedule::Cosine { min_lr } if !(min_lr >= 0.0 && min_lr <= learning_rate) => {
                return bad(format!(
                    "min_lr must be in [0, learning_rate = {}], found {min_lr}",
                    learning_rate
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

    /// The schedule as a Burn scheduler from `learning_rate`, over `epochs` of `batches`
    /// optimizer steps each (validated first: see [`validate`](Self::validate)).
    pub(crate) fn build(
        self,
        learning_rate: f64,
        epochs: usize,
        batches: usize,
    ) -> ModuleLrScheduler {
        let lr = learning_rate;
        let total = epochs * batches;
        let built = match self {
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
