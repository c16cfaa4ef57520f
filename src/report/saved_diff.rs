//! `scalecost diff BASE.json NEW.json`: two saved results compared, laid out as a
//! document (terminal table, markdown, HTML page) or written as JSON or CSV. The changes come
//! worked out from [`crate::saved`]; nothing is computed here.

use super::document::{Document, Grid};
use super::format::{money, trimmed};
use super::{Format, cell, csv, drawn, json};
use crate::saved::{LineDiff, ResultDiff};

/// The comparison in `format`.
pub fn render(diff: &ResultDiff, format: Format) -> anyhow::Result<Vec<u8>> {
    match format {
        Format::Json => {
            let mut bytes = json::versioned(diff)?;
            bytes.push(b'\n');
            Ok(bytes)
        }
        Format::Csv => csv::write(
            diff.scales
                .iter()
                .flat_map(|s| {
                    s.lines.iter().map(move |l| {
                        vec![
                            cell("schema_version", &json::SCHEMA_VERSION.to_string()),
                            cell("scale", &number(Some(s.scale))),
                            cell("present_in", s.present_in),
                            cell("line", &l.line),
                            cell("measure", l.measure),
                            cell("base", &number(l.base)),
                            cell("head", &number(l.head)),
                            cell("delta", &number(l.delta)),
                            cell("delta_fraction", &number(l.delta_fraction)),
                        ]
                    })
                })
                .collect(),
        ),
        Format::Table | Format::Markdown | Format::Html => {
            let mut doc = Document::new(format!("Cost diff: {} → {}", diff.base, diff.head));
            doc.line(format!(
                "Saved results {} ({}, base) → {} ({}, head), in {}; nothing is simulated again",
                diff.base_file, diff.base, diff.head_file, diff.head, diff.currency
            ));
            for s in &diff.scales {
                doc.section(format!("Scale {}x", trimmed(s.scale, 4)));
                match s.present_in {
                    "base_only" => doc.warning(format!(
                        "scale {}x is only in {}; {} has no result at this scale",
                        trimmed(s.scale, 4),
                        diff.base_file,
                        diff.head_file
                    )),
                    "head_only" => doc.warning(format!(
                        "scale {}x is only in {}; {} has no result at this scale",
                        trimmed(s.scale, 4),
                        diff.head_file,
                        diff.base_file
                    )),
                    _ => {}
                }
                let mut grid = Grid::new(
                    [
                        "Monthly (year-1 average)",
                        "Base",
                        "Head",
                        "Change",
                        "Change %",
                    ],
                    1,
                );
                for l in &s.lines {
                    grid.row(row(l, &diff.currency));
                }
                doc.grid(grid);
            }
            Ok(drawn(&doc, format))
        }
    }
}

fn row(l: &LineDiff, currency: &str) -> Vec<String> {
    let shown = |x: Option<f64>| x.map_or("—".to_string(), |x| money(currency, x));
    let line = match l.measure {
        "monthly" if l.line == "total" => "Total monthly cost".to_string(),
        "per_transaction" => "Cost per successful transaction".to_string(),
        _ => l.line.clone(),
    };
    vec![
        line,
        shown(l.base),
        shown(l.head),
        match l.delta {
            Some(c) if c > 0.0 => format!("+{}", money(currency, c)),
            other => shown(other),
        },
        match l.delta_fraction {
            Some(f) if f == 0.0 => "0.0%".to_string(),
            Some(f) => format!("{:+.1}%", 100.0 * f),
            None => "—".to_string(),
        },
    ]
}

/// A figure in full precision (Rust's shortest round-trip form), empty when absent.
fn number(x: Option<f64>) -> String {
    x.map(|x| x.to_string()).unwrap_or_default()
}
