//! Traces drawn from known parameters, written in the public formats, for the tests
//! that replay or fit them.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp1, LogNormal, Zipf};

/// The binary run in `dir` with `args`, without backtraces requested by the environment.
pub fn scalecost(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("scalecost")
        .expect("the binary is built")
        .current_dir(dir)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run scalecost")
}

/// A Poisson stream of `rate_per_s` over `seconds`, in BurstGPT's format (one model,
/// one token each), timestamps to the microsecond. Returns the number of requests.
pub fn poisson_burstgpt(path: &Path, rate_per_s: f64, seconds: f64, seed: u64) -> u64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create a trace"));
    writeln!(
        out,
        "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type"
    )
    .unwrap();
    let mut t = 0.0;
    let mut n = 0;
    loop {
        let gap: f64 = Exp1.sample(&mut rng);
        t += gap / rate_per_s;
        if t >= seconds {
            break;
        }
        writeln!(out, "{t:.6},m,1,1,2,Conversation log").unwrap();
        n += 1;
    }
    n
}

/// What a synthetic trace is drawn from.
#[derive(Clone, Copy, Debug)]
pub struct Known {
    /// Mean requests per hour over the day.
    pub per_hour: f64,
    pub hours: f64,
    pub peak_to_trough: f64,
    pub peak_hour: f64,
    /// Lognormal prompt tokens: mean and sd.
    pub input_mean: f64,
    pub input_sd: f64,
    pub output_mean: f64,
    pub output_sd: f64,
    /// Zipf popularity of prompt openings.
    pub keys: u64,
    pub zipf_exponent: f64,
}

/// A diurnal non-homogeneous Poisson stream with lognormal tokens and Zipf keys, in
/// Mooncake's format (each key a prompt of its own blocks). Returns the requests.
pub fn diurnal_mooncake(path: &Path, k: Known, seed: u64) -> u64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create a trace"));
    let a = (k.peak_to_trough - 1.0) / (k.peak_to_trough + 1.0);
    let top_per_s = k.per_hour * (1.0 + a) / 3600.0;
    let lognormal = |mean: f64, sd: f64| {
        let s2 = (1.0 + (sd / mean).powi(2)).ln();
        LogNormal::new(mean.ln() - s2 / 2.0, s2.sqrt()).unwrap()
    };
    let input = lognormal(k.input_mean, k.input_sd);
    let output = lognormal(k.output_mean, k.output_sd);
    let zipf = Zipf::new(k.keys as f64, k.zipf_exponent).unwrap();
    let (mut t, mut n) = (0.0f64, 0);
    loop {
        let gap: f64 = Exp1.sample(&mut rng);
        t += gap / top_per_s;
        if t >= k.hours * 3600.0 {
            break;
        }
        let h = (t / 3600.0) % 24.0;
        let factor = 1.0 + a * (2.0 * std::f64::consts::PI * (h - k.peak_hour) / 24.0).cos();
        if rng.random::<f64>() * (1.0 + a) >= factor {
            continue;
        }
        let key = zipf.sample(&mut rng) as u64;
        let tokens = (input.sample(&mut rng) as f64).round().max(1.0) as u64;
        // A key is one prompt: its blocks depend on the key alone, so requests with
        // equal keys send equal `hash_ids`.
        let blocks = 1 + key % 4;
        let ids: Vec<String> = (0..blocks).map(|j| (key * 64 + j).to_string()).collect();
        writeln!(
            out,
            "{{\"timestamp\": {:.3}, \"input_length\": {tokens}, \"output_length\": {}, \"hash_ids\": [{}]}}",
            t * 1e3,
            (output.sample(&mut rng) as f64).round().max(1.0) as u64,
            ids.join(", ")
        )
        .unwrap();
        n += 1;
    }
    n
}

/// A Poisson stream of `rate_per_s` over `seconds` in Mooncake's format whose prompts
/// open with `shared` blocks common to all (ids 1, 2, …) and end with `unique` blocks
/// of their own, 512 tokens each, one output token. Returns the number of requests.
pub fn poisson_mooncake(
    path: &Path,
    rate_per_s: f64,
    seconds: f64,
    shared: u64,
    unique: u64,
    seed: u64,
) -> u64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create a trace"));
    let opening: Vec<String> = (1..=shared).map(|i| i.to_string()).collect();
    let tokens = (shared + unique) * 512;
    let mut t = 0.0;
    let mut n = 0u64;
    let mut ids = String::new();
    loop {
        let gap: f64 = Exp1.sample(&mut rng);
        t += gap / rate_per_s;
        if t >= seconds {
            break;
        }
        ids.clear();
        ids.push_str(&opening.join(", "));
        for j in 0..unique {
            if !ids.is_empty() {
                ids.push_str(", ");
            }
            ids.push_str(&(1_000_000 + n * unique + j).to_string());
        }
        writeln!(
            out,
            "{{\"timestamp\": {:.3}, \"input_length\": {tokens}, \"output_length\": 1, \"hash_ids\": [{ids}]}}",
            t * 1e3
        )
        .unwrap();
        n += 1;
    }
    n
}
