//! One plot panel of lines over two axes, with confidence bands, stacked areas,
//! reference lines, vertical markers, ringed points, a heading and a shaded span: the
//! drawing every line chart here is made of.
//!
//! Every label is measured before it is placed and put where it covers no other label,
//! no data point and stays inside the image; a label with no such place is left out
//! rather than drawn over something.

use anyhow::Result;
use plotters::prelude::*;

use super::axis::Axis;
use super::canvas::{
    ALL_TICKS, Area, GRID, INK, LABEL_SIZE, MUTED, SHADE, TICK_SIZE, Y_DESC_MARGIN, colour, text,
};
use super::input::{Marker, Point, ReferenceLine};
use super::lettering::measure;
use super::surface::{PlotBounds, Rect, Surface};

/// How one series is drawn.
pub struct Line<'a> {
    pub points: &'a [Point],
    pub colour: RGBColor,
    /// Dashed rather than solid, to tell two related lines apart without relying on
    /// colour (p99 against p50).
    pub dashed: bool,
    /// Marks on the data points: a line with them joins simulated points only; a line
    /// of hourly values is drawn without.
    pub dots: bool,
    /// Written at the line's right end in its colour, instead of a legend entry.
    pub label: Option<String>,
    /// Stroke width, pixels.
    pub width: u32,
}

impl<'a> Line<'a> {
    /// A solid line of simulated points, marked, 2 pixels wide.
    pub fn of(points: &'a [Point], colour: RGBColor) -> Line<'a> {
        Line {
            points,
            colour,
            dashed: false,
            dots: true,
            label: None,
            width: 2,
        }
    }

    pub fn dashed(self) -> Line<'a> {
        Line {
            dashed: true,
            ..self
        }
    }

    pub fn unmarked(self) -> Line<'a> {
        Line {
            dots: false,
            ..self
        }
    }

    pub fn labelled(self, label: impl Into<String>) -> Line<'a> {
        Line {
            label: Some(label.into()),
            ..self
        }
    }

    pub fn width(self, width: u32) -> Line<'a> {
        Line { width, ..self }
    }
}

/// A shaded stretch of the horizontal axis with a word in its top corner.
pub struct Shade<'a> {
    pub from: f64,
    pub to: f64,
    pub label: &'a str,
}

/// Everything one panel shows.
pub struct Panel<'a> {
    pub x: &'a Axis,
    pub y: &'a Axis,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    /// Written above the plot at its left, e.g. "p99 latency": names a panel of a stack.
    pub heading: Option<&'a str>,
    /// Tick labels and description under the horizontal axis; panels stacked on a
    /// shared time axis show them only on the lowest.
    pub x_labels: bool,
    /// Width of the vertical axis labels; equal widths line stacked panels up.
    pub y_label_width: u32,
    /// Room right of the plot for the lines' end labels; equal in stacked panels.
    pub gutter: u32,
    pub lines: Vec<Line<'a>>,
    /// Areas stacked from the bottom up, each drawn on the sum of those below it.
    pub stack: Vec<(&'a [Point], RGBColor)>,
    pub references: &'a [ReferenceLine],
    pub markers: &'a [Marker],
    /// Write the markers' labels (once per stack of panels is enough).
    pub marker_labels: bool,
    /// Points to draw attention to with a ring, such as where two lines meet.
    pub rings: &'a [(f64, f64)],
    /// A sentence written in the plot, e.g. why there is nothing to mark.
    pub note: Option<&'a str>,
    pub shade: Option<Shade<'a>>,
}

impl<'a> Panel<'a> {
    /// An empty panel over two axes, with tick labels under it; lines and the rest are
    /// set field by field.
    pub fn new(x: &'a Axis, y: &'a Axis, x_desc: &'a str, y_desc: &'a str) -> Panel<'a> {
        Panel {
            x,
            y,
            x_desc,
            y_desc,
            heading: None,
            x_labels: true,
            y_label_width: 0,
            gutter: NO_GUTTER,
            lines: Vec::new(),
            stack: Vec::new(),
            references: &[],
            markers: &[],
            marker_labels: false,
            rings: &[],
            note: None,
            shade: None,
        }
    }
}

/// Room above a panel for its heading, the labels of its markers and its axis range.
const STRIP: u32 = 30;

/// Height of the horizontal axis labels and description.
pub const X_LABEL_HEIGHT: u32 = 64;

/// Right margin of a panel whose lines carry no end labels.
pub const NO_GUTTER: u32 = 36;

/// Widest an end label may be before it is shortened, pixels.
const MOST_GUTTER_TEXT: u32 = 300;

/// Radius of a point's mark, pixels.
const DOT: i32 = 5;

/// Room right of a plot for end labels of these texts.
pub fn gutter<'a>(labels: impl IntoIterator<Item = &'a str>) -> u32 {
    let widest = labels
        .into_iter()
        .map(|l| measure(l, TICK_SIZE as f32).0)
        .max();
    match widest {
        Some(w) => w.min(MOST_GUTTER_TEXT) + 24,
        None => NO_GUTTER,
    }
}

/// `text` shortened with an ellipsis to at most `most` pixels.
fn fitted(text: &str, most: u32) -> String {
    if measure(text, TICK_SIZE as f32).0 <= most {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>() + "…";
        if measure(&candidate, TICK_SIZE as f32).0 <= most {
            return candidate;
        }
    }
    "…".into()
}

/// Labels already placed and points already marked: what a new label must not cover.
struct Placer {
    taken: Vec<Rect>,
}

impl Placer {
    /// The first candidate top-left corner where a `size` label covers nothing taken
    /// and stays inside `bounds`; it is then taken.
    fn place(
        &mut self,
        (w, h): (u32, u32),
        candidates: &[(i32, i32)],
        bounds: &Rect,
    ) -> Option<(i32, i32)> {
        for &(x, y) in candidates {
            let r = padded(x, y, w, h);
            let inside = r.left >= bounds.left
                && r.top >= bounds.top
                && r.right <= bounds.right
                && r.bottom <= bounds.bottom;
            if inside && !self.taken.iter().any(|t| t.overlaps(&r)) {
                self.taken.push(r);
                return Some((x, y));
            }
        }
        None
    }
}

/// The box a label takes with a little clear room around it.
fn padded(x: i32, y: i32, w: u32, h: u32) -> Rect {
    Rect {
        left: f64::from(x) - 3.0,
        top: f64::from(y) - 2.0,
        right: f64::from(x) + f64::from(w) + 3.0,
        bottom: f64::from(y) + f64::from(h) + 2.0,
    }
}

fn mark_rect((x, y): (i32, i32), r: i32) -> Rect {
    Rect {
        left: f64::from(x - r),
        top: f64::from(y - r),
        right: f64::from(x + r),
        bottom: f64::from(y + r),
    }
}

pub fn draw(area: &Area, panel: &Panel) -> Result<()> {
    let (x_lo, x_hi) = panel.x.bounds();
    let (y_lo, y_hi) = panel.y.bounds();
    let range = panel.y.range_note();
    let strip = panel.heading.is_some()
        || range.is_some()
        || (panel.marker_labels && !panel.markers.is_empty());
    let mut chart = ChartBuilder::on(area)
        .margin_left(Y_DESC_MARGIN)
        // Headings and marker labels sit in a strip above the plot, where they cannot
        // cover data.
        .margin_top(if strip { STRIP } else { 12 })
        .margin_right(panel.gutter)
        .x_label_area_size(if panel.x_labels { X_LABEL_HEIGHT } else { 4 })
        .y_label_area_size(panel.y_label_width)
        .build_cartesian_2d(panel.x.clone(), panel.y.clone())?;

    // The shade goes under the grid, the grid under the data.
    if let Some(shade) = &panel.shade {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(shade.from, y_lo), (shade.to, y_hi)],
            SHADE.filled(),
        )))?;
    }
    let x_format = |v: &f64| {
        if panel.x_labels {
            panel.x.label(*v)
        } else {
            String::new()
        }
    };
    let y_format = |v: &f64| panel.y.label(*v);
    chart
        .configure_mesh()
        .x_labels(ALL_TICKS)
        .y_labels(ALL_TICKS)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .x_desc(if panel.x_labels { panel.x_desc } else { "" })
        .y_desc(panel.y_desc)
        .label_style(text(TICK_SIZE, INK))
        .axis_desc_style(text(LABEL_SIZE, INK))
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .draw()?;
    let plot = {
        let (l, t) = chart.backend_coord(&(x_lo, y_hi));
        let (r, b) = chart.backend_coord(&(x_hi, y_lo));
        Rect {
            left: f64::from(l),
            top: f64::from(t),
            right: f64::from(r),
            bottom: f64::from(b),
        }
    };
    {
        let (w, h) = chart.plotting_area().dim_in_pixel();
        chart
            .plotting_area()
            .strip_coord_spec()
            .draw(&PlotBounds([(0, 0), (w as i32, h as i32)]))?;
    }
    // Zero, when the axis spans it, is where a margin or a change turns: drawn darker.
    if y_lo < 0.0 && y_hi > 0.0 && !panel.y.is_log() {
        chart.draw_series(std::iter::once(PathElement::new(
            [(x_lo, 0.0), (x_hi, 0.0)],
            INK.stroke_width(1),
        )))?;
    }

    // Stacked areas: each component drawn from the sum of those below it.
    let mut base: Vec<f64> = Vec::new();
    for (points, fill) in &panel.stack {
        if base.len() < points.len() {
            base.resize(points.len(), 0.0);
        }
        let top: Vec<f64> = points.iter().zip(&base).map(|(p, b)| b + p.y).collect();
        let outline: Vec<(f64, f64)> = points
            .iter()
            .zip(&top)
            .map(|(p, t)| (p.x, *t))
            .chain(points.iter().zip(&base).rev().map(|(p, b)| (p.x, *b)))
            .collect();
        if outline.len() >= 4 {
            chart.draw_series(std::iter::once(Polygon::new(outline, fill.filled())))?;
        }
        base[..top.len()].copy_from_slice(&top);
    }

    for line in &panel.lines {
        let band: Vec<(f64, f64)> = line
            .points
            .iter()
            .filter_map(|p| p.band.map(|(_, hi)| (p.x, hi)))
            .chain(
                line.points
                    .iter()
                    .rev()
                    .filter_map(|p| p.band.map(|(lo, _)| (p.x, lo))),
            )
            .collect();
        if band.len() >= 4 {
            chart.draw_series(std::iter::once(Polygon::new(
                band,
                line.colour.mix(0.18).filled(),
            )))?;
        }
    }
    for reference in panel.references {
        chart.draw_series(DashedLineSeries::new(
            [(x_lo, reference.value), (x_hi, reference.value)],
            // Shorter and thinner than a dashed series, so an objective drawn in a
            // scenario's colour is not taken for its p99 line.
            5,
            5,
            reference_colour(reference).stroke_width(2),
        ))?;
    }
    for marker in panel.markers {
        chart.draw_series(DashedLineSeries::new(
            [(marker.x, y_lo), (marker.x, y_hi)],
            8,
            5,
            INK.stroke_width(2),
        ))?;
    }
    for line in &panel.lines {
        // Lines join the simulated points and nothing else.
        let points = line.points.iter().map(|p| (p.x, p.y));
        let style = line.colour.stroke_width(line.width);
        if line.dashed {
            chart.draw_series(DashedLineSeries::new(points, 10, 6, style))?;
        } else {
            chart.draw_series(LineSeries::new(points, style))?;
        }
    }

    // Marks last among the data, so lines never hide them. A point on another's
    // pixel is moved aside, so identical results stay visible as two marks.
    let mut placer = Placer { taken: Vec::new() };
    let mut flags: Vec<((i32, i32), String, RGBColor)> = Vec::new();
    for line in panel.lines.iter().filter(|l| l.dots) {
        for p in line.points {
            let mut at = chart.backend_coord(&(p.x, p.y));
            for _ in 0..3 {
                if placer
                    .taken
                    .iter()
                    .any(|t| t.overlaps(&mark_rect(at, DOT - 2)))
                {
                    at.0 += DOT * 2 - 1;
                }
            }
            let root = chart.plotting_area().strip_coord_spec();
            let (ox, oy) = root.get_base_pixel();
            let local = (at.0 - ox, at.1 - oy);
            match &p.degraded {
                None => {
                    root.draw(&Circle::new(local, DOT as u32 + 1, WHITE.filled()))?;
                    root.draw(&Circle::new(local, DOT as u32, line.colour.filled()))?;
                }
                Some(why) => {
                    // Hollow: a failing system's figure is not one to rely on.
                    root.draw(&Circle::new(local, DOT as u32 + 1, WHITE.filled()))?;
                    root.draw(&Circle::new(local, DOT as u32, line.colour.stroke_width(2)))?;
                    flags.push((at, why.clone(), line.colour));
                }
            }
            placer.taken.push(mark_rect(at, DOT + 1));
        }
    }
    for &(x, y) in panel.rings {
        let at = chart.backend_coord(&(x, y));
        chart.draw_series(std::iter::once(Circle::new(
            (x, y),
            11,
            INK.stroke_width(3),
        )))?;
        placer.taken.push(mark_rect(at, 13));
    }

    // Text last, each piece where it covers nothing else.
    let image = {
        let root = area.strip_coord_spec();
        let (ox, oy) = root.get_base_pixel();
        let (w, h) = root.dim_in_pixel();
        Rect {
            left: f64::from(ox),
            top: f64::from(oy),
            right: f64::from(ox) + f64::from(w),
            bottom: f64::from(oy) + f64::from(h),
        }
    };
    let th = measure("Ag", TICK_SIZE as f32).1;
    let (pl, pt, pr, pb) = (
        plot.left as i32,
        plot.top as i32,
        plot.right as i32,
        plot.bottom as i32,
    );

    // End labels, in the gutter right of the plot, moved apart where lines end close
    // together; a thin leader joins a moved label to its line.
    let mut ends: Vec<(i32, String, RGBColor, i32)> = panel
        .lines
        .iter()
        .filter_map(|l| {
            let label = l.label.as_ref()?;
            let last = l.points.last()?;
            let at = chart.backend_coord(&(last.x, last.y));
            Some((
                at.1,
                fitted(label, panel.gutter.saturating_sub(24)),
                l.colour,
                at.0,
            ))
        })
        .collect();
    // A line that ends well left of the plot's edge is named beside its last point,
    // where that covers nothing; a leader across the plot would cross other data.
    let mut beside = Vec::new();
    ends.retain(|(y, label, c, x)| {
        if *x >= pr - 30 {
            return true;
        }
        let size = measure(label, TICK_SIZE as f32);
        let (w, h) = (size.0 as i32, size.1 as i32);
        let candidates = [
            (x + DOT + 6, y - h / 2),
            (x + DOT + 4, y - h - 4),
            (x + DOT + 4, y + 4),
            (x - w / 2, y - DOT - 6 - h),
            (x - w / 2, y + DOT + 6),
        ];
        match placer.place(size, &candidates, &plot) {
            Some(at) => {
                beside.push((label.clone(), *c, at));
                false
            }
            None => true,
        }
    });
    for (label, c, at) in &beside {
        text_at(area, label, TICK_SIZE, label_colour(*c), *at)?;
    }
    ends.sort_by_key(|e| e.0);
    let mut tops: Vec<i32> = ends.iter().map(|e| e.0 - th as i32 / 2).collect();
    let step = th as i32 + 4;
    for i in 1..tops.len() {
        tops[i] = tops[i].max(tops[i - 1] + step);
    }
    if let Some(&last) = tops.last()
        && last + th as i32 > pb
    {
        let mut limit = pb - th as i32;
        for t in tops.iter_mut().rev() {
            if *t > limit {
                *t = limit;
            }
            limit = *t - step;
        }
    }
    for t in tops.iter_mut() {
        *t = (*t).max(image.top as i32 + 2);
    }
    let gutter_x = pr + 12;
    for ((y, label, c, x), top) in ends.iter().zip(&tops) {
        let centre = top + th as i32 / 2;
        if (centre - y).abs() > 3 || *x < pr - 8 {
            draw_path(
                area,
                &[(*x + DOT + 2, *y), (gutter_x - 3, centre)],
                c.mix(0.6),
            )?;
        }
        let size = measure(label, TICK_SIZE as f32);
        placer.taken.push(padded(gutter_x, *top, size.0, size.1));
        text_at(area, label, TICK_SIZE, label_colour(*c), (gutter_x, *top))?;
    }

    // Heading and axis range, above the plot at its left.
    let mut strip_x = pl;
    let strip_top = pt - STRIP as i32 + 4;
    if let Some(heading) = panel.heading {
        let size = measure(heading, LABEL_SIZE as f32);
        text_at(area, heading, LABEL_SIZE, INK, (strip_x, strip_top))?;
        placer
            .taken
            .push(padded(strip_x, strip_top, size.0, size.1));
        strip_x += size.0 as i32 + 14;
    }
    if let Some(range) = &range {
        let size = measure(range, TICK_SIZE as f32);
        let y = strip_top + 2;
        if strip_x + size.0 as i32 <= pr {
            text_at(area, range, TICK_SIZE, MUTED, (strip_x, y))?;
            placer.taken.push(padded(strip_x, y, size.0, size.1));
        }
    }

    if panel.marker_labels {
        // Above the plot beside its line, on the side with room.
        let strip_bounds = Rect {
            left: image.left,
            top: image.top,
            right: image.right,
            bottom: plot.top,
        };
        for marker in panel.markers {
            let (mx, _) = chart.backend_coord(&(marker.x, y_hi));
            let size = measure(&marker.label, TICK_SIZE as f32);
            let y = pt - size.1 as i32 - 6;
            let candidates = [(mx + 8, y), (mx - 8 - size.0 as i32, y)];
            if let Some(at) = placer.place(size, &candidates, &strip_bounds) {
                text_at(area, &marker.label, TICK_SIZE, INK, at)?;
            } else if let Some(at) = placer.place(
                size,
                &[(mx + 8, pt + 6), (mx - 8 - size.0 as i32, pt + 6)],
                &plot,
            ) {
                boxed(area, &marker.label, at, size, INK)?;
            }
        }
    }

    // Each reference is labelled beside its line, inside the plot, where it covers no
    // point or other label.
    for reference in panel.references {
        let (_, ry) = chart.backend_coord(&(x_hi, reference.value));
        let size = measure(&reference.label, TICK_SIZE as f32);
        let (w, h) = (size.0 as i32, size.1 as i32);
        let xs = [pr - 8 - w, pl + 8, (pl + pr - w) / 2];
        let mut candidates = Vec::new();
        for x in xs {
            candidates.push((x, ry - 5 - h));
            candidates.push((x, ry + 5));
        }
        if let Some(at) = placer.place(size, &candidates, &plot) {
            boxed(area, &reference.label, at, size, INK)?;
        }
    }

    // Why a point is hollow, beside it.
    for ((x, y), why, c) in flags.iter().filter(|f| !f.1.is_empty()) {
        let size = measure(why, TICK_SIZE as f32);
        let (w, h) = (size.0 as i32, size.1 as i32);
        let candidates = [
            (x + DOT + 5, y - h / 2),
            (x - w / 2, y - DOT - 6 - h),
            (x - w / 2, y + DOT + 6),
            (x - DOT - 5 - w, y - h / 2),
            (x + DOT + 5, y - h - 4),
            (x + DOT + 5, y + 4),
        ];
        if let Some(at) = placer.place(size, &candidates, &plot) {
            boxed(area, why, at, size, label_colour(*c))?;
        }
    }

    if let Some(note) = panel.note {
        let size = measure(note, TICK_SIZE as f32);
        let (w, h) = (size.0 as i32, size.1 as i32);
        let candidates = [
            (pl + 8, pt + 8),
            (pr - 8 - w, pt + 8),
            (pl + 8, pb - 8 - h),
            (pr - 8 - w, pb - 8 - h),
        ];
        if let Some(at) = placer.place(size, &candidates, &plot) {
            boxed(area, note, at, size, INK)?;
        }
    }

    if let Some(shade) = &panel.shade
        && !shade.label.is_empty()
    {
        let (sx, _) = chart.backend_coord(&(shade.from, y_hi));
        let size = measure(shade.label, TICK_SIZE as f32);
        if let Some(at) = placer.place(size, &[(sx + 6, pt + 6)], &plot) {
            text_at(area, shade.label, TICK_SIZE, MUTED, at)?;
        }
    }
    Ok(())
}

/// A reference line's colour: its series', or ink when it concerns them all.
fn reference_colour(reference: &ReferenceLine) -> RGBColor {
    reference.series.map_or(INK, colour)
}

/// A series colour darkened enough to read as text on white (the palette's yellow and
/// orange are too pale for letters).
fn label_colour(c: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = c;
    let luminance = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luminance > 140.0 {
        let k = 140.0 / luminance;
        RGBColor(
            (f64::from(r) * k) as u8,
            (f64::from(g) * k) as u8,
            (f64::from(b) * k) as u8,
        )
    } else {
        c
    }
}

/// Writes `label` with its top-left corner at `(x, y)` of the whole image.
pub fn text_at(
    area: &DrawingArea<Surface<'_>, impl CoordTranslate>,
    label: &str,
    size: u32,
    ink: RGBColor,
    (x, y): (i32, i32),
) -> Result<()> {
    let root = area.strip_coord_spec();
    let (ox, oy) = root.get_base_pixel();
    root.draw_text(label, &text(size, ink), (x - ox, y - oy))?;
    Ok(())
}

fn draw_path(area: &Area, points: &[(i32, i32)], ink: RGBAColor) -> Result<()> {
    let root = area.strip_coord_spec();
    let (ox, oy) = root.get_base_pixel();
    let local: Vec<(i32, i32)> = points.iter().map(|(x, y)| (x - ox, y - oy)).collect();
    root.draw(&PathElement::new(local, ink.stroke_width(1)))?;
    Ok(())
}

/// Writes `label` at a pixel position of the whole image on a mostly opaque white box,
/// for text inside a plot, over grid lines and shading.
fn boxed(
    area: &Area,
    label: &str,
    (x, y): (i32, i32),
    (w, h): (u32, u32),
    ink: RGBColor,
) -> Result<()> {
    let root = area.strip_coord_spec();
    let (ox, oy) = root.get_base_pixel();
    root.draw(&Rectangle::new(
        [
            (x - ox - 3, y - oy - 2),
            (x - ox + w as i32 + 3, y - oy + h as i32 + 2),
        ],
        WHITE.mix(0.85).filled(),
    ))?;
    text_at(area, label, TICK_SIZE, ink, (x, y))
}
