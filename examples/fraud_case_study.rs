//! Case study: a fraud-detection service that works for 1,000 customers, chokes at
//! 10,000, and is rebuilt to serve 100,000 — run as two scenarios, with the story
//! asserted. `cargo run --release --example fraud_case_study`.
//!
//! A fintech scores every card payment of its merchant customers before the issuer
//! answers the card network. Each customer sends about 100 payments a day, busiest in
//! the afternoon.
//!
//! **Design 1** sends every payment to a hosted model over an API: about USD 0.00035 a
//! payment, 250 ms typical, and a contract of 1,000 calls a minute. At 1,000 customers
//! the afternoon peak uses about a sixth of that. At 10,000 the peak asks for more than
//! the contract allows: calls are throttled, retried after one, two, four seconds and
//! some fail, so the slowest payments wait three times as long or more, and the bill
//! grows tenfold with the traffic: nothing in the design gets cheaper per payment as it
//! grows.
//!
//! **Design 2** puts a response cache in front (a card and merchant seen in the last
//! minutes are answered from it: about 70% of payments) and a light model on the
//! firm's own CPU instances that scores the routine 80% of what is left; only the
//! high-risk 20% still goes to the API. At 100,000 customers the API sees about 6% of
//! the traffic, under the same contract, and the service is faster and cheaper per
//! payment than design 1 ever was.
//!
//! The example runs design 1 at 1x and 10x and design 2 at 1x, 10x and 100x, prints
//! the figures, and fails (exit code 101) if the story does not hold. It also runs as
//! a test with `cargo test --release --example fraud_case_study`.

use scalecost::outcome::{Outcome, Summary};
use scalecost::progress::Progress;
use scalecost::scenario::{self, plan};

/// Everything both designs share: the customers, their payments, the API contract.
const WORKLOAD: &str = r#"
currency: USD
seed: 42
workload:
  users: 1000                      # merchant customers at 1x
  requests_per_user_per_day: 100   # payments scored per customer per day
  horizon: 1d 2h
  warmup: 2h
  diurnal: {peak_to_trough: 4, peak_hour: 15}
  classes:
    routine:  {share: 0.8, input_tokens: 800, output_tokens: 20}
    high_risk: {share: 0.2, input_tokens: 800, output_tokens: 20}
"#;

/// The hosted model both designs call, under a 1,000-calls-a-minute contract.
const API: &str = r#"
  hosted:
    kind: api
    price_per_1k_input_tokens: 0.0004
    price_per_1k_output_tokens: 0.0016
    latency: {dist: lognormal, mean: 250ms, sd: 80ms}
    rate_limit: {requests_per_minute: 1000, burst: 50}
    retry: {max_retries: 3, backoff: 1s}
    timeout: 10s
"#;

fn design_1() -> String {
    format!(
        "name: design-1-api-only\nscales: [1, 10]\n{WORKLOAD}\nrouting:\n  routes: {{routine: hosted, high_risk: hosted}}\ntiers:{API}"
    )
}

fn design_2() -> String {
    let workload = WORKLOAD.replace(
        "input_tokens: 800, output_tokens: 20}\n    high_risk",
        "input_tokens: 800, output_tokens: 20, cacheable: true}\n    high_risk",
    );
    format!(
        r#"name: design-2-cache-and-light-model
scales: [1, 10, 100]
{workload}
cache:
  hit_rate: 0.7          # a card and merchant seen in the last minutes
  lookup_latency: 1ms
  price_per_hour: 0.25   # a small managed in-memory store
routing:
  routes: {{routine: light, high_risk: hosted}}
tiers:
  light:
    kind: self_hosted
    service_time: {{dist: lognormal, mean: 12ms, sd: 4ms}}
    concurrency: 2
    price_per_instance_hour: 0.085
    billing: {{granularity: 1s, minimum: 1m}}
    queue_capacity: 2000
    timeout: 2s
    autoscaling:
      min: 1
      max: 40
      target_utilization: 0.6
      interval: 15s
      scale_out_cooldown: 30s
      startup_delay: 45s
      max_step: 4
{API}"#
    )
}

/// Runs a scenario as `scalecost simulate` does.
fn simulate(yaml: &str, name: &str) -> Outcome {
    let scenario = scenario::parse(yaml, name, name).unwrap_or_else(|e| panic!("{e}"));
    let plan = plan::single(scenario, 1);
    scalecost::runner::run(&plan, &Progress::silent())
}

fn summaries(o: &Outcome) -> Vec<&Summary> {
    o.designs[0].results.iter().map(|r| &r.summary).collect()
}

fn show(name: &str, o: &Outcome) {
    println!("{name}");
    println!(
        "  {:>9}  {:>12}  {:>12}  {:>8}  {:>8}  {:>8}",
        "customers", "cost/payment", "monthly", "p50", "p99", "failed"
    );
    for s in summaries(o) {
        let f = &s.figures;
        println!(
            "  {:>9}  {:>12.7}  {:>12.0}  {:>6.0}ms  {:>6.0}ms  {:>7.2}%",
            s.users,
            f.cost_per_transaction.mean,
            f.monthly_cost.mean,
            f.latency_p50_ms.mean,
            f.latency_p99_ms.mean,
            f.error_rate.mean * 100.0
        );
    }
}

fn story() {
    let one = simulate(&design_1(), "design-1.yaml");
    let two = simulate(&design_2(), "design-2.yaml");
    show("Design 1: every payment to the hosted model", &one);
    show(
        "Design 2: cache, light model for routine payments, API for high risk",
        &two,
    );

    let d1 = summaries(&one);
    let d2 = summaries(&two);
    let (small, grown) = (&d1[0].figures, &d1[1].figures);

    // Design 1 works for 1,000 customers: every payment scored.
    assert!(small.error_rate.mean < 0.001, "design 1 fails at 1x");
    // ...and at 10,000 the slowest payments wait at least three times as long,
    assert!(
        grown.latency_p99_ms.mean >= 3.0 * small.latency_p99_ms.mean,
        "p99 {} ms at 10x against {} ms at 1x",
        grown.latency_p99_ms.mean,
        small.latency_p99_ms.mean
    );
    // ...while the bill grows with the traffic (tenfold, less what fails) and no
    // payment gets cheaper.
    assert!(
        grown.monthly_cost.mean >= 9.0 * small.monthly_cost.mean,
        "monthly {} at 10x against {} at 1x",
        grown.monthly_cost.mean,
        small.monthly_cost.mean
    );
    assert!(grown.cost_per_transaction.mean >= 0.99 * small.cost_per_transaction.mean);

    // Design 2's cache answers about 70% of payments, so that many API calls never
    // happen; the light model takes 80% of the rest.
    let detail = two.designs[0].results[2]
        .detail
        .as_ref()
        .expect("simulate keeps the full result");
    let m = &detail.metrics;
    let cache = m.cache.as_ref().expect("design 2 has a cache");
    let hit_rate = cache.hits as f64 / cache.lookups as f64;
    assert!((hit_rate - 0.7).abs() < 0.01, "cache hit rate {hit_rate}");
    let served = |name: &str| {
        m.tiers
            .iter()
            .find(|t| t.name == name)
            .map_or(0, |t| t.served) as f64
    };
    let light_share = served("light") / (served("light") + served("hosted"));
    assert!(
        (light_share - 0.8).abs() < 0.01,
        "light model's share {light_share}"
    );
    println!(
        "At 100x design 2's cache answered {:.1}% of payments and the light model {:.1}% of the rest.",
        hit_rate * 100.0,
        light_share * 100.0
    );

    // Design 2 serves 100,000 customers, faster and cheaper per payment than design 1
    // at 1,000.
    let big = &d2[2].figures;
    assert!(big.error_rate.mean < 0.001, "design 2 fails at 100x");
    assert!(big.latency_p50_ms.mean < small.latency_p50_ms.mean);
    assert!(big.latency_p99_ms.mean < small.latency_p99_ms.mean);
    assert!(
        big.cost_per_transaction.mean < small.cost_per_transaction.mean,
        "design 2 at 100x {} per payment against design 1 at 1x {}",
        big.cost_per_transaction.mean,
        small.cost_per_transaction.mean
    );
    println!("The story holds.");
}

#[cfg_attr(test, allow(dead_code))]
fn main() {
    story();
}

#[test]
fn the_story_holds() {
    story();
}
