//! The one error type that means "the user's input is wrong" (exit code 2).

use std::fmt;

/// A problem with what the user gave us: a scenario, a flag, a path.
///
/// The message is complete and ready to print; it names the file, the place, the bad
/// value and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    message: String,
}

impl InputError {
    pub fn new(message: impl Into<String>) -> InputError {
        InputError {
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}
