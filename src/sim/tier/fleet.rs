//! The instances of a self-hosted tier, whatever they serve with: their life (starting,
//! serving, draining, stopped), what they are bought as (committed, on demand, spot),
//! what they cost as they live and when they stop, and the autoscaler's bookkeeping.
//!
//! A tier kind keeps its own per-instance work (slots, a batch) in step with the
//! instance indices the fleet hands out, and asks the fleet to launch, ready, drain and
//! stop them.

use super::autoscaler::{self, Decision};
use super::{Cx, TierEvent, Wrap};
use crate::metrics::TierAccum;
use crate::model::{Autoscaling, Billing, Purchase};
use crate::sim::random::{self, SimRng};
use crate::time::SimTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceState {
    Starting,
    Serving,
    Draining,
    Stopped,
}

/// How an instance is paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bought {
    /// Covered by a commitment paid whether used or not: nothing more to pay for it.
    Committed,
    OnDemand,
    /// Cheaper, but the provider takes it back after a random time.
    Spot,
}

#[derive(Clone, Copy, Debug)]
pub struct Instance {
    pub state: InstanceState,
    pub launched: SimTime,
    /// Distinguishes reuses of the same index so a stale event is ignored.
    pub generation: u32,
    pub bought: Bought,
    /// A spot instance warned it will be taken back: it no longer counts toward the
    /// spot cap, so a replacement may be spot too.
    pub noticed: bool,
}

/// What a tier's instances cost and how they may be bought.
#[derive(Clone, Copy, Debug)]
pub struct Prices {
    pub on_demand_per_hour: f64,
    pub billing: Billing,
    pub purchase: Purchase,
}

pub struct Fleet {
    pub instances: Vec<Instance>,
    /// Indices of stopped instances, reused before growing `instances`.
    stopped: Vec<u32>,
    pub serving: u32,
    pub starting: u32,
    pub alive: u32,
    /// Alive instances by how they were bought: committed, on demand, spot.
    alive_bought: [u32; 3],
    /// Spot instances alive and not yet warned.
    spot_unwarned: u32,
    prices: Prices,
    /// What the fleet costs per µs as it is now, kept as instances come and go because
    /// the time integrals read it at every event.
    spend_per_us: f64,
    last_scale_out: Option<SimTime>,
    last_change: Option<SimTime>,
    /// The tier's load integral at the last autoscaler evaluation.
    load_area_at_tick: f64,
    /// Requests shed up to the last autoscaler evaluation.
    shed_at_tick: u64,
    pub peak_alive: u32,
    /// Most instances alive in the current hour of the timeline.
    pub hour_peak_alive: u32,
    /// The autoscaler wanted more than max in the current hour.
    pub hour_at_max: bool,
    pub first_at_max: Option<SimTime>,
}

impl Fleet {
    pub fn new(prices: Prices) -> Fleet {
        let mut fleet = Fleet {
            instances: Vec::new(),
            stopped: Vec::new(),
            serving: 0,
            starting: 0,
            alive: 0,
            alive_bought: [0; 3],
            spot_unwarned: 0,
            prices,
            spend_per_us: 0.0,
            last_scale_out: None,
            last_change: None,
            load_area_at_tick: 0.0,
            shed_at_tick: 0,
            peak_alive: 0,
            hour_peak_alive: 0,
            hour_at_max: false,
            first_at_max: None,
        };
        fleet.spend_per_us = fleet.compute_spend_per_us();
        fleet
    }

    fn slot(b: Bought) -> usize {
        match b {
            Bought::Committed => 0,
            Bought::OnDemand => 1,
            Bought::Spot => 2,
        }
    }

    /// How the next launch is bought: under the commitment while it has room, then spot
    /// up to its cap, then on demand.
    fn next_bought(&self) -> Bought {
        let p = &self.prices.purchase;
        if self.alive_bought[0] < p.committed.map_or(0, |c| c.instances) {
            Bought::Committed
        } else if self.spot_unwarned < p.spot.map_or(0, |s| s.max_instances) {
            Bought::Spot
        } else {
            Bought::OnDemand
        }
    }

    /// Adds an instance in the Starting state; returns its index, generation and how it
    /// is bought.
    pub fn launch(&mut self, now: SimTime) -> (u32, u32, Bought) {
        let bought = self.next_bought();
        let id = match self.stopped.pop() {
            Some(id) => {
                let inst = &mut self.instances[id as usize];
                inst.state = InstanceState::Starting;
                inst.launched = now;
                inst.generation += 1;
                inst.bought = bought;
                inst.noticed = false;
                id
            }
            None => {
                self.instances.push(Instance {
                    state: InstanceState::Starting,
                    launched: now,
                    generation: 0,
                    bought,
                    noticed: false,
                });
                (self.instances.len() - 1) as u32
            }
        };
        self.starting += 1;
        self.alive += 1;
        self.alive_bought[Self::slot(bought)] += 1;
        if bought == Bought::Spot {
            self.spot_unwarned += 1;
        }
        self.peak_alive = self.peak_alive.max(self.alive);
        self.hour_peak_alive = self.hour_peak_alive.max(self.alive);
        self.spend_per_us = self.compute_spend_per_us();
        (id, self.instances[id as usize].generation, bought)
    }

    /// Starting → Serving.
    pub fn make_ready(&mut self, id: u32) {
        self.instances[id as usize].state = InstanceState::Serving;
        self.starting -= 1;
        self.serving += 1;
    }

    /// Serving → Draining: takes no new work.
    pub fn drain(&mut self, id: u32) {
        let inst = &mut self.instances[id as usize];
        if inst.state == InstanceState::Serving {
            inst.state = InstanceState::Draining;
            self.serving -= 1;
        }
    }

    /// Stops an instance and books the billed time beyond its life (rounding, minimum,
    /// for what is not under a commitment): in the hour it stops for the timeline, and to
    /// its launch for the month. `preempted` instances are billed to the moment they
    /// were taken back, without a minimum.
    pub fn stop<E: Wrap>(
        &mut self,
        id: u32,
        now: SimTime,
        preempted: bool,
        accum: &mut TierAccum,
        cx: &mut Cx<E>,
    ) {
        let spot_price = self.spot_price();
        let inst = &mut self.instances[id as usize];
        match inst.state {
            InstanceState::Starting => self.starting -= 1,
            InstanceState::Serving => self.serving -= 1,
            InstanceState::Draining | InstanceState::Stopped => {}
        }
        inst.state = InstanceState::Stopped;
        self.alive -= 1;
        self.alive_bought[Self::slot(inst.bought)] -= 1;
        if inst.bought == Bought::Spot && !inst.noticed {
            self.spot_unwarned -= 1;
        }
        self.stopped.push(id);
        self.spend_per_us = self.compute_spend_per_us();
        let inst = &self.instances[id as usize];
        let price = match inst.bought {
            Bought::Committed => return,
            Bought::OnDemand => self.prices.on_demand_per_hour,
            Bought::Spot => spot_price,
        };
        if preempted {
            return;
        }
        let launched = inst.launched;
        let alive = now.minus(launched);
        let billed = self.prices.billing.billed(alive);
        let extra = billed.minus(alive).0 as f64;
        let money = extra / 3.6e9 * price;
        accum.extra_billed_us += extra;
        accum.extra_spend += money;
        cx.billed_extra(launched, extra, money);
    }

    fn spot_price(&self) -> f64 {
        self.prices
            .purchase
            .spot
            .map_or(self.prices.on_demand_per_hour, |s| {
                s.price_per_instance_hour
            })
    }

    /// Money per µs the fleet costs now: the commitment whether used or not, and the
    /// instances alive beyond it.
    #[inline]
    pub fn spend_per_us(&self) -> f64 {
        self.spend_per_us
    }

    fn compute_spend_per_us(&self) -> f64 {
        let committed = self
            .prices
            .purchase
            .committed
            .map_or(0.0, |c| c.instances as f64 * c.price_per_instance_hour);
        (committed
            + self.alive_bought[1] as f64 * self.prices.on_demand_per_hour
            + self.alive_bought[2] as f64 * self.spot_price())
            / 3.6e9
    }

    /// For a spot instance just launched: when the provider warns, and when it takes
    /// the instance back (exponential with the declared mean). `event` makes the
    /// tier's own event for (instance, generation, taken back?).
    pub fn schedule_preemption<E: Wrap>(
        &self,
        id: u32,
        generation: u32,
        now: SimTime,
        rng: &mut SimRng,
        cx: &mut Cx<E>,
        event: impl Fn(u32, u32, bool) -> TierEvent,
    ) {
        let Some(spot) = self.prices.purchase.spot else {
            return;
        };
        let life =
            SimTime((random::exp1(rng) * spot.mean_time_to_preemption.0 as f64).round() as u64);
        let gone = now.plus(life);
        if gone >= cx.horizon {
            return;
        }
        cx.schedule(
            SimTime(gone.0.saturating_sub(spot.notice.0).max(now.0)),
            event(id, generation, false),
        );
        cx.schedule(gone, event(id, generation, true));
    }

    /// A spot instance is warned it will be taken back.
    pub fn notice(&mut self, id: u32) {
        let inst = &mut self.instances[id as usize];
        if !inst.noticed && inst.bought == Bought::Spot {
            inst.noticed = true;
            self.spot_unwarned -= 1;
        }
    }

    /// Whether instance `id` of `generation` is still the one an event was meant for.
    pub fn is_current(&self, id: u32, generation: u32) -> bool {
        let inst = &self.instances[id as usize];
        inst.generation == generation && inst.state != InstanceState::Stopped
    }

    /// Instances alive that are spot.
    pub fn alive_spot(&self) -> u32 {
        self.alive_bought[2]
    }

    /// Instances to retire, cheapest to lose first: those still starting (newest
    /// first), then serving ones with the fewest requests in hand (`in_hand`).
    pub fn retirement_order(&self, in_hand: impl Fn(u32) -> u32) -> Vec<u32> {
        let mut starting: Vec<u32> = (0..self.instances.len() as u32)
            .filter(|&i| self.instances[i as usize].state == InstanceState::Starting)
            .collect();
        starting.sort_by_key(|&i| std::cmp::Reverse(self.instances[i as usize].launched));
        let mut serving: Vec<u32> = (0..self.instances.len() as u32)
            .filter(|&i| self.instances[i as usize].state == InstanceState::Serving)
            .collect();
        serving.sort_by_key(|&i| (in_hand(i), i));
        starting.into_iter().chain(serving).collect()
    }

    /// One autoscaler evaluation: `area` is the tier's integral of requests in it (in
    /// service and waiting) so far, `shed` the requests it has turned away so far, and
    /// `per_request_us` the work one turned-away request stands for. Records the
    /// evaluation; the caller launches or retires what the decision says.
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate(
        &mut self,
        rule: &Autoscaling,
        per_instance: u32,
        area: f64,
        shed: u64,
        per_request_us: f64,
        now: SimTime,
        warmup: SimTime,
    ) -> Decision {
        // Requests turned away at a full queue are demand too: without them a pool with
        // no queue (or no instances) would never see a reason to grow.
        let rejected_work = (shed - self.shed_at_tick) as f64 * per_request_us;
        let load = (area - self.load_area_at_tick + rejected_work) / rule.interval.0 as f64;
        self.load_area_at_tick = area;
        self.shed_at_tick = shed;
        let obs = autoscaler::Observation {
            load,
            serving: self.serving,
            starting: self.starting,
            now,
            last_scale_out: self.last_scale_out,
            last_change: self.last_change,
        };
        let decision = autoscaler::decide(rule, per_instance, &obs);
        if decision.wanted_more_than_max {
            self.hour_at_max = true;
            if self.first_at_max.is_none() && now >= warmup {
                self.first_at_max = Some(now);
            }
        }
        if decision.delta > 0 {
            self.last_scale_out = Some(now);
            self.last_change = Some(now);
        } else if decision.delta < 0 {
            self.last_change = Some(now);
        }
        decision
    }

    /// The peak and at-max flags of the hour now closing; starts the next hour.
    pub fn close_hour(&mut self) -> (u32, bool) {
        let out = (self.hour_peak_alive, self.hour_at_max);
        self.hour_peak_alive = self.alive;
        self.hour_at_max = false;
        out
    }
}
