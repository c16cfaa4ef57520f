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

use super::{Artifact, Exporter};
use crate::outcome::Outcome;

/// The charts of an outcome, as PNG files named for a folder.
pub struct Charts {
    /// Which scale's timeline to draw (default: the largest).
    pub timeline_scale: Option<f64>,
}

impl Exporter for Charts {
    fn export(&self, outcome: &Outcome) -> Result<Vec<Artifact>> {
        let charts = data::charts(outcome, self.timeline_scale)?;
        charts
            .into_par_iter()
            .map(|named| {
                Ok(Artifact {
                    bytes: named.chart.render()?,
                    file_name: Some(named.file_name),
                })
            })
            .collect()
    }
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
            Chart::Crossover(c) => decision::crossover(c),
            Chart::Frontier(c) => decision::frontier(c),
            Chart::Tornado(c) => decision::tornado(c),
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
