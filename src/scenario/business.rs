//! The business side of a scenario: costs beyond compute, revenue and budget.
//!
//! Raw shapes and their checks live together here; `validate` calls [`check`] with the
//! same collector of issues, so these errors come out with all the others.

use schemars::JsonSchema;
use serde::Deserialize;

use super::raw::Duration;
use super::validate::{Checker, fmt_num};
use crate::calendar::DAYS_PER_MONTH;
use crate::economics::PAYBACK_HORIZON_MONTHS;
use crate::model::*;
use crate::time::SimTime;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    #[serde(default)]
    pub one_off: Vec<RawNamedAmount>,
    #[serde(default)]
    pub monthly: Vec<RawNamedAmount>,
    #[serde(default)]
    pub periodic: Vec<RawPeriodic>,
    #[serde(default)]
    pub volume: Vec<RawVolume>,
    #[serde(default)]
    pub storage: Vec<RawStorage>,
    #[serde(default)]
    pub egress: Vec<RawEgress>,
    #[serde(default)]
    pub steps: Vec<RawStep>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNamedAmount {
    pub name: String,
    pub amount: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPeriodic {
    pub name: String,
    pub every: Duration,
    pub amount: f64,
    pub growth: Option<f64>,
    pub retrains: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawDriver {
    Users,
    Requests,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVolume {
    pub name: String,
    pub per: RawDriver,
    pub unit: Option<f64>,
    pub amount: f64,
    pub exponent: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    pub name: String,
    pub bytes_per_request: f64,
    pub retention: Duration,
    pub price_per_gb_month: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEgress {
    pub name: String,
    pub bytes_per_request: f64,
    pub price_per_gb: f64,
}

/// A threshold or block size by users or by requests per day.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawThreshold {
    pub users: Option<f64>,
    pub requests_per_day: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub name: String,
    pub amount_per_month: f64,
    pub above: Option<RawThreshold>,
    pub every: Option<RawThreshold>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRevenue {
    pub per_seat: Option<RawPerSeat>,
    pub usage: Option<RawUsage>,
    pub hybrid: Option<RawHybrid>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPerSeat {
    pub price_per_user_per_month: f64,
    pub free_share: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUsage {
    pub price_per_request: Option<f64>,
    pub price_per_1k_tokens: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHybrid {
    pub price_per_user_per_month: f64,
    pub free_share: Option<f64>,
    pub included_requests_per_user: f64,
    pub price_per_extra_request: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBudget {
    pub monthly: Option<f64>,
    pub anomaly_multiple: Option<f64>,
}

/// Largest money amount accepted anywhere: beyond it sums lose cents.
const MAX_MONEY: f64 = 1e12;
/// Largest a periodic cost may compound to by the end of the schedule.
const MAX_COMPOUNDED: f64 = 1e30;

fn money(c: &mut Checker, path: &str, value: f64) -> f64 {
    c.range(path, value, 0.0, MAX_MONEY, 0.0)
}

fn name(c: &mut Checker, path: &str, name: &str) -> String {
    if name.trim().is_empty() {
        c.err(
            path,
            "the name is empty; give each cost a name to show in the breakdown",
        );
    }
    if let Some(message) = super::names::too_long(name) {
        c.err(path, message);
    }
    name.to_string()
}

fn threshold(c: &mut Checker, path: &str, t: &RawThreshold) -> (Driver, f64) {
    match (t.users, t.requests_per_day) {
        (Some(u), None) => (Driver::Users, c.positive(&format!("{path}.users"), u, 1e12)),
        (None, Some(r)) => (
            Driver::Requests,
            c.positive(&format!("{path}.requests_per_day"), r, 1e15),
        ),
        _ => {
            c.err(path, "give exactly one of `users` or `requests_per_day`");
            (Driver::Users, 1.0)
        }
    }
}

/// Checks costs, revenue and budget; `tier_index` finds a tier by name.
pub(super) fn check(
    c: &mut Checker,
    costs: Option<&RawCosts>,
    revenue: Option<&RawRevenue>,
    budget: Option<&RawBudget>,
    tier_index: &dyn Fn(&str) -> Option<usize>,
    tier_list: &str,
) -> (HiddenCosts, Option<Revenue>, Budget) {
    let empty = RawCosts::default();
    let raw = costs.unwrap_or(&empty);
    let named = |c: &mut Checker, list: &[RawNamedAmount], key: &str| -> Vec<NamedAmount> {
        list.iter()
            .enumerate()
            .map(|(i, n)| {
                let path = format!("costs.{key}[{i}]");
                NamedAmount {
                    name: name(c, &format!("{path}.name"), &n.name),
                    amount: money(c, &format!("{path}.amount"), n.amount),
                }
            })
            .collect()
    };
    let one_off = named(c, &raw.one_off, "one_off");
    let monthly = named(c, &raw.monthly, "monthly");
    let mut retrained = Vec::new();
    let periodic = raw
        .periodic
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let path = format!("costs.periodic[{i}]");
            let every = if p.every.0 < SimTime::DAY {
                c.err(format!("{path}.every"), format!("{} is too short for a periodic cost; give a period of at least 1d", p.every.0));
                SimTime::DAY
            } else {
                p.every.0
            };
            let retrains = p.retrains.as_ref().and_then(|t| match tier_index(t) {
                Some(i) => {
                    if retrained.contains(&i) {
                        c.err(format!("{path}.retrains"), format!("tier \"{t}\" is already retrained by another periodic cost; keep one schedule per tier"));
                    }
                    retrained.push(i);
                    Some(i)
                }
                None => {
                    c.err(format!("{path}.retrains"), format!("\"{t}\" is not a tier; tiers are: {tier_list}"));
                    None
                }
            });
            let amount = money(c, &format!("{path}.amount"), p.amount);
            let growth = p.growth.map(|g| c.range(&format!("{path}.growth"), g, 0.0, 100.0, 1.0)).unwrap_or(1.0);
            // The schedule runs PAYBACK_HORIZON_MONTHS; compounded over it, the last
            // occurrence must stay an amount every sum and format carries (finite, and
            // far from f64's 1.8e308 once multiplied by counts).
            let days = f64::from(PAYBACK_HORIZON_MONTHS) * DAYS_PER_MONTH;
            let occurrences = (days / (every.0 as f64 / SimTime::DAY.0 as f64)).floor();
            if growth > 1.0 && amount > 0.0 {
                let last_log10 = amount.log10() + (occurrences - 1.0).max(0.0) * growth.log10();
                if last_log10 > MAX_COMPOUNDED.log10() {
                    c.err(
                        format!("{path}.growth"),
                        format!(
                            "{} × {}^{} (its occurrence {} over the {PAYBACK_HORIZON_MONTHS}-month schedule, every {}) is about 1e{:.0}; at most {}: lower growth or amount, or make it less frequent",
                            fmt_num(amount),
                            fmt_num(growth),
                            fmt_num(occurrences - 1.0),
                            fmt_num(occurrences),
                            every,
                            last_log10.floor(),
                            fmt_num(MAX_COMPOUNDED)
                        ),
                    );
                }
            }
            PeriodicCost {
                name: name(c, &format!("{path}.name"), &p.name),
                every,
                amount,
                growth,
                retrains,
            }
        })
        .collect();
    let volume = raw
        .volume
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let path = format!("costs.volume[{i}]");
            VolumeCost {
                name: name(c, &format!("{path}.name"), &v.name),
                driver: match v.per {
                    RawDriver::Users => Driver::Users,
                    RawDriver::Requests => Driver::Requests,
                },
                unit: v
                    .unit
                    .map(|u| c.range(&format!("{path}.unit"), u, 1e-6, 1e15, 1.0))
                    .unwrap_or(match v.per {
                        RawDriver::Users => 1000.0,
                        RawDriver::Requests => 1e6,
                    }),
                amount: money(c, &format!("{path}.amount"), v.amount),
                exponent: v
                    .exponent
                    .map(|e| c.range(&format!("{path}.exponent"), e, 0.0, 3.0, 1.0))
                    .unwrap_or(1.0),
            }
        })
        .collect();
    let storage = raw
        .storage
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let path = format!("costs.storage[{i}]");
            StorageCost {
                name: name(c, &format!("{path}.name"), &s.name),
                bytes_per_request: c.range(
                    &format!("{path}.bytes_per_request"),
                    s.bytes_per_request,
                    0.0,
                    1e12,
                    0.0,
                ),
                retention: c.positive_duration(&format!("{path}.retention"), s.retention),
                price_per_gb_month: money(
                    c,
                    &format!("{path}.price_per_gb_month"),
                    s.price_per_gb_month,
                ),
            }
        })
        .collect();
    let egress = raw
        .egress
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let path = format!("costs.egress[{i}]");
            EgressCost {
                name: name(c, &format!("{path}.name"), &e.name),
                bytes_per_request: c.range(
                    &format!("{path}.bytes_per_request"),
                    e.bytes_per_request,
                    0.0,
                    1e12,
                    0.0,
                ),
                price_per_gb: money(c, &format!("{path}.price_per_gb"), e.price_per_gb),
            }
        })
        .collect();
    let steps = raw
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let path = format!("costs.steps[{i}]");
            let rule = match (&s.above, &s.every) {
                (Some(t), None) => {
                    let (d, v) = threshold(c, &format!("{path}.above"), t);
                    StepRule::Above(d, v)
                }
                (None, Some(t)) => {
                    let (d, v) = threshold(c, &format!("{path}.every"), t);
                    StepRule::Every(d, v)
                }
                _ => {
                    c.err(path.as_str(), "give exactly one of `above: {users: N}` (switches on past N) or `every: {users: N}` (one more per N)");
                    StepRule::Above(Driver::Users, f64::INFINITY)
                }
            };
            StepCost {
                name: name(c, &format!("{path}.name"), &s.name),
                amount_per_month: money(c, &format!("{path}.amount_per_month"), s.amount_per_month),
                rule,
            }
        })
        .collect();

    let revenue = revenue.and_then(|r| {
        let free = |c: &mut Checker, path: &str, v: Option<f64>| {
            v.map(|f| c.range(path, f, 0.0, 1.0, 0.0)).unwrap_or(0.0)
        };
        match (&r.per_seat, &r.usage, &r.hybrid) {
            (Some(p), None, None) => Some(Revenue::PerSeat {
                price_per_user_per_month: money(
                    c,
                    "revenue.per_seat.price_per_user_per_month",
                    p.price_per_user_per_month,
                ),
                free_share: free(c, "revenue.per_seat.free_share", p.free_share),
            }),
            (None, Some(u), None) => {
                if u.price_per_request.is_none() && u.price_per_1k_tokens.is_none() {
                    c.err(
                        "revenue.usage",
                        "give `price_per_request`, `price_per_1k_tokens`, or both",
                    );
                }
                Some(Revenue::Usage {
                    price_per_request: u
                        .price_per_request
                        .map(|p| money(c, "revenue.usage.price_per_request", p))
                        .unwrap_or(0.0),
                    price_per_1k_tokens: u
                        .price_per_1k_tokens
                        .map(|p| money(c, "revenue.usage.price_per_1k_tokens", p))
                        .unwrap_or(0.0),
                })
            }
            (None, None, Some(h)) => Some(Revenue::Hybrid {
                price_per_user_per_month: money(
                    c,
                    "revenue.hybrid.price_per_user_per_month",
                    h.price_per_user_per_month,
                ),
                free_share: free(c, "revenue.hybrid.free_share", h.free_share),
                included_requests_per_user: c.range(
                    "revenue.hybrid.included_requests_per_user",
                    h.included_requests_per_user,
                    0.0,
                    1e12,
                    0.0,
                ),
                price_per_extra_request: money(
                    c,
                    "revenue.hybrid.price_per_extra_request",
                    h.price_per_extra_request,
                ),
            }),
            _ => {
                c.err(
                    "revenue",
                    "declare exactly one revenue model: per_seat, usage or hybrid",
                );
                None
            }
        }
    });

    let budget = match budget {
        None => Budget::default(),
        Some(b) => Budget {
            monthly: b
                .monthly
                .map(|m| c.positive("budget.monthly", m, MAX_MONEY)),
            anomaly_multiple: b
                .anomaly_multiple
                .map(|m| c.range("budget.anomaly_multiple", m, 1.0, 1000.0, 3.0))
                .unwrap_or(3.0),
        },
    };

    (
        HiddenCosts {
            one_off,
            monthly,
            periodic,
            volume,
            storage,
            egress,
            steps,
        },
        revenue,
        budget,
    )
}
