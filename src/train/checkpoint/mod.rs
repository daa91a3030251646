//! Checkpoints: where and when `fit` saves ([`CheckpointConfig`], `policy`), and what it saves
//! to resume later, written so that nothing is lost (`files`).
//!
//! A checkpoint directory holds numbered checkpoints and one index:
//!
//! ```text
//! dir/checkpoints.json      {"latest": "ckpt-000007", "best": "ckpt-000005", "next": 8,
//!                            "checkpoints": [{"name": "ckpt-000005", "crc32": {...}}, ...]}
//! dir/ckpt-000007/model.bpk       the model's parameters (burn-store's Burnpack)
//! dir/ckpt-000007/optimizer.bpk   the optimizer's state (burn-optim's record, Burnpack)
//! dir/ckpt-000007/state.json      epoch, step, history, early-stopping state, the trainer config
//! ```
//!
//! A checkpoint is written whole into a temporary directory, synced and renamed into place;
//! only then is the index replaced (itself through a synced temporary file and a rename), and
//! only after that are checkpoints the index no longer names removed. A crash or a full disk at
//! any point leaves the previous index naming a complete checkpoint.
//!
//! The index records the CRC-32 of every file of every checkpoint it keeps (the
//! [`keep`](CheckpointConfig::keep) latest, and the best of each). A resume verifies them and
//! takes the newest checkpoint that is intact, passing over damaged ones
//! ([`Fitted::skipped_checkpoints`](crate::train::Fitted::skipped_checkpoints) says which and
//! why).

use std::path::PathBuf;

use burn::config::Config;

mod files;
mod policy;

pub use files::SkippedCheckpoint;
pub(crate) use files::{Placement, TrainingState, open, save};
pub(crate) use policy::{BestCheckpoint, CheckpointPolicy};

/// Where and when [`Trainer::fit`](crate::train::Trainer::fit) saves checkpoints.
///
/// ```
/// use recurrent::train::{CheckpointConfig, Objective, TrainerConfig};
///
/// let config = TrainerConfig::new(Objective::MultiClass)
///     .with_checkpoint(Some(CheckpointConfig::new("runs/lstm".into()).with_every(5)));
/// assert!(config.validate().is_ok());
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct CheckpointConfig {
    /// The directory (created when missing).
    pub dir: PathBuf,
    /// Save after every `every` epochs (and after the last).
    #[config(default = 1)]
    pub every: usize,
    /// Also keep the checkpoint of the best epoch by the trainer's
    /// [`monitor`](crate::train::TrainerConfig::monitor), beside the latest (needs validation
    /// data).
    #[config(default = false)]
    pub keep_best: bool,
    /// How many of the latest checkpoints to keep (at least 1): a resume falls back to the
    /// newest intact one when a later one is damaged.
    #[config(default = 2)]
    pub keep: usize,
}
