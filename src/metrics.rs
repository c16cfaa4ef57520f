//! Streaming statistics of one run, and the plain data they become ([`RunMetrics`]).
//!
//! Nothing here keeps a record per request: counters, time integrals and one HDR
//! histogram of latency, so memory is the same for a thousand requests or a billion.
//! Request counts follow the cohort that arrived after the warm-up; time integrals,
//! tokens and billed time cover the measured window [warm-up, horizon].

use serde::{Deserialize, Serialize};

use crate::histogram::Durations;
use crate::time::SimTime;

/// Why a request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The tier's queue was full when the request arrived.
    QueueFull,
    /// Waiting plus service took longer than the tier's timeout.
    Timeout,
    /// An API kept refusing it for its rate limit after every retry.
    Throttled,
    /// Its prompt and completion would not fit in one instance's KV-cache budget.
    TooLarge,
}

/// Running totals of one tier over simulated time. Taking the difference of two
/// snapshots gives any window: the measured one, or one hour of the timeline.
#[derive(Clone, Copy, Debug, Default)]
pub struct TierAccum {
    /// ∫ busy slots dt, slot·µs.
    pub busy_area: f64,
    /// ∫ serving slots dt, slot·µs.
    pub capacity_area: f64,
    /// ∫ waiting requests dt, request·µs.
    pub queue_area: f64,
    /// ∫ requests in the tier (waiting, in service, or backing off) dt.
    pub in_system_area: f64,
    /// ∫ instances alive (starting, serving, draining) dt, instance·µs.
    pub alive_area: f64,
    /// ∫ KV-cache tokens held dt, and ∫ the budget of serving instances dt (batched).
    pub kv_area: f64,
    pub kv_capacity_area: f64,
    /// Billed time beyond alive time (rounding and minimums), booked when instances stop.
    pub extra_billed_us: f64,
    /// Money the tier charges as time passes and calls are made (its own prices:
    /// instance time, tokens, fees), without the rounding and minimums.
    pub spend: f64,
    /// Money of the rounding and minimums, booked when instances stop.
    pub extra_spend: f64,
    /// Of `spend`, the part requests escalated into the tier caused (APIs: their calls).
    pub escalated_spend: f64,
    pub arrivals: u64,
    pub departures: u64,
    pub sojourn_us: f64,
    pub started: u64,
    /// Service time of the started requests, µs.
    pub service_us: f64,
    pub waited: u64,
    pub wait_us: f64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub api_calls: u64,
    pub throttled_attempts: u64,
    pub shed: u64,
    /// Answers sent on to a heavier tier.
    pub escalated: u64,
    /// Spot instances taken back, the requests they had in hand (sent back to the
    /// queue), and the service those requests had received (lost), µs.
    pub preemptions: u64,
    pub requeued: u64,
    pub lost_service_us: f64,
    /// Of the service time above, that of requests escalated into this tier, µs.
    pub escalated_service_us: f64,
    /// Of `input_tokens`, those billed at an API's cached price (a warm prompt prefix).
    pub cached_input_tokens: u64,
    /// Of `input_tokens`, those billed as prompt-cache writes (a cold prefix).
    pub cache_write_tokens: u64,
    /// Of `api_calls`, those accepted through the batch API.
    pub batch_calls: u64,
    /// Live prompt blocks a full block table pushed out (see `BlockTable`).
    pub prompt_blocks_evicted: u64,
}

impl TierAccum {
    /// The totals accumulated between `earlier` and `self`.
    pub fn since(&self, earlier: &TierAccum) -> TierAccum {
        TierAccum {
            busy_area: self.busy_area - earlier.busy_area,
            capacity_area: self.capacity_area - earlier.capacity_area,
            queue_area: self.queue_area - earlier.queue_area,
            in_system_area: self.in_system_area - earlier.in_system_area,
            alive_area: self.alive_area - earlier.alive_area,
            kv_area: self.kv_area - earlier.kv_area,
            kv_capacity_area: self.kv_capacity_area - earlier.kv_capacity_area,
            extra_billed_us: self.extra_billed_us - earlier.extra_billed_us,
            spend: self.spend - earlier.spend,
            extra_spend: self.extra_spend - earlier.extra_spend,
            escalated_spend: self.escalated_spend - earlier.escalated_spend,
            arrivals: self.arrivals - earlier.arrivals,
            departures: self.departures - earlier.departures,
            sojourn_us: self.sojourn_us - earlier.sojourn_us,
            started: self.started - earlier.started,
            service_us: self.service_us - earlier.service_us,

            waited: self.waited - earlier.waited,
            wait_us: self.wait_us - earlier.wait_us,
            input_tokens: self.input_tokens - earlier.input_tokens,
            output_tokens: self.output_tokens - earlier.output_tokens,
            api_calls: self.api_calls - earlier.api_calls,
            throttled_attempts: self.throttled_attempts - earlier.throttled_attempts,
            shed: self.shed - earlier.shed,
            escalated: self.escalated - earlier.escalated,
            preemptions: self.preemptions - earlier.preemptions,
            requeued: self.requeued - earlier.requeued,
            lost_service_us: self.lost_service_us - earlier.lost_service_us,
            escalated_service_us: self.escalated_service_us - earlier.escalated_service_us,
            cached_input_tokens: self.cached_input_tokens - earlier.cached_input_tokens,
            cache_write_tokens: self.cache_write_tokens - earlier.cache_write_tokens,
            batch_calls: self.batch_calls - earlier.batch_calls,
            prompt_blocks_evicted: self.prompt_blocks_evicted - earlier.prompt_blocks_evicted,
        }
    }

    /// Billed instance time, µs.
    pub fn billed_us(&self) -> f64 {
        self.alive_area + self.extra_billed_us
    }
}

/// Per-tier outcomes of the measured cohort.
#[derive(Clone, Copy, Debug, Default)]
pub struct TierCohort {
    pub served: u64,
    pub escalated: u64,
    pub failed: FailureCounts,
}

/// Whole-run outcomes of the measured cohort.
pub struct Cohort {
    pub offered: u64,
    pub served: u64,
    pub failed: FailureCounts,
    pub cache_lookups: u64,
    pub cache_hits: u64,
    /// Lookups that found their answer being computed and waited for it.
    pub cache_coalesced: u64,
    /// Of those, answered, and failed by reason (with the request they waited for).
    pub coalesced_served: u64,
    pub coalesced_failed: FailureCounts,
    pub latency_us: Durations,
    pub latency_sum_us: f64,
    /// Input plus output tokens of successful requests (what usage pricing bills).
    pub served_tokens: u64,
    /// Time to first token and time per output token of requests answered by a tier
    /// that streams tokens (a batched tier, an API).
    pub ttft: Timings,
    pub tpot: Timings,
}

/// A streaming record of durations: a histogram (three significant digits), their sum
/// and count.
pub struct Timings {
    histogram: Durations,
    sum_us: f64,
    count: u64,
}

impl Timings {
    /// Durations up to `highest` are kept exactly to three digits; longer ones saturate.
    pub fn new(highest: SimTime) -> Timings {
        Timings {
            histogram: Durations::new(highest.0),
            sum_us: 0.0,
            count: 0,
        }
    }

    #[inline]
    pub fn record(&mut self, us: f64) {
        self.histogram.record(us.round() as u64);
        self.sum_us += us;
        self.count += 1;
    }

    /// Percentiles in milliseconds; `None` when nothing was recorded.
    pub fn summary(&self) -> Option<Latency> {
        if self.count == 0 {
            return None;
        }
        let h = self.histogram.histogram();
        let ms = |us: u64| us as f64 / 1e3;
        Some(Latency {
            mean: self.sum_us / self.count as f64 / 1e3,
            p50: ms(h.value_at_quantile(0.50)),
            p95: ms(h.value_at_quantile(0.95)),
            p99: ms(h.value_at_quantile(0.99)),
            max: ms(h.max()),
        })
    }
}

impl Cohort {
    pub fn new(horizon: SimTime) -> Cohort {
        // Three significant digits: 0.1% relative error on every percentile.
        let highest = horizon.0.max(2);
        Cohort {
            offered: 0,
            served: 0,
            failed: FailureCounts::default(),
            cache_lookups: 0,
            cache_hits: 0,
            cache_coalesced: 0,
            coalesced_served: 0,
            coalesced_failed: FailureCounts::default(),
            latency_us: Durations::new(highest),
            latency_sum_us: 0.0,
            served_tokens: 0,
            ttft: Timings::new(horizon),
            tpot: Timings::new(horizon),
        }
    }

    #[inline]
    pub fn record_success(&mut self, latency: SimTime) {
        self.served += 1;
        self.latency_us.record(latency.0);
        self.latency_sum_us += latency.0 as f64;
    }

    /// Counts a success answered through a batch API: its latency is hours, so it is
    /// kept out of the interactive latency (and recorded per tier instead).
    #[inline]
    pub fn record_batch_success(&mut self) {
        self.served += 1;
    }

    #[inline]
    pub fn record_failure(&mut self, failure: Failure) {
        self.failed.add(failure);
    }
}

/// Everything one run measured, as plain data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunMetrics {
    /// Load multiplier of this run.
    pub scale: f64,
    /// Active users at this scale.
    pub users: f64,
    /// Length of the measured window (horizon minus warm-up), hours.
    pub window_hours: f64,
    pub requests: RequestCounts,
    /// Present when the scenario has a cache.
    pub cache: Option<CacheStats>,
    /// End-to-end latency of successful requests, milliseconds; answers that came
    /// through a batch API are apart, in `tiers[].batch_turnaround_ms`.
    pub latency_ms: Latency,
    /// Time to first token of successful requests answered by a streaming tier (a
    /// batched tier or an API): arrival to the first output token, ms; null when none.
    pub ttft_ms: Option<Latency>,
    /// Time per output token after the first of those requests, ms; null when none.
    pub tpot_ms: Option<Latency>,
    pub tiers: Vec<TierStats>,
    /// The tier that gave way first, if any did.
    pub bottleneck: Option<Bottleneck>,
    /// One row per simulated hour, warm-up included.
    pub timeline: Vec<HourStats>,
    /// The measured window by kind of hour, for the calendar month (not exported: the
    /// economics turns it into monthly figures).
    #[serde(skip)]
    pub calendar: Calendar,
    /// Simulation events processed (a measure of work, for benchmarks).
    pub events: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestCounts {
    /// Requests that arrived in the measured window.
    pub offered: u64,
    /// Of those, answered successfully (from the cache or a tier).
    pub served: u64,
    pub failed: FailureCounts,
    /// Still waiting or in service when the horizon ended.
    pub in_flight: u64,
    /// served / offered.
    pub success_rate: f64,
    /// Input plus output tokens of the served requests, cache hits included.
    pub served_tokens: u64,
    /// failed / offered.
    pub error_rate: f64,
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct FailureCounts {
    pub queue_full: u64,
    pub timeout: u64,
    pub throttled: u64,
    /// Too many tokens for an instance's KV-cache budget (batched tiers).
    pub too_large: u64,
    pub total: u64,
}

impl FailureCounts {
    #[inline]
    pub fn add(&mut self, failure: Failure) {
        match failure {
            Failure::QueueFull => self.queue_full += 1,
            Failure::Timeout => self.timeout += 1,
            Failure::Throttled => self.throttled += 1,
            Failure::TooLarge => self.too_large += 1,
        }
        self.total += 1;
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CacheStats {
    pub lookups: u64,
    /// Lookups answered by a stored answer.
    pub hits: u64,
    /// Lookups that found their answer still being computed and waited for it
    /// (request coalescing): no tier work, but the latency of the answer.
    pub coalesced: u64,
    /// Of those, answered when the answer came, and failed with it (by reason).
    pub coalesced_served: u64,
    pub coalesced_failed: FailureCounts,
    /// hits / lookups.
    pub hit_rate: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Latency {
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TierStats {
    pub name: String,
    pub kind: TierKindName,
    /// Requests that reached the tier in the window (escalations and first attempts).
    pub requests: u64,
    /// Successful answers this tier gave last (not escalated further).
    pub served: u64,
    /// served / all successful requests of the run.
    pub share_of_served: f64,
    /// Answers sent on to a heavier tier.
    pub escalated: u64,
    pub failed: FailureCounts,
    /// Busy slots / serving slots, time-averaged; none for an API, which has no slots
    /// of ours to fill.
    pub utilization: Option<f64>,
    /// Instances alive (starting, serving or draining), time-averaged.
    pub mean_instances: f64,
    pub peak_instances: u32,
    /// Most sequences one instance ran at once (batched tiers).
    pub peak_batch: Option<u32>,
    /// KV-cache tokens held ÷ the budget of the serving instances, time-averaged
    /// (batched tiers).
    pub kv_utilization: Option<f64>,
    /// Instance-hours alive in the window.
    pub instance_hours: f64,
    /// Instance-hours billed, after granularity and minimums.
    pub billed_instance_hours: f64,
    /// Money the tier charged in the window, at its own prices (instance time with the
    /// rounding and minimums of the instances launched in it; tokens and fees).
    pub spend: f64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Calls accepted by an API (throttled attempts excluded).
    pub api_calls: u64,
    /// API attempts refused by the rate limit (each retry counts).
    pub throttled_attempts: u64,
    /// Of `input_tokens`, those billed at the prompt cache's cached price.
    pub cached_input_tokens: u64,
    /// Of `input_tokens`, those billed as prompt-cache writes.
    pub cache_write_tokens: u64,
    /// Prompt blocks of a replayed trace that were still warm when the API's table of
    /// blocks, full, pushed them out (each then bills as a write at its next call).
    #[serde(default)]
    pub prompt_blocks_evicted: u64,
    /// Of `api_calls`, those made through the batch API.
    pub batch_calls: u64,
    /// Arrival to answer of the measured requests this tier answered (last) after a
    /// batch call, ms; kept out of `latency_ms`. Null when there were none.
    pub batch_turnaround_ms: Option<Latency>,
    /// Mean wait for a free slot of requests that started service, ms.
    pub mean_wait_ms: f64,
    /// Share of started requests that had to wait.
    pub wait_probability: f64,
    /// Time-averaged requests in the tier (Little's L).
    pub mean_in_system: f64,
    /// Requests leaving the tier per second (Little's λ).
    pub throughput_per_s: f64,
    /// Mean time a request spent in the tier, ms (Little's W).
    pub mean_time_in_tier_ms: f64,
    /// First time, hours from the start, the autoscaler wanted more than max.
    pub first_at_max_hours: Option<f64>,
    /// Spot instances the provider took back in the window.
    pub preemptions: u64,
    /// Requests they had in hand, sent back to the queue to start again.
    pub requeued: u64,
    /// Service those requests had received and lost, hours: paid for twice.
    pub lost_service_hours: f64,
}

/// Which kind a tier is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierKindName {
    SelfHosted,
    Batched,
    Api,
}

/// How a tier gave way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BottleneckReason {
    /// The autoscaler wanted more than its max instances.
    AtMaxInstances,
    /// Over 1% of an hour's requests were shed.
    SheddingLoad,
    /// Requests waited longer for a slot than their service took, over an hour.
    LatencyBreaking,
}

impl BottleneckReason {
    /// In words, for tables and charts.
    pub fn describe(self) -> &'static str {
        match self {
            BottleneckReason::AtMaxInstances => "at max instances",
            BottleneckReason::SheddingLoad => "shedding load",
            BottleneckReason::LatencyBreaking => "waits exceed service",
        }
    }
}

/// Which tier gave way first and how.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Bottleneck {
    pub tier: String,
    pub reason: BottleneckReason,
    /// Hours from the start of the run.
    pub at_hours: f64,
}

/// One hour of the timeline.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HourStats {
    /// Hours from the start of the run.
    pub hour: u32,
    /// Length of the row in hours: 1, or less for a last partial hour.
    pub hours: f64,
    pub arrivals: u64,
    pub tiers: Vec<HourTier>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HourTier {
    /// The tier's name, as in `tiers[].name`.
    pub name: String,
    /// Mean instances alive in the hour.
    pub instances: f64,
    /// Billed instance-hours in the hour.
    pub billed_instance_hours: f64,
    /// Money the tier charged in the hour (rounding and minimums when an instance stops).
    pub spend: f64,
    pub requests: u64,
    pub shed: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub api_calls: u64,
    pub throttled_attempts: u64,
    pub cached_input_tokens: u64,
    pub cache_write_tokens: u64,
    pub batch_calls: u64,
    /// Answers escalated to a heavier tier in the hour.
    pub escalated: u64,
    /// Most instances alive at once in the hour.
    pub peak_instances: u32,
    /// The autoscaler wanted more than its max instances in the hour.
    pub wanted_more_than_max: bool,
    /// Mean wait for a slot of the requests that started service in the hour (pools).
    pub mean_wait_ms: f64,
    /// Mean service time of those requests (pools).
    pub mean_service_ms: f64,
}

impl HourTier {
    pub fn from_accum(a: &TierAccum, hour_us: f64) -> HourTier {
        HourTier {
            // Named once, when the run ends: no string is made in the event loop.
            name: String::new(),
            instances: a.alive_area / hour_us,
            billed_instance_hours: a.billed_us() / 3.6e9,
            spend: a.spend + a.extra_spend,
            requests: a.arrivals,
            shed: a.shed,
            input_tokens: a.input_tokens,
            output_tokens: a.output_tokens,
            api_calls: a.api_calls,
            throttled_attempts: a.throttled_attempts,
            cached_input_tokens: a.cached_input_tokens,
            cache_write_tokens: a.cache_write_tokens,
            batch_calls: a.batch_calls,
            escalated: a.escalated,
            peak_instances: 0,
            wanted_more_than_max: false,
            mean_wait_ms: ratio(a.wait_us, a.started as f64) / 1e3,
            mean_service_ms: ratio(a.service_us, a.started as f64) / 1e3,
        }
    }
}

/// Percentiles of a latency histogram in milliseconds.
pub fn latency_ms(cohort: &Cohort) -> Latency {
    if cohort.latency_us.is_empty() {
        return Latency {
            mean: 0.0,
            p50: 0.0,
            p95: 0.0,
            p99: 0.0,
            max: 0.0,
        };
    }
    let h = cohort.latency_us.histogram();
    let ms = |us: u64| us as f64 / 1e3;
    Latency {
        // Over the recorded latencies: batch answers are served but not recorded here.
        mean: cohort.latency_sum_us / h.len().max(1) as f64 / 1e3,
        p50: ms(h.value_at_quantile(0.50)),
        p95: ms(h.value_at_quantile(0.95)),
        p99: ms(h.value_at_quantile(0.99)),
        max: ms(h.max()),
    }
}

/// A ratio that is 0 rather than NaN when nothing was counted.
pub fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        0.0
    }
}

/// What one stretch of measured time saw: the counts of the measured cohort that
/// finished in it and each tier's quantities.
#[derive(Clone, Debug, Default)]
pub struct Slice {
    pub hours: f64,
    /// Requests that arrived in it.
    pub offered: u64,
    /// Requests that finished in it, served or failed.
    pub served: u64,
    pub failed: u64,
    /// Input plus output tokens of the served requests.
    pub served_tokens: u64,
    pub tiers: Vec<TierSlice>,
}

impl Slice {
    pub fn new(tiers: usize) -> Slice {
        Slice {
            tiers: vec![TierSlice::default(); tiers],
            ..Slice::default()
        }
    }
}

/// One tier's billable quantities in a slice.
#[derive(Clone, Copy, Debug, Default)]
pub struct TierSlice {
    /// Instance time alive plus the rounding and minimums of the instances launched in
    /// the slice, µs.
    pub billed_us: f64,
    /// Money charged in the slice, the rounding and minimums of its launches included.
    pub spend: f64,
    /// Of that, what requests escalated into the tier caused (APIs).
    pub escalated_spend: f64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub api_calls: u64,
    pub service_us: f64,
    /// Of that, the part of requests escalated into the tier.
    pub escalated_service_us: f64,
}

impl TierSlice {
    pub fn add(&mut self, a: &TierAccum) {
        self.billed_us += a.alive_area;
        self.spend += a.spend;
        self.escalated_spend += a.escalated_spend;
        self.input_tokens += a.input_tokens;
        self.output_tokens += a.output_tokens;
        self.api_calls += a.api_calls;
        self.service_us += a.service_us;
        self.escalated_service_us += a.escalated_service_us;
    }
}

/// The measured window split by the kind of hour it is made of (see
/// [`crate::calendar::Cells`]), with each burst apart.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    /// One slice per cell: the measured hours of that kind outside every burst.
    pub cells: Vec<Slice>,
    /// One per group of overlapping bursts: the hours from its start until the system
    /// has settled after it.
    pub bursts: Vec<BurstSlice>,
}

/// The hours a group of bursts affected.
#[derive(Clone, Debug, Default)]
pub struct BurstSlice {
    /// Indices of the bursts in `workload.bursts`.
    pub bursts: Vec<usize>,
    /// The span it affects: from the first start to the settling after the last end.
    pub start: SimTime,
    pub end: SimTime,
    pub slice: Slice,
    /// Its measured hours in each cell: what the same hours cost without the burst.
    pub cell_hours: Vec<f64>,
}
