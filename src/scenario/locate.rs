//! Maps field paths (`tiers.light.autoscaling.max`) to where they stand in the YAML text,
//! so semantic errors found after parsing can still point at a line and column.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser};

/// A 1-based line and column in the scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Field path → position of its value.
#[derive(Debug, Default)]
pub struct PathIndex {
    positions: HashMap<String, Position>,
}

enum Frame {
    Mapping { path: String, key: Option<String> },
    Sequence { path: String, index: usize },
}

impl PathIndex {
    /// Walks the YAML events once; malformed YAML simply yields fewer entries, since the
    /// parser's own error is reported instead.
    pub fn build(text: &str) -> PathIndex {
        let mut positions = HashMap::new();
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
                if let (Some(Frame::Mapping { key, .. }), Event::Scalar(text, ..)) =
                    (stack.last_mut(), &event)
                    && key.is_none()
                {
                    *key = Some(text.to_string());
                    continue;
                }
                let path = match stack.last_mut() {
                    None => String::new(),
                    Some(Frame::Mapping { path, key }) => {
                        let k = key.take().unwrap_or_default();
                        if path.is_empty() {
                            k
                        } else {
                            format!("{path}.{k}")
                        }
                    }
                    Some(Frame::Sequence { path, index }) => {
                        let p = format!("{path}[{index}]");
                        *index += 1;
                        p
                    }
                };
                positions.entry(path.clone()).or_insert(position);
                match event {
                    Event::MappingStart(..) => stack.push(Frame::Mapping { path, key: None }),
                    Event::SequenceStart(..) => stack.push(Frame::Sequence { path, index: 0 }),
                    _ => {}
                }
            } else if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
                stack.pop();
            }
        }
        PathIndex { positions }
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
}
