//! An API's prompt cache: when each prefix was last sent, so a call knows whether its
//! prefix is still warm. Prefixes named in the scenario hold one time per name (at
//! most one per request class); the prompt blocks of a replayed trace (`hash_ids`)
//! are held in a table of fixed size, so memory stays flat whatever the trace.

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

/// Tokens in one prompt block of a trace's `hash_ids` (Mooncake's blocks).
pub const BLOCK_TOKENS: u32 = 512;

/// Slots per set of the block table: a block may sit in any slot of its set.
const WAYS: usize = 8;

/// Most slots a block table holds: 2²² (64 MiB), whatever the load.
pub const MAX_BLOCK_SLOTS: usize = 1 << 22;

/// Fewest slots: a small table costs nothing and leaves room for bursts.
const MIN_BLOCK_SLOTS: usize = 1 << 10;

/// The prompt blocks an API has seen, by the digest of the prefix each ends, with
/// when each was last sent.
///
/// A set-associative table: a block's digest picks one set of [`WAYS`] slots; a block
/// not there takes a slot that is empty or has outlived the lifetime (a dead block),
/// and when all of them hold live blocks, the one sent longest ago is evicted (and
/// counted): it is then cold at its next call, as if the provider had dropped it early.
#[derive(Clone, Debug)]
pub struct BlockTable {
    lifetime: SimTime,
    /// Per slot: the digest (0: empty) and when it was last sent.
    slots: Vec<(u64, SimTime)>,
    /// Sets − 1 (sets are a power of two).
    mask: usize,
    /// Live blocks pushed out by a full set.
    pub evicted: u64,
}

impl BlockTable {
    /// A table for `blocks_per_us` block sends a µs (at the run's scale): twice the
    /// blocks one lifetime can send, as a power of two, within
    /// [2¹⁰, [`MAX_BLOCK_SLOTS`]].
    pub fn new(lifetime: SimTime, blocks_per_us: f64) -> BlockTable {
        let live = blocks_per_us * lifetime.0 as f64;
        let wanted = (2.0 * live).clamp(MIN_BLOCK_SLOTS as f64, MAX_BLOCK_SLOTS as f64);
        let slots = (wanted as usize).next_power_of_two().min(MAX_BLOCK_SLOTS);
        BlockTable {
            lifetime,
            slots: vec![(0, SimTime::ZERO); slots],
            mask: slots / WAYS - 1,
            evicted: 0,
        }
    }

    /// Slots the table holds.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    fn set(&self, digest: u64) -> std::ops::Range<usize> {
        // The digests are already mixed: their high bits pick the set.
        let start = ((digest >> 20) as usize & self.mask) * WAYS;
        start..start + WAYS
    }

    fn warm(&self, digest: u64, now: SimTime) -> bool {
        self.slots[self.set(digest)]
            .iter()
            .any(|&(d, at)| d == digest && now.minus(at) < self.lifetime)
    }

    fn touch(&mut self, digest: u64, now: SimTime) {
        let lifetime = self.lifetime;
        let range = self.set(digest);
        let set = &mut self.slots[range];
        let slot = match set.iter().position(|&(d, _)| d == digest) {
            Some(i) => i,
            None => match set
                .iter()
                .position(|&(d, at)| d == 0 || now.minus(at) >= lifetime)
            {
                Some(i) => i,
                None => {
                    self.evicted += 1;
                    (0..WAYS).min_by_key(|&i| set[i].1).unwrap_or(0)
                }
            },
        };
        set[slot] = (digest, now);
    }

    /// A call at `now` sends a prompt of `input_tokens` whose blocks end the prefixes
    /// `chain` (see [`crate::sim::prompts::chain`]): the tokens read warm from the cache
    /// and those written to it. The warm part is the longest leading run of blocks sent
    /// less than the lifetime ago; the blocks after it are written; every block is
    /// fresh after the call. Blocks are [`BLOCK_TOKENS`] long, the last one cut at the
    /// prompt's end; blocks past the prompt's end are not sent.
    pub fn send(&mut self, chain: &[u64], input_tokens: u32, now: SimTime) -> (u32, u32) {
        let sent = chain
            .len()
            .min(input_tokens.div_ceil(BLOCK_TOKENS) as usize);
        let chain = &chain[..sent];
        let warm = chain.iter().take_while(|&&d| self.warm(d, now)).count();
        for &d in chain {
            self.touch(d, now);
        }
        let tokens = |blocks: usize| {
            (blocks as u64 * u64::from(BLOCK_TOKENS)).min(u64::from(input_tokens)) as u32
        };
        let cached = tokens(warm);
        (cached, tokens(sent) - cached)
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

    fn digests(blocks: &[u64]) -> Vec<u64> {
        let mut out = Vec::new();
        crate::sim::prompts::chain(blocks, 0, &mut out);
        out
    }

    #[test]
    fn the_warm_part_is_the_leading_run_of_blocks_sent_within_the_lifetime() {
        let mut t = BlockTable::new(SimTime(5 * MINUTE), 0.0);
        let at = |m: u64| SimTime(m * MINUTE);
        // 3 blocks, 1,300 tokens: the last block holds 276.
        assert_eq!(t.send(&digests(&[1, 2, 3]), 1300, at(0)), (0, 1300));
        // Shares blocks 1, 2 then differs: 1,024 warm, the other 2 blocks written.
        assert_eq!(t.send(&digests(&[1, 2, 4, 5]), 2000, at(1)), (1024, 976));
        // Block 3 alone is not the prefix [1, 2, 3]: nothing warm.
        assert_eq!(t.send(&digests(&[3]), 512, at(2)), (0, 512));
        // [1, 2, 3] sent at 0 is still warm at 4 (block 1 and 2 were refreshed at 1).
        assert_eq!(t.send(&digests(&[1, 2, 3]), 1300, at(4)), (1300, 0));
        // Blocks past the prompt's end are not sent: 700 tokens are 2 blocks.
        assert_eq!(t.send(&digests(&[1, 2, 3]), 700, at(5)), (700, 0));
        // 5 minutes after the last call, all of it has expired.
        assert_eq!(t.send(&digests(&[1, 2, 3]), 1300, at(10)), (0, 1300));
        assert_eq!(t.evicted, 0);
    }

    #[test]
    fn a_full_set_evicts_its_oldest_block_and_counts_it() {
        let mut t = BlockTable::new(SimTime(60 * MINUTE), 0.0);
        assert_eq!(t.capacity(), MIN_BLOCK_SLOTS);
        // Far more live blocks than slots: every set fills, and evictions are counted.
        let n = 4 * MIN_BLOCK_SLOTS as u64;
        for i in 0..n {
            t.send(&digests(&[i]), 512, SimTime(i));
        }
        assert!(t.evicted >= n - MIN_BLOCK_SLOTS as u64, "{}", t.evicted);
        // The most recent block of each set survives.
        assert_eq!(t.send(&digests(&[n - 1]), 512, SimTime(n)), (512, 0));
    }

    #[test]
    fn the_table_is_sized_by_what_one_lifetime_sends() {
        // 100 blocks a second for 5 minutes: 30,000 live, 65,536 slots.
        let t = BlockTable::new(SimTime(5 * MINUTE), 100.0 / 1e6);
        assert_eq!(t.capacity(), 65_536);
        let huge = BlockTable::new(SimTime(5 * MINUTE), 1e3);
        assert_eq!(huge.capacity(), MAX_BLOCK_SLOTS);
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
