//! Reading and writing files: PyTorch weights, exact Burnpack loads, and the atomic write every
//! save goes through.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub(crate) mod burnpack;
mod error;
pub(crate) mod pytorch;

pub use error::WeightFileError;
pub(crate) use pytorch::ParamName;

/// Writes `bytes` to `path` through a synced temporary file and a rename.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_atomically(path, |temp| {
        let mut file = fs::File::create(temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })
}

/// Replaces `path` with what `write` puts at a temporary path beside it (in the same folder,
/// so the rename is atomic): `write` creates (and syncs) the file at the path it is given.
/// On any failure the temporary file is removed and whatever was at `path` is left intact.
pub(crate) fn replace_atomically(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = dir.join(temp_name);
    let result = (|| {
        write(&temp)?;
        fs::rename(&temp, path)?;
        // Make the rename itself durable where the platform allows opening directories.
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
