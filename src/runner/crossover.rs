//! `crossover`: where two designs' monthly costs meet as users grow, from the bracketing
//! search both designs ran on the same loads and seed (common random numbers, so the
//! difference between them is not noise of two different arrival streams).

use super::bracket::{self, Search};
use crate::outcome::{Cheaper, CostCrossing, CostProbe, CrossoverResult};
use crate::scenario::plan::Plan;

/// The crossings the search found, and which design is cheaper where.
pub fn result(plan: &Plan, s: &Search) -> CrossoverResult {
    let k = s.sorted();
    let cheaper = |value: f64| {
        if value > 0.0 {
            Cheaper::Second
        } else {
            Cheaper::First
        }
    };
    let crossings = bracket::brackets(&k)
        .into_iter()
        .take(bracket::MAX_CROSSINGS)
        .map(|(lo, hi)| CostCrossing {
            users: hi.users,
            cheaper_after: cheaper(hi.value),
            first_monthly: hi.parts[0],
            second_monthly: hi.parts[1],
            precision: bracket::precision(&lo, &hi),
        })
        .collect::<Vec<_>>();
    CrossoverResult {
        first: plan.designs()[0].scenario().name().to_string(),
        second: plan.designs()[1].scenario().name().to_string(),
        cheaper_at_start: k.first().map(|p| cheaper(p.value)),
        crossings,
        search_users: [
            k.first().map_or(0.0, |p| p.users),
            k.last().map_or(0.0, |p| p.users),
        ],
        probes: k
            .iter()
            .filter(|p| !p.interpolated)
            .map(|p| CostProbe {
                users: p.users,
                first_monthly: p.parts[0],
                second_monthly: p.parts[1],
            })
            .collect(),
    }
}
