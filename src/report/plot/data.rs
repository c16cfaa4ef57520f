//! From reports to chart inputs: picks out the figures each chart shows.
//!
//! Every number comes finished from the run or its economics; this only selects,
//! converts units (hours to days) and names things. The one ratio formed here, a
//! component's share of the month, exists only for the chart that shows it.

use anyhow::{Result, anyhow};

use super::axis::compact;
use super::input::{
    CostBar, CostPerTransactionChart, LatencyChart, LatencyLines, Marker, MonthlyCostChart, Point,
    Series, TimelineChart,
};
use crate::report::format::{quantity, scale};
use crate::runner::{ScaleResult, ScenarioReport};

/// A chart's input, ready to render.
#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    CostPerTransaction(CostPerTransactionChart),
    Latency(LatencyChart),
    MonthlyCost(MonthlyCostChart),
    Timeline(TimelineChart),
}

/// A chart and the file name it is written under.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedChart {
    /// e.g. `latency.png`, `timeline-support-chatbot.png`.
    pub file_name: String,
    pub chart: Chart,
}

/// Every chart for `reports`: cost per transaction and latency across all of them,
/// then each scenario's monthly cost and the timeline of one scale (`timeline_scale`,
/// or the largest).
pub fn charts(reports: &[ScenarioReport], timeline_scale: Option<f64>) -> Result<Vec<NamedChart>> {
    let mut out = Vec::new();
    let per_currency = cost_per_transaction(reports);
    let several = per_currency.len() > 1;
    for chart in per_currency {
        // One vertical axis cannot mix currencies: each gets its own chart.
        let file_name = if several {
            format!("cost-per-transaction-{}.png", slug(&chart.currency))
        } else {
            "cost-per-transaction.png".into()
        };
        out.push(NamedChart {
            file_name,
            chart: Chart::CostPerTransaction(chart),
        });
    }
    out.push(NamedChart {
        file_name: "latency.png".into(),
        chart: Chart::Latency(latency(reports)),
    });
    let names = unique_slugs(reports.iter().map(|r| r.scenario.as_str()));
    for (report, name) in reports.iter().zip(&names) {
        out.push(NamedChart {
            file_name: format!("monthly-cost-{name}.png"),
            chart: Chart::MonthlyCost(monthly_cost(report)),
        });
        let result = match timeline_scale {
            Some(s) => report
                .results
                .iter()
                .find(|r| r.metrics.scale == s)
                .ok_or_else(|| {
                    anyhow!(
                        "{}: no run at scale {} to draw the timeline of",
                        report.scenario,
                        scale(s)
                    )
                })?,
            None => match largest_scale(report) {
                Some(r) => r,
                None => continue,
            },
        };
        out.push(NamedChart {
            file_name: format!("timeline-{name}.png"),
            chart: Chart::Timeline(timeline(report, result)),
        });
    }
    Ok(out)
}

/// Cost per successful transaction against users, one series per scenario; one chart
/// per currency, in the order the currencies first appear.
pub fn cost_per_transaction(reports: &[ScenarioReport]) -> Vec<CostPerTransactionChart> {
    let mut charts: Vec<CostPerTransactionChart> = Vec::new();
    for report in reports {
        let series = Series {
            label: report.scenario.clone(),
            points: report
                .results
                .iter()
                .filter_map(|r| {
                    r.economics
                        .cost_per_transaction
                        .map(|c| Point::new(r.metrics.users, c))
                })
                .collect(),
        };
        match charts.iter_mut().find(|c| c.currency == report.currency) {
            Some(chart) => chart.scenarios.push(series),
            None => charts.push(CostPerTransactionChart {
                currency: report.currency.clone(),
                scenarios: vec![series],
                references: Vec::new(),
            }),
        }
    }
    charts
}

/// p50 and p99 latency against users for each scenario. Scales where nothing was
/// served have no latency and no point.
pub fn latency(reports: &[ScenarioReport]) -> LatencyChart {
    let scenarios = reports
        .iter()
        .map(|report| {
            let served = || {
                report
                    .results
                    .iter()
                    .filter(|r| r.metrics.requests.served > 0)
            };
            LatencyLines {
                scenario: report.scenario.clone(),
                p50: served()
                    .map(|r| Point::new(r.metrics.users, r.metrics.latency_ms.p50))
                    .collect(),
                p99: served()
                    .map(|r| Point::new(r.metrics.users, r.metrics.latency_ms.p99))
                    .collect(),
            }
        })
        .collect();
    LatencyChart {
        scenarios,
        objectives: Vec::new(),
    }
}

/// Monthly cost of each component at each scale of one scenario.
pub fn monthly_cost(report: &ScenarioReport) -> MonthlyCostChart {
    let components = report
        .results
        .first()
        .map(|r| {
            r.economics
                .components
                .iter()
                .map(|c| c.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let bars = report
        .results
        .iter()
        .map(|r| {
            let total = r.economics.monthly_total;
            let monthly: Vec<f64> = r.economics.components.iter().map(|c| c.monthly).collect();
            CostBar {
                label: scale(r.metrics.scale),
                detail: format!("{} users", compact(r.metrics.users)),
                shares: monthly
                    .iter()
                    .map(|m| if total > 0.0 { m / total } else { 0.0 })
                    .collect(),
                monthly,
                total,
            }
        })
        .collect();
    MonthlyCostChart {
        scenario: report.scenario.clone(),
        currency: report.currency.clone(),
        components,
        bars,
    }
}

/// One scale of one scenario hour by hour. Each hour is drawn at its middle.
pub fn timeline(report: &ScenarioReport, result: &ScaleResult) -> TimelineChart {
    let metrics = &result.metrics;
    let day = |hour: u32| (f64::from(hour) + 0.5) / 24.0;
    let arrivals = metrics
        .timeline
        .iter()
        .map(|h| Point::new(day(h.hour), h.arrivals as f64))
        .collect();
    let instances = metrics
        .tiers
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == "self_hosted")
        .map(|(i, t)| Series {
            label: t.name.clone(),
            points: metrics
                .timeline
                .iter()
                .map(|h| Point::new(day(h.hour), h.tiers[i].instances))
                .collect(),
        })
        .collect();
    let spend = metrics
        .timeline
        .iter()
        .zip(&result.economics.spend_per_hour)
        .map(|(h, spent)| Point::new(day(h.hour), *spent))
        .collect();
    let markers = metrics
        .bottleneck
        .iter()
        .map(|b| Marker {
            label: format!("{} {}", b.tier, b.reason.replace('_', " ")),
            day: b.at_hours / 24.0,
        })
        .collect();
    TimelineChart {
        scenario: report.scenario.clone(),
        currency: report.currency.clone(),
        scale_label: format!(
            "{} ({} users)",
            scale(metrics.scale),
            quantity(metrics.users)
        ),
        horizon_days: metrics.timeline.len() as f64 / 24.0,
        warmup_days: report.warmup_hours / 24.0,
        arrivals,
        instances,
        spend,
        markers,
    }
}

fn largest_scale(report: &ScenarioReport) -> Option<&ScaleResult> {
    report
        .results
        .iter()
        .max_by(|a, b| a.metrics.scale.total_cmp(&b.metrics.scale))
}

/// A scenario name as a file-name part: "Support Chatbot v2" → "support-chatbot-v2".
fn slug(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "scenario".into()
    } else {
        out.to_string()
    }
}

/// Slugs of the names, numbered from the second on when two would collide, so no
/// scenario's chart overwrites another's.
fn unique_slugs<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let base = slug(name);
        let mut candidate = base.clone();
        let mut n = 2;
        while out.contains(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        out.push(candidate);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_eq!(slug("Support Chatbot v2"), "support-chatbot-v2");
        assert_eq!(slug("../etc/passwd"), "etc-passwd");
        assert_eq!(slug("日本"), "scenario");
        assert_eq!(
            unique_slugs(["chat", "chat", "Chat", "chat-2"].into_iter()),
            ["chat", "chat-2", "chat-3", "chat-2-2"]
        );
    }
}
