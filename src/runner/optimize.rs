//! `optimize`: the cheapest design that meets its objectives at each scale, found
//! without simulating the whole grid.
//!
//! Along a field where more means more capacity (instances, an autoscaler's bounds,
//! concurrency, batch size, KV budget, cache capacity, a rate limit), having the
//! capacity the objectives ask for (latency, errors) is monotone: past the smallest
//! value that has it, every larger one has it too. So along such a field the search
//! bisects for that smallest value instead of trying each. Where more of the field
//! also never costs less (instances, an autoscaler's minimum), that value is the
//! cheapest and the rest of the line is not run; elsewhere (a larger cache can save
//! more than it costs) every value from it upward is. A design short of capacity at a
//! scale is not tried at larger ones (more load does not make it pass), and larger
//! scales start their bisection where the smaller one ended. A cost-per-transaction
//! objective is judged on what is run but never prunes: fixed costs spread thinner as
//! load grows. Every design runs on the same seed (common random numbers) and
//! `--replications` times; a winner whose interval overlaps the runner-up's is marked
//! too close to call.

use std::collections::BTreeMap;

use super::{NextRound, Run, Source, price_held};
use crate::outcome::{self, Choice, Outcome, Pick, ScaleResult, SloTarget, Summary};
use crate::scenario::overrides::SetValue;
use crate::scenario::plan::{Job, Plan};

/// Last parts of field paths along which more means more capacity.
const MORE_CAPACITY: &[&str] = &[
    "instances",
    "max",
    "min",
    "concurrency",
    "max_sequences",
    "kv_tokens",
    "capacity",
    "requests_per_minute",
    "tokens_per_minute",
];

/// Of those, the ones along which more never costs less: each instance is paid for.
const MORE_COST: &[&str] = &["instances", "min"];

fn last_part(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Whether more of the field at `path` can only add capacity.
pub fn adds_capacity(path: &str) -> bool {
    MORE_CAPACITY.contains(&last_part(path))
}

/// Whether more of the field at `path` can only add capacity and cost.
fn adds_cost(path: &str) -> bool {
    MORE_COST.contains(&last_part(path))
}

struct State<'a, 'b> {
    plan: &'a Plan,
    /// Results of each design at each scale index, once run.
    runs: Vec<Vec<Option<Vec<ScaleResult>>>>,
    summaries: Vec<Vec<Option<Summary>>>,
    /// Failed at a smaller scale: not tried again.
    pruned: Vec<bool>,
    source: &'a mut Source<'b>,
}

impl State<'_, '_> {
    fn scales(&self) -> &[f64] {
        self.plan.designs()[0].scenario().scales()
    }

    /// Runs every (design, scale index) of `batch` not run yet, in one fan-out: one
    /// round of the search. Its runs depend on the results of the rounds before only,
    /// so a sharded search runs the same rounds.
    fn evaluate(&mut self, batch: &[(usize, usize)]) -> Result<(), NextRound> {
        let todo: Vec<(usize, usize)> = batch
            .iter()
            .copied()
            .filter(|&(d, k)| self.runs[d][k].is_none())
            .collect();
        if todo.is_empty() {
            return Ok(());
        }
        let reps = self.plan.replications();
        let jobs: Vec<Job> = todo
            .iter()
            .flat_map(|&(d, k)| {
                let scale = self.scales()[k];
                (0..reps).map(move |replication| Job {
                    design: d,
                    scale,
                    replication,
                })
            })
            .collect();
        let runs: Vec<Run> = self.source.round(self.plan, &jobs)?;
        let mut priced = price_held(self.plan, &jobs, runs).into_iter();
        for &(d, k) in &todo {
            let results: Vec<ScaleResult> = priced.by_ref().take(reps as usize).collect();
            let scale = self.scales()[k];
            self.summaries[d][k] =
                Some(outcome::summarize(&self.plan.designs()[d], scale, &results));
            self.runs[d][k] = Some(results);
        }
        Ok(())
    }

    /// Meets every objective at this scale.
    fn feasible(&self, d: usize, k: usize) -> bool {
        self.summaries[d][k]
            .as_ref()
            .is_some_and(|s| s.meets_slo() && !s.degraded)
    }

    /// Has the capacity the objectives ask for: serves enough, and meets every
    /// objective but cost per transaction.
    fn capable(&self, d: usize, k: usize) -> bool {
        self.summaries[d][k].as_ref().is_some_and(|s| {
            !s.degraded
                && s.slo.as_ref().is_none_or(|v| {
                    v.checks
                        .iter()
                        .all(|c| c.pass || c.target == SloTarget::CostPerTransaction)
                })
        })
    }
}

/// Grid designs in lines along the first field that adds capacity: each line is the
/// designs that share every other field's value, in increasing order of that one; and
/// whether that field also adds cost.
fn lines(plan: &Plan, grid: usize) -> Option<(Vec<Vec<usize>>, bool)> {
    let axis = plan.parameters().iter().position(|p| adds_capacity(p))?;
    let costly = adds_cost(&plan.parameters()[axis]);
    let number = |d: usize| plan.designs()[d].values()[axis].as_number();
    if (0..grid).any(|d| number(d).is_none()) {
        return None;
    }
    let mut groups: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
    for d in 0..grid {
        let key: Vec<String> = plan.designs()[d]
            .values()
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != axis)
            .map(|(_, v)| v.to_string())
            .collect();
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(d),
            None => groups.push((key, vec![d])),
        }
    }
    let lines = groups
        .into_iter()
        .map(|(_, mut line)| {
            line.sort_by(|a, b| {
                number(*a)
                    .unwrap_or(0.0)
                    .total_cmp(&number(*b).unwrap_or(0.0))
            });
            line
        })
        .collect();
    Some((lines, costly))
}

/// Runs the search of `plan` (an optimize plan) on the runs `source` gives and returns
/// its outcome, or the first round `source` does not have.
pub(crate) fn search(plan: &Plan, source: &mut Source) -> Result<Outcome, NextRound> {
    let n = plan.designs().len();
    let grid = if plan.parameters().is_empty() {
        usize::from(n > 0).min(n)
    } else {
        n - alternatives(plan)
    };
    let scales = plan.designs()[0].scenario().scales().len();
    let mut state = State {
        plan,
        runs: vec![vec![None; scales]; n],
        summaries: vec![vec![None; scales]; n],
        pruned: vec![false; n],
        source,
    };
    let lines = lines(plan, grid);
    // Where each line's bisection may start: below it, designs short at a smaller scale.
    let mut floor: Vec<usize> = lines.as_ref().map_or(Vec::new(), |l| vec![0; l.0.len()]);
    let mut choices = Vec::new();
    for k in 0..scales {
        let mut tried: Vec<usize> = Vec::new();
        // The alternatives depend on nothing this scale finds: they run in its first
        // round, beside the grid's, so the scale takes no round of its own for them.
        let alts: Vec<(usize, usize)> = (grid..n)
            .filter(|&d| !state.pruned[d])
            .map(|d| (d, k))
            .collect();
        let mut first_round = alts.clone();
        let mut with_first = |batch: Vec<(usize, usize)>| {
            let mut batch = batch;
            batch.append(&mut first_round);
            batch
        };
        match &lines {
            Some((lines, costly)) => {
                // Bisect every line at once, one round of midpoints per fan-out.
                let mut bounds: Vec<(usize, usize)> = lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (floor[i], l.len()))
                    .collect();
                loop {
                    let mids: Vec<(usize, usize)> = bounds
                        .iter()
                        .enumerate()
                        .filter(|(_, (lo, hi))| lo < hi)
                        .map(|(i, (lo, hi))| (lines[i][(lo + hi) / 2], k))
                        .collect();
                    if mids.is_empty() {
                        break;
                    }
                    state.evaluate(&with_first(mids))?;
                    for (i, (lo, hi)) in bounds.iter_mut().enumerate() {
                        if lo < hi {
                            let mid = (*lo + *hi) / 2;
                            let d = lines[i][mid];
                            tried.push(d);
                            if state.capable(d, k) {
                                *hi = mid;
                            } else {
                                *lo = mid + 1;
                            }
                        }
                    }
                }
                // What lies below each line's smallest capable value is short here
                // and at every larger scale. Where more costs more, that value is the
                // line's cheapest; elsewhere every value from it upward is a candidate.
                let mut rest: Vec<(usize, usize)> = Vec::new();
                for (i, line) in lines.iter().enumerate() {
                    let first = bounds[i].0;
                    floor[i] = first;
                    for &d in &line[..first] {
                        state.pruned[d] = true;
                    }
                    let upto = if *costly {
                        (first + 1).min(line.len())
                    } else {
                        line.len()
                    };
                    rest.extend(line[first..upto].iter().map(|&d| (d, k)));
                }
                tried.extend(rest.iter().map(|&(d, _)| d));
                state.evaluate(&with_first(rest))?;
            }
            None => {
                let all: Vec<(usize, usize)> = (0..grid)
                    .filter(|&d| !state.pruned[d])
                    .map(|d| (d, k))
                    .collect();
                tried.extend(all.iter().map(|&(d, _)| d));
                state.evaluate(&with_first(all))?;
            }
        }
        state.evaluate(&with_first(Vec::new()))?;
        tried.extend(alts.iter().map(|&(d, _)| d));
        tried.sort_unstable();
        tried.dedup();
        let mut feasible: Vec<usize> = tried
            .iter()
            .copied()
            .filter(|&d| state.feasible(d, k))
            .collect();
        for &d in &tried {
            if !state.capable(d, k) {
                state.pruned[d] = true;
            }
        }
        let cost = |d: usize| {
            state.summaries[d][k]
                .as_ref()
                .map_or(f64::INFINITY, |s| s.figures.cost_per_transaction.mean)
        };
        feasible.sort_by(|a, b| cost(*a).total_cmp(&cost(*b)).then(a.cmp(b)));
        let pick = |d: usize| pick_of(plan, &state, d, k);
        let chosen = feasible.first().map(|&d| pick(d));
        let runner_up = feasible.get(1).map(|&d| pick(d));
        let too_close_to_call = match (&chosen, &runner_up) {
            (Some(b), Some(r)) => {
                b.cost_per_transaction.n > 1
                    && r.cost_per_transaction.low() <= b.cost_per_transaction.high()
            }
            _ => false,
        };
        let users = tried
            .first()
            .and_then(|&d| state.summaries[d][k].as_ref())
            .map_or(0.0, |s| s.users);
        choices.push(Choice {
            scale: state.scales()[k],
            users,
            best: chosen.as_ref().map(|p| p.values.clone()),
            chosen,
            runner_up,
            too_close_to_call,
            simulated: tried.len() as u32,
            candidates: n as u32,
        });
    }
    // The outcome lists every design that ran, with the scales it ran at.
    let mut index = vec![usize::MAX; n];
    let mut designs = Vec::new();
    for (d, per) in state.runs.into_iter().enumerate() {
        let per_scale: Vec<(f64, Vec<ScaleResult>)> = per
            .into_iter()
            .enumerate()
            .filter_map(|(k, r)| r.map(|r| (plan.designs()[0].scenario().scales()[k], r)))
            .collect();
        if !per_scale.is_empty() {
            index[d] = designs.len();
            designs.push(outcome::design_outcome(
                &plan.designs()[d],
                per_scale,
                None,
                false,
            ));
        }
    }
    for c in &mut choices {
        for p in c.chosen.iter_mut().chain(c.runner_up.iter_mut()) {
            p.design = index[p.design];
        }
    }
    let mut out = outcome::outcome(plan, designs);
    out.choices = choices;
    Ok(out)
}

/// How many designs of an optimize plan are alternatives (after the grid).
fn alternatives(plan: &Plan) -> usize {
    plan.designs()
        .iter()
        .filter(|d| d.values().is_empty())
        .count()
}

fn pick_of(plan: &Plan, state: &State, d: usize, k: usize) -> Pick {
    let s = state.summaries[d][k].as_ref().expect("a picked design ran");
    let design = &plan.designs()[d];
    let values: BTreeMap<String, SetValue> = plan
        .parameters()
        .iter()
        .cloned()
        .zip(design.values().iter().cloned())
        .collect();
    Pick {
        design: d,
        scenario: design.scenario().name().to_string(),
        values,
        cost_per_transaction: s.figures.cost_per_transaction,
        monthly_cost: s.figures.monthly_cost,
        margin: s.figures.margin,
        latency_p99_ms: s.figures.latency_p99_ms,
    }
}
