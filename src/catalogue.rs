//! The price lists compiled into the binary: LiteLLM's model catalogue
//! (`assets/prices/litellm.json`, refreshed by `scripts/update-prices.py`) and a curated
//! list of cloud GPU instances (`assets/prices/gpu-instances.yaml`).
//!
//! Both are parsed once, on first use, so a command that names no model or instance
//! pays nothing for them. Prices are kept as published: the catalogue in dollars per
//! token, the instances in dollars per hour; the scenario reader converts.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::scenario::edit_distance;

const LITELLM_JSON: &str = include_str!("../assets/prices/litellm.json");
const GPU_INSTANCES_YAML: &str = include_str!("../assets/prices/gpu-instances.yaml");

/// One model's list prices, in US dollars per token.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrices {
    pub provider: String,
    pub mode: String,
    pub input: f64,
    pub output: f64,
    /// A prompt-cache hit (`cache_read_input_token_cost`).
    pub cache_read: Option<f64>,
    /// Writing a prefix into the prompt cache (`cache_creation_input_token_cost`).
    pub cache_write: Option<f64>,
    /// The batch API's prices (`*_batches`).
    pub batch_input: Option<f64>,
    pub batch_output: Option<f64>,
    /// Longest prompt the model takes.
    pub context_tokens: Option<u64>,
}

/// The vendored catalogue with where it came from.
#[derive(Debug, Deserialize)]
pub struct Models {
    pub source: String,
    pub litellm_version: String,
    /// The day the catalogue was taken from the package (YYYY-MM-DD).
    pub extracted: String,
    pub licence: String,
    pub units: String,
    /// By name, sorted (the file is written sorted).
    pub models: Vec<(String, ModelPrices)>,
}

/// One cloud GPU instance type's published prices, US dollars per instance-hour.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// The provider's own name for the type, e.g. `p5.48xlarge`.
    pub name: String,
    pub provider: String,
    /// What it carries, e.g. `8 × H100 80 GB`.
    pub gpus: String,
    /// The region the prices are for.
    pub region: String,
    pub on_demand_per_hour: f64,
    /// The effective hourly price of a 1-year commitment, when published.
    pub committed_1y_per_hour: Option<f64>,
    /// A spot (preemptible) price seen on the date below; spot prices move.
    pub spot_per_hour: Option<f64>,
    /// Where the figures were read, and when (YYYY-MM-DD).
    pub source: String,
    pub read_on: String,
    /// What the source says, in its words, and how the figure was taken from it.
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstanceFile {
    instances: Vec<Instance>,
}

/// The model catalogue, parsed on first use.
pub fn models() -> &'static Models {
    static MODELS: OnceLock<Models> = OnceLock::new();
    MODELS.get_or_init(|| {
        #[derive(Deserialize)]
        struct File {
            source: String,
            litellm_version: String,
            extracted: String,
            licence: String,
            units: String,
            models: serde_json::Map<String, serde_json::Value>,
        }
        // The file is part of the build and a test reads it whole, so a failure here
        // is a broken build, not bad input.
        let file: File = serde_json::from_str(LITELLM_JSON)
            .expect("assets/prices/litellm.json is valid (tests/prices.rs reads it)");
        let mut models: Vec<(String, ModelPrices)> = file
            .models
            .into_iter()
            .map(|(name, v)| {
                let prices = serde_json::from_value(v)
                    .expect("every entry of assets/prices/litellm.json has its prices");
                (name, prices)
            })
            .collect();
        models.sort_by(|a, b| a.0.cmp(&b.0));
        Models {
            source: file.source,
            litellm_version: file.litellm_version,
            extracted: file.extracted,
            licence: file.licence,
            units: file.units,
            models,
        }
    })
}

/// The curated GPU instances, parsed on first use.
pub fn instances() -> &'static [Instance] {
    static INSTANCES: OnceLock<Vec<Instance>> = OnceLock::new();
    INSTANCES.get_or_init(|| {
        let file: InstanceFile = serde_saphyr::from_str(GPU_INSTANCES_YAML)
            .expect("assets/prices/gpu-instances.yaml is valid (tests/prices.rs reads it)");
        file.instances
    })
}

impl Models {
    /// The model of exactly this name.
    pub fn get(&self, name: &str) -> Option<&ModelPrices> {
        self.models
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| &self.models[i].1)
    }

    /// Models whose name contains every word of `query` (any case); all without one.
    pub fn matching(&self, query: Option<&str>) -> Vec<(&str, &ModelPrices)> {
        let words = query_words(query);
        self.models
            .iter()
            .filter(|(name, _)| contains_all(name, &words))
            .map(|(n, p)| (n.as_str(), p))
            .collect()
    }

    /// Up to five catalogue names closest to `name`, for an error about an unknown one.
    pub fn nearest(&self, name: &str) -> Vec<&str> {
        nearest(name, self.models.iter().map(|(n, _)| n.as_str()))
    }
}

/// The instance of this name (any case: `P5.48xlarge` is `p5.48xlarge`).
pub fn instance(name: &str) -> Option<&'static Instance> {
    instances()
        .iter()
        .find(|i| i.name.eq_ignore_ascii_case(name))
}

/// Instances whose name, provider or GPUs contain every word of `query` (any case).
pub fn matching_instances(query: Option<&str>) -> Vec<&'static Instance> {
    let words = query_words(query);
    instances()
        .iter()
        .filter(|i| contains_all(&format!("{} {} {}", i.name, i.provider, i.gpus), &words))
        .collect()
}

/// Up to five instance names closest to `name`.
pub fn nearest_instances(name: &str) -> Vec<&'static str> {
    nearest(name, instances().iter().map(|i| i.name.as_str()))
}

fn query_words(query: Option<&str>) -> Vec<String> {
    query
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_lowercase)
        .collect()
}

fn contains_all(text: &str, words: &[String]) -> bool {
    let text = text.to_lowercase();
    words.iter().all(|w| text.contains(w.as_str()))
}

/// The closest names by edit distance (ignoring case), nearest first; names that
/// contain what was written come first, so `4o-mini` finds `gpt-4o-mini`.
fn nearest<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    // A long name is no typo of a catalogue name, and comparing it would cost time.
    let wanted: String = name.to_lowercase().chars().take(100).collect();
    let mut scored: Vec<(usize, usize, &str)> = names
        .map(|n| {
            let lower = n.to_lowercase();
            let contains = usize::from(!(lower.contains(&wanted) && !wanted.is_empty()));
            (contains, edit_distance(&wanted, &lower), n)
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, _, n)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_holds_gpt_4o_mini_as_published() {
        let m = models().get("gpt-4o-mini").expect("in the catalogue");
        assert_eq!(m.provider, "openai");
        assert_eq!(m.input, 1.5e-7);
        assert_eq!(m.output, 6e-7);
        assert_eq!(m.cache_read, Some(7.5e-8));
        assert_eq!(m.batch_input, Some(7.5e-8));
    }

    #[test]
    fn a_typo_is_answered_with_the_name_it_was_meant_to_be() {
        assert_eq!(models().nearest("gpt-4o-minii")[0], "gpt-4o-mini");
        assert!(models().get("gpt-4o-minii").is_none());
    }

    #[test]
    fn every_instance_has_a_source_date_and_sane_prices() {
        assert!(instances().len() >= 5);
        for i in instances() {
            assert!(i.source.starts_with("https://"), "{}", i.name);
            assert_eq!(i.read_on.len(), 10, "{}", i.name);
            assert!(i.on_demand_per_hour > 0.0, "{}", i.name);
            for p in [i.committed_1y_per_hour, i.spot_per_hour]
                .into_iter()
                .flatten()
            {
                assert!(p > 0.0 && p < i.on_demand_per_hour, "{}", i.name);
            }
        }
    }
}
