//! Sharded runs: a plan's runs cut into N deterministic shards, each shard's runs
//! written as a partial result, and the checks that let `scalecost merge` gather the
//! parts back into the plan's runs.
//!
//! A shard holds the runs whose index in [`jobs`] (the plan's jobs, then the growth
//! loads known before any run) is K modulo N: round robin, so the shards of a grid
//! whose later points are heavier still take about as long. A
//! part carries what the merge needs to build the same plan with the same functions
//! (the command line and a copy of every scenario file read), a fingerprint of those
//! and of the version, and its runs before prices. The merge then hands the runs to
//! [`crate::runner::finish`], the same code the unsharded command runs after its
//! simulations, so there is one path to the economics and the exporters.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cli::{self, Command};
use crate::error::InputError;
use crate::runner::Run;
use crate::scenario::plan::{Job, Plan};
use crate::scenario::source::files::StoredFile;

/// What a partial result calls itself, so that another JSON file is told apart.
pub const PART_FORMAT: &str = "scalecost partial result";

/// What the state between two rounds of a search calls itself.
pub const STATE_FORMAT: &str = "scalecost search state";

/// The exit code of a merge that wrote the state of another round instead of the output.
pub const ANOTHER_ROUND_EXIT_CODE: u8 = 4;

/// The variables job-array engines set to a task's index, in the order they are read
/// when `--shard N` gives no K: Slurm job arrays, Kubernetes Indexed Jobs, AWS Batch
/// array jobs.
pub const INDEX_VARIABLES: [&str; 3] = [
    "SLURM_ARRAY_TASK_ID",
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
];

/// Most shards a plan may be cut into: more than the runs any plan may have would
/// only write empty parts.
pub const MAX_SHARDS: u64 = 200_000;

/// `--shard` as written: K/N, or N alone with K to come from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardArg {
    pub index: Option<u64>,
    pub count: u64,
}

/// Shard `index` of `count`, K from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether the run at `run` (its index in the plan's jobs) is this shard's.
    pub fn holds(self, run: usize) -> bool {
        run as u64 % self.count == self.index
    }
}

/// Parses `--shard K/N` or `--shard N`.
pub fn parse_arg(arg: &str) -> Result<ShardArg, String> {
    let usage = "write K/N (shard K of N, K from 0, e.g. 3/8) or N alone to read K from \
                 SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX";
    let number = |s: &str, what: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("{what} \"{}\" is not a whole number; {usage}", s.trim()))
    };
    let (index, count) = match arg.split_once('/') {
        Some((k, n)) => (Some(number(k, "K")?), number(n, "N")?),
        None => (None, number(arg, "N")?),
    };
    if count == 0 || count > MAX_SHARDS {
        return Err(format!(
            "N = {count} shards; N is from 1 to {MAX_SHARDS}; {usage}"
        ));
    }
    if let Some(k) = index {
        check_index(k, count).map_err(|e| format!("{e}; {usage}"))?;
    }
    Ok(ShardArg { index, count })
}

fn check_index(k: u64, n: u64) -> Result<(), String> {
    if k >= n {
        return Err(format!(
            "shard {k} of {n}: K counts from 0, so shards of {n} are 0/{n} to {}/{n}",
            n - 1
        ));
    }
    Ok(())
}

/// The shard to run: K as given, else from the first of [`INDEX_VARIABLES`] that
/// `var` finds set.
pub fn resolve(arg: ShardArg, var: &dyn Fn(&str) -> Option<String>) -> Result<Shard, InputError> {
    let count = arg.count;
    if let Some(index) = arg.index {
        return Ok(Shard { index, count });
    }
    let Some((name, value)) = INDEX_VARIABLES
        .iter()
        .find_map(|name| var(name).map(|v| (*name, v)))
    else {
        return Err(InputError::new(format!(
            "--shard {count}: no shard index; none of {} is set. Give it as --shard K/{count} \
             (K from 0), or run the command as a task of a job array",
            INDEX_VARIABLES.join(", ")
        )));
    };
    let index = value.trim().parse::<u64>().map_err(|_| {
        InputError::new(format!(
            "--shard {count}: {name}={:?} is not a whole number; it should be this task's \
             index from 0 to {}",
            crate::text::escape(&value),
            count - 1
        ))
    })?;
    check_index(index, count).map_err(|e| {
        InputError::new(format!(
            "--shard {count}: {name}={index}: {e}; size the array to match (e.g. Slurm \
             --array=0-{}, Kubernetes completions: {count})",
            count - 1
        ))
    })?;
    Ok(Shard { index, count })
}

/// A partial result: one shard's runs of one plan, and what rebuilds that plan.
#[derive(Serialize, Deserialize)]
pub struct Part {
    /// Always [`PART_FORMAT`].
    pub format: String,
    /// The scalecost version that wrote it; the merge must be the same version.
    pub version: String,
    /// A hash of the version, the command's plan options and the scenario files' text.
    pub fingerprint: String,
    /// K, from 0.
    pub shard: u64,
    /// N.
    pub shards: u64,
    /// The round of the search this part is of: 0 for the first, and for every command
    /// that does not search in rounds.
    pub round: u64,
    /// The id of the state the round ran from ([`RoundState::id`]); none in round 0.
    pub state: Option<String>,
    /// Runs of all the shards together ([`jobs`], or the round's).
    pub runs_total: usize,
    /// The command line after the program name, as given.
    pub args: Vec<String>,
    /// Every scenario file the plan read, as it read it.
    pub files: Vec<StoredFile>,
    /// This shard's runs, in plan order.
    pub runs: Vec<PartRun>,
}

/// One run of a part, with where it stands in the plan.
#[derive(Serialize, Deserialize)]
pub struct PartRun {
    /// Its index in [`jobs`]: the plan's jobs, then the growth loads known ahead.
    pub index: usize,
    pub design: usize,
    pub scale: f64,
    pub replication: u64,
    pub run: Run,
}

/// The command with what does not change its plan left out: where the output goes,
/// threads, progress and the shard. Two commands with the same plan options (and the
/// same files) have the same runs.
pub fn plan_options(command: &Command) -> String {
    let mut command = command.clone();
    let quiet_threads = cli::ThreadArgs {
        jobs: None,
        quiet: false,
    };
    match &mut command {
        Command::Simulate(a) => {
            a.output = None;
            a.format = None;
            a.plot = None;
            a.threads = quiet_threads;
            a.shard = None;
            a.round = None;
        }
        Command::Compare(cli::CompareArgs { study, .. })
        | Command::Sweep(cli::SweepArgs { study, .. })
        | Command::Optimize(cli::OptimizeArgs { study, .. })
        | Command::Crossover(cli::CrossoverArgs { study, .. })
        | Command::Sensitivity(cli::SensitivityArgs { study, .. }) => {
            study.output = None;
            study.format = None;
            study.plot = None;
            study.threads = quiet_threads;
            study.shard = None;
            study.round = None;
        }
        _ => {}
    }
    format!("{command:?}")
}

/// The fingerprint of a plan: FNV-1a (128 bits) over the version, the plan options
/// and each file's path and text. It tells plans apart; it is not a signature.
pub fn fingerprint(version: &str, options: &str, files: &[StoredFile]) -> String {
    let mut fields: Vec<&[u8]> = vec![version.as_bytes(), options.as_bytes()];
    for file in files {
        fields.push(file.path.as_bytes());
        fields.push(file.text.as_bytes());
    }
    hash(&fields)
}

/// FNV-1a (128 bits) over `fields`, each preceded by its length so that no two lists
/// of fields feed the same bytes.
fn hash(fields: &[&[u8]]) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    let mut hash = OFFSET;
    for field in fields {
        for b in (field.len() as u64).to_le_bytes().iter().chain(*field) {
            hash ^= u128::from(*b);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:032x}")
}

/// The command line this process was given, after the program name, checked to be
/// the command being run (a library caller's command line may be another).
pub fn recorded_args(command: &Command) -> Result<Vec<String>, InputError> {
    let mut args = Vec::new();
    for arg in std::env::args_os().skip(1) {
        args.push(arg.into_string().map_err(|a| {
            InputError::new(format!(
                "--shard: the argument {} is not UTF-8 text; a partial result stores the \
                 command line as text",
                crate::text::escape(&a.to_string_lossy())
            ))
        })?);
    }
    match parse_command(&args) {
        Ok(parsed) if plan_options(&parsed) == plan_options(command) => Ok(args),
        _ => Err(InputError::new(
            "--shard: this process's command line is not the command being run, so the \
             merge could not rebuild its plan; run sharded commands from the command line",
        )),
    }
}

/// The command of a stored command line.
pub fn parse_command(args: &[String]) -> Result<Command, String> {
    let argv = std::iter::once("scalecost").chain(args.iter().map(String::as_str));
    <cli::Cli as clap::Parser>::try_parse_from(argv)
        .map(|c| c.command)
        .map_err(|e| e.to_string())
}

/// The bytes of a part: compact JSON, checked to read back to the same numbers.
pub fn encode(part: &Part) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec(part)?;
    // serde_json writes each f64 in the shortest form that reads back to it and, with
    // `float_roundtrip`, reads it back exactly; NaN and infinities it writes as null,
    // which would not read back. Reading the part and writing it again must give the
    // same bytes, or the merge would not reproduce the unsharded output.
    let again = serde_json::from_slice::<Part>(&bytes)
        .ok()
        .and_then(|p| serde_json::to_vec(&p).ok());
    if again.as_deref() != Some(bytes.as_slice()) {
        anyhow::bail!(
            "shard {} of {}: a run's results hold a number JSON cannot carry exactly (NaN \
             or infinity); the shard is not written",
            part.shard,
            part.shards
        );
    }
    bytes.push(b'\n');
    Ok(bytes)
}

/// Reads the partial results at `paths`.
pub fn read_parts(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Part)>, InputError> {
    let mut parts = Vec::new();
    for path in paths {
        let shown = crate::text::escape(&path.display().to_string()).into_owned();
        let bytes = std::fs::read(path).map_err(|e| {
            InputError::new(format!("{shown}: cannot read the partial result: {e}"))
        })?;
        let not_part = |why: String| {
            InputError::new(format!(
                "{shown}: not a partial result of `scalecost ... --shard K/N`: {why}"
            ))
        };
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| not_part(e.to_string()))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(PART_FORMAT) {
            return Err(not_part(format!("it has no \"format\": \"{PART_FORMAT}\"")));
        }
        let version = value.get("version").and_then(|v| v.as_str()).unwrap_or("?");
        if version != env!("CARGO_PKG_VERSION") {
            return Err(InputError::new(format!(
                "{shown}: written by scalecost {}, and this is {}; merge with the version \
                 that ran the shards, whose numbers it reproduces",
                crate::text::escape(version),
                env!("CARGO_PKG_VERSION")
            )));
        }
        let part: Part = serde_json::from_slice(&bytes).map_err(|e| not_part(e.to_string()))?;
        let options = parse_command(&part.args)
            .map(|c| plan_options(&c))
            .map_err(|_| not_part("its command line does not parse".to_string()))?;
        if fingerprint(&part.version, &options, &part.files) != part.fingerprint {
            return Err(InputError::new(format!(
                "{shown}: its fingerprint does not match its command line and files; the \
                 file was changed after it was written"
            )));
        }
        parts.push((path.clone(), part));
    }
    Ok(parts)
}

/// Checks that `parts` are every shard of one plan, once each; returns them in shard
/// order.
pub fn check(mut parts: Vec<(PathBuf, Part)>) -> Result<Vec<(PathBuf, Part)>, InputError> {
    let shown = |p: &Path| crate::text::escape(&p.display().to_string()).into_owned();
    let (first_path, first) = &parts[0];
    for (path, part) in &parts[1..] {
        if part.fingerprint != first.fingerprint {
            return Err(InputError::new(format!(
                "{} and {} are parts of different plans (fingerprints {} and {}): another \
                 command line, scenario file or version; merge the parts of one run",
                shown(first_path),
                shown(path),
                first.fingerprint,
                part.fingerprint
            )));
        }
        if part.round != first.round || part.state != first.state {
            return Err(InputError::new(format!(
                "{} is a part of round {} and {} a part of round {}{}: merge the parts of \
                 one round, with the state they ran from",
                shown(first_path),
                first.round,
                shown(path),
                part.round,
                if part.round == first.round {
                    " run from another state"
                } else {
                    ""
                }
            )));
        }
        if part.shards != first.shards {
            return Err(InputError::new(format!(
                "{} is a shard of {} and {} a shard of {}: merge the parts of one run",
                shown(first_path),
                first.shards,
                shown(path),
                part.shards
            )));
        }
    }
    let count = first.shards;
    let mut by_index: BTreeMap<u64, Vec<&Path>> = BTreeMap::new();
    for (path, part) in &parts {
        if part.shard >= count {
            return Err(InputError::new(format!(
                "{}: shard {} of {count} cannot be; the file was changed after it was written",
                shown(path),
                part.shard
            )));
        }
        by_index.entry(part.shard).or_default().push(path);
    }
    let twice: Vec<String> = by_index
        .iter()
        .filter(|(_, paths)| paths.len() > 1)
        .map(|(k, paths)| {
            let names: Vec<String> = paths.iter().map(|p| shown(p)).collect();
            format!("shard {k} ({})", names.join(", "))
        })
        .collect();
    if !twice.is_empty() {
        return Err(InputError::new(format!(
            "given more than once: {}; give each shard of {count} once",
            twice.join("; ")
        )));
    }
    let missing: Vec<String> = (0..count)
        .filter(|k| !by_index.contains_key(k))
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        let (noun, verb) = if missing.len() == 1 {
            ("shard", "is")
        } else {
            ("shards", "are")
        };
        return Err(InputError::new(format!(
            "{noun} {} of {count} {verb} missing; every shard 0 to {} is needed",
            list_numbers(&missing),
            count - 1
        )));
    }
    parts.sort_by_key(|(_, p)| p.shard);
    Ok(parts)
}

/// "1, 2 and 5"; long lists cut after 20.
fn list_numbers(numbers: &[String]) -> String {
    const SHOWN: usize = 20;
    let shown: Vec<&str> = numbers.iter().take(SHOWN).map(String::as_str).collect();
    match (numbers.len(), shown.split_last()) {
        (n, _) if n > SHOWN => format!("{} and {} more", shown.join(", "), n - SHOWN),
        (1, _) => shown[0].to_string(),
        (_, Some((last, rest))) => format!("{} and {last}", rest.join(", ")),
        _ => String::new(),
    }
}

/// The state between two rounds of a search: every run of the rounds before, with
/// what ties it to its plan. The shards of the next round read it to know their runs
/// (the search, replayed on these runs, asks for them); that round's merge reads it to
/// replay the search on these runs and the round's.
#[derive(Serialize, Deserialize)]
pub struct RoundState {
    /// Always [`STATE_FORMAT`].
    pub format: String,
    /// The scalecost version that wrote it.
    pub version: String,
    /// The plan's fingerprint, as its parts carry it.
    pub fingerprint: String,
    /// The round this state leads to (the rounds before it are in `runs`).
    pub round: u64,
    /// A hash of everything above and the runs, which each part of the next round
    /// records, so that parts are merged with the state they ran from.
    pub id: String,
    /// Every run of the rounds before, in the order they ran.
    pub runs: Vec<PartRun>,
}

impl RoundState {
    /// The state leading to round `round` of the plan of `fingerprint`, after `runs`.
    pub fn new(fingerprint: &str, round: u64, runs: Vec<(Job, Run)>) -> anyhow::Result<RoundState> {
        let mut state = RoundState {
            format: STATE_FORMAT.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            fingerprint: fingerprint.to_string(),
            round,
            id: String::new(),
            runs: runs
                .into_iter()
                .enumerate()
                .map(|(index, (j, run))| PartRun {
                    index,
                    design: j.design,
                    scale: j.scale,
                    replication: j.replication,
                    run,
                })
                .collect(),
        };
        state.id = state.computed_id()?;
        Ok(state)
    }

    fn computed_id(&self) -> anyhow::Result<String> {
        let runs = serde_json::to_vec(&self.runs)?;
        let round = self.round.to_le_bytes();
        Ok(hash(&[
            self.format.as_bytes(),
            self.version.as_bytes(),
            self.fingerprint.as_bytes(),
            &round,
            &runs,
        ]))
    }

    /// The runs it holds, with their jobs.
    pub fn known(self) -> Vec<(Job, Run)> {
        self.runs
            .into_iter()
            .map(|r| {
                (
                    Job {
                        design: r.design,
                        scale: r.scale,
                        replication: r.replication,
                    },
                    r.run,
                )
            })
            .collect()
    }

    /// Its bytes: compact JSON, checked to read back to the same numbers.
    pub fn encode(&self) -> anyhow::Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec(self)?;
        let again = serde_json::from_slice::<RoundState>(&bytes)
            .ok()
            .and_then(|p| serde_json::to_vec(&p).ok());
        if again.as_deref() != Some(bytes.as_slice()) {
            anyhow::bail!(
                "the state of round {}: a run's results hold a number JSON cannot carry \
                 exactly (NaN or infinity); the state is not written",
                self.round
            );
        }
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// Reads the state at `path`, checked to be one this version wrote and unchanged since.
pub fn read_state(path: &Path) -> Result<RoundState, InputError> {
    let shown = crate::text::escape(&path.display().to_string()).into_owned();
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(format!("{shown}: cannot read the search state: {e}")))?;
    let not_state = |why: String| {
        InputError::new(format!(
            "{shown}: not the state of a search's round (written by `scalecost merge \
             --next-round`): {why}"
        ))
    };
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| not_state(e.to_string()))?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(STATE_FORMAT) => {}
        Some(PART_FORMAT) => {
            return Err(not_state(
                "it is a partial result; give the parts as PART arguments and the state \
                 their shards ran from with --round"
                    .to_string(),
            ));
        }
        _ => {
            return Err(not_state(format!(
                "it has no \"format\": \"{STATE_FORMAT}\""
            )));
        }
    }
    let version = value.get("version").and_then(|v| v.as_str()).unwrap_or("?");
    if version != env!("CARGO_PKG_VERSION") {
        return Err(InputError::new(format!(
            "{shown}: written by scalecost {}, and this is {}; run every round with the \
             version that ran the first",
            crate::text::escape(version),
            env!("CARGO_PKG_VERSION")
        )));
    }
    let state: RoundState = serde_json::from_slice(&bytes).map_err(|e| not_state(e.to_string()))?;
    if state.computed_id().ok().as_deref() != Some(state.id.as_str()) {
        return Err(InputError::new(format!(
            "{shown}: its id does not match its runs; the file was changed after it was \
             written"
        )));
    }
    Ok(state)
}

/// Checks that the state at `path` is of the plan of `fingerprint`.
pub fn check_state_plan(
    path: &Path,
    state: &RoundState,
    fingerprint: &str,
) -> Result<(), InputError> {
    if state.fingerprint != fingerprint {
        return Err(InputError::new(format!(
            "{}: the state of another plan (fingerprint {}, and this command's is {}): \
             another command line, scenario file or version; run each round with the \
             command line and files of the first",
            crate::text::escape(&path.display().to_string()),
            state.fingerprint,
            fingerprint
        )));
    }
    Ok(())
}

/// Checks that checked `parts` (one round's, from [`check`]) are of the round the state
/// (`state`, read from `path`) leads to, and ran from it; or of round 0 with no state.
pub fn check_round(
    parts: &[(PathBuf, Part)],
    state: Option<(&Path, &RoundState)>,
) -> Result<(), InputError> {
    let shown = |p: &Path| crate::text::escape(&p.display().to_string()).into_owned();
    let (path, part) = &parts[0];
    match state {
        None if part.round > 0 => Err(InputError::new(format!(
            "{} is a part of round {} of a search: give the state its shards ran from \
             with --round STATE",
            shown(path),
            part.round
        ))),
        None => Ok(()),
        Some((state_path, state)) => {
            check_state_plan(state_path, state, &part.fingerprint)?;
            if part.round != state.round {
                return Err(InputError::new(format!(
                    "{} is a part of round {}, and {} leads to round {}: merge the parts \
                     of round {} with it",
                    shown(path),
                    part.round,
                    shown(state_path),
                    state.round,
                    state.round
                )));
            }
            if part.state.as_deref() != Some(state.id.as_str()) {
                return Err(InputError::new(format!(
                    "{} ran from another state of round {} than {}: merge it with the \
                     state its shards were given",
                    shown(path),
                    part.round,
                    shown(state_path)
                )));
            }
            Ok(())
        }
    }
}

/// What the shards of `plan` run between them: the plan's jobs, then the growth loads
/// that can be known before any run (which the merge would otherwise simulate alone).
pub fn jobs(plan: &Plan) -> Vec<Job> {
    let mut jobs = plan.jobs();
    jobs.extend(crate::runner::growth_ahead(plan));
    jobs
}

/// From checked parts of `plan`: its runs in plan order, and the growth loads run
/// ahead with their jobs.
pub fn runs(
    plan: &Plan,
    parts: Vec<(PathBuf, Part)>,
) -> Result<(Vec<Run>, Vec<(Job, Run)>), InputError> {
    let mut jobs = jobs(plan);
    let mut runs = runs_of(&jobs, parts)?;
    let ahead = jobs
        .split_off(plan.jobs().len())
        .into_iter()
        .zip(runs.split_off(plan.jobs().len()))
        .collect();
    Ok((runs, ahead))
}

/// From checked parts whose shards ran `jobs` between them: the runs, in that order.
pub fn runs_of(jobs: &[Job], parts: Vec<(PathBuf, Part)>) -> Result<Vec<Run>, InputError> {
    let mut runs: Vec<Option<Run>> = (0..jobs.len()).map(|_| None).collect();
    for (path, part) in parts {
        let damaged = || {
            InputError::new(format!(
                "{}: its runs are not shard {} of {} of this plan; the file was changed \
                 after it was written",
                crate::text::escape(&path.display().to_string()),
                part.shard,
                part.shards
            ))
        };
        let shard = Shard {
            index: part.shard,
            count: part.shards,
        };
        let expected = (0..jobs.len()).filter(|&i| shard.holds(i));
        if part.runs_total != jobs.len() || part.runs.len() != expected.clone().count() {
            return Err(damaged());
        }
        for (stored, i) in part.runs.into_iter().zip(expected) {
            let job = &jobs[i];
            if stored.index != i
                || stored.design != job.design
                || stored.scale.to_bits() != job.scale.to_bits()
                || stored.replication != job.replication
            {
                return Err(damaged());
            }
            runs[i] = Some(stored.run);
        }
    }
    // Every index was checked to come from exactly one shard above.
    Ok(runs.into_iter().flatten().collect())
}

/// A merge that wrote the state of another round: not a failure, but not the output
/// either, so a driver loop tells the two apart by the exit code
/// ([`ANOTHER_ROUND_EXIT_CODE`]).
#[derive(Debug)]
pub struct AnotherRound {
    pub message: String,
}

impl std::fmt::Display for AnotherRound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AnotherRound {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_of_n_and_n_alone_parse() {
        assert_eq!(
            parse_arg("3/8"),
            Ok(ShardArg {
                index: Some(3),
                count: 8
            })
        );
        assert_eq!(
            parse_arg("8"),
            Ok(ShardArg {
                index: None,
                count: 8
            })
        );
    }

    #[test]
    fn k_at_or_past_n_and_zero_shards_are_refused() {
        let e = parse_arg("8/8").unwrap_err();
        assert!(e.contains("0/8 to 7/8"), "{e}");
        assert!(parse_arg("0/0").unwrap_err().contains("N = 0"));
        assert!(parse_arg("a/3").unwrap_err().contains("K \"a\""));
    }

    #[test]
    fn the_first_variable_set_gives_k_and_an_explicit_k_wins() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let n_alone = ShardArg {
            index: None,
            count: 8,
        };
        let both = env(&[("JOB_COMPLETION_INDEX", "5"), ("SLURM_ARRAY_TASK_ID", "2")]);
        assert_eq!(resolve(n_alone, &both).unwrap().index, 2);
        let later = env(&[
            ("JOB_COMPLETION_INDEX", "5"),
            ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
        ]);
        assert_eq!(resolve(n_alone, &later).unwrap().index, 5);
        let explicit = ShardArg {
            index: Some(7),
            count: 8,
        };
        assert_eq!(resolve(explicit, &both).unwrap().index, 7);
        let past = env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "8")]);
        let e = resolve(n_alone, &past).unwrap_err().to_string();
        assert!(e.contains("AWS_BATCH_JOB_ARRAY_INDEX=8"), "{e}");
        let none = env(&[]);
        assert!(resolve(n_alone, &none).is_err());
    }

    #[test]
    fn shards_are_round_robin_and_cover_each_run_once() {
        for n in [1u64, 3, 8] {
            for run in 0..50 {
                let holders = (0..n)
                    .filter(|&k| Shard { index: k, count: n }.holds(run))
                    .count();
                assert_eq!(holders, 1);
            }
        }
    }

    #[test]
    fn every_f64_reads_back_exactly_from_the_json_written() {
        // Edge values, then a million bit patterns spread over the finite doubles: the
        // shortest form serde_json writes must read back to the same bits.
        let mut values = vec![
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            5e-324,
            0.1 + 0.2,
            1.0 / 3.0,
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..1_000_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = f64::from_bits(x);
            if v.is_finite() {
                values.push(v);
            }
        }
        let text = serde_json::to_string(&values).unwrap();
        let back: Vec<f64> = serde_json::from_str(&text).unwrap();
        for (a, b) in values.iter().zip(&back) {
            assert_eq!(a.to_bits(), b.to_bits(), "{a:e} read back as {b:e}");
        }
    }

    #[test]
    fn the_fingerprint_tells_files_and_options_apart() {
        let file = |text: &str| StoredFile {
            path: "a.yaml".into(),
            text: text.into(),
        };
        let base = fingerprint("1", "sweep", &[file("x: 1")]);
        assert_eq!(base, fingerprint("1", "sweep", &[file("x: 1")]));
        assert_ne!(base, fingerprint("1", "sweep", &[file("x: 2")]));
        assert_ne!(base, fingerprint("1", "compare", &[file("x: 1")]));
        assert_ne!(base, fingerprint("2", "sweep", &[file("x: 1")]));
    }

    #[test]
    fn missing_shards_are_listed() {
        let n: Vec<String> = ["2", "5"].iter().map(|s| s.to_string()).collect();
        assert_eq!(list_numbers(&n), "2 and 5");
    }
}
