//! Compare and sweep: the same load for every design, confidence intervals that mean what
//! they say, results that do not depend on the thread count, and clear errors.

use assert_cmd::Command;
use scalecost::progress::Progress;
use scalecost::scenario::parse;
use scalecost::study::compare;

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
        let c = compare(vec![s], 5, &Progress::silent());
        let e = c.scales[0].rows[0].point.figures.latency_mean_ms;
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
        few += compare(vec![s.clone()], 4, &Progress::silent()).scales[0].rows[0]
            .point
            .figures
            .latency_mean_ms
            .half_width
            / 3.182;
        let mut other = s;
        other.seed += 1000;
        many += compare(vec![other], 16, &Progress::silent()).scales[0].rows[0]
            .point
            .figures
            .latency_mean_ms
            .half_width
            / 2.131;
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
    let rows = sweep["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    let costs: Vec<f64> = rows
        .iter()
        .map(|r| r["figures"]["monthly_cost"]["mean"].as_f64().unwrap())
        .collect();
    // Shared random numbers: a higher hit rate hits a superset of the requests, so the
    // API bill falls strictly at every step, not just on average.
    for pair in costs.windows(2) {
        assert!(pair[1] < pair[0], "{costs:?}");
    }
    assert_eq!(rows[3]["values"][0], "0.3");
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
