//! A trace's requests hour by hour against the profile `scalecost fit` found for it:
//! where the two lines part is what the synthetic load loses.

use anyhow::Result;

use super::axis::{self, Axis, Unit, span};
use super::canvas::{self, Drawing, HEIGHT, INK, PlotFormat, WIDTH, colour, titled, y_label_width};
use super::input::Point;
use super::panel::{self, Line, Panel, gutter};

/// What the chart draws: finished figures, one point per hour of the trace.
pub struct FitChart {
    pub trace: String,
    /// What the fit found, for the subtitle, e.g. "mean 1.2/s, peak-to-trough 3.0 at 14:00".
    pub summary: String,
    pub observed: Vec<Point>,
    pub fitted: Vec<Point>,
}

pub fn render(chart: &FitChart, format: PlotFormat) -> Result<Drawing> {
    let hours = chart.observed.len().max(1) as f64;
    let x = axis::hours(hours);
    let top = span(chart.observed.iter().chain(&chart.fitted).map(|p| p.y)).map_or(1.0, |s| s.1);
    let y = Axis::from_zero(top, Unit::Count, false);
    let lines = vec![
        Line::of(&chart.observed, INK).unmarked().labelled("trace"),
        Line::of(&chart.fitted, colour(1))
            .unmarked()
            .dashed()
            .labelled("fitted"),
    ];
    let right = gutter(lines.iter().filter_map(|l| l.label.as_deref()));
    let x_desc = if x.in_days() {
        "Days since the trace's first hour"
    } else {
        "Hours since the trace's first hour"
    };
    canvas::render(format, WIDTH, HEIGHT, |root| {
        let area = titled(
            root,
            &format!(
                "{}: requests per hour, trace and fitted profile",
                chart.trace
            ),
            &chart.summary,
        )?;
        let label_width = y_label_width(&area, y.ticks().iter().map(|t| y.label(*t)))?;
        panel::draw(
            &area,
            &Panel {
                gutter: right,
                y_label_width: label_width,
                lines,
                ..Panel::new(&x, &y, x_desc, "Requests per hour")
            },
        )
    })
}
