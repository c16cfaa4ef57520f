//! Writing results: to standard output, or to a file replaced only when complete.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::error::InputError;

/// Writes `bytes` to `path`, or to standard output when there is no path.
pub fn emit(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        Some(p) => write_atomically(p, bytes),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Writes to a temporary file beside `path` and renames it over `path`, so a reader
/// never sees a half-written file and a failed run leaves the old one intact.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(InputError::new(format!(
            "{}: the folder {} does not exist; create it or choose another output path",
            path.display(),
            dir.display()
        ))
        .into());
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".scalecost-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}
