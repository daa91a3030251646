//! Training: [`TrainerConfig`], [`Trainer::fit`] and [`Trainer::resume`], [`History`],
//! [`evaluate`] and prediction ([`Fitted`]).
//!
//! The loop is built from Burn's own pieces: burn-optim's optimizers, gradient clipping and
//! learning-rate schedulers, burn-nn's losses, and burn's `DataLoader` over a
//! [`SequenceDataset`](crate::data::SequenceDataset). Models take part through the
//! [`Trainable`](crate::model::Trainable) trait.
//!
//! | file | what |
//! |---|---|
//! | `trainer.rs` | `Trainer`: `fit`, `resume`, the loop over epochs |
//! | `lr_finder.rs` | `Trainer::find_learning_rate`: the learning-rate range test |
//! | `epoch.rs` | one epoch: seeded steps over the batches |
//! | `strategy.rs` | how a batch becomes an optimizer step (one device; the seam for more) |
//! | `early_stopping.rs` | `Monitor`, `EarlyStoppingConfig`, the tracker |
//! | `checkpoint/` | `CheckpointConfig`, when a save is due, the files |
//! | `objective.rs` | `Objective`, the data checks, each batch's loss and metric |
//! | `fitted.rs` | `Fitted`, `evaluate`, predictions |
//! | `config.rs`, `optimizer.rs`, `schedule.rs` | the options, validated |
//! | `history.rs`, `plot.rs`, `progress.rs`, `confusion.rs` | what a run reports |

mod checkpoint;
mod config;
mod confusion;
mod early_stopping;
mod epoch;
mod error;
mod fitted;
mod history;
mod loader;
mod lr_finder;
mod objective;
mod optimizer;
#[cfg(feature = "plot")]
mod plot;
#[cfg(feature = "plot")]
pub(crate) use plot::{axis_range, value_range};
mod progress;
mod schedule;
mod stop;
mod strategy;
mod sums;
mod trainer;
mod window;

pub use checkpoint::{CheckpointConfig, SkippedCheckpoint};
pub use config::TrainerConfig;
pub use confusion::ConfusionMatrix;
pub use early_stopping::{EarlyStoppingConfig, Monitor};
pub use error::{CheckpointError, HistoryError, TrainError};
pub use fitted::{Evaluation, Fitted, evaluate};
pub use history::{EpochRecord, History};
pub use lr_finder::{LrFinderConfig, LrFinding};
pub use objective::{GAUSSIAN_MIN_SCALE, Objective, Quantiles, gaussian_scale};
pub use optimizer::Optimizer;
pub use progress::ProgressMode;
pub use schedule::LrSchedule;
pub use stop::{StopHandle, StopReason};
pub use trainer::{EpochCallback, FitError, Trainer};
