//! Appending responses to a WARC 1.1 archive (`fetch --archive FILE.warc.gz`).
//!
//! Each record is its own gzip member (so a reader can seek, and a torn
//! tail costs one record): one `warcinfo` record when the file is new, then
//! one `response` record per HTTP response with `WARC-Target-URI` (the URL
//! that answered), `WARC-Date` (the response's `Date`, which is the
//! observed time `ingest` gives it back), `WARC-Record-ID` (a random
//! `urn:uuid`), `WARC-Payload-Digest` and `WARC-Block-Digest` (SHA-256 in
//! base32, as warcio computes and checks them) and the HTTP status line,
//! headers and body. The body is stored decoded, with headers that say so
//! (see `http::Response::archived_headers`).
//!
//! A record is compressed in memory and written with one `write`, then the
//! file is synced before the response is ingested. On opening, the end of
//! the archive is checked: a last member that the file ends inside (a crash
//! mid-append, a disk that filled up) is cut off before anything is
//! appended. Only the end is read when it is sound (an hourly append to a
//! years-long archive does not inflate all of it); otherwise every member is
//! checked from the start, and anything that is not a gzip WARC member is
//! left alone and refused, so an archive is never damaged by appending.
//!
//! Two runs may append to one archive at once: every append (and the check
//! on opening) holds an advisory lock on the file (`flock`), writes at the
//! file's end as it is then, and first checks that end again when another
//! run has written since (a run killed mid-record leaves a cut tail that
//! the next append removes). `fetch --archive DIR/` writes one archive per
//! month, `DIR/fxsnap-YYYY-MM.warc.gz` ([`Archives`]).

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};

use super::http::Response;
use crate::error::{Error, Result};
use crate::model::Instant;

/// The largest record the scan decompresses (an 8 MiB body and its headers).
const MAX_RECORD_BYTES: u64 = 9 * 1024 * 1024;

/// An archive open for appending.
pub struct Archive {
    file: File,
    path: PathBuf,
    /// Where this run last saw the archive end (after its own last record).
    end: u64,
    /// Bytes removed from a cut tail when it was opened.
    pub repaired: Option<u64>,
}

impl Archive {
    /// Opens (or creates) `path`, cuts a torn last record, and writes the
    /// `warcinfo` record when the file is new.
    pub fn open(path: &Path) -> Result<Archive> {
        let what = || format!("archive {}", path.display());
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(|e| Error::io(what(), e))?;
        let mut archive = Archive { file, path: path.to_path_buf(), end: 0, repaired: None };
        let _lock = Lock::exclusive(&archive.file).map_err(|e| Error::io(what(), e))?;
        archive.repaired = archive.sound_end()?;
        if archive.end == 0 {
            archive.write_member(&warcinfo(path))?;
        }
        Ok(archive)
    }

    /// Appends one response as a `response` record and syncs it to disk.
    /// Bytes of a cut record another run left are removed first (their count
    /// is the answer).
    pub fn append(&mut self, resp: &Response) -> Result<Option<u64>> {
        let record = response_record(resp);
        let _lock = Lock::exclusive(&self.file).map_err(|e| Error::io(self.what(), e))?;
        let len = self.file.metadata().map_err(|e| Error::io(self.what(), e))?.len();
        // Another run appended since: its last record is checked as on opening.
        let repaired = if len != self.end { self.sound_end()? } else { None };
        self.write_member(&record)?;
        Ok(repaired)
    }

    fn what(&self) -> String {
        format!("archive {}", self.path.display())
    }

    /// Finds the end of the last complete record (cutting a torn tail) and
    /// places the write position there: the bytes cut, if any.
    fn sound_end(&mut self) -> Result<Option<u64>> {
        let len = self.file.metadata().map_err(|e| Error::io(self.what(), e))?.len();
        let good = scan(&self.file, len).map_err(|e| match e {
            Scan::Io(e) => Error::io(self.what(), e),
            Scan::Bad(why) => Error::invalid(format!("{}: {why}; not appending to it", self.what())),
        })?;
        let mut repaired = None;
        if good < len {
            self.file.set_len(good).map_err(|e| Error::io(self.what(), e))?;
            self.file.sync_all().map_err(|e| Error::io(self.what(), e))?;
            repaired = Some(len - good);
        }
        self.end = good;
        Ok(repaired)
    }

    /// One record as its own gzip member, written with one write at the
    /// end found, and synced.
    fn write_member(&mut self, record: &[u8]) -> Result<()> {
        let mut gz = GzEncoder::new(Vec::with_capacity(record.len() / 3 + 64), Compression::default());
        gz.write_all(record).map_err(|e| Error::io(self.what(), e))?;
        let member = gz.finish().map_err(|e| Error::io(self.what(), e))?;
        self.file.seek(SeekFrom::Start(self.end)).map_err(|e| Error::io(self.what(), e))?;
        self.file.write_all(&member).map_err(|e| Error::io(self.what(), e))?;
        self.file.sync_data().map_err(|e| Error::io(self.what(), e))?;
        self.end += member.len() as u64;
        Ok(())
    }
}

/// An advisory exclusive lock on an open file (`flock`), released when
/// dropped (and by the kernel when the process dies). It keeps the
/// descriptor, not a borrow: the `Archive` that owns the file outlives it.
struct Lock(#[cfg_attr(not(unix), allow(dead_code))] i32);

impl Lock {
    #[cfg(unix)]
    fn exclusive(file: &File) -> io::Result<Lock> {
        use std::os::unix::io::AsRawFd;
        let fd = file.as_raw_fd();
        loop {
            // SAFETY: flock on a descriptor this File owns and keeps open.
            if unsafe { libc::flock(fd, libc::LOCK_EX) } == 0 {
                return Ok(Lock(fd));
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    #[cfg(not(unix))]
    fn exclusive(_file: &File) -> io::Result<Lock> {
        Ok(Lock(-1))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: as above; unlocking a held lock has no other effect.
        unsafe {
            libc::flock(self.0, libc::LOCK_UN);
        }
    }
}

/// Where `--archive` writes: one file, or one file per month in a folder.
pub struct Archives {
    /// The folder of monthly archives, or `None` for one file.
    folder: Option<PathBuf>,
    /// The archive open now, with its month (`2026-12`; empty for one file).
    open: (String, Archive),
    /// Lines to say: cut records removed.
    notes: Vec<String>,
}

impl Archives {
    /// `--archive PATH`: a folder (written with a trailing slash, or one
    /// that exists) gets one archive per month, `fxsnap-YYYY-MM.warc.gz`,
    /// created with the folder when needed; anything else is one file.
    pub fn open(path: &Path) -> Result<Archives> {
        let folder = path.as_os_str().to_string_lossy().ends_with('/') || path.is_dir();
        if !folder {
            let archive = Archive::open(path)?;
            let notes = cut_note(archive.repaired).into_iter().collect();
            return Ok(Archives { folder: None, open: (String::new(), archive), notes });
        }
        std::fs::create_dir_all(path).map_err(|e| Error::io(format!("archive folder {}", path.display()), e))?;
        let month = month_of(Instant::now());
        let archive = Archive::open(&path.join(monthly_name(&month)))?;
        let notes = cut_note(archive.repaired).into_iter().collect();
        Ok(Archives { folder: Some(path.to_path_buf()), open: (month, archive), notes })
    }

    /// Appends one response to its month's archive (opened when the month turns).
    pub fn append(&mut self, resp: &Response) -> Result<()> {
        if let Some(folder) = &self.folder {
            let month = month_of(resp.received);
            if month != self.open.0 {
                let archive = Archive::open(&folder.join(monthly_name(&month)))?;
                self.notes.extend(cut_note(archive.repaired));
                self.open = (month, archive);
            }
        }
        let repaired = self.open.1.append(resp)?;
        self.notes.extend(cut_note(repaired));
        Ok(())
    }

    /// The lines to say since the last call.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }
}

fn cut_note(repaired: Option<u64>) -> Option<String> {
    repaired.map(|n| format!("the archive's last record was cut ({n} bytes): removed before appending"))
}

/// `2026-12`: the month (UTC) of an instant.
fn month_of(at: Instant) -> String {
    at.datetime().format("%Y-%m").to_string()
}

/// `fxsnap-2026-12.warc.gz`.
pub fn monthly_name(month: &str) -> String {
    format!("fxsnap-{month}.warc.gz")
}

enum Scan {
    Io(io::Error),
    Bad(String),
}

/// Counts the bytes a buffered reader has handed out.
struct Counted<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.pos += n as u64;
        self.inner.consume(n);
    }
}

/// How much of an archive's end the quick check reads: a cut record and
/// the complete one before it, each at the largest size.
const TAIL_WINDOW: u64 = 2 * MAX_RECORD_BYTES + 1024 * 1024;

/// The offset after the last complete record. The end of the file is
/// looked at first, so an hourly append to a years-long archive does not
/// inflate all of it; when the end is not a complete record (or one cut
/// member after it), every member is checked from the start.
fn scan(mut file: &File, len: u64) -> Result<u64, Scan> {
    let mut head = Vec::new();
    file.seek(SeekFrom::Start(0)).map_err(Scan::Io)?;
    file.take(2).read_to_end(&mut head).map_err(Scan::Io)?;
    match head.as_slice() {
        [] => return Ok(0),
        // Cut inside the first member's first bytes.
        [0x1f] => return Ok(0),
        [0x1f, 0x8b] => {}
        _ => return Err(Scan::Bad("it does not start with a gzip member (only a WARC compressed per record is appended to)".into())),
    }
    match scan_tail(file, len)? {
        Some(end) => Ok(end),
        None => scan_all(file, len),
    }
}

/// From the end: the last member that inflates to a complete record, when
/// what follows it is nothing or one cut member. None when the window shows
/// neither (the full scan then decides and names any damage).
fn scan_tail(mut file: &File, len: u64) -> Result<Option<u64>, Scan> {
    let base = len.saturating_sub(TAIL_WINDOW);
    file.seek(SeekFrom::Start(base)).map_err(Scan::Io)?;
    let mut buf = Vec::new();
    file.take(len - base).read_to_end(&mut buf).map_err(Scan::Io)?;
    let mut record = Vec::new();
    let starts = (0..buf.len().saturating_sub(2)).rev().filter(|&i| buf[i..i + 3] == [0x1f, 0x8b, 0x08]);
    for c in starts {
        let Some(n) = member_end(&buf[c..], &mut record) else { continue };
        let end = c + n;
        let rest = &buf[end..];
        if rest.is_empty() {
            return Ok(Some(len));
        }
        let cut = rest.starts_with(&[0x1f]) && (rest.len() < 3 || rest.starts_with(&[0x1f, 0x8b, 0x08])) && runs_out(rest, &mut record);
        return Ok(cut.then_some(base + end as u64));
    }
    Ok(None)
}

/// The length of the gzip member at the start of `bytes`, when it inflates
/// to one complete WARC record.
fn member_end(bytes: &[u8], record: &mut Vec<u8>) -> Option<usize> {
    record.clear();
    let mut member = flate2::bufread::GzDecoder::new(bytes);
    (&mut member).take(MAX_RECORD_BYTES).read_to_end(record).ok()?;
    let rest = member.into_inner().len();
    complete_record(record).then(|| bytes.len() - rest)
}

/// True when the gzip member at the start of `bytes` needs more bytes than
/// there are: cut by the end of the file, not damaged before it.
fn runs_out(bytes: &[u8], record: &mut Vec<u8>) -> bool {
    record.clear();
    let mut member = flate2::bufread::GzDecoder::new(bytes);
    let failed = (&mut member).take(MAX_RECORD_BYTES).read_to_end(record).is_err();
    (failed || !complete_record(record)) && member.into_inner().is_empty()
}

/// Every member from the start: the offset after the last complete record.
fn scan_all(mut file: &File, len: u64) -> Result<u64, Scan> {
    file.seek(SeekFrom::Start(0)).map_err(Scan::Io)?;
    let mut input = Counted { inner: BufReader::with_capacity(256 * 1024, file), pos: 0 };
    let mut record = Vec::new();
    loop {
        let start = input.pos;
        if input.fill_buf().map_err(Scan::Io)?.is_empty() {
            return Ok(start);
        }
        if !input.fill_buf().map_err(Scan::Io)?.starts_with(&[0x1f, 0x8b]) {
            // A file cut inside a member's first bytes starts with 0x1f alone.
            if start + 2 > len && input.fill_buf().map_err(Scan::Io)?.starts_with(&[0x1f]) {
                return Ok(start);
            }
            return Err(Scan::Bad(format!("byte {start} does not start a gzip member (only a WARC compressed per record is appended to)")));
        }
        record.clear();
        let mut member = flate2::bufread::GzDecoder::new(&mut input);
        let read = (&mut member).take(MAX_RECORD_BYTES).read_to_end(&mut record);
        let at_end = member.get_mut().pos >= len;
        match read {
            Ok(_) if complete_record(&record) => {}
            // The file ends inside this member: the cut tail.
            Err(_) | Ok(_) if at_end => return Ok(start),
            Err(e) => return Err(Scan::Bad(format!("the record at byte {start} is damaged ({e})"))),
            Ok(_) => return Err(Scan::Bad(format!("the record at byte {start} is not a complete WARC record"))),
        }
    }
}

/// A WARC header block, `Content-Length` bytes and the closing CRLF CRLF.
fn complete_record(bytes: &[u8]) -> bool {
    if !bytes.starts_with(b"WARC/1.") {
        return false;
    }
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&bytes[..end]);
    let Some(n) = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok())?
    }) else {
        return false;
    };
    bytes.len() == end + 4 + n + 4 && bytes.ends_with(b"\r\n\r\n")
}

fn warcinfo(path: &Path) -> Vec<u8> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let fields = format!(
        "software: fxsnap/{}\r\nformat: WARC File Format 1.1\r\nconformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n",
        env!("CARGO_PKG_VERSION")
    );
    record(
        &[
            ("WARC-Type", "warcinfo".into()),
            ("WARC-Date", warc_date(Instant::now())),
            ("WARC-Filename", name),
            ("Content-Type", "application/warc-fields".into()),
        ],
        fields.as_bytes(),
    )
}

/// The `response` record of one HTTP response.
pub fn response_record(resp: &Response) -> Vec<u8> {
    let mut block = format!("{} {} {}\r\n", resp.version, resp.status, resp.reason).into_bytes();
    for (k, v) in resp.archived_headers() {
        // A header value with a line break would end the header block early.
        let v = v.replace(['\r', '\n'], " ");
        block.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    block.extend_from_slice(b"\r\n");
    block.extend_from_slice(&resp.body);
    record(
        &[
            ("WARC-Type", "response".into()),
            ("WARC-Target-URI", resp.url.clone()),
            ("WARC-Date", warc_date(resp.observed())),
            ("WARC-Payload-Digest", digest(&resp.body)),
            ("WARC-Block-Digest", digest(&block)),
            ("Content-Type", "application/http;msgtype=response".into()),
        ],
        &block,
    )
}

fn record(fields: &[(&str, String)], block: &[u8]) -> Vec<u8> {
    let mut out = b"WARC/1.1\r\n".to_vec();
    let (kind, rest) = fields.split_first().map_or((None, fields), |(k, r)| (Some(k), r));
    for (k, v) in kind.into_iter().chain([&("WARC-Record-ID", format!("<urn:uuid:{}>", uuid()))]).chain(rest) {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", block.len()).as_bytes());
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

fn warc_date(at: Instant) -> String {
    at.rfc3339()
}

/// `sha256:` and the digest in base32 (RFC 4648), as warcio writes it.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", base32(&Sha256::digest(bytes)))
}

fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = buf.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(ALPHABET[((n >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A version 4 UUID from the system's random bytes, else from a hash of
/// the time, the process and a counter (unique is what matters here).
fn uuid() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut b = [0u8; 16];
    let random = File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b)).is_ok();
    if !random {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let h = Sha256::digest(format!("{t}/{}/{n}", std::process::id()));
        b.copy_from_slice(&h[..16]);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(body: &[u8]) -> Response {
        Response {
            url: "http://127.0.0.1:1/x?d=1".into(),
            status: 200,
            version: "HTTP/1.1",
            reason: "OK".into(),
            headers: vec![("Date".into(), "Wed, 08 Apr 2026 13:43:25 GMT".into())],
            body: body.to_vec(),
            received: Instant::from_unix(0),
        }
    }

    #[test]
    fn base32_matches_rfc_4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY======");
        assert_eq!(base32(b"fooba"), "MZXW6YTB");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI======");
    }

    #[test]
    fn a_response_record_is_complete_and_dated_by_the_response() {
        let r = response_record(&resp(b"<rates/>"));
        assert!(complete_record(&r));
        let text = String::from_utf8_lossy(&r);
        assert!(text.contains("WARC-Date: 2026-04-08T13:43:25Z\r\n"), "{text}");
        assert!(text.contains("WARC-Target-URI: http://127.0.0.1:1/x?d=1\r\n"));
        assert!(text.contains("HTTP/1.1 200 OK\r\nDate: Wed, 08 Apr 2026 13:43:25 GMT\r\nContent-Length: 8\r\n\r\n<rates/>\r\n\r\n"));
        assert!(!complete_record(&r[..r.len() - 1]));
    }

    #[test]
    fn uuids_are_version_4_and_differ() {
        let (a, b) = (uuid(), uuid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn a_torn_tail_is_cut_by_the_next_open_and_other_damage_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.warc.gz");
        let mut a = Archive::open(&path).unwrap();
        let info = std::fs::metadata(&path).unwrap().len();
        a.append(&resp(b"one")).unwrap();
        drop(a);
        let good = std::fs::metadata(&path).unwrap().len();
        let mut a = Archive::open(&path).unwrap();
        assert_eq!(a.repaired, None);
        a.append(&resp(&[b'x'; 5000])).unwrap();
        drop(a);
        // Each pass appends a record of its own length (its record id is
        // random), so the last cut is taken from the file as it is now: set_len
        // past the end would add zeros, not cut.
        for offset in [1, 2, 15, u64::MAX] {
            let full = std::fs::metadata(&path).unwrap().len();
            let cut = if offset == u64::MAX { full - 1 } else { good + offset };
            let f = OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len(cut).unwrap();
            drop(f);
            let a = Archive::open(&path).unwrap_or_else(|e| panic!("cut at {cut} of {full} (good {good}): {e}"));
            assert_eq!(a.repaired, Some(cut - good), "cut at {cut} of {full}");
            drop(a);
            assert_eq!(std::fs::metadata(&path).unwrap().len(), good);
            let mut a = Archive::open(&path).unwrap();
            a.append(&resp(&[b'x'; 5000])).unwrap();
        }
        // The full scan agrees with the quick one, and names damage in the middle.
        let len = std::fs::metadata(&path).unwrap().len();
        let mut f = OpenOptions::new().read(true).write(true).open(&path).unwrap();
        assert!(matches!(scan_all(&f, len), Ok(n) if n == len));
        assert!(matches!(scan_tail(&f, len), Ok(Some(n)) if n == len));
        f.seek(SeekFrom::Start(info + 12)).unwrap();
        f.write_all(b"garbage!").unwrap();
        assert!(matches!(scan_all(&f, len), Err(Scan::Bad(_))));
        // Damage before a sound end is not looked for: appending cannot make it worse.
        assert!(matches!(scan(&f, len), Ok(n) if n == len));
        // A last record damaged (not cut) is not taken for a torn tail.
        f.seek(SeekFrom::Start(good + 12)).unwrap();
        f.write_all(b"garbage!").unwrap();
        assert!(matches!(scan(&f, len), Err(Scan::Bad(_))));
        drop(f);
        assert!(matches!(Archive::open(&path), Err(Error::Invalid(_))));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), len);
        let plain = dir.path().join("plain.warc");
        std::fs::write(&plain, b"WARC/1.1\r\n").unwrap();
        assert!(matches!(Archive::open(&plain), Err(Error::Invalid(_))));
        assert_eq!(std::fs::read(&plain).unwrap(), b"WARC/1.1\r\n");
    }
}
