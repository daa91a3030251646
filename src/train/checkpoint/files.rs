//! The files of a checkpoint directory, written so that a crash or a full disk at any point
//! leaves the previous index naming a complete checkpoint.

use std::collections::BTreeMap;
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
/// The index's version: 2 added `checkpoints`, the checksums of the files of each.
const INDEX_VERSION: u32 = 2;

/// The files of a checkpoint, each verified by its CRC-32 before a resume reads it.
const FILES: [&str; 3] = ["model.bpk", "optimizer.bpk", "state.json"];

/// `dir/checkpoints.json`: which checkpoint is the latest and which the best, and every
/// checkpoint kept, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Index {
    format: String,
    version: u32,
    latest: String,
    best: Option<String>,
    next: u64,
    /// Empty in a version-1 index, which had only `latest` and `best` (and no checksums).
    #[serde(default)]
    checkpoints: Vec<Entry>,
}

/// One checkpoint of the index.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    name: String,
    /// The best checkpoint when this one was written.
    best: Option<String>,
    /// The CRC-32 of each of its files.
    crc32: BTreeMap<String, u32>,
}

impl Index {
    /// The checkpoints kept, oldest first (a version-1 index's latest, unchecked).
    fn entries(&self) -> Vec<Entry> {
        if self.checkpoints.is_empty() {
            let unchecked = |name: &String| Entry {
                name: name.clone(),
                best: None,
                crc32: BTreeMap::new(),
            };
            let best = self.best.iter().filter(|best| **best != self.latest);
            let mut latest = unchecked(&self.latest);
            latest.best = self.best.clone();
            best.map(unchecked).chain([latest]).collect()
        } else {
            self.checkpoints.clone()
        }
    }
}

/// A checkpoint that [`Trainer::resume`](crate::train::Trainer::resume) passed over for an
/// older one, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedCheckpoint {
    /// The checkpoint's folder.
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: CheckpointError,
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
        (INDEX_FORMAT, &[1, INDEX_VERSION]),
        |i: &Index| (i.format.as_str(), i.version),
    )?;
    Ok(Some(index))
}

/// `text`, read from `path`, parsed as the JSON of `what`, whose `format` and `version` (read by
/// `marker`) must be `format` and one of `versions`.
fn parse_versioned<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
    what: &str,
    (format, versions): (&str, &[u32]),
    marker: impl Fn(&T) -> (&str, u32),
) -> Result<T, CheckpointError> {
    let value: T = serde_json::from_str(text)
        .map_err(|e| unreadable(path, format!("expected {what} (JSON), found: {e}")))?;
    let (found_format, found_version) = marker(&value);
    if found_format != format || !versions.contains(&found_version) {
        return Err(unreadable(
            path,
            format!(
                "expected format {format:?} version {versions:?}, found {found_format:?} version {found_version}"
            ),
        ));
    }
    Ok(value)
}

/// The CRC-32 of the file at `path` (as zip and PNG compute it).
fn crc32_of(path: &Path) -> Result<u32, CheckpointError> {
    let bytes = fs::read(path).map_err(|e| unreadable(path, e.to_string()))?;
    Ok(crc32fast::hash(&bytes))
}

/// Checks each file of the checkpoint `entry` in `dir` against its checksum.
fn verify(dir: &Path, entry: &Entry) -> Result<(), CheckpointError> {
    for (file, &expected) in &entry.crc32 {
        let path = dir.join(&entry.name).join(file);
        let found = crc32_of(&path)?;
        if found != expected {
            return Err(CheckpointError::ChecksumMismatch {
                path,
                expected,
                found,
            });
        }
    }
    Ok(())
}

/// Where a save goes in the index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placement {
    /// Which checkpoint is the best after it.
    pub best: BestCheckpoint,
    /// How many of the latest checkpoints stay (and the best of each).
    pub keep: usize,
    /// Whether the run continues the index's checkpoints (a resumed run, or one that saved
    /// before); a fresh run's first save drops those another run left.
    pub continues: bool,
}

/// Saves a checkpoint of `model` (in inference mode), the optimizer and `state` into `dir`,
/// as the latest, placed as `placement` says.
pub(crate) fn save<M: Module>(
    dir: &Path,
    model: &M,
    optimizer: OptimizerRecord,
    state: &TrainingState,
    placement: Placement,
) -> Result<(), CheckpointError> {
    fs::create_dir_all(dir).map_err(|e| write_failed(dir, e))?;
    let previous = read_index(dir)?;
    let number = previous.as_ref().map_or(1, |index| index.next);
    let name = format!("ckpt-{number:06}");
    let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = write_checkpoint(&temp, model, optimizer, state).and_then(|crc32| {
        let target = dir.join(&name);
        // A leftover from a crashed run may hold the number: it was never in an index.
        let _ = fs::remove_dir_all(&target);
        fs::rename(&temp, &target).map_err(|e| write_failed(&target, e))?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(crc32)
    });
    let crc32 = match result {
        Ok(crc32) => crc32,
        Err(e) => {
            let _ = fs::remove_dir_all(&temp);
            return Err(e);
        }
    };
    let best = match placement.best {
        BestCheckpoint::This => Some(name.clone()),
        BestCheckpoint::Earlier => previous.as_ref().and_then(|index| index.best.clone()),
        BestCheckpoint::None => None,
    };
    let mut checkpoints = match previous {
        Some(index) if placement.continues => index.entries(),
        _ => Vec::new(),
    };
    checkpoints.push(Entry {
        name: name.clone(),
        best: best.clone(),
        crc32,
    });
    let index = Index {
        format: INDEX_FORMAT.into(),
        version: INDEX_VERSION,
        latest: name,
        best,
        next: number + 1,
        checkpoints: kept(checkpoints, placement.keep),
    };
    let json = serde_json::to_string_pretty(&index).expect("an index always serialises");
    let index_path = dir.join(INDEX);
    write_atomically(&index_path, json.as_bytes()).map_err(|e| write_failed(&index_path, e))?;
    remove_unreferenced(dir, &index);
    Ok(())
}

/// The last `keep` of `checkpoints` (oldest first), and the best checkpoint of each of them.
fn kept(checkpoints: Vec<Entry>, keep: usize) -> Vec<Entry> {
    let latest = &checkpoints[checkpoints.len().saturating_sub(keep)..];
    let needed: Vec<&str> = latest
        .iter()
        .flat_map(|e| std::iter::once(e.name.as_str()).chain(e.best.as_deref()))
        .collect();
    let keeps = |e: &Entry| needed.contains(&e.name.as_str());
    checkpoints.iter().filter(|e| keeps(e)).cloned().collect()
}

/// Writes the checkpoint's files into `dir`, synced, and gives their checksums (of the bytes
/// read back from the disk).
fn write_checkpoint<M: Module>(
    dir: &Path,
    model: &M,
    optimizer: OptimizerRecord,
    state: &TrainingState,
) -> Result<BTreeMap<String, u32>, CheckpointError> {
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
    FILES
        .iter()
        .map(|&file| Ok((file.to_string(), crc32_of(&dir.join(file))?)))
        .collect()
}

/// Removes the checkpoints (and stale temporary directories) `index` does not name.
fn remove_unreferenced(dir: &Path, index: &Index) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let pid = std::process::id().to_string();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let kept = index.checkpoints.iter().any(|e| e.name == name);
        let ours = name.starts_with("ckpt-")
            || (name.starts_with(".ckpt-") && !name.ends_with(&format!("-{pid}")));
        if ours && !kept {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// The newest intact checkpoint of a directory, its files verified and its state read, its
/// tensors not yet read.
pub(crate) struct Found {
    /// The checkpoint's folder (`dir/ckpt-...`).
    pub latest: PathBuf,
    /// Its `state.json`.
    pub state: TrainingState,
    /// The best checkpoint's folder, when there was one when it was written.
    best: Option<PathBuf>,
    /// The newer checkpoints passed over, newest first.
    pub skipped: Vec<SkippedCheckpoint>,
}

/// Reads the index of `dir` and takes the newest checkpoint whose files (and whose best
/// checkpoint's files) match their checksums and whose state reads, passing over the others.
pub(crate) fn open(dir: &Path) -> Result<Found, CheckpointError> {
    let index = read_index(dir)?.ok_or_else(|| CheckpointError::NotFound {
        dir: dir.to_path_buf(),
    })?;
    let entries = index.entries();
    let mut skipped = Vec::new();
    for entry in entries.iter().rev() {
        match open_entry(dir, entry, &entries) {
            Ok((state, best)) => {
                return Ok(Found {
                    latest: dir.join(&entry.name),
                    state,
                    best,
                    skipped,
                });
            }
            Err(reason) => skipped.push(SkippedCheckpoint {
                path: dir.join(&entry.name),
                reason,
            }),
        }
    }
    // Every one is damaged: the newest one's problem is the error.
    Err(skipped.swap_remove(0).reason)
}

/// The state of the checkpoint `entry` and its best checkpoint's folder, all their files
/// verified.
fn open_entry(
    dir: &Path,
    entry: &Entry,
    entries: &[Entry],
) -> Result<(TrainingState, Option<PathBuf>), CheckpointError> {
    verify(dir, entry)?;
    if let Some(best) = entry.best.as_ref().filter(|best| **best != entry.name) {
        match entries.iter().find(|e| e.name == *best) {
            Some(best_entry) => verify(dir, best_entry)?,
            None => {
                return Err(unreadable(
                    &dir.join(best),
                    "expected the best checkpoint the index names, found none in the index",
                ));
            }
        }
    }
    let state_path = dir.join(&entry.name).join("state.json");
    let text =
        fs::read_to_string(&state_path).map_err(|e| unreadable(&state_path, e.to_string()))?;
    let state = parse_versioned(
        &state_path,
        &text,
        "a checkpoint state",
        (STATE_FORMAT, &[VERSION]),
        |s: &TrainingState| (s.format.as_str(), s.version),
    )?;
    Ok((state, entry.best.as_ref().map(|best| dir.join(best))))
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
