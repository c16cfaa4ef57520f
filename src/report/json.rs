//! JSON: the outcome exactly as computed, pretty-printed. `simulate` gives its one
//! design as an object, as it always has; `diff` gives its comparison of the two
//! designs, per scale and cost line; the other commands give the whole outcome.
//!
//! serde_json already escapes C0 controls (`\u001b`), quotes and backslashes; DEL, C1
//! controls and bidirectional overrides it writes raw, and JSON is often read on a
//! terminal (`simulate --format json | less -R`). Those are written as `\uXXXX` too: the
//! same string to every JSON reader, nothing a terminal acts on.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use super::{Artifact, Exporter};
use crate::outcome::{DiffResult, Outcome};
use crate::scenario::plan::Command;
use crate::text;

pub struct Json;

/// The version of the layout of every JSON document scalecost writes, first in each.
/// It goes up when a field is renamed, moved or removed, or its meaning changes; new
/// fields may appear within a version, so a reader should ignore those it does not know.
pub const SCHEMA_VERSION: u32 = 1;

/// A document with its layout version in front.
#[derive(Serialize)]
struct Versioned<'a, T: Serialize> {
    schema_version: u32,
    #[serde(flatten)]
    body: &'a T,
}

fn versioned<T: Serialize>(body: &T) -> serde_json::Result<Vec<u8>> {
    to_vec(&Versioned {
        schema_version: SCHEMA_VERSION,
        body,
    })
}

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
            (Command::Simulate, [one]) => versioned(one)?,
            (Command::Diff, _) => versioned(&DiffJson {
                command: outcome.command,
                currency: &outcome.currency,
                seed: outcome.seed,
                notes: &outcome.notes,
                diff: outcome.diff.as_ref(),
            })?,
            _ => versioned(outcome)?,
        };
        out.push(b'\n');
        Ok(vec![Artifact::main(out)])
    }
}

/// Pretty JSON with every [unsafe](text::is_unsafe) character escaped.
fn to_vec(value: &impl Serialize) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, Escaping(PrettyFormatter::new()));
    value.serialize(&mut serializer)?;
    Ok(out)
}

/// serde_json's pretty layout, with DEL, C1 and bidirectional controls escaped inside
/// strings (serde_json hands over string text between its own escapes as fragments).
struct Escaping<'a>(PrettyFormatter<'a>);

/// Forwards the layout calls PrettyFormatter makes its own to it.
macro_rules! layout {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $name<W: ?Sized + Write>(&mut self, writer: &mut W $(, $arg: $ty)*) -> io::Result<()> {
            self.0.$name(writer $(, $arg)*)
        }
    )*};
}

impl Formatter for Escaping<'_> {
    layout! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        begin_object_value();
        end_object_value();
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| text::is_unsafe(c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            // Every character escaped here is in the Basic Multilingual Plane: one \uXXXX.
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unsafe_character_is_escaped_and_reads_back_the_same() {
        let name = "a\u{1b}[2J\u{7}b\u{7f}c\u{9b}d\u{202e}e\u{2066}f\tg\"h";
        let value = serde_json::json!({ name: [name, 1.5] });
        let out = String::from_utf8(to_vec(&value).unwrap()).unwrap();
        assert!(
            !out.chars().any(|c| text::is_unsafe(c) && c != '\n'),
            "{out}"
        );
        assert!(out.contains("\\u001b[2J\\u0007b\\u007fc\\u009bd\\u202ee\\u2066f\\tg\\\"h"));
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, value);
        // The layout is serde_json's own.
        assert_eq!(out, {
            let plain = serde_json::to_string_pretty(&value).unwrap();
            let mut escaped = String::new();
            for c in plain.chars() {
                match c {
                    '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                        escaped.push_str(&format!("\\u{:04x}", c as u32))
                    }
                    c => escaped.push(c),
                }
            }
            escaped
        });
    }
}
