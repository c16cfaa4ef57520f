//! Each chart in words: a title and a sentence or two stating what it shows, built from
//! the very data it draws, for readers who cannot see the picture (an HTML report's
//! text alternative) and for print where colours are lost.

use super::data::Chart;
use super::input::{Point, Quantity, Series};
use crate::report::format::{millis, money, percent, quantity, trimmed};

/// A chart's short title and its description.
pub struct Alternative {
    pub title: String,
    pub description: String,
}

impl Chart {
    /// What the chart shows, in words, from the numbers it draws.
    pub fn alternative(&self) -> Alternative {
        let (title, description) = match self {
            Chart::CostPerTransaction(c) => {
                let cur = &c.currency;
                let lines: Vec<String> = c
                    .scenarios
                    .iter()
                    .map(|s| span(s, &|y| money(cur, y), "users"))
                    .collect();
                (
                    "Cost per successful transaction against users".to_string(),
                    format!(
                        "Cost per successful transaction as users grow: {}.{}",
                        lines.join("; "),
                        references(&c.references, &|y| money(cur, y))
                    ),
                )
            }
            Chart::Latency(c) => {
                let lines: Vec<String> = c
                    .scenarios
                    .iter()
                    .map(|s| {
                        format!(
                            "{}: p50 {}, p99 {}",
                            s.scenario,
                            range(&s.p50, &millis, "users"),
                            range(&s.p99, &millis, "users")
                        )
                    })
                    .collect();
                (
                    "Latency against users".to_string(),
                    format!(
                        "Median (p50) and 99th percentile (p99) latency of successful requests as users grow: {}.{}",
                        lines.join("; "),
                        references(&c.objectives, &millis)
                    ),
                )
            }
            Chart::MonthlyCost(c) => {
                let bars: Vec<String> = c
                    .bars
                    .iter()
                    .map(|b| {
                        let largest = b
                            .monthly
                            .iter()
                            .zip(&c.components)
                            .zip(&b.shares)
                            .max_by(|a, b| a.0.0.total_cmp(b.0.0))
                            .map(|((_, name), share)| {
                                format!(", most of it {name} ({})", percent(*share))
                            })
                            .unwrap_or_default();
                        format!(
                            "{} ({}): {} a month{largest}",
                            b.label,
                            b.detail,
                            money(&c.currency, b.total)
                        )
                    })
                    .collect();
                (
                    format!("Monthly cost by component of {}", c.scenario),
                    format!(
                        "Monthly running cost of {} at each scale, stacked by component ({}): {}.",
                        c.scenario,
                        c.components.join(", "),
                        bars.join("; ")
                    ),
                )
            }
            Chart::Timeline(c) => {
                let arrivals = c.arrivals.iter().map(|p| p.y).fold(0.0, f64::max);
                let refused: Vec<String> = c
                    .refused
                    .iter()
                    .map(|s| {
                        let total: f64 = s.points.iter().map(|p| p.y).sum();
                        format!("{} {}", s.label, quantity(total))
                    })
                    .collect();
                let peak = c
                    .peak_instances
                    .iter()
                    .map(|s| {
                        let most = s.points.iter().map(|p| p.y).fold(0.0, f64::max);
                        format!("{} peaks at {} instances", s.label, trimmed(most, 1))
                    })
                    .collect::<Vec<_>>();
                let markers: Vec<String> = c
                    .markers
                    .iter()
                    .map(|m| format!("{} at hour {}", m.label, trimmed(m.x, 1)))
                    .collect();
                let mut parts = vec![format!(
                    "Hour by hour over {} hours ({} of warm-up shaded): up to {} requests arrive in an hour",
                    trimmed(c.horizon_hours, 1),
                    trimmed(c.warmup_hours, 1),
                    quantity(arrivals)
                )];
                parts.push(if refused.is_empty() {
                    "no request is refused".to_string()
                } else {
                    format!("refused: {}", refused.join(", "))
                });
                parts.extend(peak);
                parts.extend(markers);
                (
                    format!("Timeline of {} at {}", c.scenario, c.scale_label),
                    format!("{}.", parts.join("; ")),
                )
            }
            Chart::BreakEven(c) => {
                let cur = &c.currency;
                let found = match (&c.break_even, &c.note) {
                    (Some(mark), _) => mark.label.clone(),
                    (None, Some(note)) => note.clone(),
                    (None, None) => "no break-even marked".to_string(),
                };
                (
                    format!("Break-even of {}", c.scenario),
                    format!(
                        "Monthly revenue and running cost of {} as users grow: revenue {}, cost {}; {found}.",
                        c.scenario,
                        range(&c.revenue, &|y| money(cur, y), "users"),
                        range(&c.cost, &|y| money(cur, y), "users"),
                    ),
                )
            }
            Chart::Sweep(c) => {
                let panels: Vec<String> = c
                    .panels
                    .iter()
                    .map(|p| {
                        let shown = |y: f64| match &p.quantity {
                            Quantity::Money(cur) => money(cur, y),
                            Quantity::Millis => millis(y),
                            Quantity::Share => percent(y),
                            Quantity::Count => trimmed(y, 1),
                        };
                        let (low, high) = extremes(p.series.iter().flat_map(|s| &s.points));
                        match (low, high) {
                            (Some(l), Some(h)) => {
                                format!("{} from {} to {}", p.title, shown(l.y), shown(h.y))
                            }
                            _ => format!("{}: nothing measured", p.title),
                        }
                    })
                    .collect();
                (
                    format!("Sweep of {} over {}", c.scenario, c.parameter),
                    format!(
                        "How the figures of {} move with {}, one line per {}: {}.",
                        c.scenario,
                        c.parameter,
                        if c.other_parameters.is_empty() {
                            "scale".to_string()
                        } else {
                            format!("scale and value of {}", c.other_parameters.join(", "))
                        },
                        panels.join("; ")
                    ),
                )
            }
            Chart::Crossover(c) => {
                let cur = &c.currency;
                let crossings: Vec<String> = c.crossings.iter().map(|m| m.label.clone()).collect();
                let found = if crossings.is_empty() {
                    c.note.clone().unwrap_or_else(|| "they never cross".into())
                } else {
                    crossings.join("; ")
                };
                (
                    format!("Crossover of {} and {}", c.first, c.second),
                    format!(
                        "Monthly cost of {} ({}) and {} ({}) as users grow; {found}.",
                        c.first,
                        range(&c.first_cost, &|y| money(cur, y), "users"),
                        c.second,
                        range(&c.second_cost, &|y| money(cur, y), "users"),
                    ),
                )
            }
            Chart::Frontier(c) => {
                let cur = &c.currency;
                let scales: Vec<String> = c
                    .scales
                    .iter()
                    .map(|s| {
                        let tried = s.frontier.len() + s.dominated.len() + s.missing.len();
                        let chosen = s
                            .chosen
                            .as_ref()
                            .map(|p| {
                                format!(
                                    "the cheapest that meets the objectives costs {} per transaction at p99 {}",
                                    money(cur, p.x),
                                    millis(p.y)
                                )
                            })
                            .unwrap_or_else(|| "none meets the objectives".into());
                        format!(
                            "{}: {tried} designs, {} miss an objective, {chosen}",
                            s.label,
                            s.missing.len()
                        )
                    })
                    .collect();
                (
                    format!("Cost against latency of the designs of {}", c.scenario),
                    format!(
                        "p99 latency against cost per transaction of every design tried{}: {}.",
                        c.objective_ms
                            .map(|o| format!(" (objective p99 {})", millis(o)))
                            .unwrap_or_default(),
                        scales.join("; ")
                    ),
                )
            }
            Chart::Tornado(c) => {
                let change = |x: Option<f64>| {
                    x.map(|v| format!("{}{}", if v >= 0.0 { "+" } else { "" }, percent(v)))
                        .unwrap_or_else(|| "not valid".into())
                };
                let bars: Vec<String> = c
                    .bars
                    .iter()
                    .map(|b| {
                        format!(
                            "{} ({}): {} / {}",
                            b.label,
                            b.moved,
                            change(b.low),
                            change(b.high)
                        )
                    })
                    .collect();
                let left_off = if c.left_off > 0 {
                    format!("; {} less influential assumptions left off", c.left_off)
                } else {
                    String::new()
                };
                (
                    format!("Sensitivity of {} at {}", c.scenario, c.scale),
                    format!(
                        "Change of cost per transaction with each assumption moved {} down and up, most influential first: {}{left_off}.",
                        c.by,
                        bars.join("; ")
                    ),
                )
            }
        };
        Alternative { title, description }
    }
}

/// "name from Y at X users to Y at X users".
fn span(series: &Series, shown: &dyn Fn(f64) -> String, unit: &str) -> String {
    format!("{} {}", series.label, range(&series.points, shown, unit))
}

/// "from Y at X users to Y at X users", "Y at X users" for one point, "nothing measured".
fn range(points: &[Point], shown: &dyn Fn(f64) -> String, unit: &str) -> String {
    match (points.first(), points.last()) {
        (Some(a), Some(b)) if points.len() > 1 => format!(
            "from {} at {} {unit} to {} at {} {unit}",
            shown(a.y),
            quantity(a.x),
            shown(b.y),
            quantity(b.x)
        ),
        (Some(a), _) => format!("{} at {} {unit}", shown(a.y), quantity(a.x)),
        _ => "nothing measured".to_string(),
    }
}

/// The lowest and highest point.
fn extremes<'a>(points: impl Iterator<Item = &'a Point>) -> (Option<&'a Point>, Option<&'a Point>) {
    let all: Vec<&Point> = points.collect();
    let low = all.iter().copied().min_by(|a, b| a.y.total_cmp(&b.y));
    let high = all.iter().copied().max_by(|a, b| a.y.total_cmp(&b.y));
    (low, high)
}

/// " Reference lines: label (value), …" or nothing.
fn references(lines: &[super::input::ReferenceLine], shown: &dyn Fn(f64) -> String) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let all: Vec<String> = lines
        .iter()
        .map(|r| format!("{} ({})", r.label, shown(r.value)))
        .collect();
    format!(" Reference lines: {}.", all.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plot::input::{CostPerTransactionChart, ReferenceLine};

    #[test]
    fn a_chart_says_the_numbers_it_draws() {
        let chart = Chart::CostPerTransaction(CostPerTransactionChart {
            currency: "USD".into(),
            scenarios: vec![Series {
                label: "chatbot".into(),
                points: vec![Point::new(5000.0, 0.0195), Point::new(50000.0, 0.0031)],
            }],
            revenue_per_transaction: vec![Vec::new()],
            references: vec![ReferenceLine {
                label: "price".into(),
                value: 0.01,
                series: None,
            }],
            replications: 1,
            probed: false,
        });
        let alt = chart.alternative();
        assert_eq!(alt.title, "Cost per successful transaction against users");
        assert_eq!(
            alt.description,
            "Cost per successful transaction as users grow: chatbot from USD 0.01950 at \
             5,000 users to USD 0.003100 at 50,000 users. Reference lines: price (USD 0.01000)."
        );
    }
}
