//! The progress bar counts simulated requests: every arrival a run simulates is counted
//! once, the bar's total (the plan's expected requests) is the expectation of that
//! count, and nothing of the bar reaches a standard error that is not a terminal.
//!
//! Its own test binary: the count is process-wide, and tests of other files running
//! simulations beside these would add to it.

mod common;

use assert_cmd::Command;
use scalecost::progress::simulated;
use scalecost::sim::simulate;

/// Poisson arrivals at 800/s for 10 minutes after 1 minute of warm-up: 528,000 expected.
const STEADY: &str = r#"
name: steady
seed: 3
scales: [1]
workload:
  users: 800
  requests_per_user_per_day: 86400
  horizon: 11m
  warmup: 1m
  classes:
    all: {share: 1, input_tokens: 1, output_tokens: 1}
routing:
  routes: {all: pool}
tiers:
  pool:
    kind: self_hosted
    service_time: {dist: exponential, mean: 8ms}
    instances: 8
    price_per_instance_hour: 1
"#;

#[test]
fn every_simulated_arrival_is_counted_once_and_the_total_is_its_expectation() {
    let scenario = common::parse(STEADY);
    let expected = scalecost::work::RunWork::of(&scenario, scenario.workload().users).requests;
    assert!((expected - 528_000.0).abs() < 1.0, "{expected}");
    let mut counted_all = 0;
    let mut arrived_all = 0;
    for replication in 0..3 {
        let before = simulated();
        let metrics = simulate(&scenario, 1.0, replication);
        let counted = simulated() - before;
        let arrived: u64 = metrics.timeline.iter().map(|h| h.arrivals).sum();
        assert_eq!(counted, arrived, "replication {replication}");
        counted_all += counted;
        arrived_all += arrived;
    }
    assert_eq!(counted_all, arrived_all);
    // The count of a Poisson stream has sd sqrt(528,000) ≈ 727 a run, so three runs'
    // mean lies within 0.5% (2,640, more than 6 sd of the mean) of the expectation.
    let mean = counted_all as f64 / 3.0;
    assert!(
        (mean / expected - 1.0).abs() < 0.005,
        "mean count {mean} against the bar's total {expected}"
    );
}

#[test]
fn a_standard_error_that_is_no_terminal_gets_no_bar() {
    // About 6 million requests: above the bar's threshold, so only the terminal test
    // keeps it away.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let big = STEADY.replace("horizon: 11m", "horizon: 2h 5m");
    std::fs::write(dir.path().join("steady.yaml"), big).expect("write the scenario");
    let out = Command::cargo_bin("scalecost")
        .expect("the binary is built")
        .current_dir(dir.path())
        .env_remove("RUST_BACKTRACE")
        .args([
            "simulate",
            "steady.yaml",
            "--no-break-even",
            "--format",
            "json",
        ])
        .output()
        .expect("run scalecost");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("requests simulated") && !stderr.contains('\r'),
        "{stderr:?}"
    );
}
