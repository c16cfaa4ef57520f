//! Reading scenario files: YAML text → raw mirror → validated [`Scenario`].
//!
//! Every problem comes back as one `file:line:column: field.path: message` line, all of
//! them at once, wrapped in [`InputError`] so `main` can exit with code 2.

pub mod business;
pub mod inputs;
pub mod locate;
pub mod names;
pub mod overrides;
pub mod plan;
mod prices;
pub mod raw;
pub mod source;
mod structure;
pub mod validate;

use std::path::Path;

use crate::error::{InputError, Problem};
use crate::model::Scenario;
use locate::{PathIndex, Position, join};
use raw::RawScenario;
pub use source::{Source, stem_of};

/// The JSON Schema (draft 2020-12) of the scenario format, pretty-printed: derived from
/// the raw types the reader deserializes into, so it cannot drift from what is read.
pub fn schema() -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(&schema_value()).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The schema [`schema`] prints; the reader's check of a failed file walks it too.
fn schema_value() -> serde_json::Value {
    let mut schema = schemars::schema_for!(RawScenario).to_value();
    if let Some(map) = schema.as_object_mut() {
        map.insert("title".into(), "scalecost scenario".into());
    }
    as_the_reader_reads(&mut schema);
    schema
}

/// A quoted number (`"12"`, `" 1e3 "`) the YAML reader reads as a number.
const NUMERIC_STRING: &str = r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$";
/// A quoted boolean the reader reads as one, in any case (`"true"`, `"False"`).
const BOOLEAN_STRING: &str = r"^\s*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])\s*$";

/// Widens the derived schema to what the YAML reader accepts beyond the JSON types: a
/// quoted number where a number goes, a quoted `true`/`false` where a boolean goes, and
/// a plain number or boolean where free text goes (`name: 2024`). Without this an
/// editor would mark lines wrong that `scalecost` reads (the fuzz tests check that
/// whatever the reader accepts, the schema accepts).
fn as_the_reader_reads(schema: &mut serde_json::Value) {
    use serde_json::{Value, json};
    match schema {
        Value::Object(map) => {
            // Children first: what is added below is not widened again.
            for child in map.values_mut() {
                as_the_reader_reads(child);
            }
            let types: Vec<String> = match map.get("type") {
                Some(Value::String(t)) => vec![t.clone()],
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            let nullable = types.iter().any(|t| t == "null");
            let with_null = |mut kinds: Vec<&str>| {
                if nullable {
                    kinds.push("null");
                }
                json!(kinds)
            };
            let free = !map.contains_key("enum") && !map.contains_key("pattern");
            if types.iter().any(|t| t == "number") {
                map.remove("format");
                map.remove("type");
                map.insert(
                    "anyOf".into(),
                    json!([{"type": with_null(vec!["number"])}, {"type": "string", "pattern": NUMERIC_STRING}]),
                );
            } else if types.iter().any(|t| t == "boolean") {
                map.remove("type");
                map.insert(
                    "anyOf".into(),
                    json!([{"type": with_null(vec!["boolean"])}, {"type": "string", "pattern": BOOLEAN_STRING}]),
                );
            } else if types.iter().any(|t| t == "string") && free {
                map.insert(
                    "type".into(),
                    with_null(vec!["string", "number", "boolean"]),
                );
            }
        }
        Value::Array(items) => items.iter_mut().for_each(as_the_reader_reads),
        _ => {}
    }
}

/// Reads and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    read(&Source::read(path)?)
}

/// Parses and validates scenario text; `shown` names the source in messages.
pub fn parse(text: &str, shown: &str, default_name: &str) -> Result<Scenario, InputError> {
    read(&Source::from_text(text, shown, default_name))
}

/// The one reader: YAML text (with any command-line changes written in) → raw mirror →
/// validated scenario, or every problem with its place in the file.
pub fn read(source: &Source) -> Result<Scenario, InputError> {
    let raw: RawScenario = serde_saphyr::from_str_with_options(source.text(), reader_options())
        .map_err(|e| reader_errors(&e, source))?;
    validate_raw(raw, source)
}

/// The reader's error and, when it is about the shape of a field rather than the
/// syntax or size of the YAML, every other field the reader would refuse further on
/// (see [`structure`]), in document order.
fn reader_errors(error: &serde_saphyr::Error, source: &Source) -> InputError {
    let first = describe_yaml_error(error, source);
    let Some(subject) = first.subject.clone().filter(|_| first.shape) else {
        return InputError::of(vec![first.problem]);
    };
    let order = |at: Option<Position>| at.map(|p| (p.line, p.column)).unwrap_or((usize::MAX, 0));
    let others: Vec<structure::Mismatch> = structure::mismatches(source.text(), &schema_value())
        .into_iter()
        // The reader's own words for the one it found.
        .filter(|m| m.subject != subject)
        .collect();
    let count = others.len() + 1;
    // Only the problems shown are placed: placing one reads the file up to it.
    let mut first = Some(first);
    let mut shown = Vec::new();
    for m in others.iter().take(MAX_SHOWN_ERRORS) {
        if let Some(f) = first.take_if(|f| order(f.at) <= order(m.at)) {
            shown.push(f.problem);
        }
        shown.push(shown_mismatch(m, source));
    }
    if let Some(f) = first {
        shown.push(f.problem);
    }
    shown.truncate(MAX_SHOWN_ERRORS);
    counted(shown, count, source)
}

/// A mismatch the walk found, shown as the reader's errors are.
fn shown_mismatch(m: &structure::Mismatch, source: &Source) -> Problem {
    let place = match m.at {
        Some(p) => source.place(p),
        None => source.shown.clone(),
    };
    let message = if m.path.is_empty() {
        format!("{place}: {}", m.message)
    } else {
        with_origin(
            format!("{place}: {}: {}", m.path, m.message),
            source,
            &m.path,
        )
    };
    Problem {
        message,
        excerpt: excerpt(source, m.at, &m.path),
    }
}

/// The first of a file's `count` problems, at most [`MAX_SHOWN_ERRORS`] of them, then
/// how many more there are and, for more than one, their count.
fn counted(mut problems: Vec<Problem>, count: usize, source: &Source) -> InputError {
    problems.truncate(MAX_SHOWN_ERRORS);
    if count > MAX_SHOWN_ERRORS {
        problems.push(Problem::plain(format!(
            "and {} more errors in {}",
            count - MAX_SHOWN_ERRORS,
            source.shown
        )));
    }
    if count > 1 {
        problems.push(Problem::plain(format!(
            "{count} errors in {}",
            source.shown
        )));
    }
    InputError::of(problems)
}

fn reader_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        // "yes"/"no"/"on" stay strings: a typo should not silently become a boolean.
        strict_booleans: true,
        with_snippet: false,
    }
}

/// Validates a raw scenario and places each issue (and each warning) in the file by its
/// field path.
fn validate_raw(raw: RawScenario, source: &Source) -> Result<Scenario, InputError> {
    let index = PathIndex::build(source.text());
    let long_names = names::check(&raw);
    let load_trace = |t: &raw::RawTrace, rules: &[crate::trace::Rule], classes: usize| {
        load_trace(source, t, rules, classes)
    };
    let validated = match validate::validate(&raw, &source.default_name, &load_trace) {
        Ok(done) if long_names.is_empty() => Ok(done),
        Ok(_) => Err(long_names),
        Err(mut issues) => {
            issues.extend(long_names);
            Err(issues)
        }
    };
    match validated {
        Ok((mut scenario, warnings)) => {
            let warnings = place(&warnings, &index, source);
            scenario.set_warnings(warnings.into_iter().map(|w| w.message).collect());
            scenario.set_inputs(inputs::of(source, &index));
            Ok(scenario)
        }
        Err(issues) => Err(counted(
            place(&issues, &index, source),
            issues.len(),
            source,
        )),
    }
}

/// Finds the trace a scenario names, relative to the scenario's folder (to the working
/// folder for standard input), and reads it once. The plan keeps its summary, digest
/// included, beside the scenario's copy: a sharded plan's fingerprint changes when
/// the trace does, and merging parts does not need the trace.
fn load_trace(
    source: &Source,
    t: &raw::RawTrace,
    rules: &[crate::trace::Rule],
    classes: usize,
) -> Result<validate::LoadedTrace, String> {
    let folder = if source.shown == source::STDIN_NAME {
        std::path::PathBuf::new()
    } else {
        Path::new(&source.shown)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    let path = folder.join(&t.file);
    let shown = path.display().to_string();
    let key = format!("trace {shown} {} {rules:?}", t.format.name());
    if let Some(Some(stored)) = source::files::stored(&key)
        && let Ok(summary) = serde_json::from_str(&stored)
    {
        return Ok(validate::LoadedTrace {
            path,
            shown,
            summary,
        });
    }
    let summary = crate::trace::scan(&path, &shown, t.format, rules, classes).map_err(|e| e.0)?;
    source::files::note(
        &key,
        &serde_json::to_string(&summary).map_err(|e| e.to_string())?,
    );
    Ok(validate::LoadedTrace {
        path,
        shown,
        summary,
    })
}

/// Most errors shown for one file; a file with more is likely not a scenario at all,
/// and the first ones are the place to start.
const MAX_SHOWN_ERRORS: usize = 20;

/// Each issue as `file:line:col: path: message` with the line it is about, in file
/// order, so the list reads top to bottom alongside the file.
fn place(issues: &[validate::Issue], index: &PathIndex, source: &Source) -> Vec<Problem> {
    let mut placed: Vec<(Option<Position>, &validate::Issue)> = issues
        .iter()
        .map(|issue| (index.find(&issue.path), issue))
        .collect();
    placed.sort_by_key(|(p, _)| p.map(|p| (p.line, p.column)).unwrap_or((usize::MAX, 0)));
    placed
        .iter()
        .map(|(place, issue)| {
            let line = match place {
                Some(p) => format!("{}: {}: {}", source.place(*p), issue.path, issue.message),
                None => format!("{}: {}: {}", source.shown, issue.path, issue.message),
            };
            Problem {
                message: with_origin(line, source, &issue.path),
                excerpt: excerpt(source, *place, &issue.path),
            }
        })
        .collect()
}

/// The line of the file a message about `path` points at; none when the command line
/// set the value, since the file does not show what was read.
fn excerpt(source: &Source, at: Option<Position>, path: &str) -> Option<crate::error::Excerpt> {
    if source.origin_of(path).is_some() {
        return None;
    }
    source.excerpt(at?)
}

/// Adds `(set by --set PATH=V)` to a message about a value the command line changed.
fn with_origin(line: String, source: &Source, path: &str) -> String {
    match source.origin_of(path) {
        Some(origin) => format!("{line} (set by {origin})"),
        None => line,
    }
}

/// A reader error as shown, and what is known of it.
struct Described {
    problem: Problem,
    /// Where it points, in the text read.
    at: Option<Position>,
    /// The field it is about (a missing field's own path), when known.
    subject: Option<String>,
    /// Whether it is about the shape of one field (a field unknown, missing or written
    /// twice, a value of the wrong kind) rather than the YAML's syntax or size, so that
    /// the rest of the document can still be read for more of the same.
    shape: bool,
}

/// Turns a reader error into `file:line:col: field.path: message` and the line it
/// points at.
///
/// The reader knows where it stopped but not which field it was reading, so the field
/// path is found from the position: errors about a key (a typo, a duplicate) point at the
/// key; errors about a value point at the value.
fn describe_yaml_error(error: &serde_saphyr::Error, source: &Source) -> Described {
    use serde_saphyr::Error as E;
    let (text, shown) = (source.text(), source.shown.as_str());
    let error = error.without_snippet();
    // Through an alias, the place worth showing is where the alias is used (the primary
    // location), and the message is the inner error's.
    let inner = match error {
        E::AliasError { error, .. } => error.without_snippet(),
        other => other,
    };
    let alone = |problem: Problem, at: Option<Position>| Described {
        problem,
        at,
        subject: None,
        shape: false,
    };
    let index = PathIndex::build(text);
    let mut at = error.location().filter(|l| l.line() > 0).map(|l| Position {
        line: l.line() as usize,
        column: l.column() as usize,
    });
    // A key past YAML's limit is read as a plain value, so the reader complains about
    // what follows (a mapping expected, a colon missing); name the cause instead.
    if let Some((key_at, chars)) = long_keys(text)
        .into_iter()
        .find(|(p, _)| at.is_none_or(|a| p.line <= a.line))
    {
        let message = format!(
            "a key of {chars} characters; YAML limits keys to {MAX_KEY_CHARS} characters, \
             so this line is not read as `key: value`; shorten the key"
        );
        let message = match index.value_at(key_at).map(|v| v.path.as_str()) {
            Some(path) if !path.is_empty() => {
                format!("{}: {path}: {message}", source.place(key_at))
            }
            _ => format!("{}: {message}", source.place(key_at)),
        };
        let problem = Problem {
            message,
            excerpt: source.excerpt(key_at),
        };
        return alone(problem, Some(key_at));
    }
    let value = at.and_then(|p| index.value_at(p));
    let found = value.map(|v| v.shown.as_str());
    // An empty value has no node of its own: the reader points at its key.
    let mut path = value
        .map(|v| v.path.as_str())
        .or_else(|| at.and_then(|p| index.key_at(p)))
        .map(str::to_string);
    let mut subject = None;
    let mut shape = true;
    let message = match inner {
        E::Eof { .. } if is_blank(text) => {
            at = None;
            shape = false;
            "the file is empty; a scenario needs at least workload, routing and tiers (`scalecost init FILE` writes one that runs)".to_string()
        }
        E::Eof { .. } => {
            shape = false;
            "the file ends in the middle of a value; look for an unclosed bracket or quote"
                .to_string()
        }
        E::SerdeUnknownField {
            field, expected, ..
        } => {
            path = match at.and_then(|p| index.key_at(p)) {
                Some(key) => Some(key.to_string()),
                None => value.map(|v| join(&v.path, field)),
            };
            format!(
                "unknown field `{field}`{}; allowed here: {}",
                did_you_mean(field, expected),
                expected.join(", ")
            )
        }
        E::DuplicateMappingKey { key, .. } => {
            path = at.and_then(|p| index.key_at(p)).map(str::to_string);
            match key {
                Some(k) => format!("`{k}` is written twice; each field may appear once"),
                None => "a key is written twice; each field may appear once".to_string(),
            }
        }
        E::SerdeMissingField { field, .. } => {
            // The reader stops at the mapping's last key (or at `{}` when it is empty);
            // point at the mapping that should hold the field instead.
            let parent = match at.and_then(|p| index.key_at(p)) {
                Some(key) => Some(key.rfind('.').map(|cut| &key[..cut]).unwrap_or("")),
                None => value.map(|v| v.path.as_str()),
            };
            subject = parent.map(|parent| join(parent, field));
            match parent {
                // A whole section is missing: no line in the file is the place for it.
                Some("") => {
                    return Described {
                        problem: Problem::plain(format!(
                            "{shown}: missing required section `{field}` at the top level"
                        )),
                        at: None,
                        subject,
                        shape,
                    };
                }
                Some(parent) => {
                    at = index.find(parent).or(at);
                    path = Some(parent.to_string());
                }
                None => {}
            }
            format!("missing required field `{field}`")
        }
        E::SerdeInvalidType { .. } => {
            // The reader may point at the key of a list or mapping written where a
            // single value goes; the value itself is what to describe.
            let written = value.or_else(|| {
                let key = at.and_then(|p| index.key_at(p))?;
                let value_at = index.find(key)?;
                let written = index.value_at(value_at)?;
                if written.shown != "an empty value" {
                    at = Some(value_at);
                }
                Some(written)
            });
            let found = written.map(|v| v.shown.as_str());
            value_message(inner, found, None).unwrap_or_default()
        }
        E::Budget { .. }
        | E::AliasReplayCounterOverflow { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => {
            shape = false;
            "the YAML is too large or nested too deeply once its aliases (*name) are expanded; scenarios are small: write the values out".to_string()
        }
        E::UnknownAnchor { .. } => {
            shape = false;
            path = path.or_else(|| {
                at.and_then(|p| index.last_before(p))
                    .map(|(_, path)| path.to_string())
            });
            "this alias (*name) refers to an anchor (&name) that is not defined earlier in the file"
                .to_string()
        }
        other => match value_message(other, found, at.and_then(|p| word_at(text, p)))
            .filter(|_| !matches!(other, E::Message { .. }))
        {
            Some(message) => message,
            None => {
                // A hand-written reader's own words (`72 has no unit`) are about a
                // field's value; anything else is about the YAML itself.
                shape = matches!(other, E::Message { .. });
                let message = other.render_with_formatter(&serde_saphyr::UserMessageFormatter);
                // The reader appends its own "at line X column Y"; we lead with file:line:col.
                let message = strip_location_suffix(&message);
                let mut message = match SYNTAX_HINTS
                    .iter()
                    .find(|(needle, _)| message.contains(needle))
                {
                    Some((_, hint)) => format!("{message}; {hint}"),
                    None => message,
                };
                // Syntax errors stop the walk early, so the last field read is known: on
                // the error's own line it is the field being written; on an earlier line
                // it only says where the trouble starts.
                if path.is_none()
                    && let Some(p) = at
                    && let Some((last, last_path)) = index.last_before(p)
                {
                    if last.line == p.line {
                        path = Some(last_path.to_string());
                    } else if !last_path.is_empty() {
                        message = format!("{message} (after {last_path})");
                    }
                }
                message
            }
        },
    };
    // Through an alias the value read is not the one written where the error points.
    if matches!(error, E::AliasError { .. }) {
        shape = false;
    }
    let place = match at {
        Some(p) => source.place(p),
        None => shown.to_string(),
    };
    let path = path.filter(|p| !p.is_empty()).unwrap_or_default();
    let message = if path.is_empty() {
        format!("{place}: {message}")
    } else {
        with_origin(format!("{place}: {path}: {message}"), source, &path)
    };
    Described {
        problem: Problem {
            message,
            excerpt: excerpt(source, at, &path),
        },
        at,
        subject: subject.or_else(|| (!path.is_empty()).then(|| path.clone())),
        shape,
    }
}

/// What a reader error about one value says, in the words of the other messages:
/// `found` is how the value is shown (`"lots"`, `a list`, `an empty value`) and `written`
/// the scalar as written, when known. None for an error that is not about a value.
fn value_message(
    error: &serde_saphyr::Error,
    found: Option<&str>,
    written: Option<&str>,
) -> Option<String> {
    use serde_saphyr::Error as E;
    let shown = found.unwrap_or("something else");
    Some(match error {
        E::InvalidScalar { ty, .. } => {
            let what = match *ty {
                "floating point" | "integer" => "a number",
                other => other,
            };
            // Read from the file, not from `found`: a long number is shown cut short.
            let overflows = written
                .and_then(|w| w.trim().parse::<f64>().ok())
                .is_some_and(|x| x.is_infinite());
            if overflows {
                format!("{shown} is too large to be read as a number")
            } else if what == "a number" {
                match shown {
                    "an empty value" => format!("the value is missing; expected {NUMBER}"),
                    "\"true\"" | "\"false\"" => {
                        format!(
                            "{} is a boolean; expected {NUMBER}",
                            shown.trim_matches('"')
                        )
                    }
                    _ => format!("{shown} is a string; expected {NUMBER}"),
                }
            } else {
                format!("{shown} is not {what}")
            }
        }
        E::NonFiniteFloat { value, .. } => format!("\"{value}\" is not a finite number"),
        E::InvalidBooleanStrict { .. } => format!("{shown} is not allowed; write true or false"),
        E::NullIntoString { .. } => "a value is missing here; write a name".to_string(),
        E::Unexpected { expected, .. } => {
            let wanted = match *expected {
                "mapping start" => {
                    "a mapping of fields (`field: value` on separate lines, or {field: value})"
                }
                "sequence start" => "a list such as [1, 10, 100]",
                _ => "a single value",
            };
            format!("expected {wanted}, found {shown}")
        }
        E::SerdeInvalidType { expected, .. } => {
            let expected = plain_expected(expected);
            match found {
                None | Some("an empty value") => {
                    format!("the value is missing; expected {expected}")
                }
                Some(shown) => format!("found {shown}; expected {expected}"),
            }
        }
        E::ExternallyTaggedEnumExpectedScalarOrMapping { .. } => {
            format!("expected a single name, found {shown}")
        }
        E::SerdeUnknownVariant {
            variant, expected, ..
        } if matches!(variant.as_str(), "" | "~" | "null") => {
            format!("the value is missing; allowed: {}", expected.join(", "))
        }
        E::SerdeUnknownVariant {
            variant, expected, ..
        } => format!(
            "\"{variant}\" is not allowed; allowed: {}",
            expected.join(", ")
        ),
        E::Message { .. } => {
            strip_location_suffix(&error.render_with_formatter(&serde_saphyr::UserMessageFormatter))
        }
        _ => return None,
    })
}

/// What a message asks for when a number is wanted.
const NUMBER: &str = "a number (e.g. 1000)";

/// The reader's name for the type it wanted (a Rust type or serde's wording), in the
/// words the rest of the messages use.
fn plain_expected(expected: &str) -> &str {
    match expected {
        "f64" | "f32" | "u64" | "u32" | "u16" | "u8" | "usize" | "i64" | "i32" | "a number"
        | "an integer" | "a float" => NUMBER,
        "a boolean" | "bool" => "true or false",
        "a sequence" | "a list" => "a list such as [1, 10, 100]",
        "a string" | "a borrowed string" | "string" => "text",
        e if e.starts_with("struct ") || e.starts_with("a map") => {
            "a mapping of fields (`field: value` on separate lines, or {field: value})"
        }
        other => other,
    }
}

/// Plain words for the YAML reader's terser syntax errors: (part of its message, hint).
const SYNTAX_HINTS: &[(&str, &str)] = &[
    (
        "recursion limit exceeded",
        "the YAML is nested too deeply; a scenario needs only a few levels",
    ),
    ("found a tab", "YAML indents with spaces, not tabs"),
    ("tabs disallowed", "YAML indents with spaces, not tabs"),
    (
        "mapping values are not allowed",
        "check the indentation, and quote a value that contains \": \"",
    ),
    (
        "simple key expected",
        "write `field: value`, with a space after the colon",
    ),
    (
        "comment intercepting",
        "a value seems to run on to the next line; check that line's indentation",
    ),
    (
        "illegal placement of ':'",
        "look for an unclosed bracket or brace before this line",
    ),
    (
        "did not find expected",
        "look for an unclosed bracket, brace or quote, or a line indented differently from its neighbours",
    ),
];

/// The plain or quoted scalar written at `p`, up to the next space, comma or bracket.
/// Longest implicit key YAML allows (YAML 1.2, section 7.4.2: 1024 Unicode characters).
const MAX_KEY_CHARS: usize = 1024;

/// Where each `key: value` line of block style has a key longer than [`MAX_KEY_CHARS`],
/// with its length in characters. Only consulted once the reader has failed, so a line
/// that merely looks like a key (inside a block scalar) cannot cause a false alarm.
fn long_keys(text: &str) -> Vec<(Position, usize)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line.trim_start_matches(' ');
        // List items, possibly nested on one line: `- - key: value`.
        while let Some(item) = rest.strip_prefix("- ") {
            rest = item.trim_start_matches(' ');
        }
        let column = line.len() - rest.len() + 1;
        let key_chars = match rest.chars().next() {
            None | Some('#') => continue,
            Some(quote @ ('"' | '\'')) => {
                let body = &rest[1..];
                let Some(end) = body.find(quote) else {
                    continue;
                };
                body[end + 1..]
                    .trim_start_matches(' ')
                    .starts_with(':')
                    .then(|| body[..end].chars().count())
            }
            Some(_) => rest
                .find(": ")
                .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))
                .map(|end| rest[..end].chars().count()),
        };
        if let Some(chars) = key_chars.filter(|&n| n > MAX_KEY_CHARS) {
            found.push((
                Position {
                    line: i + 1,
                    column,
                },
                chars,
            ));
        }
    }
    found
}

fn word_at(text: &str, p: Position) -> Option<&str> {
    let line = text.lines().nth(p.line.checked_sub(1)?)?;
    let start = line.char_indices().nth(p.column.checked_sub(1)?)?.0;
    let rest = &line[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || ",]}#".contains(c))
        .unwrap_or(rest.len());
    Some(rest[..end].trim_matches(['"', '\'']))
}

/// Whether the text holds no YAML at all: only blank lines, comments or `---`.
fn is_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---"
    })
}

/// ` (did you mean `warmup`?)` when one allowed name is a likely typo of `field`.
fn did_you_mean(field: &str, allowed: &[&str]) -> String {
    // Field names are short; a long key is no typo, and comparing it would cost memory.
    if field.len() > 64 {
        return String::new();
    }
    allowed
        .iter()
        .map(|name| (edit_distance(field, name), *name))
        .filter(|(d, name)| *d <= 2 && *d < name.len())
        .min()
        .map(|(_, name)| format!(" (did you mean `{name}`?)"))
        .unwrap_or_default()
}

/// Levenshtein distance, counting an adjacent swap ("warmpu") as one edit.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

fn strip_location_suffix(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk finds the very error the reader stops at, in the reader's words and at
    /// its place, for every kind of mistake it looks for: so a file with several shows
    /// each as it would be shown alone.
    #[test]
    fn the_walk_says_what_the_reader_says_of_each_mistake() {
        let starter = include_str!("../../scenarios/starter.yaml");
        let cases = [
            ("  warmup: 1d", "  warmpu: 1d"),
            (
                "{dist: lognormal, mean: 400, sd: 150}",
                "{dist: lognormal, maen: 400, sd: 150}",
            ),
            ("horizon: 8d ", "horizon: 5 parsecs "),
            ("horizon: 8d ", "horizon: 72 "),
            ("horizon: 8d ", "horizon: 3650000d "),
            ("horizon: 8d ", "horizon: [8d] "),
            ("horizon: 8d ", "horizon: {days: 8} "),
            ("kind: self_hosted", "kind: selfhosted"),
            ("kind: self_hosted", "kind: [self_hosted]"),
            ("users: 1000 ", "users: "),
            ("users: 1000 ", "users: lots "),
            ("users: 1000 ", "users: \"1000..5000\" "),
            ("users: 1000 ", "users: true "),
            ("users: 1000 ", "users: [1000, 2000] "),
            ("users: 1000 ", "users: 1e999 "),
            ("cacheable: false ", "cacheable: no "),
            ("cacheable: false ", "cacheable: 3 "),
            ("cacheable: false ", "cacheable: [false] "),
            ("  bursts:  ", "  bursts: 5 #"),
            ("peak_hour: 15", "peak_hour: [15]"),
            ("  routes: ", "  routes: big #"),
            (
                "    simple: small\n    complex: big\n",
                "    - simple: small\n    - complex: big\n",
            ),
            (
                "service_time: {base: 30ms, per_input_token: 0.1ms, per_output_token: 8ms}",
                "service_time: 40",
            ),
            (
                "service_time: {base: 30ms, per_input_token: 0.1ms, per_output_token: 8ms}",
                "service_time: [1]",
            ),
            ("service_time: {base", "service_time: {bsae"),
            ("latency: {dist: lognormal", "latency: {dsit: lognormal"),
            ("    kind: api", "    kind: api\n    modle: x"),
        ];
        for (from, to) in cases {
            assert!(starter.contains(from), "{from}");
            let source = Source::from_text(&starter.replacen(from, to, 1), "s.yaml", "s");
            let Err(error) =
                serde_saphyr::from_str_with_options::<RawScenario>(source.text(), reader_options())
            else {
                panic!("{to}: the reader accepts it");
            };
            let first = describe_yaml_error(&error, &source);
            assert!(first.shape, "{to}: {}", first.problem.message);
            let walked: Vec<Problem> = structure::mismatches(source.text(), &schema_value())
                .iter()
                .map(|m| shown_mismatch(m, &source))
                .collect();
            assert_eq!(walked, [first.problem], "{to}");
        }
    }

    #[test]
    fn suggests_the_field_a_typo_was_meant_to_be() {
        let allowed = ["users", "horizon", "warmup"];
        assert_eq!(
            did_you_mean("warmpu", &allowed),
            " (did you mean `warmup`?)"
        );
        assert_eq!(
            did_you_mean("horizn", &allowed),
            " (did you mean `horizon`?)"
        );
        assert_eq!(did_you_mean("colour", &allowed), "");
    }
}
