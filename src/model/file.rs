//! A saved [`SequenceModel`]: one Burnpack file holding its weights and, in its metadata, its
//! config, so that a model that loads always has its own config.
//!
//! ```text
//! dir/model.bpk    the weights, and the config under the metadata key "recurrent.model"
//! dir/model.json   a readable copy of the config (load does not read it)
//! ```

use std::path::Path;

use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::Device;

use super::error::ModelError;
use super::sequence_model::{SequenceModel, SequenceModelConfig};
use crate::io::burnpack::{LoadProblem, load_exact, read_metadata};
use crate::io::{replace_atomically, write_atomically};

/// A saved model's file: its weights and, in its metadata, its config.
const WEIGHTS_FILE: &str = "model.bpk";
/// The copy of the config beside it, for people and tools.
const CONFIG_FILE: &str = "model.json";
/// The key of the config in `model.bpk`'s metadata.
const CONFIG_KEY: &str = "recurrent.model";
/// The config's `"format"` marker.
const FILE_FORMAT: &str = "recurrent-sequence-model";
/// The config's `"version"`.
const FILE_VERSION: u64 = 1;

/// The config as saved: `{"format", "version", "config"}`.
fn model_config_json(config: &SequenceModelConfig) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&serde_json::json!({
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "config": config,
    }))
}

/// A problem reading the saved model's file `path` as the error `load` returns.
fn model_file_error(path: &Path, problem: LoadProblem) -> ModelError {
    match problem {
        LoadProblem::Unreadable(reason) => ModelError::FileUnreadable {
            path: path.to_path_buf(),
            reason,
        },
        LoadProblem::Mismatch {
            what,
            expected,
            found,
        } => ModelError::FileMismatch {
            path: path.to_path_buf(),
            what,
            expected,
            found,
        },
    }
}

/// Reads the config saved in the metadata of `path` (a `model.bpk`), checking its marker and
/// version.
fn read_model_config(path: &Path) -> Result<SequenceModelConfig, ModelError> {
    let unreadable = |reason: String| ModelError::FileUnreadable {
        path: path.to_path_buf(),
        reason,
    };
    let mismatch = |what: &str, expected: String, found: String| ModelError::FileMismatch {
        path: path.to_path_buf(),
        what: what.to_string(),
        expected,
        found,
    };
    let text = read_metadata(path, CONFIG_KEY)
        .map_err(|problem| model_file_error(path, problem))?
        .ok_or_else(|| {
            unreadable(format!(
                "expected the model's config in its metadata under {CONFIG_KEY:?} (as SequenceModel::save writes it), found none"
            ))
        })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        unreadable(format!(
            "expected JSON under {CONFIG_KEY:?} in its metadata, found a syntax error: {e}"
        ))
    })?;
    let field = |name: &str| match value.get(name) {
        Some(v) => v.to_string(),
        None => format!("no {name:?} field"),
    };
    if value.get("format").and_then(serde_json::Value::as_str) != Some(FILE_FORMAT) {
        return Err(mismatch(
            "format",
            format!("{FILE_FORMAT:?}"),
            field("format"),
        ));
    }
    if value.get("version").and_then(serde_json::Value::as_u64) != Some(FILE_VERSION) {
        return Err(mismatch(
            "version",
            FILE_VERSION.to_string(),
            field("version"),
        ));
    }
    let config = value.get("config").ok_or_else(|| {
        unreadable("expected a \"config\" field with the model's options, found none".into())
    })?;
    serde_json::from_value(config.clone())
        .map_err(|e| unreadable(format!("expected a SequenceModelConfig, found: {e}")))
}

impl SequenceModel {
    /// Saves the model to the folder `dir` (created if needed) for [`load`](Self::load):
    /// `dir/model.bpk` (Burnpack) holds the weights and, in its metadata, the config;
    /// `dir/model.json` is a copy of the config to read (`load` does not need it).
    ///
    /// The model is one file, written to a temporary file beside it, synced and renamed over
    /// the old one: a save that fails or is cut short leaves the earlier model whole, and a
    /// model that loads always has its own config. `model.json` is replaced the same way
    /// afterwards.
    ///
    /// # Errors
    /// [`SaveFailed`](ModelError::SaveFailed), naming the folder or the file that could not be
    /// written (when only `model.json` fails, the model itself is saved).
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<(), ModelError> {
        let dir = dir.as_ref();
        let failed = |path: &Path, reason: String| ModelError::SaveFailed {
            path: path.to_path_buf(),
            reason,
        };
        std::fs::create_dir_all(dir).map_err(|e| failed(dir, e.to_string()))?;
        let config_path = dir.join(CONFIG_FILE);
        let json =
            model_config_json(self.config()).map_err(|e| failed(&config_path, e.to_string()))?;

        let weights = dir.join(WEIGHTS_FILE);
        replace_atomically(&weights, |temp| {
            let mut store = BurnpackStore::from_file(temp)
                .auto_extension(false)
                .overwrite(true)
                .metadata(CONFIG_KEY, json.as_str());
            self.save_into(&mut store)
                .map_err(|e| std::io::Error::other(e.to_string()))
        })
        .map_err(|e| failed(&weights, e.to_string()))?;

        write_atomically(&config_path, json.as_bytes())
            .map_err(|e| failed(&config_path, e.to_string()))
    }

    /// Loads a model [`save`](Self::save)d to the folder `dir`, onto `device`: builds it from
    /// the config in `dir/model.bpk`'s metadata and reads its weights from the same file
    /// (`model.json`, the readable copy, is not read). Any backend loads what any other saved.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor, TensorData};
    /// use recurrent::model::{CellType, ModelOutput, SequenceModel, SequenceModelConfig};
    ///
    /// let device = Device::flex();
    /// let model = SequenceModelConfig::new(CellType::Gru, 2, 8, 3)
    ///     .with_seed(Some(7))
    ///     .init(&device);
    /// let dir = std::env::temp_dir().join(format!("recurrent-doctest-{}", std::process::id()));
    /// model.save(&dir)?;
    ///
    /// let loaded = SequenceModel::load(&dir, &device)?;
    /// assert_eq!(loaded.config(), model.config());
    /// let input = || {
    ///     let values: Vec<f32> = (0..2 * 5 * 2).map(|i| (i as f32 * 0.37).sin()).collect();
    ///     Tensor::<3>::from_data(TensorData::new(values, [2, 5, 2]), &device)
    /// };
    /// let (ModelOutput::PerSequence(a), ModelOutput::PerSequence(b)) =
    ///     (model.forward(input()), loaded.forward(input()))
    /// else { unreachable!() };
    /// let a: Vec<f32> = a.into_data().try_to_vec().unwrap();
    /// let b: Vec<f32> = b.into_data().try_to_vec().unwrap();
    /// assert_eq!(a.len(), 2 * 3);
    /// assert_eq!(a, b);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), recurrent::RecurrentError>(())
    /// ```
    ///
    /// # Errors
    /// - [`FileNotFound`](ModelError::FileNotFound): no `dir` or `model.bpk`.
    /// - [`FileUnreadable`](ModelError::FileUnreadable): a `model.bpk` that
    ///   cannot be read, is truncated or not Burnpack, or holds no model config (or one that
    ///   is not JSON, or not a `SequenceModelConfig`) in its metadata.
    /// - [`FileMismatch`](ModelError::FileMismatch): a config of another format
    ///   or version, tensors (names, shapes, element types) that are not those of the
    ///   config's model.
    /// - The errors of [`SequenceModelConfig::try_init`], for a config no model can be built
    ///   from.
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<SequenceModel, ModelError> {
        let dir = dir.as_ref();
        if std::fs::metadata(dir).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            return Err(ModelError::FileNotFound {
                path: dir.to_path_buf(),
            });
        }
        let weights = dir.join(WEIGHTS_FILE);
        if std::fs::metadata(&weights).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            return Err(ModelError::FileNotFound { path: weights });
        }
        let config = read_model_config(&weights)?;
        let model = config.try_init(device)?;
        load_exact(model, &weights, "the model of its config")
            .map_err(|problem| model_file_error(&weights, problem))
    }
}
