//! PyTorch weight files for the recurrent layers, through burn-store.
//!
//! Loading reads `.pt`/`.pth` files with `PytorchStore` and `.safetensors` files with
//! `SafetensorsStore`, checks every tensor name, shape and dtype against the layer first (so each
//! mistake gets its own [`WeightFileError`]), then renames PyTorch's keys (`weight_ih_l1_reverse`)
//! to the stack's paths (`layers.1.reverse.weight_ih`) with a `KeyRemapper` and lets the
//! store apply them. Saving collects the module into safetensors under PyTorch's names and
//! writes the file atomically.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::Path;

use burn::module::Module;
use burn::store::{
    KeyRemapper, ModuleSnapshot, ModuleStore, PytorchStore, SafetensorsStore, burn_pack,
};
use burn::tensor::DType;

use super::WeightFileError;

/// One parameter as PyTorch names it and as the module stores it.
pub(crate) struct ParamName {
    /// PyTorch's `state_dict` key, without any prefix: `weight_ih_l0`.
    pub pytorch: String,
    /// The key of PyTorch's cell (`nn.LSTMCell`, ...) for it, for a one-layer unidirectional
    /// layer only: `weight_ih`.
    pub cell: Option<String>,
    /// The path in the module: `layers.0.forward.weight_ih`.
    pub module: String,
    /// The parameter's shape.
    pub shape: Vec<usize>,
}

enum Format {
    Pytorch,
    Safetensors,
}

/// Picks the reader by extension, and by the first bytes when the extension says nothing; a
/// Burnpack file (burn-store's magic number first) is refused whatever its name.
fn detect_format(path: &Path) -> Result<Format, WeightFileError> {
    let mut magic = Vec::with_capacity(4);
    fs::File::open(path)
        .and_then(|file| file.take(4).read_to_end(&mut magic))
        .map_err(|e| unreadable(path, format!("found a file that could not be read ({e})")))?;
    if magic == burn_pack::MAGIC_NUMBER.to_le_bytes() {
        return Err(WeightFileError::BurnpackFile {
            path: path.to_path_buf(),
        });
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("pt" | "pth" | "bin" | "ckpt") => return Ok(Format::Pytorch),
        Some("safetensors") => return Ok(Format::Safetensors),
        _ => {}
    }
    if magic.len() < 2 {
        return Err(unreadable(
            path,
            format!("found a file of {} bytes", magic.len()),
        ));
    }
    // torch.save writes a zip archive ("PK") or, in the legacy format, a pickle (0x80).
    Ok(if magic.starts_with(b"PK") || magic[0] == 0x80 {
        Format::Pytorch
    } else {
        Format::Safetensors
    })
}

fn unreadable(path: &Path, reason: String) -> WeightFileError {
    WeightFileError::Unreadable {
        path: path.to_path_buf(),
        reason,
    }
}

/// Escapes a literal for use inside a regular expression.
fn regex_literal(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn remapper(pairs: impl Iterator<Item = (String, String)>) -> KeyRemapper {
    KeyRemapper::from_pattern_iter(
        pairs.map(|(from, to)| (format!("^{}$", regex_literal(&from)), to.replace('$', "$$"))),
    )
    .expect("escaped literal names always form a valid pattern")
}

/// Loads `module`'s recurrent parameters from `path`, taking the keys that start with `prefix`.
///
/// `params` lists what the module holds; the file names them as PyTorch's layer does
/// (`weight_ih_l0`) or, where `params` give one, as its cell does (`weight_ih`). Keys outside
/// `prefix` are ignored; keys inside it must match exactly.
pub(crate) fn load<M: Module>(
    module: &mut M,
    params: &[ParamName],
    path: &Path,
    prefix: &str,
    expected_dtype: DType,
) -> Result<(), WeightFileError> {
    if !path.is_file() {
        return Err(WeightFileError::NotFound {
            path: path.to_path_buf(),
        });
    }
    let format = detect_format(path)?;
    let check = FileCheck {
        params,
        path,
        prefix,
        dtype: expected_dtype,
    };
    let remap = |keys: Vec<String>| {
        remapper(
            keys.into_iter()
                .zip(params)
                .map(|(key, p)| (key, p.module.clone())),
        )
    };
    match format {
        Format::Pytorch => {
            let mut store = PytorchStore::from_file(path).map_indices_contiguous(false);
            let keys = check.contents(&mut store)?;
            let mut store = store.remap(remap(keys)).allow_partial(true);
            apply(module, &mut store, path)
        }
        Format::Safetensors => {
            let mut store = SafetensorsStore::from_file(path).map_indices_contiguous(false);
            let keys = check.contents(&mut store)?;
            let mut store = store.remap(remap(keys)).allow_partial(true);
            apply(module, &mut store, path)
        }
    }
}

/// The file's tensors: name, shape and element type.
type Contents = BTreeMap<String, (Vec<usize>, DType)>;

/// What a weight file is checked against: the module's parameters under `prefix`.
struct FileCheck<'a> {
    params: &'a [ParamName],
    path: &'a Path,
    prefix: &'a str,
    dtype: DType,
}

/// The names, comma-separated, or "nothing".
fn join<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = names.map(String::as_str).collect();
    if list.is_empty() {
        "nothing".to_string()
    } else {
        list.join(", ")
    }
}

impl FileCheck<'_> {
    /// Compares the file's names, shapes and dtypes under the prefix with the module's
    /// parameters; returns the file's key for each parameter, in `params`' order.
    fn contents<S: ModuleStore>(&self, store: &mut S) -> Result<Vec<String>, WeightFileError> {
        let all: Contents = store
            .get_all_tensors()
            .map_err(|e| unreadable(self.path, format!("found: {e}")))?
            .iter()
            .map(|(name, t)| (name.clone(), (t.shape.to_vec(), t.dtype)))
            .collect();
        let path = || self.path.to_path_buf();
        let under_prefix = || all.keys().filter(|k| k.starts_with(self.prefix));
        let keys = self.keys(&all)?;
        self.check_projection(&all, &keys)?;
        for (param, key) in self.params.iter().zip(&keys) {
            match all.get(key) {
                None => {
                    return Err(WeightFileError::MissingWeight {
                        path: path(),
                        key: key.clone(),
                        found: join(under_prefix()),
                    });
                }
                Some((shape, _)) if *shape != param.shape => {
                    return Err(WeightFileError::ShapeMismatch {
                        path: path(),
                        key: key.clone(),
                        expected: param.shape.clone(),
                        found: shape.clone(),
                    });
                }
                Some((_, dtype)) if *dtype != self.dtype => {
                    return Err(WeightFileError::DTypeMismatch {
                        path: path(),
                        key: key.clone(),
                        expected: format!("{:?}", self.dtype),
                        found: format!("{dtype:?}"),
                    });
                }
                Some(_) => {}
            }
        }
        if let Some(extra) = under_prefix().find(|k| !keys.contains(k)) {
            return Err(WeightFileError::UnexpectedWeight {
                path: path(),
                key: extra.clone(),
                expected: join(keys.iter()),
            });
        }
        Ok(keys)
    }

    /// Whether the file's LSTM has the layer's projection (`weight_hr_l*`, `[proj_size,
    /// hidden_size]`): named before any shape, since without it every `weight_hh` differs too.
    fn check_projection(&self, all: &Contents, keys: &[String]) -> Result<(), WeightFileError> {
        let is_projection = |key: &str| {
            key.strip_prefix(self.prefix)
                .is_some_and(|name| name.starts_with("weight_hr"))
        };
        let expected = self
            .params
            .iter()
            .zip(keys)
            .find(|(_, key)| is_projection(key));
        let found = all.iter().find(|(key, _)| is_projection(key));
        let path = self.path.to_path_buf();
        match (expected, found) {
            (Some((param, key)), None) => Err(WeightFileError::MissingProjection {
                path,
                key: key.clone(),
                proj_size: param.shape[0],
            }),
            (None, Some((key, (shape, _)))) => Err(WeightFileError::UnexpectedProjection {
                path,
                key: key.clone(),
                shape: shape.clone(),
            }),
            (Some((param, _)), Some((key, (shape, _)))) if shape.first() != param.shape.first() => {
                Err(WeightFileError::ProjSizeMismatch {
                    path,
                    key: key.clone(),
                    expected: param.shape[0],
                    found: shape.first().copied().unwrap_or(0),
                })
            }
            _ => Ok(()),
        }
    }

    /// The layer's keys under the prefix (`weight_ih_l0`, ...), or its cell's (`weight_ih`,
    /// ...) when the file has those instead; when it has neither, why not.
    fn keys(&self, all: &Contents) -> Result<Vec<String>, WeightFileError> {
        let with = |prefix: &str, name: &str| format!("{prefix}{name}");
        let layer: Vec<String> = self
            .params
            .iter()
            .map(|p| with(self.prefix, &p.pytorch))
            .collect();
        let cell: Option<Vec<String>> = self
            .params
            .iter()
            .map(|p| p.cell.as_ref().map(|c| with(self.prefix, c)))
            .collect();
        if layer.iter().any(|k| all.contains_key(k)) {
            return Ok(layer);
        }
        if let Some(cell) = &cell
            && cell.iter().any(|k| all.contains_key(k))
        {
            return Ok(cell.clone());
        }
        let prefixes = self.prefixes_holding_all(all);
        let path = self.path.to_path_buf();
        let found = join(all.keys().filter(|k| k.starts_with(self.prefix)));
        Err(if !prefixes.is_empty() {
            WeightFileError::WeightsUnderPrefix {
                path,
                expected: layer[0].clone(),
                prefixes,
            }
        } else if let Some(cell) = cell {
            WeightFileError::MissingLayerOrCellWeight {
                path,
                key: layer[0].clone(),
                cell_key: cell[0].clone(),
                found,
            }
        } else {
            WeightFileError::MissingWeight {
                path,
                key: layer[0].clone(),
                found,
            }
        })
    }

    /// Every prefix other than the one asked for under which the file holds all of the
    /// layer's tensors (by name), as the layer or as its cell names them.
    fn prefixes_holding_all(&self, all: &Contents) -> Vec<String> {
        let layer: Vec<&str> = self.params.iter().map(|p| p.pytorch.as_str()).collect();
        let cell: Option<Vec<&str>> = self.params.iter().map(|p| p.cell.as_deref()).collect();
        let mut prefixes: Vec<String> = Vec::new();
        for names in std::iter::once(layer).chain(cell) {
            for key in all.keys() {
                let Some(prefix) = key.strip_suffix(names[0]) else {
                    continue;
                };
                let is_prefix = prefix.is_empty() || prefix.ends_with('.');
                let holds_all = || {
                    names
                        .iter()
                        .all(|n| all.contains_key(&format!("{prefix}{n}")))
                };
                if is_prefix
                    && prefix != self.prefix
                    && !prefixes.iter().any(|p| p == prefix)
                    && holds_all()
                {
                    prefixes.push(prefix.to_string());
                }
            }
        }
        prefixes
    }
}

fn apply<M: Module, S: ModuleStore>(
    module: &mut M,
    store: &mut S,
    path: &Path,
) -> Result<(), WeightFileError> {
    let result = module
        .load_from(store)
        .map_err(|e| unreadable(path, format!("found: {e}")))?;
    if !result.errors.is_empty() || !result.missing.is_empty() {
        return Err(unreadable(path, format!("found: {result}")));
    }
    Ok(())
}

/// Saves `module`'s recurrent parameters to a `.safetensors` file under PyTorch's names.
///
/// The bytes go to a temporary file beside `path`, which is synced and then renamed over it, so
/// an earlier file at `path` survives any failure.
pub(crate) fn save<M: Module>(
    module: &M,
    params: &[ParamName],
    path: &Path,
    prefix: &str,
) -> Result<(), WeightFileError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    if extension != "safetensors" {
        return Err(WeightFileError::UnsupportedFormat {
            path: path.to_path_buf(),
            found: if extension.is_empty() {
                "no extension".to_string()
            } else {
                format!(".{extension}")
            },
        });
    }
    let failed = |reason: String| WeightFileError::SaveFailed {
        path: path.to_path_buf(),
        reason,
    };
    let remap = remapper(
        params
            .iter()
            .map(|p| (p.module.clone(), format!("{prefix}{}", p.pytorch))),
    );
    let mut store = SafetensorsStore::from_bytes(None).remap(remap);
    module
        .save_into(&mut store)
        .map_err(|e| failed(format!("collecting the tensors failed: {e}")))?;
    let bytes = store
        .get_bytes()
        .map_err(|e| failed(format!("encoding safetensors failed: {e}")))?;
    super::write_atomically(path, &bytes).map_err(|e| failed(e.to_string()))
}
