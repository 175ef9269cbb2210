//! WARC archives built here, read back: plain and gzip per record, with
//! warcinfo, request and response records, chunked bodies and cut records.

use std::io::Write;

use super::*;
use crate::read::tests::{CBR, NBK};

fn record(kind: &str, uri: Option<&str>, date: &str, block: &[u8]) -> Vec<u8> {
    let mut r = format!("WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{kind}>\r\nWARC-Date: {date}\r\n");
    if let Some(u) = uri {
        r.push_str(&format!("WARC-Target-URI: {u}\r\n"));
    }
    r.push_str(&format!("Content-Type: application/http;msgtype={kind}\r\nContent-Length: {}\r\n\r\n", block.len()));
    let mut r = r.into_bytes();
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut h = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    let mut b = h.into_bytes();
    b.extend_from_slice(body);
    b
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in body.chunks(1000) {
        out.extend_from_slice(format!("{:x};ext=1\r\n", c.len()).as_bytes());
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

const NBK_URL: &str = "https://nationalbank.kz/rss/get_rates.cfm?fdate=01.04.2026";
const CBR_URL: &str = "https://www.cbr.ru/scripts/XML_daily.asp";

/// warcinfo, request, response (NBK), request, response (CBR, chunked), metadata.
fn records() -> Vec<Vec<u8>> {
    vec![
        record("warcinfo", None, "2026-04-08T13:43:00Z", b"software: fxsnap\r\n"),
        record("request", Some(NBK_URL), "2026-04-08T13:43:25Z", b"GET /rss/get_rates.cfm?fdate=01.04.2026 HTTP/1.1\r\n\r\n"),
        record("response", Some(NBK_URL), "2026-04-08T13:43:25Z", &http("200 OK", &[("Content-Type", "text/xml")], NBK)),
        record("request", Some(CBR_URL), "2026-04-26T22:00:58.123456Z", b"GET /scripts/XML_daily.asp HTTP/1.1\r\n\r\n"),
        record(
            "response",
            Some(&format!("<{CBR_URL}>")),
            "2026-04-26T22:00:58.123456Z",
            &http("200 OK", &[("Transfer-Encoding", "chunked"), ("Content-Type", "application/xml")], &chunked(CBR)),
        ),
        record("metadata", Some(CBR_URL), "2026-04-26T22:00:59Z", b"note: none\r\n"),
    ]
}

fn gzip_each(records: &[Vec<u8>]) -> Vec<u8> {
    records
        .iter()
        .flat_map(|r| {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(r).unwrap();
            gz.finish().unwrap()
        })
        .collect()
}

fn check_two(got: Vec<Result<WarcResponse>>) {
    let got: Vec<WarcResponse> = got.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].target_uri, NBK_URL);
    assert_eq!(got[0].date.rfc3339(), "2026-04-08T13:43:25Z");
    assert_eq!(got[0].status, 200);
    assert_eq!(got[0].header("content-type"), Some("text/xml"));
    assert_eq!(got[0].body, NBK);
    assert_eq!(got[1].target_uri, CBR_URL);
    assert_eq!(got[1].date.rfc3339(), "2026-04-26T22:00:58Z");
    assert_eq!(got[1].body, CBR, "chunked encoding undone");
    let doc = crate::read::read_bank(crate::read::sniff(&got[1].body).unwrap(), &got[1].body).unwrap();
    assert_eq!(doc.rows.len(), 54);
}

#[test]
fn reads_a_plain_archive() {
    let warc = records().concat();
    assert_eq!(crate::read::sniff(&warc).unwrap(), crate::read::Format::Warc);
    check_two(responses(&warc[..]).collect());
}

#[test]
fn reads_an_archive_gzipped_per_record_and_as_one_member() {
    let warc = gzip_each(&records());
    assert_eq!(crate::read::sniff(&warc).unwrap(), crate::read::Format::Warc);
    check_two(responses(&warc[..]).collect());
    let whole = gzip_each(&[records().concat()]);
    check_two(responses(&whole[..]).collect());
}

#[test]
fn a_cut_last_record_is_reported_after_the_complete_ones() {
    let recs = records();
    let plain = recs[..5].concat();
    let start_of_last = recs[..4].concat().len() as u64;
    for cut in [plain.len() - 1, plain.len() - 4, plain.len() - 3000, start_of_last as usize + 30] {
        let mut it = responses(&plain[..cut]);
        let first = it.next().unwrap().unwrap();
        assert_eq!(first.target_uri, NBK_URL);
        let e = it.next().unwrap().unwrap_err().to_string();
        assert!(e.starts_with(&format!("record 5 (at byte {start_of_last}")), "{e}");
        assert!(e.contains("is cut"), "{e}");
        assert!(it.next().is_none());
        assert_eq!(it.cut_offset(), Some(start_of_last));
    }
    // Gzip per record: the cut member's offset is where the record began.
    let members: Vec<Vec<u8>> = recs[..5].iter().map(|r| gzip_each(std::slice::from_ref(r))).collect();
    let gz = members.concat();
    let start = members[..4].concat().len() as u64;
    for cut in [gz.len() - 1, gz.len() - 9, start as usize + 12] {
        let mut it = responses(&gz[..cut]);
        assert!(it.next().unwrap().is_ok());
        let e = it.next().unwrap().unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("record 5 (at byte {start}, {CBR_URL}) is cut"))
                || e.starts_with(&format!("record 5 (at byte {start}) is cut")),
            "{e}"
        );
        assert!(!e.contains('\n'));
        assert!(it.next().is_none());
        assert_eq!(it.cut_offset(), Some(start));
    }
}

#[test]
fn bounds_and_malformed_records() {
    let big = vec![b'x'; MAX_BODY_BYTES + 1];
    let warc = [record("response", Some(NBK_URL), "2026-04-08T13:43:25Z", &http("200 OK", &[], &big)), records()[2].clone()].concat();
    let got: Vec<_> = responses(&warc[..]).collect();
    assert_eq!(got.len(), 2);
    assert!(got[0].as_ref().unwrap_err().to_string().contains("body over 8 MiB"));
    assert_eq!(got[1].as_ref().unwrap().body, NBK, "the next record is still read");

    let huge = format!("WARC/1.1\r\nWARC-Type: response\r\nX: {}\r\n\r\n", "y".repeat(100_000));
    let e = responses(huge.as_bytes()).next().unwrap().unwrap_err().to_string();
    assert!(e.contains("over 64 KiB"), "{e}");

    let e = responses(&b"HTTP/1.1 200 OK\r\n\r\n"[..]).next().unwrap().unwrap_err().to_string();
    assert_eq!(e, "record 1 (at byte 0) does not begin with WARC/1.0 or WARC/1.1 but with 'HTTP/1.1 200 OK'");
    let no_len = b"WARC/1.0\r\nWARC-Type: response\r\n\r\n";
    assert!(responses(&no_len[..]).next().unwrap().unwrap_err().to_string().ends_with("has no Content-Length"));
    let no_http = record("response", Some(NBK_URL), "2026-04-08T13:43:25Z", b"just bytes");
    assert!(responses(&no_http[..]).next().unwrap().unwrap_err().to_string().contains("no HTTP response header"));
    let bad_date = record("response", Some(NBK_URL), "yesterday", &http("200 OK", &[], b"x"));
    assert!(responses(&bad_date[..]).next().unwrap().unwrap_err().to_string().contains("WARC-Date 'yesterday'"));
    let bad_chunks =
        record("response", Some(NBK_URL), "2026-04-08T13:43:25Z", &http("200 OK", &[("Transfer-Encoding", "chunked")], b"zz\r\nx"));
    assert!(responses(&bad_chunks[..]).next().unwrap().unwrap_err().to_string().contains("malformed chunked body"));
    let status = record("response", Some(NBK_URL), "2026-04-08T13:43:25Z", &http("404 Not Found", &[], b""));
    assert_eq!(responses(&status[..]).next().unwrap().unwrap().status, 404);
    assert!(responses(&b""[..]).next().is_none(), "an empty archive has no records");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(NBK).unwrap();
    let body = gz.finish().unwrap();
    let gzipped = record("response", Some(NBK_URL), "2026-04-08T13:43:25Z", &http("200 OK", &[("Content-Encoding", "gzip")], &body));
    assert_eq!(responses(&gzipped[..]).next().unwrap().unwrap().body, NBK);
}
