//! Raw scenario → validated model, collecting every problem with its field path.
//!
//! The checks here are the only ones: the simulation trusts what comes out and never
//! re-checks it, so anything that could make it panic, loop or overflow is refused here.

use super::prices;
use crate::catalogue::{Instance, ModelPrices};
use crate::model::*;
use crate::scenario::raw::*;
use crate::time::SimTime;
use crate::work;

/// A trace file found and read once: where it is, how to name it, what it holds.
pub struct LoadedTrace {
    pub path: std::path::PathBuf,
    pub shown: String,
    pub summary: crate::trace::Summary,
}

/// Finds and reads the trace a scenario names (the file is relative to the scenario),
/// given its rules and the number of classes; the message says what is wrong.
pub type TraceLoader<'a> =
    &'a dyn Fn(&RawTrace, &[crate::trace::Rule], usize) -> Result<LoadedTrace, String>;

/// Most copies of a trace one run superposes: each holds an open file.
const MAX_TRACE_SCALE: f64 = 1000.0;

/// One problem with a scenario: where it is and what is wrong and allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// Dotted field path, e.g. `tiers.light.autoscaling.max`.
    pub path: String,
    pub message: String,
}

/// Largest values accepted; beyond them a run would take years or overflow counters.
const MAX_USERS: f64 = 1e10;
/// Fewest users: a thousandth of one keeps every per-user figure finite.
const MIN_USERS: f64 = 1e-3;
const MAX_REQUESTS_PER_USER_PER_DAY: f64 = 1e6;
const MAX_SCALE: f64 = 1e5;
const MAX_HORIZON: SimTime = SimTime(3650 * 86_400_000_000);
const MAX_INSTANCES: f64 = 100_000.0;
const MAX_TOKENS: f64 = 1e8;
/// The simulation numbers tiers and request classes with one byte each.
const MAX_TIERS: usize = 256;
const MAX_CLASSES: usize = 256;
/// Serving slots of one tier (instances × concurrency); each slot is held in memory.
const MAX_SLOTS: f64 = 1e7;
/// Shortest autoscaling interval: a tick every microsecond over a long horizon would
/// never finish, and real autoscalers look every 15 s to a few minutes.
const MIN_AUTOSCALING_INTERVAL: SimTime = SimTime::SECOND;
/// Months of the schedule a growing user base is followed over.
pub const SCHEDULE_MONTHS: u32 = 24;
/// Most requests one run may simulate; beyond it a run takes hours, not minutes.

/// Most bursts one workload declares.
const MAX_BURSTS: usize = 1000;
/// Longest draw of an API call's latency parts, µs: an hour.
const MAX_CALL_US: f64 = 3.6e9;
/// Longest batch turnaround draw, µs: 30 days (providers promise 24 hours).
const MAX_TURNAROUND_US: f64 = 30.0 * 86_400e6;
/// How long a prompt prefix stays cached after it is sent, unless declared: the
/// common default (Anthropic's 5-minute cache; OpenAI's "5 to 10 minutes of inactivity").
const DEFAULT_PROMPT_CACHE_LIFETIME: SimTime = SimTime(300_000_000);

const TOKEN_DISTS: &str = "constant, exponential, lognormal, uniform";

pub(super) struct Checker {
    issues: Vec<Issue>,
    /// What is allowed but probably not meant (a price 1000× the catalogue's).
    warnings: Vec<Issue>,
}

impl Checker {
    pub(super) fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Issue {
            path: path.into(),
            message: message.into(),
        });
    }

    pub(super) fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.issues.push(Issue {
            path: path.into(),
            message: message.into(),
        });
    }

    /// A finite number in `[min, max]`; on failure records the error and returns `fallback`.
    pub(super) fn range(
        &mut self,
        path: &str,
        value: f64,
        min: f64,
        max: f64,
        fallback: f64,
    ) -> f64 {
        if !value.is_finite() || value < min || value > max {
            self.err(
                path,
                format!(
                    "{} is out of range; allowed: {} to {}",
                    fmt_num(value),
                    fmt_num(min),
                    fmt_num(max)
                ),
            );
            fallback
        } else {
            value
        }
    }

    /// A finite number strictly above zero and at most `max`.
    pub(super) fn positive(&mut self, path: &str, value: f64, max: f64) -> f64 {
        if !value.is_finite() || value <= 0.0 || value > max {
            self.err(
                path,
                format!(
                    "{} is not allowed; must be above 0 and at most {}",
                    fmt_num(value),
                    fmt_num(max)
                ),
            );
            1.0
        } else {
            value
        }
    }

    fn non_negative(&mut self, path: &str, value: f64) -> f64 {
        if !value.is_finite() || value < 0.0 || value > 1e12 {
            self.err(
                path,
                format!(
                    "{} is not allowed; must be a number from 0 to 1e12",
                    fmt_num(value)
                ),
            );
            0.0
        } else {
            value
        }
    }

    fn fraction(&mut self, path: &str, value: f64) -> f64 {
        self.range(path, value, 0.0, 1.0, 0.0)
    }

    /// A whole number in `[min, max]`.
    fn whole(&mut self, path: &str, value: f64, min: f64, max: f64) -> u64 {
        if !value.is_finite() || value.fract() != 0.0 || value < min || value > max {
            self.err(
                path,
                format!(
                    "{} is not allowed; must be a whole number from {} to {}",
                    fmt_num(value),
                    fmt_num(min),
                    fmt_num(max)
                ),
            );
            min.max(0.0) as u64
        } else {
            value as u64
        }
    }

    pub(super) fn positive_duration(&mut self, path: &str, value: Duration) -> SimTime {
        if value.0 == SimTime::ZERO {
            self.err(path, "0s is not allowed; must be longer than zero");
            SimTime::SECOND
        } else {
            value.0
        }
    }

    /// A distribution; `unit` describes values in messages ("tokens" or "duration").
    fn dist<V: DistValue>(&mut self, path: &str, raw: &RawDist<V>, max: f64) -> Dist {
        let param = |name: &str, v: Option<V>| v.map(|v| (format!("{path}.{name}"), v.amount()));
        let present: Vec<(&str, bool)> = vec![
            ("value", raw.value.is_some()),
            ("mean", raw.mean.is_some()),
            ("sd", raw.sd.is_some()),
            ("min", raw.min.is_some()),
            ("max", raw.max.is_some()),
        ];
        let (needed, result): (&[&str], Option<Dist>) = match raw.dist.as_str() {
            "constant" => {
                let v = param("value", raw.value).or(param("mean", raw.mean));
                match v {
                    Some((p, v)) => (
                        &["value", "mean"],
                        Some(Dist::Constant(self.range(&p, v, 0.0, max, 0.0))),
                    ),
                    None => (&["value", "mean"], None),
                }
            }
            "exponential" => match param("mean", raw.mean) {
                Some((p, m)) => (
                    &["mean"],
                    Some(Dist::Exponential {
                        mean: self.positive(&p, m, max),
                    }),
                ),
                None => (&["mean"], None),
            },
            "lognormal" => match (param("mean", raw.mean), param("sd", raw.sd)) {
                (Some((pm, m)), Some((ps, s))) => {
                    let m = self.positive(&pm, m, max);
                    let s = self.positive(&ps, s, max);
                    (&["mean", "sd"], Some(Dist::lognormal_from_mean_sd(m, s)))
                }
                _ => (&["mean", "sd"], None),
            },
            "uniform" => match (param("min", raw.min), param("max", raw.max)) {
                (Some((pl, lo)), Some((ph, hi))) => {
                    let lo = self.range(&pl, lo, 0.0, max, 0.0);
                    let hi = self.range(&ph, hi, 0.0, max, 0.0);
                    if lo > hi {
                        self.err(
                            ph.as_str(),
                            format!(
                                "{} is below min ({}); max must be at least min",
                                fmt_num(hi),
                                fmt_num(lo)
                            ),
                        );
                    }
                    (
                        &["min", "max"],
                        Some(Dist::Uniform {
                            min: lo,
                            max: hi.max(lo),
                        }),
                    )
                }
                _ => (&["min", "max"], None),
            },
            other => {
                self.err(
                    format!("{path}.dist"),
                    format!("unknown distribution \"{other}\"; allowed: {TOKEN_DISTS}"),
                );
                return Dist::Constant(0.0);
            }
        };
        for (name, is_set) in &present {
            let alternative = raw.dist == "constant" && (*name == "value" || *name == "mean");
            if *is_set && !needed.contains(name) && !alternative {
                self.err(
                    format!("{path}.{name}"),
                    format!(
                        "`{name}` does not apply to a {} distribution; it takes {}",
                        raw.dist,
                        needed.join(" and ")
                    ),
                );
            }
        }
        match result {
            Some(d) => d,
            None => {
                self.err(
                    path,
                    format!("a {} distribution needs {}", raw.dist, needed.join(" and ")),
                );
                Dist::Constant(0.0)
            }
        }
    }
}

/// Formats a number the way a user would write it back.
pub fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else if x != 0.0 && (x.abs() >= 1e9 || x.abs() < 1e-4) {
        // 1e10 reads better than 10000000000, but 9007199254740991 better than 9.007199254740991e15.
        let short = format!("{x:e}");
        let whole = format!("{x:.0}");
        if x.fract() == 0.0 && x.abs() < 1e16 && whole.len() < short.len() {
            whole
        } else {
            short
        }
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Checks a raw scenario and builds the model with the warnings about it, or returns
/// every issue found.
pub fn validate(
    raw: &RawScenario,
    default_name: &str,
    load_trace: TraceLoader<'_>,
) -> Result<(Scenario, Vec<Issue>), Vec<Issue>> {
    let mut c = Checker {
        issues: Vec::new(),
        warnings: Vec::new(),
    };

    let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
    let currency = raw.currency.clone().unwrap_or_else(|| "USD".into());
    if currency.trim().is_empty() || currency.len() > 8 {
        c.err(
            "currency",
            format!("\"{currency}\" is not a currency; write a short code such as USD or EUR"),
        );
    }
    let seed = raw
        .seed
        .map(|s| c.whole("seed", s, 0.0, 9_007_199_254_740_991.0))
        .unwrap_or(1);
    let scales = match &raw.scales {
        None => vec![1.0, 10.0, 100.0],
        Some(list) if list.is_empty() => {
            c.err(
                "scales",
                "the list is empty; give at least one load multiplier, e.g. [1, 10, 100]",
            );
            vec![1.0]
        }
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(i, s)| c.positive(&format!("scales[{i}]"), *s, MAX_SCALE))
            .collect(),
    };

    let mut workload = workload(&mut c, &raw.workload);
    let traced = trace(&mut c, &raw.workload, &mut workload, load_trace);
    // With a trace, classes take their figures from it (zeros when it could not be read,
    // whose error is recorded).
    let tallies = raw.workload.trace.as_ref().map(|_| match &traced {
        Some((_, t)) => t.clone(),
        None => vec![crate::trace::ClassTally::default(); raw.workload.classes.len()],
    });
    if traced.is_some() {
        for (i, scale) in scales.iter().enumerate() {
            if *scale > MAX_TRACE_SCALE {
                c.err(
                    format!("scales[{i}]"),
                    format!(
                        "{} is above {}, the most copies of a trace one run superposes; lower it",
                        fmt_num(*scale),
                        fmt_num(MAX_TRACE_SCALE)
                    ),
                );
            }
        }
    }
    let tiers_in_order: Vec<&str> = raw.tiers.iter().map(|(n, _)| n.as_str()).collect();
    if raw.tiers.is_empty() {
        c.err(
            "tiers",
            "no tiers declared; declare at least one self_hosted or api tier",
        );
    } else if raw.tiers.len() > MAX_TIERS {
        c.err(
            "tiers",
            format!(
                "{} tiers declared; at most {MAX_TIERS} are allowed",
                raw.tiers.len()
            ),
        );
    }
    if raw.workload.classes.len() > MAX_CLASSES {
        c.err(
            "workload.classes",
            format!(
                "{} request classes declared; at most {MAX_CLASSES} are allowed",
                raw.workload.classes.len()
            ),
        );
    }
    let tier_index = |name: &str| tiers_in_order.iter().position(|t| *t == name);
    let tier_list = if tiers_in_order.is_empty() {
        "(none declared)".to_string()
    } else {
        tiers_in_order.join(", ")
    };

    // Routes: every class must go to a tier that exists.
    let mut classes = Vec::new();
    let mut routed: Vec<&str> = Vec::new();
    for (class_name, raw_class) in &raw.workload.classes {
        let path = format!("workload.classes.{class_name}");
        let tier = match raw.routing.routes.iter().find(|(k, _)| k == class_name) {
            Some((_, tier_name)) => match tier_index(tier_name) {
                Some(i) => {
                    routed.push(class_name.as_str());
                    i
                }
                None => {
                    c.err(
                        format!("routing.routes.{class_name}"),
                        format!("\"{tier_name}\" is not a tier; tiers are: {tier_list}"),
                    );
                    0
                }
            },
            None => {
                c.err("routing.routes", format!("class \"{class_name}\" has no route; add `{class_name}: <tier>` (tiers: {tier_list})"));
                0
            }
        };
        let (share, input_tokens, output_tokens) = match &tallies {
            Some(tallies) => {
                for (field, set) in [
                    ("share", raw_class.share.is_some()),
                    ("input_tokens", raw_class.input_tokens.is_some()),
                    ("output_tokens", raw_class.output_tokens.is_some()),
                    ("prefix", raw_class.prefix.is_some()),
                ] {
                    if set {
                        c.err(
                            format!("{path}.{field}"),
                            format!("`{field}` comes from the trace (workload.trace); remove it"),
                        );
                    }
                }
                // The trace's own figures, for the estimates made before a run
                // (service times, batch sizes, the work a run takes).
                let t: &crate::trace::ClassTally = &tallies[classes.len()];
                let total: u64 = tallies.iter().map(|t| t.requests).sum();
                let mean = |sum: f64| Dist::Constant(sum / t.requests.max(1) as f64);
                (
                    t.requests as f64 / total.max(1) as f64,
                    mean(t.input_tokens),
                    mean(t.output_tokens),
                )
            }
            None => {
                let mut required = |field: &str| {
                    c.err(
                        path.as_str(),
                        format!("missing `{field}`; every class declares share, input_tokens and output_tokens (unless the load comes from workload.trace)"),
                    );
                };
                let share = match raw_class.share {
                    Some(v) => c.range(&format!("{path}.share"), v, 0.0, 1.0, 0.0),
                    None => {
                        required("share");
                        0.0
                    }
                };
                let mut tokens = |field: &str, raw: &Option<RawDist<f64>>| match raw {
                    Some(d) => c.dist(&format!("{path}.{field}"), d, MAX_TOKENS),
                    None => {
                        c.err(
                            path.as_str(),
                            format!("missing `{field}`; every class declares share, input_tokens and output_tokens (unless the load comes from workload.trace)"),
                        );
                        Dist::Constant(0.0)
                    }
                };
                let input = tokens("input_tokens", &raw_class.input_tokens);
                let output = tokens("output_tokens", &raw_class.output_tokens);
                (share, input, output)
            }
        };
        classes.push(RequestClass {
            name: class_name.clone(),
            share,
            input_tokens,
            output_tokens,
            tier,
            cacheable: raw_class.cacheable.unwrap_or(true),
            prefix: None,
            deferrable: raw_class.deferrable.unwrap_or(false),
        });
        let class = classes.last_mut().expect("just pushed");
        class.prefix = raw_class
            .prefix
            .as_ref()
            .filter(|_| tallies.is_none())
            .map(|p| prefix(&mut c, &path, class, p));
    }
    shared_prefixes_agree(&mut c, &classes);
    for (class_name, _) in &raw.routing.routes {
        if !raw.workload.classes.iter().any(|(k, _)| k == class_name) {
            let known: Vec<&str> = raw
                .workload
                .classes
                .iter()
                .map(|(k, _)| k.as_str())
                .collect();
            c.err(
                format!("routing.routes.{class_name}"),
                format!(
                    "\"{class_name}\" is not a request class; classes are: {}",
                    known.join(", ")
                ),
            );
        }
    }
    if classes.is_empty() {
        c.err(
            "workload.classes",
            "no request classes; declare at least one with share 1",
        );
    } else if tallies.is_none() {
        // A trace's classes take their shares from it: they sum to 1 by counting.
        let total: f64 = classes.iter().map(|k| k.share).sum();
        if (total - 1.0).abs() > 1e-6 {
            c.err(
                "workload.classes",
                format!(
                    "shares sum to {} ({}); they must sum to 1",
                    fmt_num(total),
                    classes
                        .iter()
                        .map(|k| format!("{} {}", k.name, fmt_num(k.share)))
                        .collect::<Vec<_>>()
                        .join(" + ")
                ),
            );
        }
    }

    let mut tiers: Vec<Tier> = raw
        .tiers
        .iter()
        .map(|(name, t)| Tier {
            name: name.clone(),
            kind: tier_kind(&mut c, &format!("tiers.{name}"), t),
            escalation: None,
        })
        .collect();

    deferrable_classes_reach_a_batch(&mut c, &classes, &routed, &tiers);

    for (from, esc) in &raw.routing.escalation {
        let path = format!("routing.escalation.{from}");
        let Some(from_i) = tier_index(from) else {
            c.err(
                path,
                format!("\"{from}\" is not a tier; tiers are: {tier_list}"),
            );
            continue;
        };
        let share = c.fraction(&format!("{path}.share"), esc.share);
        match tier_index(&esc.to) {
            None => c.err(
                format!("{path}.to"),
                format!("\"{}\" is not a tier; tiers are: {tier_list}", esc.to),
            ),
            Some(to_i) if to_i == from_i => c.err(
                format!("{path}.to"),
                format!("\"{}\" escalates to itself; name a heavier tier", esc.to),
            ),
            Some(to_i) => {
                tiers[from_i].escalation = Some(Escalation {
                    to: to_i,
                    share,
                    drift_per_day: esc
                        .drift_per_day
                        .map(|d| c.range(&format!("{path}.drift_per_day"), d, 0.0, 1.0, 0.0))
                        .unwrap_or(0.0),
                    retrain_every: None,
                })
            }
        }
    }
    // Escalation chains must end: a cycle would bounce a request between tiers forever.
    for start in 0..tiers.len() {
        let mut seen = vec![start];
        let mut at = start;
        while let Some(e) = tiers[at].escalation {
            if seen.contains(&e.to) {
                // Report each cycle once, from its first-declared tier.
                if e.to == start && seen.iter().all(|&i| i >= start) {
                    let names: Vec<&str> = seen
                        .iter()
                        .chain([&e.to])
                        .map(|&i| tiers[i].name.as_str())
                        .collect();
                    c.err(
                        format!("routing.escalation.{}.to", tiers[start].name),
                        format!("escalation cycle {}; escalation must lead to a tier that does not escalate back", names.join(" → ")),
                    );
                }
                break;
            }
            seen.push(e.to);
            at = e.to;
        }
    }
    if c.issues
        .iter()
        .any(|i| i.path.starts_with("routing.escalation") && i.message.contains("cycle"))
    {
        for t in &mut tiers {
            t.escalation = None;
        }
    }

    let cache = raw.cache.as_ref().map(|rc| {
        let model = match (rc.hit_rate, &rc.lru) {
            (Some(h), None) => CacheModel::FixedHitRate(c.fraction("cache.hit_rate", h)),
            (None, Some(lru)) => {
                if let Some((t, _)) = &traced {
                    if !t.has_keys {
                        c.warn(
                            "cache.lru",
                            format!("the trace {} carries no hash_ids: every request is its own key and the cache never hits", t.shown),
                        );
                    }
                } else if raw.workload.keys.is_none() && raw.workload.trace.is_none() {
                    c.err("cache.lru", "a simulated LRU cache needs workload.keys (distinct, zipf_exponent) to draw request keys from");
                }
                CacheModel::Lru {
                    capacity_entries: c.whole("cache.lru.capacity", lru.capacity, 1.0, 1e9),
                    ttl: lru.ttl.map(|t| c.positive_duration("cache.lru.ttl", t)),
                }
            }
            (Some(_), Some(_)) => {
                c.err("cache", "declare either hit_rate (a fixed hit rate) or lru (a simulated cache), not both");
                CacheModel::FixedHitRate(0.0)
            }
            (None, None) => {
                c.err("cache", "declare hit_rate (e.g. 0.3) or lru: {capacity: 10000}");
                CacheModel::FixedHitRate(0.0)
            }
        };
        Cache {
            model,
            lookup_latency: rc.lookup_latency.map(|d| d.0).unwrap_or(SimTime(1_000)),
            price_per_hour: rc.price_per_hour.map(|p| c.non_negative("cache.price_per_hour", p)).unwrap_or(0.0),
        }
    });

    let slo = match &raw.slo {
        None => Slo::default(),
        Some(s) => Slo {
            p99_latency: s
                .p99_latency
                .map(|d| c.positive_duration("slo.p99_latency", d)),
            p99_ttft: s.p99_ttft.map(|d| c.positive_duration("slo.p99_ttft", d)),
            p99_tpot: s.p99_tpot.map(|d| c.positive_duration("slo.p99_tpot", d)),
            max_error_rate: s
                .max_error_rate
                .map(|e| c.range("slo.max_error_rate", e, 0.0, 1.0, 1.0)),
            max_cost_per_transaction: s
                .max_cost_per_transaction
                .map(|m| c.range("slo.max_cost_per_transaction", m, 0.0, 1e12, 0.0)),
        },
    };
    let (costs, revenue, budget) = super::business::check(
        &mut c,
        raw.costs.as_ref(),
        raw.revenue.as_ref(),
        raw.budget.as_ref(),
        &tier_index,
        &tier_list,
    );
    let streams = tiers
        .iter()
        .any(|t| matches!(t.kind, TierKind::Batched(_) | TierKind::Api(_)));
    if !streams {
        for (declared, name) in [
            (slo.p99_ttft.is_some(), "p99_ttft"),
            (slo.p99_tpot.is_some(), "p99_tpot"),
        ] {
            if declared {
                c.err(
                    format!("slo.{name}"),
                    "no tier streams tokens, so there is nothing to time: token latency is measured on batched tiers and APIs",
                );
            }
        }
    }
    // A batched tier holds a request's prompt and completion in one instance's KV
    // cache: requests that would not fit there (or fit only rarely) are refused here.
    for (t, tier) in tiers.iter().enumerate() {
        let TierKind::Batched(b) = &tier.kind else {
            continue;
        };
        let reaches = |class: &RequestClass| {
            class.tier == t || tiers[class.tier].escalation.is_some_and(|e| e.to == t)
        };
        for class in classes.iter().filter(|k| reaches(k)) {
            let need = class.input_tokens.p99() + class.output_tokens.p99();
            if need > b.kv_tokens as f64 {
                c.err(
                    format!("tiers.{}.kv_tokens", tier.name),
                    format!(
                        "{} tokens cannot hold requests of class {}: their prompt plus completion reach {} tokens (99th percentiles); raise kv_tokens or shorten the class's tokens",
                        b.kv_tokens,
                        class.name,
                        fmt_num(need.round())
                    ),
                );
            }
        }
    }
    // A periodic cost that retrains a tier resets that tier's escalation drift.
    for p in &costs.periodic {
        if let Some(t) = p.retrains
            && let Some(esc) = tiers[t].escalation.as_mut()
        {
            esc.retrain_every = Some(p.every);
        }
    }
    if c.issues.is_empty() {
        let scenario = Scenario::assemble(
            name,
            currency,
            seed,
            scales,
            Workload {
                classes,
                trace: traced.map(|(t, _)| t),
                ..workload
            },
            cache,
            tiers,
            costs,
            revenue,
            budget,
            slo,
        );
        check_work(&mut c, &scenario);
        if c.issues.is_empty() {
            Ok((scenario, c.warnings))
        } else {
            Err(c.issues)
        }
    } else {
        Err(c.issues)
    }
}

/// Refuses a scenario whose largest run would take too long or need too much memory,
/// naming the field that drives it. A growing user base is simulated at the loads it
/// grows to, over the schedule.
fn check_work(c: &mut Checker, scenario: &Scenario) {
    let w = scenario.workload();
    let peak = (1..=SCHEDULE_MONTHS)
        .map(|m| w.users_in_month(m))
        .fold(w.users, f64::max);
    let run = work::largest_run(scenario, peak);
    let Some(problem) = run.problem() else {
        return;
    };
    let grown = if peak > w.users {
        format!(
            "it reaches {} users by month {SCHEDULE_MONTHS}: ",
            fmt_num(peak.round())
        )
    } else {
        String::new()
    };
    // The field to name: the one behind the largest share of the work.
    let path = if run.requests > work::MAX_REQUESTS_PER_RUN
        || run.in_flight * work::BYTES_PER_IN_FLIGHT >= run.bytes() / 2.0
    {
        if peak > w.users {
            "workload.growth"
        } else {
            "workload.users"
        }
    } else if run.slots * work::BYTES_PER_SLOT >= run.bytes() / 2.0 {
        "tiers"
    } else if run.cache_entries * work::BYTES_PER_CACHE_ENTRY >= run.bytes() / 2.0 {
        "cache.lru.capacity"
    } else {
        "workload.horizon"
    };
    c.err(path, format!("{grown}{problem}"));
}

fn workload(c: &mut Checker, w: &RawWorkload) -> Workload {
    let horizon = w.horizon.0;
    if horizon == SimTime::ZERO || horizon > MAX_HORIZON {
        c.err(
            "workload.horizon",
            format!("{horizon} is not allowed; must be longer than 0s and at most 3650d"),
        );
    }
    let warmup = w.warmup.map(|d| d.0).unwrap_or(SimTime::ZERO);
    if warmup >= horizon && horizon > SimTime::ZERO {
        c.err("workload.warmup", format!("{warmup} is not shorter than the horizon ({horizon}); the warm-up must leave time to measure"));
    }
    let diurnal = w.diurnal.as_ref().map(|d| Diurnal {
        peak_to_trough: c.range(
            "workload.diurnal.peak_to_trough",
            d.peak_to_trough,
            1.0,
            1000.0,
            1.0,
        ),
        peak_hour: c.range("workload.diurnal.peak_hour", d.peak_hour, 0.0, 24.0, 0.0),
    });
    let weekly = w.weekly.as_ref().map(|wk| Weekly {
        weekend_factor: c.positive("workload.weekly.weekend_factor", wk.weekend_factor, 100.0),
    });
    if w.bursts.len() > MAX_BURSTS {
        c.err(
            "workload.bursts",
            format!(
                "{} bursts; at most {MAX_BURSTS}: merge bursts that follow one another",
                w.bursts.len()
            ),
        );
    }
    let bursts = w
        .bursts
        .iter()
        .take(MAX_BURSTS)
        .enumerate()
        .map(|(i, b)| {
            let path = format!("workload.bursts[{i}]");
            if b.start.0 >= horizon {
                c.err(
                    format!("{path}.start"),
                    format!(
                        "{} is not before the horizon ({horizon}); the burst would never happen",
                        b.start.0
                    ),
                );
            }
            Burst {
                start: b.start.0,
                duration: c.positive_duration(&format!("{path}.duration"), b.duration),
                multiplier: c.positive(&format!("{path}.multiplier"), b.multiplier, 1000.0),
                repeats: match b.repeats.unwrap_or(RawRecurrence::Once) {
                    RawRecurrence::Once => Recurrence::Once,
                    RawRecurrence::Weekly => Recurrence::Weekly,
                    RawRecurrence::Monthly => Recurrence::Monthly,
                    RawRecurrence::Yearly => Recurrence::Yearly,
                },
            }
        })
        .collect::<Vec<_>>();
    // Bursts that overlap cannot be told apart in the cost they add, so they must
    // recur together.
    for (i, a) in bursts.iter().enumerate() {
        for (j, b) in bursts.iter().enumerate().skip(i + 1) {
            let overlap = a.start < b.start.plus(b.duration) && b.start < a.start.plus(a.duration);
            if overlap && a.repeats != b.repeats {
                c.err(
                    format!("workload.bursts[{j}].repeats"),
                    format!(
                        "{} overlaps bursts[{i}], which repeats {}: overlapping bursts add one cost and must repeat alike; give both the same `repeats`",
                        b.repeats.name(),
                        a.repeats.name()
                    ),
                );
            }
        }
    }
    // Bursts in force at once multiply: their product is bounded like one multiplier.
    let (product, on) = crate::calendar::RateShape::new(&Workload {
        users: 1.0,
        requests_per_user_per_day: 1.0,
        horizon,
        warmup,
        diurnal: None,
        weekly: None,
        bursts: bursts.clone(),
        classes: Vec::new(),
        keys: None,
        growth: None,
        trace: None,
    })
    .peak_bursts();
    if on.len() > 1 && product > work::MAX_BURST_PRODUCT {
        let names: Vec<String> = on.iter().map(|i| format!("bursts[{i}]")).collect();
        c.err(
            format!("workload.bursts[{}].multiplier", on[on.len() - 1]),
            format!(
                "{} are in force at once and together multiply the load by {}; at most {}: lower the multipliers or move the bursts apart",
                names.join(", "),
                fmt_num(product),
                fmt_num(work::MAX_BURST_PRODUCT)
            ),
        );
    }
    let growth = w.growth.as_ref().and_then(|g| match (g.monthly_rate, &g.users) {
        (Some(r), None) => Some(Growth::MonthlyRate(c.range(
            "workload.growth.monthly_rate",
            r,
            -0.5,
            2.0,
            0.0,
        ))),
        (None, Some(list)) if !list.is_empty() && list.len() <= 120 => Some(Growth::Users(
            list.iter()
                .enumerate()
                .map(|(i, u)| c.range(&format!("workload.growth.users[{i}]"), *u, MIN_USERS, MAX_USERS, 1.0))
                .collect(),
        )),
        (None, Some(list)) => {
            c.err(
                "workload.growth.users",
                format!(
                    "{} entries; give users for 1 to 120 months, e.g. [1000, 1200, 1500]",
                    list.len()
                ),
            );
            None
        }
        _ => {
            c.err(
                "workload.growth",
                "give exactly one of `monthly_rate` (0.05 grows 5% a month) or `users` (a list, month by month)",
            );
            None
        }
    });
    let keys = w.keys.as_ref().map(|k| KeySpace {
        distinct: c.whole("workload.keys.distinct", k.distinct, 1.0, 1e12) as f64,
        zipf_exponent: c.range(
            "workload.keys.zipf_exponent",
            k.zipf_exponent,
            0.0,
            10.0,
            1.0,
        ),
        growth_exponent: k
            .growth_exponent
            .map(|g| c.range("workload.keys.growth_exponent", g, 0.0, 2.0, 1.0))
            .unwrap_or(1.0),
    });
    Workload {
        users: c.range("workload.users", w.users, MIN_USERS, MAX_USERS, 1.0),
        requests_per_user_per_day: match (w.requests_per_user_per_day, &w.trace) {
            (Some(r), None) => c.positive(
                "workload.requests_per_user_per_day",
                r,
                MAX_REQUESTS_PER_USER_PER_DAY,
            ),
            (None, None) => {
                c.err(
                    "workload",
                    "missing `requests_per_user_per_day` (or a `trace` to replay)",
                );
                1.0
            }
            // Set from the trace's own rate once it is read.
            (_, Some(_)) => 1.0,
        },
        horizon,
        warmup,
        diurnal,
        weekly,
        bursts,
        classes: Vec::new(),
        keys,
        growth,
        trace: None,
    }
}

/// The trace a workload replays, read once, with each class's tally; sets the
/// workload's rate to the trace's. None without a trace, or when it cannot be used
/// (the error is recorded).
fn trace(
    c: &mut Checker,
    w: &RawWorkload,
    workload: &mut Workload,
    load: TraceLoader<'_>,
) -> Option<(Trace, Vec<crate::trace::ClassTally>)> {
    let raw = w.trace.as_ref()?;
    // The trace carries its own time shape, tokens and keys.
    for (field, set) in [
        (
            "requests_per_user_per_day",
            w.requests_per_user_per_day.is_some(),
        ),
        ("diurnal", w.diurnal.is_some()),
        ("weekly", w.weekly.is_some()),
        ("bursts", !w.bursts.is_empty()),
        ("keys", w.keys.is_some()),
    ] {
        if set {
            c.err(
                format!("workload.{field}"),
                format!("`{field}` comes from the trace (workload.trace); remove it"),
            );
        }
    }
    let names: Vec<&str> = w.classes.iter().map(|(n, _)| n.as_str()).collect();
    let bound = |c: &mut Checker, path: String, v: Option<f64>| {
        v.map(|v| c.whole(&path, v, 0.0, crate::trace::MAX_TOKENS as f64) as u32)
    };
    let issues_before = c.issues.len();
    let mut rules = Vec::new();
    for (i, r) in raw.classes.iter().enumerate() {
        let path = format!("workload.trace.classes[{i}]");
        let Some(class) = names.iter().position(|n| *n == r.class) else {
            c.err(
                format!("{path}.class"),
                format!(
                    "\"{}\" is not a request class; classes are: {}",
                    r.class,
                    names.join(", ")
                ),
            );
            continue;
        };
        if r.model.is_some() && raw.format == crate::trace::Format::Azure {
            c.err(
                format!("{path}.model"),
                "an azure trace names no model; classify its requests by tokens",
            );
        }
        rules.push(crate::trace::Rule {
            class,
            model: r.model.clone(),
            min_input_tokens: bound(c, format!("{path}.min_input_tokens"), r.min_input_tokens),
            max_input_tokens: bound(c, format!("{path}.max_input_tokens"), r.max_input_tokens),
            min_output_tokens: bound(c, format!("{path}.min_output_tokens"), r.min_output_tokens),
            max_output_tokens: bound(c, format!("{path}.max_output_tokens"), r.max_output_tokens),
        });
    }
    if raw.classes.is_empty() {
        if names.len() == 1 {
            rules.push(crate::trace::Rule {
                class: 0,
                model: None,
                min_input_tokens: None,
                max_input_tokens: None,
                min_output_tokens: None,
                max_output_tokens: None,
            });
        } else {
            c.err(
                "workload.trace",
                format!(
                    "{} classes but no `classes` rules saying which requests belong to which; add e.g. classes: [{{class: {}, max_input_tokens: 1000}}, {{class: {}}}]",
                    names.len(),
                    names.first().unwrap_or(&"a"),
                    names.get(1).unwrap_or(&"b")
                ),
            );
        }
    }
    if c.issues.len() > issues_before {
        return None;
    }
    let loaded = match load(raw, &rules, names.len()) {
        Ok(l) => l,
        Err(message) => {
            c.err("workload.trace.file", message);
            return None;
        }
    };
    let s = &loaded.summary;
    if s.unmatched > 0 {
        c.err(
            "workload.trace.classes",
            format!(
                "{} of {} requests match no rule (the first at {}:{}); add a last rule without conditions, e.g. {{class: {}}}",
                s.unmatched,
                s.requests,
                loaded.shown,
                s.first_unmatched_line,
                names.last().unwrap_or(&"a")
            ),
        );
        return None;
    }
    let period = SimTime(loaded.summary.period_us());
    if workload.horizon > period {
        c.warn(
            "workload.horizon",
            format!(
                "{} is longer than the trace ({}, one pass): the trace loops {:.1} times",
                workload.horizon,
                period,
                workload.horizon.0 as f64 / period.0 as f64
            ),
        );
    }
    // The mean rate of one pass, per user: what the estimates and the economics read.
    let per_day = s.requests as f64 / (period.0 as f64 / SimTime::DAY.0 as f64);
    workload.requests_per_user_per_day = per_day / workload.users;
    let tallies = s.classes.clone();
    Some((
        Trace {
            path: loaded.path,
            shown: loaded.shown,
            format: raw.format,
            rules,
            period,
            first_us: s.first_us,
            requests: s.requests,
            has_keys: s.has_keys,
            blocks: s.blocks,
        },
        tallies,
    ))
}

fn tier_kind(c: &mut Checker, path: &str, t: &RawTier) -> TierKind {
    let field = |name: &str| format!("{path}.{name}");
    // Fields that belong to another kind are errors, not silently ignored. Pools
    // (self_hosted and batched) share their instances' fields.
    let self_hosted_only = [
        ("service_time", t.service_time.is_some()),
        ("concurrency", t.concurrency.is_some()),
    ];
    let pool_only = [
        ("instance", t.instance.is_some()),
        (
            "price_per_instance_hour",
            t.price_per_instance_hour.is_some(),
        ),
        ("billing", t.billing.is_some()),
        ("queue_capacity", t.queue_capacity.is_some()),
        ("instances", t.instances.is_some()),
        ("autoscaling", t.autoscaling.is_some()),
        ("purchase", t.purchase.is_some()),
    ];
    let batched_only = [
        ("max_sequences", t.max_sequences.is_some()),
        ("kv_tokens", t.kv_tokens.is_some()),
        ("step_time", t.step_time.is_some()),
        ("chunked_prefill", t.chunked_prefill.is_some()),
    ];
    let api_only = [
        ("model", t.model.is_some()),
        (
            "price_per_1k_input_tokens",
            t.price_per_1k_input_tokens.is_some(),
        ),
        (
            "price_per_1k_output_tokens",
            t.price_per_1k_output_tokens.is_some(),
        ),
        ("price_per_request", t.price_per_request.is_some()),
        ("latency", t.latency.is_some()),
        ("rate_limit", t.rate_limit.is_some()),
        ("retry", t.retry.is_some()),
        ("prompt_cache", t.prompt_cache.is_some()),
        ("batch", t.batch.is_some()),
    ];
    let this_kind = match t.kind {
        RawTierKind::SelfHosted => "self_hosted",
        RawTierKind::Batched => "batched",
        RawTierKind::Api => "api",
    };
    let groups: [(&[(&str, bool)], &[RawTierKind], &str); 4] = [
        (&self_hosted_only, &[RawTierKind::SelfHosted], "self_hosted"),
        (
            &pool_only,
            &[RawTierKind::SelfHosted, RawTierKind::Batched],
            "self_hosted and batched",
        ),
        (&batched_only, &[RawTierKind::Batched], "batched"),
        (&api_only, &[RawTierKind::Api], "api"),
    ];
    for (fields, kinds, owners) in groups {
        if kinds.contains(&t.kind) {
            continue;
        }
        for (name, set) in fields {
            if *set {
                c.err(
                    field(name),
                    format!(
                        "`{name}` applies to {owners} tiers only; this tier is kind: {this_kind}"
                    ),
                );
            }
        }
    }
    let timeout = t.timeout.map(|d| c.positive_duration(&field("timeout"), d));
    match t.kind {
        RawTierKind::SelfHosted => {
            let service_time = match &t.service_time {
                Some(RawServiceTime::Dist(d)) => {
                    ServiceTime::Dist(c.dist(&field("service_time"), d, 3.6e9))
                }
                Some(RawServiceTime::PerToken(p)) => ServiceTime::PerToken {
                    base_us: p.base.map(|b| b.0.0 as f64).unwrap_or(0.0),
                    per_input_token_us: p.per_input_token.0.0 as f64,
                    per_output_token_us: p.per_output_token.0.0 as f64,
                },
                None => {
                    c.err(
                        path,
                        "missing `service_time`, e.g. {dist: exponential, mean: 40ms}",
                    );
                    ServiceTime::Dist(Dist::Constant(1.0))
                }
            };
            if let ServiceTime::PerToken {
                base_us,
                per_input_token_us,
                per_output_token_us,
            } = service_time
                && base_us + per_input_token_us + per_output_token_us == 0.0
            {
                c.err(
                    field("service_time"),
                    "all per-token times are 0; a request must take some time",
                );
            }
            if let ServiceTime::Dist(d) = service_time
                && d.mean() <= 0.0
            {
                c.err(
                    field("service_time"),
                    "the mean service time is 0; a request must take some time",
                );
            }
            let concurrency = t
                .concurrency
                .map(|v| c.whole(&field("concurrency"), v, 1.0, 10_000.0))
                .unwrap_or(1) as u32;
            let pool = pool(c, path, t);
            let scaling = pool.scaling;
            let most_instances = match &scaling {
                Scaling::Fixed { instances } => *instances,
                Scaling::Auto(a) => a.max,
            };
            let slots = f64::from(most_instances) * f64::from(concurrency);
            if slots > MAX_SLOTS {
                c.err(
                    field("concurrency"),
                    format!(
                        "{concurrency} per instance × up to {most_instances} instances is {} serving slots; at most {} are allowed",
                        fmt_num(slots),
                        fmt_num(MAX_SLOTS)
                    ),
                );
            }
            TierKind::SelfHosted(SelfHosted {
                service_time,
                concurrency,
                price_per_instance_hour: pool.price,
                billing: pool.billing,
                queue_capacity: pool.queue_capacity,
                timeout,
                scaling,
                purchase: pool.purchase,
            })
        }
        RawTierKind::Batched => TierKind::Batched(batched(c, path, t, timeout)),
        RawTierKind::Api => {
            let latency = match &t.latency {
                Some(RawApiLatency::Complete(d)) => {
                    ApiLatency::Complete(c.dist(&field("latency"), d, MAX_CALL_US))
                }
                Some(RawApiLatency::Streamed {
                    ttft,
                    per_output_token,
                }) => ApiLatency::Streamed {
                    ttft: c.dist(&field("latency.ttft"), ttft, MAX_CALL_US),
                    per_output_token: c.dist(
                        &field("latency.per_output_token"),
                        per_output_token,
                        MAX_CALL_US,
                    ),
                },
                None => {
                    c.err(
                        path,
                        "missing `latency`, e.g. {dist: lognormal, mean: 1.2s, sd: 0.5s} or {ttft: 600ms, per_output_token: 10ms}",
                    );
                    ApiLatency::Complete(Dist::Constant(0.0))
                }
            };
            let rate_limit = t
                .rate_limit
                .as_ref()
                .map(|r| rate_limit(c, &field("rate_limit"), r));
            let retry = match &t.retry {
                None => Retry {
                    max_retries: 3,
                    backoff: SimTime::SECOND,
                },
                Some(r) => Retry {
                    max_retries: c.whole(&field("retry.max_retries"), r.max_retries, 0.0, 20.0)
                        as u32,
                    backoff: c.positive_duration(&field("retry.backoff"), r.backoff),
                },
            };
            // Prices named by `model:` fill in what the tier leaves out.
            let listed = prices::model(c, path, t);
            let named = |per_token: fn(&ModelPrices) -> Option<f64>| {
                listed.map(|m| (t.model.as_deref().unwrap_or_default(), per_token(m)))
            };
            let price = |c: &mut Checker,
                         name: &str,
                         written: Option<f64>,
                         from: fn(&ModelPrices) -> Option<f64>,
                         what: &str| {
                let value = prices::per_1k(c, path, name, written, named(from), what);
                if value.is_none() && listed.is_none() && t.model.is_none() {
                    c.err(
                        path,
                        format!(
                            "missing `{name}` ({what}), or a catalogue `model` to take it from"
                        ),
                    );
                }
                value
                    .map(|v| c.non_negative(&field(name), v))
                    .unwrap_or(0.0)
            };
            let input = price(
                c,
                "price_per_1k_input_tokens",
                t.price_per_1k_input_tokens,
                |m| Some(m.input),
                "money per 1000 input tokens",
            );
            let output = price(
                c,
                "price_per_1k_output_tokens",
                t.price_per_1k_output_tokens,
                |m| Some(m.output),
                "money per 1000 output tokens",
            );
            let prompt_cache = t.prompt_cache.as_ref().map(|p| PromptCache {
                price_per_1k_cached_input_tokens: price(
                    c,
                    "prompt_cache.price_per_1k_cached_input_tokens",
                    p.price_per_1k_cached_input_tokens,
                    |m| m.cache_read,
                    "money per 1000 input tokens read from the prompt cache",
                ),
                // The catalogue prices a cache write per token; the model, as a
                // multiple of the input price.
                write_multiplier: match (p.write_multiplier, listed) {
                    (Some(m), _) => {
                        c.range(&field("prompt_cache.write_multiplier"), m, 0.0, 100.0, 1.0)
                    }
                    (
                        None,
                        Some(ModelPrices {
                            cache_write: Some(w),
                            input: i,
                            ..
                        }),
                    ) if *i > 0.0 => c.range(
                        &field("prompt_cache.write_multiplier"),
                        w / i,
                        0.0,
                        100.0,
                        1.0,
                    ),
                    (None, _) => 1.0,
                },
                lifetime: p
                    .lifetime
                    .map(|l| c.positive_duration(&field("prompt_cache.lifetime"), l))
                    .unwrap_or(DEFAULT_PROMPT_CACHE_LIFETIME),
            });
            let batch = t.batch.as_ref().map(|b| BatchApi {
                discount: match (b.discount, listed) {
                    (Some(d), _) => c.range(&field("batch.discount"), d, 0.0, 1.0, 0.0),
                    // The model has one discount for a whole call; the catalogue's
                    // input and output batch prices are the same fraction of the list
                    // price for the providers that publish them (half, mostly).
                    (None, Some(ModelPrices { batch_input: Some(bi), input: i, .. })) if *i > 0.0 => {
                        c.range(&field("batch.discount"), 1.0 - bi / i, 0.0, 1.0, 0.0)
                    }
                    (None, _) => {
                        c.err(
                            field("batch"),
                            match t.model.as_deref() {
                                Some(m) if listed.is_some() => format!("missing `discount` (the fraction off the list price): the catalogue has no batch price for {m}"),
                                _ => "missing `discount` (the fraction off the list price, e.g. 0.5), or a catalogue `model` with batch prices".to_string(),
                            },
                        );
                        0.0
                    }
                },
                turnaround: c.dist(&field("batch.turnaround"), &b.turnaround, MAX_TURNAROUND_US),
                rate_limit: b
                    .rate_limit
                    .as_ref()
                    .map(|r| self::rate_limit(c, &field("batch.rate_limit"), r)),
            });
            TierKind::Api(Api {
                price_per_1k_input_tokens: input,
                price_per_1k_output_tokens: output,
                price_per_request: t
                    .price_per_request
                    .map(|p| c.non_negative(&field("price_per_request"), p))
                    .unwrap_or(0.0),
                latency,
                rate_limit,
                retry,
                timeout,
                prompt_cache,
                batch,
            })
        }
    }
}

/// What every pool of instances declares: their price and billing, the queue, how
/// many instances, and how they are bought.
struct PoolParts {
    price: f64,
    billing: Billing,
    queue_capacity: u32,
    scaling: Scaling,
    purchase: Purchase,
}

fn pool(c: &mut Checker, path: &str, t: &RawTier) -> PoolParts {
    let field = |name: &str| format!("{path}.{name}");
    let require = |c: &mut Checker, name: &str, v: Option<f64>, what: &str| -> f64 {
        match v {
            Some(v) => c.non_negative(&field(name), v),
            None => {
                c.err(path, format!("missing `{name}` ({what})"));
                0.0
            }
        }
    };
    // An `instance:` of the built-in list gives the prices the tier leaves out.
    let listed = prices::instance(c, path, t);
    let price = match (t.price_per_instance_hour, listed) {
        (None, Some(i)) => i.on_demand_per_hour,
        (written, _) if written.is_some() || t.instance.is_none() => require(
            c,
            "price_per_instance_hour",
            written,
            "money per instance-hour, or an `instance` of `scalecost prices --instances`",
        ),
        // An unknown instance is reported already.
        _ => 0.0,
    };
    let billing = match &t.billing {
        None => Billing {
            granularity: SimTime::SECOND,
            minimum: SimTime::ZERO,
        },
        Some(b) => Billing {
            granularity: b
                .granularity
                .map(|g| c.positive_duration(&field("billing.granularity"), g))
                .unwrap_or(SimTime::SECOND),
            minimum: b.minimum.map(|m| m.0).unwrap_or(SimTime::ZERO),
        },
    };
    let queue_capacity = t
        .queue_capacity
        .map(|q| c.whole(&field("queue_capacity"), q, 0.0, 1e7))
        .unwrap_or(1000) as u32;
    let scaling = match (t.instances, &t.autoscaling) {
        (Some(n), None) => Scaling::Fixed {
            instances: c.whole(&field("instances"), n, 1.0, MAX_INSTANCES) as u32,
        },
        (None, Some(a)) => Scaling::Auto(autoscaling(c, &field("autoscaling"), a)),
        (Some(_), Some(_)) => {
            c.err(
                field("instances"),
                "declare either `instances` (a fixed pool) or `autoscaling`, not both",
            );
            Scaling::Fixed { instances: 1 }
        }
        (None, None) => {
            c.err(
                path,
                "missing `instances` (a fixed pool) or `autoscaling` (min, max, ...)",
            );
            Scaling::Fixed { instances: 1 }
        }
    };
    let purchase = t
        .purchase
        .as_ref()
        .map(|p| purchase(c, &field("purchase"), p, &scaling, price, listed))
        .unwrap_or_default();
    PoolParts {
        price,
        billing,
        queue_capacity,
        scaling,
        purchase,
    }
}

fn purchase(
    c: &mut Checker,
    path: &str,
    p: &RawPurchase,
    scaling: &Scaling,
    on_demand: f64,
    listed: Option<&Instance>,
) -> Purchase {
    let field = |name: &str| format!("{path}.{name}");
    // A price left out comes from the named instance; without one it is required.
    let price_of = |c: &mut Checker,
                    name: &str,
                    written: Option<f64>,
                    from: Option<f64>,
                    what: &str| {
        match (written, from) {
            (Some(p), _) | (None, Some(p)) => c.non_negative(&field(name), p),
            (None, None) => {
                c.err(
                    field(name.split('.').next().unwrap_or(name)),
                    match listed {
                        Some(i) => format!("missing `price_per_instance_hour`: the instance list has no {what} price for {}", i.name),
                        None => format!("missing `price_per_instance_hour` (money per {what} instance-hour), or an `instance` of `scalecost prices --instances`"),
                    },
                );
                0.0
            }
        }
    };
    let committed = p.committed.as_ref().map(|k| Committed {
        instances: c.whole(
            &field("committed.instances"),
            k.instances,
            1.0,
            MAX_INSTANCES,
        ) as u32,
        price_per_instance_hour: price_of(
            c,
            "committed.price_per_instance_hour",
            k.price_per_instance_hour,
            listed.and_then(|i| i.committed_1y_per_hour),
            "1-year committed",
        ),
    });
    let spot = p.spot.as_ref().map(|k| {
        if matches!(scaling, Scaling::Fixed { .. }) {
            c.err(
                field("spot"),
                "spot instances are taken back at random and need an autoscaler to replace them: declare `autoscaling` instead of `instances`",
            );
        }
        let price = price_of(
            c,
            "spot.price_per_instance_hour",
            k.price_per_instance_hour,
            listed.and_then(|i| i.spot_per_hour),
            "spot",
        );
        if price > on_demand {
            c.err(
                field("spot.price_per_instance_hour"),
                format!(
                    "{} is above the on-demand price ({}); spot instances cost less",
                    fmt_num(price),
                    fmt_num(on_demand)
                ),
            );
        }
        let mean = c.positive_duration(&field("spot.mean_time_to_preemption"), k.mean_time_to_preemption);
        let notice = k.notice.map(|n| n.0).unwrap_or(SimTime(120 * SimTime::SECOND.0));
        if notice >= mean {
            c.err(
                field("spot.notice"),
                format!("{notice} is not shorter than the mean time to preemption ({mean})"),
            );
        }
        Spot {
            max_instances: c.whole(&field("spot.max_instances"), k.max_instances, 1.0, MAX_INSTANCES) as u32,
            price_per_instance_hour: price,
            mean_time_to_preemption: mean,
            notice,
        }
    });
    Purchase { committed, spot }
}

/// Largest batch one instance may run: engines cap theirs at a few hundred to a few
/// thousand sequences.
const MAX_SEQUENCES: f64 = 16_384.0;

fn batched(c: &mut Checker, path: &str, t: &RawTier, timeout: Option<SimTime>) -> Batched {
    let field = |name: &str| format!("{path}.{name}");
    let pool = pool(c, path, t);
    let max_sequences = t
        .max_sequences
        .map(|v| c.whole(&field("max_sequences"), v, 1.0, MAX_SEQUENCES))
        .unwrap_or(256) as u32;
    let kv_tokens = match t.kv_tokens {
        Some(v) => c.whole(&field("kv_tokens"), v, 1.0, 1e12),
        None => {
            c.err(
                path,
                "missing `kv_tokens`: the KV-cache budget of one instance in tokens (about 34000 for an 8B model on a 24 GB card)",
            );
            1
        }
    };
    let step = match &t.step_time {
        Some(s) => StepTime {
            base_us: s.base.map_or(0.0, |d| d.0.0 as f64),
            per_prefill_token_us: s.per_prefill_token.map_or(0.0, |d| d.0.0 as f64),
            per_decode_sequence_us: s.per_decode_sequence.map_or(0.0, |d| d.0.0 as f64),
        },
        None => {
            c.err(
                path,
                "missing `step_time`, e.g. {base: 8ms, per_prefill_token: 0.1ms, per_decode_sequence: 0.2ms}",
            );
            StepTime {
                base_us: 1.0,
                per_prefill_token_us: 0.0,
                per_decode_sequence_us: 0.0,
            }
        }
    };
    if step.base_us + step.per_decode_sequence_us == 0.0 {
        c.err(
            field("step_time"),
            "base and per_decode_sequence are both 0: a decoding step must take some time",
        );
    }
    let chunk_tokens = t.chunked_prefill.as_ref().map(|k| {
        c.whole(
            &field("chunked_prefill.chunk_tokens"),
            k.chunk_tokens,
            1.0,
            1e7,
        ) as u32
    });
    Batched {
        max_sequences,
        kv_tokens,
        step,
        chunk_tokens,
        price_per_instance_hour: pool.price,
        billing: pool.billing,
        queue_capacity: pool.queue_capacity,
        timeout,
        scaling: pool.scaling,
        purchase: pool.purchase,
    }
}

/// An API's limits: calls per minute, tokens per minute, or both.
fn rate_limit(c: &mut Checker, path: &str, r: &RawRateLimit) -> RateLimit {
    let field = |name: &str| format!("{path}.{name}");
    let requests = r.requests_per_minute.map(|rpm| {
        let rpm = c.positive(&field("requests_per_minute"), rpm, 1e9);
        Bucket {
            per_minute: rpm,
            burst: r
                .burst
                .map(|b| c.range(&field("burst"), b, 1.0, 1e9, 1.0))
                .unwrap_or((rpm / 60.0).max(1.0)),
        }
    });
    let tokens = r.tokens_per_minute.map(|tpm| {
        let tpm = c.positive(&field("tokens_per_minute"), tpm, 1e12);
        Bucket {
            per_minute: tpm,
            // A minute's worth by default: a quiet minute lets a minute's tokens go at once.
            burst: r
                .token_burst
                .map(|b| c.range(&field("token_burst"), b, 1.0, 1e12, 1.0))
                .unwrap_or(tpm.max(1.0)),
        }
    });
    if requests.is_none() && r.burst.is_some() {
        c.err(
            field("burst"),
            "`burst` sizes the calls-per-minute bucket; declare `requests_per_minute` with it (or `token_burst` for tokens)",
        );
    }
    if tokens.is_none() && r.token_burst.is_some() {
        c.err(
            field("token_burst"),
            "`token_burst` sizes the tokens-per-minute bucket; declare `tokens_per_minute` with it",
        );
    }
    if requests.is_none() && tokens.is_none() {
        c.err(
            path,
            "declare `requests_per_minute`, `tokens_per_minute` or both, e.g. {requests_per_minute: 500, tokens_per_minute: 200000}",
        );
    }
    RateLimit { requests, tokens }
}

/// The fewest whole tokens `dist` can draw, and why, for messages.
fn fewest_tokens(dist: &Dist) -> (u32, &'static str) {
    // Draws are rounded to whole tokens, as `sim::random::tokens` does.
    let round = |x: f64| (x + 0.5) as u32;
    match *dist {
        Dist::Constant(v) => (round(v), "its constant"),
        Dist::Uniform { min, .. } => (round(min), "its uniform minimum"),
        Dist::Exponential { .. } => (0, "an exponential distribution can draw 0"),
        Dist::LogNormal { .. } => (0, "a lognormal distribution can draw close to 0"),
    }
}

/// A class's prompt prefix: part of its input, so never longer than its shortest input.
fn prefix(c: &mut Checker, path: &str, class: &RequestClass, raw: &RawPrefix) -> Prefix {
    let tokens_path = format!("{path}.prefix.tokens");
    let tokens = c.whole(&tokens_path, raw.tokens, 1.0, MAX_TOKENS) as u32;
    let (fewest, why) = fewest_tokens(&class.input_tokens);
    if raw.tokens.is_finite() && raw.tokens >= 1.0 && tokens > fewest {
        c.err(
            tokens_path,
            format!(
                "{tokens} is more than the fewest input tokens this class can draw ({fewest}: {why}); the prefix is part of the input: lower it, or give input_tokens a floor of at least {tokens} (a constant, or {{dist: uniform, min: {tokens}, max: ...}})"
            ),
        );
    }
    let name = raw.name.clone().unwrap_or_else(|| class.name.clone());
    if name.trim().is_empty() {
        c.err(
            format!("{path}.prefix.name"),
            "an empty name; name the prefix (classes that name the same prefix share it), or leave `name` out to use the class's name",
        );
    }
    Prefix { name, tokens }
}

/// Classes that name the same prefix send the same tokens, so it must have one length.
fn shared_prefixes_agree(c: &mut Checker, classes: &[RequestClass]) {
    for (i, class) in classes.iter().enumerate() {
        let Some(p) = &class.prefix else { continue };
        if let Some(first) = classes[..i]
            .iter()
            .find(|k| k.prefix.as_ref().is_some_and(|q| q.name == p.name))
        {
            let theirs = first.prefix.as_ref().map(|q| q.tokens).unwrap_or(0);
            if theirs != p.tokens {
                c.err(
                    format!("workload.classes.{}.prefix.tokens", class.name),
                    format!(
                        "{} tokens, but class {} declares prefix \"{}\" with {theirs}; classes that share a prefix send the same one: give both the same tokens, or name them apart",
                        p.tokens, first.name, p.name
                    ),
                );
            }
        }
    }
}

/// A deferrable class waits for a batch, so it must be routed to an API that has one.
fn deferrable_classes_reach_a_batch(
    c: &mut Checker,
    classes: &[RequestClass],
    routed: &[&str],
    tiers: &[Tier],
) {
    // A class without a valid route has its error already; its tier is a placeholder.
    let with_route = |k: &&RequestClass| k.deferrable && routed.contains(&k.name.as_str());
    for class in classes.iter().filter(with_route) {
        let Some(tier) = tiers.get(class.tier) else {
            continue;
        };
        let path = format!("workload.classes.{}.deferrable", class.name);
        match &tier.kind {
            TierKind::Api(api) if api.batch.is_some() => {}
            TierKind::Api(_) => c.err(
                path,
                format!(
                    "true, but the class is routed to tiers.{}, which declares no `batch`; add `batch: {{discount: 0.5, turnaround: {{dist: uniform, min: 1h, max: 24h}}}}` to it, route the class to an api tier that has one, or remove `deferrable`",
                    tier.name
                ),
            ),
            TierKind::SelfHosted(_) | TierKind::Batched(_) => c.err(
                path,
                format!(
                    "true, but the class is routed to tiers.{}, a {} tier; only an api tier with `batch` answers deferred requests: route the class to one, or remove `deferrable`",
                    tier.name,
                    if matches!(tier.kind, TierKind::Batched(_)) { "batched" } else { "self_hosted" }
                ),
            ),
        }
    }
}

fn autoscaling(c: &mut Checker, path: &str, a: &RawAutoscaling) -> Autoscaling {
    let field = |name: &str| format!("{path}.{name}");
    let min = c.whole(&field("min"), a.min, 0.0, MAX_INSTANCES) as u32;
    let max = c.whole(&field("max"), a.max, 1.0, MAX_INSTANCES) as u32;
    // Only when max is itself acceptable: a max of 0 is already reported above.
    if a.max >= 1.0 && a.min.is_finite() && a.max < a.min {
        c.err(
            field("max"),
            format!(
                "{} is below min ({}); max must be at least min",
                fmt_num(a.max),
                fmt_num(a.min)
            ),
        );
    }
    let duration = |v: Option<Duration>, default_s: u64| {
        v.map(|d| d.0)
            .unwrap_or(SimTime(default_s * SimTime::SECOND.0))
    };
    Autoscaling {
        min,
        max: max.max(min),
        target_utilization: a
            .target_utilization
            .map(|u| {
                if !(u > 0.0 && u <= 1.0) {
                    c.err(
                        field("target_utilization"),
                        format!(
                            "{} is not allowed; must be above 0 and at most 1",
                            fmt_num(u)
                        ),
                    );
                    0.7
                } else {
                    u
                }
            })
            .unwrap_or(0.7),
        interval: a
            .interval
            .map(|d| {
                if d.0 < MIN_AUTOSCALING_INTERVAL {
                    c.err(
                        field("interval"),
                        format!(
                            "{} is too short; must be at least {MIN_AUTOSCALING_INTERVAL}",
                            d.0
                        ),
                    );
                    MIN_AUTOSCALING_INTERVAL
                } else {
                    d.0
                }
            })
            .unwrap_or(SimTime(30 * SimTime::SECOND.0)),
        scale_out_cooldown: duration(a.scale_out_cooldown, 60),
        scale_in_cooldown: duration(a.scale_in_cooldown, 300),
        startup_delay: duration(a.startup_delay, 60),
        max_step: a
            .max_step
            .map(|s| c.whole(&field("max_step"), s, 1.0, MAX_INSTANCES) as u32)
            .unwrap_or(u32::MAX),
    }
}
