//! Writing results: to standard output, into a device or pipe as it stands, or to a file
//! replaced only when complete.
//!
//! What `--output` names decides how it is written, because each kind of destination
//! loses something different when treated as another:
//!
//! - `-` is standard output, as in most command-line tools (`./-` names a file called `-`).
//! - A regular file, or a path where nothing exists yet, is written to a temporary file
//!   in the same folder and renamed over it, so a reader never sees half a file and a
//!   failed run leaves the old one intact. A replaced file keeps its mode.
//!   The temporary file is named `.scalecost-tmp-<pid>-<random>`: one left behind by a
//!   process that was killed outright (SIGKILL, a power cut) says whose it was, and the
//!   next write into that folder removes it once that process is gone.
//! - A symbolic link is followed to the end of its chain, and what it finally names is
//!   treated as above; the link itself stays a link (renaming over it would cut it).
//! - A character or block device or a FIFO is opened and written in place: renaming over
//!   it would replace `/dev/stdout` or a named pipe with a plain file nobody reads.
//! - A Unix socket is connected to and written, as opening it like a file is not possible.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::InputError;
use crate::interrupt;

/// What every temporary file's name starts with, before the writing process's id.
const TEMP_PREFIX: &str = ".scalecost-tmp-";

/// A temporary file older than this is stale even if a process with its id is alive:
/// writing one takes seconds, so by then the id belongs to another process.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// How many symbolic links a destination may go through: Linux's own limit (`MAXSYMLINKS`),
/// past which a chain is taken for a loop.
const MAX_LINKS: usize = 40;

/// Writes `bytes` to `path`, or to standard output when there is no path or it is `-`.
///
/// Refuses once Ctrl-C has been pressed: the results are then partial, and the previous
/// file (or an empty pipe) is better than a misleading one.
pub fn emit(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    interrupt::check()?;
    match path {
        Some(p) => write_atomically(p, bytes),
        None => write_stdout(bytes),
    }
}

/// Checks that `path` can take results: `-`, a device, a pipe or socket, an existing
/// regular file, or a new name in a folder that exists, directly or through symbolic links.
///
/// Called before a run as well as when writing, so a long simulation is not wasted on a
/// typo in `--output`.
pub fn check_destination(path: &Path) -> Result<(), InputError> {
    match destination(path)? {
        Destination::File(target) => check_writable(folder_of(&target), &shown(path, &target)),
        _ => Ok(()),
    }
}

/// Checks that files can be created in `dir` (`shown` names it in the message), by
/// creating one and removing it: permissions, ACLs, a read-only mount and quotas all
/// answer the same way they will when the results are written.
pub fn check_writable(dir: &Path, shown: &str) -> Result<(), InputError> {
    let prefix = temp_prefix();
    let probe = tempfile::Builder::new().prefix(&prefix).tempfile_in(dir);
    // The error's own text names the probe file, which is gone: its kind says enough.
    probe.map(drop).map_err(|e| {
        InputError::new(format!(
            "{shown}: cannot write in the folder {}: {}; make it writable (e.g. chmod u+w {}) or choose another output path",
            dir.display(),
            e.kind(),
            dir.display()
        ))
    })
}

/// Writes `bytes` to `path`: atomically (a temporary file renamed over it) where `path`
/// is, or leads through symbolic links to, a regular file or nothing yet; in place where
/// it is a device, FIFO or socket; to standard output where it is `-`.
///
/// On any error no temporary file is left behind, and a replaced file is untouched.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    interrupt::check()?;
    match destination(path)? {
        Destination::Stdout => write_stdout(bytes),
        Destination::File(target) => replace(&shown(path, &target), &target, bytes),
        Destination::InPlace(target) => write_in_place(&shown(path, &target), &target, bytes),
        #[cfg(unix)]
        Destination::Socket(target) => send(&shown(path, &target), &target, bytes),
    }
}

/// What a path given to `--output` names now, decided before anything is written.
#[derive(Debug)]
enum Destination {
    /// `-`.
    Stdout,
    /// A regular file or a new one at this path (symbolic links already followed).
    File(PathBuf),
    /// A character or block device or a FIFO at this path.
    InPlace(PathBuf),
    /// A Unix socket at this path.
    #[cfg(unix)]
    Socket(PathBuf),
}

fn destination(path: &Path) -> Result<Destination, InputError> {
    if path.as_os_str() == "-" {
        return Ok(Destination::Stdout);
    }
    let (target, metadata) = follow_links(path)?;
    let Some(metadata) = metadata else {
        let dir = folder_of(&target);
        if dir.is_dir() {
            return Ok(Destination::File(target));
        }
        if dir.exists() {
            return Err(InputError::new(format!(
                "{}: {} is a file, not a folder; choose an output path in a folder",
                path.display(),
                dir.display()
            )));
        }
        return Err(InputError::new(if target == path {
            format!(
                "{}: the folder {} does not exist; create it or choose another output path",
                path.display(),
                dir.display()
            )
        } else {
            format!(
                "{}: a symbolic link to {}, but the folder {} does not exist; create it, fix \
                 the link or choose another output path",
                path.display(),
                target.display(),
                dir.display()
            )
        }));
    };
    let kind = metadata.file_type();
    if kind.is_dir() {
        return Err(InputError::new(format!(
            "{}: this is a folder{}; give a file name, e.g. {}",
            path.display(),
            if target == path {
                String::new()
            } else {
                format!(" (through symbolic links, {})", target.display())
            },
            path.join("results.json").display()
        )));
    }
    if kind.is_file() {
        return Ok(Destination::File(target));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_socket() {
            return Ok(Destination::Socket(target));
        }
    }
    Ok(Destination::InPlace(target))
}

/// Follows `path` through every symbolic link to what it finally names; returns that
/// path and its metadata, or `None` when nothing exists there yet (a new file, or a
/// dangling link).
fn follow_links(path: &Path) -> Result<(PathBuf, Option<fs::Metadata>), InputError> {
    let mut current = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        let metadata = match fs::symlink_metadata(&current) {
            Ok(m) => m,
            // A missing folder, or a file where a folder should be, is reported as a
            // folder that does not exist once the caller looks at the folder.
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                return Ok((current, None));
            }
            Err(e) => {
                return Err(InputError::new(format!(
                    "{}: cannot look at {}: {e}",
                    path.display(),
                    current.display()
                )));
            }
        };
        if !metadata.file_type().is_symlink() {
            return Ok((current, Some(metadata)));
        }
        let link = fs::read_link(&current).map_err(|e| {
            InputError::new(format!(
                "{}: cannot read the symbolic link {}: {e}",
                path.display(),
                current.display()
            ))
        })?;
        // A relative link is relative to the folder holding it, not to ours. The join is
        // not tidied (`a/../b` stays): `..` after a linked folder means its real parent,
        // which only the operating system knows.
        current = current.parent().unwrap_or(Path::new("")).join(link);
    }
    Err(InputError::new(format!(
        "{}: more than {MAX_LINKS} symbolic links in a row; is there a loop?",
        path.display()
    )))
}

/// How messages name a destination: as given, and where its links lead if elsewhere.
fn shown(given: &Path, target: &Path) -> String {
    if given == target {
        given.display().to_string()
    } else {
        format!("{} (a link to {})", given.display(), target.display())
    }
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Plain writes: a closed pipe surfaces as an `io::Error` of kind `BrokenPipe`, which
/// `main` treats as success.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

/// Writes to a temporary file in `target`'s folder and renames it over `target`, so a
/// reader never sees a half-written file and a failed or interrupted run leaves the old
/// one intact. The temporary file is removed when dropped, on every error path.
fn replace(shown: &str, target: &Path, bytes: &[u8]) -> Result<()> {
    let dir = folder_of(target);
    let old = fs::metadata(target).ok();
    remove_stale_temp_files(dir);
    let prefix = temp_prefix();
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // A temporary file is private (0600); a new result should read like any other new
    // file: rw-r--r--, less the umask (elsewhere temporary files are not private).
    #[cfg(unix)]
    if old.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {shown}"))?;
    // A replaced file keeps its mode exactly. Set after writing, since a write clears
    // set-user-ID bits, and set explicitly, since a mode given at creation loses the
    // bits the umask removes (0664 would come out 0644).
    if let Some(old) = &old {
        tmp.as_file()
            .set_permissions(old.permissions())
            .with_context(|| format!("cannot give the new {shown} the old one's permissions"))?;
    }
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write {shown}"))?;
    // The persist error repeats its cause in its message; keep only the cause.
    tmp.persist(target)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {shown}"))?;
    Ok(())
}

/// The start of this process's temporary file names: `.scalecost-tmp-<pid>-`, which
/// tempfile follows with random characters.
fn temp_prefix() -> String {
    format!("{TEMP_PREFIX}{}-", std::process::id())
}

/// Removes the temporary files in `dir` that killed runs of this tool left: those whose
/// process has exited, or that are older than [`STALE_AFTER`]. Another running process's
/// file is never touched; anything not named like ours, or not a plain file, neither.
/// Best effort: a file that cannot be removed stays, and the write goes on.
fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_file_pid) else {
            continue;
        };
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        let old = metadata
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if metadata.is_file() && pid != std::process::id() && (old || !process_alive(pid)) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The process id in a temporary file's name, if it is named like ours.
fn temp_file_pid(name: &str) -> Option<u32> {
    let (pid, random) = name.strip_prefix(TEMP_PREFIX)?.split_once('-')?;
    if random.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process with this id exists (owned by anyone: `EPERM` means it does).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return true; // 0 and negatives name process groups: never treat as dead.
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Elsewhere there is no cheap check; only age makes a file stale.
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

/// Opens a device or FIFO for writing, as a shell's `>` would, and writes to it.
fn write_in_place(shown: &str, target: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .open(target)
        .with_context(|| format!("cannot open {shown}"))?;
    // Opening a FIFO waits for a reader, however long that takes; a Ctrl-C meanwhile
    // still means the user no longer wants these results.
    interrupt::check()?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .with_context(|| format!("cannot write {shown}"))?;
    Ok(())
}

/// Connects to a Unix socket and writes to it; closing the connection ends the results.
#[cfg(unix)]
fn send(shown: &str, target: &Path, bytes: &[u8]) -> Result<()> {
    let mut stream = std::os::unix::net::UnixStream::connect(target)
        .with_context(|| format!("cannot connect to the socket {shown}"))?;
    interrupt::check()?;
    stream
        .write_all(bytes)
        .with_context(|| format!("cannot write {shown}"))?;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_names_like_ours_carry_a_process_id() {
        assert_eq!(temp_file_pid(".scalecost-tmp-1234-aB3xYz"), Some(1234));
        assert_eq!(temp_file_pid(".scalecost-tmp-1234-"), None);
        assert_eq!(temp_file_pid(".scalecost-tmp-12a4-xyz"), None);
        assert_eq!(temp_file_pid(".scalecost-AbCdEf"), None);
        assert_eq!(temp_file_pid("results.json"), None);
    }

    #[test]
    fn this_process_is_alive() {
        assert!(process_alive(std::process::id()));
    }

    #[test]
    fn a_dash_is_standard_output() {
        assert!(matches!(
            destination(Path::new("-")).unwrap(),
            Destination::Stdout
        ));
    }

    #[test]
    fn a_link_loop_is_refused_not_followed_forever() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("b", dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
        let err = destination(&dir.path().join("a")).unwrap_err();
        assert!(err.to_string().contains("is there a loop?"), "{err}");
    }

    #[test]
    fn a_relative_link_is_relative_to_its_own_folder() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("real.json"), "").unwrap();
        std::os::unix::fs::symlink("../real.json", dir.path().join("sub/link.json")).unwrap();
        match destination(&dir.path().join("sub/link.json")).unwrap() {
            Destination::File(target) => {
                assert_eq!(target, dir.path().join("sub/../real.json"));
            }
            other => panic!("{other:?}"),
        }
    }
}
