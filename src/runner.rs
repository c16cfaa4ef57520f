//! Fans independent runs out over the cores and gathers them in input order.
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
}

/// Simulates every scale of `scenario` in parallel.
pub fn run_scenario(scenario: &Scenario) -> ScenarioReport {
    let results = scenario
        .scales
        .par_iter()
        .map(|&scale| {
            let metrics = sim::simulate(scenario, scale, 0);
            let economics = economics::evaluate(scenario, &metrics);
            ScaleResult { metrics, economics }
        })
        .collect();
    ScenarioReport {
        scenario: scenario.name.clone(),
        currency: scenario.currency.clone(),
        seed: scenario.seed,
        warmup_hours: scenario.workload.warmup.as_hours_f64(),
        results,
    }
}
