//! Reading scenario files: YAML text → raw mirror → validated [`Scenario`].
//!
//! Every problem comes back as one `file:line:column: field.path: message` line, all of
//! them at once, wrapped in [`InputError`] so `main` can exit with code 2.

pub mod locate;
pub mod raw;
pub mod validate;

use std::path::Path;

use crate::error::InputError;
use crate::model::Scenario;
use locate::PathIndex;
use raw::RawScenario;

/// Largest scenario file read; real scenarios are a few kilobytes.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Reads and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    let shown = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|e| InputError::new(format!("{shown}: cannot read the scenario: {e}")))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(InputError::new(format!(
            "{shown}: the file is {size} bytes; scenarios are limited to 1 MiB"
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(format!("{shown}: cannot read the scenario: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| InputError::new(format!("{shown}: the file is not UTF-8 text: {e}")))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    parse(&text, &shown, &stem)
}

/// Parses and validates scenario text; `shown` names the source in messages.
pub fn parse(text: &str, shown: &str, default_name: &str) -> Result<Scenario, InputError> {
    let options = serde_saphyr::options! {
        // "yes"/"no"/"on" stay strings: a typo should not silently become a boolean.
        strict_booleans: true,
        with_snippet: false,
    };
    let raw: RawScenario = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| InputError::new(describe_yaml_error(&e, shown)))?;
    let index = PathIndex::build(text);
    validate::validate(&raw, default_name).map_err(|issues| {
        let lines: Vec<String> = issues
            .iter()
            .map(|issue| match index.find(&issue.path) {
                Some(p) => format!(
                    "{shown}:{}:{}: {}: {}",
                    p.line, p.column, issue.path, issue.message
                ),
                None => format!("{shown}: {}: {}", issue.path, issue.message),
            })
            .collect();
        InputError::new(lines.join("\n"))
    })
}

fn describe_yaml_error(error: &serde_saphyr::Error, shown: &str) -> String {
    let message = error.without_snippet().to_string();
    // The reader prefixes its own "line X column Y" text; we lead with file:line:col.
    let message = strip_location_suffix(&message);
    match error.location() {
        Some(loc) if loc.line() > 0 => {
            format!("{shown}:{}:{}: {message}", loc.line(), loc.column())
        }
        _ => format!("{shown}: {message}"),
    }
}

fn strip_location_suffix(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message.to_string(),
    }
}
