//! Training: [`TrainerConfig`], [`Trainer::fit`], [`History`], [`evaluate`] and prediction.
//!
//! The loop is built from Burn's own pieces: burn-optim's optimizers, gradient clipping and
//! learning-rate schedulers, burn-nn's losses, and burn's `DataLoader` over a
//! [`SequenceDataset`](crate::data::SequenceDataset). Models take part through the
//! [`Trainable`](crate::model::Trainable) trait.

mod config;
mod confusion;
mod history;
mod objective;
mod progress;
mod trainer;

pub use config::{LrSchedule, Objective, Optimizer, ProgressMode, TrainerConfig};
pub use confusion::ConfusionMatrix;
pub use history::{EpochRecord, History};
pub use trainer::{EpochCallback, Evaluation, FitError, Fitted, Trainer, evaluate};
