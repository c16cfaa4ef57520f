//! The calendar a simulated window lies on: the shape of the load over days and
//! weeks, and the kinds of hour a month is made of.
//!
//! Day 0 of a run is a Monday and starts at 00:00. A 30-day month holds weekdays and
//! weekend days in their 5:2 proportion; its hours fall into *cells*: the hour of the
//! day (when a diurnal cycle is declared) of a weekday or a weekend day (when a weekly
//! cycle is declared). Hours of one cell see the same load, so the measured hours of a
//! cell stand for every hour of that cell in a month.

use crate::model::{Diurnal, Workload};
use crate::time::SimTime;

pub(crate) const SEGMENT_US: f64 = 15.0 * 60.0 * 1e6;
pub(crate) const DAY_US: f64 = 86_400e6;
pub(crate) const HOUR_US: f64 = 3_600e6;
/// Days in the month every monthly figure is the expectation over.
pub const DAYS_PER_MONTH: f64 = 30.0;
/// Weekdays and weekend days in a 30-day month, in their 5:2 proportion.
pub const WEEKDAYS_PER_MONTH: f64 = DAYS_PER_MONTH * 5.0 / 7.0;
pub const WEEKEND_DAYS_PER_MONTH: f64 = DAYS_PER_MONTH * 2.0 / 7.0;

/// How the hours of a month are told apart for a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cells {
    /// Weekdays and weekend days apart (a weekly cycle is declared).
    pub weekly: bool,
    /// Each hour of the day apart (a diurnal cycle is declared).
    pub diurnal: bool,
}

impl Cells {
    pub fn of(workload: &Workload) -> Cells {
        Cells {
            weekly: workload.weekly.is_some(),
            diurnal: workload.diurnal.is_some(),
        }
    }

    fn hours_per_day(self) -> usize {
        if self.diurnal { 24 } else { 1 }
    }

    /// Number of cells.
    pub fn count(self) -> usize {
        self.hours_per_day() * if self.weekly { 2 } else { 1 }
    }

    /// The cell of the hour that holds time `t`.
    pub fn of_time(self, t: SimTime) -> usize {
        let hour = (t.0 / SimTime::HOUR.0) as usize;
        let day = hour / 24;
        let weekend = self.weekly && is_weekend(day as u64);
        let in_day = if self.diurnal { hour % 24 } else { 0 };
        usize::from(weekend) * self.hours_per_day() + in_day
    }

    /// Whether cell `c` is a weekend cell.
    pub fn is_weekend_cell(self, c: usize) -> bool {
        self.weekly && c >= self.hours_per_day()
    }

    /// Hour of the day of cell `c` (0 when hours are not told apart).
    pub fn hour_of_cell(self, c: usize) -> usize {
        c % self.hours_per_day()
    }

    /// Hours of cell `c` in a 30-day month.
    pub fn hours_per_month(self, c: usize) -> f64 {
        let days = match (self.weekly, self.is_weekend_cell(c)) {
            (false, _) => DAYS_PER_MONTH,
            (true, false) => WEEKDAYS_PER_MONTH,
            (true, true) => WEEKEND_DAYS_PER_MONTH,
        };
        days * (24 / self.hours_per_day()) as f64
    }

    /// Hours of cell `c` in one day of the given kind (0 when the cell is of the other).
    pub fn hours_per_day_of(self, c: usize, weekend: bool) -> f64 {
        if self.weekly && self.is_weekend_cell(c) != weekend {
            return 0.0;
        }
        (24 / self.hours_per_day()) as f64
    }

    /// Describes cell `c` for messages: "weekday 14:00–15:00", "weekend days".
    pub fn describe(self, c: usize) -> String {
        let day = match (self.weekly, self.is_weekend_cell(c)) {
            (false, _) => "any day",
            (true, false) => "weekday",
            (true, true) => "weekend day",
        };
        if self.diurnal {
            let h = self.hour_of_cell(c);
            format!("{day} {h:02}:00–{:02}:00", h + 1)
        } else {
            format!("{day} hours")
        }
    }
}

/// Whether day `day` of a run (day 0 a Monday) is a Saturday or a Sunday.
pub fn is_weekend(day: u64) -> bool {
    day % 7 >= 5
}

/// Arrival-rate factor over time: diurnal × weekly × bursts, mean 1 without bursts.
#[derive(Clone, Debug)]
pub struct RateShape {
    /// Diurnal amplitude `a` and the peak's offset within the day, in µs.
    diurnal: Option<(f64, f64)>,
    /// Factors for weekdays and weekend days, normalised to a weekly mean of 1.
    weekday: f64,
    weekend: f64,
    /// (start µs, end µs, multiplier).
    bursts: Vec<(f64, f64, f64)>,
}

impl RateShape {
    pub fn new(workload: &Workload) -> RateShape {
        let diurnal = workload.diurnal.map(
            |Diurnal {
                 peak_to_trough,
                 peak_hour,
             }| {
                (
                    (peak_to_trough - 1.0) / (peak_to_trough + 1.0),
                    peak_hour * HOUR_US,
                )
            },
        );
        let (weekday, weekend) = match workload.weekly {
            Some(w) => {
                let norm = 7.0 / (5.0 + 2.0 * w.weekend_factor);
                (norm, w.weekend_factor * norm)
            }
            None => (1.0, 1.0),
        };
        let bursts = workload
            .bursts
            .iter()
            .map(|b| {
                (
                    b.start.0 as f64,
                    b.start.plus(b.duration).0 as f64,
                    b.multiplier,
                )
            })
            .collect();
        RateShape {
            diurnal,
            weekday,
            weekend,
            bursts,
        }
    }

    fn diurnal_at(&self, t: f64) -> f64 {
        match self.diurnal {
            Some((a, peak)) => 1.0 + a * (std::f64::consts::TAU * (t - peak) / DAY_US).cos(),
            None => 1.0,
        }
    }

    fn weekly_at(&self, t: f64) -> f64 {
        let day = (t / DAY_US).floor() as i64;
        if day.rem_euclid(7) >= 5 {
            self.weekend
        } else {
            self.weekday
        }
    }

    fn bursts_at(&self, t: f64) -> f64 {
        self.bursts
            .iter()
            .filter(|(s, e, _)| *s <= t && t < *e)
            .map(|(_, _, m)| m)
            .product()
    }

    /// Whether the factor is 1 at every time: no cycle moves the rate and no burst.
    pub fn is_flat(&self) -> bool {
        self.diurnal.is_none()
            && self.weekday == 1.0
            && self.weekend == 1.0
            && self.bursts.is_empty()
    }

    /// The rate factor at time `t` (µs).
    pub fn factor(&self, t: f64) -> f64 {
        self.diurnal_at(t) * self.weekly_at(t) * self.bursts_at(t)
    }

    /// End of the segment that starts at `t`: the next 15-minute mark or burst edge.
    pub fn segment_end(&self, t: f64) -> f64 {
        let mut end = ((t / SEGMENT_US).floor() + 1.0) * SEGMENT_US;
        for &(s, e, _) in &self.bursts {
            if s > t && s < end {
                end = s;
            }
            if e > t && e < end {
                end = e;
            }
        }
        end
    }

    /// An upper bound of the factor on [start, end), tight for short segments.
    pub fn bound(&self, start: f64, end: f64) -> f64 {
        let diurnal_max = match self.diurnal {
            Some((a, peak)) => {
                // The cosine is monotone between its peak and trough, so on a segment
                // shorter than half a day its maximum is at an end or at a peak inside.
                let next_peak = start + (peak - start).rem_euclid(DAY_US);
                if next_peak < end {
                    1.0 + a
                } else {
                    self.diurnal_at(start).max(self.diurnal_at(end))
                }
            }
            None => 1.0,
        };
        // Weekly and burst factors are constant within a segment by construction.
        let mid = (start + end) / 2.0;
        diurnal_max * self.weekly_at(mid) * self.bursts_at(mid)
    }
}

/// Half-width of the guard around the points where the factor may reach its bound, µs.
pub(crate) const GUARD_US: f64 = 1e6;

/// What the thinning of one segment may decide without the cosine: a floor under the
/// factor, and the instants near which it may equal its bound.
#[derive(Clone, Copy, Debug)]
pub struct Squeeze {
    /// The factor is above this everywhere in the segment, by a margin far beyond
    /// rounding.
    pub floor: f64,
    /// The segment's ends and the diurnal peak inside it (or NaN): the factor can only
    /// equal the bound within [`GUARD_US`] of one of them.
    pub guards: [f64; 3],
}

impl RateShape {
    /// A floor for the factor on `[start, end)` (a segment: no burst edge or day
    /// boundary inside), and where it may touch its bound; `None` when the diurnal
    /// swing is too small for the guard's argument (or absent: then the factor is
    /// constant in the segment and needs no cosine anyway).
    ///
    /// Why the guard is enough: one second from the cosine's peak it is below it by
    /// a·(1 - cos(2π·1 s/day)) ≈ 2.6e-9·a, and further away by more; that is far above
    /// the few ulps a product of three factors is rounded by once a ≥ 1e-3. Away from
    /// the ends and the peak, the factor is therefore strictly below the bound, as
    /// computed, and the thinning test reaches its uniform draw, as it would with the
    /// cosine evaluated.
    pub fn squeeze(&self, start: f64, end: f64) -> Option<Squeeze> {
        let (a, peak) = self.diurnal?;
        if a < 1e-3 {
            return None;
        }
        let next_peak = start + (peak - start).rem_euclid(DAY_US);
        let trough = peak + DAY_US / 2.0;
        let next_trough = start + (trough - start).rem_euclid(DAY_US);
        let diurnal_min = if next_trough < end {
            1.0 - a
        } else {
            self.diurnal_at(start).min(self.diurnal_at(end))
        };
        let mid = (start + end) / 2.0;
        Some(Squeeze {
            floor: diurnal_min * self.weekly_at(mid) * self.bursts_at(mid) * (1.0 - 1e-9),
            guards: [
                start,
                end,
                if next_peak < end { next_peak } else { f64::NAN },
            ],
        })
    }
}

impl RateShape {
    /// The factor's integral over `[start, end)` µs, exact: the diurnal cosine in closed
    /// form, the weekly and burst factors constant between day boundaries and burst
    /// edges. The expected arrivals of a run are this times the mean rate.
    pub fn integral(&self, start: f64, end: f64) -> f64 {
        let mut cuts: Vec<f64> = self
            .bursts
            .iter()
            .flat_map(|&(s, e, _)| [s, e])
            .filter(|&t| t > start && t < end)
            .collect();
        let first_day = (start / DAY_US).floor() as i64 + 1;
        let last_day = (end / DAY_US).ceil() as i64;
        cuts.extend((first_day..last_day).map(|d| d as f64 * DAY_US));
        cuts.push(start);
        cuts.push(end);
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        cuts.windows(2)
            .map(|w| {
                let mid = (w[0] + w[1]) / 2.0;
                self.diurnal_integral(w[0], w[1]) * self.weekly_at(mid) * self.bursts_at(mid)
            })
            .sum()
    }

    fn diurnal_integral(&self, s: f64, e: f64) -> f64 {
        match self.diurnal {
            Some((a, peak)) => {
                let w = std::f64::consts::TAU / DAY_US;
                (e - s) + a / w * ((w * (e - peak)).sin() - (w * (s - peak)).sin())
            }
            None => e - s,
        }
    }

    /// The largest product of bursts in force at once, and the bursts (indices) that
    /// give it; `(1.0, [])` without bursts.
    pub fn peak_bursts(&self) -> (f64, Vec<usize>) {
        // The product only rises where a burst starts, so its maximum is at a start.
        let mut best = (1.0, Vec::new());
        for &(s, _, _) in &self.bursts {
            let on: Vec<usize> = (0..self.bursts.len())
                .filter(|&i| self.bursts[i].0 <= s && s < self.bursts[i].1)
                .collect();
            let product: f64 = on.iter().map(|&i| self.bursts[i].2).product();
            if product > best.0 {
                best = (product, on);
            }
        }
        best
    }

    /// The largest factor at any time: the diurnal peak × the busier kind of day × the
    /// largest product of bursts.
    pub fn peak(&self) -> f64 {
        let diurnal = self.diurnal.map(|(a, _)| 1.0 + a).unwrap_or(1.0);
        diurnal * self.weekday.max(self.weekend) * self.peak_bursts().0
    }
}

impl RateShape {
    /// The mean rate factor over cell `c` of `cells`, without bursts: what an hour of
    /// that cell receives relative to the mean hour.
    pub fn cell_factor(&self, cells: Cells, c: usize) -> f64 {
        let weekly = if cells.is_weekend_cell(c) {
            self.weekend
        } else if cells.weekly {
            self.weekday
        } else {
            1.0
        };
        let diurnal = if cells.diurnal {
            // The mean of the cosine over the hour, at minute resolution: exact enough
            // for a factor that only ranks cells and fills missing ones.
            let h = cells.hour_of_cell(c) as f64 * HOUR_US;
            (0..60)
                .map(|m| self.diurnal_at(h + (m as f64 + 0.5) * 60e6))
                .sum::<f64>()
                / 60.0
        } else {
            1.0
        };
        weekly * diurnal
    }
}
