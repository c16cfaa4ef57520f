//! Untrusted text cannot drive the terminal or a spreadsheet, and names have a length
//! limit (README, "Limits and escaping").
//!
//! A scenario whose names carry terminal sequences (ESC, BEL, CR, DEL, a C1 control, a
//! bidirectional override) and a spreadsheet formula is run through every format; no
//! such character may come out raw, JSON must still read back the exact names, and a
//! CSV cell that starts like a formula must start with `'`.

use std::fs;

use assert_cmd::Command;
use serde_json::Value;

mod common;

/// A scenario name written in YAML escapes: a formula, a title-setting and a
/// screen-clearing sequence, and a right-to-left override.
const NAME_YAML: &str = r#""=HYPERLINK(\"http://evil\",\"x\") \e]0;pwned\a\e[2J\u202eevil""#;
const NAME: &str = "=HYPERLINK(\"http://evil\",\"x\") \u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}evil";
/// A tier name with CR, DEL and a C1 control (CSI).
const TIER_YAML: &str = r#""b\e[31mig\r\x7f\u009b2J""#;
const TIER: &str = "b\u{1b}[31mig\r\u{7f}\u{9b}2J";

fn hostile_scenario() -> String {
    common::starter_with(&[
        ("name: my-ai-service", &format!("name: {NAME_YAML}")),
        ("complex: big", &format!("complex: {TIER_YAML}")),
        ("{to: big,", &format!("{{to: {TIER_YAML},")),
        ("\n  big:", &format!("\n  {TIER_YAML}:")),
    ])
}

fn scalecost(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("scalecost").expect("the scalecost binary is built");
    cmd.current_dir(dir).args(args).env_remove("RUST_BACKTRACE");
    cmd
}

/// The characters that must never come out raw; `keep` lists the line breaks a format
/// writes itself.
fn raw_controls(text: &str, keep: &[char]) -> Vec<char> {
    text.chars()
        .filter(|&c| scalecost::text::is_unsafe(c) && !keep.contains(&c))
        .collect()
}

#[test]
fn names_with_terminal_sequences_are_escaped_in_table_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("s.yaml"), hostile_scenario()).unwrap();
    let run = |format: &str| {
        let out = scalecost(
            dir.path(),
            &["simulate", "s.yaml", "--scales", "1", "--format", format],
        )
        .output()
        .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(out.status.success(), "{format}: {stderr}");
        assert_eq!(raw_controls(&stderr, &['\n']), [], "stderr: {stderr}");
        String::from_utf8(out.stdout).unwrap()
    };

    let table = run("table");
    assert_eq!(raw_controls(&table, &['\n']), [], "{table}");
    assert!(
        table.contains("\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{202e}evil"),
        "{table}"
    );
    assert!(
        table.contains("b\\u{1b}[31mig\\u{d}\\u{7f}\\u{9b}2J: share of answers"),
        "{table}"
    );

    let csv = run("csv");
    assert_eq!(raw_controls(&csv, &['\n']), [], "{csv}");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let scenario = header.iter().position(|h| h == "scenario").unwrap();
    assert!(
        row[scenario].starts_with("'=HYPERLINK("),
        "{}",
        &row[scenario]
    );
    assert!(row[scenario].contains("\\u{1b}[2J"), "{}", &row[scenario]);
    let name = header.iter().position(|h| h == "name").unwrap();
    assert!(
        reader
            .records()
            .any(|r| r.unwrap()[name].contains("b\\u{1b}[31mig")),
        "tier names are escaped too: {csv}"
    );
    // Numbers stay numbers, negative ones included (a margin can be below zero).
    for (h, cell) in header.iter().zip(row.iter()) {
        if cell.starts_with('\'') {
            assert_eq!(h, "scenario", "only text is neutralised, not {h} = {cell}");
        }
    }

    let json = run("json");
    assert_eq!(raw_controls(&json, &['\n']), [], "{json}");
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["scenario"], NAME, "JSON keeps the exact name");
    let tiers = value["results"][0]["tiers"].as_array().unwrap();
    assert!(tiers.iter().any(|t| t["name"] == TIER), "{tiers:?}");
}

#[test]
fn a_negative_number_in_csv_stays_a_number() {
    // Revenue far below the cost makes the margin negative.
    let dir = tempfile::tempdir().unwrap();
    let scenario =
        common::starter_with(&[]) + "revenue: {per_seat: {price_per_user_per_month: 0.01}}\n";
    fs::write(dir.path().join("s.yaml"), scenario).unwrap();
    let out = scalecost(
        dir.path(),
        &["simulate", "s.yaml", "--scales", "1", "--format", "csv"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let negatives: Vec<(&str, &str)> = header
        .iter()
        .zip(row.iter())
        .filter(|(_, c)| c.starts_with('-'))
        .collect();
    assert!(!negatives.is_empty(), "no negative figure to check: {csv}");
    for (h, cell) in negatives {
        assert!(cell.parse::<f64>().is_ok(), "{h} = {cell}");
    }
    assert!(!csv.contains(",'-"), "{csv}");
}

#[test]
fn an_unknown_key_with_a_terminal_sequence_is_echoed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let scenario =
        common::starter_with(&[("workload:\n", "workload:\n  \"\\e]0;title\\a\\e[2J\": 1\n")]);
    fs::write(dir.path().join("s.yaml"), scenario).unwrap();
    let out = scalecost(dir.path(), &["validate", "s.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(raw_controls(&stderr, &['\n']), [], "{stderr}");
    assert!(
        stderr.contains("unknown field `\\u{1b}]0;title\\u{7}\\u{1b}[2J`"),
        "{stderr}"
    );
}

#[test]
fn a_name_past_200_characters_is_refused_with_the_limit_and_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let long = "n".repeat(201);
    let scenario = common::starter_with(&[
        ("name: my-ai-service", &format!("name: {long}")),
        ("    simple:\n", &format!("    {long}:\n")),
        ("simple: small", &format!("{long}: small")),
    ]);
    fs::write(dir.path().join("s.yaml"), scenario).unwrap();
    let out = scalecost(dir.path(), &["validate", "s.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "s.yaml:5:7: name: a name of 201 characters; names are limited to 200 characters"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "workload.classes.{long}: a name of 201 characters"
        )),
        "{stderr}"
    );

    // At the limit, the same scenario is valid.
    let limit = "n".repeat(200);
    let scenario = common::starter_with(&[("name: my-ai-service", &format!("name: {limit}"))]);
    fs::write(dir.path().join("s.yaml"), scenario).unwrap();
    scalecost(dir.path(), &["validate", "s.yaml"])
        .assert()
        .success();
}

#[test]
fn a_cost_name_past_the_limit_is_refused_too() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::starter_with(&[])
        + &format!(
            "costs: {{monthly: [{{name: {}, amount: 10}}]}}\n",
            "c".repeat(300)
        );
    fs::write(dir.path().join("s.yaml"), scenario).unwrap();
    let out = scalecost(dir.path(), &["validate", "s.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("costs.monthly[0].name: a name of 300 characters; names are limited to 200"),
        "{stderr}"
    );
}

#[test]
fn a_key_past_1024_characters_is_named_as_yamls_key_limit() {
    let dir = tempfile::tempdir().unwrap();
    let key = "k".repeat(1025);
    for (label, scenario) in [
        (
            "nested",
            common::starter_with(&[("\n  big:", &format!("\n  {key}:"))]),
        ),
        (
            "quoted",
            common::starter_with(&[("workload:\n", &format!("workload:\n  \"{key}\": 1\n"))]),
        ),
        (
            "top level",
            format!("{key}: 1\n{}", common::starter_with(&[])),
        ),
    ] {
        fs::write(dir.path().join("s.yaml"), scenario).unwrap();
        let out = scalecost(dir.path(), &["validate", "s.yaml"])
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{label}: {stderr}");
        assert!(
            stderr.contains("a key of 1025 characters; YAML limits keys to 1024 characters"),
            "{label}: {stderr}"
        );
        assert!(!stderr.contains("mapping"), "{label}: {stderr}");
    }
}

#[test]
fn a_bad_command_line_value_is_echoed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("s.yaml"), common::starter_with(&[])).unwrap();
    let out = scalecost(
        dir.path(),
        &["simulate", "s.yaml", "--format", "x\ry\u{202e}z\u{1b}[2J"],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(raw_controls(&stderr, &['\n']), [], "{stderr}");
    assert!(
        // ESC sequences are dropped by clap's plain rendering; the rest is escaped.
        stderr.contains("invalid value 'x\\u{d}y\\u{202e}z"),
        "{stderr}"
    );
}

/// Whether a value's `Debug` text holds a raw unsafe character: `Debug` writes one as
/// `\u{1b}` (or `\r`, `\t`, `\n`), while text escaped by scalecost comes out with its
/// backslash doubled, `\\u{1b}`.
fn debug_shows_raw_controls(debug: &str) -> bool {
    let mut backslashes = 0;
    for c in debug.chars() {
        // An odd run of backslashes ends in an escape `Debug` wrote itself.
        if backslashes % 2 == 1 && matches!(c, 'u' | 'r' | 't' | 'n') {
            return true;
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    false
}

#[test]
fn chart_labels_show_names_escaped() {
    assert!(debug_shows_raw_controls(&format!("{:?}", "a\u{1b}b")));
    assert!(!debug_shows_raw_controls(&format!("{:?}", "a\\u{1b}b")));

    let scenario =
        common::parse(&hostile_scenario().replace("scales: [1, 10, 100]", "scales: [1]"));
    let report = common::report(&scenario);
    let charts =
        scalecost::report::plot::data::scenario_charts(std::slice::from_ref(&report.design), None)
            .expect("build the charts");
    assert!(!charts.is_empty());
    for named in charts {
        let debug = format!("{:?}", named.chart);
        assert!(
            !debug_shows_raw_controls(&debug),
            "{}: {}",
            named.file_name,
            &debug[..debug.len().min(2000)]
        );
        named.chart.render().expect("the chart still renders");
    }
}
