//! The files of a checkpoint directory, written so that a crash or a full disk at any point
//! leaves the previous index naming a complete checkpoint.

use std::fs;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::OptimizerRecord;
use burn::store::{BurnpackStore, ModuleSnapshot};
use serde::{Deserialize, Serialize};

use super::policy::BestCheckpoint;
use crate::io::burnpack::{LoadProblem, load_exact};
use crate::io::write_atomically;
use crate::train::early_stopping::Best;
use crate::train::error::CheckpointError;
use crate::train::history::History;
use crate::train::sums::EpochSums;

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

/// `state.json`: everything but the tensors.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TrainingState {
    format: String,
    version: u32,
    /// Epochs finished.
    pub epoch: usize,
    /// Steps finished in epoch `epoch + 1` (0 at an epoch's end).
    pub step: usize,
    pub partial: EpochSums,
    pub history: History,
    pub best: Best,
    /// The trainer's options, as JSON (checked on resume).
    pub config: serde_json::Value,
}

impl TrainingState {
    /// The state after `epoch` epochs and `step` steps of the next, with the interrupted
    /// epoch's sums in `partial`, and `config`, the trainer's options as JSON.
    pub(crate) fn new(
        epoch: usize,
        step: usize,
        partial: EpochSums,
        history: History,
        best: Best,
        config: serde_json::Value,
    ) -> Self {
        Self {
            format: STATE_FORMAT.into(),
            version: VERSION,
            epoch,
            step,
            partial,
            history,
            best,
            config,
        }
    }
}

fn unreadable(path: &Path, reason: impl Into<String>) -> CheckpointError {
    CheckpointError::Unreadable {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn write_failed(path: &Path, reason: impl ToString) -> CheckpointError {
    CheckpointError::WriteFailed {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn read_index(dir: &Path) -> Result<Option<Index>, CheckpointError> {
    let path = dir.join(INDEX);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(&path, e.to_string())),
    };
    let index = parse_versioned(
        &path,
        &text,
        "a checkpoint index",
        INDEX_FORMAT,
        |i: &Index| (i.format.as_str(), i.version),
    )?;
    Ok(Some(index))
}

/// `text`, read from `path`, parsed as the JSON of `what`, whose `format` and `version` (read by
/// `marker`) must be `format` and [`VERSION`].
fn parse_versioned<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
    what: &str,
    format: &str,
    marker: impl Fn(&T) -> (&str, u32),
) -> Result<T, CheckpointError> {
    let value: T = serde_json::from_str(text)
        .map_err(|e| unreadable(path, format!("expected {what} (JSON), found: {e}")))?;
    let (found_format, found_version) = marker(&value);
    if found_format != format || found_version != VERSION {
        return Err(unreadable(
            path,
            format!(
                "expected format {format:?} version {VERSION}, found {found_format:?} version {found_version}"
            ),
        ));
    }
    Ok(value)
}

/// Saves a checkpoint of `model` (in inference mode), the optimizer and `state` into `dir`,
/// as the latest, and as the best as `best` says.
pub(crate) fn save<M: Module>(
    dir: &Path,
    model: &M,
    optimizer: OptimizerRecord,
    state: &TrainingState,
    best: BestCheckpoint,
) -> Result<(), CheckpointError> {
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
) -> Result<(), CheckpointError> {
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

/// The latest checkpoint of a directory, its state read and checked, its tensors not yet read.
pub(crate) struct Found {
    /// The checkpoint's folder (`dir/ckpt-...`).
    pub latest: PathBuf,
    /// Its `state.json`.
    pub state: TrainingState,
    /// The best checkpoint's folder, when the index names one.
    best: Option<PathBuf>,
}

/// Reads the index and the latest checkpoint's state in `dir`.
pub(crate) fn open(dir: &Path) -> Result<Found, CheckpointError> {
    let index = read_index(dir)?.ok_or_else(|| CheckpointError::NotFound {
        dir: dir.to_path_buf(),
    })?;
    let latest = dir.join(&index.latest);
    let state_path = latest.join("state.json");
    let text =
        fs::read_to_string(&state_path).map_err(|e| unreadable(&state_path, e.to_string()))?;
    let state = parse_versioned(
        &state_path,
        &text,
        "a checkpoint state",
        STATE_FORMAT,
        |s: &TrainingState| (s.format.as_str(), s.version),
    )?;
    Ok(Found {
        latest,
        state,
        best: index.best.map(|best| dir.join(best)),
    })
}

/// What [`Found::load`] gives back.
pub(crate) struct Loaded<M> {
    pub model: M,
    pub optimizer: OptimizerRecord,
    /// The best checkpoint's model, when the index names one.
    pub best_model: Option<M>,
}

impl Found {
    /// Loads the checkpoint's tensors into `model` (a model of the same architecture, whose
    /// parameters are replaced), the best checkpoint's into a copy, and the optimizer's state.
    pub(crate) fn load<M: Module>(&self, model: M) -> Result<Loaded<M>, CheckpointError> {
        let best_model = match &self.best {
            Some(best) if *best != self.latest => Some(load_model(best, model.clone())?),
            _ => None,
        };
        let model = load_model(&self.latest, model)?;
        let best_model = match &self.best {
            Some(best) if *best == self.latest => Some(model.clone()),
            _ => best_model,
        };
        let optimizer_path = self.latest.join("optimizer.bpk");
        let optimizer = OptimizerRecord::load(&optimizer_path)
            .map_err(|e| unreadable(&optimizer_path, e.to_string()))?;
        Ok(Loaded {
            model,
            optimizer,
            best_model,
        })
    }
}

/// `model` with the parameters of `checkpoint/model.bpk`, which must fit it exactly.
fn load_model<M: Module>(checkpoint: &Path, model: M) -> Result<M, CheckpointError> {
    let path = checkpoint.join("model.bpk");
    load_exact(model, &path, "the model resuming it").map_err(|problem| match problem {
        LoadProblem::Unreadable(reason) => unreadable(&path, reason),
        LoadProblem::Mismatch {
            what,
            expected,
            found,
        } => CheckpointError::Mismatch {
            path: path.clone(),
            what,
            expected,
            found,
        },
    })
}
