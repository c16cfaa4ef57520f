//! Results saved by `scalecost simulate --format json`, read back and compared line by
//! line for `scalecost diff BASE.json NEW.json`: what each cost line costs a month, and
//! what a transaction costs, at each scale, with the change in money and in percent.
//!
//! Only the figures compared are read; the rest of a saved result (its timeline, its
//! latency) is left alone, and fields added by later versions within the same
//! `schema_version` are ignored, as the JSON layout promises.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::report::json::SCHEMA_VERSION;

/// Largest saved result read; one with an hourly timeline at many scales is a few MiB.
const MAX_SAVED_BYTES: u64 = 256 << 20;

/// The part of a saved `simulate` result that `diff` compares.
#[derive(Clone, Debug, Deserialize)]
pub struct SavedResult {
    pub scenario: String,
    pub currency: String,
    pub results: Vec<SavedScale>,
}

/// One scale of a saved result.
#[derive(Clone, Debug, Deserialize)]
pub struct SavedScale {
    pub scale: f64,
    pub economics: SavedEconomics,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SavedEconomics {
    pub components: Vec<SavedComponent>,
    pub monthly_total: f64,
    pub cost_per_transaction: Option<f64>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SavedComponent {
    pub name: String,
    pub monthly: f64,
}

/// Reads `path` if it is a saved result: a JSON object with a `schema_version`.
/// Anything else (a scenario, YAML or JSON) is `None`, for the scenario reader to read.
/// Standard input (`-`) is always a scenario: it can be read only once.
pub fn read(path: &Path) -> Result<Option<SavedResult>, InputError> {
    use std::io::Read;
    let shown = path.display().to_string();
    if path == Path::new("-") || path.is_dir() {
        return Ok(None);
    }
    let Ok(file) = std::fs::File::open(path) else {
        // The scenario reader says why the file cannot be read.
        return Ok(None);
    };
    let mut bytes = Vec::new();
    file.take(MAX_SAVED_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::new(format!("{shown}: cannot read the file: {e}")))?;
    let json_named = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Ok(None);
    }
    if bytes.len() as u64 > MAX_SAVED_BYTES {
        return Err(InputError::new(format!(
            "{shown}: the file is larger than 256 MiB; a saved result is a few MiB"
        )));
    }
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        // A `.json` file is a saved result or a mistake; any other name may be a YAML
        // scenario written as a flow mapping.
        Err(e) if json_named => {
            return Err(InputError::new(format!(
                "{shown}:{}:{}: not valid JSON: {}; diff compares two results saved with `scalecost simulate --format json -o FILE`, or two scenarios",
                e.line(),
                e.column(),
                plain_json_error(&e)
            )));
        }
        Err(_) => return Ok(None),
    };
    let Some(version) = value.get("schema_version") else {
        return Ok(None);
    };
    if version.as_u64() != Some(u64::from(SCHEMA_VERSION)) {
        return Err(InputError::new(format!(
            "{shown}: schema_version {version} is not the layout this scalecost reads ({SCHEMA_VERSION}); save both results again with this version of scalecost"
        )));
    }
    if let Some(command) = value.get("command").and_then(|c| c.as_str()) {
        return Err(InputError::new(format!(
            "{shown}: a saved result of `scalecost {command}`; diff compares results of `scalecost simulate --format json`"
        )));
    }
    serde_json::from_value(value).map(Some).map_err(|e| {
        InputError::new(format!(
            "{shown}: not a saved result of `scalecost simulate --format json`: {e}"
        ))
    })
}

/// serde_json's message without its own ` at line L column C`.
fn plain_json_error(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message,
    }
}

/// Two saved results compared, scale by scale.
#[derive(Clone, Debug, Serialize)]
pub struct ResultDiff {
    /// The first file, as given.
    pub base_file: String,
    /// The second file, as given.
    pub head_file: String,
    /// The scenario names the two results were saved from.
    pub base: String,
    pub head: String,
    pub currency: String,
    pub scales: Vec<ScaleDiff>,
}

/// One scale: each cost line, the monthly total and the cost per transaction.
#[derive(Clone, Debug, Serialize)]
pub struct ScaleDiff {
    pub scale: f64,
    /// `both`, `base_only` or `head_only`: a scale one result lacks is shown, not dropped.
    pub present_in: &'static str,
    pub lines: Vec<LineDiff>,
}

/// One figure in both results.
#[derive(Clone, Debug, Serialize)]
pub struct LineDiff {
    /// A cost line's name, `total`, or `per transaction`.
    pub line: String,
    /// `monthly` (money a calendar month) or `per_transaction`.
    pub measure: &'static str,
    pub base: Option<f64>,
    /// The figure in the second file (HEAD).
    pub head: Option<f64>,
    /// head − base, when both have the figure.
    pub delta: Option<f64>,
    /// The change as a fraction of base (0.1 is 10% more), when base is not zero.
    pub delta_fraction: Option<f64>,
}

impl LineDiff {
    fn of(line: &str, measure: &'static str, base: Option<f64>, new: Option<f64>) -> LineDiff {
        // Two sums of the same hourly charges in another order differ in their last
        // bits; a change below a billionth of the figure is that, not a change.
        let change = base.zip(new).map(|(b, n)| n - b).map(|c| {
            if c.abs() <= 1e-9 * base.unwrap_or(0.0).abs().max(new.unwrap_or(0.0).abs()) {
                0.0
            } else {
                c
            }
        });
        LineDiff {
            line: line.to_string(),
            measure,
            base,
            head: new,
            delta: change,
            delta_fraction: change
                .zip(base)
                .filter(|(_, b)| *b != 0.0)
                .map(|(c, b)| c / b.abs()),
        }
    }
}

/// Compares two saved results: every scale either holds, in BASE's order then NEW's,
/// and within a scale every cost line either has, in BASE's order then NEW's.
pub fn compare(
    base_path: &str,
    base: &SavedResult,
    new_path: &str,
    new: &SavedResult,
) -> Result<ResultDiff, InputError> {
    if base.currency != new.currency {
        return Err(InputError::new(format!(
            "{base_path} is in {} and {new_path} in {}; results in different currencies cannot be compared: run both scenarios in one currency",
            base.currency, new.currency
        )));
    }
    let mut scales: Vec<f64> = base.results.iter().map(|r| r.scale).collect();
    for r in &new.results {
        if !scales.contains(&r.scale) {
            scales.push(r.scale);
        }
    }
    fn at(saved: &SavedResult, scale: f64) -> Option<&SavedEconomics> {
        saved
            .results
            .iter()
            .find(|r| r.scale == scale)
            .map(|r| &r.economics)
    }
    let scales = scales
        .into_iter()
        .map(|scale| {
            let (b, n) = (at(base, scale), at(new, scale));
            let mut names: Vec<&str> = Vec::new();
            for e in [b, n].into_iter().flatten() {
                for c in &e.components {
                    if !names.contains(&c.name.as_str()) {
                        names.push(&c.name);
                    }
                }
            }
            let monthly = |e: Option<&SavedEconomics>, name: &str| {
                e.map(|e| {
                    e.components
                        .iter()
                        .filter(|c| c.name == name)
                        .map(|c| c.monthly)
                        .sum::<f64>()
                })
            };
            let mut lines: Vec<LineDiff> = names
                .iter()
                .map(|name| LineDiff::of(name, "monthly", monthly(b, name), monthly(n, name)))
                .collect();
            lines.push(LineDiff::of(
                "total",
                "monthly",
                b.map(|e| e.monthly_total),
                n.map(|e| e.monthly_total),
            ));
            lines.push(LineDiff::of(
                "per transaction",
                "per_transaction",
                b.and_then(|e| e.cost_per_transaction),
                n.and_then(|e| e.cost_per_transaction),
            ));
            ScaleDiff {
                scale,
                present_in: match (b.is_some(), n.is_some()) {
                    (true, true) => "both",
                    (true, false) => "base_only",
                    _ => "head_only",
                },
                lines,
            }
        })
        .collect();
    Ok(ResultDiff {
        base_file: base_path.to_string(),
        head_file: new_path.to_string(),
        base: base.scenario.clone(),
        head: new.scenario.clone(),
        currency: base.currency.clone(),
        scales,
    })
}
