//! Writing results: to standard output, or to a file replaced only when complete.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::error::InputError;
use crate::interrupt;

/// Writes `bytes` to `path`, or to standard output when there is no path.
///
/// Refuses once Ctrl-C has been pressed: the results are then partial, and the previous
/// file (or an empty pipe) is better than a misleading one.
pub fn emit(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    interrupt::check()?;
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

/// Checks that `path` can be a result file: its folder exists and it is not a folder.
///
/// Called before a run as well as when writing, so a long simulation is not wasted on a
/// typo in `--output`.
pub fn check_destination(path: &Path) -> Result<(), InputError> {
    let dir = folder_of(path);
    if !dir.is_dir() {
        return Err(InputError::new(format!(
            "{}: the folder {} does not exist; create it or choose another output path",
            path.display(),
            dir.display()
        )));
    }
    if path.is_dir() {
        return Err(InputError::new(format!(
            "{}: this is a folder; give a file name, e.g. {}",
            path.display(),
            path.join("results.json").display()
        )));
    }
    Ok(())
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes to a temporary file beside `path` and renames it over `path`, so a reader
/// never sees a half-written file and a failed or interrupted run leaves the old one
/// intact.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    interrupt::check()?;
    check_destination(path)?;
    let dir = folder_of(path);
    // A temporary file is private (0600); the result should read like any other file.
    let mut builder = tempfile::Builder::new();
    builder.prefix(".scalecost-");
    if let Some(permissions) = permissions_for(path) {
        builder.permissions(permissions);
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    // The persist error repeats its cause in its message; keep only the cause. The
    // temporary file is removed when it is dropped.
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Permissions for a new result file: the old file's when replacing one, else
/// rw-r--r-- (on Unix; elsewhere temporary files are not private to begin with).
fn permissions_for(path: &Path) -> Option<std::fs::Permissions> {
    if let Ok(m) = std::fs::metadata(path) {
        return Some(m.permissions());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o644))
    }
    #[cfg(not(unix))]
    None
}
