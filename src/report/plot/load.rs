//! Charts against load: cost per successful transaction, and p50/p99 latency, over users.

use anyhow::Result;

use super::axis::{Axis, Unit, span};
use super::canvas::{
    HEIGHT, INK, LegendEntry, Swatch, WIDTH, colour, legend, render_png, titled, y_label_width,
};
use super::input::{CostPerTransactionChart, LatencyChart, Point, ReferenceLine};
use super::panel::{self, Line, Panel};

/// Cost per successful transaction against users (log scale), one line per scenario,
/// each scenario's revenue per transaction dashed in its colour, and any reference
/// prices or objectives as dashed lines.
pub fn cost_per_transaction(chart: &CostPerTransactionChart) -> Result<Vec<u8>> {
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
    let mut entries = Vec::new();
    let mut lines = Vec::new();
    for (i, s) in chart.scenarios.iter().enumerate() {
        entries.push(LegendEntry::new(&s.label, colour(i), Swatch::Line));
        lines.push(Line {
            points: &s.points,
            colour: colour(i),
            dashed: false,
            dots: true,
        });
        let revenue = chart
            .revenue_per_transaction
            .get(i)
            .filter(|r| !r.is_empty());
        if let Some(revenue) = revenue {
            entries.push(LegendEntry::new(
                format!("{} revenue per transaction", s.label),
                colour(i),
                Swatch::DashedLine,
            ));
            lines.push(Line {
                points: revenue,
                colour: colour(i),
                dashed: true,
                dots: false,
            });
        }
    }
    entries.extend(reference_entries(&chart.references));
    let has_revenue = chart.revenue_per_transaction.iter().any(|r| !r.is_empty());
    let subtitle = format!(
        "One point per simulated scale{}; users{} on a log scale{}",
        if has_revenue {
            "; dashed: revenue per transaction"
        } else {
            ""
        },
        if y.is_log() { " and cost" } else { "" },
        bands_note(chart.replications),
    );
    draw_against_users(
        "Cost per successful transaction as load grows",
        &subtitle,
        &entries,
        with_references(
            against_users(
                &x,
                &y,
                &format!("Cost per successful transaction ({})", chart.currency),
                lines,
            ),
            &chart.references,
        ),
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
        "End-to-end latency of successful requests: median solid, 99th percentile dashed; users{} on a log scale{}",
        if y.is_log() { " and latency" } else { "" },
        bands_note(chart.replications),
    );
    draw_against_users(
        "Latency as load grows",
        &subtitle,
        &entries,
        with_references(
            against_users(&x, &y, "Latency of successful requests", lines),
            &chart.objectives,
        ),
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

/// A titled single-panel chart with its legend above the plot.
pub(super) fn draw_against_users(
    title: &str,
    subtitle: &str,
    entries: &[LegendEntry],
    mut panel: Panel,
) -> Result<Vec<u8>> {
    render_png(WIDTH, HEIGHT, |root| {
        let area = titled(root, title, subtitle)?;
        let area = legend(&area, entries)?;
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

/// Legend entries of reference lines, each in the colour it is drawn in.
pub(super) fn reference_entries(
    references: &[ReferenceLine],
) -> impl Iterator<Item = LegendEntry> + '_ {
    references
        .iter()
        .map(|r| LegendEntry::new(&r.label, r.series.map_or(INK, colour), Swatch::Reference))
}
