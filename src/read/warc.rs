//! Reading WARC/1.0 and 1.1 archives: the response records, each with its
//! target URI, date, HTTP status, headers and body.
//!
//! An archive is plain or gzip-compressed per record (a multi-member gzip
//! file; one member for the whole file works too). warcinfo, request and
//! other records are skipped. A crash while appending leaves the last record
//! cut: the complete records before it are still read, then one error says
//! which record was cut and where it began ([`Responses::cut_offset`]), so a
//! writer can remove it before appending again. Everything is bounded: a
//! header block over 64 KiB or a body over 8 MiB is an error, never held.

use std::io::{self, BufRead, BufReader, Read};

use super::xml::{one_line, MAX_DOCUMENT_BYTES};
use crate::error::{Error, Result};
use crate::model::{echo, Instant};

/// The largest header block read (WARC or HTTP).
const MAX_HEADER_BYTES: u64 = 64 * 1024;
/// The largest response body (DESIGN: 8 MiB per document).
pub const MAX_BODY_BYTES: usize = MAX_DOCUMENT_BYTES;

/// One response record.
#[derive(Debug, Clone, PartialEq)]
pub struct WarcResponse {
    pub target_uri: String,
    /// `WARC-Date`: when the response was received.
    pub date: Instant,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body, with any chunked transfer-encoding (and gzip content-encoding) undone.
    pub body: Vec<u8>,
}

impl WarcResponse {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Counts the bytes taken from a reader.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.count += n as u64;
        self.inner.consume(n);
    }
}

/// A multi-member gzip stream, remembering where the current member began.
enum Members<R> {
    Between(Counted<BufReader<R>>),
    In(flate2::bufread::GzDecoder<Counted<BufReader<R>>>, u64),
    Poisoned,
}

/// The archive's bytes, decompressed if need be.
enum Body<R> {
    Plain(Counted<BufReader<R>>),
    Gzip(Members<R>),
}

impl<R: Read> Body<R> {
    /// Where the bytes now buffered above began in the input: the offset in
    /// a plain archive is exact; in a gzip one, the start of their member.
    fn input_offset(&self, decompressed: u64) -> u64 {
        match self {
            Body::Plain(_) => decompressed,
            Body::Gzip(Members::Between(c)) => c.count,
            Body::Gzip(Members::In(_, start)) => *start,
            Body::Gzip(Members::Poisoned) => 0,
        }
    }
}

impl<R: Read> Read for Body<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let m = match self {
            Body::Plain(r) => return r.read(buf),
            Body::Gzip(m) => m,
        };
        loop {
            match std::mem::replace(m, Members::Poisoned) {
                Members::In(mut dec, start) => match dec.read(buf) {
                    Ok(0) if !buf.is_empty() => *m = Members::Between(dec.into_inner()),
                    other => {
                        *m = Members::In(dec, start);
                        return other;
                    }
                },
                Members::Between(mut inner) => {
                    let empty = inner.fill_buf().map(<[u8]>::is_empty);
                    if empty.as_ref().map_or(true, |e| *e) {
                        *m = Members::Between(inner);
                        return empty.map(|_| 0);
                    }
                    let start = inner.count;
                    *m = Members::In(flate2::bufread::GzDecoder::new(inner), start);
                }
                Members::Poisoned => return Err(io::Error::other("the gzip stream failed before")),
            }
        }
    }
}

/// The response records of an archive, in order (see the module doc).
pub struct Responses<R: Read> {
    reader: Counted<BufReader<Body<R>>>,
    records: u64,
    done: bool,
    cut: Option<u64>,
    /// A read error met after a record ended, belonging to the next one.
    pending: Option<io::Error>,
}

/// Iterates the response records of a WARC archive, plain or gzip per record.
pub fn responses<R: Read>(r: R) -> Responses<R> {
    let mut input = BufReader::new(r);
    let gzip = matches!(input.fill_buf(), Ok(b) if b.starts_with(&[0x1f, 0x8b]));
    let input = Counted { inner: input, count: 0 };
    let body = if gzip { Body::Gzip(Members::Between(input)) } else { Body::Plain(input) };
    Responses { reader: Counted { inner: BufReader::new(body), count: 0 }, records: 0, done: false, cut: None, pending: None }
}

/// What one record gave.
enum Step {
    End,
    Skipped,
    Response(Result<WarcResponse>),
}

/// Where a record is, for messages.
struct Place {
    number: u64,
    offset: u64,
    uri: Option<String>,
}

/// What a record's header says that the reader needs.
struct RecordHead {
    kind: Option<String>,
    date: Option<String>,
    length: u64,
}

impl Place {
    fn describe(&self) -> String {
        match &self.uri {
            Some(u) => format!("record {} (at byte {}, {})", self.number, self.offset, echo(u)),
            None => format!("record {} (at byte {})", self.number, self.offset),
        }
    }
}

impl<R: Read> Responses<R> {
    /// After an error for a cut last record: the input offset where that
    /// record began (truncate the file there before appending).
    pub fn cut_offset(&self) -> Option<u64> {
        self.cut
    }

    fn cut(&mut self, place: &Place, why: &str) -> Error {
        self.cut = Some(place.offset);
        Error::invalid(format!("{} is cut: {why} (the archive ends inside it)", place.describe()))
    }

    /// One line, `\n` or `\r\n` ended, within the header bound.
    fn line(&mut self, budget: &mut u64) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let before = *budget;
        let n = (&mut self.reader).take(before + 1).read_until(b'\n', &mut line)?;
        *budget = before.saturating_sub(n as u64);
        if !line.ends_with(b"\n") {
            return if n as u64 > before { Err(io::Error::other("its header is over 64 KiB")) } else { Ok(None) };
        }
        line.pop();
        if line.ends_with(b"\r") {
            line.pop();
        }
        Ok(Some(line))
    }

    fn step(&mut self) -> Result<Step> {
        if let Some(e) = self.pending.take() {
            self.records += 1;
            let place = Place { number: self.records, offset: self.reader.inner.get_ref().input_offset(self.reader.count), uri: None };
            return Err(self.read_error(&place, e));
        }
        if !self.skip_blank_lines()? {
            return Ok(Step::End);
        }
        self.records += 1;
        let mut place = Place { number: self.records, offset: self.reader.inner.get_ref().input_offset(self.reader.count), uri: None };
        let RecordHead { kind, date, length } = self.record_head(&mut place)?;
        let response = kind.as_deref() == Some("response");
        let limit = MAX_BODY_BYTES as u64 + MAX_HEADER_BYTES;
        let block = self.block(&place, length, response && length <= limit)?;
        // In a gzip member per record, the record is complete only with its
        // member's trailer: read up to the next member to check it.
        if matches!(self.reader.inner.get_ref(), Body::Gzip(_)) && self.reader.inner.buffer().is_empty() {
            if let Err(e) = self.reader.fill_buf() {
                if self.reader.inner.get_ref().input_offset(self.reader.count) == place.offset {
                    return Err(self.read_error(&place, e));
                }
                self.pending = Some(e);
            }
        }
        if !response {
            return Ok(Step::Skipped);
        }
        if length > limit {
            return Ok(Step::Response(Err(Error::invalid(format!(
                "{} has a body over 8 MiB ({length} bytes): refused",
                place.describe()
            )))));
        }
        Ok(Step::Response(response_of(&place, date.as_deref(), &block)))
    }

    /// Skips the blank lines tolerated between records; false at the end of the input.
    fn skip_blank_lines(&mut self) -> Result<bool> {
        loop {
            let first = self.reader.fill_buf().map(|b| b.first().copied());
            match first {
                Ok(None) => return Ok(false),
                Ok(Some(b'\r' | b'\n')) => self.reader.consume(1),
                Ok(Some(_)) => return Ok(true),
                Err(e) => {
                    self.records += 1;
                    let place =
                        Place { number: self.records, offset: self.reader.inner.get_ref().input_offset(self.reader.count), uri: None };
                    return Err(self.read_error(&place, e));
                }
            }
        }
    }

    /// A record's version line and named fields, up to the blank line; the
    /// target URI goes into `place` for the messages that follow.
    fn record_head(&mut self, place: &mut Place) -> Result<RecordHead> {
        let mut budget = MAX_HEADER_BYTES;
        let first = match self.line(&mut budget) {
            Ok(Some(l)) => l,
            Ok(None) => return Err(self.cut(place, "its header ends early")),
            Err(e) => return Err(self.read_error(place, e)),
        };
        if first != b"WARC/1.0" && first != b"WARC/1.1" {
            return Err(Error::invalid(format!(
                "{} does not begin with WARC/1.0 or WARC/1.1 but with '{}'",
                place.describe(),
                echo(&String::from_utf8_lossy(&first))
            )));
        }
        let (mut kind, mut date, mut length) = (None, None, None);
        loop {
            let line = match self.line(&mut budget) {
                Ok(Some(l)) => l,
                Ok(None) => return Err(self.cut(place, "its header ends early")),
                Err(e) => return Err(self.read_error(place, e)),
            };
            if line.is_empty() {
                break;
            }
            let line = String::from_utf8_lossy(&line);
            let Some((name, value)) = line.split_once(':') else { continue };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "warc-type" => kind = Some(value.to_ascii_lowercase()),
                "warc-target-uri" => place.uri = Some(value.trim_start_matches('<').trim_end_matches('>').to_string()),
                "warc-date" => date = Some(value.to_string()),
                "content-length" => length = Some(value.to_string()),
                _ => {}
            }
        }
        let length: u64 = match length.as_deref().map(str::parse) {
            Some(Ok(n)) => n,
            Some(Err(_)) => return Err(Error::invalid(format!("{} has a Content-Length that is not a number", place.describe()))),
            None => return Err(Error::invalid(format!("{} has no Content-Length", place.describe()))),
        };
        Ok(RecordHead { kind, date, length })
    }

    /// The record's block (kept only when `keep`, else read past) and the CRLF CRLF after it.
    fn block(&mut self, place: &Place, length: u64, keep: bool) -> Result<Vec<u8>> {
        let mut block = Vec::new();
        let got = if keep {
            (&mut self.reader).take(length).read_to_end(&mut block)
        } else {
            io::copy(&mut (&mut self.reader).take(length), &mut io::sink()).map(|n| n as usize)
        };
        match got {
            Ok(n) if n as u64 == length => {}
            Ok(_) => return Err(self.cut(place, "its block is shorter than its Content-Length")),
            Err(e) => return Err(self.read_error(place, e)),
        }
        let mut end = [0u8; 4];
        match self.reader.read_exact(&mut end) {
            Ok(()) if &end == b"\r\n\r\n" => Ok(block),
            Ok(()) => Err(Error::invalid(format!("{} is not followed by the CRLF CRLF that ends a record", place.describe()))),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(self.cut(place, "the CRLF CRLF that ends it is missing")),
            Err(e) => Err(self.read_error(place, e)),
        }
    }

    /// An error while reading a record: a cut gzip member or file is a cut record.
    fn read_error(&mut self, place: &Place, e: io::Error) -> Error {
        let why = one_line(&e.to_string());
        if e.kind() == io::ErrorKind::UnexpectedEof || why.contains("corrupt") || why.contains("unexpected end") {
            self.cut(place, &why)
        } else {
            Error::invalid(format!("{} cannot be read: {why}", place.describe()))
        }
    }
}

impl<R: Read> Iterator for Responses<R> {
    type Item = Result<WarcResponse>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.step() {
                Ok(Step::End) => self.done = true,
                Ok(Step::Skipped) => {}
                Ok(Step::Response(r)) => return Some(r),
                Err(e) => {
                    // Framing is lost after a cut or malformed record: stop.
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

/// The HTTP response held in a record's block.
fn response_of(place: &Place, date: Option<&str>, block: &[u8]) -> Result<WarcResponse> {
    let what = place.describe();
    let target_uri = place.uri.clone().ok_or_else(|| Error::invalid(format!("{what} has no WARC-Target-URI")))?;
    let date = date.ok_or_else(|| Error::invalid(format!("{what} has no WARC-Date")))?;
    let date = Instant::parse(date).map_err(|_| Error::invalid(format!("{what} has a WARC-Date '{}' that is not a time", echo(date))))?;
    let (head_len, sep) = match (find(block, b"\r\n\r\n"), find(block, b"\n\n")) {
        (Some(a), Some(b)) if b < a => (b, 2),
        (Some(a), _) => (a, 4),
        (None, Some(b)) => (b, 2),
        (None, None) => return Err(Error::invalid(format!("{what} holds no HTTP response header"))),
    };
    let head = String::from_utf8_lossy(&block[..head_len]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    let status = match (parts.next(), parts.next().map(str::parse::<u16>)) {
        (Some(v), Some(Ok(s))) if v.starts_with("HTTP/") && (100..=999).contains(&s) => s,
        _ => return Err(Error::invalid(format!("{what} has no HTTP status line: '{}'", echo(status_line)))),
    };
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut body = block[head_len + sep..].to_vec();
    let has = |name: &str, token: &str| {
        headers.iter().any(|(k, v)| k.eq_ignore_ascii_case(name) && v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    if has("Transfer-Encoding", "chunked") {
        body = dechunk(&body).map_err(|why| Error::invalid(format!("{what} has a malformed chunked body: {why}")))?;
    }
    if (has("Content-Encoding", "gzip") || has("Content-Encoding", "x-gzip")) && body.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        flate2::read::MultiGzDecoder::new(&body[..])
            .take(MAX_BODY_BYTES as u64 + 1)
            .read_to_end(&mut plain)
            .map_err(|e| Error::invalid(format!("{what} has a gzip body that does not inflate: {}", one_line(&e.to_string()))))?;
        body = plain;
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::invalid(format!("{what} has a body over 8 MiB: refused")));
    }
    Ok(WarcResponse { target_uri, date, status, headers, body })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Undoes chunked transfer-encoding, within the body bound.
fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = find(b, b"\r\n").ok_or("a chunk size line is cut")?;
        let line = std::str::from_utf8(&b[..eol]).map_err(|_| "a chunk size is not text")?;
        let hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(hex, 16).map_err(|_| format!("'{}' is not a chunk size", echo(hex)))?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if size > MAX_BODY_BYTES || out.len() + size > MAX_BODY_BYTES {
            return Err("the body is over 8 MiB".into());
        }
        if b.len() < size + 2 || &b[size..size + 2] != b"\r\n" {
            return Err("a chunk is cut".into());
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

#[cfg(test)]
mod tests;
