//! The API tier as LLM APIs are sold: a streamed answer's time to first token and time
//! per token, prompt caching, a tokens-per-minute limit beside the calls-per-minute
//! one, and the discounted batch path for deferrable requests — each run through the
//! whole simulation and checked against a hand calculation or a stated statistical
//! bound.
//!
//! Bills are sums of per-call prices: the hand formula is applied to the call and
//! token counts the run reports, and the two must agree to 1e-9 relative (a sum of a
//! few hundred thousand f64 prices rounds at the 1e-12 level; anything larger is a
//! bookkeeping mistake). Latency percentiles come from an HDR histogram with three
//! significant digits, so they may differ from the true value by up to 0.1%.

mod common;
use common::run;
use scalecost::metrics::{Latency, RunMetrics, TierStats};

/// Relative tolerance of a sum of prices (see the file comment).
const SUM: f64 = 1e-9;
/// Relative resolution of a histogram percentile: three significant digits.
const PERCENTILE: f64 = 1e-3;

#[track_caller]
fn assert_close(measured: f64, expected: f64, tolerance: f64, what: &str) {
    let scale = expected.abs().max(1e-300);
    assert!(
        ((measured - expected) / scale).abs() <= tolerance,
        "{what}: measured {measured}, expected {expected} (±{tolerance} relative)"
    );
}

/// Every percentile and the maximum of `l` equal `ms` to the histogram's resolution,
/// and the mean (an exact sum) equals it to rounding.
#[track_caller]
fn assert_all(l: &Latency, ms: f64, what: &str) {
    assert_close(l.mean, ms, 1e-9, &format!("{what} mean"));
    for (name, v) in [
        ("p50", l.p50),
        ("p95", l.p95),
        ("p99", l.p99),
        ("max", l.max),
    ] {
        assert_close(v, ms, PERCENTILE, &format!("{what} {name}"));
    }
}

fn first(yaml: &str) -> RunMetrics {
    run(yaml).results[0].metrics.clone()
}

fn llm(m: &RunMetrics) -> &TierStats {
    &m.tiers[0]
}

mod streamed_latency {
    //! A streamed call: the first token after `ttft`, each later one after
    //! `per_output_token`; the answer is complete when its last token comes.
    use super::*;

    const SCENARIO: &str = r#"
scales: [1]
workload:
  users: 100
  requests_per_user_per_day: 100
  horizon: 1d
  warmup: 1h
  classes:
    chat: {share: 1, input_tokens: 500, output_tokens: 100}
routing:
  routes: {chat: llm}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0.001
    price_per_1k_output_tokens: 0.002
    latency: {ttft: 400ms, per_output_token: 20ms}
"#;

    #[test]
    fn latency_is_ttft_plus_a_token_time_for_each_token_after_the_first() {
        let m = first(SCENARIO);
        assert!(m.requests.served > 5_000, "{} served", m.requests.served);
        assert_eq!(m.requests.served, m.requests.offered);
        // 100 output tokens: the first at 400 ms, 99 more 20 ms apart: 2,380 ms.
        assert_all(&m.latency_ms, 400.0 + 99.0 * 20.0, "latency");
        // What the recorder measures is what was declared: time to first token, and
        // (end − first token) ÷ (tokens − 1).
        assert_all(m.ttft_ms.as_ref().expect("streamed"), 400.0, "TTFT");
        assert_all(m.tpot_ms.as_ref().expect("streamed"), 20.0, "TPOT");
    }

    #[test]
    fn a_complete_answer_records_no_token_times() {
        let m = first(&SCENARIO.replace("{ttft: 400ms, per_output_token: 20ms}", "2380ms"));
        assert_all(&m.latency_ms, 2380.0, "latency");
        assert!(m.ttft_ms.is_none() && m.tpot_ms.is_none());
    }

    #[test]
    fn the_timeout_applies_to_the_whole_streamed_call() {
        // 2,380 ms calls against a 2 s timeout: every one fails, and is billed.
        let m = first(&SCENARIO.replace("kind: api\n", "kind: api\n    timeout: 2s\n"));
        assert_eq!(m.requests.served, 0);
        assert_eq!(m.requests.failed.timeout, m.requests.offered);
        assert_eq!(llm(&m).api_calls, m.requests.offered);
    }
}

mod prompt_cache {
    //! A prefix sent less than `lifetime` ago is read from the cache at the cached
    //! price; otherwise it is written at input price × write multiplier.
    use super::*;

    // One call a minute on average (1 user × 1,440 a day), Poisson. A call finds its
    // prefix cold when the gap since the call before is at least the 2-minute
    // lifetime: probability e^(−2) = 13.5%.
    const SCENARIO: &str = r#"
scales: [1]
seed: 11
workload:
  users: 1
  requests_per_user_per_day: 1440
  horizon: 8d
  warmup: 1d
  classes:
    chat: {share: 1, input_tokens: 2000, output_tokens: 100, prefix: {tokens: 1500, name: support-system-prompt}}
routing:
  routes: {chat: llm}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0.4
    price_per_1k_output_tokens: 1.6
    latency: 1s
    prompt_cache: {price_per_1k_cached_input_tokens: 0.1, write_multiplier: 1.25, lifetime: 2m}
"#;

    #[test]
    fn warm_prefixes_pay_the_cached_price_and_cold_ones_the_write_price() {
        let report = run(SCENARIO);
        let m = &report.results[0].metrics;
        let t = llm(m);
        let calls = t.api_calls;
        // Every call sends the prefix, warm or cold.
        let warm = t.cached_input_tokens / 1500;
        let cold = t.cache_write_tokens / 1500;
        assert_eq!(warm * 1500, t.cached_input_tokens);
        assert_eq!(cold * 1500, t.cache_write_tokens);
        assert_eq!(warm + cold, calls);
        // Per call: 500 fresh tokens × 0.4 + 100 out × 1.6 = 0.36; the prefix adds
        // 1.5 × 0.1 = 0.15 warm, 1.5 × 0.4 × 1.25 = 0.75 cold.
        let bill = calls as f64 * 0.36 + warm as f64 * 0.15 + cold as f64 * 0.75;
        assert_close(t.spend, bill, SUM, "API bill");
        assert_close(report.results[0].economics.total, bill, SUM, "window cost");
        // Cold calls are the gaps of at least one lifetime: Binomial(calls, e^−2).
        // Five standard deviations fail by chance about once in 1.7 million runs.
        let p = (-2.0f64).exp();
        let expected = calls as f64 * p;
        let sd = (calls as f64 * p * (1.0 - p)).sqrt();
        assert!(
            (cold as f64 - expected).abs() < 5.0 * sd,
            "{cold} cold calls of {calls}, expected {expected:.0} ± {:.0}",
            5.0 * sd
        );
    }

    #[test]
    fn without_a_prompt_cache_the_prefix_is_ordinary_input() {
        let m = first(&SCENARIO.replace(
            "    prompt_cache: {price_per_1k_cached_input_tokens: 0.1, write_multiplier: 1.25, lifetime: 2m}\n",
            "",
        ));
        let t = llm(&m);
        assert_eq!(t.cached_input_tokens + t.cache_write_tokens, 0);
        // 2 × 0.4 + 0.1 × 1.6 = 0.96 a call.
        assert_close(t.spend, t.api_calls as f64 * 0.96, SUM, "API bill");
    }
}

mod token_limit {
    //! `tokens_per_minute` is a second bucket, counted in each call's input plus output
    //! tokens; a call goes only when both buckets allow it.
    use super::*;

    // 1,000 users × 864 a day = 10 calls a second, 600 a minute, of 1,000 tokens each
    // (800 in, 200 out): ten times what 60,000 tokens a minute admits. Refused calls
    // fail at once (no retries), so the offered load stays the same all along.
    const SCENARIO: &str = r#"
scales: [1]
seed: 5
workload:
  users: 1000
  requests_per_user_per_day: 864
  horizon: 6h
  warmup: 1h
  classes:
    chat: {share: 1, input_tokens: 800, output_tokens: 200}
routing:
  routes: {chat: llm}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0.001
    price_per_1k_output_tokens: 0.002
    latency: 1s
    rate_limit: {tokens_per_minute: 60000, token_burst: 5000}
    retry: {max_retries: 0, backoff: 1s}
"#;

    /// Tokens a bucket admits in the 300-minute window: the refill, plus what it held
    /// when the window opened, minus what it holds when it closes. It holds between
    /// 0 and `token_burst` (5,000); so the count is within 5,000 of the refill, plus
    /// one call (1,000) for the one that drew it to the edge. Under a tenfold overload
    /// an attempt comes every 0.1 s on average, so the bucket never sits full and
    /// wastes refill: that would take a minute without a single attempt.
    const BOUND: f64 = 5_000.0 + 1_000.0;

    #[test]
    fn under_overload_it_admits_exactly_its_tokens_per_minute() {
        let m = first(SCENARIO);
        let t = llm(&m);
        let admitted = (t.input_tokens + t.output_tokens) as f64;
        let refill = 60_000.0 * 300.0;
        assert!(
            (admitted - refill).abs() <= BOUND,
            "{admitted} tokens admitted, {refill} refilled (±{BOUND}: {:.3}%)",
            BOUND / refill * 100.0
        );
        assert_eq!(t.input_tokens + t.output_tokens, t.api_calls * 1000);
        assert!(
            m.requests.failed.throttled > 8 * t.api_calls,
            "a tenfold overload"
        );
    }

    #[test]
    fn the_tighter_of_the_two_buckets_decides() {
        // 30 calls a minute admits half of what 60,000 tokens would. (A bucket of 30
        // calls never fills under this load, so no refill is lost; one of a single
        // call would be full half the time between two attempts.)
        let m = first(&SCENARIO.replace(
            "{tokens_per_minute: 60000, token_burst: 5000}",
            "{requests_per_minute: 30, burst: 30, tokens_per_minute: 60000, token_burst: 5000}",
        ));
        // 30 × 300 calls, within what the two buckets hold (30 calls, and 5 calls'
        // tokens) and one call at the edge, as above.
        let calls = llm(&m).api_calls as f64;
        assert!((calls - 9_000.0).abs() <= 36.0, "{calls} calls");
    }
}

mod batch {
    //! Deferrable requests go through the batch path: answered after the turnaround,
    //! billed at the discount, kept out of the interactive latency.
    use super::*;

    // 10,000 requests a day: 70% interactive chat, 30% deferrable reports. An LRU
    // cache over 50 popular keys is shared by both, so a chat request would often find
    // a report's answer pending, if a report could lead one.
    const SCENARIO: &str = r#"
scales: [1]
seed: 9
workload:
  users: 100
  requests_per_user_per_day: 100
  horizon: 4d
  warmup: 1d
  classes:
    chat: {share: 0.7, input_tokens: 500, output_tokens: 100}
    report: {share: 0.3, input_tokens: 3000, output_tokens: 800, deferrable: true, prefix: {tokens: 2000}}
  keys: {distinct: 50, zipf_exponent: 1}
cache:
  lru: {capacity: 1000, ttl: 10m}
  lookup_latency: 1ms
routing:
  routes: {chat: llm, report: llm}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0.4
    price_per_1k_output_tokens: 1.6
    price_per_request: 0.01
    latency: 1s
    timeout: 30s
    prompt_cache: {price_per_1k_cached_input_tokens: 0.1, lifetime: 1h}
    batch: {discount: 0.5, turnaround: {dist: uniform, min: 1h, max: 24h}}
"#;

    #[test]
    fn batch_calls_pay_the_discounted_price_and_interactive_ones_the_list_price() {
        let report = run(SCENARIO);
        let m = &report.results[0].metrics;
        let t = llm(m);
        let batch = t.batch_calls as f64;
        let interactive = (t.api_calls - t.batch_calls) as f64;
        assert!(
            batch > 1_000.0 && interactive > 1_000.0,
            "{batch} / {interactive}"
        );
        // A chat call: 0.5 × 0.4 + 0.1 × 1.6 + 0.01 = 0.37. A report: 3 × 0.4 + 0.8 ×
        // 1.6 + 0.01 = 2.49 at list price, × (1 − 0.5) = 1.245. Its prefix is not read
        // from the cache: batch calls have none.
        let bill = interactive * 0.37 + batch * 1.245;
        assert_close(t.spend, bill, SUM, "API bill");
        assert_close(report.results[0].economics.total, bill, SUM, "window cost");
        assert_eq!(t.cached_input_tokens + t.cache_write_tokens, 0);
        assert_eq!(t.input_tokens as f64, interactive * 500.0 + batch * 3000.0);
    }

    #[test]
    fn batch_answers_come_within_the_turnaround_and_stay_out_of_interactive_latency() {
        let m = first(SCENARIO);
        let turnaround = llm(&m)
            .batch_turnaround_ms
            .clone()
            .expect("batch answers came");
        let hour_ms = 3.6e6;
        // Arrival to answer of every batch answer, from a 1 h to 24 h draw (plus the
        // 1 ms lookup): its maximum within the histogram's resolution of 24 h.
        assert!(turnaround.max <= 24.0 * hour_ms * (1.0 + PERCENTILE));
        assert!(turnaround.p50 >= hour_ms && turnaround.mean >= hour_ms);
        // Interactive answers take the 1 s call and the lookup; a chat request never
        // waited for a report's answer: deferrable requests lead no cache flight.
        assert!(
            m.latency_ms.max < 1_100.0,
            "latency max {} ms",
            m.latency_ms.max
        );
        assert!(m.ttft_ms.is_none());
        // Batch answers are served requests like any other.
        assert_eq!(llm(&m).served + cache_answers(&m), m.requests.served);
    }

    /// Requests answered by the cache: a hit, or a wait for an answer being computed.
    fn cache_answers(m: &RunMetrics) -> u64 {
        let c = m.cache.as_ref().expect("a cache");
        c.hits + c.coalesced_served
    }
}
