//! A sweep: cost per transaction (top) and p99 latency (bottom) against the first swept
//! field, one line per scale and combination of the other swept fields, on one
//! horizontal axis so a cheaper setting and what it does to latency line up.

use anyhow::Result;

use super::axis::{Axis, LOG_ABOVE_RATIO, Unit, span};
use super::canvas::{
    LegendEntry, Swatch, WIDTH, colour, legend, render_png, titled, y_label_width,
};
use super::input::{Series, SweepChart};
use super::load::{bands_note, reference_entries, values};
use super::panel::{self, Line, Panel, X_LABEL_HEIGHT};

/// Height of the sweep chart, pixels: taller than the single-panel charts for its two panels.
pub const SWEEP_HEIGHT: u32 = 900;

pub fn render(chart: &SweepChart) -> Result<Vec<u8>> {
    let all = || chart.cost.iter().chain(&chart.p99).flat_map(|s| &s.points);
    let (x, x_desc) = if chart.categories.is_empty() {
        numeric_axis(all().map(|p| p.x), &chart.parameter)
    } else {
        (
            Axis::categories(chart.categories.clone()),
            chart.parameter.clone(),
        )
    };
    let cost_axis = Axis::auto(
        values(chart.cost.iter().flat_map(|s| &s.points))
            .chain(chart.cost_objectives.iter().map(|r| r.value)),
        Unit::Money(chart.currency.clone()),
    );
    let p99_axis = Axis::auto(
        values(chart.p99.iter().flat_map(|s| &s.points))
            .chain(chart.p99_objectives.iter().map(|r| r.value)),
        Unit::Millis,
    );
    let mut entries: Vec<LegendEntry> = chart
        .cost
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let swatch = if dashed(i) {
                Swatch::Dashed
            } else {
                Swatch::Line
            };
            LegendEntry::new(&s.label, colour(i), swatch)
        })
        .collect();
    // An objective on both panels is named once.
    for entry in
        reference_entries(&chart.cost_objectives).chain(reference_entries(&chart.p99_objectives))
    {
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    }
    let cost_desc = format!("Cost per successful transaction ({})", chart.currency);
    let subtitle = format!(
        "One line per scale{}; top: cost per successful transaction, bottom: p99 latency of successful requests{}",
        if chart.other_parameters.is_empty() {
            String::new()
        } else {
            format!(" and value of {}", chart.other_parameters.join(", "))
        },
        bands_note(chart.replications),
    );

    render_png(WIDTH, SWEEP_HEIGHT, |root| {
        let area = titled(
            root,
            &format!("{}: sweeping {}", chart.scenario, chart.parameter),
            &subtitle,
        )?;
        let area = legend(&area, &entries)?;
        let panels = [
            (
                &cost_axis,
                cost_desc.as_str(),
                &chart.cost,
                &chart.cost_objectives,
            ),
            (&p99_axis, "p99 latency", &chart.p99, &chart.p99_objectives),
        ];
        // One width for both vertical axes, so the panels' horizontal axes line up.
        let mut label_width = 0;
        for (axis, ..) in &panels {
            label_width = label_width.max(y_label_width(
                &area,
                axis.ticks().iter().map(|t| axis.label(*t)),
            )?);
        }
        let (_, height) = area.dim_in_pixel();
        let (top, bottom) =
            area.split_vertically((height.saturating_sub(X_LABEL_HEIGHT) / 2) as i32);
        for (i, (here, (y, y_desc, series, references))) in
            [top, bottom].iter().zip(panels).enumerate()
        {
            panel::draw(
                here,
                &Panel {
                    x_labels: i == 1,
                    y_label_width: label_width,
                    lines: lines(series),
                    references,
                    ..Panel::new(&x, y, &x_desc, y_desc)
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

fn lines(series: &[Series]) -> Vec<Line<'_>> {
    series
        .iter()
        .enumerate()
        .map(|(i, s)| Line {
            points: &s.points,
            colour: colour(i),
            dashed: dashed(i),
            dots: true,
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
