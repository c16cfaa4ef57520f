//! `scalecost diff BASE HEAD`: both scenarios on BASE's load and random numbers, each
//! cost line's monthly figure with its change, checked against hand calculation.
//!
//! The scenarios are the starter at a tenth of its users over 4 days, so each run takes
//! well under a second; the weekend it does not see only adds a warning.

use std::fs;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// Changes of this relative size are floating-point rounding, not a change.
const EXACT: f64 = 1e-9;

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

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.path().join(name)
    }

    fn scalecost(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("scalecost").expect("the binary is built");
        cmd.current_dir(self.0.path())
            .args(args)
            .env_remove("RUST_BACKTRACE");
        cmd
    }

    fn succeeds(&self, args: &[&str]) -> String {
        let out = self.scalecost(args).output().expect("run scalecost");
        assert!(
            out.status.success(),
            "scalecost {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    fn diff_json(&self, base: &str, head: &str, scales: &str) -> Value {
        let out = self.succeeds(&[
            "diff", base, head, "--scales", scales, "--format", "json", "-q",
        ]);
        serde_json::from_str(&out).expect("diff --format json is JSON")
    }
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= EXACT * a.abs().max(b.abs())
}

/// The component of one scale by name.
fn component<'a>(scale: &'a Value, name: &str) -> &'a Value {
    scale["components"]
        .as_array()
        .expect("components is a list")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no component {name} in {scale}"))
}

fn names(scale: &Value) -> Vec<String> {
    scale["components"]
        .as_array()
        .expect("components is a list")
        .iter()
        .map(|c| c["name"].as_str().expect("a name").to_string())
        .collect()
}

#[test]
fn a_scenario_against_itself_changes_nothing() {
    let ws = Workspace::with(&[("base.yaml", &starter_with(&[]))]);
    let json = ws.diff_json("base.yaml", "base.yaml", "1,10");
    let scales = json["scales"].as_array().expect("scales is a list");
    assert_eq!(scales.len(), 2);
    for s in scales {
        for c in s["components"].as_array().unwrap() {
            assert_eq!(c["status"], "unchanged", "{c}");
            assert_eq!(number(&c["monthly"]["delta"]), 0.0, "{c}");
            assert_eq!(c["monthly"]["base"], c["monthly"]["head"], "{c}");
        }
        for figure in [
            "monthly_total",
            "cost_per_transaction",
            "latency_p99_ms",
            "success_rate",
        ] {
            assert_eq!(number(&s[figure]["delta"]), 0.0, "{figure}: {}", s[figure]);
            assert!(number(&s[figure]["base"]) > 0.0, "{figure}: {}", s[figure]);
        }
    }
}

#[test]
fn doubling_the_cache_price_adds_its_monthly_cost_and_nothing_else() {
    let ws = Workspace::with(&[
        ("base.yaml", &starter_with(&[])),
        (
            "head.yaml",
            &starter_with(&[("price_per_hour: 0.05", "price_per_hour: 0.10")]),
        ),
    ]);
    let json = ws.diff_json("base.yaml", "head.yaml", "1,10");
    for s in json["scales"].as_array().unwrap() {
        let cache = component(s, "cache");
        // Hand calculation: a cache billed by the hour costs its price for every hour
        // of a 30-day month, 0.05 × 24 × 30 = 36.
        let base = number(&cache["monthly"]["base"]);
        assert!(close(base, 0.05 * 24.0 * 30.0), "cache monthly {base}");
        let delta = number(&cache["monthly"]["delta"]);
        assert!(close(delta, base), "the delta {delta} is the base's {base}");
        assert_eq!(cache["status"], "changed");
        for name in names(s).iter().filter(|n| *n != "cache") {
            let c = component(s, name);
            assert_eq!(number(&c["monthly"]["delta"]), 0.0, "{c}");
            assert_eq!(c["status"], "unchanged", "{c}");
        }
        assert!(close(number(&s["monthly_total"]["delta"]), base));
        // The price changes nothing the simulation does.
        assert_eq!(number(&s["latency_p99_ms"]["delta"]), 0.0);
        assert_eq!(number(&s["success_rate"]["delta"]), 0.0);
    }
}

#[test]
fn doubling_the_instance_price_doubles_the_compute_line() {
    let ws = Workspace::with(&[
        ("base.yaml", &starter_with(&[])),
        (
            "head.yaml",
            &starter_with(&[(
                "price_per_instance_hour: 0.80",
                "price_per_instance_hour: 1.60",
            )]),
        ),
    ]);
    let json = ws.diff_json("base.yaml", "head.yaml", "1,10");
    for s in json["scales"].as_array().unwrap() {
        let compute = component(s, "small compute");
        let base = number(&compute["monthly"]["base"]);
        assert!(base > 0.0);
        assert!(close(number(&compute["monthly"]["head"]), 2.0 * base));
        assert!(close(number(&compute["monthly"]["delta"]), base));
        assert!(close(number(&compute["monthly"]["delta_fraction"]), 1.0));
        for name in ["cache", "big api"] {
            assert_eq!(number(&component(s, name)["monthly"]["delta"]), 0.0);
        }
    }
}

#[test]
fn base_figures_are_those_simulate_reports() {
    let ws = Workspace::with(&[("base.yaml", &starter_with(&[]))]);
    let diff = ws.diff_json("base.yaml", "base.yaml", "1,10");
    let sim: Value = serde_json::from_str(&ws.succeeds(&[
        "simulate",
        "base.yaml",
        "--scales",
        "1,10",
        "--format",
        "json",
        "-q",
    ]))
    .unwrap();
    for (d, r) in diff["scales"]
        .as_array()
        .unwrap()
        .iter()
        .zip(sim["results"].as_array().unwrap())
    {
        let lines = r["economics"]["components"].as_array().unwrap();
        assert_eq!(names(d).len(), lines.len());
        for line in lines {
            let name = line["name"].as_str().unwrap();
            assert_eq!(component(d, name)["monthly"]["base"], line["monthly"]);
            assert_eq!(component(d, name)["kind"], line["kind"]);
        }
        assert_eq!(d["monthly_total"]["base"], r["economics"]["monthly_total"]);
        assert_eq!(d["latency_p99_ms"]["base"], r["latency_ms"]["p99"]);
    }
}

#[test]
fn a_cost_line_only_one_side_has_is_added_or_removed() {
    let with_licence = starter_with(&[(
        "\ntiers:\n",
        "\ncosts:\n  monthly:\n    - {name: licence, amount: 250}\n\ntiers:\n",
    )]);
    let ws = Workspace::with(&[
        ("base.yaml", &starter_with(&[])),
        ("head.yaml", &with_licence),
    ]);
    let json = ws.diff_json("base.yaml", "head.yaml", "1");
    let s = &json["scales"][0];
    let licence = component(s, "licence");
    assert_eq!(licence["status"], "added");
    assert!(licence["monthly"]["base"].is_null());
    assert_eq!(number(&licence["monthly"]["head"]), 250.0);
    assert_eq!(number(&licence["monthly"]["delta"]), 250.0);
    assert!(licence["monthly"]["delta_fraction"].is_null());
    assert!(close(number(&s["monthly_total"]["delta"]), 250.0));

    let back = ws.diff_json("head.yaml", "base.yaml", "1");
    let licence = component(&back["scales"][0], "licence");
    assert_eq!(licence["status"], "removed");
    assert!(licence["monthly"]["head"].is_null());
    assert_eq!(number(&licence["monthly"]["delta"]), -250.0);

    let table = ws.succeeds(&["diff", "base.yaml", "head.yaml", "--scales", "1", "-q"]);
    assert!(table.contains("licence (added)"), "{table}");
}

#[test]
fn json_has_every_component_at_every_scale() {
    let ws = Workspace::with(&[
        ("base.yaml", &starter_with(&[])),
        (
            "head.yaml",
            &starter_with(&[("hit_rate: 0.25", "hit_rate: 0.5")]),
        ),
    ]);
    let json = ws.diff_json("base.yaml", "head.yaml", "1,10,100");
    assert_eq!(json["command"], "diff");
    assert_eq!(json["base"], "my-ai-service");
    let scales = json["scales"].as_array().unwrap();
    let at: Vec<f64> = scales.iter().map(|s| number(&s["scale"])).collect();
    assert_eq!(at, [1.0, 10.0, 100.0]);
    for s in scales {
        assert_eq!(names(s), ["cache", "small compute", "big api"], "{s}");
        // A higher hit rate sends fewer requests to the API.
        assert!(number(&component(s, "big api")["monthly"]["delta"]) < 0.0);
    }
}

#[test]
fn csv_has_fixed_columns_and_a_row_per_scale_and_figure() {
    let ws = Workspace::with(&[("base.yaml", &starter_with(&[]))]);
    let out = ws.succeeds(&[
        "diff",
        "base.yaml",
        "base.yaml",
        "--scales",
        "1,10",
        "--format",
        "csv",
        "-q",
    ]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "scale",
            "users",
            "currency",
            "figure",
            "name",
            "kind",
            "status",
            "base",
            "head",
            "delta",
            "delta_fraction"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    // Three cost lines and four figures at each of two scales.
    assert_eq!(rows.len(), 2 * (3 + 4));
    assert!(rows.iter().all(|r| &r[9] == "0"), "{rows:?}");
}

#[test]
fn a_gate_trips_after_the_output_is_written() {
    let ws = Workspace::with(&[("base.yaml", &starter_with(&[]))]);
    let out = ws
        .scalecost(&[
            "diff",
            "base.yaml",
            "base.yaml",
            "--scales",
            "1",
            "-q",
            "-o",
            "diff.md",
            "--fail-on",
            "monthly-cost>1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--fail-on monthly-cost>1"), "{stderr}");
    let written = fs::read_to_string(ws.path("diff.md")).unwrap();
    assert!(
        written.starts_with("## Diff: my-ai-service → my-ai-service\n"),
        "{written}"
    );
}

#[test]
fn head_with_other_users_runs_on_the_bases_and_says_so() {
    let ws = Workspace::with(&[
        ("base.yaml", &starter_with(&[])),
        (
            "head.yaml",
            &starter_with(&[("users: 100 ", "users: 300 ")]),
        ),
    ]);
    let json = ws.diff_json("base.yaml", "head.yaml", "1");
    assert_eq!(number(&json["scales"][0]["users"]), 100.0);
    let notes = json["notes"].as_array().expect("notes is a list");
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = notes[0].as_str().unwrap();
    assert!(
        note.contains("declares 300 users; it runs with the baseline's 100"),
        "{note}"
    );
    // Diff has no --own-load to point to.
    assert!(!note.contains("--own-load"), "{note}");
    // The same load: the simulated requests, and with them the API's bill, agree.
    let api = component(&json["scales"][0], "big api");
    assert_eq!(number(&api["monthly"]["delta"]), 0.0, "{api}");
}

mod saved_results {
    //! `scalecost diff BASE.json NEW.json`: two results saved by `simulate --format
    //! json`, compared without simulating anything, checked against the two files.

    use super::*;

    /// BASE at scales 1 and 2, NEW (a higher cache hit rate) at scales 1 and 3.
    fn saved() -> Workspace {
        let ws = Workspace::with(&[
            ("base.yaml", &starter_with(&[])),
            (
                "new.yaml",
                &starter_with(&[("hit_rate: 0.25 ", "hit_rate: 0.5 ")]),
            ),
        ]);
        ws.succeeds(&[
            "simulate",
            "base.yaml",
            "--scales",
            "1,2",
            "-q",
            "-o",
            "base.json",
        ]);
        ws.succeeds(&[
            "simulate", "new.yaml", "--scales", "1,3", "-q", "-o", "new.json",
        ]);
        ws
    }

    fn read(ws: &Workspace, name: &str) -> Value {
        serde_json::from_str(&fs::read_to_string(ws.path(name)).unwrap()).unwrap()
    }

    /// The economics of `scale` in a saved result.
    fn economics(saved: &Value, scale: f64) -> &Value {
        &saved["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| number(&r["scale"]) == scale)
            .expect("the scale is saved")["economics"]
    }

    #[test]
    fn each_cost_line_total_and_per_transaction_change_is_new_minus_base() {
        let ws = saved();
        let (base, new) = (read(&ws, "base.json"), read(&ws, "new.json"));
        let out = ws.succeeds(&["diff", "base.json", "new.json", "--format", "json"]);
        let diff: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(diff["schema_version"], 1);
        let scale = &diff["scales"][0];
        assert_eq!(number(&scale["scale"]), 1.0);
        assert_eq!(scale["present_in"], "both");
        let (b, n) = (economics(&base, 1.0), economics(&new, 1.0));
        let lines = scale["lines"].as_array().unwrap();
        let line = |name: &str| lines.iter().find(|l| l["line"] == name).unwrap();
        let check = |l: &Value, bv: f64, nv: f64| {
            assert_eq!(number(&l["base"]), bv);
            assert_eq!(number(&l["head"]), nv);
            let change = number(&l["delta"]);
            assert!(
                (change - (nv - bv)).abs() <= EXACT * bv.abs().max(nv.abs()),
                "{l}"
            );
            if bv != 0.0 && change != 0.0 {
                let fraction = number(&l["delta_fraction"]);
                assert!((fraction - (nv - bv) / bv).abs() < 1e-12, "{l}");
            }
        };
        for c in b["components"].as_array().unwrap() {
            let name = c["name"].as_str().unwrap();
            let other = n["components"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["name"] == name)
                .unwrap();
            check(line(name), number(&c["monthly"]), number(&other["monthly"]));
        }
        check(
            line("total"),
            number(&b["monthly_total"]),
            number(&n["monthly_total"]),
        );
        check(
            line("per transaction"),
            number(&b["cost_per_transaction"]),
            number(&n["cost_per_transaction"]),
        );
        // A higher hit rate sends fewer requests to the paid API: its line falls.
        assert!(number(&line("big api")["delta"]) < 0.0);
    }

    #[test]
    fn a_scale_only_one_result_has_is_reported_not_dropped() {
        let ws = saved();
        let out = ws.succeeds(&["diff", "base.json", "new.json", "--format", "json"]);
        let diff: Value = serde_json::from_str(&out).unwrap();
        let present: Vec<(f64, &str)> = diff["scales"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (number(&s["scale"]), s["present_in"].as_str().unwrap()))
            .collect();
        assert_eq!(
            present,
            [(1.0, "both"), (2.0, "base_only"), (3.0, "head_only")]
        );
        let table = ws.succeeds(&["diff", "base.json", "new.json"]);
        assert!(
            table.contains("scale 2x is only in base.json")
                && table.contains("scale 3x is only in new.json"),
            "{table}"
        );
        let csv = ws.succeeds(&["diff", "base.json", "new.json", "--format", "csv"]);
        assert!(
            csv.lines()
                .any(|l| l.starts_with("1,3,head_only,total,monthly,,")),
            "{csv}"
        );
        let markdown = ws.succeeds(&["diff", "base.json", "new.json", "--format", "markdown"]);
        assert!(markdown.contains("### Scale 3x"), "{markdown}");
        let html = ws.succeeds(&["diff", "base.json", "new.json", "--format", "html"]);
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(
            html.contains("Scale 3x") && html.contains("only in"),
            "{html}"
        );
    }

    #[test]
    fn bad_json_another_version_or_a_mix_with_a_scenario_is_refused() {
        let ws = saved();
        fs::write(
            ws.path("broken.json"),
            "{\"schema_version\": 1, \"results\": [",
        )
        .unwrap();
        fs::write(
            ws.path("later.json"),
            "{\"schema_version\": 2, \"results\": []}",
        )
        .unwrap();
        let cases = [
            (["diff", "base.json", "broken.json"], "broken.json:1:"),
            (["diff", "base.json", "later.json"], "schema_version 2"),
            (
                ["diff", "base.json", "new.yaml"],
                "base.json is a saved result and new.yaml a scenario",
            ),
        ];
        for (args, said) in cases {
            let out = ws.scalecost(&args).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(out.stdout.is_empty());
            assert!(
                stderr.starts_with("error: ") && stderr.contains(said),
                "{args:?}: {stderr}"
            );
        }
    }

    #[test]
    fn two_scenarios_still_run_as_before() {
        let ws = saved();
        // Scenarios are simulated: the result names the command and both designs.
        let diff = ws.diff_json("base.yaml", "new.yaml", "1");
        assert_eq!(diff["command"], "diff", "{diff}");
        assert_eq!(diff["base"], "my-ai-service", "{diff}");
        assert!(diff["scales"][0]["components"].is_array(), "{diff}");
    }
}
