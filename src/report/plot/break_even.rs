//! Break-even: monthly revenue and running costs of one scenario against users, with
//! the load at which they meet marked, or a note saying why there is none.

use anyhow::Result;

use super::axis::{Axis, Unit};
use super::canvas::{Drawing, PlotFormat, colour};
use super::input::{BreakEvenChart, Marker};
use super::load::{against_users, draw_against_users, users_axis, values};
use super::panel::{Line, Panel};

/// Revenue in bluish green and costs in vermillion: apart in the palette and apart for
/// the common colour-vision deficiencies; their line styles differ as well.
const REVENUE: usize = 2;
const COST: usize = 1;

pub fn render(chart: &BreakEvenChart, format: PlotFormat) -> Result<Drawing> {
    let points = || chart.revenue.iter().chain(&chart.cost);
    let x = users_axis(points());
    let y = Axis::auto(values(points()), Unit::Money(chart.currency.clone()));
    let lines = vec![
        Line::of(&chart.revenue, colour(REVENUE))
            .dashed()
            .labelled("monthly revenue"),
        Line::of(&chart.cost, colour(COST)).labelled("running costs"),
    ];
    let markers: Vec<Marker> = chart
        .break_even
        .iter()
        .map(|b| Marker {
            label: b.label.clone(),
            x: b.users,
        })
        .collect();
    let rings: Vec<(f64, f64)> = chart
        .break_even
        .iter()
        .map(|b| (b.users, b.monthly_cost))
        .collect();
    let subtitle = format!(
        "A 30-day month, averaged over year 1, one-off costs excluded; {}; users{} on a log scale",
        if chart.break_even.is_some() {
            "each point a full simulation: the scales and the loads the search tried"
        } else {
            "one point per simulated scale"
        },
        if y.is_log() { " and money" } else { "" }
    );
    let y_desc = format!("Per month ({})", chart.currency);
    draw_against_users(
        &format!("{}: where revenue covers the running costs", chart.scenario),
        &subtitle,
        Panel {
            markers: &markers,
            marker_labels: true,
            rings: &rings,
            note: chart.note.as_deref(),
            ..against_users(&x, &y, &y_desc, lines)
        },
        format,
    )
}
