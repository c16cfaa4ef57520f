//! The prompt blocks of the requests in flight, so an API's prompt cache sees the
//! trace's real prefix reuse (`hash_ids`) whenever the call is made.
//!
//! A request carries only an index ([`Req::prompt`](super::tier::Req)); the blocks live
//! here from the moment the request leaves the trace until it is answered or fails.
//! A slot's buffer is kept when it is released and reused by a later request, so in a
//! steady run nothing is allocated per request, and the memory is that of the requests
//! in flight, not of the requests simulated.

use crate::sim::random::splitmix;

/// A request without blocks (a synthetic load, or a trace without `hash_ids`).
pub const NO_PROMPT: u32 = u32::MAX;

/// The block chains of the requests in flight.
#[derive(Default)]
pub struct Prompts {
    chains: Vec<Vec<u64>>,
    free: Vec<u32>,
}

impl Prompts {
    /// Keeps the prefix digests of `blocks` (see [`chain`]) for one request; returns
    /// its slot.
    pub fn hold(&mut self, blocks: &[u64], salt: u64) -> u32 {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.chains.push(Vec::new());
                (self.chains.len() - 1) as u32
            }
        };
        chain(blocks, salt, &mut self.chains[slot as usize]);
        slot
    }

    /// The prefix digests a request's slot holds (empty for `NO_PROMPT`).
    #[inline]
    pub fn chain(&self, slot: u32) -> &[u64] {
        self.chains.get(slot as usize).map_or(&[], Vec::as_slice)
    }

    /// The request is done with its slot.
    #[inline]
    pub fn release(&mut self, slot: u32) {
        if slot != NO_PROMPT {
            self.free.push(slot);
        }
    }

    /// Slots in use: requests in flight that carry blocks.
    pub fn held(&self) -> usize {
        self.chains.len() - self.free.len()
    }
}

/// The digest of each leading run of `blocks` into `out`: `out[i]` names blocks
/// `0..=i` together, so two prompts share `out[i]` exactly when they share their first
/// `i + 1` blocks, and a prefix is matched by one lookup per block. `salt` gives a
/// shifted copy of the trace digests of its own (0 for the trace as recorded). Never 0,
/// which a table may keep for an empty slot.
pub fn chain(blocks: &[u64], salt: u64, out: &mut Vec<u64>) {
    out.clear();
    let mut h = splitmix(salt ^ 0x5bd1_e995_7f4a_7c15);
    for &id in blocks {
        h = splitmix(h ^ splitmix(id));
        out.push(h.max(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_leading_blocks_give_equal_digests_and_the_first_difference_parts_them() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        chain(&[7, 8, 9], 0, &mut a);
        chain(&[7, 8, 10, 9], 0, &mut b);
        assert_eq!(a[..2], b[..2]);
        assert_ne!(a[2], b[2]);
        // The same block after a different prefix is another prefix.
        assert_ne!(a[2], b[3]);
        let mut c = Vec::new();
        chain(&[7, 8, 9], 1, &mut c);
        assert!(
            a.iter().all(|d| !c.contains(d)),
            "a salted copy shares none"
        );
    }

    #[test]
    fn a_released_slot_and_its_buffer_are_reused() {
        let mut p = Prompts::default();
        let s = p.hold(&[1, 2, 3], 0);
        p.release(s);
        let t = p.hold(&[4], 0);
        assert_eq!((s, p.held(), p.chain(t).len()), (t, 1, 1));
        assert!(p.chain(NO_PROMPT).is_empty());
    }
}
