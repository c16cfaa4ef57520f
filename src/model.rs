//! Validated scenario: the only input the simulation and the economics ever see.
//!
//! Every value here has passed `scenario::validate`, so nothing downstream re-checks it.
//! Units are in the names: `_per_hour` is money per hour in the scenario's currency,
//! times are [`SimTime`] (microseconds), token counts are plain numbers.

use crate::time::SimTime;

/// A whole scenario: load, architecture and prices.
///
/// Sealed: only the scenario reader makes one, from text it has checked, and nothing
/// changes it afterwards. A command that wants other values writes them into the text
/// and reads it again ([`crate::scenario::Source`]).
#[derive(Clone, Debug)]
pub struct Scenario {
    name: String,
    currency: String,
    seed: u64,
    scales: Vec<f64>,
    workload: Workload,
    cache: Option<Cache>,
    tiers: Vec<Tier>,
    costs: HiddenCosts,
    revenue: Option<Revenue>,
    budget: Budget,
    slo: Slo,
    /// What validation allowed but doubts, each as `file:line:col: path: message`.
    warnings: Vec<String>,
    /// Every value the file writes, with its place and comment, for reports.
    inputs: Vec<crate::scenario::inputs::Input>,
}

impl Scenario {
    /// Validation's doubts about the file (a price 1000× the catalogue's), placed.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub(crate) fn set_warnings(&mut self, warnings: Vec<String>) {
        self.warnings = warnings;
    }

    /// Every value the scenario file writes (with the command line's changes), in file
    /// order, with where it is written and the comment beside it.
    pub fn inputs(&self) -> &[crate::scenario::inputs::Input] {
        &self.inputs
    }

    pub(crate) fn set_inputs(&mut self, inputs: Vec<crate::scenario::inputs::Input>) {
        self.inputs = inputs;
    }

    /// Assembles a validated scenario; called by `scenario::validate` only.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn assemble(
        name: String,
        currency: String,
        seed: u64,
        scales: Vec<f64>,
        workload: Workload,
        cache: Option<Cache>,
        tiers: Vec<Tier>,
        costs: HiddenCosts,
        revenue: Option<Revenue>,
        budget: Budget,
        slo: Slo,
    ) -> Scenario {
        Scenario {
            name,
            currency,
            seed,
            scales,
            workload,
            cache,
            tiers,
            costs,
            revenue,
            budget,
            slo,
            warnings: Vec::new(),
            inputs: Vec::new(),
        }
    }

    /// Short name shown in tables and plots.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Currency code all prices are written in, e.g. "USD".
    pub fn currency(&self) -> &str {
        &self.currency
    }
    /// Seed for every random stream of the run.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Load multipliers to simulate, e.g. [1, 10, 100].
    pub fn scales(&self) -> &[f64] {
        &self.scales
    }
    pub fn workload(&self) -> &Workload {
        &self.workload
    }
    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }
    /// Tiers in declaration order; routes and escalations refer to them by index.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }
    /// Costs beyond the simulated infrastructure.
    pub fn costs(&self) -> &HiddenCosts {
        &self.costs
    }
    pub fn revenue(&self) -> Option<&Revenue> {
        self.revenue.as_ref()
    }
    pub fn budget(&self) -> &Budget {
        &self.budget
    }
    /// Service-level objectives every result is judged against.
    pub fn slo(&self) -> &Slo {
        &self.slo
    }
}

/// Targets a result must meet; absent targets are not checked.
#[derive(Clone, Copy, Debug, Default)]
pub struct Slo {
    pub p99_latency: Option<SimTime>,
    /// p99 time to first token, for requests a streaming tier answers.
    pub p99_ttft: Option<SimTime>,
    /// p99 time per output token after the first.
    pub p99_tpot: Option<SimTime>,
    /// Failed ÷ offered requests.
    pub max_error_rate: Option<f64>,
    pub max_cost_per_transaction: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct Workload {
    /// Active users at scale 1.
    pub users: f64,
    /// Mean requests one user sends per day, averaged over the diurnal and weekly cycles.
    pub requests_per_user_per_day: f64,
    /// Simulated span, warm-up included.
    pub horizon: SimTime,
    /// Initial span left out of every statistic and cost.
    pub warmup: SimTime,
    pub diurnal: Option<Diurnal>,
    pub weekly: Option<Weekly>,
    pub bursts: Vec<Burst>,
    pub classes: Vec<RequestClass>,
    pub keys: Option<KeySpace>,
    /// How users grow over the months of the schedule; none: the load stays as simulated.
    pub growth: Option<Growth>,
    /// A recorded trace replayed instead of the synthetic arrivals and requests.
    pub trace: Option<Trace>,
}

/// A trace to replay: time 0 of the run is its first request, and a load multiplier
/// `s` superposes `floor(s)` copies of it, each but the first shifted in time by a
/// seeded offset modulo its period and given keys of its own, plus one copy thinned
/// to the fraction left.
#[derive(Clone, Debug)]
pub struct Trace {
    /// Where the file is (resolved against the scenario's folder).
    pub path: std::path::PathBuf,
    /// How messages name it.
    pub shown: String,
    pub format: crate::trace::Format,
    pub rules: Vec<crate::trace::Rule>,
    /// One pass of the trace: its span plus one mean gap between requests.
    pub period: SimTime,
    /// The clock reading of its first request, in the trace's clock (µs).
    pub first_us: i64,
    pub requests: u64,
    /// Whether requests carry prompt keys (`hash_ids`): the cache keys.
    pub has_keys: bool,
    /// Block hashes over one pass (the sum of the `hash_ids` lengths): what sizes an
    /// API's table of prompt blocks.
    pub blocks: u64,
}

impl Workload {
    /// Users in month `month` (1-based) of the schedule at scale 1.
    pub fn users_in_month(&self, month: u32) -> f64 {
        match &self.growth {
            None => self.users,
            Some(Growth::MonthlyRate(r)) => self.users * (1.0 + r).powi(month as i32 - 1),
            Some(Growth::Users(list)) => {
                let i = (month as usize).saturating_sub(1).min(list.len() - 1);
                list[i]
            }
        }
    }
}

/// Day-night modulation: rate factor `1 + a·cos(2π(h − peak_hour)/24)` with mean 1.
#[derive(Clone, Copy, Debug)]
pub struct Diurnal {
    /// Ratio of the busiest hour's rate to the quietest hour's.
    pub peak_to_trough: f64,
    /// Hour of day (0–24, day 0 starts at 00:00) at which the rate peaks.
    pub peak_hour: f64,
}

/// Weekday/weekend modulation, normalised so that the weekly mean factor is 1.
/// Day 0 of the run is a Monday; days 5 and 6 of each week are the weekend.
#[derive(Clone, Copy, Debug)]
pub struct Weekly {
    /// Weekend rate as a multiple of the weekday rate.
    pub weekend_factor: f64,
}

/// A scheduled surge that multiplies the arrival rate.
#[derive(Clone, Copy, Debug)]
pub struct Burst {
    pub start: SimTime,
    pub duration: SimTime,
    pub multiplier: f64,
    /// How often it happens in real life: the simulated one stands for each occurrence.
    pub repeats: Recurrence,
}

/// How often a burst recurs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Recurrence {
    /// A one-off event (a launch): in the month it falls in, and no other.
    Once,
    Weekly,
    Monthly,
    /// Once a year (Black Friday): in the month it falls in, and 12 months later.
    Yearly,
}

impl Recurrence {
    /// How many times it happens in month `month` (1-based) of the schedule, for a burst
    /// that falls in month `first`.
    pub fn times_in_month(self, month: u32, first: u32) -> f64 {
        match self {
            Recurrence::Once => f64::from(month == first),
            Recurrence::Weekly => crate::calendar::DAYS_PER_MONTH / 7.0,
            Recurrence::Monthly => 1.0,
            Recurrence::Yearly => f64::from(month >= first && (month - first) % 12 == 0),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Recurrence::Once => "once",
            Recurrence::Weekly => "weekly",
            Recurrence::Monthly => "monthly",
            Recurrence::Yearly => "yearly",
        }
    }
}

/// How the user base grows month by month; multiplies the users of every scale.
#[derive(Clone, Debug, PartialEq)]
pub enum Growth {
    /// Users grow by this fraction each month (0.05 = 5% a month; negative shrinks).
    MonthlyRate(f64),
    /// Users in month 1, 2, ... at scale 1; after the list ends, the last holds.
    Users(Vec<f64>),
}

/// One kind of request, with its share of traffic, token counts and route.
#[derive(Clone, Debug)]
pub struct RequestClass {
    pub name: String,
    /// Fraction of requests of this class; the shares of all classes sum to 1.
    pub share: f64,
    pub input_tokens: Dist,
    pub output_tokens: Dist,
    /// Index into `Scenario::tiers` of the tier that serves a cache miss.
    pub tier: usize,
    /// Whether responses of this class may be served from the cache.
    pub cacheable: bool,
    /// A shared opening of the prompt (a system prompt), part of `input_tokens`, that
    /// an API with a prompt cache can bill at its cached price.
    pub prefix: Option<Prefix>,
    /// The request can wait for a batch: an API with `batch` answers it through its
    /// batch path. Validated: the class is routed to such an API.
    pub deferrable: bool,
}

/// A prompt prefix shared by every class that names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix {
    /// Classes with the same name send the same prefix (validated: of one length).
    pub name: String,
    /// Its tokens; at most the fewest input tokens the class can draw.
    pub tokens: u32,
}

/// Popularity of request keys, which decides what a simulated cache can hit.
#[derive(Clone, Copy, Debug)]
pub struct KeySpace {
    /// Distinct keys at scale 1.
    pub distinct: f64,
    /// Zipf exponent of key popularity (0 = uniform).
    pub zipf_exponent: f64,
    /// Distinct keys at scale s are `distinct · s^growth_exponent`.
    pub growth_exponent: f64,
}

impl KeySpace {
    /// Number of distinct keys at a load multiplier, at least one.
    pub fn distinct_at(&self, scale: f64) -> u64 {
        (self.distinct * scale.powf(self.growth_exponent))
            .round()
            .max(1.0) as u64
    }
}

/// A probability distribution of a non-negative quantity.
///
/// For durations the values are microseconds; for tokens they are token counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    Constant(f64),
    Exponential {
        mean: f64,
    },
    /// Parameters of the underlying normal, derived from the declared mean and sd.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
}

impl Dist {
    /// Builds a log-normal whose mean and standard deviation are the declared ones.
    pub fn lognormal_from_mean_sd(mean: f64, sd: f64) -> Dist {
        let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
        Dist::LogNormal {
            mu: mean.ln() - sigma2 / 2.0,
            sigma: sigma2.sqrt(),
        }
    }

    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Constant(v) => v,
            Dist::Exponential { mean } => mean,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Uniform { min, max } => (min + max) / 2.0,
        }
    }

    /// The 99th percentile: what all but one value in a hundred stay below.
    pub fn p99(&self) -> f64 {
        match *self {
            Dist::Constant(v) => v,
            // −ln(0.01) = 4.605
            Dist::Exponential { mean } => mean * 4.605_170_185_988_091,
            // z(0.99) = 2.326
            Dist::LogNormal { mu, sigma } => (mu + 2.326_347_874 * sigma).exp(),
            Dist::Uniform { min, max } => min + 0.99 * (max - min),
        }
    }

    /// Second moment E[X²], used by queueing formulas and workload estimates.
    pub fn second_moment(&self) -> f64 {
        match *self {
            Dist::Constant(v) => v * v,
            Dist::Exponential { mean } => 2.0 * mean * mean,
            Dist::LogNormal { mu, sigma } => (2.0 * mu + 2.0 * sigma * sigma).exp(),
            Dist::Uniform { min, max } => (min * min + min * max + max * max) / 3.0,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum CacheModel {
    /// Every cacheable request hits with this probability.
    FixedHitRate(f64),
    /// A least-recently-used cache fed by the key stream.
    Lru {
        capacity_entries: u64,
        ttl: Option<SimTime>,
    },
}

#[derive(Clone, Debug)]
pub struct Cache {
    pub model: CacheModel,
    /// Time to look a request up, hit or miss.
    pub lookup_latency: SimTime,
    pub price_per_hour: f64,
}

/// A place that answers requests: a self-hosted pool or a paid API.
#[derive(Clone, Debug)]
pub struct Tier {
    pub name: String,
    pub kind: TierKind,
    /// Where a share of this tier's answers go next when they are not good enough.
    pub escalation: Option<Escalation>,
}

#[derive(Clone, Debug)]
pub enum TierKind {
    SelfHosted(SelfHosted),
    Batched(Batched),
    Api(Api),
}

impl TierKind {
    /// A self-hosted pool of a fixed number of instances: it costs the same every
    /// hour, whatever the load.
    pub fn is_fixed_pool(&self) -> bool {
        match self {
            TierKind::SelfHosted(s) => matches!(s.scaling, Scaling::Fixed { .. }),
            TierKind::Batched(b) => matches!(b.scaling, Scaling::Fixed { .. }),
            TierKind::Api(_) => false,
        }
    }
}

/// A pool of GPU instances that serve many sequences at once by continuous batching.
#[derive(Clone, Debug)]
pub struct Batched {
    /// Most sequences one instance runs at once.
    pub max_sequences: u32,
    /// KV-cache budget of one instance: prompt plus completion tokens of the sequences
    /// it runs, reserved from admission to completion.
    pub kv_tokens: u64,
    pub step: StepTime,
    /// Most prompt tokens prefilled in one step; none: a prompt is prefilled whole.
    pub chunk_tokens: Option<u32>,
    pub price_per_instance_hour: f64,
    pub billing: Billing,
    pub queue_capacity: u32,
    pub timeout: Option<SimTime>,
    pub scaling: Scaling,
    pub purchase: Purchase,
}

/// Duration of one engine step, µs: `base + per_prefill_token × prefill tokens in the
/// step + per_decode_sequence × sequences decoding in it`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepTime {
    pub base_us: f64,
    pub per_prefill_token_us: f64,
    pub per_decode_sequence_us: f64,
}

impl StepTime {
    pub fn of(&self, prefill_tokens: u64, decoding: u32) -> f64 {
        self.base_us
            + self.per_prefill_token_us * prefill_tokens as f64
            + self.per_decode_sequence_us * decoding as f64
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Escalation {
    /// Index of the tier that receives escalated requests.
    pub to: usize,
    /// Fraction of this tier's successful answers that are escalated, right after training.
    pub share: f64,
    /// Model drift: the share grows by this much per day since the last retraining.
    pub drift_per_day: f64,
    /// Retraining period that resets the drift (from a periodic cost that `retrains` this tier).
    pub retrain_every: Option<SimTime>,
}

impl Escalation {
    /// The escalation share at time `now`, drift included, at most 1.
    #[inline]
    pub fn share_at(&self, now: SimTime) -> f64 {
        if self.drift_per_day == 0.0 {
            return self.share;
        }
        let since_training = match self.retrain_every {
            Some(every) if every.0 > 0 => now.0 % every.0,
            _ => now.0,
        };
        (self.share + self.drift_per_day * since_training as f64 / SimTime::DAY.0 as f64).min(1.0)
    }
}

/// A pool of instances we run and pay for by the hour.
#[derive(Clone, Debug)]
pub struct SelfHosted {
    pub service_time: ServiceTime,
    /// Requests one instance serves at once.
    pub concurrency: u32,
    pub price_per_instance_hour: f64,
    pub billing: Billing,
    /// Requests that may wait for a free slot; arrivals beyond it are rejected.
    pub queue_capacity: u32,
    /// A request whose wait plus service would exceed this fails as timed out.
    pub timeout: Option<SimTime>,
    pub scaling: Scaling,
    pub purchase: Purchase,
}

#[derive(Clone, Copy, Debug)]
pub enum ServiceTime {
    /// Service time drawn from a distribution (values in microseconds).
    Dist(Dist),
    /// `base + input_tokens · per_input_token + output_tokens · per_output_token`.
    PerToken {
        base_us: f64,
        per_input_token_us: f64,
        per_output_token_us: f64,
    },
}

/// How a tier's instances may be bought besides on demand.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Purchase {
    /// Instances paid for whether used or not (a reservation or savings plan).
    pub committed: Option<Committed>,
    /// Instances bought at a discount that the provider may take back.
    pub spot: Option<Spot>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Committed {
    pub instances: u32,
    pub price_per_instance_hour: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spot {
    /// Most spot instances alive at once; launches beyond go on demand.
    pub max_instances: u32,
    pub price_per_instance_hour: f64,
    /// Mean time from launch to being taken back (exponentially distributed).
    pub mean_time_to_preemption: SimTime,
    /// Warning before being taken back: the instance takes no new work from then.
    pub notice: SimTime,
}

/// How instance time is turned into billed time.
#[derive(Clone, Copy, Debug)]
pub struct Billing {
    /// Billed time is rounded up to a multiple of this.
    pub granularity: SimTime,
    /// Every instance is billed at least this long.
    pub minimum: SimTime,
}

impl Billing {
    /// Billed time for an instance that lived `alive`.
    pub fn billed(&self, alive: SimTime) -> SimTime {
        let g = self.granularity.0.max(1);
        let rounded = alive.0.div_ceil(g).saturating_mul(g);
        SimTime(rounded.max(self.minimum.0))
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Scaling {
    Fixed { instances: u32 },
    Auto(Autoscaling),
}

#[derive(Clone, Copy, Debug)]
pub struct Autoscaling {
    pub min: u32,
    pub max: u32,
    /// Desired instances = ceil(requests in the tier / (concurrency · target)).
    pub target_utilization: f64,
    /// How often the autoscaler looks at the tier.
    pub interval: SimTime,
    pub scale_out_cooldown: SimTime,
    pub scale_in_cooldown: SimTime,
    /// Time from launch (when billing starts) until an instance serves.
    pub startup_delay: SimTime,
    /// Most instances added or removed in one step.
    pub max_step: u32,
}

/// A paid model API billed per token.
#[derive(Clone, Debug)]
pub struct Api {
    pub price_per_1k_input_tokens: f64,
    pub price_per_1k_output_tokens: f64,
    pub price_per_request: f64,
    pub latency: ApiLatency,
    pub rate_limit: Option<RateLimit>,
    pub retry: Retry,
    pub timeout: Option<SimTime>,
    /// Cheaper input for a prompt prefix sent recently; none: every token at list price.
    pub prompt_cache: Option<PromptCache>,
    /// A discounted asynchronous path for deferrable requests.
    pub batch: Option<BatchApi>,
}

/// How long an API call takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ApiLatency {
    /// Time to a complete answer, not streamed (microseconds).
    Complete(Dist),
    /// A streamed answer: the first token after `ttft`, each later one after
    /// `per_output_token` (microseconds; both drawn once per call).
    Streamed { ttft: Dist, per_output_token: Dist },
}

/// Call and token limits: a call is admitted only if every bucket declared allows it.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    /// Calls per minute; none when only tokens are limited.
    pub requests: Option<Bucket>,
    /// Input plus output tokens per minute.
    pub tokens: Option<Bucket>,
}

/// A token bucket: refilled at `per_minute`, holding at most `burst`.
#[derive(Clone, Copy, Debug)]
pub struct Bucket {
    pub per_minute: f64,
    pub burst: f64,
}

/// Prompt caching: a prefix sent less than `lifetime` ago is billed at the cached
/// price; a colder one is written to the cache at `write_multiplier` × the input price.
#[derive(Clone, Copy, Debug)]
pub struct PromptCache {
    pub price_per_1k_cached_input_tokens: f64,
    pub write_multiplier: f64,
    /// Since the prefix was last sent; each call that sends it refreshes it.
    pub lifetime: SimTime,
}

/// The batch API: deferrable calls answered after `turnaround`, billed at
/// `(1 − discount)` × the list price.
#[derive(Clone, Copy, Debug)]
pub struct BatchApi {
    pub discount: f64,
    /// From submission to the answer (microseconds).
    pub turnaround: Dist,
    /// The batch queue's own limits; none: batch calls are not limited.
    pub rate_limit: Option<RateLimit>,
}

/// What a throttled call does: wait `backoff · 2^attempt` (with ±50% jitter) and retry.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    pub max_retries: u32,
    pub backoff: SimTime,
}

impl Scenario {
    /// Requests per microsecond at scale 1, averaged over the diurnal and weekly cycles.
    pub fn base_rate_per_us(&self) -> f64 {
        self.workload.users * self.workload.requests_per_user_per_day / SimTime::DAY.0 as f64
    }

    /// The measured span: horizon minus warm-up.
    pub fn window(&self) -> SimTime {
        self.workload.horizon.minus(self.workload.warmup)
    }
}

/// Costs that the simulation does not produce but the business pays.
#[derive(Clone, Debug, Default)]
pub struct HiddenCosts {
    /// Paid once, before the first month (implementation, migration).
    pub one_off: Vec<NamedAmount>,
    /// Paid every month whatever the load (team, licences, on-call).
    pub monthly: Vec<NamedAmount>,
    pub periodic: Vec<PeriodicCost>,
    pub volume: Vec<VolumeCost>,
    pub storage: Vec<StorageCost>,
    pub egress: Vec<EgressCost>,
    pub steps: Vec<StepCost>,
}

#[derive(Clone, Debug)]
pub struct NamedAmount {
    pub name: String,
    pub amount: f64,
}

/// A cost paid every `every`, the k-th time `amount · growth^(k−1)`.
#[derive(Clone, Debug)]
pub struct PeriodicCost {
    pub name: String,
    pub every: SimTime,
    pub amount: f64,
    /// Factor applied to the amount at each occurrence (2 = doubles each time).
    pub growth: f64,
    /// Index of the tier whose escalation drift each occurrence resets.
    pub retrains: Option<usize>,
}

/// What a volume or step cost grows with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    Users,
    /// Requests offered per month (volume costs) or per day (step costs).
    Requests,
}

/// A monthly cost `amount · (volume / unit)^exponent`: pipelines, feature stores.
#[derive(Clone, Debug)]
pub struct VolumeCost {
    pub name: String,
    pub driver: Driver,
    /// Volume per month that costs `amount` (e.g. 1,000,000 requests).
    pub unit: f64,
    pub amount: f64,
    pub exponent: f64,
}

/// Logs or features kept per request for a retention period, billed per GB-month.
#[derive(Clone, Debug)]
pub struct StorageCost {
    pub name: String,
    pub bytes_per_request: f64,
    pub retention: SimTime,
    pub price_per_gb_month: f64,
}

/// Data moved out per request, billed per GB.
#[derive(Clone, Debug)]
pub struct EgressCost {
    pub name: String,
    pub bytes_per_request: f64,
    pub price_per_gb: f64,
}

/// A monthly cost that switches on at thresholds.
#[derive(Clone, Debug)]
pub struct StepCost {
    pub name: String,
    pub amount_per_month: f64,
    pub rule: StepRule,
}

#[derive(Clone, Copy, Debug)]
pub enum StepRule {
    /// Paid once the driver exceeds the threshold (users, or requests per day).
    Above(Driver, f64),
    /// Paid once per started block of this size (one engineer per 25,000 users).
    Every(Driver, f64),
}

/// How the service earns money.
#[derive(Clone, Copy, Debug)]
pub enum Revenue {
    /// A subscription per paying user; `free_share` of users pay nothing.
    PerSeat {
        price_per_user_per_month: f64,
        free_share: f64,
    },
    /// Pay per successful request and/or per 1,000 tokens of successful requests.
    Usage {
        price_per_request: f64,
        price_per_1k_tokens: f64,
    },
    /// A seat price that includes an allowance of requests, and a price for the overage.
    Hybrid {
        price_per_user_per_month: f64,
        free_share: f64,
        included_requests_per_user: f64,
        price_per_extra_request: f64,
    },
}

/// Spending limits and alerting.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Monthly budget for running costs (one-off costs excluded).
    pub monthly: Option<f64>,
    /// An hour spending more than this multiple of the median hour is an anomaly.
    pub anomaly_multiple: f64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            monthly: None,
            anomaly_multiple: 3.0,
        }
    }
}
