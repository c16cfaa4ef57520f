//! The scenario reader never panics, hangs or grows without bound, whatever it is fed;
//! and what it accepts, the simulation and the renderers handle.
//!
//! Four sources of input, each given to `scenario::parse`:
//! - arbitrary bytes, read as text (invalid UTF-8 replaced, as a file would be refused
//!   before parsing);
//! - YAML-shaped noise: pieces of YAML syntax (anchors, aliases, merge keys, tags, flow
//!   and block collections) and scenario field names strung together at random;
//! - the shipped scenarios with random mutations: lines deleted, duplicated, swapped,
//!   re-indented or inserted, characters flipped, numbers replaced with extreme values
//!   (1e308, -0, NaN, 1e-320, integers past 2⁶⁴), durations with odd strings, anchors
//!   and aliases added, the text cut short;
//! - whole scenarios generated with every field at, just inside or just past its limit
//!   (stacked ×1000 bursts, growth of 200% a month, 10⁵ instances × 10⁴ slots, queues
//!   of 10⁷, a 10⁹-entry LRU, a batch API holding calls 30 days, a periodic cost growing
//!   100× a day). One accepted must be within the work budget (`scalecost::work`); if
//!   the budget is small it is simulated as written, at every scale.
//!
//! A scenario that is accepted is simulated briefly (its horizon cut to 6 hours, its
//! scale to about 1,000 requests) and rendered in every format, so a value the reader
//! lets through but the engine cannot take is found too.
//!
//! In CI each source runs a few thousand cases, in seconds. For a long run set
//! FUZZ_CASES (cases per source), e.g. `FUZZ_CASES=1000000 cargo test --release --test
//! fuzz_reader -- --nocapture`: each test then prints its count and time. A watchdog
//! aborts the process, printing the input, if one case takes over a minute (a hang),
//! and each test checks the peak memory of the process when it ends.
//!
//! Inputs that once broke something are kept in `tests/fuzz_regressions/`, one file
//! each, and read by [`every_kept_regression_is_read_or_refused_cleanly`].

#[path = "common/json_schema.rs"]
mod json_schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use scalecost::model::Scenario;
use scalecost::report::{self, Format};
use scalecost::scenario::Source;
use scalecost::time::SimTime;

/// Cases per source when FUZZ_CASES is not set: a few seconds of CI time.
const CI_CASES: u32 = 3000;

/// One case taking this long is a hang; real cases take microseconds to milliseconds.
const HANG: Duration = Duration::from_secs(60);

/// Peak resident memory the test process may reach. Inputs are at most a few kilobytes
/// and simulations about 1,000 requests, so a well-behaved run stays far below; an
/// input that made the reader or the engine allocate without bound would not.
const MAX_PEAK_MEMORY_KB: u64 = 1 << 20;

/// Requests a brief simulation of an accepted scenario aims at.
const BRIEF_REQUESTS: f64 = 1000.0;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CI_CASES)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        // A crasher is kept by hand in tests/fuzz_regressions/, with a note on what it
        // broke, rather than in an opaque seed file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------
// Watchdog, counts, memory
// ---------------------------------------------------------------------------------

/// Cases in progress: id → (started, input).
fn in_progress() -> &'static Mutex<HashMap<u64, (Instant, String)>> {
    static CASES: OnceLock<Mutex<HashMap<u64, (Instant, String)>>> = OnceLock::new();
    CASES.get_or_init(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_secs(1));
                let cases = in_progress().lock().unwrap_or_else(|p| p.into_inner());
                if let Some((started, input)) = cases.values().find(|(t, _)| t.elapsed() > HANG) {
                    eprintln!(
                        "a case has run for {:?}, which counts as a hang; its input:\n{input}",
                        started.elapsed()
                    );
                    std::process::abort();
                }
            }
        });
        Mutex::new(HashMap::new())
    })
}

/// Runs `f` on `input` under the watchdog.
fn watched<T>(input: &str, f: impl FnOnce() -> T) -> T {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let lock = || in_progress().lock().unwrap_or_else(|p| p.into_inner());
    lock().insert(id, (Instant::now(), input.to_string()));
    let result = f();
    lock().remove(&id);
    result
}

/// Peak resident memory of this process so far, kB (Linux only).
fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Counts a source's cases and reports them, with the time and peak memory, at the end.
struct Tally {
    source: &'static str,
    started: Instant,
    cases: AtomicU64,
    accepted: AtomicU64,
}

impl Tally {
    fn new(source: &'static str) -> Tally {
        Tally {
            source,
            started: Instant::now(),
            cases: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
        }
    }

    fn finish(&self) {
        let peak = peak_memory_kb();
        println!(
            "{}: {} inputs ({} accepted and simulated) in {:.1} s; peak memory of the process {} kB",
            self.source,
            self.cases.load(Ordering::Relaxed),
            self.accepted.load(Ordering::Relaxed),
            self.started.elapsed().as_secs_f64(),
            peak.map_or("unknown".into(), |kb| kb.to_string())
        );
        if let Some(kb) = peak {
            assert!(
                kb < MAX_PEAK_MEMORY_KB,
                "{}: the process peaked at {kb} kB",
                self.source
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// What every input goes through
// ---------------------------------------------------------------------------------

/// Reads `text`; if accepted, simulates it briefly and renders it. Returns whether it
/// was accepted. Any panic inside fails the case (proptest catches it and shrinks).
fn read_and_run(text: &str) -> bool {
    match scalecost::scenario::parse(text, "fuzz.yaml", "fuzz") {
        Ok(scenario) => {
            schema_accepts(text);
            simulate_briefly(text, scenario);
            true
        }
        Err(refused) => {
            let message = refused.to_string();
            // Every refusal names the source, so the user knows which file is wrong.
            assert!(
                message.starts_with("fuzz.yaml"),
                "a refusal that does not name the file: {message}"
            );
            false
        }
    }
}

/// What the reader accepts, `scalecost schema` accepts too, or an editor would mark a
/// valid scenario wrong.
fn schema_accepts(text: &str) {
    static VALIDATOR: OnceLock<json_schema::Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let schema: serde_json::Value =
            serde_json::from_slice(&scalecost::scenario::schema()).expect("the schema is JSON");
        json_schema::Validator::new(schema)
    });
    let document: serde_json::Value =
        serde_saphyr::from_str(text).expect("YAML the reader accepted reads as a JSON value");
    let errors = validator.errors(&document);
    assert!(
        errors.is_empty(),
        "the reader accepts what the schema refuses: {errors:?}\n{text}"
    );
}

/// Cuts an accepted scenario down to a run of about [`BRIEF_REQUESTS`] requests over at
/// most 6 hours, as the command line would (by writing the values into its text),
/// then simulates and renders it. A scenario whose horizon, warm-up or scales are
/// written through an alias cannot be cut this way and is only read.
fn simulate_briefly(text: &str, s: Scenario) {
    let w = s.workload();
    let horizon = w.horizon.min(SimTime(6 * SimTime::HOUR.0));
    let warmup = if w.warmup >= horizon {
        SimTime(horizon.0 / 2)
    } else {
        w.warmup
    };
    // The busiest the arrival rate can be: the diurnal peak is at most twice the mean,
    // the weekly factor at most 7/2 (a weekend 100 times busier than a weekday is
    // normalised to 7/2 on the weekend), and bursts may all overlap.
    let bursts: f64 = w.bursts.iter().map(|b| b.multiplier.max(1.0)).product();
    let peak_factor = 2.0 * 3.5 * bursts;
    // A declared growth is simulated at the users it reaches: scale by the most.
    let grown = (1..=24)
        .map(|m| w.users_in_month(m) / w.users)
        .fold(1.0, f64::max);
    let requests_at_1 = s.base_rate_per_us() * horizon.0 as f64 * peak_factor * grown;
    let scale = (BRIEF_REQUESTS / requests_at_1).min(1.0);
    // Keeps the scale positive when the load is so large that the ratio underflows.
    let scale = if scale > 0.0 {
        scale
    } else {
        f64::MIN_POSITIVE
    };
    let mut source = Source::from_text(text, "fuzz.yaml", "fuzz");
    let edited = source
        .set("workload.horizon", &format!("{}us", horizon.0), "fuzz")
        .and_then(|_| source.set("workload.warmup", &format!("{}us", warmup.0), "fuzz"))
        .and_then(|_| source.replace("scales", &format!("[{scale:e}]"), "fuzz"));
    if edited.is_err() {
        return;
    }
    let Ok(brief) = scalecost::scenario::read(&source) else {
        return;
    };
    let plan = scalecost::scenario::plan::single(brief, 1);
    let outcome = scalecost::runner::run(&plan, &scalecost::progress::Progress::silent());
    for format in [Format::Table, Format::Json, Format::Csv] {
        report::exporter(format)
            .export(&outcome)
            .expect("a simulated scenario renders");
    }
}

// ---------------------------------------------------------------------------------
// Source 2: YAML-shaped noise
// ---------------------------------------------------------------------------------

const YAML_PIECES: &[&str] = &[
    "\n",
    "\n",
    "\n",
    "  ",
    "  ",
    "    ",
    "- ",
    ": ",
    ":",
    ", ",
    "{",
    "}",
    "[",
    "]",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "!!str ",
    "!!float ",
    "!!int ",
    "!!map ",
    "!tag ",
    "? ",
    "|\n",
    ">-\n",
    "'",
    "\"",
    "#",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "~",
    "null",
    "true",
    "yes",
    "0",
    "-0",
    "1",
    "1e308",
    "-1e308",
    "1e309",
    ".nan",
    ".inf",
    "-.inf",
    "1e-320",
    "18446744073709551616",
    "0x1F",
    "0o17",
    "1_000",
    "3d",
    "250ms",
    "1h 30m",
    "0s",
    "-1s",
    "name",
    "seed",
    "scales",
    "workload",
    "users",
    "requests_per_user_per_day",
    "horizon",
    "warmup",
    "classes",
    "share",
    "input_tokens",
    "output_tokens",
    "dist",
    "mean",
    "sd",
    "lognormal",
    "keys",
    "distinct",
    "zipf_exponent",
    "cache",
    "lru",
    "capacity",
    "ttl",
    "hit_rate",
    "routing",
    "routes",
    "escalation",
    "to",
    "tiers",
    "kind",
    "api",
    "self_hosted",
    "latency",
    "service_time",
    "instances",
    "autoscaling",
    "min",
    "max",
    "interval",
    "concurrency",
    "price_per_instance_hour",
    "rate_limit",
    "costs",
    "periodic",
    "every",
    "retrains",
    "revenue",
    "usage",
    "budget",
    "slo",
    "é",
    "\u{0}",
    "\t",
    "\r\n",
    "\u{feff}",
];

fn yaml_noise() -> impl Strategy<Value = String> {
    proptest::collection::vec(select(YAML_PIECES), 0..200).prop_map(|pieces| pieces.concat())
}

// ---------------------------------------------------------------------------------
// Source 3: mutated shipped scenarios
// ---------------------------------------------------------------------------------

/// The shipped scenarios, read once.
fn shipped() -> &'static [(PathBuf, String)] {
    static SHIPPED: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
            .expect("list scenarios/")
            .map(|e| e.expect("read an entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("read a shipped scenario");
                (p, text)
            })
            .collect();
        files.sort();
        assert!(!files.is_empty(), "scenarios/ holds no scenario");
        files
    })
}

const EXTREME_NUMBERS: &[&str] = &[
    "1e308",
    "-1e308",
    "1e309",
    "-0",
    "-0.0",
    "0",
    ".nan",
    "NaN",
    ".inf",
    "-.inf",
    "1e-320",
    "4.9e-324",
    "-1",
    "0.5",
    "18446744073709551616",
    "99999999999999999999999999999999999999",
    "9007199254740993",
    "4294967296",
    "65536",
    "256",
    "257",
    "1e9",
    "1e12",
    "100000",
    "0x10",
    "0o17",
    "1_000",
    "+5",
    "\"12\"",
    "~",
];

const ODD_DURATIONS: &[&str] = &[
    "0s",
    "0us",
    "1us",
    "-1s",
    "1e308s",
    "99999999999999999999d",
    "36500d",
    "3651d",
    "1.5.5h",
    "1h-",
    "ms",
    "1 ms",
    "1hh",
    "10000w",
    "0.0000001us",
    "\"\"",
    "1µs",
    "1e3s",
    "nan s",
    "1d 1d 1d",
    "1m1s1ms1us",
    ".5h",
    "5.h",
    "1 d 2 h",
    "9999999999999999999999999999999999999999999999999999999999999999999999d",
];

const CHARS: &[char] = &[
    ':', '-', '{', '}', '[', ']', '&', '*', '!', '|', '>', '\'', '"', '#', '\t', ' ', '\n', '%',
    '@', '`', ',', '?', '0', '9', '.', 'e', 'x', '\u{0}', 'é',
];

const INSERTED_LINES: &[&str] = &[
    "<<: *a",
    "  <<: *a",
    "x: &a {share: 1}",
    "? complex key",
    "---",
    "...",
    "%YAML 1.2",
    "  tags: !!binary aGVsbG8=",
    "  value: !!float 1e308",
    "  - [a, b]",
    "x: &a [*a]",
    "scales: [1e308]",
    "scales: []",
    "tiers: {}",
    "cache: {lru: {capacity: 1000000000}}",
    "  keys: {distinct: 1000000000000, zipf_exponent: 10}",
    "seed: 18446744073709551616",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{",
    "\tusers: 10",
    "  bursts: [{start: 0s, duration: 1us, multiplier: 1000}, {start: 0s, duration: 1us, multiplier: 1000}]",
    "      instances: 100000",
    "      concurrency: 10000",
    "    retry: {max_retries: 20, backoff: 1us}",
    "    rate_limit: {requests_per_minute: 0.000001}",
];

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Indent(usize, bool),
    InsertLine(usize, &'static str),
    FlipChar(usize, char),
    ReplaceNumber(usize, &'static str),
    ReplaceDuration(usize, &'static str),
    /// Anchors the value on one line (`&a`) and uses it (`*a`) as the value of another.
    Alias(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = || any::<usize>();
    // Values are what the validator has to judge, so they are changed most often.
    prop_oneof![
        1 => i().prop_map(Mutation::DeleteLine),
        1 => i().prop_map(Mutation::DuplicateLine),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => (i(), any::<bool>()).prop_map(|(a, deeper)| Mutation::Indent(a, deeper)),
        1 => (i(), select(INSERTED_LINES)).prop_map(|(a, l)| Mutation::InsertLine(a, l)),
        1 => (i(), prop_oneof![select(CHARS), any::<char>()])
            .prop_map(|(a, c)| Mutation::FlipChar(a, c)),
        4 => (i(), select(EXTREME_NUMBERS)).prop_map(|(k, n)| Mutation::ReplaceNumber(k, n)),
        2 => (i(), select(ODD_DURATIONS)).prop_map(|(k, d)| Mutation::ReplaceDuration(k, d)),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::Alias(a, b)),
        1 => i().prop_map(Mutation::Truncate),
    ]
}

/// Byte spans of the scalar-looking words of `text`: (start, end).
fn words(text: &str) -> Vec<(usize, usize)> {
    let is_delimiter = |c: char| " \t\r\n,:[]{}#\"'".contains(c);
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_delimiter(c), start) {
            (true, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

fn is_number(word: &str) -> bool {
    word.parse::<f64>().is_ok()
}

fn is_duration(word: &str) -> bool {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    !digits.is_empty() && digits.len() < word.len() && digits.parse::<f64>().is_ok()
}

/// Replaces the `k`-th (modulo their count) word that satisfies `kind` with `with`.
fn replace_word(text: &mut String, k: usize, kind: fn(&str) -> bool, with: &str) {
    let spans: Vec<_> = words(text)
        .into_iter()
        .filter(|&(s, e)| kind(&text[s..e]))
        .collect();
    if spans.is_empty() {
        return;
    }
    let (s, e) = spans[k % spans.len()];
    text.replace_range(s..e, with);
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_string();
    for m in mutations {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let n = lines.len().max(1);
        match *m {
            Mutation::DeleteLine(i) if !lines.is_empty() => {
                lines.remove(i % n);
            }
            Mutation::DuplicateLine(i) if !lines.is_empty() => {
                let line = lines[i % n].clone();
                lines.insert(i % n, line);
            }
            Mutation::SwapLines(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
            Mutation::Indent(i, deeper) if !lines.is_empty() => {
                let line = &mut lines[i % n];
                if deeper {
                    line.insert_str(0, "  ");
                } else if line.starts_with("  ") {
                    line.replace_range(..2, "");
                }
            }
            Mutation::InsertLine(i, line) => lines.insert(i % (lines.len() + 1), line.into()),
            Mutation::Alias(a, b) if !lines.is_empty() => {
                if let Some(at) = lines[a % n].find(": ") {
                    lines[a % n].insert_str(at + 2, "&a ");
                }
                let line = &mut lines[b % n];
                if let Some(at) = line.find(": ") {
                    line.replace_range(at + 2.., "*a");
                }
            }
            Mutation::FlipChar(at, c) => {
                if !text.is_empty() {
                    let mut at = at % text.len();
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    let end = at + text[at..].chars().next().map_or(0, char::len_utf8);
                    text.replace_range(at..end, c.encode_utf8(&mut [0; 4]));
                }
                continue;
            }
            Mutation::ReplaceNumber(k, with) => {
                replace_word(&mut text, k, is_number, with);
                continue;
            }
            Mutation::ReplaceDuration(k, with) => {
                replace_word(&mut text, k, is_duration, with);
                continue;
            }
            Mutation::Truncate(at) => {
                if !text.is_empty() {
                    let mut at = at % text.len();
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    text.truncate(at);
                }
                continue;
            }
            _ => continue,
        }
        text = lines.join("\n");
        text.push('\n');
    }
    text
}

fn mutated_scenario() -> impl Strategy<Value = String> {
    (
        any::<prop::sample::Index>(),
        proptest::collection::vec(mutation(), 1..=4),
    )
        .prop_map(|(which, mutations)| {
            let files = shipped();
            apply(&files[which.index(files.len())].1, &mutations)
        })
}

// ---------------------------------------------------------------------------------
// Source 4: whole scenarios generated at the edges of every limit
// ---------------------------------------------------------------------------------

fn pick(values: &'static [&'static str]) -> BoxedStrategy<&'static str> {
    select(values).boxed()
}

/// A whole scenario, every field drawn from values at, just inside and just past its
/// limits: stacked bursts, extreme growth, huge pools, queues, caches and latencies.
fn extreme_scenario() -> impl Strategy<Value = String> {
    let burst = (
        pick(&["0s", "1h", "12h", "1d", "3649d"]),
        pick(&["1us", "1h", "1d", "3650d"]),
        pick(&["1", "2", "31", "1000", "1001"]),
    )
        .prop_map(|(start, duration, m)| {
            format!("    - {{start: {start}, duration: {duration}, multiplier: {m}}}\n")
        });
    (
        (
            pick(&["1e-320", "0.001", "1", "1000", "1e7", "1e10", "2e10"]),
            pick(&["1e-6", "1", "100", "1e6", "1e7"]),
            pick(&["1us", "1h", "2d", "365d", "3650d", "3651d"]),
            pick(&["[1]", "[100000]", "[1e-9, 1]", "[1, 10, 100]"]),
            pick(&["", "  diurnal: {peak_to_trough: 1000, peak_hour: 24}\n"]),
            pick(&["", "  weekly: {weekend_factor: 100}\n", "  weekly: {weekend_factor: 0.01}\n"]),
            proptest::collection::vec(burst, 0..8),
            pick(&[
                "",
                "  growth: {monthly_rate: 2}\n",
                "  growth: {monthly_rate: -0.5}\n",
                "  growth: {users: [1, 1e10]}\n",
            ]),
        ),
        (
            pick(&["1", "1e8"]),
            pick(&["1us", "1s", "1h"]),
            pick(&["0", "10", "1000"]),
            pick(&["", "    batch: {discount: 0.5, turnaround: {dist: constant, value: 30d}}\n"]),
            pick(&["1", "100000"]),
            pick(&["1", "10000"]),
            pick(&["0", "10000000"]),
            pick(&["", "cache:\n  lru: {capacity: 1000000000}\n", "cache:\n  hit_rate: 1\n"]),
            pick(&["", "costs:\n  periodic:\n    - {name: p, every: 1d, amount: 1e12, growth: 100}\n"]),
        ),
    )
        .prop_map(
            |(
                (users, rpd, horizon, scales, diurnal, weekly, bursts, growth),
                (tokens, latency, retries, batch, instances, concurrency, queue, cache, costs),
            )| {
                let bursts = if bursts.is_empty() {
                    String::new()
                } else {
                    format!("  bursts:\n{}", bursts.concat())
                };
                let deferrable = if batch.is_empty() { "" } else { "      deferrable: true\n" };
                let keys = if cache.contains("lru") {
                    "  keys: {distinct: 1e12, zipf_exponent: 0}\n"
                } else {
                    ""
                };
                format!(
                    "name: extreme\nscales: {scales}\nworkload:\n  users: {users}\n  requests_per_user_per_day: {rpd}\n  horizon: {horizon}\n{diurnal}{weekly}{bursts}{growth}{keys}  classes:\n    a:\n      share: 0.5\n      input_tokens: {{dist: constant, value: {tokens}}}\n      output_tokens: {{dist: constant, value: {tokens}}}\n    b:\n      share: 0.5\n{deferrable}      input_tokens: {{dist: constant, value: 10}}\n      output_tokens: {{dist: constant, value: 10}}\n{cache}routing:\n  routes: {{a: pool, b: api}}\ntiers:\n  pool:\n    kind: self_hosted\n    service_time: {{dist: constant, value: {latency}}}\n    concurrency: {concurrency}\n    price_per_instance_hour: 1\n    queue_capacity: {queue}\n    instances: {instances}\n  api:\n    kind: api\n    price_per_1k_input_tokens: 0.001\n    price_per_1k_output_tokens: 0.002\n    price_per_request: 0\n    latency: {{dist: constant, value: {latency}}}\n    retry: {{max_retries: {retries}, backoff: 1s}}\n{batch}{costs}"
                )
            },
        )
}

/// Reads a generated scenario. One that is accepted is within the work budget; if its
/// budget is small (at most [`WHOLE_RUN_REQUESTS`] requests and 64 MiB) it is simulated
/// as written, at every scale, so what the budget lets through is seen to run; larger
/// ones are cut down like the other sources' inputs.
fn read_and_run_whole(text: &str) -> bool {
    let scenario = match scalecost::scenario::parse(text, "fuzz.yaml", "fuzz") {
        Ok(s) => {
            schema_accepts(text);
            s
        }
        Err(refused) => {
            let message = refused.to_string();
            assert!(
                message.starts_with("fuzz.yaml"),
                "a refusal that does not name the file: {message}"
            );
            return false;
        }
    };
    let w = scenario.workload();
    let peak = (1..=24)
        .map(|m| w.users_in_month(m))
        .fold(w.users, f64::max);
    let largest = scalecost::work::largest_run(&scenario, peak);
    assert!(
        largest.requests <= scalecost::work::MAX_REQUESTS_PER_RUN,
        "{largest:?}"
    );
    assert!(
        largest.bytes() <= scalecost::work::MAX_RUN_BYTES,
        "{largest:?}"
    );
    // Every run the command makes, growth path included.
    let small = scalecost::progress::estimated_requests(&scenario) <= WHOLE_RUN_REQUESTS
        && largest.bytes() <= 64.0 * (1u64 << 20) as f64;
    if small {
        let plan = scalecost::scenario::plan::single(scenario, 1);
        let outcome = scalecost::runner::run(&plan, &scalecost::progress::Progress::silent());
        for format in [Format::Table, Format::Json, Format::Csv] {
            report::exporter(format)
                .export(&outcome)
                .expect("a simulated scenario renders");
        }
    } else {
        simulate_briefly(text, scenario);
    }
    true
}

/// Requests up to which a generated scenario is simulated as it is written.
const WHOLE_RUN_REQUESTS: f64 = 20_000.0;

// ---------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------

fn tallies() -> &'static [Tally; 4] {
    static TALLIES: OnceLock<[Tally; 4]> = OnceLock::new();
    TALLIES.get_or_init(|| {
        [
            Tally::new("arbitrary bytes"),
            Tally::new("YAML-shaped noise"),
            Tally::new("mutated shipped scenarios"),
            Tally::new("generated whole scenarios"),
        ]
    })
}

fn fuzz_case(tally: &Tally, text: &str) {
    tally.cases.fetch_add(1, Ordering::Relaxed);
    if watched(text, || read_and_run(text)) {
        tally.accepted.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn arbitrary_bytes_are_read_or_refused_without_panicking() {
    let tally = &tallies()[0];
    proptest!(config(), |(bytes in proptest::collection::vec(any::<u8>(), 0..2048))| {
        fuzz_case(tally, &String::from_utf8_lossy(&bytes));
    });
    tally.finish();
}

#[test]
fn yaml_shaped_noise_is_read_or_refused_without_panicking() {
    let tally = &tallies()[1];
    proptest!(config(), |(text in yaml_noise())| {
        fuzz_case(tally, &text);
    });
    tally.finish();
}

#[test]
fn mutated_shipped_scenarios_are_read_or_refused_and_what_is_accepted_runs() {
    let tally = &tallies()[2];
    proptest!(config(), |(text in mutated_scenario())| {
        fuzz_case(tally, &text);
    });
    tally.finish();
}

#[test]
fn generated_whole_scenarios_stay_within_their_budget() {
    let tally = &tallies()[3];
    proptest!(config(), |(text in extreme_scenario())| {
        tally.cases.fetch_add(1, Ordering::Relaxed);
        if watched(&text, || read_and_run_whole(&text)) {
            tally.accepted.fetch_add(1, Ordering::Relaxed);
        }
    });
    tally.finish();
}

/// The mutations do reach the simulation (at least one input in 20): a fuzzer whose
/// every input were refused would test only the reader's first checks.
#[test]
fn the_mutations_keep_many_scenarios_valid() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = mutated_scenario();
    let total = 300;
    let accepted = (0..total)
        .filter(|_| {
            let text = strategy
                .new_tree(&mut runner)
                .expect("generate an input")
                .current();
            scalecost::scenario::parse(&text, "fuzz.yaml", "fuzz").is_ok()
        })
        .count();
    assert!(
        accepted * 20 >= total,
        "only {accepted} of {total} mutated scenarios were accepted"
    );
}

#[test]
fn every_kept_regression_is_read_or_refused_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("list tests/fuzz_regressions/")
        .map(|e| e.expect("read an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "tests/fuzz_regressions/ holds no case");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read a regression case");
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(|| read_and_run_whole(&text));
        assert!(outcome.is_ok(), "{} panicked", file.display());
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} took {:?}",
            file.display(),
            started.elapsed()
        );
    }
}

mod extreme_values {
    //! Enormous, tiny and malformed values in fields the command-line tests do not
    //! cover: each is refused at once, naming the field. (Users of 1e308 and 1e999, a
    //! horizon of 10,000 years and alias bombs are in tests/cli.rs, with snapshots.)

    use super::*;

    const STARTER: &str = include_str!("../scenarios/starter.yaml");

    /// The starter with `from` (which must occur once) replaced by `to`: refused within
    /// a second, with `field` named in the message.
    fn refused(from: &str, to: &str, field: &str) {
        assert_eq!(STARTER.matches(from).count(), 1, "`{from}` must occur once");
        let text = STARTER.replacen(from, to, 1);
        let started = Instant::now();
        let outcome = scalecost::scenario::parse(&text, "starter.yaml", "starter");
        let elapsed = started.elapsed();
        let message = match outcome {
            Ok(_) => panic!("`{to}` was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(
            message.contains(field),
            "`{to}`: the message does not name {field}: {message}"
        );
        assert!(elapsed < Duration::from_secs(1), "`{to}` took {elapsed:?}");
    }

    #[test]
    fn numbers_beyond_every_limit_are_refused_naming_the_field() {
        refused("scales: [1, 10, 100]", "scales: [1, 1e308]", "scales[1]");
        refused(
            "seed: 1\n",
            "seed: 123456789012345678901234567890\n",
            "seed",
        );
        refused(
            "requests_per_user_per_day: 10 ",
            "requests_per_user_per_day: 1e308 ",
            "workload.requests_per_user_per_day",
        );
        refused(
            "concurrency: 8 ",
            "concurrency: 1e308 ",
            "tiers.small.concurrency",
        );
        refused(
            "queue_capacity: 500",
            "queue_capacity: 18446744073709551616",
            "tiers.small.queue_capacity",
        );
        refused(
            "price_per_instance_hour: 0.80",
            "price_per_instance_hour: 1e308",
            "tiers.small.price_per_instance_hour",
        );
        refused(
            "      max: 6\n",
            "      max: 1e308\n",
            "tiers.small.autoscaling.max",
        );
        refused(
            "multiplier: 3,",
            "multiplier: 1e308,",
            "workload.bursts[0].multiplier",
        );
        refused(
            "max_retries: 3,",
            "max_retries: 1e308,",
            "tiers.big.retry.max_retries",
        );
        refused(
            "requests_per_minute: 500}",
            "requests_per_minute: 1e308}",
            "tiers.big.rate_limit.requests_per_minute",
        );
        refused(
            "{dist: lognormal, mean: 400, sd: 150}",
            "{dist: lognormal, mean: 1e308, sd: 150}",
            "workload.classes.simple.input_tokens.mean",
        );
    }

    #[test]
    fn tiny_negative_and_not_a_number_values_are_refused_naming_the_field() {
        refused("users: 1000 ", "users: -0 ", "workload.users");
        refused("users: 1000 ", "users: .nan ", "workload.users");
        refused("share: 0.8", "share: 1e-320", "workload.classes");
        refused(
            "target_utilization: 0.7",
            "target_utilization: -0",
            "tiers.small.autoscaling.target_utilization",
        );
        refused("hit_rate: 0.25", "hit_rate: -.inf", "cache.hit_rate");
    }

    #[test]
    fn durations_too_long_or_malformed_are_refused_naming_the_field() {
        let digits = "9".repeat(400);
        refused(
            "timeout: 20s",
            &format!("timeout: {digits}s"),
            "tiers.small.timeout",
        );
        refused("warmup: 1d ", "warmup: 1e308s ", "workload.warmup");
        refused(
            "interval: 30s",
            "interval: 1.5.5h",
            "tiers.small.autoscaling.interval",
        );
        refused(
            "lookup_latency: 2ms",
            "lookup_latency: -1s",
            "cache.lookup_latency",
        );
    }

    /// A number too long to quote in full is still called too large, not "not a number".
    #[test]
    fn a_number_hundreds_of_digits_long_is_called_too_large() {
        let digits = "9".repeat(400);
        refused("users: 1000 ", &format!("users: {digits} "), "too large");
    }

    /// Nesting thousands of levels deep is refused by the reader's depth limit rather
    /// than overflowing the stack (which would abort the process, not return an error),
    /// and the message says what is wrong.
    #[test]
    fn deep_nesting_is_refused_without_exhausting_the_stack() {
        for (text, said) in [
            ("[".repeat(1 << 20), "nested too deeply"),
            ("{".repeat(1 << 20), "nested too deeply"),
            ("- ".repeat(1 << 19), "found a list"),
            (
                format!("workload: {}", "{a: ".repeat(100_000)),
                "unknown field `a`",
            ),
        ] {
            let started = Instant::now();
            let message = match scalecost::scenario::parse(&text, "deep.yaml", "deep") {
                Ok(_) => panic!("{}… was accepted", &text[..20]),
                Err(e) => e.to_string(),
            };
            assert!(message.contains(said), "{}…: {message}", &text[..20]);
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{}… took {:?}",
                &text[..20],
                started.elapsed()
            );
        }
    }
}
