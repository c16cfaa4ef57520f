//! Engine benchmark: simulated requests and events per second, and peak memory by scale,
//! each speed measured against a yardstick written here that runs on the same machine.
//!
//! Run with `cargo bench --bench throughput`. Absolute speeds depend on the CPU and on
//! what else it runs, so the figures that carry over to another machine are ratios:
//! scalecost's M/M/8 run against a tight event loop of the same station (`reference`),
//! its LRU against a hand-written map plus linked list on the same keys, many threads
//! against one. Each pair is run interleaved (A, B, A, B, ...) and the median of the
//! per-pair ratios is reported, so load that comes and goes hits both sides alike.
//! `cargo bench --bench throughput -- yardstick` prints the ratios alone. Each speed case runs single-threaded, five times, and reports the median. Peak
//! memory is read from the kernel (VmHWM) in a fresh child process per scale, so one
//! run's allocations do not hide another's.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use scalecost::model::Scenario;

#[path = "throughput/yardstick.rs"]
mod yardstick;

const REPEATS: usize = 5;

fn load(path: &Path) -> Scenario {
    scalecost::scenario::load(path).unwrap_or_else(|e| panic!("{e}"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (label, scenario file, scale)
fn speed_cases() -> Vec<(String, PathBuf, f64)> {
    let mut cases = vec![(
        "(a) M/M/8, rho 0.8".to_string(),
        root().join("benches/scenarios/mm8.yaml"),
        1.0,
    )];
    // The pipeline at three loads: runtime should grow in step with the requests.
    for scale in [1.0, 10.0, 100.0] {
        cases.push((
            format!("(b) full pipeline, {scale}x"),
            root().join("benches/scenarios/pipeline.yaml"),
            scale,
        ));
    }
    // The batched GPU tier: continuous batching, chunked prefill, an autoscaler.
    for scale in [1.0, 10.0] {
        cases.push((
            format!("(d) batched tier, {scale}x"),
            root().join("benches/scenarios/batched.yaml"),
            scale,
        ));
    }

    for name in ["support-chatbot", "fraud-detection", "rag-assistant"] {
        cases.push((
            format!("(c) {name}, 100x"),
            root().join(format!("scenarios/{name}.yaml")),
            100.0,
        ));
    }
    cases
}

/// The CPU this runs on, from /proc/cpuinfo (Linux), to print beside absolute figures.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

/// The pair whose ratio `a / b` is the median of the pairs' ratios, with the lowest
/// and highest ratio. Printing the median pair's own two figures beside its ratio
/// keeps the three consistent: medians taken of each side apart can come from
/// different pairs and disagree with the median ratio when the load changes.
struct MedianPair {
    a: f64,
    b: f64,
    ratio: f64,
    lowest: f64,
    highest: f64,
}

fn median_pair(pairs: &[(f64, f64)]) -> MedianPair {
    let mut sorted = pairs.to_vec();
    sorted.sort_by(|x, y| (x.0 / x.1).total_cmp(&(y.0 / y.1)));
    let (a, b) = sorted[sorted.len() / 2];
    let ratio_of = |p: &(f64, f64)| p.0 / p.1;
    MedianPair {
        a,
        b,
        ratio: a / b,
        lowest: ratio_of(&sorted[0]),
        highest: ratio_of(&sorted[sorted.len() - 1]),
    }
}

/// Seconds `f` takes.
fn time(f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Child mode: run one scale and print the peak resident memory.
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let path = PathBuf::from(&args[i + 1]);
        let scale: f64 = args[i + 2].parse().expect("scale");
        let scenario = load(&path);
        let metrics = scalecost::sim::simulate(&scenario, scale, 0);
        println!("{} {}", metrics.requests.offered, peak_rss_kib());
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }

    println!(
        "scalecost engine benchmark on {}: {} threads available, single-threaded runs",
        cpu_model(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!();
    yardstick::engine_against_reference(&load(&root().join("benches/scenarios/mm8.yaml")));
    println!();
    yardstick::lru_against_reference();
    println!();
    // `cargo bench --bench throughput -- yardstick`: the ratios alone, in a minute.
    if args.iter().any(|a| a == "yardstick") {
        return;
    }
    println!(
        "{:<28} {:>12} {:>10} {:>14} {:>14}",
        "case", "requests", "seconds", "requests/s", "events/s"
    );
    for (label, path, scale) in speed_cases() {
        let scenario = load(&path);
        let mut timings = Vec::new();
        let mut requests = 0;
        let mut events = 0;
        for _ in 0..REPEATS {
            let start = Instant::now();
            let m = scalecost::sim::simulate(&scenario, scale, 0);
            timings.push(start.elapsed().as_secs_f64());
            // Every arrival, warm-up included, is simulated work.
            requests = m.timeline.iter().map(|h| h.arrivals).sum::<u64>();
            events = m.events;
        }
        timings.sort_by(f64::total_cmp);
        let median = timings[REPEATS / 2];
        println!(
            "{:<28} {:>12} {:>10.3} {:>13.2}M {:>13.2}M",
            label,
            requests,
            median,
            requests as f64 / median / 1e6,
            events as f64 / median / 1e6
        );
    }

    println!();
    parallel_speedup();
    println!();
    println!("peak resident memory (fresh process per run)");
    println!(
        "{:<28} {:>12} {:>12} {:>12}",
        "scenario", "1x", "10x", "100x"
    );
    let exe = std::env::current_exe().expect("own path");
    let memory_cases = [
        root().join("benches/scenarios/pipeline.yaml"),
        root().join("scenarios/support-chatbot.yaml"),
        root().join("scenarios/fraud-detection.yaml"),
        root().join("scenarios/rag-assistant.yaml"),
    ];
    for path in memory_cases {
        let mut cells = Vec::new();
        for scale in ["1", "10", "100"] {
            let out = Command::new(&exe)
                .arg("--child")
                .arg(&path)
                .arg(scale)
                .output()
                .expect("child run");
            let text = String::from_utf8_lossy(&out.stdout);
            let kib: f64 = text
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(f64::NAN);
            cells.push(format!("{:.1} MiB", kib / 1024.0));
        }
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        println!(
            "{:<28} {:>12} {:>12} {:>12}",
            name, cells[0], cells[1], cells[2]
        );
    }
}

/// Peak resident set size of this process, KiB (Linux); 0 where unavailable.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Independent runs (here 8 replications of the pipeline at 10x) on one thread and on
/// all of them, paired and interleaved: how close the speed-up comes to the number of
/// cores. Beside it the same for pure arithmetic, which shows what the machine itself
/// gives (virtual cores that share a physical one cannot speed anything up).
fn parallel_speedup() {
    use rayon::prelude::*;
    let scenario = load(&root().join("benches/scenarios/pipeline.yaml"));
    let threads = rayon::current_num_threads();
    let pool = |n: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("thread pool")
    };
    let (one_pool, all_pool) = (pool(1), pool(threads));
    let runs = |p: &rayon::ThreadPool| {
        time(|| {
            p.install(|| {
                (0..8u64)
                    .into_par_iter()
                    .for_each(|r| drop(scalecost::sim::simulate(&scenario, 10.0, r)))
            })
        })
    };
    let spin = |p: &rayon::ThreadPool| {
        time(|| {
            p.install(|| {
                (0..8u64).into_par_iter().for_each(|seed| {
                    let mut x = seed;
                    for _ in 0..500_000_000u64 {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                    }
                    std::hint::black_box(x);
                })
            })
        })
    };
    for (what, f) in [
        (
            "8 independent runs of the pipeline at 10x",
            &runs as &dyn Fn(&rayon::ThreadPool) -> f64,
        ),
        ("the machine on pure arithmetic", &spin),
    ] {
        let pairs: Vec<(f64, f64)> = (0..3).map(|_| (f(&one_pool), f(&all_pool))).collect();
        let m = median_pair(&pairs);
        println!(
            "{what}: {:.2} s on 1 thread, {:.2} s on {threads} (median of 3 pairs): speed-up {:.2}x (pairs {:.2}x to {:.2}x)",
            m.a, m.b, m.ratio, m.lowest, m.highest
        );
    }
}
