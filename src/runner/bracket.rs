//! The bracketing search shared by break-even and crossover: where does a figure of
//! monthly money (profit, or one design's cost minus another's) change sign as users
//! grow? The simulated scales, loads between far-apart scales, and the thresholds of
//! step costs (where the figure jumps) are known first; every bracket where the sign
//! changes is then narrowed by simulating loads spaced evenly in log-space inside it,
//! a few per round, until it is within the search's precision. Which loads a round
//! probes follows from the loads found before it alone, never from how many threads
//! ran them or which finished first, so the answer does not depend on the thread count.

use std::collections::BTreeMap;

use super::{Run, job_key as key};
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
/// order search by search, load by load, design by design.
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

/// A job as a key: its design, scale (bits) and replication.
type Key = (usize, u64, u64);

/// A load one search weighs: where it stands among the others, what it is priced from,
/// and its point once those runs are in.
struct Slot {
    users: f64,
    /// The round that asked for it: 0 for the scales, the loads between them and the
    /// thresholds, which follow from the plan alone.
    round: usize,
    /// Its place among its round's loads of its search, in the order rounds find them.
    order: usize,
    /// For each design of the search, the runs it is priced from: its own, or for a
    /// threshold the simulated loads around it.
    needs: Vec<Vec<Key>>,
    /// At a step cost's threshold `(users, just past it)`, priced between loads.
    threshold: Option<(f64, bool)>,
    point: Option<Point>,
}

impl Slot {
    /// Orders loads by users; equal users in the order the rounds found them.
    fn cmp(&self, other: &Slot) -> std::cmp::Ordering {
        self.users
            .total_cmp(&other.users)
            .then(self.round.cmp(&other.round))
            .then(self.order.cmp(&other.order))
    }
}

/// How far one round of narrowing has got through the loads of the rounds before it.
#[derive(Default)]
struct Walk {
    /// The left load (among the earlier rounds' loads, sorted) of the window to decide next.
    next: usize,
    /// Sign changes passed so far: only the first [`MAX_CROSSINGS`] are narrowed.
    brackets: usize,
    /// Every window decided.
    done: bool,
}

/// One search under way.
struct Track {
    slots: Vec<Slot>,
    /// Rounds 1 to [`MAX_ROUNDS`].
    walks: Vec<Walk>,
}

/// Every search of a plan under way, decided window by window.
///
/// Round `r` narrows the brackets among the loads of rounds before it, as the first
/// [`MAX_CROSSINGS`] sign changes in order of users. What it does with a window depends
/// only on the loads up to that window's upper end, so it is decided as soon as those
/// are in and the round before has decided every window below it: a probe does not wait
/// for a larger load above it (the largest scale) that cannot change it. Decided in one
/// go once every earlier run is in, the rounds are the same, which is how a sharded
/// search takes them one at a time; either way the search asks for the same loads.
pub struct Searching {
    tracks: Vec<Track>,
    /// The month of every run in so far.
    bases: BTreeMap<Key, MonthBasis>,
    /// Where each probe of a later round stands in the order rounds ask for them:
    /// (round, search, place in its round, design).
    asked: BTreeMap<Key, (usize, usize, usize, usize)>,
}

impl Searching {
    /// The searches before any run: their loads of round 0 (the scales where every
    /// design of a search runs in `jobs`, the loads `between` them, whose runs are
    /// `early` in [`probe_jobs`] order, and the thresholds of step costs between the
    /// lowest and highest, each priced from the loads around it).
    pub fn new(
        plan: &Plan,
        jobs: &[Job],
        early: &[Job],
        searches: &[Search],
        between: &[Vec<f64>],
    ) -> Searching {
        let tracks = searches
            .iter()
            .zip(between)
            .map(|(s, between)| {
                let first = plan.designs()[s.designs[0]].scenario();
                let mut slots: Vec<Slot> = Vec::new();
                let add = |slots: &mut Vec<Slot>, users, needs, threshold| {
                    let order = slots.len();
                    slots.push(Slot {
                        users,
                        round: 0,
                        order,
                        needs,
                        threshold,
                        point: None,
                    });
                };
                for &scale in first.scales() {
                    let needs: Option<Vec<Vec<Key>>> = s
                        .designs
                        .iter()
                        .map(|&d| {
                            jobs.iter()
                                .find(|j| j.design == d && j.scale == scale && j.replication == 0)
                                .map(|j| vec![key(j)])
                        })
                        .collect();
                    if let Some(needs) = needs {
                        add(&mut slots, first.workload().users * scale, needs, None);
                    }
                }
                for &u in between {
                    let needs = s.designs.iter().map(|&d| vec![key(&job(plan, d, u))]);
                    add(
                        &mut slots,
                        reported_users(plan, s, u),
                        needs.collect(),
                        None,
                    );
                }
                let lo = slots.iter().map(|x| x.users).min_by(f64::total_cmp);
                let hi = slots.iter().map(|x| x.users).max_by(f64::total_cmp);
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    // Each design's simulated loads of round 0 as its prices see them:
                    // sorted by users, the first of equal ones kept.
                    let loads: Vec<Vec<(f64, Key)>> = s
                        .designs
                        .iter()
                        .map(|&d| {
                            let users =
                                |j: &Job| plan.designs()[d].scenario().workload().users * j.scale;
                            let mut l: Vec<(f64, Key)> = jobs
                                .iter()
                                .chain(early)
                                .filter(|j| j.design == d && j.replication == 0)
                                .map(|j| (users(j), key(j)))
                                .collect();
                            l.sort_by(|a, b| a.0.total_cmp(&b.0));
                            l.dedup_by(|a, b| a.0 == b.0);
                            l
                        })
                        .collect();
                    let mut thresholds: Vec<f64> = s
                        .designs
                        .iter()
                        .flat_map(|&d| {
                            economics::step_thresholds(plan.designs()[d].scenario(), lo, hi)
                        })
                        .collect();
                    thresholds.sort_by(f64::total_cmp);
                    thresholds.dedup();
                    for t in thresholds {
                        let Some(needs) = loads
                            .iter()
                            .map(|l| around(l, t))
                            .collect::<Option<Vec<Vec<Key>>>>()
                        else {
                            continue;
                        };
                        for (users, past) in [(t, false), (t * (1.0 + 1e-9), true)] {
                            add(&mut slots, users, needs.clone(), Some((t, past)));
                        }
                    }
                }
                Track {
                    slots,
                    walks: (0..MAX_ROUNDS).map(|_| Walk::default()).collect(),
                }
            })
            .collect();
        Searching {
            tracks,
            bases: BTreeMap::new(),
            asked: BTreeMap::new(),
        }
    }

    /// Takes in a finished run.
    pub fn feed(&mut self, job: &Job, run: &Run) {
        self.bases.insert(key(job), run.basis.clone());
    }

    /// The probes that the runs in so far decide, in the order the rounds ask for them.
    pub fn next_jobs(&mut self, plan: &Plan, searches: &[Search]) -> Vec<Job> {
        let mut asked: Vec<((usize, usize, usize, usize), Job)> = Vec::new();
        for (si, (s, track)) in searches.iter().zip(&mut self.tracks).enumerate() {
            price(plan, s, &mut track.slots, &self.bases);
            // Loads of round `r` and before are all there up to `complete` users.
            let mut complete = f64::INFINITY;
            for r in 1..=MAX_ROUNDS {
                let mut view: Vec<usize> = (0..track.slots.len())
                    .filter(|&i| track.slots[i].round < r)
                    .collect();
                view.sort_by(|&a, &b| track.slots[a].cmp(&track.slots[b]));
                let mut order = track.slots.iter().filter(|x| x.round == r).count();
                let walk = &mut track.walks[r - 1];
                while !walk.done {
                    if walk.next + 1 >= view.len() {
                        walk.done = complete == f64::INFINITY;
                        break;
                    }
                    let (lo, hi) = (
                        &track.slots[view[walk.next]],
                        &track.slots[view[walk.next + 1]],
                    );
                    if hi.users > complete {
                        break;
                    }
                    let (Some(lo), Some(hi)) = (lo.point, hi.point) else {
                        break;
                    };
                    if (lo.value >= 0.0) != (hi.value >= 0.0) {
                        walk.brackets += 1;
                        if walk.brackets <= MAX_CROSSINGS
                            && hi.users / lo.users - 1.0 > s.precision
                            && !hi.past_threshold
                        {
                            let step = (hi.users / lo.users).ln() / (PROBES_PER_ROUND + 1) as f64;
                            for i in 1..=PROBES_PER_ROUND {
                                let u = lo.users * (step * i as f64).exp();
                                let jobs: Vec<Job> =
                                    s.designs.iter().map(|&d| job(plan, d, u)).collect();
                                asked.extend(
                                    jobs.iter()
                                        .enumerate()
                                        .map(|(di, j)| ((r, si, order, di), *j)),
                                );
                                track.slots.push(Slot {
                                    users: reported_users(plan, s, u),
                                    round: r,
                                    order,
                                    needs: jobs.iter().map(|j| vec![key(j)]).collect(),
                                    threshold: None,
                                    point: None,
                                });
                                order += 1;
                            }
                        }
                    }
                    walk.next += 1;
                }
                // The next round sees this one's loads up to the window it stopped at.
                if !walk.done {
                    complete = view
                        .get(walk.next)
                        .map_or(complete, |&i| track.slots[i].users.min(complete));
                }
            }
        }
        asked.sort_by_key(|(at, _)| *at);
        for (at, j) in &asked {
            self.asked.insert(key(j), *at);
        }
        asked.into_iter().map(|(_, j)| j).collect()
    }

    /// Writes what every search found into `searches`, its loads in the order the rounds
    /// found them; returns the runs of the later rounds' `probes` in the order the rounds
    /// asked for them.
    pub fn finish(self, searches: &mut [Search], mut probes: Vec<(Job, Run)>) -> Vec<(Job, Run)> {
        for (s, mut track) in searches.iter_mut().zip(self.tracks) {
            track
                .slots
                .sort_by(|a, b| a.round.cmp(&b.round).then(a.order.cmp(&b.order)));
            s.known = track.slots.into_iter().filter_map(|x| x.point).collect();
        }
        let at = |j: &Job| self.asked.get(&key(j)).copied();
        probes.sort_by_key(|(j, _)| at(j));
        probes
    }
}

/// The users a run of the first design of `s` at `users` reports (the probes' point).
fn reported_users(plan: &Plan, s: &Search, users: f64) -> f64 {
    let first = plan.designs()[s.designs[0]].scenario();
    first.workload().users * job(plan, s.designs[0], users).scale
}

/// The runs of `loads` (sorted by users) that [`Loads::at`] prices `users` from.
fn around(loads: &[(f64, Key)], users: f64) -> Option<Vec<Key>> {
    if loads.is_empty() {
        return None;
    }
    // The neighbours below and above, and one more above so that a load exactly at a
    // simulated one is still priced between two, as the whole list prices it.
    let i = loads
        .iter()
        .position(|l| l.0 >= users)
        .unwrap_or(loads.len());
    let from = i.saturating_sub(1).min(loads.len().saturating_sub(2));
    let to = (i + 2).min(loads.len()).max(from + 2).min(loads.len());
    Some(loads[from..to].iter().map(|l| l.1).collect())
}

/// Prices every load of a search whose runs are in.
fn price(plan: &Plan, s: &Search, slots: &mut [Slot], bases: &BTreeMap<Key, MonthBasis>) {
    for slot in slots.iter_mut().filter(|x| x.point.is_none()) {
        let Some(found) = slot
            .needs
            .iter()
            .map(|keys| {
                keys.iter()
                    .map(|k| bases.get(k))
                    .collect::<Option<Vec<_>>>()
            })
            .collect::<Option<Vec<Vec<&MonthBasis>>>>()
        else {
            continue;
        };
        slot.point = match slot.threshold {
            None => {
                let bases: Vec<&MonthBasis> = found.iter().map(|b| b[0]).collect();
                Some(s.point(plan, &bases, bases[0].users, false))
            }
            Some((t, past)) => {
                let Some(at) = found
                    .iter()
                    .map(|b| {
                        Loads::new(b.iter().map(|&x| x.clone()).collect())
                            .at(t)
                            .map(|(b, _)| b)
                    })
                    .collect::<Option<Vec<MonthBasis>>>()
                else {
                    continue;
                };
                let at: Vec<&MonthBasis> = at.iter().collect();
                let mut p = s.point(plan, &at, slot.users, past);
                p.interpolated = true;
                Some(p)
            }
        };
    }
}

/// The relative width of the bracket a crossing was found in (0 when exact).
pub fn precision(lo: &Point, hi: &Point) -> f64 {
    if hi.past_threshold {
        0.0
    } else {
        hi.users / lo.users - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which of the loads `around` picks, by place.
    fn picked(loads: &[(f64, Key)], users: f64) -> Vec<u64> {
        around(loads, users)
            .expect("some loads")
            .iter()
            .map(|k| k.1)
            .collect()
    }

    #[test]
    fn a_threshold_is_priced_from_the_loads_the_whole_list_would_price_it_from() {
        let loads: Vec<(f64, Key)> = [100.0, 300.0, 1000.0, 3000.0]
            .iter()
            .enumerate()
            .map(|(i, &u)| (u, (0, i as u64, 0)))
            .collect();
        // At or below the first load, the first (and one more, so it stays first).
        assert_eq!(picked(&loads, 50.0), [0, 1]);
        assert_eq!(picked(&loads, 100.0), [0, 1]);
        // Between two, those two; the one above keeps the upper from being the last,
        // so a threshold exactly at a load is interpolated up to it, not clamped to it.
        assert_eq!(picked(&loads, 500.0), [1, 2, 3]);
        assert_eq!(picked(&loads, 1000.0), [1, 2, 3]);
        // At or above the last, the last two.
        assert_eq!(picked(&loads, 3000.0), [2, 3]);
        assert_eq!(picked(&loads, 5000.0), [2, 3]);
        assert_eq!(picked(&loads[..1], 50.0), [0]);
        assert_eq!(around(&[], 50.0), None);
    }
}
