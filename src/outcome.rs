//! The one result family every command returns: per design and scale, what was
//! measured and what it costs, the figures over replications with their confidence
//! intervals, the SLO verdict, whether the scale is degraded, the difference to the
//! baseline and which design is best. Everything a renderer shows is computed here.

use serde::Serialize;

use std::collections::BTreeMap;

use crate::economics::{CostKind, Economics};
use crate::metrics::RunMetrics;
use crate::model::Slo;
use crate::scenario::overrides::SetValue;
use crate::scenario::plan::{Command, Design, Job, Plan, Variation};
use crate::stats::Estimate;

/// Without a declared error-rate objective, a scale that serves fewer than this share of
/// its requests is degraded: its cost per transaction is not a price anyone can rely on.
pub const MIN_SUCCESS_RATE: f64 = 0.99;

/// One run: what was measured and what it costs.
#[derive(Clone, Debug, Serialize)]
pub struct ScaleResult {
    #[serde(flatten)]
    pub metrics: RunMetrics,
    pub economics: Economics,
}

/// Everything a command produced, ready to export.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub command: Command,
    /// Currency of every money figure in the summaries (the first design's).
    pub currency: String,
    /// Seed of the first design; compare and sweep run every design with it.
    pub seed: u64,
    /// Independent runs per design and scale.
    pub replications: u32,
    /// The swept field paths (sweep only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<String>,
    /// The design the others are measured against (compare only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// How the designs were lined up: shared or differing loads, currency conversions.
    pub notes: Vec<String>,
    pub designs: Vec<DesignOutcome>,
    /// The cheapest design that meets its objectives at each scale (optimize).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// Where two designs cost the same (crossover).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crossover: Option<CrossoverResult>,
    /// How each assumption moves the figures, most influential first (sensitivity).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sensitivity: Vec<Assumption>,
    /// The fraction each assumption was moved down and up by (sensitivity; null when
    /// every one was moved to values given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity_by: Option<f64>,
    /// HEAD against BASE, per scale and cost line (diff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<DiffResult>,
}

/// Differences this small relative to the figures are floating-point rounding (diff).
const ROUNDING: f64 = 1e-12;

/// HEAD against BASE at each scale, on the same load and random numbers (diff). Money
/// is in the outcome's currency.
#[derive(Clone, Debug, Serialize)]
pub struct DiffResult {
    pub base: String,
    pub head: String,
    pub scales: Vec<ScaleDiff>,
}

/// Both designs at one scale.
#[derive(Clone, Debug, Serialize)]
pub struct ScaleDiff {
    pub scale: f64,
    pub users: f64,
    /// Each cost line's monthly figure (year-1 average): BASE's lines in their order,
    /// then the lines only HEAD has.
    pub components: Vec<LineDiff>,
    /// Monthly running costs, all lines (year-1 average).
    pub monthly_total: Change,
    pub cost_per_transaction: Change,
    pub latency_p99_ms: Change,
    /// Served ÷ offered requests; the delta is in the same units (0.01 is one point).
    pub success_rate: Change,
}

/// One cost line in BASE and HEAD.
#[derive(Clone, Debug, Serialize)]
pub struct LineDiff {
    pub name: String,
    pub kind: CostKind,
    pub status: LineStatus,
    pub monthly: Change,
}

/// Whether a cost line is in both designs, and whether its figure moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Unchanged,
    Changed,
    /// Only HEAD has it.
    Added,
    /// Only BASE has it.
    Removed,
}

/// One figure in BASE and in HEAD, and how it moved.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Change {
    /// Null where the design has no such figure: a cost line it does not have, a cost
    /// per transaction with nothing served.
    pub base: Option<f64>,
    pub head: Option<f64>,
    /// head − base, a cost line a design lacks counting as 0 there; null when either
    /// figure is undefined otherwise.
    pub delta: Option<f64>,
    /// delta ÷ base; null when base is 0 or absent.
    pub delta_fraction: Option<f64>,
}

impl Change {
    /// A figure both designs may have.
    pub fn of(base: Option<f64>, head: Option<f64>) -> Change {
        let delta = match (base, head) {
            (Some(b), Some(h)) => Some(h - b),
            _ => None,
        };
        Change::with_delta(base, head, delta)
    }

    /// A cost line, which costs nothing in a design that does not have it.
    fn line(base: Option<f64>, head: Option<f64>) -> Change {
        let delta = head.unwrap_or(0.0) - base.unwrap_or(0.0);
        Change::with_delta(base, head, Some(delta))
    }

    fn with_delta(base: Option<f64>, head: Option<f64>, delta: Option<f64>) -> Change {
        // The same cost summed in another order differs in its last bits; that is not
        // a change anyone made.
        let size = base.unwrap_or(0.0).abs().max(head.unwrap_or(0.0).abs());
        let delta = delta.map(|d| if d.abs() <= ROUNDING * size { 0.0 } else { d });
        Change {
            base,
            head,
            delta,
            delta_fraction: match (delta, base) {
                (Some(d), Some(b)) if b != 0.0 => Some(d / b),
                _ => None,
            },
        }
    }
}

/// HEAD (the second design) against BASE (the first) at each scale, from each one's
/// full result, converted to the outcome's currency.
fn diff(plan: &Plan, designs: &[DesignOutcome]) -> Option<DiffResult> {
    let [base, head] = designs else {
        return None;
    };
    let rate = |d: usize| plan.designs()[d].exchange_rate();
    let (rb, rh) = (rate(0), rate(1));
    let scales = base
        .results
        .iter()
        .zip(&head.results)
        .filter_map(|(b, h)| {
            let (b, h) = (b.detail.as_ref()?, h.detail.as_ref()?);
            let mut taken = vec![false; h.economics.components.len()];
            let mut components: Vec<LineDiff> = Vec::new();
            for line in &b.economics.components {
                // Lines are matched by name, the nth of a name to the nth.
                let found = h
                    .economics
                    .components
                    .iter()
                    .enumerate()
                    .position(|(i, c)| !taken[i] && c.name == line.name);
                let head_monthly = found.map(|i| {
                    taken[i] = true;
                    h.economics.components[i].monthly * rh
                });
                let monthly = Change::line(Some(line.monthly * rb), head_monthly);
                let status = match (found, monthly.delta) {
                    (None, _) => LineStatus::Removed,
                    (Some(_), Some(0.0)) => LineStatus::Unchanged,
                    (Some(_), _) => LineStatus::Changed,
                };
                components.push(LineDiff {
                    name: line.name.clone(),
                    kind: line.kind,
                    status,
                    monthly,
                });
            }
            for (line, _) in h
                .economics
                .components
                .iter()
                .zip(&taken)
                .filter(|(_, taken)| !**taken)
            {
                components.push(LineDiff {
                    name: line.name.clone(),
                    kind: line.kind,
                    status: LineStatus::Added,
                    monthly: Change::line(None, Some(line.monthly * rh)),
                });
            }
            Some(ScaleDiff {
                scale: b.metrics.scale,
                users: b.metrics.users,
                components,
                monthly_total: Change::of(
                    Some(b.economics.monthly_total * rb),
                    Some(h.economics.monthly_total * rh),
                ),
                cost_per_transaction: Change::of(
                    b.economics.cost_per_transaction.map(|c| c * rb),
                    h.economics.cost_per_transaction.map(|c| c * rh),
                ),
                latency_p99_ms: Change::of(
                    Some(b.metrics.latency_ms.p99),
                    Some(h.metrics.latency_ms.p99),
                ),
                success_rate: Change::of(
                    Some(b.metrics.requests.success_rate),
                    Some(h.metrics.requests.success_rate),
                ),
            })
        })
        .collect();
    Some(DiffResult {
        base: base.scenario.clone(),
        head: head.scenario.clone(),
        scales,
    })
}

/// The search's answer at one scale: the cheapest design that meets its SLO (or
/// serves 99% without one), and the runner-up.
#[derive(Clone, Debug, Serialize)]
pub struct Choice {
    pub scale: f64,
    pub users: f64,
    /// The varied fields' values of the winner (empty for an alternative design); null
    /// when none of the designs tried meets the objectives at this scale.
    pub best: Option<BTreeMap<String, SetValue>>,
    /// The winner and its figures.
    pub chosen: Option<Pick>,
    pub runner_up: Option<Pick>,
    /// The runner-up's 95% interval of cost per transaction overlaps the winner's:
    /// with these replications the two cannot be told apart.
    pub too_close_to_call: bool,
    /// Designs simulated at this scale, out of the designs there are.
    pub simulated: u32,
    pub candidates: u32,
}

/// One design the search picked, with its figures at that scale.
#[derive(Clone, Debug, Serialize)]
pub struct Pick {
    /// Index into `designs`.
    pub design: usize,
    pub scenario: String,
    /// The varied fields' values (an alternative design has none).
    pub values: BTreeMap<String, SetValue>,
    pub cost_per_transaction: Estimate,
    pub monthly_cost: Estimate,
    pub margin: Option<Estimate>,
    pub latency_p99_ms: Estimate,
}

/// Which design is cheaper past a crossing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cheaper {
    First,
    Second,
}

/// Where two designs' monthly costs cross as users grow.
#[derive(Clone, Debug, Serialize)]
pub struct CrossoverResult {
    pub first: String,
    pub second: String,
    /// The design that is cheaper at the smallest load searched.
    pub cheaper_at_start: Option<Cheaper>,
    /// Every crossing in the range, in order of users.
    pub crossings: Vec<CostCrossing>,
    /// The user range searched.
    pub search_users: [f64; 2],
    /// Every load simulated, with both designs' monthly costs there.
    pub probes: Vec<CostProbe>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CostCrossing {
    /// The first load simulated past the crossing.
    pub users: f64,
    /// The design that is cheaper past it.
    pub cheaper_after: Cheaper,
    /// Both monthly costs at `users`.
    pub first_monthly: f64,
    pub second_monthly: f64,
    /// Relative width of the bracket it was found in.
    pub precision: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CostProbe {
    pub users: f64,
    pub first_monthly: f64,
    pub second_monthly: f64,
}

/// One assumption moved down and up.
#[derive(Clone, Debug, Serialize)]
pub struct Assumption {
    pub path: String,
    pub written: String,
    /// The values it was moved down and up to (none where that value does not validate).
    pub moved: [Option<String>; 2],
    /// The figures' changes at each scale, with the assumption moved down and up.
    pub effects: Vec<Effect>,
    /// Break-even users with the assumption moved down and up, when revenue is declared
    /// and break-even is found.
    pub break_even_users: Option<[Option<f64>; 2]>,
    /// The largest change of cost per transaction at any scale, as a fraction: what
    /// the assumptions are ranked by.
    pub swing: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Effect {
    pub scale: f64,
    /// Cost per transaction with the assumption moved down and up, minus the base's,
    /// as fractions of the base's.
    pub cost_per_transaction: [Option<f64>; 2],
    pub monthly_cost: [Option<f64>; 2],
}

/// One design (a scenario, or a sweep's grid point) at each of its scales.
#[derive(Clone, Debug, Serialize)]
pub struct DesignOutcome {
    pub scenario: String,
    /// Currency of this design's full results (`economics`); its summaries are in the
    /// outcome's currency.
    pub currency: String,
    pub seed: u64,
    /// Warm-up left out of the statistics, hours.
    pub warmup_hours: f64,
    /// The swept fields' values at this point, in `--set` order (sweep only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<SetValue>,
    /// The assumption this design moves (sensitivity only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variation: Option<Variation>,
    pub results: Vec<ScaleOutcome>,
    /// Present when the command searches for it and the scenario declares revenue.
    pub break_even: Option<BreakEven>,
    /// The scenario's p99 latency objective, ms, when it declares one.
    pub p99_objective_ms: Option<f64>,
    /// The user growth the schedule follows, in words, when one is declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub growth: Option<String>,
    /// Every value the scenario file writes, with its place and comment: the
    /// assumptions behind the figures (the HTML report lists them; JSON readers have
    /// the file itself).
    #[serde(skip)]
    pub inputs: Vec<crate::scenario::inputs::Input>,
    /// What validation allowed but doubts about the scenario, placed in its file.
    #[serde(skip)]
    pub scenario_warnings: Vec<String>,
}

impl DesignOutcome {
    /// Names of the cost lines, the same at every scale (declared costs with a zero
    /// amount at some scale still have their line).
    pub fn component_names(&self) -> Vec<String> {
        self.results
            .iter()
            .find_map(|r| r.detail.as_ref())
            .map(|r| {
                r.economics
                    .components
                    .iter()
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The full results of each scale, where the command keeps them.
    pub fn details(&self) -> impl Iterator<Item = &ScaleResult> {
        self.results.iter().filter_map(|r| r.detail.as_ref())
    }
}

/// One design at one scale.
#[derive(Clone, Debug, Serialize)]
pub struct ScaleOutcome {
    /// The full measurement and economics of the first replication, for the commands
    /// that report one scenario in full (simulate, plot).
    #[serde(flatten)]
    pub detail: Option<ScaleResult>,
    pub summary: Summary,
}

/// The figures a reader compares, over every replication, and what they mean.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub scale: f64,
    pub users: f64,
    pub replications: u32,
    /// In the outcome's currency.
    pub figures: Figures,
    /// Present when the scenario declares an SLO.
    pub slo: Option<SloVerdict>,
    /// Fewer requests succeeded than the SLO's error rate allows, or, without one,
    /// fewer than 99%: the cost per transaction of a failing system.
    pub degraded: bool,
    /// Present when the scenario declares a monthly budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetVerdict>,
    /// The cheapest design at this scale among those that meet their SLO and are not
    /// degraded (compare and sweep).
    pub best: bool,
    /// The difference to the baseline (compare, every design but the baseline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vs_baseline: Option<Delta>,
}

impl Summary {
    /// Whether the point meets its SLO (a point without one meets it).
    pub fn meets_slo(&self) -> bool {
        self.slo.as_ref().is_none_or(|v| v.pass)
    }
}

/// Figures of one design at one scale, over its replications.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    pub cost_per_transaction: Estimate,
    pub monthly_cost: Estimate,
    /// Monthly revenue minus running costs, when revenue is declared.
    pub margin: Option<Estimate>,
    /// Mean end-to-end latency of successful requests.
    pub latency_mean_ms: Estimate,
    pub latency_p50_ms: Estimate,
    pub latency_p99_ms: Estimate,
    /// p99 time to first token and per output token, of requests a streaming tier
    /// answered; null when no run streamed any.
    pub ttft_p99_ms: Option<Estimate>,
    pub tpot_p99_ms: Option<Estimate>,
    /// Failed ÷ offered requests.
    pub error_rate: Estimate,
    /// Served ÷ offered requests.
    pub success_rate: Estimate,
    /// Most instances alive at once, summed over the self-hosted tiers.
    pub peak_instances: Estimate,
    /// p95 end-to-end latency of successful requests.
    pub latency_p95_ms: Estimate,
    /// Response-cache hits ÷ lookups; null when the design has no cache.
    pub cache_hit_rate: Option<Estimate>,
    /// Failed ÷ offered requests, by why they failed.
    pub failure_rates: FailureRates,
    /// The monthly cost split by what is paid for, in the outcome's currency: the
    /// self-hosted instances, the API calls, the response cache, and the declared
    /// costs (volume, storage, egress, fixed, periodic and step lines).
    pub compute_monthly_cost: Estimate,
    pub api_monthly_cost: Estimate,
    pub cache_monthly_cost: Estimate,
    pub declared_monthly_cost: Estimate,
}

/// Failed ÷ offered requests for each reason a request fails.
#[derive(Clone, Debug, Serialize)]
pub struct FailureRates {
    /// Turned away by a full queue.
    pub queue_full: Estimate,
    /// Gave up waiting past the tier's timeout.
    pub timeout: Estimate,
    /// Refused by an API's rate limit after the retries.
    pub throttled: Estimate,
    /// Too many tokens for an instance's KV-cache budget.
    pub too_large: Estimate,
}

/// The figures of one run that summaries look at.
#[derive(Clone, Copy, Debug)]
struct Sample {
    cost_per_transaction: f64,
    monthly_cost: f64,
    margin: Option<f64>,
    mean_latency: f64,
    p50: f64,
    p99: f64,
    ttft_p99: Option<f64>,
    tpot_p99: Option<f64>,
    error_rate: f64,
    success_rate: f64,
    peak_instances: f64,
    p95: f64,
    cache_hit_rate: Option<f64>,
    /// Queue full, timeout, throttled, too large: each ÷ offered.
    failure_rates: [f64; 4],
    /// Compute, API, cache, declared: monthly.
    monthly_by_kind: [f64; 4],
}

impl Sample {
    fn of(r: &ScaleResult, money: f64) -> Sample {
        let m = &r.metrics;
        Sample {
            // No successful request: every one of them cost everything; infinity would
            // poison the mean, so the monthly cost itself stands in.
            cost_per_transaction: r
                .economics
                .cost_per_transaction
                .unwrap_or(r.economics.monthly_total)
                * money,
            monthly_cost: r.economics.monthly_total * money,
            margin: r.economics.revenue.as_ref().map(|v| v.margin * money),
            mean_latency: m.latency_ms.mean,
            p50: m.latency_ms.p50,
            p99: m.latency_ms.p99,
            ttft_p99: m.ttft_ms.as_ref().map(|l| l.p99),
            tpot_p99: m.tpot_ms.as_ref().map(|l| l.p99),
            error_rate: m.requests.error_rate,
            success_rate: m.requests.success_rate,
            peak_instances: m.tiers.iter().map(|t| t.peak_instances as f64).sum(),
            p95: m.latency_ms.p95,
            cache_hit_rate: m.cache.as_ref().map(|c| c.hit_rate),
            failure_rates: {
                let f = &m.requests.failed;
                let offered = m.requests.offered.max(1) as f64;
                [f.queue_full, f.timeout, f.throttled, f.too_large].map(|n| n as f64 / offered)
            },
            monthly_by_kind: {
                let mut by_kind = [0.0; 4];
                for line in &r.economics.components {
                    let slot = match line.kind {
                        CostKind::Compute => 0,
                        CostKind::Api => 1,
                        CostKind::Cache => 2,
                        _ => 3,
                    };
                    by_kind[slot] += line.monthly * money;
                }
                by_kind
            },
        }
    }
}

impl Figures {
    fn of(samples: &[Sample]) -> Figures {
        let est = |f: &dyn Fn(&Sample) -> f64| {
            Estimate::from_samples(&samples.iter().map(f).collect::<Vec<_>>())
        };
        // A figure some run lacks (no revenue, no streaming tier, no cache) has no estimate.
        let est_all = |f: &dyn Fn(&Sample) -> Option<f64>| {
            let values: Option<Vec<f64>> = samples.iter().map(f).collect();
            values.map(|v| Estimate::from_samples(&v))
        };
        Figures {
            cost_per_transaction: est(&|s| s.cost_per_transaction),
            monthly_cost: est(&|s| s.monthly_cost),
            margin: est_all(&|s| s.margin),
            latency_mean_ms: est(&|s| s.mean_latency),
            latency_p50_ms: est(&|s| s.p50),
            latency_p99_ms: est(&|s| s.p99),
            ttft_p99_ms: est_all(&|s| s.ttft_p99),
            tpot_p99_ms: est_all(&|s| s.tpot_p99),
            error_rate: est(&|s| s.error_rate),
            success_rate: est(&|s| s.success_rate),
            peak_instances: est(&|s| s.peak_instances),
            latency_p95_ms: est(&|s| s.p95),
            cache_hit_rate: est_all(&|s| s.cache_hit_rate),
            failure_rates: FailureRates {
                queue_full: est(&|s| s.failure_rates[0]),
                timeout: est(&|s| s.failure_rates[1]),
                throttled: est(&|s| s.failure_rates[2]),
                too_large: est(&|s| s.failure_rates[3]),
            },
            compute_monthly_cost: est(&|s| s.monthly_by_kind[0]),
            api_monthly_cost: est(&|s| s.monthly_by_kind[1]),
            cache_monthly_cost: est(&|s| s.monthly_by_kind[2]),
            declared_monthly_cost: est(&|s| s.monthly_by_kind[3]),
        }
    }
}

/// What an SLO target is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SloTarget {
    P99LatencyMs,
    P99TtftMs,
    P99TpotMs,
    ErrorRate,
    CostPerTransaction,
}

/// One target of a service-level objective, checked against a mean.
#[derive(Clone, Debug, Serialize)]
pub struct SloCheck {
    pub target: SloTarget,
    pub limit: f64,
    /// The measured figure; null when nothing was measured (no request was streamed),
    /// which fails the check.
    pub value: Option<f64>,
    pub pass: bool,
    /// value − limit: positive means over the target by that much.
    pub excess: Option<f64>,
    /// excess ÷ limit; null when the limit is 0.
    pub excess_fraction: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SloVerdict {
    pub pass: bool,
    pub checks: Vec<SloCheck>,
}

/// Judges the mean figures against `slo` (money limits in the scenario's currency,
/// `money` converting them to the figures'); `None` when it sets no target.
pub fn judge(slo: &Slo, figures: &Figures, money: f64) -> Option<SloVerdict> {
    let mut checks = Vec::new();
    let mut check = |target, limit: f64, value: Option<f64>| {
        let excess = value.map(|v| v - limit);
        checks.push(SloCheck {
            target,
            limit,
            value,
            pass: value.is_some_and(|v| v <= limit),
            excess,
            excess_fraction: excess.filter(|_| limit > 0.0).map(|e| e / limit),
        });
    };
    if let Some(p99) = slo.p99_latency {
        check(
            SloTarget::P99LatencyMs,
            p99.as_millis_f64(),
            Some(figures.latency_p99_ms.mean),
        );
    }
    if let Some(t) = slo.p99_ttft {
        check(
            SloTarget::P99TtftMs,
            t.as_millis_f64(),
            figures.ttft_p99_ms.map(|e| e.mean),
        );
    }
    if let Some(t) = slo.p99_tpot {
        check(
            SloTarget::P99TpotMs,
            t.as_millis_f64(),
            figures.tpot_p99_ms.map(|e| e.mean),
        );
    }
    if let Some(e) = slo.max_error_rate {
        check(SloTarget::ErrorRate, e, Some(figures.error_rate.mean));
    }
    if let Some(c) = slo.max_cost_per_transaction {
        check(
            SloTarget::CostPerTransaction,
            c * money,
            Some(figures.cost_per_transaction.mean),
        );
    }
    (!checks.is_empty()).then(|| SloVerdict {
        pass: checks.iter().all(|c| c.pass),
        checks,
    })
}

/// Whether a mean success rate is too low to take the scale's cost at face value.
pub fn is_degraded(slo: &Slo, success_rate: f64) -> bool {
    let needed = slo
        .max_error_rate
        .map(|e| 1.0 - e)
        .unwrap_or(MIN_SUCCESS_RATE);
    success_rate < needed
}

/// The monthly budget against the two-year schedule, averaged over the replications.
#[derive(Clone, Debug, Serialize)]
pub struct BudgetVerdict {
    /// The budget, in the outcome's currency.
    pub monthly: f64,
    /// The first month (1-based) whose mean running costs exceed it; null when none of
    /// the 24 does.
    pub first_month_over: Option<u32>,
    /// That month's mean running costs, in the outcome's currency.
    pub month_cost: Option<f64>,
    pub pass: bool,
}

/// Judges the replications' mean two-year schedule against the monthly `limit` (in the
/// scenario's currency; `money` converts to the figures'). A single run gives exactly
/// its own `economics.budget.first_month_over`.
fn judge_budget(limit: f64, runs: &[ScaleResult], money: f64) -> BudgetVerdict {
    let months = runs
        .iter()
        .map(|r| r.economics.schedule.len())
        .min()
        .unwrap_or(0);
    let n = runs.len().max(1) as f64;
    let over = (0..months)
        .map(|i| {
            let cost = runs
                .iter()
                .map(|r| r.economics.schedule[i].cost)
                .sum::<f64>()
                / n;
            (runs[0].economics.schedule[i].month, cost)
        })
        .find(|&(_, cost)| cost > limit);
    BudgetVerdict {
        monthly: limit * money,
        first_month_over: over.map(|(m, _)| m),
        month_cost: over.map(|(_, c)| c * money),
        pass: over.is_none(),
    }
}

/// A design against the baseline at the same scale, in the outcome's currency.
#[derive(Clone, Debug, Serialize)]
pub struct Delta {
    /// Mean cost per transaction minus the baseline's.
    pub cost_per_transaction: f64,
    /// That difference ÷ the baseline's; null when the baseline's is 0.
    pub cost_per_transaction_fraction: Option<f64>,
    /// Mean monthly cost minus the baseline's.
    pub monthly_cost: f64,
    pub monthly_cost_fraction: Option<f64>,
}

/// How the break-even search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakEvenStatus {
    /// Monthly profit turns positive between two simulated loads: `users` is the first.
    Found,
    /// Already profitable at the smallest scale.
    BelowRange,
    /// Not profitable at any simulated load in the range.
    Never,
}

/// Which way monthly profit crosses zero as users grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From a loss to a profit.
    Profitable,
    /// From a profit back to a loss (a step cost switching on, say).
    Unprofitable,
}

/// One zero crossing of monthly profit.
#[derive(Clone, Debug, Serialize)]
pub struct Crossing {
    /// The first load simulated past the crossing.
    pub users: f64,
    pub direction: Direction,
    /// Relative width of the bracket it was found in: 0 at a step cost's threshold.
    pub precision: f64,
}

/// Where monthly profit (year-1 average at a held load) crosses zero.
#[derive(Clone, Debug, Serialize)]
pub struct BreakEven {
    pub status: BreakEvenStatus,
    /// Break-even users: the first crossing into profit (or the smallest scale, when
    /// already profitable there).
    pub users: Option<f64>,
    /// The user range searched: the scenario's smallest and largest scale.
    pub search_users: [f64; 2],
    /// Relative width of the bracket `users` was found in.
    pub precision: f64,
    /// Every crossing in the range, in order of users.
    pub crossings: Vec<Crossing>,
    /// Every load simulated, in users, with its monthly profit.
    pub probes: Vec<Probe>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Probe {
    pub users: f64,
    pub monthly_profit: f64,
    /// Running costs per month at this load.
    pub monthly_cost: f64,
    pub monthly_revenue: f64,
    /// Successful transactions per month at this load.
    pub transactions_per_month: f64,
    /// monthly_cost / transactions_per_month, as a scale reports it; null when none
    /// succeeded.
    pub cost_per_transaction: Option<f64>,
}

/// Builds the outcome of `plan` from the results of its jobs (in [`Plan::jobs`] order)
/// and the break-even search of each design (where one ran).
pub fn build(
    plan: &Plan,
    jobs: &[Job],
    results: Vec<ScaleResult>,
    break_evens: Vec<Option<BreakEven>>,
) -> Outcome {
    // Diff reads each cost line of both designs, which only the full result has.
    let full = matches!(
        plan.command(),
        Command::Simulate | Command::Plot | Command::Diff
    );
    let reps = plan.replications().max(1) as usize;
    let mut results = results.into_iter();
    let mut jobs = jobs.iter();
    let mut designs: Vec<DesignOutcome> = plan
        .designs()
        .iter()
        .zip(break_evens)
        .map(|(design, break_even)| {
            let per_scale = design
                .scenario()
                .scales()
                .iter()
                .map(|&scale| {
                    for job in jobs.by_ref().take(reps) {
                        debug_assert_eq!(job.scale, scale);
                    }
                    (scale, results.by_ref().take(reps).collect())
                })
                .collect();
            design_outcome(design, per_scale, break_even, full)
        })
        .collect();
    if matches!(plan.command(), Command::Compare | Command::Sweep) {
        mark_best(&mut designs);
    }
    if plan.command() == Command::Compare {
        mark_deltas(&mut designs);
    }
    let mut out = outcome(plan, designs);
    if plan.command() == Command::Diff {
        out.diff = diff(plan, &out.designs);
    }
    out
}

/// The outcome of `plan` around its designs' results; the command's own findings
/// (choices, crossings, sensitivity) are added by its search.
pub fn outcome(plan: &Plan, designs: Vec<DesignOutcome>) -> Outcome {
    Outcome {
        command: plan.command(),
        currency: plan.currency().to_string(),
        seed: plan.seed(),
        replications: plan.replications().max(1) as u32,
        parameters: plan.parameters().to_vec(),
        baseline: (plan.command() == Command::Compare).then(|| designs[0].scenario.clone()),
        notes: plan.notes().to_vec(),
        designs,
        choices: Vec::new(),
        crossover: None,
        sensitivity: Vec::new(),
        sensitivity_by: plan.sensitivity_by(),
        diff: None,
    }
}

/// The summary of one design at one scale over its replications' results.
pub fn summarize(design: &Design, scale: f64, runs: &[ScaleResult]) -> Summary {
    let s = design.scenario();
    let money = design.exchange_rate();
    let samples: Vec<Sample> = runs.iter().map(|r| Sample::of(r, money)).collect();
    let figures = Figures::of(&samples);
    let slo = judge(s.slo(), &figures, money);
    let degraded = is_degraded(s.slo(), figures.success_rate.mean);
    let budget = s
        .budget()
        .monthly
        .map(|limit| judge_budget(limit, runs, money));
    Summary {
        scale,
        users: runs.first().map_or(0.0, |r| r.metrics.users),
        replications: runs.len() as u32,
        figures,
        slo,
        degraded,
        budget,
        best: false,
        vs_baseline: None,
    }
}

/// One design's outcome from its results at each scale it ran (`full`: keep the first
/// replication's whole result).
pub fn design_outcome(
    design: &Design,
    per_scale: Vec<(f64, Vec<ScaleResult>)>,
    break_even: Option<BreakEven>,
    full: bool,
) -> DesignOutcome {
    let s = design.scenario();
    let results = per_scale
        .into_iter()
        .map(|(scale, runs)| {
            let summary = summarize(design, scale, &runs);
            ScaleOutcome {
                detail: full.then(|| runs.into_iter().next()).flatten(),
                summary,
            }
        })
        .collect();
    DesignOutcome {
        scenario: s.name().to_string(),
        currency: s.currency().to_string(),
        seed: s.seed(),
        warmup_hours: s.workload().warmup.as_hours_f64(),
        values: design.values().to_vec(),
        variation: design.variation().cloned(),
        results,
        break_even,
        p99_objective_ms: s.slo().p99_latency.map(|t| t.as_millis_f64()),
        growth: s
            .workload()
            .growth
            .as_ref()
            .map(crate::economics::describe_growth),
        inputs: s.inputs().to_vec(),
        scenario_warnings: s.warnings().to_vec(),
    }
}

/// At each scale, the cheapest design that meets its SLO and is not degraded.
fn mark_best(designs: &mut [DesignOutcome]) {
    let scales = designs.iter().map(|d| d.results.len()).max().unwrap_or(0);
    for k in 0..scales {
        let scale = designs[0].results.get(k).map(|r| r.summary.scale);
        let best = designs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.results.get(k).map(|r| (i, &r.summary)))
            .filter(|(_, s)| Some(s.scale) == scale && s.meets_slo() && !s.degraded)
            .min_by(|a, b| {
                a.1.figures
                    .cost_per_transaction
                    .mean
                    .total_cmp(&b.1.figures.cost_per_transaction.mean)
            })
            .map(|(i, _)| i);
        if let Some(i) = best {
            designs[i].results[k].summary.best = true;
        }
    }
}

/// Each design's difference to the first at the same scale.
fn mark_deltas(designs: &mut [DesignOutcome]) {
    let base: Vec<(f64, f64)> = designs[0]
        .results
        .iter()
        .map(|r| {
            (
                r.summary.figures.cost_per_transaction.mean,
                r.summary.figures.monthly_cost.mean,
            )
        })
        .collect();
    let fraction = |d: f64, of: f64| (of != 0.0).then(|| d / of);
    for design in designs.iter_mut().skip(1) {
        for (r, &(base_cost, base_monthly)) in design.results.iter_mut().zip(&base) {
            let f = &r.summary.figures;
            let dc = f.cost_per_transaction.mean - base_cost;
            let dm = f.monthly_cost.mean - base_monthly;
            r.summary.vs_baseline = Some(Delta {
                cost_per_transaction: dc,
                cost_per_transaction_fraction: fraction(dc, base_cost),
                monthly_cost: dm,
                monthly_cost_fraction: fraction(dm, base_monthly),
            });
        }
    }
}
