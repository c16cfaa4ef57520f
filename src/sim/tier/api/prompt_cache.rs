//! An API's prompt cache: when each named prefix was last sent, so a call knows
//! whether its prefix is still warm. Prefixes are named in the scenario, so this holds
//! one time per name (at most one per request class), whatever the load.

use crate::model::RequestClass;
use crate::time::SimTime;

/// What a call's prefix found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// Sent less than the lifetime ago: billed at the cached price.
    Warm,
    /// Never sent, or longer ago: written to the cache.
    Cold,
}

/// Each prefix's last sending at one API.
#[derive(Clone, Debug)]
pub struct PrefixCache {
    lifetime: SimTime,
    /// Per class: the slot of its prefix in `last_sent` and its tokens.
    of_class: Vec<Option<(usize, u32)>>,
    /// Per prefix name: when a call last sent it.
    last_sent: Vec<Option<SimTime>>,
}

impl PrefixCache {
    /// Slots for the prefixes `classes` name; classes naming the same prefix share one.
    pub fn new(classes: &[RequestClass], lifetime: SimTime) -> PrefixCache {
        let mut names: Vec<&str> = Vec::new();
        let of_class = classes
            .iter()
            .map(|class| {
                class.prefix.as_ref().map(|p| {
                    let slot = names.iter().position(|n| *n == p.name).unwrap_or_else(|| {
                        names.push(&p.name);
                        names.len() - 1
                    });
                    (slot, p.tokens)
                })
            })
            .collect();
        PrefixCache {
            lifetime,
            of_class,
            last_sent: vec![None; names.len()],
        }
    }

    /// A call of `class` is sent at `now`: its prefix tokens and what they found, or
    /// none when the class has no prefix. Warm or cold, the prefix is fresh after it.
    pub fn send(&mut self, class: usize, now: SimTime) -> Option<(u32, Found)> {
        let (slot, tokens) = self.of_class.get(class).copied().flatten()?;
        let found = match self.last_sent[slot] {
            Some(at) if now.minus(at) < self.lifetime => Found::Warm,
            _ => Found::Cold,
        };
        self.last_sent[slot] = Some(now);
        Some((tokens, found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dist, Prefix};

    fn class(name: &str, prefix: Option<(&str, u32)>) -> RequestClass {
        RequestClass {
            name: name.into(),
            share: 0.5,
            input_tokens: Dist::Constant(2000.0),
            output_tokens: Dist::Constant(100.0),
            tier: 0,
            cacheable: false,
            prefix: prefix.map(|(name, tokens)| Prefix {
                name: name.into(),
                tokens,
            }),
            deferrable: false,
        }
    }

    const MINUTE: u64 = 60_000_000;

    #[test]
    fn cold_first_warm_within_the_lifetime_refreshed_by_each_call_cold_after_it() {
        let mut cache = PrefixCache::new(&[class("q", Some(("sys", 1200)))], SimTime(5 * MINUTE));
        let at = |m: u64| SimTime(m * MINUTE);
        assert_eq!(cache.send(0, at(0)), Some((1200, Found::Cold)));
        assert_eq!(cache.send(0, at(4)), Some((1200, Found::Warm)));
        // 8 minutes after the first call but 4 after the last: each call refreshes it.
        assert_eq!(cache.send(0, at(8)), Some((1200, Found::Warm)));
        // Exactly a lifetime later it has expired.
        assert_eq!(cache.send(0, at(13)), Some((1200, Found::Cold)));
    }

    #[test]
    fn classes_that_name_one_prefix_share_it_and_others_do_not() {
        let classes = [
            class("a", Some(("sys", 1200))),
            class("b", Some(("sys", 1200))),
            class("c", Some(("other", 1200))),
            class("d", None),
        ];
        let mut cache = PrefixCache::new(&classes, SimTime(5 * MINUTE));
        assert_eq!(cache.send(0, SimTime::ZERO), Some((1200, Found::Cold)));
        assert_eq!(cache.send(1, SimTime(1)), Some((1200, Found::Warm)));
        assert_eq!(cache.send(2, SimTime(2)), Some((1200, Found::Cold)));
        assert_eq!(cache.send(3, SimTime(3)), None);
    }
}
