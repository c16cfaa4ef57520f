//! Prices a tier takes from the built-in lists: `model:` (the LiteLLM catalogue) for an
//! API tier, `instance:` (the curated GPU instances) for a pool of instances. A price
//! the tier writes itself always wins; a written price about 1000× off the named
//! model's is warned about, because vendors quote per 1M tokens and the fields are per
//! 1k (2.5 typed for gpt-4o's input is 1000× its price).

use super::raw::RawTier;
use super::validate::{Checker, fmt_num};
use crate::catalogue::{self, Instance, ModelPrices};

/// Longest model or instance name looked up; no catalogue name comes close.
const MAX_NAME_CHARS: usize = 200;

/// The catalogue model the tier names, or none (and an error naming the nearest
/// catalogue names when it is not in the catalogue).
pub(super) fn model(c: &mut Checker, path: &str, t: &RawTier) -> Option<&'static ModelPrices> {
    let name = t.model.as_deref()?;
    let models = catalogue::models();
    if let Some(m) = (name.chars().count() <= MAX_NAME_CHARS)
        .then(|| models.get(name))
        .flatten()
    {
        return Some(m);
    }
    c.err(
        format!("{path}.model"),
        format!(
            "\"{}\" is not in the price catalogue (LiteLLM {}); nearest: {}; \
             `scalecost prices WORD` lists the models whose names contain WORD",
            shorten(name),
            models.litellm_version,
            models.nearest(name).join(", ")
        ),
    );
    None
}

/// The built-in instance the tier names, or none (and an error naming the nearest).
pub(super) fn instance(c: &mut Checker, path: &str, t: &RawTier) -> Option<&'static Instance> {
    let name = t.instance.as_deref()?;
    if let Some(i) = (name.chars().count() <= MAX_NAME_CHARS)
        .then(|| catalogue::instance(name))
        .flatten()
    {
        return Some(i);
    }
    c.err(
        format!("{path}.instance"),
        format!(
            "\"{}\" is not in the built-in instance list; nearest: {}; \
             `scalecost prices --instances` lists them all, or write `price_per_instance_hour`",
            shorten(name),
            catalogue::nearest_instances(name).join(", ")
        ),
    );
    None
}

/// A per-1k price: the tier's own when written (warned about when it is ~1000× off the
/// model's), else the model's, else an error saying what is missing.
pub(super) fn per_1k(
    c: &mut Checker,
    path: &str,
    field: &str,
    written: Option<f64>,
    model: Option<(&str, Option<f64>)>,
    what: &str,
) -> Option<f64> {
    let from_model = model
        .and_then(|(_, per_token)| per_token)
        .map(|p| p * 1000.0);
    match (written, model) {
        (Some(value), Some((name, _))) => {
            if let Some(listed) = from_model {
                warn_if_slipped(c, &format!("{path}.{field}"), value, listed, name);
            }
            Some(value)
        }
        (Some(value), None) => Some(value),
        (None, _) if from_model.is_some() => from_model,
        (None, Some((name, _))) => {
            c.err(
                path,
                format!(
                    "missing `{field}` ({what}): the catalogue has no such price for {}",
                    shorten(name)
                ),
            );
            None
        }
        (None, None) => None,
    }
}

/// Warns when `written` is within a factor of two of 1000× (or 1/1000×) the
/// catalogue's figure: the per-1M / per-1k (or per-token / per-1k) slip.
fn warn_if_slipped(c: &mut Checker, field: &str, written: f64, listed: f64, model: &str) {
    if !(written.is_finite() && written > 0.0 && listed > 0.0) {
        return;
    }
    let ratio = written / listed;
    let hint = if (500.0..=2000.0).contains(&ratio) {
        "a price per 1M tokens written where the field is per 1k?"
    } else if (1.0 / 2000.0..=1.0 / 500.0).contains(&ratio) {
        "a price per token written where the field is per 1k?"
    } else {
        return;
    };
    let times = if ratio > 1.0 {
        format!("{}× the catalogue's", fmt_num(ratio.round()))
    } else {
        format!("1/{} of the catalogue's", fmt_num((1.0 / ratio).round()))
    };
    c.warn(
        field,
        format!(
            "{} is {times} {} per 1k tokens for {} ({} per 1M); {hint} \
             Leave the field out to use the catalogue's price",
            fmt_num(written),
            fmt_num(listed),
            shorten(model),
            fmt_num(listed * 1000.0)
        ),
    );
}

/// A name as it is safe to repeat in a message: at most 60 characters.
fn shorten(name: &str) -> String {
    if name.chars().count() <= 60 {
        name.to_string()
    } else {
        format!("{}…", name.chars().take(60).collect::<String>())
    }
}
