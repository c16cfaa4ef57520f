//! `scalecost schema`: the JSON Schema editors use to complete and check a scenario.
//! It is derived from the reader's own types, and these tests hold it to the reader:
//! every scenario the project ships validates against it, so do the other shapes the
//! reader accepts (per-token service times, streamed latencies, distributions, catalogue
//! models and instances), and what the reader refuses for its shape (an unknown field at
//! any depth, a duration without a unit, a wrong tier kind) the schema refuses too.

#[path = "common/json_schema.rs"]
mod json_schema;

use assert_cmd::Command;
use json_schema::Validator;
use serde_json::Value;

/// The schema as the binary prints it.
fn schema() -> Value {
    let out = Command::cargo_bin("scalecost")
        .unwrap()
        .env_remove("RUST_BACKTRACE")
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("the schema is JSON")
}

fn validator() -> Validator {
    Validator::new(schema())
}

/// A YAML scenario as the JSON value a YAML language server would check.
fn as_json(yaml: &str) -> Value {
    serde_saphyr::from_str(yaml).expect("YAML")
}

/// The schema's complaints about `yaml`, one line each.
fn errors(validator: &Validator, yaml: &str) -> Vec<String> {
    validator.errors(&as_json(yaml))
}

fn shipped() -> Vec<(String, String)> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files = Vec::new();
    for dir in ["scenarios", "benches/scenarios"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    files.push(("scalecost init".into(), scalecost::STARTER_SCENARIO.into()));
    assert!(files.len() >= 9, "{} files", files.len());
    files
}

#[test]
fn the_schema_is_draft_2020_12_and_closed() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["additionalProperties"], false);
    assert!(s["required"].as_array().unwrap().contains(&"tiers".into()));
}

#[test]
fn every_shipped_scenario_validates() {
    let v = validator();
    for (name, text) in shipped() {
        // The reader accepts it too, or the test would prove nothing about the schema.
        scalecost::scenario::parse(&text, &name, "x").unwrap_or_else(|e| panic!("{e}"));
        let errors = errors(&v, &text);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn quoted_numbers_and_booleans_and_numeric_names_validate_as_the_reader_reads_them() {
    // YAML readers coerce these, and scalecost reads them: an editor must not mark them.
    let v = validator();
    let starter = scalecost::STARTER_SCENARIO;
    for (from, to) in [
        ("  users: 1000 ", "  users: \"1000\" "),
        ("  users: 1000 ", "  users: ' 1e3 ' "),
        ("workload:\n", "description: 2024\nworkload:\n"),
    ] {
        let text = starter.replacen(from, to, 1);
        assert_ne!(text, starter, "{from:?}");
        scalecost::scenario::parse(&text, "t.yaml", "t").unwrap_or_else(|e| panic!("{e}"));
        assert!(
            errors(&v, &text).is_empty(),
            "{to:?}: {:#?}",
            errors(&v, &text)
        );
    }
    let text = starter.replacen("  users: 1000 ", "  users: \"a thousand\" ", 1);
    assert!(scalecost::scenario::parse(&text, "t.yaml", "t").is_err());
    assert!(!errors(&v, &text).is_empty(), "a word is no number");
}

#[test]
fn an_unknown_field_does_not_validate_at_any_depth() {
    let v = validator();
    let starter = scalecost::STARTER_SCENARIO;
    for (from, to) in [
        ("workload:\n", "colour: blue\nworkload:\n"),
        ("  users: 1000 ", "  userz: 3\n  users: 1000 "),
        (
            "    kind: self_hosted",
            "    kind: self_hosted\n    gpus: 4",
        ),
    ] {
        assert_eq!(starter.matches(from).count(), 1, "{from:?}");
        let text = starter.replacen(from, to, 1);
        assert!(
            scalecost::scenario::parse(&text, "t.yaml", "t").is_err(),
            "the reader refuses it"
        );
        assert!(!errors(&v, &text).is_empty(), "the schema accepted {to:?}");
    }
}

#[test]
fn the_hand_read_shapes_validate_as_the_reader_reads_them() {
    let v = validator();
    let accepted = r#"
scales: [1, 10]
workload:
  users: 100
  requests_per_user_per_day: 10
  horizon: 1d 12h
  bursts: [{start: 2h, duration: 30m, multiplier: 3, repeats: weekly}]
  classes:
    chat: {share: 0.5, input_tokens: {dist: lognormal, mean: 300, sd: 100}, output_tokens: 80}
    bulk: {share: 0.5, input_tokens: 500, output_tokens: {dist: uniform, min: 10, max: 90}, deferrable: true}
routing:
  routes: {chat: gpu, bulk: llm}
tiers:
  gpu:
    kind: self_hosted
    instance: g5.xlarge
    service_time: {per_input_token: 0.2ms, per_output_token: 20ms}
    autoscaling: {min: 1, max: 4}
  llm:
    kind: api
    model: claude-haiku-4-5
    latency: {ttft: {dist: exponential, mean: 600ms}, per_output_token: 10ms}
    prompt_cache: {lifetime: 5m}
    batch: {turnaround: {dist: uniform, min: 1h, max: 24h}}
"#;
    scalecost::scenario::parse(accepted, "t.yaml", "t").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        errors(&v, accepted).is_empty(),
        "{:#?}",
        errors(&v, accepted)
    );

    for (from, to, why) in [
        ("horizon: 1d 12h", "horizon: 36", "a duration needs a unit"),
        (
            "horizon: 1d 12h",
            "horizon: 3 fortnights",
            "an unknown unit",
        ),
        ("kind: api", "kind: serverless", "no such tier kind"),
        (
            "per_output_token: 10ms}",
            "per_output_token: 10ms, mean: 1s}",
            "two latency shapes at once",
        ),
        (
            "output_tokens: 80",
            "output_tokens: eighty",
            "tokens are numbers",
        ),
        (
            "{dist: exponential, mean: 600ms}",
            "{dist: gamma, mean: 600ms}",
            "no such distribution",
        ),
    ] {
        let text = accepted.replacen(from, to, 1);
        assert_ne!(text, accepted, "{from:?}");
        assert!(
            scalecost::scenario::parse(&text, "t.yaml", "t").is_err(),
            "the reader refuses: {why}"
        );
        assert!(
            !errors(&v, &text).is_empty(),
            "the schema accepted it: {why}"
        );
    }
}

#[test]
fn the_check_refuses_what_each_keyword_forbids() {
    // The check is the tests' own: each keyword it knows must be able to fail.
    let schema = serde_json::json!({
        "$defs": {"Unit": {"type": "string", "pattern": "^(ms|s)$"}},
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "unit": {"$ref": "#/$defs/Unit"},
            "kind": {"enum": ["api", "self_hosted"]},
            "sizes": {"type": "array", "items": {"type": "number"}},
            "either": {"anyOf": [{"type": "boolean"}, {"type": "null"}]}
        }
    });
    let v = Validator::new(schema);
    let good = serde_json::json!({
        "name": "a", "count": 2.0, "unit": "ms", "kind": "api", "sizes": [1, 2.5], "either": null
    });
    assert_eq!(v.errors(&good), Vec::<String>::new());
    for (field, bad) in [
        ("name", serde_json::json!(3)),
        ("count", serde_json::json!(1.5)),
        ("count", serde_json::json!(-1)),
        ("unit", serde_json::json!("h")),
        ("kind", serde_json::json!("serverless")),
        ("sizes", serde_json::json!([1, "x"])),
        ("either", serde_json::json!(1)),
        ("colour", serde_json::json!("blue")),
    ] {
        let mut doc = good.clone();
        doc[field] = bad.clone();
        assert!(!v.errors(&doc).is_empty(), "{field}: {bad} passed");
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("name");
    assert_eq!(v.errors(&missing), vec![": `name` is required".to_string()]);
}
