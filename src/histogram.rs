//! A latency histogram that records in a few instructions and reads out through
//! hdrhistogram, so percentiles are exactly those of an HDR histogram at three digits.
//!
//! Recording is on the path of every request; hdrhistogram's own `saturating_record`
//! also keeps the minimum, the maximum and a total and checks its range on each call,
//! which the simulation only needs once, when it reads the percentiles. This keeps the
//! counts in hdrhistogram's layout (lowest value 1, three significant digits) and
//! replays them into an `hdrhistogram::Histogram` at the end: every count lands in the
//! bucket it would have, so quantiles and the maximum are the same.

use hdrhistogram::Histogram;

/// log2 of the half-bucket width at three significant digits: 2 × 10³ values need
/// 2¹¹ sub-buckets, half of which (2¹⁰) are new in each bucket after the first.
const HALF: u32 = 10;
/// `64 - log2(2048)`: the leading-zero count of the largest value in bucket 0, less one.
const LEADING_ZERO_BASE: u32 = 53;
const SUB_BUCKET_MASK: u64 = (1 << (HALF + 1)) - 1;

/// The counts index of `value` (≥ 1) in hdrhistogram's layout.
#[inline(always)]
fn index(value: u64) -> usize {
    let bucket = LEADING_ZERO_BASE - (value | SUB_BUCKET_MASK).leading_zeros();
    ((bucket as usize) << HALF) + (value >> bucket) as usize
}

/// The lowest value counted at `index`.
fn value_at(index: usize) -> u64 {
    if index < 1 << (HALF + 1) {
        index as u64
    } else {
        let bucket = (index >> HALF) - 1;
        let sub = (index & ((1 << HALF) - 1)) + (1 << HALF);
        (sub as u64) << bucket
    }
}

/// How many counts hdrhistogram keeps for values up to `highest`: its buckets up to
/// the one `highest` falls in, and one more half bucket. A value just past `highest` but
/// inside that room is kept as it would be there.
fn counts_len(highest: u64) -> usize {
    let bucket = LEADING_ZERO_BASE - (highest | SUB_BUCKET_MASK).leading_zeros();
    (bucket as usize + 2) << HALF
}

/// Counts of durations in µs from 1 to a highest value; longer ones count as the
/// highest, as hdrhistogram's `saturating_record` does.
#[derive(Clone, Debug)]
pub struct Durations {
    counts: Vec<u64>,
    highest: u64,
    total: u64,
}

impl Durations {
    /// Room for durations from 1 to `highest` µs (at least 2).
    pub fn new(highest: u64) -> Durations {
        let highest = highest.max(2);
        Durations {
            counts: vec![0; counts_len(highest)],
            highest,
            total: 0,
        }
    }

    /// Counts one duration of `value` µs (0 counts as 1).
    #[inline]
    pub fn record(&mut self, value: u64) {
        let i = index(value.max(1));
        let i = if i < self.counts.len() {
            i
        } else {
            index(self.highest)
        };
        self.counts[i] += 1;
        self.total += 1;
    }

    /// Durations recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The same counts as an HDR histogram, to read percentiles from.
    pub fn histogram(&self) -> Histogram<u64> {
        let mut h = Histogram::new_with_bounds(1, self.highest, 3).expect("valid histogram bounds");
        for (i, &n) in self.counts.iter().enumerate() {
            if n > 0 {
                h.saturating_record_n(value_at(i), n);
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the values, the percentiles, maximum and count equal those of an HDR
    /// histogram fed the same values one by one.
    #[test]
    fn reads_out_as_an_hdr_histogram_fed_the_same_values() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for highest in [
            2,
            1_000,
            2_047,
            2_048,
            4_095,
            4_096,
            3_600_000_000,
            172_800_000_000,
        ] {
            let mut ours = Durations::new(highest);
            let mut theirs = Histogram::<u64>::new_with_bounds(1, highest, 3).unwrap();
            assert_eq!(
                ours.counts.len(),
                theirs.distinct_values(),
                "highest {highest}"
            );
            for k in 0..50_000u64 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Every magnitude, zero and values past the highest included.
                let value = match k % 4 {
                    0 => x >> (x % 64),
                    1 => x % 5_000,
                    2 => highest + x % 3_000,
                    _ => 0,
                };
                ours.record(value);
                theirs.saturating_record(value.max(1));
            }
            let read = ours.histogram();
            assert_eq!(read.len(), theirs.len());
            assert_eq!(read.max(), theirs.max(), "highest {highest}");
            for q in [0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
                assert_eq!(
                    read.value_at_quantile(q),
                    theirs.value_at_quantile(q),
                    "highest {highest}, q {q}"
                );
            }
        }
    }

    #[test]
    fn indices_and_values_agree() {
        for v in (1..10_000u64).chain([1 << 20, (1 << 40) + 12_345, u64::MAX >> 2]) {
            let i = index(v);
            assert_eq!(index(value_at(i)), i, "{v}");
            assert!(value_at(i) <= v);
        }
    }
}
