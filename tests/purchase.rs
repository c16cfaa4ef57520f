//! How GPUs are bought: committed instances are paid whether used or not, on-demand
//! ones beyond them, and spot ones are cheaper but taken back at the declared rate,
//! their requests sent back to the queue.

mod common;
use common::run;

/// A pool of `instances` fixed instances (or `autoscaling`), on demand at 1.0 an hour,
/// with `purchase` declared, under a light load of short requests.
fn pool(scaling: &str, purchase: &str, horizon: &str) -> String {
    format!(
        r#"
name: purchase
seed: 4
scales: [1]
workload:
  users: 10
  requests_per_user_per_day: 8640
  horizon: {horizon}
  warmup: 1h
  classes:
    q: {{share: 1, input_tokens: 10, output_tokens: 10}}
routing:
  routes: {{q: pool}}
tiers:
  pool:
    kind: self_hosted
    service_time: {{dist: exponential, mean: 2s}}
    concurrency: 1
    queue_capacity: 100000
    price_per_instance_hour: 1.0
    {scaling}
    purchase: {purchase}
"#
    )
}

#[test]
fn committed_instances_are_billed_whether_used_or_not() {
    // Two committed at 0.6 an hour, one instance running: 1.2 an hour, the unused
    // commitment included; over the 24-hour window, 28.8.
    let r = run(&pool(
        "instances: 1",
        "{committed: {instances: 2, price_per_instance_hour: 0.6}}",
        "25h",
    ));
    let spend = r.results[0].metrics.tiers[0].spend;
    assert!((spend - 24.0 * 1.2).abs() < 1e-6, "{spend}");
    // Three running: two under the commitment, one on demand: 2.2 an hour.
    let r = run(&pool(
        "instances: 3",
        "{committed: {instances: 2, price_per_instance_hour: 0.6}}",
        "25h",
    ));
    let spend = r.results[0].metrics.tiers[0].spend;
    assert!((spend - 24.0 * 2.2).abs() < 1e-6, "{spend}");
    // The month follows: 720 h × 2.2.
    let monthly = r.results[0].economics.components[0].monthly;
    assert!((monthly - 720.0 * 2.2).abs() < 1e-6, "{monthly}");
}

#[test]
fn spot_instances_are_taken_back_at_the_declared_rate_and_their_work_requeued() {
    // Four spot instances kept at four by the autoscaler, each taken back after an
    // exponential time of mean 2 h (a 2-minute notice first): over 10 days of exposure
    // (960 instance-hours) about 480 preemptions, Poisson: ± 4·√480 ≈ 88 is 4
    // standard errors.
    let yaml = pool(
        "autoscaling: {min: 4, max: 4, interval: 30s, startup_delay: 1m}",
        "{spot: {max_instances: 4, price_per_instance_hour: 0.3, mean_time_to_preemption: 2h, notice: 2m}}",
        "10d 1h",
    );
    let r = run(&yaml);
    let t = &r.results[0].metrics.tiers[0];
    let exposure_h = t.instance_hours;
    let expected = exposure_h / 2.0;
    let got = t.preemptions as f64;
    assert!(
        (got - expected).abs() <= 4.0 * expected.sqrt(),
        "{got} preemptions, expected {expected}"
    );
    // One request a second of 2 s on four instances: each holds one about half the
    // time, so some are caught in service, sent back and served again.
    assert!(t.requeued > 0 && t.lost_service_hours > 0.0, "{t:?}");
    assert_eq!(r.results[0].metrics.requests.failed.total, 0);
    // Spot time is billed at the spot price.
    assert!(
        (t.spend / t.billed_instance_hours - 0.3).abs() < 0.01,
        "{} per hour",
        t.spend / t.billed_instance_hours
    );
}

#[test]
fn spot_needs_an_autoscaler_to_replace_what_is_taken_back() {
    let yaml = pool(
        "instances: 2",
        "{spot: {max_instances: 2, price_per_instance_hour: 0.3, mean_time_to_preemption: 2h}}",
        "2h",
    );
    let err = scalecost::scenario::parse(&yaml, "p.yaml", "p")
        .unwrap_err()
        .to_string();
    assert!(err.contains("tiers.pool.purchase.spot: spot instances are taken back at random and need an autoscaler"), "{err}");
}
