//! A report laid out but not yet drawn: a heading, lines of text, notes, warnings and
//! grids of finished cells. The terminal table and markdown draw the same document, so
//! they show the same figures, and neither computes one.

/// One command's report, in reading order.
#[derive(Clone, Debug, Default)]
pub struct Document {
    /// What was run, by scenario name: markdown's heading. The terminal has no heading
    /// line; its first line of text names the scenarios instead.
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug)]
pub enum Block {
    /// A line of text.
    Line(String),
    /// The title of the grid that follows (compare's and diff's scales), set apart by a
    /// blank line on the terminal.
    Section(String),
    /// How the designs were lined up: a shared load, a currency conversion.
    Note(String),
    /// What a figure could not measure, and how to fix it.
    Warning(String),
    Grid(Grid),
    /// The end of one design's part (simulate): a blank line on the terminal.
    Break,
}

/// A table of finished cells: a header and rows of the same number of columns.
#[derive(Clone, Debug)]
pub struct Grid {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns from this one on are right-aligned figures; those before it are labels.
    pub right_from: usize,
}

impl Grid {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>, right_from: usize) -> Grid {
        Grid {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            right_from,
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

impl Document {
    pub fn new(heading: impl Into<String>) -> Document {
        Document {
            heading: heading.into(),
            blocks: Vec::new(),
        }
    }

    pub fn line(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Line(text.into()));
    }

    pub fn section(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Section(text.into()));
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Note(text.into()));
    }

    pub fn warning(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Warning(text.into()));
    }

    pub fn grid(&mut self, grid: Grid) {
        self.blocks.push(Block::Grid(grid));
    }

    pub fn end_part(&mut self) {
        self.blocks.push(Block::Break);
    }

    /// Appends another document's blocks (its heading is dropped).
    pub fn extend(&mut self, other: Document) {
        self.blocks.extend(other.blocks);
    }
}
