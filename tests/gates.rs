//! `--fail-on` gates, driving the binary: each gate holds (exit 0) on a scenario built to
//! sit inside it and trips (exit 3, output written first, one reason per gate on
//! standard error) on one built to sit outside; bad gate values are exit 2.
//!
//! The scenario is a single API tier with a fixed price per request, so its cost per
//! transaction (USD 0.01) and monthly cost are known without running it, and its
//! latency, rate limit, SLO and budget are set per test to land far from each limit.

use std::fs;

use assert_cmd::Command;
use tempfile::TempDir;

/// A one-tier API scenario: 100 users × 10 requests a day at 1x, USD 0.01 a request,
/// `extra` appended at the top level, and the tier's rate limit and retries as given.
fn scenario(requests_per_minute: u32, extra: &str) -> String {
    format!(
        "name: gated|service
currency: USD
seed: 3
scales: [1, 10]
workload:
  users: 100
  requests_per_user_per_day: 10
  horizon: 2d
  warmup: 1d
  classes:
    chat:
      share: 1
      input_tokens: {{dist: lognormal, mean: 400, sd: 100}}
      output_tokens: {{dist: lognormal, mean: 100, sd: 30}}
routing:
  routes: {{chat: api}}
tiers:
  api:
    kind: api
    price_per_1k_input_tokens: 0
    price_per_1k_output_tokens: 0
    price_per_request: 0.01
    latency: {{dist: lognormal, mean: 300ms, sd: 50ms}}
    rate_limit: {{requests_per_minute: {requests_per_minute}}}
    retry: {{max_retries: 0, backoff: 1s}}
    timeout: 10s
{extra}"
    )
}

/// Runs `scalecost ARGS` in a folder holding `a.yaml` (and `b.yaml` when given).
fn run(a: &str, b: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let dir = TempDir::new().expect("create a temporary folder");
    fs::write(dir.path().join("a.yaml"), a).expect("write a.yaml");
    if let Some(b) = b {
        fs::write(dir.path().join("b.yaml"), b).expect("write b.yaml");
    }
    let out = Command::cargo_bin("scalecost")
        .expect("the binary is built")
        .current_dir(dir.path())
        .env_remove("RUST_BACKTRACE")
        .args(args)
        .output()
        .expect("run the binary");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn simulate(yaml: &str, gate: &str) -> (i32, String, String) {
    run(
        yaml,
        None,
        &[
            "simulate",
            "a.yaml",
            "-q",
            "--format",
            "csv",
            "--fail-on",
            gate,
        ],
    )
}

/// The gate holds: exit 0, output written, nothing said about gates.
fn holds((code, out, err): (i32, String, String)) {
    assert_eq!(code, 0, "stderr: {err}");
    assert!(!out.is_empty());
    assert!(!err.contains("gate failed"), "stderr: {err}");
}

/// The gate trips: output still written, exit 3, and each expected piece in the reason.
fn trips((code, out, err): (i32, String, String), expected: &[&str]) {
    assert_eq!(code, 3, "stderr: {err}");
    assert!(
        !out.is_empty(),
        "the output is written before the gate fails"
    );
    assert!(err.starts_with("gate failed: --fail-on "), "stderr: {err}");
    for piece in expected {
        assert!(err.contains(piece), "`{piece}` missing from: {err}");
    }
}

const FAST: u32 = 10_000;

#[test]
fn slo_gate_holds_within_the_objective_and_trips_beyond_it() {
    holds(simulate(&scenario(FAST, "slo: {p99_latency: 5s}"), "slo"));
    trips(
        simulate(&scenario(FAST, "slo: {p99_latency: 100ms}"), "slo"),
        &[
            "--fail-on slo: gated|service at 1x:",
            "p99 latency",
            "above the SLO's p99 latency 100.0 ms",
        ],
    );
}

#[test]
fn slo_gate_holds_on_a_scenario_without_an_slo() {
    holds(simulate(&scenario(FAST, ""), "slo"));
}

#[test]
fn degraded_gate_trips_when_the_rate_limit_turns_requests_away() {
    holds(simulate(&scenario(FAST, ""), "degraded"));
    // 1,000 requests a day at 1x (0.7 a minute) and ten times that at 10x, against one a
    // minute with no retries: at 10x most are refused.
    let (code, out, err) = simulate(&scenario(1, ""), "degraded");
    trips(
        (code, out, err.clone()),
        &[
            "--fail-on degraded: gated|service at 10x:",
            "below the 99.0% required",
        ],
    );
}

#[test]
fn budget_gate_compares_the_schedule_with_the_declared_budget() {
    // 1,000 requests a day × USD 0.01 ≈ USD 300 a month at 1x, 3,000 at 10x.
    holds(simulate(
        &scenario(FAST, "budget: {monthly: 100000}"),
        "budget",
    ));
    trips(
        simulate(&scenario(FAST, "budget: {monthly: 1000}"), "budget"),
        &[
            "--fail-on budget: gated|service at 10x: month 1 costs USD",
            "above the budget of USD 1,000 a month",
        ],
    );
    let (_, _, err) = simulate(&scenario(FAST, "budget: {monthly: 1000}"), "budget");
    assert!(
        !err.contains("at 1x"),
        "1x costs about USD 300 a month: {err}"
    );
}

#[test]
fn threshold_gates_compare_the_mean_figures_with_the_limit() {
    let yaml = scenario(FAST, "");
    holds(simulate(&yaml, "cost-per-transaction>0.02"));
    trips(
        simulate(&yaml, "cost-per-transaction>0.005"),
        &[
            "at 1x: cost per transaction USD 0.0100",
            "is above USD 0.005000",
        ],
    );
    holds(simulate(&yaml, "monthly-cost>50000"));
    trips(
        simulate(&yaml, "monthly-cost>1000"),
        &["--fail-on monthly-cost>1000: gated|service at 10x: monthly cost USD"],
    );
    holds(simulate(&yaml, "error-rate>0.01"));
    trips(
        simulate(&scenario(1, ""), "error-rate>0.01"),
        &["error rate"],
    );
}

#[test]
fn every_tripped_gate_gets_its_own_line() {
    let (code, _, err) = run(
        &scenario(FAST, ""),
        None,
        &[
            "simulate",
            "a.yaml",
            "-q",
            "--fail-on",
            "monthly-cost>1000",
            "--fail-on",
            "cost-per-transaction>0.005",
        ],
    );
    assert_eq!(code, 3);
    // monthly cost at 10x; cost per transaction at 1x and 10x.
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(err.lines().all(|l| l.starts_with("gate failed: ")), "{err}");
}

#[test]
fn compare_and_sweep_gate_every_design() {
    let cheap = scenario(FAST, "");
    let dear = cheap
        .replace("name: gated|service", "name: dear")
        .replace("price_per_request: 0.01", "price_per_request: 0.05");
    let args = [
        "compare",
        "a.yaml",
        "b.yaml",
        "-q",
        "--fail-on",
        "cost-per-transaction>0.02",
    ];
    let (code, out, err) = run(&cheap, Some(&dear), &args);
    assert_eq!(code, 3, "{err}");
    assert!(out.contains("dear"));
    assert!(
        err.contains("dear at 1x") && !err.contains("gated|service"),
        "{err}"
    );
    holds(run(&cheap, Some(&cheap), &args));

    let sweep = |values: &str| {
        run(
            &cheap,
            None,
            &[
                "sweep",
                "a.yaml",
                "-q",
                "--set",
                values,
                "--fail-on",
                "cost-per-transaction>0.02",
            ],
        )
    };
    holds(sweep("tiers.api.price_per_request=0.01,0.015"));
    trips(
        sweep("tiers.api.price_per_request=0.01,0.03"),
        &["gated|service (tiers.api.price_per_request=0.03) at 1x"],
    );
}

#[test]
fn a_bad_gate_is_exit_2_with_what_is_allowed() {
    for bad in ["slow", "latency>3", "monthly-cost>lots"] {
        let (code, out, err) = simulate(&scenario(FAST, ""), bad);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(out.is_empty());
        assert!(err.contains("--fail-on"), "{err}");
        assert!(
            err.contains("slo, degraded, budget, cost-per-transaction>X"),
            "{err}"
        );
    }
}

#[test]
fn the_decision_commands_refuse_gates() {
    let (code, _, err) = run(
        &scenario(FAST, ""),
        None,
        &[
            "optimize",
            "a.yaml",
            "--vary",
            "tiers.api.timeout=5s,10s",
            "--fail-on",
            "slo",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("gates apply to simulate, compare, sweep and diff"),
        "{err}"
    );
}

/// Not a gate, but the other half of fitting into a pipeline: `-o` with a `.json` or
/// `.csv` extension and no `--format` writes that format; an explicit `--format` wins.
#[test]
fn the_output_extension_picks_the_format_unless_one_is_given() {
    let dir = TempDir::new().expect("create a temporary folder");
    fs::write(dir.path().join("a.yaml"), scenario(FAST, "")).expect("write a.yaml");
    let write = |args: &[&str]| {
        let out = Command::cargo_bin("scalecost")
            .expect("the binary is built")
            .current_dir(dir.path())
            .env_remove("RUST_BACKTRACE")
            .args(["simulate", "a.yaml", "-q"])
            .args(args)
            .output()
            .expect("run the binary");
        assert_eq!(out.status.code(), Some(0));
    };
    let read = |name: &str| fs::read_to_string(dir.path().join(name)).expect("read output");
    write(&["-o", "out.csv"]);
    assert!(read("out.csv").starts_with("schema_version,row,scenario,set,currency,"));
    write(&["-o", "out.JSON"]);
    serde_json::from_str::<serde_json::Value>(&read("out.JSON")).expect("JSON");
    write(&["-o", "out.txt"]);
    assert!(read("out.txt").contains('│'), "a table");
    write(&["-o", "table.csv", "--format", "table"]);
    assert!(read("table.csv").contains('│'), "--format wins");
}
