//! scalecost: what an AI service will cost per transaction as its load grows.
//!
//! The data flows one way, and each arrow carries one typed value:
//!
//! ```text
//! scenario file ──scenario::load──▶ model::Scenario ──sim::simulate──▶ metrics::RunMetrics
//!     ──economics::evaluate──▶ economics::Economics ──report::render──▶ table | json | csv
//!                                                    ──report::plot───▶ png
//! ```
//!
//! [`run`] is that pipeline for the command line.

pub mod cli;
pub mod economics;
pub mod error;
pub mod interrupt;
pub mod metrics;
pub mod model;
pub mod output;
pub mod progress;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod study;
pub mod time;

use std::io::Write;

use anyhow::{Context, Result};
use rayon::prelude::*;

use cli::{Cli, Command, PlotArgs, SimulateArgs};
use error::InputError;

/// The starter scenario `scalecost init` writes.
pub const STARTER_SCENARIO: &str = include_str!("../scenarios/starter.yaml");

/// Runs one command line; errors carry [`InputError`] when the user's input is at fault.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Simulate(args) => with_threads(args.threads, || simulate(args)),
        Command::Plot(args) => with_threads(args.threads, || plot(args)),
        Command::Compare(args) => with_threads(args.study.threads, || compare(args)),
        Command::Sweep(args) => with_threads(args.study.threads, || sweep(args)),
        Command::Validate { files } => validate(&files),
        Command::Init { file, force } => init(&file, force),
    }
}

/// Runs `f` on a pool of `--jobs` threads, or on the default one-per-core pool.
fn with_threads(threads: cli::ThreadArgs, f: impl FnOnce() -> Result<()> + Send) -> Result<()> {
    match threads.jobs {
        None => f(),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build()
            .context("cannot start the worker threads")?
            .install(f),
    }
}

/// Checks where results and charts will go before any simulation time is spent.
fn check_destinations(
    output: Option<&std::path::Path>,
    plot: Option<&std::path::Path>,
) -> Result<()> {
    if let Some(path) = output {
        output::check_destination(path)?;
    }
    if let Some(dir) = plot {
        chart_folder(dir)?;
    }
    Ok(())
}

fn compare(args: cli::CompareArgs) -> Result<()> {
    let study = &args.study;
    check_destinations(study.output.as_deref(), study.plot.as_deref())?;
    let scenarios = args
        .scenarios
        .iter()
        .map(|file| load_scenario(file, study.scales.clone(), study.seed))
        .collect::<Result<Vec<_>>>()?;
    let progress = progress::Progress::new(study.threads.quiet);
    let comparison = study::compare(scenarios, study.replications, &progress);
    let bytes = report::render_comparison(&comparison, study.format)?;
    output::emit(study.output.as_deref(), &bytes)?;
    if let Some(dir) = &study.plot {
        write_charts(dir, &report::plot::render_comparison(&comparison)?)?;
    }
    Ok(())
}

fn sweep(args: cli::SweepArgs) -> Result<()> {
    let study = &args.study;
    check_destinations(study.output.as_deref(), study.plot.as_deref())?;
    let sets = args
        .set
        .iter()
        .map(|s| scenario::overrides::parse_set(s))
        .collect::<Result<Vec<_>, _>>()?;
    // Checks the file (and the scales) once, with line numbers, before the grid.
    load_scenario(&args.scenario, study.scales.clone(), study.seed)?;
    let text = scenario::read_text(&args.scenario)?;
    let shown = args.scenario.display().to_string();
    let stem = scenario::stem_of(&args.scenario);
    let scales = study.scales.clone().map(check_scales).transpose()?;
    let grid = scenario::overrides::grid(&sets);

    if grid.len() > 10_000 {
        return Err(InputError::new(format!(
            "--set: the grid has {} points; at most 10,000",
            grid.len()
        ))
        .into());
    }
    let points = grid
        .into_iter()
        .map(|values| {
            let overrides: Vec<(String, scenario::overrides::SetValue)> = sets
                .iter()
                .map(|s| s.path.clone())
                .zip(values.iter().cloned())
                .collect();
            let mut s = scenario::parse_with_overrides(&text, &shown, &stem, &overrides)?;
            if let Some(scales) = &scales {
                s.scales = scales.clone();
            }
            if let Some(seed) = study.seed {
                s.seed = seed;
            }
            Ok((values, s))
        })
        .collect::<Result<Vec<_>, InputError>>()?;
    let progress = progress::Progress::new(study.threads.quiet);
    let parameters = sets.into_iter().map(|s| s.path).collect();
    let result = study::sweep(parameters, points, study.replications, &progress);
    let bytes = report::render_sweep(&result, study.format)?;
    output::emit(study.output.as_deref(), &bytes)?;
    if let Some(dir) = &study.plot {
        write_charts(dir, &report::plot::render_sweep(&result)?)?;
    }
    Ok(())
}

fn simulate(args: SimulateArgs) -> Result<()> {
    check_destinations(args.output.as_deref(), args.plot.as_deref())?;
    let scenario = load_scenario(&args.scenario, args.scales, args.seed)?;
    let report = runner::run_scenario_with(&scenario, &progress::Progress::new(args.threads.quiet));

    let bytes = report::render(std::slice::from_ref(&report), args.format)?;
    output::emit(args.output.as_deref(), &bytes)?;
    if let Some(dir) = &args.plot {
        let charts = report::plot::render_all(std::slice::from_ref(&report), None)?;
        write_charts(dir, &charts)?;
    }
    Ok(())
}

/// Loads a scenario with the command line's scales and seed in place of its own.
fn load_scenario(
    path: &std::path::Path,
    scales: Option<Vec<f64>>,
    seed: Option<u64>,
) -> Result<model::Scenario> {
    // Scales from the command line replace the scenario's before it is checked, so the
    // checks that depend on them (how large a run is) see the ones that will run.
    let scales = scales.map(check_scales).transpose()?;
    let mut scenario = scenario::load_with_scales(path, scales.as_deref())?;
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    Ok(scenario)
}

fn plot(args: PlotArgs) -> Result<()> {
    chart_folder(&args.output)?;
    let scenarios = args
        .scenarios
        .iter()
        .map(|file| load_scenario(file, args.scales.clone(), args.seed))
        .collect::<Result<Vec<_>>>()?;
    if let Some(scale) = args.timeline_scale {
        check_timeline_scale(scale, &scenarios)?;
    }
    let progress = progress::Progress::new(args.threads.quiet);
    let run = |s: &model::Scenario| runner::run_scenario_with(s, &progress);
    // Scenarios run side by side unless a progress bar may be shown: bars of
    // simultaneous runs would fight over one line of the terminal.
    let reports: Vec<_> = if progress.may_show_bars() {
        scenarios.iter().map(run).collect()
    } else {
        scenarios.par_iter().map(run).collect()
    };
    let charts = report::plot::render_all(&reports, args.timeline_scale)?;
    write_charts(&args.output, &charts)
}

/// Makes sure `dir` is a folder charts can go in, creating it if needed, before any
/// simulation time is spent.
fn chart_folder(dir: &std::path::Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(InputError::new(format!(
            "{}: this is a file; charts go in a folder, e.g. {}",
            dir.display(),
            dir.with_extension("").join("charts").display()
        ))
        .into());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))
}

fn check_timeline_scale(scale: f64, scenarios: &[model::Scenario]) -> Result<(), InputError> {
    match scenarios.iter().find(|s| !s.scales.contains(&scale)) {
        None => Ok(()),
        Some(s) => {
            let scales: Vec<String> = s.scales.iter().map(|x| report::format::scale(*x)).collect();
            Err(InputError::new(format!(
                "--timeline-scale {scale}: {} runs at {}; choose one of those",
                s.name,
                scales.join(", ")
            )))
        }
    }
}

/// Writes each chart into `dir`, each file whole or not at all, and names it on stderr.
fn write_charts(dir: &std::path::Path, charts: &[report::plot::RenderedChart]) -> Result<()> {
    for chart in charts {
        let path = dir.join(&chart.file_name);
        output::write_atomically(&path, &chart.png)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
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
