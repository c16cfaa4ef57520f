//! Commands → one sealed plan: the designs to run (validated scenarios), the scales
//! each runs at, and how many replications.
//!
//! Every command is a plan, not a pipeline of its own. The command line's scales and
//! seed, compare's shared load and each sweep point are written into the scenario's
//! text before the one reader runs, so every run that can start has passed the same
//! checks as a file that says the same, and nothing changes a scenario afterwards.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::overrides::{SetArg, SetValue, grid};
use super::{Source, read};
use crate::error::InputError;
use crate::model::Scenario;
use crate::report::format::quantity;
use crate::scenario::validate::fmt_num;

/// Most points a sweep's grid may have.
pub const MAX_GRID_POINTS: usize = 10_000;

/// Which command a plan serves: it decides what is searched and how results read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Simulate,
    Plot,
    Compare,
    Sweep,
    Optimize,
    Crossover,
    Sensitivity,
    Diff,
}

/// The command line's replacements for every scenario's `scales` and `seed`.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub scales: Option<Vec<f64>>,
    pub seed: Option<u64>,
}

/// A currency conversion for compare: one `currency` is worth `rate` of the baseline's.
#[derive(Clone, Debug, PartialEq)]
pub struct ExchangeRate {
    pub currency: String,
    pub rate: f64,
}

/// One design: a validated scenario, and what distinguishes it in its plan.
#[derive(Clone, Debug)]
pub struct Design {
    scenario: Scenario,
    /// The swept fields' values at this point (sweep only), in `--set` order.
    values: Vec<SetValue>,
    /// Money in the scenario's currency times this is money in the plan's currency.
    exchange_rate: f64,
    /// For sensitivity: the assumption this design moves, and how.
    variation: Option<Variation>,
}

/// One assumption moved, for sensitivity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Variation {
    /// The field path, e.g. `tiers.llm.price_per_1k_input_tokens`.
    pub path: String,
    /// The value as written in the file, and as moved.
    pub written: String,
    pub moved: String,
    /// 0: moved down; 1: moved up.
    pub side: usize,
    /// Moved by `--by` (false: to a value given with the path).
    pub by_fraction: bool,
}

/// An assumption to move for sensitivity: a field path, and optionally the low and
/// high values to move it to (otherwise it moves by `--by`).
#[derive(Clone, Debug, PartialEq)]
pub struct Assumed {
    pub path: String,
    pub range: Option<[String; 2]>,
}

impl Design {
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    pub fn values(&self) -> &[SetValue] {
        &self.values
    }
    pub fn exchange_rate(&self) -> f64 {
        self.exchange_rate
    }
    pub fn variation(&self) -> Option<&Variation> {
        self.variation.as_ref()
    }
}

/// One simulation to do: which design, at which load multiplier, which replication.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Job {
    pub design: usize,
    pub scale: f64,
    pub replication: u64,
}

/// What a command will run; built only by the functions below, read-only after.
#[derive(Clone, Debug)]
pub struct Plan {
    command: Command,
    designs: Vec<Design>,
    replications: u64,
    /// The swept field paths (sweep only).
    parameters: Vec<String>,
    /// Things the user should know about how the designs were lined up.
    notes: Vec<String>,
    /// The fraction assumptions are moved by (sensitivity, when any is moved by one).
    sensitivity_by: Option<f64>,
    /// `simulate --no-break-even`: the scales alone, no break-even search.
    skip_break_even: bool,
}

impl Plan {
    pub fn command(&self) -> Command {
        self.command
    }
    pub fn designs(&self) -> &[Design] {
        &self.designs
    }
    pub fn replications(&self) -> u64 {
        self.replications
    }
    pub fn parameters(&self) -> &[String] {
        &self.parameters
    }
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
    pub fn sensitivity_by(&self) -> Option<f64> {
        self.sensitivity_by
    }
    /// The currency every money figure of the outcome is in: the first design's.
    pub fn currency(&self) -> &str {
        self.designs[0].scenario.currency()
    }
    /// The seed of the first design (every design's, in compare and sweep).
    pub fn seed(&self) -> u64 {
        self.designs[0].scenario.seed()
    }

    /// Whether break-even is searched for: the commands that report one scenario in
    /// full, and sensitivity (how break-even moves), for each design that declares
    /// revenue.
    pub fn searches_break_even(&self, design: usize) -> bool {
        !self.skip_break_even
            && matches!(
                self.command,
                Command::Simulate | Command::Plot | Command::Sensitivity
            )
            && self.designs[design].scenario.revenue().is_some()
    }

    /// The same plan without the break-even search (`simulate --no-break-even`).
    pub fn without_break_even(mut self) -> Plan {
        self.skip_break_even = true;
        self
    }

    /// How close the break-even search gets: 1%, or 5% for the many designs of a
    /// sensitivity study.
    pub fn break_even_precision(&self) -> f64 {
        if self.command == Command::Sensitivity {
            0.05
        } else {
            0.01
        }
    }

    /// Every run of the plan: designs × scales × replications, in that order.
    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs = Vec::new();
        for (d, design) in self.designs.iter().enumerate() {
            for &scale in design.scenario.scales() {
                for replication in 0..self.replications {
                    jobs.push(Job {
                        design: d,
                        scale,
                        replication,
                    });
                }
            }
        }
        jobs
    }

    /// Refuses a plan whose runs, together, are more than one command may make or keep.
    pub fn check_work(&self) -> Result<(), InputError> {
        self.check_work_made(None)
    }

    /// [`Plan::check_work`] for a process that makes only some of the runs (a shard:
    /// `made` of them, and which share that is): the limit on runs is on those it
    /// makes, while the limit on the results held is still on the whole plan's, which
    /// the merge holds until it writes them.
    pub fn check_work_made(&self, made: Option<(usize, String)>) -> Result<(), InputError> {
        let jobs = self.jobs();
        let held: f64 = jobs
            .iter()
            .map(|j| {
                let s = self.designs[j.design].scenario();
                crate::work::RunWork::of(s, s.workload().users * j.scale).result_bytes()
            })
            .sum();
        let (made, share) = made.unwrap_or((jobs.len(), String::new()));
        match crate::work::plan_problem(made, &share, jobs.len(), held) {
            Some(problem) => Err(InputError::new(problem)),
            None => Ok(()),
        }
    }

    fn new(command: Command, designs: Vec<Design>, replications: u64) -> Plan {
        Plan {
            command,
            designs,
            replications,
            parameters: Vec::new(),
            notes: Vec::new(),
            sensitivity_by: None,
            skip_break_even: false,
        }
    }
}

fn design(scenario: Scenario) -> Design {
    Design {
        scenario,
        values: Vec::new(),
        exchange_rate: 1.0,
        variation: None,
    }
}

/// One validated scenario, simulated as `simulate` would (for library callers).
pub fn single(scenario: Scenario, replications: u64) -> Plan {
    Plan::new(
        Command::Simulate,
        vec![design(scenario)],
        replications.max(1),
    )
}

/// `simulate FILE`: one design at its scales.
pub fn simulate(path: &Path, overrides: &Overrides, replications: u64) -> Result<Plan, InputError> {
    let scenario = read(&with_overrides(Source::read(path)?, overrides)?)?;
    Ok(Plan::new(
        Command::Simulate,
        vec![design(scenario)],
        replications,
    ))
}

/// `plot FILE...`: each design at its own scales.
pub fn plot(paths: &[PathBuf], overrides: &Overrides) -> Result<Plan, InputError> {
    let designs = paths
        .iter()
        .map(|p| Ok(design(read(&with_overrides(Source::read(p)?, overrides)?)?)))
        .collect::<Result<Vec<_>, InputError>>()?;
    Ok(Plan::new(Command::Plot, designs, 1))
}

/// `compare A B...`: every design at the baseline's scales and seed and, unless
/// `own_load`, with the baseline's users, so they see the same arrivals and requests.
pub fn compare(
    paths: &[PathBuf],
    overrides: &Overrides,
    replications: u64,
    own_load: bool,
    rates: &[ExchangeRate],
) -> Result<Plan, InputError> {
    let base_source = with_overrides(Source::read(&paths[0])?, overrides)?;
    let base = read(&base_source)?;
    let scales_yaml = yaml_list(base.scales());
    let mut designs = vec![design(base.clone())];
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    for path in &paths[1..] {
        let mut source = Source::read(path)?;
        source.replace("scales", &scales_yaml, "compare (the baseline's scales)")?;
        source.set(
            "seed",
            &base.seed().to_string(),
            "compare (the baseline's seed)",
        )?;
        // Read once as written, to know the load it declares.
        let declared = read(&source)?;
        let base_users = base.workload().users;
        if !own_load && declared.workload().users != base_users {
            source.set(
                "workload.users",
                &fmt_num(base_users),
                "compare (the baseline's users)",
            )?;
            notes.push(format!(
                "{} declares {} users; it runs with the baseline's {}{OWN_LOAD_HINT}",
                declared.name(),
                quantity(declared.workload().users),
                quantity(base_users)
            ));
        } else if own_load && declared.workload().users != base_users {
            notes.push(format!(
                "{} runs with its own {} users, the baseline with {}: rows at the same scale are different loads",
                declared.name(),
                quantity(declared.workload().users),
                quantity(base_users)
            ));
        }
        if declared.workload().requests_per_user_per_day
            != base.workload().requests_per_user_per_day
        {
            notes.push(format!(
                "{} declares {} requests per user per day against the baseline's {}: its load differs by that ratio",
                declared.name(),
                fmt_num(declared.workload().requests_per_user_per_day),
                fmt_num(base.workload().requests_per_user_per_day)
            ));
        }
        let scenario = read(&source)?;
        let exchange_rate = if scenario.currency() == base.currency() {
            1.0
        } else {
            match rates.iter().find(|r| r.currency == scenario.currency()) {
                Some(r) => {
                    notes.push(format!(
                        "{}'s money figures are converted from {} at {} {} per {}",
                        scenario.name(),
                        scenario.currency(),
                        fmt_num(r.rate),
                        base.currency(),
                        scenario.currency()
                    ));
                    r.rate
                }
                None => {
                    problems.push(format!(
                        "{}: currency {} differs from the baseline's {}; costs in different currencies cannot be compared: pass --exchange-rate {}=RATE ({} per {}), or write both scenarios in one currency",
                        path.display(),
                        scenario.currency(),
                        base.currency(),
                        scenario.currency(),
                        base.currency(),
                        scenario.currency()
                    ));
                    1.0
                }
            }
        };
        designs.push(Design {
            scenario,
            values: Vec::new(),
            exchange_rate,
            variation: None,
        });
    }
    if !problems.is_empty() {
        return Err(InputError::new(problems.join("\n")));
    }
    let mut plan = Plan::new(Command::Compare, designs, replications);
    plan.notes = notes;
    Ok(plan)
}

/// How compare's note on a scenario run with the baseline's users ends.
const OWN_LOAD_HINT: &str = " (pass --own-load to keep each scenario's own users)";

/// `diff BASE HEAD`: the plan of `compare BASE HEAD`, one run each, HEAD on BASE's
/// scales, seed and users, so every difference is the change's, not the load's.
pub fn diff(
    base: &Path,
    head: &Path,
    overrides: &Overrides,
    rates: &[ExchangeRate],
) -> Result<Plan, InputError> {
    let mut plan = compare(
        &[base.to_path_buf(), head.to_path_buf()],
        overrides,
        1,
        false,
        rates,
    )?;
    plan.command = Command::Diff;
    // Diff always runs HEAD on BASE's load: it has no --own-load to point to.
    for note in &mut plan.notes {
        *note = note.replace(OWN_LOAD_HINT, "");
    }
    Ok(plan)
}

/// `sweep FILE --set PATH=VALUES...`: one design per grid point, each its own
/// scenario text, read and checked before anything runs.
pub fn sweep(
    path: &Path,
    sets: &[SetArg],
    overrides: &Overrides,
    replications: u64,
) -> Result<Plan, InputError> {
    let source = with_overrides(Source::read(path)?, overrides)?;
    // The file itself first, so its own mistakes are reported once, not per point.
    read(&source)?;
    let designs = grid_designs(&source, sets, "--set")?;
    let mut plan = Plan::new(Command::Sweep, designs, replications);
    plan.parameters = sets.iter().map(|s| s.path.clone()).collect();
    Ok(plan)
}

/// One design per point of the grid `sets` make, each the `source` with its values
/// written in and read again; `flag` names the option in messages.
fn grid_designs(source: &Source, sets: &[SetArg], flag: &str) -> Result<Vec<Design>, InputError> {
    let mut seen: Vec<&str> = Vec::new();
    for set in sets {
        if seen.contains(&set.path.as_str()) {
            return Err(InputError::new(format!(
                "{flag} {}: the path is given twice; give each field once, with all its values",
                set.path
            )));
        }
        seen.push(&set.path);
    }
    let points = grid_size(sets);
    if points > MAX_GRID_POINTS {
        return Err(InputError::new(format!(
            "{flag}: the grid has {points} points; at most {MAX_GRID_POINTS}"
        )));
    }
    grid(sets)
        .into_iter()
        .map(|values| {
            let mut point = source.clone();
            for (set, value) in sets.iter().zip(&values) {
                point.set(
                    &set.path,
                    &value.to_yaml(),
                    &format!("{flag} {}={value}", set.path),
                )?;
            }
            Ok(Design {
                scenario: read(&point)?,
                values,
                exchange_rate: 1.0,
                variation: None,
            })
        })
        .collect()
}

/// `optimize FILE --vary PATH=VALUES... --alternative FILE...`: every point of the grid
/// and every alternative design, all on the file's load, scales and seed (alternatives
/// as `compare` lines them up). The search decides which of them to run.
pub fn optimize(
    path: &Path,
    vary: &[SetArg],
    alternatives: &[PathBuf],
    overrides: &Overrides,
    replications: u64,
) -> Result<Plan, InputError> {
    let source = with_overrides(Source::read(path)?, overrides)?;
    let base = read(&source)?;
    let mut designs = if vary.is_empty() {
        vec![design(base.clone())]
    } else {
        grid_designs(&source, vary, "--vary")?
    };
    let mut notes = Vec::new();
    for alt in alternatives {
        let (scenario, note) = on_the_load_of(&base, alt, overrides)?;
        notes.extend(note);
        designs.push(design(scenario));
    }
    let mut plan = Plan::new(Command::Optimize, designs, replications);
    plan.parameters = vary.iter().map(|s| s.path.clone()).collect();
    plan.notes = notes;
    Ok(plan)
}

/// `crossover A B`: the two designs on A's load and seed.
pub fn crossover(
    a: &Path,
    b: &Path,
    overrides: &Overrides,
    replications: u64,
) -> Result<Plan, InputError> {
    let base = read(&with_overrides(Source::read(a)?, overrides)?)?;
    let (other, note) = on_the_load_of(&base, b, overrides)?;
    let mut plan = Plan::new(
        Command::Crossover,
        vec![design(base), design(other)],
        replications,
    );
    plan.notes = note.into_iter().collect();
    Ok(plan)
}

/// The scenario at `path` on `base`'s scales, seed and users (what compare does), and a
/// note when its own users differ. Different currencies cannot be weighed against each
/// other here.
fn on_the_load_of(
    base: &Scenario,
    path: &Path,
    overrides: &Overrides,
) -> Result<(Scenario, Option<String>), InputError> {
    let mut source = with_overrides(Source::read(path)?, overrides)?;
    source.replace(
        "scales",
        &yaml_list(base.scales()),
        "the first design's scales",
    )?;
    source.set("seed", &base.seed().to_string(), "the first design's seed")?;
    let declared = read(&source)?;
    let mut note = None;
    if declared.workload().users != base.workload().users {
        source.set(
            "workload.users",
            &fmt_num(base.workload().users),
            "the first design's users",
        )?;
        note = Some(format!(
            "{} declares {} users; it runs with {}'s {}",
            declared.name(),
            quantity(declared.workload().users),
            base.name(),
            quantity(base.workload().users)
        ));
    }
    let scenario = read(&source)?;
    if scenario.currency() != base.currency() {
        return Err(InputError::new(format!(
            "{}: currency {} differs from {}'s {}; write both designs in one currency",
            path.display(),
            scenario.currency(),
            base.name(),
            base.currency()
        )));
    }
    Ok((scenario, note))
}

/// Fields a sensitivity study never moves: they choose what is simulated, not what it
/// costs (seed, scales, horizon, warm-up), or must keep their sum or place (class
/// shares, the hour of the peak, when bursts start), or judge the result (SLO, budget).
const NOT_ASSUMPTIONS: &[&str] = &[
    "seed",
    "scales",
    "workload.horizon",
    "workload.warmup",
    "workload.diurnal.peak_hour",
    "slo.",
    "budget.",
];

/// `sensitivity FILE`: the file as written, then for each numeric assumption (or the
/// `only` ones) a design with it moved down by `by` (or to its given low value) and
/// one with it moved up.
pub fn sensitivity(
    path: &Path,
    only: &[Assumed],
    by: f64,
    overrides: &Overrides,
    replications: u64,
) -> Result<Plan, InputError> {
    let source = with_overrides(Source::read(path)?, overrides)?;
    let base = read(&source)?;
    let index = super::locate::PathIndex::build(source.text());
    let all = index.scalars();
    let candidates: Vec<(String, String, Option<[String; 2]>)> = if only.is_empty() {
        all.into_iter()
            .filter(|(p, _)| {
                !NOT_ASSUMPTIONS.iter().any(|n| {
                    let n = n.trim_end_matches('.');
                    // The field itself, anything under it, or any item of it.
                    p == n
                        || p.strip_prefix(n)
                            .is_some_and(|rest| rest.starts_with(['.', '[']))
                }) && !(p.starts_with("workload.classes.") && p.ends_with(".share"))
                    && !(p.starts_with("workload.bursts[") && p.ends_with(".start"))
            })
            .map(|(p, w)| (p, w, None))
            .collect()
    } else {
        only.iter()
            .map(|a| {
                all.iter()
                    .find(|(q, _)| *q == a.path)
                    .map(|(p, w)| (p.clone(), w.clone(), a.range.clone()))
                    .ok_or_else(|| {
                        InputError::new(format!(
                            "--vary {}: the file writes no single value there; give the path of a number or duration it writes, e.g. tiers.llm.price_per_1k_input_tokens",
                            a.path
                        ))
                    })
            })
            .collect::<Result<_, _>>()?
    };
    let mut designs = vec![design(base)];
    let mut notes = Vec::new();
    for (field, written, range) in candidates {
        let by_fraction = range.is_none();
        // Each side's values to try, in order: the exact move, then (for a whole
        // number) the nearest whole one, for fields that take only whole numbers.
        let moves: [Vec<String>; 2] = match range {
            Some([low, high]) => [vec![low], vec![high]],
            None => [1.0 - by, 1.0 + by].map(|factor| moved(&written, factor)),
        };
        if moves.iter().any(Vec::is_empty) {
            continue; // not a number or a duration
        }
        for (side, tries) in moves.into_iter().enumerate() {
            let mut failure = None;
            for text in tries.iter().filter(|t| **t != written) {
                let mut point = source.clone();
                point.set(&field, text, &format!("--vary {field}={text}"))?;
                match read(&point) {
                    Ok(scenario) => {
                        designs.push(Design {
                            scenario,
                            values: Vec::new(),
                            exchange_rate: 1.0,
                            variation: Some(Variation {
                                path: field.clone(),
                                written: written.clone(),
                                moved: text.clone(),
                                side,
                                by_fraction,
                            }),
                        });
                        failure = None;
                        break;
                    }
                    Err(e) => failure = failure.or(Some((text.clone(), e))),
                }
            }
            match failure {
                None => {}
                // Moving every number blindly can break a rule (a minimum above a
                // maximum): that move is skipped and said so.
                Some((text, e)) if only.is_empty() => {
                    let why = e.to_string();
                    let why = why.split(" (set by --vary").next().unwrap_or(&why);
                    let why = why
                        .find(&format!("{field}: "))
                        .map_or(why, |i| &why[i + field.len() + 2..]);
                    notes.push(format!("{field} not moved to {text}: {why}"));
                }
                Some((_, e)) => return Err(e),
            }
        }
    }
    if designs.len() > MAX_GRID_POINTS {
        return Err(InputError::new(format!(
            "sensitivity: {} designs; at most {MAX_GRID_POINTS}: name the assumptions to move with --vary",
            designs.len()
        )));
    }
    let by_fraction = designs
        .iter()
        .any(|d| d.variation.as_ref().is_some_and(|v| v.by_fraction));
    let mut plan = Plan::new(Command::Sensitivity, designs, replications);
    plan.notes = notes;
    plan.sensitivity_by = by_fraction.then_some(by);
    Ok(plan)
}

/// `written` (a number or a duration as the file writes it) times `factor`, written
/// back the same way to 12 significant digits: the exact value, then for a whole
/// number its nearest whole value if that differs (empty: not a number).
fn moved(written: &str, factor: f64) -> Vec<String> {
    let round = |y: f64| -> f64 { format!("{y:.11e}").parse().unwrap_or(y) };
    if let Ok(x) = written.trim().parse::<f64>() {
        let y = round(x * factor);
        let mut out = vec![fmt_num(y)];
        if !written.contains(['.', 'e', 'E']) && y.fract() != 0.0 {
            out.push(fmt_num(y.round()));
        }
        return out;
    }
    match crate::time::parse_duration(written) {
        Ok(t) => vec![crate::time::format_duration(
            (t.0 as f64 * factor).round() as u64
        )],
        Err(_) => Vec::new(),
    }
}

fn grid_size(sets: &[SetArg]) -> usize {
    sets.iter()
        .try_fold(1usize, |n, s| n.checked_mul(s.values.len()))
        .unwrap_or(usize::MAX)
}

/// Writes `--scales` and `--seed` into the scenario's text.
fn with_overrides(mut source: Source, overrides: &Overrides) -> Result<Source, InputError> {
    if let Some(scales) = &overrides.scales {
        let shown: Vec<String> = scales.iter().map(|s| fmt_num(*s)).collect();
        source.replace(
            "scales",
            &yaml_list(scales),
            &format!("--scales {}", shown.join(",")),
        )?;
    }
    if let Some(seed) = overrides.seed {
        source.set("seed", &seed.to_string(), &format!("--seed {seed}"))?;
    }
    Ok(source)
}

fn yaml_list(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(|v| fmt_num(*v)).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "name: a
scales: [1, 10]
workload: {users: 100, requests_per_user_per_day: 10, horizon: 1h, classes: {q: {share: 1, input_tokens: 1, output_tokens: 1}}}
routing: {routes: {q: t}}
tiers: {t: {kind: api, price_per_1k_input_tokens: 0, price_per_1k_output_tokens: 0, latency: 1s}}
";

    #[test]
    fn jobs_are_designs_then_scales_then_replications() {
        let s = crate::scenario::parse(YAML, "a.yaml", "a").unwrap();
        let plan = single(s, 2);
        let jobs: Vec<(usize, f64, u64)> = plan
            .jobs()
            .iter()
            .map(|j| (j.design, j.scale, j.replication))
            .collect();
        assert_eq!(jobs, [(0, 1.0, 0), (0, 1.0, 1), (0, 10.0, 0), (0, 10.0, 1)]);
    }

    #[test]
    fn scales_and_seed_are_written_into_the_text_and_checked() {
        let mut source = Source::from_text(YAML, "a.yaml", "a");
        source = with_overrides(
            source,
            &Overrides {
                scales: Some(vec![2.0, 0.5]),
                seed: Some(9),
            },
        )
        .unwrap();
        let s = read(&source).unwrap();
        assert_eq!(s.scales(), [2.0, 0.5]);
        assert_eq!(s.seed(), 9);
        let bad = with_overrides(
            Source::from_text(YAML, "a.yaml", "a"),
            &Overrides {
                scales: Some(vec![0.0]),
                seed: None,
            },
        )
        .unwrap();
        let err = read(&bad).unwrap_err().to_string();
        assert!(
            err.starts_with("a.yaml:2:9: scales[0]: 0 is not allowed"),
            "{err}"
        );
        assert!(err.ends_with("(set by --scales 0)"), "{err}");
    }
}
