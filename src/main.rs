//! Entry point: parse the command line, run, print errors, choose the exit code.
//!
//! Exit codes: 0 success (a closed pipe included), 2 bad input or usage, 3 output
//! written but a `--fail-on` gate tripped, 4 a merge wrote the state of a search's next
//! round instead of the output, 130 stopped by Ctrl-C with nothing written,
//! 143 stopped by SIGTERM with nothing written, 1 anything else. Errors are printed here with their
//! causes, never as a backtrace, whatever RUST_BACKTRACE says.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;
use scalecost::cli::Cli;
use scalecost::error::InputError;
use scalecost::interrupt::{self, Interrupted};
use scalecost::text;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version go to standard output as clap writes them.
        Err(e) if !e.use_stderr() => e.exit(),
        // clap quotes the offending argument as typed, control characters included, and
        // passes escape sequences through on a terminal: printed plain and escaped.
        Err(e) => {
            eprint!("{}", text::escape_lines(&e.render().to_string()));
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    // Left to its default, Ctrl-C ends the process where it stands: the output file
    // survives (it is replaced by a rename), but a temporary file may be left beside it
    // and nothing says what happened. Instead the first Ctrl-C asks the simulations to
    // stop and the run to write nothing; a second one, for anything slow to notice,
    // exits at once. If the handler cannot be installed, the default remains.
    let _ = ctrlc::set_handler(|| {
        if interrupt::requested() {
            eprintln!("{Interrupted}");
            std::process::exit(interrupt::exit_code().into());
        }
        interrupt::request();
    });
    // SIGTERM (`timeout`, CI cancellation, `kill`) would end the process where it stands,
    // as SIGKILL does; it is treated as Ctrl-C is, with its own exit code.
    #[cfg(unix)]
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([signal_hook::consts::SIGTERM]) {
        std::thread::spawn(move || {
            for _ in signals.forever() {
                if interrupt::requested() {
                    eprintln!("{Interrupted}");
                    std::process::exit(interrupt::exit_code().into());
                }
                interrupt::request_with(interrupt::TERMINATED_EXIT_CODE);
            }
        });
    }
    match scalecost::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<scalecost::gates::Tripped>() => {
            for line in err.to_string().lines() {
                eprintln!("gate failed: {}", text::escape(line));
            }
            ExitCode::from(scalecost::gates::EXIT_CODE)
        }
        Err(err) if err.is::<scalecost::shard::AnotherRound>() => {
            eprintln!("{}", text::escape(&err.to_string()));
            ExitCode::from(scalecost::shard::ANOTHER_ROUND_EXIT_CODE)
        }
        Err(err) if err.chain().any(|c| c.is::<Interrupted>()) => {
            eprintln!("{Interrupted}");
            ExitCode::from(interrupt::exit_code())
        }
        Err(err) => {
            // `scalecost simulate ... | head` closes the pipe early: that is not a failure.
            if err
                .chain()
                .filter_map(|c| c.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            // A problem with the input is shown with the line of the file it is about.
            if let Some(input) = err.downcast_ref::<InputError>()
                && err.chain().count() == 1
            {
                eprint!("{}", input.render());
                return ExitCode::from(2);
            }
            // One problem per line, each with its own prefix, so every line stands alone
            // (and a scenario with five mistakes shows five errors). Messages quote what
            // the user wrote, keys and names included: escaped, so they cannot drive the
            // terminal.
            for line in format!("{err:#}").lines() {
                eprintln!("error: {}", text::escape(line));
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
