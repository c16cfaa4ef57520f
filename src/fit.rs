//! A synthetic `workload` fitted to a trace, each figure with how well it fits.
//!
//! One pass over the trace, in the memory of its hours, its distinct token counts and
//! its distinct prompt keys (never of its lines). The fits:
//! - rate: requests over the span (first to last request plus one mean gap);
//! - diurnal cycle: the first harmonic of the 24 hour-of-day means, which is the
//!   least-squares fit of the simulator's `1 + a·cos(2π(h − peak)/24)`; its quality is
//!   R² over those 24 means (only with a day or more of trace);
//! - weekly factor: weekend over weekday daily means (with two weeks or more);
//! - bursts: hours whose count exceeds the fitted profile by more than 5 Poisson
//!   standard deviations and 50%;
//! - tokens: lognormal by maximum likelihood (the mean and sd of ln tokens), with the
//!   Kolmogorov–Smirnov distance between the trace's counts and the fitted, rounded
//!   lognormal, beside the 5% critical value 1.36/√n;
//! - keys: the Zipf exponent of prompt popularity (requests with the same `hash_ids`)
//!   by maximum likelihood over the ranks seen, with its standard error from the
//!   Fisher information.
//!
//! Hours of day are the trace's clock for Azure (wall-clock timestamps, UTC) and time
//! since the first request for the other formats, whose clocks start anywhere.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::BufRead;

use crate::trace::{Format, Reader};

const HOUR_US: i64 = 3_600_000_000;
const DAY_US: i64 = 24 * HOUR_US;

/// Everything the fit keeps from one pass.
#[derive(Default)]
struct Tally {
    requests: u64,
    first_us: i64,
    last_us: i64,
    /// Requests per hour since the hour of the first request.
    hourly: Vec<u64>,
    /// The clock hour (since the clock's 0) of `hourly[0]`.
    first_hour: i64,
    /// Per class (by model name; one class when the trace names none).
    classes: Vec<(String, ClassTally)>,
    /// Requests per prompt key.
    keys: HashMap<u64, u64>,
}

#[derive(Default)]
struct ClassTally {
    requests: u64,
    input: HashMap<u32, u64>,
    output: HashMap<u32, u64>,
}

/// A lognormal fitted to token counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogNormalFit {
    pub mean: f64,
    pub sd: f64,
    pub mu: f64,
    pub sigma: f64,
    /// Kolmogorov–Smirnov distance to the trace's counts.
    pub ks: f64,
    /// Counts of at least 1 that the fit is over; zeros are left out.
    pub n: u64,
    pub zeros: u64,
}

/// The fitted daily cycle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiurnalFit {
    pub peak_to_trough: f64,
    pub peak_hour: f64,
    /// Over the 24 hour-of-day means.
    pub r_squared: f64,
}

/// The fitted key popularity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZipfFit {
    pub distinct: u64,
    pub exponent: f64,
    pub standard_error: f64,
    /// Requests whose key was seen before: the reuse an ideal cache could serve.
    pub reuse: f64,
}

/// A burst the trace shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurstFit {
    /// Hours since midnight of the trace's first day (see [`Fit::first_hour_of_day`]).
    pub start_hour: u64,
    pub hours: u64,
    /// Observed over fitted rate, averaged over its hours.
    pub multiplier: f64,
}

/// One class of the fit.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassFit {
    pub name: String,
    pub share: f64,
    pub input: Option<LogNormalFit>,
    pub output: Option<LogNormalFit>,
}

/// The whole fit of a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub format: Format,
    pub requests: u64,
    /// One pass, µs: the span plus one mean gap.
    pub period_us: f64,
    pub rate_per_s: f64,
    pub diurnal: Option<DiurnalFit>,
    pub weekly: Option<(f64, f64)>,
    pub bursts: Vec<BurstFit>,
    pub classes: Vec<ClassFit>,
    pub keys: Option<ZipfFit>,
    /// Requests in each hour of the trace, and the fitted profile's expectation.
    pub hourly: Vec<(f64, f64)>,
    /// Hours from midnight of the first day to the trace's first hour (Azure's wall
    /// clock; 0 for the others): a synthetic run starts at midnight, so bursts and the
    /// horizon are measured from there.
    pub first_hour_of_day: u64,
}

/// Fits a trace read from `input`; `shown` names it in messages.
pub fn fit(input: impl BufRead, format: Format, shown: &str) -> Result<Fit, String> {
    let mut reader = Reader::new(input, format);
    let mut t = Tally::default();
    let mut class_of: HashMap<String, usize> = HashMap::new();
    while let Some(next) = reader.next_record() {
        let r = next.map_err(|e| crate::trace::describe(shown, format, &e))?;
        if t.requests == 0 {
            t.first_us = r.time_us;
            t.first_hour = clock_hour(format, r.time_us, r.time_us);
        } else if r.time_us < t.last_us {
            return Err(format!(
                "{shown}:{}: goes back in time from the line before; a trace must be sorted by time",
                r.line
            ));
        }
        t.last_us = r.time_us;
        t.requests += 1;
        let hour = (clock_hour(format, t.first_us, r.time_us) - t.first_hour) as usize;
        if hour >= t.hourly.len() {
            t.hourly.resize(hour + 1, 0);
        }
        t.hourly[hour] += 1;
        let k = match class_of.get(r.model.as_str()) {
            Some(&k) => k,
            None => {
                let k = t.classes.len();
                class_of.insert(r.model.clone(), k);
                t.classes.push((r.model.clone(), ClassTally::default()));
                k
            }
        };
        let c = &mut t.classes[k].1;
        c.requests += 1;
        *c.input.entry(r.input_tokens).or_default() += 1;
        *c.output.entry(r.output_tokens).or_default() += 1;
        if let Some(key) = r.prompt_key {
            *t.keys.entry(key).or_default() += 1;
        }
    }
    if t.requests < 2 || t.last_us <= t.first_us {
        return Err(format!(
            "{shown}: {} request(s) over no time; a fit needs at least two requests at different times",
            t.requests
        ));
    }
    Ok(finish(t, format))
}

/// The hour since the clock's 0 (Azure) or since the first request (the others).
fn clock_hour(format: Format, first_us: i64, us: i64) -> i64 {
    match format {
        Format::Azure => us.div_euclid(HOUR_US),
        _ => (us - first_us).div_euclid(HOUR_US),
    }
}

fn finish(t: Tally, format: Format) -> Fit {
    let span = (t.last_us - t.first_us) as f64;
    let period_us = span + span / (t.requests - 1) as f64;
    let rate_per_us = t.requests as f64 / period_us;
    let rate_per_s = rate_per_us * 1e6;
    // Hours wholly inside the trace: the first and last are partly outside it.
    let hours = t.hourly.len();
    let whole = |h: usize| h > 0 && h + 1 < hours;
    let hour_of_day = |h: usize| (t.first_hour + h as i64).rem_euclid(24) as usize;
    let span_days = span / DAY_US as f64;
    let diurnal = (span_days >= 1.0).then(|| {
        let mut sum = [0f64; 24];
        let mut n = [0f64; 24];
        for (h, &c) in t.hourly.iter().enumerate().filter(|(h, _)| whole(*h)) {
            sum[hour_of_day(h)] += c as f64;
            n[hour_of_day(h)] += 1.0;
        }
        let means: Vec<f64> = (0..24).map(|h| sum[h] / n[h].max(1.0)).collect();
        let m = means.iter().sum::<f64>() / 24.0;
        let (mut a, mut b) = (0.0, 0.0);
        for (h, y) in means.iter().enumerate() {
            let theta = std::f64::consts::TAU * (h as f64 + 0.5) / 24.0;
            a += y * theta.cos();
            b += y * theta.sin();
        }
        let amplitude = (2.0 * (a * a + b * b).sqrt() / 24.0 / m).min(0.99);
        let peak = (b.atan2(a) / std::f64::consts::TAU * 24.0).rem_euclid(24.0);
        let fitted = |h: usize| {
            let theta = std::f64::consts::TAU * (h as f64 + 0.5 - peak) / 24.0;
            m * (1.0 + amplitude * theta.cos())
        };
        let ss_tot: f64 = means.iter().map(|y| (y - m).powi(2)).sum();
        let ss_res: f64 = means
            .iter()
            .enumerate()
            .map(|(h, y)| (y - fitted(h)).powi(2))
            .sum();
        DiurnalFit {
            peak_to_trough: (1.0 + amplitude) / (1.0 - amplitude),
            peak_hour: peak,
            r_squared: if ss_tot > 0.0 {
                1.0 - ss_res / ss_tot
            } else {
                1.0
            },
        }
    });
    let weekly = (span_days >= 14.0).then(|| {
        // Day 0 of the simulator is a Monday; 1970-01-01 was a Thursday.
        let first_day = match format {
            Format::Azure => t.first_hour.div_euclid(24) + 3,
            _ => 0,
        };
        let (mut weekday, mut weekend) = ((0f64, 0f64), (0f64, 0f64));
        for (h, &c) in t.hourly.iter().enumerate().filter(|(h, _)| whole(*h)) {
            let day = (first_day + (t.first_hour.rem_euclid(24) + h as i64) / 24).rem_euclid(7);
            let slot = if crate::calendar::is_weekend(day as u64) {
                &mut weekend
            } else {
                &mut weekday
            };
            slot.0 += c as f64;
            slot.1 += 1.0;
        }
        let factor: f64 = (weekend.0 / f64::max(weekend.1, 1.0))
            / f64::max(weekday.0 / f64::max(weekday.1, 1.0), 1e-12);
        (factor.clamp(0.01, 100.0), span_days / 7.0)
    });
    let profile = |h: usize| -> f64 {
        let mut f = rate_per_us * HOUR_US as f64;
        if let Some(d) = diurnal {
            let a = (d.peak_to_trough - 1.0) / (d.peak_to_trough + 1.0);
            let theta = std::f64::consts::TAU * (hour_of_day(h) as f64 + 0.5 - d.peak_hour) / 24.0;
            f *= 1.0 + a * theta.cos();
        }
        f
    };
    let mut bursts: Vec<BurstFit> = Vec::new();
    for (h, &c) in t.hourly.iter().enumerate().filter(|(h, _)| whole(*h)) {
        let expected = profile(h);
        let c = c as f64;
        if c > expected * 1.5 && c > expected + 5.0 * expected.sqrt() {
            match bursts.last_mut() {
                Some(b)
                    if b.start_hour + b.hours == h as u64 + t.first_hour.rem_euclid(24) as u64 =>
                {
                    b.multiplier =
                        (b.multiplier * b.hours as f64 + c / expected) / (b.hours + 1) as f64;
                    b.hours += 1;
                }
                _ => bursts.push(BurstFit {
                    start_hour: h as u64 + t.first_hour.rem_euclid(24) as u64,
                    hours: 1,
                    multiplier: c / expected,
                }),
            }
        }
    }
    bursts.truncate(20);
    let classes = t
        .classes
        .iter()
        .map(|(name, c)| ClassFit {
            name: if name.is_empty() {
                "all".to_string()
            } else {
                name.clone()
            },
            share: c.requests as f64 / t.requests as f64,
            input: lognormal(&c.input),
            output: lognormal(&c.output),
        })
        .collect();
    let keys = zipf(&t.keys);
    let hourly = t
        .hourly
        .iter()
        .enumerate()
        .map(|(h, &c)| (c as f64, profile(h)))
        .collect();
    Fit {
        format,
        requests: t.requests,
        period_us,
        rate_per_s,
        diurnal,
        weekly,
        bursts,
        classes,
        keys,
        hourly,
        first_hour_of_day: t.first_hour.rem_euclid(24) as u64,
    }
}

/// Maximum likelihood lognormal of the counts of at least 1, with its KS distance.
fn lognormal(counts: &HashMap<u32, u64>) -> Option<LogNormalFit> {
    let zeros = counts.get(&0).copied().unwrap_or(0);
    let mut values: Vec<(u32, u64)> = counts
        .iter()
        .filter(|(v, _)| **v > 0)
        .map(|(v, c)| (*v, *c))
        .collect();
    values.sort_unstable();
    let n: u64 = values.iter().map(|(_, c)| c).sum();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mu = values
        .iter()
        .map(|(v, c)| f64::from(*v).ln() * *c as f64)
        .sum::<f64>()
        / nf;
    let var = values
        .iter()
        .map(|(v, c)| (f64::from(*v).ln() - mu).powi(2) * *c as f64)
        .sum::<f64>()
        / nf;
    let sigma = var.sqrt().max(1e-6);
    // The simulator rounds its draws: P(draw ≤ v) = Φ((ln(v + 0.5) − μ)/σ), and a
    // draw below 0.5 is refused as a count of 0 here, so the model is taken given ≥ 1.
    let floor = normal_cdf(((0.5f64).ln() - mu) / sigma);
    let model = |v: f64| (normal_cdf(((v + 0.5).ln() - mu) / sigma) - floor) / (1.0 - floor);
    let (mut seen, mut ks) = (0u64, 0f64);
    for (v, c) in &values {
        let below = seen as f64 / nf;
        seen += c;
        let at = seen as f64 / nf;
        let m = model(f64::from(*v));
        let m_before = model(f64::from(*v) - 1.0);
        ks = ks.max((at - m).abs()).max((below - m_before).abs());
    }
    let mean = (mu + var / 2.0).exp();
    Some(LogNormalFit {
        mean,
        sd: mean * (var.exp() - 1.0).sqrt(),
        mu,
        sigma,
        ks,
        n,
        zeros,
    })
}

/// Φ, the standard normal CDF (Abramowitz and Stegun 7.1.26 through erf; error < 1.5e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = x / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z.abs());
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-z * z).exp();
    let erf = if z >= 0.0 { y } else { -y };
    0.5 * (1.0 + erf)
}

/// The Zipf exponent over keys ranked by how often they were seen, by maximum
/// likelihood: the exponent at which the model's mean ln(rank) is the trace's.
fn zipf(keys: &HashMap<u64, u64>) -> Option<ZipfFit> {
    let mut counts: Vec<u64> = keys.values().copied().collect();
    if counts.len() < 2 {
        return None;
    }
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let n: u64 = counts.iter().sum();
    let distinct = counts.len();
    let observed = counts
        .iter()
        .enumerate()
        .map(|(i, c)| ((i + 1) as f64).ln() * *c as f64)
        .sum::<f64>()
        / n as f64;
    let ln_ranks: Vec<f64> = (1..=distinct).map(|r| (r as f64).ln()).collect();
    // E_s[ln r] and Var_s[ln r] under Zipf(distinct, s).
    let moments = |s: f64| {
        let (mut z, mut m1, mut m2) = (0.0, 0.0, 0.0);
        for &l in &ln_ranks {
            let w = (-s * l).exp();
            z += w;
            m1 += w * l;
            m2 += w * l * l;
        }
        let mean = m1 / z;
        (mean, m2 / z - mean * mean)
    };
    // E_s[ln r] falls as s grows: bisect.
    let (mut lo, mut hi) = (0.0f64, 10.0f64);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if moments(mid).0 > observed {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let s = (lo + hi) / 2.0;
    let (_, variance) = moments(s);
    Some(ZipfFit {
        distinct: distinct as u64,
        exponent: s,
        standard_error: 1.0 / (n as f64 * variance.max(1e-12)).sqrt(),
        reuse: (n - distinct as u64) as f64 / n as f64,
    })
}

/// A class name the scenario reader accepts: letters, digits, `-` and `_`.
fn class_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() || !out.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        out.insert_str(0, "class-");
    }
    out.truncate(40);
    out
}

fn num(x: f64) -> String {
    crate::scenario::validate::fmt_num(if x.abs() >= 100.0 {
        x.round()
    } else {
        (x * 1000.0).round() / 1000.0
    })
}

fn dist(f: &Option<LogNormalFit>) -> (String, String) {
    match f {
        Some(f) => (
            format!(
                "{{dist: lognormal, mean: {}, sd: {}}}",
                num(f.mean),
                num(f.sd.max(0.001))
            ),
            format!(
                "KS {:.4} over {} requests (5% critical value {:.4}){}",
                f.ks,
                f.n,
                1.36 / (f.n as f64).sqrt(),
                if f.zeros > 0 {
                    format!("; {} counts of 0 left out", f.zeros)
                } else {
                    String::new()
                }
            ),
        ),
        None => (
            "0".to_string(),
            "too few counts above 0 to fit; written as 0".to_string(),
        ),
    }
}

/// The fit as a `workload:` section for `users` users, each figure commented with its
/// quality. `shown` names the trace.
pub fn to_yaml(f: &Fit, shown: &str, users: f64) -> String {
    let mut y = String::new();
    let hours = f.period_us / HOUR_US as f64;
    let _ = writeln!(
        y,
        "# A synthetic load fitted by `scalecost fit` to {shown} ({} trace, {} requests over {:.1} h).",
        f.format.name(),
        f.requests,
        hours
    );
    let _ = writeln!(
        y,
        "# Each figure is followed by how well it fits. A synthetic load keeps the rate, the daily and weekly"
    );
    let _ = writeln!(
        y,
        "# cycles, the bursts, the token distributions and the key popularity; it loses the rest (correlation"
    );
    let _ = writeln!(
        y,
        "# between successive requests, tokens that depend on the time or the key, conversations)."
    );
    y.push_str("workload:\n");
    let _ = writeln!(
        y,
        "  users: {}   # chosen with --users; the rate per user carries the trace's rate",
        num(users)
    );
    let _ = writeln!(
        y,
        "  requests_per_user_per_day: {}   # the trace's mean rate, {} requests/s",
        num(f.rate_per_s * 86_400.0 / users),
        num(f.rate_per_s)
    );
    let from_midnight = f.first_hour_of_day as f64 * 3600.0;
    let _ = writeln!(
        y,
        "  horizon: {}s   # one pass of the trace{}",
        (f.period_us / 1e6 + from_midnight).ceil().max(1.0),
        if f.first_hour_of_day > 0 {
            format!(
                ", from 00:00 of its first day (it starts at {:02}:00)",
                f.first_hour_of_day
            )
        } else {
            String::new()
        }
    );
    match &f.diurnal {
        Some(d) => {
            let _ = writeln!(
                y,
                "  diurnal: {{peak_to_trough: {}, peak_hour: {}}}   # R² {:.3} over the 24 hour-of-day means",
                num(d.peak_to_trough.min(1000.0)),
                num(d.peak_hour),
                d.r_squared
            );
        }
        None => y.push_str("  # diurnal: not fitted; the trace spans less than a day\n"),
    }
    match f.weekly {
        Some((factor, weeks)) => {
            let _ = writeln!(
                y,
                "  weekly: {{weekend_factor: {}}}   # weekend over weekday daily means, over {weeks:.1} weeks",
                num(factor)
            );
        }
        None => y.push_str("  # weekly: not fitted; the trace spans less than two weeks\n"),
    }
    if f.bursts.is_empty() {
        y.push_str("  # bursts: none above 1.5x the fitted profile and 5 Poisson sd\n");
    } else {
        y.push_str("  bursts:   # hours above 1.5x the fitted profile and 5 Poisson sd\n");
        for b in &f.bursts {
            let _ = writeln!(
                y,
                "    - {{start: {}h, duration: {}h, multiplier: {}}}",
                b.start_hour,
                b.hours,
                num(b.multiplier.min(1000.0))
            );
        }
    }
    y.push_str("  classes:\n");
    let mut shares: Vec<f64> = f
        .classes
        .iter()
        .map(|c| (c.share * 1e6).round() / 1e6)
        .collect();
    // Shares written to six places must still sum to 1.
    let rest: f64 = 1.0 - shares.iter().skip(1).sum::<f64>();
    if let Some(first) = shares.first_mut() {
        *first = (rest * 1e6).round() / 1e6;
    }
    for (c, share) in f.classes.iter().zip(shares) {
        let (input, input_quality) = dist(&c.input);
        let (output, output_quality) = dist(&c.output);
        let _ = writeln!(y, "    {}:", class_name(&c.name));
        let _ = writeln!(
            y,
            "      share: {}",
            crate::scenario::validate::fmt_num(share)
        );
        let _ = writeln!(y, "      input_tokens: {input}   # {input_quality}");
        let _ = writeln!(y, "      output_tokens: {output}   # {output_quality}");
    }
    match &f.keys {
        Some(k) => {
            let _ = writeln!(
                y,
                "  keys: {{distinct: {}, zipf_exponent: {}}}   # maximum likelihood ± {:.3} (se); {:.1}% of requests repeat a prompt",
                k.distinct,
                num(k.exponent),
                k.standard_error,
                100.0 * k.reuse
            );
        }
        None => y.push_str("  # keys: not fitted; the trace carries no hash_ids\n"),
    }
    y
}
