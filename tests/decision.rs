//! The decision commands from the command line, each checked against an answer worked
//! out by hand: `optimize` picks the pool size Erlang C says is the smallest that meets
//! a p99 objective, simulating far fewer sizes than there are; `crossover` finds the
//! load where a fixed pool and a per-token API cost the same, and says so when they
//! never do; `sensitivity` moves each price by ±20% and reports exactly its share of
//! the bill.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn scalecost() -> Command {
    let mut cmd = Command::cargo_bin("scalecost").expect("binary built");
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// Writes `text` to `name` in a fresh folder for this test.
fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("temp folder");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("scenario written");
    path
}

fn folder(test: &str) -> PathBuf {
    std::env::temp_dir().join(format!("scalecost-decision-{test}-{}", std::process::id()))
}

fn json(cmd: &mut Command) -> Value {
    let out = cmd
        .arg("--format")
        .arg("json")
        .arg("-q")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[track_caller]
fn assert_close(measured: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        ((measured - expected) / expected).abs() <= tolerance,
        "{what}: measured {measured}, expected {expected} (±{tolerance} relative)"
    );
}

mod optimize {
    //! M/M/c: Poisson arrivals at 200/s, exponential service with mean 50 ms (10
    //! erlangs), a pool of c single-slot instances. The p99 of time in the system
    //! solves P(T > t) = 0.01 with P(T > t) = (1 − C) e^(−μt) + C (θ e^(−μt) − μ e^(−θt))
    //! / (θ − μ), C the Erlang C probability of waiting and θ = cμ − λ: 313 ms for
    //! c = 11, 249 ms for c = 12. An objective of 280 ms therefore asks for 12, and the
    //! simulated p99s (from about 1.4 million requests each) sit 11% either side of it:
    //! far beyond their sampling error of a few percent.
    use super::*;

    pub const MMC: &str = r#"
name: mmc
seed: 11
scales: [1]
workload:
  users: 200
  requests_per_user_per_day: 86400
  horizon: 2h
  warmup: 10m
  classes:
    all: {share: 1, input_tokens: 1, output_tokens: 1}
routing:
  routes: {all: pool}
tiers:
  pool:
    kind: self_hosted
    service_time: {dist: exponential, mean: 50ms}
    instances: 16
    price_per_instance_hour: 1
    queue_capacity: 2000
slo:
  p99_latency: 280ms
"#;

    #[test]
    fn picks_the_smallest_pool_erlang_c_allows_and_bisects_to_it() {
        let dir = folder("mmc");
        let path = file(&dir, "mmc.yaml", MMC);
        let out = json(
            scalecost()
                .arg("optimize")
                .arg(&path)
                .arg("--vary")
                .arg("tiers.pool.instances=1..16:1"),
        );
        let choice = &out["choices"][0];
        assert_eq!(choice["best"]["tiers.pool.instances"], 12.0, "{choice:#}");
        // Bisection over 16 sizes: 9, 13, 11, 12.
        let simulated = choice["simulated"].as_u64().unwrap();
        assert_eq!(choice["candidates"], 16);
        assert!(simulated <= 5, "simulated {simulated} of 16");
        let p99 = choice["chosen"]["latency_p99_ms"]["mean"].as_f64().unwrap();
        assert_close(p99, 248.7, 0.04, "p99 of 12 instances (Erlang C 248.7 ms)");
        // Twelve instances at 1 an hour for a 30-day month.
        let monthly = choice["chosen"]["monthly_cost"]["mean"].as_f64().unwrap();
        assert_close(monthly, 12.0 * 720.0, 1e-9, "monthly cost of 12 instances");
        // The runner-up is the next size: larger pools cost more.
        assert_eq!(
            choice["runner_up"]["values"]["tiers.pool.instances"], 13.0,
            "{choice:#}"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn says_so_when_no_value_meets_the_objective() {
        let dir = folder("none");
        let path = file(&dir, "mmc.yaml", &MMC.replace("280ms", "100ms"));
        let out = json(
            scalecost()
                .arg("optimize")
                .arg(&path)
                .arg("--vary")
                .arg("tiers.pool.instances=10,12,14"),
        );
        assert!(
            out["choices"][0]["best"].is_null(),
            "{:#}",
            out["choices"][0]
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_bad_vary_is_refused_with_its_flag_before_anything_runs() {
        let dir = folder("bad");
        let path = file(&dir, "mmc.yaml", MMC);
        let out = scalecost()
            .arg("optimize")
            .arg(&path)
            .arg("--vary")
            .arg("tiers.pool.instances=5..1:1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--vary tiers.pool.instances=5..1:1"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }
}

mod crossover {
    //! A fixed pool of 4 instances at 2 an hour costs 4 × 2 × 720 = 5,760 a month
    //! whatever the load; an API at 0.001 per 1k input and 0.002 per 1k output tokens,
    //! 1,000 in and 500 out per call, costs 0.002 a call, 0.6 a month per user at 10
    //! calls a day. They cost the same at 5,760 / 0.6 = 9,600 users. The search finds
    //! it to 1%; the API's bill there counts about 190,000 calls, whose Poisson
    //! count is off by 4 standard deviations (0.9%) at most.
    use super::*;

    const POOL: &str = r#"
name: pool
seed: 5
scales: [1, 10]
workload:
  users: 3000
  requests_per_user_per_day: 10
  horizon: 2d
  classes:
    chat: {share: 1, input_tokens: 1000, output_tokens: 500}
routing:
  routes: {chat: gpu}
tiers:
  gpu:
    kind: self_hosted
    service_time: 100ms
    instances: 4
    price_per_instance_hour: 2
"#;

    fn api(price_in: &str, price_out: &str) -> String {
        format!(
            r#"
name: api
seed: 5
scales: [1, 10]
workload:
  users: 3000
  requests_per_user_per_day: 10
  horizon: 2d
  classes:
    chat: {{share: 1, input_tokens: 1000, output_tokens: 500}}
routing:
  routes: {{chat: llm}}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: {price_in}
    price_per_1k_output_tokens: {price_out}
    latency: 300ms
"#
        )
    }

    #[test]
    fn a_fixed_pool_and_an_api_cross_where_the_hand_calculation_says() {
        let dir = folder("cross");
        let a = file(&dir, "pool.yaml", POOL);
        let b = file(&dir, "api.yaml", &api("0.001", "0.002"));
        let out = json(scalecost().arg("crossover").arg(&a).arg(&b));
        let x = &out["crossover"];
        assert_eq!(x["cheaper_at_start"], "second", "{x:#}");
        let crossings = x["crossings"].as_array().unwrap();
        assert_eq!(crossings.len(), 1, "{x:#}");
        let c = &crossings[0];
        assert_eq!(c["cheaper_after"], "first");
        assert_close(
            c["users"].as_f64().unwrap(),
            9600.0,
            0.01 + 0.009,
            "crossing users",
        );
        assert_close(
            c["first_monthly"].as_f64().unwrap(),
            5760.0,
            1e-9,
            "the pool's month",
        );
        assert_close(
            c["second_monthly"].as_f64().unwrap(),
            0.6 * c["users"].as_f64().unwrap(),
            0.009,
            "the API's month there",
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn designs_that_never_cross_in_the_range_say_which_is_cheaper() {
        let dir = folder("never");
        let a = file(&dir, "pool.yaml", POOL);
        // A tenth of the price: they would cross at 96,000 users, past the 30,000 run.
        let b = file(&dir, "api.yaml", &api("0.0001", "0.0002"));
        let out = json(scalecost().arg("crossover").arg(&a).arg(&b));
        let x = &out["crossover"];
        assert_eq!(x["crossings"].as_array().unwrap().len(), 0, "{x:#}");
        assert_eq!(x["cheaper_at_start"], "second");
        assert_eq!(x["search_users"][0], 3000.0);
        assert_eq!(x["search_users"][1], 30000.0);
        let table = scalecost()
            .arg("crossover")
            .arg(&a)
            .arg(&b)
            .arg("-q")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&table.stdout);
        assert!(text.contains("api"), "{text}");
        std::fs::remove_dir_all(dir).ok();
    }
}

mod sensitivity {
    //! An API-only design: 1,000 input tokens at 0.001 per 1k and 500 output tokens at
    //! 0.004 per 1k, so a third of every call's price is input and two thirds output.
    //! The prices do not change what is simulated (the same requests, common random
    //! numbers), so moving one by ±20% moves cost per transaction by exactly ±20% of its
    //! share: ±6.67% and ±13.33%, to rounding.
    use super::*;

    const API: &str = r#"
name: priced
seed: 3
scales: [1, 10]
workload:
  users: 1000
  requests_per_user_per_day: 10
  horizon: 1d
  classes:
    chat: {share: 1, input_tokens: 1000, output_tokens: 500}
routing:
  routes: {chat: llm}
tiers:
  llm:
    kind: api
    price_per_1k_input_tokens: 0.001
    price_per_1k_output_tokens: 0.004
    latency: 300ms
"#;

    #[test]
    fn a_price_moves_cost_per_transaction_by_its_share_of_the_bill() {
        let dir = folder("share");
        let path = file(&dir, "api.yaml", API);
        let out = json(
            scalecost()
                .arg("sensitivity")
                .arg(&path)
                .arg("--vary")
                .arg("tiers.llm.price_per_1k_input_tokens")
                .arg("--vary")
                .arg("tiers.llm.price_per_1k_output_tokens"),
        );
        let ranked = out["sensitivity"].as_array().unwrap();
        assert_eq!(ranked.len(), 2);
        assert_eq!(ranked[0]["path"], "tiers.llm.price_per_1k_output_tokens");
        assert_eq!(ranked[1]["path"], "tiers.llm.price_per_1k_input_tokens");
        for (a, share) in [(&ranked[0], 2.0 / 3.0), (&ranked[1], 1.0 / 3.0)] {
            for e in a["effects"].as_array().unwrap() {
                let [low, high] = [0, 1].map(|i| e["cost_per_transaction"][i].as_f64().unwrap());
                assert!((low + 0.2 * share).abs() < 1e-9, "{a:#}");
                assert!((high - 0.2 * share).abs() < 1e-9, "{a:#}");
            }
            assert!((a["swing"].as_f64().unwrap() - 0.2 * share).abs() < 1e-9);
        }
        assert_eq!(ranked[0]["moved"][0], "0.0032");
        assert_eq!(ranked[0]["moved"][1], "0.0048");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn given_values_are_used_and_every_assumption_is_moved_by_default() {
        let dir = folder("range");
        let path = file(&dir, "api.yaml", API);
        let out = json(
            scalecost()
                .arg("sensitivity")
                .arg(&path)
                .arg("--vary")
                .arg("tiers.llm.price_per_1k_input_tokens=0.0005,0.003"),
        );
        let a = &out["sensitivity"][0];
        // Half the input price removes half of a third; triple it adds two thirds.
        let e = &a["effects"][0]["cost_per_transaction"];
        assert!((e[0].as_f64().unwrap() + 1.0 / 6.0).abs() < 1e-9, "{a:#}");
        assert!((e[1].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9, "{a:#}");

        let all = json(scalecost().arg("sensitivity").arg(&path));
        let paths: Vec<&str> = all["sensitivity"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["path"].as_str().unwrap())
            .collect();
        for expected in [
            "workload.users",
            "workload.requests_per_user_per_day",
            "tiers.llm.price_per_1k_output_tokens",
            "tiers.llm.latency",
        ] {
            assert!(paths.contains(&expected), "{expected} not moved: {paths:?}");
        }
        for never in ["seed", "scales", "workload.horizon"] {
            assert!(
                !paths.iter().any(|p| p.starts_with(never)),
                "{never} moved: {paths:?}"
            );
        }
        std::fs::remove_dir_all(dir).ok();
    }
}

/// Optimize adapts its rounds to what it finds; the rounds and their order must not
/// depend on how many threads run them.
#[test]
fn optimize_and_sensitivity_are_byte_identical_with_one_thread_or_four() {
    let dir = folder("threads");
    let path = file(
        &dir,
        "pool.yaml",
        &optimize_scenario().replace("horizon: 2h", "horizon: 30m"),
    );
    for args in [
        vec!["optimize", "--vary", "tiers.pool.instances=8..16:1"],
        vec!["sensitivity"],
    ] {
        let outputs: Vec<Vec<u8>> = ["1", "4"]
            .iter()
            .map(|jobs| {
                let out = scalecost()
                    .arg(args[0])
                    .arg(&path)
                    .args(&args[1..])
                    .args(["--format", "json", "-q", "--jobs", jobs])
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                out.stdout
            })
            .collect();
        assert!(
            outputs[0] == outputs[1],
            "{} differs with --jobs 1 and 4",
            args[0]
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

fn optimize_scenario() -> String {
    optimize::MMC.to_string()
}

/// Each decision command draws its chart with `--plot`: the frontier, both costs
/// with the crossing, the tornado; the same results draw the same bytes.
#[test]
fn plot_draws_each_decision_chart_the_same_every_time() {
    let dir = folder("plot");
    let pool = file(
        &dir,
        "mmc.yaml",
        &optimize::MMC.replace("horizon: 2h", "horizon: 30m"),
    );
    let draw = |args: &[&str], name: &str| -> Vec<u8> {
        let charts = dir.join(format!("charts-{name}"));
        let out = scalecost()
            .args(args)
            .arg("-q")
            .arg("--plot")
            .arg(&charts)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let png = std::fs::read(charts.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&png[1..4], b"PNG", "{name}");
        png
    };
    let p = pool.to_str().unwrap();
    for (args, name) in [
        (
            vec!["optimize", p, "--vary", "tiers.pool.instances=10..14:1"],
            "optimize-frontier.png",
        ),
        (vec!["crossover", p, p], "crossover.png"),
        (
            vec![
                "sensitivity",
                p,
                "--vary",
                "tiers.pool.price_per_instance_hour",
            ],
            "sensitivity.png",
        ),
    ] {
        assert_eq!(
            draw(&args, name),
            draw(&args, name),
            "{name} differs between two runs"
        );
    }
    std::fs::remove_dir_all(dir).ok();
}
