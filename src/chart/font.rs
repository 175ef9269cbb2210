//! The embedded font (DejaVu Sans, regular and bold): registered with plotters once as its
//! "sans-serif", and measured with ab_glyph, the same library plotters draws it with.
//!
//! plotters' ab_glyph backend draws each glyph from its pen position without the glyph's left
//! side bearing, so letters with a large or negative bearing ("J") sit visibly out of line
//! ("19  Jul"). The PNG painter therefore draws each character on its own, at the position the
//! font's metrics give it ([`Metrics::h_metrics`]); the SVG keeps whole strings (the viewer lays
//! them out, with these fonts embedded: `svgtext`).
//!
//! Sizes are plotters sizes: ab_glyph scales ascent − descent to the size, so a size `s` is an
//! em of `s / 1.164` px for DejaVu Sans.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, OnceLock};

use ab_glyph::{Font, FontRef};
use plotters::style::{register_font, FontDesc, FontFamily, FontStyle};

use super::pixel::round_px;
use super::ChartError;

pub(super) static FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub(super) static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the embedded DejaVu Sans (regular and bold) as plotters' "sans-serif", once.
pub(super) fn ensure_fonts() -> Result<(), ChartError> {
    static ONCE: Once = Once::new();
    static OK: AtomicBool = AtomicBool::new(false);
    ONCE.call_once(|| {
        let ok = register_font("sans-serif", FontStyle::Normal, FONT_REGULAR).is_ok()
            && register_font("sans-serif", FontStyle::Bold, FONT_BOLD).is_ok();
        OK.store(ok, Ordering::SeqCst);
    });
    if OK.load(Ordering::SeqCst) {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// The plotters font of a size and weight.
pub(super) fn font(size: f64, bold: bool) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, size, if bold { FontStyle::Bold } else { FontStyle::Normal })
}

/// Horizontal metrics of one embedded font, in font units.
pub(super) struct Metrics {
    font: FontRef<'static>,
    /// ascent − descent in font units: ab_glyph scales this to the plotters size.
    pub(super) height_units: f64,
    /// Font units per em (2048 for DejaVu Sans).
    pub(super) units_per_em: f64,
}

impl Metrics {
    fn parse(data: &'static [u8]) -> Option<Metrics> {
        let font = FontRef::try_from_slice(data).ok()?;
        let height_units = f64::from(font.height_unscaled());
        let units_per_em = f64::from(font.units_per_em()?);
        (height_units > 0.0).then_some(Metrics { font, height_units, units_per_em })
    }

    /// The glyph of a character (0, the missing glyph, when the font has none).
    #[cfg(test)]
    pub(super) fn glyph(&self, c: char) -> u16 {
        self.font.glyph_id(c).0
    }

    /// (advance, left side bearing) in font units.
    pub(super) fn h_metrics(&self, c: char) -> (f64, f64) {
        let g = self.font.glyph_id(c);
        (f64::from(self.font.h_advance_unscaled(g)), f64::from(self.font.h_side_bearing_unscaled(g)))
    }

    /// Pixels per font unit at a plotters text size.
    pub(super) fn scale(&self, size: f64) -> f64 {
        size / self.height_units
    }

    pub(super) fn width(&self, text: &str, size: f64) -> f64 {
        text.chars().map(|c| self.h_metrics(c).0).sum::<f64>() * self.scale(size)
    }
}

/// The metrics of the regular or the bold font (parsed once).
pub(super) fn metrics(bold: bool) -> Option<&'static Metrics> {
    static REGULAR: OnceLock<Option<Metrics>> = OnceLock::new();
    static BOLD: OnceLock<Option<Metrics>> = OnceLock::new();
    if bold {
        BOLD.get_or_init(|| Metrics::parse(FONT_BOLD)).as_ref()
    } else {
        REGULAR.get_or_init(|| Metrics::parse(FONT_REGULAR)).as_ref()
    }
}

/// Width in pixels of `text` at a plotters text size.
pub(super) fn text_width(text: &str, size: f64, bold: bool) -> i32 {
    match metrics(bold) {
        Some(m) => round_px(m.width(text, size)),
        None => font(size, bold).box_size(text).map(|(w, _)| i32::try_from(w).unwrap_or(i32::MAX)).unwrap_or(0),
    }
}

/// Height of a capital letter above the baseline (DejaVu Sans: 0.729 em, em = size / 1.164).
pub(super) fn cap_height(size: f64) -> i32 {
    round_px(size * 0.729 / 1.164)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The font metrics read from the embedded font agree with plotters' own layout.
    #[test]
    fn metrics_agree_with_plotters() {
        ensure_fonts().unwrap();
        let m = metrics(false).unwrap();
        assert_eq!(m.height_units, 2384.0);
        for text in ["0123456789", "KZT/USD  0.00192", "Jan 2025"] {
            let ours = text_width(text, 20.0, false);
            let theirs = i32::try_from(font(20.0, false).box_size(text).unwrap().0).unwrap();
            assert!((ours - theirs).abs() <= 2, "{text}: {ours} vs {theirs}");
        }
        assert!(metrics(true).is_some());
        assert_ne!(m.glyph('\u{2212}'), 0, "the minus sign is in the font");
        assert_eq!(m.glyph('\u{10FFFF}'), 0, "no glyph: the missing glyph");
    }
}
