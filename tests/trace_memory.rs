//! Replaying a trace streams it: a trace 100 times longer, read when the plan is made
//! and replayed through a cache and a pool, peaks at no more heap than the short one
//! within 20% and 256 KiB: the latency histograms widen with the longest wait seen
//! (logarithmic buckets) and the run keeps a row per hour. Keeping anything per
//! request would take at least 16 bytes for each of the 2 million, 32 MB.
//!
//! Measured exactly, with a counting allocator in this test binary, so the check does
//! not depend on the machine or its other work.

#[path = "common/traces.rs"]
mod traces;

#[path = "common/peak_memory.rs"]
mod peak_memory;

use peak_memory::peak_of;

#[test]
fn a_trace_100_times_longer_does_not_grow_peak_memory() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let rate = 200.0;
    let mut peaks = Vec::new();
    let mut offered = Vec::new();
    for seconds in [100.0, 10_000.0] {
        let trace = dir.path().join(format!("t{seconds}.csv"));
        traces::poisson_burstgpt(&trace, rate, seconds, 1);
        let yaml = format!(
            "workload:
  users: 100
  horizon: {seconds}s
  trace: {{file: {}, format: burstgpt}}
  classes: {{all: {{}}}}
cache: {{lru: {{capacity: 1000}}}}
routing: {{routes: {{all: pool}}}}
tiers:
  pool:
    kind: self_hosted
    service_time: {{dist: exponential, mean: 4ms}}
    instances: 2
    price_per_instance_hour: 1
",
            trace.file_name().unwrap().to_string_lossy()
        );
        let path = dir.path().join("s.yaml");
        std::fs::write(&path, yaml).expect("write the scenario");
        // Only one test in this binary, so nothing else allocates meanwhile.
        let mut n = 0;
        peaks.push(peak_of(|| {
            let scenario = scalecost::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
            n = scalecost::sim::simulate(&scenario, 1.0, 0).requests.offered;
        }));
        offered.push(n);
    }
    eprintln!(
        "peak heap: {} B for {} requests, {} B for {} requests",
        peaks[0], offered[0], peaks[1], offered[1]
    );
    assert!(offered[1] > 95 * offered[0], "{offered:?}");
    let allowed = peaks[0] as f64 * 1.2 + 262_144.0;
    assert!(
        peaks[1] as f64 <= allowed,
        "peak {} B for the long trace, allowed {allowed} B (short: {} B)",
        peaks[1],
        peaks[0]
    );
}
