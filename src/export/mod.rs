//! Printing data: every command that prints records (or, for `convert --format json`, one
//! document) writes them through this module, to standard output.
//!
//! What lives where:
//! - here: [`Cell`] (a value in a record), the `--format` values ([`Format`], [`HistoryFormat`],
//!   [`ConvertFormat`]; clap's names for them live in `cli`), the [`Exporter`] trait, and
//!   [`RecordWriter`], the facade commands use, which hands each record to the exporter of the
//!   chosen format;
//! - `table`: aligned columns for people, held to align or streamed at fixed widths;
//! - `csv`: the CSV exchange format, and the raw rows of `history --format csv` as stored;
//! - `json`: one array of objects, and `convert`'s document;
//! - `jsonl`: one object a line;
//! - `ledger`, `beancount`: a record (timestamp, pair, rate) as a price directive.

#![deny(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::wildcard_enum_match_arm)]

pub(crate) mod beancount;
pub(crate) mod csv;
pub(crate) mod json;
pub(crate) mod jsonl;
pub(crate) mod ledger;
pub(crate) mod table;

use std::io::{self, BufWriter, Write};

use crate::error::{Error, Result};

/// `--format` of the reading commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
    Jsonl,
}

/// `history --format`: the record formats plus price directives. Every
/// record format, so [`RecordWriter`] takes it (a [`Format`] converts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryFormat {
    Table,
    Csv,
    Json,
    Jsonl,
    /// ledger/hledger price directives: P 2025-12-12 00:00:00 KZT 0.00192 USD
    Ledger,
    /// beancount price directives: 2025-12-12 price KZT 0.00192 USD
    Beancount,
}

impl From<Format> for HistoryFormat {
    fn from(f: Format) -> HistoryFormat {
        match f {
            Format::Table => HistoryFormat::Table,
            Format::Csv => HistoryFormat::Csv,
            Format::Json => HistoryFormat::Json,
            Format::Jsonl => HistoryFormat::Jsonl,
        }
    }
}

/// `convert --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvertFormat {
    Table,
    Json,
}

/// A value in a record: JSON keeps decimals as strings so they stay exact.
#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    /// A number that JSON may carry as a number (counts, days).
    Number(String),
    Empty,
}

impl Cell {
    fn text(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Number(s) => s,
            Cell::Empty => "",
        }
    }
    fn json(&self) -> serde_json::Value {
        match self {
            Cell::Text(s) => serde_json::Value::String(s.clone()),
            Cell::Number(s) => {
                s.parse::<serde_json::Number>().map(serde_json::Value::Number).unwrap_or_else(|_| serde_json::Value::String(s.clone()))
            }
            Cell::Empty => serde_json::Value::Null,
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(o: Option<T>) -> Cell {
        o.map(Into::into).unwrap_or(Cell::Empty)
    }
}

/// One output format of records with fixed columns (given when it is made).
/// `written` is how many records were written before: formats put a header,
/// an opening bracket or separators by it.
pub(crate) trait Exporter<W: Write> {
    /// Writes one record, its cells in column order.
    fn write(&mut self, out: &mut W, row: Vec<Cell>, written: u64) -> Result<()>;
    /// Ends the output after `written` records (none, possibly).
    fn finish(&mut self, out: &mut W, written: u64) -> Result<()>;
}

/// Writes records with fixed columns in the chosen format: every command's
/// way to print them.
pub struct RecordWriter<W: Write> {
    out: W,
    format: HistoryFormat,
    columns: &'static [&'static str],
    exporter: Box<dyn Exporter<W>>,
    written: u64,
}

/// Standard output, buffered.
pub fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}

impl<W: Write> RecordWriter<W> {
    pub fn new(out: W, format: impl Into<HistoryFormat>, columns: &'static [&'static str]) -> RecordWriter<W> {
        let format = format.into();
        let exporter: Box<dyn Exporter<W>> = match format {
            HistoryFormat::Table => Box::new(table::Table::new(columns)),
            HistoryFormat::Csv => Box::new(csv::Csv::new(columns)),
            HistoryFormat::Json => Box::new(json::Json::new(columns)),
            HistoryFormat::Jsonl => Box::new(jsonl::Jsonl::new(columns)),
            HistoryFormat::Ledger => Box::new(ledger::Ledger::new(columns)),
            HistoryFormat::Beancount => Box::new(beancount::Beancount::new(columns)),
        };
        RecordWriter { out, format, columns, exporter, written: 0 }
    }

    /// Streams a table with these column widths instead of holding rows to
    /// align them (the other formats have no widths).
    pub fn with_fixed_widths(mut self, widths: Vec<usize>) -> Self {
        if self.format == HistoryFormat::Table {
            self.exporter = Box::new(table::Table::fixed(self.columns, widths));
        }
        self
    }

    pub fn write(&mut self, row: Vec<Cell>) -> Result<()> {
        self.exporter.write(&mut self.out, row, self.written)?;
        self.written += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        self.exporter.finish(&mut self.out, self.written)?;
        self.out.flush()?;
        Ok(())
    }
}

/// Where a price directive's values are in a record: found by column name
/// once, for `ledger` and `beancount`.
struct PriceColumns {
    timestamp: Option<usize>,
    pair: Option<usize>,
    rate: Option<usize>,
}

/// One price: the date, the time of day, and the pair's two currencies.
struct Price<'a> {
    date: &'a str,
    time: &'a str,
    base: &'a str,
    rate: &'a str,
    quote: &'a str,
}

impl PriceColumns {
    fn new(columns: &[&str]) -> PriceColumns {
        let at = |name: &str| columns.iter().position(|c| *c == name);
        PriceColumns { timestamp: at("timestamp"), pair: at("pair"), rate: at("rate") }
    }

    /// The price a record holds: its timestamp is RFC 3339 with `Z`
    /// (`2025-12-12T00:00:00Z`), its pair `KZT/USD`, its rate a decimal.
    fn price<'a>(&self, row: &'a [Cell]) -> Result<Price<'a>> {
        let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).map(Cell::text);
        let (Some(timestamp), Some(pair), Some(rate)) = (cell(self.timestamp), cell(self.pair), cell(self.rate)) else {
            return Err(Error::invalid("a price directive needs a record's timestamp, pair and rate"));
        };
        let (date, time) = timestamp.strip_suffix('Z').and_then(|t| t.split_once('T')).unwrap_or((timestamp, ""));
        let (base, quote) = pair.split_once('/').unwrap_or((pair, ""));
        Ok(Price { date, time, base, rate, quote })
    }
}

#[cfg(test)]
mod tests;
