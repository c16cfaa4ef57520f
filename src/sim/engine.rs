//! A domain-free event queue: events pop in (time, sequence) order.
//!
//! The sequence number makes the order total: two events at the same microsecond pop
//! in the order they were scheduled, so a run is deterministic whatever the payload.
//! The heap holds only small keys (24 bytes); payloads wait in a slab and are moved
//! once in and once out, which matters because heap operations dominate a run.
//!
//! Most handlers schedule one event right after taking one (a service ends, the next
//! starts). So a pop leaves its key's place at the top of the heap open, and the next
//! schedule fills it and sifts it down once: one heap walk for the pair instead of
//! two. A pop or peek that comes first closes the place the ordinary way.

use crate::time::SimTime;

#[derive(Clone, Copy)]
struct Key {
    time: u64,
    seq: u64,
    slot: u32,
}

impl Key {
    /// Whether `self` is due before `other`: earlier time, then earlier scheduling.
    #[inline(always)]
    fn before(&self, other: &Key) -> bool {
        (self.time, self.seq) < (other.time, other.seq)
    }
}

/// Future events of a simulation, earliest first.
pub struct EventQueue<E> {
    /// A binary min-heap of keys by (time, seq).
    heap: Vec<Key>,
    /// `heap[0]` has been popped and waits to be overwritten or removed.
    open_top: bool,
    /// Payloads by slot; a freed slot keeps its old value until reused (events are
    /// plain `Copy` data, so nothing needs dropping).
    slab: Vec<E>,
    free: Vec<u32>,
    next_seq: u64,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: Vec::new(),
            open_top: false,
            slab: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            popped: 0,
        }
    }
}

impl<E: Copy> EventQueue<E> {
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = event;
                slot
            }
            None => {
                self.slab.push(event);
                (self.slab.len() - 1) as u32
            }
        };
        let key = Key {
            time: time.0,
            seq: self.next_seq,
            slot,
        };
        self.next_seq += 1;
        if self.open_top {
            self.open_top = false;
            self.heap[0] = key;
            self.sift_down(0);
        } else {
            self.heap.push(key);
            self.sift_up(self.heap.len() - 1);
        }
    }

    /// Removes and returns the earliest event, if any is due at or before `until`.
    #[inline]
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        self.close_top();
        let key = *self.heap.first()?;
        if key.time > until.0 {
            return None;
        }
        self.open_top = true;
        self.popped += 1;
        self.free.push(key.slot);
        Some((SimTime(key.time), self.slab[key.slot as usize]))
    }

    /// When the earliest event is due, if any is pending.
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.close_top();
        self.heap.first().map(|k| SimTime(k.time))
    }

    /// Events handled so far.
    pub fn events_processed(&self) -> u64 {
        self.popped
    }

    pub fn pending(&self) -> usize {
        self.heap.len() - usize::from(self.open_top)
    }

    /// Removes the popped key still at the top, if any: the last key takes its place.
    #[inline]
    fn close_top(&mut self) {
        if self.open_top {
            self.open_top = false;
            let last = self.heap.pop().expect("an open top is a key");
            if !self.heap.is_empty() {
                self.heap[0] = last;
                self.sift_down(0);
            }
        }
    }

    #[inline]
    fn sift_up(&mut self, mut i: usize) {
        let key = self.heap[i];
        while i > 0 {
            let parent = (i - 1) / 2;
            if !key.before(&self.heap[parent]) {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = key;
    }

    /// Moves the key at `i` down to its place. It walks to the bottom along the earlier
    /// child and then back up, as the standard library's heap does: a key that was just
    /// replaced is usually late and belongs near the bottom, so this takes about half
    /// the comparisons of stopping at the first place that fits.
    #[inline]
    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        let key = self.heap[i];
        let start = i;
        let mut child = 2 * i + 1;
        while child + 1 < n {
            if self.heap[child + 1].before(&self.heap[child]) {
                child += 1;
            }
            self.heap[i] = self.heap[child];
            i = child;
            child = 2 * i + 1;
        }
        if child < n {
            self.heap[i] = self.heap[child];
            i = child;
        }
        while i > start {
            let parent = (i - 1) / 2;
            if !key.before(&self.heap[parent]) {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_by_scheduling_order() {
        let mut q = EventQueue::default();
        q.schedule(SimTime(5), "late");
        q.schedule(SimTime(1), "first at 1");
        q.schedule(SimTime(1), "second at 1");
        q.schedule(SimTime(3), "middle");
        let order: Vec<_> = std::iter::from_fn(|| q.pop_until(SimTime::MAX))
            .map(|(_, e)| e)
            .collect();
        assert_eq!(order, ["first at 1", "second at 1", "middle", "late"]);
    }

    #[test]
    fn leaves_events_after_the_limit() {
        let mut q = EventQueue::default();
        q.schedule(SimTime(10), ());
        assert!(q.pop_until(SimTime(9)).is_none());
        assert_eq!(q.pending(), 1);
        assert!(q.pop_until(SimTime(10)).is_some());
        assert_eq!(q.pending(), 0);
    }

    #[test]
    fn reuses_payload_slots() {
        let mut q = EventQueue::default();
        for round in 0..3u64 {
            q.schedule(SimTime(round), round);
            q.schedule(SimTime(round), round + 100);
            assert_eq!(q.pop_until(SimTime::MAX).map(|(_, e)| e), Some(round));
            assert_eq!(q.pop_until(SimTime::MAX).map(|(_, e)| e), Some(round + 100));
        }
        assert_eq!(q.slab.len(), 2);
    }

    /// The in-place refill of the popped top must give the same order as a plain
    /// pop and push: checked against a sorted list over random interleavings,
    /// equal times included.
    #[test]
    fn refilling_the_popped_top_keeps_the_total_order() {
        let mut q = EventQueue::default();
        let mut reference: Vec<(u64, u64)> = Vec::new();
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut now = 0;
        let mut seq = 0;
        for _ in 0..20_000 {
            let r = next();
            if r % 3 != 0 || reference.is_empty() {
                let t = now + (r >> 8) % 50;
                q.schedule(SimTime(t), seq);
                reference.push((t, seq));
                seq += 1;
            } else {
                reference.sort();
                let want = reference.remove(0);
                let got = q.pop_until(SimTime::MAX).expect("pending");
                assert_eq!((got.0.0, got.1), want);
                now = want.0;
            }
            assert_eq!(q.pending(), reference.len());
        }
    }
}
