//! From reports to chart inputs: picks out the figures each chart shows.
//!
//! Every number comes finished from the run, its economics, a comparison or a sweep;
//! this only selects, converts units (hours to days), turns confidence intervals into
//! bands and names things. The one ratio formed here, a component's share of the
//! month, exists only for the chart that shows it.

use anyhow::{Result, anyhow};

use super::axis::{Unit, compact};
use super::input::{
    BreakEvenChart, BreakEvenMark, CostBar, CostPerTransactionChart, CrossoverChart, FrontierChart,
    FrontierScale, LatencyChart, LatencyLines, Marker, MonthlyCostChart, Point, Quantity,
    ReferenceLine, Series, SweepChart, SweepFigure, SweepPanel, TimelineChart, TornadoBar,
    TornadoChart,
};
use crate::metrics::TierKindName;
use crate::outcome::{
    BreakEvenStatus, Cheaper, DesignOutcome, Outcome, ScaleResult, SloTarget, Summary,
};
use crate::report::format::{money, percent, quantity, scale};
use crate::scenario::plan::Command;
use crate::stats::Estimate;
use crate::text;

/// A chart's input, ready to render.
#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    CostPerTransaction(CostPerTransactionChart),
    Latency(LatencyChart),
    MonthlyCost(MonthlyCostChart),
    Timeline(TimelineChart),
    BreakEven(BreakEvenChart),
    Sweep(SweepChart),
    Crossover(CrossoverChart),
    Frontier(FrontierChart),
    Tornado(TornadoChart),
}

/// A chart and the file name it is written under.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedChart {
    /// e.g. `latency.png`, `timeline-support-chatbot.png`.
    pub file_name: String,
    pub chart: Chart,
}

/// Every chart of an outcome: a comparison's and a sweep's own, or for the commands
/// that report scenarios in full, those of [`scenario_charts`].
pub fn charts(
    outcome: &Outcome,
    timeline_scale: Option<f64>,
    figures: Option<&[SweepFigure]>,
) -> Result<Vec<NamedChart>> {
    match outcome.command {
        Command::Compare | Command::Diff => Ok(comparison(outcome)),
        Command::Sweep => Ok(vec![sweep(outcome, figures)]),
        Command::Simulate | Command::Plot => scenario_charts(&outcome.designs, timeline_scale),
        Command::Optimize => Ok(vec![NamedChart {
            file_name: "optimize-frontier.png".into(),
            chart: Chart::Frontier(frontier(outcome)),
        }]),
        Command::Crossover => Ok(crossover(outcome)
            .map(|c| NamedChart {
                file_name: "crossover.png".into(),
                chart: Chart::Crossover(c),
            })
            .into_iter()
            .collect()),
        Command::Sensitivity => Ok(tornado(outcome)
            .map(|c| NamedChart {
                file_name: "sensitivity.png".into(),
                chart: Chart::Tornado(c),
            })
            .into_iter()
            .collect()),
    }
}

/// Both designs' monthly costs at every load the crossover search simulated, and each
/// crossing found.
pub fn crossover(outcome: &Outcome) -> Option<CrossoverChart> {
    let x = outcome.crossover.as_ref()?;
    let cur = outcome.currency.as_str();
    let name = |c: Cheaper| match c {
        Cheaper::First => shown(&x.first),
        Cheaper::Second => shown(&x.second),
    };
    let crossings = x
        .crossings
        .iter()
        .map(|c| BreakEvenMark {
            users: c.users,
            monthly_cost: c.first_monthly,
            label: format!(
                "{} cheaper from {} users",
                name(c.cheaper_after),
                quantity(c.users)
            ),
        })
        .collect();
    let note = match (x.crossings.is_empty(), x.cheaper_at_start) {
        (true, Some(c)) => Some(format!(
            "{} is cheaper throughout, from {} to {} users ({} a month at the largest load)",
            name(c),
            quantity(x.search_users[0]),
            quantity(x.search_users[1]),
            x.probes
                .last()
                .map(|p| money(cur, p.first_monthly.min(p.second_monthly)))
                .unwrap_or_default()
        )),
        _ => None,
    };
    Some(CrossoverChart {
        first: shown(&x.first),
        second: x.second.clone(),
        currency: shown(&outcome.currency),
        first_cost: x
            .probes
            .iter()
            .map(|p| Point::new(p.users, p.first_monthly))
            .collect(),
        second_cost: x
            .probes
            .iter()
            .map(|p| Point::new(p.users, p.second_monthly))
            .collect(),
        crossings,
        note,
    })
}

/// Every design optimize simulated, at each scale, by cost per transaction and p99.
pub fn frontier(outcome: &Outcome) -> FrontierChart {
    let scales = outcome
        .choices
        .iter()
        .map(|c| {
            let mut meets = Vec::new();
            let mut missing = Vec::new();
            for d in &outcome.designs {
                let Some(s) = d
                    .results
                    .iter()
                    .map(|r| &r.summary)
                    .find(|s| s.scale == c.scale)
                else {
                    continue;
                };
                let f = &s.figures;
                let p = Point::new(f.cost_per_transaction.mean, f.latency_p99_ms.mean);
                if !(p.x.is_finite() && p.y.is_finite() && p.x > 0.0) {
                    continue;
                }
                if s.meets_slo() && !s.degraded {
                    meets.push(p);
                } else {
                    // Hollow, unlabelled: the legend says what hollow means here.
                    missing.push(p.degraded(Some(String::new())));
                }
            }
            // The frontier: by cost, each design faster than every cheaper one.
            meets.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
            let mut frontier: Vec<Point> = Vec::new();
            let mut dominated = Vec::new();
            for p in meets {
                if frontier.last().is_none_or(|f| p.y < f.y) {
                    frontier.push(p);
                } else {
                    dominated.push(p);
                }
            }
            let chosen = c
                .chosen
                .as_ref()
                .map(|p| Point::new(p.cost_per_transaction.mean, p.latency_p99_ms.mean));
            FrontierScale {
                label: format!("{} ({} users)", scale(c.scale), quantity(c.users)),
                frontier,
                dominated,
                missing,
                chosen,
            }
        })
        .collect();
    FrontierChart {
        scenario: outcome
            .designs
            .first()
            .map(|d| shown(&d.scenario))
            .unwrap_or_default(),
        currency: shown(&outcome.currency),
        scales,
        objective_ms: outcome.designs.first().and_then(|d| d.p99_objective_ms),
    }
}

/// Most bars a tornado shows; the rest are counted under it.
const TORNADO_BARS: usize = 14;

/// The assumptions' effects on cost per transaction at the first scale, in the
/// outcome's ranking.
pub fn tornado(outcome: &Outcome) -> Option<TornadoChart> {
    let base = outcome.designs.first()?;
    let first = base.results.first()?.summary.scale;
    let users = base.results.first()?.summary.users;
    let bars: Vec<TornadoBar> = outcome
        .sensitivity
        .iter()
        .filter_map(|a| {
            let e = a.effects.iter().find(|e| e.scale == first)?;
            Some(TornadoBar {
                label: shown(&a.path),
                moved: shown(&format!(
                    "{} / {}",
                    a.moved[0].as_deref().unwrap_or("—"),
                    a.moved[1].as_deref().unwrap_or("—")
                )),
                low: e.cost_per_transaction[0],
                high: e.cost_per_transaction[1],
            })
        })
        .collect();
    let left_off = bars.len().saturating_sub(TORNADO_BARS);
    Some(TornadoChart {
        scenario: shown(&base.scenario),
        scale: format!("{} ({} users)", scale(first), quantity(users)),
        by: match outcome.sensitivity_by {
            Some(by) => format!("±{}", percent(by)),
            None => "to the values given".into(),
        },
        bars: bars.into_iter().take(TORNADO_BARS).collect(),
        left_off,
    })
}

/// Cost per transaction and latency across all the designs, then each design's
/// monthly cost, its break-even when it declares revenue, and the timeline of one
/// scale (`timeline_scale`, or the largest).
pub fn scenario_charts(
    reports: &[DesignOutcome],
    timeline_scale: Option<f64>,
) -> Result<Vec<NamedChart>> {
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
        if let Some(chart) = break_even(report) {
            out.push(NamedChart {
                file_name: format!("break-even-{name}.png"),
                chart: Chart::BreakEven(chart),
            });
        }
        let result = match timeline_scale {
            Some(s) => report
                .details()
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

/// Cost per successful transaction against users, one series per scenario, with its
/// revenue per transaction when it declares revenue; one chart per currency, in the
/// order the currencies first appear.
pub fn cost_per_transaction(reports: &[DesignOutcome]) -> Vec<CostPerTransactionChart> {
    let mut charts: Vec<CostPerTransactionChart> = Vec::new();
    for report in reports {
        let revenue: Vec<Point> = report
            .details()
            .filter_map(|r| {
                let per_transaction = r.economics.revenue.as_ref()?.per_transaction?;
                Some(Point::new(r.metrics.users, per_transaction))
            })
            .collect();
        let mut points: Vec<Point> = detailed(report)
            .filter_map(|(r, summary)| {
                r.economics
                    .cost_per_transaction
                    .map(|c| Point::new(r.metrics.users, c).degraded(failure(summary)))
            })
            .collect();
        // The loads the break-even search simulated between the scales are points of
        // the same curve: with them the line follows what was simulated rather than
        // a straight guess between scales far apart.
        let scales: Vec<f64> = points.iter().map(|p| p.x).collect();
        let before = points.len();
        if let Some(be) = &report.break_even {
            points.extend(
                be.probes
                    .iter()
                    .filter(|p| !scales.iter().any(|&u| (p.users - u).abs() <= u * 1e-9))
                    .filter_map(|p| p.cost_per_transaction.map(|c| Point::new(p.users, c))),
            );
        }
        let probed = points.len() > before;
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        let series = Series {
            label: shown(&report.scenario),
            points,
        };
        match charts
            .iter_mut()
            .find(|c| c.currency == shown(&report.currency))
        {
            Some(chart) => {
                chart.scenarios.push(series);
                chart.revenue_per_transaction.push(revenue);
                chart.probed |= probed;
            }
            None => charts.push(CostPerTransactionChart {
                currency: shown(&report.currency),
                scenarios: vec![series],
                revenue_per_transaction: vec![revenue],
                references: Vec::new(),
                probed,
                replications: 1,
            }),
        }
    }
    charts
}

/// p50 and p99 latency against users for each scenario, with the p99 objectives the
/// scenarios declare. Scales where nothing was served have no latency and no point.
pub fn latency(reports: &[DesignOutcome]) -> LatencyChart {
    let scenarios = reports
        .iter()
        .map(|report| {
            let served = || detailed(report).filter(|(r, _)| r.metrics.requests.served > 0);
            LatencyLines {
                scenario: shown(&report.scenario),
                p50: served()
                    .map(|(r, s)| {
                        Point::new(r.metrics.users, r.metrics.latency_ms.p50).degraded(failure(s))
                    })
                    .collect(),
                p99: served()
                    .map(|(r, s)| {
                        Point::new(r.metrics.users, r.metrics.latency_ms.p99).degraded(failure(s))
                    })
                    .collect(),
            }
        })
        .collect();
    let declared: Vec<(&str, Option<f64>)> = reports
        .iter()
        .map(|r| (r.scenario.as_str(), r.p99_objective_ms))
        .collect();
    LatencyChart {
        scenarios,
        objectives: objectives(&declared, "SLO p99", &Unit::Millis),
        replications: 1,
    }
}

/// Monthly revenue and running costs at every load the break-even search simulated;
/// `None` when the scenario declares no revenue.
pub fn break_even(report: &DesignOutcome) -> Option<BreakEvenChart> {
    let be = report.break_even.as_ref()?;
    let revenue = be
        .probes
        .iter()
        .map(|p| Point::new(p.users, p.monthly_revenue))
        .collect();
    let cost = be
        .probes
        .iter()
        .map(|p| Point::new(p.users, p.monthly_cost))
        .collect();
    let [from, to] = be.search_users;
    // The answer is itself a simulated load, so its probe holds the costs there.
    let found = (be.status == BreakEvenStatus::Found)
        .then_some(be.users)
        .flatten()
        .and_then(|users| {
            be.probes
                .iter()
                .find(|p| (p.users - users).abs() <= users * 1e-9)
        });
    let mark = found.map(|p| BreakEvenMark {
        users: p.users,
        monthly_cost: p.monthly_cost,
        label: format!(
            "break-even: {} users (±{}), running costs {} a month",
            quantity(p.users),
            percent(be.precision),
            money(&report.currency, p.monthly_cost)
        ),
    });
    let note = match (be.status, be.users) {
        (BreakEvenStatus::Found, _) if mark.is_some() => None,
        (BreakEvenStatus::Found, Some(users)) => {
            Some(format!("break-even: {} users", quantity(users)))
        }
        (BreakEvenStatus::BelowRange, users) => Some(format!(
            "profitable already at {} users, the smallest load simulated: break-even is below it",
            quantity(users.unwrap_or(from))
        )),
        _ => Some(format!(
            "no break-even between {} and {} users: running costs exceed revenue at every load simulated",
            quantity(from),
            quantity(to)
        )),
    };
    Some(BreakEvenChart {
        scenario: shown(&report.scenario),
        currency: shown(&report.currency),
        revenue,
        cost,
        break_even: mark,
        note,
    })
}

/// The charts of a comparison: cost per transaction and latency against users, one
/// line per scenario, with confidence bands when replicated and the objectives the
/// scenarios declare.
pub fn comparison(c: &Outcome) -> Vec<NamedChart> {
    let per_scenario: Vec<(String, Vec<&Summary>)> = c
        .designs
        .iter()
        .map(|d| {
            (
                shown(&d.scenario),
                d.results.iter().map(|r| &r.summary).collect(),
            )
        })
        .collect();
    let line = |points: &[&Summary], figure: &dyn Fn(&Summary) -> Estimate| {
        points
            .iter()
            .map(|p| estimate_point(p.users, figure(p)).degraded(failure(p)))
            .collect::<Vec<_>>()
    };
    let declared = |target: SloTarget| {
        per_scenario
            .iter()
            .map(|(name, points)| (name.as_str(), limit(points, target)))
            .collect::<Vec<_>>()
    };
    let cost = CostPerTransactionChart {
        currency: shown(&c.currency),
        scenarios: per_scenario
            .iter()
            .map(|(name, points)| Series {
                label: name.clone(),
                points: line(points, &|p| p.figures.cost_per_transaction),
            })
            .collect(),
        revenue_per_transaction: Vec::new(),
        probed: false,
        references: objectives(
            &declared(SloTarget::CostPerTransaction),
            "SLO cost",
            &Unit::Money(shown(&c.currency)),
        ),
        replications: c.replications,
    };
    let latency = LatencyChart {
        scenarios: per_scenario
            .iter()
            .map(|(name, points)| LatencyLines {
                scenario: name.clone(),
                p50: line(points, &|p| p.figures.latency_p50_ms),
                p99: line(points, &|p| p.figures.latency_p99_ms),
            })
            .collect(),
        objectives: objectives(&declared(SloTarget::P99LatencyMs), "SLO p99", &Unit::Millis),
        replications: c.replications,
    };
    vec![
        NamedChart {
            file_name: "compare-cost-per-transaction.png".into(),
            chart: Chart::CostPerTransaction(cost),
        },
        NamedChart {
            file_name: "compare-latency.png".into(),
            chart: Chart::Latency(latency),
        },
    ]
}

/// The figures a sweep of `parameter` draws unless told: cost per transaction
/// always, then what the field moves: hit rate and p50 for a cache field, instances
/// for a tier's, and p99 latency.
pub fn default_figures(parameter: &str) -> Vec<SweepFigure> {
    use SweepFigure::*;
    if parameter.starts_with("cache.") {
        vec![Cost, HitRate, P50, P99]
    } else if parameter.starts_with("tiers.") {
        vec![Cost, Instances, P99]
    } else {
        vec![Cost, P99]
    }
}

/// The chart of a sweep: each figure of `figures` (or, by default, those of
/// [`default_figures`] that move, and the success rate when any point is degraded)
/// against the first swept field, one line per scale and combination of the other
/// fields' values, in the order they first appear in the grid.
pub fn sweep(s: &Outcome, figures: Option<&[SweepFigure]>) -> NamedChart {
    let parameter = s.parameters.first().map(|p| shown(p)).unwrap_or_default();
    // One row per point × scale, points in grid order.
    let rows: Vec<(&DesignOutcome, &Summary)> = s
        .designs
        .iter()
        .flat_map(|d| d.results.iter().map(move |r| (d, &r.summary)))
        .collect();
    let first = |d: &DesignOutcome| {
        d.values
            .first()
            .map(|v| shown(&v.to_string()))
            .unwrap_or_default()
    };
    let numbers: Option<Vec<f64>> = rows
        .iter()
        .map(|(d, _)| d.values.first().and_then(|v| v.as_number()))
        .collect();
    let mut categories: Vec<String> = Vec::new();
    if numbers.is_none() {
        for (d, _) in &rows {
            let value = first(d);
            if !categories.contains(&value) {
                categories.push(value);
            }
        }
    }
    let mut keys: Vec<(f64, Vec<String>)> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    // Each line's points: where along the field, and the summary there.
    let mut members: Vec<Vec<(f64, &Summary)>> = Vec::new();
    for (i, (d, point)) in rows.iter().enumerate() {
        let x = match &numbers {
            Some(xs) => xs[i],
            None => categories.iter().position(|c| *c == first(d)).unwrap_or(0) as f64,
        };
        let others: Vec<String> = d
            .values
            .iter()
            .skip(1)
            .map(|v| shown(&v.to_string()))
            .collect();
        let key = (point.scale, others.clone());
        let k = match keys.iter().position(|k| *k == key) {
            Some(k) => k,
            None => {
                keys.push(key);
                let mut label = scale(point.scale);
                for (path, value) in s.parameters.iter().skip(1).zip(&others) {
                    label.push_str(&format!(", {} = {value}", shown(path)));
                }
                labels.push(label);
                members.push(Vec::new());
                keys.len() - 1
            }
        };
        members[k].push((x, point));
    }
    // Every point is the same scenario, so an objective concerns every line: one line
    // in ink per distinct limit (more than one only when the sweep varies the SLO).
    let sweep_objectives = |target: SloTarget, what: &str, unit: &Unit| {
        let mut out: Vec<ReferenceLine> = Vec::new();
        for (_, point) in &rows {
            if let Some(value) = limit(&[*point], target)
                && !out.iter().any(|o| o.value == value)
            {
                out.push(ReferenceLine {
                    label: format!("{what} ({})", unit.label(value)),
                    value,
                    series: None,
                });
            }
        }
        out
    };
    let currency = shown(&s.currency);
    let money_unit = Unit::Money(currency.clone());
    let panel = |figure: SweepFigure| -> Option<SweepPanel> {
        let value = |p: &Summary| -> Option<Estimate> {
            let f = &p.figures;
            match figure {
                SweepFigure::Cost => Some(f.cost_per_transaction),
                SweepFigure::MonthlyCost => Some(f.monthly_cost),
                SweepFigure::P50 => Some(f.latency_p50_ms),
                SweepFigure::P99 => Some(f.latency_p99_ms),
                SweepFigure::HitRate => f.cache_hit_rate,
                SweepFigure::Instances => Some(f.peak_instances),
                SweepFigure::SuccessRate => Some(f.success_rate),
            }
        };
        let series: Vec<Series> = members
            .iter()
            .zip(&labels)
            .map(|(points, label)| Series {
                label: label.clone(),
                points: points
                    .iter()
                    .filter_map(|(x, p)| {
                        value(p).map(|e| estimate_point(*x, e).degraded(failure(p)))
                    })
                    .collect(),
            })
            .collect();
        if series.iter().all(|s| s.points.is_empty()) {
            return None;
        }
        let (title, quantity, objectives) = match figure {
            SweepFigure::Cost => (
                format!("Cost per successful transaction ({currency})"),
                Quantity::Money(currency.clone()),
                sweep_objectives(SloTarget::CostPerTransaction, "SLO cost", &money_unit),
            ),
            SweepFigure::MonthlyCost => (
                format!("Monthly running costs ({currency})"),
                Quantity::Money(currency.clone()),
                Vec::new(),
            ),
            SweepFigure::P50 => ("p50 latency".into(), Quantity::Millis, Vec::new()),
            SweepFigure::P99 => (
                "p99 latency".into(),
                Quantity::Millis,
                sweep_objectives(SloTarget::P99LatencyMs, "SLO p99", &Unit::Millis),
            ),
            SweepFigure::HitRate => ("Cache hit rate".into(), Quantity::Share, Vec::new()),
            SweepFigure::Instances => (
                "Peak instances (self-hosted tiers)".into(),
                Quantity::Count,
                Vec::new(),
            ),
            SweepFigure::SuccessRate => (
                "Share of requests served".into(),
                Quantity::Share,
                Vec::new(),
            ),
        };
        Some(SweepPanel {
            figure,
            title,
            quantity,
            series,
            objectives,
        })
    };
    let panels: Vec<SweepPanel> = match figures {
        Some(asked) => asked.iter().filter_map(|f| panel(*f)).collect(),
        None => {
            let mut chosen = default_figures(&parameter);
            if rows.iter().any(|(_, p)| p.degraded) {
                chosen.push(SweepFigure::SuccessRate);
            }
            chosen
                .into_iter()
                .filter_map(panel)
                // A figure the field does not move would be a flat line; cost stays as
                // the figure every sweep is about.
                .filter(|p| p.figure == SweepFigure::Cost || moves(p))
                .collect()
        }
    };
    NamedChart {
        file_name: format!("sweep-{}.png", slug(&parameter)),
        chart: Chart::Sweep(SweepChart {
            scenario: s
                .designs
                .first()
                .map(|d| shown(&d.scenario))
                .unwrap_or_default(),
            currency,
            other_parameters: s.parameters.iter().skip(1).map(|p| shown(p)).collect(),
            parameter,
            categories,
            labels,
            panels,
            replications: s.replications,
        }),
    }
}

/// Whether a panel's values differ anywhere (by more than rounding).
fn moves(panel: &SweepPanel) -> bool {
    let values: Vec<f64> = panel
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.y))
        .collect();
    match (
        values.iter().copied().reduce(f64::min),
        values.iter().copied().reduce(f64::max),
    ) {
        (Some(lo), Some(hi)) => hi - lo > 1e-9 * hi.abs().max(lo.abs()).max(1e-12),
        _ => false,
    }
}

/// Each scale's full result with its summary.
fn detailed(report: &DesignOutcome) -> impl Iterator<Item = (&ScaleResult, &Summary)> {
    report
        .results
        .iter()
        .filter_map(|r| r.detail.as_ref().map(|d| (d, &r.summary)))
}

/// Why a scale counts as failing, in a few words for the chart, or `None` when it is
/// healthy: too few requests served (degraded), or an objective missed.
fn failure(s: &Summary) -> Option<String> {
    if s.degraded {
        Some(format!("{} served", percent(s.figures.success_rate.mean)))
    } else if !s.meets_slo() {
        Some("misses SLO".into())
    } else {
        None
    }
}

/// A point at an estimate's mean, with its 95% interval as a band when it comes from
/// more than one run.
fn estimate_point(x: f64, e: Estimate) -> Point {
    Point {
        x,
        y: e.mean,
        band: (e.n > 1).then(|| (e.low(), e.high())),
        degraded: None,
    }
}

/// The limit an SLO sets on `target` ("p99_latency_ms", "cost_per_transaction") at the
/// first of `points` that is judged on it.
fn limit(points: &[&Summary], target: SloTarget) -> Option<f64> {
    points.iter().find_map(|p| {
        p.slo
            .as_ref()?
            .checks
            .iter()
            .find(|c| c.target == target)
            .map(|c| c.limit)
    })
}

/// One reference line per distinct objective among `declared` (each series' name and
/// its objective, if any). An objective every series shares is drawn in ink and named
/// plainly, e.g. "SLO p99 (3 s)"; one that only some declare carries their names, and
/// is drawn in the colour of its series when it belongs to just one.
fn objectives(declared: &[(&str, Option<f64>)], what: &str, unit: &Unit) -> Vec<ReferenceLine> {
    let mut out: Vec<ReferenceLine> = Vec::new();
    for (_, value) in declared {
        let Some(value) = *value else { continue };
        if out.iter().any(|r| r.value == value) {
            continue;
        }
        let owners: Vec<usize> = (0..declared.len())
            .filter(|&i| declared[i].1 == Some(value))
            .collect();
        let mut label = format!("{what} ({})", unit.label(value));
        if owners.len() < declared.len() {
            let names: Vec<&str> = owners.iter().map(|&i| declared[i].0).collect();
            label.push_str(&format!(": {}", names.join(", ")));
        }
        out.push(ReferenceLine {
            label,
            value,
            series: (owners.len() == 1 && declared.len() > 1).then(|| owners[0]),
        });
    }
    out
}

/// Monthly cost of each component at each scale of one scenario.
pub fn monthly_cost(report: &DesignOutcome) -> MonthlyCostChart {
    let components = report.component_names().iter().map(|n| shown(n)).collect();
    let bars = report
        .details()
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
        scenario: shown(&report.scenario),
        currency: shown(&report.currency),
        components,
        bars,
    }
}

/// One scale of one scenario hour by hour. Each hour is drawn at its middle.
pub fn timeline(report: &DesignOutcome, result: &ScaleResult) -> TimelineChart {
    let metrics = &result.metrics;
    let at = |hour: u32| f64::from(hour) + 0.5;
    let arrivals = metrics
        .timeline
        .iter()
        .map(|h| Point::new(at(h.hour), h.arrivals as f64))
        .collect();
    let hourly = |i: usize, figure: &dyn Fn(&crate::metrics::HourTier) -> f64| -> Vec<Point> {
        metrics
            .timeline
            .iter()
            .map(|h| Point::new(at(h.hour), figure(&h.tiers[i])))
            .collect()
    };
    let self_hosted: Vec<usize> = metrics
        .tiers
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == TierKindName::SelfHosted)
        .map(|(i, _)| i)
        .collect();
    let tier_series = |figure: &dyn Fn(&crate::metrics::HourTier) -> f64| -> Vec<Series> {
        self_hosted
            .iter()
            .map(|&i| Series {
                label: shown(&metrics.tiers[i].name),
                points: hourly(i, figure),
            })
            .collect()
    };
    // Refusals per tier and kind, only where there were any.
    let mut refused = Vec::new();
    for (i, t) in metrics.tiers.iter().enumerate() {
        if metrics.timeline.iter().any(|h| h.tiers[i].shed > 0) {
            refused.push(Series {
                label: format!("shed at {}", shown(&t.name)),
                points: hourly(i, &|h| h.shed as f64),
            });
        }
        if metrics
            .timeline
            .iter()
            .any(|h| h.tiers[i].throttled_attempts > 0)
        {
            refused.push(Series {
                label: format!("throttled attempts at {}", shown(&t.name)),
                points: hourly(i, &|h| h.throttled_attempts as f64),
            });
        }
    }
    let mut spend: Vec<Series> = metrics
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| Series {
            label: shown(&t.name),
            points: hourly(i, &|h| h.spend),
        })
        .collect();
    if result
        .economics
        .cache_spend_per_hour
        .iter()
        .any(|c| *c > 0.0)
    {
        spend.push(Series {
            label: "cache".into(),
            points: metrics
                .timeline
                .iter()
                .zip(&result.economics.cache_spend_per_hour)
                .map(|(h, c)| Point::new(at(h.hour), *c))
                .collect(),
        });
    }
    // A component that spent nothing in any hour would be an empty band and a legend
    // entry for nothing.
    spend.retain(|s| s.points.iter().any(|p| p.y > 0.0));
    let markers = metrics
        .bottleneck
        .iter()
        .map(|b| Marker {
            label: format!("{} {}", shown(&b.tier), b.reason.describe()),
            x: b.at_hours,
        })
        .collect();
    TimelineChart {
        scenario: shown(&report.scenario),
        currency: shown(&report.currency),
        scale_label: format!(
            "{} ({} users)",
            scale(metrics.scale),
            quantity(metrics.users)
        ),
        horizon_hours: metrics.timeline.iter().map(|h| h.hours).sum(),
        warmup_hours: report.warmup_hours,
        arrivals,
        refused,
        peak_instances: tier_series(&|h| f64::from(h.peak_instances)),
        mean_instances: tier_series(&|h| h.instances),
        spend,
        markers,
    }
}

fn largest_scale(report: &DesignOutcome) -> Option<&ScaleResult> {
    report
        .details()
        .max_by(|a, b| a.metrics.scale.total_cmp(&b.metrics.scale))
}

/// A name from the scenario as a chart shows it: control characters and bidirectional
/// overrides escaped, as everywhere it is printed.
fn shown(name: &str) -> String {
    text::escape(name).into_owned()
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
    fn an_objective_shared_by_every_scenario_is_one_plain_line() {
        let unit = Unit::Millis;
        let shared = objectives(&[("a", Some(3e3)), ("b", Some(3e3))], "SLO p99", &unit);
        assert_eq!(
            shared,
            [ReferenceLine {
                label: "SLO p99 (3 s)".into(),
                value: 3e3,
                series: None,
            }]
        );
        let apart = objectives(
            &[
                ("a", Some(3e3)),
                ("b", Some(2e3)),
                ("c", Some(3e3)),
                ("d", None),
            ],
            "SLO p99",
            &unit,
        );
        assert_eq!(
            apart,
            [
                ReferenceLine {
                    label: "SLO p99 (3 s): a, c".into(),
                    value: 3e3,
                    series: None,
                },
                ReferenceLine {
                    label: "SLO p99 (2 s): b".into(),
                    value: 2e3,
                    series: Some(1),
                },
            ]
        );
    }

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
