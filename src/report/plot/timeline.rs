//! One scale of one scenario hour by hour: requests (arriving, shed, throttled), peak
//! and mean instances per tier, and spend stacked by component, on one time axis so
//! bursts, refusals, autoscaling lag and cost spikes line up.

use anyhow::Result;

use super::axis::{self, Axis, Unit, span};
use super::canvas::{
    self, Drawing, INK, LegendEntry, PlotFormat, Swatch, WIDTH, colour, legend, titled,
    y_label_width,
};
use super::input::{Point, TimelineChart};
use super::panel::{self, Line, Panel, Shade, X_LABEL_HEIGHT, gutter};

/// One panel of the stack: its axis, heading, lines, stacked areas and note.
type Stacked<'a> = (
    &'a Axis,
    &'a str,
    Vec<Line<'a>>,
    Vec<(&'a [Point], plotters::style::RGBColor)>,
    Option<&'a str>,
);

/// Height of the timeline chart, pixels: taller than the others for its three panels.
pub const TIMELINE_HEIGHT: u32 = 900;

pub fn render(chart: &TimelineChart, format: PlotFormat) -> Result<Drawing> {
    let x = axis::hours(chart.horizon_hours);
    let requests_axis = Axis::from_zero(max_y(&chart.arrivals), Unit::Count, false);
    // Refusals get a panel of their own: a few hundred shed beside a million arriving
    // would be a line on the floor.
    let refused_axis = Axis::from_zero(
        chart
            .refused
            .iter()
            .map(|s| max_y(&s.points))
            .fold(0.0, f64::max),
        Unit::Count,
        false,
    );
    let instances_axis = Axis::from_zero(
        chart
            .peak_instances
            .iter()
            .chain(&chart.mean_instances)
            .map(|s| max_y(&s.points))
            .fold(0.0, f64::max),
        Unit::Count,
        true,
    );
    // The stack's height is the hour's total; its largest is the axis's reach.
    let hours = chart
        .spend
        .iter()
        .map(|s| s.points.len())
        .max()
        .unwrap_or(0);
    let tallest = (0..hours)
        .map(|h| {
            chart
                .spend
                .iter()
                .filter_map(|s| s.points.get(h))
                .map(|p| p.y)
                .sum::<f64>()
        })
        .fold(0.0, f64::max);
    let spend_axis = Axis::from_zero(tallest, Unit::Money(chart.currency.clone()), false);
    let entries: Vec<LegendEntry> = chart
        .spend
        .iter()
        .enumerate()
        .map(|(i, s)| {
            LegendEntry::new(
                format!("{} spend", s.label),
                spend_colour(chart, i),
                Swatch::Box,
            )
        })
        .collect();
    let x_desc = if x.in_days() {
        "Days since the start of the run"
    } else {
        "Hours since the start of the run"
    };
    let requests_lines = vec![
        Line::of(&chart.arrivals, INK)
            .unmarked()
            .labelled("arriving"),
    ];
    let refused_lines: Vec<Line> = chart
        .refused
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Line::of(&s.points, colour(i + 1))
                .unmarked()
                .labelled(&s.label)
        })
        .collect();
    let peak_labels: Vec<String> = chart
        .peak_instances
        .iter()
        .map(|s| format!("{} peak", s.label))
        .collect();
    let mut instance_lines: Vec<Line> = Vec::new();
    for (i, s) in chart.peak_instances.iter().enumerate() {
        instance_lines.push(
            Line::of(&s.points, colour(i))
                .unmarked()
                .labelled(&peak_labels[i]),
        );
    }
    for (i, s) in chart.mean_instances.iter().enumerate() {
        instance_lines.push(Line::of(&s.points, colour(i)).unmarked().dashed().width(1));
    }
    let right = gutter(
        requests_lines
            .iter()
            .chain(&refused_lines)
            .chain(&instance_lines)
            .filter_map(|l| l.label.as_deref()),
    );
    let stack: Vec<(&[Point], _)> = chart
        .spend
        .iter()
        .enumerate()
        .map(|(i, s)| (s.points.as_slice(), spend_colour(chart, i)))
        .collect();
    let nothing_refused = chart.refused.is_empty().then_some("none shed or throttled");
    let requests_heading = "Requests per hour";
    let instances_heading = "Instances alive: most at once in the hour (solid), mean (dashed)";
    let spend_heading = format!("Spend per hour ({}), stacked by component", chart.currency);

    canvas::render(format, WIDTH, TIMELINE_HEIGHT, |root| {
        let area = titled(
            root,
            &format!(
                "{} at {}: load, instances and spend over time",
                chart.scenario, chart.scale_label
            ),
            if chart.peak_instances.is_empty() {
                "Hour by hour; every tier is a paid API, so there are no instances; spend is the simulated infrastructure; shaded: warm-up"
            } else {
                "Hour by hour; refused requests are those shed at a full queue or throttled by a rate limit; spend is the simulated infrastructure; shaded: warm-up"
            },
        )?;
        let area = legend(&area, &entries)?;

        let mut panels: Vec<Stacked> = vec![(
            &requests_axis,
            requests_heading,
            requests_lines,
            Vec::new(),
            nothing_refused,
        )];
        if !chart.refused.is_empty() {
            panels.push((
                &refused_axis,
                "Requests refused per hour",
                refused_lines,
                Vec::new(),
                None,
            ));
        }
        if !chart.peak_instances.is_empty() {
            panels.push((
                &instances_axis,
                instances_heading,
                instance_lines,
                Vec::new(),
                None,
            ));
        }
        panels.push((&spend_axis, &spend_heading, Vec::new(), stack, None));

        // One width for every vertical axis, so the panels' time axes line up.
        let mut label_width = 0;
        for (axis, ..) in &panels {
            label_width = label_width.max(y_label_width(
                &area,
                axis.ticks().iter().map(|t| axis.label(*t)),
            )?);
        }
        let (_, height) = area.dim_in_pixel();
        let count = panels.len() as u32;
        let panel_height = height.saturating_sub(X_LABEL_HEIGHT) / count;
        let mut rest = area;
        let last = panels.len() - 1;
        for (i, (y, heading, lines, stack, note)) in panels.into_iter().enumerate() {
            // The lowest panel takes what is left, with room for the time axis labels.
            let here = if i == last {
                rest.clone()
            } else {
                let (top, below) = rest.split_vertically(panel_height as i32);
                rest = below;
                top
            };
            panel::draw(
                &here,
                &Panel {
                    heading: Some(heading),
                    x_labels: i == last,
                    y_label_width: label_width,
                    gutter: right,
                    lines,
                    stack,
                    markers: &chart.markers,
                    marker_labels: i == 0,
                    note,
                    shade: (chart.warmup_hours > 0.0).then_some(Shade {
                        from: 0.0,
                        to: chart.warmup_hours,
                        label: if i == 0 { "warm-up" } else { "" },
                    }),
                    ..Panel::new(&x, y, x_desc, "")
                },
            )?;
        }
        Ok(())
    })
}

/// A spend component in its tier's colour on the instances panel; the others (API
/// tiers, the cache) in the colours after those.
fn spend_colour(chart: &TimelineChart, i: usize) -> plotters::style::RGBColor {
    let label = &chart.spend[i].label;
    if let Some(t) = chart.peak_instances.iter().position(|s| &s.label == label) {
        return colour(t);
    }
    let before = chart.spend[..i]
        .iter()
        .filter(|s| !chart.peak_instances.iter().any(|p| p.label == s.label))
        .count();
    colour(chart.peak_instances.len() + before)
}

fn max_y(points: &[Point]) -> f64 {
    span(points.iter().map(|p| p.y)).map_or(0.0, |(_, hi)| hi)
}
