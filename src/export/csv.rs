//! The CSV exchange format: a header line of column names, then one line a
//! record, a cell quoted only when it holds a comma, quote or line break.
//! [`RawRows`] writes `history`'s rows as stored, without parsing them.

use std::io::{self, Write};

use super::{Cell, Exporter};
use crate::error::Result;
use crate::model::{Instant, Pair, Rate, Source};

/// CSV records with a header.
pub(crate) struct Csv {
    columns: &'static [&'static str],
}

impl Csv {
    pub(crate) fn new(columns: &'static [&'static str]) -> Csv {
        Csv { columns }
    }
}

impl<W: Write> Exporter<W> for Csv {
    fn write(&mut self, out: &mut W, row: Vec<Cell>, _price: Option<&super::Price>, written: u64) -> Result<()> {
        if written == 0 {
            writeln!(out, "{}", self.columns.join(","))?;
        }
        let mut first = true;
        for c in &row {
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            write_cell(out, c.text())?;
        }
        out.write_all(b"\n")?;
        Ok(())
    }

    fn finish(&mut self, out: &mut W, written: u64) -> Result<()> {
        if written == 0 {
            writeln!(out, "{}", self.columns.join(","))?;
        }
        Ok(())
    }
}

fn write_cell<W: Write>(out: &mut W, t: &str) -> io::Result<()> {
    if t.contains([',', '"', '\n', '\r']) {
        write!(out, "\"{}\"", t.replace('"', "\"\""))
    } else {
        out.write_all(t.as_bytes())
    }
}

/// `history --format csv` rows from the stored text (timestamp, pair, rate,
/// change_pct, source, quoted): a row shown as quoted goes out as stored (no
/// decimal parse and re-format, `quoted` empty); a row shown the other way
/// round gets its computed inverse in `rate` and the stored text in `quoted`.
/// The date part of the timestamp is formatted once per day. Every cell is a
/// validated code, decimal or label: nothing to quote. This path is for
/// speed: millions of rows.
pub(crate) struct RawRows<W: Write> {
    out: W,
    /// The day (Unix days) `date` is for.
    day: i64,
    /// `YYYY-MM-DDT` of `day`.
    date: String,
}

impl<W: Write> RawRows<W> {
    /// Writes the header line.
    pub(crate) fn new(mut out: W, columns: &[&str]) -> Result<RawRows<W>> {
        writeln!(out, "{}", columns.join(","))?;
        Ok(RawRows { out, day: i64::MIN, date: String::new() })
    }

    /// One row shown as `shown`, stored as `pair` (`rate` and `change` its
    /// stored decimal text).
    #[inline]
    pub(crate) fn write(&mut self, at: Instant, shown: Pair, pair: Pair, rate: &str, change: Option<&str>, source: &Source) -> Result<()> {
        let ts = at.unix();
        let d = ts.div_euclid(86_400);
        if d != self.day {
            self.day = d;
            self.date = Instant::from_unix(d * 86_400).rfc3339()[..11].to_string();
        }
        let sec = ts.rem_euclid(86_400);
        let (h, m, s) = (sec / 3600, sec / 60 % 60, sec % 60);
        if shown == pair {
            writeln!(self.out, "{}{h:02}:{m:02}:{s:02}Z,{pair},{rate},{},{source},", self.date, change.unwrap_or(""))?;
        } else {
            let inverse = rate.parse::<Rate>()?.inverse();
            let quoted = super::quoted_cell(pair, rate, change);
            writeln!(self.out, "{}{h:02}:{m:02}:{s:02}Z,{shown},{inverse},,{source},{quoted}", self.date)?;
        }
        Ok(())
    }

    /// Everything written so far, out (the rows `delete` removes must be out
    /// before the delete commits).
    pub(crate) fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
