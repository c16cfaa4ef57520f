//! A recorded trace as a run's arrivals and requests, scaled by superposing copies.
//!
//! Time 0 of the run is the trace's first request; the horizon and the warm-up are
//! measured from it. The trace repeats with period `p` (its span plus one mean gap)
//! when the horizon is longer.
//!
//! A load multiplier `s` superposes `floor(s)` copies of the trace plus one copy
//! thinned to keep each request with probability `s − floor(s)` (below 1, the trace
//! itself thinned). Copy 0 is the trace as recorded; every other copy is shifted by a
//! seeded offset drawn uniformly in `[0, p)`, modulo `p`, and its requests get keys of
//! their own. Why this is honest: the sum of independent stationary streams has
//! exactly the summed rate, each copy keeps the trace's own burstiness, token mix and
//! key reuse, and independent thinning of a stream scales its rate exactly while
//! keeping its shape. What it cannot know is how a real 10× population would differ
//! (different users, more sharing of prompts); the copies share no keys, so a cache
//! sees s times the keys with the trace's reuse within each.
//!
//! Each copy reads the file through its own small buffer, one line at a time, so the
//! memory of a replay does not grow with the length of the trace. A shifted copy finds
//! where its first pass starts by bisecting the file, rather than reading up to it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::BufReader;

use crate::model::Trace;
use crate::sim::prompts::{NO_PROMPT, Prompts};
use crate::sim::random::{self, SimRng, splitmix};
use crate::sim::workload::RequestDraw;
use crate::time::SimTime;
use crate::trace::{Reader, classify};

/// The requests of a replayed, scaled trace, in time order.
pub struct Replay<'a> {
    copies: Vec<Copy<'a>>,
    /// Each copy's next request.
    pending: Vec<Option<(SimTime, RequestDraw)>>,
    /// Copies by the time of their next request; ties go to the lower copy.
    order: BinaryHeap<Reverse<(SimTime, u32)>>,
}

impl<'a> Replay<'a> {
    /// `offsets` draws the copies' shifts; `thinning` the thinned copy's decisions;
    /// with `blocks`, each request's prompt blocks are handed to the run's [`Prompts`].
    pub fn new(
        trace: &'a Trace,
        blocks: bool,
        scale: f64,
        horizon: SimTime,
        mut offsets: SimRng,
        thinning: SimRng,
    ) -> Replay<'a> {
        let full = scale.floor() as u32;
        let fraction = scale - f64::from(full);
        let mut keeps: Vec<f64> = vec![1.0; full as usize];
        // A fraction too small to keep one request in a million is rounding, not load.
        if fraction > 1e-6 {
            keeps.push(fraction);
        }
        let period = trace.period.0 as i64;
        let mut copies = Vec::with_capacity(keeps.len());
        for (i, keep) in keeps.into_iter().enumerate() {
            let offset = if i == 0 {
                0
            } else {
                ((random::uniform(&mut offsets) * period as f64) as i64).min(period - 1)
            };
            let skip_below_us = if offset == 0 { 0 } else { period - offset };
            let mut reader = Reader::open(&trace.path, trace.format).ok();
            // The first pass starts late in the trace: the lines before are not read.
            if let Some(r) = &mut reader
                && skip_below_us > 0
                && r.skip_to(trace.first_us + skip_below_us).is_err()
            {
                reader = Reader::open(&trace.path, trace.format).ok();
            }
            copies.push(Copy {
                trace,
                reader,
                // The first pass plays the trace's end, from `p − offset`, at 0.
                skip_below_us,
                base_us: if offset == 0 { 0 } else { offset - period },
                horizon_us: horizon.0 as i64,
                keep,
                blocks,
                salt: if i == 0 { 0 } else { splitmix(i as u64) },
                serial: 0,
                read_this_pass: 0,
                rng: if keep < 1.0 {
                    Some(thinning.clone())
                } else {
                    None
                },
            });
        }
        let mut replay = Replay {
            pending: Vec::with_capacity(copies.len()),
            order: BinaryHeap::with_capacity(copies.len()),
            copies,
        };
        // One copy is read as it is replayed; several wait in order of their next
        // request, which each has read already.
        let waiting = if replay.copies.len() > 1 {
            replay.copies.len()
        } else {
            0
        };
        for i in 0..waiting {
            let next = replay.copies[i].next();
            if let Some((at, _)) = next {
                replay.order.push(Reverse((at, i as u32)));
            }
            replay.pending.push(next);
        }
        replay
    }

    /// The next request of the superposed copies, or `None` past the horizon.
    #[inline]
    pub fn next_request(&mut self, prompts: &mut Prompts) -> Option<(SimTime, RequestDraw)> {
        if self.copies.len() == 1 {
            let (at, mut draw) = self.copies[0].next()?;
            draw.prompt = self.copies[0].hold(prompts);
            return Some((at, draw));
        }
        let Reverse((_, i)) = self.order.pop()?;
        let i = i as usize;
        // The copy's reader still holds the record of its pending request: its blocks
        // are taken before the next line replaces them.
        let out = self.pending[i].take().map(|(at, mut draw)| {
            draw.prompt = self.copies[i].hold(prompts);
            (at, draw)
        });
        let next = self.copies[i].next();
        if let Some((at, _)) = next {
            self.order.push(Reverse((at, i as u32)));
        }
        self.pending[i] = next;
        out
    }
}

/// One copy of the trace: a reader that loops, shifted in time, maybe thinned.
struct Copy<'a> {
    trace: &'a Trace,
    /// None once past the horizon (or if the file became unreadable since validation).
    reader: Option<Reader<BufReader<File>>>,
    /// In the first pass, requests earlier than this in trace time are not played.
    skip_below_us: i64,
    /// Added to a request's trace time (time since the trace's first request).
    base_us: i64,
    horizon_us: i64,
    keep: f64,
    /// Hand each request's prompt blocks to the run.
    blocks: bool,
    /// Mixed into keys so that copies share none.
    salt: u64,
    /// Requests this copy made; the key of a request without `hash_ids`.
    serial: u64,
    read_this_pass: u64,
    rng: Option<SimRng>,
}

impl Copy<'_> {
    /// The prompt blocks of the request `next` returned last, kept in `prompts` with
    /// this copy's salt (so copies share no block either), or `NO_PROMPT`.
    fn hold(&self, prompts: &mut Prompts) -> u32 {
        match &self.reader {
            Some(r) if self.blocks && !r.record().blocks.is_empty() => {
                prompts.hold(&r.record().blocks, self.salt)
            }
            _ => NO_PROMPT,
        }
    }

    fn next(&mut self) -> Option<(SimTime, RequestDraw)> {
        loop {
            let reader = self.reader.as_mut()?;
            let record = match reader.next_record() {
                Some(Ok(r)) => {
                    self.read_this_pass += 1;
                    r
                }
                None => {
                    // The end of a pass: the trace starts again one period later. A pass
                    // that played nothing means the file changed under the run: stop.
                    let played = self.read_this_pass > 0;
                    self.reader = if played {
                        Reader::open(&self.trace.path, self.trace.format).ok()
                    } else {
                        None
                    };
                    self.base_us += self.trace.period.0 as i64;
                    self.skip_below_us = 0;
                    self.read_this_pass = 0;
                    continue;
                }
                // Every line was checked when the plan was made; a line that now fails
                // means the file changed: the replay ends there.
                Some(Err(_)) => {
                    self.reader = None;
                    return None;
                }
            };
            let since_first = record.time_us - self.trace.first_us;
            if since_first < self.skip_below_us {
                continue;
            }
            let at = since_first + self.base_us;
            if at >= self.horizon_us {
                self.reader = None;
                return None;
            }
            if let Some(rng) = &mut self.rng
                && random::uniform(rng) >= self.keep
            {
                continue;
            }
            self.serial += 1;
            let key = match record.prompt_key {
                Some(k) => splitmix(k ^ self.salt),
                None => splitmix(self.serial ^ self.salt.rotate_left(32)),
            };
            let draw = RequestDraw {
                class: classify(&self.trace.rules, record).unwrap_or(0) as u8,
                input_tokens: record.input_tokens,
                output_tokens: record.output_tokens,
                key,
                prompt: NO_PROMPT,
            };
            return Some((SimTime(at.max(0) as u64), draw));
        }
    }
}
