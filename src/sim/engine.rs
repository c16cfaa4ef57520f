//! A domain-free event queue: events pop in (time, sequence) order.
//!
//! The sequence number makes the order total: two events at the same microsecond pop
//! in the order they were scheduled, so a run is deterministic whatever the payload.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::SimTime;

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so the max-heap pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// Future events of a simulation, earliest first.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
            popped: 0,
        }
    }
}

impl<E> EventQueue<E> {
    pub fn schedule(&mut self, time: SimTime, event: E) {
        self.heap.push(Entry {
            time,
            seq: self.next_seq,
            event,
        });
        self.next_seq += 1;
    }

    /// Removes and returns the earliest event, if any is due at or before `until`.
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        if self.heap.peek()?.time > until {
            return None;
        }
        let entry = self.heap.pop()?;
        self.popped += 1;
        Some((entry.time, entry.event))
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
}
