//! The terminal tables of the decision commands: `optimize` (the winner and runner-up
//! at each scale), `crossover` (both designs' monthly cost along users, the crossings
//! marked) and `sensitivity` (each assumption's swing, largest first).

use super::super::format::{millis, money, percent, quantity, scale};
use super::{DEGRADED_NOTE, est, plural};
use crate::outcome::{Cheaper, Choice, Outcome, Pick};
use crate::report::document::{Document, Grid};

/// A picked design as a reader names it: its varied values, or its scenario's name.
fn label(p: &Pick) -> String {
    if p.values.is_empty() {
        p.scenario.clone()
    } else {
        p.values
            .iter()
            .map(|(path, v)| format!("{path}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub fn optimize(o: &Outcome) -> Document {
    let cur = o.currency.as_str();
    let name = o.designs.first().map_or("", |d| d.scenario.as_str());
    let over = if o.parameters.is_empty() {
        String::new()
    } else {
        format!(" over {}", o.parameters.join(" × "))
    };
    let mut out = Document::new(format!("Optimize: {name}"));
    out.line(format!(
        "Optimize {name}{over} (seed {}, {} replication{} per design, common random numbers)",
        o.seed,
        o.replications,
        plural(o.replications)
    ));
    for note in &o.notes {
        out.note(note.clone());
    }
    let mut t = Grid::new(
        [
            "Scale",
            "Users",
            "Cheapest that meets the objectives",
            "Cost / transaction",
            "Monthly cost",
            "Margin",
            "p99",
            "Runner-up",
            "Its cost / transaction",
            "Simulated",
        ],
        3,
    );
    let pick_cells = |c: &Choice| -> Vec<String> {
        let Some(p) = &c.chosen else {
            return vec![
                "none of the designs tried".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
            ];
        };
        let mark = if c.too_close_to_call {
            " (too close to call)"
        } else {
            ""
        };
        vec![
            format!("{}{mark}", label(p)),
            est(&p.cost_per_transaction, &|x| money(cur, x)),
            est(&p.monthly_cost, &|x| money(cur, x)),
            p.margin
                .as_ref()
                .map(|m| est(m, &|x| money(cur, x)))
                .unwrap_or_else(|| "—".into()),
            est(&p.latency_p99_ms, &millis),
        ]
    };
    for c in &o.choices {
        let mut cells = vec![scale(c.scale), quantity(c.users)];
        cells.extend(pick_cells(c));
        match &c.runner_up {
            Some(r) => {
                cells.push(label(r));
                cells.push(est(&r.cost_per_transaction, &|x| money(cur, x)));
            }
            None => cells.extend(["—".to_string(), "—".to_string()]),
        }
        cells.push(format!("{} of {}", c.simulated, c.candidates));
        t.row(cells);
    }
    out.grid(t);
    out.line("Objectives: the scenario's SLO, and at least 99% of requests served where none is declared. Simulated: designs run at that scale, out of all there are.");
    if o.choices.iter().any(|c| c.too_close_to_call) {
        out.line("(too close to call): the runner-up's 95% interval of cost per transaction overlaps the winner's; run more --replications to tell them apart");
    }
    out
}

pub fn crossover(o: &Outcome) -> Document {
    let cur = o.currency.as_str();
    let Some(c) = &o.crossover else {
        return Document::default();
    };
    let mut out = Document::new(format!("Crossover: {} and {}", c.first, c.second));
    out.line(format!(
        "Crossover of {} and {}: year-1 monthly cost at a steady load, both on seed {} (common random numbers)",
        c.first, c.second, o.seed
    ));
    for note in &o.notes {
        out.note(note.clone());
    }
    let name = |w: Cheaper| match w {
        Cheaper::First => c.first.as_str(),
        Cheaper::Second => c.second.as_str(),
    };
    let range = format!(
        "{} to {} users",
        quantity(c.search_users[0]),
        quantity(c.search_users[1])
    );
    if c.crossings.is_empty() {
        match c.cheaper_at_start {
            Some(w) => out.line(format!(
                "They never cross from {range}: {} is cheaper throughout.",
                name(w)
            )),
            None => out.line(format!("Nothing was simulated in {range}.")),
        }
    } else {
        if let Some(w) = c.cheaper_at_start {
            out.line(format!(
                "At {} users {} is cheaper.",
                quantity(c.search_users[0]),
                name(w)
            ));
        }
        for x in &c.crossings {
            let within = if x.precision == 0.0 {
                "exactly, at a step cost".to_string()
            } else {
                format!("within {}", percent(x.precision))
            };
            out.line(format!(
                "From {} users ({within}) {} is cheaper: {} against {} a month.",
                quantity(x.users),
                name(x.cheaper_after),
                money(cur, x.first_monthly.min(x.second_monthly)),
                money(cur, x.first_monthly.max(x.second_monthly)),
            ));
        }
    }
    let first = format!("{} monthly", c.first);
    let second = format!("{} monthly", c.second);
    let mut t = Grid::new(["Users", first.as_str(), second.as_str(), "Cheaper"], 0);
    for p in &c.probes {
        let crossing = c.crossings.iter().any(|x| x.users == p.users);
        let cheaper = if p.first_monthly <= p.second_monthly {
            &c.first
        } else {
            &c.second
        };
        t.row(vec![
            quantity(p.users),
            money(cur, p.first_monthly),
            money(cur, p.second_monthly),
            if crossing {
                format!("{cheaper} ◆")
            } else {
                cheaper.clone()
            },
        ]);
    }
    out.grid(t);
    if !c.crossings.is_empty() {
        out.line("◆ the first load simulated past a crossing");
    }
    let degraded: Vec<&str> = o
        .designs
        .iter()
        .filter(|d| d.results.iter().any(|r| r.summary.degraded))
        .map(|d| d.scenario.as_str())
        .collect();
    if !degraded.is_empty() {
        out.note(format!(
            "{} fails requests at some scales (see `compare`); a failing design's cost is that of a system that does not work",
            degraded.join(", ")
        ));
    }
    out
}

pub fn sensitivity(o: &Outcome) -> Document {
    let cur = o.currency.as_str();
    let Some(base) = o.designs.first() else {
        return Document::default();
    };
    let how = match o.sensitivity_by {
        Some(by) => format!("by {}", percent(by)),
        None => "to the values given".to_string(),
    };
    let mut out = Document::new(format!("Sensitivity: {}", base.scenario));
    out.line(format!(
        "Sensitivity of {}: each assumption moved down and up {how}, the rest as written (seed {}, {} replication{}, common random numbers)",
        base.scenario,
        o.seed,
        o.replications,
        plural(o.replications)
    ));
    let mut line = String::from("As written:");
    for r in &base.results {
        line.push_str(&format!(
            " {} at {}",
            est(&r.summary.figures.cost_per_transaction, &|x| money(cur, x)),
            scale(r.summary.scale)
        ));
    }
    line.push_str(" per transaction");
    if let Some(u) = base.break_even.as_ref().and_then(|b| b.users) {
        line.push_str(&format!("; break-even {} users", quantity(u)));
    }
    out.line(line);
    for note in &o.notes {
        out.note(note.clone());
    }
    let mut header: Vec<String> = vec!["Assumption".into(), "Written".into(), "Moved to".into()];
    for r in &base.results {
        header.push(format!("Cost / txn at {}", scale(r.summary.scale)));
    }
    let with_break_even = o.sensitivity.iter().any(|a| a.break_even_users.is_some());
    if with_break_even {
        header.push("Break-even users".into());
    }
    let mut t = Grid::new(header, 3);
    let pair = |xs: [Option<String>; 2]| xs.map(|x| x.unwrap_or_else(|| "—".into())).join(" / ");
    let signed = |x: f64| {
        if x > 0.0 {
            format!("+{}", percent(x))
        } else if x < 0.0 {
            format!("−{}", percent(-x))
        } else {
            "0".into()
        }
    };
    let mut idle: Vec<&str> = Vec::new();
    for a in &o.sensitivity {
        if a.swing == 0.0 {
            idle.push(&a.path);
            continue;
        }
        let mut cells = vec![a.path.clone(), a.written.clone(), pair(a.moved.clone())];
        for e in &a.effects {
            cells.push(pair(e.cost_per_transaction.map(|x| x.map(signed))));
        }
        if with_break_even {
            cells.push(match a.break_even_users {
                Some(u) => pair(u.map(|x| x.map(quantity))),
                None => "—".into(),
            });
        }
        t.row(cells);
    }
    out.grid(t);
    out.line("Each cell: the change with the assumption moved down / up, against the file as written; rows ranked by the largest change at any scale.");
    if !idle.is_empty() {
        out.line(format!(
            "No effect on cost per transaction: {}",
            idle.join(", ")
        ));
    }
    if o.designs
        .iter()
        .flat_map(|d| &d.results)
        .any(|r| r.summary.degraded)
    {
        out.line(DEGRADED_NOTE);
    }
    out
}
