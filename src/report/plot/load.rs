//! Charts against load: cost per successful transaction, and p50/p99 latency, over users.

use anyhow::Result;

use super::axis::{Axis, Unit, span};
use super::canvas::{Drawing, HEIGHT, PlotFormat, WIDTH, colour, render, titled, y_label_width};
use super::input::{CostPerTransactionChart, LatencyChart, Point, ReferenceLine};
use super::panel::{self, Line, Panel, gutter};

/// Cost per successful transaction against users (log scale), one line per scenario,
/// each scenario's revenue per transaction dashed in its colour, and any reference
/// prices or objectives as dashed lines.
pub fn cost_per_transaction(
    chart: &CostPerTransactionChart,
    format: PlotFormat,
) -> Result<Drawing> {
    let points = || {
        chart
            .scenarios
            .iter()
            .flat_map(|s| &s.points)
            .chain(chart.revenue_per_transaction.iter().flatten())
    };
    let x = users_axis(points());
    let y = Axis::auto(
        values(points()).chain(chart.references.iter().map(|r| r.value)),
        Unit::Money(chart.currency.clone()),
    );
    let mut lines = Vec::new();
    for (i, s) in chart.scenarios.iter().enumerate() {
        lines.push(Line::of(&s.points, colour(i)).labelled(&s.label));
        let revenue = chart
            .revenue_per_transaction
            .get(i)
            .filter(|r| !r.is_empty());
        if let Some(revenue) = revenue {
            lines.push(
                Line::of(revenue, colour(i))
                    .dashed()
                    .unmarked()
                    .labelled(format!("{} revenue", s.label)),
            );
        }
    }
    let has_revenue = chart.revenue_per_transaction.iter().any(|r| !r.is_empty());
    let subtitle = format!(
        "One point per simulated {}, lines only between them{}{}; users{} on a log scale{}",
        if chart.probed {
            "load (the scales, and the loads the break-even search tried)"
        } else {
            "scale"
        },
        if has_revenue {
            "; dashed: revenue per transaction"
        } else {
            ""
        },
        degraded_note(chart.scenarios.iter().flat_map(|s| &s.points)),
        if y.is_log() { " and cost" } else { "" },
        bands_note(chart.replications),
    );
    draw_against_users(
        "Cost per successful transaction as load grows",
        &subtitle,
        with_references(
            against_users(
                &x,
                &y,
                &format!("Cost per successful transaction ({})", chart.currency),
                lines,
            ),
            &chart.references,
        ),
        format,
    )
}

/// p50 (solid) and p99 (dashed) end-to-end latency against users (log scale), one colour
/// per scenario, with any latency objectives as dashed lines.
pub fn latency(chart: &LatencyChart, format: PlotFormat) -> Result<Drawing> {
    let points = || {
        chart
            .scenarios
            .iter()
            .flat_map(|s| s.p50.iter().chain(&s.p99))
    };
    let x = users_axis(points());
    let y = Axis::auto(
        values(points()).chain(chart.objectives.iter().map(|r| r.value)),
        Unit::Millis,
    );
    let mut lines = Vec::new();
    for (i, s) in chart.scenarios.iter().enumerate() {
        lines.push(Line::of(&s.p50, colour(i)).labelled(format!("{} p50", s.scenario)));
        lines.push(
            Line::of(&s.p99, colour(i))
                .dashed()
                .labelled(format!("{} p99", s.scenario)),
        );
    }
    let subtitle = format!(
        "End-to-end latency of successful requests: median solid, 99th percentile dashed{}; users{} on a log scale{}",
        degraded_note(
            chart
                .scenarios
                .iter()
                .flat_map(|s| s.p50.iter().chain(&s.p99))
        ),
        if y.is_log() { " and latency" } else { "" },
        bands_note(chart.replications),
    );
    draw_against_users(
        "Latency as load grows",
        &subtitle,
        with_references(
            against_users(&x, &y, "Latency of successful requests", lines),
            &chart.objectives,
        ),
        format,
    )
}

/// A panel of lines over users; the vertical axis labels are sized when drawn.
pub(super) fn against_users<'a>(
    x: &'a Axis,
    y: &'a Axis,
    y_desc: &'a str,
    lines: Vec<Line<'a>>,
) -> Panel<'a> {
    Panel {
        lines,
        ..Panel::new(x, y, "Active users (log scale)", y_desc)
    }
}

fn with_references<'a>(panel: Panel<'a>, references: &'a [ReferenceLine]) -> Panel<'a> {
    Panel {
        references,
        ..panel
    }
}

/// A titled single-panel chart whose lines are named at their right ends.
pub(super) fn draw_against_users(
    title: &str,
    subtitle: &str,
    mut panel: Panel,
    format: PlotFormat,
) -> Result<Drawing> {
    panel.gutter = gutter(panel.lines.iter().filter_map(|l| l.label.as_deref()));
    render(format, WIDTH, HEIGHT, |root| {
        let area = titled(root, title, subtitle)?;
        let y = panel.y;
        panel.y_label_width = y_label_width(&area, y.ticks().iter().map(|t| y.label(*t)))?;
        panel::draw(&area, &panel)
    })
}

/// A logarithmic axis of users: scales are multipliers, so equal ratios get equal room.
pub(super) fn users_axis<'a>(points: impl Iterator<Item = &'a Point>) -> Axis {
    let (min, max) = span(points.map(|p| p.x).filter(|x| *x > 0.0)).unwrap_or((1.0, 10.0));
    Axis::log(min, max, Unit::Count)
}

/// Every value a vertical axis has to show: the points and their bands.
pub(super) fn values<'a>(points: impl Iterator<Item = &'a Point>) -> impl Iterator<Item = f64> {
    points.flat_map(|p| {
        let (lo, hi) = p.band.unwrap_or((p.y, p.y));
        [p.y, lo, hi]
    })
}

/// What the subtitle says about the shaded bands, when replications drew them.
pub(super) fn bands_note(replications: u32) -> String {
    if replications > 1 {
        format!("; shaded: 95% confidence interval of the mean of {replications} runs")
    } else {
        String::new()
    }
}

/// What the subtitle says about hollow points, when any point is degraded.
pub(super) fn degraded_note<'a>(mut points: impl Iterator<Item = &'a Point>) -> &'static str {
    if points.any(|p| p.degraded.is_some()) {
        "; hollow: degraded (below its SLO or under 99% served), labelled why"
    } else {
        ""
    }
}
