//! Tier kinds behind one interface: the simulation hands a tier its requests and its
//! own events, and the tier says which requests it has finished and how.
//!
//! Each kind is one module (`self_hosted`, `api`). A new kind is a module that
//! implements [`TierBehaviour`], one variant in [`TierSim`] and [`TierEvent`], and its
//! registration in the scenario reader; nothing else in the simulation changes.

pub mod api;
pub mod autoscaler;
pub mod batched;
pub mod fleet;
pub mod self_hosted;

use crate::metrics::{Failure, HourTier, TierAccum};
use crate::model::{RequestClass, Tier, TierKind};
use crate::sim::engine::EventQueue;
pub use crate::sim::prompts::{NO_PROMPT, Prompts};
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
    /// Reached its current tier by escalation from a lighter one.
    pub escalated: bool,
    /// The cache flight it leads (its answer is awaited by identical requests), or
    /// `NO_FLIGHT`.
    pub flight: u32,
    /// When its first output token came, for a tier that streams tokens; `NO_TOKEN`
    /// otherwise.
    pub first_token: SimTime,
    /// Its request class (an index into the workload's classes).
    pub class: u8,
    /// It went through a batch API: its answer comes hours later, so its latency is
    /// kept out of the interactive figures.
    pub batch: bool,
    /// Its prompt's blocks in the run's [`Prompts`], or `NO_PROMPT`.
    pub prompt: u32,
}

/// A request whose answer was not streamed token by token.
pub const NO_TOKEN: SimTime = SimTime::MAX;

/// A request that leads no cache flight.
pub const NO_FLIGHT: u32 = u32::MAX;

/// How a tier finished with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished {
    /// Answered; the simulation decides whether the answer is escalated.
    Answered,
    Failed(Failure),
}

/// An event a tier scheduled for itself, delivered back to it when due.
#[derive(Clone, Copy, Debug)]
pub enum TierEvent {
    SelfHosted(self_hosted::Event),
    Batched(batched::Event),
    Api(api::Event),
}

/// How the simulation's own event type carries a tier's event: known at compile time,
/// so scheduling one is inlined rather than a call through a pointer on every event.
pub trait Wrap: Copy {
    /// The event that delivers `event` back to tier `tier`.
    fn wrap(tier: u8, event: TierEvent) -> Self;
}

/// A queue of tier events alone (for testing a tier by itself).
impl Wrap for TierEvent {
    #[inline]
    fn wrap(_tier: u8, event: TierEvent) -> TierEvent {
        event
    }
}

/// What a tier may do to the world around it while it handles a call: schedule its
/// own events and report requests it has finished.
pub struct Cx<'a, E> {
    tier: u8,
    events: &'a mut EventQueue<E>,
    finished: &'a mut Vec<(u8, Req, Finished)>,
    billing: &'a mut Vec<(u8, SimTime, f64, f64)>,
    /// End of the run: nothing is scheduled that could only happen after it.
    pub horizon: SimTime,
    /// End of the warm-up: what happens before it is not reported as a bottleneck.
    pub warmup: SimTime,
    /// The prompt blocks of the requests in flight, when the load carries them.
    prompts: Option<&'a Prompts>,
}

impl<'a, E> Cx<'a, E> {
    pub fn new(
        tier: u8,
        events: &'a mut EventQueue<E>,
        finished: &'a mut Vec<(u8, Req, Finished)>,
        billing: &'a mut Vec<(u8, SimTime, f64, f64)>,
        horizon: SimTime,
        warmup: SimTime,
    ) -> Self {
        Cx {
            tier,
            events,
            finished,
            billing,
            horizon,
            warmup,
            prompts: None,
        }
    }

    /// Lets the tier read the prompt blocks of the requests it is given.
    pub fn with_prompts(mut self, prompts: &'a Prompts) -> Self {
        self.prompts = Some(prompts);
        self
    }

    /// The prefix digests of a request's prompt blocks (empty when it carries none).
    #[inline]
    pub fn prompt_chain(&self, req: &Req) -> &[u64] {
        match self.prompts {
            Some(p) if req.prompt != NO_PROMPT => p.chain(req.prompt),
            _ => &[],
        }
    }
}

impl<'a, E: Wrap> Cx<'a, E> {
    /// Delivers `event` back to this tier at `at`.
    #[inline]
    pub fn schedule(&mut self, at: SimTime, event: TierEvent) {
        self.events.schedule(at, E::wrap(self.tier, event));
    }
}

impl<'a, E> Cx<'a, E> {
    /// Reports that `req` is answered by this tier.
    #[inline]
    pub fn answered(&mut self, req: Req) {
        self.finished.push((self.tier, req, Finished::Answered));
    }

    /// Reports billed time beyond an instance's life (rounding, minimum), µs, and its
    /// money, for the instance launched at `launched`: it belongs to when the instance
    /// was launched.
    #[inline]
    pub fn billed_extra(&mut self, launched: SimTime, extra_us: f64, money: f64) {
        if extra_us > 0.0 {
            self.billing.push((self.tier, launched, extra_us, money));
        }
    }

    /// Reports that `req` failed at this tier.
    #[inline]
    pub fn failed(&mut self, req: Req, failure: Failure) {
        self.finished
            .push((self.tier, req, Finished::Failed(failure)));
    }
}

/// What every tier kind does for the simulation.
pub trait TierBehaviour {
    /// Sets up the tier at time zero (initial instances, the first autoscaler tick).
    fn start<E: Wrap>(&mut self, cx: &mut Cx<E>);
    /// A request reaches the tier: from the router, the cache or an escalation.
    fn arrive<E: Wrap>(&mut self, req: Req, now: SimTime, cx: &mut Cx<E>);
    /// One of the tier's own events is due.
    fn handle<E: Wrap>(&mut self, event: TierEvent, now: SimTime, cx: &mut Cx<E>);
    /// Brings the time integrals up to `now`.
    fn advance(&mut self, now: SimTime);
    /// Running totals so far (call [`advance`](Self::advance) first).
    fn totals(&self) -> TierAccum;
    /// The row of one hour of the timeline from the totals accumulated in it; starts
    /// the next hour's peaks.
    fn close_hour(&mut self, in_hour: &TierAccum, hour_us: f64) -> HourTier;
    /// Most instances alive at once over the run (0 for a kind without instances).
    fn peak_instances(&self) -> u32;
    /// Most sequences one instance ran at once, for a kind that batches.
    fn peak_batch(&self) -> Option<u32> {
        None
    }
    /// First time, after the warm-up, the tier wanted more capacity than it may have.
    fn first_at_max(&self) -> Option<SimTime>;
    /// The stream escalation draws come from, apart from the service stream so that
    /// changing an escalation share does not shift every later service time.
    fn decisions(&mut self) -> &mut SimRng;
    /// Counts one of the tier's answers as sent on to a heavier tier.
    fn count_escalated(&mut self);
}

/// A tier during a run, one variant per kind.
pub enum TierSim {
    SelfHosted(self_hosted::SelfHostedSim),
    Batched(batched::BatchedSim),
    Api(api::ApiSim),
}

impl TierSim {
    /// The run-time state of `tier`; `index` is its place in the scenario.
    /// The load carries prompt blocks, `blocks_per_us` of them a µs at this scale: an
    /// API with a prompt cache keeps a table of them.
    pub fn track_prompt_blocks(&mut self, blocks_per_us: f64) {
        if let TierSim::Api(api) = self {
            api.track_prompt_blocks(blocks_per_us);
        }
    }

    pub fn new(
        tier: &Tier,
        index: usize,
        classes: &[RequestClass],
        rng: SimRng,
        decisions: SimRng,
        spot: SimRng,
    ) -> TierSim {
        match &tier.kind {
            TierKind::SelfHosted(spec) => TierSim::SelfHosted(self_hosted::SelfHostedSim::new(
                spec.clone(),
                self_hosted::expected_service_us(spec, classes, index),
                rng,
                decisions,
                spot,
            )),
            TierKind::Batched(spec) => {
                let (service_us, kv) = batched::expected_request(spec, classes, index);
                TierSim::Batched(batched::BatchedSim::new(
                    spec.clone(),
                    service_us,
                    kv,
                    decisions,
                    spot,
                ))
            }
            TierKind::Api(spec) => {
                TierSim::Api(api::ApiSim::new(spec.clone(), classes, rng, decisions))
            }
        }
    }
}

/// Forwards a call to the kind's implementation: the one place that lists the kinds.
macro_rules! each_kind {
    ($self:expr, $t:ident => $call:expr) => {
        match $self {
            TierSim::SelfHosted($t) => $call,
            TierSim::Batched($t) => $call,
            TierSim::Api($t) => $call,
        }
    };
}

impl TierBehaviour for TierSim {
    #[inline]
    fn start<E: Wrap>(&mut self, cx: &mut Cx<E>) {
        each_kind!(self, t => t.start(cx))
    }
    #[inline]
    fn arrive<E: Wrap>(&mut self, req: Req, now: SimTime, cx: &mut Cx<E>) {
        each_kind!(self, t => t.arrive(req, now, cx))
    }
    #[inline]
    fn handle<E: Wrap>(&mut self, event: TierEvent, now: SimTime, cx: &mut Cx<E>) {
        each_kind!(self, t => t.handle(event, now, cx))
    }
    #[inline]
    fn advance(&mut self, now: SimTime) {
        each_kind!(self, t => t.advance(now))
    }
    fn totals(&self) -> TierAccum {
        each_kind!(self, t => t.totals())
    }
    fn close_hour(&mut self, in_hour: &TierAccum, hour_us: f64) -> HourTier {
        each_kind!(self, t => t.close_hour(in_hour, hour_us))
    }
    fn peak_instances(&self) -> u32 {
        each_kind!(self, t => t.peak_instances())
    }
    fn peak_batch(&self) -> Option<u32> {
        each_kind!(self, t => t.peak_batch())
    }
    fn first_at_max(&self) -> Option<SimTime> {
        each_kind!(self, t => t.first_at_max())
    }
    #[inline]
    fn decisions(&mut self) -> &mut SimRng {
        each_kind!(self, t => t.decisions())
    }
    #[inline]
    fn count_escalated(&mut self) {
        each_kind!(self, t => t.count_escalated())
    }
}
