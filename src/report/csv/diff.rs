//! CSV of `diff`: one row per scale and figure, the same columns in every run: each
//! cost line's monthly figure (`figure` = `component_monthly`, named in `name`), then
//! `monthly_total`, `cost_per_transaction`, `latency_p99_ms` and `success_rate`.

use crate::outcome::{Change, Outcome};
use crate::report::Artifact;

const HEADER: [&str; 11] = [
    "scale",
    "users",
    "currency",
    "figure",
    "name",
    "kind",
    "status",
    "base",
    "head",
    "delta",
    "delta_fraction",
];

pub fn export(outcome: &Outcome) -> anyhow::Result<Vec<Artifact>> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    let number = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    let mut write = |s: &crate::outcome::ScaleDiff,
                     figure: &str,
                     name: &str,
                     kind: String,
                     status: String,
                     c: &Change|
     -> anyhow::Result<()> {
        writer.write_record([
            s.scale.to_string(),
            s.users.to_string(),
            outcome.currency.clone(),
            figure.to_string(),
            name.to_string(),
            kind,
            status,
            number(c.base),
            number(c.head),
            number(c.delta),
            number(c.delta_fraction),
        ])?;
        Ok(())
    };
    // Enum values as JSON spells them, so CSV and JSON agree.
    let word = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
    for s in outcome.diff.iter().flat_map(|d| &d.scales) {
        for line in &s.components {
            write(
                s,
                "component_monthly",
                &line.name,
                word(serde_json::to_value(line.kind)?),
                word(serde_json::to_value(line.status)?),
                &line.monthly,
            )?;
        }
        for (figure, c) in [
            ("monthly_total", &s.monthly_total),
            ("cost_per_transaction", &s.cost_per_transaction),
            ("latency_p99_ms", &s.latency_p99_ms),
            ("success_rate", &s.success_rate),
        ] {
            write(s, figure, "", String::new(), String::new(), c)?;
        }
    }
    Ok(vec![Artifact::main(writer.into_inner()?)])
}
