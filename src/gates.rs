//! CI gates (`--fail-on`): conditions on a finished [`Outcome`] that make the run exit 3
//! after its output is written, so a pipeline can fail on a broken SLO or a blown budget.
//!
//! Gates only read the verdicts and figures the outcome already holds (the SLO verdict,
//! the degraded flag, the budget verdict, the mean figures); they judge nothing afresh.

use std::fmt;

use crate::outcome::{Outcome, SloTarget, Summary};
use crate::report::format::{money, percent, scale};

/// The values `--fail-on` accepts, for help and error messages.
pub const ALLOWED: &str = "slo, degraded, budget, cost-per-transaction>X, monthly-cost>X \
     (X in the scenario's currency), error-rate>X (a fraction, e.g. 0.01) or, for compare, \
     delta>PCT (a rise in cost per transaction over the baseline, e.g. delta>5%)";

/// Exit code of a run whose output was written but a gate tripped.
pub const EXIT_CODE: u8 = 3;

/// One `--fail-on` condition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gate {
    /// A scale fails the scenario's declared `slo`.
    Slo,
    /// A scale serves fewer requests than the SLO's error rate allows (99% without one).
    Degraded,
    /// A month of the two-year schedule costs more than the declared `budget.monthly`.
    Budget,
    /// Mean cost per successful transaction above this, in the outcome's currency.
    CostPerTransaction(f64),
    /// Mean monthly running cost above this, in the outcome's currency.
    MonthlyCost(f64),
    /// Mean failed ÷ offered requests above this fraction.
    ErrorRate(f64),
    /// Compare: a design's mean cost per transaction above the baseline's by more than
    /// this fraction (written as a percentage).
    Delta(f64),
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gate::Slo => f.write_str("slo"),
            Gate::Degraded => f.write_str("degraded"),
            Gate::Budget => f.write_str("budget"),
            Gate::CostPerTransaction(x) => write!(f, "cost-per-transaction>{x}"),
            Gate::MonthlyCost(x) => write!(f, "monthly-cost>{x}"),
            Gate::ErrorRate(x) => write!(f, "error-rate>{x}"),
            Gate::Delta(x) => write!(f, "delta>{}%", x * 100.0),
        }
    }
}

/// Parses one `--fail-on` value; the error lists what is allowed.
pub fn parse(arg: &str) -> Result<Gate, String> {
    let arg = arg.trim();
    match arg {
        "slo" => return Ok(Gate::Slo),
        "degraded" => return Ok(Gate::Degraded),
        "budget" => return Ok(Gate::Budget),
        _ => {}
    }
    let Some((name, limit)) = arg.split_once('>') else {
        return Err(format!("\"{arg}\" is not a gate; allowed: {ALLOWED}"));
    };
    let name = name.trim();
    if name == "delta" {
        let pct = limit.trim();
        return pct
            .strip_suffix('%')
            .unwrap_or(pct)
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(|x| Gate::Delta(x / 100.0))
            .ok_or(format!(
                "\"{pct}\" in \"{arg}\" is not a percentage of 0 or more, e.g. delta>5%"
            ));
    }
    if !matches!(name, "cost-per-transaction" | "monthly-cost" | "error-rate") {
        return Err(format!(
            "\"{name}\" is not a figure a gate can limit; allowed: {ALLOWED}"
        ));
    }
    let limit = limit.trim();
    let value: f64 = limit
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite() && *x >= 0.0)
        .ok_or(format!(
            "\"{limit}\" in \"{arg}\" is not a number of 0 or more; allowed: {ALLOWED}"
        ))?;
    Ok(match name {
        "cost-per-transaction" => Gate::CostPerTransaction(value),
        "monthly-cost" => Gate::MonthlyCost(value),
        _ if value > 1.0 => {
            return Err(format!(
                "\"{limit}\" in \"{arg}\" is above 1; an error rate is a fraction, e.g. 0.01 for 1%"
            ));
        }
        _ => Gate::ErrorRate(value),
    })
}

/// Every gate a scale of the outcome trips, one line each, in design, scale and gate
/// order: which gate, where, and the figure against its limit.
pub fn check(gates: &[Gate], outcome: &Outcome) -> Vec<String> {
    let cur = outcome.currency.as_str();
    let mut tripped = Vec::new();
    for design in &outcome.designs {
        // A sweep's points share the scenario's name; their values tell them apart.
        let name = if design.values.is_empty() {
            design.scenario.clone()
        } else {
            let values: Vec<String> = outcome
                .parameters
                .iter()
                .zip(&design.values)
                .map(|(p, v)| format!("{p}={v}"))
                .collect();
            format!("{} ({})", design.scenario, values.join(", "))
        };
        for result in &design.results {
            let s = &result.summary;
            for gate in gates {
                if let Some(why) = trips(*gate, s, cur) {
                    tripped.push(format!(
                        "--fail-on {gate}: {name} at {}: {why}",
                        scale(s.scale)
                    ));
                }
            }
        }
    }
    tripped
}

/// Why `gate` trips at this scale, or `None` when it holds.
fn trips(gate: Gate, s: &Summary, cur: &str) -> Option<String> {
    let f = &s.figures;
    match gate {
        Gate::Slo => {
            let verdict = s.slo.as_ref()?;
            let failed: Vec<String> = verdict
                .checks
                .iter()
                .filter(|c| !c.pass)
                .map(|c| {
                    let show = |x: f64| match c.target {
                        SloTarget::P99LatencyMs => format!("p99 latency {x:.1} ms"),
                        SloTarget::P99TtftMs => format!("p99 time to first token {x:.1} ms"),
                        SloTarget::P99TpotMs => format!("p99 time per output token {x:.1} ms"),
                        SloTarget::ErrorRate => format!("error rate {}", percent(x)),
                        SloTarget::CostPerTransaction => {
                            format!("cost per transaction {}", money(cur, x))
                        }
                    };
                    let limit = show(c.limit);
                    match c.value {
                        Some(v) => format!("{} is above the SLO's {}", show(v), limit),
                        None => format!("nothing was measured against the SLO's {limit}"),
                    }
                })
                .collect();
            (!verdict.pass).then(|| failed.join("; "))
        }
        Gate::Degraded => s.degraded.then(|| {
            let needed = s
                .slo
                .as_ref()
                .and_then(|v| v.checks.iter().find(|c| c.target == SloTarget::ErrorRate))
                .map_or(crate::outcome::MIN_SUCCESS_RATE, |c| 1.0 - c.limit);
            format!(
                "{} of requests served, below the {} required",
                percent(f.success_rate.mean),
                percent(needed)
            )
        }),
        Gate::Budget => {
            let b = s.budget.as_ref()?;
            let (month, cost) = (b.first_month_over?, b.month_cost?);
            Some(format!(
                "month {month} costs {}, above the budget of {} a month",
                money(cur, cost),
                money(cur, b.monthly)
            ))
        }
        Gate::CostPerTransaction(limit) => (f.cost_per_transaction.mean > limit).then(|| {
            format!(
                "cost per transaction {} is above {}",
                money(cur, f.cost_per_transaction.mean),
                money(cur, limit)
            )
        }),
        Gate::MonthlyCost(limit) => (f.monthly_cost.mean > limit).then(|| {
            format!(
                "monthly cost {} is above {}",
                money(cur, f.monthly_cost.mean),
                money(cur, limit)
            )
        }),
        Gate::Delta(limit) => {
            let d = s.vs_baseline.as_ref()?;
            let rise = d.cost_per_transaction_fraction?;
            (rise > limit).then(|| {
                format!(
                    "cost per transaction is {} above the baseline's ({} more), past the {} allowed",
                    percent(rise),
                    money(cur, d.cost_per_transaction),
                    percent(limit)
                )
            })
        }
        Gate::ErrorRate(limit) => (f.error_rate.mean > limit).then(|| {
            format!(
                "error rate {} is above {}",
                percent(f.error_rate.mean),
                percent(limit)
            )
        }),
    }
}

/// The run's output was written, but gates tripped: exit code 3, one line per gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tripped(pub Vec<String>);

impl fmt::Display for Tripped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for Tripped {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_gate_and_rejects_the_rest_with_the_list() {
        assert_eq!(parse("slo"), Ok(Gate::Slo));
        assert_eq!(parse("budget"), Ok(Gate::Budget));
        assert_eq!(parse("degraded"), Ok(Gate::Degraded));
        assert_eq!(
            parse("cost-per-transaction>0.02"),
            Ok(Gate::CostPerTransaction(0.02))
        );
        assert_eq!(parse("monthly-cost>50000"), Ok(Gate::MonthlyCost(50000.0)));
        assert_eq!(parse("error-rate>0.01"), Ok(Gate::ErrorRate(0.01)));
        assert_eq!(parse("delta>5%"), Ok(Gate::Delta(0.05)));
        assert_eq!(parse("delta>12.5"), Ok(Gate::Delta(0.125)));
        assert!(parse("delta>-1%").is_err());
        for bad in [
            "slow",
            "latency>3",
            "monthly-cost>-1",
            "monthly-cost>x",
            "error-rate>2",
        ] {
            let err = parse(bad).unwrap_err();
            assert!(
                err.contains("allowed") || err.contains("fraction"),
                "{bad}: {err}"
            );
        }
    }
}
