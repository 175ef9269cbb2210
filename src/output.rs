//! Writing records for people (aligned tables) and scripts (CSV, JSON, JSON
//! lines, ledger and beancount prices), streamed to standard output.

use std::io::{self, BufWriter, Write};

use crate::error::Result;

/// `--format` of the reading commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Jsonl,
}

/// `history --format`: the record formats plus price directives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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

impl HistoryFormat {
    /// The record format, or None for the price-directive formats.
    pub fn records(self) -> Option<Format> {
        match self {
            HistoryFormat::Table => Some(Format::Table),
            HistoryFormat::Csv => Some(Format::Csv),
            HistoryFormat::Json => Some(Format::Json),
            HistoryFormat::Jsonl => Some(Format::Jsonl),
            HistoryFormat::Ledger | HistoryFormat::Beancount => None,
        }
    }
}

/// `convert --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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

/// Writes records with fixed columns in one of the tabular formats.
pub struct RecordWriter<W: Write> {
    out: W,
    format: Format,
    columns: &'static [&'static str],
    /// Table: rows are held to align columns unless widths are fixed.
    held: Vec<Vec<Cell>>,
    fixed_widths: Option<Vec<usize>>,
    written: u64,
}

pub fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}

impl<W: Write> RecordWriter<W> {
    pub fn new(out: W, format: Format, columns: &'static [&'static str]) -> RecordWriter<W> {
        RecordWriter { out, format, columns, held: Vec::new(), fixed_widths: None, written: 0 }
    }

    /// Streams a table with these column widths instead of holding rows to align them.
    pub fn with_fixed_widths(mut self, widths: Vec<usize>) -> Self {
        self.fixed_widths = Some(widths);
        self
    }

    pub fn write(&mut self, row: Vec<Cell>) -> Result<()> {
        match self.format {
            Format::Table => {
                if let Some(w) = &self.fixed_widths {
                    if self.written == 0 {
                        let header = header_cells(self.columns);
                        write_table_row(&mut self.out, &header, w)?;
                    }
                    write_table_row(&mut self.out, &row, w)?;
                } else {
                    self.held.push(row);
                }
            }
            Format::Csv => {
                if self.written == 0 {
                    writeln!(self.out, "{}", self.columns.join(","))?;
                }
                let mut first = true;
                for c in &row {
                    if !first {
                        self.out.write_all(b",")?;
                    }
                    first = false;
                    write_csv_cell(&mut self.out, c.text())?;
                }
                self.out.write_all(b"\n")?;
            }
            Format::Json | Format::Jsonl => {
                let mut map = serde_json::Map::new();
                for (name, cell) in self.columns.iter().zip(&row) {
                    map.insert((*name).to_string(), cell.json());
                }
                let obj = serde_json::Value::Object(map);
                if self.format == Format::Json {
                    self.out.write_all(if self.written == 0 { b"[\n  " } else { b",\n  " })?;
                }
                serde_json::to_writer(&mut self.out, &obj).map_err(io::Error::from)?;
                if self.format == Format::Jsonl {
                    self.out.write_all(b"\n")?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        match self.format {
            Format::Table if self.fixed_widths.is_none() => {
                let header = header_cells(self.columns);
                let mut widths: Vec<usize> = header.iter().map(|c| c.text().chars().count()).collect();
                for row in &self.held {
                    for (w, c) in widths.iter_mut().zip(row) {
                        *w = (*w).max(c.text().chars().count());
                    }
                }
                write_table_row(&mut self.out, &header, &widths)?;
                for row in std::mem::take(&mut self.held) {
                    write_table_row(&mut self.out, &row, &widths)?;
                }
            }
            Format::Table if self.written == 0 => {
                let header = header_cells(self.columns);
                let widths = self.fixed_widths.clone().unwrap_or_default();
                write_table_row(&mut self.out, &header, &widths)?;
            }
            Format::Csv if self.written == 0 => {
                writeln!(self.out, "{}", self.columns.join(","))?;
            }
            Format::Json => {
                self.out.write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?;
            }
            _ => {}
        }
        self.out.flush()?;
        Ok(())
    }
}

fn header_cells(columns: &[&str]) -> Vec<Cell> {
    columns.iter().map(|c| Cell::from(*c)).collect()
}

fn write_table_row<W: Write>(out: &mut W, row: &[Cell], widths: &[usize]) -> io::Result<()> {
    let mut line = String::new();
    for (i, (c, w)) in row.iter().zip(widths).enumerate() {
        let t = c.text();
        if i + 1 == row.len() {
            line.push_str(t);
        } else {
            line.push_str(t);
            for _ in t.chars().count()..*w + 2 {
                line.push(' ');
            }
        }
    }
    out.write_all(line.trim_end().as_bytes())?;
    out.write_all(b"\n")
}

fn write_csv_cell<W: Write>(out: &mut W, t: &str) -> io::Result<()> {
    if t.contains([',', '"', '\n', '\r']) {
        write!(out, "\"{}\"", t.replace('"', "\"\""))
    } else {
        out.write_all(t.as_bytes())
    }
}
