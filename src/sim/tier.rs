//! State of the tiers during a run: self-hosted instance pools and rate-limited APIs.
//!
//! These types hold and update state; the decisions about what happens next (which
//! event to schedule) stay in the simulation loop in `sim/mod.rs`.

use std::collections::VecDeque;

use crate::metrics::TierAccum;
use crate::model::{Api, SelfHosted};
use crate::sim::random::SimRng;
use crate::time::SimTime;

/// A request as it moves through the system; small and `Copy`, never allocated.
#[derive(Clone, Copy, Debug)]
pub struct Req {
    pub arrival: SimTime,
    /// When the request reached its current tier (for waits and time in tier).
    pub entered_tier: SimTime,
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// Throttled attempts so far at the current API tier.
    pub attempts: u8,
    /// The client gave up before this request's service ended.
    pub timed_out: bool,
    /// Arrived after the warm-up, so its outcome counts.
    pub measured: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceState {
    Starting,
    Serving,
    Draining,
    Stopped,
}

#[derive(Clone, Copy, Debug)]
pub struct Instance {
    pub state: InstanceState,
    pub busy: u32,
    pub launched: SimTime,
    /// Distinguishes reuses of the same slot so a stale "ready" event is ignored.
    pub generation: u32,
}

/// A self-hosted pool: instances with `concurrency` slots each and one FIFO queue.
pub struct Pool {
    pub spec: SelfHosted,
    pub instances: Vec<Instance>,
    /// Indices of stopped instances, reused before growing `instances`.
    pub stopped: Vec<u32>,
    /// One entry per free slot on a serving instance.
    pub free_slots: Vec<u32>,
    pub queue: VecDeque<Req>,
    pub busy: u32,
    pub serving: u32,
    pub starting: u32,
    pub alive: u32,
    /// A timeout check is scheduled (at most one at a time).
    pub purge_scheduled: bool,
    pub last_scale_out: Option<SimTime>,
    pub last_change: Option<SimTime>,
    /// ∫ (busy + queued) dt at the last autoscaler evaluation.
    pub load_area_at_tick: f64,
    /// Requests shed up to the last autoscaler evaluation.
    pub shed_at_tick: u64,
    /// Mean service time expected before any request has been served, µs.
    pub expected_service_us: f64,
    /// Requests still in service on draining instances.
    pub draining_busy: u32,
}

impl Pool {
    pub fn new(spec: SelfHosted) -> Pool {
        Pool {
            spec,
            instances: Vec::new(),
            stopped: Vec::new(),
            free_slots: Vec::new(),
            queue: VecDeque::new(),
            busy: 0,
            serving: 0,
            starting: 0,
            alive: 0,
            purge_scheduled: false,
            last_scale_out: None,
            last_change: None,
            load_area_at_tick: 0.0,
            shed_at_tick: 0,
            expected_service_us: 0.0,
            draining_busy: 0,
        }
    }

    /// Adds an instance in the Starting state; returns its index and generation.
    pub fn launch(&mut self, now: SimTime) -> (u32, u32) {
        let id = match self.stopped.pop() {
            Some(id) => {
                let inst = &mut self.instances[id as usize];
                inst.state = InstanceState::Starting;
                inst.busy = 0;
                inst.launched = now;
                inst.generation += 1;
                id
            }
            None => {
                self.instances.push(Instance {
                    state: InstanceState::Starting,
                    busy: 0,
                    launched: now,
                    generation: 0,
                });
                (self.instances.len() - 1) as u32
            }
        };
        self.starting += 1;
        self.alive += 1;
        (id, self.instances[id as usize].generation)
    }

    /// Starting → Serving: its slots become free.
    pub fn make_ready(&mut self, id: u32) {
        self.instances[id as usize].state = InstanceState::Serving;
        self.starting -= 1;
        self.serving += 1;
        for _ in 0..self.spec.concurrency {
            self.free_slots.push(id);
        }
    }

    /// Takes one free slot, if any.
    #[inline]
    pub fn take_slot(&mut self) -> Option<u32> {
        let id = self.free_slots.pop()?;
        self.instances[id as usize].busy += 1;
        self.busy += 1;
        Some(id)
    }

    /// Ends a service on instance `id`; returns whether that instance still serves.
    #[inline]
    pub fn release_busy(&mut self, id: u32) -> bool {
        let inst = &mut self.instances[id as usize];
        inst.busy -= 1;
        self.busy -= 1;
        if inst.state == InstanceState::Draining {
            self.draining_busy -= 1;
        }
        inst.state == InstanceState::Serving
    }

    /// Stops an instance and returns the time it was alive.
    pub fn stop(&mut self, id: u32, now: SimTime) -> SimTime {
        let inst = &mut self.instances[id as usize];
        match inst.state {
            InstanceState::Starting => self.starting -= 1,
            InstanceState::Serving => self.serving -= 1,
            InstanceState::Draining | InstanceState::Stopped => {}
        }
        inst.state = InstanceState::Stopped;
        self.alive -= 1;
        self.stopped.push(id);
        now.minus(inst.launched)
    }

    /// Serving → Draining: takes no new work; returns whether it is already idle.
    pub fn drain(&mut self, id: u32) -> bool {
        self.instances[id as usize].state = InstanceState::Draining;
        self.serving -= 1;
        self.free_slots.retain(|&slot| slot != id);
        self.draining_busy += self.instances[id as usize].busy;
        self.instances[id as usize].busy == 0
    }

    /// Instances to retire, cheapest to lose first: those still starting (newest
    /// first), then serving ones with the fewest requests in hand.
    pub fn retirement_order(&self) -> Vec<u32> {
        let mut starting: Vec<u32> = (0..self.instances.len() as u32)
            .filter(|&i| self.instances[i as usize].state == InstanceState::Starting)
            .collect();
        starting.sort_by_key(|&i| std::cmp::Reverse(self.instances[i as usize].launched));
        let mut serving: Vec<u32> = (0..self.instances.len() as u32)
            .filter(|&i| self.instances[i as usize].state == InstanceState::Serving)
            .collect();
        serving.sort_by_key(|&i| (self.instances[i as usize].busy, i));
        starting.into_iter().chain(serving).collect()
    }

    pub fn in_system(&self) -> u32 {
        self.busy + self.queue.len() as u32
    }
}

/// A paid API with a token-bucket rate limit.
pub struct ApiState {
    pub spec: Api,
    /// Tokens in the bucket at `refilled_at`.
    pub bucket: f64,
    pub refilled_at: SimTime,
    /// Requests in the tier: in a call or backing off before a retry.
    pub in_system: u32,
}

impl ApiState {
    pub fn new(spec: Api) -> ApiState {
        let bucket = spec.rate_limit.map(|r| r.burst).unwrap_or(0.0);
        ApiState {
            spec,
            bucket,
            refilled_at: SimTime::ZERO,
            in_system: 0,
        }
    }

    /// Takes a token for a call at `now`; false when the rate limit refuses it.
    pub fn admit(&mut self, now: SimTime) -> bool {
        let Some(limit) = self.spec.rate_limit else {
            return true;
        };
        let per_us = limit.requests_per_minute / 60e6;
        let elapsed = now.minus(self.refilled_at).0 as f64;
        self.bucket = (self.bucket + elapsed * per_us).min(limit.burst);
        self.refilled_at = now;
        if self.bucket >= 1.0 {
            self.bucket -= 1.0;
            true
        } else {
            false
        }
    }
}

pub enum TierState {
    Pool(Pool),
    Api(ApiState),
}

/// A tier during a run: its state, its random stream and its running totals.
pub struct TierRun {
    pub state: TierState,
    /// Service times and API latencies.
    pub rng: SimRng,
    /// Escalation draws and retry jitter, apart from `rng` so that changing an
    /// escalation share does not shift every later service time.
    pub decisions: SimRng,
    pub accum: TierAccum,
    /// Last time the time integrals were brought up to date.
    pub updated_at: SimTime,
    pub peak_alive: u32,
    /// Most instances alive in the current hour of the timeline.
    pub hour_peak_alive: u32,
    /// The autoscaler wanted more than max in the current hour.
    pub hour_at_max: bool,
    pub first_at_max: Option<SimTime>,
}

impl TierRun {
    /// Brings the time integrals up to `now`; call before any change of state.
    #[inline]
    pub fn advance(&mut self, now: SimTime) {
        let dt = now.minus(self.updated_at).0 as f64;
        if dt > 0.0 {
            let a = &mut self.accum;
            match &self.state {
                TierState::Pool(p) => {
                    a.busy_area += p.busy as f64 * dt;
                    // Draining instances still hold the slots their last requests use,
                    // so utilisation stays within [0, 1].
                    a.capacity_area +=
                        (p.serving * p.spec.concurrency + p.draining_busy) as f64 * dt;

                    a.queue_area += p.queue.len() as f64 * dt;
                    a.in_system_area += p.in_system() as f64 * dt;
                    a.alive_area += p.alive as f64 * dt;
                }
                TierState::Api(api) => {
                    a.in_system_area += api.in_system as f64 * dt;
                }
            }
            self.updated_at = now;
        }
    }
}
