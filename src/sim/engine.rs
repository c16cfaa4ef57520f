//! A domain-free event queue: events pop in (time, sequence) order.
//!
//! The sequence number makes the order total: two events at the same microsecond pop
//! in the order they were scheduled, so a run is deterministic whatever the payload.
//! The heap holds only small keys (24 bytes); payloads wait in a slab and are moved
//! once in and once out, which matters because heap operations dominate a run.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::SimTime;

#[derive(Clone, Copy)]
struct Key {
    time: u64,
    seq: u64,
    slot: u32,
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    /// Reversed, so the max-heap pops the earliest (time, seq) first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .cmp(&self.time)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// Future events of a simulation, earliest first.
pub struct EventQueue<E> {
    heap: BinaryHeap<Key>,
    slab: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            popped: 0,
        }
    }
}

impl<E> EventQueue<E> {
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slab.push(Some(event));
                (self.slab.len() - 1) as u32
            }
        };
        self.heap.push(Key {
            time: time.0,
            seq: self.next_seq,
            slot,
        });
        self.next_seq += 1;
    }

    /// Removes and returns the earliest event, if any is due at or before `until`.
    #[inline]
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        if self.heap.peek()?.time > until.0 {
            return None;
        }
        let key = self.heap.pop()?;
        self.popped += 1;
        self.free.push(key.slot);
        let event = self.slab[key.slot as usize].take()?;
        Some((SimTime(key.time), event))
    }

    /// When the earliest event is due, if any is pending.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|k| SimTime(k.time))
    }

    /// Events handled so far.
    pub fn events_processed(&self) -> u64 {
        self.popped
    }

    pub fn pending(&self) -> usize {
        self.heap.len()
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
}
