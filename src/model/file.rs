//! Saved models: a folder whose one Burnpack file holds the model's weights and, in its
//! metadata, its config, so that a model that loads always has its own config.
//!
//! ```text
//! dir/model.bpk    the weights, and {"format", "version", "config"} under the metadata key
//!                  "recurrent.model" ("config" absent when saved without one)
//! dir/model.json   a readable copy of that entry (loading does not read it)
//! ```
//!
//! [`save`] and [`save_with_config`] write any Burn module (your own model), [`ModelFile`]
//! reads it back: its config first, then the weights into a model built from it.
//! [`SequenceModel::save`] and [`SequenceModel::load`] are the same code with a
//! [`SequenceModelConfig`].

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::Device;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ModelError;
use super::sequence_model::{SequenceModel, SequenceModelConfig};
use crate::io::burnpack::{LoadProblem, load_exact, read_metadata, tensors_crc32};
use crate::io::{replace_atomically, write_atomically};

/// A saved model's file: its weights and, in its metadata, its config.
const WEIGHTS_FILE: &str = "model.bpk";
/// The copy of the config beside it, for people and tools.
const CONFIG_FILE: &str = "model.json";
/// The key of the config in `model.bpk`'s metadata.
const CONFIG_KEY: &str = "recurrent.model";
/// The `"format"` marker of a model saved by [`save`] or [`save_with_config`].
const MODEL_FORMAT: &str = "recurrent-model";
/// The `"format"` marker of a [`SequenceModel`].
const SEQUENCE_FORMAT: &str = "recurrent-sequence-model";
/// The `"format"` marker of an [`LstmFcn`](super::LstmFcn).
pub(super) const LSTM_FCN_FORMAT: &str = "recurrent-lstm-fcn";
/// The `"version"` of all three.
const FILE_VERSION: u64 = 1;

/// Saves `model`, any Burn module (a `#[derive(Module)]` struct of yours), to the folder `dir`
/// (created if needed), without a config: [`ModelFile::load`] reads it back into a model you
/// build.
///
/// `dir/model.bpk` (Burnpack) holds the weights; it is written to a temporary file beside it,
/// synced and renamed over the old one, so a save that fails or is cut short leaves the earlier
/// model whole. `dir/model.json` (the format marker and version) is replaced the same way
/// afterwards. [`save_with_config`] also keeps the config the model is built from.
///
/// # Errors
/// [`SaveFailed`](ModelError::SaveFailed), naming the folder or the file that could not be
/// written (when only `model.json` fails, the model itself is saved).
pub fn save<M: Module>(model: &M, dir: impl AsRef<Path>) -> Result<(), ModelError> {
    write_folder(model, dir.as_ref(), MODEL_FORMAT, None)
}

/// [`save`], with `config` (any serde value: a Burn `#[derive(Config)]` struct, your own
/// `#[derive(Serialize)]` type) kept in `model.bpk` beside the weights, where
/// [`ModelFile::config`] reads it back.
///
/// ```
/// use burn::config::Config;
/// use burn::module::Module;
/// use burn::nn::conv::{Conv1d, Conv1dConfig};
/// use burn::tensor::{Device, Tensor};
/// use recurrent::model::{self, ModelFile};
/// use recurrent::{Lstm, LstmConfig, Recurrent};
///
/// /// A convolution over time, then an LSTM.
/// #[derive(Module, Debug)]
/// struct ConvLstm {
///     conv: Conv1d,
///     lstm: Lstm,
/// }
///
/// #[derive(Config, Debug)]
/// struct ConvLstmConfig {
///     features: usize,
///     channels: usize,
///     hidden: usize,
/// }
///
/// impl ConvLstmConfig {
///     fn init(&self, device: &Device) -> ConvLstm {
///         ConvLstm {
///             conv: Conv1dConfig::new(self.features, self.channels, 3).init(device),
///             lstm: LstmConfig::new(self.channels, self.hidden).init(device),
///         }
///     }
/// }
///
/// impl ConvLstm {
///     /// `[batch, seq, features]` to the LSTM's outputs `[batch, seq - 2, hidden]`.
///     fn forward(&self, x: Tensor<3>) -> Tensor<3> {
///         let x = self.conv.forward(x.swap_dims(1, 2)).swap_dims(1, 2);
///         self.lstm.forward(x, None).0
///     }
/// }
///
/// let device = Device::flex();
/// let config = ConvLstmConfig::new(2, 6, 8);
/// let trained = config.init(&device);
/// let dir = std::env::temp_dir().join(format!("recurrent-doctest-own-{}", std::process::id()));
/// model::save_with_config(&trained, &dir, &config)?;
///
/// // Later, or in another program: the config first, then the weights into its model.
/// let file = ModelFile::open(&dir)?;
/// let config: ConvLstmConfig = file.config()?;
/// let loaded = file.load(config.init(&device))?;
///
/// let x = Tensor::<3>::ones([1, 5, 2], &device);
/// let (a, b) = (trained.forward(x.clone()), loaded.forward(x));
/// assert_eq!(a.dims(), [1, 3, 8]);
/// assert_eq!(a.into_data(), b.into_data());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), recurrent::RecurrentError>(())
/// ```
///
/// # Errors
/// As [`save`]; also [`SaveFailed`](ModelError::SaveFailed) naming `model.bpk` when the
/// config cannot be written as JSON (a map with keys that are not strings, say).
pub fn save_with_config<M: Module, C: Serialize>(
    model: &M,
    dir: impl AsRef<Path>,
    config: &C,
) -> Result<(), ModelError> {
    let dir = dir.as_ref();
    write_folder(model, dir, MODEL_FORMAT, Some(config_json(dir, config)?))
}

/// `config` as the JSON value saved in `dir/model.bpk`.
fn config_json<C: Serialize>(dir: &Path, config: &C) -> Result<serde_json::Value, ModelError> {
    serde_json::to_value(config).map_err(|e| ModelError::SaveFailed {
        path: dir.join(WEIGHTS_FILE),
        reason: format!("the config cannot be written as JSON: {e}"),
    })
}

/// Writes `model` to the folder `dir`: `model.bpk` with the `format` marker and the config (if
/// any) in its metadata, atomically, then `model.json`.
fn write_folder<M: Module>(
    model: &M,
    dir: &Path,
    format: &str,
    config: Option<serde_json::Value>,
) -> Result<(), ModelError> {
    let failed = |path: &Path, reason: String| ModelError::SaveFailed {
        path: path.to_path_buf(),
        reason,
    };
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, e.to_string()))?;
    let config_path = dir.join(CONFIG_FILE);
    let crc32 = tensors_crc32(model).map_err(|reason| failed(&dir.join(WEIGHTS_FILE), reason))?;
    let mut entry =
        serde_json::json!({ "format": format, "version": FILE_VERSION, "crc32": crc32 });
    if let Some(config) = config {
        entry["config"] = config;
    }
    let json =
        serde_json::to_string_pretty(&entry).map_err(|e| failed(&config_path, e.to_string()))?;

    let weights = dir.join(WEIGHTS_FILE);
    replace_atomically(&weights, |temp| {
        let mut store = BurnpackStore::from_file(temp)
            .auto_extension(false)
            .overwrite(true)
            .metadata(CONFIG_KEY, json.as_str());
        model
            .save_into(&mut store)
            .map_err(|e| std::io::Error::other(e.to_string()))
    })
    .map_err(|e| failed(&weights, e.to_string()))?;

    write_atomically(&config_path, json.as_bytes()).map_err(|e| failed(&config_path, e.to_string()))
}

/// A saved model's folder, opened: its format checked and its config (if any) read, its
/// weights not yet. Written by [`save`] or [`save_with_config`] (or [`SequenceModel::save`]).
///
/// Read the config with [`config`](Self::config), build the model from it, and give that to
/// [`load`](Self::load), which checks every tensor's name, shape and element type against the
/// model's before it takes any: a model of another architecture is an error naming the first
/// tensor that differs, never a partly loaded model. The example is at [`save_with_config`].
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// `dir/model.bpk`.
    weights: PathBuf,
    /// The saved config, when there is one.
    config: Option<serde_json::Value>,
    /// The CRC-32 of the tensors as saved (absent in files written before it was recorded).
    crc32: Option<u32>,
}

impl ModelFile {
    /// Opens the model folder `dir`: reads the entry in `dir/model.bpk`'s metadata and checks
    /// its format marker and version (`model.json`, the readable copy, is not read).
    ///
    /// # Errors
    /// - [`FileNotFound`](ModelError::FileNotFound): no `dir` or `model.bpk`.
    /// - [`NotAFolder`](ModelError::NotAFolder): `dir` is a file (the `model.bpk` itself,
    ///   say: the error names its folder).
    /// - [`FileUnreadable`](ModelError::FileUnreadable): a `model.bpk` that cannot be read, is
    ///   truncated or not Burnpack, or has no `"recurrent.model"` entry (or one that is not
    ///   JSON) in its metadata.
    /// - [`FileMismatch`](ModelError::FileMismatch): an entry of another format or version.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, ModelError> {
        Self::open_as(
            dir.as_ref(),
            &[MODEL_FORMAT, SEQUENCE_FORMAT, LSTM_FCN_FORMAT],
        )
    }

    /// The saved model's `model.bpk`.
    pub fn path(&self) -> &Path {
        &self.weights
    }

    /// Whether the model was saved with a config ([`save_with_config`] or
    /// [`SequenceModel::save`]).
    pub fn has_config(&self) -> bool {
        self.config.is_some()
    }

    /// The config the model was saved with, as a `C`.
    ///
    /// # Errors
    /// [`NoConfig`](ModelError::NoConfig) for a model saved without one ([`save`]),
    /// [`ConfigMismatch`](ModelError::ConfigMismatch) for a config that is not a `C` (with
    /// serde's reason).
    pub fn config<C: DeserializeOwned>(&self) -> Result<C, ModelError> {
        let value = self.config.as_ref().ok_or_else(|| ModelError::NoConfig {
            path: self.weights.clone(),
        })?;
        serde_json::from_value(value.clone()).map_err(|e| ModelError::ConfigMismatch {
            path: self.weights.clone(),
            expected: short_type_name::<C>(),
            reason: e.to_string(),
        })
    }

    /// `model` with the saved weights: the file must hold exactly the model's tensors, with the
    /// same names, shapes and element types. Loads on any device, whichever saved it.
    ///
    /// # Errors
    /// [`FileMismatch`](ModelError::FileMismatch) naming the first tensor whose shape or
    /// element type differs (with both), or the tensors missing from the file and those the
    /// model does not have; [`FileUnreadable`](ModelError::FileUnreadable) for a file that is
    /// cut short or corrupt in its tensors; [`ChecksumMismatch`](ModelError::ChecksumMismatch)
    /// when the tensors read are not those saved (a changed byte: the file records their
    /// CRC-32).
    pub fn load<M: Module>(&self, model: M) -> Result<M, ModelError> {
        self.load_as(model, "the model given to ModelFile::load")
    }

    /// [`open`](Self::open), accepting only the `formats` given.
    fn open_as(dir: &Path, formats: &[&str]) -> Result<Self, ModelError> {
        let weights = weights_in(dir)?;
        let entry = read_entry(&weights)?;
        let mismatch = |what: &str, expected: String, found: String| ModelError::FileMismatch {
            path: weights.clone(),
            what: what.to_string(),
            expected,
            found,
        };
        let field = |name: &str| match entry.get(name) {
            Some(v) => v.to_string(),
            None => format!("no {name:?} field"),
        };
        let format = entry.get("format").and_then(serde_json::Value::as_str);
        if !format.is_some_and(|f| formats.contains(&f)) {
            let expected: Vec<String> = formats.iter().map(|f| format!("{f:?}")).collect();
            let mut found = field("format");
            if format == Some(MODEL_FORMAT) {
                found
                    .push_str(" (a model saved by recurrent::model::save: read it with ModelFile)");
            }
            return Err(mismatch("format", expected.join(" or "), found));
        }
        if entry.get("version").and_then(serde_json::Value::as_u64) != Some(FILE_VERSION) {
            let expected = FILE_VERSION.to_string();
            return Err(mismatch("version", expected, field("version")));
        }
        let crc32 = entry.get("crc32").map(|v| {
            v.as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| ModelError::FileUnreadable {
                    path: weights.clone(),
                    reason: format!("expected a CRC-32 (a u32) under \"crc32\", found {v}"),
                })
        });
        Ok(Self {
            config: entry.get("config").cloned(),
            crc32: crc32.transpose()?,
            weights,
        })
    }

    /// [`load`](Self::load), with `whose` naming the model in messages.
    /// The tensors read back are checked against the checksum saved with them.
    fn load_as<M: Module>(&self, model: M, whose: &str) -> Result<M, ModelError> {
        let model = load_exact(model, &self.weights, whose)
            .map_err(|p| model_file_error(&self.weights, p))?;
        if let Some(expected) = self.crc32 {
            let found = tensors_crc32(&model).map_err(|reason| ModelError::FileUnreadable {
                path: self.weights.clone(),
                reason,
            })?;
            if found != expected {
                return Err(ModelError::ChecksumMismatch {
                    path: self.weights.clone(),
                    expected,
                    found,
                });
            }
        }
        Ok(model)
    }
}

/// `dir/model.bpk`, after checking that `dir` is a folder and that the file is there.
fn weights_in(dir: &Path) -> Result<PathBuf, ModelError> {
    let missing = |path: &Path| {
        std::fs::metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    };
    if missing(dir) {
        return Err(ModelError::FileNotFound {
            path: dir.to_path_buf(),
        });
    }
    if dir.is_file() {
        let folder = match dir.parent() {
            _ if dir.file_name().is_none_or(|name| name != WEIGHTS_FILE) => None,
            Some(parent) if !parent.as_os_str().is_empty() => Some(parent.to_path_buf()),
            _ => Some(PathBuf::from(".")),
        };
        return Err(ModelError::NotAFolder {
            path: dir.to_path_buf(),
            folder,
        });
    }
    let weights = dir.join(WEIGHTS_FILE);
    if missing(&weights) {
        return Err(ModelError::FileNotFound { path: weights });
    }
    Ok(weights)
}

/// The JSON entry under [`CONFIG_KEY`] in the metadata of `path` (a `model.bpk`).
fn read_entry(path: &Path) -> Result<serde_json::Value, ModelError> {
    let unreadable = |reason: String| ModelError::FileUnreadable {
        path: path.to_path_buf(),
        reason,
    };
    let text = read_metadata(path, CONFIG_KEY)
        .map_err(|problem| model_file_error(path, problem))?
        .ok_or_else(|| {
            unreadable(format!(
                "expected the model's entry in its metadata under {CONFIG_KEY:?} (as SequenceModel::save and recurrent::model::save write it), found none"
            ))
        })?;
    serde_json::from_str(&text).map_err(|e| {
        unreadable(format!(
            "expected JSON under {CONFIG_KEY:?} in its metadata, found a syntax error: {e}"
        ))
    })
}

/// A problem reading the saved model's file `path` as the error loading returns.
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

/// `T`'s name without module paths: `Option<MyConfig>` for
/// `core::option::Option<my_crate::MyConfig>`.
fn short_type_name<T>() -> String {
    let mut name = String::new();
    let mut segment = 0;
    let mut chars = std::any::type_name::<T>().chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            name.truncate(segment);
        } else {
            name.push(c);
            if !(c.is_alphanumeric() || c == '_') {
                segment = name.len();
            }
        }
    }
    name
}

impl SequenceModel {
    /// Saves the model to the folder `dir` (created if needed) for [`load`](Self::load):
    /// `dir/model.bpk` (Burnpack) holds the weights and, in its metadata, the config;
    /// `dir/model.json` is a copy of the config to read (`load` does not need it).
    ///
    /// The model is one file, written to a temporary file beside it, synced and renamed over
    /// the old one: a save that fails or is cut short leaves the earlier model whole, and a
    /// model that loads always has its own config. `model.json` is replaced the same way
    /// afterwards. This is [`save_with_config`] with the model's [`SequenceModelConfig`] (and
    /// the format marker `"recurrent-sequence-model"`).
    ///
    /// # Errors
    /// [`SaveFailed`](ModelError::SaveFailed), naming the folder or the file that could not be
    /// written (when only `model.json` fails, the model itself is saved).
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<(), ModelError> {
        save_model_as(self, dir.as_ref(), SEQUENCE_FORMAT, self.config())
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
    /// - As [`ModelFile::open`]: [`FileNotFound`](ModelError::FileNotFound) (no `dir` or
    ///   `model.bpk`), [`NotAFolder`](ModelError::NotAFolder) (the `model.bpk` given instead of
    ///   its folder), [`FileUnreadable`](ModelError::FileUnreadable) (a `model.bpk` that cannot
    ///   be read, is truncated or not Burnpack, or has no model entry in its metadata) and
    ///   [`FileMismatch`](ModelError::FileMismatch) (another format, such as a model saved by
    ///   [`save`], or version).
    /// - As [`ModelFile::config`]: [`NoConfig`](ModelError::NoConfig),
    ///   [`ConfigMismatch`](ModelError::ConfigMismatch) (not a `SequenceModelConfig`).
    /// - The errors of [`SequenceModelConfig::try_init`], for a config no model can be built
    ///   from.
    /// - As [`ModelFile::load`]: [`FileMismatch`](ModelError::FileMismatch) for tensors
    ///   (names, shapes, element types) that are not those of the config's model,
    ///   [`ChecksumMismatch`](ModelError::ChecksumMismatch) for tensors whose bytes changed
    ///   since they were saved.
    pub fn load(dir: impl AsRef<Path>, device: &Device) -> Result<SequenceModel, ModelError> {
        load_model_as(
            dir.as_ref(),
            SEQUENCE_FORMAT,
            |config: SequenceModelConfig| config.try_init(device),
        )
    }
}

/// Saves one of the crate's models, `model` built from `config`, to `dir` with the `format`
/// marker that [`load_model_as`] accepts.
pub(super) fn save_model_as<M: Module, C: Serialize>(
    model: &M,
    dir: &Path,
    format: &str,
    config: &C,
) -> Result<(), ModelError> {
    write_folder(model, dir, format, Some(config_json(dir, config)?))
}

/// Loads one of the crate's models saved in `dir` with the `format` marker: its config, the
/// model `build` makes of it, then the weights into that model.
pub(super) fn load_model_as<C: DeserializeOwned, M: Module>(
    dir: &Path,
    format: &str,
    build: impl FnOnce(C) -> Result<M, ModelError>,
) -> Result<M, ModelError> {
    let file = ModelFile::open_as(dir, &[format])?;
    let model = build(file.config()?)?;
    file.load_as(model, "the model of its config")
}
