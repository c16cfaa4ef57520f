//! Synthetic load: a non-homogeneous Poisson arrival stream and the requests it carries.
//!
//! Arrivals are drawn by thinning over short segments: within each 15-minute segment
//! (cut also at burst edges) candidates come at the segment's peak rate and are kept
//! with probability rate(t)/peak. Because the peak is taken per segment, nearly every
//! candidate is kept, and the result is an exact draw of the time-varying process.

pub use crate::calendar::RateShape;
use crate::model::{Dist, RequestClass};
use crate::sim::random::{self, SimRng};
use crate::sim::zipf::ZipfSampler;
use crate::time::SimTime;

/// The arrival times of one run, drawn lazily.
pub struct Arrivals {
    shape: RateShape,
    /// The factor is 1 everywhere: every candidate is kept without evaluating it.
    flat: bool,
    rate_per_us: f64,
    horizon_us: f64,
    t: f64,
    segment_end: f64,
    segment_rate: f64,
    /// Its inverse, the mean gap between candidates: a multiply per candidate rather
    /// than a division, whose latency the next arrival would wait for.
    segment_gap: f64,
    /// For a segment with a diurnal swing: the rate every candidate is kept below,
    /// and where the factor may touch its bound (see [`RateShape::squeeze`]).
    squeeze: Option<(f64, [f64; 3])>,
    /// Off only in the test that checks the squeeze changes nothing.
    use_squeeze: bool,
    rng: SimRng,
}

impl Arrivals {
    /// `rate_per_us` is the mean arrival rate (users × scale × requests per µs).
    pub fn new(shape: RateShape, rate_per_us: f64, horizon: SimTime, rng: SimRng) -> Arrivals {
        Arrivals {
            flat: shape.is_flat(),
            shape,
            rate_per_us,
            horizon_us: horizon.0 as f64,
            t: 0.0,
            segment_end: 0.0,
            segment_rate: 0.0,
            segment_gap: 0.0,
            squeeze: None,
            use_squeeze: true,
            rng,
        }
    }

    /// The next arrival, or `None` once past the horizon.
    pub fn next_arrival(&mut self) -> Option<SimTime> {
        loop {
            if self.t >= self.horizon_us {
                return None;
            }
            if self.t >= self.segment_end {
                self.segment_end = self.shape.segment_end(self.t).min(self.horizon_us);
                self.segment_rate = self.rate_per_us * self.shape.bound(self.t, self.segment_end);
                self.segment_gap = 1.0 / self.segment_rate;
                self.squeeze = self
                    .shape
                    .squeeze(self.t, self.segment_end)
                    .filter(|_| self.use_squeeze)
                    .map(|q| (self.rate_per_us * q.floor, q.guards));
            }
            if self.segment_rate <= 0.0 {
                self.t = self.segment_end;
                continue;
            }
            let candidate = self.t + random::exp1(&mut self.rng) * self.segment_gap;
            if candidate >= self.segment_end {
                // Memorylessness: restarting the draw at the boundary is exact.
                self.t = self.segment_end;
                continue;
            }
            self.t = candidate;
            // A flat rate keeps every candidate: its factor is exactly 1, as is the
            // bound, so the general test below would keep it too, without a draw.
            if self.flat {
                return Some(SimTime(candidate as u64));
            }
            // Away from where the factor may touch its bound, the test below would draw
            // its uniform; a uniform under the segment's floor keeps the candidate
            // without evaluating the cosine. Same draws, same decisions.
            if let Some((floor, guards)) = self.squeeze
                && guards
                    .iter()
                    .all(|g| !((candidate - g).abs() < crate::calendar::GUARD_US))
            {
                let u = random::uniform(&mut self.rng) * self.segment_rate;
                if u < floor || u < self.rate_per_us * self.shape.factor(candidate) {
                    return Some(SimTime(candidate as u64));
                }
                continue;
            }
            let keep = self.rate_per_us * self.shape.factor(candidate);
            if keep >= self.segment_rate
                || random::uniform(&mut self.rng) * self.segment_rate < keep
            {
                return Some(SimTime(candidate as u64));
            }
        }
    }
}

/// What an arriving request is: its class, token counts and cache key.
#[derive(Clone, Copy, Debug)]
pub struct RequestDraw {
    pub class: u8,
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// Zipf rank of the request's key (1 = most popular), when keys are modelled.
    pub key: u64,
    /// Its prompt's blocks in the run's `Prompts` (a replayed trace), or `NO_PROMPT`.
    pub prompt: u32,
}

/// Draws request attributes from the class mix, token distributions and key popularity.
pub struct RequestSource {
    /// Every request is the same (one class, constant tokens, no keys): nothing to
    /// draw. The general path would draw only the class's uniform, which nothing else
    /// reads, so skipping it changes no figure.
    constant: Option<RequestDraw>,
    cumulative_shares: Vec<f64>,
    classes: Vec<RequestClass>,
    keys: Option<ZipfSampler>,
    rng: SimRng,
}

impl RequestSource {
    /// `distinct_keys` is the key-space size at this scale (None when keys are not modelled).
    pub fn new(classes: &[RequestClass], zipf: Option<(u64, f64)>, rng: SimRng) -> RequestSource {
        let mut acc = 0.0;
        let cumulative_shares = classes
            .iter()
            .map(|c| {
                acc += c.share;
                acc
            })
            .collect();
        let constant = match classes {
            [only] if zipf.is_none() => match (only.input_tokens, only.output_tokens) {
                (Dist::Constant(i), Dist::Constant(o)) => Some(RequestDraw {
                    class: 0,
                    input_tokens: (i + 0.5) as u32,
                    output_tokens: (o + 0.5) as u32,
                    key: 0,
                    prompt: crate::sim::prompts::NO_PROMPT,
                }),
                _ => None,
            },
            _ => None,
        };
        RequestSource {
            constant,
            cumulative_shares,
            classes: classes.to_vec(),
            // Validation guarantees n ≥ 1 and an exponent in [0, 10].
            keys: zipf.map(|(n, s)| ZipfSampler::new(n, s)),
            rng,
        }
    }

    #[inline]
    pub fn draw(&mut self) -> RequestDraw {
        if let Some(draw) = self.constant {
            return draw;
        }
        let u = random::uniform(&mut self.rng);
        let last = self.classes.len() - 1;
        let class = self
            .cumulative_shares
            .iter()
            .position(|&c| u < c)
            .unwrap_or(last);
        let spec = &self.classes[class];
        let input_tokens = random::tokens(&spec.input_tokens, &mut self.rng);
        let output_tokens = random::tokens(&spec.output_tokens, &mut self.rng);
        let key = match &self.keys {
            Some(z) => z.sample(&mut self.rng),
            None => 0,
        };
        RequestDraw {
            class: class as u8,
            input_tokens,
            output_tokens,
            key,
            prompt: crate::sim::prompts::NO_PROMPT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{DAY_US, HOUR_US};
    use crate::model::{Burst, Diurnal, Recurrence, Weekly, Workload};

    fn workload() -> Workload {
        Workload {
            users: 1.0,
            requests_per_user_per_day: 1.0,
            horizon: SimTime(14 * SimTime::DAY.0),
            warmup: SimTime::ZERO,
            diurnal: Some(Diurnal {
                peak_to_trough: 4.0,
                peak_hour: 14.0,
            }),
            weekly: Some(Weekly {
                weekend_factor: 0.5,
            }),
            bursts: vec![Burst {
                start: SimTime(3 * SimTime::DAY.0),
                duration: SimTime::HOUR,
                multiplier: 5.0,
                repeats: Recurrence::Once,
            }],
            classes: vec![],
            keys: None,
            growth: None,
            trace: None,
        }
    }

    #[test]
    fn shape_has_the_declared_peak_trough_and_weekly_mean() {
        let shape = RateShape::new(&workload());
        let monday_peak = shape.factor(14.0 * HOUR_US);
        let monday_trough = shape.factor(2.0 * HOUR_US);
        assert!((monday_peak / monday_trough - 4.0).abs() < 1e-9);
        // Mean over a week without the burst day is 1.
        let n = 7 * 24 * 60;
        let mean: f64 = (0..n)
            .map(|i| {
                let t = (7.0 * DAY_US) + i as f64 * 60e6;
                shape.factor(t)
            })
            .sum::<f64>()
            / n as f64;
        assert!((mean - 1.0).abs() < 1e-3, "{mean}");
    }

    #[test]
    fn the_bound_covers_the_rate_everywhere() {
        let shape = RateShape::new(&workload());
        let mut t = 0.0;
        while t < 7.0 * DAY_US {
            let end = shape.segment_end(t);
            let bound = shape.bound(t, end);
            for k in 0..=20 {
                let x = t + (end - t) * k as f64 / 20.0 * 0.999_999;
                assert!(shape.factor(x) <= bound * (1.0 + 1e-12), "at {x}");
            }
            t = end;
        }
    }

    /// The squeeze decides without the cosine but must decide the same: the arrival
    /// times with and without it are identical, over two weeks with a daily cycle, a
    /// weekly one and a burst, at a rate where a candidate falls within a second of a
    /// peak or a segment edge thousands of times.
    #[test]
    fn the_squeeze_changes_no_arrival() {
        let rate = 2_000_000.0 / DAY_US;
        let run = |squeeze: bool| {
            let mut a = Arrivals::new(
                RateShape::new(&workload()),
                rate,
                SimTime(14 * SimTime::DAY.0),
                random::stream(9, 1.0, 0, random::ARRIVALS),
            );
            a.use_squeeze = squeeze;
            std::iter::from_fn(move || a.next_arrival()).collect::<Vec<_>>()
        };
        let (with, without) = (run(true), run(false));
        assert!(with.len() > 20_000_000, "{}", with.len());
        assert!(with == without, "the squeeze changed the arrivals");
    }

    #[test]
    fn arrivals_per_hour_follow_the_shape() {
        // 50,000 requests a day: each hour bin holds hundreds, so 10% is > 3 standard errors.
        let w = Workload {
            diurnal: Some(Diurnal {
                peak_to_trough: 3.0,
                peak_hour: 12.0,
            }),
            weekly: None,
            bursts: vec![],
            ..workload()
        };
        let rate = 50_000.0 / DAY_US;
        let mut arrivals = Arrivals::new(
            RateShape::new(&w),
            rate,
            SimTime(7 * SimTime::DAY.0),
            random::stream(3, 1.0, 0, random::ARRIVALS),
        );
        let mut per_hour = [0f64; 24];
        let mut total = 0.0f64;
        while let Some(t) = arrivals.next_arrival() {
            per_hour[((t.0 as f64 / HOUR_US) as usize) % 24] += 1.0;
            total += 1.0;
        }
        assert!((total / 7.0 / 50_000.0 - 1.0).abs() < 0.01, "{total}");
        let shape = RateShape::new(&w);
        for (h, count) in per_hour.iter().enumerate() {
            let expected: f64 = (0..60)
                .map(|m| shape.factor(h as f64 * HOUR_US + (m as f64 + 0.5) * 60e6))
                .sum::<f64>()
                / 60.0
                * rate
                * HOUR_US
                * 7.0;
            assert!(
                (count / expected - 1.0).abs() < 0.1,
                "hour {h}: {count} vs {expected}"
            );
        }
    }
}
