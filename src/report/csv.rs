//! CSV: the same snake_case header for every run, one row per design × scale and one per
//! tier, cost line, SLO target, anomaly and break-even price of it.
//!
//! A column is a figure's JSON path in snake case ([`columns`]): `latency_ms_p99`,
//! `monthly_cost_mean`, `tier_utilization`. The `row` column says what a row is and
//! `name` which tier or cost line, so names are values, never parts of a column name,
//! and a figure a run lacks is an empty cell. The hourly timeline and the monthly
//! schedule are left to JSON. The decision commands give their answers instead:
//! optimize one row per scale, crossover one row per crossing, sensitivity one row per
//! assumption and scale.
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

mod columns;
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
        Ok(vec![Artifact::main(results(outcome)?)])
    }
}

/// The results of simulate, compare, sweep, plot and replications: one `scale` row per
/// design and scale, then a row per tier, cost line, SLO target, spend anomaly and
/// break-even price of that scale, all under the one fixed header of [`columns`].
fn results(outcome: &Outcome) -> anyhow::Result<Vec<u8>> {
    let mut header: Vec<String> = [
        "schema_version",
        "row",
        "scenario",
        "set",
        "currency",
        "seed",
        "scale",
        "users",
        "name",
    ]
    .map(String::from)
    .into();
    header.extend(columns::SCALE.iter().map(|p| column("", p)));
    header.extend(
        [
            "break_even_status",
            "break_even_users",
            "break_even_precision",
        ]
        .map(String::from),
    );
    let groups: [(&str, &[&str]); 5] = [
        ("tier", columns::TIER),
        ("cost_line", columns::COST_LINE),
        ("slo_check", columns::SLO_CHECK),
        ("anomaly", columns::ANOMALY),
        ("break_even_price", columns::BREAK_EVEN_PRICE),
    ];
    for (prefix, paths) in groups {
        header.extend(paths.iter().map(|p| column(prefix, p)));
    }
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(&header)?;
    let mut record = vec![String::new(); header.len()];
    // Each row's cells are placed by name: a map, not a scan of some 200 columns a cell.
    let column_of: std::collections::HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    for design in &outcome.designs {
        let set = outcome
            .parameters
            .iter()
            .zip(&design.values)
            .map(|(path, value)| format!("{path}={value}"))
            .collect::<Vec<_>>()
            .join(";");
        for result in &design.results {
            let scale = serde_json::to_value(result)?;
            let mut row = |kind: &str, name: &str, cells: &[(String, String)]| {
                record.iter_mut().for_each(String::clear);
                let identity = [
                    crate::report::json::SCHEMA_VERSION.to_string(),
                    kind.to_string(),
                    design.scenario.clone(),
                    set.clone(),
                    design.currency.clone(),
                    design.seed.to_string(),
                    // As JSON writes them, the form the scale row's own figures take.
                    Value::from(result.summary.scale).to_string(),
                    Value::from(result.summary.users).to_string(),
                    name.to_string(),
                ];
                for (slot, value) in record.iter_mut().zip(identity) {
                    *slot = value;
                }
                for (key, value) in cells {
                    // A null object (no cache, no bottleneck) flattens to its own path,
                    // which has no column: its figures' cells stay empty.
                    if let Some(&i) = column_of.get(key.as_str()) {
                        record[i].clone_from(value);
                    }
                }
                writer.write_record(record.iter().map(|c| cell(c).into_owned()))
            };
            let mut cells = Vec::new();
            leaves("", &without_lists(&scale), &mut cells);
            for (key, _) in &mut cells {
                *key = column("", key);
            }
            if let Some(warnings) = scale
                .pointer("/economics/warnings")
                .and_then(Value::as_array)
            {
                let text: Vec<&str> = warnings.iter().filter_map(Value::as_str).collect();
                cells.push(("economics_warnings".into(), text.join(" | ")));
            }
            if let Some(be) = &design.break_even {
                let status = serde_json::to_value(be.status)?;
                cells.push((
                    "break_even_status".into(),
                    status.as_str().unwrap_or_default().into(),
                ));
                cells.push((
                    "break_even_users".into(),
                    be.users.map(|u| u.to_string()).unwrap_or_default(),
                ));
                cells.push(("break_even_precision".into(), be.precision.to_string()));
            }
            row("scale", "", &cells)?;
            let lists = [
                ("tier", "/tiers", "name"),
                ("cost_line", "/economics/components", "name"),
                ("slo_check", "/summary/slo/checks", "target"),
                ("anomaly", "/economics/anomalies", "cause"),
                ("break_even_price", "/economics/break_even_prices", "field"),
            ];
            for (kind, pointer, key) in lists {
                for item in scale
                    .pointer(pointer)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let name = item.get(key).and_then(Value::as_str).unwrap_or_default();
                    let mut cells = Vec::new();
                    leaves("", item, &mut cells);
                    for (k, _) in &mut cells {
                        *k = column(kind, k);
                    }
                    row(kind, name, &cells)?;
                }
            }
        }
    }
    Ok(writer.into_inner()?)
}

/// The column of a JSON path: snake case, under `prefix_` for the rows of a list, the
/// summary's own prefixes left out.
fn column(prefix: &str, path: &str) -> String {
    let path = path
        .strip_prefix("summary.figures.")
        .or_else(|| path.strip_prefix("summary."))
        .unwrap_or(path)
        .replace('.', "_");
    if prefix.is_empty() {
        path
    } else {
        format!("{prefix}_{path}")
    }
}

/// The figures of one scale without its lists, which get rows of their own (tiers, cost
/// lines, SLO targets, anomalies, break-even prices) or stay in JSON (the hourly
/// timeline, the monthly schedule and spend).
fn without_lists(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_array())
                .map(|(k, v)| (k.clone(), without_lists(v)))
                .collect(),
        ),
        other => other.clone(),
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

/// The scalar figures of `value` by dotted path, lists left out; null is empty.
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    walk(prefix, value, false, out);
}

/// The scalar figures of `value` by dotted path, named entries of lists under their
/// names; null is empty.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    walk(prefix, value, true, out);
}

fn walk(prefix: &str, value: &Value, named_lists: bool, out: &mut Vec<(String, String)>) {
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
                walk(&join(k), v, named_lists, out);
            }
        }
        Value::Array(items) if named_lists => {
            for item in items {
                if let Some(name) = item.get("name").and_then(Value::as_str) {
                    walk(&join(name), item, named_lists, out);
                }
            }
        }
        Value::Array(_) => {}
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
