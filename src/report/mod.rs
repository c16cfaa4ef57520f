//! Renderers: finished results in, bytes out. They format; they never compute.

pub mod csv;
pub mod format;
pub mod json;
pub mod plot;
pub mod study;
pub mod table;

use crate::runner::ScenarioReport;

/// Output formats of `simulate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A terminal table, one column per scale.
    Table,
    /// The full results, nested, with the hourly timeline.
    Json,
    /// One row per scale, nested fields joined with dots.
    Csv,
}

/// Renders reports in `format`.
pub fn render(reports: &[ScenarioReport], format: Format) -> anyhow::Result<Vec<u8>> {
    match format {
        Format::Table => Ok(table::render(reports).into_bytes()),
        Format::Json => json::render(reports),
        Format::Csv => csv::render(reports),
    }
}

/// Renders a comparison in `format`.
pub fn render_comparison(c: &crate::study::Comparison, format: Format) -> anyhow::Result<Vec<u8>> {
    match format {
        Format::Table => Ok(study::render_comparison(c).into_bytes()),
        Format::Json => json::render_value(c),
        Format::Csv => csv::render_comparison(c),
    }
}

/// Renders a sweep in `format`.
pub fn render_sweep(s: &crate::study::Sweep, format: Format) -> anyhow::Result<Vec<u8>> {
    match format {
        Format::Table => Ok(study::render_sweep(s).into_bytes()),
        Format::Json => json::render_value(s),
        Format::Csv => csv::render_sweep(s),
    }
}
