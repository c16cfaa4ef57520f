//! The one drawing surface every chart draws on: PNG pixels or SVG elements behind
//! plotters' backend interface, with text laid out by [`super::lettering`] and every
//! text box and data mark recorded, so a test can check that no label covers another,
//! covers a point or leaves the image.
//!
//! The SVG is written here rather than by plotters' SVG backend because that backend
//! leaves the lettering to whatever font the viewer has: here each letter is the
//! embedded font's own outline (defined once, used wherever it appears) at the
//! position the PNG puts it, so the SVG looks like the PNG on every viewer. Each
//! piece of text is also there as transparent `<text>` with its measured width, so it
//! can still be searched, selected and read by a screen reader.

use std::fmt::Write as _;

use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontTransform,
    text_anchor::{HPos, VPos},
};

use super::lettering;

/// A rectangle of the image in pixels: left, top, right, bottom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Rect {
    /// Whether the two share any area (touching edges do not count).
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    /// Whether the rectangle lies wholly inside a `width` × `height` image.
    pub fn inside(&self, width: u32, height: u32) -> bool {
        self.left >= 0.0
            && self.top >= 0.0
            && self.right <= f64::from(width)
            && self.bottom <= f64::from(height)
    }
}

/// A piece of text as drawn, and the box it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    pub text: String,
    pub rect: Rect,
}

/// What a chart put where: each text, each data mark (a point drawn as a dot or a
/// ring) and each plot area.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    pub width: u32,
    pub height: u32,
    pub texts: Vec<TextBox>,
    pub marks: Vec<Rect>,
    /// The plotting areas of the chart's panels, top to bottom.
    pub plots: Vec<Rect>,
}

/// Marks a panel's plotting area in the layout; draws nothing. Drawn on the area's
/// pixel coordinates, corner to corner.
pub struct PlotBounds(pub [BackendCoord; 2]);

impl<'b> PointCollection<'b, BackendCoord> for &'b PlotBounds {
    type Point = &'b BackendCoord;
    type IntoIter = &'b [BackendCoord];
    fn point_iter(self) -> &'b [BackendCoord] {
        &self.0
    }
}

impl Drawable<Surface<'_>> for PlotBounds {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut pos: I,
        backend: &mut Surface<'_>,
        _: (u32, u32),
    ) -> Res {
        if let (Some(a), Some(b)) = (pos.next(), pos.next()) {
            backend.layout.plots.push(Rect {
                left: f64::from(a.0.min(b.0)),
                top: f64::from(a.1.min(b.1)),
                right: f64::from(a.0.max(b.0)),
                bottom: f64::from(a.1.max(b.1)),
            });
        }
        Ok(())
    }
}

/// Where the drawing goes.
pub enum Target<'a> {
    Bitmap(BitMapBackend<'a>),
    Svg(Svg<'a>),
}

/// A backend that draws on a [`Target`] and records into a [`Layout`].
pub struct Surface<'a> {
    target: Target<'a>,
    layout: &'a mut Layout,
}

impl<'a> Surface<'a> {
    pub fn new(target: Target<'a>, layout: &'a mut Layout) -> Surface<'a> {
        let (width, height) = match &target {
            Target::Bitmap(b) => b.get_size(),
            Target::Svg(s) => (s.width, s.height),
        };
        layout.width = width;
        layout.height = height;
        Surface { target, layout }
    }
}

/// Errors of either target; the SVG writer itself cannot fail.
#[derive(Debug)]
pub struct SurfaceError(String);

impl std::fmt::Display for SurfaceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SurfaceError {}

type Res = Result<(), DrawingErrorKind<SurfaceError>>;

fn bitmap_err<E: std::error::Error + Send + Sync>(
    e: DrawingErrorKind<E>,
) -> DrawingErrorKind<SurfaceError> {
    match e {
        DrawingErrorKind::DrawingError(e) => {
            DrawingErrorKind::DrawingError(SurfaceError(e.to_string()))
        }
        DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
    }
}

/// Where a line of text of `width` × `height` starts, and the box it covers, for an
/// anchor at `pos` with plotters' alignment and rotation.
fn place(
    (w, h): (f64, f64),
    pos: BackendCoord,
    h_pos: HPos,
    v_pos: VPos,
    transform: &FontTransform,
) -> ((f64, f64), Rect) {
    let dx = match h_pos {
        HPos::Left => 0.0,
        HPos::Center => -w / 2.0,
        HPos::Right => -w,
    };
    let dy = match v_pos {
        VPos::Top => 0.0,
        VPos::Center => -h / 2.0,
        VPos::Bottom => -h,
    };
    let (px, py) = (f64::from(pos.0), f64::from(pos.1));
    match transform {
        // Read bottom to top: the unrotated box turned a quarter anticlockwise about
        // the anchor, as plotters turns it, (x, y) → (y, -x).
        FontTransform::Rotate270 => {
            let rect = Rect {
                left: px + dy,
                top: py - (dx + w),
                right: px + dy + h,
                bottom: py - dx,
            };
            ((dx, dy), rect)
        }
        _ => (
            (dx, dy),
            Rect {
                left: px + dx,
                top: py + dy,
                right: px + dx + w,
                bottom: py + dy + h,
            },
        ),
    }
}

impl DrawingBackend for Surface<'_> {
    type ErrorType = SurfaceError;

    fn get_size(&self) -> (u32, u32) {
        (self.layout.width, self.layout.height)
    }

    fn ensure_prepared(&mut self) -> Res {
        match &mut self.target {
            Target::Bitmap(b) => b.ensure_prepared().map_err(bitmap_err),
            Target::Svg(_) => Ok(()),
        }
    }

    fn present(&mut self) -> Res {
        match &mut self.target {
            Target::Bitmap(b) => b.present().map_err(bitmap_err),
            Target::Svg(s) => {
                s.finish();
                Ok(())
            }
        }
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Res {
        match &mut self.target {
            Target::Bitmap(b) => b.draw_pixel(point, color).map_err(bitmap_err),
            Target::Svg(s) => {
                s.rect(point, (point.0 + 1, point.1 + 1), color, None);
                Ok(())
            }
        }
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Res {
        match &mut self.target {
            Target::Bitmap(b) => b.draw_line(from, to, style).map_err(bitmap_err),
            Target::Svg(s) => {
                s.path(&[from, to], style.color(), style.stroke_width());
                Ok(())
            }
        }
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Res {
        match &mut self.target {
            Target::Bitmap(b) => b
                .draw_rect(upper_left, bottom_right, style, fill)
                .map_err(bitmap_err),
            Target::Svg(s) => {
                let stroke = (!fill).then(|| style.stroke_width());
                s.rect(upper_left, bottom_right, style.color(), stroke);
                Ok(())
            }
        }
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Res {
        match &mut self.target {
            Target::Bitmap(b) => b.draw_path(path, style).map_err(bitmap_err),
            Target::Svg(s) => {
                let points: Vec<BackendCoord> = path.into_iter().collect();
                s.path(&points, style.color(), style.stroke_width());
                Ok(())
            }
        }
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Res {
        let r = f64::from(radius)
            + if fill {
                0.0
            } else {
                f64::from(style.stroke_width()) / 2.0
            };
        self.layout.marks.push(Rect {
            left: f64::from(center.0) - r,
            top: f64::from(center.1) - r,
            right: f64::from(center.0) + r,
            bottom: f64::from(center.1) + r,
        });
        match &mut self.target {
            Target::Bitmap(b) => b
                .draw_circle(center, radius, style, fill)
                .map_err(bitmap_err),
            Target::Svg(s) => {
                let stroke = (!fill).then(|| style.stroke_width());
                s.circle(center, radius, style.color(), stroke);
                Ok(())
            }
        }
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Res {
        match &mut self.target {
            Target::Bitmap(b) => b.fill_polygon(vert, style).map_err(bitmap_err),
            Target::Svg(s) => {
                let points: Vec<BackendCoord> = vert.into_iter().collect();
                s.polygon(&points, style.color());
                Ok(())
            }
        }
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Res {
        let color = style.color();
        if text.is_empty() || color.alpha == 0.0 {
            return Ok(());
        }
        let font = lettering::font().ok_or_else(|| {
            DrawingErrorKind::DrawingError(SurfaceError(
                "the embedded chart font could not be read".into(),
            ))
        })?;
        let line = lettering::layout(font, text, style.size() as f32);
        let anchor = style.anchor();
        let transform = style.transform();
        let ((dx, dy), rect) = place(
            (f64::from(line.width), f64::from(line.height)),
            pos,
            anchor.h_pos,
            anchor.v_pos,
            &transform,
        );
        self.layout.texts.push(TextBox {
            text: text.to_string(),
            rect,
        });
        let rotated = matches!(transform, FontTransform::Rotate270);
        match &mut self.target {
            Target::Bitmap(b) => {
                let (w, h) = b.get_size();
                let mut result = Ok(());
                lettering::rasterise(font, &line, (dx as f32, dy as f32), |x, y, c| {
                    let (x, y) = if rotated { (y, -x) } else { (x, y) };
                    let (x, y) = (pos.0 + x, pos.1 + y);
                    if result.is_ok() && x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                        result = b.draw_pixel((x, y), color.mix(f64::from(c)));
                    }
                });
                result.map_err(bitmap_err)
            }
            Target::Svg(s) => {
                s.text(text, &line, pos, (dx, dy), rotated, color);
                Ok(())
            }
        }
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<SurfaceError>> {
        Ok(lettering::measure(text, style.size() as f32))
    }
}

/// An SVG document written element by element into a string. Coordinates are whole
/// pixels and numbers have fixed decimals, so equal drawings give equal bytes.
pub struct Svg<'a> {
    width: u32,
    height: u32,
    out: &'a mut String,
    body: String,
    /// Outline path of each glyph used, by glyph id, in font units (y up).
    glyphs: std::collections::BTreeMap<u16, String>,
    finished: bool,
}

/// The family the text elements ask for: the embedded font first, then fonts with the
/// same metrics, so a viewer without Liberation Sans keeps the layout.
const SVG_FONTS: &str = "'Liberation Sans', Arimo, Arial, Helvetica, sans-serif";

impl<'a> Svg<'a> {
    pub fn new(width: u32, height: u32, out: &'a mut String) -> Svg<'a> {
        out.clear();
        Svg {
            width,
            height,
            out,
            body: String::new(),
            glyphs: std::collections::BTreeMap::new(),
            finished: false,
        }
    }

    fn finish(&mut self) {
        if self.finished {
            return;
        }
        let (width, height) = (self.width, self.height);
        let _ = writeln!(
            self.out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"{SVG_FONTS}\">"
        );
        if !self.glyphs.is_empty() {
            self.out.push_str("<defs>\n");
            for (id, d) in &self.glyphs {
                let _ = writeln!(self.out, "<path id=\"g{id}\" d=\"{d}\"/>");
            }
            self.out.push_str("</defs>\n");
        }
        self.out.push_str(&self.body);
        self.out.push_str("</svg>\n");
        self.finished = true;
    }

    /// Defines the outline of glyph `id` once, for `<use>`; false for a glyph without
    /// one (a space).
    fn define(&mut self, font: &ab_glyph::FontRef<'static>, id: ab_glyph::GlyphId) -> bool {
        use ab_glyph::{Font, OutlineCurve};
        if self.glyphs.contains_key(&id.0) {
            return true;
        }
        let Some(outline) = font.outline(id) else {
            return false;
        };
        let mut d = String::new();
        let mut end: Option<ab_glyph::Point> = None;
        let n = |v: f32| {
            let t = format!("{v:.1}");
            t.strip_suffix(".0").map(str::to_string).unwrap_or(t)
        };
        for curve in &outline.curves {
            let (start, last) = match curve {
                OutlineCurve::Line(a, b) => (*a, *b),
                OutlineCurve::Quad(a, _, c) => (*a, *c),
                OutlineCurve::Cubic(a, _, _, e) => (*a, *e),
            };
            if end != Some(start) {
                if end.is_some() {
                    d.push('Z');
                }
                let _ = write!(d, "M{} {}", n(start.x), n(start.y));
            }
            let _ = match curve {
                OutlineCurve::Line(_, b) => write!(d, "L{} {}", n(b.x), n(b.y)),
                OutlineCurve::Quad(_, b, c) => {
                    write!(d, "Q{} {} {} {}", n(b.x), n(b.y), n(c.x), n(c.y))
                }
                OutlineCurve::Cubic(_, b, c, e) => write!(
                    d,
                    "C{} {} {} {} {} {}",
                    n(b.x),
                    n(b.y),
                    n(c.x),
                    n(c.y),
                    n(e.x),
                    n(e.y)
                ),
            };
            end = Some(last);
        }
        if end.is_some() {
            d.push('Z');
        }
        self.glyphs.insert(id.0, d);
        true
    }

    fn rect(
        &mut self,
        (x0, y0): BackendCoord,
        (x1, y1): BackendCoord,
        color: BackendColor,
        stroke: Option<u32>,
    ) {
        let (x, y) = (x0.min(x1), y0.min(y1));
        let (w, h) = ((x1 - x0).abs(), (y1 - y0).abs());
        match stroke {
            None => {
                // plotters' filled rectangles include their last row and column.
                let _ = writeln!(
                    self.body,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\"{}/>",
                    w + 1,
                    h + 1,
                    paint("fill", color)
                );
            }
            Some(width) => {
                let _ = writeln!(
                    self.body,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"none\"{} stroke-width=\"{width}\"/>",
                    paint("stroke", color)
                );
            }
        }
    }

    fn path(&mut self, points: &[BackendCoord], color: BackendColor, width: u32) {
        if points.len() < 2 || color.alpha == 0.0 {
            return;
        }
        let _ = write!(self.body, "<polyline points=\"");
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(self.body, "{}{x},{y}", if i > 0 { " " } else { "" });
        }
        let _ = writeln!(
            self.body,
            "\" fill=\"none\"{} stroke-width=\"{}\" stroke-linejoin=\"round\"/>",
            paint("stroke", color),
            width.max(1)
        );
    }

    fn circle(&mut self, (x, y): BackendCoord, r: u32, color: BackendColor, stroke: Option<u32>) {
        match stroke {
            None => {
                let _ = writeln!(
                    self.body,
                    "<circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\"{}/>",
                    paint("fill", color)
                );
            }
            Some(width) => {
                let _ = writeln!(
                    self.body,
                    "<circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\" fill=\"none\"{} stroke-width=\"{width}\"/>",
                    paint("stroke", color)
                );
            }
        }
    }

    fn polygon(&mut self, points: &[BackendCoord], color: BackendColor) {
        if points.len() < 3 || color.alpha == 0.0 {
            return;
        }
        let _ = write!(self.body, "<polygon points=\"");
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(self.body, "{}{x},{y}", if i > 0 { " " } else { "" });
        }
        let _ = writeln!(self.body, "\"{}/>", paint("fill", color));
    }

    fn text(
        &mut self,
        text: &str,
        line: &lettering::Line,
        (ax, ay): BackendCoord,
        (dx, dy): (f64, f64),
        rotated: bool,
        color: BackendColor,
    ) {
        use ab_glyph::{Font, PxScale, ScaleFont};
        let Some(font) = lettering::font() else {
            return;
        };
        // The baseline's start relative to the anchor, before any rotation.
        let (x, y) = (
            f64::from(ax) + dx,
            f64::from(ay) + dy + f64::from(line.ascent),
        );
        let rotate = if rotated {
            format!(" transform=\"rotate(-90 {ax} {ay})\"")
        } else {
            String::new()
        };
        // Font units to pixels; the outlines are y-up, the page y-down.
        let k = font.as_scaled(PxScale::from(line.size)).h_scale_factor();
        let _ = writeln!(self.body, "<g{}{rotate}>", paint("fill", color));
        for g in &line.glyphs {
            if self.define(font, g.id) {
                let _ = writeln!(
                    self.body,
                    "<use xlink:href=\"#g{}\" transform=\"translate({:.2} {y:.2}) scale({k:.5} -{k:.5})\"/>",
                    g.id.0,
                    x + f64::from(g.x)
                );
            }
        }
        let _ = writeln!(
            self.body,
            "<text x=\"{x:.2}\" y=\"{y:.2}\" font-size=\"{}\" textLength=\"{:.2}\" lengthAdjust=\"spacingAndGlyphs\" xml:space=\"preserve\" fill-opacity=\"0\">{}</text>\n</g>",
            line.size,
            line.width,
            escape(text)
        );
    }
}

/// `fill="#rrggbb"` (or stroke), with an opacity when the colour is translucent.
fn paint(what: &str, color: BackendColor) -> String {
    let (r, g, b) = color.rgb;
    if color.alpha >= 1.0 {
        format!(" {what}=\"#{r:02x}{g:02x}{b:02x}\"")
    } else {
        format!(
            " {what}=\"#{r:02x}{g:02x}{b:02x}\" {what}-opacity=\"{:.3}\"",
            color.alpha.max(0.0)
        )
    }
}

/// Text as XML character data: markup characters escaped and control characters, which
/// XML 1.0 does not allow, left out (names reach the charts already escaped for display).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotated_label_covers_the_box_turned_about_its_anchor() {
        // 100 wide, 20 high, centred on (50, 300) and read bottom to top: 20 wide and
        // 100 high around the anchor.
        let (_, r) = place(
            (100.0, 20.0),
            (50, 300),
            HPos::Center,
            VPos::Top,
            &FontTransform::Rotate270,
        );
        assert_eq!(
            r,
            Rect {
                left: 50.0,
                top: 250.0,
                right: 70.0,
                bottom: 350.0
            }
        );
        let (_, r) = place(
            (100.0, 20.0),
            (50, 300),
            HPos::Right,
            VPos::Center,
            &FontTransform::None,
        );
        assert_eq!(
            r,
            Rect {
                left: -50.0,
                top: 290.0,
                right: 50.0,
                bottom: 310.0
            }
        );
    }

    #[test]
    fn svg_text_is_escaped() {
        assert_eq!(escape("a<b & \"c\"\u{1b}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
