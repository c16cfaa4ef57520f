//! Exporters: a finished [`Outcome`] in, bytes out, one module per format. They
//! format; they never compute.

pub mod csv;
pub mod document;
pub mod format;
pub mod html;
pub mod json;
pub mod markdown;
pub mod plot;
pub mod prices;
pub mod saved_diff;
pub mod table;

use crate::outcome::Outcome;

/// Output formats for standard output or `--output`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A terminal table (simulate: one column per scale).
    Table,
    /// The full results, nested, with the hourly timeline.
    Json,
    /// One row per design and scale, nested fields joined with dots.
    Csv,
    /// The table's figures as GitHub-flavoured markdown, for a pull-request comment.
    Markdown,
    /// One self-contained page for stakeholders: the answer first, then the breakdown,
    /// the charts (inline SVG), the assumptions and the warnings.
    Html,
}

/// One file an exporter produces: the main output (no name), or a named file for a
/// folder, such as a chart.
#[derive(Clone, Debug)]
pub struct Artifact {
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

impl Artifact {
    /// The main output of a command.
    pub fn main(bytes: Vec<u8>) -> Artifact {
        Artifact {
            file_name: None,
            bytes,
        }
    }
}

/// Turns an outcome into files.
pub trait Exporter {
    fn export(&self, outcome: &Outcome) -> anyhow::Result<Vec<Artifact>>;
}

/// The exporter of a format.
pub fn exporter(format: Format) -> &'static dyn Exporter {
    match format {
        Format::Table => &table::Table { width: None },
        Format::Json => &json::Json,
        Format::Csv => &csv::Csv,
        Format::Markdown => &markdown::Markdown,
        Format::Html => &html::Html,
    }
}

/// A document drawn in `format`: markdown, an HTML page, or else the terminal table
/// (for the plain listings and saved diffs, which have no charts).
fn drawn(doc: &document::Document, format: Format) -> Vec<u8> {
    match format {
        Format::Markdown => markdown::draw(doc).into_bytes(),
        Format::Html => html::document_page(doc).into_bytes(),
        _ => table::draw(doc).into_bytes(),
    }
}

/// One CSV cell under its column.
fn cell(column: &str, value: &str) -> (String, String) {
    (column.to_string(), value.to_string())
}
