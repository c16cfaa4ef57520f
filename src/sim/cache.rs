//! The response cache: a fixed hit probability, or an LRU fed by the key stream.
//!
//! A missed response is stored at lookup time, as if identical requests in flight were
//! coalesced; this is also the assumption of the Che approximation the LRU is tested
//! against. Memory is bounded by the capacity, not by the number of requests.

use rustc_hash::FxHashMap;

use crate::model::CacheModel;
use crate::sim::random::{self, SimRng};
use crate::time::SimTime;

const NONE: u32 = u32::MAX;

struct Node {
    key: u64,
    stored_at: SimTime,
    prev: u32,
    next: u32,
}

/// A least-recently-used set of keys with an optional time-to-live.
pub struct Lru {
    index: FxHashMap<u64, u32>,
    nodes: Vec<Node>,
    /// Most recently used.
    head: u32,
    /// Least recently used, evicted first.
    tail: u32,
    capacity: usize,
    ttl: Option<SimTime>,
}

impl Lru {
    /// `expected_keys` bounds the memory reserved up front when the key space is small.
    pub fn new(capacity: u64, ttl: Option<SimTime>, expected_keys: u64) -> Lru {
        let reserve = capacity.min(expected_keys).min(1 << 24) as usize;
        Lru {
            index: FxHashMap::with_capacity_and_hasher(reserve, Default::default()),
            nodes: Vec::with_capacity(reserve),
            head: NONE,
            tail: NONE,
            capacity: capacity as usize,
            ttl,
        }
    }

    /// Looks `key` up at `now`; returns whether it was a fresh hit. A miss stores the key.
    pub fn access(&mut self, key: u64, now: SimTime) -> bool {
        if let Some(&slot) = self.index.get(&key) {
            let fresh = match self.ttl {
                Some(ttl) => now.minus(self.nodes[slot as usize].stored_at) < ttl,
                None => true,
            };
            if !fresh {
                self.nodes[slot as usize].stored_at = now;
            }
            self.move_to_front(slot);
            return fresh;
        }
        let slot = if self.nodes.len() < self.capacity {
            self.nodes.push(Node {
                key,
                stored_at: now,
                prev: NONE,
                next: NONE,
            });
            (self.nodes.len() - 1) as u32
        } else {
            let victim = self.tail;
            self.unlink(victim);
            let node = &mut self.nodes[victim as usize];
            self.index.remove(&node.key);
            node.key = key;
            node.stored_at = now;
            victim
        };
        self.index.insert(key, slot);
        self.push_front(slot);
        false
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    fn unlink(&mut self, slot: u32) {
        let (prev, next) = {
            let n = &self.nodes[slot as usize];
            (n.prev, n.next)
        };
        if prev != NONE {
            self.nodes[prev as usize].next = next;
        } else {
            self.head = next;
        }
        if next != NONE {
            self.nodes[next as usize].prev = prev;
        } else {
            self.tail = prev;
        }
    }

    fn push_front(&mut self, slot: u32) {
        let old_head = self.head;
        {
            let n = &mut self.nodes[slot as usize];
            n.prev = NONE;
            n.next = old_head;
        }
        if old_head != NONE {
            self.nodes[old_head as usize].prev = slot;
        } else {
            self.tail = slot;
        }
        self.head = slot;
    }

    fn move_to_front(&mut self, slot: u32) {
        if self.head != slot {
            self.unlink(slot);
            self.push_front(slot);
        }
    }
}

/// The cache as the simulation sees it.
pub enum CacheSim {
    Fixed { hit_rate: f64, rng: SimRng },
    Lru(Lru),
}

impl CacheSim {
    pub fn new(model: &CacheModel, distinct_keys: u64, rng: SimRng) -> CacheSim {
        match *model {
            CacheModel::FixedHitRate(hit_rate) => CacheSim::Fixed { hit_rate, rng },
            CacheModel::Lru {
                capacity_entries,
                ttl,
            } => CacheSim::Lru(Lru::new(capacity_entries, ttl, distinct_keys)),
        }
    }

    /// Whether a request with `key` arriving at `now` is answered from the cache.
    #[inline]
    pub fn lookup(&mut self, key: u64, now: SimTime) -> bool {
        match self {
            CacheSim::Fixed { hit_rate, rng } => random::uniform(rng) < *hit_rate,
            CacheSim::Lru(lru) => lru.access(key, now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_least_recently_used_key() {
        let mut lru = Lru::new(2, None, 10);
        let t = SimTime::ZERO;
        assert!(!lru.access(1, t));
        assert!(!lru.access(2, t));
        assert!(lru.access(1, t)); // 2 is now least recent
        assert!(!lru.access(3, t)); // evicts 2
        assert!(lru.access(1, t));
        assert!(!lru.access(2, t));
        assert_eq!(lru.len(), 2);
    }

    #[test]
    fn expired_entries_miss_and_are_refreshed() {
        let mut lru = Lru::new(10, Some(SimTime(100)), 10);
        assert!(!lru.access(7, SimTime(0)));
        assert!(lru.access(7, SimTime(99)));
        assert!(!lru.access(7, SimTime(100)));
        assert!(lru.access(7, SimTime(150)));
    }
}
