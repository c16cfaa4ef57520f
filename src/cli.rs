//! Command-line interface: clap types only.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::report::Format;
use crate::scenario::plan::{Assumed, ExchangeRate};

/// What an AI service will cost per transaction as its load grows.
#[derive(Clone, Debug, Parser)]
#[command(name = "scalecost", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print each table whole, however wide. Otherwise a table wider than the terminal
    /// (COLUMNS, or the terminal's width) is split into tables that fit; output that
    /// goes to a file or a pipe without COLUMNS set is never split.
    #[arg(long, global = true)]
    pub wide: bool,
}

#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario at each load multiplier and report costs, latency and failures.
    #[command(
        after_help = "Examples:\n  scalecost simulate scenarios/starter.yaml\n  scalecost simulate my-service.yaml --scales 1,10,100 --format json -o results.json\n  scalecost simulate my-service.yaml --replications 5 --fail-on slo --fail-on 'cost-per-transaction>0.02'\n  generate-scenario | scalecost simulate - --format csv"
    )]
    Simulate(SimulateArgs),
    /// Simulate scenarios and draw their cost, latency and load as PNG charts.
    #[command(
        after_help = "Examples:\n  scalecost plot scenarios/starter.yaml -o charts\n  scalecost plot a.yaml b.yaml -o charts --scales 1,10,100"
    )]
    Plot(PlotArgs),
    /// Run several scenarios on the same load and compare them side by side.
    #[command(
        after_help = "Examples:\n  scalecost compare scenarios/support-chatbot.yaml my-variant.yaml --replications 5\n  scalecost compare a.yaml b.yaml --format markdown -o comparison.md --fail-on slo"
    )]
    Compare(CompareArgs),
    /// Run one scenario over a grid of field values set with --set.
    #[command(
        after_help = "Examples:\n  scalecost sweep scenarios/starter.yaml --set cache.hit_rate=0..0.9:0.1\n  scalecost sweep chat.yaml --set tiers.gpu.instances=1..16:1 --replications 5 --shard 3/8 -o part-3.json"
    )]
    Sweep(SweepArgs),
    /// Find, at each scale, the cheapest configuration that meets the scenario's SLO.
    #[command(
        after_help = "Examples:\n  scalecost optimize scenarios/starter.yaml --vary tiers.small.autoscaling.max=1..8:1 --scales 10,100"
    )]
    Optimize(OptimizeArgs),
    /// Find the loads (users) at which two designs cost the same per month.
    #[command(
        after_help = "Examples:\n  scalecost crossover scenarios/starter.yaml api-only.yaml --scales 0.1,1,10"
    )]
    Crossover(CrossoverArgs),
    /// Move each assumption down and up and rank them by how much they move the cost.
    #[command(
        after_help = "Examples:\n  scalecost sensitivity scenarios/support-chatbot.yaml --by 0.2"
    )]
    Sensitivity(SensitivityArgs),
    /// Run two scenarios on the same load and show each cost line's monthly change,
    /// BASE to HEAD, with the totals, cost per transaction, p99 and success rate; or
    /// compare two results saved with `simulate --format json -o FILE`, per scale and
    /// cost line, without simulating.
    #[command(
        after_help = "Examples:\n  scalecost diff scenarios/support-chatbot.yaml cheaper-model.yaml --scales 1\n  scalecost diff main.yaml branch.yaml --format markdown -o cost-change.md\n  scalecost diff last-week.json today.json"
    )]
    Diff(DiffArgs),
    /// Join the partial results of a sharded run (`--shard K/N`) into the output the
    /// command would have written unsharded, byte for byte.
    #[command(
        after_help = "Examples:\n  scalecost merge part-*.json --format json -o sweep.json\n  scalecost merge round-2/part-*.json --round state-2.json --next-round state-3.json -o best.json"
    )]
    Merge(MergeArgs),
    /// Check scenario files without running them.
    #[command(
        after_help = "Examples:\n  scalecost validate scenarios/*.yaml\n  generate-scenario | scalecost validate -"
    )]
    Validate {
        /// Scenario files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a commented starter scenario that runs as it is.
    #[command(
        after_help = "Examples:\n  scalecost init my-service.yaml && scalecost simulate my-service.yaml"
    )]
    Init {
        /// Where to write it.
        file: PathBuf,
        /// Overwrite the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script, e.g. `scalecost completions bash > /etc/bash_completion.d/scalecost`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `scalecost man > scalecost.1 && man ./scalecost.1`.
    Man,
    /// List the built-in prices: LiteLLM's model catalogue, per 1M and per 1k tokens
    /// (e.g. `scalecost prices gpt-4o`), or with --instances the GPU instances.
    Prices(PricesArgs),
    /// Print the JSON Schema of the scenario format, for editors and CI checks, e.g.
    /// `scalecost schema > scalecost.schema.json`.
    Schema,
    /// Fit a scenario's `workload` section to a request trace, each figure with how well
    /// it fits, as YAML.
    #[command(
        after_help = "Examples:\n  scalecost fit scenarios/traces/azure.csv\n  scalecost fit requests.jsonl --trace-format mooncake --users 5000 -o workload.yaml --chart rate.png"
    )]
    Fit(FitArgs),
}

#[derive(Clone, Debug, clap::Args)]
pub struct FitArgs {
    /// The trace file (Azure or BurstGPT CSV, Mooncake JSON lines).
    pub trace: PathBuf,
    /// Its format (default: told from its first line).
    #[arg(long, value_enum)]
    pub trace_format: Option<TraceFormat>,
    /// The users the fitted rate is divided among (requests_per_user_per_day).
    #[arg(long, default_value_t = 1000.0)]
    pub users: f64,
    /// Write the YAML to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also draw the trace's hourly rate against the fitted profile (.png or .svg).
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
}

/// The trace formats `fit` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceFormat {
    Azure,
    Mooncake,
    Burstgpt,
}

#[derive(Clone, Debug, clap::Args)]
pub struct PricesArgs {
    /// Words every listed name contains (any case), e.g. `claude sonnet`; none: all.
    pub query: Vec<String>,
    /// List the GPU instances (`instance:` in a self-hosted or batched tier) instead.
    #[arg(long)]
    pub instances: bool,
    /// Output format (default: from the extension of --output, .json, .csv, .md or .html, else table).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Debug, clap::Args)]
pub struct SimulateArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// Load multipliers to simulate instead of the scenario's, e.g. 1,10,100.
    #[arg(long, value_delimiter = ',')]
    pub scales: Option<Vec<f64>>,
    /// Seed instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format (default: from the extension of --output, .json, .csv, .md or .html, else table).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to this file instead of standard output (replaced only when the run succeeds).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also draw the charts of `scalecost plot` into this folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// File format of the charts: png, or svg (vector, for documentation sites and slides).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = crate::report::plot::PlotFormat::Png)]
    pub plot_format: crate::report::plot::PlotFormat,
    /// Independent runs per scale; the headline figures then carry a 95% confidence
    /// interval, and the full table shows the first run.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub replications: u64,
    /// Run only shard K of N (K from 0) of the plan's runs and write them as a partial
    /// result (JSON) for `scalecost merge`. `--shard N` takes K from the first of
    /// SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX and AWS_BATCH_JOB_ARRAY_INDEX that is set.
    #[arg(long, value_name = "K/N", value_parser = crate::shard::parse_arg)]
    pub shard: Option<crate::shard::ShardArg>,
    /// With --shard, for a scenario whose break-even is searched: run this shard of the
    /// round of the search that STATE (written by `scalecost merge --next-round STATE`)
    /// leads to; without it, the first round.
    #[arg(long, value_name = "STATE", requires = "shard")]
    pub round: Option<PathBuf>,
    /// Exit with code 3, after writing the output, when a condition holds at any scale:
    /// slo, degraded, budget, cost-per-transaction>X, monthly-cost>X, error-rate>X.
    /// Repeatable.
    #[arg(long = "fail-on", value_name = "GATE", value_parser = crate::gates::parse)]
    pub fail_on: Vec<crate::gates::Gate>,
    /// Simulate the scales only, without searching for the break-even user count
    /// (faster; for scripts that read the scales' figures).
    #[arg(long)]
    pub no_break_even: bool,
    #[command(flatten)]
    pub threads: ThreadArgs,
}

/// How many threads run the simulations, and whether to show progress.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ThreadArgs {
    /// Most threads to run simulations on (default: one per core). Results are the same
    /// whatever the number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// No progress bar or notices on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Clone, Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario files; the first is the baseline. All run at its scales, its seed and
    /// (unless --own-load) its users.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Keep each scenario's own users instead of the baseline's; rows at one scale are
    /// then different loads, and say so.
    #[arg(long)]
    pub own_load: bool,
    /// CUR=RATE: a scenario in currency CUR is converted at RATE baseline units per
    /// CUR, e.g. --exchange-rate EUR=1.08 for a USD baseline. Without it, scenarios in
    /// another currency than the baseline's are refused.
    #[arg(long = "exchange-rate", value_name = "CUR=RATE", value_parser = parse_rate)]
    pub exchange_rates: Vec<ExchangeRate>,
    #[command(flatten)]
    pub study: StudyArgs,
}

fn parse_rate(arg: &str) -> Result<ExchangeRate, String> {
    let usage = "write CUR=RATE, e.g. EUR=1.08 (baseline currency units per EUR)";
    let (currency, rate) = arg.split_once('=').ok_or(format!("no '='; {usage}"))?;
    let rate: f64 = rate
        .trim()
        .parse()
        .ok()
        .filter(|r: &f64| r.is_finite() && *r > 0.0 && *r <= 1e9)
        .ok_or(format!("\"{rate}\" is not a positive number; {usage}"))?;
    let currency = currency.trim();
    if currency.is_empty() || currency.len() > 8 {
        return Err(format!("\"{currency}\" is not a currency code; {usage}"));
    }
    Ok(ExchangeRate {
        currency: currency.to_string(),
        rate,
    })
}

#[derive(Clone, Debug, clap::Args)]
pub struct DiffArgs {
    /// The scenario as it is; its scales, seed and users set the load. Or a saved
    /// result (JSON with a schema_version), compared with HEAD's as saved.
    pub base: PathBuf,
    /// The scenario as it would be, run on BASE's load with BASE's random numbers; or
    /// a saved result when BASE is one.
    pub head: PathBuf,
    /// CUR=RATE: HEAD in currency CUR is converted at RATE units of BASE's currency
    /// per CUR, e.g. --exchange-rate EUR=1.08 for a USD BASE.
    #[arg(long = "exchange-rate", value_name = "CUR=RATE", value_parser = parse_rate)]
    pub exchange_rates: Vec<ExchangeRate>,
    /// Load multipliers instead of BASE's, e.g. 1,10,100.
    #[arg(long, value_delimiter = ',')]
    pub scales: Option<Vec<f64>>,
    /// Seed instead of BASE's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format (default: from the extension of --output, .json, .csv, .md or .html, else table).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to this file instead of standard output (replaced only when the run succeeds).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Exit with code 3, after writing the output, when a condition holds for either
    /// scenario at any scale: slo, degraded, budget, cost-per-transaction>X,
    /// monthly-cost>X, error-rate>X. Repeatable.
    #[arg(long = "fail-on", value_name = "GATE", value_parser = crate::gates::parse)]
    pub fail_on: Vec<crate::gates::Gate>,
    #[command(flatten)]
    pub threads: ThreadArgs,
}

#[derive(Clone, Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file to vary.
    pub scenario: PathBuf,
    /// PATH=VALUES: a field and the values to try, as a list (cache.lru.capacity=1000,10000)
    /// or a range START..END:STEP (tiers.small.autoscaling.max=10..80:10). Several make a grid.
    #[arg(long = "set", required = true, value_name = "PATH=VALUES")]
    pub set: Vec<String>,
    /// The figures the --plot chart draws, one panel each, e.g. cost,p99,hit-rate
    /// (default: cost and what the first field moves: hit rate and p50 for a cache
    /// field, instances for a tier's, p99; and the success rate when any point fails).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FIGURES")]
    pub chart_figures: Option<Vec<crate::report::plot::SweepFigure>>,
    #[command(flatten)]
    pub study: StudyArgs,
}

#[derive(Clone, Debug, clap::Args)]
pub struct OptimizeArgs {
    /// The scenario file whose configuration to choose.
    pub scenario: PathBuf,
    /// PATH=VALUES: a field and the values to choose from, in the syntax of sweep --set
    /// (tiers.gpu.instances=1..16:1). Several make a grid; capacity fields (instances,
    /// max, concurrency, ...) are bisected rather than tried one by one.
    #[arg(long = "vary", value_name = "PATH=VALUES")]
    pub vary: Vec<String>,
    /// Another design to choose from, run on the scenario's load.
    #[arg(long = "alternative", value_name = "FILE")]
    pub alternatives: Vec<PathBuf>,
    #[command(flatten)]
    pub study: StudyArgs,
}

#[derive(Clone, Debug, clap::Args)]
pub struct CrossoverArgs {
    /// The first design; its scales, seed and users set the load.
    pub first: PathBuf,
    /// The second design, run on the first one's load.
    pub second: PathBuf,
    #[command(flatten)]
    pub study: StudyArgs,
}

#[derive(Clone, Debug, clap::Args)]
pub struct SensitivityArgs {
    /// The scenario file whose assumptions to move.
    pub scenario: PathBuf,
    /// PATH or PATH=LOW,HIGH: move only these fields (default: every number and
    /// duration the file writes, except seed, scales, horizon, warm-up, class shares,
    /// burst starts, the peak hour, the SLO and the budget), by --by or to LOW and HIGH.
    #[arg(long = "vary", value_name = "PATH[=LOW,HIGH]", value_parser = parse_assumed)]
    pub vary: Vec<Assumed>,
    /// How far each assumption is moved down and up, as a fraction (0.2 = ±20%).
    #[arg(long, default_value_t = 0.2, value_parser = parse_fraction)]
    pub by: f64,
    #[command(flatten)]
    pub study: StudyArgs,
}

fn parse_assumed(arg: &str) -> Result<Assumed, String> {
    let usage =
        "write PATH or PATH=LOW,HIGH, e.g. tiers.llm.price_per_1k_input_tokens=0.0005,0.002";
    let Some((path, values)) = arg.split_once('=') else {
        let path = arg.trim();
        if path.is_empty() {
            return Err(format!("the path is empty; {usage}"));
        }
        return Ok(Assumed {
            path: path.to_string(),
            range: None,
        });
    };
    let parts: Vec<&str> = values.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [low, high] if !path.trim().is_empty() && !low.is_empty() && !high.is_empty() => {
            Ok(Assumed {
                path: path.trim().to_string(),
                range: Some([low.to_string(), high.to_string()]),
            })
        }
        _ => Err(format!("\"{values}\" is not two values LOW,HIGH; {usage}")),
    }
}

fn parse_fraction(arg: &str) -> Result<f64, String> {
    arg.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| *x > 0.0 && *x < 1.0)
        .ok_or(format!(
            "\"{arg}\" is not a fraction between 0 and 1, e.g. 0.2 for ±20%"
        ))
}

/// Options shared by `compare`, `sweep`, `optimize`, `crossover` and `sensitivity`.
#[derive(Clone, Debug, clap::Args)]
pub struct StudyArgs {
    /// Load multipliers instead of the scenario's (compare: the baseline's), e.g. 1,10,100.
    #[arg(long, value_delimiter = ',')]
    pub scales: Option<Vec<f64>>,
    /// Seed instead of the scenario's (compare: the baseline's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Independent runs per scenario (or point) and scale; figures then carry a 95%
    /// confidence interval.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub replications: u64,
    /// Output format (default: from the extension of --output, .json, .csv, .md or .html, else table).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to this file instead of standard output (replaced only when the run succeeds).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also draw the charts into this folder, created if missing: compare draws cost per
    /// transaction and latency against users; sweep draws them against the first --set field.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// File format of the charts: png, or svg (vector, for documentation sites and slides).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = crate::report::plot::PlotFormat::Png)]
    pub plot_format: crate::report::plot::PlotFormat,
    /// Run only shard K of N (K from 0) of the plan's runs (compare, sweep, sensitivity;
    /// optimize and crossover one round at a time, see --round) and write them as a partial result
    /// (JSON) for `scalecost merge`. `--shard N` takes K from the first of
    /// SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX and AWS_BATCH_JOB_ARRAY_INDEX that is set.
    #[arg(long, value_name = "K/N", value_parser = crate::shard::parse_arg)]
    pub shard: Option<crate::shard::ShardArg>,
    /// With --shard, for optimize, crossover and a break-even search: run this shard of
    /// the round of the search that STATE (written by `scalecost merge --next-round
    /// STATE`) leads to; without it, the first round.
    #[arg(long, value_name = "STATE", requires = "shard")]
    pub round: Option<PathBuf>,
    /// Exit with code 3, after writing the output, when a condition holds at any scale:
    /// slo, degraded, budget, cost-per-transaction>X, monthly-cost>X, error-rate>X, and
    /// for compare delta>PCT (a rise over the baseline, e.g. delta>5%). Repeatable;
    /// simulate, compare and sweep only.
    #[arg(long = "fail-on", value_name = "GATE", value_parser = crate::gates::parse)]
    pub fail_on: Vec<crate::gates::Gate>,
    #[command(flatten)]
    pub threads: ThreadArgs,
}

#[derive(Clone, Debug, clap::Args)]
pub struct MergeArgs {
    /// The partial results, one per shard, in any order.
    #[arg(required = true, value_name = "PART")]
    pub parts: Vec<PathBuf>,
    /// Output format (default: from the extension of --output, .json, .csv, .md or .html, else table).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to this file instead of standard output (replaced only when the merge succeeds).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also draw the charts the command draws (compare, sweep) into this folder.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// File format of the charts: png, or svg (vector, for documentation sites and slides).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = crate::report::plot::PlotFormat::Png)]
    pub plot_format: crate::report::plot::PlotFormat,
    /// The state the parts' round ran from (their shards' --round): needed to merge the
    /// parts of a search's second round or later.
    #[arg(long, value_name = "STATE")]
    pub round: Option<PathBuf>,
    /// Where to write the state of the next round when the search needs one; the merge
    /// then exits with code 4 instead of writing the output.
    #[arg(long, value_name = "STATE")]
    pub next_round: Option<PathBuf>,
    #[command(flatten)]
    pub threads: ThreadArgs,
}

#[derive(Clone, Debug, clap::Args)]
pub struct PlotArgs {
    /// Scenario files (YAML); the cost and latency charts put them side by side.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Folder to write the chart files to (created if missing).
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Load multipliers to simulate instead of each scenario's, e.g. 1,10,100.
    #[arg(long, value_delimiter = ',')]
    pub scales: Option<Vec<f64>>,
    /// Seed instead of each scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Load multiplier whose hour-by-hour timeline to draw (default: the largest).
    #[arg(long, value_name = "SCALE")]
    pub timeline_scale: Option<f64>,
    /// File format of the charts: png, or svg (vector, for documentation sites and slides).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = crate::report::plot::PlotFormat::Png)]
    pub plot_format: crate::report::plot::PlotFormat,
    #[command(flatten)]
    pub threads: ThreadArgs,
}
