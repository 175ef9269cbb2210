//! Hostile bank documents and archives (issue 10): the readers run unattended
//! on documents fxsnap does not control, so they must never panic, never
//! hang, never read anything but the document, and answer with rows or with
//! one short error line, whatever the bytes. Property tests (proptest) on the
//! real documents of tests/fixtures/feeds mutated as a broken transfer or a
//! hostile server would (flipped bytes, truncation, splices, duplicated and
//! altered items, DTDs and entities), on WARC archives built from them, and
//! on arbitrary bytes; plus worst cases at the readers' bounds.
//!
//! The cargo-fuzz target for the same functions is fuzz/fuzz_targets/readers.rs.
//! `PROPTEST_CASES=N` runs more cases; the seed is fixed unless
//! `PROPTEST_RNG_SEED` is set (e.g. to `random`).

mod common;

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fxsnap::read::{read_bank, sniff, warc, BankDocument, Format, MAX_DOCUMENT_BYTES};
use fxsnap::sources::{cbr, cbt, cbu, nbk, nbkr, nbt};
use proptest::prelude::*;

/// The real documents, verbatim (tests/fixtures/feeds/README.md), with their formats.
const DOCS: &[(&[u8], Format)] = &[
    (include_bytes!("fixtures/feeds/nbk-2026-04-01.xml"), Format::Bank(nbk::DOCUMENT)),
    (include_bytes!("fixtures/feeds/nbkr-daily-2026-05-24.xml"), Format::Bank(nbkr::DAILY)),
    (include_bytes!("fixtures/feeds/cbu-2026-04-03.json"), Format::Bank(cbu::DOCUMENT)),
    (include_bytes!("fixtures/feeds/nbt-2026-05-18.xml"), Format::Bank(nbt::DOCUMENT)),
    (include_bytes!("fixtures/feeds/cbt-2026-05-20.xml"), Format::Bank(cbt::DOCUMENT)),
    (include_bytes!("fixtures/feeds/cbr-daily-2026-04-25.xml"), Format::Bank(cbr::DAILY)),
    (include_bytes!("fixtures/feeds/cbr-dynamic-USD-2026-03.xml"), Format::Bank(cbr::DYNAMIC)),
    (include_bytes!("fixtures/feeds/cbr-dynamic-KZT-2026-03.xml"), Format::Bank(cbr::DYNAMIC)),
];
const HISTORY: &[u8] = include_bytes!("fixtures/feeds/nbkr-history-USD-2005-06.html");

const BANK_FORMATS: [Format; 8] = [
    Format::Bank(nbk::DOCUMENT),
    Format::Bank(nbkr::DAILY),
    Format::Bank(nbkr::WEEKLY),
    Format::Bank(cbu::DOCUMENT),
    Format::Bank(nbt::DOCUMENT),
    Format::Bank(cbt::DOCUMENT),
    Format::Bank(cbr::DAILY),
    Format::Bank(cbr::DYNAMIC),
];

/// Where each format's items begin and end, for duplicating them.
fn item_tags(format: Format) -> (&'static str, &'static str) {
    match format {
        Format::Bank(nbk::DOCUMENT) => ("<item>", "</item>"),
        Format::Bank(nbkr::DAILY) | Format::Bank(nbkr::WEEKLY) => ("<Currency ", "</Currency>"),
        Format::Bank(cbu::DOCUMENT) => ("{", "}"),
        Format::Bank(nbt::DOCUMENT) | Format::Bank(cbr::DAILY) => ("<Valute ", "</Valute>"),
        Format::Bank(cbt::DOCUMENT) => ("<rate ", "</rate>"),
        _ => ("<Record ", "</Record>"),
    }
}

/// Snippets a hostile server might put anywhere.
const SNIPPETS: &[&str] = &[
    "<!DOCTYPE rates [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>",
    "<!DOCTYPE x SYSTEM \"file:///etc/passwd\">",
    "<!ENTITY x SYSTEM \"file:///etc/passwd\">",
    "&xxe;",
    "&b;",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "&#65;",
    "&lt;",
    "<![CDATA[<Value>1</Value>]]>",
    "<!-- -->",
    "<?pi x?>",
    "<a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a>",
    "</rates>",
    "<item>",
    "\u{feff}",
    "\u{0}",
    "\u{fffd}",
    "\"Rate\":1e400,",
    "\"Rate\":\"NaN\",",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "99999999999999999999999999999999",
    "0.000000000000000000000000000001",
    "-1",
    "0",
    "1e-05",
    "5,39256E-05",
    "31.02.2026",
    "2026-02-31",
    "<Nominal>3</Nominal>",
    "<Nominal>1000000000000000000000000000000</Nominal>",
    "encoding=\"utf-16\"",
    "encoding=\"klingon\"",
    "\u{0}<\u{0}r\u{0}",
    "\r\n",
];

#[derive(Clone, Debug)]
enum Mutation {
    /// XOR one byte (position modulo the length).
    Flip { at: usize, xor: u8 },
    /// Cut the document at a byte (maybe inside a character or a tag).
    Truncate { at: usize },
    /// Copy a range of the document (or of another one) to a position.
    Splice { from_doc: usize, start: usize, len: usize, to: usize },
    /// Repeat the nth item at the position of the mth (same or altered value).
    Duplicate { nth: usize, to: usize, alter: bool },
    /// Delete the nth item.
    Delete { nth: usize },
    /// Insert a hostile snippet.
    Insert { at: usize, what: &'static str },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, xor)| Mutation::Flip { at, xor }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), any::<usize>(), 0..2048usize, any::<usize>()).prop_map(|(from_doc, start, len, to)| Mutation::Splice {
            from_doc,
            start,
            len,
            to
        }),
        (any::<usize>(), any::<usize>(), any::<bool>()).prop_map(|(nth, to, alter)| Mutation::Duplicate { nth, to, alter }),
        any::<usize>().prop_map(|nth| Mutation::Delete { nth }),
        (any::<usize>(), prop::sample::select(SNIPPETS)).prop_map(|(at, what)| Mutation::Insert { at, what }),
    ]
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

/// The byte ranges of a document's items.
fn items(doc: &[u8], format: Format) -> Vec<std::ops::Range<usize>> {
    let (open, close) = item_tags(format);
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(s) = find(doc, open.as_bytes(), pos) {
        let Some(e) = find(doc, close.as_bytes(), s + 1) else { break };
        let mut end = e + close.len();
        if format == Format::Bank(cbu::DOCUMENT) && doc.get(end) == Some(&b',') {
            end += 1;
        }
        out.push(s..end);
        pos = end;
    }
    out
}

fn apply(doc: &[u8], format: Format, m: &Mutation) -> Vec<u8> {
    let mut b = doc.to_vec();
    match *m {
        Mutation::Flip { at, xor } => {
            if !b.is_empty() {
                let i = at % b.len();
                b[i] ^= xor;
            }
        }
        Mutation::Truncate { at } => b.truncate(at % (b.len() + 1)),
        Mutation::Splice { from_doc, start, len, to } => {
            let src = DOCS[from_doc % DOCS.len()].0;
            let s = start % (src.len() + 1);
            let e = (s + len).min(src.len());
            let to = to % (b.len() + 1);
            b.splice(to..to, src[s..e].iter().copied());
        }
        Mutation::Duplicate { nth, to, alter } => {
            let its = items(&b, format);
            if !its.is_empty() {
                let mut item = b[its[nth % its.len()].clone()].to_vec();
                if alter {
                    // Change the item's first digit: the same currency with another value.
                    if let Some(i) = item.iter().rposition(|c| c.is_ascii_digit()) {
                        item[i] = if item[i] == b'9' { b'8' } else { item[i] + 1 };
                    }
                }
                if format == Format::Bank(cbu::DOCUMENT) && !item.ends_with(b",") {
                    item.push(b',');
                }
                let at = its[to % its.len()].start;
                b.splice(at..at, item);
            }
        }
        Mutation::Delete { nth } => {
            let its = items(&b, format);
            if !its.is_empty() {
                b.drain(its[nth % its.len()].clone());
            }
        }
        Mutation::Insert { at, what } => {
            let i = at % (b.len() + 1);
            b.splice(i..i, what.bytes());
        }
    }
    b
}

fn one_short_line(msg: &str) -> Result<(), TestCaseError> {
    prop_assert!(!msg.is_empty());
    prop_assert!(!msg.contains('\n') && !msg.contains('\r'), "error is not one line: {msg:?}");
    prop_assert!(msg.len() <= 500, "error echoes too much ({} bytes): {}…", msg.len(), msg.chars().take(200).collect::<String>());
    Ok(())
}

/// What must hold of a document read: rows against the home currency, each
/// rate positive and reading back from its text; skip reasons short.
fn check_document(doc: &BankDocument) -> Result<(), TestCaseError> {
    let home = fxsnap::sources::builtin(doc.source.as_str()).and_then(|s| s.home_currency());
    prop_assert!(home.is_some(), "source {} is a bank", doc.source);
    let mut keys = std::collections::HashSet::new();
    for o in &doc.rows {
        prop_assert_eq!(Some(o.pair.quote), home);
        prop_assert_ne!(o.pair.base, o.pair.quote);
        prop_assert!(o.change.is_none(), "banks' changes are never stored");
        prop_assert!(o.rate.decimal() > rust_decimal::Decimal::ZERO);
        let back: fxsnap::model::Rate = o.rate.to_string().parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert!(back.same_value(&o.rate));
        prop_assert!(keys.insert((o.pair, o.at)), "{} twice at {}", o.pair, o.at);
    }
    for s in &doc.skipped {
        one_short_line(s)?;
    }
    Ok(())
}

/// Every reader on these bytes: sniff, each bank reader, the history page, the WARC reader.
fn check_bytes(bytes: &[u8]) -> Result<(), TestCaseError> {
    match sniff(&bytes[..bytes.len().min(fxsnap::read::SNIFF_BYTES)]) {
        Ok(_) => {}
        Err(e) => one_short_line(&e.to_string())?,
    }
    for f in BANK_FORMATS {
        match read_bank(f, bytes) {
            Ok(doc) => check_document(&doc)?,
            Err(e) => one_short_line(&e.to_string())?,
        }
    }
    match nbkr::read_history(bytes, "USD".parse().unwrap()) {
        Ok(doc) => check_document(&doc)?,
        Err(e) => one_short_line(&e.to_string())?,
    }
    for r in warc::responses(bytes).take(1000) {
        if let Err(e) = r {
            one_short_line(&e.to_string())?;
        }
    }
    Ok(())
}

fn snapshot(doc: &BankDocument) -> Vec<String> {
    let mut v: Vec<String> = doc.rows.iter().map(|o| format!("{} {} {}", o.at, o.pair, o.rate)).collect();
    v.sort();
    v
}

/// A small WARC of the documents (warcinfo, then a request and a response each).
fn warc_of(docs: &[&[u8]], gzip: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut push = |rec: Vec<u8>| {
        if gzip {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&rec).unwrap();
            out.extend(gz.finish().unwrap());
        } else {
            out.extend(rec);
        }
    };
    let record = |kind: &str, block: &[u8]| {
        let mut r = format!(
            "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Target-URI: https://example.org/{kind}\r\nWARC-Date: 2026-04-08T13:43:25Z\r\nContent-Length: {}\r\n\r\n",
            block.len()
        )
        .into_bytes();
        r.extend_from_slice(block);
        r.extend_from_slice(b"\r\n\r\n");
        r
    };
    push(record("warcinfo", b"software: fxsnap tests\r\n"));
    for d in docs {
        push(record("request", b"GET / HTTP/1.1\r\n\r\n"));
        let mut http = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", d.len()).into_bytes();
        http.extend_from_slice(d);
        push(record("response", &http));
    }
    out
}

proptest! {
    #![proptest_config(common::proptest_config(256, 20_260_401))]

    /// Arbitrary bytes through every reader.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        check_bytes(&bytes)?;
    }

    /// Real documents with up to 6 mutations, through every reader.
    #[test]
    fn mutated_real_documents_never_panic(
        doc in 0..DOCS.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let (bytes, format) = DOCS[doc];
        let mut b = bytes.to_vec();
        for m in &mutations {
            b = apply(&b, format, m);
        }
        check_bytes(&b)?;
    }

    /// A real document cut anywhere before its end is refused, never read as a shorter one.
    #[test]
    fn truncated_documents_are_refused(doc in 0..DOCS.len(), at in any::<usize>()) {
        let (bytes, format) = DOCS[doc];
        let end = bytes.iter().rposition(|&c| c == b'>' || c == b']').unwrap();
        let cut = &bytes[..at % end];
        let r = read_bank(format, cut);
        prop_assert!(r.is_err(), "{:?} cut at {} read", format, at % end);
        one_short_line(&r.unwrap_err().to_string())?;
    }

    /// An item repeated unchanged changes nothing; repeated with another
    /// value it refuses the whole document.
    #[test]
    fn duplicated_items(doc in 0..DOCS.len(), nth in any::<usize>(), to in any::<usize>(), alter in any::<bool>()) {
        let (bytes, format) = DOCS[doc];
        let original = snapshot(&read_bank(format, bytes).unwrap());
        let b = apply(bytes, format, &Mutation::Duplicate { nth, to, alter });
        match read_bank(format, &b) {
            Ok(d) => prop_assert_eq!(snapshot(&d), original, "a repeated item changed the rows"),
            Err(e) => {
                one_short_line(&e.to_string())?;
                prop_assert!(alter, "an unchanged repetition was refused: {}", e);
            }
        }
    }

    /// Archives of the real documents, plain or gzip per record, mutated:
    /// every response read is one of the documents or an error of one line.
    #[test]
    fn mutated_archives_never_panic(
        gzip in any::<bool>(),
        mutations in prop::collection::vec(mutation(), 0..4),
    ) {
        let docs: Vec<&[u8]> = DOCS.iter().map(|d| d.0).collect();
        let mut b = warc_of(&docs, gzip);
        for m in &mutations {
            b = apply(&b, Format::Warc, m);
        }
        let mut complete = 0;
        for r in warc::responses(&b[..]) {
            match r {
                Ok(resp) => {
                    prop_assert!(resp.body.len() <= MAX_DOCUMENT_BYTES);
                    complete += 1;
                }
                Err(e) => one_short_line(&e.to_string())?,
            }
        }
        if mutations.is_empty() {
            prop_assert_eq!(complete, DOCS.len());
        }
    }
}

#[test]
fn every_real_document_reads_untouched() {
    for (bytes, format) in DOCS {
        assert_eq!(sniff(bytes).unwrap(), *format);
        let doc = read_bank(*format, bytes).unwrap();
        assert!(!doc.rows.is_empty() && doc.skipped.is_empty(), "{format:?}");
    }
    assert_eq!(nbkr::read_history(HISTORY, "USD".parse().unwrap()).unwrap().rows.len(), 4);
    let docs: Vec<&[u8]> = DOCS.iter().map(|d| d.0).collect();
    for gzip in [false, true] {
        let bodies: Vec<Vec<u8>> = warc::responses(&warc_of(&docs, gzip)[..]).map(|r| r.unwrap().body).collect();
        assert_eq!(bodies, docs);
    }
}

/// Runs `f` on a thread and fails if it has not finished after `limit`: a
/// hang guard for worst cases (a quadratic path would run for hours), far
/// above the time a linear reader needs.
fn within<T: Send + 'static>(what: &str, limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => {
            eprintln!("{what}: {:.2} s", started.elapsed().as_secs_f64());
            v
        }
        Err(_) => panic!("{what}: not done after {} s", limit.as_secs()),
    }
}

#[test]
fn worst_cases_at_the_bounds_finish() {
    // Just under 8 MiB of items: 199,999 elements, all read or refused quickly.
    let item = "<item><title>USD</title></item>";
    let n = (MAX_DOCUMENT_BYTES - 100) / item.len();
    let doc = format!("<rates><date>01.04.2026</date>{}</rates>", item.repeat(n));
    let r = within("8 MiB of NBK items", Duration::from_secs(60), move || {
        read_bank(Format::Bank(nbk::DOCUMENT), doc.as_bytes()).map(|d| d.rows.len())
    });
    assert!(r.unwrap_err().to_string().contains("more than 200000 elements"));
    // 8 MiB of attributes on one element.
    let attrs: String = (0..60).map(|i| format!(" a{i}=\"{}\"", "x".repeat(100_000))).collect();
    let doc = format!("<ValCurs{attrs}/>");
    let r = within("8 MiB of attributes", Duration::from_secs(60), move || {
        read_bank(Format::Bank(cbr::DAILY), doc.as_bytes()).map(|d| d.rows.len())
    });
    assert_eq!(r.unwrap_err().to_string(), "has no date");
    // 8 MiB of CBU objects with one value each.
    let obj = r#"{"Ccy":"USD","Nominal":"1","Rate":"1","Date":"03.04.2026"},"#;
    let doc = format!("[{}{}]", obj.repeat((MAX_DOCUMENT_BYTES - 200) / obj.len()), &obj[..obj.len() - 1]);
    let r = within("8 MiB of CBU objects", Duration::from_secs(60), move || {
        read_bank(Format::Bank(cbu::DOCUMENT), doc.as_bytes()).map(|d| d.rows.len())
    });
    assert!(r.unwrap_err().to_string().contains("more than 100000 objects"));
    // An archive of 20,000 small records.
    let docs: Vec<&[u8]> = vec![b"x"; 20_000];
    let archive = warc_of(&docs, true);
    let n = within("20,000 WARC records", Duration::from_secs(60), move || warc::responses(&archive[..]).filter(|r| r.is_ok()).count());
    assert_eq!(n, 20_000);
    // Entities everywhere: 1 MiB of &amp; reads as text, no expansion.
    let doc = format!("<rates><date>01.04.2026</date><title>{}</title></rates>", "&amp;".repeat(200_000));
    let r = within("200,000 entity references", Duration::from_secs(60), move || {
        read_bank(Format::Bank(nbk::DOCUMENT), doc.as_bytes()).map(|d| d.rows.len())
    });
    assert_eq!(r.unwrap(), 0);
}
