//! The one error type that means "the user's input is wrong" (exit code 2), and how a
//! problem with a place in a file is shown: its message, then the line it is about with
//! a caret under the column, as compilers do.

use std::fmt;

use unicode_width::UnicodeWidthChar;

use crate::text;

/// A problem with what the user gave us: a scenario, a flag, a path.
///
/// Each problem's message is complete and ready to print; it names the file, the place,
/// the bad value and what is allowed. A problem found in a file also carries the line it
/// is about, so it can be shown with a caret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    problems: Vec<Problem>,
}

/// One problem: its message and, when it has a place in a file, that line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `file:line:col: path: what is wrong; what is allowed`.
    pub message: String,
    /// The line of the file the message points at.
    pub excerpt: Option<Excerpt>,
}

/// A line of a file, as written, and the 1-based line and column (in characters) of
/// the place a message points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    pub line: usize,
    pub column: usize,
    pub text: String,
}

impl Problem {
    /// A problem with no line to show.
    pub fn plain(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            excerpt: None,
        }
    }
}

impl InputError {
    pub fn new(message: impl Into<String>) -> InputError {
        InputError {
            problems: vec![Problem::plain(message)],
        }
    }

    /// Several problems, each shown with its own line of the file.
    pub fn of(problems: Vec<Problem>) -> InputError {
        InputError { problems }
    }

    /// Every problem of several errors, in order.
    pub fn combine(errors: impl IntoIterator<Item = InputError>) -> InputError {
        InputError {
            problems: errors.into_iter().flat_map(|e| e.problems).collect(),
        }
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// What `main` prints: each message line after `error: `, each excerpt under its
    /// message. Everything quoted from the input is escaped.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for problem in &self.problems {
            for line in problem.message.lines() {
                out.push_str("error: ");
                out.push_str(&text::escape(line));
                out.push('\n');
            }
            if let Some(excerpt) = &problem.excerpt {
                out.push_str(&excerpt.render());
            }
        }
        out
    }
}

/// Widest stretch of a source line shown; a longer line is cut around the column.
const MAX_SHOWN_COLUMNS: usize = 80;
/// Columns of the line shown before the caret when a long line is cut.
const LEAD_COLUMNS: usize = 30;
/// Tab stops every this many columns, so the caret lines up under a tab-indented line.
const TAB_WIDTH: usize = 4;

impl Excerpt {
    /// The line under a gutter with its number, and a caret under the column:
    ///
    /// ```text
    ///    |
    /// 14 |       max: 0
    ///    |            ^
    /// ```
    ///
    /// Tabs are expanded, control characters escaped (`\u{1b}`), wide characters counted
    /// as two columns, and a long line cut to the part around the column, marked `…`.
    pub fn render(&self) -> String {
        // Each character as shown and the columns it takes.
        let mut cells: Vec<(String, usize)> = Vec::new();
        let mut width = 0;
        let mut caret = None;
        let line = self.text.strip_suffix('\r').unwrap_or(&self.text);
        for (i, c) in line.chars().enumerate() {
            if i + 1 == self.column {
                caret = Some(width);
            }
            let cell = if c == '\t' {
                " ".repeat(TAB_WIDTH - width % TAB_WIDTH)
            } else if text::is_unsafe(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            };
            let w = if c == '\t' || text::is_unsafe(c) {
                cell.len()
            } else {
                c.width().unwrap_or(0)
            };
            width += w;
            cells.push((cell, w));
        }
        let caret = caret.unwrap_or(width);
        // A window of the line around the caret.
        let (from, to) = if width <= MAX_SHOWN_COLUMNS {
            (0, width)
        } else {
            let from = caret.saturating_sub(LEAD_COLUMNS);
            let to = (from + MAX_SHOWN_COLUMNS).min(width);
            (to.saturating_sub(MAX_SHOWN_COLUMNS).min(from), to)
        };
        let mut shown = String::new();
        let mut at = 0;
        let mut caret_at = None;
        if from > 0 {
            shown.push('…');
        }
        let lead = usize::from(from > 0);
        let mut shown_width = lead;
        for (cell, w) in &cells {
            if at >= from && at + w <= to {
                if caret_at.is_none() && at >= caret {
                    caret_at = Some(shown_width);
                }
                shown.push_str(cell);
                shown_width += w;
            }
            at += w;
        }
        if to < width {
            shown.push('…');
        }
        let caret_at = caret_at.unwrap_or(shown_width);
        let number = self.line.to_string();
        let gutter = " ".repeat(number.len());
        format!(
            "{gutter} |\n{number} | {}\n{gutter} | {}^\n",
            shown.trim_end(),
            " ".repeat(caret_at)
        )
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            f.write_str(&problem.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpt(text: &str, column: usize) -> String {
        Excerpt {
            line: 14,
            column,
            text: text.to_string(),
        }
        .render()
    }

    #[test]
    fn the_caret_stands_under_the_column() {
        assert_eq!(
            excerpt("      max: 0", 12),
            "   |\n14 |       max: 0\n   |            ^\n"
        );
    }

    #[test]
    fn tabs_wide_characters_and_controls_keep_the_caret_in_line() {
        // A tab is expanded to the next stop of four.
        assert_eq!(excerpt("\tx: 1", 5), "   |\n14 |     x: 1\n   |        ^\n");
        // 日本 takes four columns.
        assert_eq!(
            excerpt("name: 日本 x", 10),
            "   |\n14 | name: 日本 x\n   |            ^\n"
        );
        // ESC is shown as the six characters `\u{1b}`.
        assert_eq!(
            excerpt("a\u{1b}b: 1", 3),
            "   |\n14 | a\\u{1b}b: 1\n   |        ^\n"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let line = format!("key: {}X{}", "a".repeat(500), "b".repeat(500));
        let shown = excerpt(&line, 506);
        let lines: Vec<&str> = shown.lines().collect();
        assert!(
            lines[1].chars().count() <= 5 + 2 + MAX_SHOWN_COLUMNS,
            "{shown}"
        );
        let x = lines[1].chars().position(|c| c == 'X').unwrap();
        let caret = lines[2].chars().position(|c| c == '^').unwrap();
        assert_eq!(x, caret, "{shown}");
        assert!(lines[1].contains('…'));
    }

    #[test]
    fn a_column_past_the_end_points_just_after_the_line() {
        assert_eq!(excerpt("a: ", 4), "   |\n14 | a:\n   |    ^\n");
    }
}
