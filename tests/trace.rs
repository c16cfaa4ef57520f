//! Replaying recorded traces: each public format is read from its sample and refused,
//! with its file, line and column, when a line is broken; a replayed Poisson stream
//! queues as Erlang C says; scaling superposes copies at exactly the multiplied rate.

#[path = "common/traces.rs"]
mod traces;

use traces::scalecost;

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/traces")
        .join(name)
}

/// A scenario replaying `file` (in `format`) through one fixed pool.
fn scenario(file: &str, format: &str, horizon: &str, extra: &str) -> String {
    format!(
        "name: replay
seed: 3
scales: [1]
workload:
  users: 100
  horizon: {horizon}
  trace: {{file: {file}, format: {format}{extra}}}
  classes:
    all: {{}}
routing:
  routes: {{all: pool}}
tiers:
  pool:
    kind: self_hosted
    service_time: {{dist: exponential, mean: 8ms}}
    instances: 2
    price_per_instance_hour: 1
    queue_capacity: 10000000
"
    )
}

/// The JSON result of each scale of `scenario`.
fn results(dir: &Path, scenario: &str, scales: &str) -> Vec<serde_json::Value> {
    let out = scalecost(
        dir,
        &[
            "simulate", scenario, "--scales", scales, "--format", "json", "-q",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    match json["results"].take() {
        serde_json::Value::Array(results) => results,
        other => panic!("results: {other}"),
    }
}

fn offered(dir: &Path, scenario: &str, scales: &str) -> Vec<f64> {
    results(dir, scenario, scales)
        .iter()
        .map(|r| r["requests"]["offered"].as_f64().expect("offered"))
        .collect()
}

const FORMATS: [(&str, &str); 3] = [
    ("azure.csv", "azure"),
    ("mooncake.jsonl", "mooncake"),
    ("burstgpt.csv", "burstgpt"),
];

#[test]
fn each_format_replays_its_sample() {
    let dir = TempDir::new().unwrap();
    for (file, format) in FORMATS {
        fs::copy(sample(file), dir.path().join(file)).unwrap();
        let lines = fs::read_to_string(sample(file)).unwrap().lines().count() as f64;
        let requests = if format == "mooncake" {
            lines
        } else {
            lines - 1.0
        };
        // Less than one pass of each sample (the shortest spans just under an hour).
        fs::write(dir.path().join("s.yaml"), scenario(file, format, "59m", "")).unwrap();
        let out = scalecost(dir.path(), &["validate", "s.yaml"]);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The first 59 minutes of each sample: some of its requests, never more than it holds.
        let played = offered(dir.path(), "s.yaml", "1")[0];
        assert!(
            played > 0.0 && played <= requests,
            "{format}: {played} of {requests}"
        );
    }
}

/// Each format with one of its lines broken: refused (exit 2), naming the trace file,
/// the line and the column.
#[test]
fn a_broken_line_is_refused_with_its_file_line_and_column() {
    let cases = [
        (
            "azure.csv",
            "azure",
            5,
            ",",
            ",lots",
            "azure.csv:5: column ContextTokens",
        ),
        (
            "mooncake.jsonl",
            "mooncake",
            3,
            "\"input_length\": ",
            "\"input_length\": -",
            "mooncake.jsonl:3: column input_length",
        ),
        ("burstgpt.csv", "burstgpt", 4, "Conversation", "", ""),
    ];
    for (file, format, line, from, to, expected) in cases {
        let dir = TempDir::new().unwrap();
        let text = fs::read_to_string(sample(file)).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let (broken, expected) = if format == "burstgpt" {
            // Drop the token columns of line 4.
            let fields: Vec<&str> = lines[line - 1].split(',').collect();
            (
                format!("{},{}", fields[0], fields[1]),
                "burstgpt.csv:4: column Request tokens".to_string(),
            )
        } else {
            let l = &lines[line - 1];
            let at = l
                .find(from)
                .unwrap_or_else(|| panic!("{format}: `{from}` on line {line}: {l}"));
            (
                format!("{}{}{}", &l[..at], to, &l[at + from.len()..]),
                expected.to_string(),
            )
        };
        lines[line - 1] = broken;
        fs::write(dir.path().join(file), lines.join("\n") + "\n").unwrap();
        fs::write(dir.path().join("s.yaml"), scenario(file, format, "1h", "")).unwrap();
        let out = scalecost(dir.path(), &["validate", "s.yaml"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {stderr}");
        assert!(
            stderr.contains(&expected),
            "{format}: expected `{expected}` in:\n{stderr}"
        );
        assert!(
            stderr.contains("s.yaml:"),
            "{format}: the scenario's place too:\n{stderr}"
        );
    }
}

#[test]
fn scaling_superposes_copies_at_the_multiplied_rate_and_a_short_trace_loops() {
    let dir = TempDir::new().unwrap();
    // 200 requests a second for 60 s: about 12,000.
    let n = traces::poisson_burstgpt(&dir.path().join("t.csv"), 200.0, 60.0, 5) as f64;
    fs::write(
        dir.path().join("s.yaml"),
        scenario("t.csv", "burstgpt", "60s", ""),
    )
    .unwrap();
    let counts = offered(dir.path(), "s.yaml", "1,10,2.5,0.5");
    // Over one whole period each copy plays every request once (the copies are shifted
    // modulo the period), so integer scales are exact to the request at the horizon's edge.
    assert!((counts[0] - n).abs() <= 1.0, "{counts:?} vs {n}");
    assert!((counts[1] - 10.0 * n).abs() <= 10.0, "{counts:?} vs {n}");
    // The thinned half copy keeps a binomial share: sd √(n/4) ≈ 55; 5 sd.
    let sd = (n * 0.25).sqrt();
    assert!(
        (counts[2] - 2.5 * n).abs() <= 5.0 * sd + 2.0,
        "{counts:?} vs {n}"
    );
    assert!(
        (counts[3] - 0.5 * n).abs() <= 5.0 * sd + 1.0,
        "{counts:?} vs {n}"
    );

    // Three minutes of a one-minute trace: it loops, with a warning that says so.
    fs::write(
        dir.path().join("s.yaml"),
        scenario("t.csv", "burstgpt", "180s", ""),
    )
    .unwrap();
    let out = scalecost(dir.path(), &["validate", "s.yaml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the trace loops 3.0 times"), "{stderr}");
    let looped = offered(dir.path(), "s.yaml", "1")[0];
    assert!((looped - 3.0 * n).abs() <= 3.0, "{looped} vs {n}");
}

#[test]
fn the_same_trace_and_seed_give_the_same_bytes() {
    let dir = TempDir::new().unwrap();
    traces::poisson_burstgpt(&dir.path().join("t.csv"), 50.0, 60.0, 6);
    fs::write(
        dir.path().join("s.yaml"),
        scenario("t.csv", "burstgpt", "60s", ""),
    )
    .unwrap();
    let run = |threads: &str| {
        let out = scalecost(
            dir.path(),
            &[
                "simulate", "s.yaml", "--scales", "1,3.5,10", "--format", "json", "-q", "--jobs",
                threads,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    assert!(
        run("1") == run("2"),
        "the output depends on the thread count"
    );
}

/// M/M/2 at ρ = 0.7 with 8 ms services, fed by replayed Poisson traces. Eight traces
/// of 300,000 requests each (after a 5% warm-up): their spread measures the standard
/// error of the mean wait at about 1.5% of Wq, so a 6% tolerance is four standard
/// errors (asserted below); a server too few or a rate 6% off moves Wq by more.
#[test]
fn a_replayed_poisson_stream_queues_as_erlang_c_says() {
    let dir = TempDir::new().unwrap();
    let rate = 0.7 * 2.0 / 0.008; // 175 a second
    let seconds = 300_000.0 / rate / 0.95;
    let mut waits = Vec::new();
    let mut probabilities = Vec::new();
    for seed in 0..8 {
        let file = format!("t{seed}.csv");
        traces::poisson_burstgpt(&dir.path().join(&file), rate, seconds, 100 + seed);
        let yaml = scenario(
            &file,
            "burstgpt",
            &format!("{}ms", (seconds * 1e3) as u64),
            "",
        )
        .replace(
            "  horizon:",
            &format!("  warmup: {}ms\n  horizon:", (seconds * 50.0) as u64),
        );
        let path = dir.path().join(format!("s{seed}.yaml"));
        fs::write(&path, yaml).unwrap();
        let s = scalecost::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let run = scalecost::sim::simulate(&s, 1.0, seed);
        waits.push(run.tiers[0].mean_wait_ms);
        probabilities.push(run.tiers[0].wait_probability);
    }
    // Erlang C for c = 2, a = 1.4: P(wait) = (a²/2!)·2/(2−a) / (1 + a + (a²/2!)·2/(2−a)).
    let a: f64 = 1.4;
    let top = a * a / (2.0 - a);
    let p_wait = top / (1.0 + a + top);
    let wq = p_wait * 8.0 / (2.0 - a);
    let (mean, se) = mean_and_se(&waits);
    eprintln!("Wq {mean:.4} ± {se:.4} ms, Erlang C {wq:.4} ms");
    assert!((mean - wq).abs() <= 0.06 * wq, "Wq {mean} vs {wq}");
    assert!(
        4.0 * se <= 0.06 * wq,
        "standard error {se} too large for the tolerance"
    );
    let (p, p_se) = mean_and_se(&probabilities);
    eprintln!("P(wait) {p:.4} ± {p_se:.4}, Erlang C {p_wait:.4}");
    assert!((p - p_wait).abs() <= 0.015, "P(wait) {p} vs {p_wait}");
    assert!(4.0 * p_se <= 0.015, "standard error {p_se} too large");
}

fn mean_and_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Parts of a sharded replay merge into the unsharded output, byte for byte, and a
/// part made after the trace changed is refused: the trace's digest is in the plan's
/// fingerprint.
#[test]
fn sharded_parts_carry_the_trace_in_their_fingerprint() {
    let dir = TempDir::new().unwrap();
    traces::poisson_burstgpt(&dir.path().join("t.csv"), 20.0, 60.0, 8);
    fs::write(
        dir.path().join("s.yaml"),
        scenario("t.csv", "burstgpt", "60s", ""),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = scalecost(dir.path(), args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let shard = ["simulate", "s.yaml", "--scales", "1,10", "-q", "--shard"];
    run(&[&shard[..], &["0/2", "-o", "p0.json"]].concat());
    run(&[&shard[..], &["1/2", "-o", "p1.json"]].concat());
    let merged = run(&["merge", "p0.json", "p1.json", "--format", "json", "-q"]);
    let direct = run(&[
        "simulate", "s.yaml", "--scales", "1,10", "--format", "json", "-q",
    ]);
    assert!(
        merged == direct,
        "the merged parts differ from the unsharded run"
    );

    let mut text = fs::read_to_string(dir.path().join("t.csv")).unwrap();
    text.push_str("59.999999,m,1,1,2,Conversation log\n");
    fs::write(dir.path().join("t.csv"), text).unwrap();
    run(&[&shard[..], &["1/2", "-o", "p1.json"]].concat());
    let out = scalecost(dir.path(), &["merge", "p0.json", "p1.json", "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("different plans"),
        "{stderr}"
    );
}

mod prompt_blocks {
    //! An API's prompt cache fed by the trace's `hash_ids`: a call's warm prefix is the
    //! longest leading run of its 512-token blocks sent less than the lifetime ago; the
    //! rest of its blocks are written.
    use super::*;

    /// A scenario replaying the Mooncake trace `t.jsonl` to one API with a 5-minute
    /// prompt cache: input 0.4, cached 0.1, writes at 1.25×, output 1.6 per 1,000.
    fn scenario(horizon: &str) -> String {
        format!(
            "name: blocks
seed: 5
scales: [1]
workload:
  users: 1
  horizon: {horizon}
  trace: {{file: t.jsonl, format: mooncake}}
  classes:
    all: {{}}
routing:
  routes: {{all: llm}}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0.4
    price_per_1k_output_tokens: 1.6
    latency: 1s
    prompt_cache: {{price_per_1k_cached_input_tokens: 0.1, write_multiplier: 1.25, lifetime: 5m}}
"
        )
    }

    /// Per scale: the API's (calls, spend, input, cached input, cache-write tokens).
    fn api(dir: &Path, scales: &str) -> Vec<(u64, f64, u64, u64, u64)> {
        results(dir, "s.yaml", scales)
            .iter()
            .map(|r| {
                let t = &r["tiers"][0];
                let n = |f: &str| t[f].as_u64().unwrap_or_else(|| panic!("{f} in {t}"));
                // Tables sized for the load: none of these fills one.
                assert_eq!(n("prompt_blocks_evicted"), 0);
                (
                    n("api_calls"),
                    t["spend"].as_f64().expect("spend"),
                    n("input_tokens"),
                    n("cached_input_tokens"),
                    n("cache_write_tokens"),
                )
            })
            .collect()
    }

    /// Six calls whose warm and cold blocks are worked out by hand (minutes; tokens):
    ///
    /// | at | blocks | input | warm | written | why |
    /// | 0 | 1 2 3 | 1300 | 0 | 1300 | nothing sent yet; the last block holds 276 |
    /// | 1 | 1 2 4 5 | 2000 | 1024 | 976 | shares 1 2, then differs |
    /// | 2 | 3 | 512 | 0 | 512 | block 3 alone is not the prefix 1 2 3 |
    /// | 4 | 1 2 3 | 1300 | 1300 | 0 | sent at 0, 4 minutes ago |
    /// | 5 | 1 2 3 | 700 | 700 | 0 | 700 tokens send blocks 1 2 only |
    /// | 10 | 1 2 3 | 1300 | 0 | 1300 | 5 minutes after 1 2 were last sent: expired |
    #[test]
    fn a_calls_warm_prefix_is_its_leading_run_of_blocks_sent_within_the_lifetime() {
        let dir = TempDir::new().unwrap();
        let calls = [
            (0, "1, 2, 3", 1300),
            (1, "1, 2, 4, 5", 2000),
            (2, "3", 512),
            (4, "1, 2, 3", 1300),
            (5, "1, 2, 3", 700),
            (10, "1, 2, 3", 1300),
        ];
        let lines: String = calls
            .iter()
            .map(|(minute, ids, input)| {
                format!(
                    "{{\"timestamp\": {}, \"input_length\": {input}, \"output_length\": 10, \"hash_ids\": [{ids}]}}\n",
                    minute * 60_000
                )
            })
            .collect();
        fs::write(dir.path().join("t.jsonl"), lines).unwrap();
        fs::write(dir.path().join("s.yaml"), scenario("11m")).unwrap();
        let (n, spend, input, cached, written) = api(dir.path(), "1")[0];
        assert_eq!((n, input), (6, 7112));
        assert_eq!(cached, 1024 + 1300 + 700);
        assert_eq!(written, 1300 + 976 + 512 + 1300);
        // Per 1,000 tokens: fresh 0.4, warm 0.1, written 0.4 × 1.25 = 0.5; each call's
        // 10 output tokens 0.016. Nothing here is fresh: every token is warm or written.
        let by_hand = [
            1.3 * 0.5,
            1.024 * 0.1 + 0.976 * 0.5,
            0.512 * 0.5,
            1.3 * 0.1,
            0.7 * 0.1,
            1.3 * 0.5,
        ]
        .iter()
        .map(|c| c + 0.016)
        .sum::<f64>();
        assert!((by_hand - 2.4424).abs() < 1e-12);
        assert!(
            (spend - by_hand).abs() < 1e-9,
            "spend {spend}, by hand {by_hand}"
        );
    }

    /// Prompts that open with 8 blocks in common and end with 2 of their own, 2 a
    /// second for 20 minutes: after the first call the common opening is always warm
    /// (a 5-minute gap at 2 a second has probability e^−600), so exactly 4,096 tokens
    /// of every later call are read from the cache and 1,024 written. A shifted copy
    /// (2x) has blocks of its own: its first call writes the opening again, and only
    /// that one.
    #[test]
    fn a_shared_opening_is_read_from_the_cache_and_a_shifted_copy_has_blocks_of_its_own() {
        let dir = TempDir::new().unwrap();
        let n = traces::poisson_mooncake(&dir.path().join("t.jsonl"), 2.0, 1200.0, 8, 2, 4);
        fs::write(dir.path().join("s.yaml"), scenario("1190s")).unwrap();
        let runs = api(dir.path(), "1,2");
        for (copies, (calls, _, input, cached, written)) in [1u64, 2].into_iter().zip(runs) {
            assert!(
                calls > n * copies * 9 / 10,
                "{calls} calls of {n} × {copies}"
            );
            assert_eq!(input, calls * 5120);
            assert_eq!(
                cached,
                (calls - copies) * 4096,
                "{copies} copies: one cold opening each"
            );
            assert_eq!(written, copies * 4096 + calls * 1024);
        }
    }
}
