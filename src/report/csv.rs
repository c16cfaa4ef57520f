//! CSV: one row per design × scale, nested fields flattened to dotted columns.
//!
//! Columns come from the JSON form of the results, so CSV and JSON always agree on
//! names: `latency_ms.p99`, `tiers.light.utilization`, `summary.figures.monthly_cost.mean`.
//! Lists of named entries (tiers, cost lines) are keyed by name; the hourly timeline
//! is left to JSON.

use serde_json::Value;

use super::{Artifact, Exporter};
use crate::outcome::Outcome;

pub struct Csv;

impl Exporter for Csv {
    fn export(&self, outcome: &Outcome) -> anyhow::Result<Vec<Artifact>> {
        let mut rows = Vec::new();
        for design in &outcome.designs {
            for result in &design.results {
                let mut cells = vec![
                    ("scenario".to_string(), design.scenario.clone()),
                    ("currency".to_string(), design.currency.clone()),
                    ("seed".to_string(), design.seed.to_string()),
                ];
                for (path, value) in outcome.parameters.iter().zip(&design.values) {
                    cells.push((path.clone(), value.to_string()));
                }
                flatten("", &serde_json::to_value(result)?, &mut cells);
                // Break-even belongs to the design, not the scale: repeated on each row.
                if let Some(be) = &design.break_even {
                    let status = serde_json::to_value(be.status)?;
                    cells.push((
                        "break_even.status".into(),
                        status.as_str().unwrap_or_default().to_string(),
                    ));
                    cells.push((
                        "break_even.users".into(),
                        be.users.map(|u| u.to_string()).unwrap_or_default(),
                    ));
                    cells.push(("break_even.precision".into(), be.precision.to_string()));
                }
                rows.push(cells);
            }
        }
        Ok(vec![Artifact::main(write(rows)?)])
    }
}

/// Writes rows of (column, cell) with the union of their columns as the header, in
/// first-seen order.
fn write(rows: Vec<Vec<(String, String)>>) -> anyhow::Result<Vec<u8>> {
    let mut header: Vec<String> = Vec::new();
    for cells in &rows {
        for (k, _) in cells {
            if !header.contains(k) {
                header.push(k.clone());
            }
        }
    }
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(&header)?;
    for row in rows {
        let record: Vec<&str> = header
            .iter()
            .map(|h| {
                row.iter()
                    .find(|(k, _)| k == h)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("")
            })
            .collect();
        writer.write_record(record)?;
    }
    Ok(writer.into_inner()?)
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&join(k), v, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                if let Some(name) = item.get("name").and_then(Value::as_str) {
                    flatten(&join(name), item, out);
                }
            }
        }
        Value::Null => out.push((prefix.to_string(), String::new())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}
