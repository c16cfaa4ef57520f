//! Command-line interface: clap types only.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::report::Format;

/// What an AI service will cost per transaction as its load grows.
#[derive(Debug, Parser)]
#[command(name = "scalecost", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario at each load multiplier and report costs, latency and failures.
    Simulate(SimulateArgs),
    /// Check scenario files without running them.
    Validate {
        /// Scenario files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a commented starter scenario that runs as it is.
    Init {
        /// Where to write it.
        file: PathBuf,
        /// Overwrite the file if it exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// Load multipliers to simulate instead of the scenario's, e.g. 1,10,100.
    #[arg(long, value_delimiter = ',')]
    pub scales: Option<Vec<f64>>,
    /// Seed instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of standard output (replaced only when the run succeeds).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}
