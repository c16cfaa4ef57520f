//! Hour by hour: what the simulated infrastructure spent in each hour of the timeline,
//! and the hours that spent far more than the hours before them (cost anomalies), with
//! the cause the simulation saw.

use serde::Serialize;

use crate::metrics::RunMetrics;
use crate::model::Scenario;

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

pub fn hourly_spend(metrics: &RunMetrics, cache_per_hour: f64) -> Vec<f64> {
    metrics
        .timeline
        .iter()
        .map(|hour| hour.tiers.iter().map(|h| h.spend).sum::<f64>() + cache_per_hour * hour.hours)
        .collect()
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
pub fn anomalies(
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
