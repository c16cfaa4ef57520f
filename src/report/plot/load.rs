//! Charts against load: cost per successful transaction, and p50/p99 latency, over users.

use anyhow::Result;

use super::axis::{Axis, Unit, span};
use super::canvas::{
    HEIGHT, INK, LegendEntry, Swatch, WIDTH, colour, legend, render_png, titled, y_label_width,
};
use super::input::{CostPerTransactionChart, LatencyChart, Point, ReferenceLine};
use super::panel::{self, Line, Panel};

/// Cost per successful transaction against users (log scale), one line per scenario,
/// with any reference prices as dashed lines.
pub fn cost_per_transaction(chart: &CostPerTransactionChart) -> Result<Vec<u8>> {
    let points = || chart.scenarios.iter().flat_map(|s| &s.points);
    let x = users_axis(points());
    let y = Axis::auto(
        values(points()).chain(chart.references.iter().map(|r| r.value)),
        Unit::Money(chart.currency.clone()),
    );
    let mut entries: Vec<LegendEntry> = chart
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| LegendEntry::new(&s.label, colour(i), Swatch::Line))
        .collect();
    entries.extend(reference_entries(&chart.references));
    let lines = chart
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| Line {
            points: &s.points,
            colour: colour(i),
            dashed: false,
            dots: true,
        })
        .collect();
    let subtitle = format!(
        "One point per simulated scale; users{} on a log scale",
        if y.is_log() { " and cost" } else { "" }
    );
    draw_against_users(
        "Cost per successful transaction as load grows",
        &subtitle,
        &entries,
        &x,
        &y,
        &format!("Cost per successful transaction ({})", chart.currency),
        lines,
        &chart.references,
    )
}

/// p50 (solid) and p99 (dashed) end-to-end latency against users (log scale), one colour
/// per scenario, with any latency objectives as dashed lines.
pub fn latency(chart: &LatencyChart) -> Result<Vec<u8>> {
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
    let mut entries = Vec::new();
    let mut lines = Vec::new();
    for (i, s) in chart.scenarios.iter().enumerate() {
        entries.push(LegendEntry::new(
            format!("{} p50", s.scenario),
            colour(i),
            Swatch::Line,
        ));
        entries.push(LegendEntry::new(
            format!("{} p99", s.scenario),
            colour(i),
            Swatch::Dashed,
        ));
        lines.push(Line {
            points: &s.p50,
            colour: colour(i),
            dashed: false,
            dots: true,
        });
        lines.push(Line {
            points: &s.p99,
            colour: colour(i),
            dashed: true,
            dots: true,
        });
    }
    entries.extend(reference_entries(&chart.objectives));
    let subtitle = format!(
        "End-to-end latency of successful requests: median solid, 99th percentile dashed; users{} on a log scale",
        if y.is_log() { " and latency" } else { "" }
    );
    draw_against_users(
        "Latency as load grows",
        &subtitle,
        &entries,
        &x,
        &y,
        "Latency of successful requests",
        lines,
        &chart.objectives,
    )
}

#[allow(clippy::too_many_arguments)]
fn draw_against_users(
    title: &str,
    subtitle: &str,
    entries: &[LegendEntry],
    x: &Axis,
    y: &Axis,
    y_desc: &str,
    lines: Vec<Line>,
    references: &[ReferenceLine],
) -> Result<Vec<u8>> {
    render_png(WIDTH, HEIGHT, |root| {
        let area = titled(root, title, subtitle)?;
        let area = legend(&area, entries)?;
        let y_label_width = y_label_width(&area, y.ticks().iter().map(|t| y.label(*t)))?;
        panel::draw(
            &area,
            &Panel {
                x,
                y,
                x_desc: "Active users (log scale)",
                y_desc,
                x_labels: true,
                y_label_width,
                lines,
                references,
                markers: &[],
                marker_labels: false,
                shade: None,
            },
        )
    })
}

/// A logarithmic axis of users: scales are multipliers, so equal ratios get equal room.
fn users_axis<'a>(points: impl Iterator<Item = &'a Point>) -> Axis {
    let (min, max) = span(points.map(|p| p.x).filter(|x| *x > 0.0)).unwrap_or((1.0, 10.0));
    Axis::log(min, max, Unit::Count)
}

/// Every value a vertical axis has to show: the points and their bands.
fn values<'a>(points: impl Iterator<Item = &'a Point>) -> impl Iterator<Item = f64> {
    points.flat_map(|p| {
        let (lo, hi) = p.band.unwrap_or((p.y, p.y));
        [p.y, lo, hi]
    })
}

fn reference_entries(references: &[ReferenceLine]) -> impl Iterator<Item = LegendEntry> + '_ {
    references
        .iter()
        .map(|r| LegendEntry::new(&r.label, INK, Swatch::Reference))
}
