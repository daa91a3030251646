//! Training: [`TrainerConfig`], [`Trainer::fit`], [`History`], [`evaluate`] and prediction.
//!
//! The loop is built from Burn's own pieces: burn-optim's optimizers, gradient clipping and
//! learning-rate schedulers, burn-nn's losses, and burn's `DataLoader` over a
//! [`SequenceDataset`](crate::data::SequenceDataset). Models take part through the
//! [`Trainable`](crate::model::Trainable) trait.

mod checkpoint;
mod config;
mod confusion;
mod history;
mod objective;
#[cfg(feature = "plot")]
mod plot;
mod progress;
mod trainer;

pub use checkpoint::CheckpointConfig;
pub use config::{
    EarlyStoppingConfig, LrSchedule, Monitor, Objective, Optimizer, ProgressMode, TrainerConfig,
};
pub use confusion::ConfusionMatrix;
pub use history::{EpochRecord, History};
pub use trainer::{
    EpochCallback, Evaluation, FitError, Fitted, StopHandle, StopReason, Trainer, evaluate,
};
