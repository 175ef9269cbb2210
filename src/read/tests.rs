//! Tests of recognition (sniff) and of hostile documents across the readers,
//! and helpers the readers' own tests share.

use std::io::Write;

use super::*;
use crate::sources::{cbr, cbt, cbu, nbk, nbkr, nbt};

pub(crate) const NBK: &[u8] = include_bytes!("../../tests/fixtures/feeds/nbk-2026-04-01.xml");
pub(crate) const NBKR: &[u8] = include_bytes!("../../tests/fixtures/feeds/nbkr-daily-2026-05-24.xml");
pub(crate) const NBKR_HISTORY: &[u8] = include_bytes!("../../tests/fixtures/feeds/nbkr-history-USD-2005-06.html");
pub(crate) const CBU: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbu-2026-04-03.json");
pub(crate) const NBT: &[u8] = include_bytes!("../../tests/fixtures/feeds/nbt-2026-05-18.xml");
pub(crate) const CBT: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbt-2026-05-20.xml");
pub(crate) const CBR: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbr-daily-2026-04-25.xml");
pub(crate) const CBR_USD: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbr-dynamic-USD-2026-03.xml");
pub(crate) const CBR_KZT: &[u8] = include_bytes!("../../tests/fixtures/feeds/cbr-dynamic-KZT-2026-03.xml");

/// Every bank fixture with its format and its number of rates.
pub(crate) const DOCS: [(&[u8], Format, usize); 8] = [
    (NBK, Format::Bank(nbk::DOCUMENT), 39),
    (NBKR, Format::Bank(nbkr::DAILY), 5),
    (CBU, Format::Bank(cbu::DOCUMENT), 75),
    (NBT, Format::Bank(nbt::DOCUMENT), 36),
    (CBT, Format::Bank(cbt::DOCUMENT), 48),
    (CBR, Format::Bank(cbr::DAILY), 54),
    (CBR_USD, Format::Bank(cbr::DYNAMIC), 3),
    (CBR_KZT, Format::Bank(cbr::DYNAMIC), 3),
];

/// The rate of `pair` in a document, as its text (the only row of that pair).
pub(crate) fn rate_of(doc: &BankDocument, pair: &str) -> String {
    let rows: Vec<_> = doc.rows.iter().filter(|o| o.pair.to_string() == pair).collect();
    assert_eq!(rows.len(), 1, "{pair} in {:?}", doc.format);
    rows[0].rate.to_string()
}

/// The error of a refused document, checked to be one line.
pub(crate) fn read_err(r: Result<BankDocument>) -> String {
    let msg = match r {
        Ok(doc) => panic!("read {} rows where an error was expected", doc.rows.len()),
        Err(e) => e.to_string(),
    };
    assert!(!msg.contains('\n') && !msg.contains('\r'), "not one line: {msg:?}");
    msg
}

fn sniff_err(head: &[u8]) -> String {
    let e = sniff(head).unwrap_err().to_string();
    assert!(!e.contains('\n'), "{e:?}");
    e
}

/// A fixture as UTF-8 text (windows-1251 ones decoded), for edits.
fn text_of(bytes: &[u8]) -> String {
    xml::decode(bytes).map(|c| c.into_owned()).unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned())
}

/// The body of an XML fixture after its declaration, with `<!DOCTYPE …>` put before the root.
fn with_doctype(bytes: &[u8], doctype: &str) -> Vec<u8> {
    let text = text_of(bytes).replace("encoding=\"windows-1251\"", "encoding=\"utf-8\"");
    let root = text.find("?>").map(|i| i + 2).unwrap_or(0);
    format!("{}{doctype}{}", &text[..root], &text[root..]).into_bytes()
}

#[test]
fn every_fixture_reads_exactly_and_sniffs_as_its_format() {
    for (bytes, format, count) in DOCS {
        assert_eq!(sniff(bytes).unwrap(), format);
        let doc = read_bank(format, bytes).unwrap();
        assert_eq!(doc.rows.len(), count, "{format:?}");
        assert!(doc.skipped.is_empty(), "{format:?}: {:?}", doc.skipped);
        let home = crate::sources::builtin(doc.source.as_str()).unwrap().home_currency().unwrap();
        assert!(doc.rows.iter().all(|o| o.pair.quote == home && o.change.is_none()), "{format:?}");
        assert!(doc.rows.iter().all(|o| o.source == doc.source));
        if let Some(date) = doc.date {
            assert!(doc.rows.iter().all(|o| o.at == crate::model::Instant::start_of_day(date)));
        }
    }
    assert_eq!(sniff(NBKR_HISTORY).unwrap(), Format::Ticker, "the history page is read only through fetch");
}

#[test]
fn read_bank_refuses_another_format() {
    let e = read_err(read_bank(Format::Bank(nbk::DOCUMENT), CBT));
    assert_eq!(e, "is not an NBK document: its root is <cbt_currency_rate>, not <rates>");
    assert!(read_err(read_bank(Format::Bank(cbu::DOCUMENT), NBK)).starts_with("is not CBU's JSON"));
    assert_eq!(read_err(read_bank(Format::Ticker, NBK)), "is read as ticker, not as a bank document");
    let names: Vec<&str> = [
        Format::Ticker,
        Format::Csv,
        Format::Bank(nbk::DOCUMENT),
        Format::Bank(nbkr::DAILY),
        Format::Bank(nbkr::WEEKLY),
        Format::Bank(cbu::DOCUMENT),
        Format::Bank(nbt::DOCUMENT),
        Format::Bank(cbt::DOCUMENT),
        Format::Bank(cbr::DAILY),
        Format::Bank(cbr::DYNAMIC),
        Format::Warc,
    ]
    .iter()
    .map(|f| f.name())
    .collect();
    assert_eq!(names.join(","), "ticker,csv,nbk,nbkr-daily,nbkr-weekly,cbu,nbt,cbt,cbr-daily,cbr-dynamic,warc");
}

#[test]
fn a_billion_laughs_is_refused_in_every_xml_format() {
    let laughs = "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
                  <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">]>";
    for (bytes, format, _) in DOCS.iter().filter(|d| d.1 != Format::Bank(cbu::DOCUMENT)) {
        let doc = with_doctype(bytes, laughs);
        assert_eq!(sniff(&doc).unwrap(), *format, "a DTD does not hide the format");
        assert_eq!(read_err(read_bank(*format, &doc)), "has a DTD (<!DOCTYPE>): refused, entities are never expanded");
    }
}

#[test]
fn an_external_entity_is_never_read() {
    let mut secret = tempfile::NamedTempFile::new().unwrap();
    write!(secret, "SECRET-CONTENT-4711").unwrap();
    let path = secret.path().display().to_string();
    let mut errors = Vec::new();
    for (uri, root) in [(format!("file://{path}"), "rates"), (path.clone(), "rates"), (format!("file://{path}"), "lolz")] {
        let dtd = format!("<!DOCTYPE {root} [<!ENTITY xxe SYSTEM \"{uri}\">]>");
        let text = text_of(NBK).replacen("<title>USD</title>", "<title>&xxe;</title>", 1);
        let e = read_err(read_bank(Format::Bank(nbk::DOCUMENT), &with_doctype(text.as_bytes(), &dtd)));
        assert_eq!(e, "has a DTD (<!DOCTYPE>): refused, entities are never expanded");
        errors.push(e);
        // Without the DTD the reference is undeclared: refused, and still not read.
        let e = read_err(read_bank(Format::Bank(nbk::DOCUMENT), text.as_bytes()));
        assert_eq!(e, "uses the entity '&xxe;', which is not declared: entities are never expanded");
        errors.push(e);
    }
    let dtd = format!("<!DOCTYPE ValCurs SYSTEM \"file://{path}\">");
    errors.push(read_err(read_bank(Format::Bank(cbr::DYNAMIC), &with_doctype(CBR_USD, &dtd))));
    let in_attr = text_of(CBR_USD).replace("encoding=\"windows-1251\"", "encoding=\"utf-8\"").replacen("ID=\"R01235\"", "ID=\"&xxe;\"", 1);
    let e = read_err(read_bank(Format::Bank(cbr::DYNAMIC), in_attr.as_bytes()));
    assert!(e.contains("never expanded"), "{e}");
    errors.push(e);
    assert_eq!(errors.len(), 8);
    for e in &errors {
        assert!(!e.contains("SECRET"), "{e}");
    }
}

#[test]
fn a_document_over_8_mib_is_refused_before_reading() {
    for (bytes, format, _) in DOCS {
        let mut big = bytes.to_vec();
        big.resize(MAX_DOCUMENT_BYTES + 1, b' ');
        assert!(read_err(read_bank(format, &big)).starts_with("is larger than the 8 MiB a bank document may be"), "{format:?}");
    }
    let mut page = NBKR_HISTORY.to_vec();
    page.resize(MAX_DOCUMENT_BYTES + 1, b' ');
    assert!(read_err(nbkr::read_history(&page, "USD".parse().unwrap())).starts_with("is larger"));
}

#[test]
fn a_truncated_document_is_refused_wherever_it_is_cut() {
    for (bytes, format, _) in DOCS {
        // Every cut that loses part of the last element (the final newline aside).
        let end = bytes.iter().rposition(|&b| b == b'>' || b == b']').unwrap();
        for at in (1..end).step_by(37).chain([end]) {
            let r = read_bank(format, &bytes[..at]);
            assert!(r.is_err(), "{format:?} cut at {at} of {} read as a document", bytes.len());
            read_err(r);
        }
    }
}

#[test]
fn windows_1251_bytes_declared_as_utf8_are_refused() {
    // CBR's names are windows-1251; the declaration is made to lie.
    let lying: Vec<u8> = {
        let decl = b"encoding=\"windows-1251\"";
        let at = CBR.windows(decl.len()).position(|w| w == decl).unwrap();
        [&CBR[..at], b"encoding=\"utf-8\"".as_slice(), &CBR[at + decl.len()..]].concat()
    };
    let e = read_err(read_bank(Format::Bank(cbr::DAILY), &lying));
    assert!(e.starts_with("has bytes that are not the declared UTF-8"), "{e}");
    // The same bytes without any declaration.
    let bare = &lying[lying.windows(2).position(|w| w == b"?>").unwrap() + 2..];
    assert!(read_err(read_bank(Format::Bank(cbr::DAILY), bare)).starts_with("has bytes that are not UTF-8"));
}

#[test]
fn nominal_3_and_zero_rate_are_skipped_and_the_rest_kept() {
    let text = text_of(NBT).replacen("<Nominal>100</Nominal>", "<Nominal>3</Nominal>", 1).replacen(
        "<Value>9.3450</Value>",
        "<Value>0.0000</Value>",
        1,
    );
    let doc = read_bank(Format::Bank(nbt::DOCUMENT), text.as_bytes()).unwrap();
    assert_eq!(doc.rows.len(), 34);
    assert_eq!(doc.skipped, ["USD: rate '0.0000' is zero", "UZS: nominal '3' is not a positive power of ten"]);
    assert!(!doc.is_empty_day());
    let cbr = text_of(CBR).replace("encoding=\"windows-1251\"", "encoding=\"utf-8\"").replacen(
        "<Nominal>100</Nominal><Name>Тенге</Name><Value>16,3172</Value>",
        "<Nominal>100</Nominal><Name>Тенге</Name><Value>-16,3172</Value>",
        1,
    );
    let doc = read_bank(Format::Bank(cbr::DAILY), cbr.as_bytes()).unwrap();
    assert_eq!((doc.rows.len(), doc.skipped.len()), (53, 1), "{:?}", doc.skipped);
    assert!(doc.skipped[0].starts_with("KZT: rate '-16,3172' is negative"), "{:?}", doc.skipped);
}

#[test]
fn a_currency_twice_with_two_values_refuses_the_document() {
    let text = text_of(CBT).replacen("<rate code=\"AED\">", "<rate code=\"USD\">", 1);
    assert_eq!(
        read_err(read_bank(Format::Bank(cbt::DOCUMENT), text.as_bytes())),
        "lists USD twice with different values (3.5 and 0.9529): refused"
    );
    let cbu = String::from_utf8_lossy(CBU).replacen("\"Ccy\":\"EUR\"", "\"Ccy\":\"USD\"", 1);
    assert!(read_err(read_bank(Format::Bank(cbu::DOCUMENT), cbu.as_bytes())).starts_with("lists USD twice"));
    let nbkr = String::from_utf8_lossy(NBKR).replacen("ISOCode=\"EUR\"", "ISOCode=\"USD\"", 1);
    assert!(read_err(read_bank(Format::Bank(nbkr::DAILY), nbkr.as_bytes())).starts_with("lists USD twice"));
}

#[test]
fn an_impossible_or_missing_date_refuses_the_document() {
    let nbkr = String::from_utf8_lossy(NBKR).replacen("24.05.2026", "31.02.2026", 1);
    assert_eq!(read_err(read_bank(Format::Bank(nbkr::DAILY), nbkr.as_bytes())), "date '31.02.2026' does not exist");
    let cbu = String::from_utf8_lossy(CBU).replace("03.04.2026", "31.02.2026");
    assert_eq!(read_err(read_bank(Format::Bank(cbu::DOCUMENT), cbu.as_bytes())), "date '31.02.2026' does not exist");
    let cbr = text_of(CBR).replace("encoding=\"windows-1251\"", "encoding=\"utf-8\"").replacen("Date=\"25.04.2026\"", "", 1);
    assert_eq!(read_err(read_bank(Format::Bank(cbr::DAILY), cbr.as_bytes())), "has no date");
}

#[test]
fn sniff_recognizes_every_format() {
    assert_eq!(
        sniff(b"\xEF\xBB\xBF  \n<?xml version=\"1.0\"?><!-- x --><rates><date>01.04.2026</date></rates>").unwrap(),
        Format::Bank(nbk::DOCUMENT)
    );
    let weekly = String::from_utf8_lossy(NBKR).replace("Daily Exchange Rates", "Weekly Exchange Rates");
    assert_eq!(sniff(weekly.as_bytes()).unwrap(), Format::Bank(nbkr::WEEKLY));
    assert_eq!(
        sniff(b"<CurrencyRates Date=\"24.05.2026\"><Currency ISOCode=\"TJS\"><ValidFor>7</ValidFor>").unwrap(),
        Format::Bank(nbkr::WEEKLY)
    );
    assert_eq!(sniff(b"<CurrencyRates Date=\"24.05.2026\">").unwrap(), Format::Bank(nbkr::DAILY));
    assert_eq!(sniff(b"<ValCurs ID=\"R01235\" DateRange1=\"01.03.2026\">").unwrap(), Format::Bank(cbr::DYNAMIC));
    assert_eq!(sniff(b"<ValCurs Date='2026-05-18'>").unwrap(), Format::Bank(nbt::DOCUMENT));
    assert_eq!(sniff(b"<ValCurs Date=\"25.04.2026\">").unwrap(), Format::Bank(cbr::DAILY));
    assert_eq!(sniff(b"<ValCurs><Valute ID=\"R01010\"><NumCode>036</NumCode>").unwrap(), Format::Bank(cbr::DAILY));
    assert_eq!(sniff(b"<cbt_currency_rate name=\"CBT Currency XML\">").unwrap(), Format::Bank(cbt::DOCUMENT));
    assert_eq!(sniff(b"[]").unwrap(), Format::Bank(cbu::DOCUMENT));
    assert_eq!(sniff(b"timestamp,pair,rate\n2025-12-12,KGS/USD,0.01144\n").unwrap(), Format::Csv);
    assert_eq!(sniff(b"\xEF\xBB\xBF\"pair\",\"rate\",\"timestamp\"\r\n").unwrap(), Format::Csv);
    assert_eq!(sniff(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n").unwrap(), Format::Warc);
    assert_eq!(sniff(b"WARC/1.0\r\n").unwrap(), Format::Warc);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"WARC/1.1\r\nWARC-Type: response\r\n").unwrap();
    let gz = gz.finish().unwrap();
    assert_eq!(sniff(&gz).unwrap(), Format::Warc);
    assert_eq!(sniff(&gz[..gz.len() - 6]).unwrap(), Format::Warc, "a head cut inside the first member");
    for page in [
        &b"<!DOCTYPE html>\n<html><body>x</body></html>"[..],
        b"<html lang=\"en\">",
        b"<!doctype HTML>",
        b"<div>KGS/USD</div>",
        b"<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">",
    ] {
        assert_eq!(sniff(page).unwrap(), Format::Ticker, "{}", String::from_utf8_lossy(page));
    }
    for text in
        [&b"\xE2\x80\xA2 KGS/USD = 0.01144 0%"[..], b"", b"hello, world", b"Rates today: KGS/USD = 0.01144", b"[Ad] KGS/USD = 0.01144"]
    {
        assert_eq!(sniff(text).unwrap(), Format::Ticker, "{}", String::from_utf8_lossy(text));
    }
}

#[test]
fn sniff_says_what_almost_matched() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(NBK).unwrap();
    assert_eq!(sniff_err(&gz.finish().unwrap()), "is gzip-compressed but not a WARC archive: decompress it first");
    let utf16le: Vec<u8> = "<?xml version=\"1.0\"?><rates>".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    assert_eq!(sniff_err(&utf16le), "is UTF-16 (little-endian): convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)");
    let utf16be: Vec<u8> = "timestamp,pair,rate".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    assert!(sniff_err(&utf16be).starts_with("is UTF-16 (big-endian)"));
    assert!(sniff_err(&[0xFF, 0xFE, b'a', 0]).starts_with("is UTF-16 (little-endian)"));
    assert_eq!(
        sniff_err(b"<?xml version=\"1.0\"?>\n<feed><entry/></feed>"),
        "is an XML document with root <feed>, not one of the banks' formats (expected <rates>, <CurrencyRates>, <ValCurs> or <cbt_currency_rate>)"
    );
    assert!(sniff_err(b"<Envelope xmlns=\"x\">").starts_with("is an XML document with root <Envelope>"));
    assert_eq!(sniff_err(b"{\"rates\": {}}"), "is a JSON object, not one of the banks' formats (expected CBU's JSON array of rates)");
    assert!(sniff_err(b"[{\"code\":\"USD\",\"rate\":1}]").starts_with("is a JSON array, but not CBU's"));
    assert_eq!(
        sniff_err(b"timestamp;pair;rate\n2025-12-12;KGS/USD;0.01144"),
        "looks like CSV but is separated by ';': fxsnap reads comma-separated CSV (header timestamp,pair,rate[,change_pct,source])"
    );
    assert!(sniff_err(b"timestamp\tpair\trate\n").contains("separated by tabs"));
    assert!(sniff_err(b"date,currency,value\n2025-12-12,KGS,0.01144")
        .starts_with("looks like CSV but its header 'date,currency,value' is not fxsnap's"));
    assert!(sniff_err(b"Date;Ccy;Rate\n").starts_with("looks like CSV but its header"));
}

#[test]
fn sniff_never_cuts_a_character() {
    // A BOM (3 bytes) where a tag name is compared: found by the property tests.
    for head in ["<ValCur\u{feff}s ID=\"R01235\">", "<!DOC\u{feff}TYPE", "<!DOCTYP\u{feff}", "<\u{feff}", "<?xml\u{feff}?><r\u{feff}/>"] {
        let _ = sniff(head.as_bytes());
    }
    assert!(sniff("<ValCur\u{feff}s ID=\"R01235\">".as_bytes()).is_ok());
}

#[test]
fn sniff_looks_only_at_its_head() {
    let mut long = b"\xE2\x80\xA2 KGS/USD = 0.01144 0%\n".to_vec();
    long.extend(std::iter::repeat_n(b'x', SNIFF_BYTES * 2));
    long.extend_from_slice(b"<rates>");
    assert_eq!(sniff(&long).unwrap(), Format::Ticker);
    let mut xml = b"<?xml version=\"1.0\"?>".to_vec();
    xml.extend(std::iter::repeat_n(b' ', SNIFF_BYTES));
    xml.extend_from_slice(b"<rates>");
    assert!(sniff_err(&xml).contains("without a root element"));
}

#[test]
fn the_projects_ticker_pages_and_csv_sniff_as_such() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for dir in ["tests/fixtures/pages", "tests/fixtures/html", "tests/fixtures/html/variants", "tests/fixtures/other-crawls"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_file() && path.extension().is_some_and(|x| x == "txt" || x == "html") {
                let bytes = std::fs::read(&path).unwrap();
                assert_eq!(sniff(&bytes).unwrap(), Format::Ticker, "{}", path.display());
                n += 1;
            }
        }
    }
    assert!(n > 80, "{n} pages");
    let csv = std::fs::read(root.join("data/history/nbu-usd-cross.csv")).unwrap();
    assert_eq!(sniff(&csv).unwrap(), Format::Csv);
    let bad = std::fs::read(root.join("tests/fixtures/bad/random.bin")).unwrap();
    assert_eq!(sniff(&bad).unwrap(), Format::Ticker, "random bytes are left to the ticker reader's 'no ticker'");
}
