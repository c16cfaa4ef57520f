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
pub mod input;
mod load;
mod monthly;
mod panel;
mod sweep;
mod timeline;

use anyhow::Result;
use rayon::prelude::*;

pub use break_even::render as break_even;
pub use canvas::{HEIGHT, WIDTH};
pub use data::{Chart, NamedChart};
pub use input::*;
pub use load::{cost_per_transaction, latency};
pub use monthly::render as monthly_cost;
pub use sweep::{SWEEP_HEIGHT, render as sweep};
pub use timeline::{TIMELINE_HEIGHT, render as timeline};

use crate::runner::ScenarioReport;
use crate::study::{Comparison, Sweep};

/// A rendered chart and the file name it belongs under.
#[derive(Clone, Debug)]
pub struct RenderedChart {
    pub file_name: String,
    pub png: Vec<u8>,
}

impl Chart {
    /// Draws the chart as PNG bytes.
    pub fn render(&self) -> Result<Vec<u8>> {
        match self {
            Chart::CostPerTransaction(c) => cost_per_transaction(c),
            Chart::Latency(c) => latency(c),
            Chart::MonthlyCost(c) => monthly_cost(c),
            Chart::Timeline(c) => timeline(c),
            Chart::BreakEven(c) => break_even(c),
            Chart::Sweep(c) => sweep(c),
        }
    }

    /// Width and height of the image, pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Chart::Timeline(_) => (WIDTH, TIMELINE_HEIGHT),
            Chart::Sweep(_) => (WIDTH, SWEEP_HEIGHT),
            _ => (WIDTH, HEIGHT),
        }
    }
}

/// Every chart for `reports` (see [`data::charts`]), rendered in parallel and returned
/// in a fixed order.
pub fn render_all(
    reports: &[ScenarioReport],
    timeline_scale: Option<f64>,
) -> Result<Vec<RenderedChart>> {
    render_named(data::charts(reports, timeline_scale)?)
}

/// The charts of a comparison (see [`data::comparison`]), rendered in parallel.
pub fn render_comparison(comparison: &Comparison) -> Result<Vec<RenderedChart>> {
    render_named(data::comparison(comparison))
}

/// The chart of a sweep (see [`data::sweep`]).
pub fn render_sweep(sweep: &Sweep) -> Result<Vec<RenderedChart>> {
    render_named(vec![data::sweep(sweep)])
}

/// Renders charts in parallel, keeping their order.
fn render_named(charts: Vec<NamedChart>) -> Result<Vec<RenderedChart>> {
    charts
        .into_par_iter()
        .map(|named| {
            Ok(RenderedChart {
                png: named.chart.render()?,
                file_name: named.file_name,
            })
        })
        .collect()
}
