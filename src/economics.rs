//! Pure cost arithmetic: prices from the scenario times quantities from the simulation.
//!
//! Nothing here simulates; it turns instance-hours, tokens and calls into money,
//! projects the measured window to a 30-day month and divides by what was served.

use serde::Serialize;

use crate::metrics::RunMetrics;
use crate::model::{Scenario, TierKind};

/// Days in the month that monthly figures are projected to.
pub const DAYS_PER_MONTH: f64 = 30.0;

/// One line of the cost breakdown.
#[derive(Clone, Debug, Serialize)]
pub struct CostLine {
    /// What is paid for, e.g. "cache", "light compute", "gpt tokens".
    pub name: String,
    /// "cache", "compute" (self-hosted instance time) or "api" (tokens and request fees).
    pub kind: &'static str,
    /// Money spent in the measured window.
    pub amount: f64,
    /// The same projected to a 30-day month.
    pub monthly: f64,
}

/// What one run costs, in the scenario's currency.
#[derive(Clone, Debug, Serialize)]
pub struct Economics {
    pub components: Vec<CostLine>,
    /// Money spent in the measured window.
    pub total: f64,
    /// Total projected to a 30-day month at the same load.
    pub monthly_total: f64,
    /// Total / successful requests; null when nothing succeeded.
    pub cost_per_transaction: Option<f64>,
    /// Monthly total / users at this scale.
    pub cost_per_user_per_month: f64,
    /// Money spent in each hour of the timeline, warm-up included.
    pub spend_per_hour: Vec<f64>,
}

/// Prices the quantities one run measured.
pub fn evaluate(scenario: &Scenario, metrics: &RunMetrics) -> Economics {
    let month_factor = DAYS_PER_MONTH * 24.0 / metrics.window_hours;
    let mut components = Vec::new();
    let mut line = |name: String, kind: &'static str, amount: f64| {
        components.push(CostLine {
            name,
            kind,
            amount,
            monthly: amount * month_factor,
        });
    };
    let cache_per_hour = scenario
        .cache
        .as_ref()
        .map(|c| c.price_per_hour)
        .unwrap_or(0.0);
    if scenario.cache.is_some() {
        line(
            "cache".into(),
            "cache",
            cache_per_hour * metrics.window_hours,
        );
    }
    for (tier, stats) in scenario.tiers.iter().zip(&metrics.tiers) {
        match &tier.kind {
            TierKind::SelfHosted(s) => line(
                format!("{} compute", tier.name),
                "compute",
                stats.billed_instance_hours * s.price_per_instance_hour,
            ),
            TierKind::Api(a) => line(
                format!("{} api", tier.name),
                "api",
                api_cost(a, stats.input_tokens, stats.output_tokens, stats.api_calls),
            ),
        }
    }
    let total: f64 = components.iter().map(|c| c.amount).sum();
    let monthly_total = total * month_factor;
    let spend_per_hour = metrics
        .timeline
        .iter()
        .map(|hour| {
            let tiers: f64 = scenario
                .tiers
                .iter()
                .zip(&hour.tiers)
                .map(|(tier, h)| match &tier.kind {
                    TierKind::SelfHosted(s) => h.billed_instance_hours * s.price_per_instance_hour,
                    TierKind::Api(a) => api_cost(a, h.input_tokens, h.output_tokens, h.api_calls),
                })
                .sum();
            tiers + cache_per_hour
        })
        .collect();
    Economics {
        components,
        total,
        monthly_total,
        cost_per_transaction: (metrics.requests.served > 0)
            .then(|| total / metrics.requests.served as f64),
        cost_per_user_per_month: monthly_total / metrics.users,
        spend_per_hour,
    }
}

/// Token prices are per 1,000 tokens; the request fee is per accepted call.
fn api_cost(api: &crate::model::Api, input_tokens: u64, output_tokens: u64, calls: u64) -> f64 {
    input_tokens as f64 / 1000.0 * api.price_per_1k_input_tokens
        + output_tokens as f64 / 1000.0 * api.price_per_1k_output_tokens
        + calls as f64 * api.price_per_request
}
