//! The readers of inputs, one file per format, recognized by their content
//! (never by name): ticker pages, CSV, the central banks' documents and WARC
//! archives.
//!
//! - [`ticker`]: ticker pages, text or HTML (`• KGS/USD = 0.01144 0%`);
//! - [`csv`]: the CSV exchange format, streamed;
//! - [`xml`]: the safe XML every bank reader parses with (no DTD, bounded);
//! - [`bank`]: the document they yield and the rules for rows, nominals and dates;
//! - [`nbk`]: National Bank of Kazakhstan (`<rates>`, X/KZT);
//! - [`nbkr`]: National Bank of the Kyrgyz Republic, daily, weekly and history page (X/KGS);
//! - [`cbu`]: Central Bank of Uzbekistan (JSON array, X/UZS);
//! - [`nbt`]: National Bank of Tajikistan (`<ValCurs Date="YYYY-MM-DD">`, X/TJS);
//! - [`cbt`]: Central Bank of Turkmenistan (`<cbt_currency_rate>`, X/TMT);
//! - [`cbr`]: Central Bank of Russia, daily and dynamic (X/RUB);
//! - [`warc`]: the response records of a WARC/1.0 or 1.1 archive.
//!
//! [`sniff`] tells which reader an input needs; [`read_bank`] reads a bank document.

pub mod bank;
pub mod cbr;
pub mod cbt;
pub mod cbu;
pub mod csv;
pub mod nbk;
pub mod nbkr;
pub mod nbt;
pub mod ticker;
pub mod warc;
pub mod xml;

use std::io::Read;

pub use bank::BankDocument;
pub use xml::MAX_DOCUMENT_BYTES;

use crate::error::{Error, Result};
use crate::model::echo;

/// What an input is, as [`sniff`] recognizes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Ticker,
    Csv,
    Nbk,
    NbkrDaily,
    NbkrWeekly,
    Cbu,
    Nbt,
    Cbt,
    CbrDaily,
    CbrDynamic,
    /// NBKR's history page: only read with the currency its request named.
    NbkrHistory,
    Warc,
}

impl Format {
    /// The reader's name, as `inputs` lists it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Ticker => "ticker",
            Format::Csv => "csv",
            Format::Nbk => "nbk",
            Format::NbkrDaily => "nbkr-daily",
            Format::NbkrWeekly => "nbkr-weekly",
            Format::Cbu => "cbu",
            Format::Nbt => "nbt",
            Format::Cbt => "cbt",
            Format::CbrDaily => "cbr-daily",
            Format::CbrDynamic => "cbr-dynamic",
            Format::NbkrHistory => "nbkr-history",
            Format::Warc => "warc",
        }
    }

    /// True for the seven formats [`read_bank`] reads.
    pub fn is_bank(self) -> bool {
        !matches!(self, Format::Ticker | Format::Csv | Format::Warc | Format::NbkrHistory)
    }

    /// The root element of an XML bank format.
    fn xml_root(self) -> Option<&'static str> {
        match self {
            Format::Nbk => Some("rates"),
            Format::NbkrDaily | Format::NbkrWeekly => Some("CurrencyRates"),
            Format::Nbt | Format::CbrDaily | Format::CbrDynamic => Some("ValCurs"),
            Format::Cbt => Some("cbt_currency_rate"),
            _ => None,
        }
    }

    /// Who publishes it, for messages.
    fn publisher(self) -> &'static str {
        match self {
            Format::Nbk => "an NBK",
            Format::NbkrDaily | Format::NbkrWeekly => "an NBKR",
            Format::Cbu => "a CBU",
            Format::Nbt => "an NBT",
            Format::Cbt => "a CBT",
            Format::CbrDaily | Format::CbrDynamic => "a CBR",
            _ => "a bank",
        }
    }
}

/// How much of an input [`sniff`] looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Reads a bank document of the given format.
pub fn read_bank(format: Format, bytes: &[u8]) -> Result<BankDocument> {
    match format {
        Format::Nbk => nbk::read(bytes),
        Format::NbkrDaily | Format::NbkrWeekly => nbkr::read(bytes, format),
        Format::Cbu => cbu::read(bytes),
        Format::Nbt => nbt::read(bytes),
        Format::Cbt => cbt::read(bytes),
        Format::CbrDaily => cbr::read_daily(bytes),
        Format::CbrDynamic => cbr::read_dynamic(bytes),
        Format::Ticker | Format::Csv | Format::Warc => Err(Error::invalid(format!("is read as {}, not as a bank document", format.name()))),
        Format::NbkrHistory => {
            Err(Error::invalid("is NBKR's history page, which names no currency: only `fetch nbkr`, which asked for one, reads it"))
        }
    }
}

/// The root of an XML bank document, checked to be the format's.
fn root_of(bytes: &[u8], format: Format) -> Result<xml::Element> {
    let root = xml::parse(bytes)?;
    match format.xml_root() {
        Some(expected) if root.name == expected => Ok(root),
        expected => Err(Error::invalid(format!(
            "is not {} document: its root is <{}>, not <{}>",
            format.publisher(),
            echo(&root.name),
            expected.unwrap_or("?")
        ))),
    }
}

const BANK_ROOTS: &str = "<rates>, <CurrencyRates>, <ValCurs> or <cbt_currency_rate>";

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
        if rest.starts_with(']') || (rest.starts_with('{') && rest.contains("\"Ccy\"")) {
            return Ok(Format::Cbu);
        }
        if rest.starts_with(['{', '"', '[']) || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(Error::invalid(
                "is a JSON array, but not CBU's (expected objects with \"Ccy\", \"Nominal\", \"Rate\" and \"Date\")",
            ));
        }
    }
    if t.starts_with('{') && t[1..].trim_start().starts_with(['"', '}']) {
        return Err(Error::invalid("is a JSON object, not one of the banks' formats (expected CBU's JSON array of rates)"));
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
    let attr = |k: &str| attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    match name.as_str() {
        "rates" => Ok(Format::Nbk),
        "CurrencyRates" => {
            let weekly = match attr("Name").map(str::to_ascii_lowercase) {
                Some(n) if n.contains("weekly") => true,
                Some(n) if n.contains("daily") => false,
                _ => t.contains("<ValidFor>"),
            };
            Ok(if weekly { Format::NbkrWeekly } else { Format::NbkrDaily })
        }
        "ValCurs" if attr("ID").is_some() || attr("DateRange1").is_some() => Ok(Format::CbrDynamic),
        "ValCurs" => Ok(match attr("Date").map(|d| d.trim().as_bytes().to_vec()) {
            Some(d) if d.len() == 10 && d[4] == b'-' && d[7] == b'-' => Format::Nbt,
            Some(d) if d.len() == 10 && d[2] == b'.' && d[5] == b'.' => Format::CbrDaily,
            // No usable date (the reader will say so): CBR's marks tell it apart.
            _ if t.contains("<VunitRate>") || t.contains("<NumCode>") => Format::CbrDaily,
            _ => Format::Nbt,
        }),
        "cbt_currency_rate" => Ok(Format::Cbt),
        // An HTML page (an XHTML one too): the ticker reader's.
        other if other.eq_ignore_ascii_case("html") => Ok(Format::Ticker),
        other if !declared && (other.is_empty() || HTML_ROOTS.iter().any(|h| h.eq_ignore_ascii_case(other))) => Ok(Format::Ticker),
        other if !declared && doctype_root.is_none() && !other.chars().all(|c| c.is_ascii_alphanumeric() || "_-:.".contains(c)) => {
            Ok(Format::Ticker)
        }
        other => Err(Error::invalid(format!(
            "is an XML document with root <{}>, not one of the banks' formats (expected {BANK_ROOTS})",
            echo(other)
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
