//! `scalecost prices`: the built-in price lists, laid out once as a document (terminal
//! table, markdown), or written as JSON or CSV. The figures come worked out from
//! [`crate::catalogue`]; names come from a downloaded catalogue, so every cell is
//! escaped by the drawing it goes through, as a scenario's names are.

use super::document::{Document, Grid};
use super::{Format, cell, csv, drawn, json};
use crate::catalogue::{InstanceListing, ModelListing};

/// The models' listing in `format`.
pub fn models(listing: &ModelListing, format: Format) -> anyhow::Result<Vec<u8>> {
    match format {
        Format::Json => Ok(with_newline(json::versioned(listing)?)),
        Format::Csv => csv::write(
            listing
                .models
                .iter()
                .map(|r| {
                    let mut cells = vec![
                        cell("schema_version", &json::SCHEMA_VERSION.to_string()),
                        cell("name", &r.name),
                        cell("provider", &r.provider),
                        cell("mode", &r.mode),
                    ];
                    let figures = [
                        ("input_per_1m", Some(r.input_per_1m)),
                        ("output_per_1m", Some(r.output_per_1m)),
                        ("cached_input_per_1m", r.cached_input_per_1m),
                        ("cache_write_per_1m", r.cache_write_per_1m),
                        ("batch_input_per_1m", r.batch_input_per_1m),
                        ("batch_output_per_1m", r.batch_output_per_1m),
                        ("input_per_1k", Some(r.input_per_1k)),
                        ("output_per_1k", Some(r.output_per_1k)),
                        ("cached_input_per_1k", r.cached_input_per_1k),
                        ("cache_write_per_1k", r.cache_write_per_1k),
                        ("batch_input_per_1k", r.batch_input_per_1k),
                        ("batch_output_per_1k", r.batch_output_per_1k),
                        ("context_tokens", r.context_tokens.map(|t| t as f64)),
                    ];
                    // Every row has every column, empty where the catalogue has no price.
                    cells.extend(figures.iter().map(|(k, v)| cell(k, &number(*v))));
                    cells
                })
                .collect(),
        ),
        Format::Table | Format::Markdown | Format::Html => {
            let mut doc =
                Document::new(format!("Model prices, LiteLLM {}", listing.litellm_version));
            doc.line(format!(
                "{}{} from {} (taken {}; {}); US dollars per 1M tokens, and per 1k as the scenario fields take them",
                counted(listing.models.len(), "model"),
                match listing.query.as_str() {
                    "" => String::new(),
                    q => format!(" matching \"{q}\""),
                },
                listing.source,
                listing.extracted,
                listing.licence
            ));
            let mut grid = Grid::new(
                [
                    "Model",
                    "Provider",
                    "Input /1M",
                    "Output /1M",
                    "Cached input /1M",
                    "Cache write /1M",
                    "Batch in /1M",
                    "Batch out /1M",
                    "Input /1k",
                    "Output /1k",
                    "Cached input /1k",
                ],
                2,
            );
            for r in &listing.models {
                grid.row(vec![
                    r.name.clone(),
                    r.provider.clone(),
                    number(Some(r.input_per_1m)),
                    number(Some(r.output_per_1m)),
                    dash(r.cached_input_per_1m),
                    dash(r.cache_write_per_1m),
                    dash(r.batch_input_per_1m),
                    dash(r.batch_output_per_1m),
                    number(Some(r.input_per_1k)),
                    number(Some(r.output_per_1k)),
                    dash(r.cached_input_per_1k),
                ]);
            }
            if listing.models.is_empty() {
                doc.note("no model name contains every word asked for; try one word, e.g. `scalecost prices sonnet`");
            } else {
                doc.grid(grid);
            }
            Ok(drawn(&doc, format))
        }
    }
}

/// The instances' listing in `format`.
pub fn instances(listing: &InstanceListing, format: Format) -> anyhow::Result<Vec<u8>> {
    match format {
        Format::Json => Ok(with_newline(json::versioned(listing)?)),
        Format::Csv => csv::write(
            listing
                .instances
                .iter()
                .map(|i| {
                    vec![
                        cell("schema_version", &json::SCHEMA_VERSION.to_string()),
                        cell("name", &i.name),
                        cell("provider", &i.provider),
                        cell("gpus", &i.gpus),
                        cell("region", &i.region),
                        cell("on_demand_per_hour", &number(Some(i.on_demand_per_hour))),
                        cell("committed_1y_per_hour", &number(i.committed_1y_per_hour)),
                        cell("spot_per_hour", &number(i.spot_per_hour)),
                        cell("source", &i.source),
                        cell("read_on", &i.read_on),
                        cell("note", i.note.as_deref().unwrap_or_default()),
                    ]
                })
                .collect(),
        ),
        Format::Table | Format::Markdown | Format::Html => {
            let mut doc = Document::new("GPU instance prices");
            doc.line(format!(
                "{}{}; US dollars per instance-hour; each row's source and date are in --format json or csv",
                counted(listing.instances.len(), "instance"),
                match listing.query.as_str() {
                    "" => String::new(),
                    q => format!(" matching \"{q}\""),
                }
            ));
            let mut grid = Grid::new(
                [
                    "Instance",
                    "Provider",
                    "GPUs",
                    "Region",
                    "On demand",
                    "1-year committed",
                    "Spot",
                    "Read on",
                ],
                4,
            );
            for i in &listing.instances {
                grid.row(vec![
                    i.name.clone(),
                    i.provider.clone(),
                    i.gpus.clone(),
                    i.region.clone(),
                    number(Some(i.on_demand_per_hour)),
                    dash(i.committed_1y_per_hour),
                    dash(i.spot_per_hour),
                    i.read_on.clone(),
                ]);
            }
            if listing.instances.is_empty() {
                doc.note("no instance matches every word asked for; `scalecost prices --instances` lists them all");
            } else {
                doc.grid(grid);
            }
            Ok(drawn(&doc, format))
        }
    }
}

/// JSON documents end with a line break, as the reports' do.
fn with_newline(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.push(b'\n');
    bytes
}

/// `1 model`, `29 models`.
fn counted(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// A price as a plain decimal (no exponent), empty when absent.
fn number(x: Option<f64>) -> String {
    match x {
        None => String::new(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(x) => {
            let s = format!("{x:.12}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

/// As [`number`], with `-` for a price the list does not have.
fn dash(x: Option<f64>) -> String {
    match x {
        None => "-".to_string(),
        some => number(some),
    }
}
