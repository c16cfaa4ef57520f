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
            let contains = usize::from(wanted.is_empty() || !lower.contains(&wanted));
            (contains, edit_distance(&wanted, &lower), n)
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, _, n)| n).collect()
}

/// What `scalecost prices` shows: the matching models with their prices per 1M and per
/// 1k tokens, worked out here so that every format shows the same figures.
#[derive(Debug, Serialize)]
pub struct ModelListing {
    /// Where the catalogue came from: the LiteLLM package and version.
    pub source: String,
    pub litellm_version: String,
    /// The day the catalogue was taken from the package.
    pub extracted: String,
    pub licence: String,
    /// The words every listed name contains; empty: the whole catalogue.
    pub query: String,
    pub models: Vec<ModelRow>,
}

/// One model's prices in US dollars; absent where the catalogue has none.
#[derive(Debug, Serialize)]
pub struct ModelRow {
    pub name: String,
    pub provider: String,
    pub mode: String,
    pub input_per_1m: f64,
    pub output_per_1m: f64,
    pub cached_input_per_1m: Option<f64>,
    pub cache_write_per_1m: Option<f64>,
    pub batch_input_per_1m: Option<f64>,
    pub batch_output_per_1m: Option<f64>,
    /// What `price_per_1k_input_tokens` and its kin take.
    pub input_per_1k: f64,
    pub output_per_1k: f64,
    pub cached_input_per_1k: Option<f64>,
    pub cache_write_per_1k: Option<f64>,
    pub batch_input_per_1k: Option<f64>,
    pub batch_output_per_1k: Option<f64>,
    /// Longest prompt, tokens.
    pub context_tokens: Option<u64>,
}

/// What `scalecost prices --instances` shows.
#[derive(Debug, Serialize)]
pub struct InstanceListing {
    pub query: String,
    pub instances: Vec<Instance>,
}

/// The models whose names contain every word of `query`.
pub fn model_listing(query: Option<&str>) -> ModelListing {
    let models = models();
    let per = |x: f64, tokens: f64| tidy(x * tokens);
    ModelListing {
        source: models.source.clone(),
        litellm_version: models.litellm_version.clone(),
        extracted: models.extracted.clone(),
        licence: models.licence.clone(),
        query: query.unwrap_or_default().to_string(),
        models: models
            .matching(query)
            .into_iter()
            .map(|(name, m)| ModelRow {
                name: name.to_string(),
                provider: m.provider.clone(),
                mode: m.mode.clone(),
                input_per_1m: per(m.input, 1e6),
                output_per_1m: per(m.output, 1e6),
                cached_input_per_1m: m.cache_read.map(|x| per(x, 1e6)),
                cache_write_per_1m: m.cache_write.map(|x| per(x, 1e6)),
                batch_input_per_1m: m.batch_input.map(|x| per(x, 1e6)),
                batch_output_per_1m: m.batch_output.map(|x| per(x, 1e6)),
                input_per_1k: per(m.input, 1e3),
                output_per_1k: per(m.output, 1e3),
                cached_input_per_1k: m.cache_read.map(|x| per(x, 1e3)),
                cache_write_per_1k: m.cache_write.map(|x| per(x, 1e3)),
                batch_input_per_1k: m.batch_input.map(|x| per(x, 1e3)),
                batch_output_per_1k: m.batch_output.map(|x| per(x, 1e3)),
                context_tokens: m.context_tokens,
            })
            .collect(),
    }
}

/// The instances whose name, provider or GPUs contain every word of `query`.
pub fn instance_listing(query: Option<&str>) -> InstanceListing {
    InstanceListing {
        query: query.unwrap_or_default().to_string(),
        instances: matching_instances(query).into_iter().cloned().collect(),
    }
}

/// `x` to 12 significant digits: 1.5e-7 × 1e6 is 0.15, not 0.15000000000000002.
fn tidy(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
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
    fn listed_prices_are_per_1m_and_per_1k_without_float_noise() {
        let listing = model_listing(Some("gpt-4o-mini"));
        let row = listing
            .models
            .iter()
            .find(|r| r.name == "gpt-4o-mini")
            .unwrap();
        assert_eq!(row.input_per_1m, 0.15);
        assert_eq!(row.input_per_1k, 0.00015);
        assert_eq!(row.output_per_1m, 0.6);
        assert_eq!(row.cached_input_per_1m, Some(0.075));
        assert!(
            listing
                .models
                .iter()
                .all(|r| r.name.contains("gpt-4o-mini"))
        );
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
