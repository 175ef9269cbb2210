//! Shaping answers for an output: the typed rows of `crate::query` become records
//! (or, for `convert --format json`, one document) in the chosen format, written to any
//! `Write` (standard output for a command, a response body for a server).
//!
//! What lives where:
//! - here: [`Cell`] (a value in a record), the `--format` values ([`Format`], [`HistoryFormat`],
//!   [`ConvertFormat`]; clap's names for them live in `cli`), the [`Exporter`] trait, and
//!   [`RecordWriter`], which hands each record to the exporter of the chosen format;
//! - one file per question, its rows as records: `quotes` (`latest`, `history`), `stats`,
//!   `conflicts`, `inputs`, `convert` (a table or one JSON document);
//! - `table`: aligned columns for people, held to align or streamed at fixed widths;
//! - `csv`: the CSV exchange format, and the raw rows of `history --format csv` from the stored
//!   text (a row shown against its stored direction inverted, its stored text in `quoted`);
//! - `json`: one array of objects, and `convert`'s document;
//! - `jsonl`: one object a line;
//! - `ledger`, `beancount`: a record (timestamp, pair, rate) as a price directive.

#![deny(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::wildcard_enum_match_arm)]

pub(crate) mod beancount;
pub mod check;
pub mod conflicts;
pub mod convert;
pub(crate) mod csv;
pub mod inputs;
pub(crate) mod json;
pub(crate) mod jsonl;
pub(crate) mod ledger;
pub mod quotes;
pub mod reading;
pub mod stats;
pub(crate) mod table;

use std::io::{self, BufWriter, Write};

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{Instant, Pair, Rate};

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
    /// The cell as CSV and tables print it (empty for [`Cell::Empty`]).
    pub fn text(&self) -> &str {
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

/// Always four decimals (`12.5` → `12.5000`): `stats`' change and gap.
pub fn fixed(d: Decimal) -> String {
    format!("{:.*}", crate::query::stats::DECIMALS as usize, d)
}

/// The price a record states: one unit of the pair's base in its quote, at
/// that time (what `ledger` and `beancount` write).
#[derive(Clone, Copy, Debug)]
pub struct Price {
    pub at: Instant,
    pub pair: Pair,
    pub rate: Rate,
}

/// One output format of records with fixed columns (given when it is made).
/// `written` is how many records were written before: formats put a header,
/// an opening bracket or separators by it.
pub(crate) trait Exporter<W: Write> {
    /// Writes one record, its cells in column order, and the price it
    /// states if it states one.
    fn write(&mut self, out: &mut W, row: Vec<Cell>, price: Option<&Price>, written: u64) -> Result<()>;
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
            HistoryFormat::Ledger => Box::new(ledger::Ledger),
            HistoryFormat::Beancount => Box::new(beancount::Beancount),
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
        self.exporter.write(&mut self.out, row, None, self.written)?;
        self.written += 1;
        Ok(())
    }

    /// A record that states a price: the price directives write it.
    pub fn write_priced(&mut self, row: Vec<Cell>, price: Price) -> Result<()> {
        self.exporter.write(&mut self.out, row, Some(&price), self.written)?;
        self.written += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        self.exporter.finish(&mut self.out, self.written)?;
        self.out.flush()?;
        Ok(())
    }
}

/// A record without a price cannot be a price directive.
fn needs_price(price: Option<&Price>) -> Result<&Price> {
    price.ok_or_else(|| Error::invalid("a price directive needs a record's timestamp, pair and rate"))
}

#[cfg(test)]
mod tests;

/// The published quote behind a computed `rate` (an inverse), as published:
/// its pair, its digits and, when it had one, its change in percent
/// (`USD/KZT 478.77`, `USD/TJS 10.7 0.76%`). The one cell every format of
/// `latest` and `history` ends with (empty, or null in JSON, when `rate` is
/// the value as published); `ingest` stores it instead of `rate`.
pub(crate) fn quoted_cell(pair: Pair, rate: &str, change: Option<&str>) -> String {
    match change {
        Some(c) => format!("{pair} {rate} {c}%"),
        None => format!("{pair} {rate}"),
    }
}
