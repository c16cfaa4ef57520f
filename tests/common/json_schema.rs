//! A JSON Schema (draft 2020-12) check of the keywords `scalecost schema` emits, for the
//! tests that hold the schema to the reader.
//!
//! A general validator crate costs more compile time than the rest of the test tools
//! together, for a schema that uses a dozen keywords. This one knows those keywords and
//! panics on any other, so a schema that starts using a new keyword fails the tests
//! loudly instead of passing unchecked.

use std::collections::HashMap;

use regex::Regex;
use serde_json::Value;

/// Keywords that only annotate: they never make a document invalid.
const ANNOTATIONS: [&str; 11] = [
    "$schema",
    "$id",
    "$defs",
    "title",
    "description",
    "examples",
    "default",
    "format",
    "deprecated",
    "readOnly",
    "writeOnly",
];

pub struct Validator {
    root: Value,
    patterns: HashMap<String, Regex>,
}

impl Validator {
    /// A validator for `schema`; panics on a keyword it does not check or a pattern
    /// that is no regular expression.
    pub fn new(schema: Value) -> Validator {
        let mut patterns = HashMap::new();
        collect_patterns(&schema, &mut patterns);
        Validator {
            root: schema,
            patterns,
        }
    }

    /// Every way `document` breaks the schema, as "PATH: what", empty when it validates.
    pub fn errors(&self, document: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(&self.root, document, "", &mut errors);
        errors
    }

    fn check(&self, schema: &Value, doc: &Value, path: &str, errors: &mut Vec<String>) {
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                errors.push(format!("{path}: no value is allowed here"));
                return;
            }
            Value::Object(s) => s,
            other => panic!("a schema is an object or a boolean, not {other}"),
        };
        for (keyword, value) in schema {
            match keyword.as_str() {
                "type" => {
                    let allowed: Vec<&str> = match value {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                        other => panic!("type is a name or a list of names, not {other}"),
                    };
                    if !allowed.iter().any(|t| has_type(doc, t)) {
                        errors.push(format!("{path}: {doc} is not of type {allowed:?}"));
                    }
                }
                "enum" => {
                    let options = value.as_array().expect("enum is a list");
                    if !options.iter().any(|o| same(o, doc)) {
                        errors.push(format!("{path}: {doc} is not one of {value}"));
                    }
                }
                "const" => {
                    if !same(value, doc) {
                        errors.push(format!("{path}: {doc} is not {value}"));
                    }
                }
                "pattern" => {
                    if let Value::String(text) = doc {
                        let re = &self.patterns[value.as_str().expect("a pattern is text")];
                        if !re.is_match(text) {
                            errors.push(format!("{path}: {text:?} does not match {re}"));
                        }
                    }
                }
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                    if let (Some(x), Some(bound)) = (doc.as_f64(), value.as_f64()) {
                        let ok = match keyword.as_str() {
                            "minimum" => x >= bound,
                            "maximum" => x <= bound,
                            "exclusiveMinimum" => x > bound,
                            _ => x < bound,
                        };
                        if !ok {
                            errors.push(format!("{path}: {x} breaks {keyword} {bound}"));
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let (Value::Array(items), Some(bound)) = (doc, value.as_u64()) {
                        let n = items.len() as u64;
                        if (keyword == "minItems" && n < bound)
                            || (keyword == "maxItems" && n > bound)
                        {
                            errors.push(format!("{path}: {n} items break {keyword} {bound}"));
                        }
                    }
                }
                "required" => {
                    if let Value::Object(fields) = doc {
                        for name in value.as_array().expect("required is a list") {
                            let name = name.as_str().expect("required names are text");
                            if !fields.contains_key(name) {
                                errors.push(format!("{path}: `{name}` is required"));
                            }
                        }
                    }
                }
                "properties" => {
                    if let Value::Object(fields) = doc {
                        let properties = value.as_object().expect("properties is a map");
                        for (name, field) in fields {
                            if let Some(s) = properties.get(name) {
                                self.check(s, field, &format!("{path}/{name}"), errors);
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Value::Object(fields) = doc {
                        let known = schema.get("properties").and_then(Value::as_object);
                        for (name, field) in fields {
                            if known.is_none_or(|k| !k.contains_key(name)) {
                                self.check(value, field, &format!("{path}/{name}"), errors);
                            }
                        }
                    }
                }
                "items" => {
                    if let Value::Array(items) = doc {
                        for (i, item) in items.iter().enumerate() {
                            self.check(value, item, &format!("{path}/{i}"), errors);
                        }
                    }
                }
                "anyOf" | "oneOf" => {
                    let branches = value.as_array().expect("a list of schemas");
                    let passing = branches
                        .iter()
                        .filter(|b| self.passes(b, doc, path))
                        .count();
                    if passing == 0 || (keyword == "oneOf" && passing > 1) {
                        errors.push(format!(
                            "{path}: {doc} matches {passing} of the {keyword} branches"
                        ));
                    }
                }
                "allOf" => {
                    for branch in value.as_array().expect("a list of schemas") {
                        self.check(branch, doc, path, errors);
                    }
                }
                "$ref" => {
                    let target = self.resolve(value.as_str().expect("a reference is text"));
                    self.check(target, doc, path, errors);
                }
                k if ANNOTATIONS.contains(&k) => {}
                k => panic!("the schema uses `{k}`, which this check does not know: teach it"),
            }
        }
    }

    fn passes(&self, schema: &Value, doc: &Value, path: &str) -> bool {
        let mut errors = Vec::new();
        self.check(schema, doc, path, &mut errors);
        errors.is_empty()
    }

    /// A local reference such as `#/$defs/Tier`.
    fn resolve(&self, reference: &str) -> &Value {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("only local references are checked, not {reference}"));
        self.root
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{reference} points at nothing"))
    }
}

fn collect_patterns(schema: &Value, into: &mut HashMap<String, Regex>) {
    match schema {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("pattern", Value::String(p)) => {
                        let re = Regex::new(p).unwrap_or_else(|e| panic!("pattern {p}: {e}"));
                        into.insert(p.clone(), re);
                    }
                    // Example documents are data, not schemas.
                    ("examples" | "default" | "const" | "enum", _) => {}
                    _ => collect_patterns(v, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_patterns(v, into)),
        _ => {}
    }
}

/// JSON Schema's types: an integer is any number without a fractional part.
fn has_type(doc: &Value, name: &str) -> bool {
    match name {
        "object" => doc.is_object(),
        "array" => doc.is_array(),
        "string" => doc.is_string(),
        "boolean" => doc.is_boolean(),
        "null" => doc.is_null(),
        "number" => doc.is_number(),
        "integer" => doc.is_i64() || doc.is_u64() || doc.as_f64().is_some_and(|x| x.fract() == 0.0),
        other => panic!("no JSON type is called {other}"),
    }
}

/// Equality as JSON Schema means it: 1 and 1.0 are the same number.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}
