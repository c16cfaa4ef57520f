//! Charts as PNG images: finished results in, image bytes out.
//!
//! Each chart is a function from a plain input ([`input`]) to PNG bytes; [`data`]
//! builds those inputs from the reports. A chart still to come — break-even, a sweep,
//! a price or latency objective, confidence bands from replications — is more data in
//! these inputs, not arithmetic in the drawing code.
//!
//! Text uses an embedded font and pixels are encoded in-process, so the images need
//! no system library and the same results give the same bytes on every machine.

mod axis;
mod canvas;
pub mod data;
pub mod input;
mod load;
mod monthly;
mod panel;
mod timeline;

use anyhow::Result;
use rayon::prelude::*;

pub use canvas::{HEIGHT, WIDTH};
pub use data::{Chart, NamedChart};
pub use input::*;
pub use load::{cost_per_transaction, latency};
pub use monthly::render as monthly_cost;
pub use timeline::{TIMELINE_HEIGHT, render as timeline};

use crate::runner::ScenarioReport;

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
        }
    }

    /// Width and height of the image, pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Chart::Timeline(_) => (WIDTH, TIMELINE_HEIGHT),
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
    data::charts(reports, timeline_scale)?
        .into_par_iter()
        .map(|named| {
            Ok(RenderedChart {
                png: named.chart.render()?,
                file_name: named.file_name,
            })
        })
        .collect()
}
