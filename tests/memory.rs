//! Memory does not grow with the number of requests: a run at 100x the load peaks at no
//! more than 1.2x the memory of the 1x run, plus the cache's own entries.
//!
//! Measured exactly, with a counting allocator in this test binary, so the check does
//! not depend on the machine or its other work.

#[path = "common/peak_memory.rs"]
mod peak_memory;

use peak_memory::peak_of;

/// The full pipeline: LRU cache over Zipf keys, two autoscaled pools, a rate-limited
/// API, escalation; 1x is ~40,000 requests, 100x ~4 million.
const PIPELINE: &str = include_str!("../benches/scenarios/pipeline.yaml");

/// A batched GPU tier with chunked prefill and an autoscaler: 1x is ~20,000 requests.
const BATCHED: &str = include_str!("../benches/scenarios/batched.yaml");

#[test]
fn peak_memory_at_100x_is_that_of_1x_plus_the_cache_entries() {
    let yaml = PIPELINE
        .replace("horizon: 2d", "horizon: 6h")
        .replace("warmup: 2h", "warmup: 1h")
        .replace("start: 1d 10h", "start: 3h");
    let scenario = scalecost::scenario::parse(&yaml, "pipeline.yaml", "pipeline").expect("valid");
    // Only one test in this binary, so nothing else allocates meanwhile.
    let mut offered = [0u64; 2];
    let small =
        peak_of(|| offered[0] = scalecost::sim::simulate(&scenario, 1.0, 0).requests.offered);
    let large = peak_of(|| {
        offered[1] = scalecost::sim::simulate(&scenario, 100.0, 0)
            .requests
            .offered
    });
    assert!(offered[1] > 90 * offered[0], "{offered:?}");
    // The LRU holds at most 20,000 entries: a 24-byte node, and a 16-byte key and slot
    // in a hash table kept at most 7/8 full with growth by doubling (≤ 2 × 16 / 0.875).
    let cache_entries = 20_000 * (24 + 37);
    let allowed = small as f64 * 1.2 + cache_entries as f64;
    eprintln!(
        "peak heap: 1x {small} B ({} requests), 100x {large} B ({} requests)",
        offered[0], offered[1]
    );

    assert!(
        (large as f64) <= allowed,
        "1x peak {small} B, 100x peak {large} B, allowed {allowed} B ({} and {} requests)",
        offered[0],
        offered[1]
    );

    // The batched tier keeps each instance's batch (at most 64 sequences) and one
    // queue: memory follows the instances it runs, not the requests. The same load
    // simulated four times as long runs the same instances on four times the requests.
    let at = |horizon: &str| {
        let yaml = BATCHED.replace("horizon: 1h", horizon);
        scalecost::scenario::parse(&yaml, "batched.yaml", "batched").expect("valid")
    };
    let (short, long) = (at("horizon: 20m"), at("horizon: 80m"));
    let mut served = [0u64; 2];
    let quarter = peak_of(|| served[0] = scalecost::sim::simulate(&short, 10.0, 0).requests.served);
    let whole = peak_of(|| served[1] = scalecost::sim::simulate(&long, 10.0, 0).requests.served);
    eprintln!(
        "batched peak heap: {quarter} B ({} served), {whole} B ({} served)",
        served[0], served[1]
    );
    assert!(served[1] > 5 * served[0], "{served:?}");
    assert!(
        (whole as f64) <= quarter as f64 * 1.2,
        "{quarter} B for {} requests, {whole} B for {}",
        served[0],
        served[1]
    );
}
