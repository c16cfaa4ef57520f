//! Charts as PNG images: finished results in, image bytes out.
//!
//! Each chart is a function from a plain input ([`input`]) to PNG bytes; [`data`]
//! builds those inputs from the reports, comparisons and sweeps. Break-even points,
//! revenue and latency objectives, and confidence bands from replications are data in
//! these inputs, never arithmetic in the drawing code.
//!
//! Text uses an embedded font and pixels are encoded in-process, so the images need
//! no system library and the same results give the same bytes on every machine.

mod axis;
mod break_even;
mod canvas;
pub mod data;
mod decision;
mod describe;
mod fit;
pub mod input;
mod lettering;
mod load;
mod monthly;
mod panel;
pub mod surface;
pub mod sweep;
mod timeline;

use anyhow::Result;
use rayon::prelude::*;

pub use break_even::render as break_even;
pub use canvas::{Drawing, HEIGHT, PlotFormat, WIDTH};
pub use data::{Chart, NamedChart};
pub use describe::Alternative;
pub use input::*;
pub use load::{cost_per_transaction, latency};
pub use monthly::render as monthly_cost;
pub use sweep::{SWEEP_HEIGHT, render as sweep, sweep_height};
pub use timeline::{TIMELINE_HEIGHT, render as timeline};

use super::{Artifact, Exporter};
use crate::outcome::Outcome;

/// The charts of an outcome, as PNG or SVG files named for a folder.
pub struct Charts {
    /// Which scale's timeline to draw (default: the largest).
    pub timeline_scale: Option<f64>,
    pub format: PlotFormat,
    /// The figures a sweep chart draws, one panel each (default: per swept field).
    pub figures: Option<Vec<SweepFigure>>,
}

impl Exporter for Charts {
    fn export(&self, outcome: &Outcome) -> Result<Vec<Artifact>> {
        let charts = data::charts(outcome, self.timeline_scale, self.figures.as_deref())?;
        charts
            .into_par_iter()
            .map(|named| {
                Ok(Artifact {
                    bytes: named.chart.draw(self.format)?.bytes,
                    file_name: Some(with_extension(&named.file_name, self.format)),
                })
            })
            .collect()
    }
}

/// The chart of `scalecost fit`: the trace's hourly requests against the fitted profile.
pub fn fit_chart(f: &crate::fit::Fit, shown: &str, svg: bool) -> Result<Vec<u8>> {
    let point = |h: usize, y: f64| Point {
        x: h as f64 + 0.5,
        y,
        band: None,
        degraded: None,
    };
    let mut summary = format!("mean {:.3} requests/s", f.rate_per_s);
    if let Some(d) = &f.diurnal {
        summary.push_str(&format!(
            ", peak-to-trough {:.2} peaking at {:.1} h (R² {:.3})",
            d.peak_to_trough, d.peak_hour, d.r_squared
        ));
    }
    summary.push_str(&format!("; {} bursts found", f.bursts.len()));
    let chart = fit::FitChart {
        trace: shown.to_string(),
        summary,
        observed: f
            .hourly
            .iter()
            .enumerate()
            .map(|(h, p)| point(h, p.0))
            .collect(),
        fitted: f
            .hourly
            .iter()
            .enumerate()
            .map(|(h, p)| point(h, p.1))
            .collect(),
    };
    let format = if svg {
        PlotFormat::Svg
    } else {
        PlotFormat::Png
    };
    Ok(fit::render(&chart, format)?.bytes)
}

/// `name.png` as `name.svg` when SVG is asked for.
fn with_extension(file_name: &str, format: PlotFormat) -> String {
    match file_name.strip_suffix(".png") {
        Some(stem) => format!("{stem}.{}", format.extension()),
        None => file_name.to_string(),
    }
}

impl Chart {
    /// Draws the chart as PNG bytes.
    pub fn render(&self) -> Result<Vec<u8>> {
        Ok(self.draw(PlotFormat::Png)?.bytes)
    }

    /// Draws the chart as a file of `format`, with the layout of its text and marks.
    pub fn draw(&self, format: PlotFormat) -> Result<Drawing> {
        match self {
            Chart::CostPerTransaction(c) => cost_per_transaction(c, format),
            Chart::Latency(c) => latency(c, format),
            Chart::MonthlyCost(c) => monthly_cost(c, format),
            Chart::Timeline(c) => timeline(c, format),
            Chart::BreakEven(c) => break_even(c, format),
            Chart::Sweep(c) => sweep(c, format),
            Chart::Crossover(c) => decision::crossover(c, format),
            Chart::Frontier(c) => decision::frontier(c, format),
            Chart::Tornado(c) => decision::tornado(c, format),
        }
    }

    /// Width and height of the image, pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Chart::Timeline(_) => (WIDTH, TIMELINE_HEIGHT),
            Chart::Sweep(c) => (WIDTH, sweep::sweep_height(c.panels.len())),
            _ => (WIDTH, HEIGHT),
        }
    }
}
