//! scalecost: what an AI service will cost per transaction as its load grows.
//!
//! The data flows one way, and each arrow carries one typed value:
//!
//! ```text
//! scenario file(s) + CLI ──scenario::plan──▶ Plan (sealed: designs × scales × replications)
//!     ──runner::run──▶ outcome::ScaleResult per job (sim::simulate → economics::evaluate)
//!     ──outcome::build──▶ Outcome ──report::Exporter──▶ table | json | csv | markdown | html | png
//! ```
//!
//! Every command is a different plan, not a different pipeline. [`run`] is that
//! pipeline for the command line.

pub mod calendar;
pub mod catalogue;
pub mod cli;
pub mod economics;
pub mod error;
pub mod fit;
pub mod gates;
pub mod histogram;
pub mod interrupt;
pub mod metrics;
pub mod model;
pub mod outcome;
pub mod output;
pub mod progress;
pub mod report;
pub mod runner;
pub mod saved;
pub mod scenario;
pub mod shard;
pub mod sim;
pub mod stats;
pub mod text;
pub mod time;
pub mod trace;
pub mod work;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use cli::{Cli, Command};
use error::InputError;
use report::{Artifact, Exporter, Format};
use scenario::plan::{self, Overrides, Plan};

/// The starter scenario `scalecost init` writes.
pub const STARTER_SCENARIO: &str = include_str!("../scenarios/starter.yaml");

/// Runs one command line; errors carry [`InputError`] when the user's input is at fault.
pub fn run(cli: Cli) -> Result<()> {
    let wide = cli.wide;
    let mut job = match cli.command {
        Command::Validate { files } => return validate(&files),
        Command::Prices(a) => return prices(&a),
        Command::Schema => return write_main(None, vec![Artifact::main(scenario::schema())]),
        Command::Init { file, force } => return init(&file, force),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "scalecost", &mut std::io::stdout());
            return Ok(());
        }
        Command::Man => {
            let page = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
            let mut bytes = Vec::new();
            page.render(&mut bytes)?;
            std::io::Write::write_all(&mut std::io::stdout(), &bytes)?;
            return Ok(());
        }
        Command::Merge(args) => return merge(&args),
        Command::Fit(args) => return fit(&args),
        Command::Diff(a) => match (saved::read(&a.base)?, saved::read(&a.head)?) {
            (Some(base), Some(new)) => return diff_saved(&a, &base, &new),
            (None, None) => Job::of(Command::Diff(a))?,
            (saved, _) => {
                let (result, scenario) = if saved.is_some() {
                    (&a.base, &a.head)
                } else {
                    (&a.head, &a.base)
                };
                return Err(InputError::new(format!(
                    "{} is a saved result and {} a scenario; diff compares two saved results (simulate --format json -o FILE) or two scenarios",
                    result.display(),
                    scenario.display()
                ))
                .into());
            }
        },
        other => Job::of(other)?,
    };
    job.table_width = table_width(wide, job.output.as_deref());
    job.check_destinations()?;
    if let Some(shard) = job.shard {
        return run_shard(&job, shard);
    }
    let plan = job.plan()?;
    let outcome = with_threads(job.jobs, || {
        runner::run(&plan, &progress::Progress::new(job.quiet))
    })?;
    job.deliver(&outcome)
}

/// `--shard`: runs this shard's runs of the plan and writes them, with what rebuilds
/// the plan, as a partial result for `scalecost merge`.
fn run_shard(job: &Job, arg: shard::ShardArg) -> Result<()> {
    let shard = shard::resolve(arg, &|name| {
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    })?;
    let args = shard::recorded_args(&job.command)?;
    let (plan, files) = scenario::source::files::recording(|| job.plan_share(shard));
    let plan = plan?;
    let version = env!("CARGO_PKG_VERSION");
    let fingerprint = shard::fingerprint(version, &shard::plan_options(&job.command), &files);
    let (jobs, round, state) = if runner::adapts(&plan) {
        round_jobs(&plan, job.round.as_deref(), &fingerprint)?
    } else {
        if job.round.is_some() {
            return Err(InputError::new(
                "--round: this command does not search in rounds (optimize, crossover and \
                 a break-even search do); its runs are known from its plan, so its shards \
                 need no state",
            )
            .into());
        }
        (shard::jobs(&plan), 0, None)
    };
    let mine: Vec<(usize, plan::Job)> = jobs
        .iter()
        .copied()
        .enumerate()
        .filter(|(i, _)| shard.holds(*i))
        .collect();
    let todo: Vec<plan::Job> = mine.iter().map(|(_, j)| *j).collect();
    let progress = progress::Progress::new(job.quiet);
    let what = format!(
        " in shard {} of {} ({} of {} runs)",
        shard.index,
        shard.count,
        todo.len(),
        jobs.len()
    );
    let runs = with_threads(job.jobs, || {
        let bar = progress.bar_for(&plan, &todo, &what);
        let runs = runner::run_jobs(&plan, &todo, &|| bar.run_done());
        bar.finish();
        runs
    })?;
    let part = shard::Part {
        format: shard::PART_FORMAT.to_string(),
        version: version.to_string(),
        fingerprint,
        shard: shard.index,
        shards: shard.count,
        round,
        state,
        runs_total: jobs.len(),
        args,
        files,
        runs: mine
            .into_iter()
            .zip(runs)
            .map(|((index, j), run)| shard::PartRun {
                index,
                design: j.design,
                scale: j.scale,
                replication: j.replication,
                run,
            })
            .collect(),
    };
    let bytes = shard::encode(&part)?;
    write_main(
        job.output.as_deref(),
        vec![Artifact {
            file_name: None,
            bytes,
        }],
    )
}

/// The runs of the round of an adaptive search that the state at `round` leads to (the
/// first round without one): the search replayed on the state's runs asks for them.
/// Returns them with the round's number and the state's id.
fn round_jobs(
    plan: &Plan,
    round: Option<&Path>,
    fingerprint: &str,
) -> Result<(Vec<plan::Job>, u64, Option<String>)> {
    let (known, number, id) = match round {
        None => (Vec::new(), 0, None),
        Some(path) => {
            let state = shard::read_state(path)?;
            shard::check_state_plan(path, &state, fingerprint)?;
            let (number, id) = (state.round, state.id.clone());
            (state.known(), number, Some(id))
        }
    };
    match runner::search_from(plan, known) {
        Err(next) if next.round == number => Ok((next.jobs, number, id)),
        // The merge writes a state only when the search needs another round, and a
        // state's runs are checked against its id, so this is a state of another plan.
        _ => Err(InputError::new(format!(
            "{}: the search replayed on its runs does not lead to round {number}; give the \
             state `scalecost merge --next-round` wrote for this command",
            round.map_or("--round".to_string(), |p| text::escape(
                &p.display().to_string()
            )
            .into_owned())
        ))
        .into()),
    }
}

/// `scalecost merge PART...`: checks the parts are every shard of one plan, rebuilds
/// that plan from the command line and files they carry, and finishes it as the
/// unsharded command does; for a search in rounds, either that or the state of its
/// next round.
fn merge(args: &cli::MergeArgs) -> Result<()> {
    let parts = shard::check(shard::read_parts(&args.parts)?)?;
    let stored = &parts[0].1;
    let command = shard::parse_command(&stored.args).map_err(InputError::new)?;
    let files = stored.files.clone();
    let fingerprint = stored.fingerprint.clone();
    let mut job = Job::of(command)?;
    job.shard = None;
    job.format = Some(format_for(args.format, args.output.as_deref()));
    job.output = args.output.clone();
    job.charts = args.plot.clone();
    job.plot_format = args.plot_format;
    (job.jobs, job.quiet) = (args.threads.jobs, args.threads.quiet);
    job.check_destinations()?;
    if let Some(path) = &args.next_round {
        output::check_destination(path)?;
    }
    // The shards made the runs; the merge holds all their results.
    let plan = scenario::source::files::serving(files, || job.unchecked_plan())?;
    plan.check_work_made(Some((0, String::new())))?;
    if !runner::adapts(&plan) {
        if let Some(flag) = [("--round", &args.round), ("--next-round", &args.next_round)]
            .iter()
            .find_map(|(flag, v)| v.is_some().then_some(flag))
        {
            return Err(InputError::new(format!(
                "{flag}: this command does not search in rounds (optimize, crossover and a \
                 break-even search do); these parts are a whole plan's runs"
            ))
            .into());
        }
        let (runs, ahead) = shard::runs(&plan, parts)?;
        let outcome = with_threads(job.jobs, || runner::finish(&plan, runs, ahead))?;
        return job.deliver(&outcome);
    }
    let state = match &args.round {
        Some(path) => Some((path.as_path(), shard::read_state(path)?)),
        None => None,
    };
    shard::check_round(&parts, state.as_ref().map(|(p, s)| (*p, s)))?;
    let (jobs, round, _) = round_jobs(&plan, args.round.as_deref(), &fingerprint)?;
    let runs = shard::runs_of(&jobs, parts)?;
    let mut known = state.map_or(Vec::new(), |(_, s)| s.known());
    known.extend(jobs.into_iter().zip(runs));
    match with_threads(job.jobs, || runner::search_from(&plan, known.clone()))? {
        Ok(outcome) => job.deliver(&outcome),
        Err(next) => {
            let Some(path) = &args.next_round else {
                return Err(InputError::new(format!(
                    "round {round} merged, and the search needs round {} ({}): give \
                     --next-round STATE for the merge to write the state its shards start \
                     from",
                    next.round,
                    runs_noun(next.jobs.len())
                ))
                .into());
            };
            let state = shard::RoundState::new(&fingerprint, next.round, known)?;
            output::write_atomically(path, &state.encode()?)?;
            let shown = text::escape(&path.display().to_string()).into_owned();
            Err(shard::AnotherRound {
                message: format!(
                    "round {round} merged; the search needs round {} ({}): run its shards \
                     with --round {shown}, then merge them with --round {shown}",
                    next.round,
                    runs_noun(next.jobs.len())
                ),
            }
            .into())
        }
    }
}

fn runs_noun(n: usize) -> String {
    format!("{n} run{}", if n == 1 { "" } else { "s" })
}

/// A command that runs simulations, with where its results go.
struct Job {
    command: Command,
    /// The main output's format; none for `plot`, which only draws.
    format: Option<Format>,
    output: Option<PathBuf>,
    charts: Option<PathBuf>,
    timeline_scale: Option<f64>,
    plot_format: report::plot::PlotFormat,
    /// What a sweep's chart draws (`--chart-figures`).
    chart_figures: Option<Vec<report::plot::SweepFigure>>,
    jobs: Option<u16>,
    quiet: bool,
    /// Widest the terminal table may be; none for the whole table.
    table_width: Option<usize>,
    /// `--fail-on` conditions, judged once the output is written.
    fail_on: Vec<gates::Gate>,
    /// `--shard`: run one shard of the plan and write a partial result instead.
    shard: Option<shard::ShardArg>,
    /// `--round`: the state whose round of the search the shard runs.
    round: Option<PathBuf>,
}

impl Job {
    fn of(command: Command) -> Result<Job> {
        let mut job = Job {
            command: Command::Validate { files: Vec::new() },
            format: None,
            output: None,
            charts: None,
            timeline_scale: None,
            plot_format: report::plot::PlotFormat::Png,
            chart_figures: None,
            jobs: None,
            quiet: false,
            table_width: None,
            fail_on: Vec::new(),
            shard: None,
            round: None,
        };
        match &command {
            Command::Simulate(a) => {
                job.format = Some(format_for(a.format, a.output.as_deref()));
                job.output = a.output.clone();
                job.charts = a.plot.clone();
                job.plot_format = a.plot_format;
                (job.jobs, job.quiet) = (a.threads.jobs, a.threads.quiet);
                job.fail_on = a.fail_on.clone();
                job.shard = a.shard;
                job.round = a.round.clone();
                refuse_with_shard(a.shard, a.format, a.plot.as_deref())?;
            }
            Command::Plot(a) => {
                job.charts = Some(a.output.clone());
                job.timeline_scale = a.timeline_scale;
                job.plot_format = a.plot_format;
                (job.jobs, job.quiet) = (a.threads.jobs, a.threads.quiet);
            }
            Command::Compare(cli::CompareArgs { study, .. })
            | Command::Sweep(cli::SweepArgs { study, .. })
            | Command::Optimize(cli::OptimizeArgs { study, .. })
            | Command::Crossover(cli::CrossoverArgs { study, .. })
            | Command::Sensitivity(cli::SensitivityArgs { study, .. }) => {
                job.format = Some(format_for(study.format, study.output.as_deref()));
                job.output = study.output.clone();
                job.charts = study.plot.clone();
                job.plot_format = study.plot_format;
                if let Command::Sweep(a) = &command {
                    job.chart_figures = a.chart_figures.clone();
                }
                (job.jobs, job.quiet) = (study.threads.jobs, study.threads.quiet);
                job.fail_on = study.fail_on.clone();
                job.shard = study.shard;
                job.round = study.round.clone();
                refuse_with_shard(study.shard, study.format, study.plot.as_deref())?;
            }
            Command::Diff(a) => {
                job.format = Some(format_for(a.format, a.output.as_deref()));
                job.output = a.output.clone();
                (job.jobs, job.quiet) = (a.threads.jobs, a.threads.quiet);
                job.fail_on = a.fail_on.clone();
            }
            Command::Validate { .. }
            | Command::Init { .. }
            | Command::Completions { .. }
            | Command::Merge(_)
            | Command::Man
            | Command::Prices(_)
            | Command::Fit(_)
            | Command::Schema => {}
        }
        // The decision commands try failing designs on purpose; a gate over every design
        // they tried would trip on the search itself.
        if !job.fail_on.is_empty()
            && matches!(
                command,
                Command::Optimize(_) | Command::Crossover(_) | Command::Sensitivity(_)
            )
        {
            return Err(InputError::new(format!(
                "--fail-on {}: gates apply to simulate, compare, sweep and diff, whose every \
                 result is a design you run; run the design optimize, crossover or \
                 sensitivity points to with `scalecost simulate --fail-on ...`",
                job.fail_on[0]
            ))
            .into());
        }
        if let Some(gate) = job
            .fail_on
            .iter()
            .find(|g| matches!(g, gates::Gate::Delta(_)))
            && !matches!(command, Command::Compare(_))
        {
            return Err(InputError::new(format!(
                "--fail-on {gate}: only compare has a baseline to measure a delta against; \
                 for diff use --fail-on cost-per-transaction>X on HEAD's figures"
            ))
            .into());
        }
        job.command = command;
        Ok(job)
    }

    /// Writes the outcome in the job's format and its charts, then judges its gates.
    fn deliver(&self, outcome: &outcome::Outcome) -> Result<()> {
        if let Some(format) = self.format {
            let table = report::table::Table {
                width: self.table_width,
            };
            let exporter: &dyn report::Exporter = match format {
                Format::Table => &table,
                other => report::exporter(other),
            };
            write_main(self.output.as_deref(), exporter.export(outcome)?)?;
        }
        if let Some(dir) = &self.charts {
            let charts = report::plot::Charts {
                timeline_scale: self.timeline_scale,
                format: self.plot_format,
                figures: self.chart_figures.clone(),
            };
            write_charts(dir, charts.export(outcome)?, self.quiet)?;
        }
        // Gates are judged after everything is written: a failing build still gets its report.
        let tripped = gates::check(&self.fail_on, outcome);
        if !tripped.is_empty() {
            return Err(gates::Tripped(tripped).into());
        }
        Ok(())
    }

    /// Checks where results and charts will go before any simulation time is spent.
    fn check_destinations(&self) -> Result<()> {
        if let Some(path) = &self.output {
            output::check_destination(path)?;
        }
        if let Some(dir) = &self.charts {
            chart_folder(dir)?;
        }
        Ok(())
    }

    /// The command as a sealed plan: every scenario read, changed and checked.
    fn plan(&self) -> Result<Plan> {
        let plan = self.unchecked_plan()?;
        plan.check_work()?;
        Ok(plan)
    }

    /// [`Job::plan`] for one shard, whose limit on runs is on the runs it makes.
    fn plan_share(&self, shard: shard::Shard) -> Result<Plan> {
        let plan = self.unchecked_plan()?;
        let made = (0..shard::jobs(&plan).len())
            .filter(|&i| shard.holds(i))
            .count();
        let share = format!(" in shard {} of {}", shard.index, shard.count);
        plan.check_work_made(Some((made, share)))?;
        Ok(plan)
    }

    /// The plan before the limits on its work are checked.
    fn unchecked_plan(&self) -> Result<Plan> {
        let plan = match &self.command {
            Command::Simulate(a) => {
                let plan = plan::simulate(
                    &a.scenario,
                    &overrides(a.scales.clone(), a.seed),
                    a.replications,
                )?;
                if a.no_break_even {
                    plan.without_break_even()
                } else {
                    plan
                }
            }
            Command::Plot(a) => {
                let plan = plan::plot(&a.scenarios, &overrides(a.scales.clone(), a.seed))?;
                if let Some(scale) = a.timeline_scale {
                    check_timeline_scale(scale, &plan)?;
                }
                plan
            }
            Command::Compare(a) => plan::compare(
                &a.scenarios,
                &overrides(a.study.scales.clone(), a.study.seed),
                a.study.replications,
                a.own_load,
                &a.exchange_rates,
            )?,
            Command::Sweep(a) => {
                let sets = a
                    .set
                    .iter()
                    .map(|s| scenario::overrides::parse_set(s))
                    .collect::<Result<Vec<_>, _>>()?;
                plan::sweep(
                    &a.scenario,
                    &sets,
                    &overrides(a.study.scales.clone(), a.study.seed),
                    a.study.replications,
                )?
            }
            Command::Optimize(a) => {
                let vary = a
                    .vary
                    .iter()
                    .map(|s| scenario::overrides::parse_values("--vary", s))
                    .collect::<Result<Vec<_>, _>>()?;
                plan::optimize(
                    &a.scenario,
                    &vary,
                    &a.alternatives,
                    &overrides(a.study.scales.clone(), a.study.seed),
                    a.study.replications,
                )?
            }
            Command::Crossover(a) => plan::crossover(
                &a.first,
                &a.second,
                &overrides(a.study.scales.clone(), a.study.seed),
                a.study.replications,
            )?,
            Command::Diff(a) => plan::diff(
                &a.base,
                &a.head,
                &overrides(a.scales.clone(), a.seed),
                &a.exchange_rates,
            )?,
            Command::Sensitivity(a) => plan::sensitivity(
                &a.scenario,
                &a.vary,
                a.by,
                &overrides(a.study.scales.clone(), a.study.seed),
                a.study.replications,
            )?,
            Command::Validate { .. }
            | Command::Init { .. }
            | Command::Completions { .. }
            | Command::Merge(_)
            | Command::Man
            | Command::Prices(_)
            | Command::Fit(_)
            | Command::Schema => {
                unreachable!("validate and init run no simulations")
            }
        };
        Ok(plan)
    }
}

/// A shard writes a partial result, whatever the format; the output and charts are the
/// merge's to write.
fn refuse_with_shard(
    shard: Option<shard::ShardArg>,
    format: Option<Format>,
    plot: Option<&Path>,
) -> Result<(), InputError> {
    if shard.is_none() {
        return Ok(());
    }
    if format.is_some() {
        return Err(InputError::new(
            "--shard with --format: a shard writes a partial result (JSON) for `scalecost \
             merge`; give --format to the merge",
        ));
    }
    if plot.is_some() {
        return Err(InputError::new(
            "--shard with --plot: a shard draws no charts; give --plot to `scalecost merge`",
        ));
    }
    Ok(())
}

/// The format asked for, or the one `-o`'s extension names (`.json`, `.csv`, `.md`,
/// `.html`), or
/// the table: `-o out.csv` alone should not write a box-drawing table into a CSV file.
fn format_for(asked: Option<Format>, output: Option<&Path>) -> Format {
    asked.unwrap_or_else(|| {
        match output
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("json") => Format::Json,
            Some("csv") => Format::Csv,
            Some("md" | "markdown") => Format::Markdown,
            Some("html" | "htm") => Format::Html,
            _ => Format::Table,
        }
    })
}

fn overrides(scales: Option<Vec<f64>>, seed: Option<u64>) -> Overrides {
    Overrides { scales, seed }
}

/// Runs `f` on a pool of `--jobs` threads, or on the default one-per-core pool.
fn with_threads<T: Send>(jobs: Option<u16>, f: impl FnOnce() -> T + Send) -> Result<T> {
    match jobs {
        None => Ok(f()),
        Some(n) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build()
            .context("cannot start the worker threads")?
            .install(f)),
    }
}

/// Writes the main output to `path`, or to standard output.
/// `scalecost fit`: one pass over the trace, the fitted workload as YAML, and the chart.
fn fit(args: &cli::FitArgs) -> Result<()> {
    use std::io::BufRead;
    let shown = args.trace.display().to_string();
    let open = || {
        std::fs::File::open(&args.trace)
            .map(|f| std::io::BufReader::with_capacity(64 * 1024, f))
            .map_err(|e| InputError::new(format!("{shown}: cannot read the trace: {e}")))
    };
    if !(args.users.is_finite() && args.users > 0.0 && args.users <= 1e10) {
        return Err(InputError::new(format!(
            "--users {}: must be above 0 and at most 1e10",
            args.users
        ))
        .into());
    }
    let format = match args.trace_format {
        Some(cli::TraceFormat::Azure) => trace::Format::Azure,
        Some(cli::TraceFormat::Mooncake) => trace::Format::Mooncake,
        Some(cli::TraceFormat::Burstgpt) => trace::Format::Burstgpt,
        None => {
            let mut first = String::new();
            open()?
                .read_line(&mut first)
                .map_err(|e| InputError::new(format!("{shown}: cannot read the trace: {e}")))?;
            trace::Format::detect(&first).ok_or_else(|| {
                InputError::new(format!(
                    "{shown}:1: the first line is no header of a known trace format; give --trace-format azure, mooncake or burstgpt"
                ))
            })?
        }
    };
    if let Some(chart) = &args.chart {
        // Checked as every other destination is: the chart is written by the same
        // `output::emit`, which follows symbolic links and leaves devices alone.
        output::check_destination(chart)?;
    }
    let fitted = fit::fit(open()?, format, &shown).map_err(InputError::new)?;
    let yaml = fit::to_yaml(&fitted, &shown, args.users);
    output::emit(args.output.as_deref(), yaml.as_bytes())?;
    if let Some(chart) = &args.chart {
        let svg = chart
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        let bytes = report::plot::fit_chart(&fitted, &shown, svg)?;
        output::emit(Some(chart), &bytes)?;
    }
    Ok(())
}

fn write_main(path: Option<&Path>, artifacts: Vec<Artifact>) -> Result<()> {
    for artifact in artifacts {
        output::emit(path, &artifact.bytes)?;
    }
    Ok(())
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
    std::fs::create_dir_all(dir).map_err(|e| {
        InputError::new(format!(
            "{}: cannot create the folder for the charts: {e}; create it or choose another folder",
            dir.display()
        ))
    })?;
    output::check_writable(dir, &dir.display().to_string())?;
    Ok(())
}

fn check_timeline_scale(scale: f64, plan: &Plan) -> Result<(), InputError> {
    match plan
        .designs()
        .iter()
        .map(|d| d.scenario())
        .find(|s| !s.scales().contains(&scale))
    {
        None => Ok(()),
        Some(s) => {
            let scales: Vec<String> = s
                .scales()
                .iter()
                .map(|x| report::format::scale(*x))
                .collect();
            Err(InputError::new(format!(
                "--timeline-scale {scale}: {} runs at {}; choose one of those",
                s.name(),
                scales.join(", ")
            )))
        }
    }
}

/// Writes each chart into `dir`, each file whole or not at all, and names it on stderr.
fn write_charts(dir: &Path, charts: Vec<Artifact>, quiet: bool) -> Result<()> {
    for chart in charts {
        let path = dir.join(chart.file_name.as_deref().unwrap_or("chart.png"));
        output::write_atomically(&path, &chart.bytes)?;
        if !quiet {
            eprintln!("wrote {}", text::escape(&path.display().to_string()));
        }
    }
    Ok(())
}

fn validate(files: &[std::path::PathBuf]) -> Result<()> {
    let mut problems = Vec::new();
    let mut stdout = std::io::stdout().lock();
    for file in files {
        match scenario::load(file) {
            Ok(s) => {
                writeln!(
                    stdout,
                    "{}: ok ({}, {} tiers, scales {:?})",
                    text::escape(&file.display().to_string()),
                    text::escape(s.name()),
                    s.tiers().len(),
                    s.scales()
                )?;
                // Allowed but doubtful (a price 1000× the catalogue's): said, not refused.
                for warning in s.warnings() {
                    eprintln!("warning: {}", text::escape(warning));
                }
            }
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(InputError::combine(problems).into())
    }
}

/// Narrowest width a table is split to fit; below it, splitting helps no one.
const MIN_TABLE_WIDTH: usize = 40;

/// How wide the terminal table may be: unlimited with `--wide` or `-o FILE`; else
/// COLUMNS when it is set to a number, else the width of the terminal standard output
/// is; unlimited when standard output is not a terminal, so scripts that read the
/// table get it whole, as before.
fn table_width(wide: bool, output: Option<&Path>) -> Option<usize> {
    if wide || output.is_some_and(|p| p != Path::new("-")) {
        return None;
    }
    let columns = match std::env::var("COLUMNS") {
        Ok(v) => v.trim().parse::<usize>().ok(),
        Err(_) => terminal_columns(),
    };
    columns.filter(|&c| c > 0).map(|c| c.max(MIN_TABLE_WIDTH))
}

/// The width of the terminal standard output is, if it is one.
#[cfg(unix)]
fn terminal_columns() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    // SAFETY: TIOCGWINSZ only fills in the `winsize` passed to it, which lives on this
    // stack frame for the call; a failure leaves it zeroed and returns -1.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let done = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    (done == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

#[cfg(not(unix))]
fn terminal_columns() -> Option<usize> {
    None
}

/// `scalecost diff BASE.json NEW.json`: two saved results compared, nothing simulated.
fn diff_saved(
    a: &cli::DiffArgs,
    base: &saved::SavedResult,
    new: &saved::SavedResult,
) -> Result<()> {
    let only_for_scenarios = [
        (a.scales.is_some(), "--scales"),
        (a.seed.is_some(), "--seed"),
        (!a.exchange_rates.is_empty(), "--exchange-rate"),
        (!a.fail_on.is_empty(), "--fail-on"),
    ];
    if let Some((_, flag)) = only_for_scenarios.iter().find(|(given, _)| *given) {
        return Err(InputError::new(format!(
            "{flag} applies when diff runs two scenarios; saved results are compared as they were saved"
        ))
        .into());
    }
    if let Some(path) = &a.output {
        output::check_destination(path)?;
    }
    let diff = saved::compare(
        &a.base.display().to_string(),
        base,
        &a.head.display().to_string(),
        new,
    )?;
    let bytes = report::saved_diff::render(&diff, format_for(a.format, a.output.as_deref()))?;
    write_main(a.output.as_deref(), vec![Artifact::main(bytes)])
}

/// `scalecost prices`: the built-in lists, in the format asked for.
fn prices(a: &cli::PricesArgs) -> Result<()> {
    if let Some(path) = &a.output {
        output::check_destination(path)?;
    }
    let query = a.query.join(" ");
    let query = (!query.trim().is_empty()).then_some(query.as_str());
    let format = format_for(a.format, a.output.as_deref());
    let bytes = if a.instances {
        report::prices::instances(&catalogue::instance_listing(query), format)?
    } else {
        report::prices::models(&catalogue::model_listing(query), format)?
    };
    write_main(a.output.as_deref(), vec![Artifact::main(bytes)])
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
        text::escape(&file.display().to_string()),
        text::escape(&file.display().to_string())
    );
    Ok(())
}
