//! The one fan-out: runs a plan's jobs on the thread pool and gathers them in input
//! order; then, with the same job function, the loads the bracketing searches probe
//! (break-even, crossover) and the loads a growing user base passes through; then
//! prices every run. Optimize runs its own rounds of the same jobs (`optimize.rs`);
//! sensitivity ranks the moved assumptions from the priced outcome.
//!
//! Every round of runs comes from one [`Source`]: simulated here, or taken from runs
//! done elsewhere (the rounds and shards of a sharded search), where a round not all
//! there ends the search with that round's runs as the next. A round's runs follow from
//! the rounds before only, so the sharded search makes the same decisions; simulated
//! here, a search's probe starts as soon as the runs it follows from are in, beside
//! the scales still running.
//!
//! Each run owns its state and its seeded streams, so the results do not depend on
//! how many threads ran them or in which order they finished.

use std::sync::{Mutex, MutexGuard, PoisonError};

use rayon::prelude::*;

use crate::economics::month::{self, MonthBasis};
use crate::economics::{self, Loads};
use crate::metrics::RunMetrics;
use crate::outcome::{
    self, BreakEven, BreakEvenStatus, Crossing, Direction, Outcome, Probe, ScaleResult,
};
use crate::progress::{Bar, Progress};
use crate::scenario::plan::{Command, Job, Plan};
use crate::sim;

mod bracket;
mod crossover;
mod optimize;
mod sensitivity;

use bracket::{Goal, Search, Searching};

/// How close crossover gets to where two designs cost the same.
const CROSSOVER_PRECISION: f64 = 0.01;

/// What one job measured, and its month before prices: what a shard of a plan stores.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Run {
    pub metrics: RunMetrics,
    pub basis: MonthBasis,
}

/// Runs `plan` and returns its outcome.
pub fn run(plan: &Plan, progress: &Progress) -> Outcome {
    match search(plan, &mut Source::Simulate(progress)) {
        Ok(outcome) => outcome,
        Err(_) => unreachable!("a search that simulates its runs never lacks one"),
    }
}

/// The whole path from the plan to the outcome, every round of runs from `source`.
fn search(plan: &Plan, source: &mut Source) -> Result<Outcome, NextRound> {
    if plan.command() == Command::Optimize {
        return optimize::search(plan, source);
    }
    let jobs = plan.jobs();
    // The searches' first probes lie between the scales and follow from the plan
    // alone, as do the growth loads of the designs no search probes: they run in the
    // same fan-out as the scales, so a core that has finished the small scales takes
    // them while another still runs the largest; so do the searches' later probes,
    // each as soon as the runs it follows from are in.
    let mut searches = searches(plan);
    let between = bracket::between_scales(plan, &jobs, &searches);
    let early_jobs = bracket::probe_jobs(plan, &searches, &between);
    let ahead_jobs = growth_ahead(plan);
    let all: Vec<Job> = jobs
        .iter()
        .chain(&early_jobs)
        .chain(&ahead_jobs)
        .copied()
        .collect();
    let mut state = Searching::new(plan, &jobs, &early_jobs, &searches, &between);
    let (mut runs, probes) = source.rounds(plan, &all, &searches, &mut state)?;
    let ahead_runs = runs.split_off(jobs.len() + early_jobs.len());
    let early_runs = runs.split_off(jobs.len());
    let mut extra: Vec<(Job, Run)> = early_jobs.into_iter().zip(early_runs).collect();
    extra.extend(state.finish(&mut searches, probes));
    let ahead = ahead_jobs.into_iter().zip(ahead_runs).collect();
    finish_rest(plan, runs, &searches, extra, ahead, source)
}

/// Whether `plan` is a search whose runs are chosen round by round from the results of
/// the rounds before (`optimize`, `crossover`, a break-even search), so that a sharded
/// run of it goes in rounds.
pub fn adapts(plan: &Plan) -> bool {
    plan.command() == Command::Optimize || !searches(plan).is_empty()
}

/// Runs the search of an adaptive plan ([`adapts`]) from runs done elsewhere (earlier
/// rounds, and the shards of this one): the outcome, the same as [`run`]'s, once
/// `known` holds every run the search asks for; else the first round it lacks.
pub fn search_from(plan: &Plan, known: Vec<(Job, Run)>) -> Result<Outcome, NextRound> {
    let mut source = Source::Known {
        runs: known.into_iter().map(|(j, r)| (job_key(&j), r)).collect(),
        rounds: 0,
    };
    search(plan, &mut source)
}

/// A round of runs a search asks for that have not run yet.
#[derive(Debug)]
pub struct NextRound {
    /// How many rounds the search had whole before this one: this one's number.
    pub round: u64,
    /// Its runs, in the order the search asks for them.
    pub jobs: Vec<Job>,
}

/// Where a search's rounds of runs come from.
pub(crate) enum Source<'a> {
    /// Simulated here, each round in one fan-out.
    Simulate(&'a Progress),
    /// Taken from runs done elsewhere, by job; a round not all there ends the search.
    Known {
        runs: std::collections::BTreeMap<(usize, u64, u64), Run>,
        /// Rounds served whole so far.
        rounds: u64,
    },
}

impl Source<'_> {
    /// The runs of one round of `jobs`, in their order.
    pub(crate) fn round(&mut self, plan: &Plan, jobs: &[Job]) -> Result<Vec<Run>, NextRound> {
        match self {
            Source::Simulate(progress) => {
                let bar = progress.bar_for(plan, jobs, "");
                let runs = run_jobs(plan, jobs, &|| bar.run_done());
                bar.finish();
                Ok(runs)
            }
            Source::Known { runs, rounds } => {
                if !jobs.iter().all(|j| runs.contains_key(&job_key(j))) {
                    return Err(NextRound {
                        round: *rounds,
                        jobs: jobs.to_vec(),
                    });
                }
                *rounds += 1;
                Ok(jobs
                    .iter()
                    .map(|j| runs.remove(&job_key(j)).expect("checked above"))
                    .collect())
            }
        }
    }

    /// The runs of `first`, in its order, and of every probe `state` asks for after
    /// them. Simulated here, a probe starts as soon as the runs it follows from are in;
    /// taken from elsewhere, the probes come in rounds, each asked for once the round
    /// before is whole. The probes are the same either way.
    fn rounds(
        &mut self,
        plan: &Plan,
        first: &[Job],
        searches: &[Search],
        state: &mut Searching,
    ) -> Result<(Vec<Run>, Vec<(Job, Run)>), NextRound> {
        if let Source::Simulate(progress) = self {
            return Ok(run_searching(plan, first, searches, state, progress));
        }
        let runs = self.round(plan, first)?;
        for (job, run) in first.iter().zip(&runs) {
            state.feed(job, run);
        }
        let probes = self.later_rounds(plan, searches, state)?;
        Ok((runs, probes))
    }

    /// Every round of probes `state` asks for from the runs it has, one after another.
    fn later_rounds(
        &mut self,
        plan: &Plan,
        searches: &[Search],
        state: &mut Searching,
    ) -> Result<Vec<(Job, Run)>, NextRound> {
        let mut probes = Vec::new();
        loop {
            let jobs = state.next_jobs(plan, searches);
            if jobs.is_empty() {
                return Ok(probes);
            }
            let runs = self.round(plan, &jobs)?;
            for (job, run) in jobs.into_iter().zip(runs) {
                state.feed(&job, &run);
                probes.push((job, run));
            }
        }
    }
}

/// A job as a key: its design, scale (bits) and replication.
fn job_key(job: &Job) -> (usize, u64, u64) {
    (job.design, job.scale.to_bits(), job.replication)
}

/// The break-even and crossover searches `plan` asks for, knowing nothing yet.
fn searches(plan: &Plan) -> Vec<Search> {
    let mut searches: Vec<Search> = (0..plan.designs().len())
        .filter(|&d| plan.searches_break_even(d))
        .map(|d| Search::new(Goal::BreakEven, vec![d], plan.break_even_precision()))
        .collect();
    if plan.command() == Command::Crossover {
        searches.push(Search::new(
            Goal::Crossover,
            vec![0, 1],
            CROSSOVER_PRECISION,
        ));
    }
    searches
}

/// The rest of [`run`] once every job of `plan.jobs()` has run in the shards of a plan
/// that does not search ([`adapts`]), whose results `scalecost merge` gathered, with
/// the growth loads the shards ran ahead ([`growth_ahead`]): the prices and the outcome.
pub fn finish(plan: &Plan, runs: Vec<Run>, ahead: Vec<(Job, Run)>) -> Outcome {
    let mut searches = searches(plan);
    let progress = Progress::silent();
    let mut source = Source::Simulate(&progress);
    let jobs = plan.jobs();
    let mut state = Searching::new(
        plan,
        &jobs,
        &[],
        &searches,
        &vec![Vec::new(); searches.len()],
    );
    for (job, run) in jobs.iter().zip(&runs) {
        state.feed(job, run);
    }
    let rest = source
        .later_rounds(plan, &searches, &mut state)
        .and_then(|probes| {
            let extra = state.finish(&mut searches, probes);
            finish_rest(plan, runs, &searches, extra, ahead, &mut source)
        });
    match rest {
        Ok(outcome) => outcome,
        Err(_) => unreachable!("a search that simulates its runs never lacks one"),
    }
}

/// The rest of the path once the searches are done: `runs` of the plan's jobs, `extra`
/// the searches' runs, `ahead` the growth loads known from the plan; then the growth
/// loads the searches lead to, from `source`; then the prices and the outcome.
fn finish_rest(
    plan: &Plan,
    runs: Vec<Run>,
    searches: &[Search],
    mut extra: Vec<(Job, Run)>,
    ahead: Vec<(Job, Run)>,
    source: &mut Source,
) -> Result<Outcome, NextRound> {
    let jobs = plan.jobs();
    assert_eq!(jobs.len(), runs.len(), "one run per job of the plan");
    let break_evens: Vec<Option<BreakEven>> = (0..plan.designs().len())
        .map(|d| {
            searches
                .iter()
                .find(|s| s.goal == Goal::BreakEven && s.designs == [d])
                .map(break_even)
        })
        .collect();
    let crossover = searches
        .iter()
        .find(|s| s.goal == Goal::Crossover)
        .map(|s| crossover::result(plan, s));
    growth_loads(plan, &jobs, &runs, &mut extra, ahead, source)?;
    let results = price(plan, &jobs, runs, &extra);
    let mut out = outcome::build(plan, &jobs, results, break_evens);
    out.crossover = crossover;
    if plan.command() == Command::Sensitivity {
        out.sensitivity = sensitivity::assumptions(&out);
    }
    Ok(out)
}

/// Prices every run of `jobs` from the loads its design simulated (its own and
/// `extra`), in parallel and in input order.
fn price(plan: &Plan, jobs: &[Job], runs: Vec<Run>, extra: &[(Job, Run)]) -> Vec<ScaleResult> {
    let loads: Vec<Loads> = (0..plan.designs().len())
        .map(|d| {
            Loads::new(
                jobs.iter()
                    .zip(&runs)
                    .chain(extra.iter().map(|(j, r)| (j, r)))
                    .filter(|(j, _)| j.design == d && j.replication == 0)
                    .map(|(_, r)| r.basis.clone())
                    .collect(),
            )
        })
        .collect();
    jobs.iter()
        .zip(runs)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(job, run)| {
            let scenario = plan.designs()[job.design].scenario();
            let economics =
                economics::evaluate(scenario, &run.metrics, &run.basis, &loads[job.design]);
            ScaleResult {
                metrics: run.metrics,
                economics,
            }
        })
        .collect()
}

/// Prices runs from the loads among themselves only: for searches that run designs a
/// few at a time and need no growth path or break-even.
pub fn price_held(plan: &Plan, jobs: &[Job], runs: Vec<Run>) -> Vec<ScaleResult> {
    price(plan, jobs, runs, &[])
}

/// Simulates one job and projects it onto a month.
pub fn run_job(plan: &Plan, job: &Job) -> Run {
    let scenario = plan.designs()[job.design].scenario();
    let metrics = sim::simulate(scenario, job.scale, job.replication);
    let basis = month::basis(scenario, &metrics);
    Run { metrics, basis }
}

/// Runs `jobs` in parallel; results come back in the order of `jobs`.
///
/// The largest runs start first: started in input order, the largest scale (usually
/// last) would begin when the others are done and run alone on one core at the end.
/// Each run owns its streams, so the order changes no result.
pub fn run_jobs(plan: &Plan, jobs: &[Job], done: &(dyn Fn() + Sync)) -> Vec<Run> {
    let mut order: Vec<(usize, f64)> = jobs.iter().map(|j| requests(plan, j)).enumerate().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut finished: Vec<(usize, Run)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&(i, _)| {
            let run = run_job(plan, &jobs[i]);
            done();
            (i, run)
        })
        .collect();
    finished.sort_by_key(|(i, _)| *i);
    finished.into_iter().map(|(_, run)| run).collect()
}

/// A run waiting for a thread in [`run_searching`].
struct Queued {
    job: Job,
    /// Asked for by a search's later round (else one of the first runs).
    probe: bool,
    /// Requests it simulates.
    size: f64,
    /// Its place among the first runs, or among the probes in the order asked.
    index: usize,
}

impl Queued {
    /// Probes first, each round's answer waits on them; then the largest runs, so that
    /// none starts late and runs alone on one core at the end; then as asked.
    fn cmp(&self, other: &Queued) -> std::cmp::Ordering {
        self.probe
            .cmp(&other.probe)
            .then(self.size.total_cmp(&other.size))
            .then(other.index.cmp(&self.index))
    }
}

/// What the threads of [`run_searching`] share.
struct Shared<'a> {
    state: &'a mut Searching,
    /// Runs waiting for a thread: each task takes the first when it starts.
    queue: Vec<Queued>,
    /// Probes asked for so far.
    asked: usize,
    first: Vec<Option<Run>>,
    probes: Vec<(Job, Run)>,
}

impl Shared<'_> {
    /// Queues `jobs`, asked for by the searches; returns how many.
    fn ask(&mut self, plan: &Plan, jobs: Vec<Job>) -> usize {
        let n = jobs.len();
        for job in jobs {
            self.queue.push(Queued {
                job,
                probe: true,
                size: requests(plan, &job),
                index: self.asked,
            });
            self.asked += 1;
        }
        n
    }

    fn take(&mut self) -> Option<Queued> {
        let best = (0..self.queue.len()).max_by(|&a, &b| self.queue[a].cmp(&self.queue[b]))?;
        Some(self.queue.swap_remove(best))
    }
}

/// What every task of [`run_searching`] reads.
struct Context<'a> {
    plan: &'a Plan,
    searches: &'a [Search],
    bar: &'a Bar,
    shared: Mutex<Shared<'a>>,
}

impl<'a> Context<'a> {
    fn lock(&self) -> MutexGuard<'_, Shared<'a>> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The requests `job` simulates, as planned.
fn requests(plan: &Plan, job: &Job) -> f64 {
    let scenario = plan.designs()[job.design].scenario();
    crate::work::RunWork::of(scenario, scenario.workload().users * job.scale).requests
}

/// Runs `first` and every probe the searches of `state` ask for, in one fan-out: a
/// probe starts as soon as the runs it follows from are in, beside the runs still
/// going (the largest scale), instead of after them. The runs of `first` come back in
/// its order, the probes in any; which probes are asked for does not depend on the
/// order in which runs finish ([`Searching`]), so neither does anything made of them.
fn run_searching(
    plan: &Plan,
    first: &[Job],
    searches: &[Search],
    state: &mut Searching,
    progress: &Progress,
) -> (Vec<Run>, Vec<(Job, Run)>) {
    let bar = progress.bar_for(plan, first, "");
    let queue: Vec<Queued> = first
        .iter()
        .enumerate()
        .map(|(index, job)| Queued {
            job: *job,
            probe: false,
            size: requests(plan, job),
            index,
        })
        .collect();
    let mut shared = Shared {
        state,
        queue,
        asked: 0,
        first: (0..first.len()).map(|_| None).collect(),
        probes: Vec::new(),
    };
    let now = shared.state.next_jobs(plan, searches);
    shared.ask(plan, now);
    let tasks = shared.queue.len();
    let cx = Context {
        plan,
        searches,
        bar: &bar,
        shared: Mutex::new(shared),
    };
    rayon::scope(|scope| {
        for _ in 0..tasks {
            scope.spawn(|scope| task(scope, &cx));
        }
    });
    let Shared { first, probes, .. } = cx
        .shared
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    bar.finish();
    let first = first
        .into_iter()
        .map(|run| run.expect("every queued run ran"))
        .collect();
    (first, probes)
}

/// One task of [`run_searching`]: runs the first queued run, then queues (and spawns a
/// task for) each probe that run lets the searches decide.
fn task<'s>(scope: &rayon::Scope<'s>, cx: &'s Context<'_>) {
    let Some(queued) = cx.lock().take() else {
        return;
    };
    let run = run_job(cx.plan, &queued.job);
    cx.bar.run_done();
    let added = {
        let mut shared = cx.lock();
        shared.state.feed(&queued.job, &run);
        if queued.probe {
            shared.probes.push((queued.job, run));
        } else {
            shared.first[queued.index] = Some(run);
        }
        // Once stopped, every run ends at once; no point in asking for more.
        if crate::interrupt::requested() {
            0
        } else {
            let jobs = shared.state.next_jobs(cx.plan, cx.searches);
            cx.bar.add(cx.plan, &jobs);
            shared.ask(cx.plan, jobs)
        }
    };
    for _ in 0..added {
        scope.spawn(move |scope| task(scope, cx));
    }
}

/// The break-even of one design from its search: every zero crossing of monthly
/// profit in the range, and the first where it turns profitable.
fn break_even(s: &Search) -> BreakEven {
    let k = s.sorted();
    let lowest = k.first().map_or(0.0, |x| x.users);
    let highest = k.last().map_or(0.0, |x| x.users);
    let crossings: Vec<Crossing> = bracket::brackets(&k)
        .into_iter()
        .take(bracket::MAX_CROSSINGS)
        .map(|(lo, hi)| Crossing {
            users: hi.users,
            direction: if hi.value >= 0.0 {
                Direction::Profitable
            } else {
                Direction::Unprofitable
            },
            precision: bracket::precision(&lo, &hi),
        })
        .collect();
    let below = k.first().is_some_and(|x| x.value >= 0.0);
    let first_up = crossings
        .iter()
        .find(|c| c.direction == Direction::Profitable);
    let (status, users, precision) = if below {
        (BreakEvenStatus::BelowRange, Some(lowest), 0.0)
    } else if let Some(c) = first_up {
        (BreakEvenStatus::Found, Some(c.users), c.precision)
    } else {
        (BreakEvenStatus::Never, None, 0.0)
    };
    BreakEven {
        status,
        users,
        search_users: [lowest, highest],
        precision,
        crossings,
        probes: k
            .iter()
            .filter(|x| !x.interpolated)
            .map(|x| Probe {
                users: x.users,
                monthly_profit: x.parts[0],
                monthly_cost: x.parts[1],
                monthly_revenue: x.parts[2],
                transactions_per_month: x.transactions[0],
                cost_per_transaction: (x.transactions[0] > 0.0)
                    .then(|| economics::clean(x.parts[1] / x.transactions[0])),
            })
            .collect(),
    }
}

/// The growth loads that can be known before any run: those of the designs no
/// break-even or crossover search probes, whose growth path depends on the plan's
/// own loads only. A sharded run simulates them in its shards, not in the merge.
pub fn growth_ahead(plan: &Plan) -> Vec<Job> {
    let searched =
        |d: usize| plan.searches_break_even(d) || (plan.command() == Command::Crossover && d < 2);
    let jobs = plan.jobs();
    let users = |j: &Job| plan.designs()[j.design].scenario().workload().users * j.scale;
    growth_jobs(plan, jobs.iter().map(|j| (j, users(j))))
        .into_iter()
        .filter(|j| !searched(j.design))
        .collect()
}

/// For each design that declares growth, simulates loads along each scale's path of
/// users so that every month is priced from simulated loads at most
/// [`economics::GROWTH_SPACING`] apart; of those, the ones in `ahead` are not
/// simulated again.
fn growth_loads(
    plan: &Plan,
    jobs: &[Job],
    runs: &[Run],
    extra: &mut Vec<(Job, Run)>,
    mut ahead: Vec<(Job, Run)>,
    source: &mut Source,
) -> Result<(), NextRound> {
    let more = growth_jobs(
        plan,
        jobs.iter()
            .zip(runs)
            .map(|(j, r)| (j, r.metrics.users))
            .chain(extra.iter().map(|(j, r)| (j, r.metrics.users))),
    );
    // In the order of `more`, whichever ran where: the loads are kept in that order.
    let found: Vec<Option<Run>> = more
        .iter()
        .map(|job| {
            ahead
                .iter()
                .position(|(j, _)| same_job(j, job))
                .map(|i| ahead.swap_remove(i).1)
        })
        .collect();
    let todo: Vec<Job> = more
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(j, _)| *j)
        .collect();
    let mut simulated = if todo.is_empty() {
        Vec::new()
    } else {
        source.round(plan, &todo)?
    }
    .into_iter();
    for (job, found) in more.into_iter().zip(found) {
        let run = found.or_else(|| simulated.next());
        extra.push((job, run.expect("one simulated run per job not run ahead")));
    }
    Ok(())
}

fn same_job(a: &Job, b: &Job) -> bool {
    a.design == b.design && a.scale.to_bits() == b.scale.to_bits() && a.replication == b.replication
}

/// The jobs a growth path needs beyond the loads `have` (each replication-0 run's job
/// and users), design by design, in the order they are to run.
fn growth_jobs<'a>(plan: &Plan, have: impl Iterator<Item = (&'a Job, f64)> + Clone) -> Vec<Job> {
    let mut more: Vec<Job> = Vec::new();
    for (d, design) in plan.designs().iter().enumerate() {
        let scenario = design.scenario();
        if scenario.workload().growth.is_none() {
            continue;
        }
        let mut have: Vec<f64> = have
            .clone()
            .filter(|(j, _)| j.design == d && j.replication == 0)
            .map(|(_, u)| u)
            .collect();
        for &scale in scenario.scales() {
            for users in economics::growth_grid(scenario, scale) {
                let near = have
                    .iter()
                    .any(|&u| (u / users).ln().abs() <= economics::GROWTH_SPACING.sqrt().ln());
                if !near {
                    have.push(users);
                    more.push(Job {
                        design: d,
                        scale: users / scenario.workload().users,
                        replication: 0,
                    });
                }
            }
        }
    }
    more
}
