//! CSV output: one row per scenario × scale, nested fields flattened to dotted columns.
//!
//! Columns come from the JSON form of the results, so CSV and JSON always agree on
//! names: `latency_ms.p99`, `tiers.light.utilization`, `economics.cost_per_transaction`.
//! Lists of named entries (tiers, cost lines) are keyed by name; the hourly timeline
//! is left to JSON.

use serde_json::Value;

use crate::runner::ScenarioReport;

pub fn render(reports: &[ScenarioReport]) -> anyhow::Result<Vec<u8>> {
    let mut rows = Vec::new();
    for report in reports {
        for result in &report.results {
            let mut cells = vec![
                ("scenario".to_string(), report.scenario.clone()),
                ("currency".to_string(), report.currency.clone()),
                ("seed".to_string(), report.seed.to_string()),
            ];
            flatten("", &serde_json::to_value(result)?, &mut cells);
            // Break-even belongs to the scenario, not the scale: repeated on each row.
            if let Some(be) = &report.break_even {
                cells.push(("break_even.status".into(), be.status.into()));
                cells.push((
                    "break_even.users".into(),
                    be.users.map(|u| u.to_string()).unwrap_or_default(),
                ));
                cells.push(("break_even.precision".into(), be.precision.to_string()));
            }
            rows.push(cells);
        }
    }
    write(rows)
}

/// A comparison: one row per scale × scenario.
pub fn render_comparison(c: &crate::study::Comparison) -> anyhow::Result<Vec<u8>> {
    let mut rows = Vec::new();
    for at in &c.scales {
        for row in &at.rows {
            let mut cells = vec![
                ("currency".to_string(), c.currency.clone()),
                ("baseline".to_string(), c.baseline.clone()),
                ("seed".to_string(), c.seed.to_string()),
            ];
            flatten("", &serde_json::to_value(row)?, &mut cells);
            rows.push(cells);
        }
    }
    write(rows)
}

/// A sweep: one row per point × scale, the swept fields first.
pub fn render_sweep(s: &crate::study::Sweep) -> anyhow::Result<Vec<u8>> {
    let mut rows = Vec::new();
    for row in &s.rows {
        let mut cells: Vec<(String, String)> = s
            .parameters
            .iter()
            .cloned()
            .zip(row.values.iter().cloned())
            .collect();
        cells.push(("currency".to_string(), s.currency.clone()));
        cells.push(("seed".to_string(), s.seed.to_string()));
        flatten("", &serde_json::to_value(&row.point)?, &mut cells);
        rows.push(cells);
    }
    write(rows)
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
