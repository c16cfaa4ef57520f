//! Replaying a trace streams it: a trace 100 times longer, read when the plan is made
//! and replayed, peaks at no more heap than the short one within 20% and 256 KiB: the
//! latency histograms widen with the longest wait seen (logarithmic buckets) and the
//! run keeps a row per hour. Keeping anything per request would take at least 16
//! bytes for each of the million or more, 16 MB.
//!
//! Two replays: a BurstGPT trace through a response cache and a pool, and a Mooncake
//! trace whose every prompt has blocks of its own (`hash_ids`) through an API's prompt
//! cache, whose table of blocks is sized by what one lifetime sends, not by the trace.
//!
//! Measured exactly, with a counting allocator in this test binary, so the check does
//! not depend on the machine or its other work.

#[path = "common/traces.rs"]
mod traces;

#[path = "common/peak_memory.rs"]
mod peak_memory;

use peak_memory::peak_of;

/// Peak heap and requests offered of replaying `trace` through `tiers` (YAML).
fn replay(
    dir: &std::path::Path,
    trace: &str,
    format: &str,
    seconds: f64,
    rest: &str,
) -> (usize, u64) {
    let yaml = format!(
        "workload:
  users: 100
  horizon: {seconds}s
  trace: {{file: {trace}, format: {format}}}
  classes: {{all: {{}}}}
{rest}"
    );
    let path = dir.join("s.yaml");
    std::fs::write(&path, yaml).expect("write the scenario");
    let mut n = 0;
    let peak = peak_of(|| {
        let scenario = scalecost::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        n = scalecost::sim::simulate(&scenario, 1.0, 0).requests.offered;
    });
    (peak, n)
}

#[test]
fn a_trace_100_times_longer_does_not_grow_peak_memory() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pool = "cache: {lru: {capacity: 1000}}
routing: {routes: {all: pool}}
tiers:
  pool:
    kind: self_hosted
    service_time: {dist: exponential, mean: 4ms}
    instances: 2
    price_per_instance_hour: 1
";
    let api = "routing: {routes: {all: llm}}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0.4
    price_per_1k_output_tokens: 1.6
    latency: 1s
    prompt_cache: {price_per_1k_cached_input_tokens: 0.1, lifetime: 5m}
";
    // Only one test in this binary, so nothing else allocates meanwhile.
    for (what, rate, format, rest) in [
        ("a pool behind a response cache", 200.0, "burstgpt", pool),
        ("an API's prompt cache of blocks", 100.0, "mooncake", api),
    ] {
        let mut peaks = Vec::new();
        let mut offered = Vec::new();
        for seconds in [100.0, 10_000.0] {
            let file = format!("t{seconds}.{format}");
            let trace = dir.path().join(&file);
            if format == "burstgpt" {
                traces::poisson_burstgpt(&trace, rate, seconds, 1);
            } else {
                // Two blocks shared by all, two of each prompt's own: the table would
                // grow by two entries a request if it kept every block.
                traces::poisson_mooncake(&trace, rate, seconds, 2, 2, 1);
            }
            let (peak, n) = replay(dir.path(), &file, format, seconds, rest);
            std::fs::remove_file(&trace).expect("remove the trace");
            peaks.push(peak);
            offered.push(n);
        }
        eprintln!(
            "{what}: peak heap {} B for {} requests, {} B for {} requests",
            peaks[0], offered[0], peaks[1], offered[1]
        );
        assert!(offered[1] > 95 * offered[0], "{what}: {offered:?}");
        let allowed = peaks[0] as f64 * 1.2 + 262_144.0;
        assert!(
            peaks[1] as f64 <= allowed,
            "{what}: peak {} B for the long trace, allowed {allowed} B (short: {} B)",
            peaks[1],
            peaks[0]
        );
    }
}
