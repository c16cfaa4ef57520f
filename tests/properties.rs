//! Invariants every run keeps, whatever the valid scenario, checked on random ones.
//!
//! Each case writes a random valid scenario as YAML — no cache, a fixed hit rate or an
//! LRU over Zipf keys; one to three tiers of both kinds (fixed and autoscaled pools with
//! random billing rules, queues of any size including none, timeouts; APIs with and
//! without rate limits and retries); routes and acyclic escalation with drift and
//! retraining; diurnal and weekly cycles and bursts — reads it with the real reader,
//! simulates it at one scale and renders it in every format. Loads are small (at most
//! about 20,000 requests) so a case takes milliseconds. What must hold, exactly:
//!
//! - conservation: offered = served + failed (by reason) + in flight, in total and per
//!   tier; served = cache hits + answers of the tiers; hits + misses = lookups;
//! - costs, tokens, latencies and instance figures are never negative or NaN;
//! - billed instance time ≥ alive instance time; a fixed pool is alive, and billed,
//!   exactly instances × measured window;
//! - utilisation and every share in [0, 1]; p50 ≤ p95 ≤ p99 ≤ max;
//! - without a cache nothing hits;
//! - Little's law, as the sample-path identity it is (see [`check_littles_law`]);
//! - doubling one component's prices doubles its cost line and changes nothing else:
//!   prices are not inputs of the simulation, so both runs see the same requests.
//!
//! Floating-point comparisons allow a relative 10⁻⁹: every figure is a sum of at most a
//! few million terms, each exact or rounded once, so rounding stays near 10⁻¹²; a
//! request counted on one side only moves a figure by far more.
//!
//! Case counts are set so the file runs in well under a minute on two cores; set
//! PROPTEST_CASES to run more. A failure is shrunk to a small scenario and printed as
//! YAML.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use scalecost::metrics::RunMetrics;
use scalecost::outcome::ScaleResult;
use scalecost::report::Format;

mod common;
use common::{Report as ScenarioReport, report as run_scenario};

/// Random scenarios checked for every invariant but the price one.
const INVARIANT_CASES: u32 = 1024;
/// Random scenarios each run twice, once with one component's prices doubled.
const PRICE_CASES: u32 = 256;

/// Relative tolerance of floating-point identities (see the file's doc).
const REL: f64 = 1e-9;

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------
// Random valid scenarios
// ---------------------------------------------------------------------------------

/// A distribution of tokens (plain numbers) or of durations (milliseconds).
#[derive(Clone, Debug)]
enum Amount {
    Constant(u32),
    Exponential(u32),
    LogNormal { mean: u32, sd: u32 },
    Uniform { min: u32, max: u32 },
}

impl Amount {
    fn yaml(&self, unit: &str) -> String {
        match self {
            Amount::Constant(v) if unit.is_empty() => format!("{v}"),
            Amount::Constant(v) => format!("\"{v}{unit}\""),
            Amount::Exponential(m) => format!("{{dist: exponential, mean: {m}{unit}}}"),
            Amount::LogNormal { mean, sd } => {
                format!("{{dist: lognormal, mean: {mean}{unit}, sd: {sd}{unit}}}")
            }
            Amount::Uniform { min, max } => {
                format!("{{dist: uniform, min: {min}{unit}, max: {max}{unit}}}")
            }
        }
    }
}

/// Any distribution with values in `[lo, hi]` (means at least 1, as validation asks).
fn amount(lo: u32, hi: u32) -> impl Strategy<Value = Amount> {
    prop_oneof![
        (lo..=hi).prop_map(Amount::Constant),
        (lo.max(1)..=hi).prop_map(Amount::Exponential),
        (lo.max(1)..=hi, 1..=hi).prop_map(|(mean, sd)| Amount::LogNormal { mean, sd }),
        (lo..=hi, lo..=hi).prop_map(move |(a, b)| Amount::Uniform {
            min: a.min(b),
            max: a.max(b).max(lo.max(1)),
        }),
    ]
}

#[derive(Clone, Debug)]
struct Class {
    weight: u32,
    input_tokens: Amount,
    output_tokens: Amount,
    /// None leaves the default (cacheable).
    cacheable: Option<bool>,
    tier: usize,
}

#[derive(Clone, Debug)]
enum Service {
    Dist(Amount),
    PerToken {
        base_ms: u32,
        per_input_us: u32,
        per_output_us: u32,
    },
}

#[derive(Clone, Debug)]
enum Scaling {
    Fixed(u32),
    Auto {
        min: u32,
        max: u32,
        target_pct: u32,
        interval_s: u32,
        scale_out_cooldown_s: u32,
        scale_in_cooldown_s: u32,
        startup_delay_s: u32,
        max_step: Option<u32>,
    },
}

#[derive(Clone, Debug)]
enum Tier {
    Pool {
        service: Service,
        concurrency: u32,
        price_cents: u32,
        /// (granularity, minimum), seconds.
        billing: Option<(u32, u32)>,
        queue_capacity: Option<u32>,
        timeout_ms: Option<u32>,
        scaling: Scaling,
    },
    Api {
        /// Thousandths per 1,000 tokens.
        input_price: u32,
        output_price: u32,
        /// Ten-thousandths per call.
        request_price: u32,
        latency: Amount,
        /// (requests per minute, burst).
        rate_limit: Option<(u32, Option<u32>)>,
        /// (max retries, backoff in ms).
        retry: Option<(u32, u32)>,
        timeout_ms: Option<u32>,
    },
}

impl Tier {
    fn timeout_ms(&self) -> Option<u32> {
        match self {
            Tier::Pool { timeout_ms, .. } | Tier::Api { timeout_ms, .. } => *timeout_ms,
        }
    }
}

#[derive(Clone, Debug)]
struct Escalation {
    to: usize,
    share_pct: u32,
    drift_per_day_pct: Option<u32>,
}

#[derive(Clone, Debug)]
enum CacheModel {
    /// Twentieths: 0 never hits, 20 always does.
    HitRate(u32),
    Lru {
        capacity: u32,
        ttl_min: Option<u32>,
    },
}

#[derive(Clone, Debug)]
struct Cache {
    model: CacheModel,
    lookup_ms: Option<u32>,
    price_cents: u32,
}

#[derive(Clone, Debug)]
struct Keys {
    distinct: u32,
    zipf_tenths: u32,
    growth_tenths: Option<u32>,
}

#[derive(Clone, Debug)]
struct Burst {
    start_min: u32,
    duration_min: u32,
    multiplier: u32,
}

#[derive(Clone, Debug)]
struct Spec {
    seed: u64,
    scale: f64,
    users: u32,
    requests_per_user_per_day: f64,
    horizon_h: u32,
    warmup_h: u32,
    diurnal: Option<(u32, u32)>,
    weekend_tenths: Option<u32>,
    bursts: Vec<Burst>,
    classes: Vec<Class>,
    keys: Option<Keys>,
    cache: Option<Cache>,
    tiers: Vec<Tier>,
    escalation: Vec<Option<Escalation>>,
    /// (tier, every N days): a periodic cost that retrains that tier.
    retraining: Option<(usize, u32)>,
    monthly_cost: Option<u32>,
}

/// A component whose prices can be doubled.
#[derive(Clone, Copy, Debug)]
enum Priced {
    Cache,
    Tier(usize),
}

fn class(n_tiers: usize) -> impl Strategy<Value = Class> {
    (
        1u32..=10,
        amount(0, 4000),
        amount(0, 2000),
        proptest::option::of(any::<bool>()),
        0..n_tiers,
    )
        .prop_map(
            |(weight, input_tokens, output_tokens, cacheable, tier)| Class {
                weight,
                input_tokens,
                output_tokens,
                cacheable,
                tier,
            },
        )
}

fn service() -> impl Strategy<Value = Service> {
    prop_oneof![
        // Long services often, so pools saturate and queue, shed and time out.
        prop_oneof![amount(1, 2000), amount(500, 20_000)].prop_map(Service::Dist),
        (1u32..=100, 0u32..=50, 0u32..=5000).prop_map(|(base_ms, per_input_us, per_output_us)| {
            Service::PerToken {
                base_ms,
                per_input_us,
                per_output_us,
            }
        }),
    ]
}

fn scaling() -> impl Strategy<Value = Scaling> {
    prop_oneof![
        (1u32..=5).prop_map(Scaling::Fixed),
        (
            0u32..=3,
            0u32..=5,
            10u32..=100,
            prop_oneof![1u32..=60, 60u32..=600],
            0u32..=900,
            0u32..=900,
            0u32..=300,
            proptest::option::of(1u32..=3),
        )
            .prop_map(
                |(min, extra, target_pct, interval_s, out_s, in_s, startup_s, max_step)| {
                    Scaling::Auto {
                        min,
                        max: min.max(1) + extra,
                        target_pct,
                        interval_s,
                        scale_out_cooldown_s: out_s,
                        scale_in_cooldown_s: in_s,
                        startup_delay_s: startup_s,
                        max_step,
                    }
                },
            ),
    ]
}

fn tier() -> impl Strategy<Value = Tier> {
    let pool = (
        service(),
        1u32..=8,
        1u32..=500,
        proptest::option::of((
            prop_oneof![Just(1u32), Just(60), Just(3600), 1u32..=900],
            0u32..=7200,
        )),
        // Small queues often, so requests are turned away as well as queued.
        proptest::option::of(prop_oneof![Just(0u32), 0u32..=20, 0u32..=2000]),
        proptest::option::of(50u32..=60_000),
        scaling(),
    )
        .prop_map(
            |(service, concurrency, price_cents, billing, queue_capacity, timeout_ms, scaling)| {
                Tier::Pool {
                    service,
                    concurrency,
                    price_cents,
                    billing,
                    queue_capacity,
                    timeout_ms,
                    scaling,
                }
            },
        );
    let api = (
        1u32..=100,
        1u32..=100,
        0u32..=10,
        amount(1, 5000),
        // Low limits often, so calls are throttled, retried and given up on.
        proptest::option::of((
            prop_oneof![1u32..=10, 1u32..=1000],
            proptest::option::of(1u32..=100),
        )),
        proptest::option::of((0u32..=5, 100u32..=10_000)),
        proptest::option::of(50u32..=60_000),
    )
        .prop_map(
            |(input_price, output_price, request_price, latency, rate_limit, retry, timeout_ms)| {
                Tier::Api {
                    input_price,
                    output_price,
                    request_price,
                    latency,
                    rate_limit,
                    retry,
                    timeout_ms,
                }
            },
        );
    prop_oneof![pool, api]
}

fn cache() -> impl Strategy<Value = Option<Cache>> {
    let model = prop_oneof![
        prop_oneof![Just(0u32), Just(20), 0u32..=20].prop_map(CacheModel::HitRate),
        (1u32..=3000, proptest::option::of(1u32..=600))
            .prop_map(|(capacity, ttl_min)| CacheModel::Lru { capacity, ttl_min }),
    ];
    proptest::option::of(
        (model, proptest::option::of(0u32..=5), 1u32..=500).prop_map(
            |(model, lookup_ms, price_cents)| Cache {
                model,
                lookup_ms,
                price_cents,
            },
        ),
    )
}

fn keys() -> impl Strategy<Value = Keys> {
    (1u32..=5000, 0u32..=20, proptest::option::of(0u32..=20)).prop_map(
        |(distinct, zipf_tenths, growth_tenths)| Keys {
            distinct,
            zipf_tenths,
            growth_tenths,
        },
    )
}

/// An escalation from tier `from` of `n` to a later tier, so chains always end.
fn escalation(from: usize, n: usize) -> BoxedStrategy<Option<Escalation>> {
    if from + 1 >= n {
        return Just(None).boxed();
    }
    proptest::option::of(
        (from + 1..n, 0u32..=100, proptest::option::of(0u32..=20)).prop_map(
            |(to, share_pct, drift_per_day_pct)| Escalation {
                to,
                share_pct,
                drift_per_day_pct,
            },
        ),
    )
    .boxed()
}

/// The load: at most 20,000 requests on average, over 1 to 48 hours, at one scale.
fn load() -> impl Strategy<Value = (f64, u32, f64, u32, u32)> {
    (
        prop_oneof![Just(1.0), Just(0.5), Just(2.0), Just(3.7)],
        10u32..=1000,
        1u32..=20_000,
        // Short horizons often: the same requests in fewer hours overload the tiers.
        prop_oneof![1u32..=4, 1u32..=48],
        any::<bool>(),
    )
        .prop_flat_map(|(scale, users, requests, horizon_h, measure_from_start)| {
            let warmup = if measure_from_start || horizon_h == 1 {
                Just(0u32).boxed()
            } else {
                (0..horizon_h).boxed()
            };
            let per_user_per_day =
                requests as f64 * 24.0 / (horizon_h as f64 * scale * users as f64);
            (
                Just(scale),
                Just(users),
                Just(per_user_per_day),
                Just(horizon_h),
                warmup,
            )
        })
}

fn spec() -> impl Strategy<Value = Spec> {
    (1usize..=3, 1usize..=3)
        .prop_flat_map(|(n_tiers, n_classes)| {
            let escalations: Vec<_> = (0..n_tiers).map(|i| escalation(i, n_tiers)).collect();
            (
                (0u64..1 << 53, load()),
                (
                    proptest::option::of((1u32..=10, 0u32..=24)),
                    proptest::option::of(1u32..=30),
                    proptest::collection::vec((0u32..100, 1u32..=120, 1u32..=4), 0..=2),
                ),
                proptest::collection::vec(class(n_tiers), n_classes),
                (proptest::option::of(keys()), cache()),
                proptest::collection::vec(tier(), n_tiers),
                escalations,
                proptest::option::of((0..n_tiers, 1u32..=2)),
                proptest::option::of(1u32..=5000),
            )
        })
        .prop_map(
            |(
                (seed, (scale, users, per_user_per_day, horizon_h, warmup_h)),
                (diurnal, weekend_tenths, bursts),
                classes,
                (keys, cache),
                tiers,
                escalation,
                retraining,
                monthly_cost,
            )| {
                // An LRU cache needs keys to draw from.
                let keys = match (&cache, keys) {
                    (
                        Some(Cache {
                            model: CacheModel::Lru { .. },
                            ..
                        }),
                        None,
                    ) => Some(Keys {
                        distinct: 1000,
                        zipf_tenths: 8,
                        growth_tenths: None,
                    }),
                    (_, keys) => keys,
                };
                let horizon_min = horizon_h * 60;
                Spec {
                    seed,
                    scale,
                    users,
                    requests_per_user_per_day: per_user_per_day,
                    horizon_h,
                    warmup_h,
                    diurnal,
                    weekend_tenths,
                    bursts: bursts
                        .into_iter()
                        .map(|(start_pct, duration_min, multiplier)| Burst {
                            start_min: start_pct * horizon_min / 100,
                            duration_min,
                            multiplier,
                        })
                        .collect(),
                    classes,
                    keys,
                    cache,
                    tiers,
                    escalation,
                    retraining,
                    monthly_cost,
                }
            },
        )
}

/// A price in a currency unit from an integer count of `1/divisor`, doubled on request.
fn price(count: u32, divisor: f64, doubled: bool) -> String {
    let p = count as f64 / divisor;
    // `{:?}` prints the shortest text that reads back as the same f64, and doubling is
    // exact, so the doubled scenario's price is exactly twice the other's.
    format!("{:?}", if doubled { 2.0 * p } else { p })
}

impl Spec {
    fn tier_name(i: usize) -> String {
        format!("t{i}")
    }

    fn all_cacheable(&self) -> bool {
        self.classes.iter().all(|c| c.cacheable != Some(false))
    }

    fn none_cacheable(&self) -> bool {
        self.classes.iter().all(|c| c.cacheable == Some(false))
    }

    /// The components that have prices: the cache, if any, and every tier.
    fn priced(&self) -> Vec<Priced> {
        let mut list: Vec<Priced> = self.cache.iter().map(|_| Priced::Cache).collect();
        list.extend((0..self.tiers.len()).map(Priced::Tier));
        list
    }

    /// The scenario as YAML, with `doubled`'s prices doubled.
    fn yaml(&self, doubled: Option<Priced>) -> String {
        use std::fmt::Write;
        let mut y = String::new();
        let w = &mut y;
        writeln!(
            w,
            "name: property\nseed: {}\nscales: [{:?}]",
            self.seed, self.scale
        )
        .unwrap();
        writeln!(w, "workload:").unwrap();
        writeln!(w, "  users: {}", self.users).unwrap();
        writeln!(
            w,
            "  requests_per_user_per_day: {:?}",
            self.requests_per_user_per_day
        )
        .unwrap();
        writeln!(
            w,
            "  horizon: {}h\n  warmup: {}h",
            self.horizon_h, self.warmup_h
        )
        .unwrap();
        if let Some((peak_to_trough, peak_hour)) = self.diurnal {
            writeln!(
                w,
                "  diurnal: {{peak_to_trough: {peak_to_trough}, peak_hour: {peak_hour}}}"
            )
            .unwrap();
        }
        if let Some(t) = self.weekend_tenths {
            writeln!(w, "  weekly: {{weekend_factor: {:?}}}", t as f64 / 10.0).unwrap();
        }
        if !self.bursts.is_empty() {
            writeln!(w, "  bursts:").unwrap();
            for b in &self.bursts {
                writeln!(
                    w,
                    "    - {{start: {}m, duration: {}m, multiplier: {}}}",
                    b.start_min, b.duration_min, b.multiplier
                )
                .unwrap();
            }
        }
        writeln!(w, "  classes:").unwrap();
        let total_weight: u32 = self.classes.iter().map(|c| c.weight).sum();
        for (i, c) in self.classes.iter().enumerate() {
            write!(
                w,
                "    c{i}: {{share: {:?}, input_tokens: {}, output_tokens: {}",
                c.weight as f64 / total_weight as f64,
                c.input_tokens.yaml(""),
                c.output_tokens.yaml("")
            )
            .unwrap();
            if let Some(cacheable) = c.cacheable {
                write!(w, ", cacheable: {cacheable}").unwrap();
            }
            writeln!(w, "}}").unwrap();
        }
        if let Some(k) = &self.keys {
            write!(
                w,
                "  keys: {{distinct: {}, zipf_exponent: {:?}",
                k.distinct,
                k.zipf_tenths as f64 / 10.0
            )
            .unwrap();
            if let Some(g) = k.growth_tenths {
                write!(w, ", growth_exponent: {:?}", g as f64 / 10.0).unwrap();
            }
            writeln!(w, "}}").unwrap();
        }
        if let Some(c) = &self.cache {
            writeln!(w, "cache:").unwrap();
            match &c.model {
                CacheModel::HitRate(t) => {
                    writeln!(w, "  hit_rate: {:?}", *t as f64 / 20.0).unwrap();
                }
                CacheModel::Lru { capacity, ttl_min } => {
                    write!(w, "  lru: {{capacity: {capacity}").unwrap();
                    if let Some(ttl) = ttl_min {
                        write!(w, ", ttl: {ttl}m").unwrap();
                    }
                    writeln!(w, "}}").unwrap();
                }
            }
            if let Some(ms) = c.lookup_ms {
                writeln!(w, "  lookup_latency: {ms}ms").unwrap();
            }
            let doubled = matches!(doubled, Some(Priced::Cache));
            writeln!(
                w,
                "  price_per_hour: {}",
                price(c.price_cents, 100.0, doubled)
            )
            .unwrap();
        }
        writeln!(w, "routing:\n  routes:").unwrap();
        for (i, c) in self.classes.iter().enumerate() {
            writeln!(w, "    c{i}: {}", Spec::tier_name(c.tier)).unwrap();
        }
        if self.escalation.iter().any(Option::is_some) {
            writeln!(w, "  escalation:").unwrap();
            for (i, e) in self.escalation.iter().enumerate() {
                let Some(e) = e else { continue };
                write!(
                    w,
                    "    {}: {{to: {}, share: {:?}",
                    Spec::tier_name(i),
                    Spec::tier_name(e.to),
                    e.share_pct as f64 / 100.0
                )
                .unwrap();
                if let Some(d) = e.drift_per_day_pct {
                    write!(w, ", drift_per_day: {:?}", d as f64 / 100.0).unwrap();
                }
                writeln!(w, "}}").unwrap();
            }
        }
        writeln!(w, "tiers:").unwrap();
        for (i, t) in self.tiers.iter().enumerate() {
            let doubled = matches!(doubled, Some(Priced::Tier(d)) if d == i);
            writeln!(w, "  {}:", Spec::tier_name(i)).unwrap();
            match t {
                Tier::Pool {
                    service,
                    concurrency,
                    price_cents,
                    billing,
                    queue_capacity,
                    timeout_ms,
                    scaling,
                } => {
                    writeln!(w, "    kind: self_hosted").unwrap();
                    match service {
                        Service::Dist(d) => writeln!(w, "    service_time: {}", d.yaml("ms")),
                        Service::PerToken {
                            base_ms,
                            per_input_us,
                            per_output_us,
                        } => writeln!(
                            w,
                            "    service_time: {{base: {base_ms}ms, per_input_token: {per_input_us}us, per_output_token: {per_output_us}us}}"
                        ),
                    }
                    .unwrap();
                    writeln!(w, "    concurrency: {concurrency}").unwrap();
                    writeln!(
                        w,
                        "    price_per_instance_hour: {}",
                        price(*price_cents, 100.0, doubled)
                    )
                    .unwrap();
                    if let Some((granularity_s, minimum_s)) = billing {
                        writeln!(
                            w,
                            "    billing: {{granularity: {granularity_s}s, minimum: {minimum_s}s}}"
                        )
                        .unwrap();
                    }
                    if let Some(q) = queue_capacity {
                        writeln!(w, "    queue_capacity: {q}").unwrap();
                    }
                    if let Some(ms) = timeout_ms {
                        writeln!(w, "    timeout: {ms}ms").unwrap();
                    }
                    match scaling {
                        Scaling::Fixed(n) => writeln!(w, "    instances: {n}").unwrap(),
                        Scaling::Auto {
                            min,
                            max,
                            target_pct,
                            interval_s,
                            scale_out_cooldown_s,
                            scale_in_cooldown_s,
                            startup_delay_s,
                            max_step,
                        } => {
                            write!(
                                w,
                                "    autoscaling: {{min: {min}, max: {max}, target_utilization: {:?}, interval: {interval_s}s, scale_out_cooldown: {scale_out_cooldown_s}s, scale_in_cooldown: {scale_in_cooldown_s}s, startup_delay: {startup_delay_s}s",
                                *target_pct as f64 / 100.0
                            )
                            .unwrap();
                            if let Some(step) = max_step {
                                write!(w, ", max_step: {step}").unwrap();
                            }
                            writeln!(w, "}}").unwrap();
                        }
                    }
                }
                Tier::Api {
                    input_price,
                    output_price,
                    request_price,
                    latency,
                    rate_limit,
                    retry,
                    timeout_ms,
                } => {
                    writeln!(w, "    kind: api").unwrap();
                    writeln!(
                        w,
                        "    price_per_1k_input_tokens: {}\n    price_per_1k_output_tokens: {}\n    price_per_request: {}",
                        price(*input_price, 1000.0, doubled),
                        price(*output_price, 1000.0, doubled),
                        price(*request_price, 10_000.0, doubled)
                    )
                    .unwrap();
                    writeln!(w, "    latency: {}", latency.yaml("ms")).unwrap();
                    if let Some((rpm, burst)) = rate_limit {
                        write!(w, "    rate_limit: {{requests_per_minute: {rpm}").unwrap();
                        if let Some(b) = burst {
                            write!(w, ", burst: {b}").unwrap();
                        }
                        writeln!(w, "}}").unwrap();
                    }
                    if let Some((max_retries, backoff_ms)) = retry {
                        writeln!(
                            w,
                            "    retry: {{max_retries: {max_retries}, backoff: {backoff_ms}ms}}"
                        )
                        .unwrap();
                    }
                    if let Some(ms) = timeout_ms {
                        writeln!(w, "    timeout: {ms}ms").unwrap();
                    }
                }
            }
        }
        if self.retraining.is_some() || self.monthly_cost.is_some() {
            writeln!(w, "costs:").unwrap();
            if let Some(amount) = self.monthly_cost {
                writeln!(w, "  monthly: [{{name: team, amount: {amount}}}]").unwrap();
            }
            if let Some((tier, days)) = self.retraining {
                writeln!(
                    w,
                    "  periodic: [{{name: retraining, every: {days}d, amount: 100, retrains: {}}}]",
                    Spec::tier_name(tier)
                )
                .unwrap();
            }
        }
        y
    }
}

// ---------------------------------------------------------------------------------
// Running and checking
// ---------------------------------------------------------------------------------

/// Reads and simulates `yaml`; a refusal is a failure (the generator writes only valid
/// scenarios, so either it or the reader is wrong).
fn run(yaml: &str) -> Result<ScenarioReport, TestCaseError> {
    let scenario = scalecost::scenario::parse(yaml, "property.yaml", "property")
        .map_err(|e| TestCaseError::fail(format!("a valid scenario was refused: {e}")))?;
    Ok(run_scenario(&scenario))
}

/// Whether `a` and `b` agree within a relative [`REL`] (absolute near zero).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= REL * a.abs().max(b.abs()).max(1e-12)
}

fn non_negative(what: &str, x: f64) -> Result<(), TestCaseError> {
    prop_assert!(x.is_finite() && x >= 0.0, "{what} = {x}");
    Ok(())
}

fn share(what: &str, x: f64) -> Result<(), TestCaseError> {
    prop_assert!((0.0..=1.0).contains(&x), "{what} = {x} is outside [0, 1]");
    Ok(())
}

fn check_all(spec: &Spec, report: &ScenarioReport) -> Result<(), TestCaseError> {
    prop_assert_eq!(report.results.len(), 1);
    let result = &report.results[0];
    check_conservation(spec, &result.metrics)?;
    check_cache(spec, &result.metrics)?;
    check_no_negative_or_nan(result)?;
    check_instances(spec, &result.metrics)?;
    check_shares_and_percentiles(&result.metrics)?;
    if spec.warmup_h == 0 {
        check_littles_law(&result.metrics)?;
    }
    check_renderers(report)?;
    Ok(())
}

/// Every request that arrived in the window is served, failed for one reason, or still
/// in flight; the per-tier figures add up to the totals.
fn check_conservation(spec: &Spec, m: &RunMetrics) -> Result<(), TestCaseError> {
    let r = &m.requests;
    let f = &r.failed;
    prop_assert_eq!(
        f.total,
        f.queue_full + f.timeout + f.throttled,
        "failed by reason"
    );
    prop_assert_eq!(
        r.offered,
        r.served + f.total + r.in_flight,
        "offered = served + failed + in flight"
    );
    // A request that waited for an answer being computed (coalesced at the cache)
    // shares that answer's outcome without reaching a tier.
    let hits = m.cache.as_ref().map_or(0, |c| c.hits);
    let coalesced = m.cache.as_ref().map_or(0, |c| c.coalesced_served);
    let waited_failed = m
        .cache
        .as_ref()
        .map(|c| c.coalesced_failed.clone())
        .unwrap_or_default();
    let tier_served: u64 = m.tiers.iter().map(|t| t.served).sum();
    prop_assert_eq!(
        r.served,
        hits + coalesced + tier_served,
        "served = cache hits + coalesced answers + tier answers"
    );
    let sum = |f: fn(&scalecost::metrics::TierStats) -> u64| m.tiers.iter().map(f).sum::<u64>();
    prop_assert_eq!(
        f.queue_full,
        sum(|t| t.failed.queue_full) + waited_failed.queue_full
    );
    prop_assert_eq!(f.timeout, sum(|t| t.failed.timeout) + waited_failed.timeout);
    prop_assert_eq!(
        f.throttled,
        sum(|t| t.failed.throttled) + waited_failed.throttled
    );
    for (i, (t, s)) in m.tiers.iter().zip(&spec.tiers).enumerate() {
        let tf = &t.failed;
        prop_assert_eq!(
            tf.total,
            tf.queue_full + tf.timeout + tf.throttled,
            "tier {}",
            i
        );
        // Each failure happens only where its cause exists.
        match s {
            Tier::Pool { .. } => prop_assert_eq!(tf.throttled, 0, "tier {} is a pool", i),
            Tier::Api { rate_limit, .. } => {
                prop_assert_eq!(tf.queue_full, 0, "tier {} is an API", i);
                if rate_limit.is_none() {
                    prop_assert_eq!(tf.throttled + t.throttled_attempts, 0, "tier {}", i);
                }
            }
        }
        if s.timeout_ms().is_none() {
            prop_assert_eq!(tf.timeout, 0, "tier {} has no timeout", i);
        }
        if spec.escalation[i].is_none() {
            prop_assert_eq!(t.escalated, 0, "tier {} does not escalate", i);
        }
    }
    let timeline_hours: f64 = m.timeline.iter().map(|h| h.hours).sum();
    prop_assert!(
        close(timeline_hours, spec.horizon_h as f64),
        "timeline covers the horizon"
    );
    if spec.warmup_h == 0 {
        // Every request is measured, so each tier's arrivals are accounted for too:
        // what reached a tier was answered there, sent on, failed there, or is still in it.
        let mut in_tiers = 0u64;
        for (i, t) in m.tiers.iter().enumerate() {
            let done = t.served + t.escalated + t.failed.total;
            prop_assert!(
                done <= t.requests,
                "tier {}: {} done of {} arrived",
                i,
                done,
                t.requests
            );
            in_tiers += t.requests - done;
        }
        // Departures are counted apart from outcomes (for Little's law): every request
        // that left a tier left with exactly one outcome; only a full queue turns a
        // request away without it ever being inside.
        for (i, t) in m.tiers.iter().enumerate() {
            let departures = (t.throughput_per_s * m.window_hours * 3600.0).round() as u64;
            let outcomes = t.served + t.escalated + t.failed.timeout + t.failed.throttled;
            prop_assert_eq!(departures, outcomes, "tier {}: departures and outcomes", i);
        }
        // Requests still waiting for an answer being computed are in flight outside
        // any tier; the rest are between the cache and their first tier.
        let joined = m.cache.as_ref().map_or(0, |c| c.coalesced);
        let waiting = joined - coalesced - waited_failed.total;
        prop_assert!(
            in_tiers + waiting <= r.in_flight,
            "{} in tiers, {} in flight",
            in_tiers,
            r.in_flight
        );
        let cache_lookup_takes_time = spec.cache.as_ref().is_some_and(|c| c.lookup_ms != Some(0));
        if !cache_lookup_takes_time {
            prop_assert_eq!(
                in_tiers + waiting,
                r.in_flight,
                "nothing waits between cache and tier"
            );
        }
        let first_entries: u64 = m.tiers.iter().map(|t| t.requests - t.escalated).sum();
        prop_assert_eq!(
            r.offered - hits - joined,
            first_entries + (r.in_flight - in_tiers - waiting),
            "misses and uncached requests reach a tier, or are on their way"
        );
        let arrivals: u64 = m.timeline.iter().map(|h| h.arrivals).sum();
        prop_assert_eq!(arrivals, r.offered, "the timeline counts every arrival");
        for (i, t) in m.tiers.iter().enumerate() {
            let hourly: u64 = m.timeline.iter().map(|h| h.tiers[i].requests).sum();
            prop_assert_eq!(hourly, t.requests, "tier {}: hourly requests", i);
        }
    }
    Ok(())
}

/// Hits + misses = lookups, and a cache that is absent, never asked or never hits shows it.
fn check_cache(spec: &Spec, m: &RunMetrics) -> Result<(), TestCaseError> {
    let Some(cache) = &spec.cache else {
        prop_assert!(
            m.cache.is_none(),
            "no cache, yet cache figures: {:?}",
            m.cache
        );
        return Ok(());
    };
    let Some(c) = &m.cache else {
        return Err(TestCaseError::fail(
            "a cache is declared but has no figures",
        ));
    };
    prop_assert!(
        c.hits <= c.lookups,
        "{} hits of {} lookups",
        c.hits,
        c.lookups
    );
    prop_assert!(c.lookups <= m.requests.offered);
    let expected = if c.lookups > 0 {
        c.hits as f64 / c.lookups as f64
    } else {
        0.0
    };
    prop_assert!(
        close(c.hit_rate, expected),
        "hit rate {} of {:?}",
        c.hit_rate,
        c
    );
    if spec.all_cacheable() {
        prop_assert_eq!(
            c.lookups,
            m.requests.offered,
            "every request looks the cache up"
        );
    }
    if spec.none_cacheable() {
        prop_assert_eq!(c.lookups, 0, "no class is cacheable");
    }
    match cache.model {
        CacheModel::HitRate(0) => prop_assert_eq!(c.hits, 0, "hit_rate: 0"),
        CacheModel::HitRate(20) => prop_assert_eq!(c.hits, c.lookups, "hit_rate: 1"),
        _ => {}
    }
    Ok(())
}

/// Nothing that counts money, time or things is negative or NaN.
fn check_no_negative_or_nan(result: &ScaleResult) -> Result<(), TestCaseError> {
    let m = &result.metrics;
    let e = &result.economics;
    non_negative("window_hours", m.window_hours)?;
    non_negative("users", m.users)?;
    let l = &m.latency_ms;
    for (what, x) in [
        ("latency mean", l.mean),
        ("p50", l.p50),
        ("p95", l.p95),
        ("p99", l.p99),
        ("max", l.max),
    ] {
        non_negative(what, x)?;
    }
    for t in &m.tiers {
        for (what, x) in [
            ("mean_instances", t.mean_instances),
            ("instance_hours", t.instance_hours),
            ("billed_instance_hours", t.billed_instance_hours),
            ("mean_wait_ms", t.mean_wait_ms),
            ("mean_in_system", t.mean_in_system),
            ("throughput_per_s", t.throughput_per_s),
            ("mean_time_in_tier_ms", t.mean_time_in_tier_ms),
        ] {
            non_negative(&format!("{} {what}", t.name), x)?;
        }
        if let Some(h) = t.first_at_max_hours {
            non_negative(&format!("{} first_at_max_hours", t.name), h)?;
        }
    }
    for h in &m.timeline {
        non_negative("timeline hours", h.hours)?;
        for t in &h.tiers {
            non_negative("hourly instances", t.instances)?;
            non_negative("hourly billed_instance_hours", t.billed_instance_hours)?;
        }
    }
    for c in &e.components {
        non_negative(&format!("{} amount", c.name), c.amount)?;
        non_negative(&format!("{} monthly", c.name), c.monthly)?;
    }
    for (what, x) in [
        ("total", e.total),
        ("variable_monthly", e.variable_monthly),
        ("fixed_monthly", e.fixed_monthly),
        ("monthly_total", e.monthly_total),
        ("transactions_per_month", e.transactions_per_month),
        ("cost_per_user_per_month", e.cost_per_user_per_month),
        ("one_off_total", e.one_off_total),
        ("two_year_total", e.two_year_total),
    ] {
        non_negative(what, x)?;
    }
    for (what, x) in [
        ("cost_per_transaction", e.cost_per_transaction),
        (
            "cost_per_transaction_variable",
            e.cost_per_transaction_variable,
        ),
        ("cost_per_transaction_fixed", e.cost_per_transaction_fixed),
    ] {
        if let Some(x) = x {
            non_negative(what, x)?;
        }
    }
    for p in &e.break_even_prices {
        non_negative(p.field, p.break_even)?;
    }
    for (hour, x) in e.spend_per_hour.iter().enumerate() {
        non_negative(&format!("spend in hour {hour}"), *x)?;
    }
    for month in &e.schedule {
        non_negative(&format!("cost of month {}", month.month), month.cost)?;
    }
    prop_assert!(
        close(e.monthly_total, e.variable_monthly + e.fixed_monthly),
        "monthly total {} = variable {} + fixed {}",
        e.monthly_total,
        e.variable_monthly,
        e.fixed_monthly
    );
    // The generic net: no number anywhere in the serialised result is negative (there is
    // no revenue here, so no margin that could be).
    let json = serde_json::to_value(result).expect("a result serialises");
    let mut negative = Vec::new();
    find_negative(&json, "", &mut negative);
    prop_assert!(negative.is_empty(), "negative figures: {:?}", negative);
    Ok(())
}

fn find_negative(v: &serde_json::Value, path: &str, found: &mut Vec<String>) {
    match v {
        serde_json::Value::Number(n) if n.as_f64().is_some_and(|x| x < 0.0) => {
            found.push(format!("{path} = {n}"));
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_negative(item, &format!("{path}[{i}]"), found);
            }
        }
        serde_json::Value::Object(fields) => {
            for (k, item) in fields {
                find_negative(item, &format!("{path}.{k}"), found);
            }
        }
        _ => {}
    }
}

/// Billing never undercharges; fixed pools live and are billed exactly the window.
fn check_instances(spec: &Spec, m: &RunMetrics) -> Result<(), TestCaseError> {
    for (i, (t, s)) in m.tiers.iter().zip(&spec.tiers).enumerate() {
        prop_assert!(
            t.billed_instance_hours >= t.instance_hours,
            "tier {}: billed {} h < alive {} h",
            i,
            t.billed_instance_hours,
            t.instance_hours
        );
        for h in &m.timeline {
            let ht = &h.tiers[i];
            let alive_hours = ht.instances * h.hours;
            prop_assert!(
                ht.billed_instance_hours >= alive_hours
                    || close(ht.billed_instance_hours, alive_hours),
                "tier {} hour {}: billed {} h < alive {} h",
                i,
                h.hour,
                ht.billed_instance_hours,
                alive_hours
            );
        }
        prop_assert!(
            t.mean_instances <= t.peak_instances as f64
                || close(t.mean_instances, t.peak_instances as f64),
            "tier {}: mean {} above peak {}",
            i,
            t.mean_instances,
            t.peak_instances
        );
        match s {
            Tier::Pool {
                scaling: Scaling::Fixed(n),
                ..
            } => {
                let expected = *n as f64 * m.window_hours;
                prop_assert!(
                    close(t.instance_hours, expected),
                    "tier {}: {} instances over {} h alive {} h",
                    i,
                    n,
                    m.window_hours,
                    t.instance_hours
                );
                prop_assert!(
                    close(t.billed_instance_hours, expected),
                    "tier {}: a fixed pool is never stopped, so never rounded: billed {} h of {} h",
                    i,
                    t.billed_instance_hours,
                    expected
                );
                prop_assert!(close(t.mean_instances, *n as f64));
                prop_assert_eq!(t.peak_instances, *n);
            }
            Tier::Pool {
                scaling: Scaling::Auto { min, .. },
                ..
            } => {
                let min = *min as f64;
                prop_assert!(
                    t.mean_instances >= min || close(t.mean_instances, min),
                    "tier {}: mean {} instances below min {}",
                    i,
                    t.mean_instances,
                    min
                );
            }
            Tier::Api { .. } => {
                prop_assert_eq!(t.instance_hours, 0.0);
                prop_assert_eq!(t.billed_instance_hours, 0.0);
                prop_assert_eq!(t.peak_instances, 0);
            }
        }
    }
    Ok(())
}

/// Shares in [0, 1], percentiles in order.
fn check_shares_and_percentiles(m: &RunMetrics) -> Result<(), TestCaseError> {
    share("success_rate", m.requests.success_rate)?;
    share("error_rate", m.requests.error_rate)?;
    if let Some(c) = &m.cache {
        share("hit_rate", c.hit_rate)?;
    }
    for t in &m.tiers {
        if let Some(u) = t.utilization {
            share(&format!("{} utilization", t.name), u)?;
        }
        share(&format!("{} wait_probability", t.name), t.wait_probability)?;
        share(&format!("{} share_of_served", t.name), t.share_of_served)?;
    }
    let l = &m.latency_ms;
    prop_assert!(
        l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max,
        "percentiles out of order: {:?}",
        l
    );
    prop_assert!(
        l.mean <= l.max || close(l.mean, l.max),
        "mean above max: {:?}",
        l
    );
    if m.requests.served == 0 {
        prop_assert_eq!(l.max, 0.0, "no latency without a success");
    }
    Ok(())
}

/// Little's law per tier, exactly, on a run that measures from time 0.
///
/// The tier starts empty, so the area under the number of requests in it, L·T, is the
/// sum of the sojourns of the requests that left (λW·T) plus the time the requests
/// still inside at the horizon have spent there so far. That remainder is at least 0
/// and at most (requests still inside) × T. So λW ≤ L ≤ λW + (requests still inside):
/// equality when the tier ends empty, and any request counted on one side only breaks
/// one of the bounds.
fn check_littles_law(m: &RunMetrics) -> Result<(), TestCaseError> {
    for t in &m.tiers {
        let lambda_w = t.throughput_per_s * t.mean_time_in_tier_ms / 1e3;
        let inside = (t.requests - t.served - t.escalated - t.failed.total) as f64;
        let l = t.mean_in_system;
        prop_assert!(
            lambda_w <= l || close(lambda_w, l),
            "tier {}: λW = {} above L = {}",
            t.name,
            lambda_w,
            l
        );
        prop_assert!(
            l <= lambda_w + inside || close(l, lambda_w + inside),
            "tier {}: L = {} above λW = {} + {} requests still inside",
            t.name,
            l,
            lambda_w,
            inside
        );
    }
    Ok(())
}

/// Every format renders whatever the figures, and the JSON reads back.
fn check_renderers(report: &ScenarioReport) -> Result<(), TestCaseError> {
    for format in [Format::Table, Format::Csv] {
        let text = common::export(report, format);
        prop_assert!(!text.is_empty(), "{format:?} is empty");
    }
    let json = common::json(report);
    serde_json::from_str::<serde_json::Value>(&json)
        .map_err(|e| TestCaseError::fail(format!("the JSON does not read back: {e}")))?;
    Ok(())
}

/// A JSON value with every `spend` field removed: what does not depend on prices.
fn without_spend(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k != "spend")
                .map(|(k, v)| (k, without_spend(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_spend).collect()),
        other => other,
    }
}

/// Adds the scenario to a failure's message, so a shrunk case can be run by hand.
fn with_yaml<T>(yaml: &str, r: Result<T, TestCaseError>) -> Result<T, TestCaseError> {
    r.map_err(|e| TestCaseError::fail(format!("{e}\n--- scenario ---\n{yaml}")))
}

proptest! {
    #![proptest_config(config(INVARIANT_CASES))]

    #[test]
    fn every_run_of_a_valid_scenario_keeps_the_invariants(spec in spec()) {
        let yaml = spec.yaml(None);
        let report = with_yaml(&yaml, run(&yaml))?;
        with_yaml(&yaml, check_all(&spec, &report))?;
    }
}

proptest! {
    #![proptest_config(config(PRICE_CASES))]

    #[test]
    fn doubling_one_components_prices_doubles_its_cost_and_nothing_else(
        spec in spec(),
        pick in any::<prop::sample::Index>(),
    ) {
        let priced = spec.priced();
        let doubled = priced[pick.index(priced.len())];
        let yaml = spec.yaml(None);
        let yaml2 = spec.yaml(Some(doubled));
        let base = with_yaml(&yaml, run(&yaml))?;
        let twice = with_yaml(&yaml2, run(&yaml2))?;
        let (a, b) = (&base.results[0], &twice.results[0]);
        let name = match doubled {
            Priced::Cache => "cache".to_string(),
            Priced::Tier(i) => match spec.tiers[i] {
                Tier::Pool { .. } => format!("{} compute", Spec::tier_name(i)),
                Tier::Api { .. } => format!("{} api", Spec::tier_name(i)),
            },
        };
        let context = format!("doubled the prices of {name}\n--- scenario ---\n{yaml2}");
        // Same requests, same outcomes: the simulation's course does not depend on
        // prices; only the money each tier books follows them.
        prop_assert_eq!(
            without_spend(serde_json::to_value(&a.metrics).unwrap()),
            without_spend(serde_json::to_value(&b.metrics).unwrap()),
            "{}", context
        );
        prop_assert_eq!(a.economics.components.len(), b.economics.components.len());
        let mut found = false;
        for (x, y) in a.economics.components.iter().zip(&b.economics.components) {
            prop_assert_eq!(&x.name, &y.name);
            if x.name == name {
                found = true;
                prop_assert!(
                    close(y.amount, 2.0 * x.amount) && close(y.monthly, 2.0 * x.monthly),
                    "{}: {} became {} (monthly {} became {}); {}",
                    name, x.amount, y.amount, x.monthly, y.monthly, context
                );
            } else {
                prop_assert!(
                    x.amount == y.amount && x.monthly == y.monthly,
                    "{} changed from {} to {}; {}",
                    x.name, x.amount, y.amount, context
                );
            }
        }
        prop_assert!(found, "no cost line named {}; {}", name, context);
        let grew = a.economics.components.iter().find(|c| c.name == name).map_or(0.0, |c| c.amount);
        prop_assert!(
            close(b.economics.total, a.economics.total + grew),
            "total {} became {}, not {} more; {}",
            a.economics.total, b.economics.total, grew, context
        );
        prop_assert_eq!(a.economics.fixed_monthly, b.economics.fixed_monthly, "{}", context);
    }
}

// ---------------------------------------------------------------------------------
// The work budget
// ---------------------------------------------------------------------------------

/// Counts the bytes each thread has allocated, so that one run's peak can be measured
/// while other tests of this binary run on other threads. A run allocates and frees on
/// its own thread only.
struct Counting;

thread_local! {
    static CURRENT: std::cell::Cell<isize> = const { std::cell::Cell::new(0) };
    static PEAK: std::cell::Cell<isize> = const { std::cell::Cell::new(0) };
}

unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // `try_with`: a thread being torn down has no counters left, and is not measured.
        let _ = CURRENT.try_with(|c| {
            let now = c.get() + layout.size() as isize;
            c.set(now);
            let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
        });
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        let _ = CURRENT.try_with(|c| c.set(c.get() - layout.size() as isize));
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated at the peak of `f` on this thread, above what was live before it.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let before = CURRENT.with(|c| c.get());
    PEAK.with(|p| p.set(before));
    let out = f();
    (out, (PEAK.with(|p| p.get()) - before) as f64)
}

proptest! {
    #![proptest_config(config(INVARIANT_CASES / 4))]

    /// The budget computed before a run (`scalecost::work`) bounds what the run does:
    /// its arrivals are the estimate's Poisson count (within 6 standard deviations), and
    /// its peak memory stays under the estimate's bytes.
    #[test]
    fn the_work_estimate_bounds_requests_and_memory(spec in spec()) {
        let yaml = spec.yaml(None);
        let scenario = scalecost::scenario::parse(&yaml, "property.yaml", "property")
            .map_err(|e| TestCaseError::fail(format!("a valid scenario was refused: {e}")))?;
        let users = scenario.workload().users * spec.scale;
        let work = scalecost::work::RunWork::of(&scenario, users);
        let (metrics, peak) = peak_of(|| scalecost::sim::simulate(&scenario, spec.scale, 0));
        let arrivals: u64 = metrics.timeline.iter().map(|h| h.arrivals).sum();
        let slack = 6.0 * work.requests.sqrt() + 10.0;
        prop_assert!(
            (arrivals as f64 - work.requests).abs() <= slack,
            "{arrivals} arrivals against an estimate of {:.1}\n{yaml}", work.requests
        );
        prop_assert!(
            peak <= work.bytes(),
            "peak {peak} B above the estimate {:.0} B ({work:?})\n{yaml}", work.bytes()
        );
    }
}

/// At a million requests in flight, the estimate's bytes still bound the peak, and are
/// not loose by more than a factor of two: the per-request figure is what a run holds.
#[test]
fn the_memory_estimate_holds_at_a_million_requests_in_flight() {
    // 300 calls a second, each answered an hour later by the batch path.
    let yaml = "name: in-flight
scales: [1]
workload:
  users: 25920000
  requests_per_user_per_day: 1
  horizon: 3h
  classes:
    only:
      share: 1
      deferrable: true
      input_tokens: {dist: constant, value: 100}
      output_tokens: {dist: constant, value: 10}
routing:
  routes: {only: api}
tiers:
  api:
    kind: api
    price_per_1k_input_tokens: 0.001
    price_per_1k_output_tokens: 0.002
    price_per_request: 0
    latency: {dist: constant, value: 1s}
    batch: {discount: 0.5, turnaround: {dist: constant, value: 1h}}
";
    let scenario = scalecost::scenario::parse(yaml, "in-flight.yaml", "in-flight").unwrap();
    let work = scalecost::work::RunWork::of(&scenario, scenario.workload().users);
    assert!(work.in_flight > 1e6, "{work:?}");
    let (_, peak) = peak_of(|| scalecost::sim::simulate(&scenario, 1.0, 0));
    assert!(
        peak <= work.bytes(),
        "peak {peak} B, estimate {} B",
        work.bytes()
    );
    assert!(
        peak >= 0.5 * work.bytes(),
        "peak {peak} B, estimate {} B",
        work.bytes()
    );
}
