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
use burn::store::{KeyRemapper, ModuleSnapshot, ModuleStore, PytorchStore, SafetensorsStore};
use burn::tensor::DType;

use super::WeightFileError;

/// One parameter as PyTorch names it and as the module stores it.
pub(crate) struct ParamName {
    /// PyTorch's `state_dict` key, without any prefix: `weight_ih_l0`.
    pub pytorch: String,
    /// The path in the module: `layers.0.forward.weight_ih`.
    pub module: String,
    /// The parameter's shape.
    pub shape: Vec<usize>,
}

enum Format {
    Pytorch,
    Safetensors,
}

/// Picks the reader by extension, and by the first bytes when the extension says nothing.
fn detect_format(path: &Path) -> Result<Format, WeightFileError> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("pt" | "pth" | "bin" | "ckpt") => return Ok(Format::Pytorch),
        Some("safetensors") => return Ok(Format::Safetensors),
        _ => {}
    }
    let mut magic = [0u8; 2];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .map_err(|e| unreadable(path, format!("found a file that could not be read ({e})")))?;
    // torch.save writes a zip archive ("PK") or, in the legacy format, a pickle (0x80).
    Ok(if magic == *b"PK" || magic[0] == 0x80 {
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
/// `params` lists what the module holds. Keys outside `prefix` are ignored; keys inside it must
/// match exactly.
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
    let remap = remapper(
        params
            .iter()
            .map(|p| (format!("{prefix}{}", p.pytorch), p.module.clone())),
    );
    match format {
        Format::Pytorch => {
            let mut store = PytorchStore::from_file(path).map_indices_contiguous(false);
            check_contents(&mut store, params, path, prefix, expected_dtype)?;
            let mut store = store.remap(remap).allow_partial(true);
            apply(module, &mut store, path)
        }
        Format::Safetensors => {
            let mut store = SafetensorsStore::from_file(path).map_indices_contiguous(false);
            check_contents(&mut store, params, path, prefix, expected_dtype)?;
            let mut store = store.remap(remap).allow_partial(true);
            apply(module, &mut store, path)
        }
    }
}

/// Compares the file's names, shapes and dtypes under `prefix` with the module's parameters.
fn check_contents<S: ModuleStore>(
    store: &mut S,
    params: &[ParamName],
    path: &Path,
    prefix: &str,
    expected_dtype: DType,
) -> Result<(), WeightFileError> {
    let found: BTreeMap<String, (Vec<usize>, DType)> = store
        .get_all_tensors()
        .map_err(|e| unreadable(path, format!("found: {e}")))?
        .iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|(name, t)| (name.clone(), (t.shape.to_vec(), t.dtype)))
        .collect();
    let join = |names: &mut dyn Iterator<Item = &String>| {
        let list: Vec<&str> = names.map(String::as_str).collect();
        if list.is_empty() {
            "nothing".to_string()
        } else {
            list.join(", ")
        }
    };
    for param in params {
        let key = format!("{prefix}{}", param.pytorch);
        match found.get(&key) {
            None => {
                return Err(WeightFileError::MissingWeight {
                    path: path.to_path_buf(),
                    key,
                    found: join(&mut found.keys()),
                });
            }
            Some((shape, _)) if *shape != param.shape => {
                return Err(WeightFileError::ShapeMismatch {
                    path: path.to_path_buf(),
                    key,
                    expected: param.shape.clone(),
                    found: shape.clone(),
                });
            }
            Some((_, dtype)) if *dtype != expected_dtype => {
                return Err(WeightFileError::DTypeMismatch {
                    path: path.to_path_buf(),
                    key,
                    expected: format!("{expected_dtype:?}"),
                    found: format!("{dtype:?}"),
                });
            }
            Some(_) => {}
        }
    }
    let expected: Vec<String> = params
        .iter()
        .map(|p| format!("{prefix}{}", p.pytorch))
        .collect();
    if let Some(extra) = found.keys().find(|k| !expected.contains(k)) {
        return Err(WeightFileError::UnexpectedWeight {
            path: path.to_path_buf(),
            key: extra.clone(),
            expected: join(&mut expected.iter()),
        });
    }
    Ok(())
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
