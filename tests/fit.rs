//! `scalecost fit`: a trace drawn from known parameters is fitted back to them within
//! what its sample size allows, and the YAML it writes is a workload section that a
//! scenario accepts as it is.

#[path = "common/traces.rs"]
mod traces;

use traces::scalecost;

use std::fs;
use std::path::Path;

use tempfile::TempDir;

const KNOWN: traces::Known = traces::Known {
    per_hour: 3000.0,
    hours: 96.0,
    peak_to_trough: 3.0,
    peak_hour: 14.0,
    input_mean: 1000.0,
    input_sd: 800.0,
    output_mean: 200.0,
    output_sd: 150.0,
    keys: 2000,
    zipf_exponent: 1.0,
};

/// About 288,000 requests over four days. Standard errors at this size: the rate
/// 0.19% (Poisson); the daily amplitude about 0.003, so peak-to-trough about 0.02
/// and the peak hour about 0.02 h; ln-token mean and sd about 0.0013 (σ/√n), so a
/// lognormal's mean and sd about 0.2% and 0.4%; the Zipf exponent its own reported
/// standard error. Each tolerance below is five of these or more. Hourly bins damp
/// the first harmonic by sinc(π/24) = 0.997, well inside them.
#[test]
fn a_trace_from_known_parameters_is_fitted_back_to_them() {
    let dir = TempDir::new().unwrap();
    let n = traces::diurnal_mooncake(&dir.path().join("t.jsonl"), KNOWN, 11) as f64;
    let trace = dir.path().join("t.jsonl");
    let file = fs::File::open(&trace).unwrap();
    let f = scalecost::fit::fit(
        std::io::BufReader::new(file),
        scalecost::trace::Format::Mooncake,
        "t.jsonl",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.requests as f64, n);
    let close = |what: &str, got: f64, want: f64, tolerance: f64| {
        eprintln!("{what}: fitted {got:.4}, known {want:.4}, tolerance {tolerance:.4}");
        assert!((got - want).abs() <= tolerance, "{what}: {got} vs {want}");
    };
    close(
        "rate per hour",
        f.rate_per_s * 3600.0,
        KNOWN.per_hour,
        0.01 * KNOWN.per_hour,
    );
    let d = f.diurnal.expect("four days show a daily cycle");
    close(
        "peak to trough",
        d.peak_to_trough,
        KNOWN.peak_to_trough,
        0.15,
    );
    close("peak hour", d.peak_hour, KNOWN.peak_hour, 0.2);
    assert!(d.r_squared > 0.95, "R² {}", d.r_squared);
    assert!(f.weekly.is_none(), "four days show no week");
    assert!(f.bursts.is_empty(), "no bursts were drawn: {:?}", f.bursts);
    let c = &f.classes[0];
    let input = c.input.expect("input fitted");
    let output = c.output.expect("output fitted");
    close(
        "input mean",
        input.mean,
        KNOWN.input_mean,
        0.02 * KNOWN.input_mean,
    );
    close("input sd", input.sd, KNOWN.input_sd, 0.04 * KNOWN.input_sd);
    close(
        "output mean",
        output.mean,
        KNOWN.output_mean,
        0.02 * KNOWN.output_mean,
    );
    close(
        "output sd",
        output.sd,
        KNOWN.output_sd,
        0.04 * KNOWN.output_sd,
    );
    // A right model keeps the KS distance under the 1% critical value, 1.63/√n.
    let critical = 1.63 / (input.n as f64).sqrt();
    assert!(
        input.ks < critical && output.ks < critical,
        "KS {} {} vs {critical}",
        input.ks,
        output.ks
    );
    let k = f.keys.expect("hash_ids give keys");
    close(
        "distinct keys",
        k.distinct as f64,
        KNOWN.keys as f64,
        0.01 * KNOWN.keys as f64,
    );
    close(
        "zipf exponent",
        k.exponent,
        KNOWN.zipf_exponent,
        (5.0 * k.standard_error).max(0.03),
    );
}

/// A lognormal fitted to a trace whose tokens are not lognormal (uniform) is told
/// apart by its KS distance: the check above can fail.
#[test]
fn a_wrong_shape_shows_in_the_ks_distance() {
    let dir = TempDir::new().unwrap();
    let mut text = String::from("TIMESTAMP,ContextTokens,GeneratedTokens\n");
    for i in 0..20_000u64 {
        let s = i % 60;
        let m = (i / 60) % 60;
        let h = i / 3600;
        text.push_str(&format!(
            "2023-11-16 {h:02}:{m:02}:{s:02}.0,{},{}\n",
            1000 + (i * 7919) % 1000,
            100
        ));
    }
    fs::write(dir.path().join("u.csv"), text).unwrap();
    let f = scalecost::fit::fit(
        std::io::BufReader::new(fs::File::open(dir.path().join("u.csv")).unwrap()),
        scalecost::trace::Format::Azure,
        "u.csv",
    )
    .unwrap();
    let input = f.classes[0].input.unwrap();
    assert!(
        input.ks > 3.0 * 1.63 / (input.n as f64).sqrt(),
        "KS {}",
        input.ks
    );
}

#[test]
fn the_fitted_section_is_a_workload_a_scenario_accepts_and_the_chart_is_drawn() {
    let dir = TempDir::new().unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/traces");
    for (file, routes) in [
        ("azure.csv", "{all: api}"),
        ("mooncake.jsonl", "{all: api}"),
        ("burstgpt.csv", "{chatgpt: api, gpt-4: api}"),
    ] {
        let trace = samples.join(file);
        let out = scalecost(
            dir.path(),
            &[
                "fit",
                trace.to_str().unwrap(),
                "-o",
                "w.yaml",
                "--chart",
                "rate.png",
            ],
        );
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let workload = fs::read_to_string(dir.path().join("w.yaml")).unwrap();
        assert!(
            workload.contains("# KS "),
            "{file}: the quality beside each figure:\n{workload}"
        );
        let scenario = format!(
            "{workload}routing:\n  routes: {routes}\ntiers:\n  api: {{kind: api, price_per_1k_input_tokens: 0.001, price_per_1k_output_tokens: 0.002, latency: 1s}}\n"
        );
        fs::write(dir.path().join("s.yaml"), scenario).unwrap();
        let out = scalecost(dir.path(), &["validate", "s.yaml"]);
        assert!(
            out.status.success(),
            "{file}: the fitted workload is refused: {}\n{workload}",
            String::from_utf8_lossy(&out.stderr)
        );
        let png = fs::read(dir.path().join("rate.png")).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{file}: a PNG");
    }
    let trace = samples.join("azure.csv");
    let out = scalecost(
        dir.path(),
        &["fit", trace.to_str().unwrap(), "--chart", "rate.svg"],
    );
    assert!(out.status.success());
    let svg = fs::read_to_string(dir.path().join("rate.svg")).unwrap();
    assert!(roxmltree::Document::parse(&svg).is_ok(), "well-formed SVG");
}

#[test]
fn the_format_is_told_from_the_header_or_refused_with_a_hint() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("x.csv"), "time,tokens\n1,2\n").unwrap();
    let out = scalecost(dir.path(), &["fit", "x.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("x.csv:1:") && stderr.contains("--trace-format"),
        "{stderr}"
    );
    // Given the format, the header is checked against it and its missing column named.
    let out = scalecost(dir.path(), &["fit", "x.csv", "--trace-format", "azure"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("x.csv:1: column TIMESTAMP"), "{stderr}");
}

/// A flat two days with one hour at three times the rate: the fit finds that hour,
/// measured from midnight of the first day, and its multiplier.
#[test]
fn a_burst_in_the_trace_is_found_where_it_is() {
    let dir = TempDir::new().unwrap();
    let mut text = String::from("TIMESTAMP,ContextTokens,GeneratedTokens\n");
    for h in 0..48u64 {
        let n = if h == 30 { 3000 } else { 1000 };
        for i in 0..n {
            let us = h * 3_600_000_000 + i * 3_600_000_000 / n;
            let (day, rest) = (16 + us / 86_400_000_000, us % 86_400_000_000);
            let (hh, mm) = (rest / 3_600_000_000, rest / 60_000_000 % 60);
            let ss = rest % 60_000_000;
            text.push_str(&format!(
                "2023-11-{day} {hh:02}:{mm:02}:{:02}.{:06},100,10\n",
                ss / 1_000_000,
                ss % 1_000_000
            ));
        }
    }
    fs::write(dir.path().join("b.csv"), text).unwrap();
    let f = scalecost::fit::fit(
        std::io::BufReader::new(fs::File::open(dir.path().join("b.csv")).unwrap()),
        scalecost::trace::Format::Azure,
        "b.csv",
    )
    .unwrap();
    assert_eq!(f.bursts.len(), 1, "{:?}", f.bursts);
    let b = f.bursts[0];
    assert_eq!((b.start_hour, b.hours), (30, 1));
    // Measured against the fitted profile, which absorbs part of the burst (the
    // 06:00 mean of the two days holds it): above 2.5, and exactly the hour's count
    // over the profile's expectation there.
    let expected = 3000.0 / f.hourly[30].1;
    assert!(b.multiplier > 2.5, "{b:?}");
    assert!(
        (b.multiplier - expected).abs() < 1e-9,
        "{b:?} vs {expected}"
    );
}
