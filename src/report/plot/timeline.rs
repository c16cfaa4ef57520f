//! One scale of one scenario hour by hour: arrivals, instances per tier and spend,
//! stacked on one time axis so bursts, autoscaling lag and cost spikes line up.

use anyhow::Result;

use super::axis::{Axis, Unit, span};
use super::canvas::{
    INK, LegendEntry, Swatch, WIDTH, colour, legend, render_png, titled, y_label_width,
};
use super::input::{Point, TimelineChart};
use super::panel::{self, Line, Panel, Shade, X_LABEL_HEIGHT};

/// Height of the timeline chart, pixels: taller than the others for its three panels.
pub const TIMELINE_HEIGHT: u32 = 900;

pub fn render(chart: &TimelineChart) -> Result<Vec<u8>> {
    let x = Axis::linear(0.0, chart.horizon_days, Unit::Days);
    let arrivals_axis = Axis::from_zero(max_y(&chart.arrivals), Unit::Count, false);
    let instances_axis = Axis::from_zero(
        chart
            .instances
            .iter()
            .map(|s| max_y(&s.points))
            .fold(0.0, f64::max),
        Unit::Count,
        true,
    );
    let spend_axis = Axis::from_zero(
        max_y(&chart.spend),
        Unit::Money(chart.currency.clone()),
        false,
    );
    let entries: Vec<LegendEntry> = chart
        .instances
        .iter()
        .enumerate()
        .map(|(i, s)| LegendEntry::new(format!("{} instances", s.label), colour(i), Swatch::Line))
        .collect();
    let spend_desc = format!("Spend per hour ({})", chart.currency);

    render_png(WIDTH, TIMELINE_HEIGHT, |root| {
        let area = titled(
            root,
            &format!(
                "{} at {}: load, instances and spend over time",
                chart.scenario, chart.scale_label
            ),
            if chart.instances.is_empty() {
                "Hour by hour; every tier is a paid API, so there are no instances; spend is the simulated infrastructure; shaded: warm-up"
            } else {
                "Hour by hour; instances are the mean alive in the hour; spend is the simulated infrastructure; shaded: warm-up"
            },
        )?;
        let area = legend(&area, &entries)?;

        let mut panels: Vec<(&Axis, &str, Vec<Line>)> = vec![(
            &arrivals_axis,
            "Requests arriving per hour",
            vec![plain(&chart.arrivals)],
        )];
        if !chart.instances.is_empty() {
            let lines = chart
                .instances
                .iter()
                .enumerate()
                .map(|(i, s)| Line {
                    points: &s.points,
                    colour: colour(i),
                    dashed: false,
                    dots: false,
                })
                .collect();
            panels.push((&instances_axis, "Instances alive", lines));
        }
        panels.push((&spend_axis, &spend_desc, vec![plain(&chart.spend)]));

        // One width for every vertical axis, so the panels' time axes line up.
        let mut label_width = 0;
        for (axis, _, _) in &panels {
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
        for (i, (y, y_desc, lines)) in panels.into_iter().enumerate() {
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
                    x: &x,
                    y,
                    x_desc: "Days since the start of the run",
                    y_desc,
                    x_labels: i == last,
                    y_label_width: label_width,
                    lines,
                    references: &[],
                    markers: &chart.markers,
                    marker_labels: i == 0,
                    rings: &[],
                    note: None,
                    shade: (chart.warmup_days > 0.0).then_some(Shade {
                        from: 0.0,
                        to: chart.warmup_days,
                        label: if i == 0 { "warm-up" } else { "" },
                    }),
                },
            )?;
        }
        Ok(())
    })
}

/// A single series in the ink colour: its panel's axis already names it.
fn plain(points: &[Point]) -> Line<'_> {
    Line {
        points,
        colour: INK,
        dashed: false,
        dots: false,
    }
}

fn max_y(points: &[Point]) -> f64 {
    span(points.iter().map(|p| p.y)).map_or(0.0, |(_, hi)| hi)
}
