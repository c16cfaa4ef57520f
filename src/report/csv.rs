//! CSV: one row per design × scale, nested fields flattened to dotted columns.
//!
//! Columns come from the JSON form of the results, so CSV and JSON always agree on
//! names: `latency_ms.p99`, `tiers.light.utilization`, `summary.figures.monthly_cost.mean`.
//! Lists of named entries (tiers, cost lines) are keyed by name; the hourly timeline
//! is left to JSON. The decision commands give their answers instead: optimize one
//! row per scale, crossover one row per crossing, sensitivity one row per assumption
//! and scale.
//!
//! Every cell is written through [`cell`]: control characters are escaped as everywhere
//! else ([`crate::text`]), and text that a spreadsheet would run as a formula (a cell
//! starting with `=`, `+`, `-`, `@`, tab or CR, such as a scenario named
//! `=HYPERLINK(...)`) gets a leading `'`, as OWASP recommends against CSV injection.
//! Numbers, negative ones included, are left as numbers.

use std::borrow::Cow;

use serde_json::Value;

use super::{Artifact, Exporter};
use crate::outcome::{Outcome, Pick};
use crate::scenario::plan::Command;
use crate::text;

mod diff;

pub struct Csv;

impl Exporter for Csv {
    fn export(&self, outcome: &Outcome) -> anyhow::Result<Vec<Artifact>> {
        match outcome.command {
            Command::Diff => return diff::export(outcome),
            Command::Optimize => return Ok(vec![Artifact::main(write(choices(outcome)?)?)]),
            Command::Crossover => return Ok(vec![Artifact::main(write(crossings(outcome)?)?)]),
            Command::Sensitivity => {
                return Ok(vec![Artifact::main(write(assumptions(outcome))?)]);
            }
            _ => {}
        }
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

/// Optimize: per scale, the winner's values (`best.PATH`) and figures, and the
/// runner-up's.
fn choices(outcome: &Outcome) -> anyhow::Result<Vec<Vec<(String, String)>>> {
    let mut rows = Vec::new();
    for c in &outcome.choices {
        let mut cells = vec![
            ("scale".to_string(), c.scale.to_string()),
            ("users".to_string(), c.users.to_string()),
            ("currency".to_string(), outcome.currency.clone()),
        ];
        for path in &outcome.parameters {
            let value = c.best.as_ref().and_then(|b| b.get(path));
            cells.push((
                format!("best.{path}"),
                value.map(|v| v.to_string()).unwrap_or_default(),
            ));
        }
        pick_cells("chosen", c.chosen.as_ref(), &mut cells)?;
        pick_cells("runner_up", c.runner_up.as_ref(), &mut cells)?;
        cells.push(("too_close_to_call".into(), c.too_close_to_call.to_string()));
        cells.push(("simulated".into(), c.simulated.to_string()));
        cells.push(("candidates".into(), c.candidates.to_string()));
        rows.push(cells);
    }
    Ok(rows)
}

fn pick_cells(
    prefix: &str,
    pick: Option<&Pick>,
    cells: &mut Vec<(String, String)>,
) -> anyhow::Result<()> {
    let value = match pick {
        Some(p) => {
            let mut v = serde_json::to_value(p)?;
            // The values are already in `best.PATH`; the design index means nothing here.
            if let Some(map) = v.as_object_mut() {
                map.remove("values");
                map.remove("design");
            }
            v
        }
        None => serde_json::json!({"scenario": null, "cost_per_transaction": {"mean": null},
            "monthly_cost": {"mean": null}, "margin": null, "latency_p99_ms": {"mean": null}}),
    };
    flatten(prefix, &value, cells);
    Ok(())
}

/// Crossover: one row per crossing, with both designs' monthly costs there.
fn crossings(outcome: &Outcome) -> anyhow::Result<Vec<Vec<(String, String)>>> {
    let Some(x) = &outcome.crossover else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for c in &x.crossings {
        let mut cells = vec![
            ("first".to_string(), x.first.clone()),
            ("second".to_string(), x.second.clone()),
            ("currency".to_string(), outcome.currency.clone()),
        ];
        flatten("", &serde_json::to_value(c)?, &mut cells);
        rows.push(cells);
    }
    Ok(rows)
}

/// Sensitivity: one row per assumption and scale, most influential first.
fn assumptions(outcome: &Outcome) -> Vec<Vec<(String, String)>> {
    let cell = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    let mut rows = Vec::new();
    for a in &outcome.sensitivity {
        for e in &a.effects {
            let be = a.break_even_users.unwrap_or([None, None]);
            rows.push(vec![
                ("path".to_string(), a.path.clone()),
                ("written".to_string(), a.written.clone()),
                ("low".to_string(), a.moved[0].clone().unwrap_or_default()),
                ("high".to_string(), a.moved[1].clone().unwrap_or_default()),
                ("scale".to_string(), e.scale.to_string()),
                (
                    "cost_per_transaction.low".to_string(),
                    cell(e.cost_per_transaction[0]),
                ),
                (
                    "cost_per_transaction.high".to_string(),
                    cell(e.cost_per_transaction[1]),
                ),
                ("monthly_cost.low".to_string(), cell(e.monthly_cost[0])),
                ("monthly_cost.high".to_string(), cell(e.monthly_cost[1])),
                ("break_even_users.low".to_string(), cell(be[0])),
                ("break_even_users.high".to_string(), cell(be[1])),
                ("swing".to_string(), a.swing.to_string()),
            ]);
        }
    }
    rows
}

/// Writes rows of (column, cell) with the union of their columns as the header, in
/// first-seen order.
pub(super) fn write(rows: Vec<Vec<(String, String)>>) -> anyhow::Result<Vec<u8>> {
    let mut header: Vec<String> = Vec::new();
    for cells in &rows {
        for (k, _) in cells {
            if !header.contains(k) {
                header.push(k.clone());
            }
        }
    }
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(header.iter().map(|h| cell(h).into_owned()))?;
    for row in rows {
        let record: Vec<Cow<str>> = header
            .iter()
            .map(|h| {
                row.iter()
                    .find(|(k, _)| k == h)
                    .map(|(_, v)| cell(v))
                    .unwrap_or_default()
            })
            .collect();
        writer.write_record(record.iter().map(|c| c.as_bytes()))?;
    }
    Ok(writer.into_inner()?)
}

/// A cell as it is safe to write: control characters escaped, and text that starts like
/// a formula prefixed with `'` so a spreadsheet shows it instead of running it.
fn cell(value: &str) -> Cow<'_, str> {
    let escaped = text::escape(value);
    let formula_like = escaped.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula_like && !is_number(&escaped) {
        Cow::Owned(format!("'{escaped}"))
    } else {
        escaped
    }
}

/// A plain decimal number (`-3.5`, `+2`, `1e-9`): what a spreadsheet reads as a value,
/// not a formula. `inf` and `nan` parse as floats but are not written this way.
fn is_number(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && s.parse::<f64>().is_ok_and(f64::is_finite)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        assert_eq!(cell("+cmd"), "'+cmd");
        assert_eq!(cell("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-inf"), "'-inf");
        for number in ["-3.5", "+2", "-1e-9", "0", "12.25"] {
            assert_eq!(cell(number), number);
        }
        assert_eq!(cell("light"), "light");
        assert_eq!(cell("a=b"), "a=b");
    }

    #[test]
    fn control_characters_are_escaped_first() {
        assert_eq!(cell("\u{1b}[2Jx"), "\\u{1b}[2Jx");
        // A leading tab or CR is escaped into a backslash, which no spreadsheet runs.
        assert_eq!(cell("\t=1"), "\\u{9}=1");
        assert_eq!(cell("\r@x"), "\\u{d}@x");
    }
}
