//! Safe XML for the banks' documents: a small tree built with quick-xml.
//!
//! The documents come from servers fxsnap does not control, so nothing in
//! them is trusted: a DTD is refused outright (no billion laughs, no external
//! entity, nothing ever read from a file or the network), only the five
//! predefined entities and character references are decoded, nesting, the
//! element count and the size are bounded, and a document cut short is an
//! error rather than a shorter document. The declared encoding is honoured
//! (NBKR and CBR declare windows-1251), and bytes that are not the declared
//! UTF-8 are refused instead of being read as mojibake.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::error::{Error, Result};
use crate::model::echo;

/// The largest document read (DESIGN: 8 MiB per document).
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;
/// The deepest nesting accepted: the banks' documents use three levels.
pub const MAX_DEPTH: usize = 32;
/// The most elements and attributes, together, accepted: a bank document has
/// a few hundred; the bound keeps the tree's memory (about 150 bytes a node)
/// a small multiple of the input's.
pub const MAX_ELEMENTS: usize = 200_000;
/// The most attributes on one element (the banks use at most four).
pub const MAX_ATTRIBUTES: usize = 64;

/// One element: its name, attributes, the text directly inside it, and its
/// child elements in document order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The value of an attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child with this name.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }
}

/// Refuses a document over [`MAX_DOCUMENT_BYTES`].
pub fn check_size(bytes: &[u8]) -> Result<()> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::invalid(format!(
            "is larger than the {} MiB a bank document may be ({} bytes): refused",
            MAX_DOCUMENT_BYTES / (1024 * 1024),
            bytes.len()
        )));
    }
    Ok(())
}

/// An error message from a library made safe for one line of output.
pub(crate) fn one_line(s: &str) -> String {
    const MAX: usize = 200;
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// The encoding the XML declaration names, if any (`<?xml ... encoding="windows-1251"?>`).
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(512)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &head[start..];
    if !rest.starts_with(b"<?xml") {
        return None;
    }
    let end = rest.windows(2).position(|w| w == b"?>")?;
    let decl = String::from_utf8_lossy(&rest[..end]);
    let at = decl.find("encoding")?;
    let after = decl[at + "encoding".len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    let close = value.find(quote)?;
    Some(value[..close].trim().to_string())
}

/// The document as text: UTF-8 (BOM stripped) or the encoding it declares.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let label = declared_encoding(bytes);
    let encoding = match &label {
        None => encoding_rs::UTF_8,
        Some(l) => encoding_rs::Encoding::for_label(l.as_bytes())
            .ok_or_else(|| Error::invalid(format!("declares the encoding '{}', which fxsnap does not know", echo(l))))?,
    };
    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE || encoding == encoding_rs::REPLACEMENT {
        return Err(Error::invalid(format!("declares the encoding '{}': convert it to UTF-8", echo(label.as_deref().unwrap_or("")))));
    }
    if encoding == encoding_rs::UTF_8 {
        return match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(e) => {
                let at = e.valid_up_to();
                let said = if label.is_some() { "the declared UTF-8" } else { "UTF-8 (and no other encoding is declared)" };
                Err(Error::invalid(format!(
                    "has bytes that are not {said}: byte 0x{:02X} at offset {at} (windows-1251 text declared as UTF-8?)",
                    bytes[at]
                )))
            }
        };
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(|| Error::invalid(format!("has bytes that are not valid {}, the encoding it declares", encoding.name())))
}

/// Parses a document into its root element, within the bounds above.
pub fn parse(bytes: &[u8]) -> Result<Element> {
    check_size(bytes)?;
    let text = decode(bytes)?;
    parse_str(&text)
}

fn element_of(e: &BytesStart<'_>) -> Result<Element> {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let mut attrs: Vec<(String, String)> = Vec::new();
    for a in e.attributes().with_checks(false) {
        let a =
            a.map_err(|err| Error::invalid(format!("has a malformed attribute in <{}>: {}", echo(&name), one_line(&err.to_string()))))?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        if attrs.len() == MAX_ATTRIBUTES {
            return Err(Error::invalid(format!("has more than {MAX_ATTRIBUTES} attributes on <{}>", echo(&name))));
        }
        if attrs.iter().any(|(k, _)| *k == key) {
            return Err(Error::invalid(format!("has the attribute {} twice on <{}>", echo(&key), echo(&name))));
        }
        let value = a.unescape_value().map_err(|err| {
            Error::invalid(format!(
                "has an entity in an attribute of <{}> that is not declared ({}): entities are never expanded",
                echo(&name),
                one_line(&err.to_string())
            ))
        })?;
        attrs.push((key, value.into_owned()));
    }
    Ok(Element { name, attrs, text: String::new(), children: Vec::new() })
}

/// The character a reference stands for: one of the five predefined
/// entities or a character reference; anything else is refused.
fn resolve_reference(r: &quick_xml::events::BytesRef<'_>) -> Result<char> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            _ => Err(Error::invalid(format!(
                "has a character reference '&{};' that is no character",
                echo(&String::from_utf8_lossy(r.as_ref()))
            ))),
        };
    }
    let name = String::from_utf8_lossy(r.as_ref()).into_owned();
    match name.as_str() {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => Err(Error::invalid(format!("uses the entity '&{};', which is not declared: entities are never expanded", echo(&name)))),
    }
}

/// Parses decoded text (see [`parse`]).
pub fn parse_str(text: &str) -> Result<Element> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return check_size(text.as_bytes()).map(|_| Element::default());
    }
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    let bad = |reader: &Reader<&[u8]>, e: &dyn std::fmt::Display| {
        Error::invalid(format!("is not well-formed XML (at byte {}): {}", reader.error_position(), one_line(&e.to_string())))
    };
    loop {
        let event = reader.read_event().map_err(|e| bad(&reader, &e))?;
        match event {
            Event::DocType(_) => return Err(Error::invalid("has a DTD (<!DOCTYPE>): refused, entities are never expanded")),
            Event::Start(ref e) | Event::Empty(ref e) => {
                if stack.is_empty() && root.is_some() {
                    return Err(Error::invalid("has more than one root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(Error::invalid(format!("nests elements deeper than {MAX_DEPTH} levels")));
                }
                let el = element_of(e)?;
                count += 1 + el.attrs.len();
                if count > MAX_ELEMENTS {
                    return Err(Error::invalid(format!("has more than {MAX_ELEMENTS} elements and attributes")));
                }
                if matches!(event, Event::Start(_)) {
                    stack.push(el);
                } else {
                    attach(&mut stack, &mut root, el);
                }
            }
            Event::End(_) => {
                // check_end_names guarantees a matching open element.
                if let Some(el) = stack.pop() {
                    attach(&mut stack, &mut root, el);
                }
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| bad(&reader, &e))?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => return Err(Error::invalid(format!("has text outside its root element: '{}'", echo(s.trim())))),
                }
            }
            Event::CData(c) => {
                let s = c.decode().map_err(|e| bad(&reader, &e))?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&s),
                    None => return Err(Error::invalid("has CDATA outside its root element")),
                }
            }
            Event::GeneralRef(r) => {
                let c = resolve_reference(&r)?;
                match stack.last_mut() {
                    Some(el) => el.text.push(c),
                    None => return Err(Error::invalid("has an entity reference outside its root element")),
                }
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(Error::invalid(format!("is cut short: <{}> is never closed (a truncated document?)", echo(&open.name))));
    }
    root.ok_or_else(|| Error::invalid("has no XML root element (empty or not XML)"))
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

/// An HTML page (an error page, a login wall) where XML or JSON belongs.
pub fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
    let t = head.trim_start_matches('\u{feff}').trim_start();
    // JSON (CBU's) is never HTML; an XML prolog may still open an XHTML page.
    if t.starts_with('[') || t.starts_with('{') {
        return false;
    }
    t.starts_with("<!doctype html") || t.starts_with("<html") || t.starts_with("<head") || t.starts_with("<body") || t.contains("<html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_told_from_documents() {
        assert!(looks_like_html(b"<!DOCTYPE html><html><body>Error</body></html>"));
        assert!(looks_like_html(b"\n  <HTML><p>503</p>"));
        assert!(!looks_like_html(b"<?xml version=\"1.0\"?><rates></rates>"));
        assert!(looks_like_html(b"<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\">\n<html>"));
        assert!(!looks_like_html(b"[{\"Ccy\":\"USD\"}]"));
        assert!(!looks_like_html(b"<ValCurs Date=\"2026-05-18\">"));
    }

    fn err(bytes: &[u8]) -> String {
        parse(bytes).unwrap_err().to_string()
    }

    #[test]
    fn reads_a_small_tree_with_predefined_entities() {
        let root = parse(b"<?xml version=\"1.0\"?>\n<a x=\"1 &amp; 2\"><b>x &lt; y &#65;</b><c/><![CDATA[<raw>]]></a>").unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attr("x"), Some("1 & 2"));
        assert_eq!(root.child_text("b"), Some("x < y A"));
        assert!(root.child("c").is_some());
        assert_eq!(root.text, "<raw>");
    }

    #[test]
    fn refuses_dtds_and_undeclared_entities() {
        let laughs =
            b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>";
        assert_eq!(err(laughs), "has a DTD (<!DOCTYPE>): refused, entities are never expanded");
        let e = err(b"<rates><title>&ext;</title></rates>");
        assert!(e.contains("'&ext;'") && e.contains("never expanded"), "{e}");
        let e = err(b"<rates a=\"&ext;\"/>");
        assert!(e.contains("never expanded"), "{e}");
    }

    #[test]
    fn bounds_depth_elements_and_size() {
        let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
        assert!(err(deep.as_bytes()).contains("deeper than 32"));
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_ok());
        let many = format!("<r>{}</r>", "<i/>".repeat(MAX_ELEMENTS));
        assert!(err(many.as_bytes()).contains("more than 200000 elements and attributes"));
        let attributed = format!("<r>{}</r>", "<i a=\"\" b=\"\" c=\"\"/>".repeat(MAX_ELEMENTS / 4 + 1));
        assert!(err(attributed.as_bytes()).contains("more than 200000 elements and attributes"));
        let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
        assert!(err(&big).starts_with("is larger than the 8 MiB"));
        let attrs: String = (0..100).map(|i| format!(" a{i}=\"\"")).collect();
        assert!(err(format!("<r{attrs}/>").as_bytes()).contains("more than 64 attributes"));
        assert!(err(b"<r a=\"1\" a=\"2\"/>").contains("twice"));
    }

    #[test]
    fn refuses_cut_and_malformed_documents() {
        assert!(err(b"<rates><item><title>USD</title>").contains("cut short: <item>"));
        assert!(err(b"<rates><item></rates>").contains("not well-formed"));
        assert!(err(b"<a/><b/>").contains("more than one root"));
        assert!(err(b"").contains("no XML root"));
        assert!(err(b"<a/>junk").contains("text outside"));
        assert!(err(b"<rates><ti").contains("not well-formed") || err(b"<rates><ti").contains("cut short"));
    }

    #[test]
    fn decodes_declared_windows_1251_and_refuses_it_declared_as_utf8() {
        let mut doc = b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>".to_vec();
        doc.extend_from_slice(&[0xC4, 0xEE, 0xEB, 0xEB, 0xE0, 0xF0]); // "Доллар"
        doc.extend_from_slice(b"</a>");
        assert_eq!(parse(&doc).unwrap().text, "Доллар");
        let mut lying = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>".to_vec();
        lying.extend_from_slice(&[0xC4, 0xEE, 0xEB, 0xEB, 0xE0, 0xF0]);
        lying.extend_from_slice(b"</a>");
        let e = err(&lying);
        assert!(e.starts_with("has bytes that are not the declared UTF-8"), "{e}");
        assert!(err(b"<?xml version=\"1.0\" encoding=\"klingon\"?><a/>").contains("'klingon'"));
    }
}
