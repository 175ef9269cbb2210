//! The CSV exchange format: `timestamp,pair,rate,change_pct,source`.
//! Reading streams row by row (bounded memory whatever the file size: a row
//! longer than [`MAX_ROW_BYTES`] is refused, not held).

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::model::{Change, Instant, Observation, Pair, Rate, Source};

pub const HEADER: &str = "timestamp,pair,rate,change_pct,source";
const KNOWN: [&str; 5] = ["timestamp", "pair", "rate", "change_pct", "source"];
/// The longest row (or header) read: real rows are a few dozen bytes; a
/// hostile "row" of hundreds of megabytes would otherwise be held whole.
pub const MAX_ROW_BYTES: u64 = 1024 * 1024;

/// Counts the bytes pulled from the input since the current row began
/// (plus the CSV reader's read-ahead buffer) and fails past the limit.
struct RowLimit<R> {
    inner: R,
    pulled: Rc<Cell<u64>>,
}

impl<R: Read> Read for RowLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let total = self.pulled.get() + n as u64;
        self.pulled.set(total);
        if total > MAX_ROW_BYTES + READ_AHEAD {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("a row is longer than {} MiB", MAX_ROW_BYTES / (1024 * 1024))));
        }
        Ok(n)
    }
}

/// The CSV reader's buffer: bytes it may pull beyond the row it is reading.
const READ_AHEAD: u64 = 64 * 1024;

/// True when the first line of an input is this format's header: it names
/// `timestamp`, `pair` and `rate` and nothing unknown.
pub fn is_header(first_line: &str) -> bool {
    let line = first_line.trim_start_matches('\u{feff}').trim();
    let names: Vec<String> = line.split(',').map(|c| c.trim().trim_matches('"').to_ascii_lowercase()).collect();
    ["timestamp", "pair", "rate"].iter().all(|n| names.iter().any(|c| c == n)) && names.iter().all(|c| KNOWN.contains(&c.as_str()))
}

/// Column positions, from the header.
struct Columns {
    timestamp: usize,
    pair: usize,
    rate: usize,
    change: Option<usize>,
    source: Option<usize>,
}

/// Observations from a CSV input, one per row, in file order.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<RowLimit<R>>,
    /// Bytes pulled since the current row began (shared with the `RowLimit`).
    pulled: Rc<Cell<u64>>,
    columns: Columns,
    default_source: Option<Source>,
    record: csv::ByteRecord,
    last_source: Option<Source>,
    /// When reading began: a row dated well after it is refused.
    now: Instant,
}

impl<R: Read> CsvRows<R> {
    /// `default_source` names the source of rows with no source column (or an empty cell).
    pub fn new(input: R, default_source: Option<Source>) -> Result<CsvRows<R>> {
        let pulled = Rc::new(Cell::new(0));
        let input = RowLimit { inner: input, pulled: pulled.clone() };
        let mut reader = csv::ReaderBuilder::new().has_headers(true).buffer_capacity(READ_AHEAD as usize).from_reader(input);
        let headers = reader.byte_headers().map_err(|e| Error::invalid(format!("CSV header: {e}")))?.clone();
        let find = |name: &str| {
            headers.iter().position(|h| {
                let h = String::from_utf8_lossy(h);
                h.trim_start_matches('\u{feff}').trim().eq_ignore_ascii_case(name)
            })
        };
        let need = |name: &str| find(name).ok_or_else(|| Error::invalid(format!("CSV header has no '{name}' column")));
        let columns = Columns {
            timestamp: need("timestamp")?,
            pair: need("pair")?,
            rate: need("rate")?,
            change: find("change_pct"),
            source: find("source"),
        };
        match (&columns.source, &default_source) {
            (None, None) => return Err(Error::invalid("CSV has no 'source' column: say which source it is with --source")),
            (Some(_), Some(s)) => {
                return Err(Error::Usage(format!(
                    "--source {s} is for inputs without a source: this CSV has its own 'source' column (drop --source)"
                )))
            }
            _ => {}
        }
        let now = crate::timespec::now();
        Ok(CsvRows { reader, pulled, columns, default_source, record: csv::ByteRecord::new(), last_source: None, now })
    }

    /// The next observation, or None at the end.
    pub fn next_observation(&mut self) -> Result<Option<Observation>> {
        self.pulled.set(0);
        let more = self.reader.read_byte_record(&mut self.record).map_err(|e| Error::invalid(format!("CSV: {e}")))?;
        if !more {
            return Ok(None);
        }
        let line = self.record.position().map(|p| p.line()).unwrap_or(0);
        self.parse_record().map(Some).map_err(|e| e.context(&format!("line {line}")))
    }

    /// A cell, trimmed here rather than by the reader (which copies every
    /// record): of ASCII blanks as bytes, then, only when a character at an
    /// end could be other white space, as `str::trim` would.
    fn field(&self, i: usize) -> Result<&str> {
        let raw = self.record.get(i).unwrap_or(b"").trim_ascii();
        let s = std::str::from_utf8(raw).map_err(|_| Error::invalid("a cell is not valid UTF-8"))?;
        let odd = |c: char| !c.is_ascii_graphic();
        Ok(if s.starts_with(odd) || s.ends_with(odd) { s.trim() } else { s })
    }

    fn parse_record(&mut self) -> Result<Observation> {
        let c = &self.columns;
        let at = Instant::parse(self.field(c.timestamp)?)?;
        crate::timespec::refuse_far_future(at, self.now)?;
        let pair: Pair = self.field(c.pair)?.parse()?;
        let rate: Rate = self.field(c.rate)?.parse()?;
        let change = match c.change {
            Some(i) => {
                let t = self.field(i)?;
                if t.is_empty() {
                    None
                } else {
                    Some(t.parse::<Change>()?)
                }
            }
            None => None,
        };
        let source_cell = match c.source {
            Some(i) => self.field(i)?,
            None => "",
        };
        let source = if source_cell.is_empty() {
            self.default_source.clone().ok_or_else(|| Error::invalid("empty source and no --source given"))?
        } else {
            match &self.last_source {
                Some(s) if s.as_str() == source_cell => s.clone(),
                _ => {
                    let s = Source::label(source_cell)?;
                    self.last_source = Some(s.clone());
                    s
                }
            }
        };
        Ok(Observation { source, pair, at, rate, change })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_trimmed_as_str_trim_does() {
        let cells = ["5", " 5 ", "\t5\r", "\u{a0}5\u{3000}", "\u{b}5\u{c}", " \u{a0} 5 \u{85} ", "é5é", "5 é", "", " ", "\u{a0}"];
        for cell in cells {
            let text = format!("timestamp,pair,rate,source\n2026-01-01,KZT/USD,\"{cell}\",nbk\n");
            let mut rows = CsvRows::new(text.as_bytes(), None).unwrap();
            assert!(rows.reader.read_byte_record(&mut rows.record).unwrap());
            assert_eq!(rows.field(2).unwrap(), cell.trim(), "{cell:?}");
        }
    }

    #[test]
    fn header_detection() {
        assert!(is_header("timestamp,pair,rate,change_pct,source"));
        assert!(is_header("\u{feff}timestamp,pair,rate,source\r"));
        assert!(is_header("pair,timestamp,rate"));
        assert!(!is_header("• KGS/USD = 0.01144 0%"));
        assert!(!is_header("timestamp,pair,rate,volume"));
    }

    #[test]
    fn reads_rows_with_dates_and_missing_columns() {
        let data = "timestamp,pair,rate,source\n1996-09-02,USD/KGS,12.15320911,nbu\n";
        let mut rows = CsvRows::new(data.as_bytes(), None).unwrap();
        let o = rows.next_observation().unwrap().unwrap();
        assert_eq!(o.at.rfc3339(), "1996-09-02T00:00:00Z");
        assert_eq!(o.pair.to_string(), "USD/KGS");
        assert_eq!(o.rate.to_string(), "12.15320911");
        assert!(o.change.is_none());
        assert!(rows.next_observation().unwrap().is_none());
    }

    #[test]
    fn bad_rows_name_their_line() {
        let data = "timestamp,pair,rate\n2020-01-01,KZT/USD,0.1\n2020-01-02,KZT/USD,-1\n";
        let mut rows = CsvRows::new(data.as_bytes(), Some("x".parse().unwrap())).unwrap();
        assert!(rows.next_observation().unwrap().is_some());
        let e = rows.next_observation().unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("negative"), "{e}");
        assert!(CsvRows::new("timestamp,pair,rate\n".as_bytes(), None).is_err());
    }
}
