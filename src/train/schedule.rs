//! Learning-rate schedules: Burn's schedulers and one-cycle, stepped once per batch, and
//! reduce-on-plateau, updated once per epoch.

use burn::lr_scheduler::constant::ConstantLr;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::lr_scheduler::exponential::ExponentialLrSchedulerConfig;
use burn::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::step::StepLrSchedulerConfig;
use burn::lr_scheduler::{LrScheduler, LrSchedulerRecord};
use burn::optim::LearningRate;
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
    /// Multiplied by `factor` when the monitored score has not improved for `patience` epochs
    /// (Keras's `ReduceLROnPlateau`; PyTorch's with `patience - 1`), then left alone for
    /// `cooldown` epochs, never below `min_lr`. The score is the trainer's
    /// [`monitor`](crate::train::TrainerConfig::monitor) on the validation data, or the
    /// training loss without any. A resumed run replays it from the history.
    ReduceOnPlateau {
        /// The factor, in `(0, 1)`.
        factor: f64,
        /// Epochs without improvement before a reduction, at least 1.
        patience: usize,
        /// Epochs after a reduction before counting again.
        cooldown: usize,
        /// The lowest learning rate, in `[0, learning_rate]`.
        min_lr: f64,
    },
    /// One cycle (Smith and Topor 2017; PyTorch's `OneCycleLR`, cosine annealing): from
    /// `learning_rate / div_factor` up to the learning rate over the first `pct_start` of all
    /// steps, then down to `learning_rate / (div_factor * final_div_factor)` at the last.
    /// PyTorch's defaults are 0.3, 25 and 1e4.
    OneCycle {
        /// The fraction of the steps spent rising, in `(0, 1)`.
        pct_start: f64,
        /// The initial rate is the learning rate divided by this (at least 1).
        div_factor: f64,
        /// The final rate is the initial one divided by this (at least 1).
        final_div_factor: f64,
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
            LrSchedule::ReduceOnPlateau { .. } => "ReduceOnPlateau",
            LrSchedule::OneCycle { .. } => "OneCycle",
        }
    }

    /// Whether the schedule is laid out over all of training's steps (so that a resumed run
    /// may not change the number of epochs).
    pub(crate) fn spans_training(self) -> bool {
        !matches!(
            self,
            LrSchedule::Constant | LrSchedule::ReduceOnPlateau { .. }
        )
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
            LrSchedule::ReduceOnPlateau { factor, .. } if !(factor > 0.0 && factor < 1.0) => {
                return bad(format!("factor must be in (0, 1), found {factor}"));
            }
            LrSchedule::ReduceOnPlateau { patience: 0, .. } => {
                return bad("patience must be at least 1 epoch, found 0".into());
            }
            LrSchedule::ReduceOnPlateau { min_lr, .. }
                if !(min_lr >= 0.0 && min_lr <= learning_rate) =>
            {
                return bad(format!(
                    "min_lr must be in [0, learning_rate = {learning_rate}], found {min_lr}"
                ));
            }
            LrSchedule::OneCycle { pct_start, .. } if !(pct_start > 0.0 && pct_start < 1.0) => {
                return bad(format!("pct_start must be in (0, 1), found {pct_start}"));
            }
            LrSchedule::OneCycle {
                div_factor,
                final_div_factor,
                ..
            } if ![div_factor, final_div_factor]
                .iter()
                .all(|f| *f >= 1.0 && f.is_finite()) =>
            {
                return bad(format!(
                    "div_factor and final_div_factor must be finite and >= 1, found {div_factor} and {final_div_factor}"
                ));
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
            // The plateau's rate is set by `Plateau`, epoch by epoch.
            LrSchedule::Constant | LrSchedule::ReduceOnPlateau { .. } => {
                Ok(ModuleLrScheduler::new(ConstantLr::from(lr)))
            }
            LrSchedule::OneCycle {
                pct_start,
                div_factor,
                final_div_factor,
            } => Ok(ModuleLrScheduler::new(OneCycleLr {
                max_lr: lr,
                initial_lr: lr / div_factor,
                min_lr: lr / div_factor / final_div_factor,
                peak_step: pct_start * total as f64 - 1.0,
                last_step: total as f64 - 1.0,
                step: 0,
            })),
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

/// PyTorch's `OneCycleLR` (two phases, cosine annealing): the rate of step `step` (from 0)
/// rises from `initial_lr` to `max_lr` until `peak_step`, then falls to `min_lr` at
/// `last_step`.
#[derive(Debug, Clone)]
struct OneCycleLr {
    max_lr: f64,
    initial_lr: f64,
    min_lr: f64,
    peak_step: f64,
    last_step: f64,
    step: usize,
}

impl OneCycleLr {
    /// The rate of step `step`, as PyTorch computes it.
    fn rate(&self, step: usize) -> f64 {
        let step = step as f64;
        // `start + (end - start) * (1 - cos(pi * pct)) / 2`, PyTorch's `_annealing_cos`.
        let cos = |start: f64, end: f64, pct: f64| {
            end + (start - end) / 2.0 * ((std::f64::consts::PI * pct).cos() + 1.0)
        };
        if step <= self.peak_step {
            cos(self.initial_lr, self.max_lr, step / self.peak_step)
        } else {
            let pct = (step - self.peak_step) / (self.last_step - self.peak_step);
            cos(self.max_lr, self.min_lr, pct)
        }
    }
}

impl LrScheduler for OneCycleLr {
    fn step(&mut self) -> LearningRate {
        let rate = self.rate(self.step);
        self.step += 1;
        rate
    }

    // Resuming replays the steps (`Epochs::new`), so there is no record to keep.
    fn to_record(&self) -> LrSchedulerRecord {
        LrSchedulerRecord::new()
    }

    fn load_record(&mut self, _record: LrSchedulerRecord) {}
}

/// The state of [`LrSchedule::ReduceOnPlateau`], step for step Keras's `ReduceLROnPlateau`
/// (`min_delta` 0: a lower score is an improvement).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plateau {
    factor: f64,
    patience: usize,
    cooldown: usize,
    min_lr: f64,
    lr: f64,
    best: Option<f64>,
    wait: usize,
    cooldown_left: usize,
}

impl Plateau {
    /// The state at the start of training, for a `ReduceOnPlateau` schedule.
    pub(crate) fn of(schedule: LrSchedule, learning_rate: f64) -> Option<Self> {
        match schedule {
            LrSchedule::ReduceOnPlateau {
                factor,
                patience,
                cooldown,
                min_lr,
            } => Some(Self {
                factor,
                patience,
                cooldown,
                min_lr,
                lr: learning_rate,
                best: None,
                wait: 0,
                cooldown_left: 0,
            }),
            _ => None,
        }
    }

    /// The learning rate now.
    pub(crate) fn lr(&self) -> f64 {
        self.lr
    }

    /// After an epoch whose monitored score (lower is better) was `score`.
    pub(crate) fn end_epoch(&mut self, score: f64) {
        if self.cooldown_left > 0 {
            self.cooldown_left -= 1;
            self.wait = 0;
        }
        if self.best.is_none_or(|best| score < best) {
            self.best = Some(score);
            self.wait = 0;
        } else if self.cooldown_left == 0 {
            self.wait += 1;
            if self.wait >= self.patience && self.lr > self.min_lr {
                self.lr = (self.lr * self.factor).max(self.min_lr);
                self.cooldown_left = self.cooldown;
                self.wait = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rates of `torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10,
    /// pct_start=0.3, div_factor=25, final_div_factor=1e4)` before each of its 10 steps,
    /// worked by hand from its source (`torch/optim/lr_scheduler.py`: phases ending at step
    /// `pct_start * total - 1` and `total - 1`, `_annealing_cos(start, end, pct) = end +
    /// (start - end) / 2 * (cos(pi * pct) + 1)`; no torch on this machine to run it): from
    /// 0.004 up to 0.1 at step 2, then down over 7 steps to 4e-7.
    #[test]
    fn one_cycle_matches_pytorch() {
        let mut scheduler = LrSchedule::OneCycle {
            pct_start: 0.3,
            div_factor: 25.0,
            final_div_factor: 1e4,
        }
        .build(0.1, 10, 1);
        let rates: Vec<f64> = (0..10).map(|_| scheduler.step().base()).collect();
        let cos = |start: f64, end: f64, pct: f64| {
            end + (start - end) / 2.0 * ((std::f64::consts::PI * pct).cos() + 1.0)
        };
        let mut expected = vec![0.004, cos(0.004, 0.1, 0.5), 0.1];
        expected.extend((1..=7).map(|k| cos(0.1, 4e-7, k as f64 / 7.0)));
        for (rate, want) in rates.iter().zip(&expected) {
            assert!((rate - want).abs() < 1e-12, "{rates:?} vs {expected:?}");
        }
        assert!((rates[1] - 0.052).abs() < 1e-12);
        assert!((rates[9] - 4e-7).abs() < 1e-15);
    }

    /// Keras's semantics on a made-up score sequence: patience 2, cooldown 1, factor 0.5,
    /// min_lr 0.02, from 0.1.
    #[test]
    fn reduce_on_plateau_follows_keras() {
        let schedule = LrSchedule::ReduceOnPlateau {
            factor: 0.5,
            patience: 2,
            cooldown: 1,
            min_lr: 0.02,
        };
        let mut plateau = Plateau::of(schedule, 0.1).unwrap();
        let scores = [1.0, 0.9, 0.9, 0.95, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8];
        let rates: Vec<f64> = scores
            .iter()
            .map(|&score| {
                plateau.end_epoch(score);
                plateau.lr()
            })
            .collect();
        // Epoch 4 is the second without improvement: halved. Keras ends a cooldown of 1 at
        // the next epoch before it counts that epoch, so 5 and 6 count: halved at 6; 7 and 8:
        // 0.025 * 0.5 stops at min_lr; at min_lr nothing more; epoch 11 improves.
        assert_eq!(
            rates,
            [
                0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02
            ]
        );
    }

    #[test]
    fn each_bad_option_is_refused() {
        let plateau = |factor, patience, min_lr| LrSchedule::ReduceOnPlateau {
            factor,
            patience,
            cooldown: 0,
            min_lr,
        };
        let cycle = |pct_start, div_factor| LrSchedule::OneCycle {
            pct_start,
            div_factor,
            final_div_factor: 1e4,
        };
        for bad in [
            plateau(1.0, 1, 0.0),
            plateau(0.0, 1, 0.0),
            plateau(0.5, 0, 0.0),
            plateau(0.5, 1, 0.2),
            cycle(0.0, 25.0),
            cycle(1.0, 25.0),
            cycle(0.3, 0.5),
        ] {
            assert!(
                matches!(bad.validate(0.1), Err(TrainError::InvalidSchedule { .. })),
                "{bad:?}"
            );
        }
        assert!(plateau(0.5, 1, 0.1).validate(0.1).is_ok());
        assert!(cycle(0.3, 25.0).validate(0.1).is_ok());
    }
}
