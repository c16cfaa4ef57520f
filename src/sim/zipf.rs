//! Zipf-distributed key ranks without a `powf` per key in the common case.
//!
//! Rank k of 1..=n is drawn with probability ∝ k^-s. The most popular ranks (the head,
//! at most [`HEAD`] of them) are drawn from a table of their cumulative probabilities
//! with a guide table that points near the answer, so a head draw is one uniform and
//! about one comparison. The rest (the tail) is drawn by rejection-inversion (Hörmann
//! and Derflinger, "Rejection-inversion to generate variates from monotone discrete
//! distributions", 1996), as Apache Commons RNG does, with its squeeze that accepts
//! most candidates after a single `exp`. Which part a draw comes from is decided by
//! the same uniform, against the head's share of the total mass; the tail's mass is
//! the Euler–Maclaurin sum, exact to far below a double's precision at these ranks.
//!
//! Memory is bounded: [`HEAD`] entries of [`BYTES_PER_HEAD_ENTRY`] at most, whatever
//! the key space; `work.rs` counts it with the cache it feeds.

use crate::sim::random::{self, SimRng};

/// Ranks kept in the head table at most.
pub const HEAD: u64 = 1 << 14;
/// Bytes per head entry: its cumulative probability and its guide index.
pub const BYTES_PER_HEAD_ENTRY: f64 = 12.0;

/// A sampler of Zipf(n, s) ranks.
pub struct ZipfSampler {
    /// Cumulative probabilities of ranks 1..=head, scaled so that the last one is the
    /// head's share of all the mass (1 when the head is everything).
    cdf: Vec<f64>,
    /// `guide[g]` is the first index whose cumulative probability exceeds g / len ×
    /// the head's share: the search for a uniform starts there.
    guide: Vec<u32>,
    head_share: f64,
    tail: Option<Tail>,
}

/// Rejection-inversion over ranks m..=n with the hat x^-s. Positions are measured in
/// units of c = m - 1/2, where the tail begins: the hat's integral from there is then
/// computed without cancelling two nearly equal numbers, even for steep exponents.
struct Tail {
    s: f64,
    c: f64,
    m: f64,
    n: f64,
    /// H(n + 1/2): the inversion draws from [0, that).
    h_hi: f64,
    /// Candidates within this of their rank (below it) are accepted without the test.
    squeeze: f64,
}

impl Tail {
    fn new(s: f64, m: f64, n: f64) -> Tail {
        let mut t = Tail {
            s,
            c: m - 0.5,
            m,
            n,
            h_hi: 0.0,
            squeeze: 0.0,
        };
        t.h_hi = t.h_integral(n + 0.5);
        // The rejection boundary sits furthest below its rank at the first rank, where
        // the hat is most curved: what is accepted there is accepted everywhere.
        t.squeeze = m - t.h_integral_inverse(t.h_integral(m + 0.5) - t.h(m));
        t
    }

    /// The hat, (x/c)^-s / c in these units.
    fn h(&self, x: f64) -> f64 {
        (-self.s * (x / self.c).ln()).exp() / self.c
    }

    /// Its integral from c to x: ((x/c)^(1-s) - 1) / (1 - s), ln(x/c) at s = 1,
    /// written so that it is accurate near s = 1.
    fn h_integral(&self, x: f64) -> f64 {
        let l = (x / self.c).ln();
        l * expm1_over((1.0 - self.s) * l)
    }

    fn h_integral_inverse(&self, y: f64) -> f64 {
        // 1 + (1 - s) y ≥ 0 on the interval drawn from; clamp rounding just below.
        let t = (y * (1.0 - self.s)).max(-1.0);
        self.c * (ln1p_over(t) * y).exp()
    }

    fn sample(&self, rng: &mut SimRng) -> u64 {
        loop {
            let u = random::uniform(rng) * self.h_hi;
            let x = self.h_integral_inverse(u);
            let k = (x + 0.5).floor().clamp(self.m, self.n);
            if k - x <= self.squeeze || u >= self.h_integral(k + 0.5) - self.h(k) {
                return k as u64;
            }
        }
    }
}

/// (e^t - 1) / t, 1 at t = 0.
fn expm1_over(t: f64) -> f64 {
    if t.abs() > 1e-8 {
        t.exp_m1() / t
    } else {
        1.0 + t / 2.0
    }
}

/// ln(1 + t) / t, 1 at t = 0.
fn ln1p_over(t: f64) -> f64 {
    if t.abs() > 1e-8 {
        t.ln_1p() / t
    } else {
        1.0 - t / 2.0
    }
}

impl ZipfSampler {
    /// `n` ≥ 1 ranks, exponent `s` ≥ 0 (validated by the scenario reader).
    pub fn new(n: u64, s: f64) -> ZipfSampler {
        let n = n.max(1);
        let head = n.min(HEAD) as usize;
        let mut cdf = Vec::with_capacity(head);
        let mut acc = 0.0;
        for k in 1..=head {
            acc += (k as f64).powf(-s);
            cdf.push(acc);
        }
        let head_mass = acc;
        let (tail, tail_mass) = if n > head as u64 {
            let m = head as f64 + 1.0;
            let t = Tail::new(s, m, n as f64);
            (Some(t), tail_mass(s, m, n as f64))
        } else {
            (None, 0.0)
        };
        let total = head_mass + tail_mass;
        for c in &mut cdf {
            *c /= total;
        }
        let head_share = if tail.is_some() {
            head_mass / total
        } else {
            // Rounding may leave the last sum a hair below 1: a uniform above it must
            // still find the last rank.
            *cdf.last_mut().expect("n ≥ 1") = 1.0;
            1.0
        };
        let len = cdf.len();
        let mut guide = Vec::with_capacity(len);
        let mut i = 0usize;
        for g in 0..len {
            let threshold = g as f64 / len as f64 * head_share;
            while i + 1 < len && cdf[i] <= threshold {
                i += 1;
            }
            guide.push(i as u32);
        }
        ZipfSampler {
            cdf,
            guide,
            head_share,
            tail,
        }
    }

    /// Ranks in the head table.
    pub fn head_len(&self) -> usize {
        self.cdf.len()
    }

    /// Draws one rank in 1..=n.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> u64 {
        let u = random::uniform(rng);
        if u < self.head_share {
            let len = self.cdf.len();
            let g = ((u / self.head_share) * len as f64) as usize;
            let mut i = self.guide[g.min(len - 1)] as usize;
            while i + 1 < len && self.cdf[i] <= u {
                i += 1;
            }
            return i as u64 + 1;
        }
        match &self.tail {
            Some(t) => t.sample(rng),
            None => self.cdf.len() as u64,
        }
    }
}

/// The sum of k^-s over m..=n (m large), by Euler–Maclaurin: the integral, the two
/// half-ends and two derivative corrections. At m above a thousand the next term is
/// below 1e-20 of the sum.
fn tail_mass(s: f64, m: f64, n: f64) -> f64 {
    let f = |x: f64| x.powf(-s);
    let d1 = |x: f64| -s * x.powf(-s - 1.0);
    let d3 = |x: f64| -s * (s + 1.0) * (s + 2.0) * x.powf(-s - 3.0);
    let integral = if (s - 1.0).abs() < 1e-12 {
        (n / m).ln()
    } else {
        let l_n = n.ln();
        let l_m = m.ln();
        l_n * expm1_over((1.0 - s) * l_n) - l_m * expm1_over((1.0 - s) * l_m)
    };
    integral + (f(m) + f(n)) / 2.0 + (d1(n) - d1(m)) / 12.0 - (d3(n) - d3(m)) / 720.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact probabilities of every rank for a small n, against the frequencies of a
    /// million draws; and the head/tail split for an n beyond the head.
    fn check(n: u64, s: f64, ranks: &[u64]) {
        let z = ZipfSampler::new(n, s);
        let mut rng = random::stream(5, 1.0, 0, random::REQUESTS);
        let draws = 1_000_000;
        let mut counts = vec![0u64; ranks.len()];
        let mut beyond_head = 0u64;
        for _ in 0..draws {
            let k = z.sample(&mut rng);
            assert!((1..=n).contains(&k), "rank {k} outside 1..={n}");
            if k > HEAD {
                beyond_head += 1;
            }
            if let Some(i) = ranks.iter().position(|&r| r == k) {
                counts[i] += 1;
            }
        }
        let total: f64 = if n <= 10_000_000 {
            (1..=n).map(|k| (k as f64).powf(-s)).sum()
        } else {
            (1..=HEAD).map(|k| (k as f64).powf(-s)).sum::<f64>()
                + tail_mass(s, HEAD as f64 + 1.0, n as f64)
        };
        for (i, &r) in ranks.iter().enumerate() {
            let p = (r as f64).powf(-s) / total;
            let expected = p * draws as f64;
            // Five binomial standard deviations (plus one draw): a correct sampler fails
            // this about once in 10^6 checks; a wrong exponent or offset fails it.
            let sd = (expected * (1.0 - p)).sqrt();
            assert!(
                (counts[i] as f64 - expected).abs() <= 5.0 * sd + 1.0,
                "n {n}, s {s}, rank {r}: {} draws, expected {expected:.1}",
                counts[i]
            );
        }
        if n > HEAD {
            let head: f64 = (1..=HEAD).map(|k| (k as f64).powf(-s)).sum();
            let p = 1.0 - head / total;
            let expected = p * draws as f64;
            let sd = (expected * (1.0 - p)).sqrt();
            assert!(
                (beyond_head as f64 - expected).abs() <= 5.0 * sd + 1.0,
                "n {n}, s {s}: {beyond_head} beyond the head, expected {expected:.1}"
            );
        }
    }

    #[test]
    fn a_small_key_space_is_all_head() {
        check(50, 1.0, &[1, 2, 3, 10, 50]);
        check(7, 0.0, &[1, 4, 7]);
        check(1, 0.9, &[1]);
    }

    #[test]
    fn ranks_beyond_the_head_come_in_their_share() {
        check(158_114, 0.9, &[1, 2, 100, 16_384, 16_385, 20_000, 158_114]);
        check(1_000_000, 1.0, &[1, 5, 16_385, 100_000]);
        check(1_000_000, 0.0, &[1, 500_000, 1_000_000]);
        check(500_000, 1.6, &[1, 2, 16_385, 40_000]);
        check(1_000_000_000_000, 0.6, &[1, 3]);
        // Steep exponents: the tail's mass is below a double's precision; no hang.
        check(1_000_000, 3.0, &[1, 2, 30]);
        check(1_000_000_000_000, 10.0, &[1, 2]);
    }

    #[test]
    fn memory_is_bounded_by_the_head() {
        assert_eq!(
            ZipfSampler::new(1_000_000_000_000, 0.9).head_len(),
            HEAD as usize
        );
        assert_eq!(ZipfSampler::new(300, 0.9).head_len(), 300);
    }
}
