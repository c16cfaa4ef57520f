//! Regression tests for engine bookkeeping bugs, one per bug, each named after what
//! should hold; each doc says what the bug was ("Was: ...") and why the figure is right.
//!
//! Each scenario is built so that the expected figure follows from the scenario alone,
//! without statistics: the comment above each test works it out.

mod common;
use common::Report as ScenarioReport;
use scalecost::scenario::parse;

fn run(yaml: &str) -> ScenarioReport {
    common::run(yaml)
}

/// Was: an API's request fee was booked when a call was admitted, its tokens when the
/// call ended. With a 5 s latency, calls that straddle the warm-up pay tokens but no fee in
/// the window, and calls still open at the horizon pay a fee but no tokens, so the bill
/// is not calls × price per call. Booking both at admission makes them agree exactly.
#[test]
fn api_tokens_and_fees_cover_the_same_calls() {
    // 100 users × 864 requests a day = 1 request a second: about 5 calls are open at
    // each edge of the window.
    let report = run(r#"
name: api-edges
seed: 2
scales: [1]
workload:
  users: 100
  requests_per_user_per_day: 864
  horizon: 2h
  warmup: 1h
  classes:
    chat: {share: 1, input_tokens: 500, output_tokens: 100}
routing:
  routes: {chat: gpt}
tiers:
  gpt:
    kind: api
    price_per_1k_input_tokens: 0.003
    price_per_1k_output_tokens: 0.015
    price_per_request: 0.0001
    latency: 5s
"#);
    let m = &report.results[0].metrics;
    let api = &m.tiers[0];
    assert_eq!(api.api_calls, m.requests.offered);
    assert_eq!(
        api.input_tokens,
        api.api_calls * 500,
        "tokens of {} calls, fees of {}",
        api.input_tokens / 500,
        api.api_calls
    );
}

/// Was: the autoscaler's last tick falls exactly on the horizon (2 h is a multiple of the
/// 1 h interval) and was still handled, so it could launch instances that never serve,
/// each billed its minimum and counted in the peak.
///
/// A pool of 1 slot per instance with 50-minute services is overloaded from the first
/// request (about 1,000 requests wait by 2 h): every tick wants the max of 3, one step
/// at a time. Tick at 1 h: 1 → 2 instances. Tick at 2 h, the horizon: 2 → 3.
/// In the window [1 h, 2 h] two instances were alive: 2 instance-hours, peak 2. The
/// instance launched at the horizon adds its 30-minute minimum: 2.5 h, peak 3.
#[test]
fn nothing_is_launched_at_the_horizon() {
    let report = run(r#"
name: horizon-tick
seed: 4
scales: [1]
workload:
  users: 1000
  requests_per_user_per_day: 12
  horizon: 2h
  warmup: 1h
  classes:
    chat: {share: 1, input_tokens: 100, output_tokens: 10}
routing:
  routes: {chat: pool}
tiers:
  pool:
    kind: self_hosted
    service_time: 50m
    concurrency: 1
    price_per_instance_hour: 1.0
    billing: {granularity: 1s, minimum: 30m}
    autoscaling:
      min: 1
      max: 3
      target_utilization: 1.0
      interval: 1h
      scale_out_cooldown: 0s
      scale_in_cooldown: 0s
      startup_delay: 0s
      max_step: 1
"#);
    let pool = &report.results[0].metrics.tiers[0];
    assert!((pool.instance_hours - 2.0).abs() < 1e-12);
    assert_eq!(
        pool.peak_instances, 2,
        "an instance launched at the horizon"
    );
    assert!(
        (pool.billed_instance_hours - 2.0).abs() < 1e-12,
        "billed {} h for 2 h alive",
        pool.billed_instance_hours
    );
}

/// Was: instances still alive at the horizon were billed as if stopped there, so their
/// last started granule and their minimum are charged although the instance would run
/// on. For a fixed pool this is a pure artefact of where the run ends, and the monthly
/// projection multiplies it.
///
/// Two always-on instances at 1.0 an hour, hourly billing, a 2 h 30 m run with a 30 m
/// warm-up: in the 2 h window they are alive 4 instance-hours. Run for a month they
/// cost 2 × 720 h × 1.0 = 1,440. Rounding each 2.5 h life up to 3 h instead books
/// 5 instance-hours, and a month of 5 × 720 / 2 = 1,800: 25% too much.
#[test]
fn a_fixed_pool_costs_the_same_whatever_the_horizon() {
    let report = run(r#"
name: hourly-billing
seed: 8
scales: [1]
workload:
  users: 100
  requests_per_user_per_day: 240
  horizon: 2h 30m
  warmup: 30m
  classes:
    chat: {share: 1, input_tokens: 1, output_tokens: 1}
routing:
  routes: {chat: pool}
tiers:
  pool:
    kind: self_hosted
    service_time: 100ms
    instances: 2
    price_per_instance_hour: 1.0
    billing: {granularity: 1h}
"#);
    let result = &report.results[0];
    let pool = &result.metrics.tiers[0];
    assert!((pool.instance_hours - 4.0).abs() < 1e-12);
    assert!(
        (pool.billed_instance_hours - 4.0).abs() < 1e-12,
        "billed {} h for 4 h alive",
        pool.billed_instance_hours
    );
    assert!((result.economics.monthly_total - 1440.0).abs() < 1e-9);
}

/// Routes and events carry tier and class indices as `u8`: the last tier that fits
/// (index 255, the 256th) must receive its own requests, and a 257th tier, which
/// would wrap around to the first, must be refused when the scenario is read.
#[test]
fn tier_indices_stop_where_a_byte_does() {
    let scenario = |tiers: usize| {
        let mut list = String::new();
        for i in 0..tiers {
            list.push_str(&format!(
                "  t{i}:\n    kind: api\n    price_per_1k_input_tokens: 0\n    price_per_1k_output_tokens: 0\n    latency: 1ms\n"
            ));
        }
        format!(
            r#"
name: many-tiers
seed: 1
scales: [1]
workload:
  users: 10
  requests_per_user_per_day: 240
  horizon: 1h
  classes:
    chat: {{share: 1, input_tokens: 1, output_tokens: 1}}
routing:
  routes: {{chat: t{last}}}
tiers:
{list}"#,
            last = tiers - 1
        )
    };
    let m = &run(&scenario(256)).results[0].metrics;
    assert!(m.requests.offered > 0);
    assert_eq!(m.tiers[0].requests, 0, "t0 received t255's requests");
    assert_eq!(m.tiers[255].requests, m.requests.offered);

    match parse(&scenario(257), "engine.yaml", "engine") {
        Ok(_) => panic!("a scenario with 257 tiers was accepted"),
        Err(refused) => assert!(refused.to_string().contains("at most 256"), "{refused}"),
    }
}

/// Was: the autoscaler tracked requests in the tier (busy + queued), which never counts
/// requests turned away by a full queue. A scale-to-zero pool (min 0) with no queue
/// therefore never saw any load: every request is rejected and no instance is ever
/// launched, however many requests arrive.
#[test]
fn a_scale_to_zero_pool_without_a_queue_still_scales_out() {
    // 1,000 requests an hour for 2 hours, autoscaler ticks every 30 s.
    let report = run(r#"
name: scale-from-zero
seed: 9
scales: [1]
workload:
  users: 100
  requests_per_user_per_day: 240
  horizon: 2h
  classes:
    chat: {share: 1, input_tokens: 100, output_tokens: 10}
routing:
  routes: {chat: pool}
tiers:
  pool:
    kind: self_hosted
    service_time: 500ms
    concurrency: 4
    queue_capacity: 0
    price_per_instance_hour: 1.0
    autoscaling:
      min: 0
      max: 4
      interval: 30s
      startup_delay: 30s
"#);
    let m = &report.results[0].metrics;
    let pool = &m.tiers[0];
    assert!(m.requests.offered > 1000);
    assert!(
        pool.peak_instances >= 1,
        "no instance launched; {} of {} requests rejected",
        pool.failed.queue_full,
        m.requests.offered
    );
    assert!(m.requests.served > 0);
}

/// Was: the same blindness with a minimum of one instance. At target utilisation 1 the
/// in-tier count of a queueless pool can never exceed its slots, so the autoscaler never
/// wants more than it has, while most requests are turned away.
///
/// 10,000 requests an hour (2.8/s) of 2 s each offer 5.6 erlangs to one slot.
#[test]
fn a_queueless_pool_at_full_target_scales_out_when_it_turns_requests_away() {
    let report = run(r#"
name: blind-at-target-1
seed: 9
scales: [1]
workload:
  users: 100
  requests_per_user_per_day: 2400
  horizon: 2h
  classes:
    chat: {share: 1, input_tokens: 1, output_tokens: 1}
routing:
  routes: {chat: pool}
tiers:
  pool:
    kind: self_hosted
    service_time: 2s
    concurrency: 1
    queue_capacity: 0
    price_per_instance_hour: 1.0
    autoscaling:
      min: 1
      max: 10
      target_utilization: 1.0
      interval: 30s
      startup_delay: 0s
"#);
    let m = &report.results[0].metrics;
    let pool = &m.tiers[0];
    assert!(
        pool.peak_instances > 1,
        "stayed at 1 instance while {} of {} requests were rejected",
        pool.failed.queue_full,
        m.requests.offered
    );
}

/// A request's input and output tokens were added as `u32` before being widened, so a
/// request whose tokens sum past 2³² (each count may reach u32::MAX on a heavy tail)
/// overflowed: a panic in a checked build, and served tokens (which usage revenue
/// bills) silently too small in a release build.
///
/// Log-normal tokens with mean 10⁷ and sd 10⁸ exceed 2³² with probability about
/// 5·10⁻⁵ per draw, so 50,000 requests hold several such requests. Every call is
/// answered (no limit, no timeout, 1 ms latency), so the tokens of the served requests
/// are exactly the tokens the API billed.
#[test]
fn served_tokens_of_huge_requests_do_not_overflow() {
    let report = run(r#"
name: huge-requests
seed: 3
scales: [1]
workload:
  users: 100
  requests_per_user_per_day: 500
  horizon: 1d
  classes:
    chat:
      share: 1
      input_tokens: {dist: lognormal, mean: 10000000, sd: 100000000}
      output_tokens: {dist: lognormal, mean: 10000000, sd: 100000000}
routing:
  routes: {chat: gpt}
tiers:
  gpt:
    kind: api
    price_per_1k_input_tokens: 0
    price_per_1k_output_tokens: 0
    latency: 1ms
"#);
    let m = &report.results[0].metrics;
    let api = &m.tiers[0];
    assert_eq!(m.requests.in_flight + m.requests.failed.total, 0);
    assert_eq!(m.requests.served, m.requests.offered);
    assert_eq!(
        m.requests.served_tokens,
        api.input_tokens + api.output_tokens
    );
}
