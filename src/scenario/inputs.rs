//! Every value a scenario file writes, where it is written and the comment that explains
//! it: the assumptions a report lists beside the figures they drove, so a reader can
//! check each against its source.

use super::locate::PathIndex;
use super::source::Source;

/// One value the scenario writes (or the command line set).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// Field path, e.g. `tiers.llm.price_per_hour`.
    pub path: String,
    /// The value as written.
    pub value: String,
    /// The file, as messages name it.
    pub file: String,
    /// The 1-based line the value is written on (where the command line added a field,
    /// the line of the mapping it went into).
    pub line: usize,
    /// The comment on the value's line, or the comment lines directly above it, without
    /// the `#`; none when the file says nothing about it.
    pub comment: Option<String>,
    /// How the command line set it (`--set tiers.llm.max=8`), when it did.
    pub origin: Option<String>,
}

/// Longest comment kept: a comment is a note, not a document.
const MAX_COMMENT_CHARS: usize = 300;

/// Every plain value of `source`, in file order, with its place and comment.
pub fn of(source: &Source, index: &PathIndex) -> Vec<Input> {
    let lines: Vec<&str> = source.text().lines().collect();
    index
        .values()
        .iter()
        .filter_map(|(path, value)| {
            let at = index.find(path)?;
            // `file:line:column` in the file as written, whatever the edits moved.
            let place = source.place(at);
            let mut parts = place.rsplitn(3, ':');
            let (_, line) = (parts.next(), parts.next().and_then(|l| l.parse().ok()));
            Some(Input {
                comment: comment_for(&lines, at.line),
                file: source.shown.clone(),
                line: line.unwrap_or(at.line),
                origin: source.origin_of(path).map(str::to_string),
                path: path.clone(),
                value: value.clone(),
            })
        })
        .collect()
}

/// The comment on 1-based `line`, or else the run of comment-only lines right above it.
fn comment_for(lines: &[&str], line: usize) -> Option<String> {
    let own = lines.get(line.checked_sub(1)?)?;
    if let Some(c) = trailing_comment(own) {
        return keep(c);
    }
    let mut above: Vec<&str> = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim())
        .collect();
    // Comments from the first line down are the file's preface, not this field's.
    if above.len() == line - 1 {
        return None;
    }
    above.reverse();
    keep(&above.join(" "))
}

fn keep(comment: &str) -> Option<String> {
    let comment = comment.trim();
    if comment.is_empty() {
        return None;
    }
    if comment.chars().count() > MAX_COMMENT_CHARS {
        let cut: String = comment.chars().take(MAX_COMMENT_CHARS).collect();
        return Some(format!("{cut}…"));
    }
    Some(comment.to_string())
}

/// The text after a line's comment mark: a `#` at the start or after a space, outside
/// quotes (`"#1"` and `a#b` are values).
fn trailing_comment(line: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && previous.is_whitespace() => return Some(&line[i + 1..]),
            None => {}
        }
        previous = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(text: &str) -> Vec<Input> {
        let source = Source::from_text(text, "s.yaml", "s");
        of(&source, &PathIndex::build(source.text()))
    }

    #[test]
    fn a_value_carries_its_line_comment_or_the_comment_above_it() {
        let found = inputs(
            "# A preface about the whole file\nname: demo\n# Peak-hour users,\n# from the 2026 plan\nusers: 500\nprice: 2.5 # on-demand, eu-west\ntag: \"#1\"\n",
        );
        let by = |p: &str| found.iter().find(|i| i.path == p).unwrap();
        assert_eq!(by("name").comment, None);
        assert_eq!(
            by("users").comment.as_deref(),
            Some("Peak-hour users, from the 2026 plan")
        );
        assert_eq!((by("users").file.as_str(), by("users").line), ("s.yaml", 5));
        assert_eq!(by("price").comment.as_deref(), Some("on-demand, eu-west"));
        assert_eq!(by("tag").value, "#1");
        assert_eq!(by("tag").comment, None);
    }

    #[test]
    fn a_value_the_command_line_set_says_so() {
        let mut source = Source::from_text("users: 500\n", "s.yaml", "s");
        source.set("users", "900", "--set users=900").unwrap();
        let found = of(&source, &PathIndex::build(source.text()));
        assert_eq!(found[0].value, "900");
        assert_eq!(found[0].origin.as_deref(), Some("--set users=900"));
    }
}
