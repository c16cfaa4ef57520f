//! JSON: the outcome exactly as computed, pretty-printed. `simulate` gives its one
//! design as an object, as it always has; the other commands give the whole outcome.

use super::{Artifact, Exporter};
use crate::outcome::Outcome;
use crate::scenario::plan::Command;

pub struct Json;

impl Exporter for Json {
    fn export(&self, outcome: &Outcome) -> anyhow::Result<Vec<Artifact>> {
        let mut out = match (outcome.command, outcome.designs.as_slice()) {
            (Command::Simulate, [one]) => serde_json::to_vec_pretty(one)?,
            _ => serde_json::to_vec_pretty(outcome)?,
        };
        out.push(b'\n');
        Ok(vec![Artifact::main(out)])
    }
}
