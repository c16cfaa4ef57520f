//! Pure money arithmetic: prices from the scenario times quantities from the simulation,
//! plus the costs the simulation cannot see (team, retraining, pipelines, compliance),
//! revenue, margin, payback, a two-year schedule, budget and cost anomalies.
//!
//! Nothing here simulates. Monthly figures are for a 30-day month at the simulated load.

use serde::Serialize;

use crate::metrics::RunMetrics;
use crate::model::{Api, Driver, Revenue, Scenario, StepRule, TierKind};
use crate::time::SimTime;

/// Days in the month that monthly figures are projected to.
pub const DAYS_PER_MONTH: f64 = 30.0;
/// Months in the schedule that the two-year total sums.
pub const SCHEDULE_MONTHS: usize = 24;
/// Payback is looked for this far ahead.
pub const PAYBACK_HORIZON_MONTHS: u32 = 120;

/// One line of the cost breakdown.
#[derive(Clone, Debug, Serialize)]
pub struct CostLine {
    /// What is paid for, e.g. "cache", "light compute", "gpt api", "retraining".
    pub name: String,
    pub kind: CostKind,
    /// Whether the line grows with traffic (variable) or not (fixed).
    pub variable: bool,
    /// Money for the measured window (hidden costs prorated).
    pub amount: f64,
    /// Money per 30-day month (periodic costs: average over the first 12 months;
    /// storage: once the retention period is full).
    pub monthly: f64,
}

/// What a cost line pays for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    /// Simulated: the response cache, a self-hosted tier's instances, an API's calls.
    Cache,
    Compute,
    Api,
    /// Declared, growing with traffic.
    Volume,
    Storage,
    Egress,
    /// Declared, fixed and hidden.
    Fixed,
    Periodic,
    Step,
}

impl CostKind {
    /// Whether the simulation measures it (rather than the scenario declaring it).
    pub fn is_simulated(self) -> bool {
        matches!(self, CostKind::Cache | CostKind::Compute | CostKind::Api)
    }
}

/// Revenue and margin at one scale.
#[derive(Clone, Debug, Serialize)]
pub struct RevenueFigures {
    pub monthly: f64,
    pub per_user_per_month: f64,
    /// Monthly revenue ÷ successful requests per month; null when nothing succeeded.
    pub per_transaction: Option<f64>,
    /// Monthly revenue minus monthly costs (one-off costs excluded).
    pub margin: f64,
    /// margin / revenue; null when there is no revenue.
    pub margin_pct: Option<f64>,
}

/// One month of the schedule.
#[derive(Clone, Debug, Serialize)]
pub struct Month {
    /// 1 is the first month of operation.
    pub month: u32,
    pub cost: f64,
    pub revenue: f64,
}

/// When the monthly budget is first exceeded.
#[derive(Clone, Debug, Serialize)]
pub struct BudgetStatus {
    pub monthly: f64,
    /// First month (1-based, within the two-year schedule) whose running costs exceed it.
    pub first_month_over: Option<u32>,
    /// Day of that month (1–30) on which cumulative spend passes the budget.
    pub day_over: Option<u32>,
    /// Share of the budget the first month uses.
    pub first_month_use: f64,
}

/// A run of consecutive hours whose spend is far above the typical hour.
#[derive(Clone, Debug, Serialize)]
pub struct Anomaly {
    /// First hour of the episode, hours from the start of the run.
    pub start_hour: u32,
    pub hours: u32,
    /// Spend of the costliest hour of the episode.
    pub peak_spend: f64,
    /// Median hourly spend of the 24 hours before the costliest hour.
    pub typical_spend: f64,
    /// What the simulation saw in the costliest hour.
    pub cause: String,
}

/// What one run costs and earns, in the scenario's currency.
#[derive(Clone, Debug, Serialize)]
pub struct Economics {
    /// Recurring costs: simulated infrastructure first, then the declared ones.
    pub components: Vec<CostLine>,
    /// Money spent on simulated infrastructure (cache, compute, APIs) in the window.
    pub total: f64,
    /// Recurring costs that grow with traffic, per month.
    pub variable_monthly: f64,
    /// Recurring costs that do not, per month.
    pub fixed_monthly: f64,
    /// variable_monthly + fixed_monthly.
    pub monthly_total: f64,
    /// Successful requests per 30-day month.
    pub transactions_per_month: f64,
    /// monthly_total / transactions_per_month; null when nothing succeeded.
    pub cost_per_transaction: Option<f64>,
    /// The variable part of cost_per_transaction.
    pub cost_per_transaction_variable: Option<f64>,
    /// The fixed part of cost_per_transaction.
    pub cost_per_transaction_fixed: Option<f64>,
    /// Price per successful request at which monthly revenue would equal monthly cost.
    pub break_even_price_per_transaction: Option<f64>,
    /// monthly_total / users.
    pub cost_per_user_per_month: f64,
    /// Present when the scenario declares revenue.
    pub revenue: Option<RevenueFigures>,
    /// Sum of one-off costs.
    pub one_off_total: f64,
    /// Months until cumulative margin recovers the one-off costs; null if not within 10 years.
    pub payback_months: Option<u32>,
    /// One-off costs plus 24 months of running costs.
    pub two_year_total: f64,
    /// Running costs and revenue month by month for two years.
    pub schedule: Vec<Month>,
    /// Present when the scenario declares a monthly budget.
    pub budget: Option<BudgetStatus>,
    pub anomalies: Vec<Anomaly>,
    /// Money spent on simulated infrastructure in each hour of the timeline.
    pub spend_per_hour: Vec<f64>,
}

/// Prices what one run measured and adds the declared business figures.
pub fn evaluate(scenario: &Scenario, metrics: &RunMetrics) -> Economics {
    let month_factor = DAYS_PER_MONTH * 24.0 / metrics.window_hours;
    let window_days = metrics.window_hours / 24.0;
    let users = metrics.users;
    let requests_per_month = metrics.requests.offered as f64 * month_factor;
    let requests_per_day = metrics.requests.offered as f64 / window_days;
    let transactions_per_month = metrics.requests.served as f64 * month_factor;

    let mut components: Vec<CostLine> = Vec::new();
    let line = |components: &mut Vec<CostLine>,
                name: String,
                kind: CostKind,
                variable: bool,
                monthly: f64| {
        components.push(CostLine {
            name,
            kind,
            variable,
            amount: monthly / month_factor,
            monthly,
        });
    };
    // Simulated infrastructure, measured in the window.
    let cache_per_hour = scenario
        .cache()
        .as_ref()
        .map(|c| c.price_per_hour)
        .unwrap_or(0.0);
    if scenario.cache().is_some() {
        line(
            &mut components,
            "cache".into(),
            CostKind::Cache,
            true,
            cache_per_hour * metrics.window_hours * month_factor,
        );
    }
    for (tier, stats) in scenario.tiers().iter().zip(&metrics.tiers) {
        match &tier.kind {
            TierKind::SelfHosted(s) => line(
                &mut components,
                format!("{} compute", tier.name),
                CostKind::Compute,
                true,
                stats.billed_instance_hours * s.price_per_instance_hour * month_factor,
            ),
            TierKind::Api(a) => line(
                &mut components,
                format!("{} api", tier.name),
                CostKind::Api,
                true,
                api_cost(a, stats.input_tokens, stats.output_tokens, stats.api_calls)
                    * month_factor,
            ),
        }
    }
    let simulated_monthly: f64 = components.iter().map(|c| c.monthly).sum();
    let total = simulated_monthly / month_factor;

    // Declared costs that grow with traffic.
    let costs = &scenario.costs();
    for v in &costs.volume {
        let volume = match v.driver {
            Driver::Users => users,
            Driver::Requests => requests_per_month,
        };
        line(
            &mut components,
            v.name.clone(),
            CostKind::Volume,
            true,
            v.amount * (volume / v.unit).powf(v.exponent),
        );
    }
    let storage_at = |s: &crate::model::StorageCost, days: f64| {
        let kept_days = days.min(s.retention.0 as f64 / SimTime::DAY.0 as f64);
        requests_per_day * kept_days * s.bytes_per_request / 1e9 * s.price_per_gb_month
    };
    for s in &costs.storage {
        line(
            &mut components,
            s.name.clone(),
            CostKind::Storage,
            true,
            storage_at(s, f64::INFINITY),
        );
    }
    for e in &costs.egress {
        line(
            &mut components,
            e.name.clone(),
            CostKind::Egress,
            true,
            requests_per_month * e.bytes_per_request / 1e9 * e.price_per_gb,
        );
    }
    // Fixed and hidden costs.
    for m in &costs.monthly {
        line(&mut components, m.name.clone(), CostKind::Fixed, false, m.amount);
    }
    for p in &costs.periodic {
        line(
            &mut components,
            p.name.clone(),
            CostKind::Periodic,
            false,
            periodic_in(p, 0.0, 12.0 * DAYS_PER_MONTH) / 12.0,
        );
    }
    for s in &costs.steps {
        let count = step_count(s.rule, users, requests_per_day);
        line(
            &mut components,
            s.name.clone(),
            CostKind::Step,
            false,
            s.amount_per_month * count,
        );
    }

    let variable_monthly: f64 = components
        .iter()
        .filter(|c| c.variable)
        .map(|c| c.monthly)
        .sum();
    let fixed_monthly: f64 = components
        .iter()
        .filter(|c| !c.variable)
        .map(|c| c.monthly)
        .sum();
    let monthly_total = variable_monthly + fixed_monthly;
    let per_transaction =
        |x: f64| (transactions_per_month > 0.0).then(|| x / transactions_per_month);

    let revenue_monthly = scenario.revenue().map(|r| {
        revenue(
            *r,
            users,
            transactions_per_month,
            metrics.requests.served_tokens as f64 * month_factor,
        )
    });
    let revenue = revenue_monthly.map(|monthly| RevenueFigures {
        monthly,
        per_user_per_month: monthly / users,
        per_transaction: (transactions_per_month > 0.0).then(|| monthly / transactions_per_month),

        margin: monthly - monthly_total,
        margin_pct: (monthly > 0.0).then(|| (monthly - monthly_total) / monthly),
    });

    // The schedule: storage fills up over its retention, periodic costs fall on their
    // dates and grow; everything else is the same every month.
    let storage_steady: f64 = costs
        .storage
        .iter()
        .map(|s| storage_at(s, f64::INFINITY))
        .sum();
    let periodic_average: f64 = components
        .iter()
        .filter(|c| c.kind == CostKind::Periodic)
        .map(|c| c.monthly)
        .sum();
    let steady_without = monthly_total - storage_steady - periodic_average;
    let month_cost = |m: u32| {
        let start = (m - 1) as f64 * DAYS_PER_MONTH;
        let end = m as f64 * DAYS_PER_MONTH;
        let storage: f64 = costs.storage.iter().map(|s| storage_at(s, end)).sum();
        let periodic: f64 = costs
            .periodic
            .iter()
            .map(|p| periodic_in(p, start, end))
            .sum();
        steady_without + storage + periodic
    };
    let monthly_revenue = revenue_monthly.unwrap_or(0.0);
    let schedule: Vec<Month> = (1..=SCHEDULE_MONTHS as u32)
        .map(|m| Month {
            month: m,
            cost: month_cost(m),
            revenue: monthly_revenue,
        })
        .collect();
    let one_off_total: f64 = costs.one_off.iter().map(|o| o.amount).sum();
    let two_year_total = one_off_total + schedule.iter().map(|m| m.cost).sum::<f64>();
    let payback_months = revenue_monthly.and_then(|r| {
        let mut recovered = 0.0;
        for m in 1..=PAYBACK_HORIZON_MONTHS {
            if recovered >= one_off_total {
                return Some(m - 1);
            }
            recovered += r - month_cost(m);
        }
        (recovered >= one_off_total).then_some(PAYBACK_HORIZON_MONTHS)
    });

    let spend_per_hour = hourly_spend(scenario, metrics, cache_per_hour);
    let measured_from = (scenario.workload().warmup.0 / SimTime::HOUR.0) as usize;
    let measured = &spend_per_hour[measured_from.min(spend_per_hour.len())..];
    let budget = scenario.budget().monthly.map(|limit| {
        budget_status(limit, &schedule, measured, simulated_monthly, &|m| {
            let start = (m - 1) as f64 * DAYS_PER_MONTH;
            costs
                .periodic
                .iter()
                .map(|p| periodic_on_days(p, start))
                .collect()
        })
    });
    let anomalies = anomalies(scenario, metrics, &spend_per_hour, measured_from);

    Economics {
        components,
        total,
        variable_monthly,
        fixed_monthly,
        monthly_total,
        transactions_per_month,
        cost_per_transaction: per_transaction(monthly_total),
        cost_per_transaction_variable: per_transaction(variable_monthly),
        cost_per_transaction_fixed: per_transaction(fixed_monthly),
        break_even_price_per_transaction: per_transaction(monthly_total),
        cost_per_user_per_month: monthly_total / users,
        revenue,
        one_off_total,
        payback_months,
        two_year_total,
        schedule,
        budget,
        anomalies,
        spend_per_hour,
    }
}

/// Monthly recurring profit (revenue minus running costs), what break-even looks for.
pub fn monthly_profit(e: &Economics) -> Option<f64> {
    e.revenue.as_ref().map(|r| r.margin)
}

/// Token prices are per 1,000 tokens; the request fee is per accepted call.
fn api_cost(api: &Api, input_tokens: u64, output_tokens: u64, calls: u64) -> f64 {
    input_tokens as f64 / 1000.0 * api.price_per_1k_input_tokens
        + output_tokens as f64 / 1000.0 * api.price_per_1k_output_tokens
        + calls as f64 * api.price_per_request
}

/// Sum of a periodic cost's occurrences in (start_day, end_day]; the k-th (k ≥ 1)
/// falls at k·every and costs amount·growth^(k−1).
fn periodic_in(p: &crate::model::PeriodicCost, start_day: f64, end_day: f64) -> f64 {
    let every = p.every.0 as f64 / SimTime::DAY.0 as f64;
    let first = (start_day / every).floor() as u64 + 1;
    let mut sum = 0.0;
    let mut k = first;
    while k as f64 * every <= end_day {
        sum += p.amount * p.growth.powi(k as i32 - 1);
        k += 1;
    }
    sum
}

/// A periodic cost's spend on each of the 30 days of the month starting at `start_day`.
fn periodic_on_days(p: &crate::model::PeriodicCost, start_day: f64) -> Vec<f64> {
    (0..DAYS_PER_MONTH as usize)
        .map(|d| periodic_in(p, start_day + d as f64, start_day + d as f64 + 1.0))
        .collect()
}

fn step_count(rule: StepRule, users: f64, requests_per_day: f64) -> f64 {
    let driver = |d: Driver| match d {
        Driver::Users => users,
        Driver::Requests => requests_per_day,
    };
    match rule {
        StepRule::Above(d, threshold) => {
            if driver(d) > threshold {
                1.0
            } else {
                0.0
            }
        }
        StepRule::Every(d, block) => (driver(d) / block).ceil(),
    }
}

fn revenue(model: Revenue, users: f64, transactions_per_month: f64, tokens_per_month: f64) -> f64 {
    match model {
        Revenue::PerSeat {
            price_per_user_per_month,
            free_share,
        } => users * (1.0 - free_share) * price_per_user_per_month,
        Revenue::Usage {
            price_per_request,
            price_per_1k_tokens,
        } => {
            transactions_per_month * price_per_request
                + tokens_per_month / 1000.0 * price_per_1k_tokens
        }
        Revenue::Hybrid {
            price_per_user_per_month,
            free_share,
            included_requests_per_user,
            price_per_extra_request,
        } => {
            let paying = users * (1.0 - free_share);
            let per_user = transactions_per_month / users;
            let overage = (per_user - included_requests_per_user).max(0.0);
            paying * (price_per_user_per_month + overage * price_per_extra_request)
        }
    }
}

fn hourly_spend(scenario: &Scenario, metrics: &RunMetrics, cache_per_hour: f64) -> Vec<f64> {
    metrics
        .timeline
        .iter()
        .map(|hour| {
            let tiers: f64 = scenario
                .tiers()
                .iter()
                .zip(&hour.tiers)
                .map(|(tier, h)| match &tier.kind {
                    TierKind::SelfHosted(s) => h.billed_instance_hours * s.price_per_instance_hour,
                    TierKind::Api(a) => api_cost(a, h.input_tokens, h.output_tokens, h.api_calls),
                })
                .sum();
            tiers + cache_per_hour * hour.hours
        })
        .collect()
}

/// Walks the schedule for the first month over budget, then that month day by day: the
/// simulated days' spend (repeated), the other running costs spread evenly, and
/// periodic costs on their dates.
fn budget_status(
    limit: f64,
    schedule: &[Month],
    measured_hours: &[f64],
    simulated_monthly: f64,
    periodic_days: &dyn Fn(u32) -> Vec<Vec<f64>>,
) -> BudgetStatus {
    let first_month_use = schedule.first().map(|m| m.cost / limit).unwrap_or(0.0);
    let Some(over) = schedule.iter().find(|m| m.cost > limit) else {
        return BudgetStatus {
            monthly: limit,
            first_month_over: None,
            day_over: None,
            first_month_use,
        };
    };
    let simulated_days: Vec<f64> = measured_hours
        .chunks(24)
        .map(|d| d.iter().sum::<f64>() * 24.0 / d.len() as f64)
        .collect();
    let per_day_other = {
        let periodic_total: f64 = periodic_days(over.month).iter().flatten().sum();
        (over.cost - simulated_monthly - periodic_total) / DAYS_PER_MONTH
    };
    let periodic = periodic_days(over.month);
    let mut spent = 0.0;
    let mut day_over = None;
    for day in 0..DAYS_PER_MONTH as usize {
        let simulated = if simulated_days.is_empty() {
            simulated_monthly / DAYS_PER_MONTH
        } else {
            simulated_days[day % simulated_days.len()]
        };
        spent += simulated + per_day_other + periodic.iter().map(|p| p[day]).sum::<f64>();
        if spent > limit {
            day_over = Some(day as u32 + 1);
            break;
        }
    }
    BudgetStatus {
        monthly: limit,
        first_month_over: Some(over.month),
        // The month's total is over the limit, so the day walk finds it unless the
        // repeated simulated days fall short of the average; then it is the last day.
        day_over: day_over.or(Some(DAYS_PER_MONTH as u32)),
        first_month_use,
    }
}

fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Hours of trailing history an hour is compared with.
const ANOMALY_BASELINE_HOURS: usize = 24;
/// Measured hours needed before anything is called unusual.
const ANOMALY_MIN_HISTORY: usize = 6;

/// Hours spending over `anomaly_multiple` × the median of the preceding day's hours,
/// grouped into episodes, each with the cause the simulation saw in its costliest hour.
/// A trailing baseline, as a monitoring system would use, so a spike is judged against
/// what came just before it, not against a future it may itself have changed.
fn anomalies(
    scenario: &Scenario,
    metrics: &RunMetrics,
    spend: &[f64],
    measured_from: usize,
) -> Vec<Anomaly> {
    let timeline = &metrics.timeline;
    let mut out: Vec<Anomaly> = Vec::new();
    for h in measured_from..spend.len() {
        let from = h.saturating_sub(ANOMALY_BASELINE_HOURS).max(measured_from);
        if h - from < ANOMALY_MIN_HISTORY {
            continue;
        }
        let typical = median(&spend[from..h]);
        if typical <= 0.0 || spend[h] <= typical * scenario.budget().anomaly_multiple {
            continue;
        }
        let history = &timeline[from..h];
        let typical_arrivals = median(
            &history
                .iter()
                .map(|x| x.arrivals as f64)
                .collect::<Vec<_>>(),
        );
        let typical_peaks: Vec<f64> = (0..scenario.tiers().len())
            .map(|t| {
                median(
                    &history
                        .iter()
                        .map(|x| x.tiers[t].peak_instances as f64)
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let cause = cause_of(scenario, &timeline[h], typical_arrivals, &typical_peaks);
        match out.last_mut() {
            Some(a) if (a.start_hour + a.hours) as usize == h => {
                a.hours += 1;
                if spend[h] > a.peak_spend {
                    a.peak_spend = spend[h];
                    a.typical_spend = typical;
                    a.cause = cause;
                }
            }
            _ => out.push(Anomaly {
                start_hour: h as u32,
                hours: 1,
                peak_spend: spend[h],
                typical_spend: typical,
                cause,
            }),
        }
    }
    out
}

fn cause_of(
    scenario: &Scenario,
    hour: &crate::metrics::HourStats,
    typical_arrivals: f64,
    typical_peaks: &[f64],
) -> String {
    let mut causes = Vec::new();
    for (t, (tier, h)) in scenario.tiers().iter().zip(&hour.tiers).enumerate() {
        if h.wanted_more_than_max {
            causes.push(format!(
                "{} scaled out to its max ({} instances)",
                tier.name, h.peak_instances
            ));
        } else if h.peak_instances as f64 > 1.5 * typical_peaks[t].max(1.0) {
            causes.push(format!(
                "{} scaled out to {} instances (typically {})",
                tier.name, h.peak_instances, typical_peaks[t]
            ));
        }
        if h.throttled_attempts > 0 && h.throttled_attempts as f64 > 0.1 * h.api_calls as f64 {
            causes.push(format!(
                "retry storm against {}: {} throttled attempts",
                tier.name, h.throttled_attempts
            ));
        }
    }
    if typical_arrivals > 0.0 && hour.arrivals as f64 > 1.5 * typical_arrivals {
        causes.push(format!(
            "traffic at {:.1}x the typical hour",
            hour.arrivals as f64 / typical_arrivals
        ));
    }
    if causes.is_empty() {
        "spend above the typical hour with no scaling, throttling or traffic surge seen".to_string()
    } else {
        causes.join("; ")
    }
}
