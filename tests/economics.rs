//! Unit economics: hidden costs, revenue, break-even, payback, budget, anomalies and drift,
//! checked against hand calculation and against what the simulation must show.

mod common;
use common::Report as ScenarioReport;
use scalecost::metrics::BottleneckReason;
use scalecost::outcome::BreakEvenStatus;

fn run(yaml: &str) -> ScenarioReport {
    common::run(yaml)
}

/// A pool of 2 fixed instances at 1.5/hour: its cost does not depend on load, so every
/// figure below can be worked out by hand.
const FIXED_POOL: &str = r#"
seed: 5
scales: [1, 10]
workload:
  users: 1000
  requests_per_user_per_day: 10
  horizon: 2d
  warmup: 1d
  classes:
    all: {share: 1, input_tokens: 100, output_tokens: 10}
routing:
  routes: {all: pool}
tiers:
  pool:
    kind: self_hosted
    service_time: 10ms
    instances: 2
    price_per_instance_hour: 1.5
"#;

#[test]
fn break_even_payback_and_two_year_total_match_hand_calculation() {
    // Compute: 2 instances × 1.5/h × 720 h = 2,160 a month.
    // Fixed: 3,000 a month. Periodic: 1,000 every 60 days, doubling: months 2, 4, 6, …
    // (the k-th at day 60k, in month 2k) cost 1,000·2^(k−1); 12-month average
    // (1+2+4+8+16+32)·1000/12 = 5,250.
    // Running cost per month (average): 2,160 + 3,000 + 5,250 = 10,410.
    // Revenue: 20 per user per month, 75% free → 5 per user per month.
    // Break-even users (monthly figures use the 12-month average): 10,410 / 5 = 2,082.
    let yaml = format!(
        "{FIXED_POOL}
costs:
  one_off:
    - {{name: build, amount: 50000}}
  monthly:
    - {{name: team, amount: 3000}}
  periodic:
    - {{name: retraining, every: 60d, amount: 1000, growth: 2}}
revenue:
  per_seat: {{price_per_user_per_month: 20, free_share: 0.75}}
"
    );
    let report = run(&yaml);
    for r in &report.results {
        let e = &r.economics;
        // Instance time is exact: 2 instances over the 24 h window → 48 billed hours.
        assert!((r.metrics.tiers[0].billed_instance_hours - 48.0).abs() < 1e-9);
        assert!(
            (e.monthly_total - 10_410.0).abs() < 1e-6,
            "{}",
            e.monthly_total
        );
        assert!((e.fixed_monthly - 8_250.0).abs() < 1e-6);
        let revenue = e.revenue.as_ref().expect("revenue declared");
        assert!((revenue.monthly - 5.0 * r.metrics.users).abs() < 1e-6);
        // Two-year total: one-off + 24 × (2,160 + 3,000) + retraining in months
        // 2, 4, …, 24 (12 occurrences, 1,000·(2^12 − 1) = 4,095,000).
        let two_years = 50_000.0 + 24.0 * 5_160.0 + 4_095_000.0;
        assert!(
            (e.two_year_total - two_years).abs() < 1e-3,
            "{}",
            e.two_year_total
        );
    }
    // At 10x (10,000 users) revenue is 50,000 a month; month m costs 5,160 plus any
    // retraining: cumulative margin after month 1 is 44,840 (< 50,000), after month 2
    // it is 44,840 + 43,840 = 88,680 → payback in 2 months.
    assert_eq!(report.results[1].economics.payback_months, Some(2));
    // At 1x (1,000 users, 5,000 a month) the margin is negative: never.
    assert_eq!(report.results[0].economics.payback_months, None);

    let be = report
        .break_even
        .expect("break-even searched when revenue is declared");
    assert_eq!(be.status, BreakEvenStatus::Found);
    let users = be.users.expect("found");
    // The search stops when the bracket is within 1%; the answer is its upper end.
    assert!(be.precision <= 0.01, "{}", be.precision);
    assert!(users >= 2_082.0 && users <= 2_082.0 * 1.0101, "{users}");
    // Every probe below the answer lost money and the answer itself made some.
    for p in &be.probes {
        if p.users < users {
            assert!(p.monthly_profit < 0.0, "{p:?}");
        } else {
            assert!(p.monthly_profit >= 0.0, "{p:?}");
        }
    }
}

#[test]
fn break_even_says_never_when_the_margin_stays_negative() {
    let yaml = format!(
        "{FIXED_POOL}
costs:
  monthly:
    - {{name: team, amount: 500000}}
revenue:
  usage: {{price_per_request: 0.0001}}
"
    );
    let be = run(&yaml).break_even.expect("searched");
    assert_eq!(be.status, BreakEvenStatus::Never);
    assert_eq!(be.users, None);
    assert!(be.probes.iter().all(|p| p.monthly_profit < 0.0));
    assert_eq!(be.search_users, [1000.0, 10_000.0]);
}

#[test]
fn step_volume_storage_and_egress_costs_follow_their_drivers() {
    let yaml = format!(
        "{FIXED_POOL}
costs:
  steps:
    - {{name: engineer, amount_per_month: 10000, every: {{users: 4000}}}}
    - {{name: compliance, amount_per_month: 7000, above: {{users: 5000}}}}
  volume:
    - {{name: pipeline, per: requests, unit: 1000000, amount: 100, exponent: 0.5}}
  storage:
    - {{name: logs, bytes_per_request: 1000000, retention: 45d, price_per_gb_month: 0.02}}
  egress:
    - {{name: egress, bytes_per_request: 1000000, price_per_gb: 0.05}}
"
    );
    let report = run(&yaml);
    let line = |i: usize, name: &str| {
        report.results[i]
            .economics
            .components
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .monthly
    };
    // 1,000 users → ceil(1000/4000) = 1 engineer; 10,000 → 3. Compliance only above 5,000.
    assert_eq!(line(0, "engineer"), 10_000.0);
    assert_eq!(line(1, "engineer"), 30_000.0);
    assert_eq!(line(0, "compliance"), 0.0);
    assert_eq!(line(1, "compliance"), 7_000.0);
    for i in 0..2 {
        let m = &report.results[i].metrics;
        let per_day = m.requests.offered as f64 / (m.window_hours / 24.0);
        let per_month = per_day * 30.0;
        // amount · (volume/unit)^exponent
        let pipeline = 100.0 * (per_month / 1e6).sqrt();
        assert!((line(i, "pipeline") - pipeline).abs() < 1e-9 * pipeline.max(1.0));
        // Storage holds min(age, 45 days) of requests at 1 MB each, and a month pays for
        // its average fill: 15 days' worth in month 1, (∫30..45 t dt + 45·15)/30 = 41.25
        // in month 2, 45 from month 3. The line is the year-1 average:
        // (15 + 41.25 + 10·45) / 12 = 42.1875 days.
        let gb_month = |days: f64| per_day * days * 1e6 / 1e9 * 0.02;
        let logs = gb_month(42.1875);
        assert!((line(i, "logs") - logs).abs() < 1e-9 * logs);
        let schedule = &report.results[i].economics.schedule;
        let step = |m: usize| schedule[m].cost - schedule[m - 1].cost;
        assert!((step(1) - gb_month(41.25 - 15.0)).abs() < 1e-6 * logs);
        assert!((step(2) - gb_month(45.0 - 41.25)).abs() < 1e-6 * logs);
        assert!(step(3).abs() < 1e-9 * logs);
        let egress = per_month * 1e6 / 1e9 * 0.05;
        assert!((line(i, "egress") - egress).abs() < 1e-9 * egress);
    }
}

#[test]
fn budget_reports_the_month_and_day_it_is_exceeded() {
    // Running cost 2,160 + 3,000 = 5,160 a month, spread evenly (no load-driven cost
    // beyond the fixed pool). A 4,000 budget is passed on day ceil(4000 / 172) = 24.
    let yaml = format!(
        "{FIXED_POOL}
costs:
  monthly:
    - {{name: team, amount: 3000}}
budget:
  monthly: 4000
"
    );
    let report = run(&yaml);
    let b = report.results[0]
        .economics
        .budget
        .as_ref()
        .expect("budget declared");
    assert_eq!(b.first_month_over, Some(1));
    assert_eq!(b.day_over, Some(24));
    let yaml = yaml.replace("monthly: 4000", "monthly: 6000");
    let b = run(&yaml).results[0]
        .economics
        .budget
        .clone()
        .expect("budget declared");
    assert_eq!(b.first_month_over, None);
    assert!((b.first_month_use - 5160.0 / 6000.0).abs() < 1e-9);
}

/// Flat load with one burst that triples traffic for an hour on day 2.
fn bursty(autoscaling: &str) -> String {
    format!(
        r#"
seed: 9
scales: [1]
workload:
  users: 1000
  requests_per_user_per_day: 8640
  horizon: 3d
  warmup: 6h
  bursts:
    - {{start: 1d 12h, duration: 1h, multiplier: 3}}
  classes:
    all: {{share: 1, input_tokens: 100, output_tokens: 10}}
routing:
  routes: {{all: pool}}
tiers:
  pool:
    kind: self_hosted
    service_time: {{dist: exponential, mean: 40ms}}
    concurrency: 1
    price_per_instance_hour: 1
    queue_capacity: 2000
    autoscaling: {autoscaling}
budget:
  anomaly_multiple: 3
"#
    )
}

#[test]
fn a_runaway_autoscaler_raises_a_cost_anomaly_at_the_burst_and_a_sane_one_does_not() {
    // 100 requests/s × 40 ms = 4 busy slots: a sane autoscaler keeps ~6 instances and
    // ~12-18 during the burst, well under 3x the typical hour's spend.
    let sane = run(&bursty(
        "{min: 6, max: 16, target_utilization: 0.7, interval: 15s, scale_out_cooldown: 60s, scale_in_cooldown: 5m, startup_delay: 30s, max_step: 4}",
    ));
    assert!(
        sane.results[0].economics.anomalies.is_empty(),
        "{:?}",
        sane.results[0].economics.anomalies
    );
    // No cooldown, no step cap, a huge max and no scale-in: the queue that builds while
    // instances start is read as demand, hundreds of instances are launched, and never
    // retired.
    let runaway = run(&bursty(
        "{min: 6, max: 5000, target_utilization: 0.7, interval: 15s, scale_out_cooldown: 0s, scale_in_cooldown: 3650d, startup_delay: 5m}",
    ));
    let anomalies = &runaway.results[0].economics.anomalies;
    let first = anomalies.first().expect("an anomaly at the burst");
    // The burst starts at hour 36; the spike shows in that hour or the next.
    assert!((36..=37).contains(&first.start_hour), "{first:?}");
    assert!(first.cause.contains("pool scaled out"), "{}", first.cause);
}

/// 60 days at a small load; the light tier escalates 5% of answers, plus 1% a day of
/// drift since its last training.
fn drifting(retraining: &str) -> String {
    format!(
        r#"
seed: 21
scales: [1]
workload:
  users: 100
  requests_per_user_per_day: 100
  horizon: 60d
  classes:
    all: {{share: 1, input_tokens: 100, output_tokens: 10}}
routing:
  routes: {{all: light}}
  escalation:
    light: {{to: heavy, share: 0.05, drift_per_day: 0.01}}
tiers:
  light:
    kind: self_hosted
    service_time: 5ms
    instances: 1
    price_per_instance_hour: 0.1
  heavy:
    kind: api
    price_per_1k_input_tokens: 0.01
    price_per_1k_output_tokens: 0.03
    latency: 1s
{retraining}
"#
    )
}

/// Escalated share of the light tier's answers on each day.
fn daily_escalation(report: &ScenarioReport) -> Vec<f64> {
    report.results[0]
        .metrics
        .timeline
        .chunks(24)
        .map(|day| {
            let escalated: u64 = day.iter().map(|h| h.tiers[0].escalated).sum();
            let requests: u64 = day.iter().map(|h| h.tiers[0].requests).sum();
            escalated as f64 / requests as f64
        })
        .collect()
}

#[test]
fn drift_raises_escalation_until_retraining_resets_it() {
    // 10,000 requests a day: a daily share has a standard error below 0.5 points, and
    // the drift moves it by 1 point a day, so 3-point margins are safe.
    let without = daily_escalation(&run(&drifting("")));
    // Day d's mean share is 0.05 + 0.01·(d + 0.5).
    for (d, share) in without.iter().enumerate() {
        let expected = 0.05 + 0.01 * (d as f64 + 0.5);
        assert!(
            (share - expected).abs() < 0.03,
            "day {d}: {share} vs {expected}"
        );
    }
    assert!(without[59] > 0.6);

    let with = daily_escalation(&run(&drifting(
        "costs:\n  periodic:\n    - {name: retraining, every: 15d, amount: 2000, retrains: light}",
    )));
    // Saw-tooth: climbs for 15 days, drops back after each retraining.
    for cycle in 0..4 {
        let start = cycle * 15;
        assert!(
            (with[start] - 0.055).abs() < 0.03,
            "day {start}: {}",
            with[start]
        );
        assert!(
            (with[start + 14] - 0.195).abs() < 0.03,
            "day {}: {}",
            start + 14,
            with[start + 14]
        );
    }
    // And the API bill shows it: fewer escalations, less spent on the heavy tier.
    let heavy = |r: &ScenarioReport| {
        r.results[0]
            .economics
            .components
            .iter()
            .find(|c| c.name == "heavy api")
            .unwrap()
            .monthly
    };
    let without_r = run(&drifting(""));
    let with_r = run(&drifting(
        "costs:\n  periodic:\n    - {name: retraining, every: 15d, amount: 2000, retrains: light}",
    ));
    assert!(heavy(&with_r) < 0.5 * heavy(&without_r));
}

#[test]
fn a_pool_whose_queue_dominates_latency_is_named_the_bottleneck() {
    // M/M/1 at ρ = 0.95: requests wait ρ/(1−ρ) = 19 service times on average, with no
    // max to hit and a queue too long to shed from: only the latency rule can name it.
    let report = run(r#"
seed: 4
scales: [1, 0.5]
workload:
  users: 95
  requests_per_user_per_day: 86400
  horizon: 3h
  warmup: 1h
  classes:
    all: {share: 1, input_tokens: 1, output_tokens: 1}
routing:
  routes: {all: pool}
tiers:
  pool:
    kind: self_hosted
    service_time: {dist: exponential, mean: 10ms}
    instances: 1
    price_per_instance_hour: 1
    queue_capacity: 1000000
"#);
    let b = report.results[0]
        .metrics
        .bottleneck
        .as_ref()
        .expect("a bottleneck at ρ = 0.95");
    assert_eq!(
        (b.tier.as_str(), b.reason),
        ("pool", BottleneckReason::LatencyBreaking)
    );
    // At half the load (ρ = 0.475, waits of 0.9 service times) nothing gives way.
    assert!(report.results[1].metrics.bottleneck.is_none());
}
