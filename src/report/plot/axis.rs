//! Chart axes with ticks chosen for people: 1-2-5 steps, 10k rather than 1e4, money with its currency.
//!
//! plotters' own logarithmic ticks land on values such as 19 and 28 and its labels
//! fall back to exponent notation, so [`Axis`] is a plotters coordinate of our own: it
//! maps values linearly or logarithmically and offers exactly the ticks chosen here.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

use crate::report::format::{trimmed, whole};

/// What the numbers on an axis are, which decides how a tick is written.
#[derive(Clone, Debug, PartialEq)]
pub enum Unit {
    /// A count or a rate: 500, 2.5k, 10k, 1M.
    Count,
    /// Money in the given currency: "USD 0.0002", "USD 1.5k".
    Money(String),
    /// Milliseconds, written as "250 ms" or "1.5 s".
    Millis,
    /// Hours from the start of a run, written as hours: "6 h", "30 h".
    Hours,
    /// Hours from the start of a run, ticked at whole days and written as days: "day 2".
    Days,
    /// A fraction written as a percentage: 0.25 → "25%".
    Share,
    /// Named slots at 0, 1, 2, …: the bars of a bar chart.
    Categories(Vec<String>),
}

impl Unit {
    /// How `value` is written on a tick.
    pub fn label(&self, value: f64) -> String {
        match self {
            Unit::Count => compact(value),
            Unit::Money(currency) => format!("{currency} {}", compact(value)),
            Unit::Millis if value.abs() >= 1000.0 => format!("{} s", significant(value / 1e3)),
            Unit::Millis => format!("{} ms", significant(value)),
            Unit::Hours => format!("{} h", trimmed(value, 1)),
            Unit::Days => format!("day {}", trimmed(value / 24.0, 1)),
            Unit::Share => format!("{}%", trimmed(value * 100.0, 1)),
            Unit::Categories(names) => {
                let i = value.round();
                if i >= 0.0 && (i as usize) < names.len() && (value - i).abs() < 1e-9 {
                    names[i as usize].clone()
                } else {
                    String::new()
                }
            }
        }
    }
}

/// One axis of a chart: its range, whether it is logarithmic, its ticks and its unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
    unit: Unit,
}

/// Ticks to aim for on an axis; more crowd the labels, fewer leave values hard to read.
const TARGET_TICKS: usize = 7;

/// When the largest value is more than this many times the smallest, a logarithmic
/// axis shows them all; a linear one would flatten the small ones against zero.
pub const LOG_ABOVE_RATIO: f64 = 20.0;

impl Axis {
    /// A linear axis over `[lo, hi]`.
    pub fn linear(lo: f64, hi: f64, unit: Unit) -> Axis {
        let (lo, hi) = widen(lo, hi);
        Axis {
            ticks: linear_ticks(lo, hi, TARGET_TICKS, false),
            lo,
            hi,
            log: false,
            unit,
        }
    }

    /// Named slots at 0, 1, 2, …, with half a slot of room at each end and a tick at
    /// each name.
    pub fn categories(names: Vec<String>) -> Axis {
        Axis {
            lo: -0.5,
            hi: names.len().max(1) as f64 - 0.5,
            log: false,
            ticks: (0..names.len()).map(|i| i as f64).collect(),
            unit: Unit::Categories(names),
        }
    }

    /// A linear axis from zero to a little above `max`, so bars and lines have headroom.
    /// With `whole` the ticks are whole numbers (instances, not 2.5 of them).
    pub fn from_zero(max: f64, unit: Unit, whole: bool) -> Axis {
        let hi = if max > 0.0 && max.is_finite() {
            max * 1.08
        } else {
            1.0
        };
        let hi = if whole { hi.max(2.0) } else { hi };
        Axis {
            ticks: linear_ticks(0.0, hi, TARGET_TICKS, whole),
            lo: 0.0,
            hi,
            log: false,
            unit,
        }
    }

    /// A logarithmic axis from a round value below `min` to one above `max` (both
    /// above zero), so both ends carry a tick.
    pub fn log(min: f64, max: f64, unit: Unit) -> Axis {
        let min = min.max(f64::MIN_POSITIVE);
        let max = max.max(min);
        // Some room around the data keeps end points off the frame.
        let (min, max) = if max / min < 1.01 {
            (min / 2.0, max * 2.0)
        } else {
            (min / 1.15, max * 1.15)
        };
        let steps = LogSteps::for_decades((max / min).log10());
        let lo = steps.at_or_below(min);
        let hi = steps.at_or_above(max);
        let mut ticks = steps.between(lo, hi);
        if ticks.len() < 3 {
            // Round linear values read better than two powers of 10 far apart.
            ticks = linear_ticks(lo, hi, 5, false);
        }
        Axis {
            lo,
            hi,
            log: true,
            ticks,
            unit,
        }
    }

    /// Logarithmic when the values span more than [`LOG_ABOVE_RATIO`] and are all
    /// positive; otherwise linear and [`Axis::fitted`] to them.
    pub fn auto(values: impl IntoIterator<Item = f64>, unit: Unit) -> Axis {
        let values: Vec<f64> = values.into_iter().collect();
        match span(values.iter().copied()) {
            Some((min, max)) if min > 0.0 && max / min > LOG_ABOVE_RATIO => {
                Axis::log(min, max, unit)
            }
            _ => Axis::fitted(values, unit, false),
        }
    }

    /// A linear axis over the values with a little room at each end, ending on ticks.
    /// It starts at zero only when the values come near it (the smallest under a
    /// third of the largest); otherwise a 5% change would be a flat line at the top of
    /// an empty panel. [`Axis::range_note`] then says where it starts.
    pub fn fitted(values: impl IntoIterator<Item = f64>, unit: Unit, whole: bool) -> Axis {
        let Some((min, max)) = span(values) else {
            return Axis::from_zero(1.0, unit, whole);
        };
        if min >= 0.0 && min <= max / 3.0 {
            return Axis::from_zero(max, unit, whole);
        }
        let spread = max - min;
        let pad = if spread > 0.0 {
            spread * 0.12
        } else {
            (max.abs() * 0.05).max(if whole { 1.0 } else { 1e-12 })
        };
        let (mut lo, hi) = (min - pad, max + pad);
        if min >= 0.0 {
            lo = lo.max(0.0);
        }
        let step = tick_step(lo, hi, TARGET_TICKS, whole);
        let lo = (lo / step).floor() * step;
        let hi = (hi / step).ceil() * step;
        let lo = if min >= 0.0 { lo.max(0.0) } else { lo };
        Axis {
            ticks: linear_ticks(lo, hi, TARGET_TICKS, whole),
            lo,
            hi,
            log: false,
            unit,
        }
    }

    /// Says where a linear axis starts when that is not zero, e.g. "axis from 16 s to
    /// 21 s", so the reader does not take a short axis for a tall change.
    pub fn range_note(&self) -> Option<String> {
        (!self.log && self.lo > 0.0 && !matches!(self.unit, Unit::Categories(_))).then(|| {
            format!(
                "axis from {} to {}, not from zero",
                self.label(self.lo),
                self.label(self.hi)
            )
        })
    }

    /// Whether this is a time axis ticked at whole days.
    pub fn in_days(&self) -> bool {
        self.unit == Unit::Days
    }

    pub fn is_log(&self) -> bool {
        self.log
    }

    /// The ticks of this axis, smallest first.
    pub fn ticks(&self) -> &[f64] {
        &self.ticks
    }

    /// The range the axis shows.
    pub fn bounds(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }

    /// How `value` is written on this axis.
    pub fn label(&self, value: f64) -> String {
        self.unit.label(value)
    }

    /// Where `value` lies along the axis, 0 at `lo` and 1 at `hi`.
    fn fraction(&self, value: f64) -> f64 {
        if self.log {
            let v = value.max(self.lo * 1e-3);
            (v.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (value - self.lo) / (self.hi - self.lo)
        }
    }
}

impl Ranged for Axis {
    // Every chart passes a label formatter built from [`Unit`].
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = self.fraction(*value);
        let t = if t.is_finite() {
            t.clamp(-1.0, 2.0)
        } else {
            0.0
        };
        limit.0 + ((limit.1 - limit.0) as f64 * t).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Light grid lines are not drawn: the ticks are the grid.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Axis {
    fn format_ext(&self, value: &f64) -> String {
        self.label(*value)
    }
}

/// The smallest and largest finite values, if there are any.
pub fn span(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// An empty or single-value range opened up so it can be drawn.
fn widen(lo: f64, hi: f64) -> (f64, f64) {
    if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        (lo - lo.abs() * 0.5, hi + hi.abs() * 0.5)
    }
}

/// The round step (1, 2, 2.5 or 5 times a power of 10) that gives about `target`
/// ticks over `[lo, hi]`.
fn tick_step(lo: f64, hi: f64, target: usize, whole: bool) -> f64 {
    let raw = (hi - lo) / target as f64;
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    if whole { step.max(1.0).round() } else { step }
}

/// Hours from the start of a run, ticked at whole hours, quarter days or whole days.
pub fn hours(horizon: f64) -> Axis {
    let hi = if horizon > 0.0 { horizon } else { 1.0 };
    let step = [
        1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0, 72.0, 168.0, 336.0, 720.0,
    ]
    .into_iter()
    .find(|s| hi / s <= 10.0)
    .unwrap_or(1440.0);
    let ticks = (0..=(hi / step + 1e-9).floor() as i64)
        .map(|i| i as f64 * step)
        .collect();
    Axis {
        lo: 0.0,
        hi,
        log: false,
        ticks,
        unit: if step < 24.0 { Unit::Hours } else { Unit::Days },
    }
}

/// Round-numbered ticks (steps of 1, 2, 2.5 or 5 times a power of 10) within `[lo, hi]`.
fn linear_ticks(lo: f64, hi: f64, target: usize, whole: bool) -> Vec<f64> {
    let raw = (hi - lo) / target as f64;
    if !(raw > 0.0 && raw.is_finite()) {
        return vec![lo];
    }
    let step = tick_step(lo, hi, target, whole);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    // 3 × 0.2 is 0.6000000000000001 in binary; rounding to the step's decimals gives
    // the value a reader would type. (2.5 steps need one decimal more than their power.)
    let decimals = (1 - step.log10().floor() as i32).max(0) as usize;
    (first..=last)
        .map(|i| {
            let v = i as f64 * step;
            format!("{v:.decimals$}").parse().unwrap_or(v)
        })
        .collect()
}

/// Which round values a logarithmic axis is ticked at: 1, 2, 5 × 10ⁿ over a few
/// decades, powers of 10 over more, every other power of 10 beyond that.
struct LogSteps {
    multiples: &'static [f64],
    /// Ticks fall on exponents divisible by this.
    every: i32,
}

impl LogSteps {
    fn for_decades(decades: f64) -> LogSteps {
        let (multiples, every): (&'static [f64], i32) = if decades <= 4.5 {
            (&[1.0, 2.0, 5.0], 1)
        } else if decades <= 9.0 {
            (&[1.0], 1)
        } else {
            (&[1.0], 2)
        };
        LogSteps { multiples, every }
    }

    /// Every tick value from a step below `lo` to a step above `hi`, ascending.
    fn around(&self, lo: f64, hi: f64) -> Vec<f64> {
        let first = lo.log10().floor() as i32 - self.every;
        let last = hi.log10().ceil() as i32 + self.every;
        let mut values = Vec::new();
        for exponent in (first..=last).filter(|e| e.rem_euclid(self.every) == 0) {
            for m in self.multiples {
                // Parsing the decimal form gives exactly the value a reader would type,
                // where multiplying by 10ⁿ could leave 0.00020000000000000001.
                if let Ok(v) = format!("{m}e{exponent}").parse::<f64>() {
                    values.push(v);
                }
            }
        }
        values
    }

    fn at_or_below(&self, value: f64) -> f64 {
        self.around(value, value)
            .into_iter()
            .rfind(|v| *v <= value)
            .unwrap_or(value)
    }

    fn at_or_above(&self, value: f64) -> f64 {
        self.around(value, value)
            .into_iter()
            .find(|v| *v >= value)
            .unwrap_or(value)
    }

    fn between(&self, lo: f64, hi: f64) -> Vec<f64> {
        self.around(lo, hi)
            .into_iter()
            .filter(|v| *v >= lo && *v <= hi)
            .collect()
    }
}

/// 2500 → "2.5k", 1200000 → "1.2M", 0.00025 → "0.00025": the size at a glance.
pub fn compact(value: f64) -> String {
    let a = value.abs();
    let sign = if value < 0.0 { "-" } else { "" };
    if a >= 1e9 {
        format!("{sign}{}B", significant(a / 1e9))
    } else if a >= 1e6 {
        format!("{sign}{}M", significant(a / 1e6))
    } else if a >= 1e3 {
        format!("{sign}{}k", significant(a / 1e3))
    } else {
        format!("{sign}{}", significant(a))
    }
}

/// Up to three significant digits, without trailing zeros: 12.34 → "12.3", 0.000412 → "0.000412".
pub fn significant(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let places = (2 - magnitude).clamp(0, 15) as usize;
    let text = trimmed(value, places);
    // Large whole numbers keep their thousands separators.
    if places == 0 && value.abs() >= 1000.0 {
        whole(value)
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_numbers_read_as_words_not_exponents() {
        assert_eq!(compact(100_000.0), "100k");
        assert_eq!(compact(2_500.0), "2.5k");
        assert_eq!(compact(1_000_000.0), "1M");
        assert_eq!(compact(4_000_000_000.0), "4B");
        assert_eq!(compact(500.0), "500");
        assert_eq!(compact(0.00025), "0.00025");
        assert_eq!(compact(0.3), "0.3");
        assert_eq!(Unit::Money("EUR".into()).label(0.0002), "EUR 0.0002");
        assert_eq!(Unit::Money("USD".into()).label(15_000.0), "USD 15k");
        assert_eq!(Unit::Millis.label(250.0), "250 ms");
        assert_eq!(Unit::Millis.label(1500.0), "1.5 s");
        assert_eq!(Unit::Share.label(0.25), "25%");
    }

    #[test]
    fn log_ticks_are_one_two_five_over_a_few_decades_with_a_tick_at_each_end() {
        let axis = Axis::log(2_000.0, 400_000.0, Unit::Count);
        let labels: Vec<String> = axis.ticks().iter().map(|t| axis.label(*t)).collect();
        assert_eq!(
            labels,
            [
                "1k", "2k", "5k", "10k", "20k", "50k", "100k", "200k", "500k"
            ]
        );
        assert_eq!(axis.bounds(), (1_000.0, 500_000.0));
    }

    #[test]
    fn log_ticks_thin_out_over_many_decades() {
        let axis = Axis::log(3e-7, 0.013, Unit::Money("USD".into()));
        let labels: Vec<String> = axis.ticks().iter().map(|t| axis.label(*t)).collect();
        assert_eq!(
            labels,
            [
                "USD 0.0000001",
                "USD 0.000001",
                "USD 0.00001",
                "USD 0.0001",
                "USD 0.001",
                "USD 0.01",
                "USD 0.1"
            ]
        );
    }

    #[test]
    fn a_narrow_log_range_falls_back_to_round_linear_ticks() {
        let axis = Axis::log(900.0, 1_100.0, Unit::Millis);
        assert!(axis.ticks().len() >= 3, "{:?}", axis.ticks());
    }

    #[test]
    fn linear_ticks_are_round_and_inside_the_range() {
        assert_eq!(
            linear_ticks(0.0, 7.0, 7, false),
            [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
        );
        assert_eq!(
            linear_ticks(0.0, 1.08, 7, false),
            [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        );
        assert_eq!(linear_ticks(0.0, 3.2, 7, true), [0.0, 1.0, 2.0, 3.0]);
        let money = linear_ticks(0.0, 0.3, 7, false);
        assert_eq!(
            money.iter().map(|t| significant(*t)).collect::<Vec<_>>(),
            ["0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3"]
        );
    }

    #[test]
    fn auto_chooses_log_only_for_wide_positive_spans() {
        assert!(Axis::auto([3e-6, 0.013], Unit::Count).is_log());
        assert!(!Axis::auto([0.0002, 0.00027], Unit::Count).is_log());
        assert!(!Axis::auto([0.0, 100.0], Unit::Count).is_log());
    }

    #[test]
    fn a_fitted_axis_starts_where_the_data_do_and_says_so() {
        // A p99 moving from 17 to 20 s fills most of the axis.
        let axis = Axis::auto([17_000.0, 20_000.0], Unit::Millis);
        let (lo, hi) = axis.bounds();
        assert!(
            lo > 10_000.0 && lo <= 17_000.0 && hi >= 20_000.0,
            "{lo}..{hi}"
        );
        assert!((20_000.0 - 17_000.0) / (hi - lo) > 0.5);
        assert_eq!(
            axis.range_note().as_deref(),
            Some("axis from 16 s to 21 s, not from zero")
        );
        // Values near zero keep zero.
        let axis = Axis::auto([1.0, 10.0], Unit::Count);
        assert_eq!(axis.bounds().0, 0.0);
        assert_eq!(axis.range_note(), None);
        // Negative values: zero inside the range.
        let (lo, hi) = Axis::auto([-5.0, 20.0], Unit::Count).bounds();
        assert!(lo < 0.0 && hi > 0.0);
    }

    #[test]
    fn hours_read_as_hours_or_days() {
        let short = hours(36.0);
        let labels: Vec<String> = short.ticks().iter().map(|t| short.label(*t)).collect();
        assert_eq!(
            labels,
            ["0 h", "6 h", "12 h", "18 h", "24 h", "30 h", "36 h"]
        );
        let long = hours(14.0 * 24.0);
        let labels: Vec<String> = long.ticks().iter().map(|t| long.label(*t)).collect();
        assert_eq!(
            labels,
            [
                "day 0", "day 2", "day 4", "day 6", "day 8", "day 10", "day 12", "day 14"
            ]
        );
    }
}
