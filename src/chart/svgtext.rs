//! The text of an SVG chart, written by hand rather than through plotters: each piece of text
//! that belongs together (a panel title and its meaning, a legend entry, a tick label) is one
//! `<text>` element the viewer lays out as one run (a title's bold pair a `<tspan>` of it), its
//! `y` the baseline, its size DejaVu's em at the PNG's scale; and the document carries the font
//! itself, cut down to the characters it shows ([`super::subset`]), so any viewer draws the
//! text with the widths the layout measured.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use plotters::style::text_anchor::HPos;
use plotters::style::RGBColor;

use super::font::{metrics, FONT_BOLD, FONT_REGULAR};
use super::subset::subset;

/// The family name the embedded subsets are declared under; the fallbacks only matter to a
/// viewer that ignores `@font-face`.
pub(super) const FAMILY: &str = "fxsnap DejaVu Sans";

/// One `<text>`: its runs (text, bold, colour) drawn one after another from `x` (a single
/// run may also be centred on `x` or end at it).
pub(super) struct SvgText {
    pub x: i32,
    pub baseline: i32,
    /// A plotters size (see `layout`): the em is `size × units per em / (ascent − descent)`.
    pub size: f64,
    pub anchor: HPos,
    pub runs: Vec<(String, bool, RGBColor)>,
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn escape(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// The CSS font size (the em, px) of a plotters text size: what ab_glyph draws in the PNG.
fn em(size: f64, bold: bool) -> f64 {
    match metrics(bold) {
        Some(m) => size * m.units_per_em / m.height_units,
        None => size / 1.164,
    }
}

fn size_attr(size: f64, bold: bool) -> String {
    let s = format!("{:.2}", em(size, bold));
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl SvgText {
    fn write(&self, out: &mut String) {
        let Some((first, rest)) = self.runs.split_first() else { return };
        let anchor = match self.anchor {
            HPos::Left => "",
            HPos::Center => " text-anchor=\"middle\"",
            HPos::Right => " text-anchor=\"end\"",
        };
        let weight = if first.1 { " font-weight=\"bold\"" } else { "" };
        let size = size_attr(self.size, first.1);
        let _ =
            write!(out, "<text x=\"{}\" y=\"{}\" font-size=\"{size}\"{weight} fill=\"{}\"{anchor}>", self.x, self.baseline, hex(first.2));
        escape(&first.0, out);
        for (text, bold, colour) in rest {
            out.push_str("<tspan");
            if *bold != first.1 {
                let _ = write!(out, " font-weight=\"{}\"", if *bold { "bold" } else { "normal" });
                let s = size_attr(self.size, *bold);
                if s != size {
                    let _ = write!(out, " font-size=\"{s}\"");
                }
            }
            if *colour != first.2 {
                let _ = write!(out, " fill=\"{}\"", hex(*colour));
            }
            out.push('>');
            escape(text, out);
            out.push_str("</tspan>");
        }
        out.push_str("</text>\n");
    }
}

/// Base64 (standard alphabet, padded), for the fonts' data URLs.
fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        let sextet = |k: u32| char::from(A[usize::try_from((n >> k) & 63).unwrap_or(0)]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if c.len() > 1 { sextet(6) } else { '=' });
        out.push(if c.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

/// The `@font-face` rules of the weights the texts use, each a subset of the embedded font.
fn font_faces(texts: &[SvgText]) -> String {
    let mut css = String::new();
    for (bold, data) in [(false, FONT_REGULAR), (true, FONT_BOLD)] {
        let chars: BTreeSet<char> =
            texts.iter().flat_map(|t| &t.runs).filter(|r| r.1 == bold).flat_map(|r| r.0.chars()).filter(|c| *c != '\u{a0}').collect();
        if chars.is_empty() {
            continue;
        }
        let Some(font) = subset(data, &chars) else { continue };
        let _ = write!(
            css,
            "@font-face{{font-family:'{FAMILY}';font-weight:{};src:url(data:font/ttf;base64,{}) format('truetype')}}",
            if bold { 700 } else { 400 },
            base64(&font)
        );
    }
    css
}

/// The SVG document plotters wrote, with the font (in a `<style>` after the opening tag) and
/// the texts (over everything else, before the closing tag).
pub(super) fn finish(svg: &str, texts: &[SvgText]) -> String {
    let mut body = String::new();
    for t in texts {
        t.write(&mut body);
    }
    let style = format!(
        "<defs><style>{}text{{white-space:pre;text-rendering:geometricPrecision;font-kerning:none}}</style></defs>\n",
        font_faces(texts)
    );
    let open = svg.find("<svg").and_then(|at| svg[at..].find('>').map(|e| at + e + 1)).unwrap_or(0);
    let close = svg.rfind("</svg>").unwrap_or(svg.len());
    let mut out = String::with_capacity(svg.len() + style.len() + body.len() + 160);
    out.push_str(&svg[..open]);
    out.push('\n');
    out.push_str(&style);
    out.push_str(svg[open..close].trim_start_matches('\n'));
    let _ = writeln!(out, "<g font-family=\"'{FAMILY}', 'DejaVu Sans', sans-serif\" xml:space=\"preserve\">");
    out.push_str(&body);
    out.push_str("</g>\n");
    out.push_str(&svg[close..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
    }
}
