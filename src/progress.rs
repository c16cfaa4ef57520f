//! Progress for long runs, on standard error: a bar when the work is large and stderr is
//! a terminal, a one-line notice when the work is very large, nothing with `--quiet`.
//!
//! The bar counts simulated requests, not finished runs, so a single long run moves it
//! and its time left comes from the speed so far. Runs add their arrivals to one
//! process-wide counter in steps of 65,536 (where they poll for Ctrl-C anyway) and the
//! rest when they end; a ticker thread moves the bar to the counter a few times a second.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::Scenario;
use crate::scenario::plan::{Job, Plan};

/// Below this many simulated requests a run takes about a second: no bar.
const BAR_ABOVE_REQUESTS: f64 = 5e6;
/// Above this many, say up front that the run will take a while.
const NOTICE_ABOVE_REQUESTS: f64 = 5e8;
/// Rough single-core speed used for the notice's time estimate.
const REQUESTS_PER_SECOND: f64 = 3e6;

/// Requests simulated so far by every run of this process.
static SIMULATED: AtomicU64 = AtomicU64::new(0);

/// Adds `requests` simulated arrivals to the process-wide count.
#[inline]
pub fn count_simulated(requests: u64) {
    SIMULATED.fetch_add(requests, Ordering::Relaxed);
}

/// Requests simulated so far by every run of this process.
pub fn simulated() -> u64 {
    SIMULATED.load(Ordering::Relaxed)
}

/// How often the bar is moved to the count.
const TICK: Duration = Duration::from_millis(200);

/// A bar over the requests of some runs: [`Bar::run_done`] after each run, then
/// [`Bar::finish`].
pub struct Bar {
    bar: ProgressBar,
    runs: AtomicU64,
    done: AtomicU64,
    /// The thread moving a shown bar, and the flag that stops it; none when hidden.
    ticker: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl Bar {
    fn hidden() -> Bar {
        Bar {
            bar: ProgressBar::hidden(),
            runs: AtomicU64::new(0),
            done: AtomicU64::new(0),
            ticker: None,
        }
    }

    /// Counts a finished run (shown beside the requests).
    pub fn run_done(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.ticker.is_some() {
            let runs = self.runs.load(Ordering::Relaxed);
            self.bar.set_message(format!("{done} of {runs} runs done"));
        }
    }

    /// Adds runs a search asked for once the bar was shown, and their requests.
    pub fn add(&self, plan: &Plan, jobs: &[Job]) {
        if self.ticker.is_none() || jobs.is_empty() {
            return;
        }
        self.runs.fetch_add(jobs.len() as u64, Ordering::Relaxed);
        self.bar.inc_length(work(plan, jobs).round() as u64);
    }

    /// Stops the ticker and clears the bar.
    pub fn finish(mut self) {
        if let Some((stop, ticker)) = self.ticker.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = ticker.join();
        }
        self.bar.finish_and_clear();
    }
}

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

    /// A bar over exactly these runs of `plan` (a shard's, a search's round), whose
    /// notice counts their requests alone, `what` saying whose they are.
    pub fn bar_for(&self, plan: &Plan, jobs: &[Job], what: &str) -> Bar {
        self.bar_over(work(plan, jobs), jobs.len() as u64, what)
    }

    fn bar_over(&self, work: f64, jobs: u64, what: &str) -> Bar {
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
            return Bar::hidden();
        }
        let total = work.round() as u64;
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{wide_bar} {human_pos}/{human_len} requests simulated, {msg}, about {eta} left",
        ) {
            bar.set_style(style);
        }
        bar.set_message(format!("0 of {jobs} runs done"));
        let stop = Arc::new(AtomicBool::new(false));
        let start = simulated();
        let ticker = {
            let (bar, stop) = (bar.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let at = simulated() - start;
                    // The estimate is an expectation, and break-even probes come on
                    // top of it: a count past it lengthens the bar instead of
                    // pinning it at the end.
                    if at > bar.length().unwrap_or(0) {
                        bar.set_length(at);
                    }
                    bar.set_position(at);
                    std::thread::sleep(TICK);
                }
            })
        };
        Bar {
            bar,
            runs: AtomicU64::new(jobs),
            done: AtomicU64::new(0),
            ticker: Some((stop, ticker)),
        }
    }
}

/// Requests `jobs` of `plan` are expected to simulate.
fn work(plan: &Plan, jobs: &[Job]) -> f64 {
    jobs.iter()
        .map(|j| {
            let s = plan.designs()[j.design].scenario();
            crate::work::RunWork::of(s, s.workload().users * j.scale).requests
        })
        .sum()
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
