//! Checkpoints: what `fit` saves to resume later, and how it is written so that nothing is lost.
//!
//! A checkpoint directory holds numbered checkpoints and one index:
//!
//! ```text
//! dir/checkpoints.json      {"latest": "ckpt-000007", "best": "ckpt-000005", "next": 8, ...}
//! dir/ckpt-000007/model.bpk       the model's parameters (burn-store's Burnpack)
//! dir/ckpt-000007/optimizer.bpk   the optimizer's state (burn-optim's record, Burnpack)
//! dir/ckpt-000007/state.json      epoch, step, history, early-stopping state, the trainer config
//! ```
//!
//! A checkpoint is written whole into a temporary directory, synced and renamed into place;
//! only then is the index replaced (itself through a synced temporary file and a rename), and
//! only after that are checkpoints the index no longer names removed. A crash or a full disk at
//! any point leaves the previous index naming a complete checkpoint.

use std::fs;
use std::path::{Path, PathBuf};

use burn::config::Config;
use burn::module::Module;
use burn::optim::OptimizerRecord;
use burn::store::{BurnpackStore, ModuleSnapshot};
use serde::{Deserialize, Serialize};

use super::config::{LrSchedule, TrainerConfig};
use super::history::History;
use crate::RecurrentError;
use crate::io::burnpack::{LoadProblem, load_exact};
use crate::io::write_atomically;

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
    /// [`monitor`](TrainerConfig::monitor), beside the latest (needs validation data).
    #[config(default = false)]
    pub keep_best: bool,
}

const INDEX: &str = "checkpoints.json";
const INDEX_FORMAT: &str = "recurrent-checkpoints";
const STATE_FORMAT: &str = "recurrent-checkpoint";
const VERSION: u32 = 1;

/// `dir/checkpoints.json`: which checkpoint is the latest and which the best.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Index {
    format: String,
    version: u32,
    latest: String,
    best: Option<String>,
    next: u64,
}

/// The running sums of an epoch interrupted between steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct EpochProgress {
    pub loss_sum: f64,
    pub loss_count: usize,
    pub metric_sum: f64,
    pub metric_count: usize,
    pub sequences: usize,
    pub seconds: f64,
}

/// The early-stopping and best-model bookkeeping.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Best {
    /// The best monitored value so far and its epoch.
    pub value: Option<(f64, usize)>,
    /// Epochs since the last improvement.
    pub stale_epochs: usize,
}

/// `state.json`: everything but the tensors.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TrainingState {
    format: String,
    version: u32,
    /// Epochs finished.
    pub epoch: usize,
    /// Steps finished in epoch `epoch + 1` (0 at an epoch's end).
    pub step: usize,
    pub partial: EpochProgress,
    pub history: History,
    pub best: Best,
    /// The trainer's options, as JSON (checked on resume).
    pub config: serde_json::Value,
}

impl TrainingState {
    pub(crate) fn new(
        epoch: usize,
        step: usize,
        partial: EpochProgress,
        history: History,
        best: Best,
        config: &TrainerConfig,
    ) -> Self {
        Self {
            format: STATE_FORMAT.into(),
            version: VERSION,
            epoch,
            step,
            partial,
            history,
            best,
            config: serde_json::to_value(config).expect("a trainer config always serialises"),
        }
    }
}

/// What [`load`] gives back.
pub(crate) struct Loaded<M> {
    pub model: M,
    pub optimizer: OptimizerRecord,
    pub state: TrainingState,
    /// The best checkpoint's model, when the index names one.
    pub best_model: Option<M>,
}

fn unreadable(path: &Path, reason: impl Into<String>) -> RecurrentError {
    RecurrentError::CheckpointUnreadable {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn write_failed(path: &Path, reason: impl ToString) -> RecurrentError {
    RecurrentError::WriteFailed {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn read_index(dir: &Path) -> Result<Option<Index>, RecurrentError> {
    let path = dir.join(INDEX);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(&path, e.to_string())),
    };
    let index: Index = serde_json::from_str(&text).map_err(|e| {
        unreadable(
            &path,
            format!("expected a checkpoint index (JSON), found: {e}"),
        )
    })?;
    if index.format != INDEX_FORMAT || index.version != VERSION {
        return Err(unreadable(
            &path,
            format!(
                "expected format {INDEX_FORMAT:?} version {VERSION}, found {:?} version {}",
                index.format, index.version
            ),
        ));
    }
    Ok(Some(index))
}

/// Which checkpoint the index names as the best after a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BestCheckpoint {
    /// The one being saved.
    This,
    /// The one the index named before (an earlier save of this run).
    Earlier,
    /// None: a fresh run's first save, so a best left in the folder by another run is dropped.
    None,
}

/// Saves a checkpoint of `model` (in inference mode), the optimizer and `state` into `dir`,
/// as the latest, and as the best as `best` says.
pub(crate) fn save<M: Module>(
    dir: &Path,
    model: &M,
    optimizer: OptimizerRecord,
    state: &TrainingState,
    best: BestCheckpoint,
) -> Result<(), RecurrentError> {
    fs::create_dir_all(dir).map_err(|e| write_failed(dir, e))?;
    let previous = read_index(dir)?;
    let number = previous.as_ref().map_or(1, |index| index.next);
    let name = format!("ckpt-{number:06}");
    let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = write_checkpoint(&temp, model, optimizer, state).and_then(|()| {
        let target = dir.join(&name);
        // A leftover from a crashed run may hold the number: it was never in an index.
        let _ = fs::remove_dir_all(&target);
        fs::rename(&temp, &target).map_err(|e| write_failed(&target, e))?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    });
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&temp);
        return Err(e);
    }
    let index = Index {
        format: INDEX_FORMAT.into(),
        version: VERSION,
        latest: name.clone(),
        best: match best {
            BestCheckpoint::This => Some(name),
            BestCheckpoint::Earlier => previous.and_then(|index| index.best),
            BestCheckpoint::None => None,
        },
        next: number + 1,
    };
    let json = serde_json::to_string_pretty(&index).expect("an index always serialises");
    let index_path = dir.join(INDEX);
    write_atomically(&index_path, json.as_bytes()).map_err(|e| write_failed(&index_path, e))?;
    remove_unreferenced(dir, &index);
    Ok(())
}

fn write_checkpoint<M: Module>(
    dir: &Path,
    model: &M,
    optimizer: OptimizerRecord,
    state: &TrainingState,
) -> Result<(), RecurrentError> {
    fs::create_dir_all(dir).map_err(|e| write_failed(dir, e))?;
    let model_path = dir.join("model.bpk");
    model
        .save_into(&mut BurnpackStore::from_file(&model_path).overwrite(true))
        .map_err(|e| write_failed(&model_path, e))?;
    let optimizer_path = dir.join("optimizer.bpk");
    optimizer
        .save(&optimizer_path)
        .map_err(|e| write_failed(&optimizer_path, e))?;
    let state_path = dir.join("state.json");
    let json = serde_json::to_string_pretty(state).expect("a training state always serialises");
    write_atomically(&state_path, json.as_bytes()).map_err(|e| write_failed(&state_path, e))?;
    for file in [&model_path, &optimizer_path] {
        fs::File::open(file)
            .and_then(|f| f.sync_all())
            .map_err(|e| write_failed(file, e))?;
    }
    Ok(())
}

/// Removes the checkpoints (and stale temporary directories) `index` does not name.
fn remove_unreferenced(dir: &Path, index: &Index) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let pid = std::process::id().to_string();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let kept = name == index.latest || index.best.as_deref() == Some(name.as_str());
        let ours = name.starts_with("ckpt-")
            || (name.starts_with(".ckpt-") && !name.ends_with(&format!("-{pid}")));
        if ours && !kept {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Loads the latest checkpoint in `dir` into `model` (a model of the same architecture, whose
/// parameters are replaced), checking it against `config`.
pub(crate) fn load<M: Module>(
    dir: &Path,
    model: M,
    config: &TrainerConfig,
) -> Result<Loaded<M>, RecurrentError> {
    let index = read_index(dir)?.ok_or_else(|| RecurrentError::NoCheckpoint {
        dir: dir.to_path_buf(),
    })?;
    let latest = dir.join(&index.latest);
    let state_path = latest.join("state.json");
    let text =
        fs::read_to_string(&state_path).map_err(|e| unreadable(&state_path, e.to_string()))?;
    let state: TrainingState = serde_json::from_str(&text).map_err(|e| {
        unreadable(
            &state_path,
            format!("expected a checkpoint state (JSON), found: {e}"),
        )
    })?;
    if state.format != STATE_FORMAT || state.version != VERSION {
        return Err(unreadable(
            &state_path,
            format!(
                "expected format {STATE_FORMAT:?} version {VERSION}, found {:?} version {}",
                state.format, state.version
            ),
        ));
    }
    check_config(&latest, config, &state.config)?;
    let best_model = match &index.best {
        Some(best) if *best != index.latest => Some(load_model(&dir.join(best), model.clone())?),
        _ => None,
    };
    let model = load_model(&latest, model)?;
    let best_model = match &index.best {
        Some(best) if *best == index.latest => Some(model.clone()),
        _ => best_model,
    };
    let optimizer_path = latest.join("optimizer.bpk");
    let optimizer = OptimizerRecord::load(&optimizer_path)
        .map_err(|e| unreadable(&optimizer_path, e.to_string()))?;
    Ok(Loaded {
        model,
        optimizer,
        state,
        best_model,
    })
}

/// `model` with the parameters of `checkpoint/model.bpk`, which must fit it exactly.
fn load_model<M: Module>(checkpoint: &Path, model: M) -> Result<M, RecurrentError> {
    let path = checkpoint.join("model.bpk");
    load_exact(model, &path, "the model resuming it").map_err(|problem| match problem {
        LoadProblem::Unreadable(reason) => unreadable(&path, reason),
        LoadProblem::Mismatch {
            what,
            expected,
            found,
        } => RecurrentError::CheckpointMismatch {
            path: path.clone(),
            what,
            expected,
            found,
        },
    })
}

/// The options that decide what a resumed run computes must be those of the run that saved
/// the checkpoint; the number of epochs may grow (with a constant learning rate), and
/// progress, checkpointing and early stopping may change.
fn check_config(
    checkpoint: &Path,
    config: &TrainerConfig,
    saved: &serde_json::Value,
) -> Result<(), RecurrentError> {
    let current = serde_json::to_value(config).expect("a trainer config always serialises");
    // A learning-rate schedule spans all epochs: a run of another length has another schedule.
    let spans_epochs = config.lr_schedule != LrSchedule::Constant;
    let keys = [
        "objective",
        "batch_size",
        "learning_rate",
        "optimizer",
        "weight_decay",
        "grad_clip_norm",
        "lr_schedule",
        "seed",
        "shuffle",
        "tbptt",
        "monitor",
    ];
    for key in keys.into_iter().chain(spans_epochs.then_some("epochs")) {
        let (expected, found) = (current.get(key), saved.get(key));
        if expected != found {
            let show =
                |v: Option<&serde_json::Value>| v.map_or("nothing".into(), |v| v.to_string());
            let why = if key == "epochs" {
                " (a learning-rate schedule spans them)"
            } else {
                ""
            };
            return Err(RecurrentError::CheckpointMismatch {
                path: checkpoint.to_path_buf(),
                what: format!("the trainer option {key}{why}"),
                expected: show(expected),
                found: show(found),
            });
        }
    }
    Ok(())
}
