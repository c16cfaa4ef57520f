//! Entry point: parse the command line, run, print errors, choose the exit code.
//!
//! Exit codes: 0 success, 2 bad input or usage, 1 anything else. Errors are printed
//! here with their causes, never as a backtrace, whatever RUST_BACKTRACE says.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;
use scalecost::cli::Cli;
use scalecost::error::InputError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match scalecost::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `scalecost simulate ... | head` closes the pipe early: that is not a failure.
            if err
                .chain()
                .filter_map(|c| c.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            // One problem per line, each with its own prefix, so every line stands alone
            // (and a scenario with five mistakes shows five errors).
            for line in format!("{err:#}").lines() {
                eprintln!("error: {line}");
            }
            if err
                .chain()
                .any(|c| c.downcast_ref::<InputError>().is_some())
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
