//! The length limit on names (scenario, tiers, request classes, prefixes, cost lines).
//!
//! A name is shown in every table row, chart legend and CSV column it labels; one of
//! thousands of characters would bury the results and make each line of output that
//! long. Names are refused past [`MAX_NAME_CHARS`] characters, at validation, with the
//! field's path. (Names that are YAML keys, such as tier names, also meet the reader's
//! own 1,024-character limit on keys, reported as such.)

use super::raw::RawScenario;
use super::validate::Issue;

/// Longest name accepted, in characters (not bytes, so every script has the same limit).
pub const MAX_NAME_CHARS: usize = 200;

/// The complaint about `name` if it is longer than [`MAX_NAME_CHARS`].
pub fn too_long(name: &str) -> Option<String> {
    let chars = name.chars().count();
    (chars > MAX_NAME_CHARS).then(|| {
        format!(
            "a name of {chars} characters; names are limited to {MAX_NAME_CHARS} characters, shorten it (the longer text can go in `description`)"
        )
    })
}

/// Every name in `raw` that is too long, except cost lines' (checked with the costs).
pub fn check(raw: &RawScenario) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mut check = |path: String, name: &str| {
        if let Some(message) = too_long(name) {
            issues.push(Issue { path, message });
        }
    };
    if let Some(name) = &raw.name {
        check("name".into(), name);
    }
    for (name, class) in &raw.workload.classes {
        let path = format!("workload.classes.{name}");
        if let Some(prefix) = class.prefix.as_ref().and_then(|p| p.name.as_deref()) {
            check(format!("{path}.prefix.name"), prefix);
        }
        check(path, name);
    }
    for (name, _) in &raw.tiers {
        check(format!("tiers.{name}"), name);
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_counts_characters_not_bytes() {
        assert_eq!(too_long(&"é".repeat(MAX_NAME_CHARS)), None);
        let message = too_long(&"x".repeat(MAX_NAME_CHARS + 1)).unwrap();
        assert!(message.contains("201 characters"), "{message}");
        assert!(message.contains("limited to 200 characters"), "{message}");
    }
}
