//! Maps field paths (`tiers.light.autoscaling.max`) to where they stand in the YAML text,
//! so semantic errors found after parsing can still point at a line and column, and maps
//! a reader error's line and column back to the field it is about.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

/// A 1-based line and column in the scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Field path → position of its value, and back.
#[derive(Debug, Default)]
pub struct PathIndex {
    positions: HashMap<String, Position>,
    /// Paths written in the file, in the order they appear.
    order: Vec<String>,
    /// Every plain scalar value and the path it is written at, in file order.
    scalars: Vec<(String, String)>,
    /// Every scalar value, quoted or not, and its path, in file order.
    values: Vec<(String, String)>,
    /// Where a key is written → the path of the field it names.
    keys_at: HashMap<Position, String>,
    /// Where a value starts → its path and how to show it; the outermost value wins
    /// when several start at the same place (a block mapping starts at its first key).
    values_at: HashMap<Position, Value>,
}

/// A value as the reader saw it, for messages about a value of the wrong shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    pub path: String,
    /// `"lots"`, `an empty value`, `a list`, `a mapping`, `an alias`.
    pub shown: String,
}

/// Longest scalar quoted back in a message; longer ones are cut.
const MAX_SHOWN_CHARS: usize = 60;

enum Frame {
    Mapping { path: String, key: Option<String> },
    Sequence { path: String, index: usize },
}

impl PathIndex {
    /// Walks the YAML events once; malformed YAML simply yields fewer entries, since the
    /// parser's own error is reported instead.
    pub fn build(text: &str) -> PathIndex {
        let mut positions = HashMap::new();
        let mut keys_at = HashMap::new();
        let mut values_at = HashMap::new();
        let mut order = Vec::new();
        let mut scalars = Vec::new();
        let mut values = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        for item in Parser::new_from_str(text) {
            let Ok((event, span)) = item else { break };
            let position = Position {
                line: span.start.line(),
                column: span.start.col() + 1,
            };
            let is_node = matches!(
                event,
                Event::Scalar(..)
                    | Event::MappingStart(..)
                    | Event::SequenceStart(..)
                    | Event::Alias(..)
            );
            if is_node {
                // A scalar in key position names the next value instead of being one.
                if let (Some(Frame::Mapping { key, path }), Event::Scalar(text, ..)) =
                    (stack.last_mut(), &event)
                    && key.is_none()
                {
                    keys_at.insert(position, join(path, text));
                    *key = Some(text.to_string());
                    continue;
                }
                let path = match stack.last_mut() {
                    None => String::new(),
                    Some(Frame::Mapping { path, key }) => {
                        let k = key.take().unwrap_or_default();
                        join(path, &k)
                    }
                    Some(Frame::Sequence { path, index }) => {
                        let p = format!("{path}[{index}]");
                        *index += 1;
                        p
                    }
                };
                if !positions.contains_key(&path) {
                    positions.insert(path.clone(), position);
                    order.push(path.clone());
                }
                if let Event::Scalar(text, ScalarStyle::Plain, ..) = &event {
                    scalars.push((path.clone(), text.to_string()));
                }
                if let Event::Scalar(text, ..) = &event {
                    values.push((path.clone(), text.to_string()));
                }
                let shown = match &event {
                    Event::Scalar(text, ScalarStyle::Plain, ..)
                        if matches!(text.as_ref(), "" | "~" | "null") =>
                    {
                        "an empty value".to_string()
                    }
                    Event::Scalar(text, ..) => quote(text),
                    Event::SequenceStart(..) => "a list".to_string(),
                    Event::MappingStart(..) => "a mapping".to_string(),
                    _ => "an alias".to_string(),
                };
                values_at.entry(position).or_insert(Value {
                    path: path.clone(),
                    shown,
                });
                match event {
                    Event::MappingStart(..) => stack.push(Frame::Mapping { path, key: None }),
                    Event::SequenceStart(..) => stack.push(Frame::Sequence { path, index: 0 }),
                    _ => {}
                }
            } else if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
                stack.pop();
            }
        }
        PathIndex {
            positions,
            order,
            scalars,
            values,
            keys_at,
            values_at,
        }
    }

    /// Position of `path`, or of its nearest ancestor that is written in the file
    /// (a missing field points at the mapping that should hold it).
    pub fn find(&self, path: &str) -> Option<Position> {
        let mut candidate = path;
        loop {
            if let Some(p) = self.positions.get(candidate) {
                return Some(*p);
            }
            let cut = candidate.rfind(['.', '['])?;
            candidate = &candidate[..cut];
        }
    }

    /// Every plain scalar the file writes, with its path, in file order.
    pub fn scalars(&self) -> Vec<(String, String)> {
        self.scalars.clone()
    }

    /// Every scalar the file writes, quoted or plain, with its path, in file order.
    pub fn values(&self) -> &[(String, String)] {
        &self.values
    }

    /// Whether a value is written at exactly `path`.
    pub fn has(&self, path: &str) -> bool {
        self.positions.contains_key(path)
    }

    /// The fields (or items, as `[0]`, `[1]`) written directly inside `path`.
    pub fn children(&self, path: &str) -> Vec<String> {
        let direct = |rest: &str| !rest.is_empty() && !rest.contains(['.', '[']);
        self.order
            .iter()
            .filter_map(|p| {
                if path.is_empty() {
                    return direct(p).then(|| p.clone());
                }
                let rest = p.strip_prefix(path)?;
                if let Some(key) = rest.strip_prefix('.') {
                    direct(key).then(|| key.to_string())
                } else {
                    let item = rest.strip_prefix('[')?.strip_suffix(']')?;
                    item.bytes()
                        .all(|b| b.is_ascii_digit())
                        .then(|| rest.to_string())
                }
            })
            .collect()
    }

    /// The field whose key is written at `position` (`workload.warmpu` for a typo).
    pub fn key_at(&self, position: Position) -> Option<&str> {
        self.keys_at.get(&position).map(String::as_str)
    }

    /// The value that starts at `position`.
    pub fn value_at(&self, position: Position) -> Option<&Value> {
        self.values_at.get(&position)
    }

    /// The last key or value written before `position`, and its path: for a syntax
    /// error, where the reader had got to.
    pub fn last_before(&self, position: Position) -> Option<(Position, &str)> {
        let keys = self.keys_at.iter().map(|(p, path)| (*p, path));
        let values = self.values_at.iter().map(|(p, v)| (*p, &v.path));
        keys.chain(values)
            .filter(|(p, _)| *p <= position)
            .max_by_key(|(p, path)| (*p, path.len()))
            .map(|(p, path)| (p, path.as_str()))
    }
}

/// The path of field `key` inside `parent` (`workload` + `users` → `workload.users`).
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Quotes a scalar for a message, cut short so a huge value cannot flood the terminal.
pub(crate) fn quote(text: &str) -> String {
    if text.chars().count() > MAX_SHOWN_CHARS {
        let cut: String = text.chars().take(MAX_SHOWN_CHARS).collect();
        format!("\"{cut}…\"")
    } else {
        format!("\"{text}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_fields_and_sequence_items() {
        let yaml = "a:\n  b: 1\n  list:\n    - x: 2\n    - x: 3\nc: [4, 5]\n";
        let index = PathIndex::build(yaml);
        assert_eq!(index.find("a.b"), Some(Position { line: 2, column: 6 }));
        assert_eq!(
            index.find("a.list[1].x"),
            Some(Position {
                line: 5,
                column: 10
            })
        );
        assert_eq!(index.find("c[1]"), Some(Position { line: 6, column: 8 }));
        // A missing field falls back to its parent.
        assert_eq!(index.find("a.list[0].y"), index.find("a.list[0]"));
    }

    #[test]
    fn maps_positions_back_to_keys_and_values() {
        let yaml = "a:\n  b: lots\n  c: [1]\n";
        let index = PathIndex::build(yaml);
        assert_eq!(index.key_at(Position { line: 2, column: 3 }), Some("a.b"));
        let b = index.value_at(Position { line: 2, column: 6 }).unwrap();
        assert_eq!((b.path.as_str(), b.shown.as_str()), ("a.b", "\"lots\""));
        // The mapping under `a` starts where its first key does; the value is `a`.
        assert_eq!(
            index
                .value_at(Position { line: 2, column: 3 })
                .unwrap()
                .path,
            "a"
        );
        assert_eq!(
            index
                .value_at(Position { line: 3, column: 6 })
                .unwrap()
                .shown,
            "a list"
        );
    }
}
