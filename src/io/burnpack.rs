//! Loading a Burnpack file into a module that it must fit exactly (the one check behind
//! `SequenceModel::load` and `Trainer::resume`), and reading a file's metadata.

use std::path::Path;

use burn::module::Module;
use burn::store::burn_pack::Reader;
use burn::store::{ApplyError, BurnpackStore, ModuleSnapshot};

/// Why a Burnpack file did not load; each caller turns it into its own error variant.
#[derive(Debug)]
pub(crate) enum LoadProblem {
    /// Not a file, truncated, corrupt or not Burnpack: what the store said.
    Unreadable(String),
    /// A valid file of another model: what differs, what the module expected, what was found.
    Mismatch {
        what: String,
        expected: String,
        found: String,
    },
}

/// `model` with the tensors of the Burnpack file at `path`, which must have exactly the
/// module's tensors with the same shapes and element types; `whose` names the module in
/// messages (for example "the model resuming it").
pub(crate) fn load_exact<M: Module>(
    mut model: M,
    path: &Path,
    whose: &str,
) -> Result<M, LoadProblem> {
    check_is_file(path)?;
    // Checked here rather than by the store, so that every problem gets its own message.
    let mut store = BurnpackStore::from_file(path)
        .auto_extension(false)
        .validate(false)
        .allow_partial(true);
    let result = model
        .load_from(&mut store)
        .map_err(|e| LoadProblem::Unreadable(format!("expected a Burnpack file, found: {e}")))?;
    let mismatch = |what: String, expected: String, found: String| LoadProblem::Mismatch {
        what,
        expected,
        found,
    };
    if let Some(error) = result.errors.first() {
        return Err(match error {
            ApplyError::ShapeMismatch {
                path,
                expected,
                found,
            } => mismatch(
                format!("shape of tensor {path:?} ({whose})"),
                format!("{:?}", expected.as_slice()),
                format!("{:?}", found.as_slice()),
            ),
            ApplyError::DTypeMismatch {
                path,
                expected,
                found,
            } => mismatch(
                format!("element type of tensor {path:?}"),
                format!("{expected:?}"),
                format!("{found:?}"),
            ),
            other => LoadProblem::Unreadable(other.to_string()),
        });
    }
    if !result.missing.is_empty() || !result.unused.is_empty() {
        let names = |names: Vec<&str>| {
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        return Err(mismatch(
            "tensors".to_string(),
            format!(
                "those of {whose} (missing from the file: {})",
                names(result.missing.iter().map(|(p, _)| p.as_str()).collect())
            ),
            format!(
                "others (not in the model: {})",
                names(result.unused.iter().map(String::as_str).collect())
            ),
        ));
    }
    Ok(model)
}

/// The CRC-32 of a module's tensors: each one's name, element type, shape and bytes, in name
/// order. The same for a module and for one loaded from its file, and different when one bit of
/// any tensor differs.
pub(crate) fn tensors_crc32<M: Module>(model: &M) -> Result<u32, String> {
    let mut tensors = model.collect(None, None, false);
    tensors.sort_by(|a, b| a.name.cmp(&b.name));
    let mut hasher = crc32fast::Hasher::new();
    for tensor in &tensors {
        hasher.update(tensor.name.as_bytes());
        hasher.update(format!("{:?} {:?}", tensor.dtype, tensor.shape.as_slice()).as_bytes());
        hasher.update(&tensor.to_bytes().map_err(|e| e.to_string())?);
    }
    Ok(hasher.finalize())
}

/// The value of `key` in the metadata of the Burnpack file at `path` (`None` when the file has
/// no such entry); reads the header and metadata only.
pub(crate) fn read_metadata(path: &Path, key: &str) -> Result<Option<String>, LoadProblem> {
    check_is_file(path)?;
    let reader = Reader::from_file_exact(path)
        .map_err(|e| LoadProblem::Unreadable(format!("expected a Burnpack file, found: {e}")))?;
    Ok(reader.metadata().get(key).cloned())
}

/// A readable regular file at `path`, or why not.
fn check_is_file(path: &Path) -> Result<(), LoadProblem> {
    match std::fs::metadata(path) {
        Err(e) => Err(LoadProblem::Unreadable(e.to_string())),
        Ok(meta) if !meta.is_file() => {
            let found = if meta.is_dir() {
                "a folder"
            } else {
                "no regular file"
            };
            Err(LoadProblem::Unreadable(format!(
                "expected a Burnpack file, found {found}"
            )))
        }
        Ok(_) => Ok(()),
    }
}
