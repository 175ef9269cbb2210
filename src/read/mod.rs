//! The readers of inputs, one file per format, recognized by their content
//! (never by name): ticker pages, CSV, the central banks' documents and WARC
//! archives.
//!
//! - [`ticker`]: ticker pages, text or HTML (`• KGS/USD = 0.01144 0%`);
//! - [`csv`]: the CSV exchange format, streamed;
//! - [`xml`]: the safe XML every bank reader parses with (no DTD, bounded);
//! - [`bank`]: the document they yield and the rules for rows, nominals and dates;
//! - [`format`]: what an input is ([`Format`]); each bank's formats and
//!   reader live in its unit under `sources/` (`sources::cbt`);
//! - [`warc`]: the response records of a WARC/1.0 or 1.1 archive.
//!
//! [`sniff`] tells which reader an input needs, asking each source's unit
//! about bank documents; [`read_bank`] reads a bank document by its unit.

pub mod bank;
pub mod csv;
pub mod format;
pub mod ticker;
pub mod warc;
pub mod xml;

use std::io::Read;

pub use bank::BankDocument;
pub use format::{BankFormat, Format};
pub use xml::MAX_DOCUMENT_BYTES;

use crate::error::{Error, Result};
use crate::model::echo;
use crate::sources::{self, Head};

/// How much of an input [`sniff`] looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Reads a bank document of the given format (by its source's unit).
pub fn read_bank(format: Format, bytes: &[u8]) -> Result<BankDocument> {
    match format {
        Format::Bank(b) => sources::read_bank(b, bytes, None),
        other => Err(Error::invalid(format!("is read as {}, not as a bank document", other.name()))),
    }
}

/// The roots of the banks' XML formats, for messages:
/// `<rates>, <CurrencyRates>, <ValCurs> or <cbt_currency_rate>`.
fn bank_roots() -> String {
    let mut roots: Vec<&str> = Vec::new();
    for r in sources::bank_formats().filter_map(|f| f.root) {
        if !roots.contains(&r) {
            roots.push(r);
        }
    }
    let tags: Vec<String> = roots.iter().map(|r| format!("<{r}>")).collect();
    match tags.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => tags.join(""),
    }
}

/// The sources whose documents are JSON arrays, and what those hold, for
/// messages (`CBU's`, `objects with "Ccy", …`).
fn json_sources() -> (String, String) {
    let units: Vec<_> = sources::REGISTRY.iter().filter(|u| u.json_shape().is_some()).collect();
    let names: Vec<String> = units.iter().map(|u| format!("{}'s", u.label().to_ascii_uppercase())).collect();
    let shapes: Vec<&str> = units.iter().filter_map(|u| u.json_shape()).collect();
    (names.join(" or "), shapes.join(" or "))
}

/// Recognizes an input by its content (never its name). `head` is its first
/// bytes (up to [`SNIFF_BYTES`]). An input that almost matches a format (a
/// CSV with `;`, UTF-16, gzip that is not a WARC, other XML or JSON) is an
/// error saying which; anything else is left to the ticker reader, which
/// says "no ticker" itself.
pub fn sniff(head: &[u8]) -> Result<Format> {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    if head.starts_with(&[0x1f, 0x8b]) {
        return sniff_gzip(head);
    }
    if head.starts_with(b"WARC/1.0") || head.starts_with(b"WARC/1.1") {
        return Ok(Format::Warc);
    }
    if let Some(order) = utf16(head) {
        return Err(Error::invalid(format!("is UTF-16 ({order}): convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)")));
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}');
    let t = text.trim_start();
    if t.starts_with('<') {
        return sniff_markup(t);
    }
    if let Some(rest) = t.strip_prefix('[') {
        let rest = rest.trim_start();
        if let Some(f) = sources::recognize(&Head::JsonArray(rest)) {
            return Ok(Format::Bank(f));
        }
        if rest.starts_with(['{', '"', '[']) || rest.starts_with(|c: char| c.is_ascii_digit()) {
            let (whose, shape) = json_sources();
            return Err(Error::invalid(format!("is a JSON array, but not {whose} (expected {shape})")));
        }
    }
    if t.starts_with('{') && t[1..].trim_start().starts_with(['"', '}']) {
        let (whose, _) = json_sources();
        return Err(Error::invalid(format!("is a JSON object, not one of the banks' formats (expected {whose} JSON array of rates)")));
    }
    let first = text.split('\n').next().unwrap_or("").trim_end_matches('\r');
    if crate::read::csv::is_header(first) {
        return Ok(Format::Csv);
    }
    if let Some(why) = almost_csv(first) {
        return Err(Error::invalid(format!("looks like CSV but {why}")));
    }
    Ok(Format::Ticker)
}

/// UTF-16 by its byte order mark, or by NULs between ASCII letters.
fn utf16(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xFE]) {
        return Some("little-endian");
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Some("big-endian");
    }
    let h = &head[..head.len().min(64) & !1];
    if h.len() < 4 {
        return None;
    }
    let pairs = h.len() / 2;
    let even_nul = h.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nul = h.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    if odd_nul * 4 >= pairs * 3 && even_nul == 0 {
        Some("little-endian")
    } else if even_nul * 4 >= pairs * 3 && odd_nul == 0 {
        Some("big-endian")
    } else {
        None
    }
}

fn sniff_gzip(head: &[u8]) -> Result<Format> {
    let mut inner = Vec::new();
    // The head may end inside the first member: what inflates is enough.
    let _ = flate2::read::GzDecoder::new(head).take(16).read_to_end(&mut inner);
    if inner.starts_with(b"WARC/1.0") || inner.starts_with(b"WARC/1.1") {
        Ok(Format::Warc)
    } else {
        Err(Error::invalid("is gzip-compressed but not a WARC archive: decompress it first"))
    }
}

/// Element names that say "an HTML page" (a ticker page), not a bank's XML.
const HTML_ROOTS: [&str; 24] = [
    "html", "head", "body", "div", "p", "span", "table", "section", "article", "header", "main", "nav", "ul", "ol", "li", "a", "b", "h1",
    "h2", "h3", "meta", "title", "script", "marquee",
];

/// A tag's name and attributes (`<ValCurs Date="25.04.2026" name="…">`), leniently.
fn tag(t: &str) -> (String, Vec<(String, String)>) {
    let body = t.strip_prefix('<').unwrap_or(t);
    let end = body.find('>').unwrap_or(body.len());
    let body = &body[..end];
    let name_end = body.find(|c: char| c.is_whitespace() || c == '/').unwrap_or(body.len());
    let name = body[..name_end].to_string();
    let mut attrs = Vec::new();
    let mut rest = &body[name_end..];
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().trim_start_matches('/').trim().to_string();
        let after = rest[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else { break };
        let Some(close) = after[1..].find(q) else { break };
        attrs.push((key, after[1..1 + close].to_string()));
        rest = &after[close + 2..];
    }
    (name, attrs)
}

fn sniff_markup(mut t: &str) -> Result<Format> {
    let mut declared = false;
    let mut doctype_root = None;
    loop {
        t = t.trim_start();
        if t.starts_with("<?") {
            declared |= t.starts_with("<?xml");
            let Some(end) = t.find("?>") else { break };
            t = &t[end + 2..];
        } else if t.starts_with("<!--") {
            let Some(end) = t.find("-->") else { break };
            t = &t[end + 3..];
        } else if t.get(..9).is_some_and(|p| p.eq_ignore_ascii_case("<!doctype")) {
            let name: String = t[9..].trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
            if name.eq_ignore_ascii_case("html") {
                return Ok(Format::Ticker);
            }
            doctype_root = Some(name);
            // Skip the DTD (its internal subset may hold '>'); the reader refuses it.
            let close = match (t.find('['), t.find('>')) {
                (Some(open), Some(gt)) if open < gt => t[open..].find("]>").map(|i| open + i + 1),
                (_, gt) => gt,
            };
            let Some(end) = close else { break };
            t = &t[end + 1..];
        } else {
            break;
        }
    }
    let (name, attrs) = if t.starts_with('<') && !t.starts_with("<!") && !t.starts_with("<?") {
        tag(t)
    } else if let Some(root) = doctype_root.clone() {
        (root, Vec::new())
    } else {
        return Err(Error::invalid("is markup without a root element in its first 64 KiB"));
    };
    if let Some(f) = sources::recognize(&Head::Xml { root: &name, attrs: &attrs, text: t }) {
        return Ok(Format::Bank(f));
    }
    match name.as_str() {
        // An HTML page (an XHTML one too): the ticker reader's.
        other if other.eq_ignore_ascii_case("html") => Ok(Format::Ticker),
        other if !declared && (other.is_empty() || HTML_ROOTS.iter().any(|h| h.eq_ignore_ascii_case(other))) => Ok(Format::Ticker),
        other if !declared && doctype_root.is_none() && !other.chars().all(|c| c.is_ascii_alphanumeric() || "_-:.".contains(c)) => {
            Ok(Format::Ticker)
        }
        other => Err(Error::invalid(format!(
            "is an XML document with root <{}>, not one of the banks' formats (expected {})",
            echo(other),
            bank_roots()
        ))),
    }
}

/// Column names a CSV of rates might use.
const CSV_WORDS: [&str; 18] = [
    "timestamp",
    "time",
    "date",
    "datetime",
    "pair",
    "rate",
    "rates",
    "value",
    "currency",
    "ccy",
    "source",
    "change",
    "change_pct",
    "base",
    "quote",
    "symbol",
    "code",
    "price",
];

/// Why a first line that looks like a CSV header is not fxsnap's, if it does.
fn almost_csv(line: &str) -> Option<String> {
    let line = line.trim_start_matches('\u{feff}').trim();
    for (sep, said) in [(';', "';'"), (',', "','"), ('\t', "tabs"), ('|', "'|'")] {
        let fields: Vec<String> = line.split(sep).map(|f| f.trim().trim_matches('"').to_ascii_lowercase()).collect();
        let plausible = fields.len() >= 2
            && fields.iter().all(|f| f.len() <= 40 && f.chars().all(|c| c.is_ascii_alphanumeric() || " _-.%()".contains(c)));
        if !plausible || !fields.iter().any(|f| CSV_WORDS.contains(&f.as_str())) {
            continue;
        }
        if sep != ',' && crate::read::csv::is_header(&fields.join(",")) {
            return Some(format!(
                "is separated by {said}: fxsnap reads comma-separated CSV (header timestamp,pair,rate[,change_pct,source])"
            ));
        }
        return Some(format!(
            "its header '{}' is not fxsnap's: expected the columns timestamp, pair, rate (and optionally change_pct, source), comma-separated",
            echo(line)
        ));
    }
    None
}

#[cfg(test)]
pub(crate) mod tests;
