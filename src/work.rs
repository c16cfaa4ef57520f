//! The work a scenario asks for, estimated before any run: the requests it simulates,
//! the requests in flight at once, the rows it keeps, and so the memory it needs. A run
//! or a plan past the documented limits is refused with the arithmetic, so no input
//! that validates can make scalecost eat the machine.
//!
//! Memory per run is bounded by construction: requests in flight (their events and
//! queue places), serving slots, cache entries and timeline rows are each counted at
//! their peak and priced at the bytes measured for them; the sum must stay under
//! [`MAX_RUN_BYTES`]. Results kept for the output are bounded per plan by
//! [`MAX_PLAN_BYTES`].

use crate::calendar::{DAY_US, RateShape};
use crate::model::{ApiLatency, CacheModel, Scaling, Scenario, TierKind};
use crate::time::SimTime;

/// Most requests one run may simulate; beyond it a run takes hours, not minutes.
pub const MAX_REQUESTS_PER_RUN: f64 = 1e9;
/// Most that bursts in force at once may multiply the load by (one burst may reach it).
pub const MAX_BURST_PRODUCT: f64 = 1000.0;
/// Memory one run may need at its peak.
pub const MAX_RUN_BYTES: f64 = 4.0 * GIB;
/// Memory the results of a whole command may hold until they are written.
pub const MAX_PLAN_BYTES: f64 = 4.0 * GIB;
/// Most runs one command may make (designs × scales × replications).
pub const MAX_RUNS_PER_PLAN: f64 = 200_000.0;

const GIB: f64 = (1u64 << 30) as f64;
// Bytes each thing a run holds takes, measured (peak resident size over a baseline, at
// 10^6 to 10^7 of each) and rounded up for the growth of the containers that hold them.
/// A request in flight: its event in the queue, or its place in a waiting room: 94
/// resident, 233 counted by an allocator while the queue grows (old and new blocks).
pub const BYTES_PER_IN_FLIGHT: f64 = 256.0;
/// A serving slot, allocated at the pool's largest size (4).
pub const BYTES_PER_SLOT: f64 = 8.0;
/// An LRU entry: the key, its links and its share of the hash table (69).
pub const BYTES_PER_CACHE_ENTRY: f64 = 96.0;
// The key sampler's table (at most 16,384 entries) is counted with the cache, at the
// bytes in `sim::zipf`.
/// An hour of one tier's timeline, kept in the results and then written out as JSON
/// (490, most of it the JSON text).
pub const BYTES_PER_TIMELINE_ROW: f64 = 512.0;
/// A running simulation whatever its size: its queues' first blocks, histograms and
/// streams (up to 690 KiB measured over random scenarios).
pub const BYTES_PER_RUN: f64 = 1024.0 * 1024.0;
/// The results of one run besides its timeline: histograms and figures (17 KiB).
pub const BYTES_PER_RESULT: f64 = 32.0 * 1024.0;

/// The work of one run at `users` (the scenario's users × scale).
#[derive(Clone, Debug)]
pub struct RunWork {
    /// Users the run simulates (the scenario's users × scale).
    pub users: f64,
    pub requests_per_user_per_day: f64,
    pub days: f64,
    /// The mean of the load's shape over the horizon: 1 without bursts.
    pub shape_mean: f64,
    /// Expected arrivals over the horizon, bursts and cycles included.
    pub requests: f64,
    /// The highest arrival rate at any time, per second.
    pub peak_rate_per_s: f64,
    /// Requests in flight at once, at the peak rate (a high quantile, not the mean).
    pub in_flight: f64,
    /// Serving slots of every pool at its largest.
    pub slots: f64,
    /// Entries the response cache holds at most.
    pub cache_entries: f64,
    /// Entries of the table the cache's keys are drawn from (bounded; see
    /// [`crate::sim::zipf`]): memory the cache brings with it.
    pub key_table_entries: f64,
    /// Hours of the timeline × (tiers + 1).
    pub timeline_rows: f64,
}

impl RunWork {
    pub fn of(scenario: &Scenario, users: f64) -> RunWork {
        let w = scenario.workload();
        let shape = RateShape::new(w);
        let horizon_us = w.horizon.0 as f64;
        let mean_rate_per_us = users * w.requests_per_user_per_day / DAY_US;
        let shape_mean = shape.integral(0.0, horizon_us) / horizon_us;
        let requests = mean_rate_per_us * horizon_us * shape_mean;
        let peak_per_us = mean_rate_per_us * shape.peak();
        // Little's law at the peak rate: requests in flight are the rate × the time a
        // request can stay. A pool's waiting room is bounded by its queue capacity.
        let mut stay_us = scenario.cache().map_or(0.0, |c| c.lookup_latency.0 as f64);
        let mut queued = 0.0;
        let mut slots = 0.0;
        let longest_output = w
            .classes
            .iter()
            .map(|c| c.output_tokens.mean())
            .fold(0.0, f64::max);
        for tier in scenario.tiers() {
            match &tier.kind {
                TierKind::SelfHosted(p) => {
                    slots += f64::from(most_instances(p.scaling)) * f64::from(p.concurrency);
                    queued += f64::from(p.queue_capacity);
                }
                TierKind::Batched(b) => {
                    slots += f64::from(most_instances(b.scaling)) * f64::from(b.max_sequences);
                    queued += f64::from(b.queue_capacity);
                }
                TierKind::Api(a) => {
                    let call = match a.latency {
                        ApiLatency::Complete(d) => d.mean(),
                        ApiLatency::Streamed {
                            ttft,
                            per_output_token,
                        } => ttft.mean() + per_output_token.mean() * longest_output,
                    };
                    let call = a.timeout.map_or(call, |t| call.min(t.0 as f64));
                    let attempts = f64::from(a.retry.max_retries) + 1.0;
                    // Backoff doubles per retry, with up to +50% jitter.
                    let backoff = a.retry.backoff.0 as f64
                        * (2f64.powi(a.retry.max_retries.min(60) as i32) - 1.0)
                        * 1.5;
                    let batch = a.batch.map_or(0.0, |b| b.turnaround.mean());
                    stay_us += (attempts * call + backoff).max(batch);
                }
            }
        }
        // Calls in flight at an API are a Poisson count (M/G/∞): a high quantile of it.
        // A pool holds at most its slots and its waiting room.
        let mean_in_flight = peak_per_us * stay_us;
        let in_flight =
            (mean_in_flight + 6.0 * mean_in_flight.sqrt() + slots + queued).min(requests + 1.0);
        let cache_entries = match scenario.cache().map(|c| c.model) {
            Some(CacheModel::Lru {
                capacity_entries, ..
            }) => {
                let distinct = w
                    .keys
                    .map_or(1.0, |k| k.distinct_at(users / w.users) as f64);
                (capacity_entries as f64).min(distinct).min(requests + 1.0)
            }
            _ => 0.0,
        };
        let key_table_entries = match (scenario.cache().map(|c| c.model), w.keys) {
            (Some(CacheModel::Lru { .. }), Some(k)) => {
                k.distinct_at(users / w.users).min(crate::sim::zipf::HEAD) as f64
            }
            _ => 0.0,
        };
        let hours = (w.horizon.0 as f64 / SimTime::HOUR.0 as f64).ceil();
        RunWork {
            users,
            requests_per_user_per_day: w.requests_per_user_per_day,
            days: horizon_us / DAY_US,
            shape_mean,
            requests,
            peak_rate_per_s: peak_per_us * 1e6,
            in_flight,
            slots,
            cache_entries,
            key_table_entries,
            timeline_rows: hours * (scenario.tiers().len() as f64 + 1.0),
        }
    }

    /// Peak memory of the run, bytes.
    pub fn bytes(&self) -> f64 {
        self.in_flight * BYTES_PER_IN_FLIGHT
            + self.slots * BYTES_PER_SLOT
            + self.cache_entries * BYTES_PER_CACHE_ENTRY
            + self.key_table_entries * crate::sim::zipf::BYTES_PER_HEAD_ENTRY
            + self.timeline_rows * BYTES_PER_TIMELINE_ROW
            + BYTES_PER_RUN
    }

    /// Memory its results hold once it has finished, bytes.
    pub fn result_bytes(&self) -> f64 {
        self.timeline_rows * BYTES_PER_TIMELINE_ROW + BYTES_PER_RESULT
    }

    /// What is too large about this run, if anything, with the arithmetic.
    pub fn problem(&self) -> Option<String> {
        if self.requests > MAX_REQUESTS_PER_RUN {
            return Some(format!(
                "{} users × {} requests a day × {} days × {:.4} (the mean of the load's shape, bursts included) is about {} requests in one run; at most {} can be simulated: lower users, requests_per_user_per_day, the horizon, the bursts or the scales",
                figure(self.users),
                figure(self.requests_per_user_per_day),
                figure(self.days),
                self.shape_mean,
                count(self.requests),
                count(MAX_REQUESTS_PER_RUN)
            ));
        }
        let bytes = self.bytes();
        (bytes > MAX_RUN_BYTES).then(|| {
            format!(
                "one run would need about {} of memory ({} requests in flight at the peak rate of {}/s × {} B, {} serving slots × {} B, {} cache entries × {} B and {} of its key table × {} B, {} timeline rows × {} B); at most {}: shorten the horizon or the API latencies, lower the load, the pool sizes, queue_capacity or the cache capacity",
                size(bytes),
                count(self.in_flight),
                count(self.peak_rate_per_s),
                BYTES_PER_IN_FLIGHT,
                count(self.slots),
                BYTES_PER_SLOT,
                count(self.cache_entries),
                BYTES_PER_CACHE_ENTRY,
                count(self.key_table_entries),
                crate::sim::zipf::BYTES_PER_HEAD_ENTRY,
                count(self.timeline_rows),
                BYTES_PER_TIMELINE_ROW,
                size(MAX_RUN_BYTES)
            )
        })
    }
}

fn most_instances(scaling: Scaling) -> u32 {
    match scaling {
        Scaling::Fixed { instances } => instances,
        Scaling::Auto(a) => a.max,
    }
}

/// The largest run of a scenario: its users (or the most its growth reaches) at its
/// largest scale.
pub fn largest_run(scenario: &Scenario, peak_users: f64) -> RunWork {
    let max_scale = scenario.scales().iter().copied().fold(0.0, f64::max);
    RunWork::of(scenario, peak_users * max_scale)
}

/// What is too much about a command's work: `made` runs simulated by this process
/// (`share` says which, e.g. " in shard 3 of 8"; empty for the whole plan), and
/// `result_bytes` of the results of all its `held` runs kept until they are written.
pub fn plan_problem(made: usize, share: &str, held: usize, result_bytes: f64) -> Option<String> {
    if made as f64 > MAX_RUNS_PER_PLAN {
        return Some(format!(
            "{} runs{share} (designs × scales × replications); at most {}: fewer grid values, scales or replications{}",
            count(made as f64),
            count(MAX_RUNS_PER_PLAN),
            if share.is_empty() {
                ", or shard the command (--shard K/N)"
            } else {
                ", or more shards"
            }
        ));
    }
    (result_bytes > MAX_PLAN_BYTES).then(|| {
        format!(
            "the results of {} runs would hold about {} until written (by the merge, when sharded); at most {}: fewer grid values, scales or replications, or a shorter horizon",
            count(held as f64),
            size(result_bytes),
            size(MAX_PLAN_BYTES)
        )
    })
}

/// 1234567 → "1,234,567"; past 10^18 in scientific notation.
fn count(x: f64) -> String {
    crate::report::format::whole(x)
}

fn figure(x: f64) -> String {
    crate::scenario::validate::fmt_num(x)
}

fn size(bytes: f64) -> String {
    if bytes >= GIB {
        format!("{:.1} GiB", bytes / GIB)
    } else {
        format!("{:.0} MiB", bytes / (1u64 << 20) as f64)
    }
}
