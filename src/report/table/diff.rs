//! The terminal table of `diff`: at each scale, each cost line's monthly figure in
//! BASE and HEAD with the change, then the totals, cost per transaction, p99 and
//! success rate.

use super::super::format::{millis, money, percent, quantity, scale};
use crate::outcome::{Change, LineStatus, Outcome};
use crate::report::document::{Document, Grid};

pub fn diff(o: &Outcome) -> Document {
    let cur = o.currency.as_str();
    let Some(d) = &o.diff else {
        return Document::default();
    };
    let mut out = Document::new(format!("Diff: {} → {}", d.base, d.head));
    out.line(format!(
        "Diff of {} (base) → {} (head) on the same random numbers (seed {}): the head runs at the base's scales and users",
        d.base, d.head, o.seed
    ));
    for note in &o.notes {
        out.note(note.clone());
    }
    let base_header = format!("{} (base)", d.base);
    let head_header = format!("{} (head)", d.head);
    let signed_money = |x: f64| {
        if x > 0.0 {
            format!("+{}", money(cur, x))
        } else {
            money(cur, x)
        }
    };
    for s in &d.scales {
        out.section(format!(
            "At {} ({} users)",
            scale(s.scale),
            quantity(s.users)
        ));
        let mut t = Grid::new(
            [
                "Monthly (year-1 average)",
                base_header.as_str(),
                head_header.as_str(),
                "Change",
                "Change %",
            ],
            1,
        );
        let money_row =
            |label: String, c: &Change| row(label, c, &|x| money(cur, x), &signed_money);
        for line in &s.components {
            let label = match line.status {
                LineStatus::Added => format!("{} (added)", line.name),
                LineStatus::Removed => format!("{} (removed)", line.name),
                LineStatus::Unchanged | LineStatus::Changed => line.name.clone(),
            };
            t.row(money_row(label, &line.monthly));
        }
        t.row(money_row("Total monthly cost".into(), &s.monthly_total));
        t.row(money_row(
            "Cost per successful transaction".into(),
            &s.cost_per_transaction,
        ));
        t.row(row(
            "Latency p99".into(),
            &s.latency_p99_ms,
            &millis,
            &|x| {
                if x > 0.0 {
                    format!("+{}", millis(x))
                } else {
                    millis(x)
                }
            },
        ));
        t.row(row(
            "Success rate".into(),
            &s.success_rate,
            &percent,
            &|x| format!("{:+.3} points", x * 100.0),
        ));
        out.grid(t);
    }
    out.line("Change: head minus base; Change %: of the base's figure. A cost line one design does not have counts as nothing there.");
    out
}

/// A figure's cells: base, head, change and change %, "—" where there is none.
fn row(
    label: String,
    c: &Change,
    value: &dyn Fn(f64) -> String,
    delta: &dyn Fn(f64) -> String,
) -> Vec<String> {
    let or_dash = |x: Option<String>| x.unwrap_or_else(|| "—".into());
    vec![
        label,
        or_dash(c.base.map(value)),
        or_dash(c.head.map(value)),
        or_dash(c.delta.map(delta)),
        or_dash(c.delta_fraction.map(|f| {
            if f > 0.0 {
                format!("+{}", percent(f))
            } else {
                percent(f)
            }
        })),
    ]
}
