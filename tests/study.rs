//! Compare and sweep: the same load for every design, confidence intervals that mean what
//! they say, results that do not depend on the thread count, and clear errors.

use assert_cmd::Command;
use scalecost::scenario::parse;

mod common;

/// The mean latency estimate of one scenario over `replications` runs.
fn latency(s: &scalecost::model::Scenario, replications: u64) -> scalecost::stats::Estimate {
    common::report_with(s, replications).design.results[0]
        .summary
        .figures
        .latency_mean_ms
}

fn scalecost() -> Command {
    let mut cmd = Command::cargo_bin("scalecost").expect("binary built");
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// An M/M/4 station at ρ = 0.75: λ = 300/s, mean service 10 ms.
fn mm4(seed: u64, horizon: &str) -> String {
    format!(
        r#"
name: mm4
seed: {seed}
scales: [1]
workload:
  users: 300
  requests_per_user_per_day: 86400
  horizon: {horizon}
  warmup: 30s
  classes:
    all: {{share: 1, input_tokens: 1, output_tokens: 1}}
routing:
  routes: {{all: pool}}
tiers:
  pool:
    kind: self_hosted
    service_time: {{dist: exponential, mean: 10ms}}
    instances: 4
    price_per_instance_hour: 1
    queue_capacity: 1000000
"#
    )
}

/// Erlang C: mean time in an M/M/c system, ms.
fn erlang_c_sojourn_ms(c: u32, lambda: f64, mu: f64) -> f64 {
    let a = lambda / mu;
    let rho = a / c as f64;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / k as f64;
        sum += term;
    }
    let last = term * a / c as f64 / (1.0 - rho);
    let p_wait = last / (sum + last);
    (p_wait / (c as f64 * mu - lambda) + 1.0 / mu) * 1e3
}

#[test]
fn the_interval_covers_erlang_c_in_most_seeds_and_shrinks_as_one_over_root_n() {
    let truth = erlang_c_sojourn_ms(4, 300.0, 100.0);
    // 20 batches of 5 replications of 10 simulated minutes (~180,000 requests each).
    // A 95% interval should miss in about 1 batch of 20; missing in 6 or more has
    // probability below 1e-4 if the intervals are right.
    let mut covered = 0;
    for seed in 0..20 {
        let s = parse(&mm4(seed, "10m 30s"), "mm4.yaml", "mm4").unwrap();
        let e = latency(&s, 5);
        if e.low() <= truth && truth <= e.high() {
            covered += 1;
        }
    }
    assert!(
        covered >= 15,
        "covered {covered} of 20 (truth {truth:.3} ms)"
    );

    // Four times the replications should halve the standard error (half-width ÷ t).
    // One estimated standard deviation at n = 4 varies by ±40%, so average over 8
    // independent seeds: the ratio's spread is then about ±15%, and E[s] is biased
    // low by 8% at n = 4 against 2% at n = 16, so the expected ratio is about 1.87.
    let (mut few, mut many) = (0.0, 0.0);
    for seed in 100..108 {
        let s = parse(&mm4(seed, "5m 30s"), "mm4.yaml", "mm4").unwrap();
        // Student t at 3 and 15 degrees of freedom: 3.182 and 2.131.
        few += latency(&s, 4).half_width / 3.182;
        let other = parse(&mm4(seed + 1000, "5m 30s"), "mm4.yaml", "mm4").unwrap();
        many += latency(&other, 16).half_width / 2.131;
    }
    let ratio = few / many;
    assert!(
        (1.5..2.6).contains(&ratio),
        "standard error ratio {ratio}, expected about 1.87"
    );
}

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Three API designs on one load: a cheap model that breaks the latency SLO, a dear
/// one, and the dear one behind a cache.
fn designs(dir: &std::path::Path) {
    let base = |name: &str, price: f64, latency: &str, cache: &str| {
        format!(
            r#"
name: {name}
seed: 3
scales: [1, 10]
workload:
  users: 2000
  requests_per_user_per_day: 20
  horizon: 1d
  warmup: 1h
  classes:
    q: {{share: 1, input_tokens: 500, output_tokens: 100}}
{cache}
routing:
  routes: {{q: llm}}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: {price}
    price_per_1k_output_tokens: {price}
    latency: {latency}
slo: {{p99_latency: 3s}}
"#
        )
    };
    write(
        dir,
        "dear.yaml",
        &base("dear", 0.002, "{dist: lognormal, mean: 1s, sd: 0.3s}", ""),
    );
    write(
        dir,
        "cheap-slow.yaml",
        &base(
            "cheap-slow",
            0.0005,
            "{dist: lognormal, mean: 3s, sd: 1s}",
            "",
        ),
    );
    write(
        dir,
        "dear-cached.yaml",
        &base(
            "dear-cached",
            0.002,
            "{dist: lognormal, mean: 1s, sd: 0.3s}",
            "cache: {hit_rate: 0.4, price_per_hour: 0.1}",
        ),
    );
}

#[test]
fn compare_marks_the_cheapest_design_that_meets_its_slo() {
    let dir = tempfile::tempdir().unwrap();
    designs(dir.path());
    let out = scalecost()
        .current_dir(dir.path())
        .args([
            "compare",
            "dear.yaml",
            "cheap-slow.yaml",
            "dear-cached.yaml",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    // cheap-slow is cheapest but fails p99; the cached design is the cheapest that passes.
    assert!(table.contains("★ dear-cached"), "{table}");
    assert!(!table.contains("★ cheap-slow"));
    insta::assert_snapshot!(table);
}

#[test]
fn results_are_byte_identical_with_one_thread_or_four() {
    let dir = tempfile::tempdir().unwrap();
    designs(dir.path());
    let run = |args: &[&str]| {
        let out = scalecost()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let compare = [
        "compare",
        "dear.yaml",
        "cheap-slow.yaml",
        "--replications",
        "3",
        "--format",
        "json",
        "--quiet",
    ];
    let one = run(&[&compare[..], &["--jobs", "1"]].concat());
    let four = run(&[&compare[..], &["--jobs", "4"]].concat());
    assert_eq!(one, four);
    let sweep = [
        "sweep",
        "dear-cached.yaml",
        "--set",
        "cache.hit_rate=0,0.5",
        "--replications",
        "2",
        "--format",
        "json",
        "-q",
    ];
    assert_eq!(
        run(&[&sweep[..], &["--jobs", "1"]].concat()),
        run(&[&sweep[..], &["--jobs", "4"]].concat())
    );
    let simulate = [
        "simulate",
        "dear-cached.yaml",
        "--replications",
        "3",
        "--format",
        "json",
        "-q",
    ];
    assert_eq!(
        run(&[&simulate[..], &["--jobs", "1"]].concat()),
        run(&[&simulate[..], &["--jobs", "4"]].concat())
    );
}

#[test]
fn a_sweep_over_the_hit_rate_lowers_the_api_bill_step_by_step() {
    let dir = tempfile::tempdir().unwrap();
    designs(dir.path());
    let out = scalecost()
        .current_dir(dir.path())
        .args([
            "sweep",
            "dear-cached.yaml",
            "--set",
            "cache.hit_rate=0..0.9:0.1",
            "--scales",
            "1",
            "--format",
            "json",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sweep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let points = sweep["designs"].as_array().unwrap();
    assert_eq!(points.len(), 10);
    let costs: Vec<f64> = points
        .iter()
        .map(|p| {
            p["results"][0]["summary"]["figures"]["monthly_cost"]["mean"]
                .as_f64()
                .unwrap()
        })
        .collect();
    // Shared random numbers: a higher hit rate hits a superset of the requests, so the
    // API bill falls strictly at every step, not just on average.
    for pair in costs.windows(2) {
        assert!(pair[1] < pair[0], "{costs:?}");
    }
    assert_eq!(points[3]["values"][0], 0.3);
}

#[test]
fn a_bad_set_path_or_value_names_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    designs(dir.path());
    let err = |set: &str| {
        let out = scalecost()
            .current_dir(dir.path())
            .args(["sweep", "dear.yaml", "--set", set])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{set}");
        String::from_utf8(out.stderr).unwrap()
    };
    insta::assert_snapshot!("unknown_tier", err("tiers.gpt.latency=2s"));
    insta::assert_snapshot!("unknown_field", err("tiers.llm.price_per_1k_tokens=0.1"));
    insta::assert_snapshot!("bad_value", err("tiers.llm.price_per_1k_input_tokens=-1"));
    insta::assert_snapshot!("not_a_scalar", err("tiers.llm=1"));
    insta::assert_snapshot!("bad_range", err("workload.users=10..5:1"));
}

/// Runs scalecost in `dir`; returns the exit code, standard output and standard error.
fn run_in(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = scalecost().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_run_simulate_would_refuse_is_refused_by_sweep_and_compare_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    designs(dir.path());
    // 30 million users × 100 × 20 requests a day for a day: 6e10 requests in one run.
    let started = std::time::Instant::now();
    let (code, out, sweep) = run_in(
        dir.path(),
        &[
            "sweep",
            "dear.yaml",
            "--set",
            "workload.users=1000,30000000",
            "--scales",
            "100",
        ],
    );
    assert_eq!(code, Some(2), "{sweep}");
    assert!(out.is_empty());
    assert!(
        sweep.contains("workload.users:") && sweep.contains("requests in one run"),
        "{sweep}"
    );
    assert!(
        sweep.contains("(set by --set workload.users=30000000)"),
        "{sweep}"
    );
    // The same file with the value written in it gets the same message.
    std::fs::write(
        dir.path().join("huge.yaml"),
        std::fs::read_to_string(dir.path().join("dear.yaml"))
            .unwrap()
            .replace("users: 2000", "users: 30000000"),
    )
    .unwrap();
    let (code, _, simulate) = run_in(dir.path(), &["simulate", "huge.yaml", "--scales", "100"]);
    assert_eq!(code, Some(2));
    let message = |text: &str| {
        let at = text.find("workload.users:").expect("the field is named");
        text[at..]
            .lines()
            .next()
            .unwrap()
            .split(" (set by")
            .next()
            .unwrap()
            .trim()
            .to_string()
    };
    assert_eq!(message(&sweep), message(&simulate));
    // Compare runs the second scenario at the baseline's scales: refused the same way.
    let (code, _, compare) = run_in(
        dir.path(),
        &[
            "compare",
            "dear.yaml",
            "huge.yaml",
            "--own-load",
            "--scales",
            "1,100",
        ],
    );
    assert_eq!(code, Some(2), "{compare}");
    assert_eq!(message(&compare), message(&simulate));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_set_value_of_the_wrong_type_reads_as_the_same_value_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    designs(dir.path());
    let text = std::fs::read_to_string(dir.path().join("dear.yaml")).unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        text.replace("users: 2000", "users: lots"),
    )
    .unwrap();
    let (code, _, in_file) = run_in(dir.path(), &["simulate", "bad.yaml"]);
    assert_eq!(code, Some(2));
    let (code, _, by_set) = run_in(
        dir.path(),
        &["sweep", "dear.yaml", "--set", "workload.users=lots"],
    );
    assert_eq!(code, Some(2));
    // The same message; only the file's line, which does not show the value that was
    // read from the command line, is left out.
    let messages = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("error: "))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        messages(&in_file.replace("bad.yaml", "dear.yaml")),
        messages(&by_set.replace(" (set by --set workload.users=lots)", "")),
    );
    assert!(in_file.contains("^"), "{in_file}");
    assert!(!by_set.contains("^"), "{by_set}");
    assert!(
        by_set.contains("dear.yaml:6:10: workload.users: \"lots\" is a string; expected a number"),
        "{by_set}"
    );
}

#[test]
fn compare_refuses_mixed_currencies_unless_given_a_rate() {
    let dir = tempfile::tempdir().unwrap();
    designs(dir.path());
    let text = std::fs::read_to_string(dir.path().join("dear.yaml")).unwrap();
    std::fs::write(
        dir.path().join("euro.yaml"),
        text.replace("name: dear", "name: euro\ncurrency: EUR"),
    )
    .unwrap();
    let (code, out, err) = run_in(dir.path(), &["compare", "dear.yaml", "euro.yaml", "-q"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("currency EUR differs from the baseline's USD"),
        "{err}"
    );
    assert!(err.contains("--exchange-rate EUR="), "{err}");
    // At 2 USD per EUR the same prices cost twice as much.
    let (code, out, err) = run_in(
        dir.path(),
        &[
            "compare",
            "dear.yaml",
            "euro.yaml",
            "--exchange-rate",
            "EUR=2",
            "--format",
            "json",
            "-q",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cost = |d: usize| {
        c["designs"][d]["results"][0]["summary"]["figures"]["monthly_cost"]["mean"]
            .as_f64()
            .unwrap()
    };
    assert!(
        (cost(1) / cost(0) - 2.0).abs() < 1e-9,
        "{} vs {}",
        cost(1),
        cost(0)
    );
    assert!(
        c["notes"][0]
            .as_str()
            .unwrap()
            .contains("converted from EUR at 2 USD per EUR")
    );
}

#[test]
fn a_design_that_fails_its_requests_never_gets_the_star_even_without_an_slo() {
    let dir = tempfile::tempdir().unwrap();
    designs(dir.path());
    let text = std::fs::read_to_string(dir.path().join("dear.yaml")).unwrap();
    let no_slo = text.replace("slo: {p99_latency: 3s}\n", "");
    std::fs::write(
        dir.path().join("serves.yaml"),
        no_slo.replace("name: dear", "name: serves"),
    )
    .unwrap();
    // A tenth of the price, but an account limit of 6 calls a minute against about 28
    // arriving: most requests are throttled.
    std::fs::write(
        dir.path().join("throttled.yaml"),
        no_slo
            .replace("name: dear", "name: throttled")
            .replace("price_per_1k_input_tokens: 0.002", "price_per_1k_input_tokens: 0.0002")
            .replace("price_per_1k_output_tokens: 0.002", "price_per_1k_output_tokens: 0.0002\n    rate_limit: {requests_per_minute: 6}\n    retry: {max_retries: 0, backoff: 1s}"),
    )
    .unwrap();
    let (code, out, err) = run_in(
        dir.path(),
        &[
            "compare",
            "serves.yaml",
            "throttled.yaml",
            "--scales",
            "1",
            "--format",
            "json",
            "-q",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    let summary = |d: usize| &c["designs"][d]["results"][0]["summary"];
    assert!(
        summary(1)["figures"]["error_rate"]["mean"]
            .as_f64()
            .unwrap()
            > 0.5
    );
    assert!(
        summary(1)["figures"]["cost_per_transaction"]["mean"]
            .as_f64()
            .unwrap()
            < summary(0)["figures"]["cost_per_transaction"]["mean"]
                .as_f64()
                .unwrap(),
        "the failing design is the cheaper one"
    );
    assert_eq!(summary(1)["degraded"], true);
    assert_eq!(summary(1)["best"], false);
    assert_eq!(summary(0)["best"], true);
    let (_, table, _) = run_in(
        dir.path(),
        &[
            "compare",
            "serves.yaml",
            "throttled.yaml",
            "--scales",
            "1",
            "-q",
        ],
    );
    assert!(
        table.contains("★ serves") && table.contains("(degraded)"),
        "{table}"
    );
}

#[test]
fn compare_runs_every_design_at_the_baseline_users_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    designs(dir.path());
    let text = std::fs::read_to_string(dir.path().join("dear.yaml")).unwrap();
    std::fs::write(
        dir.path().join("bigger.yaml"),
        text.replace("name: dear", "name: bigger")
            .replace("users: 2000", "users: 6000"),
    )
    .unwrap();
    let (code, table, err) = run_in(
        dir.path(),
        &["compare", "dear.yaml", "bigger.yaml", "--scales", "1", "-q"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        table.contains("bigger declares 6,000 users; it runs with the baseline's 2,000"),
        "{table}"
    );
    assert!(table.contains("At 1x (2,000 users)"), "{table}");
    let (_, table, _) = run_in(
        dir.path(),
        &[
            "compare",
            "dear.yaml",
            "bigger.yaml",
            "--scales",
            "1",
            "--own-load",
            "-q",
        ],
    );
    assert!(table.contains("different loads"), "{table}");
    assert!(table.contains("6,000"), "{table}");
}
