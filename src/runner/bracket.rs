//! The bracketing search shared by break-even and crossover: where does a figure of
//! monthly money (profit, or one design's cost minus another's) change sign as users
//! grow? The simulated scales, loads between far-apart scales, and the thresholds of
//! step costs (where the figure jumps) are known first; every bracket where the sign
//! changes is then narrowed by simulating loads spaced evenly in log-space inside it,
//! a few per round, until it is within the search's precision. Every search's probes of
//! a round run in one fan-out, so the answer does not depend on the thread count.

use super::{NextRound, Run, Source};
use crate::economics::month::MonthBasis;
use crate::economics::{self, Loads};
use crate::scenario::plan::{Job, Plan};

/// Loads simulated per bracket per round; fixed so the answer does not depend on how
/// many threads there are.
const PROBES_PER_ROUND: usize = 3;
/// Simulated scales further apart than this get loads probed between them, so that a
/// figure that dips and recovers between two scales is seen.
const PROBE_SPACING: f64 = 3.2;
/// Rounds at most; each narrows every bracket fourfold.
const MAX_ROUNDS: usize = 12;
/// Most sign changes followed; more are noise around zero.
pub const MAX_CROSSINGS: usize = 16;

/// What is weighed at each load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// Monthly profit of one design: parts are `[profit, cost, revenue]`.
    BreakEven,
    /// The first design's monthly cost minus the second's: parts are both costs.
    Crossover,
}

/// A load the search knows.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub users: f64,
    /// The figure whose sign is followed.
    pub value: f64,
    /// What it is made of (see [`Goal`]).
    pub parts: [f64; 3],
    /// Successful transactions a month of each design weighed, in the search's order.
    pub transactions: [f64; 2],
    /// Just past a step cost's threshold (the same loads, a hair more users): the
    /// crossing before it is exact.
    pub past_threshold: bool,
    /// Priced from the simulated loads around it rather than simulated itself (at a
    /// threshold the jump is known exactly; the infrastructure barely moves).
    pub interpolated: bool,
}

/// One search: its goal, the designs it weighs, what it knows so far.
pub struct Search {
    pub goal: Goal,
    pub designs: Vec<usize>,
    pub precision: f64,
    pub known: Vec<Point>,
}

impl Search {
    pub fn new(goal: Goal, designs: Vec<usize>, precision: f64) -> Search {
        Search {
            goal,
            designs,
            precision,
            known: Vec::new(),
        }
    }

    fn point(&self, plan: &Plan, bases: &[&MonthBasis], users: f64, past: bool) -> Point {
        let scenario = |i: usize| plan.designs()[self.designs[i]].scenario();
        let (value, parts, transactions) = match self.goal {
            Goal::BreakEven => {
                let y1 = economics::year_one_month(scenario(0), bases[0], users);
                let profit = y1.revenue - y1.cost;
                (
                    profit,
                    [profit, y1.cost, y1.revenue],
                    [y1.transactions, 0.0],
                )
            }
            Goal::Crossover => {
                let a = economics::year_one_month(scenario(0), bases[0], users);
                let b = economics::year_one_month(scenario(1), bases[1], users);
                (
                    a.cost - b.cost,
                    [a.cost, b.cost, 0.0],
                    [a.transactions, b.transactions],
                )
            }
        };
        Point {
            users,
            value,
            parts,
            transactions,
            past_threshold: past,
            interpolated: false,
        }
    }

    /// The known points, sorted by users.
    pub fn sorted(&self) -> Vec<Point> {
        let mut k = self.known.clone();
        k.sort_by(|a, b| a.users.total_cmp(&b.users));
        k
    }
}

/// Neighbouring known loads between which the figure changes sign, in order.
pub fn brackets(known: &[Point]) -> Vec<(Point, Point)> {
    known
        .windows(2)
        .filter(|w| (w[0].value >= 0.0) != (w[1].value >= 0.0))
        .map(|w| (w[0], w[1]))
        .collect()
}

/// The users a design's runs at `scale` stand for: the same load for every design of a
/// search, since they share users.
fn job(plan: &Plan, design: usize, users: f64) -> Job {
    Job {
        design,
        scale: users / plan.designs()[design].scenario().workload().users,
        replication: 0,
    }
}

/// The runs that simulate every search's `probes` (users) for all its designs, in the
/// order [`absorb`] expects them.
pub fn probe_jobs(plan: &Plan, searches: &[Search], probes: &[Vec<f64>]) -> Vec<Job> {
    searches
        .iter()
        .zip(probes)
        .flat_map(|(s, users)| {
            users
                .iter()
                .flat_map(move |&u| s.designs.iter().map(move |&d| job(plan, d, u)))
        })
        .collect()
}

/// Adds what the runs of `probes` (from [`probe_jobs`], in its order) found to the
/// searches; the runs go to `extra`.
fn absorb(
    plan: &Plan,
    searches: &mut [Search],
    probes: &[Vec<f64>],
    found: Vec<(Job, Run)>,
    extra: &mut Vec<(Job, Run)>,
) {
    let mut at = 0;
    for (s, users) in searches.iter_mut().zip(probes) {
        for _ in users {
            let runs = &found[at..at + s.designs.len()];
            at += s.designs.len();
            let bases: Vec<&MonthBasis> = runs.iter().map(|(_, r)| &r.basis).collect();
            let p = s.point(plan, &bases, runs[0].1.metrics.users, false);
            s.known.push(p);
        }
    }
    extra.extend(found);
}

/// Simulates every search's `probes` (users) for all its designs in one fan-out and
/// adds what they find to the searches; the runs go to `extra`.
fn probe(
    plan: &Plan,
    searches: &mut [Search],
    probes: Vec<Vec<f64>>,
    extra: &mut Vec<(Job, Run)>,
    source: &mut Source,
) -> Result<(), NextRound> {
    let jobs = probe_jobs(plan, searches, &probes);
    if jobs.is_empty() {
        return Ok(());
    }
    let runs = source.round(plan, &jobs)?;
    absorb(
        plan,
        searches,
        &probes,
        jobs.into_iter().zip(runs).collect(),
        extra,
    );
    Ok(())
}

/// The users of each scale where every design of search `s` runs in `jobs` (the first
/// design's users at that scale, as its run will report them).
fn scale_users(plan: &Plan, jobs: &[Job], s: &Search) -> Vec<f64> {
    let first = plan.designs()[s.designs[0]].scenario();
    first
        .scales()
        .iter()
        .filter(|&&scale| {
            s.designs.iter().all(|&d| {
                jobs.iter()
                    .any(|j| j.design == d && j.scale == scale && j.replication == 0)
            })
        })
        .map(|&scale| first.workload().users * scale)
        .collect()
}

/// Round 0 of every search: loads between far-apart scales. They follow from the
/// plan alone, so the runner simulates them in the same fan-out as the scales.
pub fn between_scales(plan: &Plan, jobs: &[Job], searches: &[Search]) -> Vec<Vec<f64>> {
    searches
        .iter()
        .map(|s| {
            let mut users = scale_users(plan, jobs, s);
            users.sort_by(f64::total_cmp);
            users
                .windows(2)
                .flat_map(|pair| {
                    let ratio = pair[1] / pair[0];
                    let n = (ratio.ln() / PROBE_SPACING.ln()).ceil() as usize;
                    (1..n).map(move |i| pair[0] * ratio.powf(i as f64 / n as f64))
                })
                .collect()
        })
        .collect()
}

/// Runs every search: `jobs` and `runs` are the plan's own, already simulated, and
/// `between` the loads of round 0 ([`between_scales`]) with their runs (`early`, in
/// [`probe_jobs`] order), simulated beside them; each later round of probes comes from
/// `source`, and the searches' runs are added to `extra`.
pub fn search(
    plan: &Plan,
    jobs: &[Job],
    runs: &[Run],
    searches: &mut [Search],
    between: &[Vec<f64>],
    early: Vec<(Job, Run)>,
    extra: &mut Vec<(Job, Run)>,
    source: &mut Source,
) -> Result<(), NextRound> {
    // What the scales already measured: each scale where every design of a search ran.
    for s in searches.iter_mut() {
        let first = plan.designs()[s.designs[0]].scenario();
        for &scale in first.scales() {
            let bases: Option<Vec<&MonthBasis>> = s
                .designs
                .iter()
                .map(|&d| {
                    jobs.iter()
                        .zip(runs)
                        .find(|(j, _)| j.design == d && j.scale == scale && j.replication == 0)
                        .map(|(_, r)| &r.basis)
                })
                .collect();
            if let Some(bases) = bases {
                let users = bases[0].users;
                let p = s.point(plan, &bases, users, false);
                s.known.push(p);
            }
        }
    }
    // Round 0, between far-apart scales, ran with the scales.
    absorb(plan, searches, between, early, extra);
    // At each step cost's threshold, and just past it, priced from the loads around it.
    for s in searches.iter_mut() {
        let loads: Vec<Loads> = s
            .designs
            .iter()
            .map(|&d| {
                Loads::new(
                    jobs.iter()
                        .zip(runs)
                        .map(|(j, r)| (j, &r.basis))
                        .chain(extra.iter().map(|(j, r)| (j, &r.basis)))
                        .filter(|(j, _)| j.design == d && j.replication == 0)
                        .map(|(_, b)| b.clone())
                        .collect(),
                )
            })
            .collect();
        let k = s.sorted();
        let (Some(lo), Some(hi)) = (k.first().map(|x| x.users), k.last().map(|x| x.users)) else {
            continue;
        };
        let mut thresholds: Vec<f64> = s
            .designs
            .iter()
            .flat_map(|&d| economics::step_thresholds(plan.designs()[d].scenario(), lo, hi))
            .collect();
        thresholds.sort_by(f64::total_cmp);
        thresholds.dedup();
        for t in thresholds {
            let Some(bases) = loads
                .iter()
                .map(|l| l.at(t).map(|(b, _)| b))
                .collect::<Option<Vec<MonthBasis>>>()
            else {
                continue;
            };
            let bases: Vec<&MonthBasis> = bases.iter().collect();
            for (users, past) in [(t, false), (t * (1.0 + 1e-9), true)] {
                let mut p = s.point(plan, &bases, users, past);
                p.interpolated = true;
                s.known.push(p);
            }
        }
    }
    // Then narrow every bracket, round by round.
    for _ in 0..MAX_ROUNDS {
        let round: Vec<Vec<f64>> = searches
            .iter()
            .map(|s| {
                brackets(&s.sorted())
                    .into_iter()
                    .take(MAX_CROSSINGS)
                    .filter(|(lo, hi)| {
                        hi.users / lo.users - 1.0 > s.precision && !hi.past_threshold
                    })
                    .flat_map(|(lo, hi)| {
                        let step = (hi.users / lo.users).ln() / (PROBES_PER_ROUND + 1) as f64;
                        (1..=PROBES_PER_ROUND).map(move |i| lo.users * (step * i as f64).exp())
                    })
                    .collect()
            })
            .collect();
        if round.iter().all(Vec::is_empty) {
            break;
        }
        probe(plan, searches, round, extra, source)?;
    }
    Ok(())
}

/// The relative width of the bracket a crossing was found in (0 when exact).
pub fn precision(lo: &Point, hi: &Point) -> f64 {
    if hi.past_threshold {
        0.0
    } else {
        hi.users / lo.users - 1.0
    }
}
