//! Simulated time: an integer count of microseconds, so event order is exact and never NaN.

use std::fmt;

/// A point or span of simulated time, in microseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);
    pub const MICROS_PER_SECOND: u64 = 1_000_000;
    pub const SECOND: SimTime = SimTime(1_000_000);
    pub const HOUR: SimTime = SimTime(3_600_000_000);
    pub const DAY: SimTime = SimTime(86_400_000_000);

    pub fn from_secs_f64(seconds: f64) -> SimTime {
        SimTime((seconds * 1e6).round().max(0.0) as u64)
    }

    pub fn micros(self) -> u64 {
        self.0
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e3
    }

    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / 3.6e9
    }

    /// Adds, saturating at the end of representable time instead of wrapping.
    pub fn plus(self, span: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(span.0))
    }

    /// Subtracts, clamping at zero: a span is never negative.
    pub fn minus(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for SimTime {
    /// Prints a span the way scenarios write it: `250ms`, `90s`, `2h`, `1d 6h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        if us == 0 {
            return write!(f, "0s");
        }
        if us < 1_000 {
            return write!(f, "{us}us");
        }
        if us < 1_000_000 {
            return write!(f, "{}ms", trim(us as f64 / 1e3));
        }
        let secs = us as f64 / 1e6;
        if secs < 120.0 {
            return write!(f, "{}s", trim(secs));
        }
        let days = us / SimTime::DAY.0;
        let rest = us % SimTime::DAY.0;
        let hours = rest / SimTime::HOUR.0;
        let minutes = (rest % SimTime::HOUR.0) / 60_000_000;
        let mut parts = Vec::new();
        if days > 0 {
            parts.push(format!("{days}d"));
        }
        if hours > 0 {
            parts.push(format!("{hours}h"));
        }
        if minutes > 0 {
            parts.push(format!("{minutes}m"));
        }
        if parts.is_empty() {
            parts.push(format!("{}s", trim(secs)));
        }
        write!(f, "{}", parts.join(" "))
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Parses a human duration such as `250ms`, `90s`, `1.5h`, `7d` or `1h 30m`.
///
/// Units: `us`, `ms`, `s`, `m`/`min`, `h`, `d`, `w`. Fractions are allowed; the result
/// is rounded to the microsecond. Errors say what was expected, for the scenario reader.
/// A duration of `micros` as `parse_duration` reads it, in whole units from days down
/// to microseconds: `72d`, `19h 12m`, `1s 500ms`.
pub fn format_duration(micros: u64) -> String {
    const UNITS: [(&str, u64); 6] = [
        ("d", 86_400_000_000),
        ("h", 3_600_000_000),
        ("m", 60_000_000),
        ("s", 1_000_000),
        ("ms", 1_000),
        ("us", 1),
    ];
    if micros == 0 {
        return "0s".to_string();
    }
    let mut rest = micros;
    let mut parts = Vec::new();
    for (unit, size) in UNITS {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    parts.join(" ")
}

pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let expected =
        "a duration such as \"250ms\", \"90s\", \"2h\" or \"7d\" (units: us, ms, s, m, h, d, w)";
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("empty duration; expected {expected}"));
    }
    let mut total_us = 0f64;
    let mut rest = trimmed;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return Err(format!("\"{text}\" is not a duration; expected {expected}"));
        }
        let number: f64 = rest[..number_len]
            .parse()
            .map_err(|_| format!("\"{text}\" is not a duration; expected {expected}"))?;
        rest = rest[number_len..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let us_per_unit = match unit {
            "us" | "µs" => 1.0,
            "ms" => 1e3,
            "s" | "sec" => 1e6,
            "m" | "min" => 60e6,
            "h" => 3600e6,
            "d" => 86_400e6,
            "w" => 7.0 * 86_400e6,
            "" => {
                return Err(format!("\"{text}\" has no unit; expected {expected}"));
            }
            other => {
                return Err(format!(
                    "\"{text}\" has an unknown unit \"{other}\"; expected {expected}"
                ));
            }
        };
        total_us += number * us_per_unit;
        rest = &rest[unit_len..];
    }
    // 100 years is far beyond any useful horizon and keeps every later sum in u64.
    if !total_us.is_finite() || total_us > 100.0 * 365.0 * 86_400e6 {
        return Err(format!(
            "\"{text}\" is too long; durations are limited to 100 years"
        ));
    }
    Ok(SimTime(total_us.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_a_duration_so_it_reads_back_the_same() {
        for (us, text) in [
            (72 * 86_400_000_000, "72d"),
            (69_120_000_000, "19h 12m"),
            (1_500_000, "1s 500ms"),
            (0, "0s"),
            (20, "20us"),
        ] {
            assert_eq!(format_duration(us), text);
            assert_eq!(parse_duration(text), Ok(SimTime(us)));
        }
    }

    #[test]
    fn parses_the_units_scenarios_use() {
        assert_eq!(parse_duration("250ms"), Ok(SimTime(250_000)));
        assert_eq!(parse_duration("90s"), Ok(SimTime(90_000_000)));
        assert_eq!(parse_duration("1.5h"), Ok(SimTime(5_400_000_000)));
        assert_eq!(parse_duration("7d"), Ok(SimTime(7 * 86_400_000_000)));
        assert_eq!(parse_duration("1h 30m"), Ok(SimTime(5_400_000_000)));
        assert_eq!(parse_duration("20us"), Ok(SimTime(20)));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        assert!(parse_duration("12").unwrap_err().contains("no unit"));
        assert!(
            parse_duration("3 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-5s").is_err());
        assert!(parse_duration("10000w").is_err());
    }

    #[test]
    fn displays_spans_as_scenarios_write_them() {
        assert_eq!(SimTime(250_000).to_string(), "250ms");
        assert_eq!(SimTime(90_000_000).to_string(), "90s");
        assert_eq!(
            SimTime(86_400_000_000 + 3_600_000_000 * 6).to_string(),
            "1d 6h"
        );
    }
}
