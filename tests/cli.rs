//! Drives the real `scalecost` binary: bad input, each command, each output format.
//!
//! Bad input has one contract, checked by [`rejected`] for every case: exit code 2,
//! nothing on standard output, no panic and no backtrace, and a message that names the
//! file, the line and column, the field path, the bad value and what is allowed (pinned
//! by a snapshot). The environment sets `RUST_BACKTRACE=1` and users may too, so the
//! binary runs with it set: a panic would then show its backtrace, and the test fails.
//!
//! Bad scenarios are the starter scenario with one small edit each, written to a
//! temporary folder; the binary runs inside it with a relative file name, so snapshots
//! show `scenario.yaml`, not a temporary path.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const STARTER: &str = include_str!("../scenarios/starter.yaml");

/// Longest any single run may take before the test counts it as a hang.
const HANG: Duration = Duration::from_secs(60);

/// A temporary folder the binary runs in.
struct Workspace {
    dir: TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("create a temporary folder"),
        }
    }

    /// A workspace holding one file.
    fn with(name: &str, text: &str) -> Workspace {
        let ws = Workspace::new();
        ws.write(name, text);
        ws
    }

    fn write(&self, name: &str, text: &str) {
        fs::write(self.path(name), text).expect("write a test file");
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).expect("read a test file")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The names in the folder, sorted: shows stray temporary files.
    fn listing(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.dir.path())
            .expect("list the temporary folder")
            .map(|e| {
                e.expect("read an entry")
                    .file_name()
                    .to_string_lossy()
                    .into()
            })
            .collect();
        names.sort();
        names
    }

    /// `scalecost ARGS` run inside the workspace, as a user's shell would run it.
    fn scalecost(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("scalecost").expect("the scalecost binary is built");
        cmd.current_dir(self.dir.path())
            .args(args)
            .env("RUST_BACKTRACE", "1")
            .timeout(HANG);
        cmd
    }

    /// Runs and expects success; returns standard output.
    fn succeeds(&self, args: &[&str]) -> String {
        let out = self.scalecost(args).output().expect("run scalecost");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "scalecost {args:?} failed ({:?}):\n{stderr}",
            out.status.code()
        );
        String::from_utf8(out.stdout).expect("standard output is UTF-8")
    }

    /// Runs and checks the bad-input contract; returns standard error.
    fn rejected(&self, args: &[&str]) -> String {
        rejected(&mut self.scalecost(args))
    }
}

/// Checks the bad-input contract on a prepared command; returns standard error.
fn rejected(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run scalecost");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8(out.stderr).expect("standard error is UTF-8");
    assert_eq!(
        out.status.code(),
        Some(2),
        "bad input must exit with code 2; stderr:\n{stderr}"
    );
    assert!(
        stdout.is_empty(),
        "nothing may reach standard output on bad input, got:\n{stdout}"
    );
    assert!(
        stderr.starts_with("error: "),
        "bad input must be explained, got:\n{stderr}"
    );
    for sign_of_a_crash in ["panicked", "stack backtrace", "RUST_BACKTRACE"] {
        assert!(
            !stderr.contains(sign_of_a_crash),
            "bad input must not crash; stderr:\n{stderr}"
        );
    }
    stderr
}

mod common;
use common::starter_with;

/// The lines of standard error that state a problem, without the excerpts of the file
/// shown under them.
fn errors(stderr: &str) -> impl Iterator<Item = &str> {
    stderr.lines().filter(|l| l.starts_with("error: "))
}

/// The starter scenario without the one line that contains `marker`.
fn starter_without_line(marker: &str) -> String {
    let hits = STARTER.lines().filter(|l| l.contains(marker)).count();
    assert_eq!(
        hits, 1,
        "`{marker}` must be on exactly one line of the starter"
    );
    STARTER
        .lines()
        .filter(|l| !l.contains(marker))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The starter scenario without the top-level section that starts with `heading`.
fn starter_without_section(heading: &str) -> String {
    let mut inside = false;
    let kept: String = STARTER
        .lines()
        .filter(|l| {
            let top_level = !l.starts_with([' ', '#']) && !l.is_empty();
            if top_level {
                inside = l.starts_with(heading);
            }
            !inside
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(kept, STARTER, "the starter has no `{heading}` section");
    kept
}

/// Simulates `yaml` as `scenario.yaml`, expects it refused, returns standard error.
fn simulate_rejects(yaml: &str) -> String {
    Workspace::with("scenario.yaml", yaml).rejected(&["simulate", "scenario.yaml", "--scales", "1"])
}

fn shipped_scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("list scenarios/")
        .map(|e| e.expect("read an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "scenarios/ holds no scenario");
    files
}

mod bad_input {
    //! One mistake per scenario: each is refused with a message that says where and why.

    use super::*;

    #[test]
    fn class_shares_that_do_not_sum_to_one() {
        let stderr = simulate_rejects(&starter_with(&[("share: 0.2", "share: 0.3")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn autoscaling_min_above_max() {
        let stderr = simulate_rejects(&starter_with(&[("      min: 1\n", "      min: 8\n")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn zero_users() {
        let stderr = simulate_rejects(&starter_with(&[("users: 1000 ", "users: 0 ")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn negative_request_rate() {
        let stderr = simulate_rejects(&starter_with(&[(
            "requests_per_user_per_day: 10 ",
            "requests_per_user_per_day: -2 ",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn zero_rate_limit() {
        let stderr = simulate_rejects(&starter_with(&[(
            "requests_per_minute: 500",
            "requests_per_minute: 0",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn route_to_an_unknown_tier() {
        let stderr = simulate_rejects(&starter_with(&[("    complex: big", "    complex: large")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn escalation_cycle_is_reported_once() {
        let stderr = simulate_rejects(&starter_with(&[(
            "    small: {to: big, share: 0.1}",
            "    small: {to: big, share: 0.1}\n    big: {to: small, share: 0.1}",
        )]));
        assert_eq!(
            errors(&stderr).count(),
            1,
            "one cycle, one error:\n{stderr}"
        );
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn escalation_to_itself() {
        let stderr = simulate_rejects(&starter_with(&[(
            "small: {to: big, share: 0.1}",
            "small: {to: small, share: 0.1}",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn horizon_shorter_than_the_warmup() {
        let stderr = simulate_rejects(&starter_with(&[("warmup: 1d ", "warmup: 9d ")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn misspelt_field_suggests_the_right_one() {
        let stderr = simulate_rejects(&starter_with(&[("  warmup: 1d", "  warmpu: 1d")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn misspelt_distribution_parameter() {
        let stderr = simulate_rejects(&starter_with(&[(
            "{dist: lognormal, mean: 400, sd: 150}",
            "{dist: lognormal, maen: 400, sd: 150}",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn duration_with_an_unknown_unit() {
        let stderr = simulate_rejects(&starter_with(&[("horizon: 8d ", "horizon: 5 parsecs ")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn duration_without_a_unit() {
        let stderr = simulate_rejects(&starter_with(&[("horizon: 8d ", "horizon: 72 ")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn service_time_without_a_unit() {
        let stderr = simulate_rejects(&starter_with(&[(
            "service_time: {base: 30ms, per_input_token: 0.1ms, per_output_token: 8ms}",
            "service_time: 40",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn unknown_distribution_name() {
        let stderr = simulate_rejects(&starter_with(&[(
            "latency: {dist: lognormal",
            "latency: {dist: gaussian",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn field_that_belongs_to_the_other_tier_kind() {
        let stderr = simulate_rejects(&starter_with(&[(
            "    price_per_request: 0\n",
            "    price_per_request: 0\n    concurrency: 4\n",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn unknown_tier_kind() {
        let stderr = simulate_rejects(&starter_with(&[("kind: self_hosted", "kind: selfhosted")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn missing_field_of_a_tier_kind() {
        let stderr = simulate_rejects(&starter_without_line("price_per_instance_hour"));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn missing_required_field() {
        let stderr = simulate_rejects(&starter_without_line("horizon:"));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn missing_required_section() {
        let stderr = simulate_rejects(&starter_without_section("routing:"));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn empty_value() {
        let stderr = simulate_rejects(&starter_with(&[("users: 1000 ", "users: ")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn word_where_a_number_belongs() {
        let stderr = simulate_rejects(&starter_with(&[("users: 1000 ", "users: lots ")]));
        insta::assert_snapshot!(stderr);
    }

    /// A value of the wrong kind, for each kind of field, reads as the other messages
    /// do: what was written, what is wanted, with an example; never the YAML reader's
    /// own wording (`invalid type: string "x", expected f64`).
    #[test]
    fn wrong_kinds_of_value_are_described_in_plain_words() {
        let cases = [
            ("users: 1000 ", "users: \"1000..5000\" "),
            ("users: 1000 ", "users: true "),
            ("users: 1000 ", "users: [1000, 2000] "),
            ("horizon: 8d ", "horizon: [8d] "),
            ("horizon: 8d ", "horizon: {days: 8} "),
            ("cacheable: false ", "cacheable: 3 "),
            ("cacheable: false ", "cacheable: [false] "),
            ("kind: self_hosted", "kind: [self_hosted]"),
            ("  bursts:  ", "  bursts: 5 #"),
            ("peak_hour: 15", "peak_hour: [15]"),
            ("  routes: ", "  routes: big #"),
            ("service_time: {base", "service_time: [1]\n    x: {base"),
        ];
        let mut all = String::new();
        for (from, to) in cases {
            let stderr = simulate_rejects(&starter_with(&[(from, to)]));
            for raw in [
                "invalid type",
                "expected f64",
                "expected u64",
                "externally tagged",
            ] {
                assert!(!stderr.contains(raw), "{to}: {stderr}");
            }
            all.push_str(&format!("# {to}\n{stderr}"));
        }
        insta::assert_snapshot!(all);
    }

    #[test]
    fn no_is_not_a_boolean() {
        let stderr = simulate_rejects(&starter_with(&[("cacheable: false", "cacheable: no")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn list_where_a_mapping_belongs() {
        let stderr = simulate_rejects(&starter_with(&[(
            "    simple: small\n    complex: big\n",
            "    - simple: small\n    - complex: big\n",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn duplicate_field() {
        let stderr = simulate_rejects(&starter_with(&[(
            "      share: 0.8\n",
            "      share: 0.8\n      share: 0.2\n",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn yaml_syntax_error_unclosed_quote() {
        let stderr = simulate_rejects(&starter_with(&[(
            "name: my-ai-service",
            "name: \"my-ai-service",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn yaml_syntax_error_bad_indentation() {
        let stderr = simulate_rejects(&starter_with(&[(
            "    complex: big\n",
            "   complex: big\n",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn yaml_syntax_error_tab_indentation() {
        let stderr = simulate_rejects(&starter_with(&[("  warmup: 1d", "\twarmup: 1d")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn missing_file() {
        let stderr = Workspace::new().rejected(&["simulate", "missing.yaml"]);
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn folder_instead_of_a_file() {
        let ws = Workspace::new();
        fs::create_dir(ws.path("scenarios")).unwrap();
        insta::assert_snapshot!(ws.rejected(&["validate", "scenarios"]));
    }

    #[test]
    fn empty_file() {
        let stderr = simulate_rejects("# nothing here yet\n");
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn file_that_is_not_text() {
        let ws = Workspace::new();
        fs::write(ws.path("scenario.yaml"), [0xff, 0xfe, 0x00, 0x01]).unwrap();
        insta::assert_snapshot!(ws.rejected(&["simulate", "scenario.yaml"]));
    }

    #[test]
    fn enormous_user_count() {
        let stderr = simulate_rejects(&starter_with(&[("users: 1000 ", "users: 1e308 ")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn number_beyond_floating_point() {
        let stderr = simulate_rejects(&starter_with(&[("users: 1000 ", "users: 1e999 ")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn horizon_of_ten_thousand_years() {
        let stderr = simulate_rejects(&starter_with(&[("horizon: 8d ", "horizon: 3650000d ")]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn horizon_beyond_ten_years() {
        let stderr = simulate_rejects(&starter_with(&[("horizon: 8d ", "horizon: 20000d ")]));
        insta::assert_snapshot!(stderr);
    }

    /// Regression: a billion requests per run was accepted and the run never ended.
    #[test]
    fn load_too_large_to_simulate() {
        let stderr = simulate_rejects(&starter_with(&[("users: 1000 ", "users: 1e9 ")]));
        insta::assert_snapshot!(stderr);
    }

    /// Regression: `interval: 1us` was accepted and the run spent its time autoscaling.
    #[test]
    fn autoscaling_interval_too_short() {
        let stderr = simulate_rejects(&starter_with(&[("interval: 30s", "interval: 1us")]));
        insta::assert_snapshot!(stderr);
    }

    /// Regression: 100,000 instances × 10,000 slots each ran out of memory.
    #[test]
    fn too_many_serving_slots() {
        let stderr = simulate_rejects(&starter_with(&[
            ("concurrency: 8 ", "concurrency: 10000 "),
            ("      max: 6\n", "      max: 100000\n"),
        ]));
        insta::assert_snapshot!(stderr);
    }

    /// Regression: past 256 tiers or classes, requests silently went to the wrong tier.
    #[test]
    fn more_tiers_and_classes_than_supported() {
        let n = 300;
        let classes: String = (0..n)
            .map(|i| {
                format!(
                    "    c{i}: {{share: {}, input_tokens: 10, output_tokens: 10}}\n",
                    1.0 / n as f64
                )
            })
            .collect();
        let routes: String = (0..n).map(|i| format!("    c{i}: t{i}\n")).collect();
        let tiers: String = (0..n)
            .map(|i| {
                format!("  t{i}: {{kind: api, price_per_1k_input_tokens: 0.001, price_per_1k_output_tokens: 0.001, latency: 1s}}\n")
            })
            .collect();
        let yaml = format!(
            "workload:\n  users: 100\n  requests_per_user_per_day: 10\n  horizon: 1d\n  classes:\n{classes}routing:\n  routes:\n{routes}tiers:\n{tiers}"
        );
        insta::assert_snapshot!(simulate_rejects(&yaml));
    }

    /// The classic "billion laughs": nine levels of nine aliases each.
    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut yaml = String::from(
            "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 9].join(",");
            yaml.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let started = Instant::now();
        let stderr = simulate_rejects(&yaml);
        // Far above the few milliseconds it takes; far below what an expansion would take.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
        insta::assert_snapshot!(stderr);
    }

    /// An alias bomb made of valid fields: request classes merged (`<<`) nine times over
    /// at each of eleven levels, so only the reader's budget stops it.
    #[test]
    fn alias_bomb_of_valid_fields_is_refused_quickly() {
        let mut classes = String::from(
            "  classes:\n    c0: &c0 {share: 0.8, input_tokens: 1, output_tokens: 1}\n",
        );
        for i in 1..12 {
            let refs = vec![format!("*c{}", i - 1); 9].join(", ");
            classes.push_str(&format!("    c{i}: &c{i} {{<<: [{refs}]}}\n"));
        }
        let yaml = starter_with(&[(
            "  classes:                        # kinds of request; shares sum to 1\n",
            &classes,
        )]);
        let started = Instant::now();
        let stderr = simulate_rejects(&yaml);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn alias_to_an_undefined_anchor() {
        let stderr = simulate_rejects(&starter_with(&[("\ncache:\n", "\ncache: *shared\n")]));
        insta::assert_snapshot!(stderr);
    }
}

mod bad_api_input {
    //! Mistakes in the API's token latency, prompt caching, token limits and batch path:
    //! each names the field, the bad value and the fix.

    use super::*;

    #[test]
    fn prefix_longer_than_the_shortest_input() {
        let stderr = simulate_rejects(&starter_with(&[(
            "      cacheable: false",
            "      prefix: {tokens: 1000, name: system-prompt}\n      cacheable: false",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn shared_prefix_of_two_lengths() {
        let stderr = simulate_rejects(&starter_with(&[
            (
                "{dist: lognormal, mean: 400, sd: 150}",
                "{dist: uniform, min: 300, max: 500}\n      prefix: {tokens: 200, name: sys}",
            ),
            (
                "{dist: lognormal, mean: 2000, sd: 800}",
                "{dist: uniform, min: 1000, max: 3000}\n      prefix: {tokens: 250, name: sys}",
            ),
        ]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn deferrable_class_routed_to_a_self_hosted_tier() {
        let stderr = simulate_rejects(&starter_with(&[(
            "    simple:\n      share: 0.8\n",
            "    simple:\n      share: 0.8\n      deferrable: true\n",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn deferrable_class_routed_to_an_api_without_batch() {
        let stderr = simulate_rejects(&starter_with(&[(
            "      cacheable: false",
            "      cacheable: false\n      deferrable: true",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn prompt_cache_on_a_self_hosted_tier() {
        let stderr = simulate_rejects(&starter_with(&[(
            "    concurrency: 8 ",
            "    prompt_cache: {price_per_1k_cached_input_tokens: 0.001}\n    concurrency: 8 ",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn latency_that_is_both_a_distribution_and_streamed() {
        let stderr = simulate_rejects(&starter_with(&[(
            "latency: {dist: lognormal, mean: 2s, sd: 1s}",
            "latency: {ttft: 500ms, dist: lognormal, mean: 2s, sd: 1s}",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn streamed_latency_without_a_per_token_time() {
        let stderr = simulate_rejects(&starter_with(&[(
            "latency: {dist: lognormal, mean: 2s, sd: 1s}",
            "latency: {ttft: 500ms}",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn rate_limit_without_a_rate() {
        let stderr = simulate_rejects(&starter_with(&[(
            "rate_limit: {requests_per_minute: 500}",
            "rate_limit: {burst: 10}",
        )]));
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn batch_and_prompt_cache_out_of_range() {
        let stderr = simulate_rejects(&starter_with(&[(
            "    timeout: 60s",
            "    timeout: 60s\n    batch: {discount: 1.5, turnaround: {dist: uniform, min: 1h, max: 24h}}\n    prompt_cache: {price_per_1k_cached_input_tokens: -1, lifetime: 0s}",
        )]));
        insta::assert_snapshot!(stderr);
    }
}

mod all_at_once {
    //! Several mistakes in one scenario are all reported in one run, in file order.

    use super::*;

    #[test]
    fn every_mistake_is_reported_together() {
        let yaml = starter_with(&[
            ("users: 1000 ", "users: 0 "),
            ("warmup: 1d ", "warmup: 9d "),
            ("share: 0.2", "share: 0.3"),
            ("    complex: big", "    complex: large"),
            ("      min: 1\n", "      min: 8\n"),
            ("dist: lognormal, mean: 2s", "dist: gaussian, mean: 2s"),
        ]);
        let stderr = simulate_rejects(&yaml);
        assert_eq!(
            errors(&stderr).count(),
            7,
            "six mistakes, six errors and their count:\n{stderr}"
        );
        assert!(
            errors(&stderr).all(|l| l.starts_with("error: scenario.yaml:")
                || l == "error: 6 errors in scenario.yaml"),
            "each error stands on its own line with file and place:\n{stderr}"
        );
        assert_eq!(
            stderr.lines().filter(|l| l.ends_with('^')).count(),
            6,
            "each error shows its line with a caret:\n{stderr}"
        );
        insta::assert_snapshot!(stderr);
    }
}

mod all_shapes_at_once {
    //! The reader stops at the first field it cannot read; every other unknown field
    //! and value of the wrong kind is still reported in the same run, in file order.

    use super::*;

    /// The line numbers of the problems in `stderr`, in the order they are shown.
    fn lines_of(stderr: &str) -> Vec<usize> {
        errors(stderr)
            .filter_map(|l| l.strip_prefix("error: scenario.yaml:"))
            .filter_map(|rest| rest.split(':').next()?.parse().ok())
            .collect()
    }

    #[test]
    fn unknown_fields_and_wrong_kinds_at_every_depth_come_in_one_run() {
        let yaml = starter_with(&[
            ("users: 1000 ", "users: lots "), // workload, wrong kind
            ("  warmup: 1d", "  warmpu: 1d"), // workload, unknown
            ("      cacheable: false", "      cachable: false"), // class, unknown
            ("    queue_capacity: 500", "    queue_capacity: [500]"), // tier, wrong kind
            ("    price_per_request: 0", "    price_per_reqest: 0"), // tier, unknown
        ]);
        let stderr = simulate_rejects(&yaml);
        assert_eq!(
            lines_of(&stderr),
            [12, 15, 30, 51, 66],
            "all five, in line order:\n{stderr}"
        );
        assert_eq!(
            errors(&stderr).last(),
            Some("error: 5 errors in scenario.yaml"),
            "{stderr}"
        );
        assert_eq!(
            stderr.lines().filter(|l| l.ends_with('^')).count(),
            5,
            "each error shows its line with a caret:\n{stderr}"
        );
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn more_than_twenty_are_cut_to_twenty_and_counted() {
        let typos: String = (0..25).map(|i| format!("  hit_rat{i}: 0.25\n")).collect();
        let yaml = starter_with(&[("  hit_rate: 0.25 ", &format!("{typos}  hit_rate: 0.25 "))]);
        let stderr = simulate_rejects(&yaml);
        let shown = lines_of(&stderr);
        assert_eq!(
            shown,
            (33..53).collect::<Vec<_>>(),
            "the first twenty:\n{stderr}"
        );
        let tail: Vec<&str> = errors(&stderr).skip(20).collect();
        assert_eq!(
            tail,
            [
                "error: and 5 more errors in scenario.yaml",
                "error: 25 errors in scenario.yaml"
            ],
            "{stderr}"
        );
    }

    /// Values set on the command line are reported together too, each with the option
    /// that set it and without a line of the file, which does not hold what was read.
    #[test]
    fn every_value_set_wrong_on_the_command_line_is_reported() {
        let ws = Workspace::with("scenario.yaml", STARTER);
        let stderr = ws.rejected(&[
            "sweep",
            "scenario.yaml",
            "--scales",
            "1",
            "--set",
            "workload.users=lots",
            "--set",
            "tiers.small.timeout=20",
        ]);
        assert_eq!(
            stderr,
            "error: scenario.yaml:12:10: workload.users: \"lots\" is a string; expected a number (e.g. 1000) (set by --set workload.users=lots)\n\
             error: scenario.yaml:52:14: tiers.small.timeout: 20 has no unit; write a duration such as \"20s\" or \"20ms\" (set by --set tiers.small.timeout=20)\n\
             error: 2 errors in scenario.yaml\n"
        );
    }
}

mod validate_command {
    //! `scalecost validate` accepts every shipped scenario and names the bad files.

    use super::*;

    #[test]
    fn every_shipped_scenario_is_valid() {
        let files = shipped_scenarios();
        let mut args = vec!["validate"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        let stdout = Workspace::new().succeeds(&args);
        for file in &files {
            assert!(
                stdout.contains(&format!("{}: ok", file.display())),
                "{} is not reported ok:\n{stdout}",
                file.display()
            );
        }
    }

    #[test]
    fn a_mix_of_good_and_bad_files_names_the_bad_one() {
        let ws = Workspace::with("good.yaml", STARTER);
        ws.write("bad.yaml", &starter_with(&[("share: 0.2", "share: 0.3")]));
        ws.write("also-good.yaml", STARTER);
        let out = ws
            .scalecost(&["validate", "good.yaml", "bad.yaml", "also-good.yaml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stdout.contains("good.yaml: ok"), "{stdout}");
        assert!(stdout.contains("also-good.yaml: ok"), "{stdout}");
        assert!(!stdout.contains("bad.yaml"), "{stdout}");
        assert!(
            !stderr.contains("good.yaml"),
            "only the bad file is blamed:\n{stderr}"
        );
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn every_bad_file_is_reported() {
        let ws = Workspace::with("one.yaml", &starter_with(&[("share: 0.2", "share: 0.3")]));
        ws.write(
            "two.yaml",
            &starter_with(&[("horizon: 8d ", "horizon: 72 ")]),
        );
        insta::assert_snapshot!(ws.rejected(&["validate", "one.yaml", "missing.yaml", "two.yaml"]));
    }
}

mod init_command {
    //! `scalecost init` writes a starter that runs as it is, and never clobbers a file.

    use super::*;

    #[test]
    fn writes_a_scenario_that_validates_and_simulates() {
        let ws = Workspace::new();
        let out = ws.scalecost(&["init", "mine.yaml"]).output().unwrap();
        assert!(out.status.success());
        assert_eq!(ws.read("mine.yaml"), STARTER);
        assert_eq!(ws.listing(), ["mine.yaml"], "no temporary files are left");
        ws.succeeds(&["validate", "mine.yaml"]);
        let table = ws.succeeds(&["simulate", "mine.yaml", "--scales", "1"]);
        assert!(table.contains("1x"), "{table}");
    }

    #[test]
    fn refuses_to_overwrite_an_existing_file() {
        let ws = Workspace::with("mine.yaml", "my own work\n");
        let stderr = ws.rejected(&["init", "mine.yaml"]);
        assert_eq!(ws.read("mine.yaml"), "my own work\n");
        insta::assert_snapshot!(stderr);
    }

    #[test]
    fn overwrites_with_force() {
        let ws = Workspace::with("mine.yaml", "my own work\n");
        ws.succeeds(&["init", "mine.yaml", "--force"]);
        assert_eq!(ws.read("mine.yaml"), STARTER);
    }

    #[test]
    fn refuses_a_folder_that_does_not_exist() {
        let ws = Workspace::new();
        insta::assert_snapshot!(ws.rejected(&["init", "nowhere/mine.yaml"]));
    }
}

mod formats {
    //! Each output format carries the documented fields, one entry per scale.

    use super::*;

    fn starter() -> String {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/starter.yaml")
            .to_string_lossy()
            .into_owned()
    }

    /// The starter at a hundredth of its users, so 100x costs what 1x did.
    fn small_starter() -> Workspace {
        Workspace::with(
            "small.yaml",
            &starter_with(&[("users: 1000 ", "users: 10 ")]),
        )
    }

    fn number(v: &Value, what: &str) -> f64 {
        v.as_f64()
            .unwrap_or_else(|| panic!("{what} is not a number: {v}"))
    }

    #[test]
    fn json_has_the_documented_fields() {
        let stdout = Workspace::new().succeeds(&[
            "simulate",
            &starter(),
            "--scales",
            "1",
            "--format",
            "json",
        ]);
        let json: Value = serde_json::from_str(&stdout).expect("the output is JSON");
        let results = json["results"].as_array().expect("results is a list");
        assert_eq!(results.len(), 1);
        for r in results {
            let offered = r["requests"]["offered"]
                .as_u64()
                .expect("requests.offered is a count");
            assert!(offered > 0);
            assert!(number(&r["latency_ms"]["p99"], "latency_ms.p99") > 0.0);
            assert!(
                number(
                    &r["economics"]["cost_per_transaction"],
                    "economics.cost_per_transaction"
                ) > 0.0
            );
            let tiers = r["tiers"].as_array().expect("tiers is a list");
            assert_eq!(tiers.len(), 2);
            for t in tiers {
                // An API has no slots of ours: its utilisation is null, not 0.
                if t["kind"] == "api" {
                    assert!(t["utilization"].is_null(), "{t}");
                    continue;
                }
                let u = number(&t["utilization"], "tiers[].utilization");
                assert!((0.0..=1.0).contains(&u), "utilization {u} is a fraction");
            }
        }
    }

    #[test]
    fn csv_has_a_scale_row_per_scale_and_rows_for_its_tiers_and_cost_lines() {
        let ws = small_starter();
        let stdout = ws.succeeds(&[
            "simulate",
            "small.yaml",
            "--scales",
            "1,10,100",
            "--format",
            "csv",
        ]);
        let mut reader = csv::Reader::from_reader(stdout.as_bytes());
        let header = reader.headers().expect("a header row").clone();
        assert!(header.iter().any(|h| h == "latency_ms_p99"), "{header:?}");
        let col = |name: &str| header.iter().position(|h| h == name).expect(name);
        let rows: Vec<csv::StringRecord> =
            reader.records().map(|r| r.expect("a valid row")).collect();
        assert!(rows.iter().all(|r| r.len() == header.len()));
        let of = |kind: &str| -> Vec<&csv::StringRecord> {
            rows.iter().filter(|r| &r[col("row")] == kind).collect()
        };
        let scales: Vec<f64> = of("scale")
            .iter()
            .map(|r| r[col("scale")].parse().unwrap())
            .collect();
        assert_eq!(scales, [1.0, 10.0, 100.0]);
        // Tier and cost-line names are values of `name`, never parts of a column name.
        let tiers = of("tier");
        assert_eq!(tiers.len(), 3 * 2, "two tiers at each scale: {stdout}");
        assert!(tiers.iter().all(|r| !r[col("name")].is_empty()));
        assert!(
            !header.iter().any(|h| h.contains(' ') || h.contains('.')),
            "{header:?}"
        );
        assert!(!of("cost_line").is_empty());
    }

    /// Scenarios of different shapes (with an SLO or without) and different commands
    /// write the same header, so their CSVs can be stacked in one sheet.
    #[test]
    fn csv_header_is_the_same_for_every_scenario_and_command() {
        let ws = small_starter();
        let small = ws.read("small.yaml");
        ws.write(
            "slo.yaml",
            &format!("{small}\nslo: {{p99_latency: 5s, max_error_rate: 0.01}}\n"),
        );
        let header = |args: &[&str]| -> String {
            let mut all = args.to_vec();
            all.extend(["--scales", "1", "--format", "csv", "-q"]);
            ws.succeeds(&all).lines().next().unwrap().to_string()
        };
        let plain = header(&["simulate", "small.yaml"]);
        assert_eq!(plain, header(&["simulate", "slo.yaml"]));
        assert_eq!(plain, header(&["compare", "small.yaml", "slo.yaml"]));
        assert!(
            plain.starts_with("schema_version,row,scenario,set,currency,seed,scale,users,name,"),
            "{plain}"
        );
        let with_slo = ws.succeeds(&["simulate", "slo.yaml", "--scales", "1", "--format", "csv"]);
        assert!(
            with_slo.lines().any(|l| l.contains(",slo_check,")),
            "{with_slo}"
        );
    }

    /// `-` reads the scenario from standard input (once, however often it is named),
    /// and errors name it `<stdin>`.
    #[test]
    fn a_dash_reads_the_scenario_from_standard_input() {
        let ws = small_starter();
        let small = ws.read("small.yaml");
        let from_file = ws.succeeds(&[
            "simulate",
            "small.yaml",
            "--scales",
            "1",
            "--format",
            "json",
        ]);
        let out = ws
            .scalecost(&["simulate", "-", "--scales", "1", "--format", "json"])
            .write_stdin(small.clone())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap(), from_file);
        let out = ws
            .scalecost(&[
                "compare", "-", "-", "--scales", "1", "--format", "csv", "-q",
            ])
            .write_stdin(small)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = ws
            .scalecost(&["validate", "-"])
            .write_stdin("name: x\nworkload: 5\n")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with("error: <stdin>:2:11: workload:"), "{err}");
    }

    /// Every figure the JSON carries for a scale has a CSV column: the fixed header
    /// cannot silently drop a field added to the results.
    #[test]
    fn csv_columns_cover_every_json_figure() {
        let ws = small_starter();
        let small = ws.read("small.yaml");
        ws.write("slo.yaml", &format!("{small}\nslo: {{p99_latency: 5s}}\n"));
        let args = ["simulate", "slo.yaml", "--scales", "1", "-q", "--format"];
        let json: Value =
            serde_json::from_str(&ws.succeeds(&[&args[..], &["json"]].concat())).unwrap();
        let csv = ws.succeeds(&[&args[..], &["csv"]].concat());
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        fn leaves(prefix: &str, v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(map) => {
                    for (k, x) in map {
                        let path = if prefix.is_empty() {
                            k.clone()
                        } else {
                            format!("{prefix}.{k}")
                        };
                        leaves(&path, x, out);
                    }
                }
                Value::Array(_) | Value::Null => {}
                _ => out.push(prefix.to_string()),
            }
        }
        let scale = &json["results"][0];
        let mut missing = Vec::new();
        let mut check = |prefix: &str, v: &Value, skip: &[&str]| {
            let mut paths = Vec::new();
            leaves("", v, &mut paths);
            for path in paths.iter().filter(|p| !skip.contains(&p.as_str())) {
                let bare = path
                    .strip_prefix("summary.figures.")
                    .or_else(|| path.strip_prefix("summary."))
                    .unwrap_or(path)
                    .replace('.', "_");
                let column = if prefix.is_empty() {
                    bare
                } else {
                    format!("{prefix}_{bare}")
                };
                if !header.contains(&column.as_str()) {
                    missing.push(column);
                }
            }
        };
        check("", scale, &[]);
        for tier in scale["tiers"].as_array().unwrap() {
            check("tier", tier, &["name"]);
        }
        for line in scale["economics"]["components"].as_array().unwrap() {
            check("cost_line", line, &["name"]);
        }
        for target in scale["summary"]["slo"]["checks"].as_array().unwrap() {
            check("slo_check", target, &["target"]);
        }
        assert_eq!(
            missing,
            Vec::<String>::new(),
            "figures without a CSV column"
        );
    }

    #[test]
    fn table_has_one_column_per_scale() {
        let ws = small_starter();
        let stdout = ws.succeeds(&["simulate", "small.yaml", "--scales", "1,10,100"]);
        let cells = |line: &str| -> Vec<String> {
            line.split('┆')
                .map(|c| {
                    c.trim_matches(|ch: char| ch.is_whitespace() || ch == '│')
                        .to_string()
                })
                .collect()
        };
        let mut rows = stdout.lines().filter(|l| l.contains('┆'));
        let header = cells(rows.next().expect("a header row"));
        assert_eq!(header[1..], ["1x", "10x", "100x"], "{stdout}");
        for row in rows {
            assert_eq!(
                cells(row).len(),
                4,
                "every row has a label and three values: {row}"
            );
        }
    }
}

mod determinism {
    //! The same scenario and seed give the same bytes; another seed gives other numbers.

    use super::*;

    fn json(ws: &Workspace, seed: &str) -> String {
        // Several scales, so the runs go to several threads and must still come back in order.
        ws.succeeds(&[
            "simulate",
            "small.yaml",
            "--scales",
            "1,2,3",
            "--seed",
            seed,
            "--format",
            "json",
        ])
    }

    #[test]
    fn same_seed_gives_identical_json() {
        let ws = Workspace::with(
            "small.yaml",
            &starter_with(&[("users: 1000 ", "users: 100 ")]),
        );
        assert_eq!(json(&ws, "7"), json(&ws, "7"));
    }

    #[test]
    fn different_seed_gives_different_json() {
        let ws = Workspace::with(
            "small.yaml",
            &starter_with(&[("users: 1000 ", "users: 100 ")]),
        );
        assert_ne!(json(&ws, "7"), json(&ws, "8"));
    }
}

mod no_break_even {
    //! `simulate --no-break-even` runs the scales alone, for scripts: the same figures
    //! at every scale, no search; the search's answer does not depend on the threads.

    use super::*;

    const CHATBOT: &str = include_str!("../scenarios/support-chatbot.yaml");

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).expect("JSON output")
    }

    #[test]
    fn skips_the_search_and_changes_no_figure_of_the_scales() {
        let ws = Workspace::with(
            "chat.yaml",
            &CHATBOT
                .replace("users: 5000", "users: 500")
                .replace("horizon: 7d", "horizon: 4d"),
        );
        let args = ["simulate", "chat.yaml", "--format", "json", "-q"];
        let full = ws.succeeds(&args);
        let quick = json(&ws.succeeds(&[&args[..], &["--no-break-even"]].concat()));
        let full_json = json(&full);
        assert!(
            full_json["break_even"]["users"].is_number(),
            "the default run searches: {}",
            full_json["break_even"]
        );
        assert!(quick["break_even"].is_null(), "{}", quick["break_even"]);
        assert_eq!(full_json["results"], quick["results"]);
        // The first probes run beside the scales, largest first: one thread or many,
        // the same bytes.
        assert_eq!(ws.succeeds(&[&args[..], &["--jobs", "1"]].concat()), full);
    }
}

mod output_file {
    //! `--output` replaces the file only when a run succeeds, and leaves no debris.

    use super::*;

    #[test]
    fn writes_the_file_and_nothing_to_standard_output() {
        let ws = Workspace::with(
            "small.yaml",
            &starter_with(&[("users: 1000 ", "users: 100 ")]),
        );
        let stdout = ws.succeeds(&[
            "simulate",
            "small.yaml",
            "--scales",
            "1",
            "--format",
            "json",
            "--output",
            "results.json",
        ]);
        assert!(stdout.is_empty(), "{stdout}");
        let json: Value = serde_json::from_str(&ws.read("results.json")).expect("the file is JSON");
        assert_eq!(json["results"].as_array().unwrap().len(), 1);
        assert_eq!(ws.listing(), ["results.json", "small.yaml"]);
        // Regression: the temporary file's private mode (0600) used to carry over.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(ws.path("results.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o644, "{mode:o}");
        }
    }

    #[test]
    fn failed_run_leaves_the_old_file_intact() {
        let ws = Workspace::with("bad.yaml", &starter_with(&[("share: 0.2", "share: 0.3")]));
        let previous = "{\"results\": \"from last week\"}\n";
        ws.write("results.json", previous);
        ws.rejected(&[
            "simulate",
            "bad.yaml",
            "--format",
            "json",
            "--output",
            "results.json",
        ]);
        assert_eq!(ws.read("results.json"), previous, "byte for byte");
        assert_eq!(
            ws.listing(),
            ["bad.yaml", "results.json"],
            "no stray temporary files"
        );
    }

    #[test]
    fn output_into_a_missing_folder_is_refused_before_running() {
        let ws = Workspace::with("small.yaml", STARTER);
        insta::assert_snapshot!(ws.rejected(&[
            "simulate",
            "small.yaml",
            "--output",
            "out/results.json"
        ]));
        assert_eq!(ws.listing(), ["small.yaml"]);
    }

    #[test]
    fn output_onto_a_folder_is_refused() {
        let ws = Workspace::with("small.yaml", STARTER);
        fs::create_dir(ws.path("out")).unwrap();
        insta::assert_snapshot!(ws.rejected(&["simulate", "small.yaml", "--output", "out"]));
    }
}

mod usage {
    //! Command-line mistakes exit with code 2 and say how to use the command.

    use super::*;

    /// `--help` of the main command ends with examples that run as they are written.
    #[test]
    fn simulate_help_shows_examples() {
        let help = Workspace::new().succeeds(&["simulate", "--help"]);
        insta::assert_snapshot!(help);
    }

    /// Every command that runs scenarios shows examples under its `--help`.
    #[test]
    fn every_command_has_examples_in_its_help() {
        for command in [
            "simulate",
            "plot",
            "compare",
            "sweep",
            "optimize",
            "crossover",
            "sensitivity",
            "diff",
            "merge",
            "validate",
            "init",
        ] {
            let help = Workspace::new().succeeds(&[command, "--help"]);
            assert!(
                help.contains("Examples:\n  scalecost "),
                "{command}: {help}"
            );
        }
    }

    #[test]
    fn unknown_subcommand() {
        insta::assert_snapshot!(Workspace::new().rejected(&["simulat", "starter.yaml"]));
    }

    #[test]
    fn missing_argument() {
        insta::assert_snapshot!(Workspace::new().rejected(&["simulate"]));
    }

    #[test]
    fn bad_format_value() {
        let ws = Workspace::with("scenario.yaml", STARTER);
        insta::assert_snapshot!(ws.rejected(&["simulate", "scenario.yaml", "--format", "xml"]));
    }

    #[test]
    fn scales_flag_out_of_range() {
        let ws = Workspace::with("scenario.yaml", STARTER);
        insta::assert_snapshot!(ws.rejected(&["simulate", "scenario.yaml", "--scales", "1,0"]));
    }

    #[test]
    fn scales_flag_that_is_not_a_number() {
        let ws = Workspace::with("scenario.yaml", STARTER);
        insta::assert_snapshot!(ws.rejected(&["simulate", "scenario.yaml", "--scales", "ten"]));
    }

    /// The scenario's own scales are checked for size when it is read; scales from the
    /// command line replace them afterwards and must be checked too.
    #[test]
    fn scales_flag_too_large_to_simulate() {
        let ws = Workspace::with("scenario.yaml", STARTER);
        insta::assert_snapshot!(ws.rejected(&["simulate", "scenario.yaml", "--scales", "100000"]));
    }
}

mod shipped_scenarios {
    //! Every scenario in scenarios/ runs as shipped.

    use super::*;

    #[test]
    fn every_shipped_scenario_simulates_at_scale_1() {
        for file in shipped_scenarios() {
            let stdout =
                Workspace::new().succeeds(&["simulate", file.to_str().unwrap(), "--scales", "1"]);
            assert!(stdout.contains("1x"), "{}:\n{stdout}", file.display());
        }
    }
}

mod default_scenario {
    //! The README's main command: its table is pinned, and the README's excerpt of it
    //! is what the command prints.

    use super::*;

    fn table() -> String {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/support-chatbot.yaml");
        Workspace::new().succeeds(&["simulate", file.to_str().unwrap(), "-q"])
    }

    #[test]
    fn the_default_scenarios_table_is_pinned_and_the_readme_quotes_it() {
        let table = table();
        insta::assert_snapshot!(table);
        let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("read the README");
        let start = readme
            .find("```text\nsupport-chatbot — seed 42")
            .expect("the README shows the default table");
        let excerpt = &readme[start + "```text\n".len()..];
        let excerpt = &excerpt[..excerpt.find("```").expect("the excerpt ends")];
        for line in excerpt.lines() {
            assert!(
                table.lines().any(|l| l == line),
                "the README shows a line the command does not print:\n{line}\n\nthe command prints:\n{table}"
            );
        }
    }
}

mod shell {
    use super::*;

    #[test]
    fn completion_scripts_name_every_command_and_bash_parses_its_own() {
        let ws = Workspace::new();
        for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
            let script = ws.succeeds(&["completions", shell]);
            for word in ["simulate", "sensitivity", "diff", "fail-on"] {
                assert!(script.contains(word), "{shell} completions lack {word}");
            }
        }
        ws.write("scalecost.bash", &ws.succeeds(&["completions", "bash"]));
        let parsed = std::process::Command::new("bash")
            .args(["-n", "scalecost.bash"])
            .current_dir(ws.path(""))
            .status()
            .expect("run bash");
        assert!(parsed.success(), "bash cannot parse the completion script");
    }

    #[test]
    fn the_man_page_is_roff_with_every_command() {
        let page = Workspace::new().succeeds(&["man"]);
        assert!(page.contains(".TH scalecost 1"), "{page}");
        for command in ["simulate", "compare", "diff", "optimize", "completions"] {
            assert!(page.contains(command), "the man page lacks {command}");
        }
    }
}

mod terminal_width {
    //! A table wider than COLUMNS is split into tables that fit, each repeating its
    //! label column; `--wide`, or no COLUMNS on a pipe, prints it whole as before.

    use super::*;

    fn table(ws: &Workspace, args: &[&str], columns: Option<&str>) -> String {
        let mut cmd = ws.scalecost(args);
        cmd.env_remove("COLUMNS");
        if let Some(c) = columns {
            cmd.env("COLUMNS", c);
        }
        let out = cmd.output().expect("run scalecost");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    }

    fn widest(text: &str) -> usize {
        text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
    }

    fn check(args: &[&str], name: &str) {
        let ws = Workspace::with("scenario.yaml", &common::small_starter_with(&[]));
        ws.write(
            "other.yaml",
            &common::small_starter_with(&[("hit_rate: 0.25 ", "hit_rate: 0.5 ")]),
        );
        let whole = table(&ws, args, None);
        assert!(
            widest(&whole) > 100,
            "the test needs a table wider than 100:\n{whole}"
        );
        let narrow = table(&ws, args, Some("100"));
        assert!(widest(&narrow) <= 100, "{narrow}");
        let mut wide_args = args.to_vec();
        wide_args.push("--wide");
        assert_eq!(table(&ws, &wide_args, Some("100")), whole);
        insta::assert_snapshot!(name, narrow);
    }

    #[test]
    fn simulate_splits_its_scales_into_tables_that_fit() {
        check(
            &["simulate", "scenario.yaml", "--scales", "1,2,3,4,5", "-q"],
            "simulate_at_100_columns",
        );
    }

    #[test]
    fn compare_splits_its_figures_into_tables_that_fit() {
        check(
            &[
                "compare",
                "scenario.yaml",
                "other.yaml",
                "--scales",
                "1",
                "-q",
            ],
            "compare_at_100_columns",
        );
    }
}
