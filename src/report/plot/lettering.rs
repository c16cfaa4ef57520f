//! Text laid out with the embedded font's own advance widths and kerning, measured
//! before it is placed and drawn the same way into a PNG or an SVG.
//!
//! plotters' text drawing rounds each glyph's position down to a whole pixel and drops
//! the glyph's side bearing, so letters sit unevenly ("sca le"). Here the pen moves by
//! the font's advance plus the kerning of each pair in fractions of a pixel, and each
//! glyph is rasterised at its exact position.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};

/// Liberation Sans Regular (SIL Open Font Licence 1.1, see `assets/fonts/LICENSE`).
/// Embedded so text looks the same on every machine and no font lookup can fail.
pub const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/LiberationSans-Regular.ttf");

/// The font as parsed once per process; `None` if the embedded bytes could not be read.
pub fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
}

/// One glyph of a laid-out line: which glyph and where its pen position is, pixels from
/// the left end of the line.
#[derive(Clone, Copy, Debug)]
pub struct Placed {
    pub id: GlyphId,
    pub x: f32,
}

/// A line of text laid out at one size.
#[derive(Clone, Debug)]
pub struct Line {
    pub glyphs: Vec<Placed>,
    /// From the left end to where the pen stops, pixels.
    pub width: f32,
    /// Height of the line box (ascent to descent), pixels: equal to the size.
    pub height: f32,
    /// From the top of the line box down to the baseline, pixels.
    pub ascent: f32,
    pub size: f32,
}

/// Lays `text` out in one line at `size` pixels (the height from descent to ascent).
pub fn layout(font: &FontRef<'static>, text: &str, size: f32) -> Line {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut glyphs = Vec::with_capacity(text.len());
    let mut pen = 0.0f32;
    let mut previous: Option<GlyphId> = None;
    for ch in text.chars() {
        let id = scaled.glyph_id(ch);
        if let Some(p) = previous {
            pen += scaled.kern(p, id);
        }
        glyphs.push(Placed { id, x: pen });
        pen += scaled.h_advance(id);
        previous = Some(id);
    }
    Line {
        glyphs,
        width: pen,
        height: scaled.ascent() - scaled.descent(),
        ascent: scaled.ascent(),
        size,
    }
}

/// Width and height of `text` at `size`, whole pixels rounded up; zero when the font is
/// unreadable (rendering then fails earlier, where the font is checked).
pub fn measure(text: &str, size: f32) -> (u32, u32) {
    match font() {
        Some(f) => {
            let line = layout(f, text, size);
            (line.width.ceil() as u32, line.height.ceil() as u32)
        }
        None => (0, 0),
    }
}

/// Calls `pixel(x, y, coverage)` for every pixel the line covers, with the line's top
/// left corner at `(left, top)` (fractions of a pixel kept until the glyph is drawn).
pub fn rasterise(
    font: &FontRef<'static>,
    line: &Line,
    (left, top): (f32, f32),
    mut pixel: impl FnMut(i32, i32, f32),
) {
    let scale = PxScale::from(line.size);
    let baseline = top + line.ascent;
    for g in &line.glyphs {
        let glyph =
            g.id.with_scale_and_position(scale, point(left + g.x, baseline));
        if let Some(outline) = font.outline_glyph(glyph) {
            let bounds = outline.px_bounds();
            let (bx, by) = (bounds.min.x as i32, bounds.min.y as i32);
            outline.draw(|x, y, c| {
                if c > 0.0 {
                    pixel(bx + x as i32, by + y as i32, c.min(1.0));
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_advance_by_the_font_widths_and_pairs_are_kerned() {
        let f = font().expect("the embedded font");
        let one = layout(f, "l", 20.0).width;
        let two = layout(f, "ll", 20.0);
        // No kerning between two l's: the second starts one advance along.
        assert!((two.glyphs[1].x - one).abs() < 1e-4);
        // "AV" is a classic kerned pair: narrower than its letters' advances.
        let a = layout(f, "A", 20.0).width;
        let v = layout(f, "V", 20.0).width;
        let av = layout(f, "AV", 20.0).width;
        assert!(av < a + v, "AV {av} against A {a} + V {v}");
        assert_eq!(measure("", 16.0).0, 0);
        assert_eq!(measure("Hg", 16.0).1, 16);
    }
}
