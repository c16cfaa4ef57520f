//! `--format markdown`: GitHub tables fit for a pull-request comment, for every
//! command that has --format; chosen by `-o x.md`; names that cannot break the layout.

use std::fs;

use assert_cmd::Command;
use tempfile::TempDir;

mod common;
use common::small_starter_with as starter_with;

struct Workspace(TempDir);

impl Workspace {
    fn with(files: &[(&str, &str)]) -> Workspace {
        let dir = tempfile::tempdir().expect("a temporary folder");
        for (name, text) in files {
            fs::write(dir.path().join(name), text).expect("write a scenario");
        }
        Workspace(dir)
    }

    fn succeeds(&self, args: &[&str]) -> String {
        let out = Command::cargo_bin("scalecost")
            .expect("the binary is built")
            .current_dir(self.0.path())
            .args(args)
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("run scalecost");
        assert!(
            out.status.success(),
            "scalecost {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.0.path().join(name)).expect("read the output file")
    }
}

/// The cells of a table line, split at the pipes GFM splits at: those not escaped by
/// a backslash (an escaped backslash does not escape the pipe after it).
fn cells(line: &str) -> Vec<String> {
    let inner = line
        .strip_prefix('|')
        .and_then(|l| l.strip_suffix('|'))
        .unwrap_or_else(|| panic!("a table line starts and ends with a pipe: {line:?}"));
    let mut out = vec![String::new()];
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.last_mut().unwrap().push(c);
                if let Some(next) = chars.next() {
                    out.last_mut().unwrap().push(next);
                }
            }
            '|' => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// Checks every table of `md` is a GFM table: a header, a separator row of `---` or
/// `---:` with as many cells, and rows of the header's width, each set apart from the
/// text around it by a blank line. Returns the tables' headers.
fn tables(md: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = md.lines().collect();
    let mut headers = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with('|') {
            i += 1;
            continue;
        }
        assert!(
            i > 0 && lines[i - 1].is_empty(),
            "a blank line before the table at {i}"
        );
        let header = cells(lines[i]);
        let separator = cells(lines.get(i + 1).expect("a separator row"));
        assert_eq!(separator.len(), header.len(), "separator of {header:?}");
        assert!(
            separator.iter().all(|c| c == "---" || c == "---:"),
            "a separator row: {separator:?}"
        );
        let mut j = i + 2;
        while j < lines.len() && lines[j].starts_with('|') {
            assert_eq!(
                cells(lines[j]).len(),
                header.len(),
                "row {:?} has the header's {} cells",
                lines[j],
                header.len()
            );
            j += 1;
        }
        assert!(j > i + 2, "the table {header:?} has rows");
        assert!(
            j == lines.len() || lines[j].is_empty(),
            "a blank line after the table"
        );
        headers.push(header);
        i = j;
    }
    headers
}

#[test]
fn simulate_is_a_heading_and_gfm_tables() {
    let ws = Workspace::with(&[("s.yaml", &starter_with(&[]))]);
    let md = ws.succeeds(&[
        "simulate", "s.yaml", "--scales", "1,10", "--format", "markdown", "-q",
    ]);
    assert!(md.starts_with("## my-ai-service\n"), "{md}");
    let headers = tables(&md);
    assert_eq!(headers, [["", "1x", "10x"]]);
    // The warning the 4-day window draws (it sees no weekend) is a list item.
    assert!(
        md.lines()
            .any(|l| l.starts_with("- **warning:** the measured window sees no weekend")),
        "{md}"
    );
    insta::assert_snapshot!(md);
}

#[test]
fn markdown_shows_the_figures_the_table_shows() {
    let ws = Workspace::with(&[("s.yaml", &starter_with(&[]))]);
    let md = ws.succeeds(&[
        "simulate", "s.yaml", "--scales", "1,10", "--format", "markdown", "-q",
    ]);
    let table = ws.succeeds(&["simulate", "s.yaml", "--scales", "1,10", "-q"]);
    let md_rows: Vec<Vec<String>> = md
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(2)
        .map(cells)
        .collect();
    let table_rows: Vec<Vec<String>> = table
        .lines()
        .filter(|l| l.contains('┆') && !l.contains('╞'))
        .skip(1)
        .map(|l| {
            l.split('┆')
                .map(|c| {
                    c.trim_matches(|ch: char| ch.is_whitespace() || ch == '│')
                        .to_string()
                })
                .collect()
        })
        .collect();
    assert!(!md_rows.is_empty());
    assert_eq!(md_rows, table_rows);
}

#[test]
fn output_ending_in_md_is_markdown_unless_the_format_says_otherwise() {
    let ws = Workspace::with(&[("s.yaml", &starter_with(&[]))]);
    let stdout = ws.succeeds(&["simulate", "s.yaml", "--scales", "1", "-q", "-o", "out.md"]);
    assert_eq!(stdout, "");
    let written = ws.read("out.md");
    let asked = ws.succeeds(&[
        "simulate", "s.yaml", "--scales", "1", "-q", "--format", "markdown",
    ]);
    assert_eq!(written, asked);
    assert!(written.starts_with("## my-ai-service\n"));
    assert_eq!(tables(&written).len(), 1);

    ws.succeeds(&[
        "simulate", "s.yaml", "--scales", "1", "-q", "-o", "table.MD", "--format", "table",
    ]);
    let table = ws.read("table.MD");
    assert!(table.contains('┆') && !table.contains("| --- |"), "{table}");
}

#[test]
fn a_pipe_or_a_control_character_in_a_name_stays_in_its_cell() {
    // A tab and an escape character written as YAML escapes, and a pipe.
    let odd = starter_with(&[("name: my-ai-service", "name: \"a|b\\tc\\e[31m\"")]);
    let ws = Workspace::with(&[("base.yaml", &starter_with(&[])), ("odd.yaml", &odd)]);
    let md = ws.succeeds(&[
        "compare",
        "base.yaml",
        "odd.yaml",
        "--scales",
        "1",
        "--format",
        "markdown",
        "-q",
    ]);
    assert!(!md.contains('\t') && !md.contains('\u{1b}'), "{md:?}");
    let headers = tables(&md);
    assert_eq!(headers.len(), 1);
    let row = md
        .lines()
        .find(|l| l.starts_with('|') && l.contains("a\\|b"))
        .unwrap_or_else(|| panic!("the odd name's row: {md}"));
    assert!(row.contains("a\\|b\\\\tc\\\\u{1b}\\[31m"), "{row}");
    assert_eq!(cells(row).len(), headers[0].len());
    // The heading names both scenarios, escaped the same way.
    assert!(
        md.starts_with("## Compare: my-ai-service vs a\\|b\\\\tc\\\\u{1b}\\[31m\n"),
        "{md}"
    );
}

#[test]
fn every_command_with_a_format_writes_gfm_tables() {
    let ws = Workspace::with(&[
        ("a.yaml", &starter_with(&[])),
        (
            "b.yaml",
            &starter_with(&[
                ("name: my-ai-service", "name: more-cache"),
                ("hit_rate: 0.25", "hit_rate: 0.5"),
            ]),
        ),
    ]);
    let runs: [(&[&str], &str, usize); 6] = [
        (
            &["compare", "a.yaml", "b.yaml"],
            "## Compare: my-ai-service vs more-cache\n",
            1,
        ),
        (
            &["sweep", "a.yaml", "--set", "cache.hit_rate=0.1,0.5"],
            "## Sweep: my-ai-service\n",
            1,
        ),
        (
            &[
                "optimize",
                "a.yaml",
                "--vary",
                "tiers.small.autoscaling.max=2,4",
            ],
            "## Optimize: my-ai-service\n",
            1,
        ),
        (
            &["crossover", "a.yaml", "b.yaml"],
            "## Crossover: my-ai-service and more-cache\n",
            1,
        ),
        (
            &["sensitivity", "a.yaml", "--vary", "cache.hit_rate"],
            "## Sensitivity: my-ai-service\n",
            1,
        ),
        (
            &["diff", "a.yaml", "b.yaml"],
            "## Diff: my-ai-service → more-cache\n",
            1,
        ),
    ];
    for (args, heading, count) in runs {
        let mut all = args.to_vec();
        all.extend(["--scales", "1", "--format", "markdown", "-q"]);
        let md = ws.succeeds(&all);
        assert!(md.starts_with(heading), "{args:?}:\n{md}");
        assert_eq!(tables(&md).len(), count, "{args:?}:\n{md}");
    }
}
