//! A scenario's text with the command line's changes written into it, so that every
//! value, from the file or from `--set`, `--scales`, `--seed` or compare's shared load,
//! goes through the one reader and is reported at its place in the file.
//!
//! A change replaces the text of the value at a field path, or inserts the field
//! into the mapping that should hold it. Positions in the changed text map back to
//! the file: a message about a changed value points at the value it replaced (or at
//! the mapping it was added to) and says which option set it.

use std::path::Path;

use serde_saphyr::granit_parser::{Event, Parser, StructureStyle};

use super::locate::Position;
use crate::error::{Excerpt, InputError};

/// Largest scenario file read; real scenarios are a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// How standard input (`-` as a scenario file) is named in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// One change: the bytes `start..end` of the file become `text`.
#[derive(Clone, Debug)]
struct Edit {
    start: usize,
    end: usize,
    text: String,
    /// The field path the change sets.
    path: String,
    /// How the user asked for it, e.g. `--set workload.users=lots`.
    origin: String,
}

/// A scenario file's text, how to name it in messages, and the changes made to it.
#[derive(Clone, Debug)]
pub struct Source {
    /// The file as written.
    original: String,
    /// How messages name the source, e.g. `scenarios/chat.yaml`.
    pub shown: String,
    /// The scenario's name when it declares none: the file name without extension.
    pub default_name: String,
    edits: Vec<Edit>,
    /// The text with every edit applied.
    text: String,
}

impl Source {
    /// Scenario text that comes from no file (tests, library callers).
    pub fn from_text(text: &str, shown: &str, default_name: &str) -> Source {
        Source {
            original: text.to_string(),
            shown: shown.to_string(),
            default_name: default_name.to_string(),
            edits: Vec::new(),
            text: text.to_string(),
        }
    }

    /// Reads a scenario file: at most [`MAX_FILE_BYTES`], UTF-8. The limit is enforced
    /// while reading, so a pipe or a device that never ends is refused too. `-` is
    /// standard input, read once however many times it is named, and shown as `<stdin>`.
    pub fn read(path: &Path) -> Result<Source, InputError> {
        use std::io::Read;
        let shown = if path == Path::new("-") {
            STDIN_NAME.to_string()
        } else {
            path.display().to_string()
        };
        if let Some(stored) = files::stored(&shown) {
            return stored
                .map(|text| Source::from_text(&text, &shown, &stem_of(path)))
                .ok_or_else(|| {
                    InputError::new(format!(
                        "{shown}: the partial results carry no copy of this file; \
                         they were written by another command line"
                    ))
                });
        }
        let cannot =
            |e: std::io::Error| InputError::new(format!("{shown}: cannot read the scenario: {e}"));
        if path == Path::new("-") {
            static STDIN: std::sync::OnceLock<std::io::Result<Vec<u8>>> =
                std::sync::OnceLock::new();
            let read = STDIN.get_or_init(|| {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .lock()
                    .take(MAX_FILE_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map(|_| bytes)
            });
            let bytes = match read {
                Ok(bytes) => bytes.clone(),
                Err(e) => return Err(cannot(std::io::Error::new(e.kind(), e.to_string()))),
            };
            return Self::from_bytes(bytes, &shown, "stdin");
        }
        if path.is_dir() {
            return Err(InputError::new(format!(
                "{shown}: cannot read the scenario: this is a folder; give a scenario file"
            )));
        }
        let file = std::fs::File::open(path).map_err(cannot)?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
        Self::from_bytes(bytes, &shown, &stem_of(path))
    }

    /// The scenario in `bytes`, read from `shown`, within the size limit and UTF-8.
    fn from_bytes(bytes: Vec<u8>, shown: &str, default_name: &str) -> Result<Source, InputError> {
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(InputError::new(format!(
                "{shown}: the file is larger than 1 MiB; scenarios are limited to 1 MiB"
            )));
        }
        let text = String::from_utf8(bytes)
            .map_err(|e| InputError::new(format!("{shown}: the file is not UTF-8 text: {e}")))?;
        files::note(shown, &text);
        Ok(Source::from_text(&text, shown, default_name))
    }

    /// The text the reader sees: the file with the changes applied.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the command line changed anything.
    pub fn is_edited(&self) -> bool {
        !self.edits.is_empty()
    }

    /// Sets the value at `path` (e.g. `tiers.small.autoscaling.max`, `scales`) to the
    /// YAML text `value`; `origin` is how the user asked (`--set PATH=V`). A field the
    /// file leaves out is added to the mapping that should hold it; a mapping that is
    /// not written is an error that names the fields that are.
    pub fn set(&mut self, path: &str, value: &str, origin: &str) -> Result<(), InputError> {
        self.change(path, value, origin, false)
    }

    /// Like [`set`](Self::set), but the value may replace a whole mapping or list.
    pub fn replace(&mut self, path: &str, value: &str, origin: &str) -> Result<(), InputError> {
        self.change(path, value, origin, true)
    }

    fn change(
        &mut self,
        path: &str,
        value: &str,
        origin: &str,
        whole: bool,
    ) -> Result<(), InputError> {
        let fail =
            |message: String| InputError::new(format!("{}: {origin}: {message}", self.shown));
        // A later change of the same field replaces an earlier one.
        self.edits.retain(|e| e.path != path);
        if let Some(e) = self.edits.iter().find(|e| {
            path.starts_with(&format!("{}.", e.path)) || e.path.starts_with(&format!("{path}."))
        }) {
            return Err(fail(format!(
                "it overlaps {}, which changes {}; change each field once",
                e.origin, e.path
            )));
        }
        let target = locate(&self.original, path, whole).map_err(fail)?;
        let (start, end, text) = match target {
            // The reader will say what is wrong with the file; that comes first.
            Target::Unreadable => return Ok(()),
            Target::Value { start, end, alias } => {
                if alias {
                    return Err(fail(format!(
                        "{path} is written as an alias (*name); change the anchor it refers to, or write the value out"
                    )));
                }
                (start, end, value.to_string())
            }
            Target::InsertFlow { at, first } => {
                let key = last_key(path);
                let text = if first {
                    format!("{key}: {value}")
                } else {
                    format!("{key}: {value}, ")
                };
                (at, at, text)
            }
            Target::InsertBlock {
                at,
                indent,
                newline,
            } => {
                let key = last_key(path);
                let lead = if newline { "\n" } else { "" };
                (
                    at,
                    at,
                    format!("{lead}{}{key}: {value}\n", " ".repeat(indent)),
                )
            }
        };
        self.edits.push(Edit {
            start,
            end,
            text,
            path: path.to_string(),
            origin: origin.to_string(),
        });
        self.edits.sort_by_key(|e| (e.start, e.end));
        self.text = self.apply();
        Ok(())
    }

    fn apply(&self) -> String {
        let mut out = String::with_capacity(self.original.len() + 64);
        let mut at = 0;
        for e in &self.edits {
            out.push_str(&self.original[at..e.start]);
            out.push_str(&e.text);
            at = e.end;
        }
        out.push_str(&self.original[at..]);
        out
    }

    /// `file:line:column` for a position in [`text`](Self::text), mapped back to the file.
    pub fn place(&self, p: Position) -> String {
        match self.in_file(p) {
            Some(q) => format!("{}:{}:{}", self.shown, q.line, q.column),
            None => self.shown.clone(),
        }
    }

    /// The line of the file a position in [`text`](Self::text) stands on, for showing
    /// under a message with a caret at the column.
    pub fn excerpt(&self, p: Position) -> Option<Excerpt> {
        let q = self.in_file(p)?;
        let text = self.original.split('\n').nth(q.line - 1)?;
        // A caret under nothing says nothing the message does not.
        if text.trim().is_empty() {
            return None;
        }
        Some(Excerpt {
            line: q.line,
            column: q.column,
            text: text.to_string(),
        })
    }

    /// A position in [`text`](Self::text) mapped back to the file as written.
    fn in_file(&self, p: Position) -> Option<Position> {
        let offset = offset_of(&self.text, p)?;
        let mut shift: isize = 0;
        let mut original = None;
        for e in &self.edits {
            let new_start = (e.start as isize + shift) as usize;
            let new_end = new_start + e.text.len();
            if offset < new_start {
                break;
            }
            if offset < new_end {
                original = Some(e.start);
                break;
            }
            shift += e.text.len() as isize - (e.end - e.start) as isize;
        }
        let offset = original.unwrap_or((offset as isize - shift).max(0) as usize);
        Some(position_of(&self.original, offset))
    }

    /// What set the field at `path` (or a field it lies inside), if the command line did.
    pub fn origin_of(&self, path: &str) -> Option<&str> {
        self.edits
            .iter()
            .find(|e| {
                path == e.path
                    || path.starts_with(&format!("{}.", e.path))
                    || path.starts_with(&format!("{}[", e.path))
            })
            .map(|e| e.origin.as_str())
    }

    /// Every change, as the user asked for it, in file order.
    pub fn origins(&self) -> Vec<&str> {
        self.edits.iter().map(|e| e.origin.as_str()).collect()
    }
}

/// Which scenario files a plan read, and reading them from copies instead of the disk.
///
/// A sharded run stores every file its plan read in its partial result, so that the
/// merge builds the very same plan, with the same functions and checks, from those
/// copies, wherever it runs and whatever happened to the files since. The plan
/// functions take paths; rather than give each a second way in, the copies are served
/// to [`Source::read`] for the span of one call on one thread (plans are built on the
/// calling thread, before any run starts).
pub mod files {
    use std::cell::RefCell;

    use serde::{Deserialize, Serialize};

    /// A scenario file as the plan read it.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct StoredFile {
        /// The path as the command line gave it.
        pub path: String,
        /// The file's text.
        pub text: String,
    }

    enum Mode {
        /// Reading from the disk, keeping a copy of each file read.
        Record(Vec<StoredFile>),
        /// Reading from these copies only.
        Serve(Vec<StoredFile>),
    }

    thread_local! {
        static MODE: RefCell<Option<Mode>> = const { RefCell::new(None) };
    }

    /// Runs `f`, and returns with its result every scenario file it read, in order.
    pub fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<StoredFile>) {
        let outer = MODE.with(|m| m.replace(Some(Mode::Record(Vec::new()))));
        let out = f();
        let read = match MODE.with(|m| m.replace(outer)) {
            Some(Mode::Record(read)) => read,
            _ => Vec::new(),
        };
        (out, read)
    }

    /// Runs `f` with scenario files read from `copies` instead of the disk.
    pub fn serving<T>(copies: Vec<StoredFile>, f: impl FnOnce() -> T) -> T {
        let outer = MODE.with(|m| m.replace(Some(Mode::Serve(copies))));
        let out = f();
        MODE.with(|m| m.replace(outer));
        out
    }

    /// While serving copies: the copy of `path`, or `Some(None)` when there is none.
    pub(crate) fn stored(path: &str) -> Option<Option<String>> {
        MODE.with(|m| match &*m.borrow() {
            Some(Mode::Serve(copies)) => Some(
                copies
                    .iter()
                    .find(|c| c.path == path)
                    .map(|c| c.text.clone()),
            ),
            _ => None,
        })
    }

    /// While recording: keeps a copy of a file just read.
    pub(crate) fn note(path: &str, text: &str) {
        MODE.with(|m| {
            if let Some(Mode::Record(read)) = &mut *m.borrow_mut() {
                read.push(StoredFile {
                    path: path.to_string(),
                    text: text.to_string(),
                });
            }
        })
    }
}

/// The file name without its extension: a scenario's default name.
pub fn stem_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into())
}

fn last_key(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Where a change goes.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// The file is not YAML, or not a mapping at the top: nothing can be set in it.
    Unreadable,
    /// Replace the bytes of an existing value.
    Value {
        start: usize,
        end: usize,
        alias: bool,
    },
    /// Add `key: value` inside a flow mapping `{...}`, right after its brace.
    InsertFlow { at: usize, first: bool },
    /// Add a line `key: value` at byte `at`, indented `indent` spaces; `newline` when
    /// the file's last line has no line break to follow.
    InsertBlock {
        at: usize,
        indent: usize,
        newline: bool,
    },
}

/// A node being walked: a mapping (with the key whose value comes next) or a list.
struct Frame {
    path: String,
    kind: FrameKind,
    style: StructureStyle,
    /// Byte where the node starts.
    start: usize,
    /// Column (0-based) of its first key, for block mappings.
    indent: usize,
    /// Byte just past its last content.
    last_end: usize,
    /// Keys it holds.
    keys: Vec<String>,
}

enum FrameKind {
    Mapping { key: Option<String> },
    Sequence { index: usize },
}

/// Finds where the value at `path` is, or where it would be added. A mapping or list
/// is a target only when `whole` (`--scales` replaces the list).
fn locate(text: &str, path: &str, whole: bool) -> Result<Target, String> {
    let byte = |m: &serde_saphyr::granit_parser::Marker| {
        m.byte_offset()
            .unwrap_or_else(|| char_to_byte(text, m.index()))
    };
    let parent = parent_of(path);
    let mut stack: Vec<Frame> = Vec::new();
    let mut found: Option<Target> = None;
    // (style, start, indent, end of content, whether it has keys yet)
    let mut parent_frame: Option<(StructureStyle, usize, usize, usize, bool)> = None;
    let mut saw_root = false;
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else {
            return Ok(Target::Unreadable);
        };
        let (start, end) = (byte(&span.start), byte(&span.end));
        if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
            let Some(frame) = stack.pop() else { continue };
            // A flow collection ends at its closing bracket, which is content of every
            // collection around it; a block one ends where its last content does.
            let closing = if frame.style == StructureStyle::Flow {
                end
            } else {
                frame.last_end
            };
            for f in stack.iter_mut() {
                f.last_end = f.last_end.max(closing);
            }
            if frame.path == path && whole && found.is_none() {
                found = Some(Target::Value {
                    start: frame.start,
                    end: closing,
                    alias: false,
                });
            }
            if frame.path == parent && matches!(frame.kind, FrameKind::Mapping { .. }) {
                parent_frame = Some((
                    frame.style,
                    frame.start,
                    frame.indent,
                    closing,
                    frame.keys.is_empty(),
                ));
            }
            continue;
        }
        for f in stack.iter_mut() {
            f.last_end = f.last_end.max(end);
        }
        let is_node = matches!(
            event,
            Event::Scalar(..)
                | Event::MappingStart(..)
                | Event::SequenceStart(..)
                | Event::Alias(..)
        );
        if !is_node {
            continue;
        }
        // A scalar in key position names the next value instead of being one.
        if let (
            Some(Frame {
                kind: FrameKind::Mapping { key },
                keys,
                ..
            }),
            Event::Scalar(k, ..),
        ) = (stack.last_mut(), &event)
            && key.is_none()
        {
            *key = Some(k.to_string());
            keys.push(k.to_string());
            continue;
        }
        let node_path = match stack.last_mut() {
            None => String::new(),
            Some(Frame {
                kind: FrameKind::Mapping { key },
                path: p,
                ..
            }) => {
                let k = key.take().unwrap_or_default();
                join(p, &k)
            }
            Some(Frame {
                kind: FrameKind::Sequence { index },
                path: p,
                ..
            }) => {
                let q = format!("{p}[{index}]");
                *index += 1;
                q
            }
        };
        if stack.is_empty() && !matches!(event, Event::MappingStart(..)) {
            return Ok(Target::Unreadable);
        }
        let here = node_path == path && found.is_none();
        match event {
            Event::Scalar(..) | Event::Alias(..) if here => {
                found = Some(Target::Value {
                    start,
                    end,
                    alias: matches!(event, Event::Alias(..)),
                })
            }
            Event::MappingStart(..) | Event::SequenceStart(..) if here && !whole => {
                let inside = super::locate::PathIndex::build(text).children(path);
                return Err(format!(
                    "{path} is a mapping or list, not a single value; set one of the fields inside it: {}",
                    inside.join(", ")
                ));
            }
            _ => {}
        }
        saw_root = true;
        let kind = match event {
            Event::MappingStart(..) => FrameKind::Mapping { key: None },
            Event::SequenceStart(..) => FrameKind::Sequence { index: 0 },
            _ => continue,
        };
        let (Event::MappingStart(style, ..) | Event::SequenceStart(style, ..)) = event else {
            continue;
        };
        stack.push(Frame {
            path: node_path,
            kind,
            style,
            start,
            indent: span.start.col(),
            last_end: end,
            keys: Vec::new(),
        });
    }
    if let Some(target) = found {
        return Ok(target);
    }
    if !saw_root {
        return Ok(Target::Unreadable);
    }
    let Some((style, start, indent, last_end, empty)) = parent_frame else {
        return Err(missing_parent(text, path));
    };
    match style {
        StructureStyle::Flow => Ok(Target::InsertFlow {
            at: start + 1,
            first: empty,
        }),
        StructureStyle::Block => {
            // After the line that holds the mapping's last content.
            let at = text[last_end..]
                .find('\n')
                .map(|i| last_end + i + 1)
                .unwrap_or(text.len());
            let newline = at == text.len() && !text.ends_with('\n');
            Ok(Target::InsertBlock {
                at,
                indent,
                newline,
            })
        }
    }
}

/// The path of the mapping that holds `path`: `a.b[2].c` → `a.b[2]`.
fn parent_of(path: &str) -> &str {
    match path.rfind('.') {
        Some(cut) => &path[..cut],
        None => "",
    }
}

fn join(parent: &str, key: &str) -> String {
    super::locate::join(parent, key)
}

/// Says which part of `path` is not in the file, and what is there instead.
fn missing_parent(text: &str, path: &str) -> String {
    let index = super::locate::PathIndex::build(text);
    // Walk down the path until a step is missing.
    let mut walked = String::new();
    for segment in path_segments(path) {
        let next = match &segment {
            Segment::Key(k) => join(&walked, k),
            Segment::Index(i) => format!("{walked}[{i}]"),
        };
        if !index.has(&next) {
            let here = if walked.is_empty() {
                "the top level".to_string()
            } else {
                walked.clone()
            };
            return match segment {
                Segment::Key(k) => {
                    let known = index.children(&walked);
                    if known.is_empty() {
                        format!("{here} is not a mapping, so it has no field `{k}`")
                    } else {
                        format!("{here} has no field `{k}`; it has: {}", known.join(", "))
                    }
                }
                Segment::Index(i) => {
                    let items = index.children(&walked).len();
                    format!("{here} has {items} items; [{i}] is past the end")
                }
            };
        }
        walked = next;
    }
    format!("{path} cannot be set")
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `a.b[2].c` into keys and indices.
fn path_segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        out.push(Segment::Key(key));
        while let Some(close) = rest.find(']') {
            match rest[1..close].parse() {
                Ok(i) => out.push(Segment::Index(i)),
                Err(_) => out.push(Segment::Key(&rest[1..close])),
            }
            rest = &rest[close + 1..];
        }
    }
    out
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map(|(b, _)| b)
        .unwrap_or(text.len())
}

/// Byte offset of a 1-based line and column (in characters).
fn offset_of(text: &str, p: Position) -> Option<usize> {
    let mut line_start = 0;
    for _ in 1..p.line {
        line_start += text[line_start..].find('\n')? + 1;
    }
    let line = &text[line_start..];
    let col = line
        .char_indices()
        .nth(p.column.saturating_sub(1))
        .map(|(b, _)| b)
        .unwrap_or(line.len());
    Some(line_start + col)
}

/// 1-based line and column (in characters) of a byte offset.
fn position_of(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    Position {
        line,
        column: text[line_start..offset].chars().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "name: x\nworkload:\n  users: 1000\n  keys: {distinct: 10, zipf_exponent: 1}\nlist:\n  - {a: 1}\n  - {a: 2}\n";

    fn edited(path: &str, value: &str) -> Source {
        let mut s = Source::from_text(YAML, "f.yaml", "f");
        s.set(path, value, &format!("--set {path}={value}"))
            .unwrap();
        s
    }

    #[test]
    fn replaces_a_written_value_in_place() {
        let s = edited("workload.users", "lots");
        assert_eq!(s.text(), YAML.replace("users: 1000", "users: lots"));
        assert_eq!(
            s.place(Position {
                line: 3,
                column: 10
            }),
            "f.yaml:3:10"
        );
        assert_eq!(
            s.origin_of("workload.users"),
            Some("--set workload.users=lots")
        );
    }

    #[test]
    fn adds_a_missing_field_to_a_flow_mapping() {
        let s = edited("workload.keys.growth_exponent", "0.5");
        assert!(
            s.text()
                .contains("keys: {growth_exponent: 0.5, distinct: 10"),
            "{}",
            s.text()
        );
        // A value after the insertion still maps to its column in the file.
        let col = s.text().lines().nth(3).unwrap().find("10").unwrap() + 1;
        assert_eq!(
            s.place(Position {
                line: 4,
                column: col
            }),
            format!(
                "f.yaml:4:{}",
                YAML.lines().nth(3).unwrap().find("10").unwrap() + 1
            )
        );
    }

    #[test]
    fn adds_a_missing_field_to_a_block_mapping_on_its_own_line() {
        let s = edited("workload.horizon", "2h");
        assert!(
            s.text()
                .contains("  keys: {distinct: 10, zipf_exponent: 1}\n  horizon: 2h\nlist:"),
            "{}",
            s.text()
        );
        // The line after the insertion maps back to its line in the file.
        assert_eq!(s.place(Position { line: 6, column: 1 }), "f.yaml:5:1");
        // The inserted line maps to where it was added.
        assert_eq!(
            s.place(Position {
                line: 5,
                column: 12
            }),
            "f.yaml:5:1"
        );
        let top = edited("seed", "3");
        assert!(
            top.text().ends_with("  - {a: 2}\nseed: 3\n"),
            "{}",
            top.text()
        );
    }

    #[test]
    fn reaches_list_items_and_names_what_is_missing() {
        let s = edited("list[1].a", "9");
        assert!(s.text().contains("- {a: 9}"));
        let mut t = Source::from_text(YAML, "f.yaml", "f");
        let err = t
            .set("workload.cache.x", "1", "--set workload.cache.x=1")
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("workload has no field `cache`; it has: users, keys"),
            "{err}"
        );
        let err = t.set("list[5].a", "1", "--set list[5].a=1").unwrap_err();
        assert!(
            err.to_string()
                .contains("list has 2 items; [5] is past the end"),
            "{err}"
        );
        let err = t.set("workload", "1", "--set workload=1").unwrap_err();
        assert!(err.to_string().contains("not a single value"), "{err}");
    }
}
