//! Progress for long runs, on standard error: a bar when the work is large and stderr is
//! a terminal, a one-line notice when the work is very large, nothing with `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::Scenario;
use crate::scenario::plan::{Job, Plan};

/// Below this many simulated requests a run takes about a second: no bar.
const BAR_ABOVE_REQUESTS: f64 = 5e6;
/// Above this many, say up front that the run will take a while.
const NOTICE_ABOVE_REQUESTS: f64 = 5e8;
/// Rough single-core speed used for the notice's time estimate.
const REQUESTS_PER_SECOND: f64 = 3e6;

/// Whether and how to show progress.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    quiet: bool,
    terminal: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        Progress {
            quiet,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Never shows anything (for library use and tests).
    pub fn silent() -> Progress {
        Progress {
            quiet: true,
            terminal: false,
        }
    }

    /// A bar over the `jobs` runs of `plan`; hidden when the work is small, stderr is
    /// not a terminal, or quiet was asked.
    pub fn bar(&self, plan: &Plan, jobs: u64) -> ProgressBar {
        let work: f64 = plan
            .designs()
            .iter()
            .map(|d| estimated_requests(d.scenario()))
            .sum::<f64>()
            * plan.replications() as f64;
        self.bar_over(work, jobs, "")
    }

    /// A bar over exactly these runs of `plan` (a shard's, a search's round), whose
    /// notice counts their requests alone, `what` saying whose they are.
    pub fn bar_for(&self, plan: &Plan, jobs: &[Job], what: &str) -> ProgressBar {
        let work: f64 = jobs
            .iter()
            .map(|j| {
                let s = plan.designs()[j.design].scenario();
                crate::work::RunWork::of(s, s.workload().users * j.scale).requests
            })
            .sum();
        self.bar_over(work, jobs.len() as u64, what)
    }

    fn bar_over(&self, work: f64, jobs: u64, what: &str) -> ProgressBar {
        if !self.quiet && work > NOTICE_ABOVE_REQUESTS {
            let threads = rayon::current_num_threads() as f64;
            eprintln!(
                "note: about {:.1e} requests to simulate{what}; at roughly {:.0e} per second per core this takes about {:.0} s on {} threads",
                work,
                REQUESTS_PER_SECOND,
                work / REQUESTS_PER_SECOND / threads.min(jobs as f64).max(1.0),
                threads
            );
        }
        if self.quiet || !self.terminal || work < BAR_ABOVE_REQUESTS {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(jobs), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40} {pos}/{len} runs, {elapsed} elapsed, about {eta} left",
        ) {
            bar.set_style(style);
        }
        bar
    }
}

/// Requests a scenario will simulate over all its scales, bursts and cycles included,
/// and along its growth path when it declares one (at most: the runner skips loads it
/// has already simulated).
pub fn estimated_requests(scenario: &Scenario) -> f64 {
    let users = scenario.workload().users;
    let requests = |u: f64| crate::work::RunWork::of(scenario, u).requests;
    scenario
        .scales()
        .iter()
        .map(|&s| {
            let grown: f64 = if scenario.workload().growth.is_some() {
                crate::economics::growth_grid(scenario, s)
                    .into_iter()
                    .map(requests)
                    .sum()
            } else {
                0.0
            };
            requests(users * s) + grown
        })
        .sum()
}
