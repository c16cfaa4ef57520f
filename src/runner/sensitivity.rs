//! `sensitivity`: how much each assumption moves the answer. Every design of the plan
//! is the file with one assumption moved down or up (the first is the file as written);
//! all ran on the same seed, so each difference to the base is the assumption's own
//! effect, not noise. Ranked by the largest swing of cost per transaction.

use crate::outcome::{Assumption, DesignOutcome, Effect, Outcome};

/// Each moved assumption's effects against the base design, most influential first.
pub fn assumptions(out: &Outcome) -> Vec<Assumption> {
    let Some(base) = out.designs.first() else {
        return Vec::new();
    };
    let mut found: Vec<Assumption> = Vec::new();
    for d in &out.designs[1..] {
        let Some(v) = &d.variation else { continue };
        let side = v.side;
        let i = match found.iter().position(|a| a.path == v.path) {
            Some(i) => i,
            None => {
                found.push(Assumption {
                    path: v.path.clone(),
                    written: v.written.clone(),
                    moved: [None, None],
                    effects: base
                        .results
                        .iter()
                        .map(|r| Effect {
                            scale: r.summary.scale,
                            cost_per_transaction: [None, None],
                            monthly_cost: [None, None],
                        })
                        .collect(),
                    break_even_users: base.break_even.as_ref().map(|_| [None, None]),
                    swing: 0.0,
                });
                found.len() - 1
            }
        };
        let a = &mut found[i];
        a.moved[side] = Some(v.moved.clone());
        for (effect, (r, b)) in a
            .effects
            .iter_mut()
            .zip(d.results.iter().zip(&base.results))
        {
            let change = |x: f64, base: f64| (base != 0.0).then(|| x / base - 1.0);
            let (f, g) = (&r.summary.figures, &b.summary.figures);
            effect.cost_per_transaction[side] =
                change(f.cost_per_transaction.mean, g.cost_per_transaction.mean);
            effect.monthly_cost[side] = change(f.monthly_cost.mean, g.monthly_cost.mean);
        }
        if let Some(users) = a.break_even_users.as_mut() {
            users[side] = break_even_users(d);
        }
    }
    for a in &mut found {
        a.swing = a
            .effects
            .iter()
            .flat_map(|e| e.cost_per_transaction.iter().flatten())
            .map(|x| x.abs())
            .fold(0.0, f64::max);
    }
    found.sort_by(|a, b| {
        b.swing
            .total_cmp(&a.swing)
            .then_with(|| a.path.cmp(&b.path))
    });
    found
}

/// Users at break-even, when the search found it (or profit starts below the range).
fn break_even_users(d: &DesignOutcome) -> Option<f64> {
    d.break_even.as_ref().and_then(|b| b.users)
}
