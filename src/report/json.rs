//! JSON: the outcome exactly as computed, pretty-printed. `simulate` gives its one
//! design as an object, as it always has; `diff` gives its comparison of the two
//! designs, per scale and cost line; the other commands give the whole outcome.

use serde::Serialize;

use super::{Artifact, Exporter};
use crate::outcome::{DiffResult, Outcome};
use crate::scenario::plan::Command;

pub struct Json;

/// What `diff` writes: the comparison without the two designs' hourly timelines, which
/// `simulate --format json` gives for each.
#[derive(Serialize)]
struct DiffJson<'a> {
    command: Command,
    currency: &'a str,
    seed: u64,
    notes: &'a [String],
    #[serde(flatten)]
    diff: Option<&'a DiffResult>,
}

impl Exporter for Json {
    fn export(&self, outcome: &Outcome) -> anyhow::Result<Vec<Artifact>> {
        let mut out = match (outcome.command, outcome.designs.as_slice()) {
            (Command::Simulate, [one]) => serde_json::to_vec_pretty(one)?,
            (Command::Diff, _) => serde_json::to_vec_pretty(&DiffJson {
                command: outcome.command,
                currency: &outcome.currency,
                seed: outcome.seed,
                notes: &outcome.notes,
                diff: outcome.diff.as_ref(),
            })?,
            _ => serde_json::to_vec_pretty(outcome)?,
        };
        out.push(b'\n');
        Ok(vec![Artifact::main(out)])
    }
}
