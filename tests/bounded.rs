//! No input can make scalecost eat the machine or print nonsense: each way found to do
//! it is refused at validation (exit 2, the arithmetic in the message) or read with a
//! limit, and the figures that stay are the ones a hand calculation gives.

use std::io::Write;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

mod common;

/// One API tier answering one class: the load is all that varies.
fn scenario(workload_extra: &str, users: f64, horizon: &str, api_extra: &str) -> String {
    format!(
        "name: bounded
scales: [1]
workload:
  users: {users}
  requests_per_user_per_day: 1
  horizon: {horizon}
{workload_extra}  classes:
    only:
      share: 1
      input_tokens: {{dist: constant, value: 100}}
      output_tokens: {{dist: constant, value: 10}}
{deferrable}routing:
  routes: {{only: api}}
tiers:
  api:
    kind: api
    price_per_1k_input_tokens: 0.001
    price_per_1k_output_tokens: 0.002
    price_per_request: 0
    latency: {{dist: constant, value: 100ms}}
{api_extra}",
        deferrable = if api_extra.contains("batch") {
            "      deferrable: true\n"
        } else {
            ""
        }
    )
}

fn scalecost(dir: &TempDir) -> Command {
    let mut cmd = Command::cargo_bin("scalecost").expect("the binary is built");
    cmd.current_dir(dir.path()).env_remove("RUST_BACKTRACE");
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// Runs the binary on `yaml` and returns (exit code, standard error).
fn run(yaml: &str, args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("s.yaml"), yaml).expect("write the scenario");
    let out = scalecost(&dir)
        .args(args)
        .arg("s.yaml")
        .output()
        .expect("run the binary");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn stacked_bursts_are_refused_with_their_product() {
    let bursts: String = (0..103)
        .map(|_| "    - {start: 1h, duration: 1h, multiplier: 1000}\n")
        .collect();
    let yaml = scenario(&format!("  bursts:\n{bursts}"), 100.0, "1d", "");
    let start = Instant::now();
    let (code, err) = run(&yaml, &["simulate"]);
    assert_eq!(code, 2, "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(
        err.contains("bursts[0], bursts[1]") && err.contains("at most 1000"),
        "{err}"
    );
    // Two bursts whose product stays within the bound simulate.
    let fine = "  bursts:\n    - {start: 1h, duration: 1h, multiplier: 20}\n    - {start: 1h 30m, duration: 1h, multiplier: 50}\n";
    let (code, err) = run(&scenario(fine, 100.0, "1d", ""), &["validate"]);
    assert_eq!(code, 0, "{err}");
    let over = fine.replace("multiplier: 50", "multiplier: 51");
    let (code, err) = run(&scenario(&over, 100.0, "1d", ""), &["validate"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workload.bursts[1].multiplier") && err.contains("1020"),
        "{err}"
    );
}

#[test]
fn a_burst_counts_in_the_request_limit() {
    // 4e8 users × 1 a day × 2 days is 8e8 requests, under the 1e9 limit; a ×1000 burst
    // over one hour adds 999 × 4e8/24 ≈ 1.7e10 and is refused.
    let flat = scenario("", 4e8, "2d", "");
    let (code, err) = run(&flat, &["validate"]);
    assert_eq!(code, 0, "{err}");
    let burst = scenario(
        "  bursts:\n    - {start: 10h, duration: 1h, multiplier: 1000}\n",
        4e8,
        "2d",
        "",
    );
    let (code, err) = run(&burst, &["validate"]);
    assert_eq!(code, 2, "{err}");
    // By hand: 8e8 × (1 + 999 × 1h / 48h) = 17,450,000,000.
    assert!(err.contains("about 17,450,000,000 requests"), "{err}");
}

#[test]
fn the_request_estimate_is_the_expectation_of_the_shape() {
    // Flat load, one ×4 burst of 6 hours in a 3-day horizon: 1 + 3 × 6/72 = 1.25.
    let yaml = scenario(
        "  bursts:\n    - {start: 1d, duration: 6h, multiplier: 4}\n",
        1000.0,
        "3d",
        "",
    );
    let s = common::parse(&yaml);
    let work = scalecost::work::RunWork::of(&s, 1000.0);
    assert!(
        (work.requests - 3000.0 * 1.25).abs() < 1e-6,
        "{}",
        work.requests
    );
    // A diurnal cycle over whole days and a weekly one over whole weeks average to 1.
    let cycles = scenario(
        "  diurnal: {peak_to_trough: 5, peak_hour: 9}\n  weekly: {weekend_factor: 0.3}\n",
        1000.0,
        "14d",
        "",
    );
    let work = scalecost::work::RunWork::of(&common::parse(&cycles), 1000.0);
    assert!((work.requests - 14_000.0).abs() < 1e-6, "{}", work.requests);
    assert!(
        (work.peak_rate_per_s - 1000.0 / 86_400.0 * (1.0 + 4.0 / 6.0) * 7.0 / 5.6).abs() < 1e-9
    );
}

#[test]
fn requests_held_in_flight_are_bounded_by_memory() {
    // 1000 calls a second, each answered by the batch path a day later: 86 million in
    // flight, 10 GiB; refused before it starts.
    let yaml = scenario(
        "",
        86_400_000.0,
        "2d",
        "    batch: {discount: 0.5, turnaround: {dist: constant, value: 24h}}\n",
    );
    let start = Instant::now();
    let (code, err) = run(&yaml, &["simulate"]);
    assert_eq!(code, 2, "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(
        err.contains("GiB of memory") && err.contains("requests in flight"),
        "{err}"
    );
}

#[test]
fn a_plan_whose_results_would_not_fit_is_refused() {
    let yaml = scenario("", 10.0, "300d", "");
    let scales: Vec<String> = (1..=600)
        .map(|i| format!("{}", 1.0 + i as f64 / 1000.0))
        .collect();
    let (code, err) = run(&yaml, &["simulate", "--scales", &scales.join(",")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the results of 600 runs would hold about"),
        "{err}"
    );
    let (code, err) = run(
        &scenario("", 10.0, "1d", ""),
        &[
            "simulate",
            "--scales",
            &scales[..201].join(","),
            "--replications",
            "1000",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("201,000 runs"), "{err}");
}

#[cfg(unix)]
#[test]
fn devices_and_pipes_are_read_with_the_limit() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let start = Instant::now();
    let out = scalecost(&dir)
        .args(["simulate", "/dev/zero"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(String::from_utf8_lossy(&out.stderr).contains("larger than 1 MiB"));

    // 50 MB through a pipe: refused after the first MiB, the writer sees the pipe close.
    let mut child = Process::new(assert_cmd::cargo::cargo_bin("scalecost"))
        .args(["validate", "/dev/stdin"])
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'#'; 1 << 20];
        let mut written = 0usize;
        for _ in 0..50 {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
            written += chunk.len();
        }
        written
    });
    let out = child.wait_with_output().expect("wait");
    let written = writer.join().expect("writer");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("larger than 1 MiB"));
    assert!(
        written < 50 << 20,
        "the whole pipe was read: {written} bytes"
    );
}

#[test]
fn money_that_would_overflow_is_refused_with_its_inputs() {
    let costs = "costs:\n  periodic:\n    - {name: audit, every: 1d, amount: 100, growth: 10}\n";
    let (code, err) = run(
        &format!("{}{costs}", scenario("", 100.0, "1d", "")),
        &["validate"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("costs.periodic[0].growth") && err.contains("100 × 10^3599"),
        "{err}"
    );
    // Every 30 days, 120 occurrences: 100 × 1.2^119 ≈ 2.6e11, under 1e30.
    let fine = costs
        .replace("every: 1d", "every: 30d")
        .replace("growth: 10", "growth: 1.2");
    let (code, err) = run(
        &format!("{}{fine}", scenario("", 100.0, "1d", "")),
        &["validate"],
    );
    assert_eq!(code, 0, "{err}");

    let (code, err) = run(&scenario("", 1e-320, "1d", ""), &["validate"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workload.users") && err.contains("0.001"),
        "{err}"
    );
}

#[test]
fn seeds_have_one_range_and_a_field_is_set_once() {
    let yaml = scenario("", 100.0, "1d", "");
    let (code, err) = run(&yaml, &["simulate", "--seed", "9007199254740992"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("9007199254740991") && err.contains("--seed"),
        "{err}"
    );
    let (code, err) = run(&yaml, &["simulate", "--seed", "9007199254740991"]);
    assert_eq!(code, 0, "{err}");
    let (code, err) = run(
        &yaml,
        &[
            "sweep",
            "--set",
            "workload.users=1,2",
            "--set",
            "workload.users=3",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("given twice"), "{err}");
}

#[test]
fn a_quoted_number_reads_as_the_number() {
    // Documented (README, "Input limits"): tools that write YAML often quote numbers.
    let plain = scenario("", 100.0, "1d", "");
    let quoted = plain.replace("users: 100\n", "users: \"100\"\n");
    assert_ne!(plain, quoted);
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut outputs = Vec::new();
    for yaml in [&plain, &quoted] {
        std::fs::write(dir.path().join("s.yaml"), yaml).expect("write");
        let out = scalecost(&dir)
            .args(["simulate", "--format", "json", "s.yaml"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0));
        outputs.push(out.stdout);
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[cfg(unix)]
#[test]
fn the_notice_counts_the_runs_a_growth_path_adds() {
    use std::io::{BufRead, BufReader};
    // One user growing to 10^10: 35 runs along the path, 1.6e9 requests in all, though
    // the scenario's own run is a handful of requests.
    let yaml = scenario("  growth: {users: [1, 1e10]}\n", 1.0, "2d", "").replace(
        "requests_per_user_per_day: 1\n",
        "requests_per_user_per_day: 0.04\n",
    );
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("s.yaml"), yaml).expect("write");
    let mut child = Process::new(assert_cmd::cargo::cargo_bin("scalecost"))
        .args(["simulate", "s.yaml", "-o", "out.json"])
        .current_dir(dir.path())
        .env_remove("RUST_BACKTRACE")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut line = String::new();
    BufReader::new(child.stderr.take().expect("stderr"))
        .read_line(&mut line)
        .expect("read the notice");
    let _ = child.kill();
    let _ = child.wait();
    // By hand: users r^i for i = 0..=34 with r = 10^(10/34), summing to
    // (10^10·r − 1)/(r − 1) = 2.033e10; × 0.04 a day × 2 days = 1.63e9.
    assert!(line.starts_with("note: about 1.6e9 requests"), "{line}");
}
