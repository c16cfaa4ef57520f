//! The one fan-out: runs a plan's jobs on the thread pool and gathers them in input
//! order; then, with the same job function, the loads the break-even search probes and
//! the loads a growing user base passes through; then prices every run.
//!
//! Each run owns its state and its seeded streams, so the results do not depend on
//! how many threads ran them or in which order they finished.

use rayon::prelude::*;

use crate::economics::month::{self, MonthBasis};
use crate::economics::{self, Loads, SCHEDULE_MONTHS};
use crate::metrics::RunMetrics;
use crate::outcome::{
    self, BreakEven, BreakEvenStatus, Crossing, Direction, Outcome, Probe, ScaleResult,
};
use crate::progress::Progress;
use crate::scenario::plan::{Job, Plan};
use crate::sim;

/// Relative precision the break-even search stops at.
pub const BREAK_EVEN_PRECISION: f64 = 0.01;
/// Loads simulated per bracket per round of the search; fixed so the answer does not
/// depend on how many threads there are.
const PROBES_PER_ROUND: usize = 3;
/// Simulated scales further apart than this get loads probed between them, so that a
/// profit that dips and recovers between two scales is seen.
const PROBE_SPACING: f64 = 3.2;
/// A growing user base is priced from simulated loads at most this far apart.
const GROWTH_SPACING: f64 = 2.0;
/// Rounds of the break-even search at most; each narrows every bracket fourfold.
const MAX_ROUNDS: usize = 12;
/// Most zero crossings reported; more are noise around zero profit.
const MAX_CROSSINGS: usize = 16;

/// What one job measured, and its month before prices.
pub struct Run {
    pub metrics: RunMetrics,
    pub basis: MonthBasis,
}

/// Runs `plan` and returns its outcome.
pub fn run(plan: &Plan, progress: &Progress) -> Outcome {
    let jobs = plan.jobs();
    let bar = progress.bar(plan, jobs.len() as u64);
    let runs = run_jobs(plan, &jobs, &|| bar.inc(1));
    bar.finish_and_clear();
    // Every rep-0 run of each design, in users: what growth and break-even price from.
    let mut extra: Vec<(Job, Run)> = Vec::new();
    let break_evens = break_even(plan, &jobs, &runs, &mut extra);
    growth_loads(plan, &jobs, &runs, &mut extra);
    let loads: Vec<Loads> = (0..plan.designs().len())
        .map(|d| {
            Loads::new(
                jobs.iter()
                    .zip(&runs)
                    .map(|(j, r)| (j, r))
                    .chain(extra.iter().map(|(j, r)| (j, r)))
                    .filter(|(j, _)| j.design == d && j.replication == 0)
                    .map(|(_, r)| r.basis.clone())
                    .collect(),
            )
        })
        .collect();
    let results: Vec<ScaleResult> = jobs
        .iter()
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
        .collect();
    outcome::build(plan, &jobs, results, break_evens)
}

/// Simulates one job and projects it onto a month.
pub fn run_job(plan: &Plan, job: &Job) -> Run {
    let scenario = plan.designs()[job.design].scenario();
    let metrics = sim::simulate(scenario, job.scale, job.replication);
    let basis = month::basis(scenario, &metrics);
    Run { metrics, basis }
}

/// Runs `jobs` in parallel; results come back in the order of `jobs`.
pub fn run_jobs(plan: &Plan, jobs: &[Job], done: &(dyn Fn() + Sync)) -> Vec<Run> {
    jobs.par_iter()
        .map(|job| {
            let run = run_job(plan, job);
            done();
            run
        })
        .collect()
}

/// Runs `jobs` and keeps them with their jobs.
fn run_more(plan: &Plan, jobs: Vec<Job>) -> Vec<(Job, Run)> {
    let runs = run_jobs(plan, &jobs, &|| {});
    jobs.into_iter().zip(runs).collect()
}

/// A load the search knows: users, profit, costs, revenue, and whether it is the
/// right-hand side of a step cost's threshold (the same run, one user more).
#[derive(Clone, Copy, Debug)]
struct Known {
    users: f64,
    profit: f64,
    cost: f64,
    revenue: f64,
    /// Just past a threshold: the crossing before it is exact.
    past_threshold: bool,
    /// Priced from the simulated loads around it rather than simulated itself (a step
    /// cost's threshold: the jump is known exactly, the infrastructure barely moves).
    interpolated: bool,
}

impl Known {
    fn of(plan: &Plan, design: usize, basis: &MonthBasis, users: f64, past: bool) -> Known {
        let scenario = plan.designs()[design].scenario();
        let (profit, cost, revenue) =
            economics::monthly_profit_at(scenario, basis, users).expect("revenue is declared");
        Known {
            users,
            profit,
            cost,
            revenue,
            past_threshold: past,
            interpolated: false,
        }
    }
}

/// For each design that asks for it, every zero crossing of monthly profit between its
/// smallest and largest scale: the scales, loads between scales that are far apart,
/// and the thresholds of step costs (where profit jumps) are simulated; every bracket
/// where profit changes sign is then narrowed by simulating loads spaced evenly in
/// log-space inside it, a few per round, until it is within [`BREAK_EVEN_PRECISION`].
/// Every design's probes of a round run in one fan-out.
fn break_even(
    plan: &Plan,
    jobs: &[Job],
    runs: &[Run],
    extra: &mut Vec<(Job, Run)>,
) -> Vec<Option<BreakEven>> {
    let designs: Vec<usize> = (0..plan.designs().len())
        .filter(|&d| plan.searches_break_even(d))
        .collect();
    let mut known: Vec<Vec<Known>> = vec![Vec::new(); plan.designs().len()];
    for (j, r) in jobs.iter().zip(runs) {
        if designs.contains(&j.design) && j.replication == 0 {
            known[j.design].push(Known::of(plan, j.design, &r.basis, r.metrics.users, false));
        }
    }
    let users0 = |d: usize| plan.designs()[d].scenario().workload().users;
    let probe = |d: usize, users: f64| Job {
        design: d,
        scale: users / users0(d),
        replication: 0,
    };
    // Round 0: between far-apart scales.
    let mut first: Vec<Job> = Vec::new();
    for &d in &designs {
        let k = &mut known[d];
        k.sort_by(|a, b| a.users.total_cmp(&b.users));
        for pair in k.windows(2) {
            let ratio = pair[1].users / pair[0].users;
            let n = (ratio.ln() / PROBE_SPACING.ln()).ceil() as usize;
            for i in 1..n {
                first.push(probe(d, pair[0].users * ratio.powf(i as f64 / n as f64)));
            }
        }
    }
    let found = run_more(plan, first);
    for (j, r) in &found {
        known[j.design].push(Known::of(plan, j.design, &r.basis, r.metrics.users, false));
    }
    extra.extend(found);
    // At each step cost's threshold, and just past it, priced from the loads around it.
    for &d in &designs {
        let bases: Vec<MonthBasis> = jobs
            .iter()
            .zip(runs)
            .map(|(j, r)| (j, &r.basis))
            .chain(extra.iter().map(|(j, r)| (j, &r.basis)))
            .filter(|(j, _)| j.design == d && j.replication == 0)
            .map(|(_, b)| b.clone())
            .collect();
        let loads = Loads::new(bases);
        let k = &mut known[d];
        k.sort_by(|a, b| a.users.total_cmp(&b.users));
        let (Some(lo), Some(hi)) = (k.first().map(|x| x.users), k.last().map(|x| x.users)) else {
            continue;
        };
        for t in economics::step_thresholds(plan.designs()[d].scenario(), lo, hi) {
            let Some((basis, _)) = loads.at(t) else {
                continue;
            };
            for (users, past) in [(t, false), (t * (1.0 + 1e-9), true)] {
                let mut x = Known::of(plan, d, &basis, users, past);
                x.interpolated = true;
                k.push(x);
            }
        }
    }
    // Then narrow every bracket, round by round.
    for _ in 0..MAX_ROUNDS {
        let mut round: Vec<Job> = Vec::new();
        for &d in &designs {
            let k = &mut known[d];
            k.sort_by(|a, b| a.users.total_cmp(&b.users));
            for (lo, hi) in brackets(k).into_iter().take(MAX_CROSSINGS) {
                if hi.users / lo.users - 1.0 > BREAK_EVEN_PRECISION && !hi.past_threshold {
                    let step = (hi.users / lo.users).ln() / (PROBES_PER_ROUND + 1) as f64;
                    round.extend(
                        (1..=PROBES_PER_ROUND)
                            .map(|i| probe(d, lo.users * (step * i as f64).exp())),
                    );
                }
            }
        }
        if round.is_empty() {
            break;
        }
        let found = run_more(plan, round);
        for (j, r) in &found {
            known[j.design].push(Known::of(plan, j.design, &r.basis, r.metrics.users, false));
        }
        extra.extend(found);
    }
    (0..plan.designs().len())
        .map(|d| {
            if !designs.contains(&d) {
                return None;
            }
            let mut k = known[d].clone();
            k.sort_by(|a, b| a.users.total_cmp(&b.users));
            let lowest = k.first().map_or(0.0, |x| x.users);
            let highest = k.last().map_or(0.0, |x| x.users);
            let crossings: Vec<Crossing> = brackets(&k)
                .into_iter()
                .take(MAX_CROSSINGS)
                .map(|(lo, hi)| Crossing {
                    users: hi.users,
                    direction: if hi.profit >= 0.0 {
                        Direction::Profitable
                    } else {
                        Direction::Unprofitable
                    },
                    precision: if hi.past_threshold {
                        0.0
                    } else {
                        hi.users / lo.users - 1.0
                    },
                })
                .collect();
            let below = k.first().is_some_and(|x| x.profit >= 0.0);
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
            Some(BreakEven {
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
                        monthly_profit: x.profit,
                        monthly_cost: x.cost,
                        monthly_revenue: x.revenue,
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Neighbouring known loads between which monthly profit changes sign, in order.
fn brackets(known: &[Known]) -> Vec<(Known, Known)> {
    known
        .windows(2)
        .filter(|w| (w[0].profit >= 0.0) != (w[1].profit >= 0.0))
        .map(|w| (w[0], w[1]))
        .collect()
}

/// For each design that declares growth, simulates loads along each scale's path of
/// users so that every month is priced from simulated loads at most
/// [`GROWTH_SPACING`] apart.
fn growth_loads(plan: &Plan, jobs: &[Job], runs: &[Run], extra: &mut Vec<(Job, Run)>) {
    let mut more: Vec<Job> = Vec::new();
    for (d, design) in plan.designs().iter().enumerate() {
        let scenario = design.scenario();
        if scenario.workload().growth.is_none() {
            continue;
        }
        let mut have: Vec<f64> = jobs
            .iter()
            .zip(runs)
            .map(|(j, r)| (j, r.metrics.users))
            .chain(extra.iter().map(|(j, r)| (j, r.metrics.users)))
            .filter(|(j, _)| j.design == d && j.replication == 0)
            .map(|(_, u)| u)
            .collect();
        for &scale in scenario.scales() {
            let path = economics::growth_path(scenario, scale, SCHEDULE_MONTHS);
            let lo = path.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = path.iter().copied().fold(0.0, f64::max);
            let n = ((hi / lo).ln() / GROWTH_SPACING.ln()).ceil().max(0.0) as usize;
            for i in 0..=n {
                let users = if n == 0 {
                    lo
                } else {
                    lo * (hi / lo).powf(i as f64 / n as f64)
                };
                let near = have
                    .iter()
                    .any(|&u| (u / users).ln().abs() <= GROWTH_SPACING.sqrt().ln());
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
    if !more.is_empty() {
        extra.extend(run_more(plan, more));
    }
}
