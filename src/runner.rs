//! Fans independent runs out over the cores and gathers them in input order, and
//! searches for break-even by simulating intermediate loads.
//!
//! Each run owns its state and its seeded streams, so the results do not depend on
//! how many threads ran them or in which order they finished.

use rayon::prelude::*;
use serde::Serialize;

use crate::economics::{self, Economics};
use crate::metrics::RunMetrics;
use crate::model::Scenario;
use crate::sim;

/// One scale of one scenario: what was measured and what it costs.
#[derive(Clone, Debug, Serialize)]
pub struct ScaleResult {
    #[serde(flatten)]
    pub metrics: RunMetrics,
    pub economics: Economics,
}

/// All scales of one scenario.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioReport {
    pub scenario: String,
    pub currency: String,
    pub seed: u64,
    /// Warm-up left out of the statistics, hours.
    pub warmup_hours: f64,
    pub results: Vec<ScaleResult>,
    /// Present when the scenario declares revenue.
    pub break_even: Option<BreakEven>,
    /// The scenario's p99 latency objective, ms, when it declares one.
    pub p99_objective_ms: Option<f64>,
}

/// The smallest user count at which monthly profit reaches zero.
#[derive(Clone, Debug, Serialize)]
pub struct BreakEven {
    /// "found"; "below_range" (already profitable at the smallest scale); "never"
    /// (not profitable at any simulated load in the range).
    pub status: &'static str,
    /// Break-even users (the smallest profitable load found), when found or below range.
    pub users: Option<f64>,
    /// The user range searched: the scenario's smallest and largest scale.
    pub search_users: [f64; 2],
    /// Relative width of the final bracket: the answer is within this fraction.
    pub precision: f64,
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
}

impl Probe {
    fn of(users: f64, e: &Economics) -> Option<Probe> {
        let revenue = e.revenue.as_ref()?;
        Some(Probe {
            users,
            monthly_profit: revenue.margin,
            monthly_cost: e.monthly_total,
            monthly_revenue: revenue.monthly,
        })
    }
}

impl ScenarioReport {
    /// Names of the cost lines, the same at every scale (declared costs with a zero
    /// amount at some scale still have their line).
    pub fn component_names(&self) -> Vec<String> {
        self.results
            .first()
            .map(|r| {
                r.economics
                    .components
                    .iter()
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Relative precision the break-even search stops at.
pub const BREAK_EVEN_PRECISION: f64 = 0.01;
/// Loads simulated per round of the search; fixed so the answer does not depend on
/// how many threads there are.
const PROBES_PER_ROUND: usize = 3;

/// Simulates and prices one scale.
pub fn run_scale(scenario: &Scenario, scale: f64, replication: u64) -> ScaleResult {
    let metrics = sim::simulate(scenario, scale, replication);
    let economics = economics::evaluate(scenario, &metrics);
    ScaleResult { metrics, economics }
}

/// Simulates every scale of `scenario` in parallel, then searches for break-even.
pub fn run_scenario(scenario: &Scenario) -> ScenarioReport {
    run_scenario_with(scenario, &crate::progress::Progress::silent())
}

/// [`run_scenario`], showing progress as `progress` says.
pub fn run_scenario_with(
    scenario: &Scenario,
    progress: &crate::progress::Progress,
) -> ScenarioReport {
    let bar = progress.bar(
        scenario.scales.len() as u64,
        std::slice::from_ref(scenario),
        1,
    );
    let results: Vec<ScaleResult> = scenario
        .scales
        .par_iter()
        .map(|&scale| {
            let result = run_scale(scenario, scale, 0);
            bar.inc(1);
            result
        })
        .collect();
    bar.finish_and_clear();

    let break_even = scenario
        .revenue
        .is_some()
        .then(|| break_even(scenario, &results));
    ScenarioReport {
        scenario: scenario.name.clone(),
        currency: scenario.currency.clone(),
        seed: scenario.seed,
        warmup_hours: scenario.workload.warmup.as_hours_f64(),
        results,
        break_even,
        p99_objective_ms: scenario.slo.p99_latency.map(|t| t.as_millis_f64()),
    }
}

/// Brackets the first sign change of monthly profit between the simulated scales, then
/// narrows it by simulating loads spaced evenly in log-space, a few per round in
/// parallel, until the bracket is within [`BREAK_EVEN_PRECISION`].
pub fn break_even(scenario: &Scenario, results: &[ScaleResult]) -> BreakEven {
    let users0 = scenario.workload.users;
    // Probes are kept in scale units while searching, converted to users at the end.
    let mut known: Vec<(f64, Probe)> = results
        .iter()
        .filter_map(|r| Probe::of(r.metrics.users, &r.economics).map(|p| (r.metrics.scale, p)))
        .collect();
    known.sort_by(|a, b| a.0.total_cmp(&b.0));
    let lowest = known.first().map(|k| k.0).unwrap_or(1.0);
    let highest = known.last().map(|k| k.0).unwrap_or(1.0);
    let mut probes: Vec<Probe> = known.iter().map(|(_, p)| p.clone()).collect();
    let done = |status, users, precision, mut probes: Vec<Probe>| {
        probes.sort_by(|a, b| a.users.total_cmp(&b.users));
        BreakEven {
            status,
            users,
            search_users: [lowest * users0, highest * users0],
            precision,
            probes,
        }
    };
    if known.first().is_some_and(|k| k.1.monthly_profit >= 0.0) {
        return done("below_range", Some(lowest * users0), 0.0, probes);
    }
    let Some(i) = known
        .windows(2)
        .position(|w| w[0].1.monthly_profit < 0.0 && w[1].1.monthly_profit >= 0.0)
    else {
        return done("never", None, 0.0, probes);
    };
    let (mut lo, mut hi) = (known[i].0, known[i + 1].0);
    while hi / lo - 1.0 > BREAK_EVEN_PRECISION {
        let step = (hi / lo).ln() / (PROBES_PER_ROUND + 1) as f64;
        let points: Vec<f64> = (1..=PROBES_PER_ROUND)
            .map(|k| lo * (step * k as f64).exp())
            .collect();
        let round: Vec<Probe> = points
            .par_iter()
            .map(|&s| {
                let r = run_scale(scenario, s, 0);
                Probe::of(r.metrics.users, &r.economics).expect("revenue is declared")
            })
            .collect();
        // The first profitable point closes the bracket from above.
        let (mut new_lo, mut new_hi) = (lo, hi);
        for (&s, p) in points.iter().zip(&round) {
            if p.monthly_profit >= 0.0 {
                new_hi = s;
                break;
            }
            new_lo = s;
        }
        probes.extend(round);
        lo = new_lo;
        hi = new_hi;
    }
    done("found", Some(hi * users0), hi / lo - 1.0, probes)
}
