//! Markdown: the table's document drawn as GitHub-flavoured markdown, fit for a
//! pull-request comment. The heading names the scenarios, every grid becomes a pipe
//! table with its figures right-aligned, notes and warnings become lists.
//!
//! Text from the user (scenario, tier and cost names) must not change the layout, so
//! every piece of text is escaped: markdown's punctuation gets a backslash (which
//! renders as the character itself), a control character is written out as its escape
//! (`\n`, `\u{1b}`), and `|` inside a cell is `\|`, which GitHub keeps in the cell.

use super::document::{Block, Document, Grid};
use super::{Artifact, Exporter, table};
use crate::outcome::Outcome;

pub struct Markdown;

impl Exporter for Markdown {
    fn export(&self, outcome: &Outcome) -> anyhow::Result<Vec<Artifact>> {
        Ok(vec![Artifact::main(
            draw(&table::document(outcome)).into_bytes(),
        )])
    }
}

/// The document as markdown: blocks separated by blank lines, consecutive notes and
/// warnings gathered into one list.
pub fn draw(doc: &Document) -> String {
    let mut out = format!("## {}\n", inline(&doc.heading));
    let mut in_list = false;
    for block in &doc.blocks {
        let item = match block {
            Block::Note(text) => Some(format!("- note: {}", inline(text))),
            Block::Warning(text) => Some(format!("- **warning:** {}", inline(text))),
            _ => None,
        };
        if let Some(item) = item {
            if !in_list {
                out.push('\n');
            }
            in_list = true;
            out.push_str(&item);
            out.push('\n');
            continue;
        }
        in_list = false;
        match block {
            Block::Line(text) => out.push_str(&format!("\n{}\n", line(text))),
            Block::Section(text) => out.push_str(&format!("\n### {}\n", inline(text))),
            Block::Grid(grid) => {
                out.push('\n');
                out.push_str(&pipe_table(grid));
            }
            Block::Note(_) | Block::Warning(_) | Block::Break => {}
        }
    }
    out
}

/// A GFM table: header, separator (`---:` for the figures' columns), one line per row,
/// every line with the header's number of cells.
fn pipe_table(grid: &Grid) -> String {
    let columns = grid.header.len();
    let mut out = String::new();
    let mut push_row = |cells: &mut dyn Iterator<Item = String>| {
        out.push('|');
        for cell in cells {
            out.push(' ');
            out.push_str(&cell);
            out.push_str(" |");
        }
        out.push('\n');
    };
    push_row(&mut grid.header.iter().map(|c| cell(c)));
    push_row(&mut (0..columns).map(|i| {
        if i >= grid.right_from {
            "---:".to_string()
        } else {
            "---".to_string()
        }
    }));
    for row in &grid.rows {
        // A row is as wide as the header whatever it holds, or the table would break.
        push_row(&mut (0..columns).map(|i| row.get(i).map(|c| cell(c)).unwrap_or_default()));
    }
    out
}

/// Text inside a table cell. `|` is escaped everywhere, but it is here that it matters:
/// unescaped, it would end the cell.
pub fn cell(text: &str) -> String {
    escape(text.trim())
}

/// Text inside a heading or a list item.
pub fn inline(text: &str) -> String {
    escape(text.trim())
}

/// A paragraph: as [`inline`], and a leading mark that would start a heading, a list
/// or an ordered list escaped.
fn line(text: &str) -> String {
    let text = inline(text);
    if text.starts_with(['-', '+', '=', '#']) {
        return format!("\\{text}");
    }
    match text.find(|c: char| !c.is_ascii_digit()) {
        // "1. x" would be a numbered list; "1\. x" is the text.
        Some(i) if i > 0 && text[i..].starts_with(['.', ')']) => {
            format!("{}\\{}", &text[..i], &text[i..])
        }
        _ => text,
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut push = |c: char| {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '~' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    };
    for c in text.chars() {
        if c.is_control() {
            c.escape_default().for_each(&mut push);
        } else {
            push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_stays_in_its_cell_and_a_newline_cannot_end_the_row() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("a\\|b"), "a\\\\\\|b");
        assert_eq!(cell("two\nlines"), "two\\\\nlines");
        assert_eq!(cell("esc\u{1b}[0m"), "esc\\\\u{1b}\\[0m");
    }

    #[test]
    fn every_row_has_the_headers_cells() {
        let mut grid = Grid::new(["", "1x", "10x"], 1);
        grid.row(vec!["Users".into(), "1,000".into(), "10,000".into()]);
        grid.row(vec!["short".into()]);
        let table = pipe_table(&grid);
        assert_eq!(
            table,
            "|  | 1x | 10x |\n| --- | ---: | ---: |\n| Users | 1,000 | 10,000 |\n| short |  |  |\n"
        );
    }

    #[test]
    fn a_line_cannot_start_a_list_or_a_heading() {
        assert_eq!(line("- x"), "\\- x");
        assert_eq!(line("1. x"), "1\\. x");
        assert_eq!(line("10x costs"), "10x costs");
    }
}
