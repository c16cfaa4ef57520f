//! Ctrl-C and SIGTERM: a flag that long loops poll, so an interrupted run stops between
//! events and writes nothing.
//!
//! The flag is only ever set by the handler `main` installs; a library caller that never
//! installs it pays one relaxed load every 65,536 events and sees every run to the end.
//! Results of an interrupted run are partial, so the writers in [`crate::output`] refuse
//! to write them: the user keeps the previous output file, byte for byte.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
/// The exit code of the first stop asked for; 0 until then.
static FIRST_CODE: AtomicU8 = AtomicU8::new(0);

/// Exit code of an interrupted run: 128 + SIGINT, what shells report for Ctrl-C.
pub const EXIT_CODE: u8 = 130;

/// Exit code of a run stopped by SIGTERM: 128 + SIGTERM, what shells report for it.
pub const TERMINATED_EXIT_CODE: u8 = 143;

/// Asks every running simulation to stop at its next check (for Ctrl-C).
pub fn request() {
    request_with(EXIT_CODE);
}

/// Asks every running simulation to stop, the process to exit with `code` in the end.
/// The first request decides the code: a SIGTERM after a Ctrl-C is still a Ctrl-C.
pub fn request_with(code: u8) {
    let _ = FIRST_CODE.compare_exchange(0, code, Ordering::Relaxed, Ordering::Relaxed);
    REQUESTED.store(true, Ordering::Relaxed);
}

/// The exit code of the stop asked for: [`EXIT_CODE`] or [`TERMINATED_EXIT_CODE`].
pub fn exit_code() -> u8 {
    match FIRST_CODE.load(Ordering::Relaxed) {
        0 => EXIT_CODE,
        code => code,
    }
}

/// Whether a stop has been asked for.
#[inline]
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// `Err(Interrupted)` once a stop has been asked for.
pub fn check() -> Result<(), Interrupted> {
    if requested() {
        Err(Interrupted)
    } else {
        Ok(())
    }
}

/// The run was stopped by Ctrl-C or SIGTERM before its results were complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if exit_code() == TERMINATED_EXIT_CODE {
            f.write_str("terminated (SIGTERM); no output written")
        } else {
            f.write_str("interrupted; no output written")
        }
    }
}

impl std::error::Error for Interrupted {}
