//! From the measured window to a calendar month at the same load: each kind of hour
//! (cell) weighed by how often a 30-day month holds it, each burst counted apart as
//! often as it recurs, and the part of each tier's bill that escalated requests drive
//! kept apart so that drift can move it.
//!
//! Without bursts, the expected monthly volume is exactly users × requests per user per
//! day × 30 whatever window was simulated, as long as the window saw every kind of
//! hour; a kind it did not see is filled in from the nearest kind it did, scaled by
//! traffic, with a warning that names the horizon that would measure it.

use crate::calendar::{Cells, DAYS_PER_MONTH, RateShape, is_weekend};
use crate::metrics::{RunMetrics, Slice};
use crate::model::{Recurrence, Scenario};
use crate::time::SimTime;

/// Quantities of one slice in a fixed layout, so that cells and bursts combine as
/// vectors: the cohort's counts, then per tier [`TIER_FIELDS`] values.
pub const COHORT_FIELDS: usize = 4;
pub const TIER_FIELDS: usize = 8;
/// Positions of the cohort's counts.
pub const OFFERED: usize = 0;
pub const SERVED: usize = 1;
pub const FAILED: usize = 2;
pub const SERVED_TOKENS: usize = 3;
/// Positions within a tier's block: what it charged (at its own prices), what
/// escalated requests caused of that where the tier tells, and the quantities.
pub const BILLED_US: usize = 0;
pub const SPEND: usize = 1;
pub const ESC_SPEND: usize = 2;
pub const INPUT_TOKENS: usize = 3;
pub const OUTPUT_TOKENS: usize = 4;
pub const API_CALLS: usize = 5;
pub const SERVICE_US: usize = 6;
pub const ESC_SERVICE_US: usize = 7;

/// A slice's quantities as a flat vector.
pub fn flat(slice: &Slice) -> Vec<f64> {
    let mut v = vec![
        slice.offered as f64,
        slice.served as f64,
        slice.failed as f64,
        slice.served_tokens as f64,
    ];
    for t in &slice.tiers {
        v.extend([
            t.billed_us,
            t.spend,
            t.escalated_spend,
            t.input_tokens as f64,
            t.output_tokens as f64,
            t.api_calls as f64,
            t.service_us,
            t.escalated_service_us,
        ]);
    }
    v
}

/// The index of tier `t`'s `field` in a flat vector.
pub fn tier_at(t: usize, field: usize) -> usize {
    COHORT_FIELDS + t * TIER_FIELDS + field
}

/// One group of overlapping bursts, as the month sees it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct BurstPart {
    /// What the group adds to the quantities each time it happens.
    pub excess: Vec<f64>,
    pub repeats: Recurrence,
    /// The month (1-based) of the schedule it falls in.
    pub month: u32,
    /// Its day within that month (0-based).
    pub day: u32,
}

/// A calendar month at one load, before prices: what every month at this load holds.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MonthBasis {
    pub users: f64,
    /// Quantities of a month without bursts.
    pub base: Vec<f64>,
    /// Of `base`, the quantities of one weekday and of one weekend day (for the budget's
    /// walk through a month).
    pub weekday: Vec<f64>,
    pub weekend_day: Vec<f64>,
    pub bursts: Vec<BurstPart>,
    /// Per tier with an escalation: (answers, escalated) of the measured cohort, whose
    /// ratio is the share the window ran at.
    pub escalation: Vec<Option<(f64, f64)>>,
    pub warnings: Vec<String>,
}

impl MonthBasis {
    /// A quantity of the month at this load with each burst counted `times[g]` times.
    pub fn quantity(&self, i: usize, times: &[f64]) -> f64 {
        self.base[i]
            + self
                .bursts
                .iter()
                .zip(times)
                .map(|(b, n)| b.excess[i] * n)
                .sum::<f64>()
    }

    /// Interpolates two bases in log space of users: each quantity as a power law
    /// between them (linearly where one is not positive).
    pub fn between(a: &MonthBasis, b: &MonthBasis, users: f64) -> MonthBasis {
        let x = if b.users == a.users {
            0.0
        } else {
            (users / a.users).ln() / (b.users / a.users).ln()
        };
        let mix = |p: f64, q: f64| {
            if p > 0.0 && q > 0.0 {
                p * (q / p).powf(x)
            } else {
                p + (q - p) * x
            }
        };
        let mix_all = |p: &[f64], q: &[f64]| p.iter().zip(q).map(|(p, q)| mix(*p, *q)).collect();
        MonthBasis {
            users,
            base: mix_all(&a.base, &b.base),
            weekday: mix_all(&a.weekday, &b.weekday),
            weekend_day: mix_all(&a.weekend_day, &b.weekend_day),
            bursts: a
                .bursts
                .iter()
                .zip(&b.bursts)
                .map(|(p, q)| BurstPart {
                    excess: mix_all(&p.excess, &q.excess),
                    ..p.clone()
                })
                .collect(),
            escalation: a
                .escalation
                .iter()
                .zip(&b.escalation)
                .map(|(p, q)| match (p, q) {
                    (Some(p), Some(q)) => Some((mix(p.0, q.0), mix(p.1, q.1))),
                    _ => None,
                })
                .collect(),
            warnings: Vec::new(),
        }
    }
}

/// Projects what one run measured onto a calendar month.
pub fn basis(scenario: &Scenario, metrics: &RunMetrics) -> MonthBasis {
    let w = scenario.workload();
    let cells = Cells::of(w);
    let shape = RateShape::new(w);
    let calendar = &metrics.calendar;
    let mut warnings = Vec::new();
    let len = COHORT_FIELDS + TIER_FIELDS * scenario.tiers().len();
    // Quantities per hour of each cell.
    let mut rates: Vec<Option<Vec<f64>>> = calendar
        .cells
        .iter()
        .map(|s| (s.hours > 0.0).then(|| flat(s).into_iter().map(|q| q / s.hours).collect()))
        .collect();
    let factor = |c: usize| shape.cell_factor(cells, c);
    // Self-hosted tiers with a fixed pool cost the same every hour, whatever the load.
    let fixed_pool: Vec<bool> = scenario
        .tiers()
        .iter()
        .map(|t| t.kind.is_fixed_pool())
        .collect();
    let missing: Vec<usize> = (0..cells.count()).filter(|&c| rates[c].is_none()).collect();
    let observed: Vec<usize> = (0..cells.count()).filter(|&c| rates[c].is_some()).collect();
    if !missing.is_empty() && !observed.is_empty() {
        let fills: Vec<(usize, usize)> = missing
            .iter()
            .map(|&c| {
                let donor = *observed
                    .iter()
                    .min_by(|&&a, &&b| {
                        (factor(a) - factor(c))
                            .abs()
                            .total_cmp(&(factor(b) - factor(c)).abs())
                    })
                    .expect("some cell was observed");
                (c, donor)
            })
            .collect();
        for (c, donor) in fills {
            let ratio = factor(c) / factor(donor).max(f64::MIN_POSITIVE);
            let mut filled = rates[donor].clone().expect("the donor was observed");
            for (i, q) in filled.iter_mut().enumerate() {
                let is_fixed_billing = i >= COHORT_FIELDS
                    && matches!((i - COHORT_FIELDS) % TIER_FIELDS, BILLED_US | SPEND)
                    && fixed_pool[(i - COHORT_FIELDS) / TIER_FIELDS];
                if !is_fixed_billing {
                    *q *= ratio;
                }
            }
            rates[c] = Some(filled);
        }
        // Whole kinds of day first: "no weekend day" says more than 24 hours listed.
        let weekend_missing = cells.weekly
            && (0..cells.count())
                .filter(|&c| cells.is_weekend_cell(c))
                .all(|c| missing.contains(&c));
        let weekday_missing = cells.weekly
            && (0..cells.count())
                .filter(|&c| !cells.is_weekend_cell(c))
                .all(|c| missing.contains(&c));
        let rest: Vec<usize> = missing
            .iter()
            .copied()
            .filter(|&c| {
                let we = cells.is_weekend_cell(c);
                !(we && weekend_missing) && !(!we && weekday_missing)
            })
            .collect();
        let mut names: Vec<String> = Vec::new();
        if weekday_missing {
            names.push("weekday".into());
        }
        if weekend_missing {
            names.push("weekend day".into());
        }
        names.extend(rest.iter().take(3).map(|&c| cells.describe(c)));
        let more = if rest.len() > 3 {
            format!(" and {} more hours", rest.len() - 3)
        } else {
            String::new()
        };
        let needed = if cells.weekly {
            SimTime(7 * SimTime::DAY.0)
        } else {
            SimTime::DAY
        };
        warnings.push(format!(
            "the measured window sees no {}{more}: their costs are taken from the hours most like them, scaled by traffic; to measure them, simulate at least {} after the warm-up (horizon: {})",
            names.join(", "),
            needed,
            w.warmup.plus(needed)
        ));
    }
    let zero = vec![0.0; len];
    let rate = |c: usize| rates[c].as_deref().unwrap_or(&zero);
    let sum_cells = |weight: &dyn Fn(usize) -> f64| -> Vec<f64> {
        let mut out = vec![0.0; len];
        for c in 0..cells.count() {
            let wgt = weight(c);
            for (o, r) in out.iter_mut().zip(rate(c)) {
                *o += wgt * r;
            }
        }
        out
    };
    let base = sum_cells(&|c| cells.hours_per_month(c));
    let weekday = sum_cells(&|c| cells.hours_per_day_of(c, false));
    let weekend_day = sum_cells(&|c| cells.hours_per_day_of(c, true));

    let window_start = w.warmup;
    let bursts = calendar
        .bursts
        .iter()
        .map(|g| {
            let mut excess = flat(&g.slice);
            for (c, hours) in g.cell_hours.iter().enumerate() {
                for (e, r) in excess.iter_mut().zip(rate(c)) {
                    *e -= hours * r;
                }
            }
            let first = &w.bursts[g.bursts[0]];
            if g.start < window_start || g.end > w.horizon {
                warnings.push(format!(
                    "workload.bursts[{}] and the hours it takes to settle ({} to {}) are not all inside the measured window ({} to {}); its cost counts only the part measured: move it, or lengthen the horizon",
                    g.bursts[0], g.start, g.end, window_start, w.horizon
                ));
            }
            let day = first.start.0 / SimTime::DAY.0;
            BurstPart {
                excess,
                repeats: first.repeats,
                month: (day as f64 / DAYS_PER_MONTH) as u32 + 1,
                day: (day % DAYS_PER_MONTH as u64) as u32,
            }
        })
        .collect();
    let escalation = scenario
        .tiers()
        .iter()
        .zip(&metrics.tiers)
        .map(|(tier, stats)| {
            tier.escalation.map(|_| {
                let escalated = stats.escalated as f64;
                (stats.served as f64 + escalated, escalated)
            })
        })
        .collect();
    MonthBasis {
        users: metrics.users,
        base,
        weekday,
        weekend_day,
        bursts,
        escalation,
        warnings,
    }
}

/// Whether day `d` (0-based) of month `month` (1-based) is a weekend day: month 1
/// starts on the run's day 0, a Monday.
pub fn is_weekend_in_month(month: u32, d: u32) -> bool {
    is_weekend(((month - 1) * DAYS_PER_MONTH as u32 + d) as u64)
}
