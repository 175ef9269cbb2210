//! The embedded font cut down to the characters one SVG uses, so the SVG can carry it (a
//! browser then lays the text out with DejaVu's own widths, whatever fonts it has).
//!
//! The subset keeps glyph 0, the glyphs of the characters and the glyphs their composites are
//! made of, renumbered; the tables `head`, `hhea`, `maxp`, `OS/2`, `hmtx`, `loca`, `glyf`, a
//! format 4 `cmap` of the characters, `post` without glyph names, and `name` with its licence
//! records. Dropped: hinting (`fpgm`, `prep`, `cvt `, glyph instructions) and kerning and
//! shaping (`kern`, `GPOS`, `GSUB`), which the PNG path does not apply either: a browser then
//! advances each glyph exactly as the PNG does.

use std::collections::{BTreeMap, BTreeSet};

use ab_glyph::{Font, FontRef};

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn put_u16(d: &mut [u8], at: usize, v: u16) {
    d[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

/// The tables of a font by tag.
fn tables(font: &[u8]) -> Option<BTreeMap<[u8; 4], &[u8]>> {
    let n = usize::from(u16_at(font, 4)?);
    let mut out = BTreeMap::new();
    for i in 0..n {
        let r = 12 + 16 * i;
        let tag: [u8; 4] = font.get(r..r + 4)?.try_into().ok()?;
        let off = usize::try_from(u32_at(font, r + 8)?).ok()?;
        let len = usize::try_from(u32_at(font, r + 12)?).ok()?;
        out.insert(tag, font.get(off..off.checked_add(len)?)?);
    }
    Some(out)
}

/// The composite flags that matter here.
const ARGS_ARE_WORDS: u16 = 0x0001;
const HAVE_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const HAVE_XY_SCALE: u16 = 0x0040;
const HAVE_TWO_BY_TWO: u16 = 0x0080;
const HAVE_INSTRUCTIONS: u16 = 0x0100;

/// The component records of a composite glyph: (offset of the record, flags, glyph).
fn components(glyph: &[u8]) -> Option<Vec<(usize, u16, u16)>> {
    let mut out = Vec::new();
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        let g = u16_at(glyph, at + 2)?;
        out.push((at, flags, g));
        at += 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        at += if flags & HAVE_SCALE != 0 {
            2
        } else if flags & HAVE_XY_SCALE != 0 {
            4
        } else if flags & HAVE_TWO_BY_TWO != 0 {
            8
        } else {
            0
        };
        if flags & MORE_COMPONENTS == 0 {
            return Some(out);
        }
    }
}

/// The end of a composite glyph's component records.
fn components_end(glyph: &[u8], comps: &[(usize, u16, u16)]) -> Option<usize> {
    let &(at, flags, _) = comps.last()?;
    let mut end = at + 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
    end += if flags & HAVE_SCALE != 0 {
        2
    } else if flags & HAVE_XY_SCALE != 0 {
        4
    } else if flags & HAVE_TWO_BY_TWO != 0 {
        8
    } else {
        0
    };
    (end <= glyph.len()).then_some(end)
}

/// A glyph without its hinting instructions, its components renumbered with `new_of`.
fn rewrite_glyph(glyph: &[u8], new_of: &BTreeMap<u16, u16>) -> Option<Vec<u8>> {
    if glyph.is_empty() {
        return Some(Vec::new());
    }
    let contours = i16::from_be_bytes([*glyph.first()?, *glyph.get(1)?]);
    if let Ok(n) = usize::try_from(contours) {
        let at = 10 + 2 * n;
        let skip = usize::from(u16_at(glyph, at)?);
        let mut out = glyph.get(..at)?.to_vec();
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(glyph.get(at + 2 + skip..)?);
        return Some(out);
    }
    let comps = components(glyph)?;
    let mut out = glyph.get(..components_end(glyph, &comps)?)?.to_vec();
    for &(at, flags, g) in &comps {
        put_u16(&mut out, at, flags & !HAVE_INSTRUCTIONS);
        put_u16(&mut out, at + 2, *new_of.get(&g)?);
    }
    Some(out)
}

/// A format 4 `cmap` (Windows, Unicode BMP) of `(character, glyph)` sorted by character.
fn cmap(map: &[(u16, u16)]) -> Vec<u8> {
    // segments (start, end, delta), consecutive characters with consecutive glyphs merged
    let mut segs: Vec<(u16, u16, u16)> = Vec::new();
    for &(c, g) in map {
        let delta = g.wrapping_sub(c);
        match segs.last_mut() {
            Some(s) if s.1.checked_add(1) == Some(c) && s.2 == delta => s.1 = c,
            _ => segs.push((c, c, delta)),
        }
    }
    segs.push((0xFFFF, 0xFFFF, 1));
    let n = u16::try_from(segs.len()).unwrap_or(u16::MAX);
    let mut pow = 1u16;
    let mut log = 0u16;
    while pow * 2 <= n {
        pow *= 2;
        log += 1;
    }
    let mut sub: Vec<u8> = Vec::new();
    let len = u16::try_from(16 + 8 * segs.len()).unwrap_or(u16::MAX);
    for v in [4, len, 0, 2 * n, 2 * pow, log, 2 * n - 2 * pow] {
        sub.extend_from_slice(&v.to_be_bytes());
    }
    segs.iter().for_each(|s| sub.extend_from_slice(&s.1.to_be_bytes()));
    sub.extend_from_slice(&[0, 0]);
    segs.iter().for_each(|s| sub.extend_from_slice(&s.0.to_be_bytes()));
    segs.iter().for_each(|s| sub.extend_from_slice(&s.2.to_be_bytes()));
    segs.iter().for_each(|_| sub.extend_from_slice(&[0, 0]));
    let mut out = vec![0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12];
    out.extend(sub);
    out
}

/// The `name` records worth carrying: the Macintosh ones (ASCII: copyright, licence, names)
/// and the Windows names 1–6.
fn name(table: &[u8]) -> Option<Vec<u8>> {
    let count = usize::from(u16_at(table, 2)?);
    let storage = usize::from(u16_at(table, 4)?);
    let mut records = Vec::new();
    let mut strings: Vec<u8> = Vec::new();
    for i in 0..count {
        let r = 6 + 12 * i;
        let (platform, id) = (u16_at(table, r)?, u16_at(table, r + 6)?);
        if platform != 1 && !(platform == 3 && (1..=6).contains(&id)) {
            continue;
        }
        let (len, off) = (usize::from(u16_at(table, r + 8)?), usize::from(u16_at(table, r + 10)?));
        let text = table.get(storage + off..storage + off + len)?;
        let mut rec = table.get(r..r + 12)?.to_vec();
        put_u16(&mut rec, 10, u16::try_from(strings.len()).ok()?);
        strings.extend_from_slice(text);
        records.push(rec);
    }
    let n = u16::try_from(records.len()).ok()?;
    let mut out = Vec::new();
    for v in [0, n, 6 + 12 * n] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    records.iter().for_each(|r| out.extend_from_slice(r));
    out.extend(strings);
    Some(out)
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |s, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        s.wrapping_add(u32::from_be_bytes(w))
    })
}

/// The font file of `tables` (tags sorted, each table 4-byte aligned), `head`'s checksum
/// adjustment set.
fn assemble(tables: BTreeMap<[u8; 4], Vec<u8>>) -> Option<Vec<u8>> {
    let n = u16::try_from(tables.len()).ok()?;
    let mut pow = 1u16;
    let mut log = 0u16;
    while pow * 2 <= n {
        pow *= 2;
        log += 1;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, 16 * pow, log, 16 * n - 16 * pow] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    let mut body = Vec::new();
    for (tag, data) in &tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).ok()?.to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = 12 + 16 * tables.len() + body.len();
    }
    out.extend(body);
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    let at = head_at? + 8;
    out.get_mut(at..at + 4)?.copy_from_slice(&adjust.to_be_bytes());
    Some(out)
}

/// New glyph → old glyph, and (character, new glyph).
type GlyphSet = (Vec<u16>, Vec<(u16, u16)>);

/// The glyphs of a subset (new glyph → old glyph: glyph 0, the characters' glyphs, then the
/// glyphs their composites use) and the characters' new glyphs.
fn glyph_set<'a>(face: &FontRef<'_>, chars: &BTreeSet<char>, glyph: impl Fn(u16) -> Option<&'a [u8]>) -> Option<GlyphSet> {
    let mut old: Vec<u16> = vec![0];
    let mut map: Vec<(u16, u16)> = Vec::new();
    for &c in chars {
        let (Ok(code), g) = (u16::try_from(u32::from(c)), face.glyph_id(c).0) else { continue };
        if g == 0 {
            continue;
        }
        let new = old.iter().position(|&o| o == g).unwrap_or_else(|| {
            old.push(g);
            old.len() - 1
        });
        map.push((code, u16::try_from(new).ok()?));
    }
    let mut i = 0;
    while i < old.len() {
        let g = glyph(old[i])?;
        if g.len() >= 10 && i16::from_be_bytes([g[0], g[1]]) < 0 {
            for (_, _, c) in components(g)? {
                if !old.contains(&c) {
                    old.push(c);
                }
            }
        }
        i += 1;
    }
    Some((old, map))
}

/// `font` (a TrueType font) cut down to `chars`; `None` when the font is not one this reads.
pub(super) fn subset(font: &[u8], chars: &BTreeSet<char>) -> Option<Vec<u8>> {
    let t = tables(font)?;
    let get = |tag: &[u8; 4]| t.get(tag).copied();
    let (head, hhea, maxp, hmtx, loca, glyf) = (get(b"head")?, get(b"hhea")?, get(b"maxp")?, get(b"hmtx")?, get(b"loca")?, get(b"glyf")?);
    let long_loca = u16_at(head, 50)? == 1;
    let metrics = usize::from(u16_at(hhea, 34)?);
    let glyph = |g: u16| -> Option<&[u8]> {
        let g = usize::from(g);
        let (a, b) = if long_loca {
            (usize::try_from(u32_at(loca, 4 * g)?).ok()?, usize::try_from(u32_at(loca, 4 * g + 4)?).ok()?)
        } else {
            (2 * usize::from(u16_at(loca, 2 * g)?), 2 * usize::from(u16_at(loca, 2 * g + 2)?))
        };
        glyf.get(a..b)
    };
    let face = FontRef::try_from_slice(font).ok()?;
    let (old, map) = glyph_set(&face, chars, glyph)?;
    let new_of: BTreeMap<u16, u16> = old.iter().enumerate().filter_map(|(n, &o)| Some((o, u16::try_from(n).ok()?))).collect();
    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::new();
    let mut new_hmtx = Vec::new();
    for &g in &old {
        new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
        new_glyf.extend(rewrite_glyph(glyph(g)?, &new_of)?);
        while new_glyf.len() % 4 != 0 {
            new_glyf.push(0);
        }
        let gi = usize::from(g);
        let (advance, lsb) = if gi < metrics {
            (u16_at(hmtx, 4 * gi)?, u16_at(hmtx, 4 * gi + 2)?)
        } else {
            (u16_at(hmtx, 4 * (metrics - 1))?, u16_at(hmtx, 4 * metrics + 2 * (gi - metrics))?)
        };
        new_hmtx.extend_from_slice(&advance.to_be_bytes());
        new_hmtx.extend_from_slice(&lsb.to_be_bytes());
    }
    new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
    let count = u16::try_from(old.len()).ok()?;
    let mut out: BTreeMap<[u8; 4], Vec<u8>> = BTreeMap::new();
    let mut head = head.to_vec();
    head.get_mut(8..12)?.fill(0);
    put_u16(&mut head, 50, 1);
    let mut hhea = hhea.to_vec();
    put_u16(&mut hhea, 34, count);
    let mut maxp = maxp.to_vec();
    put_u16(&mut maxp, 4, count);
    let mut post = get(b"post")?.get(..32)?.to_vec();
    post[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
    out.insert(*b"head", head);
    out.insert(*b"hhea", hhea);
    out.insert(*b"maxp", maxp);
    out.insert(*b"OS/2", get(b"OS/2")?.to_vec());
    out.insert(*b"hmtx", new_hmtx);
    out.insert(*b"loca", new_loca);
    out.insert(*b"glyf", new_glyf);
    out.insert(*b"cmap", cmap(&map));
    out.insert(*b"name", name(get(b"name")?)?);
    out.insert(*b"post", post);
    assemble(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
    static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

    /// The subset maps every character to a glyph of the same advance and outline size as the
    /// full font's, is small, and keeps the licence.
    #[test]
    fn a_subset_draws_its_characters_as_the_full_font_does() {
        for font in [REGULAR, BOLD] {
            // Å and é are composites in DejaVu; − ≈ — ± are the chart's own signs
            let chars: BTreeSet<char> = "KGS/USD — US dollars per som 0.0125787 \u{2212}84.7% ≈±Åé\u{a0}".chars().collect();
            let sub = subset(font, &chars).expect("a subset");
            assert!(sub.len() < 20_000, "{} bytes", sub.len());
            let full = FontRef::try_from_slice(font).unwrap();
            let small = FontRef::try_from_slice(&sub).expect("the subset parses");
            for &c in &chars {
                let (a, b) = (full.glyph_id(c), small.glyph_id(c));
                assert_ne!(b.0, 0, "{c:?} has a glyph");
                assert_eq!(full.h_advance_unscaled(a), small.h_advance_unscaled(b), "{c:?}");
                let outline = |f: &FontRef, g| f.outline(g).map(|o| (o.bounds.min.x, o.bounds.max.y, o.curves.len()));
                assert_eq!(outline(&full, a), outline(&small, b), "{c:?}");
            }
            assert_eq!(small.glyph_id('Z').0, 0, "a character not asked for is not there");
            assert!(String::from_utf8_lossy(&sub).contains("Bitstream Vera"), "the licence travels with the font");
            assert_eq!(checksum(&sub), 0xB1B0_AFBA, "the whole-font checksum");
        }
    }
}
