//! Ctrl-C: a flag that long loops poll, so an interrupted run stops between events and
//! writes nothing.
//!
//! The flag is only ever set by the handler `main` installs; a library caller that never
//! installs it pays one relaxed load every 65,536 events and sees every run to the end.
//! Results of an interrupted run are partial, so the writers in [`crate::output`] refuse
//! to write them: the user keeps the previous output file, byte for byte.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Exit code of an interrupted run: 128 + SIGINT, what shells report for Ctrl-C.
pub const EXIT_CODE: u8 = 130;

/// Asks every running simulation to stop at its next check.
pub fn request() {
    REQUESTED.store(true, Ordering::Relaxed);
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

/// The run was stopped by Ctrl-C before its results were complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("interrupted; no output written")
    }
}

impl std::error::Error for Interrupted {}
