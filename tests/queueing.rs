//! Checks the simulation engine against queueing theory, through the library API.
//!
//! Erlang C for M/M/c, Pollaczek–Khinchine for M/D/1 and M/G/1, Little's law, the busy
//! fraction, and the Che approximation for a simulated LRU cache.
//!
//! Every station here is a single self-hosted tier with a fixed pool, one request per
//! instance at a time, an effectively unbounded queue, no timeout, no cache and a flat
//! arrival rate: Poisson arrivals into `c` servers, so textbook formulas apply exactly.
//! Each station is simulated in several independent replications (each station with its
//! own seed, so no two stations share their luck); the spread between
//! them gives a standard error that every tolerance is checked against, so a tolerance
//! is never narrower than the noise it has to absorb (and a future cut in run length
//! that made a test a coin toss would fail loudly instead).

use std::sync::OnceLock;

use rayon::prelude::*;
use scalecost::metrics::RunMetrics;

/// Mean service time of every station, ms.
const MEAN_SERVICE_MS: f64 = 8.0;

/// Independent replications per station: enough for the spread to estimate a standard
/// error within about ±25%, few enough to keep the file within its time budget.
const REPLICATIONS: u64 = 8;

/// A tolerance must cover at least this many standard errors of the estimate it bounds.
/// A tolerance of exactly 3 standard errors would reject a correct engine for about one
/// seed in 400; the tolerances below are wider still.
const MIN_STANDARD_ERRORS: f64 = 3.0;

/// Service-time distribution of a station; every one has mean [`MEAN_SERVICE_MS`].
#[derive(Clone, Copy, Debug)]
enum Service {
    Exponential,
    Constant,
    LogNormal { sd_ms: f64 },
    Uniform { min_ms: f64, max_ms: f64 },
}

impl Service {
    fn yaml(self) -> String {
        let m = MEAN_SERVICE_MS;
        match self {
            Service::Exponential => format!("{{dist: exponential, mean: {m}ms}}"),
            Service::Constant => format!("{m}ms"),
            Service::LogNormal { sd_ms } => {
                format!("{{dist: lognormal, mean: {m}ms, sd: {sd_ms}ms}}")
            }
            Service::Uniform { min_ms, max_ms } => {
                assert_eq!((min_ms + max_ms) / 2.0, m, "uniform must keep the mean");
                format!("{{dist: uniform, min: {min_ms}ms, max: {max_ms}ms}}")
            }
        }
    }

    /// E[S²], ms².
    fn second_moment_ms2(self) -> f64 {
        let m = MEAN_SERVICE_MS;
        match self {
            Service::Exponential => 2.0 * m * m,
            Service::Constant => m * m,
            Service::LogNormal { sd_ms } => m * m + sd_ms * sd_ms,
            Service::Uniform { min_ms, max_ms } => {
                (min_ms * min_ms + min_ms * max_ms + max_ms * max_ms) / 3.0
            }
        }
    }

    /// Squared coefficient of variation, Var[S]/E[S]².
    fn scv(self) -> f64 {
        self.second_moment_ms2() / (MEAN_SERVICE_MS * MEAN_SERVICE_MS) - 1.0
    }
}

/// A station: `servers` identical servers at load `rho` (per server) with `service`.
#[derive(Clone, Copy, Debug)]
struct Station {
    servers: u32,
    rho: f64,
    service: Service,
}

impl Station {
    const fn mm(servers: u32, rho: f64) -> Station {
        Station {
            servers,
            rho,
            service: Service::Exponential,
        }
    }

    fn label(&self) -> String {
        let kind = match self.service {
            Service::Exponential => "M",
            Service::Constant => "D",
            Service::LogNormal { .. } => "G(lognormal)",
            Service::Uniform { .. } => "G(uniform)",
        };
        format!("M/{kind}/{} rho={}", self.servers, self.rho)
    }

    /// λ, requests per second.
    fn arrival_rate_per_s(&self) -> f64 {
        self.rho * self.servers as f64 / (MEAN_SERVICE_MS / 1e3)
    }

    /// Requests measured per replication (after the warm-up). The mean wait's relative
    /// noise grows sharply near saturation, so the heaviest loads get twice as many.
    fn requests_per_replication(&self) -> f64 {
        if self.rho >= 0.85 {
            4_000_000.0
        } else {
            2_000_000.0
        }
    }

    /// Offered load a = λ·E[S], in servers.
    fn offered_load(&self) -> f64 {
        self.rho * self.servers as f64
    }

    fn scenario_yaml(&self, seed: u64) -> String {
        let rate = self.arrival_rate_per_s();
        let window_s = self.requests_per_replication() / rate;
        // The slowest station to forget its start (M/M/1 at 0.85) relaxes in about
        // E[S]/(1−√ρ)² ≈ 165 service times; a warm-up of 5% of the window is at least
        // 100,000 arrivals, hundreds of relaxation times.
        let warmup_ms = (window_s * 0.05 * 1e3).round();
        let horizon_ms = warmup_ms + (window_s * 1e3).round();
        format!(
            "name: station
seed: {seed}
scales: [1]
workload:
  users: {rate}
  requests_per_user_per_day: 86400
  horizon: {horizon_ms}ms
  warmup: {warmup_ms}ms
  classes:
    all: {{share: 1, input_tokens: 1, output_tokens: 1}}
routing:
  routes: {{all: station}}
tiers:
  station:
    kind: self_hosted
    service_time: {service}
    instances: {servers}
    concurrency: 1
    price_per_instance_hour: 1
    queue_capacity: 10000000
",
            service = self.service.yaml(),
            servers = self.servers,
        )
    }
}

/// Probability that an arrival waits in M/M/c with `servers` and offered load `a`.
///
/// Goes through Erlang B with the recurrence B(k) = a·B(k−1)/(k + a·B(k−1)), which
/// never forms a!/c! or a^c and so stays accurate for any c.
fn erlang_c(servers: u32, a: f64) -> f64 {
    if a >= servers as f64 {
        return 1.0;
    }
    let mut b = 1.0;
    for k in 1..=servers {
        b = a * b / (k as f64 + a * b);
    }
    let rho = a / servers as f64;
    b / (1.0 - rho * (1.0 - b))
}

/// Mean wait in queue of M/M/c, ms: C(c, a)·E[S]/(c − a); infinite when unstable.
fn erlang_c_mean_wait_ms(servers: u32, a: f64) -> f64 {
    if a >= servers as f64 {
        return f64::INFINITY;
    }
    erlang_c(servers, a) * MEAN_SERVICE_MS / (servers as f64 - a)
}

/// Mean wait in queue of M/G/1 (Pollaczek–Khinchine), ms: λE[S²]/(2(1−ρ)).
fn pollaczek_khinchine_mean_wait_ms(rho: f64, second_moment_ms2: f64) -> f64 {
    let rate_per_ms = rho / MEAN_SERVICE_MS;
    rate_per_ms * second_moment_ms2 / (2.0 * (1.0 - rho))
}

/// The mean over replications and its standard error (sample sd / √n).
#[derive(Clone, Copy, Debug)]
struct Estimate {
    mean: f64,
    standard_error: f64,
}

impl Estimate {
    fn of(values: impl IntoIterator<Item = f64>) -> Estimate {
        let values: Vec<f64> = values.into_iter().collect();
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        Estimate {
            mean,
            standard_error: (var / n).sqrt(),
        }
    }
}

/// Asserts `estimate` is within `tolerance` of `theory`, and that `tolerance` spans at
/// least [`MIN_STANDARD_ERRORS`] standard errors, so agreement is not luck.
fn assert_agrees(what: &str, estimate: Estimate, theory: f64, tolerance: f64) {
    let error = estimate.mean - theory;
    println!(
        "{what}: simulated {:.5} ± {:.5} (se), theory {theory:.5}, error {error:+.5}, tolerance {tolerance:.5}",
        estimate.mean, estimate.standard_error
    );
    assert!(
        error.abs() <= tolerance,
        "{what}: simulated {:.6} differs from theory {theory:.6} by {error:+.6}, beyond the tolerance {tolerance:.6}",
        estimate.mean
    );
    assert!(
        MIN_STANDARD_ERRORS * estimate.standard_error <= tolerance,
        "{what}: the standard error {:.6} is too large for the tolerance {tolerance:.6}; simulate more requests",
        estimate.standard_error
    );
}

/// One station and its replications.
struct Measured {
    station: Station,
    runs: Vec<RunMetrics>,
}

impl Measured {
    fn estimate(&self, f: impl Fn(&scalecost::metrics::TierStats) -> f64) -> Estimate {
        Estimate::of(self.runs.iter().map(|r| f(&r.tiers[0])))
    }
}

const ERLANG_C_CASES: [Station; 4] = [
    Station::mm(1, 0.5),
    Station::mm(2, 0.7),
    Station::mm(4, 0.9),
    Station::mm(8, 0.8),
];

const MM1_LOADS: [f64; 3] = [0.3, 0.6, 0.85];

const MG1_CASES: [Station; 3] = [
    Station {
        servers: 1,
        rho: 0.7,
        service: Service::Constant,
    },
    Station {
        servers: 1,
        rho: 0.6,
        service: Service::LogNormal { sd_ms: 12.0 },
    },
    Station {
        servers: 1,
        rho: 0.8,
        service: Service::Uniform {
            min_ms: 4.0,
            max_ms: 12.0,
        },
    },
];

fn all_stations() -> Vec<Station> {
    let mut stations = ERLANG_C_CASES.to_vec();
    stations.extend(MM1_LOADS.iter().map(|&rho| Station::mm(1, rho)));
    stations.extend(MG1_CASES);
    stations
}

/// Every station simulated once per process, shared by the tests below (they check
/// different laws on the same runs), fanned out over all cores.
fn measured() -> &'static [Measured] {
    static MEASURED: OnceLock<Vec<Measured>> = OnceLock::new();
    MEASURED.get_or_init(|| {
        let stations = all_stations();
        let jobs: Vec<(usize, u64)> = (0..stations.len())
            .flat_map(|s| (0..REPLICATIONS).map(move |r| (s, r)))
            .collect();
        let runs: Vec<RunMetrics> = jobs
            .par_iter()
            .map(|&(s, r)| {
                let text = stations[s].scenario_yaml(1 + s as u64);
                let scenario = scalecost::scenario::parse(&text, "station.yaml", "station")
                    .unwrap_or_else(|e| panic!("{}: {e}", stations[s].label()));
                scalecost::sim::simulate(&scenario, 1.0, r)
            })
            .collect();
        let mut runs = runs.into_iter();
        stations
            .into_iter()
            .map(|station| Measured {
                station,
                runs: runs.by_ref().take(REPLICATIONS as usize).collect(),
            })
            .collect()
    })
}

fn find(station: Station) -> &'static Measured {
    measured()
        .iter()
        .find(|m| m.station.label() == station.label())
        .expect("every station under test is simulated")
}

// Mean wait: the noisiest statistic here, because waits of successive requests are
// strongly correlated near saturation. For M/M/1 Whitt's asymptotic variance of the
// queue length, 2ρ(1+ρ)/(1−ρ)⁴ per service time, puts the standard error over 32
// million requests at ρ = 0.85 near 0.25% of Wq; the replications measure it at about
// 0.3% there, and at 0.2% to 0.6% (depending on the seed) for M/M/4 at ρ = 0.9, the
// worst case. 3% is five standard errors or more, while a server too few, or a service
// mean 3% too long, moves Wq by more than 7% at every load tested (at ρ = 0.3 a 3%
// longer service gives +7.5%).
const WAIT_RELATIVE_TOLERANCE: f64 = 0.03;

// P(wait > 0) is a share of requests; its standard error over 16 million correlated
// requests is below 0.001 (measured). An absolute 0.01 is over 10 standard errors,
// and a server too few moves it by more than 0.1.
const WAIT_PROBABILITY_TOLERANCE: f64 = 0.01;

#[test]
fn mmc_mean_wait_matches_erlang_c() {
    for station in ERLANG_C_CASES {
        let m = find(station);
        let theory = erlang_c_mean_wait_ms(station.servers, station.offered_load());
        assert_agrees(
            &format!("{} Wq ms", station.label()),
            m.estimate(|t| t.mean_wait_ms),
            theory,
            WAIT_RELATIVE_TOLERANCE * theory,
        );
    }
}

#[test]
fn mmc_probability_of_waiting_matches_erlang_c() {
    for station in ERLANG_C_CASES {
        let m = find(station);
        assert_agrees(
            &format!("{} P(wait>0)", station.label()),
            m.estimate(|t| t.wait_probability),
            erlang_c(station.servers, station.offered_load()),
            WAIT_PROBABILITY_TOLERANCE,
        );
    }
}

#[test]
fn mm1_wait_and_time_in_tier_follow_rho_over_one_minus_rho_across_loads() {
    for rho in MM1_LOADS {
        let station = Station::mm(1, rho);
        let m = find(station);
        // M/M/1: Wq = ρ/(1−ρ)·E[S], W = E[S]/(1−ρ), P(wait) = ρ.
        let wq = rho / (1.0 - rho) * MEAN_SERVICE_MS;
        let w = MEAN_SERVICE_MS / (1.0 - rho);
        assert_agrees(
            &format!("{} Wq ms", station.label()),
            m.estimate(|t| t.mean_wait_ms),
            wq,
            WAIT_RELATIVE_TOLERANCE * wq,
        );
        // W = Wq + E[S] adds the service mean, whose own noise is tiny, so the same
        // relative tolerance on W is wider in absolute terms only by E[S]'s share.
        assert_agrees(
            &format!("{} W ms", station.label()),
            m.estimate(|t| t.mean_time_in_tier_ms),
            w,
            WAIT_RELATIVE_TOLERANCE * w,
        );
        assert_agrees(
            &format!("{} P(wait>0)", station.label()),
            m.estimate(|t| t.wait_probability),
            rho,
            WAIT_PROBABILITY_TOLERANCE,
        );
    }
}

#[test]
fn md1_and_mg1_mean_wait_match_pollaczek_khinchine() {
    for station in MG1_CASES {
        let m = find(station);
        let theory =
            pollaczek_khinchine_mean_wait_ms(station.rho, station.service.second_moment_ms2());
        assert_agrees(
            &format!("{} Wq ms", station.label()),
            m.estimate(|t| t.mean_wait_ms),
            theory,
            WAIT_RELATIVE_TOLERANCE * theory,
        );
        // In M/G/1 the server is busy, and so an arrival waits, with probability ρ.
        assert_agrees(
            &format!("{} P(wait>0)", station.label()),
            m.estimate(|t| t.wait_probability),
            station.rho,
            WAIT_PROBABILITY_TOLERANCE,
        );
    }
}

#[test]
fn littles_law_holds_on_every_run() {
    // L = λW is an identity of sample paths: the time-average in the tier and the
    // departures' mean sojourn integrate the same requests. The only gap comes from the
    // few requests in the tier when the window opens and closes, a few L·W out of L·T
    // with T over 10⁵·W here: about 10⁻⁵ (measured: at most 4·10⁻⁵). 0.1% leaves room
    // for that yet fails if one request in a thousand is counted on one side only.
    let mut widest: f64 = 0.0;
    for m in measured() {
        for (r, run) in m.runs.iter().enumerate() {
            let t = &run.tiers[0];
            let lambda_w = t.throughput_per_s * t.mean_time_in_tier_ms / 1e3;
            let gap = (t.mean_in_system / lambda_w - 1.0).abs();
            assert!(
                gap < 1e-3,
                "{} replication {r}: L = {} but λW = {} ({:.3}% apart)",
                m.station.label(),
                t.mean_in_system,
                lambda_w,
                gap * 100.0
            );
            widest = widest.max(gap);
        }
    }
    println!("Little's law: widest relative gap between L and λW {widest:.2e}");
}

#[test]
fn utilisation_equals_the_offered_load_per_server() {
    for m in measured() {
        let station = m.station;
        // The busy fraction over a window is the work that arrived in it over c·T: a
        // compound Poisson sum with relative standard deviation √((1 + SCV)/N) for N
        // arrivals. Over all replications that is at most √(3.25/16e6) ≈ 0.05% of ρ
        // (the log-normal, SCV 2.25); 0.5% of ρ is ten standard errors or more, while a
        // service mean or an arrival rate 1% off would fail.
        let n = station.requests_per_replication() * REPLICATIONS as f64;
        let standard_error = station.rho * ((1.0 + station.service.scv()) / n).sqrt();
        let tolerance = 0.005 * station.rho;
        assert!(tolerance >= 10.0 * standard_error);
        assert_agrees(
            &format!("{} utilisation", station.label()),
            m.estimate(|t| t.utilization.expect("a pool has a utilisation")),
            station.rho,
            tolerance,
        );
    }
}

#[test]
fn the_wait_tolerances_reject_plausible_wrong_models() {
    // Shows the tolerances discriminate: the same runs, compared with Erlang C for c − 1
    // servers (the off-by-one a pool could make), fall far outside them. With c = 2 or 4
    // at these loads c − 1 servers cannot keep up at all, and the wait is unbounded.
    for station in ERLANG_C_CASES.iter().filter(|s| s.servers > 1) {
        let m = find(*station);
        let a = station.offered_load();
        let wq = m.estimate(|t| t.mean_wait_ms).mean;
        let wrong = erlang_c_mean_wait_ms(station.servers - 1, a);
        // Rejected with room to spare: three tolerances away, not just outside one.
        assert!(
            !wrong.is_finite() || (wq / wrong - 1.0).abs() > 3.0 * WAIT_RELATIVE_TOLERANCE,
            "{}: Wq {wq} is also within tolerance of c − 1 = {} servers ({wrong})",
            station.label(),
            station.servers - 1
        );
        let p = m.estimate(|t| t.wait_probability).mean;
        let wrong_p = erlang_c(station.servers - 1, a);
        assert!(
            (p - wrong_p).abs() > 3.0 * WAIT_PROBABILITY_TOLERANCE,
            "{}: P(wait) {p} is also within tolerance of c − 1 servers ({wrong_p})",
            station.label()
        );
    }
    // And the variability of service matters: exponential service (M/M/1's E[S²] = 2E[S]²)
    // predicts a wait the constant and uniform stations clearly do not have.
    for station in MG1_CASES.iter().filter(|s| s.service.scv() < 1.0) {
        let m = find(*station);
        let wq = m.estimate(|t| t.mean_wait_ms).mean;
        let exponential =
            pollaczek_khinchine_mean_wait_ms(station.rho, 2.0 * MEAN_SERVICE_MS.powi(2));
        assert!(
            (wq / exponential - 1.0).abs() > 3.0 * WAIT_RELATIVE_TOLERANCE,
            "{}: Wq {wq} cannot be told from exponential service ({exponential})",
            station.label()
        );
    }
}

/// The time t (in requests) at which the expected number of keys in the cache,
/// `occupancy(t)`, reaches `capacity`. Occupancy grows from 0 towards the number of
/// keys, so doubling brackets the root and bisection pins it to machine precision.
fn time_to_fill(occupancy: impl Fn(f64) -> f64, capacity: f64) -> f64 {
    let mut hi = 1.0;
    while occupancy(hi) < capacity {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if occupancy(mid) < capacity {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// Hit rate of an LRU cache of `capacity` entries under independent requests for keys
/// with popularity `p` (the Che approximation): each key stays for a characteristic
/// time t_C with Σ (1 − e^(−p_i t_C)) = C, and hits with probability 1 − e^(−p_i t_C).
/// Returns the hit rate and t_C in requests.
fn che_hit_rate(p: &[f64], capacity: f64) -> (f64, f64) {
    let t = time_to_fill(
        |t| p.iter().map(|&pi| -(-pi * t).exp_m1()).sum::<f64>(),
        capacity,
    );
    let hit = p.iter().map(|&pi| pi * -(-pi * t).exp_m1()).sum::<f64>();
    (hit, t)
}

/// Hit rate of a cache that evicts at random (or, equivalently under independent
/// requests, in insertion order): the same idea with occupancy p_i·t/(1 + p_i·t)
/// (Fricker, Robert and Roberts, 2012). It is lower than LRU's, which keeps popular keys
/// longer; a cache that evicted the wrong entry would land near it.
fn random_eviction_hit_rate(p: &[f64], capacity: f64) -> f64 {
    let t = time_to_fill(
        |t| p.iter().map(|&pi| pi * t / (1.0 + pi * t)).sum::<f64>(),
        capacity,
    );
    p.iter()
        .map(|&pi| pi * pi * t / (1.0 + pi * t))
        .sum::<f64>()
}

/// Zipf popularities p_i ∝ i^(−s), i = 1..=n.
fn zipf(n: u64, s: f64) -> Vec<f64> {
    let weights: Vec<f64> = (1..=n).map(|i| (i as f64).powf(-s)).collect();
    let total: f64 = weights.iter().sum();
    weights.into_iter().map(|w| w / total).collect()
}

#[test]
fn lru_cache_hit_rate_matches_the_che_approximation() {
    const KEYS: u64 = 100_000;
    const CAPACITY: u64 = 5_000;
    const RATE_PER_S: f64 = 1_000.0;
    const WARMUP_REQUESTS: f64 = 200_000.0;
    const MEASURED_REQUESTS: f64 = 500_000.0;
    const CACHE_REPLICATIONS: u64 = 4;
    // Che's approximation is not exact: it is about a percentage point off for caches of
    // a few dozen entries, and its error shrinks as the cache grows (it is exact in the
    // limit). At 5,000 entries out of 100,000 keys it is within a small fraction of a
    // point, and the simulation's own standard error over 2 million lookups is about
    // 0.05 points. Half a point admits both with a wide margin, yet rejects random or
    // FIFO eviction (1.6 to 3.9 points lower here) and a capacity 20% too small (1.1 to
    // 2.8 points lower).
    const TOLERANCE: f64 = 0.005;
    for s in [0.6, 0.8, 1.0, 1.2] {
        let popularity = zipf(KEYS, s);
        let (che, t_c) = che_hit_rate(&popularity, CAPACITY as f64);
        // Once C distinct keys have been requested, an LRU cache holds exactly the C
        // most recently requested ones, whatever it started with; that takes about t_C
        // requests. Three t_C of warm-up therefore leave no trace of the cold start.
        assert!(WARMUP_REQUESTS > 3.0 * t_c, "s = {s}: t_C = {t_c} requests");
        let warmup_s = WARMUP_REQUESTS / RATE_PER_S;
        let horizon_s = warmup_s + MEASURED_REQUESTS / RATE_PER_S;
        // A 1 µs constant service keeps the tier idle (ρ = 0.001), so the run costs
        // little beyond the cache itself.
        let text = format!(
            "name: lru
seed: 11
scales: [1]
workload:
  users: {RATE_PER_S}
  requests_per_user_per_day: 86400
  horizon: {horizon_s}s
  warmup: {warmup_s}s
  keys: {{distinct: {KEYS}, zipf_exponent: {s}, growth_exponent: 0}}
  classes:
    all: {{share: 1, input_tokens: 1, output_tokens: 1}}
cache:
  lru: {{capacity: {CAPACITY}}}
  lookup_latency: 0s
routing:
  routes: {{all: model}}
tiers:
  model:
    kind: self_hosted
    service_time: 1us
    instances: 1
    concurrency: 1
    price_per_instance_hour: 1
    queue_capacity: 10000000
"
        );
        let scenario = scalecost::scenario::parse(&text, "lru.yaml", "lru").expect("valid");
        let hit_rates: Vec<f64> = (0..CACHE_REPLICATIONS)
            .into_par_iter()
            .map(|r| {
                let run = scalecost::sim::simulate(&scenario, 1.0, r);
                run.cache.expect("the scenario has a cache").hit_rate
            })
            .collect();
        let simulated = Estimate::of(hit_rates);
        assert_agrees(
            &format!("LRU zipf s={s} hit rate"),
            simulated,
            che,
            TOLERANCE,
        );
        // The tolerance discriminates: two plausible wrong caches fall well outside it.
        let random = random_eviction_hit_rate(&popularity, CAPACITY as f64);
        let smaller = che_hit_rate(&popularity, 0.8 * CAPACITY as f64).0;
        for (wrong, model) in [
            (random, "random eviction"),
            (smaller, "80% of the capacity"),
        ] {
            assert!(
                (simulated.mean - wrong).abs() > TOLERANCE,
                "s = {s}: hit rate {} cannot be told from {model} ({wrong})",
                simulated.mean
            );
        }
    }
}
