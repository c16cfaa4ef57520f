//! Yardsticks for the benchmark: the smallest programs that do the same work as
//! scalecost's engine and cache, written for speed alone, so that scalecost's speed can
//! be stated as a ratio that holds on any machine.
//!
//! - `reference_mm8`: a discrete-event loop of one M/M/c station and nothing else:
//!   16-byte events in a binary heap whose top is replaced in place, the same random
//!   generator and exponential sampler as scalecost, a FIFO queue of arrival times.
//! - `RefLru`: an LRU set of integer keys: an open-addressing table with a
//!   multiplicative hash, pointing into a slab of nodes linked by index, no
//!   allocation per entry.

use std::collections::VecDeque;

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, Exp1, Zipf};
use scalecost::model::Scenario;
use scalecost::sim::cache::{Lookup, Lru};
use scalecost::time::SimTime;

use super::{median_pair, time};

const PAIRS: usize = 5;

/// An event of the reference loop: when, and what (an arrival, or a departure with the
/// arrival time of the request leaving). (time, data) orders them totally.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Ev {
    time: u64,
    /// `arrival_time << 1 | 1` for a departure, 0 for an arrival.
    data: u64,
}

/// A binary min-heap of events with an in-place replacement of the top.
struct Heap(Vec<Ev>);

impl Heap {
    fn push(&mut self, ev: Ev) {
        let h = &mut self.0;
        h.push(ev);
        let mut i = h.len() - 1;
        while i > 0 {
            let p = (i - 1) / 2;
            if h[p] <= ev {
                break;
            }
            h[i] = h[p];
            i = p;
        }
        h[i] = ev;
    }

    fn replace_top(&mut self, ev: Ev) {
        let h = &mut self.0;
        let n = h.len();
        let mut i = 0;
        loop {
            let mut c = 2 * i + 1;
            if c >= n {
                break;
            }
            if c + 1 < n && h[c + 1] < h[c] {
                c += 1;
            }
            if ev <= h[c] {
                break;
            }
            h[i] = h[c];
            i = c;
        }
        h[i] = ev;
    }

    fn pop(&mut self) {
        let last = self.0.pop().expect("not empty");
        if !self.0.is_empty() {
            self.replace_top(last);
        }
    }
}

/// What the reference loop measured: requests that arrived, and the mean time in
/// system of those served, µs.
pub struct RefRun {
    pub arrivals: u64,
    pub mean_sojourn_us: f64,
}

/// M/M/`servers` at `rate_per_us` arrivals and mean service `service_us`, over
/// `horizon_us`, as a tight event loop.
pub fn reference_mm8(
    rate_per_us: f64,
    service_us: f64,
    servers: u32,
    horizon_us: u64,
    seed: u64,
) -> RefRun {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let exp = |mean: f64, rng: &mut Xoshiro256PlusPlus| -> f64 {
        let e: f64 = Exp1.sample(rng);
        e * mean
    };
    let mut heap = Heap(Vec::with_capacity(1024));
    let mut queue: VecDeque<u64> = VecDeque::new();
    let mut t_arrival = exp(1.0 / rate_per_us, &mut rng);
    heap.push(Ev {
        time: t_arrival as u64,
        data: 0,
    });
    let (mut busy, mut arrivals, mut served, mut sojourn) = (0u32, 0u64, 0u64, 0u64);
    while let Some(&top) = heap.0.first() {
        let now = top.time;
        if now > horizon_us {
            break;
        }
        if top.data == 0 {
            arrivals += 1;
            t_arrival += exp(1.0 / rate_per_us, &mut rng);
            heap.replace_top(Ev {
                time: t_arrival as u64,
                data: 0,
            });
            if busy < servers {
                busy += 1;
                let s = ((exp(service_us, &mut rng) + 0.5) as u64).max(1);
                heap.push(Ev {
                    time: now + s,
                    data: now << 1 | 1,
                });
            } else {
                queue.push_back(now);
            }
        } else {
            served += 1;
            sojourn += now - (top.data >> 1);
            if let Some(a) = queue.pop_front() {
                let s = ((exp(service_us, &mut rng) + 0.5) as u64).max(1);
                heap.replace_top(Ev {
                    time: now + s,
                    data: a << 1 | 1,
                });
            } else {
                busy -= 1;
                heap.pop();
            }
        }
    }
    RefRun {
        arrivals,
        mean_sojourn_us: sojourn as f64 / served.max(1) as f64,
    }
}

/// scalecost's M/M/8 case against the reference loop of the same station, paired and
/// interleaved; prints both speeds and the ratio, and the two mean latencies as a
/// check that they simulate the same thing.
pub fn engine_against_reference(mm8: &Scenario) {
    // The station's parameters as benches/scenarios/mm8.yaml declares them.
    let rate_per_us = mm8.base_rate_per_us();
    let horizon_us = mm8.workload().horizon.micros();
    let (service_us, servers) = (8_000.0, 8);
    // (scalecost, reference) seconds per request, one pair per round.
    let mut pairs = Vec::new();
    let (mut latency, mut ref_latency, mut requests) = (0.0, 0.0, 0);
    for pair in 0..PAIRS {
        let mut m = None;
        let a = time(|| m = Some(scalecost::sim::simulate(mm8, 1.0, pair as u64)));
        let m = m.expect("ran");
        let mut r = None;
        let b = time(|| {
            r = Some(reference_mm8(
                rate_per_us,
                service_us,
                servers,
                horizon_us,
                pair as u64,
            ))
        });
        let r = r.expect("ran");
        requests = m.timeline.iter().map(|h| h.arrivals).sum::<u64>();
        pairs.push((a / requests as f64, b / r.arrivals as f64));
        latency = m.latency_ms.mean;
        ref_latency = r.mean_sojourn_us / 1e3;
    }
    println!(
        "M/M/8 at rho 0.8, {requests} requests, against a tight event loop of the same station (paired, median of {PAIRS}):"
    );
    // Speed is the inverse of time per request: the reference's time over ours.
    let m = median_pair(&pairs);
    println!(
        "  scalecost {:.2}M requests/s ({:.0} ns each), reference {:.2}M/s ({:.0} ns): ratio {:.2}x the reference's speed (pairs {:.2}x to {:.2}x)",
        1e-6 / m.a,
        m.a * 1e9,
        1e-6 / m.b,
        m.b * 1e9,
        1.0 / m.ratio,
        1.0 / m.highest,
        1.0 / m.lowest
    );
    println!(
        "  mean latency {latency:.2} ms (scalecost) and {ref_latency:.2} ms (reference); Erlang C gives {:.2} ms",
        erlang_c_sojourn_ms(rate_per_us * 1e3, service_us / 1e3, servers)
    );
}

/// Mean time in system of M/M/c, ms: `rate` per ms, `service` ms.
fn erlang_c_sojourn_ms(rate: f64, service: f64, c: u32) -> f64 {
    let a = rate * service;
    let rho = a / c as f64;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / k as f64;
        sum += term;
    }
    let last = term * a / c as f64 / (1.0 - rho);
    let p_wait = last / (sum + last);
    service + p_wait * service / (c as f64 * (1.0 - rho))
}

/// An LRU set of integer keys, written for speed: an open-addressing table (linear
/// probing, deletion by backward shift) of (key, slot) and a slab of nodes linked by
/// index, most recent at the head.
pub struct RefLru {
    table: Vec<(u64, u32)>,
    mask: usize,
    keys: Vec<u64>,
    prev: Vec<u32>,
    next: Vec<u32>,
    head: u32,
    tail: u32,
    capacity: usize,
}

const EMPTY: u32 = u32::MAX;

impl RefLru {
    pub fn new(capacity: usize) -> RefLru {
        let size = (capacity * 2).next_power_of_two();
        RefLru {
            table: vec![(0, EMPTY); size],
            mask: size - 1,
            keys: Vec::with_capacity(capacity),
            prev: Vec::with_capacity(capacity),
            next: Vec::with_capacity(capacity),
            head: EMPTY,
            tail: EMPTY,
            capacity,
        }
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & self.mask
    }

    fn unlink(&mut self, s: u32) {
        let (p, n) = (self.prev[s as usize], self.next[s as usize]);
        if p != EMPTY {
            self.next[p as usize] = n;
        } else {
            self.head = n;
        }
        if n != EMPTY {
            self.prev[n as usize] = p;
        } else {
            self.tail = p;
        }
    }

    fn push_front(&mut self, s: u32) {
        self.prev[s as usize] = EMPTY;
        self.next[s as usize] = self.head;
        if self.head != EMPTY {
            self.prev[self.head as usize] = s;
        } else {
            self.tail = s;
        }
        self.head = s;
    }

    fn remove_key(&mut self, key: u64) {
        let mut i = self.home(key);
        while self.table[i].0 != key {
            i = (i + 1) & self.mask;
        }
        // Backward shift: pull later entries of the cluster into the hole when their
        // home is at or before it.
        let mut hole = i;
        let mut j = (i + 1) & self.mask;
        while self.table[j].1 != EMPTY {
            let home = self.home(self.table[j].0);
            if (j.wrapping_sub(home) & self.mask) >= (j.wrapping_sub(hole) & self.mask) {
                self.table[hole] = self.table[j];
                hole = j;
            }
            j = (j + 1) & self.mask;
        }
        self.table[hole] = (0, EMPTY);
    }

    /// Whether `key` was present; it is the most recent key afterwards.
    pub fn access(&mut self, key: u64) -> bool {
        let mut i = self.home(key);
        loop {
            let (k, s) = self.table[i];
            if s == EMPTY {
                break;
            }
            if k == key {
                if self.head != s {
                    self.unlink(s);
                    self.push_front(s);
                }
                return true;
            }
            i = (i + 1) & self.mask;
        }
        let slot = if self.keys.len() < self.capacity {
            self.keys.push(key);
            self.prev.push(EMPTY);
            self.next.push(EMPTY);
            (self.keys.len() - 1) as u32
        } else {
            let victim = self.tail;
            self.unlink(victim);
            let old = self.keys[victim as usize];
            self.remove_key(old);
            self.keys[victim as usize] = key;
            victim
        };
        // The removal may have shifted entries: probe again for the free place.
        let mut i = self.home(key);
        while self.table[i].1 != EMPTY {
            i = (i + 1) & self.mask;
        }
        self.table[i] = (key, slot);
        self.push_front(slot);
        false
    }
}

/// scalecost's LRU against the reference on the pipeline's key stream at 10x (Zipf
/// 0.9 over 158,114 keys, 20,000 entries), paired and interleaved. scalecost's lookup
/// also keeps time-to-live stamps and the pending answers it coalesces (each miss is
/// committed at once here), which is part of what it costs.
pub fn lru_against_reference() {
    let (distinct, capacity, n) = (158_114u64, 20_000u64, 5_000_000usize);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let zipf = Zipf::new(distinct as f64, 0.9).expect("valid");
    let keys: Vec<u64> = (0..n).map(|_| zipf.sample(&mut rng) as u64).collect();
    // (scalecost, reference) nanoseconds per lookup, one pair per round.
    let mut pairs = Vec::new();
    let (mut hits, mut ref_hits) = (0u64, 0u64);
    for _ in 0..PAIRS {
        let mut lru: Lru<()> = Lru::new(capacity, Some(SimTime::HOUR), distinct);
        let mut woken = Vec::new();
        hits = 0;
        let a = time(|| {
            for (i, &k) in keys.iter().enumerate() {
                match lru.access(k, SimTime(i as u64)) {
                    Lookup::Hit => hits += 1,
                    Lookup::Miss(Some(f)) => lru.commit(f, SimTime(i as u64), &mut woken),
                    _ => {}
                }
            }
        });
        let mut reference = RefLru::new(capacity as usize);
        ref_hits = 0;
        let b = time(|| {
            for &k in &keys {
                ref_hits += u64::from(reference.access(k));
            }
        });
        pairs.push((a / n as f64 * 1e9, b / n as f64 * 1e9));
    }
    assert_eq!(hits, ref_hits, "both are the same LRU on the same keys");
    println!(
        "LRU lookup, Zipf 0.9 over {distinct} keys, {capacity} entries, hit rate {:.1}% (paired, median of {PAIRS}):",
        100.0 * hits as f64 / n as f64
    );
    let m = median_pair(&pairs);
    println!(
        "  scalecost {:.1} ns per lookup, reference map plus linked list {:.1} ns: ratio {:.2}x the reference's time (pairs {:.2}x to {:.2}x)",
        m.a, m.b, m.ratio, m.lowest, m.highest
    );
}
