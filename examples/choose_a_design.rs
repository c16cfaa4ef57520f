//! Choosing a design with `optimize` and `crossover` on the shipped starter scenario,
//! with what they find asserted. `cargo run --release --example choose_a_design`.
//!
//! The starter answers simple requests on a self-hosted model whose pool autoscales up
//! to `tiers.small.autoscaling.max` instances, and complex ones on a paid API.
//!
//! 1. **How big may the pool grow?** `optimize` tries a ceiling of 1 to 8 instances at
//!    10x and 100x and keeps the cheapest that serves 99% of requests (the starter
//!    declares no SLO). A ceiling that is too low fails requests at 100x; one that is
//!    too high costs nothing until it is used. The search bisects for the smallest
//!    ceiling that serves enough, then tries only the ceilings above it, and skips at
//!    100x what was already short at 10x.
//! 2. **When does self-hosting pay?** `crossover` weighs the starter against the same
//!    service without the pool, the simple requests sent to the API too, from 100 to
//!    10,000 users: no instances to pay for
//!    when traffic is low, a per-token bill that grows with it. It reports the load
//!    where the two monthly bills are equal.
//!
//! Same as `scalecost optimize scenarios/starter.yaml --vary
//! tiers.small.autoscaling.max=1..8:1 --scales 10,100` and `scalecost crossover
//! scenarios/starter.yaml api-only.yaml --scales 0.1,1,10`. Runs as a test with `cargo test --release
//! --example choose_a_design`.

use std::path::{Path, PathBuf};

use scalecost::outcome::Cheaper;
use scalecost::progress::Progress;
use scalecost::scenario::overrides::parse_values;
use scalecost::scenario::plan::{self, Overrides};

fn starter() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/starter.yaml")
}

fn pool_ceiling() {
    let vary = [parse_values("--vary", "tiers.small.autoscaling.max=1..8:1").expect("valid")];
    let overrides = Overrides {
        scales: Some(vec![10.0, 100.0]),
        seed: None,
    };
    let plan =
        plan::optimize(&starter(), &vary, &[], &overrides, 1).unwrap_or_else(|e| panic!("{e}"));
    let outcome = scalecost::runner::run(&plan, &Progress::silent());
    let mut ceilings = Vec::new();
    for c in &outcome.choices {
        let pick = c
            .chosen
            .as_ref()
            .expect("some ceiling serves 99% at every scale");
        let ceiling = pick.values["tiers.small.autoscaling.max"]
            .as_number()
            .expect("a number");
        println!(
            "At {:>6} users: max {ceiling} instances, {:.5} per transaction, {:.0} a month, p99 {:.0} ms ({} of {} ceilings simulated)",
            c.users,
            pick.cost_per_transaction.mean,
            pick.monthly_cost.mean,
            pick.latency_p99_ms.mean,
            c.simulated,
            c.candidates
        );
        ceilings.push(ceiling);
    }
    // At 100x the ceilings the bisection finds short are not all tried: fewer are
    // simulated than there are.
    let tenfold = &outcome.choices[1];
    assert!(
        tenfold.simulated < tenfold.candidates,
        "{} of {}",
        tenfold.simulated,
        tenfold.candidates
    );
    // Ten times the load needs a higher ceiling than today's.
    assert!(ceilings[1] > ceilings[0], "ceilings {ceilings:?}");
}

fn self_hosting_pays() {
    let text = std::fs::read_to_string(starter()).expect("the starter scenario");
    // The same service without the pool: simple requests go to the API as well.
    let mut api_only = String::new();
    let mut in_pool = false;
    for line in text.lines() {
        let code = line.split('#').next().unwrap_or("").trim_end();
        match code {
            "  small:" => in_pool = true,
            "  big:" => in_pool = false,
            _ => {}
        }
        let escalation = code == "  escalation:" || code.starts_with("    small: {to: big");
        if in_pool || escalation {
            continue;
        }
        let line = match code {
            "name: my-ai-service" => "name: api-only",
            "    simple: small" => "    simple: big",
            _ => line,
        };
        api_only.push_str(line);
        api_only.push('\n');
    }
    assert_ne!(api_only, text);
    let dir = std::env::temp_dir().join(format!("scalecost-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp folder");
    let other = dir.join("api-only.yaml");
    std::fs::write(&other, api_only).expect("written");
    // From 100 to 10,000 users.
    let overrides = Overrides {
        scales: Some(vec![0.1, 1.0, 10.0]),
        seed: None,
    };
    let plan = plan::crossover(&starter(), &other, &overrides, 1).unwrap_or_else(|e| panic!("{e}"));
    let outcome = scalecost::runner::run(&plan, &Progress::silent());
    std::fs::remove_dir_all(&dir).ok();
    let x = outcome.crossover.expect("crossover result");
    for c in &x.crossings {
        println!(
            "From {:.0} users the {} design is cheaper: {:.0} against {:.0} a month",
            c.users,
            match c.cheaper_after {
                Cheaper::First => &x.first,
                Cheaper::Second => &x.second,
            },
            c.first_monthly,
            c.second_monthly
        );
    }
    // With few users the API alone is cheaper: an idle instance costs more than the
    // calls it would save.
    assert_eq!(x.cheaper_at_start, Some(Cheaper::Second));
    // Self-hosting wins, and for good, between 1,000 and 3,000 users (the idle
    // instance costs about 580 a month; each user's simple requests about 0.4 on the
    // API). Where the two bills are within noise of each other the sign may flip more
    // than once; all crossings lie together.
    let last = x.crossings.last().expect("a crossing");
    assert_eq!(last.cheaper_after, Cheaper::First);
    assert!(last.first_monthly <= last.second_monthly);
    for c in &x.crossings {
        assert!(
            (1000.0..3000.0).contains(&c.users),
            "crossing at {}",
            c.users
        );
        assert!(c.precision <= 0.01);
    }
}

#[cfg_attr(test, allow(dead_code))]
fn main() {
    pool_ceiling();
    self_hosting_pays();
}

#[test]
fn optimize_finds_a_higher_ceiling_for_ten_times_the_load() {
    pool_ceiling();
}

#[test]
fn self_hosting_pays_past_one_crossing() {
    self_hosting_pays();
}
