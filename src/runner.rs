//! The one fan-out: runs a plan's jobs on the thread pool and gathers them in input
//! order, then searches for break-even with the same job function, round by round.
//!
//! Each run owns its state and its seeded streams, so the results do not depend on
//! how many threads ran them or in which order they finished.

use rayon::prelude::*;

use crate::economics;
use crate::outcome::{self, BreakEven, BreakEvenStatus, Outcome, Probe, ScaleResult};
use crate::progress::Progress;
use crate::scenario::plan::{Job, Plan};
use crate::sim;

/// Relative precision the break-even search stops at.
pub const BREAK_EVEN_PRECISION: f64 = 0.01;
/// Loads simulated per round of the search; fixed so the answer does not depend on
/// how many threads there are.
const PROBES_PER_ROUND: usize = 3;

/// Runs `plan` and returns its outcome.
pub fn run(plan: &Plan, progress: &Progress) -> Outcome {
    let jobs = plan.jobs();
    let bar = progress.bar(plan, jobs.len() as u64);
    let results = run_jobs(plan, &jobs, &|| bar.inc(1));
    bar.finish_and_clear();
    let break_evens = break_even(plan, &jobs, &results);
    outcome::build(plan, &jobs, results, break_evens)
}

/// Simulates and prices one job.
pub fn run_job(plan: &Plan, job: &Job) -> ScaleResult {
    let scenario = plan.designs()[job.design].scenario();
    let metrics = sim::simulate(scenario, job.scale, job.replication);
    let economics = economics::evaluate(scenario, &metrics);
    ScaleResult { metrics, economics }
}

/// Runs `jobs` in parallel; results come back in the order of `jobs`.
pub fn run_jobs(plan: &Plan, jobs: &[Job], done: &(dyn Fn() + Sync)) -> Vec<ScaleResult> {
    jobs.par_iter()
        .map(|job| {
            let result = run_job(plan, job);
            done();
            result
        })
        .collect()
}

/// One design's search: the loads known so far (in scale units) and the bracket.
struct Search {
    design: usize,
    users0: f64,
    lowest: f64,
    highest: f64,
    probes: Vec<Probe>,
    bracket: Option<(f64, f64)>,
    status: BreakEvenStatus,
    users: Option<f64>,
}

impl Search {
    fn done(self) -> BreakEven {
        let mut probes = self.probes;
        probes.sort_by(|a, b| a.users.total_cmp(&b.users));
        let precision = match (self.status, self.bracket) {
            (BreakEvenStatus::Found, Some((lo, hi))) => hi / lo - 1.0,
            _ => 0.0,
        };
        BreakEven {
            status: self.status,
            users: self.users,
            search_users: [self.lowest * self.users0, self.highest * self.users0],
            precision,
            probes,
        }
    }
}

/// For each design that asks for it: brackets the first sign change of monthly profit
/// between its simulated scales, then narrows it by simulating loads spaced evenly in
/// log-space, a few per round, until the bracket is within [`BREAK_EVEN_PRECISION`].
/// Every design's probes of a round run in one fan-out.
fn break_even(plan: &Plan, jobs: &[Job], results: &[ScaleResult]) -> Vec<Option<BreakEven>> {
    let mut searches: Vec<Option<Search>> = (0..plan.designs().len())
        .map(|d| {
            if !plan.searches_break_even(d) {
                return None;
            }
            let users0 = plan.designs()[d].scenario().workload().users;
            let mut known: Vec<(f64, Probe)> = jobs
                .iter()
                .zip(results)
                .filter(|(j, _)| j.design == d && j.replication == 0)
                .filter_map(|(j, r)| Probe::of(r.metrics.users, &r.economics).map(|p| (j.scale, p)))
                .collect();
            known.sort_by(|a, b| a.0.total_cmp(&b.0));
            let lowest = known.first().map_or(1.0, |k| k.0);
            let highest = known.last().map_or(1.0, |k| k.0);
            let mut search = Search {
                design: d,
                users0,
                lowest,
                highest,
                probes: known.iter().map(|(_, p)| p.clone()).collect(),
                bracket: None,
                status: BreakEvenStatus::Never,
                users: None,
            };
            if known.first().is_some_and(|k| k.1.monthly_profit >= 0.0) {
                search.status = BreakEvenStatus::BelowRange;
                search.users = Some(lowest * users0);
            } else if let Some(i) = known
                .windows(2)
                .position(|w| w[0].1.monthly_profit < 0.0 && w[1].1.monthly_profit >= 0.0)
            {
                search.status = BreakEvenStatus::Found;
                search.bracket = Some((known[i].0, known[i + 1].0));
            }
            Some(search)
        })
        .collect();
    loop {
        // The next round of every search whose bracket is still too wide.
        let mut round: Vec<Job> = Vec::new();
        for s in searches.iter().flatten() {
            if let Some((lo, hi)) = s.bracket
                && hi / lo - 1.0 > BREAK_EVEN_PRECISION
            {
                let step = (hi / lo).ln() / (PROBES_PER_ROUND + 1) as f64;
                round.extend((1..=PROBES_PER_ROUND).map(|k| Job {
                    design: s.design,
                    scale: lo * (step * k as f64).exp(),
                    replication: 0,
                }));
            }
        }
        if round.is_empty() {
            break;
        }
        let found = run_jobs(plan, &round, &|| {});
        for s in searches.iter_mut().flatten() {
            let Some((lo, hi)) = s.bracket else { continue };
            let mine: Vec<(f64, Probe)> = round
                .iter()
                .zip(&found)
                .filter(|(j, _)| j.design == s.design)
                .map(|(j, r)| {
                    let p = Probe::of(r.metrics.users, &r.economics)
                        .expect("the search runs only designs that declare revenue");
                    (j.scale, p)
                })
                .collect();
            if mine.is_empty() {
                continue;
            }
            // The first profitable point closes the bracket from above.
            let (mut new_lo, mut new_hi) = (lo, hi);
            for (scale, p) in &mine {
                if p.monthly_profit >= 0.0 {
                    new_hi = *scale;
                    break;
                }
                new_lo = *scale;
            }
            s.probes.extend(mine.into_iter().map(|(_, p)| p));
            s.bracket = Some((new_lo, new_hi));
        }
    }
    searches
        .into_iter()
        .map(|s| {
            s.map(|mut s| {
                if let (BreakEvenStatus::Found, Some((_, hi))) = (s.status, s.bracket) {
                    s.users = Some(hi * s.users0);
                }
                s.done()
            })
        })
        .collect()
}
