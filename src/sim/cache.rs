//! The response cache: a fixed hit probability, or an LRU fed by the key stream that
//! serves only answers that exist.
//!
//! A miss marks its key *pending*: the request that missed (the leader) goes to its
//! tier, and identical requests that arrive meanwhile wait for that answer instead of
//! asking again (request coalescing). The entry is committed when the leader's answer
//! succeeds and dropped when it fails; the waiters share the leader's outcome, at the
//! time it comes. Memory is bounded by the capacity plus the requests in flight, not
//! by the number of requests.

use rustc_hash::FxHashMap;

use crate::model::CacheModel;
use crate::sim::random::{self, SimRng};
use crate::time::SimTime;

const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// An answer stored at this time.
    Ready(SimTime),
    /// An answer being computed by the leader of this flight.
    Pending(u32),
}

struct Node {
    key: u64,
    entry: Entry,
    prev: u32,
    next: u32,
}

/// One answer being computed, and the requests waiting for it.
struct Flight<W> {
    /// The LRU slot that holds its pending entry, or NONE once that entry is evicted.
    slot: u32,
    waiters: Vec<W>,
}

/// What a lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A stored answer: served at lookup latency.
    Hit,
    /// Nothing usable: the request computes the answer, as the leader of this flight
    /// (`None` for a cache without keys, where nothing can be shared).
    Miss(Option<u32>),
    /// The answer is being computed: the request waits for the leader of this flight.
    Join(u32),
}

/// A least-recently-used set of keys with an optional time-to-live, whose entries are
/// committed only when their answer exists. `W` is what waits for an answer.
pub struct Lru<W> {
    index: FxHashMap<u64, u32>,
    nodes: Vec<Node>,
    /// Most recently used.
    head: u32,
    /// Least recently used, evicted first.
    tail: u32,
    capacity: usize,
    ttl: Option<SimTime>,
    flights: Vec<Flight<W>>,
    free_flights: Vec<u32>,
}

impl<W> Lru<W> {
    /// `expected_keys` bounds the memory reserved up front when the key space is small.
    pub fn new(capacity: u64, ttl: Option<SimTime>, expected_keys: u64) -> Lru<W> {
        let reserve = capacity.min(expected_keys).min(1 << 24) as usize;
        Lru {
            index: FxHashMap::with_capacity_and_hasher(reserve, Default::default()),
            nodes: Vec::with_capacity(reserve),
            head: NONE,
            tail: NONE,
            capacity: capacity as usize,
            ttl,
            flights: Vec::new(),
            free_flights: Vec::new(),
        }
    }

    /// Looks `key` up at `now`.
    pub fn access(&mut self, key: u64, now: SimTime) -> Lookup {
        if let Some(&slot) = self.index.get(&key) {
            self.move_to_front(slot);
            match self.nodes[slot as usize].entry {
                Entry::Pending(flight) => return Lookup::Join(flight),
                Entry::Ready(stored_at) => {
                    let fresh = self.ttl.is_none_or(|ttl| now.minus(stored_at) < ttl);
                    if fresh {
                        return Lookup::Hit;
                    }
                    // Stale: this request fetches it again, and others wait for it.
                    let flight = self.start_flight(slot);
                    self.nodes[slot as usize].entry = Entry::Pending(flight);
                    return Lookup::Miss(Some(flight));
                }
            }
        }
        let slot = if self.nodes.len() < self.capacity {
            self.nodes.push(Node {
                key,
                entry: Entry::Ready(now),
                prev: NONE,
                next: NONE,
            });
            (self.nodes.len() - 1) as u32
        } else {
            let victim = self.tail;
            self.unlink(victim);
            let node = &self.nodes[victim as usize];
            self.index.remove(&node.key);
            if let Entry::Pending(f) = node.entry {
                // Its waiters still get the answer; it is just not kept.
                self.flights[f as usize].slot = NONE;
            }
            self.nodes[victim as usize].key = key;
            victim
        };
        let flight = self.start_flight(slot);
        self.nodes[slot as usize].entry = Entry::Pending(flight);
        self.index.insert(key, slot);
        self.push_front(slot);
        Lookup::Miss(Some(flight))
    }

    /// Parks `waiter` until the leader of `flight` finishes.
    pub fn wait(&mut self, flight: u32, waiter: W) {
        self.flights[flight as usize].waiters.push(waiter);
    }

    /// The leader's answer exists at `now`: the entry is stored; returns the waiters.
    pub fn commit(&mut self, flight: u32, now: SimTime, waiters: &mut Vec<W>) {
        let slot = self.end_flight(flight, waiters);
        if slot != NONE {
            self.nodes[slot as usize].entry = Entry::Ready(now);
        }
    }

    /// The leader failed: the entry is dropped; returns the waiters, who fail with it.
    pub fn abort(&mut self, flight: u32, waiters: &mut Vec<W>) {
        let slot = self.end_flight(flight, waiters);
        if slot != NONE {
            self.unlink(slot);
            let key = self.nodes[slot as usize].key;
            self.index.remove(&key);
            // The slot is reused by the next miss while the cache is not full: swap the
            // last node into it so that `nodes` stays dense.
            self.remove_slot(slot);
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    fn start_flight(&mut self, slot: u32) -> u32 {
        match self.free_flights.pop() {
            Some(f) => {
                self.flights[f as usize].slot = slot;
                f
            }
            None => {
                self.flights.push(Flight {
                    slot,
                    waiters: Vec::new(),
                });
                (self.flights.len() - 1) as u32
            }
        }
    }

    fn end_flight(&mut self, flight: u32, waiters: &mut Vec<W>) -> u32 {
        let f = &mut self.flights[flight as usize];
        // The waiters' memory leaves with them: a flight slot reused by another key
        // starts empty, so what the cache holds is its waiters now, not the most a
        // slot ever held.
        if waiters.is_empty() {
            *waiters = std::mem::take(&mut f.waiters);
        } else {
            waiters.append(&mut f.waiters);
            f.waiters = Vec::new();
        }
        let slot = f.slot;
        f.slot = NONE;
        self.free_flights.push(flight);
        slot
    }

    /// Removes the (already unlinked and unindexed) node at `slot`, moving the last
    /// node into its place.
    fn remove_slot(&mut self, slot: u32) {
        let last = (self.nodes.len() - 1) as u32;
        if slot != last {
            let (prev, next, key, entry) = {
                let n = &self.nodes[last as usize];
                (n.prev, n.next, n.key, n.entry)
            };
            self.nodes.swap(slot as usize, last as usize);
            if prev != NONE {
                self.nodes[prev as usize].next = slot;
            } else {
                self.head = slot;
            }
            if next != NONE {
                self.nodes[next as usize].prev = slot;
            } else {
                self.tail = slot;
            }
            self.index.insert(key, slot);
            if let Entry::Pending(f) = entry {
                self.flights[f as usize].slot = slot;
            }
        }
        self.nodes.pop();
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
pub enum CacheSim<W> {
    Fixed { hit_rate: f64, rng: SimRng },
    Lru(Lru<W>),
}

impl<W> CacheSim<W> {
    pub fn new(model: &CacheModel, distinct_keys: u64, rng: SimRng) -> CacheSim<W> {
        match *model {
            CacheModel::FixedHitRate(hit_rate) => CacheSim::Fixed { hit_rate, rng },
            CacheModel::Lru {
                capacity_entries,
                ttl,
            } => CacheSim::Lru(Lru::new(capacity_entries, ttl, distinct_keys)),
        }
    }

    /// What a request with `key` arriving at `now` finds.
    #[inline]
    pub fn lookup(&mut self, key: u64, now: SimTime) -> Lookup {
        match self {
            CacheSim::Fixed { hit_rate, rng } => {
                if random::uniform(rng) < *hit_rate {
                    Lookup::Hit
                } else {
                    Lookup::Miss(None)
                }
            }
            CacheSim::Lru(lru) => lru.access(key, now),
        }
    }

    /// The LRU, for the flights of a cache that has them.
    pub fn lru(&mut self) -> Option<&mut Lru<W>> {
        match self {
            CacheSim::Lru(lru) => Some(lru),
            CacheSim::Fixed { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settled(lru: &mut Lru<u32>, lookup: Lookup, now: SimTime) {
        if let Lookup::Miss(Some(f)) = lookup {
            lru.commit(f, now, &mut Vec::new());
        }
    }

    #[test]
    fn evicts_the_least_recently_used_key() {
        let mut lru: Lru<u32> = Lru::new(2, None, 10);
        let t = SimTime::ZERO;
        for key in [1, 2] {
            let l = lru.access(key, t);
            assert!(matches!(l, Lookup::Miss(Some(_))));
            settled(&mut lru, l, t);
        }
        assert_eq!(lru.access(1, t), Lookup::Hit); // 2 is now least recent
        let l = lru.access(3, t); // evicts 2
        settled(&mut lru, l, t);
        assert_eq!(lru.access(1, t), Lookup::Hit);
        assert!(matches!(lru.access(2, t), Lookup::Miss(_)));
        assert_eq!(lru.len(), 2);
    }

    #[test]
    fn expired_entries_miss_and_are_refreshed() {
        let mut lru: Lru<u32> = Lru::new(10, Some(SimTime(100)), 10);
        let l = lru.access(7, SimTime(0));
        settled(&mut lru, l, SimTime(0));
        assert_eq!(lru.access(7, SimTime(99)), Lookup::Hit);
        let l = lru.access(7, SimTime(100));
        assert!(matches!(l, Lookup::Miss(Some(_))));
        settled(&mut lru, l, SimTime(120));
        assert_eq!(lru.access(7, SimTime(150)), Lookup::Hit);
        assert!(matches!(lru.access(7, SimTime(220)), Lookup::Miss(_)));
    }

    #[test]
    fn a_pending_answer_is_shared_and_a_failed_one_is_dropped() {
        let mut lru: Lru<u32> = Lru::new(10, None, 10);
        let Lookup::Miss(Some(f)) = lru.access(5, SimTime(0)) else {
            panic!("a miss leads")
        };
        // Until the answer exists, identical requests wait for it; nothing is a hit.
        assert_eq!(lru.access(5, SimTime(1)), Lookup::Join(f));
        lru.wait(f, 100);
        lru.wait(f, 101);
        let mut woken = Vec::new();
        lru.abort(f, &mut woken);
        assert_eq!(woken, [100, 101]);
        assert!(lru.is_empty(), "a failed answer is not kept");
        // The next request leads again, and this time the answer is kept.
        let Lookup::Miss(Some(g)) = lru.access(5, SimTime(2)) else {
            panic!("a miss leads")
        };
        lru.commit(g, SimTime(3), &mut woken);
        assert_eq!(lru.access(5, SimTime(4)), Lookup::Hit);
    }

    #[test]
    fn an_evicted_pending_entry_still_wakes_its_waiters() {
        let mut lru: Lru<u32> = Lru::new(1, None, 10);
        let Lookup::Miss(Some(f)) = lru.access(1, SimTime(0)) else {
            panic!()
        };
        lru.wait(f, 7);
        let l = lru.access(2, SimTime(1)); // evicts the pending key 1
        let mut woken = Vec::new();
        lru.commit(f, SimTime(2), &mut woken);
        assert_eq!(woken, [7]);
        settled(&mut lru, l, SimTime(3));
        assert_eq!(lru.access(2, SimTime(4)), Lookup::Hit);
        assert_eq!(lru.len(), 1);
    }
}
