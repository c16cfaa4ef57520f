//! scalecost: what an AI service will cost per transaction as its load grows.
//!
//! The data flows one way, and each arrow carries one typed value:
//!
//! ```text
//! scenario file ──scenario::load──▶ model::Scenario ──sim::simulate──▶ metrics::RunMetrics
//!     ──economics::evaluate──▶ economics::Economics ──report::render──▶ table | json | csv
//! ```
//!
//! [`run`] is that pipeline for the command line.

pub mod cli;
pub mod economics;
pub mod error;
pub mod metrics;
pub mod model;
pub mod output;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod time;

use std::io::Write;

use anyhow::Result;

use cli::{Cli, Command, SimulateArgs};
use error::InputError;

/// The starter scenario `scalecost init` writes.
pub const STARTER_SCENARIO: &str = include_str!("../scenarios/starter.yaml");

/// Runs one command line; errors carry [`InputError`] when the user's input is at fault.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Simulate(args) => simulate(args),
        Command::Validate { files } => validate(&files),
        Command::Init { file, force } => init(&file, force),
    }
}

fn simulate(args: SimulateArgs) -> Result<()> {
    let mut scenario = scenario::load(&args.scenario)?;
    if let Some(scales) = args.scales {
        scenario.scales = check_scales(scales)?;
    }
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    let report = runner::run_scenario(&scenario);
    let bytes = report::render(std::slice::from_ref(&report), args.format)?;
    output::emit(args.output.as_deref(), &bytes)
}

fn check_scales(scales: Vec<f64>) -> Result<Vec<f64>, InputError> {
    if scales.is_empty()
        || scales
            .iter()
            .any(|s| !(s.is_finite() && *s > 0.0 && *s <= 1e5))
    {
        return Err(InputError::new(format!(
            "--scales {scales:?}: each load multiplier must be above 0 and at most 100000, e.g. --scales 1,10,100"
        )));
    }
    Ok(scales)
}

fn validate(files: &[std::path::PathBuf]) -> Result<()> {
    let mut problems = Vec::new();
    let mut stdout = std::io::stdout().lock();
    for file in files {
        match scenario::load(file) {
            Ok(s) => writeln!(
                stdout,
                "{}: ok ({}, {} tiers, scales {:?})",
                file.display(),
                s.name,
                s.tiers.len(),
                s.scales
            )?,
            Err(e) => problems.push(e.to_string()),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(InputError::new(problems.join("\n")).into())
    }
}

fn init(file: &std::path::Path, force: bool) -> Result<()> {
    if file.exists() && !force {
        return Err(InputError::new(format!(
            "{}: the file exists; choose another name or pass --force to overwrite it",
            file.display()
        ))
        .into());
    }
    output::write_atomically(file, STARTER_SCENARIO.as_bytes())?;
    eprintln!(
        "wrote {}; run it with: scalecost simulate {}",
        file.display(),
        file.display()
    );
    Ok(())
}
