//! A month you can trust: monthly figures are the expectation over a 30-day calendar
//! month, whatever window was simulated; drift, recurring bursts and growth move the
//! schedule as their laws say; break-even is found wherever profit crosses zero; the
//! cache serves only answers that exist.
//!
//! Statistical checks run several seeds and hold the mean within 4 standard errors
//! estimated from their spread (a correct engine fails such a check about once in
//! 16,000 runs); hand calculations are stated beside each check.

use scalecost::outcome::{BreakEvenStatus, Direction};

mod common;
use common::{Report, run};

/// Mean and standard error of the mean of `xs`.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Runs `yaml` with seeds 1..=n (written into its text as `--seed` would) and collects
/// `figure` of its first scale.
fn over_seeds(yaml: &str, n: u64, figure: impl Fn(&Report) -> f64) -> Vec<f64> {
    (1..=n)
        .map(|seed| figure(&run(&common::with(yaml, "seed", &seed.to_string()))))
        .collect()
}

#[track_caller]
fn assert_within_4_se(xs: &[f64], expected: f64, what: &str) {
    let (mean, se) = mean_se(xs);
    assert!(
        (mean - expected).abs() <= 4.0 * se,
        "{what}: {mean} ± {se} (4 SE = {}), expected {expected}; samples {xs:?}",
        4.0 * se
    );
    // The check has teeth: the estimate is precise to well under a percent.
    assert!(
        se < 0.01 * expected,
        "{what}: standard error {se} is too wide to tell"
    );
}

/// 2,000 users × 24 requests a day with a diurnal and a weekly cycle, served by an API
/// billed 0.001 a call and nothing else: the month must hold 2,000 × 24 × 30 =
/// 1,440,000 requests and cost 1,440 whatever the window.
fn weekly_api(horizon: &str, warmup: &str) -> String {
    format!(
        r#"
name: calendar
seed: 1
scales: [1]
workload:
  users: 2000
  requests_per_user_per_day: 24
  horizon: {horizon}
  warmup: {warmup}
  diurnal: {{peak_to_trough: 4, peak_hour: 14}}
  weekly: {{weekend_factor: 0.3}}
  classes:
    q: {{share: 1, input_tokens: 10, output_tokens: 10}}
routing:
  routes: {{q: llm}}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0
    price_per_1k_output_tokens: 0
    price_per_request: 0.001
    latency: 10ms
"#
    )
}

const MONTHLY_REQUESTS: f64 = 2000.0 * 24.0 * 30.0;

#[test]
fn a_nine_day_window_after_a_fourteen_hour_warm_up_gives_the_true_month() {
    let yaml = weekly_api("9d", "14h");
    let volume = over_seeds(&yaml, 8, |r| r.results[0].economics.requests_per_month);
    assert_within_4_se(&volume, MONTHLY_REQUESTS, "monthly requests");
    let cost = over_seeds(&yaml, 8, |r| r.results[0].economics.monthly_total);
    assert_within_4_se(&cost, MONTHLY_REQUESTS * 0.001, "monthly cost");
    // Every kind of hour was seen: nothing to warn about.
    assert!(run(&yaml).results[0].economics.warnings.is_empty());
}

#[test]
fn two_days_from_two_in_the_afternoon_give_the_true_month_and_say_what_they_miss() {
    // The window is Monday 14:00 to Wednesday 14:00: no weekend hour is measured; the
    // weekend is filled in from the weekday hours most like it, scaled by traffic.
    let yaml = weekly_api("2d 14h", "14h");
    let volume = over_seeds(&yaml, 8, |r| r.results[0].economics.requests_per_month);
    assert_within_4_se(&volume, MONTHLY_REQUESTS, "monthly requests");
    let cost = over_seeds(&yaml, 8, |r| r.results[0].economics.monthly_total);
    assert_within_4_se(&cost, MONTHLY_REQUESTS * 0.001, "monthly cost");
    let report = run(&yaml);
    let e = &report.results[0].economics;
    // A tier billed per request costs exactly its price per transaction.
    let per = e.cost_per_transaction.expect("requests were served");
    assert!((per / 0.001 - 1.0).abs() < 1e-3, "{per}");
    assert!(
        e.warnings
            .iter()
            .any(|w| w.contains("sees no weekend day:") && w.contains("horizon: 7d 14h")),
        "{:?}",
        e.warnings
    );
    // The window itself is 48 weekday hours at 7/5.6 = 1.25 times the mean rate: the
    // old projection (window × 720 h / 48 h) overstated the month by that much.
    let stretched = report.results[0].metrics.requests.offered as f64 * 720.0 / 48.0;
    assert!(stretched > 1.2 * MONTHLY_REQUESTS, "{stretched}");
}

#[test]
fn the_starter_scenario_reports_the_month_its_users_ask_for() {
    // 1,000 users × 10 requests a day × 30 days = 300,000 a month; its one-off burst
    // (3x for an hour) adds its extra requests to one month in twelve: about 70.
    let volume = over_seeds(scalecost::STARTER_SCENARIO, 6, |r| {
        r.results[0].economics.requests_per_month
    });
    let (mean, se) = mean_se(&volume);
    assert!((mean - 300_070.0).abs() <= 4.0 * se + 40.0, "{mean} ± {se}");
}

/// One tier serves every request and escalates a drifting share of them to an API
/// that charges 0.01 a call; 1,000 users × 48 requests a day.
fn drifting(retrain: bool) -> String {
    let retraining = if retrain {
        "costs:\n  periodic:\n    - {name: retraining, every: 30d, amount: 1000, retrains: light}\n"
    } else {
        ""
    };
    format!(
        r#"
name: drift
seed: 1
scales: [1]
workload:
  users: 1000
  requests_per_user_per_day: 48
  horizon: 7d
  warmup: 1d
  classes:
    q: {{share: 1, input_tokens: 10, output_tokens: 10}}
routing:
  routes: {{q: light}}
  escalation:
    light: {{to: heavy, share: 0.1, drift_per_day: 0.01}}
tiers:
  light:
    kind: self_hosted
    service_time: 5ms
    concurrency: 100
    instances: 1
    price_per_instance_hour: 0
  heavy:
    kind: api
    price_per_1k_input_tokens: 0
    price_per_1k_output_tokens: 0
    price_per_request: 0.01
    latency: 10ms
{retraining}"#
    )
}

/// The API's bill in a month with a mean escalation share of `share`.
fn api_bill(share: f64) -> f64 {
    1000.0 * 48.0 * 30.0 * share * 0.01
}

#[test]
fn retrained_every_thirty_days_each_month_pays_for_the_cycle_mean_share() {
    // The share climbs from 10% by 1 point a day and resets every 30 days: its mean
    // over each month is 10% + 15 × 1% = 25%, although the 6 measured days (days 1–7)
    // run at 14% on average.
    let yaml = drifting(true);
    let bills = over_seeds(&yaml, 6, |r| {
        r.results[0]
            .economics
            .components
            .iter()
            .find(|c| c.name == "heavy api")
            .expect("the API's line")
            .monthly
    });
    assert_within_4_se(&bills, api_bill(0.25), "API bill at the cycle's mean share");
    // The same every month: month 13 costs what month 1 does (the retraining is the
    // same 1,000 each time, on day 30 of each month).
    let report = run(&yaml);
    let s = &report.results[0].economics.schedule;
    assert!(
        (s[12].cost - s[0].cost).abs() < 1e-6 * s[0].cost,
        "{} vs {}",
        s[12].cost,
        s[0].cost
    );
}

#[test]
fn never_retrained_the_schedule_climbs_to_a_share_of_one_and_stays() {
    // Without retraining the share is 10% + 1% a day, capped at 100% from day 90:
    // month means 25%, 55%, 85%, then 100% for good.
    let report = run(&drifting(false));
    let s = &report.results[0].economics.schedule;
    let base = s[0].cost - api_bill(0.25);
    for (m, share) in [(0, 0.25), (1, 0.55), (2, 0.85), (3, 1.0), (23, 1.0)] {
        let expected = base + api_bill(share);
        // The month's bill is the measured cost per escalated call times the law's
        // count; the measured share carries about 1% of sampling noise.
        assert!(
            (s[m].cost / expected - 1.0).abs() < 0.03,
            "month {}: {} vs {expected}",
            m + 1,
            s[m].cost
        );
    }
    assert!((s[23].cost - s[3].cost).abs() < 1e-9 * s[3].cost);
    // The old projection froze the share at the window's 14%: month 4 was a third of
    // what it really costs.
    assert!(s[3].cost > 3.0 * api_bill(0.14));
}

/// Costs linear in users: an API at 0.002 a request; revenue 1 per user a month; a
/// one-off build of 50,000; users start at 2,000 and grow 10% a month.
const GROWING: &str = r#"
name: growth
seed: 1
scales: [1]
workload:
  users: 2000
  requests_per_user_per_day: 20
  horizon: 2d
  warmup: 2h
  growth: {monthly_rate: 0.1}
  classes:
    q: {share: 1, input_tokens: 10, output_tokens: 10}
routing:
  routes: {q: llm}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0
    price_per_1k_output_tokens: 0
    price_per_request: 0.002
    latency: 10ms
costs:
  one_off:
    - {name: build, amount: 50000}
revenue:
  per_seat: {price_per_user_per_month: 2}
"#;

#[test]
fn a_growing_user_base_drives_the_schedule_payback_and_two_year_total() {
    let report = run(GROWING);
    let e = &report.results[0].economics;
    // Month m has 2,000 × 1.1^(m−1) users; each costs 20 × 30 × 0.002 = 1.20 and earns
    // 2.00 a month: a margin of 0.80 a user.
    let users = |m: u32| 2000.0 * 1.1f64.powi(m as i32 - 1);
    let mut cumulative = 0.0;
    let mut payback = None;
    for (i, month) in e.schedule.iter().enumerate() {
        let m = i as u32 + 1;
        assert!(
            (month.users / users(m) - 1.0).abs() < 1e-9,
            "month {m} users"
        );
        // Priced from loads simulated at most 2x apart; each load's cost is measured
        // to about 0.2% (some 80,000 requests), and interpolation of a linear cost in
        // log space is exact.
        assert!(
            (month.cost / (users(m) * 1.2) - 1.0).abs() < 0.01,
            "month {m}: {} vs {}",
            month.cost,
            users(m) * 1.2
        );
        assert!(
            (month.nearest_simulated_users / month.users).ln().abs() <= 2f64.sqrt().ln() + 1e-9
        );
        assert_eq!(month.revenue, users(m) * 2.0);
        if payback.is_none() && cumulative >= 50_000.0 {
            payback = Some(m - 1);
        }
        cumulative += users(m) * 0.8;
    }
    // Hand: the margin is 1,600 × 1.1^(m−1) a month; it passes 50,000 after 15 months
    // (1,600 × (1.1^15 − 1)/0.1 = 50,836; 14 months give 44,396).
    assert_eq!(payback, Some(15));
    assert_eq!(e.payback_months, Some(15));
    let hand: f64 = 50_000.0 + (1..=24).map(|m| users(m) * 1.2).sum::<f64>();
    assert!(
        (e.two_year_total / hand - 1.0).abs() < 0.01,
        "{} vs {hand}",
        e.two_year_total
    );
    // The rule of thumb beside it.
    let multiple = e
        .two_year_multiple_of_one_off
        .expect("one-off costs are declared");
    assert!((multiple - e.two_year_total / 50_000.0).abs() < 1e-9);
}

/// A seat at 10 a month, a 15,000 team, and a 100,000 compliance programme above 5,000
/// users; an API that costs nothing. Profit = 10·U − 15,000 below 5,000 users, and
/// 10·U − 115,000 above: positive from 1,500 to 5,000 users only.
const STEP: &str = r#"
name: step
seed: 1
scales: [1, 10]
workload:
  users: 1000
  requests_per_user_per_day: 1
  horizon: 1d
  warmup: 1h
  classes:
    q: {share: 1, input_tokens: 10, output_tokens: 10}
routing:
  routes: {q: llm}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0
    price_per_1k_output_tokens: 0
    latency: 10ms
costs:
  monthly:
    - {name: team, amount: 15000}
  steps:
    - {name: compliance, amount_per_month: 100000, above: {users: 5000}}
revenue:
  per_seat: {price_per_user_per_month: 10}
"#;

#[test]
fn break_even_is_found_between_two_scales_that_both_lose_money() {
    // Both scales lose money (1,000 users: −5,000; 10,000: −15,000); the old search
    // looked only for a sign change between them and said "never".
    let be = run(STEP).break_even.expect("revenue is declared");
    assert_eq!(be.status, BreakEvenStatus::Found);
    let users = be.users.expect("found");
    assert!((users / 1500.0 - 1.0).abs() <= 0.011, "{users}");
    // Both crossings: into profit at 1,500, back into a loss at the threshold.
    assert_eq!(be.crossings.len(), 2, "{:?}", be.crossings);
    assert_eq!(be.crossings[0].direction, Direction::Profitable);
    assert_eq!(be.crossings[1].direction, Direction::Unprofitable);
    assert!(
        (be.crossings[1].users / 5000.0 - 1.0).abs() < 1e-6,
        "{:?}",
        be.crossings[1]
    );
    assert_eq!(be.crossings[1].precision, 0.0);
}

/// One question, asked once a second, answered by an API that admits one call every
/// 100 minutes and never retries; answers stay fresh for 20 minutes.
const THROTTLED_CACHE: &str = r#"
name: throttled-cache
seed: 5
scales: [1]
workload:
  users: 1
  requests_per_user_per_day: 86400
  horizon: 2d
  warmup: 2h
  keys: {distinct: 1, zipf_exponent: 0}
  classes:
    q: {share: 1, input_tokens: 10, output_tokens: 10}
cache:
  lru: {capacity: 10, ttl: 20m}
  lookup_latency: 1ms
routing:
  routes: {q: llm}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0.001
    price_per_1k_output_tokens: 0.001
    latency: 1s
    rate_limit: {requests_per_minute: 0.01, burst: 1}
    retry: {max_retries: 0, backoff: 1s}
"#;

#[test]
fn a_cache_behind_a_throttled_api_serves_only_the_answers_it_got() {
    // Each admitted call gives an answer that serves the next 20 minutes; then every
    // request misses and is refused until the next call is admitted, 100 minutes after
    // the last: about 20 minutes served in every 100 (a second or so more per cycle
    // for the leader's own call). Over the 46 measured hours, ~27 cycles of ~1,200
    // requests each: the share is known to about ±1 point.
    let report = run(THROTTLED_CACHE);
    let m = &report.results[0].metrics;
    let served = m.requests.success_rate;
    assert!((served - 0.2).abs() < 0.02, "served {served}");
    let cache = m.cache.as_ref().expect("a cache");
    assert!(
        (cache.hit_rate - 0.2).abs() < 0.02,
        "hit rate {}",
        cache.hit_rate
    );
    assert!(m.requests.failed.throttled > 0);
}

/// 50 questions asked uniformly, 5 a second in all; answers take exactly 10 s and
/// stay fresh for a minute, so every minute each question is asked again by a leader
/// and by the others that arrive while its answer is computed.
const COALESCING: &str = r#"
name: coalescing
seed: 9
scales: [1]
workload:
  users: 5
  requests_per_user_per_day: 86400
  horizon: 3h
  warmup: 10m
  keys: {distinct: 50, zipf_exponent: 0}
  classes:
    q: {share: 1, input_tokens: 10, output_tokens: 10}
cache:
  lru: {capacity: 100, ttl: 1m}
  lookup_latency: 0s
routing:
  routes: {q: llm}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0.001
    price_per_1k_output_tokens: 0.001
    latency: 10s
"#;

#[test]
fn requests_that_find_an_answer_being_computed_wait_for_it() {
    let report = run(COALESCING);
    let m = &report.results[0].metrics;
    let cache = m.cache.as_ref().expect("a cache");
    // Each question is asked 0.1 times a second; during its leader's 10 s about one
    // more request for it arrives and waits.
    assert!(cache.coalesced > 1000, "{cache:?}");
    assert_eq!(m.requests.failed.total, 0);
    // The waiters arrive uniformly during the leader's 10 s, so they wait 5 s on
    // average (the standard deviation of a uniform wait is 2.9 s; over thousands of
    // waiters the mean is known to ±0.1 s; 0.4 s is 4 standard errors). Everyone else
    // takes 0 (a hit) or 10 s (a leader): the waiters' total is what is left.
    let served = m.requests.served as f64;
    let leaders = served - cache.hits as f64 - cache.coalesced_served as f64;
    let total_ms = m.latency_ms.mean * served;
    let waiters_mean_ms = (total_ms - leaders * 10_000.0) / cache.coalesced_served as f64;
    assert!(
        (waiters_mean_ms - 5_000.0).abs() < 400.0,
        "{waiters_mean_ms} ms"
    );
    // Nobody waits longer than a leader (the histogram keeps three significant
    // digits, so its maximum reads up to 0.1% high).
    assert!(m.latency_ms.max <= 10_000.0 * 1.001, "{}", m.latency_ms.max);
}

#[test]
fn no_figure_is_minus_zero() {
    let text = common::json(&run(STEP));
    assert!(!text.contains("-0.0") && !text.contains(": -0,") && !text.contains(": -0\n"));
    let csv = common::export(&run(STEP), scalecost::report::Format::Csv);
    assert!(
        !csv.split([',', '\n'])
            .any(|cell| cell == "-0" || cell == "-0.0"),
        "{csv}"
    );
}

/// A pool billed at least 24 h per instance: a burst at the end of the warm-up launches
/// more instances, which the autoscaler retires early in the window. Their 24-hour
/// minimums belong to the warm-up's launches, not to the window: the month pays for the
/// one instance that serves it (and a twelfth of the one-off burst's hours).
const MINIMUM_IN_WARM_UP: &str = r#"
name: minimum
seed: 3
scales: [1]
workload:
  users: 1
  requests_per_user_per_day: 2400
  horizon: 3d
  warmup: 1d
  bursts:
    - {start: 22h 30m, duration: 1h 30m, multiplier: 30}
  classes:
    q: {share: 1, input_tokens: 10, output_tokens: 10}
routing:
  routes: {q: pool}
tiers:
  pool:
    kind: self_hosted
    service_time: 1s
    concurrency: 1
    queue_capacity: 100
    price_per_instance_hour: 1
    billing: {granularity: 1h, minimum: 24h}
    autoscaling:
      min: 1
      max: 4
      target_utilization: 0.8
      interval: 1m
      scale_in_cooldown: 10m
      startup_delay: 0s
"#;

#[test]
fn billing_minimums_of_warm_up_launches_are_not_the_windows() {
    let report = run(MINIMUM_IN_WARM_UP);
    let r = &report.results[0];
    let pool = &r.metrics.tiers[0];
    // The burst (30 × 100 an hour of 1 s services: 0.83 erlangs) needed more than one
    // instance; after it the load (0.03 erlangs) needs one.
    assert!(pool.peak_instances >= 2, "{}", pool.peak_instances);
    // The window bills the time instances were alive in it and no minimum: those
    // retired in it were launched in the warm-up (before, each added up to 23 hours).
    assert!(
        (pool.billed_instance_hours - pool.instance_hours).abs() < 1e-9,
        "billed {} for {} alive",
        pool.billed_instance_hours,
        pool.instance_hours
    );
    assert!(pool.instance_hours < 49.0, "{}", pool.instance_hours);
    // A month of one instance at 1 an hour is 720; the extra instances' minutes after
    // the burst are the burst's, counted once, in month 1: a twelfth of them in the year-1 month.
    let compute = r.economics.components[0].monthly;
    assert!((720.0..722.0).contains(&compute), "{compute}");
}
