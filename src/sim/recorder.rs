//! Splits the measured window, as it is simulated, into the kinds of hour a calendar
//! month is made of, with every burst (and the settling after it) apart.
//!
//! Each closed hour of the timeline, cut at the end of the warm-up, goes to one slice:
//! the burst group whose span it overlaps, or else the cell of its hour. The economics
//! then weighs the cells by how often they occur in a month and counts each burst as
//! often as it recurs.

use crate::calendar::Cells;
use crate::metrics::{BurstSlice, Calendar, Slice, TierAccum};
use crate::model::{Scaling, Scenario, TierKind};
use crate::time::SimTime;

/// Counts of the measured cohort at a boundary: offered, served, failed, served tokens.
#[derive(Clone, Copy, Debug, Default)]
pub struct CohortMark {
    pub offered: u64,
    pub served: u64,
    pub failed: u64,
    pub served_tokens: u64,
}

pub struct CalendarRecorder {
    cells: Cells,
    calendar: Calendar,
    last: CohortMark,
}

impl CalendarRecorder {
    pub fn new(scenario: &Scenario) -> CalendarRecorder {
        let cells = Cells::of(scenario.workload());
        let n_tiers = scenario.tiers().len();
        let bursts = burst_groups(scenario)
            .into_iter()
            .map(|(bursts, start, end)| BurstSlice {
                bursts,
                start,
                end,
                slice: Slice::new(n_tiers),
                cell_hours: vec![0.0; cells.count()],
            })
            .collect();
        CalendarRecorder {
            cells,
            calendar: Calendar {
                cells: vec![Slice::new(n_tiers); cells.count()],
                bursts,
            },
            last: CohortMark::default(),
        }
    }

    /// The slice that holds time `t`.
    pub fn slice_at(&mut self, t: SimTime) -> &mut Slice {
        self.slice_for(t, t.plus(SimTime(1)))
    }

    fn slice_for(&mut self, from: SimTime, to: SimTime) -> &mut Slice {
        let cell = self.cells.of_time(from);
        match self
            .calendar
            .bursts
            .iter()
            .position(|b| from < b.end && b.start < to)
        {
            Some(g) => &mut self.calendar.bursts[g].slice,
            None => &mut self.calendar.cells[cell],
        }
    }

    /// Books the measured stretch `[from, to)` (within one hour): each tier's totals
    /// accumulated in it and the cohort's counts now.
    pub fn record(&mut self, from: SimTime, to: SimTime, tiers: &[TierAccum], cohort: CohortMark) {
        let hours = to.minus(from).as_hours_f64();
        let cell = self.cells.of_time(from);
        if let Some(b) = self
            .calendar
            .bursts
            .iter_mut()
            .find(|b| from < b.end && b.start < to)
        {
            b.cell_hours[cell] += hours;
        }
        let last = self.last;
        let slice = self.slice_for(from, to);
        slice.hours += hours;
        slice.offered += cohort.offered - last.offered;
        slice.served += cohort.served - last.served;
        slice.failed += cohort.failed - last.failed;
        slice.served_tokens += cohort.served_tokens - last.served_tokens;
        for (s, a) in slice.tiers.iter_mut().zip(tiers) {
            s.add(a);
        }
        self.last = cohort;
    }

    pub fn finish(self) -> Calendar {
        self.calendar
    }
}

/// Longest the system is taken to need to settle after a burst.
const MAX_SETTLE: SimTime = SimTime::DAY;

/// How long after a burst its effects last: autoscaled pools step back down one
/// `max_step` per scale-in cooldown, so the slowest takes that many cooldowns (plus a
/// start-up and an evaluation); queues and retries drain within the hour. Rounded up
/// to whole hours, at least one, at most a day.
pub fn settle_after_burst(scenario: &Scenario) -> SimTime {
    let mut settle = SimTime::HOUR;
    for tier in scenario.tiers() {
        if let TierKind::SelfHosted(s) = &tier.kind
            && let Scaling::Auto(rule) = s.scaling
        {
            let steps = (rule.max - rule.min).div_ceil(rule.max_step.max(1)) as u64;
            let t = SimTime(
                rule.scale_in_cooldown
                    .0
                    .saturating_mul(steps)
                    .saturating_add(rule.startup_delay.0)
                    .saturating_add(rule.interval.0),
            );
            settle = settle.max(t);
        }
    }
    let hours = settle.0.div_ceil(SimTime::HOUR.0);
    SimTime(hours * SimTime::HOUR.0).min(MAX_SETTLE)
}

/// Bursts whose spans (start to end plus settling) overlap, merged: (their indices,
/// span start, span end), in time order.
pub fn burst_groups(scenario: &Scenario) -> Vec<(Vec<usize>, SimTime, SimTime)> {
    let settle = settle_after_burst(scenario);
    let mut spans: Vec<(usize, SimTime, SimTime)> = scenario
        .workload()
        .bursts
        .iter()
        .enumerate()
        .map(|(i, b)| (i, b.start, b.start.plus(b.duration).plus(settle)))
        .collect();
    spans.sort_by_key(|&(i, start, _)| (start, i));
    let mut groups: Vec<(Vec<usize>, SimTime, SimTime)> = Vec::new();
    for (i, start, end) in spans {
        match groups.last_mut() {
            Some(g) if start < g.2 => {
                g.0.push(i);
                g.2 = g.2.max(end);
            }
            _ => groups.push((vec![i], start, end)),
        }
    }
    groups
}
