//! Every unknown field and every value of the wrong kind in a scenario, found in one
//! pass over its YAML against the scenario's JSON Schema, so a file with three typos
//! needs one run, not three.
//!
//! The reader stops at its first error. Once it has failed, this walk goes over the
//! whole document and collects what the reader would refuse further on. It takes the
//! schema `scalecost schema` prints, which is derived from the reader's own types, so
//! the fields it allows cannot drift from what is read; and it leaves each value's
//! verdict to the reader: a scalar is read alone into the type its field has, and a
//! value is only reported when that read fails. What the walk cannot judge the way the
//! reader does (aliases, merge keys, tags, block scalars, a value under an unknown
//! field) it leaves alone, so it never reports what the reader would accept.
//!
//! The walk follows the parser's events with a stack, not recursion, and descends only
//! where the schema does, so nesting or aliases in a hostile file cost it nothing more
//! than the events themselves.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

use super::locate::{Position, join, quote};
use super::raw;

/// One thing the reader would refuse, placed in the text it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Where it is; none for a section missing at the top level.
    pub at: Option<Position>,
    /// The field path the message names.
    pub path: String,
    /// The field it is about (a missing field's own path), to tell it from the same
    /// problem found by the reader.
    pub subject: String,
    pub message: String,
}

/// The schemas read by a hand-written reader in `raw.rs`, by their name in `$defs`: a
/// scalar or a list written for one of them is judged by that reader, since its
/// messages ("72 has no unit") say more than a type would.
const HAND_READ: &[&str] = &[
    "Duration",
    "Dist_double",
    "Dist_Duration",
    "ServiceTime",
    "ApiLatency",
];

/// Reads `snippet` alone as the hand-read type named `name`; the reader's error if it fails.
fn read_hand_typed(name: &str, snippet: &str) -> Option<serde_saphyr::Error> {
    match name {
        "Duration" => read_alone::<raw::Duration>(snippet),
        "Dist_double" => read_alone::<raw::RawDist<f64>>(snippet),
        "Dist_Duration" => read_alone::<raw::RawDist<raw::Duration>>(snippet),
        "ServiceTime" => read_alone::<raw::RawServiceTime>(snippet),
        "ApiLatency" => read_alone::<raw::RawApiLatency>(snippet),
        _ => None,
    }
}

fn read_alone<T: DeserializeOwned>(snippet: &str) -> Option<serde_saphyr::Error> {
    serde_saphyr::from_str_with_options::<T>(snippet, super::reader_options()).err()
}

/// One way a schema lets a value be written.
#[derive(Clone, Copy)]
enum Alternative<'s> {
    Null,
    /// Anything (an empty schema).
    Any,
    Number,
    Boolean,
    Text,
    /// One of these names.
    Name(&'s [Json]),
    /// Read by the hand-written reader of this `$defs` entry.
    HandRead(&'s str, &'s Json),
    Object(&'s Json),
    Array(&'s Json),
}

/// The ways `schema` lets a value be written, with `$ref` and `anyOf` resolved.
fn alternatives<'s>(schema: &'s Json, defs: &'s Map<String, Json>, out: &mut Vec<Alternative<'s>>) {
    let Some(map) = schema.as_object() else {
        return;
    };
    if let Some(name) = map
        .get("$ref")
        .and_then(Json::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        if let Some((name, def)) = defs.get_key_value(name) {
            if HAND_READ.contains(&name.as_str()) {
                out.push(Alternative::HandRead(name, def));
            } else {
                alternatives(def, defs, out);
            }
        }
        return;
    }
    if let Some(options) = map.get("anyOf").and_then(Json::as_array) {
        for option in options {
            alternatives(option, defs, out);
        }
        return;
    }
    let types: Vec<&str> = match map.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"null") {
        out.push(Alternative::Null);
    }
    if let Some(names) = map.get("enum").and_then(Json::as_array) {
        // An enum without a type (a distribution's name) is text the validator checks
        // against its own list, with its own message; the reader takes any text.
        out.push(if types.contains(&"string") {
            Alternative::Name(names)
        } else {
            Alternative::Text
        });
        return;
    }
    if types.contains(&"string") {
        // A patterned string beside a number or boolean is the schema's note that the
        // reader also takes one quoted; the number's own reading covers it.
        if !map.contains_key("pattern") {
            out.push(Alternative::Text);
        }
    } else if types.contains(&"number") || types.contains(&"integer") {
        out.push(Alternative::Number);
    } else if types.contains(&"boolean") {
        out.push(Alternative::Boolean);
    }
    if types.contains(&"object")
        || (types.is_empty()
            && (map.contains_key("properties") || map.contains_key("additionalProperties")))
    {
        out.push(Alternative::Object(schema));
    }
    if types.contains(&"array") {
        out.push(Alternative::Array(schema));
    }
    if types.is_empty() && map.keys().all(|k| k == "description" || k == "title") {
        out.push(Alternative::Any);
    }
}

/// What the fields of a mapping may be.
struct Fields<'s> {
    /// Named fields, in the order the schema declares them.
    named: Vec<(&'s str, &'s Json)>,
    /// The schema of any other key (a mapping of names to entries).
    others: Option<&'s Json>,
    /// Whether other keys are refused.
    closed: bool,
    /// Fields that must be written; only for a mapping with one shape, since the
    /// hand-written readers of several shapes say themselves what is missing.
    required: Vec<&'s str>,
}

fn fields<'s>(objects: &[&'s Json]) -> Fields<'s> {
    let mut f = Fields {
        named: Vec::new(),
        others: None,
        closed: !objects.is_empty(),
        required: Vec::new(),
    };
    for object in objects {
        if let Some(props) = object.get("properties").and_then(Json::as_object) {
            for (name, schema) in props {
                if !f.named.iter().any(|(n, _)| n == name) {
                    f.named.push((name.as_str(), schema));
                }
            }
        }
        match object.get("additionalProperties") {
            Some(Json::Bool(false)) => {}
            Some(schema @ Json::Object(_)) => {
                f.closed = false;
                f.others = f.others.or(Some(schema));
            }
            _ => f.closed = false,
        }
    }
    if let [only] = objects {
        f.required = only
            .get("required")
            .and_then(Json::as_array)
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
    }
    f
}

/// A mapping or list being walked.
enum Frame<'s> {
    Mapping {
        path: String,
        at: Position,
        fields: Fields<'s>,
        /// The key whose value comes next, and that value's schema.
        key: Option<(String, Option<&'s Json>)>,
        seen: Vec<String>,
        merges: bool,
    },
    Sequence {
        path: String,
        items: &'s Json,
        index: usize,
    },
}

/// The node kinds a value can be, for the checks of a scalar, mapping or list.
enum Node<'a> {
    Scalar { text: &'a str, style: ScalarStyle },
    Mapping,
    Sequence,
}

const MAPPING_WANTED: &str =
    "a mapping of fields (`field: value` on separate lines, or {field: value})";
const LIST_WANTED: &str = "a list such as [1, 10, 100]";

/// Every unknown field, value of the wrong kind and missing required field in `text`,
/// in document order, against `schema` (the JSON Schema of the scenario format).
pub fn mismatches(text: &str, schema: &Json) -> Vec<Mismatch> {
    let empty = Map::new();
    let defs = schema
        .get("$defs")
        .and_then(Json::as_object)
        .unwrap_or(&empty);
    let mut found = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root_seen = false;
    // Depth inside a collection nothing is checked in: counted, not stacked, so a
    // deeply nested value costs no memory.
    let mut skipped = 0usize;
    for item in Parser::new_from_str(text) {
        // What comes after a syntax error is not read; the reader says what it is.
        let Ok((event, span)) = item else { break };
        if skipped > 0 {
            match event {
                Event::MappingStart(..) | Event::SequenceStart(..) => skipped += 1,
                Event::MappingEnd | Event::SequenceEnd => skipped -= 1,
                _ => {}
            }
            continue;
        }
        let at = Position {
            line: span.start.line(),
            column: span.start.col() + 1,
        };
        let (node, tagged) = match &event {
            Event::Scalar(value, style, _, tag) => (
                Some(Node::Scalar {
                    text: value,
                    style: *style,
                }),
                tag.is_some(),
            ),
            Event::MappingStart(_, _, tag) => (Some(Node::Mapping), tag.is_some()),
            Event::SequenceStart(_, _, tag) => (Some(Node::Sequence), tag.is_some()),
            Event::Alias(..) => (None, false),
            Event::MappingEnd => {
                if let Some(Frame::Mapping {
                    path,
                    at,
                    fields,
                    seen,
                    merges: false,
                    ..
                }) = stack.pop()
                {
                    for field in fields.required {
                        if !seen.iter().any(|s| s == field) {
                            found.push(missing(&path, at, field));
                        }
                    }
                }
                continue;
            }
            Event::SequenceEnd => {
                stack.pop();
                continue;
            }
            _ => continue,
        };
        // A key: note it, and check it against the fields the mapping may have.
        if let Some(Frame::Mapping {
            path,
            fields,
            key,
            seen,
            merges,
            ..
        }) = stack.last_mut()
            && key.is_none()
        {
            let Some(Node::Scalar { text: name, .. }) = node else {
                *key = Some((String::new(), None));
                if node.is_some() {
                    skipped = 1;
                }
                continue;
            };
            let schema = if name == "<<" {
                *merges = true;
                None
            } else {
                match fields.named.iter().find(|(n, _)| *n == name) {
                    Some((_, schema)) => Some(*schema),
                    None if fields.closed => {
                        let f = &*fields;
                        let allowed: Vec<&str> = f.named.iter().map(|(n, _)| *n).collect();
                        let path = join(path, name);
                        found.push(Mismatch {
                            at: Some(at),
                            message: format!(
                                "unknown field `{name}`{}; allowed here: {}",
                                super::did_you_mean(name, &allowed),
                                allowed.join(", ")
                            ),
                            subject: path.clone(),
                            path,
                        });
                        None
                    }
                    None => fields.others,
                }
            };
            seen.push(name.to_string());
            *key = Some((name.to_string(), schema));
            continue;
        }
        // A value: its path and schema come from what holds it.
        let (path, schema) = match stack.last_mut() {
            None if !root_seen => {
                root_seen = true;
                (String::new(), Some(schema))
            }
            None => (String::new(), None),
            Some(Frame::Mapping { path, key, .. }) => {
                let (name, schema) = key.take().unwrap_or_default();
                (join(path, &name), schema)
            }
            Some(Frame::Sequence { path, items, index }) => {
                let p = format!("{path}[{index}]");
                *index += 1;
                (p, Some(*items))
            }
        };
        let Some(node) = node else { continue };
        let schema = schema.filter(|_| !tagged);
        let mut options = Vec::new();
        if let Some(schema) = schema {
            alternatives(schema, defs, &mut options);
        }
        let checked = schema.is_some() && !options.iter().any(|a| matches!(a, Alternative::Any));
        match node {
            Node::Scalar { text, style } => {
                if checked && let Some(message) = judge_scalar(&options, text, style) {
                    found.push(wrong(&path, at, message));
                }
            }
            Node::Mapping => {
                let mut objects = Vec::new();
                if checked {
                    for option in &options {
                        expand_objects(*option, defs, &mut objects);
                    }
                    if objects.is_empty()
                        && let Some(message) = judge_collection(&options, "{}", "a mapping")
                    {
                        found.push(wrong(&path, at, message));
                    }
                }
                if objects.is_empty() {
                    skipped = 1;
                    continue;
                }
                stack.push(Frame::Mapping {
                    fields: fields(&objects),
                    path,
                    at,
                    key: None,
                    seen: Vec::new(),
                    merges: false,
                });
            }
            Node::Sequence => {
                let mut items = None;
                if checked {
                    items = options.iter().find_map(|o| match o {
                        Alternative::Array(a) => Some(a.get("items").unwrap_or(&Json::Null)),
                        _ => None,
                    });
                    if items.is_none()
                        && let Some(message) = judge_collection(&options, "[]", "a list")
                    {
                        found.push(wrong(&path, at, message));
                    }
                }
                match items.filter(|i| !i.is_null()) {
                    Some(items) => stack.push(Frame::Sequence {
                        path,
                        items,
                        index: 0,
                    }),
                    None => skipped = 1,
                }
            }
        }
    }
    found.sort_by_key(|m| m.at.map(|p| (p.line, p.column)).unwrap_or((usize::MAX, 0)));
    found
}

/// The object shapes an alternative offers a mapping: its own, or those of the schema a
/// hand-written reader reads a mapping by.
fn expand_objects<'s>(
    option: Alternative<'s>,
    defs: &'s Map<String, Json>,
    out: &mut Vec<&'s Json>,
) {
    match option {
        Alternative::Object(o) => out.push(o),
        Alternative::HandRead(_, def) => {
            let mut inner = Vec::new();
            // The def's own alternatives, without coming back to itself.
            if let Some(options) = def.get("anyOf").and_then(Json::as_array) {
                for o in options {
                    if o.get("$ref").is_none() {
                        alternatives(o, defs, &mut inner);
                    }
                }
            }
            for o in inner {
                if let Alternative::Object(o) = o {
                    out.push(o);
                }
            }
        }
        _ => {}
    }
}

fn wrong(path: &str, at: Position, message: String) -> Mismatch {
    Mismatch {
        at: Some(at),
        path: path.to_string(),
        subject: path.to_string(),
        message,
    }
}

fn missing(path: &str, at: Position, field: &str) -> Mismatch {
    if path.is_empty() {
        return Mismatch {
            at: None,
            path: String::new(),
            subject: field.to_string(),
            message: format!("missing required section `{field}` at the top level"),
        };
    }
    Mismatch {
        at: Some(at),
        path: path.to_string(),
        subject: join(path, field),
        message: format!("missing required field `{field}`"),
    }
}

/// What is wrong with a scalar written where `options` are allowed, if anything.
fn judge_scalar(options: &[Alternative], text: &str, style: ScalarStyle) -> Option<String> {
    let plain = matches!(style, ScalarStyle::Plain);
    let nullish = plain && matches!(text, "" | "~" | "null");
    if nullish && options.iter().any(|o| matches!(o, Alternative::Null)) {
        return None;
    }
    let snippet = match style {
        ScalarStyle::Plain if text.is_empty() => "~".to_string(),
        ScalarStyle::Plain => text.to_string(),
        // A JSON string is a YAML double-quoted scalar.
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            serde_json::to_string(text).ok()?
        }
        // Block scalars read as text; whether the reader takes them elsewhere is left to it.
        _ => return None,
    };
    let found = if nullish {
        "an empty value".to_string()
    } else {
        quote(text)
    };
    let error = options.iter().find_map(|o| match o {
        Alternative::HandRead(name, _) => Some(read_hand_typed(name, &snippet)),
        _ => None,
    });
    let error = match error {
        Some(error) => error,
        None => {
            if let Some(Alternative::Name(names)) =
                options.iter().find(|o| matches!(o, Alternative::Name(_)))
            {
                if names.iter().any(|n| n.as_str() == Some(text)) {
                    return None;
                }
                let allowed: Vec<&str> = names.iter().filter_map(Json::as_str).collect();
                return Some(if matches!(text, "" | "~" | "null") {
                    format!("the value is missing; allowed: {}", allowed.join(", "))
                } else {
                    format!("\"{text}\" is not allowed; allowed: {}", allowed.join(", "))
                });
            }
            if options.iter().any(|o| matches!(o, Alternative::Text)) {
                read_alone::<String>(&snippet)
            } else if options.iter().any(|o| matches!(o, Alternative::Number)) {
                read_alone::<f64>(&snippet)
            } else if options.iter().any(|o| matches!(o, Alternative::Boolean)) {
                read_alone::<bool>(&snippet)
            } else if nullish {
                // Whether an empty value stands for an empty mapping or list is the
                // reader's to say.
                return None;
            } else if options.iter().any(|o| matches!(o, Alternative::Object(_))) {
                return Some(format!("expected {MAPPING_WANTED}, found {found}"));
            } else if options.iter().any(|o| matches!(o, Alternative::Array(_))) {
                return Some(format!("expected {LIST_WANTED}, found {found}"));
            } else {
                None
            }
        }
    }?;
    super::value_message(&error, Some(&found), Some(text))
}

/// What is wrong with a mapping or list (`shown`) written where `options` are allowed,
/// none of which is that kind of collection; `snippet` is an empty one, read in its place.
fn judge_collection(options: &[Alternative], snippet: &str, shown: &str) -> Option<String> {
    let error = options.iter().find_map(|o| match o {
        Alternative::HandRead(name, _) => read_hand_typed(name, snippet),
        Alternative::Text => read_alone::<String>(snippet),
        Alternative::Number => read_alone::<f64>(snippet),
        Alternative::Boolean => read_alone::<bool>(snippet),
        _ => None,
    });
    if let Some(error) = error {
        return super::value_message(&error, Some(shown), None);
    }
    let has = |f: fn(&Alternative) -> bool| options.iter().any(f);
    if shown == "a list" && has(|o| matches!(o, Alternative::Name(_))) {
        Some(format!("expected a single name, found {shown}"))
    } else if shown == "a list" && has(|o| matches!(o, Alternative::Object(_))) {
        Some(format!("expected {MAPPING_WANTED}, found {shown}"))
    } else if shown == "a mapping" && has(|o| matches!(o, Alternative::Array(_))) {
        Some(format!("expected {LIST_WANTED}, found {shown}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Json {
        super::super::schema_value()
    }

    #[test]
    fn every_schema_read_by_hand_is_judged_by_its_reader() {
        let schema = schema();
        for (name, def) in schema["$defs"].as_object().unwrap() {
            let is_object = def.get("properties").is_some();
            let is_enum = def.get("enum").is_some();
            assert!(
                is_object || is_enum || HAND_READ.contains(&name.as_str()),
                "{name} is read by hand; add it to HAND_READ"
            );
        }
        for name in HAND_READ {
            assert!(
                schema["$defs"].get(name).is_some(),
                "{name} is not in the schema"
            );
        }
    }

    #[test]
    fn finds_every_mismatch_in_one_pass_in_document_order() {
        let yaml = "workload:\n  users: lots\n  warmpu: 5\n  horizon: 72\ntiers:\n  a: {kind: api, latency: [1], timeout: {x: 1}}\nrouting: {routes: {}}\nnaem: x\n";
        let found = mismatches(yaml, &schema());
        let shown: Vec<String> = found
            .iter()
            .map(|m| format!("{}: {}: {}", m.at.unwrap().line, m.path, m.message))
            .collect();
        assert_eq!(
            shown,
            [
                "2: workload: missing required field `classes`",
                "2: workload.users: \"lots\" is a string; expected a number (e.g. 1000)",
                "3: workload.warmpu: unknown field `warmpu` (did you mean `warmup`?); allowed here: users, requests_per_user_per_day, horizon, warmup, diurnal, weekly, bursts, classes, keys, growth, trace",
                "4: workload.horizon: 72 has no unit; write a duration such as \"72s\" or \"72ms\"",
                "6: tiers.a.latency: found a list; expected a duration, {dist: lognormal, mean: 1.2s, sd: 0.5s}, or {ttft: 600ms, per_output_token: 10ms}",
                "6: tiers.a.timeout: found a mapping; expected a duration such as \"250ms\", \"90s\" or \"7d\"",
                "8: naem: unknown field `naem` (did you mean `name`?); allowed here: name, description, currency, seed, scales, workload, cache, routing, tiers, costs, revenue, budget, slo",
            ],
            "{found:#?}"
        );
    }
}
