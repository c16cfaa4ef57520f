//! Money: prices from the scenario times quantities of a calendar month, the costs the
//! simulation cannot see (team, retraining, pipelines, compliance), revenue, margin,
//! the month-by-month schedule (drift, recurring bursts, periodic costs, storage
//! filling up, user growth), payback, budget and cost anomalies.
//!
//! Nothing here simulates. Every monthly figure is the expectation over a 30-day
//! calendar month (see [`month`]); the figures "at this load" hold the simulated load
//! for every month, and the schedule follows the declared growth when there is one.

pub mod anomaly;
pub mod month;

use serde::Serialize;

use crate::calendar::DAYS_PER_MONTH;
use crate::metrics::RunMetrics;
use crate::model::{
    Driver, Escalation, Growth, PeriodicCost, Revenue, Scenario, StepRule, StorageCost, TierKind,
};
use crate::time::SimTime;
pub use anomaly::Anomaly;
use month::{
    ESC_SERVICE_US, ESC_SPEND, MonthBasis, OFFERED, SERVED, SERVED_TOKENS, SERVICE_US, SPEND,
    tier_at,
};

/// Months in the schedule that the two-year total sums.
pub const SCHEDULE_MONTHS: u32 = 24;
/// Payback is looked for this far ahead.
pub const PAYBACK_HORIZON_MONTHS: u32 = 120;

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

    /// Whether it grows with traffic.
    pub fn is_variable(self) -> bool {
        self.is_simulated()
            || matches!(
                self,
                CostKind::Volume | CostKind::Storage | CostKind::Egress
            )
    }
}

/// One line of the cost breakdown.
#[derive(Clone, Debug, Serialize)]
pub struct CostLine {
    /// What is paid for, e.g. "cache", "light compute", "gpt api", "retraining".
    pub name: String,
    pub kind: CostKind,
    /// Whether the line grows with traffic (variable) or not (fixed).
    pub variable: bool,
    /// Money in the measured window (declared costs prorated to its length).
    pub amount: f64,
    /// Money per month at this load, averaged over the first 12 months.
    pub monthly: f64,
}

/// Revenue and margin at one scale, per month averaged over the first year.
#[derive(Clone, Debug, Serialize)]
pub struct RevenueFigures {
    pub monthly: f64,
    pub per_user_per_month: f64,
    /// Monthly revenue ÷ successful requests per month; null when nothing succeeded.
    pub per_transaction: Option<f64>,
    /// Monthly revenue minus monthly running costs (one-off costs excluded).
    pub margin: f64,
    /// margin ÷ revenue; null when there is no revenue.
    pub margin_fraction: Option<f64>,
}

/// The price of the declared revenue model at which it would just cover the running
/// costs, the other prices held as declared.
#[derive(Clone, Debug, Serialize)]
pub struct BreakEvenPrice {
    /// The scenario field, e.g. `revenue.per_seat.price_per_user_per_month`.
    pub field: &'static str,
    pub declared: f64,
    /// The price that makes the margin zero (0 when the other prices cover it already).
    pub break_even: f64,
}

/// One month of the schedule.
#[derive(Clone, Debug, Serialize)]
pub struct Month {
    /// 1 is the first month of operation.
    pub month: u32,
    /// Active users that month.
    pub users: f64,
    pub cost: f64,
    pub revenue: f64,
    /// The simulated load the month's simulated costs come from: this run's, or with
    /// growth the nearest load simulated (its costs interpolated between the two nearest).
    pub nearest_simulated_users: f64,
}

/// The costliest month of the first two years at this load.
#[derive(Clone, Debug, Serialize)]
pub struct PeakMonth {
    pub month: u32,
    pub cost: f64,
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

/// What one run costs and earns, in the scenario's currency.
#[derive(Clone, Debug, Serialize)]
pub struct Economics {
    /// Recurring costs: simulated infrastructure first, then the declared ones.
    pub components: Vec<CostLine>,
    /// Money spent on simulated infrastructure (cache, compute, APIs) in the window.
    pub total: f64,
    /// Recurring costs that grow with traffic, per month at this load (year-1 average).
    pub variable_monthly: f64,
    /// Recurring costs that do not, per month at this load (year-1 average).
    pub fixed_monthly: f64,
    /// variable_monthly + fixed_monthly: the month at this load, averaged over year 1.
    pub monthly_total: f64,
    /// The month at this load averaged over year 2 (drift, periodic growth, fill-up).
    pub monthly_year_2: f64,
    /// The costliest of the first 24 months at this load.
    pub peak_month: PeakMonth,
    /// Requests arriving per month (year-1 average).
    pub requests_per_month: f64,
    /// Successful requests per month (year-1 average).
    pub transactions_per_month: f64,
    /// monthly_total / transactions_per_month; null when nothing succeeded.
    pub cost_per_transaction: Option<f64>,
    /// The variable part of cost_per_transaction.
    pub cost_per_transaction_variable: Option<f64>,
    /// The fixed part of cost_per_transaction.
    pub cost_per_transaction_fixed: Option<f64>,
    /// The declared revenue model's prices at which it breaks even at this load.
    pub break_even_prices: Vec<BreakEvenPrice>,
    /// monthly_total / users.
    pub cost_per_user_per_month: f64,
    /// Present when the scenario declares revenue.
    pub revenue: Option<RevenueFigures>,
    /// Sum of one-off costs.
    pub one_off_total: f64,
    /// Months until cumulative margin recovers the one-off costs (following the
    /// schedule); null if not within 10 years.
    pub payback_months: Option<u32>,
    /// One-off costs plus the 24 months of the schedule.
    pub two_year_total: f64,
    /// two_year_total ÷ one_off_total: a common rule of thumb expects 3 to 5; null
    /// without one-off costs.
    pub two_year_multiple_of_one_off: Option<f64>,
    /// Running costs and revenue month by month for two years: at this load, or along
    /// the declared growth from it.
    pub schedule: Vec<Month>,
    /// Present when the scenario declares a monthly budget.
    pub budget: Option<BudgetStatus>,
    pub anomalies: Vec<Anomaly>,
    /// Money spent on simulated infrastructure in each hour of the timeline.
    pub spend_per_hour: Vec<f64>,
    /// Of each hour's spend, what the cache cost (each tier's share is in the
    /// timeline): for the timeline chart's split by component. Not in the JSON, which
    /// has the cache's price.
    #[serde(skip)]
    pub cache_spend_per_hour: Vec<f64>,
    /// What the projection onto a month could not measure, and how to fix it.
    pub warnings: Vec<String>,
}

/// The simulated loads of one design, to price months at loads between them.
#[derive(Clone, Debug, Default)]
pub struct Loads {
    /// Bases sorted by users.
    bases: Vec<MonthBasis>,
}

impl Loads {
    pub fn new(mut bases: Vec<MonthBasis>) -> Loads {
        bases.sort_by(|a, b| a.users.total_cmp(&b.users));
        bases.dedup_by(|a, b| a.users == b.users);
        Loads { bases }
    }

    /// The month at `users`, interpolated between the nearest simulated loads, and the
    /// nearest simulated users.
    pub fn at(&self, users: f64) -> Option<(MonthBasis, f64)> {
        let first = self.bases.first()?;
        let last = self.bases.last()?;
        let nearest = self
            .bases
            .iter()
            .min_by(|a, b| {
                (a.users / users)
                    .ln()
                    .abs()
                    .total_cmp(&(b.users / users).ln().abs())
            })?
            .users;
        if users <= first.users || self.bases.len() == 1 {
            return Some((first.clone(), nearest));
        }
        if users >= last.users {
            return Some((last.clone(), nearest));
        }
        let i = self.bases.iter().position(|b| b.users >= users)?;
        Some((
            MonthBasis::between(&self.bases[i - 1], &self.bases[i], users),
            nearest,
        ))
    }

    /// The users of every simulated load.
    pub fn users(&self) -> Vec<f64> {
        self.bases.iter().map(|b| b.users).collect()
    }
}

/// Users in each month of the schedule (1-based months), for a scale of `scale`.
pub fn growth_path(scenario: &Scenario, scale: f64, months: u32) -> Vec<f64> {
    (1..=months)
        .map(|m| scale * scenario.workload().users_in_month(m.min(SCHEDULE_MONTHS)))
        .collect()
}

/// A growing user base is priced from simulated loads at most this far apart.
pub const GROWTH_SPACING: f64 = 2.0;

/// The users at which a growing design is simulated along `scale`'s path: from the
/// fewest to the most it reaches, at most [`GROWTH_SPACING`] apart (the runner skips
/// those near a load already simulated).
pub fn growth_grid(scenario: &Scenario, scale: f64) -> Vec<f64> {
    let path = growth_path(scenario, scale, SCHEDULE_MONTHS);
    let lo = path.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = path.iter().copied().fold(0.0, f64::max);
    let n = ((hi / lo).ln() / GROWTH_SPACING.ln()).ceil().max(0.0) as usize;
    (0..=n)
        .map(|i| {
            if n == 0 {
                lo
            } else {
                lo * (hi / lo).powf(i as f64 / n as f64)
            }
        })
        .collect()
}

/// Prices one run: `basis` is its calendar month; `loads` are every load the design
/// simulated, for following a declared growth.
pub fn evaluate(
    scenario: &Scenario,
    metrics: &RunMetrics,
    basis: &MonthBasis,
    loads: &Loads,
) -> Economics {
    let users = metrics.users;
    let lines = line_specs(scenario);
    // The scenario's own warnings (a price 1000× the catalogue's) head the list, so a
    // report read without the terminal's stderr still carries them.
    let mut warnings: Vec<String> = scenario.warnings().to_vec();
    warnings.extend(basis.warnings.iter().cloned());

    // The months at this load.
    let at_load: Vec<MonthCost> = (1..=SCHEDULE_MONTHS)
        .map(|m| month_cost(scenario, basis, m, users, &lines))
        .collect();
    let year = |from: usize| -> MonthCost { MonthCost::average(&at_load[from..from + 12]) };
    let y1 = year(0);
    let y2 = year(12);
    // The first of the costliest months.
    let (peak_i, peak) = at_load
        .iter()
        .enumerate()
        .fold(None::<(usize, &MonthCost)>, |best, (i, m)| match best {
            Some((_, b)) if b.total() >= m.total() => best,
            _ => Some((i, m)),
        })
        .expect("24 months");

    // The schedule: at this load, or along the declared growth.
    let scale = metrics.scale;
    let months_needed = PAYBACK_HORIZON_MONTHS;
    let schedule_costs: Vec<(MonthCost, f64, f64)> = match scenario.workload().growth {
        None => (1..=months_needed)
            .map(|m| {
                let cost = if m <= SCHEDULE_MONTHS {
                    at_load[m as usize - 1].clone()
                } else {
                    month_cost(scenario, basis, m, users, &lines)
                };
                (cost, users, users)
            })
            .collect(),
        Some(_) => growth_path(scenario, scale, months_needed)
            .into_iter()
            .enumerate()
            .map(|(i, u)| {
                let m = i as u32 + 1;
                let (b, nearest) = loads.at(u).unwrap_or((basis.clone(), users));
                (month_cost(scenario, &b, m, u, &lines), u, nearest)
            })
            .collect(),
    };
    if scenario.workload().growth.is_some() {
        let far = schedule_costs
            .iter()
            .take(SCHEDULE_MONTHS as usize)
            .map(|(_, u, n)| (n / u).ln().abs())
            .fold(0.0, f64::max);
        if far > 2f64.ln() {
            warnings.push(format!(
                "the growth path reaches loads {:.1}x away from any simulated load; its months are priced from the nearest",
                far.exp()
            ));
        }
    }
    let schedule: Vec<Month> = schedule_costs
        .iter()
        .take(SCHEDULE_MONTHS as usize)
        .enumerate()
        .map(|(i, (c, u, nearest))| Month {
            month: i as u32 + 1,
            users: *u,
            cost: clean(c.total()),
            revenue: clean(c.revenue),
            nearest_simulated_users: *nearest,
        })
        .collect();

    let one_off_total: f64 = scenario.costs().one_off.iter().map(|o| o.amount).sum();
    let two_year_total = one_off_total + schedule.iter().map(|m| m.cost).sum::<f64>();
    let payback_months = scenario.revenue().and_then(|_| {
        let mut recovered = 0.0;
        for (i, (c, _, _)) in schedule_costs.iter().enumerate() {
            if recovered >= one_off_total {
                return Some(i as u32);
            }
            recovered += c.revenue - c.total();
        }
        (recovered >= one_off_total).then_some(PAYBACK_HORIZON_MONTHS)
    });

    // The window's infrastructure, as simulated.
    let cache_per_hour = scenario.cache().map(|c| c.price_per_hour).unwrap_or(0.0);
    let window_hours = metrics.window_hours;
    let total = cache_per_hour * window_hours + metrics.tiers.iter().map(|t| t.spend).sum::<f64>();
    let window_share = window_hours / (DAYS_PER_MONTH * 24.0);
    let mut components: Vec<CostLine> = lines
        .iter()
        .zip(&y1.lines)
        .map(|(spec, monthly)| CostLine {
            name: spec.name.clone(),
            kind: spec.kind,
            variable: spec.kind.is_variable(),
            amount: 0.0,
            monthly: clean(*monthly),
        })
        .collect();
    // Simulated lines: what the window spent; declared ones: their month prorated.
    for (i, line) in components.iter_mut().enumerate() {
        line.amount = clean(match lines[i].source {
            LineSource::Cache => cache_per_hour * window_hours,
            LineSource::Tier(t) => metrics.tiers[t].spend,
            _ => line.monthly * window_share,
        });
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
    let transactions = y1.transactions;
    let per_transaction = |x: f64| (transactions > 0.0).then(|| clean(x / transactions));
    let revenue = scenario.revenue().map(|_| RevenueFigures {
        monthly: clean(y1.revenue),
        per_user_per_month: clean(y1.revenue / users),
        per_transaction: (transactions > 0.0).then(|| clean(y1.revenue / transactions)),
        margin: clean(y1.revenue - monthly_total),
        margin_fraction: (y1.revenue > 0.0)
            .then(|| clean((y1.revenue - monthly_total) / y1.revenue)),
    });
    let break_even_prices = scenario
        .revenue()
        .map(|r| break_even_prices(*r, users, transactions, y1.tokens, monthly_total))
        .unwrap_or_default();

    let spend_per_hour = anomaly::hourly_spend(metrics, cache_per_hour);
    let measured_from = (scenario.workload().warmup.0 / SimTime::HOUR.0) as usize;
    let budget = scenario
        .budget()
        .monthly
        .map(|limit| budget_status(scenario, limit, &schedule, &schedule_costs, basis, loads));
    let anomalies = anomaly::anomalies(scenario, metrics, &spend_per_hour, measured_from);
    warnings.dedup();
    Economics {
        components,
        total: clean(total),
        variable_monthly: clean(variable_monthly),
        fixed_monthly: clean(fixed_monthly),
        monthly_total: clean(monthly_total),
        monthly_year_2: clean(y2.total()),
        peak_month: PeakMonth {
            month: peak_i as u32 + 1,
            cost: clean(peak.total()),
        },
        requests_per_month: clean(y1.offered),
        transactions_per_month: clean(transactions),
        cost_per_transaction: per_transaction(monthly_total),
        cost_per_transaction_variable: per_transaction(variable_monthly),
        cost_per_transaction_fixed: per_transaction(fixed_monthly),
        break_even_prices,
        cost_per_user_per_month: clean(monthly_total / users),
        revenue,
        one_off_total: clean(one_off_total),
        payback_months,
        two_year_total: clean(two_year_total),
        two_year_multiple_of_one_off: (one_off_total > 0.0)
            .then(|| clean(two_year_total / one_off_total)),
        schedule,
        budget,
        anomalies,
        spend_per_hour,
        cache_spend_per_hour: metrics
            .timeline
            .iter()
            .map(|h| cache_per_hour * h.hours)
            .collect(),
        warnings,
    }
}

/// Monthly profit at a load (year-1 average revenue minus running costs), what the
/// break-even search looks for; `users` may differ slightly from the basis's own (just
/// past a step cost's threshold), declared costs and seats then follow `users`.
pub fn monthly_profit_at(
    scenario: &Scenario,
    basis: &MonthBasis,
    users: f64,
) -> Option<(f64, f64, f64)> {
    scenario.revenue()?;
    let (cost, revenue) = year_one_at(scenario, basis, users);
    Some((revenue - cost, cost, revenue))
}

/// The year-1 average monthly running cost and revenue at a load held constant: the
/// `monthly_total` a run at `users` reports, and what two designs are weighed by.
pub fn year_one_at(scenario: &Scenario, basis: &MonthBasis, users: f64) -> (f64, f64) {
    let y1 = year_one_month(scenario, basis, users);
    (y1.cost, y1.revenue)
}

/// The year-1 average month at a load held constant, as a run there reports it.
#[derive(Clone, Copy, Debug)]
pub struct YearOneMonth {
    /// Running cost a month: the run's `monthly_total`.
    pub cost: f64,
    pub revenue: f64,
    /// Successful transactions a month: the run's `transactions_per_month`.
    pub transactions: f64,
}

impl YearOneMonth {
    /// Cost per successful transaction, as a run reports it; none when nothing succeeds.
    pub fn cost_per_transaction(&self) -> Option<f64> {
        (self.transactions > 0.0).then(|| clean(self.cost / self.transactions))
    }
}

/// [`year_one_at`] with the month's successful transactions.
pub fn year_one_month(scenario: &Scenario, basis: &MonthBasis, users: f64) -> YearOneMonth {
    let lines = line_specs(scenario);
    let months: Vec<MonthCost> = (1..=12)
        .map(|m| month_cost(scenario, basis, m, users, &lines))
        .collect();
    let y1 = MonthCost::average(&months);
    YearOneMonth {
        cost: clean(y1.total()),
        revenue: clean(y1.revenue),
        transactions: clean(y1.transactions),
    }
}

/// Turns -0.0 into 0.0: a figure is never "minus nothing".
pub fn clean(x: f64) -> f64 {
    x + 0.0
}

/// Where a cost line's money comes from.
#[derive(Clone, Copy, Debug)]
enum LineSource {
    Cache,
    Tier(usize),
    Volume(usize),
    Storage(usize),
    Egress(usize),
    Monthly(usize),
    Periodic(usize),
    Step(usize),
}

struct LineSpec {
    name: String,
    kind: CostKind,
    source: LineSource,
}

/// The cost lines of a scenario, in the order they are shown.
fn line_specs(scenario: &Scenario) -> Vec<LineSpec> {
    let mut out = Vec::new();
    let mut push = |name: String, kind, source| out.push(LineSpec { name, kind, source });
    if scenario.cache().is_some() {
        push("cache".into(), CostKind::Cache, LineSource::Cache);
    }
    for (t, tier) in scenario.tiers().iter().enumerate() {
        match &tier.kind {
            TierKind::SelfHosted(_) | TierKind::Batched(_) => push(
                format!("{} compute", tier.name),
                CostKind::Compute,
                LineSource::Tier(t),
            ),
            TierKind::Api(_) => push(
                format!("{} api", tier.name),
                CostKind::Api,
                LineSource::Tier(t),
            ),
        }
    }
    let c = scenario.costs();
    let names = |n: Vec<&String>| n.into_iter().cloned().enumerate().collect::<Vec<_>>();
    let declared: [(Vec<(usize, String)>, CostKind, fn(usize) -> LineSource); 6] = [
        (
            names(c.volume.iter().map(|x| &x.name).collect()),
            CostKind::Volume,
            LineSource::Volume,
        ),
        (
            names(c.storage.iter().map(|x| &x.name).collect()),
            CostKind::Storage,
            LineSource::Storage,
        ),
        (
            names(c.egress.iter().map(|x| &x.name).collect()),
            CostKind::Egress,
            LineSource::Egress,
        ),
        (
            names(c.monthly.iter().map(|x| &x.name).collect()),
            CostKind::Fixed,
            LineSource::Monthly,
        ),
        (
            names(c.periodic.iter().map(|x| &x.name).collect()),
            CostKind::Periodic,
            LineSource::Periodic,
        ),
        (
            names(c.steps.iter().map(|x| &x.name).collect()),
            CostKind::Step,
            LineSource::Step,
        ),
    ];
    for (entries, kind, source) in declared {
        for (i, name) in entries {
            push(name, kind, source(i));
        }
    }
    out
}

/// One month's money: each cost line, revenue, and the traffic behind them.
#[derive(Clone, Debug, Default)]
struct MonthCost {
    lines: Vec<f64>,
    revenue: f64,
    offered: f64,
    transactions: f64,
    tokens: f64,
    /// Of the lines, the simulated infrastructure without bursts.
    infra_base: f64,
    /// The bursts' money that month.
    infra_bursts: f64,
}

impl MonthCost {
    fn total(&self) -> f64 {
        self.lines.iter().sum()
    }

    fn average(months: &[MonthCost]) -> MonthCost {
        // Summed, then divided once: twelve equal months average to exactly that month.
        let n = months.len() as f64;
        let mut out = MonthCost {
            lines: vec![0.0; months[0].lines.len()],
            ..MonthCost::default()
        };
        for m in months {
            for (o, l) in out.lines.iter_mut().zip(&m.lines) {
                *o += l;
            }
            out.revenue += m.revenue;
            out.offered += m.offered;
            out.transactions += m.transactions;
            out.tokens += m.tokens;
            out.infra_base += m.infra_base;
            out.infra_bursts += m.infra_bursts;
        }
        for l in &mut out.lines {
            *l /= n;
        }
        out.revenue /= n;
        out.offered /= n;
        out.transactions /= n;
        out.tokens /= n;
        out.infra_base /= n;
        out.infra_bursts /= n;
        out
    }
}

/// The share of a tier's answers escalated, averaged over days `[from, to)` since the
/// start of operation (the model is trained at day 0, and again every retraining).
pub fn mean_share(esc: &Escalation, from_day: f64, to_day: f64) -> f64 {
    let (a, b) = (esc.share, esc.drift_per_day);
    // ∫ min(1, a + b·x) dx over [x0, x1] within one training cycle.
    let integral = |x0: f64, x1: f64| -> f64 {
        if b == 0.0 || a >= 1.0 {
            return a.min(1.0) * (x1 - x0);
        }
        let knee = (1.0 - a) / b;
        let linear = |p: f64, q: f64| a * (q - p) + b * (q * q - p * p) / 2.0;
        if x1 <= knee {
            linear(x0, x1)
        } else if x0 >= knee {
            x1 - x0
        } else {
            linear(x0, knee) + (x1 - knee)
        }
    };
    let cycle = esc
        .retrain_every
        .filter(|e| e.0 > 0)
        .map(|e| e.0 as f64 / SimTime::DAY.0 as f64);
    let total = match cycle {
        None => integral(from_day, to_day),
        Some(len) => {
            let mut sum = 0.0;
            let mut t = from_day;
            while t < to_day {
                let start = (t / len).floor() * len;
                let end = (start + len).min(to_day);
                sum += integral(t - start, end - start);
                t = end;
            }
            sum
        }
    };
    total / (to_day - from_day)
}

/// How much the escalation-driven part of each tier's bill is multiplied by in month
/// `m`: the month's mean share over the share the window ran at, weighted by how many
/// escalations each source sends into the tier.
fn escalation_factors(scenario: &Scenario, basis: &MonthBasis, m: u32) -> Vec<f64> {
    let n = scenario.tiers().len();
    let mut weighted = vec![0.0; n];
    let mut weight = vec![0.0; n];
    let from = (m - 1) as f64 * DAYS_PER_MONTH;
    for (s, tier) in scenario.tiers().iter().enumerate() {
        let (Some(esc), Some(Some((answers, escalated)))) =
            (tier.escalation, basis.escalation.get(s))
        else {
            continue;
        };
        if *escalated <= 0.0 || *answers <= 0.0 {
            continue;
        }
        let window_share = escalated / answers;
        let share = mean_share(&esc, from, from + DAYS_PER_MONTH);
        weighted[esc.to] += escalated * share / window_share;
        weight[esc.to] += escalated;
    }
    (0..n)
        .map(|t| {
            if weight[t] > 0.0 {
                weighted[t] / weight[t]
            } else {
                1.0
            }
        })
        .collect()
}

/// Month `m` of operation at `users`, the simulated costs from `basis`.
fn month_cost(
    scenario: &Scenario,
    basis: &MonthBasis,
    m: u32,
    users: f64,
    lines: &[LineSpec],
) -> MonthCost {
    let times: Vec<f64> = basis
        .bursts
        .iter()
        .map(|b| b.repeats.times_in_month(m, b.month))
        .collect();
    let q = |i: usize| basis.quantity(i, &times);
    let factors = escalation_factors(scenario, basis, m);
    let offered = q(OFFERED);
    let transactions = q(SERVED);
    let tokens = q(SERVED_TOKENS);
    let requests_per_day = offered / DAYS_PER_MONTH;
    let start = (m - 1) as f64 * DAYS_PER_MONTH;
    let end = m as f64 * DAYS_PER_MONTH;
    let mut infra_base = 0.0;
    let mut infra_bursts = 0.0;
    let costs = scenario.costs();
    let line_money: Vec<f64> = lines
        .iter()
        .map(|spec| match spec.source {
            LineSource::Cache => {
                let money =
                    scenario.cache().map_or(0.0, |c| c.price_per_hour) * DAYS_PER_MONTH * 24.0;
                infra_base += money;
                money
            }
            LineSource::Tier(t) => {
                let base = tier_money(scenario, t, &|i| basis.base[i], factors[t]);
                let with_bursts = tier_money(scenario, t, &q, factors[t]);
                infra_base += base;
                infra_bursts += with_bursts - base;
                with_bursts
            }
            LineSource::Volume(i) => {
                let v = &costs.volume[i];
                let volume = match v.driver {
                    Driver::Users => users,
                    Driver::Requests => offered,
                };
                v.amount * (volume / v.unit).powf(v.exponent)
            }
            LineSource::Storage(i) => {
                storage_in_month(&costs.storage[i], requests_per_day, start, end)
            }
            LineSource::Egress(i) => {
                let e = &costs.egress[i];
                offered * e.bytes_per_request / 1e9 * e.price_per_gb
            }
            LineSource::Monthly(i) => costs.monthly[i].amount,
            LineSource::Periodic(i) => periodic_in(&costs.periodic[i], start, end),
            LineSource::Step(i) => {
                let s = &costs.steps[i];
                s.amount_per_month * step_count(s.rule, users, requests_per_day)
            }
        })
        .collect();
    let revenue = scenario
        .revenue()
        .map_or(0.0, |r| revenue(*r, users, transactions, tokens));
    MonthCost {
        lines: line_money,
        revenue,
        offered,
        transactions,
        tokens,
        infra_base,
        infra_bursts,
    }
}

/// What tier `t` charged for `quantities` (a flat vector read through a function), the
/// part escalated requests drive multiplied by `factor`. Each tier kind prices its own
/// work in the simulation; here only the escalation-driven part is told apart: an API
/// knows it call by call, a pool's is the escalated requests' share of its work.
fn tier_money(
    scenario: &Scenario,
    t: usize,
    quantities: &dyn Fn(usize) -> f64,
    factor: f64,
) -> f64 {
    let at = |field: usize| quantities(tier_at(t, field));
    let money = at(SPEND);
    let esc = match &scenario.tiers()[t].kind {
        TierKind::SelfHosted(_) | TierKind::Batched(_) if at(SERVICE_US) > 0.0 => {
            money * at(ESC_SERVICE_US) / at(SERVICE_US)
        }
        TierKind::SelfHosted(_) | TierKind::Batched(_) => 0.0,
        TierKind::Api(_) => at(ESC_SPEND),
    };
    money + esc * (factor - 1.0)
}

/// What every tier bills for the quantities `q` (a flat vector).
fn tiers_money(scenario: &Scenario, q: &[f64], factors: &[f64]) -> f64 {
    (0..scenario.tiers().len())
        .map(|t| tier_money(scenario, t, &|i| q[i], factors[t]))
        .sum()
}

/// Storage paid in a month: the data kept grows for `retention` and then holds; a month
/// pays for its average fill, at the month's request rate.
fn storage_in_month(s: &StorageCost, requests_per_day: f64, start_day: f64, end_day: f64) -> f64 {
    let retention = s.retention.0 as f64 / SimTime::DAY.0 as f64;
    // Mean of min(t, retention) over [start, end].
    let kept = |t: f64| {
        if t <= retention {
            t * t / 2.0
        } else {
            retention * retention / 2.0 + retention * (t - retention)
        }
    };
    let mean_days = (kept(end_day) - kept(start_day)) / (end_day - start_day);
    requests_per_day * mean_days * s.bytes_per_request / 1e9 * s.price_per_gb_month
}

/// Sum of a periodic cost's occurrences in (start_day, end_day]; the k-th (k ≥ 1)
/// falls at k·every and costs amount·growth^(k−1).
fn periodic_in(p: &PeriodicCost, start_day: f64, end_day: f64) -> f64 {
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

fn step_count(rule: StepRule, users: f64, requests_per_day: f64) -> f64 {
    let driver = |d: Driver| match d {
        Driver::Users => users,
        Driver::Requests => requests_per_day,
    };
    match rule {
        StepRule::Above(d, threshold) => f64::from(driver(d) > threshold),
        StepRule::Every(d, block) => (driver(d) / block).ceil(),
    }
}

/// The loads (users) at which a step cost switches, within `[low, high]`: where
/// monthly profit jumps. At most 64 per step cost; finer steps are found by the search.
pub fn step_thresholds(scenario: &Scenario, low: f64, high: f64) -> Vec<f64> {
    let rate = scenario.workload().requests_per_user_per_day;
    let mut out = Vec::new();
    for s in &scenario.costs().steps {
        let to_users = |d: Driver, v: f64| match d {
            Driver::Users => v,
            Driver::Requests => v / rate,
        };
        match s.rule {
            StepRule::Above(d, v) => out.push(to_users(d, v)),
            StepRule::Every(d, block) => {
                let block = to_users(d, block);
                let first = (low / block).ceil().max(1.0);
                let mut k = first;
                while k * block <= high && k < first + 64.0 {
                    out.push(k * block);
                    k += 1.0;
                }
            }
        }
    }
    out.retain(|u| *u > low && *u < high);
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
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
            paying
                * (price_per_user_per_month
                    + overage(users, transactions_per_month, included_requests_per_user)
                        * price_per_extra_request)
        }
    }
}

/// Requests per user beyond the allowance, on average.
fn overage(users: f64, transactions: f64, included: f64) -> f64 {
    (transactions / users - included).max(0.0)
}

/// Each declared price that, the others as declared, makes monthly revenue equal the
/// running costs.
fn break_even_prices(
    model: Revenue,
    users: f64,
    transactions: f64,
    tokens: f64,
    cost: f64,
) -> Vec<BreakEvenPrice> {
    let price = |field, declared: f64, break_even: f64| BreakEvenPrice {
        field,
        declared,
        break_even: clean(break_even.max(0.0)),
    };
    match model {
        Revenue::PerSeat {
            price_per_user_per_month,
            free_share,
        } => {
            let paying = users * (1.0 - free_share);
            if paying > 0.0 {
                vec![price(
                    "revenue.per_seat.price_per_user_per_month",
                    price_per_user_per_month,
                    cost / paying,
                )]
            } else {
                Vec::new()
            }
        }
        Revenue::Usage {
            price_per_request,
            price_per_1k_tokens,
        } => {
            let mut out = Vec::new();
            let from_tokens = tokens / 1000.0 * price_per_1k_tokens;
            let from_requests = transactions * price_per_request;
            if transactions > 0.0 && (price_per_request > 0.0 || price_per_1k_tokens == 0.0) {
                out.push(price(
                    "revenue.usage.price_per_request",
                    price_per_request,
                    (cost - from_tokens) / transactions,
                ));
            }
            if tokens > 0.0 && price_per_1k_tokens > 0.0 {
                out.push(price(
                    "revenue.usage.price_per_1k_tokens",
                    price_per_1k_tokens,
                    (cost - from_requests) / (tokens / 1000.0),
                ));
            }
            out
        }
        Revenue::Hybrid {
            price_per_user_per_month,
            free_share,
            included_requests_per_user,
            price_per_extra_request,
        } => {
            let paying = users * (1.0 - free_share);
            if paying > 0.0 {
                let extra = overage(users, transactions, included_requests_per_user)
                    * price_per_extra_request;
                vec![price(
                    "revenue.hybrid.price_per_user_per_month",
                    price_per_user_per_month,
                    cost / paying - extra,
                )]
            } else {
                Vec::new()
            }
        }
    }
}

/// Finds the first month of the schedule over budget, then walks that month day by day:
/// simulated infrastructure as weekdays and weekend days spend it, bursts on their
/// days, periodic costs on their dates, everything else spread evenly.
fn budget_status(
    scenario: &Scenario,
    limit: f64,
    schedule: &[Month],
    costs: &[(MonthCost, f64, f64)],
    basis: &MonthBasis,
    loads: &Loads,
) -> BudgetStatus {
    let first_month_use = schedule.first().map_or(0.0, |m| m.cost / limit);
    let Some(over) = schedule.iter().find(|m| m.cost > limit) else {
        return BudgetStatus {
            monthly: limit,
            first_month_over: None,
            day_over: None,
            first_month_use,
        };
    };
    let m = over.month;
    let (month, users, _) = &costs[m as usize - 1];
    let b = match scenario.workload().growth {
        Some(_) => loads
            .at(*users)
            .map(|x| x.0)
            .unwrap_or_else(|| basis.clone()),
        None => basis.clone(),
    };
    // The simulated infrastructure of one weekday and one weekend day, in money: the
    // month's burst-free infrastructure is shared out in their proportion.
    let factors = escalation_factors(scenario, &b, m);
    let cache_day = scenario.cache().map_or(0.0, |c| c.price_per_hour) * 24.0;
    let weekday = tiers_money(scenario, &b.weekday, &factors) + cache_day;
    let weekend = tiers_money(scenario, &b.weekend_day, &factors) + cache_day;
    let days: Vec<bool> = (0..DAYS_PER_MONTH as u32)
        .map(|d| month::is_weekend_in_month(m, d))
        .collect();
    let profile: f64 = days
        .iter()
        .map(|&we| if we { weekend } else { weekday })
        .sum();
    let scale = if profile > 0.0 {
        month.infra_base / profile
    } else {
        0.0
    };
    let periodic: Vec<Vec<f64>> = scenario
        .costs()
        .periodic
        .iter()
        .map(|p| {
            let start = (m - 1) as f64 * DAYS_PER_MONTH;
            (0..DAYS_PER_MONTH as usize)
                .map(|d| periodic_in(p, start + d as f64, start + d as f64 + 1.0))
                .collect()
        })
        .collect();
    let periodic_total: f64 = periodic.iter().flatten().sum();
    // Bursts that recur within the month are spread over it; one-offs fall on their day.
    let mut burst_days = vec![0.0; DAYS_PER_MONTH as usize];
    let base_money = tiers_money(scenario, &b.base, &factors);
    let mut burst_total = 0.0;
    for part in &b.bursts {
        let times = part.repeats.times_in_month(m, part.month);
        if times == 0.0 {
            continue;
        }
        let with: Vec<f64> = b
            .base
            .iter()
            .zip(&part.excess)
            .map(|(q, e)| q + e)
            .collect();
        let money = (tiers_money(scenario, &with, &factors) - base_money).max(0.0) * times;
        burst_total += money;
        match part.repeats {
            crate::model::Recurrence::Once | crate::model::Recurrence::Yearly => {
                burst_days[part.day as usize] += money
            }
            _ => burst_days
                .iter_mut()
                .for_each(|d| *d += money / DAYS_PER_MONTH),
        }
    }
    let other = (over.cost - month.infra_base - periodic_total - burst_total) / DAYS_PER_MONTH;
    let mut spent = 0.0;
    let mut day_over = None;
    for (d, &we) in days.iter().enumerate() {
        let infra = scale * if we { weekend } else { weekday };
        spent += infra + other + burst_days[d] + periodic.iter().map(|p| p[d]).sum::<f64>();
        if spent > limit {
            day_over = Some(d as u32 + 1);
            break;
        }
    }
    BudgetStatus {
        monthly: limit,
        first_month_over: Some(m),
        // The month's total is over the limit, so the walk finds it; rounding aside,
        // the last day is the latest it can be.
        day_over: day_over.or(Some(DAYS_PER_MONTH as u32)),
        first_month_use,
    }
}

/// The growth a scenario declares, in words.
pub fn describe_growth(g: &Growth) -> String {
    match g {
        Growth::MonthlyRate(r) => format!(
            "users {}{}% a month",
            if *r >= 0.0 { "+" } else { "" },
            crate::scenario::validate::fmt_num(r * 100.0)
        ),
        Growth::Users(list) => format!("users month by month as declared ({} months)", list.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escalation(share: f64, drift: f64, every_days: Option<u64>) -> Escalation {
        Escalation {
            to: 1,
            share,
            drift_per_day: drift,
            retrain_every: every_days.map(|d| SimTime(d * SimTime::DAY.0)),
        }
    }

    #[test]
    fn the_mean_share_follows_the_drift_law() {
        // 10% + 1%/day, retrained every 30 days: every 30-day month averages 25%.
        let e = escalation(0.1, 0.01, Some(30));
        for m in 0..24 {
            let from = m as f64 * 30.0;
            assert!((mean_share(&e, from, from + 30.0) - 0.25).abs() < 1e-12);
        }
        // Never retrained: 25%, 55%, 85%, then capped at 100%.
        let e = escalation(0.1, 0.01, None);
        for (m, want) in [(0, 0.25), (1, 0.55), (2, 0.85), (3, 1.0), (10, 1.0)] {
            let from = m as f64 * 30.0;
            assert!(
                (mean_share(&e, from, from + 30.0) - want).abs() < 1e-12,
                "month {m}"
            );
        }
        // The cap inside a month: 0.8 + 0.05/day reaches 1 on day 4 of a 10-day span:
        // (∫0..4 (0.8 + 0.05x) dx + 6) / 10 = (3.2 + 0.4 + 6) / 10 = 0.96.
        let e = escalation(0.8, 0.05, None);
        assert!((mean_share(&e, 0.0, 10.0) - 0.96).abs() < 1e-12);
        // Without drift, the share.
        assert_eq!(mean_share(&escalation(0.3, 0.0, Some(7)), 5.0, 35.0), 0.3);
    }

    #[test]
    fn storage_pays_for_the_average_fill_of_each_month() {
        let s = StorageCost {
            name: "logs".into(),
            bytes_per_request: 1e9,
            retention: SimTime(45 * SimTime::DAY.0),
            price_per_gb_month: 1.0,
        };
        // One request a day of 1 GB: month 1 averages 15 GB, month 2 41.25, then 45.
        assert!((storage_in_month(&s, 1.0, 0.0, 30.0) - 15.0).abs() < 1e-12);
        assert!((storage_in_month(&s, 1.0, 30.0, 60.0) - 41.25).abs() < 1e-12);
        assert!((storage_in_month(&s, 1.0, 60.0, 90.0) - 45.0).abs() < 1e-12);
    }

    #[test]
    fn periodic_costs_fall_on_their_dates_and_grow() {
        let p = PeriodicCost {
            name: "refresh".into(),
            every: SimTime(90 * SimTime::DAY.0),
            amount: 100.0,
            growth: 2.0,
            retrains: None,
        };
        // Days 90, 180, 270: in months 3, 6 and 9 (day 90 is the last day of month 3).
        assert_eq!(periodic_in(&p, 0.0, 60.0), 0.0);
        assert_eq!(periodic_in(&p, 60.0, 90.0), 100.0);
        assert_eq!(periodic_in(&p, 150.0, 180.0), 200.0);
        assert_eq!(periodic_in(&p, 0.0, 360.0), 100.0 + 200.0 + 400.0 + 800.0);
    }

    #[test]
    fn step_thresholds_are_where_profit_jumps() {
        let yaml = "workload: {users: 1000, requests_per_user_per_day: 10, horizon: 1h, classes: {q: {share: 1, input_tokens: 1, output_tokens: 1}}}
routing: {routes: {q: t}}
tiers: {t: {kind: api, price_per_1k_input_tokens: 0, price_per_1k_output_tokens: 0, latency: 1s}}
costs:
  steps:
    - {name: a, amount_per_month: 1, above: {users: 5000}}
    - {name: b, amount_per_month: 1, every: {users: 3000}}
    - {name: c, amount_per_month: 1, above: {requests_per_day: 20000}}
";
        let s = crate::scenario::parse(yaml, "t.yaml", "t").unwrap();
        // b at 3,000, 6,000, 9,000; c at 20,000 requests a day = 2,000 users.
        assert_eq!(
            step_thresholds(&s, 1000.0, 10000.0),
            [2000.0, 3000.0, 5000.0, 6000.0, 9000.0]
        );
    }

    #[test]
    fn break_even_prices_make_the_margin_zero() {
        let seat = Revenue::PerSeat {
            price_per_user_per_month: 2.0,
            free_share: 0.5,
        };
        // 1,000 users, half paying, 5,000 a month of costs: 10 per paying user.
        let p = break_even_prices(seat, 1000.0, 0.0, 0.0, 5000.0);
        assert_eq!(p[0].break_even, 10.0);
        let usage = Revenue::Usage {
            price_per_request: 0.01,
            price_per_1k_tokens: 0.1,
        };
        // 100,000 requests and 1M tokens (revenue 1,000 + 100): 1,100 of costs break
        // even at the declared prices; each price alone, the other held.
        let p = break_even_prices(usage, 1.0, 1e5, 1e6, 1100.0);
        assert!((p[0].break_even - 0.01).abs() < 1e-12);
        assert!((p[1].break_even - 0.1).abs() < 1e-12);
    }

    #[test]
    fn interpolation_between_loads_is_exact_for_power_laws() {
        let basis = |users: f64| MonthBasis {
            users,
            base: vec![users * 3.0, users.powf(0.5), 5.0],
            weekday: vec![0.0; 3],
            weekend_day: vec![0.0; 3],
            bursts: Vec::new(),
            escalation: Vec::new(),
            warnings: Vec::new(),
        };
        let mid = MonthBasis::between(&basis(100.0), &basis(400.0), 200.0);
        assert!((mid.base[0] - 600.0).abs() < 1e-9);
        assert!((mid.base[1] - 200f64.sqrt()).abs() < 1e-9);
        assert!((mid.base[2] - 5.0).abs() < 1e-12);
        assert_eq!(clean(-0.0).to_string(), "0");
    }
}
