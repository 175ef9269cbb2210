//! The CSV exchange format: `timestamp,pair,rate,change_pct,source,quoted`.
//! A row whose `quoted` cell is not empty (a rate shown as the inverse of
//! the published quote: `KZT/USD,0.00208868559,,nbk,USD/KZT 478.77`) stores
//! that quote, its pair, digits and change as published, never the computed
//! `rate`; a CSV without the column (version 3 and before, each row in its
//! quoted direction) stores each row as it is. Reading streams row by row (bounded memory whatever the file size: a row
//! longer than [`MAX_ROW_BYTES`] is refused, not held).

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::model::{Change, Instant, Observation, Pair, Rate, Source};

pub const HEADER: &str = "timestamp,pair,rate,change_pct,source";
const KNOWN: [&str; 6] = ["timestamp", "pair", "rate", "change_pct", "source", "quoted"];
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
    quoted: Option<usize>,
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
            quoted: find("quoted"),
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
        let (pair, rate, change) = match c.quoted.map(|i| self.field(i)).transpose()? {
            Some(q) if !q.is_empty() => published(q, pair, rate, change.as_ref())?,
            _ => (pair, rate, change),
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

/// The published quote of a `quoted` cell (`USD/KZT 478.77`, `USD/TJS
/// 10.7 0.76%`), checked against its row: the row's pair is its inverse and
/// the row's rate that inverse as `history` computes it, with no change of
/// its own (a computed inverse has none), so an edited row is refused, not
/// stored in part.
fn published(cell: &str, pair: Pair, rate: Rate, change: Option<&Change>) -> Result<(Pair, Rate, Option<Change>)> {
    let mut words = cell.split_ascii_whitespace();
    let (Some(q_pair), Some(q_rate)) = (words.next(), words.next()) else {
        return Err(Error::invalid(format!("quoted '{}' is not a pair and a rate (like 'USD/KZT 478.77')", echo(cell))));
    };
    let q_change = words.next();
    if words.next().is_some() || q_change.is_some_and(|c| !c.ends_with('%')) {
        return Err(Error::invalid(format!("quoted '{}' is not a pair, a rate and a change in % (like 'USD/TJS 10.7 0.76%')", echo(cell))));
    }
    let q_pair: Pair = q_pair.parse()?;
    let q_rate: Rate = q_rate.parse()?;
    let q_change = q_change.map(str::parse::<Change>).transpose()?;
    if q_pair.inverse() != pair {
        return Err(Error::invalid(format!("quoted {q_pair} is not the inverse of the row's pair {pair}")));
    }
    if !q_rate.inverse().same_value(&rate) {
        return Err(Error::invalid(format!("rate {rate} is not the inverse of the quoted {q_pair} {q_rate} ({})", q_rate.inverse())));
    }
    if change.is_some() {
        return Err(Error::invalid("a computed rate (with a quoted value) has no change_pct of its own: the change is the quote's"));
    }
    Ok((q_pair, q_rate, q_change))
}

/// A cell in a message, cut short.
fn echo(cell: &str) -> String {
    cell.chars().take(40).collect()
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
    fn a_computed_row_stores_its_published_quote() {
        let data = "timestamp,pair,rate,change_pct,source,quoted\n\
            2026-04-01,KZT/USD,0.00208868559,,nbk,USD/KZT 478.77\n\
            2026-04-02,USD/KZT,500,,timesca,KZT/USD 0.00200 0%\n\
            2026-04-03,KZT/USD,0.00225,0.5,timesca,\n";
        let mut rows = CsvRows::new(data.as_bytes(), None).unwrap();
        let o = rows.next_observation().unwrap().unwrap();
        assert_eq!((o.pair.to_string(), o.rate.to_string()), ("USD/KZT".into(), "478.77".into()));
        assert!(o.change.is_none());
        let o = rows.next_observation().unwrap().unwrap();
        assert_eq!((o.pair.to_string(), o.rate.to_string()), ("KZT/USD".into(), "0.00200".into()));
        assert_eq!(o.change.map(|c| c.to_string()).as_deref(), Some("0"));
        let o = rows.next_observation().unwrap().unwrap();
        assert_eq!((o.pair.to_string(), o.rate.to_string()), ("KZT/USD".into(), "0.00225".into()));
        assert_eq!(o.change.map(|c| c.to_string()).as_deref(), Some("0.5"));
        assert!(rows.next_observation().unwrap().is_none());
        assert!(is_header("timestamp,pair,rate,change_pct,source,quoted"));
    }

    #[test]
    fn a_quote_that_does_not_match_its_row_is_refused() {
        let bad = [
            ("KZT/USD,0.002088,,nbk,USD/KZT 478.77", "not the inverse"),
            ("KGS/USD,0.00208868559,,nbk,USD/KZT 478.77", "not the inverse of the row's pair"),
            ("KZT/USD,0.00208868559,0.1,nbk,USD/KZT 478.77", "no change_pct"),
            ("KZT/USD,0.00208868559,,nbk,USD/KZT", "a pair and a rate"),
            ("KZT/USD,0.00208868559,,nbk,USD/KZT 478.77 0.1", "a change in %"),
        ];
        for (row, why) in bad {
            let data = format!("timestamp,pair,rate,change_pct,source,quoted\n2026-04-01,{row}\n");
            let mut rows = CsvRows::new(data.as_bytes(), None).unwrap();
            let e = rows.next_observation().unwrap_err().to_string();
            assert!(e.contains("line 2") && e.contains(why), "{row}: {e}");
        }
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
