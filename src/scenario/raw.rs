//! Serde mirror of the scenario YAML: shapes only, no meaning.
//!
//! Every struct rejects unknown fields so a typo is an error, not a silent default.
//! Numbers are read as `f64` and checked in `validate`, which knows the field path and
//! can say what is allowed; durations and distributions are parsed here because their
//! errors are about spelling, and the YAML reader then points at the bad value.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use schemars::{Schema, SchemaGenerator, json_schema};

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::time::{SimTime, parse_duration};

/// Keeps the order in which the user wrote a mapping, for stable output.
pub type OrderedMap<V> = Vec<(String, V)>;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub currency: Option<String>,
    pub seed: Option<f64>,
    pub scales: Option<Vec<f64>>,
    pub workload: RawWorkload,
    pub cache: Option<RawCache>,
    pub routing: RawRouting,
    #[serde(deserialize_with = "ordered_map")]
    #[schemars(with = "BTreeMap<String, RawTier>")]
    pub tiers: OrderedMap<RawTier>,
    pub costs: Option<super::business::RawCosts>,
    pub revenue: Option<super::business::RawRevenue>,
    pub budget: Option<super::business::RawBudget>,
    pub slo: Option<RawSlo>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    pub p99_latency: Option<Duration>,
    pub p99_ttft: Option<Duration>,
    pub p99_tpot: Option<Duration>,
    pub max_error_rate: Option<f64>,
    pub max_cost_per_transaction: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub users: f64,
    /// Required unless the load comes from a trace, which sets it.
    pub requests_per_user_per_day: Option<f64>,
    pub horizon: Duration,
    pub warmup: Option<Duration>,
    pub diurnal: Option<RawDiurnal>,
    pub weekly: Option<RawWeekly>,
    #[serde(default)]
    pub bursts: Vec<RawBurst>,
    #[serde(deserialize_with = "ordered_map")]
    #[schemars(with = "BTreeMap<String, RawClass>")]
    pub classes: OrderedMap<RawClass>,
    pub keys: Option<RawKeys>,
    pub growth: Option<RawGrowth>,
    /// Replays a recorded trace instead of drawing arrivals.
    pub trace: Option<RawTrace>,
}

/// A request trace to replay, and how its requests get their classes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTrace {
    /// The trace file, relative to the scenario's folder.
    pub file: String,
    pub format: crate::trace::Format,
    /// First match wins; a rule without conditions takes the rest. Not needed with one class.
    #[serde(default)]
    pub classes: Vec<RawTraceRule>,
}

/// Requests that meet every condition given belong to `class`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTraceRule {
    pub class: String,
    pub model: Option<String>,
    pub min_input_tokens: Option<f64>,
    pub max_input_tokens: Option<f64>,
    pub min_output_tokens: Option<f64>,
    pub max_output_tokens: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGrowth {
    pub monthly_rate: Option<f64>,
    pub users: Option<Vec<f64>>,
}

/// How often a burst recurs.
#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawRecurrence {
    Once,
    Weekly,
    Monthly,
    Yearly,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDiurnal {
    pub peak_to_trough: f64,
    pub peak_hour: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWeekly {
    pub weekend_factor: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBurst {
    pub start: Duration,
    pub duration: Duration,
    pub multiplier: f64,
    pub repeats: Option<RawRecurrence>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawClass {
    /// Required unless the load comes from a trace (then these three come from it).
    pub share: Option<f64>,
    pub input_tokens: Option<RawDist<f64>>,
    pub output_tokens: Option<RawDist<f64>>,
    pub cacheable: Option<bool>,
    pub prefix: Option<RawPrefix>,
    pub deferrable: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPrefix {
    pub tokens: f64,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawKeys {
    pub distinct: f64,
    pub zipf_exponent: f64,
    pub growth_exponent: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCache {
    pub hit_rate: Option<f64>,
    pub lru: Option<RawLru>,
    pub lookup_latency: Option<Duration>,
    pub price_per_hour: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLru {
    pub capacity: f64,
    pub ttl: Option<Duration>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRouting {
    #[serde(deserialize_with = "ordered_map")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub routes: OrderedMap<String>,
    #[serde(default, deserialize_with = "ordered_map")]
    #[schemars(with = "BTreeMap<String, RawEscalation>")]
    pub escalation: OrderedMap<RawEscalation>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEscalation {
    pub to: String,
    pub share: f64,
    pub drift_per_day: Option<f64>,
}

/// The kinds of tier a scenario can declare.
#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawTierKind {
    SelfHosted,
    Batched,
    Api,
}

/// One tier; which fields apply depends on `kind`, and `validate` says which do not.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTier {
    pub kind: RawTierKind,
    // self_hosted and batched
    /// A GPU instance type of the built-in list: its prices, unless the tier gives its own.
    pub instance: Option<String>,
    // self_hosted
    pub service_time: Option<RawServiceTime>,
    pub concurrency: Option<f64>,
    pub price_per_instance_hour: Option<f64>,
    pub billing: Option<RawBilling>,
    pub queue_capacity: Option<f64>,
    pub instances: Option<f64>,
    pub autoscaling: Option<RawAutoscaling>,
    pub purchase: Option<RawPurchase>,
    // batched
    pub max_sequences: Option<f64>,
    pub kv_tokens: Option<f64>,
    pub step_time: Option<RawStepTime>,
    pub chunked_prefill: Option<RawChunkedPrefill>,
    // api
    /// A model of the built-in catalogue: its prices, unless the tier gives its own.
    pub model: Option<String>,
    pub price_per_1k_input_tokens: Option<f64>,
    pub price_per_1k_output_tokens: Option<f64>,
    pub price_per_request: Option<f64>,
    pub latency: Option<RawApiLatency>,
    pub rate_limit: Option<RawRateLimit>,
    pub retry: Option<RawRetry>,
    pub prompt_cache: Option<RawPromptCache>,
    pub batch: Option<RawBatch>,
    // both
    pub timeout: Option<Duration>,
}

/// Service time: a distribution, or a cost per token.
#[derive(Debug)]
pub enum RawServiceTime {
    Dist(RawDist<Duration>),
    PerToken(RawPerToken),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPerToken {
    pub base: Option<Duration>,
    pub per_input_token: Duration,
    pub per_output_token: Duration,
}

/// One engine step of a batched tier: `base + per_prefill_token × prefill tokens in the
/// step + per_decode_sequence × sequences decoding in it`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStepTime {
    pub base: Option<Duration>,
    pub per_prefill_token: Option<Duration>,
    pub per_decode_sequence: Option<Duration>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawChunkedPrefill {
    pub chunk_tokens: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPurchase {
    pub committed: Option<RawCommitted>,
    pub spot: Option<RawSpot>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCommitted {
    pub instances: f64,
    /// May be left out when the tier names an `instance` with a 1-year price.
    pub price_per_instance_hour: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpot {
    pub max_instances: f64,
    /// May be left out when the tier names an `instance` with a spot price.
    pub price_per_instance_hour: Option<f64>,
    pub mean_time_to_preemption: Duration,
    pub notice: Option<Duration>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBilling {
    pub granularity: Option<Duration>,
    pub minimum: Option<Duration>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAutoscaling {
    pub min: f64,
    pub max: f64,
    pub target_utilization: Option<f64>,
    pub interval: Option<Duration>,
    pub scale_out_cooldown: Option<Duration>,
    pub scale_in_cooldown: Option<Duration>,
    pub startup_delay: Option<Duration>,
    pub max_step: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRateLimit {
    pub requests_per_minute: Option<f64>,
    pub burst: Option<f64>,
    pub tokens_per_minute: Option<f64>,
    pub token_burst: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPromptCache {
    /// May be left out when the tier names a `model` with a cached-input price.
    pub price_per_1k_cached_input_tokens: Option<f64>,
    pub write_multiplier: Option<f64>,
    pub lifetime: Option<Duration>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBatch {
    /// May be left out when the tier names a `model` with batch prices.
    pub discount: Option<f64>,
    pub turnaround: RawDist<Duration>,
    pub rate_limit: Option<RawRateLimit>,
}

/// An API's latency: a distribution of the complete answer, or a streamed answer's
/// time to first token and time per later token.
#[derive(Debug)]
pub enum RawApiLatency {
    Complete(RawDist<Duration>),
    Streamed {
        ttft: RawDist<Duration>,
        per_output_token: RawDist<Duration>,
    },
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRetry {
    pub max_retries: f64,
    pub backoff: Duration,
}

/// A duration written as a human string ("250ms", "7d").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration(pub SimTime);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"250ms\", \"90s\" or \"7d\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                parse_duration(v).map(Duration).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "{v} has no unit; write a duration such as \"{v}s\" or \"{v}ms\""
                )))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                self.visit_f64(v as f64)
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// Values a distribution can be written in: plain numbers (tokens) or durations.
pub trait DistValue: Sized + Copy + fmt::Debug {
    fn from_scalar_str(text: &str) -> Result<Self, String>;
    fn from_number(value: f64) -> Result<Self, String>;
    /// The value in the model's unit (microseconds for durations).
    fn amount(self) -> f64;
}

impl DistValue for f64 {
    fn from_scalar_str(text: &str) -> Result<Self, String> {
        Err(format!(
            "\"{text}\" is not a number; write a number, or {{dist: lognormal, mean: 300, sd: 100}}"
        ))
    }
    fn from_number(value: f64) -> Result<Self, String> {
        Ok(value)
    }
    fn amount(self) -> f64 {
        self
    }
}

impl DistValue for Duration {
    fn from_scalar_str(text: &str) -> Result<Self, String> {
        parse_duration(text).map(Duration)
    }
    fn from_number(value: f64) -> Result<Self, String> {
        Err(format!(
            "{value} has no unit; write a duration such as \"{value}ms\", or {{dist: exponential, mean: 40ms}}"
        ))
    }
    fn amount(self) -> f64 {
        self.0.0 as f64
    }
}

/// A distribution as written: a bare value (constant) or `{dist: NAME, ...parameters}`.
#[derive(Debug, Clone)]
pub struct RawDist<V> {
    pub dist: String,
    pub value: Option<V>,
    pub mean: Option<V>,
    pub sd: Option<V>,
    pub min: Option<V>,
    pub max: Option<V>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDistFields<V> {
    dist: String,
    value: Option<V>,
    mean: Option<V>,
    sd: Option<V>,
    min: Option<V>,
    max: Option<V>,
}

impl<V> RawDist<V> {
    fn constant(value: V) -> Self {
        RawDist {
            dist: "constant".into(),
            value: Some(value),
            mean: None,
            sd: None,
            min: None,
            max: None,
        }
    }
}

impl<'de, V> Deserialize<'de> for RawDist<V>
where
    V: DistValue + Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DistVisitor<V>(PhantomData<V>);
        impl<'de, V: DistValue + Deserialize<'de>> Visitor<'de> for DistVisitor<V> {
            type Value = RawDist<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a constant or a mapping such as {dist: exponential, mean: ...}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                V::from_scalar_str(v)
                    .map(RawDist::constant)
                    .map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                V::from_number(v).map(RawDist::constant).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let f =
                    RawDistFields::<V>::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawDist {
                    dist: f.dist,
                    value: f.value,
                    mean: f.mean,
                    sd: f.sd,
                    min: f.min,
                    max: f.max,
                })
            }
        }
        deserializer.deserialize_any(DistVisitor(PhantomData))
    }
}

/// Every field a service time can have, in either shape.
const SERVICE_TIME_FIELDS: &[&str] = &[
    "dist",
    "value",
    "mean",
    "sd",
    "min",
    "max",
    "base",
    "per_input_token",
    "per_output_token",
];

impl<'de> Deserialize<'de> for RawServiceTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ServiceVisitor;
        impl<'de> Visitor<'de> for ServiceVisitor {
            type Value = RawServiceTime;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration, {dist: exponential, mean: 40ms}, or {per_input_token: 0.2ms, per_output_token: 20ms}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Duration::from_scalar_str(v)
                    .map(|d| RawServiceTime::Dist(RawDist::constant(d)))
                    .map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Err(E::custom(Duration::from_number(v).unwrap_err()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // The first key tells the two shapes apart; the rest is read by the
                // matching struct so that unknown keys are still rejected.
                let mut entries: Vec<(String, Duration)> = Vec::new();
                let mut dist_name: Option<String> = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "dist" {
                        dist_name = Some(map.next_value::<String>()?);
                    } else {
                        if !SERVICE_TIME_FIELDS.contains(&key.as_str()) {
                            return Err(de::Error::unknown_field(&key, SERVICE_TIME_FIELDS));
                        }
                        entries.push((key, map.next_value::<Duration>()?));
                    }
                }
                let get = |name: &str| entries.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
                let per_token_keys = ["base", "per_input_token", "per_output_token"];
                let has_per_token = entries
                    .iter()
                    .any(|(k, _)| per_token_keys.contains(&k.as_str()));
                match (dist_name, has_per_token) {
                    (Some(_), true) => Err(de::Error::custom(
                        "a service time is either {dist: ...} or per-token times (base, per_input_token, per_output_token), not both",
                    )),
                    (Some(dist), false) => Ok(RawServiceTime::Dist(RawDist {
                        dist,
                        value: get("value"),
                        mean: get("mean"),
                        sd: get("sd"),
                        min: get("min"),
                        max: get("max"),
                    })),
                    (None, true) => {
                        if let Some((k, _)) = entries
                            .iter()
                            .find(|(k, _)| !per_token_keys.contains(&k.as_str()))
                        {
                            return Err(de::Error::custom(format!(
                                "`{k}` belongs to a distribution; per-token service times take base, per_input_token and per_output_token"
                            )));
                        }
                        let missing = |name: &str| {
                            de::Error::custom(format!("per-token service time needs `{name}`"))
                        };
                        Ok(RawServiceTime::PerToken(RawPerToken {
                            base: get("base"),
                            per_input_token: get("per_input_token")
                                .ok_or_else(|| missing("per_input_token"))?,
                            per_output_token: get("per_output_token")
                                .ok_or_else(|| missing("per_output_token"))?,
                        }))
                    }
                    (None, false) => Err(de::Error::custom(
                        "service_time needs `dist` (e.g. {dist: exponential, mean: 40ms}) or per-token times (per_input_token, per_output_token)",
                    )),
                }
            }
        }
        deserializer.deserialize_any(ServiceVisitor)
    }
}

/// Every field an API latency can have, in either shape.
const API_LATENCY_FIELDS: &[&str] = &[
    "dist",
    "value",
    "mean",
    "sd",
    "min",
    "max",
    "ttft",
    "per_output_token",
];

impl<'de> Deserialize<'de> for RawApiLatency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LatencyVisitor;
        impl<'de> Visitor<'de> for LatencyVisitor {
            type Value = RawApiLatency;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration, {dist: lognormal, mean: 1.2s, sd: 0.5s}, or {ttft: 600ms, per_output_token: 10ms}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Duration::from_scalar_str(v)
                    .map(|d| RawApiLatency::Complete(RawDist::constant(d)))
                    .map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Err(E::custom(Duration::from_number(v).unwrap_err()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // The two shapes share no key: each value is read as its shape needs
                // (a distribution under ttft and per_output_token, a duration otherwise).
                let mut dist: Option<String> = None;
                let mut params: Vec<(String, Duration)> = Vec::new();
                let mut ttft = None;
                let mut per_output_token = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "dist" => dist = Some(map.next_value::<String>()?),
                        "ttft" => ttft = Some(map.next_value::<RawDist<Duration>>()?),
                        "per_output_token" => {
                            per_output_token = Some(map.next_value::<RawDist<Duration>>()?)
                        }
                        "value" | "mean" | "sd" | "min" | "max" => {
                            params.push((key, map.next_value::<Duration>()?))
                        }
                        _ => return Err(de::Error::unknown_field(&key, API_LATENCY_FIELDS)),
                    }
                }
                let streamed = ttft.is_some() || per_output_token.is_some();
                if streamed && (dist.is_some() || !params.is_empty()) {
                    return Err(de::Error::custom(
                        "a latency is either a distribution ({dist: ...}) or a streamed answer's {ttft, per_output_token}, not both",
                    ));
                }
                if streamed {
                    let missing = |name: &str| {
                        de::Error::custom(format!(
                            "a streamed latency needs `{name}`, e.g. {{ttft: 600ms, per_output_token: 10ms}}"
                        ))
                    };
                    return Ok(RawApiLatency::Streamed {
                        ttft: ttft.ok_or_else(|| missing("ttft"))?,
                        per_output_token: per_output_token
                            .ok_or_else(|| missing("per_output_token"))?,
                    });
                }
                let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
                match dist {
                    Some(dist) => Ok(RawApiLatency::Complete(RawDist {
                        dist,
                        value: get("value"),
                        mean: get("mean"),
                        sd: get("sd"),
                        min: get("min"),
                        max: get("max"),
                    })),
                    None => Err(de::Error::custom(
                        "latency needs `dist` (e.g. {dist: lognormal, mean: 1.2s, sd: 0.5s}) or a streamed answer's {ttft, per_output_token}",
                    )),
                }
            }
        }
        deserializer.deserialize_any(LatencyVisitor)
    }
}

/// Reads a YAML mapping into a list that keeps the user's order.
fn ordered_map<'de, D, V>(deserializer: D) -> Result<OrderedMap<V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct MapVisitor<V>(PhantomData<V>);
    impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
        type Value = OrderedMap<V>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a mapping of names to entries")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, V>()? {
                out.push((k, v));
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(MapVisitor(PhantomData))
}

// The JSON Schema of the shapes read by hand above, written to accept exactly what the
// readers accept (`scalecost schema`; tests/schema.rs checks the shipped scenarios).

/// What `parse_duration` reads: one or more NUMBER UNIT parts ("1h 30m").
const DURATION_PATTERN: &str = r"^\s*([0-9.]+\s*(us|ms|sec|min|s|m|h|d|w)\s*)+$";

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A duration such as \"250ms\", \"90s\", \"2h\" or \"7d\" (units: us, ms, s, m, h, d, w)",
            "examples": ["250ms", "90s", "7d"]
        })
    }
}

/// `{dist: NAME, value, mean, sd, min, max}` with each parameter in `value`'s schema.
fn dist_object(value: &Schema) -> Schema {
    json_schema!({
        "type": "object",
        "additionalProperties": false,
        "required": ["dist"],
        "properties": {
            "dist": { "enum": ["constant", "exponential", "lognormal", "uniform"] },
            "value": value, "mean": value, "sd": value, "min": value, "max": value
        }
    })
}

impl<V: DistValue + JsonSchema> JsonSchema for RawDist<V> {
    fn schema_name() -> Cow<'static, str> {
        format!("Dist_{}", V::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<V>();
        json_schema!({
            "description": "A constant, or a distribution such as {dist: lognormal, mean: ..., sd: ...}",
            "anyOf": [value, dist_object(&value)]
        })
    }
}

impl JsonSchema for RawServiceTime {
    fn schema_name() -> Cow<'static, str> {
        "ServiceTime".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let duration = generator.subschema_for::<Duration>();
        json_schema!({
            "description": "A duration, {dist: exponential, mean: 40ms}, or {per_input_token: 0.2ms, per_output_token: 20ms}",
            "anyOf": [
                duration,
                dist_object(&duration),
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["per_input_token", "per_output_token"],
                    "properties": {
                        "base": duration,
                        "per_input_token": duration,
                        "per_output_token": duration
                    }
                }
            ]
        })
    }
}

impl JsonSchema for RawApiLatency {
    fn schema_name() -> Cow<'static, str> {
        "ApiLatency".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let duration = generator.subschema_for::<Duration>();
        let dist = generator.subschema_for::<RawDist<Duration>>();
        json_schema!({
            "description": "A duration, {dist: lognormal, mean: 1.2s, sd: 0.5s}, or a streamed answer's {ttft: 600ms, per_output_token: 10ms}",
            "anyOf": [
                duration,
                dist_object(&duration),
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["ttft", "per_output_token"],
                    "properties": { "ttft": dist, "per_output_token": dist }
                }
            ]
        })
    }
}
