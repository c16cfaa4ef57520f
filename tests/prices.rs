//! The built-in price lists: `scalecost prices` shows the vendored catalogue's figures,
//! a tier that names a catalogue `model` or a GPU `instance` is billed at its prices
//! (checked against a hand calculation with those prices), a price the tier writes
//! wins, a written price 1000× off the model's is warned about, and an unknown name is
//! refused with the nearest names.
//!
//! Bills are sums of per-call prices, so they must agree with the hand formula to 1e-9
//! relative (the rounding of a few thousand f64 additions is near 1e-13).

mod common;
use assert_cmd::Command;
use common::{parse, run};
use scalecost::model::TierKind;

const SUM: f64 = 1e-9;

#[track_caller]
fn assert_close(measured: f64, expected: f64, what: &str) {
    assert!(
        ((measured - expected) / expected).abs() <= SUM,
        "{what}: measured {measured}, expected {expected}"
    );
}

/// The vendored file itself, read independently of the code under test.
fn vendored(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/prices/litellm.json"
    ))
    .unwrap();
    let all: serde_json::Value = serde_json::from_str(&text).unwrap();
    all["models"][name].clone()
}

fn scalecost(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let out = Command::cargo_bin("scalecost")
        .unwrap()
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// One API tier, one class of constant-size requests: every call is billed alike.
fn api_scenario(tier: &str) -> String {
    format!(
        r#"
scales: [1]
seed: 3
workload:
  users: 10
  requests_per_user_per_day: 144
  horizon: 1d
  classes:
    chat: {{share: 1, input_tokens: 1200, output_tokens: 300}}
routing:
  routes: {{chat: llm}}
tiers:
  llm:
    kind: api
    latency: 800ms
{tier}"#
    )
}

mod listing {
    use super::*;

    #[test]
    fn prices_json_gives_the_vendored_catalogues_prices_per_1m_and_per_1k() {
        let dir = tempfile::tempdir().unwrap();
        let (code, out, err) =
            scalecost(&["prices", "gpt-4o-mini", "--format", "json"], dir.path());
        assert_eq!(code, 0, "{err}");
        let listing: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(listing["schema_version"], 1);
        assert_eq!(listing["litellm_version"], "1.110.2");
        let rows = listing["models"].as_array().unwrap();
        assert!(
            rows.iter()
                .all(|r| r["name"].as_str().unwrap().contains("gpt-4o-mini"))
        );
        let row = rows.iter().find(|r| r["name"] == "gpt-4o-mini").unwrap();
        let file = vendored("gpt-4o-mini");
        for (ours, theirs) in [
            ("input", "input"),
            ("output", "output"),
            ("cached_input", "cache_read"),
            ("batch_input", "batch_input"),
            ("batch_output", "batch_output"),
        ] {
            let per_token = file[theirs].as_f64().unwrap();
            let per_1m = row[format!("{ours}_per_1m")].as_f64().unwrap();
            let per_1k = row[format!("{ours}_per_1k")].as_f64().unwrap();
            assert_close(per_1m, per_token * 1e6, ours);
            assert_close(per_1k, per_token * 1e3, ours);
        }
        // As OpenAI lists it: $0.15 and $0.60 per 1M tokens.
        assert_eq!(row["input_per_1m"], 0.15);
        assert_eq!(row["output_per_1m"], 0.6);
        assert_eq!(row["cache_write_per_1m"], serde_json::Value::Null);
    }

    #[test]
    fn every_format_lists_the_same_models() {
        let dir = tempfile::tempdir().unwrap();
        let (_, table, _) = scalecost(&["prices", "claude", "haiku-4-5"], dir.path());
        assert!(table.contains("claude-haiku-4-5"), "{table}");
        assert!(
            table.contains("1.25"),
            "the cache-write price per 1M: {table}"
        );
        let (_, md, _) = scalecost(
            &["prices", "claude haiku-4-5", "--format", "markdown"],
            dir.path(),
        );
        assert!(md.contains("| claude-haiku-4-5 | anthropic | 1 | 5 | 0.1 | 1.25 | 0.5 | 2.5 | 0.001 | 0.005 | 0.0001 |"), "{md}");
        let (_, csv, _) = scalecost(
            &["prices", "claude-haiku-4-5", "--format", "csv"],
            dir.path(),
        );
        let header = csv.lines().next().unwrap();
        assert!(
            header.starts_with("schema_version,name,provider,mode,input_per_1m,output_per_1m,"),
            "{header}"
        );
        assert!(
            csv.lines()
                .any(|l| l
                    .starts_with("1,claude-haiku-4-5,anthropic,chat,1,5,0.1,1.25,0.5,2.5,0.001,")),
            "{csv}"
        );
    }

    #[test]
    fn a_query_nothing_matches_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let (code, out, _) = scalecost(&["prices", "no-such-model-anywhere"], dir.path());
        assert_eq!(code, 0);
        assert!(out.contains("0 models"), "{out}");
        assert!(out.contains("no model name contains"), "{out}");
    }

    #[test]
    fn instances_are_listed_with_their_source_and_date() {
        let dir = tempfile::tempdir().unwrap();
        let (code, out, err) = scalecost(
            &["prices", "--instances", "h100", "--format", "json"],
            dir.path(),
        );
        assert_eq!(code, 0, "{err}");
        let listing: serde_json::Value = serde_json::from_str(&out).unwrap();
        let rows = listing["instances"].as_array().unwrap();
        assert!(rows.len() >= 2);
        for r in rows {
            assert!(r["gpus"].as_str().unwrap().contains("H100"));
            assert!(r["source"].as_str().unwrap().starts_with("https://"));
            assert!(r["read_on"].as_str().unwrap().starts_with("20"));
        }
        let (_, table, _) = scalecost(&["prices", "--instances"], dir.path());
        assert!(
            table.contains("g5.xlarge") && table.contains("1.006"),
            "{table}"
        );
    }
}

mod model {
    use super::*;

    #[test]
    fn a_tier_that_names_a_model_costs_what_its_catalogue_prices_give() {
        let report = run(&api_scenario("    model: gpt-4o-mini\n"));
        let m = &report.results[0].metrics;
        let calls = m.tiers[0].api_calls as f64;
        assert!(calls > 1000.0, "{calls} calls");
        // gpt-4o-mini: $0.15 per 1M input, $0.60 per 1M output tokens.
        let per_call = 1200.0 * 0.15e-6 + 300.0 * 0.6e-6;
        assert_close(m.tiers[0].spend, calls * per_call, "API bill");
        assert_close(
            report.results[0].economics.total,
            calls * per_call,
            "window cost",
        );
    }

    #[test]
    fn a_written_price_wins_over_the_catalogues() {
        let report = run(&api_scenario(
            "    model: gpt-4o-mini\n    price_per_1k_output_tokens: 0.001\n",
        ));
        let m = &report.results[0].metrics;
        let calls = m.tiers[0].api_calls as f64;
        let per_call = 1200.0 * 0.15e-6 + 300.0 * 0.001 / 1000.0;
        assert_close(m.tiers[0].spend, calls * per_call, "API bill");
        assert!(
            report.results[0]
                .economics
                .warnings
                .iter()
                .all(|w| !w.contains("catalogue"))
        );
    }

    #[test]
    fn prompt_cache_and_batch_prices_come_from_the_model() {
        let scenario = parse(&api_scenario(
            "    model: claude-haiku-4-5\n    prompt_cache: {lifetime: 5m}\n    batch: {turnaround: 12h}\n",
        ));
        let TierKind::Api(api) = &scenario.tiers()[0].kind else {
            panic!("an API tier")
        };
        // claude-haiku-4-5: input $1, output $5, cache read $0.10, cache write $1.25,
        // batch input $0.50 per 1M tokens.
        assert_close(api.price_per_1k_input_tokens, 0.001, "input");
        assert_close(api.price_per_1k_output_tokens, 0.005, "output");
        let cache = api.prompt_cache.unwrap();
        assert_close(
            cache.price_per_1k_cached_input_tokens,
            0.0001,
            "cached input",
        );
        assert_close(cache.write_multiplier, 1.25, "cache write ÷ input");
        assert_close(api.batch.unwrap().discount, 0.5, "batch discount");
        // Written values win here too.
        let scenario = parse(&api_scenario(
            "    model: claude-haiku-4-5\n    prompt_cache: {price_per_1k_cached_input_tokens: 0.0002, write_multiplier: 2, lifetime: 5m}\n    batch: {discount: 0.3, turnaround: 12h}\n",
        ));
        let TierKind::Api(api) = &scenario.tiers()[0].kind else {
            panic!("an API tier")
        };
        assert_eq!(
            api.prompt_cache.unwrap().price_per_1k_cached_input_tokens,
            0.0002
        );
        assert_eq!(api.prompt_cache.unwrap().write_multiplier, 2.0);
        assert_eq!(api.batch.unwrap().discount, 0.3);
    }

    #[test]
    fn a_price_the_model_lacks_must_be_written() {
        // gpt-4o-mini-tts has no cached-input price.
        let err = scalecost::scenario::parse(
            &api_scenario("    model: gpt-4o-mini-tts\n    prompt_cache: {lifetime: 5m}\n"),
            "t.yaml",
            "t",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("prompt_cache.price_per_1k_cached_input_tokens"),
            "{err}"
        );
        assert!(err.contains("gpt-4o-mini-tts"), "{err}");
    }

    #[test]
    fn without_a_model_the_prices_are_still_required() {
        let err = scalecost::scenario::parse(&api_scenario(""), "t.yaml", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing `price_per_1k_input_tokens`"), "{err}");
        assert!(err.contains("catalogue `model`"), "{err}");
    }

    #[test]
    fn an_unknown_model_is_refused_with_the_nearest_catalogue_names() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("typo.yaml");
        std::fs::write(&file, api_scenario("    model: gpt-4o-minii\n")).unwrap();
        let (code, _, err) = scalecost(&["validate", "typo.yaml"], dir.path());
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(
                "typo.yaml:16:12: tiers.llm.model: \"gpt-4o-minii\" is not in the price catalogue"
            ),
            "{err}"
        );
        assert!(err.contains("nearest: gpt-4o-mini,"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }

    #[test]
    fn a_model_on_a_self_hosted_tier_is_refused() {
        let yaml = common::small_starter_with(&[]).replace(
            "kind: self_hosted",
            "kind: self_hosted\n    model: gpt-4o-mini",
        );
        let err = scalecost::scenario::parse(&yaml, "t.yaml", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`model` applies to api tiers only"), "{err}");
    }
}

mod slip {
    use super::*;

    #[test]
    fn a_per_1m_price_in_a_per_1k_field_is_warned_about_with_both_figures() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("slip.yaml");
        std::fs::write(
            &file,
            api_scenario("    model: gpt-4o\n    price_per_1k_input_tokens: 2.5\n    price_per_1k_output_tokens: 0.01\n"),
        )
        .unwrap();
        let (code, out, err) = scalecost(&["validate", "slip.yaml"], dir.path());
        assert_eq!(code, 0, "a warning, not a refusal: {err}");
        assert!(out.contains("slip.yaml: ok"), "{out}");
        assert_eq!(
            err.lines().count(),
            1,
            "only the input price slipped: {err}"
        );
        assert!(err.contains("tiers.llm.price_per_1k_input_tokens: 2.5 is 1000× the catalogue's 0.0025 per 1k tokens for gpt-4o (2.5 per 1M)"), "{err}");
        // The report carries it too, for whoever reads only the output.
        let (code, out, _) = scalecost(
            &["simulate", "slip.yaml", "--format", "json", "-q"],
            dir.path(),
        );
        assert_eq!(code, 0);
        assert!(out.contains("is 1000× the catalogue's"), "{out}");
    }

    #[test]
    fn a_per_token_price_in_a_per_1k_field_is_warned_about_too() {
        let scenario = parse(&api_scenario(
            "    model: gpt-4o-mini\n    price_per_1k_output_tokens: 0.0000006\n",
        ));
        let warnings = scenario.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("tiers.llm.price_per_1k_output_tokens"),
            "{}",
            warnings[0]
        );
        assert!(
            warnings[0].contains("1/1000 of the catalogue's 0.0006 per 1k"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn a_negotiated_discount_is_not_a_slip() {
        // 20% off list, and a price twice the list: neither is a unit slip.
        let scenario = parse(&api_scenario(
            "    model: gpt-4o-mini\n    price_per_1k_input_tokens: 0.00012\n    price_per_1k_output_tokens: 0.0012\n",
        ));
        assert!(scenario.warnings().is_empty(), "{:?}", scenario.warnings());
    }
}

mod instance {
    use super::*;

    /// A fixed or autoscaled pool on a named instance.
    fn pool(extra: &str) -> String {
        format!(
            r#"
scales: [1]
workload:
  users: 10
  requests_per_user_per_day: 100
  horizon: 1d
  classes:
    chat: {{share: 1, input_tokens: 100, output_tokens: 50}}
routing:
  routes: {{chat: gpu}}
tiers:
  gpu:
    kind: self_hosted
    service_time: 50ms
{extra}"#
        )
    }

    fn self_hosted(yaml: &str) -> scalecost::model::SelfHosted {
        match &parse(yaml).tiers()[0].kind {
            TierKind::SelfHosted(s) => s.clone(),
            _ => panic!("a self-hosted tier"),
        }
    }

    #[test]
    fn an_instance_gives_the_on_demand_price_and_its_bill() {
        let yaml = pool("    instance: g5.xlarge\n    instances: 2\n");
        assert_eq!(self_hosted(&yaml).price_per_instance_hour, 1.006);
        // Two instances for the whole day at $1.006 an hour.
        let report = run(&yaml);
        assert_close(
            report.results[0].metrics.tiers[0].spend,
            2.0 * 24.0 * 1.006,
            "compute bill",
        );
    }

    #[test]
    fn purchase_options_take_the_instances_committed_and_spot_prices() {
        let p = self_hosted(&pool(
            "    instance: P5.48xlarge\n    autoscaling: {min: 1, max: 4}\n    purchase: {committed: {instances: 1}}\n",
        ));
        assert_eq!(p.price_per_instance_hour, 98.32);
        assert_eq!(p.purchase.committed.unwrap().price_per_instance_hour, 55.04);
        let p = self_hosted(&pool(
            "    instance: a3-highgpu-8g\n    autoscaling: {min: 1, max: 4}\n    purchase: {spot: {max_instances: 2, mean_time_to_preemption: 6h}}\n",
        ));
        assert_eq!(p.price_per_instance_hour, 24.0);
        assert_eq!(p.purchase.spot.unwrap().price_per_instance_hour, 18.0);
    }

    #[test]
    fn written_prices_win_over_the_instances() {
        let p = self_hosted(&pool(
            "    instance: a3-highgpu-8g\n    price_per_instance_hour: 20\n    autoscaling: {min: 1, max: 4}\n    purchase: {spot: {max_instances: 2, price_per_instance_hour: 9, mean_time_to_preemption: 6h}}\n",
        ));
        assert_eq!(p.price_per_instance_hour, 20.0);
        assert_eq!(p.purchase.spot.unwrap().price_per_instance_hour, 9.0);
    }

    #[test]
    fn a_price_the_list_lacks_must_be_written() {
        let err = scalecost::scenario::parse(
            &pool("    instance: g5.xlarge\n    autoscaling: {min: 1, max: 4}\n    purchase: {spot: {max_instances: 2, mean_time_to_preemption: 6h}}\n"),
            "t.yaml",
            "t",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("tiers.gpu.purchase.spot"), "{err}");
        assert!(err.contains("no spot price for g5.xlarge"), "{err}");
    }

    #[test]
    fn an_unknown_instance_is_refused_with_the_nearest_names() {
        let err = scalecost::scenario::parse(
            &pool("    instance: g5.xlage\n    instances: 1\n"),
            "t.yaml",
            "t",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("tiers.gpu.instance: \"g5.xlage\" is not in the built-in instance list; nearest: g5.xlarge"), "{err}");
        assert_eq!(
            err.lines().count(),
            1,
            "no second complaint about the price: {err}"
        );
    }
}

mod hygiene {
    use super::*;

    #[test]
    fn a_query_with_terminal_controls_is_echoed_escaped_in_every_format() {
        let dir = tempfile::tempdir().unwrap();
        for format in ["table", "markdown", "json", "csv"] {
            let (code, out, err) = scalecost(
                &["prices", "gpt\u{1b}]0;owned\u{7}", "--format", format],
                dir.path(),
            );
            assert_eq!(code, 0, "{err}");
            assert!(
                !out.contains('\u{1b}') && !out.contains('\u{7}'),
                "{format}: {out:?}"
            );
        }
        let (_, table, _) = scalecost(&["prices", "gpt\u{1b}[2J"], dir.path());
        assert!(table.contains("\\u{1b}[2J"), "{table:?}");
    }
}
