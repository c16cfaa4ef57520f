//! A sweep: one panel per figure that moves (cost per transaction, latency, hit rate,
//! instances, …) against the first swept field, one line per scale and combination of
//! the other swept fields, on one horizontal axis so a cheaper setting and what it
//! does to the rest line up.

use anyhow::Result;

use super::axis::{Axis, LOG_ABOVE_RATIO, Unit, span};
use super::canvas::{
    self, Drawing, LegendEntry, PlotFormat, Swatch, WIDTH, colour, legend, titled, y_label_width,
};
use super::input::{Quantity, Series, SweepChart};
use super::lettering::measure;
use super::load::{bands_note, degraded_note, values};
use super::panel::{self, Line, NO_GUTTER, Panel, X_LABEL_HEIGHT, gutter};

/// Height of a two-panel sweep chart, pixels; each further panel adds [`PANEL_HEIGHT`].
pub const SWEEP_HEIGHT: u32 = 900;

/// Height each panel of a sweep takes, pixels.
const PANEL_HEIGHT: u32 = 300;

/// Height of a sweep chart of `panels` panels, pixels.
pub fn sweep_height(panels: usize) -> u32 {
    SWEEP_HEIGHT - 2 * PANEL_HEIGHT + PANEL_HEIGHT * panels.max(1) as u32
}

fn unit(q: &Quantity) -> Unit {
    match q {
        Quantity::Money(c) => Unit::Money(c.clone()),
        Quantity::Millis => Unit::Millis,
        Quantity::Share => Unit::Share,
        Quantity::Count => Unit::Count,
    }
}

pub fn render(chart: &SweepChart, format: PlotFormat) -> Result<Drawing> {
    let all = || {
        chart
            .panels
            .iter()
            .flat_map(|p| &p.series)
            .flat_map(|s| &s.points)
    };
    let (x, x_desc) = if chart.categories.is_empty() {
        numeric_axis(all().map(|p| p.x), &chart.parameter)
    } else {
        (
            Axis::categories(chart.categories.clone()),
            chart.parameter.clone(),
        )
    };
    let axes: Vec<Axis> = chart
        .panels
        .iter()
        .map(|p| {
            let values = values(p.series.iter().flat_map(|s| &s.points))
                .chain(p.objectives.iter().map(|r| r.value));
            match p.quantity {
                Quantity::Money(_) | Quantity::Millis => Axis::auto(values, unit(&p.quantity)),
                // A band's lower end can dip under zero; a share or a count cannot.
                Quantity::Share => Axis::fitted(values.map(|v| v.max(0.0)), Unit::Share, false),
                Quantity::Count => Axis::fitted(values.map(|v| v.max(0.0)), Unit::Count, true),
            }
        })
        .collect();
    // Lines are named at their ends while the names fit down a panel; a legend above
    // the panels otherwise.
    let row = measure("Ag", 16.0).1 + 4;
    let end_labels = chart.labels.len() as u32 * row <= PANEL_HEIGHT - 80;
    let entries: Vec<LegendEntry> = if end_labels {
        Vec::new()
    } else {
        chart
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let swatch = if dashed(i) {
                    Swatch::Dashed
                } else {
                    Swatch::Line
                };
                LegendEntry::new(l, colour(i), swatch)
            })
            .collect()
    };
    let right = if end_labels {
        gutter(chart.labels.iter().map(String::as_str))
    } else {
        NO_GUTTER
    };
    let subtitle = format!(
        "One line per scale{}, one panel per figure, each point a simulation{}{}",
        if chart.other_parameters.is_empty() {
            String::new()
        } else {
            format!(" and value of {}", chart.other_parameters.join(", "))
        },
        degraded_note(all()),
        bands_note(chart.replications),
    );
    let height = sweep_height(chart.panels.len());

    canvas::render(format, WIDTH, height, |root| {
        let area = titled(
            root,
            &format!("{}: sweeping {}", chart.scenario, chart.parameter),
            &subtitle,
        )?;
        let area = legend(&area, &entries)?;
        // One width for every vertical axis, so the panels' horizontal axes line up.
        let mut label_width = 0;
        for axis in &axes {
            label_width = label_width.max(y_label_width(
                &area,
                axis.ticks().iter().map(|t| axis.label(*t)),
            )?);
        }
        let (_, area_height) = area.dim_in_pixel();
        let count = chart.panels.len().max(1) as u32;
        let panel_height = area_height.saturating_sub(X_LABEL_HEIGHT) / count;
        let mut rest = area;
        let last = chart.panels.len().saturating_sub(1);
        for (i, (p, y)) in chart.panels.iter().zip(&axes).enumerate() {
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
                    heading: Some(&p.title),
                    x_labels: i == last,
                    y_label_width: label_width,
                    gutter: right,
                    lines: lines(&p.series, end_labels),
                    references: &p.objectives,
                    ..Panel::new(&x, y, &x_desc, "")
                },
            )?;
        }
        Ok(())
    })
}

/// The palette has seven colours: lines beyond them are dashed, so none look alike.
fn dashed(i: usize) -> bool {
    (i / 7) % 2 == 1
}

fn lines(series: &[Series], end_labels: bool) -> Vec<Line<'_>> {
    series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let line = Line::of(&s.points, colour(i));
            let line = if dashed(i) { line.dashed() } else { line };
            if end_labels {
                line.labelled(&s.label)
            } else {
                line
            }
        })
        .collect()
}

/// A numeric field's axis: logarithmic when its values are positive and span more than
/// [`LOG_ABOVE_RATIO`] (cache sizes of 1,000 to 100,000 would otherwise crowd at the
/// left), linear otherwise, with a little room so the end points stay off the frame.
fn numeric_axis(xs: impl Iterator<Item = f64>, parameter: &str) -> (Axis, String) {
    match span(xs) {
        Some((lo, hi)) if lo > 0.0 && hi / lo > LOG_ABOVE_RATIO => (
            Axis::log(lo, hi, Unit::Count),
            format!("{parameter} (log scale)"),
        ),
        Some((lo, hi)) => {
            let room = (hi - lo) * 0.05;
            (
                Axis::linear(lo - room, hi + room, Unit::Count),
                parameter.to_string(),
            )
        }
        None => (Axis::linear(0.0, 1.0, Unit::Count), parameter.to_string()),
    }
}
